/* hooks_dir.c — DIR* streams: opendir opens a directory descriptor owned by the stream, fdopendir hands
 * one over, closedir releases it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>

#include "real_calls.h"

FDH_EXPORT DIR *opendir(const char *path) {
    FDH_REAL(opendir);
    DIR *dir;
    FDH_RETRY_ON_EMFILE(dir, !dir, real_opendir(path));
    FDH_RECORDING {
        uint32_t description = dir ? fdh_describe_path(path, FDH_PATH_BASE_CWD)
                                   : fdh_describe_unread_path(path, FDH_PATH_BASE_CWD);
        int fd = dir ? dirfd(dir) : -1;
        if (fd >= 0) {
            struct fdh_opened o = {.api = FDH_API_OPENDIR, .kind = FDH_KIND_DIRECTORY, .owner = FDH_OWNER_DIR,
                                   .cloexec = 1, .fd = fd, .fd2 = -1, .str1 = description};
            fdh_record_open(&o);
        } else if (!dir) {
            fdh_record_failure(FDH_API_OPENDIR, FDH_SAVED_ERRNO, 0, description);
        }
    }
    return dir;
}

FDH_EXPORT DIR *fdopendir(int fd) {
    FDH_REAL(fdopendir);
    if (FDH_UNLIKELY(fdh_is_tracer_fd(fd))) { /* the tracer's parked pipe: not open for the program */
        errno = EBADF;
        return NULL;
    }
    DIR *dir = real_fdopendir(fd);
    FDH_RECORDING {
        if (dir) fdh_record_owner(FDH_API_FDOPENDIR, fd, FDH_OWNER_DIR);
    }
    return dir;
}

/* Recorded before the real call (hooks_close.c says why). closedir(NULL) crashes in libc as untraced (the
 * NULL check is hidden from the compiler, which assumes the nonnull attribute of libc's declaration). */
static int dir_descriptor(DIR *volatile const *dir) { return *dir ? dirfd(*dir) : -1; }

FDH_EXPORT int closedir(DIR *dir) {
    FDH_REAL(closedir);
    int fd = dir_descriptor(&dir);
    struct fdh_close_ticket ticket = FDH_NO_CLOSE;
    if (fd >= 0) {
        FDH_RECORDING fdh_record_close(FDH_API_CLOSEDIR, fd, &ticket);
    }
    int result = real_closedir(dir);
    FDH_RECORDING fdh_finish_close(&ticket, fd, result, FDH_SAVED_ERRNO);
    return result;
}
