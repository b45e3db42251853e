/* open_close.c — the benchmark workload: open("/dev/null") + close in a loop, called from a few frames
 * deep like real code, timed with CLOCK_MONOTONIC. Prints nanoseconds per open+close pair.
 * Usage: open_close PAIRS */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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

int main(int argc, char **argv) {
    long pairs = argc > 1 ? atol(argv[1]) : 200000;
    struct timespec a, b;
    nest(10, 1000); /* warm up */
    clock_gettime(CLOCK_MONOTONIC, &a);
    nest(10, pairs);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    printf("%.1f\n", ns / (double)pairs);
    return 0;
}
