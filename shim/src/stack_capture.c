/* stack_capture.c — captures the caller's native stack and interns it into the trace's stack trie.
 *
 * Unwinder: the shim's fast unwinder (fast_unwind.c: cached per-return-address rules, about 20
 * instructions a frame), and for any capture it cannot walk exactly, libunwind's unw_backtrace (~0.2 µs for
 * 30 frames, thanks to its per-thread frame cache),
 * loaded with dlopen(RTLD_LOCAL) rather than linked: a NEEDED libunwind would rebind the host's C++
 * exception unwinding (_Unwind_*) to libunwind. Without libunwind, or once it had to give its pipe back to
 * the program (tracer_pipe.c), glibc's backtrace() (~10x slower).
 *
 * Where: the capture runs on this thread's side stack (side_stack.c), so the program's stack only holds
 * the hook's few frames. A capture asked for inside a nested recording scope (a signal handler that
 * interrupted this thread inside the recorder) records no stack: the interrupted capture may be inside
 * libunwind, whose per-thread cache is not reentrant, and owns this thread's interning cache below. Such
 * events get the trace's one-node "nested" stack (frame kind FDH_FRAME_NESTED, interned at start, so this
 * path only reads it) — their call site still counts them exactly — and are counted in
 * header.nested_events.
 *
 * Interning: frames become trie nodes keyed by (parent, ip, kind), outermost first; a node's index is its
 * stack id. Each thread remembers its previous stack, and the outer frames it shares with the new one
 * (usually all but the innermost few in a loop) are reused without touching the table. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

__thread int fdh_in_capture __attribute__((tls_model("initial-exec")));

typedef int (*backtrace_fn)(void **buffer, int size);
static _Atomic(backtrace_fn) unwind_backtrace;

#define FDH_CACHE_FRAMES 64
struct stack_cache {
    uint64_t trace_generation; /* stack ids are only meaningful inside one trace */
    int count;
    uintptr_t ips[FDH_CACHE_FRAMES]; /* outermost first */
    uint16_t kinds[FDH_CACHE_FRAMES];
    uint32_t ids[FDH_CACHE_FRAMES];
};
_Static_assert(sizeof(struct stack_cache) <= FDH_SCRATCH_STACK_CACHE_SIZE, "stack cache outgrew its scratch slot");
/* The cache is in this thread's side-stack scratch page, not in TLS: static TLS is carved out of every
 * thread's stack, and 900 bytes there would change the program's stack budget. */
uint64_t fdh_trace_generation = 1; /* bumped when a forked child starts its own trace */
static uint32_t nested_stack;      /* this trace's FDH_FRAME_NESTED node */

void fdh_unwinder_fall_back(void) {
    atomic_store_explicit(&unwind_backtrace, backtrace, memory_order_release);
}

static struct fdh_thread_flags *thread_flags(void);

/* Every walk by libunwind (or glibc's backtrace): with the program's signals held off (raw.c). Both take
 * locks that are not ours — the loader's (dl_iterate_phdr) and malloc's (libunwind's per-thread cache) —
 * and a handler that jumped out of the walk would leave them held: the program then hung in its next
 * calloc or dlopen. The fast unwinder needs no such care (no lock, no syscall): only this path pays the
 * two syscalls. */
static __attribute__((noinline)) int walk_slowly(backtrace_fn slow, void **frames, int max) {
    uint64_t before = fdh_signals_hold();
    int n = slow(frames, max);
    fdh_signals_release(before);
    return n;
}

/* libunwind's thread-local block (dlinfo's module id; 0: it has none, or not known). A thread's block is
 * allocated by glibc (malloc) on the thread's first access to it: __tls_get_addr on the block's first byte
 * does that without a walk (a walk would make libunwind's validation pipe, tracer_pipe.c). */
static size_t unwinder_tls_module;
struct tls_index {
    unsigned long module, offset;
};
extern void *__tls_get_addr(struct tls_index *index);

static void unwinder_tls_allocate(backtrace_fn slow) {
    if (unwinder_tls_module != 0) {
        /* With the program's signals held off, as a walk is (walk_slowly): glibc takes malloc's lock and the
         * loader's TLS lock here, and a handler that jumped out would leave them held (adversarial
         * jump_out_of_a_libunwind_walk_leaves_malloc_and_the_loader_usable hung 1 run in 8 without). */
        struct tls_index index = {unwinder_tls_module, 0};
        uint64_t before = fdh_signals_hold();
        __tls_get_addr(&index);
        fdh_signals_release(before);
        return;
    }
    void *frames[4]; /* no module id: a short walk allocates it */
    walk_slowly(slow, frames, 4);
}

int fdh_unwinder_init(int attached) {
    void *handle = NULL;
    backtrace_fn libunwind = NULL;
    fdh_tracer_pipe_publish(); /* none yet: -1/-1 */
    if (fdh_tracer_pipe_prepare() == 0) handle = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    if (handle) libunwind = (backtrace_fn)dlsym(handle, "unw_backtrace");
    if (libunwind) fdh_tracer_pipe_set_unwinder((const void *)libunwind);
    if (attached) fdh_got_patch_all(); /* libunwind included: its pipe2 must reach the pipe hook */
    atomic_store(&unwind_backtrace, libunwind ? libunwind : backtrace);
    fdh_fast_unwind_init();
    /* Warm up: the first capture costs ~0.2 ms (libunwind builds its caches and makes its pipe, which the
     * pipe hooks park; glibc dlopens libgcc_s). */
    void *frames[8];
    fdh_in_capture = 1;
    walk_slowly(atomic_load(&unwind_backtrace), frames, 8);
    fdh_in_capture = 0;
    struct fdh_thread_flags *flags = thread_flags();
    if (flags) flags->libunwind_ready = 1;
    if (libunwind) {
        fdh_tracer_pipe_find_unwinder_copy();
        size_t module = 0;
        if (dlinfo(handle, RTLD_DI_TLS_MODID, &module) == 0) unwinder_tls_module = module;
        if (!attached) fdh_tracer_pipe_release(); /* no descriptor held until libunwind walks again */
    }
    return libunwind ? 0 : -1;
}

static uint64_t mix(uint64_t ip, uint32_t parent, uint16_t kind) {
    uint64_t h = ip * 0x9E3779B97F4A7C15ull ^ ((uint64_t)parent << 17) ^ ((uint64_t)parent >> 15) ^ kind;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
}

/* Finds or inserts the node (parent, ip, kind); returns its id, or 0 when the table is too full.
 *
 * A node is written whole by one 16-byte compare-and-swap of an empty slot (cmpxchg16b: -mcx16), so no
 * slot is ever "claimed" and half-written. A claimed slot used to be filled in by three stores after the
 * claim: a signal handler that jumped out of the recorder between them (or a thread that died there) left
 * it claimed for good, and every later capture probing it spun for milliseconds before moving on — a
 * program whose timer handler siglongjmps out every 50 µs then never finished a call again
 * (tests/adversarial jump_storm first-calls). A reader that sees the state published sees the whole node:
 * it is the same write (the state is in the node's last bytes, read first with acquire). */
typedef unsigned __int128 node_word;
_Static_assert(sizeof(struct fdh_stack_node) == sizeof(node_word) && offsetof(struct fdh_stack_node, ip) == 0 &&
               offsetof(struct fdh_stack_node, parent) == 8 && offsetof(struct fdh_stack_node, kind) == 12 &&
               offsetof(struct fdh_stack_node, state) == 14, "a node is packed into one 16-byte word");

static uint32_t intern_node(uint32_t parent, uint64_t ip, uint16_t kind) {
    struct fdh_trace *t = &fdh_state.trace;
    uint64_t mask = t->nodes_mask;
    uint64_t slot = mix(ip, parent, kind) & mask;
    const uint64_t high = (uint64_t)parent | (uint64_t)kind << 32 | (uint64_t)FDH_NODE_PUBLISHED << 48;
    for (unsigned probe = 0; probe < 512; probe++, slot = (slot + 1) & mask) {
        if (slot == 0) continue; /* node 0 means "no stack" */
        struct fdh_stack_node *node = &t->nodes[slot];
        if (!fdh_commit(node, sizeof *node)) break; /* the disk is full */
        uint64_t *words = (uint64_t *)(void *)node; /* [0]: ip; [1]: parent, kind, state */
        uint64_t seen_high = __atomic_load_n(&words[1], __ATOMIC_ACQUIRE);
        if (seen_high == 0) { /* empty: insert */
            node_word seen = __sync_val_compare_and_swap((node_word *)(void *)node, (node_word)0,
                                                         (node_word)ip | (node_word)high << 64);
            if (seen == 0) return (uint32_t)slot;
            if ((uint64_t)seen == ip && (uint64_t)(seen >> 64) == high) return (uint32_t)slot; /* another thread's */
            continue;
        }
        /* The ip half read second, with acquire at the node's own address (where the CAS wrote it): a
         * published state means the whole write is visible, and ThreadSanitizer, which pairs a release with
         * an acquire by address, sees every later read of this node ordered after its writer's CAS. */
        if (seen_high == high && __atomic_load_n(&words[0], __ATOMIC_ACQUIRE) == ip) return (uint32_t)slot;
    }
    __atomic_fetch_add(&t->header->stacks_dropped, 1, __ATOMIC_RELAXED);
    return 0;
}

static int in_shim(void *ip) {
    uintptr_t a = (uintptr_t)ip;
    return a >= fdh_state.shim_text_start && a < fdh_state.shim_text_end;
}

/* The program's frames of a raw backtrace: how many leading frames are the shim's own (the hook, the
 * recorder, the stack switch), and how many follow, at most `depth`. */
static int program_frames(void *const *frames, int n, int depth, int *first) {
    int skip = 0;
    while (skip < n && in_shim(frames[skip])) skip++;
    *first = skip;
    return n - skip > depth ? depth : n - skip;
}

/* This thread's flags (zeroed for each new thread), NULL without a side-stack area. */
static struct fdh_thread_flags *thread_flags(void) {
    char *scratch = fdh_side_stack_scratch(FDH_SCRATCH_SIZE);
    return scratch ? (struct fdh_thread_flags *)(void *)(scratch + FDH_SCRATCH_THREAD_OFFSET) : NULL;
}

static int before_first_libunwind_walk(int fast_n, int crossed_signal, backtrace_fn slow);

/* FDHOUND_UNWIND_VERIFY=1: both unwinders walk the capture and the program aborts if the frames it would
 * record differ; counted for the line at exit (fdh_unwind_verify_report). */
static _Atomic uint64_t verified_captures, verified_fast, verified_memo;

static __attribute__((noinline)) int unwind_verified(void **frames, int max, backtrace_fn slow,
                                                    struct fdh_walk *walk) {
    void *buffer[FDH_MAX_STACK_DEPTH + 8];
    int fast_n = fdh_fast_backtrace(buffer, max, walk);
    void *const *fast = walk->frames; /* the walk memo's when it reused a walk: checked all the same */
    uint64_t *note = walk->note;
    walk->frames = frames;
    walk->note = NULL;
    uint64_t hash = walk->hash;
    walk->hash = 0;
    int kept = before_first_libunwind_walk(fast_n, walk->crossed_signal, slow);
    if (kept >= 0) { /* in a signal handler, before this thread's first libunwind walk */
        memcpy(frames, fast, (size_t)kept * sizeof *frames);
        return kept;
    }
    int n = walk_slowly(slow, frames, max);
    atomic_fetch_add(&verified_captures, 1);
    if (fast_n < 0) return n;
    atomic_fetch_add(&verified_fast, 1);
    int depth = (int)fdh_state.config.stack_depth, first, fast_first;
    int count = program_frames(frames, n, depth, &first);
    int fast_count = program_frames(fast, fast_n, depth, &fast_first);
    int differ = count != fast_count;
    for (int i = 0; !differ && i < count; i++) differ = frames[first + i] != fast[fast_first + i];
    if (differ) {
        char line[256], *end = line + sizeof line;
        char *p = fdh_append(line, end, "libunwind ");
        p = fdh_append_u64(p, end, (uint64_t)count);
        p = fdh_append(p, end, " frames, fast unwinder ");
        p = fdh_append_u64(p, end, (uint64_t)fast_count);
        fdh_diag("unwind verify: the unwinders disagree", line);
        abort();
    }
    /* Equal: the memos work on libunwind's frames, keyed by the fast walk's hash of this call site (the
     * same for the same site) and by its walk memo entry, so that capture_here checks each of their hits
     * against a full intern. */
    walk->hash = hash;
    walk->note = note;
    return n;
}

void fdh_unwind_verify_report(void) {
    if (!fdh_state.config.unwind_verify) return;
    char line[160], *end = line + sizeof line;
    char *p = fdh_append_u64(line, end, atomic_load(&verified_captures));
    p = fdh_append(p, end, " captures, ");
    p = fdh_append_u64(p, end, atomic_load(&verified_fast));
    fdh_append(p, end, " walked by both unwinders, all equal");
    fdh_diag("unwind verify", line);
    p = fdh_append_u64(line, end, atomic_load(&fdh_fast_unwind_rules_read));
    p = fdh_append(p, end, " rules read from CFI, ");
    p = fdh_append_u64(p, end, atomic_load(&fdh_fast_unwind_walks_reused));
    p = fdh_append(p, end, " walks reused, ");
    p = fdh_append_u64(p, end, atomic_load(&verified_memo));
    fdh_append(p, end, " stack memo hits checked, all equal");
    fdh_diag("unwind cost", line); /* what the tests can count */
}

/* libunwind is dlopen'ed, so its thread-local cache is a dynamic TLS block that glibc allocates with malloc
 * on the thread's first walk: in a signal handler that interrupted malloc, that deadlocks the program
 * (tests/stress: a SIGALRM handler opening in threads the fast walk had always served). So a thread's block
 * is allocated where the fast walk proved no signal frame lies below (it walked the whole stack), at once
 * and without a walk (unwinder_tls_allocate). A capture that reached a signal frame before that keeps the
 * fast walk's frames up to the trampoline (the handler and what it called: the code that opened); returns
 * their count. One the fast walk finished through a signal frame keeps all its frames, and does not
 * allocate the block either (it runs in a handler). A capture the fast walk could not finish for another
 * reason may be in a handler too (a frame
 * it cannot step hides what lies below): libunwind walks it, as it walked every capture before the fast
 * walk existed. Returns -1 when the capture goes on as usual. */
static int before_first_libunwind_walk(int fast_n, int crossed_signal, backtrace_fn slow) {
    if (slow == backtrace) return -1; /* glibc's backtrace: warmed up process-wide at start */
    struct fdh_thread_flags *flags = thread_flags();
    if (FDH_LIKELY(!flags || flags->libunwind_ready)) return -1;
    if (fast_n <= FDH_FAST_UNWIND_AT_SIGNAL(0)) return FDH_FAST_UNWIND_AT_SIGNAL(0) - fast_n;
    if (crossed_signal) return fast_n; /* walked whole, through a signal frame: a handler, no warm-up here */
    if (fast_n >= 0) unwinder_tls_allocate(slow);
    flags->libunwind_ready = 1;
    return -1;
}

/* Unwinds into buffer[] (innermost first, the shim's own frames included) and returns how many frames;
 * walk->frames says where they are (buffer, or the walk memo's copy), walk->hash is a hash of them when the
 * fast unwinder walked them all (else 0) and walk->note its memo's word for them (or NULL). walk->hint: the
 * capture's call site (fast_unwind.c). */
static int unwind(void **buffer, int max, struct fdh_walk *walk) {
    backtrace_fn slow = atomic_load_explicit(&unwind_backtrace, memory_order_acquire);
    if (FDH_UNLIKELY(fdh_state.config.unwind_verify) && slow != backtrace) {
        return unwind_verified(buffer, max, slow, walk);
    }
    int n = fdh_fast_backtrace(buffer, max, walk);
    int kept = before_first_libunwind_walk(n, walk->crossed_signal, slow); /* -1 or n when n >= 0 */
    if (FDH_LIKELY(n >= 0)) return n;
    walk->hash = 0;
    walk->note = NULL;
    walk->frames = buffer;
    if (kept >= 0) return kept;
    return walk_slowly(slow, buffer, max);
}

/* The stack memo: this thread's recent stacks as the fast unwinder walked them (every frame, the shim's
 * own included) with the stack id they were interned as, so that a call site seen again costs one
 * comparison of its frames instead of the Python merge and the trie cache below. Used only while the
 * merge would leave a stack native (no CPython, or its frames off for good) and no helper frames wait.
 * Emptied when the trace changes (a forked child) and when the set of loaded objects does (dlopen, dlclose:
 * the module table is then checked again by the next miss). 8 sets of 2 entries. */
#define MEMO_SETS 8
#define MEMO_FRAMES 48
struct memo_entry {
    uint64_t hash;
    uint32_t count; /* 0: empty */
    uint32_t stack;
    uint32_t written_last; /* in a set's first entry: 1 if that entry was written after the second */
    uint32_t reserved;
    void *frames[MEMO_FRAMES];
};
struct stack_memo {
    uint64_t trace_generation;
    uint64_t unwind_generation;
    struct memo_entry entries[MEMO_SETS][2];
};
_Static_assert(sizeof(struct stack_memo) <= FDH_SCRATCH_MEMO_SIZE, "stack memo outgrew its scratch slot");

static struct memo_entry *memo_set(int n, uint64_t hash) {
    if (hash == 0 || n > MEMO_FRAMES) return NULL;
    char *scratch = fdh_side_stack_scratch(FDH_SCRATCH_SIZE);
    if (!scratch) return NULL;
    struct stack_memo *memo = (struct stack_memo *)(void *)(scratch + FDH_SCRATCH_MEMO_OFFSET);
    uint64_t unwind_generation = atomic_load_explicit(&fdh_fast_unwind_generation, memory_order_acquire);
    if (FDH_UNLIKELY(memo->trace_generation != fdh_trace_generation || memo->unwind_generation != unwind_generation)) {
        if (memo->trace_generation != 0) memset(memo->entries, 0, sizeof memo->entries); /* fresh: zeros */
        memo->trace_generation = fdh_trace_generation;
        memo->unwind_generation = unwind_generation;
    }
    return memo->entries[hash % MEMO_SETS];
}

static int memo_matches(const struct memo_entry *e, uint64_t hash, void *const *frames, int n) {
    return e->hash == hash && e->count == (uint32_t)n && memcmp(e->frames, frames, (size_t)n * sizeof *frames) == 0;
}

/* Into an empty entry of the set, else over the one not written last. */
static void memo_store(struct memo_entry *set, uint64_t hash, void *const *frames, int n, uint32_t stack) {
    if (stack == 0) return;
    struct memo_entry *e = set[0].count == 0 ? &set[0] : set[1].count == 0 ? &set[1] : &set[set[0].written_last];
    set[0].written_last = e == &set[0];
    e->hash = hash;
    e->count = (uint32_t)n;
    e->stack = stack;
    memcpy(e->frames, frames, (size_t)n * sizeof *frames);
}

static uint32_t intern_capture(void *opening, void *const *frames, int count, uint64_t hash);

/* FDHOUND_UNWIND_VERIFY=1: a memo hit must name the stack a full intern of the same frames gives (0: the
 * table is full, nothing to compare); the program aborts otherwise. */
static __attribute__((noinline)) void memo_verify(void *opening, void *const *frames, int n, uint32_t remembered) {
    int first;
    int count = program_frames(frames, n, (int)fdh_state.config.stack_depth, &first);
    uint32_t fresh = count > 0 ? intern_capture(opening, frames + first, count, 0) : 0;
    atomic_fetch_add(&verified_memo, 1);
    if (fresh != 0 && fresh != remembered) {
        char line[96], *end = line + sizeof line;
        char *p = fdh_append(line, end, "remembered stack ");
        p = fdh_append_u64(p, end, remembered);
        p = fdh_append(p, end, ", interned ");
        fdh_append_u64(p, end, fresh);
        fdh_diag("unwind verify: the stack memo disagrees", line);
        abort();
    }
}

/* What capture() hands to capture_here across the stack switch. */
struct capture_request {
    void *opening;
    uint64_t hint; /* the recorder's call site and stack pointer: picks the walk memo's set (fast_unwind.c) */
};

/* The walk memo's note (fast_unwind.c) for a stack it reused: the stack id these frames were interned as,
 * with the trace they belong to in the upper half (a forked child's trace has other ids). */
static inline uint64_t walk_note(uint32_t stack) { return (uint64_t)(uint32_t)fdh_trace_generation << 32 | stack; }

/* FDHOUND_UNWIND_VERIFY=1 in always-on mode: a partial stack's caller (and the caller's caller, when it
 * holds one) must be the innermost frames a full capture records (what the analyzer groups it by); the
 * program aborts otherwise. */
static __attribute__((noinline)) void sampling_verify(uint32_t partial, uint64_t hint) {
    void *buffer[FDH_MAX_STACK_DEPTH + 8];
    int depth = (int)fdh_state.config.stack_depth, first;
    struct fdh_walk walk = {.hint = hint};
    fdh_in_capture = 1;
    int n = unwind(buffer, depth + 8, &walk);
    fdh_in_capture = 0;
    int count = program_frames(walk.frames, n, depth, &first);
    const struct fdh_stack_node *caller = &fdh_state.trace.nodes[partial], *second = &fdh_state.trace.nodes[caller->parent];
    int differ = count > 0 && (uint64_t)(uintptr_t)walk.frames[first] != caller->ip;
    /* Without a Python frame, the node after it is the caller's caller, or the marker when there is none. */
    if (second->kind == FDH_FRAME_RETURN_ADDRESS) differ |= count < 2 || (uint64_t)(uintptr_t)walk.frames[first + 1] != second->ip;
    if (second->kind == FDH_FRAME_SAMPLED_OUT) differ |= count >= 2;
    if (differ) {
        fdh_diag("unwind verify: a partial stack's callers are not the full stack's innermost frames", NULL);
        abort();
    }
}

static uint64_t capture_here(void *argument) {
    const struct capture_request *request = argument;
    void *opening = request->opening;
    /* Always-on mode's one decision: a full capture, or the code path's partial stack (sampling.c). */
    uint32_t partial;
    if (FDH_UNLIKELY(fdh_state.config.always_on) && fdh_sampling_partial(opening != NULL, request->hint, &partial)) {
        if (FDH_UNLIKELY(fdh_state.config.unwind_verify)) sampling_verify(partial, request->hint);
        return partial;
    }
    void *buffer[FDH_MAX_STACK_DEPTH + 8];
    int depth = (int)fdh_state.config.stack_depth;
    struct fdh_walk walk = {.hint = request->hint};
    fdh_in_capture = 1;
    int n = unwind(buffer, depth + 8, &walk);
    fdh_in_capture = 0;
    void *const *frames = walk.frames;
    /* The same frames as a walk whose stack is known: no comparison at all (the stack memo's conditions). */
    int memo_allowed = fdh_python_native_only() && !(opening && fdh_python_hint_pending());
    if (walk.note && memo_allowed && *walk.note >> 32 == (uint32_t)fdh_trace_generation && (uint32_t)*walk.note) {
        uint32_t remembered = (uint32_t)*walk.note;
        if (FDH_UNLIKELY(fdh_state.config.unwind_verify)) memo_verify(opening, frames, n, remembered);
        return remembered;
    }
    struct memo_entry *set = memo_allowed ? memo_set(n, walk.hash) : NULL;
    uint32_t stack = 0;
    if (set) {
        stack = memo_matches(&set[0], walk.hash, frames, n) ? set[0].stack
                : memo_matches(&set[1], walk.hash, frames, n) ? set[1].stack : 0;
        if (stack && FDH_UNLIKELY(fdh_state.config.unwind_verify)) memo_verify(opening, frames, n, stack);
    }
    if (!stack) {
        int first;
        int count = program_frames(frames, n, depth, &first);
        if (count <= 0) return 0;
        fdh_modules_check((uintptr_t)frames[first]);
        stack = intern_capture(opening, frames + first, count, walk.hash | 1);
        if (set) memo_store(set, walk.hash, frames, n, stack);
    }
    if (walk.note && memo_allowed && stack) *walk.note = walk_note(stack);
    return stack;
}

/* FDHOUND_UNWIND_VERIFY=1: a Python stack memo hit must name the stack a full merge and intern of the same
 * capture gives (0: the table is full, nothing to compare); the program aborts otherwise. */
static __attribute__((noinline)) void python_memo_verify(void *opening, void *const *native, int count,
                                                         uint32_t remembered) {
    uint32_t fresh = intern_capture(opening, native, count, 0);
    atomic_fetch_add(&verified_memo, 1);
    if (fresh != 0 && fresh != remembered) {
        char line[96], *end = line + sizeof line;
        char *p = fdh_append(line, end, "remembered stack ");
        p = fdh_append_u64(p, end, remembered);
        p = fdh_append(p, end, ", interned ");
        fdh_append_u64(p, end, fresh);
        fdh_diag("unwind verify: the Python stack memo disagrees", line);
        abort();
    }
}

static uint32_t intern_merged(const uint64_t *ips, const uint16_t *kinds, int count);

/* A capture in a signal handler: the trampoline's frame is kind SIGNAL, and the frame outside it, where the
 * signal interrupted the program, an exact pc (kind PC: the report names that instruction's line, not the
 * one before it — at a function's first instruction, ip - 1 would name the function before). Known from
 * the trampoline's address, which the fast unwinder learns at its first walk through one (a stack only
 * libunwind walked before that keeps plain return addresses). Decided by the frames alone, so every path
 * to a stack (memos, verify mode) interns the same one. */
static void mark_signal_frames(const uint64_t *ips, uint16_t *kinds, int count) {
    uint64_t trampoline = atomic_load_explicit(&fdh_signal_trampoline, memory_order_relaxed);
    if (FDH_LIKELY(trampoline == 0)) return;
    for (int i = 0; i < count; i++) {
        if (ips[i] != trampoline || kinds[i] != FDH_FRAME_RETURN_ADDRESS) continue;
        kinds[i] = FDH_FRAME_SIGNAL;
        if (i + 1 < count && kinds[i + 1] == FDH_FRAME_RETURN_ADDRESS) kinds[i + 1] = FDH_FRAME_PC;
    }
}

/* Interns the program's frames of a capture (innermost first), with the Python frames they ran. `hash`:
 * non-zero lets the Python stack memo (python_frames.c) answer, and picks its set. */
static uint32_t intern_capture(void *opening, void *const *native, int count, uint64_t hash) {
    /* In a CPython process the evaluator's frames become the Python frames they ran (python_frames.c). */
    uint64_t ips[FDH_MAX_STACK_DEPTH];
    uint16_t kinds[FDH_MAX_STACK_DEPTH];
    struct fdh_py_memo_ref memo = {.hash = hash};
    int total = fdh_python_merge(native, count, ips, kinds, (int)FDH_MAX_STACK_DEPTH, hash ? &memo : NULL);
    if (memo.stack) {
        if (FDH_UNLIKELY(fdh_state.config.unwind_verify)) python_memo_verify(opening, native, count, memo.stack);
        return memo.stack;
    }
    if (total < 0) {
        for (int i = 0; i < count; i++) {
            ips[i] = (uint64_t)(uintptr_t)native[i];
            kinds[i] = FDH_FRAME_RETURN_ADDRESS;
        }
        total = count;
        /* A runtime the shim cannot walk (PyPy): the helper's frames, for a call that creates a descriptor. */
        if (opening) total = fdh_python_hint_take(ips, kinds, total, (int)FDH_MAX_STACK_DEPTH);
    }
    mark_signal_frames(ips, kinds, total);
    uint32_t stack = intern_merged(ips, kinds, total);
    if (memo.entry) fdh_python_memo_store(&memo, stack);
    return stack;
}

/* Interns merged frames (innermost first), walking outermost → innermost and reusing the outer frames shared
 * with this thread's previous stack. */
static uint32_t intern_merged(const uint64_t *ips, const uint16_t *kinds, int count) {
    struct stack_cache *cache = fdh_side_stack_scratch(sizeof *cache);
    if (!cache) return fdh_intern_frames_innermost_first(ips, kinds, count);
    if (cache->trace_generation != fdh_trace_generation) {
        cache->trace_generation = fdh_trace_generation;
        cache->count = 0;
    }
    int shared = 0;
    while (shared < count && shared < cache->count && cache->ips[shared] == ips[count - 1 - shared] &&
           cache->kinds[shared] == kinds[count - 1 - shared]) {
        shared++;
    }
    uint32_t parent = shared ? cache->ids[shared - 1] : 0;
    for (int i = shared; i < count; i++) {
        uint64_t ip = ips[count - 1 - i];
        uint16_t kind = kinds[count - 1 - i];
        parent = intern_node(parent, ip, kind);
        if (parent == 0) {
            cache->count = i < FDH_CACHE_FRAMES ? i : FDH_CACHE_FRAMES;
            return 0;
        }
        if (i < FDH_CACHE_FRAMES) {
            cache->ips[i] = ip;
            cache->kinds[i] = kind;
            cache->ids[i] = parent;
        }
    }
    cache->count = count < FDH_CACHE_FRAMES ? count : FDH_CACHE_FRAMES;
    return parent;
}

/* `opening`: the call creates a descriptor, so a Python helper's pending frames belong to it. Inlined into
 * its two callers, so that the return address names the recorder's call site. */
static inline __attribute__((always_inline)) uint32_t capture(void *opening) {
    if (FDH_UNLIKELY(fdh_state.no_stacks)) return 0;
    if (FDH_UNLIKELY(fdh_depth > 1)) { /* a signal handler inside the recorder: see the file comment */
        __atomic_fetch_add(&fdh_state.trace.header->nested_events, 1, __ATOMIC_RELAXED);
        return nested_stack;
    }
    uint64_t sp;
    __asm__("movq %%rsp, %0" : "=r"(sp));
    struct capture_request request = {opening, (uint64_t)(uintptr_t)__builtin_return_address(0) ^ sp};
    return (uint32_t)fdh_on_side_stack(capture_here, &request, 0);
}

uint32_t fdh_capture_stack(void) { return capture(NULL); }

uint32_t fdh_capture_opening_stack(void) { return capture((void *)1); }

/* Interns frames given outermost first (copying a stack from a forked parent's trace). */
uint32_t fdh_intern_frames(const uint64_t *ips, const uint16_t *kinds, int count) {
    uint32_t parent = 0;
    for (int i = 0; i < count; i++) {
        parent = intern_node(parent, ips[i], kinds[i]);
        if (parent == 0) return 0;
    }
    return parent;
}

/* Interns frames given innermost first (a capture without this thread's cache). */
uint32_t fdh_intern_frames_innermost_first(const uint64_t *ips, const uint16_t *kinds, int count) {
    uint32_t parent = 0;
    for (int i = count - 1; i >= 0; i--) {
        parent = intern_node(parent, ips[i], kinds[i]);
        if (parent == 0) return 0;
    }
    return parent;
}

/* Interns this trace's one-node stack for calls nested in the recorder (a new trace: start, forked child). */
void fdh_intern_nested_stack(void) {
    uint64_t ip = 0;
    uint16_t kind = FDH_FRAME_NESTED;
    nested_stack = fdh_intern_frames(&ip, &kind, 1);
    fdh_sampling_trace_started(); /* the same two moments: its header says always-on */
}
