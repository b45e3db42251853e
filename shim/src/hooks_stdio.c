/* hooks_stdio.c — FILE* streams: fopen/fopen64 open a descriptor owned by the stream, fdopen hands an
 * existing descriptor to a stream, fclose releases it. glibc's fopen opens its file through an internal
 * call that never reaches the open hook, so each stream is one event, under the fopen that made it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "real_calls.h"

static FILE *stream_opened(uint8_t api, const char *path, const char *mode, FILE *stream) {
    if (!fdh_enter()) return stream;
    int saved = errno;
    uint32_t description = fdh_describe_path(AT_FDCWD, path);
    int fd = stream ? fileno(stream) : -1;
    if (fd >= 0) {
        struct fdh_opened o = {.api = api, .kind = FDH_KIND_FILE, .owner = FDH_OWNER_STDIO,
                               .cloexec = mode && strchr(mode, 'e') != NULL, .fd = fd, .fd2 = -1,
                               .str1 = description};
        fdh_record_open(&o);
    } else if (!stream) {
        fdh_record_failure(api, saved, 0, description);
    }
    fdh_leave();
    errno = saved;
    return stream;
}

FDH_EXPORT FILE *fopen(const char *restrict path, const char *restrict mode) {
    FDH_REAL(fopen);
    return stream_opened(FDH_API_FOPEN, path, mode, real_fopen(path, mode));
}

FDH_EXPORT FILE *fopen64(const char *restrict path, const char *restrict mode) {
    FDH_REAL(fopen64);
    return stream_opened(FDH_API_FOPEN64, path, mode, real_fopen64(path, mode));
}

FDH_EXPORT FILE *fdopen(int fd, const char *mode) {
    FDH_REAL(fdopen);
    FILE *stream = real_fdopen(fd, mode);
    if (!fdh_enter()) return stream;
    int saved = errno;
    if (stream) fdh_record_owner(FDH_API_FDOPEN, fd, FDH_OWNER_STDIO);
    fdh_leave();
    errno = saved;
    return stream;
}

FDH_EXPORT int fclose(FILE *stream) {
    FDH_REAL(fclose);
    if (!stream || !fdh_enter()) return real_fclose(stream);
    int saved = errno;
    int fd = fileno(stream);
    uint64_t event = fd >= 0 ? fdh_record_close(FDH_API_FCLOSE, fd) : UINT64_MAX;
    fdh_leave();
    errno = saved;
    int result = real_fclose(stream);
    int err = errno;
    fdh_finish_close(event, result == 0 ? 0 : -1, err);
    errno = err;
    return result;
}
