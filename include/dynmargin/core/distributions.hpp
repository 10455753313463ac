// SPDX-License-Identifier: MIT
/// @file
/// @brief The standardised distributions of dynmargin: the shape enum, and the quantile,
///        density and tail risk (VaR, ES) of a mean-0, variance-1 normal or Student t.
///
/// Every layer models a standardised variable Z the same way (innovations of a GARCH model,
/// the return of a parametric risk measure, simulated Monte Carlo shocks, the predictive loss
/// of an ES backtest), so the shape and its mathematics live here once:
///  - normal: the standard normal;
///  - student_t: a Student t with nu > 2 degrees of freedom rescaled to unit variance,
///    Z = s T with T standard t_nu and s = sqrt((nu - 2) / nu), so that a volatility stays a
///    standard deviation (fGarch's "std", RiskMetrics' fat-tailed variant, the GARCH-t
///    convention).
///
/// Tail risk of the loss Z at confidence p (McNeil, Frey and Embrechts, Quantitative Risk
/// Management, 2nd ed., 2015, eq. 2.24 and example 2.15): with q the quantile of the standard
/// distribution and f its density,
///  - normal:    VaR = Phi^{-1}(p),  ES = phi(VaR) / (1 - p);
///  - student_t: VaR = s t_p,        ES = s f_nu(t_p) (nu + t_p^2) / ((nu - 1)(1 - p)).
///
/// Quantiles come from Boost.Math with dynmargin's policy (core/math_policy.hpp); arguments are
/// validated first, so a bad one throws `dynmargin::invalid_argument` naming it.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string_view>

#include <boost/math/distributions/complement.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/math_policy.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief Shape of a standardised (mean 0, variance 1) distribution.
enum class distribution_shape : std::uint8_t {
  normal,     ///< standard normal
  student_t,  ///< Student t with nu > 2 degrees of freedom rescaled to unit variance, as fGarch's "std"
};

/// @brief Short stable names, for logs, JSON and the command line: "normal" and "t".
[[nodiscard]] constexpr std::string_view to_string(distribution_shape shape) noexcept {
  return shape == distribution_shape::normal ? "normal" : "t";
}

/// @brief A standardised distribution: its shape and, for `student_t`, its degrees of freedom.
struct standardized_distribution {
  distribution_shape shape = distribution_shape::normal;
  double degrees_of_freedom = 0.0;  ///< nu, finite and > 2 (student_t only)
};

/// @brief VaR and ES of a standardised loss at a confidence level.
struct standardized_tail {
  double var = 0.0;
  double es = 0.0;
};

namespace detail {

using normal_distribution = boost::math::normal_distribution<double, math_policy>;
/// The *standard* Student t (variance nu / (nu - 2)) of Boost.Math.
using students_t_distribution = boost::math::students_t_distribution<double, math_policy>;

/// @throws dynmargin::invalid_argument naming degrees_of_freedom for a student_t with nu <= 2.
inline void check_standardized(const standardized_distribution& distribution, std::string_view component) {
  if (distribution.shape == distribution_shape::student_t &&
      !(std::isfinite(distribution.degrees_of_freedom) && distribution.degrees_of_freedom > 2.0)) {
    throw_invalid_argument(component, "degrees_of_freedom", "must be finite and > 2", distribution.degrees_of_freedom);
  }
}

inline void check_open_probability(double p, std::string_view component, std::string_view name) {
  if (!(p > 0.0 && p < 1.0)) throw_invalid_argument(component, name, "must be in (0, 1)", p);
}

/// s = sqrt((nu - 2) / nu): the standard t times s has unit variance.
[[nodiscard]] inline double unit_variance_scale(double nu) noexcept { return std::sqrt((nu - 2.0) / nu); }

}  // namespace detail

/// @brief The quantile z with P(Z <= z) = p.
/// @throws dynmargin::invalid_argument when p is not in (0, 1) or nu <= 2.
[[nodiscard]] inline double quantile(const standardized_distribution& distribution, double p) {
  constexpr std::string_view component = "standardized_distribution";
  detail::check_standardized(distribution, component);
  detail::check_open_probability(p, component, "p");
  if (distribution.shape == distribution_shape::normal) {
    return detail::boost_call(component, "normal quantile",
                              [&] { return boost::math::quantile(detail::normal_distribution(0.0, 1.0), p); });
  }
  const double nu = distribution.degrees_of_freedom;
  return detail::unit_variance_scale(nu) * detail::boost_call(component, "Student t quantile", [&] {
           return boost::math::quantile(detail::students_t_distribution(nu), p);
         });
}

/// @brief The upper quantile z with P(Z > z) = q, computed from q itself (no 1 - q), so that
///        it stays accurate for a tiny q.
/// @throws dynmargin::invalid_argument when q is not in (0, 1) or nu <= 2.
[[nodiscard]] inline double upper_quantile(const standardized_distribution& distribution, double q) {
  constexpr std::string_view component = "standardized_distribution";
  detail::check_standardized(distribution, component);
  detail::check_open_probability(q, component, "q");
  if (distribution.shape == distribution_shape::normal) {
    return detail::boost_call(component, "normal quantile", [&] {
      return boost::math::quantile(boost::math::complement(detail::normal_distribution(0.0, 1.0), q));
    });
  }
  const double nu = distribution.degrees_of_freedom;
  return detail::unit_variance_scale(nu) * detail::boost_call(component, "Student t quantile", [&] {
           return boost::math::quantile(boost::math::complement(detail::students_t_distribution(nu), q));
         });
}

/// @brief The density of Z at z.
/// @throws dynmargin::invalid_argument when nu <= 2.
[[nodiscard]] inline double pdf(const standardized_distribution& distribution, double z) {
  constexpr std::string_view component = "standardized_distribution";
  detail::check_standardized(distribution, component);
  if (distribution.shape == distribution_shape::normal)
    return std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
  const double nu = distribution.degrees_of_freedom;
  const double s = detail::unit_variance_scale(nu);
  return detail::boost_call(component, "Student t density",
                            [&] { return boost::math::pdf(detail::students_t_distribution(nu), z / s); }) /
         s;
}

/// @brief The log-density of Z at z; for student_t in closed form with std::lgamma, as
///        fGarch's `dstd` with unit scale:
///        lgamma((nu+1)/2) - lgamma(nu/2) - log(pi (nu-2))/2 - (nu+1)/2 log(1 + z^2/(nu-2)).
/// @throws dynmargin::invalid_argument when nu <= 2.
[[nodiscard]] inline double log_pdf(const standardized_distribution& distribution, double z) {
  detail::check_standardized(distribution, "standardized_distribution");
  if (distribution.shape == distribution_shape::normal) return -0.5 * z * z - 0.5 * std::log(2.0 * std::numbers::pi);
  const double nu = distribution.degrees_of_freedom;
  return std::lgamma(0.5 * (nu + 1.0)) - std::lgamma(0.5 * nu) - 0.5 * std::log(std::numbers::pi * (nu - 2.0)) -
         0.5 * (nu + 1.0) * std::log1p(z * z / (nu - 2.0));
}

/// @brief VaR and ES of the standardised loss Z at `coverage` (see the file comment).
/// @throws dynmargin::invalid_argument on degrees of freedom <= 2.
[[nodiscard]] inline standardized_tail standardized_tail_risk(const standardized_distribution& distribution,
                                                              confidence_level coverage) {
  constexpr std::string_view component = "standardized_tail_risk";
  detail::check_standardized(distribution, component);
  const double p = coverage.value();
  const double alpha = coverage.tail();
  if (distribution.shape == distribution_shape::normal) {
    const double q = detail::boost_call(component, "normal quantile", [&] {
      return boost::math::quantile(detail::normal_distribution(0.0, 1.0), p);
    });
    return {q, std::exp(-0.5 * q * q) / std::sqrt(2.0 * std::numbers::pi) / alpha};
  }
  const double nu = distribution.degrees_of_freedom;
  const detail::students_t_distribution t(nu);
  const double q = detail::boost_call(component, "Student t quantile", [&] { return boost::math::quantile(t, p); });
  const double density = detail::boost_call(component, "Student t density", [&] { return boost::math::pdf(t, q); });
  const double s = detail::unit_variance_scale(nu);
  return {s * q, s * density * (nu + q * q) / ((nu - 1.0) * alpha)};
}

}  // namespace dynmargin
