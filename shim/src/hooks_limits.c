/* hooks_limits.c — setrlimit, setrlimit64, prlimit, prlimit64: nothing is recorded, but a raised soft
 * RLIMIT_NOFILE moves the tracer's parked pipe to the new top of the range (tracer_pipe.c), so that the
 * program's numbering stays what it would be untraced after it raises its limit (servers do). */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "real_calls.h"

static void limit_set(int resource, int result) {
    if (result == 0 && resource == RLIMIT_NOFILE) {
        int saved = errno;
        fdh_tracer_pipe_limit_changed();
        fdh_evidence_limit_changed();
        errno = saved;
    }
}

FDH_EXPORT int setrlimit(__rlimit_resource_t resource, const struct rlimit *limit) {
    FDH_REAL(setrlimit);
    int result = real_setrlimit(resource, limit);
    limit_set((int)resource, result);
    return result;
}

FDH_EXPORT int setrlimit64(__rlimit_resource_t resource, const struct rlimit64 *limit) {
    FDH_REAL(setrlimit64);
    int result = real_setrlimit64(resource, limit);
    limit_set((int)resource, result);
    return result;
}

/* Only a change of this process's own limit matters (pid 0 or our pid). */
FDH_EXPORT int prlimit(pid_t pid, __rlimit_resource_t resource, const struct rlimit *limit, struct rlimit *old) {
    FDH_REAL(prlimit);
    int result = real_prlimit(pid, resource, limit, old);
    if (limit && (pid == 0 || pid == fdh_state.pid)) limit_set((int)resource, result);
    return result;
}

FDH_EXPORT int prlimit64(pid_t pid, __rlimit_resource_t resource, const struct rlimit64 *limit,
                         struct rlimit64 *old) {
    FDH_REAL(prlimit64);
    int result = real_prlimit64(pid, resource, limit, old);
    if (limit && (pid == 0 || pid == fdh_state.pid)) limit_set((int)resource, result);
    return result;
}
