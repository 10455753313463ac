# SPDX-License-Identifier: MIT
"""Margin functions from a JSON config, and backtests of them.

The config is the one `dynmargin margin` and `dynmargin backtest` read (docs/margin.md): a dict,
or the path of a JSON file. The numbers are the command-line tool's, bit for bit: both run the
library's own loops (dynmargin/runtime/margin_run.hpp and backtest_run.hpp).

Times are `datetime64` (NumPy arrays, a pandas DatetimeIndex or Series; time-zone aware ones
are taken in UTC) or epoch seconds (numbers). The library keeps microseconds: a time with a
nanosecond part is refused, not rounded. A pandas Series of prices with a DatetimeIndex brings
its own times.
"""

import datetime
import json
import os
import warnings

import numpy as np

from . import _core
from ._arrays import as_float_array, pandas_available

__all__ = ["MarginFunction", "backtest", "to_epoch_microseconds"]

_NS_PER_US = 1000


def _datetime_index_of(value):
    if not pandas_available():
        return None
    import pandas as pd
    if isinstance(value, pd.Series) and isinstance(value.index, pd.DatetimeIndex):
        return value.index
    return None


def to_epoch_microseconds(times, name="times"):
    """`times` (datetime64 values, or epoch seconds as numbers) as int64 epoch microseconds."""
    if pandas_available():
        import pandas as pd
        if isinstance(times, (pd.Series, pd.Index)) and isinstance(times.dtype, pd.DatetimeTZDtype):
            times = times.tz_convert("UTC").tz_localize(None)
        if isinstance(times, (pd.Series, pd.Index)):
            times = times.to_numpy()
    array = np.asarray(times)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a one-dimensional array, got shape {array.shape}")
    if array.dtype.kind == "M":
        ns = array.astype("datetime64[ns]")
        if np.isnat(ns).any():
            raise ValueError(f"{name}[{int(np.flatnonzero(np.isnat(ns))[0])}]: a time is NaT")
        ns = ns.view(np.int64)
        rest = ns % _NS_PER_US
        if rest.any():
            i = int(np.flatnonzero(rest)[0])
            raise ValueError(f"{name}[{i}]: {array[i]} has a part below a microsecond, which the library does not "
                             f"keep; floor or round the times to microseconds first (e.g. times.floor('us'))")
        return np.ascontiguousarray(ns // _NS_PER_US, dtype=np.int64)
    if array.dtype.kind in "iu":
        return np.ascontiguousarray(array.astype(np.int64) * 1_000_000)
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array)
        if bad.any():
            raise ValueError(f"{name}[{int(np.flatnonzero(bad)[0])}]: epoch seconds must be finite, got "
                             f"{array[np.flatnonzero(bad)[0]]}")
        return np.ascontiguousarray(np.round(array * 1e6).astype(np.int64))
    raise TypeError(f"{name}: expected datetime64 values or epoch seconds (numbers), got dtype {array.dtype}")


def _time_scalar(value, name):
    """One time (a pandas Timestamp, a datetime, a numpy datetime64, or epoch seconds) as
    epoch microseconds."""
    if pandas_available():
        import pandas as pd
        if isinstance(value, pd.Timestamp):
            if value.tz is not None:
                value = value.tz_convert("UTC").tz_localize(None)
            value = value.to_datetime64()
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        value = np.datetime64(value, "us")
    return int(to_epoch_microseconds(np.asarray([value]), name)[0])


def _prices_and_times(prices, times):
    """(float64 prices, int64 microseconds or None, the pandas index of the prices or None)."""
    index = _datetime_index_of(prices)
    array, series_index = as_float_array(prices, "prices")
    if times is None and index is not None:
        times = index
    micros = None if times is None else to_epoch_microseconds(times)
    if micros is not None and micros.shape[0] != array.shape[0]:
        raise ValueError(f"times: expected one time per price ({array.shape[0]}), got {micros.shape[0]}")
    return array, micros, series_index


def _config_source(config, default_name):
    """(JSON text, name): a dict or a path; the name is the path as given, else the config's
    "name", else `default_name`."""
    if isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)
        try:
            with open(path, encoding="utf-8") as stream:
                return stream.read(), path
        except OSError as error:
            raise ValueError(f"margin config: cannot open \"{path}\": {error.strerror}") from None
    if isinstance(config, dict):
        name = config.get("name") if isinstance(config.get("name"), str) else default_name
        return json.dumps(config, allow_nan=False), name
    raise TypeError(f"config: expected a dict or the path of a JSON file, got {type(config).__name__}")


class MarginFunction:
    """A margin function built from a config: feed prices with `update`, ask with `quote`, or
    replay a whole history with `run` (the columns of `dynmargin margin`).

    A config with a "bar" samples prices into bars before the function sees them in `run`
    (every count in the config is a count of bars); `update` feeds the function directly, so a
    streaming caller with such a config feeds it one price per bar itself.
    """

    def __init__(self, config):
        text, name = _config_source(config, "config")
        self._source = f"\"{name}\""
        self._engine = _core.MarginEngine(text, self._source)

    @classmethod
    def from_config(cls, config):
        """The same as MarginFunction(config): `config` is a dict or a JSON file's path."""
        return cls(config)

    @property
    def policy_columns(self):
        """The column of each config policy, "<i>_<type>", in the config's order."""
        return list(self._engine.policy_columns)

    @property
    def bar_seconds(self):
        """The config's "bar" in seconds, or None."""
        us = self._engine.bar_microseconds
        return None if us is None else us / 1e6

    def update(self, time, price):
        """Feeds one price at `time` (a pandas Timestamp, datetime, datetime64, or epoch seconds). Returns "ok", "refit_failed"
        (a warning: the previous tails were kept), "suspect_input" or "non_finite_input" (the
        guard rejected the price: the last margin is kept). A time not after the last one raises
        ValueError and changes nothing."""
        return self._engine.update(_time_scalar(time, "time"), float(price))

    def set_open_interest(self, notional):
        """The market's open notional (open interest x price), for an "oi_scaling" policy."""
        self._engine.set_open_interest(float(notional))

    def quote(self, position=1.0, now=None):
        """The margin of a position of signed notional `position` now: a dict with ready,
        raw_rate, initial_rate, maintenance_rate, initial_amount, maintenance_amount, binding,
        policies (the initial rate after each config policy), price_suspect, apc_buffer,
        apc_stress, and with `now` (a time) price_age in seconds and stale. NaN while warming up."""
        now_us = None if now is None else _time_scalar(now, "now")
        return self._engine.quote(now_us, float(position))

    def run(self, prices, times=None, position=1.0, open_interest=None):
        """Replays a fresh function of this config over a history (the streaming state is left
        alone). Returns a DataFrame with the columns of `dynmargin margin`: t (epoch seconds),
        price, raw_rate, initial_rate, maintenance_rate, initial_amount, maintenance_amount,
        binding, one "<i>_<type>" column per policy, price_suspect, apc_buffer, apc_stress,
        stale, time (UTC) and row (the input row; a bar's last price), indexed by time when there
        are times. Without pandas, a dict of arrays. Rates are NaN and binding is "warmup"
        during the warm-up."""
        array, micros, index = _prices_and_times(prices, times)
        oi = None
        if open_interest is not None:
            oi, _ = as_float_array(open_interest, "open_interest")
        out = self._engine.run(micros, array, float(position), oi)
        if out["warnings"]:
            warnings.warn(f"MarginFunction.run: {out['warnings']} of {len(out['price'])} updates returned "
                          f"refit_failed (first at row {out['first_warning']}); the previous tails were kept",
                          RuntimeWarning, stacklevel=2)
        if out["stale_rows"]:
            warnings.warn(f"MarginFunction.run: {out['stale_rows']} rows arrived after the feed had stopped for more "
                          f"than {self._engine.max_staleness_seconds} s (price_guard.max_staleness; column stale)",
                          RuntimeWarning, stacklevel=2)
        names = np.asarray(["warmup"] + list(out["binding_names"]), dtype=object)
        binding = names[np.asarray(out["binding_code"]) + 2]
        n = len(out["price"])
        rows = np.arange(n, dtype=np.int64) if out["rows"] is None else np.asarray(out["rows"])
        columns = {
            "t": np.asarray(out["times_us"]) / 1e6,
            "price": out["price"],
            "raw_rate": out["raw_rate"],
            "initial_rate": out["initial_rate"],
            "maintenance_rate": out["maintenance_rate"],
            "initial_amount": out["initial_amount"],
            "maintenance_amount": out["maintenance_amount"],
            "binding": binding,
        }
        for name, values in out["policies"]:
            columns[name] = values
        columns["price_suspect"] = out["price_suspect"]
        columns["apc_buffer"] = out["apc_buffer"]
        columns["apc_stress"] = out["apc_stress"]
        columns["stale"] = out["stale"]
        if micros is not None:
            columns["time"] = np.asarray(out["times_us"]).astype("datetime64[us]").astype("datetime64[ns]")
        columns["row"] = rows
        if not pandas_available():
            return columns
        import pandas as pd
        frame = pd.DataFrame(columns)
        if micros is not None:
            frame["time"] = frame["time"].dt.tz_localize("UTC")
            frame.index = pd.DatetimeIndex(frame["time"], name="time")
        elif index is not None and out["rows"] is None:
            frame.index = index
        return frame


def backtest(configs, prices, times=None, coverage=None, horizon=None, side="long", warmup=0, steps_per_day=None,
             simulations=1000, seed=20140101):
    """`dynmargin backtest` over a price history: the report of one config (a dict or a JSON file's
    path) as a dict, or for a list of configs a dict keyed by config name (the path as given,
    else the config's "name", else "config_<i>"), each report with its place on the policy
    frontier ("frontier").

    coverage: the VaR coverage tested (default: each config's risk.confidence); horizon: the
    margin period of risk in rows (bars), or a span such as "2d" (default: the config's
    risk.horizon); warmup: rows, or a span, not evaluated at the start; steps_per_day: for the
    1/5/30-day measures (default: from the times' usual step; 1 without times); simulations,
    seed: of the expected-shortfall tests. Notes the tool prints on standard error (bars
    sampled, an irregular feed) arrive as warnings.
    """
    several = isinstance(configs, (list, tuple))
    entries = list(configs) if several else [configs]
    if not entries:
        raise ValueError("configs: expected at least one config")
    sources = []
    for i, config in enumerate(entries):
        text, name = _config_source(config, f"config_{i}" if several else "config")
        sources.append((name, text))
    names = [name for name, _ in sources]
    if len(set(names)) != len(names):
        duplicate = next(name for name in names if names.count(name) > 1)
        raise ValueError(f"configs: two configs are named \"{duplicate}\"; give each a distinct \"name\"")
    array, micros, _ = _prices_and_times(prices, times)
    if coverage is not None and not (isinstance(coverage, (int, float)) and coverage != 0):
        raise ValueError(f"backtest: coverage is the VaR coverage level and must be in [0.5, 1) (0.99 for 99%), "
                         f"got {coverage}")
    text, notes = _core.backtest(sources, micros, array, 0.0 if coverage is None else float(coverage),
                                 "0" if horizon is None else str(horizon), str(side), str(warmup),
                                 0 if steps_per_day is None else int(steps_per_day), int(simulations), int(seed))
    for note in notes:
        warnings.warn(note, RuntimeWarning, stacklevel=2)
    return json.loads(text)
