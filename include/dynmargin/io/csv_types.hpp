// SPDX-License-Identifier: MIT
/// @file
/// @brief The values the CSV readers of `dynmargin/io/csv_reader.hpp` take and return: the
///        formats they recognise, their options, OHLCV bars, the tables they fill and the
///        load report (the JSON of `dynmargin load`).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dynmargin/core/types.hpp"

namespace dynmargin::io {

/// @brief The layouts the readers recognise from the header.
enum class file_format : std::uint8_t {
  yahoo_daily,                       ///< Date,Open,High,Low,Close,Adj Close,Volume
  cryptodatadownload,                ///< unix,date,symbol,open,high,low,close,Volume X,Volume Y
  binance_cryptodatadownload,        ///< the same with tradecount, one export format
  binance_cryptodatadownload_mixed,  ///< with tradecount, two export formats mixed row by row
  ohlc,                              ///< another header with open, high, low, close
  plain,                             ///< any other CSV with a header
};

/// @brief Stable name of a format, as in the load report's JSON.
[[nodiscard]] constexpr std::string_view to_string(file_format format) noexcept {
  switch (format) {
    case file_format::yahoo_daily: return "yahoo_daily";
    case file_format::cryptodatadownload: return "cryptodatadownload";
    case file_format::binance_cryptodatadownload: return "binance_cryptodatadownload";
    case file_format::binance_cryptodatadownload_mixed: return "binance_cryptodatadownload_mixed";
    case file_format::ohlc: return "ohlc";
    case file_format::plain: return "plain";
  }
  return "unknown";
}

/// @brief True for the formats that hold OHLC price bars.
[[nodiscard]] constexpr bool is_price_format(file_format format) noexcept { return format != file_format::plain; }

/// @brief What to do with rows that share a time.
enum class duplicate_rule : std::uint8_t {
  prefer_newer_export,  ///< keep the millisecond-unix row, else the first in the file; count the rest
  reject,               ///< throw `invalid_argument` naming both lines
};

/// @brief What to do with rows in no time order (neither oldest first nor wholly newest first).
/// A file wholly newest first (the CryptoDataDownload convention) is read in reverse under
/// both rules: its order is unambiguous.
enum class unsorted_rule : std::uint8_t {
  sort,    ///< sort oldest first (stable: rows with one time keep their file order); report it
  reject,  ///< throw `invalid_argument` naming the first line earlier than the line before it
};

/// @brief Options of the readers.
struct read_csv_config {
  duplicate_rule duplicates = duplicate_rule::prefer_newer_export;
  unsorted_rule unsorted = unsorted_rule::sort;
  /// A bar is suspect (a bad print) when its open, high or low is more than this factor away
  /// from its own close, the previous close and the next open alike. 2 separates the Binance
  /// bad print (open 3.76x the close) from real daily wicks (DOGE 2021-01-28: high 1.65x close).
  /// A value <= 1 (or NaN) turns the check off.
  double suspect_ratio = 2.0;
  /// Swap the two volume columns back where the quote volume was written as the base one.
  bool fix_swapped_volume = true;
  /// The newest bar is flagged as possibly incomplete when its volume is below this fraction
  /// of the median volume of the 24 bars before it.
  double incomplete_volume_fraction = 0.25;
  /// At most this many gaps and suspect times are listed (all are counted).
  std::size_t max_listed = 100;
};

/// @brief One OHLCV bar; `time` is the bar's opening time (epoch seconds, UTC).
struct price_bar {
  timestamp time = 0;  ///< whole seconds (rounded towards the past); see `microsecond`
  double open = 0.0;
  double high = 0.0;
  double low = 0.0;
  double close = 0.0;
  double volume = 0.0;           ///< in the base asset (BTC) for CryptoDataDownload files, USD for Yahoo; 0 when absent
  std::int32_t microsecond = 0;  ///< sub-second part of the time, 0..999,999 (tick files)
  friend bool operator==(const price_bar&, const price_bar&) = default;
  /// @brief The full time, to the microsecond.
  [[nodiscard]] timestamp_us time_us() const { return to_timestamp_us(time) + std::chrono::microseconds{microsecond}; }
};

/// @brief A gap: consecutive kept rows further apart than the detected step.
struct time_gap {
  timestamp from = 0;              ///< time of the row before the gap
  timestamp to = 0;                ///< time of the row after the gap
  std::int64_t missing_steps = 0;  ///< rows missing in between
  friend bool operator==(const time_gap&, const time_gap&) = default;
};

/// @brief A run of bars, with how many bars in it were affected.
struct time_span {
  timestamp from = 0;
  timestamp to = 0;
  std::size_t bars = 0;
  friend bool operator==(const time_span&, const time_span&) = default;
};

/// @brief What a reader found: the JSON of `dynmargin load`.
struct load_report {
  std::string path;  ///< the file, or "<text>" for text in memory
  file_format format = file_format::plain;
  std::vector<std::string> columns;       ///< the header
  std::string time_column;                ///< the column read as time ("" when none)
  std::string value_column;               ///< the column read by `read_column_csv` ("" for prices)
  std::size_t preamble_lines = 0;         ///< lines skipped before the header
  std::size_t rows_read = 0;              ///< data rows in the file
  std::size_t rows_kept = 0;              ///< rows returned
  std::size_t duplicates_resolved = 0;    ///< rows dropped because another row had the same time
  std::size_t null_rows_skipped = 0;      ///< rows whose values were all null
  std::string file_order;                 ///< "oldest_first", "newest_first", "unsorted" or "none" (no time)
  bool reordered = false;                 ///< rows were not oldest first in the file
  std::size_t first_unsorted_line = 0;    ///< with "unsorted": the first line earlier than the line before it
  double duplicate_max_difference = 0.0;  ///< largest |value / kept value - 1| among duplicates (close, or the column)
  std::int64_t step_seconds = 0;          ///< modal spacing of the kept rows, whole seconds (0 with fewer than 2 times)
  std::int64_t step_microseconds = 0;     ///< the same spacing to the microsecond (tick files step below a second)
  std::size_t gaps = 0;                   ///< spacings larger than the step
  std::int64_t missing_steps = 0;         ///< rows missing in all gaps together
  std::size_t irregular_spacings = 0;     ///< spacings that are not a multiple of the step
  std::vector<time_gap> gap_list;         ///< the gaps, oldest first (at most `max_listed`)
  bool has_times = false;                 ///< whether first_time/last_time are set
  timestamp first_time = 0;
  timestamp last_time = 0;
  std::size_t seconds_rows = 0;            ///< rows whose epoch time was in seconds
  std::size_t milliseconds_rows = 0;       ///< rows whose epoch time was in milliseconds
  std::size_t text_time_rows = 0;          ///< rows timed by date text alone
  std::size_t date_text_mismatches = 0;    ///< rows whose date text disagrees with the trusted epoch
  std::size_t zero_volume_flat_bars = 0;   ///< volume 0 and open = high = low = close
  std::size_t ohlc_inconsistent_bars = 0;  ///< high below or low above another price of the bar
  std::size_t volume_swapped_bars = 0;     ///< bars whose base and quote volume columns were swapped
  std::vector<time_span> volume_swapped_spans;
  std::vector<timestamp> suspect_bars;  ///< bad prints (see `read_csv_config::suspect_ratio`)
  bool last_bar_possibly_incomplete = false;
  std::vector<std::string> anomalies;  ///< one human-readable line per kind of anomaly
};

/// @brief Bars oldest first and the load report.
struct price_table {
  std::vector<price_bar> bars;
  std::vector<std::size_t> lines;  ///< the 1-based line of the file each bar was read from
  load_report report;
  /// @brief The bar times, oldest first.
  [[nodiscard]] std::vector<timestamp> times() const {
    std::vector<timestamp> out;
    out.reserve(bars.size());
    for (const auto& bar : bars) out.push_back(bar.time);
    return out;
  }
  /// @brief The bar times to the microsecond, oldest first (strictly increasing).
  [[nodiscard]] std::vector<timestamp_us> times_us() const {
    std::vector<timestamp_us> out;
    out.reserve(bars.size());
    for (const auto& bar : bars) out.push_back(bar.time_us());
    return out;
  }
  /// @brief The closing prices, oldest first.
  [[nodiscard]] std::vector<double> closes() const {
    std::vector<double> out;
    out.reserve(bars.size());
    for (const auto& bar : bars) out.push_back(bar.close);
    return out;
  }
};

/// @brief One numeric column, oldest first when the file has a time column (`times` is then
///        the same size as `values`; otherwise empty and the file order is kept).
struct column_table {
  std::vector<timestamp> times;        ///< whole seconds (rounded towards the past)
  std::vector<timestamp_us> times_us;  ///< the same times to the microsecond (strictly increasing)
  std::vector<double> values;
  std::vector<std::size_t> lines;  ///< the 1-based line of the file each value was read from
  load_report report;
};

/// @brief The header of a CSV: its format and columns.
struct csv_layout {
  file_format format = file_format::plain;
  std::vector<std::string> columns;
  std::size_t preamble_lines = 0;
};

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using read_options [[deprecated("use read_csv_config")]] = read_csv_config;
// End of deprecated spellings.

}  // namespace dynmargin::io
