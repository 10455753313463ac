// SPDX-License-Identifier: MIT
// Internals of dynmargin/volatility/: one evaluation of the GARCH log-likelihood (and its
// analytic gradient) of volatility/detail/garch_likelihood.hpp on BTC hourly (n = 37386), the
// inner loop of every fit in garch_bench.cpp. No public function evaluates it alone
// (garch_loglik adds validation and setup), so the internal is benchmarked here; the figures
// are in benchmarks/README.md ("Gaussian log-likelihood, hourly" and the gradient row).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "dynmargin/volatility/detail/garch_likelihood.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "test_data.hpp"

namespace {

using namespace dynmargin;

const std::vector<double>& hourly_returns() {
  static const std::vector<double> hour =
      dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
  return hour;
}

// One log-likelihood + analytic gradient evaluation on BTC hourly (items = observations).
void garch_loglik_gradient_impl(benchmark::State& state, distribution_shape innovation, bool gradient) {
  const auto& returns = hourly_returns();
  detail::garch_likelihood likelihood(returns, false, innovation, garch_start::fgarch);
  const detail::garch_vector theta{0.0037, 0.0145, 0.088, 0.0, 0.896, 2.76};
  detail::garch_vector g{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(gradient ? likelihood.value_and_gradient(theta, g) : likelihood.value(theta));
    benchmark::DoNotOptimize(g);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(returns.size()));
}
void garch_loglik_normal_hourly(benchmark::State& state) {
  garch_loglik_gradient_impl(state, distribution_shape::normal, false);
}
void garch_loglik_gradient_normal_hourly(benchmark::State& state) {
  garch_loglik_gradient_impl(state, distribution_shape::normal, true);
}
void garch_loglik_gradient_t_hourly(benchmark::State& state) {
  garch_loglik_gradient_impl(state, distribution_shape::student_t, true);
}
BENCHMARK(garch_loglik_normal_hourly)->Unit(benchmark::kMicrosecond);
BENCHMARK(garch_loglik_gradient_normal_hourly)->Unit(benchmark::kMicrosecond);
BENCHMARK(garch_loglik_gradient_t_hourly)->Unit(benchmark::kMicrosecond);

}  // namespace
