/* Fixture (soak): a service that churns open/close pairs and leaks one descriptor in every 1,000 opens —
 * argv[1] pairs, 2 events each, from two code paths with unique names. Raises its soft RLIMIT_NOFILE to
 * the hard limit (the leak must not run out of numbers) and prints how many descriptors it leaked. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

NOINLINE static int leak_one_in_a_thousand(void) {
    return open("/dev/null", O_RDONLY); /* MARK:leak_one_in_a_thousand */
}

NOINLINE static void churn_open_close(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) close(fd);
}

int main(int argc, char **argv) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    long pairs = argc > 1 ? atol(argv[1]) : 1000000;
    long leaked = 0;
    for (long i = 1; i <= pairs; i++) {
        if (i % 1000 == 0) {
            if (leak_one_in_a_thousand() >= 0) leaked++;
        } else {
            churn_open_close();
        }
    }
    printf("%ld\n", leaked);
    return 0;
}
