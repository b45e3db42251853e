/* siglongjmp_out.c — a SIGALRM handler (every 50 µs) siglongjmps out of whatever the main loop was doing:
 * often an open or close the tracer was recording. The handler makes no call the tracer records. After the
 * storm the timer stops, every descriptor the jumps lost is closed (close_range, which the tracer records;
 * also whenever the loop's descriptor reaches 256, so the numbers stay below the runner's limit),
 * and one more open is made in open_after_storm: the tracer must record it with its real stack — a
 * recording abandoned by a jump must not leave the thread looking as if it were still inside the recorder.
 * Prints what is open at exit. Usage: siglongjmp_out [JUMPS] (default 3000) */
#include <setjmp.h>
#include <signal.h>
#include <sys/time.h>

#include "observe.h"

static sigjmp_buf back;
static volatile sig_atomic_t jumps;

static void on_alarm(int sig) {
    jumps++;
    siglongjmp(back, 1);
}

static int __attribute__((noinline)) open_after_storm(void) { return open("/etc/hostname", O_RDONLY); }

/* Closes 3–511 with SIGALRM blocked (traced, recording 250 closes outlasts the timer's period). */
static void close_lost(void) {
    sigset_t alarm, before;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    sigprocmask(SIG_BLOCK, &alarm, &before);
    close_range(3, 511, 0);
    sigprocmask(SIG_SETMASK, &before, NULL);
}

int main(int argc, char **argv) {
    static long wanted;
    wanted = argc > 1 ? atol(argv[1]) : 3000;
    struct sigaction sa = {.sa_handler = on_alarm};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every = {.it_interval = {0, 50}, .it_value = {0, 50}};
    sigsetjmp(back, 1); /* every jump lands here, with the signal mask restored */
    if (jumps == 0) setitimer(ITIMER_REAL, &every, NULL);
    while (jumps < wanted) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd >= 0) close(fd);
        if (fd >= 256) close_lost(); /* descriptors a jump made the loop lose */
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    close_lost();
    int fd = open_after_storm();
    if (fd < 0) die("open /etc/hostname");
    printf("jumps out of the handler: at least %ld\n", wanted);
    print_open_fds(stdout, "open at exit");
    return 0;
}
