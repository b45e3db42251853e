/* hooks_tempfiles.c — mkstemp and its variants: the descriptor is described by the name the call filled
 * into the caller's template. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>

#include "real_calls.h"

static int temp_opened(uint8_t api, char *template, int fd, int flags) {
    if (!fdh_enter()) return fd;
    int saved = errno;
    uint32_t description = fdh_describe_path(AT_FDCWD, template);
    if (fd >= 0) {
        struct fdh_opened o = {.api = api, .kind = FDH_KIND_FILE, .owner = FDH_OWNER_RAW,
                               .cloexec = (flags & O_CLOEXEC) != 0, .fd = fd, .fd2 = -1,
                               .arg = (uint32_t)flags, .str1 = description};
        fdh_record_open(&o);
    } else {
        fdh_record_failure(api, saved, (uint32_t)flags, description);
    }
    fdh_leave();
    errno = saved;
    return fd;
}

FDH_EXPORT int mkstemp(char *template) {
    FDH_REAL(mkstemp);
    return temp_opened(FDH_API_MKSTEMP, template, real_mkstemp(template), 0);
}

FDH_EXPORT int mkstemp64(char *template) {
    FDH_REAL(mkstemp64);
    return temp_opened(FDH_API_MKSTEMP64, template, real_mkstemp64(template), 0);
}

FDH_EXPORT int mkostemp(char *template, int flags) {
    FDH_REAL(mkostemp);
    return temp_opened(FDH_API_MKOSTEMP, template, real_mkostemp(template, flags), flags);
}

FDH_EXPORT int mkstemps(char *template, int suffixlen) {
    FDH_REAL(mkstemps);
    return temp_opened(FDH_API_MKSTEMPS, template, real_mkstemps(template, suffixlen), 0);
}

FDH_EXPORT int mkostemps(char *template, int suffixlen, int flags) {
    FDH_REAL(mkostemps);
    return temp_opened(FDH_API_MKOSTEMPS, template, real_mkostemps(template, suffixlen, flags), flags);
}
