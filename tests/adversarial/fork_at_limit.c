/* fork_at_limit.c — a program that holds every descriptor its soft RLIMIT_NOFILE allows forks a child:
 * untraced the fork works and nothing is printed; traced the child must get its own trace (the shim needs
 * a number for the trace file and for /proc/self/fd: it may borrow room above the soft limit while the
 * hard limit allows, and must give it back) and print nothing either. The child reports its soft limit,
 * what it holds, and whether one more open fails as it should. The runner: soft limit 64, hard above. */
#include <sys/resource.h>
#include <sys/wait.h>

#include "observe.h"

int main(void) {
    int count = 0;
    while (open("/dev/null", O_RDONLY) >= 0) count++;
    printf("opened %d before %s\n", count, strerrorname_np(errno));
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        struct rlimit limit;
        getrlimit(RLIMIT_NOFILE, &limit);
        int fd = open("/dev/null", O_RDONLY);
        printf("child: soft limit %lu, one more open: %s\n", (unsigned long)limit.rlim_cur,
               fd < 0 ? strerrorname_np(errno) : "succeeded");
        close(3); /* a number for the listing's own /proc/self/fd */
        print_open_fds(stdout, "child: open at exit");
        fflush(stdout);
        _exit(3);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    printf("child exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    close(3);
    print_open_fds(stdout, "open at exit");
    return 0;
}
