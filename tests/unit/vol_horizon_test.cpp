// SPDX-License-Identifier: MIT
// Horizon scaling: closed forms of the square-root-of-time rule on 365- and 252-day years,
// irregular spacing through time_scaled, and the interpolation of cumulative forecasts.
#include <cmath>
#include <cstdint>
#include <limits>

#include "catch.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/horizon.hpp"
#include "dynmargin/volatility/rolling.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {
constexpr double hour = 3600.0;
constexpr double day = 86400.0;
}  // namespace

namespace vol_horizon_test {

// A test model with a non-linear cumulative forecast variance(h) = h^2 (to see interpolation).
struct quadratic_model {
  using model_concept = volatility_model_tag;
  struct state_type {
    std::int64_t n = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  state_type s;
  status update(double) noexcept {
    ++s.n;
    return status::ok;
  }
  double variance() const noexcept { return 1.0; }
  double variance(std::int64_t h) const noexcept { return static_cast<double>(h * h); }
  std::int64_t observations() const noexcept { return s.n; }
  state_type state() const noexcept { return s; }
  void restore(const state_type& saved) noexcept { s = saved; }
};
}  // namespace vol_horizon_test

TEST_CASE("horizon scaling: closed forms on 365- and 252-day years", "[volatility][horizon]") {
  // Daily variance 4 -> annual 4 * 365 = 1460 on calendar days, 4 * 252 = 1008 on trading days.
  CHECK(annualise_variance(4.0, day) == 1460.0);
  CHECK(annualise_variance(4.0, day, year_basis::trading_252) == 1008.0);
  CHECK(deannualise_variance(1460.0, day) == 4.0);
  // Hourly -> daily is x24, daily -> per second /86400, hourly -> per hour unchanged.
  CHECK(variance_per_day(2.0, hour) == 48.0);
  CHECK(variance_per_hour(48.0, day) == 2.0);
  CHECK(variance_per_hour(2.0, hour) == 2.0);
  CHECK(variance_per_second(86400.0, day) == 1.0);
  CHECK(scale_variance(1.0, 60.0, 3600.0) == 60.0);
  // Volatility: sqrt-of-time. 2% daily -> 2 sqrt(365) annual; an hourly 0.5% -> 0.5 sqrt(8760).
  CHECK_THAT(annualise_volatility(2.0, day), dmtest::within_rel(2.0 * std::sqrt(365.0), 1e-15));
  CHECK_THAT(annualise_volatility(2.0, day, year_basis::trading_252),
             dmtest::within_rel(2.0 * std::sqrt(252.0), 1e-15));
  CHECK_THAT(annualise_volatility(0.5, hour), dmtest::within_rel(0.5 * std::sqrt(8760.0), 1e-15));
  CHECK_THAT(deannualise_volatility(80.0, day), dmtest::within_rel(80.0 / std::sqrt(365.0), 1e-15));
  CHECK_THAT(deannualise_volatility(annualise_volatility(1.7, 300.0), 300.0), dmtest::within_rel(1.7, 1e-15));
}

TEST_CASE("horizon scaling rejects non-positive or non-finite durations", "[volatility][horizon]") {
  REQUIRE_THROWS_WITH(variance_per_second(1.0, 0.0),
                      "variance_per_second: step_seconds must be finite and > 0 seconds, got 0");
  REQUIRE_THROWS_WITH(scale_variance(1.0, 3600.0, -1.0),
                      "scale_variance: to_seconds must be finite and > 0 seconds, got -1");
  REQUIRE_THROWS_WITH(annualise_variance(1.0, std::numeric_limits<double>::quiet_NaN()),
                      dmtest::contains("from_seconds must be finite and > 0"));
  REQUIRE_THROWS_WITH(time_scaled<ewma_volatility>(ewma_volatility(0.94), -3600.0),
                      "time_scaled: step_seconds must be finite and > 0 seconds, got -3600");
  time_scaled<ewma_volatility> model(ewma_volatility(0.94), hour);
  (void)model.update(1.0);
  REQUIRE_THROWS_WITH(model.variance_over(0.0), "variance_over_seconds: seconds must be finite and > 0 seconds, got 0");
  const auto before = model.state();
  CHECK(model.update(1.0, 0.0) == status::invalid_argument);
  CHECK(model.update(1.0, -hour) == status::invalid_argument);
  CHECK(model.update(1.0, std::numeric_limits<double>::infinity()) == status::invalid_argument);
  CHECK(model.update(std::numeric_limits<double>::quiet_NaN(), hour) == status::non_finite_input);
  CHECK(model.state() == before);
}

TEST_CASE("time_scaled: a 5-hour gap counts 5 hours of variance", "[volatility][horizon]") {
  // Hourly zero-mean rolling window of 2: an hourly return of 1 and a 5-hour return of
  // sqrt(5) * 2 (variance 4 per hour over 5 hours). Normalised, the model sees 1 and 2:
  // hourly variance (1 + 4) / 2 = 2.5; unscaled it would have seen (1 + 20) / 2 = 10.5.
  time_scaled<rolling_volatility> model(rolling_volatility(2), hour);
  REQUIRE(model.update(1.0, hour) == status::ok);
  CHECK_FALSE(model.ready());  // forwarded from the rolling window (1 of 2 returns)
  REQUIRE(model.update(std::sqrt(5.0) * 2.0, 5 * hour) == status::ok);
  CHECK_THAT(model.variance(), dmtest::within_rel(2.5, 1e-15));
  CHECK(model.ready());
  // Forecasts over horizons in seconds: 5 hours -> 12.5, a day -> 60, 90 minutes -> 3.75,
  // 30 minutes -> 1.25 (flat forecasts scale linearly, also below one step).
  CHECK_THAT(model.variance_over(5 * hour), dmtest::within_rel(12.5, 1e-15));
  CHECK_THAT(model.variance_over(day), dmtest::within_rel(60.0, 1e-15));
  CHECK_THAT(model.variance_over(1.5 * hour), dmtest::within_rel(3.75, 1e-15));
  CHECK_THAT(model.variance_over(0.5 * hour), dmtest::within_rel(1.25, 1e-15));
  CHECK_THAT(model.volatility_over(day), dmtest::within_rel(std::sqrt(60.0), 1e-15));
  CHECK_THAT(model.annualised_volatility(), dmtest::within_rel(std::sqrt(2.5 * 8760.0), 1e-15));
  // A timed_return from returns_from_prices carries its elapsed time: the same result.
  time_scaled<rolling_volatility> from_points(rolling_volatility(2), hour);
  REQUIRE(from_points.update(timed_return{3600, 1.0, hour}) == status::ok);
  REQUIRE(from_points.update(timed_return{21600, std::sqrt(5.0) * 2.0, 5 * hour}) == status::ok);
  CHECK(from_points.variance() == model.variance());
  // A plain update is a return over exactly one step.
  time_scaled<rolling_volatility> plain(rolling_volatility(2), hour);
  (void)plain.update(1.0);
  (void)plain.update(2.0);
  CHECK(plain.variance() == model.variance());

  // On BTC daily returns with daily spacing the wrapper changes nothing (elapsed = step).
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  time_scaled<ewma_volatility> wrapped(ewma_volatility(0.94), day);
  ewma_volatility bare(0.94);
  for (const double r : returns) {
    (void)wrapped.update(r, day);
    (void)bare.update(r);
  }
  CHECK(wrapped.variance() == bare.variance());
  CHECK(wrapped.observations() == bare.observations());
}

TEST_CASE("variance_over_seconds interpolates the cumulative forecast between whole steps", "[volatility][horizon]") {
  const vol_horizon_test::quadratic_model model;
  // variance(h) = h^2: 2.5 steps -> 4 + 0.5 * (9 - 4) = 6.5; 0.25 steps -> 0.25 * 1; 3 steps -> 9.
  CHECK(variance_over_seconds(model, 60.0, 150.0) == 6.5);
  CHECK(variance_over_seconds(model, 60.0, 15.0) == 0.25);
  CHECK(variance_over_seconds(model, 60.0, 180.0) == 9.0);
  REQUIRE_THROWS_WITH(variance_over_seconds(model, 0.0, 180.0),
                      dmtest::contains("step_seconds must be finite and > 0"));
}
