/* walk_memo.c — call paths that a wrong reuse of the fast unwinder's walk memo (fast_unwind.c) would record
 * with the wrong stack: three callers with the same frame layout reach the same open() through the same
 * recursion, so every capture starts from the same registers with the same hint, and the stacks differ only
 * in one word deep down (the return address into the caller). More callers than a memo set has ways, taken
 * in turns, on three threads at once, while a SIGALRM timer interrupts them (and the recorder, and the memo
 * being written) with a handler that opens and closes itself.
 * Prints one line per caller, "caller N 0xADDRESS": the return address into it, which the stack of every
 * event of its path must hold (the test reads the trace). Usage: walk_memo ROUNDS */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

#define CALLERS 3
static const char *const paths[CALLERS] = {"/dev/null", "/dev/zero", "/dev/full"};
static void *volatile returns[CALLERS]; /* the return address into each caller, seen from below it */
static int recording = 1;               /* returns[] is filled before the threads start, then only read */
static volatile int failed;

__attribute__((noinline)) static void leaf(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) failed = 1;
    else close(fd);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void through(int depth, int caller) {
    if (depth == 0) {
        leaf(paths[caller]);
    } else if (depth == 6) {
        if (recording) returns[caller] = __builtin_return_address(0);
        through(depth - 1, caller);
    } else {
        through(depth - 1, caller);
    }
    __asm__ volatile("" ::: "memory"); /* no tail call: every level keeps its frame */
}

/* The same code three times: the same frame, the same registers, another return address. */
__attribute__((noinline)) static void caller_0(void) { through(6, 0); __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) static void caller_1(void) { through(6, 1); __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) static void caller_2(void) { through(6, 2); __asm__ volatile("" ::: "memory"); }
static void (*const callers[CALLERS])(void) = {caller_0, caller_1, caller_2};

static void handler(int signal) {
    (void)signal;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) close(fd);
}

static long rounds;

static void *run(void *arg) {
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (long i = 0; i < rounds; i++) {
        /* Three times from one call site: a caller in turn, twice (the second call may reuse the first's
         * walks), then one in no fixed order. */
        for (volatile int k = 0; k < 3; k++) { /* volatile: one loop, one call instruction */
            int c = k < 2 ? (int)(i % CALLERS) : (int)(rand_r(&seed) % CALLERS);
            callers[c]();
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2 || (rounds = atol(argv[1])) <= 0) return 2;
    for (int c = 0; c < CALLERS; c++) callers[c]();
    recording = 0;
    for (int c = 0; c < CALLERS; c++) printf("caller %d %p\n", c, returns[c]);
    fflush(stdout);

    struct sigaction action = {.sa_handler = handler, .sa_flags = SA_RESTART};
    sigaction(SIGALRM, &action, NULL);
    struct itimerval every = {{0, 200}, {0, 200}};
    setitimer(ITIMER_REAL, &every, NULL);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, run, (void *)(uintptr_t)(i + 1));
    run((void *)(uintptr_t)7);
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    return failed;
}
