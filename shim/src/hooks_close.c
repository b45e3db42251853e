/* hooks_close.c — close. Recorded before the real close: once the kernel frees the number another thread
 * may get it from open() at once, and that open must come after this close in the trace. The guard is
 * left before the real call, so a signal handler that runs during it is traced normally. */
#define _GNU_SOURCE
#include <linux/close_range.h>
#include <unistd.h>

#include "real_calls.h"

FDH_EXPORT int close(int fd) {
    FDH_REAL(close);
    if (FDH_UNLIKELY(fdh_in_capture)) { /* libunwind replacing its pipe: it may close only its own */
        if (!fdh_is_tracer_fd(fd)) return 0;
        fdh_tracer_fd_closed(fd);
        return real_close(fd);
    }
    if (FDH_UNLIKELY(fdh_is_tracer_fd(fd))) fdh_tracer_fd_taken(fd); /* the program closes it: repair later */
    if (!fdh_enter()) return real_close(fd);
    int saved = errno;
    struct fdh_close_ticket ticket;
    fdh_record_close(FDH_API_CLOSE, fd, &ticket);
    fdh_leave();
    errno = saved;
    int result = real_close(fd);
    int err = errno;
    fdh_finish_close(&ticket, fd, result, err);
    errno = err;
    return result;
}

/* close_range(first, last, flags): every descriptor we know open in the range is closed first (or, with
 * CLOSE_RANGE_CLOEXEC, only marked close-on-exec). closefrom(n) is close_range(n, ~0U, 0). */
FDH_EXPORT int close_range(unsigned int first, unsigned int last, int flags) {
    FDH_REAL_OR_FAIL(close_range, -1);
    if (fdh_enter()) {
        int saved = errno;
        fdh_record_close_range(FDH_API_CLOSE_RANGE, first, last, (flags & CLOSE_RANGE_CLOEXEC) != 0);
        fdh_leave();
        errno = saved;
    }
    return real_close_range(first, last, flags);
}

void closefrom(int lowfd);
FDH_EXPORT void closefrom(int lowfd) {
    FDH_REAL(closefrom);
    if (lowfd >= 0 && fdh_enter()) {
        int saved = errno;
        fdh_record_close_range(FDH_API_CLOSEFROM, (unsigned int)lowfd, ~0u, 0);
        fdh_leave();
        errno = saved;
    }
    if (real_closefrom) real_closefrom(lowfd);
}
