"""fdhound.phase over the shim's C API: under `fdhound run` the report files a leak under the phase that
opened it; without the shim the same program runs unchanged (the calls are no-ops)."""
import json
import subprocess
import sys

from harness import fdhound_cli

PROGRAM = r'''
import socket, sys
import fdhound
KEEP = []
print("shim" if fdhound.shim_loaded() else "no shim")
with fdhound.phase("request 42"):
    KEEP.append(socket.socket())
    with fdhound.phase(b"nested \x01 phase"):
        pass
KEEP.append(socket.socket())
import os
os._exit(0)  # keep both open at the end: leaks, not reclaimed at shutdown
'''


def test_phase_names_the_leak_in_the_report(tmp_path):
    traces = str(tmp_path / "traces")
    run = subprocess.run([fdhound_cli(), "run", "-o", traces, "--", sys.executable, "-c", PROGRAM],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "shim\n"
    report = subprocess.run([fdhound_cli(), "report", traces, "--format", "json"], capture_output=True, text=True,
                            timeout=120)
    leaks = json.loads(report.stdout)["leaks"]
    seen = sorted((leak.get("phase") or "-", leak["count"], leak["kind"]) for leak in leaks)
    assert seen == [("-", 1, "inet-socket"), ("request 42", 1, "inet-socket")], seen


def test_phase_without_the_shim_is_a_no_op():
    run = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "no shim\n"
