/* hooks_linux_fds.c — the Linux-specific descriptor makers: eventfd, timerfd_create, signalfd,
 * epoll_create(1), inotify_init(1), fanotify_init, memfd_create, pidfd_open, posix_openpt and getpt.
 * Each is one OPEN event of its own kind; the *_CLOEXEC flag of each call sets `cloexec`. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "real_calls.h"

/* label: what the report shows for it (memfd name, /dev/ptmx); may be NULL. */
static int made(uint8_t api, uint8_t kind, int fd, int cloexec, uint64_t arg, const char *label) {
    FDH_RECORDING {
        uint32_t description = fdh_intern_cstr(label);
        if (fd >= 0) {
            struct fdh_opened o = {.api = api, .kind = kind, .owner = FDH_OWNER_RAW, .cloexec = (uint8_t)(cloexec != 0),
                                   .fd = fd, .fd2 = -1, .arg = arg, .str1 = description};
            fdh_record_open(&o);
        } else {
            fdh_record_failure(api, FDH_SAVED_ERRNO, arg, description);
        }
    }
    return fd;
}

FDH_EXPORT int eventfd(unsigned int initval, int flags) {
    FDH_REAL(eventfd);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_eventfd(initval, flags));
    return made(FDH_API_EVENTFD, FDH_KIND_EVENTFD, fd, flags & EFD_CLOEXEC, (uint32_t)flags, NULL);
}

FDH_EXPORT int timerfd_create(int clockid, int flags) {
    FDH_REAL(timerfd_create);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_timerfd_create(clockid, flags));
    return made(FDH_API_TIMERFD_CREATE, FDH_KIND_TIMERFD, fd, flags & TFD_CLOEXEC,
                (uint32_t)flags, NULL);
}

/* signalfd(-1, ...) makes a descriptor; signalfd(fd, ...) only changes the mask of an existing one. */
FDH_EXPORT int signalfd(int fd, const sigset_t *mask, int flags) {
    FDH_REAL(signalfd);
    int result;
    FDH_RETRY_ON_EMFILE(result, result < 0, real_signalfd(fd, mask, flags));
    if (fd != -1) return result;
    return made(FDH_API_SIGNALFD, FDH_KIND_SIGNALFD, result, flags & SFD_CLOEXEC, (uint32_t)flags, NULL);
}

FDH_EXPORT int epoll_create(int size) {
    FDH_REAL(epoll_create);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_epoll_create(size));
    return made(FDH_API_EPOLL_CREATE, FDH_KIND_EPOLL, fd, 0, 0, NULL);
}

FDH_EXPORT int epoll_create1(int flags) {
    FDH_REAL(epoll_create1);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_epoll_create1(flags));
    return made(FDH_API_EPOLL_CREATE1, FDH_KIND_EPOLL, fd, flags & EPOLL_CLOEXEC,
                (uint32_t)flags, NULL);
}

FDH_EXPORT int inotify_init(void) {
    FDH_REAL(inotify_init);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_inotify_init());
    return made(FDH_API_INOTIFY_INIT, FDH_KIND_INOTIFY, fd, 0, 0, NULL);
}

FDH_EXPORT int inotify_init1(int flags) {
    FDH_REAL(inotify_init1);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_inotify_init1(flags));
    return made(FDH_API_INOTIFY_INIT1, FDH_KIND_INOTIFY, fd, flags & IN_CLOEXEC,
                (uint32_t)flags, NULL);
}

int fanotify_init(unsigned int flags, unsigned int event_f_flags);
FDH_EXPORT int fanotify_init(unsigned int flags, unsigned int event_f_flags) {
    FDH_REAL_OR_FAIL(fanotify_init, -1);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_fanotify_init(flags, event_f_flags));
    return made(FDH_API_FANOTIFY_INIT, FDH_KIND_FANOTIFY, fd, flags & 0x00000001 /* FAN_CLOEXEC */, flags, NULL);
}

FDH_EXPORT int memfd_create(const char *name, unsigned int flags) {
    FDH_REAL_OR_FAIL(memfd_create, -1);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_memfd_create(name, flags));
    char label[300];
    fdh_append(fdh_append(label, label + sizeof label, "memfd:"), label + sizeof label,
               name && (fd >= 0 || fdh_string_readable(name)) ? name : ""); /* EFAULT: never read */
    return made(FDH_API_MEMFD_CREATE, FDH_KIND_MEMFD, fd, flags & MFD_CLOEXEC, flags, label);
}

int pidfd_open(pid_t pid, unsigned int flags);
FDH_EXPORT int pidfd_open(pid_t pid, unsigned int flags) {
    FDH_REAL_OR_FAIL(pidfd_open, -1);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_pidfd_open(pid, flags));
    return made(FDH_API_PIDFD_OPEN, FDH_KIND_PIDFD, fd, 1 /* always O_CLOEXEC */,
                (uint64_t)(uint32_t)pid << 32 | flags, NULL);
}

FDH_EXPORT int posix_openpt(int flags) {
    FDH_REAL(posix_openpt);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_posix_openpt(flags));
    return made(FDH_API_POSIX_OPENPT, FDH_KIND_PTY, fd, flags & O_CLOEXEC, (uint32_t)flags,
                "/dev/ptmx");
}

int getpt(void);
FDH_EXPORT int getpt(void) {
    FDH_REAL_OR_FAIL(getpt, -1);
    int fd;
    FDH_RETRY_ON_EMFILE(fd, fd < 0, real_getpt());
    return made(FDH_API_GETPT, FDH_KIND_PTY, fd, 0, 0, NULL);
}
