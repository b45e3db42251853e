/* hooks_dlopen.c — dlopen and dlclose: nothing is recorded. They tell the module table that the set of
 * loaded objects may have changed (module_map.c rescans at the next capture instead of asking the loader at
 * every one). In a process the shim was attached to (got_patch.c), an object the program loads later gets
 * its imports pointed at the hooks too; under LD_PRELOAD the loader does that by itself. */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "real_calls.h"

FDH_EXPORT void *dlopen(const char *file, int mode) {
    FDH_REAL(dlopen);
    fdh_fast_unwind_objects_changed(); /* an object libc unloaded by itself may be replaced at its address */
    void *handle = real_dlopen(file, mode);
    fdh_fast_unwind_objects_changed();
    fdh_modules_changed();
    if (handle && FDH_UNLIKELY(fdh_got_enabled())) {
        int saved = errno;
        fdh_got_patch_all();
        errno = saved;
    }
    return handle;
}

FDH_EXPORT int dlclose(void *handle) {
    FDH_REAL(dlclose);
    int result = real_dlclose(handle);
    fdh_fast_unwind_objects_changed();
    fdh_modules_changed();
    return result;
}
