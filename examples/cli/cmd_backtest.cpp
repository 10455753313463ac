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
#include "dynmargin/core/spacing.hpp"
#include "dynmargin/runtime/backtest_run.hpp"
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
  dynmargin::series_spacing spacing;
  spacing.has_times = series.report.has_times;
  spacing.step_microseconds = series.report.step_microseconds;
  spacing.gaps = series.report.gaps;
  spacing.missing_steps = series.report.missing_steps;
  spacing.irregular_spacings = series.report.irregular_spacings;

  std::vector<dynmargin::backtest_run_config> configs;
  for (const auto& file : options.configs) configs.push_back({file, read_json_file(file)});
  const dynmargin::backtest_run_settings settings{.coverage = options.coverage,
                                                  .horizon = options.horizon,
                                                  .side = options.side,
                                                  .warmup = options.warmup,
                                                  .steps_per_day = options.steps_per_day,
                                                  .simulations = options.simulations,
                                                  .seed = options.seed};
  dynmargin::backtest_run_labels labels;
  labels.parameter = [](std::string_view name) { return "--" + std::string(name); };
  labels.note = [](const std::string& text, bool) { std::cerr << text << '\n'; };
  // Progress on standard error when it is a terminal (a million rows take seconds), never
  // when it is a file or a pipe, which scripts read.
  if (stderr_is_terminal()) {
    labels.progress = [](const std::string& file, std::size_t done, std::size_t rows) {
      std::cerr << "\rbacktest: " << file << ": " << (done * 100 / std::max<std::size_t>(rows, 1)) << "% (" << done
                << " of " << rows << " rows)" << (done == rows ? "\n" : "") << std::flush;
    };
  }
  auto results = dynmargin::run_backtests(configs, series.times, series.prices, spacing, settings, labels);
  const std::vector<std::string> path_files = options.paths.empty() ? std::vector<std::string>{}
                                                                    : paths_files(options.paths, options.configs);
  for (std::size_t i = 0; i < results.size(); ++i) {
    auto& result = results[i];
    result.report["input"] = options.input;
    result.report["column"] = series.column;
    if (!options.paths.empty()) {
      const auto lines = result.bar_last_index.empty() ? series.lines : bar_lines(series.lines, result.bar_last_index);
      write_paths(path_files[i], result.path, has_times, lines);
    }
  }
  std::cout << dynmargin::backtest_output(results).dump(2) << '\n';
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
