/* evidence.c — what the shim keeps for an operator whose service is creeping toward its descriptor limit,
 * with no thread of its own: the number of descriptors open now, and snapshots of which code paths held
 * how many of them at three moments — when the live count first reaches a share of the soft limit
 * (FDHOUND_SNAPSHOT_AT, 80 % by default), and at the first EMFILE and the first ENFILE (every further
 * failure is counted). Section 11 of the trace (fdh_evidence).
 *
 * A snapshot is the call-site table's open counts (opened - closed per opening stack), the 64 largest
 * kept; taking one walks the table once (its committed pages only), which happens at most three times
 * in a process. The slot is claimed with a compare-and-swap, filled, and published by storing its trigger
 * last. The live count is one atomic add per open and close, in the evidence section's own cache line. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/resource.h>

#include "shim.h"

static _Atomic uint32_t claimed; /* bit per snapshot slot */

void fdh_evidence_limit_changed(void) {
    struct fdh_evidence *ev = fdh_state.trace.evidence;
    struct rlimit limit;
    if (!ev || getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    uint32_t permille = fdh_state.config.snapshot_permille;
    ev->threshold_permille = permille;
    if (permille == 0 || limit.rlim_cur == RLIM_INFINITY) {
        __atomic_store_n(&ev->threshold, 0, __ATOMIC_RELAXED);
        return;
    }
    uint64_t threshold = (uint64_t)limit.rlim_cur * permille / 1000;
    __atomic_store_n(&ev->threshold, threshold ? threshold : 1, __ATOMIC_RELAXED);
}

void fdh_evidence_start(void) {
    atomic_store(&claimed, 0);
    fdh_evidence_limit_changed();
}

/* Keeps the FDH_SNAPSHOT_SITES largest (stack, open) pairs in snap->sites[0..*kept), ascending by open. */
static void keep_largest(struct fdh_snapshot *snap, uint32_t *kept, uint32_t stack, uint64_t open) {
    uint32_t j;
    if (*kept < FDH_SNAPSHOT_SITES) { /* room: shift the larger ones up */
        j = (*kept)++;
        while (j > 0 && snap->sites[j - 1].open > open) {
            snap->sites[j] = snap->sites[j - 1];
            j--;
        }
    } else { /* full: the smallest (entry 0) leaves if this one is larger */
        if (open <= snap->sites[0].open) return;
        j = 0;
        while (j + 1 < *kept && snap->sites[j + 1].open < open) {
            snap->sites[j] = snap->sites[j + 1];
            j++;
        }
    }
    snap->sites[j].stack = stack;
    snap->sites[j].reserved = 0;
    snap->sites[j].open = open;
}

/* The descriptors the live table holds open now: what live_now should say. */
static uint64_t count_live(const struct fdh_trace *t) {
    uint64_t count = 0, top = atomic_load_explicit(&fdh_state.highest_fd, memory_order_relaxed);
    for (uint64_t fd = 0; fd <= top && fd < t->live_capacity; fd++) {
        const struct fdh_live_fd *slot = &t->live[fd];
        if (((uintptr_t)slot & 4095) == 0 && !fdh_committed(slot, 4096)) {
            fd += 4096 / sizeof *slot - 1; /* a page never written holds only closed slots */
            continue;
        }
        if (LIVE_GET(slot, state) != FDH_LIVE_CLOSED) count++;
    }
    return count;
}

static void take(uint32_t trigger, uint8_t api, uint32_t stack) {
    struct fdh_trace *t = &fdh_state.trace;
    struct fdh_evidence *ev = t->evidence;
    uint32_t bit = 1u << (trigger - 1);
    if (!ev || (atomic_fetch_or(&claimed, bit) & bit)) return;
    /* live_now drifts when a recording is abandoned between its live slot and its count (a signal
     * handler's siglongjmp; a close then even takes it below zero): the table is counted again here, and
     * a threshold the table does not reach is no moment at all. Other threads' counts made meanwhile may
     * be lost by the store; the next moment counts again. */
    uint64_t counted = count_live(t);
    __atomic_store_n(&ev->live_now, counted, __ATOMIC_RELAXED);
    if (trigger == FDH_SNAPSHOT_THRESHOLD && counted < __atomic_load_n(&ev->threshold, __ATOMIC_RELAXED)) {
        atomic_fetch_and(&claimed, ~bit);
        return;
    }
    struct fdh_snapshot *snap = &ev->snapshots[trigger - 1];
    uint32_t kept = 0;
    for (uint64_t i = 0; i <= t->sites_mask; i++) {
        const struct fdh_call_site *site = &t->sites[i];
        if (((uintptr_t)site & 4095) == 0 && !fdh_committed(site, 4096)) {
            i += 4096 / sizeof *site - 1; /* a page never written holds only empty slots */
            continue;
        }
        uint32_t id = __atomic_load_n(&site->stack, __ATOMIC_ACQUIRE);
        if (id == 0) continue;
        uint64_t opened = __atomic_load_n(&site->opened, __ATOMIC_RELAXED);
        uint64_t closed = __atomic_load_n(&site->closed, __ATOMIC_RELAXED);
        if (opened > closed) keep_largest(snap, &kept, id, opened - closed);
    }
    uint64_t in_sites = 0;
    for (uint32_t i = 0; i < kept; i++) in_sites += snap->sites[i].open;
    uint64_t live = counted;
    struct rlimit limit;
    snap->site_count = kept;
    snap->time_ns = fdh_now_ns() - t->header->start_monotonic_ns;
    snap->event_seq = __atomic_load_n(&t->header->events_next, __ATOMIC_RELAXED);
    snap->live_count = live;
    snap->limit = getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX
                                                                                          : limit.rlim_cur;
    snap->api = api;
    snap->stack = stack;
    snap->other_open = live > in_sites ? live - in_sites : 0; /* inherited, or beyond the kept 64 */
    __atomic_store_n(&snap->trigger, trigger, __ATOMIC_RELEASE);
}

void fdh_evidence_opened(uint64_t count) {
    struct fdh_evidence *ev = fdh_state.trace.evidence;
    if (!ev) return;
    uint64_t live = __atomic_add_fetch(&ev->live_now, count, __ATOMIC_RELAXED);
    uint64_t threshold = __atomic_load_n(&ev->threshold, __ATOMIC_RELAXED);
    if (FDH_UNLIKELY(threshold && live >= threshold && !(atomic_load(&claimed) & 1u))) {
        take(FDH_SNAPSHOT_THRESHOLD, 0, 0);
    }
}

void fdh_evidence_closed(void) {
    struct fdh_evidence *ev = fdh_state.trace.evidence;
    if (ev) __atomic_fetch_sub(&ev->live_now, 1, __ATOMIC_RELAXED);
}

void fdh_evidence_failure(uint8_t api, int err, uint32_t stack) {
    struct fdh_evidence *ev = fdh_state.trace.evidence;
    if (!ev || (err != EMFILE && err != ENFILE)) return;
    __atomic_fetch_add(err == EMFILE ? &ev->emfile_failures : &ev->enfile_failures, 1, __ATOMIC_RELAXED);
    take(err == EMFILE ? FDH_SNAPSHOT_EMFILE : FDH_SNAPSHOT_ENFILE, api, stack);
}
