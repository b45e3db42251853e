/* string_table.c — interns byte strings (paths, endpoints, module paths) into the trace's string arena.
 *
 * Lock-free: a record is carved from the arena with an atomic bump of header.strings_used, filled, and
 * published by storing its length last (release). The string index (open addressing on the FNV-1a hash)
 * maps equal strings to one record, so a path opened a million times is stored once. Two threads interning
 * the same new string at once may both write a record; the loser of the index CAS returns the winner's id
 * and its own record is simply never referenced. */
#define _GNU_SOURCE
#include <string.h>

#include "shim.h"

#define FDH_STRING_MAX 4096u
#define FDH_PROBE_LIMIT 64u

static uint32_t fnv1a(const char *bytes, size_t length) {
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < length; i++) {
        hash ^= (uint8_t)bytes[i];
        hash *= 16777619u;
    }
    return hash;
}

static int record_equals(uint32_t id, uint32_t hash, const char *bytes, size_t length) {
    const struct fdh_string *record = (const struct fdh_string *)(fdh_state.trace.strings + id);
    uint32_t stored = __atomic_load_n(&record->length, __ATOMIC_ACQUIRE);
    return record->hash == hash && stored == length && memcmp(record + 1, bytes, length) == 0;
}

/* Appends a new record; returns its id or 0 when the arena is full. */
static uint32_t append_record(uint32_t hash, const char *bytes, size_t length) {
    struct fdh_trace *t = &fdh_state.trace;
    uint64_t need = (sizeof(struct fdh_string) + length + 1 + 7) & ~(uint64_t)7;
    uint64_t offset = __atomic_fetch_add(&t->header->strings_used, need, __ATOMIC_RELAXED);
    if (offset + need > t->strings_capacity || offset + need > UINT32_MAX) {
        __atomic_fetch_add(&t->header->strings_dropped, 1, __ATOMIC_RELAXED);
        return 0;
    }
    struct fdh_string *record = (struct fdh_string *)(t->strings + offset);
    if (!fdh_commit(record, need)) { /* the disk is full */
        __atomic_fetch_add(&t->header->strings_dropped, 1, __ATOMIC_RELAXED);
        return 0;
    }
    record->hash = hash;
    memcpy(record + 1, bytes, length);
    ((char *)(record + 1))[length] = '\0';
    __atomic_store_n(&record->length, (uint32_t)length, __ATOMIC_RELEASE);
    return (uint32_t)offset;
}

uint32_t fdh_intern(const char *bytes, size_t length) {
    struct fdh_trace *t = &fdh_state.trace;
    if (!t->strings || !bytes || length == 0) return 0;
    if (length > FDH_STRING_MAX) length = FDH_STRING_MAX;
    uint32_t hash = fnv1a(bytes, length);
    uint64_t slot = hash & t->string_index_mask;
    uint32_t mine = 0;
    for (unsigned probe = 0; probe < FDH_PROBE_LIMIT; probe++, slot = (slot + 1) & t->string_index_mask) {
        if (!fdh_commit((const void *)&t->string_index[slot], sizeof(uint32_t))) break; /* the disk is full */
        uint32_t id = atomic_load_explicit(&t->string_index[slot], memory_order_acquire);
        if (id == 0) {
            if (mine == 0) mine = append_record(hash, bytes, length);
            if (mine == 0) return 0;
            uint32_t expected = 0;
            if (atomic_compare_exchange_strong_explicit(&t->string_index[slot], &expected, mine,
                                                        memory_order_acq_rel, memory_order_acquire)) {
                return mine;
            }
            id = expected; /* someone else filled this slot first: compare with theirs */
        }
        if (record_equals(id, hash, bytes, length)) return id;
    }
    /* The index is crowded here: store without indexing rather than lose the string. */
    return mine ? mine : append_record(hash, bytes, length);
}

uint32_t fdh_intern_cstr(const char *s) { return s ? fdh_intern(s, fdh_strlen(s)) : 0; }

/* Line tables are binary and can exceed FDH_STRING_MAX; each belongs to one code object, so indexing them
 * would only fill the index. The record's length covers every byte (NULs included). */
uint32_t fdh_store_blob(const void *bytes, size_t length) {
    if (!fdh_state.trace.strings || !bytes || length == 0 || length > (1u << 20)) return 0;
    return append_record(fnv1a(bytes, length), bytes, length);
}
