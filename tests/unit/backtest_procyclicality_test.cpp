// SPDX-License-Identifier: MIT
// Procyclicality metrics (dynmargin/backtest/procyclicality.hpp) on hand-built margin paths
// whose answers follow by counting, and the rolling ES against a brute-force recomputation.
#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "catch.hpp"
#include "dynmargin/backtest/procyclicality.hpp"
#include "dynmargin/core/random.hpp"

using namespace dynmargin;

namespace {
std::vector<double> step_path(std::size_t n, std::size_t jump_at, double before, double after) {
  std::vector<double> m(n, before);
  for (std::size_t t = jump_at; t < n; ++t) m[t] = after;
  return m;
}
}  // namespace

TEST_CASE("A constant margin is not procyclical", "[backtest][procyclicality]") {
  const std::vector<double> rates(400, 0.1);
  const auto p = procyclicality_metrics(rates);
  CHECK(p.observations == 400);
  CHECK(p.peak_to_trough == 1.0);
  CHECK_THAT(p.mean_rate, dmtest::within_rel(0.1, 1e-14));
  CHECK(p.largest_call == 0.0);
  CHECK(p.zone == procyclicality_zone::green);
  REQUIRE(p.horizons.size() == 3);
  for (const auto& h : p.horizons) {
    CHECK(h.changes == 400 - static_cast<std::size_t>(h.steps));
    CHECK(h.max_change == 0.0);
    CHECK(h.max_rolling_es == 0.0);
    CHECK(h.windows == h.changes - 250 + 1);
  }
}

// Margin 1 for 300 days, then 3 (x3) over 600 days. 5-day changes (t = 5..599, 595 of them)
// are +200% at t = 300..304, else 0. A 250-change window holding all five has
// ES95 = 5 * 2 / 12.5 = 0.8 (k = 250 * 0.05 = 12.5): amber (> 0.5, <= 1.0). Windows end at
// change index e = 249..594 and hold the five (indices 295..299) for e in [299, 544]: 246
// windows; holding four (ES 0.64, amber) at e = 298 and e = 545: 248 amber windows in all.
// 30-day changes: 30 changes of +200%, ES = 12.5 * 2 / 12.5 = 2.0: amber (> 1.25, <= 2.5).
// 1-day: one change of +200%, ES = 2 / 12.5 = 0.16, no threshold. Peak-to-trough 3, largest
// call 2 (rate 1 -> 3) at t = 300, mean (300 + 300 * 3) / 600 = 2.
TEST_CASE("A step that triples margin: amber on ICE's thresholds", "[backtest][procyclicality]") {
  const auto m = step_path(600, 300, 1.0, 3.0);
  const auto p = procyclicality_metrics(m);
  CHECK(p.peak_to_trough == 3.0);
  CHECK(p.peak_index == 300);
  CHECK(p.trough_index == 0);
  CHECK(p.largest_call == 2.0);
  CHECK(p.largest_call_index == 300);
  CHECK_THAT(p.mean_rate, dmtest::within_rel(2.0, 1e-14));
  const auto& d1 = p.horizons[0];
  CHECK(d1.steps == 1);
  CHECK_THAT(d1.max_rolling_es, dmtest::within_rel(0.16, 1e-12));
  CHECK(d1.zone == procyclicality_zone::green);
  const auto& d5 = p.horizons[1];
  CHECK(d5.steps == 5);
  CHECK(d5.changes == 595);
  CHECK(d5.max_change == 2.0);
  CHECK(d5.max_change_index == 300);
  CHECK(d5.windows == 346);
  CHECK_THAT(d5.max_rolling_es, dmtest::within_rel(0.8, 1e-12));
  CHECK(d5.max_rolling_es_end == 299 + 5);
  CHECK(d5.windows_amber == 248);
  CHECK(d5.windows_red == 0);
  CHECK(d5.zone == procyclicality_zone::amber);
  CHECK(d5.last_rolling_es == 0.0);
  const auto& d30 = p.horizons[2];
  CHECK_THAT(d30.max_rolling_es, dmtest::within_rel(2.0, 1e-12));
  CHECK(d30.zone == procyclicality_zone::amber);
  CHECK(p.zone == procyclicality_zone::amber);
}

// x4: 5-day ES = 5 * 3 / 12.5 = 1.2 > 1.0 (red); 30-day ES = 3.0 > 2.5 (red).
// x2: 5-day ES = 0.4 and 30-day ES = 1.0, both green.
TEST_CASE("Quadrupling margin is red, doubling is green", "[backtest][procyclicality]") {
  const auto red = procyclicality_metrics(step_path(600, 300, 1.0, 4.0));
  CHECK_THAT(red.horizons[1].max_rolling_es, dmtest::within_rel(1.2, 1e-12));
  CHECK(red.horizons[1].zone == procyclicality_zone::red);
  CHECK(red.horizons[1].windows_red == 246);
  CHECK_THAT(red.horizons[2].max_rolling_es, dmtest::within_rel(3.0, 1e-12));
  CHECK(red.horizons[2].zone == procyclicality_zone::red);
  CHECK(red.zone == procyclicality_zone::red);
  const auto green = procyclicality_metrics(step_path(600, 300, 1.0, 2.0));
  CHECK_THAT(green.horizons[1].max_rolling_es, dmtest::within_rel(0.4, 1e-12));
  CHECK_THAT(green.horizons[2].max_rolling_es, dmtest::within_rel(1.0, 1e-12));
  CHECK(green.zone == procyclicality_zone::green);
  // A fall is not procyclical on these measures: changes are negative, ES <= 0.
  const auto fall = procyclicality_metrics(step_path(600, 300, 4.0, 1.0));
  CHECK(fall.horizons[1].max_rolling_es <= 0.0);
  CHECK(fall.largest_call == 0.0);
  CHECK(fall.peak_to_trough == 4.0);
}

// Acerbi-Tasche with a fractional count: 10 values, level 0.75, k = 2.5:
// (5 + 4 + 0.5 * 3) / 2.5 = 4.2.
TEST_CASE("Fractional expected shortfall of a window", "[backtest][procyclicality]") {
  // margin path whose 1-step changes are 5, 4, 3, 0, 0, ... (m doubles as needed).
  std::vector<double> m{1.0};
  for (double change : {0.0, 3.0, 0.0, 4.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0}) m.push_back(m.back() * (1.0 + change));
  procyclicality_metrics_config config;
  config.horizons = {{1, 0.0, 0.0}};
  config.window = 10;
  config.es_level = confidence_level(0.75);
  const auto p = procyclicality_metrics(m, std::vector<double>(m.size(), 1.0), config);
  CHECK(p.horizons[0].windows == 1);
  CHECK_THAT(p.horizons[0].max_rolling_es, dmtest::within_rel(4.2, 1e-14));
  // Fewer changes than the window: one window of all of them.
  config.window = 50;
  CHECK(procyclicality_metrics(m, std::vector<double>(m.size(), 1.0), config).horizons[0].windows == 1);
}

TEST_CASE("Rolling ES equals a brute-force recomputation on a random path", "[backtest][procyclicality]") {
  random_stream rng(99);
  std::vector<double> m{0.1};
  // A volatility regime change halfway makes the tail of the windows move (buffer resets).
  for (int t = 1; t < 3000; ++t) m.push_back(m.back() * std::exp((t < 1500 ? 0.05 : 0.01) * rng.normal()));
  for (std::int64_t stride : {1, 13}) {
    procyclicality_metrics_config config;
    config.horizons = {{1, 0.0, 0.0}, {7, 0.2, 0.4}};
    config.window = 333;
    config.es_level = confidence_level(0.97);
    config.stride = stride;
    const auto p = procyclicality_metrics(m, std::vector<double>(m.size(), 1.0), config);
    for (const auto& h : p.horizons) {
      const std::size_t lag = static_cast<std::size_t>(h.steps);
      std::vector<double> changes;
      for (std::size_t t = lag; t < m.size(); ++t) changes.push_back(m[t] / m[t - lag] - 1.0);
      double worst = -1e300, last = 0.0;
      std::size_t amber = 0, red = 0, windows = 0;
      const double k = 333.0 * 0.03;  // 9.99: the 9 largest and 0.99 of the 10th
      for (std::size_t e = 332; e < changes.size(); ++e) {
        if ((e - 332) % static_cast<std::size_t>(stride) != 0 && e + 1 != changes.size()) continue;
        std::vector<double> w(changes.begin() + static_cast<std::ptrdiff_t>(e - 332),
                              changes.begin() + static_cast<std::ptrdiff_t>(e + 1));
        std::sort(w.begin(), w.end(), std::greater<>());
        double es = 0.0;
        for (int i = 0; i < 9; ++i) es += w[static_cast<std::size_t>(i)];
        es = (es + 0.99 * w[9]) / k;
        ++windows;
        worst = std::max(worst, es);
        last = es;
        if (h.red > 0.0 && es > h.red) ++red;
        else if (h.amber > 0.0 && es > h.amber) ++amber;
      }
      INFO("steps " << h.steps << ", stride " << stride);
      CHECK(h.windows == windows);
      CHECK_THAT(h.max_rolling_es, dmtest::within_rel(worst, 1e-13));  // the same sums in another order
      CHECK_THAT(h.last_rolling_es, dmtest::within_rel(last, 1e-13));
      CHECK(h.windows_amber == amber);
      CHECK(h.windows_red == red);
      CHECK(h.max_change == *std::max_element(changes.begin(), changes.end()));
    }
  }
}

// Constant quantity: margin = rate * price, notional = price. Rate 10% throughout, price
// 100 -> 50 -> 100: amounts 10, 5, 10; the call at t = 2 is (10 - 5) / 100 = 5% of the
// position; mean rate 10%; peak-to-trough of amounts 2.
TEST_CASE("Margin amounts of a constant quantity", "[backtest][procyclicality]") {
  const std::vector<double> price{100.0, 50.0, 100.0};
  const std::vector<double> amount{10.0, 5.0, 10.0};
  procyclicality_metrics_config config;
  config.horizons = {{1, 0.0, 0.0}};
  config.window = 2;
  const auto p = procyclicality_metrics(amount, price, config);
  CHECK_THAT(p.largest_call, dmtest::within_rel(0.05, 1e-15));
  CHECK(p.largest_call_index == 2);
  CHECK_THAT(p.mean_rate, dmtest::within_rel(0.1, 1e-15));
  CHECK(p.peak_to_trough == 2.0);
  CHECK(p.horizons[0].max_change == 1.0);
}

TEST_CASE("Hourly ICE settings and bad input", "[backtest][procyclicality]") {
  const auto hourly = procyclicality_metrics_config::ice(24);
  CHECK(hourly.window == 6000);
  CHECK(hourly.horizons[0].steps == 24);
  CHECK(hourly.horizons[1].steps == 120);
  CHECK(hourly.horizons[2].steps == 720);
  CHECK(hourly.horizons[1].amber == 0.5);
  CHECK(hourly.horizons[2].red == 2.5);
  CHECK(hourly.stride == 24);
  REQUIRE_THROWS_WITH(procyclicality_metrics(std::vector<double>{0.1, 0.0}),
                      "procyclicality_metrics: margin at 1 must be finite and > 0, got 0");
  REQUIRE_THROWS_WITH(procyclicality_metrics(std::vector<double>{}), dmtest::contains("margin must not be empty"));
  procyclicality_metrics_config bad;
  bad.horizons = {{5, 1.0, 0.5}};
  REQUIRE_THROWS_WITH(procyclicality_metrics(std::vector<double>{0.1, 0.2}, bad),
                      dmtest::contains("red threshold must be finite, >= 0 and >= the amber threshold, got 0.5"));
  REQUIRE_THROWS_WITH(procyclicality_metrics_config::ice(0), dmtest::contains("steps_per_day must be at least 1"));
  // A path shorter than the horizon: no changes, green, no NaN.
  const auto short_path = procyclicality_metrics(std::vector<double>{0.1, 0.2, 0.3});
  CHECK(short_path.horizons[2].changes == 0);
  CHECK(short_path.horizons[2].windows == 0);
  CHECK(short_path.horizons[2].zone == procyclicality_zone::green);
}
