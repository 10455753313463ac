// SPDX-License-Identifier: MIT
// Parametric VaR/ES against the closed forms of tests/data/REFERENCE.md (normal and
// unit-variance Student t nu = 4), and the Student t fit against a grid of the log-likelihood.
// Cornish-Fisher against quadrature of its quantile function is in risk_internals_test.cpp.
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "catch.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "parametric_support.hpp"
#include "test_data.hpp"

using namespace dynmargin;

using dmtest::make_parametric;

TEST_CASE("parametric normal reproduces the closed forms of REFERENCE.md", "[risk][parametric]") {
  // REFERENCE.md gives z(0.99) to 10 digits (tolerance 5e-10) and the rest to 7 digits
  // (tolerance half a unit of the last digit, 5e-7).
  struct row {
    double p, z, es, z_tol;
  };
  for (const row& r : {row{0.99, 2.326347874, 2.665214, 5e-10}, row{0.975, 1.959964, 2.337803, 5e-7},
                       row{0.95, 1.644854, 2.062713, 5e-7}}) {
    const auto m = make_parametric(risk_distribution::normal, r.p);
    const auto e = m.from_variance(1.0);
    CHECK_THAT(e.var, dmtest::within_abs(r.z, r.z_tol));
    CHECK_THAT(e.es, dmtest::within_abs(r.es, 5e-7));
    // Scale: sigma = 2 doubles both (variance 4).
    const auto e4 = m.from_variance(4.0);
    CHECK(e4.var == 2.0 * e.var);
    CHECK(e4.es == 2.0 * e.es);
    // Symmetric: the short side equals the long side.
    CHECK(m.from_variance(1.0, position_side::short_position) == e);
  }
}

TEST_CASE("parametric unit-variance Student t nu = 4 reproduces REFERENCE.md", "[risk][parametric]") {
  // 7 significant digits in REFERENCE.md: tolerance 5e-7 absolute.
  const auto m99 = make_parametric(risk_distribution::student_t, 0.99, 4.0);
  CHECK_THAT(m99.from_variance(1.0).var, dmtest::within_abs(2.649492, 5e-7));
  CHECK_THAT(m99.from_variance(1.0).es, dmtest::within_abs(3.691510, 5e-7));
  const auto m95 = make_parametric(risk_distribution::student_t, 0.95, 4.0);
  CHECK_THAT(m95.from_variance(1.0).var, dmtest::within_abs(1.507443, 5e-7));
  CHECK_THAT(m95.from_variance(1.0).es, dmtest::within_abs(2.264771, 5e-7));
  // Large nu tends to the normal: at nu = 1e6 within 1e-5 of z(0.99).
  CHECK_THAT(make_parametric(risk_distribution::student_t, 0.99, 1e6).var_factor(),
             dmtest::within_abs(2.326347874, 1e-5));
}

TEST_CASE("parametric: ES >= VaR, both rise with confidence, mean translates", "[risk][parametric][properties]") {
  for (auto d : {risk_distribution::normal, risk_distribution::student_t, risk_distribution::cornish_fisher}) {
    double last_var = -1e300;
    double last_es = -1e300;
    for (double p : {0.9, 0.95, 0.975, 0.99, 0.995, 0.999}) {
      const auto m = make_parametric(d, p, 5.0, -0.3, 2.0);
      for (auto side : {position_side::long_position, position_side::short_position}) {
        const auto e = m.from_variance(2.5, side);
        CHECK(e.es >= e.var);
      }
      const auto e = m.from_variance(1.0);
      CHECK(e.var > last_var);
      CHECK(e.es > last_es);
      last_var = e.var;
      last_es = e.es;
    }
  }
  // Translation: a per-step mean mu over h steps lowers a long's losses by h mu exactly and
  // raises a short's by h mu (tolerance: one rounding of the subtraction, 1e-15 relative).
  parametric_risk_config c;
  c.mean = 0.05;
  c.horizon_steps = horizon(4);
  const parametric_risk with_mean(c);
  c.mean = 0.0;
  const parametric_risk without(c);
  CHECK_THAT(with_mean.from_variance(4.0).var, dmtest::within_abs(without.from_variance(4.0).var - 0.2, 1e-15));
  CHECK_THAT(with_mean.from_variance(4.0, position_side::short_position).es,
             dmtest::within_abs(without.from_variance(4.0).es + 0.2, 1e-15));
}

TEST_CASE("parametric as a streaming measure uses vol.variance(h)", "[risk][parametric][streaming]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  parametric_risk_config c;
  c.horizon_steps = horizon(10);
  parametric_risk m(c);
  ewma_volatility vol(0.94);
  for (std::size_t i = 0; i < 300; ++i) {
    REQUIRE(m.observe(returns[i], vol) == status::ok);
    REQUIRE(vol.update(returns[i]) == status::ok);
  }
  // EWMA is flat: variance(10) = 10 variance(); the 10-day VaR is sqrt(10) z sigma.
  const auto e = m.estimate(vol, position_side::long_position);
  CHECK_THAT(e.var, dmtest::within_rel(std::sqrt(10.0 * vol.variance()) * 2.326347874, 1e-9));
  CHECK(m.observe(std::numeric_limits<double>::quiet_NaN(), vol) == status::non_finite_input);
  CHECK(m.state() == parametric_risk::state_type{});
  c.horizon = horizon_rule::square_root_of_time;
  CHECK(parametric_risk(c).estimate(vol, position_side::long_position) == e);
}

TEST_CASE("parametric rejects bad parameters, naming them", "[risk][parametric][errors]") {
  // The configuration cannot hold a confidence outside (0, 1) or a horizon below 1 step:
  // confidence_level and horizon reject them.
  REQUIRE_THROWS_WITH(confidence_level(1.5), "confidence_level: p must be in (0, 1), got 1.5");
  REQUIRE_THROWS_WITH(confidence_level(0.0), dmtest::contains("p must be in (0, 1)"));
  REQUIRE_THROWS_AS(confidence_level(std::numeric_limits<double>::quiet_NaN()), dynmargin::invalid_argument);
  REQUIRE_THROWS_WITH(horizon(0), "horizon: steps must be at least 1, got 0");
  parametric_risk_config c;
  c.distribution = risk_distribution::student_t;
  c.nu = 2.0;
  REQUIRE_THROWS_WITH(parametric_risk(c), dmtest::contains("nu must be finite and > 2"));
  c.nu = 1.5;
  REQUIRE_THROWS_WITH(parametric_risk(c), dmtest::contains("got 1.5"));
  c = {};
  c.horizon = horizon_rule::overlapping_sums;
  REQUIRE_THROWS_WITH(parametric_risk(c), dmtest::contains("horizon must be volatility_model or square_root_of_time"));
  c = {};
  c.distribution = risk_distribution::cornish_fisher;
  c.skewness = 2.0;  // K = 0 with S = 2: the expansion folds over (not a quantile function)
  REQUIRE_THROWS_WITH(parametric_risk(c), dmtest::contains("skewness and excess_kurtosis"));
  const parametric_risk ok;
  REQUIRE_THROWS_WITH((void)ok.checked_from_variance(-1.0),
                      "parametric_risk: variance must be finite and >= 0, got -1");
  REQUIRE_THROWS_WITH((void)ok.checked_from_variance(std::numeric_limits<double>::quiet_NaN()),
                      dmtest::contains("variance must be finite"));
}

TEST_CASE("fit_student_t_nu maximises the unit-variance t likelihood", "[risk][parametric][fit]") {
  // Sample: 20,000 draws of a standard t with nu = 5 (seeded), rescaled to unit variance.
  std::mt19937_64 engine(20240501);
  std::student_t_distribution<double> t5(5.0);
  std::vector<double> sample(20000);
  for (double& x : sample) x = t5(engine) * std::sqrt(3.0 / 5.0);
  const auto fit = fit_student_t_nu(sample);
  // Statistical check: the MLE of nu from 20,000 draws has a standard error of about 0.25;
  // 5 +- 1 is four standard errors.
  CHECK(std::abs(fit.nu - 5.0) < 1.0);
  CHECK_FALSE(fit.at_bound);
  // Optimality against an independent grid of the log-likelihood (step 0.01 around the
  // optimum): no grid point beats the fit by more than 1e-7 (Brent's tolerance in nu is
  // 2^-20 relative; the likelihood is flat to second order there).
  double mean = 0.0;
  for (double x : sample) mean += x;
  mean /= static_cast<double>(sample.size());
  double ss = 0.0;
  for (double x : sample) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(sample.size()));
  double best_grid = -std::numeric_limits<double>::infinity();
  for (double nu = fit.nu - 0.5; nu <= fit.nu + 0.5; nu += 0.01) {
    double ll = 0.0;
    for (double x : sample) {
      const double z = (x - mean) / sd;
      ll += std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) - 0.5 * std::log(M_PI * (nu - 2)) -
            (nu + 1) / 2 * std::log(1 + z * z / (nu - 2)) - std::log(sd);
    }
    best_grid = std::max(best_grid, ll);
  }
  CHECK(fit.log_likelihood >= best_grid - 1e-7);

  // BTC daily returns: fat tails, nu well below 10.
  const auto btc = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  const auto btc_fit = fit_student_t_nu(btc);
  CHECK(btc_fit.nu > 2.05);
  CHECK(btc_fit.nu < 6.0);

  std::vector<double> bad(sample.begin(), sample.begin() + 20);
  bad[7] = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(fit_student_t_nu(bad), dmtest::contains("sample value at index 7 must be finite"));
  REQUIRE_THROWS_WITH(fit_student_t_nu(std::span<const double>(sample.data(), 3)),
                      dmtest::contains("sample size must be at least 10"));
}
