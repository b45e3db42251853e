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
    struct fdh_close_ticket ticket;
    if (fd >= 0) fdh_record_close(FDH_API_FCLOSE, fd, &ticket);
    else fdh_no_close(&ticket);
    fdh_leave();
    errno = saved;
    int result = real_fclose(stream);
    int err = errno;
    fdh_finish_close(&ticket, fd, result == 0 ? 0 : -1, err);
    errno = err;
    return result;
}

/* popen: a FILE* over one end of a pipe to a child shell; pclose releases it (and waits). */
FDH_EXPORT FILE *popen(const char *command, const char *mode) {
    FDH_REAL(popen);
    FILE *stream = real_popen(command, mode);
    if (!fdh_enter()) return stream;
    int saved = errno;
    int fd = stream ? fileno(stream) : -1;
    if (fd >= 0) {
        struct fdh_opened o = {.api = FDH_API_POPEN, .kind = FDH_KIND_PIPE, .owner = FDH_OWNER_STDIO,
                               .cloexec = 1, .fd = fd, .fd2 = -1, .str1 = fdh_intern_cstr(command)};
        fdh_record_open(&o);
    } else if (!stream) {
        fdh_record_failure(FDH_API_POPEN, saved, 0, fdh_intern_cstr(command));
    }
    fdh_leave();
    errno = saved;
    return stream;
}

FDH_EXPORT int pclose(FILE *stream) {
    FDH_REAL(pclose);
    if (!stream || !fdh_enter()) return real_pclose(stream);
    int saved = errno;
    int fd = fileno(stream);
    struct fdh_close_ticket ticket;
    if (fd >= 0) fdh_record_close(FDH_API_PCLOSE, fd, &ticket);
    else fdh_no_close(&ticket);
    fdh_leave();
    errno = saved;
    int result = real_pclose(stream);
    int err = errno;
    fdh_finish_close(&ticket, fd, result == -1 ? -1 : 0, err);
    errno = err;
    return result;
}

/* tmpfile: an already-unlinked file; the kernel's name for it reads "/tmp/#123 (deleted)". */
static FILE *temporary_opened(uint8_t api, FILE *stream) {
    if (!fdh_enter()) return stream;
    int saved = errno;
    int fd = stream ? fileno(stream) : -1;
    if (fd >= 0) {
        uint8_t kind;
        struct fdh_opened o = {.api = api, .owner = FDH_OWNER_STDIO, .fd = fd, .fd2 = -1};
        o.str1 = fdh_describe_fd(fd, &kind);
        o.kind = FDH_KIND_FILE;
        fdh_record_open(&o);
    } else if (!stream) {
        fdh_record_failure(api, saved, 0, 0);
    }
    fdh_leave();
    errno = saved;
    return stream;
}

FDH_EXPORT FILE *tmpfile(void) {
    FDH_REAL(tmpfile);
    return temporary_opened(FDH_API_TMPFILE, real_tmpfile());
}

FDH_EXPORT FILE *tmpfile64(void) {
    FDH_REAL(tmpfile64);
    return temporary_opened(FDH_API_TMPFILE64, real_tmpfile64());
}

/* freopen closes the stream's descriptor and opens a new one (often with the same number). */
static FILE *reopen(uint8_t api, FILE *(*real)(const char *, const char *, FILE *), const char *path,
                    const char *mode, FILE *stream) {
    if (!stream || !fdh_enter()) return real(path, mode, stream);
    int saved = errno;
    int old = fileno(stream);
    struct fdh_close_ticket ticket;
    if (old >= 0) fdh_record_close(api, old, &ticket);
    else fdh_no_close(&ticket);
    fdh_leave();
    errno = saved;
    FILE *result = real(path, mode, stream);
    int err = errno;
    fdh_finish_close(&ticket, old, 0, 0);
    errno = err;
    return stream_opened(api, path, mode, result);
}

FDH_EXPORT FILE *freopen(const char *restrict path, const char *restrict mode, FILE *restrict stream) {
    FDH_REAL(freopen);
    return reopen(FDH_API_FREOPEN, real_freopen, path, mode, stream);
}

FDH_EXPORT FILE *freopen64(const char *restrict path, const char *restrict mode, FILE *restrict stream) {
    FDH_REAL(freopen64);
    return reopen(FDH_API_FREOPEN64, real_freopen64, path, mode, stream);
}
