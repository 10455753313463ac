// SPDX-License-Identifier: MIT
/// @file
/// @brief Floors and caps on the initial rate: a minimum rate, a maximum leverage
///        (IM >= 1 / L) and a maximum rate.
///
/// Every venue floors its risk-based number: Binance's first BTCUSDT bracket allows 125x
/// (IMR >= 0.8%), Hyperliquid's BTC market 40x (IMR >= 2.5%), Binance caps new accounts at
/// 20x (5%), Deribit's BTC futures start at IM 2% and MM 1% (standard margin, Jan 2022),
/// Prisma and SPAN 2 floor margin with a stress component (Eurex Prisma and CME SPAN 2 methodology documents).
/// A cap bounds margin from above (a venue's "100% margin" limit for spot-like products).
/// The floor and the cap take their rate as a `parameter_schedule`, so an announced change
/// ramps in. Maintenance moves in proportion to initial (breakdown.hpp).
#pragma once

#include <cmath>
#include <string_view>

#include "dynmargin/core/error.hpp"
#include "dynmargin/margin/breakdown.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/schedule.hpp"

namespace dynmargin {

/// @brief Initial rate at least `rate` (which may follow a schedule).
class floor_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  /// @throws dynmargin::invalid_argument naming `rate` when a value is negative or above 1.
  explicit floor_policy(parameter_schedule rate) : rate_(std::move(rate)) {
    if (!(rate_.minimum() >= 0.0)) throw_invalid_argument("floor", "rate", "must be >= 0", rate_.minimum());
    if (!(rate_.maximum() <= 1.0))
      throw_invalid_argument("floor", "rate", "must be <= 1 (a fraction of notional)", rate_.maximum());
  }
  /// The policy's kind: its name in quotes and its "type" in a run-time config.
  static constexpr std::string_view kind = "floor";
  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    const double minimum = rate_.value_at(context.time);
    return rates.initial < minimum ? detail::with_initial(rates, minimum, context) : rates;
  }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type&) noexcept {}
  [[nodiscard]] const parameter_schedule& rate() const noexcept { return rate_; }

 private:
  parameter_schedule rate_;
};

/// @brief Maximum leverage L: initial rate at least 1 / L.
class max_leverage_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  /// @throws dynmargin::invalid_argument naming `leverage` when below 1 or not finite.
  explicit max_leverage_policy(double leverage) : leverage_(leverage) {
    if (!(std::isfinite(leverage) && leverage >= 1.0)) {
      throw_invalid_argument("max_leverage", "leverage", "must be finite and >= 1", leverage);
    }
  }
  /// The policy's kind: its name in quotes and its "type" in a run-time config.
  static constexpr std::string_view kind = "max_leverage";
  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    const double minimum = 1.0 / leverage_;
    return rates.initial < minimum ? detail::with_initial(rates, minimum, context) : rates;
  }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type&) noexcept {}
  [[nodiscard]] double leverage() const noexcept { return leverage_; }

 private:
  double leverage_;
};

/// @brief Initial rate at most `rate` (which may follow a schedule). A cap placed after the
///        risk-based rate can leave margin below the risk estimate: put floors after it.
class cap_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  /// @throws dynmargin::invalid_argument naming `rate` when a value is not > 0.
  explicit cap_policy(parameter_schedule rate) : rate_(std::move(rate)) {
    if (!(rate_.minimum() > 0.0)) throw_invalid_argument("cap", "rate", "must be > 0", rate_.minimum());
  }
  /// The policy's kind: its name in quotes and its "type" in a run-time config.
  static constexpr std::string_view kind = "cap";
  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    const double maximum = rate_.value_at(context.time);
    return rates.initial > maximum ? detail::with_initial(rates, maximum, context) : rates;
  }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type&) noexcept {}
  [[nodiscard]] const parameter_schedule& rate() const noexcept { return rate_; }

 private:
  parameter_schedule rate_;
};

}  // namespace dynmargin
