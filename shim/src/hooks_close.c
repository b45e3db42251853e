/* hooks_close.c — close, close_range, closefrom. A close is recorded before the real close: once the kernel
 * frees the number another thread may get it from open() at once, and that open must come after this close
 * in the trace. The recording scope ends before the real call, so a signal handler that runs during it is
 * traced normally.
 *
 * The tracer's parked pipe (tracer_pipe.c) is invisible here: close() of a parked number fails with EBADF
 * as it would untraced (nothing of the program's is there), and close_range/closefrom close around it.
 * libunwind's own close of its pipe (recognised by the caller's address) closes only a parked number. */
#define _GNU_SOURCE
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "real_calls.h"

FDH_EXPORT int close(int fd) {
    FDH_REAL(close);
    if (FDH_UNLIKELY(fdh_called_by_unwinder(__builtin_return_address(0)))) return fdh_unwinder_close(fd);
    struct fdh_close_ticket ticket = FDH_NO_CLOSE;
    FDH_RECORDING fdh_record_close(FDH_API_CLOSE, fd, &ticket);
    int result;
    if (FDH_UNLIKELY(fdh_is_tracer_fd(fd))) {
        errno = EBADF;
        result = -1;
    } else {
        result = real_close(fd);
    }
    FDH_RECORDING fdh_finish_close(&ticket, fd, result, FDH_SAVED_ERRNO);
    return result;
}

/* The real close_range over [first, last] minus the parked numbers (at most two, adjacent, at the top). */
static int close_range_around_tracer(int (*real)(unsigned int, unsigned int, int), unsigned int first,
                                     unsigned int last, int flags) {
    int low, high;
    fdh_tracer_pipe_range(&low, &high);
    if (FDH_LIKELY(low < 0) || (unsigned int)high < first || (unsigned int)low > last) {
        return real(first, last, flags);
    }
    int result = 0;
    if ((unsigned int)low > first) result = real(first, (unsigned int)low - 1, flags);
    if (result == 0 && (unsigned int)high < last) result = real((unsigned int)high + 1, last, flags);
    return result;
}

/* close_range(first, last, flags): every descriptor we know open in the range is closed first (or, with
 * CLOSE_RANGE_CLOEXEC, only marked close-on-exec), once the kernel accepted the call: a call it rejects
 * (EINVAL: first > last, unknown flags) closes nothing. The arguments are checked as the kernel checks
 * them before anything is recorded, because recording must precede the real close (see above). */
FDH_EXPORT int close_range(unsigned int first, unsigned int last, int flags) {
    FDH_REAL_OR_FAIL(close_range, -1);
    unsigned int known = CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC;
    if (first > last || (flags & ~(int)known)) return real_close_range(first, last, flags);
    FDH_RECORDING fdh_record_close_range(FDH_API_CLOSE_RANGE, first, last, (flags & CLOSE_RANGE_CLOEXEC) != 0);
    return close_range_around_tracer(real_close_range, first, last, flags);
}

static int close_range_syscall(unsigned int first, unsigned int last, int flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}

/* closefrom(n) is close_range(max(n, 0), ~0U, 0) — glibc clamps a negative n to 0 — and glibc aborts the
 * program if it cannot close (as it would untraced: the fallback below calls glibc's own closefrom). */
void closefrom(int lowfd);
FDH_EXPORT void closefrom(int lowfd) {
    FDH_REAL(closefrom);
    if (lowfd < 0) lowfd = 0;
    FDH_RECORDING fdh_record_close_range(FDH_API_CLOSEFROM, (unsigned int)lowfd, ~0u, 0);
    int low, high;
    fdh_tracer_pipe_range(&low, &high);
    if (FDH_LIKELY(low < 0) || high < lowfd || !real_closefrom) {
        if (real_closefrom) real_closefrom(lowfd);
        return;
    }
    if (close_range_around_tracer(close_range_syscall, (unsigned int)lowfd, ~0u, 0) != 0) {
        fdh_tracer_pipe_yield(); /* no close_range in this kernel: glibc's loop closes every number */
        real_closefrom(lowfd);
    }
}
