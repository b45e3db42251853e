/* low_rlimit.c — issue 7 defect 5: under a low RLIMIT_NOFILE (the runner uses `ulimit -n 64`) the
 * program's first descriptor is 3 and it gets limit-3 descriptors before EMFILE; the tracer may not take
 * numbers from it. Prints the first number, how many opens succeeded, and the error that stopped them. */
#include <sys/resource.h>

#include "observe.h"

int main(void) {
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    int first = open("/dev/null", O_RDONLY);
    int count = first >= 0 ? 1 : 0;
    while (open("/dev/null", O_RDONLY) >= 0) count++;
    printf("limit %lu: first descriptor %d, %d opened before %s\n", (unsigned long)limit.rlim_cur, first, count,
           strerrorname_np(errno));
    return 0;
}
