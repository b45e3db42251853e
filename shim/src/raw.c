/* raw.c — tiny helpers the recorder uses instead of libc conveniences: they never allocate, never take a
 * lock and are async-signal-safe (string building without snprintf, the clock through the vDSO, the
 * thread id through a raw syscall cached per thread, the thread's counter shard). */
#define _GNU_SOURCE
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
