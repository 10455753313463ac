// SPDX-License-Identifier: MIT
/// @file
/// @brief Low-level text handling for the CSV readers in `dynmargin/io/`: splitting records
///        (RFC 4180 quoting, CRLF, a UTF-8 byte-order mark), numbers through `std::from_chars`,
///        and UTC calendar arithmetic for date cells.
///
/// The calendar conversions are Howard Hinnant's `days_from_civil` / `civil_from_days`
/// (proleptic Gregorian, "chrono-Compatible Low-Level Date Algorithms",
/// https://howardhinnant.github.io/date_algorithms.html), so no time zone database is needed:
/// every time in the shipped data is UTC or carries an explicit offset.
// IWYU pragma: private, include "dynmargin/io/csv_reader.hpp"
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "dynmargin/core/types.hpp"

namespace dynmargin::detail {

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil).
[[nodiscard]] constexpr std::int64_t io_days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153U * (month > 2 ? month - 3 : month + 9) + 2U) / 5U + day - 1U;
  const unsigned day_of_era = year_of_era * 365U + year_of_era / 4U - year_of_era / 100U + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

/// A calendar date.
struct io_civil_date {
  std::int64_t year = 1970;
  unsigned month = 1;
  unsigned day = 1;
};

/// Calendar date of a day count since 1970-01-01 (Hinnant's civil_from_days).
[[nodiscard]] constexpr io_civil_date io_civil_from_days(std::int64_t days) noexcept {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era = (day_of_era - day_of_era / 1460U + day_of_era / 36524U - day_of_era / 146096U) / 365U;
  const unsigned day_of_year = day_of_era - (365U * year_of_era + year_of_era / 4U - year_of_era / 100U);
  const unsigned mp = (5U * day_of_year + 2U) / 153U;
  const unsigned day = day_of_year - (153U * mp + 2U) / 5U + 1U;
  const unsigned month = mp < 10U ? mp + 3U : mp - 9U;
  const std::int64_t year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2U ? 1 : 0);
  return io_civil_date{year, month, day};
}

[[nodiscard]] constexpr bool io_is_leap(std::int64_t year) noexcept {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

[[nodiscard]] constexpr unsigned io_days_in_month(std::int64_t year, unsigned month) noexcept {
  constexpr std::array<unsigned, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && io_is_leap(year) ? 29U : days[month - 1];
}

/// "YYYY-MM-DDTHH:MM:SSZ" of an epoch-seconds time; outside +-1e15 s (30 million years,
/// never a market time) the plain number of seconds, so that no arithmetic can overflow.
[[nodiscard]] inline std::string io_format_utc(timestamp t, std::int32_t microsecond = 0) {
  constexpr timestamp limit = 1'000'000'000'000'000;
  if (t > limit || t < -limit) return std::to_string(t);
  const std::int64_t days = (t >= 0 ? t : t - (seconds_per_day - 1)) / seconds_per_day;
  const std::int64_t seconds_of_day = t - days * seconds_per_day;
  const io_civil_date date = io_civil_from_days(days);
  std::array<char, 48> buffer{};
  char* out = buffer.data();
  char* const end = buffer.data() + buffer.size();
  auto put = [&](std::int64_t value, int width) {
    std::array<char, 24> digits{};
    auto [last, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value < 0 ? -value : value);
    const auto length = static_cast<int>(last - digits.data());
    if (value < 0 && out < end) *out++ = '-';
    for (int pad = length; pad < width && out < end; ++pad) *out++ = '0';
    for (const char* c = digits.data(); c != last && out < end; ++c) *out++ = *c;
    static_cast<void>(ec);
  };
  put(date.year, 4);
  *out++ = '-';
  put(date.month, 2);
  *out++ = '-';
  put(date.day, 2);
  *out++ = 'T';
  put(seconds_of_day / 3600, 2);
  *out++ = ':';
  put(seconds_of_day / 60 % 60, 2);
  *out++ = ':';
  put(seconds_of_day % 60, 2);
  if (microsecond > 0 && microsecond < 1'000'000) {  // ".ffffff", trailing zeros dropped
    *out++ = '.';
    std::int32_t digits = microsecond;
    int width = 6;
    while (digits % 10 == 0) {
      digits /= 10;
      --width;
    }
    put(digits, width);
  }
  *out++ = 'Z';
  return std::string(buffer.data(), out);
}

[[nodiscard]] constexpr bool io_is_space(char c) noexcept { return c == ' ' || c == '\t'; }
[[nodiscard]] constexpr bool io_is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
[[nodiscard]] constexpr char io_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] constexpr std::string_view io_trim(std::string_view s) noexcept {
  while (!s.empty() && io_is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && io_is_space(s.back())) s.remove_suffix(1);
  return s;
}

[[nodiscard]] constexpr bool io_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (io_lower(a[i]) != io_lower(b[i])) return false;
  return true;
}

[[nodiscard]] constexpr bool io_istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && io_iequals(s.substr(0, prefix.size()), prefix);
}

[[nodiscard]] inline std::string io_to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = io_lower(c);
  return out;
}

/// A finite or non-finite double from the whole of `text` (a leading '+' is accepted);
/// false when any character is left over or the text is empty.
[[nodiscard]] inline bool io_parse_double(std::string_view text, double& value) noexcept {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  const char* const first = text.data();
  const char* const last = first + text.size();
  const auto [ptr, ec] = std::from_chars(first, last, value, std::chars_format::general);
  return ec == std::errc{} && ptr == last;
}

/// An integer from the whole of `text`.
[[nodiscard]] inline bool io_parse_int(std::string_view text, std::int64_t& value) noexcept {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  const char* const first = text.data();
  const char* const last = first + text.size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  return ec == std::errc{} && ptr == last;
}

/// Units of a numeric epoch time, decided per value by magnitude.
enum class io_epoch_unit : std::uint8_t { seconds, milliseconds };

/// Epoch seconds from a numeric cell: an integer, or a float such as "1502942400.0" (a
/// fraction of a second is truncated). Magnitudes of 1e11 and above are milliseconds (1e11 seconds is
/// the year 5138; 1e11 milliseconds is 1973-03-03), which is how CryptoDataDownload's two
/// export formats are told apart row by row.
[[nodiscard]] inline bool io_parse_epoch(std::string_view text, timestamp& out, io_epoch_unit& unit) noexcept {
  constexpr std::int64_t millisecond_threshold = 100'000'000'000;  // 1e11
  constexpr std::int64_t upper_limit = 100'000'000'000'000;        // 1e14 ms = year 5138
  std::int64_t integer = 0;
  if (!io_parse_int(text, integer)) {
    double value = 0.0;
    if (!io_parse_double(text, value) || !std::isfinite(value) || std::fabs(value) >= 1e14) return false;
    // whole seconds; a fraction (never present in the shipped data) is truncated, and the
    // 1e-6 guards a value such as 1502942399.9999999 written for a whole second
    integer = static_cast<std::int64_t>(std::floor(value + 1e-6));
  }
  if (integer >= upper_limit || integer <= -upper_limit) return false;
  const std::int64_t magnitude = integer < 0 ? -integer : integer;
  if (magnitude >= millisecond_threshold) {
    unit = io_epoch_unit::milliseconds;
    out = (integer >= 0 ? integer : integer - 999) / 1000;
  } else {
    unit = io_epoch_unit::seconds;
    out = integer;
  }
  return true;
}

namespace io_detail {
// Reads exactly `min_digits`..`max_digits` digits; advances `i`.
[[nodiscard]] constexpr bool read_digits(std::string_view s, std::size_t& i, std::size_t min_digits,
                                         std::size_t max_digits, std::int64_t& value) noexcept {
  std::size_t count = 0;
  value = 0;
  while (i < s.size() && count < max_digits && io_is_digit(s[i])) {
    value = value * 10 + (s[i] - '0');
    ++i;
    ++count;
  }
  return count >= min_digits;
}
// "AM"/"PM" (any case) at i; sets pm.
[[nodiscard]] constexpr bool read_meridiem(std::string_view s, std::size_t& i, bool& pm) noexcept {
  if (i + 2 > s.size()) return false;
  const char a = io_lower(s[i]);
  if ((a != 'a' && a != 'p') || io_lower(s[i + 1]) != 'm') return false;
  pm = a == 'p';
  i += 2;
  return true;
}
}  // namespace io_detail

/// Epoch seconds from a UTC date text. Accepted:
///  `YYYY-MM-DD`, then optionally ' ' or 'T' and `HH:MM[:SS[.fff]]` (optionally " AM"/" PM"),
///  or the 12-hour `HH-AM` / `HH-PM` of CryptoDataDownload's old export (12-AM is midnight),
///  then optionally `Z`, ` UTC`, or an offset `+HH:MM` / `-HHMM` / `+HH` (subtracted to get UTC).
/// Fractional seconds are truncated. Returns false on anything else, or an impossible date.
[[nodiscard]] inline bool io_parse_date_time(std::string_view s, timestamp& out,
                                             std::int64_t* microseconds = nullptr) noexcept {
  using io_detail::read_digits;
  if (microseconds != nullptr) *microseconds = 0;
  s = io_trim(s);
  std::size_t i = 0;
  std::int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(s, i, 4, 4, year) || i >= s.size() || (s[i] != '-' && s[i] != '/')) return false;
  const char date_separator = s[i++];
  if (!read_digits(s, i, 1, 2, month) || i >= s.size() || s[i] != date_separator) return false;
  ++i;
  if (!read_digits(s, i, 1, 2, day)) return false;
  if (month < 1 || month > 12 || day < 1 ||
      day > static_cast<std::int64_t>(io_days_in_month(year, static_cast<unsigned>(month))))
    return false;
  if (i < s.size() && (s[i] == ' ' || s[i] == 'T' || s[i] == 't')) {
    ++i;
    if (!read_digits(s, i, 1, 2, hour)) return false;
    bool twelve_hour = false;
    bool pm = false;
    if (i < s.size() && s[i] == '-' && i + 1 < s.size() && !io_is_digit(s[i + 1])) {
      ++i;
      if (!io_detail::read_meridiem(s, i, pm)) return false;
      twelve_hour = true;
    } else {
      if (i >= s.size() || s[i] != ':') return false;
      ++i;
      if (!read_digits(s, i, 2, 2, minute)) return false;
      if (i < s.size() && s[i] == ':') {
        ++i;
        if (!read_digits(s, i, 2, 2, second)) return false;
        if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
          ++i;
          std::int64_t fraction = 0;
          const std::size_t fraction_start = i;
          if (!read_digits(s, i, 1, 18, fraction)) return false;
          if (microseconds != nullptr) {
            // the first six digits are microseconds; a nonzero digit beyond them is refused,
            // because rounding it would merge or reorder distinct prints
            for (std::size_t k = fraction_start; k < fraction_start + 6; ++k)
              *microseconds = *microseconds * 10 + (k < i ? s[k] - '0' : 0);
            for (std::size_t k = fraction_start + 6; k < i; ++k)
              if (s[k] != '0') return false;
          }
        }
      }
      std::size_t j = i;
      while (j < s.size() && s[j] == ' ') ++j;
      if (j < s.size() && io_detail::read_meridiem(s, j, pm)) {
        i = j;
        twelve_hour = true;
      }
    }
    if (twelve_hour) {
      if (hour < 1 || hour > 12) return false;
      hour = hour % 12 + (pm ? 12 : 0);
    }
    if (hour > 23 || minute > 59 || second > 59) return false;
  }
  std::int64_t offset_seconds = 0;
  if (i < s.size()) {
    std::string_view rest = io_trim(s.substr(i));
    if (rest == "Z" || rest == "z" || io_iequals(rest, "UTC") || io_iequals(rest, "GMT")) {
      // UTC: no offset.
    } else if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
      const bool negative = rest.front() == '-';
      std::size_t k = 1;
      std::int64_t offset_hours = 0, offset_minutes = 0;
      if (!read_digits(rest, k, 2, 2, offset_hours)) return false;
      if (k < rest.size() && rest[k] == ':') ++k;
      if (k < rest.size() && !read_digits(rest, k, 2, 2, offset_minutes)) return false;
      if (k != rest.size() || offset_hours > 18 || offset_minutes > 59) return false;
      offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (negative ? -1 : 1);
    } else {
      return false;
    }
  }
  out = io_days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * seconds_per_day +
        hour * 3600 + minute * 60 + second - offset_seconds;
  return true;
}

/// Epoch microseconds from a numeric cell written as `[-]digits[.digits]`, exactly (no double
/// in between): seconds, or milliseconds from 1e11 up as in `io_parse_epoch`; a fraction finer
/// than a microsecond must be zeros. Other forms (exponents) go through `io_parse_epoch`.
[[nodiscard]] inline bool io_parse_epoch_us(std::string_view text, std::int64_t& out) noexcept {
  constexpr std::int64_t millisecond_threshold = 100'000'000'000;  // 1e11
  constexpr std::int64_t upper_limit = 100'000'000'000'000;        // 1e14 ms = year 5138
  const std::size_t dot = text.find('.');
  std::int64_t integer = 0;
  const std::string_view whole = text.substr(0, dot);
  const bool digits_only = !whole.empty() &&
                           std::all_of(whole.begin() + ((whole.front() == '-' || whole.front() == '+') ? 1 : 0),
                                       whole.end(), [](char c) { return io_is_digit(c); });
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  const bool fraction_ok = std::all_of(fraction.begin(), fraction.end(), [](char c) { return io_is_digit(c); }) &&
                           (dot == std::string_view::npos || !fraction.empty());
  if (!digits_only || !fraction_ok || !io_parse_int(whole, integer)) {
    timestamp seconds = 0;
    io_epoch_unit unit{};
    if (!io_parse_epoch(text, seconds, unit)) return false;
    out = seconds * 1'000'000;
    return true;
  }
  if (integer >= upper_limit || integer <= -upper_limit) return false;
  const bool negative = whole.front() == '-';
  const std::int64_t magnitude = integer < 0 ? -integer : integer;
  const bool milliseconds = magnitude >= millisecond_threshold;
  const std::size_t digits = milliseconds ? 3 : 6;  // fraction digits that make microseconds
  std::int64_t part = 0;
  for (std::size_t k = 0; k < digits; ++k) part = part * 10 + (k < fraction.size() ? fraction[k] - '0' : 0);
  for (std::size_t k = digits; k < fraction.size(); ++k)
    if (fraction[k] != '0') return false;
  const std::int64_t scale = milliseconds ? 1'000 : 1'000'000;
  out = magnitude * scale + part;
  if (negative) out = -out;
  return true;
}

/// Splits CSV text into records of cells (RFC 4180): cells separated by ',', records by
/// "\n", "\r\n" or "\r"; a cell that starts with '"' runs to the matching quote, may hold
/// commas and line breaks, and writes a quote as "". Unquoted cells are trimmed of spaces
/// and tabs. A UTF-8 byte-order mark at the start is skipped. Cells are views into the text
/// or into the splitter's own storage (quoted cells with escapes), valid until the next call.
class io_csv_splitter {
 public:
  explicit io_csv_splitter(std::string_view text) noexcept : text_(text) {
    if (text_.size() >= 3 && text_.substr(0, 3) == "\xEF\xBB\xBF") position_ = 3;
  }

  /// Reads the next record into `cells`; `line` is the 1-based line where it starts.
  /// Returns false at the end of the text. `quoted` tells whether any cell was quoted.
  bool next(std::vector<std::string_view>& cells, std::size_t& line) {
    cells.clear();
    unescaped_.clear();
    if (position_ >= text_.size()) return false;
    line = line_;
    const std::size_t size = text_.size();
    while (true) {
      // one cell
      std::size_t i = position_;
      while (i < size && io_is_space(text_[i])) ++i;
      if (i < size && text_[i] == '"') {
        ++i;
        const std::size_t start = i;
        bool escaped = false;
        std::size_t close = std::string_view::npos;
        while (i < size) {
          const char c = text_[i];
          if (c == '"') {
            if (i + 1 < size && text_[i + 1] == '"') {
              escaped = true;
              i += 2;
              continue;
            }
            close = i;
            break;
          }
          if (c == '\n' || (c == '\r' && (i + 1 >= size || text_[i + 1] != '\n'))) ++line_;
          ++i;
        }
        const std::size_t stop = close == std::string_view::npos ? size : close;
        std::string_view cell = text_.substr(start, stop - start);
        if (escaped) {
          std::string& storage = unescaped_.emplace_back();
          storage.reserve(cell.size());
          for (std::size_t k = 0; k < cell.size(); ++k) {
            storage.push_back(cell[k]);
            if (cell[k] == '"' && k + 1 < cell.size() && cell[k + 1] == '"') ++k;
          }
          cell = storage;
        }
        cells.push_back(cell);
        i = close == std::string_view::npos ? size : close + 1;
        // anything between the closing quote and the separator is ignored except spaces
        while (i < size && text_[i] != ',' && text_[i] != '\n' && text_[i] != '\r') ++i;
      } else {
        const std::size_t start = position_;
        while (i < size && text_[i] != ',' && text_[i] != '\n' && text_[i] != '\r') ++i;
        cells.push_back(io_trim(text_.substr(start, i - start)));
      }
      if (i >= size) {
        position_ = size;
        return true;
      }
      if (text_[i] == ',') {
        position_ = i + 1;
        if (position_ >= size) {  // a trailing comma at the very end: one more empty cell
          cells.emplace_back();
          return true;
        }
        continue;
      }
      // end of record
      if (text_[i] == '\r' && i + 1 < size && text_[i + 1] == '\n') ++i;
      position_ = i + 1;
      ++line_;
      return true;
    }
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
  std::size_t line_ = 1;
  std::deque<std::string> unescaped_;
};

/// True for a record that is a blank line.
[[nodiscard]] inline bool io_is_blank_record(const std::vector<std::string_view>& cells) noexcept {
  return cells.size() == 1 && cells.front().empty();
}

}  // namespace dynmargin::detail
