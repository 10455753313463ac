// SPDX-License-Identifier: MIT
/// @file
/// @brief Returns from prices: log or simple, as fractions or percent, with the time elapsed
///        between the two prices kept beside each return.
///
/// The elapsed time matters for crypto data: exchange outages leave gaps (the Binance hourly
/// file skips up to 5 hours), and a return over 5 hours carries about 5 times the variance of
/// an hourly one. Later layers divide by `elapsed_seconds` to scale variance to a horizon.
///
/// Convention of the reference data (R/fGarch): `r_t = 100 * ln(P_t / P_{t-1})`, percent log
/// returns, oldest first: `return_kind::log` with `return_units::percent`.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief Log returns ln(P_t/P_{t-1}) or simple returns P_t/P_{t-1} - 1.
enum class return_kind : std::uint8_t { log, simple };
/// @brief Fractions (0.01) or percent (1.0).
enum class return_units : std::uint8_t { fraction, percent };

/// @brief Multiplier that turns a fraction into the given units.
[[nodiscard]] constexpr double units_scale(return_units units) noexcept {
  return units == return_units::percent ? 100.0 : 1.0;
}

/// @brief One return with the time of its closing price and the time since the previous price.
struct timed_return {
  timestamp time = 0;            ///< time of the later price, epoch seconds
  double value = 0.0;            ///< the return, in the requested kind and units
  double elapsed_seconds = 0.0;  ///< time between the two prices (> 0)
  timestamp_us time_us{};        ///< time of the later price to the microsecond (`time` is its whole second)
  friend bool operator==(const timed_return&, const timed_return&) = default;
};

/// @brief A series of returns with its conventions.
struct return_series {
  std::vector<timed_return> points;
  return_kind kind = return_kind::log;
  return_units units = return_units::percent;

  [[nodiscard]] std::size_t size() const noexcept { return points.size(); }
  [[nodiscard]] bool empty() const noexcept { return points.empty(); }
  /// @brief The return values alone, oldest first.
  [[nodiscard]] std::vector<double> values() const {
    std::vector<double> out;
    out.reserve(points.size());
    for (const auto& p : points) out.push_back(p.value);
    return out;
  }
};

/// @brief One return from two prices, without checks (the caller has validated them).
[[nodiscard]] inline double price_return(double previous, double current, return_kind kind,
                                         return_units units) noexcept {
  const double fraction = kind == return_kind::log ? std::log(current / previous) : current / previous - 1.0;
  return fraction * units_scale(units);
}

namespace detail {
inline void check_price(std::span<const double> prices, std::size_t i) {
  const double p = prices[i];
  if (!(std::isfinite(p) && p > 0.0)) {
    throw_invalid_argument("returns_from_prices", "price at row " + std::to_string(i), "must be finite and positive",
                           p);
  }
}
}  // namespace detail

/// @brief Returns from prices at increasing microsecond times (tick data: several prices
///        within one second). `timed_return::time` is the whole second of `time_us`.
/// @param prices finite and positive.
/// @throws dynmargin::invalid_argument naming the row of a non-finite, zero or negative
///         price, of a time that does not increase or lies outside `within_time_span`, or a
///         size mismatch.
[[nodiscard]] inline return_series returns_from_prices(std::span<const timestamp_us> times,
                                                       std::span<const double> prices,
                                                       return_kind kind = return_kind::log,
                                                       return_units units = return_units::percent) {
  if (times.size() != prices.size()) {
    throw_invalid_argument("returns_from_prices", "times",
                           "must have one entry per price (" + std::to_string(prices.size()) + " prices)",
                           times.size());
  }
  return_series out;
  out.kind = kind;
  out.units = units;
  if (prices.empty()) return out;
  detail::check_price(prices, 0);
  out.points.reserve(prices.size() - 1);
  for (std::size_t i = 1; i < prices.size(); ++i) {
    detail::check_price(prices, i);
    if (!within_time_span(times[i]) || !within_time_span(times[i - 1]) || times[i] <= times[i - 1]) {
      throw_invalid_argument("returns_from_prices", "time at row " + std::to_string(i),
                             "must be later than the previous row's " + format_epoch_seconds(times[i - 1]),
                             format_epoch_seconds(times[i]));
    }
    out.points.push_back(timed_return{floor_seconds(times[i]), price_return(prices[i - 1], prices[i], kind, units),
                                      seconds_between(times[i - 1], times[i]), times[i]});
  }
  return out;
}

/// @brief Returns from prices at increasing timestamps.
/// @param times epoch seconds, strictly increasing, one per price (converted exactly to
///        microseconds; the overload above does the work).
/// @param prices finite and positive.
/// @throws dynmargin::invalid_argument naming the row of a non-finite, zero or negative
///         price, of a timestamp that does not increase or does not fit in int64
///         microseconds, or a size mismatch.
[[nodiscard]] inline return_series returns_from_prices(std::span<const timestamp> times, std::span<const double> prices,
                                                       return_kind kind = return_kind::log,
                                                       return_units units = return_units::percent) {
  std::vector<timestamp_us> micros(times.size());
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (!try_to_timestamp_us(times[i], micros[i])) {
      throw_invalid_argument("returns_from_prices", "time at row " + std::to_string(i),
                             "must fit in int64 microseconds", times[i]);
    }
  }
  return returns_from_prices(std::span<const timestamp_us>(micros), prices, kind, units);
}

/// @brief Returns from prices on a regular grid of `step_seconds` (default one day), with
///        times 1, 2, ... steps after an arbitrary origin.
/// @throws dynmargin::invalid_argument naming the row of a non-finite or non-positive price.
[[nodiscard]] inline std::vector<double> returns_from_prices(std::span<const double> prices,
                                                             return_kind kind = return_kind::log,
                                                             return_units units = return_units::percent) {
  std::vector<double> out;
  if (prices.empty()) return out;
  detail::check_price(prices, 0);
  out.reserve(prices.size() - 1);
  for (std::size_t i = 1; i < prices.size(); ++i) {
    detail::check_price(prices, i);
    out.push_back(price_return(prices[i - 1], prices[i], kind, units));
  }
  return out;
}

/// @brief Rescales a return measured over `elapsed_seconds` to the variance-equivalent return
///        of one step of `step_seconds` (divides by sqrt(elapsed/step)), so that a 5-hour gap
///        in hourly data does not count as one hour of variance.
[[nodiscard]] inline double normalise_to_step(double value, double elapsed_seconds, double step_seconds) noexcept {
  return value / std::sqrt(elapsed_seconds / step_seconds);
}

}  // namespace dynmargin
