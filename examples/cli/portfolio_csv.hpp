// SPDX-License-Identifier: MIT
// The CSV files of `dynmargin portfolio` (docs/cli.md, "dynmargin portfolio"): INSTRUMENTS.csv,
// POSITIONS.csv and a Deribit option chain, read into the runtime's plain tables
// (dynmargin/runtime/portfolio_run.hpp), which then check what depends on more than one cell.
// A header is required; columns are found by name (order free, extra columns ignored). Every
// error names the file, the 1-based data row (and its line in the file, the header being
// line 1), the column and the value: `instruments.csv row 3 (line 4), column price: must be a
// number, got "abc"`.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/io/io.hpp"
#include "dynmargin/runtime/enum_names.hpp"
#include "dynmargin/runtime/portfolio_run.hpp"

namespace dynmargin_cli::portfolio_csv {

/// A CSV file as text cells: the header and the data rows, each with its line in the file.
struct csv_text {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;  // 1-based line of each data row

  [[nodiscard]] std::string where(std::size_t row) const {
    return path + " row " + std::to_string(row + 1) + " (line " + std::to_string(lines[row]) + ")";
  }
  [[nodiscard]] std::optional<std::size_t> column(std::string_view name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (dynmargin::io::equals_ignoring_case(header[i], name)) return i;
    return std::nullopt;
  }
  [[nodiscard]] std::string columns() const {
    std::string out;
    for (const auto& name : header) out += (out.empty() ? "" : ", ") + dynmargin::printable_text(name);
    return out;
  }
  [[nodiscard]] std::size_t required(std::string_view name, std::string_view what) const {
    const auto at = column(name);
    if (!at)
      throw dynmargin::invalid_argument(path + ": the column \"" + std::string(name) + "\" (" + std::string(what) +
                                        ") is missing (columns: " + columns() + ")");
    return *at;
  }
  // The cell, trimmed; "" when the row is shorter than the header or the column is absent.
  [[nodiscard]] std::string_view cell(std::size_t row, std::optional<std::size_t> col) const {
    if (!col || *col >= rows[row].size()) return {};
    std::string_view text = rows[row][*col];
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
  }
  [[noreturn]] void fail(std::size_t row, std::size_t col, std::string_view what, std::string_view value) const {
    const std::string name = col < header.size() ? header[col] : std::to_string(col + 1);
    throw dynmargin::invalid_argument(where(row) + ", column " + dynmargin::printable_text(name) + ": " +
                                      std::string(what) + ", got \"" + dynmargin::printable_text(value.substr(0, 80)) +
                                      "\"");
  }
  // A number cell (empty: NaN when optional, an error otherwise).
  [[nodiscard]] double number(std::size_t row, std::optional<std::size_t> col, bool optional) const {
    const std::string_view text = cell(row, col);
    if (text.empty()) {
      if (optional || !col) return std::numeric_limits<double>::quiet_NaN();
      fail(row, *col, "must be a number", text);
    }
    double value = 0.0;
    const char* begin = text.data();
    if (*begin == '+') ++begin;
    const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) fail(row, *col, "must be a number", text);
    if (!std::isfinite(value)) fail(row, *col, "must be a finite number", text);
    return value;
  }
};

/// Splits CSV text: commas, double-quoted cells ("" inside is a quote), LF or CRLF line ends, a
/// UTF-8 byte-order mark skipped; blank lines are skipped.
/// @throws dynmargin::invalid_argument for a missing or empty file, an unterminated quote.
inline csv_text read_csv_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw dynmargin::invalid_argument("cannot open \"" + dynmargin::printable_text(path) + "\"");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  csv_text out;
  out.path = path;
  std::size_t at = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  std::size_t line = 1;
  bool have_header = false;
  while (at < text.size()) {
    const std::size_t start_line = line;
    std::vector<std::string> cells(1);
    bool quoted = false;
    for (; at < text.size(); ++at) {
      const char c = text[at];
      if (quoted) {
        if (c == '"') {
          if (at + 1 < text.size() && text[at + 1] == '"') {
            cells.back() += '"';
            ++at;
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n') ++line;
          cells.back() += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        cells.emplace_back();
      } else if (c == '\n') {
        ++at;
        break;
      } else if (c != '\r') {
        cells.back() += c;
      }
    }
    if (quoted)
      throw dynmargin::invalid_argument(path + " line " + std::to_string(start_line) + ": a quoted cell is not closed");
    ++line;
    if (cells.size() == 1 && cells[0].find_first_not_of(" \t") == std::string::npos) continue;  // blank line
    if (!have_header) {
      for (auto& name : cells) {
        while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.erase(name.begin());
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
      }
      out.header = std::move(cells);
      have_header = true;
      continue;
    }
    out.rows.push_back(std::move(cells));
    out.lines.push_back(start_line);
  }
  if (!have_header) throw dynmargin::invalid_argument(path + ": the file is empty (a header is required)");
  return out;
}

/// INSTRUMENTS.csv: instrument,underlying,kind,contract_size,price[,option_type,strike,expiry,
/// volatility][,spot].
inline dynmargin::instrument_table read_instruments(const std::string& path) {
  const csv_text csv = read_csv_text(path);
  const std::size_t name = csv.required("instrument", "the instrument's name");
  const std::size_t underlying = csv.required("underlying", "BTC, ETH, ...");
  const std::size_t kind = csv.required("kind", "linear_future, inverse_future, option or inverse_option");
  const std::size_t size = csv.required("contract_size", "underlying units per contract");
  const std::size_t price = csv.required("price", "mark price, or the forward of an option's expiry");
  const auto type = csv.column("option_type");
  const auto strike = csv.column("strike");
  const auto expiry = csv.column("expiry");
  const auto volatility = csv.column("volatility");
  const auto spot = csv.column("spot");
  dynmargin::instrument_table table;
  for (std::size_t r = 0; r < csv.rows.size(); ++r) {
    const std::string_view kind_text = csv.cell(r, kind);
    dynmargin::instrument_kind k{};
    if (kind_text == "linear_future") k = dynmargin::instrument_kind::linear_future;
    else if (kind_text == "inverse_future") k = dynmargin::instrument_kind::inverse_future;
    else if (kind_text == "option") k = dynmargin::instrument_kind::option;
    else if (kind_text == "inverse_option") k = dynmargin::instrument_kind::inverse_option;
    else csv.fail(r, kind, "must be linear_future, inverse_future, option or inverse_option", kind_text);
    std::optional<dynmargin::option_type> option;
    if (const std::string_view t = csv.cell(r, type); !t.empty()) {
      if (t == "call") option = dynmargin::option_type::call;
      else if (t == "put") option = dynmargin::option_type::put;
      else csv.fail(r, *type, "must be call or put", t);
    }
    std::optional<dynmargin::timestamp_us> expires;
    if (const std::string_view e = csv.cell(r, expiry); !e.empty()) {
      expires = dynmargin::parse_portfolio_time(e);
      if (!expires) csv.fail(r, *expiry, "must be an ISO 8601 UTC time (2026-03-27T08:00:00Z) or epoch seconds", e);
    }
    const std::string_view instrument_name = csv.cell(r, name);
    if (instrument_name.empty()) csv.fail(r, name, "must not be empty", instrument_name);
    const std::string_view underlying_name = csv.cell(r, underlying);
    if (underlying_name.empty()) csv.fail(r, underlying, "must not be empty", underlying_name);
    table.add(std::string(instrument_name), std::string(underlying_name), k, csv.number(r, size, false),
              csv.number(r, price, false), option, csv.number(r, strike, true), expires,
              csv.number(r, volatility, true), csv.number(r, spot, true), csv.where(r));
  }
  return table;
}

/// A Deribit book summary (examples/data/deribit_btc_options_sample.csv): every row an
/// inverse option of contract size 1, its forward the underlying_price, its volatility
/// mark_iv / 100, its expiry expiration_timestamp (epoch milliseconds), its spot spot_ref.
inline dynmargin::instrument_table read_chain(const std::string& path) {
  const csv_text csv = read_csv_text(path);
  const std::size_t name = csv.required("instrument_name", "Deribit's instrument name");
  const std::size_t currency = csv.required("currency", "the underlying");
  const std::size_t type = csv.required("type", "call or put");
  const std::size_t strike = csv.required("strike", "USD");
  const std::size_t expiry = csv.required("expiration_timestamp", "epoch milliseconds");
  const std::size_t forward = csv.required("underlying_price", "the forward of the expiry");
  const std::size_t iv = csv.required("mark_iv", "percent");
  const auto spot = csv.column("spot_ref");
  dynmargin::instrument_table table;
  for (std::size_t r = 0; r < csv.rows.size(); ++r) {
    std::optional<dynmargin::option_type> option;
    const std::string_view t = csv.cell(r, type);
    if (t == "call") option = dynmargin::option_type::call;
    else if (t == "put") option = dynmargin::option_type::put;
    else csv.fail(r, type, "must be call or put", t);
    const std::string_view ms_text = csv.cell(r, expiry);
    std::int64_t ms = 0;
    const auto [end, ec] = std::from_chars(ms_text.data(), ms_text.data() + ms_text.size(), ms);
    if (ms_text.empty() || ec != std::errc{} || end != ms_text.data() + ms_text.size())
      csv.fail(r, expiry, "must be epoch milliseconds (an integer)", ms_text);
    const dynmargin::timestamp_us expires{std::chrono::microseconds{ms * 1000}};
    const std::string_view instrument_name = csv.cell(r, name);
    if (instrument_name.empty()) csv.fail(r, name, "must not be empty", instrument_name);
    const std::string_view underlying_name = csv.cell(r, currency);
    if (underlying_name.empty()) csv.fail(r, currency, "must not be empty", underlying_name);
    table.add(std::string(instrument_name), std::string(underlying_name), dynmargin::instrument_kind::inverse_option,
              1.0, csv.number(r, forward, false), option, csv.number(r, strike, false), expires,
              csv.number(r, iv, false) / 100.0, csv.number(r, spot, true), csv.where(r));
  }
  return table;
}

/// POSITIONS.csv: account,instrument,quantity.
inline dynmargin::position_table read_positions(const std::string& path) {
  const csv_text csv = read_csv_text(path);
  const std::size_t account = csv.required("account", "the account's name");
  const std::size_t instrument = csv.required("instrument", "an instrument of INSTRUMENTS.csv or the chain");
  const std::size_t quantity = csv.required("quantity", "signed contracts");
  dynmargin::position_table table;
  for (std::size_t r = 0; r < csv.rows.size(); ++r) {
    const std::string_view a = csv.cell(r, account);
    if (a.empty()) csv.fail(r, account, "must not be empty", a);
    const std::string_view i = csv.cell(r, instrument);
    if (i.empty()) csv.fail(r, instrument, "must not be empty", i);
    table.add(std::string(a), std::string(i), csv.number(r, quantity, false), csv.where(r));
  }
  if (table.size() == 0) throw dynmargin::invalid_argument(path + ": no positions (the file has a header only)");
  return table;
}

}  // namespace dynmargin_cli::portfolio_csv
