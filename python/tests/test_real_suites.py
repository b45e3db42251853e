"""Real suites from PyPI (pinned sdists that tools/python-env unpacks under .venv/suites) under
`fdhound run -- python -m pytest --fdhound`: six's leaks nothing, so every outcome must be what plain
pytest gives; h11 0.14.0's stdlib-interop tests never close their socketserver.TCPServer (shutdown()
without server_close()), and exactly those two tests must fail, blaming the line that creates it."""
import os

import pytest

from harness import REPOSITORY, run_suite

SUITES = os.path.join(REPOSITORY, ".venv", "suites")


def suite(name):
    path = os.path.join(SUITES, name)
    if not os.path.isdir(path):
        raise AssertionError("%s is missing: run tools/python-env" % path)
    return path


def test_six_gives_identical_results_under_the_plugin(tmp_path):
    root = suite("six-1.17.0")
    target = os.path.join(root, "test_six.py")
    plain = run_suite(tmp_path / "plain", target, traced=False, plugin=False, cwd=root)
    traced = run_suite(tmp_path / "traced", target, cwd=root)
    assert "from the live trace" in traced.stdout, traced.stdout[-2000:]
    assert len(plain.outcomes) == 200
    assert traced.outcomes == plain.outcomes
    assert sorted(set(plain.outcomes.values())) == ["passed", "skipped"]
    assert traced.status == plain.status == 0


def test_h11_leak_found_in_its_own_tests(tmp_path):
    root = suite("h11-0.14.0")
    target = os.path.join(root, "h11", "tests")
    plain = run_suite(tmp_path / "plain", target, traced=False, plugin=False, cwd=root)
    traced = run_suite(tmp_path / "traced", target, cwd=root)
    assert plain.failed() == [] and len(plain.outcomes) == 78
    assert traced.failed() == ["test_h11_as_client", "test_h11_as_server"], traced.stdout[-3000:]
    assert {name: outcome for name, outcome in traced.outcomes.items() if name not in traced.failed()} == \
        {name: outcome for name, outcome in plain.outcomes.items() if name not in traced.failed()}
    for test in traced.failed():
        text = traced.messages[test]
        assert "1 × inet-socket" in text and "in socket_server" in text, text
        assert "test_against_stdlib_http.py:18 " in text, text
        assert "socketserver.TCPServer" in text, text
