// SPDX-License-Identifier: MIT
// `dynmargin fit --model garch|gjr --dist normal|t --input FILE [--column NAME] [--prices]
//  [--init fgarch|rugarch|backcast|unconditional] [--stationary]`: maximum-likelihood GARCH(1,1)
// or GJR-GARCH(1,1) fit (dynmargin::fit_garch), printed as JSON.
#include <cmath>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/runtime/enum_names.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"
#include "registry.hpp"

namespace dynmargin_cli {
namespace {

struct fit_options {
  std::string model = "garch";
  std::string dist = "normal";
  std::string input;
  std::string column;
  bool prices = false;
  bool as_returns = false;
  std::string init = "fgarch";
  bool stationary = false;
  bool timing = false;
  input_order order;
};

// Keys keep the documented order (ordered_json). A number for JSON; NaN (standard errors that do not exist) becomes
// null.
nlohmann::ordered_json number(double value) {
  return std::isfinite(value) ? nlohmann::ordered_json(value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json parameter_object(const dynmargin::garch_parameters& p, bool asymmetric, bool student) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["mu"] = number(p.mu);
  out["omega"] = number(p.omega);
  out["alpha"] = number(p.alpha);
  if (asymmetric) out["gamma"] = number(p.gamma);
  out["beta"] = number(p.beta);
  if (student) out["nu"] = number(p.nu);
  return out;
}

void run_fit(const fit_options& o) {
  const auto series = read_input("fit", o.input, o.column, o.prices, o.as_returns, o.order);
  dynmargin::fit_garch_config options;
  options.asymmetric = o.model == "gjr";
  options.innovation = dynmargin::parse_enum<dynmargin::distribution_shape>(o.dist, "fit", "--dist");
  options.start = dynmargin::parse_enum<dynmargin::garch_start>(o.init, "fit", "--init");
  options.stationary = o.stationary;
  const auto fit = dynmargin::fit_garch(series.values, options);
  const bool student = options.innovation == dynmargin::distribution_shape::student_t;
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["model"] = o.model;
  out["dist"] = o.dist;
  out["init"] = o.init;
  out["column"] = series.column;
  out["n"] = fit.observations;
  out["params"] = parameter_object(fit.parameters, options.asymmetric, student);
  out["loglik"] = number(fit.loglik);
  out["converged"] = fit.converged;
  out["status_reason"] = fit.status_reason;
  out["iterations"] = fit.iterations;
  out["function_evaluations"] = fit.function_evaluations;
  out["std_errors"] = parameter_object(fit.std_errors, options.asymmetric, student);
  out["robust_std_errors"] = parameter_object(fit.robust_std_errors, options.asymmetric, student);
  // Parameters at (or within a tolerance of) a bound have no standard error: null above, and
  // the reason here, per parameter.
  nlohmann::ordered_json at_bound = nlohmann::ordered_json::array();
  nlohmann::ordered_json reasons = nlohmann::ordered_json::object();
  for (const dynmargin::garch_bound_note& note : fit.parameters_at_bound) {
    at_bound.push_back(note.description);
    reasons[note.parameter] = note.description + ": a Hessian-based standard error is not valid at a bound";
  }
  if (!fit.std_errors_available) {
    for (const auto& item : out["std_errors"].items()) {
      if (!reasons.contains(item.key())) reasons[item.key()] = "the negative Hessian is not positive definite";
    }
  }
  out["parameters_at_bound"] = at_bound;
  out["std_errors_null_reason"] = reasons;
  out["persistence"] = number(fit.persistence);
  // "stationary" is kept for compatibility and means the constraint (--stationary); the two
  // keys after it name the constraint and the fitted model's own stationarity separately.
  out["stationary"] = fit.stationarity_enforced;
  out["stationarity_constraint"] = fit.stationarity_enforced;
  out["fitted_stationary"] = fit.fitted_stationary;
  out["sigma2_next"] = number(fit.model.variance());
  // Wall-clock time differs between identical runs: printed only when asked for.
  if (o.timing) out["seconds"] = fit.seconds;
  std::cout << out.dump(2) << '\n';
  if (!fit.fitted_stationary) {
    std::cerr << "fit: warning: the fitted model is not stationary (persistence " << fit.persistence
              << " >= 1); its variance forecasts grow with the horizon. --stationary imposes the constraint.\n";
  }
  if (!fit.parameters_at_bound.empty()) {
    std::cerr << "fit: warning: at a bound (no standard error):";
    for (const auto& note : fit.parameters_at_bound) std::cerr << ' ' << note.description << ';';
    std::cerr << '\n';
  }
}

void add_fit_command(CLI::App& app) {
  auto options = std::make_shared<fit_options>();
  auto* sub = app.add_subcommand(
      "fit",
      "Fit GARCH(1,1) or GJR-GARCH(1,1) with a constant mean by maximum likelihood and print JSON:\n"
      "parameters, log-likelihood, convergence status and reason, iterations, standard errors from\n"
      "the Hessian and QML-robust (sandwich) standard errors, in the units of the input (percent log\n"
      "returns for a price file). The likelihood is fGarch's (h_1 = omega + (alpha+beta) mean(z^2),\n"
      "all observations); --init chooses another peer's start-up rule.");
  sub->add_option("--model", options->model, "garch (default) or gjr")->check(CLI::IsMember({"garch", "gjr"}));
  sub->add_option("--dist", options->dist,
                  "innovations: normal (default) or student_t (or t; unit-variance Student t)");
  sub->add_option("--input", options->input, "CSV file: a price file, or a file with a returns column")
      ->transform(input_path, "", "")
      ->required();
  sub->add_option("--column", options->column, "column holding percent returns (or prices with --prices); default r");
  sub->add_flag("--prices", options->prices, "the column holds prices: fit their percent log returns");
  sub->add_flag("--as-returns", options->as_returns,
                "the --column holds returns even though it looks like prices (all positive, level >> changes)");
  sub->add_option("--init", options->init,
                  "first variance: fgarch (default, R fGarch), rugarch (mean(z^2), R rugarch), backcast (Python arch), "
                  "unconditional (omega / (1 - persistence))");
  sub->add_flag("--stationary", options->stationary, "constrain alpha + gamma/2 + beta < 1");
  sub->add_flag("--timing", options->timing, "add the fit's wall-clock \"seconds\" (which differ between runs)");
  options->order.add_flags(sub);
  sub->callback([options] { run_fit(*options); });
}

}  // namespace

const registration fit_registration{20, "fit", &add_fit_command};

}  // namespace dynmargin_cli
