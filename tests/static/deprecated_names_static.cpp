// SPDX-License-Identifier: MIT
// The deprecated spellings of the 0.2 renames (kept for one release, removed in 0.3.0) name
// the same types as the new names.
#include <type_traits>

#include "dynmargin/backtest/procyclicality.hpp"
#include "dynmargin/io/csv_types.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/liquidity.hpp"
#include "dynmargin/margin/open_interest.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/margin/tiers.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/filtered_historical.hpp"
#include "dynmargin/risk/monte_carlo.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"
#include "dynmargin/volatility/range.hpp"
#include "dynmargin/volatility/rolling.hpp"

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

static_assert(std::is_same_v<dynmargin::size_tiers, dynmargin::size_tiers_policy>);
static_assert(std::is_same_v<dynmargin::step_risk_limit, dynmargin::step_risk_limit_policy>);
static_assert(std::is_same_v<dynmargin::deribit_size_addon, dynmargin::deribit_size_addon_policy>);
static_assert(std::is_same_v<dynmargin::impact_curve, dynmargin::impact_curve_policy>);
static_assert(std::is_same_v<dynmargin::open_interest_scaling, dynmargin::open_interest_scaling_policy>);
static_assert(std::is_same_v<dynmargin::half_spread_addon, dynmargin::half_spread_addon_policy>);
static_assert(std::is_same_v<dynmargin::depth_curve_addon, dynmargin::depth_curve_addon_policy>);
static_assert(std::is_same_v<dynmargin::order_book_addon, dynmargin::order_book_addon_policy>);
static_assert(std::is_same_v<dynmargin::instrument_policies, dynmargin::rate_policies>);
static_assert(std::is_same_v<dynmargin::ewma_config, dynmargin::ewma_volatility_config>);
static_assert(std::is_same_v<dynmargin::rolling_config, dynmargin::rolling_volatility_config>);
static_assert(std::is_same_v<dynmargin::garch_config, dynmargin::garch_volatility_config>);
static_assert(std::is_same_v<dynmargin::range_config, dynmargin::range_volatility_config>);
static_assert(std::is_same_v<dynmargin::yang_zhang_config, dynmargin::yang_zhang_volatility_config>);
static_assert(std::is_same_v<dynmargin::filtered_historical_config, dynmargin::filtered_historical_risk_config>);
static_assert(std::is_same_v<dynmargin::monte_carlo_config, dynmargin::monte_carlo_simulator_config>);
static_assert(std::is_same_v<dynmargin::apc_buffer_config, dynmargin::apc_buffer_policy_config>);
static_assert(std::is_same_v<dynmargin::tier_config, dynmargin::size_tiers_policy_config>);
static_assert(std::is_same_v<dynmargin::step_risk_limit_config, dynmargin::step_risk_limit_policy_config>);
static_assert(std::is_same_v<dynmargin::deribit_size_addon_config, dynmargin::deribit_size_addon_policy_config>);
static_assert(std::is_same_v<dynmargin::impact_curve_config, dynmargin::impact_curve_policy_config>);
static_assert(std::is_same_v<dynmargin::oi_scaling_config, dynmargin::open_interest_scaling_policy_config>);
static_assert(std::is_same_v<dynmargin::half_spread_config, dynmargin::half_spread_addon_policy_config>);
static_assert(std::is_same_v<dynmargin::depth_curve_config, dynmargin::depth_curve_addon_policy_config>);
static_assert(std::is_same_v<dynmargin::order_book_config, dynmargin::order_book_addon_policy_config>);
static_assert(std::is_same_v<dynmargin::garch_fit_options, dynmargin::fit_garch_config>);
static_assert(std::is_same_v<dynmargin::student_t_fit_options, dynmargin::fit_student_t_nu_config>);
static_assert(std::is_same_v<dynmargin::evt_config, dynmargin::fit_tail_config>);
static_assert(std::is_same_v<dynmargin::procyclicality_config, dynmargin::procyclicality_metrics_config>);
static_assert(std::is_same_v<dynmargin::io::read_options, dynmargin::io::read_csv_config>);

#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
