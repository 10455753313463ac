// SPDX-License-Identifier: MIT
/// @file
/// @brief Historical simulation VaR and ES: batch (`historical_var_es`) and streaming over a
///        rolling window (`historical_risk`), with the quantile and ES definitions as choices,
///        optional age weights, and an explicit horizon.
///
/// Definitions (see risk/rolling_quantile.hpp): VaR by R's type 1 (inverse empirical CDF) or
/// type 7 (linear interpolation, R's default); ES by `es_method::tail_mean`, the mean of the
/// returns at or below the type-1 quantile (the convention of the reference
/// tests/data/rolling_hs_var_btc1h.csv: es = -mean(w[w <= -var_type1])), or
/// `es_method::acerbi_tasche` (coherent on every sample). A short position's measures are the
/// long measures of the negated returns.
///
/// Age weights (Boudoukh, Richardson and Whitelaw 1998, "The best of both worlds", Risk 11):
/// `age_decay` = lambda < 1 weights the return i periods old by lambda^i (1-lambda)/(1-lambda^n)
/// and takes the weighted inverse CDF (type 1 only); each estimate then sorts the window,
/// O(n log n). Equal weights use the rolling tails: O(log n) per return, O(k) per estimate.
///
/// Horizon (risk/horizon.hpp): overlapping h-step sums of the window's returns (default), the
/// one-step measure times sqrt(h), or a seeded bootstrap of h-step sums. With
/// overlapping sums a window of n returns gives n - h + 1 sums; the window must hold
/// ceil(1/(1-p)) + h - 1 returns (a 99% tail needs 100 sums), otherwise construction throws
/// naming the number needed.
///
/// Streaming: `observe(r, vol)` ignores the volatility model; `estimate(vol, side)` reads the
/// window. Before the window holds enough returns for the tail (`ready()`), `estimate` returns
/// +infinity for VaR and ES (no position can be margined on too little data), never NaN.
#pragma once

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
#include "dynmargin/risk/horizon.hpp"
#include "dynmargin/risk/rolling_quantile.hpp"
#include "dynmargin/volatility/concepts.hpp"

namespace dynmargin {

/// @brief Configuration of historical simulation (batch and streaming).
struct historical_risk_config {
  confidence_level confidence{0.99};                      ///< p in (0, 1)
  std::int64_t window = 500;                              ///< returns in the rolling window (streaming)
  quantile_method quantile = quantile_method::type7;      ///< VaR definition
  es_method es = es_method::tail_mean;                    ///< ES definition
  dynmargin::horizon horizon_steps{1};                    ///< h >= 1 steps
  horizon_rule horizon = horizon_rule::overlapping_sums;  ///< overlapping_sums, square_root_of_time or bootstrap
  double age_decay = 1.0;                                 ///< BRW lambda in (0, 1); 1 = equal weights
  std::int64_t bootstrap_paths = 10000;                   ///< sums drawn by the bootstrap rule
  std::uint64_t seed = 20240501;                          ///< seed of the bootstrap's std::mt19937_64
  /// Keep the upper tail as returns arrive (short positions). A measure that only ever quotes
  /// long positions sets false and pushes half as much; its short estimates are then computed
  /// from a copy of the window (slower, bit-identical).
  bool upper_tail = true;
};

namespace detail {
[[nodiscard]] inline window_settings historical_settings(const historical_risk_config& c, std::string_view component,
                                                         std::int64_t window, std::string_view window_name) {
  window_settings s;
  s.component = component;
  s.window_name = window_name;
  s.confidence = c.confidence.value();
  s.window = window;
  s.quantile = c.quantile;
  s.es = c.es;
  s.horizon_steps = c.horizon_steps.steps();
  s.horizon = c.horizon;
  s.age_decay = c.age_decay;
  s.bootstrap_paths = c.bootstrap_paths;
  s.seed = c.seed;
  s.upper_tail = c.upper_tail;
  return s;
}
[[nodiscard]] inline risk_estimate scale_estimate(risk_estimate e, double factor) noexcept {
  return {e.var * factor, e.es * factor};
}
}  // namespace detail

/// @brief Historical-simulation VaR and ES of a sample of returns (oldest first) over the
///        configured horizon; `config.window` is ignored (the sample is the window).
/// @throws dynmargin::invalid_argument naming confidence, horizon_steps, horizon, age_decay,
///         quantile, the sample size (with the number needed) or the index of a non-finite value.
[[nodiscard]] inline risk_estimate historical_var_es(std::span<const double> sample,
                                                     const historical_risk_config& config,
                                                     position_side side = position_side::long_position) {
  constexpr std::string_view component = "historical_var_es";
  const auto settings = detail::historical_settings(config, component, static_cast<std::int64_t>(sample.size()),
                                                    "sample size");
  detail::check_window_settings(settings);
  detail::check_sample(component, sample);
  const detail::windowed_sample engine(settings);
  std::vector<double> values(sample.begin(), sample.end());
  if (side == position_side::short_position)
    for (double& v : values) v = -v;
  const auto e = engine.unscaled_from(values);
  return config.horizon == horizon_rule::square_root_of_time
             ? detail::scale_estimate(e, std::sqrt(static_cast<double>(config.horizon_steps.steps())))
             : e;
}

/// @brief Rolling-window historical simulation; a `sample_risk_measure` and, beside any
///        volatility model (which it ignores), a `streaming_risk_measure`.
class historical_risk {
 public:
  using model_concept = risk_measure_tag;
  using config_type = historical_risk_config;  ///< what the constructor takes

  /// @brief The window (oldest first) and the count of returns seen.
  struct state_type {
    std::vector<double> window;
    std::int64_t observations = 0;
    std::int64_t window_length = 0;  ///< the window of the measure it was taken from
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming the parameter at fault (see historical_var_es),
  ///         or window with the number of returns the tail needs.
  explicit historical_risk(const historical_risk_config& config = {})
      : config_(config), engine_(detail::historical_settings(config, "historical_risk", config.window, "window")) {}

  /// @brief Batch form: `historical_var_es(sample, config())` for a long position.
  [[nodiscard]] risk_estimate from_sample(std::span<const double> sample) const {
    return historical_var_es(sample, config_, position_side::long_position);
  }

  /// @brief Adds a return to the window. O(log n).
  /// @return `status::non_finite_input` (no change) for NaN or infinity.
  template <volatility_model Vol>
  status observe(double r, const Vol& /*vol*/) noexcept {
    return observe(r);
  }
  /// @brief The same without a volatility model.
  status observe(double r) noexcept {
    if (!std::isfinite(r)) return status::non_finite_input;
    engine_.push(r);
    return status::ok;
  }

  /// @brief VaR and ES of the window over the horizon; +infinity before `ready()`.
  template <volatility_model Vol>
  [[nodiscard]] risk_estimate estimate(const Vol& /*vol*/, position_side side) const noexcept {
    return estimate(side);
  }
  /// @brief The same without a volatility model.
  [[nodiscard]] risk_estimate estimate(position_side side = position_side::long_position) const noexcept {
    if (!engine_.ready()) {
      constexpr double inf = std::numeric_limits<double>::infinity();
      return {inf, inf};
    }
    const auto e = engine_.unscaled(side);
    return config_.horizon == horizon_rule::square_root_of_time
               ? detail::scale_estimate(e, std::sqrt(static_cast<double>(config_.horizon_steps.steps())))
               : e;
  }

  /// @brief True once the window holds enough returns (or h-step sums) for the tail.
  [[nodiscard]] bool ready() const noexcept { return engine_.ready(); }
  /// @brief Returns needed before `ready()`: ceil(1/(1-p)), plus h - 1 for overlapping sums.
  [[nodiscard]] std::size_t minimum_observations() const noexcept {
    const bool sums = config_.horizon == horizon_rule::overlapping_sums && config_.horizon_steps.steps() > 1;
    return engine_.minimum() + (sums ? static_cast<std::size_t>(config_.horizon_steps.steps() - 1) : 0U);
  }
  [[nodiscard]] std::size_t size() const noexcept { return engine_.size(); }
  [[nodiscard]] std::int64_t horizon_steps() const noexcept { return config_.horizon_steps.steps(); }
  [[nodiscard]] const historical_risk_config& config() const noexcept { return config_; }

  /// @brief Copies the window (allocates; not for the hot path).
  [[nodiscard]] state_type state() const {
    state_type s;
    s.window_length = config_.window;
    s.window.resize(engine_.size());
    for (std::size_t i = 0; i < s.window.size(); ++i) s.window[i] = engine_.oldest(i);
    s.observations = engine_.observations();
    return s;
  }
  /// @brief Rebuilds the window from a saved state; later estimates are bit-identical.
  /// @throws dynmargin::invalid_argument, with nothing changed, when the state comes from a
  ///         measure with another window, or its window is longer than that or holds a
  ///         non-finite value.
  void restore(const state_type& saved) {
    if (saved.window_length != config_.window) {
      throw_invalid_argument("historical_risk", "state window",
                             "must equal this measure's window of " + std::to_string(config_.window),
                             saved.window_length);
    }
    if (saved.window.size() > static_cast<std::size_t>(config_.window)) {
      throw_invalid_argument("historical_risk", "saved window size", "must not exceed the window", saved.window.size());
    }
    detail::check_sample("historical_risk", saved.window);
    engine_.clear();
    for (double x : saved.window) engine_.push(x);
    engine_.set_observations(saved.observations);
  }

 private:
  historical_risk_config config_;
  detail::windowed_sample engine_;
};

}  // namespace dynmargin
