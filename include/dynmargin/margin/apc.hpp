// SPDX-License-Identifier: MIT
/// @file
/// @brief Anti-procyclicality: the three tools of EMIR (Commission Delegated Regulation (EU)
///        No 153/2013, Article 28(1)): (a) a margin buffer consumed when margin rises,
///        (b) a weight on stressed observations, (c) a floor from a long lookback.
///
/// (a) `apc_buffer_policy`, buffer b (EMIR: at least 25%), rebuild speed rho in (0, 1].
///     With R_t the incoming rate and M_t the margin this policy returns:
///       - first step: M_1 = (1 + b) R_1 (the buffer starts full);
///       - R_t > R_{t-1} (margin rising): M_t = clamp(M_{t-1}, R_t, (1 + b) R_t). The margin
///         holds its level while the raw rate rises into the buffer, and is pushed up only
///         when the raw rate passes it: the buffer is consumed;
///       - R_t <= R_{t-1} (calm): M_t = clamp(M_{t-1} + rho ((1 + b) R_t - M_{t-1}), R_t, (1 + b) R_t).
///         The margin moves a fraction rho of the way back to the full buffer each step
///         (rebuild), and never above it.
///     So R_t <= M_t <= (1 + b) R_t on every step (the invariant of Art. 28(1)(a)). Its memory
///     is its own margin M_{t-1}, not the published one: it holds a level that later policies
///     transform again (comparing with their result would apply them twice), and the clamp to
///     [R_t, (1 + b) R_t] means no earlier value, a warm-up 0 or a huge rate, can hold margin
///     below or far above the rate it receives. A previous margin that is not finite (an
///     overflowing rate upstream) restarts it with the buffer full.
/// (b) `stressed_weight_policy`, weight w in [0, 1] (EMIR: at least 25%; ICE IRM 1 uses
///     sigma = 0.25 sigma_stress + 0.75 sigma_now with sigma_stress the highest rolling
///     volatility over 250 days). sigma_now is the margin function's one-step volatility
///     forecast (`market_context::volatility`); sigma_stress is the highest sigma_now over the
///     policy's lookback (n steps, its own rolling maximum), or over the margin function's
///     stressed lookback (`market_context::stressed_volatility`) when n = 0. The hook: the
///     policy rescales the incoming rate's loss, L = ln(1 + R) (the short side's loss,
///     which binds the instrument-level rate of a symmetric measure), to
///     L' = L * sigma_w / sigma_now and returns exp(L') - 1. This equals computing the risk
///     measure with the weighted volatility whenever the loss is proportional to the current
///     volatility: parametric VaR/ES and filtered historical simulation. When sigma_now is 0
///     the rate passes unchanged.
/// (c) `lookback_floor_policy`, lookback n steps (n = 0: the whole history). Two rules:
///       - `lookback_floor_rule::maximum` (default): the floor is the highest raw risk-based
///         rate (`market_context::raw_rate`) over the last n steps, current step included;
///       - `lookback_floor_rule::long_run_volatility` (EMIR's wording, "not lower than
///         margins calculated using volatility estimated over a 10-year lookback"): the floor
///         is the raw rate recomputed with the long-run volatility sigma_lr =
///         sqrt(mean of sigma_now^2 over the lookback), by the same rescaling as (b).
///     The policy returns max(incoming rate, floor). Its memory is raw risk-based rates (or
///     volatilities), never margins, and it only raises: it cannot hold margin below the rate.
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

/// @brief Configuration of `apc_buffer_policy`.
struct apc_buffer_policy_config {
  double buffer = 0.25;  ///< b >= 0 (EMIR Art. 28(1)(a): at least 0.25)
  double rebuild = 0.1;  ///< rho in (0, 1]: share of the missing buffer rebuilt per calm step
};

/// @brief EMIR APC tool (a): a buffer consumed when margin rises, rebuilt in calm (see the file comment).
class apc_buffer_policy {
 public:
  using model_concept = rate_policy_tag;
  using config_type = apc_buffer_policy_config;  ///< what the constructor takes
  struct state_type {
    bool started = false;
    double previous_input = 0.0;
    double previous_margin = 0.0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming `buffer` (must be finite and >= 0) or
  ///         `rebuild` (must be in (0, 1]).
  explicit apc_buffer_policy(const apc_buffer_policy_config& config = {}) : config_(config) {
    if (!(std::isfinite(config.buffer) && config.buffer >= 0.0)) {
      throw_invalid_argument("apc_buffer", "buffer", "must be finite and >= 0", config.buffer);
    }
    if (!(config.rebuild > 0.0 && config.rebuild <= 1.0)) {
      throw_invalid_argument("apc_buffer", "rebuild", "must be in (0, 1]", config.rebuild);
    }
  }
  explicit apc_buffer_policy(double buffer) : apc_buffer_policy(apc_buffer_policy_config{buffer, 0.1}) {}

  [[nodiscard]] std::string_view name() const noexcept { return "apc_buffer"; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    const double raw = rates.initial;
    const double full = (1.0 + config_.buffer) * raw;
    double margin = full;
    if (state_.started && std::isfinite(state_.previous_margin)) {
      // Rising or calm is a coin flip on real data: the rebuild speed (0 while rising) is
      // computed from the comparison, not branched on (a ternary still compiles to a
      // mispredicted jump with GCC 12).
      const double previous = state_.previous_margin;
      const double speed = config_.rebuild * static_cast<double>(!(raw > state_.previous_input));
      margin = previous + speed * (full - previous);
      margin = std::min(std::max(margin, raw), full);
    }
    state_ = state_type{true, raw, margin};
    return detail::with_initial(rates, margin, context);
  }
  [[nodiscard]] state_type state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }
  [[nodiscard]] const apc_buffer_policy_config& config() const noexcept { return config_; }

 private:
  apc_buffer_policy_config config_;
  state_type state_{};
};

/// @brief EMIR APC tool (b): sigma = w sigma_stress + (1 - w) sigma_now (see the file comment).
class stressed_weight_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    detail::rolling_maximum stressed;  ///< highest sigma_now over the lookback
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @param weight w in [0, 1].
  /// @param lookback steps of the stressed window; 0 uses the margin function's stressed volatility.
  /// @throws dynmargin::invalid_argument naming `weight` or `lookback`.
  stressed_weight_policy(double weight, std::int64_t lookback) : weight_(weight) {
    if (!(weight >= 0.0 && weight <= 1.0)) {
      throw_invalid_argument("stressed_weight", "weight", "must be in [0, 1]", weight);
    }
    own_window_ = detail::checked_lookback("stressed_weight", lookback) > 0;
    if (own_window_) state_.stressed = detail::rolling_maximum(static_cast<std::size_t>(lookback));
  }

  [[nodiscard]] std::string_view name() const noexcept { return "stressed_weight"; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    const double now = context.volatility;
    double stress = context.stressed_volatility;
    if (own_window_) {
      state_.stressed.push(now);
      stress = state_.stressed.value();
    }
    if (!(now > 0.0) || !std::isfinite(stress)) return rates;
    const double weighted = weight_ * (stress > now ? stress : now) + (1.0 - weight_) * now;
    return detail::with_initial(rates, detail::rescale_rate_loss(rates.initial, weighted / now, context), context);
  }
  /// @brief The state (copies the lookback window: allocates).
  [[nodiscard]] state_type state() const { return state_; }
  /// @throws dynmargin::invalid_argument naming the window when the state comes from a policy
  ///         with another lookback (nothing is changed).
  void restore(const state_type& saved) {
    detail::check_state_window("stressed_weight", saved.stressed.window(), state_.stressed.window());
    state_ = saved;
  }
  [[nodiscard]] double weight() const noexcept { return weight_; }
  /// @brief The stressed volatility of the last update when the policy keeps its own window.
  [[nodiscard]] double stressed_volatility() const noexcept { return state_.stressed.value(); }

 private:
  double weight_;
  bool own_window_ = false;
  state_type state_{};
};

/// @brief The two floor rules of `lookback_floor_policy` (see the file comment).
enum class lookback_floor_rule : std::uint8_t { maximum, long_run_volatility };

/// @brief EMIR APC tool (c): a floor from a long (10-year or whole-history) lookback.
class lookback_floor_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    detail::rolling_maximum highest;  ///< rule maximum: highest raw rate
    detail::rolling_mean variance;    ///< rule long_run_volatility: mean sigma_now^2
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @param lookback steps (0 = the whole history).
  /// @throws dynmargin::invalid_argument naming `lookback`.
  explicit lookback_floor_policy(std::int64_t lookback, lookback_floor_rule rule = lookback_floor_rule::maximum)
      : rule_(rule) {
    const std::size_t n = detail::checked_lookback("lookback_floor", lookback);
    if (rule == lookback_floor_rule::maximum) {
      state_.highest = detail::rolling_maximum(n);
    } else {
      state_.variance = detail::rolling_mean(n);
    }
  }

  [[nodiscard]] std::string_view name() const noexcept { return "lookback_floor"; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    double floor = 0.0;
    if (rule_ == lookback_floor_rule::maximum) {
      state_.highest.push(context.raw_rate);
      floor = state_.highest.value();
    } else {
      const double now = context.volatility;
      state_.variance.push(now * now);
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

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using apc_buffer_config [[deprecated("use apc_buffer_policy_config")]] = apc_buffer_policy_config;
// End of deprecated spellings.

}  // namespace dynmargin
