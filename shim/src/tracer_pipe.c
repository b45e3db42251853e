/* tracer_pipe.c — libunwind's validation pipe, the only descriptors the shim keeps in the program.
 *
 * libunwind (1.6, built with conservative checks as Debian does) validates memory by write(2)-ing one byte
 * of it into a pipe, and cannot unwind without one. It creates the pipe during our warm-up capture; the
 * pipe hooks recognise libunwind's own call (its return address lies in libunwind's code and this thread is
 * inside a capture — a signal handler's pipe() at that moment is the program's and recorded as such) and
 * park both ends at the two highest numbers the soft RLIMIT_NOFILE allows, where the kernel hands out a
 * number only once every lower one is taken. So the program's numbering from 3 upwards is untouched, at
 * any limit (`ulimit -n 64` included).
 *
 * The numbers stay the program's to take, exactly as untraced:
 *   - close() of a parked number is answered EBADF without touching it (untraced, nothing is open there),
 *     and so are dup/dup2/dup3/fcntl/fdopen/fdopendir naming one as their source (hooks_pipe_dup.c);
 *     close_range/closefrom skip the parked numbers (hooks_close.c);
 *   - a creating call that fails with EMFILE while the pipe is parked, a dup2/dup3 onto a parked number, or
 *     an F_DUPFD that could land on one, first "yields" the pipe: both ends are closed and stack capture
 *     moves to glibc's backtrace() for good (libunwind still holds the numbers in a private variable and
 *     must never read or write a descriptor of the program), then the call is made (again). The header
 *     flag FDH_HEADER_FLAG_UNWINDER_YIELDED tells the report why stacks got slower.
 * Most programs never hold the pipe past start-up: once the warm-up made it, it is closed again
 * (fdh_tracer_pipe_release) and libunwind makes it anew only when it next walks a stack, which it does only
 * for a capture the fast unwinder could not walk; from then on it stays parked.
 * A program that raises its soft limit later (servers do) would find the pair in the middle of its range:
 * the limit hooks move the pipe to the new top (dup to the new numbers, point libunwind's own copy of the
 * numbers at them — found once after the warm-up as the one pair of ints in libunwind's writable data
 * holding exactly the parked numbers — then close the old ones). If that copy was not found, the pipe is
 * yielded instead: exact numbering first, speed second.
 *
 * The shim writes nothing on the program's descriptors for any of this. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

static int tracer_fds[2] = {-1, -1};
static int park_base = -1;            /* lowest number a parked end may get; -1: no room to park */
static uintptr_t unwinder_start, unwinder_end; /* libunwind's code */
static int *unwinder_copy;            /* libunwind's own int[2] of the pipe's numbers, when found */
static uint64_t pipe_dev, pipe_ino;  /* the parked pipe's identity (both ends share its inode) */

/* Below this soft limit there is no room to park: libunwind is not used at all (backtrace() needs no
 * descriptor). */
#define FDH_MIN_LIMIT_FOR_PARKING 16

int fdh_tracer_pipe_prepare(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    rlim_t top = limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 1048576 ? 1048576 : limit.rlim_cur;
    if (top < FDH_MIN_LIMIT_FOR_PARKING) return -1;
    park_base = (int)(top - 2);
    return 0;
}

/* After the warm-up: the pipe is closed again and libunwind's copy of its numbers set to -1, so that a
 * program whose captures the fast unwinder walks (nearly all, fast_unwind.c) holds no descriptor of ours.
 * libunwind validates memory only when it walks (its trace cache missed, or a frame has no unwind info);
 * its read of descriptor -1 then fails with EBADF, and it makes its pipe again (open_pipe), which the pipe
 * hooks park at the top of the limit then, as at start. Only when libunwind's copy was found (else there
 * is no safe way to tell it the numbers are gone: the pipe stays parked), and not in an attached process,
 * where another thread may be walking with libunwind right now. */
void fdh_tracer_pipe_release(void) {
    if (!unwinder_copy || tracer_fds[0] < 0 || tracer_fds[1] < 0) return;
    for (int i = 0; i < 2; i++) __atomic_store_n(&unwinder_copy[i], -1, __ATOMIC_RELEASE);
    for (int i = 0; i < 2; i++) {
        int fd = __atomic_exchange_n(&tracer_fds[i], -1, __ATOMIC_ACQ_REL);
        if (fd >= 0) syscall(SYS_close, fd);
    }
    fdh_tracer_pipe_publish();
}

struct text_search {
    uintptr_t address;
    uintptr_t start, end;
};

static int find_text(struct dl_phdr_info *info, size_t size, void *data) {
    struct text_search *search = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
        if (search->address >= start && search->address < end) {
            search->start = start;
            search->end = end;
            return 1;
        }
    }
    return 0;
}

void fdh_tracer_pipe_set_unwinder(const void *function_in_unwinder) {
    struct text_search search = {.address = (uintptr_t)function_in_unwinder};
    dl_iterate_phdr(find_text, &search);
    unwinder_start = search.start;
    unwinder_end = search.end;
}

struct copy_search {
    uintptr_t text;      /* an address in libunwind's code: names the object */
    int values[2];
    int *found;
    int matches;
};

static int find_copy(struct dl_phdr_info *info, size_t size, void *data) {
    struct copy_search *search = data;
    int ours = 0;
    for (int i = 0; i < info->dlpi_phnum && !ours; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        ours = ph->p_type == PT_LOAD && search->text >= start && search->text < start + ph->p_memsz;
    }
    if (!ours) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) continue;
        uintptr_t start = (info->dlpi_addr + ph->p_vaddr + 3) & ~(uintptr_t)3;
        uintptr_t end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
        for (int *p = (int *)start; (uintptr_t)(p + 2) <= end; p++) {
            if (p[0] == search->values[0] && p[1] == search->values[1]) {
                search->found = p;
                search->matches++;
            }
        }
    }
    return 1;
}

/* After the warm-up made and parked the pipe: where libunwind keeps the numbers (see the file comment). */
void fdh_tracer_pipe_find_unwinder_copy(void) {
    if (tracer_fds[0] < 0 || tracer_fds[1] < 0 || unwinder_end == 0) return;
    struct copy_search search = {.text = unwinder_start, .values = {tracer_fds[0], tracer_fds[1]}};
    dl_iterate_phdr(find_copy, &search);
    unwinder_copy = search.matches == 1 ? search.found : NULL;
}

/* The soft RLIMIT_NOFILE may have changed (setrlimit/prlimit hooks): keep the pipe at the top. */
void fdh_tracer_pipe_limit_changed(void) {
    struct rlimit limit;
    if (tracer_fds[0] < 0 || tracer_fds[1] < 0 || getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    rlim_t top = limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 1048576 ? 1048576 : limit.rlim_cur;
    int low, high;
    fdh_tracer_pipe_range(&low, &high);
    if (top <= (rlim_t)high + 1) return; /* lowered (numbers above the limit stay valid) or unchanged */
    if (!unwinder_copy) {
        fdh_tracer_pipe_yield();
        return;
    }
    int base = (int)(top - 2);
    int moved[2];
    for (int i = 0; i < 2; i++) moved[i] = (int)syscall(SYS_fcntl, tracer_fds[i], F_DUPFD_CLOEXEC, base);
    if (moved[0] < 0 || moved[1] < 0) {
        for (int i = 0; i < 2; i++) if (moved[i] >= 0) syscall(SYS_close, moved[i]);
        fdh_tracer_pipe_yield();
        return;
    }
    park_base = base;
    for (int i = 0; i < 2; i++) {
        int old = tracer_fds[i];
        __atomic_store_n(&unwinder_copy[i], moved[i], __ATOMIC_RELEASE);
        __atomic_store_n(&tracer_fds[i], moved[i], __ATOMIC_RELEASE);
        syscall(SYS_close, old);
    }
    fdh_tracer_pipe_publish();
}

/* A parked number may stop being ours without any hook seeing it: a raw close_range or close system call
 * (systemd's own close_range wrapper, programs built before glibc had one) closes it, and the kernel then
 * hands the number to the program's next open like any free one. Before the shim acts on a parked number
 * (answers EBADF for it, closes it to yield, skips it in a close_range) it asks the kernel whether the
 * number still holds the pipe; a number that does not is forgotten, never closed, and libunwind — which
 * would read and write the numbers it remembers — is dropped for backtrace() for good. Only those rare
 * paths pay the fstat: the program touched a parked number, or closes a range. */
static void remember_identity(int fd) {
    struct stat st;
    if (fd >= 0 && syscall(SYS_fstat, fd, &st) == 0) { /* libunwind may re-make its pipe on any thread */
        __atomic_store_n(&pipe_dev, (uint64_t)st.st_dev, __ATOMIC_RELAXED);
        __atomic_store_n(&pipe_ino, (uint64_t)st.st_ino, __ATOMIC_RELAXED);
    }
}

static int still_ours(int fd) {
    struct stat st;
    return syscall(SYS_fstat, fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
           (uint64_t)st.st_ino == __atomic_load_n(&pipe_ino, __ATOMIC_RELAXED) &&
           (uint64_t)st.st_dev == __atomic_load_n(&pipe_dev, __ATOMIC_RELAXED);
}

static void forget_lost_numbers(void) {
    int saved = errno, lost = 0;
    for (int i = 0; i < 2; i++) {
        int fd = __atomic_load_n(&tracer_fds[i], __ATOMIC_ACQUIRE);
        if (fd >= 0 && !still_ours(fd) && __atomic_compare_exchange_n(&tracer_fds[i], &fd, -1, 0, __ATOMIC_ACQ_REL,
                                                                      __ATOMIC_ACQUIRE))
            lost = 1;
    }
    if (lost) {
        fdh_unwinder_fall_back();
        fdh_tracer_pipe_publish();
        if (fdh_state.trace.header)
            __atomic_fetch_or(&fdh_state.trace.header->flags, FDH_HEADER_FLAG_UNWINDER_YIELDED, __ATOMIC_RELAXED);
    }
    errno = saved;
}

int fdh_called_by_unwinder(const void *return_address) {
    if (FDH_LIKELY(!fdh_in_capture)) return 0;
    uintptr_t a = (uintptr_t)return_address;
    return a >= unwinder_start && a < unwinder_end;
}

/* The header says which descriptors are ours (a live view must not count them as the program's). */
void fdh_tracer_pipe_publish(void) {
    struct fdh_header *h = fdh_state.trace.header;
    if (!h) return;
    __atomic_store_n(&h->tracer_fd_read, tracer_fds[0], __ATOMIC_RELAXED);
    __atomic_store_n(&h->tracer_fd_write, tracer_fds[1], __ATOMIC_RELAXED);
}

int fdh_is_tracer_fd(int fd) {
    if (fd < 0 || (fd != tracer_fds[0] && fd != tracer_fds[1])) return 0;
    forget_lost_numbers(); /* the number the program names may be its own by now */
    return fd == tracer_fds[0] || fd == tracer_fds[1];
}

int fdh_tracer_pipe_above(long from) {
    return (tracer_fds[0] >= 0 && tracer_fds[0] >= from) || (tracer_fds[1] >= 0 && tracer_fds[1] >= from);
}

void fdh_tracer_pipe_range(int *low, int *high) {
    if (tracer_fds[0] >= 0 || tracer_fds[1] >= 0) forget_lost_numbers(); /* close_range, limits: rare */
    int a = tracer_fds[0], b = tracer_fds[1];
    if (a < 0) a = b;
    if (b < 0) b = a;
    *low = a < b ? a : b;
    *high = a < b ? b : a;
}

int fdh_tracer_pipe_yield(void) {
    fdh_unwinder_fall_back();
    forget_lost_numbers(); /* never close a number the program holds now */
    int released = 0;
    for (int i = 0; i < 2; i++) {
        int fd = __atomic_exchange_n(&tracer_fds[i], -1, __ATOMIC_ACQ_REL);
        if (fd >= 0) {
            syscall(SYS_close, fd);
            released = 1;
        }
    }
    fdh_tracer_pipe_publish();
    if (released && fdh_state.trace.header) {
        __atomic_fetch_or(&fdh_state.trace.header->flags, FDH_HEADER_FLAG_UNWINDER_YIELDED, __ATOMIC_RELAXED);
    }
    return released;
}

/* EMFILE: only a parked number under the soft limit can have been what the program lacked (the limit
 * may have been lowered below the pair since). */
int fdh_tracer_pipe_yield_for_emfile(void) {
    int low, high;
    fdh_tracer_pipe_range(&low, &high);
    struct rlimit limit;
    if (low < 0 || getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur != RLIM_INFINITY && (rlim_t)low >= limit.rlim_cur) return 0;
    return fdh_tracer_pipe_yield();
}

/* A pipe libunwind just made (in its own pipe2 call, or its re-creation after a failed read): both ends go
 * to the top of the range. A pipe that cannot be parked is not left among the program's numbers. */
void fdh_park_tracer_pipe(int fds[2]) {
    remember_identity(fds[0]); /* before the numbers are published: a check never meets a stale identity */
    if (park_base >= 0) fdh_tracer_pipe_prepare(); /* the top of the limit now (the pipe may be made long after start) */
    for (int i = 0; i < 2; i++) {
        long high = park_base >= 0 ? syscall(SYS_fcntl, fds[i], F_DUPFD_CLOEXEC, park_base) : -1;
        syscall(SYS_close, fds[i]);
        fds[i] = (int)high;
        tracer_fds[i] = (int)high;
    }
    fdh_tracer_pipe_publish();
    if (fds[0] < 0 || fds[1] < 0) fdh_tracer_pipe_yield();
}

/* libunwind closing a pipe end (before re-creating the pipe): only its own parked numbers are closed; a
 * number it remembers from before a yield may be the program's now, and is left alone. */
int fdh_unwinder_close(int fd) {
    for (int i = 0; i < 2; i++) {
        int expected = fd;
        if (fd >= 0 && __atomic_compare_exchange_n(&tracer_fds[i], &expected, -1, 0, __ATOMIC_ACQ_REL,
                                                   __ATOMIC_ACQUIRE)) {
            fdh_tracer_pipe_publish();
            return (int)syscall(SYS_close, fd);
        }
    }
    return 0;
}
