// SPDX-License-Identifier: MIT
// Builds a policy chain in code (EMIR anti-procyclicality, a speed limit, Binance-style
// leverage floor and brackets) and prints one quote's breakdown: what each policy did.
#include <cstdio>
#include <vector>

#include "dynmargin/io/io.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"

int main() {
  using namespace dynmargin;
  // The chain, in order: rate policies on every update, position policies at quote time.
  dynamic_policy_chain chain;
  chain
      .add(stressed_weight_policy(0.25, 24 * 250))  // EMIR (b): 25% weight on the stressed sigma
      .add(lookback_floor_policy(24 * 365))         // EMIR (c): not below margin at the 1-year volatility
      .add(apc_buffer_policy(0.25))                 // EMIR (a): 25% buffer, drawn down under stress
      .add(speed_limit_policy(0.5, 24))             // at most +50% in 24 hours
      .add(max_leverage_policy(125.0))              // Binance BTCUSDT: IM >= 0.8%
      .add(size_tiers_policy(std::vector<tier_bracket>{
          {50'000.0, 125.0, 0.004}, {250'000.0, 100.0, 0.005}, {1'000'000.0, 50.0, 0.01}, {1e300, 20.0, 0.025}}));
  parametric_risk_config es{};
  es.horizon_steps = horizon(24);
  margin_function margin(ewma_volatility(0.94), parametric_risk(es), std::move(chain));

  const auto table = io::read_price_csv(DYNMARGIN_EXAMPLE_DATA_DIR "/btc_usd_1h.csv");
  for (const auto& bar : table.bars) (void)margin.update(bar.time, bar.close);

  const margin_quote q = margin.quote_notional(-2'000'000.0);  // a $2M short
  std::printf("price %.2f  notional %.0f  raw %.4f%% (long %.4f%%, short %.4f%%)\n", q.price, q.notional,
              100 * q.raw_rate, 100 * q.raw_rate_long, 100 * q.raw_rate_short);
  std::printf("%-3s %-16s %-8s %12s %12s %12s %12s %s\n", "#", "policy", "stage", "IM before", "IM after", "MM before",
              "MM after", "binds");
  for (const policy_effect& e : q.effects()) {
    std::printf("%-3zu %-16.*s %-8s %11.4f%% %11.4f%% %11.4f%% %11.4f%% %s\n", e.index, static_cast<int>(e.name.size()),
                e.name.data(), e.stage == policy_stage::rate ? "rate" : "position", 100 * e.initial_before,
                100 * e.initial_after, 100 * e.maintenance_before, 100 * e.maintenance_after, e.binding ? "yes" : "");
  }
  std::printf("initial %.0f (%.4f%%), maintenance %.0f (%.4f%%), binding: %.*s\n", q.initial_amount,
              100 * q.initial_rate, q.maintenance_amount, 100 * q.maintenance_rate, static_cast<int>(q.binding.size()),
              q.binding.data());
}
