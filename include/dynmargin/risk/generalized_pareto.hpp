// SPDX-License-Identifier: MIT
/// @file
/// @brief The generalised Pareto distribution (GPD) of excesses over a threshold: a value type
///        with Boost.Math-style free functions (`cdf`, `quantile`, `pdf`, `mean`), its
///        log-likelihood with score and Hessian, and its probability-weighted-moment and
///        maximum-likelihood estimators. Peaks over threshold, tail VaR and ES are in
///        dynmargin/risk/evt.hpp.
///
/// Above a high threshold u the excesses y = L - u of a loss L follow, approximately, the
/// generalised Pareto distribution (Pickands-Balkema-de Haan)
///   G(y) = 1 - (1 + xi y / beta)^(-1/xi)    (xi != 0),     G(y) = 1 - exp(-y / beta)   (xi = 0),
/// with support y >= 0 when xi >= 0 and 0 <= y <= -beta/xi when xi < 0. xi > 0 is a power
/// tail with tail index 1/xi (moments of order >= 1/xi are infinite). The quantile is
/// G^{-1}(q) = (beta/xi) ((1 - q)^(-xi) - 1), the density g(y) = (1/beta) (1 + xi y/beta)^(-1/xi - 1)
/// and the mean beta / (1 - xi) for xi < 1. The distribution function, quantile and density
/// go through log1p and expm1 of a = xi y / beta, so that xi -> 0 tends to the exponential
/// smoothly and exactly.
///
/// Fit (`fit_gpd`): maximum likelihood in (xi, beta) by Newton's method with the analytic
/// score and observed information, Levenberg-Marquardt damping and a line search that keeps
/// every iterate inside the support and xi > -1 (below -1 the likelihood is unbounded, Smith
/// 1985). The start is the probability-weighted-moment estimate of Hosking & Wallis (1987),
/// plotting positions p_j = (j - 0.35)/n as in R's evir:
///   a0 = mean(y),  a1 = mean((1 - p_j) y_(j)),  xi = 2 - a0/(a0 - 2 a1),  beta = 2 a0 a1/(a0 - 2 a1),
/// replaced by the exponential fit (xi = 0, beta = mean) when it lies outside the support. Terms
/// with xi -> 0 use series in a = xi y / beta, so the exponential limit is exact and smooth.
/// Standard errors come from the inverse of the observed information at the optimum (they are
/// asymptotically valid for xi > -1/2).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

// ----------------------------------------------------------------------------------------------
// The distribution
// ----------------------------------------------------------------------------------------------

/// @brief The generalised Pareto distribution GPD(xi, beta) of excesses y >= 0: a regular
///        value type with the free functions `cdf`, `quantile`, `pdf` and `mean`, in the style
///        of Boost.Math's distributions.
class generalized_pareto_distribution {
 public:
  /// @brief GPD(0, 1), the standard exponential.
  constexpr generalized_pareto_distribution() noexcept = default;
  /// @brief GPD(shape xi, scale beta).
  /// @throws dynmargin::invalid_argument naming shape when it is not finite, or scale when it
  ///         is not finite and > 0.
  constexpr explicit generalized_pareto_distribution(double shape, double scale = 1.0) : shape_(shape), scale_(scale) {
    if (!detail::is_finite(shape)) throw_invalid_argument("generalized_pareto", "shape", "must be finite", shape);
    if (!(detail::is_finite(scale) && scale > 0.0)) {
      throw_invalid_argument("generalized_pareto", "scale", "must be finite and > 0", scale);
    }
  }
  /// @brief xi: > 0 power tail, 0 exponential, < 0 bounded support.
  [[nodiscard]] constexpr double shape() const noexcept { return shape_; }
  /// @brief beta > 0.
  [[nodiscard]] constexpr double scale() const noexcept { return scale_; }
  friend constexpr bool operator==(const generalized_pareto_distribution&,
                                   const generalized_pareto_distribution&) = default;

 private:
  double shape_ = 0.0;
  double scale_ = 1.0;
};

namespace detail {

// The formulas on bare (xi, beta), shared by the free functions and the deprecated gpd_* ones.
[[nodiscard]] inline double gpd_quantile_of(double shape, double scale, double q) noexcept {
  const double log_tail = std::log1p(-q);  // ln(1 - q) <= 0
  const double x = -shape * log_tail;
  return scale * (-log_tail) * (x == 0.0 ? 1.0 : std::expm1(x) / x);
}

[[nodiscard]] inline double gpd_cdf_of(double shape, double scale, double y) noexcept {
  if (y <= 0.0) return 0.0;
  const double a = shape * y / scale;
  if (1.0 + a <= 0.0) return 1.0;
  const double ratio = a == 0.0 ? 1.0 : std::log1p(a) / a;  // (1/xi) log1p(a) = t * ratio
  return -std::expm1(-(y / scale) * ratio);
}

}  // namespace detail

/// @brief The distribution function G(y): 0 for y <= 0, 1 beyond a bounded support.
[[nodiscard]] inline double cdf(const generalized_pareto_distribution& gpd, double y) noexcept {
  return detail::gpd_cdf_of(gpd.shape(), gpd.scale(), y);
}

/// @brief The quantile: the excess y with G(y) = q.
/// @throws dynmargin::invalid_argument when q is not in [0, 1).
[[nodiscard]] inline double quantile(const generalized_pareto_distribution& gpd, double q) {
  if (!(q >= 0.0 && q < 1.0)) throw_invalid_argument("generalized_pareto", "q", "must be in [0, 1)", q);
  return detail::gpd_quantile_of(gpd.shape(), gpd.scale(), q);
}

/// @brief The density g(y) on the support 0 <= y < y_max (y_max = -beta/xi for xi < 0,
///        infinite otherwise); 0 outside it.
[[nodiscard]] inline double pdf(const generalized_pareto_distribution& gpd, double y) noexcept {
  if (y < 0.0) return 0.0;
  const double t = y / gpd.scale();
  const double a = gpd.shape() * t;
  if (1.0 + a <= 0.0) return 0.0;
  const double log1p_a = std::log1p(a);
  const double ratio = a == 0.0 ? 1.0 : log1p_a / a;  // (1/xi + 1) log1p(a) = t * ratio + log1p(a)
  return std::exp(-(t * ratio + log1p_a)) / gpd.scale();
}

/// @brief The mean beta / (1 - xi); +infinity for xi >= 1.
[[nodiscard]] inline double mean(const generalized_pareto_distribution& gpd) noexcept {
  return gpd.shape() < 1.0 ? gpd.scale() / (1.0 - gpd.shape()) : std::numeric_limits<double>::infinity();
}

// ----------------------------------------------------------------------------------------------
// Likelihood and estimators
// ----------------------------------------------------------------------------------------------

/// @brief Shape xi and scale beta of a generalised Pareto distribution of excesses.
struct gpd_parameters {
  double shape = 0.0;  ///< xi: > 0 power tail, 0 exponential, < 0 bounded support
  double scale = 1.0;  ///< beta > 0
  friend bool operator==(const gpd_parameters&, const gpd_parameters&) = default;
};

/// @brief A maximum-likelihood GPD fit with its standard errors.
struct gpd_fit {
  gpd_parameters parameters{};
  double shape_standard_error = 0.0;  ///< sqrt of the (xi, xi) entry of the inverse observed information
  double scale_standard_error = 0.0;  ///< sqrt of the (beta, beta) entry
  double shape_scale_covariance = 0.0;
  double log_likelihood = 0.0;  ///< maximised log-likelihood of the excesses
  std::int64_t excesses = 0;    ///< number of excesses fitted
  std::int64_t iterations = 0;  ///< Newton iterations used
  friend bool operator==(const gpd_fit&, const gpd_fit&) = default;
};

/// @brief Log-likelihood, score and Hessian of the GPD at (xi, beta) over a set of excesses.
struct gpd_likelihood {
  bool feasible = false;  ///< false when an excess lies outside the support (or beta <= 0)
  double log_likelihood = -std::numeric_limits<double>::infinity();
  std::array<double, 2> score{};    ///< (d/dxi, d/dbeta)
  std::array<double, 3> hessian{};  ///< (d2/dxi2, d2/dxi dbeta, d2/dbeta2)
};

namespace detail {

/// h(a) = (log1p(a) - a/(1+a)) / a^2 = sum_k (-1)^k (k+1)/(k+2) a^k, and its derivative.
/// The series avoids the cancellation of the closed form near a = 0 (xi -> 0).
struct gpd_h_terms {
  double h;
  double h_prime;
};

// Coefficients of the series of h and h' (|a| < 0.1: 22 terms, truncation below 1e-20).
inline constexpr int gpd_series_terms = 22;
[[nodiscard]] consteval std::array<double, gpd_series_terms> gpd_h_coefficients() {
  std::array<double, gpd_series_terms> c{};
  for (int k = 0; k < gpd_series_terms; ++k) {
    const double kk = static_cast<double>(k);
    c[static_cast<std::size_t>(k)] = (k % 2 == 0 ? 1.0 : -1.0) * (kk + 1.0) / (kk + 2.0);
  }
  return c;
}
[[nodiscard]] consteval std::array<double, gpd_series_terms> gpd_h_prime_coefficients() {
  std::array<double, gpd_series_terms> c{};  // coefficient of a^(k-1) for k = 1..terms
  for (int k = 1; k <= gpd_series_terms; ++k) {
    const double kk = static_cast<double>(k);
    c[static_cast<std::size_t>(k - 1)] = (k % 2 == 0 ? 1.0 : -1.0) * kk * (kk + 1.0) / (kk + 2.0);
  }
  return c;
}
inline constexpr auto gpd_h_series = gpd_h_coefficients();
inline constexpr auto gpd_h_prime_series = gpd_h_prime_coefficients();

[[nodiscard]] inline gpd_h_terms gpd_h(double a, double log1p_a, double inverse) noexcept {
  if (std::abs(a) < 0.1) {
    double h = 0.0;
    double hp = 0.0;
    for (std::size_t k = gpd_series_terms; k-- > 0;) {
      h = h * a + gpd_h_series[k];
      hp = hp * a + gpd_h_prime_series[k];
    }
    return {h, hp};
  }
  const double h = (log1p_a - a * inverse) / (a * a);
  const double hp = (inverse * inverse - 2.0 * h) / a;
  return {h, hp};
}

}  // namespace detail

/// @brief Log-likelihood of GPD(xi, beta) for the excesses y (all >= 0), with its score and,
///        when `with_hessian`, its Hessian; `feasible` is false outside the parameter space
///        (beta <= 0, or some 1 + xi y/beta <= 0). noexcept, no allocation.
[[nodiscard]] inline gpd_likelihood gpd_log_likelihood(std::span<const double> excesses, double shape, double scale,
                                                       bool with_hessian = true) noexcept {
  gpd_likelihood out;
  if (!(scale > 0.0) || !std::isfinite(shape) || !std::isfinite(scale)) return out;
  const double n = static_cast<double>(excesses.size());
  double sum_log = 0.0;
  double score_shape = 0.0;
  double sum_beta = 0.0;  // sum (xi+1) t/(1+a)
  double h_shape = 0.0;   // sum t^3 h'(a) + t^2/(1+a)^2
  double h_cross = 0.0;   // sum t/(1+a) - (xi+1) t^2/(1+a)^2
  double h_scale = 0.0;   // sum (xi+1) (t/(1+a) + t/(1+a)^2)
  for (const double y : excesses) {
    const double t = y / scale;
    const double a = shape * t;
    const double one_plus_a = 1.0 + a;
    if (!(one_plus_a > 0.0)) return out;
    const double l1p = std::log1p(a);
    const double inverse = 1.0 / one_plus_a;
    // (1 + 1/xi) log1p(a) = log1p(a) + t log1p(a)/a, with log1p(a)/a -> 1 at a = 0.
    const double ratio = a == 0.0 ? 1.0 : l1p / a;
    sum_log += l1p + t * ratio;
    const auto hh = detail::gpd_h(a, l1p, inverse);
    score_shape += t * t * hh.h - t * inverse;
    sum_beta += (shape + 1.0) * t * inverse;
    if (with_hessian) {
      const double inv2 = inverse * inverse;
      h_shape += t * t * t * hh.h_prime + t * t * inv2;
      h_cross += t * inverse - (shape + 1.0) * t * t * inv2;
      h_scale += (shape + 1.0) * (t * inverse + t * inv2);
    }
  }
  out.feasible = true;
  out.log_likelihood = -n * std::log(scale) - sum_log;
  out.score = {score_shape, (sum_beta - n) / scale};
  if (with_hessian) out.hessian = {h_shape, h_cross / scale, (n - h_scale) / (scale * scale)};
  return out;
}

/// @brief Probability-weighted-moment estimate of Hosking & Wallis (1987) from excesses
///        sorted in ascending order (plotting positions (j - 0.35)/n, as evir's `gpd(method = "pwm")`).
///        Returns shape NaN when fewer than 2 excesses or a0 <= 2 a1 (callers validate first).
[[nodiscard]] inline gpd_parameters gpd_pwm_estimate_sorted(std::span<const double> sorted_excesses) noexcept {
  const std::size_t n = sorted_excesses.size();
  if (n < 2) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  const double nn = static_cast<double>(n);
  double a0 = 0.0;
  double a1 = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    const double y = sorted_excesses[j];
    a0 += y;
    a1 += (1.0 - (static_cast<double>(j + 1) - 0.35) / nn) * y;
  }
  a0 /= nn;
  a1 /= nn;
  const double denominator = a0 - 2.0 * a1;
  if (!(denominator > 0.0)) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  return {2.0 - a0 / denominator, 2.0 * a0 * a1 / denominator};
}

/// @brief The PWM estimate of unsorted excesses (copies and sorts).
/// @throws dynmargin::invalid_argument with fewer than 2 excesses, a negative or non-finite
///         excess, or a sample whose PWM denominator a0 - 2 a1 is not positive (all zero).
[[nodiscard]] inline gpd_parameters gpd_pwm_estimate(std::span<const double> excesses) {
  if (excesses.size() < 2)
    throw_invalid_argument("gpd_pwm_estimate", "excesses", "must hold at least 2 values", excesses.size());
  std::vector<double> sorted(excesses.begin(), excesses.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (!(std::isfinite(sorted[i]) && sorted[i] >= 0.0)) {
      throw_invalid_argument("gpd_pwm_estimate", "excess at index " + std::to_string(i), "must be finite and >= 0",
                             sorted[i]);
    }
  }
  std::sort(sorted.begin(), sorted.end());
  const auto estimate = gpd_pwm_estimate_sorted(sorted);
  if (!std::isfinite(estimate.shape)) {
    throw_invalid_argument("gpd_pwm_estimate", "excesses", "must not all be zero", sorted.back());
  }
  return estimate;
}

/// @brief Maximum-likelihood GPD fit of excesses sorted ascending; the non-throwing core.
///
/// noexcept and allocation-free. Returns `status::not_enough_data` for fewer than 3 excesses,
/// `status::non_finite_input` / `status::invalid_argument` for a NaN or negative excess,
/// `status::no_convergence` when Newton's method does not reach a strict maximum with xi > -1
/// within 200 iterations; `out` is written only on `status::ok`.
[[nodiscard]] inline status fit_gpd_sorted(std::span<const double> sorted_excesses, gpd_fit& out) noexcept {
  const std::size_t count = sorted_excesses.size();
  if (count < 3) return status::not_enough_data;
  for (const double y : sorted_excesses) {
    if (!std::isfinite(y)) return status::non_finite_input;
    if (y < 0.0) return status::invalid_argument;
  }
  const double y_max = sorted_excesses.back();
  if (!(y_max > 0.0)) return status::invalid_argument;  // all excesses zero: no scale
  const double n = static_cast<double>(count);
  double mean = 0.0;
  for (const double y : sorted_excesses) mean += y;
  mean /= n;

  // Inside the parameter space: beta > 0, xi > -1, 1 + xi y_max / beta > 0.
  const auto inside = [y_max](double xi, double beta) {
    return beta > 0.0 && xi > -1.0 && std::isfinite(xi) && std::isfinite(beta) && 1.0 + xi * y_max / beta > 0.0;
  };

  double xi = 0.0;
  double beta = mean;
  const gpd_parameters pwm = gpd_pwm_estimate_sorted(sorted_excesses);
  if (std::isfinite(pwm.shape) && std::isfinite(pwm.scale) && pwm.shape > -0.9 && inside(pwm.shape, pwm.scale)) {
    xi = pwm.shape;
    beta = pwm.scale;
  }
  gpd_likelihood current = gpd_log_likelihood(sorted_excesses, xi, beta, true);
  if (!current.feasible) return status::no_convergence;

  double lambda = 0.0;  // Levenberg-Marquardt damping
  constexpr std::int64_t max_iterations = 200;
  std::int64_t iterations = 0;
  bool converged = false;
  for (;;) {
    const double g0 = current.score[0];
    const double g1 = current.score[1];
    // Converged when the score, in units of the log-likelihood (d/dxi, beta d/dbeta), is
    // negligible against the n terms of the sum.
    if (std::abs(g0) + std::abs(g1) * beta <= 1e-9 * n) {
      converged = true;
      break;
    }
    if (iterations == max_iterations) break;
    ++iterations;
    // Solve (-H + lambda D) step = g with D = diag(|H|) (2x2, by Cramer's rule).
    const double a11 = -current.hessian[0];
    const double a12 = -current.hessian[1];
    const double a22 = -current.hessian[2];
    const double d1 = std::max(std::abs(a11), 1e-300);
    const double d2 = std::max(std::abs(a22), 1e-300);
    bool accepted = false;
    bool tiny_step = false;
    for (int attempt = 0; attempt < 60 && !accepted; ++attempt) {
      const double m11 = a11 + lambda * d1;
      const double m22 = a22 + lambda * d2;
      const double det = m11 * m22 - a12 * a12;
      if (m11 > 0.0 && m22 > 0.0 && det > 0.0) {
        const double step_xi = (m22 * g0 - a12 * g1) / det;
        const double step_beta = (m11 * g1 - a12 * g0) / det;
        const double new_xi = xi + step_xi;
        const double new_beta = beta + step_beta;
        if (inside(new_xi, new_beta)) {
          const gpd_likelihood trial = gpd_log_likelihood(sorted_excesses, new_xi, new_beta, true);
          if (trial.feasible &&
              trial.log_likelihood >= current.log_likelihood - 1e-13 * std::abs(current.log_likelihood)) {
            tiny_step = std::abs(step_xi) <= 1e-15 * (1.0 + std::abs(xi)) && std::abs(step_beta) <= 1e-15 * beta;
            xi = new_xi;
            beta = new_beta;
            current = trial;
            accepted = true;
            lambda = lambda < 1e-6 ? 0.0 : lambda * 0.1;
            break;
          }
        }
      }
      lambda = lambda == 0.0 ? 1e-4 : lambda * 10.0;
    }
    if (!accepted) break;
    if (tiny_step) {
      // No further progress is possible in double precision: accept if the score is small.
      converged = std::abs(current.score[0]) + std::abs(current.score[1]) * beta <= 1e-6 * n;
      break;
    }
  }
  if (!converged) return status::no_convergence;

  const double i11 = -current.hessian[0];
  const double i12 = -current.hessian[1];
  const double i22 = -current.hessian[2];
  const double det = i11 * i22 - i12 * i12;
  if (!(i11 > 0.0 && i22 > 0.0 && det > 0.0)) return status::no_convergence;  // not a strict maximum
  out.parameters = {xi, beta};
  out.shape_standard_error = std::sqrt(i22 / det);
  out.scale_standard_error = std::sqrt(i11 / det);
  out.shape_scale_covariance = -i12 / det;
  out.log_likelihood = current.log_likelihood;
  out.excesses = static_cast<std::int64_t>(count);
  out.iterations = iterations;
  return status::ok;
}

/// @brief Maximum-likelihood GPD fit of excesses over a threshold (any order).
/// @throws dynmargin::invalid_argument for fewer than 3 excesses, a NaN or negative excess, or
///         all excesses zero; dynmargin::evaluation_error when the likelihood has no strict
///         maximum with xi > -1 (for example a sample cut off sharply, xi < -1).
[[nodiscard]] inline gpd_fit fit_gpd(std::span<const double> excesses) {
  std::vector<double> sorted(excesses.begin(), excesses.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (!(std::isfinite(sorted[i]) && sorted[i] >= 0.0)) {
      throw_invalid_argument("fit_gpd", "excess at index " + std::to_string(i), "must be finite and >= 0", sorted[i]);
    }
  }
  if (sorted.size() < 3) throw_invalid_argument("fit_gpd", "excesses", "must hold at least 3 values", sorted.size());
  std::sort(sorted.begin(), sorted.end());
  gpd_fit fit;
  const status s = fit_gpd_sorted(sorted, fit);
  if (s == status::invalid_argument) throw_invalid_argument("fit_gpd", "excesses", "must not all be zero", 0);
  if (s != status::ok) {
    throw_evaluation_error("fit_gpd", "maximum likelihood found no strict maximum with xi > -1 for " +
                                          std::to_string(sorted.size()) + " excesses");
  }
  return fit;
}

/// @brief GPD quantile: the excess y with G(y) = q, for q in [0, 1) (unchecked).
/// @deprecated Use `quantile(generalized_pareto_distribution(xi, beta), q)`.
[[nodiscard, deprecated("use quantile(generalized_pareto_distribution(xi, beta), q)")]] inline double gpd_quantile(
    const gpd_parameters& gpd, double q) noexcept {
  return detail::gpd_quantile_of(gpd.shape, gpd.scale, q);
}

/// @brief GPD distribution function G(y) for y >= 0 (1 beyond a bounded support).
/// @deprecated Use `cdf(generalized_pareto_distribution(xi, beta), y)`.
[[nodiscard, deprecated("use cdf(generalized_pareto_distribution(xi, beta), y)")]] inline double gpd_cdf(
    const gpd_parameters& gpd, double y) noexcept {
  return detail::gpd_cdf_of(gpd.shape, gpd.scale, y);
}

}  // namespace dynmargin
