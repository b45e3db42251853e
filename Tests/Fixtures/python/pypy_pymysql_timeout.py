# pypy_pymysql_timeout.py PORT — fixture for PyPyTests: an application using the real PyMySQL (installed in
# .venv/pypy by tools/python-env) against fake_mysql_server.py, which accepts the login and never answers a
# query. Each query's read timeout makes PyMySQL call Connection._force_close, which drops the socket's
# reader without closing it: on PyPy the descriptor stays open until a major garbage collection. Exits with
# os._exit so the three dropped sockets are still open at the end, as in a long-running server.
import os
import sys

import pymysql


def run_timed_out_query(port):
    options = dict(host="127.0.0.1", port=port, user="app", password="secret", read_timeout=0.2)
    connection = pymysql.connect(**options)  # MARK:run_timed_out_query
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except pymysql.err.OperationalError as error:
        return error.args[0]  # 2013: lost connection during query (the read timed out)
    return None


def main():
    port = int(sys.argv[1])
    codes = [run_timed_out_query(port) for _ in range(3)]
    print("timed out:", codes)
    sys.stdout.flush()
    os._exit(0)


main()
