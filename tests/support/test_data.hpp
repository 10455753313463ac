// SPDX-License-Identifier: MIT
// Paths to the data shipped in the repository (never a folder outside it): the CMake build passes the
// folders as compile definitions.
#pragma once

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#ifndef DYNMARGIN_TEST_DATA_DIR
#error "DYNMARGIN_TEST_DATA_DIR must be defined by the build"
#endif
#ifndef DYNMARGIN_EXAMPLE_DATA_DIR
#error "DYNMARGIN_EXAMPLE_DATA_DIR must be defined by the build"
#endif

namespace dmtest {

/// `directory/name`. (Appended in place: GCC 12 warns falsely, -Warray-bounds, about
/// `std::string(...) + "/"` once the test headers are precompiled, GCC PR 105651.)
inline std::string join_path(std::string_view directory, const std::string& name) {
  std::string path(directory);
  path += '/';
  path += name;
  return path;
}
/// A file under tests/data (reference values).
inline std::string reference_path(const std::string& name) { return join_path(DYNMARGIN_TEST_DATA_DIR, name); }
/// A file under examples/data (the market data shipped with the demo).
inline std::string market_path(const std::string& name) { return join_path(DYNMARGIN_EXAMPLE_DATA_DIR, name); }

/// Reads a simple numeric CSV with a header line into columns by name.
struct csv_table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  [[nodiscard]] std::size_t column(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw std::runtime_error("test csv: no column " + name);
  }
  [[nodiscard]] std::vector<double> numbers(const std::string& name) const {
    const std::size_t c = column(name);
    std::vector<double> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back(std::stod(row.at(c)));
    return out;
  }
};

inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (char ch : line) {
    if (ch == '"') {
      quoted = !quoted;
    } else if (ch == ',' && !quoted) {
      cells.push_back(cell);
      cell.clear();
    } else if (ch != '\r') {
      cell.push_back(ch);
    }
  }
  cells.push_back(cell);
  return cells;
}

inline csv_table read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("test csv: cannot open " + path);
  csv_table table;
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error("test csv: empty " + path);
  table.header = split_csv_line(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    table.rows.push_back(split_csv_line(line));
  }
  return table;
}

/// The percent returns of column `column` of a file under tests/data, as fractions
/// (1.5 -> 0.015): the unit the margin function works in.
inline std::vector<double> reference_returns_as_fractions(const std::string& name, const std::string& column = "r") {
  std::vector<double> r = read_csv(reference_path(name)).numbers(column);
  for (double& x : r) x /= 100.0;
  return r;
}

/// The percent log returns of `returns_<dataset>.csv` (tests/data), column "r", as stored.
inline std::vector<double> reference_returns(const std::string& dataset) {
  return read_csv(reference_path("returns_" + dataset + ".csv")).numbers("r");
}

/// A price path from the BTC hourly reference returns (percent log returns), starting at 100.
inline std::vector<double> btc_hourly_prices() {
  const std::vector<double> r = reference_returns("btc_usd_1h");
  std::vector<double> prices{100.0};
  prices.reserve(r.size() + 1);
  for (const double x : r) prices.push_back(prices.back() * std::exp(x / 100.0));
  return prices;
}

}  // namespace dmtest
