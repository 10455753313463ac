// SPDX-License-Identifier: MIT
// Rolling VaR and ES over an array of returns with the library's risk measures, driven exactly
// as `dynmargin var` drives them (examples/cli/cmd_var.cpp; the tool is not linked, its rules
// are restated here), so that both give the same numbers bit for bit: row t is the forecast for
// return t from returns 0..t-1; the measure observes r_{t-1} with the volatility model as it
// stood before r_{t-1}, then the model absorbs it. One forecast more, after the last return,
// is returned apart ("next").
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
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

namespace dynmargin_python {
namespace {

/// Every setting of a rolling risk run; the defaults are those of `dynmargin var`.
struct risk_settings {
  std::string method;
  double confidence = 0.99;
  std::int64_t window = 500;
  std::string quantile = "type7";
  std::string es = "tail_mean";
  std::string dist = "normal";
  std::optional<double> nu;
  std::optional<double> skew;
  std::optional<double> kurt;
  std::int64_t horizon = 1;
  std::optional<std::string> horizon_rule;
  std::string vol = "ewma";
  double lambda = 0.94;
  std::string side = "long";
  double floor = 0.0;
  double cap = std::numeric_limits<double>::infinity();
  double age_decay = 1.0;
  std::int64_t paths = 0;  // 0: the method's default
  std::uint64_t seed = 20240501;
  std::optional<std::int64_t> refit;  // evt: tails every N returns (1); garch: parameters every N (100)
  std::int64_t fit_start = 500;
  bool in_sample = false;
  bool nonstationary = false;
};

/// Rows t = 0..n-1 (NaN without a forecast; the NumPy arrays returned, written in place), the
/// forecast after the data, and what a run reports on standard error in the tool.
struct risk_run {
  std::span<double> var;
  std::span<double> es;
  double next_var = not_a_number;
  double next_es = not_a_number;
  std::size_t rows = 0;
  std::size_t refit_warnings = 0;  // updates that returned refit_failed (EVT tails kept)
  std::size_t garch_fits = 0;      // rolling GARCH: fits made, and refits that failed
  std::size_t garch_failed_refits = 0;
};

struct no_refit {
  template <class Vol>
  void operator()(std::size_t, Vol&) const noexcept {}
};

template <class Vol, class Risk, class Ready, class Before = no_refit>
void run_stream(std::span<const double> returns, Vol vol, Risk& risk, dynmargin::position_side side, Ready ready,
                risk_run& out, std::size_t first = 0, Before before = {}) {
  for (std::size_t t = first; t <= returns.size(); ++t) {
    before(t, vol);
    if (ready(vol, risk)) {
      const auto e = risk.estimate(vol, side);
      if (std::isfinite(e.var) && std::isfinite(e.es)) {
        if (t < returns.size()) {
          out.var[t] = e.var;
          out.es[t] = e.es;
        } else {
          out.next_var = e.var;
          out.next_es = e.es;
        }
        ++out.rows;
      }
    }
    if (t == returns.size()) break;
    // not_enough_data (nothing to fit yet) and the warning refit_failed (previous tails kept)
    // are not errors: every return still reaches the volatility model.
    const auto status = risk.observe(returns[t], vol);
    if (dynmargin::is_warning(status)) {
      ++out.refit_warnings;
    } else if (status != dynmargin::status::not_enough_data) {
      throw_if_update_failed(status, "var", "returns", t);
    }
    if (const auto updated = vol.update(returns[t]); dynmargin::is_error(updated)) {
      dynmargin::throw_if_error(updated, "var", "volatility update with " + element_name("returns", t));
    }
  }
  if (out.rows == 0) {
    throw dynmargin::evaluation_error("var: no estimate: the " + std::to_string(returns.size()) +
                                      " returns never filled the method's window or warm-up (or every estimate was "
                                      "not finite); give a shorter window or fit_start, or more data");
  }
}

// Standardised residuals r_t / sigma_t of a pass of the model over the whole input (the
// in-sample estimate of nu, skewness and kurtosis the tool makes when they are not given).
template <class Vol>
std::vector<double> residuals_of(std::span<const double> returns, Vol vol) {
  std::vector<double> z;
  for (double r : returns) {
    if (dynmargin::volatility_warm(vol)) z.push_back(r / std::sqrt(static_cast<double>(vol.variance())));
    (void)vol.update(r);
  }
  return z;
}

template <class Vol, class Before = no_refit>
void run_method(const risk_settings& o, std::span<const double> returns, const Vol& vol, double mean, risk_run& out,
                std::size_t first = 0, Before before = {}) {
  const auto side = o.side == "short" ? dynmargin::position_side::short_position
                                      : dynmargin::position_side::long_position;
  const auto has_forecast = [](const auto& v) { return dynmargin::volatility_warm(v); };
  const auto rule = [&](dynmargin::horizon_rule fallback) {
    return o.horizon_rule ? dynmargin::parse_enum<dynmargin::horizon_rule>(*o.horizon_rule, "var", "horizon_rule")
                          : fallback;
  };
  const auto window = static_cast<std::size_t>(o.window);
  if (o.method == "parametric") {
    dynmargin::parametric_risk_config c;
    c.confidence = dynmargin::confidence_level(o.confidence);
    c.horizon_steps = dynmargin::horizon(o.horizon);
    c.mean = mean;
    c.horizon = rule(dynmargin::horizon_rule::volatility_model);
    c.distribution = dynmargin::parse_enum<dynmargin::risk_distribution>(o.dist, "var", "dist");
    if (c.distribution == dynmargin::risk_distribution::student_t) {
      c.nu = o.nu ? *o.nu : dynmargin::fit_student_t_nu(residuals_of(returns, vol)).nu;
    } else if (c.distribution == dynmargin::risk_distribution::cornish_fisher) {
      if (!o.skew || !o.kurt) {
        // Moments with divisor n, in the tool's order of operations.
        const auto z = residuals_of(returns, vol);
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
    dynmargin::parametric_risk risk(c);
    run_stream(
        returns, vol, risk, side, [&](const auto& v, const auto&) { return has_forecast(v); }, out, first, before);
  } else if (o.method == "historical") {
    dynmargin::historical_risk_config c;
    c.confidence = dynmargin::confidence_level(o.confidence);
    c.window = o.window;
    c.quantile = dynmargin::parse_enum<dynmargin::quantile_method>(o.quantile, "var", "quantile");
    c.es = dynmargin::parse_enum<dynmargin::es_method>(o.es, "var", "es");
    c.horizon_steps = dynmargin::horizon(o.horizon);
    c.horizon = rule(dynmargin::horizon_rule::overlapping_sums);
    c.age_decay = o.age_decay;
    if (o.paths > 0) c.bootstrap_paths = o.paths;
    c.seed = o.seed;
    dynmargin::historical_risk risk(c);
    run_stream(
        returns, vol, risk, side, [&](const auto&, const auto& r) { return r.size() == window; }, out, first, before);
  } else if (o.method == "fhs") {
    dynmargin::filtered_historical_risk_config c;
    c.confidence = dynmargin::confidence_level(o.confidence);
    c.window = o.window;
    c.quantile = dynmargin::parse_enum<dynmargin::quantile_method>(o.quantile, "var", "quantile");
    c.es = dynmargin::parse_enum<dynmargin::es_method>(o.es, "var", "es");
    c.horizon_steps = dynmargin::horizon(o.horizon);
    c.horizon = rule(dynmargin::horizon_rule::overlapping_sums);
    c.scale_floor = o.floor;
    c.scale_cap = o.cap;
    if (o.paths > 0) c.bootstrap_paths = o.paths;
    c.seed = o.seed;
    dynmargin::filtered_historical_risk risk(c);
    run_stream(
        returns, vol, risk, side, [&](const auto& v, const auto& r) { return r.size() == window && has_forecast(v); },
        out, first, before);
  } else if (o.method == "evt") {
    dynmargin::evt_risk_config c;
    c.confidence = dynmargin::confidence_level(o.confidence);
    c.window = o.window;
    c.refit_interval = o.refit.value_or(1);
    c.horizon = dynmargin::horizon(o.horizon);
    dynmargin::evt_risk risk(c);
    run_stream(
        returns, vol, risk, side,
        [&](const auto& v, const auto& r) {
          return r.ready() && has_forecast(v) && static_cast<std::size_t>(r.state().count) == window;
        },
        out, first, before);
  } else if (o.method == "montecarlo") {
    dynmargin::monte_carlo_risk_config c;
    c.confidence = dynmargin::confidence_level(o.confidence);
    c.horizon = dynmargin::horizon(o.horizon);
    c.simulation.seed = o.seed;
    if (o.paths > 0) c.simulation.scenarios = o.paths;
    c.simulation.distribution = dynmargin::parse_enum<dynmargin::distribution_shape>(o.dist, "var", "dist");
    if (c.simulation.distribution == dynmargin::distribution_shape::student_t) {
      c.simulation.degrees_of_freedom = o.nu ? *o.nu : dynmargin::fit_student_t_nu(residuals_of(returns, vol)).nu;
    }
    dynmargin::monte_carlo_risk risk(c);
    run_stream(
        returns, vol, risk, side, [&](const auto& v, const auto&) { return has_forecast(v); }, out, first, before);
  } else {
    dynmargin::throw_invalid_argument("var", "method", "must be historical, parametric, fhs, evt or montecarlo",
                                      "\"" + o.method + "\"");
  }
}

// GARCH/GJR estimated on past returns only (rugarch's ugarchroll with an expanding window):
// first on returns 0..S-1 (fit_start S), then on returns 0..t-1 every `refit` returns; a refit
// that fails keeps the previous fit.
void run_rolling_garch(const risk_settings& o, std::span<const double> returns,
                       const dynmargin::fit_garch_config& options, risk_run& out) {
  const std::int64_t every = o.refit.value_or(100);
  if (every < 1) dynmargin::throw_invalid_argument("var", "refit", "must be at least 1", every);
  if (o.fit_start < 1 || static_cast<std::size_t>(o.fit_start) > returns.size()) {
    dynmargin::throw_invalid_argument(
        "var", "fit_start",
        "must be in [1, " + std::to_string(returns.size()) + "] (returns before the first GARCH fit)", o.fit_start);
  }
  // An omitted nu / skew / kurt would be estimated on the whole input: look-ahead.
  const bool student = (o.method == "parametric" &&
                        dynmargin::parse_enum<dynmargin::risk_distribution>(o.dist, "var", "dist") ==
                            dynmargin::risk_distribution::student_t) ||
                       (o.method == "montecarlo" &&
                        dynmargin::parse_enum<dynmargin::distribution_shape>(o.dist, "var", "dist") ==
                            dynmargin::distribution_shape::student_t);
  if (student && !o.nu) {
    dynmargin::throw_invalid_argument("var", "nu",
                                      "must be given with a rolling GARCH and Student t (an estimate on the whole "
                                      "input would look ahead; or use in_sample=True)",
                                      "None");
  }
  if (o.method == "parametric" &&
      dynmargin::parse_enum<dynmargin::risk_distribution>(o.dist, "var", "dist") ==
          dynmargin::risk_distribution::cornish_fisher &&
      (!o.skew || !o.kurt)) {
    dynmargin::throw_invalid_argument("var", "skew/kurt",
                                      "must be given with a rolling GARCH (an estimate on the whole input would "
                                      "look ahead; or use in_sample=True)",
                                      "None");
  }
  const auto start = static_cast<std::size_t>(o.fit_start);
  auto fit_before = [&](std::size_t t) { return dynmargin::fit_garch(returns.first(t), options); };
  const auto first_fit = fit_before(start);
  out.garch_fits = 1;
  auto refit = [&](std::size_t t, dynmargin::garch_volatility& vol) {
    if (t == start || (t - start) % static_cast<std::size_t>(every) != 0) return;
    try {
      auto fit = fit_before(t);
      if (!fit.converged) throw dynmargin::evaluation_error("var: refit did not converge: " + fit.status_reason);
      vol = std::move(fit.model);
      ++out.garch_fits;
    } catch (const std::exception&) {  // no convergence, a degenerate window: keep the last fit
      ++out.garch_failed_refits;
    }
  };
  run_method(o, returns, first_fit.model, first_fit.parameters.mu, out, start, refit);
}

void run_risk(const risk_settings& o, std::span<const double> returns, risk_run& out) {
  if (!(o.confidence >= 0.5 && o.confidence < 1.0)) {
    dynmargin::throw_invalid_argument("var", "confidence", "must be in [0.5, 1) (0.99 for 99%)", o.confidence);
  }
  if (o.side != "long" && o.side != "short") {
    dynmargin::throw_invalid_argument("var", "side", "must be long or short", "\"" + o.side + "\"");
  }
  static_cast<void>(dynmargin::horizon(o.horizon, "var", "horizon"));
  if ((o.method == "historical" || o.method == "fhs" || o.method == "evt") &&
      o.window > static_cast<std::int64_t>(returns.size())) {
    dynmargin::throw_invalid_argument("var", "window",
                                      "is longer than the data (" + std::to_string(returns.size()) +
                                          " returns), so no estimate can be made; give at most that",
                                      o.window);
  }
  for (std::size_t i = 0; i < returns.size(); ++i) {
    if (!std::isfinite(returns[i])) {
      dynmargin::throw_invalid_argument("var", element_name("returns", i), "must be finite", returns[i]);
    }
  }
  if (o.vol == "ewma") {
    // The tool's ewma_volatility(lambda), with the message naming the Python argument lam.
    dynmargin::ewma_volatility_config config;
    config.lambda = dynmargin::decay_factor(o.lambda, "var", "lam");
    run_method(o, returns, dynmargin::ewma_volatility(config), 0.0, out);
  } else if (o.vol == "garch" || o.vol == "gjr") {
    dynmargin::fit_garch_config options;
    options.asymmetric = o.vol == "gjr";
    // A margin estimate rests on the fitted model's forecasts: stationary unless asked otherwise.
    options.stationary = !o.nonstationary;
    if (o.in_sample) {
      const auto fit = dynmargin::fit_garch(returns, options);
      dynmargin::garch_volatility_config config;
      config.parameters = fit.parameters;
      config.innovation = fit.innovation;
      config.asymmetric = fit.asymmetric;
      config.initial_variance = dynmargin::garch_initial_variance(returns, fit.parameters, fit.start);
      run_method(o, returns, dynmargin::garch_volatility(config), fit.parameters.mu, out);
      return;
    }
    run_rolling_garch(o, returns, options, out);
  } else {
    dynmargin::throw_invalid_argument("var", "vol", "must be ewma, garch or gjr", "\"" + o.vol + "\"");
  }
}

py::dict rolling_risk(const float_array& returns_array, const risk_settings& settings) {
  const auto returns = values_of(returns_array, "returns");
  auto var = nan_array(returns.size());
  auto es = nan_array(returns.size());
  risk_run run{.var = writable(var), .es = writable(es)};
  {
    py::gil_scoped_release unlocked;
    run_risk(settings, returns, run);
  }
  py::dict out;
  out["var"] = var;
  out["es"] = es;
  out["next_var"] = run.next_var;
  out["next_es"] = run.next_es;
  out["refit_warnings"] = run.refit_warnings;
  out["garch_fits"] = run.garch_fits;
  out["garch_failed_refits"] = run.garch_failed_refits;
  return out;
}

}  // namespace

void bind_risk(py::module_& module) {
  using namespace pybind11::literals;
  module.def(
      "rolling_risk",
      [](const float_array& returns, const std::string& method, double confidence, std::int64_t window,
         const std::string& quantile, const std::string& es, const std::string& dist, std::optional<double> nu,
         std::optional<double> skew, std::optional<double> kurt, std::int64_t horizon,
         std::optional<std::string> horizon_rule, const std::string& vol, double lambda, const std::string& side,
         double floor, double cap, double age_decay, std::int64_t paths, std::uint64_t seed,
         std::optional<std::int64_t> refit, std::int64_t fit_start, bool in_sample, bool nonstationary) {
        const risk_settings settings{.method = method,
                                     .confidence = confidence,
                                     .window = window,
                                     .quantile = quantile,
                                     .es = es,
                                     .dist = dist,
                                     .nu = nu,
                                     .skew = skew,
                                     .kurt = kurt,
                                     .horizon = horizon,
                                     .horizon_rule = std::move(horizon_rule),
                                     .vol = vol,
                                     .lambda = lambda,
                                     .side = side,
                                     .floor = floor,
                                     .cap = cap,
                                     .age_decay = age_decay,
                                     .paths = paths,
                                     .seed = seed,
                                     .refit = refit,
                                     .fit_start = fit_start,
                                     .in_sample = in_sample,
                                     .nonstationary = nonstationary};
        return rolling_risk(returns, settings);
      },
      "returns"_a, "method"_a, "confidence"_a = 0.99, "window"_a = 500, "quantile"_a = "type7", "es"_a = "tail_mean",
      "dist"_a = "normal", "nu"_a = py::none(), "skew"_a = py::none(), "kurt"_a = py::none(), "horizon"_a = 1,
      "horizon_rule"_a = py::none(), "vol"_a = "ewma", "lam"_a = 0.94, "side"_a = "long", "floor"_a = 0.0,
      "cap"_a = std::numeric_limits<double>::infinity(), "age_decay"_a = 1.0, "paths"_a = 0, "seed"_a = 20240501,
      "refit"_a = py::none(), "fit_start"_a = 500, "in_sample"_a = false, "nonstationary"_a = false,
      "Rolling VaR and ES forecasts as `dynmargin var` computes them (see dynmargin.risk).");
}

}  // namespace dynmargin_python
