# SPDX-License-Identifier: MIT
"""Volatility: log returns, EWMA, rolling and range-based variances, GARCH/GJR fits.

Row convention (that of `dynmargin vol`): element t of a variance series is the model's forecast
of the variance of observation t made from the observations before t; NaN where the model has
no forecast yet (a rolling window not yet full). Units are those of the returns: percent log
returns by default, as everywhere in dynmargin.
"""

import numpy as np

from . import _core
from ._arrays import as_float_array, is_frame, wrap

__all__ = [
    "log_returns", "ewma_variance", "ewma_volatility", "rolling_variance", "rolling_volatility",
    "range_variance", "range_volatility", "fit_garch", "GarchResult",
]


def log_returns(prices, percent=True):
    """Log returns 100 ln(P_t / P_{t-1}) (or ln(P_t / P_{t-1}) with percent=False).

    One fewer than the prices; a Series in gives a Series indexed by the later price of each
    return. Prices must be finite and positive (ValueError naming the first that is not).
    """
    array, index = as_float_array(prices, "prices")
    out = _core.log_returns(array, percent)
    return wrap(out, None if index is None else index[1:], "r")


def ewma_variance(returns, lam=None, half_life=None, start="first_squared_return", warmup=0):
    """RiskMetrics EWMA variance: sigma2_{t+1} = lam sigma2_t + (1 - lam) r_t^2 (zero mean).

    lam: decay in (0, 1), 0.94 when neither lam nor half_life is given (arch's EWMAVariance lam).
    half_life: instead of lam, weights halve every half_life observations (lam = 0.5^(1/half_life)).
    start: "first_squared_return" (row 0 is the seed r_0^2, RiskMetrics' convention) or
    "warmup_window" (rows start after `warmup` returns, seeded by their mean square).
    """
    array, index = as_float_array(returns, "returns")
    return wrap(_core.ewma_variance(array, lam, half_life, start, warmup), index, "variance")


def ewma_volatility(returns, lam=None, half_life=None, start="first_squared_return", warmup=0):
    """The square root of `ewma_variance` (same arguments)."""
    return np.sqrt(ewma_variance(returns, lam, half_life, start, warmup))


def rolling_variance(returns, window=250, mean="zero"):
    """Equally weighted variance of the `window` returns before each row.

    mean: "zero" (mean of squares, the risk convention) or "sample" (divisor window - 1).
    The first `window` rows are NaN.
    """
    array, index = as_float_array(returns, "returns")
    return wrap(_core.rolling_variance(array, window, mean), index, "variance")


def rolling_volatility(returns, window=250, mean="zero"):
    """The square root of `rolling_variance` (same arguments)."""
    return np.sqrt(rolling_variance(returns, window, mean))


_ESTIMATORS = {"parkinson": "parkinson", "garman_klass": "garman_klass", "garman-klass": "garman_klass",
               "rogers_satchell": "rogers_satchell", "rogers-satchell": "rogers_satchell",
               "yang_zhang": "yang_zhang", "yang-zhang": "yang_zhang"}


def _bar_columns(frame):
    by_name = {str(column).lower(): column for column in frame.columns}
    missing = [name for name in ("open", "high", "low", "close") if name not in by_name]
    if missing:
        raise ValueError(f"bars: the DataFrame has no column {', '.join(missing)} "
                         f"(columns: {list(frame.columns)})")
    return [frame[by_name[name]] for name in ("open", "high", "low", "close")]


def range_variance(open, high=None, low=None, close=None, estimator="parkinson", window=None, lam=None,
                   percent=True, overnight="measured"):
    """Range-based variance of one bar's log return from OHLC bars: Parkinson, Garman-Klass,
    Rogers-Satchell or Yang-Zhang.

    Give the four columns, or a DataFrame with columns open, high, low, close (any case) as the
    first argument. Rolling over `window` bars (default 30) or EWMA-weighted with `lam`; row t
    from the bars before t. overnight (Yang-Zhang): "measured" or "none".
    """
    if is_frame(open) and high is None and low is None and close is None:
        open, high, low, close = _bar_columns(open)
    if high is None or low is None or close is None:
        raise TypeError("range_variance: give open, high, low and close, or a DataFrame of bars")
    name = _ESTIMATORS.get(estimator)
    if name is None:
        raise ValueError(f"range_variance: estimator must be one of parkinson, garman_klass, rogers_satchell, "
                         f"yang_zhang, got {estimator!r}")
    columns = [as_float_array(column, label) for column, label in
               ((open, "open"), (high, "high"), (low, "low"), (close, "close"))]
    out = _core.range_variance(name, *(array for array, _ in columns), window, lam, percent, overnight)
    return wrap(out, columns[3][1], "variance")


def range_volatility(open, high=None, low=None, close=None, estimator="parkinson", window=None, lam=None,
                     percent=True, overnight="measured"):
    """The square root of `range_variance` (same arguments)."""
    return np.sqrt(range_variance(open, high, low, close, estimator, window, lam, percent, overnight))


class GarchResult:
    """A GARCH(1,1) or GJR-GARCH(1,1) fit; the names follow Python arch's ARCHModelResult where
    the idea is the same (params, conditional_volatility, nobs, forecast, summary).

    params, std_errors, robust_std_errors: dicts in the order mu, omega, alpha, [gamma], beta, [nu];
    a standard error that does not exist (a parameter at a bound, a Hessian that is not negative
    definite) is NaN. loglik: the maximised log-likelihood (fGarch's definition).
    conditional_variance / conditional_volatility: h_t and sqrt(h_t), row t from the returns
    before t (a Series when the returns were one).
    """

    def __init__(self, fit, index):
        self._fit = fit
        self._index = index

    model = property(lambda self: self._fit.model, doc="'garch' or 'gjr'")
    dist = property(lambda self: self._fit.dist, doc="'normal' or 'student_t'")
    start = property(lambda self: self._fit.start, doc="rule for h_1: fgarch, rugarch, backcast or unconditional")
    params = property(lambda self: self._fit.params)
    std_errors = property(lambda self: self._fit.std_errors)
    robust_std_errors = property(lambda self: self._fit.robust_std_errors)
    loglik = property(lambda self: self._fit.loglik)
    nobs = property(lambda self: self._fit.nobs)
    converged = property(lambda self: self._fit.converged)
    status = property(lambda self: self._fit.status, doc="why the optimiser stopped, and any caveat")
    iterations = property(lambda self: self._fit.iterations)
    persistence = property(lambda self: self._fit.persistence, doc="alpha + gamma/2 + beta")
    fitted_stationary = property(lambda self: self._fit.fitted_stationary)
    stationarity_enforced = property(lambda self: self._fit.stationarity_enforced)
    parameters_at_bound = property(lambda self: self._fit.parameters_at_bound,
                                   doc="{parameter: which bound}, for parameters without a standard error")
    hessian = property(lambda self: self._fit.hessian)
    parameter_names = property(lambda self: self._fit.parameter_names)
    sigma2_next = property(lambda self: self._fit.sigma2_next,
                           doc="the one-step variance forecast after the last return")

    @property
    def conditional_variance(self):
        return wrap(self._fit.conditional_variance, self._index, "variance")

    @property
    def conditional_volatility(self):
        return wrap(np.sqrt(self._fit.conditional_variance), self._index, "volatility")

    def forecast(self, horizon=1, cumulative=False):
        """Variance forecasts for the next `horizon` returns after the data, as an array:
        element k-1 is E[h_{T+k}] (arch's forecast(horizon).variance), or with cumulative=True
        the variance of the sum of the next k returns."""
        return self._fit.forecast(horizon, cumulative)

    def summary(self):
        """A readable table of the fit."""
        name = "GJR-GARCH(1,1)" if self.model == "gjr" else "GARCH(1,1)"
        dist = "Student t" if self.dist == "student_t" else "normal"
        lines = [
            f"{name} with a constant mean, {dist} innovations (dynmargin.fit_garch, maximum likelihood)",
            f"observations: {self.nobs:<10d} log-likelihood: {self.loglik:.6f}",
            f"converged: {'yes' if self.converged else 'NO'} ({self.status})",
            f"h_1 rule: {self.start:<14s} stationarity constraint: {'yes' if self.stationarity_enforced else 'no'}",
            f"persistence: {self.persistence:.6f}" +
            ("" if self.fitted_stationary else "  (not stationary: variance forecasts grow with the horizon)"),
            "",
            f"{'parameter':<10s}{'estimate':>14s}{'std. error':>14s}{'robust s.e.':>14s}{'t (robust)':>12s}",
        ]
        at_bound = self.parameters_at_bound
        for key, value in self.params.items():
            se = self.std_errors[key]
            robust = self.robust_std_errors[key]
            t = value / robust if np.isfinite(robust) and robust > 0 else float("nan")
            note = f"  {at_bound[key]}" if key in at_bound else ""
            lines.append(f"{key:<10s}{value:>14.6g}{se:>14.4g}{robust:>14.4g}{t:>12.2f}{note}")
        lines += ["", f"next one-step variance: {self.sigma2_next:.6g} (volatility {np.sqrt(self.sigma2_next):.6g})"]
        return "\n".join(lines)

    def __repr__(self):
        return f"<dynmargin.GarchResult {self.model} {self.dist}, loglik {self.loglik:.4f}, converged {self.converged}>"


def fit_garch(returns, model="garch", dist="normal", start="fgarch", stationary=False, variance_targeting=False):
    """Maximum-likelihood GARCH(1,1) (model="garch") or GJR-GARCH(1,1) (model="gjr") with a
    constant mean, normal or unit-variance Student t innovations (dist="normal" or "student_t",
    alias "t"); the same fit as `dynmargin fit`. start chooses h_1: "fgarch" (R fGarch, default),
    "rugarch", "backcast" (Python arch) or "unconditional". stationary imposes
    alpha + gamma/2 + beta < 1. A fit that does not converge is returned with converged=False.
    """
    array, index = as_float_array(returns, "returns")
    return GarchResult(_core.fit_garch(array, model, dist, start, stationary, variance_targeting), index)
