#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Reference for dynmargin's filtered historical joint scenarios (portfolio/joint_scenarios.hpp).

Independent of the C++ code: numpy only. BTC, ETH and SOL daily log returns
(returns_*_usd_daily.csv, percent) on their common dates, as fractions; per underlying an EWMA
variance (lambda 0.94) started by the mean square of the first 30 returns (the "warmup window":
after k <= 30 returns the variance is their mean square), updated sigma2 = l sigma2 + (1 - l) r^2;
z_t = r_t / sigma_{t-1} for t >= 30 (the forecast made before r_t); sigma_now = the forecast
after the last return; scenario t: price return exp(z_t sigma_now sqrt(h)) - 1 for h = 1 and 10,
relative implied-volatility shock sqrt(l + (1 - l) z^2) - 1.
Writes fhs_btc_eth_sol_reference.csv: one row per scenario kept (every 40th and the last), 17
significant digits, and the first line of data holds sigma_now (scenario = -1).
"""
import csv
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def load(name):
    with open(os.path.join(here, name)) as f:
        rows = list(csv.DictReader(f))
    return {r["date"]: float(r["r"]) / 100.0 for r in rows}


series = [load(f"returns_{c}_usd_daily.csv") for c in ("btc", "eth", "sol")]
dates = sorted(set(series[0]) & set(series[1]) & set(series[2]))
r = np.array([[s[d] for s in series] for d in dates])
lam, warmup = 0.94, 30
T, U = r.shape
z = np.zeros((T - warmup, U))
sigma_now = np.zeros(U)
for u in range(U):
    var = 0.0
    total = 0.0
    for t in range(T):
        if t >= warmup:
            z[t - warmup, u] = r[t, u] / np.sqrt(var)
        if t < warmup:
            total += r[t, u] ** 2
            var = total / (t + 1)
        else:
            var = lam * var + (1 - lam) * r[t, u] ** 2
    sigma_now[u] = np.sqrt(var)

fmt = lambda x: repr(float(x))
with open(os.path.join(here, "fhs_btc_eth_sol_reference.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["scenario", "date", "h", "btc", "eth", "sol", "iv_btc", "iv_eth", "iv_sol"])
    w.writerow([-1, "sigma_now", 1] + [fmt(x) for x in sigma_now] + ["", "", ""])
    keep = list(range(0, T - warmup, 40)) + [T - warmup - 1]
    for h in (1, 10):
        for s in keep:
            moves = np.expm1(z[s] * sigma_now * np.sqrt(h))
            iv = np.sqrt(lam + (1 - lam) * z[s] ** 2) - 1
            w.writerow([s, dates[s + warmup], h] + [fmt(x) for x in moves] + [fmt(x) for x in iv])
print(len(dates), "common return dates;", T - warmup, "scenarios; sigma_now", sigma_now)
