/* broken_stderr.c — a program whose stderr is a pipe nobody reads any more (`prog 2>&1 | head -1` after
 * head exited) never writes to it, so it never gets SIGPIPE. The shim's one set-up failure line
 * (diag.c) goes to that stderr: writing it must not raise SIGPIPE in the program either. The outer run
 * makes such a stderr and execs the inner run, which takes every descriptor its limit allows (the runner:
 * ulimit -n 64, soft = hard, so a forked child has no number for its trace and says so) and forks a child
 * that exits 5. Prints how the child ended. Usage: broken_stderr (the inner run: broken_stderr inner) */
#include <sys/wait.h>

#include "observe.h"

int main(int argc, char **argv) {
    if (argc == 1) {
        int p[2];
        if (pipe(p) != 0 || dup2(p[1], 2) != 2) die("pipe");
        close(p[0]);
        close(p[1]);
        execl("/proc/self/exe", argv[0], "inner", (char *)NULL);
        die("exec");
    }
    int count = 0;
    while (open("/dev/null", O_RDONLY) >= 0) count++;
    printf("inner: opened %d before %s\n", count, strerrorname_np(errno));
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) _exit(5);
    int status;
    if (waitpid(pid, &status, 0) != pid) die("waitpid");
    if (WIFEXITED(status)) printf("child exited %d\n", WEXITSTATUS(status));
    else printf("child killed by signal %d\n", WTERMSIG(status));
    return 0;
}
