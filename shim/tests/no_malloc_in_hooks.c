/* no_malloc_in_hooks.c — the shim must not allocate through the program's malloc inside a hook (a hook
 * may run inside the program's allocator, which may open files, or in a signal handler). This program
 * brings its own malloc family — it interposes libc's for every library, the shim included — and counts
 * the calls made while one of the traced calls below is running. Exit status: 0 when none, 1 otherwise. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static volatile int inside_call;
static volatile int allocations_inside;

void *malloc(size_t size) { if (inside_call) allocations_inside++; return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { if (inside_call) allocations_inside++; return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { if (inside_call) allocations_inside++; return __libc_realloc(p, size); }
void free(void *p) { __libc_free(p); }

#define TRACED(call) (inside_call = 1, (call), inside_call = 0)

int main(void) {
    for (int round = 0; round < 50; round++) {
        int fd, p[2];
        TRACED(fd = open("/dev/null", O_RDONLY));
        TRACED(close(fd));
        TRACED(fd = open("/nonexistent/fdhound", O_RDONLY)); /* failures too */
        TRACED(fd = socket(AF_INET, SOCK_DGRAM, 0));
        TRACED(close(fd));
        TRACED(pipe(p));
        TRACED(close(p[0]));
        TRACED(close(p[1]));
        TRACED(fd = dup(2));
        TRACED(close(fd));
        TRACED(close(fd)); /* a double close: the misuse path */
    }
    if (allocations_inside) {
        fprintf(stderr, "%d allocations inside traced calls\n", allocations_inside);
        return 1;
    }
    return 0;
}
