// SPDX-License-Identifier: MIT
/// @file
/// @brief Limits on how fast margin moves: a cap on rises (`speed_limit_policy`), a cap on
///        falls (`release_limit_policy`) and a hysteresis band that ignores small moves.
///
/// Procyclicality is measured as n-step changes of margin (ICE's alarms on the 5-day and
/// 30-day change; Murphy, Vasios and Vause, "An investigation into the procyclicality of
/// risk-based initial margin models", BoE FSP 29, 2014; MARGIN_METHODS.md F18); these policies
/// bound those changes directly. Rules, with R_t the incoming initial rate and M_t the output:
///  - speed limit (max_increase x >= 0, window n >= 1): M_t = min(R_t, (1 + x) M_{t-n});
///    before n outputs exist there is no cap. A cap on rises can leave margin below the risk
///    estimate in a fast market: that is the trade-off it makes, and what a backtest measures.
///  - release limit (max_decrease x in [0, 1], window n >= 1): M_t = max(R_t, (1 - x) M_{t-n}).
///  - hysteresis (band h >= 0): M_t = M_{t-1} when |R_t / M_{t-1} - 1| <= h, else R_t; the
///    band is measured from the held value, so a slow drift moves margin once it has
///    accumulated past h.
/// The limits compare outputs (M_{t-n}), so a limit binds against what was actually charged.
/// Maintenance moves in proportion to initial (breakdown.hpp); hysteresis holds both rates.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dynmargin/core/error.hpp"
#include "dynmargin/margin/breakdown.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/detail/rolling_window.hpp"

namespace dynmargin {

namespace detail {
inline std::size_t checked_window(std::string_view component, std::int64_t window) {
  if (window < 1 || window > 100'000'000)
    throw_invalid_argument(component, "window", "must be in [1, 1e8] steps", window);
  return static_cast<std::size_t>(window);
}
}  // namespace detail

/// @brief Initial rate at t at most (1 + max_increase) times the rate at t - window.
class speed_limit_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    detail::margin_ring outputs;  ///< the last `window` output initial rates
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  /// @throws dynmargin::invalid_argument naming `max_increase` (finite, >= 0) or `window` (>= 1).
  speed_limit_policy(double max_increase, std::int64_t window) : max_increase_(max_increase) {
    if (!(std::isfinite(max_increase) && max_increase >= 0.0)) {
      throw_invalid_argument("speed_limit", "max_increase", "must be finite and >= 0", max_increase);
    }
    state_.outputs = detail::margin_ring(detail::checked_window("speed_limit", window));
  }
  [[nodiscard]] std::string_view name() const noexcept { return "speed_limit"; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    margin_rates out = rates;
    if (state_.outputs.full()) {
      const double limit = (1.0 + max_increase_) * state_.outputs.ago(state_.outputs.size() - 1);
      if (rates.initial > limit) out = detail::with_initial(rates, limit, context);
    }
    state_.outputs.push(out.initial);
    return out;
  }
  [[nodiscard]] state_type state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }
  [[nodiscard]] double max_increase() const noexcept { return max_increase_; }
  [[nodiscard]] std::size_t window() const noexcept { return state_.outputs.capacity(); }

 private:
  double max_increase_;
  state_type state_{};
};

/// @brief Initial rate at t at least (1 - max_decrease) times the rate at t - window.
class release_limit_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    detail::margin_ring outputs;
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  /// @throws dynmargin::invalid_argument naming `max_decrease` (in [0, 1]) or `window` (>= 1).
  release_limit_policy(double max_decrease, std::int64_t window) : max_decrease_(max_decrease) {
    if (!(max_decrease >= 0.0 && max_decrease <= 1.0)) {
      throw_invalid_argument("release_limit", "max_decrease", "must be in [0, 1]", max_decrease);
    }
    state_.outputs = detail::margin_ring(detail::checked_window("release_limit", window));
  }
  [[nodiscard]] std::string_view name() const noexcept { return "release_limit"; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    margin_rates out = rates;
    if (state_.outputs.full()) {
      const double limit = (1.0 - max_decrease_) * state_.outputs.ago(state_.outputs.size() - 1);
      if (rates.initial < limit) out = detail::with_initial(rates, limit, context);
    }
    state_.outputs.push(out.initial);
    return out;
  }
  [[nodiscard]] state_type state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }
  [[nodiscard]] double max_decrease() const noexcept { return max_decrease_; }
  [[nodiscard]] std::size_t window() const noexcept { return state_.outputs.capacity(); }

 private:
  double max_decrease_;
  state_type state_{};
};

/// @brief Ignores moves of the initial rate within a relative band around the held value.
class hysteresis_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    bool started = false;
    margin_rates held{};
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  /// @throws dynmargin::invalid_argument naming `band` (finite, >= 0).
  explicit hysteresis_policy(double band) : band_(band) {
    if (!(std::isfinite(band) && band >= 0.0))
      throw_invalid_argument("hysteresis", "band", "must be finite and >= 0", band);
  }
  [[nodiscard]] std::string_view name() const noexcept { return "hysteresis"; }
  [[nodiscard]] margin_rates update(const market_context&, margin_rates rates) noexcept {
    if (state_.started && state_.held.initial > 0.0 && std::abs(rates.initial / state_.held.initial - 1.0) <= band_) {
      return state_.held;
    }
    state_ = state_type{true, rates};
    return rates;
  }
  [[nodiscard]] state_type state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }
  [[nodiscard]] double band() const noexcept { return band_; }

 private:
  double band_;
  state_type state_{};
};

}  // namespace dynmargin
