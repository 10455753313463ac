// SPDX-License-Identifier: MIT
/// @file
/// @brief Maximum-likelihood fitting of GARCH(1,1) and GJR-GARCH(1,1) with a constant mean,
///        normal or unit-variance Student t innovations, matching R fGarch's `garchFit`.
///
/// The log-likelihood is fGarch's (see dynmargin/volatility/detail/garch_likelihood.hpp and
/// tests/data/REFERENCE.md): all n observations, h_1 by the chosen `garch_start` rule.
/// How the fit works:
///  - Rescaling: like fGarch, the fit runs on x = r / sd(r) and maps back mu = s mu_x,
///    omega = s^2 omega_x, loglik = loglik_x - n log s; returns in fractions or percent fit
///    equally well.
///  - Bounds (fGarch's defaults, on the scaled data): |mu| <= 10 |mean(x)|,
///    omega in [1e-6, 100], alpha and beta in [1e-8, 1 - 1e-8], nu in [2.01, 100] (rugarch's
///    upper bound 100: fGarch's 10 stops a thin-tailed fit at 10; fGarch's nominal lower shape
///    bound 1 leaves the unit-variance t undefined below 2). A parameter at or within a
///    tolerance of its bound is reported (`parameters_at_bound`) and has no standard error.
///  - Exact zero returns (stale prices) leave the likelihood but not the recursion when they
///    are at least 1% of the sample (`garch_zero_returns`). GJR is
///    optimised in (alpha, alpha + gamma), both in the alpha box, which keeps the weight of
///    negative residuals >= 0; gamma itself may be negative.
///  - Optional stationarity (alpha + gamma/2 + beta <= 1 - 1e-6 by default): beta is then
///    optimised as a fraction b in [1e-8, 1] of the room left, beta = b (c - alpha - gamma/2),
///    so the constraint is a box. Variance targeting (omega = mean(z^2) (1 - p), Engle and
///    Mezrich 1996) removes omega from the search and implies stationarity. The unconditional
///    start rule needs p < 1 and also implies it.
///  - Starts: fGarch's start (mu = mean, omega = 0.1 var, alpha 0.1, beta 0.8, nu 4) and a
///    small grid over alpha, persistence (0.6, 0.9, 0.97, 0.995; omega set by the sample
///    variance), gamma and nu, taken one persistence level at a time; `starts` (4) of them are
///    optimised, up to `max_starts` (12) when the best optimum is unconverged or on a bound,
///    and the best optimum is kept (GARCH likelihoods of short samples are often bimodal).
///  - Optimiser: projected BFGS (dynmargin/detail/optimize_box_bfgs.hpp) with analytic
///    gradients, started from a finite-difference Hessian of the analytic gradient.
///  - Standard errors: from the inverse of the negative Hessian of the log-likelihood
///    (central differences of the analytic gradient), and QML-robust ones
///    (Bollerslev and Wooldridge 1992) H^-1 J H^-1 with J the outer product of the
///    per-observation scores. Both on the original scale of the returns.
/// A fit that does not converge says so: `converged = false` and `status_reason`.
/// `fit_garch` runs these as named steps (validate, scale, start values, optimise, standard
/// errors: volatility/detail/garch_fit_steps.hpp).
#pragma once

// GCC PR 105593 (false -Wmaybe-uninitialized in Eigen): silenced for the code this header
// pulls in, restored at its end (detail/diagnostics.hpp).
#include "dynmargin/detail/diagnostics.hpp"
DYNMARGIN_SUPPRESS_GCC_105593_BEGIN

#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "dynmargin/core/error.hpp"
#include "dynmargin/detail/optimize_box_bfgs.hpp"
#include "dynmargin/volatility/detail/garch_fit_steps.hpp"
#include "dynmargin/volatility/detail/garch_likelihood.hpp"
#include "dynmargin/volatility/garch.hpp"

namespace dynmargin {

/// @brief Box constraints of the fit, on the data scaled to unit standard deviation
///        (fGarch's defaults, nu up to rugarch's 100; see the file comment).
struct garch_bounds {
  double mu_mean_multiple = 10.0;   ///< |mu| <= this * |mean(x)|
  double omega_lower = 1e-6;        ///< omega / var(r) lower bound
  double omega_upper = 100.0;       ///< omega / var(r) upper bound
  double alpha_lower = 1e-8;        ///< lower bound of alpha (and of alpha + gamma for GJR)
  double alpha_upper = 1.0 - 1e-8;  ///< upper bound of alpha (and of alpha + gamma for GJR)
  double beta_lower = 1e-8;
  double beta_upper = 1.0 - 1e-8;
  double nu_lower = 2.01;   ///< the unit-variance t needs nu > 2 (fGarch's nominal 1 is not usable)
  double nu_upper = 100.0;  ///< rugarch's upper bound (fGarch's 10 cut thin-tailed fits off at 10)
};

/// @brief What the fit does with exact zero returns. A return of exactly 0 is almost always a
///        stale price (no trade, no new quote), not a draw of the innovation distribution: with
///        10% of them in BTC daily returns the unit-variance t likelihood, whose density at 0
///        grows without bound as nu falls to 2, fitted nu = 2.13 and persistence 1.40.
///  - `automatic` (default): `exclude` when exact zeros are at least 1% of the sample
///    (`zero_return_share`), else `keep` (so a fit on data without stale prices is fGarch's);
///  - `keep`: every observation in the likelihood (fGarch, rugarch);
///  - `exclude`: zeros stay in the variance recursion (their residual -mu feeds h_{t+1}) but
///    leave the likelihood, as missing observations of the innovation.
enum class garch_zero_returns : std::uint8_t { automatic, keep, exclude };

/// @brief Share of exact zero returns from which `garch_zero_returns::automatic` excludes them.
inline constexpr double zero_return_share = 0.01;

/// @brief Settings of `fit_garch`.
struct fit_garch_config {
  bool asymmetric = false;  ///< GJR-GARCH(1,1) when true
  distribution_shape innovation = distribution_shape::normal;
  garch_start start = garch_start::fgarch;
  bool stationary = false;              ///< impose alpha + gamma/2 + beta <= max_persistence
  double max_persistence = 1.0 - 1e-6;  ///< bound of the stationarity constraint, in (0, 1)
  bool variance_targeting = false;      ///< omega = mean(z^2) (1 - p); implies stationary
  int max_iterations = 200;             ///< quasi-Newton iterations per start
  double tolerance = 1e-9;              ///< projected-gradient tolerance on log-likelihood / n (scaled data)
  garch_bounds bounds{};
  /// Start values optimised (>= 1), taken in the grid's order: one per persistence level
  /// first (detail/garch_fit_steps.hpp). 4 by default: on 360 random 300-3,000-hour windows of
  /// BTC hourly (normal, t and GJR-t) one start ended more than 1e-6 below the best of 12 in
  /// 52 of 1,080 fits, four diverse starts in 5, all of them on a bound, which `max_starts` covers.
  int starts = 4;
  /// Starts in all when the best of `starts` is not converged or rests on a bound (>= starts
  /// to take effect).
  int max_starts = 12;
  bool keep_conditional_variances = false;
  garch_zero_returns zero_returns = garch_zero_returns::automatic;  ///< exact zero returns (stale prices)
};

/// @brief One flag per GARCH parameter (as `garch_parameters`).
struct garch_parameter_flags {
  bool mu = false;
  bool omega = false;
  bool alpha = false;
  bool gamma = false;
  bool beta = false;
  bool nu = false;
  [[nodiscard]] bool any() const noexcept { return mu || omega || alpha || gamma || beta || nu; }
  friend bool operator==(const garch_parameter_flags&, const garch_parameter_flags&) = default;
};

/// @brief A parameter at or near a bound of the fit's box.
struct garch_bound_note {
  std::string parameter;    ///< "mu", "omega", "alpha", "gamma", "beta" or "nu"
  std::string description;  ///< which bound: "nu at its lower bound", "alpha + gamma at its lower bound", ...
};

/// @brief Outcome of `fit_garch`.
struct garch_fit_result {
  /// @brief A result around its fitted model (the other members are filled by `fit_garch`).
  explicit garch_fit_result(const garch_volatility& fitted) : model(fitted) {}
  garch_volatility model;         ///< fitted model, positioned after the last observation
  garch_parameters parameters{};  ///< estimates (gamma 0 for GARCH, nu 0 for normal)
  distribution_shape innovation = distribution_shape::normal;
  bool asymmetric = false;
  garch_start start = garch_start::fgarch;
  std::size_t observations = 0;
  double loglik = std::numeric_limits<double>::quiet_NaN();  ///< at `parameters`, original scale
  bool converged = false;
  std::string status_reason;     ///< why the optimiser stopped, and any caveat
  int iterations = 0;            ///< quasi-Newton iterations of the best start
  int starts = 0;                ///< start values optimised
  int function_evaluations = 0;  ///< all likelihood evaluations (grid, starts, Hessian)
  bool stationarity_enforced = false;
  bool std_errors_available = false;         ///< false when -Hessian is not positive definite
  garch_parameters std_errors{};             ///< from the inverse Hessian (NaN when unavailable)
  garch_parameters robust_std_errors{};      ///< QML sandwich (NaN when unavailable)
  std::vector<std::string> parameter_names;  ///< order of `hessian`: mu, omega, alpha, [gamma], beta, [nu]
  Eigen::MatrixXd hessian;                   ///< Hessian of the log-likelihood, original scale
  double persistence = std::numeric_limits<double>::quiet_NaN();
  /// Whether the fitted model is covariance-stationary (persistence < 1), whatever the
  /// constraint: an unconstrained fit can converge to an explosive model (BTC daily t: 1.078),
  /// whose multi-step variance forecasts grow without bound; margin must not rest on it silently.
  bool fitted_stationary = false;
  std::size_t zero_returns_excluded = 0;  ///< exact zero returns left out of the likelihood
  /// Parameters at or within a tolerance of a bound of the fit's box (1e-3 of the bound plus
  /// 1e-8 of the box width, on the scaled data), with the bound ("nu at its lower bound",
  /// "alpha + gamma at its lower bound" for gamma, "beta at the stationarity limit ...").
  /// A Hessian-based standard error is not valid at a boundary of the parameter space, so
  /// `std_errors` and `robust_std_errors` are NaN for each flagged parameter.
  std::vector<garch_bound_note> parameters_at_bound;
  garch_parameter_flags at_bound{};           ///< the same, per parameter
  std::vector<double> conditional_variances;  ///< h_1..h_n when requested
  double seconds = 0.0;                       ///< wall time of the fit
};

/// @brief Fewest observations `fit_garch` accepts.
inline constexpr std::size_t garch_fit_minimum_observations = 30;

namespace detail {

/// Step 1 of `fit_garch` (with `check_garch_returns`): the options.
/// @throws dynmargin::invalid_argument naming `component` and the option at fault.
inline void check_garch_fit_options(const fit_garch_config& options, std::string_view component) {
  if (!(options.max_persistence > 0.0 && options.max_persistence < 1.0)) {
    throw_invalid_argument(component, "max_persistence", "must be in (0, 1)", options.max_persistence);
  }
  if (options.max_iterations < 1)
    throw_invalid_argument(component, "max_iterations", "must be >= 1", options.max_iterations);
  if (!(options.tolerance > 0.0)) throw_invalid_argument(component, "tolerance", "must be > 0", options.tolerance);
  if (options.starts < 1) throw_invalid_argument(component, "starts", "must be >= 1", options.starts);
  if (options.max_starts < 1) throw_invalid_argument(component, "max_starts", "must be >= 1", options.max_starts);
  const auto& box = options.bounds;
  if (!(box.omega_lower > 0.0 && box.omega_lower < box.omega_upper)) {
    throw_invalid_argument(component, "bounds.omega_lower", "must be > 0 and below omega_upper", box.omega_lower);
  }
  if (!(box.alpha_lower >= 0.0 && box.alpha_lower < box.alpha_upper && box.alpha_upper <= 1.0)) {
    throw_invalid_argument(component, "bounds.alpha_lower", "must satisfy 0 <= alpha_lower < alpha_upper <= 1",
                           box.alpha_lower);
  }
  if (!(box.beta_lower >= 0.0 && box.beta_lower < box.beta_upper && box.beta_upper <= 1.0)) {
    throw_invalid_argument(component, "bounds.beta_lower", "must satisfy 0 <= beta_lower < beta_upper <= 1",
                           box.beta_lower);
  }
  if (!(box.nu_lower > 2.0 && box.nu_lower < box.nu_upper)) {
    throw_invalid_argument(component, "bounds.nu_lower", "must be > 2 and below nu_upper", box.nu_lower);
  }
  if (!(box.mu_mean_multiple >= 0.0))
    throw_invalid_argument(component, "bounds.mu_mean_multiple", "must be >= 0", box.mu_mean_multiple);
}

/// The box of `options.bounds` on theta for data of mean `x_mean` (|mu| <= mu_mean_multiple
/// |mean|, at least 1e-12: a zero-mean series pins mu at ~0, as fGarch).
inline void garch_fit_box(const garch_bounds& box, double x_mean, garch_vector& lower, garch_vector& upper) {
  double mu_limit = box.mu_mean_multiple * std::abs(x_mean);
  if (!(mu_limit > 1e-12)) mu_limit = 1e-12;
  lower = {-mu_limit, box.omega_lower, box.alpha_lower, 0.0, box.beta_lower, box.nu_lower};
  upper = {mu_limit, box.omega_upper, box.alpha_upper, 0.0, box.beta_upper, box.nu_upper};
}

}  // namespace detail

/// @brief Log-likelihood of the returns at given parameters (fGarch's conventions; see the
///        file comment of dynmargin/volatility/detail/garch_likelihood.hpp).
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
    throw_invalid_argument("garch_loglik", "persistence alpha + gamma/2 + beta",
                           "must be < 1 for the unconditional start", garch_persistence(parameters));
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
  garch_volatility model(garch_volatility_config{parameters, distribution_shape::normal, asymmetric, h1});
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
[[nodiscard]] inline garch_fit_result fit_garch(std::span<const double> returns, const fit_garch_config& options = {}) {
  using namespace detail;
  const auto clock_start = std::chrono::steady_clock::now();
  constexpr std::string_view component = "fit_garch";

  // 1. Validate.
  check_garch_returns(returns, component, garch_fit_minimum_observations);
  check_garch_fit_options(options, component);

  // 2. Scale: x = r / sd(r); the problem on x.
  const garch_scaled_returns scaled = scale_garch_returns(returns, component);
  const bool student = options.innovation == distribution_shape::student_t;
  const bool stationary = options.stationary || options.variance_targeting ||
                          options.start == garch_start::unconditional;
  garch_likelihood likelihood(scaled.values, options.asymmetric, options.innovation, options.start);
  std::vector<std::size_t> zeros;
  for (std::size_t t = 0; t < returns.size(); ++t)
    if (returns[t] == 0.0) zeros.push_back(t);
  const bool exclude_zeros = options.zero_returns == garch_zero_returns::exclude ||
                             (options.zero_returns == garch_zero_returns::automatic &&
                              static_cast<double>(zeros.size()) >=
                                  zero_return_share * static_cast<double>(returns.size()));
  if (exclude_zeros && returns.size() - zeros.size() < garch_fit_minimum_observations) {
    throw_invalid_argument(component, "returns", "need at least 30 non-zero returns when zeros are excluded",
                           returns.size() - zeros.size());
  }
  if (!exclude_zeros) zeros.clear();
  likelihood.exclude_from_likelihood(zeros);
  garch_vector box_lower{};
  garch_vector box_upper{};
  garch_fit_box(options.bounds, likelihood.data_mean(), box_lower, box_upper);
  const garch_fit_problem problem(likelihood, options.asymmetric, student, stationary, options.variance_targeting,
                                  options.max_persistence, box_lower, box_upper);
  garch_fit_objective objective(problem);

  // 3. Start values.
  const std::vector<garch_start_candidate> candidates = garch_start_candidates(problem, objective);

  // 4. Optimise from the best starts.
  box_bfgs_options bfgs;
  bfgs.max_iterations = options.max_iterations;
  bfgs.gradient_tolerance = options.tolerance;
  int starts_run = 0;
  const box_bfgs_result best = optimise_garch(problem, objective, candidates, options.starts, options.max_starts, bfgs,
                                              component, &starts_run);

  // Back to the original scale.
  garch_vector theta_scaled;
  garch_jacobian jacobian;
  problem.map.map(best.x, theta_scaled, jacobian);
  garch_vector theta = theta_scaled;
  theta[garch_mu] *= scaled.scale;
  theta[garch_omega] *= scaled.scale * scaled.scale;
  if (!student) theta[garch_nu] = 0.0;
  const garch_parameters estimate = to_parameters(theta);

  // 5. Standard errors.
  const garch_fit_errors errors = garch_standard_errors(problem, objective, best.x, theta_scaled, jacobian,
                                                        scaled.scale);

  garch_fit_result result(garch_volatility(garch_volatility_config{
      estimate, options.innovation, options.asymmetric, garch_initial_variance(returns, estimate, options.start)}));
  result.parameters = estimate;
  result.innovation = options.innovation;
  result.asymmetric = options.asymmetric;
  result.start = options.start;
  result.observations = returns.size();
  result.converged = best.converged;
  result.status_reason = best.reason;
  result.iterations = best.iterations;
  result.starts = starts_run;
  result.stationarity_enforced = stationary;
  result.persistence = garch_persistence(estimate);
  result.fitted_stationary = result.persistence < 1.0;
  result.hessian = errors.hessian;
  for (std::size_t index : errors.indices) result.parameter_names.emplace_back(garch_parameter_name(index));
  result.std_errors_available = errors.available;
  if (!errors.available)
    result.status_reason += "; standard errors unavailable: the negative Hessian is not positive definite";

  // Parameters at or near a bound: named, and no standard error for them.
  std::string at_bound;
  garch_vector std_errors = errors.std_errors;
  garch_vector robust_std_errors = errors.robust_std_errors;
  std::array<bool, garch_full_size> flagged{};
  for (const garch_bound_hit& hit : garch_bound_hits(problem, best.x)) {
    result.parameters_at_bound.push_back({garch_parameter_name(hit.parameter), hit.description});
    at_bound += (at_bound.empty() ? "" : ", ") + hit.description;
    flagged[hit.parameter] = true;
    std_errors[hit.parameter] = std::numeric_limits<double>::quiet_NaN();
    robust_std_errors[hit.parameter] = std::numeric_limits<double>::quiet_NaN();
  }
  result.std_errors = to_parameters(std_errors);
  result.robust_std_errors = to_parameters(robust_std_errors);
  result.at_bound = garch_parameter_flags{flagged[garch_mu],    flagged[garch_omega], flagged[garch_alpha],
                                          flagged[garch_gamma], flagged[garch_beta],  flagged[garch_nu]};
  if (!at_bound.empty()) result.status_reason += "; at a bound (no standard error): " + at_bound;
  result.zero_returns_excluded = zeros.size();
  if (!zeros.empty()) {
    result.status_reason += "; " + std::to_string(zeros.size()) +
                            " exact zero returns (stale prices) left out of the likelihood, kept in the recursion";
  }
  if (!best.converged) result.status_reason = "not converged: " + result.status_reason;

  // Log-likelihood on the original scale (checks the mapping too).
  const double count = static_cast<double>(likelihood.likelihood_size());
  int& evaluations = objective.evaluations();
  result.loglik = likelihood.value(theta_scaled) - count * std::log(scaled.scale);
  ++evaluations;
  if (options.keep_conditional_variances) {
    result.conditional_variances.resize(returns.size());
    (void)likelihood.variances(theta_scaled, result.conditional_variances);
    for (double& v : result.conditional_variances) v *= scaled.scale * scaled.scale;
  }
  for (double r : returns) (void)result.model.update(r);
  result.function_evaluations = evaluations;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  return result;
}

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using garch_fit_options [[deprecated("use fit_garch_config")]] = fit_garch_config;
// End of deprecated spellings.

}  // namespace dynmargin

DYNMARGIN_SUPPRESS_GCC_105593_END
