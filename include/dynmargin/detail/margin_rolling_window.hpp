// SPDX-License-Identifier: MIT
/// @file
/// @brief Fixed-capacity rolling windows for the margin policies: a ring of past values, a
///        rolling maximum (monotonic queue) and a rolling mean, all O(1) amortised per push
///        and allocation-free after construction.
///
/// The speed limits remember the rate n steps ago, the EMIR anti-procyclicality tools the
/// highest volatility or margin over a lookback (EMIR RTS 153/2013 Art. 28(1)(b), (c)). Each
/// window is a regular value (copy, compare), so that a policy's state is one value that can be
/// saved and restored; copying the value copies its buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

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
/// A monotonic queue (values decreasing from front to back) in a ring of (value, index)
/// entries whose capacity is the window rounded up to a power of two (indexing by mask, no
/// division): each value enters and leaves once, so a push is O(1) amortised.
class rolling_maximum {
 public:
  /// @brief One queue entry: a value and the push count it arrived at.
  struct entry {
    double value = 0.0;
    std::int64_t index = 0;
    friend bool operator==(const entry&, const entry&) = default;
  };

  rolling_maximum() = default;
  /// @param window values in the window; 0 keeps the running maximum of the whole history.
  explicit rolling_maximum(std::size_t window) : window_(static_cast<std::int64_t>(window)) {
    if (window == 0) return;
    std::size_t capacity = 1;
    while (capacity < window) capacity <<= 1;
    entries_.assign(capacity, entry{});
    mask_ = capacity - 1;
  }

  void push(double value) noexcept {
    const std::int64_t index = pushes_++;
    if (window_ == 0) {
      if (index == 0 || value > running_) running_ = value;
      return;
    }
    // Drop from the back every value the new one dominates (ties: keep the newer).
    while (size_ > 0 && entries_[(front_ + size_ - 1) & mask_].value <= value) --size_;
    // Drop from the front what left the window (at most one per push).
    if (size_ > 0 && entries_[front_].index <= index - window_) {
      front_ = (front_ + 1) & mask_;
      --size_;
    }
    entries_[(front_ + size_) & mask_] = entry{value, index};
    ++size_;
  }
  /// @brief The maximum over the window; 0 before the first push.
  [[nodiscard]] double value() const noexcept {
    if (window_ == 0) return running_;
    return size_ == 0 ? 0.0 : entries_[front_].value;
  }
  [[nodiscard]] std::int64_t pushes() const noexcept { return pushes_; }
  [[nodiscard]] std::size_t window() const noexcept { return static_cast<std::size_t>(window_); }

  friend bool operator==(const rolling_maximum&, const rolling_maximum&) = default;

 private:
  std::vector<entry> entries_;
  std::int64_t window_ = 0;
  std::size_t mask_ = 0;
  std::size_t front_ = 0;
  std::size_t size_ = 0;
  std::int64_t pushes_ = 0;
  double running_ = 0.0;  // window 0 only
};

/// @brief Mean of the last `window` values pushed (window 0 = every value since the start).
class rolling_mean {
 public:
  rolling_mean() = default;
  explicit rolling_mean(std::size_t window) : ring_(window) {}

  void push(double value) noexcept {
    if (ring_.capacity() == 0) {
      sum_ += value;
      ++count_;
      return;
    }
    if (ring_.full()) sum_ -= ring_.ago(ring_.size() - 1);
    ring_.push(value);
    sum_ += value;
    count_ = static_cast<std::int64_t>(ring_.size());
  }
  /// @brief The mean over the window; 0 before the first push.
  [[nodiscard]] double value() const noexcept { return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_); }

  friend bool operator==(const rolling_mean&, const rolling_mean&) = default;

 private:
  margin_ring ring_;
  double sum_ = 0.0;
  std::int64_t count_ = 0;
};

}  // namespace dynmargin::detail
