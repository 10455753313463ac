// SPDX-License-Identifier: MIT
// State that can be trusted (issue 12, §9): a state taken from a differently configured
// object is refused with an error naming the mismatch, the object is unchanged by a refused
// restore, and state() is noexcept only where it cannot throw (it copies no container).
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/filtered_historical.hpp"
#include "dynmargin/risk/historical.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/rolling.hpp"

using namespace dynmargin;

// Types whose state holds a window copy it (allocation can throw): state() is not noexcept.
static_assert(!noexcept(std::declval<const speed_limit_policy&>().state()));
static_assert(!noexcept(std::declval<const release_limit_policy&>().state()));
static_assert(!noexcept(std::declval<const stressed_weight_policy&>().state()));
static_assert(!noexcept(std::declval<const lookback_floor_policy&>().state()));
static_assert(!noexcept(std::declval<const peak_ratchet_policy&>().state()));
static_assert(!noexcept(std::declval<const apc_buffer_policy&>().state()));
static_assert(!noexcept(std::declval<const dynamic_policy_chain&>().state()));
static_assert(!noexcept(std::declval<const historical_risk&>().state()));
static_assert(!noexcept(std::declval<const filtered_historical_risk&>().state()));
static_assert(!noexcept(std::declval<const evt_risk&>().state()));
static_assert(!noexcept(std::declval<const rolling_volatility&>().state()));
// Types whose state is a few numbers keep the guarantee.
static_assert(noexcept(std::declval<const ewma_volatility&>().state()));
static_assert(noexcept(std::declval<const garch_volatility&>().state()));
static_assert(noexcept(std::declval<const hysteresis_policy&>().state()));
static_assert(noexcept(std::declval<const parametric_risk&>().state()));

namespace {

// A deterministic path with clustering, enough to fill every window used below.
std::vector<double> prices(std::size_t n) {
  std::vector<double> p{100.0};
  for (std::size_t i = 1; i < n; ++i) {
    const double k = static_cast<double>(i);
    const double scale = 0.01 + 0.02 * (1.0 + std::sin(k / 40.0));
    p.push_back(p.back() * std::exp(scale * std::sin(k * 1.7) * std::cos(k * 0.31)));
  }
  return p;
}

template <class Policy>
Policy fed(Policy policy, int steps) {
  market_context context{};
  context.maintenance_fraction = 0.5;
  for (int i = 0; i < steps; ++i) {
    context.raw_rate = 0.05 + 0.01 * (i % 7);
    context.volatility = 0.02 + 0.001 * (i % 5);
    const margin_rates out = policy.update(context, margin_rates{context.raw_rate, 0.5 * context.raw_rate});
    if constexpr (requires { policy.observe_published(out); }) policy.observe_published(out);
  }
  return policy;
}

}  // namespace

TEST_CASE("a speed limit refuses the state of a speed limit with another window, and keeps its own",
          "[margin][state]") {
  const auto five = fed(speed_limit_policy(0.5, 5), 30);
  auto day = fed(speed_limit_policy(0.5, 24), 30);
  const auto before = day.state();
  REQUIRE_THROWS_WITH(day.restore(five.state()),
                      dmtest::contains("speed_limit: state window must equal this policy's window of 24 steps, got 5"));
  CHECK(day.state() == before);
  CHECK(day.window() == 24);
  auto release = fed(release_limit_policy(0.2, 24), 30);
  REQUIRE_THROWS_WITH(release.restore(fed(release_limit_policy(0.2, 12), 30).state()),
                      dmtest::contains(
                          "release_limit: state window must equal this policy's window of 24 steps, got 12"));
  // The same configuration restores.
  auto copy = speed_limit_policy(0.5, 24);
  copy.restore(day.state());
  CHECK(copy.state() == day.state());
}

TEST_CASE("APC lookback policies refuse a state from another lookback", "[margin][state]") {
  auto weight = fed(stressed_weight_policy(0.25, 100), 50);
  REQUIRE_THROWS_WITH(weight.restore(fed(stressed_weight_policy(0.25, 60), 50).state()),
                      dmtest::contains(
                          "stressed_weight: state window must equal this policy's window of 100 steps, got 60"));
  auto floor = fed(lookback_floor_policy(365), 50);
  REQUIRE_THROWS_WITH(floor.restore(fed(lookback_floor_policy(30), 50).state()),
                      dmtest::contains(
                          "lookback_floor: state window must equal this policy's window of 365 steps, got 30"));
  auto buffer = fed(apc_buffer_policy(apc_buffer_policy_config{0.25, 1.0, 250}), 50);
  REQUIRE_THROWS_WITH(buffer.restore(fed(apc_buffer_policy(apc_buffer_policy_config{0.25, 1.0, 100}), 50).state()),
                      dmtest::contains(
                          "apc_buffer: state window must equal this policy's window of 250 steps, got 100"));
  auto ratchet = fed(peak_ratchet_policy(30), 50);
  REQUIRE_THROWS_WITH(ratchet.restore(fed(peak_ratchet_policy(20), 50).state()),
                      dmtest::contains(
                          "peak_ratchet: state window must equal this policy's window of 30 steps, got 20"));
}

TEST_CASE("historical and filtered historical measures refuse a state from another window", "[risk][state]") {
  ewma_volatility vol(0.94);
  historical_risk_config a;
  a.window = 250;
  historical_risk_config b;
  b.window = 500;
  historical_risk small(a);
  historical_risk large(b);
  const auto p = prices(300);
  for (std::size_t i = 1; i < p.size(); ++i) {
    const double r = std::log(p[i] / p[i - 1]);
    REQUIRE(small.observe(r, vol) == status::ok);
    REQUIRE(large.observe(r, vol) == status::ok);
  }
  // 250 returns fit in a 500 window, so the length alone would not have caught it.
  const auto before = large.state();
  REQUIRE_THROWS_WITH(large.restore(small.state()),
                      dmtest::contains(
                          "historical_risk: state window must equal this measure's window of 500, got 250"));
  CHECK(large.state() == before);

  filtered_historical_risk_config fa;
  fa.window = 200;
  filtered_historical_risk_config fb;
  fb.window = 400;
  filtered_historical_risk fhs_small(fa);
  filtered_historical_risk fhs_large(fb);
  REQUIRE_THROWS_WITH(fhs_large.restore(fhs_small.state()),
                      dmtest::contains(
                          "filtered_historical_risk: state window must equal this measure's window of 400, got 200"));
}

TEST_CASE("a margin function refuses a state from a differently configured function and is left unchanged",
          "[margin][state]") {
  const auto p = prices(400);
  auto make = [](std::int64_t window) {
    return margin_function(ewma_volatility(0.94), parametric_risk(parametric_risk_config{}), apc_buffer_policy(0.25),
                           speed_limit_policy(0.5, window), floor_policy(0.01));
  };
  auto day = make(24);
  auto five = make(5);
  for (std::size_t i = 0; i < p.size(); ++i) {
    REQUIRE(day.update(static_cast<timestamp>(i) * 3600, p[i]) == status::ok);
    REQUIRE(five.update(static_cast<timestamp>(i) * 3600, p[i]) == status::ok);
  }
  const auto before = day.state();
  REQUIRE_THROWS_WITH(day.restore(five.state()),
                      dmtest::contains("speed_limit: state window must equal this policy's window of 24 steps, got 5"));
  // The volatility and the APC buffer had been restored before the speed limit refused: they
  // are rolled back.
  CHECK(day.state() == before);
  // And the function still runs as if nothing had happened.
  auto twin = make(24);
  twin.restore(before);
  REQUIRE(day.update(400 * 3600, p.back() * 1.01) == status::ok);
  REQUIRE(twin.update(400 * 3600, p.back() * 1.01) == status::ok);
  CHECK(day.quote(1.0).initial_rate == twin.quote(1.0).initial_rate);

  // A run-time chain: the same refusal, rolled back the same way.
  std::vector<dynamic_policy_chain::rate_variant> long_members{apc_buffer_policy(0.25), speed_limit_policy(0.5, 24)};
  std::vector<dynamic_policy_chain::rate_variant> short_members{apc_buffer_policy(0.25), speed_limit_policy(0.5, 5)};
  dynamic_policy_chain long_chain(long_members);
  const dynamic_policy_chain short_chain(short_members);
  const auto chain_before = long_chain.state();
  REQUIRE_THROWS_WITH(long_chain.restore(short_chain.state()),
                      dmtest::contains("speed_limit: state window must equal this policy's window of 24 steps, got 5"));
  CHECK(long_chain.state() == chain_before);
}
