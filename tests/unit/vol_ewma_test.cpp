// SPDX-License-Identifier: MIT
// EWMA against the R reference (tests/data/ewma094_btc_daily.csv, RiskMetrics lambda 0.94).
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "catch.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

TEST_CASE("EWMA 0.94 reproduces the reference on BTC daily to 1e-13", "[volatility][ewma]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  const auto expected = dmtest::read_csv(dmtest::reference_path("ewma094_btc_daily.csv")).numbers("sigma2");
  REQUIRE(returns.size() == expected.size());
  ewma_volatility model(0.94);
  // Reference row t (1-based) is the forecast of r_t from r_1..r_{t-1}; row 1 is r_1^2,
  // which the first-squared-return rule also gives after one update.
  double worst = 0.0;
  for (std::size_t t = 0; t + 1 < returns.size(); ++t) {
    REQUIRE(model.update(returns[t]) == status::ok);
    const double want = expected[t + 1];
    worst = std::max(worst, std::abs(model.variance() - want) / want);
  }
  CHECK(worst < 1e-13);
}

TEST_CASE("EWMA start-up rules and forecasts", "[volatility][ewma]") {
  ewma_volatility warm(ewma_volatility_config{decay_factor(0.9), ewma_start::warmup_window, 3, 0.0, 0});
  CHECK_FALSE(warm.ready());
  (void)warm.update(1.0);
  (void)warm.update(2.0);
  CHECK(warm.variance() == 2.5);  // mean of squares so far
  (void)warm.update(3.0);
  CHECK(warm.ready());
  CHECK_THAT(warm.variance(), dmtest::within_rel(14.0 / 3.0, 1e-15));
  (void)warm.update(1.0);
  CHECK_THAT(warm.variance(), dmtest::within_rel(0.9 * 14.0 / 3.0 + 0.1, 1e-15));
  CHECK_THAT(warm.variance(10), dmtest::within_rel(10.0 * warm.variance(), 1e-15));

  ewma_volatility given(ewma_volatility_config{decay_factor(0.97), ewma_start::given, 0, 4.0, 0});
  CHECK(given.ready());
  CHECK(given.variance() == 4.0);
  (void)given.update(0.0);
  CHECK_THAT(given.variance(), dmtest::within_rel(0.97 * 4.0, 1e-15));

  // First squared return: ready once the start value r_1^2 weighs at most 1% of the forecast,
  // i.e. after the smallest n with lambda^(n-1) <= 0.01 returns (found here by a loop).
  for (const double lambda : {0.94, 0.97, 0.5}) {
    std::int64_t n = 1;
    for (double w = 1.0; w > 0.01; w *= lambda) ++n;
    ewma_volatility model(lambda);
    CHECK(model.burn_in() == n);
    for (std::int64_t i = 0; i < n; ++i) {
      CHECK_FALSE(model.ready());
      (void)model.update(i == 0 ? 0.0 : 1.0);  // a zero first return no longer makes a ready zero forecast
    }
    CHECK(model.ready());
    CHECK(model.variance() > 0.0);
  }
  CHECK(ewma_volatility(0.94).burn_in() == 76);
  ewma_volatility chosen(ewma_volatility_config{decay_factor(0.94), ewma_start::first_squared_return, 0, 0.0, 10});
  CHECK(chosen.burn_in() == 10);
}

TEST_CASE("EWMA rejects bad parameters and bad returns without losing state", "[volatility][ewma]") {
  REQUIRE_THROWS_WITH(ewma_volatility(1.2), "ewma: lambda must be in (0, 1), got 1.2");
  REQUIRE_THROWS_WITH(ewma_volatility(0.0), dmtest::contains("lambda must be in (0, 1)"));
  REQUIRE_THROWS_WITH(ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::warmup_window, 0, 0.0, 0}),
                      "ewma: warmup must be at least 1 return, got 0");
  REQUIRE_THROWS_WITH(ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::given, 0, -1.0, 0}),
                      dmtest::contains("initial_variance must be finite and > 0"));
  REQUIRE_THROWS_WITH(ewma_volatility(
                          ewma_volatility_config{decay_factor(0.94), ewma_start::first_squared_return, 0, 0.0, -3}),
                      "ewma: burn_in must be >= 0 (0 = automatic), got -3");
  ewma_volatility model(0.94);
  (void)model.update(2.0);
  const auto before = model.state();
  CHECK(model.update(std::numeric_limits<double>::quiet_NaN()) == status::non_finite_input);
  CHECK(model.update(std::numeric_limits<double>::infinity()) == status::non_finite_input);
  CHECK(model.state() == before);
}

TEST_CASE("EWMA state restores bit-identically mid-stream", "[volatility][ewma]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  ewma_volatility original(0.94);
  for (std::size_t i = 0; i < 1000; ++i) (void)original.update(returns[i]);
  const auto saved = original.state();
  ewma_volatility restored(0.94);
  restored.restore(saved);
  for (std::size_t i = 1000; i < returns.size(); ++i) {
    (void)original.update(returns[i]);
    (void)restored.update(returns[i]);
  }
  CHECK(original.variance() == restored.variance());
  CHECK(original.state() == restored.state());
}
