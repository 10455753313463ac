#!/usr/bin/env python3
"""Peer timing for benchmarks/README.md: pandas' rolling(1000).quantile(0.01) over the returns
of returns_62k.csv, measured inside Python (the file is read before the clock starts), best of
REPEATS runs. Usage: time_pandas.py returns_62k.csv [REPEATS]"""
import sys
import time

import pandas as pd

path = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 20
r = pd.read_csv(path)["r"]
best = float("inf")
for _ in range(repeats):
    start = time.perf_counter()
    var = -r.rolling(1000).quantile(0.01, interpolation="lower")
    best = min(best, time.perf_counter() - start)
print(f"pandas {pd.__version__} rolling(1000).quantile(0.01): {best * 1e3:.2f} ms "
      f"(best of {repeats}, {var.notna().sum()} estimates)")
