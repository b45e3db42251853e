/* hooks_dir.c — DIR* streams: opendir opens a directory descriptor owned by the stream, fdopendir hands
 * one over, closedir releases it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>

#include "real_calls.h"

FDH_EXPORT DIR *opendir(const char *path) {
    FDH_REAL(opendir);
    DIR *dir = real_opendir(path);
    if (!fdh_enter()) return dir;
    int saved = errno;
    uint32_t description = fdh_describe_path(AT_FDCWD, path);
    int fd = dir ? dirfd(dir) : -1;
    if (fd >= 0) {
        struct fdh_opened o = {.api = FDH_API_OPENDIR, .kind = FDH_KIND_DIRECTORY, .owner = FDH_OWNER_DIR,
                               .cloexec = 1, .fd = fd, .fd2 = -1, .str1 = description};
        fdh_record_open(&o);
    } else if (!dir) {
        fdh_record_failure(FDH_API_OPENDIR, saved, 0, description);
    }
    fdh_leave();
    errno = saved;
    return dir;
}

FDH_EXPORT DIR *fdopendir(int fd) {
    FDH_REAL(fdopendir);
    DIR *dir = real_fdopendir(fd);
    if (!fdh_enter()) return dir;
    int saved = errno;
    if (dir) fdh_record_owner(FDH_API_FDOPENDIR, fd, FDH_OWNER_DIR);
    fdh_leave();
    errno = saved;
    return dir;
}

FDH_EXPORT int closedir(DIR *dir) {
    FDH_REAL(closedir);
    if (!fdh_enter()) return real_closedir(dir); /* NULL crashes in libc as it would untraced */
    int saved = errno;
    int fd = dirfd(dir);
    struct fdh_close_ticket ticket;
    if (fd >= 0) fdh_record_close(FDH_API_CLOSEDIR, fd, &ticket);
    else fdh_no_close(&ticket);
    fdh_leave();
    errno = saved;
    int result = real_closedir(dir);
    int err = errno;
    fdh_finish_close(&ticket, fd, result, err);
    errno = err;
    return result;
}
