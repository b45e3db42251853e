/* module_map.c — keeps the trace's module table (path, load bias, text range, GNU build-id) current, so the
 * analyzer can symbolize offline, after the process is gone.
 *
 * A capture does not call dl_iterate_phdr (it takes the loader's lock: every thread's capture would queue
 * on it). It rescans only when the object set may have changed: the dlopen/dlclose hooks say so, and an
 * innermost frame outside every known object says so for objects libc loads by itself (NSS, iconv
 * modules). The rescan compares dl_iterate_phdr's generation (dlpi_adds + dlpi_subs) first. One thread
 * rescans at a time; others do not wait for it (never block inside a hook): their frames in a just-loaded
 * library are still symbolized, because the reader falls back to any module holding the address. The
 * set of objects already recorded lives in the shim's own memory, not in the app's heap. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <string.h>

#include "shim.h"

#define FDH_KNOWN_MAX 2048

struct known_object {
    uintptr_t text_start, text_end;
    uint32_t path_hash;
};

static struct known_object known[FDH_KNOWN_MAX];
static int known_count;
static _Atomic int refreshing;
static _Atomic uint64_t last_generation = UINT64_MAX;
static _Atomic int maybe_changed = 1; /* dlopen/dlclose since the last rescan */
static __thread int last_hit __attribute__((tls_model("initial-exec"))); /* known[] index of the last lookup */
static const char *exe_path = "";

static uint32_t hash_name(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* Copies the GNU build-id note of an object, if it has one, into out; returns its length. */
static uint32_t find_build_id(const struct dl_phdr_info *info, uint8_t *out) {
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE) continue;
        const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
        const char *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *note = (const ElfW(Nhdr) *)p;
            const char *name = p + sizeof *note;
            const char *desc = name + ((note->n_namesz + 3) & ~3u);
            const char *next = desc + ((note->n_descsz + 3) & ~3u);
            if (next > end) break;
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                uint32_t length = note->n_descsz < FDH_BUILD_ID_MAX ? note->n_descsz : FDH_BUILD_ID_MAX;
                memcpy(out, desc, length);
                return length;
            }
            p = next;
        }
    }
    return 0;
}

static int record_object(struct dl_phdr_info *info, size_t size, void *unused) {
    uintptr_t start = UINTPTR_MAX, end = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uintptr_t s = info->dlpi_addr + ph->p_vaddr, e = s + ph->p_memsz;
        if (s < start) start = s;
        if (e > end) end = e;
    }
    if (end == 0) return 0; /* nothing executable: no frame can point into it */

    const char *path = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : exe_path;
    uint32_t path_hash = hash_name(path);
    for (int i = 0; i < known_count; i++) {
        if (known[i].text_start == start && known[i].text_end == end && known[i].path_hash == path_hash) return 0;
    }
    if (known_count < FDH_KNOWN_MAX) {
        known[known_count] = (struct known_object){start, end, path_hash};
        __atomic_store_n(&known_count, known_count + 1, __ATOMIC_RELEASE);
    }

    struct fdh_trace *t = &fdh_state.trace;
    uint64_t index = __atomic_fetch_add(&t->header->modules_next, 1, __ATOMIC_RELAXED);
    if (index >= t->modules_capacity) {
        __atomic_fetch_add(&t->header->modules_dropped, 1, __ATOMIC_RELAXED);
        return 0;
    }
    struct fdh_module *m = &t->modules[index];
    m->path_string = fdh_intern_cstr(path);
    m->load_bias = info->dlpi_addr;
    m->text_start = start;
    m->text_end = end;
    m->first_event_seq = __atomic_load_n(&t->header->events_next, __ATOMIC_RELAXED);
    m->build_id_length = find_build_id(info, m->build_id);
    uintptr_t self = (uintptr_t)&fdh_modules_refresh;
    if (self >= start && self < end) {
        fdh_state.shim_text_start = start;
        fdh_state.shim_text_end = end;
        t->header->shim_module = (uint32_t)index;
    }
    __atomic_store_n(&m->state, 1, __ATOMIC_RELEASE);
    return 0;
}

static int read_generation(struct dl_phdr_info *info, size_t size, void *data) {
    *(uint64_t *)data = info->dlpi_adds + info->dlpi_subs;
    return 1; /* the counters are the same for every object: stop after the first */
}

void fdh_modules_changed(void) { atomic_store_explicit(&maybe_changed, 1, memory_order_release); }

static int known_address(uintptr_t ip) {
    int count = __atomic_load_n(&known_count, __ATOMIC_ACQUIRE);
    int hit = last_hit;
    if (hit < count && ip - 1 >= known[hit].text_start && ip - 1 < known[hit].text_end) return 1;
    for (int i = 0; i < count; i++) {
        if (ip - 1 >= known[i].text_start && ip - 1 < known[i].text_end) {
            last_hit = i;
            return 1;
        }
    }
    return 0;
}

/* Before a capture is interned: rescan when a dlopen/dlclose happened or the innermost frame (a return
 * address) lies in no object we know. */
void fdh_modules_check(uintptr_t innermost) {
    if (FDH_LIKELY(!atomic_load_explicit(&maybe_changed, memory_order_acquire)) && known_address(innermost)) return;
    atomic_store_explicit(&maybe_changed, 0, memory_order_release);
    fdh_modules_refresh();
}

/* dl_iterate_phdr takes the loader's lock: from a capture, with the program's signals held off (raw.c), so
 * that a handler jumping out cannot leave it (or `refreshing`) held. */
static void refresh_held(void) {
    uint64_t generation = 0;
    dl_iterate_phdr(read_generation, &generation);
    if (generation == atomic_load_explicit(&last_generation, memory_order_acquire)) return;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&refreshing, &expected, 1)) return; /* another thread is at it */
    dl_iterate_phdr(record_object, NULL);
    fdh_state.trace.header->module_generation = generation;
    atomic_store_explicit(&last_generation, generation, memory_order_release);
    atomic_store(&refreshing, 0);
}

void fdh_modules_refresh(void) {
    uint64_t signals = fdh_signals_hold();
    refresh_held();
    fdh_signals_release(signals);
}

void fdh_modules_init(const char *path) {
    exe_path = path && *path ? path : "";
    fdh_modules_refresh();
}

/* After fork the child starts a new trace: everything must be recorded into it again. */
void fdh_modules_reset(void) {
    known_count = 0;
    atomic_store(&maybe_changed, 1);
    atomic_store(&last_generation, UINT64_MAX);
    atomic_store(&refreshing, 0);
}

/* A forked child has the parent's address space: its module table is the parent's, copied (no
 * dl_iterate_phdr here: the loader's lock may be held by a thread that does not exist in the child). */
void fdh_modules_copy_from(const struct fdh_trace *parent) {
    struct fdh_trace *t = &fdh_state.trace;
    uint64_t count = __atomic_load_n(&parent->header->modules_next, __ATOMIC_ACQUIRE);
    if (count > parent->modules_capacity) count = parent->modules_capacity;
    for (uint64_t i = 0; i < count && i < t->modules_capacity; i++) {
        const struct fdh_module *from = &parent->modules[i];
        if (__atomic_load_n(&from->state, __ATOMIC_ACQUIRE) != 1) continue;
        uint64_t index = __atomic_fetch_add(&t->header->modules_next, 1, __ATOMIC_RELAXED);
        struct fdh_module *m = &t->modules[index];
        const struct fdh_string *path = (const struct fdh_string *)(parent->strings + from->path_string);
        m->path_string = from->path_string ? fdh_intern((const char *)(path + 1), path->length) : 0;
        m->load_bias = from->load_bias;
        m->text_start = from->text_start;
        m->text_end = from->text_end;
        m->first_event_seq = 0;
        m->build_id_length = from->build_id_length;
        memcpy(m->build_id, from->build_id, sizeof m->build_id);
        if (i == parent->header->shim_module) t->header->shim_module = (uint32_t)index;
        __atomic_store_n(&m->state, 1, __ATOMIC_RELEASE);
    }
    t->header->module_generation = parent->header->module_generation;
}
