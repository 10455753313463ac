#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent reference for the DCC(1,1)-GARCH correlation model (dynmargin portfolio/dcc.hpp).

Run from anywhere with /usr/bin/python3 (numpy + scipy only, deterministic); it writes
dcc_btc_eth_sol_reference.csv next to itself, one `name,value` row per quantity, 17
significant digits. Written from the formulas below, without reference to the dynmargin C++
sources, and it does not call them.

Data: returns_btc_usd_daily.csv, returns_eth_usd_daily.csv, returns_sol_usd_daily.csv
(columns i,date,r; percent log returns), inner-joined on `date`: 690 common returns,
2020-04-11 .. 2022-03-01, columns in the order BTC, ETH, SOL. None of them is exactly 0, so
fGarch's convention (every observation in the likelihood) and dynmargin's default
(`garch_zero_returns::automatic`) agree on this sample.

Step 1, per column: GARCH(1,1) with a constant mean and normal innovations, fitted by
maximum likelihood with fGarch's conventions (tests/data/REFERENCE.md): e_t = r_t - mu,
h_1 = omega + (alpha + beta) mean(e^2) (divisor T, around the current mu),
h_t = omega + alpha e_{t-1}^2 + beta h_{t-1}, log-likelihood
-0.5 sum_{t=1..T} (log(2 pi) + log h_t + e_t^2 / h_t). The fit runs on x = r / sd(r) (sd with
divisor T - 1, as R's sd) inside fGarch's box (|mu| <= 10 |mean(x)|, omega in [1e-6, 100],
alpha, beta in [1e-8, 1 - 1e-8]) with L-BFGS-B and an analytic gradient from several starts,
and maps back (mu = s mu_x, omega = s^2 omega_x). The same code reproduces the fGarch row of
garch11_fgarch_crypto.csv for the full BTC daily sample (checked below, to 1e-7 relative).
Standardised residuals z_it = (r_it - mu_i) / sqrt(h_it).

Step 2: Qbar = (1/T) sum_t (z_t - zbar)(z_t - zbar)^T (the sample covariance of z, divisor T),
Q_1 = Qbar, Q_t = (1 - a - b) Qbar + a z_{t-1} z_{t-1}^T + b Q_{t-1} (t >= 2),
R_t = diag(Q_t)^-1/2 Q_t diag(Q_t)^-1/2, and the correlation log-likelihood over t = 1..T
    L_c(a, b) = -0.5 sum_{t=1..T} ( log det R_t + z_t^T R_t^-1 z_t - z_t^T z_t ),
no 2 pi term and no volatility term (they do not depend on a, b). Maximised over a >= 0,
b >= 0, a + b <= 1 - 1e-6 with SLSQP from several starts, the best polished by Nelder-Mead,
then checked against a fine grid around it.

Rows written (names as in the file):
  T, n                                  sample size
  <asset>_mu/_omega/_alpha/_beta/_loglik univariate fits (asset btc, eth, sol)
  <asset>_h_next                        h_{T+1} = omega + alpha e_T^2 + beta h_T
  qbar_<i><j>                           Qbar
  z_<t>_<i>                             a few standardised residuals (t 0-based), for localising
  a, b, loglik                          the step-2 optimum and L_c there
  eval_<k>_a, eval_<k>_b, eval_<k>_loglik  L_c at given (a, b), same z
  q_last_<i><j>, r_last_<i><j>          Q_T, R_T at the optimum
  r_next_<i><j>, sigma_next_<i><j>      R_{T+1} and Sigma_{T+1} = D R_{T+1} D, D = diag(sqrt(h_{T+1}))
"""

import csv
import math
import os

import numpy as np
from scipy.optimize import minimize
from scipy.signal import lfilter

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = ["btc", "eth", "sol"]
MAX_PERSISTENCE = 1.0 - 1e-6


def read_returns(name):
    dates, values = [], []
    with open(os.path.join(HERE, f"returns_{name}_usd_daily.csv"), newline="") as f:
        for row in csv.DictReader(f):
            dates.append(row["date"])
            values.append(float(row["r"]))
    return dates, np.array(values)


# ------------------------------------------------------------------------------------------
# Step 1: GARCH(1,1), fGarch's likelihood
# ------------------------------------------------------------------------------------------

def garch_variances(x, theta):
    """h_1..h_T and their derivatives (T x 4) with respect to (mu, omega, alpha, beta)."""
    mu, omega, alpha, beta = theta
    e = x - mu
    e2 = e * e
    m = e2.mean()
    h1 = omega + (alpha + beta) * m
    # h_t = beta h_{t-1} + omega + alpha e_{t-1}^2 for t >= 2: a first-order linear filter.
    drive = np.empty_like(x)
    drive[0] = h1
    drive[1:] = omega + alpha * e2[:-1]
    h = lfilter([1.0], [1.0, -beta], drive)
    grad = np.empty((x.size, 4))
    # mu
    d = np.empty_like(x)
    d[0] = (alpha + beta) * (-2.0 * e.mean())
    d[1:] = -2.0 * alpha * e[:-1]
    grad[:, 0] = lfilter([1.0], [1.0, -beta], d)
    # omega
    d = np.ones_like(x)
    grad[:, 1] = lfilter([1.0], [1.0, -beta], d)
    # alpha
    d = np.empty_like(x)
    d[0] = m
    d[1:] = e2[:-1]
    grad[:, 2] = lfilter([1.0], [1.0, -beta], d)
    # beta
    d = np.empty_like(x)
    d[0] = m
    d[1:] = h[:-1]
    grad[:, 3] = lfilter([1.0], [1.0, -beta], d)
    return e, h, grad


def garch_loglik(x, theta, with_gradient=False):
    e, h, dh = garch_variances(x, theta)
    if np.any(~np.isfinite(h)) or np.any(h <= 0.0):
        return (-np.inf, np.zeros(4)) if with_gradient else -np.inf
    value = -0.5 * np.sum(math.log(2.0 * math.pi) + np.log(h) + e * e / h)
    if not with_gradient:
        return value
    weight = -0.5 * (1.0 / h - e * e / (h * h))
    g = weight @ dh
    g[0] += np.sum(e / h)
    return value, g


def fit_garch11(r):
    """fGarch-convention GARCH(1,1) normal fit; returns (mu, omega, alpha, beta, loglik)."""
    scale = np.std(r, ddof=1)
    x = r / scale
    mu_limit = max(10.0 * abs(x.mean()), 1e-12)
    bounds = [(-mu_limit, mu_limit), (1e-6, 100.0), (1e-8, 1.0 - 1e-8), (1e-8, 1.0 - 1e-8)]
    var_x = x.var()

    def objective(theta):
        value, g = garch_loglik(x, theta, True)
        if not np.isfinite(value):
            return 1e10, np.zeros(4)
        return -value, -g

    starts = [[x.mean(), 0.1 * var_x, 0.1, 0.8]]
    for alpha in (0.05, 0.1, 0.2):
        for persistence in (0.6, 0.9, 0.97, 0.995):
            beta = persistence - alpha
            if beta > 0:
                starts.append([x.mean(), var_x * (1.0 - persistence), alpha, beta])
    best = None
    for start in starts:
        res = minimize(objective, np.array(start), jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"ftol": 1e-16, "gtol": 1e-11, "maxiter": 5000, "maxfun": 20000})
        if best is None or res.fun < best.fun:
            best = res
    theta = best.x.copy()
    mu, omega = theta[0] * scale, theta[1] * scale * scale
    params = np.array([mu, omega, theta[2], theta[3]])
    return params, garch_loglik(r, params)


# ------------------------------------------------------------------------------------------
# Step 2: DCC(1,1) correlation likelihood
# ------------------------------------------------------------------------------------------

def dcc_target(z):
    centred = z - z.mean(axis=0)
    return centred.T @ centred / z.shape[0]


def dcc_path(z, a, b, qbar):
    """Q_1..Q_{T+1} (T+1 x n x n)."""
    t_count, n = z.shape
    q = np.empty((t_count + 1, n, n))
    q[0] = qbar
    for t in range(1, t_count + 1):
        q[t] = (1.0 - a - b) * qbar + a * np.outer(z[t - 1], z[t - 1]) + b * q[t - 1]
    return q


def to_correlation(q):
    d = np.sqrt(np.einsum("...ii->...i", q))
    return q / (d[..., :, None] * d[..., None, :])


def dcc_loglik(z, a, b, qbar):
    q = dcc_path(z, a, b, qbar)[: z.shape[0]]
    r = to_correlation(q)
    sign, logdet = np.linalg.slogdet(r)
    if np.any(sign <= 0):
        return -np.inf
    w = np.linalg.solve(r, z[..., None])[..., 0]
    quad = np.einsum("ti,ti->t", z, w)
    return -0.5 * np.sum(logdet + quad - np.einsum("ti,ti->t", z, z))


def fit_dcc(z, qbar):
    def objective(p):
        if not (p[0] >= 0.0 and p[1] >= 0.0 and p[0] + p[1] <= MAX_PERSISTENCE):
            return 1e10  # outside the feasible set (Nelder-Mead's simplex may step out)
        value = dcc_loglik(z, p[0], p[1], qbar)
        return 1e10 if not np.isfinite(value) else -value / z.shape[0]

    constraint = {"type": "ineq", "fun": lambda p: MAX_PERSISTENCE - p[0] - p[1]}
    starts = [(0.01, 0.95), (0.05, 0.90), (0.02, 0.97), (0.10, 0.80), (0.03, 0.50), (0.005, 0.99)]
    best = None
    for start in starts:
        res = minimize(objective, np.array(start), method="SLSQP", bounds=[(0.0, 1.0), (0.0, 1.0)],
                       constraints=[constraint], options={"ftol": 1e-15, "maxiter": 1000})
        if best is None or res.fun < best.fun:
            best = res
    p = best.x
    # Polish inside the feasible set (the optimum found here is interior).
    polished = minimize(objective, p, method="Nelder-Mead",
                        options={"xatol": 1e-12, "fatol": 1e-16, "maxiter": 20000, "maxfev": 40000})
    if polished.fun <= best.fun:
        p = polished.x
    # Independent check: no point of a fine grid around the optimum is better.
    value = dcc_loglik(z, p[0], p[1], qbar)
    for da in np.linspace(-2e-4, 2e-4, 9):
        for db in np.linspace(-2e-4, 2e-4, 9):
            a, b = p[0] + da, p[1] + db
            if a >= 0 and b >= 0 and a + b <= MAX_PERSISTENCE:
                assert dcc_loglik(z, a, b, qbar) <= value + 1e-9, (a, b)
    return p, value


# ------------------------------------------------------------------------------------------

def main():
    # Self-check of step 1 against fGarch on the full BTC daily sample.
    _, btc_full = read_returns("btc")
    params, loglik = fit_garch11(btc_full)
    fgarch_loglik = -7362.8384912833435  # garch11_fgarch_crypto.csv, btc_usd_daily, norm
    assert abs(loglik - fgarch_loglik) <= 1e-7 * abs(fgarch_loglik), (loglik, fgarch_loglik)

    series = {name: dict(zip(*read_returns(name))) for name in ASSETS}
    common = sorted(set.intersection(*(set(s) for s in series.values())))
    returns = np.array([[series[name][d] for name in ASSETS] for d in common])
    t_count, n = returns.shape
    assert (t_count, n) == (690, 3) and common[0] == "2020-04-11" and common[-1] == "2022-03-01"

    rows = [("T", t_count), ("n", n)]
    z = np.empty_like(returns)
    h_next = np.empty(n)
    for i, name in enumerate(ASSETS):
        params, loglik = fit_garch11(returns[:, i])
        e, h, _ = garch_variances(returns[:, i], params)
        z[:, i] = e / np.sqrt(h)
        mu, omega, alpha, beta = params
        h_next[i] = omega + alpha * e[-1] ** 2 + beta * h[-1]
        rows += [(f"{name}_mu", mu), (f"{name}_omega", omega), (f"{name}_alpha", alpha),
                 (f"{name}_beta", beta), (f"{name}_loglik", loglik), (f"{name}_h_next", h_next[i])]

    qbar = dcc_target(z)
    rows += [(f"qbar_{i}{j}", qbar[i, j]) for i in range(n) for j in range(n)]
    for t in (0, 1, t_count - 1):
        rows += [(f"z_{t}_{i}", z[t, i]) for i in range(n)]

    (a, b), loglik = fit_dcc(z, qbar)
    rows += [("a", a), ("b", b), ("loglik", loglik)]
    for k, (ea, eb) in enumerate([(0.0, 0.0), (0.02, 0.95), (0.05, 0.90), (0.10, 0.85), (0.3, 0.0)]):
        rows += [(f"eval_{k}_a", ea), (f"eval_{k}_b", eb), (f"eval_{k}_loglik", dcc_loglik(z, ea, eb, qbar))]

    path = dcc_path(z, a, b, qbar)
    q_last, q_next = path[t_count - 1], path[t_count]
    r_last, r_next = to_correlation(q_last), to_correlation(q_next)
    d = np.sqrt(h_next)
    sigma_next = d[:, None] * r_next * d[None, :]
    for label, m in (("q_last", q_last), ("r_last", r_last), ("r_next", r_next), ("sigma_next", sigma_next)):
        rows += [(f"{label}_{i}{j}", m[i, j]) for i in range(n) for j in range(n)]

    out = os.path.join(HERE, "dcc_btc_eth_sol_reference.csv")
    with open(out, "w", newline="") as f:
        f.write("name,value\n")
        for name, value in rows:
            f.write(f"{name},{value}\n" if isinstance(value, int) else f"{name},{float(value):.17g}\n")
    print(f"wrote {out}: a = {a:.10f}, b = {b:.10f}, loglik = {loglik:.10f}")


if __name__ == "__main__":
    main()
