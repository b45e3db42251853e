/* probe_parked.c — a program asking about the two highest numbers under its limit, which it never opened
 * (the shim parks libunwind's pipe there): every call the shim intercepts that names one of them as the
 * descriptor to use — dup, dup2, dup3, fcntl (F_GETFD, F_GETFL, F_DUPFD), fdopen, fdopendir, close — must
 * fail EBADF as untraced, not hand the program the tracer's pipe. Calls the shim does not intercept (read,
 * fstat) and /proc/self/fd still show the pipe: documented in ARCHITECTURE.md. Prints each result. */
#include <dirent.h>
#include <sys/resource.h>

#include "observe.h"

#define SHOW(what, call)                                                                                  \
    do {                                                                                                  \
        errno = 0;                                                                                        \
        long r_ = (long)(call);                                                                           \
        printf("  %-16s %s\n", what, r_ < 0 ? strerrorname_np(errno) : "succeeded");                    \
    } while (0)

int main(void) {
    make_libunwind_walk(); /* traced: libunwind's pipe is parked from here on */
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    int top = (int)limit.rlim_cur;
    for (int fd = top - 1; fd >= top - 2; fd--) {
        printf("top - %d:\n", top - fd);
        SHOW("fcntl F_GETFD", fcntl(fd, F_GETFD));
        SHOW("fcntl F_GETFL", fcntl(fd, F_GETFL));
        SHOW("fdopen", fdopen(fd, "r") ? 0 : -1);
        SHOW("fdopendir", fdopendir(fd) ? 0 : -1);
        SHOW("dup", dup(fd));
        SHOW("dup2 onto 10", dup2(fd, 10));
        SHOW("dup3 onto 11", dup3(fd, 11, 0));
        SHOW("fcntl F_DUPFD", fcntl(fd, F_DUPFD, 20));
        SHOW("close", close(fd));
    }
    print_open_fds(stdout, "open at exit");
    return 0;
}
