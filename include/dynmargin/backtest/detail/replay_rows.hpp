// SPDX-License-Identifier: MIT
/// @file
/// @brief The one replay loop of backtest/replay.hpp and what it shares between its entry
///        points: the checks of a history, the path columns every replay fills, and the loop.
// IWYU pragma: private, include "dynmargin/backtest/replay.hpp"
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "dynmargin/backtest/path.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin::detail {

/// A quote that explains itself as a `margin_quote` does.
// clang-format off
template <class Q>
concept explained_quote = requires(const Q& q) {
  { q.raw_rate } -> std::convertible_to<double>;
  { q.maintenance_rate } -> std::convertible_to<double>;
  { q.initial_amount } -> std::convertible_to<double>;
  { q.maintenance_amount } -> std::convertible_to<double>;
  { q.binding_index } -> std::convertible_to<int>;
  { q.price_suspect } -> std::convertible_to<bool>;
  { q.breakdown[0].initial_after } -> std::convertible_to<double>;
};
// clang-format on

template <class F>
using quote_of_t = std::remove_cvref_t<decltype(std::declval<const F&>().quote(0.0))>;
template <class F>
inline constexpr bool update_returns_status =
    std::same_as<std::remove_cvref_t<decltype(std::declval<F&>().update(timestamp{}, 0.0))>, status>;

/// The time types a replay takes: epoch seconds or microsecond time points.
template <class Time>
concept replay_time = std::same_as<Time, timestamp> || std::same_as<Time, timestamp_us>;

/// A row's time as a microsecond time point; seconds beyond int64 microseconds are refused
/// naming the row.
[[nodiscard]] inline timestamp_us replay_time_us(std::string_view /*component*/, timestamp_us t, std::size_t) {
  return t;
}
[[nodiscard]] inline timestamp_us replay_time_us(std::string_view component, timestamp seconds, std::size_t row) {
  timestamp_us t{};
  if (!try_to_timestamp_us(seconds, t))
    throw_invalid_argument(component, "time at row " + std::to_string(row), "must fit in int64 microseconds", seconds);
  return t;
}

template <replay_time Time>
void check_replay_sizes(std::string_view component, std::span<const Time> times, std::span<const double> prices) {
  if (times.size() != prices.size()) {
    throw_invalid_argument(component, "times",
                           "must have one entry per price (" + std::to_string(prices.size()) + " prices)",
                           times.size());
  }
}

/// Times strictly increasing (the first one after `after` when given) and, when asked, prices
/// finite and positive; names the row at fault.
template <replay_time Time>
void check_replay_rows(std::string_view component, std::span<const Time> times, std::span<const double> prices,
                       bool positive_prices, std::optional<timestamp_us> after) {
  timestamp_us previous{};
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (positive_prices && !(std::isfinite(prices[i]) && prices[i] > 0.0)) {
      throw_invalid_argument(component, "price at row " + std::to_string(i), "must be finite and > 0", prices[i]);
    }
    const timestamp_us t = replay_time_us(component, times[i], i);
    if (!within_time_span(t)) {
      throw_invalid_argument(component, "time at row " + std::to_string(i),
                             "must be within 2^62 microseconds of the epoch", format_epoch_seconds(t));
    }
    if ((i > 0 && t <= previous) || (i == 0 && after && t <= *after)) {
      throw_invalid_argument(component, "time at row " + std::to_string(i),
                             "must be later than the previous row's " + format_epoch_seconds(i > 0 ? previous : *after),
                             format_epoch_seconds(t));
    }
    previous = t;
  }
}

/// The function's last accepted time as a microsecond time point (seconds from functions that
/// still count in seconds), when it says.
template <class F>
[[nodiscard]] std::optional<timestamp_us> last_time_us(const F& function) {
  if constexpr (requires {
                  { function.last_time() } -> std::convertible_to<std::optional<timestamp_us>>;
                }) {
    return function.last_time();
  } else if constexpr (requires {
                         { function.last_time() } -> std::convertible_to<std::optional<timestamp>>;
                       }) {
    const std::optional<timestamp> seconds = function.last_time();
    if (!seconds) return std::nullopt;
    return replay_time_us("margin_function", *seconds, 0);
  } else {
    return std::nullopt;
  }
}

/// The checks of `replay_quotes` and `replay_each`.
template <class F, replay_time Time>
void check_quote_replay(const F& function, std::span<const Time> times, std::span<const double> prices,
                        double notional) {
  constexpr std::string_view component = "margin_function";
  check_replay_sizes(component, times, prices);
  if (!std::isfinite(notional)) throw_invalid_argument(component, "notional", "must be finite", notional);
  check_replay_rows(component, times, prices, false, last_time_us(function));
}

/// The quote of a signed notional after row i.
template <class F>
[[nodiscard]] auto quote_notional_at(const F& function, double notional, double price) {
  if constexpr (requires { function.quote_notional(notional); }) {
    return function.quote_notional(notional);
  } else {
    return function.quote(notional / price);
  }
}

/// A path with the columns every replay fills, sized for the rows.
template <class F, replay_time Time>
[[nodiscard]] backtest_path start_path(const F& function, std::span<const Time> times, std::span<const double> prices) {
  const std::size_t n = times.size();
  backtest_path path;
  path.times.resize(n);
  for (std::size_t i = 0; i < n; ++i) path.times[i] = replay_time_us("replay", times[i], i);
  path.prices.assign(prices.begin(), prices.end());
  path.initial_rate.assign(n, 0.0);
  path.ready.assign(n, 0);
  path.first_evaluated = n;
  if constexpr (update_returns_status<F>) path.statuses.assign(n, status::ok);
  if constexpr (explained_quote<quote_of_t<F>>) {
    path.price_suspect.assign(n, 0);
    for (auto* column : {&path.raw_rate, &path.maintenance_rate, &path.initial_amount, &path.maintenance_amount}) {
      column->assign(n, 0.0);
    }
    path.binding_index.assign(n, -1);
    if constexpr (requires { function.effect_names(); }) {
      const auto names = function.effect_names();
      path.effect_names.assign(names.begin(), names.end());
      path.effect_initial_rate.assign(path.effect_names.size(), std::vector<double>(n, 0.0));
    }
  }
  return path;
}

/// Records what the function said at row i (all but the initial rate, which each replay sets).
template <class S, class Q>
void record_quote(backtest_path& path, std::size_t i, const S& update_status, const Q& q) {
  if constexpr (std::same_as<S, status>) {
    path.statuses[i] = update_status;
    if (is_error(update_status)) ++path.rejected_updates;
    if (is_warning(update_status)) ++path.warning_updates;
  }
  const bool ready = static_cast<bool>(q.ready);
  path.ready[i] = ready ? 1 : 0;
  if constexpr (explained_quote<Q>) {
    path.price_suspect[i] = q.price_suspect ? 1 : 0;
    path.raw_rate[i] = q.raw_rate;
    path.maintenance_rate[i] = q.maintenance_rate;
    path.initial_amount[i] = q.initial_amount;
    path.maintenance_amount[i] = q.maintenance_amount;
    path.binding_index[i] = q.binding_index;
    for (std::size_t e = 0; e < path.effect_initial_rate.size(); ++e) {
      path.effect_initial_rate[e][i] = ready ? q.breakdown[e].initial_after : 0.0;
    }
  }
}

/// The loop: row by row, `function.update(time, price)`, then `visit(row, status, quote_at(row))`.
template <class F, replay_time Time, class QuoteAt, class Visitor>
void replay_rows(F& function, std::span<const Time> times, std::span<const double> prices, QuoteAt&& quote_at,
                 Visitor&& visit) {
  for (std::size_t i = 0; i < times.size(); ++i) {
    const auto s = function.update(times[i], prices[i]);
    visit(i, s, quote_at(i));
  }
}

}  // namespace dynmargin::detail
