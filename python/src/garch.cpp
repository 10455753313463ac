// SPDX-License-Identifier: MIT
// GARCH(1,1) and GJR-GARCH(1,1) maximum-likelihood fits (dynmargin::fit_garch, as
// `dynmargin fit`), with the in-sample conditional variances of `dynmargin vol --model garch`
// and multi-step forecasts of the fitted model. The Python class dynmargin.GarchResult wraps
// the object defined here and adds pandas output and summary().
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/runtime/enum_names.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"

namespace dynmargin_python {
namespace {

/// A fit and the conditional variances h_1..h_n of its model over the fitted returns.
struct garch_fit_outcome {
  explicit garch_fit_outcome(dynmargin::garch_fit_result result) : fit(std::move(result)) {}
  dynmargin::garch_fit_result fit;
  std::vector<double> conditional_variance;
};

// The parameters the model has, in the order of `dynmargin fit`: mu, omega, alpha, [gamma],
// beta, [nu]. A NaN (a standard error that does not exist) stays NaN.
py::dict parameter_dict(const dynmargin::garch_parameters& p, const dynmargin::garch_fit_result& fit) {
  py::dict out;
  out["mu"] = p.mu;
  out["omega"] = p.omega;
  out["alpha"] = p.alpha;
  if (fit.asymmetric) out["gamma"] = p.gamma;
  out["beta"] = p.beta;
  if (fit.innovation == dynmargin::distribution_shape::student_t) out["nu"] = p.nu;
  return out;
}

garch_fit_outcome fit_garch(const float_array& returns_array, const std::string& model, const std::string& dist,
                            const std::string& start, bool stationary, bool variance_targeting) {
  const auto returns = values_of(returns_array, "returns");
  if (model != "garch" && model != "gjr") {
    dynmargin::throw_invalid_argument("fit_garch", "model", "must be garch or gjr", "\"" + model + "\"");
  }
  dynmargin::fit_garch_config options;
  options.asymmetric = model == "gjr";
  options.innovation = dynmargin::parse_enum<dynmargin::distribution_shape>(dist, "fit_garch", "dist");
  options.start = dynmargin::parse_enum<dynmargin::garch_start>(start, "fit_garch", "start");
  options.stationary = stationary;
  options.variance_targeting = variance_targeting;
  py::gil_scoped_release unlocked;
  garch_fit_outcome outcome(dynmargin::fit_garch(returns, options));
  // In-sample h_t as `dynmargin vol --model garch|gjr` prints them: h_1 by the start rule, then
  // the model's recursion; row t is the forecast of r_t from the returns before t.
  const auto& fit = outcome.fit;
  const double h1 = dynmargin::garch_initial_variance(returns, fit.parameters, fit.start);
  dynmargin::garch_volatility filter(
      dynmargin::garch_volatility_config{fit.parameters, fit.innovation, fit.asymmetric, h1});
  outcome.conditional_variance.reserve(returns.size());
  for (std::size_t t = 0; t < returns.size(); ++t) {
    outcome.conditional_variance.push_back(filter.variance());
    throw_if_update_failed(filter.update(returns[t]), "fit_garch", "returns", t);
  }
  return outcome;
}

// E[h_{T+k}], k = 1..horizon (per step, arch's forecast().variance), or with `cumulative` the
// variance of the sum of the next k returns, from the model positioned after the data.
float_array forecast(const garch_fit_outcome& outcome, std::int64_t horizon, bool cumulative) {
  if (horizon < 1) dynmargin::throw_invalid_argument("forecast", "horizon", "must be at least 1", horizon);
  float_array out(static_cast<py::ssize_t>(horizon));
  const auto target = writable(out);
  const auto& model = outcome.fit.model;
  py::gil_scoped_release unlocked;
  for (std::int64_t k = 1; k <= horizon; ++k) {
    target[static_cast<std::size_t>(k - 1)] = cumulative ? model.variance(k) : model.variance_at(k);
  }
  return out;
}

// A copy on every access: the result stays what the fit computed whatever the caller does
// with the array.
float_array copy_of(const std::vector<double>& values) {
  float_array out(static_cast<py::ssize_t>(values.size()));
  const auto target = writable(out);
  py::gil_scoped_release unlocked;
  std::copy(values.begin(), values.end(), target.begin());
  return out;
}

py::array_t<double> hessian_of(const dynmargin::garch_fit_result& fit) {
  const auto rows = static_cast<py::ssize_t>(fit.hessian.rows());
  const auto cols = static_cast<py::ssize_t>(fit.hessian.cols());
  py::array_t<double> out({rows, cols});
  auto view = out.mutable_unchecked<2>();
  for (py::ssize_t i = 0; i < rows; ++i) {
    for (py::ssize_t j = 0; j < cols; ++j) view(i, j) = fit.hessian(i, j);
  }
  return out;
}

}  // namespace

void bind_garch(py::module_& module) {
  using namespace pybind11::literals;
  using outcome = garch_fit_outcome;
  py::class_<outcome>(module, "GarchFit", "A GARCH(1,1) / GJR-GARCH(1,1) fit (see dynmargin.GarchResult).")
      .def_property_readonly("model", [](const outcome& o) { return o.fit.asymmetric ? "gjr" : "garch"; })
      .def_property_readonly("dist",
                             [](const outcome& o) { return std::string(dynmargin::enum_name(o.fit.innovation)); })
      .def_property_readonly("start", [](const outcome& o) { return std::string(dynmargin::to_string(o.fit.start)); })
      .def_property_readonly("params", [](const outcome& o) { return parameter_dict(o.fit.parameters, o.fit); })
      .def_property_readonly("std_errors", [](const outcome& o) { return parameter_dict(o.fit.std_errors, o.fit); })
      .def_property_readonly("robust_std_errors",
                             [](const outcome& o) { return parameter_dict(o.fit.robust_std_errors, o.fit); })
      .def_property_readonly("std_errors_available", [](const outcome& o) { return o.fit.std_errors_available; })
      .def_property_readonly("parameters_at_bound",
                             [](const outcome& o) {
                               py::dict out;
                               for (const auto& note : o.fit.parameters_at_bound)
                                 out[note.parameter.c_str()] = note.description;
                               return out;
                             })
      .def_property_readonly("loglik", [](const outcome& o) { return o.fit.loglik; })
      .def_property_readonly("nobs", [](const outcome& o) { return o.fit.observations; })
      .def_property_readonly("converged", [](const outcome& o) { return o.fit.converged; })
      .def_property_readonly("status", [](const outcome& o) { return o.fit.status_reason; })
      .def_property_readonly("iterations", [](const outcome& o) { return o.fit.iterations; })
      .def_property_readonly("function_evaluations", [](const outcome& o) { return o.fit.function_evaluations; })
      .def_property_readonly("persistence", [](const outcome& o) { return o.fit.persistence; })
      .def_property_readonly("stationarity_enforced", [](const outcome& o) { return o.fit.stationarity_enforced; })
      .def_property_readonly("fitted_stationary", [](const outcome& o) { return o.fit.fitted_stationary; })
      .def_property_readonly("zero_returns_excluded", [](const outcome& o) { return o.fit.zero_returns_excluded; })
      .def_property_readonly("sigma2_next", [](const outcome& o) { return o.fit.model.variance(); })
      .def_property_readonly("conditional_variance", [](const outcome& o) { return copy_of(o.conditional_variance); })
      .def_property_readonly("parameter_names", [](const outcome& o) { return o.fit.parameter_names; })
      .def_property_readonly("hessian", [](const outcome& o) { return hessian_of(o.fit); })
      .def_property_readonly("seconds", [](const outcome& o) { return o.fit.seconds; })
      .def("forecast", &forecast, "horizon"_a, "cumulative"_a = false,
           "Variance forecasts for the next `horizon` returns: per step (E[h_{T+k}]), or of their sum.");
  module.def("fit_garch", &fit_garch, "returns"_a, "model"_a = "garch", "dist"_a = "normal", "start"_a = "fgarch",
             "stationary"_a = false, "variance_targeting"_a = false,
             "Maximum-likelihood GARCH(1,1) / GJR-GARCH(1,1) fit with a constant mean (R fGarch's likelihood).");
}

}  // namespace dynmargin_python
