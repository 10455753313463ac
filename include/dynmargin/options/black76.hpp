// SPDX-License-Identifier: MIT
/// @file
/// @brief Black-76 prices and Greeks of European options on a forward, and the time to expiry.
///
/// Black (1976), "The pricing of commodity contracts", J. Financial Economics 3, 167-179: a
/// European option on a forward (or future) F with strike K, volatility sigma and time to
/// expiry T in years, discounted at a continuously compounded rate r:
///
///     d1 = (ln(F/K) + sigma^2 T / 2) / (sigma sqrt T),   d2 = d1 - sigma sqrt T,
///     call = e^{-rT} (F N(d1) - K N(d2)),   put = e^{-rT} (K N(-d2) - F N(-d1)).
///
/// Crypto venues price options this way on each expiry's own forward: Deribit's Greeks are
/// Black-76 on the row's `underlying_price` (the future or synthetic forward of the expiry)
/// with r = 0 and a 365-day year of calendar time, since the market never closes. The
/// Greeks here follow that practice and are stated per unit of the underlying:
///  - delta = dV/dF, gamma = d2V/dF2;
///  - vega = dV/dsigma per 1.00 of volatility (`vega_per_point` divides by 100, the "per vol
///    point" figure venues print);
///  - theta = dV/dt as calendar time passes (negative for a long option), per year;
///    `theta_per_day` divides by the year's days (Deribit's `theta` column: per 365th of a year).
///
/// Coin-settled (inverse) options, whose premium and P&L are in the coin, are in
/// options/inverse_option.hpp; the implied-volatility solver is in options/implied_volatility.hpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string_view>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief Call or put.
enum class option_type : std::uint8_t { call, put };

/// @brief "call" or "put".
[[nodiscard]] constexpr std::string_view to_string(option_type type) noexcept {
  return type == option_type::call ? "call" : "put";
}

/// @brief What Black-76 prices: an option on a forward.
struct black76_inputs {
  option_type type = option_type::call;
  double forward = 0.0;         ///< F > 0, the forward or future of the option's expiry
  double strike = 0.0;          ///< K > 0
  double volatility = 0.0;      ///< sigma > 0 per square-root year (0.6 = 60%)
  double time_to_expiry = 0.0;  ///< T > 0 in years (see `years_to_expiry`)
  double rate = 0.0;            ///< r, continuously compounded per year, for discounting (crypto venues: 0)
};

/// @brief A Black-76 price and its Greeks, per unit of the underlying, in the price's currency.
struct option_greeks {
  double price = 0.0;  ///< discounted premium
  double delta = 0.0;  ///< dV/dF
  double gamma = 0.0;  ///< d2V/dF2
  double vega = 0.0;   ///< dV/dsigma per 1.00 of volatility
  double theta = 0.0;  ///< dV/dt per year of calendar time (the option's decay as time passes)

  /// @brief Vega per volatility point (per 0.01 of sigma), as venues print it.
  [[nodiscard]] constexpr double vega_per_point() const noexcept { return vega / 100.0; }
  /// @brief Theta per day of a year of `basis` days (Deribit: 365).
  [[nodiscard]] constexpr double theta_per_day(year_basis basis = year_basis::calendar_365) const noexcept {
    return theta / static_cast<double>(static_cast<std::uint16_t>(basis));
  }
};

namespace detail {

// N(x) through erfc, accurate in both tails (1 - erf would lose the far left tail).
[[nodiscard]] inline double normal_cdf(double x) noexcept { return 0.5 * std::erfc(-x * (0.5 * std::numbers::sqrt2)); }

[[nodiscard]] inline double normal_pdf(double x) noexcept {
  return std::exp(-0.5 * x * x) * (std::numbers::inv_sqrtpi * (0.5 * std::numbers::sqrt2));
}

}  // namespace detail

/// @brief Checks Black-76 inputs: forward, strike, volatility and time positive and finite,
///        rate finite.
/// @param component the caller's name, which starts the message (e.g. "BTC-27MAR26-70000-C").
/// @throws dynmargin::invalid_argument naming the parameter and its value.
inline void check_black76_inputs(const black76_inputs& in, std::string_view component = "black76") {
  const auto positive = [&](double value, std::string_view name) {
    if (!(std::isfinite(value) && value > 0.0))
      throw_invalid_argument(component, name, "must be finite and > 0", value);
  };
  positive(in.forward, "forward");
  positive(in.strike, "strike");
  positive(in.volatility, "volatility");
  if (!(std::isfinite(in.time_to_expiry) && in.time_to_expiry > 0.0))
    throw_invalid_argument(component, "time_to_expiry", "must be finite and > 0 (the option has expired)",
                           in.time_to_expiry);
  if (!std::isfinite(in.rate)) throw_invalid_argument(component, "rate", "must be finite", in.rate);
}

/// @brief The Black-76 price alone, without checks: the inner loop of a scenario revaluation.
/// @pre inputs passed `check_black76_inputs` (a zero volatility or time gives NaN).
[[nodiscard]] inline double black76_price_unchecked(const black76_inputs& in) noexcept {
  const double root_time = std::sqrt(in.time_to_expiry);
  const double total_vol = in.volatility * root_time;
  const double d1 = std::log(in.forward / in.strike) / total_vol + 0.5 * total_vol;
  const double d2 = d1 - total_vol;
  const double discount = std::exp(-in.rate * in.time_to_expiry);
  if (in.type == option_type::call)
    return discount * (in.forward * detail::normal_cdf(d1) - in.strike * detail::normal_cdf(d2));
  return discount * (in.strike * detail::normal_cdf(-d2) - in.forward * detail::normal_cdf(-d1));
}

/// @brief The Black-76 price and Greeks, without checks.
/// @pre inputs passed `check_black76_inputs`.
[[nodiscard]] inline option_greeks black76_unchecked(const black76_inputs& in) noexcept {
  const double root_time = std::sqrt(in.time_to_expiry);
  const double total_vol = in.volatility * root_time;
  const double d1 = std::log(in.forward / in.strike) / total_vol + 0.5 * total_vol;
  const double d2 = d1 - total_vol;
  const double discount = std::exp(-in.rate * in.time_to_expiry);
  const double density = detail::normal_pdf(d1);
  option_greeks g;
  const bool call = in.type == option_type::call;
  // Both legs through N of a non-negative-for-the-money argument: N(-d) rather than 1 - N(d).
  const double n1 = call ? detail::normal_cdf(d1) : -detail::normal_cdf(-d1);
  const double n2 = call ? detail::normal_cdf(d2) : -detail::normal_cdf(-d2);
  g.price = discount * (in.forward * n1 - in.strike * n2);
  g.delta = discount * n1;
  g.gamma = discount * density / (in.forward * total_vol);
  g.vega = discount * in.forward * density * root_time;
  // dV/dt = -dV/dT = r V - e^{-rT} F n(d1) sigma / (2 sqrt T): the time value decays.
  g.theta = in.rate * g.price - discount * in.forward * density * in.volatility / (2.0 * root_time);
  return g;
}

/// @brief The Black-76 price.
/// @throws dynmargin::invalid_argument on inputs `check_black76_inputs` refuses.
[[nodiscard]] inline double black76_price(const black76_inputs& in, std::string_view component = "black76") {
  check_black76_inputs(in, component);
  return black76_price_unchecked(in);
}

/// @brief The Black-76 price and Greeks.
/// @throws dynmargin::invalid_argument on inputs `check_black76_inputs` refuses.
[[nodiscard]] inline option_greeks black76(const black76_inputs& in, std::string_view component = "black76") {
  check_black76_inputs(in, component);
  return black76_unchecked(in);
}

/// @brief Years from `now` to `expiry` on a year of `basis` days of calendar time.
/// @throws dynmargin::invalid_argument when the option has expired (expiry not after now),
///         naming both times in epoch seconds.
[[nodiscard]] inline double years_to_expiry(timestamp_us now, timestamp_us expiry,
                                            year_basis basis = year_basis::calendar_365,
                                            std::string_view component = "option") {
  if (expiry <= now)
    throw_invalid_argument(component, "expiry",
                           "must be after the valuation time " + format_epoch_seconds(now) +
                               " (the option has expired)",
                           format_epoch_seconds(expiry));
  return seconds_between(now, expiry) / seconds_per_year(basis);
}

}  // namespace dynmargin
