"""Per-test descriptor bookkeeping, two ways. TraceChecker (under fdhound's shim) names each test as a
phase and reads the process's live trace: which descriptors were opened inside the test's window of
event sequence numbers and are still open, and which were closed there by a finalizer or the garbage
collector, each with its opening Python stack. ProcChecker (no shim) compares /proc/self/fd before and
after: kind and path, no stacks. Both leave the program's descriptors alone: nothing here opens one
while a test runs, except os.listdir's own, closed before its result is used."""
import os
import socket
import stat

from . import _linetable, _native, _trace
from ._findings import (FINALIZER, GARBAGE_COLLECTOR, STILL_OPEN, Finding, PythonFrame, culprit,
                        is_standard_library)
from ._shim import phase_begin, phase_end

# enum fdh_api names (fdhound_trace.h) for the "opened by socket()" line.
_API = {1: "open", 2: "open64", 3: "openat", 4: "openat64", 5: "creat", 6: "socket", 7: "socketpair",
        8: "accept", 9: "accept4", 12: "pipe", 13: "pipe2", 14: "dup", 15: "dup2", 16: "dup3", 17: "fcntl",
        19: "fopen", 20: "fopen64", 21: "fdopen", 23: "opendir", 24: "fdopendir", 27: "creat64", 28: "popen",
        30: "mkstemp", 31: "mkostemp", 32: "mkstemps", 33: "mkostemps", 34: "tmpfile", 35: "freopen",
        36: "eventfd", 37: "timerfd_create", 38: "signalfd", 39: "epoll_create", 40: "epoll_create1",
        41: "inotify_init", 42: "inotify_init1", 43: "fanotify_init", 44: "memfd_create", 45: "pidfd_open",
        46: "posix_openpt", 47: "getpt", 48: "recvmsg", 49: "recvmmsg"}


def _open_descriptors():
    """Descriptor numbers open now, above stdio (listdir's own directory descriptor is closed already
    when the list is returned; a caller finds its number closed and skips it)."""
    return sorted(int(name) for name in os.listdir("/proc/self/fd") if name.isdigit() and int(name) > 2)


class TraceChecker:
    stacks_known = True

    def __init__(self, trace):
        self.trace = trace
        self.first = self.last = 0
        self.exempt = []  # seq windows of wider-scoped fixtures' set-up: their descriptors are theirs
        self.note = _native.limitation()

    def mark(self):
        return self.trace.events_next()

    def begin(self, name):
        self.exempt = []
        self.first = self.trace.events_next()
        phase_begin(name)

    def end(self):
        """Ends the test's window (what it opened); its phase stays open while the verdict settles."""
        self.last = self.trace.events_next()

    def end_phase(self):
        phase_end()

    def exempt_since(self, mark):
        self.exempt.append((mark, self.trace.events_next()))

    def _ours(self, seq):
        return self.first <= seq < self.last and not any(a <= seq < b for a, b in self.exempt)

    def candidates(self):
        """{fd: identity} of descriptors opened in the window and open now."""
        result = {}
        for fd in _open_descriptors():
            slot = self.trace.live(fd)
            if slot and self._ours(slot["open_seq"]):
                result[fd] = slot["open_seq"]
        return result

    def still_open(self, candidates):
        return {fd: seq for fd, seq in candidates.items()
                if (self.trace.live(fd) or {}).get("open_seq") == seq}

    def findings(self, open_now):
        result = []
        for fd, seq in sorted(open_now.items()):
            slot = self.trace.live(fd)
            if slot is None or slot["open_seq"] != seq:
                continue
            result.append(self._finding(fd, slot["kind"], slot["str1"], slot["str2"], slot["api"], slot["stack"],
                                        STILL_OPEN))
        return result + self._reclaimed()

    def _reclaimed(self):
        """Descriptors opened in the window and released there (or while settling) by Python, not the test."""
        trace, result, opened = self.trace, [], {}
        last = trace.events_next()
        if trace.first_kept() > self.first:
            # A ring (format 2) overwrote the oldest events: what this test opened before them is not seen.
            self.note = ("the trace's event log wrapped during this test: descriptors opened early in it and "
                         "released by Python are not checked (FDHOUND_EVENT_CAPACITY)")
        elif trace.format_version < 2 and last > trace.events_capacity():
            self.note = "the trace's event log is full: descriptors Python released are no longer checked"
        for event in trace.events(self.first, last):
            kind = event["type"]
            if kind == _trace.EVENT_OPEN and event["fd"] >= 0 and self._ours(event["seq"]):
                opened[event["fd"]] = dict(event)
                if event["fd2"] >= 0:
                    opened[event["fd2"]] = dict(event)
            elif kind == _trace.EVENT_DUP and event["fd2"] >= 0 and event["result"] >= 0:
                opened.pop(event["fd2"], None)
                if self._ours(event["seq"]):
                    opened[event["fd2"]] = dict(event)
            elif kind == _trace.EVENT_LABEL and event["fd"] in opened:
                for key in ("str1", "str2"):
                    if event[key]:
                        opened[event["fd"]][key] = event[key]
            elif kind == _trace.EVENT_CLOSE and event["result"] == 0 and event["fd"] in opened:
                opening = opened.pop(event["fd"])
                how = self._how_released(event)
                if how:
                    result.append(self._finding(event["fd"], opening["kind"], opening["str1"], opening["str2"],
                                                opening["api"], opening["stack"], how))
        return result

    def _how_released(self, close):
        if close["arg"] & _trace.CLOSE_PY_GC:
            return GARBAGE_COLLECTOR
        # The same walk as FDHoundCore's CloseClassifier: outwards from close() to the program's first
        # Python frame; a finalizer or dealloc function (or a Python __del__) on the way decides.
        found = None
        for ip, kind in self.trace.stack(close["stack"]):
            if kind == _trace.FRAME_PYTHON:
                frame = self._python_frame(ip)
                if frame is None:
                    continue
                if frame.qualname == "__del__" or frame.qualname.endswith(".__del__"):
                    return FINALIZER
                if not is_standard_library(frame.filename):
                    break
            elif _native.inside_finalizer(ip):
                found = FINALIZER
        return found

    def _python_frame(self, ip):
        code = self.trace.py_code(ip >> 32)
        if code is None:
            return None
        filename, qualname, first_line, table, version = code
        return PythonFrame(filename, qualname, _linetable.line(table, first_line, version, ip & 0xFFFFFFFF))

    def _finding(self, fd, kind, str1, str2, api, stack, how):
        frames = [f for f in (self._python_frame(ip) for ip, k in self.trace.stack(stack) if k == _trace.FRAME_PYTHON)
                  if f is not None]
        return Finding(fd, _trace.kind_name(kind), self.trace.describe(kind, str1, str2), how,
                       api=_API.get(api), culprit=culprit(frames), stack=frames)


class ProcChecker:
    """Without the shim: /proc/self/fd before and after each test (kind and path, no stacks)."""
    stacks_known = False

    def __init__(self, note=None):
        self.before = {}
        self.exempt = set()
        self.note = note

    @staticmethod
    def _snapshot():
        result = {}
        for fd in _open_descriptors():
            try:
                info = os.stat("/proc/self/fd/%d" % fd)
            except OSError:
                continue
            result[fd] = (info.st_dev, info.st_ino)
        return result

    def mark(self):
        return self._snapshot()

    def begin(self, name):
        self.exempt = set()
        self.before = self._snapshot()

    def end(self):
        pass

    def end_phase(self):
        pass

    def exempt_since(self, mark):
        self.exempt.update(set(self._snapshot().items()) - set(mark.items()))

    def candidates(self):
        return {fd: identity for fd, identity in self._snapshot().items()
                if self.before.get(fd) != identity and (fd, identity) not in self.exempt}

    def still_open(self, candidates):
        now = self._snapshot()
        return {fd: identity for fd, identity in candidates.items() if now.get(fd) == identity}

    def findings(self, open_now):
        result = []
        for fd in sorted(open_now):
            kind, description = _describe_fd(fd)
            result.append(Finding(fd, kind, description, STILL_OPEN))
        return result


def _describe_fd(fd):
    """(kind, what it is) from /proc/self/fd and, for sockets, the socket itself (no descriptor made)."""
    try:
        target = os.readlink("/proc/self/fd/%d" % fd)
    except OSError:
        return "unknown", "?"
    if target.startswith("socket:"):
        try:
            sock = socket.socket(fileno=fd)
        except OSError:
            return "socket", target
        try:
            family = {socket.AF_UNIX: "unix-socket", socket.AF_INET: "inet-socket",
                      socket.AF_INET6: "inet6-socket"}.get(sock.family, "socket")
            try:
                local = _address(sock.getsockname())
            except OSError:
                local = ""
            try:
                peer = _address(sock.getpeername())
            except OSError:
                peer = ""
            return family, ("%s -> %s" % (local, peer) if peer else local or target)
        finally:
            sock.detach()
    if target.startswith("pipe:"):
        return "pipe", "pipe"
    if target.startswith("anon_inode:"):
        name = target[len("anon_inode:"):].strip("[]")
        return {"eventpoll": "epoll", "eventfd": "eventfd", "timerfd": "timerfd", "signalfd": "signalfd",
                "inotify": "inotify", "pidfd": "pidfd"}.get(name, name), target
    try:
        mode = os.stat("/proc/self/fd/%d" % fd).st_mode
    except OSError:
        mode = 0
    if stat.S_ISDIR(mode):
        return "directory", target
    if stat.S_ISFIFO(mode):
        return "fifo", target
    return "file", target


def _address(address):
    if isinstance(address, tuple):
        host, port = address[0], address[1]
        return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)
    if isinstance(address, bytes):
        return "@" + address[1:].decode("utf-8", "replace") if address[:1] == b"\0" else address.decode("utf-8", "replace")
    return address or ""
