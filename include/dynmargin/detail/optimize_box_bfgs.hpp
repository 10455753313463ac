// SPDX-License-Identifier: MIT
/// @file
/// @brief A small bounded quasi-Newton minimiser (projected BFGS) for smooth objectives of a
///        few variables under box constraints, as used by the GARCH maximum-likelihood fit.
///
/// Method: the projected Newton scheme of Bertsekas ("Projected Newton methods for
/// optimization problems with simple constraints", SIAM J. Control Optim. 20, 1982) with a
/// BFGS approximation B of the Hessian (Nocedal and Wright, "Numerical Optimization", 2nd
/// ed., ch. 6, with Powell's damping, section 18.3):
///  - variables at a bound whose gradient pushes outwards are held fixed for the iteration;
///  - on the other ("free") variables the step solves B_FF d_F = -g_F (Cholesky);
///  - an Armijo backtracking line search along the projected path P(x + t d), with quadratic
///    interpolation of the step;
///  - convergence when the projected gradient x - P(x - g) is below the tolerance (inf-norm),
///    or when two successive iterations reduce f by less than a relative 1e-15 (f then rests
///    at the floating-point noise of its own evaluation) and the projected gradient is below
///    `stall_gradient_tolerance`; a stall with a larger gradient restarts the quasi-Newton
///    model once and is reported unconverged if it stalls again.
/// All vectors have a fixed maximum size, so the iteration allocates nothing.
// IWYU pragma: private, include "dynmargin/volatility/garch_fit.hpp"
#pragma once

// GCC PR 105593 (false -Wmaybe-uninitialized in Eigen): silenced for the code this header
// pulls in, restored at its end (detail/diagnostics.hpp).
#include "dynmargin/detail/diagnostics.hpp"
DYNMARGIN_SUPPRESS_GCC_105593_BEGIN

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

namespace dynmargin::detail {

inline constexpr int optimize_max_dimension = 8;
using optimize_vector = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, optimize_max_dimension, 1>;
using optimize_matrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, optimize_max_dimension, optimize_max_dimension>;

/// Settings of `minimize_box_bfgs`.
struct box_bfgs_options {
  int max_iterations = 200;
  int max_evaluations = 2000;
  double gradient_tolerance = 1e-9;   ///< inf-norm of the projected gradient
  double relative_tolerance = 1e-15;  ///< relative decrease of f treated as no progress
  /// Projected gradient (inf-norm) below which a stalled objective counts as converged.
  double stall_gradient_tolerance = 1e-6;
  double armijo = 1e-4;  ///< sufficient-decrease constant
};

/// Why `minimize_box_bfgs` stopped.
enum class box_bfgs_stop {
  gradient,
  function_change,
  step,
  iteration_limit,
  evaluation_limit,
  line_search,
  non_finite
};

/// Outcome of `minimize_box_bfgs`.
struct box_bfgs_result {
  optimize_vector x;
  optimize_vector gradient;
  double value = std::numeric_limits<double>::quiet_NaN();
  int iterations = 0;
  int evaluations = 0;
  bool converged = false;
  box_bfgs_stop stop = box_bfgs_stop::non_finite;
  double projected_gradient = std::numeric_limits<double>::infinity();
  std::string reason;
};

/// Replaces a symmetric matrix by the nearest one with eigenvalues >= floor * max eigenvalue.
[[nodiscard]] inline optimize_matrix make_positive_definite(const optimize_matrix& matrix, double floor = 1e-10) {
  const optimize_matrix symmetric = 0.5 * (matrix + matrix.transpose());
  Eigen::SelfAdjointEigenSolver<optimize_matrix> solver(symmetric);
  optimize_vector values = solver.eigenvalues().cwiseAbs();
  const double largest = values.maxCoeff();
  const double minimum = largest > 0.0 ? floor * largest : 1.0;
  for (Eigen::Index i = 0; i < values.size(); ++i) values[i] = std::max(values[i], minimum);
  return solver.eigenvectors() * values.asDiagonal() * solver.eigenvectors().transpose();
}

/// Minimises f over lower <= x <= upper.
/// @param objective `double(const optimize_vector& x, optimize_vector& gradient)`, returning
///        +infinity (or NaN) where f is undefined; the line search then backs off.
/// @param hessian initial Hessian approximation (made positive definite here).
template <class Objective>
[[nodiscard]] box_bfgs_result minimize_box_bfgs(Objective&& objective, optimize_vector x, const optimize_vector& lower,
                                                const optimize_vector& upper, const optimize_matrix& hessian,
                                                const box_bfgs_options& options) {
  const Eigen::Index n = x.size();
  box_bfgs_result result;
  auto clamp = [&](optimize_vector& v) {
    for (Eigen::Index i = 0; i < n; ++i) v[i] = std::clamp(v[i], lower[i], upper[i]);
  };
  auto projected_gradient_norm = [&](const optimize_vector& point, const optimize_vector& gradient) {
    double norm = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double moved = std::clamp(point[i] - gradient[i], lower[i], upper[i]);
      norm = std::max(norm, std::abs(point[i] - moved));
    }
    return norm;
  };
  clamp(x);
  optimize_vector g(n);
  double f = objective(x, g);
  result.evaluations = 1;
  if (!std::isfinite(f)) {
    result.x = x;
    result.value = f;
    result.stop = box_bfgs_stop::non_finite;
    result.reason = "objective not finite at the start";
    return result;
  }
  optimize_matrix b = make_positive_definite(hessian);
  const optimize_matrix b_initial = b;
  int quiet_iterations = 0;
  bool reset_tried = false;
  bool stall_reset_tried = false;
  optimize_vector trial(n);
  optimize_vector trial_gradient(n);
  optimize_vector direction(n);
  while (true) {
    const double pg = projected_gradient_norm(x, g);
    result.projected_gradient = pg;
    if (pg <= options.gradient_tolerance) {
      result.converged = true;
      result.stop = box_bfgs_stop::gradient;
      result.reason = "projected gradient below tolerance";
      break;
    }
    if (result.iterations >= options.max_iterations) {
      result.stop = box_bfgs_stop::iteration_limit;
      result.reason = "iteration limit reached";
      break;
    }
    if (result.evaluations >= options.max_evaluations) {
      result.stop = box_bfgs_stop::evaluation_limit;
      result.reason = "function evaluation limit reached";
      break;
    }
    ++result.iterations;
    // Free variables: not at a bound with the gradient pushing outwards.
    Eigen::Matrix<int, Eigen::Dynamic, 1, 0, optimize_max_dimension, 1> free_index(n);
    Eigen::Index free_count = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double margin = std::min(1e-10 * (upper[i] - lower[i]), pg);
      const bool at_lower = x[i] <= lower[i] + margin && g[i] > 0.0;
      const bool at_upper = x[i] >= upper[i] - margin && g[i] < 0.0;
      if (!at_lower && !at_upper) free_index[free_count++] = static_cast<int>(i);
    }
    direction.setZero();
    if (free_count > 0) {
      optimize_matrix reduced(free_count, free_count);
      optimize_vector reduced_gradient(free_count);
      for (Eigen::Index r = 0; r < free_count; ++r) {
        reduced_gradient[r] = g[free_index[r]];
        for (Eigen::Index c = 0; c < free_count; ++c) reduced(r, c) = b(free_index[r], free_index[c]);
      }
      Eigen::LLT<optimize_matrix> cholesky(reduced);
      optimize_vector step = cholesky.info() == Eigen::Success ? optimize_vector(-cholesky.solve(reduced_gradient))
                                                               : optimize_vector(-reduced_gradient);
      for (Eigen::Index r = 0; r < free_count; ++r) direction[free_index[r]] = step[r];
    }
    double slope = g.dot(direction);
    if (!(slope < 0.0)) {
      // Not a descent direction (all variables fixed, or B degenerate): steepest descent.
      direction = -g;
      slope = -g.squaredNorm();
    }
    // Armijo backtracking along the projected path.
    double t = 1.0;
    bool accepted = false;
    double trial_value = f;
    for (int attempt = 0; attempt < 50; ++attempt) {
      trial = x + t * direction;
      clamp(trial);
      const optimize_vector step = trial - x;
      if (step.cwiseAbs().maxCoeff() == 0.0) break;
      trial_value = objective(trial, trial_gradient);
      ++result.evaluations;
      const double decrease = g.dot(step);
      if (std::isfinite(trial_value) && trial_value <= f + options.armijo * decrease) {
        accepted = true;
        break;
      }
      double next = 0.1 * t;
      if (std::isfinite(trial_value)) {
        // Minimiser of the quadratic through f, the slope and the trial value.
        const double curvature = trial_value - f - slope * t;
        if (curvature > 0.0) next = std::clamp(-slope * t * t / (2.0 * curvature), 0.1 * t, 0.5 * t);
      }
      t = next;
      if (result.evaluations >= options.max_evaluations) break;
    }
    if (!accepted) {
      if (!reset_tried) {
        b = b_initial;  // the quasi-Newton model went stale: start it again once
        reset_tried = true;
        continue;
      }
      result.stop = box_bfgs_stop::line_search;
      result.reason = "line search found no decrease";
      // Converged in practice when no decrease is possible and the gradient is tiny.
      result.converged = pg <= 1e3 * options.gradient_tolerance;
      break;
    }
    reset_tried = false;
    const optimize_vector s = trial - x;
    const optimize_vector y = trial_gradient - g;
    const double decrease = f - trial_value;
    x = trial;
    g = trial_gradient;
    f = trial_value;
    // Damped BFGS update of B.
    const optimize_vector bs = b * s;
    const double s_b_s = s.dot(bs);
    const double s_y = s.dot(y);
    if (s_b_s > 0.0) {
      optimize_vector r = y;
      double s_r = s_y;
      if (s_y < 0.2 * s_b_s) {
        const double theta = 0.8 * s_b_s / (s_b_s - s_y);
        r = theta * y + (1.0 - theta) * bs;
        s_r = s.dot(r);
      }
      if (s_r > 0.0) b += r * r.transpose() / s_r - bs * bs.transpose() / s_b_s;
    }
    if (decrease <= options.relative_tolerance * std::max(1.0, std::abs(f))) {
      if (++quiet_iterations >= 2) {
        // A stalled objective is a minimum only where the projected gradient is small too: a
        // stale quasi-Newton model also stalls (GJR fits stopped 1e-3 short of fGarch's
        // optimum). Start the model again once; stop unconverged if it stalls again.
        const double stalled_gradient = projected_gradient_norm(x, g);
        result.projected_gradient = stalled_gradient;
        if (stalled_gradient <= options.stall_gradient_tolerance) {
          result.converged = true;
          result.stop = box_bfgs_stop::function_change;
          result.reason = "relative change of the objective below tolerance";
          break;
        }
        if (!stall_reset_tried) {
          stall_reset_tried = true;
          quiet_iterations = 0;
          b = b_initial;
          continue;
        }
        result.stop = box_bfgs_stop::function_change;
        result.reason = "objective stalled with the projected gradient " + std::to_string(stalled_gradient) +
                        " above " + std::to_string(options.stall_gradient_tolerance);
        break;
      }
    } else {
      quiet_iterations = 0;
    }
  }
  result.x = x;
  result.gradient = g;
  result.value = f;
  return result;
}

}  // namespace dynmargin::detail

DYNMARGIN_SUPPRESS_GCC_105593_END
