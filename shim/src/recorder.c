/* recorder.c — turns what a hook saw into trace records: an event in the log, the live-descriptor slot,
 * and the exact per-call-site counters.
 *
 * Ordering: an open reserves its sequence number after the real call returned; a close reserves its number
 * and updates the live table before the real close, because the moment the kernel frees the number another
 * thread may receive it, and its open must come later in the log and win the live slot.
 *
 * The live table and the call-site counters are what leak analysis reads, and they stay exact when the
 * event log wraps: only the log is allowed to lose records (overwritten by newer ones once it is full, or
 * dropped when their slot is busy, counted in header.events_dropped). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

/* The recorder's state: the one switch every hook reads, the mapped trace, and each thread's depth. */
struct fdh_state fdh_state;
__thread int fdh_depth __attribute__((tls_model("initial-exec")));
__thread uintptr_t fdh_scope_sp __attribute__((tls_model("initial-exec")));

/* The switch (shim.h): a static word until the first switch-on moves it into a wipe-on-fork page. */
static _Atomic int static_active;
_Atomic int *fdh_active_word = &static_active;

void fdh_set_active(int on) {
    _Atomic int *word = __atomic_load_n(&fdh_active_word, __ATOMIC_ACQUIRE);
    if (on && word == &static_active) {
        long page = syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page < 0 && page > -4096) {
            page = 0;
        } else if (syscall(SYS_madvise, page, 4096, MADV_WIPEONFORK) != 0) {
            syscall(SYS_munmap, page, 4096);
            page = 0;
        }
        if (page) {
            word = (_Atomic int *)page;
            __atomic_store_n(&fdh_active_word, word, __ATOMIC_RELEASE);
        }
    }
    atomic_store_explicit(word, on, memory_order_release);
}

/* ---- events ----------------------------------------------------------------------------------------- */

/* The event log is a ring: event seq lives at slot seq % capacity, so once it is full the newest events
 * overwrite the oldest (a leak late in a long run is diagnosed from the recent events; the live table and
 * the call-site counters keep the totals exact whatever the log lost). A writer claims its slot by CAS
 * on the commit word, from a published older lap (or never written) to BUSY, fills it and publishes its
 * own lap last (fdh_event_commit_word). A slot another writer owns (BUSY: a preempted writer one lap
 * behind, or a close waiting for its result) or that already holds a newer event is not waited for — the
 * hook stays lock-free — and the event is dropped and counted in events_dropped. A reader copies a slot
 * between two loads of the word (fdh_event_read) and keeps it only if the word did not change and names
 * the event's own lap. */
/* Slot and commit word of event seq: a shift and a mask for a power-of-two ring (the default capacity), not
 * a 64-bit division — several per event, at tens of cycles each. The same values as seq % capacity and
 * fdh_event_commit_word. */
static inline struct fdh_event *event_slot(const struct fdh_trace *t, uint64_t seq) {
    return &t->events[FDH_LIKELY(t->events_shift >= 0) ? seq & (t->events_capacity - 1) : seq % t->events_capacity];
}

static inline uint32_t commit_word(const struct fdh_trace *t, uint64_t seq) {
    uint64_t lap = FDH_LIKELY(t->events_shift >= 0) ? seq >> t->events_shift : seq / t->events_capacity;
    return (uint32_t)(FDH_LIKELY(lap < 0xFFFFFFFEu) ? lap : lap % 0xFFFFFFFEu) + 1u;
}

static struct fdh_event *claim_slot(struct fdh_trace *t, uint64_t seq) {
    struct fdh_event *e = event_slot(t, seq);
    if (!fdh_commit(e, sizeof *e)) return NULL; /* the disk is full */
    uint32_t word = __atomic_load_n(&e->commit, __ATOMIC_ACQUIRE);
    if (word == FDH_EVENT_BUSY) return NULL;
    /* A published slot: its seq is stable while the word stays (a writer changes the word first). */
    if (word != FDH_EVENT_UNPUBLISHED && __atomic_load_n(&e->seq, __ATOMIC_RELAXED) >= seq) return NULL;
    if (!__atomic_compare_exchange_n(&e->commit, &word, FDH_EVENT_BUSY, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
        return NULL;
    }
    return e;
}

/* This thread's event reserved and not yet published, inside a recording scope: a jump out of a signal
 * handler that abandons the scope (fdh_recorder_abandoned) publishes it as ABANDONED, so that its slot
 * does not stay BUSY for good (every later lap's event there dropped). Set as soon as the slot is claimed
 * and its seq stored; a jump in the two instructions before that leaves the slot BUSY, as before. One
 * pointer, not a stack: a handler that records while the scope it interrupted has a slot claimed takes
 * its place, and a second signal's jump out of that scope then leaves the outer slot BUSY; a FORK, kept
 * across the real fork like a close, is not followed either. */
static __thread struct fdh_event *reserving __attribute__((tls_model("initial-exec")));

/* The CLOSE reserved before a real close and published after it (fdh_record_close → fdh_finish_close),
 * across two scopes and the real call between them: its ticket, in the close hook's frame. A jump to a
 * target above the ticket abandons it (hooks_longjmp.c → fdh_close_abandoned). A handler's own close in
 * between keeps the outer one in its ticket and puts it back when it finishes. */
__thread const struct fdh_close_ticket *fdh_closing __attribute__((tls_model("initial-exec")));

static struct fdh_event *reserve_event(uint8_t type, uint8_t api, uint64_t *seq_out) {
    struct fdh_trace *t = &fdh_state.trace;
    uint64_t seq = __atomic_fetch_add(&t->header->events_next, 1, __ATOMIC_RELAXED);
    *seq_out = seq;
    /* The next events' slots, for writing: each event is a cache line of its own that the next writer
     * would otherwise wait for (a prefetch never faults, even on a page not committed yet). */
    __builtin_prefetch(event_slot(t, seq + 2), 1, 3);
    struct fdh_event *e = claim_slot(t, seq);
    if (!e) {
        __atomic_fetch_add(&t->header->events_dropped, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    /* Every field the caller does not set reads 0 (fd and fd2: -1, "none"); the commit word stays BUSY
     * until publish_event, so the older event this slot held can never show through half-overwritten. The
     * commit word is not written here (the CAS made it BUSY, and other writers load it concurrently), and
     * seq is stored atomically: a writer that loaded the old word before our CAS may still read it (its
     * own CAS then fails). seq first: from here on the slot can be published as ABANDONED. */
    __atomic_store_n(&e->seq, seq, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    reserving = e;
    e->type = type;
    e->api = api;
    e->kind = 0;
    e->owner = 0;
    e->fd = -1;
    e->fd2 = -1;
    e->result = 0;
    e->err = 0;
    e->time_ns = fdh_now_ns() - t->start_ns;
    e->tid = fdh_tid();
    e->stack = 0;
    e->str1 = 0;
    e->str2 = 0;
    e->arg = 0;
    return e;
}

/* The event's own time (read once, in reserve_event); the clock only when the log is full. */
static uint64_t event_time(const struct fdh_event *e) {
    return e ? e->time_ns : fdh_now_ns() - fdh_state.trace.start_ns;
}

static void publish_event(struct fdh_event *e) {
    if (!e) return;
    __atomic_store_n(&e->commit, commit_word(&fdh_state.trace, e->seq), __ATOMIC_RELEASE);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    reserving = NULL;
}

/* Publishes a slot this thread claimed and will never finish (a jump left the recording) as ABANDONED. */
static void publish_abandoned(struct fdh_event *e) {
    if (__atomic_load_n(&e->commit, __ATOMIC_ACQUIRE) != FDH_EVENT_BUSY) return;
    e->result = e->type;
    e->type = FDH_EVENT_ABANDONED;
    publish_event(e);
}

/* Takes back an event already published (an exec that failed and returned), if the ring has not
 * overwritten it and no writer owns it: the caller amends it and publishes it again. */
static struct fdh_event *reclaim_event(uint64_t seq) {
    struct fdh_trace *t = &fdh_state.trace;
    if (seq == UINT64_MAX) return NULL;
    struct fdh_event *e = event_slot(t, seq);
    uint32_t word = commit_word(t, seq);
    if (!__atomic_compare_exchange_n(&e->commit, &word, FDH_EVENT_BUSY, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
        return NULL;
    }
    if (e->seq != seq) { /* the same lap word on another event: cannot happen, but never amend it */
        __atomic_store_n(&e->commit, word, __ATOMIC_RELEASE);
        return NULL;
    }
    return e;
}

/* ---- live descriptors (seqlock per slot) ------------------------------------------------------------ */

static inline __attribute__((always_inline)) struct fdh_live_fd *live_slot(int fd) {
    struct fdh_trace *t = &fdh_state.trace;
    if (fd < 0) return NULL;
    if ((uint64_t)fd >= t->live_capacity) {
        __atomic_fetch_add(&t->header->live_dropped, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    struct fdh_live_fd *slot = fdh_live_at(t, (uint64_t)fd);
    if (!fdh_commit(slot, sizeof *slot)) {
        __atomic_fetch_add(&t->header->live_dropped, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    return slot;
}

/* The slot this thread is writing, if a jump out of a signal handler abandons the write half-way
 * (fdh_recorder_abandoned ends it); a handler's own write in between puts the outer one back. */
static __thread struct fdh_live_fd *live_writing __attribute__((tls_model("initial-exec")));

/* The version is written with plain stores, not atomic read-modify-writes: a locked instruction waits for
 * every store before it (four per open+close pair). It still only grows, is odd while a writer is inside and
 * ends even. A write that finds it odd is inside another one — a signal handler's inside its own thread's
 * write of the slot, or another thread's at once (a program closing a number another thread is opening) —
 * and moves it by 2 at both ends, keeping it odd for the write it found; the write that made it odd ends it
 * at the next even number. Either way it ends even, as with atomic adds; two threads' fields were
 * interleaved either way. */
struct live_write {
    struct fdh_live_fd *outer; /* the slot this thread was writing before (live_writing) */
    uint32_t inside;           /* the version was odd at the start: inside another write */
};

static inline __attribute__((always_inline)) struct live_write live_begin(struct fdh_live_fd *slot) {
    struct live_write w = {live_writing, 0};
    live_writing = slot;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    uint32_t version = __atomic_load_n(&slot->version, __ATOMIC_RELAXED);
    w.inside = version & 1;
    __atomic_store_n(&slot->version, version + (w.inside ? 2 : 1), __ATOMIC_RELAXED); /* odd: being written */
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the odd version before the fields (a seqlock's writer) */
    return w;
}

static inline __attribute__((always_inline)) void live_end(struct fdh_live_fd *slot, struct live_write w) {
    uint32_t version = __atomic_load_n(&slot->version, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->version, w.inside ? version + 2 : (version | 1) + 1, __ATOMIC_RELEASE); /* even */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    live_writing = w.outer;
}

/* ---- call sites ------------------------------------------------------------------------------------- */

/* The call-site table is one table per shard (fdh_call_site): a thread counts its opens in its own, so
 * threads opening at one call site never add to one cache line; a close goes to the table its descriptor's
 * opening counted in (the live slot's `shard`), where the site's slot exists already. */
static struct fdh_call_site *site_probe(uint32_t stack, uint32_t shard, int create) {
    struct fdh_trace *t = &fdh_state.trace;
    struct fdh_call_site *table = t->sites + (uint64_t)shard * (t->sites_mask + 1);
    uint64_t slot = ((uint64_t)stack * 0x9E3779B97F4A7C15ull >> 17) & t->sites_mask;
    for (unsigned probe = 0; probe < 256; probe++, slot = (slot + 1) & t->sites_mask) {
        struct fdh_call_site *site = &table[slot];
        if (!fdh_commit(site, sizeof *site)) break; /* the disk is full */
        uint32_t owner = __atomic_load_n(&site->stack, __ATOMIC_ACQUIRE);
        if (owner == stack) return site;
        if (owner == 0) {
            if (!create) return NULL;
            uint32_t expected = 0;
            if (__atomic_compare_exchange_n(&site->stack, &expected, stack, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
                || expected == stack) {
                return site;
            }
        }
    }
    if (create) __atomic_fetch_add(&t->header->sites_dropped, 1, __ATOMIC_RELAXED);
    return NULL;
}

/* This thread's last call sites (in its scratch area, direct-mapped by stack id): a loop opens and closes
 * at a few sites, and a site's slot never moves once claimed, so a hit skips the hash, the probe and the
 * commit check. Used only by the outermost recording scope (a signal handler nested in the recorder goes to
 * the table): an entry is written with its stack 0 first, so a jump out of the recorder half-way through a
 * write leaves it empty, never naming another site. */
#define SITE_CACHE_ENTRIES 16u
struct site_cache {
    uint64_t trace_generation; /* a forked child's trace has other slots */
    struct {
        uint32_t stack, shard; /* stack 0: empty */
        struct fdh_call_site *site;
    } entries[SITE_CACHE_ENTRIES];
};
_Static_assert(sizeof(struct site_cache) <= FDH_SCRATCH_SITE_SIZE, "site cache outgrew its scratch slot");

static struct fdh_call_site *site_for(uint32_t stack, uint32_t shard, int create) {
    if (stack == 0 || shard >= FDH_SHARDS) return NULL;
    char *scratch = fdh_depth == 1 ? fdh_side_stack_scratch(FDH_SCRATCH_SIZE) : NULL;
    if (FDH_UNLIKELY(!scratch)) return site_probe(stack, shard, create);
    struct site_cache *cache = (struct site_cache *)(void *)(scratch + FDH_SCRATCH_SITE_OFFSET);
    if (FDH_UNLIKELY(cache->trace_generation != fdh_trace_generation)) {
        for (unsigned i = 0; i < SITE_CACHE_ENTRIES; i++) cache->entries[i].stack = 0;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        cache->trace_generation = fdh_trace_generation;
    }
    __typeof__(&cache->entries[0]) entry = &cache->entries[stack % SITE_CACHE_ENTRIES];
    if (FDH_LIKELY(entry->stack == stack && entry->shard == shard)) return entry->site;
    struct fdh_call_site *site = site_probe(stack, shard, create);
    if (site) {
        entry->stack = 0;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        entry->shard = shard;
        entry->site = site;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        entry->stack = stack;
    }
    return site;
}

static void site_opened(uint32_t stack, uint64_t count) {
    struct fdh_call_site *site = site_for(stack, fdh_shard(), 1);
    if (!site) return;
    uint64_t opened = __atomic_add_fetch(&site->opened, count, __ATOMIC_RELAXED);
    uint64_t open_now = opened - __atomic_load_n(&site->closed, __ATOMIC_RELAXED);
    uint64_t peak = __atomic_load_n(&site->peak_open, __ATOMIC_RELAXED);
    while (open_now > peak &&
           !__atomic_compare_exchange_n(&site->peak_open, &peak, open_now, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

static void site_closed(uint32_t stack, uint32_t shard) {
    struct fdh_call_site *site = site_for(stack, shard, 0);
    if (site) __atomic_fetch_add(&site->closed, 1, __ATOMIC_RELAXED);
}

/* Marks a slot closed; a descriptor opened while traced counts as closed at its call site. */
static void live_release(struct fdh_live_fd *slot) {
    if (LIVE_GET(slot, state) == FDH_LIVE_OPEN) site_closed(LIVE_GET(slot, stack), LIVE_GET(slot, shard));
    if (LIVE_GET(slot, state) != FDH_LIVE_CLOSED) fdh_evidence_closed();
    LIVE_SET(slot, state, FDH_LIVE_CLOSED);
}

static void note_highest(int fd) {
    uint64_t top = atomic_load_explicit(&fdh_state.highest_fd, memory_order_relaxed);
    while ((uint64_t)fd > top && !atomic_compare_exchange_weak(&fdh_state.highest_fd, &top, (uint64_t)fd)) {
    }
}

/* Fills slot `fd` for a descriptor that is now open (state OPEN, or INHERITED at start). */
static void live_fill(int fd, uint32_t state, const struct fdh_opened *o, uint32_t stack, uint64_t seq,
                      uint64_t time_ns) {
    struct fdh_live_fd *slot = live_slot(fd);
    note_highest(fd);
    if (!slot) return;
    struct live_write outer = live_begin(slot);
    /* Still marked open: it was closed behind our back (raw syscall, a path we cannot see). */
    live_release(slot);
    LIVE_SET(slot, state, state);
    LIVE_SET(slot, kind, o->kind);
    LIVE_SET(slot, owner, o->owner);
    LIVE_SET(slot, api, o->api);
    LIVE_SET(slot, cloexec, o->cloexec);
    LIVE_SET(slot, stack, stack);
    LIVE_SET(slot, str1, o->str1);
    LIVE_SET(slot, str2, o->str2);
    LIVE_SET(slot, tid, fdh_tid());
    LIVE_SET(slot, tcp_state, 0);
    LIVE_SET(slot, shard, (uint8_t)fdh_shard());
    LIVE_SET(slot, open_seq, seq);
    LIVE_SET(slot, time_ns, time_ns);
    live_end(slot, outer);
}

static void live_open(int fd, const struct fdh_opened *o, uint32_t stack, uint64_t seq, uint64_t time_ns) {
    live_fill(fd, FDH_LIVE_OPEN, o, stack, seq, time_ns);
}

/* ---- owners' own closes ------------------------------------------------------------------------------ */

/* Code that may close a descriptor its owner holds with a raw close() (libdbus closing its connection's
 * socket): not a misuse. Registered by the owner's hooks once they know where that code is. */
static uintptr_t owner_code_start[4], owner_code_end[4];

void fdh_set_owner_code(uint8_t owner, uintptr_t start, uintptr_t end) {
    if (owner >= 4) return;
    owner_code_start[owner] = start;
    owner_code_end[owner] = end;
}

static int closed_by_owner_code(uint8_t owner, uint32_t stack) {
    struct fdh_trace *t = &fdh_state.trace;
    if (owner >= 4 || owner_code_end[owner] == 0 || stack == 0 || stack > t->nodes_mask) return 0;
    uint64_t ip = t->nodes[stack].ip;
    return ip > owner_code_start[owner] && ip - 1 < owner_code_end[owner];
}

/* ---- what hooks call -------------------------------------------------------------------------------- */


void fdh_record_open(const struct fdh_opened *o) {
    uint32_t stack = fdh_capture_opening_stack();
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_OPEN, o->api, &seq);
    uint64_t time_ns = event_time(e);
    if (e) {
        e->kind = o->kind;
        e->owner = o->owner;
        e->fd = o->fd;
        e->fd2 = o->fd2;
        e->result = o->fd;
        e->stack = stack;
        e->str1 = o->str1;
        e->str2 = o->str2;
        e->arg = o->arg | (o->cloexec ? FDH_EVENT_ARG_CLOEXEC : 0);
    }
    /* The site's slot first: once the live slot says OPEN another thread may close the descriptor, and its
     * close is counted only in a slot that exists. */
    site_opened(stack, o->fd2 >= 0 ? 2 : 1);
    live_open(o->fd, o, stack, seq, time_ns);
    if (o->fd2 >= 0) live_open(o->fd2, o, stack, seq, time_ns);
    fdh_evidence_opened(o->fd2 >= 0 ? 2 : 1);
    publish_event(e);
}

void fdh_record_failure(uint8_t api, int err, uint64_t arg, uint32_t str1) {
    uint32_t stack = fdh_capture_stack();
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_FAILED, api, &seq);
    fdh_evidence_failure(api, err, stack);
    if (!e) return;
    e->result = -1;
    e->err = err;
    e->stack = stack;
    e->str1 = str1;
    e->arg = arg;
    publish_event(e);
}

static void record_misuse(uint8_t misuse, int fd, uint8_t owner, uint32_t stack, uint32_t description) {
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_MISUSE, FDH_API_CLOSE, &seq);
    if (!e) return;
    e->owner = owner;
    e->fd = fd;
    e->result = -1;
    e->stack = stack;
    e->str1 = description;
    e->arg = misuse;
    publish_event(e);
}

void fdh_record_close(uint8_t api, int fd, struct fdh_close_ticket *ticket) {
    uint32_t stack = fdh_capture_stack();
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_CLOSE, api, &seq);
    struct fdh_live_fd *slot = live_slot(fd);
    uint8_t kind = FDH_KIND_UNKNOWN, owner = FDH_OWNER_RAW;
    ticket->event = e ? seq : UINT64_MAX;
    if (e) { /* pending across the real close (`reserving` keeps naming it until then: see there) */
        ticket->outer = fdh_closing;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        fdh_closing = ticket;
    }
    ticket->stack = stack;
    ticket->was_open = 0;
    ticket->description = 0;
    if (slot) {
        struct live_write outer = live_begin(slot);
        kind = LIVE_GET(slot, kind);
        owner = LIVE_GET(slot, owner);
        ticket->was_open = LIVE_GET(slot, state) != FDH_LIVE_CLOSED;
        ticket->description = LIVE_GET(slot, str1); /* kept after close: names what a double close closed */
        live_release(slot);
        live_end(slot, outer);
    }
    /* A raw close() of a descriptor a FILE*, DIR* or connection owns: the owner will close the number
     * again later, when it may belong to someone else (the bug class Android's fdsan catches). */
    if (ticket->was_open && owner != FDH_OWNER_RAW && api == FDH_API_CLOSE &&
        !closed_by_owner_code(owner, stack)) { /* libdbus closing its own socket */
        record_misuse(FDH_MISUSE_CLOSE_OWNED, fd, owner, stack, ticket->description);
    }
    if (!e) return;
    e->kind = kind;
    e->owner = owner;
    e->fd = fd;
    e->stack = stack;
    e->str1 = ticket->description;
    e->arg = fdh_python_close_context(); /* finalizer, GC or shutdown close in CPython (ReclaimAnalysis) */
    /* published by fdh_finish_close once the result is known */
}

void fdh_finish_close(const struct fdh_close_ticket *ticket, int fd, int result, int err) {
    struct fdh_trace *t = &fdh_state.trace;
    if (ticket->event != UINT64_MAX) { /* its slot is still ours: BUSY since fdh_record_close */
        struct fdh_event *e = event_slot(t, ticket->event);
        e->result = result;
        e->err = result < 0 ? err : 0;
        fdh_closing = ticket->outer; /* a handler's close: the one it interrupted is pending again */
        publish_event(e);
    }
    /* EBADF from a descriptor we did not see open: closed twice, or never opened. */
    if (result < 0 && err == EBADF && !ticket->was_open && fd >= 0) {
        record_misuse(FDH_MISUSE_CLOSE_NOT_OPEN, fd, FDH_OWNER_RAW, ticket->stack, ticket->description);
    }
}

/* close_range/closefrom: every descriptor we know open in the range is closed (published at once). */
void fdh_record_close_range(uint8_t api, unsigned int first, unsigned int last, int cloexec_only) {
    struct fdh_trace *t = &fdh_state.trace;
    uint64_t top = atomic_load_explicit(&fdh_state.highest_fd, memory_order_relaxed);
    if (top >= t->live_capacity) top = t->live_capacity - 1;
    if (last > top) last = (unsigned int)top;
    for (uint64_t fd = first; fd <= last; fd++) {
        struct fdh_live_fd *slot = fdh_live_at(t, fd);
        if (!fdh_committed(slot, sizeof *slot)) continue; /* never written: closed */
        if (LIVE_GET(slot, state) == FDH_LIVE_CLOSED) continue;
        if (cloexec_only) {
            fdh_record_cloexec(api, (int)fd, 1);
            continue;
        }
        struct fdh_close_ticket ticket;
        fdh_record_close(api, (int)fd, &ticket);
        fdh_finish_close(&ticket, (int)fd, 0, 0);
    }
}

void fdh_record_cloexec(uint8_t api, int fd, int cloexec) {
    struct fdh_live_fd *slot = live_slot(fd);
    if (!slot || LIVE_GET(slot, state) == FDH_LIVE_CLOSED || LIVE_GET(slot, cloexec) == (cloexec != 0)) return;
    struct live_write outer = live_begin(slot);
    LIVE_SET(slot, cloexec, cloexec != 0);
    live_end(slot, outer);
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_CLOEXEC, api, &seq);
    if (!e) return;
    e->kind = LIVE_GET(slot, kind);
    e->owner = LIVE_GET(slot, owner);
    e->fd = fd;
    e->str1 = LIVE_GET(slot, str1);
    e->arg = cloexec != 0;
    publish_event(e);
}

/* A child process is about to be made; str1 = the program for posix_spawn. Reserved before the call (the
 * sequence number orders it after everything that happened before the child existed), published after. */
uint64_t fdh_record_fork_begin(uint8_t api, uint32_t program) {
    uint32_t stack = fdh_capture_stack();
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_FORK, api, &seq);
    if (e) {
        e->result = -1;
        e->stack = stack;
        e->str1 = program;
    }
    return seq;
}

void fdh_record_fork_end(uint64_t event, int pid, int err) {
    struct fdh_trace *t = &fdh_state.trace;
    if (event == UINT64_MAX) return;
    struct fdh_event *e = event_slot(t, event);
    if (!fdh_committed(e, sizeof *e)) return;
    /* Still ours (BUSY since fdh_record_fork_begin)? If the event was dropped (slot busy, disk full) the
     * slot belongs to another event, whose seq is not ours. */
    if (__atomic_load_n(&e->commit, __ATOMIC_ACQUIRE) != FDH_EVENT_BUSY || e->seq != event ||
        e->type != FDH_EVENT_FORK) {
        return;
    }
    e->result = pid;
    e->err = pid < 0 ? err : 0;
    publish_event(e);
}

/* Recorded before the real exec, which returns only on failure (fdh_exec_failed then). */
uint64_t fdh_record_exec(uint8_t api, const char *path) {
    uint32_t stack = fdh_capture_stack();
    uint32_t program = fdh_describe_path(path, FDH_PATH_BASE_CWD);
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_EXEC, api, &seq);
    struct fdh_header *h = fdh_state.trace.header;
    h->end_monotonic_ns = fdh_now_ns() - h->start_monotonic_ns;
    __atomic_store_n(&h->state, FDH_STATE_EXECED, __ATOMIC_RELEASE);
    if (!e) return UINT64_MAX;
    e->stack = stack;
    e->str1 = program;
    publish_event(e);
    return seq;
}

void fdh_exec_failed(uint64_t event, int err) {
    struct fdh_trace *t = &fdh_state.trace;
    __atomic_store_n(&t->header->state, FDH_STATE_RUNNING, __ATOMIC_RELEASE);
    t->header->end_monotonic_ns = 0;
    struct fdh_event *e = reclaim_event(event);
    if (e) {
        e->result = -1;
        e->err = err;
        publish_event(e);
    }
}

void fdh_record_dup(uint8_t api, int oldfd, int newfd, uint64_t arg, int cloexec) {
    uint32_t stack = fdh_capture_opening_stack();
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_DUP, api, &seq);
    struct fdh_opened copy = {.api = api, .kind = FDH_KIND_UNKNOWN, .owner = FDH_OWNER_RAW,
                              .cloexec = (uint8_t)cloexec, .fd = newfd, .fd2 = -1, .arg = arg};
    struct fdh_live_fd *source = live_slot(oldfd);
    if (source && LIVE_GET(source, state) != FDH_LIVE_CLOSED) {
        copy.kind = LIVE_GET(source, kind);
        copy.str1 = LIVE_GET(source, str1);
        copy.str2 = LIVE_GET(source, str2);
    }
    if (e) {
        e->kind = copy.kind;
        e->fd = oldfd;
        e->fd2 = newfd;
        e->result = newfd;
        e->stack = stack;
        e->str1 = copy.str1;
        e->str2 = copy.str2;
        e->arg = arg | (cloexec ? FDH_EVENT_ARG_CLOEXEC : 0);
    }
    /* dup2/dup3 onto an open descriptor closed it implicitly: live_open releases the old occupant. */
    site_opened(stack, 1); /* before the live slot, as in fdh_record_open */
    live_open(newfd, &copy, stack, seq, event_time(e));
    fdh_evidence_opened(1);
    publish_event(e);
}

void fdh_record_label(uint8_t api, int fd, uint32_t local, uint32_t peer, uint8_t kind) {
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_LABEL, api, &seq);
    struct fdh_live_fd *slot = live_slot(fd);
    if (slot && LIVE_GET(slot, state) != FDH_LIVE_CLOSED) {
        struct live_write outer = live_begin(slot);
        if (local) LIVE_SET(slot, str1, local);
        if (peer) LIVE_SET(slot, str2, peer);
        if (kind != FDH_KIND_UNKNOWN) LIVE_SET(slot, kind, kind);
        live_end(slot, outer);
    }
    if (!e) return;
    e->kind = slot ? LIVE_GET(slot, kind) : kind;
    e->owner = slot ? LIVE_GET(slot, owner) : FDH_OWNER_RAW;
    e->fd = fd; /* the opening stack is what matters; labels are cheap on purpose */
    e->str1 = local;
    e->str2 = peer;
    publish_event(e);
}

void fdh_record_owner(uint8_t api, int fd, uint8_t owner) {
    uint32_t stack = fdh_capture_stack();
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_OWNER, api, &seq);
    struct fdh_live_fd *slot = live_slot(fd);
    if (slot && LIVE_GET(slot, state) != FDH_LIVE_CLOSED) {
        struct live_write outer = live_begin(slot);
        LIVE_SET(slot, owner, owner);
        live_end(slot, outer);
    }
    if (!e) return;
    e->kind = slot ? LIVE_GET(slot, kind) : FDH_KIND_UNKNOWN;
    e->owner = owner;
    e->fd = fd;
    e->stack = stack;
    publish_event(e);
}

void fdh_record_inherited(const struct fdh_opened *o, uint32_t stack) {
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_INHERITED, o->api, &seq);
    live_fill(o->fd, FDH_LIVE_INHERITED, o, stack, seq, 0);
    fdh_evidence_opened(1);
    if (!e) return;
    e->kind = o->kind;
    e->owner = o->owner;
    e->fd = o->fd;
    e->result = o->fd;
    e->stack = stack;
    e->str1 = o->str1;
    e->str2 = o->str2;
    e->arg = o->cloexec;
    publish_event(e);
}

void fdh_record_exit(void) {
    struct fdh_header *h = fdh_state.trace.header;
    if (h->state != FDH_STATE_RUNNING) return; /* once: _exit after exit(), or after an exec record */
    fdh_snapshot_socket_states();
    uint64_t seq;
    struct fdh_event *e = reserve_event(FDH_EVENT_EXIT, FDH_API_STARTUP, &seq);
    if (e) {
        publish_event(e);
    }
    h->end_monotonic_ns = fdh_now_ns() - h->start_monotonic_ns;
    __atomic_store_n(&h->state, FDH_STATE_EXITED, __ATOMIC_RELEASE);
}

uint64_t fdh_record_event(const struct fdh_event *fields) {
    uint64_t seq;
    struct fdh_event *e = reserve_event(fields->type, fields->api, &seq);
    if (!e) return seq;
    e->kind = fields->kind;
    e->owner = fields->owner;
    e->fd = fields->fd;
    e->fd2 = fields->fd2;
    e->result = fields->result;
    e->err = fields->err;
    e->stack = fields->stack;
    e->str1 = fields->str1;
    e->str2 = fields->str2;
    e->arg = fields->arg;
    publish_event(e);
    return seq;
}

void fdh_live_adopt(int fd, uint8_t kind, uint8_t owner) {
    struct fdh_live_fd *slot = live_slot(fd);
    if (!slot || LIVE_GET(slot, state) == FDH_LIVE_CLOSED) return;
    struct live_write outer = live_begin(slot);
    LIVE_SET(slot, kind, kind);
    LIVE_SET(slot, owner, owner);
    live_end(slot, outer);
}

uint8_t fdh_live_kind(int fd) {
    struct fdh_trace *t = &fdh_state.trace;
    if (fd < 0 || (uint64_t)fd >= t->live_capacity) return FDH_KIND_UNKNOWN;
    const struct fdh_live_fd *slot = fdh_live_at(t, (uint64_t)fd);
    if (!fdh_committed(slot, sizeof *slot)) return FDH_KIND_UNKNOWN;
    return LIVE_GET(slot, state) == FDH_LIVE_CLOSED ? FDH_KIND_UNKNOWN : LIVE_GET(slot, kind);
}

uint32_t fdh_live_description(int fd) {
    struct fdh_trace *t = &fdh_state.trace;
    if (fd < 0 || (uint64_t)fd >= t->live_capacity) return 0;
    const struct fdh_live_fd *slot = fdh_live_at(t, (uint64_t)fd);
    if (!fdh_committed(slot, sizeof *slot)) return 0;
    return LIVE_GET(slot, state) == FDH_LIVE_CLOSED ? 0 : LIVE_GET(slot, str1);
}

/* A forked child: the slots this thread had claimed are the parent's, in its trace (unmapped soon). */
void fdh_recorder_forget_pending(void) {
    reserving = NULL;
    fdh_closing = NULL;
}

/* A jump left a close between its two halves (hooks_longjmp.c): its CLOSE is published as ABANDONED. (Only
 * the innermost: a handler's close that a second handler jumped out of, with the close the first handler
 * interrupted still pending too, leaves the outer one BUSY.) */
void fdh_close_abandoned(void) {
    struct fdh_trace *t = &fdh_state.trace;
    const struct fdh_close_ticket *ticket = fdh_closing;
    fdh_closing = NULL;
    if (!ticket || ticket->event == UINT64_MAX || !t->events) return;
    struct fdh_event *e = event_slot(t, ticket->event);
    /* Published here, and never again by fdh_recorder_abandoned: once published, another writer may take
     * the slot for the ring's next lap. */
    if (reserving == e) reserving = NULL;
    if (e->seq == ticket->event) publish_abandoned(e);
}

/* A signal handler left the recorder with a jump (hooks_longjmp.c): this thread's scopes are gone. What
 * they held is given back — the depth, the side stacks, a live slot left odd (ended as it is: the write
 * was for a descriptor the thread really holds or held), the event slot it had claimed (published as
 * ABANDONED: see `reserving`), and the capture caches a half-done capture may have left inconsistent. */
void fdh_recorder_abandoned(void) {
    if (reserving) publish_abandoned(reserving);
    reserving = NULL;
    struct fdh_live_fd *slot = live_writing;
    if (slot && (__atomic_load_n(&slot->version, __ATOMIC_ACQUIRE) & 1)) {
        __atomic_fetch_add(&slot->version, 1, __ATOMIC_RELEASE);
    }
    live_writing = NULL;
    fdh_side_stack_forget_caches();
    fdh_thread_busy = 0;
    fdh_in_capture = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    fdh_depth = 0;
}
