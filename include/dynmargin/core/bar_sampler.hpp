// SPDX-License-Identifier: MIT
/// @file
/// @brief A tick-to-bar sampler: the last price of every bar of a set length, so that a model
///        whose windows count updates sees the same series whatever the feed's frequency.
///
/// Everything downstream of the sampler (volatility, risk horizons, policy windows) counts
/// bars, and a bar is a span of time: a 24-bar margin period of risk over 1-hour bars is 24
/// hours whether prices arrive every second, every minute or every hour.
///
/// Conventions:
///  - bars are right-closed, (end - length, end], with ends on the grid origin + k * length;
///    a price stamped exactly on a bar end belongs to the bar that ends there, so an hourly
///    feed stamped on the hour and a minute feed that includes the hour give identical bars;
///  - a bar's close is the last price received in it and its time is the bar's end;
///  - a bar is complete, and returned, when a price arrives in a later bar or when the caller
///    advances the clock past its end (`advance`); bars with no price are skipped, not filled,
///    since inventing a price would understate volatility;
///  - several prices with the same time are accepted in the order given; a price earlier than
///    the last one is refused with no change;
///  - prices are not checked here (the margin function's price guard does that): a sampler
///    that dropped a bad print would hide it from the guard.
#pragma once

#include <chrono>
#include <cstdint>

#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief One completed bar.
struct sampled_bar {
  timestamp time = 0;            ///< the bar's end (epoch seconds)
  double close = 0.0;            ///< the last price received in the bar
  std::int64_t price_count = 0;  ///< prices received in the bar
};

/// @brief What one `bar_sampler::push` or `advance` did.
struct bar_sample {
  status outcome = status::ok;  ///< invalid_argument for a time before the last one (nothing changed)
  bool completed = false;       ///< a bar was completed; it is in `bar`
  sampled_bar bar{};
};

/// @brief Samples a price feed into bars of a fixed length (see the file comment).
///        `push` and `advance` are O(1), noexcept and allocation-free.
class bar_sampler {
 public:
  /// @param bar_length a whole number of seconds, at least one (timestamps are in seconds).
  /// @param origin a time on the bar grid; the default 0 puts hourly and daily bars on UTC hours and days.
  /// @throws dynmargin::invalid_argument naming `bar_length` when it is not a positive whole
  ///         number of seconds.
  template <class Rep, class Period>
  explicit bar_sampler(std::chrono::duration<Rep, Period> bar_length, timestamp origin = 0) : origin_(origin) {
    const auto micros = std::chrono::duration_cast<duration>(bar_length);
    if (micros.count() <= 0 || micros.count() % 1'000'000 != 0)
      throw_invalid_argument("bar_sampler", "bar_length", "must be a positive whole number of seconds",
                             format_duration(micros));
    length_ = micros.count() / 1'000'000;
    if (length_ > max_abs_time)
      throw_invalid_argument("bar_sampler", "bar_length", "must be at most 2^62 seconds", format_duration(micros));
    if (origin < -max_abs_time || origin > max_abs_time)
      throw_invalid_argument("bar_sampler", "origin", "must be within 2^62 seconds of the epoch", origin);
  }

  /// @brief Times further than this from the epoch (2^62 s, about 1.5e11 years) are refused,
  ///        so that the bar arithmetic cannot overflow.
  static constexpr timestamp max_abs_time = timestamp{1} << 62;

  /// @brief Feeds one price; returns the previous bar when `time` lies in a later one.
  [[nodiscard]] bar_sample push(timestamp time, double price) noexcept {
    bar_sample result;
    if ((started_ && time < last_time_) || time < -max_abs_time || time > max_abs_time) {
      result.outcome = status::invalid_argument;
      return result;
    }
    const timestamp end = bar_end(time);
    if (has_open_ && end != open_.time) {
      result.completed = true;
      result.bar = open_;
      open_.price_count = 0;
    }
    if (!has_open_ || end != open_.time) open_ = sampled_bar{end, price, 0};
    open_.close = price;
    ++open_.price_count;
    has_open_ = true;
    started_ = true;
    last_time_ = time;
    return result;
  }

  /// @brief Completes the open bar when `now` is past its end (no later price can belong to
  ///        it); otherwise does nothing. A `now` before the last price is refused.
  [[nodiscard]] bar_sample advance(timestamp now) noexcept {
    bar_sample result;
    if ((started_ && now < last_time_) || now < -max_abs_time || now > max_abs_time) {
      result.outcome = status::invalid_argument;
      return result;
    }
    if (has_open_ && now > open_.time) {
      result.completed = true;
      result.bar = open_;
      has_open_ = false;
    }
    return result;
  }

  /// @brief The end of the bar that holds `time`: the first grid point at or after it.
  [[nodiscard]] timestamp bar_end(timestamp time) const noexcept {
    const timestamp offset = time - origin_;
    // Ceiling division: truncation toward zero already rounds a negative offset up.
    timestamp k = offset / length_;
    if (offset % length_ != 0 && offset > 0) ++k;
    return origin_ + k * length_;
  }

  [[nodiscard]] std::int64_t bar_length_seconds() const noexcept { return length_; }
  [[nodiscard]] timestamp origin() const noexcept { return origin_; }
  /// @brief True when a bar has prices and is not yet complete.
  [[nodiscard]] bool has_open_bar() const noexcept { return has_open_; }
  /// @brief The bar being filled (meaningful when `has_open_bar()`).
  [[nodiscard]] const sampled_bar& open_bar() const noexcept { return open_; }

 private:
  std::int64_t length_ = 1;
  timestamp origin_ = 0;
  sampled_bar open_{};
  timestamp last_time_ = 0;
  bool has_open_ = false;
  bool started_ = false;  // a price was pushed: later times may not go back before last_time_
};

}  // namespace dynmargin
