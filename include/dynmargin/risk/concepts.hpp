// SPDX-License-Identifier: MIT
/// @file
/// @brief The `risk_measure` concepts: from a loss distribution to `{var, es}`.
///
/// A loss distribution comes in one of two shapes:
///  - a forecast variance with a distributional shape (normal, Student t, Cornish-Fisher):
///    `distribution_risk_measure`, `m.from_variance(v)`;
///  - a sample of returns or P&L (historical, filtered historical, EVT, Monte Carlo):
///    `sample_risk_measure`, `m.from_sample(sample)`.
/// `risk_measure` is either. The confidence level and the horizon are part of the measure's
/// configuration, fixed at construction, so that the hot path takes no parameters to check.
///
/// `streaming_risk_measure<R, Vol>` is what `margin_function` composes: the measure observes
/// each return together with the volatility model as it stood *before* that return (so that
/// filtered historical simulation can store r_t / sigma_t), and `estimate(vol, side)` gives
/// the risk over the configured horizon from now, for a long or a short position.
///
/// Sign convention: `var` and `es` are positive numbers for losses, in the units of the
/// returns fed in. The loss of a long position is -r, of a short +r.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <type_traits>

#include "dynmargin/core/concepts.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/volatility/concepts.hpp"

namespace dynmargin {

/// @brief Value-at-risk and expected shortfall as positive losses.
struct risk_estimate {
  double var = 0.0;  ///< the loss exceeded with probability 1 - p
  double es = 0.0;   ///< the mean loss beyond `var` (expected shortfall, CVaR)
  friend bool operator==(const risk_estimate&, const risk_estimate&) = default;
};

/// @brief Which tail of the return distribution is a loss.
enum class position_side : std::uint8_t {
  long_position,   ///< loses when the price falls: loss = -r
  short_position,  ///< loses when the price rises: loss = +r
};

/// @brief Tag a type names as `model_concept` to opt in to the risk-measure concepts.
struct risk_measure_tag {};

/// @brief Opt-in switch; specialise to `true` to adapt a foreign type.
template <class T>
inline constexpr bool enable_risk_measure = detail::declares_model_concept<T, risk_measure_tag>();

/// @brief A risk measure of a loss whose distribution is given by a variance and a shape.
// clang-format off
template <class T>
concept distribution_risk_measure =
    enable_risk_measure<std::remove_cvref_t<T>> &&
    requires(const std::remove_cvref_t<T>& measure, double variance) {
      { measure.from_variance(variance) } noexcept -> std::same_as<risk_estimate>;
    };
// clang-format on

/// @brief A risk measure of a sample of returns (losses are the negated left tail).
// clang-format off
template <class T>
concept sample_risk_measure =
    enable_risk_measure<std::remove_cvref_t<T>> &&
    requires(const std::remove_cvref_t<T>& measure, std::span<const double> sample) {
      { measure.from_sample(sample) } -> std::same_as<risk_estimate>;
    };
// clang-format on

/// @brief Either shape of risk measure.
template <class T>
concept risk_measure = distribution_risk_measure<T> || sample_risk_measure<T>;

/// @brief A risk measure that runs on a stream of returns beside a volatility model; the
///        form `margin_function` composes. State is a regular value (save, restore, compare).
// clang-format off
template <class R, class Vol>
concept streaming_risk_measure =
    risk_measure<R> && volatility_model<Vol> &&
    requires(std::remove_cvref_t<R>& measure, const std::remove_cvref_t<R>& const_measure, const Vol& vol,
             double r, position_side side, const typename std::remove_cvref_t<R>::state_type& saved) {
      typename std::remove_cvref_t<R>::state_type;
      requires std::regular<typename std::remove_cvref_t<R>::state_type>;
      { measure.observe(r, vol) } noexcept -> std::same_as<status>;
      { const_measure.estimate(vol, side) } noexcept -> std::same_as<risk_estimate>;
      { const_measure.horizon_steps() } noexcept -> std::convertible_to<std::int64_t>;
      { const_measure.state() } -> std::same_as<typename std::remove_cvref_t<R>::state_type>;
      { measure.restore(saved) } -> std::same_as<void>;
    };
// clang-format on

}  // namespace dynmargin
