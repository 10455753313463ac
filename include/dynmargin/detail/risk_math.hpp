// SPDX-License-Identifier: MIT
/// @file
/// @brief Boost.Math distributions with dynmargin's explicit policy, and the tail factors of
///        the parametric risk measures (internal).
///
/// Policy: every error (domain, pole, overflow, evaluation) throws; `promote_double<false>`
/// keeps double arithmetic in double (no silent promotion to long double, so results agree
/// across platforms where long double differs). A Boost error escapes as std::domain_error or
/// std::overflow_error; the callers below validate their arguments first so that users see
/// dynmargin's own messages.
#pragma once

#include <cmath>
#include <numbers>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/policies/policy.hpp>

namespace dynmargin::detail {

/// The Boost.Math policy of dynmargin: errors throw, doubles stay doubles.
using risk_math_policy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::throw_on_error>,
    boost::math::policies::pole_error<boost::math::policies::throw_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::throw_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::throw_on_error>,
    boost::math::policies::promote_float<false>, boost::math::policies::promote_double<false>>;

using normal_distribution = boost::math::normal_distribution<double, risk_math_policy>;
using students_t_distribution = boost::math::students_t_distribution<double, risk_math_policy>;

/// Standard normal quantile Phi^{-1}(p).
[[nodiscard]] inline double normal_quantile(double p) { return boost::math::quantile(normal_distribution(0.0, 1.0), p); }
/// Standard normal density phi(z).
[[nodiscard]] inline double normal_density(double z) noexcept {
  return std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
}

/// Tail factors of a standardised (mean 0, variance 1) loss: var = q, es = E[L | L >= q].
struct tail_factors {
  double var = 0.0;
  double es = 0.0;
};

/// Standard normal at confidence p: q = Phi^{-1}(p), ES = phi(q) / (1 - p).
[[nodiscard]] inline tail_factors normal_tail_factors(double p) {
  const double q = normal_quantile(p);
  return {q, normal_density(q) / (1.0 - p)};
}

/// Unit-variance Student t with nu > 2 degrees of freedom at confidence p.
/// With t_p the quantile of the standard t (variance nu / (nu - 2)) and s = sqrt((nu-2)/nu):
/// VaR = s t_p and ES = s f(t_p) (nu + t_p^2) / ((nu - 1)(1 - p)), f the standard t density
/// (McNeil, Frey and Embrechts, Quantitative Risk Management, 2015, example 2.15).
[[nodiscard]] inline tail_factors student_t_tail_factors(double p, double nu) {
  const students_t_distribution t(nu);
  const double q = boost::math::quantile(t, p);
  const double density = boost::math::pdf(t, q);
  const double scale = std::sqrt((nu - 2.0) / nu);
  return {scale * q, scale * density * (nu + q * q) / ((nu - 1.0) * (1.0 - p))};
}

/// Log-density of the unit-variance Student t at z (fGarch's "std" with h = 1).
[[nodiscard]] inline double unit_student_t_log_density(double z, double nu) noexcept {
  return std::lgamma(0.5 * (nu + 1.0)) - std::lgamma(0.5 * nu) - 0.5 * std::log(std::numbers::pi * (nu - 2.0)) -
         0.5 * (nu + 1.0) * std::log1p(z * z / (nu - 2.0));
}

/// Cornish-Fisher quantile of a standardised variable with skewness s and excess kurtosis k
/// at the standard normal quantile z: z + (z^2-1)s/6 + (z^3-3z)k/24 - (2z^3-5z)s^2/36.
[[nodiscard]] constexpr double cornish_fisher_quantile(double z, double s, double k) noexcept {
  const double z2 = z * z;
  return z + (z2 - 1.0) * s / 6.0 + (z2 - 3.0) * z * k / 24.0 - (2.0 * z2 - 5.0) * z * s * s / 36.0;
}

/// Cornish-Fisher loss at confidence p: VaR = CF(z_p) and ES = the exact integral of the CF
/// quantile over the tail, (1/(1-p)) int_{z_p}^inf CF(z) phi(z) dz. With the normal's upper
/// partial moments int_{z}^inf z^j phi = 1-p, phi(z), (1-p) + z phi(z), (z^2 + 2) phi(z) for
/// j = 0..3 the integral is closed:
///   ES = phi(z_p)/(1-p) * [1 + s z_p/6 + k (z_p^2 - 1)/24 - s^2 (2 z_p^2 - 1)/36],
/// s the skewness of the *loss* and k its excess kurtosis.
[[nodiscard]] inline tail_factors cornish_fisher_tail_factors(double p, double loss_skewness, double excess_kurtosis) {
  const double z = normal_quantile(p);
  const double s = loss_skewness;
  const double k = excess_kurtosis;
  const double z2 = z * z;
  const double var = cornish_fisher_quantile(z, s, k);
  const double bracket = 1.0 + s * z / 6.0 + k * (z2 - 1.0) / 24.0 - s * s * (2.0 * z2 - 1.0) / 36.0;
  return {var, normal_density(z) / (1.0 - p) * bracket};
}

}  // namespace dynmargin::detail
