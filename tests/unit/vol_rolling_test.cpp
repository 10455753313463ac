// SPDX-License-Identifier: MIT
// Rolling-window variance against two-pass computations (long double, corrected two-pass of
// Chan, Golub and LeVeque 1983) on BTC daily returns and on badly scaled synthetic data over
// 10^6 updates; bad input; state round trips. The ring buffer it rests on is tested in
// detail_internals_test.cpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "catch.hpp"
#include "dynmargin/volatility/rolling.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

// Reference: the window statistic computed from scratch in long double (64-bit mantissa),
// sample variance by the corrected two-pass formula.
double two_pass(const std::vector<double>& x, std::size_t end, std::size_t window, rolling_mean mean) {
  const std::size_t begin = end > window ? end - window : 0;
  const auto n = static_cast<long double>(end - begin);
  if (mean == rolling_mean::zero) {
    long double s = 0;
    for (std::size_t i = begin; i < end; ++i) s += static_cast<long double>(x[i]) * static_cast<long double>(x[i]);
    return static_cast<double>(s / n);
  }
  long double m = 0;
  for (std::size_t i = begin; i < end; ++i) m += static_cast<long double>(x[i]);
  m /= n;
  long double ss = 0;
  long double correction = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const long double d = static_cast<long double>(x[i]) - m;
    ss += d * d;
    correction += d;
  }
  return static_cast<double>((ss - correction * correction / n) / (n - 1));
}

double relative_error(double got, double want) { return std::abs(got - want) / std::abs(want); }

// Feeds `x` into a rolling model and returns the worst relative error against the two-pass
// reference, checked at every `stride`-th update once the window is full and at the end.
double worst_error(const std::vector<double>& x, std::size_t window, rolling_mean mean, std::size_t stride) {
  rolling_volatility model(static_cast<std::int64_t>(window), mean);
  double worst = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    REQUIRE(model.update(x[i]) == status::ok);
    if ((i + 1 >= window && (i + 1) % stride == 0) || i + 1 == x.size()) {
      worst = std::max(worst, relative_error(model.variance(), two_pass(x, i + 1, window, mean)));
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("rolling variance equals the two-pass window statistic on BTC daily returns", "[volatility][rolling]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  // Every update checked (stride 1), windows 2, 30 and 250, both conventions. Measured worst:
  // 2.2e-16 (one ulp: the double-double sums are exact to the final rounding); the bound
  // 1e-14 leaves room for another compiler or libm. Window 2 is the hard case for one-pass
  // formulas (two nearly equal values far from the centre cancel every digit).
  for (const std::size_t window : {std::size_t{2}, std::size_t{30}, std::size_t{250}}) {
    CHECK(worst_error(returns, window, rolling_mean::zero, 1) < 1e-14);
    CHECK(worst_error(returns, window, rolling_mean::sample, 1) < 1e-14);
  }
}

// Issue 4 asks for 1e-12 relative over 10^6 updates; measured worst 2.2e-16 in all three
// cases, so the test asks for 1e-14.
TEST_CASE("rolling variance stays within 1e-14 of two-pass over 10^6 badly scaled updates", "[volatility][rolling]") {
  constexpr std::size_t count = 1'000'000;
  constexpr std::size_t window = 250;
  std::mt19937_64 rng(20240601);
  std::normal_distribution<double> normal(0.0, 1.0);

  SECTION("values around 1e8 with unit variance (mean^2 / variance = 1e16)") {
    std::vector<double> x(count);
    for (auto& v : x) v = 1e8 + normal(rng);
    CHECK(worst_error(x, window, rolling_mean::sample, 10) < 1e-14);
    CHECK(worst_error(x, window, rolling_mean::zero, 10) < 1e-14);
  }
  SECTION("returns of 1e6 plus noise of 1e-3 (mean^2 / variance = 1e18)") {
    std::vector<double> x(count);
    for (auto& v : x) v = 1e6 + 1e-3 * normal(rng);
    CHECK(worst_error(x, window, rolling_mean::sample, 10) < 1e-14);
  }
  SECTION("a random walk drifting away from 1e8 (the centre must follow the data)") {
    std::vector<double> x(count);
    double level = 1e8;
    for (auto& v : x) {
      level += 50.0 * normal(rng);
      v = level + normal(rng);
    }
    CHECK(worst_error(x, window, rolling_mean::sample, 10) < 1e-14);
  }
}

TEST_CASE("rolling variance: warm-up, forecasts and constant series", "[volatility][rolling]") {
  rolling_volatility zero(3);  // default: zero mean
  CHECK(zero.config().mean == rolling_mean::zero);
  CHECK(zero.variance() == 0.0);
  (void)zero.update(1.0);
  (void)zero.update(2.0);
  CHECK_FALSE(zero.ready());
  CHECK(zero.variance() == 2.5);  // (1 + 4) / 2 over the returns so far
  (void)zero.update(3.0);
  CHECK(zero.ready());
  CHECK_THAT(zero.variance(), dmtest::within_rel(14.0 / 3.0, 1e-15));
  (void)zero.update(-4.0);  // 1 drops out: (4 + 9 + 16) / 3
  CHECK_THAT(zero.variance(), dmtest::within_rel(29.0 / 3.0, 1e-15));
  CHECK_THAT(zero.variance(10), dmtest::within_rel(10.0 * 29.0 / 3.0, 1e-15));
  CHECK_THAT(zero.volatility(), dmtest::within_rel(std::sqrt(29.0 / 3.0), 1e-15));

  rolling_volatility sample(3, rolling_mean::sample);
  (void)sample.update(1.0);
  CHECK(sample.variance() == 0.0);  // one value: no sample variance yet
  (void)sample.update(2.0);
  (void)sample.update(6.0);
  CHECK_THAT(sample.variance(), dmtest::within_rel(7.0, 1e-15));  // mean 3, (4 + 1 + 9) / 2
  CHECK_THAT(sample.mean(), dmtest::within_rel(3.0, 1e-15));

  // A constant series has variance exactly 0, even at a large level.
  rolling_volatility constant(5, rolling_mean::sample);
  for (int i = 0; i < 20; ++i) (void)constant.update(123456789.125);
  CHECK(constant.variance() == 0.0);
}

TEST_CASE("rolling variance rejects bad parameters and bad returns without losing state", "[volatility][rolling]") {
  REQUIRE_THROWS_WITH(rolling_volatility(1), "rolling: window must be at least 2, got 1");
  REQUIRE_THROWS_AS(rolling_volatility(rolling_volatility_config{-5, rolling_mean::sample}),
                    dynmargin::invalid_argument);
  rolling_volatility model(4, rolling_mean::sample);
  (void)model.update(0.5);
  (void)model.update(-1.5);
  const auto before = model.state();
  CHECK(model.update(std::numeric_limits<double>::quiet_NaN()) == status::non_finite_input);
  CHECK(model.update(-std::numeric_limits<double>::infinity()) == status::non_finite_input);
  CHECK(model.update(1e200) == status::domain_error);  // the square overflows
  CHECK(model.state() == before);
  CHECK(model.observations() == 2);
  rolling_volatility other(5, rolling_mean::sample);
  REQUIRE_THROWS_WITH(other.restore(before),
                      dmtest::contains("rolling: state must come from a model with the same window"));
}

TEST_CASE("rolling variance state restores bit-identically mid-stream", "[volatility][rolling]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  for (const auto mean : {rolling_mean::zero, rolling_mean::sample}) {
    rolling_volatility original(100, mean);
    for (std::size_t i = 0; i < 1234; ++i) (void)original.update(returns[i]);  // mid-epoch, after wrapping
    const auto saved = original.state();
    rolling_volatility restored(100, mean);
    restored.restore(saved);
    CHECK(restored.state() == saved);
    for (std::size_t i = 1234; i < returns.size(); ++i) {
      (void)original.update(returns[i]);
      (void)restored.update(returns[i]);
      REQUIRE(original.variance() == restored.variance());
    }
    CHECK(original.state() == restored.state());
  }
}
