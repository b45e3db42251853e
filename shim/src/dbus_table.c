/* dbus_table.c — the D-Bus connection table (section FDH_SECTION_DBUS) and its events: which libdbus
 * connections the program opened, on which bus, from where, how many application references it holds, and
 * whether it closed/released them. Exact even when the event log is full: slots are never freed.
 *
 * "Ended" follows libdbus's ownership rules: a private connection (open_private, bus_get_private) is the
 * application's to dbus_connection_close; a shared one (open, bus_get) belongs to libdbus and the application
 * only drops its references (closing it is a bug libdbus refuses). */
#define _GNU_SOURCE
#include <string.h>

#include "shim.h"


/* Probes per lookup: the table only grows, so chains are contiguous and end at the first empty slot. */
#define DBUS_MAX_PROBES 4096u

static uint64_t hash_pointer(uint64_t pointer) {
    return (pointer * 0x9E3779B97F4A7C15ull) >> 24;
}

static uint32_t flags_of(struct fdh_dbus_connection *c) {
    return __atomic_load_n(&c->flags, __ATOMIC_ACQUIRE);
}

/* The slot of the connection at `pointer` the application still holds (not released), or NULL. */
static struct fdh_dbus_connection *find_held(uint64_t pointer) {
    struct fdh_trace *t = &fdh_state.trace;
    if (!t->dbus || pointer == 0) return NULL;
    uint64_t slot = hash_pointer(pointer) & t->dbus_mask;
    for (unsigned probe = 0; probe <= t->dbus_mask && probe < DBUS_MAX_PROBES; probe++) {
        struct fdh_dbus_connection *c = &t->dbus[slot];
        uint64_t key = __atomic_load_n(&c->connection, __ATOMIC_ACQUIRE);
        if (key == 0) return NULL;
        if (key == pointer && !(flags_of(c) & FDH_DBUS_RELEASED)) return c;
        slot = (slot + 1) & t->dbus_mask;
    }
    return NULL;
}

/* A fresh slot for `pointer` (claimed by CAS on `connection`), or NULL when the table is full. */
static struct fdh_dbus_connection *claim(uint64_t pointer) {
    struct fdh_trace *t = &fdh_state.trace;
    if (!t->dbus) return NULL;
    uint64_t slot = hash_pointer(pointer) & t->dbus_mask;
    for (unsigned probe = 0; probe <= t->dbus_mask && probe < DBUS_MAX_PROBES; probe++) {
        struct fdh_dbus_connection *c = &t->dbus[slot];
        uint64_t expected = 0;
        if (__atomic_load_n(&c->connection, __ATOMIC_ACQUIRE) == 0 &&
            __atomic_compare_exchange_n(&c->connection, &expected, pointer, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            return c;
        }
        slot = (slot + 1) & t->dbus_mask;
    }
    __atomic_fetch_add(&t->header->dbus_dropped, 1, __ATOMIC_RELAXED);
    return NULL;
}

static uint64_t now_relative(void) {
    return fdh_now_ns() - fdh_state.trace.header->start_monotonic_ns;
}

static uint64_t record(uint8_t type, uint8_t api, const struct fdh_dbus_connection *c, uint64_t pointer,
                       int fd, int refs, uint32_t stack, uint32_t address) {
    struct fdh_event fields = {
        .type = type, .api = api, .kind = FDH_KIND_DBUS, .owner = FDH_OWNER_DBUS,
        .fd = c ? c->fd : fd, .fd2 = -1, .result = refs, .err = 0, .stack = stack,
        .str1 = c ? c->address : address, .str2 = 0, .arg = pointer,
    };
    return fdh_record_event(&fields);
}

/* Marks the connection ended once (the first closer wins), with the event that ended it. */
static void end_connection(struct fdh_dbus_connection *c, uint64_t seq, uint32_t stack) {
    uint32_t before = __atomic_fetch_or(&c->flags, FDH_DBUS_ENDED, __ATOMIC_ACQ_REL);
    if (before & FDH_DBUS_ENDED) return;
    c->end_stack = stack;
    c->end_time_ns = now_relative();
    __atomic_store_n(&c->end_seq, seq, __ATOMIC_RELEASE);
}

void fdh_dbus_opened(uint8_t api, uint64_t pointer, uint8_t bus, int is_private, uint32_t address, int fd) {
    uint32_t stack = fdh_capture_stack();
    /* dbus_bus_get or dbus_connection_open handing out the shared connection again: one more reference. */
    struct fdh_dbus_connection *held = is_private ? NULL : find_held(pointer);
    if (held) {
        int refs = __atomic_add_fetch(&held->refs, 1, __ATOMIC_ACQ_REL);
        record(FDH_EVENT_DBUS_OPEN, api, held, pointer, fd, refs, stack, address);
        return;
    }
    uint64_t seq = record(FDH_EVENT_DBUS_OPEN, api, NULL, pointer, fd, 1, stack, address);
    struct fdh_dbus_connection *c = claim(pointer);
    if (c) {
        c->flags = is_private ? FDH_DBUS_PRIVATE : 0;
        c->api = api;
        c->bus = bus;
        c->fd = fd;
        c->refs = 1;
        c->tid = fdh_tid();
        c->stack = stack;
        c->end_stack = 0;
        c->address = address;
        c->open_seq = seq;
        c->end_seq = 0;
        c->open_time_ns = now_relative();
        c->end_time_ns = 0;
        __atomic_store_n(&c->state, 2, __ATOMIC_RELEASE);
    }
    /* Its socket now belongs to the connection: a raw close() of it is misuse (recorder.c). */
    if (fd >= 0) fdh_live_adopt(fd, FDH_KIND_DBUS, FDH_OWNER_DBUS);
}

void fdh_dbus_referenced(uint64_t pointer) {
    struct fdh_dbus_connection *c = find_held(pointer);
    if (!c) return; /* a connection we did not see opened (a server's, or one opened before tracing) */
    int refs = __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
    record(FDH_EVENT_DBUS_OPEN, FDH_API_DBUS_CONNECTION_REF, c, pointer, -1, refs, fdh_capture_stack(), 0);
}

void fdh_dbus_unreferenced(uint64_t pointer) {
    struct fdh_dbus_connection *c = find_held(pointer);
    if (!c) return;
    uint32_t stack = fdh_capture_stack();
    int refs = __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
    uint64_t seq = record(FDH_EVENT_DBUS_CLOSE, FDH_API_DBUS_CONNECTION_UNREF, c, pointer, -1, refs, stack, 0);
    if (refs > 0) return;
    /* The last reference: libdbus may free the object and reuse the address for the next connection. A
     * private connection dropped without dbus_connection_close stays open (libdbus warns about exactly
     * this), so only a shared one ends here. */
    if (!(flags_of(c) & FDH_DBUS_PRIVATE)) end_connection(c, seq, stack);
    __atomic_fetch_or(&c->flags, FDH_DBUS_RELEASED, __ATOMIC_ACQ_REL);
}

void fdh_dbus_closed(uint64_t pointer) {
    struct fdh_dbus_connection *c = find_held(pointer);
    if (!c) return;
    uint32_t stack = fdh_capture_stack();
    int refs = __atomic_load_n(&c->refs, __ATOMIC_ACQUIRE);
    uint64_t seq = record(FDH_EVENT_DBUS_CLOSE, FDH_API_DBUS_CONNECTION_CLOSE, c, pointer, -1, refs, stack, 0);
    __atomic_fetch_or(&c->flags, FDH_DBUS_CLOSED, __ATOMIC_ACQ_REL);
    if (flags_of(c) & FDH_DBUS_PRIVATE) end_connection(c, seq, stack);
}

