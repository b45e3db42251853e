/* always_on.c — the always-on mode test's program (run_tests.sh: always_on_counts_exact_first_stacks_full).
 * Code path A opens /dev/null 500 times from 10 frames deep and keeps every 5th; code path B opens
 * /dev/zero 50 times and closes each; then 2 threads each open /dev/full 300 times from code path C,
 * keeping every 3rd. A and B run on the main thread alone, so their first captures are their first events. */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

static __attribute__((noinline)) int open_a(void) { return open("/dev/null", O_RDONLY); }
static __attribute__((noinline)) int open_b(void) { return open("/dev/zero", O_RDONLY); }
static __attribute__((noinline)) int open_c(void) { return open("/dev/full", O_RDONLY); }

static __attribute__((noinline)) int deep(int depth, int (*opener)(void)) {
    int fd = depth > 0 ? deep(depth - 1, opener) : opener();
    __asm__ volatile("" ::: "memory"); /* not a tail call: every level stays on the stack */
    return fd;
}

static void *worker(void *unused) {
    for (int i = 0; i < 300; i++) {
        int fd = deep(10, open_c);
        if (i % 3 != 0) close(fd);
    }
    return unused;
}

int main(void) {
    for (int i = 0; i < 500; i++) {
        int fd = deep(10, open_a);
        if (i % 5 != 0) close(fd);
        if (i % 10 == 0) close(deep(10, open_b));
    }
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
    return 0;
}
