// SPDX-License-Identifier: MIT
/// @file
/// @brief The steps of `fit_garch` (volatility/garch_fit.hpp, whose file comment describes the
///        method): scale the returns, map the optimiser's variables to the parameters, the
///        objective and its finite-difference Hessian, the start values, the optimisation from
///        the best starts, and the standard errors. Each step is a named function of what it
///        needs; `fit_garch` calls them in order.
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
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "dynmargin/core/error.hpp"
#include "dynmargin/detail/optimize_box_bfgs.hpp"
#include "dynmargin/volatility/detail/garch_likelihood.hpp"
#include "dynmargin/volatility/garch.hpp"

namespace dynmargin::detail {

/// At least `minimum` returns, all finite; names the first that is not.
inline void check_garch_returns(std::span<const double> returns, std::string_view component, std::size_t minimum) {
  if (returns.size() < minimum) {
    throw_invalid_argument(component, "returns", "must hold at least " + std::to_string(minimum) + " observations",
                           returns.size());
  }
  for (std::size_t i = 0; i < returns.size(); ++i) {
    if (!std::isfinite(returns[i])) {
      throw_invalid_argument(component, "returns[" + std::to_string(i) + "]", "must be finite", returns[i]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Scale: x = r / sd(r)
// ---------------------------------------------------------------------------------------------

/// The returns divided by their sample standard deviation, and that deviation.
struct garch_scaled_returns {
  double scale = 1.0;
  std::vector<double> values;
};

/// @throws dynmargin::invalid_argument naming `component` when the returns are constant.
[[nodiscard]] inline garch_scaled_returns scale_garch_returns(std::span<const double> returns,
                                                              std::string_view component) {
  const std::size_t n = returns.size();
  const double count = static_cast<double>(n);
  double mean = 0.0;
  for (double r : returns) mean += r;
  mean /= count;
  double sum_squares = 0.0;
  for (double r : returns) sum_squares += (r - mean) * (r - mean);
  const double scale = std::sqrt(sum_squares / (count - 1.0));
  if (!(scale > 0.0) || !std::isfinite(scale)) {
    throw_invalid_argument(component, "returns", "must not be constant (standard deviation must be > 0)", scale);
  }
  garch_scaled_returns out{scale, std::vector<double>(n)};
  for (std::size_t i = 0; i < n; ++i) out.values[i] = returns[i] / scale;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The optimiser's variables u and the parameters theta
// ---------------------------------------------------------------------------------------------

using garch_jacobian = Eigen::Matrix<double, 6, Eigen::Dynamic, 0, 6, optimize_max_dimension>;

/// Maps the optimiser's variables u to the full parameter vector theta (scaled data) and
/// gives the Jacobian d theta / d u (see the file comment of garch_fit.hpp).
class garch_parameter_map {
 public:
  garch_parameter_map(bool asymmetric, bool student, bool stationary, bool targeting, double cap,
                      const garch_likelihood& likelihood)
      : asymmetric_(asymmetric),
        student_(student),
        stationary_(stationary),
        targeting_(targeting),
        cap_(cap),
        likelihood_(&likelihood) {
    int k = 0;
    mu_ = k++;
    omega_ = targeting ? -1 : k++;
    a_positive_ = k++;
    a_negative_ = asymmetric ? k++ : -1;
    b_ = k++;
    nu_ = student ? k++ : -1;
    size_ = k;
  }
  [[nodiscard]] int size() const noexcept { return size_; }
  /// theta(u) and the 6 x k Jacobian.
  void map(const optimize_vector& u, garch_vector& theta, garch_jacobian& jacobian) const {
    jacobian.setZero(6, size_);
    const double a_pos = u[a_positive_];
    const double a_neg = asymmetric_ ? u[a_negative_] : a_pos;
    const double arch = asymmetric_ ? 0.5 * (a_pos + a_neg) : a_pos;  // alpha + gamma/2
    theta = {};
    theta[garch_mu] = u[mu_];
    theta[garch_alpha] = a_pos;
    theta[garch_gamma] = asymmetric_ ? a_neg - a_pos : 0.0;
    jacobian(garch_mu, mu_) = 1.0;
    jacobian(garch_alpha, a_positive_) = 1.0;
    if (asymmetric_) {
      jacobian(garch_gamma, a_positive_) = -1.0;
      jacobian(garch_gamma, a_negative_) = 1.0;
    }
    // d arch / d u
    Eigen::Matrix<double, Eigen::Dynamic, 1, 0, optimize_max_dimension, 1> arch_u = Eigen::VectorXd::Zero(size_);
    arch_u[a_positive_] = asymmetric_ ? 0.5 : 1.0;
    if (asymmetric_) arch_u[a_negative_] = 0.5;
    Eigen::Matrix<double, Eigen::Dynamic, 1, 0, optimize_max_dimension, 1> beta_u = Eigen::VectorXd::Zero(size_);
    if (stationary_) {
      const double room = cap_ - arch;
      theta[garch_beta] = u[b_] * room;
      beta_u = -u[b_] * arch_u;
      beta_u[b_] = room;
    } else {
      theta[garch_beta] = u[b_];
      beta_u[b_] = 1.0;
    }
    for (int j = 0; j < size_; ++j) jacobian(garch_beta, j) = beta_u[j];
    if (targeting_) {
      const double persistence = arch + theta[garch_beta];
      const double moment = likelihood_->second_moment(theta[garch_mu]);
      theta[garch_omega] = moment * (1.0 - persistence);
      for (int j = 0; j < size_; ++j) jacobian(garch_omega, j) = -moment * (arch_u[j] + beta_u[j]);
      jacobian(garch_omega, mu_) += (1.0 - persistence) * likelihood_->second_moment_derivative(theta[garch_mu]);
    } else {
      theta[garch_omega] = u[omega_];
      jacobian(garch_omega, omega_) = 1.0;
    }
    if (student_) {
      theta[garch_nu] = u[nu_];
      jacobian(garch_nu, nu_) = 1.0;
    }
  }

  /// u from a full parameter vector (the inverse map, for start values).
  [[nodiscard]] optimize_vector inverse(const garch_vector& theta) const {
    optimize_vector u(size_);
    u[mu_] = theta[garch_mu];
    if (!targeting_) u[omega_] = theta[garch_omega];
    u[a_positive_] = theta[garch_alpha];
    if (asymmetric_) u[a_negative_] = theta[garch_alpha] + theta[garch_gamma];
    const double arch = theta[garch_alpha] + (asymmetric_ ? 0.5 * theta[garch_gamma] : 0.0);
    u[b_] = stationary_ ? theta[garch_beta] / std::max(cap_ - arch, 1e-12) : theta[garch_beta];
    if (student_) u[nu_] = theta[garch_nu];
    return u;
  }

  /// The box on u from a box on theta (`box_lower`, `box_upper`; the alpha entries also bound
  /// alpha + gamma, the gamma entries are not used).
  void bounds(const garch_vector& box_lower, const garch_vector& box_upper, optimize_vector& lower,
              optimize_vector& upper) const {
    lower.resize(size_);
    upper.resize(size_);
    lower[mu_] = box_lower[garch_mu];
    upper[mu_] = box_upper[garch_mu];
    if (!targeting_) {
      lower[omega_] = box_lower[garch_omega];
      upper[omega_] = box_upper[garch_omega];
    }
    const double alpha_upper = stationary_ ? std::min(box_upper[garch_alpha], cap_) : box_upper[garch_alpha];
    lower[a_positive_] = box_lower[garch_alpha];
    upper[a_positive_] = alpha_upper;
    if (asymmetric_) {
      lower[a_negative_] = box_lower[garch_alpha];
      upper[a_negative_] = alpha_upper;
    }
    lower[b_] = stationary_ ? 1e-8 : box_lower[garch_beta];
    upper[b_] = stationary_ ? 1.0 : box_upper[garch_beta];
    if (student_) {
      lower[nu_] = box_lower[garch_nu];
      upper[nu_] = box_upper[garch_nu];
    }
  }

  /// Name of optimiser variable i (for messages about bounds).
  [[nodiscard]] std::string variable_name(int i) const {
    if (i == mu_) return "mu";
    if (i == omega_) return "omega";
    if (i == a_positive_) return "alpha";
    if (i == a_negative_) return "alpha + gamma";
    if (i == b_) return stationary_ ? "persistence (beta at its stationarity limit)" : "beta";
    return "nu";
  }

  /// Position in the full parameter vector of the public parameter optimiser variable i
  /// stands for (alpha + gamma: gamma; the stationarity share: beta).
  [[nodiscard]] std::size_t public_index_of(int i) const noexcept {
    if (i == mu_) return garch_mu;
    if (i == omega_) return garch_omega;
    if (i == a_positive_) return garch_alpha;
    if (i == a_negative_) return garch_gamma;
    if (i == b_) return garch_beta;
    return garch_nu;
  }

  /// Names of the public parameters the model estimates, in `hessian` order, and their
  /// positions in the full vector.
  [[nodiscard]] std::vector<std::size_t> public_indices() const {
    std::vector<std::size_t> out{garch_mu, garch_omega, garch_alpha};
    if (asymmetric_) out.push_back(garch_gamma);
    out.push_back(garch_beta);
    if (student_) out.push_back(garch_nu);
    return out;
  }

 private:
  bool asymmetric_;
  bool student_;
  bool stationary_;
  bool targeting_;
  double cap_;
  const garch_likelihood* likelihood_;
  int mu_ = 0, omega_ = 0, a_positive_ = 0, a_negative_ = 0, b_ = 0, nu_ = 0, size_ = 0;
};

inline const char* garch_parameter_name(std::size_t index) {
  static constexpr const char* names[] = {"mu", "omega", "alpha", "gamma", "beta", "nu"};
  return names[index];
}

// ---------------------------------------------------------------------------------------------
// The problem and its objective
// ---------------------------------------------------------------------------------------------

/// What the fit optimises, on the scaled data: the model's shape, the likelihood, the map from
/// the optimiser's variables u and their box. Refers to the likelihood it is given.
struct garch_fit_problem {
  /// @param box_lower, box_upper the box on theta (see `garch_parameter_map::bounds`).
  garch_fit_problem(garch_likelihood& fit_likelihood, bool is_asymmetric, bool is_student, bool is_stationary,
                    bool targeting, double max_persistence, const garch_vector& box_lower,
                    const garch_vector& box_upper)
      : asymmetric(is_asymmetric),
        student(is_student),
        stationary(is_stationary),
        variance_targeting(targeting),
        cap(max_persistence),
        likelihood(&fit_likelihood),
        map(is_asymmetric, is_student, is_stationary, targeting, max_persistence, fit_likelihood) {
    map.bounds(box_lower, box_upper, lower, upper);
  }
  bool asymmetric;
  bool student;
  bool stationary;          ///< beta optimised as a share of the room below `cap`
  bool variance_targeting;  ///< omega implied by the other parameters
  double cap;               ///< the stationarity bound on alpha + gamma/2 + beta
  garch_likelihood* likelihood;
  garch_parameter_map map;
  optimize_vector lower;
  optimize_vector upper;
};

/// The optimiser's objective, -loglik / n on the scaled data as a function of u, with its
/// analytic gradient and a finite-difference Hessian; counts the likelihood evaluations.
class garch_fit_objective {
 public:
  explicit garch_fit_objective(const garch_fit_problem& problem)
      : problem_(&problem), count_(static_cast<double>(problem.likelihood->size())) {}

  /// Value and gradient in u; +infinity where the likelihood is not finite.
  double operator()(const optimize_vector& u, optimize_vector& gradient) {
    garch_vector theta;
    garch_jacobian jacobian;
    problem_->map.map(u, theta, jacobian);
    garch_vector g{};
    ++evaluations_;
    const double value = problem_->likelihood->value_and_gradient(theta, g);
    if (!std::isfinite(value)) return std::numeric_limits<double>::infinity();
    const Eigen::Map<const Eigen::Matrix<double, 6, 1>> g_theta(g.data());
    gradient = -(jacobian.transpose() * g_theta) / count_;
    return -value / count_;
  }

  /// The value alone.
  [[nodiscard]] double value(const optimize_vector& u) {
    garch_vector theta;
    garch_jacobian jacobian;
    problem_->map.map(u, theta, jacobian);
    ++evaluations_;
    const double value = problem_->likelihood->value(theta);
    return std::isfinite(value) ? -value / count_ : std::numeric_limits<double>::infinity();
  }

  /// Finite-difference Hessian of the analytic gradient (forward or central differences),
  /// symmetrised.
  [[nodiscard]] optimize_matrix hessian(const optimize_vector& u, bool central) {
    const int k = problem_->map.size();
    optimize_matrix h(k, k);
    optimize_vector g0(k);
    optimize_vector gp(k);
    optimize_vector gm(k);
    if (!central) (void)(*this)(u, g0);
    for (int j = 0; j < k; ++j) {
      const double step = 1e-5 * std::max(std::abs(u[j]), 1e-3);
      optimize_vector up = u;
      up[j] += step;
      (void)(*this)(up, gp);
      if (central) {
        optimize_vector down = u;
        down[j] -= step;
        (void)(*this)(down, gm);
        h.col(j) = (gp - gm) / (2.0 * step);
      } else {
        h.col(j) = (gp - g0) / step;
      }
    }
    return optimize_matrix(0.5 * (h + h.transpose()));
  }

  /// Likelihood evaluations so far; the later steps add theirs.
  [[nodiscard]] int& evaluations() noexcept { return evaluations_; }

 private:
  const garch_fit_problem* problem_;
  double count_;
  int evaluations_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Start values
// ---------------------------------------------------------------------------------------------

/// A start value in u and its objective value.
struct garch_start_candidate {
  optimize_vector u;
  double value;
};

/// Persistence levels of the start grid. GARCH likelihoods of a few thousand hourly returns
/// are often bimodal: a persistent mode (p ~ 0.97) and a short-memory one (alpha ~ 0.25,
/// beta ~ 0.35); a grid of high persistences only never starts near the second.
inline constexpr std::array<double, 4> garch_start_persistences{0.6, 0.9, 0.97, 0.995};

/// fGarch's start (mu = mean, omega = 0.1 var, alpha 0.1, beta 0.8, nu 4), then a grid over
/// alpha + gamma/2, persistence, gamma and nu with omega set by the sample variance; clamped
/// to the box. Ordered for diversity: the best candidate (by objective value) of each
/// persistence level, best level first, then the second best of each, and so on, so that the
/// first k starts cover min(k, 4) levels (fGarch's start counts in the 0.9 level and is first
/// among equals).
[[nodiscard]] inline std::vector<garch_start_candidate> garch_start_candidates(const garch_fit_problem& problem,
                                                                               garch_fit_objective& objective) {
  const int k = problem.map.size();
  const double x_mean = problem.likelihood->data_mean();
  auto clamp_to_box = [&](optimize_vector u) {
    for (int i = 0; i < k; ++i) u[i] = std::clamp(u[i], problem.lower[i], problem.upper[i]);
    return u;
  };
  std::array<std::vector<garch_start_candidate>, garch_start_persistences.size()> levels;
  auto add_candidate = [&](std::size_t level, double alpha, double gamma, double beta, double nu, double omega) {
    garch_vector theta{x_mean, omega, alpha, problem.asymmetric ? gamma : 0.0, beta, nu};
    const optimize_vector u = clamp_to_box(problem.map.inverse(theta));
    levels[level].push_back({u, objective.value(u)});
  };
  add_candidate(1, 0.1, problem.asymmetric ? 0.1 : 0.0, 0.8, 4.0, 0.1 * problem.likelihood->second_moment(x_mean));
  constexpr std::array<double, 2> gamma_grid{0.0, 0.1};
  constexpr std::array<double, 2> nu_grid{3.0, 6.0};
  for (double arch : {0.05, 0.1, 0.2}) {
    for (std::size_t level = 0; level < garch_start_persistences.size(); ++level) {
      const double persistence = garch_start_persistences[level];
      for (std::size_t gi = 0; gi < (problem.asymmetric ? gamma_grid.size() : 1); ++gi) {
        for (std::size_t ni = 0; ni < (problem.student ? nu_grid.size() : 1); ++ni) {
          const double gamma = gamma_grid[gi];
          const double p = problem.stationary ? std::min(persistence, problem.cap * 0.999) : persistence;
          add_candidate(level, arch - 0.5 * gamma, gamma, p - arch, problem.student ? nu_grid[ni] : 0.0,
                        (1.0 - p) * problem.likelihood->second_moment(x_mean));
        }
      }
    }
  }
  auto by_value = [](const garch_start_candidate& a, const garch_start_candidate& b) { return a.value < b.value; };
  for (auto& level : levels) std::stable_sort(level.begin(), level.end(), by_value);
  std::vector<garch_start_candidate> candidates;
  for (std::size_t rank = 0;; ++rank) {
    std::vector<garch_start_candidate> round;
    for (const auto& level : levels)
      if (rank < level.size()) round.push_back(level[rank]);
    if (round.empty()) break;
    std::stable_sort(round.begin(), round.end(), by_value);
    candidates.insert(candidates.end(), round.begin(), round.end());
  }
  return candidates;
}

// ---------------------------------------------------------------------------------------------
// Optimise
// ---------------------------------------------------------------------------------------------

/// How close to a bound counts as "at" it: 1e-3 of the bound's magnitude plus 1e-8 of the box
/// width. A projected optimiser lands exactly on a bound it presses against; one that stalls
/// short of it (nu = 2.0104 against 2.01) is caught by the relative part.
[[nodiscard]] inline bool garch_near_bound(double value, double bound, double width) noexcept {
  return std::abs(value - bound) <= 1e-3 * std::abs(bound) + 1e-8 * width;
}

/// One optimiser variable at or near a bound.
struct garch_bound_hit {
  std::size_t parameter = 0;  ///< position of the public parameter in the full vector
  bool upper = false;         ///< the upper bound (else the lower)
  std::string description;    ///< e.g. "nu at its lower bound"
};

/// Optimiser variables at or near a bound (`garch_near_bound`), described.
[[nodiscard]] inline std::vector<garch_bound_hit> garch_bound_hits(const garch_fit_problem& problem,
                                                                   const optimize_vector& u) {
  std::vector<garch_bound_hit> hits;
  for (int i = 0; i < problem.map.size(); ++i) {
    const double width = problem.upper[i] - problem.lower[i];
    const bool low = garch_near_bound(u[i], problem.lower[i], width);
    const bool high = !low && garch_near_bound(u[i], problem.upper[i], width);
    if (!low && !high) continue;
    const std::size_t index = problem.map.public_index_of(i);
    const bool stationarity = problem.stationary && index == garch_beta && high;
    const std::string name = index == garch_beta ? std::string("beta") : problem.map.variable_name(i);
    std::string what = stationarity ? "beta at the stationarity limit (persistence " + std::to_string(problem.cap) + ")"
                                    : name + (low ? " at its lower bound" : " at its upper bound");
    hits.push_back({index, high, std::move(what)});
  }
  return hits;
}

/// Projected BFGS from the first `starts` candidates with a finite value (started from a
/// forward-difference Hessian), the best optimum kept; when that optimum is not converged or
/// rests on a bound, which is where spurious optima of short samples sit, the next candidates
/// too, up to `max_starts` in all.
/// @throws dynmargin::evaluation_error naming `component` when no start has a finite value.
[[nodiscard]] inline box_bfgs_result optimise_garch(const garch_fit_problem& problem, garch_fit_objective& objective,
                                                    const std::vector<garch_start_candidate>& candidates, int starts,
                                                    int max_starts, const box_bfgs_options& bfgs,
                                                    std::string_view component, int* runs_made = nullptr) {
  box_bfgs_result best;
  bool have_best = false;
  const int available = static_cast<int>(candidates.size());
  const int first = std::min(starts, available);
  const int most = std::min(std::max(starts, max_starts), available);
  int run = 0;
  auto run_one = [&] {
    const garch_start_candidate& candidate = candidates[static_cast<std::size_t>(run++)];
    if (!std::isfinite(candidate.value)) return;
    const optimize_matrix h0 = objective.hessian(candidate.u, false);
    box_bfgs_result outcome = minimize_box_bfgs(objective, candidate.u, problem.lower, problem.upper, h0, bfgs);
    if (!have_best || (std::isfinite(outcome.value) && outcome.value < best.value)) {
      best = outcome;
      have_best = true;
    }
  };
  while (run < first) run_one();
  auto doubtful = [&] { return !have_best || !best.converged || !garch_bound_hits(problem, best.x).empty(); };
  while (run < most && doubtful()) run_one();
  if (runs_made != nullptr) *runs_made = run;
  if (!have_best || !std::isfinite(best.value)) {
    throw_evaluation_error(component, "the log-likelihood is not finite at any start value");
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Standard errors
// ---------------------------------------------------------------------------------------------

/// The Hessian and the standard errors of the public parameters, on the original scale.
struct garch_fit_errors {
  std::vector<std::size_t> indices;  ///< the public parameters, in `hessian` order (positions in theta)
  Eigen::MatrixXd hessian;           ///< of the log-likelihood
  bool available = false;            ///< -Hessian positive definite, every variance positive
  garch_vector std_errors{};         ///< NaN when unavailable; 0 for a parameter the model has not
  garch_vector robust_std_errors{};
};

/// The Hessian of the log-likelihood in the public parameters by central differences of the
/// analytic gradient, the inverse-Hessian and QML sandwich (Bollerslev-Wooldridge) covariances
/// (through the delta method in u when the fit is reparametrised), mapped back from the
/// scaled data with `scale`.
/// @param u, theta_scaled, jacobian the optimum in u, theta there, and d theta / d u there.
[[nodiscard]] inline garch_fit_errors garch_standard_errors(const garch_fit_problem& problem,
                                                            garch_fit_objective& objective, const optimize_vector& u,
                                                            const garch_vector& theta_scaled,
                                                            const garch_jacobian& jacobian, double scale) {
  garch_likelihood& likelihood = *problem.likelihood;
  const int k = problem.map.size();
  const double count = static_cast<double>(likelihood.size());
  int& evaluations = objective.evaluations();
  garch_fit_errors out;
  out.indices = problem.map.public_indices();
  const std::vector<std::size_t>& names = out.indices;
  const auto public_count = static_cast<Eigen::Index>(names.size());
  Eigen::VectorXd to_original(public_count);  // theta_original = D theta_scaled
  for (Eigen::Index i = 0; i < public_count; ++i) {
    const std::size_t index = names[static_cast<std::size_t>(i)];
    to_original[i] = index == garch_mu ? scale : index == garch_omega ? scale * scale : 1.0;
  }

  // Hessian of the log-likelihood in the public parameters (scaled data), central differences.
  Eigen::MatrixXd hessian_scaled(public_count, public_count);
  {
    garch_vector gp{};
    garch_vector gm{};
    for (Eigen::Index j = 0; j < public_count; ++j) {
      const std::size_t index = names[static_cast<std::size_t>(j)];
      const double step = 1e-5 * std::max(std::abs(theta_scaled[index]), 1e-3);
      garch_vector up = theta_scaled;
      garch_vector down = theta_scaled;
      up[index] += step;
      down[index] -= step;
      evaluations += 2;
      const double vp = likelihood.value_and_gradient(up, gp);
      const double vm = likelihood.value_and_gradient(down, gm);
      for (Eigen::Index i = 0; i < public_count; ++i) {
        const std::size_t row = names[static_cast<std::size_t>(i)];
        hessian_scaled(i, j) = std::isfinite(vp) && std::isfinite(vm) ? (gp[row] - gm[row]) / (2.0 * step)
                                                                      : std::numeric_limits<double>::quiet_NaN();
      }
    }
    hessian_scaled = 0.5 * (hessian_scaled + hessian_scaled.transpose()).eval();
  }

  // Scores' outer product (full vector) at the estimate.
  garch_matrix outer_full;
  garch_vector score_sum{};
  likelihood.score_outer_product(theta_scaled, outer_full, score_sum);
  ++evaluations;

  // Covariances on the scaled data, in the public parameters.
  Eigen::MatrixXd covariance(public_count, public_count);
  Eigen::MatrixXd robust(public_count, public_count);
  bool covariance_ok = false;
  const bool reparametrised = problem.variance_targeting || problem.stationary;
  if (!reparametrised) {
    Eigen::MatrixXd outer(public_count, public_count);
    for (Eigen::Index i = 0; i < public_count; ++i)
      for (Eigen::Index j = 0; j < public_count; ++j)
        outer(i, j) = outer_full(static_cast<Eigen::Index>(names[static_cast<std::size_t>(i)]),
                                 static_cast<Eigen::Index>(names[static_cast<std::size_t>(j)]));
    Eigen::LLT<Eigen::MatrixXd> cholesky(-hessian_scaled);
    if (cholesky.info() == Eigen::Success && hessian_scaled.allFinite()) {
      covariance = cholesky.solve(Eigen::MatrixXd::Identity(public_count, public_count));
      robust = covariance * outer * covariance;
      covariance_ok = true;
    }
  } else {
    // Delta method through u: Cov_theta = J Cov_u J', Cov_u from the Hessian in u.
    const optimize_matrix hessian_u = -count * objective.hessian(u, true);  // of loglik (objective is -loglik/n)
    const Eigen::MatrixXd h_u = hessian_u;
    Eigen::MatrixXd j_public(public_count, k);
    for (Eigen::Index i = 0; i < public_count; ++i)
      j_public.row(i) = jacobian.row(static_cast<Eigen::Index>(names[static_cast<std::size_t>(i)]));
    const Eigen::MatrixXd full_jacobian = jacobian;
    const Eigen::MatrixXd outer_u = full_jacobian.transpose() * Eigen::MatrixXd(outer_full) * full_jacobian;
    Eigen::LLT<Eigen::MatrixXd> cholesky(-h_u);
    if (cholesky.info() == Eigen::Success && h_u.allFinite()) {
      const Eigen::MatrixXd cov_u = cholesky.solve(Eigen::MatrixXd::Identity(k, k));
      covariance = j_public * cov_u * j_public.transpose();
      robust = j_public * (cov_u * outer_u * cov_u) * j_public.transpose();
      covariance_ok = true;
    }
  }

  out.hessian.resize(public_count, public_count);
  for (Eigen::Index i = 0; i < public_count; ++i)
    for (Eigen::Index j = 0; j < public_count; ++j)
      out.hessian(i, j) = hessian_scaled(i, j) / (to_original[i] * to_original[j]);

  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  garch_vector se{nan, nan, nan, nan, nan, nan};
  garch_vector robust_se = se;
  if (!problem.asymmetric) se[garch_gamma] = robust_se[garch_gamma] = 0.0;
  if (!problem.student) se[garch_nu] = robust_se[garch_nu] = 0.0;
  out.available = covariance_ok && (covariance.diagonal().array() > 0.0).all() &&
                  (robust.diagonal().array() > 0.0).all();
  if (out.available) {
    for (Eigen::Index i = 0; i < public_count; ++i) {
      const std::size_t index = names[static_cast<std::size_t>(i)];
      se[index] = std::sqrt(covariance(i, i)) * to_original[i];
      robust_se[index] = std::sqrt(robust(i, i)) * to_original[i];
    }
  }
  out.std_errors = se;
  out.robust_std_errors = robust_se;
  return out;
}

}  // namespace dynmargin::detail

DYNMARGIN_SUPPRESS_GCC_105593_END
