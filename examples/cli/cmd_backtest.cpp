// SPDX-License-Identifier: MIT
// `dynmargin backtest --config FILE.json [--config FILE2.json ...] --input PRICES.csv
//  [--column NAME] [--paths OUT.csv] [--coverage P] [--horizon H] [--side long|short]
//  [--warmup N] [--steps-per-day N] [--simulations N] [--seed S]`:
// replays the margin function of each config (the same files as `dynmargin margin`) over the
// history and prints JSON with every backtest statistic (dynmargin/backtest/replay.hpp):
// observations, exceptions, kupiec {lr, p_value}, christoffersen {n00, n01, n10, n11, lr_ind,
// p_ind, lr_cc, p_cc}, traffic_light {zone, cumulative_probability}, duration, es_tests,
// procyclicality {...}, mean_rate. One config prints one object; several print an object
// keyed by config file, each report with its place on the policy frontier.
// `--paths OUT.csv` writes the margin path, one row per time: t,price,initial_rate,loss,exception,time,row
// (loss and exception empty where the row is not evaluated: warm-up, or no price h steps on);
// with several configs, one file per config: OUT with "_<config stem>" before ".csv".
// Defaults: coverage = the config's risk.confidence, horizon = its risk.horizon, the 5-day
// and 30-day ICE thresholds in days of the data's own step (24 steps a day for hourly data).
// GCC 12 reports a false -Wmaybe-uninitialized when it inlines the move of any_risk (see
// margin_config.hpp); the pragma must precede every include.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "dynmargin/backtest/replay.hpp"
#include "margin_config.hpp"
#include "registry.hpp"

namespace dynmargin_cli {
namespace {

using nlohmann::json;

struct backtest_options {
  std::vector<std::string> configs;
  std::string input;
  std::string column;
  input_order order;
  std::string paths;
  double coverage = 0.0;      // 0: the config's risk.confidence
  std::string horizon = "0";  // rows (bars with a config "bar") or a span of time; 0: the config's risk.horizon
  std::string side = "long";
  std::string warmup = "0";        // rows (bars with a config "bar") or a span of time
  std::int64_t steps_per_day = 0;  // 0: from the data's step
  std::size_t simulations = 1000;
  std::uint64_t seed = 20140101;
};

json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw dynmargin::invalid_argument("backtest: cannot open \"" + path + "\"");
  std::stringstream text;
  text << in.rdbuf();
  // The library's parser: every JSON error (numbers out of range too) names the file, and
  // quoted bytes are printable.
  return dynmargin::parse_config_json(text.str(), "\"" + path + "\"");
}

// The JSON of a double; never NaN or infinity (the library returns neither).
json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

// Epoch seconds: an integer for a whole second (as before tick data), else a number with the
// microseconds as its fraction.
json epoch_seconds_json(dynmargin::timestamp_us t) {
  const dynmargin::timestamp whole = dynmargin::floor_seconds(t);
  if (dynmargin::to_timestamp_us(whole) == t) return json(whole);
  return json(static_cast<double>(dynmargin::epoch_microseconds(t)) / 1e6);
}

json procyclicality_json(const dynmargin::procyclicality_result& p, std::int64_t steps_per_day) {
  json horizons = json::array();
  for (const auto& h : p.horizons) {
    horizons.push_back({{"steps", h.steps},
                        {"days", static_cast<double>(h.steps) / static_cast<double>(steps_per_day)},
                        {"changes", h.changes},
                        {"max_change", number(h.max_change)},
                        {"max_rolling_es", number(h.max_rolling_es)},
                        {"last_rolling_es", number(h.last_rolling_es)},
                        {"windows", h.windows},
                        {"amber_threshold", h.amber},
                        {"red_threshold", h.red},
                        {"windows_amber", h.windows_amber},
                        {"windows_red", h.windows_red},
                        {"zone", std::string(dynmargin::to_string(h.zone))}});
  }
  return {{"peak", number(p.peak)},
          {"trough", number(p.trough)},
          {"peak_to_trough", number(p.peak_to_trough)},
          {"mean_rate", number(p.mean_rate)},
          {"largest_call", number(p.largest_call)},
          {"zone", std::string(dynmargin::to_string(p.zone))},
          {"horizons", horizons}};
}

json report_json(const dynmargin::backtest_report& r, const dynmargin::backtest_path& path,
                 const dynmargin::backtest_config& config) {
  const auto& t = r.tests;
  json out;
  out["rows"] = r.rows;
  out["observations"] = r.observations;
  out["exceptions"] = r.exceptions;
  out["exception_rate"] = number(r.exception_rate);
  out["coverage"] = config.coverage.value();
  out["expected_rate"] = number(r.expected_rate);
  out["horizon_steps"] = r.horizon_steps;
  out["side"] = r.side == dynmargin::position_side::long_position ? "long" : "short";
  out["first_evaluated_time"] = epoch_seconds_json(path.times[r.first_evaluated]);
  out["last_evaluated_time"] = epoch_seconds_json(path.times[r.last_evaluated]);
  out["overlap"] = r.horizon_steps > 1 ? "tests on every horizon_steps-th evaluated row (non-overlapping periods)"
                                       : "none: one-step periods";
  out["test_observations"] = r.test_observations;
  out["test_exceptions"] = r.test_exceptions;
  out["kupiec"] = {{"lr", number(t.kupiec.lr)}, {"p_value", number(t.kupiec.p_value)}};
  out["christoffersen"] = {{"n00", t.christoffersen.counts.n00},        {"n01", t.christoffersen.counts.n01},
                           {"n10", t.christoffersen.counts.n10},        {"n11", t.christoffersen.counts.n11},
                           {"pi0", number(t.christoffersen.pi0)},       {"pi1", number(t.christoffersen.pi1)},
                           {"lr_ind", number(t.christoffersen.lr_ind)}, {"p_ind", number(t.christoffersen.p_ind)},
                           {"lr_cc", number(t.christoffersen.lr_cc)},   {"p_cc", number(t.christoffersen.p_cc)}};
  out["traffic_light"] = {{"zone", std::string(dynmargin::to_string(t.traffic_light.zone))},
                          {"cumulative_probability", number(t.traffic_light.cumulative_probability)},
                          {"type1_error", number(t.traffic_light.type1_error)},
                          {"yellow_from", t.traffic_light.yellow_from},
                          {"red_from", t.traffic_light.red_from}};
  out["duration"] = {{"test", "Christoffersen-Pelletier Weibull vs exponential, asymptotic chi-square(1)"},
                     {"durations", t.duration.durations},
                     {"uncensored", t.duration.uncensored},
                     {"testable", t.duration.testable},
                     {"weibull_shape", number(t.duration.weibull_shape)},
                     {"shape_at_bound", t.duration.shape_at_bound},
                     {"lr", number(t.duration.lr)},
                     {"p_value", number(t.duration.p_value)}};
  json es;
  es["available"] = r.es_available;
  if (r.es_available) {
    es["acerbi_szekely"] = {{"z2", number(r.acerbi_szekely.z2)},
                            {"p_value", number(r.acerbi_szekely.p_value)},
                            {"exceptions", r.acerbi_szekely.exceptions},
                            {"simulations", r.acerbi_szekely.simulations},
                            {"seed", r.acerbi_szekely.seed}};
    es["mcneil_frey"] = {{"exceedances", r.mcneil_frey.exceedances},
                         {"testable", r.mcneil_frey.testable},
                         {"mean_residual", number(r.mcneil_frey.mean_residual)},
                         {"t_statistic", number(r.mcneil_frey.t_statistic)},
                         {"p_value_t", number(r.mcneil_frey.p_value_t)},
                         {"p_value_bootstrap", number(r.mcneil_frey.p_value_bootstrap)},
                         {"resamples", r.mcneil_frey.resamples}};
  }
  out["es_tests"] = es;
  out["procyclicality"] = procyclicality_json(r.procyclicality, config.steps_per_day);
  out["procyclicality_constant_quantity"] = procyclicality_json(r.procyclicality_constant_quantity,
                                                                config.steps_per_day);
  out["mean_rate"] = number(r.mean_rate);
  out["max_loss"] = number(r.max_loss);
  out["max_shortfall"] = number(r.max_shortfall);
  out["rejected_updates"] = r.rejected_updates;
  out["warning_updates"] = r.warning_updates;
  return out;
}

// One row per price of the run (or bar); time and row are its ISO 8601 UTC time (empty when the
// input has no times) and its input line (a bar's: the line of its last price).
void write_paths(const std::string& file, const dynmargin::backtest_path& path, bool has_times,
                 const std::vector<std::size_t>& lines) {
  std::ofstream out(file);
  if (!out) throw dynmargin::invalid_argument("backtest: cannot write \"" + file + "\"");
  std::string text = "t,price,initial_rate,loss,exception,time,row\n";
  for (std::size_t i = 0; i < path.rows(); ++i) {
    text += dynmargin::format_epoch_seconds(path.times[i]) + "," + format_double(path.prices[i]) + "," +
            format_double(path.initial_rate[i]);
    if (path.evaluated[i]) {
      text += "," + format_double(path.loss[i]) + (path.exception[i] ? ",1," : ",0,");
    } else {
      text += ",,,";
    }
    if (has_times) text += dynmargin::io::format_utc(path.times[i]);
    text += "," + line_text(lines, i) + "\n";
  }
  out << text;
  if (!out) throw dynmargin::invalid_argument("backtest: failed writing \"" + file + "\"");
}

std::string paths_file(const std::string& base, const std::string& suffix) {
  const std::filesystem::path p(base);
  return (p.parent_path() / (p.stem().string() + "_" + suffix + (p.has_extension() ? p.extension().string() : ".csv")))
      .string();
}

// One path file per config, never two to one name: OUT itself for one config, else OUT with
// "_<config stem>"; configs whose stems collide (a/x.json, b/x.json) add their 1-based
// position ("_x_1", "_x_2"), said on standard error.
std::vector<std::string> paths_files(const std::string& base, const std::vector<std::string>& configs) {
  if (configs.size() == 1) return {base};
  std::vector<std::string> stems;
  for (const auto& c : configs) stems.push_back(std::filesystem::path(c).stem().string());
  std::vector<std::string> files;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const bool shared = std::count(stems.begin(), stems.end(), stems[i]) > 1;
    files.push_back(paths_file(base, shared ? stems[i] + "_" + std::to_string(i + 1) : stems[i]));
    if (shared) {
      std::cerr << "backtest: configs share the name \"" << stems[i] << "\": the path of " << configs[i] << " goes to "
                << files.back() << '\n';
    }
  }
  return files;
}

void run_backtest(const backtest_options& options) {
  auto series = read_prices("backtest", options.input, options.column, options.order);
  const bool has_times = !series.times.empty();
  if (series.times.empty()) {
    series.times.resize(series.prices.size());
    for (std::size_t i = 0; i < series.times.size(); ++i)
      series.times[i] = dynmargin::to_timestamp_us(static_cast<dynmargin::timestamp>(i));
  }
  if (options.side != "long" && options.side != "short") {
    throw dynmargin::invalid_argument("backtest: --side must be long or short, got " + options.side);
  }
  // Steps in a day for a spacing of `step` seconds (1 when it does not divide a day), unless
  // --steps-per-day says.
  const auto steps_per_day_of = [&](std::int64_t step) {
    if (options.steps_per_day > 0) return options.steps_per_day;
    return step > 0 && step < dynmargin::seconds_per_day && dynmargin::seconds_per_day % step == 0
               ? dynmargin::seconds_per_day / step
               : std::int64_t{1};
  };
  const std::int64_t steps_per_day = steps_per_day_of(series.report.step_seconds);

  std::vector<dynmargin::named_backtest_report> reports;
  std::vector<json> outputs;
  const std::vector<std::string> path_files = options.paths.empty() ? std::vector<std::string>{}
                                                                    : paths_files(options.paths, options.configs);
  for (std::size_t config_index = 0; config_index < options.configs.size(); ++config_index) {
    const std::string& file = options.configs[config_index];
    const json config_json = read_json_file(file);
    auto engine = [&] {
      try {
        return build_margin_engine(config_json);
      } catch (const dynmargin::invalid_argument& e) {
        throw dynmargin::invalid_argument(std::string(e.what()) + " (in \"" + file + "\")");
      }
    }();
    // A config with a "bar" is backtested on the bars it samples (days then count bars of it);
    // one without is warned about when the feed is irregular.
    std::span<const dynmargin::timestamp_us> times(series.times);
    std::span<const double> prices(series.prices);
    bar_series bars;
    std::vector<std::size_t> lines = series.lines;
    std::int64_t config_steps_per_day = steps_per_day;
    if (engine.bar) {
      bars = sample_into_bars(series.times, series.prices, *engine.bar, "backtest");
      times = bars.times;
      prices = bars.prices;
      lines = bar_lines(series.lines, bars.last_index);
      config_steps_per_day = steps_per_day_of(engine.bar->count() / 1'000'000);
      std::cerr << "backtest: " << file << ": " << series.prices.size() << " prices sampled into " << prices.size()
                << " bars of " << dynmargin::format_duration(*engine.bar) << "\n";
    } else {
      std::cerr << irregular_feed_warning(series.times, "backtest: " + file);
    }
    dynmargin::backtest_config config;
    double coverage = options.coverage;
    if (coverage == 0.0) {
      coverage = 0.99;
      if (config_json.contains("risk") && config_json["risk"].contains("confidence") &&
          config_json["risk"]["confidence"].is_number()) {
        coverage = config_json["risk"]["confidence"].get<double>();
      }
    }
    // The flag typed is named (a percent such as 99 is the usual slip), or the config's field.
    if (!(coverage >= 0.5 && coverage < 1.0)) {
      if (options.coverage != 0.0) {
        dynmargin::throw_invalid_argument("backtest", "--coverage",
                                          "is the VaR coverage level and must be in [0.5, 1) (0.99 for 99%)", coverage);
      }
      dynmargin::throw_invalid_argument("backtest", "risk.confidence of " + file,
                                        "is the default coverage and must be in [0.5, 1)", coverage);
    }
    config.coverage = dynmargin::confidence_level(coverage);
    // Spans of time count rows of the input, or bars when the config samples into bars.
    config.horizon_steps = rows_from_flag("backtest", "--horizon", options.horizon, series.report, 0, engine.bar);
    config.side = options.side == "long" ? dynmargin::position_side::long_position
                                         : dynmargin::position_side::short_position;
    config.warmup = static_cast<std::size_t>(
        rows_from_flag("backtest", "--warmup", options.warmup, series.report, 0, engine.bar));
    config.steps_per_day = config_steps_per_day;
    config.constant_quantity_metrics = true;
    config.es_simulations = options.simulations;
    config.es_resamples = options.simulations;
    config.seed = options.seed;
    // The Z2 null follows the config's distribution: Student t with its nu, else normal.
    if (config_json.contains("risk") && config_json["risk"].value("dist", std::string()) == "student_t") {
      config.es_null = {dynmargin::distribution_shape::student_t, config_json["risk"].value("nu", 4.0)};
    }
    // Progress on standard error when it is a terminal (a million rows take seconds), never
    // when it is a file or a pipe, which scripts read.
    if (stderr_is_terminal()) {
      config.progress = [&file](std::size_t done, std::size_t rows) {
        std::cerr << "\rbacktest: " << file << ": " << (done * 100 / std::max<std::size_t>(rows, 1)) << "% (" << done
                  << " of " << rows << " rows)" << (done == rows ? "\n" : "") << std::flush;
      };
    }
    dynmargin::backtest_path path;
    auto report = dynmargin::backtest(std::move(engine.function), times, prices, config, &path);
    json out = report_json(report, path, config);
    out["config"] = file;
    if (config_json.contains("name") && config_json["name"].is_string()) out["name"] = config_json["name"];
    out["input"] = options.input;
    out["column"] = series.column;
    out["steps_per_day"] = config_steps_per_day;
    if (engine.bar) {
      out["bar"] = dynmargin::format_duration(*engine.bar);
      out["bars"] = prices.size();
    }
    if (!options.paths.empty()) write_paths(path_files[config_index], path, has_times, lines);
    reports.push_back({file, std::move(report)});
    outputs.push_back(std::move(out));
  }

  if (outputs.size() == 1) {
    std::cout << outputs.front().dump(2) << '\n';
    return;
  }
  const auto frontier = dynmargin::policy_frontier(reports, 5 * steps_per_day);
  json all = json::object();
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto& p = frontier[i];
    outputs[i]["frontier"] = {{"on_frontier", p.on_frontier},
                              {"dominated_by", p.dominated_by},
                              {"exception_rate", number(p.exception_rate)},
                              {"peak_to_trough", number(p.peak_to_trough)},
                              {"largest_5day_increase", number(p.largest_increase)},
                              {"mean_rate", number(p.mean_rate)}};
    all[options.configs[i]] = std::move(outputs[i]);
  }
  std::cout << all.dump(2) << '\n';
}

void add_backtest_command(CLI::App& app) {
  auto options = std::make_shared<backtest_options>();
  auto* sub = app.add_subcommand(
      "backtest",
      "Backtest margin policies over a price history: exceptions over the margin period of risk,\n"
      "Kupiec, Christoffersen, traffic light, duration and ES tests, procyclicality and cost (JSON);\n"
      "several --config give the reports side by side with the policy frontier");
  sub->add_option("--config", options->configs, "JSON margin config (as for `dynmargin margin`); repeat to compare")
      ->required();
  sub->add_option("--input", options->input, "price CSV (a venue export or a file with a close/price column)")
      ->transform(input_path, "", "")
      ->required();
  sub->add_option("--column", options->column, "price column to use (default: close)");
  sub->add_option("--paths", options->paths, "write the margin path CSV: t,price,initial_rate,loss,exception,time,row");
  sub->add_option("--coverage", options->coverage,
                  "coverage tested, e.g. 0.99 (default: the config's risk.confidence)");
  sub->add_option("--horizon", options->horizon,
                  "margin period of risk in steps, or a span of time such as 2d (steps of the input, or bars of a "
                  "config's \"bar\"; default: the config's risk.horizon)");
  sub->add_option("--side", options->side, "position side: long or short")->capture_default_str();
  sub->add_option("--warmup", options->warmup, "rows not evaluated at the start, or a span of time such as 30d")
      ->capture_default_str();
  sub->add_option("--steps-per-day", options->steps_per_day,
                  "steps per day for the 1/5/30-day measures (default: from the data)");
  sub->add_option("--simulations", options->simulations, "Z2 simulations and bootstrap resamples")
      ->capture_default_str();
  sub->add_option("--seed", options->seed, "seed of the simulations")->capture_default_str();
  options->order.add_flags(sub);
  sub->callback([options] { run_backtest(*options); });
}

}  // namespace

const registration backtest_registration{60, "backtest", &add_backtest_command};

}  // namespace dynmargin_cli
