# SPDX-License-Identifier: MIT
"""Volatility: EWMA, rolling and range estimators against `dynmargin vol` (bit for bit) and
the R reference of tests/data/REFERENCE.md; array and pandas conventions; bad input."""

import math

import numpy as np
import pytest

import dynmargin
from conftest import EXAMPLE_DATA, TEST_DATA, assert_bitwise_equal, cli_csv, column, read_rows, returns_of

RETURNS_FILE = TEST_DATA / "returns_btc_usd_daily.csv"


def cli_sigma(text, size, first_line):
    """`dynmargin vol` rows as an array of `size`: row `row` (1-based input line) belongs to the
    observation at index row - first_line; NaN where the tool prints no row."""
    out = np.full(size, np.nan)
    for row in cli_csv(text):
        out[int(row["row"]) - first_line] = float(row["sigma"])
    return out


# ---- EWMA ---------------------------------------------------------------------------------------

def test_ewma_reproduces_the_r_reference_to_1e13():
    # tests/data/ewma094_btc_daily.csv row t (1-based) is the forecast of r_t from r_1..r_{t-1},
    # its row 1 the seed r_1^2: element t-1 here.
    expected = column(TEST_DATA / "ewma094_btc_daily.csv", "sigma2")
    variance = dynmargin.ewma_variance(returns_of("btc_usd_daily"), lam=0.94)
    assert variance.shape == expected.shape
    assert variance[0] == returns_of("btc_usd_daily")[0] ** 2
    assert np.max(np.abs(variance - expected) / expected) < 1e-13


def test_ewma_default_decay_is_094_and_volatility_is_its_square_root():
    r = returns_of("eth_usd_daily")
    assert_bitwise_equal(dynmargin.ewma_variance(r), dynmargin.ewma_variance(r, lam=0.94), "default lam")
    assert_bitwise_equal(dynmargin.ewma_volatility(r, lam=0.97), np.sqrt(dynmargin.ewma_variance(r, lam=0.97)),
                         "ewma_volatility")


@pytest.mark.parametrize("dataset", ["btc_usd_daily", "eth_usd_daily", "sol_usd_daily"])
def test_ewma_equals_the_cli(cli, dataset):
    path = TEST_DATA / f"returns_{dataset}.csv"
    r = returns_of(dataset)
    expected = cli_sigma(cli("vol", "--model", "ewma", "--lambda", "0.94", "--input", path), r.size, 2)
    assert not np.isnan(expected).any()
    assert_bitwise_equal(dynmargin.ewma_volatility(r, lam=0.94), expected, f"ewma {dataset}")


def test_ewma_half_life_and_warmup_equal_the_cli(cli):
    r = returns_of("sol_usd_daily")
    expected = cli_sigma(cli("vol", "--model", "ewma", "--half-life", "10", "--input",
                             TEST_DATA / "returns_sol_usd_daily.csv"), r.size, 2)
    assert_bitwise_equal(dynmargin.ewma_volatility(r, half_life=10), expected, "ewma half-life 10")
    assert dynmargin.ewma_variance(r, half_life=10)[5] != dynmargin.ewma_variance(r)[5]
    expected = cli_sigma(cli("vol", "--model", "ewma", "--start", "warmup", "--warmup", "20", "--lambda", "0.97",
                             "--input", TEST_DATA / "returns_sol_usd_daily.csv"), r.size, 2)
    actual = dynmargin.ewma_volatility(r, lam=0.97, start="warmup_window", warmup=20)
    assert np.isnan(actual[:20]).all() and not np.isnan(actual[20:]).any()
    assert_bitwise_equal(actual, expected, "ewma warm-up 20")


def test_log_returns_of_prices_equal_the_cli(cli):
    # The tool reads the Close column of a Yahoo price file and takes 100 ln(P_t / P_{t-1}).
    close = column(EXAMPLE_DATA / "btc_usd_daily.csv", "Close")
    r = dynmargin.log_returns(close)
    assert r.size == close.size - 1
    # math.log is the C library's log, as std::log (NumPy's vectorised log may differ by an ulp)
    assert r[0] == 100.0 * math.log(close[1] / close[0])
    assert_bitwise_equal(dynmargin.log_returns(close, percent=False),
                         [math.log(b / a) for a, b in zip(close[:-1], close[1:])], "fractions")
    expected = cli_sigma(cli("vol", "--model", "ewma", "--input", EXAMPLE_DATA / "btc_usd_daily.csv"), r.size, 3)
    assert_bitwise_equal(dynmargin.ewma_volatility(r), expected, "ewma of the returns of btc_usd_daily.csv")


# ---- rolling ------------------------------------------------------------------------------------

@pytest.mark.parametrize("mean", ["zero", "sample"])
def test_rolling_equals_the_cli(cli, mean):
    r = returns_of("btc_usd_daily")
    expected = cli_sigma(cli("vol", "--model", "rolling", "--window", "30", "--mean", mean, "--input",
                             RETURNS_FILE), r.size, 2)
    actual = dynmargin.rolling_volatility(r, window=30, mean=mean)
    assert np.isnan(actual[:30]).all() and not np.isnan(actual[30:]).any()
    assert_bitwise_equal(actual, expected, f"rolling 30 {mean}")


def test_rolling_is_the_window_statistic():
    r = returns_of("eth_usd_daily")
    v = dynmargin.rolling_variance(r, window=50)
    np.testing.assert_allclose(v[50:], [np.mean(r[t - 50:t] ** 2) for t in range(50, r.size)], rtol=1e-13)
    s = dynmargin.rolling_variance(r, window=50, mean="sample")
    np.testing.assert_allclose(s[50:], [np.var(r[t - 50:t], ddof=1) for t in range(50, r.size)], rtol=1e-12)


# ---- range estimators ---------------------------------------------------------------------------

def bars_of(name):
    rows = read_rows(EXAMPLE_DATA / name)
    return [np.array([float(row[key]) for row in rows]) for key in ("Open", "High", "Low", "Close")]


@pytest.mark.parametrize("estimator", ["parkinson", "garman-klass", "rogers-satchell", "yang-zhang"])
@pytest.mark.parametrize("weighting", [("--window", "20"), ("--lambda", "0.9")])
def test_range_estimators_equal_the_cli(cli, estimator, weighting):
    bars = bars_of("btc_usd_daily.csv")
    flag, value = weighting
    expected = cli_sigma(cli("vol", "--model", estimator, flag, value, "--input", EXAMPLE_DATA / "btc_usd_daily.csv"),
                         bars[0].size, 2)
    settings = {"window": int(value)} if flag == "--window" else {"lam": float(value)}
    actual = dynmargin.range_volatility(*bars, estimator=estimator, **settings)
    assert np.isfinite(actual).sum() > bars[0].size - 30
    assert_bitwise_equal(actual, expected, f"{estimator} {flag} {value}")


def test_parkinson_is_its_closed_form():
    # One bar's Parkinson variance is ln(H/L)^2 / (4 ln 2); rolling over 2 bars is their mean.
    o, h, l, c = (np.array(x) for x in ([100.0, 100, 100], [110.0, 120, 100], [90.0, 100, 100], [100.0, 110, 100]))
    v = dynmargin.range_variance(o, h, l, c, estimator="parkinson", window=2, percent=False)
    terms = np.log(h / l) ** 2 / (4 * np.log(2.0))
    assert np.isnan(v[:2]).all()
    assert v[2] == pytest.approx((terms[0] + terms[1]) / 2, rel=1e-14)


def test_range_estimators_take_a_dataframe_of_bars():
    pd = pytest.importorskip("pandas")
    o, h, l, c = bars_of("eth_usd_daily.csv")
    frame = pd.DataFrame({"Open": o, "High": h, "Low": l, "Close": c},
                         index=pd.date_range("2017-11-09", periods=o.size, freq="D"))
    out = dynmargin.range_volatility(frame, estimator="garman_klass")
    assert isinstance(out, pd.Series) and out.index.equals(frame.index)
    assert_bitwise_equal(out.to_numpy(), dynmargin.range_volatility(o, h, l, c, estimator="garman_klass"), "frame")
    with pytest.raises(ValueError, match="no column close"):
        dynmargin.range_volatility(frame.drop(columns="Close"))


# ---- arrays and pandas --------------------------------------------------------------------------

def test_float64_contiguous_input_is_not_copied_and_other_layouts_are_converted():
    from dynmargin._arrays import shares_memory
    r = returns_of("btc_usd_daily")
    assert shares_memory(r, "returns")
    strided = np.repeat(r, 2)[::2]
    assert not strided.flags.c_contiguous and not shares_memory(strided, "returns")
    assert_bitwise_equal(dynmargin.ewma_variance(strided), dynmargin.ewma_variance(r), "strided input")
    single = r.astype(np.float32)
    assert_bitwise_equal(dynmargin.ewma_variance(single), dynmargin.ewma_variance(single.astype(np.float64)),
                         "float32 input")
    assert_bitwise_equal(dynmargin.ewma_variance([1, 2, 3], lam=0.5), [1.0, 1.0, 2.5], "a list of integers")
    # A float64 Series is read in place too; a nullable Float64 one is converted, missing -> NaN.
    pd = pytest.importorskip("pandas")
    assert shares_memory(pd.Series(r), "returns")
    nullable = pd.Series(r, dtype="Float64")
    assert not shares_memory(nullable, "returns")
    assert_bitwise_equal(dynmargin.ewma_variance(nullable).to_numpy(), dynmargin.ewma_variance(r), "Float64 Series")
    with pytest.raises(ValueError, match=r"returns\[2\]"):
        dynmargin.ewma_variance(pd.Series([1.0, 2.0, None, 3.0], dtype="Float64"))


def test_a_series_gives_a_series_on_the_same_index():
    pd = pytest.importorskip("pandas")
    rows = read_rows(RETURNS_FILE)
    r = pd.Series([float(row["r"]) for row in rows], index=pd.to_datetime([row["date"] for row in rows]))
    v = dynmargin.ewma_volatility(r)
    assert isinstance(v, pd.Series) and v.index.equals(r.index)
    assert_bitwise_equal(v.to_numpy(), dynmargin.ewma_volatility(r.to_numpy()), "Series")
    roll = dynmargin.rolling_variance(r, window=10)
    assert isinstance(roll, pd.Series) and roll.index.equals(r.index)
    prices = pd.Series([100.0, 110.0, 99.0], index=pd.date_range("2024-01-01", periods=3, freq="D"))
    returns = dynmargin.log_returns(prices)
    assert list(returns.index) == list(prices.index[1:])
    # nullable floats: a missing value becomes NaN, which the model refuses naming the element
    with pytest.raises(ValueError, match=r"returns\[1\]"):
        dynmargin.ewma_variance(pd.Series([1.0, None, 2.0], dtype="Float64"))


# ---- bad input ----------------------------------------------------------------------------------

def test_bad_input_is_refused_naming_the_argument():
    with pytest.raises(TypeError, match=r"returns: expected real numbers .* got dtype <U"):
        dynmargin.ewma_variance(np.array(["1.0", "2.0"]))
    with pytest.raises(TypeError, match="returns: expected real numbers"):
        dynmargin.ewma_variance(np.array([1 + 2j, 3 + 0j]))
    with pytest.raises(ValueError, match=r"returns: expected a one-dimensional array, got shape \(2, 2\)"):
        dynmargin.ewma_variance(np.ones((2, 2)))
    with pytest.raises(TypeError, match="prices: expected real numbers"):
        dynmargin.log_returns([None, 1.0])


def test_library_errors_arrive_with_the_library_message():
    r = returns_of("eth_usd_daily")
    with pytest.raises(ValueError, match=r"^ewma: lam must be in \(0, 1\), got 1.2$"):
        dynmargin.ewma_variance(r, lam=1.2)
    with pytest.raises(ValueError, match="give lam or half_life, not both"):
        dynmargin.ewma_variance(r, lam=0.9, half_life=5)
    with pytest.raises(ValueError, match=r"^rolling: window must be at least 2, got 1$"):
        dynmargin.rolling_variance(r, window=1)
    with pytest.raises(ValueError, match=r"^rolling: mean must be one of"):
        dynmargin.rolling_variance(r, mean="median")
    bad = r.copy()
    bad[7] = np.nan
    with pytest.raises(ValueError, match=r"^ewma: returns\[7\] failed with status non_finite_input$"):
        dynmargin.ewma_variance(bad)
    # a numerical failure (dynmargin::domain_error) is a ValueError as well: r^2 overflows
    with pytest.raises(ValueError, match=r"^rolling: returns\[2\] failed with status domain_error$"):
        dynmargin.rolling_variance([1.0, 2.0, 1e200, 3.0], window=2)
    with pytest.raises(ValueError, match=r"price at row 1 must be finite and positive, got -1"):
        dynmargin.log_returns([1.0, -1.0])
    o, h, l, c = bars_of("btc_usd_daily.csv")
    h = h.copy()
    h[3] = l[3] / 2  # high below low
    with pytest.raises(ValueError, match="bar 3"):
        dynmargin.range_variance(o, h, l, c)
    with pytest.raises(ValueError, match=r"high must have one value per bar"):
        dynmargin.range_variance(o, h[:-1], l, c)
