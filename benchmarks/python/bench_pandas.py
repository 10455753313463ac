#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Python module against pandas, for benchmarks/README.md ("Python module against pandas").

Two tasks, each timed against its pandas peer in the same process and the same run:

1. Rolling 99% historical VaR and ES over 62,000 returns, window 1,000, type-1 quantile:
   `dynmargin.historical_var(r, confidence=0.99, window=1000, quantile="type1")` (VaR and ES
   both computed) against `pd.Series(r).rolling(1000).quantile(0.01, interpolation="lower")`
   (VaR only). For a window of 1,000 and a tail of 0.01 both read the 10th smallest return:
   type 1 takes x_(ceil(1000 * 0.01)) = x_(10), pandas' "lower" x_(1 + floor(999 * 0.01)) =
   x_(10). Target: dynmargin at least 10x faster.
2. EWMA variance over 10^6 returns, lambda 0.94: `dynmargin.ewma_variance(r, lam=0.94)`
   against `pd.Series(r2).ewm(alpha=1 - 0.94, adjust=False).mean()` on the squared returns
   r2 = r**2, squared before the clock starts (the peer is timed on its computation alone).
   Target: dynmargin at least 5x faster.

Inputs are float64 NumPy arrays (they reach dynmargin's kernels without a copy; pandas gets a
Series made from the same array inside the timed call). The 62,000 returns are those of
benchmarks/whole_process/make_data.py (returns_62k.csv, seed 62000: a GARCH(1,1) path with
Student t shocks, hourly BTC-like, rounded to 10 significant digits as in the file); the 10^6
returns are Student t (4 degrees of freedom) scaled to a daily standard deviation of 3.5 (percent
log returns of a crypto asset), NumPy's default_rng(1_000_000).

Timing: best of --repeats single calls per peer (timeit, garbage collection off during a
call) after --warmup untimed calls each, the two peers interleaved and their order alternated
on every repetition.

Page faults: the table gives the minor page faults (getrusage) of the best call and their mean
over the timed calls. With glibc's default thresholds, the arrays a call allocates (a few hundred KB to a few
MB) are often returned to the kernel when freed and faulted in again by the next call; on a VM
where a fault costs ~10 us that is a large part of both peers' times. To time the computations
without it, run with MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=268435456 in the
environment (the figures of benchmarks/README.md give both).

Cross-checks (the script fails if one does not hold):
- EWMA: dynmargin's row t is the forecast for return t from returns 0..t-1, row 0 the seed
  r_0^2 (RiskMetrics' start, `start="first_squared_return"`); pandas' adjust=False row t is the
  average through r_t^2, row 0 = r_0^2. So dynmargin[0] == pandas[0] and
  dynmargin[t + 1] == pandas[t] for t = 0..n-2, to 1e-12 relative.
- VaR: dynmargin's row t uses returns t-1000..t-1 and is a loss (positive); pandas' row t uses
  returns t-999..t and is a return quantile (negative). So dynmargin.var[t] == -pandas[t - 1]
  for t = 1000..n-1, and next_var == -pandas[n - 1], to 1e-12 relative (both pick the same
  order statistic, so they are expected bit for bit); rows 0..999 are NaN in dynmargin.
- ES (no pandas peer): dynmargin.es[t] == -mean(w[w <= x_(10)]) of the window w before t, from
  NumPy, on 500 rows drawn with a fixed seed.

Run (from the repository root, a Release build of the module with -DDYNMARGIN_BUILD_PYTHON=ON
in build/pyrel; /usr/bin/python3 is the interpreter the module is built for):

    PYTHONPATH=build/pyrel/python /usr/bin/python3 benchmarks/python/bench_pandas.py [--repeats 30] [--json]

It exits with 1 when a cross-check fails (the times are printed all the same), not when a
target is missed.
"""

import argparse
import datetime
import gc
import json
import math
import os
import platform
import resource
import sys
import timeit

import numpy as np
import pandas as pd

import dynmargin

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "whole_process"))
from make_data import garch_path  # noqa: E402  (the generator of returns_62k.csv)

CONFIDENCE = 0.99
WINDOW = 1000
LAMBDA = 0.94
VAR_TARGET = 10.0
EWMA_TARGET = 5.0
TOLERANCE = 1e-12


def returns_62k():
    """The returns of returns_62k.csv, as make_data.py writes them (10 significant digits)."""
    return np.array([float(f"{r:.10g}") for r in garch_path(62000, 0.02, 0.08, 0.90, 5, 62000)])


def returns_1m():
    rng = np.random.default_rng(1_000_000)
    nu = 4.0
    return 3.5 * math.sqrt((nu - 2.0) / nu) * rng.standard_t(nu, 1_000_000)


def max_relative_difference(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = np.maximum(np.abs(a), np.abs(b))
    diff = np.abs(a - b)
    rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return float(rel.max()) if rel.size else 0.0


def check_var(r, forecast, peer):
    """dynmargin's historical VaR/ES against pandas' rolling quantile and NumPy (see the docstring)."""
    n = len(r)
    var = np.asarray(forecast.var)
    es = np.asarray(forecast.es)
    q = peer.to_numpy()
    problems = []
    if not np.all(np.isnan(var[:WINDOW])) or not np.all(np.isnan(es[:WINDOW])):
        problems.append("dynmargin has VaR/ES rows before the window is full")
    if np.isnan(var[WINDOW:]).any() or np.isnan(q[WINDOW - 1:]).any():
        problems.append("missing rows after the window is full")
    ours = np.append(var[WINDOW:], forecast.next_var)
    theirs = -q[WINDOW - 1:]
    var_rel = max_relative_difference(ours, theirs)
    var_identical = int(np.sum(ours == theirs))
    if var_rel > TOLERANCE:
        problems.append(f"VaR differs from pandas by {var_rel:.3g} relative")
    # ES: the mean of the returns at or below the type-1 quantile x_(k), k = ceil(n a), ties included
    k = math.ceil(round(WINDOW * (1.0 - CONFIDENCE), 9))
    rows = np.sort(np.random.default_rng(5).choice(np.arange(WINDOW, n), 500, replace=False))
    reference = []
    for t in rows:
        w = r[t - WINDOW:t]
        x_k = np.partition(w, k - 1)[k - 1]
        reference.append(-w[w <= x_k].mean())
    es_rel = max_relative_difference(es[rows], reference)
    if es_rel > TOLERANCE:
        problems.append(f"ES differs from NumPy by {es_rel:.3g} relative")
    return {"var_rows": len(ours), "var_max_rel_diff": var_rel, "var_bit_identical_rows": var_identical,
            "es_rows_checked": len(rows), "es_max_rel_diff": es_rel}, problems


def check_ewma(ours, peer):
    ours = np.asarray(ours)
    theirs = peer.to_numpy()
    problems = []
    aligned_ours = ours  # ours[0] is the seed r_0^2, ours[t + 1] the average through r_t^2
    aligned_theirs = np.concatenate(([theirs[0]], theirs[:-1]))
    rel = max_relative_difference(aligned_ours, aligned_theirs)
    identical = int(np.sum(aligned_ours == aligned_theirs))
    if rel > TOLERANCE:
        problems.append(f"EWMA differs from pandas by {rel:.3g} relative")
    return {"rows": len(ours), "max_rel_diff": rel, "bit_identical_rows": identical}, problems


def minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def best_of(tasks, repeats, warmup):
    """tasks: {name: callable}. Best single-call time of each, interleaved, order alternated;
    and the minor page faults of that best call and the mean over all timed calls (a fault
    costs ~10 us on some VMs)."""
    timers = {name: timeit.Timer(fn) for name, fn in tasks.items()}
    for timer in timers.values():
        timer.timeit(number=warmup)
    best = {name: math.inf for name in tasks}
    best_faults = {name: 0 for name in tasks}
    all_faults = {name: 0 for name in tasks}
    names = list(tasks)
    for i in range(repeats):
        for name in (names if i % 2 == 0 else names[::-1]):
            before = minor_faults()
            seconds = timers[name].timeit(number=1)
            faults = minor_faults() - before
            all_faults[name] += faults
            if seconds < best[name]:
                best[name], best_faults[name] = seconds, faults
    return best, {name: (best_faults[name], all_faults[name] / repeats) for name in tasks}


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed calls per peer (best is kept; >= 15)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls per peer first")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    args = parser.parse_args()
    if args.repeats < 15:
        parser.error("--repeats must be at least 15")

    r62 = returns_62k()
    r1m = returns_1m()
    r1m_squared = r1m * r1m

    # correctness first, on the very calls that are timed
    forecast = dynmargin.historical_var(r62, confidence=CONFIDENCE, window=WINDOW, quantile="type1")
    peer_var = pd.Series(r62).rolling(WINDOW).quantile(1.0 - CONFIDENCE, interpolation="lower")
    var_check, problems = check_var(r62, forecast, peer_var)
    ewma_ours = dynmargin.ewma_variance(r1m, lam=LAMBDA)
    ewma_peer = pd.Series(r1m_squared).ewm(alpha=1.0 - LAMBDA, adjust=False).mean()
    ewma_check, ewma_problems = check_ewma(ewma_ours, ewma_peer)
    problems += ewma_problems
    del forecast, peer_var, ewma_ours, ewma_peer
    gc.collect()

    var_times, var_faults = best_of({
        "dynmargin": lambda: dynmargin.historical_var(r62, confidence=CONFIDENCE, window=WINDOW, quantile="type1"),
        "pandas": lambda: pd.Series(r62).rolling(WINDOW).quantile(1.0 - CONFIDENCE, interpolation="lower"),
    }, args.repeats, args.warmup)
    ewma_times, ewma_faults = best_of({
        "dynmargin": lambda: dynmargin.ewma_variance(r1m, lam=LAMBDA),
        "pandas": lambda: pd.Series(r1m_squared).ewm(alpha=1.0 - LAMBDA, adjust=False).mean(),
    }, args.repeats, args.warmup)

    rows = [
        {"task": "rolling 99% historical VaR (+ES for dynmargin), 62,000 returns, window 1,000, type 1",
         "dynmargin_ms": var_times["dynmargin"] * 1e3, "pandas_ms": var_times["pandas"] * 1e3,
         "target": VAR_TARGET, "dynmargin_faults": var_faults["dynmargin"],
         "pandas_faults": var_faults["pandas"]},
        {"task": "EWMA variance, 10^6 returns, lambda 0.94",
         "dynmargin_ms": ewma_times["dynmargin"] * 1e3, "pandas_ms": ewma_times["pandas"] * 1e3,
         "target": EWMA_TARGET, "dynmargin_faults": ewma_faults["dynmargin"],
         "pandas_faults": ewma_faults["pandas"]},
    ]
    for row in rows:
        row["ratio"] = row["pandas_ms"] / row["dynmargin_ms"]
        row["met"] = row["ratio"] >= row["target"]

    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_model(), "cpus": os.cpu_count(), "load_average": list(os.getloadavg()),
        "python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
        "dynmargin": dynmargin.__version__, "dynmargin_module": dynmargin._core.__file__,
        "repeats": args.repeats, "warmup": args.warmup,
    }
    if args.json:
        print(json.dumps({"meta": meta, "results": rows,
                          "cross_check": {"var": var_check, "ewma": ewma_check, "problems": problems}}, indent=2))
    else:
        print(f"{meta['date']}  {meta['cpu']} ({meta['cpus']} CPUs), load {meta['load_average'][0]:.2f}; "
              f"Python {meta['python']}, numpy {meta['numpy']}, pandas {meta['pandas']}, dynmargin {meta['dynmargin']}")
        print(f"best of {args.repeats} (after {args.warmup} warm-up calls), peers interleaved\n")
        print(f"{'task':<86} {'dynmargin ms':>12} {'pandas ms':>10} {'ratio':>7} {'target':>7}  met  "
              f"page faults, best call (mean): dynmargin / pandas")
        for row in rows:
            print(f"{row['task']:<86} {row['dynmargin_ms']:>12.2f} {row['pandas_ms']:>10.2f} "
                  f"{row['ratio']:>6.1f}x {row['target']:>6.0f}x  {'yes' if row['met'] else 'no ':<3}  "
                  f"{row['dynmargin_faults'][0]} ({row['dynmargin_faults'][1]:.0f}) / "
                  f"{row['pandas_faults'][0]} ({row['pandas_faults'][1]:.0f})")
        print(f"\ncross-check: VaR {var_check['var_rows']} rows, max rel. diff {var_check['var_max_rel_diff']:.3g} "
              f"({var_check['var_bit_identical_rows']} bit-identical); ES {var_check['es_rows_checked']} rows vs "
              f"NumPy, max rel. diff {var_check['es_max_rel_diff']:.3g}; EWMA {ewma_check['rows']} rows, max rel. "
              f"diff {ewma_check['max_rel_diff']:.3g} ({ewma_check['bit_identical_rows']} bit-identical)")
    if problems:
        print("CROSS-CHECK FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
