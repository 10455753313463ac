// SPDX-License-Identifier: MIT
// A Deribit BTC options book margined three ways: the Paradex grid (with its minimum delta
// charge), CME SPAN's 16 scenarios, and 99% expected shortfall over filtered historical
// scenarios from BTC's daily history; then the Euler breakdown by position and the netting
// benefit. Last, the same scenarios made dynamic: BTC's own margin function (volatility, APC
// buffer, floor, speed limit) sets their level at two dates. The options are the coin-settled 27MAR26 contracts of the
// shipped chain (examples/data/deribit_btc_options_sample.csv, snapshot 2026-03-01 13:49 UTC), valued on their expiry's
// forward with the chain's mark_iv.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "dynmargin/io/csv_reader.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/portfolio/dynamic_margin.hpp"
#include "dynmargin/portfolio/instrument.hpp"
#include "dynmargin/portfolio/joint_scenarios.hpp"
#include "dynmargin/portfolio/revaluation.hpp"
#include "dynmargin/portfolio/scenario_margin.hpp"
#include "dynmargin/portfolio/scenarios.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"

using namespace dynmargin;

namespace {

instrument deribit_option(const char* name, option_type type, double strike) {
  instrument terms;
  terms.name = name;
  terms.kind = instrument_kind::inverse_option;
  terms.type = type;
  terms.strike = strike;
  terms.expiry = timestamp_us{std::chrono::seconds(1'774'598'400)};  // 2026-03-27T08:00:00Z
  return terms;
}

void print_breakdown(const char* title, const std::vector<instrument>& book, const Eigen::VectorXd& positions,
                     const scenario_set& scenarios, const margin_attribution& a) {
  std::printf("\n%s: margin %.2f USD, binding scenario \"%s\" (loss %.2f USD), %zu scenarios\n", title, a.total.margin,
              scenarios.names[a.total.binding_scenario].c_str(), a.total.worst_loss, scenarios.size());
  std::printf("  %-22s %9s %12s %12s %12s\n", "position", "quantity", "component", "incremental", "standalone");
  for (std::size_t i = 0; i < book.size(); ++i) {
    const auto k = static_cast<Eigen::Index>(i);
    std::printf("  %-22s %9.2f %12.2f %12.2f %12.2f\n", book[i].name.c_str(), positions(k), a.component(k),
                a.incremental(k), a.standalone(k));
  }
  std::printf("  components add up to %.2f; netting benefit %.2f USD (%.0f%% of the standalone sum)\n",
              a.component.sum(), a.netting_benefit, 100.0 * a.netting_benefit / a.standalone.sum());
}

}  // namespace

int main() {
  const timestamp_us now{std::chrono::seconds(1'772'372'940)};  // 2026-03-01T13:49:00Z
  instrument perpetual;
  perpetual.name = "BTC-PERPETUAL (linear)";
  const std::vector<instrument> book{
      perpetual,
      deribit_option("BTC-27MAR26-62000-P", option_type::put, 62'000.0),
      deribit_option("BTC-27MAR26-72000-C", option_type::call, 72'000.0),
      deribit_option("BTC-27MAR26-66000-C", option_type::call, 66'000.0),
  };
  // Mark prices from the chain: the 27MAR26 forward and each option's mark_iv.
  const std::vector<instrument_state> states{
      {66'742.5678, 0.0}, {66'409.56, 0.5591}, {66'409.69, 0.5001}, {66'409.63, 0.5225}};
  Eigen::VectorXd positions(4);
  positions << 0.5, -10.0, -10.0, 2.0;  // short strangle, partly hedged by long calls and the perpetual

  // 1. Paradex: the 24 published scenarios, IMR = max(SCAN, minimum delta), MMR = 50%.
  const paradex_grid_settings paradex;
  const scenario_set grid = paradex_grid(1, paradex);
  const Eigen::MatrixXd grid_pnl = scenario_pnl(book, states, now, grid);
  const auto by_grid = attribute_margin(grid_pnl, positions, grid.weight, {});
  const double min_delta = minimum_delta_charge(positions, instrument_deltas(book, states, now), 66'742.5678,
                                                paradex.min_delta_net, paradex.min_delta_hedged);
  const double initial = std::max(by_grid.total.margin, min_delta);
  print_breakdown("Paradex grid", book, positions, grid, by_grid);
  std::printf("  minimum delta charge %.2f USD -> IMR %.2f USD, MMR %.2f USD\n", min_delta, initial,
              paradex.maintenance_fraction * initial);

  // 2. CME SPAN: 15% price scan range, 4 volatility points, extremes of 3 ranges at 35%.
  const scenario_set span = span_grid(1, {0.15, 0.04, 3.0, 0.35, 0.0});
  print_breakdown("SPAN", book, positions, span,
                  attribute_margin(scenario_pnl(book, states, now, span), positions, span.weight, {}));

  // 3. Filtered historical: BTC's daily closes 2014-2022, EWMA 0.94, 2-day moves, 99% ES.
  const io::price_table btc = io::read_price_csv(DYNMARGIN_EXAMPLE_DATA_DIR "/btc_usd_daily.csv");
  const std::vector<double> closes = btc.closes();
  Eigen::MatrixXd returns(static_cast<Eigen::Index>(closes.size() - 1), 1);
  std::vector<std::string> dates;  // each return named by the day it ends
  for (std::size_t t = 1; t < closes.size(); ++t) {
    returns(static_cast<Eigen::Index>(t - 1), 0) = std::log(closes[t] / closes[t - 1]);
    dates.push_back(io::format_utc(btc.bars[t].time).substr(0, 10));
  }
  filtered_historical_settings fhs;
  fhs.horizon_steps = 2;
  const scenario_set historical = filtered_historical_scenarios(returns, fhs, dates);
  print_breakdown("Filtered historical, 99% ES over 2 days", book, positions, historical,
                  attribute_margin(scenario_pnl(book, states, now, historical), positions, historical.weight,
                                   {scenario_measure::expected_shortfall, 0.99}));

  // 4. Dynamic: BTC's margin function (EWMA 0.94, 2-day 99% normal ES, a 25% APC buffer, a 10%
  //    floor, at most +50% per 5 days) sets the level of the same devolatilised rows; the book
  //    is quoted after the function has seen BTC's closes up to two dates.
  parametric_risk_config es;
  es.confidence = confidence_level(0.99);
  es.horizon_steps = horizon(2);
  std::vector<margin_function<ewma_volatility, parametric_risk, apc_buffer_policy, floor_policy, speed_limit_policy>>
      functions;
  functions.emplace_back(ewma_volatility(0.94), parametric_risk(es), apc_buffer_policy(0.25), floor_policy(0.10),
                         speed_limit_policy(0.5, 5));
  dynamic_portfolio_margin dynamic({"BTC"}, std::move(functions), book,
                                   filtered_historical_residuals(returns, fhs, dates), {});
  std::size_t fed = 0;
  for (const char* until : {"2020-03-20", "2021-11-30"}) {
    for (; fed < closes.size() && io::format_utc(btc.bars[fed].time).substr(0, 10) <= until; ++fed)
      (void)dynamic.update(0, btc.bars[fed].time_us(), closes[fed]);
    dynamic.refresh(now, states);
    const dynamic_portfolio_quote q = dynamic.quote(positions);
    const underlying_margin_report& f = q.underlyings[0];
    std::printf("\nDynamic, BTC's margin function at %s: rate %.2f%% (raw %.2f%%, binding \"%.*s\"), scale %.4f\n",
                until, 100.0 * f.initial_rate, 100.0 * f.raw_rate, static_cast<int>(f.quote.binding.size()),
                f.quote.binding.data(), f.scale);
    std::printf("  IM %.2f USD, MM %.2f USD, binding scenario \"%.*s\" (loss %.2f USD)\n", q.initial, q.maintenance,
                static_cast<int>(q.binding_scenario.size()), q.binding_scenario.data(), q.scenario.worst_loss);
  }
  return 0;
}
