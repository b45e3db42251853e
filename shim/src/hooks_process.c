/* hooks_process.c — processes: fork and vfork (a child gets its own trace), posix_spawn (the parent
 * records which child it made), the exec family (recorded before the call: the descriptors open then,
 * without close-on-exec, cross into the new program), and _exit (the exit is recorded, like exit()).
 *
 * vfork is performed as fork: a vfork child shares the parent's memory, so anything it recorded would
 * land in the parent's trace and live table. Code written for vfork runs correctly under fork. */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdarg.h>
#include <unistd.h>

#include "real_calls.h"

/* Before fork (parent) and right after it (child) the shim does real work — a copy of the live table, a
 * new trace — on the side stack: fork may be called from a thread with a tiny stack. */
struct fork_plan {
    int traced;
    int multithreaded;
};

static uint64_t prepare_fork(void *plan_) {
    struct fork_plan *plan = plan_;
    plan->multithreaded = fdh_process_is_multithreaded();
    fdh_snapshot_before_fork();
    return 1;
}

static uint64_t start_child(void *plan_) {
    struct fork_plan *plan = plan_;
    fdh_start_forked_child(plan->multithreaded);
    return 1;
}

FDH_EXPORT pid_t fork(void) {
    FDH_REAL(fork);
    struct fork_plan plan = {.traced = atomic_load(&fdh_state.active) && fdh_depth == 0};
    if (plan.traced) plan.traced = (int)fdh_on_side_stack(prepare_fork, &plan, 0);
    pid_t pid = real_fork();
    if (pid == 0) {
        int saved = errno;
        fdh_side_stacks_after_fork();
        if (plan.traced) fdh_on_side_stack(start_child, &plan, 0);
        errno = saved;
        return 0;
    }
    if (pid > 0) {
        FDH_RECORDING fdh_record_fork(FDH_API_FORK, pid, 0);
    }
    return pid;
}

FDH_EXPORT pid_t vfork(void) {
    return fork();
}

static int spawned(int result, const pid_t *pid, const char *path) {
    if (result == 0 && pid) {
        FDH_RECORDING fdh_record_fork(FDH_API_POSIX_SPAWN, *pid, fdh_describe_path(path, FDH_PATH_BASE_CWD));
    }
    return result;
}

FDH_EXPORT int posix_spawn(pid_t *restrict pid, const char *restrict path,
                           const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *restrict attr,
                           char *const argv[restrict], char *const envp[restrict]) {
    FDH_REAL(posix_spawn);
    pid_t child = 0;
    int result = real_posix_spawn(&child, path, actions, attr, argv, envp);
    if (pid) *pid = child;
    return spawned(result, &child, path);
}

FDH_EXPORT int posix_spawnp(pid_t *restrict pid, const char *restrict file,
                            const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *restrict attr,
                            char *const argv[restrict], char *const envp[restrict]) {
    FDH_REAL(posix_spawnp);
    pid_t child = 0;
    int result = real_posix_spawnp(&child, file, actions, attr, argv, envp);
    if (pid) *pid = child;
    return spawned(result, &child, file);
}

/* ---- exec ------------------------------------------------------------------------------------------- */

static uint64_t before_exec(const char *path) {
    uint64_t event = UINT64_MAX - 1;
    FDH_RECORDING event = fdh_record_exec(FDH_API_EXEC, path);
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
    FDH_RECORDING fdh_record_exit();
    real__exit(status);
    __builtin_unreachable();
}

FDH_EXPORT void _Exit(int status) {
    _exit(status);
}
