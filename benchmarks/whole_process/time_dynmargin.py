#!/usr/bin/env python3
"""Whole-process timing for benchmarks/README.md ("Whole process"): runs a command REPEATS
times with its output sent to /dev/null and prints the best wall-clock time, start-up,
reading, computing and writing included.
Usage: time_dynmargin.py REPEATS COMMAND [ARGS...]
e.g.   time_dynmargin.py 20 build/demo/examples/dynmargin var --method historical \\
           --confidence 0.99 --window 1000 --quantile type1 --input returns_62k.csv --column r"""
import subprocess
import sys
import time

repeats = int(sys.argv[1])
command = sys.argv[2:]
best = float("inf")
for _ in range(repeats):
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    best = min(best, time.perf_counter() - start)
print(f"{best * 1e3:.1f} ms (best of {repeats}): {' '.join(command)}")
