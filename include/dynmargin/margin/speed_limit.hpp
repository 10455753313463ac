// SPDX-License-Identifier: MIT
/// @file
/// @brief Limits on how fast margin moves: a cap on rises (`speed_limit_policy`), a cap on
///        falls (`release_limit_policy`) and a hysteresis band that ignores small moves.
///
/// Procyclicality is measured as n-step changes of margin (ICE's alarms on the 5-day and
/// 30-day change; Murphy, Vasios and Vause, "An investigation into the procyclicality of
/// risk-based initial margin models", BoE FSP 29, 2014; MARGIN_METHODS.md F18); these policies
/// bound those changes directly. Rules, with R_t the incoming initial rate, M_t the policy's
/// output and P_t the initial rate the margin function published at t (after every policy):
///  - speed limit (max_increase x >= 0, window n >= 1): M_t = min(R_t, (1 + x) B_{t-n}) with
///    the base B_s = max(P_s, R_s); no cap while fewer than n steps exist, or when B_{t-n} is
///    not a positive finite number.
///  - release limit (max_decrease x in [0, 1], window n >= 1): M_t = max(R_t, (1 - x) B_{t-n})
///    with B_s = min(P_s, R_s); no floor while fewer than n steps exist, or when B_{t-n} is not
///    finite.
///  - hysteresis (band h in [0, 1)): M_t = H when |R_t / H - 1| <= h, else R_t and H becomes
///    R_t, with H the value last passed (not held when H is not a positive finite number).
///    The band is measured from the held value, so a slow drift moves margin once it has
///    accumulated past h.
///
/// **History is the published margin.** The limits bind against what was actually charged:
/// the margin function tells them the published rates after the whole chain ran
/// (`observe_published`, `published_margin_observer`), and only on updates once it is ready,
/// so no warm-up value and no intermediate output of the policy (which a later floor may have
/// lifted) enters the history. Used on its own, without a margin function, a limit's history
/// is its own output.
///
/// **No value is carried forward beyond one window.** The base is never below (speed limit)
/// or above (release limit) the rate the policy received n steps ago. So a degenerate value
/// (0 from flat prices in warm-up, a tiny or a huge rate) binds for at most one window, and
/// the documented limits hold on every step t > n, whatever came before:
///  - speed limit: min(R_t, (1 + x) R_{t-n}) <= M_t <= R_t. Margin lags a rise of the rate it
///    receives by at most n steps; a rise of more than x within a window is held back for that
///    window (the trade-off it makes, which a backtest measures), then passed.
///  - release limit: R_t <= M_t <= max(R_t, (1 - x) R_{t-n}): a fall is delayed by at most n
///    steps.
///  - hysteresis: R_t / (1 + h) <= M_t <= R_t / (1 - h) on every step: a held value is always
///    within the band of the current rate, so nothing can be held far from it.
/// Hysteresis compares with its own held output, not the published margin: it holds a level
/// that the later policies transform again, and comparing with their result (an APC buffer
/// or a scale after it) would apply them twice. Place these policies after any policy that
/// rescales the margin (APC buffer, stressed weight, scale); floors and caps may follow.
/// Maintenance moves in proportion to initial (breakdown.hpp); hysteresis holds both rates.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
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

/// @brief Initial rate at t at most (1 + max_increase) times the base at t - window (see the
///        file comment: the base is the published rate, or the rate received when higher).
class speed_limit_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    detail::margin_ring bases;  ///< the bases B of the last `window` updates, max(published, received)
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  /// @throws dynmargin::invalid_argument naming `max_increase` (finite, >= 0) or `window` (>= 1).
  speed_limit_policy(double max_increase, std::int64_t window) : max_increase_(max_increase) {
    if (!(std::isfinite(max_increase) && max_increase >= 0.0)) {
      throw_invalid_argument("speed_limit", "max_increase", "must be finite and >= 0", max_increase);
    }
    state_.bases = detail::margin_ring(detail::checked_window("speed_limit", window));
  }
  [[nodiscard]] std::string_view name() const noexcept { return "speed_limit"; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    margin_rates out = rates;
    if (state_.bases.full()) {
      const double base = state_.bases.ago(state_.bases.size() - 1);
      const double limit = (1.0 + max_increase_) * base;
      if (base > 0.0 && limit < rates.initial) out = detail::with_initial(rates, limit, context);
    }
    // The base of this step until the published rate is known: the rate received (the output
    // is not above it). A NaN received rate is no base (no cap from it).
    state_.bases.push(rates.initial == rates.initial ? rates.initial : 0.0);
    return out;
  }
  /// @brief The published rates of the step just run: the base becomes max(published, received).
  void observe_published(const margin_rates& published) noexcept {
    if (state_.bases.size() == 0) return;
    const double received = state_.bases.ago(0);
    if (published.initial > received) state_.bases.replace_newest(published.initial);
  }
  [[nodiscard]] state_type state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }
  [[nodiscard]] double max_increase() const noexcept { return max_increase_; }
  [[nodiscard]] std::size_t window() const noexcept { return state_.bases.capacity(); }

 private:
  double max_increase_;
  state_type state_{};
};

/// @brief Initial rate at t at least (1 - max_decrease) times the base at t - window (see the
///        file comment: the base is the published rate, or the rate received when lower).
class release_limit_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    detail::margin_ring bases;  ///< the bases B of the last `window` updates, min(published, received)
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  /// @throws dynmargin::invalid_argument naming `max_decrease` (in [0, 1]) or `window` (>= 1).
  release_limit_policy(double max_decrease, std::int64_t window) : max_decrease_(max_decrease) {
    if (!(max_decrease >= 0.0 && max_decrease <= 1.0)) {
      throw_invalid_argument("release_limit", "max_decrease", "must be in [0, 1]", max_decrease);
    }
    state_.bases = detail::margin_ring(detail::checked_window("release_limit", window));
  }
  [[nodiscard]] std::string_view name() const noexcept { return "release_limit"; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    margin_rates out = rates;
    if (state_.bases.full()) {
      const double limit = (1.0 - max_decrease_) * state_.bases.ago(state_.bases.size() - 1);
      if (limit > rates.initial) out = detail::with_initial(rates, limit, context);
    }
    // The base of this step until the published rate is known: the rate received (the output
    // is not below it). A received rate that is not finite is no base (no floor from it).
    state_.bases.push(std::isfinite(rates.initial) ? rates.initial : 0.0);
    return out;
  }
  /// @brief The published rates of the step just run: the base becomes min(published, received).
  void observe_published(const margin_rates& published) noexcept {
    if (state_.bases.size() == 0) return;
    const double received = state_.bases.ago(0);
    if (published.initial < received && published.initial >= 0.0) state_.bases.replace_newest(published.initial);
  }
  [[nodiscard]] state_type state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }
  [[nodiscard]] double max_decrease() const noexcept { return max_decrease_; }
  [[nodiscard]] std::size_t window() const noexcept { return state_.bases.capacity(); }

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
  /// @throws dynmargin::invalid_argument naming `band` (in [0, 1): a band of 1 or more would
  ///         hold any value above the rate, however far, for ever).
  explicit hysteresis_policy(double band) : band_(band) {
    if (!(band >= 0.0 && band < 1.0)) throw_invalid_argument("hysteresis", "band", "must be in [0, 1)", band);
  }
  [[nodiscard]] std::string_view name() const noexcept { return "hysteresis"; }
  [[nodiscard]] margin_rates update(const market_context&, margin_rates rates) noexcept {
    const double held = state_.held.initial;
    if (state_.started && held > 0.0 && held < infinity_ && std::abs(rates.initial / held - 1.0) <= band_) {
      return state_.held;
    }
    state_ = state_type{true, rates};
    return rates;
  }
  [[nodiscard]] state_type state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }
  [[nodiscard]] double band() const noexcept { return band_; }

 private:
  static constexpr double infinity_ = std::numeric_limits<double>::infinity();
  double band_;
  state_type state_{};
};

}  // namespace dynmargin
