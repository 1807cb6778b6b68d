#!/usr/bin/env python3
"""Builds a process tree for tear-down benchmarks, then waits to be killed:
    tree.py N SETSID_PERCENT
The root forks branches, each with up to 99 leaves: N processes in all, three generations.
SETSID_PERCENT of the leaves call setsid(). Every process keeps fd 3 (the oracle); the
root writes 'ready' on it once all N exist.
"""
import os, signal, sys

n, pct = int(sys.argv[1]), int(sys.argv[2])
r, w = os.pipe()
made, leaf = 1, 0


def park(ready_fd):
    os.write(ready_fd, b".")
    os.close(ready_fd)
    signal.pause()
    os._exit(0)


while made < n:
    leaves = min(99, n - made - 1)
    if os.fork() == 0:
        os.close(r)
        for i in range(leaves):
            if os.fork() == 0:
                if (leaf + i) % 100 < pct:
                    os.setsid()
                park(w)
        park(w)
    made += 1 + leaves
    leaf += leaves
os.close(w)
got = 0
while got < n - 1:
    chunk = os.read(r, 65536)
    if not chunk:
        break
    got += len(chunk)
os.write(3, b"ready %d\n" % (got + 1))
signal.pause()
