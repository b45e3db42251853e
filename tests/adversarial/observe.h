/* observe.h — what the adversarial programs print about themselves, so a run untraced and a run traced can
 * be compared line by line: the descriptors open now (from /proc/self/fd, numbers below 512 only — the
 * runner sets RLIMIT_NOFILE to 1024, and the shim parks libunwind's pipe, once libunwind needed it, just
 * under the limit) and small helpers. Header-only: each program is one .c file. */
#ifndef FDHOUND_OBSERVE_H
#define FDHOUND_OBSERVE_H

#ifndef _GNU_SOURCE /* the runner compiles with -D_GNU_SOURCE: a program may include system headers first */
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define OBSERVE_BELOW 512

/* Traced, the shim holds libunwind's validation pipe only once libunwind has walked a stack, which it does
 * for a capture the fast unwinder cannot walk: an open() called from a function whose CFA rule is a DWARF
 * expression (rsp + 16). Programs about the parked pipe call this first; untraced it is one open+close. */
__attribute__((noinline, used)) void observe_open_close(void) { close(open("/dev/null", O_RDONLY)); }
void observe_call_through_expression_frame(void);
__asm__(".text\n"
        ".globl observe_call_through_expression_frame\n"
        ".type observe_call_through_expression_frame, @function\n"
        "observe_call_through_expression_frame:\n"
        ".cfi_startproc\n"
        "    subq $8, %rsp\n"
        ".cfi_escape 0x0f, 0x02, 0x77, 0x10\n" /* DW_CFA_def_cfa_expression: DW_OP_breg7 (rsp) 16 */
        "    call observe_open_close\n"
        "    addq $8, %rsp\n"
        ".cfi_def_cfa rsp, 8\n"
        "    ret\n"
        ".cfi_endproc\n"
        ".size observe_call_through_expression_frame, .-observe_call_through_expression_frame\n");
static inline void make_libunwind_walk(void) { observe_call_through_expression_frame(); }

/* Prints "LABEL: 0 1 2 5" — open descriptors below OBSERVE_BELOW, ascending. Raw getdents64, so that the
 * listing itself opens nothing through libc but the directory (which is left out). */
static inline void print_open_fds(FILE *out, const char *label) {
    char seen[OBSERVE_BELOW] = {0};
    int dir = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) { fprintf(out, "%s: cannot list (%s)\n", label, strerror(errno)); return; }
    char buffer[4096];
    long n;
    while ((n = syscall(SYS_getdents64, dir, buffer, sizeof buffer)) > 0) {
        for (long offset = 0; offset < n;) {
            struct dirent64 *entry = (struct dirent64 *)(buffer + offset);
            offset += entry->d_reclen;
            int fd = atoi(entry->d_name);
            if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9' && fd != dir && fd < OBSERVE_BELOW) seen[fd] = 1;
        }
    }
    syscall(SYS_close, dir);
    fprintf(out, "%s:", label);
    for (int fd = 0; fd < OBSERVE_BELOW; fd++) if (seen[fd]) fprintf(out, " %d", fd);
    fprintf(out, "\n");
    fflush(out);
}

static inline void die(const char *what) {
    fprintf(stderr, "%s: %s\n", what, strerror(errno));
    exit(99);
}


/* SIGALRM every 50 µs runs `handler` while the main loop opens and closes /dev/null, until the handler has
 * run `wanted` times (it counts in *runs): signals land inside the tracer's hooks again and again. */
static inline void run_alarm_storm(void (*handler)(int), volatile sig_atomic_t *runs, long wanted) {
    struct sigaction sa = {.sa_handler = handler, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every = {.it_interval = {0, 50}, .it_value = {0, 50}};
    setitimer(ITIMER_REAL, &every, NULL);
    while (*runs < wanted) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) die("open");
        close(fd);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
}

#endif
