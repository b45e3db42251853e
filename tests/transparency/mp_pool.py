"""mp_pool.py — transparency case: multiprocessing pools under each start method (fork, spawn,
forkserver), each mapping a function over a range and sending results back through its pipes.
Prints deterministic results only."""
import multiprocessing
import os
import sys


def square(n: int) -> int:
    return n * n


def child_descriptors(_: int) -> str:
    # what a worker holds open, besides stdio: the start method's own plumbing, the same traced or not
    return "ok" if os.path.isdir("/proc/self/fd") else "no /proc"


if __name__ == "__main__":
    for method in sys.argv[1:] or ["fork", "spawn", "forkserver"]:
        ctx = multiprocessing.get_context(method)
        with ctx.Pool(2) as pool:
            total = sum(pool.map(square, range(200)))
            checks = set(pool.map(child_descriptors, range(4)))
        print(f"{method}: sum of squares {total}, workers {sorted(checks)}")
