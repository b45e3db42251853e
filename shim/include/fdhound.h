/* fdhound.h — the API a program may call to help fdhound attribute descriptors (public, stable).
 *
 * A *phase* is a named stretch of a program's work — a test, a request, a job. Descriptors opened inside a
 * phase and still open when it ends (or released only by a finalizer or the garbage collector) are
 * reported under that phase's name (`fdhound report`: "phase" in JSON, a section per phase in text and
 * Markdown). Phases nest per thread: fdhound_phase_end() ends the innermost phase its thread began. A
 * descriptor opened on a thread without a phase of its own belongs to the phase begun last (process-wide)
 * that is still open, so helper threads of a test or a request count for it.
 *
 * The functions are exported by libfdhound.so (the preloaded shim) only. Call them so that the program
 * still links and runs without it — either through weak references:
 *
 *     #include "fdhound.h"
 *     #pragma weak fdhound_phase_begin
 *     #pragma weak fdhound_phase_end
 *     ...
 *     if (fdhound_phase_begin) fdhound_phase_begin("request 42");
 *     handle_request();
 *     if (fdhound_phase_end) fdhound_phase_end();
 *
 * (a weak undefined reference is 0 unless a loaded object defines it; the preloaded shim does), or
 * through dlsym(RTLD_DEFAULT, "fdhound_phase_begin") at start-up. Python: `with fdhound.phase("…"):`
 * (python/, ctypes over dlsym). Both calls are async-signal-safe, never allocate, leave errno untouched,
 * and do nothing while tracing is off. The name is copied (at most 512 bytes); NULL means "(unnamed)". */
#ifndef FDHOUND_H
#define FDHOUND_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void fdhound_phase_begin(const char *name);
void fdhound_phase_end(void);

/* For Python runtimes whose frames the shim cannot read (PyPy): the calling thread's Python stack,
 * innermost frame first, as "file\0function\0line\0" repeated (`length` bytes, at most 64 frames), to be
 * appended to the stack of the next descriptor this thread creates. fdhound's helper
 * (shim/python-helper/sitecustomize.py, loaded by `fdhound run` into PyPy) calls it just before each
 * descriptor-creating call and with (NULL, 0) after it, which drops frames nothing consumed. */
void fdhound_python_stack(const char *frames, size_t length);

#ifdef __cplusplus
}
#endif

#endif /* FDHOUND_H */
