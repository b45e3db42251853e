/* real_calls.c — the table of real functions the hooks call (real_calls.h): one slot per name in
 * hooked_symbols.h, all looked up by the constructor (lifecycle.c), so that no hook takes the loader's
 * lock at a moment a signal handler could jump out of it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>

#include "real_calls.h"

void *fdh_real_slots[FDH_REAL_SLOTS];

#define FDH_REAL_SLOT_NAME(file, name) #name,
static const char *const slot_names[FDH_REAL_SLOTS] = {FDH_HOOKED_SYMBOLS(FDH_REAL_SLOT_NAME)};

/* libdbus's functions are resolved by hooks_dbus.c when libdbus is loaded (possibly RTLD_LOCAL, later):
 * not here, where each would be a failing dlsym. */
static int resolved_elsewhere(const char *name) { return strncmp(name, "dbus_", 5) == 0; }

static void *look_up(unsigned slot) {
    void *real = __atomic_load_n(&fdh_real_slots[slot], __ATOMIC_ACQUIRE);
    if (real) return real == FDH_REAL_ABSENT ? NULL : real;
    int saved = errno;
    uint64_t signals = fdh_signals_hold(); /* the loader's lock (raw.c) */
    real = dlsym(RTLD_NEXT, slot_names[slot]);
    fdh_signals_release(signals);
    errno = saved;
    /* Two threads may look one up at once: both store the same value. */
    __atomic_store_n(&fdh_real_slots[slot], real ? real : FDH_REAL_ABSENT, __ATOMIC_RELEASE);
    return real;
}

void *fdh_real_resolve(unsigned slot) { return slot < FDH_REAL_SLOTS ? look_up(slot) : NULL; }

/* ~100 lookups by hash, once (measured: see docs/ARCHITECTURE.md, "Finding the real functions"). */
void fdh_real_resolve_all(void) {
    for (unsigned slot = 0; slot < FDH_REAL_SLOTS; slot++) {
        if (!resolved_elsewhere(slot_names[slot])) look_up(slot);
    }
}
