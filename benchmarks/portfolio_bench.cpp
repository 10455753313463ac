// SPDX-License-Identifier: MIT
// Many accounts at once (issue 15): 100,000 accounts x 50 instruments x 1,000 scenarios, the
// whole call (the products and every account's tail selection) on 1 and 2 threads, beside
// Eigen's own rate for the same products (same block shape, no tail selection) and the tail
// selection alone; and one account re-margined after a trade. Target: the whole call in 1 s or
// less on the 2-core machine. GFLOP/s counts 2 x accounts x instruments x scenarios per call.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include <Eigen/Core>

#include "dynmargin/portfolio/many_accounts.hpp"
#include "dynmargin/portfolio/scenario_margin.hpp"

namespace {

using namespace dynmargin;

constexpr Eigen::Index accounts = 100'000;
constexpr Eigen::Index instruments = 50;
constexpr Eigen::Index scenarios = 1'000;
constexpr double flops_per_call = 2.0 * double(accounts) * double(instruments) * double(scenarios);

double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// A scenario P&L matrix and sparse positions (each account holds ~10 of the 50 instruments).
struct venue {
  Eigen::MatrixXd pnl{scenarios, instruments};
  Eigen::MatrixXd positions{accounts, instruments};
  Eigen::VectorXd weights = Eigen::VectorXd::Ones(scenarios);
  venue() {
    std::mt19937_64 rng(15);
    for (Eigen::Index s = 0; s < scenarios; ++s)
      for (Eigen::Index i = 0; i < instruments; ++i) pnl(s, i) = 1'000.0 * (uniform(rng) - 0.5);
    for (Eigen::Index a = 0; a < accounts; ++a) {
      for (Eigen::Index i = 0; i < instruments; ++i)
        positions(a, i) = uniform(rng) < 0.2 ? static_cast<double>(static_cast<int>(uniform(rng) * 21.0) - 10) : 0.0;
      positions(a, a % instruments) += 1.0;
    }
  }
};

const venue& shared_venue() {
  static const venue v;
  return v;
}

void margin_many_accounts(benchmark::State& state) {
  const venue& v = shared_venue();
  many_accounts_settings settings;
  settings.rule = {state.range(1) == 0 ? scenario_measure::weighted_worst : scenario_measure::expected_shortfall, 0.99};
  settings.threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    auto results = margin_accounts(v.positions, v.pnl, v.weights, settings);
    benchmark::DoNotOptimize(results.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flops_per_call / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(state.iterations() * accounts);
}
BENCHMARK(margin_many_accounts)
    ->ArgNames({"threads", "es"})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({1, 1})
    ->Args({2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Eigen's product alone over the same blocks (256 accounts x 50 instruments x 1,000 scenarios),
// one thread: the rate the library's products can reach.
void eigen_product_rate(benchmark::State& state) {
  const venue& v = shared_venue();
  const Eigen::Index block = 256;
  Eigen::MatrixXd block_positions(instruments, block);
  Eigen::MatrixXd losses(scenarios, block);
  for (auto _ : state) {
    for (Eigen::Index first = 0; first < accounts; first += block) {
      const Eigen::Index count = std::min(block, accounts - first);
      block_positions.setZero();
      block_positions.leftCols(count) = v.positions.middleRows(first, count).transpose();
      losses.noalias() = -v.pnl * block_positions;
      benchmark::DoNotOptimize(losses.data());
    }
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flops_per_call / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(eigen_product_rate)->Unit(benchmark::kMillisecond)->UseRealTime();

// The tail selection alone: 100,000 loss vectors of 1,000 scenarios (one block of 256 cycled).
void tail_selection(benchmark::State& state) {
  const venue& v = shared_venue();
  Eigen::MatrixXd losses = -v.pnl * v.positions.topRows(256).transpose();
  const scenario_margin_rule rule{
      state.range(0) == 0 ? scenario_measure::weighted_worst : scenario_measure::expected_shortfall, 0.99};
  std::vector<std::size_t> order(scenarios);
  for (auto _ : state) {
    double total = 0.0;
    for (Eigen::Index a = 0; a < accounts; ++a)
      total += margin_of_losses(std::span<const double>(losses.col(a % 256).data(), scenarios), v.weights, rule, order)
                   .margin;
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * accounts);
}
BENCHMARK(tail_selection)->ArgName("es")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// One account after a trade: its losses move by one P&L column, then its tail is selected.
void account_after_trade(benchmark::State& state) {
  const venue& v = shared_venue();
  account_losses account(v.pnl, v.positions.row(0).transpose());
  const scenario_margin_rule rule{scenario_measure::expected_shortfall, 0.99};
  double quantity = 1.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(account.trade(7, quantity));
    benchmark::DoNotOptimize(account.margin(v.weights, rule).margin);
    quantity = -quantity;
  }
}
BENCHMARK(account_after_trade)->Unit(benchmark::kMicrosecond);

}  // namespace
