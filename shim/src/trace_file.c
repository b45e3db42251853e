/* trace_file.c — creates the trace file, lays out its sections and maps it MAP_SHARED.
 *
 * The file is created with raw syscalls (our own open/close hooks must not see it), 0600 with
 * O_EXCL|O_NOFOLLOW (never follow or reuse someone else's file), sized sparse and committed page by page
 * as it fills (commit.c: a full disk becomes dropped records, never a SIGBUS), mapped, and its descriptor is
 * closed at once: the shim holds no descriptor while the program runs. Because the mapping is shared, every
 * record is in the page cache as soon as it is written, so the file is complete after SIGKILL. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

static uint64_t align_up(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

struct layout_entry {
    uint32_t type, entry_size;
    uint64_t capacity;
};

/* Opens DIR/fdhound.<pid>.trace, or .<n>.trace after it when the name is taken (an exec keeps the pid). */
static int create_file(const char *dir, pid_t pid, char *path, size_t path_size) {
    for (int attempt = 0; attempt < 100; attempt++) {
        char *end = path + path_size;
        char *p = fdh_append(path, end, dir);
        p = fdh_append(p, end, "/fdhound.");
        p = fdh_append_u64(p, end, (uint64_t)pid);
        if (attempt > 0) {
            p = fdh_append(p, end, ".");
            p = fdh_append_u64(p, end, (uint64_t)attempt);
        }
        fdh_append(p, end, ".trace");
        long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) return (int)fd;
        if (errno != EEXIST) return -1;
    }
    errno = EEXIST;
    return -1;
}

int fdh_trace_create(const struct fdh_config *config, const char **failure) {
    struct layout_entry entries[] = {
        {FDH_SECTION_STRINGS, 1, config->string_bytes},
        {FDH_SECTION_STRING_INDEX, sizeof(uint32_t), config->string_slots},
        {FDH_SECTION_MODULES, sizeof(struct fdh_module), config->modules},
        {FDH_SECTION_STACK_NODES, sizeof(struct fdh_stack_node), config->stack_nodes},
        {FDH_SECTION_EVENTS, sizeof(struct fdh_event), config->event_capacity},
        {FDH_SECTION_LIVE_FDS, FDH_LIVE_FD_STRIDE, config->max_fds},
        {FDH_SECTION_CALL_SITES, sizeof(struct fdh_call_site), config->call_sites * FDH_SHARDS}, /* a table per shard */
        {FDH_SECTION_PY_CODES, sizeof(struct fdh_py_code), config->py_codes},
        {FDH_SECTION_DBUS, sizeof(struct fdh_dbus_connection), config->dbus_connections},
        {FDH_SECTION_EVIDENCE, sizeof(struct fdh_evidence), 1},
        {FDH_SECTION_ENVIRONMENT, sizeof(struct fdh_environment), 1},
        {FDH_SECTION_SHARDS, sizeof(struct fdh_shard), FDH_SHARDS},
    };
    const unsigned count = sizeof entries / sizeof entries[0];
    uint64_t offsets[sizeof entries / sizeof entries[0]];
    uint64_t size = align_up(sizeof(struct fdh_header), FDH_SECTION_ALIGN);
    for (unsigned i = 0; i < count; i++) {
        offsets[i] = size;
        size = align_up(size + entries[i].capacity * entries[i].entry_size, FDH_SECTION_ALIGN);
    }

    static char path[600];
    int fd = create_file(config->output_dir, fdh_state.pid, path, sizeof path);
    if (fd < 0) {
        *failure = errno == ENOENT ? "output directory does not exist" :
                   errno == EACCES ? "output directory is not writable" : "cannot create the trace file";
        return -1;
    }
    /* Sparse at first: blocks are committed as pages are first written (commit.c); the small tables every
     * trace writes at random places are committed now. */
    uint64_t eager_offsets[sizeof entries / sizeof entries[0]], eager_sizes[sizeof entries / sizeof entries[0]];
    unsigned eager = 0;
    for (unsigned i = 0; i < count; i++) {
        uint32_t type = entries[i].type;
        if (type == FDH_SECTION_MODULES || type == FDH_SECTION_PY_CODES || type == FDH_SECTION_DBUS ||
            type == FDH_SECTION_EVIDENCE || type == FDH_SECTION_ENVIRONMENT || type == FDH_SECTION_SHARDS) {
            eager_offsets[eager] = offsets[i];
            eager_sizes[eager++] = entries[i].capacity * entries[i].entry_size;
        }
    }
    void *base = MAP_FAILED;
    int err = 0;
    if (syscall(SYS_ftruncate, fd, (off_t)size) != 0) {
        err = errno;
    } else {
        base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        /* Writes land on scattered pages (hash tables, sections far apart): without this, each first touch
         * makes the kernel read ahead — and zero — up to a megabyte of holes around it (measured: most of
         * a traced process's start-up cost). */
        if (base != MAP_FAILED) syscall(SYS_madvise, base, size, MADV_RANDOM);
        if (base == MAP_FAILED) err = errno;
        else if (fdh_commit_init(fd, base, size, eager_offsets, eager_sizes, eager) != 0) err = errno ? errno : ENOSPC;
    }
    syscall(SYS_close, fd); /* the mapping keeps the file; we hold no descriptor from here on */
    if (err) {
        if (base != MAP_FAILED) munmap(base, size);
        syscall(SYS_unlinkat, AT_FDCWD, path, 0);
        *failure = err == ENOSPC ? "no space left for the trace file" : "cannot size or map the trace file";
        return -1;
    }

    struct fdh_trace *t = &fdh_state.trace;
    t->base = base;
    t->size = size;
    t->header = base;
    struct fdh_header *h = t->header;
    h->header_size = sizeof(struct fdh_header);
    h->endian_mark = FDH_ENDIAN_MARK;
    h->pointer_width = sizeof(void *);
    h->section_count = (uint16_t)count;
    h->file_size = size;
    h->stack_depth = config->stack_depth;
    h->state = FDH_STATE_RUNNING;
    h->strings_used = 8; /* string id 0 means "none": the first record starts at offset 8 */
    for (unsigned i = 0; i < count; i++) {
        h->sections[i].type = entries[i].type;
        h->sections[i].entry_size = entries[i].entry_size;
        h->sections[i].offset = offsets[i];
        h->sections[i].capacity = entries[i].capacity;
        char *section = (char *)base + offsets[i];
        switch (entries[i].type) {
        case FDH_SECTION_STRINGS: t->strings = section; t->strings_capacity = entries[i].capacity; break;
        case FDH_SECTION_STRING_INDEX:
            t->string_index = (_Atomic uint32_t *)section; t->string_index_mask = entries[i].capacity - 1; break;
        case FDH_SECTION_MODULES: t->modules = (void *)section; t->modules_capacity = entries[i].capacity; break;
        case FDH_SECTION_STACK_NODES: t->nodes = (void *)section; t->nodes_mask = entries[i].capacity - 1; break;
        case FDH_SECTION_EVENTS:
            t->events = (void *)section;
            t->events_capacity = entries[i].capacity;
            t->events_shift = entries[i].capacity && !(entries[i].capacity & (entries[i].capacity - 1))
                                  ? __builtin_ctzll(entries[i].capacity) : -1;
            break;
        case FDH_SECTION_LIVE_FDS: t->live = (void *)section; t->live_capacity = entries[i].capacity; break;
        case FDH_SECTION_CALL_SITES:
            t->sites = (void *)section; t->sites_mask = entries[i].capacity / FDH_SHARDS - 1; break;
        case FDH_SECTION_SHARDS: t->shards = (void *)section; break;
        case FDH_SECTION_EVIDENCE: t->evidence = (void *)section; break;
        case FDH_SECTION_ENVIRONMENT: t->environment = (void *)section; break;
        case FDH_SECTION_PY_CODES: t->py_codes = (void *)section; t->py_codes_mask = entries[i].capacity - 1; break;
        case FDH_SECTION_DBUS: t->dbus = (void *)section; t->dbus_mask = entries[i].capacity - 1; break;
        }
    }
    return 0;
}

/* Stored last of all during set-up: a file whose set-up was interrupted is not mistaken for a trace. */
void fdh_trace_publish(void) {
    struct fdh_header *h = fdh_state.trace.header;
    h->version = FDH_FORMAT_VERSION;
    memcpy(h->magic, FDH_MAGIC_STRING, FDH_MAGIC_LENGTH);
    atomic_thread_fence(memory_order_release);
}
