"""Fixture suite for python/tests/test_protocol_plugins.py, run under `pytest --fdhound` together with a
real plugin that runs the test protocol itself (pytest-rerunfailures, `--reruns 1`). `MARK:<name>` names
the line that opens the descriptor the failure message must show."""
import os
import socket

KEPT = []
ATTEMPTS = []


def test_leaks_a_socket():
    KEPT.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))  # MARK:leaks_a_socket


def test_leaks_until_the_session_ends():
    KEPT.append(open(os.devnull, "rb"))  # MARK:leaks_until_the_session_ends


def test_flaky_once_then_passes():
    ATTEMPTS.append(1)
    with open(os.devnull, "rb"):
        assert len(ATTEMPTS) > 1, "first attempt fails on purpose: pytest-rerunfailures reruns it"


def test_clean():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM):
        pass


def test_zz_session_end_closes_the_kept_file():
    """Runs last: closes test_leaks_until_the_session_ends' file, so the trace shows it outlived its test."""
    for item in [k for k in KEPT if not isinstance(k, socket.socket)]:
        KEPT.remove(item)
        item.close()
