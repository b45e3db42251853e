/* fortified_jump_threads.c — built with _FORTIFY_SOURCE (the runner adds it), so siglongjmp is glibc's
 * checked __longjmp_chk, which kills the program ("longjmp causes uninitialized stack frame") when a jump
 * goes to a lower address than the stack it is made on, unless it is made on a sigaltstack. Worker threads
 * come and go in waves (thread stacks and the tracer's per-thread areas are reused in another order each
 * wave); each opens and closes in a loop while its own timer's signal (every 50 µs) jumps out of whatever
 * it was doing — under the tracer, sometimes out of a handler that runs on the tracer's side stack. Untraced
 * this never fails; traced it must not either. Prints the jumps made. Usage: fortified_jump_threads
 * [WAVES] [JUMPS_PER_THREAD] (defaults 6, 300) */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <time.h>

#include "observe.h"

#define THREADS 3

static __thread sigjmp_buf back;
static __thread volatile sig_atomic_t jumps;
static long wanted;

static void on_timer(int sig) {
    jumps++;
    siglongjmp(back, 1);
}

static void *work(void *arg) {
    struct sigevent ev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGRTMIN};
    ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
    timer_t timer;
    if (timer_create(CLOCK_MONOTONIC, &ev, &timer) != 0) die("timer_create");
    struct itimerspec every = {{0, 50000}, {0, 50000}};
    sigsetjmp(back, 1);
    if (jumps == 0) timer_settime(timer, 0, &every, NULL);
    while (jumps < wanted) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd >= 0) close(fd);
    }
    timer_delete(timer);
    return NULL;
}

int main(int argc, char **argv) {
    int waves = argc > 1 ? atoi(argv[1]) : 6;
    wanted = argc > 2 ? atol(argv[2]) : 300;
    struct sigaction sa = {.sa_handler = on_timer};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGRTMIN, &sa, NULL);
    for (int wave = 0; wave < waves; wave++) {
        pthread_t threads[THREADS];
        int count = 1 + wave % THREADS; /* 1, 2, 3 threads: stacks and areas pair up differently */
        for (int i = 0; i < count; i++) pthread_create(&threads[i], NULL, work, NULL);
        for (int i = count - 1; i >= 0; i--) pthread_join(threads[i], NULL);
    }
    printf("waves: %d, each thread jumped out %ld times\n", waves, wanted);
    return 0;
}
