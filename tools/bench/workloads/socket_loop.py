# socket_loop.py ITERATIONS [DEPTH] — the suite's Python workload: socket.socket() + close() from DEPTH Python
# frames deep (default 20), timed inside the program (start-up excluded). Prints "NS_PER_ITERATION 2".
import socket
import sys
import time

iterations = int(sys.argv[1])
depth = int(sys.argv[2]) if len(sys.argv) > 2 else 20


def deep(k, fn):
    return fn() if k == 0 else deep(k - 1, fn)


def churn(n):
    start = time.perf_counter_ns()
    for _ in range(n):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    return time.perf_counter_ns() - start


deep(depth, lambda: churn(min(iterations, 1000)))  # warm-up: call sites specialized
print("%.1f 2" % (deep(depth, lambda: churn(iterations)) / iterations))
