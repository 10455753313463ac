// SPDX-License-Identifier: MIT
// Cross and isolated account quotes, and Binance's USDⓈ-M cross-margin liquidation price.
//
// References:
//  - tests/data/account_reference.csv, written by tests/data/make_account_reference.py
//    (numpy/scipy, from the definitions in tests/data/REFERENCE.md, not from the C++ code):
//    the quote of a 3-position, 2-collateral account and of a covered call, cross and isolated,
//    in the Paradex grid. Tolerance 1e-7 USD (the two Black-76 codes agree to ~1e-11 USD).
//    The covered call's cross margin, 10603.64 in scenario 17 (1-based), is also the one of
//    paradex_grid_summary.csv (make_paradex_reference.py).
//  - Binance's worked cross-margin example (Binance FAQ "How to Calculate Liquidation Price of
//    USDⓈ-M Futures Contracts"; its numbers as reproduced in freqtrade's
//    tests/leverage/test_liquidation_price.py): WB 1,535,443.01; BTCUSDT long 109.488 @
//    32,481.98, MMR 2.5%, cum 16,300, notional 3,500,032.458 (mark 31,967.27); ETHUSDT long
//    3,683.979 @ 1,456.84, MMR 10%, cum 135,365, notional 4,918,775.081 (mark 1,335.18).
//    Cross LP: BTCUSDT 26,316.89, ETHUSDT 1,153.26; with TMM = UPNL = 0: 18,778.73, 1,114.78.
//    Printed to the cent: tolerance 0.005 USD.
//  - Closed forms: margin/account.hpp's isolated liquidation price (1e-12 relative), and
//    equity = total maintenance margin at the returned price (1e-9 relative).
#include <dynmargin/margin/account.hpp>
#include <dynmargin/margin/tiers.hpp>
#include <dynmargin/portfolio/account.hpp>
#include <dynmargin/portfolio/instrument.hpp>
#include <dynmargin/portfolio/revaluation.hpp>
#include <dynmargin/portfolio/scenario_margin.hpp>
#include <dynmargin/portfolio/scenarios.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_data.hpp"
#include "time_points.hpp"

namespace dm = dynmargin;

namespace {

using dmtest::march27;
using dmtest::valuation;

dm::instrument linear(std::string name, std::size_t underlying = 0, double size = 1.0) {
  dm::instrument terms;
  terms.name = std::move(name);
  terms.underlying = underlying;
  terms.contract_size = size;
  return terms;
}

dm::instrument inverse(std::string name, std::size_t underlying, double face) {
  dm::instrument terms = linear(std::move(name), underlying, face);
  terms.kind = dm::instrument_kind::inverse_future;
  return terms;
}

dm::instrument btc_call_75000() {
  dm::instrument terms = linear("BTC-27MAR26-75000-C");
  terms.kind = dm::instrument_kind::option;
  terms.type = dm::option_type::call;
  terms.strike = 75'000.0;
  terms.expiry = march27;
  return terms;
}

// item -> value of one account in account_reference.csv.
std::map<std::string, double> reference(const std::string& account) {
  const auto table = dmtest::read_csv(dmtest::reference_path("account_reference.csv"));
  std::map<std::string, double> out;
  for (const auto& row : table.rows)
    if (row.at(0) == account) out[row.at(1)] = std::stod(row.at(2));
  REQUIRE(!out.empty());
  return out;
}

constexpr double usd_tolerance = 1e-7;

dm::size_tiers_policy btc_tiers() {  // Binance BTCUSDT (2020): cum 16,300 at 2.5%
  return dm::size_tiers_policy(std::vector<dm::tier_bracket>{{50'000.0, 125.0, 0.004},
                                                             {250'000.0, 100.0, 0.005},
                                                             {1'000'000.0, 50.0, 0.01},
                                                             {10'000'000.0, 20.0, 0.025},
                                                             {20'000'000.0, 10.0, 0.05}});
}

dm::size_tiers_policy eth_tiers() {  // Binance ETHUSDT (2021): cum 135,365 at 10%
  return dm::size_tiers_policy(std::vector<dm::tier_bracket>{{10'000.0, 100.0, 0.005},
                                                             {100'000.0, 75.0, 0.0065},
                                                             {500'000.0, 50.0, 0.01},
                                                             {1'000'000.0, 25.0, 0.02},
                                                             {2'000'000.0, 10.0, 0.05},
                                                             {5'000'000.0, 5.0, 0.10}});
}

}  // namespace

TEST_CASE("account: quote of a 3-position, 2-collateral cross account", "[portfolio][account]") {
  // +2 BTC perp @ 65,000; -1,000 ETH inverse perp (face 10 USD) @ 2,100; -1 BTC call 75,000 @ 2,500.
  const std::vector<dm::instrument> instruments{linear("BTC-PERP"), inverse("ETH-INV-PERP", 1, 10.0), btc_call_75000()};
  const std::vector<dm::instrument_state> states{{70'000.0, 0.0}, {2'000.0, 0.0}, {70'000.0, 0.52}};
  const std::vector<double> prices{1.0, 70'000.0};
  const dm::account_market market{instruments, states, prices, valuation};
  const dm::cross_account account("alice", {{0, 2.0, 65'000.0}, {1, -1'000.0, 2'100.0}, {2, -1.0, 2'500.0}},
                                  {{"USDT", 50'000.0, {1.0, 1.0, 0.0}}, {"BTC", 1.5, {0.8, 0.9, 0.05}}});
  const std::vector<dm::margin_amounts> add_ons{{500.0, 250.0}, {0.0, 0.0}, {100.0, 50.0}};
  const dm::scenario_set grid = dm::paradex_grid(2);
  const Eigen::MatrixXd pnl = dm::scenario_pnl(instruments, states, valuation, grid);
  const auto ref = reference("three_positions");

  const dm::account_quote q = dm::quote_account(account, market, pnl, grid, add_ons);
  // By hand: collateral 50,000 + 1.5 x 70,000 = 155,000; after haircut 50,000 + 105,000 x 0.9 = 144,500.
  CHECK(q.collateral_value == 155'000.0);
  CHECK(q.collateral_after_haircut == 144'500.0);
  // By hand: 2 x (70,000 - 65,000) = 10,000; -1,000 x 10 x (2,000 / 2,100 - 1) = 476.190...
  CHECK(std::abs(q.position_pnl[0] - 10'000.0) <= 1e-9);
  CHECK(std::abs(q.position_pnl[1] - 10'000.0 / 21.0) <= 1e-9);
  CHECK(std::abs(q.position_pnl[2] - ref.at("position_pnl_2")) <= usd_tolerance);
  CHECK(std::abs(q.unrealised_pnl - ref.at("unrealised_pnl")) <= usd_tolerance);
  CHECK(std::abs(q.equity - ref.at("equity")) <= usd_tolerance);
  CHECK(std::abs(q.scenario_margin - ref.at("scenario_margin")) <= usd_tolerance);
  CHECK(q.binding_scenario == static_cast<std::size_t>(ref.at("binding_scenario")));
  CHECK(q.binding_scenario_name == grid.names[q.binding_scenario]);
  CHECK(q.binding_scenario_name == "price -66% vol +40%");
  CHECK(std::abs(q.worst_loss - ref.at("worst_loss")) <= usd_tolerance);
  CHECK(q.add_on_initial == 600.0);
  CHECK(q.add_on_maintenance == 300.0);
  CHECK(std::abs(q.initial_margin - ref.at("initial_margin")) <= usd_tolerance);
  CHECK(std::abs(q.maintenance_margin - ref.at("maintenance_margin")) <= usd_tolerance);
  CHECK(std::abs(q.margin_ratio - ref.at("margin_ratio")) <= 1e-12);
  CHECK(std::abs(q.free_collateral - ref.at("free_collateral")) <= usd_tolerance);
  REQUIRE(q.add_ons.size() == 3);
  CHECK(q.add_ons[2] == dm::margin_amounts{100.0, 50.0});

  SECTION("from a scenario margin the caller computed: the same quote") {
    const dm::scenario_margin_result margin = dm::portfolio_margin(pnl, dm::net_positions(account, 3), grid.weight,
                                                                   dm::scenario_margin_rule{});
    const dm::account_quote same = dm::quote_account(account, market, margin, "caller's name", add_ons, 0.5);
    CHECK(same.initial_margin == q.initial_margin);
    CHECK(same.maintenance_margin == q.maintenance_margin);
    CHECK(same.binding_scenario_name == "caller's name");
  }
  SECTION("isolated beside cross, collateral split pro rata to the isolated initial margins") {
    const dm::cross_isolated_comparison c = dm::compare_cross_isolated(account, market, pnl, grid, add_ons);
    CHECK(c.cross.initial_margin == q.initial_margin);
    REQUIRE(c.isolated.size() == 3);
    for (std::size_t p = 0; p < 3; ++p) {
      const std::string k = std::to_string(p);
      CHECK(std::abs(c.isolated[p].scenario_margin - ref.at("isolated_margin_" + k)) <= usd_tolerance);
      CHECK(c.isolated[p].binding_scenario == static_cast<std::size_t>(ref.at("isolated_binding_" + k)));
      CHECK(std::abs(c.isolated[p].allocated_collateral - ref.at("isolated_allocation_" + k)) <= usd_tolerance);
      CHECK(std::abs(c.isolated[p].equity - ref.at("isolated_equity_" + k)) <= usd_tolerance);
      CHECK(std::abs(c.isolated[p].free_collateral - ref.at("isolated_free_" + k)) <= usd_tolerance);
    }
    // By hand: the long perp alone binds at -16% (weight 1): 2 x 70,000 x 0.16 = 22,400; the
    // short inverse perp at +16%: 1,000 x 10 x 0.16 = 1,600.
    CHECK(std::abs(c.isolated[0].scenario_margin - 22'400.0) <= 1e-9);
    CHECK(std::abs(c.isolated[1].scenario_margin - 1'600.0) <= 1e-9);
    CHECK(std::abs(c.netting_benefit - ref.at("netting_benefit")) <= usd_tolerance);
  }
}

TEST_CASE("account: cross margin nets a hedge that isolated margin cannot", "[portfolio][account]") {
  // Covered call: +1 BTC perp @ 70,000 and -1 call 75,000 @ 2,000; 20,000 USDT.
  const std::vector<dm::instrument> instruments{linear("BTC-PERP"), btc_call_75000()};
  const std::vector<dm::instrument_state> states{{70'000.0, 0.0}, {70'000.0, 0.52}};
  const std::vector<double> prices{1.0};
  const dm::account_market market{instruments, states, prices, valuation};
  const dm::cross_account account("hedger", {{0, 1.0, 70'000.0}, {1, -1.0, 2'000.0}}, {{"USDT", 20'000.0}});
  const dm::scenario_set grid = dm::paradex_grid(1);
  const Eigen::MatrixXd pnl = dm::scenario_pnl(instruments, states, valuation, grid);
  const auto ref = reference("covered_call");

  const dm::cross_isolated_comparison c = dm::compare_cross_isolated(account, market, pnl, grid);
  // Cross 10,603.64 (scenario 17, -66%: paradex_grid_summary.csv too); isolated 11,200 (perp,
  // -16%) + 10,975.42 (short call, +500%); netting benefit 11,571.78 USD.
  CHECK(std::abs(c.cross.scenario_margin - 10'603.64) <= 0.005);
  CHECK(std::abs(c.cross.scenario_margin - ref.at("scenario_margin")) <= usd_tolerance);
  CHECK(std::abs(c.isolated[0].scenario_margin - 11'200.0) <= 1e-9);
  CHECK(std::abs(c.isolated[1].scenario_margin - ref.at("isolated_margin_1")) <= usd_tolerance);
  CHECK(std::abs(c.isolated_scenario_margin - ref.at("isolated_margin_sum")) <= usd_tolerance);
  CHECK(c.cross.scenario_margin <= c.isolated_scenario_margin);
  CHECK(std::abs(c.netting_benefit - 11'571.78) <= 0.005);
  CHECK(c.netting_benefit > 0.5 * c.cross.scenario_margin);
  // The same collateral covers cross mode (free 9,378.20) but neither isolated leg.
  CHECK(std::abs(c.cross.free_collateral - ref.at("free_collateral")) <= usd_tolerance);
  CHECK(c.cross.free_collateral > 0.0);
  CHECK(std::abs(c.isolated[0].free_collateral - ref.at("isolated_free_0")) <= usd_tolerance);
  CHECK(c.isolated[0].free_collateral < 0.0);
  CHECK(c.isolated[1].free_collateral < 0.0);

  SECTION("an explicit allocation") {
    const std::vector<double> allocation{15'000.0, 5'000.0};
    const dm::cross_isolated_comparison e = dm::compare_cross_isolated(account, market, pnl, grid, {}, allocation);
    CHECK(e.isolated[0].equity == 15'000.0);  // the perp's P&L is 0 at entry = mark
    CHECK(std::abs(e.isolated[0].free_collateral - (15'000.0 - 11'200.0)) <= 1e-9);
    CHECK(std::abs(e.isolated[0].margin_ratio - 5'600.0 / 15'000.0) <= 1e-15);
  }
}

TEST_CASE("binance cross liquidation: one position and no other terms is the isolated formula",
          "[portfolio][account][binance]") {
  // margin/account.hpp: P = (q E - C - D) / (q - |q| m); here (WB + cum - q E) / (|q| m - q).
  for (const double q : {0.5, -0.5, 3.0, -12.0}) {
    for (const double collateral : {2'000.0, 9'000.0}) {
      const dm::linear_position position{q, 60'000.0, collateral};
      const std::optional<double> isolated = dm::liquidation_price(position, 0.01, 250.0);
      const dm::binance_position_leg leg{q, 60'000.0, 0.01, 250.0};
      const std::optional<double> cross = dm::binance_cross_liquidation_price(
          collateral, 0.0, 0.0, std::span<const dm::binance_position_leg>(&leg, 1));
      REQUIRE(isolated.has_value() == cross.has_value());
      if (isolated) CHECK(std::abs(*cross - *isolated) <= 1e-12 * *isolated);
      const std::optional<double> isolated_tiers = dm::liquidation_price(position, btc_tiers());
      const std::optional<double> cross_tiers = dm::binance_cross_liquidation_price(collateral, 0.0, 0.0, q, 60'000.0,
                                                                                    btc_tiers());
      REQUIRE(isolated_tiers.has_value() == cross_tiers.has_value());
      if (isolated_tiers) CHECK(std::abs(*cross_tiers - *isolated_tiers) <= 1e-12 * *isolated_tiers);
    }
  }
}

TEST_CASE("binance cross liquidation: Binance's worked example", "[portfolio][account][binance]") {
  constexpr double wallet = 1'535'443.01;
  // The example's maintenance margins: notional x MMR - cum.
  const double btc_maintenance = 3'500'032.458 * 0.025 - 16'300.0;  // 71,200.81144
  const double eth_maintenance = 4'918'775.081 * 0.10 - 135'365.0;  // 356,512.508
  CHECK(std::abs(btc_maintenance - 71'200.81144) <= 1e-4);
  CHECK(std::abs(eth_maintenance - 356'512.508) <= 1e-3);
  const dm::binance_position_leg btc{109.488, 32'481.98, 0.025, 16'300.0};
  const dm::binance_position_leg eth{3'683.979, 1'456.84, 0.10, 135'365.0};
  const auto one = [](const dm::binance_position_leg& leg) {
    return std::span<const dm::binance_position_leg>(&leg, 1);
  };
  const std::optional<double> btc_cross = dm::binance_cross_liquidation_price(wallet, 356'512.508, -448'192.89,
                                                                              one(btc));
  const std::optional<double> eth_cross = dm::binance_cross_liquidation_price(wallet, 71'200.81144, -56'354.57,
                                                                              one(eth));
  REQUIRE(btc_cross);
  REQUIRE(eth_cross);
  CHECK(std::abs(*btc_cross - 26'316.89) <= 0.005);
  CHECK(std::abs(*eth_cross - 1'153.26) <= 0.005);
  CHECK(std::abs(*dm::binance_cross_liquidation_price(wallet, 0.0, 0.0, one(btc)) - 18'778.73) <= 0.005);
  CHECK(std::abs(*dm::binance_cross_liquidation_price(wallet, 0.0, 0.0, one(eth)) - 1'114.78) <= 0.005);

  SECTION("from the account: TMM1 from the other's bracket table, UPNL1 at its mark") {
    const std::vector<dm::instrument> instruments{linear("BTCUSDT", 0), linear("ETHUSDT", 1)};
    const std::vector<dm::instrument_state> states{{31'967.27, 0.0}, {1'335.18, 0.0}};
    const std::vector<double> prices{1.0};
    const dm::account_market market{instruments, states, prices, valuation};
    const dm::cross_account account("binance example", {{0, 109.488, 32'481.98}, {1, 3'683.979, 1'456.84}},
                                    {{"USDT", wallet}});
    const std::vector<dm::size_tiers_policy> tiers{btc_tiers(), eth_tiers()};
    const std::optional<double> btc_lp = dm::binance_cross_liquidation_price(account, market, 0, tiers);
    const std::optional<double> eth_lp = dm::binance_cross_liquidation_price(account, market, 1, tiers);
    REQUIRE(btc_lp);
    REQUIRE(eth_lp);
    CHECK(std::abs(*btc_lp - 26'316.89) <= 0.005);
    CHECK(std::abs(*eth_lp - 1'153.26) <= 0.005);
    // Closed form: at the price, equity = WB + UPNL(others) + q (LP - EP) equals the total
    // maintenance TMM1 + the position's bracket maintenance at |q| LP.
    const std::vector<double> upnl = dm::unrealised_pnl(account, market);
    const double equity = wallet + upnl[1] + 109.488 * (*btc_lp - 32'481.98);
    const double maintenance = eth_tiers().maintenance_amount(4'918'775.081) +
                               btc_tiers().maintenance_amount(109.488 * *btc_lp);
    CHECK(std::abs(equity - maintenance) <= 1e-9 * maintenance);
  }
}

TEST_CASE("binance cross liquidation: equity equals total maintenance at the price", "[portfolio][account][binance]") {
  const dm::size_tiers_policy tiers = btc_tiers();
  // (WB, TMM1, UPNL1, q, EP): a long, a short, a short whose notional at the price crosses
  // from the 1% bracket (600k at entry) into the 2.5% bracket (above 1M).
  struct scenario {
    double wallet, other_maintenance, other_pnl, quantity, entry;
  };
  for (const scenario& s :
       {scenario{30'000.0, 4'000.0, -2'500.0, 2.0, 60'000.0}, scenario{30'000.0, 4'000.0, 1'500.0, -3.0, 60'000.0},
        scenario{900'000.0, 10'000.0, -20'000.0, -10.0, 60'000.0}}) {
    const std::optional<double> price = dm::binance_cross_liquidation_price(s.wallet, s.other_maintenance, s.other_pnl,
                                                                            s.quantity, s.entry, tiers);
    REQUIRE(price);
    const double equity = s.wallet + s.other_pnl + s.quantity * (*price - s.entry);
    const double maintenance = s.other_maintenance + tiers.maintenance_amount(std::abs(s.quantity) * *price);
    CHECK(std::abs(equity - maintenance) <= 1e-9 * maintenance);
  }
  // The third crosses a bracket: its notional at the price is above the 1M cap of the 1% bracket.
  const std::optional<double> crossed = dm::binance_cross_liquidation_price(900'000.0, 10'000.0, -20'000.0, -10.0,
                                                                            60'000.0, tiers);
  CHECK(10.0 * *crossed > 1'000'000.0);

  SECTION("hedge mode: a LONG and a SHORT leg") {
    const std::vector<dm::binance_position_leg> legs{{2.0, 60'000.0, 0.005, 50.0}, {-0.5, 64'000.0, 0.004, 0.0}};
    const std::optional<double> price = dm::binance_cross_liquidation_price(20'000.0, 1'000.0, 300.0, legs);
    REQUIRE(price);
    const double equity = 20'000.0 + 300.0 + 2.0 * (*price - 60'000.0) - 0.5 * (*price - 64'000.0);
    const double maintenance = 1'000.0 + (2.0 * *price * 0.005 - 50.0) + 0.5 * *price * 0.004;
    CHECK(std::abs(equity - maintenance) <= 1e-9 * maintenance);
  }
  SECTION("no positive price: a long whose wallet covers the notional") {
    CHECK_FALSE(dm::binance_cross_liquidation_price(200'000.0, 0.0, 0.0, 1.0, 60'000.0, tiers).has_value());
  }
}

TEST_CASE("account: bad inputs are named", "[portfolio][account][errors]") {
  const std::vector<dm::instrument> instruments{linear("BTC-PERP"), btc_call_75000()};
  const std::vector<dm::instrument_state> states{{70'000.0, 0.0}, {70'000.0, 0.52}};
  const std::vector<double> prices{1.0};
  const dm::account_market market{instruments, states, prices, valuation};
  const dm::scenario_set grid = dm::paradex_grid(1);
  const Eigen::MatrixXd pnl = dm::scenario_pnl(instruments, states, valuation, grid);
  const std::vector<dm::collateral_asset> usdt{{"USDT", 10'000.0}};

  CHECK_THROWS_WITH(dm::cross_account("bob", {}, usdt),
                    dmtest::contains("account bob: positions must hold at least one position"));
  CHECK_THROWS_WITH(dm::cross_account("bob", {{1, std::nan(""), 100.0}}, usdt),
                    dmtest::contains("account bob: position 0 (instrument 1) quantity must be finite, got nan"));
  CHECK_THROWS_WITH(dm::cross_account("bob", {{0, 1.0, 70'000.0}, {1, -1.0, 0.0}}, usdt),
                    dmtest::contains("position 1 (instrument 1) entry_price must be finite and > 0, got 0"));
  CHECK_THROWS_WITH(dm::cross_account("bob", {{0, 1.0, 70'000.0}}, {{"ETH", -2.0}}),
                    dmtest::contains("account bob: collateral ETH amount must be finite and >= 0, got -2"));
  CHECK_THROWS_WITH(dm::cross_account("bob", {{0, 1.0, 70'000.0}}, {{"ETH", 2.0, {0.9, 0.8, 0.0}}}),
                    dmtest::contains("account bob collateral ETH.loan_to_value"));

  const dm::cross_account out_of_range("carol", {{0, 1.0, 70'000.0}, {7, 1.0, 100.0}}, usdt);
  CHECK_THROWS_WITH(dm::quote_account(out_of_range, market, pnl, grid),
                    dmtest::contains("account carol: position 1 instrument must index one of the market's 2 "
                                     "instruments, got 7"));

  const dm::cross_account ok("dave", {{0, 1.0, 70'000.0}, {1, -1.0, 2'000.0}}, usdt);
  const std::vector<dm::margin_amounts> one_add_on{{1.0, 0.5}};
  CHECK_THROWS_WITH(dm::quote_account(ok, market, pnl, grid, one_add_on),
                    dmtest::contains("account dave: add_ons must be empty or hold one per position (2), got 1"));
  const std::vector<dm::margin_amounts> negative{{1.0, 0.5}, {-3.0, 0.0}};
  CHECK_THROWS_WITH(dm::quote_account(ok, market, pnl, grid, negative),
                    dmtest::contains("add-on of position 1 initial must be finite and >= 0, got -3"));
  CHECK_THROWS_WITH(dm::quote_account(ok, market, pnl, grid, {}, {{}, 1.5}),
                    dmtest::contains("account dave: maintenance_fraction must be in [0, 1], got 1.5"));
  const std::vector<double> two_prices{1.0, 2.0};
  CHECK_THROWS_WITH(dm::quote_account(ok, {instruments, states, two_prices, valuation}, pnl, grid),
                    dmtest::contains("account dave: collateral_prices must hold one price per collateral asset (1), "
                                     "got 2"));
  const std::vector<double> too_much{6'000.0, 6'000.0};
  CHECK_THROWS_WITH(dm::compare_cross_isolated(ok, market, pnl, grid, {}, too_much),
                    dmtest::contains("account dave: allocation must add up to at most the collateral after haircut "
                                     "(10000), got 12000"));
  const std::vector<dm::size_tiers_policy> tiers{btc_tiers(), btc_tiers()};
  CHECK_THROWS_WITH(dm::binance_cross_liquidation_price(ok, market, 0, tiers),
                    dmtest::contains("BTC-27MAR26-75000-C: kind must be linear_future"));
  CHECK_THROWS_WITH(dm::binance_cross_liquidation_price(ok, market, 5, tiers),
                    dmtest::contains("account dave: position must index one of the 2 positions, got 5"));
  // An expired option is refused by check_instrument, naming the instrument.
  const dm::account_market late{instruments, states, prices, march27};
  CHECK_THROWS_WITH(dm::unrealised_pnl(ok, late), dmtest::contains("BTC-27MAR26-75000-C: expiry must be after"));
}
