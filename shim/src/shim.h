/* shim.h — the shim's internal interface: the recorder's state and the calls hooks make into it.
 *
 * Rules every function declared here keeps (they run inside arbitrary programs, inside libc calls):
 *   - no malloc, no stdio, no locks that a signal handler or fork could leave held: only atomics, raw
 *     syscalls and writes into the trace mapping;
 *   - errno is the hook's business: hooks save it after the real call and restore it before returning;
 *   - nothing here touches a descriptor of the program (the trace mapping needs none after set-up).
 */
#ifndef FDHOUND_SHIM_H
#define FDHOUND_SHIM_H

#include <stdatomic.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdhound_trace.h"

/* Interposed functions must be visible although the library is built with -fvisibility=hidden:
 * without this the shim loads and silently intercepts nothing. */
#define FDH_EXPORT __attribute__((visibility("default")))
#define FDH_LIKELY(x) __builtin_expect(!!(x), 1)
#define FDH_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- the mapped trace ------------------------------------------------------------------------------- */

/* Pointers into the mapping, filled once by trace_file.c before recording is switched on. */
struct fdh_trace {
    struct fdh_header *header;
    char *strings;                 uint64_t strings_capacity;   /* bytes */
    _Atomic uint32_t *string_index; uint64_t string_index_mask; /* capacity - 1 (power of two) */
    struct fdh_module *modules;    uint64_t modules_capacity;
    struct fdh_stack_node *nodes;  uint64_t nodes_mask;         /* capacity - 1 (power of two) */
    struct fdh_event *events;      uint64_t events_capacity;
    int events_shift;              /* log2(events_capacity) when a power of two (the default), else -1 */
    uint64_t start_ns;             /* header->start_monotonic_ns, kept here: the header's line with events_next
                                    * is the one other threads take on every event */
    struct fdh_live_fd *live;      uint64_t live_capacity;      /* FDH_LIVE_FD_STRIDE apart: fdh_live_at */
    struct fdh_call_site *sites;   uint64_t sites_mask;         /* one shard's table: capacity / FDH_SHARDS - 1 */
    struct fdh_shard *shards;      /* section 13: FDH_SHARDS of them */
    struct fdh_dbus_connection *dbus; uint64_t dbus_mask;       /* capacity - 1 (power of two) */
    struct fdh_py_code *py_codes;  uint64_t py_codes_mask;      /* capacity - 1 (power of two) */
    struct fdh_evidence *evidence; /* section 11 */
    struct fdh_environment *environment; /* section 12 */
    void *base;                    uint64_t size;
};

/* Every access to a live slot's fields is a relaxed atomic (a plain move on x86): the slots are seqlocks
 * read by other threads (the fork snapshot, the exit scan) while a writer may be inside, and a seqlock is
 * free of data races in C11's model — and under ThreadSanitizer — only if its data accesses are atomic too
 * (Boehm, "Can seqlocks get along with programming language memory models?", 2012). */
#define LIVE_GET(slot, field) __atomic_load_n(&(slot)->field, __ATOMIC_RELAXED)
#define LIVE_SET(slot, field, value) __atomic_store_n(&(slot)->field, (value), __ATOMIC_RELAXED)

/* Slot `fd` of the live table: slots are FDH_LIVE_FD_STRIDE apart (a cache line each), not sizeof apart. */
static inline struct fdh_live_fd *fdh_live_at(const struct fdh_trace *t, uint64_t fd) {
    return (struct fdh_live_fd *)(void *)((char *)t->live + fd * FDH_LIVE_FD_STRIDE);
}

/* How many shards the per-thread counters are split into (section 13, and as many call-site tables): threads
 * take shards in turn (fdh_shard), so up to this many threads running at once never add to one cache line. */
#define FDH_SHARDS 8u

/* Sizes chosen from the environment (config.c). */
struct fdh_config {
    char output_dir[512];
    uint32_t stack_depth;
    uint64_t event_capacity;
    uint64_t max_fds;
    uint64_t stack_nodes;   /* power of two */
    uint64_t string_bytes;
    uint64_t string_slots;  /* power of two */
    uint64_t call_sites;    /* power of two */
    uint64_t modules;
    uint64_t py_codes;      /* power of two: CPython code objects kept (section 8) */
    int python;             /* 0: FDHOUND_PYTHON=0, record native frames only */
    uint64_t dbus_connections; /* power of two */
    uint32_t snapshot_permille; /* FDHOUND_SNAPSHOT_AT: live count / soft limit that takes a snapshot */
    int unwind_verify;      /* FDHOUND_UNWIND_VERIFY=1: both unwinders walk every capture (tests) */
    int always_on;          /* FDHOUND_ALWAYS_ON=1: stacks sampled per code path (sampling.c) */
    uint32_t sample_first;  /* FDHOUND_SAMPLE_FIRST: full stacks per code path before sampling */
    uint32_t sample_every;  /* FDHOUND_SAMPLE_EVERY: then one full stack in this many, on average */
};

/* Global recorder state. The switch every hook reads is fdh_is_active() (below). */
struct fdh_state {
    _Atomic uint64_t highest_fd;   /* highest descriptor number seen: bounds close_range scans */
    int no_stacks;                 /* forked from a multithreaded parent: never unwind here */
    struct fdh_trace trace;
    struct fdh_config config;
    uintptr_t shim_text_start, shim_text_end; /* frames inside the shim are dropped */
    pid_t pid;
};
extern struct fdh_state fdh_state;

/* The one switch every hook reads. It is a word in a page of its own marked MADV_WIPEONFORK (recorder.c):
 * the kernel gives every child made without CLONE_VM — fork, _Fork, and a raw clone or fork system call
 * that no hook ever sees — a zeroed copy of that page, so such a child reads "off" and never writes into
 * its parent's trace, at the cost of one more load per call; only the fork hook's set-up switches its
 * child on again, with a trace of its own. Until the first switch-on, and where the kernel lacks
 * MADV_WIPEONFORK (before 4.14: then the hooks on fork, _Fork and clone are all that keeps children off),
 * a static word. */
extern _Atomic int *fdh_active_word;
static inline int fdh_is_active(void) {
    return atomic_load_explicit(__atomic_load_n(&fdh_active_word, __ATOMIC_ACQUIRE), memory_order_acquire);
}
void fdh_set_active(int on);

/* ---- the recording scope ----------------------------------------------------------------------------- */

/* Per thread: how many recording scopes are open on this thread (recorder.c). 0 outside the shim; 1 inside an
 * ordinary hook; more than 1 only when a signal handler interrupted this thread inside the recorder and
 * called a hooked function itself. Negative (FDH_DEPTH_UNTRACED) while this thread's memory is borrowed by a
 * vfork child (hooks_vfork.S): the child shares the parent's memory and must record nothing, and the parent
 * puts its own depth back when it resumes. initial-exec TLS: no __tls_get_addr call, which could allocate;
 * valid because the shim is loaded at start-up. */
extern __thread int fdh_depth __attribute__((tls_model("initial-exec")));
#define FDH_DEPTH_UNTRACED (-(1 << 24))

/* One scope around the recording part of a hook (always after the real call, never around it):
 *
 *     FDH_RECORDING { fdh_record_open(&o); }
 *
 * The body runs only while tracing is on. errno is saved on entry — it is the real call's outcome, which
 * the program must see, and the body reads it as FDH_SAVED_ERRNO — and restored when the scope ends,
 * however it ends (the cleanup attribute also covers a return from inside the body).
 *
 * A nested scope (a signal handler's own open/close while this thread was inside the recorder) records
 * its call too — a handler's close must never be swallowed — but without a stack: the interrupted capture
 * owns this thread's unwinder state (fdh_capture_stack). The recorder's shared structures are lock-free and
 * take any interleaving, so a nested record is like one from another thread. */
struct fdh_scope {
    int entered;
    int done;
    int saved_errno;
    int depth_before;
    uintptr_t sp_before;
};

/* Per thread: the stack pointer where this thread's outermost open recording scope was entered (depth 0 → 1;
 * recorder.c). A signal handler that interrupted the recorder and leaves it with siglongjmp abandons the
 * scopes below its jump target: the longjmp hooks compare the target with this (hooks_longjmp.c). */
extern __thread uintptr_t fdh_scope_sp __attribute__((tls_model("initial-exec")));

static inline uintptr_t fdh_stack_pointer(void) {
#if defined(__x86_64__)
    uintptr_t sp;
    __asm__("mov %%rsp, %0" : "=r"(sp));
    return sp;
#else
    return (uintptr_t)__builtin_frame_address(0);
#endif
}

/* The stack pointer is stored before the depth says a scope is open, and put back before the depth says it
 * closed: whenever the depth is above 0, fdh_scope_sp names the outermost scope, even if a handler's own
 * scope began and ended in between. */
/* Calls that may create a descriptor, per thread, in memory a forked child shares (side_stack.c). The serial
 * says where the thread is: ≡1 (mod 4) inside the real call, ≡3 returned from it and recording it, ≡0 done
 * (the recording scope after the call closed); each call takes the next multiple of 4. A child that
 * inherited a descriptor whose opening the parent has not recorded yet waits while such a call may still
 * record it (fork_inheritance.c). */
struct fdh_flight {
    _Atomic uint32_t tid;
    _Atomic uint32_t serial;
};
extern __thread struct fdh_flight *fdh_flight __attribute__((tls_model("initial-exec")));
char *fdh_side_stack_area(void);

static inline void fdh_flight_begin(void) {
    struct fdh_flight *f = fdh_flight;
    if (FDH_UNLIKELY(!f)) {
        if (!fdh_is_active() || !fdh_side_stack_area()) return; /* this thread's area brings its flight word */
        f = fdh_flight;
        if (!f) return;
    }
    uint32_t serial = atomic_load_explicit(&f->serial, memory_order_relaxed);
    atomic_store_explicit(&f->serial, (serial | 3) + 2, memory_order_relaxed); /* the next call, in it */
}

static inline void fdh_flight_returned(void) {
    struct fdh_flight *f = fdh_flight;
    if (!f) return;
    uint32_t serial = atomic_load_explicit(&f->serial, memory_order_relaxed);
    if ((serial & 3) == 1) atomic_store_explicit(&f->serial, serial + 2, memory_order_relaxed);
}

static inline void fdh_flight_end(void) {
    struct fdh_flight *f = fdh_flight;
    if (!f) return;
    uint32_t serial = atomic_load_explicit(&f->serial, memory_order_relaxed);
    if (serial & 3) atomic_store_explicit(&f->serial, (serial | 3) + 1, memory_order_release); /* after the record */
}

static inline struct fdh_scope fdh_scope_open(void) {
    struct fdh_scope scope = {0, 0, errno, 0, 0};
    int depth = fdh_depth;
    if (FDH_LIKELY(fdh_is_active() && depth >= 0)) {
        scope.entered = 1;
        scope.depth_before = depth;
        if (FDH_LIKELY(depth == 0)) {
            scope.sp_before = fdh_scope_sp;
            fdh_scope_sp = fdh_stack_pointer();
        }
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        fdh_depth = depth + 1;
    }
    return scope;
}

static inline void fdh_scope_close(struct fdh_scope *scope) {
    if (!scope->entered) return;
    if (scope->depth_before == 0) {
        fdh_scope_sp = scope->sp_before;
        fdh_flight_end();
    }
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    fdh_depth = scope->depth_before;
    errno = scope->saved_errno;
}

#define FDH_RECORDING                                                                                     \
    for (struct fdh_scope fdh_scope __attribute__((cleanup(fdh_scope_close))) = fdh_scope_open();        \
         fdh_scope.entered && !fdh_scope.done; fdh_scope.done = 1)
#define FDH_SAVED_ERRNO (fdh_scope.saved_errno)

/* ---- recorder API (recorder.c): called by hooks between fdh_enter and fdh_leave ---------------------- */

/* What a creating call produced, described once so every hook reports the same way. */
struct fdh_opened {
    uint8_t api;       /* enum fdh_api */
    uint8_t kind;      /* enum fdh_fd_kind */
    uint8_t owner;     /* enum fdh_fd_owner */
    uint8_t cloexec;
    int fd, fd2;       /* fd2 >= 0 for pairs (pipe, socketpair) */
    uint64_t arg;      /* flags */
    uint32_t str1, str2; /* string ids (describe.c) */
};

void fdh_record_open(const struct fdh_opened *opened);
void fdh_record_failure(uint8_t api, int err, uint64_t arg, uint32_t str1);
/* A close is recorded in two steps: before the real close (live table, event reserved) and after it
 * (result published; EBADF on a descriptor we did not see open becomes a misuse event). */
struct fdh_close_ticket {
    uint64_t event;       /* seq of the reserved event (its slot stays BUSY until finished); UINT64_MAX: none */
    uint32_t stack;
    uint32_t description; /* what the descriptor was, as last known */
    uint8_t was_open;
    const struct fdh_close_ticket *outer; /* the close this one interrupted (a handler's), pending again after */
};
void fdh_record_close(uint8_t api, int fd, struct fdh_close_ticket *ticket);
/* A ticket for "nothing recorded" (tracing off, or no descriptor): finishing it does nothing. */
#define FDH_NO_CLOSE ((struct fdh_close_ticket){.event = UINT64_MAX, .stack = 0, .description = 0, .was_open = 1})
/* Called inside a recording scope after the real call: publishes the event reserved by fdh_record_close. */
void fdh_finish_close(const struct fdh_close_ticket *ticket, int fd, int result, int err);
void fdh_record_close_range(uint8_t api, unsigned int first, unsigned int last, int cloexec_only);
void fdh_record_cloexec(uint8_t api, int fd, int cloexec);
/* A child process is being made: the FORK event is reserved with its stack before the real call (returns
 * its sequence number) and published after it by fdh_record_fork_end with the child's pid (or -1, err). */
uint64_t fdh_record_fork_begin(uint8_t api, uint32_t program);
void fdh_record_fork_end(uint64_t event, int pid, int err);
uint64_t fdh_record_exec(uint8_t api, const char *path);
void fdh_exec_failed(uint64_t event, int err);
void fdh_record_dup(uint8_t api, int oldfd, int newfd, uint64_t arg, int cloexec);
void fdh_record_label(uint8_t api, int fd, uint32_t local, uint32_t peer, uint8_t kind);
void fdh_record_owner(uint8_t api, int fd, uint8_t owner);
/* A descriptor open when tracing started; stack is the opening stack when known (a forked parent's). */
void fdh_record_inherited(const struct fdh_opened *o, uint32_t stack);
void fdh_record_exit(void);
/* An event that is not a descriptor call (D-Bus connections): type, api, kind, owner, fd, fd2, result, err,
 * stack, str1, str2 and arg are copied from `fields`; seq, tid and time are filled in. Returns the sequence
 * number, reserved even when the log is full (it still orders the D-Bus connection table exactly). */
uint64_t fdh_record_event(const struct fdh_event *fields);
/* Gives an open descriptor a new kind and owner (a D-Bus connection's socket), without an event. */
void fdh_live_adopt(int fd, uint8_t kind, uint8_t owner);
/* Code that may close its owner's descriptors with a raw close() without that being a misuse. */
void fdh_set_owner_code(uint8_t owner, uintptr_t start, uintptr_t end);
/* Kind of an open descriptor as the live table knows it (FDH_KIND_UNKNOWN if not). */
uint8_t fdh_live_kind(int fd);
uint32_t fdh_live_description(int fd);

/* ---- building blocks -------------------------------------------------------------------------------- */

/* string_table.c: intern bytes; returns a string id, 0 when the arena is full. */
uint32_t fdh_intern(const char *bytes, size_t length);
uint32_t fdh_intern_cstr(const char *s);

/* stack_capture.c */
int fdh_unwinder_init(int attached);   /* dlopen libunwind (or fall back), warm it up; 0 on success */
void fdh_unwinder_fall_back(void);     /* glibc backtrace() from now on (libunwind gave its pipe back) */
uint32_t fdh_capture_stack(void);      /* capture, drop shim frames, intern; returns a stack id or 0 */
uint32_t fdh_capture_opening_stack(void); /* the same for a call that creates a descriptor (takes helper frames) */
uint32_t fdh_intern_frames(const uint64_t *ips, const uint16_t *kinds, int count); /* outermost first */
uint32_t fdh_intern_frames_innermost_first(const uint64_t *ips, const uint16_t *kinds, int count);
void fdh_intern_nested_stack(void);    /* a new trace: the stack of calls nested in the recorder */
void fdh_unwind_verify_report(void);   /* at exit, with FDHOUND_UNWIND_VERIFY=1: how many captures agreed */
/* fast_unwind.c: the capture's fast path (per-thread cache of unwind rules by return address) */
void fdh_fast_unwind_init(void);
void fdh_fast_unwind_invalidate(void); /* empties every thread's rule cache and stack memo */
void fdh_fast_unwind_objects_changed(void); /* after dlopen/dlclose: invalidate if the loaded set changed */
extern _Atomic uint64_t fdh_fast_unwind_rules_read; /* CFI reads, counted with FDHOUND_UNWIND_VERIFY=1 */
extern _Atomic uint64_t fdh_fast_unwind_walks_reused; /* walk memo hits, counted with FDHOUND_UNWIND_VERIFY=1 */
/* fast_backtrace.S: frames innermost first (the shim's own included) and a hash of them; -1: libunwind must
 * do this capture; FDH_FAST_UNWIND_AT_SIGNAL(n) (<= -2): the capture runs in a signal handler, frames[]
 * holds the n frames up to and including the (first) signal trampoline, and the fast walk could not step
 * some frame below it: libunwind must do the rest. */
#define FDH_FAST_UNWIND_AT_SIGNAL(n) (-2 - (n))
struct fdh_walk {
    uint64_t hint;        /* in: picks the walk memo's set (fast_unwind.c); any value is correct, a call site's is fast */
    uint64_t hash;        /* out: a hash of the frames */
    void *const *frames;  /* out: where the frames are: the caller's array, or the walk memo's (read-only, valid
                           * until this thread's next capture) when the walk was reused */
    uint64_t *note;       /* out: NULL, or the walk memo's word for the caller about these frames (0 when they
                           * were walked afresh; kept while they are reused) */
    int crossed_signal;   /* out: the frames include a signal trampoline and what it interrupted */
};
int fdh_fast_backtrace(void **frames, int max, struct fdh_walk *walk);
int fdh_unwind_from(void **frames, int max, struct fdh_walk *walk, uint64_t ip, uint64_t sp, uint64_t rbp);
extern _Atomic uint64_t fdh_fast_unwind_generation; /* bumped by fdh_fast_unwind_invalidate */
extern _Atomic uint64_t fdh_signal_trampoline; /* glibc's signal return trampoline, once a fast walk met it; 0 before */
extern const char fdh_call_on_stack_return[]; /* side_stack_switch.S: where a capture crosses the switch */
static inline int fdh_is_stack_switch(uint64_t ip) { return ip == (uint64_t)(uintptr_t)fdh_call_on_stack_return; }
extern __thread int fdh_in_capture __attribute__((tls_model("initial-exec"))); /* inside the unwinder */
extern uint64_t fdh_trace_generation;

/* tracer_pipe.c: libunwind's validation pipe, parked at the top of the descriptor range */
int fdh_tracer_pipe_prepare(void);                       /* 0: there is room to park (else no libunwind) */
void fdh_tracer_pipe_set_unwinder(const void *function); /* where libunwind's code is */
int fdh_called_by_unwinder(const void *return_address);  /* a pipe/close call made by libunwind itself */
int fdh_is_tracer_fd(int fd);
int fdh_tracer_pipe_above(long from);                    /* a parked number >= from */
void fdh_tracer_pipe_range(int *low, int *high);         /* parked numbers; -1 when none */
int fdh_tracer_pipe_yield(void);                         /* give the numbers to the program; 1 if any */
int fdh_tracer_pipe_yield_for_emfile(void);              /* the same, if the pair is under the limit */
void fdh_park_tracer_pipe(int fds[2]);                   /* libunwind made a pipe: move it up */
void fdh_tracer_pipe_find_unwinder_copy(void);           /* after the warm-up */
void fdh_tracer_pipe_release(void);                      /* after the warm-up: close it until libunwind walks again */
void fdh_tracer_pipe_limit_changed(void);                /* RLIMIT_NOFILE may have changed */
void fdh_tracer_pipe_publish(void);                      /* the numbers into the header (a new trace) */
int fdh_unwinder_close(int fd);                          /* libunwind closes a pipe end */

/* side_stack.c: per-thread stacks for the heavy part of a hook (unwinding, descriptions, fork set-up) */
void fdh_side_stacks_init(void);
const struct fdh_flight *fdh_flights(unsigned *count); /* every thread's flight word (a forked child: the parent's) */
void fdh_flights_after_fork(void);                     /* a forked child's own table, once it read the parent's */
int fdh_side_stack_holds(uintptr_t address); /* on this thread's side stacks or scratch */
int fdh_side_stack_depth_of(uintptr_t address); /* 1, 2: on that depth's side stack; 0: on neither */
uintptr_t fdh_side_stack_entry(int depth);   /* the program's stack pointer when that stack was entered */
void fdh_side_stack_forget_caches(void);     /* empties this thread's capture caches */
void fdh_recorder_abandoned(void);           /* recorder.c: a jump left the recorder (hooks_longjmp.c) */
void fdh_close_abandoned(void);              /* recorder.c: a jump left a close between its two halves */
void fdh_recorder_forget_pending(void);      /* recorder.c: a forked child's (the parent's slots) */
/* This thread's close between its two halves (fdh_record_close → fdh_finish_close), or NULL: its ticket,
 * which lies in the close hook's frame (so its address says whether a jump leaves that frame). */
extern __thread const struct fdh_close_ticket *fdh_closing __attribute__((tls_model("initial-exec")));
extern __thread char *fdh_thread_area __attribute__((tls_model("initial-exec")));
extern __thread unsigned char fdh_thread_busy __attribute__((tls_model("initial-exec")));
char *fdh_side_stack_area(void);                          /* this thread's area, made on first use */
char *fdh_side_stack_top(char *area, int depth);
uint64_t fdh_call_on_stack(uint64_t (*fn)(void *), void *arg, void *stack_top); /* side_stack_switch.S */

/* The scratch area's users: the stack cache (stack_capture.c) at 0, pending helper frames (python_hints.c),
 * the last path described (describe.c), the call-site cache (recorder.c), the fast unwinder's rule cache (fast_unwind.c) from the second
 * page on, the stack memo (stack_capture.c), the code memo (python_frames.c), the walk memo
 * (fast_unwind.c; its pages are touched only as deep as the stacks it remembers) and the Python stack memo
 * (python_frames.c; touched only by threads that run Python). */
#define FDH_SCRATCH_STACK_CACHE_SIZE 1024u
#define FDH_SCRATCH_HINT_OFFSET 1024u
#define FDH_SCRATCH_HINT_SIZE 1024u
#define FDH_SCRATCH_PATH_OFFSET 2048u
#define FDH_SCRATCH_PATH_SIZE 256u
#define FDH_SCRATCH_THREAD_OFFSET 2304u /* struct fdh_thread_flags: zeroed when a new thread takes the area */
#define FDH_SCRATCH_THREAD_SIZE 64u
#define FDH_SCRATCH_SITE_OFFSET 2432u   /* recorder.c: the call sites this thread counted at last */
#define FDH_SCRATCH_SITE_SIZE 512u
#define FDH_SCRATCH_UNWIND_OFFSET 4096u
#define FDH_SCRATCH_UNWIND_SIZE 20480u
#define FDH_SCRATCH_MEMO_OFFSET (FDH_SCRATCH_UNWIND_OFFSET + FDH_SCRATCH_UNWIND_SIZE)
#define FDH_SCRATCH_MEMO_SIZE 8192u
#define FDH_SCRATCH_CODE_MEMO_OFFSET (FDH_SCRATCH_MEMO_OFFSET + FDH_SCRATCH_MEMO_SIZE)
#define FDH_SCRATCH_CODE_MEMO_SIZE 8192u
#define FDH_SCRATCH_WALK_MEMO_OFFSET (FDH_SCRATCH_CODE_MEMO_OFFSET + FDH_SCRATCH_CODE_MEMO_SIZE)
#define FDH_SCRATCH_WALK_MEMO_SIZE 262144u
#define FDH_SCRATCH_PY_MEMO_OFFSET (FDH_SCRATCH_WALK_MEMO_OFFSET + FDH_SCRATCH_WALK_MEMO_SIZE)
#define FDH_SCRATCH_PY_MEMO_SIZE 65536u
#define FDH_SCRATCH_SIZE (FDH_SCRATCH_PY_MEMO_OFFSET + FDH_SCRATCH_PY_MEMO_SIZE)
/* This thread's scratch area (made on first use) if it holds `size` bytes, else NULL. Inline: a capture
 * asks for it several times. */
static inline void *fdh_side_stack_scratch(size_t size) {
    if (size > FDH_SCRATCH_SIZE) return NULL;
    return FDH_LIKELY(fdh_thread_area != NULL) ? fdh_thread_area : fdh_side_stack_area();
}
void fdh_side_stacks_after_fork(void);
/* What holds for this thread only, not for the next one to reuse its side-stack area. */
struct fdh_thread_flags {
    uint32_t libunwind_ready; /* libunwind has run on this thread: its dynamic TLS block is allocated */
    uint32_t reserved;
    uint64_t altstack_low, altstack_size; /* the thread's sigaltstack; size 0: none (fdh_on_side_stack) */
};
_Static_assert(sizeof(struct fdh_thread_flags) <= FDH_SCRATCH_THREAD_SIZE, "thread flags outgrew their slot");
void fdh_side_stack_altstack_changed(void); /* hooks_sigaltstack.c: reads this thread's sigaltstack again */
long fdh_syscall_error(long result);          /* hooks_seccomp.c: errno = -result, returns -1 (as libc's syscall) */
long fdh_raw_syscall5(long number, long a1, long a2, long a3, long a4, long a5); /* hooks_seccomp.c: libc's convention */
void fdh_stop_recording(uint32_t why);        /* attach.c: detach (why: 0) or a seccomp filter (FDH_HEADER_FLAG_SECCOMP) */

/* python_frames.c: CPython frames interleaved into a native stack (see the file comment).
 * `native` holds `count` native return addresses, innermost first, shim frames already dropped. Writes the
 * combined stack innermost first into ips/kinds (at most `max` frames) and returns its length, or -1 when
 * this event gets no Python frames (no CPython, not active, finalizing…): the caller keeps the native stack. */
/* The Python stack memo (python_frames.c): `hash` (in) picks its set, any value is correct (the fast walk's
 * hash of the native frames); on a hit fdh_python_merge sets `stack` (the id a full intern gives these
 * frames) and writes no frames; otherwise `entry` (if not NULL) waits for fdh_python_memo_store. */
struct fdh_py_memo_ref {
    uint64_t hash;
    uint32_t stack;
    void *entry;
};
int fdh_python_merge(void *const *native, int count, uint64_t *ips, uint16_t *kinds, int max,
                     struct fdh_py_memo_ref *memo);
void fdh_python_memo_store(const struct fdh_py_memo_ref *memo, uint32_t stack);
void fdh_python_start(void);                 /* constructor: look for a CPython (may dlsym-fail there) */
int fdh_python_native_only(void);            /* fdh_python_merge would return -1 at once, changing nothing */
int fdh_python_hint_pending(void);           /* helper frames wait for this thread's next opening capture */
uint64_t fdh_python_close_context(void);     /* FDH_CLOSE_PY_* bits for a CLOSE event, 0 outside CPython */
/* Frames from a Python-level helper (python_hints.c): a section-8 record per (file, name, line), the status
 * saying the helper runs, and the pending frames appended to an opening stack (returns the new count). */
uint32_t fdh_python_hint_code(const char *file, size_t file_length, const char *name, size_t name_length,
                              uint32_t line);
void fdh_python_helper_started(void);
int fdh_python_hint_take(uint64_t *ips, uint16_t *kinds, int count, int max);

/* string_table.c: stores bytes (binary allowed, up to 1 MiB) as a string record without interning. */
uint32_t fdh_store_blob(const void *bytes, size_t length);

/* module_map.c */
void fdh_modules_init(const char *exe_path);
void fdh_modules_refresh(void);        /* rescan if dl_iterate_phdr's generation moved (takes the loader lock) */
void fdh_modules_check(uintptr_t innermost); /* per capture, lock-free: rescan only when needed */
void fdh_modules_changed(void);        /* dlopen/dlclose happened */
void fdh_modules_reset(void);
void fdh_modules_copy_from(const struct fdh_trace *parent); /* a forked child's trace: same address space */

/* describe.c: human descriptions for the report, all into caller buffers */
#define FDH_PATH_BASE_CWD UINT32_MAX /* a relative path is relative to the current directory */
uint32_t fdh_describe_path(const char *path, uint32_t base); /* base: string id of the directory, see there */
/* The same for a path the kernel has not read (the call failed, or is not made yet): 0 when any byte of it
 * up to its NUL cannot be read, instead of a SIGSEGV the program would not have had untraced. */
uint32_t fdh_describe_unread_path(const char *path, uint32_t base);
int fdh_string_readable(const char *s); /* up to its NUL, checked page by page with the kernel; errno kept */
uint8_t fdh_socket_kind(int domain);
void fdh_describe_socket(int fd, uint32_t *local, uint32_t *peer, uint8_t *kind);
uint32_t fdh_describe_sockaddr(const void *addr, uint32_t length);
/* What a hook already knows of a socket's endpoints, so that the kernel is asked only for the rest: an
 * exact local endpoint (string id; 0 = unknown: getsockname), and whether the peer is known — then it is
 * the address the call passed or got back (NULL: none) — or must be asked for (getpeername). `kind` is the
 * caller's guess, refined by getsockname. */
struct fdh_socket_known {
    uint32_t local;
    int peer_known;
    const void *peer_address;
    uint32_t peer_length;
};
void fdh_describe_socket_known(int fd, const struct fdh_socket_known *known, uint32_t *local, uint32_t *peer,
                               uint8_t *kind);
/* The local endpoint every socket accepted from `listener` has (bound to one address or a unix path; 0 for
 * 0.0.0.0, [::] or unknown), and the listener's kind in *kind when there is one. */
uint32_t fdh_listener_endpoint(int listener, uint8_t *kind);
/* 1 if a connect's address is the peer getpeername would name: same family as the socket, not "any". */
int fdh_peer_address_is_exact(const void *addr, uint32_t length, uint8_t socket_kind);
uint32_t fdh_describe_fd(int fd, uint8_t *kind);

/* commit.c: disk blocks on demand (see the file comment). fdh_commit(p, n) before the first write of
 * [p, p+n) in the mapping; 0 means the disk is full: drop the record. */
struct fdh_commit_state {
    int lazy;                 /* 0: the whole file was fallocated at start */
    _Atomic int failed;       /* a commit failed (disk full) */
    void *base;
    uint64_t pages;
    uint64_t bitmap_bytes;
    _Atomic uint8_t *bits;    /* one bit per committed page, in the shim's own memory */
};
extern struct fdh_commit_state fdh_commit_state;
int fdh_commit_slow(uint64_t first, uint64_t last);
int fdh_commit_init(int fd, void *base, uint64_t size, const uint64_t *eager_offsets, const uint64_t *eager_sizes,
                    unsigned eager_count);
/* Whether [p, p+n) was ever committed — so it may be read. An uncommitted page was never written and
 * reads as zeros; reading it anyway could SIGBUS on a full tmpfs, which allocates pages even to read. */
static inline int fdh_committed(const void *address, size_t length) {
    struct fdh_commit_state *c = &fdh_commit_state;
    if (!c->lazy) return 1;
    uint64_t first = (uint64_t)((const char *)address - (const char *)c->base) >> 12;
    uint64_t last = (uint64_t)((const char *)address + length - 1 - (const char *)c->base) >> 12;
    for (uint64_t page = first; page <= last; page++) {
        if (page >= c->pages || !(atomic_load_explicit(&c->bits[page >> 3], memory_order_acquire) & (1u << (page & 7)))) {
            return 0;
        }
    }
    return 1;
}

static inline int fdh_commit(const void *address, size_t length) {
    struct fdh_commit_state *c = &fdh_commit_state;
    if (!c->lazy) return 1;
    uint64_t first = (uint64_t)((const char *)address - (const char *)c->base) >> 12;
    uint64_t last = (uint64_t)((const char *)address + length - 1 - (const char *)c->base) >> 12;
    if (FDH_LIKELY(first == last && first < c->pages &&
                   (atomic_load_explicit(&c->bits[first >> 3], memory_order_acquire) & (1u << (first & 7))))) {
        return 1;
    }
    return fdh_commit_slow(first, last);
}

/* trace_file.c */
int fdh_trace_create(const struct fdh_config *config, const char **failure);
void fdh_trace_publish(void);

/* fork_inheritance.c: what a forked child inherited, as the parent's trace knows it */
void fdh_snapshot_before_fork(void);                  /* in the parent, just before fork */
/* In the child, before its own trace exists (the commit bitmap still describes the parent's mapping). */
void fdh_inherit_prepare(const struct fdh_trace *parent, uint64_t fork_event);
/* In the child, for each descriptor it holds (o: what the kernel says): fills o (api, kind, owner,
 * descriptions) and *stack from the parent's record of this very descriptor, when there is one. */
void fdh_inherit_from_parent(const struct fdh_trace *parent, struct fdh_opened *o, uint32_t *stack);

/* lifecycle.c */
void fdh_start_recording(int attached);               /* after the trace file exists */
/* In the child, right after fork returned 0; fork_event: the parent's FORK event (reserved before the call). */
void fdh_start_forked_child(int parent_multithreaded, uint64_t fork_event);
int fdh_process_is_multithreaded(void);

/* socket_states.c: TCP state of open TCP sockets, into the live table (at exit) */
void fdh_snapshot_socket_states(void);

/* dbus_table.c: libdbus connections (section FDH_SECTION_DBUS), called by hooks_dbus.c under fdh_enter */
void fdh_dbus_opened(uint8_t api, uint64_t connection, uint8_t bus, int is_private, uint32_t address, int fd);
void fdh_dbus_referenced(uint64_t connection);
void fdh_dbus_unreferenced(uint64_t connection);
void fdh_dbus_closed(uint64_t connection);

/* dbus_endpoints.c: the buses' socket addresses (system bus paths, DBUS_SESSION_BUS_ADDRESS), read once at
 * start-up; a unix socket connected to one of them is a D-Bus connection made without libdbus. */
void fdh_dbus_endpoints_init(void);
int fdh_dbus_is_bus_endpoint(uint32_t peer); /* peer: string id as fdh_describe_sockaddr makes it */

/* evidence.c: snapshots near the descriptor limit (section 11) */
void fdh_evidence_start(void);                   /* after the trace exists: threshold from the soft limit */
void fdh_evidence_limit_changed(void);
void fdh_evidence_opened(uint64_t count);        /* count descriptors became open */
void fdh_evidence_closed(void);
void fdh_evidence_failure(uint8_t api, int err, uint32_t stack); /* a creating call failed */

/* got_patch.c: interposition after an attach (rewriting GOT slots of loaded objects) */
int fdh_got_prepare(void);       /* find the hooks' addresses; 0 on success */
void fdh_got_patch_all(void);    /* every loaded object not patched yet */
void fdh_got_restore(void);      /* detach: every slot back as it was */
int fdh_got_enabled(void);

/* config.c */
int fdh_config_load(struct fdh_config *config, const char **failure);
void fdh_config_given(const char *settings); /* attach.c: NAME=value settings read before the environment */

/* sampling.c: always-on mode's decision point in the capture (stack_capture.c) */
int fdh_sampling_partial(int opening, uint64_t hint, uint32_t *stack); /* 1: *stack is the capture's stack */
void fdh_sampling_trace_started(void);        /* a new trace (start, forked child): its header flag */
/* python_frames.c: the innermost Python frame as a FDH_FRAME_PYTHON node's ip; 1 found, 0 none (the merge
 * would record no Python frame either), -1 unknown (only a full capture can tell) */
int fdh_python_innermost(uint64_t *ip);

/* diag.c: the one line the shim may print, on descriptor 2 while it is still the original stderr */
void fdh_diag_remember_stderr(void);   /* constructor: what the original stderr is */
void fdh_diag(const char *what, const char *detail);

/* raw.c: helpers over raw syscalls, usable before anything is resolved */
uint64_t fdh_now_ns(void);             /* CLOCK_MONOTONIC */
/* The thread id and counter shard are read inline (several times per event): a TLS load and a test; the
 * first call in a thread goes out of line to fill the cache. */
extern __thread uint32_t fdh_cached_tid __attribute__((tls_model("initial-exec")));
extern __thread uint32_t fdh_cached_shard __attribute__((tls_model("initial-exec"))); /* shard + 1; 0 unassigned */
uint32_t fdh_tid_slow(void);
uint32_t fdh_shard_slow(void);
static inline uint32_t fdh_tid(void) {   /* cached per thread */
    uint32_t tid = fdh_cached_tid;
    return FDH_LIKELY(tid != 0) ? tid : fdh_tid_slow();
}
static inline uint32_t fdh_shard(void) { /* this thread's counter shard, < FDH_SHARDS; fixed per thread */
    uint32_t shard = fdh_cached_shard;
    return FDH_LIKELY(shard != 0) ? shard - 1 : fdh_shard_slow();
}
void fdh_tid_reset(void);              /* after fork */
size_t fdh_strlen(const char *s);
char *fdh_append(char *out, char *end, const char *s);
char *fdh_append_u64(char *out, char *end, uint64_t value);
/* Signals held off around code that takes a lock not ours (dlsym, dl_iterate_phdr, a libunwind walk): a
 * handler jumping out of it would leave the lock held. fdh_signals_hold returns the mask to put back. */
#define FDH_SIGNALS_NOT_HELD UINT64_MAX /* no mask was changed (never a real mask: SIGKILL is in it) */
uint64_t fdh_signals_hold(void);
void fdh_signals_release(uint64_t before);

/* Runs fn(arg) on this thread's side stack for the current depth; returns `unavailable` without running it
 * when there is none (too deeply nested, or no memory). Inline: one frame fewer for every capture to
 * unwind through.
 *
 * A hook called by a signal handler running on the thread's sigaltstack leaves it for the side stack, and
 * the kernel then sees the thread off its alternate stack: a second signal with SA_ONSTACK (another one, or
 * the same with SA_NODEFER) would be delivered at the sigaltstack's top, over the live frames of the
 * handler that called the hook — a program whose SIGALRM and SIGPROF handlers (SA_ONSTACK) opened and
 * closed crashed traced within a second (stack smashing, SIGSEGV) and never untraced. So while the side stack
 * is used from the sigaltstack, the program's signals are held: a signal arriving meanwhile is delivered
 * once the hook is back on the sigaltstack, below its frames, as untraced. The thread's sigaltstack is known
 * from when it took its area and from the sigaltstack hook (hooks_sigaltstack.c); one comparison here. */
static inline uint64_t fdh_on_side_stack(uint64_t (*fn)(void *), void *arg, uint64_t unavailable) {
    int depth = fdh_depth < 1 ? 1 : fdh_depth;
    if (depth > 2) return unavailable;
    unsigned char bit = (unsigned char)(1u << depth);
    if (fdh_thread_busy & bit) return fn(arg); /* already on this depth's side stack */
    char *area = FDH_LIKELY(fdh_thread_area != NULL) ? fdh_thread_area : fdh_side_stack_area();
    if (!area) return unavailable;
    const struct fdh_thread_flags *flags = (const struct fdh_thread_flags *)(const void *)(area + FDH_SCRATCH_THREAD_OFFSET);
    uintptr_t here;
    __asm__("mov %%rsp, %0" : "=r"(here));
    uint64_t held = FDH_SIGNALS_NOT_HELD;
    if (FDH_UNLIKELY(here - flags->altstack_low < flags->altstack_size)) held = fdh_signals_hold();
    fdh_thread_busy |= bit;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    uint64_t result = fdh_call_on_stack(fn, arg, fdh_side_stack_top(area, depth));
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    fdh_thread_busy &= (unsigned char)~bit;
    if (FDH_UNLIKELY(held != FDH_SIGNALS_NOT_HELD)) fdh_signals_release(held);
    return result;
}

#endif /* FDHOUND_SHIM_H */
