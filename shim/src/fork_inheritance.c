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
 *     holds it, and the last opening does not describe what the child holds, the child waits for that
 *     record — only then, and only while it may still come: while a parent thread that was inside a call
 *     that may create a descriptor when the child looked (its flight word, shared memory: side_stack.c) is
 *     still in that call and running or runnable (/proc/PPID/task/TID/stat says R or D). A thread blocked
 *     in its call, stopped or gone records nothing soon, so the child stops waiting; a load that keeps the
 *     opener off the CPU only makes the wait longer (bounded at 5 s, for a handler that never returns).
 * A record is used only if it agrees with the truth (kind, close-on-exec; for a raced number also the
 * description); otherwise the child records the descriptor without a stack rather than blame the wrong
 * code. Only raw syscalls and memory copies: the child of a multithreaded parent may exec at once. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

#define WINDOW_BEFORE_SNAPSHOT 1024u /* events before the snapshot a racing writer may have reserved */
/* Only for a thread that never leaves its call while running (a signal handler looping forever in the
 * hook): every other wait ends when the record appears or no call that could make it is running. */
#define WAIT_FOR_RECORDS_NS (5000ull * 1000u * 1000u)
#define FLIGHTS_MAX 64u /* parent threads in a creating call at the fork that the child follows */
#define PAUSE_NS 20000 /* between looks at the parent's log: the CPU is the opener's to finish with */
#define ASLEEP_LIMIT_NS (100ull * 1000u * 1000u) /* a recording thread asleep this long: not coming soon */

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
        const struct fdh_live_fd *slot = fdh_live_at(t, fd);
        if (!fdh_committed(slot, sizeof *slot) || !read_live_slot(slot, &fork_snapshot[fd])) {
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
static uint64_t window_count; /* numbers the window covers: the parent's live table's capacity */
static uint64_t fork_event_seq = UINT64_MAX;
static uint64_t wait_deadline; /* for the whole set-up of this child, not per descriptor */

/* The parent's threads that were inside a call that may create a descriptor when this child looked first
 * (side_stack.c: flight words shared with the parent): one of them may hold an opening made before the fork
 * and not recorded yet. Each is followed while its serial is unchanged: the call is still in flight. */
struct followed_flight {
    const struct fdh_flight *word;
    uint32_t serial, tid;
    uint64_t asleep_since; /* when the child first saw it asleep (S) while recording; 0: not asleep */
};
static struct followed_flight followed[FLIGHTS_MAX];
static unsigned followed_count;
static int followed_overflow; /* more threads in flight than followed: wait for the deadline alone */
static pid_t parent_pid;

static void follow_flights(void) {
    unsigned count;
    const struct fdh_flight *words = fdh_flights(&count);
    followed_count = 0;
    followed_overflow = 0;
    for (unsigned i = 0; words && i < count; i++) {
        const struct fdh_flight *w = &words[i];
        if (w == fdh_flight) continue; /* this thread's own word: the thread that forked */
        uint32_t serial = atomic_load_explicit(&w->serial, memory_order_acquire);
        uint32_t tid = atomic_load_explicit(&w->tid, memory_order_acquire);
        if ((serial & 3) == 0 || tid == 0) continue;
        if (followed_count == FLIGHTS_MAX) {
            followed_overflow = 1;
            break;
        }
        followed[followed_count++] = (struct followed_flight){w, serial, tid, 0};
    }
}

static void append_number(char **p, uint64_t n) {
    char digits[24];
    int count = 0;
    do digits[count++] = (char)('0' + n % 10); while ((n /= 10) != 0);
    while (count) *(*p)++ = digits[--count];
}

/* The state letter of the parent's thread `tid` (/proc/PPID/task/TID/stat), 0 if it is gone. */
static char thread_state(uint32_t tid) {
    char path[64] = "/proc/", *p = path + 6;
    append_number(&p, (uint64_t)parent_pid);
    memcpy(p, "/task/", 6);
    p += 6;
    append_number(&p, tid);
    memcpy(p, "/stat", 6);
    long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char text[512];
    long n = syscall(SYS_read, fd, text, sizeof text - 1);
    syscall(SYS_close, fd);
    if (n <= 0) return 0;
    text[n] = 0;
    const char *end = strrchr(text, ')'); /* "tid (comm) S ...": comm may hold anything */
    return end && end[1] == ' ' ? end[2] : 0;
}

/* Whether an opening the parent has not recorded yet may still come from a followed thread:
 *   - its call ended (a later serial, or ≡0): no — its record, if it made one, is in the log;
 *   - it returned from the real call and records it: yes, whatever it waits for meanwhile (a lock, a page),
 *     unless it is stopped or gone, or asleep (S) for longer than ASLEEP_LIMIT_NS: the recorder's own
 *     sleeps are short (libunwind's lock), so a long one is a signal handler that interrupted the
 *     recording and waits (a "stop the world" handler in sigsuspend while another thread forks: the child
 *     waited out the 5 s bound, ~10 % of forks in redteam's suspended_fork);
 *   - it is inside the real call: only if it runs (R: it may have just come back from it, not marked yet;
 *     D: an uninterruptible wait). Asleep there (S: blocked in accept, say), its result is not one the
 *     child holds. */
static int opening_may_come(void) {
    if (fdh_now_ns() > wait_deadline) return 0;
    if (followed_overflow) return 1;
    for (unsigned i = 0; i < followed_count; i++) {
        uint32_t now = atomic_load_explicit(&followed[i].word->serial, memory_order_acquire);
        if ((now >> 2) != (followed[i].serial >> 2) || (now & 3) == 0) continue;
        char state = thread_state(followed[i].tid);
        if ((now & 3) == 3 && state == 'S') {
            uint64_t at = fdh_now_ns();
            if (followed[i].asleep_since == 0) followed[i].asleep_since = at;
            if (at - followed[i].asleep_since > ASLEEP_LIMIT_NS) continue;
            return 1;
        }
        followed[i].asleep_since = 0;
        if ((now & 3) == 3 ? state != 0 && state != 'T' && state != 't' && state != 'Z' && state != 'X'
                           : state == 'R' || state == 'D') {
            return 1;
        }
    }
    return 0;
}

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

/* Reads [first, FORK event) into the window; how many of those events were not readable (unpublished: a
 * writer inside, or dropped). */
#define TOUCHED_MAX 4096u
static int touched_fds[TOUCHED_MAX]; /* the window's entries read last time, cleared before it is read again */
static unsigned touched_count;       /* TOUCHED_MAX + 1: more than that, the whole window is cleared */

static unsigned read_window(const struct fdh_trace *parent, uint64_t first) {
    unsigned unreadable = 0;
    if (touched_count > TOUCHED_MAX) memset(window, 0, window_count * sizeof *window);
    else for (unsigned i = 0; i < touched_count; i++) window[touched_fds[i]] = (struct window_entry){0};
    touched_count = 0;
    for (uint64_t seq = first; seq < fork_event_seq; seq++) {
        struct fdh_event e;
        if (!read_event(parent, seq, 1, &e)) {
            unreadable++;
            continue;
        }
        int fds[2] = {e.type == FDH_EVENT_DUP ? e.fd2 : e.fd, e.type == FDH_EVENT_OPEN ? e.fd2 : -1};
        for (int i = 0; i < 2; i++) {
            int fd = fds[i];
            if (fd < 0 || (uint64_t)fd >= window_count) continue;
            if (!window[fd].touched && touched_count <= TOUCHED_MAX) {
                if (touched_count < TOUCHED_MAX) touched_fds[touched_count] = fd;
                touched_count++;
            }
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
    return unreadable;
}

void fdh_inherit_prepare(const struct fdh_trace *parent, uint64_t fork_event) {
    fork_event_seq = fork_event;
    window = NULL; /* a forked child's own children start over: nothing inherited from its set-up */
    wait_deadline = fdh_now_ns() + WAIT_FOR_RECORDS_NS;
    parent_pid = parent->header ? parent->header->pid : 0;
    follow_flights();
    if (!fork_snapshot || fork_event == UINT64_MAX || !parent->events) return;
    /* Every number the parent's table has room for: one opened after the snapshot may be above its top. */
    window_count = parent->live_capacity > fork_snapshot_count ? parent->live_capacity : fork_snapshot_count;
    long memory = syscall(SYS_mmap, NULL, window_count * sizeof *window, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory < 0 && memory > -4096) return;
    window = (struct window_entry *)memory; /* zeros */
    touched_count = 0;
    uint64_t first = snapshot_seq > WINDOW_BEFORE_SNAPSHOT ? snapshot_seq - WINDOW_BEFORE_SNAPSHOT : 0;
    /* An event of the window a thread was still writing (its open returned before the FORK event was
     * reserved, its record not published yet) is read again once no such call may still be recording. */
    for (int last_look = 0;;) {
        if (read_window(parent, first) == 0 || last_look) break;
        if (!opening_may_come()) {
            last_look = 1;
            continue;
        }
        struct timespec pause = {0, PAUSE_NS};
        syscall(SYS_nanosleep, &pause, NULL);
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
    int last_look = 0; /* no call in flight any more: its record, if any, is in the log now (release/acquire) */
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
        if (!raced || last_look) return 0;
        if (!opening_may_come()) {
            last_look = 1;
            continue;
        }
        struct timespec pause = {0, PAUSE_NS};
        syscall(SYS_nanosleep, &pause, NULL);
    }
}

void fdh_inherit_from_parent(const struct fdh_trace *parent, struct fdh_opened *o, uint32_t *stack) {
    if (!fork_snapshot || o->fd < 0) return;
    /* A number above the highest the parent had used when the snapshot was taken is closed in it. */
    const struct fdh_live_fd *slot = (uint64_t)o->fd < fork_snapshot_count ? &fork_snapshot[o->fd] : NULL;
    const struct window_entry *w = window && (uint64_t)o->fd < window_count ? &window[o->fd] : NULL;
    struct record r;
    struct fdh_event later;
    if (!w || !w->touched) { /* nothing happened to this number around the fork: the snapshot holds */
        if (slot && slot->state != FDH_LIVE_CLOSED) {
            r = from_slot(slot);
        } else if (window && opening_after_fork(parent, o, 1, &later)) {
            r = from_event(&later); /* closed in the snapshot, yet the child holds it: opened just before */
        } else {
            return;
        }
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
