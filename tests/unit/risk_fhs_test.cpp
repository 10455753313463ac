// SPDX-License-Identifier: MIT
// Filtered historical simulation against an independent hand computation (EWMA sigma from
// the RiskMetrics recursion written out here, rescaling, full sort), streaming vs batch, the
// floor and cap, horizons and bad input.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "catch.hpp"
#include "dynmargin/risk/filtered_historical.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/garch.hpp"
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
  // Burn-in: the smallest n with 0.97^(n-1) <= 1% (the weight left on r_1^2), here by a loop.
  std::size_t burn_in = 1;
  for (double w = 1.0; w > 0.01; w *= 0.97) ++burn_in;
  REQUIRE(burn_in == 153);
  for (std::size_t t = 0; t < n_used; ++t) {
    const status s = measure.observe(r[t], vol);
    CHECK(s == (t < burn_in ? status::not_enough_data : status::ok));  // no residual before the burn-in
    REQUIRE(vol.update(r[t]) == status::ok);
  }
  CHECK(measure.ready());  // 1500 - 153 residuals fill the window of 500
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
  c.min_residuals = 50;  // below the 100 a 99% tail needs
  REQUIRE_THROWS_WITH(filtered_historical_risk(c),
                      "filtered_historical_risk: min_residuals must be 0 (the whole window) or in [100, window 500], "
                      "got 50");
  c.min_residuals = 501;
  REQUIRE_THROWS_WITH(filtered_historical_risk(c), dmtest::contains("min_residuals must be 0"));
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

namespace {

// The start-date experiment of issue "Right or refused", point 6. For each start date s >= 1 of
// BTC daily (returns r_0 .. r_{n-1}, n = 2722), a fresh model pair (EWMA, FHS long 99% ES) is
// fed r_s, r_{s+1}, ... from its default state; t(s) is the number of returns after which it
// first reports ready (returns r_0 .. r_{t-1} seen in all). The reference pair, identical in
// configuration, has run from r_0. The ratio is ES_fresh / ES_reference, both the forecast for
// r_{t(s)}. Start dates whose fresh pair is not ready by the end of the file are left out; the
// reference is ready at every t(s) (it started earlier). Returns the ratios in start order.
std::vector<double> start_date_ratios(const std::vector<double>& r, const ewma_volatility_config& vc,
                                      const filtered_historical_risk_config& fc) {
  const std::size_t n = r.size();
  // Reference ES after t returns, for every t.
  std::vector<double> reference(n + 1, std::numeric_limits<double>::quiet_NaN());
  {
    ewma_volatility vol(vc);
    filtered_historical_risk fhs(fc);
    for (std::size_t t = 0; t <= n; ++t) {
      if (fhs.ready() && vol.ready()) reference[t] = fhs.estimate(vol, position_side::long_position).es;
      if (t == n) break;
      (void)fhs.observe(r[t], vol);
      (void)vol.update(r[t]);
    }
  }
  std::vector<double> ratios;
  for (std::size_t s = 1; s < n; ++s) {
    ewma_volatility vol(vc);
    filtered_historical_risk fhs(fc);
    std::size_t t = s;
    while (t < n && !(fhs.ready() && vol.ready())) {
      (void)fhs.observe(r[t], vol);
      (void)vol.update(r[t]);
      ++t;
    }
    if (!(fhs.ready() && vol.ready())) break;  // later starts are not ready either
    REQUIRE(std::isfinite(reference[t]));
    ratios.push_back(fhs.estimate(vol, position_side::long_position).es / reference[t]);
  }
  return ratios;
}

// Type-1 percentile: the ceil(q N)-th smallest.
double percentile(std::vector<double> x, double q) {
  std::sort(x.begin(), x.end());
  const auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(x.size())));
  return x[std::max<std::size_t>(k, 1) - 1];
}

}  // namespace

TEST_CASE(
    "FHS warm-up: the first ready ES at any start date is within 10% of a pre-warmed one at the 99th "
    "percentile (BTC daily)",
    "[risk][fhs][warmup]") {
  const auto r = btc_daily();
  REQUIRE(r.size() == 2722);
  filtered_historical_risk_config fc;  // 99%, window 500, ready once the window is full
  const ewma_volatility_config vc{decay_factor(0.94), ewma_start::first_squared_return, 0, 0.0, 0};  // burn-in 76
  const auto ratios = start_date_ratios(r, vc, fc);
  // Fresh pairs are ready after 76 + 500 returns: starts 1 .. 2722 - 576.
  CHECK(ratios.size() == 2146);
  const double p99 = percentile(ratios, 0.99);
  const double worst = *std::max_element(ratios.begin(), ratios.end());
  const auto above = std::count_if(ratios.begin(), ratios.end(), [](double x) { return x > 1.2; });
  UNSCOPED_INFO("defaults: starts " << ratios.size() << ", p99 ratio " << p99 << ", max " << worst << ", share > 1.2 "
                                    << static_cast<double>(above) / static_cast<double>(ratios.size()));
  CHECK(p99 <= 1.1);

  // The experiment can fail: with the old readiness (EWMA ready after one return, FHS after
  // 100 residuals) it finds the problem the issue reports.
  filtered_historical_risk_config old_fc;
  old_fc.min_residuals = 100;
  const ewma_volatility_config old_vc{decay_factor(0.94), ewma_start::first_squared_return, 0, 0.0, 1};
  const auto old_ratios = start_date_ratios(r, old_vc, old_fc);
  const double old_p99 = percentile(old_ratios, 0.99);
  UNSCOPED_INFO("old readiness: starts " << old_ratios.size() << ", p99 ratio " << old_p99 << ", max "
                                         << *std::max_element(old_ratios.begin(), old_ratios.end()));
  CHECK(old_p99 > 1.1);
}

TEST_CASE("FHS standardises r - mu when the model has a mean, and adds the mean back", "[risk][fhs][mean]") {
  const auto r = btc_daily();
  garch_volatility_config gc;
  gc.parameters.mu = 0.15;  // percent per day
  gc.parameters.omega = 0.1;
  gc.parameters.alpha = 0.1;
  gc.parameters.beta = 0.85;
  filtered_historical_risk_config c;
  c.quantile = quantile_method::type1;
  filtered_historical_risk measure(c);
  garch_volatility vol(gc);
  REQUIRE(volatility_mean(vol) == 0.15);
  std::vector<double> z;  // hand: (r - mu) / sigma_t with sigma_t the forecast before r_t
  const std::size_t n_used = 1200;
  for (std::size_t t = 0; t < n_used; ++t) {
    z.push_back((r[t] - 0.15) / std::sqrt(vol.variance()));
    REQUIRE(measure.observe(r[t], vol) == status::ok);  // GARCH is ready at once
    REQUIRE(vol.update(r[t]) == status::ok);
  }
  const double sigma_now = std::sqrt(vol.variance());
  std::vector<double> rescaled;  // FHS returns: mu + z sigma_now over the last 500
  for (std::size_t t = n_used - 500; t < n_used; ++t) rescaled.push_back(0.15 + z[t] * sigma_now);
  std::sort(rescaled.begin(), rescaled.end());
  const double var_long = -rescaled[4];  // k = ceil(500 * 0.01) = 5
  const double es_long = -(rescaled[0] + rescaled[1] + rescaled[2] + rescaled[3] + rescaled[4]) / 5.0;
  const auto e = measure.estimate(vol, position_side::long_position);
  // 1e-12 relative: mu + z sigma versus sigma VaR_z - mu differ by rounding only.
  CHECK_THAT(e.var, dmtest::within_rel(var_long, 1e-12));
  CHECK_THAT(e.es, dmtest::within_rel(es_long, 1e-12));
  const double var_short = rescaled[495];  // short loses +r: the 5th largest
  const auto es_short_sum = rescaled[495] + rescaled[496] + rescaled[497] + rescaled[498] + rescaled[499];
  const auto s = measure.estimate(vol, position_side::short_position);
  CHECK_THAT(s.var, dmtest::within_rel(var_short, 1e-12));
  CHECK_THAT(s.es, dmtest::within_rel(es_short_sum / 5.0, 1e-12));
  CHECK(filtered_historical_var_es(std::span<const double>(r.data(), n_used), garch_volatility(gc), c) == e);
}
