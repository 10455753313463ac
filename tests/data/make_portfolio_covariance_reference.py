#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent reference for dynmargin's portfolio/covariance.hpp and nearest_correlation.hpp.

Run from anywhere with /usr/bin/python3 (numpy + scipy only, deterministic); it writes
portfolio_covariance_reference.csv next to itself, one `name,value` row per quantity, 17
significant digits. Written from the formulas below, without reference to the dynmargin C++
sources, and it does not call them.

Part 1, RiskMetrics EWMA covariance (RiskMetrics Technical Document, 4th ed., 1996), zero mean:
    S_t = lambda S_{t-1} + (1 - lambda) r_t r_t^T,  lambda = 0.94.
Data: returns_btc_usd_daily.csv, returns_eth_usd_daily.csv, returns_sol_usd_daily.csv
(columns i,date,r; percent log returns), inner-joined on `date`: 690 common returns,
2020-04-11 .. 2022-03-01, columns in the order BTC, ETH, SOL. Three start-ups:
  first   S_1 = r_1 r_1^T, then the recursion (the convention of volatility/ewma.hpp's
          first_squared_return and of ewma094_btc_daily.csv);
  warmup  S_k = (1/k) sum_{s<=k} r_s r_s^T for k <= 30, then the recursion;
  given   S_0 = the zero-mean sample covariance (divisor 30) of the first 30 returns, then the
          recursion over all 690 returns.
Rows: T, n; <start>_<k>_<i><j> = S after k returns (k in 1, 2, 10, 30, 100, 345, 690 for first;
10, 30, 31, 690 for warmup; 1, 690 for given); first_corr_<i><j> and first_vol_<i> after 690.

Part 2, the nearest correlation matrix (Higham 2002, IMA J. Numer. Anal. 22, 329-343), unit
weights: min ||X - A||_F over symmetric X with unit diagonal and X - floor I positive
semidefinite. Solved here NOT by alternating projections but through the dual (the smooth
convex problem of Malick 2004 / Qi and Sun 2006): with B = A - floor I and c = 1 - floor,
    f(y) = 0.5 ||(B + Diag y)_+||_F^2 - c sum(y),  grad f = diag((B + Diag y)_+) - c,
minimised by scipy's BFGS, then the root of grad f polished by MINPACK's hybrid method
(scipy.optimize.root) to a gradient below 1e-13; X = (B + Diag y*)_+ + floor I. As a second,
unrelated check, the same minimum is found over a Cholesky-like factor X = L L^T with unit rows
(unit diagonal by construction), by L-BFGS-B from several starts; the two must agree to 1e-7.
Cases: higham (A = [[1,1,0],[1,1,1],[0,1,1]], Higham 2002, pp. 334-335, published to 4 decimals as
0.7607 and 0.1573), higham_floor (the same A, floor 0.1), stressed (the final EWMA correlation
of part 1 with corr(ETH, SOL) overridden to -0.5 and the diagonal set to exactly 1, which is
indefinite). Rows:
ncm_<case>_a_<i><j> (input), ncm_<case>_x_<i><j>, ncm_<case>_distance, ncm_<case>_min_eig_a.
"""

import csv
import os

import numpy as np
from scipy.optimize import minimize, root

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = ["btc", "eth", "sol"]
LAMBDA = 0.94
WARMUP = 30


def read_returns(name):
    out = {}
    with open(os.path.join(HERE, f"returns_{name}_usd_daily.csv"), newline="") as f:
        for row in csv.DictReader(f):
            out[row["date"]] = float(row["r"])
    return out


def aligned_returns():
    series = [read_returns(a) for a in ASSETS]
    dates = sorted(set(series[0]).intersection(*series[1:]))
    return dates, np.array([[s[d] for s in series] for d in dates])


def ewma_path(r, start, seed=None):
    """S after each of the T returns (T x n x n)."""
    t_count, n = r.shape
    s = np.zeros((n, n)) if seed is None else seed.copy()
    warm_sum = np.zeros((n, n))
    path = np.empty((t_count, n, n))
    for t in range(t_count):
        outer = np.outer(r[t], r[t])
        if start == "first" and t == 0:
            s = outer
        elif start == "warmup" and t < WARMUP:
            warm_sum = warm_sum + outer
            s = warm_sum / (t + 1)
        else:
            s = LAMBDA * s + (1.0 - LAMBDA) * outer
        path[t] = s
    return path


def psd_part(m):
    w, v = np.linalg.eigh(0.5 * (m + m.T))
    return (v * np.maximum(w, 0.0)) @ v.T


def nearest_correlation_dual(a, floor=0.0):
    n = a.shape[0]
    b = a - floor * np.eye(n)
    c = 1.0 - floor

    def f(y):
        p = psd_part(b + np.diag(y))
        return 0.5 * np.sum(p * p) - c * np.sum(y), np.diag(p) - c

    best = None
    for y0 in (np.zeros(n), np.full(n, 0.5), np.full(n, -0.5)):
        res = minimize(f, y0, jac=True, method="BFGS", options={"gtol": 1e-14, "maxiter": 10000})
        if best is None or res.fun < best.fun:
            best = res
    # BFGS can stall near 1e-10 on this piecewise-smooth gradient; polish the root of the
    # gradient with MINPACK's hybrid method (finite-difference Jacobian).
    polished = root(lambda y: f(y)[1], best.x, method="hybr", options={"xtol": 1e-15})
    y = polished.x if np.max(np.abs(f(polished.x)[1])) < np.max(np.abs(f(best.x)[1])) else best.x
    grad = np.max(np.abs(f(y)[1]))
    assert grad < 1e-13, grad
    x = psd_part(b + np.diag(y)) + floor * np.eye(n)
    return 0.5 * (x + x.T)


def nearest_correlation_factor(a, floor=0.0):
    """Second method, floor 0 only: X = L L^T with rows of L normalised to unit length."""
    assert floor == 0.0
    n = a.shape[0]
    rng = np.random.default_rng(20020101)

    def unpack(z):
        m = z.reshape(n, n)
        norms = np.linalg.norm(m, axis=1)
        return m, norms, m / norms[:, None]

    def f(z):
        m, norms, l = unpack(z)
        x = l @ l.T
        e = x - a
        value = np.sum(e * e)
        gl = 4.0 * e @ l  # d/dL of ||L L^T - A||^2 with symmetric e
        # chain rule through the row normalisation l_i = m_i / |m_i|
        gm = (gl - l * np.sum(gl * l, axis=1)[:, None]) / norms[:, None]
        return value, gm.ravel()

    best = None
    for _ in range(8):
        res = minimize(f, rng.standard_normal(n * n), jac=True, method="L-BFGS-B",
                       options={"ftol": 1e-300, "gtol": 1e-14, "maxiter": 100000, "maxcor": 30})
        if best is None or res.fun < best.fun:
            best = res
    _, _, l = unpack(best.x)
    return l @ l.T


def to_correlation(s):
    d = np.sqrt(np.diag(s))
    return s / np.outer(d, d)


def main():
    dates, r = aligned_returns()
    t_count, n = r.shape
    assert (t_count, n) == (690, 3) and dates[0] == "2020-04-11" and dates[-1] == "2022-03-01"
    rows = [("T", t_count), ("n", n)]

    first = ewma_path(r, "first")
    warm = ewma_path(r, "warmup")
    seed = r[:WARMUP].T @ r[:WARMUP] / WARMUP
    given = ewma_path(r, "given", seed)
    for label, path, ks in (("first", first, (1, 2, 10, 30, 100, 345, 690)),
                            ("warmup", warm, (10, 30, 31, 690)),
                            ("given", given, (1, 690))):
        for k in ks:
            rows += [(f"{label}_{k}_{i}{j}", path[k - 1][i, j]) for i in range(n) for j in range(n)]
    rows += [(f"given_seed_{i}{j}", seed[i, j]) for i in range(n) for j in range(n)]
    final = first[-1]
    corr = to_correlation(final)
    rows += [(f"first_corr_{i}{j}", corr[i, j]) for i in range(n) for j in range(n)]
    rows += [(f"first_vol_{i}", np.sqrt(final[i, i])) for i in range(n)]

    higham = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    stressed = corr.copy()
    stressed[1, 2] = stressed[2, 1] = -0.5
    np.fill_diagonal(stressed, 1.0)
    for case, a, floor in (("higham", higham, 0.0), ("higham_floor", higham, 0.1), ("stressed", stressed, 0.0)):
        min_eig_a = np.linalg.eigvalsh(a)[0]
        assert min_eig_a < 0.0, (case, min_eig_a)
        x = nearest_correlation_dual(a, floor)
        assert np.max(np.abs(np.diag(x) - 1.0)) < 1e-12
        assert np.linalg.eigvalsh(x)[0] >= floor - 1e-12
        if floor == 0.0:
            x2 = nearest_correlation_factor(a)
            gap = np.max(np.abs(x - x2))
            assert gap < 1e-7, (case, gap)
            print(f"{case}: dual and factor methods agree to {gap:.2e}")
        rows += [(f"ncm_{case}_a_{i}{j}", a[i, j]) for i in range(n) for j in range(n)]
        rows += [(f"ncm_{case}_x_{i}{j}", x[i, j]) for i in range(n) for j in range(n)]
        rows += [(f"ncm_{case}_distance", np.linalg.norm(x - a)), (f"ncm_{case}_min_eig_a", min_eig_a)]
        print(f"{case}: x01 = {x[0, 1]:.10f}, x02 = {x[0, 2]:.10f}, x12 = {x[1, 2]:.10f}, "
              f"distance = {np.linalg.norm(x - a):.10f}")

    out = os.path.join(HERE, "portfolio_covariance_reference.csv")
    with open(out, "w", newline="") as f:
        f.write("name,value\n")
        for name, value in rows:
            f.write(f"{name},{value}\n" if isinstance(value, int) else f"{name},{float(value):.17g}\n")
    print(f"wrote {out}: {len(rows)} rows")


if __name__ == "__main__":
    main()
