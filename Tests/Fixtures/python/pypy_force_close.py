# pypy_force_close.py — fixture for PyPyTests: an application whose queries time out and whose driver
# (fakesql, shaped like PyMySQL) then drops each socket unclosed. Run on PyPy under `fdhound run`; exits
# with os._exit so the dropped sockets are still open at the end (PyPy has no refcounting to close them).
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "site-packages"))
import fakesql  # noqa: E402


def run_timed_out_query(port):
    connection = fakesql.Connection("127.0.0.1", port)  # MARK:run_timed_out_query
    connection._force_close()


def main():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    for _ in range(3):
        run_timed_out_query(server.getsockname()[1])
    server.close()
    print("done")
    sys.stdout.flush()
    os._exit(0)


main()
