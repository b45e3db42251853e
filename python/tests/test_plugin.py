"""pytest --fdhound on the fixture suite (suites/suite_leaks.py), traced by `fdhound run` and plain:
which tests fail, and what their messages say (count, kind, how it ended, the opening line)."""
import re

import pytest

from harness import mark_line, run_suite

SUITE = "suite_leaks.py"
LEAKING = ["test_socket_into_module_list", "test_file_dropped_to_the_collector", "test_file_dropped_to_refcounting",
           "test_fixture_setup_leaks", "test_asyncio_close_never_lands", "test_hostile_file_name",
           "test_allowance_exceeded",
           "test_grows_every_run[0]", "test_grows_every_run[1]", "test_grows_every_run[2]",
           "test_grows_every_run[3]", "test_pool_filled_once[0]"]
# Leaks that only the trace can see: Python released them (finalizer, garbage collector) before the check.
RELEASED_BY_PYTHON = ["test_file_dropped_to_the_collector", "test_file_dropped_to_refcounting"]


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    return run_suite(tmp_path_factory.mktemp("traced"), SUITE, "--fdhound-settle=1")


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return run_suite(tmp_path_factory.mktemp("plain"), SUITE, "--fdhound-settle=1", traced=False)


def assert_blames(run, test, count, kind, how, mark):
    text = run.messages[test]
    assert re.search(r"this test leaked %d descriptors?" % count, text), text
    assert re.search(r"\b\d+ × %s\b.* — .*%s" % (re.escape(kind), re.escape(how)), text), text
    assert "%s:%d in " % (SUITE, mark_line(SUITE, mark)) in text, text


def test_traced_run_fails_exactly_the_leaking_tests(traced):
    assert "fdhound: descriptors checked per test from the live trace" in traced.stdout
    assert traced.failed() == sorted(LEAKING), traced.stdout[-4000:]
    assert traced.status == 1
    assert len(traced.outcomes) == 23


def test_traced_messages_name_count_kind_and_the_opening_line(traced):
    assert_blames(traced, "test_socket_into_module_list", 1, "inet-socket", "still open after the test",
                  "socket_into_module_list")
    assert_blames(traced, "test_file_dropped_to_the_collector", 1, "file", "released by the garbage collector",
                  "file_dropped_to_the_collector")
    assert "cycle.txt (fd " in traced.messages["test_file_dropped_to_the_collector"]
    assert_blames(traced, "test_file_dropped_to_refcounting", 1, "file", "released by a finalizer",
                  "file_dropped_to_refcounting")
    assert_blames(traced, "test_fixture_setup_leaks", 1, "inet-socket", "still open after the test",
                  "leaky_connection")
    assert "in leaky_connection" in traced.messages["test_fixture_setup_leaks"]
    assert_blames(traced, "test_asyncio_close_never_lands", 3, "inet-socket", "still open after the test",
                  "asyncio_close_never_lands")
    assert_blames(traced, "test_allowance_exceeded", 3, "pipe", "still open", "allowance_exceeded")
    assert "(1 allowed)" in traced.messages["test_allowance_exceeded"]
    assert_blames(traced, "test_grows_every_run[1]", 1, "inet-socket", "still open", "grows_every_run")


def test_names_from_the_program_are_escaped(traced, plain):
    for run in (traced, plain):
        text = run.messages["test_hostile_file_name"]
        assert "evil\\x1b[31m\\u{202E}.txt (fd " in text, text
        assert "\x1b" not in text and "\u202e" not in text


def test_traced_report_groups_findings_by_test(traced):
    report = traced.report()
    phases = {group.get("phase") for group in report["leaks"] + report["reclaimed"]}
    node = "suite_leaks.py::"
    for test in ["test_socket_into_module_list", "test_file_dropped_to_the_collector",
                 "test_file_dropped_to_refcounting", "test_fixture_setup_leaks"]:
        assert any(phase and phase.endswith(node + test) for phase in phases), (test, phases)
    for group in report["reclaimed"]:
        if (group.get("phase") or "").endswith(node + "test_file_dropped_to_the_collector"):
            assert group["how"] == "garbage-collector"
            assert group["culprit"]["line"] == mark_line(SUITE, "file_dropped_to_the_collector")
    twins = [test for test in traced.outcomes if test.endswith("_twin")]
    assert len(twins) == 4
    assert not any((phase or "").endswith(twin) for phase in phases for twin in twins), phases


def test_plain_run_counts_from_proc_and_says_how_to_get_stacks(plain):
    assert "without stacks" in plain.stdout
    assert plain.failed() == sorted(set(LEAKING) - set(RELEASED_BY_PYTHON)), plain.stdout[-4000:]
    text = plain.messages["test_fixture_setup_leaks"]
    assert re.search(r"1 × inet-socket  127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ \(fd \d+\) — still open", text), text
    assert "fdhound run -- python -m pytest --fdhound" in text
    assert "suite_leaks.py:" not in text  # no stacks without the shim


def test_growth_only_fails_only_the_test_that_keeps_adding(tmp_path):
    run = run_suite(tmp_path, SUITE, "--fdhound-growth-only", "--fdhound-settle=0")
    assert run.failed() == ["test_grows_every_run[2]", "test_grows_every_run[3]"], run.stdout[-4000:]
    text = run.messages["test_grows_every_run[2]"]
    assert "keeps adding descriptors: its last 3 runs left 1 + 1 + 1 open" in text, text
    assert "%s:%d" % (SUITE, mark_line(SUITE, "grows_every_run")) in text, text


def test_without_the_option_the_plugin_checks_nothing(tmp_path):
    run = run_suite(tmp_path, SUITE, plugin=False)
    assert run.failed() == [] and len(run.outcomes) == 23, run.stdout[-4000:]
    assert "fdhound: descriptors checked" not in run.stdout
