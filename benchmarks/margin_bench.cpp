// SPDX-License-Identifier: MIT
// The margin function per tick: EWMA + parametric ES (99%, 24 steps) + five policies
// (stressed weighting, lookback floor, APC buffer, speed limit, floor), composed at compile
// time and through the run-time dynamic_policy_chain, on BTC hourly prices. Goal (issue 6):
// <= 50 ns per update. Quote cost with and without a position policy (size tiers).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/margin/tiers.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

namespace {

using namespace dynmargin;

// The BTC hourly path forward and then backward (time still moves forward), so that the
// benchmark can cycle through it without a jump: wrapping from the last price (~90,000) back to
// the first (100) would feed a -99.9% return, after which the rolling maxima of the stressed
// weighting and the lookback floor would hold an absurd stressed level for a year of steps,
// which no live engine sees and which sends every rate down the slow path.
const std::vector<double>& btc_hourly_prices() {
  static const std::vector<double> prices = [] {
    const auto r = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
    std::vector<double> p{100.0};
    for (double x : r) p.push_back(p.back() * std::exp(x / 100.0));
    for (std::size_t i = p.size() - 2; i > 0; --i) p.push_back(p[i]);
    return p;
  }();
  return prices;
}

parametric_risk es_99_24h() {
  parametric_risk_config c;
  c.horizon_steps = horizon(24);
  return parametric_risk(c);
}

auto make_static() {
  return margin_function(ewma_volatility(0.94), es_99_24h(), stressed_weight_policy(0.25, 24 * 250),
                         lookback_floor_policy(24 * 365), apc_buffer_policy(0.25), speed_limit_policy(0.5, 24),
                         floor_policy(0.01),
                         size_tiers_policy(std::vector<tier_bracket>{
                             {50'000.0, 125.0, 0.004}, {250'000.0, 100.0, 0.005}, {1e300, 50.0, 0.01}}));
}

auto make_dynamic() {
  dynamic_policy_chain chain;
  chain.add(stressed_weight_policy(0.25, 24 * 250))
      .add(lookback_floor_policy(24 * 365))
      .add(apc_buffer_policy(0.25))
      .add(speed_limit_policy(0.5, 24))
      .add(floor_policy(0.01))
      .add(size_tiers_policy(
          std::vector<tier_bracket>{{50'000.0, 125.0, 0.004}, {250'000.0, 100.0, 0.005}, {1e300, 50.0, 0.01}}));
  return margin_function(ewma_volatility(0.94), es_99_24h(), std::move(chain));
}

// Times as microsecond time points (the native type) or as epoch seconds (converted on entry).
template <class Fn, class Time = timestamp_us>
void run_updates(benchmark::State& state, Fn fn) {
  const auto& prices = btc_hourly_prices();
  std::size_t i = 0;
  Time t{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(fn.update(t, prices[i]));
    if constexpr (std::is_same_v<Time, timestamp>) {
      t += 3600;
    } else {
      t += std::chrono::hours{1};
    }
    if (++i == prices.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void margin_update_static_five_policies(benchmark::State& state) { run_updates(state, make_static()); }
BENCHMARK(margin_update_static_five_policies);

void margin_update_static_five_policies_seconds(benchmark::State& state) {
  run_updates<decltype(make_static()), timestamp>(state, make_static());
}
BENCHMARK(margin_update_static_five_policies_seconds);

void margin_update_dynamic_five_policies(benchmark::State& state) { run_updates(state, make_dynamic()); }
BENCHMARK(margin_update_dynamic_five_policies);

void margin_update_no_policy(benchmark::State& state) {
  run_updates(state, margin_function(ewma_volatility(0.94), es_99_24h()));
}
BENCHMARK(margin_update_no_policy);

template <class Fn>
void run_quotes(benchmark::State& state, Fn fn) {
  const auto& prices = btc_hourly_prices();
  for (std::size_t i = 0; i < 5000; ++i) (void)fn.update(static_cast<timestamp>(i) * 3600, prices[i]);
  double notional = 40'000.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(fn.quote_notional(notional));
    notional = notional > 1e6 ? 40'000.0 : notional * 1.5;
  }
  state.SetItemsProcessed(state.iterations());
}

void margin_quote_static_with_tiers(benchmark::State& state) { run_quotes(state, make_static()); }
BENCHMARK(margin_quote_static_with_tiers);

void margin_quote_dynamic_with_tiers(benchmark::State& state) { run_quotes(state, make_dynamic()); }
BENCHMARK(margin_quote_dynamic_with_tiers);

}  // namespace
