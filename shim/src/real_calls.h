/* real_calls.h — how a hook finds the function it replaces: dlsym(RTLD_NEXT), once per symbol, into a slot
 * of one table (real_calls.c) with a slot for every name in hooked_symbols.h. The shim's constructor fills
 * every slot at start-up (fdh_real_resolve_all), before the program can have a signal handler that jumps:
 * dlsym takes the loader's lock, and a handler that siglongjmp'ed out of a hook's first call left it held
 * (the program then hung at its next dlopen or at exit). A hook called before that constructor (from
 * another library's constructor) resolves its slot on first use, with the program's signals held off. A
 * symbol this libc lacks (close_range before glibc 2.34, say) is remembered as absent: the hook fails
 * with ENOSYS instead of crashing, and nothing is looked up again. */
#ifndef FDHOUND_REAL_CALLS_H
#define FDHOUND_REAL_CALLS_H

#include <dlfcn.h>
#include <errno.h>

#include "hooked_symbols.h"
#include "shim.h"

#define FDH_REAL_SLOT_ENUM(file, name) FDH_REAL_SLOT_##name,
enum { FDH_HOOKED_SYMBOLS(FDH_REAL_SLOT_ENUM) FDH_REAL_SLOTS };
#undef FDH_REAL_SLOT_ENUM

/* A slot: NULL not looked up yet, FDH_REAL_ABSENT looked up and not found, else the function. */
#define FDH_REAL_ABSENT ((void *)1)
extern void *fdh_real_slots[FDH_REAL_SLOTS];
void *fdh_real_resolve(unsigned slot); /* the slow path: looks it up (or NULL when absent) */
void fdh_real_resolve_all(void);       /* the constructor: every slot */

/* The function in `slot` (NULL if this libc lacks it); one load and one compare once resolved. */
static inline void *fdh_real(unsigned slot) {
    void *real = __atomic_load_n(&fdh_real_slots[slot], __ATOMIC_ACQUIRE);
    if (FDH_UNLIKELY((uintptr_t)real <= (uintptr_t)FDH_REAL_ABSENT)) real = fdh_real_resolve(slot);
    return real;
}

/* Declares `real_<name>` with the type of <name>, inside a hook body. */
#define FDH_REAL(name) __typeof__(name) *real_##name = (__typeof__(name) *)fdh_real(FDH_REAL_SLOT_##name)

/* For hooks whose replaced function may be absent from this libc. */
#define FDH_REAL_OR_FAIL(name, failure)                                                                   \
    FDH_REAL(name);                                                                                       \
    if (FDH_UNLIKELY(!real_##name)) {                                                                     \
        errno = ENOSYS;                                                                                   \
        return failure;                                                                                   \
    }

/* `result = call` — the real call of every hook that may create a descriptor (open, socket, dup2,
 * freopen, recvmsg with SCM_RIGHTS…), always through here or FDH_RETRY_ON_EMFILE: the call is marked in
 * flight (shim.h, fdh_flight_begin), so that a child forked meanwhile by another thread waits for its
 * record instead of giving up on the descriptor at once (fork_inheritance.c). Every hook that records an
 * opening makes its real call through one of these (libunwind's own pipe, parked and never recorded, is
 * the one exception); tests/run_tests.sh (creating_calls_are_marked_in_flight) checks the hook files. */
#define FDH_CREATING(result, call)                                                                        \
    do {                                                                                                  \
        fdh_flight_begin();                                                                               \
        result = (call);                                                                                  \
        fdh_flight_returned();                                                                            \
    } while (0)

/* FDH_CREATING, made once more when it failed with EMFILE while the tracer's pipe held the top two
 * numbers: the pipe is given back first (tracer_pipe.c), so the program gets exactly the descriptors it
 * would have had untraced. Safe to repeat: a call that fails with EMFILE has done nothing. */
#define FDH_RETRY_ON_EMFILE(result, failed, call)                                                         \
    do {                                                                                                  \
        FDH_CREATING(result, call);                                                                       \
        if (FDH_UNLIKELY((failed) && errno == EMFILE) && fdh_tracer_pipe_yield_for_emfile()) result = (call);         \
    } while (0)

#endif /* FDHOUND_REAL_CALLS_H */
