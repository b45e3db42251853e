"""pytest --fdhound: every test is a phase, and a test that leaks a descriptor fails.

A descriptor leaks when the test (its set-up, call or teardown, function-scoped fixtures included)
opened it and it is still open once teardown is over — after a bounded settle that lets asynchronous
closes land, as goleak does — or when the test never closed it and Python's finalizer or garbage
collector released it. Descriptors opened while a wider-scoped fixture was set up are that fixture's.

The phase is begun and the verdict made around the runtest_setup and runtest_teardown hooks (outermost
hookwrappers), which every way of running a test goes through: pytest's own protocol, and plugins that
run the protocol themselves (pytest-rerunfailures runs it once per attempt; pytest-xdist's workers call
the protocol hook; pytest-timeout wraps it). Where the plugin runs the protocol itself — no other plugin
implements pytest_runtest_protocol — it does so with log=False, so the verdict can fail the test's own
call report before any report is logged. Where another plugin runs it, the verdict fails the teardown
report instead (pytest shows "error at teardown"): that plugin logs the call report before teardown."""
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
        self.current = None      # node id of the test whose phase is open
        self.owned = None        # node id of the test whose protocol this plugin runs (log=False)
        self.verdicts = {}       # node id → failure message, made after its teardown
        self.call_passed = {}    # node id → whether its call report passed (teardown-report mode)
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

    def _protocol_run_by_another_plugin(self, item):
        """Whether a plugin other than pytest's runner implements pytest_runtest_protocol (not as a
        wrapper): it may run the protocol itself (pytest-rerunfailures), so this plugin must not."""
        for impl in item.config.pluginmanager.hook.pytest_runtest_protocol.get_hookimpls():
            if impl.hookwrapper or getattr(impl, "wrapper", False) or impl.plugin is self:
                continue
            if impl.plugin_name != "runner":
                return True
        return False

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        if self._protocol_run_by_another_plugin(item):
            return None  # the phase and verdict still happen, through the setup/teardown hooks below
        ihook = item.ihook
        ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        self.owned = item.nodeid
        try:
            reports = runtestprotocol(item, nextitem=nextitem, log=False)
        finally:
            self.owned = None
        failure = self.verdicts.pop(item.nodeid, None)
        if failure:
            self._fail(reports, failure)
        for report in reports:
            ihook.pytest_runtest_logreport(report=report)
        ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item):
        if self.current is not None:  # a protocol that skipped a teardown: close that phase first
            self.checker.end()
            self.checker.end_phase()
        self.current = item.nodeid
        self.verdicts.pop(item.nodeid, None)
        self.checker.begin(item.nodeid)
        yield

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item, nextitem):
        yield
        if self.current != item.nodeid:
            return
        self.current = None
        self.checker.end()
        try:
            marker = item.get_closest_marker("fdhound")
            options = dict(marker.kwargs) if marker else {}
            if options.get("check", True):
                failure = self._verdict(item, int(options.get("allow", 0)))
                if failure:
                    self.verdicts[item.nodeid] = failure
        finally:
            # After the settle: a close that lands while settling is the test's own, inside its phase.
            self.checker.end_phase()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if call.when == "call":
            self.call_passed[item.nodeid] = report.passed and not hasattr(report, "wasxfail")
        if call.when != "teardown" or self.owned == item.nodeid:
            return
        failure = self.verdicts.pop(item.nodeid, None)
        call_passed = self.call_passed.pop(item.nodeid, False)
        if not failure:
            return
        if call_passed and report.passed:
            report.outcome = "failed"
            report.longrepr = failure
        else:
            report.sections.append(("fdhound", failure))

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
