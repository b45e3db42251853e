/* close_range_failed.c — issue 7 defect 7: calls that close ranges, where the record must follow what
 * the kernel did, not what was asked.
 *   einval:   three files open, then close_range with an unknown flag and with first > last: both fail
 *             with EINVAL and close nothing, so all three are still open (leaks) at exit.
 *   closefrom-negative: in a child, closefrom(-1), which glibc treats as closefrom(0): everything closes,
 *             then 0–2 are reopened. The child writes what it has open to REPORT.
 * Each prints what is open at the end; the runner checks the trace's live table says the same.
 * Usage: close_range_failed einval | close_range_failed closefrom-negative REPORT */
#include <linux/close_range.h>
#include <sys/wait.h>

#include "observe.h"

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "einval") == 0) {
        for (int i = 0; i < 3; i++)
            if (open("/dev/null", O_RDONLY) < 0) die("open");
        int r = close_range(3, ~0U, 0x40000000 /* no such flag */);
        printf("close_range(3, ~0, unknown flag) = %d (%s)\n", r, r ? strerrorname_np(errno) : "ok");
        r = close_range(5, 3, 0);
        printf("close_range(5, 3, 0) = %d (%s)\n", r, r ? strerrorname_np(errno) : "ok");
        print_open_fds(stdout, "open at exit");
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "closefrom-negative") == 0) {
        for (int i = 0; i < 3; i++)
            if (open("/etc/hostname", O_RDONLY) < 0) die("open");
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            closefrom(-1);
            int in = open("/dev/null", O_RDONLY);
            int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int err = open("/dev/null", O_WRONLY);
            if (in != 0 || out != 1 || err != 2) _exit(20);
            print_open_fds(stdout, "child: open at exit");
            exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
        printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        print_open_fds(stdout, "parent: open at exit");
        return 0;
    }
    fprintf(stderr, "usage: close_range_failed einval | closefrom-negative REPORT\n");
    return 2;
}
