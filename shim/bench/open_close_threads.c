/* open_close_threads.c — open_close.c's workload on several threads at once: each thread opens
 * "/dev/null" and closes it in a loop, from a few frames deep. Shows what threads sharing the recorder's
 * counters cost. Prints nanoseconds of wall time per open+close pair, all threads together.
 * Usage: open_close_threads PAIRS_PER_THREAD [THREADS (default 4)] */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long pairs_per_thread;

static __attribute__((noinline)) void pair(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
}

static __attribute__((noinline)) void nest(int depth, long pairs) {
    if (depth > 0) {
        nest(depth - 1, pairs);
        __asm__ volatile("" ::: "memory"); /* keep the frame: no tail call */
        return;
    }
    for (long i = 0; i < pairs; i++) pair();
}

static void *run(void *unused) {
    nest(10, pairs_per_thread);
    return unused;
}

int main(int argc, char **argv) {
    pairs_per_thread = argc > 1 ? atol(argv[1]) : 50000;
    int threads = argc > 2 ? atoi(argv[2]) : 4;
    if (threads < 1 || threads > 64) return 2;
    pthread_t ids[64];
    struct timespec a, b;
    nest(10, 1000); /* warm up */
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, run, NULL);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    printf("%.1f\n", ns / (double)(pairs_per_thread * threads));
    return 0;
}
