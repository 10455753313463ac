// SPDX-License-Identifier: MIT
/// @file
/// @brief A policy chain chosen at run time: one `margin_function` instantiation serves every
///        configuration (the command-line tool builds it from JSON).
///
/// `basic_policy_chain<policy_list<Rate...>, policy_list<Position...>>` holds an ordered
/// `std::vector` of `std::variant<Rate...>` (the rate stage) and one of
/// `std::variant<Position...>` (the position stage), filled at construction and never
/// resized afterwards, so `update` and `apply` stay allocation-free. The chain is both a
/// `rate_policy` and a `position_policy`, and reports each member's effect separately
/// (`explained_rate_chain`, `explained_position_chain` in breakdown.hpp): a quote's
/// breakdown lists the members, not the chain. The dispatch is one `std::visit` per member.
///
/// `dynamic_policy_chain` is the chain over every rate policy of this folder and
/// the position-level policies of tiers.hpp, open_interest.hpp and liquidity.hpp that need no
/// market feed besides the quote (size tiers, step risk limits, Deribit's size add-on, the
/// impact curve, open-interest scaling, the half-spread and depth-curve add-ons).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/breakdown.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/liquidity.hpp"
#include "dynmargin/margin/maintenance.hpp"
#include "dynmargin/margin/open_interest.hpp"
#include "dynmargin/margin/schedule.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/margin/tiers.hpp"

namespace dynmargin {

/// @brief A list of policy types (the alternatives of a chain's variant).
template <class... Policies>
struct policy_list {};

/// @brief Tag of a chain: both stages.
struct policy_chain_tag : rate_policy_tag, position_policy_tag {};

template <class RateList, class PositionList>
class basic_policy_chain;

/// @brief A run-time ordered chain of rate policies and position policies (see the file comment).
template <class... Rates, class... Positions>
class basic_policy_chain<policy_list<Rates...>, policy_list<Positions...>> {
  static_assert(sizeof...(Rates) > 0, "a policy chain needs at least one rate policy type");
  static_assert((rate_policy<Rates> && ...), "every type of the rate list must be a rate_policy");
  static_assert((position_policy<Positions> && ...), "every type of the position list must be a position_policy");

 public:
  using model_concept = policy_chain_tag;
  using rate_variant = std::variant<Rates...>;
  using position_variant =
      std::conditional_t<sizeof...(Positions) == 0, std::variant<std::monostate>, std::variant<Positions...>>;
  using rate_state_variant = std::variant<typename Rates::state_type...>;

  /// @brief The members' states in order, a regular value.
  struct state_type {
    std::vector<rate_state_variant> members;
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  basic_policy_chain() = default;
  /// @throws dynmargin::invalid_argument naming `policies` when there are more than
  ///         `max_policy_effects` members in all.
  explicit basic_policy_chain(std::vector<rate_variant> rates, std::vector<position_variant> positions = {})
      : rates_(std::move(rates)), positions_(std::move(positions)) {
    check_size();
  }

  /// @brief Appends a policy to its stage (builder style, at set-up time).
  template <class P>
  basic_policy_chain& add(P policy) {
    if constexpr (rate_policy<P>) {
      rates_.emplace_back(std::move(policy));
    } else {
      static_assert(sizeof...(Positions) > 0, "this chain has no position stage");
      positions_.emplace_back(std::move(policy));
    }
    check_size();
    return *this;
  }

  [[nodiscard]] std::string_view name() const noexcept { return "policy_chain"; }

  // ---- rate stage ----
  [[nodiscard]] std::size_t effect_count() const noexcept { return rates_.size(); }
  [[nodiscard]] std::string_view effect_name(std::size_t i) const noexcept {
    return std::visit([](const auto& p) { return std::string_view(p.name()); }, rates_[i]);
  }
  /// @brief Runs the members in order; each sees the maintenance ratio in force after the
  ///        members before it (`market_context::maintenance_fraction`).
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    market_context local = context;
    for (auto& member : rates_) rates = update_one(member, local, rates);
    return rates;
  }
  /// @brief As `update`, writing the rates after each member to `after_each[0 .. effect_count())`.
  margin_rates update(const market_context& context, margin_rates rates, margin_rates* after_each) noexcept {
    market_context local = context;
    for (std::size_t i = 0; i < rates_.size(); ++i) {
      rates = update_one(rates_[i], local, rates);
      after_each[i] = rates;
    }
    return rates;
  }
  /// @brief Passes the published rates to the members that remember them (`published_margin_observer`).
  void observe_published(const margin_rates& published) noexcept {
    for (auto& member : rates_) std::visit([&](auto& p) { dynmargin::observe_published(p, published); }, member);
  }
  /// @brief The maintenance / initial ratio in force after the chain (`maintenance_setting_policy`).
  [[nodiscard]] double maintenance_fraction_after(double before) const noexcept {
    for (const auto& member : rates_)
      before = std::visit([&](const auto& p) { return dynmargin::maintenance_fraction_after(p, before); }, member);
    return before;
  }

  /// @brief The APC buffer report after the chain (`apc_buffer_reporting_policy`).
  [[nodiscard]] apc_buffer_report apc_buffer_report_after(apc_buffer_report before) const noexcept {
    for (const auto& member : rates_)
      before = std::visit([&](const auto& p) { return dynmargin::apc_buffer_report_after(p, before); }, member);
    return before;
  }

  // ---- position stage ----
  [[nodiscard]] std::size_t position_effect_count() const noexcept { return positions_.size(); }
  [[nodiscard]] std::string_view position_effect_name(std::size_t i) const noexcept {
    return std::visit(
        [](const auto& p) -> std::string_view {
          if constexpr (std::is_same_v<std::remove_cvref_t<decltype(p)>, std::monostate>) return "none";
          else return p.name();
        },
        positions_[i]);
  }
  [[nodiscard]] margin_amounts apply(const position_context& context, margin_amounts amounts) const noexcept {
    for (const auto& member : positions_) amounts = apply_one(member, context, amounts);
    return amounts;
  }
  margin_amounts apply(const position_context& context, margin_amounts amounts,
                       margin_amounts* after_each) const noexcept {
    for (std::size_t i = 0; i < positions_.size(); ++i) {
      amounts = apply_one(positions_[i], context, amounts);
      after_each[i] = amounts;
    }
    return amounts;
  }

  // ---- state ----
  /// @brief Every rate policy's state (copies their windows: allocates).
  [[nodiscard]] state_type state() const {
    state_type s;
    s.members.reserve(rates_.size());
    for (const auto& member : rates_) {
      s.members.push_back(std::visit(
          [](const auto& p) {
            using S = typename std::remove_cvref_t<decltype(p)>::state_type;
            return rate_state_variant(std::in_place_type<S>, p.state());
          },
          member));
    }
    return s;
  }
  /// @throws dynmargin::invalid_argument when the saved state is not of a chain of the same
  ///         members with the same windows; the chain is then as it was before the call.
  void restore(const state_type& saved) {
    const state_type before = state();
    try {
      restore_members(saved);
    } catch (...) {
      restore_members(before);  // the chain's own state: cannot be refused
      throw;
    }
  }

 private:
  void restore_members(const state_type& saved) {
    if (saved.members.size() != rates_.size()) {
      throw_invalid_argument("policy_chain", "state",
                             "must hold one entry per rate policy (" + std::to_string(rates_.size()) + " policies)",
                             saved.members.size());
    }
    for (std::size_t i = 0; i < rates_.size(); ++i) {
      const bool ok = std::visit(
          [&](auto& p) {
            using S = typename std::remove_cvref_t<decltype(p)>::state_type;
            const S* s = std::get_if<S>(&saved.members[i]);
            if (s == nullptr) return false;
            p.restore(*s);
            return true;
          },
          rates_[i]);
      if (!ok)
        throw_invalid_argument("policy_chain", "state of policy " + std::to_string(i), "must match its policy type",
                               effect_name(i));
    }
  }

 public:
  [[nodiscard]] const std::vector<rate_variant>& rate_policies() const noexcept { return rates_; }
  [[nodiscard]] const std::vector<position_variant>& position_policies() const noexcept { return positions_; }

 private:
  /// One member on `context`, then the ratio in force after it into `context`.
  static margin_rates update_one(rate_variant& member, market_context& context, margin_rates rates) noexcept {
    return std::visit(
        [&](auto& p) {
          rates = p.update(context, rates);
          context.maintenance_fraction = dynmargin::maintenance_fraction_after(p, context.maintenance_fraction);
          return rates;
        },
        member);
  }
  static margin_amounts apply_one(const position_variant& member, const position_context& context,
                                  margin_amounts amounts) noexcept {
    return std::visit(
        [&](const auto& p) -> margin_amounts {
          if constexpr (std::is_same_v<std::remove_cvref_t<decltype(p)>, std::monostate>) return amounts;
          else return p.apply(context, amounts);
        },
        member);
  }
  void check_size() const {
    if (rates_.size() + positions_.size() > max_policy_effects) {
      throw_invalid_argument("policy_chain", "policies",
                             "must hold at most " + std::to_string(max_policy_effects) + " policies",
                             rates_.size() + positions_.size());
    }
  }

  std::vector<rate_variant> rates_;
  std::vector<position_variant> positions_;
};

/// @brief Every rate policy of this folder.
using rate_policies =
    policy_list<floor_policy, max_leverage_policy, cap_policy, scale_policy, maintenance_fraction_policy,
                initial_from_maintenance_policy, apc_buffer_policy, stressed_weight_policy, lookback_floor_policy,
                peak_ratchet_policy, speed_limit_policy, release_limit_policy, hysteresis_policy>;

/// @brief The quote-only position-level policies (see the file comment).
using position_policies =
    policy_list<size_tiers_policy, step_risk_limit_policy, deribit_size_addon_policy, impact_curve_policy,
                open_interest_scaling_policy, half_spread_addon_policy, depth_curve_addon_policy>;

/// @brief The chain over all of them: what the command-line tool instantiates.
using dynamic_policy_chain = basic_policy_chain<rate_policies, position_policies>;

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using instrument_policies [[deprecated("use rate_policies")]] = rate_policies;
// End of deprecated spellings.

}  // namespace dynmargin
