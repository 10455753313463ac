// SPDX-License-Identifier: MIT
// `dynmargin var --method historical|parametric|fhs|evt|montecarlo --confidence P ...`:
// rolling VaR and ES forecasts as CSV `t,var,es`. Row t is the forecast for return t (0-based
// index into the input returns) from returns 0..t-1 only: the measure observes r_{t-1} with
// the volatility model as it stood before r_{t-1}, then the model absorbs it. The last row,
// t = number of returns, is the forecast for the next, unseen return. Window methods
// (historical, fhs, evt) print once the window is full (fhs and evt: of residuals, which
// start once the volatility model is warm, dynmargin::volatility_warm: EWMA after its burn-in
// of 76 returns at lambda 0.94, GARCH at once), so row t uses exactly the returns t-N..t-1;
// parametric and montecarlo print once the volatility model is warm.
// Values are in the units of the input returns (percent log returns for price files).
// A failed EVT refit (no convergence, xi >= 1) is a warning, not an error: the previous tails
// stay in use, the return still reaches the volatility model, and the count of such updates
// is reported on standard error after the CSV; the run goes to the end of the input.
// In-sample choices, stated: GARCH/GJR parameters are fitted once on the whole input, and an
// omitted --nu (Student t) or --skew/--kurt (Cornish-Fisher) is estimated on the whole
// input's standardised residuals; the forecasts of row t use those parameters with data < t.
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_common.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/filtered_historical.hpp"
#include "dynmargin/risk/historical.hpp"
#include "dynmargin/risk/monte_carlo.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"
#include "registry.hpp"

namespace dynmargin_cli {
namespace {

struct var_options {
  std::string method;
  double confidence = 0.99;
  std::int64_t window = 500;
  std::string quantile = "type7";
  std::string es = "tail-mean";
  std::string dist = "normal";
  std::optional<double> nu;
  std::optional<double> skew;
  std::optional<double> kurt;
  std::int64_t horizon = 1;
  std::string horizon_rule;
  std::string vol = "ewma";
  double lambda = 0.94;
  std::string side = "long";
  double floor = 0.0;
  double cap = std::numeric_limits<double>::infinity();
  double age_decay = 1.0;
  std::int64_t paths = 0;
  std::uint64_t seed = 20240501;
  std::int64_t refit = 1;
  std::string input;
  std::string column;
  bool prices = false;
};

// Checks an option by constructing the library's strong type from it (the type owns the
// range) and reports a value out of range as "var: <option> <requirement>, got <value>".
template <class Strong, class T>
void check_option(const char* option, const char* requirement, T value) {
  try {
    static_cast<void>(Strong{value});
  } catch (const dynmargin::invalid_argument&) {
    dynmargin::throw_invalid_argument("var", option, requirement, value);
  }
}

dynmargin::horizon_rule parse_horizon_rule(const std::string& text, dynmargin::horizon_rule fallback) {
  if (text.empty()) return fallback;
  if (text == "model") return dynmargin::horizon_rule::volatility_model;
  if (text == "sqrt") return dynmargin::horizon_rule::square_root_of_time;
  if (text == "overlapping") return dynmargin::horizon_rule::overlapping_sums;
  if (text == "bootstrap") return dynmargin::horizon_rule::bootstrap;
  dynmargin::throw_invalid_argument("var", "--horizon-rule", "must be model, sqrt, overlapping or bootstrap", text);
}

dynmargin::quantile_method parse_quantile(const std::string& text) {
  if (text == "type1") return dynmargin::quantile_method::type1;
  if (text == "type7") return dynmargin::quantile_method::type7;
  dynmargin::throw_invalid_argument("var", "--quantile", "must be type1 or type7", text);
}

dynmargin::es_method parse_es(const std::string& text) {
  if (text == "tail-mean") return dynmargin::es_method::tail_mean;
  if (text == "acerbi-tasche") return dynmargin::es_method::acerbi_tasche;
  dynmargin::throw_invalid_argument("var", "--es", "must be tail-mean or acerbi-tasche", text);
}

/// Streams the returns through the model and the measure, printing ready rows.
template <class Vol, class Risk, class Ready>
void run_stream(const std::vector<double>& returns, Vol vol, Risk& risk, dynmargin::position_side side, Ready ready) {
  std::string out = "t,var,es\n";
  std::size_t warnings = 0;
  std::size_t first_warning = 0;
  for (std::size_t t = 0; t <= returns.size(); ++t) {
    if (ready(vol, risk)) {
      const auto e = risk.estimate(vol, side);
      if (std::isfinite(e.var) && std::isfinite(e.es)) {
        out += std::to_string(t) + ',' + format_double(e.var) + ',' + format_double(e.es) + '\n';
      }
    }
    if (t == returns.size()) break;
    // Every return reaches the volatility model: not_enough_data (nothing to fit yet) and the
    // warning refit_failed (previous tails kept) are not errors; they are counted and reported.
    const auto status = risk.observe(returns[t], vol);
    if (dynmargin::is_warning(status)) {
      if (warnings == 0) first_warning = t;
      ++warnings;
    } else if (status != dynmargin::status::not_enough_data) {
      dynmargin::throw_if_error(status, "var", "return at index " + std::to_string(t));
    }
    dynmargin::throw_if_error(vol.update(returns[t]), "var", "volatility update at index " + std::to_string(t));
  }
  std::cout << out;
  if (warnings > 0) {
    std::cerr << "var: warning: " << warnings << " of " << returns.size()
              << " updates returned refit_failed (first at return index " << first_warning
              << "); the previous tails were kept and every return reached the volatility model\n";
  }
}

/// Standardised residuals r_t / sigma_t of a pass of the model over the whole input.
template <class Vol>
std::vector<double> residuals_of(const std::vector<double>& returns, Vol vol) {
  std::vector<double> z;
  for (double r : returns) {
    if (dynmargin::volatility_warm(vol)) z.push_back(r / std::sqrt(static_cast<double>(vol.variance())));
    (void)vol.update(r);
  }
  return z;
}

template <class Vol>
void run_method(const var_options& o, const std::vector<double>& returns, const Vol& vol, double mean) {
  const auto side = o.side == "short" ? dynmargin::position_side::short_position
                                      : dynmargin::position_side::long_position;
  const auto has_forecast = [](const auto& v) { return dynmargin::volatility_warm(v); };
  if (o.method == "parametric") {
    dynmargin::parametric_risk_config c;
    c.confidence = dynmargin::confidence_level(o.confidence);  // checked in run_var
    c.horizon_steps = dynmargin::horizon(o.horizon);
    c.mean = mean;
    c.horizon = parse_horizon_rule(o.horizon_rule, dynmargin::horizon_rule::volatility_model);
    if (o.dist == "normal") {
      c.distribution = dynmargin::risk_distribution::normal;
    } else if (o.dist == "t") {
      c.distribution = dynmargin::risk_distribution::student_t;
      c.nu = o.nu ? *o.nu : dynmargin::fit_student_t_nu(residuals_of(returns, vol)).nu;
    } else if (o.dist == "cornish-fisher") {
      c.distribution = dynmargin::risk_distribution::cornish_fisher;
      if (!o.skew || !o.kurt) {
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
    } else {
      dynmargin::throw_invalid_argument("var", "--dist", "must be normal, t or cornish-fisher", o.dist);
    }
    dynmargin::parametric_risk risk(c);
    run_stream(returns, vol, risk, side, [&](const auto& v, const auto&) { return has_forecast(v); });
  } else if (o.method == "historical") {
    dynmargin::historical_risk_config c;
    c.confidence = dynmargin::confidence_level(o.confidence);  // checked in run_var
    c.window = o.window;
    c.quantile = parse_quantile(o.quantile);
    c.es = parse_es(o.es);
    c.horizon_steps = dynmargin::horizon(o.horizon);
    c.horizon = parse_horizon_rule(o.horizon_rule, dynmargin::horizon_rule::overlapping_sums);
    c.age_decay = o.age_decay;
    if (o.paths > 0) c.bootstrap_paths = o.paths;
    c.seed = o.seed;
    dynmargin::historical_risk risk(c);
    const auto window = static_cast<std::size_t>(o.window);
    run_stream(returns, vol, risk, side, [&](const auto&, const auto& r) { return r.size() == window; });
  } else if (o.method == "fhs") {
    dynmargin::filtered_historical_risk_config c;
    c.confidence = dynmargin::confidence_level(o.confidence);  // checked in run_var
    c.window = o.window;
    c.quantile = parse_quantile(o.quantile);
    c.es = parse_es(o.es);
    c.horizon_steps = dynmargin::horizon(o.horizon);
    c.horizon = parse_horizon_rule(o.horizon_rule, dynmargin::horizon_rule::overlapping_sums);
    c.scale_floor = o.floor;
    c.scale_cap = o.cap;
    if (o.paths > 0) c.bootstrap_paths = o.paths;
    c.seed = o.seed;
    dynmargin::filtered_historical_risk risk(c);
    const auto window = static_cast<std::size_t>(o.window);
    run_stream(returns, vol, risk, side,
               [&](const auto& v, const auto& r) { return r.size() == window && has_forecast(v); });
  } else if (o.method == "evt") {
    dynmargin::evt_risk_config c;
    c.confidence = dynmargin::confidence_level(o.confidence);  // checked in run_var
    c.window = o.window;
    c.refit_interval = o.refit;
    c.horizon = dynmargin::horizon(o.horizon);
    dynmargin::evt_risk risk(c);
    const auto window = static_cast<std::size_t>(o.window);
    run_stream(returns, vol, risk, side, [&](const auto& v, const auto& r) {
      return r.ready() && has_forecast(v) && static_cast<std::size_t>(r.state().count) == window;
    });
  } else if (o.method == "montecarlo") {
    dynmargin::monte_carlo_risk_config c;
    c.confidence = dynmargin::confidence_level(o.confidence);  // checked in run_var
    c.horizon = dynmargin::horizon(o.horizon);
    c.simulation.seed = o.seed;
    if (o.paths > 0) c.simulation.scenarios = o.paths;
    if (o.dist == "t") {
      c.simulation.distribution = dynmargin::distribution_shape::student_t;
      c.simulation.degrees_of_freedom = o.nu ? *o.nu : dynmargin::fit_student_t_nu(residuals_of(returns, vol)).nu;
    } else if (o.dist != "normal") {
      dynmargin::throw_invalid_argument("var", "--dist", "must be normal or t for montecarlo", o.dist);
    }
    dynmargin::monte_carlo_risk risk(c);
    run_stream(returns, vol, risk, side, [&](const auto& v, const auto&) { return has_forecast(v); });
  } else {
    dynmargin::throw_invalid_argument("var", "--method", "must be historical, parametric, fhs, evt or montecarlo",
                                      o.method);
  }
}

void run_var(const var_options& o) {
  // Validate the common parameters before reading data, so errors name them first.
  check_option<dynmargin::confidence_level>("confidence", "must be in (0, 1)", o.confidence);
  check_option<dynmargin::horizon>("horizon_steps", "must be at least 1", o.horizon);
  if (o.side != "long" && o.side != "short")
    dynmargin::throw_invalid_argument("var", "--side", "must be long or short", o.side);
  const auto series = read_input(o.input, o.column, o.prices);
  const auto& returns = series.values;
  for (std::size_t i = 0; i < returns.size(); ++i) {
    if (!std::isfinite(returns[i])) {
      dynmargin::throw_invalid_argument("var", "return at index " + std::to_string(i), "must be finite", returns[i]);
    }
  }
  if (o.vol == "ewma") {
    run_method(o, returns, dynmargin::ewma_volatility(o.lambda), 0.0);
  } else if (o.vol == "garch" || o.vol == "gjr") {
    dynmargin::fit_garch_config options;
    options.asymmetric = o.vol == "gjr";
    const auto fit = dynmargin::fit_garch(returns, options);
    dynmargin::garch_volatility_config config;
    config.parameters = fit.parameters;
    config.innovation = fit.innovation;
    config.asymmetric = fit.asymmetric;
    config.initial_variance = dynmargin::garch_initial_variance(returns, fit.parameters, fit.start);
    run_method(o, returns, dynmargin::garch_volatility(config), fit.parameters.mu);
  } else {
    dynmargin::throw_invalid_argument("var", "--vol", "must be ewma, garch or gjr", o.vol);
  }
}

void add_var_command(CLI::App& app) {
  auto options = std::make_shared<var_options>();
  auto* sub = app.add_subcommand(
      "var",
      "Rolling VaR and ES forecasts as CSV t,var,es (row t uses returns before t only; t is the 0-based index of the "
      "forecast return; values in the units of the returns).");
  sub->add_option("--method", options->method, "historical, parametric, fhs, evt or montecarlo")->required();
  sub->add_option("--confidence", options->confidence, "confidence level p in (0, 1)")->capture_default_str();
  sub->add_option("--window", options->window, "window of returns (historical, fhs, evt)")->capture_default_str();
  sub->add_option("--quantile", options->quantile, "type1 (inverse CDF) or type7 (R default)")->capture_default_str();
  sub->add_option("--es", options->es, "tail-mean (mean at or below the type-1 quantile) or acerbi-tasche")
      ->capture_default_str();
  sub->add_option("--dist", options->dist, "parametric: normal, t or cornish-fisher; montecarlo: normal or t")
      ->capture_default_str();
  sub->add_option("--nu", options->nu, "Student t degrees of freedom (> 2); default: fitted in-sample");
  sub->add_option("--skew", options->skew, "Cornish-Fisher skewness of the returns; default: in-sample");
  sub->add_option("--kurt", options->kurt, "Cornish-Fisher excess kurtosis; default: in-sample");
  sub->add_option("--horizon", options->horizon, "horizon in steps of the data")->capture_default_str();
  sub->add_option("--horizon-rule", options->horizon_rule,
                  "model (vol.variance(h)), sqrt, overlapping (h-step sums) or bootstrap; default model for "
                  "parametric, overlapping for historical and fhs");
  sub->add_option("--vol", options->vol, "volatility model: ewma, garch or gjr (GARCH fitted in-sample)")
      ->capture_default_str();
  sub->add_option("--lambda", options->lambda, "EWMA decay factor")->capture_default_str();
  sub->add_option("--side", options->side, "long or short")->capture_default_str();
  sub->add_option("--floor", options->floor, "fhs: floor of sigma_now / sigma_t");
  sub->add_option("--cap", options->cap, "fhs: cap of sigma_now / sigma_t");
  sub->add_option("--age-decay", options->age_decay, "historical: BRW age-weight lambda in (0, 1] (needs type1)");
  sub->add_option("--paths", options->paths, "bootstrap paths or Monte Carlo scenarios");
  sub->add_option("--seed", options->seed, "seed of the bootstrap or Monte Carlo")->capture_default_str();
  sub->add_option("--refit", options->refit, "evt: refit the tails every this many returns")->capture_default_str();
  sub->add_option("--input", options->input, "CSV of prices or returns")->required();
  sub->add_option("--column", options->column, "column to read (returns unless --prices)");
  sub->add_flag("--prices", options->prices, "the column holds prices: use percent log returns");
  sub->callback([options] { run_var(*options); });
}

}  // namespace

const registration var_registration{40, &add_var_command};

}  // namespace dynmargin_cli
