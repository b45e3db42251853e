/* Fixture: a SIGILL handler that leaks a descriptor each time it runs, for a ud2 instruction the program
 * executes on purpose in trip() (the handler steps over it). The report's stack must read: the handler's
 * open, then the frame between the handler and what it interrupted, then trip() at the ud2's own line
 * (an exact pc, not a return address), then main. Expected lines are found through the MARK comments. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <ucontext.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void on_ill(int sig, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    int fd = open("/dev/null", O_RDONLY); /* MARK:on_ill */
    (void)fd;
    uc->uc_mcontext.gregs[REG_RIP] += 2; /* over the ud2 */
}

NOINLINE void trip(void) {
    __asm__ volatile("nop");
    __asm__ volatile("ud2"); /* MARK:trip */
    __asm__ volatile("nop");
}

int main(void) {
    struct sigaction action = {.sa_sigaction = on_ill, .sa_flags = SA_SIGINFO};
    sigemptyset(&action.sa_mask);
    sigaction(SIGILL, &action, NULL);
    for (int i = 0; i < 3; i++) trip();
    puts("done");
    return 0;
}
