// SPDX-License-Identifier: MIT
// Replay and backtest report (dynmargin/backtest/replay.hpp): exceptions of a hand-built path,
// the non-overlapping subsample, an EWMA margin function on BTC daily against an independent
// recomputation, bit-identical reruns, and the policy frontier.
#include <cmath>
#include <cstring>
#include <vector>

#include "catch.hpp"
#include "dynmargin/backtest/replay.hpp"
#include "dynmargin/io/io.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

// An exchange-style fixed rate: the smallest thing the replay accepts.
struct fixed_rate_function {
  double rate = 0.1;
  bool started = false;
  status update(timestamp, double) noexcept {
    started = true;
    return status::ok;
  }
  struct quote_type {
    bool ready = false;
    double initial_rate = 0.0;
  };
  [[nodiscard]] quote_type quote(double) const noexcept { return {started, rate}; }
};

// The same, but not ready at times 3 and 4 (an engine pausing quotes).
struct gapped_function {
  fixed_rate_function inner;
  timestamp now = 0;
  status update(timestamp time, double price) noexcept {
    now = time;
    return inner.update(time, price);
  }
  [[nodiscard]] fixed_rate_function::quote_type quote(double quantity) const noexcept {
    auto q = inner.quote(quantity);
    if (now == 3 || now == 4) q.ready = false;
    return q;
  }
};

const std::vector<timestamp> hand_times{0, 1, 2, 3, 4, 5, 6, 7};
const std::vector<double> hand_prices{100, 95, 80, 89, 89, 70, 76, 80};

template <class T>
bool bit_identical(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

}  // namespace

static_assert(replayable_margin_function<fixed_rate_function>);
static_assert(!exposes_risk_model<fixed_rate_function>);

// Rate 10%, h = 1. Long losses 1 - P_{t+1}/P_t: 0.05, 0.158, -0.11, 0, 0.2135, -0.086, -0.053:
// exceptions at t = 1 and 4 of 7 evaluated rows (row 7 has no next price).
// Short losses P_{t+1}/P_t - 1: only t = 2 (89/80 - 1 = 0.1125) exceeds 10%.
TEST_CASE("Exceptions of a fixed rate on a hand-built path", "[backtest][replay]") {
  fixed_rate_function f;
  backtest_config config;
  const auto path = replay_margin(f, hand_times, hand_prices, config);
  CHECK(path.horizon_steps == 1);
  CHECK_FALSE(path.has_risk_model);
  CHECK(path.evaluated == std::vector<std::uint8_t>{1, 1, 1, 1, 1, 1, 1, 0});
  CHECK(path.exception == std::vector<std::uint8_t>{0, 1, 0, 0, 1, 0, 0, 0});
  CHECK(path.evaluated_count == 7);
  CHECK(path.exception_count == 2);
  CHECK_THAT(path.loss[1], dmtest::within_rel(1.0 - 80.0 / 95.0, 1e-15));
  CHECK(path.loss[7] == 0.0);

  config.side = position_side::short_position;
  fixed_rate_function g;
  const auto short_path = replay_margin(g, hand_times, hand_prices, config);
  CHECK(short_path.exception == std::vector<std::uint8_t>{0, 0, 1, 0, 0, 0, 0, 0});
  CHECK_THAT(short_path.loss[2], dmtest::within_rel(89.0 / 80.0 - 1.0, 1e-15));
}

// h = 2, long: losses 1 - P_{t+2}/P_t = 0.2, 0.063, -0.11, 0.2135, 0.146, -0.14 for t = 0..5:
// exceptions at 0, 3, 4 (3 of 6). Non-overlapping subsample t = 0, 2, 4: hits 1, 0, 1.
// With a warm-up of 2 rows and h = 1: rows 2..6 are evaluated and only t = 4 is an exception.
TEST_CASE("Overlapping horizons are tested on the non-overlapping subsample", "[backtest][replay]") {
  backtest_config config;
  config.horizon_steps = 2;
  config.es_tests = false;
  config.constant_quantity_metrics = true;
  backtest_path path;
  const auto report = backtest(fixed_rate_function{}, hand_times, hand_prices, config, &path);
  CHECK(path.exception == std::vector<std::uint8_t>{1, 0, 0, 1, 1, 0, 0, 0});
  CHECK(report.observations == 6);
  CHECK(report.exceptions == 3);
  CHECK(report.test_observations == 3);
  CHECK(report.test_exceptions == 2);
  CHECK(report.tests.kupiec == kupiec_test(3, 2, config.coverage));
  CHECK(report.tests.christoffersen == christoffersen_test(std::vector<int>{1, 0, 1}, config.coverage));
  CHECK_THAT(report.max_loss, dmtest::within_rel(1.0 - 70.0 / 89.0, 1e-15));
  CHECK_THAT(report.max_shortfall, dmtest::within_rel(1.0 - 70.0 / 89.0 - 0.1, 1e-14));
  // A fixed rate has no procyclicality on rates; on a constant quantity it moves with price.
  CHECK(report.procyclicality.peak_to_trough == 1.0);
  CHECK_THAT(report.mean_rate, dmtest::within_rel(0.1, 1e-15));
  CHECK(report.has_constant_quantity);
  CHECK_THAT(report.procyclicality_constant_quantity.peak_to_trough, dmtest::within_rel(100.0 / 70.0, 1e-14));

  // A pause in the quotes: rows 0, 1, 2 and 5 are evaluated; the subsample keeps every row
  // at least h = 2 after the previous tested one: 0, 2, 5 (hits 1, 0, 0).
  backtest_path gapped_path;
  const auto gapped = backtest(gapped_function{}, hand_times, hand_prices, config, &gapped_path);
  CHECK(gapped_path.evaluated == std::vector<std::uint8_t>{1, 1, 1, 0, 0, 1, 0, 0});
  CHECK(gapped.observations == 4);
  CHECK(gapped.test_observations == 3);
  CHECK(gapped.test_exceptions == 1);

  backtest_config warm;
  warm.warmup = 2;
  fixed_rate_function f;
  const auto warm_path = replay_margin(f, hand_times, hand_prices, warm);
  CHECK(warm_path.evaluated_count == 5);
  CHECK(warm_path.first_evaluated == 2);
  CHECK(warm_path.exception_count == 1);
}

TEST_CASE("Replay rejects bad histories with the row named", "[backtest][replay]") {
  fixed_rate_function f;
  REQUIRE_THROWS_WITH(replay_margin(f, std::vector<timestamp>{0, 2, 1}, std::vector<double>{1, 1, 1}),
                      "replay_margin: time at row 2 must be later than the previous row's 2, got 1");
  REQUIRE_THROWS_WITH(replay_margin(f, std::vector<timestamp>{0, 1}, std::vector<double>{1, std::nan("")}),
                      "replay_margin: price at row 1 must be finite and > 0, got nan");
  REQUIRE_THROWS_WITH(replay_margin(f, std::vector<timestamp>{0, 1}, std::vector<double>{1}),
                      dmtest::contains("times must have one entry per price (1 prices), got 2"));
  backtest_config bad;
  bad.notional = 0.0;
  REQUIRE_THROWS_WITH(replay_margin(f, hand_times, hand_prices, bad),
                      "backtest: notional must be finite and > 0, got 0");
  // Nothing to evaluate: a horizon as long as the history.
  backtest_config longer;
  longer.horizon_steps = 8;
  REQUIRE_THROWS_WITH(backtest(fixed_rate_function{}, hand_times, hand_prices, longer),
                      dmtest::contains("backtest: evaluated rows must be at least 1 (rows: 8, horizon 8"));
}

namespace {
using ewma_function = margin_function<ewma_volatility, parametric_risk, floor_policy>;

ewma_function make_ewma_function() {
  parametric_risk_config risk;
  risk.distribution = risk_distribution::normal;
  risk.confidence = confidence_level(0.99);
  risk.horizon_steps = horizon(2);
  return ewma_function(ewma_volatility(0.94), parametric_risk(risk), floor_policy(0.02));
}
}  // namespace

// Independent recomputation: EWMA(0.94) of the fractional log returns from the first squared
// return, rate_t = max(2%, exp(sqrt(2 var_t) * 2.6652142203458048) - 1) (normal ES 99% over
// 2 days; the short side's exp(L) - 1 is the larger, margin_function's instrument rate), and
// an exception when 1 - P_{t+2}/P_t > rate_t.
TEST_CASE("EWMA margin on BTC daily: exceptions match an independent recomputation", "[backtest][replay]") {
  const auto table = io::read_price_csv(dmtest::market_path("btc_usd_daily.csv"));
  const auto times = table.times();
  const auto prices = table.closes();
  backtest_config config;
  config.es_simulations = 500;
  config.es_resamples = 500;
  backtest_path path;
  const auto report = backtest(make_ewma_function(), times, prices, config, &path);

  CHECK(path.horizon_steps == 2);  // the risk model's horizon
  CHECK(path.has_risk_model);
  double variance = 0.0;
  std::size_t exceptions = 0, evaluated = 0;
  double worst_rate_error = 0.0;
  // The EWMA quotes after its burn-in of 76 returns (the smallest n with 0.94^(n-1) <= 1%):
  // rows 76, 77, ... are quoted and evaluated. Z2 and McNeil-Frey on the subsample
  // t = 76, 78, ... with the model's log-loss VaR and ES (normal, mean 0):
  // sqrt(2 var) * 2.3263478740408411 and * 2.6652142203458048 (mpmath).
  constexpr std::size_t first_quote = 76;
  double z2_sum = 0.0, residual_sum = 0.0;
  std::size_t subsample = 0, var_exceptions = 0;
  double highest = 0.0, lowest = 1e300, rate_sum = 0.0;
  for (std::size_t t = 1; t < prices.size(); ++t) {
    const double r = std::log(prices[t] / prices[t - 1]);
    variance = t == 1 ? r * r : 0.94 * variance + 0.06 * r * r;
    if (t < first_quote) {
      CHECK(path.initial_rate[t] == 0.0);  // warm-up
      continue;
    }
    const double rate = std::max(0.02, std::expm1(std::sqrt(2.0 * variance) * 2.6652142203458048));
    worst_rate_error = std::max(worst_rate_error, std::abs(path.initial_rate[t] - rate) / rate);
    if (t + 2 < prices.size()) {
      ++evaluated;
      highest = std::max(highest, rate);
      lowest = std::min(lowest, rate);
      rate_sum += rate;
      if (1.0 - prices[t + 2] / prices[t] > rate) ++exceptions;
      if ((t - first_quote) % 2 == 0) {
        ++subsample;
        const double sigma = std::sqrt(2.0 * variance);
        const double loss = -std::log(prices[t + 2] / prices[t]);
        if (loss > sigma * 2.3263478740408411) {
          ++var_exceptions;
          z2_sum += loss / (sigma * 2.6652142203458048);
          residual_sum += (loss - sigma * 2.6652142203458048) / sigma;
        }
      }
    }
  }
  CHECK(worst_rate_error < 1e-12);  // the same closed form: rounding only
  CHECK(path.initial_rate[0] == 0.0);
  CHECK(report.observations == evaluated);
  CHECK(report.exceptions == exceptions);
  CHECK(report.test_observations == subsample);
  CHECK(report.es_available);
  CHECK(report.acerbi_szekely.observations == subsample);
  CHECK(report.acerbi_szekely.exceptions == var_exceptions);
  CHECK_THAT(report.acerbi_szekely.z2, dmtest::within_rel(1.0 - z2_sum / (static_cast<double>(subsample) * 0.01),
                                                          1e-10));  // Boost vs mpmath constants
  CHECK(report.mcneil_frey.exceedances == var_exceptions);
  CHECK_THAT(report.mcneil_frey.mean_residual,
             dmtest::within_rel(residual_sum / static_cast<double>(var_exceptions), 1e-10));
  CHECK(report.procyclicality.horizons.size() == 3);
  CHECK_THAT(report.procyclicality.peak_to_trough, dmtest::within_rel(highest / lowest, 1e-12));
  CHECK_THAT(report.mean_rate, dmtest::within_rel(rate_sum / static_cast<double>(evaluated), 1e-12));
}

TEST_CASE("Backtests are bit-identical on every run", "[backtest][replay]") {
  const auto table = io::read_price_csv(dmtest::market_path("eth_usd_daily.csv"));
  const auto times = table.times();
  const auto prices = table.closes();
  backtest_config config;
  config.es_simulations = 300;
  config.es_resamples = 300;
  backtest_path a, b;
  const auto first = backtest(make_ewma_function(), times, prices, config, &a);
  const auto second = backtest(make_ewma_function(), times, prices, config, &b);
  CHECK(bit_identical(a.initial_rate, b.initial_rate));
  CHECK(bit_identical(a.loss, b.loss));
  CHECK(bit_identical(a.exception, b.exception));
  CHECK(bit_identical(a.es_log, b.es_log));
  CHECK(first.tests.kupiec == second.tests.kupiec);
  CHECK(first.tests.christoffersen == second.tests.christoffersen);
  CHECK(first.tests.duration == second.tests.duration);
  CHECK(first.acerbi_szekely == second.acerbi_szekely);
  CHECK(first.mcneil_frey == second.mcneil_frey);
  CHECK(first.procyclicality == second.procyclicality);
  // A function restored mid-stream continues the path exactly.
  auto f = make_ewma_function();
  const std::size_t half = prices.size() / 2;
  for (std::size_t i = 0; i < half; ++i) (void)f.update(times[i], prices[i]);
  auto g = make_ewma_function();
  g.restore(f.state());
  for (std::size_t i = half; i < prices.size(); ++i) {
    (void)g.update(times[i], prices[i]);
    if (g.quote(1.0 / prices[i]).initial_rate != a.initial_rate[i]) {
      FAIL("restored function diverges at row " << i);
    }
  }
}

TEST_CASE("The policy frontier marks dominated policies", "[backtest][frontier]") {
  auto make = [](double exception_rate, double peak_to_trough, double increase, double mean_rate) {
    backtest_report r;
    r.exception_rate = exception_rate;
    r.procyclicality.peak_to_trough = peak_to_trough;
    r.procyclicality.horizons = {change_statistics{}, change_statistics{}};
    r.procyclicality.horizons[1].steps = 5;
    r.procyclicality.horizons[1].max_change = increase;
    r.mean_rate = mean_rate;
    return r;
  };
  const std::vector<named_backtest_report> reports{
      {"a", make(0.010, 2.0, 0.5, 0.10)},
      {"b", make(0.020, 3.0, 0.6, 0.20)},   // worse than a on everything
      {"c", make(0.005, 4.0, 0.1, 0.30)},   // fewer exceptions, smoother 5-day, dearer
      {"d", make(0.010, 2.0, 0.5, 0.10)}};  // a tie with a: neither dominates
  const auto points = policy_frontier(reports, 5);
  REQUIRE(points.size() == 4);
  CHECK(points[0].on_frontier);
  CHECK_FALSE(points[1].on_frontier);
  CHECK(points[1].dominated_by == std::vector<std::string>{"a", "d"});
  CHECK(points[2].on_frontier);
  CHECK(points[3].on_frontier);
  CHECK(points[2].largest_increase == 0.1);
  CHECK(points[2].increase_steps == 5);
}
