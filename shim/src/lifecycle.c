/* lifecycle.c — the shim's constructor and destructor: set-up in a fixed order, and the exit record.
 *
 * Set-up order matters:
 *   0. every hooked function's real one (real_calls.c), before anything else: even untraced (a bad
 *      setting) the hooks call them, and no hook may take the loader's lock later;
 *   1. configuration and the trace file (any failure: one line on stderr, the program runs untraced);
 *   2. process facts (pid, argv, executable, limits) and the module table;
 *   3. the descriptors already open (inherited: never leaks) — scanned before the unwinder is warmed up,
 *      so nothing of ours is mistaken for the program's;
 *   4. the unwinder's warm-up capture (its first call is 1000× slower than the rest);
 *   5. magic + version last, then recording is switched on.
 * Recording is off (fdh_is_active() reads 0) during the whole set-up: our own dlopen and raw calls are never
 * recorded. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <dlfcn.h>
#include <link.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <gnu/libc-version.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "real_calls.h"
#include "shim.h"

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


/* The kernel and C library the process runs on (section 12), for the report's environment section:
 * uname is a system call, gnu_get_libc_version a constant string. */
static void record_environment(void) {
    struct fdh_environment *e = fdh_state.trace.environment;
    if (!e) return;
    struct utsname name;
    if (syscall(SYS_uname, &name) == 0) {
        char line[3 * sizeof name.release + 4], *end = line + sizeof line;
        char *p = fdh_append(line, end, name.sysname);
        p = fdh_append(p, end, " ");
        p = fdh_append(p, end, name.release);
        p = fdh_append(p, end, " ");
        fdh_append(p, end, name.machine);
        e->kernel_string = fdh_intern_cstr(line);
    }
    char libc[64], *end = libc + sizeof libc;
    fdh_append(fdh_append(libc, end, "glibc "), end, gnu_get_libc_version());
    e->libc_string = fdh_intern_cstr(libc);
}

static void record_process_facts(void) {
    struct fdh_header *h = fdh_state.trace.header;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    h->start_realtime_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
    h->start_monotonic_ns = fdh_now_ns();
    fdh_state.trace.start_ns = h->start_monotonic_ns;
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
    record_environment();
}

/* Records every descriptor open before tracing started (stdio, a listening socket passed by systemd, ...). */
static void record_inherited(const struct fdh_trace *parent) {
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
            if (fdh_is_tracer_fd((int)fd)) continue; /* libunwind's pipe, inherited by a forked child */
            struct fdh_opened o = {.api = FDH_API_STARTUP, .owner = FDH_OWNER_RAW, .fd = (int)fd, .fd2 = -1};
            o.str1 = fdh_describe_fd((int)fd, &o.kind);
            long fd_flags = syscall(SYS_fcntl, fd, F_GETFD);
            o.cloexec = fd_flags >= 0 && (fd_flags & FD_CLOEXEC);
            uint32_t stack = 0;
            if (parent) fdh_inherit_from_parent(parent, &o, &stack);
            if (fd <= 2) fdh_state.trace.header->flags |= FDH_HEADER_FLAG_STDIO_INHERITED;
            fdh_record_inherited(&o, stack);
        }
    }
    syscall(SYS_close, dir);
}

/* The child of fork must never write into the parent's mapping (it is the parent's record). The fork
 * hook starts the child's own trace; the _Fork and clone hooks switch their children off themselves (no
 * atfork handler runs there). */
static void after_fork_in_child(void) {
    fdh_set_active(0);
    fdh_tid_reset();
}

/* Counts this process's threads (/proc/self/task) with raw syscalls; 1 if it cannot tell. */
int fdh_process_is_multithreaded(void) {
    long dir = syscall(SYS_openat, AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return 1;
    int threads = 0;
    char buffer[2048];
    long n;
    while (threads < 2 && (n = syscall(SYS_getdents64, dir, buffer, sizeof buffer)) > 0) {
        for (long offset = 0; offset < n;) {
            struct dirent64 *entry = (struct dirent64 *)(buffer + offset);
            offset += entry->d_reclen;
            if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9') threads++;
        }
    }
    syscall(SYS_close, dir);
    return threads != 1;
}

/* A child of a program that holds every descriptor its soft RLIMIT_NOFILE allows has no number left for
 * its trace file or for reading /proc/self/fd (EMFILE) — untraced, its fork works and prints nothing. While
 * the hard limit allows, the child's set-up raises the soft limit by a few for its own moment: what it opens
 * gets numbers above the program's range and is closed again, and the limit is put back before the program
 * runs on, so its numbering and limit are as they were (raw prlimit: the limit hooks are for the program's
 * own changes). Returns 1 when it raised the limit (then `saved` is what to put back). */
static int raise_soft_limit(struct rlimit *saved) {
    if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, saved) != 0 || saved->rlim_cur == RLIM_INFINITY ||
        saved->rlim_cur >= saved->rlim_max)
        return 0;
    struct rlimit raised = {saved->rlim_max - saved->rlim_cur > 4 ? saved->rlim_cur + 4 : saved->rlim_max,
                            saved->rlim_max};
    return syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &raised, NULL) == 0;
}

/* Runs in the child right after fork: a trace of its own, named by its pid, whose module table and
 * inherited descriptors (with the opening stacks) are copied from the parent's trace, which is still
 * mapped here and is then unmapped. Only async-signal-safe work: raw syscalls and memory copies, since a
 * child of a multithreaded parent may exec right away (and in it, stacks are not captured at all: another
 * thread may have held the unwinder's or the loader's lock at the moment of fork). */
void fdh_start_forked_child(int parent_multithreaded, uint64_t fork_event) {
    struct fdh_trace parent = fdh_state.trace;
    fdh_recorder_forget_pending(); /* the parent's FORK slot, in a mapping this child is about to drop */
    if (!parent.header) return;
    fdh_state.pid = (pid_t)syscall(SYS_getpid);
    fdh_tid_reset();
    fdh_inherit_prepare(&parent, fork_event);
    const char *failure = NULL;
    struct rlimit saved_limit;
    int raised = 0;
    if (fdh_trace_create(&fdh_state.config, &failure) != 0 &&
        (errno != EMFILE || !(raised = raise_soft_limit(&saved_limit)) ||
         fdh_trace_create(&fdh_state.config, &failure) != 0)) {
        if (raised) syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &saved_limit, NULL);
        fdh_diag("tracing disabled in forked child", failure);
        fdh_state.trace.header = NULL;
        munmap(parent.base, parent.size);
        return;
    }
    if (raised) syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &saved_limit, NULL); /* the facts record the program's */
    fdh_trace_generation++;
    fdh_state.no_stacks = parent_multithreaded;
    record_process_facts();
    struct fdh_header *h = fdh_state.trace.header;
    h->ppid = parent.header->pid;
    h->flags |= FDH_HEADER_FLAG_FORKED | (parent_multithreaded ? FDH_HEADER_FLAG_NO_STACKS_AFTER_FORK : 0);
    fdh_evidence_start();
    fdh_tracer_pipe_publish(); /* the parent's parked pipe, inherited */
    fdh_intern_nested_stack();
    fdh_modules_copy_from(&parent);
    if (raised) raised = raise_soft_limit(&saved_limit); /* reading /proc/self/fd needs a number too */
    record_inherited(&parent);
    fdh_flights_after_fork(); /* the parent's threads are followed no more: this process's own table */
    munmap(parent.base, parent.size);
    if (raised) syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &saved_limit, NULL);
    fdh_trace_publish();
    fdh_set_active(1);
}

/* Everything after the trace file exists, for a process starting under LD_PRELOAD and for one the shim was
 * attached to (attach.c; then `attached` names the moment: descriptors open now were "open before attach",
 * and the GOT slots of every loaded object are pointed at the hooks before the unwinder's warm-up, so that
 * libunwind's own pipe2 reaches the pipe hook and is parked). */
void fdh_start_recording(int attached) {
    /* A new trace: what threads remember of an earlier one (stack ids, call-site slots, the last path) is
     * not for this one — a program attached to again after a detach (attach.c) starts a second trace. */
    fdh_trace_generation++;
    fdh_side_stacks_init();
    record_process_facts();
    if (attached) fdh_state.trace.header->flags |= FDH_HEADER_FLAG_ATTACHED;
    fdh_evidence_start();
    fdh_intern_nested_stack();
    fdh_modules_init(exe_path);
    record_inherited(NULL);
    fdh_dbus_endpoints_init();
    fdh_python_start();
    int unwinder = fdh_unwinder_init(attached);
    if (unwinder != 0 && !attached) fdh_diag("libunwind.so.8 not usable here; using glibc backtrace (slower)", NULL);
    static int atfork_registered;
    if (!atfork_registered) pthread_atfork(NULL, NULL, after_fork_in_child);
    atfork_registered = 1;
    fdh_trace_publish();
    fdh_set_active(1);
}

/* Whether the loader loaded the shim at start-up (LD_PRELOAD, /etc/ld.so.preload): preloaded objects come
 * before libc in the loader's list, an object dlopen'ed later (fdhound attach) comes after it. */
static int shim_base_seen_before_libc;
static int find_order(struct dl_phdr_info *info, size_t size, void *self_base) {
    (void)size;
    if (info->dlpi_addr == (uintptr_t)self_base) {
        shim_base_seen_before_libc = 1;
        return 1;
    }
    const char *name = info->dlpi_name ? info->dlpi_name : "";
    return strstr(name, "/libc.so") != NULL; /* libc first: stop, not preloaded */
}

static int loaded_at_start_up(void) {
    Dl_info self;
    if (!dladdr((void *)loaded_at_start_up, &self)) return 1;
    dl_iterate_phdr(find_order, self.dli_fbase);
    return shim_base_seen_before_libc;
}

__attribute__((constructor)) static void fdh_start(void) {
    fdh_real_resolve_all(); /* first: before the program (or another constructor) installs a handler */
    if (!loaded_at_start_up()) return; /* dlopen'ed by fdhound attach: fdhound_attach starts recording */
    fdh_state.pid = (pid_t)syscall(SYS_getpid);
    fdh_diag_remember_stderr();
    const char *failure = NULL;
    if (fdh_config_load(&fdh_state.config, &failure) != 0) {
        fdh_diag("tracing disabled: invalid setting", failure);
        return;
    }
    if (fdh_trace_create(&fdh_state.config, &failure) != 0) {
        fdh_diag("tracing disabled", failure);
        return;
    }
    fdh_start_recording(0);
}

/* Runs after the program's own destructors (the shim was initialized first). Descriptors still open now
 * are what the program left open. Recording stays on: closes made by later destructors still count. */
__attribute__((destructor)) static void fdh_stop(void) {
    if (!fdh_is_active() || fdh_state.pid != (pid_t)syscall(SYS_getpid)) return;
    FDH_RECORDING fdh_record_exit();
    fdh_unwind_verify_report();
}
