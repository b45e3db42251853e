/* phase_api.c — the shim's public C API (shim/include/fdhound.h): phases. Not hooks: nothing is
 * interposed; a program (or the Python package through ctypes) calls these to name a stretch of its work,
 * and each call becomes one event (PHASE_BEGIN with the name, PHASE_END) that the analyzer pairs per
 * thread. Same rules as a hook: no malloc, async-signal-safe, errno preserved (the recording scope). */
#include "fdhound.h"
#include "shim.h"

/* Longer names are cut: a phase name is a label, and the string arena is shared with paths. */
#define FDH_PHASE_NAME_MAX 512

static void record_phase(uint8_t type, const char *name) {
    struct fdh_event fields = {.type = type, .api = FDH_API_PHASE, .fd = -1, .fd2 = -1};
    if (name) {
        size_t length = 0;
        while (length < FDH_PHASE_NAME_MAX && name[length]) length++;
        fields.str1 = fdh_intern(name, length);
    }
    fdh_record_event(&fields);
}

FDH_EXPORT void fdhound_phase_begin(const char *name) {
    FDH_RECORDING record_phase(FDH_EVENT_PHASE_BEGIN, name);
}

FDH_EXPORT void fdhound_phase_end(void) {
    FDH_RECORDING record_phase(FDH_EVENT_PHASE_END, NULL);
}
