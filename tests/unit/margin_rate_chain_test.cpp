// SPDX-License-Identifier: MIT
// dynamic_policy_chain: the run-time chain gives bit-identical results to the same policies
// composed at compile time, reports each member, saves and restores its state, and rejects
// states and sizes that do not fit.
#include <cmath>
#include <cstddef>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

// Binance-style brackets (Binance's BTCUSDT table, snapshot: tier 1 125x, MMR 0.4%, <= 50k),
// with a deep last bracket at 5x (MMR 10%): once the EWMA is burned in, the 24-hour ES of BTC
// (about 5-15%) is above a 50x bracket's 2%, so only a deep bracket binds.
std::vector<tier_bracket> brackets() {
  return {{50'000.0, 125.0, 0.004}, {250'000.0, 100.0, 0.005}, {1e300, 5.0, 0.1}};
}

dynamic_policy_chain make_chain() {
  dynamic_policy_chain chain;
  chain.add(stressed_weight_policy(0.25, 24 * 250))
      .add(lookback_floor_policy(24 * 90))
      .add(apc_buffer_policy(0.25))
      .add(speed_limit_policy(0.5, 24))
      .add(release_limit_policy(0.1, 24))
      .add(floor_policy(0.01))
      .add(size_tiers_policy(brackets()));
  return chain;
}

}  // namespace

TEST_CASE("dynamic chain equals the static chain bit for bit on BTC hourly", "[margin][chain]") {
  const auto prices = dmtest::btc_hourly_prices();
  parametric_risk_config risk;
  risk.horizon_steps = horizon(24);
  margin_function fixed(ewma_volatility(0.94), parametric_risk(risk), stressed_weight_policy(0.25, 24 * 250),
                        lookback_floor_policy(24 * 90), apc_buffer_policy(0.25), speed_limit_policy(0.5, 24),
                        release_limit_policy(0.1, 24), floor_policy(0.01), size_tiers_policy(brackets()));
  margin_function dynamic(ewma_volatility(0.94), parametric_risk(risk), make_chain());
  REQUIRE(dynamic.effect_names() == fixed.effect_names());
  REQUIRE(dynamic.effect_count() == 7);
  std::size_t tier_binds = 0;
  for (std::size_t i = 0; i < prices.size(); ++i) {
    const auto t = static_cast<timestamp>(i) * 3600;
    REQUIRE(fixed.update(t, prices[i]) == dynamic.update(t, prices[i]));
    const double notional = i % 2 == 0 ? 40'000.0 : -2'000'000.0;  // bracket 1, then bracket 3, short
    const auto a = fixed.quote_notional(notional);
    const auto b = dynamic.quote_notional(notional);
    REQUIRE(a.initial_amount == b.initial_amount);
    REQUIRE(a.maintenance_amount == b.maintenance_amount);
    REQUIRE(a.binding_index == b.binding_index);
    for (std::size_t e = 0; e < a.effect_count; ++e) REQUIRE(a.breakdown[e] == b.breakdown[e]);
    if (b.binding == "tiers") ++tier_binds;
  }
  CHECK(tier_binds > 0);  // the 2M short sits in the 5x bracket: IM >= 20% - deduction
}

TEST_CASE("dynamic chain state restores mid-stream and rejects a foreign state", "[margin][chain]") {
  const auto prices = dmtest::btc_hourly_prices();
  margin_function original(ewma_volatility(0.94), parametric_risk(), make_chain());
  for (std::size_t i = 0; i < 15000; ++i)
    REQUIRE(original.update(static_cast<timestamp>(i) * 3600, prices[i]) == status::ok);
  const auto saved = original.state();
  margin_function restored(ewma_volatility(0.94), parametric_risk(), make_chain());
  restored.restore(saved);
  for (std::size_t i = 15000; i < prices.size(); ++i) {
    const auto t = static_cast<timestamp>(i) * 3600;
    REQUIRE(original.update(t, prices[i]) == restored.update(t, prices[i]));
    REQUIRE(original.quote(1.0).initial_rate == restored.quote(1.0).initial_rate);
  }
  CHECK(original.state() == restored.state());

  dynamic_policy_chain other;
  other.add(floor_policy(0.01));
  REQUIRE_THROWS_WITH(other.restore(make_chain().state()),
                      "policy_chain: state must hold one entry per rate policy (1 policies), got 6");
  dynamic_policy_chain swapped;
  for (int i = 0; i < 6; ++i) swapped.add(floor_policy(0.01));
  REQUIRE_THROWS_WITH(swapped.restore(make_chain().state()),
                      "policy_chain: state of policy 0 must match its policy type, got floor");
}

TEST_CASE("a chain holds at most 16 policies", "[margin][chain]") {
  dynamic_policy_chain chain;
  for (int i = 0; i < 16; ++i) chain.add(floor_policy(0.01));
  REQUIRE_THROWS_WITH(chain.add(floor_policy(0.01)), "policy_chain: policies must hold at most 16 policies, got 17");
}
