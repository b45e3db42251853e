/* Fixture for the foundation's acceptance scenario: 1000 files leaked from one function, 100 sockets from
 * another, while a third opens and closes 10,000 times. The report must show exactly two groups. */
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

NOINLINE void leak_cache_files(void) {
    for (int i = 0; i < 1000; i++) {
        int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC); /* MARK:leak_cache_files */
        (void)fd;
    }
}

NOINLINE void leak_probe_sockets(void) {
    for (int i = 0; i < 100; i++) {
        int s = socket(AF_INET, SOCK_DGRAM, 0); /* MARK:leak_probe_sockets */
        (void)s;
    }
}

NOINLINE void churn_open_close(void) {
    for (int i = 0; i < 10000; i++) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0) close(fd);
    }
}

int main(void) {
    /* 1100 leaks need more than the common default soft limit of 1024. */
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 4096 && limit.rlim_max >= 4096) {
        limit.rlim_cur = 4096;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    churn_open_close();
    leak_cache_files();
    churn_open_close();
    leak_probe_sockets();
    return 0;
}
