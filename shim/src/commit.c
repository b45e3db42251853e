/* commit.c — disk blocks for the trace file on demand, without ever risking SIGBUS.
 *
 * A write to a page of a MAP_SHARED file mapping whose block cannot be allocated (disk full) kills the
 * program with SIGBUS. Reserving the whole file up front with fallocate avoids that but costs every
 * process the full trace size (~35 MB with the defaults) even when it records ten events: a build that
 * spawns a thousand compilers would reserve 35 GB. So the file is sparse, and before the first write to
 * a page the recorder commits it with madvise(MADV_POPULATE_WRITE) (Linux 5.14+), which allocates the
 * block or fails with an error instead of a signal; a failed commit makes that write a dropped record.
 * A per-page bitmap in the shim's own memory makes the common case one bit test. Kernels without
 * MADV_POPULATE_WRITE get the old behaviour: the whole file is fallocated at start. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE_SHIFT 12
#define PAGE_BYTES (1ul << PAGE_SHIFT)

struct fdh_commit_state fdh_commit_state;

#define RUN_PAGES 16u /* pages committed at once deep into the event log */

/* Pages the event log fills one after the other: past its first RUN_PAGES, a run of them is committed in
 * one call (a long-running process writes the whole log once; a short one never gets this far). Returns
 * how many pages to commit from `page` (1 elsewhere). */
static uint64_t run_length(uint64_t page) {
    struct fdh_commit_state *c = &fdh_commit_state;
    const struct fdh_trace *t = &fdh_state.trace;
    if (!t->events) return 1;
    uint64_t start = (uint64_t)((const char *)t->events - (const char *)c->base) >> PAGE_SHIFT;
    uint64_t end = start + ((t->events_capacity * sizeof(struct fdh_event) + PAGE_BYTES - 1) >> PAGE_SHIFT);
    if (page < start + RUN_PAGES || page >= end) return 1;
    uint64_t run = end - page < RUN_PAGES ? end - page : RUN_PAGES;
    for (uint64_t i = 1; i < run; i++) { /* stop before a page already committed */
        if (atomic_load_explicit(&c->bits[(page + i) >> 3], memory_order_acquire) & (1u << ((page + i) & 7))) return i;
    }
    return run;
}

/* Commits the pages [first, last] of the mapping, one madvise per page (a run of them deep into the event
 * log); 1 if they are all writable. (Committing 16-page runs everywhere was measured slower and costlier in
 * disk once read-ahead was off: 2.2 ms and 2.1 MB per traced `true` against 1.5 ms and 1.5 MB page by
 * page.) */
int fdh_commit_slow(uint64_t first, uint64_t last) {
    struct fdh_commit_state *c = &fdh_commit_state;
    if (last >= c->pages) return 0;
    for (uint64_t page = first; page <= last; page++) {
        _Atomic uint8_t *byte = &c->bits[page >> 3];
        uint8_t bit = (uint8_t)(1u << (page & 7));
        if (atomic_load_explicit(byte, memory_order_acquire) & bit) continue;
        /* Two threads may populate the same page at once: harmless, both succeed. */
        int saved = errno;
        uint64_t run = run_length(page);
        long result = -1;
        if (run > 1 && syscall(SYS_madvise, (char *)c->base + (page << PAGE_SHIFT), run << PAGE_SHIFT,
                               MADV_POPULATE_WRITE) == 0) {
            for (uint64_t i = 1; i < run; i++) {
                atomic_fetch_or_explicit(&c->bits[(page + i) >> 3], (uint8_t)(1u << ((page + i) & 7)),
                                         memory_order_release);
            }
            result = 0;
        } else { /* one page, also when a run did not fit on the disk: only the record that needs it drops */
            result = syscall(SYS_madvise, (char *)c->base + (page << PAGE_SHIFT), PAGE_BYTES, MADV_POPULATE_WRITE);
        }
        errno = saved;
        if (result != 0) {
            if (!atomic_exchange(&c->failed, 1)) { /* the report says it once */
                __atomic_fetch_or(&fdh_state.trace.header->flags, FDH_HEADER_FLAG_DISK_FULL, __ATOMIC_RELEASE);
            }
            return 0;
        }
        atomic_fetch_or_explicit(byte, bit, memory_order_release);
    }
    return 1;
}

/* Sets up commit-on-demand for a fresh mapping of `size` bytes made from descriptor `fd`; commits the
 * ranges every trace writes at once (header, small or randomly written tables). Returns 0, or -1 with
 * errno (ENOSPC: the disk is full already). */
int fdh_commit_init(int fd, void *base, uint64_t size, const uint64_t *eager_offsets, const uint64_t *eager_sizes,
                    unsigned eager_count) {
    struct fdh_commit_state *c = &fdh_commit_state;
    if (c->bits) munmap((void *)c->bits, c->bitmap_bytes); /* a forked child's new trace */
    c->bits = NULL;
    c->lazy = 0;
    c->base = base;
    c->pages = (size + PAGE_BYTES - 1) >> PAGE_SHIFT;
    c->bitmap_bytes = ((c->pages + 7) / 8 + PAGE_BYTES - 1) & ~(PAGE_BYTES - 1);
    void *bits = mmap(NULL, c->bitmap_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int supported = bits != MAP_FAILED &&
                    syscall(SYS_madvise, base, PAGE_BYTES, MADV_POPULATE_WRITE) == 0;
    if (!supported) {
        if (bits != MAP_FAILED) munmap(bits, c->bitmap_bytes);
        return syscall(SYS_fallocate, fd, 0, 0, (off_t)size) == 0 ? 0 : -1;
    }
    c->bits = bits;
    c->bits[0] = 1; /* the header's first page */
    for (unsigned i = 0; i < eager_count; i++) {
        if (eager_sizes[i] == 0) continue;
        if (syscall(SYS_fallocate, fd, 0, (off_t)eager_offsets[i], (off_t)eager_sizes[i]) != 0) return -1;
        uint64_t first = eager_offsets[i] >> PAGE_SHIFT, last = (eager_offsets[i] + eager_sizes[i] - 1) >> PAGE_SHIFT;
        for (uint64_t page = first; page <= last; page++) c->bits[page >> 3] |= (uint8_t)(1u << (page & 7));
    }
    c->lazy = 1;
    return 0;
}
