// SPDX-License-Identifier: MIT
// Option pricing and the portfolio engines: Black-76 and implied volatility over arrays
// (dynmargin/options/), scenario sets (grids, filtered historical and Monte Carlo joint
// scenarios), the scenario P&L matrix, a portfolio's margin and its attribution, and the margin
// of many accounts at once (dynmargin/portfolio/). The Python layer (dynmargin/portfolio.py)
// broadcasts arguments, reads instrument tables and attaches names and pandas indexes; every
// loop over data here runs without the GIL, and errors are the library's exceptions.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "common.hpp"
#include "dynmargin/options/black76.hpp"
#include "dynmargin/options/implied_volatility.hpp"
#include "dynmargin/options/inverse_option.hpp"
#include "dynmargin/portfolio/dynamic_margin.hpp"
#include "dynmargin/portfolio/instrument.hpp"
#include "dynmargin/portfolio/joint_scenarios.hpp"
#include "dynmargin/portfolio/many_accounts.hpp"
#include "dynmargin/portfolio/revaluation.hpp"
#include "dynmargin/portfolio/scenario_margin.hpp"
#include "dynmargin/portfolio/scenarios.hpp"
#include "dynmargin/runtime/config_reader.hpp"
#include "dynmargin/runtime/portfolio_run.hpp"

namespace dynmargin_python {
namespace {

/// A two-dimensional float64 array in C order (rows x columns).
using float_matrix = py::array_t<double, py::array::c_style | py::array::forcecast>;
using int_array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
using flag_array = py::array_t<bool, py::array::c_style | py::array::forcecast>;

Eigen::MatrixXd matrix_of(const float_matrix& array, const char* name) {
  if (array.ndim() != 2) {
    dynmargin::throw_invalid_argument("dynmargin", name, "must be two-dimensional",
                                      std::to_string(array.ndim()) + " dimensions");
  }
  const auto rows = static_cast<Eigen::Index>(array.shape(0));
  const auto cols = static_cast<Eigen::Index>(array.shape(1));
  using row_major = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<const row_major>(array.data(), rows, cols);
}

float_matrix array_of(const Eigen::MatrixXd& matrix) {
  float_matrix out({static_cast<py::ssize_t>(matrix.rows()), static_cast<py::ssize_t>(matrix.cols())});
  using row_major = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<row_major>(out.mutable_data(), matrix.rows(), matrix.cols()) = matrix;
  return out;
}

float_array array_of(const Eigen::VectorXd& vector) {
  float_array out(static_cast<py::ssize_t>(vector.size()));
  Eigen::Map<Eigen::VectorXd>(out.mutable_data(), vector.size()) = vector;
  return out;
}

Eigen::VectorXd vector_of(const float_array& array, const char* name) {
  const auto values = values_of(array, name);
  return Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size()));
}

template <class T>
std::span<const T> span_of(const py::array_t<T, py::array::c_style | py::array::forcecast>& array, const char* name) {
  if (array.ndim() != 1) {
    dynmargin::throw_invalid_argument("dynmargin", name, "must be one-dimensional",
                                      std::to_string(array.ndim()) + " dimensions");
  }
  return {array.data(), static_cast<std::size_t>(array.shape(0))};
}

/// Every argument of an element-wise function must have `size` elements (Python broadcasts).
void check_length(std::size_t actual, std::size_t size, std::string_view component, const char* name) {
  if (actual != size) {
    dynmargin::throw_invalid_argument(component, name, "must have " + std::to_string(size) + " elements", actual);
  }
}

dynmargin::option_type option_type_of(bool call) {
  return call ? dynmargin::option_type::call : dynmargin::option_type::put;
}

// --- options -----------------------------------------------------------------------------------

/// Black-76 price and Greeks per row; row i's errors are the library's, from component "black76[i]".
py::dict black76_rows(const flag_array& call_array, const float_array& forward_array, const float_array& strike_array,
                      const float_array& volatility_array, const float_array& years_array,
                      const float_array& rate_array) {
  const auto call = span_of(call_array, "option_type");
  const auto forward = values_of(forward_array, "forward");
  const auto strike = values_of(strike_array, "strike");
  const auto volatility = values_of(volatility_array, "volatility");
  const auto years = values_of(years_array, "years");
  const auto rate = values_of(rate_array, "rate");
  const std::size_t n = call.size();
  for (const auto& [size, name] :
       {std::pair{forward.size(), "forward"}, std::pair{strike.size(), "strike"},
        std::pair{volatility.size(), "volatility"}, std::pair{years.size(), "years"}, std::pair{rate.size(), "rate"}})
    check_length(size, n, "black76", name);
  auto price = nan_array(n);
  auto delta = nan_array(n);
  auto gamma = nan_array(n);
  auto vega = nan_array(n);
  auto theta = nan_array(n);
  const auto out_price = writable(price);
  const auto out_delta = writable(delta);
  const auto out_gamma = writable(gamma);
  const auto out_vega = writable(vega);
  const auto out_theta = writable(theta);
  {
    py::gil_scoped_release unlocked;
    for (std::size_t i = 0; i < n; ++i) {
      const dynmargin::black76_inputs in{option_type_of(call[i]), forward[i], strike[i],
                                         volatility[i],           years[i],   rate[i]};
      dynmargin::check_black76_inputs(in, element_name("black76", i));
      const dynmargin::option_greeks g = dynmargin::black76_unchecked(in);
      out_price[i] = g.price;
      out_delta[i] = g.delta;
      out_gamma[i] = g.gamma;
      out_vega[i] = g.vega;
      out_theta[i] = g.theta;
    }
  }
  py::dict out;
  out["price"] = price;
  out["delta"] = delta;
  out["gamma"] = gamma;
  out["vega"] = vega;
  out["theta"] = theta;
  return out;
}

/// Implied volatility per row; coin: the prices are coin prices of inverse options (r = 0).
float_array implied_volatility_rows(const flag_array& call_array, const float_array& price_array,
                                    const float_array& forward_array, const float_array& strike_array,
                                    const float_array& years_array, const float_array& rate_array, bool coin) {
  const auto call = span_of(call_array, "option_type");
  const auto price = values_of(price_array, "price");
  const auto forward = values_of(forward_array, "forward");
  const auto strike = values_of(strike_array, "strike");
  const auto years = values_of(years_array, "years");
  const auto rate = values_of(rate_array, "rate");
  const std::size_t n = call.size();
  for (const auto& [size, name] :
       {std::pair{price.size(), "price"}, std::pair{forward.size(), "forward"}, std::pair{strike.size(), "strike"},
        std::pair{years.size(), "years"}, std::pair{rate.size(), "rate"}})
    check_length(size, n, "implied_volatility", name);
  auto volatility = nan_array(n);
  const auto out = writable(volatility);
  {
    py::gil_scoped_release unlocked;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string component = element_name("implied_volatility", i);
      const auto type = option_type_of(call[i]);
      if (coin) {
        if (rate[i] != 0.0)
          dynmargin::throw_invalid_argument(component, "rate",
                                            "must be 0 for coin prices (Deribit prices inverse options at r = 0)",
                                            rate[i]);
        out[i] = dynmargin::inverse_implied_volatility(type, price[i], forward[i], strike[i], years[i], {}, component);
      } else {
        out[i] = dynmargin::black76_implied_volatility({type, price[i], forward[i], strike[i], years[i], rate[i]}, {},
                                                       component);
      }
    }
  }
  return volatility;
}

// --- scenario sets -----------------------------------------------------------------------------

using rule_mode = dynmargin::volatility_shock_rule::mode;

py::dict dict_of(const dynmargin::scenario_set& set) {
  py::dict rule;
  rule["mode"] = set.rule.kind == rule_mode::relative ? "relative" : "absolute";
  rule["short_power"] = set.rule.short_power;
  rule["long_power"] = set.rule.long_power;
  rule["power_switch_days"] = set.rule.power_switch_days;
  rule["reference_days"] = set.rule.reference_days;
  rule["floor_days"] = set.rule.floor_days;
  py::dict out;
  out["names"] = set.names;
  out["price_return"] = array_of(set.price_return);
  out["volatility_shock"] = array_of(set.volatility_shock);
  out["weight"] = array_of(set.weight);
  out["rule"] = rule;
  return out;
}

dynmargin::volatility_shock_rule rule_of(const std::string& mode, double short_power, double long_power,
                                         double power_switch_days, double reference_days, double floor_days) {
  if (mode != "relative" && mode != "absolute")
    dynmargin::throw_invalid_argument("scenario_set", "rule", "must be \"relative\" or \"absolute\"", mode);
  return {mode == "relative" ? rule_mode::relative : rule_mode::absolute,
          short_power,
          long_power,
          power_switch_days,
          reference_days,
          floor_days};
}

/// A scenario set from the Python ScenarioSet's arrays (checked by the engines that take it).
dynmargin::scenario_set set_of(const std::vector<std::string>& names, const float_matrix& price_return,
                               const float_matrix& volatility_shock, const float_array& weight,
                               const dynmargin::volatility_shock_rule& rule) {
  dynmargin::scenario_set set;
  set.names = names;
  set.price_return = matrix_of(price_return, "price_return");
  set.volatility_shock = matrix_of(volatility_shock, "volatility_shock");
  set.weight = vector_of(weight, "weight");
  set.rule = rule;
  return set;
}

// --- instruments -------------------------------------------------------------------------------

dynmargin::instrument_kind kind_of(const std::string& text, const std::string& instrument) {
  using dynmargin::instrument_kind;
  for (const auto kind : {instrument_kind::linear_future, instrument_kind::inverse_future, instrument_kind::option,
                          instrument_kind::inverse_option})
    if (text == dynmargin::to_string(kind)) return kind;
  dynmargin::throw_invalid_argument(instrument, "kind",
                                    "must be linear_future, inverse_future, option or inverse_option", text);
}

/// The instruments of a table and their states: the columns as the Python layer sends them.
struct instrument_table {
  std::vector<dynmargin::instrument> terms;
  std::vector<dynmargin::instrument_state> states;
};

instrument_table table_of(const std::vector<std::string>& names, const int_array& underlying_array,
                          const std::vector<std::string>& kinds, const float_array& contract_size_array,
                          const float_array& price_array, const std::vector<std::string>& option_types,
                          const float_array& strike_array, const int_array& expiry_array,
                          const flag_array& has_expiry_array, const float_array& volatility_array) {
  const auto underlying = span_of(underlying_array, "underlying");
  const auto contract_size = values_of(contract_size_array, "contract_size");
  const auto price = values_of(price_array, "price");
  const auto strike = values_of(strike_array, "strike");
  const auto expiry = span_of(expiry_array, "expiry");
  const auto has_expiry = span_of(has_expiry_array, "expiry");
  const auto volatility = values_of(volatility_array, "volatility");
  const std::size_t n = names.size();
  for (const auto& [size, name] : {std::pair{underlying.size(), "underlying"}, std::pair{kinds.size(), "kind"},
                                   std::pair{contract_size.size(), "contract_size"}, std::pair{price.size(), "price"},
                                   std::pair{option_types.size(), "option_type"}, std::pair{strike.size(), "strike"},
                                   std::pair{expiry.size(), "expiry"}, std::pair{has_expiry.size(), "expiry"},
                                   std::pair{volatility.size(), "volatility"}})
    check_length(size, n, "instruments", name);
  instrument_table table;
  table.terms.resize(n);
  table.states.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string label = names[i].empty() ? element_name("instrument", i) : names[i];
    dynmargin::instrument& terms = table.terms[i];
    terms.name = label;
    if (underlying[i] < 0)
      dynmargin::throw_invalid_argument(label, "underlying", "must be an index >= 0", underlying[i]);
    terms.underlying = static_cast<std::size_t>(underlying[i]);
    terms.kind = kind_of(kinds[i], label);
    terms.contract_size = contract_size[i];
    if (dynmargin::is_option(terms.kind)) {
      if (option_types[i] != "call" && option_types[i] != "put")
        dynmargin::throw_invalid_argument(label, "option_type", "must be \"call\" or \"put\"", option_types[i]);
      terms.type = option_types[i] == "call" ? dynmargin::option_type::call : dynmargin::option_type::put;
      terms.strike = strike[i];
    }
    if (has_expiry[i]) terms.expiry = dynmargin::timestamp_us{std::chrono::microseconds{expiry[i]}};
    table.states[i] = {price[i], dynmargin::is_option(terms.kind) ? volatility[i] : 0.0};
  }
  return table;
}

// --- margins -----------------------------------------------------------------------------------

dynmargin::scenario_margin_rule margin_rule_of(const std::string& measure, double confidence) {
  using dynmargin::scenario_measure;
  for (const auto m :
       {scenario_measure::weighted_worst, scenario_measure::value_at_risk, scenario_measure::expected_shortfall})
    if (measure == dynmargin::to_string(m)) return {m, confidence};
  dynmargin::throw_invalid_argument("portfolio margin", "measure",
                                    "must be weighted_worst, value_at_risk or expected_shortfall", measure);
}

py::dict dict_of(const dynmargin::scenario_margin_result& result) {
  py::dict out;
  out["margin"] = result.margin;
  out["binding_scenario"] = result.binding_scenario;
  out["worst_loss"] = result.worst_loss;
  out["tail_scenarios"] = result.tail_scenarios;
  return out;
}

/// VaR and ES ignore the weights; the library checks their count only for grids.
Eigen::VectorXd weights_for(const float_array& weights, const dynmargin::scenario_margin_rule& rule,
                            Eigen::Index scenarios) {
  if (rule.measure != dynmargin::scenario_measure::weighted_worst) return Eigen::VectorXd::Ones(scenarios);
  return vector_of(weights, "weights");
}

}  // namespace

void bind_portfolio(py::module_& module) {
  using namespace pybind11::literals;

  module.def("black76", &black76_rows, "call"_a, "forward"_a, "strike"_a, "volatility"_a, "years"_a, "rate"_a,
             "Black-76 price, delta, gamma, vega (per 1.00) and theta (per year) per row (see dynmargin.portfolio).");
  module.def(
      "implied_volatility", &implied_volatility_rows, "call"_a, "price"_a, "forward"_a, "strike"_a, "years"_a, "rate"_a,
      "coin"_a,
      "Black-76 implied volatility per row; coin=True: coin prices of inverse options (see dynmargin.portfolio).");

  const dynmargin::paradex_grid_settings paradex{};
  std::vector<std::tuple<double, double, double>> paradex_extremes;
  for (const auto& row : paradex.extreme_rows)
    paradex_extremes.emplace_back(row.price_return, row.volatility_shock, row.weight);
  module.def(
      "paradex_grid",
      [](std::int64_t underlyings, const std::vector<double>& core_moves, double vol_up, double vol_down,
         double vol_up_only_from, const std::vector<std::tuple<double, double, double>>& extreme_rows,
         double short_power, double long_power, double power_switch_days, double floor_days) {
        dynmargin::paradex_grid_settings settings;
        settings.core_moves = core_moves;
        settings.vol_up = vol_up;
        settings.vol_down = vol_down;
        settings.vol_up_only_from = vol_up_only_from;
        settings.extreme_rows.clear();
        for (const auto& [r, v, w] : extreme_rows) settings.extreme_rows.push_back({r, v, w});
        settings.rule.short_power = short_power;
        settings.rule.long_power = long_power;
        settings.rule.power_switch_days = power_switch_days;
        settings.rule.floor_days = floor_days;
        return dict_of(dynmargin::paradex_grid(static_cast<Eigen::Index>(underlyings), settings));
      },
      "underlyings"_a = 1, "core_moves"_a = paradex.core_moves, "vol_up"_a = paradex.vol_up,
      "vol_down"_a = paradex.vol_down, "vol_up_only_from"_a = paradex.vol_up_only_from,
      "extreme_rows"_a = paradex_extremes, "short_power"_a = paradex.rule.short_power,
      "long_power"_a = paradex.rule.long_power, "power_switch_days"_a = paradex.rule.power_switch_days,
      "floor_days"_a = paradex.rule.floor_days, "Paradex's portfolio-margin grid (24 scenarios by default).");

  const dynmargin::span_grid_settings span{};
  module.def(
      "span_grid",
      [](std::int64_t underlyings, double price_scan_range, double volatility_scan_range, double extreme_multiple,
         double extreme_weight) {
        dynmargin::span_grid_settings settings;
        settings.price_scan_range = price_scan_range;
        settings.volatility_scan_range = volatility_scan_range;
        settings.extreme_multiple = extreme_multiple;
        settings.extreme_weight = extreme_weight;
        return dict_of(dynmargin::span_grid(static_cast<Eigen::Index>(underlyings), settings));
      },
      "underlyings"_a = 1, "price_scan_range"_a = span.price_scan_range,
      "volatility_scan_range"_a = span.volatility_scan_range, "extreme_multiple"_a = span.extreme_multiple,
      "extreme_weight"_a = span.extreme_weight, "CME SPAN's 16 risk scenarios.");

  const dynmargin::filtered_historical_settings historical{};
  module.def(
      "filtered_historical_scenarios",
      [](const float_matrix& returns, double lam, std::int64_t warmup, std::int64_t horizon, double iv_sensitivity,
         const std::vector<std::string>& row_names) {
        const Eigen::MatrixXd matrix = matrix_of(returns, "returns");
        dynmargin::scenario_set set;
        {
          py::gil_scoped_release unlocked;
          set = dynmargin::filtered_historical_scenarios(matrix, {lam, warmup, horizon, iv_sensitivity}, row_names);
        }
        return dict_of(set);
      },
      "returns"_a, "lam"_a = historical.lambda, "warmup"_a = historical.warmup, "horizon"_a = historical.horizon_steps,
      "iv_sensitivity"_a = historical.iv_sensitivity, "row_names"_a = std::vector<std::string>{},
      "Filtered historical joint scenarios from log returns (dates x underlyings, fractions).");

  const dynmargin::monte_carlo_scenario_settings monte_carlo{};
  module.def(
      "monte_carlo_scenarios",
      [](const float_matrix& covariance, std::int64_t scenarios, std::int64_t horizon, std::uint64_t seed,
         double iv_lam, double iv_sensitivity) {
        const Eigen::MatrixXd matrix = matrix_of(covariance, "covariance");
        dynmargin::monte_carlo_scenario_settings settings;
        settings.scenarios = scenarios;
        settings.horizon_steps = horizon;
        settings.seed = seed;
        settings.iv_lambda = iv_lam;
        settings.iv_sensitivity = iv_sensitivity;
        dynmargin::scenario_set set;
        {
          py::gil_scoped_release unlocked;
          set = dynmargin::monte_carlo_scenarios(matrix, settings);
        }
        return dict_of(set);
      },
      "covariance"_a, "scenarios"_a = monte_carlo.scenarios, "horizon"_a = monte_carlo.horizon_steps,
      "seed"_a = monte_carlo.seed, "iv_lam"_a = monte_carlo.iv_lambda, "iv_sensitivity"_a = monte_carlo.iv_sensitivity,
      "Monte Carlo joint scenarios of log returns from Normal(0, h covariance).");

  module.def(
      "scenario_pnl",
      [](const std::vector<std::string>& names, const int_array& underlying, const std::vector<std::string>& kinds,
         const float_array& contract_size, const float_array& price, const std::vector<std::string>& option_types,
         const float_array& strike, const int_array& expiry, const flag_array& has_expiry,
         const float_array& volatility, std::int64_t valuation_us, const std::vector<std::string>& scenario_names,
         const float_matrix& price_return, const float_matrix& volatility_shock, const float_array& weight,
         const std::string& mode, double short_power, double long_power, double power_switch_days,
         double reference_days, double floor_days) {
        const instrument_table table = table_of(names, underlying, kinds, contract_size, price, option_types, strike,
                                                expiry, has_expiry, volatility);
        const dynmargin::scenario_set set = set_of(scenario_names, price_return, volatility_shock, weight,
                                                   rule_of(mode, short_power, long_power, power_switch_days,
                                                           reference_days, floor_days));
        Eigen::MatrixXd pnl;
        {
          py::gil_scoped_release unlocked;
          pnl = dynmargin::scenario_pnl(table.terms, table.states,
                                        dynmargin::timestamp_us{std::chrono::microseconds{valuation_us}}, set);
        }
        return array_of(pnl);
      },
      "names"_a, "underlying"_a, "kinds"_a, "contract_size"_a, "price"_a, "option_types"_a, "strike"_a, "expiry"_a,
      "has_expiry"_a, "volatility"_a, "valuation_us"_a, "scenario_names"_a, "price_return"_a, "volatility_shock"_a,
      "weight"_a, "mode"_a, "short_power"_a, "long_power"_a, "power_switch_days"_a, "reference_days"_a, "floor_days"_a,
      "The USD P&L of one contract of each instrument (columns) in each scenario (rows).");

  module.def(
      "instrument_deltas",
      [](const std::vector<std::string>& names, const int_array& underlying, const std::vector<std::string>& kinds,
         const float_array& contract_size, const float_array& price, const std::vector<std::string>& option_types,
         const float_array& strike, const int_array& expiry, const flag_array& has_expiry,
         const float_array& volatility, std::int64_t valuation_us) {
        const instrument_table table = table_of(names, underlying, kinds, contract_size, price, option_types, strike,
                                                expiry, has_expiry, volatility);
        return array_of(dynmargin::instrument_deltas(table.terms, table.states,
                                                     dynmargin::timestamp_us{std::chrono::microseconds{valuation_us}}));
      },
      "names"_a, "underlying"_a, "kinds"_a, "contract_size"_a, "price"_a, "option_types"_a, "strike"_a, "expiry"_a,
      "has_expiry"_a, "volatility"_a, "valuation_us"_a, "Each instrument's delta per contract, in underlying units.");

  module.def(
      "minimum_delta_charge",
      [](const float_array& positions, const float_array& deltas, double spot, double net_rate, double hedged_rate) {
        return dynmargin::minimum_delta_charge(vector_of(positions, "positions"), vector_of(deltas, "deltas"), spot,
                                               net_rate, hedged_rate);
      },
      "positions"_a, "deltas"_a, "spot"_a, "net_rate"_a = 0.02, "hedged_rate"_a = 0.01,
      "Paradex's minimum delta charge (net_rate |net delta| + hedged_rate hedged delta) x spot.");

  module.def(
      "portfolio_margin",
      [](const float_matrix& pnl_array, const float_array& positions_array, const float_array& weights_array,
         const std::string& measure, double confidence) {
        const auto rule = margin_rule_of(measure, confidence);
        const Eigen::MatrixXd pnl = matrix_of(pnl_array, "pnl");
        const Eigen::VectorXd positions = vector_of(positions_array, "positions");
        const Eigen::VectorXd weights = weights_for(weights_array, rule, pnl.rows());
        dynmargin::scenario_margin_result result;
        {
          py::gil_scoped_release unlocked;
          result = dynmargin::portfolio_margin(pnl, positions, weights, rule);
        }
        return dict_of(result);
      },
      "pnl"_a, "positions"_a, "weights"_a, "measure"_a, "confidence"_a,
      "The margin of positions against a scenario P&L matrix, and its binding scenario.");

  module.def(
      "attribute_margin",
      [](const float_matrix& pnl_array, const float_array& positions_array, const float_array& weights_array,
         const std::string& measure, double confidence) {
        const auto rule = margin_rule_of(measure, confidence);
        const Eigen::MatrixXd pnl = matrix_of(pnl_array, "pnl");
        const Eigen::VectorXd positions = vector_of(positions_array, "positions");
        const Eigen::VectorXd weights = weights_for(weights_array, rule, pnl.rows());
        dynmargin::margin_attribution a;
        {
          py::gil_scoped_release unlocked;
          a = dynmargin::attribute_margin(pnl, positions, weights, rule);
        }
        py::dict out = dict_of(a.total);
        out["component"] = array_of(a.component);
        out["incremental"] = array_of(a.incremental);
        out["standalone"] = array_of(a.standalone);
        out["netting_benefit"] = a.netting_benefit;
        return out;
      },
      "pnl"_a, "positions"_a, "weights"_a, "measure"_a, "confidence"_a,
      "Euler attribution of the margin to positions, with incremental and standalone margins.");

  module.def(
      "margin_accounts",
      [](const float_matrix& positions_array, const float_matrix& pnl_array, const float_array& weights_array,
         const std::string& measure, double confidence, std::int64_t threads,
         const std::vector<std::string>& account_names, const std::vector<std::int64_t>& groups) {
        const auto rule = margin_rule_of(measure, confidence);
        if (threads < 0) dynmargin::throw_invalid_argument("margin_accounts", "threads", "must be >= 0", threads);
        const Eigen::MatrixXd positions = matrix_of(positions_array, "positions");
        const Eigen::MatrixXd pnl = matrix_of(pnl_array, "pnl");
        const Eigen::VectorXd weights = weights_for(weights_array, rule, pnl.rows());
        const auto accounts = static_cast<std::size_t>(positions.rows());
        auto margin = nan_array(accounts);
        auto worst_loss = nan_array(accounts);
        int_array binding(static_cast<py::ssize_t>(accounts));
        int_array tail(static_cast<py::ssize_t>(accounts));
        int_array binding_group(static_cast<py::ssize_t>(accounts));
        std::vector<std::size_t> group_of;
        for (std::size_t i = 0; i < groups.size(); ++i) {
          if (groups[i] < 0)
            dynmargin::throw_invalid_argument("margin_accounts", element_name("groups", i), "must be >= 0", groups[i]);
          group_of.push_back(static_cast<std::size_t>(groups[i]));
        }
        const auto out_margin = writable(margin);
        const auto out_worst = writable(worst_loss);
        std::int64_t* const out_binding = binding.mutable_data();
        std::int64_t* const out_tail = tail.mutable_data();
        std::int64_t* const out_group = binding_group.mutable_data();
        {
          py::gil_scoped_release unlocked;
          dynmargin::check_positions_matrix(positions, account_names);
          dynmargin::many_accounts_settings settings;
          settings.rule = rule;
          settings.threads = static_cast<unsigned>(threads);
          settings.groups = group_of;
          const auto results = dynmargin::margin_accounts(positions, pnl, weights, settings);
          for (std::size_t a = 0; a < results.size(); ++a) {
            out_margin[a] = results[a].margin;
            out_worst[a] = results[a].worst_loss;
            out_binding[a] = static_cast<std::int64_t>(results[a].binding_scenario);
            out_tail[a] = static_cast<std::int64_t>(results[a].tail_scenarios);
            out_group[a] = static_cast<std::int64_t>(results[a].binding_group);
          }
        }
        py::dict out;
        out["margin"] = margin;
        out["binding_scenario"] = binding;
        out["worst_loss"] = worst_loss;
        out["tail_scenarios"] = tail;
        out["binding_group"] = binding_group;
        return out;
      },
      "positions"_a, "pnl"_a, "weights"_a, "measure"_a, "confidence"_a, "threads"_a, "account_names"_a, "groups"_a,
      "The margin of every account (rows of positions) against a scenario P&L matrix, over threads.");

  module.def(
      "dynamic_filtered_historical_scenarios",
      [](const float_matrix& returns, const std::vector<std::string>& row_names,
         const std::vector<std::string>& underlyings, const std::string& config_text, const std::string& config_source,
         const std::vector<int_array>& times, const std::vector<float_array>& prices, const std::string& measure,
         double confidence, double lam, std::int64_t warmup, double iv_sensitivity) {
        constexpr std::string_view component = "dynamic_scenarios";
        const Eigen::MatrixXd matrix = matrix_of(returns, "returns");
        if (static_cast<Eigen::Index>(underlyings.size()) != matrix.cols())
          dynmargin::throw_invalid_argument(component, "underlyings",
                                            "must name every column of returns (" + std::to_string(matrix.cols()) + ")",
                                            underlyings.size());
        check_length(times.size(), underlyings.size(), component, "times");
        check_length(prices.size(), underlyings.size(), component, "prices");
        std::vector<dynmargin::underlying_prices> series;
        for (std::size_t u = 0; u < underlyings.size(); ++u) {
          const auto t = span_of(times[u], "times");
          const auto p = span_of(prices[u], "prices");
          dynmargin::underlying_prices history{underlyings[u], {}, {p.begin(), p.end()}, config_source};
          for (const std::int64_t us : t) history.times.emplace_back(std::chrono::microseconds{us});
          series.push_back(std::move(history));
        }
        const nlohmann::json config = dynmargin::parse_config_json(config_text, config_source);
        dynmargin::dynamic_portfolio_settings settings;
        settings.rule = margin_rule_of(measure, confidence);
        settings.iv_lambda = lam;
        settings.iv_sensitivity = iv_sensitivity;
        std::optional<dynmargin::dynamic_portfolio_margin<dynmargin::runtime_margin_function>> dynamic;
        {
          py::gil_scoped_release unlocked;
          dynmargin::standardised_scenarios standardised = dynmargin::filtered_historical_residuals(
              matrix, {lam, warmup, 1, iv_sensitivity}, row_names);
          std::vector<dynmargin::runtime_margin_function> functions;
          try {
            functions = dynmargin::run_margin_functions(config, underlyings, series);
          } catch (const dynmargin::invalid_argument& e) {
            throw dynmargin::invalid_argument(std::string(e.what()) + " (in " + config_source + ")");
          }
          // No instruments: the caller revalues its own book with scenario_pnl.
          dynamic.emplace(underlyings, std::move(functions), std::vector<dynmargin::instrument>{},
                          std::move(standardised), settings);
          dynamic->refresh(dynmargin::timestamp_us{}, {});
        }
        py::dict out = dict_of(dynamic->scenarios());
        py::dict functions;
        std::vector<double> initial_rate;
        std::vector<double> maintenance_rate;
        std::vector<double> raw_rate;
        std::vector<double> scale;
        std::vector<std::string> binding_policy;
        std::vector<bool> price_suspect;
        for (const auto& r : dynamic->reports()) {
          initial_rate.push_back(r.initial_rate);
          maintenance_rate.push_back(r.maintenance_rate);
          raw_rate.push_back(r.raw_rate);
          scale.push_back(r.scale);
          binding_policy.emplace_back(r.quote.binding);
          price_suspect.push_back(r.price_suspect);
        }
        functions["initial_rate"] = initial_rate;
        functions["maintenance_rate"] = maintenance_rate;
        functions["raw_rate"] = raw_rate;
        functions["scale"] = scale;
        functions["binding_policy"] = binding_policy;
        functions["price_suspect"] = price_suspect;
        out["functions"] = functions;
        return out;
      },
      "returns"_a, "row_names"_a, "underlyings"_a, "config_text"_a, "config_source"_a, "times"_a, "prices"_a,
      "measure"_a, "confidence"_a, "lam"_a, "warmup"_a, "iv_sensitivity"_a,
      "Filtered historical residuals scaled to each underlying's margin function's rate.");
}

}  // namespace dynmargin_python
