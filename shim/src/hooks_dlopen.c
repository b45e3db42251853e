/* hooks_dlopen.c — dlopen: nothing is recorded. In a process the shim was attached to (got_patch.c), an
 * object the program loads later gets its imports pointed at the hooks too; under LD_PRELOAD the loader
 * does that by itself and this hook only passes the call on. */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "real_calls.h"

FDH_EXPORT void *dlopen(const char *file, int mode) {
    FDH_REAL(dlopen);
    void *handle = real_dlopen(file, mode);
    if (handle && FDH_UNLIKELY(fdh_got_enabled())) {
        int saved = errno;
        fdh_got_patch_all();
        errno = saved;
    }
    return handle;
}
