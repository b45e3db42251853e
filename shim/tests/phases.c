/* phases.c — a program that calls the shim's public API the way the header tells callers to (weak
 * references, and dlsym), so it runs unchanged without the shim: phases (one file per phase, the second
 * left open), then Python frames handed in by a helper (fdhound_python_stack), which a close must not take
 * and the next open must. Prints "ok" (or what went wrong) and, untraced, "no shim". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "../include/fdhound.h"

#pragma weak fdhound_phase_begin
#pragma weak fdhound_phase_end
#pragma weak fdhound_python_stack

int main(void) {
    if (!fdhound_phase_begin) {
        /* Untraced: the weak references are 0 and dlsym finds nothing; the program runs on. */
        puts(dlsym(RTLD_DEFAULT, "fdhound_phase_begin") ? "dlsym found a phase API without the shim" : "no shim");
        return 0;
    }
    errno = 1234;
    fdhound_phase_begin("closed phase");
    int fd = open("/etc/hostname", O_RDONLY);
    if (errno != 1234 && fd >= 0) { puts("fdhound_phase_begin changed errno"); return 1; }
    close(fd);
    fdhound_phase_end();
    void (*begin)(const char *) = (void (*)(const char *))dlsym(RTLD_DEFAULT, "fdhound_phase_begin");
    void (*end)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "fdhound_phase_end");
    if (begin != fdhound_phase_begin || !end) { puts("dlsym disagrees with the weak reference"); return 1; }
    begin("leaky phase");
    begin(NULL); /* nested, unnamed */
    end();
    errno = 4321;
    int leaked = open("/etc/passwd", O_RDONLY);
    end();
    if (errno != 4321 && leaked >= 0) { puts("fdhound_phase_end changed errno"); return 1; }

    /* "\0" "42": a digit right after \0 would make an octal escape */
    static const char frames[] = "app.py\0handler\0" "42\0app.py\0<module>\0" "7\0";
    int scratch = open("/etc/hostname", O_RDONLY);
    errno = 99;
    fdhound_python_stack(frames, sizeof frames - 1);
    if (errno != 99) { puts("fdhound_python_stack changed errno"); return 1; }
    close(scratch);                               /* a close never takes the frames */
    int hinted = open("/etc/group", O_RDONLY);    /* this open does */
    int plain = open("/etc/group", O_RDONLY);     /* and nothing is left for this one */
    fdhound_python_stack(NULL, 0);
    close(hinted);
    close(plain);
    puts("ok");
    return 0;
}
