// SPDX-License-Identifier: MIT
/// @file
/// @brief Numerical helpers of the coverage tests (internal): log-space likelihood terms that
///        treat empty cells as `0 * log 0 = 0`, and chi-square and binomial tail probabilities
///        with Boost errors turned into dynmargin errors.
///
/// Likelihood-ratio backtests (Kupiec 1995, Christoffersen 1998) are sums of terms
/// `n * log(a / b)` over counts; written as `n * (log a - log b)` and skipped when n = 0
/// they stay finite with zero exceptions or empty transition cells, where the textbook
/// product form `(1 - p)^(T - x) p^x` underflows or evaluates `0^0`.
// IWYU pragma: private, include "dynmargin/backtest/coverage.hpp"
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/complement.hpp>

#include "dynmargin/core/math_policy.hpp"

namespace dynmargin::detail {

/// `n * log(numerator / denominator)` in log space, 0 when n == 0 (the `0 * log 0 = 0`
/// convention of multinomial likelihoods).
[[nodiscard]] inline double xlog_ratio(double n, double numerator, double denominator) noexcept {
  if (n == 0.0) return 0.0;
  return n * (std::log(numerator) - std::log(denominator));
}

/// Upper tail P(X > x) of a chi-square with `dof` degrees of freedom; 1 for x <= 0.
[[nodiscard]] inline double chi_squared_upper_tail(double x, double dof, std::string_view component) {
  if (!(x > 0.0)) return 1.0;
  return boost_call(component, "chi-square p-value", [&] {
    const boost::math::chi_squared_distribution<double, math_policy> dist(dof);
    return boost::math::cdf(boost::math::complement(dist, x));
  });
}

/// P(X <= x) for X ~ Binomial(n, p).
[[nodiscard]] inline double binomial_cdf(std::size_t x, std::size_t n, double p, std::string_view component) {
  if (x >= n) return 1.0;
  return boost_call(component, "binomial probability", [&] {
    const boost::math::binomial_distribution<double, math_policy> dist(static_cast<double>(n), p);
    return boost::math::cdf(dist, static_cast<double>(x));
  });
}

/// Clamps a likelihood ratio that rounding made slightly negative to 0.
[[nodiscard]] inline double non_negative(double lr) noexcept { return lr > 0.0 ? lr : 0.0; }

}  // namespace dynmargin::detail
