// SPDX-License-Identifier: MIT
/// @file
/// @brief The Black-76 implied volatility of an option price, which fails clearly where no
///        volatility fits the price.
///
/// A Black-76 price rises strictly with volatility from the discounted intrinsic value
/// (sigma -> 0) to the discounted forward for a call or strike for a put (sigma -> infinity),
/// so a volatility fits a price exactly when the price lies strictly inside those
/// no-arbitrage bounds. The solver checks them first and names the price and both bounds
/// when it is outside them; it never returns a volatility for a price that has none.
///
/// Method: the price is reduced to the time value of the out-of-the-money option (put-call
/// parity; an out-of-the-money price has no intrinsic part to cancel, so it keeps its digits),
/// then Newton's method on sigma runs inside a bracket that it keeps, with a bisection step
/// whenever Newton would leave the bracket or fails to halve the error. Starting value: the
/// larger of Brenner and Subrahmanyam's at-the-money approximation, sigma ~ sqrt(2 pi / T) C / F,
/// and the inflection point of the price in sigma, sqrt(2 |ln(F/K)| / T) (Manaster and
/// Koehler 1982), where Newton converges monotonically.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <string_view>
#include <utility>

#include "dynmargin/core/error.hpp"
#include "dynmargin/options/black76.hpp"

namespace dynmargin {

/// @brief A price to invert: the option, its forward and time, and its price in the forward's
///        currency (a coin-settled option's coin price times the forward, see inverse_option.hpp).
struct option_price_quote {
  option_type type = option_type::call;
  double price = 0.0;           ///< discounted premium per unit of the underlying
  double forward = 0.0;         ///< F > 0
  double strike = 0.0;          ///< K > 0
  double time_to_expiry = 0.0;  ///< T > 0 in years
  double rate = 0.0;            ///< r, continuously compounded, for discounting
};

/// @brief Settings of the implied-volatility solver.
struct implied_volatility_settings {
  double lowest_volatility = 1e-6;      ///< bracket's low end (per square-root year)
  double highest_volatility = 20.0;     ///< bracket's high end: 2000%, far above any market's
  double volatility_tolerance = 1e-12;  ///< stop when a step changes sigma by less (absolute)
  int max_iterations = 100;
};

/// @brief The solver's answer: a volatility with `outcome == status::ok`, else the reason.
struct implied_volatility_result {
  double volatility = 0.0;
  int iterations = 0;
  status outcome = status::ok;  ///< invalid_argument: outside the bounds; no_convergence: see settings
  double lower_bound = 0.0;     ///< the no-arbitrage bounds of the price, for messages
  double upper_bound = 0.0;
};

/// @brief No-arbitrage bounds of a Black-76 price: (discounted intrinsic, discounted F or K).
[[nodiscard]] inline std::pair<double, double> black76_price_bounds(option_type type, double forward, double strike,
                                                                    double time_to_expiry, double rate) noexcept {
  const double discount = std::exp(-rate * time_to_expiry);
  if (type == option_type::call) return {discount * std::max(forward - strike, 0.0), discount * forward};
  return {discount * std::max(strike - forward, 0.0), discount * strike};
}

/// @brief The implied volatility, without exceptions: the status says why none was found.
/// @pre forward, strike, time positive and finite (`black76_implied_volatility` checks them).
[[nodiscard]] inline implied_volatility_result try_black76_implied_volatility(
    const option_price_quote& quote, const implied_volatility_settings& settings = {}) noexcept {
  implied_volatility_result result;
  const auto [lower, upper] = black76_price_bounds(quote.type, quote.forward, quote.strike, quote.time_to_expiry,
                                                   quote.rate);
  result.lower_bound = lower;
  result.upper_bound = upper;
  if (!(std::isfinite(quote.price) && quote.price > lower && quote.price < upper)) {
    result.outcome = status::invalid_argument;
    return result;
  }
  // The out-of-the-money option has the same time value and no intrinsic part.
  const double time_value = quote.price - lower;
  black76_inputs otm{quote.forward >= quote.strike ? option_type::put : option_type::call,
                     quote.forward,
                     quote.strike,
                     0.0,
                     quote.time_to_expiry,
                     quote.rate};
  const auto error_at = [&](double sigma) {
    otm.volatility = sigma;
    return black76_price_unchecked(otm) - time_value;
  };
  double low = settings.lowest_volatility;
  double high = settings.highest_volatility;
  if (error_at(high) < 0.0 || error_at(low) > 0.0) {
    // The price is inside the bounds but beyond the bracket's volatilities.
    result.outcome = status::no_convergence;
    return result;
  }
  const double root_time = std::sqrt(quote.time_to_expiry);
  const double brenner = std::sqrt(2.0 * std::numbers::pi) / root_time * time_value /
                         (quote.forward * std::exp(-quote.rate * quote.time_to_expiry));
  const double inflection = std::sqrt(2.0 * std::abs(std::log(quote.forward / quote.strike)) / quote.time_to_expiry);
  double sigma = std::clamp(std::max(brenner, inflection), low, high);
  double previous_error = std::numeric_limits<double>::infinity();
  for (int i = 1; i <= settings.max_iterations; ++i) {
    result.iterations = i;
    otm.volatility = sigma;
    const option_greeks g = black76_unchecked(otm);
    const double error = g.price - time_value;
    if (error == 0.0) {
      result.volatility = sigma;
      return result;
    }
    if (error < 0.0) low = sigma;
    else high = sigma;
    double next = sigma - error / g.vega;
    // Bisect when Newton leaves the bracket, has no slope, or stalls.
    if (!(next > low && next < high) || std::abs(error) > 0.5 * std::abs(previous_error)) next = 0.5 * (low + high);
    previous_error = error;
    if (std::abs(next - sigma) <= settings.volatility_tolerance || high - low <= settings.volatility_tolerance) {
      result.volatility = next;
      return result;
    }
    sigma = next;
  }
  result.volatility = sigma;
  result.outcome = status::no_convergence;
  return result;
}

/// @brief The Black-76 implied volatility of a price.
/// @param component the caller's name for messages (an instrument name, say).
/// @throws dynmargin::invalid_argument when an input is not positive and finite, or when the
///         price is outside its no-arbitrage bounds (the message names the price and both
///         bounds: no volatility fits it);
/// @throws dynmargin::evaluation_error when the volatility lies outside the settings' bracket
///         or the solver does not converge.
[[nodiscard]] inline double black76_implied_volatility(const option_price_quote& quote,
                                                       const implied_volatility_settings& settings = {},
                                                       std::string_view component = "implied volatility") {
  check_black76_inputs({quote.type, quote.forward, quote.strike, 1.0, quote.time_to_expiry, quote.rate}, component);
  if (!(settings.lowest_volatility > 0.0 && settings.highest_volatility > settings.lowest_volatility))
    throw_invalid_argument(component, "highest_volatility", "must exceed lowest_volatility > 0",
                           settings.highest_volatility);
  const implied_volatility_result result = try_black76_implied_volatility(quote, settings);
  if (result.outcome == status::invalid_argument)
    throw_invalid_argument(component, "price",
                           "of a " + std::string(to_string(quote.type)) +
                               " must lie strictly inside its no-arbitrage bounds (" +
                               detail::format_value(result.lower_bound) + ", " +
                               detail::format_value(result.upper_bound) + "): no volatility fits it",
                           quote.price);
  if (result.outcome != status::ok)
    throw_evaluation_error(component, "no implied volatility in [" + detail::format_value(settings.lowest_volatility) +
                                          ", " + detail::format_value(settings.highest_volatility) +
                                          "] fits the price " + detail::format_value(quote.price) + " after " +
                                          std::to_string(result.iterations) + " iterations");
  return result.volatility;
}

}  // namespace dynmargin
