# phase_outlived.py — fixture for PhaseOutlivedTests: descriptors that outlive the phase (test) that opened
# them. Phases are named through the fdhound package of this checkout (python/src). `MARK:<name>` names
# the lines the report must blame.
#   test_kept_in_module_list: two sockets kept in a module-level list, closed explicitly only at the end
#     (after the phase): an outlived-phase finding of that phase, though nothing is open at exit.
#   test_dropped_to_gc: a file in a reference cycle, released by the garbage collector after the phase: on
#     CPython a reclaimed finding of that phase (and only that); on PyPy, where the report cannot tell a
#     collector's close, an outlived-phase finding.
#   test_closed_in_time: opened and closed inside its phase: nothing.
import gc
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python", "src"))
import fdhound  # noqa: E402

kept = []


class Holder:
    def __init__(self, path):
        self.me = self  # a cycle: only the garbage collector frees it
        self.file = open(path, "rb")  # MARK:Holder.__init__


def keep_socket():
    kept.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))  # MARK:keep_socket


def main():
    if not fdhound.shim_loaded():
        sys.exit("fdhound's shim is not loaded")
    gc.disable()
    with fdhound.phase("test_kept_in_module_list"):
        for _ in range(2):
            keep_socket()
    with fdhound.phase("test_dropped_to_gc"):
        Holder(os.devnull)
    with fdhound.phase("test_closed_in_time"):
        with open(os.devnull, "rb"):
            pass
    gc.collect()
    while kept:
        kept.pop().close()
    print("done")


main()
