#!/usr/bin/env python3
"""Writes the inputs of the whole-process timings (benchmarks/README.md, "Whole process").

returns_62k.csv: 62,000 hourly percent returns, columns time,r (ISO 8601 UTC);
returns_6k.csv:  6,000 daily percent returns, columns time,r.
Both are GARCH(1,1) paths with Student t (nu = 5) shocks and BTC-like parameters, drawn with a
fixed seed so that every run times the same file. Usage: make_data.py OUTPUT_DIR
"""
import math
import random
import sys
from datetime import datetime, timedelta, timezone


def garch_path(n, omega, alpha, beta, nu, seed):
    rng = random.Random(seed)
    variance = omega / (1.0 - alpha - beta)
    scale = math.sqrt((nu - 2.0) / nu)
    out = []
    for _ in range(n):
        # Student t with unit variance: normal over sqrt(chi2 / nu)
        chi2 = sum(rng.gauss(0.0, 1.0) ** 2 for _ in range(int(nu)))
        z = rng.gauss(0.0, 1.0) / math.sqrt(chi2 / nu) * scale
        r = math.sqrt(variance) * z
        out.append(r)
        variance = omega + alpha * r * r + beta * variance
    return out


def write(path, returns, start, step):
    with open(path, "w", encoding="ascii") as f:
        f.write("time,r\n")
        t = start
        for r in returns:
            f.write(f"{t:%Y-%m-%d %H:%M:%S},{r:.10g}\n")
            t += step


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    start = datetime(2018, 1, 1, tzinfo=timezone.utc)
    write(f"{out}/returns_62k.csv", garch_path(62000, 0.02, 0.08, 0.90, 5, 62000), start, timedelta(hours=1))
    write(f"{out}/returns_6k.csv", garch_path(6000, 0.10, 0.10, 0.88, 5, 6000), start, timedelta(days=1))


if __name__ == "__main__":
    main()
