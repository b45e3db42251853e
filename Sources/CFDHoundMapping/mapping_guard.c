/* mapping_guard.c — read-only trace mappings whose truncation becomes a flag instead of SIGBUS
 * (see include/fdhound_mapping.h). The slot table is fixed and lock-free so the handler can read it. */
#define _GNU_SOURCE
#include "fdhound_mapping.h"

#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Traces mapped at once: a report keeps every trace of a run mapped. The kernel allows 65,530 mappings per
 * process by default (vm.max_map_count), so a larger table could not be filled anyway. */
#define SLOTS 65536

struct guarded {
    _Atomic(uintptr_t) start;   /* 0: free */
    _Atomic(size_t) length;
    _Atomic(unsigned long) faults;
};

/* After this many absorbed faults in one mapping (a file that shrank by more than a few pages), the rest
 * of the mapping is replaced at once: one fault per page would split the mapping into too many areas. */
#define PAGE_BY_PAGE_FAULTS 256

static struct guarded slots[SLOTS];
static struct sigaction previous;
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *info, void *context) {
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t start = slots[i].start;
        size_t length = slots[i].length;
        if (start == 0 || address < start || address - start >= length) continue;
        /* A zero page where the page could not be read (past a new end of the file, or a hole that a
         * full tmpfs cannot back); after many, zeros to the end of the mapping. mmap is a plain system
         * call, safe in a handler. If it fails there is nothing better to do than the default action. */
        uintptr_t pagesize = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t page = address & ~(pagesize - 1);
        unsigned long seen = atomic_fetch_add(&slots[i].faults, 1);
        size_t span = seen < PAGE_BY_PAGE_FAULTS ? pagesize : start + length - page;
        if (mmap((void *)page, span, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) break;
        return; /* the access runs again and reads zeros */
    }
    if (previous.sa_flags & SA_SIGINFO && previous.sa_sigaction) {
        previous.sa_sigaction(sig, info, context);
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN && previous.sa_handler) {
        previous.sa_handler(sig);
    } else {
        /* Default action: restore it and return; the fault repeats and ends the process as before. */
        signal(SIGBUS, SIG_DFL);
    }
}

static void install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &previous);
}

const void *fdh_map_guarded(int fd, size_t length, int *slot_out) {
    pthread_once(&installed, install);
    if (length == 0) {
        errno = EINVAL;
        return NULL;
    }
    void *base = mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, 0);
    if (base == MAP_FAILED) return NULL;
    /* No fault-around or read-ahead: a fault would otherwise map up to 16 neighbouring pages that are in
     * the page cache, and the reader's accesses to stack nodes and strings are scattered (a hash table):
     * its memory would follow the file, not what it reads. */
    madvise(base, length, MADV_RANDOM);
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t expected = 0;
        /* Claim the slot with a placeholder so the handler never sees a half-filled entry. */
        if (__atomic_compare_exchange_n((uintptr_t *)&slots[i].start, &expected, UINTPTR_MAX, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED)) {
            slots[i].faults = 0;
            slots[i].length = length;
            slots[i].start = (uintptr_t)base;
            *slot_out = i;
            return base;
        }
    }
    munmap(base, length);
    errno = ENOMEM;
    return NULL;
}

unsigned long fdh_mapping_faults(int slot) { return slot >= 0 && slot < SLOTS ? slots[slot].faults : 0; }

void fdh_mapping_release(int slot, size_t offset, size_t length) {
    if (slot < 0 || slot >= SLOTS) return;
    uintptr_t start = slots[slot].start;
    size_t total = slots[slot].length;
    if (offset >= total) return;
    if (length > total - offset) length = total - offset;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t first = (start + offset + page - 1) & ~(uintptr_t)(page - 1); /* whole pages inside only */
    uintptr_t end = (start + offset + length) & ~(uintptr_t)(page - 1);
    if (end > first) madvise((void *)first, end - first, MADV_DONTNEED);
}

void fdh_unmap_guarded(int slot) {
    if (slot < 0 || slot >= SLOTS) return;
    uintptr_t start = slots[slot].start;
    size_t length = slots[slot].length;
    slots[slot].length = 0;
    slots[slot].start = 0;
    munmap((void *)start, length);
}
