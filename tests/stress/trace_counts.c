/* trace_counts.c — the stress test's view of one trace, without printing millions of events: the header
 * state, events recorded/dropped, events recorded without a stack (nested in a signal handler), the sum
 * of the per-call-site counters, the largest site's counters (summed over the shard tables), the
 * descriptors the live table holds open (numbers), the events the ring overwrote, and unpublished event slots
 * of its kept window, and live slots whose seqlock version a write left odd.
 * Usage: trace_counts TRACE */
#include "test_support.h"

int main(int argc, char **argv) {
    struct mapped_trace t;
    if (argc != 2 || trace_map(argv[1], &t) != 0) {
        fprintf(stderr, "usage: trace_counts TRACE (a valid fdhound trace)\n");
        return 2;
    }
    const struct fdh_header *h = t.header;
    printf("state %u\nevents %lu\ndropped %lu\nlive_dropped %lu\nsites_dropped %lu\nstacks_dropped %lu\nnested_events %lu\n",
           h->state, (unsigned long)h->events_next, (unsigned long)h->events_dropped, (unsigned long)h->live_dropped,
           (unsigned long)h->sites_dropped, (unsigned long)h->stacks_dropped, (unsigned long)h->nested_events);
    /* Version 3 splits the call-site table by thread shard: a stack's counters are the sums of its slots in
     * every table, gathered here by stack before the largest is picked. */
    static struct { uint32_t stack; unsigned long opened, closed; } totals[1 << 20];
    unsigned long opened = 0, closed = 0, top_opened = 0, top_closed = 0;
    const struct fdh_section *sites = trace_section(&t, FDH_SECTION_CALL_SITES);
    for (uint64_t i = 0; sites && i < sites->capacity; i++) {
        const struct fdh_call_site *s = (const void *)(t.base + sites->offset + i * sites->entry_size);
        if (!s->stack) continue;
        opened += s->opened;
        closed += s->closed;
        uint32_t h = (s->stack * 2654435761u) & ((1u << 20) - 1);
        while (totals[h].stack != 0 && totals[h].stack != s->stack) h = (h + 1) & ((1u << 20) - 1);
        totals[h].stack = s->stack;
        totals[h].opened += s->opened;
        totals[h].closed += s->closed;
    }
    for (uint32_t h = 0; h < (1u << 20); h++) {
        if (totals[h].opened > top_opened) { top_opened = totals[h].opened; top_closed = totals[h].closed; }
    }
    printf("sites_opened %lu\nsites_closed %lu\ntop_site %lu %lu\n", opened, closed, top_opened, top_closed);
    /* The log is a ring: the kept window is the last `capacity` sequence numbers, seq S at slot S % capacity;
     * a slot is published for S when its consistent copy names S and S's commit word. */
    const struct fdh_section *ev = trace_section(&t, FDH_SECTION_EVENTS);
    unsigned long unpublished = 0;
    uint64_t first = ev && h->events_next > ev->capacity ? h->events_next - ev->capacity : 0;
    for (uint64_t seq = first; ev && seq < h->events_next; seq++) {
        const struct fdh_event *slot = (const void *)(t.base + ev->offset + (seq % ev->capacity) * ev->entry_size);
        struct fdh_event copy;
        uint32_t word = fdh_event_read(slot, &copy);
        if (word == FDH_EVENT_BUSY || copy.seq != seq || word != fdh_event_commit_word(seq, ev->capacity)) unpublished++;
    }
    printf("overwritten %lu\nunpublished %lu\nlive", (unsigned long)first, unpublished);
    const struct fdh_section *live = trace_section(&t, FDH_SECTION_LIVE_FDS);
    unsigned long odd = 0; /* seqlocks left odd: a write that never ended */
    for (uint64_t fd = 0; live && fd < live->capacity; fd++) {
        const struct fdh_live_fd *l = (const void *)(t.base + live->offset + fd * live->entry_size);
        if (l->state != FDH_LIVE_CLOSED) printf(" %lu", (unsigned long)fd);
        odd += l->version & 1;
    }
    printf("\nodd_live_slots %lu\n", odd);
    return 0;
}
