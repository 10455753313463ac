// SPDX-License-Identifier: MIT
/// @file
/// @brief Backtests of margin configs (JSON) over one price history, reported as JSON: the one
///        implementation behind `dynmargin backtest` and the Python module's `backtest`.
///
/// Each config is built (runtime/config_reader.hpp), its prices sampled into bars when it has
/// a "bar", and replayed by `dynmargin::backtest` (backtest/replay.hpp). The report is the
/// JSON object `dynmargin backtest` prints: every statistic of `backtest_report`, with the
/// tests' conventions spelled out. Several configs are also placed on the policy frontier
/// (`policy_frontier`, with the largest 5-day increase).
///
/// Defaults follow the config: the coverage tested is its risk.confidence (0.99 without one),
/// the horizon its risk.horizon, the Z2 null its distribution. Spans of time ("5d") count rows
/// of the input's step, or bars of a config's "bar". Names in messages come from the caller
/// (`backtest_run_labels`): the command line names its flags, Python its keyword arguments.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dynmargin/backtest/replay.hpp"
#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/spacing.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/runtime/config_reader.hpp"
#include "dynmargin/runtime/engine.hpp"
#include "dynmargin/runtime/enum_names.hpp"

namespace dynmargin {

/// @brief The settings of a backtest run, spelled as `dynmargin backtest` spells its flags.
struct backtest_run_settings {
  double coverage = 0.0;           ///< the VaR coverage tested, in [0.5, 1); 0: each config's risk.confidence
  std::string horizon = "0";       ///< margin period of risk: rows (bars), or a span such as "2d"; "0": the config's
  std::string side = "long";       ///< "long" or "short"
  std::string warmup = "0";        ///< rows (bars) not evaluated at the start, or a span of time
  std::int64_t steps_per_day = 0;  ///< for the 1/5/30-day measures; 0: from the input's step
  std::size_t simulations = 1000;  ///< Z2 simulations and bootstrap resamples
  std::uint64_t seed = 20140101;   ///< seed of the simulations
};

/// @brief How a caller names its settings and reports progress.
struct backtest_run_labels {
  std::string component = "backtest";
  /// The caller's name of a setting ("coverage", "horizon", "warmup", "side"), e.g. "--coverage".
  std::function<std::string(std::string_view)> parameter = [](std::string_view name) { return std::string(name); };
  /// `note(text, warning)`: a sentence for the user, about the bars sampled (`warning` false), an
  /// irregular feed or a span counted over gaps (true); empty: dropped.
  std::function<void(const std::string&, bool)> note;
  /// `progress(config_name, rows_done, rows)` during each replay; empty: not called.
  std::function<void(const std::string&, std::size_t, std::size_t)> progress;
};

/// @brief One config to backtest: its name (a file name, or the config's "name") and its JSON.
struct backtest_run_config {
  std::string name;
  nlohmann::json config;
};

/// @brief One config's backtest: the report as JSON, and the margin path behind it.
struct backtest_run_result {
  nlohmann::json report;
  backtest_path path;
  /// With a config "bar": the index of each bar's last price in the input; else empty.
  std::vector<std::size_t> bar_last_index;
};

/// @brief Steps in a day for a spacing of `step_seconds` (1 when it does not divide a day), or
///        `steps_per_day` when it is set (> 0).
[[nodiscard]] inline std::int64_t steps_per_day_for(std::int64_t step_seconds,
                                                    std::int64_t steps_per_day = 0) noexcept {
  if (steps_per_day > 0) return steps_per_day;
  return step_seconds > 0 && step_seconds < seconds_per_day && seconds_per_day % step_seconds == 0
             ? seconds_per_day / step_seconds
             : std::int64_t{1};
}

namespace detail {

/// The JSON of a double; null for NaN or infinity (the library returns neither).
[[nodiscard]] inline nlohmann::json finite_json(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

/// Epoch seconds: an integer for a whole second, else a number with the microseconds as its fraction.
[[nodiscard]] inline nlohmann::json epoch_seconds_json(timestamp_us t) {
  const timestamp whole = floor_seconds(t);
  if (to_timestamp_us(whole) == t) return nlohmann::json(whole);
  return nlohmann::json(static_cast<double>(epoch_microseconds(t)) / 1e6);
}

}  // namespace detail

/// @brief The JSON of a procyclicality result, days counted with `steps_per_day`.
[[nodiscard]] inline nlohmann::json procyclicality_json(const procyclicality_result& p, std::int64_t steps_per_day) {
  using detail::finite_json;
  nlohmann::json horizons = nlohmann::json::array();
  for (const auto& h : p.horizons) {
    horizons.push_back({{"steps", h.steps},
                        {"days", static_cast<double>(h.steps) / static_cast<double>(steps_per_day)},
                        {"changes", h.changes},
                        {"max_change", finite_json(h.max_change)},
                        {"max_rolling_es", finite_json(h.max_rolling_es)},
                        {"last_rolling_es", finite_json(h.last_rolling_es)},
                        {"windows", h.windows},
                        {"amber_threshold", h.amber},
                        {"red_threshold", h.red},
                        {"windows_amber", h.windows_amber},
                        {"windows_red", h.windows_red},
                        {"zone", std::string(to_string(h.zone))}});
  }
  return {{"peak", finite_json(p.peak)},
          {"trough", finite_json(p.trough)},
          {"peak_to_trough", finite_json(p.peak_to_trough)},
          {"mean_rate", finite_json(p.mean_rate)},
          {"largest_call", finite_json(p.largest_call)},
          {"zone", std::string(to_string(p.zone))},
          {"horizons", horizons}};
}

/// @brief The JSON of a backtest report (the object `dynmargin backtest` prints for a config,
///        before the fields that name the config and the input).
[[nodiscard]] inline nlohmann::json backtest_report_json(const backtest_report& r, const backtest_path& path,
                                                         const backtest_config& config) {
  using detail::finite_json;
  const auto& t = r.tests;
  nlohmann::json out;
  out["rows"] = r.rows;
  out["observations"] = r.observations;
  out["exceptions"] = r.exceptions;
  out["exception_rate"] = finite_json(r.exception_rate);
  out["coverage"] = config.coverage.value();
  out["expected_rate"] = finite_json(r.expected_rate);
  out["horizon_steps"] = r.horizon_steps;
  out["side"] = r.side == position_side::long_position ? "long" : "short";
  out["first_evaluated_time"] = detail::epoch_seconds_json(path.times[r.first_evaluated]);
  out["last_evaluated_time"] = detail::epoch_seconds_json(path.times[r.last_evaluated]);
  out["overlap"] = r.horizon_steps > 1 ? "tests on every horizon_steps-th evaluated row (non-overlapping periods)"
                                       : "none: one-step periods";
  out["test_observations"] = r.test_observations;
  out["test_exceptions"] = r.test_exceptions;
  out["kupiec"] = {{"lr", finite_json(t.kupiec.lr)}, {"p_value", finite_json(t.kupiec.p_value)}};
  out["christoffersen"] = {{"n00", t.christoffersen.counts.n00},
                           {"n01", t.christoffersen.counts.n01},
                           {"n10", t.christoffersen.counts.n10},
                           {"n11", t.christoffersen.counts.n11},
                           {"pi0", finite_json(t.christoffersen.pi0)},
                           {"pi1", finite_json(t.christoffersen.pi1)},
                           {"lr_ind", finite_json(t.christoffersen.lr_ind)},
                           {"p_ind", finite_json(t.christoffersen.p_ind)},
                           {"lr_cc", finite_json(t.christoffersen.lr_cc)},
                           {"p_cc", finite_json(t.christoffersen.p_cc)}};
  out["traffic_light"] = {{"zone", std::string(to_string(t.traffic_light.zone))},
                          {"cumulative_probability", finite_json(t.traffic_light.cumulative_probability)},
                          {"type1_error", finite_json(t.traffic_light.type1_error)},
                          {"yellow_from", t.traffic_light.yellow_from},
                          {"red_from", t.traffic_light.red_from}};
  out["duration"] = {{"test", "Christoffersen-Pelletier Weibull vs exponential, asymptotic chi-square(1)"},
                     {"durations", t.duration.durations},
                     {"uncensored", t.duration.uncensored},
                     {"testable", t.duration.testable},
                     {"weibull_shape", finite_json(t.duration.weibull_shape)},
                     {"shape_at_bound", t.duration.shape_at_bound},
                     {"lr", finite_json(t.duration.lr)},
                     {"p_value", finite_json(t.duration.p_value)}};
  nlohmann::json es;
  es["available"] = r.es_available;
  if (r.es_available) {
    es["acerbi_szekely"] = {{"z2", finite_json(r.acerbi_szekely.z2)},
                            {"p_value", finite_json(r.acerbi_szekely.p_value)},
                            {"exceptions", r.acerbi_szekely.exceptions},
                            {"simulations", r.acerbi_szekely.simulations},
                            {"seed", r.acerbi_szekely.seed}};
    es["mcneil_frey"] = {{"exceedances", r.mcneil_frey.exceedances},
                         {"testable", r.mcneil_frey.testable},
                         {"mean_residual", finite_json(r.mcneil_frey.mean_residual)},
                         {"t_statistic", finite_json(r.mcneil_frey.t_statistic)},
                         {"p_value_t", finite_json(r.mcneil_frey.p_value_t)},
                         {"p_value_bootstrap", finite_json(r.mcneil_frey.p_value_bootstrap)},
                         {"resamples", r.mcneil_frey.resamples}};
  }
  out["es_tests"] = es;
  out["procyclicality"] = procyclicality_json(r.procyclicality, config.steps_per_day);
  out["procyclicality_constant_quantity"] = procyclicality_json(r.procyclicality_constant_quantity,
                                                                config.steps_per_day);
  out["mean_rate"] = finite_json(r.mean_rate);
  out["max_loss"] = finite_json(r.max_loss);
  out["max_shortfall"] = finite_json(r.max_shortfall);
  out["rejected_updates"] = r.rejected_updates;
  out["warning_updates"] = r.warning_updates;
  return out;
}

/// @brief Backtests each config over `prices` at `times` (oldest first; `spacing` is theirs, from
///        the CSV reader's report or `measure_spacing`). With several configs each report gets
///        a "frontier" object: its place on the policy frontier by exception rate,
///        peak-to-trough ratio, largest 5-day increase and mean rate.
/// @param configs a range of `backtest_run_config` (a vector, a span).
/// @throws dynmargin::invalid_argument naming the setting (through `labels`) or the config
///         (" (in \"<name>\")") at fault.
template <std::ranges::input_range Configs>
requires std::same_as<std::ranges::range_value_t<Configs>, backtest_run_config>
[[nodiscard]] std::vector<backtest_run_result> run_backtests(
    const Configs& configs, std::span<const timestamp_us> times, std::span<const double> prices,
    const series_spacing& spacing, const backtest_run_settings& settings, const backtest_run_labels& labels = {}) {
  const std::string& component = labels.component;
  const auto say = [&](const std::string& text, bool warning) {
    if (labels.note && !text.empty()) labels.note(text, warning);
  };
  if (settings.side != "long" && settings.side != "short") {
    throw invalid_argument(component + ": " + labels.parameter("side") + " must be long or short, got " +
                           settings.side);
  }
  const std::int64_t steps_per_day = steps_per_day_for(spacing.step_microseconds / microseconds_per_second,
                                                       settings.steps_per_day);
  std::vector<backtest_run_result> results;
  std::vector<named_backtest_report> reports;
  for (const auto& source : configs) {
    const nlohmann::json& config_json = source.config;
    margin_engine engine = [&] {
      try {
        return build_margin_engine(config_json);
      } catch (const invalid_argument& e) {
        throw invalid_argument(std::string(e.what()) + " (in \"" + source.name + "\")");
      }
    }();
    // A config with a "bar" is backtested on the bars it samples (days then count bars of it).
    std::span<const timestamp_us> run_times = times;
    std::span<const double> run_prices = prices;
    bar_series bars;
    std::int64_t config_steps_per_day = steps_per_day;
    if (engine.bar) {
      bars = sample_into_bars(times, prices, *engine.bar, component);
      run_times = bars.times;
      run_prices = bars.prices;
      config_steps_per_day = steps_per_day_for(engine.bar->count() / microseconds_per_second, settings.steps_per_day);
      say(component + ": " + source.name + ": " + std::to_string(prices.size()) + " prices sampled into " +
              std::to_string(run_prices.size()) + " bars of " + format_duration(*engine.bar),
          false);
    } else {
      say(irregular_feed_warning(times, component + ": " + source.name), true);
    }
    backtest_config config;
    double coverage = settings.coverage;
    if (coverage == 0.0) {
      coverage = 0.99;
      if (config_json.contains("risk") && config_json["risk"].contains("confidence") &&
          config_json["risk"]["confidence"].is_number()) {
        coverage = config_json["risk"]["confidence"].get<double>();
      }
    }
    // The setting typed is named (a percent such as 99 is the usual slip), or the config's field.
    if (!(coverage >= 0.5 && coverage < 1.0)) {
      if (settings.coverage != 0.0) {
        throw_invalid_argument(component, labels.parameter("coverage"),
                               "is the VaR coverage level and must be in [0.5, 1) (0.99 for 99%)", coverage);
      }
      throw_invalid_argument(component, "risk.confidence of " + source.name,
                             "is the default coverage and must be in [0.5, 1)", coverage);
    }
    config.coverage = confidence_level(coverage);
    std::string note;
    config.horizon_steps = rows_of_count_or_span(component, labels.parameter("horizon"), settings.horizon, spacing, 0,
                                                 engine.bar, &note);
    say(std::exchange(note, {}), true);
    config.side = settings.side == "long" ? position_side::long_position : position_side::short_position;
    config.warmup = static_cast<std::size_t>(
        rows_of_count_or_span(component, labels.parameter("warmup"), settings.warmup, spacing, 0, engine.bar, &note));
    say(note, true);
    config.steps_per_day = config_steps_per_day;
    config.constant_quantity_metrics = true;
    config.es_simulations = settings.simulations;
    config.es_resamples = settings.simulations;
    config.seed = settings.seed;
    // The Z2 null follows the config's distribution: Student t with its nu, else normal.
    if (config_json.contains("risk") && config_json["risk"].value("dist", std::string()) == "student_t") {
      config.es_null = {distribution_shape::student_t, config_json["risk"].value("nu", 4.0)};
    }
    if (labels.progress) {
      config.progress = [&labels, &source](std::size_t done, std::size_t rows) {
        labels.progress(source.name, done, rows);
      };
    }
    backtest_run_result result;
    backtest_report report = backtest(std::move(engine.function), run_times, run_prices, config, &result.path);
    result.report = backtest_report_json(report, result.path, config);
    result.report["config"] = source.name;
    if (config_json.contains("name") && config_json["name"].is_string()) result.report["name"] = config_json["name"];
    result.report["steps_per_day"] = config_steps_per_day;
    if (engine.bar) {
      result.report["bar"] = format_duration(*engine.bar);
      result.report["bars"] = run_prices.size();
      result.bar_last_index = std::move(bars.last_index);
    }
    reports.push_back({source.name, std::move(report)});
    results.push_back(std::move(result));
  }
  if (results.size() > 1) {
    const auto frontier = policy_frontier(reports, 5 * steps_per_day);
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto& p = frontier[i];
      results[i].report["frontier"] = {{"on_frontier", p.on_frontier},
                                       {"dominated_by", p.dominated_by},
                                       {"exception_rate", detail::finite_json(p.exception_rate)},
                                       {"peak_to_trough", detail::finite_json(p.peak_to_trough)},
                                       {"largest_5day_increase", detail::finite_json(p.largest_increase)},
                                       {"mean_rate", detail::finite_json(p.mean_rate)}};
    }
  }
  return results;
}

/// @brief What `dynmargin backtest` prints: one config's report, or an object keyed by config
///        name holding each report.
[[nodiscard]] inline nlohmann::json backtest_output(const std::vector<backtest_run_result>& results) {
  if (results.size() == 1) return results.front().report;
  nlohmann::json all = nlohmann::json::object();
  for (const auto& r : results) all[r.report["config"].get<std::string>()] = r.report;
  return all;
}

}  // namespace dynmargin
