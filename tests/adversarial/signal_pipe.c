/* signal_pipe.c — issue 7 defect 2: pipe() in a SIGALRM handler (every 50 µs) while the main loop opens
 * and closes. Untraced the handler's pipe ends get the lowest free numbers and no close-on-exec flag;
 * traced they must too (not numbers near RLIMIT_NOFILE, not FD_CLOEXEC the program never asked for).
 * Usage: signal_pipe [HANDLER_RUNS] (default 5000). */
#include <signal.h>
#include <sys/time.h>

#include "observe.h"

static volatile sig_atomic_t runs, highest, cloexec_seen, failures;

static void on_alarm(int sig) {
    int saved = errno;
    int p[2];
    if (pipe(p) == 0) {
        for (int i = 0; i < 2; i++) {
            if (p[i] > highest) highest = p[i];
            if (fcntl(p[i], F_GETFD) & FD_CLOEXEC) cloexec_seen++;
        }
        close(p[0]);
        close(p[1]);
    } else {
        failures++;
    }
    runs++;
    errno = saved;
}

int main(int argc, char **argv) {
    long wanted = argc > 1 ? atol(argv[1]) : 5000;
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every = {.it_interval = {0, 50}, .it_value = {0, 50}};
    setitimer(ITIMER_REAL, &every, NULL);
    while (runs < wanted) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) die("open");
        close(fd);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    /* The main loop holds at most one descriptor (3), so a handler's pipe is 3,4 or 4,5. */
    printf("handler pipes: failed %d, every end numbered 5 or lower: %s, ends with FD_CLOEXEC: %d\n",
           (int)failures, highest <= 5 ? "yes" : "no", (int)cloexec_seen);
    print_open_fds(stdout, "open at exit");
    return 0;
}
