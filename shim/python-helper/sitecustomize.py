"""fdhound's Python helper, for Python runtimes whose frames the shim cannot read (PyPy runs Python as JIT
and RPython code: no CPython frame objects to walk). `fdhound run` puts this directory first on
PYTHONPATH when the traced command is PyPy; on CPython it does nothing but hand over.

It wraps the Python entry points that create descriptors (socket(), accept, socketpair, fromfd, open,
os.open/pipe/pipe2/dup/dup2/openpty, select.epoll) so that, just before the real call, the calling
thread's Python stack goes to the shim (fdhound_python_stack in shim/include/fdhound.h); the shim appends
it to the stack of the descriptor that call creates. Wrappers pass arguments, results and exceptions
through unchanged. Afterwards the program's own sitecustomize, if any, is imported as it would have been."""
import sys

_MAX_FRAMES = 64


def _stack_api():
    """(hand(bytes), clear()) over the shim's exported function, or None without the shim."""
    try:
        import cffi  # bundled with PyPy: calls cost far less than ctypes there
        ffi = cffi.FFI()
        ffi.cdef("void fdhound_python_stack(const char *frames, size_t length);")
        function = ffi.dlopen(None).fdhound_python_stack
        null = ffi.NULL
        return (lambda data: function(data, len(data))), (lambda: function(null, 0))
    except Exception:
        pass
    try:
        import ctypes
        function = ctypes.CDLL(None).fdhound_python_stack
        function.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        function.restype = None
        return (lambda data: function(data, len(data))), (lambda: function(None, 0))
    except Exception:
        return None


def _qualified_name(code, module_globals):
    """co_qualname where the runtime has it (3.11+); else the __qualname__ of the module-level function or
    class attribute whose code this is (Connection.connect, not connect), found once per code object."""
    name = getattr(code, "co_qualname", None)
    if name:
        return name
    try:
        for value in list(module_globals.values()):
            candidates = list(vars(value).values()) if isinstance(value, type) else [value]
            for candidate in candidates:
                function = getattr(candidate, "__func__", candidate)
                if getattr(function, "__code__", None) is code:
                    return function.__qualname__
    except Exception:
        pass
    return code.co_name


def _install():
    api = _stack_api()
    if api is None:
        return
    hand, clear = api
    getframe = sys._getframe
    own_file = _install.__code__.co_filename
    names = {}  # code object → encoded "file\0name\0" (code objects live as long as their functions)

    def handed(call):
        def wrapper(*args, **kwargs):
            try:
                frame = getframe(1)
            except ValueError:  # called from the runtime itself, with no Python caller
                frame = None
            while frame is not None and frame.f_code.co_filename == own_file:
                frame = frame.f_back  # this helper's own frames (socket_init) are not the program's
            parts = []
            while frame is not None and len(parts) < _MAX_FRAMES:
                code = frame.f_code
                prefix = names.get(code)
                if prefix is None:
                    name = _qualified_name(code, frame.f_globals)
                    prefix = names[code] = (code.co_filename.encode("utf-8", "surrogateescape") + b"\0"
                                            + name.encode("utf-8", "surrogateescape") + b"\0")
                parts.append(prefix + str(frame.f_lineno).encode() + b"\0")
                frame = frame.f_back
            if parts:
                hand(b"".join(parts))
            try:
                return call(*args, **kwargs)
            finally:
                clear()
        for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
            try:
                setattr(wrapper, attribute, getattr(call, attribute))
            except (AttributeError, TypeError):
                pass
        wrapper.__wrapped__ = call
        return wrapper

    import builtins
    import io
    import os
    import socket

    opener = handed(builtins.open)
    builtins.open = io.open = opener
    for name in ("open", "pipe", "pipe2", "dup", "dup2", "openpty", "eventfd", "memfd_create"):
        if hasattr(os, name):
            setattr(os, name, handed(getattr(os, name)))
    for name in ("socketpair", "fromfd"):
        if hasattr(socket, name):
            setattr(socket, name, handed(getattr(socket, name)))

    base_init = socket.socket.__init__

    def socket_init(self, family=-1, type=-1, proto=-1, fileno=None):
        if fileno is not None:  # wraps an existing descriptor: nothing is created
            return base_init(self, family, type, proto, fileno)
        return handed_init(self, family, type, proto, fileno)
    handed_init = handed(base_init)
    socket_init.__wrapped__ = base_init
    socket.socket.__init__ = socket_init
    socket.socket._accept = handed(socket.socket._accept)

    try:
        import select
        if hasattr(select, "epoll"):
            base = select.epoll
            handed_new = handed(base.__new__)

            class epoll(base):
                __doc__ = base.__doc__

                def __new__(cls, *args, **kwargs):
                    return handed_new(cls, *args, **kwargs)
            epoll.__module__, epoll.__qualname__ = base.__module__, base.__qualname__
            select.epoll = epoll
    except TypeError:
        pass  # not subclassable here: epoll descriptors keep native-only stacks


def _hand_over():
    """Imports the sitecustomize this one shadowed (later on sys.path), as site.py would have."""
    import importlib
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    saved_path, saved_module = sys.path[:], sys.modules.get("sitecustomize")
    try:
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
        del sys.modules["sitecustomize"]
        try:
            importlib.import_module("sitecustomize")  # stays in sys.modules as the program's own
        except ImportError as error:
            if error.name != "sitecustomize":
                raise
            sys.modules["sitecustomize"] = saved_module
    finally:
        sys.path[:] = saved_path


if sys.implementation.name != "cpython":
    try:
        _install()
    except Exception:  # never break the program: it runs with native-only stacks instead
        pass
_hand_over()
