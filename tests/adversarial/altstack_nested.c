/* altstack_nested.c — two timer signals whose handlers run on a sigaltstack (SA_ONSTACK) and open and
 * close, every 50 µs (SIGALRM, wall clock) and 70 µs of CPU time (SIGPROF), while the main loop opens and
 * closes. Each handler blocks its own signal but not the other's, so one may interrupt the other: untraced,
 * that delivery lands on the sigaltstack below the interrupted handler's frames. Traced, the handler's
 * hook works on the shim's side stack, where the kernel sees the thread off its sigaltstack: the other
 * signal was delivered at the sigaltstack's top, over the live frames of the handler it interrupted
 * (stack smashing, SIGSEGV). Nesting is bounded by the masks (two levels), so only that overwrite can fail
 * — a handler interrupting itself (SA_NODEFER) nests without bound on a loaded machine, untraced too.
 * Usage: altstack_nested [HANDLER_RUNS [raw]] (default 3000; raw: the sigaltstack is set with
 * syscall(SYS_sigaltstack), which the shim's sigaltstack hook does not see). */
#include <signal.h>
#include <sys/time.h>

#include "observe.h"

#define ALTSTACK (1024 * 1024)

static volatile sig_atomic_t runs;

static void on_timer(int sig) {
    int saved = errno;
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
    runs++;
    errno = saved;
}

int main(int argc, char **argv) {
    long wanted = argc > 1 ? atol(argv[1]) : 3000;
    stack_t ss = {.ss_sp = malloc(ALTSTACK), .ss_size = ALTSTACK};
    int raw = argc > 2 && !strcmp(argv[2], "raw");
    if (!ss.ss_sp || (raw ? syscall(SYS_sigaltstack, &ss, NULL) : sigaltstack(&ss, NULL)) != 0) die("sigaltstack");
    struct sigaction sa = {.sa_handler = on_timer, .sa_flags = SA_RESTART | SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGPROF, &sa, NULL);
    struct itimerval wall = {.it_interval = {0, 50}, .it_value = {0, 50}};
    struct itimerval cpu = {.it_interval = {0, 70}, .it_value = {0, 70}};
    setitimer(ITIMER_REAL, &wall, NULL);
    setitimer(ITIMER_PROF, &cpu, NULL);
    while (runs < wanted) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) die("open");
        close(fd);
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    setitimer(ITIMER_PROF, &off, NULL);
    printf("handlers ran at least %ld times on their sigaltstack: yes\n", wanted);
    print_open_fds(stdout, "open at exit");
    return 0;
}
