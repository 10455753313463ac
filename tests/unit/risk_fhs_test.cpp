// SPDX-License-Identifier: MIT
// Filtered historical simulation against an independent hand computation (EWMA sigma from
// the RiskMetrics recursion written out here, rescaling, full sort), streaming vs batch, the
// floor and cap, horizons and bad input.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "catch.hpp"
#include "dynmargin/risk/filtered_historical.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {
std::vector<double> btc_daily() {
  return dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
}
}  // namespace

TEST_CASE("FHS equals the hand computation with EWMA 0.97 (BTC daily)", "[risk][fhs]") {
  const auto r = btc_daily();
  const std::size_t n_used = 1500;
  const std::size_t window = 500;
  // Hand: sigma2_1 undefined before r_1; sigma2 after r_1 = r_1^2, then the recursion.
  std::vector<double> sigma(n_used + 1, 0.0);  // sigma[t] = forecast of r[t] (0-based)
  double s2 = 0.0;
  for (std::size_t t = 0; t < n_used; ++t) {
    sigma[t] = std::sqrt(s2);
    s2 = t == 0 ? r[0] * r[0] : 0.97 * s2 + 0.03 * r[t] * r[t];
  }
  const double sigma_now = std::sqrt(s2);
  std::vector<double> rescaled;
  for (std::size_t t = n_used - window; t < n_used; ++t) rescaled.push_back(r[t] / sigma[t] * sigma_now);
  std::sort(rescaled.begin(), rescaled.end());
  const double var1 = -rescaled[4];  // k = ceil(500 * 0.01) = 5
  const double es = -(rescaled[0] + rescaled[1] + rescaled[2] + rescaled[3] + rescaled[4]) / 5.0;

  filtered_historical_risk_config c;
  c.quantile = quantile_method::type1;
  filtered_historical_risk measure(c);
  ewma_volatility vol(0.97);
  for (std::size_t t = 0; t < n_used; ++t) {
    const status s = measure.observe(r[t], vol);
    CHECK(s == (t == 0 ? status::not_enough_data : status::ok));  // no forecast before r_1
    REQUIRE(vol.update(r[t]) == status::ok);
  }
  const auto e = measure.estimate(vol, position_side::long_position);
  // Tolerance 1e-12 relative: z * sigma_now versus r / sigma * sigma_now differ by rounding.
  CHECK_THAT(e.var, dmtest::within_rel(var1, 1e-12));
  CHECK_THAT(e.es, dmtest::within_rel(es, 1e-12));
  // Batch form equals the streaming one bitwise.
  CHECK(filtered_historical_var_es(std::span<const double>(r.data(), n_used), ewma_volatility(0.97), c) == e);
}

TEST_CASE("FHS streaming equals batch for every horizon rule, side and floor/cap", "[risk][fhs][streaming]") {
  const auto r = btc_daily();
  for (auto rule : {horizon_rule::overlapping_sums, horizon_rule::square_root_of_time, horizon_rule::volatility_model,
                    horizon_rule::bootstrap}) {
    for (bool bounded : {false, true}) {
      filtered_historical_risk_config c;
      c.window = 400;
      c.horizon_steps = horizon(5);
      c.horizon = rule;
      c.bootstrap_paths = 3000;
      if (bounded) {
        c.scale_floor = 0.8;
        c.scale_cap = 2.0;
      }
      filtered_historical_risk measure(c);
      ewma_volatility vol(0.94);
      for (std::size_t t = 0; t < 1200; ++t) {
        (void)measure.observe(r[t], vol);
        (void)vol.update(r[t]);
        if ((t + 1) % 200 != 0 || !measure.ready()) continue;
        for (auto side : {position_side::long_position, position_side::short_position}) {
          const auto streamed = measure.estimate(vol, side);
          const auto batch = filtered_historical_var_es(std::span<const double>(r.data(), t + 1), ewma_volatility(0.94),
                                                        c, side);
          REQUIRE(streamed == batch);
          REQUIRE(streamed.es >= streamed.var);
        }
      }
      filtered_historical_risk copy(c);
      copy.restore(measure.state());
      CHECK(copy.estimate(vol, position_side::long_position) == measure.estimate(vol, position_side::long_position));
    }
  }
}

TEST_CASE("FHS floor and cap bound the scaling; horizons relate as stated", "[risk][fhs][horizon]") {
  const auto r = btc_daily();
  filtered_historical_risk_config c;
  c.quantile = quantile_method::type1;
  const auto plain = filtered_historical_var_es(r, ewma_volatility(0.94), c);
  // A cap of 1 never scales a past return up; a floor of 1 never scales one down; both at 1
  // give plain historical simulation of the last 500 returns.
  c.scale_floor = 1.0;
  c.scale_cap = 1.0;
  historical_risk_config hc;
  hc.quantile = quantile_method::type1;
  const auto hs = historical_var_es(std::span<const double>(r.data() + r.size() - 500, 500), hc);
  const auto pinned = filtered_historical_var_es(r, ewma_volatility(0.94), c);
  CHECK_THAT(pinned.var, dmtest::within_rel(hs.var, 1e-14));
  CHECK_THAT(pinned.es, dmtest::within_rel(hs.es, 1e-14));
  CHECK(plain.var != pinned.var);
  // sqrt-of-time: exactly sqrt(h) times the one-step measure with EWMA (variance(h) = h var).
  filtered_historical_risk_config one;
  one.quantile = quantile_method::type1;
  filtered_historical_risk_config sq = one;
  sq.horizon_steps = horizon(9);
  sq.horizon = horizon_rule::square_root_of_time;
  const auto e1 = filtered_historical_var_es(r, ewma_volatility(0.94), one);
  CHECK_THAT(filtered_historical_var_es(r, ewma_volatility(0.94), sq).var, dmtest::within_rel(3.0 * e1.var, 1e-14));
  sq.horizon = horizon_rule::volatility_model;
  CHECK_THAT(filtered_historical_var_es(r, ewma_volatility(0.94), sq).var, dmtest::within_rel(3.0 * e1.var, 1e-14));
}

TEST_CASE("FHS rejects bad input, naming it", "[risk][fhs][errors]") {
  // The configuration cannot hold a confidence outside (0, 1): confidence_level rejects it.
  REQUIRE_THROWS_WITH(confidence_level(-0.2), "confidence_level: p must be in (0, 1), got -0.2");
  filtered_historical_risk_config c;
  c.window = 60;
  REQUIRE_THROWS_WITH(filtered_historical_risk(c), dmtest::contains("window must hold at least 100 returns"));
  c = {};
  c.scale_floor = 2.0;
  c.scale_cap = 1.0;
  REQUIRE_THROWS_WITH(filtered_historical_risk(c), dmtest::contains("scale_cap must be > 0 and >= scale_floor"));
  std::vector<double> r = btc_daily();
  r[321] = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(filtered_historical_var_es(r, ewma_volatility(0.94), filtered_historical_risk_config{}),
                      dmtest::contains("sample value at index 321 must be finite"));
  filtered_historical_risk measure{filtered_historical_risk_config{}};
  ewma_volatility vol(0.94);
  (void)vol.update(1.0);
  CHECK(measure.observe(std::numeric_limits<double>::quiet_NaN(), vol) == status::non_finite_input);
  CHECK(measure.size() == 0);
  CHECK(std::isinf(measure.estimate(vol, position_side::long_position).var));
  REQUIRE_THROWS_WITH(filter_returns(std::vector<double>{1.0, 2.0}, std::vector<double>{1.0, 0.0}, 1.0),
                      dmtest::contains("sigma at index 1 must be finite and > 0"));
}
