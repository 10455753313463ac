// SPDX-License-Identifier: MIT
/// @file
/// @brief Backtests of expected shortfall: Acerbi-Szekely's Z2 with a seeded simulated
///        p-value, and McNeil-Frey's exceedance-residual test with a t-test and a seeded
///        bootstrap p-value.
///
/// A VaR backtest counts exceptions; it cannot tell whether the losses beyond the margin are
/// as large as the model's expected shortfall says. These two tests can.
///
///  - Acerbi, C. and B. Szekely (2014), "Backtesting expected shortfall", Risk, December:
///    with losses L_t (positive = loss), exception indicators I_t = 1{L_t > VaR_t} and tail
///    probability alpha = 1 - coverage,
///        Z2 = 1 - sum_t L_t I_t / (T alpha ES_t),
///    E[Z2] = 0 when VaR and ES are right and Z2 < 0 when ES is understated. The p-value is
///    P(Z2_sim < Z2_observed) over simulations under the null (their definition). When the
///    forecasts are right and the predictive loss is `scale_t * Z` (any scales), L_t I_t / ES_t
///    = Z I_t / ES(Z), so the null distribution of Z2 depends only on T, alpha and the shape of
///    Z; Acerbi and Szekely show it barely changes across shapes (their 5% critical value is
///    about -0.7 for T = 250, alpha = 2.5%, from normal to Student t(3)). The null is
///    simulated for a stated shape (normal or unit-variance Student t, the standardised
///    distributions of dynmargin/core/distributions.hpp): exceptions at geometric gaps, each
///    tail loss by inverting the distribution function at alpha * U - exact, and O(T alpha) per
///    simulated Z2.
///  - McNeil, A. and R. Frey (2000), "Estimation of tail-related risk measures for
///    heteroscedastic financial time series: an extreme value approach", Journal of Empirical
///    Finance 7: on exceptions, the residuals r_t = (L_t - ES_t) / sigma_t have mean zero when
///    ES is right; the alternative is a positive mean (ES too small), tested one-sided with
///    (a) the t statistic sqrt(n) mean / sd against Student t(n - 1), and (b) the bootstrap of
///    the paper (Efron and Tibshirani 1993, section 16.4): resample the centred residuals, p =
///    share of bootstrap t statistics >= the observed one.
///
/// Random numbers come from dynmargin/core/random.hpp (std::mt19937_64 with portable
/// transformations): the same seed gives the same p-value on every run and platform.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/math/distributions/complement.hpp>
#include <boost/math/distributions/students_t.hpp>

#include "dynmargin/core/distributions.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/math_policy.hpp"
#include "dynmargin/core/random.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief Shape of a predictive loss distribution `scale * Z` with unit-variance Z.
/// @deprecated Use `dynmargin::distribution_shape` (dynmargin/core/distributions.hpp).
using predictive_shape [[deprecated("use dynmargin::distribution_shape")]] = distribution_shape;

/// @brief The standardised predictive distribution of the loss `scale * Z`: normal, or Student
///        t with `degrees_of_freedom` > 2 rescaled to unit variance (the GARCH-t convention).
///        Its VaR and ES at a coverage are `standardized_tail_risk(distribution, coverage)`
///        (dynmargin/core/distributions.hpp).
using predictive_distribution = standardized_distribution;

namespace detail {
inline void check_same_size(std::string_view component, std::string_view name, std::size_t size, std::size_t expected) {
  if (size != expected) {
    throw_invalid_argument(component, name, "must have one entry per loss (" + std::to_string(expected) + ")", size);
  }
}
inline void check_positive_series(std::string_view component, std::string_view name, std::span<const double> values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!(std::isfinite(values[i]) && values[i] > 0.0)) {
      throw_invalid_argument(component, std::string(name) + " at " + std::to_string(i), "must be finite and > 0",
                             values[i]);
    }
  }
}
inline void check_finite_series(std::string_view component, std::string_view name, std::span<const double> values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw_invalid_argument(component, std::string(name) + " at " + std::to_string(i), "must be finite", values[i]);
    }
  }
}
}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Acerbi-Szekely Z2
// ---------------------------------------------------------------------------------------------

/// @brief Acerbi-Szekely Z2 = 1 - sum L_t 1{L_t > VaR_t} / (T alpha ES_t).
/// @param losses positive = loss; @param var, es forecasts set before each loss (> 0).
/// @throws dynmargin::invalid_argument on empty input, mismatched sizes, non-finite losses or
///         non-positive forecasts.
[[nodiscard]] inline double acerbi_szekely_z2(std::span<const double> losses, std::span<const double> var,
                                              std::span<const double> es, confidence_level coverage) {
  constexpr std::string_view component = "acerbi_szekely_z2";
  if (losses.empty()) throw_invalid_argument(component, "losses", "must not be empty", losses.size());
  detail::check_same_size(component, "var", var.size(), losses.size());
  detail::check_same_size(component, "es", es.size(), losses.size());
  detail::check_finite_series(component, "loss", losses);
  detail::check_positive_series(component, "var", var);
  detail::check_positive_series(component, "es", es);
  double sum = 0.0;
  for (std::size_t t = 0; t < losses.size(); ++t) {
    if (losses[t] > var[t]) sum += losses[t] / es[t];
  }
  return 1.0 - sum / (static_cast<double>(losses.size()) * coverage.tail());
}

/// @brief Z2 with its simulated p-value.
struct acerbi_szekely_result {
  std::size_t observations = 0;
  std::size_t exceptions = 0;
  double z2 = 0.0;       ///< observed statistic (< 0: ES understated)
  double p_value = 1.0;  ///< share of simulated Z2 below the observed one
  std::size_t simulations = 0;
  std::uint64_t seed = 0;
  friend bool operator==(const acerbi_szekely_result&, const acerbi_szekely_result&) = default;
};

namespace detail {
/// Share of simulated null Z2 (T observations, tail alpha, standardised shape) below `observed`.
[[nodiscard]] inline double acerbi_szekely_null_share_below(double observed, std::size_t observations,
                                                            const predictive_distribution& distribution,
                                                            confidence_level coverage, std::size_t simulations,
                                                            std::uint64_t seed) {
  const standardized_tail tail = standardized_tail_risk(distribution, coverage);
  const double alpha = coverage.tail();
  const double n = static_cast<double>(observations);
  const double log_calm = std::log1p(-alpha);
  random_stream rng(seed);
  std::size_t below = 0;
  for (std::size_t s = 0; s < simulations; ++s) {
    double sum = 0.0;
    double position = 0.0;  // 1-based index of the last simulated exception, 0 before the first
    for (;;) {
      position += std::floor(portable_log(rng.uniform()) / log_calm) + 1.0;  // geometric gap
      if (position > n) break;
      sum += upper_quantile(distribution, alpha * rng.uniform()) / tail.es;
    }
    if (1.0 - sum / (n * alpha) < observed) ++below;
  }
  return static_cast<double>(below) / static_cast<double>(simulations);
}
}  // namespace detail

/// @brief Acerbi-Szekely Z2 test of VaR and ES forecasts with a simulated p-value.
/// @param losses realised losses (positive = loss); @param var, es the forecasts set before
///        each loss (> 0); @param distribution the standardised shape of the simulated null.
/// @param simulations number of simulated Z2 (>= 1); @param seed of the simulation.
/// @throws dynmargin::invalid_argument on bad input.
[[nodiscard]] inline acerbi_szekely_result acerbi_szekely_test(std::span<const double> losses,
                                                               std::span<const double> var, std::span<const double> es,
                                                               const predictive_distribution& distribution,
                                                               confidence_level coverage,
                                                               std::size_t simulations = 2000,
                                                               std::uint64_t seed = 20140101) {
  constexpr std::string_view component = "acerbi_szekely_test";
  if (simulations == 0) throw_invalid_argument(component, "simulations", "must be at least 1", simulations);
  detail::check_standardized(distribution, component);
  acerbi_szekely_result out;
  out.observations = losses.size();
  out.simulations = simulations;
  out.seed = seed;
  out.z2 = acerbi_szekely_z2(losses, var, es, coverage);
  for (std::size_t t = 0; t < losses.size(); ++t) out.exceptions += losses[t] > var[t] ? 1U : 0U;
  out.p_value = detail::acerbi_szekely_null_share_below(out.z2, losses.size(), distribution, coverage, simulations,
                                                        seed);
  return out;
}

/// @brief Acerbi-Szekely Z2 test when the predictive loss at t is `scale[t] * Z`: VaR_t and
///        ES_t are scale_t times those of Z.
/// @throws dynmargin::invalid_argument on bad input.
[[nodiscard]] inline acerbi_szekely_result acerbi_szekely_test(
    std::span<const double> losses, std::span<const double> scale, const predictive_distribution& distribution,
    confidence_level coverage, std::size_t simulations = 2000, std::uint64_t seed = 20140101) {
  constexpr std::string_view component = "acerbi_szekely_test";
  detail::check_same_size(component, "scale", scale.size(), losses.size());
  detail::check_positive_series(component, "scale", scale);
  const standardized_tail tail = standardized_tail_risk(distribution, coverage);
  std::vector<double> var(scale.size()), es(scale.size());
  for (std::size_t t = 0; t < scale.size(); ++t) {
    var[t] = scale[t] * tail.var;
    es[t] = scale[t] * tail.es;
  }
  return acerbi_szekely_test(losses, var, es, distribution, coverage, simulations, seed);
}

// ---------------------------------------------------------------------------------------------
// McNeil-Frey exceedance residuals
// ---------------------------------------------------------------------------------------------

/// @brief McNeil-Frey exceedance-residual test (one-sided: ES too small).
struct mcneil_frey_result {
  std::size_t exceedances = 0;     ///< n: losses above VaR
  bool testable = false;           ///< n >= 2 and residuals not all equal; otherwise p-values 1
  double mean_residual = 0.0;      ///< mean of (L - ES) / sigma on exceedances
  double t_statistic = 0.0;        ///< sqrt(n) mean / sd
  double p_value_t = 1.0;          ///< P(t(n - 1) >= t_statistic)
  double p_value_bootstrap = 1.0;  ///< share of bootstrap t statistics >= t_statistic
  std::size_t resamples = 0;
  std::uint64_t seed = 0;
  friend bool operator==(const mcneil_frey_result&, const mcneil_frey_result&) = default;
};

/// @brief McNeil-Frey (2000) test that exceedance residuals (L - ES) / sigma have mean zero.
/// @param losses positive = loss; @param var, es forecasts (> 0); @param sigma the forecast
///        scale of each loss (> 0; pass `es` to test (L - ES) / ES when no volatility exists).
/// @param resamples bootstrap resamples (>= 1); @param seed of the bootstrap.
/// @throws dynmargin::invalid_argument on bad input.
[[nodiscard]] inline mcneil_frey_result mcneil_frey_test(std::span<const double> losses, std::span<const double> var,
                                                         std::span<const double> es, std::span<const double> sigma,
                                                         std::size_t resamples = 2000, std::uint64_t seed = 20000101) {
  constexpr std::string_view component = "mcneil_frey_test";
  if (losses.empty()) throw_invalid_argument(component, "losses", "must not be empty", losses.size());
  if (resamples == 0) throw_invalid_argument(component, "resamples", "must be at least 1", resamples);
  detail::check_same_size(component, "var", var.size(), losses.size());
  detail::check_same_size(component, "es", es.size(), losses.size());
  detail::check_same_size(component, "sigma", sigma.size(), losses.size());
  detail::check_finite_series(component, "loss", losses);
  detail::check_positive_series(component, "var", var);
  detail::check_positive_series(component, "es", es);
  detail::check_positive_series(component, "sigma", sigma);

  std::vector<double> residuals;
  for (std::size_t t = 0; t < losses.size(); ++t) {
    if (losses[t] > var[t]) residuals.push_back((losses[t] - es[t]) / sigma[t]);
  }
  mcneil_frey_result out;
  out.exceedances = residuals.size();
  out.resamples = resamples;
  out.seed = seed;
  if (residuals.empty()) return out;
  const auto mean_sd = [](std::span<const double> x, double& mean, double& sd) {
    double m = 0.0;
    for (double v : x) m += v;
    m /= static_cast<double>(x.size());
    double ss = 0.0;
    for (double v : x) ss += (v - m) * (v - m);
    mean = m;
    sd = x.size() > 1 ? std::sqrt(ss / static_cast<double>(x.size() - 1)) : 0.0;
  };
  double mean = 0.0, sd = 0.0;
  mean_sd(residuals, mean, sd);
  out.mean_residual = mean;
  const std::size_t n = residuals.size();
  if (n < 2 || !(sd > 0.0)) return out;
  out.testable = true;
  const double root_n = std::sqrt(static_cast<double>(n));
  out.t_statistic = root_n * mean / sd;
  out.p_value_t = detail::boost_call(component, "Student t p-value", [&] {
    return boost::math::cdf(boost::math::complement(
        boost::math::students_t_distribution<double, math_policy>(static_cast<double>(n - 1)), out.t_statistic));
  });

  // Bootstrap of the centred residuals (the null holds in the resampled population).
  std::vector<double> centred(n), resample(n);
  for (std::size_t i = 0; i < n; ++i) centred[i] = residuals[i] - mean;
  random_stream rng(seed);
  std::size_t at_least = 0;
  for (std::size_t b = 0; b < resamples; ++b) {
    // Modulo reduction of 64 random bits: bias below n / 2^64.
    for (std::size_t i = 0; i < n; ++i) resample[i] = centred[static_cast<std::size_t>(rng.next_bits() % n)];
    double bm = 0.0, bsd = 0.0;
    mean_sd(resample, bm, bsd);
    // A resample of identical values has no spread: its t statistic is +-inf or 0.
    const double bt = bsd > 0.0 ? root_n * bm / bsd : (bm > 0.0 ? HUGE_VAL : (bm < 0.0 ? -HUGE_VAL : 0.0));
    if (bt >= out.t_statistic) ++at_least;
  }
  out.p_value_bootstrap = static_cast<double>(at_least) / static_cast<double>(resamples);
  return out;
}

}  // namespace dynmargin
