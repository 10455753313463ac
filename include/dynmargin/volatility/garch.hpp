// SPDX-License-Identifier: MIT
/// @file
/// @brief GARCH(1,1) (Bollerslev 1986) and GJR-GARCH(1,1) (Glosten, Jagannathan and Runkle
///        1993) streaming variance models with a constant mean, and their start-up rules.
///
/// With residual z_t = r_t - mu the conditional variance follows
///   h_{t+1} = omega + (alpha + gamma * 1{z_t < 0}) * z_t^2 + beta * h_t,
/// gamma = 0 giving GARCH(1,1). Innovations z_t / sqrt(h_t) are standard normal or
/// unit-variance Student t (the variance forecasts do not depend on the innovation law; the
/// law is kept for the risk layer and for the likelihood). The persistence is
/// p = alpha + gamma/2 + beta (the GJR term counts half because a symmetric innovation is
/// negative half of the time), the unconditional variance omega / (1 - p) when p < 1.
///
/// The first variance h_1 (needed before any return is seen) is a policy, `garch_start`:
///  - `fgarch` (default): h_1 = omega + p * mean(z^2), the mean over the whole sample around
///    the current mu. This is R fGarch's `garchFit` rule and reproduces its published
///    log-likelihoods (tests/data/garch11_fgarch_crypto.csv) to 1e-8. For GJR it is fGarch's
///    rule for the same model written as APARCH(1,1) with delta = 2,
///    h_t = omega + a (|z| - g z)^2 + beta h_{t-1} (alpha = a (1 - g)^2, gamma = 4 a g):
///    p is then fGarch's "unleveraged" a + beta with a = ((sqrt(alpha) + sqrt(alpha + gamma)) / 2)^2,
///    which reproduces `garchFit(~aparch(1,1), delta = 2, include.delta = FALSE)`
///    (tests/data/gjr_fgarch_crypto.csv); with gamma = 0 both are fGarch's GARCH rule.
///  - `rugarch`: h_1 = mean(z^2) around the current mu: R rugarch's `ugarchfit` default
///    (`recursion.init = "all"`).
///  - `backcast`: h_1 = omega + p * b with b = sum_{k<tau} w_k z_k^2, w_k = 0.94^k / sum_j 0.94^j,
///    tau = min(75, n): Python arch's `backcast` and its GARCH recursion (lag terms before the
///    sample take b, the asymmetric one b/2). dynmargin takes b around the current mu, as
///    arch's `fix(params)` does; arch's `fit` holds b at the sample-mean residuals while it
///    optimises, which moves the fitted parameters in the last digits only.
///  - `unconditional`: h_1 = omega / (1 - p) (needs p < 1); QuantLib's Garch11 and many
///    textbooks start at a variance of this kind.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "dynmargin/core/distributions.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/volatility/concepts.hpp"

namespace dynmargin {

/// @brief Law of the standardised innovations z_t / sqrt(h_t): a `distribution_shape`
///        (dynmargin/core/distributions.hpp).
/// @deprecated Use `dynmargin::distribution_shape`.
using garch_innovation [[deprecated("use dynmargin::distribution_shape")]] = distribution_shape;

/// @brief Rule for the first conditional variance h_1 (see the file comment for the peers).
enum class garch_start : std::uint8_t { fgarch, rugarch, backcast, unconditional };

/// @brief Short stable names, for logs, JSON and the command line (the innovation's
///        `to_string` is the one of `distribution_shape`).
[[nodiscard]] constexpr std::string_view to_string(garch_start start) noexcept {
  switch (start) {
    case garch_start::fgarch: return "fgarch";
    case garch_start::rugarch: return "rugarch";
    case garch_start::backcast: return "backcast";
    case garch_start::unconditional: return "unconditional";
  }
  return "unknown";
}

/// @brief Parameters of a constant-mean GARCH(1,1) / GJR-GARCH(1,1), in the units of the
///        returns (omega in squared units).
struct garch_parameters {
  double mu = 0.0;     ///< constant mean of the returns
  double omega = 0.0;  ///< variance intercept, > 0
  double alpha = 0.0;  ///< ARCH coefficient, >= 0
  double gamma = 0.0;  ///< GJR asymmetry (extra ARCH weight of negative residuals); 0 for GARCH
  double beta = 0.0;   ///< GARCH coefficient, >= 0
  double nu = 0.0;     ///< Student t shape (> 2), used with `distribution_shape::student_t` only
  friend bool operator==(const garch_parameters&, const garch_parameters&) = default;
};

/// @brief Persistence p = alpha + gamma/2 + beta (symmetric innovations).
[[nodiscard]] constexpr double garch_persistence(const garch_parameters& p) noexcept {
  return p.alpha + 0.5 * p.gamma + p.beta;
}

/// @brief Unconditional variance omega / (1 - p); +infinity when p >= 1 (no finite
///        unconditional variance exists).
[[nodiscard]] inline double garch_unconditional_variance(const garch_parameters& p) noexcept {
  const double persistence = garch_persistence(p);
  if (!(persistence < 1.0)) return std::numeric_limits<double>::infinity();
  return p.omega / (1.0 - persistence);
}

/// @brief The omega that makes the unconditional variance equal `target_variance`
///        (variance targeting, Engle and Mezrich 1996): omega = target * (1 - p).
/// @throws dynmargin::invalid_argument when the target is not finite and > 0 or p >= 1.
[[nodiscard]] inline double garch_omega_for_target(double target_variance, double alpha, double gamma, double beta) {
  if (!(std::isfinite(target_variance) && target_variance > 0.0)) {
    throw_invalid_argument("garch", "target_variance", "must be finite and > 0", target_variance);
  }
  const double persistence = alpha + 0.5 * gamma + beta;
  if (!(persistence < 1.0)) {
    throw_invalid_argument("garch", "persistence alpha + gamma/2 + beta", "must be < 1 for variance targeting",
                           persistence);
  }
  return target_variance * (1.0 - persistence);
}

/// @brief Checks a parameter set; every message names the parameter and the value.
/// @param asymmetric false for GARCH(1,1), which requires gamma == 0.
/// @throws dynmargin::invalid_argument for a non-finite value, omega <= 0, alpha < 0, beta < 0,
///         alpha + gamma < 0 (a negative weight on negative residuals), gamma != 0 without
///         `asymmetric`, or nu <= 2 with Student t innovations.
inline void validate_garch_parameters(const garch_parameters& p, distribution_shape innovation, bool asymmetric) {
  constexpr std::string_view component = "garch";
  if (!std::isfinite(p.mu)) throw_invalid_argument(component, "mu", "must be finite", p.mu);
  if (!(std::isfinite(p.omega) && p.omega > 0.0))
    throw_invalid_argument(component, "omega", "must be finite and > 0", p.omega);
  if (!(std::isfinite(p.alpha) && p.alpha >= 0.0))
    throw_invalid_argument(component, "alpha", "must be finite and >= 0", p.alpha);
  if (!(std::isfinite(p.beta) && p.beta >= 0.0))
    throw_invalid_argument(component, "beta", "must be finite and >= 0", p.beta);
  if (!std::isfinite(p.gamma)) throw_invalid_argument(component, "gamma", "must be finite", p.gamma);
  if (!asymmetric && p.gamma != 0.0)
    throw_invalid_argument(component, "gamma", "must be 0 for a symmetric GARCH(1,1)", p.gamma);
  if (!(p.alpha + p.gamma >= 0.0))
    throw_invalid_argument(component, "alpha + gamma", "must be >= 0", p.alpha + p.gamma);
  if (innovation == distribution_shape::student_t && !(std::isfinite(p.nu) && p.nu > 2.0)) {
    throw_invalid_argument(component, "nu", "must be finite and > 2 for unit-variance Student t innovations", p.nu);
  }
}

namespace detail {

/// Weights of Python arch's backcast: 0.94^k / sum, k < min(75, n).
inline constexpr double garch_backcast_decay = 0.94;
inline constexpr std::size_t garch_backcast_length = 75;

/// sum_{m=1..H} C(H, m) d^(m-1) and sum_{m=2..H} C(H, m) d^(m-2), i.e. G = sum_{j<H} p^j and
/// F = (G - H) / d with d = p - 1, accurate for every p >= 0 including p = 1.
struct garch_geometric_sums {
  double g;  ///< sum_{j=0}^{H-1} p^j
  double f;  ///< sum_{j=0}^{H-1} (p^j - 1) / (p - 1) = sum_{j} sum_{i<j} p^i
};

[[nodiscard]] inline garch_geometric_sums garch_geometric(double persistence, std::int64_t steps) noexcept {
  const double h = static_cast<double>(steps);
  const double d = persistence - 1.0;
  if (std::abs(d) * h < 1e-3) {
    // Binomial series G = sum_{m>=1} C(H,m) d^(m-1), F = sum_{m>=2} C(H,m) d^(m-2): the ratio of
    // successive terms is at most |d| H < 1e-3, so six terms leave ~1e-18 relative.
    double g = 0.0;
    double f = 0.0;
    double binomial = h;  // C(H, 1)
    double power = 1.0;   // d^(m-1)
    for (int m = 1; m <= 7; ++m) {
      g += binomial * power;
      const double next_binomial = binomial * (h - m) / (m + 1.0);  // C(H, m+1)
      f += next_binomial * power;                                   // C(H, m+1) d^(m-1)
      binomial = next_binomial;
      power *= d;
    }
    return {g, f};
  }
  const double g = std::expm1(h * std::log1p(d)) / d;
  return {g, (g - h) / d};
}

}  // namespace detail

/// @brief Configuration of `garch_volatility`.
struct garch_volatility_config {
  garch_parameters parameters{};  ///< model parameters (returns' units)
  distribution_shape innovation = distribution_shape::normal;
  bool asymmetric = false;  ///< GJR-GARCH when true; GARCH requires gamma == 0
  /// First variance h_1, the forecast before any return is seen; 0 selects the unconditional
  /// variance omega / (1 - p) (requires p < 1). Use `garch_initial_variance` to apply a
  /// sample-based start rule.
  double initial_variance = 0.0;
};

namespace detail {
/// fGarch's ARCH coefficient a of a GJR model written as its APARCH with delta = 2:
/// h_t = omega + a (|z| - g z)^2 + beta h_{t-1}, so alpha = a (1 - g)^2 and alpha + gamma =
/// a (1 + g)^2, hence a = ((sqrt(alpha) + sqrt(alpha + gamma)) / 2)^2, with its derivatives.
/// fGarch starts its recursion with h_1 = omega + (a + beta) mean(z^2) (its "unleveraged
/// persistence"), which is what `garch_start::fgarch` reproduces for GJR.
struct garch_fgarch_arch_term {
  double value = 0.0;
  double d_alpha = 0.0;
  double d_gamma = 0.0;
};
[[nodiscard]] inline garch_fgarch_arch_term garch_fgarch_arch(double alpha, double gamma) noexcept {
  const double root_alpha = std::sqrt(std::max(alpha, 0.0));
  const double root_negative = std::sqrt(std::max(alpha + gamma, 0.0));
  const double half_sum = 0.5 * (root_alpha + root_negative);
  garch_fgarch_arch_term out;
  out.value = half_sum * half_sum;
  // d a = 2 u du with u = half_sum; du/d alpha = (1/sqrt(alpha) + 1/sqrt(alpha + gamma)) / 4,
  // du/d gamma = 1 / (4 sqrt(alpha + gamma)); both finite inside the fit's box (>= 1e-8).
  const double inverse_alpha = root_alpha > 0.0 ? 1.0 / root_alpha : 0.0;
  const double inverse_negative = root_negative > 0.0 ? 1.0 / root_negative : 0.0;
  out.d_alpha = 0.5 * half_sum * (inverse_alpha + inverse_negative);
  out.d_gamma = 0.5 * half_sum * inverse_negative;
  return out;
}
}  // namespace detail

/// @brief h_1 of a start rule over a sample (see the file comment): what a fit uses before
///        its first observation.
/// @throws dynmargin::invalid_argument for invalid parameters, an empty sample, a non-finite
///         return, or `unconditional` with p >= 1.
[[nodiscard]] inline double garch_initial_variance(std::span<const double> returns, const garch_parameters& p,
                                                   garch_start start) {
  const double persistence = garch_persistence(p);
  if (start == garch_start::unconditional) {
    if (!(persistence < 1.0)) {
      throw_invalid_argument("garch", "persistence alpha + gamma/2 + beta", "must be < 1 for the unconditional start",
                             persistence);
    }
    return p.omega / (1.0 - persistence);
  }
  if (returns.empty()) throw_invalid_argument("garch", "returns", "must not be empty for a sample-based start", 0);
  double moment = 0.0;
  if (start == garch_start::backcast) {
    const std::size_t tau = returns.size() < detail::garch_backcast_length ? returns.size()
                                                                           : detail::garch_backcast_length;
    double weight = 1.0;
    double weight_sum = 0.0;
    for (std::size_t k = 0; k < tau; ++k) {
      const double z = returns[k] - p.mu;
      moment += weight * z * z;
      weight_sum += weight;
      weight *= detail::garch_backcast_decay;
    }
    moment /= weight_sum;
  } else {
    for (std::size_t k = 0; k < returns.size(); ++k) {
      if (!std::isfinite(returns[k]))
        throw_invalid_argument("garch", "returns[" + std::to_string(k) + "]", "must be finite", returns[k]);
      const double z = returns[k] - p.mu;
      moment += z * z;
    }
    moment /= static_cast<double>(returns.size());
  }
  if (!std::isfinite(moment)) throw_invalid_argument("garch", "returns", "must be finite", moment);
  if (start == garch_start::rugarch) return moment;
  // fGarch weighs the moment by the persistence of its APARCH form for GJR (garch_likelihood.hpp).
  const double weight = start == garch_start::fgarch && p.gamma != 0.0
                            ? detail::garch_fgarch_arch(p.alpha, p.gamma).value + p.beta
                            : persistence;
  return p.omega + weight * moment;
}

/// @brief Streaming GARCH(1,1) / GJR-GARCH(1,1) variance; a `volatility_model`.
///
/// `update(r)` costs a handful of floating-point operations (no branch on the data, no
/// allocation). `variance()` is h_{t+1} given returns up to t; `variance(H)` the variance of
/// the sum of the next H returns, sum_{k=1..H} E[h_{t+k}] with
/// E[h_{t+k}] = omega + p E[h_{t+k-1}], in closed form:
///   h * G + omega * F,  G = sum_{j<H} p^j,  F = sum_{j<H} (p^j - 1)/(p - 1),
/// valid for every p (p = 1 gives H h + omega H (H - 1) / 2; p > 1 grows geometrically).
class garch_volatility {
 public:
  using model_concept = volatility_model_tag;
  using config_type = garch_volatility_config;  ///< what the constructor takes

  /// @brief The whole mutable state, a regular value.
  struct state_type {
    double variance = 0.0;          ///< h_{t+1}, the current one-step forecast
    std::int64_t observations = 0;  ///< returns absorbed so far
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming the parameter (see `validate_garch_parameters`),
  ///         or initial_variance when it is negative, not finite, or 0 with p >= 1.
  explicit garch_volatility(const garch_volatility_config& config) : config_(config) {
    validate_garch_parameters(config.parameters, config.innovation, config.asymmetric);
    const double initial = config.initial_variance;
    if (!(std::isfinite(initial) && initial >= 0.0)) {
      throw_invalid_argument("garch", "initial_variance", "must be finite and >= 0 (0: unconditional)", initial);
    }
    if (initial == 0.0) {
      const double persistence = garch_persistence(config.parameters);
      if (!(persistence < 1.0)) {
        throw_invalid_argument("garch", "initial_variance", "must be given (> 0) when alpha + gamma/2 + beta >= 1",
                               initial);
      }
      config_.initial_variance = config.parameters.omega / (1.0 - persistence);
    }
    const auto& p = config_.parameters;
    mu_ = p.mu;
    omega_ = p.omega;
    alpha_positive_ = p.alpha;
    alpha_negative_ = p.alpha + p.gamma;
    beta_ = p.beta;
    persistence_ = garch_persistence(p);
    state_.variance = config_.initial_variance;
  }

  /// @brief Absorbs one return r_t: h_{t+1} = omega + (alpha + gamma 1{z<0}) z^2 + beta h_t.
  /// @return `status::non_finite_input` for NaN/infinity, `status::domain_error` when the new
  ///         variance would overflow (an explosive model fed extreme data); the state is
  ///         unchanged in both cases.
  status update(double r) noexcept {
    if (!std::isfinite(r)) return status::non_finite_input;
    const double z = r - mu_;
    const double weight = z < 0.0 ? alpha_negative_ : alpha_positive_;
    const double next = omega_ + weight * (z * z) + beta_ * state_.variance;
    if (!(next <= std::numeric_limits<double>::max())) return status::domain_error;
    state_.variance = next;
    ++state_.observations;
    return status::ok;
  }

  /// @brief One-step-ahead variance forecast h_{t+1}.
  [[nodiscard]] double variance() const noexcept { return state_.variance; }

  /// @brief Variance of the sum of the next `steps` returns (closed form, see the class
  ///        comment); steps < 1 gives 0.
  [[nodiscard]] double variance(std::int64_t steps) const noexcept {
    if (steps < 1) return 0.0;
    if (steps == 1) return state_.variance;
    const auto sums = detail::garch_geometric(persistence_, steps);
    return state_.variance * sums.g + omega_ * sums.f;
  }

  /// @brief Expected variance of the single return `steps` ahead, E[h_{t+steps}].
  [[nodiscard]] double variance_at(std::int64_t steps) const noexcept {
    if (steps <= 1) return state_.variance;
    const double k = static_cast<double>(steps - 1);
    const double d = persistence_ - 1.0;
    const double pk = std::pow(persistence_, k);
    // omega * sum_{j<k} p^j + p^k h; the sum as expm1/log1p keeps p near 1 accurate.
    const double sum = std::abs(d) * k < 1e-12 ? k : std::expm1(k * std::log1p(d)) / d;
    return omega_ * sum + pk * state_.variance;
  }

  /// @brief One-step volatility sqrt(variance()).
  [[nodiscard]] double volatility() const noexcept { return std::sqrt(state_.variance); }
  [[nodiscard]] std::int64_t observations() const noexcept { return state_.observations; }
  /// @brief Always true: the start rule provides h_1 before any return.
  /// @brief Ready at once: the start-up variance comes from the fit (`initial_variance`).
  [[nodiscard]] bool ready() const noexcept { return true; }
  /// @brief The constant conditional mean mu of the next return (FHS standardises r - mu).
  [[nodiscard]] double mean() const noexcept { return config_.parameters.mu; }

  [[nodiscard]] state_type state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }

  [[nodiscard]] const garch_volatility_config& config() const noexcept { return config_; }
  [[nodiscard]] const garch_parameters& parameters() const noexcept { return config_.parameters; }
  [[nodiscard]] distribution_shape innovation() const noexcept { return config_.innovation; }
  [[nodiscard]] bool asymmetric() const noexcept { return config_.asymmetric; }
  /// @brief p = alpha + gamma/2 + beta.
  [[nodiscard]] double persistence() const noexcept { return persistence_; }
  /// @brief omega / (1 - p), or +infinity when p >= 1.
  [[nodiscard]] double unconditional_variance() const noexcept {
    return garch_unconditional_variance(config_.parameters);
  }

 private:
  garch_volatility_config config_;
  double mu_ = 0.0;
  double omega_ = 0.0;
  double alpha_positive_ = 0.0;
  double alpha_negative_ = 0.0;
  double beta_ = 0.0;
  double persistence_ = 0.0;
  state_type state_{};
};

/// @brief GJR-GARCH(1,1) is the same streaming type with `garch_volatility_config::asymmetric = true`.
using gjr_volatility = garch_volatility;

/// @brief Convenience: a GJR configuration (asymmetric = true).
[[nodiscard]] inline garch_volatility_config gjr_config(const garch_parameters& parameters,
                                                        distribution_shape innovation = distribution_shape::normal,
                                                        double initial_variance = 0.0) {
  return garch_volatility_config{parameters, innovation, true, initial_variance};
}

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using garch_config [[deprecated("use garch_volatility_config")]] = garch_volatility_config;
// End of deprecated spellings.

}  // namespace dynmargin
