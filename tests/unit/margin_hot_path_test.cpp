// SPDX-License-Identifier: MIT
// The margin hot path against independent references: the log loss and the stressed
// volatility the margin function hands to the policies, against log1p of the raw rate and a
// brute-force maximum of the volatility. The pieces it is built from (fast_expm1, the rolling
// maximum and mean) are tested in detail_internals_test.cpp and margin_internals_test.cpp.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

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
    now->push_back(c.volatility);  // the test reserves room: no allocation here
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
  const auto returns = dmtest::reference_returns_as_fractions("returns_btc_usd_1h.csv");
  for (std::int64_t lookback : {0, 1, 24 * 30, 24 * 250}) {
    CAPTURE(lookback);
    std::vector<double> now, stressed;
    now.reserve(returns.size() + 1);
    stressed.reserve(returns.size() + 1);
    margin_function_config config;
    config.stressed_lookback = lookback;
    parametric_risk_config risk;
    risk.horizon_steps = horizon(24);
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

TEST_CASE("the log loss handed to the policies is ln(1 + raw rate)", "[margin][hot_path]") {
  double worst = 0.0;
  parametric_risk_config risk;
  risk.horizon_steps = horizon(24);
  margin_function fn(ewma_volatility(0.94), parametric_risk(risk), log_loss_recorder{&worst});
  const auto returns = dmtest::reference_returns_as_fractions("returns_btc_usd_1h.csv");
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
