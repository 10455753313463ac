#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent reference for portfolio/account.hpp (cross and isolated account quotes).

Run with /usr/bin/python3 (numpy + scipy, no randomness); writes account_reference.csv next to
itself, one row per (account, item, value), values with 17 significant digits.

Model (written from the definitions in tests/data/REFERENCE.md, not from the C++ code):
  - collateral value = sum amount x price; after haircut = sum amount x price x LT;
  - unrealised P&L: linear q size (mark - entry); inverse future q face (mark / entry - 1);
    USD option q size (Black-76 value - entry premium), r = 0, T = seconds / (365 x 86400);
  - scenario P&L per contract in the Paradex grid (24 rows, both underlyings moved alike):
    linear size F r; inverse face r; option size (V(F(1+r), IV') - V(F, IV)) with
    IV' = IV (1 + v (30 / max(1, DTE))^p), p = 0.30 if DTE < 30 else 0.13;
  - scenario margin = max(0, max_s w_s L_s), binding = first argmax (0-based);
  - IM = margin + sum add-on IM; MM = 0.5 margin + sum add-on MM; ratio = MM / equity;
    free = equity - IM; isolated: each position alone in the grid, collateral after haircut
    allocated pro rata to the isolated IMs.
"""

import csv
import math
import os
from datetime import datetime, timezone

import numpy as np
from scipy.stats import norm

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
MARCH27 = datetime(2026, 3, 27, 8, tzinfo=timezone.utc)

CORE = [0.16, 0.12, 0.08, 0.04, 0.0, -0.04, -0.08, -0.12, -0.16]
GRID = []
for move in CORE:
    GRID.append((move, 0.40, 1.0))
    if abs(move) < 0.16 - 1e-12:
        GRID.append((move, -0.22, 1.0))
GRID += [(-0.66, 0.40, 0.24), (-0.33, 0.40, 0.48), (0.50, 0.40, 0.32), (1.00, 0.40, 0.16),
         (2.00, 0.40, 0.08), (3.00, 0.40, 0.0533), (4.00, 0.40, 0.04), (5.00, 0.40, 0.032)]


def black76(kind, f, k, vol, t):
    d1 = (math.log(f / k) + 0.5 * vol * vol * t) / (vol * math.sqrt(t))
    d2 = d1 - vol * math.sqrt(t)
    if kind == "call":
        return f * norm.cdf(d1) - k * norm.cdf(d2)
    return k * norm.cdf(-d2) - f * norm.cdf(-d1)


def years(expiry):
    return (expiry - NOW).total_seconds() / (365.0 * 86400.0)


def instrument_pnl(inst, state):
    """Column of USD P&L per contract over the grid."""
    out = []
    for r, v, _ in GRID:
        if inst["kind"] == "linear":
            out.append(inst["size"] * state["F"] * r)
        elif inst["kind"] == "inverse":
            out.append(inst["size"] * r)
        else:
            t = years(inst["expiry"])
            dte = t * 365.0
            p = 0.30 if dte < 30.0 else 0.13
            vol2 = state["vol"] * (1.0 + v * (30.0 / max(1.0, dte)) ** p)
            base = black76(inst["type"], state["F"], inst["K"], state["vol"], t)
            out.append(inst["size"] * (black76(inst["type"], state["F"] * (1.0 + r), inst["K"], vol2, t) - base))
    return np.array(out)


def upnl(inst, state, q, entry):
    if inst["kind"] == "linear":
        return q * inst["size"] * (state["F"] - entry)
    if inst["kind"] == "inverse":
        return q * inst["size"] * (1.0 / entry - 1.0 / state["F"]) * state["F"]
    v = black76(inst["type"], state["F"], inst["K"], state["vol"], years(inst["expiry"]))
    return q * inst["size"] * (v - entry)


def grid_margin(loss):
    w = np.array([g[2] for g in GRID])
    weighted = w * loss
    b = int(np.argmax(weighted))
    return max(weighted[b], 0.0), b, loss[b]


def account(name, instruments, states, positions, collateral, add_ons, rows):
    value = sum(a * p for a, p, _ in collateral)
    after = sum(a * p * lt for a, p, lt in collateral)
    pnls = [upnl(instruments[i], states[i], q, e) for i, q, e in positions]
    cols = [instrument_pnl(instruments[i], states[i]) for i in range(len(instruments))]
    net = np.zeros(len(instruments))
    for i, q, _ in positions:
        net[i] += q
    loss = -sum(net[i] * cols[i] for i in range(len(instruments)))
    margin, b, worst = grid_margin(loss)
    equity = after + sum(pnls)
    im = margin + sum(a[0] for a in add_ons)
    mm = 0.5 * margin + sum(a[1] for a in add_ons)
    out = {"collateral_value": value, "collateral_after_haircut": after, "unrealised_pnl": sum(pnls),
           "equity": equity, "scenario_margin": margin, "binding_scenario": b, "worst_loss": worst,
           "initial_margin": im, "maintenance_margin": mm, "margin_ratio": mm / equity,
           "free_collateral": equity - im}
    for p, x in enumerate(pnls):
        out["position_pnl_%d" % p] = x
    iso_margin, iso_im, iso_mm = [], [], []
    for p, (i, q, _) in enumerate(positions):
        m, bp, _ = grid_margin(-q * cols[i])
        iso_margin.append(m)
        iso_im.append(m + add_ons[p][0])
        iso_mm.append(0.5 * m + add_ons[p][1])
        out["isolated_margin_%d" % p] = m
        out["isolated_binding_%d" % p] = bp
    for p in range(len(positions)):
        alloc = after * iso_im[p] / sum(iso_im)
        eq = alloc + pnls[p]
        out["isolated_allocation_%d" % p] = alloc
        out["isolated_equity_%d" % p] = eq
        out["isolated_free_%d" % p] = eq - iso_im[p]
    out["isolated_margin_sum"] = sum(iso_margin)
    out["netting_benefit"] = sum(iso_margin) - margin
    for k, v in out.items():
        rows.append((name, k, v))


def main():
    rows = []
    perp = {"kind": "linear", "size": 1.0}
    eth_inverse = {"kind": "inverse", "size": 10.0}
    call = {"kind": "option", "type": "call", "K": 75000.0, "expiry": MARCH27, "size": 1.0}
    states = [{"F": 70000.0}, {"F": 2000.0}, {"F": 70000.0, "vol": 0.52}]
    # three_positions: +2 BTC perp @65000, -1000 ETH inverse perp (face 10) @2100, -1 call @2500;
    # 50,000 USDT (LT 1) and 1.5 BTC at 70,000 (LT 0.9); add-ons (IM, MM) per position.
    account("three_positions", [perp, eth_inverse, call], states,
            [(0, 2.0, 65000.0), (1, -1000.0, 2100.0), (2, -1.0, 2500.0)],
            [(50000.0, 1.0, 1.0), (1.5, 70000.0, 0.9)],
            [(500.0, 250.0), (0.0, 0.0), (100.0, 50.0)], rows)
    # covered_call: +1 BTC perp @70000, -1 call 75000 @2000; 20,000 USDT; no add-ons.
    account("covered_call", [perp, call], [states[0], states[2]],
            [(0, 1.0, 70000.0), (1, -1.0, 2000.0)], [(20000.0, 1.0, 1.0)],
            [(0.0, 0.0), (0.0, 0.0)], rows)
    with open(os.path.join(HERE, "account_reference.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["account", "item", "value"])
        for a, k, v in rows:
            w.writerow([a, k, "%.17g" % v])


if __name__ == "__main__":
    main()
