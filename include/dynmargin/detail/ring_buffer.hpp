// SPDX-License-Identifier: MIT
/// @file
/// @brief A fixed-capacity ring buffer (double-ended queue) for streaming windows.
///
/// Rolling estimators keep the last n observations; monotonic deques for rolling maxima push
/// at the back and pop at both ends. Both need O(1) operations and no allocation once the
/// stream runs, which `std::deque` does not promise. The capacity is chosen at construction
/// (the only allocation); every other operation is O(1), `noexcept` and allocation-free.
/// Copy-assigning a buffer into one of the same capacity reuses its storage (no allocation),
/// which is what `restore(state)` of the models relies on.
// IWYU pragma: private, include "dynmargin/volatility/rolling.hpp"
#pragma once

#include <cstddef>
#include <type_traits>
#include <vector>

namespace dynmargin::detail {

/// @brief Fixed-capacity double-ended ring buffer; index 0 is the oldest element (the front).
/// @tparam T a copyable value type (default-constructible: the storage is filled up front).
template <class T>
class ring_buffer {
 public:
  using value_type = T;
  using size_type = std::size_t;

  /// @brief An empty buffer of capacity 0 (a regular default state; push always fails).
  ring_buffer() = default;
  /// @brief An empty buffer that can hold `capacity` elements; allocates once.
  explicit ring_buffer(size_type capacity) : storage_(capacity) {}

  [[nodiscard]] size_type capacity() const noexcept { return storage_.size(); }
  [[nodiscard]] size_type size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] bool full() const noexcept { return size_ == storage_.size(); }

  /// @brief Appends at the back. @return false (and no change) when the buffer is full.
  bool push_back(const T& value) noexcept(std::is_nothrow_copy_assignable_v<T>) {
    if (full()) return false;
    storage_[wrap(head_ + size_)] = value;
    ++size_;
    return true;
  }

  /// @brief Appends at the back, dropping the front first when full.
  /// @return true when an element was dropped; it is copied to `evicted`.
  bool push_back_evict(const T& value, T& evicted) noexcept(std::is_nothrow_copy_assignable_v<T>) {
    if (storage_.empty()) {
      evicted = value;
      return true;
    }
    if (full()) {
      evicted = storage_[head_];
      storage_[head_] = value;
      head_ = wrap(head_ + 1);
      return true;
    }
    storage_[wrap(head_ + size_)] = value;
    ++size_;
    return false;
  }

  /// @brief Removes the front (oldest) element. Precondition: !empty().
  void pop_front() noexcept {
    head_ = wrap(head_ + 1);
    --size_;
  }
  /// @brief Removes the back (newest) element. Precondition: !empty().
  void pop_back() noexcept { --size_; }
  /// @brief Removes every element; the capacity stays.
  void clear() noexcept {
    head_ = 0;
    size_ = 0;
  }

  /// @brief Oldest element. Precondition: !empty().
  [[nodiscard]] const T& front() const noexcept { return storage_[head_]; }
  [[nodiscard]] T& front() noexcept { return storage_[head_]; }
  /// @brief Newest element. Precondition: !empty().
  [[nodiscard]] const T& back() const noexcept { return storage_[wrap(head_ + size_ - 1)]; }
  [[nodiscard]] T& back() noexcept { return storage_[wrap(head_ + size_ - 1)]; }
  /// @brief The i-th element from the front (0 = oldest). Precondition: i < size().
  [[nodiscard]] const T& operator[](size_type i) const noexcept { return storage_[wrap(head_ + i)]; }
  [[nodiscard]] T& operator[](size_type i) noexcept { return storage_[wrap(head_ + i)]; }

  /// @brief Equal when the capacities and the logical contents (front to back) are equal.
  friend bool operator==(const ring_buffer& a, const ring_buffer& b) {
    if (a.capacity() != b.capacity() || a.size_ != b.size_) return false;
    for (size_type i = 0; i < a.size_; ++i) {
      if (!(a[i] == b[i])) return false;
    }
    return true;
  }

 private:
  // head_ + i < 2 * capacity for every index used, so one conditional subtraction wraps.
  [[nodiscard]] size_type wrap(size_type i) const noexcept { return i >= storage_.size() ? i - storage_.size() : i; }

  std::vector<T> storage_;
  size_type head_ = 0;
  size_type size_ = 0;
};

}  // namespace dynmargin::detail
