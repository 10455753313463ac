// SPDX-License-Identifier: MIT
/// @file
/// @brief Umbrella header: every layer of dynmargin except the optional readers in io/.
///
/// Layers, each depending only on the ones before it:
///   core -> volatility -> risk -> margin -> backtest, with options (pricing) on core alone
///   and portfolio (many instruments, accounts) on margin and options
/// (docs/architecture.md has the table of what each folder may include, which a test checks).
/// Include a single area's headers instead to keep compile times down.
#pragma once

#include "dynmargin/version.hpp"  // IWYU pragma: export

// core
#include "dynmargin/core/bar_sampler.hpp"    // IWYU pragma: export
#include "dynmargin/core/concepts.hpp"       // IWYU pragma: export
#include "dynmargin/core/distributions.hpp"  // IWYU pragma: export
#include "dynmargin/core/duration.hpp"       // IWYU pragma: export
#include "dynmargin/core/error.hpp"          // IWYU pragma: export
#include "dynmargin/core/math_policy.hpp"    // IWYU pragma: export
#include "dynmargin/core/random.hpp"         // IWYU pragma: export
#include "dynmargin/core/returns.hpp"        // IWYU pragma: export
#include "dynmargin/core/spacing.hpp"        // IWYU pragma: export
#include "dynmargin/core/types.hpp"          // IWYU pragma: export

// volatility
#include "dynmargin/volatility/concepts.hpp"   // IWYU pragma: export
#include "dynmargin/volatility/ewma.hpp"       // IWYU pragma: export
#include "dynmargin/volatility/garch.hpp"      // IWYU pragma: export
#include "dynmargin/volatility/garch_fit.hpp"  // IWYU pragma: export
#include "dynmargin/volatility/horizon.hpp"    // IWYU pragma: export
#include "dynmargin/volatility/range.hpp"      // IWYU pragma: export
#include "dynmargin/volatility/rolling.hpp"    // IWYU pragma: export
#include "dynmargin/volatility/stressed.hpp"   // IWYU pragma: export

// risk
#include "dynmargin/risk/concepts.hpp"             // IWYU pragma: export
#include "dynmargin/risk/evt.hpp"                  // IWYU pragma: export
#include "dynmargin/risk/filtered_historical.hpp"  // IWYU pragma: export
#include "dynmargin/risk/generalized_pareto.hpp"   // IWYU pragma: export
#include "dynmargin/risk/historical.hpp"           // IWYU pragma: export
#include "dynmargin/risk/horizon.hpp"              // IWYU pragma: export
#include "dynmargin/risk/monte_carlo.hpp"          // IWYU pragma: export
#include "dynmargin/risk/parametric.hpp"           // IWYU pragma: export
#include "dynmargin/risk/rolling_quantile.hpp"     // IWYU pragma: export

// options
#include "dynmargin/options/black76.hpp"             // IWYU pragma: export
#include "dynmargin/options/implied_volatility.hpp"  // IWYU pragma: export
#include "dynmargin/options/inverse_option.hpp"      // IWYU pragma: export

// margin
#include "dynmargin/margin/account.hpp"                  // IWYU pragma: export
#include "dynmargin/margin/apc.hpp"                      // IWYU pragma: export
#include "dynmargin/margin/breakdown.hpp"                // IWYU pragma: export
#include "dynmargin/margin/collateral.hpp"               // IWYU pragma: export
#include "dynmargin/margin/concepts.hpp"                 // IWYU pragma: export
#include "dynmargin/margin/floors.hpp"                   // IWYU pragma: export
#include "dynmargin/margin/inverse.hpp"                  // IWYU pragma: export
#include "dynmargin/margin/liquidity.hpp"                // IWYU pragma: export
#include "dynmargin/margin/maintenance.hpp"              // IWYU pragma: export
#include "dynmargin/margin/margin_function.hpp"          // IWYU pragma: export
#include "dynmargin/margin/open_interest.hpp"            // IWYU pragma: export
#include "dynmargin/margin/policy_chain.hpp"             // IWYU pragma: export
#include "dynmargin/margin/position_common.hpp"          // IWYU pragma: export
#include "dynmargin/margin/price_guard.hpp"              // IWYU pragma: export
#include "dynmargin/margin/sampled_margin_function.hpp"  // IWYU pragma: export
#include "dynmargin/margin/schedule.hpp"                 // IWYU pragma: export
#include "dynmargin/margin/speed_limit.hpp"              // IWYU pragma: export
#include "dynmargin/margin/tiers.hpp"                    // IWYU pragma: export

// portfolio
#include "dynmargin/portfolio/account.hpp"              // IWYU pragma: export
#include "dynmargin/portfolio/covariance.hpp"           // IWYU pragma: export
#include "dynmargin/portfolio/dcc.hpp"                  // IWYU pragma: export
#include "dynmargin/portfolio/dynamic_margin.hpp"       // IWYU pragma: export
#include "dynmargin/portfolio/instrument.hpp"           // IWYU pragma: export
#include "dynmargin/portfolio/joint_scenarios.hpp"      // IWYU pragma: export
#include "dynmargin/portfolio/many_accounts.hpp"        // IWYU pragma: export
#include "dynmargin/portfolio/nearest_correlation.hpp"  // IWYU pragma: export
#include "dynmargin/portfolio/revaluation.hpp"          // IWYU pragma: export
#include "dynmargin/portfolio/scenario_margin.hpp"      // IWYU pragma: export
#include "dynmargin/portfolio/scenarios.hpp"            // IWYU pragma: export

// backtest
#include "dynmargin/backtest/coverage.hpp"        // IWYU pragma: export
#include "dynmargin/backtest/es_backtest.hpp"     // IWYU pragma: export
#include "dynmargin/backtest/procyclicality.hpp"  // IWYU pragma: export
#include "dynmargin/backtest/replay.hpp"          // IWYU pragma: export
