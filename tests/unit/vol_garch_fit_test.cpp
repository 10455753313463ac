// SPDX-License-Identifier: MIT
// Maximum-likelihood GARCH / GJR fits: every fGarch reference row (tests/data/
// garch11_fgarch_crypto.csv), recovery of known parameters from seeded simulations, standard
// errors, options and bad input. The likelihood's analytic gradients against finite
// differences are in vol_internals_test.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

// Seeded simulation of a GJR-GARCH(1,1) with normal or unit-variance t innovations, started
// at the unconditional variance and run 1000 steps before the kept sample.
std::vector<double> simulate(const garch_parameters& p, std::size_t n, bool student, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::chi_squared_distribution<double> chi2(student ? p.nu : 1.0);
  double h = p.omega / (1.0 - p.alpha - 0.5 * p.gamma - p.beta);
  std::vector<double> out;
  out.reserve(n);
  for (std::size_t t = 0; t < n + 1000; ++t) {
    double e = normal(engine);
    if (student) e *= std::sqrt((p.nu - 2.0) / chi2(engine));
    const double z = std::sqrt(h) * e;
    if (t >= 1000) out.push_back(p.mu + z);
    h = p.omega + (p.alpha + (z < 0 ? p.gamma : 0.0)) * z * z + p.beta * h;
  }
  return out;
}

}  // namespace

TEST_CASE("GARCH fits reach fGarch's optimum on every reference row", "[volatility][garch][fit]") {
  const auto table = dmtest::read_csv(dmtest::reference_path("garch11_fgarch_crypto.csv"));
  for (const auto& row : table.rows) {
    const std::string dataset = row[table.column("dataset")];
    const bool student = row[table.column("cond_dist")] == "std";
    INFO(dataset << (student ? " std" : " norm"));
    const auto returns = dmtest::reference_returns(dataset);
    fit_garch_config options;
    options.innovation = student ? distribution_shape::student_t : distribution_shape::normal;
    const auto fit = fit_garch(returns, options);
    const double reference_loglik = std::stod(row[table.column("loglik")]);
    CHECK(fit.converged);
    CHECK(fit.observations == returns.size());
    // (2) fitted log-likelihood >= fGarch's - 1e-6 relative (reached: all within 3e-13 of it).
    CHECK(fit.loglik >= reference_loglik - 1e-6 * std::abs(reference_loglik));
    // The reported log-likelihood is the one garch_loglik gives at the estimates.
    CHECK_THAT(fit.loglik, dmtest::within_rel(garch_loglik(returns, fit.parameters, options.innovation), 1e-12));
    // (3) parameters within 1e-3 relative, shape 1e-2 (reached: <= 1.2e-4).
    CHECK_THAT(fit.parameters.mu, dmtest::within_rel(std::stod(row[table.column("mu")]), 1e-3));
    CHECK_THAT(fit.parameters.omega, dmtest::within_rel(std::stod(row[table.column("omega")]), 1e-3));
    CHECK_THAT(fit.parameters.alpha, dmtest::within_rel(std::stod(row[table.column("alpha1")]), 1e-3));
    CHECK_THAT(fit.parameters.beta, dmtest::within_rel(std::stod(row[table.column("beta1")]), 1e-3));
    if (student) CHECK_THAT(fit.parameters.nu, dmtest::within_rel(std::stod(row[table.column("shape")]), 1e-2));
    CHECK(fit.parameters.gamma == 0.0);
    // The ready-to-stream model sits after the last observation: fGarch's one-step forecast.
    CHECK_THAT(fit.model.volatility(), dmtest::within_rel(std::stod(row[table.column("sigma_forecast_1")]), 1e-3));
    CHECK(fit.model.observations() == static_cast<std::int64_t>(returns.size()));
    // Standard errors exist and are positive.
    REQUIRE(fit.std_errors_available);
    for (double se :
         {fit.std_errors.mu, fit.std_errors.omega, fit.std_errors.alpha, fit.std_errors.beta, fit.robust_std_errors.mu,
          fit.robust_std_errors.omega, fit.robust_std_errors.alpha, fit.robust_std_errors.beta}) {
      CHECK(se > 0.0);
    }
    if (student) CHECK(fit.std_errors.nu > 0.0);
    CHECK(fit.hessian.rows() == (student ? 5 : 4));
  }
}

TEST_CASE("GJR fits reach fGarch's APARCH(delta = 2) optimum on every reference row", "[volatility][garch][fit]") {
  // tests/data/gjr_fgarch_crypto.csv: fGarch's a, g map to alpha = a (1 - g)^2, gamma = 4 a g,
  // and garch_start::fgarch uses fGarch's h_1 = omega + (a + beta) mean(z^2) for GJR
  // (REFERENCE.md). Before the fit stopped only when the objective stalled, so GJR fits could
  // rest short of the optimum; now a stall counts only with a small projected gradient.
  const auto table = dmtest::read_csv(dmtest::reference_path("gjr_fgarch_crypto.csv"));
  REQUIRE(table.rows.size() == 4);
  for (const auto& row : table.rows) {
    const std::string dataset = row[table.column("dataset")];
    const bool student = row[table.column("cond_dist")] == "std";
    INFO(dataset << (student ? " std" : " norm"));
    const auto returns = dmtest::reference_returns(dataset);
    fit_garch_config options;
    options.asymmetric = true;
    options.innovation = student ? distribution_shape::student_t : distribution_shape::normal;
    const auto fit = fit_garch(returns, options);
    const double a = std::stod(row[table.column("alpha1")]);
    const double g = std::stod(row[table.column("gamma1")]);
    garch_parameters reference{};
    reference.mu = std::stod(row[table.column("mu")]);
    reference.omega = std::stod(row[table.column("omega")]);
    reference.alpha = a * (1.0 - g) * (1.0 - g);
    reference.gamma = 4.0 * a * g;
    reference.beta = std::stod(row[table.column("beta1")]);
    if (student) reference.nu = std::stod(row[table.column("shape")]);
    const double reference_loglik = std::stod(row[table.column("loglik")]);
    // The likelihood is fGarch's: at fGarch's estimates it gives fGarch's value (1e-12).
    CHECK_THAT(garch_loglik(returns, reference, options.innovation), dmtest::within_rel(reference_loglik, 1e-12));
    CHECK(fit.converged);
    // Log-likelihood within 1e-6 relative of fGarch's or above it (reached: within 1e-12).
    CHECK(fit.loglik >= reference_loglik - 1e-6 * std::abs(reference_loglik));
    CHECK_THAT(fit.loglik, dmtest::within_rel(reference_loglik, 1e-9));
    // Parameters within 1e-3 relative; gamma, which can be near 0, within 1e-3 absolute.
    CHECK_THAT(fit.parameters.mu, dmtest::within_rel(reference.mu, 1e-3));
    CHECK_THAT(fit.parameters.omega, dmtest::within_rel(reference.omega, 1e-3));
    CHECK_THAT(fit.parameters.alpha, dmtest::within_rel(reference.alpha, 1e-3));
    CHECK(std::abs(fit.parameters.gamma - reference.gamma) <= 1e-3 * std::max(1.0, std::abs(reference.gamma)));
    CHECK_THAT(fit.parameters.beta, dmtest::within_rel(reference.beta, 1e-3));
    if (student) CHECK_THAT(fit.parameters.nu, dmtest::within_rel(reference.nu, 1e-3));
  }
}

TEST_CASE("A GJR fit recovers the parameters of a seeded simulation", "[volatility][garch][fit]") {
  const garch_parameters truth{0.05, 0.05, 0.04, 0.12, 0.85, 0.0};
  const auto returns = simulate(truth, 8000, false, 20240601u);
  fit_garch_config options;
  options.asymmetric = true;
  const auto fit = fit_garch(returns, options);
  REQUIRE(fit.converged);
  REQUIRE(fit.std_errors_available);
  // Consistency of the MLE: each estimate within 4 standard errors of the truth (a fixed
  // seed, so the test is deterministic; 4 SE leaves room for the seed's luck).
  CHECK(std::abs(fit.parameters.mu - truth.mu) < 4.0 * fit.std_errors.mu);
  CHECK(std::abs(fit.parameters.omega - truth.omega) < 4.0 * fit.std_errors.omega);
  CHECK(std::abs(fit.parameters.alpha - truth.alpha) < 4.0 * fit.std_errors.alpha);
  CHECK(std::abs(fit.parameters.gamma - truth.gamma) < 4.0 * fit.std_errors.gamma);
  CHECK(std::abs(fit.parameters.beta - truth.beta) < 4.0 * fit.std_errors.beta);
  CHECK(fit.hessian.rows() == 5);
  CHECK(fit.parameter_names == std::vector<std::string>{"mu", "omega", "alpha", "gamma", "beta"});
}

TEST_CASE("Sandwich and Hessian standard errors agree on a correctly specified model", "[volatility][garch][fit]") {
  // Normal GARCH simulated with normal innovations: the information-matrix equality makes
  // H^-1 J H^-1 and -H^-1 estimate the same covariance. With n = 20000 their ratio is within
  // 20% (sampling noise of the fourth moments in J).
  const garch_parameters truth{0.02, 0.1, 0.08, 0.0, 0.88, 0.0};
  const auto returns = simulate(truth, 20000, false, 7u);
  const auto fit = fit_garch(returns, {});
  REQUIRE(fit.converged);
  REQUIRE(fit.std_errors_available);
  for (auto [robust, plain] : {std::pair{fit.robust_std_errors.mu, fit.std_errors.mu},
                               std::pair{fit.robust_std_errors.omega, fit.std_errors.omega},
                               std::pair{fit.robust_std_errors.alpha, fit.std_errors.alpha},
                               std::pair{fit.robust_std_errors.beta, fit.std_errors.beta}}) {
    CHECK(robust / plain > 0.8);
    CHECK(robust / plain < 1.25);
  }
  // A Student t fit of the same data: nu runs to its upper bound (normal data): rugarch's 100
  // by default, fGarch's 10 when asked. The bound is reported, and nu has no standard error
  // (NaN: a Hessian-based error is not valid at a boundary) while the others keep theirs.
  fit_garch_config t_options;
  t_options.innovation = distribution_shape::student_t;
  for (const double upper : {100.0, 10.0}) {
    INFO("nu upper bound " << upper);
    t_options.bounds.nu_upper = upper;
    const auto t_fit = fit_garch(returns, t_options);
    CHECK(t_fit.parameters.nu >= upper * (1.0 - 1e-3));
    CHECK(t_fit.at_bound.nu);
    CHECK_FALSE(t_fit.at_bound.alpha);
    REQUIRE(t_fit.parameters_at_bound.size() == 1);
    CHECK(t_fit.parameters_at_bound[0].parameter == "nu");
    CHECK(t_fit.parameters_at_bound[0].description == "nu at its upper bound");
    CHECK_THAT(t_fit.status_reason, dmtest::contains("at a bound (no standard error): nu at its upper bound"));
    CHECK(std::isnan(t_fit.std_errors.nu));
    CHECK(std::isnan(t_fit.robust_std_errors.nu));
    CHECK(t_fit.std_errors.alpha > 0.0);
    CHECK(t_fit.std_errors.beta > 0.0);
  }
}

TEST_CASE("A parameter pressed onto its bound is reported", "[volatility][garch][fit]") {
  // BTC daily t with the lower nu bound moved above the free optimum (2.64): nu rests on
  // 2.7, is reported and has no standard error. The tolerance itself (1e-3 of the bound's
  // magnitude: nu = 2.0104 against 2.01 counts) is checked in vol_internals_test.cpp.
  fit_garch_config options;
  options.innovation = distribution_shape::student_t;
  options.bounds.nu_lower = 2.7;
  const auto fit = fit_garch(dmtest::reference_returns("btc_usd_daily"), options);
  CHECK(fit.parameters.nu == Approx(2.7).epsilon(1e-3));
  CHECK(fit.at_bound.nu);
  CHECK(std::isnan(fit.std_errors.nu));
  CHECK(fit.std_errors.beta > 0.0);
}

TEST_CASE("Non-stationary fits are flagged; exact zero returns do not drive nu to its bound",
          "[volatility][garch][fit]") {
  const auto returns = dmtest::reference_returns("btc_usd_daily");
  fit_garch_config options;
  options.innovation = distribution_shape::student_t;
  const auto free_fit = fit_garch(returns, options);
  // fGarch's own optimum has persistence 1.078 (garch11_fgarch_crypto.csv): not stationary.
  CHECK(free_fit.persistence > 1.0);
  CHECK_FALSE(free_fit.fitted_stationary);
  CHECK_FALSE(free_fit.stationarity_enforced);
  options.stationary = true;
  const auto constrained = fit_garch(returns, options);
  CHECK(constrained.stationarity_enforced);
  CHECK(constrained.fitted_stationary);
  CHECK(constrained.persistence < 1.0);

  // Every 10th return replaced by an exact 0 (a stale price). Kept in the likelihood, the
  // unit-variance t's density at 0, which grows without bound as nu falls to 2, pulls nu to
  // about 2.1 and persistence to about 1.4; left out of the likelihood (the default from 1%
  // of zeros) the fit stays near the clean one (nu 2.64, persistence 1.08).
  std::vector<double> stale = returns;
  std::size_t zeros = 0;
  for (std::size_t t = 0; t < stale.size(); t += 10, ++zeros) stale[t] = 0.0;
  const std::size_t already_zero = static_cast<std::size_t>(std::count(returns.begin(), returns.end(), 0.0));
  options.stationary = false;
  options.zero_returns = garch_zero_returns::keep;
  const auto kept = fit_garch(stale, options);
  CHECK(kept.parameters.nu < 2.3);
  CHECK(kept.zero_returns_excluded == 0);
  options.zero_returns = garch_zero_returns::automatic;
  const auto handled = fit_garch(stale, options);
  CHECK(handled.zero_returns_excluded >= zeros);
  CHECK(handled.zero_returns_excluded <= zeros + already_zero);
  CHECK_FALSE(handled.at_bound.nu);
  CHECK_THAT(handled.parameters.nu, dmtest::within_rel(free_fit.parameters.nu, 0.1));
  CHECK(std::abs(handled.persistence - free_fit.persistence) < 0.05);
  CHECK_THAT(handled.status_reason, dmtest::contains("exact zero returns (stale prices) left out of the likelihood"));
}

TEST_CASE("Returns in fractions and in percent give the same fit", "[volatility][garch][fit]") {
  const auto percent = dmtest::reference_returns("eth_usd_daily");
  std::vector<double> fraction(percent.size());
  std::transform(percent.begin(), percent.end(), fraction.begin(), [](double r) { return r / 100.0; });
  const auto a = fit_garch(percent, {});
  const auto b = fit_garch(fraction, {});
  // mu scales by 100, omega by 100^2, the log-likelihood shifts by n log(100); 1e-6 relative.
  CHECK_THAT(b.parameters.mu * 100.0, dmtest::within_rel(a.parameters.mu, 1e-6));
  CHECK_THAT(b.parameters.omega * 1e4, dmtest::within_rel(a.parameters.omega, 1e-6));
  CHECK_THAT(b.parameters.alpha, dmtest::within_rel(a.parameters.alpha, 1e-6));
  CHECK_THAT(b.parameters.beta, dmtest::within_rel(a.parameters.beta, 1e-6));
  CHECK_THAT(b.loglik - static_cast<double>(percent.size()) * std::log(100.0), dmtest::within_rel(a.loglik, 1e-10));
  CHECK_THAT(b.std_errors.omega * 1e4, dmtest::within_rel(a.std_errors.omega, 1e-3));
}

TEST_CASE("Stationarity, variance targeting and the other start rules", "[volatility][garch][fit]") {
  const auto returns = dmtest::reference_returns("btc_usd_daily");
  // fGarch's t fit of BTC daily has alpha + beta = 1.078; the constrained fit must sit at the
  // bound and still beat the normal fit (the t likelihood dominates here).
  fit_garch_config options;
  options.innovation = distribution_shape::student_t;
  options.stationary = true;
  const auto constrained = fit_garch(returns, options);
  CHECK(constrained.converged);
  CHECK(constrained.stationarity_enforced);
  CHECK(constrained.persistence <= options.max_persistence + 1e-12);
  CHECK(constrained.persistence > 0.999);
  CHECK(constrained.loglik < -6957.2690134547938);  // below the unconstrained optimum
  CHECK(constrained.loglik > -7000.0);
  CHECK(constrained.std_errors_available);

  // Variance targeting: omega = mean(z^2) (1 - p) exactly at the estimate (1e-12 relative).
  fit_garch_config targeting;
  targeting.variance_targeting = true;
  const auto targeted = fit_garch(returns, targeting);
  CHECK(targeted.converged);
  double m2 = 0.0;
  for (double r : returns) m2 += (r - targeted.parameters.mu) * (r - targeted.parameters.mu);
  m2 /= static_cast<double>(returns.size());
  CHECK_THAT(targeted.parameters.omega, dmtest::within_rel(m2 * (1.0 - targeted.persistence), 1e-12));
  CHECK(targeted.loglik <= -7362.8384912833435 + 1e-6);  // a restriction cannot beat the MLE
  CHECK(targeted.std_errors.omega > 0.0);

  // Every start rule fits and reports the log-likelihood of its own convention.
  for (auto start : {garch_start::rugarch, garch_start::backcast, garch_start::unconditional}) {
    INFO("start " << to_string(start));
    fit_garch_config o;
    o.start = start;
    const auto fit = fit_garch(returns, o);
    CHECK(fit.converged);
    CHECK_THAT(fit.loglik,
               dmtest::within_rel(garch_loglik(returns, fit.parameters, distribution_shape::normal, start), 1e-12));
    // Start-up conventions move the optimum a little (REFERENCE.md: up to ~1 unit of loglik).
    CHECK(std::abs(fit.loglik - (-7362.8384912833435)) < 5.0);
  }
}

TEST_CASE("fit_garch rejects bad input with a message naming the problem", "[volatility][garch][fit]") {
  std::vector<double> returns = dmtest::reference_returns("btc_usd_daily");
  returns.resize(200);
  std::vector<double> with_nan = returns;
  with_nan[17] = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_AS(fit_garch(with_nan, {}), dynmargin::invalid_argument);
  REQUIRE_THROWS_WITH(fit_garch(with_nan, {}), "fit_garch: returns[17] must be finite, got nan");
  with_nan[17] = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(fit_garch(with_nan, {}), "fit_garch: returns[17] must be finite, got inf");
  const std::vector<double> few(returns.begin(), returns.begin() + 10);
  REQUIRE_THROWS_WITH(fit_garch(few, {}), "fit_garch: returns must hold at least 30 observations, got 10");
  const std::vector<double> constant(100, 0.5);
  REQUIRE_THROWS_WITH(fit_garch(constant, {}), dmtest::contains("returns must not be constant"));
  fit_garch_config bad;
  bad.max_persistence = 1.5;
  REQUIRE_THROWS_WITH(fit_garch(returns, bad), "fit_garch: max_persistence must be in (0, 1), got 1.5");
  REQUIRE_THROWS_WITH(garch_loglik(returns, {0.0, -1.0, 0.1, 0.0, 0.8, 0.0}),
                      "garch: omega must be finite and > 0, got -1");
  REQUIRE_THROWS_WITH(garch_loglik(returns, {0.0, 1.0, 0.3, 0.0, 0.8, 0.0}, distribution_shape::normal,
                                   garch_start::unconditional),
                      dmtest::contains("must be < 1 for the unconditional start"));
  // An iteration budget too small to converge is reported, not hidden.
  fit_garch_config short_budget;
  short_budget.max_iterations = 2;
  const auto fit = fit_garch(returns, short_budget);
  CHECK_FALSE(fit.converged);
  CHECK_THAT(fit.status_reason, dmtest::contains("not converged: iteration limit reached"));
}

TEST_CASE("The default starts find the best of 12 starts on random BTC hourly windows", "[volatility][garch][fit]") {
  // Issue 12 §8: on 360 random 300-3,000-hour windows of BTC hourly (normal, t, GJR-t), a
  // single start ended more than 1e-6 relative below the best of 12 starts in 52 of 1,080
  // fits (0.22 to 37 log-likelihood units, all reported converged). The default, four starts
  // over four persistence levels and up to 12 when the best rests on a bound or did not
  // converge, is within 1e-6 of the best of 12 in all 1,080 (a Release run of the same loop
  // with 360 windows, seed 12345). Here the first 60 windows of that sequence (180 fits), to
  // keep the sanitizer build fast; one start fails on some of them, so the check can fail.
  const auto r = dmtest::reference_returns("btc_usd_1h");
  std::mt19937_64 engine(12345);
  int single_below = 0;
  int default_below = 0;
  for (int window = 0; window < 60; ++window) {
    std::uniform_int_distribution<std::size_t> length_of(300, 3000);
    const std::size_t length = length_of(engine);
    std::uniform_int_distribution<std::size_t> start_of(0, r.size() - length);
    const std::size_t from = start_of(engine);
    const std::span<const double> sample(r.data() + from, length);
    for (int spec = 0; spec < 3; ++spec) {
      INFO("window " << window << " (" << length << " hours from " << from << ") spec " << spec);
      fit_garch_config options;
      options.innovation = spec == 0 ? distribution_shape::normal : distribution_shape::student_t;
      options.asymmetric = spec == 2;
      const auto by_default = fit_garch(sample, options);
      options.starts = 12;
      const auto best = fit_garch(sample, options);
      options.starts = 1;
      options.max_starts = 1;
      const auto single = fit_garch(sample, options);
      const double tolerance = 1e-6 * std::abs(best.loglik);
      CHECK(by_default.loglik >= best.loglik - tolerance);
      if (by_default.loglik < best.loglik - tolerance) ++default_below;
      if (single.loglik < best.loglik - tolerance) ++single_below;
      CHECK(by_default.starts >= 4);
    }
  }
  CHECK(default_below == 0);
  CHECK(single_below > 0);  // the sample holds the multimodal windows the starts are for
}
