/* stress.c — the stress test's program: THREADS workers each open and close /dev/null ITERATIONS times
 * (one call site: open_in_worker), while a storm thread forks and execs /bin/true FORKS times (each with a
 * close-on-exec pipe that reports exec failure) and a SIGALRM handler (every 200 µs, on any thread) opens,
 * dups and closes. Prints only what is deterministic; the exact counts of calls it made go to
 * counts.txt for the runner to compare with the trace: the trace must count exactly these.
 * Usage: stress THREADS ITERATIONS FORKS */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "../adversarial/observe.h"

static long iterations;
static atomic_long handler_runs, handler_failures;
static atomic_int storm_done;

static void on_alarm(int sig) {
    int saved = errno;
    int fd = open("/dev/zero", O_RDONLY);
    int copy = fd >= 0 ? dup(fd) : -1;
    if (fd >= 0 && copy >= 0) atomic_fetch_add(&handler_runs, 1);
    else atomic_fetch_add(&handler_failures, 1);
    if (copy >= 0) close(copy);
    if (fd >= 0) close(fd);
    errno = saved;
}

static int __attribute__((noinline)) open_in_worker(void) { return open("/dev/null", O_RDONLY); }

static void *worker(void *arg) {
    long failures = 0;
    for (long i = 0; i < iterations; i++) {
        int fd = open_in_worker();
        if (fd < 0) { failures++; continue; }
        if (close(fd) != 0) failures++;
    }
    *(long *)arg = failures;
    return NULL;
}

static void *storm(void *arg) {
    int forks = *(int *)arg, bad = 0;
    for (int i = 0; i < forks; i++) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) { bad++; continue; }
        pid_t pid = fork();
        if (pid == 0) {
            execl("/bin/true", "true", (char *)NULL);
            int err = errno;
            ssize_t ignored = write(p[1], &err, sizeof err);
            (void)ignored;
            _exit(127);
        }
        close(p[1]);
        int err = 0;
        ssize_t n;
        while ((n = read(p[0], &err, sizeof err)) < 0 && errno == EINTR) {}
        close(p[0]);
        int status = 0;
        while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (pid < 0 || n != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) bad++;
    }
    *(int *)arg = bad;
    atomic_store(&storm_done, 1);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: stress THREADS ITERATIONS FORKS\n"); return 2; }
    int threads = atoi(argv[1]), forks = atoi(argv[2 + 1]);
    iterations = atol(argv[2]);
    if (threads < 1 || threads > 64 || iterations < 1 || forks < 0) { fprintf(stderr, "bad arguments\n"); return 2; }
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every = {.it_interval = {0, 200}, .it_value = {0, 200}};
    setitimer(ITIMER_REAL, &every, NULL);

    pthread_t workers[64], storm_thread;
    long failures[64] = {0};
    int storm_result = forks;
    pthread_create(&storm_thread, NULL, storm, &storm_result);
    for (int t = 0; t < threads; t++) pthread_create(&workers[t], NULL, worker, &failures[t]);
    long failed = 0;
    for (int t = 0; t < threads; t++) { pthread_join(workers[t], NULL); failed += failures[t]; }
    pthread_join(storm_thread, NULL);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);

    printf("%d threads x %ld open/close: failed calls %ld\n", threads, iterations, failed);
    printf("%d fork+exec of /bin/true: failed %d\n", forks, storm_result);
    printf("signal handler ran: %s, failed %ld\n", atomic_load(&handler_runs) > 0 ? "yes" : "no",
           atomic_load(&handler_failures));
    print_open_fds(stdout, "open at exit");
    FILE *counts = fopen("counts.txt", "w");
    if (!counts) die("counts.txt");
    /* Descriptors this process created, by call site: workers (one site), the handler (an open and a dup
     * per run, on many stacks), the storm (two pipe ends per fork), and this counts file itself. */
    fprintf(counts, "worker_site %ld\n", (long)threads * iterations);
    fprintf(counts, "total_opened %ld\n", (long)threads * iterations + 2 * atomic_load(&handler_runs) + 2L * forks + 1);
    fprintf(counts, "handler_runs %ld\n", atomic_load(&handler_runs));
    fclose(counts);
    return 0;
}
