// SPDX-License-Identifier: MIT
// EVT and Monte Carlo benchmarks. Goals (issue 5): a GPD fit on 1,000 exceedances in 1 ms or
// less; Monte Carlo, 100,000 scenarios x 10 assets with VaR/ES, in 50 ms or less. The limit on
// this machine (tests/data/REFERENCE.md): a (100,000 x 50) x (50 x 1,000) GEMM takes 124 ms with
// Eigen on 2 threads; our scenario GEMM is (100,000 x 10) x (10 x 10), 5,000 times smaller.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "dynmargin/core/random.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/monte_carlo.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

namespace {

using namespace dynmargin;

std::vector<double> gpd_excesses(std::size_t n) {
  random_stream rng(42);
  std::vector<double> y(n);
  for (auto& v : y) v = 4.0 * (std::pow(1.0 - rng.uniform(), -0.25) - 1.0);  // GPD(0.25, 1)
  return y;
}

const std::vector<double>& btc_daily() {
  static const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  return returns;
}

Eigen::MatrixXd ten_assets() {
  Eigen::VectorXd sd(10);
  for (int i = 0; i < 10; ++i) sd(i) = 1.0 + 0.4 * i;
  Eigen::MatrixXd corr = Eigen::MatrixXd::Constant(10, 10, 0.5);
  corr.diagonal().setOnes();
  return sd.asDiagonal() * corr * sd.asDiagonal();
}

// GPD maximum likelihood on 1,000 excesses (copy, sort, PWM start, Newton, standard errors).
void gpd_fit_1000_excesses(benchmark::State& state) {
  const auto y = gpd_excesses(1000);
  for (auto _ : state) {
    auto fit = fit_gpd(y);
    benchmark::DoNotOptimize(fit);
  }
  state.counters["iterations"] = static_cast<double>(fit_gpd(y).iterations);
}
BENCHMARK(gpd_fit_1000_excesses)->Unit(benchmark::kMicrosecond);

// Unconditional POT VaR/ES on BTC daily (2,722 returns, 272 exceedances).
void evt_from_sample_btc_daily(benchmark::State& state) {
  const evt_risk measure(confidence_level(0.99));
  for (auto _ : state) {
    auto r = measure.from_sample(btc_daily());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(evt_from_sample_btc_daily)->Unit(benchmark::kMicrosecond);

// Conditional EVT streaming over BTC daily with EWMA 0.94, window 1,000, both tails refitted at
// every observation (the per-step cost of the exact rolling form).
void evt_streaming_refit_every_step(benchmark::State& state) {
  const auto& returns = btc_daily();
  for (auto _ : state) {
    evt_risk measure(evt_risk_config{confidence_level(0.99), {}, 1000, state.range(0), horizon(1)});
    ewma_volatility vol(0.94);
    for (const double r : returns) {
      (void)measure.observe(r, vol);
      (void)vol.update(r);
    }
    benchmark::DoNotOptimize(measure.estimate(vol, position_side::long_position));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(returns.size()));
}
BENCHMARK(evt_streaming_refit_every_step)->Arg(1)->Arg(20)->Unit(benchmark::kMillisecond);

// Monte Carlo: 100,000 scenarios x 10 assets, simulate + P&L + VaR/ES + Euler components.
void monte_carlo_100k_x_10(benchmark::State& state) {
  monte_carlo_simulator_config config;
  config.scenarios = 100000;
  config.distribution = state.range(0) == 0 ? distribution_shape::normal : distribution_shape::student_t;
  const monte_carlo_simulator sim(ten_assets(), config);
  const Eigen::VectorXd w = Eigen::VectorXd::LinSpaced(10, -1.0, 2.0);
  for (auto _ : state) {
    auto r = sim.portfolio(w, confidence_level(0.99));
    benchmark::DoNotOptimize(r.risk);
  }
}
BENCHMARK(monte_carlo_100k_x_10)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The parts: scenario generation alone, and VaR/ES/components over given scenarios.
void monte_carlo_simulate_only(benchmark::State& state) {
  monte_carlo_simulator_config config;
  config.scenarios = 100000;
  const monte_carlo_simulator sim(ten_assets(), config);
  for (auto _ : state) {
    auto x = sim.simulate();
    benchmark::DoNotOptimize(x.data());
  }
}
BENCHMARK(monte_carlo_simulate_only)->Unit(benchmark::kMillisecond);

void monte_carlo_portfolio_risk_only(benchmark::State& state) {
  monte_carlo_simulator_config config;
  config.scenarios = 100000;
  const Eigen::MatrixXd x = monte_carlo_simulator(ten_assets(), config).simulate();
  const Eigen::VectorXd w = Eigen::VectorXd::LinSpaced(10, -1.0, 2.0);
  for (auto _ : state) {
    auto r = portfolio_risk(x, w, confidence_level(0.99));
    benchmark::DoNotOptimize(r.risk);
  }
}
BENCHMARK(monte_carlo_portfolio_risk_only)->Unit(benchmark::kMillisecond);

// One-asset measure on the hot path: a forecast variance to {VaR, ES}.
void monte_carlo_risk_from_variance(benchmark::State& state) {
  const monte_carlo_risk measure(confidence_level(0.99));
  double v = 1.7;
  for (auto _ : state) {
    benchmark::DoNotOptimize(v);
    auto r = measure.from_variance(v);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(monte_carlo_risk_from_variance);

// 1,000,000 reproducible normal draws (the generator's share of the Monte Carlo time).
void random_stream_normals(benchmark::State& state) {
  random_stream rng(1);
  std::vector<double> out(1000000);
  for (auto _ : state) {
    rng.fill_normal(out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(random_stream_normals)->Unit(benchmark::kMillisecond);

}  // namespace
