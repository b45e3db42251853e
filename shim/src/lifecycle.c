/* lifecycle.c — the shim's constructor and destructor: set-up in a fixed order, and the exit record.
 *
 * Set-up order matters:
 *   1. configuration and the trace file (any failure: one line on stderr, the program runs untraced);
 *   2. process facts (pid, argv, executable, limits) and the module table;
 *   3. the descriptors already open (inherited: never leaks) — scanned before the unwinder is warmed up,
 *      so nothing of ours is mistaken for the program's;
 *   4. the unwinder's warm-up capture (its first call is 1000× slower than the rest);
 *   5. magic + version last, then recording is switched on.
 * The whole set-up runs under the reentrancy guard: our own dlopen and raw calls are never recorded. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

struct fdh_state fdh_state;
__thread int fdh_in_recorder __attribute__((tls_model("initial-exec")));

static char exe_path[4096];

static long read_small_file(const char *path, char *buffer, size_t size) {
    long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t used = 0;
    while (used < size) {
        long n = syscall(SYS_read, fd, buffer + used, size - used);
        if (n <= 0) break;
        used += (size_t)n;
    }
    syscall(SYS_close, fd);
    return (long)used;
}

static void record_process_facts(void) {
    struct fdh_header *h = fdh_state.trace.header;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    h->start_realtime_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
    h->start_monotonic_ns = fdh_now_ns();
    h->pid = fdh_state.pid;
    h->ppid = (int32_t)syscall(SYS_getppid);
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        h->rlimit_nofile_soft = limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : limit.rlim_cur;
        h->rlimit_nofile_hard = limit.rlim_max == RLIM_INFINITY ? UINT64_MAX : limit.rlim_max;
    }
    long n = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", exe_path, sizeof exe_path - 1);
    exe_path[n > 0 ? n : 0] = '\0';
    h->exe_string = fdh_intern_cstr(exe_path);
    static char cmdline[8192];
    long length = read_small_file("/proc/self/cmdline", cmdline, sizeof cmdline);
    if (length > 0 && cmdline[length - 1] == '\0') length--; /* keep the inner NULs, drop the last */
    if (length > 0) h->cmdline_string = fdh_intern(cmdline, (size_t)length);
}

/* Kind of a descriptor we did not see being opened, from its /proc/self/fd link text. */
static uint8_t kind_from_link(int fd, const char *link) {
    if (link[0] == '/') {
        struct stat st;
        if (syscall(SYS_fstat, fd, &st) == 0 && S_ISDIR(st.st_mode)) return FDH_KIND_DIRECTORY;
        return strncmp(link, "/dev/pts/", 9) == 0 || strcmp(link, "/dev/ptmx") == 0 ? FDH_KIND_PTY : FDH_KIND_FILE;
    }
    if (strncmp(link, "pipe:", 5) == 0) return FDH_KIND_PIPE;
    if (strncmp(link, "socket:", 7) == 0) return FDH_KIND_SOCKET_OTHER; /* refined by getsockname */
    if (strcmp(link, "anon_inode:[eventfd]") == 0) return FDH_KIND_EVENTFD;
    if (strcmp(link, "anon_inode:[timerfd]") == 0) return FDH_KIND_TIMERFD;
    if (strcmp(link, "anon_inode:[signalfd]") == 0) return FDH_KIND_SIGNALFD;
    if (strcmp(link, "anon_inode:[eventpoll]") == 0) return FDH_KIND_EPOLL;
    if (strcmp(link, "anon_inode:inotify") == 0) return FDH_KIND_INOTIFY;
    if (strcmp(link, "anon_inode:[pidfd]") == 0) return FDH_KIND_PIDFD;
    if (strncmp(link, "/memfd:", 7) == 0) return FDH_KIND_MEMFD;
    return FDH_KIND_UNKNOWN;
}

/* Records every descriptor open before tracing started (stdio, a listening socket passed by systemd, ...). */
static void record_inherited(void) {
    long dir = syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return;
    char buffer[4096];
    for (;;) {
        long n = syscall(SYS_getdents64, dir, buffer, sizeof buffer);
        if (n <= 0) break;
        for (long offset = 0; offset < n;) {
            struct dirent64 *entry = (struct dirent64 *)(buffer + offset);
            offset += entry->d_reclen;
            if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
            long fd = 0;
            for (const char *c = entry->d_name; *c >= '0' && *c <= '9'; c++) fd = fd * 10 + (*c - '0');
            if (fd == dir) continue;
            char link_path[64], link[512];
            char *p = fdh_append(link_path, link_path + sizeof link_path, "/proc/self/fd/");
            fdh_append_u64(p, link_path + sizeof link_path, (uint64_t)fd);
            long length = syscall(SYS_readlinkat, AT_FDCWD, link_path, link, sizeof link - 1);
            link[length > 0 ? length : 0] = '\0';
            uint8_t kind = kind_from_link((int)fd, link);
            uint32_t description = fdh_intern_cstr(link);
            if (kind == FDH_KIND_SOCKET_OTHER) {
                uint32_t local, peer;
                fdh_describe_socket((int)fd, &local, &peer, &kind);
                if (local) description = local;
            }
            if (fd <= 2) fdh_state.trace.header->flags |= FDH_HEADER_FLAG_STDIO_INHERITED;
            fdh_record_inherited((int)fd, kind, description);
        }
    }
    syscall(SYS_close, dir);
}

/* The child of fork shares nothing it may write: the parent's mapping is the parent's record. Until
 * children get their own trace, recording stops in the child. */
static void after_fork_in_child(void) {
    atomic_store(&fdh_state.active, 0);
    fdh_tid_reset();
}

__attribute__((constructor)) static void fdh_start(void) {
    fdh_in_recorder = 1;
    fdh_state.pid = (pid_t)syscall(SYS_getpid);
    const char *failure = NULL;
    if (fdh_config_load(&fdh_state.config, &failure) != 0) {
        fdh_diag("tracing disabled: invalid setting", failure);
        fdh_in_recorder = 0;
        return;
    }
    if (fdh_trace_create(&fdh_state.config, &failure) != 0) {
        fdh_diag("tracing disabled", failure);
        fdh_in_recorder = 0;
        return;
    }
    record_process_facts();
    fdh_modules_init(exe_path);
    record_inherited();
    if (fdh_unwinder_init() != 0) fdh_diag("libunwind.so.8 not found; using glibc backtrace (slower)", NULL);
    pthread_atfork(NULL, NULL, after_fork_in_child);
    fdh_trace_publish();
    atomic_store_explicit(&fdh_state.active, 1, memory_order_release);
    fdh_in_recorder = 0;
}

/* Runs after the program's own destructors (the shim was initialized first). Descriptors still open now
 * are what the program left open. Recording stays on: closes made by later destructors still count. */
__attribute__((destructor)) static void fdh_stop(void) {
    if (!atomic_load(&fdh_state.active) || fdh_state.pid != (pid_t)syscall(SYS_getpid)) return;
    int was_inside = fdh_in_recorder;
    fdh_in_recorder = 1;
    fdh_record_exit();
    fdh_in_recorder = was_inside;
}
