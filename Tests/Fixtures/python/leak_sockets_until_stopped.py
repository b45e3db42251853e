# Fixture for `fdhound attach` on a CPython process that was not started under fdhound: leaks one socket
# every 20 ms from leak_a_socket() until the file named by argv[1] exists (at most 60 s), then exits 0.
# Prints "ready" first and "done N" last.
import os
import socket
import sys
import time

held = []


def leak_a_socket():
    held.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))  # MARK:leak_a_socket


def main():
    stop = sys.argv[1]
    print("ready", flush=True)
    start = time.monotonic()
    while not os.path.exists(stop) and time.monotonic() - start < 60:
        leak_a_socket()
        time.sleep(0.02)
    print("done", len(held), flush=True)


main()
