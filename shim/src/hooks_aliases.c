/* hooks_aliases.c — glibc's public double-underscore aliases (__open, __close, __dup2, __fcntl, __pipe,
 * __fork): old binaries and some libraries call them directly. Each forwards to our hook of the plain name,
 * so it is recorded the same way (the forwarding frame is inside the shim and dropped). __vfork cannot
 * forward through a C frame (the child would return through it first): it is a second name of the vfork
 * stub in hooks_vfork.S. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "shim.h"

int __open(const char *path, int flags, ...);
int __open64(const char *path, int flags, ...);
int __close(int fd);
int __dup2(int oldfd, int newfd);
int __fcntl(int fd, int cmd, ...);
int __pipe(int fds[2]);
pid_t __fork(void);

static mode_t mode_argument(int flags, va_list ap) {
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

FDH_EXPORT int __open(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_argument(flags, ap);
    va_end(ap);
    return open(path, flags, mode);
}

FDH_EXPORT int __open64(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_argument(flags, ap);
    va_end(ap);
    return open64(path, flags, mode);
}

FDH_EXPORT int __close(int fd) { return close(fd); }
FDH_EXPORT int __dup2(int oldfd, int newfd) { return dup2(oldfd, newfd); }
FDH_EXPORT int __pipe(int fds[2]) { return pipe(fds); }
FDH_EXPORT pid_t __fork(void) { return fork(); }

FDH_EXPORT int __fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return fcntl(fd, cmd, arg);
}
