"""Reads this process's own trace while the shim writes it (the MAP_SHARED file named in /proc/self/maps).

Only what the plugin needs, from the one definition of the format (Sources/CFDHoundTrace/include/
fdhound_trace.h, docs/TRACE-FORMAT.md): header counters, the section directory, live-descriptor slots
(a seqlock per slot), events, stack nodes, strings and CPython code objects. Every offset is checked
against the file size, so a damaged trace gives TraceUnavailable, never a crash."""
import ctypes
import mmap
import os
import re
import struct

FORMAT_VERSION = 3                                  # 2: the event log is a ring; 3: call sites and the live count
                                                    # split by thread shard (sections this reader does not read)
EVENT_BUSY = 0xFFFFFFFF                             # commit word while a writer owns a slot
SECTION_STRINGS, SECTION_STACK_NODES, SECTION_EVENTS, SECTION_LIVE, SECTION_PY_CODES = 1, 4, 5, 6, 8
HEADER_SIZE = 744
EVENT = struct.Struct("<IBBBBiiiiQIIIIQQ")          # struct fdh_event, 64 bytes
LIVE = struct.Struct("<IIBBBBIIIIB3xQQ")            # struct fdh_live_fd, 48 bytes
NODE = struct.Struct("<QIHH")                       # struct fdh_stack_node, 16 bytes
PY_CODE = struct.Struct("<IIIIIIQQQ")               # struct fdh_py_code, 48 bytes
SECTION = struct.Struct("<IIQQQ")                   # struct fdh_section, 32 bytes
SECTIONS_OFFSET = HEADER_SIZE - 16 * SECTION.size
EVENTS_NEXT_OFFSET = 104                            # header.events_next
EVENTS_DROPPED_OFFSET = 112
PYTHON_STATUS_OFFSET = 192

EVENT_OPEN, EVENT_CLOSE, EVENT_DUP, EVENT_LABEL = 1, 2, 3, 4
LIVE_OPEN = 1
FRAME_PYTHON = 2
CLOSE_PY_GC = 2

KINDS = ["unknown", "file", "directory", "pipe", "unix-socket", "inet-socket", "inet6-socket", "socket",
         "eventfd", "timerfd", "signalfd", "epoll", "inotify", "memfd", "pidfd", "pty", "dbus", "fanotify",
         "fifo"]
SOCKET_KINDS = {4, 5, 6, 7}


class TraceUnavailable(Exception):
    """No trace of this process, or not one this reader understands (the message says which)."""


def own_trace_path(pid=None):
    """The trace the shim maps for this process: FDHOUND_TRACE, else the fdhound.<pid>[.<n>].trace in
    /proc/self/maps (the newest image's, after an exec)."""
    if os.environ.get("FDHOUND_TRACE"):
        return os.environ["FDHOUND_TRACE"]
    pid = os.getpid() if pid is None else pid
    pattern = re.compile(r"/fdhound\.%d(?:\.(\d+))?\.trace$" % pid)
    best = None
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.rstrip("\n").split(None, 5)
            if len(parts) < 6:
                continue
            match = pattern.search(parts[5])
            if match:
                rank = int(match.group(1) or 0)
                if best is None or rank > best[0]:
                    best = (rank, parts[5])
    if best is None:
        raise TraceUnavailable("no fdhound trace is mapped in this process")
    return best[1]


def _map_read_only(fd, size):
    """The file mapped MAP_SHARED as a read-only buffer. Through libc's mmap, not Python's: mmap.mmap keeps
    a duplicate of the descriptor for the mapping's lifetime, which the traced program would then hold."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
    if address is None or address == ctypes.c_void_p(-1).value:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return memoryview((ctypes.c_char * size).from_address(address)).cast("B")


class LiveTrace:
    """A read-only view of a trace file that its writer is still filling."""

    def __init__(self, path):
        self.path = path
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                size = os.fstat(fd).st_size
                if size < HEADER_SIZE:
                    raise TraceUnavailable("%s is too short to be an fdhound trace" % path)
                self._map = _map_read_only(fd, size)
            finally:
                os.close(fd)
        except OSError as error:
            raise TraceUnavailable("cannot read %s: %s" % (path, error.strerror))
        self._size = size
        magic, version, header_size, endian = struct.unpack_from("<8sIII", self._map, 0)
        if magic != b"FDHTRACE" or endian != 0x01020304:
            raise TraceUnavailable("%s does not look like an fdhound trace" % path)
        if version > FORMAT_VERSION:
            raise TraceUnavailable("%s has trace format version %d; this plugin reads up to %d"
                                   % (path, version, FORMAT_VERSION))
        self._version = version
        self.pid = struct.unpack_from("<i", self._map, 32)[0]
        count = struct.unpack_from("<H", self._map, 22)[0]
        self._sections = {}
        for index in range(min(count, 16)):
            kind, entry_size, offset, capacity, _ = SECTION.unpack_from(self._map, SECTIONS_OFFSET + index * SECTION.size)
            end = offset + (capacity * entry_size)
            if entry_size == 0 or end > size or offset < HEADER_SIZE:
                raise TraceUnavailable("%s: section %d lies outside the file" % (path, kind))
            self._sections[kind] = (offset, entry_size, capacity)
        for needed in (SECTION_STRINGS, SECTION_STACK_NODES, SECTION_EVENTS, SECTION_LIVE):
            if needed not in self._sections:
                raise TraceUnavailable("%s lacks section %d" % (path, needed))

    # ---- counters --------------------------------------------------------------------------------------

    def events_next(self):
        return struct.unpack_from("<Q", self._map, EVENTS_NEXT_OFFSET)[0]

    def events_capacity(self):
        return self._sections[SECTION_EVENTS][2]

    def python_status(self):
        return struct.unpack_from("<I", self._map, PYTHON_STATUS_OFFSET)[0]

    # ---- records ---------------------------------------------------------------------------------------

    def live(self, fd):
        """Descriptor `fd`'s slot as a dict, None when closed, unknown or being written (seqlock)."""
        offset, entry_size, capacity = self._sections[SECTION_LIVE]
        if fd < 0 or fd >= capacity:
            return None
        at = offset + fd * entry_size
        for _ in range(100):
            fields = LIVE.unpack_from(self._map, at)
            if fields[0] & 1 or struct.unpack_from("<I", self._map, at)[0] != fields[0]:
                continue
            version, state, kind, owner, api, cloexec, stack, str1, str2, tid, tcp, open_seq, time_ns = fields
            if state != LIVE_OPEN:
                return None
            return {"fd": fd, "kind": kind, "owner": owner, "api": api, "stack": stack, "str1": str1,
                    "str2": str2, "open_seq": open_seq}
        return None

    @property
    def format_version(self):
        return self._version

    def first_kept(self):
        """The oldest sequence number the event log still holds: a version-2 log is a ring, and once it wrapped
        everything before its last `capacity` events was overwritten."""
        capacity = self.events_capacity()
        if self._version < 2:
            return 0
        return max(0, self.events_next() - capacity)

    def events(self, first, last):
        """Published events with first <= seq < last (those the log kept), as dicts, in order.

        Version 2: event seq lives at slot seq % capacity and its commit word is its lap + 1; a slot is read
        between two reads of that word (the writer may be reusing it) and kept only if the word did not
        change and names this seq. Version 1: seq lives at index seq while it fits, commit 1."""
        offset, entry_size, capacity = self._sections[SECTION_EVENTS]
        if capacity == 0:
            return
        ring = self._version >= 2
        start = max(first, self.first_kept()) if ring else first
        end = last if ring else min(last, capacity)
        for seq in range(start, end):
            at = offset + (seq % capacity if ring else seq) * entry_size
            word = struct.unpack_from("<I", self._map, at)[0]
            fields = EVENT.unpack_from(self._map, at)
            again = struct.unpack_from("<I", self._map, at)[0]
            commit, type_, api, kind, owner, fd, fd2, result, err, time_ns, tid, stack, str1, str2, arg, eseq = fields
            if ring:
                lap_word = (seq // capacity) % 0xFFFFFFFE + 1
                if word != again or commit != word or word in (0, EVENT_BUSY) or word != lap_word or eseq != seq:
                    continue
            elif commit != 1 or eseq != seq:
                continue
            yield {"seq": seq, "type": type_, "api": api, "kind": kind, "fd": fd, "fd2": fd2, "result": result,
                   "stack": stack, "str1": str1, "str2": str2, "arg": arg}

    def string(self, string_id):
        """Bytes of string `string_id`, b"" for 0 or a damaged record."""
        offset, _, capacity = self._sections[SECTION_STRINGS]
        if string_id == 0 or string_id + 8 > capacity:
            return b""
        length = struct.unpack_from("<I", self._map, offset + string_id)[0]
        if string_id + 8 + length > capacity:
            return b""
        return bytes(self._map[offset + string_id + 8: offset + string_id + 8 + length])

    def stack(self, stack_id, limit=256):
        """[(ip, kind)] innermost first; the walk is capped (a damaged file could hold a cycle)."""
        offset, entry_size, capacity = self._sections[SECTION_STACK_NODES]
        frames = []
        while stack_id and stack_id < capacity and len(frames) < limit:
            ip, parent, kind, state = NODE.unpack_from(self._map, offset + stack_id * entry_size)
            if state != 2:
                break
            frames.append((ip, kind))
            stack_id = parent
        return frames

    def py_code(self, code_id):
        """(filename, qualname, first_line, line table bytes, python version) of code `code_id`, or None."""
        section = self._sections.get(SECTION_PY_CODES)
        if section is None or code_id == 0 or code_id >= section[2]:
            return None
        state, first_line, filename, qualname, linetable, version, _, _, _ = PY_CODE.unpack_from(
            self._map, section[0] + code_id * section[1])
        if state != 2:
            return None
        return (self.string(filename).decode("utf-8", "surrogateescape"), self.string(qualname).decode("utf-8", "surrogateescape"),
                first_line, self.string(linetable), version)

    def describe(self, kind, str1, str2):
        """"local -> peer" for sockets, the path for files, else the kind's name (as the report does)."""
        first = self.string(str1).decode("utf-8", "surrogateescape")
        second = self.string(str2).decode("utf-8", "surrogateescape")
        if kind in SOCKET_KINDS:
            if first and second:
                return "%s -> %s" % (first, second)
            return first or ("-> " + second if second else kind_name(kind))
        return first or kind_name(kind)


def kind_name(kind):
    return KINDS[kind] if 0 <= kind < len(KINDS) else "unknown"
