"""pytest --fdhound next to real PyPI plugins that run tests their own way (installed by tools/python-env
under .venv/plugins). pytest-rerunfailures runs the test protocol itself: the plugin must neither bypass
it (the flaky test is rerun and passes) nor be bypassed by it (every attempt is a phase, leaking tests
fail with the opening line, and the report attributes findings to the tests). pytest-xdist's workers
call the protocol hook in other processes: each worker checks its own tests against its own trace."""
import os
import re

import pytest

from harness import REPOSITORY, mark_line, run_suite

SUITE = "suite_rerun.py"
RERUNFAILURES = os.path.join(REPOSITORY, ".venv", "plugins", "pytest-rerunfailures-15.0")
XDIST = os.path.join(REPOSITORY, ".venv", "plugins", "pytest-xdist-3.6.1")


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    assert os.path.isdir(RERUNFAILURES), "run tools/python-env (it installs pytest-rerunfailures)"
    return run_suite(tmp_path_factory.mktemp("rerun"), SUITE, "--reruns", "1", "--fdhound-settle=0.2",
                     env={"PYTHONPATH": RERUNFAILURES})


def test_rerunfailures_is_loaded_and_runs_the_protocol(traced):
    assert "rerunfailures-15.0" in traced.stdout, traced.stdout[-3000:]
    # The flaky test failed once and passed on its rerun: pytest-rerunfailures ran its protocol.
    assert traced.outcomes["test_flaky_once_then_passes"] == "passed", traced.stdout[-3000:]
    reruns = re.search(r"(\d+) rerun", traced.stdout)
    assert reruns and int(reruns.group(1)) >= 1, traced.stdout[-3000:]


def test_leaking_tests_fail_with_the_opening_line(traced):
    assert traced.failed() == ["test_leaks_a_socket", "test_leaks_until_the_session_ends"], traced.stdout[-3000:]
    assert "fdhound: descriptors checked per test from the live trace" in traced.stdout
    for test, mark, kind in [("test_leaks_a_socket", "leaks_a_socket", "inet-socket"),
                             ("test_leaks_until_the_session_ends", "leaks_until_the_session_ends", "file")]:
        text = traced.messages[test]
        assert "this test leaked 1 descriptor" in text and ("1 × %s" % kind) in text, text
        assert "%s:%d in %s" % (SUITE, mark_line(SUITE, mark), test) in text, text
    assert traced.status == 1


def test_report_attributes_findings_to_each_test(traced):
    report = traced.report()
    node = SUITE + "::"
    # The sockets (one per attempt) stay in a module-level list until the interpreter ends.
    socket_groups = [g for g in report["leaks"] + report["reclaimed"]
                     if (g.get("phase") or "").endswith(node + "test_leaks_a_socket")]
    assert sum(g["count"] for g in socket_groups) == 2, report["leaks"] + report["reclaimed"]
    assert all(g["culprit"]["line"] == mark_line(SUITE, "leaks_a_socket") for g in socket_groups)
    # The files are closed by a later test: they outlived the phase that opened them.
    outlived = [g for g in report["outlivedPhase"] if g["phase"].endswith(node + "test_leaks_until_the_session_ends")]
    assert [g["count"] for g in outlived] == [2], report["outlivedPhase"]
    assert outlived[0]["culprit"]["line"] == mark_line(SUITE, "leaks_until_the_session_ends")
    clean = ("test_clean", "test_flaky_once_then_passes", "test_zz_session_end_closes_the_kept_file")
    every = report["leaks"] + report["reclaimed"] + report["outlivedPhase"]
    assert not any((g.get("phase") or "").endswith(node + t) for g in every for t in clean), every


def test_xdist_workers_check_their_own_tests(tmp_path):
    assert os.path.isdir(XDIST), "run tools/python-env (it installs pytest-xdist)"
    run = run_suite(tmp_path, SUITE, "-n", "2", "--fdhound-settle=0.2", env={"PYTHONPATH": XDIST})
    assert "xdist-3.6.1" in run.stdout and "2 workers" in run.stdout, run.stdout[-3000:]
    # No reruns here: the flaky test fails as written; the leaking tests fail with their opening lines.
    assert run.failed() == ["test_flaky_once_then_passes", "test_leaks_a_socket", "test_leaks_until_the_session_ends"], \
        run.stdout[-3000:]
    text = run.messages["test_leaks_a_socket"]
    assert "this test leaked 1 descriptor" in text and "%s:%d in test_leaks_a_socket" % (
        SUITE, mark_line(SUITE, "leaks_a_socket")) in text, text
    report = run.report()
    controller = [p["pid"] for p in report["processes"] if "--junitxml" in p["argv"]]
    groups = [g for g in report["leaks"] + report["reclaimed"] + report["outlivedPhase"]
              if (g.get("phase") or "").endswith(SUITE + "::test_leaks_a_socket")]
    assert groups and all(pid not in controller for g in groups for pid in g["pids"]), (controller, groups)
