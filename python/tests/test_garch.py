# SPDX-License-Identifier: MIT
"""GARCH(1,1) and GJR fits: against `dynmargin fit` and `dynmargin vol --model garch|gjr` bit for
bit, against R fGarch's optima (tests/data/REFERENCE.md), forecasts and summary."""

import math

import numpy as np
import pytest

import dynmargin
from conftest import TEST_DATA, assert_bitwise_equal, cli_csv, cli_json, read_rows, returns_of

CASES = [("garch", "normal"), ("garch", "student_t"), ("gjr", "normal"), ("gjr", "student_t")]


def as_float(value):
    return math.nan if value is None else float(value)


@pytest.mark.parametrize("model,dist", CASES)
def test_fit_equals_the_cli(cli, model, dist):
    r = returns_of("btc_usd_daily")
    fit = dynmargin.fit_garch(r, model=model, dist=dist)
    expected = cli_json(cli("fit", "--model", model, "--dist", dist, "--input",
                            TEST_DATA / "returns_btc_usd_daily.csv"))
    assert fit.nobs == expected["n"] == r.size
    assert list(fit.params) == list(expected["params"])
    for key in ("params", "std_errors", "robust_std_errors"):
        actual = getattr(fit, key)
        assert_bitwise_equal([actual[k] for k in expected[key]], [as_float(v) for v in expected[key].values()],
                             f"{model} {dist} {key}")
    assert_bitwise_equal([fit.loglik, fit.persistence, fit.sigma2_next],
                         [expected["loglik"], expected["persistence"], expected["sigma2_next"]],
                         f"{model} {dist} loglik, persistence, sigma2_next")
    assert fit.converged == expected["converged"]
    assert fit.status == expected["status_reason"]
    assert fit.iterations == expected["iterations"]
    assert fit.fitted_stationary == expected["fitted_stationary"]
    assert sorted(fit.parameters_at_bound.values()) == sorted(expected["parameters_at_bound"])


@pytest.mark.parametrize("model", ["garch", "gjr"])
def test_conditional_volatility_equals_the_cli(cli, model):
    r = returns_of("eth_usd_daily")
    fit = dynmargin.fit_garch(r, model=model)
    rows = cli_csv(cli("vol", "--model", model, "--input", TEST_DATA / "returns_eth_usd_daily.csv"))
    assert len(rows) == r.size
    expected = np.full(r.size, np.nan)
    for row in rows:
        expected[int(row["row"]) - 2] = float(row["sigma"])
    assert_bitwise_equal(fit.conditional_volatility, expected, f"{model} conditional volatility")


def test_fits_reach_the_fgarch_optimum():
    # As tests/unit/vol_garch_fit_test.cpp: log-likelihood >= fGarch's - 1e-6 relative,
    # parameters within 1e-3 relative (shape 1e-2), fGarch's one-step forecast within 1e-3.
    for row in read_rows(TEST_DATA / "garch11_fgarch_crypto.csv"):
        student = row["cond_dist"] == "std"
        fit = dynmargin.fit_garch(returns_of(row["dataset"]), dist="student_t" if student else "normal")
        reference = float(row["loglik"])
        assert fit.converged, row["dataset"]
        assert fit.loglik >= reference - 1e-6 * abs(reference)
        for ours, theirs in (("mu", "mu"), ("omega", "omega"), ("alpha", "alpha1"), ("beta", "beta1")):
            assert fit.params[ours] == pytest.approx(float(row[theirs]), rel=1e-3), (row["dataset"], ours)
        if student:
            assert fit.params["nu"] == pytest.approx(float(row["shape"]), rel=1e-2)
        assert math.sqrt(fit.sigma2_next) == pytest.approx(float(row["sigma_forecast_1"]), rel=1e-3)
        assert fit.persistence == pytest.approx(float(row["persistence"]), rel=1e-3)
        assert all(value > 0 for value in fit.std_errors.values())
        assert all(value > 0 for value in fit.robust_std_errors.values())


def test_gjr_fits_reach_the_fgarch_aparch_optimum():
    for row in read_rows(TEST_DATA / "gjr_fgarch_crypto.csv"):
        student = row["cond_dist"] == "std"
        fit = dynmargin.fit_garch(returns_of(row["dataset"]), model="gjr", dist="t" if student else "normal")
        reference = float(row["loglik"])
        assert fit.loglik >= reference - 1e-6 * abs(reference), (row["dataset"], row["cond_dist"])
        assert list(fit.params) == ["mu", "omega", "alpha", "gamma", "beta"] + (["nu"] if student else [])


def test_forecast_is_the_garch_recursion():
    fit = dynmargin.fit_garch(returns_of("eth_usd_daily"), stationary=True)
    p = fit.params
    persistence = p["alpha"] + p["beta"]
    assert fit.persistence == pytest.approx(persistence, rel=1e-15)
    assert fit.fitted_stationary and fit.stationarity_enforced
    steps = fit.forecast(50)
    assert steps.shape == (50,)
    assert steps[0] == fit.sigma2_next
    # E[h_{T+k+1}] = omega + p E[h_{T+k}], converging to omega / (1 - p)
    np.testing.assert_allclose(steps[1:], p["omega"] + persistence * steps[:-1], rtol=1e-12)
    assert abs(fit.forecast(5000)[-1] - p["omega"] / (1 - persistence)) < 1e-9 * p["omega"] / (1 - persistence)
    np.testing.assert_allclose(fit.forecast(50, cumulative=True), np.cumsum(steps), rtol=1e-12)
    with pytest.raises(ValueError, match=r"^forecast: horizon must be at least 1, got 0$"):
        fit.forecast(0)


def test_the_conditional_variance_is_the_filter_of_the_fitted_model():
    r = returns_of("sol_usd_daily")
    fit = dynmargin.fit_garch(r, start="rugarch")
    p = fit.params
    h = fit.conditional_variance
    assert h[0] == pytest.approx(np.mean((r - p["mu"]) ** 2), rel=1e-12)  # rugarch's h_1
    z = r[:-1] - p["mu"]
    np.testing.assert_allclose(h[1:], p["omega"] + p["alpha"] * z * z + p["beta"] * h[:-1], rtol=1e-12)
    assert_bitwise_equal(fit.conditional_volatility, np.sqrt(h), "volatility")


def test_summary_and_series_output():
    pd = pytest.importorskip("pandas")
    rows = read_rows(TEST_DATA / "returns_btc_usd_daily.csv")
    r = pd.Series([float(row["r"]) for row in rows], index=pd.to_datetime([row["date"] for row in rows]))
    fit = dynmargin.fit_garch(r, model="gjr", dist="t")
    assert isinstance(fit.conditional_volatility, pd.Series) and fit.conditional_volatility.index.equals(r.index)
    text = fit.summary()
    assert text.startswith("GJR-GARCH(1,1) with a constant mean, Student t innovations")
    for name in ("mu", "omega", "alpha", "gamma", "beta", "nu"):
        assert f"\n{name} " in text
    assert f"{fit.loglik:.6f}" in text
    assert fit.hessian.shape == (6, 6) and fit.parameter_names == ["mu", "omega", "alpha", "gamma", "beta", "nu"]


def test_bad_fit_arguments():
    r = returns_of("btc_usd_daily")
    with pytest.raises(ValueError, match=r'^fit_garch: model must be garch or gjr, got "egarch"$'):
        dynmargin.fit_garch(r, model="egarch")
    with pytest.raises(ValueError, match=r"^fit_garch: dist must be one of"):
        dynmargin.fit_garch(r, dist="ged")
    with pytest.raises(ValueError, match="fit_garch"):
        dynmargin.fit_garch(r[:10])  # fewer than the 30 observations a fit needs
    bad = r.copy()
    bad[100] = np.inf
    with pytest.raises(ValueError, match=r"100"):
        dynmargin.fit_garch(bad)
