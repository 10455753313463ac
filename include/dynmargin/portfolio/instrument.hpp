// SPDX-License-Identifier: MIT
/// @file
/// @brief The instruments a portfolio holds and their market state: linear and inverse
///        perpetuals and futures, USD-settled and coin-settled European options.
///
/// Every instrument is written on one underlying (an index into the market's underlyings),
/// and every amount the portfolio engines compute is in the settlement currency of the
/// account, USD:
///  - linear (USD-margined) perpetual or future: one contract is `contract_size` units of the
///    underlying; P&L = size x (F' - F);
///  - inverse (coin-margined) perpetual or future, as Deribit, BitMEX and Binance COIN-M list
///    them: one contract has a face of `contract_size` USD; the coin P&L is
///    size x (1/F - 1/F'), worth size x (F'/F - 1) USD at the new price F';
///  - option: a Black-76 European option on the instrument's forward (options/black76.hpp);
///    one contract is `contract_size` units of the underlying;
///  - inverse option: coin-settled as Deribit lists it (options/inverse_option.hpp): its coin
///    value V/F moves to V'/F', worth V' - V F'/F USD at the new price.
/// A perpetual has no expiry; an option must have one after the valuation time.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/options/black76.hpp"

namespace dynmargin {

/// @brief What kind of contract an instrument is.
enum class instrument_kind : std::uint8_t {
  linear_future,   ///< USD-margined perpetual or future
  inverse_future,  ///< coin-margined perpetual or future (face value in USD)
  option,          ///< USD-settled European option (Black-76)
  inverse_option,  ///< coin-settled European option (Deribit)
};

/// @brief "linear_future", "inverse_future", "option" or "inverse_option".
[[nodiscard]] constexpr std::string_view to_string(instrument_kind kind) noexcept {
  switch (kind) {
    case instrument_kind::linear_future: return "linear_future";
    case instrument_kind::inverse_future: return "inverse_future";
    case instrument_kind::option: return "option";
    case instrument_kind::inverse_option: return "inverse_option";
  }
  return "unknown";
}

/// @brief True for the two option kinds.
[[nodiscard]] constexpr bool is_option(instrument_kind kind) noexcept {
  return kind == instrument_kind::option || kind == instrument_kind::inverse_option;
}

/// @brief One instrument: its contract terms (the market moves are in `instrument_state`).
struct instrument {
  std::string name;            ///< e.g. "BTC-PERPETUAL", "BTC-27MAR26-70000-C"
  std::size_t underlying = 0;  ///< index of its underlying in the market (BTC = 0, ETH = 1, ...)
  instrument_kind kind = instrument_kind::linear_future;
  double contract_size = 1.0;            ///< underlying units per contract; USD face for an inverse future
  option_type type = option_type::call;  ///< options only
  double strike = 0.0;                   ///< options only
  std::optional<timestamp_us> expiry;    ///< required for options; none for a perpetual
};

/// @brief The market state of one instrument at the valuation time.
struct instrument_state {
  double forward = 0.0;     ///< mark price of a future or perpetual; the forward of an option's expiry
  double volatility = 0.0;  ///< options: implied volatility (0.6 = 60%); ignored otherwise
};

/// @brief Checks an instrument's terms and state at the valuation time `now`, and returns its
///        time to expiry in years on `basis` (0 for a perpetual).
/// @throws dynmargin::invalid_argument naming the instrument, the parameter and the value: a
///         price or contract size that is not positive and finite, an option without an expiry
///         or a volatility, an expired option.
inline double check_instrument(const instrument& terms, const instrument_state& state, timestamp_us now,
                               year_basis basis = year_basis::calendar_365) {
  const std::string_view component = terms.name.empty() ? std::string_view("instrument") : terms.name;
  if (!(std::isfinite(terms.contract_size) && terms.contract_size > 0.0))
    throw_invalid_argument(component, "contract_size", "must be finite and > 0", terms.contract_size);
  if (!(std::isfinite(state.forward) && state.forward > 0.0))
    throw_invalid_argument(component, "price", "must be finite and > 0", state.forward);
  double years = 0.0;
  if (terms.expiry) years = years_to_expiry(now, *terms.expiry, basis, component);
  if (!is_option(terms.kind)) return years;
  if (!terms.expiry) throw_invalid_argument(component, "expiry", "is required for an option", "none");
  if (!(std::isfinite(terms.strike) && terms.strike > 0.0))
    throw_invalid_argument(component, "strike", "must be finite and > 0", terms.strike);
  if (!(std::isfinite(state.volatility) && state.volatility > 0.0))
    throw_invalid_argument(component, "volatility", "of an option must be finite and > 0", state.volatility);
  return years;
}

}  // namespace dynmargin
