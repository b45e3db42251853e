/* side_stack.c — per-thread stacks on which the heavy part of a hook runs, so that a hook uses a bounded
 * few hundred bytes of the program's own stack: a thread made with a 20 KiB stack, or a SIGSEGV handler on
 * a 6 KiB sigaltstack, can call open() traced exactly as untraced. Unwinding (libunwind needs several KiB on
 * a cache miss), the CPython frame walk, the path and endpoint descriptions and a forked child's set-up run
 * here through fdh_on_side_stack (side_stack_switch.S keeps the frame chain intact for the unwinder).
 *
 * Each thread gets two stacks in one mapping (and scratch pages: per-thread data that would otherwise
 * sit in static TLS, which glibc carves out of every thread's stack), taken on its first recorded call: one for an ordinary hook
 * (depth 1) and a smaller one for a signal handler that interrupted this thread inside the recorder and
 * was itself traced (depth 2); deeper nesting runs nothing on a side stack and records without stack or
 * description. Mappings are MAP_NORESERVE and touched only as deep as used, with a guard page under each
 * stack. They are kept in a table and handed back when a thread exits (a pthread key destructor), so a
 * program that churns threads reuses them; a forked child keeps only the forking thread's.
 *
 * A signal handler that interrupts this thread while it is on a side stack runs there (unless the handler
 * has its own sigaltstack): the main side stack is 256 KiB for that reason. */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#define PAGE 4096u
#define SCRATCH FDH_SCRATCH_SIZE     /* per-thread data kept out of the program's TLS block (shim.h) */
#define MAIN_STACK (256u * 1024u)
#define NESTED_STACK (64u * 1024u)
#define NESTED_BASE (SCRATCH + PAGE) /* a guard page under each stack */
#define AREA_SIZE (NESTED_BASE + NESTED_STACK + PAGE + MAIN_STACK)
#define AREAS_MAX 16384u


struct area {
    _Atomic(char *) base;
    _Atomic int in_use;
};
static struct area areas[AREAS_MAX];
static _Atomic unsigned areas_used;

__thread char *fdh_thread_area __attribute__((tls_model("initial-exec")));
__thread struct fdh_flight *fdh_flight __attribute__((tls_model("initial-exec")));

/* Beside each area, in memory shared with forked children (MAP_SHARED): whether its thread is inside a call
 * that may create a descriptor (shim.h, fdh_flight_begin). A child whose parent's log does not yet hold
 * the opening of a descriptor it inherited waits only while such a call may still record it
 * (fork_inheritance.c). A forked child makes a table of its own once it has read the parent's. */
static struct fdh_flight *flights;

static struct fdh_flight *new_flights(void) {
    long table = syscall(SYS_mmap, NULL, AREAS_MAX * sizeof *flights, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return table < 0 && table > -4096 ? NULL : (struct fdh_flight *)table;
}

static void take_flight(unsigned index) {
    if (!flights || index >= AREAS_MAX) return;
    struct fdh_flight *f = &flights[index];
    atomic_store_explicit(&f->serial, 0, memory_order_relaxed);
    atomic_store_explicit(&f->tid, (uint32_t)fdh_tid(), memory_order_release);
    fdh_flight = f;
}

const struct fdh_flight *fdh_flights(unsigned *count) {
    unsigned used = atomic_load(&areas_used);
    *count = used < AREAS_MAX ? used : AREAS_MAX;
    return flights;
}

void fdh_flights_after_fork(void) {
    struct fdh_flight *own = fdh_flight, *old = flights;
    flights = new_flights();
    fdh_flight = NULL;
    if (own && old) take_flight((unsigned)(own - old));
}
__thread unsigned char fdh_thread_busy __attribute__((tls_model("initial-exec"))); /* bit per depth */

static pthread_key_t release_key;
static int release_key_ready;

/* Runs when a thread exits: its stacks go back to the table. */
static void release_area(void *value) {
    unsigned index = (unsigned)(uintptr_t)value - 1;
    fdh_thread_area = NULL;
    if (fdh_flight) {
        atomic_store_explicit(&fdh_flight->tid, 0, memory_order_release);
        fdh_flight = NULL;
    }
    if (index < AREAS_MAX) atomic_store_explicit(&areas[index].in_use, 0, memory_order_release);
}

void fdh_side_stacks_init(void) {
    if (!flights) flights = new_flights();
    for (unsigned i = 0; fdh_thread_area && !fdh_flight && i < atomic_load(&areas_used) && i < AREAS_MAX; i++) {
        if (atomic_load(&areas[i].base) == fdh_thread_area) take_flight(i); /* taken before the constructor */
    }
    /* Keys below 32 live in the thread descriptor itself: pthread_setspecific then never allocates. */
    pthread_key_t key;
    if (pthread_key_create(&key, release_area) == 0) {
        if (key < 32) {
            release_key = key;
            release_key_ready = 1;
        } else {
            pthread_key_delete(key);
        }
    }
}

static char *new_area(void) {
    long base = syscall(SYS_mmap, NULL, AREA_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (base < 0 && base > -4096) return NULL;
    char *area = (char *)base;
    syscall(SYS_mprotect, area + SCRATCH, PAGE, PROT_NONE);                    /* under the nested stack */
    syscall(SYS_mprotect, area + NESTED_BASE + NESTED_STACK, PAGE, PROT_NONE); /* under the main stack */
    return area;
}

static char *acquire_area(void) {
    unsigned used = atomic_load_explicit(&areas_used, memory_order_acquire);
    for (unsigned i = 0; i < used && i < AREAS_MAX; i++) {
        int expected = 0;
        if (atomic_load_explicit(&areas[i].base, memory_order_acquire) &&
            atomic_compare_exchange_strong(&areas[i].in_use, &expected, 1)) {
            char *reused = atomic_load_explicit(&areas[i].base, memory_order_acquire);
            memset(reused + FDH_SCRATCH_THREAD_OFFSET, 0, FDH_SCRATCH_THREAD_SIZE); /* another thread's */
            if (release_key_ready) pthread_setspecific(release_key, (void *)(uintptr_t)(i + 1));
            take_flight(i);
            return atomic_load_explicit(&areas[i].base, memory_order_acquire);
        }
    }
    char *area = new_area();
    if (!area) return NULL;
    unsigned index = atomic_fetch_add(&areas_used, 1);
    if (index < AREAS_MAX) {
        atomic_store(&areas[index].in_use, 1);
        atomic_store_explicit(&areas[index].base, area, memory_order_release);
        if (release_key_ready) pthread_setspecific(release_key, (void *)(uintptr_t)(index + 1));
        take_flight(index);
    } /* else: the table is full; this thread's area is simply never reused */
    return area;
}

/* The slow path of fdh_on_side_stack (shim.h): this thread's first use. */
char *fdh_side_stack_area(void) {
    if (!fdh_thread_area) {
        fdh_thread_area = acquire_area();
        fdh_side_stack_altstack_changed(); /* set before the thread's first hook, or inherited by a fork */
    }
    return fdh_thread_area;
}

char *fdh_side_stack_top(char *area, int depth) {
    return depth == 1 ? area + AREA_SIZE : area + NESTED_BASE + NESTED_STACK;
}


/* Whether `address` is on one of this thread's side stacks (or its scratch area). */
int fdh_side_stack_holds(uintptr_t address) {
    char *area = fdh_thread_area;
    return area && address >= (uintptr_t)area && address - (uintptr_t)area < AREA_SIZE;
}

/* Which of this thread's side stacks holds `address`: 1 (an ordinary hook's), 2 (a nested hook's), else 0. */
int fdh_side_stack_depth_of(uintptr_t address) {
    uintptr_t area = (uintptr_t)fdh_thread_area;
    if (!area || address < area) return 0;
    uintptr_t offset = address - area;
    if (offset >= NESTED_BASE + NESTED_STACK + PAGE && offset < AREA_SIZE) return 1;
    if (offset >= NESTED_BASE && offset < NESTED_BASE + NESTED_STACK) return 2;
    return 0;
}

/* Where the program's stack was left when this thread switched onto side stack `depth` (the word
 * fdh_call_on_stack keeps under the stack's top). Meaningful only while that stack is in use. */
uintptr_t fdh_side_stack_entry(int depth) {
    char *area = fdh_thread_area;
    return area ? *(const uintptr_t *)(const void *)(fdh_side_stack_top(area, depth) - 8) : 0;
}

/* A capture abandoned half-way (a signal handler jumped out of the recorder, recorder.c) may have left the
 * caches it was filling inconsistent — the interning cache's entries from two stacks, a rule or memo entry
 * half-written: they are emptied (every one reads zeros as empty). The pending helper frames stay. */
void fdh_side_stack_forget_caches(void) {
    char *area = fdh_thread_area;
    if (!area) return;
    memset(area, 0, FDH_SCRATCH_STACK_CACHE_SIZE);
    memset(area + FDH_SCRATCH_PATH_OFFSET, 0, FDH_SCRATCH_PATH_SIZE);
    _Static_assert(FDH_SCRATCH_UNWIND_OFFSET % PAGE == 0 && SCRATCH % PAGE == 0, "page-aligned caches");
    syscall(SYS_madvise, area + FDH_SCRATCH_UNWIND_OFFSET, SCRATCH - FDH_SCRATCH_UNWIND_OFFSET, MADV_DONTNEED);
}

/* In a forked child only the forking thread exists: every other thread's stacks are free again. */
void fdh_side_stacks_after_fork(void) {
    unsigned used = atomic_load(&areas_used);
    for (unsigned i = 0; i < used && i < AREAS_MAX; i++) {
        if (atomic_load(&areas[i].base) != fdh_thread_area) atomic_store(&areas[i].in_use, 0);
    }
}
