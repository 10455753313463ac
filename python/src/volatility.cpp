// SPDX-License-Identifier: MIT
// Volatility kernels: log returns, EWMA, rolling and range-based variances. Each output row t
// is the model's forecast of the variance of observation t from the data before t, exactly the
// rows of `dynmargin vol` (NaN where the tool prints no row), so results agree bit for bit.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "common.hpp"
#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/returns.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/runtime/enum_names.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/range.hpp"
#include "dynmargin/volatility/rolling.hpp"

namespace dynmargin_python {
namespace {

dynmargin::return_units units_of(bool percent) {
  return percent ? dynmargin::return_units::percent : dynmargin::return_units::fraction;
}

float_array log_returns(const float_array& prices_array, bool percent) {
  const auto prices = values_of(prices_array, "prices");
  float_array out(static_cast<py::ssize_t>(prices.empty() ? 0 : prices.size() - 1));
  const auto target = writable(out);
  {
    py::gil_scoped_release unlocked;
    const auto returns = dynmargin::returns_from_prices(prices, dynmargin::return_kind::log, units_of(percent));
    std::copy(returns.begin(), returns.end(), target.begin());
  }
  return out;
}

// The decay of a half-life counted in observations: lambda = 0.5^(1 / half_life), through the
// library's rule (to the microsecond of an observation), as `dynmargin vol --half-life N`.
dynmargin::decay_factor decay_of_half_life(double half_life) {
  if (!(std::isfinite(half_life) && half_life > 0.0 && half_life < 1e12)) {
    dynmargin::throw_invalid_argument("ewma", "half_life", "must be finite and in (0, 1e12) observations", half_life);
  }
  return dynmargin::decay_from_half_life(std::chrono::duration<double>(half_life), std::chrono::seconds(1), "ewma",
                                         "half_life");
}

float_array ewma_variance(const float_array& returns_array, std::optional<double> lambda,
                          std::optional<double> half_life, const std::string& start, std::int64_t warmup) {
  const auto returns = values_of(returns_array, "returns");
  if (lambda && half_life) throw dynmargin::invalid_argument("ewma: give lam or half_life, not both");
  dynmargin::ewma_volatility_config config;
  config.lambda = half_life ? decay_of_half_life(*half_life)
                            : dynmargin::decay_factor(lambda.value_or(0.94), "ewma", "lam");
  config.start = dynmargin::parse_enum<dynmargin::ewma_start>(start, "ewma", "start");
  if (config.start == dynmargin::ewma_start::given) {
    throw dynmargin::invalid_argument("ewma: start must be first_squared_return or warmup_window, got \"given\"");
  }
  if (config.start == dynmargin::ewma_start::warmup_window) {
    config.warmup = warmup;
  } else {
    // Every forecast from the seed on, as `dynmargin vol`: row 0 is the seed r_0^2 (the only row
    // that sees its own return, RiskMetrics' convention), row t >= 1 the recursion. The burn-in
    // the margin function waits for is a matter of use, not of the variance.
    config.burn_in = 1;
  }
  // Every element is written in the loop (NaN before the model has a forecast), so the array
  // is not filled first; the loop stops at the first failed update and raises after it, which
  // keeps the model in registers (a throw inside the loop made GCC store and reload it).
  float_array out(static_cast<py::ssize_t>(returns.size()));
  const auto target = writable(out);
  std::size_t failed_at = returns.size();
  dynmargin::status failure = dynmargin::status::ok;
  {
    py::gil_scoped_release unlocked;
    dynmargin::ewma_volatility model(config);
    const bool first_is_start = config.start == dynmargin::ewma_start::first_squared_return;
    const std::size_t n = returns.size();
    std::size_t t = 0;
    // Until the model has a forecast (row 0 is the seed r_0^2 with the default start).
    for (; t < n && !(t > 0 && model.ready()); ++t) {
      if (t == 0 && first_is_start && std::isfinite(returns[0])) {
        target[0] = returns[0] * returns[0];
      } else {
        target[t] = model.ready() ? model.variance() : not_a_number;
      }
      const dynmargin::status s = model.update(returns[t]);
      if (dynmargin::is_error(s)) {
        failed_at = t;
        failure = s;
        break;
      }
    }
    // Then every row has a forecast: an EWMA stays ready.
    for (; failed_at == n && t < n; ++t) {
      target[t] = model.variance();
      const dynmargin::status s = model.update(returns[t]);
      if (dynmargin::is_error(s)) {
        failed_at = t;
        failure = s;
      }
    }
  }
  if (failed_at < returns.size()) throw_if_update_failed(failure, "ewma", "returns", failed_at);
  return out;
}

float_array rolling_variance(const float_array& returns_array, std::int64_t window, const std::string& mean) {
  const auto returns = values_of(returns_array, "returns");
  dynmargin::rolling_volatility model(dynmargin::rolling_volatility_config{
      window, dynmargin::parse_enum<dynmargin::rolling_mean>(mean, "rolling", "mean")});
  auto out = nan_array(returns.size());
  const auto target = writable(out);
  {
    py::gil_scoped_release unlocked;
    for (std::size_t t = 0; t < returns.size(); ++t) {
      if (model.ready()) target[t] = model.variance();
      throw_if_update_failed(model.update(returns[t]), "rolling", "returns", t);
    }
  }
  return out;
}

struct ohlc_columns {
  std::span<const double> open, high, low, close;
};

// Row t: the estimator's variance from the bars before t, once ready (as `dynmargin vol`).
template <class Model>
void run_bars(Model model, const ohlc_columns& bars, std::span<double> out) {
  for (std::size_t t = 0; t < bars.close.size(); ++t) {
    if (model.ready()) out[t] = model.variance();
    const dynmargin::ohlc_bar bar{bars.open[t], bars.high[t], bars.low[t], bars.close[t]};
    if (dynmargin::bar_status(bar) != dynmargin::status::ok) {
      dynmargin::check_bar(bar, Model::name(), "bar " + std::to_string(t));  // throws, naming the field
    }
    throw_if_update_failed(model.update(bar), Model::name(), "bars", t);
  }
}

float_array range_variance(const std::string& estimator, const float_array& open, const float_array& high,
                           const float_array& low, const float_array& close, std::optional<std::int64_t> window,
                           std::optional<double> lambda, bool percent, const std::string& overnight) {
  const ohlc_columns bars{values_of(open, "open"), values_of(high, "high"), values_of(low, "low"),
                          values_of(close, "close")};
  for (const auto& [column, name] : {std::pair{bars.open, "open"}, {bars.high, "high"}, {bars.low, "low"}}) {
    if (column.size() != bars.close.size()) {
      dynmargin::throw_invalid_argument(
          estimator, name, "must have one value per bar (" + std::to_string(bars.close.size()) + " closes)",
          column.size());
    }
  }
  if (window && lambda) {
    throw dynmargin::invalid_argument(estimator + ": give window (rolling) or lam (EWMA-weighted), not both");
  }
  dynmargin::range_volatility_config config;
  config.units = units_of(percent);
  if (lambda) {
    config.weighting = dynmargin::range_weighting::ewma;
    config.lambda = dynmargin::decay_factor(*lambda, estimator, "lam");
  } else if (window) {
    config.window = *window;
  }
  dynmargin::yang_zhang_overnight gap = dynmargin::yang_zhang_overnight::measured;
  if (overnight == "none") {
    gap = dynmargin::yang_zhang_overnight::none;
  } else if (overnight != "measured") {
    dynmargin::throw_invalid_argument("yang_zhang", "overnight", "must be measured or none", "\"" + overnight + "\"");
  }
  auto out = nan_array(bars.close.size());
  const auto target = writable(out);
  // Models are built before the GIL is released: a bad setting throws from the constructor.
  if (estimator == "parkinson") {
    const dynmargin::parkinson_volatility model(config);
    py::gil_scoped_release unlocked;
    run_bars(model, bars, target);
  } else if (estimator == "garman_klass") {
    const dynmargin::garman_klass_volatility model(config);
    py::gil_scoped_release unlocked;
    run_bars(model, bars, target);
  } else if (estimator == "rogers_satchell") {
    const dynmargin::rogers_satchell_volatility model(config);
    py::gil_scoped_release unlocked;
    run_bars(model, bars, target);
  } else if (estimator == "yang_zhang") {
    const dynmargin::yang_zhang_volatility model(dynmargin::yang_zhang_volatility_config{config, gap});
    py::gil_scoped_release unlocked;
    run_bars(model, bars, target);
  } else {
    dynmargin::throw_invalid_argument("range_variance", "estimator",
                                      "must be parkinson, garman_klass, rogers_satchell or yang_zhang",
                                      "\"" + estimator + "\"");
  }
  return out;
}

}  // namespace

void bind_volatility(py::module_& module) {
  using namespace pybind11::literals;
  module.def("log_returns", &log_returns, "prices"_a, "percent"_a = true,
             "Log returns of consecutive prices, 100 ln(P_t / P_{t-1}) (percent) or ln(P_t / P_{t-1}).");
  module.def("ewma_variance", &ewma_variance, "returns"_a, "lam"_a = py::none(), "half_life"_a = py::none(),
             "start"_a = "first_squared_return", "warmup"_a = 0,
             "RiskMetrics EWMA variance forecasts; row t from the returns before t.");
  module.def("rolling_variance", &rolling_variance, "returns"_a, "window"_a = 250, "mean"_a = "zero",
             "Equally weighted variance of the last `window` returns; row t from the returns before t.");
  module.def("range_variance", &range_variance, "estimator"_a, "open"_a, "high"_a, "low"_a, "close"_a,
             "window"_a = py::none(), "lam"_a = py::none(), "percent"_a = true, "overnight"_a = "measured",
             "Parkinson, Garman-Klass, Rogers-Satchell or Yang-Zhang variance of one bar's log return; row t from "
             "the bars before t.");
}

}  // namespace dynmargin_python
