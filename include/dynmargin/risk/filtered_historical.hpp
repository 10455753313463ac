// SPDX-License-Identifier: MIT
/// @file
/// @brief Filtered historical simulation (FHS): historical returns rescaled to today's
///        volatility, r_t * sigma_now / sigma_t, with the volatility from any `volatility_model`
///        (EWMA 0.94 or 0.97, GARCH), an optional floor and cap on the scaling factor, and an
///        explicit horizon. The method of LCH, Eurex and ICE's initial-margin models.
///
/// Sources: Barone-Adesi, Giannopoulos and Vosper (1999), "VaR without correlations for
/// portfolios of derivative securities", J. Futures Markets 19; Hull and White (1998),
/// "Incorporating volatility updating into the historical simulation method for VaR",
/// J. Risk 1. Floors on the scaling (a fraction of the stressed or long-run volatility) are
/// the anti-procyclicality tools of EMIR RTS 153/2013 art. 28.
///
/// Streaming (`filtered_historical_risk`, a `streaming_risk_measure` for every volatility
/// model): `observe(r, vol)` is called with the model *before* it absorbs r, so
/// sigma_t = sqrt(vol.variance()) is the forecast of r_t's volatility; it stores the
/// standardised residual z_t = r_t / sigma_t and sigma_t in a fixed ring of the window size.
/// `estimate(vol, side)` scales the residuals by the current forecast. Horizon (choice stated):
///  - `overlapping_sums` (default): overlapping h-step sums of the residuals times
///    sqrt(vol.variance(h) / h), so a GARCH term structure enters through variance(h) and a
///    flat EWMA gives sigma_now;
///  - `bootstrap`: sums of h residuals drawn with replacement (std::mt19937_64 seeded with
///    `seed` at each estimate, so results reproduce), times sqrt(vol.variance(h) / h);
///  - `volatility_model`: the one-step residual quantile times sqrt(vol.variance(h));
///  - `square_root_of_time`: the one-step FHS measure times sqrt(h).
/// Without floor and cap the scaling is common to all residuals, so the rolling tails of the
/// residuals are read directly: O(log n) per return, O(k) per estimate. With a floor or a cap
/// each estimate rebuilds the rescaled sample, r_t * clamp(sigma_now / sigma_t, floor, cap):
/// O(n log k) per estimate into preallocated scratch.
///
/// Warm-up (burn-in, stated): a residual is kept only once the volatility model is warm
/// (`volatility_warm`: a positive forecast and, for a model with `ready()`, its burn-in over;
/// EWMA first-squared-return: 76 returns at lambda 0.94), because z_t = r_t / sigma_t from a
/// model that has seen one return (z_2 = r_2 / |r_1|) can dominate the tail for a whole window.
/// Returns before that still go to the model (the caller's `vol.update`), not to the window.
/// Readiness: `ready()` once the window holds `min_residuals` residuals (0, the default: the
/// whole window, so a 99% ES rests on 500 residuals, not 100), and at least the tail's minimum.
/// Mean: when the model has a conditional mean (`volatility_mean`: GARCH's mu), the residual is
/// z_t = (r_t - mu) / sigma_t and the h-step return is mean + scaled residual sum: h mu for
/// overlapping sums, bootstrap and volatility_model, sqrt(h) mu for square_root_of_time (the
/// one-step measure times sqrt(h)).
///
/// Before `ready()`, or when the volatility model has no positive forecast, `estimate` returns
/// +infinity for VaR and ES, never NaN. Estimates use
/// mutable scratch: one object must not be estimated from two threads at once.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/risk/concepts.hpp"
#include "dynmargin/risk/detail/risk_window.hpp"
#include "dynmargin/risk/historical.hpp"
#include "dynmargin/risk/horizon.hpp"
#include "dynmargin/risk/rolling_quantile.hpp"
#include "dynmargin/volatility/concepts.hpp"

namespace dynmargin {

/// @brief Configuration of filtered historical simulation.
struct filtered_historical_risk_config {
  confidence_level confidence{0.99};                           ///< p in (0, 1)
  std::int64_t window = 500;                                   ///< residuals kept
  quantile_method quantile = quantile_method::type7;           ///< VaR definition
  es_method es = es_method::tail_mean;                         ///< ES definition
  dynmargin::horizon horizon_steps{1};                         ///< h >= 1 steps
  horizon_rule horizon = horizon_rule::overlapping_sums;       ///< see the file comment
  double scale_floor = 0.0;                                    ///< lower bound of sigma_now / sigma_t (0 = none)
  double scale_cap = std::numeric_limits<double>::infinity();  ///< upper bound (infinity = none)
  std::int64_t bootstrap_paths = 10000;                        ///< sums drawn by the bootstrap rule
  std::uint64_t seed = 20240501;                               ///< bootstrap seed
  std::int64_t min_residuals = 0;  ///< residuals before ready(); 0 = the whole window, else in [tail minimum, window]
};

namespace detail {
[[nodiscard]] inline window_settings fhs_settings(const filtered_historical_risk_config& c, std::string_view component,
                                                  std::int64_t window, std::string_view window_name) {
  if (!(c.scale_floor >= 0.0 && std::isfinite(c.scale_floor))) {
    throw_invalid_argument(component, "scale_floor", "must be finite and >= 0", c.scale_floor);
  }
  if (!(c.scale_cap > 0.0 && c.scale_cap >= c.scale_floor)) {
    throw_invalid_argument(component, "scale_cap", "must be > 0 and >= scale_floor", c.scale_cap);
  }
  window_settings s;
  s.component = component;
  s.window_name = window_name;
  s.confidence = c.confidence.value();
  s.window = window;
  s.quantile = c.quantile;
  s.es = c.es;
  s.horizon_steps = c.horizon_steps.steps();
  s.horizon = c.horizon;
  s.bootstrap_paths = c.bootstrap_paths;
  s.seed = c.seed;
  s.allow_volatility_model_rule = true;
  return s;
}

/// The residuals needed before ready(): min_residuals, or the whole window when it is 0;
/// at least the tail's minimum (checked by the caller against the engine).
[[nodiscard]] inline std::size_t fhs_min_residuals(const filtered_historical_risk_config& c, std::string_view component,
                                                   std::size_t tail_minimum) {
  if (c.min_residuals == 0) return static_cast<std::size_t>(c.window);
  if (c.min_residuals < 0 || c.min_residuals > c.window || static_cast<std::size_t>(c.min_residuals) < tail_minimum) {
    throw_invalid_argument(component, "min_residuals",
                           "must be 0 (the whole window) or in [" + std::to_string(tail_minimum) + ", window " +
                               std::to_string(c.window) + "]",
                           c.min_residuals);
  }
  return static_cast<std::size_t>(c.min_residuals);
}

/// The h-step mean a long position's loss is reduced by (and a short's increased by).
[[nodiscard]] inline double fhs_mean_shift(double mu, horizon_rule rule, std::int64_t h) noexcept {
  const auto hd = static_cast<double>(h);
  return rule == horizon_rule::square_root_of_time ? std::sqrt(hd) * mu : hd * mu;
}

/// Residual-unit estimate -> return-unit estimate: scale by the horizon factor, shift by the mean.
[[nodiscard]] inline risk_estimate fhs_to_returns(risk_estimate unscaled, double factor, double shift,
                                                  position_side side) noexcept {
  const double signed_shift = side == position_side::long_position ? -shift : shift;
  return {unscaled.var * factor + signed_shift, unscaled.es * factor + signed_shift};
}

/// The factor that turns a measure of residuals (one-step or h-sums, per the rule) into the
/// horizon measure in return units; 0 or non-finite when the model has no positive forecast.
template <class Vol>
[[nodiscard]] double fhs_horizon_factor(const Vol& vol, horizon_rule rule, std::int64_t h) noexcept {
  const auto hd = static_cast<double>(h);
  switch (rule) {
    case horizon_rule::volatility_model: return std::sqrt(static_cast<double>(vol.variance(h)));
    case horizon_rule::square_root_of_time: return std::sqrt(hd * static_cast<double>(vol.variance()));
    case horizon_rule::overlapping_sums:
    case horizon_rule::bootstrap: return std::sqrt(static_cast<double>(vol.variance(h)) / hd);
  }
  return 0.0;
}
}  // namespace detail

/// @brief Rescales historical returns to the current volatility:
///        out_t = r_t * clamp(sigma_now / sigma_t, floor, cap).
/// @throws dynmargin::invalid_argument naming a size mismatch, sigma_now, or the index of a
///         non-finite return or non-positive sigma.
[[nodiscard]] inline std::vector<double> filter_returns(std::span<const double> returns, std::span<const double> sigmas,
                                                        double sigma_now, double floor = 0.0,
                                                        double cap = std::numeric_limits<double>::infinity()) {
  constexpr std::string_view component = "filter_returns";
  if (sigmas.size() != returns.size()) {
    throw_invalid_argument(component, "sigmas",
                           "must have one entry per return (" + std::to_string(returns.size()) + ")", sigmas.size());
  }
  if (!(std::isfinite(sigma_now) && sigma_now > 0.0))
    throw_invalid_argument(component, "sigma_now", "must be finite and > 0", sigma_now);
  detail::check_sample(component, returns);
  std::vector<double> out(returns.size());
  for (std::size_t i = 0; i < returns.size(); ++i) {
    if (!(std::isfinite(sigmas[i]) && sigmas[i] > 0.0)) {
      throw_invalid_argument(component, "sigma at index " + std::to_string(i), "must be finite and > 0", sigmas[i]);
    }
    out[i] = returns[i] * std::clamp(sigma_now / sigmas[i], floor, cap);
  }
  return out;
}

/// @brief Streaming filtered historical simulation (see the file comment); also a
///        `sample_risk_measure` whose `from_sample` treats the sample as already filtered
///        returns (historical simulation of them at the configured horizon; the
///        volatility_model rule falls back to square-root-of-time there).
class filtered_historical_risk {
 public:
  using model_concept = risk_measure_tag;
  using config_type = filtered_historical_risk_config;  ///< what the constructor takes

  /// @brief The residual and volatility windows (oldest first) and the count observed.
  struct state_type {
    std::vector<double> residuals;
    std::vector<double> sigmas;
    std::int64_t observations = 0;
    std::int64_t window_length = 0;  ///< the window of the measure it was taken from
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming confidence, window (with the number of
  ///         returns needed), horizon_steps, scale_floor, scale_cap or bootstrap_paths.
  explicit filtered_historical_risk(const filtered_historical_risk_config& config = {})
      : config_(config),
        engine_(detail::fhs_settings(config, "filtered_historical_risk", config.window, "window")),
        sigmas_(static_cast<std::size_t>(config.window), 0.0),
        min_residuals_(detail::fhs_min_residuals(config, "filtered_historical_risk", engine_.minimum())),
        filtered_(config.scale_floor > 0.0 || std::isfinite(config.scale_cap)) {}

  /// @brief Stores z_t = (r - mu) / sqrt(vol.variance()) and the volatility once the model is
  ///        warm (see the file comment). O(log n).
  /// @return `status::non_finite_input` for NaN or infinity, `status::not_enough_data` while the
  ///         model is not warm (`volatility_warm`: no positive forecast, or its burn-in not
  ///         over); the state is unchanged in both cases, and the caller still updates the model.
  template <volatility_model Vol>
  status observe(double r, const Vol& vol) noexcept {
    if (!std::isfinite(r)) return status::non_finite_input;
    if (!volatility_warm(vol)) return status::not_enough_data;
    const double sigma = std::sqrt(static_cast<double>(vol.variance()));
    const std::size_t n = sigmas_.size();
    if (engine_.size() == n) {
      sigmas_[head_] = sigma;
      head_ = head_ + 1 == n ? 0 : head_ + 1;
    } else {
      sigmas_[(head_ + engine_.size()) % n] = sigma;
    }
    engine_.push((r - volatility_mean(vol)) / sigma);
    return status::ok;
  }

  /// @brief VaR and ES over the horizon at the model's current forecast; +infinity before
  ///        `ready()` or without a positive forecast.
  template <volatility_model Vol>
  [[nodiscard]] risk_estimate estimate(const Vol& vol, position_side side) const noexcept {
    constexpr double inf = std::numeric_limits<double>::infinity();
    const double factor = detail::fhs_horizon_factor(vol, config_.horizon, config_.horizon_steps.steps());
    if (!ready() || !(factor > 0.0 && std::isfinite(factor))) return {inf, inf};
    const double shift = detail::fhs_mean_shift(volatility_mean(vol), config_.horizon, config_.horizon_steps.steps());
    if (!filtered_) return detail::fhs_to_returns(engine_.unscaled(side), factor, shift, side);
    // Floor/cap: rebuild r_t * clamp(sigma_now / sigma_t) / sigma_now in residual units.
    const double sigma_now = std::sqrt(static_cast<double>(vol.variance()));
    if (!(sigma_now > 0.0 && std::isfinite(sigma_now))) return {inf, inf};
    const std::size_t count = engine_.fill_window(side);
    const auto values = engine_.window_copy().first(count);
    for (std::size_t i = 0; i < count; ++i) {
      const double s = sigma_at(i);
      values[i] = values[i] * s * std::clamp(sigma_now / s, config_.scale_floor, config_.scale_cap) / sigma_now;
    }
    return detail::fhs_to_returns(engine_.unscaled_from(values), factor, shift, side);
  }

  /// @brief Historical simulation of already filtered returns (long position).
  [[nodiscard]] risk_estimate from_sample(std::span<const double> sample) const {
    historical_risk_config c;
    c.confidence = config_.confidence;
    c.quantile = config_.quantile;
    c.es = config_.es;
    c.horizon_steps = config_.horizon_steps;
    c.horizon = config_.horizon == horizon_rule::volatility_model ? horizon_rule::square_root_of_time : config_.horizon;
    c.bootstrap_paths = config_.bootstrap_paths;
    c.seed = config_.seed;
    return historical_var_es(sample, c);
  }

  /// @brief The window holds `min_residuals()` residuals (and the tail's minimum).
  [[nodiscard]] bool ready() const noexcept { return engine_.ready() && engine_.size() >= min_residuals_; }
  /// @brief Residuals needed before `ready()` (the whole window by default).
  [[nodiscard]] std::size_t min_residuals() const noexcept { return min_residuals_; }
  [[nodiscard]] std::size_t size() const noexcept { return engine_.size(); }
  [[nodiscard]] std::int64_t horizon_steps() const noexcept { return config_.horizon_steps.steps(); }
  [[nodiscard]] const filtered_historical_risk_config& config() const noexcept { return config_; }
  /// @brief The i-th oldest standardised residual in the window.
  [[nodiscard]] double residual(std::size_t i) const noexcept { return engine_.oldest(i); }
  /// @brief The volatility forecast that standardised the i-th oldest residual.
  [[nodiscard]] double sigma_at(std::size_t i) const noexcept { return sigmas_[(head_ + i) % sigmas_.size()]; }

  /// @brief Copies the windows (allocates; not for the hot path).
  [[nodiscard]] state_type state() const {
    state_type s;
    s.window_length = static_cast<std::int64_t>(sigmas_.size());
    s.residuals.resize(engine_.size());
    s.sigmas.resize(engine_.size());
    for (std::size_t i = 0; i < engine_.size(); ++i) {
      s.residuals[i] = engine_.oldest(i);
      s.sigmas[i] = sigma_at(i);
    }
    s.observations = engine_.observations();
    return s;
  }
  /// @brief Rebuilds the windows from a saved state; later estimates are bit-identical.
  /// @throws dynmargin::invalid_argument when the saved windows are inconsistent or too long.
  void restore(const state_type& saved) {
    constexpr std::string_view component = "filtered_historical_risk";
    if (saved.window_length != static_cast<std::int64_t>(sigmas_.size())) {
      throw_invalid_argument(component, "state window",
                             "must equal this measure's window of " + std::to_string(sigmas_.size()),
                             saved.window_length);
    }
    if (saved.residuals.size() != saved.sigmas.size() || saved.residuals.size() > sigmas_.size()) {
      throw_invalid_argument(component, "saved window size", "must match the sigmas and not exceed the window",
                             saved.residuals.size());
    }
    detail::check_sample(component, saved.residuals);
    engine_.clear();
    head_ = 0;
    for (std::size_t i = 0; i < saved.residuals.size(); ++i) {
      sigmas_[i] = saved.sigmas[i];
      engine_.push(saved.residuals[i]);
    }
    engine_.set_observations(saved.observations);
  }

 private:
  filtered_historical_risk_config config_;
  detail::windowed_sample engine_;
  std::vector<double> sigmas_;
  std::size_t head_ = 0;
  std::size_t min_residuals_ = 0;
  bool filtered_ = false;
};

/// @brief Batch FHS: runs a copy of `vol` over all `returns` (sigma_t = the forecast before
///        r_t), keeps the last `config.window` residuals and estimates at the forecast after
///        the last return. Equals the streaming measure fed the same returns.
/// @throws dynmargin::invalid_argument naming the index of a non-finite return, a sample too
///         short for the window, or a bad parameter.
template <volatility_model Vol>
[[nodiscard]] risk_estimate filtered_historical_var_es(std::span<const double> returns, Vol vol,
                                                       const filtered_historical_risk_config& config,
                                                       position_side side = position_side::long_position) {
  constexpr std::string_view component = "filtered_historical_var_es";
  const auto settings = detail::fhs_settings(config, component, config.window, "window");
  detail::check_window_settings(settings);
  detail::check_sample(component, returns);
  std::vector<double> residuals;
  std::vector<double> sigmas;
  residuals.reserve(returns.size());
  sigmas.reserve(returns.size());
  for (double r : returns) {
    if (volatility_warm(vol)) {
      const double sigma = std::sqrt(static_cast<double>(vol.variance()));
      residuals.push_back((r - volatility_mean(vol)) / sigma);
      sigmas.push_back(sigma);
    }
    (void)vol.update(r);
  }
  const auto n = static_cast<std::size_t>(config.window);
  const std::size_t count = std::min(n, residuals.size());
  const detail::windowed_sample engine(settings);
  const std::size_t needed = std::max(detail::fhs_min_residuals(config, component, engine.minimum()),
                                      engine.minimum() +
                                          (config.horizon == horizon_rule::overlapping_sums
                                               ? static_cast<std::size_t>(config.horizon_steps.steps() - 1)
                                               : 0U));
  if (count < needed) {
    throw_invalid_argument(component, "returns",
                           "are too few: " + std::to_string(count) + " residuals after the volatility burn-in, " +
                               std::to_string(needed) + " needed",
                           returns.size());
  }
  const double factor = detail::fhs_horizon_factor(vol, config.horizon, config.horizon_steps.steps());
  if (!(factor > 0.0 && std::isfinite(factor)))
    throw_domain_error(component, "volatility forecast", "must be > 0", factor);
  const double sigma_now = std::sqrt(static_cast<double>(vol.variance()));
  const double sign = side == position_side::long_position ? 1.0 : -1.0;
  const bool filtered = config.scale_floor > 0.0 || std::isfinite(config.scale_cap);
  std::vector<double> values(count);
  const std::size_t first = residuals.size() - count;
  for (std::size_t i = 0; i < count; ++i) {
    const double z = sign * residuals[first + i];
    const double s = sigmas[first + i];
    values[i] = filtered ? z * s * std::clamp(sigma_now / s, config.scale_floor, config.scale_cap) / sigma_now : z;
  }
  const double shift = detail::fhs_mean_shift(volatility_mean(vol), config.horizon, config.horizon_steps.steps());
  return detail::fhs_to_returns(engine.unscaled_from(values), factor, shift, side);
}

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using filtered_historical_config
    [[deprecated("use filtered_historical_risk_config")]] = filtered_historical_risk_config;
// End of deprecated spellings.

}  // namespace dynmargin
