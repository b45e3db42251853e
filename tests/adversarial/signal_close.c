/* signal_close.c — issue 7 defect 1: a SIGALRM handler does close(dup(2)) every 50 µs while the main loop
 * opens and closes. Untraced nothing leaks. The handler's calls must be recorded, or at worst passed
 * through; a close swallowed (not performed) leaks the dup. Prints whether the handler ran and what is
 * open at the end; the runner also checks the trace's live table equals that list.
 * Usage: signal_close [HANDLER_RUNS] (default 5000: the loop runs until the handler ran that often). */
#include <signal.h>
#include <sys/time.h>

#include "observe.h"

static volatile sig_atomic_t runs;

static void on_alarm(int sig) {
    int saved = errno;
    close(dup(2));
    runs++;
    errno = saved;
}

int main(int argc, char **argv) {
    long wanted = argc > 1 ? atol(argv[1]) : 5000;
    run_alarm_storm(on_alarm, &runs, wanted);
    printf("handler ran at least %ld times: yes\n", wanted);
    print_open_fds(stdout, "open at exit");
    return 0;
}
