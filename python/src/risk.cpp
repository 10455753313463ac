// SPDX-License-Identifier: MIT
// Rolling VaR and ES over an array of returns: dynmargin::run_rolling_risk
// (dynmargin/runtime/rolling_risk.hpp), the loop `dynmargin var` runs too. Row t is the
// forecast for return t from returns 0..t-1; the one after the last return is returned apart
// ("next").
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
#include "dynmargin/runtime/rolling_risk.hpp"

namespace dynmargin_python {
namespace {

using risk_settings = dynmargin::rolling_risk_settings;

/// Keyword arguments and array elements, as a Python user names them.
dynmargin::rolling_risk_labels python_labels() {
  dynmargin::rolling_risk_labels labels;
  labels.parameter = [](std::string_view name) { return name == "lambda" ? std::string("lam") : std::string(name); };
  labels.return_at = [](std::size_t i) { return element_name("returns", i); };
  return labels;
}

py::dict rolling_risk(const float_array& returns_array, const risk_settings& settings) {
  const auto returns = values_of(returns_array, "returns");
  auto var = nan_array(returns.size());
  auto es = nan_array(returns.size());
  const std::span<double> var_out = writable(var);
  const std::span<double> es_out = writable(es);
  double next_var = not_a_number;
  double next_es = not_a_number;
  dynmargin::rolling_risk_report report;
  {
    py::gil_scoped_release unlocked;
    report = dynmargin::run_rolling_risk(
        returns, settings,
        [&](std::size_t t, double v, double e) {
          if (t < var_out.size()) {
            var_out[t] = v;
            es_out[t] = e;
          } else {
            next_var = v;
            next_es = e;
          }
        },
        python_labels());
  }
  py::dict out;
  out["var"] = var;
  out["es"] = es;
  out["next_var"] = next_var;
  out["next_es"] = next_es;
  out["refit_warnings"] = report.refit_warnings;
  out["garch_fits"] = report.garch_fits;
  out["garch_failed_refits"] = report.garch_failed_refits;
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
