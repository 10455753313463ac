// SPDX-License-Identifier: MIT
// The pieces the margin hot path is built from, against independent references:
//  - fast_expm1 against the 64-bit-mantissa expm1l (x87 long double), in ulps;
//  - the rolling maximum (de-amortised van Herk / Gil-Werman blocks) against a brute-force
//    maximum over the window, for every window size that changes the block layout, on
//    random, monotone, constant and real (BTC hourly volatility) series;
//  - the log loss and the stressed volatility the margin function hands to the policies,
//    against log1p of the raw rate and a brute-force maximum of the volatility.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "dynmargin/detail/fast_expm1.hpp"
#include "dynmargin/margin/detail/rolling_window.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

// Distance from the exact value in units in the last place of the double nearest to it.
double ulps(double got, long double exact) {
  const double nearest = static_cast<double>(exact);
  const double ulp = std::nextafter(std::abs(nearest), std::numeric_limits<double>::infinity()) - std::abs(nearest);
  return static_cast<double>(std::abs(static_cast<long double>(got) - exact) / static_cast<long double>(ulp));
}

std::vector<double> btc_hourly_returns() {
  auto r = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
  for (double& x : r) x /= 100.0;
  return r;
}

}  // namespace

// Named (not anonymous) namespace: clang warns that the defaulted operator== of a state_type
// with internal linkage is never emitted, and the rate_policy concept requires it.
namespace hot_path_test {

// A rate policy that checks the log loss it is handed against log1p of the raw rate.
struct log_loss_recorder {
  using model_concept = rate_policy_tag;
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  double* worst;
  [[nodiscard]] std::string_view name() const noexcept { return "recorder"; }
  margin_rates update(const market_context& c, margin_rates rates) noexcept {
    const double expected = std::log1p(c.raw_rate);
    if (expected > 0.0) *worst = std::max(*worst, std::abs(c.raw_log_loss - expected) / expected);
    return rates;
  }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type&) noexcept {}
};

// A rate policy that records the volatility and the stressed volatility it is handed.
struct volatility_recorder {
  using model_concept = rate_policy_tag;
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  std::vector<double>* now;
  std::vector<double>* stressed;
  [[nodiscard]] std::string_view name() const noexcept { return "volatility_recorder"; }
  margin_rates update(const market_context& c, margin_rates rates) noexcept {
    now->push_back(c.volatility);       // the test reserves room: no allocation here
    stressed->push_back(c.stressed_volatility);
    return rates;
  }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type&) noexcept {}
};

}  // namespace hot_path_test

using hot_path_test::log_loss_recorder;
using hot_path_test::volatility_recorder;

TEST_CASE("the stressed volatility in the context is the highest sigma over the lookback", "[margin][hot_path]") {
  const auto returns = btc_hourly_returns();
  for (std::int64_t lookback : {0, 1, 24 * 30, 24 * 250}) {
    CAPTURE(lookback);
    std::vector<double> now, stressed;
    now.reserve(returns.size() + 1);
    stressed.reserve(returns.size() + 1);
    margin_function_config config;
    config.stressed_lookback = lookback;
    parametric_risk_config risk;
    risk.horizon_steps = 24;
    margin_function fn(config, ewma_volatility(0.94), parametric_risk(risk), volatility_recorder{&now, &stressed});
    double price = 100.0;
    for (std::size_t t = 0; t < 12'000; ++t) {
      REQUIRE(fn.update(static_cast<timestamp>(t) * 3600, price) == status::ok);
      price *= std::exp(returns[t]);
    }
    REQUIRE(now.size() == stressed.size());
    std::size_t mismatches = 0;
    const auto n = static_cast<std::size_t>(lookback);
    double peak = 0.0;  // window 0: the running maximum
    for (std::size_t t = 0; t < now.size(); ++t) {
      peak = t == 0 ? now[0] : std::max(peak, now[t]);
      const std::size_t first = t + 1 <= n ? 0 : t + 1 - n;
      const double expected = n == 0 ? peak
                                     : *std::max_element(now.begin() + static_cast<std::ptrdiff_t>(first),
                                                         now.begin() + static_cast<std::ptrdiff_t>(t + 1));
      if (stressed[t] != expected) ++mismatches;
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("fast_expm1 is within 0.85 ulp of expm1l on the fast range", "[margin][hot_path]") {
  // The reference needs more precision than double: x87 long double (64-bit mantissa) on
  // x86-64 Linux, quad on AArch64 Linux. Where long double is double (MSVC) the bound is checked
  // against std::expm1 instead, one ulp wider.
  constexpr bool extended = std::numeric_limits<long double>::digits > 53;
  std::mt19937_64 engine(20261125);
  std::uniform_real_distribution<double> uniform(-0.35, 0.35);
  double worst = 0.0;
  for (int i = 0; i < 2'000'000; ++i) {
    // Half uniform over the range, half spread over binades down to 2^-40 (tiny losses).
    const double x = i % 2 == 0 ? uniform(engine) : std::ldexp(uniform(engine), -(i % 41));
    const long double exact = extended ? expm1l(static_cast<long double>(x)) : static_cast<long double>(std::expm1(x));
    worst = std::max(worst, ulps(detail::fast_expm1(x), exact));
  }
  CHECK(worst <= (extended ? 0.85 : 1.85));
  // Edges and special values take the library path or keep their sign.
  CHECK(detail::fast_expm1(0.35) == detail::fast_expm1(0.35));
  CHECK(detail::fast_expm1(0.36) == std::expm1(0.36));
  CHECK(detail::fast_expm1(-3.0) == std::expm1(-3.0));
  CHECK(detail::fast_expm1(800.0) == std::numeric_limits<double>::infinity());
  CHECK(detail::fast_expm1(-std::numeric_limits<double>::infinity()) == -1.0);
  CHECK(std::isnan(detail::fast_expm1(std::numeric_limits<double>::quiet_NaN())));
  CHECK(detail::fast_expm1(0.0) == 0.0);
  CHECK_FALSE(std::signbit(detail::fast_expm1(0.0)));
  CHECK(std::signbit(detail::fast_expm1(-0.0)));
  CHECK(detail::fast_expm1(1e-300) == 1e-300);
  CHECK(detail::fast_expm1(std::numeric_limits<double>::denorm_min()) == std::numeric_limits<double>::denorm_min());
}

TEST_CASE("rolling maximum equals the brute-force maximum over its window", "[margin][hot_path]") {
  const auto returns = btc_hourly_returns();
  // Real volatility: an EWMA(0.94) of BTC hourly, smooth and with long rising and falling runs.
  std::vector<double> sigma;
  double variance = returns[0] * returns[0];
  for (double r : returns) {
    variance = 0.94 * variance + 0.06 * r * r;
    sigma.push_back(std::sqrt(variance));
  }
  std::mt19937_64 engine(7);
  std::normal_distribution<double> normal;
  const std::size_t n = 6000;
  auto series = [&](int kind) {
    std::vector<double> x(n);
    for (std::size_t t = 0; t < n; ++t) {
      const double ts = static_cast<double>(t);
      switch (kind) {
        case 0: x[t] = normal(engine); break;
        case 1: x[t] = -ts; break;                 // falling: every value stays in the window
        case 2: x[t] = ts; break;                  // rising: the newest is always the maximum
        case 3: x[t] = 1.0; break;                 // ties
        case 4: x[t] = std::sin(ts * 0.01); break; // long runs both ways
        default: x[t] = sigma[t * 5]; break;       // BTC hourly volatility, every 5th hour
      }
    }
    return x;
  };
  std::size_t mismatches = 0;
  // Windows 0 (whole history) and 1 have no blocks; 2 and 3 one-value blocks; odd and even
  // windows give the two layouts (W = 2B and W = 2B + 1); 250 and 2001 span many blocks.
  for (std::size_t window : {0u, 1u, 2u, 3u, 4u, 5u, 8u, 9u, 24u, 250u, 2001u}) {
    for (int kind = 0; kind < 6; ++kind) {
      const auto x = series(kind);
      detail::rolling_maximum maximum(window);
      CHECK(maximum.value() == 0.0);
      for (std::size_t t = 0; t < x.size(); ++t) {
        maximum.push(x[t]);
        const std::size_t first = window == 0 || t + 1 <= window ? 0 : t + 1 - window;
        const double expected = *std::max_element(x.begin() + static_cast<std::ptrdiff_t>(first),
                                                   x.begin() + static_cast<std::ptrdiff_t>(t + 1));
        if (maximum.value() != expected) ++mismatches;
      }
      CHECK(maximum.pushes() == static_cast<std::int64_t>(x.size()));
    }
  }
  CHECK(mismatches == 0);

  // A copy taken mid-stream continues exactly like the original (state is a value).
  detail::rolling_maximum original(250);
  for (std::size_t t = 0; t < 1000; ++t) original.push(sigma[t]);
  detail::rolling_maximum copy = original;
  CHECK(copy == original);
  for (std::size_t t = 1000; t < 3000; ++t) {
    original.push(sigma[t]);
    copy.push(sigma[t]);
    REQUIRE(copy.value() == original.value());
  }
}

TEST_CASE("rolling mean equals a fresh extended-precision mean to 1e-15", "[margin][hot_path]") {
  const auto returns = btc_hourly_returns();
  for (std::size_t window : {0u, 1u, 7u, 24u}) {
    detail::rolling_mean mean(window);
    double worst = 0.0;
    for (std::size_t t = 0; t < 5000; ++t) {
      const double square = returns[t] * returns[t];
      mean.push(square);
      const std::size_t first = window == 0 || t + 1 <= window ? 0 : t + 1 - window;
      long double sum = 0.0L;  // a fresh sum in extended precision where long double has it
      for (std::size_t k = first; k <= t; ++k) sum += static_cast<long double>(returns[k] * returns[k]);
      const double expected = static_cast<double>(sum / static_cast<long double>(t + 1 - first));
      // A flat hour (return 0) with window 1 gives a mean of 0: compare absolutely there.
      worst = std::max(worst, std::abs(mean.value() - expected) / (expected > 0.0 ? expected : 1.0));
    }
    CAPTURE(window);
    INFO("worst " << worst);
    // 1e-15 is 4.5 ulp; where long double is double the reference itself is off by ~n ulp.
    CHECK(worst <= (std::numeric_limits<long double>::digits > 53 ? 1e-15 : 1e-12));
  }
}

TEST_CASE("the log loss handed to the policies is ln(1 + raw rate)", "[margin][hot_path]") {
  double worst = 0.0;
  parametric_risk_config risk;
  risk.horizon_steps = 24;
  margin_function fn(ewma_volatility(0.94), parametric_risk(risk), log_loss_recorder{&worst});
  const auto returns = btc_hourly_returns();
  double price = 100.0;
  for (std::size_t t = 0; t < returns.size(); ++t) {
    REQUIRE(fn.update(static_cast<timestamp>(t) * 3600, price) == status::ok);
    price *= std::exp(returns[t]);
  }
  CHECK(worst <= 6e-16);  // log1p of fast_expm1(L) against L: 0.85 ulp plus log1p's own rounding
  // Hand-made contexts (no loss supplied) fall back to log1p: the stressed weighting of a
  // 5% rate with sigma_stress = 2 sigma_now and w = 0.5 gives exp(1.5 ln 1.05) - 1.
  stressed_weight_policy stressed(0.5, 0);
  market_context c;
  c.raw_rate = 0.05;
  c.volatility = 0.01;
  c.stressed_volatility = 0.02;
  CHECK_THAT(stressed.update(c, {0.05, 0.025}).initial, dmtest::within_rel(std::pow(1.05, 1.5) - 1.0, 1e-15));
  c.raw_log_loss = std::log1p(0.05);
  CHECK_THAT(stressed.update(c, {0.05, 0.025}).initial, dmtest::within_rel(std::pow(1.05, 1.5) - 1.0, 1e-15));
}
