// SPDX-License-Identifier: MIT
/// @file
/// @brief Account health and liquidation: equity against margin, the four health states,
///        partial-liquidation schedules (Hyperliquid slices, Aave v3.3 close factor),
///        bankruptcy and liquidation prices of linear contracts (flat or tiered maintenance),
///        and a per-tick monitor of an isolated position that emits events.
///
/// Sources:
///  - Hyperliquid docs, "Trading / Liquidations": liquidation when account equity falls below
///    maintenance margin; a backstop liquidation (the liquidator vault takes the position and
///    its margin) when equity falls below 2/3 of maintenance; for positions above 100k USDC
///    only 20% is sent to the book, then a 30-second cooldown during which liquidations are for
///    the whole position. Liquidation price
///    `liq_price = price - side * margin_available / position_size / (1 - l * side)`
///    with l the maintenance rate (Hyperliquid docs, "Liquidations").
///  - Binance FAQ, "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts"
///    (2020-08-14; isolated mode: TMM = 0, UPNL = 0):
///    `LP = (WB + cum - side * size * EP) / (size * MMR - side * size)`, and "if your position
///    (calculated at the liquidation price) and the current position ... are of different
///    levels, then you must substitute ... the maintenance margin rate and the maintenance
///    amount of the position level [at the liquidation price]".
///  - Aave v3.3 (aave-dao/aave-v3-origin, LiquidationLogic.executeLiquidationCall): 50% close
///    factor of the total debt; the whole reserve debt may be repaid when the health factor is
///    at or below 0.95 or when the reserve's debt or collateral is below 2,000 (base currency);
///    a partial liquidation must leave at least 1,000 of both debt and collateral
///    (MUST_NOT_LEAVE_DUST); the liquidator receives the repaid value times (1 + bonus) in
///    collateral, less the protocol's share of the bonus.
///
/// **States** (this library's definitions; the thresholds are configurable):
///  - `backstop`: equity < backstop_fraction * MM (default 2/3, Hyperliquid);
///  - `liquidation`: equity < MM (Binance, Bybit, Hyperliquid, dYdX);
///  - `margin_call`: equity < the call level: IM (default, `margin_call_rule::below_initial`,
///    the CME/crypto "call back to initial" reading) or k * MM
///    (`below_maintenance_multiple`, e.g. Binance portfolio margin's 1.5 reminder);
///  - `healthy` otherwise.
/// **Linear contracts**: equity(P) = collateral + quantity * (P - entry) (quantity signed).
/// Bankruptcy price: equity = 0, P = entry - collateral / quantity. Liquidation price:
/// equity = MM(|q| P) = |q| P MMR_n - D_n, P = (q E - C - D_n) / (q - |q| MMR_n), solved bracket
/// by bracket and accepted where |q| P lies in bracket n (MM is continuous and equity minus
/// MM is strictly monotone in P, so the root is unique).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/position_common.hpp"
#include "dynmargin/margin/tiers.hpp"

namespace dynmargin {

// ---------------------------------------------------------------------------------------
// Linear positions: equity, bankruptcy and liquidation prices
// ---------------------------------------------------------------------------------------

/// @brief An isolated position in a linear contract (quote-currency settled).
struct linear_position {
  double quantity = 0.0;     ///< signed size in units of the underlying (+ long, - short)
  double entry_price = 0.0;  ///< average entry price (> 0)
  double collateral = 0.0;   ///< isolated wallet balance (Binance WB), quote currency
  friend bool operator==(const linear_position&, const linear_position&) = default;
};

/// @brief Equity at a price: collateral + quantity * (price - entry).
[[nodiscard]] constexpr double equity(const linear_position& position, double price) noexcept {
  return position.collateral + position.quantity * (price - position.entry_price);
}

/// @brief Price at which equity is zero: entry - collateral / quantity; empty when there is
///        no position, an input is not finite, or the price would not be positive (a long
///        collateralised at 1x or more never goes bankrupt).
[[nodiscard]] inline std::optional<double> bankruptcy_price(const linear_position& position) noexcept {
  const double q = position.quantity;
  if (q == 0.0 || !std::isfinite(q) || !std::isfinite(position.entry_price) || !std::isfinite(position.collateral)) {
    return std::nullopt;
  }
  const double price = position.entry_price - position.collateral / q;
  if (!(price > 0.0) || !std::isfinite(price)) return std::nullopt;
  return price;
}

/// @brief Price at which equity equals a flat maintenance requirement |q| P m - deduction
///        (Binance's isolated formula with one bracket); empty when no positive price exists.
[[nodiscard]] inline std::optional<double> liquidation_price(const linear_position& position, double maintenance_rate,
                                                             double deduction = 0.0) noexcept {
  const double q = position.quantity;
  if (q == 0.0 || !std::isfinite(q) || !std::isfinite(position.entry_price) || !std::isfinite(position.collateral) ||
      !std::isfinite(maintenance_rate) || !std::isfinite(deduction)) {
    return std::nullopt;
  }
  const double denominator = q - std::fabs(q) * maintenance_rate;
  if (denominator == 0.0) return std::nullopt;
  const double price = (q * position.entry_price - position.collateral - deduction) / denominator;
  if (!(price > 0.0) || !std::isfinite(price)) return std::nullopt;
  return price;
}

/// @brief Liquidation price with tiered maintenance (Binance's "substitute the level at the
///        liquidation price"): the P with equity(P) = tiers.maintenance_amount(|q| P).
///        Empty when no positive price exists (a long collateralised at 1x or more).
[[nodiscard]] inline std::optional<double> liquidation_price(const linear_position& position,
                                                             const size_tiers_policy& tiers) noexcept {
  const double q = position.quantity;
  if (q == 0.0 || !std::isfinite(q) || !std::isfinite(position.entry_price) || !std::isfinite(position.collateral)) {
    return std::nullopt;
  }
  const double size = std::fabs(q);
  constexpr double slack = 1e-12;  // a root exactly on a boundary belongs to both brackets
  for (const tier_row& row : tiers.rows()) {
    const double denominator = q - size * row.maintenance_rate;
    if (denominator == 0.0) continue;
    const double price = (q * position.entry_price - position.collateral - row.maintenance_deduction) / denominator;
    if (!(price > 0.0) || !std::isfinite(price)) continue;
    const double notional = size * price;
    const bool above_floor = notional >= row.notional_floor * (1.0 - slack);
    const bool below_cap = &row == &tiers.rows().back() || notional <= row.notional_cap * (1.0 + slack);
    if (above_floor && below_cap) return price;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Health states
// ---------------------------------------------------------------------------------------

/// @brief Health of an account or isolated position, from best to worst.
enum class account_state : std::uint8_t { healthy, margin_call, liquidation, backstop };

/// @brief Stable text of a state, for logs and JSON output.
[[nodiscard]] constexpr std::string_view to_string(account_state state) noexcept {
  switch (state) {
    case account_state::healthy: return "healthy";
    case account_state::margin_call: return "margin_call";
    case account_state::liquidation: return "liquidation";
    case account_state::backstop: return "backstop";
  }
  return "unknown";
}

/// @brief Where the margin call starts (see the file comment).
enum class margin_call_rule : std::uint8_t {
  below_initial,               ///< equity < IM
  below_maintenance_multiple,  ///< equity < call_multiple * MM
};

/// @brief Thresholds of `account_health`.
struct account_health_config {
  margin_call_rule call_rule = margin_call_rule::below_initial;
  double call_multiple = 1.5;            ///< k for below_maintenance_multiple (>= 1)
  double backstop_fraction = 2.0 / 3.0;  ///< backstop when equity < fraction * MM, in [0, 1]
};

/// @brief Classifies equity against margin requirements.
class account_health {
 public:
  using config_type = account_health_config;  ///< what the constructor takes
  /// @throws dynmargin::invalid_argument naming call_multiple or backstop_fraction.
  explicit account_health(const account_health_config& config = {}) : config_(config) {
    if (!(std::isfinite(config.call_multiple) && config.call_multiple >= 1.0)) {
      throw_invalid_argument("account_health", "call_multiple", "must be finite and >= 1", config.call_multiple);
    }
    detail::require_unit_interval("account_health", "backstop_fraction", config.backstop_fraction);
  }

  /// @brief The equity below which a margin call starts.
  [[nodiscard]] double call_level(margin_amounts requirement) const noexcept {
    return config_.call_rule == margin_call_rule::below_initial ? requirement.initial
                                                                : config_.call_multiple * requirement.maintenance;
  }

  /// @brief The state for an equity and requirements. Non-finite input gives `margin_call`:
  ///        flagged for attention, never a liquidation on a bad number.
  [[nodiscard]] account_state classify(double equity_value, margin_amounts requirement) const noexcept {
    if (!std::isfinite(equity_value) || !std::isfinite(requirement.initial) ||
        !std::isfinite(requirement.maintenance)) {
      return account_state::margin_call;
    }
    if (equity_value < config_.backstop_fraction * requirement.maintenance) return account_state::backstop;
    if (equity_value < requirement.maintenance) return account_state::liquidation;
    if (equity_value < call_level(requirement)) return account_state::margin_call;
    return account_state::healthy;
  }

  [[nodiscard]] const account_health_config& config() const noexcept { return config_; }

 private:
  account_health_config config_;
};

// ---------------------------------------------------------------------------------------
// Events and the isolated-position monitor
// ---------------------------------------------------------------------------------------

/// @brief What happened to a position on a tick.
enum class account_event_kind : std::uint8_t {
  margin_call,          ///< entered margin call; amount = top-up to the call level
  partial_liquidation,  ///< a slice was closed at the price; amount = notional closed
  full_liquidation,     ///< the rest was closed at the price; amount = notional closed
  backstop,             ///< position and remaining equity taken over; amount = equity taken
  bad_debt,             ///< equity below zero when taken over; amount = the shortfall (> 0)
};

/// @brief Stable text of an event kind.
[[nodiscard]] constexpr std::string_view to_string(account_event_kind kind) noexcept {
  switch (kind) {
    case account_event_kind::margin_call: return "margin_call";
    case account_event_kind::partial_liquidation: return "partial_liquidation";
    case account_event_kind::full_liquidation: return "full_liquidation";
    case account_event_kind::backstop: return "backstop";
    case account_event_kind::bad_debt: return "bad_debt";
  }
  return "unknown";
}

/// @brief One emitted event.
struct account_event {
  timestamp time = 0;
  account_event_kind kind = account_event_kind::margin_call;
  double quantity = 0.0;  ///< quantity closed or taken over (>= 0), 0 for calls and bad debt
  double price = 0.0;     ///< price of the tick
  double amount = 0.0;    ///< quote-currency amount (see the kind)
  friend bool operator==(const account_event&, const account_event&) = default;
};

/// @brief The events of one tick: a small fixed-capacity sequence (no allocation).
class account_events {
 public:
  static constexpr std::size_t capacity = 3;
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] const account_event& operator[](std::size_t i) const noexcept { return items_[i]; }
  [[nodiscard]] const account_event* begin() const noexcept { return items_.data(); }
  [[nodiscard]] const account_event* end() const noexcept { return items_.data() + count_; }
  void push(const account_event& event) noexcept {
    if (count_ < capacity) items_[count_++] = event;
  }

 private:
  std::array<account_event, capacity> items_{};
  std::size_t count_ = 0;
};

/// @brief Partial-liquidation schedule in slices (defaults: Hyperliquid).
struct slice_schedule_config {
  double slice_fraction = 0.2;           ///< share of the position closed by a slice, in (0, 1]
  double partial_threshold = 100'000.0;  ///< slices only above this notional (>= 0; infinity: never)
  std::int64_t cooldown_seconds = 30;    ///< after a slice, liquidations within this time close everything
};

/// @brief The result of one tick of `isolated_account`.
struct account_step {
  account_state state = account_state::healthy;
  double equity = 0.0;         ///< equity at the tick's price, before any closing
  status result = status::ok;  ///< not ok: the tick was rejected and nothing changed
  account_events events{};
};

/// @brief Per-tick health monitor and liquidator of one isolated linear position.
///
/// Each tick takes the price and the margin requirement of the current position (from the
/// margin function's quote or a tier table), classifies equity, and acts:
///  - backstop: the position and its equity are taken over (Hyperliquid's liquidator vault;
///    the maintenance margin is not returned), emitting `backstop` and, below zero, `bad_debt`;
///  - liquidation: a slice (above `partial_threshold` and outside the cooldown after the last
///    slice) or the whole position is closed at the tick's price, PnL realised into the
///    collateral; `partial_liquidation` or `full_liquidation` (equity is then at least
///    backstop_fraction * MM >= 0, so a market liquidation never leaves bad debt);
///  - margin_call: `margin_call` when the state is entered from healthy.
/// The caller re-quotes the smaller position on the next tick. `step` is noexcept and
/// allocation-free; bad input (non-finite, non-positive price, negative requirement, time
/// going backwards) returns a status and leaves the monitor unchanged.
class isolated_account {
 public:
  /// @brief The whole mutable state, a regular value.
  struct state_type {
    linear_position position{};
    account_state state = account_state::healthy;
    timestamp last_time = 0;
    timestamp last_slice_time = 0;
    bool sliced = false;
    std::int64_t ticks = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming the field of a bad position or schedule.
  explicit isolated_account(const linear_position& position, const account_health_config& health = {},
                            const slice_schedule_config& schedule = {})
      : health_(health), schedule_(schedule) {
    if (!std::isfinite(position.quantity)) {
      throw_invalid_argument("isolated_account", "quantity", "must be finite", position.quantity);
    }
    detail::require_finite_positive("isolated_account", "entry_price", position.entry_price);
    detail::require_finite_non_negative("isolated_account", "collateral", position.collateral);
    if (!(schedule.slice_fraction > 0.0 && schedule.slice_fraction <= 1.0)) {
      throw_invalid_argument("isolated_account", "slice_fraction", "must be in (0, 1]", schedule.slice_fraction);
    }
    if (!(schedule.partial_threshold >= 0.0)) {
      throw_invalid_argument("isolated_account", "partial_threshold", "must be >= 0", schedule.partial_threshold);
    }
    if (schedule.cooldown_seconds < 0) {
      throw_invalid_argument("isolated_account", "cooldown_seconds", "must be >= 0", schedule.cooldown_seconds);
    }
    state_.position = position;
  }

  /// @brief One tick (see the class comment).
  [[nodiscard]] account_step step(timestamp time, double price, margin_amounts requirement) noexcept {
    account_step out;
    out.state = state_.state;
    if (!std::isfinite(price) || !std::isfinite(requirement.initial) || !std::isfinite(requirement.maintenance)) {
      out.result = status::non_finite_input;
      return out;
    }
    if (!(price > 0.0) || requirement.initial < 0.0 || requirement.maintenance < 0.0 ||
        (state_.ticks > 0 && time < state_.last_time)) {
      out.result = status::invalid_argument;
      return out;
    }
    linear_position& position = state_.position;
    const double equity_value = equity(position, price);
    const account_state state = health_.classify(equity_value, requirement);
    out.state = state;
    out.equity = equity_value;

    if (state == account_state::margin_call && state_.state == account_state::healthy) {
      out.events.push({time, account_event_kind::margin_call, 0.0, price,
                       std::max(health_.call_level(requirement) - equity_value, 0.0)});
    }
    if (position.quantity != 0.0 && state == account_state::backstop) {
      out.events.push({time, account_event_kind::backstop, std::fabs(position.quantity), price, equity_value});
      if (equity_value < 0.0) out.events.push({time, account_event_kind::bad_debt, 0.0, price, -equity_value});
      position.quantity = 0.0;
      position.collateral = 0.0;
    } else if (position.quantity != 0.0 && state == account_state::liquidation) {
      const double size = std::fabs(position.quantity);
      const bool cooling = state_.sliced && time - state_.last_slice_time < schedule_.cooldown_seconds;
      const bool slice = schedule_.slice_fraction < 1.0 && size * price > schedule_.partial_threshold && !cooling;
      if (slice) {
        const double closed = position.quantity * schedule_.slice_fraction;
        position.collateral += closed * (price - position.entry_price);
        position.quantity -= closed;
        state_.sliced = true;
        state_.last_slice_time = time;
        out.events.push(
            {time, account_event_kind::partial_liquidation, std::fabs(closed), price, std::fabs(closed) * price});
      } else {
        // equity >= backstop_fraction * MM >= 0 here: what is left returns to the trader.
        position.collateral = equity_value;
        position.quantity = 0.0;
        out.events.push({time, account_event_kind::full_liquidation, size, price, size * price});
      }
    }
    state_.state = state;
    state_.last_time = time;
    ++state_.ticks;
    return out;
  }

  [[nodiscard]] const linear_position& position() const noexcept { return state_.position; }
  [[nodiscard]] account_state current_state() const noexcept { return state_.state; }
  [[nodiscard]] state_type state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }

 private:
  account_health health_;
  slice_schedule_config schedule_;
  state_type state_{};
};

// ---------------------------------------------------------------------------------------
// Aave v3.3 close factor
// ---------------------------------------------------------------------------------------

/// @brief Constants of Aave v3.3's liquidation sizing (base currency, e.g. USD).
struct aave_close_factor_config {
  double default_close_factor = 0.5;            ///< DEFAULT_LIQUIDATION_CLOSE_FACTOR, in (0, 1]
  double close_factor_health_threshold = 0.95;  ///< CLOSE_FACTOR_HF_THRESHOLD: 100% at or below
  double full_close_threshold = 2000.0;         ///< MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD
  double min_leftover = 1000.0;                 ///< MIN_LEFTOVER_BASE
  double protocol_fee = 0.0;                    ///< protocol share of the bonus, in [0, 1]
};

/// @brief One liquidation call, all values in the base currency.
struct aave_liquidation_request {
  double reserve_debt = 0.0;        ///< the user's debt in the reserve being repaid
  double reserve_collateral = 0.0;  ///< the user's collateral in the reserve being seized
  double total_debt = 0.0;          ///< the user's total debt over all reserves (>= reserve_debt)
  double health_factor = 0.0;       ///< before the liquidation
  double debt_to_cover = 0.0;       ///< what the liquidator asks to repay (infinity: the maximum)
  double liquidation_bonus = 0.0;   ///< of the collateral reserve (0.05 = 5%)
};

/// @brief Outcome of `aave_close_factor::liquidate`.
enum class aave_liquidation_outcome : std::uint8_t {
  executed,             ///< the liquidation goes through
  not_liquidatable,     ///< health factor >= 1
  must_not_leave_dust,  ///< a partial liquidation would leave less than min_leftover
  invalid_input,        ///< a negative or non-finite value, or reserve_debt > total_debt
};

/// @brief Stable text of an outcome.
[[nodiscard]] constexpr std::string_view to_string(aave_liquidation_outcome outcome) noexcept {
  switch (outcome) {
    case aave_liquidation_outcome::executed: return "executed";
    case aave_liquidation_outcome::not_liquidatable: return "not_liquidatable";
    case aave_liquidation_outcome::must_not_leave_dust: return "must_not_leave_dust";
    case aave_liquidation_outcome::invalid_input: return "invalid_input";
  }
  return "unknown";
}

/// @brief Result of a liquidation call (zeros unless executed).
struct aave_liquidation_result {
  aave_liquidation_outcome outcome = aave_liquidation_outcome::invalid_input;
  double max_liquidatable_debt = 0.0;  ///< the close-factor cap for this call
  double debt_repaid = 0.0;
  double collateral_seized = 0.0;  ///< to the liquidator, after the protocol fee
  double protocol_fee = 0.0;       ///< collateral to the treasury
  friend bool operator==(const aave_liquidation_result&, const aave_liquidation_result&) = default;
};

/// @brief Aave v3.3 liquidation sizing (close factor, collateral cap, dust rule).
class aave_close_factor {
 public:
  using config_type = aave_close_factor_config;  ///< what the constructor takes
  /// @throws dynmargin::invalid_argument naming the field and value when out of range.
  explicit aave_close_factor(const aave_close_factor_config& config = {}) : config_(config) {
    if (!(config.default_close_factor > 0.0 && config.default_close_factor <= 1.0)) {
      throw_invalid_argument("aave_close_factor", "default_close_factor", "must be in (0, 1]",
                             config.default_close_factor);
    }
    detail::require_finite_positive("aave_close_factor", "close_factor_health_threshold",
                                    config.close_factor_health_threshold);
    detail::require_finite_non_negative("aave_close_factor", "full_close_threshold", config.full_close_threshold);
    detail::require_finite_non_negative("aave_close_factor", "min_leftover", config.min_leftover);
    detail::require_unit_interval("aave_close_factor", "protocol_fee", config.protocol_fee);
  }

  /// @brief The most debt one call may repay in the reserve (before the collateral cap).
  [[nodiscard]] double max_liquidatable_debt(const aave_liquidation_request& request) const noexcept {
    if (request.reserve_collateral >= config_.full_close_threshold &&
        request.reserve_debt >= config_.full_close_threshold &&
        request.health_factor > config_.close_factor_health_threshold) {
      const double default_cap = request.total_debt * config_.default_close_factor;
      if (request.reserve_debt > default_cap) return default_cap;
    }
    return request.reserve_debt;
  }

  /// @brief Sizes one liquidation call as LiquidationLogic does.
  [[nodiscard]] aave_liquidation_result liquidate(const aave_liquidation_request& request) const noexcept {
    aave_liquidation_result out;
    const auto bad = [](double x) { return std::isnan(x) || x < 0.0; };
    if (bad(request.reserve_debt) || bad(request.reserve_collateral) || bad(request.total_debt) ||
        bad(request.health_factor) || bad(request.debt_to_cover) || bad(request.liquidation_bonus) ||
        !std::isfinite(request.reserve_debt) || !std::isfinite(request.reserve_collateral) ||
        !std::isfinite(request.total_debt) || !std::isfinite(request.liquidation_bonus) ||
        request.reserve_debt > request.total_debt) {
      return out;
    }
    if (!(request.health_factor < 1.0)) {
      out.outcome = aave_liquidation_outcome::not_liquidatable;
      return out;
    }
    const double bonus_factor = 1.0 + request.liquidation_bonus;
    const double cap = max_liquidatable_debt(request);
    double repaid = std::min(request.debt_to_cover, cap);
    double seized = repaid * bonus_factor;
    if (seized > request.reserve_collateral) {
      seized = request.reserve_collateral;
      repaid = seized / bonus_factor;
    }
    const double fee = (seized - seized / bonus_factor) * config_.protocol_fee;
    if (repaid < request.reserve_debt && seized < request.reserve_collateral) {
      const bool debt_left = request.reserve_debt - repaid >= config_.min_leftover;
      // As LiquidationLogic: the leftover is the balance less what the liquidator receives.
      const bool collateral_left = request.reserve_collateral - (seized - fee) >= config_.min_leftover;
      if (!(debt_left && collateral_left)) {
        out.outcome = aave_liquidation_outcome::must_not_leave_dust;
        out.max_liquidatable_debt = cap;
        return out;
      }
    }
    out.outcome = aave_liquidation_outcome::executed;
    out.max_liquidatable_debt = cap;
    out.debt_repaid = repaid;
    out.collateral_seized = seized - fee;
    out.protocol_fee = fee;
    return out;
  }

  [[nodiscard]] const aave_close_factor_config& config() const noexcept { return config_; }

 private:
  aave_close_factor_config config_;
};

}  // namespace dynmargin
