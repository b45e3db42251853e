/* sampling.c — always-on mode (FDHOUND_ALWAYS_ON=1, `fdhound run/attach --always-on`): which captures get a
 * full stack. Every event is still recorded (the log, the live table, the call-site counters: counts and
 * lifetimes stay exact); only the unwinding is sampled.
 *
 * A code path is the hooked call's immediate caller (the return address into the program) and, under
 * CPython code, the innermost Python frame (code object and instruction offset: python_frames.c), else the
 * caller's own caller — so that a program's wrapper (an xopen() called from many places, or a sanitizer's
 * interceptor in front of the shim) does not make one code path of all its callers. Found by a walk of the
 * shim's own few frames plus two (fast_unwind.c, usually reused from the walk memo) and one read of the
 * thread's Python frame chain, whatever the stack's depth. Per code path: the first
 * FDHOUND_SAMPLE_FIRST captures (default 8) get a full stack; after that one capture in
 * FDHOUND_SAMPLE_EVERY (default 64) on average does, at random intervals (a per-thread countdown drawn
 * uniformly from 1 … 2·EVERY−1), so a loop's period cannot hide from it and a steady leak keeps getting
 * full stacks; the others get a partial stack: the nodes [SAMPLED_OUT marker, innermost Python frame or
 * the caller's caller, caller], outermost first, interned once per code path and remembered here. The analyzer groups a
 * partial stack with the full stacks of the same code path (their innermost native frame and innermost
 * Python frame) and shows how many of the group's descriptors had their stack sampled.
 *
 * Whenever the code path cannot be named cheaply — the fast walk hands the capture to libunwind, a signal
 * frame, a stack that ends within the short walk, Python frames not decided yet, a Python helper's frames waiting, the table full — the capture is
 * a full one, as outside always-on mode: never wrong, only dearer.
 *
 * The table: open addressing on a hash of (caller, Python frame, trace generation — a forked child's trace
 * starts its counts afresh), claimed by CAS; a slot's `seen` is only added to while it is below FIRST, so
 * past its first captures a code path's slot is read-only and threads share its cache line without
 * writing it. Static: 16384 slots × 16 bytes, pages touched as slots are used. */
#define _GNU_SOURCE
#include <string.h>

#include "shim.h"

#define PATH_SLOTS 16384u
#define PATH_PROBES 32u
#define SHORT_WALK 10 /* the shim's own frames (6 or 7: hook, recorder, stack switch, this) and two more */

struct path_slot {
    _Atomic uint64_t key;     /* 0: empty */
    _Atomic uint32_t seen;    /* captures counted, up to sample_first */
    _Atomic uint32_t partial; /* its partial stack's id (0: not interned yet) */
};
static struct path_slot paths[PATH_SLOTS];

/* Per thread: the random state and captures left until the next sampled one (0: draw). */
static __thread uint64_t sample_random __attribute__((tls_model("initial-exec")));
static __thread uint32_t sample_countdown __attribute__((tls_model("initial-exec")));

void fdh_sampling_trace_started(void) {
    if (fdh_state.config.always_on) {
        __atomic_fetch_or(&fdh_state.trace.header->flags, FDH_HEADER_FLAG_ALWAYS_ON, __ATOMIC_RELEASE);
    }
}

static uint64_t path_key(uint64_t caller, uint64_t second, int has_python) {
    uint64_t h = caller * 0x9E3779B97F4A7C15ull ^ (second + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^
                 fdh_trace_generation << 48 ^ (uint64_t)has_python << 47;
    h ^= h >> 31;
    return h | 1;
}

static struct path_slot *path_slot(uint64_t key) {
    for (uint32_t probe = 0, i = (uint32_t)(key >> 32) & (PATH_SLOTS - 1); probe < PATH_PROBES;
         probe++, i = (i + 1) & (PATH_SLOTS - 1)) {
        struct path_slot *slot = &paths[i];
        uint64_t held = atomic_load_explicit(&slot->key, memory_order_acquire);
        if (held == key) return slot;
        if (held == 0) {
            uint64_t expected = 0;
            if (atomic_compare_exchange_strong(&slot->key, &expected, key) || expected == key) return slot;
        }
    }
    return NULL;
}

/* Whether this capture (past its code path's first ones) is one of the sampled ones. */
static int sampled_now(void) {
    if (FDH_UNLIKELY(sample_countdown == 0)) {
        if (sample_random == 0) sample_random = ((uint64_t)fdh_tid() * 0x9E3779B97F4A7C15ull ^ fdh_now_ns()) | 1;
        sample_random ^= sample_random << 13; /* xorshift64 */
        sample_random ^= sample_random >> 7;
        sample_random ^= sample_random << 17;
        uint64_t every = fdh_state.config.sample_every;
        sample_countdown = (uint32_t)(1 + sample_random % (2 * every - 1));
    }
    return --sample_countdown == 0;
}

/* The code path's partial stack: [SAMPLED_OUT, Python frame or the caller's caller (none: 0), caller],
 * outermost first. */
static uint32_t partial_stack(struct path_slot *slot, uint64_t caller, uint64_t second, int has_python) {
    fdh_modules_check((uintptr_t)caller); /* the callers' objects must be in the module table */
    uint32_t stack = atomic_load_explicit(&slot->partial, memory_order_acquire); /* its nodes: published before */
    if (stack) return stack;
    if (second && !has_python) fdh_modules_check((uintptr_t)second);
    uint64_t ips[3] = {0, second, caller};
    uint16_t kinds[3] = {FDH_FRAME_SAMPLED_OUT, has_python ? FDH_FRAME_PYTHON : FDH_FRAME_RETURN_ADDRESS,
                         FDH_FRAME_RETURN_ADDRESS};
    if (!has_python && !second) {
        ips[1] = caller;
        kinds[1] = FDH_FRAME_RETURN_ADDRESS;
    }
    stack = fdh_intern_frames(ips, kinds, has_python || second ? 3 : 2);
    atomic_store_explicit(&slot->partial, stack, memory_order_release); /* every thread interns the same id */
    return stack;
}

/* Called at the start of a capture on the side stack (stack_capture.c). 1: the capture is this partial
 * stack (*stack); 0: take a full capture. */
__attribute__((noinline)) int fdh_sampling_partial(int opening, uint64_t hint, uint32_t *stack) {
    if (opening && fdh_python_hint_pending()) return 0; /* the helper's frames go with a full stack */
    void *buffer[SHORT_WALK];
    struct fdh_walk walk = {.hint = hint ^ 0x5A3C96E1u}; /* not the full walk's memo entry */
    fdh_in_capture = 1;
    int n = fdh_fast_backtrace(buffer, SHORT_WALK, &walk);
    fdh_in_capture = 0;
    /* libunwind's, a signal frame, or a stack that ended within the walk (a full capture is as cheap, and
     * the end of a stack is where the fast walk and libunwind may stop differently): a full capture. */
    if (n < SHORT_WALK || walk.crossed_signal) return 0;
    int first = 0;
    while (first < n && (uintptr_t)walk.frames[first] >= fdh_state.shim_text_start &&
           (uintptr_t)walk.frames[first] < fdh_state.shim_text_end) {
        first++;
    }
    if (first >= n) return 0;
    uint64_t caller = (uint64_t)(uintptr_t)walk.frames[first];
    uint64_t second = 0; /* the innermost Python frame, else the caller's caller (0: the stack ends) */
    int has_python = fdh_python_innermost(&second);
    if (has_python < 0) return 0;
    if (!has_python) {
        if (first + 1 >= n) return 0; /* more shim frames than expected: a full capture */
        /* As a full capture records it: its second frame, if the depth keeps one. */
        second = fdh_state.config.stack_depth >= 2 ? (uint64_t)(uintptr_t)walk.frames[first + 1] : 0;
    }
    struct path_slot *slot = path_slot(path_key(caller, second, has_python));
    if (!slot) return 0;
    uint32_t sample_first = fdh_state.config.sample_first;
    if (atomic_load_explicit(&slot->seen, memory_order_relaxed) < sample_first &&
        atomic_fetch_add_explicit(&slot->seen, 1, memory_order_relaxed) < sample_first) {
        return 0;
    }
    if (sampled_now()) return 0;
    *stack = partial_stack(slot, caller, second, has_python);
    return *stack != 0; /* 0: the node table is full; a full capture counts it as dropped */
}
