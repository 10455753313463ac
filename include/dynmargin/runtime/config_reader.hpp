// SPDX-License-Identifier: MIT
/// @file
/// @brief JSON configuration -> `margin_engine` (runtime/engine.hpp): the reader the
///        command-line tool, the Python module and an embedding program share. Schema:
///        docs/margin.md. Needs nlohmann_json (3.10 or newer); the rest of the library does not.
///
///   auto engine = dynmargin::load_margin_engine("btc.json");   // or build_margin_engine(json)
///   engine.function.update(time, price);                        // noexcept, a status
///   auto q = engine.function.quote_notional(1e6);               // margin_quote
///
/// **Kinds.** Every volatility model, risk measure and policy a config can name is one entry
/// of a registry: its name, the fields it reads, a line of description and a builder that
/// reads them. The reader finds the entry by name, rejects any field the entry does not list
/// (a typo is never silently ignored), and builds. Defaults are those of the library's
/// default-constructed configs: an absent field keeps the config's own default. The lists the
/// command-line tool prints (`dynmargin margin --list-kinds`) and the checked list of
/// docs/margin.md come from the same entries.
///
/// **A program's own policy.** A type satisfying `rate_policy` or `position_policy` with a
/// `static constexpr std::string_view kind` registers itself once, before configs are read:
///
///   static const bool registered = dynmargin::register_policy<my_policy>(
///       {"threshold"}, "my venue's rule",
///       [](const dynmargin::config_fields& f) { return my_policy(f.number("threshold")); });
///
/// and `{"type": "my_policy", "threshold": 0.2}` then loads from any config (wrapped in
/// `any_rate_policy` / `any_position_policy`, runtime/any_policy.hpp).
///
/// **Order.** Policies run in the order the config lists them. Rate policies run on every
/// price and position policies on every quote, after all rate policies; a config listing a
/// rate policy after a position policy describes an order no margin function can run, and is
/// refused naming both.
///
/// **Enums** are spelled as runtime/enum_names.hpp spells them, older aliases accepted.
///
/// Errors: dynmargin::invalid_argument, "margin config: <field path> <what>, got <value>", and
/// for a file, its name.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/runtime/engine.hpp"
#include "dynmargin/runtime/enum_names.hpp"

namespace dynmargin {

/// @brief Throws dynmargin::invalid_argument "margin config: <message>".
[[noreturn]] inline void config_error(const std::string& message) {
  throw invalid_argument("margin config: " + message);
}

/// @brief What the reader knows beyond one object: the config's bar and maintenance ratio.
struct config_context {
  std::optional<duration> bar;        ///< config.bar: durations in the config count these bars
  double maintenance_fraction = 0.5;  ///< config.maintenance_fraction (the tiers' default ratio)
};

/// @brief The fields of one JSON object of a config, each error naming `path.field`.
class config_fields {
 public:
  config_fields(const nlohmann::json& object, std::string path, const config_context& context)
      : object_(object), path_(std::move(path)), context_(context) {
    if (!object_.is_object()) config_error(path_ + " must be an object, got " + excerpt(object_));
  }

  [[nodiscard]] bool has(const char* name) const { return object_.contains(name) && !object_.at(name).is_null(); }
  [[nodiscard]] const nlohmann::json& at(const char* name) const {
    if (!object_.contains(name)) config_error(name_of(name) + " is missing");
    return object_.at(name);
  }
  [[nodiscard]] double number(const char* name) const {
    const nlohmann::json& v = at(name);
    if (!v.is_number()) config_error(name_of(name) + " must be a number, got " + excerpt(v));
    return v.get<double>();
  }
  [[nodiscard]] double number_or(const char* name, double fallback) const {
    return has(name) ? number(name) : fallback;
  }
  /// A number, or null / absent for +infinity.
  [[nodiscard]] double number_or_infinity(const char* name) const {
    return has(name) ? number(name) : std::numeric_limits<double>::infinity();
  }
  [[nodiscard]] bool flag_or(const char* name, bool fallback) const {
    if (!has(name)) return fallback;
    const nlohmann::json& v = at(name);
    if (!v.is_boolean()) config_error(name_of(name) + " must be true or false, got " + excerpt(v));
    return v.get<bool>();
  }
  /// An integer that fits in 64 signed bits (a larger one is refused, not wrapped).
  [[nodiscard]] std::int64_t integer(const char* name) const {
    const nlohmann::json& v = at(name);
    if (!v.is_number_integer()) config_error(name_of(name) + " must be an integer, got " + excerpt(v));
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      config_error(name_of(name) + " must be an integer below 2^63, got " + v.dump());
    }
    return v.get<std::int64_t>();
  }
  [[nodiscard]] std::int64_t integer_or(const char* name, std::int64_t fallback) const {
    return has(name) ? integer(name) : fallback;
  }
  /// A count of updates (bars when the config has a "bar"): an integer, or a duration string
  /// ("24h") converted to whole bars of the config's "bar", which it then requires.
  [[nodiscard]] std::int64_t steps(const char* name) const {
    const nlohmann::json& v = at(name);
    if (v.is_number_integer()) return integer(name);
    if (!v.is_string()) {
      config_error(name_of(name) + " must be an integer (updates) or a duration such as \"24h\", got " + excerpt(v));
    }
    const std::string text = v.get<std::string>();
    const duration span = parse_duration(text, "margin config", name_of(name));
    if (!context_.bar) {
      config_error(name_of(name) +
                   " is a duration, which needs config.bar (the bar length prices are sampled into, e.g. \"1h\"), "
                   "got \"" +
                   text + "\"");
    }
    return bars_in(span, *context_.bar, "margin config", name_of(name));
  }
  [[nodiscard]] std::int64_t steps_or(const char* name, std::int64_t fallback) const {
    return has(name) ? steps(name) : fallback;
  }
  [[nodiscard]] std::string text(const char* name) const {
    const nlohmann::json& v = at(name);
    if (!v.is_string()) config_error(name_of(name) + " must be a string, got " + excerpt(v));
    return v.get<std::string>();
  }
  [[nodiscard]] std::string text_or(const char* name, const std::string& fallback) const {
    return has(name) ? text(name) : fallback;
  }
  /// One value of a named enum (runtime/enum_names.hpp), or `fallback` when absent.
  template <named_enum E>
  [[nodiscard]] E enumeration(const char* name, E fallback) const {
    if (!has(name)) return fallback;
    const std::string value = text(name);
    if (const auto found = find_enum<E>(value)) return *found;
    config_error(name_of(name) + " must be one of " + enum_name_list<E>() + ", got \"" + printable_text(value) + "\"");
  }
  /// A rate field in [0, 1] (absent: `fallback`), named after the policy `component` in its error.
  [[nodiscard]] rate rate_or(const char* component, const char* name, rate fallback) const {
    return rate(number_or(name, fallback.value()), component, name);
  }
  /// A rate or factor: a number, or a schedule [{"time": t, "value": v}, ...] (t in epoch seconds).
  [[nodiscard]] parameter_schedule schedule(const char* name) const {
    const nlohmann::json& v = at(name);
    if (v.is_number()) return parameter_schedule(v.get<double>());
    if (!v.is_array()) {
      config_error(name_of(name) + R"( must be a number or a list of {"time", "value"}, got )" + excerpt(v));
    }
    std::vector<schedule_knot> knots;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const config_fields knot(v[i], name_of(name) + "[" + std::to_string(i) + "]", context_);
      knot.only({"time", "value"});
      knots.push_back({knot.integer("time"), knot.number("value")});
    }
    return parameter_schedule(std::move(knots));
  }
  /// Refuses every field not in `known` (a typo would otherwise be silently ignored).
  void only(std::initializer_list<const char*> known) const {
    for (const auto& item : object_.items()) {
      if (std::none_of(known.begin(), known.end(), [&](const char* k) { return item.key() == k; }))
        config_error(path_ + " has an unknown field \"" + item.key() + "\"");
    }
  }
  /// As `only`, over names held at run time (a registered kind's fields, plus `extra`).
  void only(const std::vector<std::string>& known, std::string_view extra) const {
    for (const auto& item : object_.items()) {
      if (item.key() != extra && std::find(known.begin(), known.end(), item.key()) == known.end())
        config_error(path_ + " has an unknown field \"" + item.key() + "\"");
    }
  }
  [[nodiscard]] std::string name_of(const char* name) const { return path_ + "." + name; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const config_context& context() const noexcept { return context_; }
  [[nodiscard]] const nlohmann::json& object() const noexcept { return object_; }

  /// A JSON value for an error message, cut to 80 characters and with every byte that is not
  /// printable ASCII escaped, so garbage never reaches the terminal raw.
  [[nodiscard]] static std::string excerpt(const nlohmann::json& v) {
    std::string text = v.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return text;
  }

 private:
  const nlohmann::json& object_;
  std::string path_;
  const config_context& context_;
};

/// @brief A policy built from a config: a member of the rate stage or of the position stage.
using built_policy = std::variant<runtime_policy_chain::rate_variant, runtime_policy_chain::position_variant>;

/// @brief One kind a config can name: its name, its fields, a line of description, its builder.
template <class Built>
struct config_kind {
  std::string name;
  std::vector<std::string> fields;  ///< what the kind reads besides its selector ("type", "model", "method")
  std::string summary;
  std::function<Built(const config_fields&)> build;
};

/// @brief The kinds of one area (volatility models, risk measures, policies), in the order
///        registered; `add` may be called from a program before configs are read.
template <class Built>
class config_kind_registry {
 public:
  using kind = config_kind<Built>;
  /// @throws dynmargin::invalid_argument when `name` is taken or empty.
  void add(kind k) {
    const std::lock_guard lock(mutex_);
    if (k.name.empty()) throw_invalid_argument("config registry", "name", "must not be empty", k.name);
    if (std::any_of(kinds_.begin(), kinds_.end(), [&](const kind& e) { return e.name == k.name; }))
      throw_invalid_argument("config registry", "name", "is already registered", k.name);
    kinds_.push_back(std::move(k));
  }
  /// A copy of the kind named `name`, or nothing.
  [[nodiscard]] std::optional<kind> find(std::string_view name) const {
    const std::lock_guard lock(mutex_);
    for (const auto& k : kinds_)
      if (k.name == name) return k;
    return std::nullopt;
  }
  /// Every kind, in registration order.
  [[nodiscard]] std::vector<kind> kinds() const {
    const std::lock_guard lock(mutex_);
    return kinds_;
  }
  /// The names, comma separated.
  [[nodiscard]] std::string names() const {
    std::string out;
    for (const auto& k : kinds()) out += (out.empty() ? "" : ", ") + k.name;
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<kind> kinds_;
};

/// @brief A risk measure built from a config, with the statistic that sets the margin.
struct built_risk {
  any_risk measure;
  risk_statistic statistic;
};

namespace detail {
inline void register_builtin_volatility_kinds(config_kind_registry<any_volatility>& registry);
inline void register_builtin_risk_kinds(config_kind_registry<built_risk>& registry);
inline void register_builtin_policy_kinds(config_kind_registry<built_policy>& registry);
}  // namespace detail

/// @brief The volatility models a config's "volatility.model" can name.
[[nodiscard]] inline config_kind_registry<any_volatility>& volatility_kinds() {
  static config_kind_registry<any_volatility> registry;
  static const bool builtins_registered = (detail::register_builtin_volatility_kinds(registry), true);
  (void)builtins_registered;
  return registry;
}
/// @brief The risk measures a config's "risk.method" can name.
[[nodiscard]] inline config_kind_registry<built_risk>& risk_kinds() {
  static config_kind_registry<built_risk> registry;
  static const bool builtins_registered = (detail::register_builtin_risk_kinds(registry), true);
  (void)builtins_registered;
  return registry;
}
/// @brief The policies a config's "policies[i].type" can name.
[[nodiscard]] inline config_kind_registry<built_policy>& policy_kinds() {
  static config_kind_registry<built_policy> registry;
  static const bool builtins_registered = (detail::register_builtin_policy_kinds(registry), true);
  (void)builtins_registered;
  return registry;
}

namespace detail {
/// Registers policy type P (named P::kind): `build(fields)` returns a P.
template <class P, class Build>
void add_policy_kind(config_kind_registry<built_policy>& registry, std::vector<std::string> fields, std::string summary,
                     Build build) {
  static_assert(rate_policy<P> || position_policy<P>, "a registered policy must be a rate_policy or position_policy");
  registry.add({std::string(P::kind), std::move(fields), std::move(summary),
                [build = std::move(build)](const config_fields& f) -> built_policy {
                  P policy = build(f);
                  using rate_v = runtime_policy_chain::rate_variant;
                  using position_v = runtime_policy_chain::position_variant;
                  if constexpr (rate_policy<P>) {
                    if constexpr (std::is_constructible_v<rate_v, P>) return built_policy(rate_v(std::move(policy)));
                    else return built_policy(rate_v(any_rate_policy(std::move(policy))));
                  } else {
                    if constexpr (std::is_constructible_v<position_v, P>) {
                      return built_policy(std::in_place_index<1>, position_v(std::move(policy)));
                    } else {
                      return built_policy(std::in_place_index<1>, position_v(any_position_policy(std::move(policy))));
                    }
                  }
                }});
}
}  // namespace detail

/// @brief Registers a program's own policy type P under `P::kind` (see the file comment).
/// @param fields the fields its object may hold besides "type".
/// @param build  `P(const config_fields&)`: reads the fields and returns the policy.
/// @return true, so that a namespace-scope `static const bool` can register at start-up.
/// @throws dynmargin::invalid_argument when the kind's name is taken.
template <class P, class Build>
bool register_policy(std::vector<std::string> fields, std::string summary, Build build) {
  detail::add_policy_kind<P>(policy_kinds(), std::move(fields), std::move(summary), std::move(build));
  return true;
}

/// @brief Every kind a config can name, as the markdown table of docs/margin.md ("Kinds"):
///        area, selector value, fields, description; `dynmargin margin --list-kinds` prints it.
[[nodiscard]] inline std::string config_kinds_markdown() {
  std::string out = "| area | kind | fields | what |\n|---|---|---|---|\n";
  auto rows = [&out](const char* area, const auto& registry) {
    for (const auto& k : registry.kinds()) {
      std::string fields;
      for (const auto& name : k.fields) fields += (fields.empty() ? "`" : ", `") + name + "`";
      out += std::string("| ") + area + " | `" + k.name + "` | " + fields + " | " + k.summary + " |\n";
    }
  };
  rows("volatility.model", volatility_kinds());
  rows("risk.method", risk_kinds());
  rows("policies[].type", policy_kinds());
  return out;
}

namespace detail {

/// Every config's "lookback_floor" default: 10 years of the config's bars (EMIR Art. 28(1)(c)),
/// rounded up; with no bar the reader cannot turn years into updates, and the default is the
/// whole history (0), which is at least as long as the data.
[[nodiscard]] inline std::int64_t ten_years_of_bars(const config_context& context) {
  if (!context.bar) return 0;
  const std::int64_t span = std::chrono::duration_cast<duration>(std::chrono::days{3650}).count();
  const std::int64_t bar = context.bar->count();
  return bar > 0 ? (span + bar - 1) / bar : 0;
}

inline void register_builtin_volatility_kinds(config_kind_registry<any_volatility>& registry) {
  registry.add({"ewma",
                {"lambda", "half_life", "start", "warmup", "initial_variance", "burn_in"},
                "RiskMetrics EWMA variance (lambda, or half_life in bars or time)",
                [](const config_fields& f) {
                  ewma_volatility_config c;
                  c.lambda = decay_factor(f.number_or("lambda", c.lambda.value()), "ewma", "lambda");
                  if (f.has("half_life")) {
                    // A half-life in bars (an integer) or in time ("2d"): lambda = 0.5^(1 / bars).
                    if (f.has("lambda")) config_error("volatility: give lambda or half_life, not both");
                    const std::int64_t bars = f.steps("half_life");
                    if (bars < 1) {
                      config_error(f.name_of("half_life") + " must be at least one bar, got " + std::to_string(bars));
                    }
                    c.lambda = decay_from_half_life(duration{bars}, duration{1}, "volatility", "half_life");
                  }
                  c.start = f.enumeration("start", c.start);
                  c.warmup = f.steps_or("warmup", c.warmup);
                  c.initial_variance = f.number_or("initial_variance", c.initial_variance);
                  c.burn_in = f.steps_or("burn_in", c.burn_in);
                  return any_volatility(ewma_volatility(c));
                }});
  registry.add({"rolling", {"window", "mean"}, "equally weighted variance over a window", [](const config_fields& f) {
                  rolling_volatility_config c;
                  c.window = f.steps("window");
                  c.mean = f.enumeration("mean", c.mean);
                  return any_volatility(rolling_volatility(c));
                }});
  auto garch = [](bool asymmetric) {
    return [asymmetric](const config_fields& f) {
      const bool percent = f.text_or("units", "fraction") == "percent";
      if (f.has("units") && !percent && f.text("units") != "fraction") {
        config_error(f.name_of("units") + " must be one of fraction, percent, got \"" + f.text("units") + "\"");
      }
      const double scale = percent ? 1e-4 : 1.0;  // parameters fitted on percent returns -> fractions
      garch_volatility_config c;
      c.parameters.omega = f.number("omega") * scale;
      c.parameters.alpha = f.number("alpha");
      c.parameters.beta = f.number("beta");
      c.parameters.gamma = asymmetric ? f.number("gamma") : f.number_or("gamma", 0.0);
      c.parameters.mu = f.number_or("mu", 0.0) * (percent ? 0.01 : 1.0);
      c.parameters.nu = f.number_or("nu", 0.0);
      c.innovation = f.enumeration("innovation", c.innovation);
      c.asymmetric = asymmetric;
      c.initial_variance = f.number_or("initial_variance", c.initial_variance) * scale;
      // Margin rests on multi-step variance forecasts, which a persistence >= 1 makes grow
      // without bound (an unconstrained fit can return one: BTC daily t, 1.078); refused
      // unless asked for.
      const double persistence = garch_persistence(c.parameters);
      if (!(persistence < 1.0) && !f.flag_or("allow_nonstationary", false)) {
        config_error(
            "volatility: persistence alpha + gamma/2 + beta must be < 1 for a margin model (set "
            "\"allow_nonstationary\": true to accept a non-stationary model), got " +
            detail::format_value(persistence));
      }
      return any_volatility(garch_volatility(c));
    };
  };
  const std::vector<std::string> garch_fields = {
      "omega", "alpha", "beta", "gamma", "mu", "nu", "innovation", "initial_variance", "units", "allow_nonstationary"};
  registry.add({"garch", garch_fields, "GARCH(1,1) with given parameters (from `dynmargin fit`)", garch(false)});
  registry.add({"gjr", garch_fields, "GJR-GARCH(1,1) with given parameters", garch(true)});
}

inline void register_builtin_risk_kinds(config_kind_registry<built_risk>& registry) {
  // Fields every measure reads: statistic, confidence, horizon.
  auto common = [](const config_fields& f, auto& c, const char* component, auto horizon_member) {
    c.confidence = confidence_level(f.number_or("confidence", c.confidence.value()), component, "confidence");
    c.*horizon_member = horizon(f.steps_or("horizon", (c.*horizon_member).steps()), component, "horizon");
    return f.enumeration("statistic", margin_function_config{}.statistic);
  };
  registry.add({"parametric",
                {"statistic", "confidence", "horizon", "dist", "nu", "skewness", "excess_kurtosis", "horizon_rule"},
                "VaR/ES of a normal, Student t or Cornish-Fisher tail scaled by the volatility model",
                [common](const config_fields& f) {
                  parametric_risk_config c;
                  const auto statistic = common(f, c, "parametric_risk", &parametric_risk_config::horizon_steps);
                  c.distribution = f.enumeration("dist", c.distribution);
                  c.nu = f.number_or("nu", c.nu);
                  c.skewness = f.number_or("skewness", c.skewness);
                  c.excess_kurtosis = f.number_or("excess_kurtosis", c.excess_kurtosis);
                  c.horizon = f.enumeration("horizon_rule", c.horizon);
                  return built_risk{any_risk(parametric_risk(c)), statistic};
                }});
  // Fields the two measures over a rolling sample of returns or residuals share.
  auto rolling_sample = [](const config_fields& f, auto& c) {
    c.window = f.steps_or("window", c.window);
    c.quantile = f.enumeration("quantile", c.quantile);
    c.es = f.enumeration("es", c.es);
    c.horizon = f.enumeration("horizon_rule", c.horizon);
  };
  registry.add({"historical",
                {"statistic", "confidence", "horizon", "window", "quantile", "es", "horizon_rule", "age_decay"},
                "rolling historical simulation (optionally age-weighted, BRW)",
                [common, rolling_sample](const config_fields& f) {
                  historical_risk_config c;
                  const auto statistic = common(f, c, "historical_risk", &historical_risk_config::horizon_steps);
                  rolling_sample(f, c);
                  c.age_decay = f.number_or("age_decay", c.age_decay);
                  return built_risk{any_risk(historical_risk(c)), statistic};
                }});
  registry.add({"fhs",
                {"statistic", "confidence", "horizon", "window", "quantile", "es", "horizon_rule", "scale_floor",
                 "scale_cap", "min_residuals"},
                "filtered historical simulation: residuals revolatilised by the volatility model",
                [common, rolling_sample](const config_fields& f) {
                  filtered_historical_risk_config c;
                  const auto statistic = common(f, c, "filtered_historical_risk",
                                                &filtered_historical_risk_config::horizon_steps);
                  rolling_sample(f, c);
                  c.scale_floor = f.number_or("scale_floor", c.scale_floor);
                  c.scale_cap = f.has("scale_cap") ? f.number("scale_cap") : c.scale_cap;
                  c.min_residuals = f.integer_or("min_residuals", c.min_residuals);
                  return built_risk{any_risk(filtered_historical_risk(c)), statistic};
                }});
  registry.add({"evt",
                {"statistic", "confidence", "horizon", "window", "tail_fraction", "min_exceedances", "refit_interval"},
                "extreme value theory: a generalised Pareto tail of the volatility-scaled residuals",
                [common](const config_fields& f) {
                  evt_risk_config c;
                  const auto statistic = common(f, c, "evt_risk", &evt_risk_config::horizon);
                  c.window = f.steps_or("window", c.window);
                  c.tail.tail_fraction = f.number_or("tail_fraction", c.tail.tail_fraction);
                  c.tail.min_exceedances = f.integer_or("min_exceedances", c.tail.min_exceedances);
                  c.refit_interval = f.steps_or("refit_interval", c.refit_interval);
                  return built_risk{any_risk(evt_risk(c)), statistic};
                }});
}

inline void register_builtin_policy_kinds(config_kind_registry<built_policy>& registry) {
  add_policy_kind<floor_policy>(registry, {"rate"}, "initial rate at least a rate (or schedule)",
                                [](const config_fields& f) { return floor_policy(f.schedule("rate")); });
  add_policy_kind<cap_policy>(registry, {"rate"}, "initial rate at most a rate (or schedule)",
                              [](const config_fields& f) { return cap_policy(f.schedule("rate")); });
  add_policy_kind<max_leverage_policy>(registry, {"leverage"}, "initial rate at least 1 / leverage",
                                       [](const config_fields& f) {
                                         return max_leverage_policy(f.number("leverage"));
                                       });
  add_policy_kind<scale_policy>(registry, {"factor"}, "rates times a factor (or schedule)",
                                [](const config_fields& f) { return scale_policy(f.schedule("factor")); });
  add_policy_kind<maintenance_fraction_policy>(registry, {"fraction"}, "maintenance = fraction x initial from here on",
                                               [](const config_fields& f) {
                                                 return maintenance_fraction_policy(f.number("fraction"));
                                               });
  add_policy_kind<initial_from_maintenance_policy>(
      registry, {"ratio"}, "initial = ratio x maintenance (CME 1.1)", [](const config_fields& f) {
        return initial_from_maintenance_policy(f.number_or("ratio", initial_from_maintenance_policy::default_ratio));
      });
  add_policy_kind<apc_buffer_policy>(registry,
                                     {"buffer", "rebuild", "lookback", "stress_threshold", "release_threshold"},
                                     "EMIR Art. 28(1)(a) buffer of at least 25%, drawn down in stress",
                                     [](const config_fields& f) {
                                       apc_buffer_policy_config c;
                                       c.buffer = f.number("buffer");
                                       c.rebuild = f.number_or("rebuild", c.rebuild);
                                       c.lookback = f.steps_or("lookback", c.lookback);
                                       c.stress_threshold = f.number_or("stress_threshold", c.stress_threshold);
                                       c.release_threshold = f.number_or("release_threshold", c.release_threshold);
                                       return apc_buffer_policy(c);
                                     });
  add_policy_kind<stressed_weight_policy>(registry, {"weight", "window", "lookback"},
                                          "EMIR Art. 28(1)(b): a weight of at least 25% on stressed observations",
                                          [](const config_fields& f) {
                                            stressed_weight_policy_config c;
                                            c.weight = f.number("weight");
                                            c.window = f.steps_or("window", c.window);
                                            c.lookback = f.steps_or("lookback", c.lookback);
                                            return stressed_weight_policy(c);
                                          });
  add_policy_kind<lookback_floor_policy>(
      registry, {"lookback", "rule"}, "EMIR Art. 28(1)(c): margin from a ten-year lookback as a floor",
      [](const config_fields& f) {
        return lookback_floor_policy(f.steps_or("lookback", ten_years_of_bars(f.context())),
                                     f.enumeration("rule", lookback_floor_rule::long_run_volatility));
      });
  add_policy_kind<peak_ratchet_policy>(registry, {"lookback"},
                                       "initial rate at least the highest raw rate over a lookback",
                                       [](const config_fields& f) { return peak_ratchet_policy(f.steps("lookback")); });
  add_policy_kind<speed_limit_policy>(
      registry, {"max_increase", "window", "max_windows_behind"}, "margin rises at most max_increase per window",
      [](const config_fields& f) {
        return speed_limit_policy(f.number("max_increase"), f.steps("window"),
                                  f.integer_or("max_windows_behind", speed_limit_policy::default_max_windows_behind));
      });
  add_policy_kind<release_limit_policy>(registry, {"max_decrease", "window", "max_windows_behind"},
                                        "margin falls at most max_decrease per window", [](const config_fields& f) {
                                          return release_limit_policy(
                                              f.number("max_decrease"), f.steps("window"),
                                              f.integer_or("max_windows_behind",
                                                           release_limit_policy::default_max_windows_behind));
                                        });
  add_policy_kind<hysteresis_policy>(registry, {"band"}, "hold the margin while the raw rate stays within a band of it",
                                     [](const config_fields& f) { return hysteresis_policy(f.number("band")); });
  add_policy_kind<size_tiers_policy>(
      registry, {"brackets", "initial", "boundary", "combine", "maintenance_fraction"},
      "position-size tiers (Binance, Hyperliquid, BitMEX brackets)", [](const config_fields& f) {
        const nlohmann::json& list = f.at("brackets");
        if (!list.is_array() || list.empty()) {
          config_error(f.name_of("brackets") + " must be a non-empty list, got " + config_fields::excerpt(list));
        }
        size_tiers_policy_config c;
        std::vector<leverage_tier> by_leverage;
        for (std::size_t i = 0; i < list.size(); ++i) {
          const config_fields b(list[i], f.name_of("brackets") + "[" + std::to_string(i) + "]", f.context());
          b.only({"notional_cap", "max_leverage", "maintenance_rate"});
          const double cap = b.number_or_infinity("notional_cap");
          if (b.has("maintenance_rate")) {
            c.brackets.push_back({cap, b.number("max_leverage"), b.number("maintenance_rate")});
          } else {
            by_leverage.push_back({cap, b.number("max_leverage")});
          }
        }
        if (!by_leverage.empty()) {
          if (!c.brackets.empty()) {
            config_error(f.name_of("brackets") + " must give maintenance_rate in every bracket or in none");
          }
          c.brackets = brackets_from_leverage(by_leverage,
                                              f.number_or("maintenance_fraction", f.context().maintenance_fraction));
        }
        c.initial = f.enumeration("initial", c.initial);
        c.boundary = f.enumeration("boundary", c.boundary);
        c.combine = f.enumeration("combine", c.combine);
        return size_tiers_policy(std::move(c));
      });
  add_policy_kind<step_risk_limit_policy>(
      registry,
      {"base_limit", "step", "initial_rate", "maintenance_rate", "step_rate", "max_limit", "measure", "combine"},
      "BitMEX/Deribit risk limit: rates rise by step_rate per step above base_limit", [](const config_fields& f) {
        step_risk_limit_policy_config c;
        c.base_limit = f.number_or("base_limit", c.base_limit);
        c.step = f.number_or("step", c.step);
        c.initial_rate = f.rate_or("step_risk_limit", "initial_rate", c.initial_rate);
        c.maintenance_rate = f.rate_or("step_risk_limit", "maintenance_rate", c.maintenance_rate);
        c.step_rate = f.rate_or("step_risk_limit", "step_rate", c.step_rate);
        c.max_limit = f.has("max_limit") ? f.number("max_limit") : c.max_limit;
        c.measure = f.enumeration("measure", c.measure);
        c.combine = f.enumeration("combine", c.combine);
        return step_risk_limit_policy(c);
      });
  add_policy_kind<deribit_size_addon_policy>(
      registry, {"initial_base", "maintenance_base", "size_rate", "max_rate", "measure", "combine"},
      "Deribit futures margin: base rate plus size_rate per unit of size", [](const config_fields& f) {
        deribit_size_addon_policy_config c;
        c.initial_base = f.rate_or("deribit_size_addon", "initial_base", c.initial_base);
        c.maintenance_base = f.rate_or("deribit_size_addon", "maintenance_base", c.maintenance_base);
        c.size_rate = f.rate_or("deribit_size_addon", "size_rate", c.size_rate);
        c.max_rate = f.rate_or("deribit_size_addon", "max_rate", c.max_rate);
        c.measure = f.enumeration("measure", c.measure);
        c.combine = f.enumeration("combine", c.combine);
        return deribit_size_addon_policy(c);
      });
  add_policy_kind<impact_curve_policy>(registry,
                                       {"coefficient", "daily_volatility", "impact_scale", "average_daily_volume",
                                        "measure", "maintenance_share", "max_rate", "combine"},
                                       "square-root market impact of closing the position", [](const config_fields& f) {
                                         impact_curve_policy_config c;
                                         if (f.has("daily_volatility")) {
                                           c = impact_curve_policy_config::from_volatility(
                                               f.number("daily_volatility"), f.number("average_daily_volume"),
                                               f.number_or("impact_scale", 1.0));
                                         } else {
                                           c.coefficient = f.number("coefficient");
                                           c.average_daily_volume = f.number("average_daily_volume");
                                         }
                                         c.measure = f.enumeration("measure", c.measure);
                                         c.maintenance_share = f.number_or("maintenance_share", c.maintenance_share);
                                         c.max_rate = f.rate_or("impact_curve", "max_rate", c.max_rate);
                                         c.combine = f.enumeration("combine", c.combine);
                                         return impact_curve_policy(c);
                                       });
  add_policy_kind<open_interest_scaling_policy>(
      registry, {"initial_fraction", "maintenance_fraction", "lower_cap", "upper_cap", "base", "open_interest"},
      "dYdX open-interest scaling of the initial fraction", [](const config_fields& f) {
        open_interest_scaling_policy_config c;
        c.initial_fraction = f.number_or("initial_fraction", c.initial_fraction);
        c.maintenance_fraction = f.number_or("maintenance_fraction", c.maintenance_fraction);
        c.lower_cap = f.number_or("lower_cap", c.lower_cap);
        c.upper_cap = f.number_or("upper_cap", c.upper_cap);
        c.base = f.enumeration("base", c.base);
        open_interest_scaling_policy p(c);
        const double oi = f.number_or("open_interest", 0.0);
        if (p.set_open_interest(oi) != status::ok) {
          config_error(f.name_of("open_interest") + " must be finite and >= 0, got " + detail::format_value(oi));
        }
        return p;
      });
  add_policy_kind<half_spread_addon_policy>(registry, {"half_spread", "maintenance_share", "combine"},
                                            "liquidity add-on: half the bid-ask spread times the notional",
                                            [](const config_fields& f) {
                                              half_spread_addon_policy_config c;
                                              c.half_spread = f.number("half_spread");
                                              c.maintenance_share = f.number_or("maintenance_share",
                                                                                c.maintenance_share);
                                              c.combine = f.enumeration("combine", c.combine);
                                              return half_spread_addon_policy(c);
                                            });
  add_policy_kind<depth_curve_addon_policy>(
      registry,
      {"half_spread", "coefficient", "exponent", "depth", "measure", "maintenance_share", "max_rate", "combine"},
      "liquidity add-on: half_spread + coefficient x (size / depth)^exponent", [](const config_fields& f) {
        depth_curve_addon_policy_config c;
        c.half_spread = f.number_or("half_spread", c.half_spread);
        c.coefficient = f.number("coefficient");
        c.exponent = f.number_or("exponent", c.exponent);
        c.depth = f.number("depth");
        c.measure = f.enumeration("measure", c.measure);
        c.maintenance_share = f.number_or("maintenance_share", c.maintenance_share);
        c.max_rate = f.rate_or("depth_curve", "max_rate", c.max_rate);
        c.combine = f.enumeration("combine", c.combine);
        return depth_curve_addon_policy(c);
      });
}

/// Reads `object` with the kind its `selector` field names from `registry`.
template <class Built>
[[nodiscard]] Built build_kind(const config_kind_registry<Built>& registry, const config_fields& f,
                               const char* selector) {
  const std::string name = f.text(selector);
  const auto kind = registry.find(name);
  if (!kind) {
    config_error(f.name_of(selector) + " must be one of " + registry.names() + ", got \"" + printable_text(name) +
                 "\"");
  }
  f.only(kind->fields, selector);
  try {
    return kind->build(f);
  } catch (const invalid_argument& e) {
    const std::string what = e.what();
    if (what.rfind("margin config: ", 0) == 0) throw;
    // "policies[2] (speed_limit): ..." names the list entry; "volatility: ewma: ..." already
    // names its kind through the model's own message.
    config_error(f.path() + (selector == std::string_view("type") ? " (" + printable_text(name) + ")" : std::string()) +
                 ": " + what);
  }
}

/// config.price_guard: an object whose absent fields keep price_guard_config's defaults, or
/// "none", the one spelled-out way to switch every check off.
[[nodiscard]] inline price_guard_config read_price_guard(const config_fields& top) {
  if (!top.has("price_guard")) return price_guard_config{};
  const nlohmann::json& value = top.at("price_guard");
  if (value.is_string()) {
    if (value.get<std::string>() != "none")
      config_error("config.price_guard must be an object or \"none\", got " + config_fields::excerpt(value));
    return price_guard_config::none();
  }
  price_guard_config guard;
  const config_fields g(value, "price_guard", top.context());
  g.only({"max_age", "max_deviation", "min_sources", "max_jump", "max_staleness", "confirm_after"});
  guard.max_age = g.integer_or("max_age", guard.max_age);
  guard.max_deviation = g.number_or("max_deviation", guard.max_deviation);
  const std::int64_t sources = g.integer_or("min_sources", static_cast<std::int64_t>(guard.min_sources));
  if (sources < 1) config_error("price_guard.min_sources must be >= 1, got " + std::to_string(sources));
  guard.min_sources = static_cast<std::size_t>(sources);
  guard.max_jump = g.number_or("max_jump", guard.max_jump);
  // Spans of time, not of updates: whole seconds, or a duration string ("90s", "15m", "2d").
  auto seconds_or_duration = [&](const char* name) -> std::optional<duration> {
    if (!g.has(name)) return std::nullopt;
    const nlohmann::json& v = g.at(name);
    if (v.is_number_integer()) {
      const std::int64_t s = g.integer(name);
      if (s < 0 || s > max_abs_time_seconds)
        config_error(g.name_of(name) + " must be seconds in [0, 2^62 us], got " + std::to_string(s));
      return std::chrono::seconds{s};
    }
    if (v.is_string()) return parse_duration(v.get<std::string>(), "margin config", g.name_of(name));
    config_error(g.name_of(name) + " must be seconds (>= 0) or a duration such as \"15m\", got " +
                 config_fields::excerpt(v));
  };
  if (const auto s = seconds_or_duration("max_staleness"))
    guard.max_staleness = std::chrono::duration_cast<std::chrono::seconds>(*s).count();
  if (const auto s = seconds_or_duration("confirm_after")) guard.confirm_after = *s;
  return guard;
}

}  // namespace detail

/// @brief Builds the engine a JSON config describes (schema: docs/margin.md).
/// @throws dynmargin::invalid_argument naming the field and the value at fault.
[[nodiscard]] inline margin_engine build_margin_engine(const nlohmann::json& config) {
  config_context context;
  const config_fields top(config, "config", context);
  top.only({"volatility", "risk", "maintenance_fraction", "min_returns", "stressed_lookback", "price_guard", "policies",
            "description", "name", "bar"});
  // "bar" first: every duration string in the config is counted in bars of it.
  if (top.has("bar")) {
    const duration length = parse_duration(top.text("bar"), "margin config", "config.bar");
    if (length.count() % 1'000'000 != 0)
      config_error("config.bar must be a whole number of seconds, got \"" + top.text("bar") + "\"");
    context.bar = length;
  }
  margin_function_config fc;
  fc.maintenance_fraction = top.number_or("maintenance_fraction", fc.maintenance_fraction);
  context.maintenance_fraction = fc.maintenance_fraction;
  const config_fields vol_fields(top.at("volatility"), "volatility", context);
  if (!vol_fields.has("model")) config_error("volatility.model is missing");
  any_volatility vol = detail::build_kind(volatility_kinds(), vol_fields, "model");
  const config_fields risk_fields(top.at("risk"), "risk", context);
  if (!risk_fields.has("method")) config_error("risk.method is missing");
  built_risk risk = detail::build_kind(risk_kinds(), risk_fields, "method");
  fc.statistic = risk.statistic;
  fc.min_returns = top.steps_or("min_returns", fc.min_returns);
  fc.stressed_lookback = top.steps_or("stressed_lookback", fc.stressed_lookback);
  fc.guard = detail::read_price_guard(top);

  std::vector<runtime_policy_chain::rate_variant> rates;
  std::vector<runtime_policy_chain::position_variant> positions;
  std::vector<std::string> types;
  if (top.has("policies")) {
    const nlohmann::json& list = top.at("policies");
    if (!list.is_array()) config_error("config.policies must be a list, got " + config_fields::excerpt(list));
    const auto registry = policy_kinds().kinds();
    std::optional<std::size_t> first_position;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = "policies[" + std::to_string(i) + "]";
      const config_fields f(list[i], path, context);
      built_policy p = detail::build_kind(policy_kinds(), f, "type");
      const std::string type = f.text("type");
      if (auto* r = std::get_if<0>(&p)) {
        if (first_position) {
          std::string message = path;
          message += " (" + type + ") is a rate policy listed after the position policy policies[";
          message += std::to_string(*first_position) + "] (" + types[*first_position];
          message +=
              "); rate policies run on every price and position policies on every quote after all of them, so "
              "list the rate policies first, got this order";
          config_error(message);
        }
        rates.push_back(std::move(*r));
      } else {
        if (!first_position) first_position = i;
        positions.push_back(std::get<1>(std::move(p)));
      }
      types.push_back(type);
    }
  }
  try {
    return margin_engine{runtime_margin_function(fc, std::move(vol), std::move(risk.measure),
                                                 runtime_policy_chain(std::move(rates), std::move(positions))),
                         context.bar, std::move(types)};
  } catch (const invalid_argument& e) {
    config_error(e.what());
  }
}

/// @brief Parses JSON text, naming `source` (a file name) in every error, numbers out of range
///        included.
/// @throws dynmargin::invalid_argument.
[[nodiscard]] inline nlohmann::json parse_config_json(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's messages quote the offending text; keep them printable.
    throw invalid_argument("margin config: " + source + " is not valid JSON: " + printable_text(e.what()));
  }
}

/// @brief Reads and builds a config file.
/// @throws dynmargin::invalid_argument for a missing file, invalid JSON or a bad field, naming the file.
[[nodiscard]] inline margin_engine load_margin_engine(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw invalid_argument("margin config: cannot open \"" + path + "\"");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json config = parse_config_json(text.str(), "\"" + path + "\"");
  try {
    return build_margin_engine(config);
  } catch (const invalid_argument& e) {
    throw invalid_argument(std::string(e.what()) + " (in \"" + path + "\")");
  }
}

}  // namespace dynmargin
