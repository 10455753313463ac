// SPDX-License-Identifier: MIT
/// @file
/// @brief Extreme value theory: peaks over threshold with a generalised Pareto tail, VaR and
///        ES from the fitted tail, the mean-excess function for choosing the threshold, and the
///        conditional version on volatility-standardised residuals (McNeil & Frey 2000).
///
/// Crypto returns have tails far heavier than a normal or even a Student t calibrated to the
/// body; EVT models only the tail. Above a high threshold u the excesses y = L - u of the loss
/// L follow, approximately, the generalised Pareto distribution (Pickands-Balkema-de Haan)
///   G(y) = 1 - (1 + xi y / beta)^(-1/xi)    (xi != 0),     G(y) = 1 - exp(-y / beta)   (xi = 0),
/// with support y >= 0 when xi >= 0 and 0 <= y <= -beta/xi when xi < 0. xi > 0 is a power
/// tail with tail index 1/xi (moments of order >= 1/xi are infinite).
///
/// The distribution, its likelihood and its maximum-likelihood fit (`fit_gpd`) are in
/// dynmargin/risk/generalized_pareto.hpp.
///
/// Tail risk (McNeil, Frey & Embrechts 2005, QRM section 7.2.3): with n observations and N_u
/// exceedances of u, for p > 1 - N_u/n,
///   VaR_p = u + (beta/xi) (((n/N_u)(1 - p))^(-xi) - 1)      (u - beta ln((n/N_u)(1 - p)) at xi = 0)
///   ES_p  = (VaR_p + beta - xi u) / (1 - xi)                 (xi < 1; infinite for xi >= 1)
///
/// Threshold rule (`fit_tail_config`): by default the k = floor(0.10 n) largest losses are the
/// exceedances and u is the (k+1)-th largest loss, as in McNeil & Frey (2000), who used k = 100
/// of n = 1000; a fixed count k or a fixed threshold u are the alternatives. At least 30
/// exceedances are required by default. `mean_excess` gives the empirical mean-excess function
/// e(u) = mean(L - u | L > u), which is linear in u above a threshold where the GPD fits.
///
/// Conditional EVT (McNeil & Frey 2000): residuals z_t = r_t / sigma_t, sigma_t the volatility
/// model's forecast made before r_t; the GPD is fitted to the tail of -z (long) or z (short);
/// VaR_{t+1} = sigma_{t+1} VaR_z and ES_{t+1} = sigma_{t+1} ES_z, with a zero conditional mean.
/// For a horizon of h steps, sigma is sqrt(variance(h)) of the volatility model: an
/// approximation (the sum of h heavy-tailed innovations has a lighter tail than one, so this
/// overstates the h-step tail; McNeil & Frey simulate instead).
///
/// `evt_risk` is both a `sample_risk_measure` (unconditional POT on a sample of returns) and,
/// with a volatility model, a `streaming_risk_measure` (conditional EVT on a window of the most
/// recent residuals, refitted every `refit_interval` observations without allocating).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/risk/concepts.hpp"
#include "dynmargin/risk/generalized_pareto.hpp"
#include "dynmargin/volatility/concepts.hpp"

namespace dynmargin {

// ----------------------------------------------------------------------------------------------
// Peaks over threshold: threshold rules, tail fit, VaR and ES
// ----------------------------------------------------------------------------------------------

/// @brief How the threshold u is chosen.
enum class evt_threshold_rule : std::uint8_t {
  tail_fraction,     ///< the k = floor(fraction * n) largest losses exceed u = the (k+1)-th largest
  exceedance_count,  ///< a fixed number k of largest losses, u = the (k+1)-th largest
  fixed_threshold,   ///< a given u; the exceedances are the losses strictly above it
};

/// @brief Configuration of a peaks-over-threshold fit. The default, the top 10% of losses with
///        at least 30 of them, follows McNeil & Frey (2000).
struct fit_tail_config {
  evt_threshold_rule rule = evt_threshold_rule::tail_fraction;
  double tail_fraction = 0.10;          ///< tail_fraction rule: in (0, 1)
  std::int64_t exceedance_count = 100;  ///< exceedance_count rule
  double threshold = 0.0;               ///< fixed_threshold rule
  std::int64_t min_exceedances = 30;    ///< fewer is an error (>= 3)
};

/// @brief A GPD fitted to the tail of a loss sample.
struct evt_tail_fit {
  double threshold = 0.0;         ///< u
  std::int64_t observations = 0;  ///< n, the whole sample
  std::int64_t exceedances = 0;   ///< N_u
  gpd_fit gpd{};
  /// @brief 1 - N_u/n: confidence levels at or below it are inside the sample, not the tail.
  [[nodiscard]] double threshold_level() const noexcept {
    return 1.0 - static_cast<double>(exceedances) / static_cast<double>(observations);
  }
  friend bool operator==(const evt_tail_fit&, const evt_tail_fit&) = default;
};

namespace detail {

/// Number of exceedances the rule asks for from n losses (tail_fraction / exceedance_count);
/// floor with a 1e-9 guard so that 0.1 * 1000 gives 100.
[[nodiscard]] inline std::int64_t evt_exceedances_for(const fit_tail_config& config, std::int64_t n) noexcept {
  if (config.rule == evt_threshold_rule::exceedance_count) return config.exceedance_count;
  return static_cast<std::int64_t>(std::floor(config.tail_fraction * static_cast<double>(n) + 1e-9));
}

inline void check_evt_config(const fit_tail_config& config, std::string_view component) {
  if (config.min_exceedances < 3)
    throw_invalid_argument(component, "min_exceedances", "must be at least 3", config.min_exceedances);
  switch (config.rule) {
    case evt_threshold_rule::tail_fraction:
      if (!(config.tail_fraction > 0.0 && config.tail_fraction < 1.0)) {
        throw_invalid_argument(component, "tail_fraction", "must be in (0, 1)", config.tail_fraction);
      }
      break;
    case evt_threshold_rule::exceedance_count:
      if (config.exceedance_count < config.min_exceedances) {
        throw_invalid_argument(component, "exceedance_count",
                               "must be at least min_exceedances (" + std::to_string(config.min_exceedances) + ")",
                               config.exceedance_count);
      }
      break;
    case evt_threshold_rule::fixed_threshold:
      if (!std::isfinite(config.threshold))
        throw_invalid_argument(component, "threshold", "must be finite", config.threshold);
      break;
  }
}

/// Fits the tail of `losses`, using the span as scratch (it is reordered and its top
/// elements overwritten by the excesses). noexcept and allocation-free: the core of every tail
/// fit here. Returns not_enough_data when fewer than config.min_exceedances losses exceed u
/// (`have` says how many would), otherwise the status of the GPD fit.
[[nodiscard]] inline status fit_tail_in_place(std::span<double> losses, const fit_tail_config& config,
                                              evt_tail_fit& out, std::int64_t& have) noexcept {
  const auto n = static_cast<std::int64_t>(losses.size());
  double threshold = config.threshold;
  std::span<double> tail;
  if (config.rule == evt_threshold_rule::fixed_threshold) {
    const auto split = std::partition(losses.begin(), losses.end(), [threshold](double x) { return !(x > threshold); });
    tail = losses.subspan(static_cast<std::size_t>(split - losses.begin()));
  } else {
    const std::int64_t k = evt_exceedances_for(config, n);
    if (k < config.min_exceedances || k >= n) {
      have = std::clamp<std::int64_t>(k, 0, std::max<std::int64_t>(n - 1, 0));
      return status::not_enough_data;
    }
    // u = the (k+1)-th largest: element n-k-1 of the ascending order.
    const auto pivot = static_cast<std::ptrdiff_t>(n - k - 1);
    std::nth_element(losses.begin(), losses.begin() + pivot, losses.end());
    threshold = losses[static_cast<std::size_t>(pivot)];
    tail = losses.subspan(static_cast<std::size_t>(pivot + 1));
  }
  have = static_cast<std::int64_t>(tail.size());
  if (have < config.min_exceedances) return status::not_enough_data;
  std::sort(tail.begin(), tail.end());
  for (double& x : tail) x -= threshold;  // excesses, ascending (>= 0; 0 for ties at u)
  gpd_fit gpd;
  const status s = fit_gpd_sorted(tail, gpd);
  if (s != status::ok) return s;
  out.threshold = threshold;
  out.observations = n;
  out.exceedances = have;
  out.gpd = gpd;
  return status::ok;
}

/// VaR and ES from a tail fit at confidence p; noexcept core of `tail_risk`.
[[nodiscard]] inline status tail_risk_core(const evt_tail_fit& fit, double p, risk_estimate& out) noexcept {
  if (!(p > 0.0 && p < 1.0)) return status::invalid_argument;
  const double ratio = static_cast<double>(fit.observations) / static_cast<double>(fit.exceedances) * (1.0 - p);
  // p at or below the threshold's level (a relative guard of 1e-9 absorbs the rounding of 1 - p).
  if (!(ratio < 1.0 - 1e-9)) return status::invalid_argument;
  const double xi = fit.gpd.parameters.shape;
  const double beta = fit.gpd.parameters.scale;
  if (!(xi < 1.0)) return status::domain_error;  // infinite ES
  const double log_ratio = std::log(ratio);      // < 0
  const double x = -xi * log_ratio;
  // (beta/xi)(ratio^-xi - 1) = beta (-ln ratio) expm1(x)/x, exact in the limit xi -> 0.
  const double var = fit.threshold + beta * (-log_ratio) * (x == 0.0 ? 1.0 : std::expm1(x) / x);
  const double es = (var + beta - xi * fit.threshold) / (1.0 - xi);
  out = {var, es};
  return status::ok;
}

}  // namespace detail

/// @brief Fits a GPD to the tail of a sample of losses (positive = loss).
/// @throws dynmargin::invalid_argument for a NaN loss (naming its index), a bad configuration,
///         or fewer exceedances than `config.min_exceedances` (saying how many there are and how
///         many are needed); dynmargin::evaluation_error when the GPD likelihood has no maximum.
[[nodiscard]] inline evt_tail_fit fit_tail(std::span<const double> losses, const fit_tail_config& config = {}) {
  detail::check_evt_config(config, "evt");
  for (std::size_t i = 0; i < losses.size(); ++i) {
    if (!std::isfinite(losses[i]))
      throw_invalid_argument("evt", "loss at index " + std::to_string(i), "must be finite", losses[i]);
  }
  std::vector<double> work(losses.begin(), losses.end());
  evt_tail_fit fit;
  std::int64_t have = 0;
  const status s = detail::fit_tail_in_place(work, config, fit, have);
  if (s == status::not_enough_data) {
    throw_invalid_argument("evt", "exceedances",
                           "must number at least " + std::to_string(config.min_exceedances) + " (from " +
                               std::to_string(losses.size()) + " observations)",
                           have);
  }
  if (s != status::ok) {
    throw_evaluation_error("evt", "the GPD fit to " + std::to_string(have) +
                                      " exceedances found no strict maximum of the likelihood with xi > -1");
  }
  return fit;
}

/// @brief A tail fit from excesses already computed: `excesses` = L - u for the N_u losses above
///        u, out of `observations` losses in all (e.g. a published data set given as its tail).
/// @throws as `fit_gpd`, and dynmargin::invalid_argument when observations <= N_u.
[[nodiscard]] inline evt_tail_fit fit_tail_from_excesses(std::span<const double> excesses, double threshold,
                                                         std::int64_t observations) {
  if (observations <= static_cast<std::int64_t>(excesses.size())) {
    throw_invalid_argument("evt", "observations",
                           "must exceed the number of excesses (" + std::to_string(excesses.size()) + ")",
                           observations);
  }
  evt_tail_fit fit;
  fit.threshold = threshold;
  fit.observations = observations;
  fit.exceedances = static_cast<std::int64_t>(excesses.size());
  fit.gpd = fit_gpd(excesses);
  return fit;
}

/// @brief VaR and ES at confidence p from a fitted tail (McNeil-Frey-Embrechts formulas).
/// @throws dynmargin::invalid_argument when p is not above the threshold's level 1 - N_u/n (the
///         tail formula does not apply there); dynmargin::domain_error when xi >= 1 (ES infinite).
[[nodiscard]] inline risk_estimate tail_risk(const evt_tail_fit& fit, confidence_level p) {
  risk_estimate out;
  const status s = detail::tail_risk_core(fit, p.value(), out);
  if (s == status::invalid_argument) {
    throw_invalid_argument("evt", "confidence",
                           "must exceed the threshold's level " + detail::format_value(fit.threshold_level()) +
                               " (1 - " + std::to_string(fit.exceedances) + "/" + std::to_string(fit.observations) +
                               ")",
                           p.value());
  }
  if (s == status::domain_error) {
    throw_domain_error("evt", "shape xi", "must be < 1 for a finite expected shortfall", fit.gpd.parameters.shape);
  }
  return out;
}

/// @brief One point of the empirical mean-excess function.
struct mean_excess_point {
  double threshold = 0.0;        ///< u
  double mean_excess = 0.0;      ///< e(u) = mean(L - u | L > u)
  std::int64_t exceedances = 0;  ///< number of losses strictly above u
  friend bool operator==(const mean_excess_point&, const mean_excess_point&) = default;
};

/// @brief Empirical mean-excess function e(u) at the given thresholds (points with no
///        exceedance report e = 0 and exceedances = 0).
/// @throws dynmargin::invalid_argument for a NaN loss or threshold.
[[nodiscard]] inline std::vector<mean_excess_point> mean_excess(std::span<const double> losses,
                                                                std::span<const double> thresholds) {
  std::vector<double> sorted(losses.begin(), losses.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (!std::isfinite(sorted[i]))
      throw_invalid_argument("mean_excess", "loss at index " + std::to_string(i), "must be finite", sorted[i]);
  }
  std::sort(sorted.begin(), sorted.end(), [](double a, double b) { return a > b; });  // descending
  // suffix sums over the descending order: top[k] = sum of the k largest
  std::vector<double> top(sorted.size() + 1, 0.0);
  for (std::size_t i = 0; i < sorted.size(); ++i) top[i + 1] = top[i] + sorted[i];
  std::vector<mean_excess_point> out;
  out.reserve(thresholds.size());
  for (const double u : thresholds) {
    if (!std::isfinite(u)) throw_invalid_argument("mean_excess", "threshold", "must be finite", u);
    const auto k = static_cast<std::size_t>(
        std::partition_point(sorted.begin(), sorted.end(), [u](double x) { return x > u; }) - sorted.begin());
    const double e = k == 0 ? 0.0 : top[k] / static_cast<double>(k) - u;
    out.push_back({u, e, static_cast<std::int64_t>(k)});
  }
  return out;
}

/// @brief Mean-excess function at the order statistics: for k = min_exceedances ..
///        max_exceedances, u = the (k+1)-th largest loss and e(u) over the k losses above it,
///        the candidates of the `exceedance_count` rule (plot e against u and pick u where
///        the line starts).
/// @throws dynmargin::invalid_argument for a NaN loss or counts outside 1 <= min <= max < n.
[[nodiscard]] inline std::vector<mean_excess_point> mean_excess_by_count(std::span<const double> losses,
                                                                         std::int64_t min_exceedances,
                                                                         std::int64_t max_exceedances) {
  const auto n = static_cast<std::int64_t>(losses.size());
  if (!(min_exceedances >= 1 && min_exceedances <= max_exceedances && max_exceedances < n)) {
    throw_invalid_argument("mean_excess", "exceedance counts",
                           "must satisfy 1 <= min <= max < n = " + std::to_string(n) + " (min " +
                               std::to_string(min_exceedances) + ")",
                           max_exceedances);
  }
  std::vector<double> sorted(losses.begin(), losses.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (!std::isfinite(sorted[i]))
      throw_invalid_argument("mean_excess", "loss at index " + std::to_string(i), "must be finite", sorted[i]);
  }
  std::sort(sorted.begin(), sorted.end(), [](double a, double b) { return a > b; });
  std::vector<mean_excess_point> out;
  out.reserve(static_cast<std::size_t>(max_exceedances - min_exceedances + 1));
  double sum = 0.0;
  for (std::int64_t k = 1; k <= max_exceedances; ++k) {
    sum += sorted[static_cast<std::size_t>(k - 1)];
    if (k < min_exceedances) continue;
    const double u = sorted[static_cast<std::size_t>(k)];
    // Ties at u: losses equal to u are not exceedances, their excess is 0 either way.
    out.push_back({u, sum / static_cast<double>(k) - u, k});
  }
  return out;
}

// ----------------------------------------------------------------------------------------------
// Conditional EVT on standardised residuals (McNeil & Frey 2000)
// ----------------------------------------------------------------------------------------------

/// @brief Result of a conditional EVT estimate.
struct conditional_evt_result {
  risk_estimate risk{};           ///< sigma_{T+h} * {VaR_z, ES_z}
  risk_estimate residual_risk{};  ///< {VaR_z, ES_z} of the standardised residuals
  evt_tail_fit tail{};            ///< GPD fit to the residual losses
  double sigma = 0.0;             ///< sqrt(variance(h)) of the volatility model after all returns
  std::int64_t residuals = 0;     ///< residuals used (after the window)
};

namespace detail {
[[nodiscard]] inline double residual_loss(double z, position_side side) noexcept {
  return side == position_side::long_position ? -z : z;
}
}  // namespace detail

/// @brief Conditional EVT over a history: runs `vol` (a copy, in its given state) through the
///        returns, standardises each by the forecast made before it (skipping returns seen
///        while the model is not warm: `volatility_warm`, its burn-in), fits the GPD to the residual losses of the last
///        `window` residuals (0 = all), and scales the tail's VaR and ES by sqrt(variance(h))
///        after the last return.
/// @throws dynmargin::invalid_argument for a NaN return (naming its index), too few
///         exceedances, or a confidence at or below the threshold's level;
///         dynmargin::domain_error when xi >= 1; dynmargin::evaluation_error when the GPD fit fails.
template <volatility_model Vol>
[[nodiscard]] conditional_evt_result conditional_evt(std::span<const double> returns, Vol vol, confidence_level p,
                                                     const fit_tail_config& config = {},
                                                     position_side side = position_side::long_position,
                                                     horizon h = horizon(1), std::int64_t window = 0) {
  detail::check_evt_config(config, "conditional_evt");
  if (window < 0) throw_invalid_argument("conditional_evt", "window", "must be >= 0 (0 = all residuals)", window);
  std::vector<double> residual_losses;
  residual_losses.reserve(returns.size());
  for (std::size_t i = 0; i < returns.size(); ++i) {
    const double r = returns[i];
    if (!std::isfinite(r))
      throw_invalid_argument("conditional_evt", "return at index " + std::to_string(i), "must be finite", r);
    if (volatility_warm(vol))
      residual_losses.push_back(detail::residual_loss(r / std::sqrt(static_cast<double>(vol.variance())), side));
    throw_if_error(vol.update(r), "conditional_evt", "volatility update at index " + std::to_string(i));
  }
  std::span<const double> used(residual_losses);
  if (window > 0 && static_cast<std::int64_t>(used.size()) > window) used = used.last(static_cast<std::size_t>(window));
  conditional_evt_result out;
  out.tail = fit_tail(used, config);
  out.residual_risk = tail_risk(out.tail, p);
  out.sigma = std::sqrt(static_cast<double>(vol.variance(h.steps())));
  out.risk = {out.sigma * out.residual_risk.var, out.sigma * out.residual_risk.es};
  out.residuals = static_cast<std::int64_t>(used.size());
  return out;
}

// ----------------------------------------------------------------------------------------------
// evt_risk: the risk-measure type
// ----------------------------------------------------------------------------------------------

/// @brief Configuration of `evt_risk`.
struct evt_risk_config {
  confidence_level confidence{0.99};  ///< p in (0, 1), above the threshold's level
  fit_tail_config tail{};             ///< threshold rule and minimum exceedances
  std::int64_t window = 1000;         ///< streaming: residuals kept (McNeil & Frey used 1000)
  std::int64_t refit_interval = 1;    ///< streaming: refit the tails every this many residuals
  dynmargin::horizon horizon{1};      ///< streaming: steps ahead, through vol.variance(h)
};

/// @brief EVT value-at-risk and expected shortfall: a `sample_risk_measure` (unconditional
///        peaks over threshold on returns) and a `streaming_risk_measure` (conditional EVT on
///        the last `window` standardised residuals).
///
/// Streaming: `observe(r, vol)` with vol as it stood before r stores z = r / sqrt(vol.variance())
/// (nothing while the model is not warm, `volatility_warm`: no forecast or its burn-in, e.g.
/// the first 76 returns of a first-squared-return EWMA at 0.94) and, every `refit_interval` residuals, refits both
/// tails
/// (-z for long positions, z for short) without allocating. `estimate(vol, side)` is
/// sqrt(vol.variance(horizon)) times the residual tail's {VaR, ES}. Until both tails have been
/// fitted (`ready()`), `estimate` returns +infinity for both: no margin can be computed yet, and
/// an infinite requirement cannot be mistaken for a small one. Cost per refit: two
/// nth_element passes over the window and two GPD fits (about 10-40 us for window 1000).
class evt_risk {
 public:
  using model_concept = risk_measure_tag;
  using config_type = evt_risk_config;  ///< what the constructor takes

  /// @brief Everything that changes while streaming, a regular value.
  struct state_type {
    std::vector<double> residuals;              ///< ring buffer of z, capacity `window`
    std::int64_t next = 0;                      ///< ring position of the next residual
    std::int64_t count = 0;                     ///< residuals held (<= window)
    std::int64_t since_refit = 0;               ///< residuals since the last refit attempt
    bool fitted = false;                        ///< both tails fitted at least once
    risk_estimate long_tail{};                  ///< {VaR_z, ES_z} of -z
    risk_estimate short_tail{};                 ///< {VaR_z, ES_z} of z
    status last_fit = status::not_enough_data;  ///< status of the last refit attempt
    std::int64_t failed_refits = 0;             ///< refits that returned refit_failed
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming a confidence at or below the tail's level
  ///         (1 - tail_fraction, or 1 - count/window), a window or refit interval < 1, or a bad
  ///         threshold rule.
  explicit evt_risk(const evt_risk_config& config = {}) : config_(config) {
    detail::check_evt_config(config.tail, "evt_risk");
    if (config.window < 1) throw_invalid_argument("evt_risk", "window", "must be at least 1", config.window);
    if (config.refit_interval < 1)
      throw_invalid_argument("evt_risk", "refit_interval", "must be at least 1", config.refit_interval);
    double level = 0.0;
    if (config.tail.rule == evt_threshold_rule::tail_fraction) level = 1.0 - config.tail.tail_fraction;
    if (config.tail.rule == evt_threshold_rule::exceedance_count) {
      level = 1.0 - static_cast<double>(config.tail.exceedance_count) / static_cast<double>(config.window);
    }
    if (config.tail.rule != evt_threshold_rule::fixed_threshold && !(config.confidence.value() > level)) {
      throw_invalid_argument("evt_risk", "confidence",
                             "must exceed the threshold's level " + detail::format_value(level),
                             config.confidence.value());
    }
    state_.residuals.assign(static_cast<std::size_t>(config.window), 0.0);
    scratch_.assign(static_cast<std::size_t>(config.window), 0.0);
  }

  /// @brief Convenience: confidence p, default tail rule.
  explicit evt_risk(confidence_level p) : evt_risk(evt_risk_config{p, {}, 1000, 1, horizon(1)}) {}

  // --- sample_risk_measure --------------------------------------------------------------------

  /// @brief Unconditional POT VaR and ES of a sample of returns for a long position
  ///        (losses = -r).
  /// @throws as `fit_tail` and `tail_risk` (NaN return, too few exceedances, xi >= 1).
  [[nodiscard]] risk_estimate from_sample(std::span<const double> returns) const {
    return from_sample(returns, position_side::long_position);
  }

  /// @brief As above for either side (short: losses = +r).
  [[nodiscard]] risk_estimate from_sample(std::span<const double> returns, position_side side) const {
    return tail_risk(fit_sample(returns, side), config_.confidence);
  }

  /// @brief The tail fit behind `from_sample`, for diagnostics (xi, beta, standard errors).
  [[nodiscard]] evt_tail_fit fit_sample(std::span<const double> returns, position_side side) const {
    std::vector<double> losses(returns.size());
    for (std::size_t i = 0; i < returns.size(); ++i) {
      if (!std::isfinite(returns[i]))
        throw_invalid_argument("evt_risk", "return at index " + std::to_string(i), "must be finite", returns[i]);
      losses[i] = detail::residual_loss(returns[i], side);
    }
    return fit_tail(losses, config_.tail);
  }

  // --- streaming_risk_measure -----------------------------------------------------------------

  /// @brief Absorbs the return r, with `vol` as it stood before r. noexcept, no allocation.
  /// @return status::non_finite_input for a NaN or infinite r (state unchanged). Otherwise the
  ///         residual is kept and the status says what the refit did: `ok` (refitted, or no
  ///         refit due), `not_enough_data` (no tails yet: too few residuals for the threshold
  ///         rule), or the warning `refit_failed`: the due fit failed (no convergence, xi >= 1,
  ///         too few exceedances of a fixed threshold), the previous tails stay in use, the
  ///         reason is `last_fit_status()` and `failed_refits()` counts such refits. Either way
  ///         the caller must still pass r to the volatility model.
  template <volatility_model Vol>
  status observe(double r, const Vol& vol) noexcept {
    if (!std::isfinite(r)) return status::non_finite_input;
    // Model not warm (no forecast, or its burn-in not over): nothing to standardise yet.
    if (!volatility_warm(vol)) return state_.fitted ? status::ok : status::not_enough_data;
    const double z = r / std::sqrt(static_cast<double>(vol.variance()));
    state_.residuals[static_cast<std::size_t>(state_.next)] = z;
    state_.next = (state_.next + 1) % config_.window;
    state_.count = std::min(state_.count + 1, config_.window);
    state_.since_refit += 1;
    if (state_.since_refit < config_.refit_interval && state_.fitted) return status::ok;
    state_.since_refit = 0;
    return refit();
  }

  /// @brief sqrt(vol.variance(horizon)) times the residual tail's {VaR, ES} for the side;
  ///        {+inf, +inf} before `ready()`.
  template <volatility_model Vol>
  [[nodiscard]] risk_estimate estimate(const Vol& vol, position_side side) const noexcept {
    if (!state_.fitted) {
      constexpr double inf = std::numeric_limits<double>::infinity();
      return {inf, inf};
    }
    const double sigma = std::sqrt(static_cast<double>(vol.variance(config_.horizon.steps())));
    const risk_estimate& z = side == position_side::long_position ? state_.long_tail : state_.short_tail;
    return {sigma * z.var, sigma * z.es};
  }

  /// @brief The residual tails' {VaR_z, ES_z} (meaningful once `ready()`).
  [[nodiscard]] risk_estimate residual_risk(position_side side) const noexcept {
    return side == position_side::long_position ? state_.long_tail : state_.short_tail;
  }

  [[nodiscard]] bool ready() const noexcept { return state_.fitted; }
  /// @brief Status of the last refit attempt: ok, not_enough_data, no_convergence or
  ///        domain_error (xi >= 1: infinite expected shortfall).
  [[nodiscard]] status last_fit_status() const noexcept { return state_.last_fit; }
  /// @brief Refits that failed and left the previous tails in use (`refit_failed`).
  [[nodiscard]] std::int64_t failed_refits() const noexcept { return state_.failed_refits; }
  [[nodiscard]] std::int64_t horizon_steps() const noexcept { return config_.horizon.steps(); }
  [[nodiscard]] std::int64_t residual_count() const noexcept { return state_.count; }
  /// @brief The state (copies the window: allocates).
  [[nodiscard]] state_type state() const { return state_; }
  /// @throws dynmargin::invalid_argument when the saved ring buffer has another window size.
  void restore(const state_type& saved) {
    if (saved.residuals.size() != state_.residuals.size()) {
      throw_invalid_argument("evt_risk", "saved state window",
                             "must equal the configured window " + std::to_string(config_.window),
                             saved.residuals.size());
    }
    state_ = saved;
  }
  [[nodiscard]] const evt_risk_config& config() const noexcept { return config_; }

 private:
  // Refit both tails from the residuals held; keeps the old tails unless both succeed.
  // not_enough_data before the first fit (the window is filling), refit_failed otherwise.
  status refit() noexcept {
    const auto held = static_cast<std::size_t>(state_.count);
    std::span<double> work(scratch_.data(), held);
    evt_tail_fit fit;
    std::int64_t have = 0;
    std::array<risk_estimate, 2> tails{};
    for (std::size_t side = 0; side < 2; ++side) {
      const auto which = side == 0 ? position_side::long_position : position_side::short_position;
      for (std::size_t i = 0; i < held; ++i) work[i] = detail::residual_loss(state_.residuals[i], which);
      status s = detail::fit_tail_in_place(work, config_.tail, fit, have);
      if (s == status::ok) s = detail::tail_risk_core(fit, config_.confidence.value(), tails[side]);
      if (s != status::ok) {
        state_.last_fit = s;
        if (!state_.fitted && s == status::not_enough_data) return s;
        state_.failed_refits += 1;
        return status::refit_failed;
      }
    }
    state_.long_tail = tails[0];
    state_.short_tail = tails[1];
    state_.fitted = true;
    state_.last_fit = status::ok;
    return status::ok;
  }

  evt_risk_config config_;
  state_type state_{};
  std::vector<double> scratch_;
};

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using evt_config [[deprecated("use fit_tail_config")]] = fit_tail_config;
// End of deprecated spellings.

}  // namespace dynmargin
