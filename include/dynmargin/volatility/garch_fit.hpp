// SPDX-License-Identifier: MIT
/// @file
/// @brief Maximum-likelihood fitting of GARCH(1,1) and GJR-GARCH(1,1) with a constant mean,
///        normal or unit-variance Student t innovations, matching R fGarch's `garchFit`.
///
/// The log-likelihood is fGarch's (see dynmargin/detail/garch_likelihood.hpp and
/// tests/data/REFERENCE.md): all n observations, h_1 by the chosen `garch_start` rule.
/// How the fit works:
///  - Rescaling: like fGarch, the fit runs on x = r / sd(r) and maps back mu = s mu_x,
///    omega = s^2 omega_x, loglik = loglik_x - n log s; returns in fractions or percent fit
///    equally well.
///  - Bounds (fGarch's defaults, on the scaled data): |mu| <= 10 |mean(x)|,
///    omega in [1e-6, 100], alpha and beta in [1e-8, 1 - 1e-8], nu in [2.01, 10] (fGarch's
///    nominal lower shape bound 1 leaves the unit-variance t undefined below 2). GJR is
///    optimised in (alpha, alpha + gamma), both in the alpha box, which keeps the weight of
///    negative residuals >= 0; gamma itself may be negative.
///  - Optional stationarity (alpha + gamma/2 + beta <= 1 - 1e-6 by default): beta is then
///    optimised as a fraction b in [1e-8, 1] of the room left, beta = b (c - alpha - gamma/2),
///    so the constraint is a box. Variance targeting (omega = mean(z^2) (1 - p), Engle and
///    Mezrich 1996) removes omega from the search and implies stationarity. The unconditional
///    start rule needs p < 1 and also implies it.
///  - Start: fGarch's start (mu = mean, omega = 0.1 var, alpha 0.1, beta 0.8, nu 4) and a small
///    grid over alpha, persistence (omega set by the sample variance), gamma and nu; the best
///    `starts` candidates by log-likelihood are optimised and the best optimum kept.
///  - Optimiser: projected BFGS (dynmargin/detail/optimize_box_bfgs.hpp) with analytic
///    gradients, started from a finite-difference Hessian of the analytic gradient.
///  - Standard errors: from the inverse of the negative Hessian of the log-likelihood
///    (central differences of the analytic gradient), and QML-robust ones
///    (Bollerslev and Wooldridge 1992) H^-1 J H^-1 with J the outer product of the
///    per-observation scores. Both on the original scale of the returns.
/// A fit that does not converge says so: `converged = false` and `status_reason`.
#pragma once

// GCC 12 reports false -Wmaybe-uninitialized inside Eigen's AVX-512 code under -march=native
// (GCC PR 105593); silenced for the code this header pulls in, restored at its end.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "dynmargin/core/error.hpp"
#include "dynmargin/detail/garch_likelihood.hpp"
#include "dynmargin/detail/optimize_box_bfgs.hpp"
#include "dynmargin/volatility/garch.hpp"

namespace dynmargin {

/// @brief Box constraints of the fit, on the data scaled to unit standard deviation
///        (fGarch's defaults; see the file comment).
struct garch_bounds {
  double mu_mean_multiple = 10.0;   ///< |mu| <= this * |mean(x)|
  double omega_lower = 1e-6;        ///< omega / var(r) lower bound
  double omega_upper = 100.0;       ///< omega / var(r) upper bound
  double alpha_lower = 1e-8;        ///< lower bound of alpha (and of alpha + gamma for GJR)
  double alpha_upper = 1.0 - 1e-8;  ///< upper bound of alpha (and of alpha + gamma for GJR)
  double beta_lower = 1e-8;
  double beta_upper = 1.0 - 1e-8;
  double nu_lower = 2.01;
  double nu_upper = 10.0;
};

/// @brief Settings of `fit_garch`.
struct garch_fit_options {
  bool asymmetric = false;                                ///< GJR-GARCH(1,1) when true
  distribution_shape innovation = distribution_shape::normal;
  garch_start start = garch_start::fgarch;
  bool stationary = false;                ///< impose alpha + gamma/2 + beta <= max_persistence
  double max_persistence = 1.0 - 1e-6;    ///< bound of the stationarity constraint, in (0, 1)
  bool variance_targeting = false;        ///< omega = mean(z^2) (1 - p); implies stationary
  int max_iterations = 200;               ///< quasi-Newton iterations per start
  double tolerance = 1e-9;                ///< projected-gradient tolerance on log-likelihood / n (scaled data)
  garch_bounds bounds{};
  int starts = 1;                         ///< best grid candidates optimised (>= 1)
  bool keep_conditional_variances = false;
};

/// @brief Outcome of `fit_garch`.
struct garch_fit_result {
  /// @brief A result around its fitted model (the other members are filled by `fit_garch`).
  explicit garch_fit_result(const garch_volatility& fitted) : model(fitted) {}
  garch_volatility model;                 ///< fitted model, positioned after the last observation
  garch_parameters parameters{};          ///< estimates (gamma 0 for GARCH, nu 0 for normal)
  distribution_shape innovation = distribution_shape::normal;
  bool asymmetric = false;
  garch_start start = garch_start::fgarch;
  std::size_t observations = 0;
  double loglik = std::numeric_limits<double>::quiet_NaN();  ///< at `parameters`, original scale
  bool converged = false;
  std::string status_reason;              ///< why the optimiser stopped, and any caveat
  int iterations = 0;                     ///< quasi-Newton iterations of the best start
  int function_evaluations = 0;           ///< all likelihood evaluations (grid, starts, Hessian)
  bool stationarity_enforced = false;
  bool std_errors_available = false;      ///< false when -Hessian is not positive definite
  garch_parameters std_errors{};          ///< from the inverse Hessian (NaN when unavailable)
  garch_parameters robust_std_errors{};   ///< QML sandwich (NaN when unavailable)
  std::vector<std::string> parameter_names;  ///< order of `hessian`: mu, omega, alpha, [gamma], beta, [nu]
  Eigen::MatrixXd hessian;                ///< Hessian of the log-likelihood, original scale
  double persistence = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> conditional_variances;  ///< h_1..h_n when requested
  double seconds = 0.0;                   ///< wall time of the fit
};

/// @brief Fewest observations `fit_garch` accepts.
inline constexpr std::size_t garch_fit_minimum_observations = 30;

namespace detail {

inline void check_garch_returns(std::span<const double> returns, std::string_view component, std::size_t minimum) {
  if (returns.size() < minimum) {
    throw_invalid_argument(component, "returns",
                           "must hold at least " + std::to_string(minimum) + " observations", returns.size());
  }
  for (std::size_t i = 0; i < returns.size(); ++i) {
    if (!std::isfinite(returns[i])) {
      throw_invalid_argument(component, "returns[" + std::to_string(i) + "]", "must be finite", returns[i]);
    }
  }
}

/// Maps the optimiser's variables u to the full parameter vector theta (scaled data) and
/// gives the Jacobian d theta / d u (see the file comment of garch_fit.hpp).
class garch_parameter_map {
 public:
  garch_parameter_map(bool asymmetric, bool student, bool stationary, bool targeting, double cap,
                      const garch_likelihood& likelihood)
      : asymmetric_(asymmetric), student_(student), stationary_(stationary), targeting_(targeting), cap_(cap),
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
  void map(const optimize_vector& u, garch_vector& theta, Eigen::Matrix<double, 6, Eigen::Dynamic, 0, 6, optimize_max_dimension>& jacobian) const {
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

  void bounds(const garch_bounds& box, double mu_limit, optimize_vector& lower, optimize_vector& upper) const {
    lower.resize(size_);
    upper.resize(size_);
    lower[mu_] = -mu_limit;
    upper[mu_] = mu_limit;
    if (!targeting_) {
      lower[omega_] = box.omega_lower;
      upper[omega_] = box.omega_upper;
    }
    const double alpha_upper = stationary_ ? std::min(box.alpha_upper, cap_) : box.alpha_upper;
    lower[a_positive_] = box.alpha_lower;
    upper[a_positive_] = alpha_upper;
    if (asymmetric_) {
      lower[a_negative_] = box.alpha_lower;
      upper[a_negative_] = alpha_upper;
    }
    lower[b_] = stationary_ ? 1e-8 : box.beta_lower;
    upper[b_] = stationary_ ? 1.0 : box.beta_upper;
    if (student_) {
      lower[nu_] = box.nu_lower;
      upper[nu_] = box.nu_upper;
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

}  // namespace detail

/// @brief Log-likelihood of the returns at given parameters (fGarch's conventions; see the
///        file comment of dynmargin/detail/garch_likelihood.hpp).
/// @param returns at least 2 finite observations.
/// @throws dynmargin::invalid_argument for bad returns or parameters (named, with the value),
///         dynmargin::domain_error when a conditional variance is not positive and finite.
[[nodiscard]] inline double garch_loglik(std::span<const double> returns, const garch_parameters& parameters,
                                         distribution_shape innovation = distribution_shape::normal,
                                         garch_start start = garch_start::fgarch) {
  detail::check_garch_returns(returns, "garch_loglik", 2);
  const bool asymmetric = parameters.gamma != 0.0;
  validate_garch_parameters(parameters, innovation, asymmetric);
  if (start == garch_start::unconditional && !(garch_persistence(parameters) < 1.0)) {
    throw_invalid_argument("garch_loglik", "persistence alpha + gamma/2 + beta", "must be < 1 for the unconditional start",
                           garch_persistence(parameters));
  }
  detail::garch_likelihood likelihood(returns, asymmetric, innovation, start);
  const double value = likelihood.value(detail::to_vector(parameters));
  if (!std::isfinite(value)) throw_domain_error("garch_loglik", "log-likelihood", "must be finite", value);
  return value;
}

/// @brief Conditional variances h_1..h_n of the returns at given parameters (same
///        conventions as `garch_loglik`).
[[nodiscard]] inline std::vector<double> garch_conditional_variances(std::span<const double> returns,
                                                                     const garch_parameters& parameters,
                                                                     garch_start start = garch_start::fgarch) {
  detail::check_garch_returns(returns, "garch_conditional_variances", 1);
  const bool asymmetric = parameters.gamma != 0.0;
  validate_garch_parameters(parameters, distribution_shape::normal, asymmetric);
  std::vector<double> out(returns.size());
  const double h1 = garch_initial_variance(returns, parameters, start);
  garch_volatility model(garch_config{parameters, distribution_shape::normal, asymmetric, h1});
  for (std::size_t t = 0; t < returns.size(); ++t) {
    out[t] = model.variance();
    (void)model.update(returns[t]);
  }
  return out;
}

/// @brief Fits GARCH(1,1) or GJR-GARCH(1,1) by maximum likelihood (see the file comment).
/// @throws dynmargin::invalid_argument for too few observations (the message says how many
///         are needed), a non-finite return (naming its index), a constant series, or bad
///         options.
[[nodiscard]] inline garch_fit_result fit_garch(std::span<const double> returns, const garch_fit_options& options = {}) {
  using namespace detail;
  const auto clock_start = std::chrono::steady_clock::now();
  constexpr std::string_view component = "fit_garch";
  check_garch_returns(returns, component, garch_fit_minimum_observations);
  if (!(options.max_persistence > 0.0 && options.max_persistence < 1.0)) {
    throw_invalid_argument(component, "max_persistence", "must be in (0, 1)", options.max_persistence);
  }
  if (options.max_iterations < 1) throw_invalid_argument(component, "max_iterations", "must be >= 1", options.max_iterations);
  if (!(options.tolerance > 0.0)) throw_invalid_argument(component, "tolerance", "must be > 0", options.tolerance);
  if (options.starts < 1) throw_invalid_argument(component, "starts", "must be >= 1", options.starts);
  const auto& box = options.bounds;
  if (!(box.omega_lower > 0.0 && box.omega_lower < box.omega_upper)) {
    throw_invalid_argument(component, "bounds.omega_lower", "must be > 0 and below omega_upper", box.omega_lower);
  }
  if (!(box.alpha_lower >= 0.0 && box.alpha_lower < box.alpha_upper && box.alpha_upper <= 1.0)) {
    throw_invalid_argument(component, "bounds.alpha_lower", "must satisfy 0 <= alpha_lower < alpha_upper <= 1", box.alpha_lower);
  }
  if (!(box.beta_lower >= 0.0 && box.beta_lower < box.beta_upper && box.beta_upper <= 1.0)) {
    throw_invalid_argument(component, "bounds.beta_lower", "must satisfy 0 <= beta_lower < beta_upper <= 1", box.beta_lower);
  }
  if (!(box.nu_lower > 2.0 && box.nu_lower < box.nu_upper)) {
    throw_invalid_argument(component, "bounds.nu_lower", "must be > 2 and below nu_upper", box.nu_lower);
  }
  if (!(box.mu_mean_multiple >= 0.0)) throw_invalid_argument(component, "bounds.mu_mean_multiple", "must be >= 0", box.mu_mean_multiple);

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
  std::vector<double> scaled(n);
  for (std::size_t i = 0; i < n; ++i) scaled[i] = returns[i] / scale;

  const bool asymmetric = options.asymmetric;
  const bool student = options.innovation == distribution_shape::student_t;
  const bool stationary = options.stationary || options.variance_targeting || options.start == garch_start::unconditional;
  const double cap = options.max_persistence;
  garch_likelihood likelihood(scaled, asymmetric, options.innovation, options.start);
  garch_parameter_map map(asymmetric, student, stationary, options.variance_targeting, cap, likelihood);
  const int k = map.size();
  const double x_mean = likelihood.data_mean();
  double mu_limit = box.mu_mean_multiple * std::abs(x_mean);
  if (!(mu_limit > 1e-12)) mu_limit = 1e-12;  // a zero-mean series pins mu at ~0, as fGarch
  optimize_vector lower;
  optimize_vector upper;
  map.bounds(box, mu_limit, lower, upper);

  int evaluations = 0;
  using jacobian_type = Eigen::Matrix<double, 6, Eigen::Dynamic, 0, 6, optimize_max_dimension>;
  // Objective of the optimiser: -loglik / n on the scaled data.
  auto objective = [&](const optimize_vector& u, optimize_vector& gradient) -> double {
    garch_vector theta;
    jacobian_type jacobian;
    map.map(u, theta, jacobian);
    garch_vector g{};
    ++evaluations;
    const double value = likelihood.value_and_gradient(theta, g);
    if (!std::isfinite(value)) return std::numeric_limits<double>::infinity();
    const Eigen::Map<const Eigen::Matrix<double, 6, 1>> g_theta(g.data());
    gradient = -(jacobian.transpose() * g_theta) / count;
    return -value / count;
  };
  auto value_only = [&](const optimize_vector& u) -> double {
    garch_vector theta;
    jacobian_type jacobian;
    map.map(u, theta, jacobian);
    ++evaluations;
    const double value = likelihood.value(theta);
    return std::isfinite(value) ? -value / count : std::numeric_limits<double>::infinity();
  };
  auto clamp_to_box = [&](optimize_vector u) {
    for (int i = 0; i < k; ++i) u[i] = std::clamp(u[i], lower[i], upper[i]);
    return u;
  };

  // Candidate starts: fGarch's, then a grid with omega set by the sample variance.
  struct candidate {
    optimize_vector u;
    double value;
  };
  std::vector<candidate> candidates;
  auto add_candidate = [&](double alpha, double gamma, double beta, double nu, double omega) {
    garch_vector theta{x_mean, omega, alpha, asymmetric ? gamma : 0.0, beta, nu};
    const optimize_vector u = clamp_to_box(map.inverse(theta));
    candidates.push_back({u, value_only(u)});
  };
  add_candidate(0.1, asymmetric ? 0.1 : 0.0, 0.8, 4.0, 0.1 * likelihood.second_moment(x_mean));
  constexpr std::array<double, 2> gamma_grid{0.0, 0.1};
  constexpr std::array<double, 2> nu_grid{3.0, 6.0};
  for (double arch : {0.05, 0.1, 0.2}) {
    for (double persistence : {0.9, 0.97, 0.995}) {
      for (std::size_t gi = 0; gi < (asymmetric ? gamma_grid.size() : 1); ++gi) {
        for (std::size_t ni = 0; ni < (student ? nu_grid.size() : 1); ++ni) {
          const double gamma = gamma_grid[gi];
          const double p = stationary ? std::min(persistence, cap * 0.999) : persistence;
          add_candidate(arch - 0.5 * gamma, gamma, p - arch, student ? nu_grid[ni] : 0.0,
                        (1.0 - p) * likelihood.second_moment(x_mean));
        }
      }
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const candidate& a, const candidate& b) { return a.value < b.value; });

  // Finite-difference Hessian of the objective's analytic gradient.
  auto hessian_of = [&](const optimize_vector& u, bool central) {
    optimize_matrix h(k, k);
    optimize_vector g0(k);
    optimize_vector gp(k);
    optimize_vector gm(k);
    if (!central) (void)objective(u, g0);
    for (int j = 0; j < k; ++j) {
      const double step = 1e-5 * std::max(std::abs(u[j]), 1e-3);
      optimize_vector up = u;
      up[j] += step;
      (void)objective(up, gp);
      if (central) {
        optimize_vector down = u;
        down[j] -= step;
        (void)objective(down, gm);
        h.col(j) = (gp - gm) / (2.0 * step);
      } else {
        h.col(j) = (gp - g0) / step;
      }
    }
    return optimize_matrix(0.5 * (h + h.transpose()));
  };

  box_bfgs_options bfgs;
  bfgs.max_iterations = options.max_iterations;
  bfgs.gradient_tolerance = options.tolerance;
  box_bfgs_result best;
  bool have_best = false;
  const int runs = std::min<int>(options.starts, static_cast<int>(candidates.size()));
  for (int run = 0; run < runs; ++run) {
    const optimize_vector& u0 = candidates[static_cast<std::size_t>(run)].u;
    if (!std::isfinite(candidates[static_cast<std::size_t>(run)].value)) continue;
    const optimize_matrix h0 = hessian_of(u0, false);
    box_bfgs_result outcome = minimize_box_bfgs(objective, u0, lower, upper, h0, bfgs);
    if (!have_best || (std::isfinite(outcome.value) && outcome.value < best.value)) {
      best = outcome;
      have_best = true;
    }
  }
  if (!have_best || !std::isfinite(best.value)) {
    throw_evaluation_error(component, "the log-likelihood is not finite at any start value");
  }

  // Back to the original scale.
  garch_vector theta_scaled;
  jacobian_type jacobian;
  map.map(best.x, theta_scaled, jacobian);
  garch_vector theta = theta_scaled;
  theta[garch_mu] *= scale;
  theta[garch_omega] *= scale * scale;
  if (!student) theta[garch_nu] = 0.0;
  garch_parameters estimate = to_parameters(theta);

  const std::vector<std::size_t> names = map.public_indices();
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
  const bool reparametrised = options.variance_targeting || stationary;
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
    const optimize_matrix hessian_u = -count * hessian_of(best.x, true);  // of loglik (objective is -loglik/n)
    const Eigen::MatrixXd h_u = hessian_u;
    Eigen::MatrixXd j_public(public_count, k);
    for (Eigen::Index i = 0; i < public_count; ++i) j_public.row(i) = jacobian.row(static_cast<Eigen::Index>(names[static_cast<std::size_t>(i)]));
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

  garch_fit_result result(garch_volatility(garch_config{estimate, options.innovation, asymmetric,
                                                        garch_initial_variance(returns, estimate, options.start)}));
  result.parameters = estimate;
  result.innovation = options.innovation;
  result.asymmetric = asymmetric;
  result.start = options.start;
  result.observations = n;
  result.converged = best.converged;
  result.status_reason = best.reason;
  result.iterations = best.iterations;
  result.stationarity_enforced = stationary;
  result.persistence = garch_persistence(estimate);
  result.hessian.resize(public_count, public_count);
  for (Eigen::Index i = 0; i < public_count; ++i)
    for (Eigen::Index j = 0; j < public_count; ++j)
      result.hessian(i, j) = hessian_scaled(i, j) / (to_original[i] * to_original[j]);
  for (std::size_t index : names) result.parameter_names.emplace_back(garch_parameter_name(index));

  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  garch_vector se{nan, nan, nan, nan, nan, nan};
  garch_vector robust_se = se;
  if (!asymmetric) se[garch_gamma] = robust_se[garch_gamma] = 0.0;
  if (!student) se[garch_nu] = robust_se[garch_nu] = 0.0;
  result.std_errors_available = covariance_ok && (covariance.diagonal().array() > 0.0).all() &&
                                (robust.diagonal().array() > 0.0).all();
  if (result.std_errors_available) {
    for (Eigen::Index i = 0; i < public_count; ++i) {
      const std::size_t index = names[static_cast<std::size_t>(i)];
      se[index] = std::sqrt(covariance(i, i)) * to_original[i];
      robust_se[index] = std::sqrt(robust(i, i)) * to_original[i];
    }
  } else {
    result.status_reason += "; standard errors unavailable: the negative Hessian is not positive definite";
  }
  result.std_errors = to_parameters(se);
  result.robust_std_errors = to_parameters(robust_se);

  // Parameters resting on a bound deserve a word in the status.
  std::string at_bound;
  for (int i = 0; i < k; ++i) {
    const double span = upper[i] - lower[i];
    if (best.x[i] <= lower[i] + 1e-9 * span || best.x[i] >= upper[i] - 1e-9 * span) {
      at_bound += at_bound.empty() ? "" : ", ";
      at_bound += map.variable_name(i);
    }
  }
  if (!at_bound.empty()) result.status_reason += "; at a bound: " + at_bound;
  if (!best.converged) result.status_reason = "not converged: " + result.status_reason;

  // Log-likelihood on the original scale (checks the mapping too).
  result.loglik = likelihood.value(theta_scaled) - count * std::log(scale);
  ++evaluations;
  if (options.keep_conditional_variances) {
    result.conditional_variances.resize(n);
    (void)likelihood.variances(theta_scaled, result.conditional_variances);
    for (double& v : result.conditional_variances) v *= scale * scale;
  }
  for (double r : returns) (void)result.model.update(r);
  result.function_evaluations = evaluations;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  return result;
}

}  // namespace dynmargin

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
