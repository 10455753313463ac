// SPDX-License-Identifier: MIT
/// @file
/// @brief From the rows of `io_loader` (csv_loader.hpp) to the tables of
///        `dynmargin/io/csv_reader.hpp`: the checks that need whole price bars (OHLC
///        consistency, flat bars, swapped volume columns, bad prints, an incomplete newest
///        bar) and the two read paths, prices and one column.
// IWYU pragma: private, include "dynmargin/io/csv_reader.hpp"
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/io/csv_types.hpp"
#include "dynmargin/io/detail/csv_loader.hpp"
#include "dynmargin/io/detail/text.hpp"

namespace dynmargin::detail {

/// The checks that need whole bars: OHLC consistency, flat zero-volume bars, swapped volume
/// columns, bad prints and a possibly incomplete newest bar.
inline void io_check_bars(std::vector<io::price_bar>& bars, const io_loader& loader, bool has_volume,
                          bool has_quote_volume, const io::read_csv_config& options, io::load_report& report) {
  auto& anomalies = report.anomalies;
  std::vector<timestamp> inconsistent;
  for (const auto& bar : bars) {
    if (bar.high < std::max({bar.open, bar.close, bar.low}) || bar.low > std::min({bar.open, bar.close, bar.high})) {
      ++report.ohlc_inconsistent_bars;
      if (inconsistent.size() < 5) inconsistent.push_back(bar.time);
    }
    if (has_volume && bar.volume == 0.0 && bar.open == bar.high && bar.open == bar.low && bar.open == bar.close) {
      ++report.zero_volume_flat_bars;
    }
  }
  if (report.ohlc_inconsistent_bars > 0) {
    std::string text = std::to_string(report.ohlc_inconsistent_bars) +
                       " bars with high below, or low above, another price of the bar (first:";
    // append, not `" " + string`: GCC 12 reports a false -Wrestrict on that temporary here
    for (const auto t : inconsistent) text.append(" ").append(io_format_utc(t));
    anomalies.push_back(text + ")");
  }
  if (report.zero_volume_flat_bars > 0) {
    anomalies.push_back(std::to_string(report.zero_volume_flat_bars) +
                        " bars with zero volume and open = high = low = close (flat-filled)");
  }

  // Swapped volume columns: quote / base volume is an average price, which must lie within
  // the bar's range; when base / quote does instead, the columns were written the other way.
  if (has_quote_volume) {
    io::time_span span;
    bool in_span = false;
    for (std::size_t i = 0; i < bars.size(); ++i) {
      auto& bar = bars[i];
      const double* const values = loader.values_of(loader.rows()[i]);
      const double base = values[4];
      const double quote = values[5];
      if (!(base > 0.0 && quote > 0.0)) continue;  // no evidence either way
      const double lower = bar.low * 0.9;
      const double upper = bar.high * 1.1;
      const double average = quote / base;
      const double inverse = base / quote;
      const bool swapped = !(average >= lower && average <= upper) && inverse >= lower && inverse <= upper;
      if (swapped) {
        ++report.volume_swapped_bars;
        if (options.fix_swapped_volume) bar.volume = quote;
        if (!in_span) {
          span = io::time_span{bar.time, bar.time, 0};
          in_span = true;
        }
        span.to = bar.time;
        ++span.bars;
      } else if (in_span) {
        report.volume_swapped_spans.push_back(span);
        in_span = false;
      }
    }
    if (in_span) report.volume_swapped_spans.push_back(span);
    if (report.volume_swapped_bars > 0) {
      std::string text = "volume columns swapped in " + std::to_string(report.volume_swapped_bars) + " bars:";
      for (std::size_t k = 0; k < report.volume_swapped_spans.size() && k < 10; ++k) {
        const auto& s = report.volume_swapped_spans[k];
        text += (k == 0 ? " " : ", ") + io_format_utc(s.from) + " .. " + io_format_utc(s.to) + " (" +
                std::to_string(s.bars) + " bars)";
      }
      if (report.volume_swapped_spans.size() > 10) text += ", ...";
      text += options.fix_swapped_volume ? "; swapped back" : "; left as in the file";
      anomalies.push_back(text);
    }
  }

  // Bad prints: a price far from every reference it should be near.
  if (options.suspect_ratio > 1.0) {
    const double limit = options.suspect_ratio;
    std::size_t suspects = 0;
    for (std::size_t i = 0; i < bars.size(); ++i) {
      const auto& bar = bars[i];
      std::array<double, 3> references{bar.close, 0.0, 0.0};
      std::size_t count = 1;
      if (i > 0) references[count++] = bars[i - 1].close;
      if (i + 1 < bars.size()) references[count++] = bars[i + 1].open;
      bool suspect = false;
      for (const double price : {bar.open, bar.high, bar.low}) {
        bool near_one = false;  // within a factor `limit` of some reference: no logarithm needed
        for (std::size_t k = 0; k < count; ++k) {
          near_one = near_one || (price <= limit * references[k] && references[k] <= limit * price);
        }
        if (!near_one) suspect = true;
      }
      if (suspect) {
        ++suspects;
        if (report.suspect_bars.size() < options.max_listed) report.suspect_bars.push_back(bar.time);
      }
    }
    if (suspects > 0) {
      std::string text = std::to_string(suspects) + (suspects == 1 ? " suspect bar" : " suspect bars") +
                         " (open, high or low more than " + format_value(options.suspect_ratio) +
                         "x away from the close and the neighbouring prices):";
      for (std::size_t k = 0; k < report.suspect_bars.size() && k < 10; ++k)
        text += " " + io_format_utc(report.suspect_bars[k]);
      anomalies.push_back(text);
    }
  }

  // A newest bar exported while it was still open has a fraction of the usual volume.
  constexpr std::size_t window = 24;
  if (has_volume && bars.size() > window) {
    std::vector<double> previous;
    previous.reserve(window);
    for (std::size_t i = bars.size() - 1 - window; i + 1 < bars.size(); ++i) previous.push_back(bars[i].volume);
    std::nth_element(previous.begin(), previous.begin() + window / 2, previous.end());
    const double upper_middle = previous[window / 2];
    const double lower_middle = *std::max_element(previous.begin(), previous.begin() + window / 2);
    const double median = 0.5 * (upper_middle + lower_middle);
    const auto& last = bars.back();
    if (median > 0.0 && last.volume < options.incomplete_volume_fraction * median) {
      report.last_bar_possibly_incomplete = true;
      anomalies.push_back("newest bar " + io_format_utc(last.time) + " has volume " + format_value(last.volume) + ", " +
                          io_loader::percent_text(last.volume / median) + " of the median of the " +
                          std::to_string(window) + " bars before: possibly incomplete");
    }
  }
}

[[nodiscard]] inline io::price_table io_read_prices(std::string_view text, std::string_view source,
                                                    const io::read_csv_config& options) {
  io_loader loader(text, source, "read_price_csv", io_mode::prices, "", options);
  io::price_table table;
  const auto& rows = loader.rows();
  table.bars.reserve(rows.size());
  table.lines.reserve(rows.size());
  for (const auto& row : rows) {
    table.lines.push_back(row.line);
    const double* const values = loader.values_of(row);
    table.bars.push_back(io::price_bar{row.time, values[0], values[1], values[2], values[3],
                                       loader.has_volume() ? values[4] : 0.0, row.microsecond});
  }
  loader.describe_common();
  io_check_bars(table.bars, loader, loader.has_volume(), loader.has_quote_volume(), options, loader.report());
  if (!loader.has_volume()) loader.report().anomalies.push_back("no volume column: volumes set to 0");
  table.report = std::move(loader.report());
  return table;
}

[[nodiscard]] inline io::column_table io_read_column(std::string_view text, std::string_view source,
                                                     std::string_view column, const io::read_csv_config& options) {
  io_loader loader(text, source, "read_column_csv", io_mode::column, column, options);
  io::column_table table;
  const auto& rows = loader.rows();
  table.values.reserve(rows.size());
  table.lines.reserve(rows.size());
  if (loader.has_time()) {
    table.times.reserve(rows.size());
    table.times_us.reserve(rows.size());
  }
  for (const auto& row : rows) {
    table.values.push_back(loader.values_of(row)[0]);
    table.lines.push_back(row.line);
    if (loader.has_time()) {
      table.times.push_back(row.time);
      table.times_us.push_back(timestamp_us{std::chrono::microseconds{microseconds_of(row)}});
    }
  }
  loader.describe_common();
  table.report = std::move(loader.report());
  return table;
}

}  // namespace dynmargin::detail
