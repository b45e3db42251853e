/* hooks_pipe_dup.c — pipe, pipe2, and the duplicating calls dup, dup2, dup3, fcntl(F_DUPFD[_CLOEXEC]).
 * A dup is its own opening (the copy must be closed separately), blamed on the dup call's stack. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "real_calls.h"

/* A pipe created while we unwind is libunwind's validation pipe: park it high (see stack_capture.c). */
#define PARK_INSIDE_CAPTURE(call)                                                                         \
    if (FDH_UNLIKELY(fdh_in_capture)) {                                                                   \
        int parked_result = (call);                                                                       \
        if (parked_result == 0) fdh_park_tracer_pipe(fds);                                                \
        return parked_result;                                                                             \
    }

static int pipe_opened(uint8_t api, int result, int fds[2], int flags) {
    if (!fdh_enter()) return result;
    int saved = errno;
    if (result == 0) {
        struct fdh_opened o = {.api = api, .kind = FDH_KIND_PIPE, .owner = FDH_OWNER_RAW,
                               .cloexec = (flags & O_CLOEXEC) != 0, .fd = fds[0], .fd2 = fds[1],
                               .arg = (uint32_t)flags};
        fdh_record_open(&o);
    } else {
        fdh_record_failure(api, saved, (uint32_t)flags, 0);
    }
    fdh_leave();
    errno = saved;
    return result;
}

FDH_EXPORT int pipe(int fds[2]) {
    FDH_REAL(pipe);
    PARK_INSIDE_CAPTURE(real_pipe(fds));
    return pipe_opened(FDH_API_PIPE, real_pipe(fds), fds, 0);
}

FDH_EXPORT int pipe2(int fds[2], int flags) {
    FDH_REAL(pipe2);
    PARK_INSIDE_CAPTURE(real_pipe2(fds, flags));
    return pipe_opened(FDH_API_PIPE2, real_pipe2(fds, flags), fds, flags);
}

static int duplicated(uint8_t api, int oldfd, int newfd, uint64_t arg, int cloexec) {
    if (!fdh_enter()) return newfd;
    int saved = errno;
    if (newfd >= 0 && newfd != oldfd) fdh_record_dup(api, oldfd, newfd, arg, cloexec);
    else if (newfd < 0) fdh_record_failure(api, saved, arg, 0);
    fdh_leave();
    errno = saved;
    return newfd;
}

FDH_EXPORT int dup(int oldfd) {
    FDH_REAL(dup);
    return duplicated(FDH_API_DUP, oldfd, real_dup(oldfd), 0, 0);
}

FDH_EXPORT int dup2(int oldfd, int newfd) {
    FDH_REAL(dup2);
    return duplicated(FDH_API_DUP2, oldfd, real_dup2(oldfd, newfd), 0, 0);
}

FDH_EXPORT int dup3(int oldfd, int newfd, int flags) {
    FDH_REAL(dup3);
    return duplicated(FDH_API_DUP3, oldfd, real_dup3(oldfd, newfd, flags), (uint32_t)flags,
                      (flags & O_CLOEXEC) != 0);
}

/* fcntl's third argument is an int or a pointer depending on cmd; glibc itself reads it as a pointer. */
static int after_fcntl(int fd, int cmd, void *arg, int result) {
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
        return duplicated(FDH_API_FCNTL, fd, result, (uint32_t)cmd, cmd == F_DUPFD_CLOEXEC);
    }
    if (cmd == F_SETFD && result == 0 && fdh_enter()) {
        int saved = errno;
        fdh_record_cloexec(FDH_API_FCNTL, fd, ((long)arg & FD_CLOEXEC) != 0);
        fdh_leave();
        errno = saved;
    }
    return result;
}

FDH_EXPORT int fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    FDH_REAL(fcntl);
    return after_fcntl(fd, cmd, arg, real_fcntl(fd, cmd, arg));
}

int fcntl64(int fd, int cmd, ...);
FDH_EXPORT int fcntl64(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    FDH_REAL_OR_FAIL(fcntl64, -1);
    return after_fcntl(fd, cmd, arg, real_fcntl64(fd, cmd, arg));
}
