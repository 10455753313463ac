// SPDX-License-Identifier: MIT
// The Paradex grid against hand-computed test vectors: tests/data/make_paradex_reference.py
// (numpy/scipy, written without the C++ code) prices a short strangle, a covered call and a
// calendar spread in the 24 published scenarios (docs.paradex.trade, Portfolio Margin) and
// writes every scenario's P&L, the SCAN risk, the binding scenario, the minimum delta charge,
// IMR and MMR (tests/data/REFERENCE.md). Valuation 2026-03-01T00:00:00Z, spot 70,000,
// USD-settled options, r = 0, 365-day year.
// Tolerance: 1e-7 USD on P&L and margins (the two Black-76 codes agree to ~1e-11 USD; the
// short strangle's binding scenario leads the next by 93 USD, so the binding row is robust).
#include <dynmargin/portfolio/instrument.hpp>
#include <dynmargin/portfolio/revaluation.hpp>
#include <dynmargin/portfolio/scenario_margin.hpp>
#include <dynmargin/portfolio/scenarios.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_data.hpp"
#include "time_points.hpp"

namespace dm = dynmargin;

namespace {

using dmtest::march27;
using dmtest::valuation;
const dm::timestamp_us april24{std::chrono::seconds(1'777'017'600)};  // 2026-04-24T08:00:00Z
constexpr double spot = 70'000.0;

struct leg {
  dm::instrument terms;
  dm::instrument_state state;
  double quantity;
};

leg call_or_put(dm::option_type type, double strike, dm::timestamp_us expiry, double vol, double quantity) {
  dm::instrument terms;
  terms.name = std::string(dm::to_string(type)) + "-" + std::to_string(static_cast<int>(strike));
  terms.kind = dm::instrument_kind::option;
  terms.type = type;
  terms.strike = strike;
  terms.expiry = expiry;
  return {terms, {spot, vol}, quantity};
}

leg perpetual(double quantity) {
  dm::instrument terms;
  terms.name = "BTC-USD-PERP";
  return {terms, {spot, 0.0}, quantity};
}

std::map<std::string, std::vector<leg>> portfolios() {
  using enum dm::option_type;
  return {{"short_strangle",
           {call_or_put(put, 60'000.0, march27, 0.55, -1.0), call_or_put(call, 80'000.0, march27, 0.50, -1.0)}},
          {"covered_call", {perpetual(1.0), call_or_put(call, 75'000.0, march27, 0.52, -1.0)}},
          {"calendar_spread",
           {call_or_put(call, 70'000.0, march27, 0.48, -1.0), call_or_put(call, 70'000.0, april24, 0.50, 1.0)}}};
}

}  // namespace

TEST_CASE("paradex grid: the 24 published scenarios", "[portfolio][paradex]") {
  const dm::scenario_set grid = dm::paradex_grid(1);
  REQUIRE(grid.size() == 24);
  const auto table = dmtest::read_csv(dmtest::reference_path("paradex_grid_reference.csv"));
  const auto shock = table.numbers("spot_shock");
  const auto vol = table.numbers("vol_shock");
  const auto weight = table.numbers("weight");
  for (Eigen::Index s = 0; s < 24; ++s) {  // the first portfolio's 24 rows carry the grid
    const auto row = static_cast<std::size_t>(s);
    CHECK(grid.price_return(s, 0) == shock[row]);
    CHECK(grid.volatility_shock(s, 0) == vol[row]);
    CHECK(grid.weight(s) == weight[row]);
  }
}

TEST_CASE("paradex grid: a short strangle, a covered call and a calendar spread", "[portfolio][paradex]") {
  const dm::scenario_set grid = dm::paradex_grid(1);
  const dm::paradex_grid_settings settings;
  const auto scenario_rows = dmtest::read_csv(dmtest::reference_path("paradex_grid_reference.csv"));
  const auto summary = dmtest::read_csv(dmtest::reference_path("paradex_grid_summary.csv"));
  const auto expected_pnl = scenario_rows.numbers("pnl");
  const std::size_t row_portfolio = scenario_rows.column("portfolio");
  const std::size_t summary_portfolio = summary.column("portfolio");
  int checked = 0;
  for (const auto& [name, legs] : portfolios()) {
    INFO(name);
    std::vector<dm::instrument> instruments;
    std::vector<dm::instrument_state> states;
    Eigen::VectorXd positions(static_cast<Eigen::Index>(legs.size()));
    for (std::size_t i = 0; i < legs.size(); ++i) {
      instruments.push_back(legs[i].terms);
      states.push_back(legs[i].state);
      positions(static_cast<Eigen::Index>(i)) = legs[i].quantity;
    }
    const Eigen::MatrixXd pnl = dm::scenario_pnl(instruments, states, valuation, grid);
    const Eigen::VectorXd portfolio_pnl = pnl * positions;
    Eigen::Index s = 0;
    for (std::size_t r = 0; r < scenario_rows.rows.size(); ++r) {
      if (scenario_rows.rows[r][row_portfolio] != name) continue;
      CHECK(std::abs(portfolio_pnl(s) - expected_pnl[r]) < 1e-7);
      ++s;
    }
    REQUIRE(s == 24);
    const auto scan = dm::portfolio_margin(pnl, positions, grid.weight, {});
    const double min_delta = dm::minimum_delta_charge(positions, dm::instrument_deltas(instruments, states, valuation),
                                                      spot, settings.min_delta_net, settings.min_delta_hedged);
    const double initial = std::max(scan.margin, min_delta);
    for (std::size_t r = 0; r < summary.rows.size(); ++r) {
      if (summary.rows[r][summary_portfolio] != name) continue;
      const auto value = [&](const std::string& column) { return std::stod(summary.rows[r][summary.column(column)]); };
      CHECK(std::abs(scan.margin - value("scan_risk")) < 1e-7);
      CHECK(scan.binding_scenario + 1 == static_cast<std::size_t>(value("binding_scenario")));
      CHECK(std::abs(min_delta - value("min_delta")) < 1e-7);
      CHECK(std::abs(initial - value("imr")) < 1e-7);
      CHECK(std::abs(settings.maintenance_fraction * initial - value("mmr")) < 1e-7);
      ++checked;
    }
  }
  CHECK(checked == 3);
}

TEST_CASE("paradex grid: option prices and deltas at the current state", "[portfolio][paradex]") {
  const auto pricing = dmtest::read_csv(dmtest::reference_path("paradex_grid_pricing.csv"));
  const auto strike = pricing.numbers("strike");
  const auto iv = pricing.numbers("iv");
  const auto years = pricing.numbers("time_years");
  const auto price = pricing.numbers("price");
  const auto delta = pricing.numbers("delta");
  const std::size_t kind = pricing.column("kind");
  for (std::size_t r = 0; r < pricing.rows.size(); ++r) {
    const auto type = pricing.rows[r][kind] == "call" ? dm::option_type::call : dm::option_type::put;
    const auto g = dm::black76({type, spot, strike[r], iv[r], years[r], 0.0});
    CHECK(std::abs(g.price - price[r]) < 1e-8);
    CHECK(std::abs(g.delta - delta[r]) < 1e-12);
  }
  CHECK(pricing.rows.size() == 5);
}
