// SPDX-License-Identifier: MIT
/// @file
/// @brief A portfolio margin run from plain tables: the JSON config, the instruments and the
///        accounts' positions, then one margin per account (and optionally each position's
///        Euler part). The one implementation behind `dynmargin portfolio`, for the Python
///        module to reuse.
///
/// Steps, each a function a caller may use alone:
///  - `read_portfolio_config(json)`: the engine (Paradex or SPAN grid, filtered historical
///    simulation, Monte Carlo), the margin measure, the maintenance fraction and Paradex's
///    minimum delta charge (schema: docs/cli.md, "dynmargin portfolio"). Unknown keys and bad
///    values are errors naming the key path and the value: `portfolio config: span.price_scan_range
///    must be a number, got "wide"`.
///  - `build_portfolio_book(instruments, chain, positions, valuation_time)`: instrument terms and
///    states (portfolio/instrument.hpp), the positions matrix (accounts x instruments), the
///    underlyings in order of first appearance and each one's spot. Only instruments some
///    account holds enter the book. Every error names the row it comes from (the tables'
///    `where` labels: "positions.csv row 3 (line 4)" for the command line).
///  - `common_log_returns(series)`: price histories of several underlyings, aligned on the
///    times all of them share, as log returns (fractions).
///  - `run_portfolio(book, config, history, settings)`: the scenario set, the scenario P&L matrix
///    by full revaluation (portfolio/revaluation.hpp), every account's margin through
///    `margin_accounts` (portfolio/many_accounts.hpp, threads, bit-identical for any count),
///    Paradex's minimum delta charge per underlying, and with `attribution` each position's
///    Euler component, incremental and standalone margin (`attribute_margin`,
///    portfolio/scenario_margin.hpp).
///
/// Models: Paradex portfolio margin (docs.paradex.trade, "Portfolio Margin": initial margin =
/// max(scenario margin, minimum delta charge), maintenance = 0.5 x initial), CME SPAN's 16
/// scenarios, filtered historical simulation (Barone-Adesi, Giannopoulos and Vosper 1999) and
/// Monte Carlo from the RiskMetrics EWMA covariance (J.P. Morgan/Reuters, RiskMetrics Technical
/// Document, 1996, section 5.2: Sigma_t = lambda Sigma_{t-1} + (1 - lambda) r_t r_t^T, zero
/// mean, started by the first outer product r_1 r_1^T).
///
/// Errors: dynmargin::invalid_argument. Needs nlohmann_json (3.10 or newer).
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <ranges>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/options/black76.hpp"
#include "dynmargin/portfolio/covariance.hpp"
#include "dynmargin/portfolio/dynamic_margin.hpp"
#include "dynmargin/portfolio/instrument.hpp"
#include "dynmargin/portfolio/joint_scenarios.hpp"
#include "dynmargin/portfolio/many_accounts.hpp"
#include "dynmargin/portfolio/revaluation.hpp"
#include "dynmargin/portfolio/scenario_margin.hpp"
#include "dynmargin/portfolio/scenarios.hpp"
#include "dynmargin/runtime/config_reader.hpp"
#include "dynmargin/runtime/engine.hpp"
#include "dynmargin/runtime/enum_names.hpp"

namespace dynmargin {

// --- config ------------------------------------------------------------------------------

/// @brief Which scenario engine a portfolio run uses.
enum class portfolio_engine : std::uint8_t { paradex, span, filtered_historical, monte_carlo };

/// @brief "paradex", "span", "filtered_historical" or "monte_carlo".
[[nodiscard]] constexpr std::string_view to_string(portfolio_engine engine) noexcept {
  switch (engine) {
    case portfolio_engine::paradex: return "paradex";
    case portfolio_engine::span: return "span";
    case portfolio_engine::filtered_historical: return "filtered_historical";
    case portfolio_engine::monte_carlo: return "monte_carlo";
  }
  return "unknown";
}

/// @brief Everything a portfolio run reads from its JSON config.
struct portfolio_config {
  timestamp_us valuation_time{};  ///< options' time to expiry is measured from here
  portfolio_engine engine = portfolio_engine::paradex;
  paradex_grid_settings paradex;                     ///< "paradex" (grid fields only)
  span_grid_settings span;                           ///< "span"
  filtered_historical_settings filtered_historical;  ///< "filtered_historical"
  monte_carlo_scenario_settings monte_carlo;         ///< "monte_carlo" (its lambda is also iv_lambda)
  double covariance_lambda = 0.94;                   ///< "monte_carlo.lambda": EWMA decay of the covariance
  scenario_margin_rule rule;                         ///< "measure", "confidence"
  bool by_underlying = true;                         ///< "aggregation": each underlying's margin summed, or joint
  double maintenance_fraction = 0.5;                 ///< maintenance = this x initial
  bool minimum_delta = true;                         ///< Paradex's minimum delta charge is applied
  double minimum_delta_net = 0.02;                   ///< its rate on the net |delta|
  double minimum_delta_hedged = 0.01;                ///< and on the hedged delta
  /// "margin_function": a margin config (docs/margin.md) run on each underlying's own price
  /// history; its rate sets the level of the filtered historical or Monte Carlo scenarios
  /// (portfolio/dynamic_margin.hpp), and its maintenance / initial ratio the maintenance.
  std::optional<nlohmann::json> margin_function;
};

namespace detail {

[[noreturn]] inline void portfolio_config_error(const std::string& message) {
  throw invalid_argument("portfolio config: " + message);
}

// A JSON value for a message: ASCII only (non-ASCII escaped by dump), cut to 80 characters.
[[nodiscard]] inline std::string portfolio_json_excerpt(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

// The fields of one JSON object, each error naming "path.field" and the value.
class portfolio_fields {
 public:
  portfolio_fields(const nlohmann::json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object())
      portfolio_config_error((path_.empty() ? std::string("the config") : path_) + " must be a JSON object, got " +
                             portfolio_json_excerpt(object_));
  }
  void only(std::initializer_list<const char*> known) const {
    for (const auto& item : object_.items()) {
      if (std::none_of(known.begin(), known.end(), [&](const char* k) { return item.key() == k; })) {
        std::string list;
        for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        portfolio_config_error((path_.empty() ? std::string("the config") : path_) + " has an unknown key \"" +
                               printable_text(item.key()) + "\" (known: " + list + ")");
      }
    }
  }
  [[nodiscard]] bool has(const char* name) const { return object_.contains(name) && !object_.at(name).is_null(); }
  [[nodiscard]] const nlohmann::json& at(const char* name) const { return object_.at(name); }
  [[nodiscard]] std::string name_of(const char* name) const { return path_.empty() ? name : path_ + "." + name; }
  [[nodiscard]] double number(const char* name, double fallback) const {
    if (!has(name)) return fallback;
    const nlohmann::json& v = at(name);
    if (!v.is_number()) portfolio_config_error(name_of(name) + " must be a number, got " + portfolio_json_excerpt(v));
    return v.get<double>();
  }
  /// A number in the interval the bounds give, each bound open or closed.
  [[nodiscard]] double number_in(const char* name, double fallback, double low, bool low_open, double high,
                                 bool high_open) const {
    const double x = number(name, fallback);
    const bool above = low_open ? x > low : x >= low;
    const bool below = high_open ? x < high : x <= high;
    if (!(std::isfinite(x) && above && below)) {
      portfolio_config_error(name_of(name) + " must be in " + (low_open ? "(" : "[") + format_value(low) + ", " +
                             (std::isinf(high) ? std::string("inf") : format_value(high)) + (high_open ? ")" : "]") +
                             ", got " + portfolio_json_excerpt(at(name)));
    }
    return x;
  }
  [[nodiscard]] std::int64_t integer(const char* name, std::int64_t fallback, std::int64_t low) const {
    if (!has(name)) return fallback;
    const nlohmann::json& v = at(name);
    if (!v.is_number_integer() ||
        (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)))
      portfolio_config_error(name_of(name) + " must be an integer, got " + portfolio_json_excerpt(v));
    const auto x = v.get<std::int64_t>();
    if (x < low)
      portfolio_config_error(name_of(name) + " must be at least " + std::to_string(low) + ", got " + v.dump());
    return x;
  }
  [[nodiscard]] std::string text(const char* name) const {
    const nlohmann::json& v = at(name);
    if (!v.is_string()) portfolio_config_error(name_of(name) + " must be a string, got " + portfolio_json_excerpt(v));
    return v.get<std::string>();
  }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  const nlohmann::json& object_;
  std::string path_;
};

// Digits [begin, begin + count) of `text` as a number, or -1.
[[nodiscard]] inline int portfolio_digits(std::string_view text, std::size_t begin, std::size_t count) {
  if (begin + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = begin; i < begin + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace detail

/// @brief Parses a UTC time: ISO 8601 "YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z]" or epoch seconds
///        (an integer, optionally negative).
/// @return std::nullopt when the text is neither (the caller names the field).
[[nodiscard]] inline std::optional<timestamp_us> parse_portfolio_time(std::string_view text) {
  using namespace std::chrono;
  if (text.empty()) return std::nullopt;
  {
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec == std::errc{} && end == text.data() + text.size()) {
      if (seconds > 253402300799 || seconds < -62135596800) return std::nullopt;  // years 1..9999
      return to_timestamp_us(seconds);
    }
  }
  const int y = detail::portfolio_digits(text, 0, 4);
  const int mo = detail::portfolio_digits(text, 5, 2);
  const int d = detail::portfolio_digits(text, 8, 2);
  if (y < 0 || mo < 0 || d < 0 || text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok()) return std::nullopt;
  std::size_t at = 10;
  int h = 0;
  int mi = 0;
  int s = 0;
  std::int64_t micros = 0;
  if (at < text.size() && (text[at] == 'T' || text[at] == ' ')) {
    h = detail::portfolio_digits(text, at + 1, 2);
    mi = detail::portfolio_digits(text, at + 4, 2);
    if (h < 0 || mi < 0 || text.size() < at + 6 || text[at + 3] != ':' || h > 23 || mi > 59) return std::nullopt;
    at += 6;
    if (at < text.size() && text[at] == ':') {
      s = detail::portfolio_digits(text, at + 1, 2);
      if (s < 0 || s > 59) return std::nullopt;
      at += 3;
      if (at < text.size() && text[at] == '.') {
        ++at;
        int places = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
          if (places < 6) micros = micros * 10 + (text[at] - '0');
          else if (text[at] != '0') return std::nullopt;  // finer than a microsecond
          ++places;
          ++at;
        }
        if (places == 0) return std::nullopt;
        for (int p = places; p < 6; ++p) micros *= 10;
      }
    }
  }
  if (at < text.size() && text[at] == 'Z') ++at;
  if (at != text.size()) return std::nullopt;
  const sys_seconds whole = sys_days{date} + hours{h} + minutes{mi} + seconds{s};
  return to_timestamp_us(whole.time_since_epoch().count()) + microseconds{micros};
}

/// @brief "YYYY-MM-DDTHH:MM:SSZ" (with ".ffffff" when the time has a fraction of a second).
[[nodiscard]] inline std::string format_portfolio_time(timestamp_us t) {
  using namespace std::chrono;
  const auto day_start = floor<days>(t);
  const year_month_day date{day_start};
  const hh_mm_ss<microseconds> clock{t - day_start};
  std::ostringstream out;
  out.fill('0');
  out.width(4);
  out << static_cast<int>(date.year()) << '-';
  out.width(2);
  out << static_cast<unsigned>(date.month()) << '-';
  out.width(2);
  out << static_cast<unsigned>(date.day()) << 'T';
  out.width(2);
  out << clock.hours().count() << ':';
  out.width(2);
  out << clock.minutes().count() << ':';
  out.width(2);
  out << clock.seconds().count();
  if (clock.subseconds().count() != 0) {
    out << '.';
    out.width(6);
    out << clock.subseconds().count();
  }
  out << 'Z';
  return out.str();
}

/// @brief Reads a portfolio config (schema: docs/cli.md, "dynmargin portfolio").
/// @throws dynmargin::invalid_argument "portfolio config: <key path> <what>, got <value>" for a
///         missing valuation_time, an unknown key, a value of the wrong type or out of range.
[[nodiscard]] inline portfolio_config read_portfolio_config(const nlohmann::json& json) {
  using detail::portfolio_config_error;
  using detail::portfolio_json_excerpt;
  const detail::portfolio_fields top(json, "");
  top.only({"valuation_time", "engine", "paradex", "span", "filtered_historical", "monte_carlo", "measure",
            "confidence", "maintenance_fraction", "minimum_delta", "aggregation", "margin_function"});
  portfolio_config config;

  if (!top.has("valuation_time"))
    portfolio_config_error(
        "valuation_time is required (ISO 8601 UTC such as \"2026-03-01T13:49:00Z\", or epoch "
        "seconds), got none");
  {
    const nlohmann::json& v = top.at("valuation_time");
    std::optional<timestamp_us> t;
    if (v.is_string()) t = parse_portfolio_time(v.get<std::string>());
    else if (v.is_number_integer() && !v.is_number_unsigned())
      t = parse_portfolio_time(std::to_string(v.get<std::int64_t>()));
    else if (v.is_number_unsigned()) t = parse_portfolio_time(std::to_string(v.get<std::uint64_t>()));
    if (!t)
      portfolio_config_error(
          "valuation_time must be an ISO 8601 UTC time (\"2026-03-01T13:49:00Z\") or epoch seconds, got " +
          portfolio_json_excerpt(v));
    config.valuation_time = *t;
  }

  if (top.has("engine")) {
    const std::string name = top.text("engine");
    bool found = false;
    for (const auto e : {portfolio_engine::paradex, portfolio_engine::span, portfolio_engine::filtered_historical,
                         portfolio_engine::monte_carlo}) {
      if (name == to_string(e)) {
        config.engine = e;
        found = true;
      }
    }
    if (!found)
      portfolio_config_error("engine must be one of paradex, span, filtered_historical, monte_carlo, got \"" +
                             printable_text(name) + "\"");
  }
  const bool grid = config.engine == portfolio_engine::paradex || config.engine == portfolio_engine::span;

  if (top.has("paradex")) {
    const detail::portfolio_fields f(top.at("paradex"), "paradex");
    f.only({"core_moves", "vol_up", "vol_down", "vol_up_only_from", "extreme_rows", "short_power", "long_power",
            "power_switch_days", "reference_days", "floor_days"});
    paradex_grid_settings& p = config.paradex;
    const double inf = std::numeric_limits<double>::infinity();
    if (f.has("core_moves")) {
      const nlohmann::json& v = f.at("core_moves");
      if (!v.is_array() || v.empty())
        portfolio_config_error("paradex.core_moves must be a non-empty list of price returns, got " +
                               portfolio_json_excerpt(v));
      p.core_moves.clear();
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_number() || !(v[i].get<double>() > -1.0) || !std::isfinite(v[i].get<double>()))
          portfolio_config_error("paradex.core_moves[" + std::to_string(i) + "] must be a number > -1, got " +
                                 portfolio_json_excerpt(v[i]));
        p.core_moves.push_back(v[i].get<double>());
      }
    }
    p.vol_up = f.number_in("vol_up", p.vol_up, -inf, true, inf, true);
    p.vol_down = f.number_in("vol_down", p.vol_down, -inf, true, inf, true);
    p.vol_up_only_from = f.number_in("vol_up_only_from", p.vol_up_only_from, 0.0, false, inf, false);
    if (f.has("extreme_rows")) {
      const nlohmann::json& v = f.at("extreme_rows");
      if (!v.is_array())
        portfolio_config_error(
            R"(paradex.extreme_rows must be a list of {"price_return", "vol_shock", "weight"}, got )" +
            portfolio_json_excerpt(v));
      p.extreme_rows.clear();
      for (std::size_t i = 0; i < v.size(); ++i) {
        const detail::portfolio_fields row(v[i], "paradex.extreme_rows[" + std::to_string(i) + "]");
        row.only({"price_return", "vol_shock", "weight"});
        grid_row r;
        r.price_return = row.number_in("price_return", 0.0, -1.0, true, inf, true);
        r.volatility_shock = row.number_in("vol_shock", 0.0, -inf, true, inf, true);
        r.weight = row.number_in("weight", 1.0, 0.0, false, 1.0, false);
        p.extreme_rows.push_back(r);
      }
    }
    p.rule.short_power = f.number_in("short_power", p.rule.short_power, -inf, true, inf, true);
    p.rule.long_power = f.number_in("long_power", p.rule.long_power, -inf, true, inf, true);
    p.rule.power_switch_days = f.number_in("power_switch_days", p.rule.power_switch_days, 0.0, false, inf, true);
    p.rule.reference_days = f.number_in("reference_days", p.rule.reference_days, 0.0, true, inf, true);
    p.rule.floor_days = f.number_in("floor_days", p.rule.floor_days, 0.0, true, inf, true);
  }

  if (top.has("span")) {
    const detail::portfolio_fields f(top.at("span"), "span");
    f.only({"price_scan_range", "volatility_scan_range", "extreme_multiple", "extreme_weight"});
    span_grid_settings& s = config.span;
    const double inf = std::numeric_limits<double>::infinity();
    s.price_scan_range = f.number_in("price_scan_range", s.price_scan_range, 0.0, true, 1.0, true);
    s.volatility_scan_range = f.number_in("volatility_scan_range", s.volatility_scan_range, 0.0, false, inf, true);
    s.extreme_multiple = f.number_in("extreme_multiple", s.extreme_multiple, 0.0, true, inf, true);
    s.extreme_weight = f.number_in("extreme_weight", s.extreme_weight, 0.0, false, 1.0, false);
    if (!(s.price_scan_range * s.extreme_multiple < 1.0))
      portfolio_config_error("span.extreme_multiple x span.price_scan_range must be < 1 (prices stay positive), got " +
                             detail::format_value(s.extreme_multiple) + " x " +
                             detail::format_value(s.price_scan_range));
  }

  if (top.has("filtered_historical")) {
    const detail::portfolio_fields f(top.at("filtered_historical"), "filtered_historical");
    f.only({"lambda", "warmup", "horizon", "iv_sensitivity"});
    filtered_historical_settings& h = config.filtered_historical;
    h.lambda = f.number_in("lambda", h.lambda, 0.0, true, 1.0, true);
    h.warmup = f.integer("warmup", h.warmup, 1);
    h.horizon_steps = f.integer("horizon", h.horizon_steps, 1);
    h.iv_sensitivity = f.number_in("iv_sensitivity", h.iv_sensitivity, 0.0, false,
                                   std::numeric_limits<double>::infinity(), true);
  }

  if (top.has("monte_carlo")) {
    const detail::portfolio_fields f(top.at("monte_carlo"), "monte_carlo");
    f.only({"scenarios", "horizon", "seed", "lambda", "iv_sensitivity"});
    monte_carlo_scenario_settings& m = config.monte_carlo;
    m.scenarios = f.integer("scenarios", m.scenarios, 1);
    m.horizon_steps = f.integer("horizon", m.horizon_steps, 1);
    m.seed = static_cast<std::uint64_t>(f.integer("seed", static_cast<std::int64_t>(m.seed), 0));
    config.covariance_lambda = f.number_in("lambda", config.covariance_lambda, 0.0, true, 1.0, true);
    m.iv_lambda = config.covariance_lambda;
    m.iv_sensitivity = f.number_in("iv_sensitivity", m.iv_sensitivity, 0.0, false,
                                   std::numeric_limits<double>::infinity(), true);
  }

  config.rule.measure = grid ? scenario_measure::weighted_worst : scenario_measure::expected_shortfall;
  if (top.has("measure")) {
    const std::string name = top.text("measure");
    bool found = false;
    for (const auto m :
         {scenario_measure::weighted_worst, scenario_measure::value_at_risk, scenario_measure::expected_shortfall}) {
      if (name == to_string(m)) {
        config.rule.measure = m;
        found = true;
      }
    }
    if (!found)
      portfolio_config_error("measure must be one of weighted_worst, value_at_risk, expected_shortfall, got \"" +
                             printable_text(name) + "\"");
  }
  // A grid moves every underlying by the same row, so a joint grid margin would net a long BTC
  // against a short ETH position in every row: grids charge each underlying on its own by
  // default. Joint histories and draws carry the correlation, so they margin jointly.
  config.by_underlying = grid;
  if (top.has("aggregation")) {
    const std::string name = top.text("aggregation");
    if (name == "by_underlying") config.by_underlying = true;
    else if (name == "joint") config.by_underlying = false;
    else portfolio_config_error("aggregation must be by_underlying or joint, got \"" + printable_text(name) + "\"");
  }
  config.rule.confidence = top.number_in("confidence", 0.99, 0.0, true, 1.0, true);
  config.maintenance_fraction = top.number_in("maintenance_fraction", 0.5, 0.0, false, 1.0, false);

  if (top.has("margin_function")) {
    if (grid)
      portfolio_config_error(
          "margin_function needs the filtered_historical or monte_carlo engine (a grid's moves are "
          "fixed, not scaled to a rate), got engine " +
          std::string(to_string(config.engine)));
    if (top.has("maintenance_fraction"))
      portfolio_config_error(
          "maintenance_fraction and margin_function exclude each other (the margin function's maintenance / "
          "initial ratio sets the maintenance), got both");
    const nlohmann::json& v = top.at("margin_function");
    if (!v.is_object())
      portfolio_config_error("margin_function must be a margin config object (docs/margin.md), got " +
                             portfolio_json_excerpt(v));
    try {
      (void)build_margin_engine(v);  // every error now, naming its field, not at the first price
    } catch (const invalid_argument& e) {
      portfolio_config_error(std::string("margin_function: ") + e.what());
    }
    config.margin_function = v;
  }

  config.minimum_delta = config.engine == portfolio_engine::paradex;
  config.minimum_delta_net = config.paradex.min_delta_net;
  config.minimum_delta_hedged = config.paradex.min_delta_hedged;
  if (top.has("minimum_delta")) {
    const nlohmann::json& v = top.at("minimum_delta");
    if (v.is_boolean()) {
      config.minimum_delta = v.get<bool>();
    } else if (v.is_object()) {
      const detail::portfolio_fields f(v, "minimum_delta");
      f.only({"net", "hedged"});
      const double inf = std::numeric_limits<double>::infinity();
      config.minimum_delta = true;
      config.minimum_delta_net = f.number_in("net", config.minimum_delta_net, 0.0, false, inf, true);
      config.minimum_delta_hedged = f.number_in("hedged", config.minimum_delta_hedged, 0.0, false, inf, true);
    } else {
      portfolio_config_error(R"(minimum_delta must be true, false or {"net": rate, "hedged": rate}, got )" +
                             portfolio_json_excerpt(v));
    }
  }
  return config;
}

/// @brief Reads a portfolio config file.
/// @throws dynmargin::invalid_argument naming the file: missing, not JSON, or what
///         `read_portfolio_config` refuses.
[[nodiscard]] inline portfolio_config load_portfolio_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw invalid_argument("portfolio config: cannot open \"" + printable_text(path) + "\"");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in, nullptr, true, true);  // comments allowed
  } catch (const nlohmann::json::parse_error& e) {
    throw invalid_argument("portfolio config: \"" + printable_text(path) + "\" is not valid JSON: " + e.what());
  }
  try {
    return read_portfolio_config(json);
  } catch (const invalid_argument& e) {
    throw invalid_argument(std::string(e.what()) + " (in \"" + printable_text(path) + "\")");
  }
}

// --- tables and the book --------------------------------------------------------------------

/// @brief Instruments as columns, one entry per instrument. Optional cells: NaN for a number,
///        std::nullopt otherwise.
struct instrument_table {
  std::vector<std::string> name;
  std::vector<std::string> underlying;  ///< BTC, ETH, ...
  std::vector<instrument_kind> kind;
  std::vector<double> contract_size;             ///< underlying units per contract; USD face for an inverse future
  std::vector<double> price;                     ///< mark price of a future, or the forward of an option's expiry (USD)
  std::vector<std::optional<option_type>> type;  ///< options only
  std::vector<double> strike;                    ///< options only (NaN: none)
  std::vector<std::optional<timestamp_us>> expiry;  ///< options and dated futures
  std::vector<double> volatility;                   ///< options only, a fraction (NaN: none)
  std::vector<double> spot;                         ///< the underlying's spot (NaN: none)
  std::vector<std::string> where;  ///< where each row comes from, for messages (empty: "instrument row i")

  [[nodiscard]] std::size_t size() const noexcept { return name.size(); }
  /// @brief Appends one row (a convenience for callers building a table row by row).
  void add(std::string instrument_name, std::string underlying_name, instrument_kind instrument_kind_value, double size,
           double price_value, std::optional<option_type> option = std::nullopt,
           double strike_value = std::numeric_limits<double>::quiet_NaN(),
           std::optional<timestamp_us> expiry_value = std::nullopt,
           double volatility_value = std::numeric_limits<double>::quiet_NaN(),
           double spot_value = std::numeric_limits<double>::quiet_NaN(), std::string where_label = {}) {
    name.push_back(std::move(instrument_name));
    underlying.push_back(std::move(underlying_name));
    kind.push_back(instrument_kind_value);
    contract_size.push_back(size);
    price.push_back(price_value);
    type.push_back(option);
    strike.push_back(strike_value);
    expiry.push_back(expiry_value);
    volatility.push_back(volatility_value);
    spot.push_back(spot_value);
    where.push_back(std::move(where_label));
  }
};

/// @brief Positions as columns: several rows for one (account, instrument) add up.
struct position_table {
  std::vector<std::string> account;
  std::vector<std::string> instrument;
  std::vector<double> quantity;    ///< contracts, signed (negative: short)
  std::vector<std::string> where;  ///< where each row comes from (empty: "position row i")

  [[nodiscard]] std::size_t size() const noexcept { return account.size(); }
  void add(std::string account_name, std::string instrument_name, double contracts, std::string where_label = {}) {
    account.push_back(std::move(account_name));
    instrument.push_back(std::move(instrument_name));
    quantity.push_back(contracts);
    where.push_back(std::move(where_label));
  }
};

/// @brief What a portfolio run margins: instruments some account holds, their states, and the
///        positions matrix.
struct portfolio_book {
  std::vector<std::string> underlyings;  ///< order of first appearance (instruments, then chain)
  std::vector<double> spots;             ///< per underlying: for the minimum delta charge
  std::vector<instrument> instruments;   ///< `underlying` indexes `underlyings`
  std::vector<instrument_state> states;
  std::vector<std::string> accounts;  ///< order of first appearance
  Eigen::MatrixXd positions;          ///< accounts x instruments, net contracts
  /// Per account: the columns of its non-zero net positions, in order of first appearance in the positions.
  std::vector<std::vector<std::size_t>> holdings;
  timestamp_us valuation_time{};
};

namespace detail {

[[nodiscard]] inline std::string portfolio_row_label(const std::vector<std::string>& where, std::size_t i,
                                                     std::string_view table) {
  if (i < where.size() && !where[i].empty()) return where[i];
  return std::string(table) + " row " + std::to_string(i + 1);
}

[[nodiscard]] inline std::string portfolio_quote(std::string_view text) { return "\"" + printable_text(text) + "\""; }

// Checks one instrument row's cells against its kind, and returns the instrument and state.
inline void portfolio_check_row(const instrument_table& t, std::size_t i, std::string_view table, timestamp_us now,
                                instrument& terms, instrument_state& state) {
  const std::string at = portfolio_row_label(t.where, i, table) + ": instrument " + portfolio_quote(t.name[i]);
  const auto fail = [&](const std::string& what) { throw invalid_argument(at + ": " + what); };
  if (t.name[i].empty()) fail("the name is empty");
  if (t.underlying[i].empty()) fail("underlying is empty");
  if (!(std::isfinite(t.contract_size[i]) && t.contract_size[i] > 0.0))
    fail("contract_size must be finite and > 0, got " + format_value(t.contract_size[i]));
  if (!(std::isfinite(t.price[i]) && t.price[i] > 0.0))
    fail("price must be finite and > 0, got " + format_value(t.price[i]));
  if (!std::isnan(t.spot[i]) && !(std::isfinite(t.spot[i]) && t.spot[i] > 0.0))
    fail("spot must be finite and > 0, got " + format_value(t.spot[i]));
  const bool option = is_option(t.kind[i]);
  const std::string kind_name(to_string(t.kind[i]));
  if (option) {
    if (!t.type[i]) fail("option_type (call or put) is required for an " + kind_name + ", got none");
    if (std::isnan(t.strike[i])) fail("strike is required for an " + kind_name + ", got none");
    if (!(std::isfinite(t.strike[i]) && t.strike[i] > 0.0))
      fail("strike must be finite and > 0, got " + format_value(t.strike[i]));
    if (!t.expiry[i]) fail("expiry is required for an " + kind_name + ", got none");
    if (std::isnan(t.volatility[i])) fail("volatility is required for an " + kind_name + ", got none");
    if (!(std::isfinite(t.volatility[i]) && t.volatility[i] > 0.0))
      fail("volatility must be a finite fraction > 0 (0.55 for 55%), got " + format_value(t.volatility[i]));
  } else {
    if (t.type[i]) fail("option_type must be empty for a " + kind_name + ", got " + std::string(to_string(*t.type[i])));
    if (!std::isnan(t.strike[i]))
      fail("strike must be empty for a " + kind_name + ", got " + format_value(t.strike[i]));
    if (!std::isnan(t.volatility[i]))
      fail("volatility must be empty for a " + kind_name + ", got " + format_value(t.volatility[i]));
  }
  if (t.expiry[i] && *t.expiry[i] <= now)
    fail("expiry " + format_portfolio_time(*t.expiry[i]) + " is not after the valuation time " +
         format_portfolio_time(now) + " (expired)");
  terms.name = t.name[i];
  terms.kind = t.kind[i];
  terms.contract_size = t.contract_size[i];
  terms.type = t.type[i].value_or(option_type::call);
  terms.strike = option ? t.strike[i] : 0.0;
  terms.expiry = t.expiry[i];
  state.forward = t.price[i];
  state.volatility = option ? t.volatility[i] : 0.0;
  try {
    (void)check_instrument(terms, state, now);
  } catch (const invalid_argument& e) {
    fail(e.what());
  }
}

inline void portfolio_check_table_sizes(const instrument_table& t, std::string_view table) {
  const std::size_t n = t.name.size();
  for (const std::size_t m : {t.underlying.size(), t.kind.size(), t.contract_size.size(), t.price.size(), t.type.size(),
                              t.strike.size(), t.expiry.size(), t.volatility.size(), t.spot.size()}) {
    if (m != n)
      throw_invalid_argument(table, "columns", "must all have one entry per instrument (" + std::to_string(n) + ")", m);
  }
  if (!t.where.empty() && t.where.size() != n)
    throw_invalid_argument(table, "where", "must be empty or name every row (" + std::to_string(n) + ")",
                           t.where.size());
}

}  // namespace detail

/// @brief Builds the book from the tables.
/// @param instruments the instruments (e.g. INSTRUMENTS.csv)
/// @param chain more instruments (an option chain; may be empty); a name in both tables is an error
/// @param positions account, instrument, signed quantity
/// @param valuation_time options' time to expiry is measured from here
/// @throws dynmargin::invalid_argument naming the row (`where`), the column and the value: a
///         name listed twice, a cell its kind requires missing or one it forbids given, a price,
///         size, strike or volatility that is not positive, an expired instrument, spots of one
///         underlying that disagree; a position in an unknown instrument (naming the account,
///         the instrument and the row), a quantity that is not finite, an account whose
///         positions all net to zero, no positions at all.
[[nodiscard]] inline portfolio_book build_portfolio_book(const instrument_table& instruments,
                                                         const instrument_table& chain, const position_table& positions,
                                                         timestamp_us valuation_time) {
  using detail::portfolio_quote;
  using detail::portfolio_row_label;
  detail::portfolio_check_table_sizes(instruments, "instruments");
  detail::portfolio_check_table_sizes(chain, "chain");
  if (positions.instrument.size() != positions.account.size() ||
      positions.quantity.size() != positions.account.size() ||
      (!positions.where.empty() && positions.where.size() != positions.account.size()))
    throw_invalid_argument("positions", "columns", "must all have one entry per position", positions.quantity.size());
  if (positions.size() == 0) throw_invalid_argument("positions", "rows", "must hold at least one position", 0);

  // Every instrument of both tables by name: (table, row). A name in both, or twice, is an error.
  const std::array<const instrument_table*, 2> tables{&instruments, &chain};
  const std::array<std::string_view, 2> table_names{"instruments", "chain"};
  std::map<std::string, std::pair<std::size_t, std::size_t>, std::less<>> by_name;
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t i = 0; i < tables[k]->size(); ++i) {
      const auto [it, inserted] = by_name.emplace(tables[k]->name[i], std::make_pair(k, i));
      if (!inserted) {
        const auto [k0, i0] = it->second;
        throw invalid_argument(portfolio_row_label(tables[k]->where, i, table_names[k]) + ": instrument " +
                               portfolio_quote(tables[k]->name[i]) + " is listed twice: also at " +
                               portfolio_row_label(tables[k0]->where, i0, table_names[k0]));
      }
    }
  }

  // Accounts in order of first appearance; net positions per (account, instrument).
  portfolio_book book;
  book.valuation_time = valuation_time;
  std::map<std::string, std::size_t, std::less<>> account_index;
  std::vector<std::map<std::pair<std::size_t, std::size_t>, double>> net;  // per account: (table, row) -> quantity
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> order;     // per account: first-appearance order
  std::vector<std::pair<std::size_t, std::size_t>> held;  // instruments held, in order of first appearance in positions
  for (std::size_t p = 0; p < positions.size(); ++p) {
    const std::string label = portfolio_row_label(positions.where, p, "positions");
    const std::string& account = positions.account[p];
    const std::string& name = positions.instrument[p];
    if (account.empty()) throw invalid_argument(label + ": account is empty");
    const double q = positions.quantity[p];
    if (!std::isfinite(q))
      throw invalid_argument(label + ": quantity of account " + portfolio_quote(account) + " in " +
                             portfolio_quote(name) + " must be a finite number of contracts, got " +
                             detail::format_value(q));
    const auto found = by_name.find(name);
    if (found == by_name.end())
      throw invalid_argument(label + ": account " + portfolio_quote(account) + " holds the unknown instrument " +
                             portfolio_quote(name) +
                             (chain.size() > 0 ? std::string(" (in neither the instruments nor the chain)")
                                               : std::string(" (not among the instruments)")));
    const auto [ait, new_account] = account_index.emplace(account, book.accounts.size());
    if (new_account) {
      book.accounts.push_back(account);
      net.emplace_back();
      order.emplace_back();
    }
    net[ait->second][found->second] += q;
    auto& seen = order[ait->second];
    if (std::find(seen.begin(), seen.end(), found->second) == seen.end()) seen.push_back(found->second);
    if (std::find(held.begin(), held.end(), found->second) == held.end()) held.push_back(found->second);
  }

  // Underlyings: order of first appearance across the instruments, then the chain, among those held.
  std::vector<std::string> all_underlyings;
  for (const auto* t : tables)
    for (const auto& u : t->underlying)
      if (std::find(all_underlyings.begin(), all_underlyings.end(), u) == all_underlyings.end())
        all_underlyings.push_back(u);
  for (const auto& u : all_underlyings) {
    const bool used = std::any_of(held.begin(), held.end(),
                                  [&](const auto& h) { return tables[h.first]->underlying[h.second] == u; });
    if (used) book.underlyings.push_back(u);
  }

  // Spots: the instruments' spot cells (all agreeing), else the chain's, else the first
  // instrument without expiry (a perpetual), else the first instrument.
  for (const auto& u : book.underlyings) {
    double spot = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t k = 0; k < 2 && std::isnan(spot); ++k) {
      const instrument_table& t = *tables[k];
      std::size_t first = 0;
      for (std::size_t i = 0; i < t.size(); ++i) {
        if (t.underlying[i] != u || std::isnan(t.spot[i])) continue;
        if (!(std::isfinite(t.spot[i]) && t.spot[i] > 0.0))
          throw invalid_argument(portfolio_row_label(t.where, i, table_names[k]) + ": spot of " + portfolio_quote(u) +
                                 " must be finite and > 0, got " + detail::format_value(t.spot[i]));
        if (std::isnan(spot)) {
          spot = t.spot[i];
          first = i;
        } else if (t.spot[i] != spot) {
          throw invalid_argument(portfolio_row_label(t.where, i, table_names[k]) + ": spot of " + portfolio_quote(u) +
                                 " is " + detail::format_value(t.spot[i]) + ", but " +
                                 portfolio_row_label(t.where, first, table_names[k]) + " gives " +
                                 detail::format_value(spot) + " (all rows of one underlying must agree)");
        }
      }
    }
    for (std::size_t k = 0; k < 2 && std::isnan(spot); ++k)
      for (std::size_t i = 0; i < tables[k]->size() && std::isnan(spot); ++i)
        if (tables[k]->underlying[i] == u && !tables[k]->expiry[i]) spot = tables[k]->price[i];
    for (std::size_t k = 0; k < 2 && std::isnan(spot); ++k)
      for (std::size_t i = 0; i < tables[k]->size() && std::isnan(spot); ++i)
        if (tables[k]->underlying[i] == u) spot = tables[k]->price[i];
    book.spots.push_back(spot);
  }

  // Instruments and states.
  for (const auto& [k, i] : held) {
    instrument terms;
    instrument_state state;
    detail::portfolio_check_row(*tables[k], i, table_names[k], valuation_time, terms, state);
    terms.underlying = static_cast<std::size_t>(
        std::find(book.underlyings.begin(), book.underlyings.end(), tables[k]->underlying[i]) -
        book.underlyings.begin());
    book.instruments.push_back(std::move(terms));
    book.states.push_back(state);
  }

  // Positions matrix; an account whose positions all net to zero is an error.
  const auto accounts = static_cast<Eigen::Index>(book.accounts.size());
  book.positions = Eigen::MatrixXd::Zero(accounts, static_cast<Eigen::Index>(held.size()));
  book.holdings.resize(book.accounts.size());
  for (Eigen::Index a = 0; a < accounts; ++a) {
    const auto account = static_cast<std::size_t>(a);
    for (const auto& key : order[account]) {
      const double q = net[account][key];
      const auto column = static_cast<std::size_t>(std::find(held.begin(), held.end(), key) - held.begin());
      book.positions(a, static_cast<Eigen::Index>(column)) = q;
      if (q != 0.0) book.holdings[account].push_back(column);
    }
    if (book.holdings[account].empty()) {
      std::string rows;
      for (std::size_t p = 0; p < positions.size(); ++p)
        if (positions.account[p] == book.accounts[static_cast<std::size_t>(a)])
          rows += (rows.empty() ? "" : ", ") + portfolio_row_label(positions.where, p, "positions");
      throw invalid_argument("account " + portfolio_quote(book.accounts[static_cast<std::size_t>(a)]) +
                             ": its positions all net to zero (" + rows + "); remove the account or its rows");
    }
  }
  return book;
}

// --- price histories ------------------------------------------------------------------------

/// @brief One underlying's price history, oldest first.
struct underlying_prices {
  std::string underlying;
  std::vector<timestamp_us> times;  ///< strictly increasing
  std::vector<double> prices;       ///< > 0
  std::string source;               ///< a file name, for messages
};

/// @brief Log returns (fractions) of several underlyings on the times all of them share.
struct price_history {
  std::vector<std::string> underlyings;  ///< one per column
  std::vector<timestamp_us> times;       ///< per row: the time of the later price
  Eigen::MatrixXd returns;               ///< rows = returns oldest first, columns = underlyings
};

/// @brief Aligns price histories on the times all of them share and takes log returns between
///        consecutive shared times.
/// @throws dynmargin::invalid_argument naming the source: sizes that differ, times that do not
///         increase, a price that is not positive and finite, an underlying given twice.
[[nodiscard]] inline price_history common_log_returns(std::span<const underlying_prices> series) {
  price_history out;
  if (series.empty()) throw_invalid_argument("prices", "underlyings", "must hold at least one price history", 0);
  for (const underlying_prices& s : series) {
    const std::string name = "prices of " + detail::portfolio_quote(s.underlying) +
                             (s.source.empty() ? std::string() : " (" + printable_text(s.source) + ")");
    if (std::find(out.underlyings.begin(), out.underlyings.end(), s.underlying) != out.underlyings.end())
      throw invalid_argument(name + ": the underlying is given twice");
    out.underlyings.push_back(s.underlying);
    if (s.times.size() != s.prices.size())
      throw_invalid_argument(name, "times", "must hold one time per price (" + std::to_string(s.prices.size()) + ")",
                             s.times.size());
    for (std::size_t i = 0; i < s.prices.size(); ++i) {
      if (!(std::isfinite(s.prices[i]) && s.prices[i] > 0.0))
        throw_invalid_argument(name, "price " + std::to_string(i), "must be finite and > 0", s.prices[i]);
      if (i > 0 && !(s.times[i] > s.times[i - 1]))
        throw_invalid_argument(name, "time " + std::to_string(i), "must be later than the previous one",
                               format_portfolio_time(s.times[i]));
    }
  }
  // Shared times: walk the first series, advancing a cursor in each other one.
  std::vector<std::size_t> cursor(series.size(), 0);
  std::vector<std::vector<std::size_t>> index(series.size());
  for (std::size_t i = 0; i < series[0].times.size(); ++i) {
    const timestamp_us t = series[0].times[i];
    bool everywhere = true;
    for (std::size_t u = 1; u < series.size(); ++u) {
      auto& c = cursor[u];
      while (c < series[u].times.size() && series[u].times[c] < t) ++c;
      everywhere = everywhere && c < series[u].times.size() && series[u].times[c] == t;
    }
    if (!everywhere) continue;
    index[0].push_back(i);
    for (std::size_t u = 1; u < series.size(); ++u) index[u].push_back(cursor[u]);
  }
  const std::size_t shared = index[0].size();
  const std::size_t rows = shared > 0 ? shared - 1 : 0;
  out.returns.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(series.size()));
  for (std::size_t r = 0; r < rows; ++r) {
    out.times.push_back(series[0].times[index[0][r + 1]]);
    for (std::size_t u = 0; u < series.size(); ++u)
      out.returns(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(u)) = std::log(
          series[u].prices[index[u][r + 1]] / series[u].prices[index[u][r]]);
  }
  return out;
}

// --- the run --------------------------------------------------------------------------------

/// @brief How `run_portfolio` runs.
struct portfolio_run_settings {
  unsigned threads = 1;      ///< for `margin_accounts` (0: every core)
  bool attribution = false;  ///< also each position's Euler part, incremental and standalone margin
};

/// @brief With "margin_function": one underlying's margin function at the end of its history.
struct portfolio_underlying_row {
  std::string underlying;
  double initial_rate = 0.0;  ///< after the function's policies: the level of the scenarios
  double maintenance_rate = 0.0;
  double raw_rate = 0.0;       ///< before the policies
  double scale = 0.0;          ///< the log move of a one-sigma scenario row
  std::string binding_policy;  ///< the policy that sets the rate ("risk": none)
  bool price_suspect = false;  ///< its guard rejected the last price
};

/// @brief One account's margin.
struct portfolio_account_row {
  /// With "margin_function": the underlying whose scenario or positions bind, and the policy
  /// of its margin function that sets its rate ("risk" when none does). Empty otherwise.
  std::string binding_underlying;
  std::string binding_policy;
  std::string account;
  double initial = 0.0;          ///< max(scenario_margin, minimum_delta)
  double maintenance = 0.0;      ///< maintenance_fraction x initial
  std::string binding_scenario;  ///< the binding scenario's name
  double worst_loss = 0.0;       ///< the unweighted loss in the binding scenario
  double scenario_margin = 0.0;  ///< the scenario set's margin under the measure
  double minimum_delta = 0.0;    ///< the minimum delta charge summed over underlyings (0: off)
  std::size_t positions = 0;     ///< non-zero net positions
};

/// @brief One position's share of its account's scenario margin.
struct portfolio_attribution_row {
  std::string account;
  std::string instrument;
  double quantity = 0.0;     ///< net contracts
  double component = 0.0;    ///< Euler part: the parts of an account add up to its scenario margin
  double incremental = 0.0;  ///< scenario margin minus the margin without the position
  double standalone = 0.0;   ///< the position's margin alone
};

/// @brief What a portfolio run computed.
struct portfolio_result {
  std::vector<portfolio_account_row> accounts;
  std::vector<portfolio_attribution_row>
      attribution;  ///< with `attribution` only: per account, its positions in order of first appearance
  std::size_t scenarios = 0;
  /// With "margin_function": each underlying's function as the run used it.
  std::vector<portfolio_underlying_row> underlyings;
};

/// @brief The RiskMetrics EWMA covariance (zero mean) after the last row of `returns`, started
///        by the first outer product: portfolio/covariance.hpp's `ewma_covariance` run over the
///        rows (symmetric bit for bit, as `monte_carlo_scenarios` requires).
[[nodiscard]] inline Eigen::MatrixXd portfolio_ewma_covariance(const Eigen::MatrixXd& returns, double lambda) {
  if (returns.rows() < 1) throw_invalid_argument("ewma covariance", "returns", "must hold at least one row", 0);
  ewma_covariance covariance(returns.cols(), lambda);
  std::vector<double> row(static_cast<std::size_t>(returns.cols()));
  for (Eigen::Index t = 0; t < returns.rows(); ++t) {
    for (Eigen::Index u = 0; u < returns.cols(); ++u) row[static_cast<std::size_t>(u)] = returns(t, u);
    covariance.update_or_throw(row);
  }
  return covariance.covariance();
}

/// @brief The scenario set a config asks for, over the book's underlyings.
/// @param history the common log returns (needed by filtered_historical and monte_carlo); its
///        columns are matched to the book's underlyings by name
/// @throws dynmargin::invalid_argument when a history is needed and missing, lacks an
///         underlying, or is shorter than the engine needs.
namespace detail {

// The book's underlyings' columns of the common history, with a name per row, checked long
// enough for the engine.
struct aligned_returns {
  Eigen::MatrixXd returns;
  std::vector<std::string> names;
};

[[nodiscard]] inline aligned_returns portfolio_aligned_returns(const portfolio_book& book,
                                                               const portfolio_config& config,
                                                               const price_history* history) {
  const auto underlyings = static_cast<Eigen::Index>(book.underlyings.size());
  const std::string engine(to_string(config.engine));
  if (history == nullptr) {
    std::string names;
    for (const auto& u : book.underlyings) names += (names.empty() ? "" : ", ") + u;
    throw invalid_argument("portfolio: engine " + engine + " needs price histories of the underlyings (" + names +
                           ") to build its scenarios (--prices), got none");
  }
  Eigen::MatrixXd returns(history->returns.rows(), underlyings);
  for (Eigen::Index u = 0; u < underlyings; ++u) {
    const std::string& name = book.underlyings[static_cast<std::size_t>(u)];
    const auto at = std::find(history->underlyings.begin(), history->underlyings.end(), name);
    if (at == history->underlyings.end())
      throw invalid_argument("portfolio: engine " + engine + " needs the price history of " +
                             detail::portfolio_quote(name) + ", got none");
    returns.col(u) = history->returns.col(static_cast<Eigen::Index>(at - history->underlyings.begin()));
  }
  if (config.engine == portfolio_engine::filtered_historical) {
    const std::int64_t needed = config.filtered_historical.warmup + 1;
    if (returns.rows() < needed)
      throw invalid_argument("portfolio: filtered_historical needs at least warmup + 1 = " + std::to_string(needed) +
                             " returns on the times all underlyings share, got " + std::to_string(returns.rows()));
  } else if (returns.rows() < 2) {
    throw invalid_argument("portfolio: monte_carlo needs at least 2 returns on the times all underlyings share, got " +
                           std::to_string(returns.rows()));
  }
  std::vector<std::string> names;
  names.reserve(history->times.size());
  for (const auto t : history->times) names.push_back(format_portfolio_time(t));
  return {std::move(returns), std::move(names)};
}

}  // namespace detail

/// @brief The scenario set a config asks for, over the book's underlyings.
/// @param history the common log returns (needed by filtered_historical and monte_carlo); its
///        columns are matched to the book's underlyings by name
/// @throws dynmargin::invalid_argument when a history is needed and missing, lacks an
///         underlying, or is shorter than the engine needs.
[[nodiscard]] inline scenario_set portfolio_scenarios(const portfolio_book& book, const portfolio_config& config,
                                                      const price_history* history) {
  const auto underlyings = static_cast<Eigen::Index>(book.underlyings.size());
  switch (config.engine) {
    case portfolio_engine::paradex: return paradex_grid(underlyings, config.paradex);
    case portfolio_engine::span: return span_grid(underlyings, config.span);
    case portfolio_engine::filtered_historical:
    case portfolio_engine::monte_carlo: break;
  }
  const detail::aligned_returns aligned = detail::portfolio_aligned_returns(book, config, history);
  if (config.engine == portfolio_engine::filtered_historical)
    return filtered_historical_scenarios(aligned.returns, config.filtered_historical, aligned.names);
  return monte_carlo_scenarios(portfolio_ewma_covariance(aligned.returns, config.covariance_lambda),
                               config.monte_carlo);
}

/// @brief One copy of a margin config (the `dynmargin margin` schema) per underlying, each run
///        over that underlying's own prices (sampled into the config's bars when it has a
///        "bar"), as `dynmargin margin` runs it: guard, volatility model and policies.
/// @param series the price histories, matched to `underlyings` by name
/// @throws dynmargin::invalid_argument naming the underlying: no prices for it, a price its
///         function refuses other than by its guard (a time out of order), and what
///         `build_margin_engine` refuses in the config.
/// The functions that run margin functions here are templates, as `run_backtests` is: the
/// run-time function's noexcept members reach std::visit, which cannot throw on these variants
/// (any_volatility.hpp) but which clang-tidy's exception-escape check would flag in every
/// header's own unit; instantiated, they are checked in the programs that call them.
template <std::ranges::input_range PriceHistories>
[[nodiscard]] std::vector<runtime_margin_function> run_margin_functions(const nlohmann::json& margin_config,
                                                                        std::span<const std::string> underlyings,
                                                                        const PriceHistories& series) {
  std::vector<runtime_margin_function> functions;
  for (const std::string& name : underlyings) {
    const auto own = std::ranges::find_if(series, [&](const underlying_prices& p) { return p.underlying == name; });
    if (own == std::ranges::end(series))
      throw invalid_argument("margin functions: no price history of " + detail::portfolio_quote(name) +
                             " (--prices), got none");
    if (own->times.size() != own->prices.size())
      throw_invalid_argument("margin functions: prices of " + detail::portfolio_quote(name), "times",
                             "must hold one time per price (" + std::to_string(own->prices.size()) + ")",
                             own->times.size());
    margin_engine engine = build_margin_engine(margin_config);
    std::vector<timestamp_us> times = own->times;
    std::vector<double> prices = own->prices;
    if (engine.bar) {
      bar_series bars = sample_into_bars(times, prices, *engine.bar, "margin functions: prices of " + name);
      times = std::move(bars.times);
      prices = std::move(bars.prices);
    }
    for (std::size_t i = 0; i < prices.size(); ++i) {
      const status s = engine.function.update(times[i], prices[i]);
      // The guard's verdicts (a held price) are the function's business; anything else is not.
      if (is_error(s) && s != status::suspect_input && s != status::non_finite_input)
        throw invalid_argument("margin functions: the function of " + detail::portfolio_quote(name) +
                               " refused its price " + std::to_string(i) + " (" + format_portfolio_time(times[i]) +
                               "): " + std::string(to_string(s)));
    }
    functions.push_back(std::move(engine.function));
  }
  return functions;
}

/// @brief With "margin_function": the dynamic portfolio margin of the book. Each underlying's
///        margin function runs over that underlying's whole price history (sampled into the
///        config's bars when it has a "bar"); the standardised scenarios are the filtered
///        historical residuals, or the Monte Carlo draws in units of each underlying's standard
///        deviation; `refresh` then scales them to the functions' rates and revalues the book.
/// @param series each underlying's own prices (its --prices file), matched by name
/// @throws dynmargin::invalid_argument: a config without "margin_function", an underlying
///         without prices, a function still in its warm-up at the end of its history (naming
///         the underlying), and what `portfolio_scenarios` and the revaluation refuse.
template <std::ranges::input_range PriceHistories>
[[nodiscard]] dynamic_portfolio_margin<runtime_margin_function> portfolio_dynamic_margin(const portfolio_book& book,
                                                                                         const portfolio_config& config,
                                                                                         const price_history* history,
                                                                                         const PriceHistories& series) {
  if (!config.margin_function)
    throw invalid_argument("portfolio: the dynamic margin needs \"margin_function\" in the config, got none");
  const detail::aligned_returns aligned = detail::portfolio_aligned_returns(book, config, history);
  standardised_scenarios standardised;
  dynamic_portfolio_settings settings;
  settings.rule = config.rule;
  settings.by_underlying = config.by_underlying;
  if (config.engine == portfolio_engine::filtered_historical) {
    standardised = filtered_historical_residuals(aligned.returns, config.filtered_historical, aligned.names);
    settings.iv_lambda = config.filtered_historical.lambda;
    settings.iv_sensitivity = config.filtered_historical.iv_sensitivity;
  } else {
    const Eigen::MatrixXd covariance = portfolio_ewma_covariance(aligned.returns, config.covariance_lambda);
    const scenario_set draws = monte_carlo_scenarios(covariance, config.monte_carlo);
    const double root_horizon = std::sqrt(static_cast<double>(config.monte_carlo.horizon_steps));
    standardised.names = draws.names;
    standardised.weight = draws.weight;
    standardised.z.resize(draws.price_return.rows(), draws.price_return.cols());
    for (Eigen::Index u = 0; u < draws.price_return.cols(); ++u) {
      const double sd = std::sqrt(covariance(u, u)) * root_horizon;
      for (Eigen::Index s = 0; s < draws.price_return.rows(); ++s)
        standardised.z(s, u) = sd > 0.0 ? std::log1p(draws.price_return(s, u)) / sd : 0.0;
    }
    settings.iv_lambda = config.monte_carlo.iv_lambda;
    settings.iv_sensitivity = config.monte_carlo.iv_sensitivity;
  }
  dynamic_portfolio_margin<runtime_margin_function> dynamic(
      book.underlyings, run_margin_functions(*config.margin_function, book.underlyings, series), book.instruments,
      std::move(standardised), settings);
  dynamic.refresh(book.valuation_time, book.states);
  return dynamic;
}

/// @brief Every account's margin (and, with `settings.attribution`, every position's part).
/// @param history common log returns of the book's underlyings (nullptr: none; the grids do
///        not need one)
/// @param series each underlying's own prices: needed with "margin_function" only (its margin
///        function runs over them; `portfolio_dynamic_margin`)
/// @throws dynmargin::invalid_argument from the scenario engines and the revaluation, naming
///         the instrument, scenario or setting and the value.
template <std::ranges::input_range PriceHistories = std::span<const underlying_prices>>
[[nodiscard]] portfolio_result run_portfolio(const portfolio_book& book, const portfolio_config& config,
                                             const price_history* history, const portfolio_run_settings& settings = {},
                                             const PriceHistories& series = {}) {
  std::optional<dynamic_portfolio_margin<runtime_margin_function>> dynamic;
  scenario_set fixed;
  Eigen::MatrixXd fixed_pnl;
  if (config.margin_function) {
    dynamic.emplace(portfolio_dynamic_margin(book, config, history, series));
  } else {
    fixed = portfolio_scenarios(book, config, history);
    fixed_pnl = scenario_pnl(book.instruments, book.states, book.valuation_time, fixed);
  }
  const scenario_set& scenarios = dynamic ? dynamic->scenarios() : fixed;
  const Eigen::MatrixXd& pnl = dynamic ? dynamic->pnl() : fixed_pnl;
  many_accounts_settings many;
  many.rule = config.rule;
  many.threads = settings.threads;
  std::vector<std::size_t> underlying_of;
  for (const auto& terms : book.instruments) underlying_of.push_back(terms.underlying);
  if (config.by_underlying) many.groups = underlying_of;
  const std::vector<scenario_margin_result> margins = margin_accounts(book.positions, pnl, scenarios.weight, many);
  const Eigen::VectorXd deltas = config.minimum_delta
                                     ? instrument_deltas(book.instruments, book.states, book.valuation_time)
                                     : Eigen::VectorXd::Zero(static_cast<Eigen::Index>(book.instruments.size()));

  portfolio_result out;
  out.scenarios = scenarios.size();
  // With margin functions: each underlying's maintenance / initial ratio, and its binding policy.
  std::vector<double> maintenance_ratio;
  if (dynamic) {
    for (const underlying_margin_report& r : dynamic->reports()) {
      out.underlyings.push_back({std::string(r.underlying), r.initial_rate, r.maintenance_rate, r.raw_rate, r.scale,
                                 std::string(r.quote.binding), r.price_suspect});
      maintenance_ratio.push_back(r.initial_rate > 0.0 ? r.maintenance_rate / r.initial_rate : 0.0);
    }
  }
  const Eigen::Index instruments = book.positions.cols();
  for (std::size_t a = 0; a < book.accounts.size(); ++a) {
    const auto row = static_cast<Eigen::Index>(a);
    portfolio_account_row r;
    r.account = book.accounts[a];
    r.scenario_margin = margins[a].margin;
    r.worst_loss = margins[a].worst_loss;
    r.binding_scenario = scenarios.names[margins[a].binding_scenario];
    if (config.by_underlying && book.underlyings.size() > 1)  // which underlying's scenario binds
      r.binding_scenario = book.underlyings[margins[a].binding_group] + ": " + r.binding_scenario;
    // The account's non-zero positions, in its own order (the book's holdings when it has them).
    std::vector<Eigen::Index> held;
    if (a < book.holdings.size()) {
      for (const std::size_t i : book.holdings[a]) held.push_back(static_cast<Eigen::Index>(i));
    } else {
      for (Eigen::Index i = 0; i < instruments; ++i)
        if (book.positions(row, i) != 0.0) held.push_back(i);
    }
    r.positions = held.size();
    if (config.minimum_delta) {
      for (std::size_t u = 0; u < book.underlyings.size(); ++u) {
        Eigen::Index count = 0;
        for (const Eigen::Index i : held)
          count += book.instruments[static_cast<std::size_t>(i)].underlying == u ? 1 : 0;
        if (count == 0) continue;
        Eigen::VectorXd q(count);
        Eigen::VectorXd d(count);
        Eigen::Index k = 0;
        for (const Eigen::Index i : held) {
          if (book.instruments[static_cast<std::size_t>(i)].underlying != u) continue;
          q(k) = book.positions(row, i);
          d(k) = deltas(i);
          ++k;
        }
        r.minimum_delta += minimum_delta_charge(q, d, book.spots[u], config.minimum_delta_net,
                                                config.minimum_delta_hedged);
      }
    }
    r.initial = std::max(r.scenario_margin, r.minimum_delta);
    r.maintenance = config.maintenance_fraction * r.initial;
    if (dynamic) {
      // The underlying that binds: by underlying, the group of the largest margin; jointly, the
      // underlying whose positions lose most in the binding scenario. The maintenance takes the
      // largest ratio among the underlyings held (one underlying: its function's own ratio).
      std::vector<double> loss(book.underlyings.size(), 0.0);
      const auto binding_row = static_cast<Eigen::Index>(margins[a].binding_scenario);
      double ratio = 0.0;
      for (const Eigen::Index i : held) {
        const std::size_t u = book.instruments[static_cast<std::size_t>(i)].underlying;
        loss[u] -= pnl(binding_row, i) * book.positions(row, i);
        ratio = std::max(ratio, maintenance_ratio[u]);
      }
      const std::size_t u = config.by_underlying
                                ? margins[a].binding_group
                                : static_cast<std::size_t>(std::max_element(loss.begin(), loss.end()) - loss.begin());
      r.binding_underlying = book.underlyings[u];
      r.binding_policy = out.underlyings[u].binding_policy;
      r.maintenance = ratio * r.initial;
    }
    if (settings.attribution) {
      // The account's own columns only: the same margin, and no work for instruments it does not hold.
      const auto m = static_cast<Eigen::Index>(held.size());
      Eigen::MatrixXd own(pnl.rows(), m);
      Eigen::VectorXd q(m);
      for (Eigen::Index j = 0; j < m; ++j) {
        own.col(j) = pnl.col(held[static_cast<std::size_t>(j)]);
        q(j) = book.positions(row, held[static_cast<std::size_t>(j)]);
      }
      std::vector<std::size_t> own_groups;
      for (Eigen::Index j = 0; j < m; ++j)
        own_groups.push_back(underlying_of[static_cast<std::size_t>(held[static_cast<std::size_t>(j)])]);
      const margin_attribution parts = config.by_underlying
                                           ? attribute_margin_by_group(own, q, scenarios.weight, config.rule,
                                                                       own_groups, book.underlyings.size())
                                           : attribute_margin(own, q, scenarios.weight, config.rule);
      for (Eigen::Index j = 0; j < m; ++j) {
        portfolio_attribution_row p;
        p.account = r.account;
        p.instrument = book.instruments[static_cast<std::size_t>(held[static_cast<std::size_t>(j)])].name;
        p.quantity = q(j);
        p.component = parts.component(j);
        p.incremental = parts.incremental(j);
        p.standalone = parts.standalone(j);
        out.attribution.push_back(std::move(p));
      }
    }
    out.accounts.push_back(std::move(r));
  }
  return out;
}

}  // namespace dynmargin
