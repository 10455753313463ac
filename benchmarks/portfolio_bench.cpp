// SPDX-License-Identifier: MIT
// Many accounts at once (issue 15): 100,000 accounts x 50 instruments x 1,000 scenarios, the
// whole call (the products and every account's tail selection) on 1 and 2 threads, beside
// Eigen's own rate for the same products (same block shape, no tail selection) and the tail
// selection alone; and one account re-margined after a trade. Target: the whole call in 1 s or
// less on the 2-core machine. GFLOP/s counts 2 x accounts x instruments x scenarios per call.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/portfolio/dynamic_margin.hpp"
#include "dynmargin/portfolio/many_accounts.hpp"
#include "dynmargin/portfolio/scenario_margin.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"

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

// The dynamic level (portfolio/dynamic_margin.hpp): one underlying's scale calibrated to its
// margin function's rate over 1,000 standardised scenarios (99% ES), and a whole refresh of 3
// underlyings x 1,000 scenarios x 50 instruments, 30 of them options (the calibrations and the
// full revaluation, Black-76 for each option in each scenario).
Eigen::MatrixXd standard_normals(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd z(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r)
    for (Eigen::Index c = 0; c < cols; ++c) z(r, c) = normal(rng);
  return z;
}

void calibrate_one_underlying(benchmark::State& state) {
  const Eigen::VectorXd z = standard_normals(scenarios, 1, 3).col(0);
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(scenarios);
  const scenario_margin_rule rule{scenario_measure::expected_shortfall, 0.99};
  for (auto _ : state) benchmark::DoNotOptimize(calibrate_scenario_scale(z, ones, rule, 0.12, "BTC"));
}
BENCHMARK(calibrate_one_underlying)->Unit(benchmark::kMicrosecond);

void dynamic_refresh(benchmark::State& state) {
  parametric_risk_config es;
  es.confidence = confidence_level(0.99);
  es.horizon_steps = horizon(2);
  using function =
      margin_function<ewma_volatility, parametric_risk, apc_buffer_policy, floor_policy, speed_limit_policy>;
  std::vector<function> functions;
  for (int u = 0; u < 3; ++u)
    functions.emplace_back(ewma_volatility(0.94), parametric_risk(es), apc_buffer_policy(0.25), floor_policy(0.05),
                           speed_limit_policy(0.5, 5));
  const timestamp_us now{std::chrono::seconds(1'772'323'200)};
  std::vector<instrument> book;
  std::vector<instrument_state> marks;
  for (Eigen::Index i = 0; i < instruments; ++i) {
    instrument terms;
    terms.name = "I" + std::to_string(i);
    terms.underlying = static_cast<std::size_t>(i % 3);
    if (i >= 20) {
      terms.kind = instrument_kind::option;
      terms.type = i % 2 == 0 ? option_type::call : option_type::put;
      terms.strike = 80.0 + static_cast<double>(i);
      terms.expiry = now + std::chrono::hours(24 * (7 + i));
    }
    book.push_back(terms);
    marks.push_back({100.0, 0.6});
  }
  standardised_scenarios z;
  z.z = standard_normals(scenarios, 3, 5);
  z.weight = Eigen::VectorXd::Ones(scenarios);
  for (Eigen::Index s = 0; s < scenarios; ++s) z.names.push_back("draw " + std::to_string(s));
  dynamic_portfolio_margin<function> portfolio({"BTC", "ETH", "SOL"}, functions, book, z);
  std::mt19937_64 rng(9);
  std::normal_distribution<double> move(0.0, 0.03);
  double price[3] = {100.0, 100.0, 100.0};
  for (std::int64_t t = 0; t < 200; ++t)
    for (std::size_t u = 0; u < 3; ++u) {
      price[u] *= std::exp(move(rng));
      (void)portfolio.update(u, timestamp_us{std::chrono::hours(24 * t)}, price[u]);
    }
  for (auto _ : state) {
    portfolio.refresh(now, marks);
    benchmark::DoNotOptimize(portfolio.pnl().data());
  }
}
BENCHMARK(dynamic_refresh)->Unit(benchmark::kMillisecond);

}  // namespace
