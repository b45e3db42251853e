"""Fixture for issue 7 defect 10: descriptors Python passes to the programs it starts, on purpose.

    pass_descriptors.py subprocess   -- subprocess.run(..., pass_fds=[r]): the child reads from r
    pass_descriptors.py spawn        -- a multiprocessing pool started with the "spawn" method
    pass_descriptors.py forkserver   -- the same with the "forkserver" method

Each descriptor is created close-on-exec (PEP 446) and made inheritable in the child only, between fork (or
vfork) and exec. None of them is a leak; the program exits 0 only if the passed descriptor really worked.
"""
import multiprocessing
import os
import subprocess
import sys


def double(x):
    return x * 2


def main():
    mode = sys.argv[1]
    if mode == "subprocess":
        r, w = os.pipe()
        os.write(w, b"x")
        os.close(w)
        child = subprocess.run([sys.executable, "-c", f"import os, sys; sys.exit(0 if os.read({r}, 1) == b'x' else 1)"],
                               pass_fds=[r])
        os.close(r)
        return child.returncode
    with multiprocessing.get_context(mode).Pool(1) as pool:
        return 0 if pool.map(double, [1, 2]) == [2, 4] else 1


if __name__ == "__main__":
    sys.exit(main())
