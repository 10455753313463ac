// SPDX-License-Identifier: MIT
/// @file
/// @brief The loader behind the readers of `dynmargin/io/csv_reader.hpp`: reading a file,
///        the header and its format, rows of times and numbers, sorting, de-duplication,
///        spacing and gaps, and the anomalies common to both readers in the load report.
// IWYU pragma: private, include "dynmargin/io/csv_reader.hpp"
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/spacing.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/io/csv_types.hpp"
#include "dynmargin/io/detail/text.hpp"

// POSIX systems map whole files instead of copying them (io_file_text); elsewhere they are read.
#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define DYNMARGIN_IO_HAS_MMAP 1
#else
#define DYNMARGIN_IO_HAS_MMAP 0
#endif

namespace dynmargin::detail {

inline constexpr std::size_t io_npos = static_cast<std::size_t>(-1);

/// Text from a file as a message may show it: bytes outside printable ASCII become \xHH (a
/// binary file must not put raw bytes on a terminal) and more than 80 bytes are cut with "...".
[[nodiscard]] inline std::string io_printable(std::string_view text) {
  static constexpr std::size_t shown = 80;
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), shown) + 8);
  for (std::size_t i = 0; i < text.size() && i < shown; ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u >= 0x20 && u <= 0x7e) {
      out.push_back(text[i]);
    } else {
      out.append("\\x");
      out.push_back(hex[u >> 4U]);
      out.push_back(hex[u & 0x0fU]);
    }
  }
  if (text.size() > shown) out.append("...");
  return out;
}

[[nodiscard]] inline std::string io_quote(std::string_view text) {
  std::string out = "\"";
  out.append(io_printable(text)).push_back('"');
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
    out.append(io_printable(names[i]));
  }
  return out;
}

[[nodiscard]] inline bool io_is_null(std::string_view cell) noexcept {
  return io_iequals(cell, "null") || io_iequals(cell, "na") || io_iequals(cell, "n/a") || io_iequals(cell, "none");
}

/// The text of a file: a read-only mapping of it where the platform has one, else a copy in
/// a string. It converts to a string_view that stays valid as long as this object lives (the
/// readers' rows keep string_views into it only while it is alive).
class io_file_text {
 public:
  io_file_text() = default;
  explicit io_file_text(std::string copy) noexcept : copy_(std::move(copy)), view_(copy_) {}
  io_file_text(const io_file_text&) = delete;
  io_file_text& operator=(const io_file_text&) = delete;
  io_file_text(io_file_text&& other) noexcept { take(other); }
  io_file_text& operator=(io_file_text&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  ~io_file_text() { release(); }

  [[nodiscard]] std::string_view view() const noexcept { return view_; }
  operator std::string_view() const noexcept { return view_; }  // NOLINT(google-explicit-constructor)

#if DYNMARGIN_IO_HAS_MMAP
  /// Maps `size` bytes of an open file; false (nothing mapped) when mmap refuses. A file
  /// truncated by another process while it is being parsed would raise SIGBUS on POSIX; the
  /// readers parse a file once, right after mapping it, and a file that is being rewritten
  /// could not be read consistently with a copy either.
  bool map(int fd, std::size_t size) noexcept {
    // MAP_POPULATE maps the whole file (already in the page cache) in one call: copying it
    // into a fresh string instead faults in and zero-fills every page of the copy first,
    // which costs more than the parse on machines where a page fault is expensive (VMs).
#if defined(MAP_POPULATE)
    constexpr int flags = MAP_PRIVATE | MAP_POPULATE;
#else
    constexpr int flags = MAP_PRIVATE;
#endif
    void* const address = ::mmap(nullptr, size, PROT_READ, flags, fd, 0);
    if (address == MAP_FAILED) return false;
    mapped_ = address;
    mapped_size_ = size;
    view_ = std::string_view(static_cast<const char*>(address), size);
    return true;
  }
#endif

 private:
  void take(io_file_text& other) noexcept {
    mapped_ = std::exchange(other.mapped_, nullptr);
    mapped_size_ = std::exchange(other.mapped_size_, 0);
    copy_ = std::move(other.copy_);
    // a moved short string does not keep its characters in place: a copy is viewed anew
    view_ = mapped_ != nullptr ? other.view_ : std::string_view(copy_);
    other.view_ = std::string_view();
  }
  void release() noexcept {
#if DYNMARGIN_IO_HAS_MMAP
    if (mapped_ != nullptr) ::munmap(mapped_, mapped_size_);
#endif
    mapped_ = nullptr;
    mapped_size_ = 0;
  }

  void* mapped_ = nullptr;
  std::size_t mapped_size_ = 0;
  std::string copy_;
  std::string_view view_;
};

/// Reads a whole file, or its first `limit` bytes cut after the last complete line.
/// @throws invalid_argument naming the file when it cannot be read.
[[nodiscard]] inline io_file_text io_read_file(const std::string& path, std::string_view component,
                                               std::size_t limit = static_cast<std::size_t>(-1)) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) io_fail(component, path, "", "cannot be opened: no such file");
  if (std::filesystem::is_directory(status)) io_fail(component, path, "", "cannot be opened: it is a directory");
#if DYNMARGIN_IO_HAS_MMAP
  // A whole regular file is mapped rather than copied; a partial read (the header of a large
  // file), a pipe or an empty file takes the copy below.
  if (limit == static_cast<std::size_t>(-1) && std::filesystem::is_regular_file(status)) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) io_fail(component, path, "", "cannot be opened: permission denied or unreadable");
    struct stat info {};
    io_file_text text;
    const bool mapped = ::fstat(fd, &info) == 0 && info.st_size > 0 &&
                        text.map(fd, static_cast<std::size_t>(info.st_size));
    ::close(fd);  // the mapping keeps the file's pages
    if (mapped) return text;
  }
#endif
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
  return io_file_text(std::move(text));
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

/// A row before sorting: its time, line, preference and where its values are. The values
/// live apart (io_loader::values_of), so sorting moves 32 bytes a row and a one-column file
/// does not carry room for six prices in every row.
struct io_row {
  timestamp time = 0;  // whole seconds, rounded towards the past
  std::size_t line = 0;
  std::size_t slot = 0;          // the row's place in the loader's values
  std::int32_t microsecond = 0;  // the sub-second part, 0..999,999
  std::uint8_t rank = 0;         // 1 for millisecond unix (the newer CryptoDataDownload export)
};

enum class io_mode : std::uint8_t { prices, column };

/// Time order of rows, to the microsecond.
[[nodiscard]] inline bool later(const io_row& a, const io_row& b) noexcept {
  return a.time != b.time ? a.time > b.time : a.microsecond > b.microsecond;
}
/// A row's time in epoch microseconds (rows are within +-1e14 ms of the epoch: no overflow).
[[nodiscard]] inline std::int64_t microseconds_of(const io_row& row) noexcept {
  return row.time * microseconds_per_second + row.microsecond;
}

/// Reads, checks, sorts and de-duplicates rows; fills the report except price-only checks.
class io_loader {
 public:
  io_loader(std::string_view text, std::string_view source, std::string_view component, io_mode mode,
            std::string_view column, const io::read_csv_config& options)
      : splitter_(text),
        source_(source),
        component_(component),
        mode_(mode),
        stride_(mode == io_mode::prices ? 6 : 1),
        options_(options) {
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
  [[nodiscard]] const std::vector<io_row>& rows() const noexcept { return rows_; }
  /// A row's values: open, high, low, close, volume, quote volume (prices), or the column value.
  [[nodiscard]] const double* values_of(const io_row& row) const noexcept {
    return values_.data() + row.slot * stride_;
  }
  io::load_report& report() noexcept { return report_; }
  [[nodiscard]] bool has_volume() const noexcept { return value_index_[4] != io_npos; }
  [[nodiscard]] bool has_quote_volume() const noexcept { return value_index_[5] != io_npos; }
  [[nodiscard]] bool has_time() const noexcept { return time_index_ != io_npos; }

 private:
  void choose_time_columns() {
    static constexpr std::array<std::string_view, 7> candidates{"unix", "unix_time", "timestamp", "time",
                                                                "t",    "datetime",  "date"};
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
    if (column.empty())
      io_fail(component_, source_, "", "needs a column name (columns: " + io_join(header_.columns) + ")");
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
    std::int64_t micros = 0;
    // Epoch cells keep their fraction to the microsecond (io_parse_epoch_us reads the digits
    // exactly); a fraction finer than that must be zeros, since rounding it could merge or
    // reorder distinct prints. io_parse_epoch decides the unit and validity.
    auto parse_epoch = [&] {
      if (!io_parse_epoch(cell, row.time, unit)) return false;
      std::int64_t us = 0;
      if (!io_parse_epoch_us(io_trim(cell), us)) {
        bad_cell(line, time_index_, "must not have a nonzero fraction finer than a microsecond", cell);
      }
      row.time = us >= 0 ? us / microseconds_per_second
                         : -((-us + microseconds_per_second - 1) / microseconds_per_second);
      micros = us - row.time * microseconds_per_second;
      return true;
    };
    auto parse_text = [&] {
      if (io_parse_date_time(cell, row.time, &micros)) return true;
      // a date with a fraction finer than a microsecond: refused rather than truncated
      timestamp ignored = 0;
      if (io_parse_date_time(cell, ignored)) {
        bad_cell(line, time_index_, "must not have a nonzero fraction finer than a microsecond", cell);
      }
      return false;
    };
    if (epoch_first_) {
      parsed = epoch = parse_epoch();
      if (!parsed) parsed = parse_text();
    } else {
      parsed = parse_text();
      if (!parsed) parsed = epoch = parse_epoch();
    }
    if (!parsed) {
      bad_cell(line, time_index_, "must be a date (YYYY-MM-DD[ HH:MM:SS[.ffffff]]) or epoch seconds or milliseconds",
               cell);
    }
    row.microsecond = static_cast<std::int32_t>(micros);
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
    // one row per line is an upper bound that avoids reallocations on large files (reserving
    // touches no memory: only the rows written are)
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    rows_.reserve(lines);
    values_.reserve(lines * stride_);
    const std::size_t columns = header_.columns.size();
    std::size_t line = 0;
    while (splitter_.next(cells_, line)) {
      if (io_is_blank_record(cells_)) continue;
      ++report_.rows_read;
      if (cells_.size() != columns) {
        io_fail(component_, source_, io_where(line, ""),
                "must have " + std::to_string(columns) + " cells like the header, got " +
                    std::to_string(cells_.size()));
      }
      io_row row;
      row.line = line;
      if (time_index_ != io_npos) read_time(cells_, line, row);
      row.slot = rows_.size();
      if (mode_ == io_mode::prices) {
        std::array<double, 6> prices{};
        if (!read_prices(cells_, line, prices)) continue;
        values_.insert(values_.end(), prices.begin(), prices.end());
      } else {
        const std::string_view cell = cells_[value_index_[0]];
        if (io_is_null(cell)) {
          ++report_.null_rows_skipped;
          continue;
        }
        const double value = number(cells_, line, value_index_[0]);
        if (!std::isfinite(value)) bad_cell(line, value_index_[0], "must be a finite number", cell);
        values_.push_back(value);
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
  bool read_prices(const std::vector<std::string_view>& cells, std::size_t line, std::array<double, 6>& values) {
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
      values[k] = price;
    }
    for (std::size_t k = 4; k < 6; ++k) {
      const std::size_t index = value_index_[k];
      if (index == io_npos) continue;
      const double volume = number(cells, line, index);
      if (!(std::isfinite(volume) && volume >= 0.0))
        bad_cell(line, index, "must be a finite volume >= 0", cells[index]);
      values[k] = volume;
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
      if (later(rows_[i], rows_[i - 1])) ++ascending;
      if (later(rows_[i - 1], rows_[i])) ++descending;
    }
    report_.file_order = descending == 0 ? "oldest_first" : ascending == 0 ? "newest_first" : "unsorted";
    report_.reordered = descending != 0;
    if (ascending != 0 && descending != 0) {
      std::size_t i = 1;
      while (!later(rows_[i - 1], rows_[i])) ++i;
      report_.first_unsorted_line = rows_[i].line;
      if (options_.unsorted == io::unsorted_rule::reject) {
        io_fail(component_, source_, io_where(rows_[i].line, ""),
                "has the time " + io_format_utc(rows_[i].time, rows_[i].microsecond) + ", earlier than " +
                    io_format_utc(rows_[i - 1].time, rows_[i - 1].microsecond) + " on line " +
                    std::to_string(rows_[i - 1].line) +
                    ": the rows are in no time order (neither oldest nor newest first), and unsorted rows are "
                    "rejected by the read options");
      }
    }
    if (report_.reordered) {
      std::stable_sort(rows_.begin(), rows_.end(), [](const io_row& a, const io_row& b) { return later(b, a); });
    }
    // De-duplicated in place: the kept rows are moved down over the dropped ones (`out` never
    // passes `i`), so no second copy of the rows is allocated and touched.
    std::size_t out = 0;
    const std::size_t compared = mode_ == io_mode::prices ? 3 : 0;  // close, or the value
    for (std::size_t i = 0; i < rows_.size();) {
      std::size_t j = i + 1;
      while (j < rows_.size() && !later(rows_[j], rows_[i])) ++j;
      std::size_t best = i;
      for (std::size_t k = i + 1; k < j; ++k)
        if (rows_[k].rank > rows_[best].rank) best = k;
      if (j - i > 1) {
        if (options_.duplicates == io::duplicate_rule::reject) {
          const std::string name = mode_ == io_mode::prices ? "close " : "value ";
          io_fail(component_, source_, io_where(rows_[i + 1].line, ""),
                  "repeats the time " + io_format_utc(rows_[i].time, rows_[i].microsecond) + " of line " +
                      std::to_string(rows_[i].line) + " (" + name + format_value(values_of(rows_[i + 1])[compared]) +
                      " here, " + format_value(values_of(rows_[i])[compared]) +
                      " there); duplicated times are "
                      "rejected by the read options");
        }
        report_.duplicates_resolved += j - i - 1;
        duplicate_first_ = std::min(duplicate_first_, rows_[i].time);
        duplicate_last_ = std::max(duplicate_last_, rows_[i].time);
        for (std::size_t k = i; k < j; ++k) {
          const double a = values_of(rows_[best])[compared];
          const double b = values_of(rows_[k])[compared];
          if (a != 0.0) duplicate_max_difference_ = std::max(duplicate_max_difference_, std::fabs(b / a - 1.0));
        }
      }
      if (out != best) rows_[out] = rows_[best];
      ++out;
      i = j;
    }
    rows_.resize(out);
    report_.rows_kept = rows_.size();
    report_.duplicate_max_difference = duplicate_max_difference_;
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
    // The step is the most common spacing, in microseconds (core/spacing.hpp).
    const std::size_t steps = rows_.size() - 1;
    const std::int64_t mode = modal_spacing(steps, [this](std::size_t i) {
      return microseconds_of(rows_[i + 1]) - microseconds_of(rows_[i]);
    });
    report_.step_microseconds = mode;
    report_.step_seconds = mode / microseconds_per_second;
    if (mode <= 0) return;  // sorted, deduplicated rows have positive spacings; never divide by it otherwise
    for (std::size_t i = 0; i + 1 < rows_.size(); ++i) {
      const std::int64_t spacing = microseconds_of(rows_[i + 1]) - microseconds_of(rows_[i]);
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
                          " the copies' " +
                          std::string(mode_ == io_mode::prices ? "closes" : "values") + " differ by up to " +
                          percent_text(duplicate_max_difference_));
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
  std::size_t stride_;
  io::read_csv_config options_;
  io_header header_;
  io::load_report report_;
  std::vector<io_row> rows_;
  std::vector<double> values_;  // stride_ values a row, in file order (io_row::slot)
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

}  // namespace dynmargin::detail
