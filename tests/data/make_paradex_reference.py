#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent reference for the Paradex-style portfolio-margin scenario grid.

Run from anywhere with /usr/bin/python3 (numpy + scipy only, no randomness); it writes
next to itself:

  paradex_grid_reference.csv  one row per (portfolio, scenario): the shocks, weight,
                              portfolio P&L and weight x (-P&L)
  paradex_grid_summary.csv    one row per portfolio: SCAN risk, binding scenario, deltas,
                              minimum delta requirement, IMR, MMR
  paradex_grid_pricing.csv    each option's Black-76 price and delta at the current state
  paradex_grid_legs.csv       per (portfolio, scenario, leg): shocked spot / IV, shocked
                              value and the leg's P&L (for localising a mismatch)

Model: Paradex portfolio margin as published at docs.paradex.trade/risk/portfolio-margin
(24 weighted spot/vol scenarios, SCAN risk, minimum delta requirement, IMR, MMR = IMR / 2
with fee provision 0). Options are priced with Black-76, r = 0, forward = spot,
time in years = seconds to expiry / (365 * 86400). Written without reference to the
dynmargin C++ sources.
"""

import csv
import math
import os
from datetime import datetime, timezone

import numpy as np
from scipy.stats import norm

HERE = os.path.dirname(os.path.abspath(__file__))

SECONDS_PER_DAY = 86400.0
SECONDS_PER_YEAR = 365.0 * SECONDS_PER_DAY

# (number, spot shock, vol shock, weight), as published.
SCENARIOS = [
    (1, 0.16, 0.40, 1.0),
    (2, 0.12, 0.40, 1.0),
    (3, 0.12, -0.22, 1.0),
    (4, 0.08, 0.40, 1.0),
    (5, 0.08, -0.22, 1.0),
    (6, 0.04, 0.40, 1.0),
    (7, 0.04, -0.22, 1.0),
    (8, 0.00, 0.40, 1.0),
    (9, 0.00, -0.22, 1.0),
    (10, -0.04, 0.40, 1.0),
    (11, -0.04, -0.22, 1.0),
    (12, -0.08, 0.40, 1.0),
    (13, -0.08, -0.22, 1.0),
    (14, -0.12, 0.40, 1.0),
    (15, -0.12, -0.22, 1.0),
    (16, -0.16, 0.40, 1.0),
    (17, -0.66, 0.40, 0.24),
    (18, -0.33, 0.40, 0.48),
    (19, 0.50, 0.40, 0.32),
    (20, 1.00, 0.40, 0.16),
    (21, 2.00, 0.40, 0.08),
    (22, 3.00, 0.40, 0.0533),
    (23, 4.00, 0.40, 0.04),
    (24, 5.00, 0.40, 0.032),
]

NET_DELTA_RATE = 0.02
HEDGED_DELTA_RATE = 0.01
MMR_FRACTION = 0.5

VALUATION = datetime(2026, 3, 1, 0, 0, 0, tzinfo=timezone.utc)
SPOT = 70000.0
EXPIRY_MAR = datetime(2026, 3, 27, 8, 0, 0, tzinfo=timezone.utc)
EXPIRY_APR = datetime(2026, 4, 24, 8, 0, 0, tzinfo=timezone.utc)

# Legs: (name, kind, quantity, strike, iv, expiry); kind in {"call", "put", "perpetual"}.
PORTFOLIOS = [
    ("short_strangle", [
        ("put_60000_mar", "put", -1.0, 60000.0, 0.55, EXPIRY_MAR),
        ("call_80000_mar", "call", -1.0, 80000.0, 0.50, EXPIRY_MAR),
    ]),
    ("covered_call", [
        ("perpetual", "perpetual", 1.0, None, None, None),
        ("call_75000_mar", "call", -1.0, 75000.0, 0.52, EXPIRY_MAR),
    ]),
    ("calendar_spread", [
        ("call_70000_mar", "call", -1.0, 70000.0, 0.48, EXPIRY_MAR),
        ("call_70000_apr", "call", 1.0, 70000.0, 0.50, EXPIRY_APR),
    ]),
]


def fmt(x):
    """17 significant digits (round-trips a double)."""
    return "%.17g" % x


def black76(kind, forward, strike, sigma, t):
    """Black-76 price and delta (dV/dF) with zero rate."""
    sd = sigma * math.sqrt(t)
    d1 = (math.log(forward / strike) + 0.5 * sd * sd) / sd
    d2 = d1 - sd
    if kind == "call":
        return forward * norm.cdf(d1) - strike * norm.cdf(d2), norm.cdf(d1)
    return strike * norm.cdf(-d2) - forward * norm.cdf(-d1), norm.cdf(d1) - 1.0


def seconds_to_expiry(expiry):
    return (expiry - VALUATION).total_seconds()


def vol_power(dte):
    return 0.30 if dte < 30.0 else 0.13


def shocked_iv(iv, vol_shock, dte):
    return iv * (1.0 + vol_shock * (30.0 / max(1.0, dte)) ** vol_power(dte))


def leg_value(leg, spot, iv):
    """Value (per unit) and delta of a leg at the given spot and IV."""
    _, kind, _, strike, _, expiry = leg
    if kind == "perpetual":
        return spot, 1.0  # P&L of a perp = q * (S' - S) = q * S * spot shock
    t = seconds_to_expiry(expiry) / SECONDS_PER_YEAR
    return black76(kind, spot, strike, iv, t)


def delta_requirement(signed_deltas, spot):
    """Paradex minimum delta requirement from the q_i * delta_i."""
    d = np.asarray(signed_deltas, dtype=float)
    net = float(d.sum())
    gross = float(np.abs(d).sum())
    hedged = (gross - abs(net)) / 2.0
    return net, gross, hedged, (NET_DELTA_RATE * abs(net) + HEDGED_DELTA_RATE * hedged) * spot


def main():
    scenario_rows, summary_rows, pricing_rows, leg_rows = [], [], [], []

    for pname, legs in PORTFOLIOS:
        base = [leg_value(leg, SPOT, leg[4]) for leg in legs]
        for leg, (price, delta) in zip(legs, base):
            name, kind, q, strike, iv, expiry = leg
            if kind == "perpetual":
                continue
            secs = seconds_to_expiry(expiry)
            dte = secs / SECONDS_PER_DAY
            pricing_rows.append([pname, name, kind, fmt(q), fmt(strike), fmt(iv),
                                 expiry.strftime("%Y-%m-%dT%H:%M:%SZ"), fmt(secs), fmt(dte),
                                 fmt(secs / SECONDS_PER_YEAR), fmt(vol_power(dte)),
                                 fmt(SPOT), fmt(price), fmt(delta)])

        weighted = []
        for number, spot_shock, vol_shock, weight in SCENARIOS:
            s_new = SPOT * (1.0 + spot_shock)
            pnl = 0.0
            for leg, (price0, _) in zip(legs, base):
                name, kind, q, _, iv, expiry = leg
                if kind == "perpetual":
                    iv_new = float("nan")
                    leg_pnl = q * SPOT * spot_shock
                    v_new = s_new
                else:
                    dte = seconds_to_expiry(expiry) / SECONDS_PER_DAY
                    iv_new = shocked_iv(iv, vol_shock, dte)
                    v_new, _ = leg_value(leg, s_new, iv_new)
                    leg_pnl = q * (v_new - price0)
                pnl += leg_pnl
                leg_rows.append([pname, str(number), name, fmt(s_new),
                                 "" if kind == "perpetual" else fmt(iv_new),
                                 fmt(v_new), fmt(leg_pnl)])
            w_loss = weight * (-pnl)
            weighted.append(w_loss)
            scenario_rows.append([pname, str(number), fmt(spot_shock), fmt(vol_shock),
                                  fmt(weight), fmt(s_new), fmt(pnl), fmt(w_loss)])

        w = np.asarray(weighted)
        scan = max(0.0, float(w.max()))
        binding = int(np.argmax(w)) + 1 if scan > 0.0 else 0  # first on ties; 0 = no loss
        net, gross, hedged, min_delta = delta_requirement(
            [leg[2] * d for leg, (_, d) in zip(legs, base)], SPOT)
        imr = max(scan, min_delta)
        summary_rows.append([pname, fmt(SPOT), fmt(scan), str(binding), fmt(net), fmt(gross),
                             fmt(hedged), fmt(min_delta), fmt(imr), fmt(MMR_FRACTION * imr)])

    # Paradex's worked example of the delta requirement: +1 perp, -5 calls of delta 0.3.
    net, gross, hedged, min_delta = delta_requirement([1.0 * 1.0, -5.0 * 0.3], SPOT)
    assert abs(net + 0.5) < 1e-12 and abs(gross - 2.5) < 1e-12 and abs(hedged - 1.0) < 1e-12
    assert abs(min_delta - 1400.0) < 1e-9, min_delta
    summary_rows.append(["paradex_delta_example", fmt(SPOT), "", "", fmt(net), fmt(gross),
                         fmt(hedged), fmt(min_delta), "", ""])

    def write(name, header, rows):
        with open(os.path.join(HERE, name), "w", newline="") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow(header)
            out.writerows(rows)

    write("paradex_grid_reference.csv",
          ["portfolio", "scenario", "spot_shock", "vol_shock", "weight", "shocked_spot",
           "pnl", "weighted_loss"], scenario_rows)
    write("paradex_grid_summary.csv",
          ["portfolio", "spot", "scan_risk", "binding_scenario", "net_delta", "gross_delta",
           "hedged_delta", "min_delta", "imr", "mmr"], summary_rows)
    write("paradex_grid_pricing.csv",
          ["portfolio", "leg", "kind", "quantity", "strike", "iv", "expiry", "seconds_to_expiry",
           "dte", "time_years", "vol_power", "spot", "price", "delta"], pricing_rows)
    write("paradex_grid_legs.csv",
          ["portfolio", "scenario", "leg", "shocked_spot", "shocked_iv", "value", "pnl"],
          leg_rows)

    for row in summary_rows:
        print(",".join(row))


if __name__ == "__main__":
    main()
