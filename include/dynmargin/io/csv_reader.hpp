// SPDX-License-Identifier: MIT
/// @file
/// @brief CSV readers for crypto price data: OHLCV bars or one named numeric column, always
///        returned oldest first, with a load report of everything that was found and fixed.
///
/// Formats are recognised from the header (the first line that is not a preamble):
///  - `yahoo_daily`: Yahoo Finance download, `Date,Open,High,Low,Close,Adj Close,Volume`.
///    Rows whose prices are all `null` (Yahoo's missing days) are skipped and counted.
///  - `cryptodatadownload`: CryptoDataDownload hourly export (e.g. Bitstamp), a preamble line
///    `https://www.CryptoDataDownload.com`, then `unix,date,symbol,open,high,low,close,
///    Volume <base>,Volume <quote>`, newest first.
///  - `binance_cryptodatadownload`: the Binance export of CryptoDataDownload, with a final
///    `tradecount` column. When both of its export formats occur in one file (unix in epoch
///    milliseconds with `YYYY-MM-DD HH:MM:SS`, and unix as float seconds with the 12-hour
///    `YYYY-MM-DD HH-AM`) the format is reported as `binance_cryptodatadownload_mixed`.
///  - `ohlc`: any other header with open, high, low and close columns (any case).
///  - `plain`: anything else; read one named numeric column with `read_column_csv`.
///
/// Time: the first column named (any case) `unix`, `unix_time`, `timestamp`, `time`, `t`,
/// `datetime` or `date` is the time. When a numeric epoch column and a `date` text column
/// both exist, the epoch is trusted (seconds or milliseconds decided per row by magnitude)
/// and rows whose text disagrees are counted (`date_text_mismatches`): in the Binance file
/// 91 rows carry US-Eastern local time in the text. Dates are read as UTC unless they carry
/// an offset.
///
/// Duplicated times are resolved deterministically (`duplicate_rule::prefer_newer_export`):
/// among rows with the same time, the row whose unix is in milliseconds (CryptoDataDownload's
/// newer export, with a trade count) wins; otherwise the row that comes first in the file.
/// In the Binance file the old-format copies are rounded to fewer digits and the old copy of
/// 2020-11-20 07:00 is a partial bar, so the newer row is the better one.
///
/// Nothing is dropped silently: `rows_read == rows_kept + duplicates_resolved +
/// null_rows_skipped`. Anomalies that are kept (gaps, flat zero-volume bars, bad prints,
/// swapped volume columns, a possibly incomplete newest bar) are counted and listed.
///
/// Malformed input throws `dynmargin::invalid_argument` naming the file, line, column and
/// offending text: a missing or empty file, a missing column, text where a number should be,
/// a wrong number of cells, a non-finite or non-positive price, an unreadable time.
///
/// Data sources: see `examples/data/SOURCES.md` (Yahoo Finance, CryptoDataDownload exports
/// of Bitstamp and Binance, a Deribit option chain).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/io/csv_types.hpp"  // IWYU pragma: export
#include "dynmargin/io/detail/csv_tables.hpp"
#include "dynmargin/io/detail/text.hpp"

namespace dynmargin::io {

/// @brief "YYYY-MM-DDTHH:MM:SSZ" of an epoch-seconds time (the plain number outside +-1e15 s).
[[nodiscard]] inline std::string format_utc(timestamp t) { return detail::io_format_utc(t); }
/// @brief "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" of a microsecond time (the fraction only when nonzero,
///        trailing zeros dropped).
[[nodiscard]] inline std::string format_utc(timestamp_us t) {
  const timestamp whole = floor_seconds(t);
  return detail::io_format_utc(whole,
                               static_cast<std::int32_t>(epoch_microseconds(t) - whole * microseconds_per_second));
}

/// @brief True when two names are equal ignoring ASCII case ("Close", "close", "CLOSE"): the
///        rule by which `read_column_csv` matches a column name it does not find exactly.
[[nodiscard]] constexpr bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  return detail::io_iequals(a, b);
}

/// @brief Epoch seconds of a date text (`YYYY-MM-DD[ HH:MM:SS][Z|+HH:MM]`, or the 12-hour
///        `YYYY-MM-DD HH-AM`), or of epoch seconds / milliseconds.
/// @throws dynmargin::invalid_argument when the text is neither.
[[nodiscard]] inline timestamp parse_time(std::string_view text) {
  timestamp t = 0;
  if (detail::io_parse_date_time(text, t)) return t;
  detail::io_epoch_unit unit{};
  if (detail::io_parse_epoch(detail::io_trim(text), t, unit)) return t;
  throw_invalid_argument("parse_time", "text",
                         "must be a date (YYYY-MM-DD[ HH:MM:SS]) or epoch seconds or milliseconds",
                         "\"" + std::string(text) + "\"");
}

/// @brief Microsecond time of a date text (as `parse_time`, with fractional seconds such as
///        "2024-01-01T00:00:00.250Z" kept) or of epoch seconds / milliseconds with a decimal
///        fraction ("1704067200.25"), converted exactly; several prints within one second keep
///        their order (issue 12 section 1).
/// @throws dynmargin::invalid_argument when the text is neither, or has a nonzero digit finer
///         than a microsecond.
[[nodiscard]] inline timestamp_us parse_time_us(std::string_view text) {
  timestamp t = 0;
  std::int64_t micros = 0;
  if (detail::io_parse_date_time(text, t, &micros)) return to_timestamp_us(t) + std::chrono::microseconds{micros};
  if (detail::io_parse_epoch_us(detail::io_trim(text), micros)) return timestamp_us{std::chrono::microseconds{micros}};
  throw_invalid_argument("parse_time_us", "text",
                         "must be a date (YYYY-MM-DD[ HH:MM:SS[.ffffff]]) or epoch seconds or milliseconds, "
                         "exact to the microsecond",
                         "\"" + std::string(text) + "\"");
}

/// @brief The format and columns of CSV text, from its header alone.
/// @throws dynmargin::invalid_argument when the text has no header line.
[[nodiscard]] inline csv_layout inspect_csv_text(std::string_view text, std::string_view source = "<text>") {
  detail::io_csv_splitter splitter(text);
  std::vector<std::string_view> cells;
  auto header = detail::io_read_header(splitter, cells, "inspect_csv", source);
  return csv_layout{header.format, std::move(header.columns), header.preamble_lines};
}

/// @brief The format and columns of a CSV file, from its header alone (only the first
///        64 KiB are read).
/// @throws dynmargin::invalid_argument when the file is missing, unreadable or empty.
[[nodiscard]] inline csv_layout inspect_csv(const std::string& path) {
  return inspect_csv_text(detail::io_read_file(path, "inspect_csv", std::size_t{64} * 1024), path);
}

/// @brief OHLCV bars from CSV text in memory (see the file comment for formats and rules).
/// @param source the name used in messages and in `report.path`.
/// @throws dynmargin::invalid_argument naming the line, column and text of malformed input.
[[nodiscard]] inline price_table read_price_csv_text(std::string_view text, const read_csv_config& options = {},
                                                     std::string_view source = "<text>") {
  return detail::io_read_prices(text, source, options);
}

/// @brief OHLCV bars from a CSV file, oldest first, with the load report.
/// @throws dynmargin::invalid_argument for a missing or empty file, a missing open/high/low/close
///         column, text where a number should be, a wrong number of cells, a non-finite or
///         non-positive price, or an unreadable time; the message names file, line and column.
[[nodiscard]] inline price_table read_price_csv(const std::string& path, const read_csv_config& options = {}) {
  return detail::io_read_prices(detail::io_read_file(path, "read_price_csv"), path, options);
}

/// @brief One numeric column from CSV text in memory.
/// @param column the column name (exact, or a unique case-insensitive match).
/// @throws dynmargin::invalid_argument as `read_column_csv`.
[[nodiscard]] inline column_table read_column_csv_text(std::string_view text, const std::string& column,
                                                       const read_csv_config& options = {},
                                                       std::string_view source = "<text>") {
  return detail::io_read_column(text, source, column, options);
}

/// @brief One numeric column of a CSV file; with a time column the rows are sorted oldest
///        first and de-duplicated as `read_price_csv` does, and `times` is filled.
/// @throws dynmargin::invalid_argument for a missing or empty file, a missing column (the
///         message lists the columns), a cell that is not a finite number, a wrong number of
///         cells or an unreadable time.
[[nodiscard]] inline column_table read_column_csv(const std::string& path, const std::string& column,
                                                  const read_csv_config& options = {}) {
  return detail::io_read_column(detail::io_read_file(path, "read_column_csv"), path, column, options);
}

}  // namespace dynmargin::io
