// SPDX-License-Identifier: MIT
// Streaming updates of the rolling-window, range-based and stressed volatility estimators:
// nanoseconds per update on BTC hourly data (returns and OHLC bars of examples/data).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/horizon.hpp"
#include "dynmargin/volatility/range.hpp"
#include "dynmargin/volatility/rolling.hpp"
#include "dynmargin/volatility/stressed.hpp"
#include "test_data.hpp"

namespace {

const std::vector<double>& btc_hourly_returns() {
  static const std::vector<double> returns =
      dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
  return returns;
}

// Bitstamp hourly bars (the file has a preamble line and is newest first).
const std::vector<dynmargin::ohlc_bar>& btc_hourly_bars() {
  static const std::vector<dynmargin::ohlc_bar> bars = [] {
    const std::string path = dmtest::market_path("btc_usd_1h.csv");
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);  // preamble
    std::getline(in, line);  // header
    std::vector<dynmargin::ohlc_bar> out;
    while (std::getline(in, line)) {
      const auto cells = dmtest::split_csv_line(line);
      out.push_back({std::stod(cells.at(3)), std::stod(cells.at(4)), std::stod(cells.at(5)), std::stod(cells.at(6))});
    }
    std::reverse(out.begin(), out.end());
    return out;
  }();
  return bars;
}

template <class Model, class Input>
void run_updates(benchmark::State& state, Model model, const std::vector<Input>& inputs) {
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.update(inputs[i]));
    benchmark::DoNotOptimize(model.variance());
    if (++i == inputs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void rolling_zero_mean_update(benchmark::State& state) {
  run_updates(state, dynmargin::rolling_volatility(state.range(0)), btc_hourly_returns());
}
BENCHMARK(rolling_zero_mean_update)->Arg(30)->Arg(250);

void rolling_sample_update(benchmark::State& state) {
  run_updates(state, dynmargin::rolling_volatility(state.range(0), dynmargin::rolling_mean::sample),
              btc_hourly_returns());
}
BENCHMARK(rolling_sample_update)->Arg(30)->Arg(250);

template <class Model, dynmargin::range_weighting Weighting>
void range_update(benchmark::State& state) {
  run_updates(state, Model(dynmargin::range_volatility_config{Weighting, 30, dynmargin::decay_factor(0.94)}),
              btc_hourly_bars());
}
using dynmargin::range_weighting;
BENCHMARK_TEMPLATE(range_update, dynmargin::parkinson_volatility, range_weighting::rolling);
BENCHMARK_TEMPLATE(range_update, dynmargin::parkinson_volatility, range_weighting::ewma);
BENCHMARK_TEMPLATE(range_update, dynmargin::garman_klass_volatility, range_weighting::rolling);
BENCHMARK_TEMPLATE(range_update, dynmargin::garman_klass_volatility, range_weighting::ewma);
BENCHMARK_TEMPLATE(range_update, dynmargin::rogers_satchell_volatility, range_weighting::rolling);
BENCHMARK_TEMPLATE(range_update, dynmargin::rogers_satchell_volatility, range_weighting::ewma);
BENCHMARK_TEMPLATE(range_update, dynmargin::yang_zhang_volatility, range_weighting::rolling);
BENCHMARK_TEMPLATE(range_update, dynmargin::yang_zhang_volatility, range_weighting::ewma);

void stressed_rolling_update(benchmark::State& state) {
  run_updates(state,
              dynmargin::stressed_volatility<dynmargin::rolling_volatility>(dynmargin::rolling_volatility(250),
                                                                            state.range(0)),
              btc_hourly_returns());
}
BENCHMARK(stressed_rolling_update)->Arg(250)->Arg(2500);

void stressed_ewma_update(benchmark::State& state) {
  run_updates(state, dynmargin::stressed_volatility<dynmargin::ewma_volatility>(dynmargin::ewma_volatility(0.94), 250),
              btc_hourly_returns());
}
BENCHMARK(stressed_ewma_update);

void time_scaled_ewma_update(benchmark::State& state) {
  const auto& returns = btc_hourly_returns();
  dynmargin::time_scaled<dynmargin::ewma_volatility> model(dynmargin::ewma_volatility(0.94), 3600.0);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.update(returns[i], 3600.0 * static_cast<double>(1 + (i & 3))));
    benchmark::DoNotOptimize(model.variance());
    if (++i == returns.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(time_scaled_ewma_update);

}  // namespace
