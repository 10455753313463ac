// SPDX-License-Identifier: MIT
/// @file
/// @brief Collateral valuation: risk-based haircuts from the collateral's own VaR over its
///        liquidation horizon, Aave-style loan-to-value / liquidation threshold / bonus and
///        health factor, and Compound III's collateral factors, liquidation factor and
///        storefront discount for comparison.
///
/// Sources:
///  - Aave v3 (aave.com/help "Liquidations"; aave-v3-origin PoolConfigurator and
///    GenericLogic): health factor
///    HF = sum_i v_i * LT_i / debt, borrow limit sum_i v_i * LTV_i, liquidation possible when
///    HF < 1, the liquidator receives the repaid value times (1 + bonus) in collateral.
///    Configuration requires LTV <= LT and LT * (1 + bonus) <= 1 (so that a liquidation at
///    HF = 1 can pay the bonus from the collateral).
///  - Compound III / Comet (compound-finance/comet, CometCore and Comet.sol `quoteCollateral`,
///    `absorb`; cUSDCv3 WETH at launch: borrowCF 0.82, liquidateCF 0.90, liquidationFactor
///    0.95, storeFrontPriceFactor 0.5): borrow capacity sum v_i * borrowCF_i, liquidatable when
///    sum v_i * liquidateCF_i < debt; on absorption the account is credited
///    v_i * liquidationFactor_i; the protocol sells absorbed collateral at
///    price * (1 - storeFrontPriceFactor * (1 - liquidationFactor)).
///
/// Risk-based haircut (this library's method, in the spirit of the Chaos Labs / Gauntlet
/// VaR-based parameter recommendations): a long collateral's log return over its liquidation
/// horizon of h steps is taken as normal with zero mean and standard deviation sigma * sqrt(h)
/// (square-root-of-time), so at confidence p its value falls at most by
///
///     haircut = 1 - exp(-z_p * sigma * sqrt(h)),   z_p = Phi^{-1}(p),
///
/// and a liquidation threshold LT = 1 - haircut covers the debt with probability p if the
/// position is liquidated within h steps of reaching HF = 1. A loan-to-value from a longer
/// horizon (the time the borrower has before reaching the threshold) is LTV = 1 - haircut over
/// that horizon, so LTV <= LT holds by construction. The normal quantile is the one of
/// dynmargin/core/distributions.hpp (Boost.Math's, with dynmargin's policy).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dynmargin/core/distributions.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/margin/position_common.hpp"

namespace dynmargin {

/// @brief The standard normal quantile z_p = Phi^{-1}(p).
/// @deprecated Use `quantile(standardized_distribution{}, p.value())` from
///             dynmargin/core/distributions.hpp.
[[nodiscard,
  deprecated("use quantile(standardized_distribution{}, p.value()) of dynmargin/core/distributions.hpp")]] inline double
normal_quantile(confidence_level p) {
  return quantile(standardized_distribution{}, p.value());
}

/// @brief Haircut of a long collateral from its VaR over a horizon (see the file comment):
///        1 - exp(-z_p * sigma * sqrt(h)).
/// @param volatility one-step volatility of log returns as a fraction (0.05 = 5% a day), > 0.
/// @param liquidation_horizon steps the collateral needs to be sold.
/// @throws dynmargin::invalid_argument when volatility is not finite and positive.
[[nodiscard]] inline double var_haircut(double volatility, horizon liquidation_horizon, confidence_level p) {
  detail::require_finite_positive("collateral", "volatility", volatility);
  const double z = quantile(standardized_distribution{}, p.value());
  const double var = z * volatility * std::sqrt(static_cast<double>(liquidation_horizon.steps()));
  return -std::expm1(-var);
}

/// @brief Aave-style risk parameters of one collateral asset.
struct collateral_parameters {
  double loan_to_value = 0.0;          ///< LTV: borrowing power per unit of value, in [0, LT]
  double liquidation_threshold = 0.0;  ///< LT: weight in the health factor, in (0, 1]
  double liquidation_bonus = 0.0;      ///< extra collateral to the liquidator (0.05 = 5%), >= 0
  friend bool operator==(const collateral_parameters&, const collateral_parameters&) = default;
};

/// @brief Checks Aave's configuration rules.
/// @param where names the asset in messages, e.g. "assets[2]".
/// @throws dynmargin::invalid_argument naming the field and value: LT outside (0, 1], LTV
///         outside [0, LT], a negative bonus, or LT * (1 + bonus) > 1.
inline void validate(const collateral_parameters& parameters, std::string_view where = "parameters") {
  const std::string at(where);
  if (!(parameters.liquidation_threshold > 0.0 && parameters.liquidation_threshold <= 1.0)) {
    throw_invalid_argument("collateral", at + ".liquidation_threshold", "must be in (0, 1]",
                           parameters.liquidation_threshold);
  }
  if (!(parameters.loan_to_value >= 0.0 && parameters.loan_to_value <= parameters.liquidation_threshold)) {
    throw_invalid_argument("collateral", at + ".loan_to_value",
                           "must be in [0, liquidation_threshold] ([0, " +
                               detail::format_value(parameters.liquidation_threshold) + "])",
                           parameters.loan_to_value);
  }
  if (!(std::isfinite(parameters.liquidation_bonus) && parameters.liquidation_bonus >= 0.0)) {
    throw_invalid_argument("collateral", at + ".liquidation_bonus", "must be finite and >= 0",
                           parameters.liquidation_bonus);
  }
  // A tiny relative slack absorbs the rounding of products such as 0.95 * 1.05.
  if (parameters.liquidation_threshold * (1.0 + parameters.liquidation_bonus) > 1.0 + 1e-12) {
    throw_invalid_argument("collateral", at + ".liquidation_bonus",
                           "must satisfy liquidation_threshold * (1 + bonus) <= 1 (threshold " +
                               detail::format_value(parameters.liquidation_threshold) + ")",
                           parameters.liquidation_bonus);
  }
}

/// @brief Risk-based parameters: LT = 1 - haircut over the liquidation horizon, LTV = 1 -
///        haircut over the (longer) borrow horizon, the bonus as given.
/// @throws dynmargin::invalid_argument when the borrow horizon is shorter than the liquidation
///         horizon, or the resulting parameters break Aave's rules (see `validate`).
[[nodiscard]] inline collateral_parameters risk_based_parameters(double volatility, horizon liquidation_horizon,
                                                                 horizon borrow_horizon, confidence_level p,
                                                                 double liquidation_bonus) {
  if (borrow_horizon < liquidation_horizon) {
    throw_invalid_argument("collateral", "borrow_horizon",
                           "must be at least the liquidation horizon (" +
                               detail::format_value(liquidation_horizon.steps()) + " steps)",
                           borrow_horizon.steps());
  }
  collateral_parameters out;
  out.liquidation_threshold = 1.0 - var_haircut(volatility, liquidation_horizon, p);
  out.loan_to_value = 1.0 - var_haircut(volatility, borrow_horizon, p);
  out.liquidation_bonus = liquidation_bonus;
  validate(out);
  return out;
}

/// @brief One collateral holding: its value in the base currency and its parameters.
struct collateral_holding {
  double value = 0.0;  ///< value in the base (debt) currency, >= 0
  collateral_parameters parameters{};
  friend bool operator==(const collateral_holding&, const collateral_holding&) = default;
};

/// @brief An Aave-style collateral account: several holdings against one debt.
///
/// Valuation calls are noexcept and allocation-free; `set_value` re-prices a holding on a
/// price update and leaves the account unchanged on bad input.
class collateral_account {
 public:
  /// @throws dynmargin::invalid_argument naming `holdings[i]` and the field of a bad holding.
  explicit collateral_account(std::vector<collateral_holding> holdings, double debt = 0.0)
      : holdings_(std::move(holdings)), debt_(debt) {
    for (std::size_t i = 0; i < holdings_.size(); ++i) {
      const std::string at = "holdings[" + std::to_string(i) + "]";
      detail::require_finite_non_negative("collateral", at + ".value", holdings_[i].value);
      validate(holdings_[i].parameters, at);
    }
    detail::require_finite_non_negative("collateral", "debt", debt);
  }

  /// @brief Re-values holding `index`.
  /// @return `status::non_finite_input`, or `status::invalid_argument` for a negative value
  ///         or an index out of range; the account is unchanged on error.
  status set_value(std::size_t index, double value) noexcept {
    if (index >= holdings_.size()) return status::invalid_argument;
    if (!std::isfinite(value)) return status::non_finite_input;
    if (value < 0.0) return status::invalid_argument;
    holdings_[index].value = value;
    return status::ok;
  }
  /// @brief Sets the debt (base currency, >= 0); same error rules as `set_value`.
  status set_debt(double debt) noexcept {
    if (!std::isfinite(debt)) return status::non_finite_input;
    if (debt < 0.0) return status::invalid_argument;
    debt_ = debt;
    return status::ok;
  }

  [[nodiscard]] std::span<const collateral_holding> holdings() const noexcept { return holdings_; }
  [[nodiscard]] double debt() const noexcept { return debt_; }

  /// @brief sum v_i.
  [[nodiscard]] double total_value() const noexcept {
    double sum = 0.0;
    for (const auto& h : holdings_) sum += h.value;
    return sum;
  }
  /// @brief sum v_i * LTV_i: the most the account may borrow.
  [[nodiscard]] double borrow_limit() const noexcept {
    double sum = 0.0;
    for (const auto& h : holdings_) sum += h.value * h.parameters.loan_to_value;
    return sum;
  }
  /// @brief sum v_i * LT_i: the debt at which HF = 1.
  [[nodiscard]] double liquidation_value() const noexcept {
    double sum = 0.0;
    for (const auto& h : holdings_) sum += h.value * h.parameters.liquidation_threshold;
    return sum;
  }
  /// @brief HF = sum v_i * LT_i / debt; +infinity without debt.
  [[nodiscard]] double health_factor() const noexcept {
    return debt_ > 0.0 ? liquidation_value() / debt_ : std::numeric_limits<double>::infinity();
  }
  /// @brief True when HF < 1 (Aave: liquidation allowed).
  [[nodiscard]] bool liquidatable() const noexcept { return health_factor() < 1.0; }
  /// @brief Borrowing power left: borrow_limit - debt (negative when over the limit).
  [[nodiscard]] double available_to_borrow() const noexcept { return borrow_limit() - debt_; }

 private:
  std::vector<collateral_holding> holdings_;
  double debt_ = 0.0;
};

// ---------------------------------------------------------------------------------------
// Compound III (Comet)
// ---------------------------------------------------------------------------------------

/// @brief Compound III collateral factors of one asset.
struct compound_collateral_factors {
  double borrow_collateral_factor = 0.0;     ///< borrowCF, in (0, liquidateCF)
  double liquidate_collateral_factor = 0.0;  ///< liquidateCF, in (borrowCF, 1]
  double liquidation_factor = 0.0;           ///< share of value credited on absorption, in (0, 1]
  friend bool operator==(const compound_collateral_factors&, const compound_collateral_factors&) = default;
};

/// @brief Checks Comet's configuration rules (Configurator: borrowCF < liquidateCF).
/// @throws dynmargin::invalid_argument naming the field and value.
inline void validate(const compound_collateral_factors& factors) {
  if (!(factors.liquidate_collateral_factor > 0.0 && factors.liquidate_collateral_factor <= 1.0)) {
    throw_invalid_argument("compound", "liquidate_collateral_factor", "must be in (0, 1]",
                           factors.liquidate_collateral_factor);
  }
  if (!(factors.borrow_collateral_factor > 0.0 &&
        factors.borrow_collateral_factor < factors.liquidate_collateral_factor)) {
    throw_invalid_argument("compound", "borrow_collateral_factor",
                           "must be in (0, liquidate_collateral_factor) ((0, " +
                               detail::format_value(factors.liquidate_collateral_factor) + "))",
                           factors.borrow_collateral_factor);
  }
  if (!(factors.liquidation_factor > 0.0 && factors.liquidation_factor <= 1.0)) {
    throw_invalid_argument("compound", "liquidation_factor", "must be in (0, 1]", factors.liquidation_factor);
  }
}

/// @brief Comet's storefront price of absorbed collateral:
///        price * (1 - storefront_price_factor * (1 - liquidation_factor)).
/// @throws dynmargin::invalid_argument when a factor is outside [0, 1] or price is not positive.
[[nodiscard]] inline double compound_storefront_price(double price, double liquidation_factor,
                                                      double storefront_price_factor) {
  detail::require_finite_positive("compound", "price", price);
  detail::require_unit_interval("compound", "liquidation_factor", liquidation_factor);
  detail::require_unit_interval("compound", "storefront_price_factor", storefront_price_factor);
  return price * (1.0 - storefront_price_factor * (1.0 - liquidation_factor));
}

/// @brief One Compound III collateral holding.
struct compound_holding {
  double value = 0.0;  ///< value in the base asset, >= 0
  compound_collateral_factors factors{};
};

/// @brief Sum of v_i * borrowCF_i: Comet's borrow capacity.
[[nodiscard]] inline double compound_borrow_capacity(std::span<const compound_holding> holdings) noexcept {
  double sum = 0.0;
  for (const auto& h : holdings) sum += h.value * h.factors.borrow_collateral_factor;
  return sum;
}
/// @brief Sum of v_i * liquidateCF_i: the debt above which Comet's `isLiquidatable` is true.
[[nodiscard]] inline double compound_liquidation_capacity(std::span<const compound_holding> holdings) noexcept {
  double sum = 0.0;
  for (const auto& h : holdings) sum += h.value * h.factors.liquidate_collateral_factor;
  return sum;
}
/// @brief Sum of v_i * liquidationFactor_i: what `absorb` credits against the debt.
[[nodiscard]] inline double compound_absorbed_value(std::span<const compound_holding> holdings) noexcept {
  double sum = 0.0;
  for (const auto& h : holdings) sum += h.value * h.factors.liquidation_factor;
  return sum;
}

}  // namespace dynmargin
