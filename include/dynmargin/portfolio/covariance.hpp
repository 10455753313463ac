// SPDX-License-Identifier: MIT
/// @file
/// @brief RiskMetrics EWMA covariance matrix of many instruments, and the checks a covariance or
///        correlation matrix must pass (square, finite, symmetric, positive semidefinite).
///
/// The multivariate RiskMetrics model (J.P. Morgan/Reuters, RiskMetrics Technical Document, 4th
/// ed., 1996, section 5.2) with zero mean:
///     Sigma_t = lambda Sigma_{t-1} + (1 - lambda) r_t r_t^T,
/// the same recursion as `ewma_volatility` (volatility/ewma.hpp) on every variance and
/// covariance at once, with one lambda for the whole matrix (RiskMetrics' choice, and what keeps
/// Sigma_t positive semidefinite: a positive combination of outer products). lambda = 0.94 is
/// RiskMetrics' daily value; a decay stated as a half-life in time comes from
/// `decay_from_half_life` (core/duration.hpp), e.g.
/// `config.lambda = decay_from_half_life(std::chrono::days{10}, std::chrono::days{1});`.
///
/// Start-up rules, the same three as volatility/ewma.hpp:
///  - `ewma_covariance_start::first_outer_product` (default): Sigma_1 = r_1 r_1^T after the first
///    return, then the recursion (ewma.hpp's first_squared_return on the diagonal). Sigma is of
///    rank 1 after one return, so every correlation is +-1 until a few returns have been seen;
///    `ready()` waits for the same automatic burn-in as ewma.hpp (76 returns at 0.94).
///  - `ewma_covariance_start::warmup_window`: Sigma_k = (1/k) sum_{s<=k} r_s r_s^T (the zero-mean
///    sample covariance) for the first `warmup` returns, then the recursion.
///  - `ewma_covariance_start::given`: a seed matrix from the caller (n x n, symmetric, finite,
///    positive semidefinite, positive diagonal) is Sigma_0, the forecast before any return.
/// Sigma_t is the forecast of the covariance of r_{t+1}.
///
/// `update` is noexcept and allocation-free (the matrix is allocated at construction): a
/// `status` error leaves the state unchanged. `update_or_throw` is the throwing path.
///
/// `check_positive_semidefinite` reports the smallest eigenvalue of a symmetric matrix (Eigen's
/// self-adjoint eigensolver) and `require_positive_semidefinite` throws when it is negative
/// beyond a tolerance, pointing to `nearest_correlation` (portfolio/nearest_correlation.hpp,
/// Higham 2002) for a correlation matrix that is not.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/volatility/ewma.hpp"

namespace dynmargin {

/// @brief Default relative tolerance of the symmetry check: |a_ij - a_ji| <= tol * max |a_kl|.
inline constexpr double default_symmetry_tolerance = 1e-12;
/// @brief Default relative tolerance of the PSD check: lambda_min >= -tol * max |lambda|.
inline constexpr double default_positive_semidefinite_tolerance = 1e-12;

namespace detail {
/// "<parameter>(i, j)", the name of one entry in a message.
[[nodiscard]] inline std::string matrix_entry_name(std::string_view parameter, Eigen::Index row, Eigen::Index column) {
  std::string name(parameter);
  name.append("(").append(std::to_string(row)).append(", ").append(std::to_string(column)).append(")");
  return name;
}
}  // namespace detail

/// @brief Checks that a matrix is non-empty, square, finite and symmetric.
/// @param component,parameter name the matrix in the message, e.g. ("nearest_correlation", "a").
/// @param symmetry_tolerance relative: |a_ij - a_ji| <= tolerance * max |a_kl| (0 = exact).
/// @throws dynmargin::invalid_argument naming the size, or the entry (row, column) and its value.
inline void check_symmetric_matrix(const Eigen::MatrixXd& matrix, std::string_view component,
                                   std::string_view parameter, double symmetry_tolerance = default_symmetry_tolerance) {
  if (!(std::isfinite(symmetry_tolerance) && symmetry_tolerance >= 0.0))
    throw_invalid_argument(component, "symmetry_tolerance", "must be finite and >= 0", symmetry_tolerance);
  if (matrix.rows() != matrix.cols() || matrix.rows() == 0)
    throw_invalid_argument(component, parameter, "must be a non-empty square matrix",
                           std::to_string(matrix.rows()) + " x " + std::to_string(matrix.cols()));
  const Eigen::Index n = matrix.rows();
  double largest = 0.0;
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      const double v = matrix(i, j);
      if (!std::isfinite(v))
        throw_invalid_argument(component, detail::matrix_entry_name(parameter, i, j), "must be finite", v);
      largest = std::max(largest, std::abs(v));
    }
  }
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = j + 1; i < n; ++i) {
      if (std::abs(matrix(i, j) - matrix(j, i)) > symmetry_tolerance * largest) {
        throw_invalid_argument(component, detail::matrix_entry_name(parameter, i, j),
                               "must equal " + detail::matrix_entry_name(parameter, j, i) + " = " +
                                   detail::format_value(matrix(j, i)) + " (the matrix must be symmetric)",
                               matrix(i, j));
      }
    }
  }
}

/// @brief What `check_positive_semidefinite` found.
struct positive_semidefinite_report {
  bool is_psd = true;                     ///< smallest_eigenvalue >= -tolerance * max |eigenvalue|
  double smallest_eigenvalue = 0.0;       ///< of the (symmetric) matrix
  double largest_abs_eigenvalue = 0.0;    ///< the scale the tolerance is relative to
  Eigen::Index negative_eigenvalues = 0;  ///< how many lie below -tolerance * max |eigenvalue|
  /// The instrument (row) with the largest weight in the eigenvector of the smallest eigenvalue:
  /// the one most involved in the inconsistency.
  Eigen::Index dominant_instrument = 0;
};

/// @brief Eigenvalues of a symmetric matrix: is it positive semidefinite?
/// @param tolerance relative to the largest eigenvalue in absolute value (scale-free, so the
///        same default serves covariances in percent squared and correlations).
/// @param component,parameter name the matrix in a validation message.
/// @throws dynmargin::invalid_argument as `check_symmetric_matrix`, or naming the tolerance;
///         dynmargin::evaluation_error if the eigensolver fails.
[[nodiscard]] inline positive_semidefinite_report check_positive_semidefinite(
    const Eigen::MatrixXd& matrix, double tolerance = default_positive_semidefinite_tolerance,
    std::string_view component = "check_positive_semidefinite", std::string_view parameter = "matrix") {
  if (!(std::isfinite(tolerance) && tolerance >= 0.0))
    throw_invalid_argument(component, "tolerance", "must be finite and >= 0", tolerance);
  check_symmetric_matrix(matrix, component, parameter);
  // The solver reads the lower triangle only; the symmetry check above makes that harmless.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(matrix, Eigen::ComputeEigenvectors);
  if (solver.info() != Eigen::Success) throw_evaluation_error(component, "eigen-decomposition failed");
  const Eigen::VectorXd& eigenvalues = solver.eigenvalues();  // ascending
  positive_semidefinite_report report;
  report.smallest_eigenvalue = eigenvalues(0);
  report.largest_abs_eigenvalue = eigenvalues.cwiseAbs().maxCoeff();
  const double threshold = -tolerance * report.largest_abs_eigenvalue;
  for (Eigen::Index k = 0; k < eigenvalues.size(); ++k) {
    if (eigenvalues(k) < threshold) ++report.negative_eigenvalues;
  }
  report.is_psd = report.smallest_eigenvalue >= threshold;
  solver.eigenvectors().col(0).cwiseAbs().maxCoeff(&report.dominant_instrument);
  return report;
}

/// @brief Throws unless `matrix` is square, finite, symmetric and positive semidefinite.
/// @param component,what name the matrix, e.g. ("ewma_covariance", "initial_covariance").
/// @throws dynmargin::invalid_argument naming the smallest eigenvalue (and saying that
///         `nearest_correlation` gives the nearest correlation matrix), or as
///         `check_positive_semidefinite`.
inline void require_positive_semidefinite(const Eigen::MatrixXd& matrix, std::string_view component,
                                          std::string_view what,
                                          double tolerance = default_positive_semidefinite_tolerance) {
  const positive_semidefinite_report report = check_positive_semidefinite(matrix, tolerance, component, what);
  if (report.is_psd) return;
  throw_invalid_argument(
      component, what,
      "must be positive semidefinite (eigenvalues >= -" + detail::format_value(tolerance) +
          " x the largest in absolute value); nearest_correlation (dynmargin/portfolio/nearest_correlation.hpp) "
          "gives the nearest correlation matrix",
      "smallest eigenvalue " + detail::format_value(report.smallest_eigenvalue) + " (" +
          std::to_string(report.negative_eigenvalues) + " negative of " + std::to_string(matrix.rows()) +
          ", mostly instrument " + std::to_string(report.dominant_instrument) + ")");
}

/// @brief The correlation matrix of a covariance matrix: c_ij = s_ij / sqrt(s_ii s_jj), unit diagonal.
/// @throws dynmargin::domain_error naming the instrument whose variance is not > 0 (its
///         correlations are undefined); dynmargin::invalid_argument if not square.
[[nodiscard]] inline Eigen::MatrixXd correlation_from_covariance(const Eigen::MatrixXd& covariance,
                                                                 std::string_view component = "correlation") {
  if (covariance.rows() != covariance.cols())
    throw_invalid_argument(component, "covariance", "must be square",
                           std::to_string(covariance.rows()) + " x " + std::to_string(covariance.cols()));
  const Eigen::Index n = covariance.rows();
  Eigen::VectorXd scale(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double v = covariance(i, i);
    if (!(v > 0.0 && std::isfinite(v)))
      throw_domain_error(component, "variance of instrument " + std::to_string(i),
                         "must be finite and > 0 to form a correlation", v);
    scale(i) = 1.0 / std::sqrt(v);
  }
  Eigen::MatrixXd correlation(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) correlation(i, j) = covariance(i, j) * scale(i) * scale(j);
    correlation(j, j) = 1.0;
  }
  return correlation;
}

/// @brief How an EWMA covariance starts (see the file comment).
enum class ewma_covariance_start : std::uint8_t { first_outer_product, warmup_window, given };

/// @brief Configuration of `ewma_covariance`.
struct ewma_covariance_config {
  decay_factor lambda{0.94};  ///< decay factor in (0, 1); see `decay_from_half_life`
  ewma_covariance_start start = ewma_covariance_start::first_outer_product;
  std::int64_t warmup = 0;             ///< returns in the warm-up window (warmup_window only, >= 1)
  Eigen::MatrixXd initial_covariance;  ///< Sigma_0 (given only): n x n, symmetric, PSD, positive diagonal
  std::int64_t burn_in = 0;            ///< first_outer_product: returns before ready(); 0 = automatic (1% rule)
};

/// @brief RiskMetrics EWMA covariance matrix of n instruments (zero mean).
///
/// A regular value type: copying it copies the state (copy-assigning to an object of the same
/// size does not allocate).
class ewma_covariance {
 public:
  using config_type = ewma_covariance_config;  ///< what the constructor takes

  /// @param instruments n >= 1, the length of every return vector.
  /// @throws dynmargin::invalid_argument naming instruments, warmup, burn_in or
  ///         initial_covariance (its size, an entry, or its smallest eigenvalue).
  explicit ewma_covariance(Eigen::Index instruments, const ewma_covariance_config& config = {}) : config_(config) {
    if (instruments < 1) throw_invalid_argument("ewma_covariance", "instruments", "must be at least 1", instruments);
    if (config.burn_in < 0)
      throw_invalid_argument("ewma_covariance", "burn_in", "must be >= 0 (0 = automatic)", config.burn_in);
    burn_in_ = config.burn_in > 0 ? config.burn_in : ewma_default_burn_in(config.lambda.value());
    if (config.start == ewma_covariance_start::warmup_window && config.warmup < 1)
      throw_invalid_argument("ewma_covariance", "warmup", "must be at least 1 return", config.warmup);
    covariance_ = Eigen::MatrixXd::Zero(instruments, instruments);
    if (config.start == ewma_covariance_start::given) {
      const Eigen::MatrixXd& seed = config.initial_covariance;
      if (seed.rows() != instruments || seed.cols() != instruments)
        throw_invalid_argument("ewma_covariance", "initial_covariance",
                               "must be " + std::to_string(instruments) + " x " + std::to_string(instruments),
                               std::to_string(seed.rows()) + " x " + std::to_string(seed.cols()));
      require_positive_semidefinite(seed, "ewma_covariance", "initial_covariance");
      for (Eigen::Index i = 0; i < instruments; ++i) {
        if (!(seed(i, i) > 0.0))
          throw_invalid_argument("ewma_covariance", detail::matrix_entry_name("initial_covariance", i, i),
                                 "must be > 0 (a variance)", seed(i, i));
      }
      // Exactly symmetric from the start, so that covariance() is symmetric bit for bit.
      covariance_ = 0.5 * (seed + seed.transpose());
    }
    config_.initial_covariance.resize(0, 0);  // the seed lives on in covariance_ only
  }

  /// @brief Convenience: n instruments, lambda only, first-outer-product start.
  /// @throws dynmargin::invalid_argument naming lambda when it is not in (0, 1), or instruments.
  ewma_covariance(Eigen::Index instruments, double lambda) : ewma_covariance(instruments, config_with_lambda(lambda)) {}

  /// @brief Absorbs one return per instrument. O(n^2), no allocation.
  /// @return `status::invalid_argument` when returns.size() != instruments(),
  ///         `status::non_finite_input` for a NaN or infinity, `status::domain_error` when a
  ///         return is so large (|r| > 1e150) that its square could overflow; the state is then
  ///         unchanged.
  status update(std::span<const double> returns) noexcept {
    const Eigen::Index n = covariance_.rows();
    if (returns.size() != static_cast<std::size_t>(n)) return status::invalid_argument;
    for (const double r : returns) {
      if (!std::isfinite(r)) return status::non_finite_input;
      if (std::abs(r) > 1e150) return status::domain_error;
    }
    const std::int64_t seen = observations_;
    const double lambda = config_.lambda.value();
    double keep = lambda;
    double weight = 1.0 - lambda;
    if (config_.start == ewma_covariance_start::first_outer_product && seen == 0) {
      keep = 0.0;
      weight = 1.0;
    } else if (config_.start == ewma_covariance_start::warmup_window && seen < config_.warmup) {
      // Running mean of the outer products: Sigma_k = ((k-1)/k) Sigma_{k-1} + (1/k) r r^T.
      const double k = static_cast<double>(seen + 1);
      keep = static_cast<double>(seen) / k;
      weight = 1.0 / k;
    }
    // Upper triangle computed once and mirrored, so the matrix stays symmetric bit for bit.
    for (Eigen::Index j = 0; j < n; ++j) {
      const double rj = returns[static_cast<std::size_t>(j)];
      for (Eigen::Index i = 0; i <= j; ++i) {
        const double value = keep * covariance_(i, j) + weight * (returns[static_cast<std::size_t>(i)] * rj);
        covariance_(i, j) = value;
        covariance_(j, i) = value;
      }
    }
    observations_ = seen + 1;
    return status::ok;
  }

  /// @brief As `update`, throwing instead of returning an error status.
  /// @throws dynmargin::invalid_argument naming the size or the entry returns[i] and its value;
  ///         dynmargin::domain_error for a return too large to square.
  void update_or_throw(std::span<const double> returns) {
    const Eigen::Index n = covariance_.rows();
    if (returns.size() != static_cast<std::size_t>(n))
      throw_invalid_argument("ewma_covariance", "returns",
                             "must hold one return per instrument (" + std::to_string(n) + ")", returns.size());
    for (std::size_t i = 0; i < returns.size(); ++i) {
      const std::string name = "returns[" + std::to_string(i) + "]";
      if (!std::isfinite(returns[i])) throw_invalid_argument("ewma_covariance", name, "must be finite", returns[i]);
      if (std::abs(returns[i]) > 1e150)
        throw_domain_error("ewma_covariance", name, "must be at most 1e150 in absolute value", returns[i]);
    }
    throw_if_error(update(returns), "ewma_covariance", "update");
  }

  /// @brief Sigma_t, the one-step covariance forecast (zero before the first return unless `given`).
  [[nodiscard]] const Eigen::MatrixXd& covariance() const noexcept { return covariance_; }
  /// @brief Covariance of the sum of the next `steps` returns: steps * Sigma_t (flat forecasts).
  [[nodiscard]] Eigen::MatrixXd covariance(std::int64_t steps) const {
    return static_cast<double>(steps) * covariance_;
  }
  /// @brief The correlation matrix of Sigma_t (unit diagonal).
  /// @throws dynmargin::domain_error naming the instrument whose variance is still 0.
  [[nodiscard]] Eigen::MatrixXd correlation() const {
    return correlation_from_covariance(covariance_, "ewma_covariance");
  }
  /// @brief The one-step volatilities, sqrt of the diagonal of Sigma_t.
  [[nodiscard]] Eigen::VectorXd volatilities() const { return covariance_.diagonal().cwiseSqrt(); }
  /// @brief Returns absorbed so far.
  [[nodiscard]] std::int64_t observations() const noexcept { return observations_; }
  /// @brief Number of instruments n.
  [[nodiscard]] Eigen::Index instruments() const noexcept { return covariance_.rows(); }
  /// @brief True once the burn-in is over: first_outer_product after `burn_in()` returns,
  ///        warmup_window after `warmup`, given at once (as `ewma_volatility::ready`).
  [[nodiscard]] bool ready() const noexcept {
    switch (config_.start) {
      case ewma_covariance_start::first_outer_product: return observations_ >= burn_in_;
      case ewma_covariance_start::warmup_window: return observations_ >= config_.warmup;
      case ewma_covariance_start::given: return true;
    }
    return false;
  }
  /// @brief Returns a first-outer-product start needs before `ready()` (config or automatic).
  [[nodiscard]] std::int64_t burn_in() const noexcept { return burn_in_; }
  /// @brief The configuration (its `initial_covariance` is emptied after construction).
  [[nodiscard]] const ewma_covariance_config& config() const noexcept { return config_; }

 private:
  [[nodiscard]] static ewma_covariance_config config_with_lambda(double lambda) {
    ewma_covariance_config config;
    config.lambda = decay_factor(lambda, "ewma_covariance", "lambda");
    return config;
  }

  ewma_covariance_config config_;
  std::int64_t burn_in_ = 1;
  Eigen::MatrixXd covariance_;
  std::int64_t observations_ = 0;
};

}  // namespace dynmargin
