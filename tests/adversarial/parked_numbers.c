/* parked_numbers.c — the shim parks libunwind's pipe just under RLIMIT_NOFILE. A program that dup2s its
 * own descriptors over those numbers owns them from then on: data written and read through them must be
 * exactly the program's, while the tracer keeps capturing stacks (many opens after the dup2s).
 * Prints the bytes it read back; the runner compares traced with untraced. */
#include <sys/resource.h>

#include "observe.h"

int main(void) {
    make_libunwind_walk(); /* traced: libunwind's pipe is parked from here on */
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    int top = (int)limit.rlim_cur;
    /* A pipe on the two highest numbers, a data file on the six below them. */
    int p[2];
    if (pipe(p) != 0) die("pipe");
    if (dup2(p[0], top - 1) != top - 1 || dup2(p[1], top - 2) != top - 2) die("dup2 pipe");
    close(p[0]);
    close(p[1]);
    int data = open("data.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (data < 0) die("open data");
    for (int fd = top - 8; fd < top - 2; fd++)
        if (dup2(data, fd) != fd) die("dup2 data");
    close(data);
    if (write(top - 2, "hello", 5) != 5) die("write pipe");
    for (int round = 0; round < 1000; round++) {
        int fd = open("/etc/hostname", O_RDONLY);
        close(fd);
        int q[2];
        if (pipe(q) == 0) { close(q[0]); close(q[1]); }
        char line[32];
        int n = snprintf(line, sizeof line, "line %d\n", round);
        if (write(top - 8 + round % 6, line, (size_t)n) != n) die("write data");
    }
    fcntl(top - 1, F_SETFL, O_NONBLOCK);
    char buffer[64];
    ssize_t n = read(top - 1, buffer, sizeof buffer);
    ssize_t more = read(top - 1, buffer + (n > 0 ? n : 0), 1);
    printf("pipe on %d/%d gave %zd bytes \"%.*s\", then %s\n", top - 2, top - 1, n, (int)(n > 0 ? n : 0), buffer,
           more < 0 ? strerrorname_np(errno) : "more data");
    lseek(top - 8, 0, SEEK_SET);
    char file[16384];
    ssize_t size = read(top - 8, file, sizeof file - 1);
    file[size > 0 ? size : 0] = 0;
    unsigned long sum = 0;
    for (ssize_t i = 0; i < size; i++) sum = sum * 31 + (unsigned char)file[i];
    printf("data file: %zd bytes, checksum %lu, last line: %s", size, sum,
           size > 1 ? (char *)memrchr(file, '\n', (size_t)size - 1) + 1 : "(none)\n");
    return 0;
}
