# SPDX-License-Identifier: MIT
"""Margin functions from the CLI's JSON configs and backtests: every column of `dynmargin margin`
and the whole report of `dynmargin backtest`, bit for bit, on the shipped configs and data;
streaming update/quote against the vectorised run; times as datetime64 or seconds; bad input."""

import copy
import json
import math
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import dynmargin
from conftest import EXAMPLE_DATA, SOURCE_DIR, assert_bitwise_equal, cli_csv, read_rows

CONFIGS = sorted((SOURCE_DIR / "examples" / "configs").glob("*.json"))
DAILY = EXAMPLE_DATA / "btc_usd_daily.csv"


def daily(name="btc_usd_daily.csv"):
    """Dates (datetime64[ns], midnight UTC) and closes of a shipped daily file, oldest first."""
    rows = read_rows(EXAMPLE_DATA / name)
    times = np.array([row["Date"] for row in rows], dtype="datetime64[ns]")
    closes = np.array([float(row["Close"]) for row in rows])
    return times, closes


def without_nan(quote):
    """A quote with NaN (no value) as None, so that two quotes compare equal."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in quote.items()}


def number(text):
    return float(text) if text != "" else math.nan


def test_the_configs_are_shipped():
    assert len(CONFIGS) >= 4, CONFIGS


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
@pytest.mark.parametrize("position", [1.0, -2500.0])
def test_run_equals_dynmargin_margin_in_every_column(cli, config, position):
    times, closes = daily()
    rows = cli_csv(cli("margin", "--config", config, "--input", DAILY, "--position", position))
    frame = dynmargin.MarginFunction(config).run(closes, times=times, position=position)
    assert len(frame) == len(rows)
    header = list(rows[0].keys())
    # Every column of the tool is in the frame, in the tool's order.
    assert list(frame.columns) == header, (list(frame.columns), header)
    ready = [row["binding"] != "warmup" for row in rows]
    assert sum(ready) > 100, "the comparison must cover quoted rows"
    for name in header:
        expected = [row[name] for row in rows]
        if name == "binding":
            assert list(frame[name]) == expected
        elif name in ("price_suspect", "stale"):
            assert list(frame[name].astype(int)) == [int(v) for v in expected]
        elif name == "time":
            assert list(frame[name].dt.strftime("%Y-%m-%dT%H:%M:%SZ")) == expected
        elif name == "row":
            # the tool numbers the file's lines (header on line 1), the module the input rows
            assert list(frame[name] + 2) == [int(v) for v in expected]
        else:
            assert_bitwise_equal(frame[name].to_numpy(), [number(v) for v in expected], f"{config.stem}: {name}")
    assert isinstance(frame.index, pd.DatetimeIndex) and str(frame.index.tz) == "UTC"


def test_streaming_update_and_quote_equal_the_run():
    times, closes = daily()
    config = SOURCE_DIR / "examples" / "configs" / "dydx_like.json"
    assert "bar" not in json.loads(config.read_text())
    run = dynmargin.MarginFunction(config).run(closes, times=times, position=1000.0)
    stream = dynmargin.MarginFunction.from_config(config)
    quotes = []
    for t, p in zip(times, closes):
        assert stream.update(t, p) == "ok"
        quotes.append(stream.quote(1000.0))
    for name in ("raw_rate", "initial_rate", "maintenance_rate", "initial_amount", "maintenance_amount"):
        assert_bitwise_equal([q[name] for q in quotes], run[name].to_numpy(), name)
    assert [q["binding"] for q in quotes] == list(run["binding"])
    for column in stream.policy_columns:
        assert_bitwise_equal([q["policies"][column] for q in quotes], run[column].to_numpy(), column)
    # The run left the streaming function alone, and a time that does not move on changes nothing.
    before = stream.quote(1000.0)
    with pytest.raises(ValueError, match="time must be later than the last price's"):
        stream.update(times[-1], closes[-1] * 2)
    assert without_nan(stream.quote(1000.0)) == without_nan(before)
    # A price the guard rejects keeps the margin and says so.
    assert stream.update(times[-1] + np.timedelta64(1, "D"), math.nan) == "non_finite_input"
    after = stream.quote(1000.0)
    assert after["price_suspect"] and after["initial_rate"] == before["initial_rate"]
    # Quoted with a time: the age of the last accepted price, whatever type the time has.
    last = pd.Timestamp(times[-1])
    later = stream.quote(1000.0, now=times[-1] + np.timedelta64(3, "h"))
    assert later["price_age"] == 3 * 3600.0
    assert stream.quote(1000.0, now=last + pd.Timedelta(hours=3))["price_age"] == 3 * 3600.0
    assert stream.quote(1000.0, now=(last + pd.Timedelta(hours=3)).tz_localize("UTC").tz_convert("Asia/Tokyo")
                        .to_pydatetime())["price_age"] == 3 * 3600.0
    assert stream.quote(1000.0, now=last.timestamp() + 3 * 3600)["price_age"] == 3 * 3600.0


def test_times_as_seconds_datetime64_or_a_series_index_give_the_same_run():
    times, closes = daily()
    config = SOURCE_DIR / "examples" / "configs" / "ccp_apc.json"
    function = dynmargin.MarginFunction(config)
    as_dates = function.run(closes, times=times)
    as_seconds = function.run(closes, times=times.astype("datetime64[s]").astype(np.int64).astype(np.float64))
    as_series = function.run(pd.Series(closes, index=pd.DatetimeIndex(times).tz_localize("Europe/Zurich")
                                       .tz_convert("UTC")))
    for other in (as_seconds, as_series):
        pd.testing.assert_frame_equal(as_dates, other)


def test_backtest_equals_dynmargin_backtest(cli):
    times, closes = daily()
    config = SOURCE_DIR / "examples" / "configs" / "ccp_apc.json"
    expected = json.loads(cli("backtest", "--config", config, "--input", DAILY, "--horizon", "2d", "--warmup", "30d"))
    for key in ("input", "column"):  # what the tool says of its input file
        del expected[key]
    report = dynmargin.backtest(str(config), closes, times=times, horizon="2d", warmup="30d")
    assert report == expected
    assert report["observations"] > 1000


def test_several_configs_are_reported_with_the_frontier_as_the_tool_does(cli):
    times, closes = daily("eth_usd_daily.csv")
    configs = [str(c) for c in CONFIGS]
    expected = json.loads(cli("backtest", *[a for c in configs for a in ("--config", c)], "--input",
                              EXAMPLE_DATA / "eth_usd_daily.csv", "--side", "short", "--simulations", "200"))
    for report in expected.values():
        del report["input"], report["column"]
    reports = dynmargin.backtest(configs, pd.Series(closes, index=pd.DatetimeIndex(times)), side="short",
                                 simulations=200)
    assert reports == expected
    assert any(r["frontier"]["on_frontier"] for r in reports.values())


def test_a_dict_config_equals_its_file_and_is_named_by_its_name():
    times, closes = daily()
    path = SOURCE_DIR / "examples" / "configs" / "dydx_like.json"
    config = json.loads(path.read_text())
    from_file = dynmargin.backtest(path, closes, times=times)
    from_dict = dynmargin.backtest(config, closes, times=times)
    for report in (from_file, from_dict):
        report.pop("config")
    assert from_dict == from_file
    second = copy.deepcopy(config)
    second["risk"]["confidence"] = 0.995
    second["name"] = "tighter"
    both = dynmargin.backtest([config, second], closes, times=times)
    assert set(both) == {"config_0", "tighter"}
    assert both["tighter"]["coverage"] == 0.995


def cli_error(args):
    path = os.environ.get("DYNMARGIN_CLI")
    if not path:
        pytest.skip("the dynmargin command-line tool is not built (DYNMARGIN_CLI unset)")
    done = subprocess.run([path, *map(str, args)], capture_output=True, text=True, cwd=SOURCE_DIR)
    assert done.returncode != 0
    return done.stderr


def test_config_errors_name_the_key_as_the_cli_does(tmp_path):
    config = json.loads((SOURCE_DIR / "examples" / "configs" / "dydx_like.json").read_text())
    config["volatility"] = {"model": "ewma", "lambda": 1.5}
    (tmp_path / "bad.json").write_text(json.dumps(config))
    expected = cli_error(["margin", "--config", tmp_path / "bad.json", "--input", DAILY])
    with pytest.raises(ValueError) as raised:
        dynmargin.MarginFunction(tmp_path / "bad.json")
    message = str(raised.value)
    assert "volatility: ewma: lambda must be in (0, 1), got 1.5" in message
    assert message in expected, (message, expected)
    config["volatility"] = {"model": "ewma", "lambda": 0.94, "lamda": 0.9}
    with pytest.raises(ValueError, match="lamda"):
        dynmargin.MarginFunction(config)
    with pytest.raises(ValueError, match="cannot open"):
        dynmargin.MarginFunction(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text("{\"risk\": ")
    with pytest.raises(ValueError, match="broken.json.*not valid JSON"):
        dynmargin.MarginFunction(tmp_path / "broken.json")
    with pytest.raises(TypeError, match="dict or the path"):
        dynmargin.MarginFunction(42)


def test_bad_times_and_settings_are_refused_naming_them():
    times, closes = daily()
    config = SOURCE_DIR / "examples" / "configs" / "dydx_like.json"
    function = dynmargin.MarginFunction(config)
    backwards = times.copy()
    backwards[10] = backwards[9]
    with pytest.raises(ValueError, match="time"):
        function.run(closes, times=backwards)
    with pytest.raises(ValueError, match=r"times\[3\].*below a microsecond"):
        function.run(closes, times=times + np.timedelta64(1, "ns") * (np.arange(times.size) == 3))
    with pytest.raises(ValueError, match="one time per price"):
        function.run(closes, times=times[:-1])
    with pytest.raises(ValueError, match="coverage"):
        dynmargin.backtest(config, closes, times=times, coverage=99)
    with pytest.raises(ValueError, match="side must be long or short"):
        dynmargin.backtest(config, closes, times=times, side="flat")
    with pytest.raises(ValueError, match="horizon"):
        dynmargin.backtest(config, closes, times=times, horizon="36h")
    with pytest.raises(RuntimeError, match="warm-up"):
        function.run(closes[:5], times=times[:5])


def test_without_times_rows_are_counted():
    _, closes = daily()
    config = json.loads((SOURCE_DIR / "examples" / "configs" / "dydx_like.json").read_text())
    frame = dynmargin.MarginFunction(config).run(pd.Series(closes))
    assert "time" not in frame.columns
    assert list(frame["t"][:3]) == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="no times"):
        dynmargin.backtest(config, closes, horizon="2d")
