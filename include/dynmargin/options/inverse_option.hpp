// SPDX-License-Identifier: MIT
/// @file
/// @brief Coin-settled (inverse) European options, as Deribit lists them: premium and P&L in
///        the coin, priced with Black-76 in USD on the expiry's forward.
///
/// Deribit's BTC options pay in BTC: a call pays max(S - K, 0) / S coins at expiry. Deribit
/// quotes them as the Black-76 USD price on the expiry's forward F (r = 0) divided by F, and
/// prints the Black-76 USD Greeks beside that coin price (Deribit, "Inverse options" and
/// the `get_book_summary`/`ticker` API documentation; reproduced on the shipped chain to 4
/// decimals of delta, see tests/unit/options_deribit_test.cpp). The coin P&L of a move from
/// F to F' is V(F')/F' - V(F)/F, so the coin position's sensitivity to F, in coins per unit
/// relative move, is
///
///     coin delta = F d(V/F)/dF = delta_usd - V/F,
///
/// the "delta minus the premium" that Deribit's portfolio margin uses: a long call held in BTC
/// carries its premium as a BTC balance as well.
#pragma once

#include <string_view>

#include "dynmargin/options/black76.hpp"
#include "dynmargin/options/implied_volatility.hpp"

namespace dynmargin {

/// @brief Prices and Greeks of a coin-settled option per unit of the underlying.
struct inverse_option_greeks {
  option_greeks usd;        ///< Black-76 in USD on the forward (the Greeks venues print)
  double price_coin = 0.0;  ///< premium in coins: usd.price / F
  double delta_coin = 0.0;  ///< usd.delta - price_coin: the coin-denominated delta
};

/// @brief Price and Greeks of a coin-settled option, without checks.
/// @pre inputs passed `check_black76_inputs`.
[[nodiscard]] inline inverse_option_greeks inverse_black76_unchecked(const black76_inputs& in) noexcept {
  inverse_option_greeks g;
  g.usd = black76_unchecked(in);
  g.price_coin = g.usd.price / in.forward;
  g.delta_coin = g.usd.delta - g.price_coin;
  return g;
}

/// @brief Price and Greeks of a coin-settled option.
/// @throws dynmargin::invalid_argument on inputs `check_black76_inputs` refuses.
[[nodiscard]] inline inverse_option_greeks inverse_black76(const black76_inputs& in,
                                                           std::string_view component = "inverse option") {
  check_black76_inputs(in, component);
  return inverse_black76_unchecked(in);
}

/// @brief The Black-76 implied volatility of a coin-settled option's coin price (Deribit's
///        `mark_price`), through its USD price `price_coin * forward`.
/// @throws as `black76_implied_volatility`; a message names the USD price and its bounds.
[[nodiscard]] inline double inverse_implied_volatility(option_type type, double price_coin, double forward,
                                                       double strike, double time_to_expiry,
                                                       const implied_volatility_settings& settings = {},
                                                       std::string_view component = "inverse option") {
  if (!(std::isfinite(price_coin) && price_coin > 0.0))
    throw_invalid_argument(component, "price_coin", "must be finite and > 0", price_coin);
  return black76_implied_volatility({type, price_coin * forward, forward, strike, time_to_expiry, 0.0}, settings,
                                    component);
}

}  // namespace dynmargin
