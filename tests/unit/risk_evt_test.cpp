// SPDX-License-Identifier: MIT
// Extreme value theory: the GPD likelihood and its derivatives, the PWM and ML estimators, tail
// VaR/ES against closed forms, a published fit (Danish fire losses), simulation from known GPD
// tails, the mean-excess function, bad input, and the conditional (McNeil-Frey) streaming form.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "catch.hpp"
#include "dynmargin/core/random.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

// Inverse-CDF draws of GPD(xi, beta): y = G^{-1}(U), with the library's reproducible uniforms.
std::vector<double> gpd_sample(double xi, double beta, std::size_t n, std::uint64_t seed) {
  random_stream rng(seed);
  std::vector<double> out(n);
  for (auto& y : out) {
    const double u = rng.uniform();
    y = xi == 0.0 ? -beta * std::log1p(-u) : beta / xi * (std::pow(1.0 - u, -xi) - 1.0);
  }
  return out;
}

std::vector<double> negated(const std::vector<double>& x) {
  std::vector<double> out(x.size());
  std::transform(x.begin(), x.end(), out.begin(), [](double v) { return -v; });
  return out;
}

}  // namespace

TEST_CASE("PWM estimator matches a hand calculation", "[risk][evt]") {
  // y = {1, 2, 4}: 1 - p_j = (3.35 - j)/3, a0 = 7/3, a1 = (2.35 + 2*1.35 + 4*0.35)/9 = 43/60,
  // a0 - 2 a1 = 9/10, xi = 2 - (7/3)/(9/10) = -16/27, beta = 2 (7/3)(43/60)/(9/10) = 301/81.
  const std::vector<double> y = {4.0, 1.0, 2.0};
  const auto pwm = gpd_pwm_estimate(y);
  CHECK_THAT(pwm.shape, dmtest::within_rel(-16.0 / 27.0, 1e-14));
  CHECK_THAT(pwm.scale, dmtest::within_rel(301.0 / 81.0, 1e-14));
  // Exponential data: E[Y] = beta, E[Y (1 - F)] = beta/4, so PWM gives xi ~ 0, beta ~ mean.
  const auto sample = gpd_sample(0.0, 2.0, 200000, 11);
  const auto large = gpd_pwm_estimate(sample);
  // Sampling sd of the PWM shape is about 1.2/sqrt(n) = 0.0027: tolerance 0.012 (4.5 sd).
  CHECK_THAT(large.shape, dmtest::within_abs(0.0, 0.012));
  CHECK_THAT(large.scale, dmtest::within_rel(2.0, 0.02));
  REQUIRE_THROWS_WITH(gpd_pwm_estimate(std::vector<double>{0.0, 0.0, 0.0}),
                      "gpd_pwm_estimate: excesses must not all be zero, got 0");
}

TEST_CASE("GPD score and Hessian agree with finite differences, including the xi -> 0 limit", "[risk][evt]") {
  const auto y = gpd_sample(0.2, 1.5, 400, 3);
  // Central differences with relative step 1e-5: truncation ~1e-10, rounding ~ 1e-16 * |l| / 1e-5
  // ~ 1e-8 relative; tolerance 1e-6 relative (1e-6 absolute near zero).
  const auto check_at = [&](double xi, double beta) {
    const auto at = gpd_log_likelihood(y, xi, beta);
    REQUIRE(at.feasible);
    const double hx = 1e-5;
    const double hb = 1e-5 * beta;
    const auto l = [&](double a, double b) { return gpd_log_likelihood(y, a, b, false).log_likelihood; };
    const auto s = [&](double a, double b) { return gpd_log_likelihood(y, a, b, false).score; };
    const double fd_xi = (l(xi + hx, beta) - l(xi - hx, beta)) / (2 * hx);
    const double fd_beta = (l(xi, beta + hb) - l(xi, beta - hb)) / (2 * hb);
    const double tol_xi = 1e-6 * std::max(1.0, std::abs(fd_xi));
    const double tol_beta = 1e-6 * std::max(1.0, std::abs(fd_beta));
    CHECK_THAT(at.score[0], dmtest::within_abs(fd_xi, tol_xi));
    CHECK_THAT(at.score[1], dmtest::within_abs(fd_beta, tol_beta));
    const double fd_xx = (s(xi + hx, beta)[0] - s(xi - hx, beta)[0]) / (2 * hx);
    const double fd_xb = (s(xi, beta + hb)[0] - s(xi, beta - hb)[0]) / (2 * hb);
    const double fd_bb = (s(xi, beta + hb)[1] - s(xi, beta - hb)[1]) / (2 * hb);
    CHECK_THAT(at.hessian[0], dmtest::within_abs(fd_xx, 1e-6 * std::max(1.0, std::abs(fd_xx))));
    CHECK_THAT(at.hessian[1], dmtest::within_abs(fd_xb, 1e-6 * std::max(1.0, std::abs(fd_xb))));
    CHECK_THAT(at.hessian[2], dmtest::within_abs(fd_bb, 1e-6 * std::max(1.0, std::abs(fd_bb))));
  };
  check_at(0.3, 1.2);
  check_at(-0.05, 1.8);  // mixes the series (|a| < 0.1) and closed-form branches
  check_at(1e-7, 1.5);   // series branch only
  check_at(0.0, 1.5);    // exactly exponential
  // At xi = 0 the log-likelihood is the exponential one, -n ln beta - sum(y)/beta.
  double sum = 0.0;
  for (const double v : y) sum += v;
  const double n = static_cast<double>(y.size());
  CHECK_THAT(gpd_log_likelihood(y, 0.0, 1.5).log_likelihood, dmtest::within_rel(-n * std::log(1.5) - sum / 1.5, 1e-14));
  // Outside the support (xi < 0 with y_max > beta/|xi|) the point is infeasible.
  CHECK_FALSE(gpd_log_likelihood(y, -0.9, 0.5).feasible);
  CHECK_FALSE(gpd_log_likelihood(y, 0.1, 0.0).feasible);
}

TEST_CASE("ML fit recovers known GPD parameters within their standard errors", "[risk][evt]") {
  struct case_t {
    double xi, beta;
    std::uint64_t seed;
  };
  for (const auto c : {case_t{0.25, 1.5, 101}, case_t{-0.2, 2.0, 202}, case_t{0.0, 1.0, 303}, case_t{0.6, 0.5, 404}}) {
    CAPTURE(c.xi, c.beta);
    const std::size_t n = 5000;
    const auto y = gpd_sample(c.xi, c.beta, n, c.seed);
    const auto fit = fit_gpd(y);
    // Within 3.5 standard errors (two-sided probability 5e-4 per parameter for a fresh seed).
    CHECK(std::abs(fit.parameters.shape - c.xi) < 3.5 * fit.shape_standard_error);
    CHECK(std::abs(fit.parameters.scale - c.beta) < 3.5 * fit.scale_standard_error);
    // The observed information agrees with Smith's (1985) expected information:
    // var(xi) = (1+xi)^2/n, var(beta) = 2 beta^2 (1+xi)/n; 10% covers its sampling error at n = 5000.
    CHECK_THAT(fit.shape_standard_error, dmtest::within_rel((1 + c.xi) / std::sqrt(double(n)), 0.10));
    CHECK_THAT(fit.scale_standard_error, dmtest::within_rel(c.beta * std::sqrt(2 * (1 + c.xi) / double(n)), 0.10));
    // The score vanishes at the optimum (to well below one unit of a single observation's
    // log-density), and the point is a maximum: every nearby point is lower.
    const auto at = gpd_log_likelihood(y, fit.parameters.shape, fit.parameters.scale);
    CHECK(std::abs(at.score[0]) < 1e-7 * double(n));
    CHECK(std::abs(at.score[1] * fit.parameters.scale) < 1e-7 * double(n));
    // (the fit sums over the sorted excesses, so the two sums differ only by rounding)
    CHECK_THAT(at.log_likelihood, dmtest::within_rel(fit.log_likelihood, 1e-13));
    for (const double dx : {-1e-3, 1e-3}) {
      CHECK(gpd_log_likelihood(y, fit.parameters.shape + dx, fit.parameters.scale).log_likelihood < fit.log_likelihood);
      CHECK(gpd_log_likelihood(y, fit.parameters.shape, fit.parameters.scale * (1 + dx)).log_likelihood <
            fit.log_likelihood);
    }
    CHECK(fit.iterations < 50);
  }
}

TEST_CASE("Danish fire losses over 10 reproduce the published GPD fit", "[risk][evt]") {
  // tests/data/risk_evt_danish_fire_over10.csv: the 109 losses above 10 (mDKK) of the 2,167
  // Danish fire insurance losses 1980-1990 (Copenhagen Re; R's evir::danish, CASdatasets
  // danishuni), copied from the public data set. McNeil (1997, ASTIN Bulletin 27(1)) fits a GPD
  // above u = 10 with 109 exceedances; the published estimates, xi = 0.50 and beta = 6.98 to the
  // digits reported, are matched to those digits (+-0.005).
  const auto losses = dmtest::read_csv(dmtest::reference_path("risk_evt_danish_fire_over10.csv")).numbers("loss");
  REQUIRE(losses.size() == 109);
  std::vector<double> excesses;
  for (const double x : losses) excesses.push_back(x - 10.0);
  const auto tail = fit_tail_from_excesses(excesses, 10.0, 2167);
  CHECK(std::abs(tail.gpd.parameters.shape - 0.50) <= 0.005);
  CHECK(std::abs(tail.gpd.parameters.scale - 6.98) <= 0.005);
  // An independent maximisation (derivative-free pattern search in Python on the same 109
  // values) found xi = 0.496986, beta = 6.975467, log-likelihood -374.89299023; Newton must reach
  // at least that log-likelihood and the same point within the pattern search's resolution.
  CHECK(tail.gpd.log_likelihood >= -374.8929902323529 - 1e-9);
  CHECK_THAT(tail.gpd.parameters.shape, dmtest::within_abs(0.496986, 2e-5));
  CHECK_THAT(tail.gpd.parameters.scale, dmtest::within_abs(6.975467, 2e-4));
  // The tail formula at 99% from the fitted parameters, computed independently here.
  const auto risk = tail_risk(tail, confidence_level(0.99));
  const double xi = tail.gpd.parameters.shape;
  const double beta = tail.gpd.parameters.scale;
  const double var = 10.0 + beta / xi * (std::pow(2167.0 / 109.0 * 0.01, -xi) - 1.0);
  CHECK_THAT(risk.var, dmtest::within_rel(var, 1e-13));
  CHECK_THAT(risk.es, dmtest::within_rel((var + beta - xi * 10.0) / (1.0 - xi), 1e-13));
}

TEST_CASE("Tail VaR and ES reproduce closed forms for exponential and Pareto tails", "[risk][evt]") {
  // Exponential with mean beta: P(L > x) = exp(-x/beta). With u where P(L > u) = N_u/n = 0.1,
  // VaR_p = beta ln(1/(1-p)) and ES_p = VaR_p + beta (memoryless).
  const double beta = 2.0;
  evt_tail_fit exponential;
  exponential.threshold = beta * std::log(10.0);
  exponential.observations = 1000;
  exponential.exceedances = 100;
  exponential.gpd.parameters = {0.0, beta};
  for (const double p : {0.95, 0.99, 0.999}) {
    const auto r = tail_risk(exponential, confidence_level(p));
    CHECK_THAT(r.var, dmtest::within_rel(beta * std::log(1.0 / (1.0 - p)), 1e-13));
    CHECK_THAT(r.es, dmtest::within_rel(beta * std::log(1.0 / (1.0 - p)) + beta, 1e-13));
  }
  // Pareto P(L > x) = x^(-alpha), x >= 1: excesses over u follow GPD(xi = 1/alpha, beta = u/alpha);
  // VaR_p = (1-p)^(-1/alpha), ES_p = VaR_p alpha/(alpha - 1).
  const double alpha = 3.0;
  evt_tail_fit pareto;
  pareto.threshold = std::pow(0.1, -1.0 / alpha);
  pareto.observations = 1000;
  pareto.exceedances = 100;
  pareto.gpd.parameters = {1.0 / alpha, pareto.threshold / alpha};
  for (const double p : {0.95, 0.99, 0.999}) {
    const auto r = tail_risk(pareto, confidence_level(p));
    const double var = std::pow(1.0 - p, -1.0 / alpha);
    CHECK_THAT(r.var, dmtest::within_rel(var, 1e-13));
    CHECK_THAT(r.es, dmtest::within_rel(var * alpha / (alpha - 1.0), 1e-13));
  }
  // A shape just off zero is continuous with the exponential limit (expm1(x)/x form).
  exponential.gpd.parameters.shape = 1e-12;
  const auto near = tail_risk(exponential, confidence_level(0.99));
  CHECK_THAT(near.var, dmtest::within_rel(beta * std::log(100.0), 1e-10));
  // GPD quantile and CDF are inverse to each other.
  const generalized_pareto_distribution g(0.3, 1.7);
  CHECK_THAT(cdf(g, quantile(g, 0.987)), dmtest::within_rel(0.987, 1e-14));
  CHECK_THAT(quantile(generalized_pareto_distribution(0.0, 1.7), 0.5), dmtest::within_rel(1.7 * std::log(2.0), 1e-15));
}

TEST_CASE("POT VaR and ES of samples from a known GPD converge to the exact values", "[risk][evt]") {
  // L ~ GPD(xi = 0.25, beta = 1): exact VaR_p = (beta/xi)((1-p)^-xi - 1), ES_p = (VaR_p + beta)/(1-xi).
  // Threshold stability makes the excesses over any u exactly GPD(xi, beta + xi u), so POT has no
  // model error; only sampling error remains. Tolerance: 4 times the standard error of the
  // empirical quantile, sqrt(p(1-p)/n)/f(VaR_p) (POT is at least as efficient), the same relative
  // bound for ES.
  const double xi = 0.25;
  const double p = 0.999;
  const double var = 4.0 * (std::pow(1.0 - p, -xi) - 1.0);
  const double es = (var + 1.0) / (1.0 - xi);
  const double density = std::pow(1.0 + xi * var, -1.0 / xi - 1.0);
  const evt_risk measure(evt_risk_config{confidence_level(p), {}, 1000, 1, horizon(1)});
  double previous_error = std::numeric_limits<double>::infinity();
  for (const std::size_t n : {10000u, 100000u, 1000000u}) {
    const auto losses = gpd_sample(xi, 1.0, n, 77 + n);
    const auto r = measure.from_sample(negated(losses));  // returns = -loss
    const double se = std::sqrt(p * (1 - p) / double(n)) / density;
    CAPTURE(n, r.var, var, r.es, es, se);
    CHECK(std::abs(r.var - var) < 4.0 * se);
    CHECK(std::abs(r.es - es) < 4.0 * se * es / var * 1.5);
    previous_error = std::min(previous_error, std::abs(r.var - var));
  }
  CHECK(previous_error < 0.05 * var);
}

TEST_CASE("Mean-excess function against hand values and the GPD's linear e(u)", "[risk][evt]") {
  const std::vector<double> losses = {3.0, 1.0, 10.0, 2.0, 4.0};
  const std::vector<double> thresholds = {2.5, 0.0, 20.0};
  const auto e = mean_excess(losses, thresholds);
  REQUIRE(e.size() == 3);
  CHECK_THAT(e[0].mean_excess, dmtest::within_rel(17.0 / 3.0 - 2.5, 1e-15));  // {3, 4, 10} above 2.5
  CHECK(e[0].exceedances == 3);
  CHECK_THAT(e[1].mean_excess, dmtest::within_rel(4.0, 1e-15));  // mean of all five = 4
  CHECK(e[2].exceedances == 0);
  const auto by_count = mean_excess_by_count(losses, 1, 3);
  REQUIRE(by_count.size() == 3);
  CHECK(by_count[1].threshold == 3.0);                                  // k = 2: u = third largest
  CHECK_THAT(by_count[1].mean_excess, dmtest::within_rel(4.0, 1e-15));  // (10 + 4)/2 - 3
  // For GPD(xi, beta), e(u) = (beta + xi u)/(1 - xi): linear in u. xi = 0.2, beta = 1:
  // e(0) = 1.25, e(2) = 1.75, e(5) = 2.5. Sampling sd of e(u) is about e(u)(1-xi)/sqrt((1-2xi) N_u);
  // with n = 400,000 that is < 0.5% at u = 5 (N_u ~ 6e4); tolerance 3%.
  const auto sample = gpd_sample(0.2, 1.0, 400000, 5);
  const std::vector<double> us = {0.0, 2.0, 5.0};
  const auto me = mean_excess(sample, us);
  CHECK_THAT(me[0].mean_excess, dmtest::within_rel(1.25, 0.03));
  CHECK_THAT(me[1].mean_excess, dmtest::within_rel(1.75, 0.03));
  CHECK_THAT(me[2].mean_excess, dmtest::within_rel(2.5, 0.03));
}

TEST_CASE("BTC daily losses have a fat GPD tail (xi > 0)", "[risk][evt]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  const evt_risk measure(confidence_level(0.99));
  const auto long_tail = measure.fit_sample(returns, position_side::long_position);
  const auto short_tail = measure.fit_sample(returns, position_side::short_position);
  // Top 10% of 2,722 daily losses: 272 exceedances.
  CHECK(long_tail.exceedances == 272);
  CHECK(long_tail.observations == 2722);
  INFO("BTC daily long tail: u = " << long_tail.threshold << ", xi = " << long_tail.gpd.parameters.shape << " (se "
                                   << long_tail.gpd.shape_standard_error
                                   << "), beta = " << long_tail.gpd.parameters.scale);
  INFO("BTC daily short tail: u = " << short_tail.threshold << ", xi = " << short_tail.gpd.parameters.shape << " (se "
                                    << short_tail.gpd.shape_standard_error
                                    << "), beta = " << short_tail.gpd.parameters.scale);
  // Fat tails: the shape is positive, more than one standard error above 0.
  CHECK(long_tail.gpd.parameters.shape > long_tail.gpd.shape_standard_error);
  CHECK(long_tail.gpd.parameters.shape < 1.0);
  const auto r = measure.from_sample(returns);
  // The 99% EVT VaR lies inside the sample's range of losses, above the threshold, and ES > VaR.
  const double worst = -*std::min_element(returns.begin(), returns.end());
  CHECK(r.var > long_tail.threshold);
  CHECK(r.var < worst);
  CHECK(r.es > r.var);
  // And beyond a normal with the sample's standard deviation: 2.326 sd.
  double mean = 0.0, sq = 0.0;
  for (const double x : returns) mean += x;
  mean /= double(returns.size());
  for (const double x : returns) sq += (x - mean) * (x - mean);
  CHECK(r.var > 2.326 * std::sqrt(sq / double(returns.size() - 1)) * 0.9);
}

TEST_CASE("EVT bad input: NaN, too few exceedances, confidence inside the sample, xi >= 1", "[risk][evt]") {
  std::vector<double> returns = gpd_sample(0.1, 1.0, 200, 9);
  const evt_risk measure(confidence_level(0.99));
  // 10% of 200 = 20 exceedances < 30 required.
  REQUIRE_THROWS_WITH(measure.from_sample(returns),
                      "evt: exceedances must number at least 30 (from 200 observations), got 20");
  returns.resize(1000, 0.5);
  returns[17] = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(measure.from_sample(returns), "evt_risk: return at index 17 must be finite, got nan");
  REQUIRE_THROWS_AS(fit_gpd(std::vector<double>{1.0, -2.0, 3.0}), dynmargin::invalid_argument);
  REQUIRE_THROWS_WITH(fit_gpd(std::vector<double>{1.0, 2.0}), "fit_gpd: excesses must hold at least 3 values, got 2");
  // Confidence at or below the threshold's level 1 - N_u/n = 0.9.
  REQUIRE_THROWS_WITH(evt_risk(evt_risk_config{confidence_level(0.85), {}, 1000, 1, horizon(1)}),
                      "evt_risk: confidence must exceed the threshold's level 0.9, got 0.85");
  evt_tail_fit tail;
  tail.threshold = 1.0;
  tail.observations = 1000;
  tail.exceedances = 100;
  tail.gpd.parameters = {0.2, 1.0};
  REQUIRE_THROWS_WITH(tail_risk(tail, confidence_level(0.9)),
                      dmtest::contains("confidence must exceed the threshold's level 0.9"));
  tail.gpd.parameters = {1.2, 1.0};
  REQUIRE_THROWS_WITH(tail_risk(tail, confidence_level(0.99)),
                      "evt: shape xi must be < 1 for a finite expected shortfall, got 1.2");
  REQUIRE_THROWS_AS(tail_risk(tail, confidence_level(0.99)), dynmargin::domain_error);
  REQUIRE_THROWS_WITH(
      evt_risk(evt_risk_config{
          confidence_level(0.99), {evt_threshold_rule::tail_fraction, 1.5, 100, 0.0, 30}, 1000, 1, horizon(1)}),
      "evt_risk: tail_fraction must be in (0, 1), got 1.5");
  REQUIRE_THROWS_WITH(evt_risk(evt_risk_config{confidence_level(0.99), {}, 0, 1, horizon(1)}),
                      "evt_risk: window must be at least 1, got 0");
  REQUIRE_THROWS_WITH(mean_excess(std::vector<double>{1.0, std::nan("")}, std::vector<double>{0.0}),
                      "mean_excess: loss at index 1 must be finite, got nan");
}

TEST_CASE("EVT properties: ES >= VaR, monotone in confidence, homogeneous, translation invariant", "[risk][evt]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  double previous_var = 0.0;
  double previous_es = 0.0;
  for (const double p : {0.95, 0.975, 0.99, 0.995, 0.999}) {
    const auto r = evt_risk(confidence_level(p)).from_sample(returns);
    CHECK(r.es >= r.var);
    CHECK(r.var > previous_var);
    CHECK(r.es > previous_es);
    previous_var = r.var;
    previous_es = r.es;
  }
  const evt_risk measure(confidence_level(0.99));
  const auto base = measure.from_sample(returns);
  // Positive homogeneity: scaling returns by c scales VaR and ES (the ML optimum is equivariant;
  // the optimiser's path differs, so equality holds to its convergence tolerance, ~1e-9).
  std::vector<double> scaled(returns.size());
  std::transform(returns.begin(), returns.end(), scaled.begin(), [](double r) { return 3.5 * r; });
  const auto s = measure.from_sample(scaled);
  CHECK_THAT(s.var, dmtest::within_rel(3.5 * base.var, 1e-8));
  CHECK_THAT(s.es, dmtest::within_rel(3.5 * base.es, 1e-8));
  // Translation invariance: adding c to every return lowers the losses, VaR and ES by c.
  std::vector<double> shifted(returns.size());
  std::transform(returns.begin(), returns.end(), shifted.begin(), [](double r) { return r + 0.7; });
  const auto t = measure.from_sample(shifted);
  CHECK_THAT(t.var, dmtest::within_rel(base.var - 0.7, 1e-8));
  CHECK_THAT(t.es, dmtest::within_rel(base.es - 0.7, 1e-8));
}

TEST_CASE("Conditional EVT: streaming equals batch, state restores, residual tail scaled by sigma", "[risk][evt]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  const std::int64_t window = 1000;
  evt_risk streaming(evt_risk_config{confidence_level(0.99), {}, window, 1, horizon(1)});
  ewma_volatility vol(0.94);
  CHECK_FALSE(streaming.ready());
  CHECK(std::isinf(streaming.estimate(vol, position_side::long_position).var));
  std::size_t first_ready = 0;
  evt_risk::state_type saved;
  ewma_volatility saved_vol(0.94);
  for (std::size_t t = 0; t < returns.size(); ++t) {
    const status s = streaming.observe(returns[t], vol);
    CHECK((s == status::ok || s == status::not_enough_data));
    REQUIRE(vol.update(returns[t]) == status::ok);
    if (streaming.ready() && first_ready == 0) first_ready = t + 1;
    if (t + 1 == 2000) {
      saved = streaming.state();
      saved_vol = vol;
    }
  }
  // The EWMA is warm after its burn-in of 76 returns (0.94^75 <= 1% < 0.94^74), so residuals
  // start at r_77; 30 exceedances need 300 residuals: ready after 76 + 300 = 376 returns.
  CHECK(first_ready == 376);
  for (const auto side : {position_side::long_position, position_side::short_position}) {
    const auto batch = conditional_evt(returns, ewma_volatility(0.94), confidence_level(0.99), {}, side, horizon(1),
                                       window);
    const auto stream = streaming.estimate(vol, side);
    CHECK(stream == batch.risk);  // bit-identical: same residuals, same fit
    CHECK(batch.residuals == window);
    CHECK(batch.risk.var == batch.sigma * batch.residual_risk.var);
    // Standardised BTC residuals have a fatter tail than the normal's 2.326 at 99%.
    CHECK(batch.residual_risk.var > 2.326);
    CHECK(batch.residual_risk.es > batch.residual_risk.var);
  }
  // Restoring a saved state and replaying gives the same final estimate.
  evt_risk replay(evt_risk_config{confidence_level(0.99), {}, window, 1, horizon(1)});
  replay.restore(saved);
  for (std::size_t t = 2000; t < returns.size(); ++t) {
    (void)replay.observe(returns[t], saved_vol);
    (void)saved_vol.update(returns[t]);
  }
  CHECK(replay.state() == streaming.state());
  // Bad input leaves the state unchanged.
  const auto before = streaming.state();
  CHECK(streaming.observe(std::numeric_limits<double>::quiet_NaN(), vol) == status::non_finite_input);
  CHECK(streaming.state() == before);
  // A horizon of h steps scales by sqrt(variance(h)) = sqrt(h) sigma for EWMA.
  evt_risk ten_day(evt_risk_config{confidence_level(0.99), {}, window, 1, horizon(10)});
  ten_day.restore(streaming.state());
  CHECK_THAT(ten_day.estimate(vol, position_side::long_position).var,
             dmtest::within_rel(std::sqrt(10.0) * streaming.estimate(vol, position_side::long_position).var, 1e-14));
  CHECK(ten_day.horizon_steps() == 10);
}

TEST_CASE("Streaming refit interval: estimates update every k residuals", "[risk][evt]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  evt_risk every(evt_risk_config{confidence_level(0.99), {}, 500, 1, horizon(1)});
  evt_risk sparse(evt_risk_config{confidence_level(0.99), {}, 500, 25, horizon(1)});
  ewma_volatility vol(0.94);
  int equal_after_refit = 0;
  int steps = 0;
  for (std::size_t t = 0; t < 1500; ++t) {
    (void)every.observe(returns[t], vol);
    (void)sparse.observe(returns[t], vol);
    (void)vol.update(returns[t]);
    if (sparse.ready() && sparse.state().since_refit == 0) {
      ++steps;
      if (sparse.residual_risk(position_side::long_position) == every.residual_risk(position_side::long_position))
        ++equal_after_refit;
    }
  }
  CHECK(steps > 40);
  CHECK(equal_after_refit == steps);  // at every refit the sparse measure matches the every-step one
}

TEST_CASE("A failed refit keeps the residual and the previous tails and is reported as a warning", "[risk][evt]") {
  // A fixed unit forecast (EWMA with a given variance, never updated) makes z = r. A window of
  // 400 standard normal residuals fits both tails (40 exceedances each); then losses from a Pareto law with tail
  // index 1/2 (GPD shape xi = 2) replace the window, so the long tail's refit has xi >= 1
  // (infinite ES) or no maximum: each such refit must return refit_failed, keep the residual
  // and leave the last good tails in use.
  ewma_volatility_config vc;
  vc.start = ewma_start::given;
  vc.initial_variance = 1.0;
  const ewma_volatility vol(vc);
  evt_risk_config c;
  c.confidence = confidence_level(0.99);
  c.window = 400;
  evt_risk measure(c);
  random_stream rng(7);
  for (int i = 0; i < 400; ++i) (void)measure.observe(rng.normal(), vol);
  REQUIRE(measure.ready());
  REQUIRE(measure.last_fit_status() == status::ok);
  const risk_estimate good_long = measure.residual_risk(position_side::long_position);
  REQUIRE(std::isfinite(good_long.es));
  int failed = 0;
  risk_estimate last_good = good_long;
  for (int i = 0; i < 400; ++i) {
    const double loss = std::pow(rng.uniform(), -2.0);  // Pareto, P(L > x) = x^(-1/2), x >= 1
    const auto before = measure.state();
    const status s = measure.observe(-loss, vol);
    REQUIRE((s == status::ok || s == status::refit_failed));
    CHECK(measure.residual_count() == 400);
    // The residual went into the ring whatever the refit did.
    CHECK(measure.state().residuals[static_cast<std::size_t>(before.next)] == -loss);
    if (s == status::ok) {
      last_good = measure.residual_risk(position_side::long_position);
      continue;
    }
    ++failed;
    CHECK((measure.last_fit_status() == status::domain_error || measure.last_fit_status() == status::no_convergence));
    CHECK(measure.residual_risk(position_side::long_position) == last_good);
    CHECK(measure.residual_risk(position_side::short_position) == before.short_tail);
    CHECK(measure.ready());
  }
  CHECK(failed > 0);
  CHECK(measure.failed_refits() == failed);
  // Estimates stay finite with the kept tails: sigma = 1, so they are the residual tails.
  const auto e = measure.estimate(vol, position_side::long_position);
  CHECK(std::isfinite(e.es));
  CHECK(e == measure.residual_risk(position_side::long_position));
}
