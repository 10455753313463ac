// SPDX-License-Identifier: MIT
// `dynmargin vol --model ewma|rolling|garch|gjr|parkinson|garman-klass|rogers-satchell|yang-zhang
//  [model options] --input FILE [--column NAME] [--prices]`: runs a volatility model over a
// series and prints CSV `t,sigma,time,row`, where row t holds the model's forecast of the volatility
// of observation t made from the data before t (see the --help text for the exceptions).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_common.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/io/io.hpp"
#include "dynmargin/runtime/enum_names.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"
#include "dynmargin/volatility/range.hpp"
#include "dynmargin/volatility/rolling.hpp"
#include "registry.hpp"

namespace dynmargin_cli {
namespace {

constexpr const char* vol_description =
    "Run a volatility model over a series and print CSV `t,sigma,time,row`: row t is the forecast of the\n"
    "volatility of observation t from the data before t, in the units of the returns (percent\n"
    "for a price file: r = 100 ln(P_t / P_{t-1})). t is the observation's time in epoch seconds\n"
    "(the time of the later price of a return, or of the bar), or its 1-based row number when\n"
    "the input has no time column. Rows start once the model has a forecast:\n"
    "  ewma --start first   every return; row 1 is |r_1|, the seed sigma2_1 = r_1^2 of RiskMetrics\n"
    "                       and tests/data/ewma094_btc_daily.csv (the only row that sees its own return)\n"
    "  ewma --start warmup  after --warmup N returns (the seed is their mean square)\n"
    "  rolling              after --window N returns (mean of squares, or --mean sample)\n"
    "  garch, gjr           every return: parameters fitted by maximum likelihood on the whole\n"
    "                       input (fit_garch, as `dynmargin fit`), h_1 by --init, then the\n"
    "                       causal recursion (fGarch's in-sample sigma_t)\n"
    "  parkinson, garman-klass, rogers-satchell, yang-zhang\n"
    "                       need an OHLC price file; rolling over --window N bars (default 30) or\n"
    "                       EWMA-weighted with --lambda; rows after the window (EWMA: after one\n"
    "                       bar; Yang-Zhang with --overnight measured needs one bar more for its\n"
    "                       previous close). sigma is the volatility of one bar's log return.\n"
    "time is the same observation's time in ISO 8601 UTC (empty without a time column) and row\n"
    "its 1-based line in the input file (for a return, the line of its later price).\n"
    "Rows must be oldest first (a file wholly newest first is read in reverse): rows in no time\n"
    "order and repeated times are refused naming the line, unless --sort / --dedupe.";

struct vol_options {
  std::string model;
  std::string input;
  std::string column;
  bool prices = false;
  bool as_returns = false;
  double lambda = 0.94;
  std::string window;  // rows or a span of time; empty: the model's default
  std::string start = "first";
  std::string warmup;     // rows or a span of time
  std::string half_life;  // ewma: a span of time, or a count of rows
  std::string mean = "zero";
  std::string dist = "normal";
  std::string init = "fgarch";
  bool stationary = false;
  std::string overnight = "measured";
  input_order order;
};

// Output: streamed through one buffer (memory does not grow with the output).
class csv_output {
 public:
  csv_output() { out_.text("t,sigma,time,row\n"); }
  /// One forecast: `t` as it always was, then the ISO time and input line of the row it covers.
  void row(const std::string& t, double variance, const std::string& time, const std::string& line) {
    if (!(std::isfinite(variance) && variance >= 0.0)) {
      throw dynmargin::domain_error("vol: the forecast for t=" + t + " is not a finite non-negative variance (" +
                                    format_double(variance) + ")");
    }
    out_.text(t).put(',').number(std::sqrt(variance)).put(',').text(time).put(',').text(line).put('\n');
    ++rows_;
  }
  /// Writes what is left; a run without a single forecast is an error (exit 1), not an empty success.
  void flush() {
    out_.flush();
    std::cout.flush();
    if (rows_ == 0) {
      throw dynmargin::evaluation_error(
          "vol: no forecast: the input is shorter than the model's window or warm-up (or holds no returns)");
    }
  }

 private:
  csv_writer out_;
  std::size_t rows_ = 0;
};

// Epoch seconds of row i (a fraction for sub-second rows), or its 1-based number without times.
std::string time_of(const std::vector<dynmargin::timestamp_us>& times, std::size_t i) {
  return times.empty() ? std::to_string(i + 1) : dynmargin::format_epoch_seconds(times[i]);
}

// Runs a return-fed model: the forecast before each return, then the update.
template <class Model>
void run_returns(Model model, const input_series& series, csv_output& out, bool seed_first_row = false) {
  const auto& r = series.values;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (seed_first_row && i == 0 && std::isfinite(r[0])) {
      out.row(time_of(series.times, 0), r[0] * r[0], iso_time(series.times, 0), line_text(series.lines, 0));
    } else if (model.ready()) {
      out.row(time_of(series.times, i), model.variance(), iso_time(series.times, i), line_text(series.lines, i));
    }
    if (const auto updated = model.update(r[i]); dynmargin::is_error(updated)) {
      dynmargin::throw_if_error(updated, "vol",
                                "return on line " + line_text(series.lines, i) + " (" + format_double(r[i]) + ")");
    }
  }
}

// Runs a bar-fed model; a bad bar is an error naming its row, time and field.
template <class Model>
void run_bars(Model model, const dynmargin::io::price_table& table, csv_output& out) {
  const bool has_times = table.report.has_times;
  for (std::size_t i = 0; i < table.bars.size(); ++i) {
    const auto& b = table.bars[i];
    const dynmargin::ohlc_bar bar{b.open, b.high, b.low, b.close};
    const std::string t = has_times ? dynmargin::format_epoch_seconds(b.time_us()) : std::to_string(i + 1);
    const std::string line = line_text(table.lines, i);
    if (model.ready()) out.row(t, model.variance(), has_times ? dynmargin::io::format_utc(b.time_us()) : "", line);
    dynmargin::check_bar(bar, Model::name(), "bar on line " + line + " (t=" + t + ")");
    (void)model.update(bar);
  }
}

// The EWMA decay of a --half-life: a span of time over the input's usual spacing, or a count
// of rows.
dynmargin::decay_factor half_life_decay(const std::string& text, const dynmargin::io::load_report& report) {
  if (!dynmargin::looks_like_duration(text)) {
    const std::int64_t rows = rows_from_flag("vol", "--half-life", text, report, 1);
    return dynmargin::decay_from_half_life(std::chrono::microseconds{rows}, std::chrono::microseconds{1}, "vol",
                                           "--half-life");
  }
  const dynmargin::duration span = dynmargin::parse_duration(text, "vol", "--half-life");
  if (!report.has_times || report.step_microseconds <= 0) {
    dynmargin::throw_invalid_argument("vol", "--half-life",
                                      "is a span of time, but the input has no times to measure it with; give a "
                                      "count of rows",
                                      "\"" + text + "\"");
  }
  return dynmargin::decay_from_half_life(span, dynmargin::duration{report.step_microseconds}, "vol", "--half-life");
}

bool is_range_model(const std::string& model) {
  return model == "parkinson" || model == "garman-klass" || model == "rogers-satchell" || model == "yang-zhang";
}

void reject_option(const CLI::App& sub, const char* option, const std::string& model, const char* applies_to) {
  if (sub.count(option) > 0) {
    throw dynmargin::invalid_argument(std::string("vol: ") + option + " applies to " + applies_to + ", not --model " +
                                      model);
  }
}

void run_vol(const CLI::App& sub, const vol_options& o) {
  const std::string& m = o.model;
  const bool range = is_range_model(m);
  // Options that do not belong to the chosen model are errors, not silently ignored.
  if (m != "ewma" && !range) reject_option(sub, "--lambda", m, "ewma and the range estimators");
  if (m != "rolling" && !range) reject_option(sub, "--window", m, "rolling and the range estimators");
  if (m != "ewma") reject_option(sub, "--half-life", m, "ewma");
  if (sub.count("--half-life") > 0 && sub.count("--lambda") > 0) {
    throw dynmargin::invalid_argument("vol: give --lambda or --half-life, not both");
  }
  if (m != "ewma") {
    reject_option(sub, "--start", m, "ewma");
    reject_option(sub, "--warmup", m, "ewma");
  }
  if (m != "rolling") reject_option(sub, "--mean", m, "rolling");
  if (m != "garch" && m != "gjr") {
    reject_option(sub, "--dist", m, "garch and gjr");
    reject_option(sub, "--init", m, "garch and gjr");
    reject_option(sub, "--stationary", m, "garch and gjr");
  }
  if (m != "yang-zhang") reject_option(sub, "--overnight", m, "yang-zhang");

  csv_output out;
  if (range) {
    if (!o.column.empty() || o.prices) {
      throw dynmargin::invalid_argument("vol: --model " + m +
                                        " reads OHLC bars from a price file; --column and --prices do not apply");
    }
    if (sub.count("--window") > 0 && sub.count("--lambda") > 0) {
      throw dynmargin::invalid_argument("vol: give --window (rolling) or --lambda (EWMA-weighted) for --model " + m +
                                        ", not both");
    }
    const auto layout = dynmargin::io::inspect_csv(o.input);
    if (!dynmargin::io::is_price_format(layout.format)) {
      throw dynmargin::invalid_argument("vol: --model " + m + " needs OHLC bars, and \"" + o.input +
                                        "\" is not a price file (columns: " + describe_columns(layout.columns) + ")");
    }
    const auto table = read_price_table("vol", o.input, o.order);
    dynmargin::range_volatility_config config;
    if (sub.count("--lambda") > 0) {
      config.weighting = dynmargin::range_weighting::ewma;
      std::string component = m;  // the estimator's name(): garman-klass -> garman_klass
      std::replace(component.begin(), component.end(), '-', '_');
      config.lambda = dynmargin::decay_factor(o.lambda, component, "lambda");
    } else if (sub.count("--window") > 0) {
      config.window = rows_from_flag("vol", "--window", o.window, table.report);
    }
    config.units = dynmargin::return_units::percent;
    if (m == "parkinson") {
      run_bars(dynmargin::parkinson_volatility(config), table, out);
    } else if (m == "garman-klass") {
      run_bars(dynmargin::garman_klass_volatility(config), table, out);
    } else if (m == "rogers-satchell") {
      run_bars(dynmargin::rogers_satchell_volatility(config), table, out);
    } else {
      const auto overnight = o.overnight == "none" ? dynmargin::yang_zhang_overnight::none
                                                   : dynmargin::yang_zhang_overnight::measured;
      run_bars(dynmargin::yang_zhang_volatility(dynmargin::yang_zhang_volatility_config{config, overnight}), table,
               out);
    }
    out.flush();
    return;
  }

  const auto series = read_input("vol", o.input, o.column, o.prices, o.as_returns, o.order);
  if (series.values.empty()) {
    throw dynmargin::invalid_argument("vol: \"" + o.input + "\" holds no returns");
  }
  if (m == "ewma") {
    dynmargin::ewma_volatility_config config;
    config.lambda = dynmargin::decay_factor(o.lambda, "ewma", "lambda");
    if (sub.count("--half-life") > 0) {
      // weights halve every half-life: lambda = 0.5^(step / half-life), the step being the
      // input's usual spacing (a half-life need not be a whole number of steps), or
      // 0.5^(1 / N) for a count of N rows
      config.lambda = half_life_decay(o.half_life, series.report);
    }
    if (dynmargin::parse_enum<dynmargin::ewma_start>(o.start, "vol", "--start") ==
        dynmargin::ewma_start::warmup_window) {
      if (sub.count("--warmup") == 0) throw dynmargin::invalid_argument("vol: --start warmup needs --warmup N");
      config.start = dynmargin::ewma_start::warmup_window;
      config.warmup = rows_from_flag("vol", "--warmup", o.warmup, series.report);
    } else if (sub.count("--warmup") > 0) {
      throw dynmargin::invalid_argument("vol: --warmup applies to --start warmup only");
    }
    // `vol` prints the whole recursion from the seed on (the reference file's rows); the
    // burn-in that ready() applies before a forecast is used for margin is not applied here.
    if (config.start == dynmargin::ewma_start::first_squared_return) config.burn_in = 1;
    const dynmargin::ewma_volatility model(config);
    run_returns(model, series, out, config.start == dynmargin::ewma_start::first_squared_return);
  } else if (m == "rolling") {
    dynmargin::rolling_volatility_config config;
    if (sub.count("--window") > 0) config.window = rows_from_flag("vol", "--window", o.window, series.report);
    config.mean = dynmargin::parse_enum<dynmargin::rolling_mean>(o.mean, "vol", "--mean");
    run_returns(dynmargin::rolling_volatility(config), series, out);
  } else {  // garch, gjr
    dynmargin::fit_garch_config options;
    options.asymmetric = m == "gjr";
    options.innovation = dynmargin::parse_enum<dynmargin::distribution_shape>(o.dist, "vol", "--dist");
    options.start = dynmargin::parse_enum<dynmargin::garch_start>(o.init, "vol", "--init");
    options.stationary = o.stationary;
    const std::span<const double> returns(series.values);
    const auto fit = dynmargin::fit_garch(returns, options);
    if (!fit.converged) {
      throw dynmargin::evaluation_error("vol: the " + m + " fit did not converge: " + fit.status_reason);
    }
    const double h1 = dynmargin::garch_initial_variance(returns, fit.parameters, options.start);
    const dynmargin::garch_volatility model(
        dynmargin::garch_volatility_config{fit.parameters, options.innovation, options.asymmetric, h1});
    run_returns(model, series, out);
  }
  out.flush();
}

void add_vol_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "vol", "Volatility forecasts (CSV t,sigma,time,row) of ewma, rolling, garch, gjr or a range estimator (OHLC)");
  sub->footer(vol_description);
  auto options = std::make_shared<vol_options>();
  sub->add_option("--model", options->model, "Volatility model")
      ->required()
      ->check(CLI::IsMember(
          {"ewma", "rolling", "garch", "gjr", "parkinson", "garman-klass", "rogers-satchell", "yang-zhang"}));
  sub->add_option("--input", options->input,
                  "CSV file: a price file (Yahoo, CryptoDataDownload, any OHLC) or a column of returns")
      ->transform(input_path, "", "")
      ->required();
  sub->add_option("--column", options->column,
                  "Column of percent returns (or of prices with --prices); not for range estimators");
  sub->add_flag("--prices", options->prices, "The --column holds prices: percent log returns are taken");
  sub->add_flag("--as-returns", options->as_returns,
                "the --column holds returns even though it looks like prices (all positive, level >> changes)");
  sub->add_option("--lambda", options->lambda,
                  "Decay in (0, 1): ewma (default 0.94), or EWMA weighting of a range estimator");
  sub->add_option("--window", options->window,
                  "Window length >= 2: rolling (default 250 returns), range estimators (default 30 bars); a count "
                  "or a span of time such as 30d (rows of the input's spacing)");
  sub->add_option("--half-life", options->half_life,
                  "ewma: the half-life of the weights as a span of time (e.g. 11.2d; lambda = 0.5^(step / half-life)) "
                  "or a count of rows; instead of --lambda");
  sub->add_option("--start", options->start,
                  "ewma start-up: first_squared_return (or first; sigma2_1 = r_1^2, default) or warmup_window (or "
                  "warmup; mean square of --warmup N)");
  sub->add_option("--warmup", options->warmup,
                  "ewma --start warmup: returns in the warm-up window (>= 1), or a span of time such as 30d");
  sub->add_option("--mean", options->mean,
                  "rolling: zero (mean of squares, default) or sample (variance around the window mean, n - 1)");
  sub->add_option("--dist", options->dist,
                  "garch/gjr innovations: normal (default) or student_t (or t; unit-variance Student t)");
  sub->add_option("--init", options->init,
                  "garch/gjr first variance: fgarch (default), rugarch, backcast or unconditional");
  sub->add_flag("--stationary", options->stationary, "garch/gjr: fit with alpha + gamma/2 + beta < 1");
  sub->add_option("--overnight", options->overnight,
                  "yang-zhang: measured (ln open/previous close, default) or none (open = previous close, 24/7)")
      ->check(CLI::IsMember({"measured", "none"}));
  options->order.add_flags(sub);
  sub->callback([sub, options] { run_vol(*sub, *options); });
}

}  // namespace

const registration vol_registration{30, "vol", &add_vol_command};

}  // namespace dynmargin_cli
