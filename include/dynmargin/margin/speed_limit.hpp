// SPDX-License-Identifier: MIT
/// @file
/// @brief Limits on how fast margin moves: a cap on rises (`speed_limit_policy`), a cap on
///        falls (`release_limit_policy`) and a hysteresis band that ignores small moves.
///
/// Procyclicality is measured as n-step changes of margin (ICE's alarms on the 5-day and
/// 30-day change; Murphy, Vasios and Vause, "An investigation into the procyclicality of
/// risk-based initial margin models", BoE FSP 29, 2014); these policies
/// bound those changes directly. Rules, with R_t the incoming initial rate, M_t the policy's
/// output and P_t the initial rate the margin function published at t (after every policy):
///  - speed limit (max_increase x >= 0, window n >= 1, max_windows_behind W >= 1, default 10):
///    M_t = min(R_t, (1 + x) max(P_{t-n}, R_t / (1 + x)^(W+1))).
///  - release limit (max_decrease x in [0, 1], window n, W as above):
///    M_t = max(R_t, (1 - x) min(P_{t-n}, R_t / (1 - x)^(W+1))).
///   Neither limits anything while fewer than n steps exist, or when P_{t-n} is 0, NaN or
///   infinite (no history: a degenerate value never caps or floors margin).
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
/// **Documented limits: no value is carried far.** On every step, whatever came before:
///  - speed limit: R_t / (1 + x)^W <= M_t <= R_t. Margin rises at most x per window from
///    what was charged, and is never more than W windows of increase behind the rate it
///    receives: once that rate stops rising, margin reaches it within W windows. A degenerate
///    first value (a tiny rate in warm-up) therefore binds for at most W windows, not for the
///    rest of the history; a 0 binds not at all. With x = 0 nothing is held back (a limit of no
///    rise at all would hold any value for ever).
///  - release limit: R_t <= M_t <= R_t / (1 - x)^W: margin falls at most x per window and is
///    never more than W windows of decrease above the rate (a huge first value is released
///    within W windows). With x = 0 or x = 1 nothing is held up.
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
inline std::int64_t checked_windows_behind(std::string_view component, std::int64_t windows) {
  if (windows < 1 || windows > 1000)
    throw_invalid_argument(component, "max_windows_behind", "must be in [1, 1000] windows", windows);
  return windows;
}
}  // namespace detail

/// @brief Initial rate at t at most (1 + max_increase) times the published rate at t - window,
///        never holding margin more than `max_windows_behind` windows of increase below the
///        rate it receives (see the file comment).
class speed_limit_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    detail::margin_ring published;  ///< the published initial rates of the last `window` updates
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  /// @param max_windows_behind W: margin is never below R_t / (1 + max_increase)^W.
  /// @throws dynmargin::invalid_argument naming `max_increase` (finite, >= 0), `window` (>= 1) or
  ///         `max_windows_behind` (in [1, 1000]).
  /// The default W: ten windows.
  static constexpr std::int64_t default_max_windows_behind = 10;
  speed_limit_policy(double max_increase, std::int64_t window,
                     std::int64_t max_windows_behind = default_max_windows_behind)
      : max_increase_(max_increase),
        windows_behind_(detail::checked_windows_behind("speed_limit", max_windows_behind)) {
    if (!(std::isfinite(max_increase) && max_increase >= 0.0)) {
      throw_invalid_argument("speed_limit", "max_increase", "must be finite and >= 0", max_increase);
    }
    state_.published = detail::margin_ring(detail::checked_window("speed_limit", window));
    // The lowest base, as a share of the rate received: (1 + x)^-(W + 1) (0 if it underflows).
    lowest_base_ = std::pow(1.0 + max_increase, -static_cast<double>(windows_behind_ + 1));
  }
  /// The policy's kind: its name in quotes and its "type" in a run-time config.
  static constexpr std::string_view kind = "speed_limit";
  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    margin_rates out = rates;
    if (state_.published.full()) {
      // A past rate that is 0, NaN or infinite is no history: no cap from it.
      const double past = state_.published.ago(state_.published.size() - 1);
      const double lowest = lowest_base_ * rates.initial;
      const double limit = (1.0 + max_increase_) * (past > lowest ? past : lowest);
      if (past > 0.0 && past < infinity_ && limit < rates.initial) out = detail::with_initial(rates, limit, context);
    }
    state_.published.push(out.initial);  // until the function publishes (observe_published)
    return out;
  }
  /// @brief The published rates of the step just run: its history entry.
  void observe_published(const margin_rates& published) noexcept { state_.published.replace_newest(published.initial); }
  /// @brief The state (copies the window: allocates).
  [[nodiscard]] state_type state() const { return state_; }
  /// @throws dynmargin::invalid_argument naming the window when the state comes from a speed
  ///         limit with another window (nothing is changed).
  void restore(const state_type& saved) {
    detail::check_state_window("speed_limit", saved.published.capacity(), state_.published.capacity());
    state_ = saved;
  }
  [[nodiscard]] double max_increase() const noexcept { return max_increase_; }
  [[nodiscard]] std::size_t window() const noexcept { return state_.published.capacity(); }
  [[nodiscard]] std::int64_t max_windows_behind() const noexcept { return windows_behind_; }

 private:
  static constexpr double infinity_ = std::numeric_limits<double>::infinity();
  double max_increase_;
  std::int64_t windows_behind_;
  double lowest_base_ = 0.0;
  state_type state_{};
};

/// @brief Initial rate at t at least (1 - max_decrease) times the published rate at t - window,
///        never holding margin more than `max_windows_behind` windows of decrease above the
///        rate it receives (see the file comment).
class release_limit_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    detail::margin_ring published;  ///< the published initial rates of the last `window` updates
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  /// @param max_windows_behind W: margin is never above R_t / (1 - max_decrease)^W.
  /// @throws dynmargin::invalid_argument naming `max_decrease` (in [0, 1]), `window` (>= 1) or
  ///         `max_windows_behind` (in [1, 1000]).
  /// The default W: ten windows.
  static constexpr std::int64_t default_max_windows_behind = 10;
  release_limit_policy(double max_decrease, std::int64_t window,
                       std::int64_t max_windows_behind = default_max_windows_behind)
      : max_decrease_(max_decrease),
        windows_behind_(detail::checked_windows_behind("release_limit", max_windows_behind)) {
    if (!(max_decrease >= 0.0 && max_decrease <= 1.0)) {
      throw_invalid_argument("release_limit", "max_decrease", "must be in [0, 1]", max_decrease);
    }
    state_.published = detail::margin_ring(detail::checked_window("release_limit", window));
    // The highest base, as a multiple of the rate received: (1 - x)^-(W + 1) (inf for x = 1).
    highest_base_ = std::pow(1.0 - max_decrease, -static_cast<double>(windows_behind_ + 1));
  }
  /// The policy's kind: its name in quotes and its "type" in a run-time config.
  static constexpr std::string_view kind = "release_limit";
  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    margin_rates out = rates;
    if (state_.published.full() && max_decrease_ < 1.0) {
      // A past rate that is 0, NaN or infinite is no history: no floor from it.
      const double past = state_.published.ago(state_.published.size() - 1);
      const double highest = highest_base_ * rates.initial;
      const double limit = (1.0 - max_decrease_) * (past < highest ? past : highest);
      if (past > 0.0 && past < infinity_ && limit > rates.initial) out = detail::with_initial(rates, limit, context);
    }
    state_.published.push(out.initial);  // until the function publishes (observe_published)
    return out;
  }
  /// @brief The published rates of the step just run: its history entry.
  void observe_published(const margin_rates& published) noexcept { state_.published.replace_newest(published.initial); }
  /// @brief The state (copies the window: allocates).
  [[nodiscard]] state_type state() const { return state_; }
  /// @throws dynmargin::invalid_argument naming the window when the state comes from a release
  ///         limit with another window (nothing is changed).
  void restore(const state_type& saved) {
    detail::check_state_window("release_limit", saved.published.capacity(), state_.published.capacity());
    state_ = saved;
  }
  [[nodiscard]] double max_decrease() const noexcept { return max_decrease_; }
  [[nodiscard]] std::size_t window() const noexcept { return state_.published.capacity(); }
  [[nodiscard]] std::int64_t max_windows_behind() const noexcept { return windows_behind_; }

 private:
  static constexpr double infinity_ = std::numeric_limits<double>::infinity();
  double max_decrease_;
  std::int64_t windows_behind_;
  double highest_base_ = 0.0;
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
  /// The policy's kind: its name in quotes and its "type" in a run-time config.
  static constexpr std::string_view kind = "hysteresis";
  [[nodiscard]] std::string_view name() const noexcept { return kind; }
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
