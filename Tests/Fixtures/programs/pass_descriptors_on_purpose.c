/* Fixture for issue 7's process defects (6, 8, 10): children made every way, descriptors passed to the
 * programs they exec on purpose, and leaks that must stay leaks. Each case is a uniquely named helper
 * (lines found through the MARK comments):
 *   - vfork_reports_exec_failure: a vfork child reports its failed exec through memory it shares with the
 *     parent (the program exits 3 if the parent does not see it: vfork must stay vfork);
 *   - open_passed_by_fcntl: close-on-exec pipe end, the forked child clears FD_CLOEXEC and execs (passed);
 *   - open_passed_by_dup2: a close-on-exec file, the forked child dup2s it onto 5 and execs (passed);
 *   - open_passed_through_vfork: a close-on-exec pipe end, the vfork child clears FD_CLOEXEC (passed);
 *   - open_passed_by_spawn_action: a close-on-exec file given to posix_spawn with adddup2 onto 6 (passed);
 *   - open_named_on_command_line: an inheritable file the exec'd program is told about as /dev/fd/N
 *     (passed);
 *   - leak_pipe_into_vfork_child: a pipe without O_CLOEXEC crosses vfork+exec into /bin/true (a leak);
 *   - leak_survives_untraced_children: a /dev/null descriptor the _Fork and clone children close their
 *     copies of: still the parent's leak (1). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
extern char **environ;
pid_t _Fork(void);

static int wait_for(pid_t child) {
    int status = 0;
    if (child <= 0 || waitpid(child, &status, 0) != child) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static volatile int exec_errno;

NOINLINE int vfork_reports_exec_failure(void) {
    pid_t child = vfork();
    if (child == 0) {
        execl("/nonexistent/fdhound-fixture", "x", (char *)NULL);
        exec_errno = errno; /* MARK:vfork_reports_exec_failure */
        _exit(127);
    }
    return wait_for(child) == 127 && exec_errno == ENOENT;
}

static void run_true_in_fork(int keep, int onto) {
    pid_t child = fork();
    if (child == 0) {
        if (onto < 0) fcntl(keep, F_SETFD, 0);
        else dup2(keep, onto);
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    wait_for(child);
}

NOINLINE void open_passed_by_fcntl(void) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return; /* MARK:open_passed_by_fcntl */
    run_true_in_fork(p[0], -1);
    close(p[0]);
    close(p[1]);
}

NOINLINE void open_passed_by_dup2(void) {
    int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC); /* MARK:open_passed_by_dup2 */
    run_true_in_fork(fd, 5);
    close(fd);
}

NOINLINE void open_passed_through_vfork(void) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return; /* MARK:open_passed_through_vfork */
    pid_t child = vfork();
    if (child == 0) {
        fcntl(p[1], F_SETFD, 0);
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    wait_for(child);
    close(p[0]);
    close(p[1]);
}

NOINLINE void open_passed_by_spawn_action(void) {
    int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC); /* MARK:open_passed_by_spawn_action */
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fd, 6);
    char *argv[] = {"true", NULL};
    pid_t child;
    if (posix_spawn(&child, "/bin/true", &actions, NULL, argv, environ) == 0) wait_for(child);
    posix_spawn_file_actions_destroy(&actions);
    close(fd);
}

NOINLINE void open_named_on_command_line(void) {
    int fd = open("/etc/hostname", O_RDONLY); /* MARK:open_named_on_command_line */
    char name[32];
    snprintf(name, sizeof name, "/dev/fd/%d", fd);
    pid_t child = fork();
    if (child == 0) {
        execl("/bin/true", "true", name, (char *)NULL);
        _exit(127);
    }
    wait_for(child);
    close(fd);
}

NOINLINE void leak_pipe_into_vfork_child(void) {
    int p[2];
    if (pipe(p) != 0) return; /* MARK:leak_pipe_into_vfork_child */
    pid_t child = vfork();
    if (child == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    wait_for(child);
    close(p[0]);
    close(p[1]);
}

static char clone_stack[64 * 1024] __attribute__((aligned(16)));
static int close_in_clone_child(void *fd) {
    close((int)(long)fd);
    return 0;
}

NOINLINE int leak_survives_untraced_children(void) {
    int fd = open("/dev/null", O_RDONLY); /* MARK:leak_survives_untraced_children */
    pid_t child = _Fork();
    if (child == 0) {
        close(fd);
        _exit(0);
    }
    int ok = wait_for(child) == 0;
    child = clone(close_in_clone_child, clone_stack + sizeof clone_stack, SIGCHLD, (void *)(long)fd);
    return ok && wait_for(child) == 0;
}

int main(void) {
    if (!vfork_reports_exec_failure()) return 3;
    open_passed_by_fcntl();
    open_passed_by_dup2();
    open_passed_through_vfork();
    open_passed_by_spawn_action();
    open_named_on_command_line();
    leak_pipe_into_vfork_child();
    if (!leak_survives_untraced_children()) return 4;
    return 0;
}
