/* hooks_close.c — close. Recorded before the real close: once the kernel frees the number another thread
 * may get it from open() at once, and that open must come after this close in the trace. The guard is
 * left before the real call, so a signal handler that runs during it is traced normally. */
#define _GNU_SOURCE
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
    uint64_t event = fdh_record_close(FDH_API_CLOSE, fd);
    fdh_leave();
    errno = saved;
    int result = real_close(fd);
    int err = errno;
    fdh_finish_close(event, result, err);
    errno = err;
    return result;
}
