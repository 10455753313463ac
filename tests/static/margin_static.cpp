// SPDX-License-Identifier: MIT
// Compile-time proofs for the margin function and the rate policies: each policy
// models `rate_policy` (and not `position_policy`), the chain models both stages and reports
// its members, the margin function accepts only conforming parts, and look-alikes without
// the opt-in tag are rejected.
#include <string_view>
#include <type_traits>

#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/maintenance.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/margin/schedule.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/margin/tiers.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"

namespace {

using namespace dynmargin;

template <class P>
constexpr bool is_rate_stage_policy = rate_policy<P> && !position_policy<P> && margin_policy<P>;

static_assert(is_rate_stage_policy<maintenance_fraction_policy>);
static_assert(is_rate_stage_policy<initial_from_maintenance_policy>);
static_assert(is_rate_stage_policy<floor_policy>);
static_assert(is_rate_stage_policy<max_leverage_policy>);
static_assert(is_rate_stage_policy<cap_policy>);
static_assert(is_rate_stage_policy<scale_policy>);
static_assert(is_rate_stage_policy<apc_buffer_policy>);
static_assert(is_rate_stage_policy<stressed_weight_policy>);
static_assert(is_rate_stage_policy<lookback_floor_policy>);
static_assert(is_rate_stage_policy<speed_limit_policy>);
static_assert(is_rate_stage_policy<release_limit_policy>);
static_assert(is_rate_stage_policy<hysteresis_policy>);

// Policies that set the maintenance / initial ratio say so; the others, and position policies, do not.
static_assert(maintenance_setting_policy<maintenance_fraction_policy>);
static_assert(maintenance_setting_policy<initial_from_maintenance_policy>);
static_assert(maintenance_setting_policy<dynamic_policy_chain>);  // passes its members' ratio on
static_assert(!maintenance_setting_policy<floor_policy> && !maintenance_setting_policy<speed_limit_policy>);
static_assert(!maintenance_setting_policy<size_tiers_policy>);

// The limits remember the published margin; policies whose memory is their own output or raw
// rates (speed_limit.hpp, apc.hpp) do not ask for it.
static_assert(published_margin_observer<speed_limit_policy> && published_margin_observer<release_limit_policy>);
static_assert(published_margin_observer<dynamic_policy_chain>);  // forwards it to its members
static_assert(!published_margin_observer<hysteresis_policy> && !published_margin_observer<apc_buffer_policy>);
static_assert(!published_margin_observer<lookback_floor_policy> && !published_margin_observer<floor_policy>);

// The chain is both stages and explains its members.
static_assert(rate_policy<dynamic_policy_chain> && position_policy<dynamic_policy_chain>);
static_assert(explained_rate_chain<dynamic_policy_chain> && explained_position_chain<dynamic_policy_chain>);
static_assert(!explained_rate_chain<floor_policy>);
using rate_only_chain = basic_policy_chain<policy_list<floor_policy, apc_buffer_policy>, policy_list<>>;
static_assert(rate_policy<rate_only_chain> && position_policy<rate_only_chain>);

// The margin function composes conforming parts only.
// clang-format off
template <class Vol, class Risk, class... P>
concept composes = requires { typename margin_function<Vol, Risk, P...>; } &&
                   requires(margin_function<Vol, Risk, P...>& f, timestamp t, double x) {
                     { f.update(t, x) } noexcept -> std::same_as<status>;
                     { f.quote(x) } noexcept -> std::same_as<margin_quote>;
                   };
// clang-format on
static_assert(composes<ewma_volatility, parametric_risk>);
static_assert(composes<ewma_volatility, parametric_risk, floor_policy, apc_buffer_policy, size_tiers_policy>);
static_assert(composes<ewma_volatility, parametric_risk, dynamic_policy_chain>);
static_assert(std::regular<margin_function<ewma_volatility, parametric_risk, dynamic_policy_chain>::state_type>);
static_assert(
    std::regular<margin_function<ewma_volatility, parametric_risk, apc_buffer_policy, size_tiers_policy>::state_type>);

}  // namespace

// Types with external linkage (clang warns about unused friends of internal types).
namespace margin_static_types {
using namespace dynmargin;
// A structural look-alike of a rate policy, without the tag, is not a policy.
struct look_alike_policy {
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  [[nodiscard]] std::string_view name() const noexcept { return "look_alike"; }
  margin_rates update(const market_context&, margin_rates r) noexcept { return r; }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type&) noexcept {}
};
// A tagged policy whose update may throw does not conform (the hot path is noexcept).
struct throwing_policy {
  using model_concept = rate_policy_tag;
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  [[nodiscard]] std::string_view name() const noexcept { return "throwing"; }
  margin_rates update(const market_context&, margin_rates r) { return r; }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type&) noexcept {}
};
}  // namespace margin_static_types

namespace {
using namespace dynmargin;
using margin_static_types::look_alike_policy;
using margin_static_types::throwing_policy;
static_assert(!margin_policy<look_alike_policy>);
// clang-format off
template <class P>
concept usable_as_policy = requires { typename margin_function<ewma_volatility, parametric_risk, P>; };
// clang-format on
static_assert(!usable_as_policy<look_alike_policy>);
static_assert(usable_as_policy<floor_policy>);

static_assert(!rate_policy<throwing_policy>);

// A volatility model is not a risk measure.
static_assert(!composes<ewma_volatility, ewma_volatility>);

// Loss to rate is a pure function of its inputs.
static_assert(std::is_nothrow_invocable_r_v<double, decltype(&loss_to_rate), double, position_side>);

}  // namespace
