// SPDX-License-Identifier: MIT
// Expected-shortfall backtests (dynmargin/backtest/es_backtest.hpp): tail constants against
// mpmath, Z2 and the McNeil-Frey statistics against hand computations, the simulated null of
// Z2 against its central-limit approximation, and seeded power checks.
#include <cmath>
#include <cstdint>
#include <vector>

#include "catch.hpp"
#include "dynmargin/backtest/es_backtest.hpp"
#include "dynmargin/core/random.hpp"

using namespace dynmargin;

// mpmath, 30 digits:
//   normal: q = sqrt(2) erfinv(2c - 1), ES = npdf(q) / (1 - c)
//     c = 0.99:  2.3263478740408411  2.6652142203458048
//     c = 0.975: 1.9599639845400542  2.3378027922014144
//   unit-variance t(5) at 0.99: s q, s (nu + q^2)/(nu - 1) f(q) / (1 - c), s = sqrt(3/5),
//     q from findroot on betainc(nu/2, 1/2, 0, nu/(nu+q^2), regularized)/2 = 0.01:
//     2.6064635693842798  3.448836760048016
TEST_CASE("Standardised tail VaR and ES against mpmath", "[backtest][es]") {
  const predictive_distribution normal{};
  const auto n99 = standardized_tail_risk(normal, confidence_level(0.99));
  CHECK_THAT(n99.var, dmtest::within_rel(2.3263478740408411, 1e-13));
  CHECK_THAT(n99.es, dmtest::within_rel(2.6652142203458048, 1e-13));
  const auto n975 = standardized_tail_risk(normal, confidence_level(0.975));
  CHECK_THAT(n975.var, dmtest::within_rel(1.9599639845400542, 1e-13));
  CHECK_THAT(n975.es, dmtest::within_rel(2.3378027922014144, 1e-13));
  const auto t5 = standardized_tail_risk({distribution_shape::student_t, 5.0}, confidence_level(0.99));
  CHECK_THAT(t5.var, dmtest::within_rel(2.6064635693842798, 1e-12));
  CHECK_THAT(t5.es, dmtest::within_rel(3.448836760048016, 1e-12));
  REQUIRE_THROWS_WITH(standardized_tail_risk({distribution_shape::student_t, 2.0}, confidence_level(0.99)),
                      "standardized_tail_risk: degrees_of_freedom must be finite and > 2, got 2");
}

// T = 10 at 90% (T alpha = 1): exceptions 3.0 > 2 (ES 2.5) and 1.5 > 1 (ES 2);
// Z2 = 1 - (3/2.5 + 1.5/2) = 1 - 1.95 = -0.95. A loss equal to VaR is not an exception.
TEST_CASE("Acerbi-Szekely Z2 by hand", "[backtest][es]") {
  const std::vector<double> losses{0.1, 3.0, -0.5, 1.5, 0.2, 2.0, 0.0, 0.3, 0.4, 0.5};
  const std::vector<double> var{2.0, 2.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0};
  const std::vector<double> es{2.5, 2.5, 2.5, 2.0, 2.0, 2.5, 2.0, 2.0, 2.0, 2.0};
  CHECK_THAT(acerbi_szekely_z2(losses, var, es, confidence_level(0.9)), dmtest::within_rel(-0.95, 1e-15));
  // No exception: Z2 = 1.
  const std::vector<double> calm(10, 0.0);
  CHECK(acerbi_szekely_z2(calm, var, es, confidence_level(0.9)) == 1.0);
  REQUIRE_THROWS_WITH(acerbi_szekely_z2(losses, std::vector<double>(9, 1.0), es, confidence_level(0.9)),
                      "acerbi_szekely_z2: var must have one entry per loss (10), got 9");
  std::vector<double> bad_es = es;
  bad_es[4] = 0.0;
  REQUIRE_THROWS_WITH(acerbi_szekely_z2(losses, var, bad_es, confidence_level(0.9)),
                      "acerbi_szekely_z2: es at 4 must be finite and > 0, got 0");
}

// Under the null with T = 5000, alpha = 5%, normal Z: Z2 = 1 - sum_t Z_t I_t / (T alpha ES),
// mean 0, variance (E[Z^2 I]/ES^2 - alpha^2) / (T alpha^2) with E[Z^2 I] = alpha + q phi(q)
// (mpmath): sd = 0.062688182669258921. At Z2 = -sd the first Edgeworth term vanishes
// ((z^2 - 1) = 0), so P(Z2 < -sd) = Phi(-1) = 0.15865525393145705 up to O(1/T); with 20000
// simulations the Monte Carlo sd of the share is 0.0026: tolerance 0.01.
TEST_CASE("The simulated null of Z2 matches its central-limit approximation", "[backtest][es]") {
  const std::size_t t = 5000;
  const double alpha = 0.05;
  const double sd = 0.062688182669258921;
  const double target = -sd;
  // One exception carrying the whole sum: Z2 = 1 - S / (T alpha) with VaR = ES = 1.
  std::vector<double> losses(t, 0.0), ones(t, 1.0);
  losses[0] = (1.0 - target) * static_cast<double>(t) * alpha;
  const auto r = acerbi_szekely_test(losses, ones, ones, predictive_distribution{}, confidence_level(0.95), 20000, 7);
  CHECK_THAT(r.z2, dmtest::within_rel(target, 1e-12));
  CHECK_THAT(r.p_value, dmtest::within_abs(0.15865525393145705, 0.01));
  // The same seed gives the same p-value, bit for bit.
  CHECK(acerbi_szekely_test(losses, ones, ones, predictive_distribution{}, confidence_level(0.95), 20000, 7) == r);
}

// Acerbi and Szekely (2014) publish -0.70 as the 5% critical value of Z2 for T = 250 days
// and alpha = 2.5% (and show it is nearly the same across distributions). So the simulated
// share of null Z2 below -0.70 is 5%; with 20000 simulations the Monte Carlo sd is 0.0015 and
// the published value has two digits (a plain-python simulation of the normal null gives a 5%
// quantile of -0.694): tolerance 0.01.
TEST_CASE("Z2's 5% critical value for 250 days at 97.5% is Acerbi-Szekely's -0.70", "[backtest][es]") {
  const std::size_t t = 250;
  std::vector<double> losses(t, 0.0), ones(t, 1.0);
  losses[0] = (1.0 + 0.70) * static_cast<double>(t) * 0.025;
  const auto normal = acerbi_szekely_test(losses, ones, ones, predictive_distribution{}, confidence_level(0.975), 20000,
                                          11);
  CHECK_THAT(normal.z2, dmtest::within_rel(-0.70, 1e-12));
  CHECK_THAT(normal.p_value, dmtest::within_abs(0.05, 0.01));
  const auto student = acerbi_szekely_test(losses, ones, ones,
                                           predictive_distribution{distribution_shape::student_t, 5.0},
                                           confidence_level(0.975), 20000, 11);
  CHECK_THAT(student.p_value, dmtest::within_abs(0.05, 0.015));
}

namespace {
// Losses of a model whose scale sigma_t follows a slow cycle, drawn from scale * Z.
struct simulated_sample {
  std::vector<double> losses, scale;
};
simulated_sample simulate(std::size_t n, bool student, std::uint64_t seed) {
  random_stream rng(seed);
  simulated_sample s;
  for (std::size_t t = 0; t < n; ++t) {
    const double sigma = 0.02 * (1.5 + std::sin(static_cast<double>(t) / 40.0));
    const double z = student ? rng.student_t(5.0) * std::sqrt(3.0 / 5.0) : rng.normal();
    s.scale.push_back(sigma);
    s.losses.push_back(sigma * z);
  }
  return s;
}
}  // namespace

TEST_CASE("Z2: a right model is not rejected, ES understated by half is", "[backtest][es]") {
  const confidence_level c(0.975);
  for (bool student : {false, true}) {
    INFO((student ? "student t(5)" : "normal"));
    const predictive_distribution shape = student ? predictive_distribution{distribution_shape::student_t, 5.0}
                                                  : predictive_distribution{};
    const auto sample = simulate(2000, student, student ? 11 : 12);
    const auto right = acerbi_szekely_test(sample.losses, sample.scale, shape, c, 4000, 1);
    CHECK(right.exceptions > 30);  // about 50 expected
    CHECK(right.exceptions < 75);
    CHECK(std::abs(right.z2) < 0.5);
    CHECK(right.p_value > 0.05);
    // The same VaR, ES halved: Z2 about 1 - 2 = -1.
    const auto tail = standardized_tail_risk(shape, c);
    std::vector<double> var, half_es;
    for (double s : sample.scale) {
      var.push_back(s * tail.var);
      half_es.push_back(0.5 * s * tail.es);
    }
    const auto wrong = acerbi_szekely_test(sample.losses, var, half_es, shape, c, 4000, 1);
    CHECK(wrong.z2 < -0.5);
    CHECK(wrong.p_value < 0.01);
    // Scale understated by half (VaR and ES both): rejected too.
    std::vector<double> half_scale = sample.scale;
    for (double& s : half_scale) s *= 0.5;
    CHECK(acerbi_szekely_test(sample.losses, half_scale, shape, c, 4000, 1).p_value < 0.01);
  }
}

// Residuals on exceedances (L > VaR = 2): (0.5, 0.05, 1.1, 0.8, 1.0); n = 5, mean 0.69,
// t = sqrt(5) 0.69 / sd = 3.6315789473684214; one-sided p = P(t(4) >= t) =
// betainc(2, 1/2, 0, 4/(4+t^2), regularized)/2 = 0.011064463012308498 (mpmath).
TEST_CASE("McNeil-Frey statistics by hand", "[backtest][es]") {
  const std::vector<double> losses{0.5, 3.0, 2.6, 0.1, 4.1, 2.9, -1.0, 3.5};
  const std::vector<double> var(8, 2.0);
  const std::vector<double> es{2.5, 2.5, 2.5, 2.5, 3.0, 2.5, 2.5, 2.5};
  const std::vector<double> sigma{1.0, 1.0, 2.0, 1.0, 1.0, 0.5, 1.0, 1.0};
  const auto m = mcneil_frey_test(losses, var, es, sigma, 5000, 3);
  CHECK(m.testable);
  CHECK(m.exceedances == 5);
  CHECK_THAT(m.mean_residual, dmtest::within_rel(0.69, 1e-14));
  CHECK_THAT(m.t_statistic, dmtest::within_rel(3.6315789473684214, 1e-13));
  CHECK_THAT(m.p_value_t, dmtest::within_rel(0.011064463012308498, 1e-10));
  // The bootstrap of five residuals is coarse but must also point to a positive mean.
  CHECK(m.p_value_bootstrap < 0.1);
  CHECK(mcneil_frey_test(losses, var, es, sigma, 5000, 3) == m);  // seeded: bit-identical
  // Fewer than two exceedances: not testable, p-values 1, no NaN.
  const auto one = mcneil_frey_test(std::vector<double>{3.0, 0.0}, std::vector<double>{2.0, 2.0},
                                    std::vector<double>{2.5, 2.5}, std::vector<double>{1.0, 1.0});
  CHECK_FALSE(one.testable);
  CHECK(one.exceedances == 1);
  CHECK(one.p_value_t == 1.0);
  CHECK(one.p_value_bootstrap == 1.0);
  REQUIRE_THROWS_WITH(mcneil_frey_test(losses, var, es, std::vector<double>(8, -1.0)),
                      "mcneil_frey_test: sigma at 0 must be finite and > 0, got -1");
}

TEST_CASE("McNeil-Frey: a right model is not rejected, ES understated by half is", "[backtest][es]") {
  const confidence_level c(0.975);
  const predictive_distribution shape{distribution_shape::student_t, 5.0};
  const auto tail = standardized_tail_risk(shape, c);
  const auto sample = simulate(4000, true, 21);
  std::vector<double> var, es, half_es;
  for (double s : sample.scale) {
    var.push_back(s * tail.var);
    es.push_back(s * tail.es);
    half_es.push_back(0.5 * s * tail.es);
  }
  const auto right = mcneil_frey_test(sample.losses, var, es, sample.scale, 2000, 5);
  CHECK(right.testable);
  CHECK(right.p_value_t > 0.05);
  CHECK(right.p_value_bootstrap > 0.05);
  const auto wrong = mcneil_frey_test(sample.losses, var, half_es, sample.scale, 2000, 5);
  CHECK(wrong.mean_residual > 0.5);
  CHECK(wrong.p_value_t < 0.001);
  CHECK(wrong.p_value_bootstrap < 0.01);
}
