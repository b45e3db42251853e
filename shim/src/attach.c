/* attach.c — the shim's API for a process that was not started under fdhound: `fdhound attach PID` has gdb
 * dlopen the shim into it and call fdhound_attach(dir); `fdhound detach PID` calls fdhound_detach().
 *
 *   int fdhound_attach(const char *output_dir)  0: recording; 1: already recording (preloaded, or attached
 *                                               before); -1: failed, fdhound_attach_error() says why
 *   int fdhound_detach(void)                    0: stopped; -1: nothing to stop
 *   const char *fdhound_attach_error(void)      the reason of the last failure ("" if none)
 *   int fdhound_attach_with(const char *output_dir, const char *settings)
 *                                               the same, with FDHOUND_* settings ("FDHOUND_ALWAYS_ON=1 …",
 *                                               space-separated) taking the place of the environment's
 *
 * Settings come from the FDHOUND_* variables of the target's environment as for a preloaded start (usually
 * none: the defaults), except the output directory, which is the argument. Recording starts as in a
 * preloaded process, with these differences: the descriptors open now are recorded as inherited and the
 * header says ATTACHED (the report calls them "open before attach"), and interposition is done by
 * rewriting GOT slots (got_patch.c). Detaching puts the slots back and stops recording; the trace file
 * stays complete and readable (header flag DETACHED). The mapping is kept: a hook running on another
 * thread at that moment may still be writing into it. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

static const char *last_error = "";

FDH_EXPORT const char *fdhound_attach_error(void) { return last_error; }

FDH_EXPORT int fdhound_attach(const char *output_dir);

FDH_EXPORT int fdhound_attach_with(const char *output_dir, const char *settings) {
    fdh_config_given(settings); /* read by fdh_config_load below only: gdb's call returns before the next */
    int result = fdhound_attach(output_dir);
    fdh_config_given(NULL);
    return result;
}

FDH_EXPORT int fdhound_attach(const char *output_dir) {
    if (fdh_is_active()) return 1;
    if (fdh_state.trace.header) { /* detached earlier: a new attach starts a new trace */
        fdh_state.trace.header = NULL;
    }
    fdh_state.pid = (pid_t)syscall(SYS_getpid);
    fdh_diag_remember_stderr();
    const char *failure = NULL;
    if (fdh_config_load(&fdh_state.config, &failure) != 0) {
        last_error = failure;
        return -1;
    }
    if (!output_dir || !*output_dir || fdh_strlen(output_dir) >= sizeof fdh_state.config.output_dir - 64) {
        last_error = "the output directory is missing or too long";
        return -1;
    }
    fdh_append(fdh_state.config.output_dir, fdh_state.config.output_dir + sizeof fdh_state.config.output_dir,
               output_dir);
    if (fdh_got_prepare() != 0) {
        last_error = "the shim cannot find its own hooks (dladdr/dlopen failed)";
        return -1;
    }
    if (fdh_trace_create(&fdh_state.config, &failure) != 0) {
        last_error = failure;
        return -1;
    }
    fdh_start_recording(1);
    last_error = "";
    return 0;
}

/* Records what is open now (with TCP states) and stops recording for good; the header says DETACHED and
 * `why` (0, or another flag: SECCOMP). For fdhound detach and for a program about to sandbox itself. */
void fdh_stop_recording(uint32_t why) {
    struct fdh_header *h = fdh_state.trace.header;
    FDH_RECORDING fdh_record_exit(); /* the descriptors open now, with their TCP states */
    fdh_set_active(0);
    if (h) __atomic_fetch_or(&h->flags, FDH_HEADER_FLAG_DETACHED | why, __ATOMIC_RELEASE);
}

FDH_EXPORT int fdhound_detach(void) {
    if (!fdh_is_active() || !fdh_got_enabled()) return -1;
    fdh_got_restore();
    fdh_stop_recording(0);
    return 0;
}
