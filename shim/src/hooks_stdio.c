/* hooks_stdio.c — FILE* streams: fopen/fopen64 open a descriptor owned by the stream, fdopen hands an
 * existing descriptor to a stream, fclose releases it. glibc's fopen opens its file through an internal
 * call that never reaches the open hook, so each stream is one event, under the fopen that made it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "real_calls.h"

static FILE *stream_opened(uint8_t api, const char *path, const char *mode, FILE *stream) {
    FDH_RECORDING {
        uint32_t description = stream ? fdh_describe_path(path, FDH_PATH_BASE_CWD)
                                      : fdh_describe_unread_path(path, FDH_PATH_BASE_CWD);
        int fd = stream ? fileno(stream) : -1;
        if (fd >= 0) {
            struct fdh_opened o = {.api = api, .kind = FDH_KIND_FILE, .owner = FDH_OWNER_STDIO,
                                   .cloexec = mode && strchr(mode, 'e') != NULL, .fd = fd, .fd2 = -1,
                                   .str1 = description};
            fdh_record_open(&o);
        } else if (!stream) {
            fdh_record_failure(api, FDH_SAVED_ERRNO, 0, description);
        }
    }
    return stream;
}

/* The stream-making calls fail with EMFILE like open() does; the retry gives the program the tracer's
 * parked numbers first (see FDH_RETRY_ON_EMFILE). */
#define STREAM_CALL(stream, call) FDH_RETRY_ON_EMFILE(stream, !(stream), call)

FDH_EXPORT FILE *fopen(const char *restrict path, const char *restrict mode) {
    FDH_REAL(fopen);
    FILE *stream;
    STREAM_CALL(stream, real_fopen(path, mode));
    return stream_opened(FDH_API_FOPEN, path, mode, stream);
}

FDH_EXPORT FILE *fopen64(const char *restrict path, const char *restrict mode) {
    FDH_REAL(fopen64);
    FILE *stream;
    STREAM_CALL(stream, real_fopen64(path, mode));
    return stream_opened(FDH_API_FOPEN64, path, mode, stream);
}

FDH_EXPORT FILE *fdopen(int fd, const char *mode) {
    FDH_REAL(fdopen);
    if (FDH_UNLIKELY(fdh_is_tracer_fd(fd))) { /* the tracer's parked pipe: not open for the program */
        errno = EBADF;
        return NULL;
    }
    FILE *stream = real_fdopen(fd, mode);
    FDH_RECORDING {
        if (stream) fdh_record_owner(FDH_API_FDOPEN, fd, FDH_OWNER_STDIO);
    }
    return stream;
}

/* The closing calls of streams: recorded before the real call (hooks_close.c says why). `fd` < 0 (a stream
 * without a descriptor: fmemopen, fopencookie) records nothing. */
/* The ticket is the caller's: it stays where it is until the close finishes (recorder.c follows it). */
static void stream_closing(uint8_t api, FILE *stream, struct fdh_close_ticket *ticket) {
    *ticket = FDH_NO_CLOSE;
    int fd = stream ? fileno(stream) : -1;
    if (fd >= 0) {
        FDH_RECORDING fdh_record_close(api, fd, ticket);
    }
}

FDH_EXPORT int fclose(FILE *stream) {
    FDH_REAL(fclose);
    int fd = stream ? fileno(stream) : -1;
    struct fdh_close_ticket ticket;
    stream_closing(FDH_API_FCLOSE, stream, &ticket);
    int result = real_fclose(stream);
    FDH_RECORDING fdh_finish_close(&ticket, fd, result == 0 ? 0 : -1, FDH_SAVED_ERRNO);
    return result;
}

/* popen: a FILE* over one end of a pipe to a child shell; pclose releases it (and waits). */
FDH_EXPORT FILE *popen(const char *command, const char *mode) {
    FDH_REAL(popen);
    FILE *stream;
    STREAM_CALL(stream, real_popen(command, mode));
    FDH_RECORDING {
        int fd = stream ? fileno(stream) : -1;
        if (fd >= 0) {
            struct fdh_opened o = {.api = FDH_API_POPEN, .kind = FDH_KIND_PIPE, .owner = FDH_OWNER_STDIO,
                                   .cloexec = 1, .fd = fd, .fd2 = -1, .str1 = fdh_intern_cstr(command)};
            fdh_record_open(&o);
        } else if (!stream) {
            fdh_record_failure(FDH_API_POPEN, FDH_SAVED_ERRNO, 0, fdh_intern_cstr(command));
        }
    }
    return stream;
}

FDH_EXPORT int pclose(FILE *stream) {
    FDH_REAL(pclose);
    int fd = stream ? fileno(stream) : -1;
    struct fdh_close_ticket ticket;
    stream_closing(FDH_API_PCLOSE, stream, &ticket);
    int result = real_pclose(stream);
    FDH_RECORDING fdh_finish_close(&ticket, fd, result == -1 ? -1 : 0, FDH_SAVED_ERRNO);
    return result;
}

/* tmpfile: an already-unlinked file; the kernel's name for it reads "/tmp/#123 (deleted)". */
static FILE *temporary_opened(uint8_t api, FILE *stream) {
    FDH_RECORDING {
        int fd = stream ? fileno(stream) : -1;
        if (fd >= 0) {
            uint8_t kind;
            struct fdh_opened o = {.api = api, .owner = FDH_OWNER_STDIO, .fd = fd, .fd2 = -1};
            o.str1 = fdh_describe_fd(fd, &kind);
            o.kind = FDH_KIND_FILE;
            fdh_record_open(&o);
        } else if (!stream) {
            fdh_record_failure(api, FDH_SAVED_ERRNO, 0, 0);
        }
    }
    return stream;
}

FDH_EXPORT FILE *tmpfile(void) {
    FDH_REAL(tmpfile);
    FILE *stream;
    STREAM_CALL(stream, real_tmpfile());
    return temporary_opened(FDH_API_TMPFILE, stream);
}

FDH_EXPORT FILE *tmpfile64(void) {
    FDH_REAL(tmpfile64);
    FILE *stream;
    STREAM_CALL(stream, real_tmpfile64());
    return temporary_opened(FDH_API_TMPFILE64, stream);
}

/* freopen closes the stream's descriptor and opens a new one (often with the same number). */
static FILE *reopen(uint8_t api, FILE *(*real)(const char *, const char *, FILE *), const char *path,
                    const char *mode, FILE *stream) {
    int old = stream ? fileno(stream) : -1;
    struct fdh_close_ticket ticket;
    stream_closing(api, stream, &ticket);
    FILE *result;
    FDH_CREATING(result, real(path, mode, stream));
    /* The opening first: the close's scope would end the call's flight before the opening is recorded.
     * (The CLOSE's seq was reserved before the call: the log's order stays close, then open.) */
    FILE *opened = stream_opened(api, path, mode, result);
    FDH_RECORDING fdh_finish_close(&ticket, old, 0, 0);
    return opened;
}

FDH_EXPORT FILE *freopen(const char *restrict path, const char *restrict mode, FILE *restrict stream) {
    FDH_REAL(freopen);
    return reopen(FDH_API_FREOPEN, real_freopen, path, mode, stream);
}

FDH_EXPORT FILE *freopen64(const char *restrict path, const char *restrict mode, FILE *restrict stream) {
    FDH_REAL(freopen64);
    return reopen(FDH_API_FREOPEN64, real_freopen64, path, mode, stream);
}
