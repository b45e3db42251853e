/* mt_fork_exec.c — issue 7 defect 9: fork + exec from a multithreaded parent. A second thread keeps
 * opening /dev/null (in open_null) and /dev/zero (in open_zero) on the same number and closing it, both
 * without close-on-exec; the main thread forks FORKS times and each child execs /bin/true, so whatever
 * the child holds crosses the exec. Before exec each child appends "PID FD PATH" lines for descriptors
 * 3–15 to LOG (what it really holds); the runner checks the child's trace blames each inherited
 * descriptor on the path (and so the opening call) it really is — not on a stale picture of the parent.
 * Usage: mt_fork_exec LOG [FORKS] (default 300) */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "observe.h"

static atomic_int stop;

static int __attribute__((noinline)) open_null(void) { return open("/dev/null", O_RDONLY); }
static int __attribute__((noinline)) open_zero(void) { return open("/dev/zero", O_RDONLY); }

static void *churn(void *arg) {
    while (!atomic_load(&stop)) {
        close(open_null());
        close(open_zero());
    }
    return NULL;
}

static void report_and_exec(const char *log) {
    char lines[2048];
    int used = 0;
    for (int fd = 3; fd < 16; fd++) {
        char link[32], target[256];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n < 0) continue;
        target[n] = 0;
        used += snprintf(lines + used, sizeof lines - used, "%d %d %s\n", (int)getpid(), fd, target);
    }
    int out = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (out < 0 || write(out, lines, (size_t)used) != used) _exit(21);
    close(out);
    execl("/bin/true", "true", (char *)NULL);
    _exit(22);
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: mt_fork_exec LOG [FORKS]\n"); return 2; }
    int forks = argc > 2 ? atoi(argv[2]) : 300;
    pthread_t thread;
    pthread_create(&thread, NULL, churn, NULL);
    int bad = 0;
    for (int i = 0; i < forks; i++) {
        pid_t pid = fork();
        if (pid == 0) report_and_exec(argv[1]);
        int status;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) bad++;
    }
    atomic_store(&stop, 1);
    pthread_join(thread, NULL);
    printf("%d forks, children that did not exit 0: %d\n", forks, bad);
    return 0;
}
