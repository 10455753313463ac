// SPDX-License-Identifier: MIT
/// @file
/// @brief DCC(1,1)-GARCH dynamic conditional correlations (Engle 2002, "Dynamic Conditional
///        Correlation", JBES 20(3); Engle and Sheppard 2001), fitted by two-step quasi-maximum
///        likelihood as R rmgarch's `dccfit` does, and a streaming correlation filter.
///
/// Model, for T x n returns r_t (n >= 2 instruments):
///  - Step 1, per instrument i: the library's GARCH(1,1) fit (`fit_garch`,
///    dynmargin/volatility/garch_fit.hpp, fGarch's conventions: tests/data/REFERENCE.md) and the
///    standardised residuals z_it = (r_it - mu_i) / sqrt(h_it), h_it from the fitted model's
///    own recursion and start rule (`garch_conditional_variances`).
///  - Step 2: correlation targeting, Qbar = (1/T) sum_t (z_t - zbar)(z_t - zbar)^T (the sample
///    covariance of z with divisor T), Q_1 = Qbar,
///      Q_t = (1 - a - b) Qbar + a z_{t-1} z_{t-1}^T + b Q_{t-1}          (t >= 2),
///      R_t = diag(Q_t)^-1/2 Q_t diag(Q_t)^-1/2,
///    and (a, b) maximise the correlation part of the Gaussian log-likelihood over t = 1..T,
///      L_c(a, b) = -0.5 sum_{t=1..T} ( log det R_t + z_t^T R_t^-1 z_t - z_t^T z_t ),
///    with no 2 pi term and no volatility term (Engle 2002, eq. 26: they do not depend on a, b;
///    with normal step-1 fits that keep every observation, the sum of the univariate
///    log-likelihoods plus L_c is the full Gaussian log-likelihood, `loglik_total`).
///    Constraints a >= 0, b >= 0, a + b <= `max_persistence` (1 - 1e-6 by default).
///  - Optimiser: the library's projected BFGS (dynmargin/detail/optimize_box_bfgs.hpp) on
///    -L_c / T with an analytic gradient (recursions for dQ_t/da and dQ_t/db). The constraint
///    a + b <= c becomes a box as in the GARCH fit: the variables are a in [0, c] and
///    v in [0, 1] with b = v (c - a), so every point of the box is admissible and a penalty is
///    not needed. Several start values from a small grid; the best optimum is kept.
///  - Forecast: Q_{T+1} = (1 - a - b) Qbar + a z_T z_T^T + b Q_T, R_{T+1} from it, and
///    Sigma_{T+1} = D_{T+1} R_{T+1} D_{T+1} with D_{T+1} = diag(sqrt(h_{i,T+1})), each GARCH's
///    one-step forecast.
/// `dcc_correlation` runs the step-2 recursion one observation at a time, without allocating
/// after construction; the fit computes its Q_t and R_t with the same object, so the batch
/// recursion and a live filter fed the same z agree bit for bit.
#pragma once

// GCC PR 105593 (false -Wmaybe-uninitialized in Eigen): silenced for the code this header
// pulls in, restored at its end (detail/diagnostics.hpp).
#include "dynmargin/detail/diagnostics.hpp"
DYNMARGIN_SUPPRESS_GCC_105593_BEGIN

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "dynmargin/core/error.hpp"
#include "dynmargin/detail/optimize_box_bfgs.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"

namespace dynmargin {

/// @brief Fewest rows (observations) `fit_dcc` and `fit_dcc_correlation` accept: the
///        univariate fit's minimum (`garch_fit_minimum_observations`).
inline constexpr std::size_t dcc_minimum_observations = garch_fit_minimum_observations;

/// @brief Settings of `fit_dcc` (step 1: `univariate`; step 2: the rest).
struct fit_dcc_config {
  fit_garch_config univariate{};        ///< the GARCH(1,1) fit of every instrument (step 1)
  double max_persistence = 1.0 - 1e-6;  ///< a + b <= this, in (0, 1)
  int max_iterations = 200;             ///< quasi-Newton iterations per start
  double tolerance = 1e-9;              ///< projected-gradient tolerance on -L_c / T in (a, v)
  int starts = 3;                       ///< start values optimised, best of the grid first (1..7)
};

namespace detail {

/// Checks DCC parameters: finite, a >= 0, b >= 0, a + b < 1.
inline void check_dcc_parameters(double a, double b, std::string_view component) {
  if (!(std::isfinite(a) && a >= 0.0)) throw_invalid_argument(component, "a", "must be finite and >= 0", a);
  if (!(std::isfinite(b) && b >= 0.0)) throw_invalid_argument(component, "b", "must be finite and >= 0", b);
  if (!(a + b < 1.0)) throw_invalid_argument(component, "a + b", "must be < 1", a + b);
}

/// Checks a matrix used as Qbar or as a starting Q: square of size >= 2 (or `size` when
/// given), finite, symmetric (to 1e-12 relative to its diagonal) and positive definite.
inline void check_dcc_matrix(const Eigen::MatrixXd& m, std::string_view component, std::string_view name,
                             Eigen::Index size = -1) {
  const std::string label(name);
  if (m.rows() != m.cols())
    throw_invalid_argument(component, label + " columns", "must equal its rows " + std::to_string(m.rows()), m.cols());
  if (size >= 0 && m.rows() != size)
    throw_invalid_argument(component, label + " size", "must equal the target's " + std::to_string(size), m.rows());
  if (m.rows() < 2) throw_invalid_argument(component, label + " size", "must be >= 2 (instruments)", m.rows());
  double diagonal_max = 0.0;
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      if (!std::isfinite(m(i, j))) {
        throw_invalid_argument(component, label + " at row " + std::to_string(i) + ", column " + std::to_string(j),
                               "must be finite", m(i, j));
      }
    }
    diagonal_max = std::max(diagonal_max, std::abs(m(j, j)));
  }
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    for (Eigen::Index i = 0; i < j; ++i) {
      if (!(std::abs(m(i, j) - m(j, i)) <= 1e-12 * diagonal_max)) {
        throw_invalid_argument(component, label + " at row " + std::to_string(i) + ", column " + std::to_string(j),
                               "must equal its transpose's " + detail::format_value(m(j, i)), m(i, j));
      }
    }
  }
  // Positive definite with room for rounding: a smallest eigenvalue of 1e-16 relative (collinear
  // columns) passes a plain > 0 test but leaves R_t singular in floating point.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(m, Eigen::EigenvaluesOnly);
  const double smallest = eigen.eigenvalues().minCoeff();
  const double largest = eigen.eigenvalues().maxCoeff();
  if (!(eigen.info() == Eigen::Success && smallest > 1e-10 * largest && smallest > 0.0)) {
    throw_invalid_argument(component, label + " smallest eigenvalue",
                           "must be > 1e-10 times the largest, " + detail::format_value(largest) +
                               " (positive definite; collinear columns are not)",
                           smallest);
  }
}

}  // namespace detail

/// @brief Streaming DCC(1,1) correlation: Q_{t+1} = (1 - a - b) Qbar + a z_t z_t^T + b Q_t and
///        R_{t+1} = diag(Q_{t+1})^-1/2 Q_{t+1} diag(Q_{t+1})^-1/2, one vector of standardised
///        residuals z_t at a time (see the file comment).
///
/// Before any update the filter holds Q_1 (Qbar by default). `update` allocates nothing and
/// costs O(n^2); `correlation()` is then the forecast R_{t+1} for the next observation.
class dcc_correlation {
 public:
  /// @brief A filter at Q_1 = Qbar.
  /// @param a, b DCC parameters, a >= 0, b >= 0, a + b < 1.
  /// @param qbar the target Qbar: n x n, n >= 2, finite, symmetric, positive definite.
  /// @throws dynmargin::invalid_argument naming the parameter or the entry at fault.
  dcc_correlation(double a, double b, const Eigen::MatrixXd& qbar) : dcc_correlation(a, b, qbar, qbar) {}

  /// @brief A filter at a given Q (e.g. Q_{T+1} of a fit, to continue after the sample).
  /// @param initial_q the current Q: the size of `qbar`, finite, symmetric, positive definite.
  /// @throws dynmargin::invalid_argument naming the parameter or the entry at fault.
  dcc_correlation(double a, double b, const Eigen::MatrixXd& qbar, const Eigen::MatrixXd& initial_q)
      : a_(a), b_(b), c_(1.0 - a - b) {
    constexpr std::string_view component = "dcc_correlation";
    detail::check_dcc_parameters(a, b, component);
    detail::check_dcc_matrix(qbar, component, "qbar");
    detail::check_dcc_matrix(initial_q, component, "initial_q", qbar.rows());
    qbar_ = qbar;
    q_ = initial_q;
    next_.resize(qbar.rows(), qbar.cols());
    correlation_.resize(qbar.rows(), qbar.cols());
    normalise(q_, correlation_);
  }

  /// @brief Absorbs z_t: Q becomes Q_{t+1}, `correlation()` becomes R_{t+1}.
  /// @return `status::invalid_argument` when z does not hold n values,
  ///         `status::non_finite_input` for a NaN or infinite z, `status::domain_error` when
  ///         Q would overflow; the state is unchanged in these cases.
  status update(std::span<const double> z) noexcept {
    const Eigen::Index n = q_.rows();
    if (z.size() != static_cast<std::size_t>(n)) return status::invalid_argument;
    for (double value : z)
      if (!std::isfinite(value)) return status::non_finite_input;
    for (Eigen::Index j = 0; j < n; ++j) {
      const double z_j = z[static_cast<std::size_t>(j)];
      for (Eigen::Index i = 0; i <= j; ++i) {
        const double value = c_ * qbar_(i, j) + a_ * (z[static_cast<std::size_t>(i)] * z_j) + b_ * q_(i, j);
        if (!std::isfinite(value)) return status::domain_error;
        next_(i, j) = value;
        next_(j, i) = value;
      }
    }
    q_.swap(next_);  // dynamic Eigen matrices swap their buffers: no allocation
    normalise(q_, correlation_);
    ++observations_;
    return status::ok;
  }

  /// @brief The current correlation R (R_{t+1} after t updates): unit diagonal, symmetric.
  [[nodiscard]] const Eigen::MatrixXd& correlation() const noexcept { return correlation_; }
  /// @brief The current quasi-correlation Q (Q_{t+1} after t updates).
  [[nodiscard]] const Eigen::MatrixXd& quasi_correlation() const noexcept { return q_; }
  /// @brief The target Qbar.
  [[nodiscard]] const Eigen::MatrixXd& qbar() const noexcept { return qbar_; }
  [[nodiscard]] double a() const noexcept { return a_; }
  [[nodiscard]] double b() const noexcept { return b_; }
  /// @brief Number of instruments n.
  [[nodiscard]] Eigen::Index size() const noexcept { return q_.rows(); }
  /// @brief Updates absorbed so far.
  [[nodiscard]] std::int64_t observations() const noexcept { return observations_; }

 private:
  /// R = diag(Q)^-1/2 Q diag(Q)^-1/2 with an exact unit diagonal.
  static void normalise(const Eigen::MatrixXd& q, Eigen::MatrixXd& r) noexcept {
    const Eigen::Index n = q.rows();
    for (Eigen::Index j = 0; j < n; ++j) {
      const double scale_j = 1.0 / std::sqrt(q(j, j));
      for (Eigen::Index i = 0; i < j; ++i) {
        const double value = q(i, j) * (scale_j / std::sqrt(q(i, i)));
        r(i, j) = value;
        r(j, i) = value;
      }
      r(j, j) = 1.0;
    }
  }

  double a_;
  double b_;
  double c_;  ///< 1 - a - b
  Eigen::MatrixXd qbar_;
  Eigen::MatrixXd q_;
  Eigen::MatrixXd next_;  ///< scratch for Q_{t+1}
  Eigen::MatrixXd correlation_;
  std::int64_t observations_ = 0;
};

/// @brief Outcome of the step-2 fit (`fit_dcc_correlation`).
struct dcc_correlation_fit {
  double a = std::numeric_limits<double>::quiet_NaN();
  double b = std::numeric_limits<double>::quiet_NaN();
  Eigen::MatrixXd qbar;                                      ///< the target Qbar
  double loglik = std::numeric_limits<double>::quiet_NaN();  ///< L_c(a, b) (file comment)
  Eigen::MatrixXd q_last;                                    ///< Q_T
  Eigen::MatrixXd r_last;                                    ///< R_T
  Eigen::MatrixXd q_forecast;                                ///< Q_{T+1}
  Eigen::MatrixXd correlation_forecast;                      ///< R_{T+1}
  std::size_t observations = 0;                              ///< T
  bool converged = false;
  std::string status_reason;     ///< why the optimiser stopped, and any bound reached
  int iterations = 0;            ///< quasi-Newton iterations of the best start
  int starts = 0;                ///< start values optimised
  int function_evaluations = 0;  ///< likelihood evaluations (grid, starts, Hessian)
};

/// @brief Outcome of `fit_dcc`: the univariate fits, the standardised residuals and the
///        step-2 estimates with the one-step forecasts.
struct dcc_fit_result {
  std::vector<garch_fit_result> univariate;  ///< step 1, one fit per column, in column order
  Eigen::MatrixXd standardised_residuals;    ///< z, T x n
  double a = std::numeric_limits<double>::quiet_NaN();
  double b = std::numeric_limits<double>::quiet_NaN();
  Eigen::MatrixXd qbar;                                      ///< the target Qbar
  double loglik = std::numeric_limits<double>::quiet_NaN();  ///< L_c(a, b) of step 2
  /// Sum of the univariate log-likelihoods plus L_c: the Gaussian DCC log-likelihood when
  /// step 1 is normal and keeps every observation (no exact zero returns excluded).
  double loglik_total = std::numeric_limits<double>::quiet_NaN();
  Eigen::MatrixXd q_last;                ///< Q_T
  Eigen::MatrixXd r_last;                ///< R_T
  Eigen::MatrixXd q_forecast;            ///< Q_{T+1}
  Eigen::MatrixXd correlation_forecast;  ///< R_{T+1}
  Eigen::VectorXd volatility_forecast;   ///< sqrt(h_{i,T+1}) of each GARCH
  Eigen::MatrixXd covariance_forecast;   ///< Sigma_{T+1} = D_{T+1} R_{T+1} D_{T+1}
  std::size_t observations = 0;          ///< T
  bool converged = false;                ///< step 2 converged and every step-1 fit too
  std::string status_reason;
  int iterations = 0;  ///< step 2's quasi-Newton iterations (best start)
  int function_evaluations = 0;

  /// @brief A streaming filter positioned after the sample (at Q_{T+1}), to run the fitted
  ///        correlations live: feed it z_{T+1} = (r_{T+1} - mu_i) / sqrt(h_{i,T+1}), ...
  [[nodiscard]] dcc_correlation correlation_filter() const { return dcc_correlation(a, b, qbar, q_forecast); }
};

namespace detail {

/// Checks a T x n matrix of returns or residuals: n >= 2, T >= minimum, every value finite.
inline void check_dcc_data(const Eigen::MatrixXd& data, std::string_view component, std::string_view name) {
  const std::string label(name);
  if (data.cols() < 2) throw_invalid_argument(component, label + " columns", "must be >= 2 (instruments)", data.cols());
  if (data.rows() < static_cast<Eigen::Index>(dcc_minimum_observations)) {
    throw_invalid_argument(component, label + " rows",
                           "must be >= " + std::to_string(dcc_minimum_observations) + " (observations)", data.rows());
  }
  for (Eigen::Index j = 0; j < data.cols(); ++j) {
    for (Eigen::Index i = 0; i < data.rows(); ++i) {
      if (!std::isfinite(data(i, j))) {
        throw_invalid_argument(component, label + " at row " + std::to_string(i) + ", column " + std::to_string(j),
                               "must be finite", data(i, j));
      }
    }
  }
}

inline void check_fit_dcc_options(const fit_dcc_config& options, std::string_view component) {
  if (!(options.max_persistence > 0.0 && options.max_persistence < 1.0))
    throw_invalid_argument(component, "max_persistence", "must be in (0, 1)", options.max_persistence);
  if (options.max_iterations < 1)
    throw_invalid_argument(component, "max_iterations", "must be >= 1", options.max_iterations);
  if (!(options.tolerance > 0.0)) throw_invalid_argument(component, "tolerance", "must be > 0", options.tolerance);
  if (options.starts < 1 || options.starts > 7)
    throw_invalid_argument(component, "starts", "must be in 1..7", options.starts);
}

/// Qbar = (1/T) sum_t (z_t - zbar)(z_t - zbar)^T, exactly symmetric.
[[nodiscard]] inline Eigen::MatrixXd dcc_sample_covariance(const Eigen::MatrixXd& z) {
  const Eigen::MatrixXd centred = z.rowwise() - z.colwise().mean();
  Eigen::MatrixXd out = (centred.transpose() * centred) / static_cast<double>(z.rows());
  for (Eigen::Index j = 0; j < out.cols(); ++j)
    for (Eigen::Index i = 0; i < j; ++i) out(j, i) = out(i, j);
  return out;
}

/// L_c(a, b) and its gradient in (a, b) (file comment). The recursion runs through a
/// `dcc_correlation`, the derivatives dQ_t/da, dQ_t/db beside it:
///   dQ_{t+1}/da = -Qbar + z_t z_t^T + b dQ_t/da,  dQ_{t+1}/db = -Qbar + Q_t + b dQ_t/db,
///   dR_ij = dQ_ij / sqrt(Q_ii Q_jj) - R_ij (dQ_ii / Q_ii + dQ_jj / Q_jj) / 2,
///   d(log det R + z^T R^-1 z) = sum_ij (R^-1 - w w^T)_ij dR_ij,  w = R^-1 z.
/// Returns NaN where R_t is not positive definite or Q overflows.
struct dcc_loglik_value {
  double value = std::numeric_limits<double>::quiet_NaN();
  double d_a = 0.0;
  double d_b = 0.0;
};

class dcc_likelihood {
 public:
  /// Rows of z are copied as contiguous columns (the filter takes a span per observation).
  dcc_likelihood(const Eigen::MatrixXd& z, const Eigen::MatrixXd& qbar) : qbar_(qbar), rows_(z.transpose()) {}

  [[nodiscard]] dcc_loglik_value evaluate(double a, double b, bool with_gradient) {
    ++evaluations_;
    const Eigen::Index n = qbar_.rows();
    const Eigen::Index t_count = rows_.cols();
    dcc_correlation filter(a, b, qbar_);
    Eigen::LLT<Eigen::MatrixXd> cholesky(n);
    Eigen::MatrixXd dq_a = Eigen::MatrixXd::Zero(n, n);
    Eigen::MatrixXd dq_b = Eigen::MatrixXd::Zero(n, n);
    Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
    Eigen::MatrixXd inverse(n, n);
    Eigen::VectorXd w(n);
    dcc_loglik_value out;
    double sum = 0.0;
    double grad_a = 0.0;
    double grad_b = 0.0;
    for (Eigen::Index t = 0; t < t_count; ++t) {
      const auto z_t = rows_.col(t);
      const Eigen::MatrixXd& r = filter.correlation();
      const Eigen::MatrixXd& q = filter.quasi_correlation();
      cholesky.compute(r);
      if (cholesky.info() != Eigen::Success) return out;
      double log_det = 0.0;
      for (Eigen::Index i = 0; i < n; ++i) log_det += std::log(cholesky.matrixLLT()(i, i));
      log_det *= 2.0;
      w = cholesky.solve(z_t);
      sum += -0.5 * (log_det + z_t.dot(w) - z_t.squaredNorm());
      if (with_gradient) {
        inverse = cholesky.solve(identity);
        inverse.noalias() -= w * w.transpose();  // M = R^-1 - w w^T
        for (Eigen::Index j = 0; j < n; ++j) {
          for (Eigen::Index i = 0; i < n; ++i) {
            const double root = std::sqrt(q(i, i) * q(j, j));
            const double d_r_a = dq_a(i, j) / root - 0.5 * r(i, j) * (dq_a(i, i) / q(i, i) + dq_a(j, j) / q(j, j));
            const double d_r_b = dq_b(i, j) / root - 0.5 * r(i, j) * (dq_b(i, i) / q(i, i) + dq_b(j, j) / q(j, j));
            grad_a += -0.5 * inverse(i, j) * d_r_a;
            grad_b += -0.5 * inverse(i, j) * d_r_b;
          }
        }
        dq_a = b * dq_a - qbar_ + z_t * z_t.transpose();
        dq_b = b * dq_b - qbar_ + q;
      }
      if (filter.update(std::span<const double>(z_t.data(), static_cast<std::size_t>(n))) != status::ok) return out;
    }
    out.value = sum;
    out.d_a = grad_a;
    out.d_b = grad_b;
    return out;
  }

  [[nodiscard]] const Eigen::MatrixXd& rows() const noexcept { return rows_; }
  [[nodiscard]] int evaluations() const noexcept { return evaluations_; }

 private:
  const Eigen::MatrixXd& qbar_;
  Eigen::MatrixXd rows_;  ///< z transposed: column t is z_t
  int evaluations_ = 0;
};

}  // namespace detail

/// @brief The target Qbar of standardised residuals z: their sample covariance with divisor T.
/// @param standardised_residuals T x n, n >= 2, T >= `dcc_minimum_observations`, finite.
/// @throws dynmargin::invalid_argument naming the row and column of a bad value, or the size.
[[nodiscard]] inline Eigen::MatrixXd dcc_target(const Eigen::MatrixXd& standardised_residuals) {
  detail::check_dcc_data(standardised_residuals, "dcc_target", "standardised_residuals");
  return detail::dcc_sample_covariance(standardised_residuals);
}

/// @brief The correlation log-likelihood L_c(a, b) of standardised residuals z with the target
///        Qbar = `dcc_target(z)` (the definition in the file comment).
/// @throws dynmargin::invalid_argument for bad z (named by row and column), a < 0, b < 0,
///         a + b >= 1, or a target that is not positive definite.
[[nodiscard]] inline double dcc_loglik(const Eigen::MatrixXd& standardised_residuals, double a, double b) {
  constexpr std::string_view component = "dcc_loglik";
  detail::check_dcc_data(standardised_residuals, component, "standardised_residuals");
  detail::check_dcc_parameters(a, b, component);
  const Eigen::MatrixXd qbar = detail::dcc_sample_covariance(standardised_residuals);
  detail::check_dcc_matrix(qbar, component, "qbar");
  detail::dcc_likelihood likelihood(standardised_residuals, qbar);
  const double value = likelihood.evaluate(a, b, false).value;
  if (!std::isfinite(value)) throw_domain_error(component, "log-likelihood", "must be finite", value);
  return value;
}

namespace detail {

/// `fit_dcc_correlation` with the component its messages name (`fit_dcc` calls it too).
[[nodiscard]] inline dcc_correlation_fit fit_dcc_correlation_named(const Eigen::MatrixXd& standardised_residuals,
                                                                   const fit_dcc_config& options,
                                                                   std::string_view component) {
  check_dcc_data(standardised_residuals, component, "standardised_residuals");
  check_fit_dcc_options(options, component);
  const Eigen::MatrixXd qbar = dcc_sample_covariance(standardised_residuals);
  check_dcc_matrix(qbar, component, "qbar (sample covariance of the standardised residuals)");

  const double limit = options.max_persistence;
  const double observations = static_cast<double>(standardised_residuals.rows());
  dcc_likelihood likelihood(standardised_residuals, qbar);
  // Variables x = (a, v), b = v (limit - a): the box [0, limit] x [0, 1] is the feasible set.
  auto to_parameters = [limit](const optimize_vector& x) { return std::pair{x[0], x[1] * (limit - x[0])}; };
  auto objective = [&](const optimize_vector& x, optimize_vector& gradient) {
    const auto [a, b] = to_parameters(x);
    const dcc_loglik_value value = likelihood.evaluate(a, b, true);
    if (!std::isfinite(value.value)) return std::numeric_limits<double>::infinity();
    gradient.resize(2);
    gradient[0] = -(value.d_a - x[1] * value.d_b) / observations;
    gradient[1] = -((limit - x[0]) * value.d_b) / observations;
    return -value.value / observations;
  };
  optimize_vector lower(2);
  optimize_vector upper(2);
  lower << 0.0, 0.0;
  upper << limit, 1.0;

  // Start values: a grid of typical estimates (daily data: a 0.01-0.1, a + b 0.5-0.99),
  // ranked by their likelihood; the best `starts` are optimised.
  constexpr std::array<std::array<double, 2>, 7> grid{
      {{0.01, 0.95}, {0.05, 0.90}, {0.02, 0.97}, {0.10, 0.80}, {0.03, 0.50}, {0.005, 0.99}, {0.15, 0.60}}};
  std::vector<std::pair<double, optimize_vector>> candidates;
  for (const auto& [a, b] : grid) {
    if (!(a + b <= limit)) continue;
    optimize_vector x(2);
    x << a, b / (limit - a);
    const double value = likelihood.evaluate(a, b, false).value;
    if (std::isfinite(value)) candidates.emplace_back(-value, x);
  }
  if (candidates.empty()) throw_evaluation_error(component, "no start value gives a finite log-likelihood");
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& left, const auto& right) { return left.first < right.first; });

  box_bfgs_options bfgs;
  bfgs.max_iterations = options.max_iterations;
  bfgs.gradient_tolerance = options.tolerance;
  box_bfgs_result best;
  int starts_run = 0;
  for (const auto& candidate : candidates) {
    if (starts_run >= options.starts) break;
    ++starts_run;
    // Initial Hessian: forward differences of the analytic gradient, stepping into the box.
    const optimize_vector& x0 = candidate.second;
    optimize_vector g0(2);
    const double f0 = objective(x0, g0);
    optimize_matrix hessian(2, 2);
    for (Eigen::Index k = 0; k < 2; ++k) {
      optimize_vector x1 = x0;
      double step = 1e-5 * std::max(std::abs(x0[k]), 1e-2);
      if (x1[k] + step > upper[k]) step = -step;
      x1[k] += step;
      optimize_vector g1(2);
      (void)objective(x1, g1);
      hessian.col(k) = (g1 - g0) / step;
    }
    if (!std::isfinite(f0) || !hessian.allFinite()) hessian = optimize_matrix::Identity(2, 2);
    const box_bfgs_result result = minimize_box_bfgs(objective, x0, lower, upper, hessian, bfgs);
    if (std::isfinite(result.value) && (starts_run == 1 || !(result.value >= best.value))) best = result;
  }
  if (!std::isfinite(best.value)) throw_evaluation_error(component, "the optimiser found no finite log-likelihood");

  dcc_correlation_fit fit;
  const auto [a, b] = to_parameters(best.x);
  fit.a = a;
  fit.b = b;
  fit.qbar = qbar;
  fit.loglik = likelihood.evaluate(a, b, false).value;
  fit.observations = static_cast<std::size_t>(standardised_residuals.rows());
  fit.converged = best.converged;
  fit.status_reason = best.reason;
  if (a <= 1e-8) fit.status_reason += "; a at its lower bound 0";
  if (b <= 1e-8) fit.status_reason += "; b at its lower bound 0";
  if (a + b >= limit - 1e-8) fit.status_reason += "; a + b at max_persistence";
  if (!best.converged) fit.status_reason = "not converged: " + fit.status_reason;
  fit.iterations = best.iterations;
  fit.starts = starts_run;

  // Q_T, R_T and the forecasts with the streaming filter: the same code as the likelihood.
  dcc_correlation filter(a, b, qbar);
  const Eigen::MatrixXd& rows = likelihood.rows();
  const auto n = static_cast<std::size_t>(rows.rows());
  for (Eigen::Index t = 0; t < rows.cols(); ++t) {
    if (t + 1 == rows.cols()) {
      fit.q_last = filter.quasi_correlation();
      fit.r_last = filter.correlation();
    }
    throw_if_error(filter.update(std::span<const double>(rows.col(t).data(), n)), component,
                   "update at row " + std::to_string(t));
  }
  fit.q_forecast = filter.quasi_correlation();
  fit.correlation_forecast = filter.correlation();
  fit.function_evaluations = likelihood.evaluations();
  return fit;
}

}  // namespace detail

/// @brief Step 2 alone: fits a, b of DCC(1,1) to standardised residuals (file comment).
/// @param standardised_residuals T x n, n >= 2, T >= `dcc_minimum_observations`, finite.
/// @param options `univariate` is not used here.
/// @throws dynmargin::invalid_argument for bad data (row and column named), bad options or a
///         target that is not positive definite (collinear columns);
///         dynmargin::evaluation_error when no start gives a finite likelihood.
[[nodiscard]] inline dcc_correlation_fit fit_dcc_correlation(const Eigen::MatrixXd& standardised_residuals,
                                                             const fit_dcc_config& options = {}) {
  return detail::fit_dcc_correlation_named(standardised_residuals, options, "fit_dcc_correlation");
}

/// @brief Fits DCC(1,1)-GARCH(1,1) by two-step QML (file comment): a GARCH(1,1) per column,
///        then a, b of the correlations, and the one-step covariance forecast.
/// @param returns T x n (rows oldest first, one column per instrument), percent log returns
///        (any unit works: the GARCH fit rescales), n >= 2, T >= `dcc_minimum_observations`.
/// @throws dynmargin::invalid_argument for too few rows or columns, a non-finite return (the
///         message names its row, column and value), bad options, a column the GARCH fit
///         rejects (the message names the column), or collinear standardised residuals;
///         dynmargin::evaluation_error when step 2 finds no finite likelihood.
[[nodiscard]] inline dcc_fit_result fit_dcc(const Eigen::MatrixXd& returns, const fit_dcc_config& options = {}) {
  using namespace detail;
  constexpr std::string_view component = "fit_dcc";
  check_dcc_data(returns, component, "returns");
  check_fit_dcc_options(options, component);
  const Eigen::Index t_count = returns.rows();
  const Eigen::Index n = returns.cols();

  dcc_fit_result result;
  result.univariate.reserve(static_cast<std::size_t>(n));
  result.standardised_residuals.resize(t_count, n);
  result.volatility_forecast.resize(n);
  double univariate_loglik = 0.0;
  bool univariate_converged = true;
  std::string univariate_notes;
  for (Eigen::Index i = 0; i < n; ++i) {
    // A plain MatrixXd is column-major: column i is contiguous.
    const std::span<const double> column(returns.col(i).data(), static_cast<std::size_t>(t_count));
    try {
      result.univariate.push_back(fit_garch(column, options.univariate));
    } catch (const invalid_argument& error) {
      throw invalid_argument(std::string(component) + ": returns column " + std::to_string(i) + ": " + error.what());
    }
    const garch_fit_result& fit = result.univariate.back();
    const std::vector<double> variances = garch_conditional_variances(column, fit.parameters, options.univariate.start);
    for (Eigen::Index t = 0; t < t_count; ++t) {
      result.standardised_residuals(t, i) = (returns(t, i) - fit.parameters.mu) /
                                            std::sqrt(variances[static_cast<std::size_t>(t)]);
    }
    result.volatility_forecast[i] = fit.model.volatility();
    univariate_loglik += fit.loglik;
    if (!fit.converged) {
      univariate_converged = false;
      univariate_notes += "; column " + std::to_string(i) + " GARCH fit " + fit.status_reason;
    }
  }

  dcc_correlation_fit correlation = fit_dcc_correlation_named(result.standardised_residuals, options, component);
  result.a = correlation.a;
  result.b = correlation.b;
  result.qbar = std::move(correlation.qbar);
  result.loglik = correlation.loglik;
  result.loglik_total = univariate_loglik + correlation.loglik;
  result.q_last = std::move(correlation.q_last);
  result.r_last = std::move(correlation.r_last);
  result.q_forecast = std::move(correlation.q_forecast);
  result.correlation_forecast = std::move(correlation.correlation_forecast);
  // Sigma_ij = s_i R_ij s_j, computed once per pair so that Sigma is exactly symmetric.
  result.covariance_forecast.resize(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i <= j; ++i) {
      const double value = result.volatility_forecast[i] * result.correlation_forecast(i, j) *
                           result.volatility_forecast[j];
      result.covariance_forecast(i, j) = value;
      result.covariance_forecast(j, i) = value;
    }
  }
  result.observations = static_cast<std::size_t>(t_count);
  result.converged = correlation.converged && univariate_converged;
  result.status_reason = correlation.status_reason + univariate_notes;
  result.iterations = correlation.iterations;
  result.function_evaluations = correlation.function_evaluations;
  return result;
}

}  // namespace dynmargin

DYNMARGIN_SUPPRESS_GCC_105593_END
