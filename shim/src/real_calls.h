/* real_calls.h — how a hook finds the function it replaces: dlsym(RTLD_NEXT) on first use, cached in a
 * static pointer. Lazy because hooks can run before our constructor (another library's constructor may
 * open a file). A missing symbol (an older libc without __open_2, say) makes the hook fail with ENOSYS
 * instead of crashing. */
#ifndef FDHOUND_REAL_CALLS_H
#define FDHOUND_REAL_CALLS_H

#include <dlfcn.h>
#include <errno.h>

#include "shim.h"

/* Declares `real_<name>` with the type of <name>, inside a hook body: the cached dlsym result, resolved on
 * first use. The cache is read and written atomically (two threads may resolve it at once: both store the
 * same value). */
#define FDH_REAL(name)                                                                                    \
    static __typeof__(name) *fdh_cached_##name;                                                           \
    __typeof__(name) *real_##name = __atomic_load_n(&fdh_cached_##name, __ATOMIC_ACQUIRE);                \
    if (FDH_UNLIKELY(!real_##name)) {                                                                     \
        real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name);                                        \
        __atomic_store_n(&fdh_cached_##name, real_##name, __ATOMIC_RELEASE);                              \
    }

/* For hooks whose replaced function may be absent from this libc. */
#define FDH_REAL_OR_FAIL(name, failure)                                                                   \
    FDH_REAL(name);                                                                                       \
    if (FDH_UNLIKELY(!real_##name)) {                                                                     \
        errno = ENOSYS;                                                                                   \
        return failure;                                                                                   \
    }

/* `result = call` — a call that may create a descriptor (fdh_flight_begin marks it in flight) — made once
 * more when it failed with EMFILE while the tracer's pipe held the top two
 * numbers: the pipe is given back first (tracer_pipe.c), so the program gets exactly the descriptors it
 * would have had untraced. Safe to repeat: a call that fails with EMFILE has done nothing. */
#define FDH_RETRY_ON_EMFILE(result, failed, call)                                                         \
    do {                                                                                                  \
        fdh_flight_begin();                                                                               \
        result = (call);                                                                                  \
        fdh_flight_returned();                                                                            \
        if (FDH_UNLIKELY((failed) && errno == EMFILE) && fdh_tracer_pipe_yield_for_emfile()) result = (call);         \
    } while (0)

#endif /* FDHOUND_REAL_CALLS_H */
