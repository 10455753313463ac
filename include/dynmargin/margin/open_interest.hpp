// SPDX-License-Identifier: MIT
/// @file
/// @brief Open-interest scaling of the initial margin fraction (dYdX v4 "OIMF").
///
/// Source: dydxprotocol/v4-chain, protocol/x/perpetuals/types/liquidity_tier.go,
/// `GetInitialMarginQuoteQuantums` and `GetMaintenanceMarginPpm`; dYdX v4 docs, "Margining"
/// (liquidity tiers: Small-Cap IMF 10%, open-interest caps 20M-50M USDC):
///
///     scaling = (open_notional - lower_cap) / (upper_cap - lower_cap)
///     IMF_eff = min(IMF + max(scaling, 0) * (1 - IMF), 1)
///     MMF     = IMF * maintenance_fraction
///
/// The effective initial fraction is the base IMF while open interest is at or below the
/// lower cap, rises linearly to 100% at the upper cap and stays there. dYdX checks
/// `open_notional >= upper_cap` first, so with lower_cap == upper_cap the fraction steps from
/// the base to 1 at the cap; this class does the same. The maintenance fraction is the
/// *base* IMF times the maintenance fraction: dYdX does not scale maintenance with open
/// interest (so positions are not liquidated because others opened theirs), and neither does
/// this policy.
///
/// Open interest is market state, not a property of one position. Inside a margin function
/// the engine sets it once per market with `margin_function::set_open_interest` (open notional
/// = open interest * oracle price, in the quote currency); it reaches this policy as
/// `position_context::open_interest` and is saved and restored with the function's state.
/// Used on its own, the policy takes the value given to its own `set_open_interest` whenever
/// the context carries none (NaN).
///
/// Two bases:
///  - `oi_base::configured` (dYdX): IM = max(in, N * IMF_eff), MM = max(in, N * IMF * f);
///  - `oi_base::incoming`: the chain's own initial amount is the base,
///    IM' = IM + scaling * (N - IM) (never below IM), maintenance unchanged: the dYdX scaling
///    applied on top of a risk-based rate.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "dynmargin/core/error.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/position_common.hpp"

namespace dynmargin {

/// @brief Where the base initial fraction comes from (see the file comment).
enum class oi_base : std::uint8_t {
  configured,  ///< the configured `initial_fraction` (dYdX liquidity tier)
  incoming,    ///< the initial amount the chain produced so far
};

/// @brief Configuration of `open_interest_scaling_policy` (defaults: dYdX v4 Small-Cap tier).
struct open_interest_scaling_policy_config {
  double initial_fraction = 0.10;     ///< base IMF, in (0, 1] (used with oi_base::configured)
  double maintenance_fraction = 0.5;  ///< f: MMF = IMF * f, in [0, 1]
  double lower_cap = 20'000'000.0;    ///< open notional where scaling starts (>= 0)
  double upper_cap = 50'000'000.0;    ///< open notional where IMF reaches 1 (>= lower_cap, > 0)
  oi_base base = oi_base::configured;
};

/// @brief dYdX v4 open-interest-scaled initial margin; a `position_policy`.
class open_interest_scaling_policy {
 public:
  using model_concept = position_policy_tag;
  using config_type = open_interest_scaling_policy_config;  ///< what the constructor takes

  /// @throws dynmargin::invalid_argument naming the field and value when a fraction is out of
  ///         range, a cap is negative, or lower_cap exceeds upper_cap.
  explicit open_interest_scaling_policy(const open_interest_scaling_policy_config& config = {}) : config_(config) {
    if (!(config.initial_fraction > 0.0 && config.initial_fraction <= 1.0)) {
      throw_invalid_argument("oi_scaling", "initial_fraction", "must be in (0, 1]", config.initial_fraction);
    }
    detail::require_unit_interval("oi_scaling", "maintenance_fraction", config.maintenance_fraction);
    detail::require_finite_non_negative("oi_scaling", "lower_cap", config.lower_cap);
    detail::require_finite_positive("oi_scaling", "upper_cap", config.upper_cap);
    if (config.lower_cap > config.upper_cap) {
      throw_invalid_argument("oi_scaling", "lower_cap",
                             "must not exceed upper_cap (" + detail::format_value(config.upper_cap) + ")",
                             config.lower_cap);
    }
  }

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "oi_scaling";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }

  /// @brief Sets the market's open notional (open interest * oracle price).
  /// @return `status::non_finite_input` or `status::invalid_argument` (negative), state unchanged.
  status set_open_interest(double open_notional) noexcept {
    if (!std::isfinite(open_notional)) return status::non_finite_input;
    if (open_notional < 0.0) return status::invalid_argument;
    open_notional_ = open_notional;
    return status::ok;
  }
  [[nodiscard]] double open_interest() const noexcept { return open_notional_; }

  /// @brief The scaling factor in [0, 1]: 0 at or below the lower cap, 1 at or above the upper.
  [[nodiscard]] double scaling(double open_notional) const noexcept {
    if (open_notional >= config_.upper_cap) return 1.0;
    if (open_notional <= config_.lower_cap) return 0.0;
    return (open_notional - config_.lower_cap) / (config_.upper_cap - config_.lower_cap);
  }

  /// @brief Effective initial fraction for a base fraction and an open notional.
  [[nodiscard]] double effective_fraction(double base_fraction, double open_notional) const noexcept {
    return std::min(base_fraction + scaling(open_notional) * (1.0 - base_fraction), 1.0);
  }
  /// @brief Effective initial fraction of the configured base at an open notional.
  [[nodiscard]] double effective_initial_fraction(double open_notional) const noexcept {
    return effective_fraction(config_.initial_fraction, open_notional);
  }
  /// @brief MMF = IMF (base, not scaled) * maintenance_fraction.
  [[nodiscard]] double maintenance_fraction() const noexcept {
    return config_.initial_fraction * config_.maintenance_fraction;
  }

  /// @brief Applies the scaling at the context's open notional, or, when the context carries
  ///        none (NaN), at the one last set on this policy (0 before any).
  [[nodiscard]] margin_amounts apply(const position_context& context, margin_amounts in) const noexcept {
    const double notional = context.notional;
    if (!(std::isfinite(notional) && notional >= 0.0)) return in;
    const double open_notional = std::isnan(context.open_interest) ? open_notional_ : context.open_interest;
    if (config_.base == oi_base::configured) {
      return detail::combine_amounts(combine_rule::floor, in,
                                     {notional * effective_initial_fraction(open_notional),
                                      notional * maintenance_fraction()});
    }
    const double s = scaling(open_notional);
    if (!(in.initial < notional)) return in;
    return {in.initial + s * (notional - in.initial), in.maintenance};
  }

  [[nodiscard]] const open_interest_scaling_policy_config& config() const noexcept { return config_; }

 private:
  open_interest_scaling_policy_config config_;
  double open_notional_ = 0.0;
};

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using open_interest_scaling [[deprecated("use open_interest_scaling_policy")]] = open_interest_scaling_policy;
using oi_scaling_config [[deprecated("use open_interest_scaling_policy_config")]] = open_interest_scaling_policy_config;
// End of deprecated spellings.

}  // namespace dynmargin
