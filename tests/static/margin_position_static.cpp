// SPDX-License-Identifier: MIT
// Compile-time proofs for the position-level policies: every policy type opts in to
// `position_policy` (and so `margin_policy`), none is mistaken for a `rate_policy`, and
// look-alikes without the tag or with a throwing or non-const `apply` are rejected.
#include <type_traits>

#include "dynmargin/margin/account.hpp"
#include "dynmargin/margin/collateral.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/liquidity.hpp"
#include "dynmargin/margin/open_interest.hpp"
#include "dynmargin/margin/tiers.hpp"

namespace {

using namespace dynmargin;

// Positive: each policy is a position policy and a margin policy, not a rate policy.
static_assert(position_policy<size_tiers_policy>);
static_assert(position_policy<step_risk_limit_policy>);
static_assert(position_policy<deribit_size_addon_policy>);
static_assert(position_policy<impact_curve_policy>);
static_assert(position_policy<open_interest_scaling_policy>);
static_assert(position_policy<half_spread_addon_policy>);
static_assert(position_policy<depth_curve_addon_policy>);
static_assert(position_policy<order_book_addon_policy>);
static_assert(position_policy<const size_tiers_policy&>);
static_assert(margin_policy<size_tiers_policy> && margin_policy<order_book_addon_policy> &&
              margin_policy<open_interest_scaling_policy>);
static_assert(!rate_policy<size_tiers_policy> && !rate_policy<impact_curve_policy> &&
              !rate_policy<half_spread_addon_policy>);

// The hot paths are noexcept.
static_assert(noexcept(std::declval<const size_tiers_policy&>().amounts(1.0)));
static_assert(noexcept(liquidation_price(std::declval<const linear_position&>(),
                                         std::declval<const size_tiers_policy&>())));
static_assert(noexcept(std::declval<const collateral_account&>().health_factor()));
static_assert(noexcept(std::declval<isolated_account&>().step(0, 1.0, margin_amounts{})));
static_assert(noexcept(std::declval<order_book_addon_policy&>().update_book({}, {})));
static_assert(std::is_nothrow_move_constructible_v<order_book_addon_policy>);

// State of the monitor is a regular value.
static_assert(std::regular<isolated_account::state_type>);

// Negative: the account-level types are not policies.
static_assert(!margin_policy<collateral_account>);
static_assert(!margin_policy<isolated_account>);
static_assert(!margin_policy<aave_close_factor>);

// A structural look-alike without the opt-in tag is rejected.
struct untagged {
  [[nodiscard]] std::string_view name() const noexcept { return "x"; }
  [[nodiscard]] margin_amounts apply(const position_context&, margin_amounts in) const noexcept { return in; }
};
static_assert(!position_policy<untagged>);

// Tagged but `apply` may throw: rejected.
struct throwing_apply {
  using model_concept = position_policy_tag;
  [[nodiscard]] std::string_view name() const noexcept { return "x"; }
  [[nodiscard]] margin_amounts apply(const position_context&, margin_amounts in) const { return in; }
};
static_assert(!position_policy<throwing_apply>);

// Tagged but `apply` is not const (a position policy is stateless): rejected.
struct mutable_apply {
  using model_concept = position_policy_tag;
  [[nodiscard]] std::string_view name() const noexcept { return "x"; }
  [[nodiscard]] margin_amounts apply(const position_context&, margin_amounts in) noexcept { return in; }
};
static_assert(!position_policy<mutable_apply>);

// Tagged with the wrong tag: a rate-policy tag does not make a position policy.
struct wrong_tag {
  using model_concept = rate_policy_tag;
  [[nodiscard]] std::string_view name() const noexcept { return "x"; }
  [[nodiscard]] margin_amounts apply(const position_context&, margin_amounts in) const noexcept { return in; }
};
static_assert(!position_policy<wrong_tag>);

// The same look-alike, correctly tagged, is accepted: the negatives fail for their stated reason.
struct well_formed {
  using model_concept = position_policy_tag;
  [[nodiscard]] std::string_view name() const noexcept { return "x"; }
  [[nodiscard]] margin_amounts apply(const position_context&, margin_amounts in) const noexcept { return in; }
};
static_assert(position_policy<well_formed>);

// Vocabulary: equity is constexpr (the combine rules: margin_internals_static.cpp).
static_assert(equity(linear_position{2.0, 100.0, 50.0}, 90.0) == 30.0);

}  // namespace
