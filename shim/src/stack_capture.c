/* stack_capture.c — captures the caller's native stack and interns it into the trace's stack trie.
 *
 * Unwinder: libunwind's unw_backtrace (~0.2 µs for 30 frames, thanks to its per-thread frame cache),
 * loaded with dlopen(RTLD_LOCAL) rather than linked: a NEEDED libunwind would rebind the host's C++
 * exception unwinding (_Unwind_*) to libunwind. Without libunwind, glibc's backtrace() (~10x slower).
 *
 * libunwind (1.6, built with conservative checks as Debian does) needs a pipe: it validates memory by
 * write(2)-ing one byte of it into the pipe, and it cannot unwind at all without one. The pipe is created
 * during our warm-up, and the pipe hooks "park" both ends at the top of the descriptor range (just under
 * RLIMIT_NOFILE), so the program's own numbering from 3 upwards is untouched. libunwind re-creates the
 * pipe (closing its old numbers first) if a read from it fails: while we unwind, close() only closes the
 * parked numbers and is a no-op for any other descriptor. If the program itself closes a parked number or
 * puts its own descriptor there (dup2, closefrom), the pipe is "lost": before the next capture it is put
 * back at the same numbers if they are free again, and if the program now owns them, libunwind is dropped
 * for glibc's backtrace() for good — libunwind must never read or write a descriptor of the program.
 *
 * Interning: frames become trie nodes keyed by (parent, ip, kind), outermost first; a node's index is its
 * stack id. Each thread remembers its previous stack, and the outer frames it shares with the new one
 * (usually all but the innermost few in a loop) are reused without touching the table. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

__thread int fdh_in_capture __attribute__((tls_model("initial-exec")));

typedef int (*backtrace_fn)(void **buffer, int size);
static backtrace_fn unwind_backtrace;

/* libunwind's validation pipe, parked high; -1 when none. */
static int tracer_fds[2] = {-1, -1};
static _Atomic int tracer_pipe_lost;
static int park_base = -1; /* lowest number a parked descriptor may get; -1: do not park */

#define FDH_CACHE_FRAMES 64
struct stack_cache {
    uint64_t trace_generation; /* stack ids are only meaningful inside one trace */
    int count;
    uintptr_t ips[FDH_CACHE_FRAMES]; /* outermost first */
    uint16_t kinds[FDH_CACHE_FRAMES];
    uint32_t ids[FDH_CACHE_FRAMES];
};
static __thread struct stack_cache cache __attribute__((tls_model("initial-exec")));
uint64_t fdh_trace_generation = 1; /* bumped when a forked child starts its own trace */

int fdh_is_tracer_fd(int fd) { return fd >= 0 && (fd == tracer_fds[0] || fd == tracer_fds[1]); }

void fdh_tracer_fd_taken(int fd) {
    if (fdh_is_tracer_fd(fd)) atomic_store(&tracer_pipe_lost, 1);
}

void fdh_tracer_fd_closed(int fd) {
    if (fd == tracer_fds[0]) tracer_fds[0] = -1;
    if (fd == tracer_fds[1]) tracer_fds[1] = -1;
}

/* Moves a pipe libunwind just created to the top of the descriptor range. */
void fdh_park_tracer_pipe(int fds[2]) {
    for (int i = 0; i < 2; i++) {
        if (park_base >= 0) {
            long high = syscall(SYS_fcntl, fds[i], F_DUPFD_CLOEXEC, park_base);
            if (high >= 0) {
                syscall(SYS_close, fds[i]);
                fds[i] = (int)high;
            }
        }
        tracer_fds[i] = fds[i];
    }
}

/* The program closed or took over a parked number (see the file comment). A number that is open now
 * belongs to the program; a free one is refilled with a fresh pipe end. */
static void repair_tracer_pipe(void) {
    atomic_store(&tracer_pipe_lost, 0);
    for (int i = 0; i < 2; i++) {
        if (tracer_fds[i] >= 0 && syscall(SYS_fcntl, tracer_fds[i], F_GETFD) >= 0) {
            unwind_backtrace = backtrace; /* for good: libunwind would read the program's descriptor */
            tracer_fds[0] = tracer_fds[1] = -1;
            fdh_diag("the program reused libunwind's descriptors; stacks now come from glibc backtrace (slower)",
                     NULL);
            return;
        }
    }
    int fresh[2];
    if (syscall(SYS_pipe2, fresh, O_CLOEXEC | O_NONBLOCK) != 0) return; /* libunwind retries on its own */
    for (int i = 0; i < 2; i++) {
        if (tracer_fds[i] >= 0 && syscall(SYS_dup3, fresh[i], tracer_fds[i], O_CLOEXEC) != tracer_fds[i]) {
            tracer_fds[i] = -1;
        }
        syscall(SYS_close, fresh[i]);
    }
}

int fdh_unwinder_init(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur >= 256) {
        rlim_t top = limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 1048576 ? 1048576 : limit.rlim_cur;
        park_base = (int)(top - 8);
    }
    void *handle = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    if (handle) unwind_backtrace = (backtrace_fn)dlsym(handle, "unw_backtrace");
    int have_libunwind = unwind_backtrace != NULL;
    if (!have_libunwind) unwind_backtrace = backtrace;
    /* Warm up: the first capture costs ~0.2 ms (libunwind builds its caches; glibc dlopens libgcc_s). */
    void *frames[8];
    fdh_in_capture = 1;
    unwind_backtrace(frames, 8);
    fdh_in_capture = 0;
    return have_libunwind ? 0 : -1;
}

static uint64_t mix(uint64_t ip, uint32_t parent, uint16_t kind) {
    uint64_t h = ip * 0x9E3779B97F4A7C15ull ^ ((uint64_t)parent << 17) ^ ((uint64_t)parent >> 15) ^ kind;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
}

/* Finds or inserts the node (parent, ip, kind); returns its id, or 0 when the table is too full. */
static uint32_t intern_node(uint32_t parent, uint64_t ip, uint16_t kind) {
    struct fdh_trace *t = &fdh_state.trace;
    uint64_t mask = t->nodes_mask;
    uint64_t slot = mix(ip, parent, kind) & mask;
    for (unsigned probe = 0; probe < 512; probe++, slot = (slot + 1) & mask) {
        if (slot == 0) continue; /* node 0 means "no stack" */
        struct fdh_stack_node *node = &t->nodes[slot];
        if (!fdh_commit(node, sizeof *node)) break; /* the disk is full */
        uint16_t state = __atomic_load_n(&node->state, __ATOMIC_ACQUIRE);
        if (state == FDH_NODE_EMPTY) {
            uint16_t expected = FDH_NODE_EMPTY;
            if (__atomic_compare_exchange_n(&node->state, &expected, FDH_NODE_CLAIMED, 0, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
                node->ip = ip;
                node->parent = parent;
                node->kind = kind;
                __atomic_store_n(&node->state, FDH_NODE_PUBLISHED, __ATOMIC_RELEASE);
                return (uint32_t)slot;
            }
            state = expected;
        }
        /* Another thread is filling this slot: it finishes within a few stores (its own signal handlers
         * cannot interrupt it into us: they see the reentrancy guard). Bounded wait, then move on. */
        for (unsigned spin = 0; state == FDH_NODE_CLAIMED && spin < 100000; spin++) {
            __builtin_ia32_pause();
            state = __atomic_load_n(&node->state, __ATOMIC_ACQUIRE);
        }
        if (state == FDH_NODE_PUBLISHED && node->ip == ip && node->parent == parent && node->kind == kind) {
            return (uint32_t)slot;
        }
    }
    __atomic_fetch_add(&t->header->stacks_dropped, 1, __ATOMIC_RELAXED);
    return 0;
}

static int in_shim(void *ip) {
    uintptr_t a = (uintptr_t)ip;
    return a >= fdh_state.shim_text_start && a < fdh_state.shim_text_end;
}

uint32_t fdh_capture_stack(void) {
    if (FDH_UNLIKELY(fdh_state.no_stacks)) return 0;
    void *frames[FDH_MAX_STACK_DEPTH + 8];
    int depth = (int)fdh_state.config.stack_depth;
    if (FDH_UNLIKELY(atomic_load_explicit(&tracer_pipe_lost, memory_order_relaxed))) repair_tracer_pipe();
    fdh_in_capture = 1;
    int n = unwind_backtrace(frames, depth + 8);
    fdh_in_capture = 0;
    int first = 0;
    while (first < n && in_shim(frames[first])) first++; /* the hook and the recorder */
    int count = n - first;
    if (count > depth) count = depth;
    if (count <= 0) return 0;
    fdh_modules_refresh();

    /* In a CPython process the evaluator's frames become the Python frames they ran (python_frames.c). */
    uint64_t ips[FDH_MAX_STACK_DEPTH];
    uint16_t kinds[FDH_MAX_STACK_DEPTH];
    int total = fdh_python_merge(frames + first, count, ips, kinds, (int)FDH_MAX_STACK_DEPTH);
    if (total < 0) {
        for (int i = 0; i < count; i++) {
            ips[i] = (uint64_t)(uintptr_t)frames[first + i];
            kinds[i] = FDH_FRAME_RETURN_ADDRESS;
        }
        total = count;
    }
    count = total;

    /* Walk outermost → innermost, reusing the outer frames shared with this thread's previous stack. */
    if (cache.trace_generation != fdh_trace_generation) {
        cache.trace_generation = fdh_trace_generation;
        cache.count = 0;
    }
    int shared = 0;
    while (shared < count && shared < cache.count && cache.ips[shared] == ips[count - 1 - shared] &&
           cache.kinds[shared] == kinds[count - 1 - shared]) {
        shared++;
    }
    uint32_t parent = shared ? cache.ids[shared - 1] : 0;
    for (int i = shared; i < count; i++) {
        uint64_t ip = ips[count - 1 - i];
        uint16_t kind = kinds[count - 1 - i];
        parent = intern_node(parent, ip, kind);
        if (parent == 0) {
            cache.count = i < FDH_CACHE_FRAMES ? i : FDH_CACHE_FRAMES;
            return 0;
        }
        if (i < FDH_CACHE_FRAMES) {
            cache.ips[i] = ip;
            cache.kinds[i] = kind;
            cache.ids[i] = parent;
        }
    }
    cache.count = count < FDH_CACHE_FRAMES ? count : FDH_CACHE_FRAMES;
    return parent;
}

/* Interns frames given outermost first (copying a stack from a forked parent's trace). */
uint32_t fdh_intern_frames(const uint64_t *ips, const uint16_t *kinds, int count) {
    uint32_t parent = 0;
    for (int i = 0; i < count; i++) {
        parent = intern_node(parent, ips[i], kinds[i]);
        if (parent == 0) return 0;
    }
    return parent;
}
