// SPDX-License-Identifier: MIT
/// @file
/// @brief Position-size policies: bracket tables with maintenance-amount deductions
///        (Binance, Bybit, Hyperliquid), BitMEX step risk limits, Deribit's linear size
///        add-on, and a continuous square-root impact curve with no cliffs.
///
/// Larger positions take longer to close out and move the price more when they are, so every
/// venue charges them a higher rate. The four shapes here:
///
/// **Bracket table** (`size_tiers_policy`). Sources: Binance, "Leverage and Margin of USDⓈ-M
/// Futures" and "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts" (FAQ,
/// 2020-08-14): "Maintenance Margin = Notional Position Value * Maintenance Margin Rate -
/// Maintenance Amount", with "Maintenance Amount on Level n = Floor of Position Bracket on
/// Level n * (MMR_n - MMR_{n-1}) + Maintenance Amount on Level n-1"; Hyperliquid docs,
/// "Trading / Margin tiers": the same deduction rule with MMR = (initial margin rate at the
/// tier's maximum leverage) / 2, "so that ... the total maintenance margin [is] a continuous
/// function of position size". With L_n the lower notional bound of bracket n:
///
///     MM(N) = N * MMR_n - D_n,   D_1 = 0,   D_n = D_{n-1} + L_n * (MMR_n - MMR_{n-1}).
///
/// The deductions are computed from the brackets, never typed in. The initial margin at the
/// bracket's maximum leverage is IMR_n = 1 / leverage_n. The venues apply it to the whole
/// position *without* a deduction (Binance: IM = notional / leverage with the leverage capped
/// by the bracket; Hyperliquid likewise; Bybit's risk-limit IMR): IM jumps at a bracket
/// boundary. `tier_initial_rule::continuous` applies the same deduction trick to IM
/// (DI_n = DI_{n-1} + L_n (IMR_n - IMR_{n-1})), which no venue above does but which removes
/// the cliff. Both rules are monotone in size.
///
/// **Step risk limits** (`step_risk_limit_policy`). BitMEX XBTUSD: maintenance 0.5%, initial 1.0%
/// up to a base risk limit of 200 XBT; every further step of 150 XBT (or part of one) adds
/// 0.5% to both rates, applied to the whole position (BitMEX "Risk
/// Limits"). The step count is the smallest risk limit that holds the position:
/// k = ceil(max(size - base, 0) / step). Rates jump at each step.
///
/// **Linear size add-on** (`deribit_size_addon_policy`). Deribit BTC futures
/// (Deribit "Margin requirements", January 2022): IM = 2% + 0.005% * size(BTC),
/// MM = 1% + 0.005% * size(BTC), rates of notional. Continuous and monotone.
///
/// **Impact curve** (`impact_curve_policy`). An add-on rate k * sqrt(size / ADV) (capped at
/// `max_rate`), continuous and increasing in size, so the amount N * k * sqrt(N / ADV) grows
/// like N^1.5 with no cliff. Calibration: the square-root law of market impact (Almgren,
/// Thum, Hauptmann and Li, "Direct estimation of equity market impact", Risk 2005; Toth et
/// al., "Anomalous price impact and the critical nature of liquidity", PRX 2011) says that
/// executing Q when V trades per day moves the price by about Y * sigma_daily * sqrt(Q / V)
/// with Y of order 1; `impact_curve_policy_config::from_volatility` sets k = Y * sigma_daily.
/// FTX's "IMF factor * sqrt(size)" was the only published crypto example (FTX help centre, "Margin").
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/position_common.hpp"

namespace dynmargin {

// ---------------------------------------------------------------------------------------
// Bracket table
// ---------------------------------------------------------------------------------------

/// @brief One row of a bracket table as venues publish it.
struct tier_bracket {
  double notional_cap = 0.0;      ///< upper notional bound of the bracket; +infinity allowed for the last
  double max_leverage = 1.0;      ///< maximum leverage inside the bracket (>= 1); IMR = 1 / max_leverage
  double maintenance_rate = 0.0;  ///< maintenance margin rate of the bracket, in [0, 1 / max_leverage]
};

/// @brief A bracket given by leverage only (Hyperliquid style); see `brackets_from_leverage`.
struct leverage_tier {
  double notional_cap = 0.0;  ///< upper notional bound; +infinity allowed for the last
  double max_leverage = 1.0;  ///< maximum leverage inside the bracket (>= 1)
};

/// @brief How the initial margin follows the brackets (see the file comment).
enum class tier_initial_rule : std::uint8_t {
  whole_position,  ///< IM = N / leverage(N): the venues' rule, jumps at each boundary
  continuous,      ///< IM = N / leverage(N) - DI(N): the deduction trick applied to IM, continuous
};

/// @brief Which bracket a notional exactly on a boundary belongs to.
enum class tier_boundary : std::uint8_t {
  cap_inclusive,    ///< Binance: "0 < Position <= 50,000" is bracket 1
  floor_inclusive,  ///< Hyperliquid: a tier's lower bound belongs to that tier
};

/// @brief Configuration of `size_tiers_policy`.
struct size_tiers_policy_config {
  std::vector<tier_bracket> brackets;  ///< ordered by increasing cap
  tier_initial_rule initial = tier_initial_rule::whole_position;
  tier_boundary boundary = tier_boundary::cap_inclusive;
  combine_rule combine = combine_rule::floor;  ///< floor: max(risk amounts, table)
};

/// @brief One bracket with everything derived from the table.
struct tier_row {
  double notional_floor = 0.0;  ///< lower bound L_n (the previous cap, 0 for the first)
  double notional_cap = 0.0;    ///< upper bound
  double max_leverage = 1.0;
  double initial_rate = 1.0;  ///< 1 / max_leverage
  double maintenance_rate = 0.0;
  double maintenance_deduction = 0.0;  ///< D_n (Binance "maintenance amount", "cum")
  double initial_deduction = 0.0;      ///< DI_n, used by `tier_initial_rule::continuous`
  friend bool operator==(const tier_row&, const tier_row&) = default;
};

/// @brief Brackets whose maintenance rate is `maintenance_fraction / max_leverage`
///        (Hyperliquid: half the initial margin rate at the tier's maximum leverage).
/// @throws dynmargin::invalid_argument when maintenance_fraction is outside (0, 1].
[[nodiscard]] inline std::vector<tier_bracket> brackets_from_leverage(std::span<const leverage_tier> tiers,
                                                                      double maintenance_fraction = 0.5) {
  if (!(maintenance_fraction > 0.0 && maintenance_fraction <= 1.0)) {
    throw_invalid_argument("tiers", "maintenance_fraction", "must be in (0, 1]", maintenance_fraction);
  }
  std::vector<tier_bracket> out;
  out.reserve(tiers.size());
  for (const auto& tier : tiers) {
    out.push_back({tier.notional_cap, tier.max_leverage, maintenance_fraction / tier.max_leverage});
  }
  return out;
}

/// @brief Bracket table with maintenance (and optionally initial) deductions; a
///        `position_policy`. Stateless: the table is fixed at construction.
class size_tiers_policy {
 public:
  using model_concept = position_policy_tag;
  using config_type = size_tiers_policy_config;  ///< what the constructor takes

  /// @throws dynmargin::invalid_argument naming the bracket index, field and value when the
  ///         table is empty, a cap is not positive or does not increase, a non-last cap is
  ///         infinite, a leverage is below 1 or rises, a maintenance rate is negative, falls,
  ///         or exceeds 1 / max_leverage.
  explicit size_tiers_policy(size_tiers_policy_config config) : config_(std::move(config)) {
    const auto& brackets = config_.brackets;
    if (brackets.empty())
      throw_invalid_argument("tiers", "brackets", "must hold at least one bracket", brackets.size());
    rows_.reserve(brackets.size());
    for (std::size_t i = 0; i < brackets.size(); ++i) {
      const tier_bracket& b = brackets[i];
      const std::string at = "brackets[" + std::to_string(i) + "]";
      const bool last = i + 1 == brackets.size();
      if (!(b.notional_cap > 0.0) || std::isnan(b.notional_cap) || (!last && !std::isfinite(b.notional_cap))) {
        throw_invalid_argument("tiers", at + ".notional_cap",
                               last ? "must be > 0 (infinity allowed)" : "must be finite and > 0", b.notional_cap);
      }
      if (!(std::isfinite(b.max_leverage) && b.max_leverage >= 1.0)) {
        throw_invalid_argument("tiers", at + ".max_leverage", "must be finite and >= 1", b.max_leverage);
      }
      if (!(std::isfinite(b.maintenance_rate) && b.maintenance_rate >= 0.0)) {
        throw_invalid_argument("tiers", at + ".maintenance_rate", "must be finite and >= 0", b.maintenance_rate);
      }
      if (b.maintenance_rate > 1.0 / b.max_leverage) {
        throw_invalid_argument("tiers", at + ".maintenance_rate",
                               "must not exceed 1 / max_leverage (" + detail::format_value(1.0 / b.max_leverage) + ")",
                               b.maintenance_rate);
      }
      tier_row row;
      row.notional_cap = b.notional_cap;
      row.max_leverage = b.max_leverage;
      row.initial_rate = 1.0 / b.max_leverage;
      row.maintenance_rate = b.maintenance_rate;
      if (i > 0) {
        const tier_bracket& p = brackets[i - 1];
        const std::string prev = "brackets[" + std::to_string(i - 1) + "]";
        if (!(b.notional_cap > p.notional_cap)) {
          throw_invalid_argument("tiers", at + ".notional_cap",
                                 "must be greater than " + prev + ".notional_cap (" +
                                     detail::format_value(p.notional_cap) + ")",
                                 b.notional_cap);
        }
        if (b.max_leverage > p.max_leverage) {
          throw_invalid_argument("tiers", at + ".max_leverage",
                                 "must not exceed " + prev + ".max_leverage (" + detail::format_value(p.max_leverage) +
                                     ")",
                                 b.max_leverage);
        }
        if (b.maintenance_rate < p.maintenance_rate) {
          throw_invalid_argument("tiers", at + ".maintenance_rate",
                                 "must not be below " + prev + ".maintenance_rate (" +
                                     detail::format_value(p.maintenance_rate) + ")",
                                 b.maintenance_rate);
        }
        const tier_row& q = rows_.back();
        row.notional_floor = q.notional_cap;
        row.maintenance_deduction = q.maintenance_deduction +
                                    row.notional_floor * (row.maintenance_rate - q.maintenance_rate);
        row.initial_deduction = q.initial_deduction + row.notional_floor * (row.initial_rate - q.initial_rate);
      }
      rows_.push_back(row);
    }
  }

  /// @brief Convenience: brackets only, venue defaults for the rest.
  explicit size_tiers_policy(std::vector<tier_bracket> brackets)
      : size_tiers_policy(size_tiers_policy_config{std::move(brackets)}) {}

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "tiers";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }

  /// @brief Index of the bracket holding `notional` (>= 0); a notional above the last cap
  ///        maps to the last bracket (see `within_limit`).
  [[nodiscard]] std::size_t bracket_index(double notional) const noexcept {
    const std::size_t n = rows_.size();
    std::size_t i = 0;
    if (config_.boundary == tier_boundary::cap_inclusive) {
      while (i + 1 < n && notional > rows_[i].notional_cap) ++i;
    } else {
      while (i + 1 < n && notional >= rows_[i].notional_cap) ++i;
    }
    return i;
  }

  /// @brief The derived rows (floors, rates, deductions), in bracket order.
  [[nodiscard]] std::span<const tier_row> rows() const noexcept { return rows_; }
  [[nodiscard]] const tier_row& row(std::size_t index) const noexcept { return rows_[index]; }
  [[nodiscard]] std::size_t size() const noexcept { return rows_.size(); }
  [[nodiscard]] const size_tiers_policy_config& config() const noexcept { return config_; }

  /// @brief False when the notional exceeds the last bracket's cap: the venue would refuse the
  ///        position. The amounts above the cap extrapolate the last bracket.
  [[nodiscard]] bool within_limit(double notional) const noexcept { return notional <= rows_.back().notional_cap; }

  /// @brief Maintenance amount N * MMR_n - D_n for a notional N >= 0.
  [[nodiscard]] double maintenance_amount(double notional) const noexcept {
    const tier_row& r = rows_[bracket_index(notional)];
    return notional * r.maintenance_rate - r.maintenance_deduction;
  }

  /// @brief Initial amount at the bracket's maximum leverage under the configured rule.
  [[nodiscard]] double initial_amount(double notional) const noexcept {
    const tier_row& r = rows_[bracket_index(notional)];
    const double whole = notional * r.initial_rate;
    return config_.initial == tier_initial_rule::continuous ? whole - r.initial_deduction : whole;
  }

  /// @brief The table's amounts for a notional.
  [[nodiscard]] margin_amounts amounts(double notional) const noexcept {
    const tier_row& r = rows_[bracket_index(notional)];
    const double whole = notional * r.initial_rate;
    return {config_.initial == tier_initial_rule::continuous ? whole - r.initial_deduction : whole,
            notional * r.maintenance_rate - r.maintenance_deduction};
  }

  /// @brief Combines the incoming amounts with the table's (floor by default). A negative or
  ///        non-finite notional leaves the amounts unchanged (the margin function rejects
  ///        such positions before its chain).
  [[nodiscard]] margin_amounts apply(const position_context& context, margin_amounts in) const noexcept {
    const double notional = context.notional;
    if (!(std::isfinite(notional) && notional >= 0.0)) return in;
    return detail::combine_amounts(config_.combine, in, amounts(notional));
  }

 private:
  size_tiers_policy_config config_;
  std::vector<tier_row> rows_;
};

// ---------------------------------------------------------------------------------------
// BitMEX step risk limits
// ---------------------------------------------------------------------------------------

/// @brief Configuration of `step_risk_limit_policy` (defaults: BitMEX XBTUSD, BitMEX "Risk Limits").
struct step_risk_limit_policy_config {
  double base_limit = 200.0;                                   ///< size covered at the base rates (> 0)
  double step = 150.0;                                         ///< size of one risk-limit step (> 0)
  rate initial_rate{0.01};                                     ///< base initial rate, in [0, 1]
  rate maintenance_rate{0.005};                                ///< base maintenance rate, in [0, 1] (<= initial_rate)
  rate step_rate{0.005};                                       ///< added to both rates per step, in [0, 1]
  double max_limit = std::numeric_limits<double>::infinity();  ///< largest risk limit offered
  size_measure measure = size_measure::quantity;               ///< BitMEX counts XBT
  combine_rule combine = combine_rule::floor;
};

/// @brief BitMEX-style step risk limits; a `position_policy`.
class step_risk_limit_policy {
 public:
  using model_concept = position_policy_tag;
  using config_type = step_risk_limit_policy_config;  ///< what the constructor takes

  /// @throws dynmargin::invalid_argument naming the field and value when a limit or step is
  ///         not positive, a rate is outside [0, 1], maintenance exceeds initial, or
  ///         max_limit is below base_limit.
  explicit step_risk_limit_policy(const step_risk_limit_policy_config& config = {}) : config_(config) {
    detail::require_finite_positive("step_risk_limit", "base_limit", config.base_limit);
    detail::require_finite_positive("step_risk_limit", "step", config.step);
    detail::require_unit_interval("step_risk_limit", "initial_rate", config.initial_rate.value());
    detail::require_unit_interval("step_risk_limit", "maintenance_rate", config.maintenance_rate.value());
    detail::require_unit_interval("step_risk_limit", "step_rate", config.step_rate.value());
    if (config.maintenance_rate > config.initial_rate) {
      throw_invalid_argument("step_risk_limit", "maintenance_rate",
                             "must not exceed initial_rate (" + detail::format_value(config.initial_rate.value()) + ")",
                             config.maintenance_rate.value());
    }
    if (!(config.max_limit >= config.base_limit)) {
      throw_invalid_argument("step_risk_limit", "max_limit",
                             "must be >= base_limit (" + detail::format_value(config.base_limit) + ")",
                             config.max_limit);
    }
  }

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "step_risk_limit";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }

  /// @brief Number of steps above the base limit needed to hold `size` (0 within the base).
  [[nodiscard]] double steps(double size) const noexcept {
    return size <= config_.base_limit ? 0.0 : std::ceil((size - config_.base_limit) / config_.step);
  }
  /// @brief The smallest risk limit that holds `size`.
  [[nodiscard]] double risk_limit(double size) const noexcept {
    return config_.base_limit + steps(size) * config_.step;
  }
  /// @brief False when the needed risk limit exceeds `max_limit`.
  [[nodiscard]] bool within_limit(double size) const noexcept { return risk_limit(size) <= config_.max_limit; }

  /// @brief Initial and maintenance rates of notional for a size (capped at 1).
  [[nodiscard]] margin_rates rates(double size) const noexcept {
    const double add = steps(size) * config_.step_rate.value();
    return {std::min(config_.initial_rate.value() + add, 1.0), std::min(config_.maintenance_rate.value() + add, 1.0)};
  }

  [[nodiscard]] margin_amounts apply(const position_context& context, margin_amounts in) const noexcept {
    const double size = detail::position_size(context, config_.measure);
    if (std::isnan(size) || !(std::isfinite(context.notional) && context.notional >= 0.0)) return in;
    const margin_rates r = rates(size);
    return detail::combine_amounts(config_.combine, in,
                                   {context.notional * r.initial, context.notional * r.maintenance});
  }

  [[nodiscard]] const step_risk_limit_policy_config& config() const noexcept { return config_; }

 private:
  step_risk_limit_policy_config config_;
};

// ---------------------------------------------------------------------------------------
// Deribit linear size add-on
// ---------------------------------------------------------------------------------------

/// @brief Configuration of `deribit_size_addon_policy` (defaults: Deribit BTC futures, F8).
struct deribit_size_addon_policy_config {
  rate initial_base{0.02};                        ///< a: IM rate = a + b * size, in [0, 1]
  rate maintenance_base{0.01};                    ///< c: MM rate = c + b * size, in [0, 1] (<= initial_base)
  rate size_rate{0.00005};                        ///< b: 0.005% per unit of size
  rate max_rate{1.0};                             ///< cap on both rates, in (0, 1]
  size_measure measure = size_measure::quantity;  ///< Deribit counts BTC
  combine_rule combine = combine_rule::floor;
};

/// @brief Deribit's linear size schedule; a `position_policy`.
class deribit_size_addon_policy {
 public:
  using model_concept = position_policy_tag;
  using config_type = deribit_size_addon_policy_config;  ///< what the constructor takes

  /// @throws dynmargin::invalid_argument naming the field and value when a base rate is above
  ///         1, maintenance_base exceeds initial_base, or max_rate is outside (0, 1].
  explicit deribit_size_addon_policy(const deribit_size_addon_policy_config& config = {}) : config_(config) {
    detail::require_unit_interval("deribit_size_addon", "initial_base", config.initial_base.value());
    detail::require_unit_interval("deribit_size_addon", "maintenance_base", config.maintenance_base.value());
    if (config.maintenance_base > config.initial_base) {
      throw_invalid_argument("deribit_size_addon", "maintenance_base",
                             "must not exceed initial_base (" + detail::format_value(config.initial_base.value()) + ")",
                             config.maintenance_base.value());
    }
    if (!(config.max_rate.value() > 0.0 && config.max_rate.value() <= 1.0)) {
      throw_invalid_argument("deribit_size_addon", "max_rate", "must be in (0, 1]", config.max_rate.value());
    }
  }

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "deribit_size_addon";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }

  /// @brief IM and MM rates of notional for a size.
  [[nodiscard]] margin_rates rates(double size) const noexcept {
    const double add = config_.size_rate.value() * size;
    const double cap = config_.max_rate.value();
    return {std::min(config_.initial_base.value() + add, cap), std::min(config_.maintenance_base.value() + add, cap)};
  }

  [[nodiscard]] margin_amounts apply(const position_context& context, margin_amounts in) const noexcept {
    const double size = detail::position_size(context, config_.measure);
    if (std::isnan(size) || !(std::isfinite(context.notional) && context.notional >= 0.0)) return in;
    const margin_rates r = rates(size);
    return detail::combine_amounts(config_.combine, in,
                                   {context.notional * r.initial, context.notional * r.maintenance});
  }

  [[nodiscard]] const deribit_size_addon_policy_config& config() const noexcept { return config_; }

 private:
  deribit_size_addon_policy_config config_;
};

// ---------------------------------------------------------------------------------------
// Square-root impact curve
// ---------------------------------------------------------------------------------------

/// @brief Configuration of `impact_curve_policy`: add-on rate = min(k * sqrt(size / ADV), max_rate).
struct impact_curve_policy_config {
  double coefficient = 0.0;           ///< k (> 0): the add-on rate at size = ADV
  double average_daily_volume = 0.0;  ///< ADV (> 0), in the units of `measure`
  size_measure measure = size_measure::notional;
  double maintenance_share = 1.0;  ///< share of the add-on charged to maintenance, in [0, 1]
  rate max_rate{1.0};              ///< cap on the add-on rate, in (0, 1]
  combine_rule combine = combine_rule::add;

  /// @brief The square-root law calibration k = impact_scale * daily_volatility (Y * sigma).
  /// @param daily_volatility one-day volatility of returns as a fraction (0.03 = 3%).
  /// @param impact_scale Y, of order 1 in the empirical literature (default 1).
  [[nodiscard]] static impact_curve_policy_config from_volatility(double daily_volatility, double average_daily_volume,
                                                                  double impact_scale = 1.0) {
    detail::require_finite_positive("impact_curve", "daily_volatility", daily_volatility);
    detail::require_finite_positive("impact_curve", "impact_scale", impact_scale);
    impact_curve_policy_config config;
    config.coefficient = impact_scale * daily_volatility;
    config.average_daily_volume = average_daily_volume;
    return config;
  }
};

/// @brief Continuous, monotone size add-on growing with sqrt(size / ADV); a `position_policy`.
class impact_curve_policy {
 public:
  using model_concept = position_policy_tag;
  using config_type = impact_curve_policy_config;  ///< what the constructor takes

  /// @throws dynmargin::invalid_argument naming the field and value when the coefficient or
  ///         the volume is not positive, or a share or cap is outside its interval.
  explicit impact_curve_policy(const impact_curve_policy_config& config) : config_(config) {
    detail::require_finite_positive("impact_curve", "coefficient", config.coefficient);
    detail::require_finite_positive("impact_curve", "average_daily_volume", config.average_daily_volume);
    detail::require_unit_interval("impact_curve", "maintenance_share", config.maintenance_share);
    if (!(config.max_rate.value() > 0.0 && config.max_rate.value() <= 1.0)) {
      throw_invalid_argument("impact_curve", "max_rate", "must be in (0, 1]", config.max_rate.value());
    }
  }

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "impact_curve";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }

  /// @brief The add-on rate of notional for a size (>= 0).
  [[nodiscard]] double addon_rate(double size) const noexcept {
    return std::min(config_.coefficient * std::sqrt(size / config_.average_daily_volume), config_.max_rate.value());
  }

  [[nodiscard]] margin_amounts apply(const position_context& context, margin_amounts in) const noexcept {
    const double size = detail::position_size(context, config_.measure);
    if (std::isnan(size) || !(std::isfinite(context.notional) && context.notional >= 0.0)) return in;
    const double addon = context.notional * addon_rate(size);
    return detail::combine_amounts(config_.combine, in, {addon, addon * config_.maintenance_share});
  }

  [[nodiscard]] const impact_curve_policy_config& config() const noexcept { return config_; }

 private:
  impact_curve_policy_config config_;
};

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using size_tiers [[deprecated("use size_tiers_policy")]] = size_tiers_policy;
using step_risk_limit [[deprecated("use step_risk_limit_policy")]] = step_risk_limit_policy;
using deribit_size_addon [[deprecated("use deribit_size_addon_policy")]] = deribit_size_addon_policy;
using impact_curve [[deprecated("use impact_curve_policy")]] = impact_curve_policy;
using tier_config [[deprecated("use size_tiers_policy_config")]] = size_tiers_policy_config;
using step_risk_limit_config [[deprecated("use step_risk_limit_policy_config")]] = step_risk_limit_policy_config;
using deribit_size_addon_config
    [[deprecated("use deribit_size_addon_policy_config")]] = deribit_size_addon_policy_config;
using impact_curve_config [[deprecated("use impact_curve_policy_config")]] = impact_curve_policy_config;
// End of deprecated spellings.

}  // namespace dynmargin
