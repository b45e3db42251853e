/* evidence.c — what the shim keeps for an operator whose service is creeping toward its descriptor limit,
 * with no thread of its own: the number of descriptors open now, and snapshots of which code paths held
 * how many of them at three moments — when the live count first reaches a share of the soft limit
 * (FDHOUND_SNAPSHOT_AT, 80 % by default), and at the first EMFILE and the first ENFILE (every further
 * failure is counted). Section 11 of the trace (fdh_evidence).
 *
 * A snapshot is the call-site table's open counts (opened - closed per opening stack), the 64 largest
 * kept; taking one walks the tables once (their committed pages only), which happens at most three times
 * in a process. The slot is claimed with a compare-and-swap, filled, and published by storing its trigger
 * last. The live count is one atomic add per open and close in the thread's own shard (section 13, a cache
 * line per shard): a sum over the shards, taken only when the threshold could have been reached. */
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

/* The descriptors the live table holds open now: what the live count should say. */
static uint64_t count_live(const struct fdh_trace *t) {
    uint64_t count = 0, top = atomic_load_explicit(&fdh_state.highest_fd, memory_order_relaxed);
    for (uint64_t fd = 0; fd <= top && fd < t->live_capacity; fd++) {
        const struct fdh_live_fd *slot = fdh_live_at(t, fd);
        if (((uintptr_t)slot & 4095) == 0 && !fdh_committed(slot, 4096)) {
            fd += 4096 / FDH_LIVE_FD_STRIDE - 1; /* a page never written holds only closed slots */
            continue;
        }
        if (LIVE_GET(slot, state) != FDH_LIVE_CLOSED) count++;
    }
    return count;
}

/* Descriptors open now: the sum of the shards' counts (modulo 2^64: a shard that closed what another opened
 * is below zero). */
static uint64_t live_count(void) {
    struct fdh_shard *shards = fdh_state.trace.shards;
    uint64_t live = 0;
    for (uint32_t s = 0; shards && s < FDH_SHARDS; s++) live += __atomic_load_n(&shards[s].live, __ATOMIC_RELAXED);
    return live;
}

/* The slot of `stack` in shard table `shard`, or NULL (probing as recorder.c's site_for, without claiming). */
static const struct fdh_call_site *find_site(uint32_t stack, uint32_t shard) {
    struct fdh_trace *t = &fdh_state.trace;
    const struct fdh_call_site *table = t->sites + (uint64_t)shard * (t->sites_mask + 1);
    uint64_t slot = ((uint64_t)stack * 0x9E3779B97F4A7C15ull >> 17) & t->sites_mask;
    for (unsigned probe = 0; probe < 256; probe++, slot = (slot + 1) & t->sites_mask) {
        const struct fdh_call_site *site = &table[slot];
        if (!fdh_committed(site, sizeof *site)) return NULL;
        uint32_t owner = __atomic_load_n(&site->stack, __ATOMIC_ACQUIRE);
        if (owner == stack) return site;
        if (owner == 0) return NULL;
    }
    return NULL;
}

static void take(uint32_t trigger, uint8_t api, uint32_t stack) {
    struct fdh_trace *t = &fdh_state.trace;
    struct fdh_evidence *ev = t->evidence;
    uint32_t bit = 1u << (trigger - 1);
    if (!ev || (atomic_fetch_or(&claimed, bit) & bit)) return;
    /* The live count drifts when a recording is abandoned between its live slot and its count (a signal
     * handler's siglongjmp; a close then even takes it below zero): the table is counted again here, and
     * a threshold the table does not reach is no moment at all. Other threads' counts made meanwhile may
     * be lost by the store; the next moment counts again. */
    uint64_t counted = count_live(t);
    /* Version 3 keeps the count in the shards: this thread's shard takes the difference, so their sum says
     * `counted` (other threads' counts made meanwhile are kept, not overwritten). */
    if (t->shards) __atomic_fetch_add(&t->shards[fdh_shard()].live, counted - live_count(), __ATOMIC_RELAXED);
    if (trigger == FDH_SNAPSHOT_THRESHOLD && counted < __atomic_load_n(&ev->threshold, __ATOMIC_RELAXED)) {
        atomic_fetch_and(&claimed, ~bit);
        return;
    }
    struct fdh_snapshot *snap = &ev->snapshots[trigger - 1];
    uint32_t kept = 0;
    uint64_t table_size = t->sites_mask + 1;
    for (uint64_t i = 0; i < table_size * FDH_SHARDS; i++) {
        const struct fdh_call_site *site = &t->sites[i];
        if (((uintptr_t)site & 4095) == 0 && !fdh_committed(site, 4096)) {
            i += 4096 / sizeof *site - 1; /* a page never written holds only empty slots */
            continue;
        }
        uint32_t id = __atomic_load_n(&site->stack, __ATOMIC_ACQUIRE);
        if (id == 0) continue;
        /* A stack's counts are the sums over the shard tables: taken at its slot in the first table that has
         * one (a table's sites_mask + 1 slots; a stack has at most one slot per table). */
        uint32_t shard = (uint32_t)(i / table_size);
        int counted_before = 0;
        for (uint32_t s = 0; s < shard && !counted_before; s++) counted_before = find_site(id, s) != NULL;
        if (counted_before) continue;
        uint64_t opened = 0, closed = 0;
        for (uint32_t s = shard; s < FDH_SHARDS; s++) {
            const struct fdh_call_site *in = s == shard ? site : find_site(id, s);
            if (!in) continue;
            opened += __atomic_load_n(&in->opened, __ATOMIC_RELAXED);
            closed += __atomic_load_n(&in->closed, __ATOMIC_RELAXED);
        }
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
    struct fdh_trace *t = &fdh_state.trace;
    struct fdh_evidence *ev = t->evidence;
    if (!ev || !t->shards) return;
    __atomic_fetch_add(&t->shards[fdh_shard()].live, count, __ATOMIC_RELAXED);
    uint64_t threshold = __atomic_load_n(&ev->threshold, __ATOMIC_RELAXED);
    /* N descriptors open have N different numbers, so one of them is at least N - 1: until a number that
     * high was seen (highest_fd, noted before this call), the count cannot have reached the threshold and
     * the shards are not summed. */
    if (FDH_UNLIKELY(threshold && atomic_load_explicit(&fdh_state.highest_fd, memory_order_relaxed) + 1 >= threshold &&
                     !(atomic_load(&claimed) & 1u) && live_count() >= threshold)) {
        take(FDH_SNAPSHOT_THRESHOLD, 0, 0);
    }
}

void fdh_evidence_closed(void) {
    struct fdh_trace *t = &fdh_state.trace;
    if (t->evidence && t->shards) __atomic_fetch_sub(&t->shards[fdh_shard()].live, 1, __ATOMIC_RELAXED);
}

void fdh_evidence_failure(uint8_t api, int err, uint32_t stack) {
    struct fdh_evidence *ev = fdh_state.trace.evidence;
    if (!ev || (err != EMFILE && err != ENFILE)) return;
    __atomic_fetch_add(err == EMFILE ? &ev->emfile_failures : &ev->enfile_failures, 1, __ATOMIC_RELAXED);
    take(err == EMFILE ? FDH_SNAPSHOT_EMFILE : FDH_SNAPSHOT_ENFILE, api, stack);
}
