/* signal_path_race.c — paths of a signal handler's opens against the thread's remembered last path
 * (describe.c): the main loop opens /dev/null and /dev/zero in turn while a SIGALRM handler, every 50 µs,
 * opens one of the two as well — same length, so an update of the remembered path that the handler
 * interrupts between its bytes and its id could hand either side the other path's id. Every open is
 * counted per path; the counts go to COUNTS_FILE (they depend on timing), and the runner checks that the
 * trace recorded exactly as many opens of each path. stdout only says the storm ran.
 * Usage: signal_path_race COUNTS_FILE [HANDLER_RUNS] (default 20000) */
#include <signal.h>
#include <sys/time.h>

#include "observe.h"

static const char *const paths[2] = {"/dev/null", "/dev/zero"};
static volatile sig_atomic_t runs;
static volatile long handler_opened[2];

static void on_alarm(int sig) {
    int saved = errno;
    int which = runs & 1;
    int fd = open(paths[which], O_RDONLY);
    if (fd >= 0) {
        handler_opened[which]++;
        close(fd);
    }
    runs++;
    errno = saved;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    long wanted = argc > 2 ? atol(argv[2]) : 20000;
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every = {.it_interval = {0, 50}, .it_value = {0, 50}};
    setitimer(ITIMER_REAL, &every, NULL);
    long opened[2] = {0, 0};
    for (long i = 0; runs < wanted; i++) {
        int fd = open(paths[i & 1], O_RDONLY);
        if (fd < 0) die("open");
        opened[i & 1]++;
        close(fd);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    FILE *counts = fopen(argv[1], "w");
    if (!counts) die("fopen");
    for (int i = 0; i < 2; i++) fprintf(counts, "%s %ld\n", paths[i], opened[i] + handler_opened[i]);
    fclose(counts);
    printf("handler ran at least %ld times: yes\n", wanted);
    return 0;
}
