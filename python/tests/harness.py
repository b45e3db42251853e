"""Runs a fixture suite under `pytest --fdhound` in a subprocess — traced by the fdhound CLI, or plain —
and reads each test's outcome and failure text from pytest's JUnit XML."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUITES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "suites")


def fdhound_cli():
    """The CLI built by `swift build` (tools/test builds it first), or FDHOUND_CLI."""
    for candidate in (os.environ.get("FDHOUND_CLI"), os.path.join(REPOSITORY, ".build/debug/fdhound"),
                      os.path.join(REPOSITORY, ".build/release/fdhound")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise AssertionError("the fdhound CLI is not built (swift build), and FDHOUND_CLI is not set")


def mark_line(suite, name):
    with open(os.path.join(SUITES, suite)) as f:
        for number, line in enumerate(f, 1):
            if line.rstrip().endswith("# MARK:" + name):
                return number
    raise AssertionError("no MARK:%s in %s" % (name, suite))


class Run:
    def __init__(self, completed, junit, traces):
        self.status, self.stdout, self.stderr = completed.returncode, completed.stdout, completed.stderr
        self.traces = traces
        self.outcomes, self.messages = {}, {}
        root = ElementTree.parse(junit).getroot()
        for case in root.iter("testcase"):
            name = case.get("name")
            failure = case.find("failure")
            error = case.find("error")
            skipped = case.find("skipped")
            if failure is not None:
                self.outcomes[name] = "failed"
                self.messages[name] = (failure.get("message") or "") + "\n" + (failure.text or "")
            elif error is not None:
                self.outcomes[name] = "error"
                self.messages[name] = (error.get("message") or "") + "\n" + (error.text or "")
            elif skipped is not None:
                self.outcomes[name] = "skipped"
            else:
                self.outcomes[name] = "passed"

    def failed(self):
        return sorted(name for name, outcome in self.outcomes.items() if outcome != "passed")

    def report(self):
        """`fdhound report --format json` of the traced run."""
        completed = subprocess.run([fdhound_cli(), "report", self.traces, "--format", "json"],
                                   capture_output=True, text=True, timeout=300)
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout)


def run_suite(tmp_path, target, *options, traced=True, cwd=None, env=None, plugin=True):
    """pytest --fdhound on `target` (a suite file under suites/, or a path), traced by `fdhound run`."""
    os.makedirs(str(tmp_path), exist_ok=True)
    junit = str(tmp_path / "junit.xml")
    traces = str(tmp_path / "traces")
    path = target if os.path.isabs(target) else os.path.join(SUITES, target)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--junitxml", junit, path] + list(options)
    if plugin:
        command.append("--fdhound")
    if traced:
        command = [fdhound_cli(), "run", "-o", traces, "--"] + command
    environment = dict(os.environ)
    environment.pop("LD_PRELOAD", None)
    environment.pop("FDHOUND_TRACE", None)
    environment.update(env or {})
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=cwd or str(tmp_path),
                               env=environment)
    assert os.path.exists(junit), "pytest wrote no result (status %d): %s %s" % (
        completed.returncode, completed.stdout[-3000:], completed.stderr[-3000:])
    return Run(completed, junit, traces)
