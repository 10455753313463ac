// SPDX-License-Identifier: MIT
/// @file
/// @brief Inverse (coin-margined) contracts: notional, equity, bankruptcy and liquidation
///        prices (flat or tiered maintenance) of an isolated position whose contracts are
///        worth a fixed amount of the quote currency (USD) while margin, equity and PnL are
///        held in the coin (BTC). The linear counterparts live in margin/account.hpp.
///
/// Sources:
///  - BitMEX, "XBTUSD Perpetual Contract Guide" (bitmex.com/app/inversePerpetualsGuide): the
///    multiplier is 1 USD per contract, the contract's value in XBT is multiplier / price,
///    margin and PnL are in XBT, and PnL = contracts * multiplier * (1/entry - 1/exit).
///  - Deribit, BTC futures contract specifications (legacy.deribit.com/pages/docs/futures):
///    contract size 10 USD, cash settlement in BTC.
///  - Binance FAQ, "How to Calculate Liquidation Price of COIN-M Futures Contracts"
///    (2021-02-05; isolated mode: TMM = 0, UPNL = 0): contract size (CM) 100 USD for BTCUSD;
///    the brackets and the maintenance amount ("cum") are in the coin, "Maintenance Margin =
///    Position Notional * MMR - Maintenance Amount" with the notional in the coin
///    (100 contracts * 100 USD / 25,000 = 0.4 BTC), and the bracket to use is the one at the
///    liquidation price, as on USDⓈ-M. With one isolated position of size S = |contracts| * CM
///    the formula reads LP = (S * MMR + side * S) / (WB + cum + side * S / EP).
///  - Bybit, "Liquidation Price Calculation under Isolated Mode (Unified Trading Account)",
///    inverse contracts: LP(long) = S (1 + MMR) / (S / EP + IM + MM deduction) and
///    LP(short) = S (1 - MMR) / (S / EP - IM - MM deduction), the same closed form (fees left
///    out).
///
/// **Conventions.** `contracts` is signed (+ long, - short), `contract_value` is the face
/// value of one contract in USD, so Q = contracts * contract_value is the signed USD exposure
/// and S = |Q|. Collateral, equity, maintenance and the tiers' notional and deductions are in
/// the coin. The coin value of the position at price P is S / P (`coin_notional`).
///
/// **Equity.** equity(P) = C + Q (1/E - 1/P) (BitMEX's PnL), evaluated as
/// C + Q (P - E) / (E P), which avoids the cancellation of 1/E - 1/P near the entry.
///
/// **Bankruptcy price.** equity(P) = 0  <=>  Q / P = C + Q / E  <=>  P = Q / (C + Q / E).
/// A long (Q > 0) with C >= 0 always has one: its coin loss Q (1/E - 1/P) grows without bound
/// as P falls to 0. A short (Q < 0) has one only when C < S / E, i.e. leverage above 1x: a
/// 1x short (C = S / E) is a synthetic USD balance: its equity is S / P > 0 at every price,
/// so it never goes bankrupt. This is the mirror image of linear contracts, where the 1x long is
/// the safe one.
///
/// **Liquidation price.** With maintenance in the coin at the liquidation price,
/// MM(P) = m * S / P - D (m the rate, D the maintenance amount, in the coin):
///   C + Q / E - Q / P = m S / P - D  <=>  C + D + Q / E = (Q + m S) / P
///   <=>  P = (Q + m S) / (C + D + Q / E),
/// which is Binance's COIN-M formula with WB = C, cum = D. The bankruptcy price is the case
/// m = D = 0. For a short the numerator is -S (1 - m) < 0 (m < 1), so a price exists only when
/// C + D < S / E. In the variable u = 1/P, f(u) = equity - MM = C + Q / E - Q u - MM(S u) has
/// slope -S (1 + m_n) for a long and S (1 - m_n) for a short: strictly monotone while every
/// m_n < 1, so the root is unique. The tiered variant solves bracket by bracket and accepts
/// the root whose coin notional S / P lies in the bracket (MM is continuous in the notional
/// because the deductions are derived from the brackets); a falling price raises the coin
/// notional, so a long can be liquidated in a higher bracket than it holds at entry and a
/// short in a lower one.
///
/// Every function is noexcept and allocation-free and returns std::nullopt when no positive
/// finite price exists or an input is not usable (no position, a non-finite value, a face
/// value or entry price that is not positive).
#pragma once

#include <cmath>
#include <optional>

#include "dynmargin/margin/tiers.hpp"

namespace dynmargin {

// ---------------------------------------------------------------------------------------
// Inverse positions: notional, equity, bankruptcy and liquidation prices
// ---------------------------------------------------------------------------------------

/// @brief An isolated position in an inverse contract (quote-currency face value,
///        coin-settled).
struct inverse_position {
  double contracts = 0.0;       ///< signed number of contracts (+ long, - short)
  double contract_value = 0.0;  ///< face value of one contract in the quote currency (> 0; 1 USD on BitMEX XBTUSD)
  double entry_price = 0.0;     ///< average entry price (> 0), quote currency per coin
  double collateral = 0.0;      ///< isolated wallet balance (Binance WB), in the coin
  friend bool operator==(const inverse_position&, const inverse_position&) = default;
};

/// @brief Face value of the position in the quote currency: |contracts| * contract_value.
[[nodiscard]] inline double quote_notional(const inverse_position& position) noexcept {
  return std::fabs(position.contracts * position.contract_value);
}

/// @brief Value of the position in the coin at a price: quote_notional / price (Binance's
///        "position notional" of COIN-M contracts, the notional the brackets read).
[[nodiscard]] inline double coin_notional(const inverse_position& position, double price) noexcept {
  return quote_notional(position) / price;
}

/// @brief Equity in the coin at a price: collateral + contracts * contract_value *
///        (1/entry - 1/price), evaluated as (price - entry) / (entry * price).
[[nodiscard]] constexpr double equity(const inverse_position& position, double price) noexcept {
  const double exposure = position.contracts * position.contract_value;
  return position.collateral + exposure * (price - position.entry_price) / (position.entry_price * price);
}

namespace detail {

/// True when a position can have a bankruptcy or liquidation price: contracts non-zero and
/// finite, a positive finite face value and entry price, finite collateral.
[[nodiscard]] inline bool usable_inverse_position(const inverse_position& position) noexcept {
  return position.contracts != 0.0 && std::isfinite(position.contracts) && std::isfinite(position.contract_value) &&
         position.contract_value > 0.0 && std::isfinite(position.entry_price) && position.entry_price > 0.0 &&
         std::isfinite(position.collateral);
}

/// P = (Q + m S) / (C + D + Q / E) (see the file comment); empty unless positive and finite.
[[nodiscard]] inline std::optional<double> inverse_root(const inverse_position& position, double maintenance_rate,
                                                        double deduction) noexcept {
  const double exposure = position.contracts * position.contract_value;
  const double denominator = position.collateral + deduction + exposure / position.entry_price;
  if (denominator == 0.0) return std::nullopt;
  const double price = (exposure + std::fabs(exposure) * maintenance_rate) / denominator;
  if (!(price > 0.0) || !std::isfinite(price)) return std::nullopt;
  return price;
}

}  // namespace detail

/// @brief Price at which equity is zero: Q / (collateral + Q / entry) with
///        Q = contracts * contract_value; empty when there is no position, an input is not
///        usable, or the price would not be positive (a short collateralised at 1x or more
///        never goes bankrupt).
[[nodiscard]] inline std::optional<double> bankruptcy_price(const inverse_position& position) noexcept {
  if (!detail::usable_inverse_position(position)) return std::nullopt;
  return detail::inverse_root(position, 0.0, 0.0);
}

/// @brief Price at which equity equals a flat maintenance requirement in the coin,
///        m * |Q| / P - deduction (Binance's COIN-M isolated formula with one bracket:
///        P = (Q + m |Q|) / (collateral + deduction + Q / entry)); empty when no positive
///        price exists (a short collateralised at 1x or more).
/// @param deduction the maintenance amount in the coin (Binance "cum").
[[nodiscard]] inline std::optional<double> liquidation_price(const inverse_position& position, double maintenance_rate,
                                                             double deduction = 0.0) noexcept {
  if (!detail::usable_inverse_position(position) || !std::isfinite(maintenance_rate) || !std::isfinite(deduction)) {
    return std::nullopt;
  }
  return detail::inverse_root(position, maintenance_rate, deduction);
}

/// @brief Liquidation price with tiered maintenance read on the coin notional (Binance
///        COIN-M, whose brackets and maintenance amounts are in the coin; "substitute the
///        level at the liquidation price"): the P with
///        equity(P) = tiers.maintenance_amount(|Q| / P). Empty when no positive price exists
///        (a short collateralised at 1x or more).
/// @param tiers a bracket table whose notional caps are in the coin (e.g. BTC).
[[nodiscard]] inline std::optional<double> liquidation_price(const inverse_position& position,
                                                             const size_tiers_policy& tiers) noexcept {
  if (!detail::usable_inverse_position(position)) return std::nullopt;
  const double size = quote_notional(position);
  constexpr double slack = 1e-12;  // a root exactly on a boundary belongs to both brackets
  for (const tier_row& row : tiers.rows()) {
    const auto price = detail::inverse_root(position, row.maintenance_rate, row.maintenance_deduction);
    if (!price) continue;
    const double notional = size / *price;
    const bool above_floor = notional >= row.notional_floor * (1.0 - slack);
    const bool below_cap = &row == &tiers.rows().back() || notional <= row.notional_cap * (1.0 + slack);
    if (above_floor && below_cap) return price;
  }
  return std::nullopt;
}

}  // namespace dynmargin
