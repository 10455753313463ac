// SPDX-License-Identifier: MIT
// Compile-time proofs for the volatility estimators of this area: which types are
// volatility_models (and which are deliberately not), regular states, constexpr scaling.
#include <concepts>
#include <cstdint>

#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/horizon.hpp"
#include "dynmargin/volatility/range.hpp"
#include "dynmargin/volatility/rolling.hpp"
#include "dynmargin/volatility/stressed.hpp"

namespace {

using namespace dynmargin;

// Return-fed models and wrappers of them are volatility_models.
static_assert(volatility_model<rolling_volatility>);
static_assert(volatility_model<stressed_volatility<rolling_volatility>>);
static_assert(volatility_model<stressed_volatility<ewma_volatility>>);
static_assert(volatility_model<time_scaled<ewma_volatility>>);
static_assert(volatility_model<time_scaled<rolling_volatility>>);
static_assert(volatility_model<stressed_volatility<time_scaled<rolling_volatility>>>);

// Range estimators are fed bars, not returns: not volatility_models, nor wrapped ones ...
static_assert(!volatility_model<parkinson_volatility>);
static_assert(!volatility_model<yang_zhang_volatility>);
static_assert(!volatility_model<stressed_volatility<garman_klass_volatility>>);
// ... but the stressed wrapper forwards bars to them, noexcept, and refuses returns.
// clang-format off
template <class M, class Input>
concept updates_with = requires(M& m, const Input& x) {
  { m.update(x) } noexcept -> std::same_as<status>;
};
// clang-format on
static_assert(updates_with<stressed_volatility<rogers_satchell_volatility>, ohlc_bar>);
static_assert(!updates_with<stressed_volatility<rogers_satchell_volatility>, double>);
static_assert(!updates_with<stressed_volatility<rolling_volatility>, ohlc_bar>);
static_assert(updates_with<parkinson_volatility, ohlc_bar>);
static_assert(updates_with<yang_zhang_volatility, ohlc_bar>);
static_assert(updates_with<time_scaled<ewma_volatility>, timed_return>);

// States are regular values (saved, compared and restored).
static_assert(std::regular<rolling_volatility::state_type>);
static_assert(std::regular<parkinson_volatility::state_type>);
static_assert(std::regular<yang_zhang_volatility::state_type>);
static_assert(std::regular<stressed_volatility<rolling_volatility>::state_type>);
static_assert(std::regular<ohlc_bar>);

// time_scaled needs a volatility_model inside.
// clang-format off
template <class M>
concept scalable = requires { typename time_scaled<M>; sizeof(time_scaled<M>); };
// clang-format on
static_assert(scalable<ewma_volatility>);
static_assert(!scalable<parkinson_volatility>);

// Variance scaling is constexpr: the closed forms hold at compile time.
static_assert(annualise_variance(4.0, 86400.0) == 1460.0);
static_assert(annualise_variance(4.0, 86400.0, year_basis::trading_252) == 1008.0);
static_assert(variance_per_day(1.0, 3600.0) == 24.0);
static_assert(yang_zhang_k(2.0) == 0.34 / (1.34 + 3.0));
// A non-positive step is not a constant expression (the check throws).
// (Integer template argument: clang 14 does not take double ones.)
// clang-format off
template <int Step>
concept valid_step = requires { typename std::bool_constant<(variance_per_second(1.0, Step) > 0.0)>; };
// clang-format on
static_assert(valid_step<60>);
static_assert(!valid_step<0>);
static_assert(!valid_step<-1>);

}  // namespace
