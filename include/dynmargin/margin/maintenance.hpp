// SPDX-License-Identifier: MIT
/// @file
/// @brief Maintenance margin from initial margin, and initial from maintenance.
///
/// Two relations are in use:
///  - crypto venues derive maintenance from initial: `MM = f * IM` with f = 0.5 on Binance
///    (USD-M tier 1: IMR 0.8%, MMR 0.4%) and Hyperliquid (MMR is half the IMR at maximum
///    leverage: 40x gives IMR 2.5%, MMR 1.25%), f = 0.6 on dYdX v4 Large-Cap markets
///    (IMF 5%, MMF 3%): `maintenance_fraction_policy`;
///  - CME sets the risk-based performance bond as the maintenance level and asks 110% of it
///    at initiation for speculators (heightened-risk profile): `IM = 1.1 * MM`:
///    `initial_from_maintenance_policy`, which reads the incoming initial rate as the
///    risk-based maintenance requirement.
/// Sources: Binance USD-M "Leverage and Margin"
/// bracket table; Hyperliquid docs "Margining"; dYdX v4 "Margin" documentation; CME Group
/// "Margin: Know What's Needed".
#pragma once

#include <cmath>
#include <string_view>

#include "dynmargin/core/error.hpp"
#include "dynmargin/margin/concepts.hpp"

namespace dynmargin {

/// @brief `MM = f * IM`: sets the maintenance rate to a fixed fraction of the initial rate.
class maintenance_fraction_policy {
 public:
  using model_concept = rate_policy_tag;
  /// @brief Stateless: an empty regular value.
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @param fraction f in (0, 1].
  /// @throws dynmargin::invalid_argument naming `fraction` when outside (0, 1].
  explicit maintenance_fraction_policy(double fraction) : fraction_(fraction) {
    if (!(fraction > 0.0 && fraction <= 1.0)) {
      throw_invalid_argument("maintenance_fraction", "fraction", "must be in (0, 1]", fraction);
    }
  }
  /// The policy's kind: its name in quotes and its "type" in a run-time config.
  static constexpr std::string_view kind = "maintenance_fraction";
  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context&, margin_rates rates) noexcept {
    return margin_rates{rates.initial, fraction_ * rates.initial};
  }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type&) noexcept {}
  [[nodiscard]] double fraction() const noexcept { return fraction_; }
  /// @brief The ratio it sets, f, whatever came before (`maintenance_setting_policy`).
  [[nodiscard]] double maintenance_fraction_after(double) const noexcept { return fraction_; }

 private:
  double fraction_;
};

/// @brief CME form: the incoming initial rate is the risk-based maintenance requirement,
///        and initial = ratio * maintenance (ratio 1.1 for CME's heightened-risk profile).
class initial_from_maintenance_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @param ratio initial / maintenance, >= 1 (CME: 1.1).
  /// @throws dynmargin::invalid_argument naming `ratio` when below 1 or not finite.
  /// CME's ratio of initial to maintenance margin for speculators.
  static constexpr double default_ratio = 1.1;
  explicit initial_from_maintenance_policy(double ratio = default_ratio) : ratio_(ratio) {
    if (!(std::isfinite(ratio) && ratio >= 1.0)) {
      throw_invalid_argument("initial_from_maintenance", "ratio", "must be finite and >= 1", ratio);
    }
  }
  /// The policy's kind: its name in quotes and its "type" in a run-time config.
  static constexpr std::string_view kind = "initial_from_maintenance";
  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context&, margin_rates rates) noexcept {
    return margin_rates{ratio_ * rates.initial, rates.initial};
  }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type&) noexcept {}
  [[nodiscard]] double ratio() const noexcept { return ratio_; }
  /// @brief The ratio it sets, 1 / ratio, whatever came before (`maintenance_setting_policy`).
  [[nodiscard]] double maintenance_fraction_after(double) const noexcept { return 1.0 / ratio_; }

 private:
  double ratio_;
};

}  // namespace dynmargin
