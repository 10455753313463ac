// SPDX-License-Identifier: MIT
/// @file
/// @brief A margin engine run over a price history, row by row: the one implementation behind
///        `dynmargin margin` and the Python module's `MarginFunction.run`.
///
/// Each row's price (and, when given, the market's open notional, set before the price) is fed
/// to the engine's function and a position of `position` notional is quoted after it. The
/// caller's sink receives every row: the quote, whether the guard rejected the price, and
/// whether the row arrived after the feed had stopped for longer than the config's
/// price_guard.max_staleness (the time since the last accepted price before it). Sampling
/// into bars (a config "bar") is the caller's: pass the bars' times and prices.
///
/// Warnings (a failed EVT refit: previous tails kept, the price absorbed) do not stop the run;
/// they are counted in the report. Times that do not increase are an error naming the row
/// (through `margin_run_labels`).
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "dynmargin/backtest/replay.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/runtime/engine.hpp"

namespace dynmargin {

/// @brief One row of a margin run, as the sink receives it.
struct margin_run_row {
  std::size_t row = 0;                  ///< index into the times and prices
  status outcome = status::ok;          ///< what the update returned
  const margin_quote* quote = nullptr;  ///< the position's quote after the row (never null in a sink call)
  bool price_suspect = false;           ///< the guard rejected this row's price: the last margin is kept
  bool stale = false;                   ///< the feed had stopped for longer than price_guard.max_staleness
};

/// @brief What a margin run counted.
struct margin_run_report {
  std::size_t rows = 0;
  std::size_t ready_rows = 0;  ///< rows with a quote (past the warm-up)
  std::size_t stale_rows = 0;
  std::size_t warnings = 0;                ///< updates that returned a warning (refit_failed)
  std::size_t first_warning = 0;           ///< the row of the first, when warnings > 0
  std::int64_t max_staleness_seconds = 0;  ///< the config's price_guard.max_staleness (0: off)
};

/// @brief How a caller names its rows and its open-interest input in errors.
struct margin_run_labels {
  std::string component = "margin";
  /// "line 17" for the command line, "times[16]" for Python.
  std::function<std::string(std::size_t)> row = [](std::size_t i) { return "row " + std::to_string(i); };
  /// The name of the open-interest input ("open_interest").
  std::string open_interest = "open_interest";
};

/// @brief Runs `function` over `prices` at `times`, quoting `position` after each row, and calls
///        `sink(const margin_run_row&)` for every row in order.
/// @param open_interest empty, or one value per row: the market's open notional, set before
///        the row's price (NaN: keep the last value).
/// @throws dynmargin::invalid_argument for times that do not increase (naming the row), sizes
///         that differ, or an open interest that is negative or infinite.
template <class Sink>
margin_run_report run_margin(runtime_margin_function& function, std::span<const timestamp_us> times,
                             std::span<const double> prices, double position, std::span<const double> open_interest,
                             Sink&& sink, const margin_run_labels& labels = {}) {
  margin_run_report report;
  report.rows = prices.size();
  report.max_staleness_seconds = function.config().guard.max_staleness;
  if (!open_interest.empty() && open_interest.size() != prices.size()) {
    throw invalid_argument(labels.component + ": " + labels.open_interest + " has " +
                           std::to_string(open_interest.size()) + " values for " + std::to_string(prices.size()) +
                           " prices");
  }
  timestamp_us last_accepted{};
  bool have_accepted = false;
  const auto visit = [&](std::size_t row, status s, const margin_quote& q) {
    if (is_warning(s)) {
      if (report.warnings == 0) report.first_warning = row;
      ++report.warnings;
    }
    if (q.ready) ++report.ready_rows;
    const bool stale = report.max_staleness_seconds > 0 && have_accepted &&
                       times[row] - last_accepted > std::chrono::seconds{report.max_staleness_seconds};
    if (stale) ++report.stale_rows;
    if (const auto t = function.last_time()) {
      last_accepted = *t;
      have_accepted = true;
    }
    sink(margin_run_row{row, s, &q, function.price_suspect(), stale});
  };
  if (open_interest.empty()) {
    replay_each(function, times, prices, position,
                [&](std::size_t row, status s, const margin_quote& q) { visit(row, s, q); });
    return report;
  }
  for (std::size_t row = 0; row < prices.size(); ++row) {
    if (row > 0 && times[row] <= times[row - 1]) {
      throw invalid_argument(labels.component + ": time on " + labels.row(row) +
                             " must be later than the previous row's " + format_epoch_seconds(times[row - 1]) +
                             ", got " + format_epoch_seconds(times[row]));
    }
    const double oi = open_interest[row];
    if (!std::isnan(oi) && function.set_open_interest(oi) != status::ok) {
      throw invalid_argument(labels.component + ": " + labels.open_interest + " on " + labels.row(row) +
                             " must be finite and >= 0, got " + detail::format_value(oi));
    }
    replay_each(function, times.subspan(row, 1), prices.subspan(row, 1), position,
                [&](std::size_t, status s, const margin_quote& q) { visit(row, s, q); });
  }
  return report;
}

/// @brief The error when every row of a run was in warm-up: the config asks for more history
///        than the input has.
/// @throws dynmargin::evaluation_error when `report.ready_rows` is 0.
inline void require_margin(const margin_run_report& report, std::string_view component) {
  if (report.ready_rows > 0) return;
  throw evaluation_error(std::string(component) + ": no margin: all " + std::to_string(report.rows) +
                         " rows are in warm-up; the config's windows, burn-in or min_returns need more history than "
                         "the input has");
}

}  // namespace dynmargin
