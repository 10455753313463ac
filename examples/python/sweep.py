# SPDX-License-Identifier: MIT
"""Which policy parameters keep coverage and move least in a crash? A sweep on Dask.

Every cell of a grid of margin policies (EWMA decay; a speed limit's size and window; an EMIR
APC buffer; a floor) is backtested on several instruments' daily closes, one
`dynmargin.backtest` per cell. Dask (`dask.distributed`) spreads the cells over its workers;
the library is the kernel of each task, and the price data is scattered to the workers once.
Then, per instrument:

* **accepted**: the margin passes both coverage tests of the 99% backtest, Kupiec's
  unconditional coverage (p >= SIGNIFICANCE) and Christoffersen's conditional coverage
  (p_cc >= SIGNIFICANCE), on non-overlapping 2-day periods;
* **on the frontier**: accepted, and no other accepted configuration of the instrument has a
  mean margin and a largest 5-day margin increase both at most its own, one of them lower
  (the coverage-versus-procyclicality frontier of Murphy, Vasios and Vause, 2014).

Every config computes the raw rate as a CCP would on daily data: EWMA volatility, parametric
normal expected shortfall at 99% over a 2-day margin period of risk (`RISK`). The policies run
in the order APC buffer, speed limit, floor (docs/margin.md: memory policies after the policies
that rescale margin, floors last). The baseline is plain EWMA ES: RiskMetrics' lambda 0.94 and
no policy. Every instrument is backtested on its whole shipped history (`--common-dates` keeps
only the dates all of them share), with the first `WARMUP` days not evaluated, so that every
configuration, whatever its EWMA burn-in, is scored on the same days.

Run serially, on a LocalCluster or on any Dask cluster, the sweep gives the same table bit for
bit (python/tests/test_sweep.py checks it):

    sweep.py --workers 2 --grid small --out /tmp/sweep          # a LocalCluster of 2 processes
    sweep.py --scheduler tcp://scheduler:8786 --grid full       # a running Dask cluster
    sweep.py --workers 0                                        # in-process, without Dask

It writes OUT/sweep.csv (every cell), OUT/frontier.csv (the frontier), OUT/frontier.png (mean
margin against largest 5-day increase, one panel per instrument) and OUT/summary.md (the table
it prints: per instrument, the accepted configuration with the smallest largest 5-day
increase against the plain EWMA ES baseline). docs/python.md, "Sweeps on Dask", has more.
"""

import argparse
import itertools
import math
import pathlib
import sys
import time
import warnings

import numpy as np
import pandas as pd

import dynmargin

#: The risk measure of every config: parametric normal ES at 99% over 2 daily steps.
RISK = {"method": "parametric", "confidence": 0.99, "horizon": 2, "dist": "normal", "statistic": "es"}
#: Both coverage tests must give at least this p-value for a configuration to be accepted.
SIGNIFICANCE = 0.05
#: Rows (days) not evaluated at the start: more than the EWMA burn-in of every grid lambda
#: (229 returns at 0.98) and one APC lookback (250).
WARMUP = 250
#: Criteria closer than this (fractions of notional; relative increases) are equal on the frontier.
TOLERANCE = 1e-9
#: RiskMetrics' daily decay: the plain EWMA ES baseline.
BASELINE_LAMBDA = 0.94

#: The grids of the command line. A 0 switches a policy off (for the speed limit, max_increase
#: 0: no speed limit, whatever the window); every grid holds the no-policy config of each lambda.
GRIDS = {
    "small": {"lambdas": (0.94, 0.97), "max_increases": (0.0, 0.25), "windows": (5,),
              "buffers": (0.0, 0.50), "floors": (0.0, 0.15)},
    "full": {"lambdas": (0.94, 0.96, 0.97, 0.98), "max_increases": (0.0, 0.05, 0.10, 0.25, 0.50, 1.00),
             "windows": (1, 5, 10), "buffers": (0.0, 0.10, 0.25, 0.50), "floors": (0.0, 0.05, 0.10, 0.15)},
}

DATA_DIR = pathlib.Path(__file__).resolve().parents[1] / "data"

#: The parameter columns of the sweep table, in grid order.
PARAMETERS = ["lambda", "sl_max_increase", "sl_window", "apc_buffer", "floor"]
#: The columns of the sweep table.
COLUMNS = (["instrument", "config"] + PARAMETERS +
           ["baseline", "first_day", "last_day", "observations", "exceptions", "exception_rate", "test_observations",
            "test_exceptions", "kupiec_p", "christoffersen_p_cc", "traffic_light", "mean_rate", "largest_5d_increase",
            "peak_to_trough", "largest_call", "accepted", "on_frontier"])


# --- the grid ---------------------------------------------------------------------------------

def _number(x):
    """A grid value as written in a config name: 0.1, 0.25, 1."""
    return f"{x:g}"


def config_name(lam, max_increase=0.0, window=0, buffer=0.0, floor=0.0):
    """The config's name, from its parameters: ewma0.97, ewma0.97_apc0.25_sl0.25w5_floor0.1."""
    parts = [f"ewma{_number(lam)}"]
    if buffer > 0:
        parts.append(f"apc{_number(buffer)}")
    if max_increase > 0:
        parts.append(f"sl{_number(max_increase)}w{window}")
    if floor > 0:
        parts.append(f"floor{_number(floor)}")
    return "_".join(parts)


def make_config(lam, max_increase=0.0, window=0, buffer=0.0, floor=0.0, risk=None):
    """The JSON config (docs/margin.md) of one cell: EWMA(lam) and `risk` (default RISK), then
    the policies that are on, in the order apc_buffer, speed_limit, floor."""
    policies = []
    if buffer > 0:
        policies.append({"type": "apc_buffer", "buffer": float(buffer)})
    if max_increase > 0:
        policies.append({"type": "speed_limit", "max_increase": float(max_increase), "window": int(window)})
    if floor > 0:
        policies.append({"type": "floor", "rate": float(floor)})
    return {"name": config_name(lam, max_increase, window, buffer, floor),
            "volatility": {"model": "ewma", "lambda": float(lam)},
            "risk": dict(RISK if risk is None else risk),
            "policies": policies}


def make_grid(lambdas, max_increases, windows, buffers, floors, risk=None, baseline_lambda=BASELINE_LAMBDA):
    """The cells of a grid: a list of dicts with the parameters (PARAMETERS), "name", "config"
    and "baseline" (True for the plain EWMA ES config: `baseline_lambda`, no policy, added when
    the grid lacks it). A 0 in `max_increases`, `buffers` or `floors` switches that policy off;
    the speed limit's off value makes one cell, not one per window. Names are unique."""
    speed_limits = []
    for x in max_increases:
        if x > 0:
            speed_limits.extend((float(x), int(n)) for n in windows)
        elif (0.0, 0) not in speed_limits:
            speed_limits.append((0.0, 0))
    cells = []
    for lam, (x, n), b, f in itertools.product(lambdas, speed_limits, buffers, floors):
        cells.append({"lambda": float(lam), "sl_max_increase": x, "sl_window": n, "apc_buffer": float(b),
                      "floor": float(f), "name": config_name(lam, x, n, b, f),
                      "config": make_config(lam, x, n, b, f, risk),
                      "baseline": float(lam) == float(baseline_lambda) and x == 0 and b == 0 and f == 0})
    if not any(cell["baseline"] for cell in cells):
        lam = float(baseline_lambda)
        cells.insert(0, {"lambda": lam, "sl_max_increase": 0.0, "sl_window": 0, "apc_buffer": 0.0, "floor": 0.0,
                         "name": config_name(lam), "config": make_config(lam, risk=risk), "baseline": True})
    names = [cell["name"] for cell in cells]
    if len(set(names)) != len(names):
        raise ValueError("make_grid: two cells have the same name; give distinct values")
    return cells


def grid(name="small", **overrides):
    """The cells of a named grid of GRIDS ("small" or "full"), with any list replaced."""
    return make_grid(**{**GRIDS[name], **overrides})


# --- data -------------------------------------------------------------------------------------

def load_daily(name, data_dir=DATA_DIR):
    """Closes of DATA_DIR/<name>_usd_daily.csv (Yahoo's format: Date, ..., Close), oldest first,
    as a Series on a DatetimeIndex (midnight UTC). Read exactly (round-trip float parsing)."""
    path = pathlib.Path(data_dir) / f"{name}_usd_daily.csv"
    frame = pd.read_csv(path, usecols=["Date", "Close"], float_precision="round_trip")
    index = pd.DatetimeIndex(pd.to_datetime(frame["Date"], format="%Y-%m-%d"), name="date")
    series = pd.Series(frame["Close"].to_numpy(dtype=np.float64), index=index, name=name).sort_index()
    if not series.index.is_unique:
        raise ValueError(f"{path}: repeated dates")
    return series


def load_instruments(names, data_dir=DATA_DIR, common_dates=False):
    """{name: closes} for each name; with `common_dates`, only the dates all of them share."""
    instruments = {name: load_daily(name, data_dir) for name in names}
    if common_dates:
        shared = None
        for series in instruments.values():
            shared = series.index if shared is None else shared.intersection(series.index)
        instruments = {name: series.loc[shared] for name, series in instruments.items()}
    return instruments


# --- one cell ---------------------------------------------------------------------------------

def _float(value):
    """A report number; null (no value) as NaN."""
    return math.nan if value is None else float(value)


def largest_increase(report, days=5):
    """The largest `days`-day increase of margin (0.5 = +50%) from a backtest report: the
    procyclicality horizon of that many days, clipped at 0 as the library's policy_frontier
    does (a margin that never rose over 5 days); NaN when the report has no such horizon."""
    for horizon in report["procyclicality"]["horizons"]:
        if horizon["days"] == days:
            return max(0.0, _float(horizon["max_change"]))
    return math.nan


def cell_row(instrument, cell, report):
    """One row of the sweep table from a backtest report (accepted and on_frontier left to
    `mark_frontier`)."""
    row = {"instrument": instrument, "config": cell["name"]}
    row.update({name: cell[name] for name in PARAMETERS})
    row.update({
        "baseline": bool(cell["baseline"]),
        "first_day": pd.Timestamp(report["first_evaluated_time"], unit="s").strftime("%Y-%m-%d"),
        "last_day": pd.Timestamp(report["last_evaluated_time"], unit="s").strftime("%Y-%m-%d"),
        "observations": int(report["observations"]),
        "exceptions": int(report["exceptions"]),
        "exception_rate": _float(report["exception_rate"]),
        "test_observations": int(report["test_observations"]),
        "test_exceptions": int(report["test_exceptions"]),
        "kupiec_p": _float(report["kupiec"]["p_value"]),
        "christoffersen_p_cc": _float(report["christoffersen"]["p_cc"]),
        "traffic_light": report["traffic_light"]["zone"],
        "mean_rate": _float(report["mean_rate"]),
        "largest_5d_increase": largest_increase(report),
        "peak_to_trough": _float(report["procyclicality"]["peak_to_trough"]),
        "largest_call": _float(report["procyclicality"]["largest_call"]),
    })
    return row


# --- the frontier (pure) ----------------------------------------------------------------------

def mark_frontier(table, significance=SIGNIFICANCE, tolerance=TOLERANCE):
    """A copy of `table` with "accepted" and "on_frontier" set.

    accepted: kupiec_p >= significance and christoffersen_p_cc >= significance (a NaN p-value,
    no test, is not a pass). on_frontier: accepted, and no other accepted row of the same
    instrument dominates it: a mean_rate and a largest_5d_increase each at most `tolerance`
    above its own, and one of them more than `tolerance` below. So rows equal on both criteria,
    or apart only by rounding (a speed limit binding at 0.1 and at 0.1000000000000003), do not
    dominate each other, and a row is not kept on the frontier by the last bits of a double; a
    row with a NaN criterion is never on it. Needs the columns instrument, kupiec_p,
    christoffersen_p_cc, mean_rate and largest_5d_increase; the row order is kept."""
    out = table.copy()
    kupiec = out["kupiec_p"].to_numpy(dtype=np.float64)
    christoffersen = out["christoffersen_p_cc"].to_numpy(dtype=np.float64)
    accepted = (kupiec >= significance) & (christoffersen >= significance)  # NaN compares False
    cost = out["mean_rate"].to_numpy(dtype=np.float64)
    jump = out["largest_5d_increase"].to_numpy(dtype=np.float64)
    on_frontier = np.zeros(len(out), dtype=bool)
    instruments = out["instrument"].to_numpy()
    for instrument in pd.unique(instruments):
        rows = np.flatnonzero((instruments == instrument) & accepted & np.isfinite(cost) & np.isfinite(jump))
        c, j = cost[rows], jump[rows]
        # [a, b]: row b against row a.
        no_worse = (c[None, :] <= c[:, None] + tolerance) & (j[None, :] <= j[:, None] + tolerance)
        better = (c[None, :] < c[:, None] - tolerance) | (j[None, :] < j[:, None] - tolerance)
        on_frontier[rows] = ~(no_worse & better).any(axis=1)
    out["accepted"] = accepted
    out["on_frontier"] = on_frontier
    return out


# --- the sweep --------------------------------------------------------------------------------

def _check_workers(client):
    """Every worker imports dynmargin, the client's version; else a clear error or warning."""
    try:
        versions = client.run(getattr, dynmargin, "__version__")
    except Exception as error:  # a worker's ModuleNotFoundError arrives as a plain Exception
        raise RuntimeError(f"a Dask worker cannot import dynmargin ({error}); start the workers with the package "
                           f"importable, e.g. PYTHONPATH=<build>/python dask worker ...") from None
    other = {worker: v for worker, v in versions.items() if v != dynmargin.__version__}
    if other:
        warnings.warn(f"Dask workers run another dynmargin than this process ({dynmargin.__version__}): {other}; "
                      f"their results may differ from a serial run", RuntimeWarning, stacklevel=3)
    if not versions:
        raise RuntimeError("the Dask cluster has no workers")


def run_sweep(instruments, grid, client=None, *, significance=SIGNIFICANCE, warmup=WARMUP, side="long",
              simulations=1000, seed=20140101):
    """Backtests every cell of `grid` (make_grid) on every instrument ({name: Series of closes on
    a DatetimeIndex}) and returns the sweep table: one row per (instrument, config), in the
    order of `instruments` then of `grid`, with the columns COLUMNS.

    client=None: every backtest runs here, one after the other. A dask.distributed Client: each
    instrument's prices are scattered to the workers once, then one task per cell
    (client.map of dynmargin.backtest); the workers must import dynmargin. Both give the same
    table, bit for bit. warmup, side, simulations and seed are dynmargin.backtest's; the
    coverage tested is each config's risk.confidence (99%), over its risk.horizon."""
    names = list(instruments)
    options = {"warmup": warmup, "side": side, "simulations": simulations, "seed": seed}
    if client is None:
        reports = {name: [dynmargin.backtest(cell["config"], instruments[name], **options) for cell in grid]
                   for name in names}
    else:
        _check_workers(client)
        futures = {}
        for name in names:
            prices = client.scatter(instruments[name], broadcast=True)  # once, not once per task
            futures[name] = client.map(dynmargin.backtest, [cell["config"] for cell in grid], prices=prices,
                                       key=f"dynmargin-backtest-{name}", pure=True, **options)
        reports = {name: client.gather(futures[name]) for name in names}
    rows = [cell_row(name, cell, report) for name in names for cell, report in zip(grid, reports[name])]
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("accepted", "on_frontier")])
    # Deterministic order whatever the gathering did: instruments as given, then the grid's order.
    order = {name: i for i, name in enumerate(names)}
    place = {cell["name"]: i for i, cell in enumerate(grid)}
    table = table.assign(_i=table["instrument"].map(order), _c=table["config"].map(place))
    table = table.sort_values(["_i", "_c"], kind="mergesort").drop(columns=["_i", "_c"]).reset_index(drop=True)
    for name in names:
        counts = table.loc[table["instrument"] == name, "observations"].unique()
        if len(counts) > 1:
            warnings.warn(f"{name}: the configs were scored on different numbers of days ({sorted(counts)}); raise "
                          f"warmup above the longest EWMA burn-in so that they compare on the same days",
                          RuntimeWarning, stacklevel=2)
    return mark_frontier(table, significance)


# --- outputs ----------------------------------------------------------------------------------

def best_and_baseline(table, instrument, tolerance=TOLERANCE):
    """(the accepted row of `instrument` with the smallest largest 5-day increase, or None when
    nothing is accepted; the baseline row). The first is taken from the frontier: of the rows
    within `tolerance` of the smallest increase, the one with the lowest mean margin, then the
    first in grid order."""
    rows = table[table["instrument"] == instrument]
    baseline = rows[rows["baseline"]].iloc[0]
    frontier = rows[rows["on_frontier"]]
    if frontier.empty:
        return None, baseline
    least = frontier["largest_5d_increase"].min()
    tied = frontier[frontier["largest_5d_increase"] <= least + tolerance]
    return tied.loc[tied["mean_rate"].idxmin()], baseline


def _pct(x):
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"


def _p(x):
    return "n/a" if not np.isfinite(x) else f"{x:.3f}"


def summary_markdown(table, significance=SIGNIFICANCE):
    """Per instrument, a Markdown table: the accepted config with the smallest largest 5-day
    increase against the plain EWMA ES baseline."""
    lines = []
    for instrument in pd.unique(table["instrument"]):
        rows = table[table["instrument"] == instrument]
        best, baseline = best_and_baseline(table, instrument)
        first = rows.iloc[0]
        lines.append(f"### {instrument.upper()}: {first['first_day']} .. {first['last_day']}, "
                     f"{first['observations']} days scored, {int(rows['accepted'].sum())} of {len(rows)} configs "
                     f"accepted, {int(rows['on_frontier'].sum())} on the frontier")
        lines.append("")
        lines.append("| | config | mean margin | largest 5-day increase | peak/trough | exceptions (2-day, all days) "
                     "| test exceptions | Kupiec p | Christoffersen p_cc | accepted |")
        lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
        entries = [("smallest 5-day increase, accepted", best), ("plain EWMA ES", baseline)]
        for label, row in entries:
            if row is None:
                lines.append(f"| {label} | none accepted | | | | | | | | |")
                continue
            lines.append(f"| {label} | `{row['config']}` | {_pct(row['mean_rate'])} | "
                         f"{_pct(row['largest_5d_increase'])} | {row['peak_to_trough']:.2f} | "
                         f"{row['exceptions']} / {row['observations']} | "
                         f"{row['test_exceptions']} / {row['test_observations']} | {_p(row['kupiec_p'])} | "
                         f"{_p(row['christoffersen_p_cc'])} | {'yes' if row['accepted'] else 'no'} |")
        lines.append("")
    lines.append(f"Risk: EWMA, parametric normal ES {100 * RISK['confidence']:g}% over {RISK['horizon']} days; "
                 f"accepted: Kupiec and Christoffersen (conditional coverage) p >= {significance:g} at 99% VaR "
                 f"coverage, on non-overlapping 2-day periods.")
    return "\n".join(lines) + "\n"


def plot_frontier(table, path):
    """OUT/frontier.png: per instrument, mean margin against largest 5-day increase; rejected
    configs grey crosses, accepted ones blue dots, the frontier in red (its config with the
    smallest increase named), the baseline a star."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    instruments = list(pd.unique(table["instrument"]))
    figure, axes = plt.subplots(1, len(instruments), figsize=(5.2 * len(instruments), 4.6), squeeze=False)
    for axis, instrument in zip(axes[0], instruments):
        rows = table[table["instrument"] == instrument]
        rejected, accepted = rows[~rows["accepted"]], rows[rows["accepted"]]
        frontier = rows[rows["on_frontier"]].sort_values(["largest_5d_increase", "mean_rate"])
        baseline = rows[rows["baseline"]]
        axis.scatter(100 * rejected["largest_5d_increase"], 100 * rejected["mean_rate"], marker="x", s=14,
                     color="0.65", linewidths=0.8, label=f"rejected ({len(rejected)})")
        axis.scatter(100 * accepted["largest_5d_increase"], 100 * accepted["mean_rate"], marker="o", s=14,
                     color="tab:blue", alpha=0.7, label=f"accepted ({len(accepted)})")
        axis.plot(100 * frontier["largest_5d_increase"], 100 * frontier["mean_rate"], "-o", color="tab:red", ms=5,
                  lw=1.2, zorder=4, label=f"frontier ({len(frontier)})")
        axis.scatter(100 * baseline["largest_5d_increase"], 100 * baseline["mean_rate"], marker="*", s=180,
                     color="gold", edgecolors="black", zorder=5, label="plain EWMA ES")
        best, _ = best_and_baseline(table, instrument)
        if best is not None:
            axis.annotate(best["config"], (100 * best["largest_5d_increase"], 100 * best["mean_rate"]),
                          xytext=(25, 45), textcoords="offset points", fontsize=8, color="tab:red", zorder=6,
                          bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "tab:red", "lw": 0.6},
                          arrowprops={"arrowstyle": "-", "color": "tab:red", "lw": 0.8})
        axis.set_title(f"{instrument.upper()} daily, {rows.iloc[0]['first_day']} .. {rows.iloc[0]['last_day']}")
        axis.set_xlabel("largest 5-day margin increase (%)")
        axis.set_ylabel("mean margin (% of notional)")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle("Coverage vs procyclicality: 99% ES, 2-day MPOR; accepted = Kupiec and Christoffersen pass")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_outputs(table, out_dir, significance=SIGNIFICANCE):
    """OUT/sweep.csv, OUT/frontier.csv, OUT/frontier.png and OUT/summary.md; returns the summary."""
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sweep.csv", index=False)
    table[table["on_frontier"]].to_csv(out / "frontier.csv", index=False)
    plot_frontier(table, out / "frontier.png")
    summary = summary_markdown(table, significance)
    (out / "summary.md").write_text(summary, encoding="utf-8")
    return summary


# --- command line -----------------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://host:8786")
    where.add_argument("--workers", type=int, default=2, metavar="N",
                       help="start a LocalCluster of N single-threaded worker processes (default 2; 0: no Dask, "
                            "run in this process)")
    parser.add_argument("--grid", choices=sorted(GRIDS), default="small", help="the grid of policies (default small)")
    parser.add_argument("--instruments", default="btc,eth,sol",
                        help="comma-separated names of DATA/<name>_usd_daily.csv (default btc,eth,sol)")
    parser.add_argument("--data", default=str(DATA_DIR), metavar="DIR",
                        help="the price files' folder (default: the repository's examples/data)")
    parser.add_argument("--out", default="sweep_out", metavar="DIR", help="where the outputs go (default sweep_out)")
    parser.add_argument("--common-dates", action="store_true",
                        help="backtest every instrument on the dates they all share (default: each its whole history)")
    parser.add_argument("--significance", type=float, default=SIGNIFICANCE,
                        help=f"least p-value of both coverage tests for 'accepted' (default {SIGNIFICANCE})")
    parser.add_argument("--warmup", type=int, default=WARMUP,
                        help=f"days not evaluated at the start (default {WARMUP})")
    parser.add_argument("--side", choices=["long", "short"], default="long",
                        help="the position backtested (default long)")
    args = parser.parse_args(argv)
    if args.workers < 0:
        parser.error("--workers must be 0 or more")
    return args


def main(argv=None):
    args = parse_args(argv)
    names = [name.strip() for name in args.instruments.split(",") if name.strip()]
    instruments = load_instruments(names, args.data, args.common_dates)
    cells = grid(args.grid)
    options = {"significance": args.significance, "warmup": args.warmup, "side": args.side}
    if args.scheduler is None and args.workers == 0:
        where = "in this process"
        started = time.perf_counter()
        table = run_sweep(instruments, cells, **options)
        seconds = time.perf_counter() - started
    else:
        from dask.distributed import Client, LocalCluster
        cluster = None
        if args.scheduler is None:
            cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            where = f"on a LocalCluster of {args.workers} workers"
        else:
            where = f"on the Dask cluster at {args.scheduler}"
        try:
            with Client(cluster if cluster is not None else args.scheduler) as client:
                started = time.perf_counter()
                table = run_sweep(instruments, cells, client, **options)
                seconds = time.perf_counter() - started
        finally:
            if cluster is not None:
                cluster.close()
    summary = write_outputs(table, args.out, args.significance)
    print(f"{len(cells)} configs x {len(names)} instruments = {len(table)} backtests {where} in {seconds:.2f} s; "
          f"{int(table['on_frontier'].sum())} on the frontier; outputs in {args.out}/\n")
    print(summary, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
