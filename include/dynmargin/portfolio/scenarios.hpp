// SPDX-License-Identifier: MIT
/// @file
/// @brief Scenario sets: joint moves of every underlying's price and implied volatility, with a
///        weight per scenario; the CME SPAN and Paradex grids, every parameter configurable.
///
/// A scenario moves underlying u's price by a relative return (F' = F (1 + r)) and its options'
/// implied volatility by a shock v, turned into a new volatility by a `volatility_shock_rule`:
///   relative: sigma' = sigma (1 + v f(DTE)),   absolute: sigma' = sigma + v f(DTE),
///   f(DTE) = (30 / max(floor, DTE))^p, p = `short_power` under `power_switch_days`, else
///   `long_power` (p = 0 makes f = 1: the same shock at every expiry).
/// The margin of a grid is the largest weighted loss, max_s w_s L_s (portfolio/scenario_margin.hpp).
///
/// Grids:
///  - `paradex_grid`: Paradex portfolio margin as published (docs.paradex.trade, "Portfolio
///    Margin"): 16 core rows, spot +-4, +-8, +-12% with vol +40% and -22%, 0% with both, +-16%
///    with +40% only; 8 extreme rows -66, -33, +50, +100, +200, +300, +400, +500% with vol +40%
///    at weights 24, 48, 32, 16, 8, 5.33, 4, 3.2%; relative vol shocks with p = 0.30 under
///    30 days and 0.13 from 30 days, DTE floored at 1 day.
///  - `span_grid`: CME SPAN's 16 risk scenarios (CME, "SPAN methodology overview"): price
///    unchanged, up and down 1/3, 2/3 and 3/3 of the price scan range, each with volatility up
///    and down by the volatility scan range (14 rows), and two extreme moves of
///    `extreme_multiple` (default 3) scan ranges with volatility unchanged, counted at
///    `extreme_weight` (default 35%). SPAN's volatility scan range is in volatility points, an
///    absolute shock.
/// One scan range applies to every underlying (a scenario moves them all in the same direction,
/// as SPAN does within a combined commodity); per-underlying ranges are set through
/// `scan_range_by_underlying`.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "dynmargin/core/error.hpp"

namespace dynmargin {

/// @brief How a scenario's volatility shock v changes an option's implied volatility.
struct volatility_shock_rule {
  enum class mode : std::uint8_t { relative, absolute };
  mode kind = mode::relative;  ///< relative: sigma (1 + v f); absolute: sigma + v f
  double short_power = 0.0;    ///< p under `power_switch_days` days to expiry
  double long_power = 0.0;     ///< p from `power_switch_days` on
  double power_switch_days = 30.0;
  double reference_days = 30.0;  ///< the 30 of (30 / DTE)^p
  double floor_days = 1.0;       ///< DTE is floored here (Paradex: max(1, DTE))

  /// @brief f(DTE) = (reference / max(floor, DTE))^p.
  [[nodiscard]] double term_factor(double days_to_expiry) const noexcept {
    const double power = days_to_expiry < power_switch_days ? short_power : long_power;
    if (power == 0.0) return 1.0;
    return std::pow(reference_days / std::max(floor_days, days_to_expiry), power);
  }
  /// @brief The shocked volatility. May be <= 0 for a large negative absolute shock; the
  ///        revaluation refuses that, naming the instrument and scenario.
  [[nodiscard]] double shocked(double volatility, double shock, double days_to_expiry) const noexcept {
    const double move = shock * term_factor(days_to_expiry);
    return kind == mode::relative ? volatility * (1.0 + move) : volatility + move;
  }
};

/// @brief A set of joint scenarios over `underlyings()` underlyings.
struct scenario_set {
  std::vector<std::string> names;    ///< one per scenario, for the answer's "binding scenario"
  Eigen::MatrixXd price_return;      ///< scenarios x underlyings: F' = F (1 + r)
  Eigen::MatrixXd volatility_shock;  ///< scenarios x underlyings: v, through `rule`
  Eigen::VectorXd weight;            ///< per scenario: the loss counts at w (1 = full)
  volatility_shock_rule rule;

  [[nodiscard]] std::size_t size() const noexcept { return names.size(); }
  [[nodiscard]] Eigen::Index underlyings() const noexcept { return price_return.cols(); }
};

/// @brief Checks a scenario set's shapes and values.
/// @throws dynmargin::invalid_argument naming the scenario and the value: mismatched sizes, a
///         return not above -100% or not finite, a weight outside [0, 1], a non-finite shock.
inline void check_scenario_set(const scenario_set& set, std::string_view component = "scenario_set") {
  const auto rows = static_cast<Eigen::Index>(set.names.size());
  if (rows == 0) throw_invalid_argument(component, "scenarios", "must hold at least one scenario", 0);
  if (set.price_return.rows() != rows || set.volatility_shock.rows() != rows || set.weight.size() != rows)
    throw_invalid_argument(component, "price_return/volatility_shock/weight rows", "must all equal the names' count",
                           std::to_string(set.price_return.rows()) + "/" + std::to_string(set.volatility_shock.rows()) +
                               "/" + std::to_string(set.weight.size()) + " for " + std::to_string(rows) + " names");
  if (set.volatility_shock.cols() != set.price_return.cols())
    throw_invalid_argument(component, "volatility_shock columns", "must equal price_return's columns",
                           set.volatility_shock.cols());
  for (Eigen::Index s = 0; s < rows; ++s) {
    const std::string& name = set.names[static_cast<std::size_t>(s)];
    if (!(set.weight(s) >= 0.0 && set.weight(s) <= 1.0))
      throw_invalid_argument(component, "weight of scenario \"" + name + "\"", "must be in [0, 1]", set.weight(s));
    for (Eigen::Index u = 0; u < set.price_return.cols(); ++u) {
      if (!(std::isfinite(set.price_return(s, u)) && set.price_return(s, u) > -1.0))
        throw_invalid_argument(component, "price return of scenario \"" + name + "\"",
                               "must be finite and > -1 (a price stays positive)", set.price_return(s, u));
      if (!std::isfinite(set.volatility_shock(s, u)))
        throw_invalid_argument(component, "volatility shock of scenario \"" + name + "\"", "must be finite",
                               set.volatility_shock(s, u));
    }
  }
}

/// @brief One row of a grid: a price move, a volatility shock and a weight.
struct grid_row {
  double price_return = 0.0;
  double volatility_shock = 0.0;
  double weight = 1.0;
};

/// @brief A scenario set that moves every one of `underlyings` underlyings by the same row.
[[nodiscard]] inline scenario_set uniform_grid(const std::vector<grid_row>& rows, Eigen::Index underlyings,
                                               const volatility_shock_rule& rule) {
  if (underlyings < 1) throw_invalid_argument("scenario grid", "underlyings", "must be at least 1", underlyings);
  scenario_set set;
  const auto n = static_cast<Eigen::Index>(rows.size());
  set.price_return.resize(n, underlyings);
  set.volatility_shock.resize(n, underlyings);
  set.weight.resize(n);
  set.rule = rule;
  for (Eigen::Index s = 0; s < n; ++s) {
    const grid_row& row = rows[static_cast<std::size_t>(s)];
    set.price_return.row(s).setConstant(row.price_return);
    set.volatility_shock.row(s).setConstant(row.volatility_shock);
    set.weight(s) = row.weight;
    const auto percent = [](double x) {
      const double p = std::round(x * 10000.0) / 100.0;  // two decimals of a percent
      std::string text = detail::format_value(p);
      return (x > 0.0 ? "+" : "") + text + "%";
    };
    set.names.push_back("price " + percent(row.price_return) + " vol " + percent(row.volatility_shock));
  }
  check_scenario_set(set, "scenario grid");
  return set;
}

/// @brief Settings of the Paradex grid (defaults: as Paradex publishes it).
struct paradex_grid_settings {
  std::vector<double> core_moves{0.16, 0.12, 0.08, 0.04, 0.0, -0.04, -0.08, -0.12, -0.16};
  double vol_up = 0.40;
  double vol_down = -0.22;
  /// Core moves whose size is at least this get vol up only (Paradex: +-16%).
  double vol_up_only_from = 0.16;
  std::vector<grid_row> extreme_rows{{-0.66, 0.40, 0.24}, {-0.33, 0.40, 0.48}, {0.50, 0.40, 0.32},
                                     {1.00, 0.40, 0.16},  {2.00, 0.40, 0.08},  {3.00, 0.40, 0.0533},
                                     {4.00, 0.40, 0.04},  {5.00, 0.40, 0.032}};
  volatility_shock_rule rule{volatility_shock_rule::mode::relative, 0.30, 0.13, 30.0, 30.0, 1.0};
  double min_delta_net = 0.02;        ///< min delta charge: (net |delta| x this
  double min_delta_hedged = 0.01;     ///<  + hedged delta x this) x spot
  double maintenance_fraction = 0.5;  ///< MMR = this x IMR
};

/// @brief The Paradex grid: 24 scenarios with the default settings.
[[nodiscard]] inline scenario_set paradex_grid(Eigen::Index underlyings, const paradex_grid_settings& settings = {}) {
  std::vector<grid_row> rows;
  for (const double move : settings.core_moves) {
    rows.push_back({move, settings.vol_up, 1.0});
    if (std::abs(move) < settings.vol_up_only_from - 1e-12) rows.push_back({move, settings.vol_down, 1.0});
  }
  rows.insert(rows.end(), settings.extreme_rows.begin(), settings.extreme_rows.end());
  return uniform_grid(rows, underlyings, settings.rule);
}

/// @brief Settings of the SPAN grid.
struct span_grid_settings {
  double price_scan_range = 0.15;       ///< the full price move, as a fraction of the price
  double volatility_scan_range = 0.04;  ///< volatility points as a fraction (0.04 = 4 points)
  double extreme_multiple = 3.0;        ///< the extreme moves are this many scan ranges
  double extreme_weight = 0.35;         ///< and count at this fraction of their loss
  /// USD per short option contract (SOM); `short_option_minimum_charge` (revaluation.hpp) applies it.
  double short_option_minimum = 0.0;
};

/// @brief CME SPAN's 16 risk scenarios, in SPAN's order.
[[nodiscard]] inline scenario_set span_grid(Eigen::Index underlyings, const span_grid_settings& settings = {}) {
  if (!(settings.price_scan_range > 0.0 && settings.price_scan_range * settings.extreme_multiple < 1.0))
    throw_invalid_argument("span grid", "price_scan_range",
                           "must be > 0 with extreme_multiple x range < 1 (prices stay positive)",
                           settings.price_scan_range);
  if (!(settings.volatility_scan_range >= 0.0))
    throw_invalid_argument("span grid", "volatility_scan_range", "must be >= 0", settings.volatility_scan_range);
  if (!(settings.extreme_weight >= 0.0 && settings.extreme_weight <= 1.0))
    throw_invalid_argument("span grid", "extreme_weight", "must be in [0, 1]", settings.extreme_weight);
  std::vector<grid_row> rows;
  const double range = settings.price_scan_range;
  const double vol = settings.volatility_scan_range;
  for (const double fraction : {0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0}) {
    for (const double sign : {1.0, -1.0}) {
      if (fraction == 0.0 && sign < 0.0) continue;
      rows.push_back({sign * fraction * range, vol, 1.0});
      rows.push_back({sign * fraction * range, -vol, 1.0});
    }
  }
  rows.push_back({settings.extreme_multiple * range, 0.0, settings.extreme_weight});
  rows.push_back({-settings.extreme_multiple * range, 0.0, settings.extreme_weight});
  return uniform_grid(rows, underlyings, {volatility_shock_rule::mode::absolute, 0.0, 0.0, 30.0, 30.0, 1.0});
}

}  // namespace dynmargin
