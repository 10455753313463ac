// SPDX-License-Identifier: MIT
// Stressed volatility (rolling maximum of an inner model's forecast) against a brute-force
// maximum over the same forecasts; the monotonic deque's worst cases; bad input; state.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "catch.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/range.hpp"
#include "dynmargin/volatility/rolling.hpp"
#include "dynmargin/volatility/stressed.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace vol_stressed_test {

// A test model whose forecast is the last value fed in, so that the deque can be driven
// through any sequence (increasing, decreasing, random).
struct echo_model {
  using model_concept = volatility_model_tag;
  struct state_type {
    double last = 0.0;
    std::int64_t n = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  state_type s;
  status update(double x) noexcept {
    if (!std::isfinite(x)) return status::non_finite_input;
    s.last = x;
    ++s.n;
    return status::ok;
  }
  double variance() const noexcept { return s.last; }
  double variance(std::int64_t h) const noexcept { return static_cast<double>(h) * s.last; }
  std::int64_t observations() const noexcept { return s.n; }
  state_type state() const noexcept { return s; }
  void restore(const state_type& saved) noexcept { s = saved; }
};

}  // namespace vol_stressed_test

namespace {

using vol_stressed_test::echo_model;

template <class Inner>
bool is_ready(const Inner& inner) {
  if constexpr (requires { inner.ready(); }) {
    return inner.ready();
  } else {
    return inner.observations() >= 1;
  }
}

// Brute force: the maximum of the ready forecasts among the last `lookback` updates.
template <class Inner, class Input>
void check_against_brute_force(Inner inner, std::int64_t lookback, const std::vector<Input>& inputs) {
  stressed_volatility<Inner> stressed(inner, lookback);
  std::vector<double> forecasts;  // NaN where the inner model was not ready
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    REQUIRE(inner.update(inputs[t]) == status::ok);
    REQUIRE(stressed.update(inputs[t]) == status::ok);
    forecasts.push_back(is_ready(inner) ? inner.variance() : std::numeric_limits<double>::quiet_NaN());
    double brute = -1.0;
    const std::size_t begin = t + 1 > static_cast<std::size_t>(lookback) ? t + 1 - static_cast<std::size_t>(lookback)
                                                                         : 0;
    for (std::size_t i = begin; i <= t; ++i) {
      if (!std::isnan(forecasts[i])) brute = std::max(brute, forecasts[i]);
    }
    if (brute < 0.0) brute = inner.variance();  // nothing ready yet: the inner forecast
    REQUIRE(stressed.variance() == brute);      // exact: the same doubles are compared
    REQUIRE(stressed.current_variance() == inner.variance());
  }
}

}  // namespace

TEST_CASE("stressed volatility equals the brute-force maximum on BTC daily", "[volatility][stressed]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  // ICE IRM-style: the maximum over 250 days of a 30-day rolling volatility, and of EWMA 0.94.
  check_against_brute_force(rolling_volatility(30), 250, returns);
  check_against_brute_force(rolling_volatility(250, rolling_mean::sample), 500, returns);
  check_against_brute_force(ewma_volatility(0.94), 250, returns);
  check_against_brute_force(ewma_volatility(0.94), 1, returns);  // lookback 1: the current forecast
}

TEST_CASE("stressed volatility: the deque's worst cases against brute force", "[volatility][stressed]") {
  std::vector<double> increasing(1000);
  std::vector<double> decreasing(1000);
  std::vector<double> random(5000);
  for (std::size_t i = 0; i < increasing.size(); ++i) {
    increasing[i] = static_cast<double>(i + 1);
    decreasing[i] = static_cast<double>(1000 - i);  // every forecast stays a candidate: the deque fills up
  }
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> small(0, 20);  // many ties
  for (auto& x : random) x = small(rng);
  for (const std::int64_t lookback : {1, 2, 7, 100, 999, 1000, 1001, 4000}) {
    check_against_brute_force(echo_model{}, lookback, increasing);
    check_against_brute_force(echo_model{}, lookback, decreasing);
    check_against_brute_force(echo_model{}, lookback, random);
  }
}

TEST_CASE("stressed volatility over a range estimator fed bars", "[volatility][stressed]") {
  const auto table = dmtest::read_csv(dmtest::market_path("btc_usd_daily.csv"));
  const auto open = table.numbers("Open");
  const auto high = table.numbers("High");
  const auto low = table.numbers("Low");
  const auto close = table.numbers("Close");
  std::vector<ohlc_bar> bars;
  for (std::size_t i = 0; i < open.size(); ++i) bars.push_back({open[i], high[i], low[i], close[i]});
  check_against_brute_force(parkinson_volatility(range_volatility_config{range_weighting::rolling, 20}), 365, bars);
  check_against_brute_force(
      yang_zhang_volatility(range_volatility_config{range_weighting::ewma, 20, decay_factor(0.94)}), 365, bars);
}

TEST_CASE("stressed volatility: bad input, forecasts and state", "[volatility][stressed]") {
  REQUIRE_THROWS_WITH(stressed_volatility<rolling_volatility>(rolling_volatility(30), 0),
                      "stressed: lookback must be at least 1, got 0");
  stressed_volatility<rolling_volatility> stressed(rolling_volatility(3), 5);
  CHECK_FALSE(stressed.ready());
  for (const double r : {3.0, 0.0, 0.0, 0.0, 0.0}) REQUIRE(stressed.update(r) == status::ok);
  // Forecasts after updates 3, 4, 5: 3, 0, 0 (means of squares); the maximum is 3, 2 updates old.
  CHECK(stressed.ready());
  CHECK(stressed.variance() == 3.0);
  CHECK(stressed.current_variance() == 0.0);
  CHECK(stressed.stressed_age() == 2);
  CHECK(stressed.variance(10) == 30.0);  // held flat over the horizon
  CHECK(stressed.volatility() == std::sqrt(3.0));
  const auto before = stressed.state();
  CHECK(stressed.update(std::numeric_limits<double>::quiet_NaN()) == status::non_finite_input);
  CHECK(stressed.state() == before);
  for (int i = 0; i < 3; ++i) REQUIRE(stressed.update(0.0) == status::ok);
  CHECK(stressed.variance() == 0.0);  // the stressed forecast has left the lookback

  // Bit-identical continuation after restore.
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  stressed_volatility<rolling_volatility> original(rolling_volatility(30), 250);
  for (std::size_t i = 0; i < 1500; ++i) (void)original.update(returns[i]);
  stressed_volatility<rolling_volatility> restored(rolling_volatility(30), 250);
  restored.restore(original.state());
  for (std::size_t i = 1500; i < returns.size(); ++i) {
    (void)original.update(returns[i]);
    (void)restored.update(returns[i]);
    REQUIRE(original.variance() == restored.variance());
  }
  CHECK(original.state() == restored.state());
  stressed_volatility<rolling_volatility> other(rolling_volatility(30), 100);
  REQUIRE_THROWS_WITH(other.restore(original.state()),
                      dmtest::contains("stressed: state must come from a model with the same lookback"));
}
