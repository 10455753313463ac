# SPDX-License-Identifier: MIT
"""Rolling VaR/ES: every method against `dynmargin var` bit for bit, the R rolling
historical-simulation reference and the normal / Student t closed forms of
tests/data/REFERENCE.md, pandas output and bad input."""

import numpy as np
import pytest

import dynmargin
from conftest import TEST_DATA, assert_bitwise_equal, cli_csv, column, returns_of


def cli_forecast(text, size):
    """`dynmargin var` rows: t is the index of the forecast return, t == size the one after."""
    var, es = np.full(size, np.nan), np.full(size, np.nan)
    after = (np.nan, np.nan)
    for row in cli_csv(text):
        t = int(row["t"])
        if t == size:
            after = (float(row["var"]), float(row["es"]))
        else:
            var[t], es[t] = float(row["var"]), float(row["es"])
    return var, es, after


def check_against_cli(cli, dataset, result, flags):
    r = returns_of(dataset)
    var, es, after = cli_forecast(cli("var", *flags, "--input", TEST_DATA / f"returns_{dataset}.csv"), r.size)
    assert np.isfinite(var).sum() > 100, "the comparison must cover rows"
    label = " ".join(flags)
    assert_bitwise_equal(result.var, var, f"var ({label})")
    assert_bitwise_equal(result.es, es, f"es ({label})")
    assert_bitwise_equal([result.next_var, result.next_es], after, f"next ({label})")


CASES = [
    ("historical", {}, []),
    ("historical", {"quantile": "type1", "es": "acerbi_tasche", "window": 250, "confidence": 0.975},
     ["--quantile", "type1", "--es", "acerbi_tasche", "--window", "250", "--confidence", "0.975"]),
    ("historical", {"horizon": 5, "side": "short"}, ["--horizon", "5", "--side", "short"]),
    ("parametric", {}, []),
    ("parametric", {"dist": "student_t", "lam": 0.97}, ["--dist", "student_t", "--lambda", "0.97"]),
    ("parametric", {"dist": "cornish_fisher", "horizon": 10}, ["--dist", "cornish_fisher", "--horizon", "10"]),
    ("parametric", {"vol": "garch", "in_sample": True}, ["--vol", "garch", "--in-sample"]),
    ("parametric", {"vol": "gjr", "fit_start": 1000, "refit": 500},
     ["--vol", "gjr", "--fit-start", "1000", "--refit", "500"]),
    ("fhs", {}, []),
    ("fhs", {"window": 300, "floor": 0.5, "cap": 2.0}, ["--window", "300", "--floor", "0.5", "--cap", "2"]),
    ("evt", {"window": 500, "refit": 5}, ["--window", "500", "--refit", "5"]),
    ("montecarlo", {"paths": 2000, "seed": 7}, ["--paths", "2000", "--seed", "7"]),
    ("montecarlo", {"paths": 2000, "dist": "student_t", "nu": 5.0}, ["--paths", "2000", "--dist", "t", "--nu", "5"]),
]
FUNCTIONS = {"historical": dynmargin.historical_var, "parametric": dynmargin.parametric_var,
             "fhs": dynmargin.filtered_historical_var, "evt": dynmargin.evt_var,
             "montecarlo": dynmargin.monte_carlo_var}


@pytest.mark.parametrize("method,settings,flags", CASES, ids=[f"{m}-{' '.join(f)}" for m, _, f in CASES])
def test_every_method_equals_the_cli(cli, method, settings, flags):
    dataset = "eth_usd_daily"
    result = FUNCTIONS[method](returns_of(dataset), **settings)
    check_against_cli(cli, dataset, result, ["--method", method, *flags])


def test_rolling_historical_var_reproduces_the_r_reference():
    # tests/data/rolling_hs_var_btc1h.csv: row t (0-based index of the forecast return) from the
    # 500 returns before it; VaR of R's quantile types 7 and 1, ES the mean at or below type 1.
    r = returns_of("btc_usd_1h")
    reference = TEST_DATA / "rolling_hs_var_btc1h.csv"
    t = column(reference, "t").astype(int)
    type7 = dynmargin.historical_var(r, window=500, quantile="type7")
    type1 = dynmargin.historical_var(r, window=500, quantile="type1")
    assert np.isnan(type7.var[:500]).all()
    assert np.max(np.abs(type7.var[t] - column(reference, "var_type7"))) <= 1e-12
    assert np.max(np.abs(type1.var[t] - column(reference, "var_type1"))) <= 1e-12
    assert np.max(np.abs(type1.es[t] - column(reference, "es"))) <= 1e-12


@pytest.mark.parametrize("confidence,dist,nu,var_factor,es_factor", [
    (0.99, "normal", None, 2.326347874, 2.665214),
    (0.975, "normal", None, 1.959964, 2.337803),
    (0.95, "normal", None, 1.644854, 2.062713),
    (0.99, "student_t", 4.0, 2.649492, 3.691510),
    (0.95, "student_t", 4.0, 1.507443, 2.264771),
])
def test_parametric_closed_forms(confidence, dist, nu, var_factor, es_factor):
    # |r| = 2 throughout: the EWMA variance is 4 exactly, so VaR = 2 z_p and ES = 2 ES_p.
    r = np.tile([2.0, -2.0], 100)
    result = dynmargin.parametric_var(r, confidence=confidence, dist=dist, nu=nu)
    ready = ~np.isnan(result.var)
    assert ready.sum() == r.size - 76  # rows start after the EWMA(0.94) burn-in of 76 returns
    np.testing.assert_allclose(result.var[ready], 2 * var_factor, rtol=2e-6)
    np.testing.assert_allclose(result.es[ready], 2 * es_factor, rtol=2e-6)
    assert result.next_var == result.var[-1]


def test_a_series_gives_series_and_a_frame():
    pd = pytest.importorskip("pandas")
    r = returns_of("sol_usd_daily")
    series = pd.Series(r, index=pd.date_range("2020-04-11", periods=r.size, freq="D"))
    result = dynmargin.historical_var(series, window=250)
    assert isinstance(result.var, pd.Series) and result.var.index.equals(series.index)
    frame = result.to_frame()
    assert list(frame.columns) == ["var", "es"] and frame.index.equals(series.index)
    assert_bitwise_equal(frame["var"].to_numpy(), dynmargin.historical_var(r, window=250).var, "frame")


def test_bad_input_and_settings():
    r = returns_of("eth_usd_daily")
    with pytest.raises(ValueError, match=r"^var: confidence must be in \[0.5, 1\) \(0.99 for 99%\), got 99$"):
        dynmargin.historical_var(r, confidence=99)
    with pytest.raises(ValueError, match=r"^var: window is longer than the data \(2062 returns\)"):
        dynmargin.historical_var(r, window=5000)
    with pytest.raises(ValueError, match=r'^var: side must be long or short, got "both"$'):
        dynmargin.parametric_var(r, side="both")
    with pytest.raises(ValueError, match=r"^var: quantile must be one of"):
        dynmargin.historical_var(r, quantile="type9")
    with pytest.raises(ValueError, match=r'^var: vol must be ewma, garch or gjr, got "figarch"$'):
        dynmargin.evt_var(r, vol="figarch")
    with pytest.raises(ValueError, match=r"^var: nu must be given with a rolling GARCH and Student t"):
        dynmargin.parametric_var(r, vol="garch", dist="t")
    bad = r.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match=r"^var: returns\[3\] must be finite, got nan$"):
        dynmargin.historical_var(bad)
    with pytest.raises(ValueError, match=r"^var: lam must be in \(0, 1\), got 1$"):
        dynmargin.parametric_var(r, lam=1.0)
    # an evaluation that cannot be made is a RuntimeError: 50 returns never warm an EWMA(0.94)
    with pytest.raises(RuntimeError, match=r"^var: no estimate: the 50 returns never filled"):
        dynmargin.parametric_var(r[:50])
    with pytest.raises(TypeError, match="returns: expected a one-dimensional array or a pandas Series, got a "
                                        "DataFrame"):
        pd = pytest.importorskip("pandas")
        dynmargin.historical_var(pd.DataFrame({"r": r}))
