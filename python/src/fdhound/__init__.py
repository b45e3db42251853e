"""fdhound for Python: name phases for fdhound's reports, and (fdhound.pytest_plugin) fail leaking tests.

Under `fdhound run` the preloaded shim exports a phase API; without it every call here is a no-op.
"""
import contextlib

from ._shim import phase_begin, phase_end, shim_loaded

__all__ = ["phase", "phase_begin", "phase_end", "shim_loaded"]


@contextlib.contextmanager
def phase(name):
    """Descriptors opened inside the block (and still open at its end, or released only by Python's
    finalizer or garbage collector) are reported under `name`. Phases nest per thread."""
    phase_begin(name)
    try:
        yield
    finally:
        phase_end()
