# leak_python_paths.py — fixture for Tests/FDHoundEndToEndTests/PythonStackTests.swift.
# Every leak comes from a uniquely named function, next to a correct twin that must never be blamed.
# A `MARK:<name>` comment names the line of the opening call. Usage:
#     python leak_python_paths.py WORKDIR exit|os_exit
# os_exit ends with os._exit(0): every leaked object is still open. exit ends normally: interpreter
# shutdown closes the file and socket objects (CPython finalizes them), only raw os.open descriptors stay.
import os
import socket
import sys
import threading

KEEP = []  # leaked objects stay referenced, as in a long-running service, so they stay open


def leak_file_via_open(directory):
    for i in range(3):
        KEEP.append(open(os.path.join(directory, "open-%d.txt" % i), "w"))  # MARK:leak_file_via_open


def close_file_with_block(directory):
    for i in range(5):
        with open(os.path.join(directory, "with-%d.txt" % i), "w") as f:  # MARK:close_file_with_block
            f.write("closed by the with block")


def leak_file_via_os_open(directory):
    for i in range(4):
        KEEP.append(os.open(os.path.join(directory, "raw-%d" % i), os.O_CREAT | os.O_WRONLY, 0o600))  # MARK:leak_file_via_os_open


def close_file_via_os_open(directory):
    for i in range(6):
        fd = os.open(os.path.join(directory, "raw-closed-%d" % i), os.O_CREAT | os.O_WRONLY, 0o600)  # MARK:close_file_via_os_open
        os.close(fd)


def closed_port():
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def connect_helper(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # MARK:connect_helper
    try:
        sock.connect(("127.0.0.1", port))
    except OSError:
        KEEP.append(sock)  # the error path forgets to close: the object lives on, and its descriptor
        raise
    return sock


def connect_helper_closing(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # MARK:connect_helper_closing
    try:
        sock.connect(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def connect_with_retries(helper, attempts):
    port = closed_port()
    for _ in range(attempts):
        try:
            helper(port).close()
        except OSError:
            pass


def thread_leaker(directory):
    for i in range(2):
        KEEP.append(os.open(os.path.join(directory, "thread-%d" % i), os.O_CREAT | os.O_WRONLY, 0o600))  # MARK:thread_leaker


def thread_closer(directory):
    for i in range(3):
        with open(os.path.join(directory, "thread-closed-%d" % i), "w") as f:  # MARK:thread_closer
            f.write("closed")


def main():
    directory, mode = sys.argv[1], sys.argv[2]
    leak_file_via_open(directory)
    close_file_with_block(directory)
    leak_file_via_os_open(directory)
    close_file_via_os_open(directory)
    connect_with_retries(connect_helper, 5)
    connect_with_retries(connect_helper_closing, 7)
    for target in (thread_leaker, thread_closer):
        worker = threading.Thread(target=target, args=(directory,))
        worker.start()
        worker.join()
    sys.stdout.flush()
    if mode == "os_exit":
        os._exit(0)


if __name__ == "__main__":
    main()
