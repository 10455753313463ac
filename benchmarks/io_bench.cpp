// SPDX-License-Identifier: MIT
// Loading the shipped hourly files: the whole read (file to bars oldest first with the load
// report), so the figure is what a user waits for before any model runs.
#include <benchmark/benchmark.h>

#include <string>

#include "dynmargin/io/io.hpp"
#include "test_data.hpp"

namespace {

void load_price_file(benchmark::State& state, const std::string& name) {
  const std::string path = dmtest::market_path(name);
  std::size_t rows = 0;
  for (auto _ : state) {
    auto table = dynmargin::io::read_price_csv(path);
    rows = table.report.rows_read;
    benchmark::DoNotOptimize(table.bars.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(rows));
}

// Bitstamp hourly, 37,387 rows, 3.6 MB, newest first.
void io_read_bitstamp_1h(benchmark::State& state) { load_price_file(state, "btc_usd_1h.csv"); }
BENCHMARK(io_read_bitstamp_1h)->Unit(benchmark::kMillisecond);

// Binance hourly, 36,062 rows, 3.7 MB, two export formats, 2,649 duplicates.
void io_read_binance_1h(benchmark::State& state) { load_price_file(state, "btc_usdt_binance_1h.csv"); }
BENCHMARK(io_read_binance_1h)->Unit(benchmark::kMillisecond);

// Yahoo daily, 2,723 rows.
void io_read_yahoo_daily(benchmark::State& state) { load_price_file(state, "btc_usd_daily.csv"); }
BENCHMARK(io_read_yahoo_daily)->Unit(benchmark::kMicrosecond);

// One column of a plain CSV with a date column (the reference returns, 37,386 rows).
void io_read_column_returns_1h(benchmark::State& state) {
  const std::string path = dmtest::reference_path("returns_btc_usd_1h.csv");
  for (auto _ : state) {
    auto table = dynmargin::io::read_column_csv(path, "r");
    benchmark::DoNotOptimize(table.values.data());
  }
}
BENCHMARK(io_read_column_returns_1h)->Unit(benchmark::kMillisecond);

}  // namespace
