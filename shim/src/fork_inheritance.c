/* fork_inheritance.c — what a forked child inherited, as the parent's trace knows it: for each descriptor
 * the child holds, the parent's opening call, descriptions and stack, copied into the child's own trace.
 *
 * The child sees the truth (its descriptors; kind and text from /proc/self/fd, close-on-exec from
 * F_GETFD); the parent's trace says where each came from — but in a multithreaded parent other threads
 * keep opening and closing while fork happens, so three sources are weighed:
 *   - the snapshot: the parent's live table copied just before fork (fdh_snapshot_before_fork), each slot
 *     under its seqlock;
 *   - the parent's event log around the fork: the FORK event is reserved just before the real fork, and an
 *     open takes its sequence number after its real call, so the last opening of a number ordered before
 *     the FORK event was made before the fork; a close takes its number before its real call;
 *   - the openings the parent records after the FORK event: a thread whose open returned just before the
 *     fork may record it just after. When the log says the number was closed before the fork but the child
 *     holds it, and the last opening does not describe what the child holds, the child waits (a few
 *     milliseconds at most, only then) for that record to appear.
 * A record is used only if it agrees with the truth (kind, close-on-exec; for a raced number also the
 * description); otherwise the child records the descriptor without a stack rather than blame the wrong
 * code. Only raw syscalls and memory copies: the child of a multithreaded parent may exec at once. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

#define WINDOW_BEFORE_SNAPSHOT 1024u /* events before the snapshot a racing writer may have reserved */
#define WAIT_FOR_RECORDS_NS (20u * 1000u * 1000u)

/* ---- the snapshot (parent) ---------------------------------------------------------------------------- */

/* One live slot read consistently: the slots are seqlocks (version odd while a writer is inside;
 * recorder.c). Gives up (0) after a few tries — a writer interrupted inside the slot by a signal, or
 * preempted — and the caller treats the slot as unknown rather than copy half of two descriptors. */
static int read_live_slot(const struct fdh_live_fd *slot, struct fdh_live_fd *out) {
    _Static_assert(sizeof *slot % sizeof(uint32_t) == 0, "a slot is copied in 32-bit words");
    const uint32_t *from = (const uint32_t *)slot;
    uint32_t *to = (uint32_t *)out;
    for (int attempt = 0; attempt < 64; attempt++) {
        uint32_t before = __atomic_load_n(&slot->version, __ATOMIC_ACQUIRE);
        if (before & 1) continue;
        /* word by word with acquire loads (plain moves on x86): no load moves below the check, and no
         * fence, which ThreadSanitizer cannot follow */
        for (size_t i = 0; i < sizeof *slot / sizeof(uint32_t); i++) to[i] = __atomic_load_n(&from[i], __ATOMIC_ACQUIRE);
        if (__atomic_load_n(&slot->version, __ATOMIC_ACQUIRE) == before) return 1;
    }
    return 0;
}

/* The parent's live table as it was just before fork, in the parent's private memory (so the child gets
 * its own copy). Taken in the parent because the parent may close its copies the moment fork returns —
 * e.g. the unused pipe ends — while the child is still setting up its trace. */
static struct fdh_live_fd *fork_snapshot;
static uint64_t fork_snapshot_count;
static uint64_t snapshot_seq; /* the parent's events_next when the snapshot began */

void fdh_snapshot_before_fork(void) {
    struct fdh_trace *t = &fdh_state.trace;
    if (!t->live) return;
    if (!fork_snapshot) {
        void *memory = mmap(NULL, t->live_capacity * sizeof *fork_snapshot, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED) return;
        fork_snapshot = memory;
    }
    snapshot_seq = __atomic_load_n(&t->header->events_next, __ATOMIC_ACQUIRE);
    uint64_t count = atomic_load(&fdh_state.highest_fd) + 1;
    if (count > t->live_capacity) count = t->live_capacity;
    for (uint64_t fd = 0; fd < count; fd++) { /* slots never written read as zeros (closed) */
        if (!fdh_committed(&t->live[fd], sizeof t->live[fd]) || !read_live_slot(&t->live[fd], &fork_snapshot[fd])) {
            memset(&fork_snapshot[fd], 0, sizeof fork_snapshot[fd]);
        }
    }
    fork_snapshot_count = count;
}

/* ---- the log around the fork (child, before its own trace exists) ----------------------------------- */

/* Per descriptor number: the last event that opened it in [window start, FORK event), and whether a close
 * of it was ordered after that (and before the FORK event). In the child's private memory. */
struct window_entry {
    struct fdh_event opening; /* type 0: none in the window */
    uint8_t touched;          /* some event on this number in the window */
    uint8_t closed_after;     /* a close ordered after the opening */
};
static struct window_entry *window;
static uint64_t fork_event_seq = UINT64_MAX;
static uint64_t wait_deadline; /* for the whole set-up of this child, not per descriptor */

static int opens(const struct fdh_event *e, int fd) {
    return (e->type == FDH_EVENT_OPEN && (e->fd == fd || e->fd2 == fd)) || (e->type == FDH_EVENT_DUP && e->fd2 == fd);
}

/* A published event of the parent's log, copied; 0 if the slot cannot be trusted (or read safely). */
static int read_event(const struct fdh_trace *parent, uint64_t seq, int committed_known, struct fdh_event *out) {
    if (parent->events_capacity == 0) return 0;
    const struct fdh_event *e = &parent->events[seq % parent->events_capacity]; /* the log is a ring */
    if (committed_known) {
        if (!fdh_committed(e, sizeof *e)) return 0;
    } else { /* written after the fork: the page may be a hole (reading one can SIGBUS on a full tmpfs) */
        unsigned char resident = 0;
        uintptr_t page = (uintptr_t)e & ~(uintptr_t)4095;
        if (syscall(SYS_mincore, page, 4096, &resident) != 0 || !(resident & 1)) return 0;
    }
    /* The parent may be overwriting the slot (a later lap): a seqlock copy naming this seq's lap, or nothing. */
    uint32_t word = fdh_event_read(e, out);
    return word != FDH_EVENT_BUSY && out->seq == seq && word == fdh_event_commit_word(seq, parent->events_capacity);
}

void fdh_inherit_prepare(const struct fdh_trace *parent, uint64_t fork_event) {
    fork_event_seq = fork_event;
    window = NULL; /* a forked child's own children start over: nothing inherited from its set-up */
    wait_deadline = fdh_now_ns() + WAIT_FOR_RECORDS_NS;
    if (!fork_snapshot || fork_event == UINT64_MAX || !parent->events) return;
    long memory = syscall(SYS_mmap, NULL, fork_snapshot_count * sizeof *window, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory < 0 && memory > -4096) return;
    window = (struct window_entry *)memory;
    uint64_t first = snapshot_seq > WINDOW_BEFORE_SNAPSHOT ? snapshot_seq - WINDOW_BEFORE_SNAPSHOT : 0;
    for (uint64_t seq = first; seq < fork_event; seq++) {
        struct fdh_event e;
        if (!read_event(parent, seq, 1, &e)) continue;
        int fds[2] = {e.type == FDH_EVENT_DUP ? e.fd2 : e.fd, e.type == FDH_EVENT_OPEN ? e.fd2 : -1};
        for (int i = 0; i < 2; i++) {
            int fd = fds[i];
            if (fd < 0 || (uint64_t)fd >= fork_snapshot_count) continue;
            if (opens(&e, fd)) {
                window[fd].opening = e;
                window[fd].closed_after = 0;
                window[fd].touched = 1;
            } else if (e.type == FDH_EVENT_CLOSE && i == 0) {
                window[fd].closed_after = 1;
                window[fd].touched = 1;
            }
        }
    }
}

/* ---- the child's records ----------------------------------------------------------------------------- */

static uint32_t copy_string(const struct fdh_trace *parent, uint32_t id) {
    if (id == 0 || id >= parent->strings_capacity) return 0;
    const struct fdh_string *record = (const struct fdh_string *)(parent->strings + id);
    return fdh_intern((const char *)(record + 1), record->length);
}

/* Whether string `parent_id` of the parent's trace has the same bytes as `own_id` of this trace. */
static int same_text(const struct fdh_trace *parent, uint32_t parent_id, uint32_t own_id) {
    const struct fdh_trace *own = &fdh_state.trace;
    if (!parent_id || !own_id || parent_id >= parent->strings_capacity || own_id >= own->strings_capacity) return 0;
    const struct fdh_string *a = (const struct fdh_string *)(parent->strings + parent_id);
    const struct fdh_string *b = (const struct fdh_string *)(own->strings + own_id);
    return a->length == b->length && memcmp(a + 1, b + 1, a->length) == 0;
}

/* Kinds the kernel's own view (/proc/self/fd) can confirm: 0 says nothing, equal numbers are compatible. */
static int kind_family(uint8_t kind) {
    switch (kind) {
    case FDH_KIND_UNKNOWN: return 0;
    case FDH_KIND_PIPE: return 1;
    case FDH_KIND_SOCKET_UNIX: case FDH_KIND_SOCKET_INET: case FDH_KIND_SOCKET_INET6: case FDH_KIND_SOCKET_OTHER:
    case FDH_KIND_DBUS: return 2;
    case FDH_KIND_FILE: case FDH_KIND_DIRECTORY: case FDH_KIND_FIFO: case FDH_KIND_MEMFD: case FDH_KIND_PTY:
        return 3;
    default: return 16 + kind; /* eventfd, timerfd, epoll…: each its own */
    }
}

/* What the parent knew of one descriptor, from a live slot or an opening event. */
struct record {
    uint8_t api, kind, owner, cloexec;
    uint32_t stack, str1, str2;
};

static int agrees(const struct record *r, const struct fdh_opened *truth) {
    int known = kind_family(truth->kind), recorded = kind_family(r->kind);
    return !(known && recorded && known != recorded) && r->cloexec == truth->cloexec;
}

static struct record from_slot(const struct fdh_live_fd *slot) {
    return (struct record){slot->api, slot->kind, slot->owner, slot->cloexec, slot->stack, slot->str1, slot->str2};
}

static struct record from_event(const struct fdh_event *e) {
    return (struct record){e->api, e->kind, e->owner, (e->arg & FDH_EVENT_ARG_CLOEXEC) != 0, e->stack, e->str1,
                           e->str2};
}

/* Whether the child's own description of what it holds (o->str1: a path from /proc/self/fd) can tell two
 * openings apart: only for descriptors that have a path. */
static int text_comparable(const struct fdh_opened *truth) {
    return kind_family(truth->kind) == 3 && truth->str1 != 0;
}

static int fits(const struct fdh_trace *parent, const struct fdh_event *e, const struct fdh_opened *truth) {
    struct record r = from_event(e);
    return agrees(&r, truth) && (!text_comparable(truth) || same_text(parent, e->str1, truth->str1));
}

/* An opening of `fd` the parent recorded after the FORK event that fits what the child holds: made just
 * before the fork, recorded just after. `raced`: the log already says the number was closed before the
 * FORK event, so the child's opening must come (wait for it until the deadline); otherwise only records
 * already there count, and only after a close of the number (a real close between FORK event and fork). */
static int opening_after_fork(const struct fdh_trace *parent, const struct fdh_opened *truth, int raced,
                              struct fdh_event *out) {
    int fd = truth->fd;
    for (uint64_t seq = fork_event_seq + 1;;) {
        uint64_t end = __atomic_load_n(&parent->header->events_next, __ATOMIC_ACQUIRE);
        while (seq < end) {
            struct fdh_event e;
            if (!read_event(parent, seq, 0, &e)) break; /* not published yet */
            seq++;
            if (opens(&e, fd)) {
                if (!raced) return 0;
                if (fits(parent, &e, truth)) {
                    *out = e;
                    return 1;
                }
            } else if (e.type == FDH_EVENT_CLOSE && e.fd == fd) {
                raced = 1;
            }
        }
        if (!raced || fdh_now_ns() > wait_deadline) return 0;
        syscall(SYS_sched_yield);
    }
}

void fdh_inherit_from_parent(const struct fdh_trace *parent, struct fdh_opened *o, uint32_t *stack) {
    if (!fork_snapshot || o->fd < 0 || (uint64_t)o->fd >= fork_snapshot_count) return;
    const struct fdh_live_fd *slot = &fork_snapshot[o->fd];
    const struct window_entry *w = window ? &window[o->fd] : NULL;
    struct record r;
    struct fdh_event later;
    if (!w || !w->touched) { /* nothing happened to this number around the fork: the snapshot holds */
        if (slot->state == FDH_LIVE_CLOSED) return;
        r = from_slot(slot);
    } else if (w->opening.type && !w->closed_after) { /* opened before the FORK event, not closed then */
        if (!fits(parent, &w->opening, o) && opening_after_fork(parent, o, 0, &later)) r = from_event(&later);
        else r = from_event(&w->opening);
    } else if (w->opening.type && text_comparable(o) && fits(parent, &w->opening, o)) {
        r = from_event(&w->opening); /* closed before the FORK event, but its real close came after the fork */
    } else if (opening_after_fork(parent, o, 1, &later)) {
        r = from_event(&later); /* closed before the FORK event; reopened just before the fork */
    } else {
        return; /* cannot tell: no stack rather than the wrong one */
    }
    if (!agrees(&r, o)) return;
    o->api = r.api;
    o->owner = r.owner;
    if (r.kind != FDH_KIND_UNKNOWN) o->kind = r.kind;
    if (r.str1) o->str1 = copy_string(parent, r.str1);
    o->str2 = copy_string(parent, r.str2);
    uint64_t ips[FDH_MAX_STACK_DEPTH];
    uint16_t kinds[FDH_MAX_STACK_DEPTH];
    int count = 0;
    for (uint32_t id = r.stack; id != 0 && id <= parent->nodes_mask && count < (int)FDH_MAX_STACK_DEPTH;) {
        const struct fdh_stack_node *node = &parent->nodes[id];
        ips[count] = node->ip;
        kinds[count] = node->kind;
        count++;
        id = node->parent;
    }
    for (int i = 0; i < count / 2; i++) { /* innermost first → outermost first */
        uint64_t ip = ips[i]; ips[i] = ips[count - 1 - i]; ips[count - 1 - i] = ip;
        uint16_t k = kinds[i]; kinds[i] = kinds[count - 1 - i]; kinds[count - 1 - i] = k;
    }
    *stack = fdh_intern_frames(ips, kinds, count);
}
