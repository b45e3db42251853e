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
    run_alarm_storm(on_alarm, &runs, wanted);
    /* The main loop holds at most one descriptor (3), so a handler's pipe is 3,4 or 4,5. */
    printf("handler pipes: failed %d, every end numbered 5 or lower: %s, ends with FD_CLOEXEC: %d\n",
           (int)failures, highest <= 5 ? "yes" : "no", (int)cloexec_seen);
    print_open_fds(stdout, "open at exit");
    return 0;
}
