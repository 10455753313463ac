// SPDX-License-Identifier: MIT
// GARCH(1,1) / GJR-GARCH(1,1): one streaming update and whole maximum-likelihood fits on BTC
// daily (n = 2722) and hourly (n = 37386); one log-likelihood (+ gradient) evaluation, an
// internal, is in vol_internals_bench.cpp. Peers on this machine (tests/data/REFERENCE.md): fGarch 76 ms / 1.23 s
// (t: 110 ms / 1.72 s), QuantLib Garch11 3.9 ms / 57 ms; the achievable limit 0.11 ms / 1.7 ms.
//
// GCC 12 reports false -Wmaybe-uninitialized inside Eigen's AVX-512 code under -march=native
// (GCC PR 105593); silenced before any header pulls Eigen in.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>
#include <vector>

#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"
#include "test_data.hpp"

namespace {

using namespace dynmargin;

const std::vector<double>& garch_returns(bool hourly) {
  static const std::vector<double> daily =
      dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  static const std::vector<double> hour =
      dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
  return hourly ? hour : daily;
}

// One update: z = r - mu, h = omega + (alpha + gamma 1{z<0}) z^2 + beta h.
void garch_update_impl(benchmark::State& state, bool asymmetric) {
  const auto& returns = garch_returns(true);
  const garch_parameters p{0.0037, 0.0145, 0.088, asymmetric ? 0.02 : 0.0, 0.886, 0.0};
  garch_volatility model(garch_volatility_config{p, distribution_shape::normal, asymmetric, 0.6});
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.update(returns[i]));
    benchmark::DoNotOptimize(model.variance());
    if (++i == returns.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
void garch_update(benchmark::State& state) { garch_update_impl(state, false); }
void gjr_update(benchmark::State& state) { garch_update_impl(state, true); }
BENCHMARK(garch_update);
BENCHMARK(gjr_update);

// Whole fits, including the start grid, standard errors (Hessian and sandwich) and the
// positioned streaming model.
void garch_fit_impl(benchmark::State& state, bool hourly, bool asymmetric, distribution_shape innovation) {
  const auto& returns = garch_returns(hourly);
  fit_garch_config options;
  options.asymmetric = asymmetric;
  options.innovation = innovation;
  int evaluations = 0;
  for (auto _ : state) {
    const auto fit = fit_garch(returns, options);
    if (!fit.converged) state.SkipWithError("fit did not converge");
    evaluations = fit.function_evaluations;
    benchmark::DoNotOptimize(fit.loglik);
  }
  state.counters["evaluations"] = evaluations;
}
void garch_fit_normal_btc_daily(benchmark::State& s) { garch_fit_impl(s, false, false, distribution_shape::normal); }
void garch_fit_normal_btc_hourly(benchmark::State& s) { garch_fit_impl(s, true, false, distribution_shape::normal); }
void garch_fit_t_btc_daily(benchmark::State& s) { garch_fit_impl(s, false, false, distribution_shape::student_t); }
void garch_fit_t_btc_hourly(benchmark::State& s) { garch_fit_impl(s, true, false, distribution_shape::student_t); }
void gjr_fit_normal_btc_daily(benchmark::State& s) { garch_fit_impl(s, false, true, distribution_shape::normal); }
void gjr_fit_normal_btc_hourly(benchmark::State& s) { garch_fit_impl(s, true, true, distribution_shape::normal); }
BENCHMARK(garch_fit_normal_btc_daily)->Unit(benchmark::kMillisecond);
BENCHMARK(garch_fit_normal_btc_hourly)->Unit(benchmark::kMillisecond);
BENCHMARK(garch_fit_t_btc_daily)->Unit(benchmark::kMillisecond);
BENCHMARK(garch_fit_t_btc_hourly)->Unit(benchmark::kMillisecond);
BENCHMARK(gjr_fit_normal_btc_daily)->Unit(benchmark::kMillisecond);
BENCHMARK(gjr_fit_normal_btc_hourly)->Unit(benchmark::kMillisecond);

}  // namespace
