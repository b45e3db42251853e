/* Fixture for long-running services: leaks one descriptor at a steady rate from leak_one_per_tick(),
 * while churn_a_pipe() opens and closes a pipe every tick and keep_a_pool() fills a pool of 8 files once and
 * keeps it level (neither may be called growing). Bounded: it stops after MAX_LEAKS leaks, or when STOPFILE
 * exists (not in `exhaust` mode), or after 60 s, and then exits 0.
 *
 *   leak_steadily SOFT_LIMIT TICK_US MAX_LEAKS STOPFILE [exhaust]
 *
 * It sets its soft RLIMIT_NOFILE to SOFT_LIMIT first (as a server that sets its own limit). Ticks vary
 * between 0.5 and 1.5 × TICK_US (a fixed pseudo-random sequence), so the rate is steady only on average.
 * With `exhaust`, after MAX_LEAKS it keeps leaking without pause until open() fails with EMFILE three times,
 * then waits for STOPFILE.
 * It prints "ready" after the pool is full and "done N" before exiting. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

NOINLINE int leak_one_per_tick(void) {
    return open("/dev/null", O_RDONLY); /* MARK:leak_one_per_tick */
}

NOINLINE void churn_a_pipe(void) {
    int ends[2];
    if (pipe(ends) == 0) {
        close(ends[0]);
        close(ends[1]);
    }
}

NOINLINE void keep_a_pool(int *pool, int size) {
    for (int i = 0; i < size; i++) {
        if (pool[i] >= 0) close(pool[i]);
        pool[i] = open("/etc/hostname", O_RDONLY); /* MARK:keep_a_pool */
    }
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: leak_steadily SOFT_LIMIT TICK_US MAX_LEAKS STOPFILE [exhaust]\n");
        return 2;
    }
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = strtoul(argv[1], NULL, 10);
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) { perror("setrlimit"); return 2; }
    long tick = strtol(argv[2], NULL, 10);
    int max_leaks = atoi(argv[3]);
    const char *stopfile = argv[4];
    int exhaust = argc > 5 && strcmp(argv[5], "exhaust") == 0;

    int pool[8];
    for (int i = 0; i < 8; i++) pool[i] = -1;
    keep_a_pool(pool, 8);
    printf("ready\n");
    fflush(stdout);

    unsigned seed = 12345;
    int leaks = 0;
    double start = now();
    while (leaks < max_leaks && (exhaust || access(stopfile, F_OK) != 0) && now() - start < 60) {
        if (leak_one_per_tick() >= 0) leaks++;
        churn_a_pipe();
        if (leaks % 16 == 0) keep_a_pool(pool, 8); /* recycled, never more than 8 */
        seed = seed * 1103515245u + 12345u;
        usleep((useconds_t)(tick / 2 + (long)((seed >> 16) % (unsigned)(tick + 1))));
    }
    if (exhaust) {
        int failures = 0;
        while (failures < 3) {
            if (leak_one_per_tick() < 0 && errno == EMFILE) failures++;
        }
        /* Keep running after the failures, until told to stop (the snapshot must be readable meanwhile). */
        while (access(stopfile, F_OK) != 0 && now() - start < 60) usleep(20000);
    }
    printf("done %d\n", leaks);
    return 0;
}
