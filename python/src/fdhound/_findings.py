"""What a leaking test is told: one finding per descriptor (what it is, how it ended, the Python line that
opened it when the trace knows), grouped into the lines of the failure message."""
import linecache
import os
import sys
import sysconfig

STILL_OPEN = "still open after the test"
GARBAGE_COLLECTOR = "never closed: released by the garbage collector (it sat in a reference cycle)"
FINALIZER = "never closed: released by a finalizer when the last reference was dropped"

HOW_TO_GET_STACKS = ("for the Python line that opened each, run the tests under fdhound: "
                     "fdhound run -- python -m pytest --fdhound …")

_STDLIB = tuple(sorted({os.path.realpath(sysconfig.get_paths()[key]) + os.sep
                        for key in ("stdlib", "platstdlib") if sysconfig.get_paths().get(key)}))
_OWN = os.path.dirname(os.path.realpath(__file__)) + os.sep


def is_standard_library(filename):
    """Frozen modules and files under the interpreter's lib/python3.X outside site-/dist-packages."""
    if filename.startswith("<frozen") or filename.startswith("<"):
        return True
    path = os.path.realpath(filename) if os.path.isabs(filename) else filename
    if "site-packages" in path or "dist-packages" in path:
        return path.startswith(_OWN)
    return path.startswith(_STDLIB) or path.startswith(_OWN)


class PythonFrame:
    def __init__(self, filename, qualname, line):
        self.filename, self.qualname, self.line = filename, qualname, line

    def location(self):
        return "%s:%s" % (_shown_path(self.filename), self.line if self.line is not None else "?")

    def source(self):
        if self.line is None:
            return ""
        return linecache.getline(self.filename, self.line).strip()


class Finding:
    """One descriptor the test left behind."""

    def __init__(self, fd, kind, description, how, api=None, culprit=None, stack=()):
        self.fd, self.kind, self.description, self.how = fd, kind, description, how
        self.api, self.culprit, self.stack = api, culprit, list(stack)


def culprit(frames):
    """The innermost Python frame outside the standard library (and this package), else the innermost."""
    for frame in frames:
        if not is_standard_library(frame.filename):
            return frame
    return frames[0] if frames else None


def message(findings, allowed=0, stacks_known=True, note=None):
    """The failure text: a count line, then one entry per (kind, how, opening line) with samples."""
    groups = {}
    for finding in findings:
        where = finding.culprit.location() if finding.culprit else None
        key = (finding.kind, finding.how, where, finding.api)
        groups.setdefault(key, []).append(finding)
    count = len(findings)
    lines = ["fdhound: this test leaked %d descriptor%s%s:" % (
        count, "" if count == 1 else "s", " (%d allowed)" % allowed if allowed else "")]
    for (kind, how, where, api), members in sorted(groups.items(), key=lambda item: (-len(item[1]), str(item[0]))):
        samples = ", ".join(("%s (fd %d)" % (_escape(m.description), m.fd)) if m.description != kind
                            else "fd %d" % m.fd for m in members[:3])
        if len(members) > 3:
            samples += ", …"
        lines.append("  %d × %s  %s — %s" % (len(members), kind, samples, how))
        first = members[0]
        if first.culprit:
            opener = ("opened by %s() at " % first.api) if first.api else "opened at "
            lines.append("      %s%s in %s" % (opener, _escape(where), _escape(first.culprit.qualname)))
            source = first.culprit.source()
            if source:
                lines.append("          " + _escape(source))
            outer = []
            for frame in first.stack[first.stack.index(first.culprit) + 1:]:
                if _is_test_runner(frame.filename):
                    break  # pytest and pluggy calling the test: not the program's story
                if not is_standard_library(frame.filename):
                    outer.append(frame)
            outer = outer[:3]
            for frame in outer:
                lines.append("      called from %s at %s" % (_escape(frame.qualname), _escape(frame.location())))
        elif stacks_known:
            lines.append("      (no Python frame recorded for the opening call)")
    if not stacks_known:
        lines.append("  (no stacks: %s)" % HOW_TO_GET_STACKS)
    if note:
        lines.append("  (%s)" % note)
    return "\n".join(lines)


def _is_test_runner(filename):
    return any(part in filename for part in ("/_pytest/", "/pluggy/", "/unittest/"))


def _escape(text):
    """Strings from the program (paths, names, source lines) with every invisible or terminal-controlling
    character escaped, as fdhound's reports do (README "Escaped names"): \\n \\r \\t; other C0 controls,
    DEL and undecodable bytes (surrogateescape) as \\xNN; other non-printable characters (C1 controls,
    bidi and zero-width format characters, line separators) as \\u{NNNN}."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append("\\x%02x" % code)
        elif 0xDC80 <= code <= 0xDCFF:
            out.append("\\x%02x" % (code - 0xDC00))
        elif not ch.isprintable() and ch != " ":
            out.append("\\u{%04X}" % code)
        else:
            out.append(ch)
    return "".join(out)


def _shown_path(filename):
    try:
        relative = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if relative.startswith("..") else relative
