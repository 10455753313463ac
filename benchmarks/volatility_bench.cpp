// SPDX-License-Identifier: MIT
// Streaming volatility updates: the per-tick cost of the first layer of the margin function.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <vector>

#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

namespace {

const std::vector<double>& btc_hourly_returns() {
  static const std::vector<double> returns =
      dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
  return returns;
}

void ewma_update(benchmark::State& state) {
  const auto& returns = btc_hourly_returns();
  dynmargin::ewma_volatility model(0.94);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.update(returns[i]));
    benchmark::DoNotOptimize(model.variance());
    if (++i == returns.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(ewma_update);

}  // namespace
