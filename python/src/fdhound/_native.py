"""Which native functions on a close stack mean "a finalizer did it": the interpreter's finalizer and
dealloc entry points and every *_dealloc / *_finalize function (sock_finalize, fileio_dealloc,
textiowrapper_dealloc, _PyIOBase_finalize…), the same rule as FDHoundCore's CloseClassifier. Most of
them are static, so their addresses come from the ELF symbol table of the interpreter — its own
.symtab, or on a stripped build (Debian's python3) the debug file found by GNU build-id under
/usr/lib/debug (python3-dbg) — read once, at plugin start. Without either, only exported entry points
(dlsym + dladdr1) are known, and file objects dropped to refcounting are missed (sockets are not)."""
import bisect
import ctypes
import os
import struct

_EXACT = {"PyObject_CallFinalizerFromDealloc", "PyObject_CallFinalizer", "_PyIOBase_finalize",
          "slot_tp_finalize", "slot_tp_del", "subtype_dealloc", "_Py_Dealloc", "_PyGen_Finalize",
          "PyObject_ClearWeakRefs"}
_ANCHOR = "PyObject_CallFinalizerFromDealloc"  # exported: ties symbol values to run-time addresses


def is_finalizer(name):
    return name in _EXACT or name.endswith("_dealloc") or name.endswith("_finalize")


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


class _ElfSym(ctypes.Structure):
    _fields_ = [("st_name", ctypes.c_uint32), ("st_info", ctypes.c_ubyte), ("st_other", ctypes.c_ubyte),
                ("st_shndx", ctypes.c_uint16), ("st_value", ctypes.c_uint64), ("st_size", ctypes.c_uint64)]


def _exported(name):
    """(run-time address, size, file of the object defining it) of an exported function, or None."""
    process = ctypes.CDLL(None)
    try:
        dladdr1 = process.dladdr1
        address = ctypes.cast(getattr(process, name), ctypes.c_void_p).value
    except AttributeError:
        return None
    dladdr1.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo), ctypes.POINTER(ctypes.c_void_p), ctypes.c_int]
    info, symbol = _DlInfo(), ctypes.c_void_p()
    if not dladdr1(address, ctypes.byref(info), ctypes.byref(symbol), 1) or not symbol.value:  # RTLD_DL_SYMENT
        return None
    size = ctypes.cast(symbol, ctypes.POINTER(_ElfSym)).contents.st_size
    return address, size, os.fsdecode(info.dli_fname or b"")


def _sections(f):
    f.seek(0)
    ident = f.read(64)
    if len(ident) < 64 or ident[:4] != b"\x7fELF" or ident[4] != 2 or ident[5] != 1:
        return []
    shoff, = struct.unpack_from("<Q", ident, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", ident, 0x3A)
    if shentsize != 64 or shnum == 0 or shnum > 10000:
        return []
    f.seek(shoff)
    table = f.read(shnum * 64)
    headers = [struct.unpack_from("<IIQQQQIIQQ", table, i * 64) for i in range(len(table) // 64)]
    return headers


def _build_id(f, headers):
    for name, kind, flags, addr, offset, size, link, info, align, entsize in headers:
        if kind == 7 and 16 <= size <= 4096:  # SHT_NOTE
            f.seek(offset)
            notes = f.read(size)
            at = 0
            while at + 12 <= len(notes):
                namesz, descsz, note_type = struct.unpack_from("<III", notes, at)
                name_at = at + 12
                desc_at = name_at + ((namesz + 3) & ~3)
                if note_type == 3 and notes[name_at:name_at + namesz].rstrip(b"\0") == b"GNU":
                    return notes[desc_at:desc_at + descsz].hex()
                at = desc_at + ((descsz + 3) & ~3)
    return None


def _symbols(f, headers):
    """{name: (value, size)} of the functions in .symtab that matter (finalizers and the anchor)."""
    result = {}
    for name, kind, flags, addr, offset, size, link, info, align, entsize in headers:
        if kind != 2 or entsize != 24 or link >= len(headers):  # SHT_SYMTAB
            continue
        strtab = headers[link]
        f.seek(strtab[4])
        strings = f.read(strtab[5])
        f.seek(offset)
        data = f.read(size)
        for at in range(0, len(data) - 23, 24):
            st_name, st_info, _, shndx, value, st_size = struct.unpack_from("<IBBHQQ", data, at)
            if st_info & 0xF != 2 or shndx == 0 or not st_size:  # STT_FUNC, defined
                continue
            end = strings.find(b"\0", st_name)
            # GCC's LTO and splitting rename statics: fileio_dealloc.lto_priv.0, sock_finalize.cold
            symbol = strings[st_name:end].decode("ascii", "replace")
            base = symbol.split(".", 1)[0]
            if base == _ANCHOR and symbol != base:
                continue
            if symbol == _ANCHOR or is_finalizer(base):
                result[symbol] = (value, st_size)
    return result


def _load():
    import sys
    if sys.implementation.name != "cpython":
        return [], ("on %s, descriptors the runtime's garbage collector released are not told apart from "
                    "explicit closes" % sys.implementation.name)
    anchor = _exported(_ANCHOR)
    if anchor is None:
        return [], "the interpreter exports no PyObject_CallFinalizerFromDealloc"
    address, size, path = anchor
    ranges = [(address, address + size)]
    try:
        with open(path or "/proc/self/exe", "rb") as f:
            headers = _sections(f)
            symbols = _symbols(f, headers)
            build_id = _build_id(f, headers)
        source = path
        if _ANCHOR not in symbols and build_id:
            source = "/usr/lib/debug/.build-id/%s/%s.debug" % (build_id[:2], build_id[2:])
            with open(source, "rb") as f:
                symbols = _symbols(f, _sections(f))
    except OSError:
        symbols = {}
    if _ANCHOR not in symbols:
        return ranges, ("the interpreter has no symbols (install its debug symbols, e.g. python3-dbg): a file "
                        "object dropped without close() is not recognized, a socket is")
    bias = address - symbols[_ANCHOR][0]
    ranges = sorted((value + bias, value + bias + size) for value, size in symbols.values())
    return ranges, None


_loaded = None  # (ranges, starts, limitation), read on first use: `pytest` without --fdhound pays nothing


def _state():
    global _loaded
    if _loaded is None:
        ranges, limitation = _load()
        _loaded = (ranges, [start for start, _ in ranges], limitation)
    return _loaded


def limitation():
    """Why finalizer closes of some objects cannot be recognized here, or None."""
    return _state()[2]


def inside_finalizer(ip):
    """Whether the native return address `ip` lies in a finalizer or dealloc function."""
    ranges, starts, _ = _state()
    index = bisect.bisect_right(starts, ip - 1) - 1
    return index >= 0 and ranges[index][0] <= ip - 1 < ranges[index][1]
