/* trace_dump.c — prints a trace in a line-oriented form for the shim's tests and for debugging:
 *   header key=value lines, then "event ..." lines (the ring's kept window, oldest first), "live ..." lines for open descriptors, "site ..." lines.
 * Stacks are printed as ip lists; symbolization is the analyzer's job. Usage: trace_dump FILE */
#include "test_support.h"

static void print_stack(const struct mapped_trace *t, uint32_t id) {
    const struct fdh_section *s = trace_section(t, FDH_SECTION_STACK_NODES);
    printf(" stack=");
    for (int depth = 0; s && id != 0 && id < s->capacity && depth < 128; depth++) {
        const struct fdh_stack_node *node = (const void *)(t->base + s->offset + (uint64_t)id * s->entry_size);
        printf("%s%#lx", depth ? "," : "", (unsigned long)node->ip);
        id = node->parent;
    }
}

/* The slot of `stack` in the call-site table of `size` slots starting at slot `first`: the writer's probe
 * sequence (recorder.c site_for), so a lookup costs a few slots, not a scan. */
static const struct fdh_call_site *find_site(const struct mapped_trace *t, const struct fdh_section *sites,
                                             uint64_t first, uint64_t size, uint32_t stack) {
    uint64_t slot = ((uint64_t)stack * 0x9E3779B97F4A7C15ull >> 17) & (size - 1);
    for (unsigned probe = 0; probe < 256; probe++, slot = (slot + 1) & (size - 1)) {
        const struct fdh_call_site *s = (const void *)(t->base + sites->offset + (first + slot) * sites->entry_size);
        if (s->stack == stack) return s;
        if (s->stack == 0) return NULL;
    }
    return NULL;
}

int main(int argc, char **argv) {
    struct mapped_trace t;
    if (argc != 2 || trace_map(argv[1], &t) != 0) {
        fprintf(stderr, "usage: trace_dump TRACE (a valid fdhound trace)\n");
        return 2;
    }
    const struct fdh_header *h = t.header;
    printf("pid=%d ppid=%d state=%u exe=%s events=%lu dropped=%lu depth=%u flags=%u modules=%lu nested=%lu tracer=%d,%d\n", h->pid, h->ppid,
           h->state, trace_string(&t, h->exe_string), (unsigned long)h->events_next,
           (unsigned long)h->events_dropped, h->stack_depth, h->flags, (unsigned long)h->modules_next,
           (unsigned long)h->nested_events,
           h->tracer_fd_read, h->tracer_fd_write);
    /* The log is a ring: the kept window is the last `capacity` sequence numbers, each at seq % capacity. */
    const struct fdh_section *ev = trace_section(&t, FDH_SECTION_EVENTS);
    uint64_t first = ev && h->events_next > ev->capacity ? h->events_next - ev->capacity : 0;
    for (uint64_t seq = first; ev && seq < h->events_next; seq++) {
        const struct fdh_event *slot = (const void *)(t.base + ev->offset + (seq % ev->capacity) * ev->entry_size);
        struct fdh_event copy;
        const struct fdh_event *e = &copy;
        uint32_t word = fdh_event_read(slot, &copy);
        if (word == FDH_EVENT_BUSY || copy.seq != seq || word != fdh_event_commit_word(seq, ev->capacity)) {
            printf("event seq=%lu unpublished\n", (unsigned long)seq);
            continue;
        }
        printf("event seq=%lu type=%u api=%u kind=%u owner=%u fd=%d fd2=%d result=%d err=%d tid=%u str1=%s str2=%s arg=%#lx",
               (unsigned long)e->seq, e->type, e->api, e->kind, e->owner, e->fd, e->fd2, e->result, e->err, e->tid,
               trace_string(&t, e->str1), trace_string(&t, e->str2), (unsigned long)e->arg);
        print_stack(&t, e->stack);
        printf("\n");
    }
    const struct fdh_section *live = trace_section(&t, FDH_SECTION_LIVE_FDS);
    for (uint64_t fd = 0; live && fd < live->capacity; fd++) {
        const struct fdh_live_fd *l = (const void *)(t.base + live->offset + fd * live->entry_size);
        if (l->state == FDH_LIVE_CLOSED) continue;
        printf("live fd=%lu state=%u kind=%u owner=%u api=%u str1=%s str2=%s tcp=%u cloexec=%u", (unsigned long)fd,
               l->state, l->kind, l->owner, l->api, trace_string(&t, l->str1), trace_string(&t, l->str2),
               l->tcp_state, l->cloexec);
        print_stack(&t, l->stack);
        printf("\n");
    }
    /* One line per stack: its counts summed over the shard tables (version 3: one table per thread shard, so
     * a stack opened on several threads has several slots); peak = the largest of its slots' peaks (exact
     * only when one thread opened there). */
    const struct fdh_section *sites = trace_section(&t, FDH_SECTION_CALL_SITES);
    const struct fdh_section *shards = trace_section(&t, FDH_SECTION_SHARDS);
    uint64_t tables = shards && shards->capacity ? shards->capacity : 1;
    uint64_t per_table = sites ? sites->capacity / tables : 0;
    for (uint64_t i = 0; sites && i < sites->capacity; i++) {
        const struct fdh_call_site *s = (const void *)(t.base + sites->offset + i * sites->entry_size);
        if (!s->stack) continue;
        uint64_t opened = 0, closed = 0, peak = 0;
        int printed = 0; /* a slot of the same stack in an earlier table already printed it */
        for (uint64_t table = 0; table < tables && !printed; table++) {
            const struct fdh_call_site *o = find_site(&t, sites, table * per_table, per_table, s->stack);
            if (!o) continue;
            if (table < i / per_table) printed = 1;
            opened += o->opened;
            closed += o->closed;
            if (o->peak_open > peak) peak = o->peak_open;
        }
        if (printed) continue;
        printf("site stack=%u opened=%lu closed=%lu peak=%lu\n", s->stack, (unsigned long)opened,
               (unsigned long)closed, (unsigned long)peak);
    }
    uint64_t live_count = 0;
    for (uint64_t i = 0; shards && i < shards->capacity; i++) {
        live_count += ((const struct fdh_shard *)(const void *)(t.base + shards->offset + i * shards->entry_size))->live;
    }
    if (shards) printf("shards count=%lu live=%lu\n", (unsigned long)shards->capacity, (unsigned long)live_count);
    const struct fdh_section *dbus = trace_section(&t, FDH_SECTION_DBUS);
    for (uint64_t i = 0; dbus && i < dbus->capacity; i++) {
        const struct fdh_dbus_connection *c = (const void *)(t.base + dbus->offset + i * dbus->entry_size);
        if (c->state != 2) continue;
        printf("dbus connection=%#lx flags=%u api=%u bus=%u fd=%d refs=%d open_seq=%lu end_seq=%lu address=%s",
               (unsigned long)c->connection, c->flags, c->api, c->bus, c->fd, c->refs, (unsigned long)c->open_seq,
               (unsigned long)c->end_seq, trace_string(&t, c->address));
        print_stack(&t, c->stack);
        printf("\n");
    }
    return 0;
}
