/* phases.c — a program that names phases through the shim's public API the way the header tells callers
 * to (weak references, and dlsym), so it runs unchanged without the shim. Opens one file per phase and
 * leaves the second one open; prints "ok" (or what went wrong) and, untraced, "no shim". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "../include/fdhound.h"

#pragma weak fdhound_phase_begin
#pragma weak fdhound_phase_end

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
    puts("ok");
    return 0;
}
