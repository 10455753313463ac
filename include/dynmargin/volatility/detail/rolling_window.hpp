// SPDX-License-Identifier: MIT
/// @file
/// @brief Numerically stable O(1) moments of a sliding window (internal to the rolling
///        volatility and range estimators).
///
/// The textbook sliding update (add the new value to a running sum, subtract the value that
/// leaves) accumulates rounding error without bound and loses every digit to cancellation
/// when the data have a large mean (sum of squares minus n times the squared mean). Three
/// measures keep the result within a few ulps of a two-pass computation for any run length:
///  1. when squares are kept (sample variances), values are shifted by a centre K close to
///     the window mean, so the sums hold small deviations d = x - K and
///     `sum(d^2) - sum(d)^2/n` does not cancel (a window that only needs its mean, of
///     squares or of non-negative range terms, is summed unshifted);
///  2. the sums are kept in about twice the working precision: squares are split exactly
///     (TwoProduct) and every addend is added with Knuth's error-free TwoSum (Ogita, Rump
///     and Oishi 2005, "Accurate sum and dot product"), so adding and later subtracting the
///     same value leaves no residue to first order, and the final `sum(d^2) - sum(d)^2/n`
///     is formed in double-double, so it stays accurate even when it cancels many digits
///     (a window of nearly equal values far from the centre);
///  3. a shadow accumulator, centred on the current mean, is started every n pushes and
///     collects only the new values; after n more pushes the window holds exactly those
///     values, so the shadow replaces the main accumulator. The main sums therefore never
///     carry more than 2n operations of history, the centre follows drifting data, and every
///     update stays O(1) (no periodic O(n) recomputation).
/// A removed value is shifted by the same centre it was added with (it was pushed during the
/// previous epoch, whose centre the main accumulator inherits), so adds and removes cancel
/// bit for bit in the shifted domain.
// IWYU pragma: private, include "dynmargin/volatility/rolling.hpp"
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "dynmargin/detail/ring_buffer.hpp"

namespace dynmargin::detail {

/// Error-free sum: a + b = sum + error exactly (Knuth's TwoSum, any magnitudes).
struct vol_two_terms {
  double value = 0.0;
  double error = 0.0;
};
[[nodiscard]] inline vol_two_terms vol_two_sum(double a, double b) noexcept {
  const double s = a + b;
  const double z = s - a;
  return {s, (a - (s - z)) + (b - z)};
}
/// Error-free product: a * b = value + error exactly (FMA when the target has a fast one,
/// otherwise Dekker's splitting, so that no slow software fma is ever called).
[[nodiscard]] inline vol_two_terms vol_two_product(double a, double b) noexcept {
  const double p = a * b;
#if defined(FP_FAST_FMA)
  return {p, std::fma(a, b, -p)};
#else
  constexpr double splitter = 134217729.0;  // 2^27 + 1
  const double ca = splitter * a;
  const double a_high = ca - (ca - a);
  const double a_low = a - a_high;
  const double cb = splitter * b;
  const double b_high = cb - (cb - b);
  const double b_low = b - b_high;
  return {p, ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low};
#endif
}

/// Compensated running sum: `sum + compensation` carries the sum to about twice the working
/// precision (each addend by TwoSum; the compensation collects the rounding errors).
struct vol_compensated_sum {
  double sum = 0.0;
  double compensation = 0.0;

  void add(double x) noexcept {
    const auto t = vol_two_sum(sum, x);
    sum = t.value;
    compensation += t.error;
  }
  /// The sum as a normalised double-double (value + error).
  [[nodiscard]] vol_two_terms split() const noexcept { return vol_two_sum(sum, compensation); }
  [[nodiscard]] double value() const noexcept { return sum + compensation; }
  friend bool operator==(const vol_compensated_sum&, const vol_compensated_sum&) = default;
};

/// Shifted sums of one epoch in double-double: sum of d and (when `Squares`) of d^2,
/// d = x - centre.
template <bool Squares>
struct vol_shifted_sums {
  double centre = 0.0;
  vol_compensated_sum first;
  vol_compensated_sum second;

  // The shift is exact too: d = x - centre is carried as d_high + d_low (TwoSum), and
  // d^2 = d_high^2 (TwoProduct) + 2 d_high d_low + d_low^2.
  void add(double x) noexcept { accumulate(x, 1.0); }
  void remove(double x) noexcept { accumulate(x, -1.0); }

 private:
  void accumulate(double x, double sign) noexcept {
    if constexpr (Squares) {
      const auto d = vol_two_sum(x, -centre);
      first.add(sign * d.value);
      first.compensation += sign * d.error;
      const auto square = vol_two_product(d.value, d.value);
      second.add(sign * square.value);
      second.compensation += sign * (square.error + (2.0 * d.value + d.error) * d.error);
    } else {
      first.add(sign * x);  // no centre without squares: the mean of values needs no shift
    }
  }

 public:
  friend bool operator==(const vol_shifted_sums&, const vol_shifted_sums&) = default;
};

/// A sliding window of the last `capacity` values with their mean and, when `Squares`, their
/// sum of squared deviations from the mean. O(1) per push, no allocation after construction.
template <bool Squares>
class vol_rolling_window {
 public:
  vol_rolling_window() = default;
  /// @param capacity window length (>= 1; the owning model validates it).
  explicit vol_rolling_window(std::size_t capacity) : values_(capacity) {}

  /// Pushes a finite value; the oldest drops out when the window is full. O(1), no allocation.
  void push(double x) noexcept {
    if (values_.empty() && epoch_pushes_ == 0) {
      // First value ever: centre both accumulators on it.
      if constexpr (Squares) {
        main_.centre = x;
        shadow_.centre = x;
      }
    }
    double evicted = 0.0;
    if (values_.push_back_evict(x, evicted)) main_.remove(evicted);
    main_.add(x);
    shadow_.add(x);
    if (++epoch_pushes_ == values_.capacity()) {
      // The window now holds exactly the values the shadow collected: swap, and start a new
      // shadow centred on the current mean.
      main_ = shadow_;
      shadow_ = vol_shifted_sums<Squares>{};
      if constexpr (Squares) shadow_.centre = mean();
      epoch_pushes_ = 0;
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return values_.size(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return values_.capacity(); }
  [[nodiscard]] bool full() const noexcept { return values_.full(); }

  /// Mean of the values in the window (0 when empty).
  [[nodiscard]] double mean() const noexcept {
    if (values_.empty()) return 0.0;
    return main_.centre + main_.first.value() / static_cast<double>(values_.size());
  }

  /// Sum of squared deviations from the window mean, >= 0 (Squares only).
  [[nodiscard]] double sum_squared_deviations() const noexcept requires Squares {
    if (values_.empty()) return 0.0;
    // sum(d^2) - sum(d)^2 / n in double-double: the subtraction may cancel many digits when
    // the values sit far from the centre compared with their spread.
    const double n = static_cast<double>(values_.size());
    const auto s1 = main_.first.split();
    const auto s2 = main_.second.split();
    const auto square = vol_two_product(s1.value, s1.value);
    const double square_error = square.error + 2.0 * s1.value * s1.error;
    const double q = square.value / n;
    const auto back = vol_two_product(q, n);
    const double q_error = (((square.value - back.value) - back.error) + square_error) / n;
    const auto difference = vol_two_sum(s2.value, -q);
    const double ss = difference.value + ((difference.error + s2.error) - q_error);
    return ss > 0.0 ? ss : 0.0;
  }

  /// Sample variance, divisor size() - 1 (0 with fewer than 2 values; Squares only).
  [[nodiscard]] double sample_variance() const noexcept requires Squares {
    if (values_.size() < 2) return 0.0;
    return sum_squared_deviations() / static_cast<double>(values_.size() - 1);
  }

  friend bool operator==(const vol_rolling_window&, const vol_rolling_window&) = default;

 private:
  ring_buffer<double> values_;
  vol_shifted_sums<Squares> main_;
  vol_shifted_sums<Squares> shadow_;
  std::size_t epoch_pushes_ = 0;
};

}  // namespace dynmargin::detail
