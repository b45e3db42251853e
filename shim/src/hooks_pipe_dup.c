/* hooks_pipe_dup.c — pipe, pipe2, and the duplicating calls dup, dup2, dup3, fcntl(F_DUPFD[_CLOEXEC]).
 * A dup is its own opening (the copy must be closed separately), blamed on the dup call's stack.
 *
 * Two things here exist for the tracer's own pipe (libunwind's, parked at the top of the descriptor range,
 * tracer_pipe.c): a pipe made by libunwind itself while we unwind is parked instead of recorded — told
 * apart from a signal handler's pipe() on the same thread by the caller's address — and a program that
 * dup2s onto a parked number, or runs out of numbers (EMFILE), gets those numbers back at once. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "real_calls.h"

static int pipe_opened(uint8_t api, int result, int fds[2], int flags) {
    FDH_RECORDING {
        if (result == 0) {
            struct fdh_opened o = {.api = api, .kind = FDH_KIND_PIPE, .owner = FDH_OWNER_RAW,
                                   .cloexec = (flags & O_CLOEXEC) != 0, .fd = fds[0], .fd2 = fds[1],
                                   .arg = (uint32_t)flags};
            fdh_record_open(&o);
        } else {
            fdh_record_failure(api, FDH_SAVED_ERRNO, (uint32_t)flags, 0);
        }
    }
    return result;
}

FDH_EXPORT int pipe(int fds[2]) {
    FDH_REAL(pipe);
    if (FDH_UNLIKELY(fdh_called_by_unwinder(__builtin_return_address(0)))) {
        int result = real_pipe(fds); /* libunwind's own: parked, never recorded */
        if (result == 0) fdh_park_tracer_pipe(fds);
        return result;
    }
    int result;
    FDH_RETRY_ON_EMFILE(result, result != 0, real_pipe(fds));
    return pipe_opened(FDH_API_PIPE, result, fds, 0);
}

FDH_EXPORT int pipe2(int fds[2], int flags) {
    FDH_REAL(pipe2);
    if (FDH_UNLIKELY(fdh_called_by_unwinder(__builtin_return_address(0)))) {
        int result = real_pipe2(fds, flags); /* libunwind's own: parked, never recorded */
        if (result == 0) fdh_park_tracer_pipe(fds);
        return result;
    }
    int result;
    FDH_RETRY_ON_EMFILE(result, result != 0, real_pipe2(fds, flags));
    return pipe_opened(FDH_API_PIPE2, result, fds, flags);
}

static int duplicated(uint8_t api, int oldfd, int newfd, uint64_t arg, int cloexec) {
    FDH_RECORDING {
        if (newfd >= 0 && newfd != oldfd) fdh_record_dup(api, oldfd, newfd, arg, cloexec);
        else if (newfd < 0) fdh_record_failure(api, FDH_SAVED_ERRNO, arg, 0);
    }
    return newfd;
}

/* A parked number is not open as far as the program can tell (close() of it answers EBADF too): a call
 * naming it as its source fails EBADF, as it would untraced, instead of handing the program a copy of the
 * tracer's pipe. */
static int parked_source(int fd) {
    if (FDH_LIKELY(!fdh_is_tracer_fd(fd))) return 0;
    errno = EBADF;
    return 1;
}

FDH_EXPORT int dup(int oldfd) {
    FDH_REAL(dup);
    int newfd;
    if (FDH_UNLIKELY(parked_source(oldfd))) return duplicated(FDH_API_DUP, oldfd, -1, 0, 0);
    FDH_RETRY_ON_EMFILE(newfd, newfd < 0, real_dup(oldfd));
    return duplicated(FDH_API_DUP, oldfd, newfd, 0, 0);
}

/* dup2/dup3 onto a parked number: the program takes that number, so the tracer gives its pipe up first. */
FDH_EXPORT int dup2(int oldfd, int newfd) {
    FDH_REAL(dup2);
    if (FDH_UNLIKELY(parked_source(oldfd))) return duplicated(FDH_API_DUP2, oldfd, -1, 0, 0);
    if (FDH_UNLIKELY(fdh_is_tracer_fd(newfd))) fdh_tracer_pipe_yield();
    int result;
    FDH_CREATING(result, real_dup2(oldfd, newfd));
    return duplicated(FDH_API_DUP2, oldfd, result, 0, 0);
}

FDH_EXPORT int dup3(int oldfd, int newfd, int flags) {
    FDH_REAL(dup3);
    if (FDH_UNLIKELY(parked_source(oldfd))) return duplicated(FDH_API_DUP3, oldfd, -1, (uint32_t)flags, 0);
    if (FDH_UNLIKELY(fdh_is_tracer_fd(newfd))) fdh_tracer_pipe_yield();
    int result;
    FDH_CREATING(result, real_dup3(oldfd, newfd, flags));
    return duplicated(FDH_API_DUP3, oldfd, result, (uint32_t)flags, (flags & O_CLOEXEC) != 0);
}

/* fcntl's third argument is an int or a pointer depending on cmd; glibc itself reads it as a pointer. */
static int traced_fcntl(int (*real)(int, int, ...), int fd, int cmd, void *arg) {
    if (FDH_UNLIKELY(parked_source(fd))) {
        if (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC) return -1;
        return duplicated(FDH_API_FCNTL, fd, -1, (uint32_t)cmd, 0);
    }
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
        /* The lowest free number at or above arg: a parked one, untraced, once all below are taken. */
        if (FDH_UNLIKELY(fdh_tracer_pipe_above((long)arg))) fdh_tracer_pipe_yield();
        int result;
        FDH_RETRY_ON_EMFILE(result, result < 0, real(fd, cmd, arg));
        return duplicated(FDH_API_FCNTL, fd, result, (uint32_t)cmd, cmd == F_DUPFD_CLOEXEC);
    }
    int result = real(fd, cmd, arg); /* no F_DUPFD: creates no descriptor */
    if (cmd == F_SETFD && result == 0) {
        FDH_RECORDING fdh_record_cloexec(FDH_API_FCNTL, fd, ((long)arg & FD_CLOEXEC) != 0);
    }
    return result;
}

FDH_EXPORT int fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    FDH_REAL(fcntl);
    return traced_fcntl(real_fcntl, fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...);
FDH_EXPORT int fcntl64(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    FDH_REAL_OR_FAIL(fcntl64, -1);
    return traced_fcntl(real_fcntl64, fd, cmd, arg);
}
