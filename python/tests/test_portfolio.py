# SPDX-License-Identifier: MIT
"""Option pricing and portfolio margin from Python (dynmargin.portfolio).

References, each independent of the code under test: scipy.stats.norm's closed form of Black-76;
Haug, "The Complete Guide to Option Pricing Formulas" (2nd ed., 2007), Black-76 example; Deribit's
own delta and mark_iv on the shipped BTC chain; tests/data/paradex_grid_*.csv, written with scipy
by tests/data/make_paradex_reference.py (see tests/data/REFERENCE.md)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import dynmargin as dm
from conftest import EXAMPLE_DATA, TEST_DATA, assert_bitwise_equal, read_rows

VALUATION = "2026-03-01T00:00:00Z"


def closed_form(call, F, K, sigma, T, r):
    d1 = (np.log(F / K) + 0.5 * sigma ** 2 * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    df = np.exp(-r * T)
    price = np.where(call, df * (F * norm.cdf(d1) - K * norm.cdf(d2)), df * (K * norm.cdf(-d2) - F * norm.cdf(-d1)))
    delta = np.where(call, df * norm.cdf(d1), -df * norm.cdf(-d1))
    gamma = df * norm.pdf(d1) / (F * sigma * np.sqrt(T))
    vega = df * F * norm.pdf(d1) * np.sqrt(T)
    theta = r * price - df * F * norm.pdf(d1) * sigma / (2 * np.sqrt(T))
    return dict(price=price, delta=delta, gamma=gamma, vega=vega, theta=theta)


# --- Black-76 ----------------------------------------------------------------------------------

def test_black76_matches_the_scipy_closed_form():
    rng = np.random.default_rng(7)
    n = 200
    call = rng.random(n) < 0.5
    F = rng.uniform(50, 150, n)
    K = F * rng.uniform(0.7, 1.3, n)
    sigma = rng.uniform(0.1, 1.2, n)
    T = rng.uniform(0.01, 2.0, n)
    r = rng.uniform(0.0, 0.08, n)
    got = dm.black76(np.where(call, "call", "put"), F, K, sigma, T, r)
    expected = closed_form(call, F, K, sigma, T, r)
    for key in ("price", "delta", "gamma", "vega", "theta"):
        # closed form by scipy: agreement to 1e-12 relative (and absolute for values near 0)
        np.testing.assert_allclose(got[key].to_numpy(), expected[key], rtol=1e-12, atol=1e-12, err_msg=key)


def test_black76_reproduces_haugs_example():
    # Haug (2007), Black-76: F = K = 19, T = 0.75, r = 10%, sigma = 28%: call = put = 1.7011
    out = dm.black76(["call", "put"], 19.0, 19.0, 0.28, 0.75, rate=0.10)
    assert abs(out["price"].iloc[0] - 1.7011) < 5e-5
    assert abs(out["price"].iloc[1] - 1.7011) < 5e-5
    scalar = dm.black76("call", 19.0, 19.0, 0.28, 0.75, rate=0.10)
    assert isinstance(scalar, dict) and scalar["price"] == out["price"].iloc[0]


def test_black76_keeps_a_series_index_and_names_the_bad_row():
    index = pd.Index(["a", "b", "c", "d", "e"], name="option")
    volatility = pd.Series([0.5, 0.6, 0.7, -0.2, 0.4], index=index)
    with pytest.raises(ValueError, match=r"black76\[3\]: volatility must be finite and > 0, got -0\.2"):
        dm.black76("call", 100.0, 100.0, volatility, 0.5)
    out = dm.black76("put", 100.0, 100.0, volatility.abs(), 0.5)
    assert list(out.index) == list(index)
    with pytest.raises(ValueError, match=r"option_type\[1\]: expected \"call\" or \"put\", got 'cal'"):
        dm.black76(["call", "cal"], 100.0, 100.0, 0.5, 0.5)
    with pytest.raises(ValueError, match="strike: has 2 elements where the other arguments have 3"):
        dm.black76("call", [1.0, 2.0, 3.0], [1.0, 2.0], 0.5, 0.5)


# --- implied volatility -----------------------------------------------------------------------

def test_implied_volatility_round_trip():
    F, T = 100.0, 0.4
    strikes = np.linspace(60, 160, 21)
    sigma = np.linspace(0.15, 1.5, 21)
    for kind in ("call", "put"):
        prices = dm.black76(kind, F, strikes, sigma, T, rate=0.03)["price"].to_numpy()
        solved = dm.implied_volatility(kind, prices, F, strikes, T, rate=0.03)
        # the solver stops at a step below 1e-12; the price inverts to 1e-9 of volatility
        np.testing.assert_allclose(solved, sigma, rtol=0, atol=1e-9)


def test_implied_volatility_names_the_row_the_price_and_its_bounds():
    # r = 0: a call on F = 100, K = 90 is worth more than 10 and less than 100
    with pytest.raises(ValueError, match=r"implied_volatility\[1\]: price of a call must lie strictly inside its "
                                         r"no-arbitrage bounds \(10, 100\): no volatility fits it, got 9\.5"):
        dm.implied_volatility("call", [12.0, 9.5], 100.0, 90.0, 1.0)


def test_deribit_chain_delta_and_mark_iv():
    rows = read_rows(EXAMPLE_DATA / "deribit_btc_options_sample.csv")
    assert len(rows) == 166
    frame = pd.DataFrame(rows)
    numbers = {c: frame[c].astype(float) for c in ("strike", "expiration_timestamp", "tick_size", "mark_price",
                                                   "underlying_price", "mark_iv", "delta", "vega")}
    snapshot = 1_772_372_940  # 2026-03-01T13:49:00Z
    years = (numbers["expiration_timestamp"] / 1000.0 - snapshot) / (365 * 86400)
    greeks = dm.black76(frame["type"], numbers["underlying_price"], numbers["strike"], numbers["mark_iv"] / 100.0,
                        years)
    # Deribit's delta (Black-76 USD delta on the expiry's forward, r = 0, 365-day year) to 5e-5
    assert (greeks["delta"] - numbers["delta"]).abs().max() < 5e-5
    solved = dm.implied_volatility(frame["type"], numbers["mark_price"], numbers["underlying_price"],
                                   numbers["strike"], years, coin=True)
    assert isinstance(solved, pd.Series)
    # mark_iv within 0.01 vol points plus one tick of mark_price over vega per point
    allowed = 0.01 + numbers["tick_size"] * numbers["underlying_price"] / (greeks["vega"] / 100.0)
    assert ((100.0 * solved - numbers["mark_iv"]).abs() <= allowed).all()


# --- the Paradex grid --------------------------------------------------------------------------

def paradex_instruments():
    """The perpetual and the option legs of tests/data/paradex_grid_pricing.csv, one row each."""
    legs = read_rows(TEST_DATA / "paradex_grid_pricing.csv")
    table = [dict(instrument="BTC-PERP", kind="linear_future", price=70000.0, option_type=None, strike=np.nan,
                  expiry=pd.NaT, volatility=np.nan)]
    for leg in legs:
        table.append(dict(instrument=f"{leg['portfolio']}:{leg['leg']}", kind="option", price=float(leg["spot"]),
                          option_type=leg["kind"], strike=float(leg["strike"]),
                          expiry=pd.Timestamp(leg["expiry"]), volatility=float(leg["iv"])))
    return pd.DataFrame(table), legs


def paradex_positions(portfolio, instruments, legs):
    q = pd.Series(0.0, index=instruments["instrument"])
    for leg in legs:
        if leg["portfolio"] == portfolio:
            q[f"{leg['portfolio']}:{leg['leg']}"] = float(leg["quantity"])
    if portfolio == "covered_call":
        q["BTC-PERP"] = 1.0
    return q


def test_paradex_summary_through_python():
    instruments, legs = paradex_instruments()
    grid = dm.paradex_grid()
    assert len(grid) == 24
    pnl = dm.scenario_pnl(instruments, VALUATION, grid)
    deltas = dm.instrument_deltas(instruments, VALUATION)
    reference = read_rows(TEST_DATA / "paradex_grid_reference.csv")
    summary = {row["portfolio"]: row for row in read_rows(TEST_DATA / "paradex_grid_summary.csv")}
    for portfolio in ("short_strangle", "covered_call", "calendar_spread"):
        q = paradex_positions(portfolio, instruments, legs)
        expected_pnl = np.array([float(r["pnl"]) for r in reference if r["portfolio"] == portfolio])
        np.testing.assert_allclose(pnl.to_numpy() @ q.to_numpy(), expected_pnl, rtol=0, atol=1e-7, err_msg=portfolio)
        margin = dm.portfolio_margin(pnl, q[q != 0])  # a Series is aligned on the matrix's columns
        row = summary[portfolio]
        assert abs(margin["margin"] - float(row["scan_risk"])) < 1e-7, portfolio
        assert margin["binding_index"] + 1 == int(row["binding_scenario"]), portfolio
        assert margin["binding_scenario"] == grid.names[margin["binding_index"]]
        exposure = q * deltas
        assert abs(exposure.sum() - float(row["net_delta"])) < 1e-7
        assert abs(exposure.abs().sum() - float(row["gross_delta"])) < 1e-7
        minimum = dm.minimum_delta_charge(q, deltas, 70000.0)
        assert abs(minimum - float(row["min_delta"])) < 1e-7
        imr = max(margin["margin"], minimum)
        assert abs(imr - float(row["imr"])) < 1e-7 and abs(0.5 * imr - float(row["mmr"])) < 1e-7


# --- margins of many accounts, attribution -----------------------------------------------------

@pytest.fixture(scope="module")
def grid_pnl():
    instruments, _ = paradex_instruments()
    return dm.scenario_pnl(instruments, VALUATION, dm.paradex_grid())


@pytest.fixture(scope="module")
def monte_carlo_pnl():
    instruments, _ = paradex_instruments()
    covariance = np.array([[0.0016]])
    return dm.scenario_pnl(instruments, VALUATION, dm.monte_carlo_scenarios(covariance, scenarios=2000, seed=11))


def random_accounts(columns, count, seed):
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(0.0, 2.0, (count, len(columns))), 1)
    values[:, 0] = np.where(values[:, 0] == 0.0, 0.5, values[:, 0])  # every account holds something
    return pd.DataFrame(values, index=[f"acct-{i}" for i in range(count)], columns=columns)


@pytest.mark.parametrize("measure", ["weighted_worst", "value_at_risk", "expected_shortfall"])
def test_margin_accounts_equals_a_loop_and_any_thread_count(grid_pnl, monte_carlo_pnl, measure):
    pnl = grid_pnl if measure == "weighted_worst" else monte_carlo_pnl
    accounts = random_accounts(pnl.columns, 600, seed=3)  # 600 > 2 blocks of 256: both threads work
    one = dm.margin_accounts(accounts, pnl, measure=measure, confidence=0.99, threads=1)
    two = dm.margin_accounts(accounts, pnl, measure=measure, confidence=0.99, threads=2)
    assert list(one.index) == list(accounts.index)
    assert_bitwise_equal(two["margin"], one["margin"], "margin, 2 threads vs 1")
    assert_bitwise_equal(two["worst_loss"], one["worst_loss"], "worst_loss, 2 threads vs 1")
    assert (two["binding_scenario"] == one["binding_scenario"]).all()
    for name in accounts.index[::7]:
        alone = dm.portfolio_margin(pnl, accounts.loc[name], measure=measure, confidence=0.99)
        # a block's matrix product and one account's matrix-vector product round differently
        assert abs(one.loc[name, "margin"] - alone["margin"]) <= 1e-9 * max(1.0, alone["margin"]), name
        assert one.loc[name, "binding_scenario"] == alone["binding_scenario"], name
        assert one.loc[name, "tail_scenarios"] == alone["tail_scenarios"]


@pytest.mark.parametrize("measure", ["weighted_worst", "value_at_risk", "expected_shortfall"])
def test_attribution_components_add_up_to_the_margin(grid_pnl, monte_carlo_pnl, measure):
    pnl = grid_pnl if measure == "weighted_worst" else monte_carlo_pnl
    q = random_accounts(pnl.columns, 1, seed=5).iloc[0]
    a = dm.attribute_margin(pnl, q, measure=measure, confidence=0.99)
    assert a.margin > 0
    assert abs(a.positions["component"].sum() - a.margin) <= 1e-10 * a.margin  # Euler: parts add up
    assert abs(a.positions["standalone"].sum() - a.margin - a.netting_benefit) <= 1e-10 * a.margin
    assert a.margin == dm.portfolio_margin(pnl, q, measure=measure, confidence=0.99)["margin"]
    assert list(a.positions.index) == list(pnl.columns)


# --- bad input ---------------------------------------------------------------------------------

def test_bad_input_raises_the_librarys_message(grid_pnl):
    accounts = random_accounts(grid_pnl.columns, 10, seed=9)
    accounts.iloc[7, 2] = np.nan
    with pytest.raises(ValueError, match="account acct-7: position in instrument 2 must be finite, got nan"):
        dm.margin_accounts(accounts, grid_pnl)
    instruments, _ = paradex_instruments()
    swap = instruments.copy()
    swap.loc[0, "kind"] = "swap"
    with pytest.raises(ValueError, match="BTC-PERP: kind must be linear_future, inverse_future, option or "
                                         "inverse_option, got swap"):
        dm.scenario_pnl(swap, VALUATION, dm.paradex_grid())
    with pytest.raises(ValueError, match=r"short_strangle:put_60000_mar: expiry must be after the valuation time "
                                         r".*\(the option has expired\)"):
        dm.scenario_pnl(instruments, "2026-03-28T00:00:00Z", dm.paradex_grid())
    with pytest.raises(ValueError, match="measure must be weighted_worst"):
        dm.portfolio_margin(grid_pnl, np.ones(grid_pnl.shape[1]), measure="worst")


def test_scenario_sets_have_their_shapes_and_names():
    span = dm.span_grid(2, price_scan_range=0.2)
    assert len(span) == 16 and span.underlyings == 2
    assert math.isclose(span.price_return[-2, 0], 0.6) and span.weight[-1] == 0.35
    returns = pd.DataFrame(np.random.default_rng(1).normal(0, 0.02, (80, 2)), columns=["BTC", "ETH"],
                           index=pd.date_range("2025-01-01", periods=80, freq="D"))
    fhs = dm.filtered_historical_scenarios(returns)
    assert len(fhs) == 50 and fhs.underlying_names == ["BTC", "ETH"]
    assert fhs.names[0].startswith("2025-01-31")
    assert list(fhs.to_frame().columns.get_level_values(0).unique()) == ["price_return", "volatility_shock", "weight"]


def test_weighted_worst_needs_weights_for_a_plain_matrix(grid_pnl):
    # A NumPy matrix carries no weights: counting Paradex's extreme rows at full weight would
    # overstate the margin silently, so the call is refused; the DataFrame carries them.
    with pytest.raises(ValueError, match="weights are required for measure weighted_worst"):
        dm.portfolio_margin(np.asarray(grid_pnl), np.ones(grid_pnl.shape[1]))
    carried = dm.portfolio_margin(grid_pnl, np.ones(grid_pnl.shape[1]))
    given = dm.portfolio_margin(np.asarray(grid_pnl), np.ones(grid_pnl.shape[1]), weights=grid_pnl.attrs["weight"])
    assert carried["margin"] == given["margin"]


def test_margin_accounts_by_group_charges_a_cross_asset_hedge():
    # Long 10 BTC against short 330 ETH perpetuals on a two-underlying Paradex grid: jointly the
    # hedge nets in every row; by underlying each side is charged alone (16% of its notional).
    grid = dm.paradex_grid(2)
    instruments = pd.DataFrame({"instrument": ["BTC-PERP", "ETH-PERP"], "underlying": [0, 1],
                                "kind": ["linear_future", "linear_future"], "contract_size": [1.0, 1.0],
                                "price": [66_750.0, 2_000.0]})
    pnl = dm.scenario_pnl(instruments, "2026-03-01T00:00:00Z", grid)
    book = pd.DataFrame({"BTC-PERP": [10.0], "ETH-PERP": [-330.0]}, index=["hedged"])
    joint = dm.margin_accounts(book, pnl)
    grouped = dm.margin_accounts(book, pnl, groups=[0, 1], threads=2)
    expected = 10 * 66_750.0 * 0.16 + 330 * 2_000.0 * 0.16
    assert joint.loc["hedged", "margin"] < 0.01 * expected
    assert grouped.loc["hedged", "margin"] == pytest.approx(expected, rel=1e-12)
    assert grouped.loc["hedged", "binding_group"] == 0
    with pytest.raises(ValueError, match="groups"):
        dm.margin_accounts(book, pnl, groups=[0, -1])


# --- dynamic level -----------------------------------------------------------------------------

def _closes(name):
    rows = read_rows(EXAMPLE_DATA / name)
    index = pd.DatetimeIndex([row["Date"] for row in rows])
    return pd.Series([float(row["Close"]) for row in rows], index=index)


DYNAMIC_CONFIG = {
    "bar": "1d",
    "volatility": {"model": "ewma", "lambda": 0.94},
    "risk": {"method": "parametric", "confidence": 0.99, "horizon": "2d"},
    "maintenance_fraction": 0.8,
    "policies": [{"type": "apc_buffer", "buffer": 0.25}, {"type": "speed_limit", "max_increase": 0.5, "window": "5d"},
                 {"type": "floor", "rate": 0.05}],
}


def test_dynamic_scenarios_charge_a_lone_perpetual_its_functions_rate():
    # Each underlying's own margin function, run on its closes, sets the level of the joint
    # rows: one USD of a lone perpetual, on the side that charges more, is charged exactly the
    # rate MarginFunction.run ends on with the same config (the reference: the function alone).
    btc, eth = _closes("btc_usd_daily.csv"), _closes("eth_usd_daily.csv")
    both = pd.concat({"BTC": btc, "ETH": eth}, axis=1).dropna()
    returns = np.log(both).diff().dropna()
    scenarios, functions = dm.dynamic_scenarios(returns, {"BTC": btc, "ETH": (eth.index, eth.to_numpy())},
                                                DYNAMIC_CONFIG)
    assert list(functions.index) == ["BTC", "ETH"]
    assert len(scenarios) == len(returns) - 30
    instruments = pd.DataFrame({"instrument": ["BTC-PERP", "ETH-PERP"], "underlying": [0, 1],
                                "kind": ["linear_future", "linear_future"], "contract_size": [1.0, 1.0],
                                "price": [1.0, 1.0]})
    pnl = dm.scenario_pnl(instruments, VALUATION, scenarios)
    for column, (name, series) in enumerate([("BTC", btc), ("ETH", eth)]):
        rate = dm.MarginFunction(DYNAMIC_CONFIG).run(series)["initial_rate"].iloc[-1]
        assert functions.loc[name, "initial_rate"] == rate
        one = np.zeros(2)
        one[column] = 1.0
        charged = max(dm.portfolio_margin(pnl, side * one, measure="expected_shortfall")["margin"]
                      for side in (1.0, -1.0))
        assert charged == pytest.approx(rate, rel=1e-11)
        assert functions.loc[name, "maintenance_rate"] == pytest.approx(0.8 * rate, rel=1e-12)
    # BTC and ETH move together: a hedged pair is charged less than its legs.
    pair = dm.portfolio_margin(pnl, np.array([1.0, -1.0]), measure="expected_shortfall")["margin"]
    legs = sum(dm.portfolio_margin(pnl, v, measure="expected_shortfall")["margin"]
               for v in (np.array([1.0, 0.0]), np.array([0.0, -1.0])))
    assert pair < 0.8 * legs


def test_dynamic_scenarios_name_bad_input():
    btc = _closes("btc_usd_daily.csv")
    returns = pd.DataFrame({"BTC": np.log(btc).diff().dropna()})
    with pytest.raises(ValueError, match='no price history of "BTC"'):
        dm.dynamic_scenarios(returns, {"ETH": btc}, DYNAMIC_CONFIG)
    with pytest.raises(ValueError, match="needs times"):
        dm.dynamic_scenarios(returns, {"BTC": btc.to_numpy()}, DYNAMIC_CONFIG)
    bad = dict(DYNAMIC_CONFIG, volatility={"model": "ewma", "lambda": 1.5})
    with pytest.raises(ValueError, match="lambda"):
        dm.dynamic_scenarios(returns, {"BTC": btc}, bad)
    # Too short a history to leave the warm-up: the underlying is named.
    short = btc.iloc[:40]
    with pytest.raises(ValueError, match="margin function of BTC is in its warm-up"):
        dm.dynamic_scenarios(returns.iloc[:39], {"BTC": short}, DYNAMIC_CONFIG)
