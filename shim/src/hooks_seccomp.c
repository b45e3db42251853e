/* hooks_seccomp.c — prctl, and the C half of the syscall hook (hooks_syscall.S): a program that installs a
 * seccomp filter stops being recorded first.
 *
 * Why: a filter allows the system calls the program makes and may kill it (SECCOMP_RET_KILL: sshd's
 * preauth sandbox, libseccomp whitelists) or make it fail for any other; the recorder makes calls of its
 * own (madvise to commit trace pages, getcwd for a relative path, getsockname, fstat, getsockopt), and one
 * refused call killed a traced program that ran fine untraced (redteam seccomp_kill). So before the
 * filter is installed — prctl(PR_SET_SECCOMP) through libc, or syscall(SYS_seccomp / SYS_prctl) — the
 * shim records what is open now (as a detach does, TCP states included, while every call is still
 * allowed) and stops recording for good, whether the call then succeeds or not; the header says why
 * (flags DETACHED | SECCOMP). Not seen: a filter installed with a raw system call instruction (Chromium's
 * sandbox), or inherited across exec (the new image's shim then starts under it). */
#define _GNU_SOURCE
#include <linux/seccomp.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "real_calls.h"

/* Called with the call's number and first argument before it is made (hooks_syscall.S, prctl below). */
void fdh_seccomp_before(long number, long operation) {
    int installs = (number == SYS_prctl && operation == PR_SET_SECCOMP) ||
                   (number == SYS_seccomp && (operation == SECCOMP_SET_MODE_FILTER ||
                                              operation == SECCOMP_SET_MODE_STRICT));
    if (!installs || !fdh_is_active()) return;
    int saved = errno;
    fdh_stop_recording(FDH_HEADER_FLAG_SECCOMP);
    errno = saved;
}

/* The calling thread's errno for a failed raw call, as libc's syscall() sets it (hooks_syscall.S). */
long fdh_syscall_error(long result) {
    errno = (int)-result;
    return -1;
}

/* A system call of five arguments made directly, with libc's syscall() result convention (-1 and errno):
 * for the hooks that replace a bare libc wrapper (prctl here, syscall(SYS_sigaltstack)) and must not call
 * syscall(), which is our own hook. */
long fdh_raw_syscall5(long number, long a1, long a2, long a3, long a4, long a5) {
    long result;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return (unsigned long)result > -4096ul ? fdh_syscall_error(result) : result;
}

/* glibc's prctl is the bare system call: made here the same way, after the check. */
FDH_EXPORT int prctl(int option, ...) {
    va_list ap;
    va_start(ap, option);
    unsigned long arg2 = va_arg(ap, unsigned long), arg3 = va_arg(ap, unsigned long);
    unsigned long arg4 = va_arg(ap, unsigned long), arg5 = va_arg(ap, unsigned long);
    va_end(ap);
    fdh_seccomp_before(SYS_prctl, option);
    return (int)fdh_raw_syscall5(SYS_prctl, option, (long)arg2, (long)arg3, (long)arg4, (long)arg5);
}
