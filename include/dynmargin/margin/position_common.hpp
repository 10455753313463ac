// SPDX-License-Identifier: MIT
/// @file
/// @brief Vocabulary shared by the position-level policies (size tiers, size add-ons,
///        open-interest scaling, liquidity add-ons): how a schedule combines with the amounts
///        the chain has produced so far, how a position's size is measured, and the checks
///        their constructors run.
///
/// A position policy (see margin/concepts.hpp) receives the amounts computed so far and
/// returns new ones. Venue schedules come in two shapes:
///  - a *floor*: the venue's table is a minimum requirement and the risk-based amount wins
///    when it is larger, `out = max(in, schedule)` (Binance/Bybit/Hyperliquid brackets,
///    BitMEX risk limits, Deribit's linear size schedule);
///  - an *add-on*: the schedule prices a cost the risk model does not see and is added,
///    `out = in + schedule` (liquidity and close-out cost, the square-root impact curve).
/// Every policy takes a `combine_rule` so that either reading can be configured.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "dynmargin/core/error.hpp"
#include "dynmargin/margin/concepts.hpp"

namespace dynmargin {

/// @brief How a policy's schedule combines with the incoming amounts.
enum class combine_rule : std::uint8_t {
  floor,  ///< out = max(in, schedule): the venue table is a minimum requirement
  add,    ///< out = in + schedule: the schedule is an add-on the risk model does not price
};

/// @brief Which size a size-dependent schedule reads.
enum class size_measure : std::uint8_t {
  quantity,  ///< |quantity| in units of the underlying (BTC for BitMEX and Deribit)
  notional,  ///< |quantity| * price in the quote currency (Binance, Hyperliquid, dYdX)
};

/// @brief Stable text of a combine rule ("floor", "add") for configs and logs.
[[nodiscard]] constexpr std::string_view to_string(combine_rule rule) noexcept {
  return rule == combine_rule::floor ? "floor" : "add";
}

/// @brief Stable text of a size measure ("quantity", "notional").
[[nodiscard]] constexpr std::string_view to_string(size_measure measure) noexcept {
  return measure == size_measure::quantity ? "quantity" : "notional";
}

namespace detail {

/// The size a schedule reads from a position; negative or non-finite sizes come back as NaN
/// so that callers can leave the amounts unchanged.
[[nodiscard]] inline double position_size(const position_context& context, size_measure measure) noexcept {
  const double size = measure == size_measure::quantity ? std::fabs(context.quantity) : context.notional;
  return (std::isfinite(size) && size >= 0.0) ? size : std::numeric_limits<double>::quiet_NaN();
}

/// Combines incoming amounts with a schedule's amounts under a rule.
[[nodiscard]] constexpr margin_amounts combine_amounts(combine_rule rule, margin_amounts in,
                                                       margin_amounts schedule) noexcept {
  if (rule == combine_rule::add) return {in.initial + schedule.initial, in.maintenance + schedule.maintenance};
  return {in.initial < schedule.initial ? schedule.initial : in.initial,
          in.maintenance < schedule.maintenance ? schedule.maintenance : in.maintenance};
}

inline void require_finite_non_negative(std::string_view component, std::string_view parameter, double value) {
  if (!(std::isfinite(value) && value >= 0.0)) {
    throw_invalid_argument(component, parameter, "must be finite and >= 0", value);
  }
}

inline void require_finite_positive(std::string_view component, std::string_view parameter, double value) {
  if (!(std::isfinite(value) && value > 0.0)) {
    throw_invalid_argument(component, parameter, "must be finite and > 0", value);
  }
}

inline void require_unit_interval(std::string_view component, std::string_view parameter, double value) {
  if (!(value >= 0.0 && value <= 1.0)) throw_invalid_argument(component, parameter, "must be in [0, 1]", value);
}

}  // namespace detail
}  // namespace dynmargin
