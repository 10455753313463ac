// SPDX-License-Identifier: MIT
/// @file
/// @brief Exponentially weighted moving-average variance (RiskMetrics, J.P. Morgan 1996).
///
/// sigma2_{t+1} = lambda * sigma2_t + (1 - lambda) * r_t^2, zero mean, as RiskMetrics.
/// lambda = 0.94 is RiskMetrics' daily choice; LCH used 0.97 for FHS scaling.
///
/// Start-up rules (what the forecast is before the recursion has history):
///  - `ewma_start::first_squared_return`: sigma2 = r_1^2 after the first return. This is the
///    convention of `tests/data/ewma094_btc_daily.csv` (and of many R and Python scripts).
///  - `ewma_start::warmup_window`: the mean of the first n squared returns; during the warm-up
///    the forecast is the mean of the squares seen so far.
///  - `ewma_start::given`: a variance supplied by the caller (for example from a calibration),
///    which is the forecast before any return is seen.
///
/// Readiness (`ready()`, which the margin function and the FHS/EVT residuals wait for):
///  - first_squared_return: after `burn_in` returns. After n returns the start value r_1^2
///    still carries the weight lambda^(n-1) of the forecast; the default burn-in (0 =
///    automatic) is the smallest n with lambda^(n-1) <= 1%, i.e. 1 + ceil(ln 0.01 / ln lambda):
///    76 returns at lambda 0.94, 153 at 0.97. Before it, one return (possibly 0) would set the
///    scale of every later residual and margin.
///  - warmup_window: after the `warmup` returns of the window (the caller chose it).
///  - given: at once (the variance was calibrated elsewhere).
#pragma once

#include <cmath>
#include <cstdint>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/volatility/concepts.hpp"

namespace dynmargin {

/// @brief How an EWMA variance starts (see the file comment).
enum class ewma_start : std::uint8_t { first_squared_return, warmup_window, given };

/// @brief Configuration of `ewma_volatility`.
struct ewma_volatility_config {
  decay_factor lambda{0.94};  ///< decay factor in (0, 1)
  ewma_start start = ewma_start::first_squared_return;
  std::int64_t warmup = 0;        ///< returns in the warm-up window (warmup_window only, >= 1)
  double initial_variance = 0.0;  ///< starting variance (given only, finite and > 0)
  std::int64_t burn_in = 0;       ///< first_squared_return: returns before ready(); 0 = automatic (1% rule)
};

/// @brief The automatic burn-in of a first-squared-return EWMA: the smallest n with
///        lambda^(n-1) <= 0.01 (the start value's weight in the forecast after n returns).
[[nodiscard]] inline std::int64_t ewma_default_burn_in(double lambda) noexcept {
  return 1 + static_cast<std::int64_t>(std::ceil(std::log(0.01) / std::log(lambda) - 1e-9));
}

/// @brief RiskMetrics EWMA variance; a `volatility_model`.
class ewma_volatility {
 public:
  using model_concept = volatility_model_tag;
  using config_type = ewma_volatility_config;  ///< what the constructor takes

  /// @brief The whole mutable state, a regular value.
  struct state_type {
    double variance = 0.0;    ///< current one-step forecast
    double warmup_sum = 0.0;  ///< sum of squares during a warm-up window
    std::int64_t observations = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming warmup or initial_variance when out of range.
  explicit ewma_volatility(const ewma_volatility_config& config = {}) : config_(config) {
    if (config.burn_in < 0) throw_invalid_argument("ewma", "burn_in", "must be >= 0 (0 = automatic)", config.burn_in);
    burn_in_ = config.burn_in > 0 ? config.burn_in : ewma_default_burn_in(config.lambda.value());
    if (config.start == ewma_start::warmup_window && config.warmup < 1) {
      throw_invalid_argument("ewma", "warmup", "must be at least 1 return", config.warmup);
    }
    if (config.start == ewma_start::given) {
      if (!(std::isfinite(config.initial_variance) && config.initial_variance > 0.0)) {
        throw_invalid_argument("ewma", "initial_variance", "must be finite and > 0", config.initial_variance);
      }
      state_.variance = config.initial_variance;
    }
  }

  /// @brief Convenience: lambda only, first-squared-return start.
  /// @throws dynmargin::invalid_argument naming lambda when it is not in (0, 1).
  explicit ewma_volatility(double lambda)
      : ewma_volatility(ewma_volatility_config{decay_factor(lambda, "ewma", "lambda"), ewma_start::first_squared_return,
                                               0, 0.0, 0}) {}

  /// @brief Absorbs one return. O(1), no allocation.
  /// @return `status::non_finite_input` (state unchanged) for NaN or infinity.
  status update(double r) noexcept {
    if (!std::isfinite(r)) return status::non_finite_input;
    const double square = r * r;
    const std::int64_t n = state_.observations;
    const double lambda = config_.lambda.value();
    switch (config_.start) {
      case ewma_start::first_squared_return:
        state_.variance = n == 0 ? square : lambda * state_.variance + (1.0 - lambda) * square;
        break;
      case ewma_start::warmup_window:
        if (n < config_.warmup) {
          state_.warmup_sum += square;
          state_.variance = state_.warmup_sum / static_cast<double>(n + 1);
        } else {
          state_.variance = lambda * state_.variance + (1.0 - lambda) * square;
        }
        break;
      case ewma_start::given: state_.variance = lambda * state_.variance + (1.0 - lambda) * square; break;
    }
    state_.observations = n + 1;
    return status::ok;
  }

  /// @brief One-step-ahead variance forecast (0 before the first return unless `given`).
  [[nodiscard]] double variance() const noexcept { return state_.variance; }
  /// @brief Variance of the sum of the next `steps` returns: EWMA forecasts are flat, so
  ///        steps * variance() (square-root-of-time for the volatility).
  [[nodiscard]] double variance(std::int64_t steps) const noexcept {
    return static_cast<double>(steps) * state_.variance;
  }
  /// @brief One-step volatility, sqrt(variance()).
  [[nodiscard]] double volatility() const noexcept { return std::sqrt(state_.variance); }
  [[nodiscard]] std::int64_t observations() const noexcept { return state_.observations; }
  /// @brief True once the burn-in is over (see the file comment): first_squared_return after
  ///        `burn_in()` returns, warmup_window after `warmup`, given at once.
  [[nodiscard]] bool ready() const noexcept {
    switch (config_.start) {
      case ewma_start::first_squared_return: return state_.observations >= burn_in_;
      case ewma_start::warmup_window: return state_.observations >= config_.warmup;
      case ewma_start::given: return true;
    }
    return false;
  }

  /// @brief Returns a first-squared-return start needs before `ready()` (config or automatic).
  [[nodiscard]] std::int64_t burn_in() const noexcept { return burn_in_; }

  [[nodiscard]] state_type state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }
  [[nodiscard]] const ewma_volatility_config& config() const noexcept { return config_; }

 private:
  ewma_volatility_config config_;
  std::int64_t burn_in_ = 1;
  state_type state_{};
};

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using ewma_config [[deprecated("use ewma_volatility_config")]] = ewma_volatility_config;
// End of deprecated spellings.

}  // namespace dynmargin
