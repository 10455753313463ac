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
// Returns carry the time of the later price. Files are read by dynmargin::io, so rows are
// oldest first and duplicates resolved as its load report says.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/returns.hpp"
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
  dynmargin::io::load_report report;                 // what the reader found
};

/// Prices with their times, oldest first.
struct price_series {
  std::vector<dynmargin::timestamp_us> times;  // empty when the file has no time column (microseconds: tick files)
  std::vector<double> prices;
  std::string column;
  dynmargin::io::load_report report;
};

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
  const std::string quoted = "\"" + text + "\"";
  std::int64_t count = 0;
  const char* const first = text.data();
  const char* const last = text.data() + text.size();
  if (const auto [ptr, ec] = std::from_chars(first, last, count); ec == std::errc{} && ptr == last) {
    if (count < minimum) {
      dynmargin::throw_invalid_argument(command, flag, "must be at least " + std::to_string(minimum), text);
    }
    return count;
  }
  if (!dynmargin::looks_like_duration(text)) {
    dynmargin::throw_invalid_argument(command, flag,
                                      "must be a count of rows or a span of time such as \"30d\" or \"24h\"", quoted);
  }
  const dynmargin::duration span = dynmargin::parse_duration(text, command, flag);
  std::int64_t step = 0;
  std::string step_name;
  if (bar) {
    step = bar->count();
    step_name = "bars of " + dynmargin::format_duration(*bar);
  } else {
    if (!report.has_times || report.step_microseconds <= 0) {
      dynmargin::throw_invalid_argument(command, flag,
                                        "is a span of time, but the input has no times to measure it with; give a "
                                        "count of rows",
                                        quoted);
    }
    step = report.step_microseconds;
    step_name = "rows of the input's spacing of " + dynmargin::format_duration(dynmargin::duration{step});
  }
  if (span.count() % step != 0) {
    dynmargin::throw_invalid_argument(command, flag, "must be a whole number of " + step_name, quoted);
  }
  const std::int64_t rows = span.count() / step;
  if (rows < minimum) {
    dynmargin::throw_invalid_argument(command, flag,
                                      "must be at least " + std::to_string(minimum) + " " + step_name + ", got " +
                                          std::to_string(rows) + " from",
                                      quoted);
  }
  if (!bar && (report.gaps > 0 || report.irregular_spacings > 0)) {
    std::cerr << command << ": " << flag << " " << text << " counts " << rows << " " << step_name << "; the input has "
              << report.gaps << " gaps and " << report.irregular_spacings
              << " irregular spacings, so a window across them covers more time\n";
  }
  return rows;
}

namespace input_support {
inline void add_returns(input_series& series) {
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

/// Reads prices: the close of a price file when `column` is empty, else the named column
/// (a plain file without a column uses `close` or `price` when present).
/// @throws dynmargin::invalid_argument (missing file or column, malformed cells).
inline price_series read_prices(const std::string& path, const std::string& column = {}) {
  price_series out;
  std::string chosen = column;
  if (chosen.empty()) {
    const auto layout = dynmargin::io::inspect_csv(path);
    if (dynmargin::io::is_price_format(layout.format)) {
      auto table = dynmargin::io::read_price_csv(path);
      out.times = table.times_us();
      out.prices = table.closes();
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
      throw dynmargin::invalid_argument("read_prices: \"" + path +
                                        "\" is not a price file and has no close or price column; name one with "
                                        "--column (columns: " +
                                        describe_columns(layout.columns) + ")");
    }
  }
  auto table = dynmargin::io::read_column_csv(path, chosen);
  out.times = std::move(table.times_us);
  out.prices = std::move(table.values);
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
inline input_series read_input(const std::string& path, const std::string& column = {}, bool prices = false,
                               bool as_returns = false) {
  input_series out;
  if (column.empty() && prices && !dynmargin::io::is_price_format(dynmargin::io::inspect_csv(path).format)) {
    // --prices without --column: the file's close or price column, as read_prices chooses it.
    const auto series = read_prices(path);
    out.price_times = series.times;
    out.prices = series.prices;
    out.column = series.column;
    out.report = series.report;
    out.from_prices = true;
    input_support::add_returns(out);
    return out;
  }
  if (column.empty()) {
    const auto layout = dynmargin::io::inspect_csv(path);
    if (dynmargin::io::is_price_format(layout.format)) {
      auto table = dynmargin::io::read_price_csv(path);
      out.price_times = table.times_us();
      out.prices = table.closes();
      out.column = "close";
      out.from_prices = true;
      out.report = std::move(table.report);
      input_support::add_returns(out);
      return out;
    }
    bool has_r = false;
    for (const auto& name : layout.columns) has_r = has_r || name == "r";
    if (!has_r) {
      throw dynmargin::invalid_argument("read_input: \"" + path +
                                        "\" is not a price file (Yahoo, CryptoDataDownload, Binance) and has no "
                                        "column \"r\"; name the column with --column (columns: " +
                                        describe_columns(layout.columns) + ")");
    }
    auto table = dynmargin::io::read_column_csv(path, "r");
    out.times = std::move(table.times_us);
    out.values = std::move(table.values);
    out.column = "r";
    out.report = std::move(table.report);
    return out;
  }
  auto table = dynmargin::io::read_column_csv(path, column);
  out.column = table.report.value_column;
  out.report = std::move(table.report);
  if (prices) {
    out.price_times = std::move(table.times_us);
    out.prices = std::move(table.values);
    out.from_prices = true;
    input_support::add_returns(out);
  } else {
    out.times = std::move(table.times_us);
    out.values = std::move(table.values);
    if (!as_returns && input_support::looks_like_prices(out.values)) {
      throw dynmargin::invalid_argument(
          "read_input: column \"" + out.column + "\" of \"" + path +
          "\" looks like prices, not returns (every value positive, its level more than 20 times its typical "
          "change); add --prices to take log returns of it, or --as-returns if it really holds returns");
    }
  }
  return out;
}

}  // namespace dynmargin_cli
