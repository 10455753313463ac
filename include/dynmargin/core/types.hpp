// SPDX-License-Identifier: MIT
/// @file
/// @brief Strong types for the quantities that are easy to mix up: a confidence level
///        (0.99, never 99 or 0.01), a horizon in steps of the data, a rate of notional, and
///        time as epoch seconds with an explicit year basis.
///
/// Each type validates on construction (throwing `dynmargin::invalid_argument` with the
/// parameter and value) and is a literal type, so a bad constant is a compile error when the
/// object is `constexpr`. A second constructor takes the caller's component and parameter
/// names, so that code building a configuration from user input (the command-line tool)
/// reports "ewma: lambda must be in (0, 1), got 1.2" rather than the type's own name.
#pragma once

#include <chrono>
#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>
#include <ratio>
#include <string>
#include <string_view>

#include "dynmargin/core/error.hpp"

namespace dynmargin {

/// @brief Seconds since the Unix epoch, UTC. Crypto trades 24/7, so no calendar is needed.
using timestamp = std::int64_t;

inline constexpr std::int64_t seconds_per_minute = 60;
inline constexpr std::int64_t seconds_per_hour = 3600;
inline constexpr std::int64_t seconds_per_day = 86400;

/// @brief A point in time with microsecond resolution, UTC. `timestamp` (whole seconds) stays
///        for compatibility; this type lets several prices within one second keep their order
///        (issue 12 section 1), and being a `std::chrono` time point, seconds and microseconds
///        cannot be mixed up silently.
using timestamp_us = std::chrono::sys_time<std::chrono::microseconds>;

inline constexpr std::int64_t microseconds_per_second = 1'000'000;

/// @brief Epoch seconds as a microsecond time point, exactly.
/// @throws dynmargin::invalid_argument when the time does not fit in int64 microseconds
///         (about +-292,000 years), rather than wrapping round.
[[nodiscard]] constexpr timestamp_us to_timestamp_us(timestamp seconds) {
  constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / microseconds_per_second;
  if (seconds > limit || seconds < -limit)
    throw_invalid_argument("timestamp", "seconds", "must fit in int64 microseconds", seconds);
  return timestamp_us{std::chrono::microseconds{seconds * microseconds_per_second}};
}

/// @brief Any integral `std::chrono::sys_time` as a microsecond time point, exactly: a coarser
///        unit is scaled (with an overflow check), a finer one (nanoseconds) must be a whole
///        number of microseconds, because rounding would reorder or merge distinct prints.
/// @throws dynmargin::invalid_argument naming `time` when the conversion is not exact.
template <class Rep, class Period>
[[nodiscard]] constexpr timestamp_us to_timestamp_us(std::chrono::sys_time<std::chrono::duration<Rep, Period>> t) {
  static_assert(std::numeric_limits<Rep>::is_integer, "to_timestamp_us: integral tick counts only");
  using ratio = std::ratio_divide<Period, std::micro>;  // microseconds per tick of t
  const auto count = static_cast<std::int64_t>(t.time_since_epoch().count());
  if constexpr (ratio::den == 1) {
    constexpr std::int64_t factor = ratio::num;
    constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / factor;
    if (count > limit || count < -limit)
      throw_invalid_argument("timestamp", "time", "must fit in int64 microseconds", count);
    return timestamp_us{std::chrono::microseconds{count * factor}};
  } else {
    static_assert(ratio::num == 1, "to_timestamp_us: tick periods must divide or be multiples of 1 us");
    constexpr std::int64_t divisor = ratio::den;
    if (count % divisor != 0)
      throw_invalid_argument("timestamp", "time", "must be a whole number of microseconds", count);
    return timestamp_us{std::chrono::microseconds{count / divisor}};
  }
}

/// @brief The whole second (rounded towards the past) of a microsecond time, for code and
///        output that still counts in `timestamp` seconds.
[[nodiscard]] constexpr timestamp floor_seconds(timestamp_us t) noexcept {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

/// @brief Epoch seconds as a microsecond time point without throwing, for the noexcept update
///        paths that take seconds: false (and `out` unchanged) when the time does not fit.
[[nodiscard]] constexpr bool try_to_timestamp_us(timestamp seconds, timestamp_us& out) noexcept {
  constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / microseconds_per_second;
  if (seconds > limit || seconds < -limit) return false;
  out = timestamp_us{std::chrono::microseconds{seconds * microseconds_per_second}};
  return true;
}

/// @brief Times the streaming components accept lie within 2^62 microseconds (about 146,000
///        years) of the epoch, so that any difference of two of them, or a limit in seconds
///        added to one, fits in int64 microseconds: out-of-span times are refused, never wrapped.
inline constexpr std::int64_t max_abs_time_us = std::int64_t{1} << 62;
inline constexpr std::int64_t max_abs_time_seconds = max_abs_time_us / microseconds_per_second;

/// @brief True when `t` lies within `max_abs_time_us` of the epoch.
[[nodiscard]] constexpr bool within_time_span(timestamp_us t) noexcept {
  const std::int64_t count = t.time_since_epoch().count();
  return count >= -max_abs_time_us && count <= max_abs_time_us;
}

/// @brief Microseconds since the epoch of a time point (the integer a CSV or a binding writes).
[[nodiscard]] constexpr std::int64_t epoch_microseconds(timestamp_us t) noexcept {
  return t.time_since_epoch().count();
}

/// @brief Epoch seconds as text: the integer for a whole second ("1767225600"), else with the
///        fraction to the microsecond, trailing zeros dropped ("1767225600.1", "-0.000001").
///        Whole-second data thus prints exactly as it did when times were whole seconds.
[[nodiscard]] inline std::string format_epoch_seconds(timestamp_us t) {
  const std::int64_t count = t.time_since_epoch().count();
  std::int64_t whole = count / microseconds_per_second;
  std::int64_t fraction = count % microseconds_per_second;
  if (fraction == 0) return std::to_string(whole);
  const bool negative = count < 0;
  if (negative) {
    whole = -whole;
    fraction = -fraction;
  }
  std::string digits = std::to_string(fraction);
  digits.insert(0, 6 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return (negative ? "-" : "") + std::to_string(whole) + "." + digits;
}

/// @brief Seconds between two time points as a double (exact below 2^53 microseconds, 285 years).
[[nodiscard]] constexpr double seconds_between(timestamp_us earlier, timestamp_us later) noexcept {
  return static_cast<double>((later - earlier).count()) / static_cast<double>(microseconds_per_second);
}

/// @brief How many days make a year when annualising. Crypto markets never close, so the
///        default is 365; 252 reproduces equity-market conventions.
enum class year_basis : std::uint16_t { calendar_365 = 365, trading_252 = 252 };

/// @brief Seconds in a year under the given basis (a trading year of 252 days of 24 hours).
[[nodiscard]] constexpr double seconds_per_year(year_basis basis = year_basis::calendar_365) noexcept {
  return static_cast<double>(static_cast<std::uint16_t>(basis)) * static_cast<double>(seconds_per_day);
}

namespace detail {
// constexpr-friendly finiteness test: std::isfinite is not constexpr on clang 14.
[[nodiscard]] constexpr bool is_finite(double x) noexcept {
  return x == x && x <= std::numeric_limits<double>::max() && x >= -std::numeric_limits<double>::max();
}
}  // namespace detail

/// @brief A confidence level p in the open interval (0, 1), e.g. 0.99 for 99% VaR.
class confidence_level {
 public:
  /// @throws dynmargin::invalid_argument when p is not in (0, 1).
  constexpr explicit confidence_level(double p) : confidence_level(p, "confidence_level", "p") {}
  /// @brief As above, naming `component` and `parameter` in the error.
  constexpr explicit confidence_level(double p, std::string_view component, std::string_view parameter) : p_(p) {
    if (!(p > 0.0 && p < 1.0)) throw_invalid_argument(component, parameter, "must be in (0, 1)", p);
  }
  /// @brief The level p, e.g. 0.99.
  [[nodiscard]] constexpr double value() const noexcept { return p_; }
  /// @brief The tail probability 1 - p, e.g. 0.01.
  [[nodiscard]] constexpr double tail() const noexcept { return 1.0 - p_; }
  friend constexpr auto operator<=>(const confidence_level&, const confidence_level&) = default;

 private:
  double p_;
};

/// @brief A horizon of h >= 1 steps of the data (hours for hourly bars, days for daily bars):
///        the margin period of risk, a forecast horizon.
class horizon {
 public:
  /// @throws dynmargin::invalid_argument when steps < 1.
  constexpr explicit horizon(std::int64_t steps) : horizon(steps, "horizon", "steps") {}
  /// @brief As above, naming `component` and `parameter` in the error.
  constexpr explicit horizon(std::int64_t steps, std::string_view component, std::string_view parameter)
      : steps_(steps) {
    if (steps < 1) throw_invalid_argument(component, parameter, "must be at least 1", steps);
  }
  [[nodiscard]] constexpr std::int64_t steps() const noexcept { return steps_; }
  friend constexpr auto operator<=>(const horizon&, const horizon&) = default;

 private:
  std::int64_t steps_;
};

/// @brief A non-negative, finite rate: a fraction of notional (0.05 = 5%) or a per-period
///        rate. Percent values must be converted explicitly with `rate::from_percent`.
class rate {
 public:
  /// @throws dynmargin::invalid_argument when r is negative or not finite.
  constexpr explicit rate(double r) : rate(r, "rate", "value") {}
  /// @brief As above, naming `component` and `parameter` in the error.
  constexpr explicit rate(double r, std::string_view component, std::string_view parameter) : r_(r) {
    if (!(detail::is_finite(r) && r >= 0.0)) throw_invalid_argument(component, parameter, "must be finite and >= 0", r);
  }
  [[nodiscard]] static constexpr rate from_percent(double percent) { return rate(percent / 100.0); }
  [[nodiscard]] constexpr double value() const noexcept { return r_; }
  [[nodiscard]] constexpr double percent() const noexcept { return r_ * 100.0; }
  friend constexpr auto operator<=>(const rate&, const rate&) = default;

 private:
  double r_;
};

/// @brief A decay factor lambda in (0, 1) for exponentially weighted estimators.
class decay_factor {
 public:
  /// @throws dynmargin::invalid_argument when lambda is not in (0, 1).
  constexpr explicit decay_factor(double lambda) : decay_factor(lambda, "decay_factor", "lambda") {}
  /// @brief As above, naming `component` and `parameter` in the error.
  constexpr explicit decay_factor(double lambda, std::string_view component, std::string_view parameter)
      : lambda_(lambda) {
    if (!(lambda > 0.0 && lambda < 1.0)) throw_invalid_argument(component, parameter, "must be in (0, 1)", lambda);
  }
  [[nodiscard]] constexpr double value() const noexcept { return lambda_; }
  friend constexpr auto operator<=>(const decay_factor&, const decay_factor&) = default;

 private:
  double lambda_;
};

}  // namespace dynmargin
