// SPDX-License-Identifier: MIT
/// @file
/// @brief The nearest correlation matrix in the Frobenius norm (Higham 2002), for a matrix of
///        correlations that is not positive semidefinite (stressed, overridden or estimated
///        pairwise).
///
/// N. J. Higham, "Computing the nearest correlation matrix - a problem from finance", IMA
/// Journal of Numerical Analysis 22 (2002) 329-343: the nearest correlation matrix to a
/// symmetric A is the nearest point of the intersection of two closed convex sets, the positive
/// semidefinite cone S and the unit-diagonal matrices U, and alternating projections with
/// Dykstra's correction converge to it (Higham's Algorithm 3.3). With unit weights (W = I):
///     Delta S_0 = 0, Y_0 = A; for k = 1, 2, ...:
///         R_k = Y_{k-1} - Delta S_{k-1}     (Dykstra's correction, for S only: U is affine)
///         X_k = P_S(R_k)                    (eigen-decomposition, negative eigenvalues set to 0)
///         Delta S_k = X_k - R_k
///         Y_k = P_U(X_k)                    (the diagonal set to 1)
/// until the relative changes ||X_k - X_{k-1}|| / ||X_k||, ||Y_k - Y_{k-1}|| / ||Y_k|| and the
/// gap ||Y_k - X_k|| / ||Y_k|| are all at most `tolerance` (Frobenius norms).
///
/// Conventions:
///  - The matrix returned is D^-1/2 X_k D^-1/2 with D = diag(X_k) (the diagonal then set to
///    exactly 1 and the matrix made exactly symmetric): a congruence of a positive semidefinite
///    matrix, so it is positive semidefinite up to rounding, and unit-diagonal; it differs from
///    Y_k by O(tolerance). Y_k itself has a unit diagonal but may have an eigenvalue of about
///    -tolerance.
///  - `eigenvalue_floor` (default 0) projects onto {X : eigenvalues >= floor} instead of the PSD
///    cone (a closed convex set too, so the method still converges, to the nearest unit-diagonal
///    matrix with every eigenvalue >= floor). A floor > 0 makes the result strictly positive
///    definite, so that a Cholesky factorisation succeeds; the rescaling above keeps the
///    eigenvalues >= floor up to a relative O(tolerance).
///  - A matrix that already is a correlation matrix (unit diagonal, eigenvalues >= floor) is
///    returned unchanged, after 0 iterations.
///  - Only unit weights; Higham's weighted (W-norm and H-norm) variants are not implemented.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "dynmargin/core/error.hpp"
#include "dynmargin/portfolio/covariance.hpp"

namespace dynmargin {

/// @brief Settings of `nearest_correlation`.
struct nearest_correlation_settings {
  double tolerance = 1e-10;                                ///< relative change at which the iteration stops, in (0, 1)
  std::int64_t max_iterations = 10'000;                    ///< then evaluation_error
  double eigenvalue_floor = 0.0;                           ///< smallest eigenvalue of the result, in [0, 1)
  double symmetry_tolerance = default_symmetry_tolerance;  ///< of the input (see check_symmetric_matrix)
};

/// @brief The nearest correlation matrix and how it was found.
struct nearest_correlation_result {
  Eigen::MatrixXd matrix;       ///< symmetric, unit diagonal, eigenvalues >= floor (up to rounding)
  std::int64_t iterations = 0;  ///< alternating-projection steps (0 if the input already qualified)
  double distance = 0.0;        ///< ||matrix - a||_F
};

namespace detail {
/// Projection onto {X symmetric : eigenvalues >= floor}: V max(Lambda, floor) V^T, symmetrised.
inline void project_eigenvalues_onto_floor(const Eigen::MatrixXd& r, double floor,
                                           Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>& solver,
                                           Eigen::MatrixXd& out) {
  solver.compute(r, Eigen::ComputeEigenvectors);
  if (solver.info() != Eigen::Success) throw_evaluation_error("nearest_correlation", "eigen-decomposition failed");
  const Eigen::VectorXd clipped = solver.eigenvalues().cwiseMax(floor);
  const Eigen::MatrixXd& v = solver.eigenvectors();
  out.noalias() = v * clipped.asDiagonal() * v.transpose();
  out = 0.5 * (out + out.transpose()).eval();
}
}  // namespace detail

/// @brief The correlation matrix nearest to `a` in the Frobenius norm (Higham 2002, alternating
///        projections with Dykstra's correction, unit weights; see the file comment).
/// @param a a square, finite, symmetric matrix (within `settings.symmetry_tolerance`; the
///        method works on (a + a^T) / 2). Its diagonal need not be 1.
/// @throws dynmargin::invalid_argument naming a setting, or the size or entry of `a` (as
///         `check_symmetric_matrix`); dynmargin::evaluation_error when the iteration has not met
///         the tolerance after `max_iterations` steps (the message gives the last change).
[[nodiscard]] inline nearest_correlation_result nearest_correlation(const Eigen::MatrixXd& a,
                                                                    const nearest_correlation_settings& settings = {}) {
  constexpr std::string_view component = "nearest_correlation";
  if (!(settings.tolerance > 0.0 && settings.tolerance < 1.0))
    throw_invalid_argument(component, "tolerance", "must be in (0, 1)", settings.tolerance);
  if (settings.max_iterations < 1)
    throw_invalid_argument(component, "max_iterations", "must be at least 1", settings.max_iterations);
  if (!(settings.eigenvalue_floor >= 0.0 && settings.eigenvalue_floor < 1.0))
    throw_invalid_argument(component, "eigenvalue_floor", "must be in [0, 1)", settings.eigenvalue_floor);
  check_symmetric_matrix(a, component, "a", settings.symmetry_tolerance);

  const Eigen::Index n = a.rows();
  const double floor = settings.eigenvalue_floor;
  // Exact for an exactly symmetric a: 0.5 * (x + x) == x.
  const Eigen::MatrixXd symmetric = 0.5 * (a + a.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(n);

  // Already a correlation matrix (with the floor)? Then it is its own nearest.
  solver.compute(symmetric, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) throw_evaluation_error(component, "eigen-decomposition failed");
  if ((symmetric.diagonal().array() == 1.0).all() && solver.eigenvalues()(0) >= floor) {
    return {symmetric, 0, (symmetric - a).norm()};
  }

  Eigen::MatrixXd y = symmetric;
  Eigen::MatrixXd x = symmetric;
  Eigen::MatrixXd correction = Eigen::MatrixXd::Zero(n, n);
  Eigen::MatrixXd r(n, n);
  Eigen::MatrixXd x_next(n, n);
  Eigen::MatrixXd y_next(n, n);
  double change = 0.0;
  for (std::int64_t k = 1; k <= settings.max_iterations; ++k) {
    r = y - correction;
    detail::project_eigenvalues_onto_floor(r, floor, solver, x_next);
    correction = x_next - r;
    y_next = x_next;
    y_next.diagonal().setOnes();
    const double x_norm = x_next.norm();
    const double y_norm = y_next.norm();
    change = std::max({x_norm > 0.0 ? (x_next - x).norm() / x_norm : (x_next - x).norm(), (y_next - y).norm() / y_norm,
                       (y_next - x_next).norm() / y_norm});
    x.swap(x_next);
    y.swap(y_next);
    if (change <= settings.tolerance) {
      // D^-1/2 X D^-1/2: positive semidefinite by construction, unit diagonal (see the file
      // comment). diag(X) is within O(tolerance) of 1; the guard only protects the division.
      Eigen::MatrixXd result = y;
      if ((x.diagonal().array() > 0.0).all()) {
        const Eigen::VectorXd scale = x.diagonal().cwiseSqrt().cwiseInverse();
        result = scale.asDiagonal() * x * scale.asDiagonal();
        result = 0.5 * (result + result.transpose()).eval();
        result.diagonal().setOnes();
      }
      const double distance = (result - a).norm();
      return {std::move(result), k, distance};
    }
  }
  throw_evaluation_error(component, "no convergence after " + std::to_string(settings.max_iterations) +
                                        " iterations (last relative change " + detail::format_value(change) +
                                        ", tolerance " + detail::format_value(settings.tolerance) + ")");
}

}  // namespace dynmargin
