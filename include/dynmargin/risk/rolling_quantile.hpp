// SPDX-License-Identifier: MIT
/// @file
/// @brief Sample quantile and expected-shortfall conventions, and an exact rolling-window
///        tail order-statistics structure that keeps VaR and ES current without re-sorting.
///
/// Conventions (for a sample x_(1) <= ... <= x_(n) of returns, tail probability a = 1 - p;
/// a long position's loss is -x; a short position's measures are the long measures of -x):
///  - `quantile_method::type1` (R `quantile(type = 1)`, numpy "inverted_cdf", the inverse
///    empirical CDF): Q = x_(k), k = ceil(n a);
///  - `quantile_method::type7` (R's default, numpy "linear"): with index = 1 + (n - 1) a,
///    lo = floor(index), h = index - lo, Q = (1 - h) x_(lo) + h x_(lo+1) (R's arithmetic,
///    Hyndman and Fan 1996);
///  - `es_method::tail_mean` (the reference convention of tests/data/rolling_hs_var_btc1h.csv):
///    ES = -mean(x[x <= x_(k)]), the mean of the returns at or below the *type-1* quantile,
///    ties included, whatever quantile method the VaR uses;
///  - `es_method::acerbi_tasche`: ES = -(1/(n a)) [sum_{i <= floor(n a)} x_(i) +
///    (n a - floor(n a)) x_(floor(n a) + 1)], the integral of the empirical quantile function
///    over (0, a) (Acerbi and Tasche 2002). This one is coherent on every sample (subadditive:
///    ES(X+Y) <= ES(X) + ES(Y)); it equals tail_mean when n a is an integer and x_(k) is not tied.
/// The tail probability is 1 - p rounded to 12 significant digits, so p = 0.99 means exactly
/// the double nearest 0.01 (what R or numpy receive when called with 0.01); integer tests
/// of n a use R's fuzz of 4 machine epsilons.
///
/// `rolling_lower_tail` keeps, for a window of the last n values, the m smallest in a sorted
/// array and the other n - m in an indexed binary min-heap (positions tracked per ring slot):
/// an update evicts the oldest value and inserts the new one in O(log n) heap steps plus an
/// O(m) move inside the sorted tail (m = the largest rank the estimate reads, 6 for 99% and
/// n = 500); reading VaR and ES is O(k). Memory is allocated once at construction.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/risk/concepts.hpp"
#include "dynmargin/risk/horizon.hpp"

namespace dynmargin {

/// @brief Sample quantile definition (Hyndman and Fan 1996 numbering, as R).
enum class quantile_method : std::uint8_t { type1, type7 };
/// @brief Sample expected-shortfall definition (see the file comment).
enum class es_method : std::uint8_t { tail_mean, acerbi_tasche };

[[nodiscard]] constexpr std::string_view to_string(quantile_method q) noexcept {
  return q == quantile_method::type1 ? "type1" : "type7";
}
[[nodiscard]] constexpr std::string_view to_string(es_method e) noexcept {
  return e == es_method::tail_mean ? "tail_mean" : "acerbi_tasche";
}

namespace detail {

/// 1 - p rounded to 12 significant digits (see the file comment).
[[nodiscard]] inline double tail_probability(double confidence) noexcept {
  const double raw = 1.0 - confidence;
  std::array<char, 32> buffer{};
  const auto written = std::to_chars(buffer.data(), buffer.data() + buffer.size(), raw, std::chars_format::scientific,
                                     11);
  if (written.ec != std::errc{}) return raw;
  double rounded = raw;
  const auto parsed = std::from_chars(buffer.data(), written.ptr, rounded);
  return parsed.ec == std::errc{} ? rounded : raw;
}

inline constexpr double quantile_fuzz = 4.0 * std::numeric_limits<double>::epsilon();

/// The ranks (1-based) an estimate reads from a sample of n values at tail probability a.
struct tail_ranks {
  std::size_t type1 = 1;      ///< k = ceil(n a) (R's type 1 with its fuzz)
  std::size_t type7_lo = 1;   ///< floor(1 + (n - 1) a)
  double type7_weight = 0.0;  ///< h, the weight of x_(lo+1)
  double n_alpha = 0.0;       ///< n a
  std::size_t at_whole = 0;   ///< floor(n a) (Acerbi-Tasche whole part, with fuzz)
  double at_fraction = 0.0;   ///< n a - floor(n a) (0 within the fuzz)
  /// The largest rank any estimate reads: the tail size to keep sorted.
  [[nodiscard]] std::size_t deepest(std::size_t n) const noexcept {
    return std::min(n, std::max({type1, type7_lo + 1, at_whole + 1}));
  }
};

[[nodiscard]] inline tail_ranks compute_tail_ranks(std::size_t n, double alpha) noexcept {
  tail_ranks r;
  const double n_alpha = static_cast<double>(n) * alpha;
  r.n_alpha = n_alpha;
  const double j = std::floor(n_alpha + quantile_fuzz);
  const std::size_t k = static_cast<std::size_t>(j) + (n_alpha > j ? 1U : 0U);
  r.type1 = std::clamp<std::size_t>(k, 1, n);
  const double index = 1.0 + static_cast<double>(n - 1) * alpha;
  const double lo = std::floor(index);
  r.type7_lo = std::clamp<std::size_t>(static_cast<std::size_t>(lo), 1, n);
  r.type7_weight = index - lo;
  r.at_whole = static_cast<std::size_t>(j);
  r.at_fraction = n_alpha - j;
  if (std::abs(r.at_fraction) < quantile_fuzz) r.at_fraction = 0.0;
  if (r.at_fraction < 0.0) r.at_fraction = 0.0;
  return r;
}

/// VaR and ES of the lower tail (long position, loss -x) from order statistics.
/// `sorted.at(i)` is x_(i+1) for i < ranks.deepest(n); `sorted.ties_after(i)` counts values
/// beyond position i equal to x_(i+1) (only needed for tail_mean).
template <class Sorted>
[[nodiscard]] risk_estimate lower_tail_estimate(const Sorted& sorted, std::size_t n, double alpha, quantile_method q,
                                                es_method e) noexcept {
  const tail_ranks r = compute_tail_ranks(n, alpha);
  risk_estimate out;
  const double x_k = sorted.at(r.type1 - 1);
  if (q == quantile_method::type1) {
    out.var = -x_k;
  } else {
    const double x_lo = sorted.at(r.type7_lo - 1);
    double value = x_lo;
    if (r.type7_lo < n && r.type7_weight > 0.0) {
      const double x_hi = sorted.at(r.type7_lo);
      if (x_hi != x_lo) value = (1.0 - r.type7_weight) * x_lo + r.type7_weight * x_hi;
    }
    out.var = -value;
  }
  if (e == es_method::tail_mean) {
    double sum = 0.0;
    for (std::size_t i = 0; i < r.type1; ++i) sum += sorted.at(i);
    const std::size_t ties = sorted.ties_after(r.type1 - 1);
    sum += static_cast<double>(ties) * x_k;
    out.es = -sum / static_cast<double>(r.type1 + ties);
  } else {
    double sum = 0.0;
    const std::size_t whole = std::min(r.at_whole, n);
    for (std::size_t i = 0; i < whole; ++i) sum += sorted.at(i);
    if (r.at_fraction > 0.0 && whole < n) sum += r.at_fraction * sorted.at(whole);
    out.es = -sum / r.n_alpha;
  }
  return out;
}

/// Order statistics of a fully sorted array.
struct sorted_span_view {
  std::span<const double> values;
  [[nodiscard]] double at(std::size_t i) const noexcept { return values[i]; }
  [[nodiscard]] std::size_t ties_after(std::size_t i) const noexcept {
    std::size_t count = 0;
    for (std::size_t j = i + 1; j < values.size() && values[j] == values[i]; ++j) ++count;
    return count;
  }
};

/// Order statistics of an unsorted scratch array whose first `m` entries are the m smallest,
/// sorted (after std::partial_sort): ties beyond m are counted by a scan of the rest.
struct partially_sorted_view {
  std::span<const double> values;
  std::size_t sorted_count = 0;
  [[nodiscard]] double at(std::size_t i) const noexcept { return values[i]; }
  [[nodiscard]] std::size_t ties_after(std::size_t i) const noexcept {
    std::size_t count = 0;
    for (std::size_t j = i + 1; j < values.size(); ++j) {
      if (values[j] == values[i]) ++count;
      else if (j < sorted_count) break;
    }
    return count;
  }
};

/// Estimate of the lower tail of an unsorted scratch sample (reordered in place): O(n log m).
[[nodiscard]] inline risk_estimate scratch_lower_tail_estimate(std::span<double> values, double alpha,
                                                               quantile_method q, es_method e) noexcept {
  const std::size_t n = values.size();
  const std::size_t m = compute_tail_ranks(n, alpha).deepest(n);
  std::partial_sort(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(m), values.end());
  return lower_tail_estimate(partially_sorted_view{values, m}, n, alpha, q, e);
}

/// Smallest window (and sample size) that reaches the tail: ceil(1 / a).
[[nodiscard]] inline std::size_t minimum_tail_sample(double alpha) noexcept {
  return static_cast<std::size_t>(std::ceil(1.0 / alpha - 1e-9));
}

}  // namespace detail

/// @brief Exact order statistics of the lower tail of a sliding window (see the file comment).
///        Push values with `push`; read the j smallest with `order_statistic` and VaR/ES of
///        the window (loss -x) with `estimate`.
class rolling_lower_tail {
 public:
  /// @param window number of values kept (>= 1).
  /// @param confidence the deepest confidence level to be read (fixes the tail size kept).
  /// @throws dynmargin::invalid_argument naming window or confidence.
  rolling_lower_tail(std::size_t window, double confidence) {
    if (window < 1 || window > std::numeric_limits<std::uint32_t>::max() / 2) {
      throw_invalid_argument("rolling_lower_tail", "window", "must be in [1, 2^31)", window);
    }
    detail::check_confidence("rolling_lower_tail", confidence);
    alpha_ = detail::tail_probability(confidence);
    capacity_ = window;
    // The deepest rank read at any fill level <= capacity is read at capacity (ranks grow with n).
    tail_capacity_ = detail::compute_tail_ranks(window, alpha_).deepest(window);
    ring_.assign(window, 0.0);
    in_tail_.assign(window, 0);
    heap_position_.assign(window, 0);
    tail_.reserve(tail_capacity_ + 1);
    heap_.reserve(window);
  }

  /// @brief Adds a value, evicting the oldest when the window is full. O(log n + m).
  /// @return `status::non_finite_input` (no change) for NaN or infinity.
  status push(double x) noexcept {
    if (!std::isfinite(x)) return status::non_finite_input;
    std::uint32_t slot;
    if (count_ == capacity_) {
      slot = static_cast<std::uint32_t>(head_);
      evict(slot);
      head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
    } else {
      slot = static_cast<std::uint32_t>((head_ + count_) % capacity_);
      ++count_;
    }
    ring_[slot] = x;
    insert(x, slot);
    return status::ok;
  }

  /// @brief Empties the window (keeps the memory).
  void clear() noexcept {
    count_ = 0;
    head_ = 0;
    tail_.clear();
    heap_.clear();
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] bool full() const noexcept { return count_ == capacity_; }
  /// @brief The tail probability a = 1 - p (rounded as the file comment says).
  [[nodiscard]] double tail_probability() const noexcept { return alpha_; }

  /// @brief The j-th smallest value in the window, 1 <= j <= min(size(), tail size).
  [[nodiscard]] double order_statistic(std::size_t j) const noexcept { return tail_[j - 1].value; }

  /// @brief The i-th oldest value in the window (0 = oldest).
  [[nodiscard]] double oldest(std::size_t i) const noexcept { return ring_[(head_ + i) % capacity_]; }

  /// @brief VaR and ES of the window for a long position (loss -x) at the configured
  ///        confidence. Precondition: size() >= 1.
  [[nodiscard]] risk_estimate estimate(quantile_method q, es_method e) const noexcept {
    return detail::lower_tail_estimate(view{this}, count_, alpha_, q, e);
  }

  /// @brief Copies the window, oldest first, into `out` (size() values).
  void copy_window(std::span<double> out) const noexcept {
    for (std::size_t i = 0; i < count_; ++i) out[i] = oldest(i);
  }

 private:
  struct entry {
    double value;
    std::uint32_t slot;
  };
  struct view {
    const rolling_lower_tail* self;
    [[nodiscard]] double at(std::size_t i) const noexcept { return self->tail_[i].value; }
    [[nodiscard]] std::size_t ties_after(std::size_t i) const noexcept {
      const double x = self->tail_[i].value;
      std::size_t count = 0;
      std::size_t j = i + 1;
      for (; j < self->tail_.size() && self->tail_[j].value == x; ++j) ++count;
      if (j == self->tail_.size()) count += self->heap_count_equal(0, x);
      return count;
    }
  };

  [[nodiscard]] std::size_t heap_count_equal(std::size_t node, double x) const noexcept {
    // Min-heap: a subtree whose root exceeds x holds no value equal to x.
    if (node >= heap_.size() || heap_[node].value > x) return 0;
    return (heap_[node].value == x ? 1U : 0U) + heap_count_equal(2 * node + 1, x) + heap_count_equal(2 * node + 2, x);
  }

  // --- indexed min-heap over the values outside the tail ---
  void heap_place(std::size_t i, const entry& e) noexcept {
    heap_[i] = e;
    heap_position_[e.slot] = static_cast<std::uint32_t>(i);
  }
  void sift_up(std::size_t i, entry e) noexcept {
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!(e.value < heap_[parent].value)) break;
      heap_place(i, heap_[parent]);
      i = parent;
    }
    heap_place(i, e);
  }
  void sift_down(std::size_t i, entry e) noexcept {
    const std::size_t n = heap_.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_[child + 1].value < heap_[child].value) ++child;
      if (!(heap_[child].value < e.value)) break;
      heap_place(i, heap_[child]);
      i = child;
    }
    heap_place(i, e);
  }
  void heap_push(const entry& e) noexcept {
    heap_.push_back(e);  // capacity reserved: no allocation
    in_tail_[e.slot] = 0;
    sift_up(heap_.size() - 1, e);
  }
  entry heap_pop() noexcept {
    const entry top = heap_.front();
    const entry last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0, last);
    return top;
  }
  void heap_erase(std::size_t i) noexcept {
    const entry last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    if (i > 0 && last.value < heap_[(i - 1) / 2].value) sift_up(i, last);
    else sift_down(i, last);
  }

  // --- sorted tail ---
  void tail_insert(const entry& e) noexcept {
    const auto at = std::upper_bound(tail_.begin(), tail_.end(), e.value,
                                     [](double v, const entry& t) { return v < t.value; });
    tail_.insert(at, e);  // capacity reserved: no allocation
    in_tail_[e.slot] = 1;
  }

  void evict(std::uint32_t slot) noexcept {
    if (in_tail_[slot] != 0) {
      const double x = ring_[slot];
      auto it = std::lower_bound(tail_.begin(), tail_.end(), x, [](const entry& t, double v) { return t.value < v; });
      while (it->slot != slot) ++it;
      tail_.erase(it);
    } else {
      heap_erase(heap_position_[slot]);
    }
  }

  void insert(double x, std::uint32_t slot) noexcept {
    const entry e{x, slot};
    if (heap_.empty() || x < heap_.front().value) {
      tail_insert(e);
      if (tail_.size() > tail_capacity_) {
        const entry moved = tail_.back();
        tail_.pop_back();
        heap_push(moved);
      }
    } else {
      heap_push(e);
    }
    while (tail_.size() < tail_capacity_ && !heap_.empty()) {
      const entry moved = heap_pop();
      tail_.push_back(moved);
      in_tail_[moved.slot] = 1;
    }
  }

  double alpha_ = 0.01;
  std::size_t capacity_ = 0;
  std::size_t tail_capacity_ = 0;
  std::size_t count_ = 0;
  std::size_t head_ = 0;  // ring slot of the oldest value
  std::vector<double> ring_;
  std::vector<std::uint8_t> in_tail_;
  std::vector<std::uint32_t> heap_position_;
  std::vector<entry> tail_;
  std::vector<entry> heap_;
};

}  // namespace dynmargin
