// SPDX-License-Identifier: MIT
/// @file
/// @brief Internal engine of the rolling historical and filtered historical risk measures:
///        a window of values with exact rolling tails for both sides, at one step and over
///        overlapping h-step sums, plus the bootstrap and age-weighted paths (internal).
///
/// Sides: the long measures read the lower tail of x; the short measures are the long
/// measures of -x (a second rolling tail fed with -x).
// IWYU pragma: private, include "dynmargin/risk/historical.hpp"
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/risk/concepts.hpp"
#include "dynmargin/risk/horizon.hpp"
#include "dynmargin/risk/rolling_quantile.hpp"

namespace dynmargin::detail {

/// Age-weighted (Boudoukh, Richardson and Whitelaw 1998) lower-tail VaR and ES: value i of n
/// (oldest first) has weight lambda^(n-1-i) (1-lambda)/(1-lambda^n); the VaR is the smallest
/// value whose cumulative weight (ascending values) reaches a (the weighted inverse CDF,
/// type 1 when all weights are equal); ES is the weighted tail mean (tail_mean) or the
/// weighted integral of the quantile function over (0, a) (acerbi_tasche).
/// `order` is scratch of size n (indices), reordered.
[[nodiscard]] inline risk_estimate age_weighted_lower_tail(std::span<const double> values, double lambda, double alpha,
                                                           es_method e, std::span<std::uint32_t> order) noexcept {
  const std::size_t n = values.size();
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
  std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), [&](std::uint32_t a, std::uint32_t b) {
    return values[a] < values[b] || (values[a] == values[b] && a > b);
  });
  const double normaliser = (1.0 - lambda) / (1.0 - std::pow(lambda, static_cast<double>(n)));
  const auto weight = [&](std::uint32_t i) { return std::pow(lambda, static_cast<double>(n - 1 - i)) * normaliser; };
  double cumulative = 0.0;
  double weighted_sum = 0.0;
  std::size_t j = 0;
  for (; j < n; ++j) {
    const double w = weight(order[j]);
    if (cumulative + w >= alpha * (1.0 - 1e-12)) break;
    cumulative += w;
    weighted_sum += w * values[order[j]];
  }
  if (j == n) j = n - 1;
  const double q = values[order[j]];
  risk_estimate out;
  out.var = -q;
  if (e == es_method::acerbi_tasche) {
    out.es = -(weighted_sum + (alpha - cumulative) * q) / alpha;
  } else {
    double tail_weight = cumulative;
    double tail_sum = weighted_sum;
    for (std::size_t i = j; i < n && values[order[i]] == q; ++i) {
      const double w = weight(order[i]);
      tail_weight += w;
      tail_sum += w * q;
    }
    out.es = -tail_sum / tail_weight;
  }
  return out;
}

/// Settings of the windowed engine.
struct window_settings {
  std::string_view component;               ///< name used in error messages
  std::string_view window_name = "window";  ///< "window", or "sample size" for batch forms
  double confidence = 0.99;
  std::int64_t window = 500;
  quantile_method quantile = quantile_method::type7;
  es_method es = es_method::tail_mean;
  std::int64_t horizon_steps = 1;
  horizon_rule horizon = horizon_rule::overlapping_sums;
  double age_decay = 1.0;  ///< 1 = equal weights
  std::int64_t bootstrap_paths = 10000;
  std::uint64_t seed = 0;
  bool allow_volatility_model_rule = false;
  /// Keep the upper tail (the losses of a short position) as values arrive. false: only the
  /// lower tail is kept, which halves the cost of a push; a short estimate is then computed
  /// from a copy of the window (the batch form, bit-identical to the streaming one).
  bool upper_tail = true;
};

/// Checks the settings and returns the minimum window, naming the parameter at fault.
inline void check_window_settings(const window_settings& s) {
  check_confidence(s.component, s.confidence);
  check_horizon_steps(s.component, s.horizon_steps);
  if (!s.allow_volatility_model_rule && s.horizon == horizon_rule::volatility_model) {
    throw_invalid_argument(s.component, "horizon",
                           "must be overlapping_sums, square_root_of_time or bootstrap (no volatility model)",
                           to_string(s.horizon));
  }
  if (!(s.age_decay > 0.0 && s.age_decay <= 1.0)) {
    throw_invalid_argument(s.component, "age_decay", "must be in (0, 1] (1 = equal weights)", s.age_decay);
  }
  if (s.age_decay < 1.0 && s.quantile != quantile_method::type1) {
    throw_invalid_argument(s.component, "quantile", "must be type1 with age weights (the weighted inverse CDF)",
                           to_string(s.quantile));
  }
  if (s.age_decay < 1.0 && s.horizon == horizon_rule::bootstrap) {
    throw_invalid_argument(s.component, "horizon", "cannot be bootstrap with age weights", to_string(s.horizon));
  }
  if (s.horizon == horizon_rule::bootstrap && s.bootstrap_paths < 1) {
    throw_invalid_argument(s.component, "bootstrap_paths", "must be at least 1", s.bootstrap_paths);
  }
  const double alpha = tail_probability(s.confidence);
  const auto needed_tail = static_cast<std::int64_t>(minimum_tail_sample(alpha));
  const bool sums = s.horizon == horizon_rule::overlapping_sums && s.horizon_steps > 1;
  const std::int64_t needed = sums ? needed_tail + s.horizon_steps - 1 : needed_tail;
  if (s.window < needed) {
    std::string requirement = "must hold at least " + std::to_string(needed) + " returns for confidence " +
                              format_value(s.confidence) + " (1/(1-p) = " + std::to_string(needed_tail);
    if (sums) requirement += " overlapping " + std::to_string(s.horizon_steps) + "-step sums";
    requirement += ")";
    throw_invalid_argument(s.component, s.window_name, requirement, s.window);
  }
  if (s.horizon == horizon_rule::bootstrap) {
    const auto paths_needed = static_cast<std::int64_t>(needed_tail);
    if (s.bootstrap_paths < paths_needed) {
      throw_invalid_argument(s.component, "bootstrap_paths",
                             "must be at least " + std::to_string(paths_needed) + " (1/(1-p))", s.bootstrap_paths);
    }
  }
}

/// Checks a sample for non-finite values, naming the first bad index.
inline void check_sample(std::string_view component, std::span<const double> sample) {
  for (std::size_t i = 0; i < sample.size(); ++i) {
    if (!std::isfinite(sample[i])) {
      throw_invalid_argument(component, "sample value at index " + std::to_string(i), "must be finite", sample[i]);
    }
  }
}

/// The engine: a window of one-step values with rolling tails (both sides, one step and
/// overlapping h-step sums) and scratch space for the bootstrap and age-weighted paths.
class windowed_sample {
 public:
  explicit windowed_sample(const window_settings& s)
      : settings_(validated(s)),
        alpha_(tail_probability(s.confidence)),
        minimum_(minimum_tail_sample(tail_probability(s.confidence))),
        sums_(s.horizon == horizon_rule::overlapping_sums && s.horizon_steps > 1),
        left_(static_cast<std::size_t>(s.window), s.confidence),
        right_(static_cast<std::size_t>(s.window), s.confidence) {
    const auto n = static_cast<std::size_t>(s.window);
    const auto h = static_cast<std::size_t>(s.horizon_steps);
    if (sums_) {
      left_sums_.emplace(n - h + 1, s.confidence);
      if (s.upper_tail) right_sums_.emplace(n - h + 1, s.confidence);
    }
    const std::size_t scratch = std::max(n, s.horizon == horizon_rule::bootstrap
                                                ? static_cast<std::size_t>(s.bootstrap_paths)
                                                : n);
    scratch_.assign(scratch, 0.0);
    window_copy_.assign(n, 0.0);
    if (s.age_decay < 1.0) order_.assign(n, 0);
  }

  /// Adds a finite value (the caller has checked it).
  void push(double x) noexcept {
    (void)left_.push(x);
    if (settings_.upper_tail) (void)right_.push(-x);
    ++observations_;
    if (sums_) {
      const auto h = static_cast<std::size_t>(settings_.horizon_steps);
      const std::size_t size = left_.size();
      if (size >= h) {
        double sum = 0.0;
        for (std::size_t i = size - h; i < size; ++i) sum += left_.oldest(i);
        (void)left_sums_->push(sum);
        if (right_sums_) (void)right_sums_->push(-sum);
      }
    }
  }

  void clear() noexcept {
    left_.clear();
    right_.clear();
    if (sums_) {
      left_sums_->clear();
      if (right_sums_) right_sums_->clear();
    }
    observations_ = 0;
  }

  /// Enough values for the tail at the horizon rule.
  [[nodiscard]] bool ready() const noexcept {
    const std::size_t available = sums_ ? left_sums_->size() : left_.size();
    return available >= minimum_;
  }
  [[nodiscard]] std::size_t size() const noexcept { return left_.size(); }
  [[nodiscard]] std::int64_t observations() const noexcept { return observations_; }
  void set_observations(std::int64_t n) noexcept { observations_ = n; }
  [[nodiscard]] double oldest(std::size_t i) const noexcept { return left_.oldest(i); }
  [[nodiscard]] double alpha() const noexcept { return alpha_; }
  [[nodiscard]] std::size_t minimum() const noexcept { return minimum_; }
  [[nodiscard]] const window_settings& settings() const noexcept { return settings_; }
  /// Scratch space for callers that rebuild a sample (floor/cap paths); size >= window.
  [[nodiscard]] std::span<double> scratch() const noexcept { return scratch_; }

  /// Risk of the window's values over the horizon *in the units of the values*, not yet
  /// scaled: one-step measures for volatility_model and square_root_of_time (the caller
  /// scales), overlapping sums or bootstrap sums otherwise. Precondition: ready().
  [[nodiscard]] risk_estimate unscaled(position_side side) const noexcept {
    const bool is_long = side == position_side::long_position;
    if (settings_.age_decay < 1.0) {
      const std::size_t n = fill_window(side);
      if (sums_) {
        const std::size_t count = overlapping_sums_in_place(std::span<double>(window_copy_.data(), n));
        return age_weighted_lower_tail(std::span<const double>(window_copy_.data(), count), settings_.age_decay, alpha_,
                                       settings_.es, order_);
      }
      return age_weighted_lower_tail(std::span<const double>(window_copy_.data(), n), settings_.age_decay, alpha_,
                                     settings_.es, order_);
    }
    if (settings_.horizon == horizon_rule::bootstrap && settings_.horizon_steps > 1) {
      const std::size_t n = fill_window(side);
      return bootstrap(std::span<const double>(window_copy_.data(), n));
    }
    if (!is_long && !settings_.upper_tail) {  // no streaming upper tail: from a copy of the window
      const std::size_t n = fill_window(side);
      return unscaled_from(std::span<double>(window_copy_.data(), n));
    }
    if (sums_) return (is_long ? *left_sums_ : *right_sums_).estimate(settings_.quantile, settings_.es);
    return (is_long ? left_ : right_).estimate(settings_.quantile, settings_.es);
  }

  /// The same measure on an arbitrary sample of one-step values (batch form and the
  /// floor/cap path). `values` is reordered/overwritten. Precondition: enough values.
  [[nodiscard]] risk_estimate unscaled_from(std::span<double> values) const noexcept {
    std::span<double> sample = values;
    if (settings_.horizon == horizon_rule::bootstrap && settings_.horizon_steps > 1) {
      return bootstrap(values);
    }
    if (sums_) sample = values.first(overlapping_sums_in_place(values));
    if (settings_.age_decay < 1.0) {
      return age_weighted_lower_tail(sample, settings_.age_decay, alpha_, settings_.es, order_);
    }
    return scratch_lower_tail_estimate(sample, alpha_, settings_.quantile, settings_.es);
  }

  /// Copies the window (oldest first) as one-step values of the given side into window_copy_.
  std::size_t fill_window(position_side side) const noexcept {
    const std::size_t n = left_.size();
    const double sign = side == position_side::long_position ? 1.0 : -1.0;
    for (std::size_t i = 0; i < n; ++i) window_copy_[i] = sign * left_.oldest(i);
    return n;
  }
  [[nodiscard]] std::span<double> window_copy() const noexcept { return window_copy_; }

  /// Replaces values[0..n-h] by the overlapping h-step sums (each summed oldest first, as
  /// push() does, so streaming and batch agree bitwise); returns their count.
  [[nodiscard]] std::size_t overlapping_sums_in_place(std::span<double> values) const noexcept {
    const auto h = static_cast<std::size_t>(settings_.horizon_steps);
    if (h <= 1) return values.size();
    const std::size_t count = values.size() - h + 1;
    for (std::size_t j = 0; j < count; ++j) {
      double sum = 0.0;
      for (std::size_t i = j; i < j + h; ++i) sum += values[i];
      values[j] = sum;
    }
    return count;
  }

  /// Bootstrap: `bootstrap_paths` sums of h values drawn with replacement from `values` by a
  /// std::mt19937_64 seeded with `seed` at every call, so an estimate is a pure function of
  /// the window. Uses scratch_ for the sums.
  [[nodiscard]] risk_estimate bootstrap(std::span<const double> values) const noexcept {
    std::mt19937_64 engine(settings_.seed);
    const std::size_t n = values.size();
    const auto paths = static_cast<std::size_t>(settings_.bootstrap_paths);
    const auto h = static_cast<std::size_t>(settings_.horizon_steps);
    for (std::size_t p = 0; p < paths; ++p) {
      double sum = 0.0;
      for (std::size_t i = 0; i < h; ++i) sum += values[static_cast<std::size_t>(engine() % n)];
      scratch_[p] = sum;
    }
    return scratch_lower_tail_estimate(std::span<double>(scratch_.data(), paths), alpha_, settings_.quantile,
                                       settings_.es);
  }

 private:
  static const window_settings& validated(const window_settings& s) {
    check_window_settings(s);
    return s;
  }

  window_settings settings_;
  double alpha_;
  std::size_t minimum_;
  bool sums_;
  rolling_lower_tail left_;
  rolling_lower_tail right_;
  std::optional<rolling_lower_tail> left_sums_;
  std::optional<rolling_lower_tail> right_sums_;
  std::int64_t observations_ = 0;
  // Scratch for estimates (const member functions): not shared between threads.
  mutable std::vector<double> scratch_;
  mutable std::vector<double> window_copy_;
  mutable std::vector<std::uint32_t> order_;
};

}  // namespace dynmargin::detail
