/* fork_unseen.c — issue 7 defect 8: children made by _Fork() or a raw clone() syscall (no fork() the
 * tracer sees) share nothing with the parent's trace. Their closes and _exit must not land in the
 * parent's live table or header, or the parent's leaks disappear from the record.
 * The parent leaks three descriptors; the child closes them (its copies) and exits with _exit.
 * Usage: fork_unseen _Fork | fork_unseen clone */
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "observe.h"

pid_t _Fork(void);

static void child(void) {
    for (int fd = 3; fd < 6; fd++) close(fd);
    int extra = open("/dev/zero", O_RDONLY);
    close(extra);
    _exit(7);
}

int main(int argc, char **argv) {
    if (argc != 2 || (strcmp(argv[1], "_Fork") != 0 && strcmp(argv[1], "clone") != 0)) {
        fprintf(stderr, "usage: fork_unseen _Fork | clone\n");
        return 2;
    }
    for (int i = 0; i < 3; i++)
        if (open("/etc/hostname", O_RDONLY) < 0) die("open");
    fflush(stdout);
    pid_t pid = strcmp(argv[1], "_Fork") == 0 ? _Fork() : (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) child();
    if (pid < 0) die(argv[1]);
    int status;
    waitpid(pid, &status, 0);
    printf("%s child exited %d\n", argv[1], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    print_open_fds(stdout, "open at exit");
    return 0;
}
