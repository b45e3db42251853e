/* diag.c — the single line the shim may print, on the program's original stderr only.
 *
 * It goes straight to descriptor 2 with write(2): no stdio (which could allocate or take the program's FILE
 * lock). Descriptor 2 is the program's, and a daemon may have made it something else by now (closed it and
 * opened its data file, which then becomes number 2): the line is written only while descriptor 2 is still
 * the file it was when the shim started (same device and inode, and the same open file status flags).
 * Otherwise nothing is written — what went wrong after start-up is in the trace for the report.
 * That stderr may be a pipe nobody reads any more (`prog 2>&1 | head -1` after head exited): the program,
 * which writes nothing there, never gets SIGPIPE, so the line must not raise one either (it killed a forked
 * child that could not create its trace): SIGPIPE is blocked around the write, and one the write raised
 * is taken back before the mask is restored. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

static struct {
    int known;
    dev_t dev;
    ino_t ino;
    long status_flags;
} original_stderr;

void fdh_diag_remember_stderr(void) {
    struct stat st;
    if (syscall(SYS_fstat, 2, &st) != 0) return;
    original_stderr.dev = st.st_dev;
    original_stderr.ino = st.st_ino;
    original_stderr.status_flags = syscall(SYS_fcntl, 2, F_GETFL);
    original_stderr.known = 1;
}

static int stderr_is_original(void) {
    struct stat st;
    if (!original_stderr.known || syscall(SYS_fstat, 2, &st) != 0) return 0;
    return st.st_dev == original_stderr.dev && st.st_ino == original_stderr.ino &&
           syscall(SYS_fcntl, 2, F_GETFL) == original_stderr.status_flags;
}

/* write(2) on descriptor 2 without SIGPIPE: raw system calls on the kernel's 8-byte signal set. A SIGPIPE
 * that was pending before stays pending (signals of one number do not queue: the write adds nothing). */
static void write_without_sigpipe(const char *bytes, size_t length) {
    uint64_t pipe_bit = 1ull << (SIGPIPE - 1), old_mask = 0, pending = 0;
    int was_pending = syscall(SYS_rt_sigpending, &pending, 8L) == 0 && (pending & pipe_bit);
    int blocked = syscall(SYS_rt_sigprocmask, SIG_BLOCK, &pipe_bit, &old_mask, 8L) == 0;
    long written = syscall(SYS_write, 2, bytes, length);
    if (blocked && written < 0 && errno == EPIPE && !was_pending) {
        struct timespec now = {0, 0};
        syscall(SYS_rt_sigtimedwait, &pipe_bit, NULL, &now, 8L);
    }
    if (blocked) syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old_mask, NULL, 8L);
}

void fdh_diag(const char *what, const char *detail) {
    int saved = errno;
    if (stderr_is_original()) {
        char line[768];
        char *end = line + sizeof line - 1; /* keep one byte for the newline */
        char *p = fdh_append(line, end, "fdhound: ");
        p = fdh_append(p, end, what);
        if (detail && *detail) {
            p = fdh_append(p, end, ": ");
            p = fdh_append(p, end, detail);
        }
        *p++ = '\n';
        write_without_sigpipe(line, (size_t)(p - line));
    }
    errno = saved;
}
