/* altstack_nested.c — a SIGALRM handler on a sigaltstack (SA_ONSTACK | SA_NODEFER: it may interrupt
 * itself) opens and closes every 50 µs while the main loop opens and closes. Untraced, a nested delivery
 * lands on the sigaltstack below the interrupted handler's frames. Traced, the handler's hook works on the
 * shim's side stack, where the kernel sees the thread off its sigaltstack: a nested signal was delivered at
 * the sigaltstack's top, over the live frames of the handler it interrupted (stack smashing, SIGSEGV). The
 * sigaltstack is large (1 MiB): only that overwrite can fail, not the depth of nesting.
 * Usage: altstack_nested [HANDLER_RUNS [raw]] (default 3000; raw: the sigaltstack is set with
 * syscall(SYS_sigaltstack), which the shim's sigaltstack hook does not see). */
#include <signal.h>
#include <sys/time.h>

#include "observe.h"

#define ALTSTACK (1024 * 1024)

static volatile sig_atomic_t runs;

static void on_alarm(int sig) {
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
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART | SA_ONSTACK | SA_NODEFER};
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
    printf("handler ran at least %ld times on its sigaltstack: yes\n", wanted);
    print_open_fds(stdout, "open at exit");
    return 0;
}
