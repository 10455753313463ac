// SPDX-License-Identifier: MIT
/// @file
/// @brief Parametric VaR and expected shortfall from a forecast variance: normal, unit-variance
///        Student t and Cornish-Fisher.
///
/// The loss over the horizon is modelled as L = -(mu_h + sigma_h X) for a long position and
/// L = +(mu_h + sigma_h X) for a short one, X standardised (mean 0, variance 1):
///  - normal: VaR = z_p sigma, ES = phi(z_p)/(1-p) sigma (Jorion, Value at Risk, 3rd ed., ch. 5);
///  - Student t with nu > 2, rescaled to unit variance so that sigma stays the volatility
///    forecast (as fGarch's "std" and RiskMetrics' fat-tailed variant):
///    VaR = s t_{nu,p}, ES = s f_nu(t_{nu,p}) (nu + t_{nu,p}^2)/((nu-1)(1-p)), s = sqrt((nu-2)/nu)
///    (McNeil, Frey and Embrechts, Quantitative Risk Management, 2nd ed., 2015, eq. 2.24);
///    nu is given or fitted by maximum likelihood with `fit_student_t_nu`;
///  - Cornish-Fisher (Cornish and Fisher 1937; Zangari 1996, "A VaR methodology for portfolios
///    that include options", RiskMetrics Monitor): the quantile
///    q = z + (z^2-1)S/6 + (z^3-3z)K/24 - (2z^3-5z)S^2/36 of the loss, with S the skewness of
///    the loss (minus the returns' skewness for a long position) and K the excess kurtosis. The
///    ES is the *exact integral* of this quantile function over the tail (a closed form, no
///    quadrature): with the normal's upper partial moments,
///    ES = phi(z_p)/(1-p) [1 + S z_p/6 + K (z_p^2-1)/24 - S^2 (2 z_p^2-1)/36].
///    The expansion is a quantile function only where it is increasing in z; the constructor
///    rejects (S, K) outside that domain (Maillard 2012, "A user's guide to the Cornish Fisher
///    expansion": K/8 - S^2/6 >= 0 and S^2/9 <= 4 (K/8 - S^2/6)(1 - K/8 - 5 S^2/36)).
///
/// The normal and Student t factors are those of `standardized_tail_risk`
/// (dynmargin/core/distributions.hpp, Boost.Math with dynmargin's policy); the Cornish-Fisher
/// ones are built on its normal quantile and density. They are computed once at construction,
/// so `from_variance(v)` is a square root and two multiply-adds.
///
/// Horizon: `from_variance(v)` takes the variance of the h-step sum. As a streaming measure
/// (`streaming_risk_measure`), `estimate(vol, side)` uses `vol.variance(h)`
/// (`horizon_rule::volatility_model`, the default) or `h * vol.variance()`
/// (`horizon_rule::square_root_of_time`); the mean is per step and scales with h.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include <boost/math/tools/minima.hpp>

#include "dynmargin/core/distributions.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/risk/concepts.hpp"
#include "dynmargin/risk/horizon.hpp"
#include "dynmargin/volatility/concepts.hpp"

namespace dynmargin {

/// @brief Tail model of a parametric risk measure: one of the standardised distributions of
///        dynmargin/core/distributions.hpp (same values as `distribution_shape`), or the
///        Cornish-Fisher expansion around the normal, which is a quantile function and not a
///        distribution of innovations.
enum class risk_distribution : std::uint8_t {
  normal = static_cast<std::uint8_t>(distribution_shape::normal),
  student_t = static_cast<std::uint8_t>(distribution_shape::student_t),
  cornish_fisher,
};

/// @brief Stable name of a distribution ("normal", "student_t", "cornish_fisher").
[[nodiscard]] constexpr std::string_view to_string(risk_distribution d) noexcept {
  switch (d) {
    case risk_distribution::normal: return "normal";
    case risk_distribution::student_t: return "student_t";
    case risk_distribution::cornish_fisher: return "cornish_fisher";
  }
  return "unknown";
}

/// @brief Configuration of `parametric_risk`.
struct parametric_risk_config {
  risk_distribution distribution = risk_distribution::normal;
  confidence_level confidence{0.99};                      ///< p in (0, 1)
  dynmargin::horizon horizon_steps{1};                    ///< h >= 1 steps of the data
  double nu = 4.0;                                        ///< Student t degrees of freedom, > 2 (student_t only)
  double skewness = 0.0;                                  ///< skewness of the returns (cornish_fisher only)
  double excess_kurtosis = 0.0;                           ///< excess kurtosis of the returns (cornish_fisher only)
  double mean = 0.0;                                      ///< mean return per step; the horizon mean is h * mean
  horizon_rule horizon = horizon_rule::volatility_model;  ///< volatility_model or square_root_of_time
};

namespace detail {
/// Cornish-Fisher quantile of a standardised variable with skewness s and excess kurtosis k
/// at the standard normal quantile z: z + (z^2-1)s/6 + (z^3-3z)k/24 - (2z^3-5z)s^2/36.
[[nodiscard]] constexpr double cornish_fisher_quantile(double z, double s, double k) noexcept {
  const double z2 = z * z;
  return z + (z2 - 1.0) * s / 6.0 + (z2 - 3.0) * z * k / 24.0 - (2.0 * z2 - 5.0) * z * s * s / 36.0;
}

/// Cornish-Fisher loss at confidence p: VaR = CF(z_p) and ES = the exact integral of the CF
/// quantile over the tail, (1/(1-p)) int_{z_p}^inf CF(z) phi(z) dz. With the normal's upper
/// partial moments int_{z}^inf z^j phi = 1-p, phi(z), (1-p) + z phi(z), (z^2 + 2) phi(z) for
/// j = 0..3 the integral is closed:
///   ES = phi(z_p)/(1-p) * [1 + s z_p/6 + k (z_p^2 - 1)/24 - s^2 (2 z_p^2 - 1)/36],
/// s the skewness of the *loss* and k its excess kurtosis.
[[nodiscard]] inline standardized_tail cornish_fisher_tail(double p, double loss_skewness, double excess_kurtosis) {
  constexpr standardized_distribution standard_normal{};
  const double z = quantile(standard_normal, p);
  const double s = loss_skewness;
  const double k = excess_kurtosis;
  const double z2 = z * z;
  const double var = cornish_fisher_quantile(z, s, k);
  const double bracket = 1.0 + s * z / 6.0 + k * (z2 - 1.0) / 24.0 - s * s * (2.0 * z2 - 1.0) / 36.0;
  return {var, pdf(standard_normal, z) / (1.0 - p) * bracket};
}

/// True when the Cornish-Fisher expansion with skewness s and excess kurtosis k is increasing
/// in z everywhere (Maillard 2012): its derivative a z^2 + b z + c is positive.
[[nodiscard]] constexpr bool cornish_fisher_is_monotone(double s, double k) noexcept {
  const double a = k / 8.0 - s * s / 6.0;
  const double b = s / 3.0;
  const double c = 1.0 - k / 8.0 + 5.0 * s * s / 36.0;
  if (a < 0.0) return false;
  if (a == 0.0) return b == 0.0 && c > 0.0;
  return b * b - 4.0 * a * c <= 0.0;
}
}  // namespace detail

/// @brief Parametric VaR and ES from a variance; a `distribution_risk_measure` and, for every
///        `volatility_model`, a `streaming_risk_measure` (see the file comment).
class parametric_risk {
 public:
  using model_concept = risk_measure_tag;
  using config_type = parametric_risk_config;  ///< what the constructor takes

  /// @brief No mutable state: the forecast lives in the volatility model.
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming nu, mean, horizon, skewness or
  ///         excess_kurtosis when out of range.
  explicit parametric_risk(const parametric_risk_config& config = {}) : config_(config) {
    constexpr std::string_view component = "parametric_risk";
    if (!std::isfinite(config.mean)) throw_invalid_argument(component, "mean", "must be finite", config.mean);
    if (config.horizon != horizon_rule::volatility_model && config.horizon != horizon_rule::square_root_of_time) {
      throw_invalid_argument(component, "horizon", "must be volatility_model or square_root_of_time",
                             to_string(config.horizon));
    }
    const double p = config.confidence.value();
    switch (config.distribution) {
      case risk_distribution::normal: {
        const auto f = standardized_tail_risk({distribution_shape::normal, 0.0}, confidence_level(p));
        long_ = f;
        short_ = f;
        break;
      }
      case risk_distribution::student_t: {
        if (!(std::isfinite(config.nu) && config.nu > 2.0)) {
          throw_invalid_argument(component, "nu", "must be finite and > 2 (unit variance needs nu > 2)", config.nu);
        }
        const auto f = standardized_tail_risk({distribution_shape::student_t, config.nu}, confidence_level(p));
        long_ = f;
        short_ = f;
        break;
      }
      case risk_distribution::cornish_fisher: {
        const double s = config.skewness;
        const double k = config.excess_kurtosis;
        if (!std::isfinite(s)) throw_invalid_argument(component, "skewness", "must be finite", s);
        if (!std::isfinite(k)) throw_invalid_argument(component, "excess_kurtosis", "must be finite", k);
        if (!detail::cornish_fisher_is_monotone(s, k)) {
          throw_invalid_argument(component, "skewness and excess_kurtosis",
                                 "must keep the Cornish-Fisher expansion increasing (Maillard 2012 domain; skewness " +
                                     detail::format_value(s) + ")",
                                 k);
        }
        // A long position loses -X: the loss has skewness -s. A short loses +X: skewness +s.
        long_ = detail::cornish_fisher_tail(p, -s, k);
        short_ = detail::cornish_fisher_tail(p, s, k);
        break;
      }
      default:
        throw_invalid_argument(component, "distribution", "must be normal, student_t or cornish_fisher",
                               static_cast<int>(config.distribution));
    }
    horizon_mean_ = config.mean * static_cast<double>(config.horizon_steps.steps());
  }

  /// @brief VaR and ES of a long position whose horizon return has variance `variance`.
  /// @param variance the variance of the h-step return, finite and >= 0 (precondition; use
  ///        `checked_from_variance` for unvalidated input).
  [[nodiscard]] risk_estimate from_variance(double variance) const noexcept {
    const double sigma = std::sqrt(variance);
    return {long_.var * sigma - horizon_mean_, long_.es * sigma - horizon_mean_};
  }

  /// @brief VaR and ES for either side (a short position loses when the return is positive).
  [[nodiscard]] risk_estimate from_variance(double variance, position_side side) const noexcept {
    const double sigma = std::sqrt(variance);
    if (side == position_side::long_position)
      return {long_.var * sigma - horizon_mean_, long_.es * sigma - horizon_mean_};
    return {short_.var * sigma + horizon_mean_, short_.es * sigma + horizon_mean_};
  }

  /// @brief `from_variance` with the variance validated.
  /// @throws dynmargin::invalid_argument naming variance when it is negative or not finite.
  [[nodiscard]] risk_estimate checked_from_variance(double variance,
                                                    position_side side = position_side::long_position) const {
    if (!(std::isfinite(variance) && variance >= 0.0)) {
      throw_invalid_argument("parametric_risk", "variance", "must be finite and >= 0", variance);
    }
    return from_variance(variance, side);
  }

  /// @brief Streaming: nothing to learn from a return (the volatility model holds the state).
  /// @return `status::non_finite_input` for NaN or infinity, otherwise `status::ok`.
  template <volatility_model Vol>
  status observe(double r, const Vol& /*vol*/) noexcept {
    return std::isfinite(r) ? status::ok : status::non_finite_input;
  }

  /// @brief VaR and ES over the configured horizon from the volatility model's forecast.
  template <volatility_model Vol>
  [[nodiscard]] risk_estimate estimate(const Vol& vol, position_side side) const noexcept {
    const double h_variance = config_.horizon == horizon_rule::volatility_model
                                  ? static_cast<double>(vol.variance(config_.horizon_steps.steps()))
                                  : static_cast<double>(config_.horizon_steps.steps()) *
                                        static_cast<double>(vol.variance());
    return from_variance(h_variance, side);
  }

  [[nodiscard]] std::int64_t horizon_steps() const noexcept { return config_.horizon_steps.steps(); }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type& /*saved*/) noexcept {}
  [[nodiscard]] const parametric_risk_config& config() const noexcept { return config_; }

  /// @brief VaR per unit of volatility (the standardised loss quantile) for a side.
  [[nodiscard]] double var_factor(position_side side = position_side::long_position) const noexcept {
    return side == position_side::long_position ? long_.var : short_.var;
  }
  /// @brief ES per unit of volatility for a side.
  [[nodiscard]] double es_factor(position_side side = position_side::long_position) const noexcept {
    return side == position_side::long_position ? long_.es : short_.es;
  }

 private:
  parametric_risk_config config_;
  standardized_tail long_{};
  standardized_tail short_{};
  double horizon_mean_ = 0.0;
};

/// @brief Options of `fit_student_t_nu`.
struct fit_student_t_nu_config {
  bool standardise = true;  ///< demean and divide by the standard deviation (divisor n) first
  double nu_lower = 2.05;   ///< search interval for nu, 2 < nu_lower < nu_upper
  double nu_upper = 200.0;
};

/// @brief Result of `fit_student_t_nu`.
struct student_t_fit {
  double nu = 0.0;              ///< maximum-likelihood degrees of freedom
  double log_likelihood = 0.0;  ///< sum of unit-variance t log-densities at nu
  bool at_bound = false;        ///< true when nu sits at a search bound (tails as thin as normal at nu_upper)
};

/// @brief Maximum-likelihood degrees of freedom of a *unit-variance* Student t (fGarch's
///        "std" density with h = 1) for a sample of standardised values, by Brent's method on
///        [nu_lower, nu_upper] (the log-likelihood is unimodal in nu for such samples).
/// @param sample at least 10 finite values (e.g. standardised GARCH residuals, or returns
///        with `standardise`).
/// @throws dynmargin::invalid_argument naming the index of a non-finite value, a sample that
///         is too short or has no variance, or bad bounds.
[[nodiscard]] inline student_t_fit fit_student_t_nu(std::span<const double> sample,
                                                    const fit_student_t_nu_config& options = {}) {
  constexpr std::string_view component = "fit_student_t_nu";
  if (sample.size() < 10) throw_invalid_argument(component, "sample size", "must be at least 10", sample.size());
  if (!(options.nu_lower > 2.0 && options.nu_upper > options.nu_lower && std::isfinite(options.nu_upper))) {
    throw_invalid_argument(component, "nu_lower", "must be > 2 and below a finite nu_upper", options.nu_lower);
  }
  double mean = 0.0;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    if (!std::isfinite(sample[i])) {
      throw_invalid_argument(component, "sample value at index " + std::to_string(i), "must be finite", sample[i]);
    }
    mean += sample[i];
  }
  const double n = static_cast<double>(sample.size());
  mean /= n;
  double scale = 1.0;
  double centre = 0.0;
  if (options.standardise) {
    double ss = 0.0;
    for (double x : sample) ss += (x - mean) * (x - mean);
    const double sd = std::sqrt(ss / n);
    if (!(sd > 0.0)) throw_invalid_argument(component, "sample standard deviation", "must be > 0", sd);
    scale = 1.0 / sd;
    centre = mean;
  }
  const auto negative_log_likelihood = [&](double nu) {
    const standardized_distribution t{distribution_shape::student_t, nu};
    double total = 0.0;
    for (double x : sample) total += log_pdf(t, (x - centre) * scale);
    // The density of the original values carries the Jacobian of the standardisation.
    return -(total + n * std::log(scale));
  };
  std::uintmax_t iterations = 200;
  const auto [nu, value] = boost::math::tools::brent_find_minima(negative_log_likelihood, options.nu_lower,
                                                                 options.nu_upper, 40, iterations);
  if (!std::isfinite(value)) throw_evaluation_error(component, "log-likelihood is not finite at the optimum");
  const double width = options.nu_upper - options.nu_lower;
  const bool at_bound = nu - options.nu_lower < 1e-6 * width || options.nu_upper - nu < 1e-6 * width;
  return {nu, -value, at_bound};
}

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using student_t_fit_options [[deprecated("use fit_student_t_nu_config")]] = fit_student_t_nu_config;
// End of deprecated spellings.

}  // namespace dynmargin
