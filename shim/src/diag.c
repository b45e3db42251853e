/* diag.c — the single line the shim may print. It goes straight to descriptor 2 with write(2): no stdio
 * (which could allocate or take the program's FILE lock) and no other descriptor is touched. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

void fdh_diag(const char *what, const char *detail) {
    int saved = errno;
    char line[768];
    char *end = line + sizeof line - 1; /* keep one byte for the newline */
    char *p = fdh_append(line, end, "fdhound: ");
    p = fdh_append(p, end, what);
    if (detail && *detail) {
        p = fdh_append(p, end, ": ");
        p = fdh_append(p, end, detail);
    }
    *p++ = '\n';
    ssize_t ignored = syscall(SYS_write, 2, line, (size_t)(p - line));
    (void)ignored;
    errno = saved;
}
