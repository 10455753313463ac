// SPDX-License-Identifier: MIT
/// @file
/// @brief Umbrella header: every layer of dynmargin except the optional readers in io/.
///
/// Layers, each depending only on the ones above it:
///   core -> volatility -> risk -> margin -> backtest, portfolio
/// Include a single area's headers instead to keep compile times down.
#pragma once

#include "dynmargin/version.hpp"

// core
#include "dynmargin/core/concepts.hpp"
#include "dynmargin/core/distributions.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/math_policy.hpp"
#include "dynmargin/core/returns.hpp"
#include "dynmargin/core/types.hpp"

// volatility
#include "dynmargin/volatility/concepts.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"
#include "dynmargin/volatility/horizon.hpp"
#include "dynmargin/volatility/range.hpp"
#include "dynmargin/volatility/rolling.hpp"
#include "dynmargin/volatility/stressed.hpp"

// risk
#include "dynmargin/risk/concepts.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/filtered_historical.hpp"
#include "dynmargin/risk/generalized_pareto.hpp"
#include "dynmargin/risk/historical.hpp"
#include "dynmargin/risk/horizon.hpp"
#include "dynmargin/risk/monte_carlo.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/risk/rolling_quantile.hpp"

// margin
#include "dynmargin/margin/account.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/breakdown.hpp"
#include "dynmargin/margin/collateral.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/inverse.hpp"
#include "dynmargin/margin/liquidity.hpp"
#include "dynmargin/margin/maintenance.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/open_interest.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/margin/position_common.hpp"
#include "dynmargin/margin/price_guard.hpp"
#include "dynmargin/margin/schedule.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/margin/tiers.hpp"

// backtest
#include "dynmargin/backtest/coverage.hpp"
#include "dynmargin/backtest/es_backtest.hpp"
#include "dynmargin/backtest/procyclicality.hpp"
#include "dynmargin/backtest/replay.hpp"
