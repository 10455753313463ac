# SPDX-License-Identifier: MIT
"""Option pricing and portfolio margin: Black-76 and implied volatility over arrays, scenario
sets (Paradex and SPAN grids, filtered historical and Monte Carlo joint scenarios), the scenario
P&L matrix of a table of instruments, a portfolio's margin and its Euler attribution, and the
margin of many accounts in one call.

The numbers are the C++ library's (docs/portfolio.md): Black-76 on each expiry's forward, a
365-day year, every amount in USD. Tables are pandas DataFrames (or dicts of columns); a
DataFrame's index names the rows of a result: scenarios by their names, instruments by the
`instrument` column, accounts by the positions' index.
"""

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from . import _core
from ._arrays import as_float_array, is_frame, is_series, pandas_available

__all__ = ["black76", "implied_volatility", "ScenarioSet", "paradex_grid", "span_grid",
           "filtered_historical_scenarios", "monte_carlo_scenarios", "scenario_pnl", "instrument_deltas",
           "minimum_delta_charge", "portfolio_margin", "MarginAttribution", "attribute_margin", "margin_accounts"]

_NS_PER_US = 1000
_MEASURES = ("weighted_worst", "value_at_risk", "expected_shortfall")


def _pd():
    import pandas as pd
    return pd


# --- element-wise option functions --------------------------------------------------------------

def _option_flags(option_type, name="option_type"):
    """"call"/"put" (one, or an array of them) as a bool array (True: call), and its index."""
    index = option_type.index if is_series(option_type) else None
    values = np.asarray(option_type.to_numpy() if is_series(option_type) else option_type, dtype=object)
    flat = np.atleast_1d(values)
    if flat.ndim != 1:
        raise ValueError(f"{name}: expected one value or a one-dimensional array, got shape {values.shape}")
    flags = np.empty(flat.shape, dtype=bool)
    for i, value in enumerate(flat):
        if value == "call":
            flags[i] = True
        elif value == "put":
            flags[i] = False
        else:
            raise ValueError(f"{name}[{i}]: expected \"call\" or \"put\", got {value!r}")
    return (flags[0] if values.ndim == 0 else flags), index


def _broadcast(arguments):
    """Broadcasts scalars and 1-D arrays (or Series) to one length: (arrays, index, scalar)."""
    index = None
    arrays = {}
    scalar = True
    for name, value in arguments.items():
        if isinstance(value, (bool, np.bool_)) or (np.ndim(value) == 0 and not is_series(value)):
            arrays[name] = value
            continue
        scalar = False
        if isinstance(value, np.ndarray) and value.dtype == bool:
            arrays[name] = value
        else:
            arrays[name], series_index = as_float_array(value, name)
            if series_index is not None and index is None:
                index = series_index
    lengths = {name: len(v) for name, v in arrays.items() if np.ndim(v) == 1}
    size = max(lengths.values(), default=1)
    for name, length in lengths.items():
        if length not in (1, size):
            raise ValueError(f"{name}: has {length} elements where the other arguments have {size}")
    out = {}
    for name, value in arrays.items():
        dtype = bool if name == "option_type" else np.float64
        out[name] = np.ascontiguousarray(np.broadcast_to(np.asarray(value, dtype=dtype), (size,)))
    return out, index, scalar


def black76(option_type, forward, strike, volatility, years, rate=0.0):
    """Black-76 price and Greeks of European options on a forward, element by element.

    option_type: "call" or "put" (or an array of them); forward, strike, volatility (0.6 = 60%),
    years to expiry and rate (continuously compounded; crypto venues: 0) are numbers or arrays,
    broadcast to one length. Returns a DataFrame with columns price, delta (dV/dF), gamma, vega
    (per 1.00 of volatility: divide by 100 for the venues' per-point figure) and theta (per year
    of calendar time: divide by 365 for Deribit's per-day figure), on the index of a Series
    argument; scalars in give a dict of floats. Row i's bad input raises the library's
    ValueError from "black76[i]", e.g. `black76[3]: volatility must be finite and > 0, got -0.2`.
    """
    flags, type_index = _option_flags(option_type)
    arrays, index, scalar = _broadcast(dict(option_type=flags, forward=forward, strike=strike,
                                            volatility=volatility, years=years, rate=rate))
    index = index if index is not None else type_index
    out = _core.black76(arrays["option_type"], arrays["forward"], arrays["strike"], arrays["volatility"],
                        arrays["years"], arrays["rate"])
    if scalar and type_index is None:
        return {key: float(value[0]) for key, value in out.items()}
    if not pandas_available():
        return out
    return _pd().DataFrame(out, index=index)


def implied_volatility(option_type, price, forward, strike, years, rate=0.0, coin=False):
    """The Black-76 implied volatility of option prices, element by element (arguments
    broadcast as in `black76`). coin=True: `price` is a coin-settled option's coin price
    (Deribit's `mark_price`), inverted through its USD price price x forward, at rate 0.

    A price outside its no-arbitrage bounds has no volatility and raises the library's
    ValueError naming the row, the price and both bounds: `implied_volatility[4]: price of a call
    must lie strictly inside its no-arbitrage bounds (10, 100): no volatility fits it, got 9.5`.
    Returns a float for scalars, an array, or a Series on a Series argument's index.
    """
    flags, type_index = _option_flags(option_type)
    arrays, index, scalar = _broadcast(dict(option_type=flags, price=price, forward=forward, strike=strike,
                                            years=years, rate=rate))
    index = index if index is not None else type_index
    out = _core.implied_volatility(arrays["option_type"], arrays["price"], arrays["forward"], arrays["strike"],
                                   arrays["years"], arrays["rate"], bool(coin))
    if scalar and type_index is None:
        return float(out[0])
    if index is not None:
        return _pd().Series(out, index=index, name="implied_volatility")
    return out


# --- scenario sets -----------------------------------------------------------------------------

@dataclass
class ScenarioSet:
    """Joint scenarios over `underlyings` underlyings: `names` (one per scenario),
    `price_return` and `volatility_shock` (scenarios x underlyings; F' = F (1 + r)), `weight`
    (per scenario, the fraction of its loss that counts), and the rule that turns a volatility
    shock into a new implied volatility (`rule`: mode "relative" or "absolute", the term powers,
    docs/portfolio.md). `underlying_names` labels the columns (a returns DataFrame's columns)."""

    names: list
    price_return: np.ndarray
    volatility_shock: np.ndarray
    weight: np.ndarray
    rule: dict
    underlying_names: Optional[list] = None

    def __len__(self):
        return len(self.names)

    @property
    def underlyings(self):
        return self.price_return.shape[1]

    def _columns(self):
        return list(self.underlying_names) if self.underlying_names is not None else list(range(self.underlyings))

    def price_return_frame(self):
        """price_return as a DataFrame (scenarios x underlyings)."""
        return _pd().DataFrame(self.price_return, index=list(self.names), columns=self._columns())

    def volatility_shock_frame(self):
        """volatility_shock as a DataFrame (scenarios x underlyings)."""
        return _pd().DataFrame(self.volatility_shock, index=list(self.names), columns=self._columns())

    def to_frame(self):
        """One DataFrame indexed by scenario name: columns (price_return, u), (volatility_shock, u)
        and weight."""
        pd = _pd()
        frame = pd.concat({"price_return": self.price_return_frame(),
                           "volatility_shock": self.volatility_shock_frame()}, axis=1)
        frame[("weight", "")] = self.weight
        return frame


def _scenario_set(out, underlying_names=None):
    return ScenarioSet(list(out["names"]), out["price_return"], out["volatility_shock"], out["weight"],
                       dict(out["rule"]), underlying_names)


def paradex_grid(underlyings=1, **settings):
    """Paradex's portfolio-margin grid: 24 scenarios by default (docs/portfolio.md). Settings
    (keywords): core_moves, vol_up, vol_down, vol_up_only_from, extreme_rows (a list of
    (price_return, volatility_shock, weight)), short_power, long_power, power_switch_days,
    floor_days."""
    return _scenario_set(_core.paradex_grid(underlyings, **settings))


def span_grid(underlyings=1, **settings):
    """CME SPAN's 16 risk scenarios. Settings: price_scan_range (0.15), volatility_scan_range
    (0.04, absolute volatility points as a fraction), extreme_multiple (3), extreme_weight (0.35)."""
    return _scenario_set(_core.span_grid(underlyings, **settings))


def _matrix(value, name):
    """(C-order float64 2-D array, row labels or None, column labels or None)."""
    rows = columns = None
    if is_frame(value):
        rows, columns = list(value.index), list(value.columns)
        value = value.to_numpy(dtype=np.float64)
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name}: expected real numbers, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{name}: expected a two-dimensional array or a DataFrame, got shape {array.shape}")
    return np.ascontiguousarray(array, dtype=np.float64), rows, columns


def filtered_historical_scenarios(returns, lam=0.94, warmup=30, horizon=1, iv_sensitivity=1.0):
    """Filtered historical joint scenarios from one common history of log returns (rows: dates,
    oldest first; columns: underlyings; fractions, not percent). Each column is devolatilised by
    its own EWMA (decay `lam`, started by the mean square of the first `warmup` returns) and
    revolatilised to today's forecast; scenarios are `horizon`-step moves. A DataFrame names the
    scenarios by its index (the dates) and the underlyings by its columns."""
    matrix, rows, columns = _matrix(returns, "returns")
    names = [str(r.isoformat() if hasattr(r, "isoformat") else r) for r in rows] if rows is not None else []
    out = _core.filtered_historical_scenarios(matrix, lam=lam, warmup=warmup, horizon=horizon,
                                              iv_sensitivity=iv_sensitivity, row_names=names)
    return _scenario_set(out, columns)


def dynamic_scenarios(returns, prices, config, measure="expected_shortfall", confidence=0.99, lam=0.94, warmup=30,
                      iv_sensitivity=1.0):
    """Filtered historical scenarios at the level each underlying's own margin function sets
    (docs/portfolio.md, "Dynamic portfolio margin").

    `returns` is the common history of log returns (a DataFrame: dates x underlyings, or an
    array with `prices` in column order). `prices` maps each underlying (a column name) to its
    own price history: a Series with a DatetimeIndex, or a (times, prices) pair. `config` is a
    margin config (a dict or a JSON path, as for MarginFunction). Each underlying gets its own
    copy of the function, run over its prices as `MarginFunction.run` runs it. Its rows,
    devolatilised by an EWMA (`lam`, `warmup`), are then scaled so that one unit of notional in
    that underlying alone, on the side that charges more, is charged the function's initial rate
    under `measure` at `confidence`.

    Returns (ScenarioSet, functions): the scenarios for `scenario_pnl` and the margins, and a
    DataFrame (a dict without pandas) indexed by underlying with each function's
    initial_rate, maintenance_rate, raw_rate, scale, binding_policy and price_suspect."""
    from .margin import _config_source, _prices_and_times
    matrix, rows, columns = _matrix(returns, "returns")
    names = [str(r.isoformat() if hasattr(r, "isoformat") else r) for r in rows] if rows is not None else []
    underlyings = [str(c) for c in columns] if columns is not None else [str(u) for u in range(matrix.shape[1])]
    if not isinstance(prices, dict):
        raise TypeError(f"prices: expected a dict of price histories by underlying, got {type(prices).__name__}")
    keys = {str(k): v for k, v in prices.items()}
    times_list, price_list = [], []
    for underlying in underlyings:
        if underlying not in keys:
            raise ValueError(f"prices: no price history of \"{underlying}\" (given: {', '.join(sorted(keys))})")
        history = keys[underlying]
        times = None
        if isinstance(history, tuple) and len(history) == 2:
            times, history = history
        array, micros, _ = _prices_and_times(history, times)
        if micros is None:
            raise ValueError(f"prices[\"{underlying}\"]: needs times (a Series with a DatetimeIndex, or a "
                             f"(times, prices) pair)")
        times_list.append(np.ascontiguousarray(micros, dtype=np.int64))
        price_list.append(np.ascontiguousarray(array, dtype=np.float64))
    text, source = _config_source(config, "config")
    out = _core.dynamic_filtered_historical_scenarios(matrix, names, underlyings, text, source, times_list, price_list,
                                                      measure, float(confidence), float(lam), int(warmup),
                                                      float(iv_sensitivity))
    functions = dict(out["functions"])
    if pandas_available():
        functions = _pd().DataFrame(functions, index=_pd().Index(underlyings, name="underlying"))
    else:
        functions["underlying"] = underlyings
    return _scenario_set(out, columns), functions


def monte_carlo_scenarios(covariance, scenarios=10_000, horizon=1, seed=20261206, iv_lam=0.94, iv_sensitivity=1.0):
    """Monte Carlo joint scenarios: `scenarios` draws of log returns from Normal(0, horizon x
    covariance) (per-step covariance of fractions; a DataFrame's columns name the underlyings),
    from `seed` (the same draws on every platform)."""
    matrix, _, columns = _matrix(covariance, "covariance")
    out = _core.monte_carlo_scenarios(matrix, scenarios=scenarios, horizon=horizon, seed=seed, iv_lam=iv_lam,
                                      iv_sensitivity=iv_sensitivity)
    return _scenario_set(out, columns)


# --- instruments -------------------------------------------------------------------------------

def _epoch_us(value, name):
    """A time (datetime64, pandas Timestamp, ISO text, or epoch seconds) as epoch microseconds."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if not np.isfinite(value):
            raise ValueError(f"{name}: epoch seconds must be finite, got {value}")
        return int(round(float(value) * 1e6))
    if pandas_available():
        stamp = _pd().Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        ns = stamp.value
    else:
        ns = int(np.datetime64(value, "ns").astype(np.int64))
    if ns % _NS_PER_US:
        raise ValueError(f"{name}: {value} has a part below a microsecond, which the library does not keep")
    return ns // _NS_PER_US


def _expiries(values, count):
    """(int64 epoch microseconds, bool present): NaT, NaN and None mark an instrument without expiry."""
    if values is None:
        return np.zeros(count, dtype=np.int64), np.zeros(count, dtype=bool)
    if pandas_available():
        pd = _pd()
        series = values if isinstance(values, pd.Series) else pd.Series(list(values) if not isinstance(
            values, np.ndarray) else values)
        if series.dtype.kind in "fiu":
            seconds = series.to_numpy(dtype=np.float64)
            present = np.isfinite(seconds)
            return np.where(present, np.round(np.where(present, seconds, 0.0) * 1e6), 0).astype(np.int64), present
        times = pd.to_datetime(series, utc=True)
        present = times.notna().to_numpy()
        ns = times.dt.tz_localize(None).to_numpy().astype("datetime64[ns]").view(np.int64)
        ns = np.where(present, ns, 0)
        if (ns % _NS_PER_US).any():
            i = int(np.flatnonzero(ns % _NS_PER_US)[0])
            raise ValueError(f"expiry[{i}]: {series.iloc[i]} has a part below a microsecond")
        return (ns // _NS_PER_US).astype(np.int64), present
    array = np.asarray(values)
    if array.dtype.kind == "M":
        ns = array.astype("datetime64[ns]")
        present = ~np.isnat(ns)
        return np.where(present, ns.view(np.int64) // _NS_PER_US, 0).astype(np.int64), present
    seconds = array.astype(np.float64)
    present = np.isfinite(seconds)
    return np.where(present, np.round(np.where(present, seconds, 0.0) * 1e6), 0).astype(np.int64), present


def _column(table, name, count, default):
    if name in table:
        value = table[name]
        return value.to_numpy() if is_series(value) else np.asarray(value)
    if default is _REQUIRED:
        raise ValueError(f"instruments: the column {name!r} is required")
    return np.full(count, default, dtype=object if isinstance(default, str) or default is None else np.float64)


_REQUIRED = object()


def _instrument_arguments(instruments, valuation_time, underlying_names=None):
    """The C++ arguments of a table of instruments: a DataFrame or a dict of columns with
    instrument, underlying, kind, contract_size, price, option_type, strike, expiry, volatility."""
    table = instruments
    kinds = _column(table, "kind", 0, _REQUIRED)
    count = len(kinds)
    names = [str(n) for n in _column(table, "instrument", count, "")]
    underlying = _column(table, "underlying", count, 0.0)
    if underlying.dtype.kind not in "fiu":
        if underlying_names is None:
            raise ValueError("instruments: underlying names need scenarios with underlying_names (a DataFrame's "
                             "columns); otherwise give the underlying's column index")
        positions = {str(u): i for i, u in enumerate(underlying_names)}
        unknown = [u for u in underlying if str(u) not in positions]
        if unknown:
            raise ValueError(f"instruments: underlying {unknown[0]!r} is not one of the scenarios' "
                             f"{list(underlying_names)}")
        underlying = np.array([positions[str(u)] for u in underlying])
    underlying = np.ascontiguousarray(underlying, dtype=np.int64)
    option_types = ["" if (t is None or (isinstance(t, float) and np.isnan(t))) else str(t)
                    for t in _column(table, "option_type", count, "")]
    expiry, present = _expiries(table["expiry"] if "expiry" in table else None, count)

    def numbers(name, default):
        return np.ascontiguousarray(_column(table, name, count, default), dtype=np.float64)

    return (names, underlying, [str(k) for k in kinds], numbers("contract_size", 1.0), numbers("price", _REQUIRED),
            option_types, numbers("strike", np.nan), expiry, np.ascontiguousarray(present, dtype=bool),
            numbers("volatility", np.nan), _epoch_us(valuation_time, "valuation_time"))


def scenario_pnl(instruments, valuation_time, scenarios):
    """The scenario P&L matrix: the USD P&L of one contract of each instrument (columns, named
    by `instrument`) in each scenario (rows, named by the scenarios' names), from full
    revaluation (options repriced with Black-76 at the shocked forward and volatility).

    instruments: a DataFrame (or dict of columns) with `kind` (linear_future, inverse_future,
    option, inverse_option) and `price` (the mark of a future, the forward of an option's
    expiry), and as needed `instrument` (name), `underlying` (the scenarios' column index, or
    its name when the scenarios have underlying_names; default 0), `contract_size` (default 1),
    `option_type` ("call"/"put"), `strike`, `expiry` (datetime64, text or epoch seconds;
    NaT/NaN for a perpetual) and `volatility` (0.6 = 60%). valuation_time: a timestamp or epoch
    seconds. The DataFrame carries the scenario weights in `attrs["weight"]`, which
    `portfolio_margin` uses by default. Without pandas, returns the 2-D array.
    """
    arguments = _instrument_arguments(instruments, valuation_time, scenarios.underlying_names)
    rule = scenarios.rule
    matrix = _core.scenario_pnl(*arguments, list(scenarios.names),
                                np.ascontiguousarray(scenarios.price_return, dtype=np.float64),
                                np.ascontiguousarray(scenarios.volatility_shock, dtype=np.float64),
                                np.ascontiguousarray(scenarios.weight, dtype=np.float64), rule["mode"],
                                rule["short_power"], rule["long_power"], rule["power_switch_days"],
                                rule["reference_days"], rule["floor_days"])
    if not pandas_available():
        return matrix
    names = arguments[0]
    columns = [n if n else f"instrument[{i}]" for i, n in enumerate(names)]
    frame = _pd().DataFrame(matrix, index=list(scenarios.names), columns=columns)
    frame.attrs["weight"] = np.array(scenarios.weight, dtype=np.float64)
    return frame


def instrument_deltas(instruments, valuation_time):
    """Each instrument's delta per contract in units of its underlying (linear: the contract
    size; inverse future: face / price; option: Black-76 delta x size; inverse option: the coin
    delta x size), for delta charges such as Paradex's minimum. A Series on the instrument names
    when pandas is installed."""
    arguments = _instrument_arguments(instruments, valuation_time)
    deltas = _core.instrument_deltas(*arguments)
    if not pandas_available():
        return deltas
    return _pd().Series(deltas, index=[n if n else f"instrument[{i}]" for i, n in enumerate(arguments[0])],
                        name="delta")


def minimum_delta_charge(positions, deltas, spot, net_rate=0.02, hedged_rate=0.01):
    """Paradex's minimum delta charge: (net_rate |net delta| + hedged_rate hedged delta) x spot,
    net = sum q_i delta_i, hedged = (sum |q_i delta_i| - |net|) / 2."""
    q, _ = as_float_array(positions, "positions")
    d, _ = as_float_array(deltas, "deltas")
    return _core.minimum_delta_charge(q, d, float(spot), float(net_rate), float(hedged_rate))


# --- margins -----------------------------------------------------------------------------------

def _pnl_matrix(pnl):
    """(matrix, scenario names or None, instrument names or None, weights the frame carries)."""
    matrix, rows, columns = _matrix(pnl, "pnl")
    carried = pnl.attrs.get("weight") if is_frame(pnl) else None
    return matrix, rows, columns, carried


def _weights(weights, carried, scenarios, measure):
    if measure not in _MEASURES:
        raise ValueError(f"portfolio margin: measure must be weighted_worst, value_at_risk or expected_shortfall, "
                         f"got {measure}")
    if isinstance(weights, ScenarioSet):
        weights = weights.weight
    if weights is None:
        if carried is not None:
            weights = carried
        elif measure == "weighted_worst":
            # A grid's extreme rows count at a fraction of their loss: full weights would
            # overstate the margin without a word, so they must be given (or carried by the
            # DataFrame that scenario_pnl returns).
            raise ValueError("portfolio margin: weights are required for measure weighted_worst (pass weights= or a "
                             "ScenarioSet, or the DataFrame scenario_pnl returns, which carries them), got none")
        else:
            weights = np.ones(scenarios)  # VaR and ES: equally likely scenarios, weights unused
    array, _ = as_float_array(weights, "weights")
    return array


def _positions_vector(positions, instruments):
    """Positions as a vector in the P&L matrix's column order (a Series is aligned by name)."""
    if is_series(positions) and instruments is not None:
        missing = [name for name in positions.index if name not in set(instruments)]
        if missing:
            raise ValueError(f"positions: {missing[0]!r} is not an instrument of the P&L matrix")
        positions = positions.reindex(instruments, fill_value=0.0)
    array, _ = as_float_array(positions, "positions")
    return array


def _scenario_name(index, names):
    return names[index] if names is not None else int(index)


def portfolio_margin(pnl, positions, weights=None, measure="weighted_worst", confidence=0.99):
    """The margin of one portfolio: `pnl` is the scenario P&L matrix (`scenario_pnl`; scenarios x
    instruments), `positions` the contracts held (a Series is aligned on the matrix's columns).
    measure: "weighted_worst" (grids: max_s w_s L_s, `weights` default: the matrix's own, else
    1), "value_at_risk" or "expected_shortfall" at `confidence` (equally likely scenarios).
    Returns dict(margin, binding_scenario (its name), binding_index, worst_loss (unweighted),
    tail_scenarios)."""
    matrix, rows, columns, carried = _pnl_matrix(pnl)
    weight = _weights(weights, carried, matrix.shape[0], measure)
    out = _core.portfolio_margin(matrix, _positions_vector(positions, columns), weight, measure, float(confidence))
    index = int(out["binding_scenario"])
    return dict(margin=out["margin"], binding_scenario=_scenario_name(index, rows), binding_index=index,
                worst_loss=out["worst_loss"], tail_scenarios=int(out["tail_scenarios"]))


@dataclass
class MarginAttribution:
    """A margin split over positions: `positions` (DataFrame per instrument: position, component
    (Euler parts that add up to the margin), incremental (the margin minus the margin without the
    position), standalone (the position's margin alone)), the total margin, its binding scenario
    and the netting benefit (the sum of standalone margins minus the total)."""

    positions: Any
    margin: float
    binding_scenario: Any
    binding_index: int
    worst_loss: float
    tail_scenarios: int
    netting_benefit: float = field(default=0.0)


def attribute_margin(pnl, positions, weights=None, measure="weighted_worst", confidence=0.99):
    """Euler attribution of `portfolio_margin` (same arguments) to the positions."""
    matrix, rows, columns, carried = _pnl_matrix(pnl)
    weight = _weights(weights, carried, matrix.shape[0], measure)
    vector = _positions_vector(positions, columns)
    out = _core.attribute_margin(matrix, vector, weight, measure, float(confidence))
    parts = dict(position=vector, component=out["component"], incremental=out["incremental"],
                 standalone=out["standalone"])
    if pandas_available():
        parts = _pd().DataFrame(parts, index=columns)
    index = int(out["binding_scenario"])
    return MarginAttribution(parts, out["margin"], _scenario_name(index, rows), index, out["worst_loss"],
                             int(out["tail_scenarios"]), out["netting_benefit"])


def margin_accounts(positions, pnl, weights=None, measure="weighted_worst", confidence=0.99, threads=1, groups=None):
    """The margin of many accounts at once: `positions` is accounts x instruments (a DataFrame's
    index names the accounts, its columns are aligned on the P&L matrix's), `pnl` the scenario
    P&L matrix. The accounts are spread over `threads` threads (0: one per core) without the
    GIL; the results are the same bit for bit for any thread count. Returns a DataFrame indexed
    by account with margin, binding_scenario (its name), worst_loss and tail_scenarios (a dict
    of arrays without pandas). An account with a non-finite position, or none at all, raises
    ValueError naming it.

    `groups`: one non-negative integer per instrument (P&L column), e.g. its underlying's index.
    Each account's margin is then the sum of its groups' margins, each group in its own worst
    scenario, and `binding_group` names the largest. A grid moves every underlying by the same
    row, so over several underlyings it needs groups: jointly, a long BTC / short ETH book would
    net in every row."""
    matrix, rows, columns, carried = _pnl_matrix(pnl)
    weight = _weights(weights, carried, matrix.shape[0], measure)
    accounts = None
    if is_frame(positions):
        if columns is not None:
            missing = [c for c in positions.columns if c not in set(columns)]
            if missing:
                raise ValueError(f"positions: column {missing[0]!r} is not an instrument of the P&L matrix")
            positions = positions.reindex(columns=columns, fill_value=0.0)
        accounts = positions.index
    q, _, _ = _matrix(positions, "positions")
    names = [str(a) for a in accounts] if accounts is not None else []
    group_list = [] if groups is None else [int(g) for g in np.asarray(groups).ravel()]
    out = _core.margin_accounts(q, matrix, weight, measure, float(confidence), int(threads), names, group_list)
    binding = out["binding_scenario"]
    result = dict(margin=out["margin"],
                  binding_scenario=np.array([rows[i] for i in binding], dtype=object) if rows is not None else binding,
                  worst_loss=out["worst_loss"], tail_scenarios=out["tail_scenarios"])
    if groups is not None:
        result["binding_group"] = out["binding_group"]
    if not pandas_available():
        return result
    return _pd().DataFrame(result, index=accounts)
