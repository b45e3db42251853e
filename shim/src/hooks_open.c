/* hooks_open.c — open, openat, creat and their 64-bit and fortified (__open_2, _FORTIFY_SOURCE) aliases.
 * The mode argument is read only when O_CREAT or O_TMPFILE says it was passed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>

#include "real_calls.h"

static int needs_mode(int flags) {
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

#define READ_MODE(flags, mode)                                                                            \
    mode_t mode = 0;                                                                                      \
    if (needs_mode(flags)) {                                                                              \
        va_list ap;                                                                                       \
        va_start(ap, flags);                                                                              \
        mode = (mode_t)va_arg(ap, int);                                                                   \
        va_end(ap);                                                                                       \
    }

/* Records the outcome of any open-family call and restores errno. */
static int opened(uint8_t api, int dirfd, const char *path, int flags, int fd) {
    FDH_RECORDING {
        uint32_t base = dirfd == AT_FDCWD ? FDH_PATH_BASE_CWD : fdh_live_description(dirfd);
        uint32_t description = fd >= 0 ? fdh_describe_path(path, base) : fdh_describe_unread_path(path, base);
        if (fd >= 0) {
            struct fdh_opened o = {
                .api = api,
                .kind = (flags & O_DIRECTORY) && (flags & O_TMPFILE) != O_TMPFILE ? FDH_KIND_DIRECTORY : FDH_KIND_FILE,
                .owner = FDH_OWNER_RAW,
                .cloexec = (flags & O_CLOEXEC) != 0,
                .fd = fd,
                .fd2 = -1,
                .arg = (uint32_t)flags,
                .str1 = description,
            };
            fdh_record_open(&o);
        } else {
            fdh_record_failure(api, FDH_SAVED_ERRNO, (uint32_t)flags, description);
        }
    }
    return fd;
}

FDH_EXPORT int open(const char *path, int flags, ...) {
    READ_MODE(flags, mode);
    FDH_REAL(open);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_open(path, flags, mode));
    return opened(FDH_API_OPEN, AT_FDCWD, path, flags, fd);
}

FDH_EXPORT int open64(const char *path, int flags, ...) {
    READ_MODE(flags, mode);
    FDH_REAL(open64);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_open64(path, flags, mode));
    return opened(FDH_API_OPEN64, AT_FDCWD, path, flags, fd);
}

FDH_EXPORT int openat(int dirfd, const char *path, int flags, ...) {
    READ_MODE(flags, mode);
    FDH_REAL(openat);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_openat(dirfd, path, flags, mode));
    return opened(FDH_API_OPENAT, dirfd, path, flags, fd);
}

FDH_EXPORT int openat64(int dirfd, const char *path, int flags, ...) {
    READ_MODE(flags, mode);
    FDH_REAL(openat64);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_openat64(dirfd, path, flags, mode));
    return opened(FDH_API_OPENAT64, dirfd, path, flags, fd);
}

FDH_EXPORT int creat(const char *path, mode_t mode) {
    FDH_REAL(creat);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_creat(path, mode));
    return opened(FDH_API_CREAT, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, fd);
}

FDH_EXPORT int creat64(const char *path, mode_t mode) {
    FDH_REAL(creat64);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_creat64(path, mode));
    return opened(FDH_API_CREAT64, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, fd);
}

/* Fortified entry points: code built with _FORTIFY_SOURCE calls these when flags are not constant. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

FDH_EXPORT int __open_2(const char *path, int flags) {
    FDH_REAL_OR_FAIL(__open_2, -1);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real___open_2(path, flags));
    return opened(FDH_API_OPEN, AT_FDCWD, path, flags, fd);
}

FDH_EXPORT int __open64_2(const char *path, int flags) {
    FDH_REAL_OR_FAIL(__open64_2, -1);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real___open64_2(path, flags));
    return opened(FDH_API_OPEN64, AT_FDCWD, path, flags, fd);
}

FDH_EXPORT int __openat_2(int dirfd, const char *path, int flags) {
    FDH_REAL_OR_FAIL(__openat_2, -1);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real___openat_2(dirfd, path, flags));
    return opened(FDH_API_OPENAT, dirfd, path, flags, fd);
}

FDH_EXPORT int __openat64_2(int dirfd, const char *path, int flags) {
    FDH_REAL_OR_FAIL(__openat64_2, -1);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real___openat64_2(dirfd, path, flags));
    return opened(FDH_API_OPENAT64, dirfd, path, flags, fd);
}
