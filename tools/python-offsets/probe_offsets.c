/* probe_offsets.c — prints the CPython struct offsets the shim's Python walker uses (shim/src/python_frames.c),
 * compiled against one interpreter's own internal headers. Run by tools/python-offsets/check, which compares
 * the output with the table in the shim. Original code: only offsetof/sizeof over CPython's own headers. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#if PY_VERSION_HEX >= 0x030B0000
#include "internal/pycore_frame.h"
#else
#include <frameobject.h>
#endif
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"

#define P(name, value) printf("%-22s %ld\n", name, (long)(value))

/* Bit position of a one-bit field in PyASCIIObject.state, found by setting it in a zeroed object. */
static int state_bit(int which) {
    PyASCIIObject o;
    memset(&o, 0, sizeof o);
    if (which == 0) o.state.compact = 1; else if (which == 1) o.state.ascii = 1; else o.state.kind = 1;
    unsigned int word;
    memcpy(&word, (char *)&o + offsetof(PyASCIIObject, state), sizeof word);
    return __builtin_ctz(word);
}

int main(void) {
    P("version_hex", PY_VERSION_HEX);
    P("ts_interp", offsetof(PyThreadState, interp));
    P("ts_thread_id", offsetof(PyThreadState, thread_id));
#if PY_VERSION_HEX >= 0x030D0000
    P("ts_current_frame", offsetof(PyThreadState, current_frame));
#elif PY_VERSION_HEX >= 0x030B0000
    P("ts_cframe", offsetof(PyThreadState, cframe));
    P("cframe_current_frame", offsetof(_PyCFrame, current_frame));
#else
    P("ts_frame", offsetof(PyThreadState, frame));
#endif
#if PY_VERSION_HEX >= 0x030B0000
#if PY_VERSION_HEX >= 0x030D0000
    P("fr_code", offsetof(_PyInterpreterFrame, f_executable));
    P("fr_instr", offsetof(_PyInterpreterFrame, instr_ptr));
#else
    P("fr_code", offsetof(_PyInterpreterFrame, f_code));
    P("fr_instr", offsetof(_PyInterpreterFrame, prev_instr));
#endif
    P("fr_previous", offsetof(_PyInterpreterFrame, previous));
    P("fr_owner", offsetof(_PyInterpreterFrame, owner));
#if PY_VERSION_HEX < 0x030C0000
    P("fr_is_entry", offsetof(_PyInterpreterFrame, is_entry));
#endif
    P("owned_by_generator", FRAME_OWNED_BY_GENERATOR);
#if PY_VERSION_HEX >= 0x030C0000
    P("owned_by_cstack", FRAME_OWNED_BY_CSTACK);
#endif
    P("co_qualname", offsetof(PyCodeObject, co_qualname));
    P("co_code_adaptive", offsetof(PyCodeObject, co_code_adaptive));
    P("co_firsttraceable", offsetof(PyCodeObject, _co_firsttraceable));
#else
    P("fr_back", offsetof(PyFrameObject, f_back));
    P("fr_code", offsetof(PyFrameObject, f_code));
    P("fr_lasti", offsetof(PyFrameObject, f_lasti));
    P("co_name", offsetof(PyCodeObject, co_name));
#endif
    P("co_filename", offsetof(PyCodeObject, co_filename));
    P("co_firstlineno", offsetof(PyCodeObject, co_firstlineno));
    P("co_linetable", offsetof(PyCodeObject, co_linetable));
    P("ascii_size", sizeof(PyASCIIObject));
    P("compact_size", sizeof(PyCompactUnicodeObject));
    P("str_length", offsetof(PyASCIIObject, length));
    P("str_state", offsetof(PyASCIIObject, state));
    P("str_utf8", offsetof(PyCompactUnicodeObject, utf8));
    P("str_utf8_length", offsetof(PyCompactUnicodeObject, utf8_length));
    P("bit_compact", state_bit(0));
    P("bit_ascii", state_bit(1));
    P("bit_kind", state_bit(2));
    P("bytes_size", offsetof(PyVarObject, ob_size));
    P("bytes_data", offsetof(PyBytesObject, ob_sval));
    P("rt_initialized", offsetof(_PyRuntimeState, initialized));
    P("rt_finalizing", offsetof(_PyRuntimeState, _finalizing));
    P("rt_interp_head", offsetof(_PyRuntimeState, interpreters.head));
    P("rt_interp_main", offsetof(_PyRuntimeState, interpreters.main));
    P("is_gc_collecting", offsetof(PyInterpreterState, gc.collecting));
    P("code_ob_size", offsetof(PyVarObject, ob_size));
#if PY_VERSION_HEX >= 0x030D0000
    P("dbg_runtime_finalizing", offsetof(_Py_DebugOffsets, runtime_state.finalizing));
    P("dbg_ts_interp", offsetof(_Py_DebugOffsets, thread_state.interp));
    P("dbg_ts_current_frame", offsetof(_Py_DebugOffsets, thread_state.current_frame));
    P("dbg_ts_thread_id", offsetof(_Py_DebugOffsets, thread_state.thread_id));
    P("dbg_fr_previous", offsetof(_Py_DebugOffsets, interpreter_frame.previous));
    P("dbg_fr_executable", offsetof(_Py_DebugOffsets, interpreter_frame.executable));
    P("dbg_fr_instr_ptr", offsetof(_Py_DebugOffsets, interpreter_frame.instr_ptr));
    P("dbg_fr_owner", offsetof(_Py_DebugOffsets, interpreter_frame.owner));
    P("dbg_co_filename", offsetof(_Py_DebugOffsets, code_object.filename));
    P("dbg_co_qualname", offsetof(_Py_DebugOffsets, code_object.qualname));
    P("dbg_co_linetable", offsetof(_Py_DebugOffsets, code_object.linetable));
    P("dbg_co_firstlineno", offsetof(_Py_DebugOffsets, code_object.firstlineno));
    P("dbg_co_code_adaptive", offsetof(_Py_DebugOffsets, code_object.co_code_adaptive));
    P("dbg_bytes_ob_sval", offsetof(_Py_DebugOffsets, bytes_object.ob_sval));
    P("dbg_unicode_asciisize", offsetof(_Py_DebugOffsets, unicode_object.asciiobject_size));
    P("dbg_free_threaded", offsetof(_Py_DebugOffsets, free_threaded));
    P("dbg_version", offsetof(_Py_DebugOffsets, version));
#endif
    return 0;
}
