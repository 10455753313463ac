// SPDX-License-Identifier: MIT
/// @file
/// @brief What a margin quote says about each policy: the per-policy effect record, the
///        fixed capacity of a breakdown, and the protocol by which a policy chain reports the
///        effect of each of its members, and `stage_effects`, the one place that tells such a
///        chain from a single policy.
///
/// Transparency is the point (BCBS-CPMI-IOSCO, "Review of margining practices", 2022, asks
/// for margin decompositions): every quote lists, in execution order, the rates before and
/// after each policy and which one bound. The breakdown is a fixed-size array so that quoting
/// never allocates.
///
/// Shared rule of the rate policies in this folder: a policy that moves the
/// initial rate moves the maintenance rate in the same proportion, so the maintenance /
/// initial ratio set by the margin function (or by a `maintenance_fraction_policy`) is kept.
/// When the incoming initial rate is 0 the rates carry no ratio; the policy then takes the
/// ratio in force at its place in the chain, `market_context::maintenance_fraction` (the
/// function's `maintenance_fraction`, or the one the last maintenance policy before it set,
/// `maintenance_setting_policy`). So maintenance is that fraction of initial after every rate
/// policy, whatever the rates: a floor over a zero rate (flat prices in warm-up, a new
/// listing) no longer sets maintenance equal to initial, which put a position opened at the
/// maximum leverage at its liquidation threshold at once.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "dynmargin/margin/concepts.hpp"

namespace dynmargin {

/// @brief How many policy effects a breakdown holds (a static chain or a dynamic one).
inline constexpr std::size_t max_policy_effects = 16;

/// @brief The stage a policy ran in.
enum class policy_stage : std::uint8_t {
  rate,      ///< the rate stage: per instrument, on every update (rates of notional)
  position,  ///< position level, at quote time (amounts)
};

/// @brief The effect of one policy in a quote. Rates are fractions of notional; for a
///        position-level policy they are its amounts divided by the notional (0 if no notional).
struct policy_effect {
  std::string_view name{};  ///< the policy's `name()`, e.g. "apc_buffer"
  std::size_t index = 0;    ///< position in the breakdown (execution order)
  policy_stage stage = policy_stage::rate;
  double initial_before = 0.0;
  double initial_after = 0.0;
  double maintenance_before = 0.0;
  double maintenance_after = 0.0;
  bool binding = false;  ///< this policy changed the initial requirement
  friend bool operator==(const policy_effect&, const policy_effect&) = default;
};

namespace detail {

/// The shared rescaling rule (see the file comment): `rates` with initial `new_initial`, and
/// maintenance in the same proportion, or `fraction * new_initial` when `rates.initial` is 0
/// (`fraction` is the context's `maintenance_fraction`).
/// No early return for an unchanged rate: x / x is exactly 1, so the product keeps the
/// maintenance rate bit for bit, and a branch on whether a floor or a limit binds would be
/// mispredicted on real data (it costs more than the division).
[[nodiscard]] constexpr margin_rates with_initial(margin_rates rates, double new_initial, double fraction) noexcept {
  if (rates.initial > 0.0) return margin_rates{new_initial, rates.maintenance * (new_initial / rates.initial)};
  return margin_rates{new_initial, new_initial == rates.initial ? rates.maintenance : fraction * new_initial};
}
/// As above with the ratio in force where the policy runs.
[[nodiscard]] constexpr margin_rates with_initial(margin_rates rates, double new_initial,
                                                  const market_context& context) noexcept {
  return with_initial(rates, new_initial, context.maintenance_fraction);
}

}  // namespace detail

/// @brief A rate policy made of several members (a policy chain) that reports each member's
///        effect: `effect_count()` members, `update(context, rates, after_each)` writes the
///        rates after each member, `effect_name(i)` names them.
// clang-format off
template <class T>
concept explained_rate_chain =
    rate_policy<T> && requires(std::remove_cvref_t<T>& chain, const std::remove_cvref_t<T>& const_chain,
                               const market_context& context, margin_rates rates, margin_rates* after_each,
                               std::size_t i) {
      { const_chain.effect_count() } noexcept -> std::same_as<std::size_t>;
      { const_chain.effect_name(i) } noexcept -> std::convertible_to<std::string_view>;
      { chain.update(context, rates, after_each) } noexcept -> std::same_as<margin_rates>;
    };
// clang-format on

/// @brief The position-level counterpart of `explained_rate_chain`.
// clang-format off
template <class T>
concept explained_position_chain =
    position_policy<T> && requires(const std::remove_cvref_t<T>& chain, const position_context& context,
                                   margin_amounts amounts, margin_amounts* after_each, std::size_t i) {
      { chain.position_effect_count() } noexcept -> std::same_as<std::size_t>;
      { chain.position_effect_name(i) } noexcept -> std::convertible_to<std::string_view>;
      { chain.apply(context, amounts, after_each) } noexcept -> std::same_as<margin_amounts>;
    };
// clang-format on

namespace detail {

/// An explained chain's members in one stage (see `stage_effects`).
template <policy_stage Stage, class P>
struct chain_effects {
  P& policy;
  [[nodiscard]] constexpr std::size_t size() const noexcept {
    if constexpr (Stage == policy_stage::rate) return policy.effect_count();
    else return policy.position_effect_count();
  }
  [[nodiscard]] constexpr std::string_view name(std::size_t i) const noexcept {
    if constexpr (Stage == policy_stage::rate) return policy.effect_name(i);
    else return policy.position_effect_name(i);
  }
  margin_rates update(const market_context& context, margin_rates rates, margin_rates* after_each) const noexcept {
    return policy.update(context, rates, after_each);
  }
  template <class OnEffect>
  margin_amounts apply(const position_context& context, margin_amounts amounts, OnEffect&& on_effect) const noexcept {
    std::array<margin_amounts, max_policy_effects> after{};
    const std::size_t n = size();
    margin_amounts prior = amounts;
    amounts = policy.apply(context, amounts, after.data());
    for (std::size_t i = 0; i < n; ++i) {
      on_effect(name(i), prior, after[i]);
      prior = after[i];
    }
    return amounts;
  }
};

/// A single policy of the stage: one effect, under its own name.
template <policy_stage Stage, class P>
struct single_effect {
  P& policy;
  [[nodiscard]] static constexpr std::size_t size() noexcept { return 1; }
  [[nodiscard]] constexpr std::string_view name(std::size_t) const noexcept { return policy.name(); }
  margin_rates update(const market_context& context, margin_rates rates, margin_rates* after_each) const noexcept {
    rates = policy.update(context, rates);
    after_each[0] = rates;
    return rates;
  }
  template <class OnEffect>
  margin_amounts apply(const position_context& context, margin_amounts amounts, OnEffect&& on_effect) const noexcept {
    const margin_amounts after = policy.apply(context, amounts);
    on_effect(name(0), amounts, after);
    return after;
  }
};

/// A policy of the other stage only: no effect in this one.
template <policy_stage Stage>
struct no_effects {
  [[nodiscard]] static constexpr std::size_t size() noexcept { return 0; }
  [[nodiscard]] static constexpr std::string_view name(std::size_t) noexcept { return {}; }
  static margin_rates update(const market_context&, margin_rates rates, margin_rates*) noexcept { return rates; }
  template <class OnEffect>
  static margin_amounts apply(const position_context&, margin_amounts amounts, OnEffect&&) noexcept {
    return amounts;
  }
};

}  // namespace detail

/// @brief What `policy` contributes to the breakdown of stage `Stage`, seen as a chain: the
///        members of an explained chain, the policy itself for any other policy of that
///        stage, nothing for a policy of the other stage only. The one place that tells an
///        explained chain from a single policy; everything that walks a breakdown (the margin
///        function's update, quote, effect names and counts) goes through it.
///
/// The view returned holds a reference to `policy` and has
///  - `size()`: the number of effects, `name(i)`: the name of effect i;
///  - rate stage: `update(context, rates, after_each)`, which runs the policy and writes the
///    rates after each effect to `after_each[0 .. size())`;
///  - position stage: `apply(context, amounts, on_effect)`, which runs the policy and calls
///    `on_effect(name, amounts_before, amounts_after)` for each effect in order.
/// It is a plain struct over templates and lambdas, inlined away: a single policy costs what
/// calling it directly costs.
template <policy_stage Stage, class P>
[[nodiscard]] constexpr auto stage_effects(P& policy) noexcept {
  constexpr bool explained = Stage == policy_stage::rate ? explained_rate_chain<P> : explained_position_chain<P>;
  constexpr bool single = Stage == policy_stage::rate ? rate_policy<P> : position_policy<P>;
  if constexpr (explained) return detail::chain_effects<Stage, P>{policy};
  else if constexpr (single) return detail::single_effect<Stage, P>{policy};
  else return detail::no_effects<Stage>{};
}

/// @brief Calls `f(name)` for every effect `policies...` contribute to stage `Stage`, in
///        order (`stage_effects`).
template <policy_stage Stage, class F, class... P>
constexpr void for_each_effect_name(F&& f, const P&... policies) {
  [[maybe_unused]] auto one = [&](const auto& policy) {  // unused for an empty chain
    const auto effects = stage_effects<Stage>(policy);
    for (std::size_t i = 0; i < effects.size(); ++i) f(effects.name(i));
  };
  (one(policies), ...);
}

}  // namespace dynmargin
