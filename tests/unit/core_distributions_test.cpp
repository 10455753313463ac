// SPDX-License-Identifier: MIT
// Standardised distributions (dynmargin/core/distributions.hpp): quantiles and densities of
// the normal and the unit-variance Student t against closed forms, the unit variance itself by
// quadrature, the tail ES as the tail mean of the quantile, and bad input.
#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include "catch.hpp"
#include "dynmargin/core/distributions.hpp"
#include "dynmargin/core/math_policy.hpp"

using namespace dynmargin;

static_assert(to_string(distribution_shape::normal) == "normal");
static_assert(to_string(distribution_shape::student_t) == "t");
static_assert(!math_policy::promote_double_type::value, "doubles stay doubles");

namespace {

// Student t with 4 degrees of freedom has a closed-form quantile (Shaw 2006):
// t = sign(p - 1/2) 2 sqrt(q - 1), q = cos(arccos(sqrt(a)) / 3) / sqrt(a), a = 4 p (1 - p);
// and density 3/8 (1 + t^2/4)^(-5/2). Unit variance: Z = T sqrt(2/4).
double t4_quantile(double p) {
  const double a = 4.0 * p * (1.0 - p);
  const double q = std::cos(std::acos(std::sqrt(a)) / 3.0) / std::sqrt(a);
  return (p < 0.5 ? -2.0 : 2.0) * std::sqrt(q - 1.0);
}
double t4_density(double t) { return 0.375 * std::pow(1.0 + 0.25 * t * t, -2.5); }

}  // namespace

TEST_CASE("Normal quantile and density against closed forms", "[core][distributions]") {
  const standardized_distribution normal{};
  // mpmath: sqrt(2) erfinv(2 * 0.975 - 1) = 1.9599639845400539 for the double nearest 0.975.
  CHECK_THAT(quantile(normal, 0.975), dmtest::within_rel(1.9599639845400539, 1e-15));
  CHECK_THAT(quantile(normal, 0.025), dmtest::within_rel(-1.9599639845400539, 1e-15));
  CHECK_THAT(upper_quantile(normal, 0.025), dmtest::within_rel(1.9599639845400539, 1e-15));
  // Far in the tail the upper quantile needs no 1 - q (mpmath: findroot of erfc(z/sqrt 2)/2 = q).
  CHECK_THAT(upper_quantile(normal, 1.1e-16), dmtest::within_rel(8.2106468816270013, 1e-13));
  CHECK_THAT(pdf(normal, 0.0), dmtest::within_rel(1.0 / std::sqrt(2.0 * std::numbers::pi), 1e-15));
  CHECK_THAT(pdf(normal, 1.5), dmtest::within_rel(std::exp(-1.125) / std::sqrt(2.0 * std::numbers::pi), 1e-15));
  for (double z : {-3.0, -0.2, 0.0, 1.0, 4.5})
    CHECK_THAT(log_pdf(normal, z), dmtest::within_abs(std::log(pdf(normal, z)), 1e-14));
}

TEST_CASE("Unit-variance Student t quantile and density against the closed form at nu = 4", "[core][distributions]") {
  const standardized_distribution t4{distribution_shape::student_t, 4.0};
  const double s = std::sqrt(0.5);
  for (double p : {0.001, 0.05, 0.3, 0.5001, 0.9, 0.99, 0.999}) {
    INFO("p " << p);
    CHECK_THAT(quantile(t4, p), dmtest::within_rel(s * t4_quantile(p), 1e-13));
    CHECK_THAT(upper_quantile(t4, 1.0 - p), dmtest::within_rel(s * t4_quantile(p), 1e-12));
    CHECK(upper_quantile(t4, p) == -quantile(t4, p));
  }
  for (double z : {-6.0, -1.0, 0.0, 0.3, 2.5, 10.0}) {
    INFO("z " << z);
    CHECK_THAT(pdf(t4, z), dmtest::within_rel(t4_density(z / s) / s, 1e-13));
    CHECK_THAT(log_pdf(t4, z), dmtest::within_abs(std::log(t4_density(z / s) / s), 1e-13));
  }
}

TEST_CASE("The Student t has mass 1 and variance 1", "[core][distributions]") {
  constexpr double inf = std::numeric_limits<double>::infinity();
  for (double nu : {2.5, 5.0, 30.0}) {
    INFO("nu " << nu);
    const standardized_distribution t{distribution_shape::student_t, nu};
    const auto mass = [&](double z) { return pdf(t, z); };
    const auto second = [&](double z) { return z * z * pdf(t, z); };
    CHECK_THAT((boost::math::quadrature::gauss_kronrod<double, 61>::integrate(mass, -inf, inf, 15, 1e-12)),
               dmtest::within_rel(1.0, 1e-9));
    // nu = 2.5 has a heavy z^2 f(z) ~ z^-3.5 tail: a looser tolerance.
    CHECK_THAT((boost::math::quadrature::gauss_kronrod<double, 61>::integrate(second, -inf, inf, 15, 1e-12)),
               dmtest::within_rel(1.0, nu < 3.0 ? 1e-4 : 1e-8));
  }
}

TEST_CASE("Standardised tail: VaR is the quantile, ES the tail mean of the quantile", "[core][distributions]") {
  for (const standardized_distribution d :
       {standardized_distribution{}, standardized_distribution{distribution_shape::student_t, 3.5}}) {
    for (double p : {0.95, 0.99, 0.999}) {
      INFO("shape " << to_string(d.shape) << " p " << p);
      const auto tail = standardized_tail_risk(d, confidence_level(p));
      CHECK(tail.var == quantile(d, p));
      // ES = (1/(1-p)) int_p^1 q(u) du; u = 1 - (1-p) e^{-t}, du = (1-u) dt.
      const auto f = [&](double t) {
        const double upper = (1.0 - p) * std::exp(-t);
        return upper_quantile(d, upper) * upper;
      };
      const double es = boost::math::quadrature::gauss_kronrod<double, 61>::integrate(f, 0.0, 200.0, 15, 1e-13) /
                        (1.0 - p);
      CHECK_THAT(tail.es, dmtest::within_rel(es, 1e-9));
    }
  }
}

TEST_CASE("Standardised distributions reject bad arguments", "[core][distributions]") {
  const standardized_distribution t2{distribution_shape::student_t, 2.0};
  REQUIRE_THROWS_WITH(quantile(t2, 0.5), "standardized_distribution: degrees_of_freedom must be finite and > 2, got 2");
  REQUIRE_THROWS_AS(pdf({distribution_shape::student_t, std::nan("")}, 0.0), dynmargin::invalid_argument);
  REQUIRE_THROWS_AS(log_pdf(t2, 0.0), dynmargin::invalid_argument);
  REQUIRE_THROWS_AS(upper_quantile(t2, 0.5), dynmargin::invalid_argument);
  REQUIRE_THROWS_WITH(quantile(standardized_distribution{}, 1.0),
                      "standardized_distribution: p must be in (0, 1), got 1");
  REQUIRE_THROWS_WITH(upper_quantile(standardized_distribution{}, 0.0),
                      "standardized_distribution: q must be in (0, 1), got 0");
  // The normal ignores degrees_of_freedom.
  CHECK(quantile({distribution_shape::normal, 1.0}, 0.5) == 0.0);
}
