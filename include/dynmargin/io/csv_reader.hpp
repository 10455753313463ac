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

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/io/detail/text.hpp"

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

/// @brief Options of the readers.
struct read_options {
  duplicate_rule duplicates = duplicate_rule::prefer_newer_export;
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
  timestamp time = 0;
  double open = 0.0;
  double high = 0.0;
  double low = 0.0;
  double close = 0.0;
  double volume = 0.0;  ///< in the base asset (BTC) for CryptoDataDownload files, USD for Yahoo; 0 when absent
  friend bool operator==(const price_bar&, const price_bar&) = default;
};

/// @brief A gap: consecutive kept rows further apart than the detected step.
struct time_gap {
  timestamp from = 0;               ///< time of the row before the gap
  timestamp to = 0;                 ///< time of the row after the gap
  std::int64_t missing_steps = 0;   ///< rows missing in between
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
  std::string path;                    ///< the file, or "<text>" for text in memory
  file_format format = file_format::plain;
  std::vector<std::string> columns;    ///< the header
  std::string time_column;             ///< the column read as time ("" when none)
  std::string value_column;            ///< the column read by `read_column_csv` ("" for prices)
  std::size_t preamble_lines = 0;      ///< lines skipped before the header
  std::size_t rows_read = 0;           ///< data rows in the file
  std::size_t rows_kept = 0;           ///< rows returned
  std::size_t duplicates_resolved = 0; ///< rows dropped because another row had the same time
  std::size_t null_rows_skipped = 0;   ///< rows whose values were all null
  std::string file_order;              ///< "oldest_first", "newest_first", "unsorted" or "none" (no time)
  bool reordered = false;              ///< rows were not oldest first in the file
  std::int64_t step_seconds = 0;       ///< modal spacing of the kept rows (0 with fewer than 2 times)
  std::size_t gaps = 0;                ///< spacings larger than the step
  std::int64_t missing_steps = 0;      ///< rows missing in all gaps together
  std::size_t irregular_spacings = 0;  ///< spacings that are not a multiple of the step
  std::vector<time_gap> gap_list;      ///< the gaps, oldest first (at most `max_listed`)
  bool has_times = false;              ///< whether first_time/last_time are set
  timestamp first_time = 0;
  timestamp last_time = 0;
  std::size_t seconds_rows = 0;        ///< rows whose epoch time was in seconds
  std::size_t milliseconds_rows = 0;   ///< rows whose epoch time was in milliseconds
  std::size_t text_time_rows = 0;      ///< rows timed by date text alone
  std::size_t date_text_mismatches = 0;///< rows whose date text disagrees with the trusted epoch
  std::size_t zero_volume_flat_bars = 0; ///< volume 0 and open = high = low = close
  std::size_t ohlc_inconsistent_bars = 0; ///< high below or low above another price of the bar
  std::size_t volume_swapped_bars = 0; ///< bars whose base and quote volume columns were swapped
  std::vector<time_span> volume_swapped_spans;
  std::vector<timestamp> suspect_bars; ///< bad prints (see `read_options::suspect_ratio`)
  bool last_bar_possibly_incomplete = false;
  std::vector<std::string> anomalies;  ///< one human-readable line per kind of anomaly
};

/// @brief Bars oldest first and the load report.
struct price_table {
  std::vector<price_bar> bars;
  load_report report;
  /// @brief The bar times, oldest first.
  [[nodiscard]] std::vector<timestamp> times() const {
    std::vector<timestamp> out;
    out.reserve(bars.size());
    for (const auto& bar : bars) out.push_back(bar.time);
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
  std::vector<timestamp> times;
  std::vector<double> values;
  load_report report;
};

/// @brief The header of a CSV: its format and columns.
struct csv_layout {
  file_format format = file_format::plain;
  std::vector<std::string> columns;
  std::size_t preamble_lines = 0;
};

/// @brief "YYYY-MM-DDTHH:MM:SSZ" of an epoch-seconds time (the plain number outside +-1e15 s).
[[nodiscard]] inline std::string format_utc(timestamp t) { return detail::io_format_utc(t); }

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

}  // namespace dynmargin::io

namespace dynmargin::detail {

inline constexpr std::size_t io_npos = static_cast<std::size_t>(-1);

[[nodiscard]] inline std::string io_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  out.append(text);
  out.push_back('"');
  return out;
}

/// Throws "<component>: "<source>"<where> <problem>".
[[noreturn]] inline void io_fail(std::string_view component, std::string_view source, std::string_view where,
                                 std::string_view problem) {
  std::string message(component);
  message.append(": ").append(io_quote(source));
  if (!where.empty()) message.append(" ").append(where);
  message.append(" ").append(problem);
  throw invalid_argument(message);
}

[[nodiscard]] inline std::string io_where(std::size_t line, std::string_view column) {
  std::string out = "line " + std::to_string(line);
  if (!column.empty()) out.append(" column ").append(io_quote(column));
  return out;
}

[[nodiscard]] inline std::string io_join(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) out.append(", ");
    out.append(names[i]);
  }
  return out;
}

[[nodiscard]] inline bool io_is_null(std::string_view cell) noexcept {
  return io_iequals(cell, "null") || io_iequals(cell, "na") || io_iequals(cell, "n/a") || io_iequals(cell, "none");
}

/// Reads a whole file, or its first `limit` bytes cut after the last complete line.
/// @throws invalid_argument naming the file when it cannot be read.
[[nodiscard]] inline std::string io_read_file(const std::string& path, std::string_view component,
                                              std::size_t limit = static_cast<std::size_t>(-1)) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) io_fail(component, path, "", "cannot be opened: no such file");
  if (std::filesystem::is_directory(status)) io_fail(component, path, "", "cannot be opened: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) io_fail(component, path, "", "cannot be opened: permission denied or unreadable");
  std::string text;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) {
    const auto file_size = static_cast<std::size_t>(size);
    text.resize(std::min(file_size, limit));
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (file_size > limit) {
      const auto last_newline = text.find_last_of('\n');
      if (last_newline != std::string::npos) text.resize(last_newline + 1);
    }
  }
  if (in.bad()) io_fail(component, path, "", "cannot be read");
  return text;
}

/// Lower-case exact-name lookup; npos when absent.
[[nodiscard]] inline std::size_t io_find_column(const std::vector<std::string>& lower_columns, std::string_view name) {
  for (std::size_t i = 0; i < lower_columns.size(); ++i)
    if (lower_columns[i] == name) return i;
  return io_npos;
}

/// A preamble line before the header: one cell that is a URL or names the data vendor.
[[nodiscard]] inline bool io_is_preamble(const std::vector<std::string_view>& cells) {
  if (cells.size() != 1) return false;
  const std::string lower = io_to_lower(cells.front());
  return lower.find("://") != std::string::npos || lower.find("cryptodatadownload") != std::string::npos;
}

struct io_header {
  std::vector<std::string> columns;
  std::vector<std::string> lower;
  std::size_t preamble_lines = 0;
  io::file_format format = io::file_format::plain;
};

[[nodiscard]] inline io::file_format io_detect_format(const std::vector<std::string>& lower) {
  auto has = [&](std::string_view name) { return io_find_column(lower, name) != io_npos; };
  const bool ohlc = has("open") && has("high") && has("low") && has("close");
  if (ohlc && has("date") && has("adj close") && has("volume")) return io::file_format::yahoo_daily;
  if (ohlc && has("unix") && has("date") && has("symbol")) {
    return has("tradecount") ? io::file_format::binance_cryptodatadownload : io::file_format::cryptodatadownload;
  }
  return ohlc ? io::file_format::ohlc : io::file_format::plain;
}

/// Reads the preamble and header; throws on an empty file.
[[nodiscard]] inline io_header io_read_header(io_csv_splitter& splitter, std::vector<std::string_view>& cells,
                                              std::string_view component, std::string_view source) {
  io_header header;
  std::size_t line = 0;
  while (splitter.next(cells, line)) {
    if (io_is_blank_record(cells)) continue;
    if (io_is_preamble(cells)) {
      ++header.preamble_lines;
      continue;
    }
    header.columns.reserve(cells.size());
    for (const auto cell : cells) {
      header.columns.emplace_back(cell);
      header.lower.push_back(io_to_lower(cell));
    }
    header.format = io_detect_format(header.lower);
    return header;
  }
  io_fail(component, source, "", "is empty: it must have a header line and at least one data row");
}

/// A row before sorting: its time, line, preference and values.
struct io_row {
  timestamp time = 0;
  std::size_t line = 0;
  std::uint8_t rank = 0;          // 1 for millisecond unix (the newer CryptoDataDownload export)
  std::array<double, 6> values{}; // open, high, low, close, volume, quote volume | the column value
};

enum class io_mode : std::uint8_t { prices, column };

/// Reads, checks, sorts and de-duplicates rows; fills the report except price-only checks.
class io_loader {
 public:
  io_loader(std::string_view text, std::string_view source, std::string_view component, io_mode mode,
            std::string_view column, const io::read_options& options)
      : splitter_(text), source_(source), component_(component), mode_(mode), options_(options) {
    report_.path = std::string(source);
    header_ = io_read_header(splitter_, cells_, component_, source_);
    report_.columns = header_.columns;
    report_.format = header_.format;
    report_.preamble_lines = header_.preamble_lines;
    choose_time_columns();
    if (mode_ == io_mode::prices) {
      choose_price_columns();
    } else {
      choose_value_column(column);
    }
    read_rows(text);
    order_and_deduplicate();
    measure_spacing();
  }

  std::vector<io_row>& rows() noexcept { return rows_; }
  io::load_report& report() noexcept { return report_; }
  [[nodiscard]] bool has_volume() const noexcept { return value_index_[4] != io_npos; }
  [[nodiscard]] bool has_quote_volume() const noexcept { return value_index_[5] != io_npos; }
  [[nodiscard]] bool has_time() const noexcept { return time_index_ != io_npos; }

 private:
  void choose_time_columns() {
    static constexpr std::array<std::string_view, 7> candidates{"unix", "unix_time", "timestamp", "time",
                                                                "t", "datetime", "date"};
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      const std::size_t index = io_find_column(header_.lower, candidates[k]);
      if (index == io_npos) continue;
      time_index_ = index;
      epoch_first_ = k < 3;
      break;
    }
    if (time_index_ == io_npos) return;
    report_.time_column = header_.columns[time_index_];
    if (epoch_first_) {
      for (const std::string_view text_name : {std::string_view("date"), std::string_view("datetime")}) {
        const std::size_t index = io_find_column(header_.lower, text_name);
        if (index != io_npos && index != time_index_) {
          date_text_index_ = index;
          break;
        }
      }
    }
  }

  [[noreturn]] void missing_column(std::string_view name) const {
    io_fail(component_, source_, "",
            "has no column " + io_quote(name) + " (columns: " + io_join(header_.columns) + ")");
  }

  void choose_price_columns() {
    static constexpr std::array<std::string_view, 4> names{"open", "high", "low", "close"};
    for (std::size_t k = 0; k < names.size(); ++k) {
      value_index_[k] = io_find_column(header_.lower, names[k]);
      if (value_index_[k] == io_npos) missing_column(names[k]);
    }
    for (std::size_t i = 0; i < header_.lower.size(); ++i) {
      if (!io_istarts_with(header_.lower[i], "volume")) continue;
      if (value_index_[4] == io_npos) {
        value_index_[4] = i;
      } else if (value_index_[5] == io_npos) {
        value_index_[5] = i;
      }
    }
  }

  void choose_value_column(std::string_view column) {
    if (column.empty()) io_fail(component_, source_, "", "needs a column name (columns: " + io_join(header_.columns) + ")");
    for (std::size_t i = 0; i < header_.columns.size(); ++i) {
      if (header_.columns[i] == column) {
        value_index_[0] = i;
        break;
      }
    }
    if (value_index_[0] == io_npos) {  // a unique case-insensitive match
      for (std::size_t i = 0; i < header_.columns.size(); ++i) {
        if (!io_iequals(header_.columns[i], column)) continue;
        if (value_index_[0] != io_npos) missing_column(column);
        value_index_[0] = i;
      }
    }
    if (value_index_[0] == io_npos) missing_column(column);
    report_.value_column = header_.columns[value_index_[0]];
  }

  [[nodiscard]] std::string_view column_name(std::size_t index) const { return header_.columns[index]; }

  [[noreturn]] void bad_cell(std::size_t line, std::size_t index, std::string_view requirement,
                             std::string_view cell) const {
    io_fail(component_, source_, io_where(line, column_name(index)),
            std::string(requirement) + ", got " + io_quote(cell));
  }

  [[nodiscard]] double number(const std::vector<std::string_view>& cells, std::size_t line, std::size_t index) const {
    double value = 0.0;
    if (!io_parse_double(cells[index], value)) bad_cell(line, index, "must be a number", cells[index]);
    return value;
  }

  void read_time(const std::vector<std::string_view>& cells, std::size_t line, io_row& row) {
    const std::string_view cell = cells[time_index_];
    io_epoch_unit unit{};
    bool parsed = false;
    bool epoch = false;
    if (epoch_first_) {
      parsed = epoch = io_parse_epoch(cell, row.time, unit);
      if (!parsed) parsed = io_parse_date_time(cell, row.time);
    } else {
      parsed = io_parse_date_time(cell, row.time);
      if (!parsed) parsed = epoch = io_parse_epoch(cell, row.time, unit);
    }
    if (!parsed) {
      bad_cell(line, time_index_, "must be a date (YYYY-MM-DD[ HH:MM:SS]) or epoch seconds or milliseconds", cell);
    }
    if (!epoch) {
      ++report_.text_time_rows;
    } else if (unit == io_epoch_unit::milliseconds) {
      ++report_.milliseconds_rows;
      row.rank = 1;
    } else {
      ++report_.seconds_rows;
    }
    if (date_text_index_ != io_npos) {
      timestamp text_time = 0;
      const bool text_ok = io_parse_date_time(cells[date_text_index_], text_time);
      if (!text_ok || text_time != row.time) {
        ++report_.date_text_mismatches;
        mismatch_first_ = std::min(mismatch_first_, row.time);
        mismatch_last_ = std::max(mismatch_last_, row.time);
        const std::int64_t offset = text_ok ? text_time - row.time : std::numeric_limits<std::int64_t>::min();
        if (report_.date_text_mismatches == 1) {
          mismatch_offset_ = offset;
        } else if (offset != mismatch_offset_) {
          mismatch_offsets_vary_ = true;
        }
      }
    }
  }

  void read_rows(std::string_view text) {
    // one row per line is an upper bound that avoids reallocations on large files
    rows_.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
    const std::size_t columns = header_.columns.size();
    std::size_t line = 0;
    while (splitter_.next(cells_, line)) {
      if (io_is_blank_record(cells_)) continue;
      ++report_.rows_read;
      if (cells_.size() != columns) {
        io_fail(component_, source_, io_where(line, ""),
                "must have " + std::to_string(columns) + " cells like the header, got " + std::to_string(cells_.size()));
      }
      io_row row;
      row.line = line;
      if (time_index_ != io_npos) read_time(cells_, line, row);
      if (mode_ == io_mode::prices) {
        if (!read_prices(cells_, line, row)) continue;
      } else {
        const std::string_view cell = cells_[value_index_[0]];
        if (io_is_null(cell)) {
          ++report_.null_rows_skipped;
          continue;
        }
        const double value = number(cells_, line, value_index_[0]);
        if (!std::isfinite(value)) bad_cell(line, value_index_[0], "must be a finite number", cell);
        row.values[0] = value;
      }
      rows_.push_back(row);
    }
    if (report_.rows_read == 0) io_fail(component_, source_, "", "has a header but no data rows");
    if (rows_.empty()) {
      io_fail(component_, source_, "",
              "has no row with values: all " + std::to_string(report_.rows_read) + " data rows are null");
    }
  }

  // false when the row is a null row (skipped and counted)
  bool read_prices(const std::vector<std::string_view>& cells, std::size_t line, io_row& row) {
    std::size_t nulls = 0;
    for (std::size_t k = 0; k < 4; ++k) nulls += io_is_null(cells[value_index_[k]]) ? 1U : 0U;
    if (nulls == 4) {
      ++report_.null_rows_skipped;
      return false;
    }
    for (std::size_t k = 0; k < 4; ++k) {
      const std::size_t index = value_index_[k];
      const double price = number(cells, line, index);
      if (!(std::isfinite(price) && price > 0.0)) bad_cell(line, index, "must be a finite price > 0", cells[index]);
      row.values[k] = price;
    }
    for (std::size_t k = 4; k < 6; ++k) {
      const std::size_t index = value_index_[k];
      if (index == io_npos) continue;
      const double volume = number(cells, line, index);
      if (!(std::isfinite(volume) && volume >= 0.0)) bad_cell(line, index, "must be a finite volume >= 0", cells[index]);
      row.values[k] = volume;
    }
    return true;
  }

  void order_and_deduplicate() {
    if (time_index_ == io_npos) {
      report_.file_order = "none";
      report_.rows_kept = rows_.size();
      return;
    }
    std::size_t ascending = 0;
    std::size_t descending = 0;
    for (std::size_t i = 1; i < rows_.size(); ++i) {
      if (rows_[i].time > rows_[i - 1].time) ++ascending;
      if (rows_[i].time < rows_[i - 1].time) ++descending;
    }
    report_.file_order = descending == 0 ? "oldest_first" : ascending == 0 ? "newest_first" : "unsorted";
    report_.reordered = descending != 0;
    if (report_.reordered) {
      std::stable_sort(rows_.begin(), rows_.end(), [](const io_row& a, const io_row& b) { return a.time < b.time; });
    }
    std::vector<io_row> kept;
    kept.reserve(rows_.size());
    const std::size_t compared = mode_ == io_mode::prices ? 3 : 0;  // close, or the value
    for (std::size_t i = 0; i < rows_.size();) {
      std::size_t j = i + 1;
      while (j < rows_.size() && rows_[j].time == rows_[i].time) ++j;
      std::size_t best = i;
      for (std::size_t k = i + 1; k < j; ++k)
        if (rows_[k].rank > rows_[best].rank) best = k;
      if (j - i > 1) {
        if (options_.duplicates == io::duplicate_rule::reject) {
          io_fail(component_, source_, io_where(rows_[i + 1].line, ""),
                  "repeats the time " + io_format_utc(rows_[i].time) + " of line " + std::to_string(rows_[i].line) +
                      " (duplicates are rejected by the read options)");
        }
        report_.duplicates_resolved += j - i - 1;
        duplicate_first_ = std::min(duplicate_first_, rows_[i].time);
        duplicate_last_ = std::max(duplicate_last_, rows_[i].time);
        for (std::size_t k = i; k < j; ++k) {
          const double a = rows_[best].values[compared];
          const double b = rows_[k].values[compared];
          if (a != 0.0) duplicate_max_difference_ = std::max(duplicate_max_difference_, std::fabs(b / a - 1.0));
        }
      }
      kept.push_back(rows_[best]);
      i = j;
    }
    rows_ = std::move(kept);
    report_.rows_kept = rows_.size();
    if (report_.milliseconds_rows > 0 && report_.seconds_rows > 0 &&
        report_.format == io::file_format::binance_cryptodatadownload) {
      report_.format = io::file_format::binance_cryptodatadownload_mixed;
    }
  }

  void measure_spacing() {
    if (time_index_ == io_npos || rows_.empty()) return;
    report_.has_times = true;
    report_.first_time = rows_.front().time;
    report_.last_time = rows_.back().time;
    if (rows_.size() < 2) return;
    std::vector<std::int64_t> spacings;
    spacings.reserve(rows_.size() - 1);
    for (std::size_t i = 1; i < rows_.size(); ++i) spacings.push_back(rows_[i].time - rows_[i - 1].time);
    std::vector<std::int64_t> sorted = spacings;
    std::sort(sorted.begin(), sorted.end());
    std::int64_t mode = sorted.front();
    std::size_t best_count = 0;
    for (std::size_t i = 0; i < sorted.size();) {
      std::size_t j = i;
      while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
      if (j - i > best_count) {
        best_count = j - i;
        mode = sorted[i];
      }
      i = j;
    }
    report_.step_seconds = mode;
    for (std::size_t i = 0; i < spacings.size(); ++i) {
      const std::int64_t spacing = spacings[i];
      if (spacing % mode != 0) ++report_.irregular_spacings;
      if (spacing > mode) {
        const std::int64_t missing = (spacing + mode - 1) / mode - 1;
        ++report_.gaps;
        report_.missing_steps += missing;
        if (report_.gap_list.size() < options_.max_listed) {
          report_.gap_list.push_back(io::time_gap{rows_[i].time, rows_[i + 1].time, missing});
        }
      }
    }
  }

 public:
  /// Describes the anomalies common to both readers (the price checks add their own).
  void describe_common() {
    auto& anomalies = report_.anomalies;
    if (report_.file_order == "newest_first") {
      anomalies.push_back("rows are stored newest first; returned oldest first");
    } else if (report_.file_order == "unsorted") {
      anomalies.push_back("rows are not in time order; sorted oldest first");
    }
    if (report_.milliseconds_rows > 0 && report_.seconds_rows > 0) {
      anomalies.push_back("two export formats mixed: " + std::to_string(report_.milliseconds_rows) +
                          " rows with unix in epoch milliseconds, " + std::to_string(report_.seconds_rows) +
                          " in epoch seconds");
    }
    if (report_.duplicates_resolved > 0) {
      anomalies.push_back(std::to_string(report_.duplicates_resolved) + " duplicated times between " +
                          io_format_utc(duplicate_first_) + " and " + io_format_utc(duplicate_last_) +
                          " resolved by keeping the millisecond-unix (newer export) row, else the first in the file;"
                          " the copies' " + std::string(mode_ == io_mode::prices ? "closes" : "values") +
                          " differ by up to " + percent_text(duplicate_max_difference_));
    }
    if (report_.date_text_mismatches > 0) {
      std::string text = std::to_string(report_.date_text_mismatches) + " rows whose date text disagrees with unix (" +
                         io_format_utc(mismatch_first_) + " .. " + io_format_utc(mismatch_last_);
      if (!mismatch_offsets_vary_ && mismatch_offset_ != std::numeric_limits<std::int64_t>::min()) {
        text += ", text " + hours_text(mismatch_offset_) + " from unix";
      }
      anomalies.push_back(text + "); unix trusted");
    }
    if (report_.gaps > 0) {
      auto largest = report_.gap_list.front();
      for (const auto& gap : report_.gap_list)
        if (gap.missing_steps > largest.missing_steps) largest = gap;
      anomalies.push_back(std::to_string(report_.gaps) + " gaps with " + std::to_string(report_.missing_steps) +
                          " missing steps of " + std::to_string(report_.step_seconds) + " s; largest " +
                          io_format_utc(largest.from) + " -> " + io_format_utc(largest.to) + " (" +
                          std::to_string(largest.missing_steps) + " missing)");
    }
    if (report_.irregular_spacings > 0) {
      anomalies.push_back(std::to_string(report_.irregular_spacings) + " spacings are not a multiple of the " +
                          std::to_string(report_.step_seconds) + " s step");
    }
    if (report_.null_rows_skipped > 0) {
      anomalies.push_back(std::to_string(report_.null_rows_skipped) + " rows of null values skipped");
    }
  }

  [[nodiscard]] static std::string percent_text(double fraction) {
    const double rounded = std::round(fraction * 10000.0) / 100.0;
    return format_value(rounded) + "%";
  }
  [[nodiscard]] static std::string hours_text(std::int64_t seconds) {
    const double hours = static_cast<double>(seconds) / 3600.0;
    return (hours > 0 ? "+" : "") + format_value(hours) + " h";
  }

 private:
  io_csv_splitter splitter_;
  std::vector<std::string_view> cells_;
  std::string_view source_;
  std::string_view component_;
  io_mode mode_;
  io::read_options options_;
  io_header header_;
  io::load_report report_;
  std::vector<io_row> rows_;
  std::size_t time_index_ = io_npos;
  bool epoch_first_ = false;
  std::size_t date_text_index_ = io_npos;
  std::array<std::size_t, 6> value_index_{io_npos, io_npos, io_npos, io_npos, io_npos, io_npos};
  timestamp mismatch_first_ = std::numeric_limits<timestamp>::max();
  timestamp mismatch_last_ = std::numeric_limits<timestamp>::min();
  std::int64_t mismatch_offset_ = 0;
  bool mismatch_offsets_vary_ = false;
  timestamp duplicate_first_ = std::numeric_limits<timestamp>::max();
  timestamp duplicate_last_ = std::numeric_limits<timestamp>::min();
  double duplicate_max_difference_ = 0.0;
};

/// The checks that need whole bars: OHLC consistency, flat zero-volume bars, swapped volume
/// columns, bad prints and a possibly incomplete newest bar.
inline void io_check_bars(std::vector<io::price_bar>& bars, const std::vector<io_row>& rows, bool has_volume,
                          bool has_quote_volume, const io::read_options& options, io::load_report& report) {
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
    for (const auto t : inconsistent) text += " " + io_format_utc(t);
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
      const double base = rows[i].values[4];
      const double quote = rows[i].values[5];
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
      std::string text = std::to_string(suspects) + (suspects == 1 ? " suspect bar" : " suspect bars") + " (open, high or low more than " +
                         format_value(options.suspect_ratio) + "x away from the close and the neighbouring prices):";
      for (std::size_t k = 0; k < report.suspect_bars.size() && k < 10; ++k) text += " " + io_format_utc(report.suspect_bars[k]);
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
                                                    const io::read_options& options) {
  io_loader loader(text, source, "read_price_csv", io_mode::prices, "", options);
  io::price_table table;
  const auto& rows = loader.rows();
  table.bars.reserve(rows.size());
  for (const auto& row : rows) {
    table.bars.push_back(io::price_bar{row.time, row.values[0], row.values[1], row.values[2], row.values[3],
                                       loader.has_volume() ? row.values[4] : 0.0});
  }
  loader.describe_common();
  io_check_bars(table.bars, rows, loader.has_volume(), loader.has_quote_volume(), options, loader.report());
  if (!loader.has_volume()) loader.report().anomalies.push_back("no volume column: volumes set to 0");
  table.report = std::move(loader.report());
  return table;
}

[[nodiscard]] inline io::column_table io_read_column(std::string_view text, std::string_view source,
                                                     std::string_view column, const io::read_options& options) {
  io_loader loader(text, source, "read_column_csv", io_mode::column, column, options);
  io::column_table table;
  const auto& rows = loader.rows();
  table.values.reserve(rows.size());
  if (loader.has_time()) table.times.reserve(rows.size());
  for (const auto& row : rows) {
    table.values.push_back(row.values[0]);
    if (loader.has_time()) table.times.push_back(row.time);
  }
  loader.describe_common();
  table.report = std::move(loader.report());
  return table;
}

}  // namespace dynmargin::detail

namespace dynmargin::io {

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
[[nodiscard]] inline price_table read_price_csv_text(std::string_view text, const read_options& options = {},
                                                     std::string_view source = "<text>") {
  return detail::io_read_prices(text, source, options);
}

/// @brief OHLCV bars from a CSV file, oldest first, with the load report.
/// @throws dynmargin::invalid_argument for a missing or empty file, a missing open/high/low/close
///         column, text where a number should be, a wrong number of cells, a non-finite or
///         non-positive price, or an unreadable time; the message names file, line and column.
[[nodiscard]] inline price_table read_price_csv(const std::string& path, const read_options& options = {}) {
  return detail::io_read_prices(detail::io_read_file(path, "read_price_csv"), path, options);
}

/// @brief One numeric column from CSV text in memory.
/// @param column the column name (exact, or a unique case-insensitive match).
/// @throws dynmargin::invalid_argument as `read_column_csv`.
[[nodiscard]] inline column_table read_column_csv_text(std::string_view text, const std::string& column,
                                                       const read_options& options = {},
                                                       std::string_view source = "<text>") {
  return detail::io_read_column(text, source, column, options);
}

/// @brief One numeric column of a CSV file; with a time column the rows are sorted oldest
///        first and de-duplicated as `read_price_csv` does, and `times` is filled.
/// @throws dynmargin::invalid_argument for a missing or empty file, a missing column (the
///         message lists the columns), a cell that is not a finite number, a wrong number of
///         cells or an unreadable time.
[[nodiscard]] inline column_table read_column_csv(const std::string& path, const std::string& column,
                                                  const read_options& options = {}) {
  return detail::io_read_column(detail::io_read_file(path, "read_column_csv"), path, column, options);
}

}  // namespace dynmargin::io
