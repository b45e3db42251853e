# leak_reclaimed.py — fixture for Tests/FDHoundEndToEndTests/ReclaimedPythonTests.swift: descriptors the
# program never closes, that Python releases later (nothing is open at exit), next to correct twins that
# must never be reported. A `MARK:<name>` comment names the line of the opening call. Usage:
#     python leak_reclaimed.py WORKDIR
#   finalized_socket ×3, finalized_file ×4: the last reference is dropped, refcounting finalizes them;
#   cycle_socket ×2, cycle_file ×5: each sits in a reference cycle, gc.collect() reclaims them;
#   kept_socket ×3, kept_file ×2: kept in a module-level list, closed at interpreter shutdown (normal exit).
import gc
import os
import socket
import sys

KEEP = []


class Holder:
    """An object that refers to itself: only the cyclic garbage collector can free it."""

    def __init__(self, resource):
        self.resource = resource
        self.me = self


def finalized_socket():
    for _ in range(3):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # MARK:finalized_socket
        sock = None  # the last reference: socket's finalizer closes it


def finalized_file(directory):
    for i in range(4):
        f = open(os.path.join(directory, "dropped-%d.txt" % i), "w")  # MARK:finalized_file
        del f


def cycle_socket():
    for _ in range(2):
        Holder(socket.socket(socket.AF_INET, socket.SOCK_STREAM))  # MARK:cycle_socket


def cycle_file(directory):
    for i in range(5):
        Holder(open(os.path.join(directory, "cycle-%d.txt" % i), "w"))  # MARK:cycle_file


def kept_socket():
    for _ in range(3):
        KEEP.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))  # MARK:kept_socket


def kept_file(directory):
    for i in range(2):
        KEEP.append(open(os.path.join(directory, "kept-%d.txt" % i), "w"))  # MARK:kept_file


def with_block_file(directory):
    for i in range(5):
        with open(os.path.join(directory, "with-%d.txt" % i), "w") as f:  # MARK:with_block_file
            f.write("closed by the with block")


def explicit_close_socket():
    for _ in range(4):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # MARK:explicit_close_socket
        sock.close()


def explicit_close_file(directory):
    for i in range(6):
        f = open(os.path.join(directory, "explicit-%d.txt" % i), "w")  # MARK:explicit_close_file
        f.close()


def with_block_socket_in_cycle():
    for _ in range(2):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # MARK:with_block_socket_in_cycle
            Holder(sock)  # closed by the with block; the collector later frees a closed socket


def main():
    directory = sys.argv[1]
    gc.disable()  # the collector runs exactly once, below
    finalized_socket()
    finalized_file(directory)
    with_block_file(directory)
    explicit_close_socket()
    explicit_close_file(directory)
    with_block_socket_in_cycle()
    cycle_socket()
    cycle_file(directory)
    gc.collect()
    kept_socket()
    kept_file(directory)


if __name__ == "__main__":
    main()
