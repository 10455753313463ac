// SPDX-License-Identifier: MIT
// Position-level policies on the quote path: a tier lookup and apply, a tiered liquidation
// price (linear and inverse), an Aave health factor, and one tick of the isolated-account
// monitor.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <vector>

#include "dynmargin/margin/account.hpp"
#include "dynmargin/margin/collateral.hpp"
#include "dynmargin/margin/inverse.hpp"
#include "dynmargin/margin/tiers.hpp"

namespace {

using namespace dynmargin;

size_tiers_policy binance_btcusdt() {
  return size_tiers_policy(std::vector<tier_bracket>{{50'000, 125, 0.004},
                                                     {250'000, 100, 0.005},
                                                     {1'000'000, 50, 0.01},
                                                     {10'000'000, 20, 0.025},
                                                     {20'000'000, 10, 0.05},
                                                     {50'000'000, 5, 0.10},
                                                     {100'000'000, 4, 0.125},
                                                     {200'000'000, 3, 0.15},
                                                     {300'000'000, 2, 0.25},
                                                     {500'000'000, 1, 0.50}});
}

// Notionals spread over all ten brackets, so the lookup does not always stop early.
std::vector<double> notionals() {
  std::vector<double> out;
  for (double n = 1'000; n < 6e8; n *= 1.37) out.push_back(n);
  return out;
}

void tier_lookup_and_apply(benchmark::State& state) {
  const size_tiers_policy tiers = binance_btcusdt();
  const std::vector<double> sizes = notionals();
  position_context context;
  context.price = 50'000;
  std::size_t i = 0;
  for (auto _ : state) {
    context.notional = sizes[i];
    context.quantity = sizes[i] / context.price;
    benchmark::DoNotOptimize(tiers.apply(context, margin_amounts{0.01 * sizes[i], 0.005 * sizes[i]}));
    if (++i == sizes.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(tier_lookup_and_apply);

void tiered_liquidation_price(benchmark::State& state) {
  const size_tiers_policy tiers = binance_btcusdt();
  const std::vector<double> sizes = notionals();
  std::size_t i = 0;
  for (auto _ : state) {
    const double quantity = (i % 2 == 0 ? 1.0 : -1.0) * sizes[i] / 40'000;
    const linear_position position{quantity, 40'000, sizes[i] / 10.0};
    benchmark::DoNotOptimize(liquidation_price(position, tiers));
    if (++i == sizes.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(tiered_liquidation_price);

// Binance COIN-M BTCUSD brackets in BTC of notional (maintenance half the initial rate).
size_tiers_policy binance_coin_m_btcusd() {
  return size_tiers_policy(std::vector<tier_bracket>{{5, 125, 0.004},
                                                     {10, 100, 0.005},
                                                     {20, 50, 0.01},
                                                     {40, 20, 0.025},
                                                     {80, 10, 0.05},
                                                     {160, 5, 0.1},
                                                     {240, 4, 0.125},
                                                     {400, 2, 0.25},
                                                     {1e300, 1, 0.5}});
}

void inverse_tiered_liquidation_price(benchmark::State& state) {
  const size_tiers_policy tiers = binance_coin_m_btcusd();
  const std::vector<double> sizes = notionals();
  std::size_t i = 0;
  for (auto _ : state) {
    // 100 USD contracts at 40,000: sizes[i] USD of notional, collateral at 10x in BTC.
    const double contracts = (i % 2 == 0 ? 1.0 : -1.0) * sizes[i] / 100.0;
    const inverse_position position{contracts, 100.0, 40'000, sizes[i] / 40'000 / 10.0};
    benchmark::DoNotOptimize(liquidation_price(position, tiers));
    if (++i == sizes.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(inverse_tiered_liquidation_price);

void health_factor_five_assets(benchmark::State& state) {
  collateral_account account({{10'000, {0.805, 0.83, 0.05}},
                              {5'000, {0.73, 0.78, 0.05}},
                              {8'000, {0.75, 0.78, 0.045}},
                              {2'000, {0.70, 0.75, 0.075}},
                              {20'000, {0.77, 0.80, 0.045}}},
                             30'000);
  double value = 10'000;
  for (auto _ : state) {
    value = value < 12'000 ? value + 1.0 : 8'000.0;
    benchmark::DoNotOptimize(account.set_value(0, value));
    benchmark::DoNotOptimize(account.health_factor());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(health_factor_five_assets);

void isolated_account_tick(benchmark::State& state) {
  // A healthy position: classification and no liquidation (the common case per tick).
  isolated_account account({5, 40'000, 50'000});
  timestamp t = 0;
  for (auto _ : state) {
    const double price = 40'000 + static_cast<double>(t % 100);
    benchmark::DoNotOptimize(account.step(t, price, margin_amounts{0.025 * 5 * price, 0.0125 * 5 * price}));
    ++t;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(isolated_account_tick);

}  // namespace
