// SPDX-License-Identifier: MIT
/// @file
/// @brief The GARCH(1,1) / GJR-GARCH(1,1) log-likelihood with its analytic gradient (reverse
///        mode through the variance recursion) and per-observation scores (forward mode).
///
/// Conventions are fGarch's (tests/data/REFERENCE.md): residuals z_t = x_t - mu for all t,
/// the sum over all n observations including t = 1, normal density with its log(2 pi)
/// constant, unit-variance Student t
///   log f = lgamma((nu+1)/2) - lgamma(nu/2) - log(pi (nu-2))/2 - log(h)/2
///           - (nu+1)/2 log(1 + z^2 / ((nu-2) h)).
/// The first variance follows `garch_start`; its derivatives (including d h_1 / d mu through
/// mean(z^2) around the current mu) enter the gradient.
///
/// One evaluation makes three passes over preallocated buffers and allocates nothing:
///  1. the variance recursion h_t = omega + (alpha + gamma 1{z<0}) z_{t-1}^2 + beta h_{t-1}
///     (serial);
///  2. the log-density terms and dl_t/dh_t (vectorised by Eigen, including the logarithms);
///  3. the adjoint recursion lambda_t = dl_t/dh_t + beta lambda_{t+1} = dL/dh_t (serial), which
///     accumulates dL/dtheta = sum_t lambda_t dh_t/dtheta|direct (Griewank and Walther,
///     "Evaluating Derivatives", reverse mode).
// IWYU pragma: private, include "dynmargin/volatility/garch_fit.hpp"
#pragma once

// GCC PR 105593 (false -Wmaybe-uninitialized in Eigen): silenced for the code this header
// pulls in, restored at its end (detail/diagnostics.hpp).
#include "dynmargin/detail/diagnostics.hpp"
DYNMARGIN_SUPPRESS_GCC_105593_BEGIN

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <span>
#include <vector>

#include <Eigen/Core>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "dynmargin/core/distributions.hpp"
#include "dynmargin/core/math_policy.hpp"
#include "dynmargin/volatility/garch.hpp"

namespace dynmargin::detail {

/// Positions in the full parameter vector (mu, omega, alpha, gamma, beta, nu).
enum garch_index : std::size_t {
  garch_mu = 0,
  garch_omega = 1,
  garch_alpha = 2,
  garch_gamma = 3,
  garch_beta = 4,
  garch_nu = 5
};
inline constexpr std::size_t garch_full_size = 6;
using garch_vector = std::array<double, garch_full_size>;
using garch_matrix = Eigen::Matrix<double, 6, 6>;

[[nodiscard]] inline garch_vector to_vector(const garch_parameters& p) noexcept {
  return {p.mu, p.omega, p.alpha, p.gamma, p.beta, p.nu};
}
[[nodiscard]] inline garch_parameters to_parameters(const garch_vector& v) noexcept {
  return {v[garch_mu], v[garch_omega], v[garch_alpha], v[garch_gamma], v[garch_beta], v[garch_nu]};
}

/// h_1 and its partial derivatives with respect to the full parameter vector.
struct garch_start_value {
  double h1 = 0.0;
  garch_vector partials{};
};

/// Log-likelihood, gradient and scores of one data set under one model specification.
class garch_likelihood {
 public:
  /// @param data finite observations (copied); at least 2.
  garch_likelihood(std::span<const double> data, bool asymmetric, distribution_shape innovation, garch_start start)
      : x_(data.begin(), data.end()),
        h_(data.size()),
        dldh_(data.size()),
        work_(data.size()),
        work2_(data.size()),
        asymmetric_(asymmetric),
        innovation_(innovation),
        start_(start) {
    const std::size_t n = x_.size();
    double sum = 0.0;
    for (double v : x_) sum += v;
    mean_ = sum / static_cast<double>(n);
    double centered = 0.0;
    for (double v : x_) centered += (v - mean_) * (v - mean_);
    centered_moment_ = centered / static_cast<double>(n);
    // Python arch's backcast weights, normalised; moment kept as weighted mean + centred part.
    const std::size_t tau = n < garch_backcast_length ? n : garch_backcast_length;
    std::vector<double> weights(tau);
    double weight = 1.0;
    double weight_sum = 0.0;
    for (std::size_t k = 0; k < tau; ++k) {
      weights[k] = weight;
      weight_sum += weight;
      weight *= garch_backcast_decay;
    }
    double weighted_mean = 0.0;
    for (std::size_t k = 0; k < tau; ++k) {
      weights[k] /= weight_sum;
      weighted_mean += weights[k] * x_[k];
    }
    backcast_mean_ = weighted_mean;
    double weighted_centered = 0.0;
    for (std::size_t k = 0; k < tau; ++k)
      weighted_centered += weights[k] * (x_[k] - weighted_mean) * (x_[k] - weighted_mean);
    backcast_centered_ = weighted_centered;
  }

  [[nodiscard]] std::size_t size() const noexcept { return x_.size(); }
  /// Leaves observations out of the likelihood while they stay in the variance recursion
  /// (exact zero returns, i.e. stale prices: see `garch_zero_returns` in garch_fit.hpp).
  /// @param indices sorted, each < size().
  void exclude_from_likelihood(std::vector<std::size_t> indices) {
    excluded_ = std::move(indices);
    in_likelihood_.assign(excluded_.empty() ? 0 : x_.size(), 1);
    for (std::size_t t : excluded_) in_likelihood_[t] = 0;
  }
  /// Observations in the likelihood.
  [[nodiscard]] std::size_t likelihood_size() const noexcept { return x_.size() - excluded_.size(); }
  [[nodiscard]] bool asymmetric() const noexcept { return asymmetric_; }
  [[nodiscard]] distribution_shape innovation() const noexcept { return innovation_; }
  [[nodiscard]] garch_start start() const noexcept { return start_; }
  [[nodiscard]] double data_mean() const noexcept { return mean_; }
  /// mean((x - mu)^2) = centred second moment + (mean - mu)^2 (no cancellation).
  [[nodiscard]] double second_moment(double mu) const noexcept {
    return centered_moment_ + (mean_ - mu) * (mean_ - mu);
  }
  [[nodiscard]] double second_moment_derivative(double mu) const noexcept { return -2.0 * (mean_ - mu); }

  /// h_1 of the start rule and its partials; h1 <= 0 or not finite when undefined.
  [[nodiscard]] garch_start_value start_value(const garch_vector& theta) const noexcept {
    garch_start_value s;
    const double mu = theta[garch_mu];
    const double persistence = theta[garch_alpha] + 0.5 * theta[garch_gamma] + theta[garch_beta];
    switch (start_) {
      case garch_start::fgarch:
      case garch_start::backcast: {
        const bool fg = start_ == garch_start::fgarch;
        const double moment = fg ? second_moment(mu)
                                 : backcast_centered_ + (backcast_mean_ - mu) * (backcast_mean_ - mu);
        const double moment_mu = fg ? second_moment_derivative(mu) : -2.0 * (backcast_mean_ - mu);
        // fGarch weighs the sample moment by its own persistence: for GJR that of the APARCH
        // form with delta = 2, a + beta (garch_fgarch_arch below); the backcast by p.
        double weight = persistence;
        double weight_alpha = 1.0;
        double weight_gamma = 0.5;
        if (fg && asymmetric_) {
          const garch_fgarch_arch_term arch = garch_fgarch_arch(theta[garch_alpha], theta[garch_gamma]);
          weight = arch.value + theta[garch_beta];
          weight_alpha = arch.d_alpha;
          weight_gamma = arch.d_gamma;
        }
        s.h1 = theta[garch_omega] + weight * moment;
        s.partials[garch_mu] = weight * moment_mu;
        s.partials[garch_omega] = 1.0;
        s.partials[garch_alpha] = weight_alpha * moment;
        s.partials[garch_gamma] = weight_gamma * moment;
        s.partials[garch_beta] = moment;
        break;
      }
      case garch_start::rugarch:
        s.h1 = second_moment(mu);
        s.partials[garch_mu] = second_moment_derivative(mu);
        break;
      case garch_start::unconditional: {
        if (!(persistence < 1.0)) {
          s.h1 = std::numeric_limits<double>::quiet_NaN();
          break;
        }
        const double inverse = 1.0 / (1.0 - persistence);
        s.h1 = theta[garch_omega] * inverse;
        const double slope = theta[garch_omega] * inverse * inverse;
        s.partials[garch_omega] = inverse;
        s.partials[garch_alpha] = slope;
        s.partials[garch_gamma] = 0.5 * slope;
        s.partials[garch_beta] = slope;
        break;
      }
    }
    if (!asymmetric_) s.partials[garch_gamma] = 0.0;
    return s;
  }

  /// Log-likelihood at theta; -infinity where undefined (a variance <= 0 or not finite,
  /// nu <= 2, unconditional start with persistence >= 1).
  [[nodiscard]] double value(const garch_vector& theta) { return dispatch<false>(theta, nullptr); }

  /// Log-likelihood and its gradient with respect to the full vector (gamma, nu entries are 0
  /// when the model does not use them); -infinity (gradient untouched) where undefined.
  double value_and_gradient(const garch_vector& theta, garch_vector& gradient) {
    return dispatch<true>(theta, &gradient);
  }

  /// Conditional variances h_1..h_n into `out` (size n) and h_{n+1} as the return value.
  [[nodiscard]] double variances(const garch_vector& theta, std::span<double> out) const noexcept {
    const std::size_t n = x_.size();
    const double mu = theta[garch_mu];
    const double omega = theta[garch_omega];
    const double alpha = theta[garch_alpha];
    const double alpha_negative = alpha + (asymmetric_ ? theta[garch_gamma] : 0.0);
    const double beta = theta[garch_beta];
    double h = start_value(theta).h1;
    for (std::size_t t = 0; t < n; ++t) {
      out[t] = h;
      const double z = x_[t] - mu;
      h = omega + (z < 0.0 ? alpha_negative : alpha) * (z * z) + beta * h;
    }
    return h;
  }

  /// Outer product of the per-observation scores, sum_t s_t s_t' with s_t = dl_t/dtheta
  /// (forward mode through the recursion), and the sum of the scores into `score_sum`.
  void score_outer_product(const garch_vector& theta, garch_matrix& outer, garch_vector& score_sum) const {
    const std::size_t n = x_.size();
    const double mu = theta[garch_mu];
    const double omega = theta[garch_omega];
    const double alpha = theta[garch_alpha];
    const double gamma = asymmetric_ ? theta[garch_gamma] : 0.0;
    const double beta = theta[garch_beta];
    const double nu = theta[garch_nu];
    const bool student = innovation_ == distribution_shape::student_t;
    const auto start = start_value(theta);
    double shape_constant_derivative = 0.0;
    if (student) {
      shape_constant_derivative = 0.5 * boost::math::digamma(0.5 * (nu + 1.0), math_policy()) -
                                  0.5 * boost::math::digamma(0.5 * nu, math_policy()) - 0.5 / (nu - 2.0);
    }
    // Scores in blocks of rows, J += S'S by a matrix product; the t's log(1 + q) per block
    // through Eigen's vectorised logarithm.
    constexpr Eigen::Index block = 256;
    Eigen::Matrix<double, block, 6> scores;
    Eigen::Array<double, block, 1> one_plus_q;
    double dh[garch_full_size];
    for (std::size_t j = 0; j < garch_full_size; ++j) dh[j] = start.partials[j];
    double h = start.h1;
    outer.setZero();
    Eigen::Matrix<double, 1, 6> total = Eigen::Matrix<double, 1, 6>::Zero();
    std::size_t t = 0;
    while (t < n) {
      const Eigen::Index rows = static_cast<Eigen::Index>(
          std::min<std::size_t>(static_cast<std::size_t>(block), n - t));
      for (Eigen::Index row = 0; row < rows; ++row, ++t) {
        const double z = x_[t] - mu;
        const double e = z * z;
        double dl_dh = 0.0;
        double dl_dmu = 0.0;
        double dl_dnu = 0.0;
        const bool in_likelihood = in_likelihood_.empty() || in_likelihood_[t] != 0;
        if (!in_likelihood) {
          one_plus_q[row] = 1.0;  // no score: the observation only drives the recursion
        } else if (student) {
          const double scale = 1.0 / ((nu - 2.0) * h);
          const double q1 = 1.0 + e * scale;
          const double w = 1.0 - 1.0 / q1;
          one_plus_q[row] = q1;
          dl_dh = 0.5 / h * ((nu + 1.0) * w - 1.0);
          dl_dmu = (nu + 1.0) * z * scale / q1;
          dl_dnu = shape_constant_derivative + (nu + 1.0) / (2.0 * (nu - 2.0)) * w;  // - log(q1)/2 below
        } else {
          const double inverse = 1.0 / h;
          dl_dh = 0.5 * (e * inverse - 1.0) * inverse;
          dl_dmu = z * inverse;
        }
        for (std::size_t j = 0; j < garch_full_size; ++j) scores(row, static_cast<Eigen::Index>(j)) = dl_dh * dh[j];
        scores(row, static_cast<Eigen::Index>(garch_mu)) += dl_dmu;
        scores(row, static_cast<Eigen::Index>(garch_nu)) += dl_dnu;
        // Advance: dh_{t+1} = direct partials + beta dh_t.
        const bool negative = z < 0.0;
        const double weight = alpha + (negative ? gamma : 0.0);
        for (double& v : dh) v *= beta;
        dh[garch_mu] += -2.0 * weight * z;
        dh[garch_omega] += 1.0;
        dh[garch_alpha] += e;
        if (asymmetric_ && negative) dh[garch_gamma] += e;
        dh[garch_beta] += h;
        h = omega + weight * e + beta * h;
      }
      if (student)
        scores.col(static_cast<Eigen::Index>(garch_nu)).head(rows).array() -= 0.5 * one_plus_q.head(rows).log();
      outer.noalias() += scores.topRows(rows).transpose() * scores.topRows(rows);
      total += scores.topRows(rows).colwise().sum();
    }
    for (std::size_t j = 0; j < garch_full_size; ++j) score_sum[j] = total[static_cast<Eigen::Index>(j)];
  }

 private:
  template <bool Gradient>
  double dispatch(const garch_vector& theta, garch_vector* gradient) {
    const bool student = innovation_ == distribution_shape::student_t;
    if (asymmetric_) {
      return student ? evaluate<true, true, Gradient>(theta, gradient)
                     : evaluate<true, false, Gradient>(theta, gradient);
    }
    return student ? evaluate<false, true, Gradient>(theta, gradient)
                   : evaluate<false, false, Gradient>(theta, gradient);
  }

  template <bool Asymmetric, bool Student, bool Gradient>
  double evaluate(const garch_vector& theta, garch_vector* gradient) {
    constexpr double minus_infinity = -std::numeric_limits<double>::infinity();
    const std::size_t n = x_.size();
    const auto size = static_cast<Eigen::Index>(n);
    const double mu = theta[garch_mu];
    const double omega = theta[garch_omega];
    const double alpha = theta[garch_alpha];
    const double alpha_negative = Asymmetric ? alpha + theta[garch_gamma] : alpha;
    const double beta = theta[garch_beta];
    const double nu = theta[garch_nu];
    if (Student && !(nu > 2.0 && std::isfinite(nu))) return minus_infinity;
    const auto start = start_value(theta);
    if (!(start.h1 > 0.0 && std::isfinite(start.h1))) return minus_infinity;

    const double* x = x_.data();
    double* h = h_.data();
    double* c = work_.data();
    const Eigen::Map<const Eigen::ArrayXd> xs(x, size);
    // Pass 1: the recursion's inputs c_t = omega + a_{t-1} z_{t-1}^2 (vectorised), then
    // h_t = c_t + beta h_{t-1} (blocked linear recurrence).
    {
      Eigen::Map<Eigen::ArrayXd> inputs(c + 1, size - 1);
      const auto lagged = xs.head(size - 1) - mu;
      if constexpr (Asymmetric) {
        inputs = omega + (alpha + (alpha_negative - alpha) * (lagged < 0.0).template cast<double>()) * lagged.square();
      } else {
        inputs = omega + alpha * lagged.square();
      }
      h[0] = start.h1;
      linear_recurrence(c + 1, h + 1, n - 1, beta, start.h1);
    }

    // Pass 2: densities, dl_t/dh_t and the direct mu (and nu) derivatives, in lanes the
    // compiler vectorises; sum log h_t as the log of lane products (one log per 16 terms).
    double* d = dldh_.data();
    constexpr std::size_t lanes = 8;
    constexpr std::size_t chunk = 16 * lanes;
    double sum_log_h = 0.0;
    double sum_log_q = 0.0;
    double sum_standardised = 0.0;
    double direct_mu = 0.0;
    double sum_inverse_q = 0.0;
    const double nu_minus_2 = Student ? nu - 2.0 : 1.0;
    const double inverse_scale = 1.0 / nu_minus_2;
    const double nu_plus_1 = nu + 1.0;
    {
      double acc_standardised[lanes] = {};
      double acc_mu[lanes] = {};
      double acc_inverse_q[lanes] = {};
      std::size_t i = 0;
      for (; i + chunk <= n; i += chunk) {
        double product_h[lanes];
        double product_q[lanes];
        for (std::size_t j = 0; j < lanes; ++j) product_h[j] = product_q[j] = 1.0;
        for (std::size_t b = i; b < i + chunk; b += lanes) {
          for (std::size_t j = 0; j < lanes; ++j) {
            const double hv = h[b + j];
            const double inverse_h = 1.0 / hv;
            const double z = x[b + j] - mu;
            const double z_over_h = z * inverse_h;
            const double standardised = z * z_over_h;
            product_h[j] *= hv;
            if constexpr (Student) {
              const double one_plus_q = 1.0 + standardised * inverse_scale;
              const double inverse_q = 1.0 / one_plus_q;
              product_q[j] *= one_plus_q;
              acc_inverse_q[j] += inverse_q;
              acc_mu[j] += z_over_h * inverse_q;
              if constexpr (Gradient) d[b + j] = 0.5 * inverse_h * (nu_plus_1 * (1.0 - inverse_q) - 1.0);
            } else {
              acc_standardised[j] += standardised;
              acc_mu[j] += z_over_h;
              if constexpr (Gradient) d[b + j] = 0.5 * (standardised - 1.0) * inverse_h;
            }
          }
        }
        for (std::size_t j = 0; j < lanes; ++j) {
          sum_log_h += safe_log_product(product_h[j], h + i + j, chunk / lanes, lanes);
          if constexpr (Student)
            sum_log_q += safe_log_product(product_q[j], nullptr, chunk / lanes, lanes, i + j, mu, inverse_scale);
        }
      }
      for (; i < n; ++i) {  // tail
        const double hv = h[i];
        const double inverse_h = 1.0 / hv;
        const double z = x[i] - mu;
        const double z_over_h = z * inverse_h;
        const double standardised = z * z_over_h;
        sum_log_h += std::log(hv);
        if constexpr (Student) {
          const double one_plus_q = 1.0 + standardised * inverse_scale;
          const double inverse_q = 1.0 / one_plus_q;
          sum_log_q += std::log(one_plus_q);
          acc_inverse_q[0] += inverse_q;
          acc_mu[0] += z_over_h * inverse_q;
          if constexpr (Gradient) d[i] = 0.5 * inverse_h * (nu_plus_1 * (1.0 - inverse_q) - 1.0);
        } else {
          acc_standardised[0] += standardised;
          acc_mu[0] += z_over_h;
          if constexpr (Gradient) d[i] = 0.5 * (standardised - 1.0) * inverse_h;
        }
      }
      for (std::size_t j = 0; j < lanes; ++j) {
        sum_standardised += acc_standardised[j];
        direct_mu += acc_mu[j];
        sum_inverse_q += acc_inverse_q[j];
      }
    }
    // Observations left out of the likelihood: their terms are taken back out (they keep
    // their place in the recursion, and d_t = 0 drops them from the gradient).
    for (std::size_t t : excluded_) {
      const double hv = h[t];
      const double z = x[t] - mu;
      const double z_over_h = z / hv;
      const double standardised = z * z_over_h;
      sum_log_h -= std::log(hv);
      if constexpr (Student) {
        const double one_plus_q = 1.0 + standardised * inverse_scale;
        const double inverse_q = 1.0 / one_plus_q;
        sum_log_q -= std::log(one_plus_q);
        sum_inverse_q -= inverse_q;
        direct_mu -= z_over_h * inverse_q;
      } else {
        sum_standardised -= standardised;
        direct_mu -= z_over_h;
      }
      if constexpr (Gradient) d[t] = 0.0;
    }
    const double used = static_cast<double>(n - excluded_.size());
    double loglik = 0.0;
    double direct_nu = 0.0;
    if constexpr (Student) {
      const double constant = boost::math::lgamma(0.5 * (nu + 1.0), math_policy()) -
                              boost::math::lgamma(0.5 * nu, math_policy()) -
                              0.5 * std::log(std::numbers::pi * nu_minus_2);
      loglik = used * constant - 0.5 * sum_log_h - 0.5 * nu_plus_1 * sum_log_q;
      if (!std::isfinite(loglik)) return minus_infinity;
      if constexpr (Gradient) {
        direct_mu *= nu_plus_1 * inverse_scale;
        const double sum_w = used - sum_inverse_q;  // w = q / (1 + q)
        const double constant_derivative = 0.5 * boost::math::digamma(0.5 * (nu + 1.0), math_policy()) -
                                           0.5 * boost::math::digamma(0.5 * nu, math_policy()) - 0.5 * inverse_scale;
        direct_nu = used * constant_derivative - 0.5 * sum_log_q + 0.5 * nu_plus_1 * inverse_scale * sum_w;
      }
    } else {
      loglik = -0.5 * (used * std::log(2.0 * std::numbers::pi) + sum_log_h + sum_standardised);
      if (!std::isfinite(loglik)) return minus_infinity;
    }
    if constexpr (!Gradient) {
      return loglik;
    } else {
      // Pass 3: adjoints lambda_t = dl_t/dh_t + beta lambda_{t+1} = dL/dh_t, in place of d.
      reverse_linear_recurrence(d, n, beta);
      // Pass 4: dL/dtheta = sum_{t>=2} lambda_t dh_t/dtheta|direct, in vectorised lanes.
      const double lambda_1 = d[0];
      const double* lambda = d + 1;
      const std::size_t m = n - 1;
      const double gamma_step = alpha_negative - alpha;
      double acc_omega[lanes] = {};
      double acc_alpha[lanes] = {};
      double acc_gamma[lanes] = {};
      double acc_beta[lanes] = {};
      double acc_mu[lanes] = {};
      auto accumulate = [&](std::size_t t, std::size_t j) {
        const double l = lambda[t];
        const double z = x[t] - mu;
        const double l_e = l * (z * z);
        acc_omega[j] += l;
        acc_alpha[j] += l_e;
        acc_beta[j] += l * h[t];
        if constexpr (Asymmetric) {
          const double negative = z < 0.0 ? 1.0 : 0.0;
          acc_gamma[j] += l_e * negative;
          acc_mu[j] += l * z * (alpha + gamma_step * negative);
        } else {
          acc_mu[j] += l * z;
        }
      };
      std::size_t i = 0;
      for (; i + lanes <= m; i += lanes) {
        for (std::size_t j = 0; j < lanes; ++j) accumulate(i + j, j);
      }
      for (; i < m; ++i) accumulate(i, 0);
      double g_omega = 0.0;
      double g_alpha = 0.0;
      double g_gamma = 0.0;
      double g_beta = 0.0;
      double g_mu = 0.0;
      for (std::size_t j = 0; j < lanes; ++j) {
        g_omega += acc_omega[j];
        g_alpha += acc_alpha[j];
        g_gamma += acc_gamma[j];
        g_beta += acc_beta[j];
        g_mu += acc_mu[j];
      }
      if constexpr (!Asymmetric) g_mu *= alpha;
      garch_vector& g = *gradient;
      g[garch_mu] = direct_mu - 2.0 * g_mu + lambda_1 * start.partials[garch_mu];
      g[garch_omega] = g_omega + lambda_1 * start.partials[garch_omega];
      g[garch_alpha] = g_alpha + lambda_1 * start.partials[garch_alpha];
      g[garch_gamma] = Asymmetric ? g_gamma + lambda_1 * start.partials[garch_gamma] : 0.0;
      g[garch_beta] = g_beta + lambda_1 * start.partials[garch_beta];
      g[garch_nu] = Student ? direct_nu : 0.0;
      return loglik;
    }
  }

  /// out[i] = c[i] + beta out[i-1] with out[-1] = previous. Blocks of 8 put one multiply-add
  /// per block on the dependency chain: out[i+j] = P_j + beta^(j+1) previous, where the
  /// in-block prefixes P_j do not depend on the chain and overlap across blocks.
  static void linear_recurrence(const double* c, double* out, std::size_t count, double beta,
                                double previous) noexcept {
    double powers[8];
    powers[0] = beta;
    for (std::size_t j = 1; j < 8; ++j) powers[j] = powers[j - 1] * beta;
    std::size_t i = 0;
    for (; i + 8 <= count; i += 8) {
      double prefix[8];
      prefix[0] = c[i];
      for (std::size_t j = 1; j < 8; ++j) prefix[j] = c[i + j] + beta * prefix[j - 1];
      for (std::size_t j = 0; j < 8; ++j) out[i + j] = prefix[j] + powers[j] * previous;
      previous = out[i + 7];
    }
    for (; i < count; ++i) {
      previous = c[i] + beta * previous;
      out[i] = previous;
    }
  }

  /// In place, d[t] <- d[t] + beta d[t+1] for t = n-1 down to 0 (d[n] = 0), blocked as above.
  static void reverse_linear_recurrence(double* d, std::size_t count, double beta) noexcept {
    double powers[8];
    powers[0] = beta;
    for (std::size_t j = 1; j < 8; ++j) powers[j] = powers[j - 1] * beta;
    double next = 0.0;
    std::size_t remaining = count;
    while (remaining >= 8) {
      double* block = d + remaining - 8;  // block[7] is the latest in reverse order
      double prefix[8];
      prefix[0] = block[7];
      for (std::size_t j = 1; j < 8; ++j) prefix[j] = block[7 - j] + beta * prefix[j - 1];
      for (std::size_t j = 0; j < 8; ++j) block[7 - j] = prefix[j] + powers[j] * next;
      next = block[0];
      remaining -= 8;
    }
    while (remaining > 0) {
      --remaining;
      next = d[remaining] + beta * next;
      d[remaining] = next;
    }
  }

  /// log of a lane product of `count` terms (stride `stride`), recomputed term by term when the
  /// product left the normal range (an extreme variance, or a non-positive one: then NaN).
  /// With `terms == nullptr` the terms are Student t's 1 + z^2 / ((nu - 2) h), rebuilt from
  /// the data at `offset`.
  double safe_log_product(double product, const double* terms, std::size_t count, std::size_t stride,
                          std::size_t offset = 0, double mu = 0.0, double inverse_scale = 0.0) const noexcept {
    if (product >= std::numeric_limits<double>::min() && product <= std::numeric_limits<double>::max())
      return std::log(product);
    double sum = 0.0;
    for (std::size_t k = 0; k < count; ++k) {
      if (terms != nullptr) {
        sum += std::log(terms[k * stride]);
      } else {
        const std::size_t t = offset + k * stride;
        const double z = x_[t] - mu;
        sum += std::log(1.0 + z * z / h_[t] * inverse_scale);
      }
    }
    return sum;
  }

  std::vector<double> x_;
  std::vector<double> h_;
  std::vector<double> dldh_;
  std::vector<double> work_;
  std::vector<double> work2_;
  std::vector<std::size_t> excluded_;         ///< observations left out of the likelihood (sorted)
  std::vector<unsigned char> in_likelihood_;  ///< 1 per observation in it (empty: all are)
  bool asymmetric_;
  distribution_shape innovation_;
  garch_start start_;
  double mean_ = 0.0;
  double centered_moment_ = 0.0;
  double backcast_mean_ = 0.0;
  double backcast_centered_ = 0.0;
};

}  // namespace dynmargin::detail

DYNMARGIN_SUPPRESS_GCC_105593_END
