# SPDX-License-Identifier: MIT
"""Rolling VaR and expected shortfall over an array of returns.

Each function runs one of the library's risk measures over the returns exactly as
`dynmargin var --method ...` does, so the numbers are the same bit for bit. Row t of `var` and
`es` is the forecast for return t made from returns 0..t-1 (NaN before the method has one);
`next_var` and `next_es` are the forecast for the return after the data. Values are losses, in
the units of the returns (percent log returns by default), positive for a loss.

The volatility model (parametric, filtered historical, EVT, Monte Carlo) is `vol`:
"ewma" (decay `lam`), or "garch" / "gjr" estimated on past returns only (first on the
`fit_start` returns before the first row, then again every `refit` returns), or fitted once on
the whole input with in_sample=True (look-ahead: for exploration, not for backtests).
"""

import math
import warnings
from dataclasses import dataclass
from typing import Any

from . import _core
from ._arrays import as_float_array, pandas_available, wrap

__all__ = ["RiskForecast", "historical_var", "parametric_var", "filtered_historical_var", "evt_var",
           "monte_carlo_var"]


@dataclass
class RiskForecast:
    """VaR and ES forecasts: `var`, `es` (arrays, or Series on the returns' index), the forecast
    after the data (`next_var`, `next_es`), and what the run reports: EVT updates whose tail
    refit failed (the previous tails were kept), GARCH fits made and refits that failed."""

    var: Any
    es: Any
    next_var: float
    next_es: float
    refit_warnings: int = 0
    garch_fits: int = 0
    garch_failed_refits: int = 0

    def to_frame(self):
        """A pandas DataFrame with columns var and es (needs pandas)."""
        if not pandas_available():
            raise RuntimeError("RiskForecast.to_frame needs pandas")
        import pandas as pd
        index = self.var.index if isinstance(self.var, pd.Series) else None
        return pd.DataFrame({"var": self.var, "es": self.es}, index=index)


def _run(returns, method, **settings):
    array, index = as_float_array(returns, "returns")
    out = _core.rolling_risk(array, method, **settings)
    result = RiskForecast(wrap(out["var"], index, "var"), wrap(out["es"], index, "es"), out["next_var"],
                          out["next_es"], out["refit_warnings"], out["garch_fits"], out["garch_failed_refits"])
    if result.refit_warnings:
        warnings.warn(f"{method}: {result.refit_warnings} updates could not refit the tails; the previous "
                      f"tails were kept", RuntimeWarning, stacklevel=3)
    if result.garch_failed_refits:
        warnings.warn(f"{method}: {result.garch_failed_refits} GARCH refits failed; the previous fit was kept",
                      RuntimeWarning, stacklevel=3)
    return result


def _vol_settings(vol, lam, refit, fit_start, in_sample, nonstationary):
    return dict(vol=vol, lam=lam, refit=refit, fit_start=fit_start, in_sample=in_sample,
                nonstationary=nonstationary)


def historical_var(returns, confidence=0.99, window=500, quantile="type7", es="tail_mean", horizon=1,
                   horizon_rule=None, age_decay=1.0, side="long", paths=0, seed=20240501):
    """Historical simulation over the `window` returns before each row.

    quantile: "type7" (R's default, numpy "linear") or "type1" (inverse empirical CDF);
    es: "tail_mean" or "acerbi_tasche"; horizon_rule: "overlapping_sums" (default),
    "square_root_of_time" or "bootstrap" (`paths` sums, `seed`); age_decay: BRW weights (type1).
    """
    return _run(returns, "historical", confidence=confidence, window=window, quantile=quantile, es=es,
                horizon=horizon, horizon_rule=horizon_rule, age_decay=age_decay, side=side, paths=paths, seed=seed)


def parametric_var(returns, confidence=0.99, dist="normal", nu=None, skew=None, kurt=None, horizon=1,
                   horizon_rule=None, side="long", vol="ewma", lam=0.94, refit=None, fit_start=500,
                   in_sample=False, nonstationary=False):
    """Parametric VaR/ES from the volatility model's forecast: dist "normal", "student_t"
    (unit variance; `nu` estimated in-sample on the standardised residuals when not given) or
    "cornish_fisher" (`skew` and excess `kurt`, in-sample when not given)."""
    return _run(returns, "parametric", confidence=confidence, dist=dist, nu=nu, skew=skew, kurt=kurt,
                horizon=horizon, horizon_rule=horizon_rule, side=side,
                **_vol_settings(vol, lam, refit, fit_start, in_sample, nonstationary))


def filtered_historical_var(returns, confidence=0.99, window=500, quantile="type7", es="tail_mean", horizon=1,
                            horizon_rule=None, floor=0.0, cap=math.inf, side="long", paths=0, seed=20240501,
                            vol="ewma", lam=0.94, refit=None, fit_start=500, in_sample=False,
                            nonstationary=False):
    """Filtered historical simulation: the `window` standardised residuals r_t / sigma_t before
    each row, rescaled by the current forecast; `floor` and `cap` bound sigma_now / sigma_t."""
    return _run(returns, "fhs", confidence=confidence, window=window, quantile=quantile, es=es, horizon=horizon,
                horizon_rule=horizon_rule, floor=floor, cap=cap, side=side, paths=paths, seed=seed,
                **_vol_settings(vol, lam, refit, fit_start, in_sample, nonstationary))


def evt_var(returns, confidence=0.99, window=500, horizon=1, side="long", vol="ewma", lam=0.94, refit=None,
            fit_start=500, in_sample=False, nonstationary=False):
    """Extreme value theory (McNeil and Frey): a generalized Pareto tail fitted to the `window`
    standardised residuals before each row. refit: with vol="ewma", refit the tails every this many
    returns (default 1); with GARCH, re-estimate it every this many returns (default 100)."""
    return _run(returns, "evt", confidence=confidence, window=window, horizon=horizon, side=side,
                **_vol_settings(vol, lam, refit, fit_start, in_sample, nonstationary))


def monte_carlo_var(returns, confidence=0.99, dist="normal", nu=None, horizon=1, paths=0, seed=20240501,
                    side="long", vol="ewma", lam=0.94, refit=None, fit_start=500, in_sample=False,
                    nonstationary=False):
    """Monte Carlo VaR/ES: `paths` scenarios (default 100,000) of normal or unit-variance
    Student t innovations scaled by the volatility model, from `seed`."""
    return _run(returns, "montecarlo", confidence=confidence, dist=dist, nu=nu, horizon=horizon, paths=paths,
                seed=seed, side=side, **_vol_settings(vol, lam, refit, fit_start, in_sample, nonstationary))
