/* hooks_process.c — processes: fork and _Fork (a child gets its own trace), vfork (hooks_vfork.S; the
 * parent records which child it made, the child records nothing), clone (a child that is not a thread is
 * left untraced), posix_spawn (the parent records which child it made), the exec family (recorded before
 * the call: the descriptors open then, without close-on-exec, cross into the new program), and _exit (the
 * exit is recorded, like exit()).
 *
 * The FORK event is reserved (sequence number and stack) before the real call and published after it with
 * the child's pid: an open or dup ordered before it in the log happened before the child was made (an open
 * takes its number after its real call), which is what the analyzer reads to know what a spawned or vforked
 * program inherited (ProcessLineage). Reserved after the real call, as it was, another thread's open of a
 * number the child inherited something else at could be ordered first and blamed. */
#define _GNU_SOURCE
#include <sched.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "real_calls.h"

/* The FORK event of a call about to make a child: its sequence number, UINT64_MAX when not recording. */
static uint64_t fork_begins(uint8_t api, const char *program) {
    uint64_t event = UINT64_MAX;
    FDH_RECORDING event = fdh_record_fork_begin(api, fdh_describe_unread_path(program, FDH_PATH_BASE_CWD));
    return event;
}

/* In the parent, after the call: the child's pid, or the failure. errno is kept. */
static void fork_ends(uint64_t event, long result) {
    if (event == UINT64_MAX) return;
    FDH_RECORDING fdh_record_fork_end(event, (int)result, result < 0 ? FDH_SAVED_ERRNO : 0);
}

/* Before fork (parent) and right after it (child) the shim does real work — a copy of the live table, a
 * new trace — on the side stack: fork may be called from a thread with a tiny stack. */
struct fork_plan {
    int traced;
    int multithreaded;
    uint64_t event; /* the parent's FORK event, reserved after the snapshot, before the real call */
};

static uint64_t prepare_fork(void *plan_) {
    struct fork_plan *plan = plan_;
    plan->multithreaded = fdh_process_is_multithreaded();
    fdh_snapshot_before_fork();
    return 1;
}

static uint64_t start_child(void *plan_) {
    struct fork_plan *plan = plan_;
    fdh_start_forked_child(plan->multithreaded, plan->event);
    return 1;
}

/* fork and _Fork share everything but the call: _Fork runs no atfork handlers, so the child is switched
 * off here before anything else (it inherited `active` and the parent's mapping), then given its own trace
 * like a forked child. */
static pid_t traced_fork(pid_t (*real)(void), uint8_t api) {
    struct fork_plan plan = {.traced = fdh_is_active() && fdh_depth == 0, .event = UINT64_MAX};
    if (plan.traced) plan.traced = (int)fdh_on_side_stack(prepare_fork, &plan, 0);
    plan.event = fork_begins(api, NULL); /* after the snapshot; also for an untraced child (a nested fork) */
    pid_t pid = real();
    if (pid == 0) {
        int saved = errno;
        fdh_set_active(0); /* fork: the atfork handler (and the wipe-on-fork page) did it already */
        fdh_tid_reset();
        fdh_side_stacks_after_fork();
        if (plan.traced) fdh_on_side_stack(start_child, &plan, 0);
        errno = saved;
        return 0;
    }
    fork_ends(plan.event, pid);
    return pid;
}

FDH_EXPORT pid_t fork(void) {
    FDH_REAL(fork);
    return traced_fork(real_fork, FDH_API_FORK);
}

pid_t _Fork(void);
FDH_EXPORT pid_t _Fork(void) {
    FDH_REAL_OR_FAIL(_Fork, -1); /* glibc 2.34+ */
    return traced_fork(real__Fork, FDH_API__FORK);
}

/* ---- vfork (the entry point is hooks_vfork.S) ----------------------------------------------------------
 *
 * A vfork child borrows the parent's memory and stack until it execs or exits, with the parent suspended.
 * It must leave the parent's state exactly as it was: it records nothing (its thread's depth is set
 * negative, which every recording scope checks; the parent's own depth is put back when it resumes), so
 * its close/dup2 before exec touch neither the parent's trace nor its live table, and its _exit does not
 * mark the parent's trace exited. The program it execs starts a trace of its own (constructor), and the
 * parent's FORK event (api vfork) links it: the analyzer compares what the new program inherited with
 * what the parent held at the vfork (ProcessLineage, ExecCrossingAnalysis).
 *
 * The assembly stub makes the vfork system call itself, keeping the return address in a register as
 * glibc's vfork does: a C function that returned in the child would let the child overwrite the frame the
 * parent returns through. These helpers run before the call (with a normal frame: the FORK event's stack
 * is the caller's) and after it, in the parent or in the child. */
struct vfork_plan {
    uint64_t event;
    uint64_t depth;
};

__attribute__((visibility("hidden"))) struct vfork_plan fdh_vfork_prepare(void) {
    struct vfork_plan plan = {.event = UINT64_MAX, .depth = (uint64_t)(int64_t)fdh_depth};
    plan.event = fork_begins(FDH_API_VFORK, NULL); /* nothing when this thread is itself a vfork child */
    return plan;
}

__attribute__((visibility("hidden"))) void fdh_vfork_child(void) {
    fdh_depth = FDH_DEPTH_UNTRACED;
}

/* result: the raw system call's return (the pid, or -errno). Returns what vfork returns, errno set. */
__attribute__((visibility("hidden"))) long fdh_vfork_parent(long result, uint64_t depth, uint64_t event) {
    fdh_depth = (int)(int64_t)depth;
    if (result < 0) {
        errno = (int)-result;
        result = -1;
    }
    fork_ends(event, result);
    return result;
}

/* ---- clone -------------------------------------------------------------------------------------------
 *
 * A clone child that is a process of its own (no CLONE_VM) has a copy of the parent's memory, so of its
 * `active` switch and trace mapping, and no atfork handler ran: it is switched off before the program's
 * function runs (it stays untraced; its exec'd program gets a trace and is linked by the FORK event, api
 * clone). A CLONE_VM|CLONE_VFORK child is a vfork child (same thread storage as the caller unless
 * CLONE_SETTLS): it records nothing, as above. Threads (CLONE_VM with CLONE_THREAD) record as threads. A
 * CLONE_VM child that is neither, or one with its own thread storage sharing our memory, cannot be told
 * apart from the parent without a system call per event: it is passed through as it is (documented). */
struct clone_start {
    int (*fn)(void *);
    void *arg;
    int flags;
};

static int clone_child(void *start_) {
    struct clone_start start = *(struct clone_start *)start_; /* copied: the parent's frame may go */
    if (!(start.flags & CLONE_VM)) {
        fdh_set_active(0);
        if (!(start.flags & CLONE_SETTLS)) fdh_tid_reset();
    } else {
        fdh_depth = FDH_DEPTH_UNTRACED; /* CLONE_VM|CLONE_VFORK without CLONE_SETTLS: see above */
    }
    return start.fn(start.arg);
}

int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
FDH_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...) {
    va_list ap;
    va_start(ap, arg); /* read as glibc's clone reads them: whether or not the flags use them */
    void *parent_tid = va_arg(ap, void *);
    void *tls = va_arg(ap, void *);
    void *child_tid = va_arg(ap, void *);
    va_end(ap);
    FDH_REAL(clone);
    int own_process = !(flags & CLONE_VM);
    int vfork_like = (flags & CLONE_VM) && (flags & CLONE_VFORK) && !(flags & CLONE_SETTLS);
    if (!own_process && !vfork_like) return real_clone(fn, stack, flags, arg, parent_tid, tls, child_tid);
    struct clone_start start = {fn, arg, flags};
    int depth = fdh_depth;
    uint64_t event = fork_begins(FDH_API_CLONE, NULL);
    int result = real_clone(clone_child, stack, flags, &start, parent_tid, tls, child_tid);
    fdh_depth = depth; /* a vfork-like child ran on our thread storage (we were suspended meanwhile) */
    fork_ends(event, result);
    return result;
}

/* ---- posix_spawn ---------------------------------------------------------------------------------------
 * glibc's posix_spawn makes its child with an internal clone(CLONE_VM|CLONE_VFORK) and calls only internal
 * functions in it: none of our hooks runs in the child. */

FDH_EXPORT int posix_spawn(pid_t *restrict pid, const char *restrict path,
                           const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *restrict attr,
                           char *const argv[restrict], char *const envp[restrict]) {
    FDH_REAL(posix_spawn);
    pid_t child = 0;
    uint64_t event = fork_begins(FDH_API_POSIX_SPAWN, path);
    int result = real_posix_spawn(&child, path, actions, attr, argv, envp);
    if (pid) *pid = child;
    int saved = errno;
    errno = result; /* posix_spawn returns its error instead of setting errno */
    fork_ends(event, result == 0 ? child : -1);
    errno = saved;
    return result;
}

FDH_EXPORT int posix_spawnp(pid_t *restrict pid, const char *restrict file,
                            const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *restrict attr,
                            char *const argv[restrict], char *const envp[restrict]) {
    FDH_REAL(posix_spawnp);
    pid_t child = 0;
    uint64_t event = fork_begins(FDH_API_POSIX_SPAWN, file);
    int result = real_posix_spawnp(&child, file, actions, attr, argv, envp);
    if (pid) *pid = child;
    int saved = errno;
    errno = result;
    fork_ends(event, result == 0 ? child : -1);
    errno = saved;
    return result;
}

/* A process the trace does not belong to: the child of a fork the shim did not see (a raw
 * syscall(SYS_clone) or SYS_fork) inherits `active` and the parent's mapping. Checked where a wrong record
 * would change the parent's header (exec, exit); one system call there is cheap. */
static int is_trace_owner(void) {
    return (pid_t)syscall(SYS_getpid) == fdh_state.pid;
}

/* ---- exec ------------------------------------------------------------------------------------------- */

static uint64_t before_exec(const char *path) {
    uint64_t event = UINT64_MAX - 1;
    FDH_RECORDING {
        /* the kernel has not read the path yet: a bad pointer must get EFAULT, not a SIGSEGV in the hook */
        if (is_trace_owner()) event = fdh_record_exec(FDH_API_EXEC, fdh_string_readable(path) ? path : NULL);
    }
    return event;
}

/* exec returned: it failed, and the process goes on as it was. */
static int after_exec(uint64_t event, int result) {
    if (event != UINT64_MAX - 1) {
        int saved = errno;
        fdh_exec_failed(event, saved);
        errno = saved;
    }
    return result;
}

FDH_EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
    FDH_REAL(execve);
    uint64_t event = before_exec(path);
    return after_exec(event, real_execve(path, argv, envp));
}

FDH_EXPORT int execv(const char *path, char *const argv[]) {
    FDH_REAL(execv);
    uint64_t event = before_exec(path);
    return after_exec(event, real_execv(path, argv));
}

FDH_EXPORT int execvp(const char *file, char *const argv[]) {
    FDH_REAL(execvp);
    uint64_t event = before_exec(file);
    return after_exec(event, real_execvp(file, argv));
}

FDH_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
    FDH_REAL(execvpe);
    uint64_t event = before_exec(file);
    return after_exec(event, real_execvpe(file, argv, envp));
}

FDH_EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
    FDH_REAL(fexecve);
    uint64_t event = before_exec(argv[0] ? argv[0] : "fexecve");
    return after_exec(event, real_fexecve(fd, argv, envp));
}

/* execl, execlp, execle: collect the variadic list into an argv on the stack (as glibc does). */
#define COLLECT_ARGV(first, last_arg, extra)                                                              \
    va_list ap;                                                                                           \
    size_t argc = 1;                                                                                      \
    va_start(ap, first);                                                                                  \
    while (va_arg(ap, char *)) argc++;                                                                    \
    va_end(ap);                                                                                           \
    char *argv[argc + 1];                                                                                 \
    argv[0] = (char *)(first);                                                                            \
    va_start(ap, first);                                                                                  \
    for (size_t i = 1; i <= argc; i++) argv[i] = va_arg(ap, char *);                                      \
    extra;                                                                                                \
    va_end(ap)

FDH_EXPORT int execl(const char *path, const char *arg, ...) {
    COLLECT_ARGV(arg, argc, (void)0);
    FDH_REAL(execv);
    uint64_t event = before_exec(path);
    return after_exec(event, real_execv(path, argv));
}

FDH_EXPORT int execlp(const char *file, const char *arg, ...) {
    COLLECT_ARGV(arg, argc, (void)0);
    FDH_REAL(execvp);
    uint64_t event = before_exec(file);
    return after_exec(event, real_execvp(file, argv));
}

FDH_EXPORT int execle(const char *path, const char *arg, ...) {
    char *const *envp = NULL;
    COLLECT_ARGV(arg, argc, envp = va_arg(ap, char *const *));
    FDH_REAL(execve);
    uint64_t event = before_exec(path);
    return after_exec(event, real_execve(path, argv, envp));
}

/* ---- _exit ------------------------------------------------------------------------------------------ */

FDH_EXPORT void _exit(int status) {
    FDH_REAL(_exit);
    FDH_RECORDING {
        if (is_trace_owner()) fdh_record_exit();
    }
    real__exit(status);
    __builtin_unreachable();
}

FDH_EXPORT void _Exit(int status) {
    _exit(status);
}
