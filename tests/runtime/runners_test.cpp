// SPDX-License-Identifier: MIT
// The loops the command-line tool and the Python module share: the spacing of a series and
// spans of time as rows (core/spacing.hpp), a margin engine over a history (runtime/
// margin_run.hpp) and backtests of JSON configs (runtime/backtest_run.hpp). Expected values are
// counted by hand or follow from the config (a floor that binds everywhere); the backtest
// report is checked against dynmargin::backtest called directly.
// GCC 12 reports a false -Wmaybe-uninitialized when it inlines the move of any_risk (a
// std::variant whose alternatives hold vectors); the pragma must precede every include.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "dynmargin/core/spacing.hpp"
#include "dynmargin/runtime/backtest_run.hpp"
#include "dynmargin/runtime/config_reader.hpp"
#include "dynmargin/runtime/margin_run.hpp"

namespace {

using dynmargin::timestamp_us;
auto contains(const std::string& text) { return dmtest::contains(text); }

timestamp_us at_seconds(std::int64_t s) { return timestamp_us{std::chrono::seconds{s}}; }

std::vector<timestamp_us> daily_times(std::size_t n) {
  std::vector<timestamp_us> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(at_seconds(1'600'000'000 + 86'400 * static_cast<std::int64_t>(i)));
  return out;
}

/// A random walk with fat enough moves to produce exceptions: deterministic, no RNG.
std::vector<double> walk(std::size_t n) {
  std::vector<double> prices{100.0};
  for (std::size_t i = 1; i < n; ++i) {
    const double x = std::sin(static_cast<double>(i) * 12.9898) * 43758.5453;
    const double u = x - std::floor(x);  // in [0, 1)
    prices.push_back(prices.back() * std::exp(0.04 * (u - 0.5) + (i % 97 == 0 ? -0.15 : 0.0)));
  }
  return prices;
}

nlohmann::json floor_config(double floor_rate) {
  return nlohmann::json::parse(R"({"volatility": {"model": "ewma", "lambda": 0.94},
      "risk": {"method": "parametric", "confidence": 0.99, "horizon": 2},
      "min_returns": 20,
      "price_guard": {"max_staleness": "36h"},
      "policies": [{"type": "floor", "rate": )" +
                               std::to_string(floor_rate) + "}]}");
}

}  // namespace

TEST_CASE("modal_spacing: the majority spacing, else the most common with the smallest winning ties") {
  const std::vector<std::int64_t> majority{60, 60, 120, 60, 60, 30};
  CHECK(dynmargin::modal_spacing(majority.size(), [&](std::size_t i) { return majority[i]; }) == 60);
  // No majority: 30 and 90 both appear twice, 60 once; the smaller of the tied wins.
  const std::vector<std::int64_t> spread{90, 30, 60, 90, 30, 15};
  CHECK(dynmargin::modal_spacing(spread.size(), [&](std::size_t i) { return spread[i]; }) == 30);
  CHECK(dynmargin::modal_spacing(0, [](std::size_t) { return std::int64_t{7}; }) == 0);
}

TEST_CASE("measure_spacing: step, gaps, missing rows and irregular spacings counted by hand") {
  // Daily, then a 3-day gap (2 rows missing), then a 1.5-day spacing (a gap of 1 missing row
  // that is also irregular), then daily.
  std::vector<timestamp_us> times{at_seconds(0),
                                  at_seconds(86'400),
                                  at_seconds(2 * 86'400),
                                  at_seconds(5 * 86'400),
                                  at_seconds(5 * 86'400 + 129'600),
                                  at_seconds(7 * 86'400 + 43'200)};
  times.push_back(times.back() + std::chrono::seconds{86'400});
  const auto s = dynmargin::measure_spacing(times);
  CHECK(s.has_times);
  CHECK(s.step_microseconds == 86'400'000'000);
  CHECK(s.gaps == 2);
  CHECK(s.missing_steps == 3);
  CHECK(s.irregular_spacings == 1);
  CHECK_FALSE(dynmargin::measure_spacing({}).has_times);
}

TEST_CASE("rows_of_count_or_span: counts, spans of the step or of a bar, and refusals naming the setting") {
  dynmargin::series_spacing daily;
  daily.has_times = true;
  daily.step_microseconds = 86'400'000'000;
  CHECK(dynmargin::rows_of_count_or_span("backtest", "horizon", "10", daily) == 10);
  CHECK(dynmargin::rows_of_count_or_span("backtest", "horizon", "2w", daily) == 14);
  CHECK(dynmargin::rows_of_count_or_span("backtest", "horizon", "2d", daily, 0, dynmargin::duration{3'600'000'000}) ==
        48);
  CHECK_THROWS_WITH(dynmargin::rows_of_count_or_span("backtest", "horizon", "36h", daily),
                    contains("horizon") && contains("whole number of rows") && contains("\"36h\""));
  CHECK_THROWS_WITH(dynmargin::rows_of_count_or_span("backtest", "warmup", "-3", daily, 0),
                    contains("warmup must be at least 0"));
  CHECK_THROWS_WITH(dynmargin::rows_of_count_or_span("backtest", "horizon", "two days", daily),
                    contains("count of rows or a span of time"));
  CHECK_THROWS_WITH(dynmargin::rows_of_count_or_span("backtest", "horizon", "2d", dynmargin::series_spacing{}),
                    contains("no times"));
  // A span over a series with gaps is counted, with a note that its windows cover more time.
  daily.gaps = 3;
  std::string note;
  CHECK(dynmargin::rows_of_count_or_span("var", "--window", "30d", daily, 1, std::nullopt, &note) == 30);
  CHECK_THAT(note, contains("var: --window 30d counts 30 rows") && contains("3 gaps"));
}

TEST_CASE("run_margin: every row reaches the sink; a floor that binds sets the rate; stale rows are counted") {
  auto engine = dynmargin::build_margin_engine(floor_config(0.9));
  std::vector<timestamp_us> times = daily_times(120);
  // Rows 100.. arrive two days after the previous: the feed stopped for longer than 36h once.
  for (std::size_t i = 100; i < times.size(); ++i) times[i] += std::chrono::hours{48};
  const std::vector<double> prices = walk(times.size());
  std::vector<dynmargin::margin_run_row> rows;
  std::vector<double> initial;
  std::vector<int> binding;
  const auto report = dynmargin::run_margin(engine.function, times, prices, 1000.0, {},
                                            [&](const dynmargin::margin_run_row& r) {
                                              rows.push_back(r);
                                              initial.push_back(r.quote->ready ? r.quote->initial_rate : -1.0);
                                              binding.push_back(r.quote->binding_index);
                                            });
  REQUIRE(rows.size() == times.size());
  CHECK(report.rows == times.size());
  CHECK(report.stale_rows == 1);
  CHECK(rows[100].stale);
  CHECK_FALSE(rows[101].stale);
  CHECK(report.max_staleness_seconds == 36 * 3600);
  // EWMA 0.94 burns in over 76 returns (docs/margin.md; min_returns 20 is below it): rows
  // 0..75 warm up, row 76 has seen 76 returns.
  CHECK(report.ready_rows == times.size() - 76);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i].row == i);
    if (i < 76) {
      CHECK(initial[i] == -1.0);
    } else {
      CHECK(initial[i] == 0.9);  // the floor is far above a 2-day 99% VaR of 2% moves
      CHECK(binding[i] == 0);
    }
  }
}

TEST_CASE("run_margin: open interest is checked per row and names the caller's row") {
  auto engine = dynmargin::build_margin_engine(floor_config(0.05));
  const std::vector<timestamp_us> times = daily_times(30);
  const std::vector<double> prices = walk(times.size());
  std::vector<double> oi(times.size(), 1e6);
  oi[7] = -1.0;
  dynmargin::margin_run_labels labels;
  labels.row = [](std::size_t i) { return "line " + std::to_string(i + 2); };
  labels.open_interest = "oi_column";
  const auto ignore = [](const dynmargin::margin_run_row&) {};
  CHECK_THROWS_WITH(dynmargin::run_margin(engine.function, times, prices, 1.0, oi, ignore, labels),
                    contains("margin: oi_column on line 9 must be finite and >= 0, got -1"));
  auto fresh = dynmargin::build_margin_engine(floor_config(0.05));
  oi[7] = std::numeric_limits<double>::quiet_NaN();  // keeps the last value
  std::vector<timestamp_us> backwards = times;
  backwards[12] = backwards[11];
  CHECK_THROWS_WITH(dynmargin::run_margin(fresh.function, backwards, prices, 1.0, oi, ignore, labels),
                    contains("margin: time on line 14 must be later than the previous row's"));
  const std::vector<double> short_oi(3, 1.0);
  CHECK_THROWS_WITH(dynmargin::run_margin(fresh.function, times, prices, 1.0, short_oi, ignore, labels),
                    contains("oi_column has 3 values for 30 prices"));
}

TEST_CASE("require_margin: a run that never left the warm-up is an error") {
  auto engine = dynmargin::build_margin_engine(floor_config(0.05));
  const std::vector<timestamp_us> times = daily_times(10);
  const std::vector<double> prices = walk(times.size());
  const auto report = dynmargin::run_margin(engine.function, times, prices, 1.0, {}, [](const auto&) {});
  CHECK(report.ready_rows == 0);
  CHECK_THROWS_WITH(dynmargin::require_margin(report, "margin"),
                    contains("margin: no margin: all 10 rows are in warm-up"));
}

TEST_CASE("run_backtests: the report is dynmargin::backtest's, with the config's defaults and the frontier") {
  const std::vector<timestamp_us> times = daily_times(800);
  const std::vector<double> prices = walk(times.size());
  const auto spacing = dynmargin::measure_spacing(times);
  nlohmann::json tight = floor_config(0.0);
  tight["risk"]["confidence"] = 0.975;
  tight["name"] = "tight";
  const std::vector<dynmargin::backtest_run_config> configs{{"tight.json", tight}, {"floor.json", floor_config(0.2)}};
  dynmargin::backtest_run_settings settings;
  settings.horizon = "2d";
  settings.warmup = "10";
  settings.simulations = 50;
  const auto results = dynmargin::run_backtests(configs, times, prices, spacing, settings);
  REQUIRE(results.size() == 2);
  const auto& first = results[0].report;
  CHECK(first["coverage"].get<double>() == 0.975);  // risk.confidence is the default coverage
  CHECK(first["horizon_steps"].get<std::int64_t>() == 2);
  CHECK(first["steps_per_day"].get<std::int64_t>() == 1);
  CHECK(first["name"] == "tight");
  CHECK(first["config"] == "tight.json");
  CHECK(first.contains("frontier"));

  // The same backtest called directly.
  auto engine = dynmargin::build_margin_engine(tight);
  dynmargin::backtest_config direct;
  direct.coverage = dynmargin::confidence_level(0.975);
  direct.horizon_steps = 2;
  direct.warmup = 10;
  direct.constant_quantity_metrics = true;
  direct.es_simulations = 50;
  direct.es_resamples = 50;
  dynmargin::backtest_path path;
  const auto report = dynmargin::backtest(std::move(engine.function), std::span<const timestamp_us>(times),
                                          std::span<const double>(prices), direct, &path);
  CHECK(first["observations"].get<std::size_t>() == report.observations);
  CHECK(first["exceptions"].get<std::size_t>() == report.exceptions);
  CHECK(first["kupiec"]["p_value"].get<double>() == report.tests.kupiec.p_value);
  CHECK(first["mean_rate"].get<double>() == report.mean_rate);
  CHECK(report.exceptions > 0);
  // A floor of 20% costs more and has fewer exceptions: neither dominates the other.
  CHECK(results[1].report["exceptions"].get<std::size_t>() < report.exceptions);
  CHECK(results[1].report["frontier"]["on_frontier"].get<bool>());
  CHECK(first["frontier"]["on_frontier"].get<bool>());
  const auto output = dynmargin::backtest_output(results);
  CHECK(output.contains("tight.json"));
  CHECK(output.contains("floor.json"));
}

TEST_CASE("run_backtests: refusals name the caller's setting or the config") {
  const std::vector<timestamp_us> times = daily_times(100);
  const std::vector<double> prices = walk(times.size());
  const auto spacing = dynmargin::measure_spacing(times);
  const std::vector<dynmargin::backtest_run_config> configs{{"a.json", floor_config(0.05)}};
  dynmargin::backtest_run_labels labels;
  labels.parameter = [](std::string_view name) { return "--" + std::string(name); };
  dynmargin::backtest_run_settings settings;
  settings.coverage = 99.0;
  CHECK_THROWS_WITH(dynmargin::run_backtests(configs, times, prices, spacing, settings, labels),
                    contains("--coverage") && contains("0.99 for 99%"));
  settings = {};
  settings.side = "flat";
  CHECK_THROWS_WITH(dynmargin::run_backtests(configs, times, prices, spacing, settings, labels),
                    contains("backtest: --side must be long or short, got flat"));
  settings = {};
  settings.horizon = "36h";
  CHECK_THROWS_WITH(dynmargin::run_backtests(configs, times, prices, spacing, settings, labels), contains("--horizon"));
  nlohmann::json bad = floor_config(0.05);
  bad["risk"]["confidence"] = 1.5;
  const std::vector<dynmargin::backtest_run_config> bad_configs{{"bad.json", bad}};
  CHECK_THROWS_WITH(dynmargin::run_backtests(bad_configs, times, prices, spacing, {}, labels),
                    contains("(in \"bad.json\")"));
}
