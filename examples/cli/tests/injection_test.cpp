// SPDX-License-Identifier: MIT
// Robust prices by default (issue 12 §5): one bad print -- 1e308, 1e-308, 0, or a -99% print
// that the next price reverts -- put in place of a genuine price of each shipped price file,
// run through each shipped config exactly as `dynmargin margin` runs it (the same engine,
// the same bar sampling), moves no initial margin by more than the largest move between two
// consecutive margins of the clean file, and is flagged (the quote after it says
// price_suspect, the `price_suspect` column of `dynmargin margin`).
//
// The bad print replaces the price of a row that closes a bar of the config (for a config
// without "bar", any row), because that is the print the function sees: a print inside a bar
// that a later price of the same bar overrides never reaches the function and cannot move it.
// GCC 12 reports a false -Wmaybe-uninitialized when it inlines the move of a std::variant
// whose alternatives hold vectors (any_risk in margin_config.hpp), as in cmd_margin.cpp; the
// pragma must precede every include.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "../cli_common.hpp"
#include "../margin_config.hpp"
#include "catch.hpp"
#include "dynmargin/backtest/replay.hpp"

namespace {

namespace fs = std::filesystem;

struct margin_run {
  std::vector<dynmargin::timestamp_us> times;  // the times the function saw (bar ends with a "bar")
  std::vector<double> initial_rate;            // NaN before the function is ready
  std::vector<bool> suspect;
};

margin_run run_config(const fs::path& config, const std::vector<dynmargin::timestamp_us>& raw_times,
                      const std::vector<double>& raw_prices) {
  auto engine = dynmargin_cli::load_margin_engine(config.string());
  std::vector<dynmargin::timestamp_us> times = raw_times;
  std::vector<double> prices = raw_prices;
  if (engine.bar) {
    auto bars = dynmargin_cli::sample_into_bars(raw_times, raw_prices, *engine.bar, "margin");
    times = std::move(bars.times);
    prices = std::move(bars.prices);
  }
  margin_run run;
  run.times = times;
  run.initial_rate.assign(times.size(), std::numeric_limits<double>::quiet_NaN());
  run.suspect.assign(times.size(), false);
  dynmargin::replay_each(engine.function, std::span<const dynmargin::timestamp_us>(times),
                         std::span<const double>(prices), 1.0,
                         [&](std::size_t row, dynmargin::status, const dynmargin::margin_quote& q) {
                           if (q.ready) run.initial_rate[row] = q.initial_rate;
                           run.suspect[row] = engine.function.price_suspect();
                         });
  return run;
}

// The largest move between consecutive quoted margins.
double largest_move(const std::vector<double>& rates) {
  double largest = 0.0;
  for (std::size_t i = 1; i < rates.size(); ++i) {
    if (std::isfinite(rates[i]) && std::isfinite(rates[i - 1])) {
      largest = std::max(largest, std::fabs(rates[i] - rates[i - 1]));
    }
  }
  return largest;
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == extension) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("one bad print in each shipped file, with each shipped config, moves no margin and is flagged",
          "[cli][guard]") {
  const fs::path data = DYNMARGIN_EXAMPLE_DATA_DIR;
  const fs::path configs = DYNMARGIN_EXAMPLE_CONFIG_DIR;
  std::vector<fs::path> price_files;
  for (const auto& file : files_in(data, ".csv")) {
    if (file.filename().string().find("options") == std::string::npos) price_files.push_back(file);
  }
  const auto config_files = files_in(configs, ".json");
  REQUIRE(price_files.size() >= 8);
  REQUIRE(config_files.size() >= 4);
  std::size_t cases = 0;
  std::size_t never_quoting = 0;  // (file, config) pairs without a margin to move
  for (const auto& file : price_files) {
    // As `--sort --dedupe` (the Binance export repeats times): the test is about bad prints.
    const auto series = dynmargin_cli::read_prices("injection", file.string(), "", {true, true, false});
    REQUIRE(series.prices.size() > 1000);
    for (const auto& config : config_files) {
      const auto engine = dynmargin_cli::load_margin_engine(config.string());
      const margin_run clean = run_config(config, series.times, series.prices);
      const double tolerance = largest_move(clean.initial_rate);
      // Row k: from the middle of the file on, the first row that closes a bar (any row without
      // a "bar") before which the clean function already quotes a margin (out of warm-up).
      const std::optional<std::int64_t> bar = engine.bar ? std::optional<std::int64_t>(engine.bar->count())
                                                         : std::nullopt;
      std::size_t k = series.prices.size() / 2;
      std::size_t row = clean.times.size();
      for (; k + 1 < series.prices.size(); ++k) {
        if (bar && dynmargin::epoch_microseconds(series.times[k]) % *bar != 0) continue;
        const auto at = std::find(clean.times.begin(), clean.times.end(), series.times[k]);
        if (at == clean.times.end()) continue;
        row = static_cast<std::size_t>(at - clean.times.begin());
        if (row > 0 && std::isfinite(clean.initial_rate[row - 1])) break;  // quoting before the bad print
      }
      INFO(file.filename().string() << " with " << config.filename().string());
      if (k + 1 >= series.prices.size()) {
        // The config never quotes in the second half of this file (FHS with a 1,000-step
        // window on SOL's 1,180 days): nothing a bad print could move. Counted, not tested.
        CHECK(std::none_of(clean.initial_rate.begin() + static_cast<std::ptrdiff_t>(clean.initial_rate.size() / 2),
                           clean.initial_rate.end() - 1, [](double r) { return std::isfinite(r); }));
        ++never_quoting;
        continue;
      }
      REQUIRE(std::isfinite(clean.initial_rate[row]));
      for (const double bad : {1e308, 1e-308, 0.0, 0.01 * series.prices[k - 1]}) {
        INFO(file.filename().string() << " with " << config.filename().string() << ": price " << bad << " at row "
                                      << k);
        std::vector<double> prices = series.prices;
        prices[k] = bad;  // the next genuine price reverts it
        const margin_run injected = run_config(config, series.times, prices);
        REQUIRE(injected.times == clean.times);
        CHECK(injected.suspect[row]);
        double worst = 0.0;
        for (std::size_t i = 0; i < clean.initial_rate.size(); ++i) {
          const double a = clean.initial_rate[i];
          const double b = injected.initial_rate[i];
          REQUIRE(std::isfinite(a) == std::isfinite(b));
          if (std::isfinite(a)) worst = std::max(worst, std::fabs(b - a));
        }
        CHECK(worst <= tolerance);
        ++cases;
      }
    }
  }
  CHECK(never_quoting <= 1);
  CHECK(cases == 4 * (price_files.size() * config_files.size() - never_quoting));
}
