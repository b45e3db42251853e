/* hooks_tempfiles.c — mkstemp and its variants: the descriptor is described by the name the call filled
 * into the caller's template. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>

#include "real_calls.h"

static int temp_opened(uint8_t api, char *template, int fd, int flags) {
    FDH_RECORDING {
        uint32_t description = fdh_describe_path(template, FDH_PATH_BASE_CWD);
        if (fd >= 0) {
            struct fdh_opened o = {.api = api, .kind = FDH_KIND_FILE, .owner = FDH_OWNER_RAW,
                                   .cloexec = (flags & O_CLOEXEC) != 0, .fd = fd, .fd2 = -1,
                                   .arg = (uint32_t)flags, .str1 = description};
            fdh_record_open(&o);
        } else {
            fdh_record_failure(api, FDH_SAVED_ERRNO, (uint32_t)flags, description);
        }
    }
    return fd;
}

FDH_EXPORT int mkstemp(char *template) {
    FDH_REAL(mkstemp);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_mkstemp(template));
    return temp_opened(FDH_API_MKSTEMP, template, fd, 0);
}

FDH_EXPORT int mkstemp64(char *template) {
    FDH_REAL(mkstemp64);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_mkstemp64(template));
    return temp_opened(FDH_API_MKSTEMP64, template, fd, 0);
}

FDH_EXPORT int mkostemp(char *template, int flags) {
    FDH_REAL(mkostemp);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_mkostemp(template, flags));
    return temp_opened(FDH_API_MKOSTEMP, template, fd, flags);
}

FDH_EXPORT int mkstemps(char *template, int suffixlen) {
    FDH_REAL(mkstemps);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_mkstemps(template, suffixlen));
    return temp_opened(FDH_API_MKSTEMPS, template, fd, 0);
}

FDH_EXPORT int mkostemps(char *template, int suffixlen, int flags) {
    FDH_REAL(mkostemps);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_mkostemps(template, suffixlen, flags));
    return temp_opened(FDH_API_MKOSTEMPS, template, fd, flags);
}
