// SPDX-License-Identifier: MIT
// Monte Carlo VaR/ES and the reproducible random stream: moments of every sampler,
// reproducibility, the sample covariance, closed-form normal and Student t VaR/ES, Euler
// allocation, properties, and rejection of a covariance that is not positive definite. The
// engine against the value the C++ standard fixes and our log/exp against libm are in
// core_internals_test.cpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "catch.hpp"
#include "dynmargin/core/random.hpp"
#include "dynmargin/risk/monte_carlo.hpp"
#include "dynmargin/volatility/ewma.hpp"

using namespace dynmargin;

namespace {

// A 4-asset covariance (daily percent returns of crypto-like volatility, correlations 0.3-0.8).
Eigen::MatrixXd crypto_covariance() {
  const Eigen::Vector4d sd(4.0, 5.0, 6.5, 3.0);
  Eigen::Matrix4d corr;
  corr << 1.0, 0.8, 0.6, 0.3,  //
      0.8, 1.0, 0.7, 0.35,     //
      0.6, 0.7, 1.0, 0.4,      //
      0.3, 0.35, 0.4, 1.0;
  return sd.asDiagonal() * corr * sd.asDiagonal();
}

// A 10-asset covariance with a one-factor structure (correlation 0.5 between all pairs).
Eigen::MatrixXd ten_asset_covariance() {
  Eigen::VectorXd sd(10);
  for (int i = 0; i < 10; ++i) sd(i) = 1.0 + 0.4 * i;
  Eigen::MatrixXd corr = Eigen::MatrixXd::Constant(10, 10, 0.5);
  corr.diagonal().setOnes();
  return sd.asDiagonal() * corr * sd.asDiagonal();
}

struct moments {
  double mean = 0, variance = 0, kurtosis = 0;
};
moments sample_moments(const std::vector<double>& x) {
  moments m;
  const double n = double(x.size());
  for (const double v : x) m.mean += v;
  m.mean /= n;
  double m4 = 0;
  for (const double v : x) {
    const double d = (v - m.mean) * (v - m.mean);
    m.variance += d;
    m4 += d * d;
  }
  m.variance /= n;
  m.kurtosis = m4 / n / (m.variance * m.variance);
  return m;
}

}  // namespace

TEST_CASE("Samplers have the right moments", "[risk][mc][random]") {
  // N = 400,000 draws; tolerances are 5 standard errors of each sample moment.
  const std::size_t n = 400000;
  const double root_n = std::sqrt(double(n));
  random_stream rng(2024);
  std::vector<double> u(n), z(n), g_small(n), g_big(n), chi(n), t(n);
  for (auto& x : u) x = rng.uniform();
  for (auto& x : z) x = rng.normal();
  for (auto& x : g_small) x = rng.gamma(0.4);
  for (auto& x : g_big) x = rng.gamma(7.5);
  for (auto& x : chi) x = rng.chi_square(5.0);
  for (auto& x : t) x = rng.student_t(6.0);
  const auto mu = sample_moments(u);
  CHECK_THAT(mu.mean, dmtest::within_abs(0.5, 5 * std::sqrt(1.0 / 12) / root_n));
  CHECK_THAT(mu.variance, dmtest::within_abs(1.0 / 12, 5 * std::sqrt(1.0 / 180) / root_n));  // var of U^2-term: 1/180
  CHECK(*std::min_element(u.begin(), u.end()) > 0.0);
  CHECK(*std::max_element(u.begin(), u.end()) < 1.0);
  const auto mz = sample_moments(z);
  CHECK_THAT(mz.mean, dmtest::within_abs(0.0, 5 / root_n));
  CHECK_THAT(mz.variance, dmtest::within_abs(1.0, 5 * std::sqrt(2.0) / root_n));
  CHECK_THAT(mz.kurtosis,
             dmtest::within_abs(3.0, 5 * std::sqrt(96.0) / root_n));  // sd of sample kurtosis ~ sqrt(24/n)*2
  // Tail frequency: P(Z < -2.326348) = 0.01, binomial sd sqrt(0.0099/n).
  const double below = double(std::count_if(z.begin(), z.end(), [](double x) { return x < -2.326347874; })) / double(n);
  CHECK_THAT(below, dmtest::within_abs(0.01, 5 * std::sqrt(0.0099 / double(n))));
  // Gamma(a): mean a, variance a; sd of the sample mean sqrt(a/n), of the variance sqrt((6a + 2a^2)... ) ~ a*sqrt((2 +
  // 6/a)/n).
  for (const auto& [sample, a] : {std::pair{&g_small, 0.4}, std::pair{&g_big, 7.5}}) {
    const auto m = sample_moments(*sample);
    CHECK_THAT(m.mean, dmtest::within_abs(a, 5 * std::sqrt(a) / root_n));
    CHECK_THAT(m.variance, dmtest::within_abs(a, 5 * a * std::sqrt(2.0 + 6.0 / a) / root_n));
    CHECK(*std::min_element(sample->begin(), sample->end()) > 0.0);
  }
  const auto mc = sample_moments(chi);  // chi-square(5): mean 5, variance 10
  CHECK_THAT(mc.mean, dmtest::within_abs(5.0, 5 * std::sqrt(10.0) / root_n));
  CHECK_THAT(mc.variance, dmtest::within_abs(10.0, 5 * 10.0 * std::sqrt(2.0 + 12.0 / 5.0) / root_n));
  const auto mt = sample_moments(t);  // t(6): variance 6/4 = 1.5, kurtosis 3 + 6/(6-4) = 6
  CHECK_THAT(mt.mean, dmtest::within_abs(0.0, 5 * std::sqrt(1.5) / root_n));
  CHECK_THAT(mt.variance, dmtest::within_rel(1.5, 0.02));  // the variance of t(6) has a heavy-tailed estimator: 2%
  // Student t(6) tail frequency against Boost's closed-form CDF.
  const double q = boost::math::quantile(boost::math::students_t(6.0), 0.005);
  const double tail = double(std::count_if(t.begin(), t.end(), [q](double x) { return x < q; })) / double(n);
  CHECK_THAT(tail, dmtest::within_abs(0.005, 5 * std::sqrt(0.005 * 0.995 / double(n))));
}

TEST_CASE("Seeded simulations are bitwise reproducible", "[risk][mc]") {
  monte_carlo_simulator_config config;
  config.scenarios = 20000;
  config.seed = 7;
  config.distribution = distribution_shape::student_t;
  config.degrees_of_freedom = 4.0;
  const monte_carlo_simulator a(crypto_covariance(), config);
  const monte_carlo_simulator b(crypto_covariance(), config);
  const Eigen::MatrixXd x1 = a.simulate();
  const Eigen::MatrixXd x2 = a.simulate();
  const Eigen::MatrixXd x3 = b.simulate();
  CHECK((x1.array() == x2.array()).all());
  CHECK((x1.array() == x3.array()).all());
  // Another block size gives the same scenarios (the draws are made row by row in order).
  config.block_rows = 777;
  const Eigen::MatrixXd x4 = monte_carlo_simulator(crypto_covariance(), config).simulate();
  CHECK((x1.array() == x4.array()).all());
  config.seed = 8;
  const Eigen::MatrixXd x5 = monte_carlo_simulator(crypto_covariance(), config).simulate();
  CHECK_FALSE((x1.array() == x5.array()).all());
  const Eigen::Vector4d w(1.0, -0.5, 2.0, 0.25);
  const auto r1 = a.portfolio(w, confidence_level(0.99));
  const auto r2 = b.portfolio(w, confidence_level(0.99));
  CHECK(r1.risk == r2.risk);
  CHECK(r1.tail_scenarios == r2.tail_scenarios);
}

TEST_CASE("Sample covariance of 100k scenarios matches the input", "[risk][mc]") {
  const Eigen::MatrixXd s = ten_asset_covariance();
  monte_carlo_simulator_config config;
  config.scenarios = 100000;
  const double n = double(config.scenarios);
  for (const auto dist : {distribution_shape::normal, distribution_shape::student_t}) {
    config.distribution = dist;
    config.degrees_of_freedom = 8.0;
    const Eigen::MatrixXd x = monte_carlo_simulator(s, config).simulate();
    const Eigen::VectorXd mean = x.colwise().mean();
    const Eigen::MatrixXd centred = x.rowwise() - mean.transpose();
    const Eigen::MatrixXd cov = centred.transpose() * centred / (n - 1);
    // Var(x_i x_j) = kappa (S_ii S_jj + 2 S_ij^2) - S_ij^2 with kappa = 1 (normal) or
    // (nu-2)/(nu-4) = 1.5 (t, nu = 8, scaled to covariance S); the sample covariance's standard
    // error is sqrt(Var/N). 4.5 standard errors per entry: 55 entries, false alarm ~ 4e-4.
    const double kappa = dist == distribution_shape::normal ? 1.0 : 1.5;
    double worst = 0.0;
    for (int i = 0; i < 10; ++i) {
      CHECK(std::abs(mean(i)) < 4.5 * std::sqrt(s(i, i) / n));
      for (int j = 0; j <= i; ++j) {
        const double var = kappa * (s(i, i) * s(j, j) + 2 * s(i, j) * s(i, j)) - s(i, j) * s(i, j);
        worst = std::max(worst, std::abs(cov(i, j) - s(i, j)) / std::sqrt(var / n));
      }
    }
    CAPTURE(static_cast<int>(dist), worst);
    CHECK(worst < 4.5);
  }
}

TEST_CASE("Normal portfolio VaR/ES and Euler components converge to the closed forms", "[risk][mc]") {
  const Eigen::MatrixXd s = crypto_covariance();
  const Eigen::Vector4d w(1.0, -0.5, 2.0, 0.25);
  monte_carlo_simulator_config config;
  config.scenarios = 400000;
  config.seed = 99;
  const monte_carlo_simulator sim(s, config);
  const Eigen::MatrixXd x = sim.simulate();
  const double sigma = std::sqrt(w.dot(s * w));
  const boost::math::normal normal;
  for (const double p : {0.95, 0.99, 0.999}) {
    CAPTURE(p);
    const auto r = portfolio_risk(x, w, confidence_level(p));
    const double z = boost::math::quantile(normal, p);
    const double phi = boost::math::pdf(normal, z);
    const double var = sigma * z;
    const double es = sigma * phi / (1 - p);
    // se(VaR) = sqrt(p(1-p)/N)/f(VaR); se(ES) = sqrt((Var(L | L > VaR) + p (ES - VaR)^2)/(N(1-p)))
    // with the normal tail variance sigma^2 (1 + z phi/(1-p) - (phi/(1-p))^2). Tolerance 4 se.
    const double n = double(config.scenarios);
    const double se_var = std::sqrt(p * (1 - p) / n) / (phi / sigma);
    const double lambda = phi / (1 - p);
    const double tail_var = sigma * sigma * (1 + z * lambda - lambda * lambda);
    const double se_es = std::sqrt((tail_var + p * (es - var) * (es - var)) / (n * (1 - p)));
    CHECK_THAT(r.risk.var, dmtest::within_abs(var, 4 * se_var));
    CHECK_THAT(r.risk.es, dmtest::within_abs(es, 4 * se_es));
    CHECK(r.tail_count == static_cast<std::int64_t>(std::llround(n * (1 - p))));
    // Euler allocation: components sum to ES; for a normal they converge to
    // w_i (S w)_i / sigma * phi(z)/(1-p). Tolerance: 6% of the largest component (each
    // component is a tail mean over k >= 400 scenarios; its relative sd is below 1.5%).
    CHECK_THAT(r.component_es.sum(), dmtest::within_rel(r.risk.es, 1e-12));
    const Eigen::Vector4d expected = w.cwiseProduct(s * w) / sigma * lambda;
    for (int i = 0; i < 4; ++i)
      CHECK_THAT(r.component_es(i), dmtest::within_abs(expected(i), 0.06 * expected.cwiseAbs().maxCoeff()));
    // The scenario P&L vector is returned: its VaR is minus the P&L of the k-th worst scenario.
    REQUIRE(r.pnl.size() == x.rows());
    CHECK(-r.pnl(r.tail_scenarios.back()) == r.risk.var);
    CHECK(-r.pnl(r.tail_scenarios.front()) == -r.pnl.minCoeff());
  }
}

TEST_CASE("Student t scenarios: closed-form t quantiles and heavier tails than normal", "[risk][mc]") {
  // One asset, unit variance t with nu = 4: VaR(0.99) = 2.649492, ES(0.99) = 3.691510
  // (tests/data/REFERENCE.md closed forms). N = 1,000,000; se(VaR) = sqrt(p(1-p)/N)/f(VaR) =
  // 0.0081 (f = 0.01228 for the unit-variance t4 at 2.6495); tolerance 4 se = 0.033. ES: 4 se
  // from the sample's own tail variance.
  monte_carlo_risk_config config;
  config.confidence = confidence_level(0.99);
  config.simulation.scenarios = 1000000;
  config.simulation.distribution = distribution_shape::student_t;
  config.simulation.degrees_of_freedom = 4.0;
  const monte_carlo_risk t4(config);
  const auto unit = t4.from_variance(1.0);
  CHECK_THAT(unit.var, dmtest::within_abs(2.649492, 4 * 0.0081));
  std::vector<double> losses(t4.unit_scenarios().size());
  std::transform(t4.unit_scenarios().begin(), t4.unit_scenarios().end(), losses.begin(), [](double s) { return -s; });
  std::sort(losses.begin(), losses.end(), std::greater<>());
  double tail_sq = 0.0;
  for (std::size_t i = 0; i < 10000; ++i) tail_sq += (losses[i] - unit.es) * (losses[i] - unit.es);
  const double se_es = std::sqrt((tail_sq / 10000 + 0.99 * (unit.es - unit.var) * (unit.es - unit.var)) / 10000);
  CHECK_THAT(unit.es, dmtest::within_abs(3.691510, 4 * se_es));
  // Scaling: from_variance(v) = sqrt(v) * unit, and the short side is the right tail.
  CHECK(t4.from_variance(4.0) == risk_estimate{2 * unit.var, 2 * unit.es});
  const auto short_side = t4.from_variance(1.0, position_side::short_position);
  CHECK_THAT(short_side.var, dmtest::within_abs(2.649492, 4 * 0.0081));
  // Multivariate t: any portfolio of an elliptical t is a univariate t with variance w'Sw, so its
  // VaR is sqrt(w'Sw) t_nu^{-1}(p) sqrt((nu-2)/nu) (Boost's closed-form quantile). nu = 5, 500k
  // scenarios, 99%: se about 1.1% of VaR; tolerance 4.5%.
  monte_carlo_simulator_config mc;
  mc.scenarios = 500000;
  mc.distribution = distribution_shape::student_t;
  mc.degrees_of_freedom = 5.0;
  const Eigen::MatrixXd s = crypto_covariance();
  const Eigen::Vector4d w(1.0, -0.5, 2.0, 0.25);
  const auto rt = monte_carlo_simulator(s, mc).portfolio(w, confidence_level(0.99));
  const double sigma = std::sqrt(w.dot(s * w));
  const double t_var = sigma * boost::math::quantile(boost::math::students_t(5.0), 0.99) * std::sqrt(3.0 / 5.0);
  CHECK_THAT(rt.risk.var, dmtest::within_rel(t_var, 0.045));
  // Heavier tail than the normal with the same covariance, by more at 99.9% than at 99%.
  mc.distribution = distribution_shape::normal;
  const Eigen::MatrixXd xn = monte_carlo_simulator(s, mc).simulate();
  mc.distribution = distribution_shape::student_t;
  const Eigen::MatrixXd xt = monte_carlo_simulator(s, mc).simulate();
  const double ratio_99 = portfolio_risk(xt, w, confidence_level(0.99)).risk.es /
                          portfolio_risk(xn, w, confidence_level(0.99)).risk.es;
  const double ratio_999 = portfolio_risk(xt, w, confidence_level(0.999)).risk.es /
                           portfolio_risk(xn, w, confidence_level(0.999)).risk.es;
  CHECK(ratio_99 > 1.0);
  CHECK(ratio_999 > ratio_99);
}

TEST_CASE("One-asset Monte Carlo measure: normal closed form, horizons, streaming", "[risk][mc]") {
  monte_carlo_risk_config config;
  config.confidence = confidence_level(0.99);
  config.simulation.scenarios = 400000;
  const monte_carlo_risk one(config);
  // Normal: VaR 2.326348 sd, ES 2.665214 sd (REFERENCE.md); se 0.0059 and 0.0073 at N = 400k; 4 se.
  const auto unit = one.from_variance(1.0);
  CHECK_THAT(unit.var, dmtest::within_abs(2.326348, 4 * 0.0059));
  CHECK_THAT(unit.es, dmtest::within_abs(2.665214, 4 * 0.0073));
  // A 10-step sum of normals is normal: the standardised horizon scenarios keep the same VaR.
  config.horizon = horizon(10);
  monte_carlo_risk ten(config);
  CHECK_THAT(ten.from_variance(1.0).var, dmtest::within_abs(2.326348, 4 * 0.0059));
  // Streaming: estimate = from_variance(vol.variance(h)); observe is stateless and rejects NaN.
  ewma_volatility vol(0.94);
  for (const double r : {1.0, -2.0, 0.5, 3.0}) {
    CHECK(ten.observe(r, vol) == status::ok);
    (void)vol.update(r);
  }
  CHECK(ten.observe(std::nan(""), vol) == status::non_finite_input);
  CHECK(ten.estimate(vol, position_side::short_position) ==
        ten.from_variance(vol.variance(10), position_side::short_position));
  CHECK(ten.horizon_steps() == 10);
  // The sum of 10 t4 steps has a lighter tail than one step (central limit): between the
  // normal's 2.326 and the one-step 2.649 at 99%.
  config.simulation.distribution = distribution_shape::student_t;
  config.simulation.degrees_of_freedom = 4.0;
  const double var_10 = monte_carlo_risk(config).from_variance(1.0).var;
  CHECK(var_10 > 2.326348 + 4 * 0.0059);
  CHECK(var_10 < 2.649492 - 4 * 0.0081);
}

TEST_CASE("Monte Carlo properties: ES >= VaR, monotone, homogeneous, translation invariant, subadditive",
          "[risk][mc]") {
  const Eigen::MatrixXd s = crypto_covariance();
  monte_carlo_simulator_config config;
  config.scenarios = 50000;
  config.distribution = distribution_shape::student_t;
  config.degrees_of_freedom = 3.5;
  const Eigen::MatrixXd x = monte_carlo_simulator(s, config).simulate();
  const Eigen::Vector4d w(1.0, -0.5, 2.0, 0.25);
  double previous_var = -1e300;
  double previous_es = -1e300;
  for (const double p : {0.9, 0.95, 0.975, 0.99, 0.995, 0.999}) {
    const auto r = portfolio_risk(x, w, confidence_level(p), false);
    CHECK(r.risk.es >= r.risk.var);
    CHECK(r.risk.var >= previous_var);
    CHECK(r.risk.es >= previous_es);
    previous_var = r.risk.var;
    previous_es = r.risk.es;
  }
  const auto base = portfolio_risk(x, w, confidence_level(0.99));
  // Positive homogeneity: the same scenarios with positions 2.5 w (a product scaled by an
  // exact power of two differs only by rounding of X w; 1e-13 relative).
  const auto scaled = portfolio_risk(x, Eigen::Vector4d(2.5 * w), confidence_level(0.99));
  CHECK_THAT(scaled.risk.var, dmtest::within_rel(2.5 * base.risk.var, 1e-13));
  CHECK_THAT(scaled.risk.es, dmtest::within_rel(2.5 * base.risk.es, 1e-13));
  // Translation invariance: a mean return mu shifts every P&L by w'mu and the risk by -w'mu.
  const Eigen::Vector4d mu(0.3, -0.1, 0.2, 0.05);
  const auto shifted = monte_carlo_simulator(s, mu, config).portfolio(w, confidence_level(0.99));
  CHECK_THAT(shifted.risk.var, dmtest::within_abs(base.risk.var - w.dot(mu), 1e-12));
  CHECK_THAT(shifted.risk.es, dmtest::within_abs(base.risk.es - w.dot(mu), 1e-12));
  // ES of the worst-k mean is subadditive on the same scenarios.
  const Eigen::Vector4d w1(1.0, 0.0, -1.0, 0.5);
  const Eigen::Vector4d w2(-0.5, 1.5, 2.0, -0.25);
  const double es_sum = portfolio_risk(x, w1, confidence_level(0.99), false).risk.es +
                        portfolio_risk(x, w2, confidence_level(0.99), false).risk.es;
  CHECK(portfolio_risk(x, Eigen::Vector4d(w1 + w2), confidence_level(0.99), false).risk.es <= es_sum);
}

TEST_CASE("Monte Carlo bad input: non-PD covariance, shapes, nu, too few scenarios", "[risk][mc]") {
  Eigen::Matrix2d not_pd;
  not_pd << 1.0, 2.0, 2.0, 1.0;  // eigenvalues 3 and -1
  REQUIRE_THROWS_WITH(
      monte_carlo_simulator(not_pd),
      dmtest::contains(
          "monte_carlo: covariance must be positive definite (Cholesky failed; smallest eigenvalue), got -0.99999999"));
  Eigen::Matrix2d asymmetric;
  asymmetric << 1.0, 0.5, 0.4, 1.0;
  REQUIRE_THROWS_WITH(monte_carlo_simulator(asymmetric), dmtest::contains("covariance must be symmetric"));
  REQUIRE_THROWS_WITH(monte_carlo_simulator(Eigen::MatrixXd::Identity(2, 3)),
                      dmtest::contains("covariance columns must equal its rows (2)"));
  Eigen::Matrix2d nan_cov = Eigen::Matrix2d::Identity();
  nan_cov(0, 1) = std::nan("");
  REQUIRE_THROWS_WITH(monte_carlo_simulator(nan_cov),
                      "monte_carlo: covariance must be finite, got a NaN or infinite entry");
  monte_carlo_simulator_config t_config;
  t_config.distribution = distribution_shape::student_t;
  t_config.degrees_of_freedom = 2.0;
  REQUIRE_THROWS_WITH(monte_carlo_simulator(Eigen::Matrix2d::Identity(), t_config),
                      "monte_carlo: degrees_of_freedom must be finite and > 2 (finite variance), got 2");
  const monte_carlo_simulator ok(Eigen::Matrix2d::Identity());
  REQUIRE_THROWS_WITH(ok.portfolio(Eigen::Vector3d::Ones(), confidence_level(0.99)),
                      "monte_carlo: positions must have one entry per asset (2), got 3");
  const std::vector<double> few(50, 1.0);
  REQUIRE_THROWS_WITH(scenario_var_es(few, confidence_level(0.99)),
                      dmtest::contains("scenarios must number at least 1/(1 - p)"));
  std::vector<double> with_nan(200, 1.0);
  with_nan[3] = std::nan("");
  REQUIRE_THROWS_WITH(scenario_var_es(with_nan, confidence_level(0.99)),
                      "monte_carlo: P&L of scenario 3 must be finite, got nan");
  monte_carlo_risk_config small;
  small.simulation.scenarios = 50;
  REQUIRE_THROWS_AS(monte_carlo_risk(small), dynmargin::invalid_argument);
}
