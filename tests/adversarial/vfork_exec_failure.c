/* vfork_exec_failure.c — issue 7 defect 6: a vfork child shares its parent's memory until it execs or
 * exits; a classic use reports an exec failure through it. Traced, vfork must stay vfork: the parent must
 * see the errno its child stored. */
#include <sys/wait.h>

#include "observe.h"

static volatile int child_errno = -1;

int main(void) {
    pid_t pid = vfork();
    if (pid == 0) {
        execl("/nonexistent/fdhound-test-program", "nothing", (char *)NULL);
        child_errno = errno;
        _exit(127);
    }
    if (pid < 0) die("vfork");
    int status;
    waitpid(pid, &status, 0);
    printf("child exited %d; exec errno the child reported through shared memory: %s\n",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1, child_errno < 0 ? "none" : strerrorname_np(child_errno));
    return 0;
}
