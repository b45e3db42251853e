"""The shim's C API (shim/include/fdhound.h) through ctypes: found with dlsym in the process's global
scope, where LD_PRELOAD put libfdhound.so. Absent shim: the calls do nothing."""
import ctypes
import os

_process = ctypes.CDLL(None)


def _lookup(name, argtypes):
    try:
        function = getattr(_process, name)
    except AttributeError:
        return None
    function.argtypes = argtypes
    function.restype = None
    return function


_begin = _lookup("fdhound_phase_begin", [ctypes.c_char_p])
_end = _lookup("fdhound_phase_end", [])


def shim_loaded():
    """Whether fdhound's shim is preloaded into this process (it may still have disabled tracing)."""
    return _begin is not None


def phase_begin(name):
    """Begins a phase named `name` (str or bytes) on this thread."""
    if _begin is not None:
        _begin(name if isinstance(name, bytes) else os.fsencode(str(name)))


def phase_end():
    """Ends this thread's innermost phase."""
    if _end is not None:
        _end()
