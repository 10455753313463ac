// SPDX-License-Identifier: MIT
/// @file
/// @brief The `margin_policy` concepts and the values policies exchange.
///
/// A margin policy maps a margin requirement and its context to a new requirement and says
/// what it changed, so that every quote explains itself. Policies come in two stages:
///
///  - `rate_policy`: the rate stage, per instrument, run once per price update in chain order, may keep
///    state (an APC buffer, a speed limit remembers past rates, a lookback floor remembers
///    the history). Works on rates of notional: `margin_rates update(const market_context&,
///    margin_rates) noexcept`.
///  - `position_policy`: position level, run at quote time, stateless and `const` (size
///    tiers, size add-ons, liquidity and concentration add-ons, leverage caps that depend on
///    the position). Works on amounts: `margin_amounts apply(const position_context&,
///    margin_amounts) const noexcept`.
///
/// A type opts in by naming `rate_policy_tag` or `position_policy_tag` as its
/// `model_concept`. `margin_policy` is either. Each policy has a `name()` that appears in the
/// quote's breakdown and in the command-line tool's output columns.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

#include "dynmargin/core/concepts.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief Initial and maintenance requirements as fractions of notional.
struct margin_rates {
  double initial = 0.0;
  double maintenance = 0.0;
  friend bool operator==(const margin_rates&, const margin_rates&) = default;
};

/// @brief Initial and maintenance requirements as amounts in the quote currency.
struct margin_amounts {
  double initial = 0.0;
  double maintenance = 0.0;
  friend bool operator==(const margin_amounts&, const margin_amounts&) = default;
};

/// @brief What a rate policy sees on each price update.
struct market_context {
  timestamp_us time{};               ///< time of the update
  double price = 0.0;                ///< the price the function accepted (after the price guard)
  std::int64_t step = 0;             ///< number of accepted updates so far (1 on the first)
  double raw_rate = 0.0;             ///< risk-based initial rate before any policy
  double volatility = 0.0;           ///< current one-step volatility forecast, fraction of price
  double stressed_volatility = 0.0;  ///< highest volatility seen over the configured lookback
  bool price_suspect = false;        ///< the price guard flagged this update
  /// ln(1 + raw_rate): the log loss behind the raw rate (the short side's when it binds),
  /// which the margin function already holds. Policies that rescale a loss (apc.hpp) read it
  /// instead of recomputing log1p on the hot path; NaN (the default) means "not supplied".
  double raw_log_loss = std::numeric_limits<double>::quiet_NaN();
  /// Maintenance / initial ratio in force where the policy runs: the function's
  /// `margin_function_config::maintenance_fraction`, or the ratio the last
  /// `maintenance_setting_policy` before this policy set. A policy that raises an initial rate
  /// of 0 sets maintenance to this fraction of it (breakdown.hpp). Default: the function's default.
  double maintenance_fraction = 0.5;
};

/// @brief What a position-level policy sees at quote time.
struct position_context {
  timestamp_us time{};
  double price = 0.0;     ///< current accepted price
  double quantity = 0.0;  ///< signed size in units of the underlying (+ long, - short)
  double notional = 0.0;  ///< |quantity| * price, >= 0
  margin_rates rates{};   ///< the rates after the rate stage
  /// The market's open notional (open interest * oracle price, quote currency) when the engine
  /// supplies it (`margin_function::set_open_interest`); NaN (the default) means "not
  /// supplied". Market state, not a property of the position: it scales dYdX-style margin
  /// (open_interest.hpp).
  double open_interest = std::numeric_limits<double>::quiet_NaN();
};

/// @brief Tag for rate policies (see the file comment).
struct rate_policy_tag {};
/// @brief Tag for position-level policies (see the file comment).
struct position_policy_tag {};

template <class T>
inline constexpr bool enable_rate_policy = detail::declares_model_concept<T, rate_policy_tag>();
template <class T>
inline constexpr bool enable_position_policy = detail::declares_model_concept<T, position_policy_tag>();

/// @brief Rate policy: stateful, per update, on rates.
// clang-format off
template <class T>
concept rate_policy =
    enable_rate_policy<std::remove_cvref_t<T>> && std::copyable<std::remove_cvref_t<T>> &&
    requires(std::remove_cvref_t<T>& policy, const std::remove_cvref_t<T>& const_policy, const market_context& context,
             margin_rates rates, const typename std::remove_cvref_t<T>::state_type& saved) {
      typename std::remove_cvref_t<T>::state_type;
      requires std::regular<typename std::remove_cvref_t<T>::state_type>;
      { const_policy.name() } noexcept -> std::convertible_to<std::string_view>;
      { policy.update(context, rates) } noexcept -> std::same_as<margin_rates>;
      { const_policy.state() } -> std::same_as<typename std::remove_cvref_t<T>::state_type>;
      { policy.restore(saved) } -> std::same_as<void>;
    };
// clang-format on

/// @brief A rate policy that sets the maintenance / initial ratio itself (maintenance.hpp):
///        `maintenance_fraction_after(before)` is the ratio in force after it, given the one in
///        force before it. Whoever runs rate policies in order (the margin function, a policy
///        chain) passes the result on as `market_context::maintenance_fraction` to the policies
///        after it, so that a policy raising an initial rate of 0 keeps the ratio.
// clang-format off
template <class T>
concept maintenance_setting_policy =
    rate_policy<T> && requires(const std::remove_cvref_t<T>& policy, double before) {
      { policy.maintenance_fraction_after(before) } noexcept -> std::same_as<double>;
    };
// clang-format on

/// @brief The maintenance / initial ratio in force after `policy`, given the one before it.
template <class P>
[[nodiscard]] constexpr double maintenance_fraction_after(const P& policy, double before) noexcept {
  if constexpr (maintenance_setting_policy<P>) return policy.maintenance_fraction_after(before);
  else return before;
}

/// @brief A rate policy that remembers earlier margins and is told the margin actually
///        published: after every rate policy of the function ran on an update (so only once the
///        function is ready), the margin function calls `observe_published(rates)` with the rates
///        it publishes, and the policy keeps that, not its own intermediate output, as its
///        history (speed_limit.hpp). A policy chain forwards the call to its members.
// clang-format off
template <class T>
concept published_margin_observer =
    rate_policy<T> && requires(std::remove_cvref_t<T>& policy, const margin_rates& published) {
      { policy.observe_published(published) } noexcept -> std::same_as<void>;
    };
// clang-format on

/// @brief Tells `policy` the published rates when it observes them (`published_margin_observer`).
template <class P>
constexpr void observe_published(P& policy, const margin_rates& published) noexcept {
  if constexpr (published_margin_observer<P>) policy.observe_published(published);
  else (void)published;
}

/// @brief What an anti-procyclicality buffer (apc.hpp) reports for the quote: the buffer in
///        force as a fraction of the requirement it received, and its stress indicator.
struct apc_buffer_report {
  bool present = false;  ///< a buffer policy ran
  double buffer = 0.0;   ///< margin / incoming requirement - 1 (EMIR Art. 28(1)(a): >= 0.25 in calm)
  double stress = 0.0;   ///< the stress indicator the buffer is drawn down on
  friend bool operator==(const apc_buffer_report&, const apc_buffer_report&) = default;
};

/// @brief A rate policy that reports an APC buffer: `apc_buffer_report_after(before)` is the
///        report after it, given the one before it (the last buffer in the chain wins). A policy
///        chain forwards the call to its members, so the quote carries the buffer whatever the
///        composition.
// clang-format off
template <class T>
concept apc_buffer_reporting_policy =
    rate_policy<T> && requires(const std::remove_cvref_t<T>& policy, const apc_buffer_report& before) {
      { policy.apc_buffer_report_after(before) } noexcept -> std::same_as<apc_buffer_report>;
    };
// clang-format on

/// @brief The APC buffer report after `policy`, given the one before it.
template <class P>
[[nodiscard]] constexpr apc_buffer_report apc_buffer_report_after(const P& policy,
                                                                  const apc_buffer_report& before) noexcept {
  if constexpr (apc_buffer_reporting_policy<P>) return policy.apc_buffer_report_after(before);
  else return before;
}

/// @brief Position-level policy: stateless, per quote, on amounts.
// clang-format off
template <class T>
concept position_policy =
    enable_position_policy<std::remove_cvref_t<T>> && std::copyable<std::remove_cvref_t<T>> &&
    requires(const std::remove_cvref_t<T>& policy, const position_context& context, margin_amounts amounts) {
      { policy.name() } noexcept -> std::convertible_to<std::string_view>;
      { policy.apply(context, amounts) } noexcept -> std::same_as<margin_amounts>;
    };
// clang-format on

/// @brief Either stage of margin policy.
template <class T>
concept margin_policy = rate_policy<T> || position_policy<T>;

}  // namespace dynmargin
