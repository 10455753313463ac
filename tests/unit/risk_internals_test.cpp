// SPDX-License-Identifier: MIT
// Internals of the parametric risk measure: Cornish-Fisher VaR against the expansion of the
// normal quantile (detail::cornish_fisher_quantile, quantile of standardized_distribution) and its ES against
// numerical quadrature of that quantile function. The closed forms and properties are tested
// through the public API in risk_parametric_test.cpp.
#include <cmath>

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include "catch.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "parametric_support.hpp"
#include "test_data.hpp"

using namespace dynmargin;

using dmtest::make_parametric;

TEST_CASE("Cornish-Fisher: reduces to normal, ES equals quadrature of its quantile", "[risk][parametric]") {
  const auto cf0 = make_parametric(risk_distribution::cornish_fisher, 0.99, 4.0, 0.0, 0.0);
  const auto normal = make_parametric(risk_distribution::normal, 0.99);
  CHECK_THAT(cf0.var_factor(), dmtest::within_rel(normal.var_factor(), 1e-15));
  CHECK_THAT(cf0.es_factor(), dmtest::within_rel(normal.es_factor(), 1e-15));

  // Returns skewness -0.5, excess kurtosis 3 (inside Maillard's domain). The long loss has
  // skewness +0.5. Reference: ES = (1/(1-p)) int_p^1 q_CF(u) du by adaptive Gauss-Kronrod on
  // u (independent of the closed form's partial moments), tolerance 1e-9 relative.
  const double s = -0.5;
  const double k = 3.0;
  for (double p : {0.99, 0.975, 0.95}) {
    const auto cf = make_parametric(risk_distribution::cornish_fisher, p, 4.0, s, k);
    const auto q_loss = [&](double u, double loss_skew) {
      return detail::cornish_fisher_quantile(quantile(standardized_distribution{}, u), loss_skew, k);
    };
    const auto integral = [&](double loss_skew) {
      // Substitute u = 1 - (1-p) e^{-t}, t in [0, inf): du = (1-u) dt, smooth to the tail.
      const auto f = [&](double t) {
        const double tail = (1.0 - p) * std::exp(-t);
        // z = Phi^{-1}(1 - tail) = -Phi^{-1}(tail), exact in the far tail.
        return detail::cornish_fisher_quantile(-quantile(standardized_distribution{}, tail), loss_skew, k) * tail;
      };
      return boost::math::quadrature::gauss_kronrod<double, 61>::integrate(f, 0.0, 200.0, 15, 1e-13) / (1.0 - p);
    };
    CHECK_THAT(cf.var_factor(position_side::long_position), dmtest::within_rel(q_loss(p, -s), 1e-15));
    CHECK_THAT(cf.var_factor(position_side::short_position), dmtest::within_rel(q_loss(p, s), 1e-15));
    CHECK_THAT(cf.es_factor(position_side::long_position), dmtest::within_rel(integral(-s), 1e-9));
    CHECK_THAT(cf.es_factor(position_side::short_position), dmtest::within_rel(integral(s), 1e-9));
    // Negative skew of returns fattens the long side's tail.
    CHECK(cf.var_factor(position_side::long_position) > cf.var_factor(position_side::short_position));
  }
}
