// SPDX-License-Identifier: MIT
// `dynmargin margin --config FILE.json --input PRICES.csv [--column NAME] [--position NOTIONAL]
//                   [--open-interest-column NAME]`:
// runs the margin function a JSON config describes (margin_config.hpp, docs/margin.md) over
// a price history and prints CSV, one row per price:
//   t,price,raw_rate,initial_rate,maintenance_rate,initial_amount,maintenance_amount,binding,
//   <i>_<type>... (the initial rate after config policy i), price_suspect, apc_buffer, apc_stress,
//   stale
// (apc_buffer: the EMIR buffer in force over the requirement it received, apc_stress: its
// stress indicator; both empty without an "apc_buffer" policy; stale: 1 when the row arrived
// after the feed had stopped for longer than price_guard.max_staleness, set in the config;
// --now T also quotes the end of the file at time T and says on standard error if it is stale)
// Rates are fractions of notional; amounts are for a signed notional of NOTIONAL (default 1,
// so amounts equal rates; negative for a short). During the warm-up the numbers are empty and
// binding is "warmup". A price the guard rejects (NaN, non-positive, outlying) keeps the last
// margin and sets price_suspect to 1. Times that do not increase are an error naming the row.
// A failed EVT refit is a warning: the row is quoted with the previous tails and a count of
// such rows goes to standard error after the CSV.
// --open-interest-column names a column of the same file holding the market's open notional
// (open interest x price, quote currency) per row; it is set before the row's price, so an
// "oi_scaling" policy scales with it (a price row with no open-interest row at the same time
// keeps the last value).
// GCC 12 reports a false -Wmaybe-uninitialized when it inlines the move of a std::variant
// whose alternatives hold vectors (any_risk in margin_config.hpp); the pragma must precede
// every include to cover the inlined standard-library code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <cmath>
#include <cstddef>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_common.hpp"
#include "dynmargin/runtime/margin_run.hpp"
#include "margin_config.hpp"
#include "registry.hpp"

namespace dynmargin_cli {
namespace {

struct margin_options {
  std::string config;
  std::string input;
  std::string column;
  input_order order;
  double position = 1.0;
  std::string open_interest_column;
  std::optional<std::string> now;
};

// The open-interest column of the price file, aligned with the price rows by time.
std::vector<double> read_open_interest(const margin_options& options, const price_series& series) {
  auto table = read_column_table("margin", options.input, options.open_interest_column, options.order);
  const std::string name = "--open-interest-column " + options.open_interest_column;
  if (table.times_us.empty() || series.times.empty()) {
    if (table.values.size() != series.prices.size()) {
      throw dynmargin::invalid_argument("margin: " + name + " has " + std::to_string(table.values.size()) +
                                        " values for " + std::to_string(series.prices.size()) + " prices");
    }
    return std::move(table.values);
  }
  // Rows are matched by time: a row whose open interest is missing gets NaN (keep the last).
  std::vector<double> aligned(series.times.size(), std::numeric_limits<double>::quiet_NaN());
  std::size_t k = 0;
  for (std::size_t i = 0; i < series.times.size(); ++i) {
    while (k < table.times_us.size() && table.times_us[k] < series.times[i]) ++k;
    if (k < table.times_us.size() && table.times_us[k] == series.times[i]) aligned[i] = table.values[k];
  }
  return aligned;
}

void run_margin(const margin_options& options) {
  auto engine = load_margin_engine(options.config);
  auto series = read_prices("margin", options.input, options.column, options.order);
  const bool has_times = !series.times.empty();
  if (series.times.empty()) {
    series.times.resize(series.prices.size());
    for (std::size_t i = 0; i < series.times.size(); ++i)
      series.times[i] = dynmargin::to_timestamp_us(static_cast<dynmargin::timestamp>(i));
  }
  if (engine.bar) {
    // Every count in the config is a count of bars: the function sees the last price of each.
    if (!options.open_interest_column.empty()) {
      throw dynmargin::invalid_argument(
          "margin: --open-interest-column with a config \"bar\" is not supported, got \"" +
          options.open_interest_column + "\" with bar " + dynmargin::format_duration(*engine.bar));
    }
    auto bars = sample_into_bars(series.times, series.prices, *engine.bar, "margin");
    std::cerr << "margin: " << series.prices.size() << " prices sampled into " << bars.prices.size() << " bars of "
              << dynmargin::format_duration(*engine.bar) << " (each row: the bar's end and last price)\n";
    series.times = std::move(bars.times);
    series.prices = std::move(bars.prices);
    series.lines = bar_lines(series.lines, bars.last_index);  // each bar's row: the line of its last price
  } else {
    if (const auto warning = irregular_feed_warning(series.times, "margin"); !warning.empty())
      std::cerr << warning << '\n';
  }
  std::string out = "t,price,raw_rate,initial_rate,maintenance_rate,initial_amount,maintenance_amount,binding";
  for (std::size_t i = 0; i < engine.policy_types.size(); ++i) out += "," + engine.column(i);
  out += ",price_suspect,apc_buffer,apc_stress,stale,time,row\n";
  std::cout << out;
  const std::vector<double> open_interest = options.open_interest_column.empty() ? std::vector<double>{}
                                                                                 : read_open_interest(options, series);
  auto print_row = [&](const dynmargin::margin_run_row& r) {
    const std::size_t row = r.row;
    const dynmargin::margin_quote& q = *r.quote;
    std::string line = dynmargin::format_epoch_seconds(series.times[row]) + "," + format_double(series.prices[row]);
    if (q.ready) {
      for (double v : {q.raw_rate, q.initial_rate, q.maintenance_rate, q.initial_amount, q.maintenance_amount}) {
        line += "," + format_double(v);
      }
      line += "," + engine.binding(q);
      for (std::size_t i = 0; i < engine.policy_types.size(); ++i)
        line += "," + format_double(engine.initial_after(q, i));
    } else {
      line += ",,,,,,warmup";
      for (std::size_t i = 0; i < engine.policy_types.size(); ++i) line += ",";
    }
    line += r.price_suspect ? ",1" : ",0";
    // The APC buffer in force and its stress indicator (empty without an apc_buffer policy).
    line += q.ready && q.apc.present ? "," + format_double(q.apc.buffer) + "," + format_double(q.apc.stress) : ",,";
    line += r.stale ? ",1," : ",0,";
    if (has_times) line += dynmargin::io::format_utc(series.times[row]);
    line += "," + line_text(series.lines, row) + "\n";
    std::cout << line;
  };
  dynmargin::margin_run_labels labels;
  labels.row = [&](std::size_t row) { return "line " + line_text(series.lines, row); };
  labels.open_interest = options.open_interest_column;
  const auto report = dynmargin::run_margin(engine.function, series.times, series.prices, options.position,
                                            open_interest, print_row, labels);
  std::cout.flush();
  dynmargin::require_margin(report, "margin");
  if (report.stale_rows > 0) {
    std::cerr << "margin: warning: " << report.stale_rows << " rows arrived after the feed had stopped for more than "
              << report.max_staleness_seconds << " s (price_guard.max_staleness; column stale)\n";
  }
  if (options.now) {
    const dynmargin::timestamp_us now = dynmargin::io::parse_time_us(*options.now);
    const dynmargin::margin_quote at_now = engine.function.quote(now, 0.0);
    if (at_now.stale) {
      std::cerr << "margin: warning: at --now " << *options.now << " the last accepted price is "
                << format_double(at_now.price_age) << " s old, more than price_guard.max_staleness "
                << report.max_staleness_seconds << " s: the feed is stale\n";
    }
  }
  if (report.warnings == 0) return;
  std::cerr << "margin: warning: " << report.warnings << " of " << report.rows
            << " updates returned refit_failed (first on line " << line_text(series.lines, report.first_warning)
            << "); the previous tails were kept\n";
}

void add_margin_command(CLI::App& app) {
  auto options = std::make_shared<margin_options>();
  auto* sub = app.add_subcommand(
      "margin",
      "Margin over a price history from a JSON config (volatility, risk, policies); CSV with the\n"
      "raw rate, initial and maintenance rates and amounts, the binding policy and each policy's effect");
  sub->add_option("--config", options->config, "JSON config (schema: docs/margin.md)")->required();
  sub->add_option("--input", options->input, "price CSV (a venue export or a file with a close/price column)")
      ->transform(input_path, "", "")
      ->required();
  sub->add_option("--column", options->column, "price column to use (default: close)");
  sub->add_option("--position", options->position, "signed notional the amounts are for (negative: short)")
      ->capture_default_str();
  sub->add_option("--now", options->now,
                  "time to quote the end of the file at (epoch seconds, with a fraction, or a UTC date such as "
                  "2026-03-01T13:49:00.25Z): with price_guard.max_staleness, says on standard error when the last "
                  "accepted price is older (a stopped feed)");
  sub->add_option("--open-interest-column", options->open_interest_column,
                  "column of the input with the market's open notional per row (open interest x price),\n"
                  "fed to the margin function before each price (for an oi_scaling policy)");
  options->order.add_flags(sub);
  sub->callback([options] { run_margin(*options); });
}

}  // namespace

const registration margin_registration{50, "margin", &add_margin_command};

}  // namespace dynmargin_cli
