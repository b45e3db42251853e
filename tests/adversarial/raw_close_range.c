/* raw_close_range.c — the program closes every descriptor from 3 up with the raw close_range system call
 * (systemd's own wrapper, programs built before glibc 2.34 had one: no hook sees it), which also closes the
 * pipe the shim parked at the top two numbers. The kernel then hands those numbers to the program's opens
 * like any other: the shim must notice they are not its own any more before it acts on them — never close
 * them to "give them back" on EMFILE, never answer the program's close of them with EBADF, never skip
 * them in a close_range. Opens files until EMFILE (the runner: ulimit -n 64), prints the count, then
 * closes the two highest numbers, checks they are gone, closes a range over them and lists what is open. */
#include <sys/resource.h>

#include "observe.h"

int main(void) {
    make_libunwind_walk(); /* traced: libunwind's pipe is parked from here on */
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    int top = (int)limit.rlim_cur;
    long r = syscall(SYS_close_range, 3, ~0U, 0);
    printf("raw close_range(3, ~0) = %ld\n", r);
    int count = 0;
    while (open("/dev/null", O_RDONLY) >= 0) count++;
    printf("opened %d before %s\n", count, strerrorname_np(errno));
    for (int fd = top - 1; fd >= top - 2; fd--) {
        r = close(fd);
        printf("close(top - %d) = %ld (%s); still open: %s\n", top - fd, r, r ? strerrorname_np(errno) : "ok",
               fcntl(fd, F_GETFD) >= 0 ? "yes" : "no");
    }
    int fd = open("/dev/null", O_RDONLY);
    printf("reopened top - %d\n", top - fd);
    r = close_range(top - 4, ~0U, 0);
    printf("close_range(top - 4, ~0) = %ld\n", r);
    print_open_fds(stdout, "open at exit");
    return 0;
}
