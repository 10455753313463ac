// SPDX-License-Identifier: MIT
/// @file
/// @brief Rolling-window (equally weighted) variance of the last n returns.
///
/// The classical historical volatility: every return in the window has weight 1/n, older ones
/// weight 0 (J.P. Morgan/Reuters, RiskMetrics Technical Document, 4th ed. 1996, section 5.2.1,
/// contrasts it with EWMA; it is the "historical volatility" of Hull, Options, Futures and
/// Other Derivatives, ch. 15). Two conventions, chosen by `rolling_mean`:
///  - `rolling_mean::zero` (the default, the risk convention of RiskMetrics and of the EWMA
///    model): sigma2 = (1/n) * sum of r_i^2, the mean of squares;
///  - `rolling_mean::sample`: the sample variance around the window mean, divisor n - 1.
///
/// `update` is O(1) and allocation-free (a ring buffer sized at construction) and
/// numerically stable: the window sums are centred, compensated and renewed every n updates
/// (see dynmargin/volatility/detail/rolling_window.hpp), so the result agrees with a two-pass
/// computation to within a few ulps after any number of updates, also for badly scaled
/// data such as values around 1e8 with unit variance (tests/unit/vol_rolling_test.cpp:
/// worst 2.2e-16 relative over 10^6 updates).
///
/// Before the window is full, `variance()` is the same statistic over the returns seen so
/// far (0 with fewer than 1, or for `sample` 2, returns) and `ready()` is false.
/// A constant series gives variance 0 (`sample`), which is the correct value, not an error.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "dynmargin/core/error.hpp"
#include "dynmargin/volatility/concepts.hpp"
#include "dynmargin/volatility/detail/rolling_window.hpp"

namespace dynmargin {

/// @brief Which mean the rolling variance is taken around.
enum class rolling_mean : std::uint8_t {
  zero,    ///< mean of squares, sum r^2 / n (risk convention, default)
  sample,  ///< sample variance around the window mean, divisor n - 1
};

/// @brief Configuration of `rolling_volatility`.
struct rolling_volatility_config {
  std::int64_t window = 250;  ///< returns in the window, >= 2 (250: one trading year, as ICE/Eurex IRM lookbacks)
  rolling_mean mean = rolling_mean::zero;
};

/// @brief Equally weighted variance over the last `window` returns; a `volatility_model`.
class rolling_volatility {
 public:
  using model_concept = volatility_model_tag;
  using config_type = rolling_volatility_config;  ///< what the constructor takes

  /// @brief The whole mutable state, a regular value (copying it copies the window).
  struct state_type {
    detail::vol_rolling_window<false> squares;  ///< r^2 (rolling_mean::zero)
    detail::vol_rolling_window<true> values;    ///< r (rolling_mean::sample)
    std::int64_t observations = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming `window` when it is below 2.
  explicit rolling_volatility(const rolling_volatility_config& config = {}) : config_(config) {
    if (config.window < 2) throw_invalid_argument("rolling", "window", "must be at least 2", config.window);
    const auto n = static_cast<std::size_t>(config.window);
    if (config.mean == rolling_mean::zero) {
      state_.squares = detail::vol_rolling_window<false>(n);
    } else {
      state_.values = detail::vol_rolling_window<true>(n);
    }
  }
  /// @brief Convenience: window and mean convention.
  explicit rolling_volatility(std::int64_t window, rolling_mean mean = rolling_mean::zero)
      : rolling_volatility(rolling_volatility_config{window, mean}) {}

  /// @brief Absorbs one return. O(1), no allocation.
  /// @return `status::non_finite_input` for NaN or infinity, `status::domain_error` when the
  ///         square overflows; the state is unchanged in both cases.
  status update(double r) noexcept {
    if (!std::isfinite(r)) return status::non_finite_input;
    if (!std::isfinite(r * r)) return status::domain_error;
    if (config_.mean == rolling_mean::zero) {
      state_.squares.push(r * r);
    } else {
      state_.values.push(r);
    }
    ++state_.observations;
    return status::ok;
  }

  /// @brief One-step-ahead variance forecast: the window statistic (see the file comment).
  [[nodiscard]] double variance() const noexcept {
    if (config_.mean == rolling_mean::zero) return state_.squares.mean();
    return state_.values.sample_variance();
  }
  /// @brief Variance of the sum of the next `steps` returns: steps * variance() (the
  ///        forecast is flat; square-root-of-time for the volatility).
  [[nodiscard]] double variance(std::int64_t steps) const noexcept { return static_cast<double>(steps) * variance(); }
  /// @brief sqrt(variance()).
  [[nodiscard]] double volatility() const noexcept { return std::sqrt(variance()); }
  /// @brief The window mean (0 for `rolling_mean::zero`, which does not estimate it).
  [[nodiscard]] double mean() const noexcept {
    return config_.mean == rolling_mean::sample ? state_.values.mean() : 0.0;
  }
  [[nodiscard]] std::int64_t observations() const noexcept { return state_.observations; }
  /// @brief True once the window is full.
  [[nodiscard]] bool ready() const noexcept { return state_.observations >= config_.window; }
  [[nodiscard]] std::int64_t window() const noexcept { return config_.window; }

  /// @brief The state (copies the window: allocates).
  [[nodiscard]] state_type state() const { return state_; }
  /// @brief Restores a saved state (no allocation when it comes from a model of the same window).
  /// @throws dynmargin::invalid_argument when the state belongs to another window or convention.
  void restore(const state_type& saved) {
    if (saved.squares.capacity() != state_.squares.capacity() || saved.values.capacity() != state_.values.capacity()) {
      throw_invalid_argument("rolling", "state", "must come from a model with the same window and mean",
                             static_cast<std::int64_t>(saved.squares.capacity() + saved.values.capacity()));
    }
    state_ = saved;
  }
  [[nodiscard]] const rolling_volatility_config& config() const noexcept { return config_; }

 private:
  rolling_volatility_config config_;
  state_type state_{};
};

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using rolling_config [[deprecated("use rolling_volatility_config")]] = rolling_volatility_config;
// End of deprecated spellings.

}  // namespace dynmargin
