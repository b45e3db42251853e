/* Fixture: raises its soft RLIMIT_NOFILE to the hard limit and leaks argv[1] descriptors of /dev/null from
 * leak_many_files() — enough records to fill a small disk holding its trace. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>

#define NOINLINE __attribute__((noinline))

NOINLINE static void leak_many_files(int count) {
    for (int i = 0; i < count; i++) {
        if (open("/dev/null", O_RDONLY) < 0) break; /* MARK:leak_many_files */
    }
}

int main(int argc, char **argv) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    leak_many_files(argc > 1 ? atoi(argv[1]) : 1000);
    return 0;
}
