# SPDX-License-Identifier: MIT
"""The Dask sweep of examples/python/sweep.py: the frontier on a hand-made table; the sweep on a
LocalCluster of 2 worker processes equals the serial sweep bit for bit; the command line writes
its CSVs, plot and summary.

The Dask tests need Debian's python3-dask, python3-distributed and python3-matplotlib. Without
them they fail, saying so, unless DYNMARGIN_SKIP_DASK_TESTS=1 (then they are skipped); the
frontier tests need neither."""

import importlib
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import dynmargin
from conftest import SOURCE_DIR

sys.path.insert(0, str(SOURCE_DIR / "examples" / "python"))
import sweep  # noqa: E402  (examples/python/sweep.py)

INSTRUMENTS = ["btc", "eth"]

# Debian's tornado 6.2 under distributed 2022.12: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:make_current is deprecated:DeprecationWarning")


def needs(*modules):
    """Imports `modules` or fails the test, naming the Debian packages (skips instead when
    DYNMARGIN_SKIP_DASK_TESTS=1)."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            message = (f"{module} is not importable ({error}): apt-get install python3-dask python3-distributed "
                       f"python3-matplotlib (.ci/install-deps), or set DYNMARGIN_SKIP_DASK_TESTS=1 to skip the Dask "
                       f"sweep tests")
            if os.environ.get("DYNMARGIN_SKIP_DASK_TESTS") == "1":
                pytest.skip(message)
            pytest.fail(message, pytrace=False)


def python_path():
    """PYTHONPATH with the folder of the dynmargin this process imported first, so that worker
    processes and the command line import the same package."""
    here = str(pathlib.Path(dynmargin.__file__).resolve().parents[1])
    rest = os.environ.get("PYTHONPATH", "")
    return here if not rest else here + os.pathsep + rest


def assert_tables_bitwise_equal(actual, expected):
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    for name in expected.columns:
        if expected[name].dtype == np.float64:
            a, e = actual[name].to_numpy(), expected[name].to_numpy()
            same = (a.view(np.uint64) == e.view(np.uint64)) | (np.isnan(a) & np.isnan(e))
            assert same.all(), f"{name}: {int((~same).sum())} values differ in their bits"


# --- the frontier on a hand-made table --------------------------------------------------------

def table(rows):
    return pd.DataFrame(rows, columns=["instrument", "config", "kupiec_p", "christoffersen_p_cc", "mean_rate",
                                       "largest_5d_increase"])


def test_frontier_dominance_acceptance_and_ties():
    rows = table([
        ("a", "cheap", 0.50, 0.50, 0.10, 0.50),         # frontier: the lowest cost accepted
        ("a", "calm", 0.30, 0.40, 0.12, 0.30),          # frontier: less increase, more cost
        ("a", "calm_twin", 0.90, 0.90, 0.12, 0.30),     # equal to calm on both: a tie, both stay
        ("a", "calm_ulp", 0.90, 0.90, 0.12, 0.30 + 4e-16),  # apart by rounding only: a tie too
        ("a", "worse", 0.50, 0.50, 0.12, 0.50),         # dominated by cheap (same increase, costs more) and calm
        ("a", "rejected_best", 0.01, 0.50, 0.05, 0.05),  # would dominate all, but Kupiec rejects it
        ("a", "no_test", 0.50, math.nan, 0.06, 0.06),   # no Christoffersen p: not accepted
        ("a", "at_level", 0.05, 0.05, 0.20, 0.20),      # p equal to the significance passes; frontier
        ("a", "no_increase", 0.50, 0.50, 0.01, math.nan),  # accepted, but not comparable: off the frontier
        ("b", "alone", 0.50, 0.50, 0.90, 0.90),         # another instrument: its own frontier
        ("b", "costly", 0.50, 0.50, 0.95, 0.90),        # dominated within b
    ])
    before = rows.copy()
    marked = sweep.mark_frontier(rows, significance=0.05)
    pd.testing.assert_frame_equal(rows, before)  # the input is left alone
    assert list(marked["config"]) == list(rows["config"])
    accepted = dict(zip(marked["config"], marked["accepted"]))
    frontier = dict(zip(marked["config"], marked["on_frontier"]))
    assert {c for c, a in accepted.items() if not a} == {"rejected_best", "no_test"}
    assert {c for c, f in frontier.items() if f} == {"cheap", "calm", "calm_twin", "calm_ulp", "at_level", "alone"}
    # A stricter significance rejects at_level; cheap and calm stay.
    strict = sweep.mark_frontier(rows, significance=0.10)
    assert not strict.set_index("config").loc["at_level", "accepted"]
    assert strict.set_index("config").loc[["cheap", "calm"], "on_frontier"].all()
    # Without the tolerance the last bits decide: calm_ulp is dominated by calm.
    exact = sweep.mark_frontier(rows, tolerance=0.0).set_index("config")
    assert not exact.loc["calm_ulp", "on_frontier"] and exact.loc["calm_twin", "on_frontier"]


def test_the_best_is_the_cheapest_of_the_least_increase_on_the_frontier():
    rows = table([
        ("a", "plain", 0.5, 0.5, 0.10, 3.0),
        ("a", "tight_dear", 0.5, 0.5, 0.20, 0.10),
        ("a", "tight_cheap", 0.5, 0.5, 0.15, 0.10 + 3e-16),
        ("a", "tighter_rejected", 0.01, 0.5, 0.15, 0.05),
    ]).assign(baseline=[True, False, False, False])
    best, baseline = sweep.best_and_baseline(sweep.mark_frontier(rows), "a")
    assert best["config"] == "tight_cheap" and baseline["config"] == "plain"
    nothing = sweep.mark_frontier(rows.assign(kupiec_p=0.0))
    assert sweep.best_and_baseline(nothing, "a")[0] is None


def test_the_grids_name_every_config_and_hold_the_baseline():
    small, full = sweep.grid("small"), sweep.grid("full")
    assert len(small) == 16 and len(full) == 4 * 16 * 4 * 4
    for cells in (small, full):
        names = [cell["name"] for cell in cells]
        assert len(set(names)) == len(names)
        assert [cell["name"] for cell in cells if cell["baseline"]] == ["ewma0.94"]
    # Off is 0 and makes no policy; the order is apc_buffer, speed_limit, floor.
    cell = next(c for c in full if c["name"] == "ewma0.97_apc0.25_sl0.1w5_floor0.05")
    assert [p["type"] for p in cell["config"]["policies"]] == ["apc_buffer", "speed_limit", "floor"]
    assert (cell["lambda"], cell["sl_max_increase"], cell["sl_window"], cell["apc_buffer"], cell["floor"]) == \
        (0.97, 0.1, 5, 0.25, 0.05)
    assert next(c for c in full if c["name"] == "ewma0.94")["config"]["policies"] == []
    # Every config is one the library reads.
    for cell in small:
        dynmargin.MarginFunction(cell["config"])
    # A grid without the baseline's lambda gets the baseline added.
    assert sweep.make_grid([0.97], [0.0], [5], [0.0], [0.0])[0]["name"] == "ewma0.94"


# --- serial against a LocalCluster ------------------------------------------------------------

@pytest.fixture(scope="module")
def instruments():
    return sweep.load_instruments(INSTRUMENTS)


@pytest.fixture(scope="module")
def serial(instruments):
    return sweep.run_sweep(instruments, sweep.grid("small"))


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 single-threaded worker processes, which import this dynmargin."""
    needs("dask", "distributed")
    from dask.distributed import LocalCluster
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = python_path()  # the worker processes inherit the environment
    try:
        local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved
    yield local
    local.close()


def test_the_serial_sweep_scores_every_config_on_the_same_days(serial):
    assert len(serial) == 16 * len(INSTRUMENTS)
    assert list(serial.columns) == sweep.COLUMNS
    for name in INSTRUMENTS:
        rows = serial[serial["instrument"] == name]
        assert rows["observations"].nunique() == 1 and rows["observations"].iloc[0] > 1500
        assert rows["accepted"].any() and rows["on_frontier"].any()
    assert not serial["accepted"].all(), "the small grid should reject some configs (too few exceptions)"
    # The speed limit of 25% per 5 days is what bounds the largest 5-day increase.
    limited = serial[serial["sl_max_increase"] == 0.25]
    assert (limited["largest_5d_increase"] < serial[serial["sl_max_increase"] == 0]["largest_5d_increase"].min()).all()


def test_a_local_cluster_of_two_workers_gives_the_serial_table_bit_for_bit(cluster, instruments, serial):
    from dask.distributed import Client
    with Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        distributed = sweep.run_sweep(instruments, sweep.grid("small"), client)
    assert_tables_bitwise_equal(distributed, serial)


@pytest.mark.parametrize("where", ["scheduler", "local_cluster"])
def test_the_command_line_writes_the_csvs_the_plot_and_the_summary(cluster, serial, tmp_path, where):
    """--scheduler: the running cluster; without it the script starts a LocalCluster of its own
    (2 worker processes) and closes it."""
    needs("matplotlib")
    out = tmp_path / "out"
    if where == "scheduler":
        options = ["--scheduler", cluster.scheduler_address]
        said = f"on the Dask cluster at {cluster.scheduler_address}"
    else:
        options, said = ["--workers", "2"], "on a LocalCluster of 2 workers"
    done = subprocess.run(
        [sys.executable, str(SOURCE_DIR / "examples" / "python" / "sweep.py"), *options, "--grid", "small",
         "--instruments", ",".join(INSTRUMENTS), "--out", str(out)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": python_path()}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"16 configs x 2 instruments = 32 backtests {said}" in done.stdout
    for name in INSTRUMENTS:
        assert f"### {name.upper()}: " in done.stdout
    assert done.stdout.count("| plain EWMA ES | `ewma0.94` |") == 2
    assert done.stdout.count("| smallest 5-day increase, accepted | `") == 2
    # The CSVs hold the sweep's numbers exactly (shortest round-trip text, read back exactly).
    written = pd.read_csv(out / "sweep.csv", float_precision="round_trip")
    assert_tables_bitwise_equal(written, serial)
    frontier = pd.read_csv(out / "frontier.csv", float_precision="round_trip")
    assert_tables_bitwise_equal(frontier, serial[serial["on_frontier"]].reset_index(drop=True))
    png = (out / "frontier.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    assert (out / "summary.md").read_text() in done.stdout


def test_the_command_line_runs_without_dask(serial, tmp_path):
    needs("matplotlib")
    out = tmp_path / "out"
    sweep.main(["--workers", "0", "--grid", "small", "--instruments", ",".join(INSTRUMENTS), "--out", str(out)])
    written = pd.read_csv(out / "sweep.csv", float_precision="round_trip")
    assert_tables_bitwise_equal(written, serial)
