/* raw.c — tiny helpers the recorder uses instead of libc conveniences: they never allocate, never take a
 * lock and are async-signal-safe (string building without snprintf, the clock through the vDSO, the
 * thread id through a raw syscall cached per thread, the thread's counter shard, signals held off around
 * a call into code that takes a lock that is not ours). */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

__thread uint32_t fdh_cached_tid __attribute__((tls_model("initial-exec")));

uint64_t fdh_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint32_t fdh_tid_slow(void) {
    if (fdh_cached_tid == 0) fdh_cached_tid = (uint32_t)syscall(SYS_gettid);
    return fdh_cached_tid;
}

/* Threads take shards in turn as they first record: an even spread, where tid % FDH_SHARDS could put the
 * threads of a pool that were created together in one. A forked child keeps its thread's shard. */
static _Atomic uint32_t next_shard;
__thread uint32_t fdh_cached_shard __attribute__((tls_model("initial-exec")));

uint32_t fdh_shard_slow(void) {
    if (fdh_cached_shard == 0) {
        fdh_cached_shard = atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed) % FDH_SHARDS + 1;
    }
    return fdh_cached_shard - 1;
}

/* The child of fork() inherits the parent thread's TLS, including the cached id. */
void fdh_tid_reset(void) { fdh_cached_tid = 0; }

size_t fdh_strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/* Appends s, always leaving room for a final NUL at end[-1]; returns the new end of text. */
char *fdh_append(char *out, char *end, const char *s) {
    while (*s && out < end - 1) *out++ = *s++;
    *out = '\0';
    return out;
}

char *fdh_append_u64(char *out, char *end, uint64_t value) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value && n < (int)sizeof digits);
    while (n > 0 && out < end - 1) *out++ = digits[--n];
    *out = '\0';
    return out;
}

/* Around a call into code that takes a lock that is not ours — the loader's (dlsym, dl_iterate_phdr,
 * libunwind's walk) or malloc's (libunwind) — the program's signals are held off: a handler that jumps out
 * (siglongjmp) would leave that lock held, and the next dlopen, calloc or exit hang. Untraced, the
 * program never ran that code at that moment. Raw rt_sigprocmask (no libc wrapper, which may act on its
 * own reserved signals), the program's mask restored exactly; signals arriving meanwhile stay pending and
 * are delivered when it is restored. The signals a fault raises (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP,
 * SIGSYS) stay deliverable: one raised while blocked kills the process instead of calling the handler. */
#define FAULT_SIGNALS                                                                                      \
    ((1ull << (SIGSEGV - 1)) | (1ull << (SIGBUS - 1)) | (1ull << (SIGILL - 1)) | (1ull << (SIGFPE - 1)) |  \
     (1ull << (SIGTRAP - 1)) | (1ull << (SIGSYS - 1)))

uint64_t fdh_signals_hold(void) {
    uint64_t all = ~FAULT_SIGNALS, before = 0;
    int saved = errno;
    if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, &before, sizeof all) != 0) before = FDH_SIGNALS_NOT_HELD;
    errno = saved;
    return before;
}

void fdh_signals_release(uint64_t before) {
    if (before == FDH_SIGNALS_NOT_HELD) return;
    int saved = errno;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &before, NULL, sizeof before);
    errno = saved;
}
