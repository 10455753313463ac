// SPDX-License-Identifier: MIT
/// @file
/// @brief Durations stated in time: parsing "90s", "15m", "24h", "2d", "10y", turning a span
///        into a whole number of bars, and an EWMA decay from a half-life in time.
///
/// A margin period of risk, a window or a lookback counted in updates means different things
/// on an hourly and a minute feed. These helpers let a caller state every duration in time
/// and convert it once, at configuration, for a feed sampled into bars of a fixed length
/// (see `margin/bar_sampler.hpp`). Conventions:
///  - a year is 365 days of 24 hours (crypto trades every day), a day is 86,400 s; there is no
///    month unit, since months differ in length;
///  - a span converts to bars only when it is a whole multiple of the bar: "90m" over 1-hour
///    bars is refused rather than rounded, because rounding would silently change the margin
///    period of risk;
///  - the exact decay for a half-life h over bars of length b is lambda = 0.5^(b/h), so the
///    weight of an observation halves every h whatever the bar length.
#pragma once

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief The library's span of time: whole microseconds (enough for 290,000 years).
using duration = std::chrono::microseconds;

/// @brief Microseconds in one unit of a duration string (`us`, `ms`, `s`, `m`, `h`, `d`, `w`,
///        `y`), or 0 for an unknown unit.
[[nodiscard]] constexpr std::int64_t duration_unit_microseconds(std::string_view unit) noexcept {
  constexpr std::int64_t second = 1'000'000;
  if (unit == "us") return 1;
  if (unit == "ms") return 1'000;
  if (unit == "s") return second;
  if (unit == "m" || unit == "min") return 60 * second;
  if (unit == "h") return 3'600 * second;
  if (unit == "d") return 86'400 * second;
  if (unit == "w") return std::int64_t{7} * 86'400 * second;
  if (unit == "y") return std::int64_t{365} * 86'400 * second;
  return 0;
}

/// @brief True when `text` has the form of a duration string (digits, optionally a decimal
///        point, then a unit letter), as opposed to a plain count of updates.
[[nodiscard]] constexpr bool looks_like_duration(std::string_view text) noexcept {
  if (text.empty()) return false;
  const char last = text.back();
  return (last >= 'a' && last <= 'z') && (text.front() >= '0' && text.front() <= '9');
}

/// @brief Parses a positive duration written as a number and a unit: "90s", "15m", "24h",
///        "2d", "10y", "1.5h", "250ms" (units in `duration_unit_microseconds`).
/// @param component,parameter name the setting in the error, e.g. ("speed_limit", "window").
/// @throws dynmargin::invalid_argument naming the parameter and the text when the text is
///         not a number followed by a known unit, is not positive, is not a whole number of
///         microseconds, or overflows.
[[nodiscard]] inline duration parse_duration(std::string_view text, std::string_view component = "duration",
                                             std::string_view parameter = "value") {
  const std::string quoted = "\"" + std::string(text) + "\"";
  std::size_t split = 0;
  while (split < text.size() && ((text[split] >= '0' && text[split] <= '9') || text[split] == '.')) ++split;
  const std::string_view number = text.substr(0, split);
  const std::string_view unit = text.substr(split);
  const std::int64_t per_unit = duration_unit_microseconds(unit);
  if (number.empty() || per_unit == 0)
    throw_invalid_argument(component, parameter,
                           "must be a number with a unit (us, ms, s, m, h, d, w, y), e.g. \"24h\"", quoted);
  // Whole part and fraction are read separately so that "10y" is exact in integer arithmetic.
  const std::size_t point = number.find('.');
  const std::string_view whole = number.substr(0, point);
  const std::string_view fraction = point == std::string_view::npos ? std::string_view{} : number.substr(point + 1);
  if ((whole.empty() && fraction.empty()) || fraction.find('.') != std::string_view::npos)
    throw_invalid_argument(component, parameter, "must be a number with a unit, e.g. \"24h\"", quoted);
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  std::int64_t count = 0;
  for (const char c : whole) {
    const std::int64_t digit = c - '0';
    if (count > (max - digit) / 10) throw_invalid_argument(component, parameter, "is too long a duration", quoted);
    count = count * 10 + digit;
  }
  if (count > max / per_unit) throw_invalid_argument(component, parameter, "is too long a duration", quoted);
  std::int64_t micros = count * per_unit;
  std::int64_t scale = per_unit;
  for (const char c : fraction) {
    if (scale % 10 != 0) throw_invalid_argument(component, parameter, "must be a whole number of microseconds", quoted);
    scale /= 10;
    const std::int64_t add = (c - '0') * scale;
    if (micros > max - add) throw_invalid_argument(component, parameter, "is too long a duration", quoted);
    micros += add;
  }
  if (micros <= 0) throw_invalid_argument(component, parameter, "must be a positive duration", quoted);
  return duration{micros};
}

/// @brief Writes a duration in the largest unit that divides it exactly ("24h", "90m", "2d").
[[nodiscard]] inline std::string format_duration(duration span) {
  struct unit_size {
    std::string_view unit;
    std::int64_t microseconds;
  };
  // Largest first; each size is duration_unit_microseconds(unit), never 0.
  static constexpr std::array<unit_size, 7> units{{{"y", std::int64_t{365} * 86'400'000'000},
                                                   {"w", std::int64_t{7} * 86'400'000'000},
                                                   {"d", 86'400'000'000},
                                                   {"h", 3'600'000'000},
                                                   {"m", 60'000'000},
                                                   {"s", 1'000'000},
                                                   {"ms", 1'000}}};
  const std::int64_t micros = span.count();
  if (micros == 0) return "0s";
  for (const unit_size& u : units) {
    if (micros % u.microseconds == 0) return std::to_string(micros / u.microseconds) + std::string(u.unit);
  }
  return std::to_string(micros) + "us";
}

/// @brief The number of bars of length `bar` in `span`.
/// @throws dynmargin::invalid_argument naming the parameter when either is not positive or
///         `span` is not a whole multiple of `bar` (never rounded: see the file comment).
template <class Rep1, class Period1, class Rep2, class Period2>
[[nodiscard]] std::int64_t bars_in(std::chrono::duration<Rep1, Period1> span, std::chrono::duration<Rep2, Period2> bar,
                                   std::string_view component = "duration", std::string_view parameter = "span") {
  const auto span_us = std::chrono::duration_cast<duration>(span);
  const auto bar_us = std::chrono::duration_cast<duration>(bar);
  if (bar_us.count() <= 0)
    throw_invalid_argument(component, "bar", "must be a positive duration", format_duration(bar_us));
  if (span_us.count() <= 0)
    throw_invalid_argument(component, parameter, "must be a positive duration", format_duration(span_us));
  if (span_us.count() % bar_us.count() != 0)
    throw_invalid_argument(component, parameter, "must be a whole number of bars of " + format_duration(bar_us),
                           format_duration(span_us));
  return span_us.count() / bar_us.count();
}

/// @brief The EWMA decay per bar whose weights halve every `half_life`: 0.5^(bar/half_life).
/// @throws dynmargin::invalid_argument naming the half-life when either duration is not
///         positive (the result is then always in (0, 1)).
template <class Rep1, class Period1, class Rep2, class Period2>
[[nodiscard]] decay_factor decay_from_half_life(std::chrono::duration<Rep1, Period1> half_life,
                                                std::chrono::duration<Rep2, Period2> bar,
                                                std::string_view component = "ewma",
                                                std::string_view parameter = "half_life") {
  const auto half_us = std::chrono::duration_cast<duration>(half_life);
  const auto bar_us = std::chrono::duration_cast<duration>(bar);
  if (bar_us.count() <= 0)
    throw_invalid_argument(component, "bar", "must be a positive duration", format_duration(bar_us));
  if (half_us.count() <= 0)
    throw_invalid_argument(component, parameter, "must be a positive duration", format_duration(half_us));
  const double lambda = std::exp2(-static_cast<double>(bar_us.count()) / static_cast<double>(half_us.count()));
  return decay_factor(lambda, component, parameter);
}

/// @brief The half-life in time of a decay `lambda` per bar of length `bar`:
///        bar * ln 2 / -ln lambda (the inverse of `decay_from_half_life`), in microseconds.
template <class Rep, class Period>
[[nodiscard]] duration half_life_of(decay_factor lambda, std::chrono::duration<Rep, Period> bar) {
  const auto bar_us = std::chrono::duration_cast<duration>(bar);
  if (bar_us.count() <= 0)
    throw_invalid_argument("ewma", "bar", "must be a positive duration", format_duration(bar_us));
  const double micros = static_cast<double>(bar_us.count()) * std::log(2.0) / -std::log(lambda.value());
  if (!(micros < 9.0e18))
    throw_invalid_argument("ewma", "lambda", "has a half-life too long to represent", lambda.value());
  return duration{static_cast<std::int64_t>(std::llround(micros))};
}

}  // namespace dynmargin
