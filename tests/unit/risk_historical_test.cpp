// SPDX-License-Identifier: MIT
// Historical simulation: batch and streaming against the R reference rows
// (tests/data/rolling_hs_var_btc1h.csv), coherence properties on random and real samples,
// age weights against a hand computation, horizons, and bad input.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dynmargin/risk/historical.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {
std::vector<double> btc_hourly() {
  return dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
}
historical_risk_config config_of(double p, quantile_method q = quantile_method::type7,
                                 es_method e = es_method::tail_mean) {
  historical_risk_config c;
  c.confidence = confidence_level(p);
  c.quantile = q;
  c.es = e;
  return c;
}
}  // namespace

TEST_CASE("historical_var_es reproduces R rows of the rolling reference to 1e-12", "[risk][historical]") {
  const auto r = btc_hourly();
  const auto reference = dmtest::read_csv(dmtest::reference_path("rolling_hs_var_btc1h.csv"));
  const auto t = reference.numbers("t");
  const auto var7 = reference.numbers("var_type7");
  const auto var1 = reference.numbers("var_type1");
  const auto es = reference.numbers("es");
  // Row t (0-based forecast index, see risk_rolling_test.cpp) uses r[t-500 .. t-1].
  for (std::size_t row : {std::size_t{0}, std::size_t{1234}, std::size_t{20000}, t.size() - 1}) {
    const auto end = static_cast<std::size_t>(t[row]);
    const std::span<const double> w(r.data() + end - 500, 500);
    const auto e7 = historical_var_es(w, config_of(0.99, quantile_method::type7));
    const auto e1 = historical_var_es(w, config_of(0.99, quantile_method::type1));
    CHECK_THAT(e7.var, dmtest::within_abs(var7[row], 1e-12));
    CHECK_THAT(e1.var, dmtest::within_abs(var1[row], 1e-12));
    CHECK_THAT(e1.es, dmtest::within_abs(es[row], 1e-12));
    CHECK_THAT(e7.es, dmtest::within_abs(es[row], 1e-12));
  }
}

TEST_CASE("streaming historical_risk equals batch on every window (bitwise)", "[risk][historical][streaming]") {
  const auto r = btc_hourly();
  ewma_volatility vol(0.94);
  for (auto rule : {horizon_rule::overlapping_sums, horizon_rule::square_root_of_time, horizon_rule::bootstrap}) {
    for (std::int64_t h : {std::int64_t{1}, std::int64_t{4}}) {
      historical_risk_config c = config_of(0.975, quantile_method::type7);
      c.window = 300;
      c.horizon_steps = horizon(h);
      c.horizon = rule;
      c.bootstrap_paths = 2000;
      historical_risk measure(c);
      for (std::size_t i = 0; i < 1400; ++i) {
        REQUIRE(measure.observe(r[i], vol) == status::ok);
        if ((i + 1) % 97 != 0 || !measure.ready()) continue;
        const std::size_t n = std::min<std::size_t>(i + 1, 300);
        const std::span<const double> w(r.data() + i + 1 - n, n);
        for (auto side : {position_side::long_position, position_side::short_position}) {
          const auto streamed = measure.estimate(vol, side);
          const auto batch = historical_var_es(w, c, side);
          REQUIRE(streamed == batch);
        }
      }
      // State round trip: a restored copy continues bit-identically.
      historical_risk copy(c);
      copy.restore(measure.state());
      CHECK(copy.state() == measure.state());
      for (std::size_t i = 1400; i < 1500; ++i) {
        (void)measure.observe(r[i]);
        (void)copy.observe(r[i]);
      }
      CHECK(copy.estimate(position_side::short_position) == measure.estimate(position_side::short_position));
    }
  }
}

TEST_CASE("historical_risk without the streaming upper tail gives the same estimates on both sides",
          "[risk][historical][streaming]") {
  // upper_tail = false (a long-only run) pushes into the lower tail only; a short estimate is
  // then computed from a copy of the window, which the batch form shows to be bit-identical.
  const auto r = btc_hourly();
  for (auto rule : {horizon_rule::overlapping_sums, horizon_rule::square_root_of_time}) {
    for (std::int64_t h : {std::int64_t{1}, std::int64_t{5}}) {
      for (auto q : {quantile_method::type7, quantile_method::type1}) {
        historical_risk_config c = config_of(0.99, q, es_method::acerbi_tasche);
        c.window = 250;
        c.horizon_steps = horizon(h);
        c.horizon = rule;
        historical_risk both(c);
        c.upper_tail = false;
        historical_risk lower_only(c);
        std::size_t compared = 0;
        for (std::size_t i = 0; i < 2000; ++i) {
          REQUIRE(both.observe(r[i]) == status::ok);
          REQUIRE(lower_only.observe(r[i]) == status::ok);
          REQUIRE(both.ready() == lower_only.ready());
          if (!both.ready() || i % 7 != 0) continue;
          for (auto side : {position_side::long_position, position_side::short_position}) {
            REQUIRE(lower_only.estimate(side) == both.estimate(side));
          }
          ++compared;
        }
        CHECK(compared > 200);
      }
    }
  }
}

TEST_CASE("historical: ES >= VaR, monotone in confidence, homogeneous, translation invariant",
          "[risk][historical][properties]") {
  const auto r = btc_hourly();
  const std::span<const double> w(r.data() + 5000, 2000);
  for (auto q : {quantile_method::type1, quantile_method::type7}) {
    for (auto e : {es_method::tail_mean, es_method::acerbi_tasche}) {
      double last_var = -1e300;
      double last_es = -1e300;
      for (double p : {0.9, 0.95, 0.975, 0.99, 0.995}) {
        for (auto side : {position_side::long_position, position_side::short_position}) {
          const auto est = historical_var_es(w, config_of(p, q, e), side);
          CHECK(est.es >= est.var);
        }
        const auto est = historical_var_es(w, config_of(p, q, e));
        CHECK(est.var >= last_var);
        CHECK(est.es >= last_es);
        last_var = est.var;
        last_es = est.es;
      }
      // Positive homogeneity: scaling by 2 (exact in binary) scales VaR and ES exactly; by 3.7
      // to 1e-14 relative (one rounding per value).
      std::vector<double> doubled(w.begin(), w.end());
      std::vector<double> scaled(w.begin(), w.end());
      std::vector<double> shifted(w.begin(), w.end());
      for (double& x : doubled) x *= 2.0;
      for (double& x : scaled) x *= 3.7;
      for (double& x : shifted) x += 0.25;
      const auto base = historical_var_es(w, config_of(0.99, q, e));
      CHECK(historical_var_es(doubled, config_of(0.99, q, e)).var == 2.0 * base.var);
      CHECK(historical_var_es(doubled, config_of(0.99, q, e)).es == 2.0 * base.es);
      CHECK_THAT(historical_var_es(scaled, config_of(0.99, q, e)).es, dmtest::within_rel(3.7 * base.es, 1e-14));
      // Translation invariance: adding c to the returns lowers the long losses by c
      // (tolerance: rounding of x + c, 1e-14 absolute at |x| ~ 10).
      const auto moved = historical_var_es(shifted, config_of(0.99, q, e));
      CHECK_THAT(moved.var, dmtest::within_abs(base.var - 0.25, 1e-13));
      CHECK_THAT(moved.es, dmtest::within_abs(base.es - 0.25, 1e-13));
    }
  }
}

TEST_CASE("Acerbi-Tasche ES is subadditive on random and real pairs", "[risk][historical][properties]") {
  // ES(X + Y) <= ES(X) + ES(Y) holds for the Acerbi-Tasche sample ES on every sample (it is
  // the integral of the empirical quantile function); tolerance 1e-12 for rounding.
  std::mt19937_64 engine(99);
  std::student_t_distribution<double> t3(3.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n = 150 + static_cast<std::size_t>(trial) * 7;
    std::vector<double> x(n);
    std::vector<double> y(n);
    std::vector<double> sum(n);
    const double rho = trial % 2 == 0 ? 0.6 : -0.4;
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = t3(engine);
      y[i] = rho * x[i] + normal(engine) * (trial % 3 == 0 ? 5.0 : 0.5);
      sum[i] = x[i] + y[i];
    }
    for (double p : {0.95, 0.99, 0.975}) {
      auto c = config_of(p, quantile_method::type1, es_method::acerbi_tasche);
      for (auto side : {position_side::long_position, position_side::short_position}) {
        const double es_sum = historical_var_es(sum, c, side).es;
        REQUIRE(es_sum <= historical_var_es(x, c, side).es + historical_var_es(y, c, side).es + 1e-12);
      }
    }
  }
  // BTC and ETH daily returns aligned on date.
  const auto btc = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv"));
  const auto eth = dmtest::read_csv(dmtest::reference_path("returns_eth_usd_daily.csv"));
  std::map<std::string, double> btc_by_date;
  const auto btc_r = btc.numbers("r");
  for (std::size_t i = 0; i < btc.rows.size(); ++i) btc_by_date[btc.rows[i][btc.column("date")]] = btc_r[i];
  const auto eth_r = eth.numbers("r");
  std::vector<double> a;
  std::vector<double> b;
  std::vector<double> ab;
  for (std::size_t i = 0; i < eth.rows.size(); ++i) {
    const auto it = btc_by_date.find(eth.rows[i][eth.column("date")]);
    if (it == btc_by_date.end()) continue;
    a.push_back(it->second);
    b.push_back(eth_r[i]);
    ab.push_back(it->second + eth_r[i]);
  }
  REQUIRE(a.size() > 1500);
  for (double p : {0.95, 0.975, 0.99}) {
    for (std::size_t start = 0; start + 500 <= a.size(); start += 250) {
      const auto c = config_of(p, quantile_method::type1, es_method::acerbi_tasche);
      const std::span<const double> wa(a.data() + start, 500);
      const std::span<const double> wb(b.data() + start, 500);
      const std::span<const double> wab(ab.data() + start, 500);
      CHECK(historical_var_es(wab, c).es <= historical_var_es(wa, c).es + historical_var_es(wb, c).es + 1e-12);
    }
  }
}

TEST_CASE("age-weighted (BRW) historical simulation", "[risk][historical][brw]") {
  // Hand computation on 10 values, lambda = 0.8, a = 0.2 (p = 0.8). Weights oldest first:
  // w_i = 0.8^(9-i) * 0.2 / (1 - 0.8^10).
  const std::vector<double> x{-5.0, 1.0, -3.0, 2.0, -1.0, 0.5, -4.0, 3.0, -2.0, 0.0};
  historical_risk_config c;
  c.confidence = confidence_level(0.8);
  c.quantile = quantile_method::type1;
  c.age_decay = 0.8;
  const double norm = 0.2 / (1.0 - std::pow(0.8, 10));
  const auto w = [&](int i) { return std::pow(0.8, 9 - i) * norm; };
  // Ascending: -5 (i0, w=.0253), -4 (i6, .1209), -3 (i2, .0396), -2 (i8, .1889) ...
  // cumulative: .0253, .1462, .1858, then -2 reaches .3747 >= 0.2: VaR = 2.
  const auto e = historical_var_es(x, c);
  CHECK(e.var == 2.0);
  const double tail_w = w(0) + w(6) + w(2) + w(8);
  const double tail_s = -5.0 * w(0) - 4.0 * w(6) - 3.0 * w(2) - 2.0 * w(8);
  CHECK_THAT(e.es, dmtest::within_rel(-tail_s / tail_w, 1e-14));
  c.es = es_method::acerbi_tasche;
  const double before = w(0) + w(6) + w(2);
  const double at = -(-5.0 * w(0) - 4.0 * w(6) - 3.0 * w(2) + (0.2 - before) * -2.0) / 0.2;
  CHECK_THAT(historical_var_es(x, c).es, dmtest::within_rel(at, 1e-14));
  // lambda -> 1: the weights tend to 1/n, and the weighted inverse CDF lands on x_(5) or
  // x_(6) of 500 (the older half weighs slightly less than 1/n, so five of them may fall short
  // of a = 1%).
  const auto r = btc_hourly();
  std::vector<double> win(r.begin(), r.begin() + 500);
  historical_risk_config near_equal = config_of(0.99, quantile_method::type1);
  near_equal.age_decay = 1.0 - 1e-9;
  const double brw_var = historical_var_es(win, near_equal).var;
  std::sort(win.begin(), win.end());
  CHECK((brw_var == -win[4] || brw_var == -win[5]));
  // A recent crash weighs more with age weights than without.
  std::vector<double> recent(r.begin(), r.begin() + 500);
  recent[499] = -15.0;
  historical_risk_config brw = config_of(0.99, quantile_method::type1);
  brw.age_decay = 0.99;
  CHECK(historical_var_es(recent, brw).var == 15.0);
}

TEST_CASE("historical horizons: sqrt-of-time scales, overlapping sums sum", "[risk][historical][horizon]") {
  const auto r = btc_hourly();
  const std::span<const double> w(r.data(), 1000);
  auto c = config_of(0.99, quantile_method::type1);
  const auto one = historical_var_es(w, c);
  c.horizon_steps = horizon(4);
  c.horizon = horizon_rule::square_root_of_time;
  CHECK(historical_var_es(w, c).var == one.var * 2.0);
  c.horizon = horizon_rule::overlapping_sums;
  // Independent: build the 997 four-hour sums by hand and take the type-1 quantile.
  std::vector<double> sums;
  for (std::size_t i = 0; i + 4 <= w.size(); ++i) sums.push_back(w[i] + w[i + 1] + w[i + 2] + w[i + 3]);
  std::sort(sums.begin(), sums.end());
  const auto k = static_cast<std::size_t>(std::ceil(997 * 0.01));
  CHECK(historical_var_es(w, c).var == -sums[k - 1]);
  // Bootstrap reproduces with its seed and differs with another seed.
  c.horizon = horizon_rule::bootstrap;
  const auto b1 = historical_var_es(w, c);
  CHECK(historical_var_es(w, c) == b1);
  c.seed = 7;
  CHECK_FALSE(historical_var_es(w, c) == b1);
  CHECK(b1.var > one.var);
}

TEST_CASE("historical rejects bad input, naming it", "[risk][historical][errors]") {
  const auto r = btc_hourly();
  // The configuration cannot hold a confidence outside (0, 1): confidence_level rejects it.
  REQUIRE_THROWS_WITH(confidence_level(1.5), "confidence_level: p must be in (0, 1), got 1.5");
  historical_risk_config c;
  c.window = 50;
  REQUIRE_THROWS_WITH(historical_risk(c),
                      dmtest::contains("window must hold at least 100 returns for confidence 0.99"));
  c.window = 100;
  c.horizon_steps = horizon(10);
  REQUIRE_THROWS_WITH(historical_risk(c), dmtest::contains("at least 109 returns"));
  REQUIRE_THROWS_WITH(historical_var_es(std::span<const double>(r.data(), 99), historical_risk_config{}),
                      dmtest::contains("sample size must hold at least 100 returns"));
  std::vector<double> bad(r.begin(), r.begin() + 200);
  bad[123] = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(historical_var_es(bad, historical_risk_config{}),
                      dmtest::contains("sample value at index 123 must be finite"));
  c = {};
  c.age_decay = 0.97;  // type 7 is the default: not defined with weights
  REQUIRE_THROWS_WITH(historical_risk(c), dmtest::contains("quantile must be type1 with age weights"));
  c = {};
  c.horizon = horizon_rule::volatility_model;
  REQUIRE_THROWS_WITH(historical_risk(c), dmtest::contains("horizon must be"));
  // Streaming: NaN leaves the window unchanged; estimate before ready is +inf, never NaN.
  historical_risk measure(historical_risk_config{});
  CHECK(std::isinf(measure.estimate().var));
  for (std::size_t i = 0; i < 120; ++i) (void)measure.observe(r[i]);
  const auto before = measure.state();
  CHECK(measure.observe(std::numeric_limits<double>::quiet_NaN()) == status::non_finite_input);
  CHECK(measure.state() == before);
  CHECK(std::isfinite(measure.estimate().es));
}
