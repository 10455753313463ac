// SPDX-License-Identifier: MIT
// Input reading shared by the subcommands: one rule for what `--input FILE [--column NAME]
// [--prices]` means, so that `fit`, `vol`, `var`, `margin` and `backtest` read data alike.
//
//  - a recognised price file (Yahoo, CryptoDataDownload, Binance, any OHLC header) and no
//    column: the close prices become percent log returns 100 * ln(P_t / P_{t-1});
//  - a column and `prices`: the column holds prices, which become percent log returns;
//  - a column and not `prices`: the column holds returns, used as they are;
//  - no column and not a price file: the column `r` (the reference files' returns), else an
//    error listing the columns.
// Returns carry the time and line of the later price. Files are read by dynmargin::io with one
// order policy for every subcommand (input_order): oldest first, or wholly newest first (read
// in reverse); rows in no time order and repeated times are errors naming the line, unless
// --sort / --dedupe, which say on standard error what they did.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#if __has_include(<unistd.h>)
#include <unistd.h>
#endif

#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/returns.hpp"
#include "dynmargin/core/spacing.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/io/io.hpp"
#include "dynmargin/runtime/enum_names.hpp"

namespace dynmargin_cli {

/// A series for the models: returns (percent) with their times, and the prices they came from.
struct input_series {
  std::vector<dynmargin::timestamp_us> times;        // time of each value (empty when the file has no time column)
  std::vector<double> values;                        // returns, percent when computed from prices
  std::vector<double> prices;                        // the prices (values.size() + 1 of them) when from_prices
  std::string column;                                // the column read ("close" for a price file)
  bool from_prices = false;                          // values were computed from prices
  std::vector<dynmargin::timestamp_us> price_times;  // time of each price (empty without a time column)
  std::vector<std::size_t> lines;                    // the input line of each value (of the later price)
  std::vector<std::size_t> price_lines;              // the input line of each price
  dynmargin::io::load_report report;                 // what the reader found
};

/// Prices with their times, oldest first.
struct price_series {
  std::vector<dynmargin::timestamp_us> times;  // empty when the file has no time column (microseconds: tick files)
  std::vector<double> prices;
  std::vector<std::size_t> lines;  // the input line of each price
  std::string column;
  dynmargin::io::load_report report;
};

/// The order policy of every subcommand that reads data: `--sort` and `--dedupe`.
struct input_order {
  bool sort = false;     // sort rows in no time order instead of refusing them
  bool dedupe = false;   // keep one row per repeated time instead of refusing them
  bool announce = true;  // say on standard error what sorting and de-duplication did

  /// Adds `--sort` and `--dedupe` to a subcommand.
  void add_flags(CLI::App* sub) {
    sub->add_flag("--sort", sort,
                  "Sort rows that are in no time order (default: refuse them, naming the first such line); a file "
                  "wholly newest first is always read in reverse");
    sub->add_flag("--dedupe", dedupe,
                  "Keep one row per repeated time: the millisecond-unix (newer export) row, else the first in the "
                  "file (default: refuse, naming both lines)");
  }
  /// The reader options these flags mean.
  [[nodiscard]] dynmargin::io::read_csv_config config() const {
    dynmargin::io::read_csv_config out;
    out.unsorted = sort ? dynmargin::io::unsorted_rule::sort : dynmargin::io::unsorted_rule::reject;
    out.duplicates = dedupe ? dynmargin::io::duplicate_rule::prefer_newer_export
                            : dynmargin::io::duplicate_rule::reject;
    return out;
  }
};

/// The 1-based input line as text for the `row` column ("" for none).
inline std::string line_text(const std::vector<std::size_t>& lines, std::size_t i) {
  return i < lines.size() ? std::to_string(lines[i]) : std::string{};
}

/// ISO 8601 UTC for the `time` column ("" without times), to the microsecond when it has one.
inline std::string iso_time(const std::vector<dynmargin::timestamp_us>& times, std::size_t i) {
  return i < times.size() ? dynmargin::io::format_utc(times[i]) : std::string{};
}

namespace input_support {
/// Says on standard error what --sort and --dedupe did (nothing when they did nothing).
inline void describe_order(std::string_view command, const dynmargin::io::load_report& report, bool announce) {
  if (!announce) return;
  if (report.file_order == "unsorted") {
    std::cerr << command << ": --sort: " << report.rows_read << " rows of " << report.path
              << " were in no time order (first at line " << report.first_unsorted_line << "); sorted oldest first\n";
  }
  if (report.duplicates_resolved > 0) {
    std::cerr << command << ": --dedupe: dropped " << report.duplicates_resolved << " rows of " << report.path
              << " that repeated a time (kept the millisecond-unix row, else the first in the file); the copies "
                 "differed by up to "
              << report.duplicate_max_difference * 100.0 << "%\n";
  }
}

/// Reads through `read`, adding to an order error the flag that relaxes it.
template <class Read>
auto read_with_hint(Read read) -> decltype(read()) {
  try {
    return read();
  } catch (const dynmargin::invalid_argument& e) {
    const std::string_view text = e.what();
    if (text.find("unsorted rows are rejected by the read options") != std::string_view::npos) {
      throw dynmargin::invalid_argument(std::string(text) + "; add --sort to sort them");
    }
    if (text.find("duplicated times are rejected by the read options") != std::string_view::npos) {
      throw dynmargin::invalid_argument(std::string(text) + "; add --dedupe to keep one row per time");
    }
    throw;
  }
}
}  // namespace input_support

/// `--input -`: standard input, copied once into a temporary file that is removed at exit,
/// which the readers then read as any file (they need to look at the header before choosing
/// a layout). Any other text is a path and returned as it is.
inline std::string input_path(const std::string& text) {
  if (text != "-") return text;
  struct stdin_copy {
    std::filesystem::path path;
    stdin_copy() = default;
    stdin_copy(const stdin_copy&) = delete;
    stdin_copy& operator=(const stdin_copy&) = delete;
    ~stdin_copy() {
      std::error_code ignored;
      if (!path.empty()) std::filesystem::remove(path, ignored);
    }
  };
  static stdin_copy copy;
  if (copy.path.empty()) {
    std::random_device entropy;
    copy.path = std::filesystem::temp_directory_path() /
                ("dynmargin-stdin-" + std::to_string(entropy()) + std::to_string(entropy()) + ".csv");
    std::ofstream out(copy.path, std::ios::binary);
    out << std::cin.rdbuf();
    if (!out) throw dynmargin::invalid_argument("--input -: cannot copy standard input to " + copy.path.string());
  }
  return copy.path.string();
}

/// Shortest text that reads back to the same double (std::to_chars), for CSV output.
inline std::string format_double(double value) {
  std::array<char, 64> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec != std::errc{}) return "nan";
  return std::string(buffer.data(), end);
}

/// True when standard error is a terminal (progress is shown there, never in a file or pipe).
inline bool stderr_is_terminal() {
#if __has_include(<unistd.h>)
  return ::isatty(STDERR_FILENO) == 1;
#else
  return false;
#endif
}

/// CSV output written to standard output through one fixed buffer: memory does not grow with
/// the rows, and nothing is formatted twice. Numbers are the shortest text that reads back to
/// the same double. A run that fails part-way leaves the rows written so far on standard
/// output and exits non-zero.
class csv_writer {
 public:
  csv_writer() { buffer_.reserve(capacity); }
  csv_writer(const csv_writer&) = delete;
  csv_writer& operator=(const csv_writer&) = delete;
  ~csv_writer() = default;

  csv_writer& text(std::string_view piece) {
    if (buffer_.size() + piece.size() > capacity) flush();
    buffer_.append(piece);
    return *this;
  }
  csv_writer& put(char c) {
    if (buffer_.size() + 1 > capacity) flush();
    buffer_.push_back(c);
    return *this;
  }
  csv_writer& number(double value) {
    std::array<char, 32> digits{};
    const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    return text(ec == std::errc{} ? std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data()))
                                  : std::string_view("nan"));
  }
  /// The last number written to one column and its text: a rolling order statistic and the
  /// tail mean beside it repeat from row to row until the tail changes, so the text is reused
  /// (the shortest round-trip formatting was the largest cost of writing `var`'s output).
  struct column_memo {
    std::uint64_t bits = 0;
    bool filled = false;
    std::array<char, 32> digits{};
    std::size_t size = 0;
  };
  /// `number(value)` for a column whose values often repeat (same text, bit for bit).
  csv_writer& number(double value, column_memo& memo) {
    const auto bits = std::bit_cast<std::uint64_t>(value);
    if (!memo.filled || memo.bits != bits) {
      const auto [end, ec] = std::to_chars(memo.digits.data(), memo.digits.data() + memo.digits.size(), value);
      if (ec != std::errc{}) return text("nan");
      memo.size = static_cast<std::size_t>(end - memo.digits.data());
      memo.bits = bits;
      memo.filled = true;
    }
    return text(std::string_view(memo.digits.data(), memo.size));
  }
  csv_writer& integer(std::uint64_t value) {
    std::array<char, 24> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    return text(std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data())));
  }
  /// The ISO 8601 UTC text of `t`, as dynmargin::io::format_utc writes it. Rows of one day
  /// share the date, so it is formatted once per day; whole seconds of a day are written
  /// directly, anything else (a fraction, a year outside 0000..9999) by format_utc.
  csv_writer& utc(dynmargin::timestamp_us t) {
    constexpr std::int64_t day_us = std::int64_t{86'400} * 1'000'000;
    const std::int64_t us = dynmargin::epoch_microseconds(t);
    const std::int64_t day = (us >= 0 ? us : us - (day_us - 1)) / day_us;
    const std::int64_t of_day = us - day * day_us;
    if (of_day % 1'000'000 != 0) return text(dynmargin::io::format_utc(t));
    if (!has_day_ || day != day_) {
      const std::string start = dynmargin::io::format_utc(
          dynmargin::timestamp_us{std::chrono::microseconds{day * day_us}});
      has_day_ = start.size() == 20 && start[10] == 'T';  // YYYY-MM-DDT00:00:00Z
      if (!has_day_) return text(dynmargin::io::format_utc(t));
      day_ = day;
      start.copy(date_.data(), 11);
    }
    const std::int64_t seconds = of_day / 1'000'000;
    std::array<char, 20> out{};
    std::copy(date_.begin(), date_.end(), out.begin());
    const auto two = [&](std::size_t at, std::int64_t value) {
      out[at] = static_cast<char>('0' + value / 10);
      out[at + 1] = static_cast<char>('0' + value % 10);
    };
    two(11, seconds / 3600);
    out[13] = ':';
    two(14, seconds / 60 % 60);
    out[16] = ':';
    two(17, seconds % 60);
    out[19] = 'Z';
    return text(std::string_view(out.data(), out.size()));
  }
  /// Hands the buffered text to standard output.
  void flush() {
    std::cout.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

 private:
  static constexpr std::size_t capacity = std::size_t{1} << 16;
  std::string buffer_;
  std::array<char, 11> date_{};  // "YYYY-MM-DDT" of day_
  std::int64_t day_ = 0;
  bool has_day_ = false;
};

/// The column names of a file, comma separated, for error messages; a single column holding
/// semicolons gets a hint that the file is not comma separated.
inline std::string describe_columns(const std::vector<std::string>& columns) {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i != 0) out += ", ";
    out += dynmargin::printable_text(columns[i]);
  }
  if (columns.size() == 1 && columns.front().find(';') != std::string::npos) {
    out +=
        "; the header holds semicolons: the file looks semicolon-separated, and dynmargin reads "
        "comma-separated files (convert it, e.g. tr ';' ',')";
  }
  return out;
}

/// A flag that takes a count of rows ("500", its meaning before durations) or a span of time
/// ("30d", "24h", "90s", "250ms"). A span becomes rows of the input's usual spacing (the load
/// report's modal step), or bars of `bar` when the run samples the input into bars. Refused,
/// naming the flag and the text: a negative count, a span that is not a whole number of rows,
/// and a span on input without times. A span over a feed with gaps or irregular spacings is
/// converted with the usual spacing and said so on standard error, since its windows then
/// cover more time than the span.
/// @param minimum the smallest count accepted.
inline std::int64_t rows_from_flag(std::string_view command, std::string_view flag, const std::string& text,
                                   const dynmargin::io::load_report& report, std::int64_t minimum = 0,
                                   std::optional<dynmargin::duration> bar = std::nullopt) {
  dynmargin::series_spacing spacing;
  spacing.has_times = report.has_times;
  spacing.step_microseconds = report.step_microseconds;
  spacing.gaps = report.gaps;
  spacing.missing_steps = report.missing_steps;
  spacing.irregular_spacings = report.irregular_spacings;
  std::string note;
  const std::int64_t rows = dynmargin::rows_of_count_or_span(command, flag, text, spacing, minimum, bar, &note);
  if (!note.empty()) std::cerr << note << '\n';
  return rows;
}

namespace input_support {
inline void add_returns(input_series& series) {
  // A return carries the line of its later price.
  if (!series.price_lines.empty()) series.lines.assign(series.price_lines.begin() + 1, series.price_lines.end());
  if (series.price_times.empty()) {
    series.values = dynmargin::returns_from_prices(series.prices);
    return;
  }
  const auto returns = dynmargin::returns_from_prices(series.price_times, series.prices);
  series.values.reserve(returns.size());
  series.times.reserve(returns.size());
  for (const auto& point : returns.points) {
    series.times.push_back(point.time_us);
    series.values.push_back(point.value);
  }
}
}  // namespace input_support

/// Reads a price file under the subcommand's order policy (see the file comment); returns the
/// bars, their input lines and the load report.
inline dynmargin::io::price_table read_price_table(std::string_view command, const std::string& path,
                                                   const input_order& order) {
  auto table = input_support::read_with_hint([&] { return dynmargin::io::read_price_csv(path, order.config()); });
  input_support::describe_order(command, table.report, order.announce);
  return table;
}

/// Reads one column under the subcommand's order policy.
inline dynmargin::io::column_table read_column_table(std::string_view command, const std::string& path,
                                                     const std::string& column, const input_order& order) {
  auto table = input_support::read_with_hint(
      [&] { return dynmargin::io::read_column_csv(path, column, order.config()); });
  input_support::describe_order(command, table.report, order.announce);
  return table;
}

/// The input line of each bar: the line of its last price (`lines` holds one line per price,
/// `last_index` the index of each bar's last price, as dynmargin::bar_series::last_index).
inline std::vector<std::size_t> bar_lines(const std::vector<std::size_t>& lines,
                                          const std::vector<std::size_t>& last_index) {
  std::vector<std::size_t> out;
  out.reserve(last_index.size());
  for (const std::size_t i : last_index) out.push_back(lines[i]);
  return out;
}

/// Reads prices: the close of a price file when `column` is empty, else the named column
/// (a plain file without a column uses `close` or `price` when present).
/// @throws dynmargin::invalid_argument (missing file or column, malformed cells, rows out of
///         order or repeated without --sort / --dedupe).
inline price_series read_prices(std::string_view command, const std::string& path, const std::string& column,
                                const input_order& order) {
  price_series out;
  std::string chosen = column;
  if (chosen.empty()) {
    const auto layout = dynmargin::io::inspect_csv(path);
    if (dynmargin::io::is_price_format(layout.format)) {
      auto table = read_price_table(command, path, order);
      out.times = table.times_us();
      out.prices = table.closes();
      out.lines = std::move(table.lines);
      out.column = "close";
      out.report = std::move(table.report);
      return out;
    }
    for (const auto& name : layout.columns) {
      if (dynmargin::io::equals_ignoring_case(name, "close") || dynmargin::io::equals_ignoring_case(name, "price")) {
        chosen = name;
        break;
      }
    }
    if (chosen.empty()) {
      throw dynmargin::invalid_argument(std::string(command) + ": \"" + path +
                                        "\" is not a price file and has no close or price column; name one with "
                                        "--column (columns: " +
                                        describe_columns(layout.columns) + ")");
    }
  }
  auto table = read_column_table(command, path, chosen, order);
  out.times = std::move(table.times_us);
  out.prices = std::move(table.values);
  out.lines = std::move(table.lines);
  out.column = table.report.value_column;
  out.report = std::move(table.report);
  return out;
}

namespace input_support {
/// True when `values` look like prices rather than returns: every value strictly positive and
/// the typical level (median) more than 20 times the typical change between neighbours
/// (median |x_t - x_{t-1}|). Percent or fractional returns change sign and their changes are
/// as large as the values; a close column of BTC has level ~40,000 and changes ~500.
inline bool looks_like_prices(const std::vector<double>& values) {
  if (values.size() < 10) return false;
  std::vector<double> level;
  std::vector<double> change;
  level.reserve(values.size());
  change.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!(values[i] > 0.0)) return false;
    level.push_back(values[i]);
    if (i > 0) change.push_back(std::abs(values[i] - values[i - 1]));
  }
  const auto median = [](std::vector<double>& v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  const double typical_level = median(level);
  const double typical_change = median(change);
  return typical_level > 20.0 * typical_change;
}
}  // namespace input_support

/// Reads the series the models run on (see the file comment for the rules).
/// A column of returns that looks like prices (input_support::looks_like_prices) is refused,
/// naming --prices, unless `as_returns`: read as returns it gives volatilities in the tens of
/// thousands. `prices` without a column reads the file's close or price column as prices.
/// @throws dynmargin::invalid_argument (missing file or column, malformed cells, a price that
///         is not positive, times that do not increase).
inline input_series read_input(std::string_view command, const std::string& path, const std::string& column,
                               bool prices, bool as_returns, const input_order& order) {
  input_series out;
  if (column.empty() && prices && !dynmargin::io::is_price_format(dynmargin::io::inspect_csv(path).format)) {
    // --prices without --column: the file's close or price column, as read_prices chooses it.
    const auto series = read_prices(command, path, {}, order);
    out.price_times = series.times;
    out.prices = series.prices;
    out.price_lines = series.lines;
    out.column = series.column;
    out.report = series.report;
    out.from_prices = true;
    input_support::add_returns(out);
    return out;
  }
  if (column.empty()) {
    const auto layout = dynmargin::io::inspect_csv(path);
    if (dynmargin::io::is_price_format(layout.format)) {
      auto table = read_price_table(command, path, order);
      out.price_times = table.times_us();
      out.prices = table.closes();
      out.price_lines = std::move(table.lines);
      out.column = "close";
      out.from_prices = true;
      out.report = std::move(table.report);
      input_support::add_returns(out);
      return out;
    }
    bool has_r = false;
    for (const auto& name : layout.columns) has_r = has_r || name == "r";
    if (!has_r) {
      throw dynmargin::invalid_argument(std::string(command) + ": \"" + path +
                                        "\" is not a price file (Yahoo, CryptoDataDownload, Binance) and has no "
                                        "column \"r\"; name the column with --column (columns: " +
                                        describe_columns(layout.columns) + ")");
    }
    auto table = read_column_table(command, path, "r", order);
    out.times = std::move(table.times_us);
    out.values = std::move(table.values);
    out.lines = std::move(table.lines);
    out.column = "r";
    out.report = std::move(table.report);
    return out;
  }
  auto table = read_column_table(command, path, column, order);
  out.column = table.report.value_column;
  out.report = std::move(table.report);
  if (prices) {
    out.price_times = std::move(table.times_us);
    out.prices = std::move(table.values);
    out.price_lines = std::move(table.lines);
    out.from_prices = true;
    input_support::add_returns(out);
  } else {
    out.times = std::move(table.times_us);
    out.values = std::move(table.values);
    out.lines = std::move(table.lines);
    if (!as_returns && input_support::looks_like_prices(out.values)) {
      throw dynmargin::invalid_argument(
          std::string(command) + ": column \"" + out.column + "\" of \"" + path +
          "\" looks like prices, not returns (every value positive, its level more than 20 times its typical "
          "change); add --prices to take log returns of it, or --as-returns if it really holds returns");
    }
  }
  return out;
}

}  // namespace dynmargin_cli
