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
///  - times are microseconds (bars may be shorter than a second); several prices with the
///    same time are accepted in the order given; a price earlier than the last one is refused
///    with no change;
///  - prices are not checked here (the margin function's price guard does that): a sampler
///    that dropped a bad print would hide it from the guard.
#pragma once

#include <chrono>
#include <cstdint>
#include <ratio>
#include <string>

#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief One completed bar.
struct sampled_bar {
  timestamp_us time{};           ///< the bar's end
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
///        `push` and `advance` are O(1), noexcept and allocation-free. Times are microseconds;
///        the overloads taking `timestamp` read epoch seconds.
class bar_sampler {
 public:
  /// @param bar_length a whole number of microseconds, at least one.
  /// @param origin a time on the bar grid; the default (the epoch) puts hourly and daily bars on
  ///        UTC hours and days.
  /// @throws dynmargin::invalid_argument naming `bar_length` when it is not a positive whole
  ///         number of microseconds, or `origin` when it is outside `within_time_span`.
  template <class Rep, class Period>
  explicit bar_sampler(std::chrono::duration<Rep, Period> bar_length, timestamp_us origin = timestamp_us{})
      : origin_(origin) {
    const auto micros = std::chrono::duration_cast<duration>(bar_length);
    if constexpr (std::ratio_less_v<Period, std::micro>) {  // finer ticks: must make whole microseconds
      if (std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(micros) != bar_length) {
        const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(bar_length);
        throw_invalid_argument("bar_sampler", "bar_length", "must be a positive whole number of microseconds",
                               std::to_string(nanos.count()) + "ns");
      }
    }
    if (micros.count() <= 0)
      throw_invalid_argument("bar_sampler", "bar_length", "must be a positive whole number of microseconds",
                             format_duration(micros));
    length_ = micros.count();
    if (length_ > max_abs_time_us)
      throw_invalid_argument("bar_sampler", "bar_length", "must be at most 2^62 microseconds", format_duration(micros));
    if (!within_time_span(origin))
      throw_invalid_argument("bar_sampler", "origin", "must be within 2^62 microseconds of the epoch",
                             epoch_microseconds(origin));
  }
  /// @brief `origin` in epoch seconds.
  template <class Rep, class Period>
  bar_sampler(std::chrono::duration<Rep, Period> bar_length, timestamp origin_seconds)
      : bar_sampler(bar_length, to_timestamp_us(origin_seconds)) {}

  /// @brief Feeds one price; returns the previous bar when `time` lies in a later one. A time
  ///        before the last one, or outside `within_time_span`, is refused with no change.
  [[nodiscard]] bar_sample push(timestamp_us time, double price) noexcept {
    bar_sample result;
    if ((started_ && time < last_time_) || !within_time_span(time)) {
      result.outcome = status::invalid_argument;
      return result;
    }
    const timestamp_us end = bar_end(time);
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
  /// @brief `push` with `time` in epoch seconds.
  [[nodiscard]] bar_sample push(timestamp time, double price) noexcept {
    timestamp_us t{};
    if (!try_to_timestamp_us(time, t)) return bar_sample{status::invalid_argument, false, {}};
    return push(t, price);
  }

  /// @brief Completes the open bar when `now` is past its end (no later price can belong to
  ///        it); otherwise does nothing. A `now` before the last price is refused.
  [[nodiscard]] bar_sample advance(timestamp_us now) noexcept {
    bar_sample result;
    if ((started_ && now < last_time_) || !within_time_span(now)) {
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
  /// @brief `advance` with `now` in epoch seconds.
  [[nodiscard]] bar_sample advance(timestamp now) noexcept {
    timestamp_us t{};
    if (!try_to_timestamp_us(now, t)) return bar_sample{status::invalid_argument, false, {}};
    return advance(t);
  }

  /// @brief The end of the bar that holds `time`: the first grid point at or after it.
  ///        Both within `within_time_span`, so nothing here can overflow.
  [[nodiscard]] timestamp_us bar_end(timestamp_us time) const noexcept {
    const std::int64_t offset = (time - origin_).count();
    // Ceiling division: truncation toward zero already rounds a negative offset up.
    std::int64_t k = offset / length_;
    if (offset % length_ != 0 && offset > 0) ++k;
    return origin_ + std::chrono::microseconds{k * length_};
  }

  /// @brief The bar length.
  [[nodiscard]] std::chrono::microseconds bar_length() const noexcept { return std::chrono::microseconds{length_}; }
  /// @brief The bar length in seconds (a fraction for sub-second bars).
  [[nodiscard]] double bar_length_seconds() const noexcept {
    return static_cast<double>(length_) / static_cast<double>(microseconds_per_second);
  }
  [[nodiscard]] timestamp_us origin() const noexcept { return origin_; }
  /// @brief True when a bar has prices and is not yet complete.
  [[nodiscard]] bool has_open_bar() const noexcept { return has_open_; }
  /// @brief The bar being filled (meaningful when `has_open_bar()`).
  [[nodiscard]] const sampled_bar& open_bar() const noexcept { return open_; }

 private:
  std::int64_t length_ = 1;  // microseconds
  timestamp_us origin_{};
  sampled_bar open_{};
  timestamp_us last_time_{};
  bool has_open_ = false;
  bool started_ = false;  // a price was pushed: later times may not go back before last_time_
};

}  // namespace dynmargin
