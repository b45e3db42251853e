"""pytest --fdhound: every test is a phase, and a test that leaks a descriptor fails.

A descriptor leaks when the test (its set-up, call or teardown, function-scoped fixtures included)
opened it and it is still open once teardown is over — after a bounded settle that lets asynchronous
closes land, as goleak does — or when the test never closed it and Python's finalizer or garbage
collector released it. Descriptors opened while a wider-scoped fixture was set up are that fixture's.

The plugin runs each test's protocol itself (log=False) so that the verdict, made after teardown, can
fail the test's own call report; every report is then logged as pytest would have."""
import gc
import time

import pytest
from _pytest.runner import runtestprotocol

from . import _trace
from ._checkers import ProcChecker, TraceChecker
from ._findings import HOW_TO_GET_STACKS, message
from ._shim import shim_loaded


def pytest_addoption(parser):
    group = parser.getgroup("fdhound", "descriptor leaks per test (fdhound)")
    group.addoption("--fdhound", action="store_true", default=False,
                    help="fail tests that leave a descriptor open or leave it to Python's finalizer or "
                         "garbage collector (with the opening line under `fdhound run`)")
    group.addoption("--fdhound-settle", type=float, default=0.5, metavar="SECONDS",
                    help="how long a leaking test's descriptors get to close asynchronously (default 0.5)")
    group.addoption("--fdhound-growth-only", action="store_true", default=False,
                    help="fail only when the same test, run again and again, keeps adding descriptors")
    group.addoption("--fdhound-growth-runs", type=int, default=3, metavar="N",
                    help="with --fdhound-growth-only: runs in a row that must each add descriptors (default 3)")


def pytest_configure(config):
    config.addinivalue_line("markers", "fdhound(allow=0, check=True): descriptors this test may leak "
                                       "(allow), or check=False to leave it unchecked (--fdhound)")
    if config.getoption("fdhound"):
        config.pluginmanager.register(LeakChecker(config), "fdhound-leak-checker")


class LeakChecker:
    def __init__(self, config):
        self.config = config
        self.settle = max(0.0, config.getoption("fdhound_settle"))
        self.growth_only = config.getoption("fdhound_growth_only")
        self.growth_runs = max(2, config.getoption("fdhound_growth_runs"))
        self.history = {}  # growth-only: test (without parameters) → [(checker's identities left open)]
        self.source = None
        if shim_loaded():
            try:
                self.checker = TraceChecker(_trace.LiveTrace(_trace.own_trace_path()))
                self.source = "the live trace %s" % self.checker.trace.path
            except (_trace.TraceUnavailable, OSError) as error:
                self.checker = ProcChecker(note="fdhound's shim is loaded but its trace is unusable: %s" % error)
        else:
            self.checker = ProcChecker()
        if self.source is None:
            self.source = "/proc/self/fd, without stacks (%s)" % HOW_TO_GET_STACKS

    def pytest_report_header(self, config):
        return "fdhound: descriptors checked per test from " + self.source

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        if fixturedef.scope == "function":
            yield
            return
        mark = self.checker.mark()
        try:
            yield
        finally:
            self.checker.exempt_since(mark)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        ihook = item.ihook
        ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        self.checker.begin(item.nodeid)
        try:
            reports = runtestprotocol(item, nextitem=nextitem, log=False)
        finally:
            self.checker.end()
        marker = item.get_closest_marker("fdhound")
        options = dict(marker.kwargs) if marker else {}
        if options.get("check", True):
            failure = self._verdict(item, int(options.get("allow", 0)))
            if failure:
                self._fail(reports, failure)
        for report in reports:
            ihook.pytest_runtest_logreport(report=report)
        ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    def _verdict(self, item, allowed):
        """The failure message for this test, or None."""
        checker = self.checker
        candidates = checker.candidates()
        open_now = candidates
        if candidates:
            # Cycles holding a descriptor are released now (the collector's close is recorded as such);
            # then closes still on their way (another thread, an event loop) get a bounded moment.
            gc.collect()
            open_now = checker.still_open(candidates)
            deadline, pause = time.monotonic() + self.settle, 0.001
            while open_now and time.monotonic() < deadline:
                time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
                pause = min(pause * 2, 0.1)
                open_now = checker.still_open(open_now)
        findings = checker.findings(open_now)
        if self.growth_only:
            return self._growth_verdict(item, open_now, findings)
        if len(findings) <= allowed:
            return None
        return message(findings, allowed=allowed, stacks_known=checker.stacks_known, note=checker.note)

    def _growth_verdict(self, item, open_now, findings):
        """Fails when each of the last N runs of this test left descriptors open and the earlier ones are
        all still open: the held count rose run after run."""
        key = item.nodeid.split("[", 1)[0]
        runs = self.history.setdefault(key, [])
        runs.append(dict(open_now))
        del runs[:-self.growth_runs]
        if len(runs) < self.growth_runs or not all(runs):
            return None
        held = [self.checker.still_open(run) for run in runs[:-1]]
        if any(len(now) != len(run) for now, run in zip(held, runs)):
            return None
        counts = [len(run) for run in runs]
        total = sum(counts)
        text = message([f for f in findings if f.fd in open_now], stacks_known=self.checker.stacks_known,
                       note=self.checker.note)
        return ("fdhound: %s keeps adding descriptors: its last %d runs left %s open, all still held (%d)\n%s"
                % (key, len(runs), " + ".join(map(str, counts)), total, text))

    @staticmethod
    def _fail(reports, failure):
        """Turns the passing call report into a failure carrying the message (a test that already failed,
        was skipped or xfailed gets the message as a section instead)."""
        call = next((r for r in reports if r.when == "call"), None)
        if call is not None and call.passed and not hasattr(call, "wasxfail"):
            call.outcome = "failed"
            call.longrepr = failure
            return
        target = call or reports[0]
        target.sections.append(("fdhound", failure))
