// SPDX-License-Identifier: MIT
/// @file
/// @brief Fixed-capacity rolling windows for the margin policies: a ring of past values, a
///        rolling maximum and a rolling mean, all O(1) per push and allocation-free after
///        construction.
///
/// The speed limits remember the rate n steps ago, the EMIR anti-procyclicality tools the
/// highest volatility or margin over a lookback (EMIR RTS 153/2013 Art. 28(1)(b), (c)). Each
/// window is a regular value (copy, compare), so that a policy's state is one value that can be
/// saved and restored; copying the value copies its buffers.
// IWYU pragma: private, include "dynmargin/margin/margin_function.hpp"
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dynmargin/core/error.hpp"

namespace dynmargin::detail {

/// @brief The last `capacity` values pushed, newest first by `ago(0)`.
class margin_ring {
 public:
  margin_ring() = default;
  explicit margin_ring(std::size_t capacity) : values_(capacity, 0.0) {}

  /// @brief Appends a value, overwriting the oldest once full. No allocation.
  void push(double value) noexcept {
    if (values_.empty()) return;
    values_[head_] = value;
    head_ = head_ + 1 == values_.size() ? 0 : head_ + 1;
    if (count_ < values_.size()) ++count_;
  }
  /// @brief Overwrites the newest value (requires size() > 0: does nothing when empty). No allocation.
  void replace_newest(double value) noexcept {
    if (count_ == 0) return;
    values_[head_ == 0 ? values_.size() - 1 : head_ - 1] = value;
  }
  /// @brief The value pushed `steps` pushes ago (0 = newest); requires steps < size().
  [[nodiscard]] double ago(std::size_t steps) const noexcept {
    const std::size_t n = values_.size();
    std::size_t i = head_ + n - 1 - steps;  // in [0, 2n - 1): no division on the hot path
    if (i >= n) i -= n;
    return values_[i];
  }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return values_.size(); }
  [[nodiscard]] bool full() const noexcept { return count_ == values_.size(); }

  friend bool operator==(const margin_ring&, const margin_ring&) = default;

 private:
  std::vector<double> values_;
  std::size_t head_ = 0;   // next slot to write
  std::size_t count_ = 0;  // values held, <= capacity
};

/// @brief Maximum of the last `window` values pushed (window 0 = every value since the start).
///
/// Constant work per push, with no data-dependent branch and no amortised burst: van Herk's
/// and Gil & Werman's block method (1992-93), de-amortised. The stream is cut into blocks of
/// B = floor(window / 2) values, so that the window ending at position j of block k is
///   - the prefix 0..j of block k (its running maximum),
///   - all of block k-1 (its maximum, the running maximum at its end),
///   - a suffix of block k-2 (possibly empty; window <= 2B + 1 guarantees no more is needed).
/// The suffix maxima of a block are built one entry per push during the next block, from its
/// end backwards, so they are complete when the block after that needs them. The monotonic
/// queue usually used for this costs a data-dependent number of pops per push, and on real
/// volatility series the loop exit is mispredicted about every other step.
///
/// Values must be finite (the policies push volatilities and rates they have checked).
/// Memory: 2 blocks of values and 2 of suffix maxima, about 2 * window doubles.
class rolling_maximum {
 public:
  rolling_maximum() = default;
  /// @param window values in the window; 0 keeps the running maximum of the whole history.
  explicit rolling_maximum(std::size_t window) : window_(window), block_(window / 2) {
    if (block_ == 0) return;  // window 0 or 1: no blocks
    // [values | values | suffixes (B + 1) | suffixes (B + 1)]; entry B of each suffix block
    // stays -inf (the empty part of block k-2).
    storage_.assign(4 * block_ + 2, lowest_);
    previous_block_ = block_;
    building_suffix_ = 2 * block_;
    ready_suffix_ = 3 * block_ + 1;
  }

  /// Window 0 (a running maximum) and 1 are a comparison, small enough to inline at every
  /// call site; the block path is a call of its own.
  void push(double value) noexcept {
    ++pushes_;
    if (block_ == 0) {
      current_ = window_ == 1 || pushes_ == 1 ? value : std::max(current_, value);
      return;
    }
    push_into_blocks(value);
  }
  /// @brief The maximum over the window; 0 before the first push.
  [[nodiscard]] double value() const noexcept { return current_; }
  [[nodiscard]] std::int64_t pushes() const noexcept { return pushes_; }
  [[nodiscard]] std::size_t window() const noexcept { return window_; }

  friend bool operator==(const rolling_maximum&, const rolling_maximum&) = default;

 private:
  void push_into_blocks(double value) noexcept {
    const std::size_t b = block_;
    const std::size_t j = position_;
    double* const data = storage_.data();
    data[current_block_ + j] = value;
    prefix_ = j == 0 ? value : std::max(prefix_, value);
    // One more suffix maximum of block k-1, from its end backwards.
    const std::size_t i = b - 1 - j;
    const double earlier = data[previous_block_ + i];
    building_ = j == 0 ? earlier : std::max(building_, earlier);
    data[building_suffix_ + i] = building_;
    // The part of block k-2 still in the window starts at 2B - window + j + 1 (B: empty).
    const double older = data[ready_suffix_ + 2 * b + j + 1 - window_];
    current_ = std::max(std::max(prefix_, previous_max_), older);
    if (j + 1 == b) {  // block complete: block k becomes k-1, and k-1's suffixes are ready
      previous_max_ = prefix_;
      std::swap(current_block_, previous_block_);
      std::swap(building_suffix_, ready_suffix_);
      position_ = 0;
    } else {
      position_ = j + 1;
    }
  }

  static constexpr double lowest_ = -std::numeric_limits<double>::infinity();
  std::vector<double> storage_;
  std::size_t window_ = 0;
  std::size_t block_ = 0;            // B = window / 2
  std::size_t position_ = 0;         // j, position in the current block
  std::size_t current_block_ = 0;    // offsets in storage_: values of block k,
  std::size_t previous_block_ = 0;   // values of block k-1,
  std::size_t building_suffix_ = 0;  // suffix maxima of block k-1 (being built),
  std::size_t ready_suffix_ = 0;     // suffix maxima of block k-2
  double prefix_ = lowest_;          // running maximum of block k
  double building_ = lowest_;        // running suffix maximum of block k-1 being built
  double previous_max_ = lowest_;    // maximum of block k-1
  double current_ = 0.0;             // the window's maximum after the last push
  std::int64_t pushes_ = 0;
};

/// @brief Mean of the last `window` values pushed (window 0 = every value since the start).
///
/// The running sum is compensated (Knuth's TwoSum on every addition and removal): a plain
/// running sum keeps the rounding error of every value that ever passed through it, and after
/// a volatile spell leaves the window the remaining small values are known only to about
/// 1e-11 relative (measured on BTC hourly squared returns). Compensated, the mean stays within
/// a few ulps of a fresh sum over the window.
class rolling_mean {
 public:
  rolling_mean() = default;
  explicit rolling_mean(std::size_t window) : ring_(window) {}

  void push(double value) noexcept {
    if (ring_.capacity() == 0) {
      add(value);
      ++count_;
      return;
    }
    if (ring_.full()) add(-ring_.ago(ring_.size() - 1));
    ring_.push(value);
    add(value);
    count_ = static_cast<std::int64_t>(ring_.size());
  }
  /// @brief Values in the window (0: the whole history).
  [[nodiscard]] std::size_t window() const noexcept { return ring_.capacity(); }
  /// @brief The mean over the window; 0 before the first push.
  [[nodiscard]] double value() const noexcept {
    return count_ == 0 ? 0.0 : (sum_ + compensation_) / static_cast<double>(count_);
  }

  friend bool operator==(const rolling_mean&, const rolling_mean&) = default;

 private:
  // TwoSum: sum_ + x = t + e exactly; e is carried in compensation_.
  void add(double x) noexcept {
    const double t = sum_ + x;
    const double x_part = t - sum_;
    const double e = (sum_ - (t - x_part)) + (x - x_part);
    sum_ = t;
    compensation_ += e;
  }

  margin_ring ring_;
  double sum_ = 0.0;
  double compensation_ = 0.0;
  std::int64_t count_ = 0;
};

/// Refuses a saved state whose window differs from the policy's (a 24-step limit restored
/// from a 5-step one would silently become a 5-step limit).
inline void check_state_window(std::string_view component, std::size_t saved, std::size_t own) {
  if (saved != own) {
    throw_invalid_argument(component, "state window",
                           "must equal this policy's window of " + std::to_string(own) + " steps",
                           static_cast<std::uint64_t>(saved));
  }
}

}  // namespace dynmargin::detail
