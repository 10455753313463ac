// SPDX-License-Identifier: MIT
// The generalised Pareto distribution (dynmargin/risk/generalized_pareto.hpp): cdf, quantile,
// pdf and mean against closed forms for a power tail, the exponential and a bounded support;
// the density as the derivative of the distribution function; agreement with the EVT tail
// VaR; bad input.
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <vector>

#include "catch.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/generalized_pareto.hpp"

using namespace dynmargin;

static_assert(std::regular<generalized_pareto_distribution>);
static_assert(generalized_pareto_distribution{} == generalized_pareto_distribution(0.0, 1.0));
static_assert(generalized_pareto_distribution(0.25, 2.0).shape() == 0.25);
static_assert(generalized_pareto_distribution(0.25, 2.0).scale() == 2.0);

TEST_CASE("GPD against closed forms", "[risk][gpd]") {
  // Exponential: xi = 0, beta = 2.
  const generalized_pareto_distribution exponential(0.0, 2.0);
  CHECK_THAT(cdf(exponential, 3.0), dmtest::within_rel(1.0 - std::exp(-1.5), 1e-15));
  CHECK_THAT(pdf(exponential, 3.0), dmtest::within_rel(std::exp(-1.5) / 2.0, 1e-15));
  CHECK_THAT(quantile(exponential, 0.9), dmtest::within_rel(2.0 * std::log(10.0), 1e-15));
  CHECK(mean(exponential) == 2.0);

  // Power tail: xi = 1/2, beta = 2: G(y) = 1 - (1 + y/4)^-2, g(y) = (1/2)(1 + y/4)^-3.
  const generalized_pareto_distribution power(0.5, 2.0);
  CHECK_THAT(cdf(power, 4.0), dmtest::within_rel(0.75, 1e-15));
  CHECK_THAT(pdf(power, 4.0), dmtest::within_rel(0.0625, 1e-15));
  CHECK_THAT(quantile(power, 0.75), dmtest::within_rel(4.0, 1e-15));
  CHECK_THAT(quantile(power, 0.99), dmtest::within_rel(4.0 * (10.0 - 1.0), 1e-14));
  CHECK_THAT(mean(power), dmtest::within_rel(4.0, 1e-15));

  // Bounded support: xi = -1/2, beta = 1 on [0, 2]: G(y) = 1 - (1 - y/2)^2, g(y) = 1 - y/2.
  const generalized_pareto_distribution bounded(-0.5, 1.0);
  CHECK_THAT(cdf(bounded, 1.0), dmtest::within_rel(0.75, 1e-15));
  CHECK_THAT(pdf(bounded, 1.0), dmtest::within_rel(0.5, 1e-15));
  CHECK_THAT(quantile(bounded, 0.75), dmtest::within_rel(1.0, 1e-15));
  CHECK_THAT(mean(bounded), dmtest::within_rel(2.0 / 3.0, 1e-15));
  CHECK(cdf(bounded, 2.5) == 1.0);
  CHECK(pdf(bounded, 2.5) == 0.0);

  // Outside and at the start of the support.
  CHECK(cdf(power, 0.0) == 0.0);
  CHECK(cdf(power, -1.0) == 0.0);
  CHECK(pdf(power, -1.0) == 0.0);
  CHECK(pdf(power, 0.0) == 0.5);
  CHECK(quantile(power, 0.0) == 0.0);
  CHECK(mean(generalized_pareto_distribution(1.0, 1.0)) == std::numeric_limits<double>::infinity());
}

TEST_CASE("GPD density is the derivative of the distribution function; quantile inverts it", "[risk][gpd]") {
  for (double xi : {-0.3, 0.0, 1e-12, 0.4, 1.5}) {
    const generalized_pareto_distribution g(xi, 1.3);
    for (double y : {0.05, 0.7, 2.0}) {
      INFO("xi " << xi << " y " << y);
      const double h = 1e-5 * y;
      const double derivative = (cdf(g, y + h) - cdf(g, y - h)) / (2.0 * h);
      CHECK_THAT(pdf(g, y), dmtest::within_rel(derivative, 1e-7));
    }
    for (double q : {0.0, 0.1, 0.5, 0.9, 0.999}) {
      INFO("xi " << xi << " q " << q);
      CHECK_THAT(cdf(g, quantile(g, q)), dmtest::within_abs(q, 1e-14));
    }
  }
}

TEST_CASE("EVT tail VaR is the threshold plus the GPD quantile", "[risk][gpd][evt]") {
  // 50 excesses of 1000 observations above u = 1.2.
  std::vector<double> excesses;
  for (int i = 1; i <= 50; ++i) excesses.push_back(0.03 * i + 0.001 * i * i);
  const evt_tail_fit fit = fit_tail_from_excesses(excesses, 1.2, 1000);
  const generalized_pareto_distribution g(fit.gpd.parameters.shape, fit.gpd.parameters.scale);
  for (double p : {0.96, 0.99, 0.999}) {
    const double level = 1.0 - 1000.0 / 50.0 * (1.0 - p);
    CHECK_THAT(tail_risk(fit, confidence_level(p)).var, dmtest::within_rel(1.2 + quantile(g, level), 1e-12));
  }
}

TEST_CASE("GPD rejects bad parameters and probabilities", "[risk][gpd]") {
  REQUIRE_THROWS_WITH(generalized_pareto_distribution(0.1, 0.0),
                      "generalized_pareto: scale must be finite and > 0, got 0");
  REQUIRE_THROWS_AS(generalized_pareto_distribution(std::nan(""), 1.0), dynmargin::invalid_argument);
  REQUIRE_THROWS_AS(generalized_pareto_distribution(0.1, std::numeric_limits<double>::infinity()),
                    dynmargin::invalid_argument);
  const generalized_pareto_distribution g(0.2, 1.0);
  REQUIRE_THROWS_WITH(quantile(g, 1.0), "generalized_pareto: q must be in [0, 1), got 1");
  REQUIRE_THROWS_AS(quantile(g, -0.1), dynmargin::invalid_argument);
}
