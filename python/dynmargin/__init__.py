# SPDX-License-Identifier: MIT
"""dynmargin: dynamic margin for crypto derivatives, from Python.

The numbers are those of the C++ library and of the `dynmargin` command-line tool, bit for bit.
Inputs are NumPy arrays (float64 without a copy) or pandas Series; a Series in gives a Series
out. Errors of the library arrive as ValueError (a bad argument or input) or RuntimeError (a
failed evaluation) with the library's message. See docs/python.md.
"""

from . import _core
from .margin import MarginFunction, backtest, to_epoch_microseconds
from .portfolio import (MarginAttribution, ScenarioSet, attribute_margin, black76, dynamic_scenarios,
                        filtered_historical_scenarios, implied_volatility, instrument_deltas, margin_accounts,
                        minimum_delta_charge, monte_carlo_scenarios, paradex_grid, portfolio_margin, scenario_pnl,
                        span_grid)
from .risk import (RiskForecast, evt_var, filtered_historical_var, historical_var, monte_carlo_var,
                   parametric_var)
from .volatility import (GarchResult, ewma_variance, ewma_volatility, fit_garch, log_returns, range_variance,
                         range_volatility, rolling_variance, rolling_volatility)

__version__ = _core.__version__

__all__ = [
    "log_returns", "ewma_variance", "ewma_volatility", "rolling_variance", "rolling_volatility",
    "range_variance", "range_volatility", "fit_garch", "GarchResult",
    "historical_var", "parametric_var", "filtered_historical_var", "evt_var", "monte_carlo_var", "RiskForecast",
    "MarginFunction", "backtest", "to_epoch_microseconds",
    "black76", "implied_volatility", "ScenarioSet", "paradex_grid", "span_grid", "filtered_historical_scenarios",
    "monte_carlo_scenarios", "scenario_pnl", "instrument_deltas", "minimum_delta_charge", "portfolio_margin",
    "MarginAttribution", "attribute_margin", "margin_accounts", "dynamic_scenarios",
]
