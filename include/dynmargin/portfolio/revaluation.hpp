// SPDX-License-Identifier: MIT
/// @file
/// @brief Full revaluation of every instrument in every scenario: the scenario P&L matrix that
///        every portfolio engine shares (scenarios x instruments, USD per contract held long).
///
/// An account's P&L in scenario s is then the matrix times its positions, P q, so one matrix
/// serves every account of a venue (portfolio/many_accounts.hpp) and every attribution
/// (portfolio/scenario_margin.hpp). Options are repriced with Black-76 at the shocked forward
/// and the shocked implied volatility (portfolio/scenarios.hpp's rule, with the option's own
/// days to expiry); time does not pass inside a scenario. See portfolio/instrument.hpp for
/// each kind's P&L in USD.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/options/black76.hpp"
#include "dynmargin/portfolio/instrument.hpp"
#include "dynmargin/portfolio/scenarios.hpp"

namespace dynmargin {

/// @brief The P&L of one contract of each instrument (columns) in each scenario (rows), in USD.
/// @param instruments the contracts; `instruments[i].underlying` indexes the scenarios' columns
/// @param states their prices and implied volatilities, one per instrument
/// @param now the valuation time (options' time to expiry; 365-day year)
/// @throws dynmargin::invalid_argument naming the instrument (and the scenario) and the value:
///         sizes that differ, an underlying index the scenarios do not have, and whatever
///         `check_instrument` refuses; a shocked volatility that is not positive.
[[nodiscard]] inline Eigen::MatrixXd scenario_pnl(std::span<const instrument> instruments,
                                                  std::span<const instrument_state> states, timestamp_us now,
                                                  const scenario_set& scenarios) {
  check_scenario_set(scenarios);
  if (states.size() != instruments.size())
    throw_invalid_argument("scenario_pnl", "states",
                           "must hold one state per instrument (" + std::to_string(instruments.size()) + ")",
                           states.size());
  const auto rows = static_cast<Eigen::Index>(scenarios.size());
  Eigen::MatrixXd pnl(rows, static_cast<Eigen::Index>(instruments.size()));
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const instrument& terms = instruments[i];
    const instrument_state& state = states[i];
    const double years = check_instrument(terms, state, now);
    if (terms.underlying >= static_cast<std::size_t>(scenarios.underlyings()))
      throw_invalid_argument(terms.name, "underlying",
                             "must index one of the scenarios' " + std::to_string(scenarios.underlyings()) +
                                 " underlyings",
                             terms.underlying);
    const auto u = static_cast<Eigen::Index>(terms.underlying);
    const auto column = static_cast<Eigen::Index>(i);
    const double forward = state.forward;
    const double size = terms.contract_size;
    black76_inputs base{terms.type, forward, terms.strike, state.volatility, years, 0.0};
    const double base_value = is_option(terms.kind) ? black76_price_unchecked(base) : 0.0;
    const double days = years * 365.0;
    for (Eigen::Index s = 0; s < rows; ++s) {
      const double r = scenarios.price_return(s, u);
      const double shocked_forward = forward * (1.0 + r);
      switch (terms.kind) {
        case instrument_kind::linear_future:
          pnl(s, column) = size * forward * r;
          break;                                                                 // F r, not F' - F: no cancellation
        case instrument_kind::inverse_future: pnl(s, column) = size * r; break;  // size (F'/F - 1) USD
        case instrument_kind::option:
        case instrument_kind::inverse_option: {
          black76_inputs moved = base;
          moved.forward = shocked_forward;
          moved.volatility = scenarios.rule.shocked(state.volatility, scenarios.volatility_shock(s, u), days);
          if (!(moved.volatility > 0.0))
            throw_invalid_argument(terms.name,
                                   "volatility in scenario \"" + scenarios.names[static_cast<std::size_t>(s)] + "\"",
                                   "must stay > 0 after the shock", moved.volatility);
          const double value = black76_price_unchecked(moved);
          // Coin-settled: the coin value V/F moves to V'/F', worth V' - V F'/F in USD at F'.
          pnl(s, column) = terms.kind == instrument_kind::option ? size * (value - base_value)
                                                                 : size * (value - base_value * (1.0 + r));
          break;
        }
      }
    }
  }
  return pnl;
}

/// @brief Each instrument's delta per contract in units of the underlying (linear: the contract
///        size; inverse future: face / F; option: Black-76 delta x size; inverse option: the
///        coin delta x size), for delta-based charges such as Paradex's minimum.
/// @throws as `check_instrument`.
[[nodiscard]] inline Eigen::VectorXd instrument_deltas(std::span<const instrument> instruments,
                                                       std::span<const instrument_state> states, timestamp_us now) {
  if (states.size() != instruments.size())
    throw_invalid_argument("instrument_deltas", "states", "must hold one state per instrument", states.size());
  Eigen::VectorXd deltas(static_cast<Eigen::Index>(instruments.size()));
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const instrument& terms = instruments[i];
    const double years = check_instrument(terms, states[i], now);
    const black76_inputs in{terms.type, states[i].forward, terms.strike, states[i].volatility, years, 0.0};
    double delta = 0.0;
    switch (terms.kind) {
      case instrument_kind::linear_future: delta = 1.0; break;
      case instrument_kind::inverse_future: delta = 1.0 / states[i].forward; break;
      case instrument_kind::option: delta = black76_unchecked(in).delta; break;
      case instrument_kind::inverse_option: {
        const option_greeks g = black76_unchecked(in);
        delta = g.delta - g.price / in.forward;
        break;
      }
    }
    deltas(static_cast<Eigen::Index>(i)) = delta * terms.contract_size;
  }
  return deltas;
}

/// @brief CME SPAN's short option minimum: `per_contract` USD for each option contract held
///        short (net, per instrument); SPAN's requirement is the larger of the scan risk and it.
///        `span_grid_settings::short_option_minimum` is the usual `per_contract`.
/// @throws dynmargin::invalid_argument on mismatched sizes or a negative or non-finite rate.
[[nodiscard]] inline double short_option_minimum_charge(std::span<const instrument> instruments,
                                                        const Eigen::VectorXd& positions, double per_contract) {
  if (positions.size() != static_cast<Eigen::Index>(instruments.size()))
    throw_invalid_argument("short option minimum", "positions",
                           "must hold one per instrument (" + std::to_string(instruments.size()) + ")",
                           positions.size());
  if (!(std::isfinite(per_contract) && per_contract >= 0.0))
    throw_invalid_argument("short option minimum", "per_contract", "must be finite and >= 0", per_contract);
  double short_contracts = 0.0;
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const double q = positions(static_cast<Eigen::Index>(i));
    if (is_option(instruments[i].kind) && q < 0.0) short_contracts -= q;
  }
  return per_contract * short_contracts;
}

}  // namespace dynmargin
