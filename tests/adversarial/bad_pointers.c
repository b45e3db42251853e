/* bad_pointers.c — calls given a path the kernel refuses to read: a pointer into the zero page, or a
 * string that runs into an unmapped page. Untraced each fails (EFAULT; EINVAL where the call is refused
 * before the path is looked at: O_TMPFILE opened read-only, an fopen mode that does not exist); traced it
 * must fail the same way, not die of SIGSEGV in a hook that reads the path to describe it. Each call runs
 * in a child of its own (a crash shows as "killed by signal N"); then the program opens /etc/hostname, which
 * the trace must still record with its path. Prints one line per call. */
#include <sys/mman.h>
#include <sys/wait.h>
#include <dirent.h>
#include <spawn.h>

#include "observe.h"

static char *edge; /* 4 bytes with no NUL, at the end of the last readable page before an unmapped one */

static long open_bad(void) { return open((char *)16, O_RDONLY); }
static long open_edge(void) { return open(edge, O_RDONLY); }
static long open_tmpfile_readonly(void) { return open((char *)16, O_TMPFILE | O_RDONLY); }
static long openat_bad(void) { return openat(AT_FDCWD, (char *)16, O_RDONLY); }
static long creat_bad(void) { return creat(edge, 0600); }
static long fopen_bad(void) { return fopen((char *)16, "r") ? 0 : -1; }
static long fopen_bad_mode(void) { return fopen((char *)16, "z") ? 0 : -1; }
static long memfd_bad(void) { return memfd_create((char *)16, 0); }
static long execve_bad(void) { return execve(edge, (char *[]){"x", NULL}, (char *[]){NULL}); }
static long posix_spawn_bad(void) {
    pid_t pid;
    int err = posix_spawn(&pid, (char *)16, NULL, NULL, (char *[]){"x", NULL}, (char *[]){NULL});
    if (err == 0) { waitpid(pid, NULL, 0); return 0; } /* the child's exec failed: glibc reports it */
    errno = err;
    return -1;
}

static void run(const char *name, long (*call)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        errno = 0;
        long result = call();
        printf("%-32s = %ld (%s)\n", name, result, result < 0 ? strerrorname_np(errno) : "ok");
        fflush(stdout);
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    if (!WIFEXITED(status)) printf("%-32s: killed by signal %d\n", name, WTERMSIG(status));
}

int main(void) {
    char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED || munmap(pages + 4096, 4096) != 0) die("mmap");
    edge = pages + 4096 - 4;
    memcpy(edge, "/etc", 4);
    run("open(zero page)", open_bad);
    run("open(string into unmapped page)", open_edge);
    run("open(zero page, O_TMPFILE|O_RDONLY)", open_tmpfile_readonly);
    run("openat(zero page)", openat_bad);
    run("creat(string into unmapped page)", creat_bad);
    run("fopen(zero page)", fopen_bad);
    run("fopen(zero page, mode \"z\")", fopen_bad_mode);
    run("memfd_create(zero page)", memfd_bad);
    run("execve(string into unmapped page)", execve_bad);
    run("posix_spawn(zero page)", posix_spawn_bad);
    int fd = open("/etc/hostname", O_RDONLY);
    printf("open(/etc/hostname) afterwards: %s\n", fd >= 0 ? "ok" : strerrorname_np(errno));
    return 0;
}
