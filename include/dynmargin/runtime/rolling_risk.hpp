// SPDX-License-Identifier: MIT
/// @file
/// @brief Rolling VaR and ES forecasts over a series of returns, configured at run time: the
///        one implementation behind `dynmargin var` and the Python module's `rolling_risk`.
///
/// Row t is the forecast for return t from returns 0..t-1: the measure observes r_{t-1} with
/// the volatility model as it stood before r_{t-1}, then the model absorbs it. One forecast
/// more, t = n, is the one after the data. The volatility model is EWMA, GARCH or GJR; a GARCH
/// is estimated in sample (`in_sample`, which looks ahead) or on past returns only (the
/// default, rugarch's ugarchroll with an expanding window): first on returns 0..fit_start-1,
/// then every `refit` returns on all returns before the row, a failed refit keeping the last
/// fit. A Student t shape or Cornish-Fisher moments that are not given are estimated on the
/// standardised residuals of the whole input, which a rolling GARCH refuses (look-ahead).
///
/// Names in messages come from the caller (`rolling_risk_labels`): the command line names
/// flags and input lines, Python its keyword arguments and array indices.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/filtered_historical.hpp"
#include "dynmargin/risk/historical.hpp"
#include "dynmargin/risk/monte_carlo.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/runtime/enum_names.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"

namespace dynmargin {

/// @brief Every setting of a rolling risk run, spelled as configs and flags spell them. The
///        defaults are those of `dynmargin var`.
struct rolling_risk_settings {
  std::string method = "historical";  ///< historical, parametric, fhs, evt or montecarlo
  double confidence = 0.99;
  std::int64_t window = 500;  ///< historical, fhs, evt: returns in the window
  std::string quantile = "type7";
  std::string es = "tail_mean";
  std::string dist = "normal";  ///< parametric: normal, student_t, cornish_fisher; montecarlo: normal, student_t
  std::optional<double> nu;     ///< Student t shape; estimated in sample when absent
  std::optional<double> skew;   ///< Cornish-Fisher skewness; estimated in sample when absent
  std::optional<double> kurt;   ///< Cornish-Fisher excess kurtosis; estimated in sample when absent
  std::int64_t horizon = 1;     ///< steps of the holding period
  std::optional<std::string> horizon_rule;               ///< absent: the method's own rule
  std::string vol = "ewma";                              ///< ewma, garch or gjr
  double lambda = 0.94;                                  ///< ewma decay
  std::string side = "long";                             ///< long or short
  double floor = 0.0;                                    ///< fhs: lower bound of the rescaling ratio
  double cap = std::numeric_limits<double>::infinity();  ///< fhs: upper bound of the ratio
  double age_decay = 1.0;                                ///< historical: weight decay per step of age
  std::int64_t paths = 0;                                ///< bootstrap or Monte Carlo paths; 0: the method's default
  std::uint64_t seed = 20240501;
  std::optional<std::int64_t> refit;  ///< evt: tails every N returns (1); garch: parameters every N (100)
  std::int64_t fit_start = 500;       ///< rolling garch: returns before the first fit
  bool in_sample = false;             ///< garch fitted once on all returns (looks ahead)
  bool nonstationary = false;         ///< garch fit without the stationarity constraint
};

/// @brief How the caller names things in messages.
struct rolling_risk_labels {
  /// A setting, from its name in `rolling_risk_settings` ("fit_start" -> "--fit-start").
  std::function<std::string(std::string_view)> parameter = [](std::string_view name) { return std::string(name); };
  /// Return i of the series ("returns[12]", "the return on line 14").
  std::function<std::string(std::size_t)> return_at = [](std::size_t i) {
    return "returns[" + std::to_string(i) + "]";
  };
};

/// @brief What a run did besides its forecasts.
struct rolling_risk_report {
  std::size_t rows = 0;                   ///< forecasts made (the one after the data included)
  std::size_t first_row = 0;              ///< t of the first row considered (fit_start for a rolling garch)
  std::size_t refit_warnings = 0;         ///< updates that returned refit_failed (EVT tails kept)
  std::size_t first_refit_warning = 0;    ///< the return of the first one
  std::size_t garch_fits = 0;             ///< rolling garch: fits made
  std::size_t garch_failed_refits = 0;    ///< rolling garch: refits that failed (previous kept)
  std::size_t first_failed_refit = 0;     ///< the row before which the first one failed
  std::int64_t garch_refit_interval = 0;  ///< rolling garch: returns between refits
};

namespace detail {

struct rolling_risk_no_refit {
  template <class Vol>
  void operator()(std::size_t, Vol&) const noexcept {}
};

/// Standardised residuals r_t / sigma_t of a pass of the model over the whole input.
template <class Vol>
[[nodiscard]] std::vector<double> rolling_risk_residuals(std::span<const double> returns, Vol vol) {
  std::vector<double> z;
  z.reserve(returns.size());
  for (double r : returns) {
    if (volatility_warm(vol)) z.push_back(r / std::sqrt(static_cast<double>(vol.variance())));
    (void)vol.update(r);
  }
  return z;
}

template <class Vol, class Risk, class Ready, class Sink, class Before>
void rolling_risk_stream(std::span<const double> returns, Vol vol, Risk& risk, position_side side, Ready ready,
                         Sink& sink, const rolling_risk_labels& labels, rolling_risk_report& report, std::size_t first,
                         Before before) {
  report.first_row = first;
  for (std::size_t t = first; t <= returns.size(); ++t) {
    before(t, vol);
    if (ready(vol, risk)) {
      const auto e = risk.estimate(vol, side);
      if (std::isfinite(e.var) && std::isfinite(e.es)) {
        sink(t, e.var, e.es);
        ++report.rows;
      }
    }
    if (t == returns.size()) break;
    // not_enough_data (nothing to fit yet) and the warning refit_failed (previous tails kept)
    // are not errors: every return still reaches the volatility model.
    const auto status = risk.observe(returns[t], vol);
    if (is_warning(status)) {
      if (report.refit_warnings == 0) report.first_refit_warning = t;
      ++report.refit_warnings;
    } else if (status != status::not_enough_data && is_error(status)) {
      throw_if_error(status, "var", labels.return_at(t));  // the message is built only for an error
    }
    if (const auto updated = vol.update(returns[t]); is_error(updated)) {
      throw_if_error(updated, "var", "volatility update with " + labels.return_at(t));
    }
  }
  if (report.rows == 0) {
    throw evaluation_error("var: no estimate: the " + std::to_string(returns.size()) +
                           " returns never filled the method's window or warm-up (or every estimate was not "
                           "finite); give a shorter " +
                           labels.parameter("window") + " or " + labels.parameter("fit_start") + ", or more data");
  }
}

template <class Vol, class Sink, class Before = rolling_risk_no_refit>
void rolling_risk_method(const rolling_risk_settings& o, std::span<const double> returns, const Vol& vol, double mean,
                         Sink& sink, const rolling_risk_labels& labels, rolling_risk_report& report,
                         std::size_t first = 0, Before before = {}) {
  const auto side = o.side == "short" ? position_side::short_position : position_side::long_position;
  const auto has_forecast = [](const auto& v) { return volatility_warm(v); };
  const auto rule = [&](horizon_rule fallback) {
    return o.horizon_rule ? parse_enum<horizon_rule>(*o.horizon_rule, "var", labels.parameter("horizon_rule"))
                          : fallback;
  };
  const auto window = static_cast<std::size_t>(o.window);
  const auto stream = [&](auto& risk, auto ready) {
    rolling_risk_stream(returns, vol, risk, side, ready, sink, labels, report, first, before);
  };
  if (o.method == "parametric") {
    parametric_risk_config c;
    c.confidence = confidence_level(o.confidence);
    c.horizon_steps = horizon(o.horizon);
    c.mean = mean;
    c.horizon = rule(horizon_rule::volatility_model);
    c.distribution = parse_enum<risk_distribution>(o.dist, "var", labels.parameter("dist"));
    if (c.distribution == risk_distribution::student_t) {
      c.nu = o.nu ? *o.nu : fit_student_t_nu(rolling_risk_residuals(returns, vol)).nu;
    } else if (c.distribution == risk_distribution::cornish_fisher) {
      if (!o.skew || !o.kurt) {
        // Moments of the standardised residuals with divisor n.
        const auto z = rolling_risk_residuals(returns, vol);
        double m = 0.0;
        for (double x : z) m += x;
        m /= static_cast<double>(z.size());
        double m2 = 0.0;
        double m3 = 0.0;
        double m4 = 0.0;
        for (double x : z) {
          const double d = x - m;
          m2 += d * d;
          m3 += d * d * d;
          m4 += d * d * d * d;
        }
        const double n = static_cast<double>(z.size());
        m2 /= n;
        c.skewness = o.skew ? *o.skew : m3 / n / std::pow(m2, 1.5);
        c.excess_kurtosis = o.kurt ? *o.kurt : m4 / n / (m2 * m2) - 3.0;
      } else {
        c.skewness = *o.skew;
        c.excess_kurtosis = *o.kurt;
      }
    }
    parametric_risk risk(c);
    stream(risk, [&](const auto& v, const auto&) { return has_forecast(v); });
  } else if (o.method == "historical") {
    historical_risk_config c;
    c.confidence = confidence_level(o.confidence);
    c.window = o.window;
    c.quantile = parse_enum<quantile_method>(o.quantile, "var", labels.parameter("quantile"));
    c.es = parse_enum<es_method>(o.es, "var", labels.parameter("es"));
    c.horizon_steps = horizon(o.horizon);
    c.horizon = rule(horizon_rule::overlapping_sums);
    c.age_decay = o.age_decay;
    if (o.paths > 0) c.bootstrap_paths = o.paths;
    c.seed = o.seed;
    c.upper_tail = side == position_side::short_position;  // a run quotes one side only
    historical_risk risk(c);
    stream(risk, [&](const auto&, const auto& r) { return r.size() == window; });
  } else if (o.method == "fhs") {
    filtered_historical_risk_config c;
    c.confidence = confidence_level(o.confidence);
    c.window = o.window;
    c.quantile = parse_enum<quantile_method>(o.quantile, "var", labels.parameter("quantile"));
    c.es = parse_enum<es_method>(o.es, "var", labels.parameter("es"));
    c.horizon_steps = horizon(o.horizon);
    c.horizon = rule(horizon_rule::overlapping_sums);
    c.scale_floor = o.floor;
    c.scale_cap = o.cap;
    if (o.paths > 0) c.bootstrap_paths = o.paths;
    c.seed = o.seed;
    filtered_historical_risk risk(c);
    stream(risk, [&](const auto& v, const auto& r) { return r.size() == window && has_forecast(v); });
  } else if (o.method == "evt") {
    evt_risk_config c;
    c.confidence = confidence_level(o.confidence);
    c.window = o.window;
    c.refit_interval = o.refit.value_or(1);
    c.horizon = horizon(o.horizon);
    evt_risk risk(c);
    stream(risk, [&](const auto& v, const auto& r) {
      return r.ready() && has_forecast(v) && static_cast<std::size_t>(r.state().count) == window;
    });
  } else if (o.method == "montecarlo") {
    monte_carlo_risk_config c;
    c.confidence = confidence_level(o.confidence);
    c.horizon = horizon(o.horizon);
    c.simulation.seed = o.seed;
    if (o.paths > 0) c.simulation.scenarios = o.paths;
    c.simulation.distribution = parse_enum<distribution_shape>(o.dist, "var", labels.parameter("dist"));
    if (c.simulation.distribution == distribution_shape::student_t) {
      c.simulation.degrees_of_freedom = o.nu ? *o.nu : fit_student_t_nu(rolling_risk_residuals(returns, vol)).nu;
    }
    monte_carlo_risk risk(c);
    stream(risk, [&](const auto& v, const auto&) { return has_forecast(v); });
  } else {
    throw_invalid_argument("var", labels.parameter("method"), "must be historical, parametric, fhs, evt or montecarlo",
                           "\"" + o.method + "\"");
  }
}

template <class Sink>
void rolling_risk_garch(const rolling_risk_settings& o, std::span<const double> returns,
                        const fit_garch_config& options, Sink& sink, const rolling_risk_labels& labels,
                        rolling_risk_report& report) {
  const std::int64_t every = o.refit.value_or(100);
  if (every < 1) throw_invalid_argument("var", labels.parameter("refit"), "must be at least 1", every);
  if (o.fit_start < 1 || static_cast<std::size_t>(o.fit_start) > returns.size()) {
    throw_invalid_argument(
        "var", labels.parameter("fit_start"),
        "must be in [1, " + std::to_string(returns.size()) + "] (returns before the first GARCH fit)", o.fit_start);
  }
  // An omitted nu / skew / kurt would be estimated on the whole input: look-ahead.
  const bool student = (o.method == "parametric" &&
                        parse_enum<risk_distribution>(o.dist, "var", labels.parameter("dist")) ==
                            risk_distribution::student_t) ||
                       (o.method == "montecarlo" &&
                        parse_enum<distribution_shape>(o.dist, "var", labels.parameter("dist")) ==
                            distribution_shape::student_t);
  if (student && !o.nu) {
    throw_invalid_argument("var", labels.parameter("nu"),
                           "must be given with a rolling GARCH and Student t (an estimate on the whole input would "
                           "look ahead; or fit in sample with " +
                               labels.parameter("in_sample") + ")",
                           "none");
  }
  if (o.method == "parametric" &&
      parse_enum<risk_distribution>(o.dist, "var", labels.parameter("dist")) == risk_distribution::cornish_fisher &&
      (!o.skew || !o.kurt)) {
    throw_invalid_argument("var", labels.parameter("skew") + "/" + labels.parameter("kurt"),
                           "must be given with a rolling GARCH (an estimate on the whole input would look ahead; or "
                           "fit in sample with " +
                               labels.parameter("in_sample") + ")",
                           "none");
  }
  const auto start = static_cast<std::size_t>(o.fit_start);
  const auto fit_before = [&](std::size_t t) { return fit_garch(returns.first(t), options); };
  const auto first_fit = fit_before(start);
  report.garch_fits = 1;
  report.garch_refit_interval = every;
  auto refit = [&](std::size_t t, garch_volatility& vol) {
    if (t == start || (t - start) % static_cast<std::size_t>(every) != 0) return;
    try {
      auto fit = fit_before(t);
      if (!fit.converged) throw evaluation_error("var: refit did not converge: " + fit.status_reason);
      vol = std::move(fit.model);
      ++report.garch_fits;
    } catch (const std::exception&) {  // no convergence, a degenerate window: keep the last fit
      if (report.garch_failed_refits == 0) report.first_failed_refit = t;
      ++report.garch_failed_refits;
    }
  };
  rolling_risk_method(o, returns, first_fit.model, first_fit.parameters.mu, sink, labels, report, start, refit);
}

}  // namespace detail

/// @brief Runs the rolling forecasts; `sink(t, var, es)` receives each finite one in order of
///        t, t = returns.size() being the forecast after the data.
/// @throws dynmargin::invalid_argument naming the setting (through `labels`) or the return at
///         fault; dynmargin::evaluation_error when no forecast at all could be made.
template <class Sink>
rolling_risk_report run_rolling_risk(std::span<const double> returns, const rolling_risk_settings& o, Sink&& sink,
                                     const rolling_risk_labels& labels = {}) {
  if (!(o.confidence >= 0.5 && o.confidence < 1.0)) {
    throw_invalid_argument("var", labels.parameter("confidence"), "must be in [0.5, 1) (0.99 for 99%)", o.confidence);
  }
  if (o.side != "long" && o.side != "short") {
    throw_invalid_argument("var", labels.parameter("side"), "must be long or short", "\"" + o.side + "\"");
  }
  static_cast<void>(horizon(o.horizon, "var", labels.parameter("horizon")));
  // Memory follows the data: a window the data cannot fill gives no estimate, so it is an
  // error at once, before anything sized by the window is allocated.
  if ((o.method == "historical" || o.method == "fhs" || o.method == "evt") &&
      o.window > static_cast<std::int64_t>(returns.size())) {
    throw_invalid_argument("var", labels.parameter("window"),
                           "is longer than the data (" + std::to_string(returns.size()) +
                               " returns), so no estimate can be made; give at most that",
                           o.window);
  }
  for (std::size_t i = 0; i < returns.size(); ++i) {
    if (!std::isfinite(returns[i])) throw_invalid_argument("var", labels.return_at(i), "must be finite", returns[i]);
  }
  rolling_risk_report report;
  if (o.vol == "ewma") {
    ewma_volatility_config config;
    config.lambda = decay_factor(o.lambda, "var", labels.parameter("lambda"));
    detail::rolling_risk_method(o, returns, ewma_volatility(config), 0.0, sink, labels, report);
  } else if (o.vol == "garch" || o.vol == "gjr") {
    fit_garch_config options;
    options.asymmetric = o.vol == "gjr";
    // A margin estimate rests on the fitted model's forecasts: stationary unless asked otherwise.
    options.stationary = !o.nonstationary;
    if (o.in_sample) {
      const auto fit = fit_garch(returns, options);
      garch_volatility_config config;
      config.parameters = fit.parameters;
      config.innovation = fit.innovation;
      config.asymmetric = fit.asymmetric;
      config.initial_variance = garch_initial_variance(returns, fit.parameters, fit.start);
      detail::rolling_risk_method(o, returns, garch_volatility(config), fit.parameters.mu, sink, labels, report);
    } else {
      detail::rolling_risk_garch(o, returns, options, sink, labels, report);
    }
  } else {
    throw_invalid_argument("var", labels.parameter("vol"), "must be ewma, garch or gjr", "\"" + o.vol + "\"");
  }
  return report;
}

}  // namespace dynmargin
