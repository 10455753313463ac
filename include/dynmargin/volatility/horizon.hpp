// SPDX-License-Identifier: MIT
/// @file
/// @brief Horizon scaling for markets that never close: variance per second, hour, day or
///        year, annualisation on a 365-day (default) or 252-day year, and a wrapper that lets
///        any volatility model digest returns with irregular spacing.
///
/// Crypto trades 24/7, so time is wall-clock time: a day is 86,400 seconds and a year is 365
/// days (`year_basis::calendar_365`); `year_basis::trading_252` reproduces the equity habit
/// (252 days of 24 hours). Under the random-walk (square-root-of-time) rule variance grows
/// linearly with time: variance over T seconds = variance per second * T. The rule is exact
/// for i.i.d. returns and for models with flat forecasts (EWMA, rolling windows); for
/// mean-reverting models (GARCH) the `time_scaled` wrapper uses the model's own cumulative
/// forecast `variance(h)` and interpolates linearly between whole steps.
///
/// Irregular spacing: a return over a 5-hour gap (an exchange outage) carries about 5 hours
/// of variance. `time_scaled` divides each return by sqrt(elapsed / step) before the model
/// sees it (`normalise_to_step` of dynmargin/core/returns.hpp), so a model calibrated per
/// step stays per step; the scaled forecast then maps back to any horizon in seconds.
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>
#include <string_view>
#include <utility>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/returns.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/volatility/concepts.hpp"

namespace dynmargin {

namespace detail {
constexpr void vol_check_seconds(double seconds, std::string_view component, std::string_view parameter) {
  if (!(is_finite(seconds) && seconds > 0.0)) {
    throw_invalid_argument(component, parameter, "must be finite and > 0 seconds", seconds);
  }
}
}  // namespace detail

/// @brief Rescales a variance measured over `from_seconds` to `to_seconds` (linear in time).
/// @throws dynmargin::invalid_argument naming from_seconds or to_seconds when not finite and > 0.
[[nodiscard]] constexpr double scale_variance(double variance, double from_seconds, double to_seconds) {
  detail::vol_check_seconds(from_seconds, "scale_variance", "from_seconds");
  detail::vol_check_seconds(to_seconds, "scale_variance", "to_seconds");
  return variance * (to_seconds / from_seconds);
}

/// @brief Variance per second from a variance per step of `step_seconds`.
/// @throws dynmargin::invalid_argument naming step_seconds when not finite and > 0.
[[nodiscard]] constexpr double variance_per_second(double variance_per_step, double step_seconds) {
  detail::vol_check_seconds(step_seconds, "variance_per_second", "step_seconds");
  return variance_per_step / step_seconds;
}
/// @brief Variance per hour (3,600 s) from a variance per step of `step_seconds`.
[[nodiscard]] constexpr double variance_per_hour(double variance_per_step, double step_seconds) {
  return scale_variance(variance_per_step, step_seconds, static_cast<double>(seconds_per_hour));
}
/// @brief Variance per day (86,400 s: markets never close) from a variance per step.
[[nodiscard]] constexpr double variance_per_day(double variance_per_step, double step_seconds) {
  return scale_variance(variance_per_step, step_seconds, static_cast<double>(seconds_per_day));
}
/// @brief Annual variance: variance per step * seconds_per_year(basis) / step_seconds.
[[nodiscard]] constexpr double annualise_variance(double variance_per_step, double step_seconds,
                                                  year_basis basis = year_basis::calendar_365) {
  return scale_variance(variance_per_step, step_seconds, seconds_per_year(basis));
}
/// @brief Variance per step of `step_seconds` from an annual variance.
[[nodiscard]] constexpr double deannualise_variance(double annual_variance, double step_seconds,
                                                    year_basis basis = year_basis::calendar_365) {
  return scale_variance(annual_variance, seconds_per_year(basis), step_seconds);
}
/// @brief Annual volatility from a volatility per step: sigma * sqrt(year / step).
[[nodiscard]] inline double annualise_volatility(double volatility_per_step, double step_seconds,
                                                 year_basis basis = year_basis::calendar_365) {
  return volatility_per_step * std::sqrt(annualise_variance(1.0, step_seconds, basis));
}
/// @brief Volatility per step of `step_seconds` from an annual volatility: sigma * sqrt(step / year).
[[nodiscard]] inline double deannualise_volatility(double annual_volatility, double step_seconds,
                                                   year_basis basis = year_basis::calendar_365) {
  return annual_volatility * std::sqrt(deannualise_variance(1.0, step_seconds, basis));
}

/// @brief A model's variance forecast over `seconds`, the model being updated once per
///        `step_seconds`: `model.variance(h)` at whole steps, linear in between (and
///        fraction * variance(1) below one step). Exact for flat-forecast models.
/// @throws dynmargin::invalid_argument naming step_seconds or seconds when not finite and > 0.
template <volatility_model Model>
[[nodiscard]] double variance_over_seconds(const Model& model, double step_seconds, double seconds) {
  detail::vol_check_seconds(step_seconds, "variance_over_seconds", "step_seconds");
  detail::vol_check_seconds(seconds, "variance_over_seconds", "seconds");
  const double steps = seconds / step_seconds;
  if (!(steps < 9.0e15)) throw_invalid_argument("variance_over_seconds", "seconds", "is too many steps", seconds);
  const double whole = std::floor(steps);
  const double fraction = steps - whole;
  const auto h = static_cast<std::int64_t>(whole);
  const double at_whole = h >= 1 ? static_cast<double>(model.variance(h)) : 0.0;
  if (fraction == 0.0) return at_whole;
  const double at_next = static_cast<double>(model.variance(h + 1));
  return at_whole + fraction * (at_next - at_whole);
}

/// @brief Wraps a volatility model calibrated per step of `step_seconds` so that it accepts
///        returns over any elapsed time and forecasts over any horizon in seconds. Itself a
///        `volatility_model` (a plain `update(r)` is a return over exactly one step).
template <volatility_model Model>
class time_scaled {
 public:
  using model_concept = volatility_model_tag;
  using state_type = typename Model::state_type;
  using inner_type = Model;

  /// @throws dynmargin::invalid_argument naming step_seconds when not finite and > 0.
  time_scaled(Model model, double step_seconds) : model_(std::move(model)), step_seconds_(step_seconds) {
    detail::vol_check_seconds(step_seconds, "time_scaled", "step_seconds");
  }

  /// @brief A return over exactly one step.
  status update(double r) noexcept { return model_.update(r); }
  /// @brief A return over `elapsed_seconds`, normalised to one step (r / sqrt(elapsed / step)).
  /// @return `non_finite_input` for a non-finite return, `invalid_argument` for an elapsed
  ///         time that is not finite and > 0; the model is unchanged then.
  status update(double r, double elapsed_seconds) noexcept {
    if (!std::isfinite(r)) return status::non_finite_input;
    if (!(std::isfinite(elapsed_seconds) && elapsed_seconds > 0.0)) return status::invalid_argument;
    return model_.update(normalise_to_step(r, elapsed_seconds, step_seconds_));
  }
  /// @brief A timed return (value and elapsed seconds, see dynmargin/core/returns.hpp).
  status update(const timed_return& point) noexcept { return update(point.value, point.elapsed_seconds); }

  /// @brief One-step variance forecast (per `step_seconds`).
  [[nodiscard]] double variance() const noexcept { return static_cast<double>(model_.variance()); }
  /// @brief Variance of the sum of the next `steps` one-step returns.
  [[nodiscard]] double variance(std::int64_t steps) const noexcept {
    return static_cast<double>(model_.variance(steps));
  }
  /// @brief Variance over a horizon in seconds (see `variance_over_seconds`).
  /// @throws dynmargin::invalid_argument naming seconds when not finite and > 0.
  [[nodiscard]] double variance_over(double seconds) const {
    return variance_over_seconds(model_, step_seconds_, seconds);
  }
  /// @brief sqrt(variance_over(seconds)).
  [[nodiscard]] double volatility_over(double seconds) const { return std::sqrt(variance_over(seconds)); }
  /// @brief The one-step forecast as an annual volatility under the flat-forecast rule.
  [[nodiscard]] double annualised_volatility(year_basis basis = year_basis::calendar_365) const {
    return annualise_volatility(std::sqrt(variance()), step_seconds_, basis);
  }

  [[nodiscard]] std::int64_t observations() const noexcept { return static_cast<std::int64_t>(model_.observations()); }
  /// @brief The inner model's readiness (present when the inner model has `ready()`).
  // clang-format off
  [[nodiscard]] bool ready() const noexcept
    requires requires(const Model& inner) {
      { inner.ready() } noexcept -> std::convertible_to<bool>;
    }
  {
    return model_.ready();
  }
  // clang-format on
  [[nodiscard]] double step_seconds() const noexcept { return step_seconds_; }
  [[nodiscard]] const Model& inner() const noexcept { return model_; }
  [[nodiscard]] state_type state() const noexcept(noexcept(std::declval<const Model&>().state())) {
    return model_.state();
  }
  void restore(const state_type& saved) { model_.restore(saved); }

 private:
  Model model_;
  double step_seconds_;
};

}  // namespace dynmargin
