// SPDX-License-Identifier: MIT
// JSON configuration -> margin engine: one margin_function instantiation (a volatility model
// and a risk measure chosen at run time, and a dynamic_policy_chain) serves every config.
// Used by `dynmargin margin` and `dynmargin backtest --config`. Schema: docs/margin.md.
//
//   auto engine = dynmargin_cli::build_margin_engine(nlohmann::json::parse(text));
//   engine.function.update(time, price);            // noexcept, status
//   auto q = engine.function.quote_notional(1e6);    // margin_quote
//   auto path = dynmargin::replay_quotes(engine.function, times, prices, notional);  // backtest/replay.hpp
//
// Errors: dynmargin::invalid_argument, "margin config: <field path> <what>, got <value>".
//
// GCC 12 may report a false -Wmaybe-uninitialized where it inlines the move of any_risk (a
// std::variant whose alternatives hold vectors); a translation unit that includes this header
// should disable that warning before its first include (see cmd_margin.cpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "dynmargin/core/bar_sampler.hpp"
#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/filtered_historical.hpp"
#include "dynmargin/risk/historical.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/rolling.hpp"

namespace dynmargin_cli {

namespace engine_support {
/// The state of the alternative `model` holds, as the matching alternative of `State`.
template <class State, class Variant>
[[nodiscard]] State state_of(const Variant& model) noexcept {
  return std::visit([](const auto& m) { return State(m.state()); }, model);
}
/// Restores the alternative `model` holds from `saved`, which must hold that alternative's state.
/// @throws dynmargin::invalid_argument naming `what` when it holds another one.
template <class Variant, class State>
void restore_alternative(Variant& model, const State& saved, const char* what) {
  std::visit(
      [&](auto& m) {
        using S = typename std::remove_cvref_t<decltype(m)>::state_type;
        const S* s = std::get_if<S>(&saved);
        if (s == nullptr) throw dynmargin::invalid_argument(std::string("margin engine: ") + what);
        m.restore(*s);
      },
      model);
}
}  // namespace engine_support

/// A volatility model chosen at run time (EWMA, rolling, GARCH/GJR); a volatility_model.
class any_volatility {
 public:
  using model_concept = dynmargin::volatility_model_tag;
  using model_variant =
      std::variant<dynmargin::ewma_volatility, dynmargin::rolling_volatility, dynmargin::garch_volatility>;
  using state_type = std::variant<dynmargin::ewma_volatility::state_type, dynmargin::rolling_volatility::state_type,
                                  dynmargin::garch_volatility::state_type>;

  template <class Model>
  explicit any_volatility(Model model) : model_(std::move(model)) {}

  dynmargin::status update(double r) noexcept {
    return std::visit([r](auto& m) { return m.update(r); }, model_);
  }
  [[nodiscard]] double variance() const noexcept {
    return std::visit([](const auto& m) { return static_cast<double>(m.variance()); }, model_);
  }
  [[nodiscard]] double variance(std::int64_t steps) const noexcept {
    return std::visit([steps](const auto& m) { return static_cast<double>(m.variance(steps)); }, model_);
  }
  [[nodiscard]] std::int64_t observations() const noexcept {
    return std::visit([](const auto& m) { return static_cast<std::int64_t>(m.observations()); }, model_);
  }
  [[nodiscard]] bool ready() const noexcept {
    return std::visit([](const auto& m) { return m.ready(); }, model_);
  }
  /// The model's conditional mean (GARCH's mu, else 0), as dynmargin::volatility_mean reads it.
  [[nodiscard]] double mean() const noexcept {
    return std::visit([](const auto& m) { return dynmargin::volatility_mean(m); }, model_);
  }
  [[nodiscard]] state_type state() const { return engine_support::state_of<state_type>(model_); }
  void restore(const state_type& saved) {
    engine_support::restore_alternative(model_, saved, "volatility state is of another model");
  }
  [[nodiscard]] const model_variant& model() const noexcept { return model_; }

 private:
  model_variant model_;
};

/// A risk measure chosen at run time (parametric, historical, filtered historical, EVT); a
/// streaming_risk_measure over any_volatility.
class any_risk {
 public:
  using model_concept = dynmargin::risk_measure_tag;
  using measure_variant = std::variant<dynmargin::parametric_risk, dynmargin::historical_risk,
                                       dynmargin::filtered_historical_risk, dynmargin::evt_risk>;
  using state_type = std::variant<dynmargin::parametric_risk::state_type, dynmargin::historical_risk::state_type,
                                  dynmargin::filtered_historical_risk::state_type, dynmargin::evt_risk::state_type>;

  template <class Measure>
  explicit any_risk(Measure measure) : measure_(std::move(measure)) {}

  template <dynmargin::volatility_model Vol>
  dynmargin::status observe(double r, const Vol& vol) noexcept {
    return std::visit([&](auto& m) { return m.observe(r, vol); }, measure_);
  }
  template <dynmargin::volatility_model Vol>
  [[nodiscard]] dynmargin::risk_estimate estimate(const Vol& vol, dynmargin::position_side side) const noexcept {
    return std::visit([&](const auto& m) { return m.estimate(vol, side); }, measure_);
  }
  /// Batch form for the sample methods (the concept's shape); parametric has no sample form.
  [[nodiscard]] dynmargin::risk_estimate from_sample(std::span<const double> sample) const {
    return std::visit(
        [&](const auto& m) -> dynmargin::risk_estimate {
          if constexpr (requires { m.from_sample(sample); }) {
            return m.from_sample(sample);
          } else {
            throw dynmargin::invalid_argument("margin engine: the parametric risk measure has no sample form");
          }
        },
        measure_);
  }
  [[nodiscard]] std::int64_t horizon_steps() const noexcept {
    return std::visit([](const auto& m) { return static_cast<std::int64_t>(m.horizon_steps()); }, measure_);
  }
  [[nodiscard]] bool ready() const noexcept {
    return std::visit(
        [](const auto& m) {
          if constexpr (requires { m.ready(); }) return m.ready();
          else return true;
        },
        measure_);
  }
  [[nodiscard]] state_type state() const { return engine_support::state_of<state_type>(measure_); }
  void restore(const state_type& saved) {
    engine_support::restore_alternative(measure_, saved, "risk state is of another measure");
  }

 private:
  measure_variant measure_;
};

using margin_engine_function = dynmargin::margin_function<any_volatility, any_risk, dynmargin::dynamic_policy_chain>;

/// What build_margin_engine returns: the function and how its breakdown maps to the config.
struct margin_engine {
  margin_engine_function function;
  /// The config's "bar": prices are sampled into bars of this length before the function sees
  /// them (core/bar_sampler.hpp), and every count in the config is a count of bars. Empty: the
  /// function sees every price and counts updates.
  std::optional<dynmargin::duration> bar;
  std::vector<std::string> policy_types;     ///< "type" of config policy i
  std::vector<std::size_t> breakdown_index;  ///< breakdown entry of config policy i

  /// Column name of config policy i: "<i>_<type>".
  [[nodiscard]] std::string column(std::size_t i) const { return std::to_string(i) + "_" + policy_types[i]; }
  /// "risk", or the column name of the policy a quote says binds.
  [[nodiscard]] std::string binding(const dynmargin::margin_quote& q) const {
    if (q.binding_index < 0) return "risk";
    for (std::size_t i = 0; i < breakdown_index.size(); ++i) {
      if (breakdown_index[i] == static_cast<std::size_t>(q.binding_index)) return column(i);
    }
    return std::string(q.binding);
  }
  /// The initial rate after config policy i in a ready quote.
  [[nodiscard]] double initial_after(const dynmargin::margin_quote& q, std::size_t i) const {
    return q.breakdown[breakdown_index[i]].initial_after;
  }
};

namespace margin_config_support {

using json = nlohmann::json;

[[noreturn]] inline void fail(const std::string& message) {
  throw dynmargin::invalid_argument("margin config: " + message);
}

/// Reads the fields of one JSON object, naming `path.field` in every error.
class fields {
 public:
  fields(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) fail(path_ + " must be an object, got " + object_.dump());
  }
  [[nodiscard]] bool has(const char* name) const { return object_.contains(name) && !object_.at(name).is_null(); }
  [[nodiscard]] const json& at(const char* name) const {
    if (!object_.contains(name)) fail(name_of(name) + " is missing");
    return object_.at(name);
  }
  [[nodiscard]] double number(const char* name) const {
    const json& v = at(name);
    if (!v.is_number()) fail(name_of(name) + " must be a number, got " + v.dump());
    return v.get<double>();
  }
  [[nodiscard]] double number_or(const char* name, double fallback) const {
    return has(name) ? number(name) : fallback;
  }
  [[nodiscard]] bool flag_or(const char* name, bool fallback) const {
    if (!has(name)) return fallback;
    const json& v = at(name);
    if (!v.is_boolean()) fail(name_of(name) + " must be true or false, got " + v.dump());
    return v.get<bool>();
  }
  /// A number, or null / absent for +infinity.
  [[nodiscard]] double number_or_infinity(const char* name) const {
    return has(name) ? number(name) : std::numeric_limits<double>::infinity();
  }
  [[nodiscard]] std::int64_t integer(const char* name) const {
    const json& v = at(name);
    if (!v.is_number_integer()) fail(name_of(name) + " must be an integer, got " + v.dump());
    return v.get<std::int64_t>();
  }
  [[nodiscard]] std::int64_t integer_or(const char* name, std::int64_t fallback) const {
    return has(name) ? integer(name) : fallback;
  }
  /// A count of updates (bars when the config has a "bar"): an integer, or a duration string
  /// ("24h") converted to whole bars of the config's "bar", which it then requires.
  [[nodiscard]] std::int64_t steps(const char* name) const {
    const json& v = at(name);
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (!v.is_string())
      fail(name_of(name) + " must be an integer (updates) or a duration such as \"24h\", got " + v.dump());
    const std::string text = v.get<std::string>();
    const dynmargin::duration span = dynmargin::parse_duration(text, "margin config", name_of(name));
    if (!config_bar) {
      fail(name_of(name) +
           " is a duration, which needs config.bar (the bar length prices are sampled into, "
           "e.g. \"1h\"), got \"" +
           text + "\"");
    }
    return dynmargin::bars_in(span, *config_bar, "margin config", name_of(name));
  }
  [[nodiscard]] std::int64_t steps_or(const char* name, std::int64_t fallback) const {
    return has(name) ? steps(name) : fallback;
  }
  /// The bar length of the config being read (set by build_margin_engine while it reads).
  static inline thread_local std::optional<dynmargin::duration> config_bar;
  [[nodiscard]] std::string text(const char* name) const {
    const json& v = at(name);
    if (!v.is_string()) fail(name_of(name) + " must be a string, got " + v.dump());
    return v.get<std::string>();
  }
  [[nodiscard]] std::string text_or(const char* name, const std::string& fallback) const {
    return has(name) ? text(name) : fallback;
  }
  /// One of `choices`; returns its position.
  [[nodiscard]] std::size_t choice(const char* name, std::initializer_list<const char*> choices,
                                   std::size_t fallback) const {
    if (!has(name)) return fallback;
    const std::string value = text(name);
    std::size_t i = 0;
    std::string listed;
    for (const char* c : choices) {
      if (value == c) return i;
      listed += (i == 0 ? "" : ", ") + std::string(c);
      ++i;
    }
    fail(name_of(name) + " must be one of " + listed + ", got \"" + value + "\"");
  }
  /// Rejects fields not in `known` (typos would otherwise be silently ignored).
  void only(std::initializer_list<const char*> known) const {
    for (const auto& item : object_.items()) {
      bool found = false;
      for (const char* k : known) found = found || item.key() == k;
      if (!found) fail(path_ + " has an unknown field \"" + item.key() + "\"");
    }
  }
  [[nodiscard]] std::string name_of(const char* name) const { return path_ + "." + name; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  const json& object_;
  std::string path_;
};

/// A rate or factor: a number, or a schedule [{"time": t, "value": v}, ...].
inline dynmargin::parameter_schedule schedule(const fields& f, const char* name) {
  const json& v = f.at(name);
  if (v.is_number()) return dynmargin::parameter_schedule(v.get<double>());
  if (!v.is_array()) fail(f.name_of(name) + " must be a number or a list of {\"time\", \"value\"}, got " + v.dump());
  std::vector<dynmargin::schedule_knot> knots;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const fields knot(v[i], f.name_of(name) + "[" + std::to_string(i) + "]");
    knots.push_back({knot.integer("time"), knot.number("value")});
  }
  return dynmargin::parameter_schedule(std::move(knots));
}

inline any_volatility volatility(const json& object) {
  const fields f(object, "volatility");
  const std::size_t model = f.choice("model", {"ewma", "rolling", "garch", "gjr"}, 0);
  if (!f.has("model")) fail("volatility.model is missing");
  if (model == 0) {
    f.only({"model", "lambda", "half_life", "start", "warmup", "initial_variance", "burn_in"});
    dynmargin::ewma_volatility_config c;
    c.lambda = dynmargin::decay_factor(f.number_or("lambda", 0.94), "ewma", "lambda");
    if (f.has("half_life")) {
      // A half-life in bars (an integer) or in time ("2d"): lambda = 0.5^(1 / bars).
      if (f.has("lambda")) fail("volatility: give lambda or half_life, not both");
      const std::int64_t bars = f.steps("half_life");
      if (bars < 1) fail(f.name_of("half_life") + " must be at least one bar, got " + std::to_string(bars));
      c.lambda = dynmargin::decay_from_half_life(dynmargin::duration{bars}, dynmargin::duration{1}, "volatility",
                                                 "half_life");
    }
    c.start = static_cast<dynmargin::ewma_start>(
        f.choice("start", {"first_squared_return", "warmup_window", "given"}, 0));
    c.warmup = f.steps_or("warmup", 0);
    c.initial_variance = f.number_or("initial_variance", 0.0);
    c.burn_in = f.steps_or("burn_in", 0);
    return any_volatility(dynmargin::ewma_volatility(c));
  }
  if (model == 1) {
    f.only({"model", "window", "mean"});
    dynmargin::rolling_volatility_config c;
    c.window = f.steps("window");
    c.mean = static_cast<dynmargin::rolling_mean>(f.choice("mean", {"zero", "sample"}, 0));
    return any_volatility(dynmargin::rolling_volatility(c));
  }
  f.only({"model", "omega", "alpha", "beta", "gamma", "mu", "nu", "innovation", "initial_variance", "units",
          "allow_nonstationary"});
  const bool percent = f.choice("units", {"fraction", "percent"}, 0) == 1;
  const double scale = percent ? 1e-4 : 1.0;  // parameters fitted on percent returns -> fractions
  dynmargin::garch_volatility_config c;
  c.parameters.omega = f.number("omega") * scale;
  c.parameters.alpha = f.number("alpha");
  c.parameters.beta = f.number("beta");
  c.parameters.gamma = model == 3 ? f.number("gamma") : f.number_or("gamma", 0.0);
  c.parameters.mu = f.number_or("mu", 0.0) * (percent ? 0.01 : 1.0);
  c.parameters.nu = f.number_or("nu", 0.0);
  c.innovation = static_cast<dynmargin::distribution_shape>(f.choice("innovation", {"normal", "student_t"}, 0));
  c.asymmetric = model == 3;
  c.initial_variance = f.number_or("initial_variance", 0.0) * scale;
  // Margin rests on multi-step variance forecasts, which a persistence >= 1 makes grow without
  // bound (an unconstrained fit can return one: BTC daily t, 1.078); refused unless asked for.
  const double persistence = dynmargin::garch_persistence(c.parameters);
  if (!(persistence < 1.0) && !f.flag_or("allow_nonstationary", false)) {
    fail(
        "volatility: persistence alpha + gamma/2 + beta must be < 1 for a margin model (set "
        "\"allow_nonstationary\": true to accept a non-stationary model), got " +
        format_double(persistence));
  }
  return any_volatility(dynmargin::garch_volatility(c));
}

inline std::pair<any_risk, dynmargin::risk_statistic> risk(const json& object) {
  const fields f(object, "risk");
  if (!f.has("method")) fail("risk.method is missing");
  const std::size_t method = f.choice("method", {"parametric", "historical", "fhs", "evt"}, 0);
  const auto statistic = static_cast<dynmargin::risk_statistic>(f.choice("statistic", {"es", "var"}, 0));
  const double confidence = f.number_or("confidence", 0.99);
  const std::int64_t horizon = f.steps_or("horizon", 1);
  if (method == 0) {
    f.only(
        {"method", "statistic", "confidence", "horizon", "dist", "nu", "skewness", "excess_kurtosis", "horizon_rule"});
    dynmargin::parametric_risk_config c;
    c.confidence = dynmargin::confidence_level(confidence, "parametric_risk", "confidence");
    c.horizon_steps = dynmargin::horizon(horizon, "parametric_risk", "horizon_steps");
    c.distribution = static_cast<dynmargin::risk_distribution>(
        f.choice("dist", {"normal", "student_t", "cornish_fisher"}, 0));
    c.nu = f.number_or("nu", 4.0);
    c.skewness = f.number_or("skewness", 0.0);
    c.excess_kurtosis = f.number_or("excess_kurtosis", 0.0);
    c.horizon = f.choice("horizon_rule", {"volatility_model", "square_root_of_time"}, 0) == 0
                    ? dynmargin::horizon_rule::volatility_model
                    : dynmargin::horizon_rule::square_root_of_time;
    return {any_risk(dynmargin::parametric_risk(c)), statistic};
  }
  if (method == 3) {
    f.only({"method", "statistic", "confidence", "horizon", "window", "tail_fraction", "min_exceedances",
            "refit_interval"});
    dynmargin::evt_risk_config c;
    c.confidence = dynmargin::confidence_level(confidence, "evt_risk", "confidence");
    c.horizon = dynmargin::horizon(horizon, "evt_risk", "horizon");
    c.window = f.steps_or("window", 1000);
    c.tail.tail_fraction = f.number_or("tail_fraction", 0.10);
    c.tail.min_exceedances = f.integer_or("min_exceedances", 30);
    c.refit_interval = f.steps_or("refit_interval", 1);
    return {any_risk(dynmargin::evt_risk(c)), statistic};
  }
  const auto quantile = static_cast<dynmargin::quantile_method>(f.choice("quantile", {"type1", "type7"}, 1));
  const auto es = static_cast<dynmargin::es_method>(f.choice("es", {"tail_mean", "acerbi_tasche"}, 0));
  const auto rule = f.choice("horizon_rule", {"overlapping_sums", "square_root_of_time"}, 0) == 0
                        ? dynmargin::horizon_rule::overlapping_sums
                        : dynmargin::horizon_rule::square_root_of_time;
  if (method == 1) {
    f.only({"method", "statistic", "confidence", "horizon", "window", "quantile", "es", "horizon_rule", "age_decay"});
    dynmargin::historical_risk_config c;
    c.confidence = dynmargin::confidence_level(confidence, "historical_risk", "confidence");
    c.horizon_steps = dynmargin::horizon(horizon, "historical_risk", "horizon_steps");
    c.window = f.steps_or("window", 500);
    c.quantile = quantile;
    c.es = es;
    c.horizon = rule;
    c.age_decay = f.number_or("age_decay", 1.0);
    return {any_risk(dynmargin::historical_risk(c)), statistic};
  }
  f.only({"method", "statistic", "confidence", "horizon", "window", "quantile", "es", "horizon_rule", "scale_floor",
          "scale_cap", "min_residuals"});
  dynmargin::filtered_historical_risk_config c;
  c.confidence = dynmargin::confidence_level(confidence, "filtered_historical_risk", "confidence");
  c.horizon_steps = dynmargin::horizon(horizon, "filtered_historical_risk", "horizon_steps");
  c.window = f.steps_or("window", 500);
  c.quantile = quantile;
  c.es = es;
  c.horizon = rule;
  c.scale_floor = f.number_or("scale_floor", 0.0);
  c.scale_cap = f.number_or_infinity("scale_cap");
  c.min_residuals = f.integer_or("min_residuals", 0);
  return {any_risk(dynmargin::filtered_historical_risk(c)), statistic};
}

inline dynmargin::combine_rule combine(const fields& f, dynmargin::combine_rule fallback) {
  const std::size_t def = fallback == dynmargin::combine_rule::floor ? 0 : 1;
  return f.choice("combine", {"floor", "add"}, def) == 0 ? dynmargin::combine_rule::floor
                                                         : dynmargin::combine_rule::add;
}
inline dynmargin::size_measure measure(const fields& f, dynmargin::size_measure fallback) {
  const std::size_t def = fallback == dynmargin::size_measure::quantity ? 0 : 1;
  return f.choice("measure", {"quantity", "notional"}, def) == 0 ? dynmargin::size_measure::quantity
                                                                 : dynmargin::size_measure::notional;
}

/// A rate field (absent: `fallback`), named after the policy `component` in its error.
inline dynmargin::rate rate_or(const fields& f, const char* component, const char* name, dynmargin::rate fallback) {
  return dynmargin::rate(f.number_or(name, fallback.value()), component, name);
}

using rate_variant = dynmargin::dynamic_policy_chain::rate_variant;
using position_variant = dynmargin::dynamic_policy_chain::position_variant;

/// The default lookback of "lookback_floor": 10 years of the config's bars (EMIR Art. 28(1)(c)),
/// rounded up to whole bars; with no bar the reader cannot turn years into updates, and the
/// default is the whole history (0), which is at least as long as the data.
inline std::int64_t ten_years_of_bars() {
  if (!fields::config_bar) return 0;
  const std::int64_t span = std::chrono::duration_cast<dynmargin::duration>(std::chrono::days{3650}).count();
  const std::int64_t bar = fields::config_bar->count();
  return bar > 0 ? (span + bar - 1) / bar : 0;
}

inline constexpr std::initializer_list<const char*> policy_types = {"floor",
                                                                    "cap",
                                                                    "max_leverage",
                                                                    "scale",
                                                                    "maintenance_fraction",
                                                                    "initial_from_maintenance",
                                                                    "apc_buffer",
                                                                    "stressed_weight",
                                                                    "lookback_floor",
                                                                    "peak_ratchet",
                                                                    "speed_limit",
                                                                    "release_limit",
                                                                    "hysteresis",
                                                                    "tiers",
                                                                    "step_risk_limit",
                                                                    "deribit_size_addon",
                                                                    "impact_curve",
                                                                    "oi_scaling",
                                                                    "liquidity",
                                                                    "depth_curve"};

/// One policy object: a rate policy or a position policy.
inline std::variant<rate_variant, position_variant> policy(const fields& f, double top_maintenance_fraction) {
  const std::string type = f.text("type");
  using namespace dynmargin;
  if (type == "floor") {
    f.only({"type", "rate"});
    return rate_variant(floor_policy(schedule(f, "rate")));
  }
  if (type == "cap") {
    f.only({"type", "rate"});
    return rate_variant(cap_policy(schedule(f, "rate")));
  }
  if (type == "max_leverage") {
    f.only({"type", "leverage"});
    return rate_variant(max_leverage_policy(f.number("leverage")));
  }
  if (type == "scale") {
    f.only({"type", "factor"});
    return rate_variant(scale_policy(schedule(f, "factor")));
  }
  if (type == "maintenance_fraction") {
    f.only({"type", "fraction"});
    return rate_variant(maintenance_fraction_policy(f.number("fraction")));
  }
  if (type == "initial_from_maintenance") {
    f.only({"type", "ratio"});
    return rate_variant(initial_from_maintenance_policy(f.number_or("ratio", 1.1)));
  }
  if (type == "apc_buffer") {
    f.only({"type", "buffer", "rebuild", "lookback", "stress_threshold", "release_threshold"});
    apc_buffer_policy_config c;
    c.buffer = f.number("buffer");
    c.rebuild = f.number_or("rebuild", c.rebuild);
    c.lookback = f.steps_or("lookback", c.lookback);
    c.stress_threshold = f.number_or("stress_threshold", c.stress_threshold);
    c.release_threshold = f.number_or("release_threshold", c.release_threshold);
    return rate_variant(apc_buffer_policy(c));
  }
  if (type == "stressed_weight") {
    f.only({"type", "weight", "window", "lookback"});
    stressed_weight_policy_config c;
    c.weight = f.number("weight");
    c.window = f.steps_or("window", c.window);
    c.lookback = f.steps_or("lookback", c.lookback);
    return rate_variant(stressed_weight_policy(c));
  }
  if (type == "lookback_floor") {
    f.only({"type", "lookback", "rule"});
    const auto rule = f.choice("rule", {"long_run_volatility", "maximum"}, 0) == 0
                          ? lookback_floor_rule::long_run_volatility
                          : lookback_floor_rule::maximum;
    return rate_variant(lookback_floor_policy(f.steps_or("lookback", ten_years_of_bars()), rule));
  }
  if (type == "peak_ratchet") {
    f.only({"type", "lookback"});
    return rate_variant(peak_ratchet_policy(f.steps("lookback")));
  }
  if (type == "speed_limit") {
    f.only({"type", "max_increase", "window", "max_windows_behind"});
    return rate_variant(
        speed_limit_policy(f.number("max_increase"), f.steps("window"), f.integer_or("max_windows_behind", 10)));
  }
  if (type == "release_limit") {
    f.only({"type", "max_decrease", "window", "max_windows_behind"});
    return rate_variant(
        release_limit_policy(f.number("max_decrease"), f.steps("window"), f.integer_or("max_windows_behind", 10)));
  }
  if (type == "hysteresis") {
    f.only({"type", "band"});
    return rate_variant(hysteresis_policy(f.number("band")));
  }
  if (type == "tiers") {
    f.only({"type", "brackets", "initial", "boundary", "combine", "maintenance_fraction"});
    const json& list = f.at("brackets");
    if (!list.is_array() || list.empty()) fail(f.name_of("brackets") + " must be a non-empty list, got " + list.dump());
    size_tiers_policy_config c;
    std::vector<leverage_tier> by_leverage;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const fields b(list[i], f.name_of("brackets") + "[" + std::to_string(i) + "]");
      b.only({"notional_cap", "max_leverage", "maintenance_rate"});
      const double cap = b.number_or_infinity("notional_cap");
      if (b.has("maintenance_rate")) {
        c.brackets.push_back({cap, b.number("max_leverage"), b.number("maintenance_rate")});
      } else {
        by_leverage.push_back({cap, b.number("max_leverage")});
      }
    }
    if (!by_leverage.empty()) {
      if (!c.brackets.empty()) fail(f.name_of("brackets") + " must give maintenance_rate in every bracket or in none");
      c.brackets = brackets_from_leverage(by_leverage, f.number_or("maintenance_fraction", top_maintenance_fraction));
    }
    c.initial = f.choice("initial", {"whole_position", "continuous"}, 0) == 0 ? tier_initial_rule::whole_position
                                                                              : tier_initial_rule::continuous;
    c.boundary = f.choice("boundary", {"cap_inclusive", "floor_inclusive"}, 0) == 0 ? tier_boundary::cap_inclusive
                                                                                    : tier_boundary::floor_inclusive;
    c.combine = combine(f, combine_rule::floor);
    return position_variant(size_tiers_policy(std::move(c)));
  }
  if (type == "step_risk_limit") {
    f.only({"type", "base_limit", "step", "initial_rate", "maintenance_rate", "step_rate", "max_limit", "measure",
            "combine"});
    step_risk_limit_policy_config c;
    c.base_limit = f.number_or("base_limit", c.base_limit);
    c.step = f.number_or("step", c.step);
    c.initial_rate = rate_or(f, "step_risk_limit", "initial_rate", c.initial_rate);
    c.maintenance_rate = rate_or(f, "step_risk_limit", "maintenance_rate", c.maintenance_rate);
    c.step_rate = rate_or(f, "step_risk_limit", "step_rate", c.step_rate);
    c.max_limit = f.number_or_infinity("max_limit");
    c.measure = measure(f, c.measure);
    c.combine = combine(f, c.combine);
    return position_variant(step_risk_limit_policy(c));
  }
  if (type == "deribit_size_addon") {
    f.only({"type", "initial_base", "maintenance_base", "size_rate", "max_rate", "measure", "combine"});
    deribit_size_addon_policy_config c;
    c.initial_base = rate_or(f, "deribit_size_addon", "initial_base", c.initial_base);
    c.maintenance_base = rate_or(f, "deribit_size_addon", "maintenance_base", c.maintenance_base);
    c.size_rate = rate_or(f, "deribit_size_addon", "size_rate", c.size_rate);
    c.max_rate = rate_or(f, "deribit_size_addon", "max_rate", c.max_rate);
    c.measure = measure(f, c.measure);
    c.combine = combine(f, c.combine);
    return position_variant(deribit_size_addon_policy(c));
  }
  if (type == "impact_curve") {
    f.only({"type", "coefficient", "daily_volatility", "impact_scale", "average_daily_volume", "measure",
            "maintenance_share", "max_rate", "combine"});
    impact_curve_policy_config c;
    if (f.has("daily_volatility")) {
      c = impact_curve_policy_config::from_volatility(f.number("daily_volatility"), f.number("average_daily_volume"),
                                                      f.number_or("impact_scale", 1.0));
    } else {
      c.coefficient = f.number("coefficient");
      c.average_daily_volume = f.number("average_daily_volume");
    }
    c.measure = measure(f, c.measure);
    c.maintenance_share = f.number_or("maintenance_share", c.maintenance_share);
    c.max_rate = rate_or(f, "impact_curve", "max_rate", c.max_rate);
    c.combine = combine(f, c.combine);
    return position_variant(impact_curve_policy(c));
  }
  if (type == "oi_scaling") {
    f.only({"type", "initial_fraction", "maintenance_fraction", "lower_cap", "upper_cap", "base", "open_interest"});
    open_interest_scaling_policy_config c;
    c.initial_fraction = f.number_or("initial_fraction", c.initial_fraction);
    c.maintenance_fraction = f.number_or("maintenance_fraction", c.maintenance_fraction);
    c.lower_cap = f.number_or("lower_cap", c.lower_cap);
    c.upper_cap = f.number_or("upper_cap", c.upper_cap);
    c.base = f.choice("base", {"configured", "incoming"}, 0) == 0 ? oi_base::configured : oi_base::incoming;
    open_interest_scaling_policy p(c);
    const double oi = f.number_or("open_interest", 0.0);
    if (p.set_open_interest(oi) != status::ok) {
      fail(f.name_of("open_interest") + " must be finite and >= 0, got " + format_double(oi));
    }
    return position_variant(p);
  }
  if (type == "liquidity") {
    f.only({"type", "half_spread", "maintenance_share", "combine"});
    half_spread_addon_policy_config c;
    c.half_spread = f.number("half_spread");
    c.maintenance_share = f.number_or("maintenance_share", c.maintenance_share);
    c.combine = combine(f, combine_rule::add);
    return position_variant(half_spread_addon_policy(c));
  }
  if (type == "depth_curve") {
    f.only({"type", "half_spread", "coefficient", "exponent", "depth", "measure", "maintenance_share", "max_rate",
            "combine"});
    depth_curve_addon_policy_config c;
    c.half_spread = f.number_or("half_spread", 0.0);
    c.coefficient = f.number("coefficient");
    c.exponent = f.number_or("exponent", c.exponent);
    c.depth = f.number("depth");
    c.measure = measure(f, c.measure);
    c.maintenance_share = f.number_or("maintenance_share", c.maintenance_share);
    c.max_rate = rate_or(f, "depth_curve", "max_rate", c.max_rate);
    c.combine = combine(f, combine_rule::add);
    return position_variant(depth_curve_addon_policy(c));
  }
  std::string listed;
  for (const char* t : policy_types) listed += (listed.empty() ? "" : ", ") + std::string(t);
  fail(f.name_of("type") + " must be one of " + listed + ", got \"" + type + "\"");
}

}  // namespace margin_config_support

/// Builds the engine a JSON config describes (schema: docs/margin.md).
/// @throws dynmargin::invalid_argument naming the field and the value at fault.
inline margin_engine build_margin_engine(const nlohmann::json& config) {
  namespace d = margin_config_support;
  const d::fields top(config, "config");
  top.only({"volatility", "risk", "maintenance_fraction", "min_returns", "stressed_lookback", "price_guard", "policies",
            "description", "name", "bar"});
  // "bar" first: every duration string in the config is counted in bars of it.
  std::optional<dynmargin::duration> bar;
  if (top.has("bar")) {
    const dynmargin::duration length = dynmargin::parse_duration(top.text("bar"), "margin config", "config.bar");
    if (length.count() % 1'000'000 != 0)
      d::fail("config.bar must be a whole number of seconds, got \"" + top.text("bar") + "\"");
    bar = length;
  }
  struct bar_scope {
    std::optional<dynmargin::duration> saved = d::fields::config_bar;
    explicit bar_scope(std::optional<dynmargin::duration> b) { d::fields::config_bar = b; }
    ~bar_scope() { d::fields::config_bar = saved; }
    bar_scope(const bar_scope&) = delete;
    bar_scope& operator=(const bar_scope&) = delete;
  } scope(bar);
  auto wrap = [](const char* part, auto&& build) {
    try {
      return build();
    } catch (const dynmargin::invalid_argument& e) {
      const std::string what = e.what();
      if (what.rfind("margin config: ", 0) == 0) throw;
      d::fail(std::string(part) + ": " + what);
    }
  };
  auto vol = wrap("volatility", [&] { return d::volatility(top.at("volatility")); });
  auto [measure, statistic] = wrap("risk", [&] { return d::risk(top.at("risk")); });

  dynmargin::margin_function_config fc;
  fc.statistic = statistic;
  fc.maintenance_fraction = top.number_or("maintenance_fraction", 0.5);
  fc.min_returns = top.steps_or("min_returns", 1);
  fc.stressed_lookback = top.steps_or("stressed_lookback", 0);
  // The guard is on by default (price_guard_config's defaults); "price_guard": "none" is the
  // one spelled-out way to turn every check off, and a field left out of the object keeps
  // its default rather than switching its check off.
  if (top.has("price_guard") && top.at("price_guard").is_string()) {
    const std::string value = top.at("price_guard").get<std::string>();
    if (value != "none") d::fail("config.price_guard must be an object or \"none\", got \"" + value + "\"");
    fc.guard = dynmargin::price_guard_config::none();
  } else if (top.has("price_guard")) {
    const dynmargin::price_guard_config defaults{};
    const d::fields g(top.at("price_guard"), "price_guard");
    g.only({"max_age", "max_deviation", "min_sources", "max_jump", "max_staleness", "confirm_after"});
    fc.guard.max_age = g.integer_or("max_age", defaults.max_age);
    fc.guard.max_deviation = g.number_or("max_deviation", defaults.max_deviation);
    const std::int64_t sources = g.integer_or("min_sources", static_cast<std::int64_t>(defaults.min_sources));
    if (sources < 1) d::fail("price_guard.min_sources must be >= 1, got " + std::to_string(sources));
    fc.guard.min_sources = static_cast<std::size_t>(sources);
    fc.guard.max_jump = g.number_or("max_jump", defaults.max_jump);
    // A span of time, not of updates: seconds, or a duration string ("90s", "15m", "2d").
    if (g.has("max_staleness")) {
      const auto& v = g.at("max_staleness");
      if (v.is_number_integer()) {
        fc.guard.max_staleness = v.get<std::int64_t>();
      } else if (v.is_string()) {
        const dynmargin::duration span = dynmargin::parse_duration(v.get<std::string>(), "margin config",
                                                                   "price_guard.max_staleness");
        fc.guard.max_staleness = std::chrono::duration_cast<std::chrono::seconds>(span).count();
      } else {
        d::fail("price_guard.max_staleness must be seconds or a duration such as \"15m\", got " + v.dump());
      }
    }
    // How long a held jump's level must persist: seconds, or a duration string ("2s", "500ms").
    if (g.has("confirm_after")) {
      const auto& v = g.at("confirm_after");
      if (v.is_number_integer() && v.get<std::int64_t>() >= 0 &&
          v.get<std::int64_t>() <= dynmargin::max_abs_time_seconds) {
        fc.guard.confirm_after = std::chrono::seconds{v.get<std::int64_t>()};
      } else if (v.is_string()) {
        fc.guard.confirm_after = dynmargin::parse_duration(v.get<std::string>(), "margin config",
                                                           "price_guard.confirm_after");
      } else {
        d::fail("price_guard.confirm_after must be seconds (>= 0) or a duration such as \"2s\", got " + v.dump());
      }
    }
  }

  std::vector<d::rate_variant> rates;
  std::vector<d::position_variant> positions;
  std::vector<std::string> types;
  std::vector<std::pair<bool, std::size_t>> slots;  // (is_rate, index in its stage)
  if (top.has("policies")) {
    const auto& list = top.at("policies");
    if (!list.is_array()) d::fail("config.policies must be a list, got " + list.dump());
    for (std::size_t i = 0; i < list.size(); ++i) {
      const d::fields f(list[i], "policies[" + std::to_string(i) + "]");
      const std::string type = f.text("type");
      try {
        auto p = d::policy(f, fc.maintenance_fraction);
        if (auto* r = std::get_if<d::rate_variant>(&p)) {
          slots.emplace_back(true, rates.size());
          rates.push_back(std::move(*r));
        } else {
          slots.emplace_back(false, positions.size());
          positions.push_back(std::get<d::position_variant>(std::move(p)));
        }
      } catch (const dynmargin::invalid_argument& e) {
        const std::string what = e.what();
        if (what.rfind("margin config: ", 0) == 0) throw;
        d::fail("policies[" + std::to_string(i) + "] (" + type + "): " + what);
      }
      types.push_back(type);
    }
  }
  const std::size_t rate_count = rates.size();
  std::vector<std::size_t> index;
  for (const auto& [is_rate, k] : slots) index.push_back(is_rate ? k : rate_count + k);
  try {
    return margin_engine{margin_engine_function(fc, std::move(vol), std::move(measure),
                                                dynmargin::dynamic_policy_chain(std::move(rates),
                                                                                std::move(positions))),
                         bar, std::move(types), std::move(index)};
  } catch (const dynmargin::invalid_argument& e) {
    d::fail(e.what());
  }
}

/// A price history sampled into bars: the close and end time of every bar that has a price.
struct bar_series {
  std::vector<dynmargin::timestamp_us> times;
  std::vector<double> prices;
};

/// Samples `prices` at `times` into bars of `bar` (core/bar_sampler.hpp); the end of the
/// data completes the last bar.
/// @throws dynmargin::invalid_argument naming `command` and the row for a time before the previous row's.
inline bar_series sample_into_bars(std::span<const dynmargin::timestamp_us> times, std::span<const double> prices,
                                   dynmargin::duration bar, const std::string& command) {
  dynmargin::bar_sampler sampler(bar);
  bar_series out;
  for (std::size_t i = 0; i < prices.size(); ++i) {
    const dynmargin::bar_sample s = sampler.push(times[i], prices[i]);
    if (s.outcome != dynmargin::status::ok) {
      throw dynmargin::invalid_argument(
          command + ": time at row " + std::to_string(i) + " must not be before the previous row's " +
          dynmargin::format_epoch_seconds(times[i - 1]) + ", got " + dynmargin::format_epoch_seconds(times[i]));
    }
    if (s.completed) {
      out.times.push_back(s.bar.time);
      out.prices.push_back(s.bar.close);
    }
  }
  if (sampler.has_open_bar()) {
    out.times.push_back(sampler.open_bar().time);
    out.prices.push_back(sampler.open_bar().close);
  }
  return out;
}

/// A warning for standard error when a config that counts updates (no "bar") meets a feed
/// whose spacing is irregular (more than 1% of the steps differ from the most common one), so
/// that its windows and horizon are not the spans of time they look like; empty otherwise.
inline std::string irregular_feed_warning(std::span<const dynmargin::timestamp_us> times, const std::string& command) {
  if (times.size() < 3) return {};
  std::map<std::int64_t, std::size_t> counts;  // spacing in microseconds -> steps
  for (std::size_t i = 1; i < times.size(); ++i) ++counts[(times[i] - times[i - 1]).count()];
  auto seconds = [](std::int64_t us) {
    return dynmargin::format_epoch_seconds(dynmargin::timestamp_us{std::chrono::microseconds{us}});
  };
  const auto modal = std::max_element(counts.begin(), counts.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; });
  const std::size_t steps = times.size() - 1;
  const std::size_t off = steps - modal->second;
  if (off * 100 <= steps) return {};
  return command +
         ": warning: the config counts updates (it has no \"bar\") and the feed is irregular: " + std::to_string(off) +
         " of " + std::to_string(steps) + " steps differ from the usual " + seconds(modal->first) + " s (from " +
         seconds(counts.begin()->first) + " to " + seconds(counts.rbegin()->first) +
         " s), so windows and the horizon are not fixed spans of time; set "
         "\"bar\" (e.g. \"1h\") to sample prices into bars\n";
}

/// Reads and builds a config file.
/// @throws dynmargin::invalid_argument for a missing file, invalid JSON or a bad field.
inline margin_engine load_margin_engine(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw dynmargin::invalid_argument("margin config: cannot open \"" + path + "\"");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw dynmargin::invalid_argument("margin config: \"" + path + "\" is not valid JSON: " + e.what());
  }
  return build_margin_engine(config);
}

}  // namespace dynmargin_cli
