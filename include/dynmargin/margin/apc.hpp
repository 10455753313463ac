// SPDX-License-Identifier: MIT
/// @file
/// @brief Anti-procyclicality: the three tools of EMIR (Commission Delegated Regulation (EU)
///        No 153/2013, Article 28(1)): (a) a margin buffer drawn down when margin rises
///        significantly, (b) a weight on stressed observations, (c) a floor from a long lookback.
///
/// (a) `apc_buffer_policy`. Art. 28(1)(a): "a margin buffer at least equal to 25 % of the
///     calculated margins which it allows to be temporarily exhausted in periods where
///     calculated margin requirements are rising significantly". With R_t the requirement the
///     policy receives and M_t = (1 + f_t) R_t the margin it returns:
///       - stress indicator s_t = R_t / mean(R over the last `lookback` updates, t included):
///         how far the requirement stands above its own recent level (1 in a flat market);
///       - below the threshold s_lo (`stress_threshold`, default 1.25: the requirement 25%
///         above its average) the buffer is full, f_t = b (`buffer`, default 0.25);
///       - between s_lo and the release level s_hi (`release_threshold`, default 2) it is
///         drawn down linearly, target g(s) = b (s_hi - s) / (s_hi - s_lo), and it is empty
///         from s_hi on. The linear depletion between two stress levels is ICE Clear Europe's
///         IRM 2 design; the thresholds are ours, documented in docs/margin.md;
///       - draw-down is immediate (f_t <= g(s_t)); rebuilding is at most `rebuild` x b per
///         update while the indicator is above s_lo (default 1: the buffer follows g back as
///         stress falls), and complete as soon as the indicator is back below s_lo, so the
///         buffer is never below b in calm, as the regulation reads.
///     R_t <= M_t <= (1 + b) R_t on every update. The memory is the requirements received (a
///     non-finite one is not remembered), never a margin, so no warm-up or degenerate value is
///     carried: a 0 adds nothing to the mean and a huge value leaves it after `lookback` steps.
/// (b) `stressed_weight_policy`, weight w in [0, 1] (EMIR: at least 25%), ICE Clear Europe IRM 1:
///     sigma = w sigma_stress + (1 - w) sigma_now, with sigma_stress the highest rolling-window
///     volatility over a long lookback. sigma_now is the margin function's one-step forecast
///     (`market_context::volatility`); the rolling-window volatility over `window` updates is
///     sqrt(mean of sigma_now^2 over the window) (window 1: sigma_now itself); sigma_stress is
///     its maximum over `lookback` updates, 0 meaning the whole history (the default, so that
///     a stressed period never rolls off; EMIR asks for at least 10 years: give a lookback
///     that long or 0). With window 1 and lookback 0 the margin function's own stressed
///     volatility is used (`market_context::stressed_volatility`). The policy rescales the
///     incoming rate's loss, L = ln(1 + R) (the short side's loss, which binds the
///     instrument-level rate of a symmetric measure), to L' = L * sigma_w / sigma_now and
///     returns exp(L') - 1. This equals computing the risk measure with the weighted
///     volatility whenever the loss is proportional to the current volatility: parametric
///     VaR/ES and filtered historical simulation. When sigma_now is 0 the rate passes unchanged.
/// (c) `lookback_floor_policy` (Art. 28(1)(c): "margins ... not lower than those that would be
///     calculated using volatility estimated over a 10 year historical lookback period"): the
///     floor is the raw rate recomputed with the long-run volatility sigma_lr =
///     sqrt(mean of sigma_now^2 over the lookback), by the same rescaling as (b). The policy
///     returns max(incoming rate, floor). The lookback is in updates, 0 meaning the whole
///     history; 10 years are 3,650 daily or 87,600 hourly updates (`bars_in` in
///     core/duration.hpp turns a span of time into updates).
///     `peak_ratchet_policy` is the other floor: the highest raw rate over the lookback. It is
///     not what the regulation describes and binds on every update of a rising market, so it
///     is never a default; `lookback_floor_rule::maximum` still selects it in
///     `lookback_floor_policy` for older code.
///     Both memories are raw rates or volatilities, never margins, and they only raise.
/// Maintenance moves in proportion to initial (breakdown.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dynmargin/core/error.hpp"
#include "dynmargin/detail/fast_expm1.hpp"
#include "dynmargin/margin/breakdown.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/detail/rolling_window.hpp"

namespace dynmargin {

namespace detail {
/// ln(1 + rate), taken from the context when `rate` is the raw rate whose loss the margin
/// function supplied (saves a log1p per update on the hot path).
[[nodiscard]] inline double rate_log_loss(double rate, const market_context& context) noexcept {
  const bool supplied = context.raw_log_loss == context.raw_log_loss;  // not NaN
  return supplied && rate == context.raw_rate ? context.raw_log_loss : std::log1p(rate);
}
/// Rate whose short-side log loss is ln(1 + rate) scaled by `factor` (the hook of (b) and (c)).
[[nodiscard]] inline double rescale_rate_loss(double rate, double factor, const market_context& context) noexcept {
  return fast_expm1(rate_log_loss(rate, context) * factor);
}
/// A lookback given as a count of steps: >= 0 and small enough to allocate.
inline std::size_t checked_lookback(std::string_view component, std::int64_t lookback) {
  if (lookback < 0 || lookback > 100'000'000) {
    throw_invalid_argument(component, "lookback", "must be in [0, 1e8] steps", lookback);
  }
  return static_cast<std::size_t>(lookback);
}
}  // namespace detail

/// @brief Configuration of `apc_buffer_policy` (see the file comment).
struct apc_buffer_policy_config {
  double buffer = 0.25;  ///< b >= 0 (EMIR Art. 28(1)(a): at least 0.25)
  /// Largest rise of the buffer per update while stress is above `stress_threshold`, as a
  /// share of b, in (0, 1]; 1 lets the buffer follow the indicator back at once.
  double rebuild = 1.0;
  std::int64_t lookback = 250;     ///< updates in the mean the indicator compares with (0: all)
  double stress_threshold = 1.25;  ///< s_lo > 0: indicator from which the buffer is drawn down
  double release_threshold = 2.0;  ///< s_hi > s_lo: indicator at which the buffer is empty
};

/// @brief EMIR APC tool (a): a buffer drawn down while the requirement stands significantly
///        above its recent level, full in calm (see the file comment).
class apc_buffer_policy {
 public:
  using model_concept = rate_policy_tag;
  using config_type = apc_buffer_policy_config;  ///< what the constructor takes
  struct state_type {
    detail::rolling_mean requirements;  ///< requirements received over the lookback
    double buffer = 0.0;                ///< f: buffer in force, fraction of the requirement
    double stress = 0.0;                ///< s: last stress indicator
    bool started = false;
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming `buffer` (finite, >= 0), `rebuild` ((0, 1]),
  ///         `lookback` ([0, 1e8]), `stress_threshold` (finite, > 0) or `release_threshold`
  ///         (finite, above stress_threshold).
  explicit apc_buffer_policy(const apc_buffer_policy_config& config = {}) : config_(config) {
    if (!(std::isfinite(config.buffer) && config.buffer >= 0.0)) {
      throw_invalid_argument("apc_buffer", "buffer", "must be finite and >= 0", config.buffer);
    }
    if (!(config.rebuild > 0.0 && config.rebuild <= 1.0)) {
      throw_invalid_argument("apc_buffer", "rebuild", "must be in (0, 1]", config.rebuild);
    }
    if (!(std::isfinite(config.stress_threshold) && config.stress_threshold > 0.0)) {
      throw_invalid_argument("apc_buffer", "stress_threshold", "must be finite and > 0", config.stress_threshold);
    }
    if (!(std::isfinite(config.release_threshold) && config.release_threshold > config.stress_threshold)) {
      throw_invalid_argument("apc_buffer", "release_threshold", "must be finite and above stress_threshold",
                             config.release_threshold);
    }
    state_.requirements = detail::rolling_mean(detail::checked_lookback("apc_buffer", config.lookback));
    state_.buffer = config.buffer;
  }
  /// @brief A buffer of `buffer` with the other defaults.
  explicit apc_buffer_policy(double buffer) : apc_buffer_policy(with_buffer(buffer)) {}

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "apc_buffer";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    const double requirement = rates.initial;
    double stress = 1.0;
    if (std::isfinite(requirement)) {
      state_.requirements.push(requirement);
      const double mean = state_.requirements.value();
      if (mean > 0.0) stress = requirement / mean;
    }
    const double b = config_.buffer;
    const double span = config_.release_threshold - config_.stress_threshold;
    const double depleted = std::clamp((config_.release_threshold - stress) / span, 0.0, 1.0);
    const double target = b * depleted;
    double buffer = target;
    if (stress >= config_.stress_threshold && state_.started) {
      // Drawn down at once, rebuilt at most rebuild * b per update while stress lasts.
      buffer = std::min(target, state_.buffer + config_.rebuild * b);
    }
    state_.buffer = buffer;
    state_.stress = stress;
    state_.started = true;
    return detail::with_initial(rates, (1.0 + buffer) * requirement, context);
  }
  /// @brief The buffer in force after the last update, a fraction of the requirement.
  [[nodiscard]] double buffer_in_force() const noexcept { return state_.buffer; }
  /// @brief The stress indicator of the last update (1 before the first).
  [[nodiscard]] double stress_indicator() const noexcept { return state_.started ? state_.stress : 1.0; }
  /// @brief Reports this buffer for the quote (`apc_buffer_reporting_policy`).
  [[nodiscard]] apc_buffer_report apc_buffer_report_after(const apc_buffer_report&) const noexcept {
    return apc_buffer_report{true, buffer_in_force(), stress_indicator()};
  }
  /// @brief The state (copies the lookback window: allocates).
  [[nodiscard]] state_type state() const { return state_; }
  /// @throws dynmargin::invalid_argument naming the window when the state comes from a policy
  ///         with another lookback (nothing is changed).
  void restore(const state_type& saved) {
    detail::check_state_window("apc_buffer", saved.requirements.window(), state_.requirements.window());
    state_ = saved;
  }
  [[nodiscard]] const apc_buffer_policy_config& config() const noexcept { return config_; }

 private:
  static apc_buffer_policy_config with_buffer(double buffer) noexcept {
    apc_buffer_policy_config c;
    c.buffer = buffer;
    return c;
  }

  apc_buffer_policy_config config_;
  state_type state_{};
};

/// @brief Configuration of `stressed_weight_policy` (see the file comment).
struct stressed_weight_policy_config {
  double weight = 0.25;       ///< w in [0, 1] (EMIR Art. 28(1)(b): at least 0.25)
  std::int64_t window = 1;    ///< updates in the rolling-window volatility (1: sigma_now), >= 1
  std::int64_t lookback = 0;  ///< updates the maximum runs over (0: the whole history)
};

/// @brief EMIR APC tool (b): sigma = w sigma_stress + (1 - w) sigma_now (see the file comment).
class stressed_weight_policy {
 public:
  using model_concept = rate_policy_tag;
  using config_type = stressed_weight_policy_config;  ///< what the constructor takes
  struct state_type {
    detail::rolling_mean window_variance;  ///< mean sigma_now^2 over the window (window > 1)
    detail::rolling_maximum stressed;      ///< highest rolling-window volatility over the lookback
    std::int64_t volatilities = 0;         ///< sigma_now values seen (a window counts once full)
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming `weight`, `window` or `lookback`.
  explicit stressed_weight_policy(const stressed_weight_policy_config& config = {}) : config_(config) {
    if (!(config.weight >= 0.0 && config.weight <= 1.0)) {
      throw_invalid_argument("stressed_weight", "weight", "must be in [0, 1]", config.weight);
    }
    if (config.window < 1 || config.window > 100'000'000) {
      throw_invalid_argument("stressed_weight", "window", "must be in [1, 1e8] steps", config.window);
    }
    const std::size_t lookback = detail::checked_lookback("stressed_weight", config.lookback);
    if (lookback != 0 && config.lookback < config.window) {
      throw_invalid_argument("stressed_weight", "lookback", "must be 0 (all) or at least the window", config.lookback);
    }
    own_window_ = config.window > 1 || lookback > 0;
    if (own_window_) state_.stressed = detail::rolling_maximum(lookback);
    if (config.window > 1) state_.window_variance = detail::rolling_mean(static_cast<std::size_t>(config.window));
  }
  /// @param weight w in [0, 1].
  /// @param lookback updates the maximum of sigma_now runs over; 0 uses the margin function's
  ///        stressed volatility (the whole history unless its `stressed_lookback` is set).
  /// @throws dynmargin::invalid_argument naming `weight` or `lookback`.
  stressed_weight_policy(double weight, std::int64_t lookback)
      : stressed_weight_policy(stressed_weight_policy_config{weight, 1, lookback}) {}

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "stressed_weight";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    const double now = context.volatility;
    double stress = context.stressed_volatility;
    if (own_window_) {
      double windowed = now;
      if (config_.window > 1 && std::isfinite(now)) {
        state_.window_variance.push(now * now);
        windowed = std::sqrt(state_.window_variance.value());
      }
      // A rolling-window volatility counts once its window is full: a half-empty window
      // early in the history is not a stressed period.
      if (std::isfinite(now) && ++state_.volatilities >= config_.window) state_.stressed.push(windowed);
      stress = state_.volatilities >= config_.window ? state_.stressed.value() : now;
    }
    if (!(now > 0.0) || !std::isfinite(stress)) return rates;
    const double weight = config_.weight;
    const double weighted = weight * (stress > now ? stress : now) + (1.0 - weight) * now;
    return detail::with_initial(rates, detail::rescale_rate_loss(rates.initial, weighted / now, context), context);
  }
  /// @brief The state (copies the windows: allocates).
  [[nodiscard]] state_type state() const { return state_; }
  /// @throws dynmargin::invalid_argument naming the window when the state comes from a policy
  ///         with another window or lookback (nothing is changed).
  void restore(const state_type& saved) {
    detail::check_state_window("stressed_weight", saved.stressed.window(), state_.stressed.window());
    detail::check_state_window("stressed_weight", saved.window_variance.window(), state_.window_variance.window());
    state_ = saved;
  }
  [[nodiscard]] double weight() const noexcept { return config_.weight; }
  [[nodiscard]] const stressed_weight_policy_config& config() const noexcept { return config_; }
  /// @brief The stressed volatility of the last update when the policy keeps its own window.
  [[nodiscard]] double stressed_volatility() const noexcept { return state_.stressed.value(); }

 private:
  stressed_weight_policy_config config_;
  bool own_window_ = false;
  state_type state_{};
};

/// @brief The two floor rules of `lookback_floor_policy` (see the file comment).
///        `long_run_volatility` is EMIR's and the default; `maximum` is the peak ratchet, kept
///        for older code (prefer `peak_ratchet_policy`, which says what it does).
enum class lookback_floor_rule : std::uint8_t { maximum, long_run_volatility };

/// @brief EMIR APC tool (c): margin not below that from the volatility over a long (10-year or
///        whole-history) lookback (see the file comment).
class lookback_floor_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    detail::rolling_maximum highest;  ///< rule maximum: highest raw rate
    detail::rolling_mean variance;    ///< rule long_run_volatility: mean sigma_now^2
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @param lookback updates (0 = the whole history); 10 years of daily data are 3,650.
  /// @param rule long_run_volatility (EMIR, the default) or maximum (the peak ratchet).
  /// @throws dynmargin::invalid_argument naming `lookback`.
  explicit lookback_floor_policy(std::int64_t lookback,
                                 lookback_floor_rule rule = lookback_floor_rule::long_run_volatility)
      : rule_(rule) {
    const std::size_t n = detail::checked_lookback("lookback_floor", lookback);
    if (rule == lookback_floor_rule::maximum) {
      state_.highest = detail::rolling_maximum(n);
    } else {
      state_.variance = detail::rolling_mean(n);
    }
  }

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "lookback_floor";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    double floor = 0.0;
    if (rule_ == lookback_floor_rule::maximum) {
      state_.highest.push(context.raw_rate);
      floor = state_.highest.value();
    } else {
      const double now = context.volatility;
      if (std::isfinite(now)) state_.variance.push(now * now);
      if (now > 0.0)
        floor = detail::rescale_rate_loss(context.raw_rate, std::sqrt(state_.variance.value()) / now, context);
    }
    return rates.initial < floor ? detail::with_initial(rates, floor, context) : rates;
  }
  /// @brief The state (copies the lookback window: allocates).
  [[nodiscard]] state_type state() const { return state_; }
  /// @throws dynmargin::invalid_argument naming the window when the state comes from a policy
  ///         with another lookback or rule (nothing is changed).
  void restore(const state_type& saved) {
    detail::check_state_window("lookback_floor", saved.highest.window(), state_.highest.window());
    detail::check_state_window("lookback_floor", saved.variance.window(), state_.variance.window());
    state_ = saved;
  }
  [[nodiscard]] lookback_floor_rule rule() const noexcept { return rule_; }

 private:
  lookback_floor_rule rule_;
  state_type state_{};
};

/// @brief The peak ratchet: initial rate not below the highest raw risk-based rate over the
///        last `lookback` updates (0: the whole history). Not an EMIR tool (see the file
///        comment); for venues that hold margin at its recent peak on purpose.
class peak_ratchet_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    detail::rolling_maximum highest;  ///< highest raw rate over the lookback
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming `lookback`.
  explicit peak_ratchet_policy(std::int64_t lookback)
      : highest_{detail::rolling_maximum(detail::checked_lookback("peak_ratchet", lookback))} {}

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "peak_ratchet";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    highest_.highest.push(context.raw_rate);
    const double floor = highest_.highest.value();
    return rates.initial < floor ? detail::with_initial(rates, floor, context) : rates;
  }
  /// @brief The state (copies the lookback window: allocates).
  [[nodiscard]] state_type state() const { return highest_; }
  /// @throws dynmargin::invalid_argument naming the window when the state comes from a policy
  ///         with another lookback (nothing is changed).
  void restore(const state_type& saved) {
    detail::check_state_window("peak_ratchet", saved.highest.window(), highest_.highest.window());
    highest_ = saved;
  }

 private:
  state_type highest_;
};

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using apc_buffer_config [[deprecated("use apc_buffer_policy_config")]] = apc_buffer_policy_config;
// End of deprecated spellings.

}  // namespace dynmargin
