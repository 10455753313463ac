// SPDX-License-Identifier: MIT
/// @file
/// @brief Range-based variance estimators from OHLC bars: Parkinson, Garman-Klass,
///        Rogers-Satchell and Yang-Zhang, as per-bar contributions, batch estimates and
///        streaming models weighted by a rolling window or an EWMA.
///
/// A bar's high and low carry far more information about its variance than the close alone:
/// under driftless Brownian motion Parkinson's estimator is about 5 times as efficient as the
/// squared close-to-close return, Garman-Klass about 7 times. With h = ln(H/O), l = ln(L/O),
/// c = ln(C/O) and the overnight return o = ln(O/C_prev), the per-bar variances are
///  - Parkinson (1980), "The extreme value method for estimating the variance of the rate of
///    return", J. Business 53(1): (ln H/L)^2 / (4 ln 2); assumes no drift;
///  - Garman and Klass (1980), "On the estimation of security price volatilities from
///    historical data", J. Business 53(1), their practical estimator sigma_5:
///    0.5 (ln H/L)^2 - (2 ln 2 - 1) c^2; assumes no drift;
///  - Rogers and Satchell (1991), "Estimating variance from high, low and closing prices",
///    Ann. Appl. Probab. 1(4): (h - c) h + (l - c) l = ln(H/C) ln(H/O) + ln(L/C) ln(L/O);
///    unbiased for any drift;
///  - Yang and Zhang (2000), "Drift-independent volatility estimation based on high, low,
///    open, and close prices", J. Business 73(3): over n bars,
///    sigma2 = V_o + k V_c + (1 - k) V_rs with V_o, V_c the sample variances (divisor n - 1)
///    of o and c, V_rs the mean Rogers-Satchell term, and k = 0.34 / (1.34 + (n+1)/(n-1)).
///    It is not a sum of per-bar terms, so `yang_zhang_volatility` keeps three windows.
/// All four estimate the variance of the log return over one bar (open to close plus, for
/// Yang-Zhang, the overnight gap). Every per-bar term is non-negative.
///
/// 24/7 markets: a crypto bar usually opens at the previous close, so o = 0 and Yang-Zhang
/// reduces to k V_c + (1 - k) V_rs. `yang_zhang_overnight::measured` (the default) still
/// uses the recorded open (Yahoo's daily crypto opens differ slightly from the previous
/// close); the first bar then only supplies its close. `yang_zhang_overnight::none` takes
/// o = 0 for every bar, so the first bar counts too.
///
/// Weighting (`range_weighting`): `rolling` averages the last n bars (equal weights, as in
/// the papers); `ewma` replaces the averages by exponentially weighted ones,
/// v_t = lambda v_{t-1} + (1 - lambda) term_t, started at the first bar's term (the
/// RiskMetrics first-observation rule). EWMA Yang-Zhang uses zero-mean EWMA moments of o^2
/// and c^2 and k at the effective sample size n = (1 + lambda) / (1 - lambda).
///
/// Units: the per-bar functions return squared natural-log returns (fractions); the models
/// scale to `return_units` (percent by default, the library's return convention, so that
/// they compare directly with models fed `returns_from_prices`).
///
/// Bad bars: a non-finite price gives `status::non_finite_input`; a non-positive price,
/// high < low, or open or close outside [low, high] gives `status::invalid_argument`; the
/// model is unchanged. `check_bar` and the `update_checked` members throw
/// `dynmargin::invalid_argument` naming the field and its value instead.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>
#include <string>
#include <string_view>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/returns.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/volatility/detail/rolling_window.hpp"

namespace dynmargin {

/// @brief One OHLC bar: open, high, low and close prices of an interval.
struct ohlc_bar {
  double open = 0.0;
  double high = 0.0;
  double low = 0.0;
  double close = 0.0;
  friend bool operator==(const ohlc_bar&, const ohlc_bar&) = default;
};

/// @brief Whether a bar is usable: `ok`, `non_finite_input` (a NaN or infinite price) or
///        `invalid_argument` (a price <= 0, high < low, open or close outside [low, high]).
[[nodiscard]] inline status bar_status(const ohlc_bar& bar) noexcept {
  if (!(std::isfinite(bar.open) && std::isfinite(bar.high) && std::isfinite(bar.low) && std::isfinite(bar.close))) {
    return status::non_finite_input;
  }
  if (!(bar.low > 0.0 && bar.high >= bar.low)) return status::invalid_argument;
  if (!(bar.open >= bar.low && bar.open <= bar.high && bar.close >= bar.low && bar.close <= bar.high)) {
    return status::invalid_argument;
  }
  return status::ok;
}

/// @brief Throws when a bar is unusable, naming the field and its value.
/// @param component prefix of the message (the estimator's name).
/// @param label names the bar in the message, e.g. "bar 17".
/// @throws dynmargin::invalid_argument e.g. "parkinson: bar 3 high must be >= low (452.4), got 450".
inline void check_bar(const ohlc_bar& bar, std::string_view component = "ohlc_bar", std::string_view label = "bar") {
  const std::string prefix = std::string(label) + " ";
  const auto positive = [&](double value, std::string_view field) {
    if (!(std::isfinite(value) && value > 0.0)) {
      throw_invalid_argument(component, prefix + std::string(field), "must be finite and positive", value);
    }
  };
  positive(bar.open, "open");
  positive(bar.high, "high");
  positive(bar.low, "low");
  positive(bar.close, "close");
  if (bar.high < bar.low) {
    throw_invalid_argument(component, prefix + "high", "must be >= low (" + detail::format_value(bar.low) + ")",
                           bar.high);
  }
  const std::string range = "must be within [low, high] = [" + detail::format_value(bar.low) + ", " +
                            detail::format_value(bar.high) + "]";
  if (bar.open < bar.low || bar.open > bar.high) throw_invalid_argument(component, prefix + "open", range, bar.open);
  if (bar.close < bar.low || bar.close > bar.high)
    throw_invalid_argument(component, prefix + "close", range, bar.close);
}

/// @brief Parkinson's per-bar variance (ln H/L)^2 / (4 ln 2). Precondition: a valid bar.
[[nodiscard]] inline double parkinson_variance(const ohlc_bar& bar) noexcept {
  const double u = std::log(bar.high / bar.low);
  return u * u / (4.0 * std::numbers::ln2);
}

/// @brief Garman-Klass per-bar variance 0.5 (ln H/L)^2 - (2 ln 2 - 1) (ln C/O)^2. Precondition: a valid bar.
[[nodiscard]] inline double garman_klass_variance(const ohlc_bar& bar) noexcept {
  const double u = std::log(bar.high / bar.low);
  const double c = std::log(bar.close / bar.open);
  return 0.5 * u * u - (2.0 * std::numbers::ln2 - 1.0) * c * c;
}

/// @brief Rogers-Satchell per-bar variance ln(H/C) ln(H/O) + ln(L/C) ln(L/O). Precondition: a valid bar.
[[nodiscard]] inline double rogers_satchell_variance(const ohlc_bar& bar) noexcept {
  const double h = std::log(bar.high / bar.open);
  const double l = std::log(bar.low / bar.open);
  const double c = std::log(bar.close / bar.open);
  return (h - c) * h + (l - c) * l;
}

/// @brief The three per-bar ingredients of Yang-Zhang.
struct yang_zhang_terms {
  double overnight = 0.0;        ///< o = ln(open / previous close)
  double open_to_close = 0.0;    ///< c = ln(close / open)
  double rogers_satchell = 0.0;  ///< the Rogers-Satchell term of the bar
  friend bool operator==(const yang_zhang_terms&, const yang_zhang_terms&) = default;
};

/// @brief Yang-Zhang terms of a bar. Precondition: a valid bar and previous_close > 0.
[[nodiscard]] inline yang_zhang_terms yang_zhang_components(const ohlc_bar& bar, double previous_close) noexcept {
  const double h = std::log(bar.high / bar.open);
  const double l = std::log(bar.low / bar.open);
  const double c = std::log(bar.close / bar.open);
  return yang_zhang_terms{std::log(bar.open / previous_close), c, (h - c) * h + (l - c) * l};
}

/// @brief Yang and Zhang's weight k = 0.34 / (1.34 + (n + 1) / (n - 1)), which minimises the
///        estimator's variance (their alpha = 1.34 is the value they recommend). n > 1.
[[nodiscard]] constexpr double yang_zhang_k(double n) noexcept { return 0.34 / (1.34 + (n + 1.0) / (n - 1.0)); }

namespace detail {

template <class Term>
[[nodiscard]] double vol_mean_of_terms(std::span<const ohlc_bar> bars, std::string_view component, Term term) {
  if (bars.empty()) throw_invalid_argument(component, "bars", "must hold at least 1 bar", bars.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    check_bar(bars[i], component, "bar " + std::to_string(i));
    sum += term(bars[i]);
  }
  return sum / static_cast<double>(bars.size());
}

}  // namespace detail

/// @brief Parkinson variance over bars: sum (ln H/L)^2 / (4 n ln 2), in squared log returns.
/// @throws dynmargin::invalid_argument for an empty span or a bad bar (naming its index and field).
[[nodiscard]] inline double parkinson_estimate(std::span<const ohlc_bar> bars) {
  return detail::vol_mean_of_terms(bars, "parkinson", parkinson_variance);
}
/// @brief Garman-Klass variance over bars (mean of the per-bar terms). @throws as parkinson_estimate.
[[nodiscard]] inline double garman_klass_estimate(std::span<const ohlc_bar> bars) {
  return detail::vol_mean_of_terms(bars, "garman_klass", garman_klass_variance);
}
/// @brief Rogers-Satchell variance over bars (mean of the per-bar terms). @throws as parkinson_estimate.
[[nodiscard]] inline double rogers_satchell_estimate(std::span<const ohlc_bar> bars) {
  return detail::vol_mean_of_terms(bars, "rogers_satchell", rogers_satchell_variance);
}

/// @brief How Yang-Zhang treats the overnight (close-to-open) return (see the file comment).
enum class yang_zhang_overnight : std::uint8_t {
  measured,  ///< o = ln(O_t / C_{t-1}); the first bar only supplies its close
  none,      ///< o = 0: the open is the previous close (24/7 markets); every bar counts
};

/// @brief Yang-Zhang variance over bars, in squared log returns.
/// @param bars oldest first; with `measured`, bars[0] only supplies the previous close, so
///        n = size - 1 bars are estimated (n >= 2); with `none`, n = size (n >= 2).
/// @throws dynmargin::invalid_argument for too few bars or a bad bar (naming its index and field).
[[nodiscard]] inline double yang_zhang_estimate(std::span<const ohlc_bar> bars,
                                                yang_zhang_overnight overnight = yang_zhang_overnight::measured) {
  const std::size_t first = overnight == yang_zhang_overnight::measured ? 1 : 0;
  if (bars.size() < first + 2) {
    throw_invalid_argument("yang_zhang", "bars", "must hold at least " + std::to_string(first + 2) + " bars",
                           bars.size());
  }
  for (std::size_t i = 0; i < bars.size(); ++i) check_bar(bars[i], "yang_zhang", "bar " + std::to_string(i));
  const auto n = static_cast<double>(bars.size() - first);
  double mean_o = 0.0;
  double mean_c = 0.0;
  double mean_rs = 0.0;
  for (std::size_t i = first; i < bars.size(); ++i) {
    const auto t = yang_zhang_components(bars[i], first == 1 ? bars[i - 1].close : bars[i].open);
    mean_o += t.overnight;
    mean_c += t.open_to_close;
    mean_rs += t.rogers_satchell;
  }
  mean_o /= n;
  mean_c /= n;
  mean_rs /= n;
  double ss_o = 0.0;
  double ss_c = 0.0;
  for (std::size_t i = first; i < bars.size(); ++i) {
    const auto t = yang_zhang_components(bars[i], first == 1 ? bars[i - 1].close : bars[i].open);
    ss_o += (t.overnight - mean_o) * (t.overnight - mean_o);
    ss_c += (t.open_to_close - mean_c) * (t.open_to_close - mean_c);
  }
  const double k = yang_zhang_k(n);
  return ss_o / (n - 1.0) + k * ss_c / (n - 1.0) + (1.0 - k) * mean_rs;
}

/// @brief The three single-bar range estimators.
enum class range_estimator : std::uint8_t { parkinson, garman_klass, rogers_satchell };

/// @brief The estimator's name as used in messages and on the command line.
[[nodiscard]] constexpr std::string_view to_string(range_estimator e) noexcept {
  switch (e) {
    case range_estimator::parkinson: return "parkinson";
    case range_estimator::garman_klass: return "garman_klass";
    case range_estimator::rogers_satchell: return "rogers_satchell";
  }
  return "range";
}

/// @brief How a streaming range estimator weights past bars.
enum class range_weighting : std::uint8_t {
  rolling,  ///< equal weights over the last `window` bars
  ewma,     ///< exponential weights with decay `lambda`, started at the first bar
};

/// @brief Configuration of the streaming range estimators.
struct range_volatility_config {
  range_weighting weighting = range_weighting::rolling;
  std::int64_t window = 30;                    ///< rolling: bars in the window, >= 2
  decay_factor lambda{0.94};                   ///< ewma: decay in (0, 1)
  return_units units = return_units::percent;  ///< units of the returns the variance refers to
};

namespace detail {

inline void vol_check_range_config(const range_volatility_config& config, std::string_view component) {
  if (config.weighting == range_weighting::rolling && config.window < 2) {
    throw_invalid_argument(component, "window", "must be at least 2", config.window);
  }
}

template <range_estimator E>
[[nodiscard]] double vol_range_term(const ohlc_bar& bar) noexcept {
  if constexpr (E == range_estimator::parkinson) {
    return parkinson_variance(bar);
  } else if constexpr (E == range_estimator::garman_klass) {
    return garman_klass_variance(bar);
  } else {
    return rogers_satchell_variance(bar);
  }
}

}  // namespace detail

/// @brief Streaming Parkinson, Garman-Klass or Rogers-Satchell variance of one bar's return,
///        rolling or EWMA-weighted. Fed bars, not returns, so not a `volatility_model`, but it
///        has the same interface (`update(bar)` noexcept -> status, `variance()`,
///        `variance(h)`, `observations()`, `state()`/`restore()`).
template <range_estimator E>
class range_volatility {
 public:
  using config_type = range_volatility_config;  ///< what the constructor takes
  /// @brief The whole mutable state, a regular value.
  struct state_type {
    detail::vol_rolling_window<false> terms;  ///< rolling: the last `window` per-bar terms
    double ewma_variance = 0.0;               ///< ewma: current weighted variance
    std::int64_t observations = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming `window` (< 2).
  explicit range_volatility(const range_volatility_config& config = {}) : config_(config) {
    detail::vol_check_range_config(config, name());
    if (config.weighting == range_weighting::rolling) {
      state_.terms = detail::vol_rolling_window<false>(static_cast<std::size_t>(config.window));
    }
    const double s = units_scale(config.units);
    scale_ = s * s;
  }

  /// @brief The estimator's name ("parkinson", "garman_klass", "rogers_satchell").
  [[nodiscard]] static constexpr std::string_view name() noexcept { return to_string(E); }

  /// @brief Absorbs one bar. O(1), no allocation.
  /// @return `bar_status(bar)`; the state is unchanged unless it is `ok`.
  status update(const ohlc_bar& bar) noexcept {
    const status s = bar_status(bar);
    if (s != status::ok) return s;
    const double term = detail::vol_range_term<E>(bar) * scale_;
    if (config_.weighting == range_weighting::rolling) {
      state_.terms.push(term);
    } else {
      state_.ewma_variance = state_.observations == 0 ? term
                                                      : config_.lambda.value() * state_.ewma_variance +
                                                            (1.0 - config_.lambda.value()) * term;
    }
    ++state_.observations;
    return status::ok;
  }

  /// @brief As `update`, but throws for a bad bar.
  /// @throws dynmargin::invalid_argument naming the field and value (see `check_bar`).
  void update_checked(const ohlc_bar& bar) {
    check_bar(bar, name(), "bar " + std::to_string(state_.observations));
    (void)update(bar);
  }

  /// @brief Variance forecast of the next bar's log return (0 before the first bar).
  [[nodiscard]] double variance() const noexcept {
    return config_.weighting == range_weighting::rolling ? state_.terms.mean() : state_.ewma_variance;
  }
  /// @brief steps * variance(): the forecast is flat.
  [[nodiscard]] double variance(std::int64_t steps) const noexcept { return static_cast<double>(steps) * variance(); }
  [[nodiscard]] double volatility() const noexcept { return std::sqrt(variance()); }
  [[nodiscard]] std::int64_t observations() const noexcept { return state_.observations; }
  /// @brief Rolling: the window is full; EWMA: at least one bar.
  [[nodiscard]] bool ready() const noexcept {
    return config_.weighting == range_weighting::rolling ? state_.observations >= config_.window
                                                         : state_.observations >= 1;
  }

  /// @brief The state (copies the window: allocates).
  [[nodiscard]] state_type state() const { return state_; }
  /// @throws dynmargin::invalid_argument when the state comes from a different window.
  void restore(const state_type& saved) {
    if (saved.terms.capacity() != state_.terms.capacity()) {
      throw_invalid_argument(name(), "state", "must come from a model with the same window", saved.terms.capacity());
    }
    state_ = saved;
  }
  [[nodiscard]] const range_volatility_config& config() const noexcept { return config_; }

 private:
  range_volatility_config config_;
  double scale_ = 1.0;
  state_type state_{};
};

/// @brief Streaming Parkinson (1980) variance.
using parkinson_volatility = range_volatility<range_estimator::parkinson>;
/// @brief Streaming Garman-Klass (1980) variance.
using garman_klass_volatility = range_volatility<range_estimator::garman_klass>;
/// @brief Streaming Rogers-Satchell (1991) variance.
using rogers_satchell_volatility = range_volatility<range_estimator::rogers_satchell>;

/// @brief Configuration of `yang_zhang_volatility`.
struct yang_zhang_volatility_config {
  range_volatility_config range{};
  yang_zhang_overnight overnight = yang_zhang_overnight::measured;
};

/// @brief Streaming Yang-Zhang (2000) variance, rolling (the paper's estimator over the last
///        `window` bars) or EWMA-weighted (see the file comment).
class yang_zhang_volatility {
 public:
  using config_type = yang_zhang_volatility_config;  ///< what the constructor takes
  /// @brief The whole mutable state, a regular value.
  struct state_type {
    detail::vol_rolling_window<true> overnight;         ///< rolling: o of the last bars
    detail::vol_rolling_window<true> open_to_close;     ///< rolling: c of the last bars
    detail::vol_rolling_window<false> rogers_satchell;  ///< rolling: RS terms of the last bars
    double ewma_overnight = 0.0;                        ///< ewma: weighted mean of o^2
    double ewma_open_to_close = 0.0;                    ///< ewma: weighted mean of c^2
    double ewma_rogers_satchell = 0.0;                  ///< ewma: weighted mean of RS
    double previous_close = 0.0;                        ///< close of the last bar (0 before any)
    std::int64_t observations = 0;                      ///< bars absorbed
    std::int64_t terms = 0;                             ///< bars counted in the estimate
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming `window` (< 2).
  explicit yang_zhang_volatility(const yang_zhang_volatility_config& config = {}) : config_(config) {
    detail::vol_check_range_config(config.range, name());
    if (config.range.weighting == range_weighting::rolling) {
      const auto n = static_cast<std::size_t>(config.range.window);
      if (config.overnight == yang_zhang_overnight::measured) state_.overnight = detail::vol_rolling_window<true>(n);
      state_.open_to_close = detail::vol_rolling_window<true>(n);
      state_.rogers_satchell = detail::vol_rolling_window<false>(n);
    } else {
      const double lambda = config.range.lambda.value();
      ewma_k_ = yang_zhang_k((1.0 + lambda) / (1.0 - lambda));
    }
    const double s = units_scale(config.range.units);
    scale_ = s * s;
  }
  /// @brief Convenience: range settings with the measured overnight return.
  explicit yang_zhang_volatility(const range_volatility_config& range)
      : yang_zhang_volatility(yang_zhang_volatility_config{range}) {}

  [[nodiscard]] static constexpr std::string_view name() noexcept { return "yang_zhang"; }

  /// @brief Absorbs one bar. O(1), no allocation.
  /// @return `bar_status(bar)`; the state is unchanged unless it is `ok`.
  status update(const ohlc_bar& bar) noexcept {
    const status s = bar_status(bar);
    if (s != status::ok) return s;
    const bool measured = config_.overnight == yang_zhang_overnight::measured;
    if (measured && state_.observations == 0) {
      state_.previous_close = bar.close;
      state_.observations = 1;
      return status::ok;
    }
    const auto t = yang_zhang_components(bar, measured ? state_.previous_close : bar.open);
    const double root = units_scale(config_.range.units);
    const double o = t.overnight * root;
    const double c = t.open_to_close * root;
    const double rs = t.rogers_satchell * scale_;
    if (config_.range.weighting == range_weighting::rolling) {
      if (measured) state_.overnight.push(o);
      state_.open_to_close.push(c);
      state_.rogers_satchell.push(rs);
    } else if (state_.terms == 0) {
      state_.ewma_overnight = o * o;
      state_.ewma_open_to_close = c * c;
      state_.ewma_rogers_satchell = rs;
    } else {
      const double lambda = config_.range.lambda.value();
      state_.ewma_overnight = lambda * state_.ewma_overnight + (1.0 - lambda) * (o * o);
      state_.ewma_open_to_close = lambda * state_.ewma_open_to_close + (1.0 - lambda) * (c * c);
      state_.ewma_rogers_satchell = lambda * state_.ewma_rogers_satchell + (1.0 - lambda) * rs;
    }
    state_.previous_close = bar.close;
    ++state_.observations;
    ++state_.terms;
    return status::ok;
  }

  /// @brief As `update`, but throws for a bad bar (naming the field and value).
  void update_checked(const ohlc_bar& bar) {
    check_bar(bar, name(), "bar " + std::to_string(state_.observations));
    (void)update(bar);
  }

  /// @brief Variance forecast of the next bar's log return (overnight gap included); 0
  ///        before two bars are counted (rolling) or before the first (EWMA).
  [[nodiscard]] double variance() const noexcept {
    if (config_.range.weighting == range_weighting::ewma) {
      return state_.ewma_overnight + ewma_k_ * state_.ewma_open_to_close +
             (1.0 - ewma_k_) * state_.ewma_rogers_satchell;
    }
    const std::size_t n = state_.open_to_close.size();
    if (n < 2) return 0.0;
    const double k = yang_zhang_k(static_cast<double>(n));
    return state_.overnight.sample_variance() + k * state_.open_to_close.sample_variance() +
           (1.0 - k) * state_.rogers_satchell.mean();
  }
  [[nodiscard]] double variance(std::int64_t steps) const noexcept { return static_cast<double>(steps) * variance(); }
  [[nodiscard]] double volatility() const noexcept { return std::sqrt(variance()); }
  /// @brief Bars absorbed (including a first bar used only for its close).
  [[nodiscard]] std::int64_t observations() const noexcept { return state_.observations; }
  /// @brief Rolling: `window` bars counted; EWMA: one bar counted.
  [[nodiscard]] bool ready() const noexcept {
    return config_.range.weighting == range_weighting::rolling ? state_.terms >= config_.range.window
                                                               : state_.terms >= 1;
  }

  /// @brief The state (copies the window: allocates).
  [[nodiscard]] state_type state() const { return state_; }
  /// @throws dynmargin::invalid_argument when the state comes from a different window or overnight rule.
  void restore(const state_type& saved) {
    if (saved.open_to_close.capacity() != state_.open_to_close.capacity() ||
        saved.overnight.capacity() != state_.overnight.capacity()) {
      throw_invalid_argument(name(), "state", "must come from a model with the same window and overnight rule",
                             saved.open_to_close.capacity());
    }
    state_ = saved;
  }
  [[nodiscard]] const yang_zhang_volatility_config& config() const noexcept { return config_; }

 private:
  yang_zhang_volatility_config config_;
  double scale_ = 1.0;
  double ewma_k_ = 0.0;
  state_type state_{};
};

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using range_config [[deprecated("use range_volatility_config")]] = range_volatility_config;
using yang_zhang_config [[deprecated("use yang_zhang_volatility_config")]] = yang_zhang_volatility_config;
// End of deprecated spellings.

}  // namespace dynmargin
