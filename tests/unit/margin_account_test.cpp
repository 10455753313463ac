// SPDX-License-Identifier: MIT
// Account health and liquidation: bankruptcy and liquidation prices against Binance's and
// Hyperliquid's published formulas (hand-computed), health states, the Hyperliquid slice
// schedule and backstop in an event sequence, and Aave v3.3's close-factor rules.
#include <cmath>
#include <limits>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/account.hpp"

using namespace dynmargin;

namespace {

// Binance BTCUSDT brackets of 2021 (see margin_position_tiers_test.cpp for the sources).
size_tiers_policy binance_2021() {
  return size_tiers_policy(std::vector<tier_bracket>{{50'000, 125, 0.004},
                                                     {250'000, 100, 0.005},
                                                     {1'000'000, 50, 0.01},
                                                     {10'000'000, 20, 0.025},
                                                     {20'000'000, 10, 0.05},
                                                     {50'000'000, 5, 0.10},
                                                     {100'000'000, 4, 0.125},
                                                     {200'000'000, 3, 0.15},
                                                     {300'000'000, 2, 0.25},
                                                     {500'000'000, 1, 0.50}});
}

// Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts" (2020-08-14),
// isolated one-way mode (TMM = 0, UPNL = 0), checked with the search tool; the same formula is
// in the highfestiva gist (2021-03-26):
//   LP = (WB + cum - side * size * EP) / (size * MMR - side * size).
double binance_lp(double wb, double cum, int side, double size, double ep, double mmr) {
  const double s = side;
  return (wb + cum - s * size * ep) / (size * mmr - s * size);
}

// Hyperliquid docs "Trading / Liquidations":
//   liq_price = price - side * margin_available / position_size / (1 - l * side),
//   margin_available (isolated) = isolated margin - maintenance margin required.
double hyperliquid_lp(double mark, int side, double margin_available, double size, double l) {
  const double s = side;
  return mark - s * margin_available / size / (1.0 - l * s);
}

margin_amounts hyperliquid_btc(double quantity, double price) {
  const double notional = std::fabs(quantity) * price;
  return {notional / 40.0, notional / 80.0};  // 40x: IM 2.5%, MM 1.25%
}

}  // namespace

TEST_CASE("Bankruptcy price of linear positions", "[margin][account]") {
  // Long 10 at 50,000 with 50,000 (10x): equity 0 at 45,000; the short at 55,000.
  CHECK_THAT(*bankruptcy_price(linear_position{10, 50'000, 50'000}), dmtest::within_rel(45'000.0, 1e-15));
  CHECK_THAT(*bankruptcy_price(linear_position{-10, 50'000, 50'000}), dmtest::within_rel(55'000.0, 1e-15));
  CHECK(equity({10, 50'000, 50'000}, 45'000) == 0.0);
  // A long collateralised at 1x never goes bankrupt; no position has no price.
  CHECK_FALSE(bankruptcy_price(linear_position{10, 50'000, 500'000}).has_value());
  CHECK_FALSE(bankruptcy_price({0, 50'000, 1'000}).has_value());
  CHECK_FALSE(bankruptcy_price({std::numeric_limits<double>::quiet_NaN(), 50'000, 1'000}).has_value());
}

TEST_CASE("Binance isolated liquidation price with tiered maintenance", "[margin][account][binance]") {
  const size_tiers_policy tiers = binance_2021();
  // Long 10 BTC at 50,000 with WB 50,000: 500,000 notional, bracket 3 (1%, cum 1,300):
  // LP = (50,000 + 1,300 - 500,000) / (10 * 0.01 - 10) = 448,700 / 9.9 = 45,323.2323...
  const linear_position long_position{10, 50'000, 50'000};
  const double expected_long = binance_lp(50'000, 1'300, 1, 10, 50'000, 0.01);
  CHECK_THAT(expected_long, dmtest::within_rel(448'700.0 / 9.9, 1e-15));
  CHECK_THAT(*liquidation_price(long_position, tiers), dmtest::within_rel(expected_long, 1e-14));
  CHECK_THAT(*liquidation_price(long_position, 0.01, 1'300), dmtest::within_rel(expected_long, 1e-14));
  // Short 20 at 48,000 with WB 96,000: the bracket at entry (960k, 1%) gives 52,341.58 whose
  // notional 1,046,832 lies in the next bracket; Binance's note says to substitute that
  // bracket's MMR and cum (2.5%, 16,300): LP = (96,000 + 16,300 + 960,000) / 20.5 = 52,307.317...
  const linear_position short_position{-20, 48'000, 96'000};
  const double wrong_bracket = binance_lp(96'000, 1'300, -1, 20, 48'000, 0.01);
  CHECK(20 * wrong_bracket > 1'000'000);
  const double expected_short = binance_lp(96'000, 16'300, -1, 20, 48'000, 0.025);
  CHECK_THAT(expected_short, dmtest::within_rel(1'072'300.0 / 20.5, 1e-15));
  CHECK_THAT(*liquidation_price(short_position, tiers), dmtest::within_rel(expected_short, 1e-14));
  // At the liquidation price, equity equals the tiered maintenance margin.
  for (const linear_position& p : {long_position, short_position}) {
    const double lp = *liquidation_price(p, tiers);
    CHECK_THAT(equity(p, lp), dmtest::within_rel(tiers.maintenance_amount(std::fabs(p.quantity) * lp), 1e-10));
  }
  // A long at 1x has no liquidation price.
  CHECK_FALSE(liquidation_price(linear_position{1, 50'000, 50'000}, tiers).has_value());
}

TEST_CASE("Tiered liquidation price solves equity = MM across the whole table", "[margin][account]") {
  const size_tiers_policy tiers = binance_2021();
  // Positions from 0.1 to 5,000 BTC at 40,000 and leverage 1.5x to 100x within the bracket's
  // maximum, both sides: the root must satisfy equity(P) = MM(|q| P) and lie between the
  // bankruptcy price and the entry (at entry, equity = N / leverage >= N * MMR >= MM).
  int checked = 0;
  for (double size = 0.1; size <= 5'000; size *= 3.0) {
    for (double leverage : {1.5, 2.0, 5.0, 20.0, 100.0}) {
      if (leverage > tiers.row(tiers.bracket_index(size * 40'000)).max_leverage) continue;
      ++checked;
      for (int side : {1, -1}) {
        const linear_position p{side * size, 40'000, size * 40'000 / leverage};
        const auto lp = liquidation_price(p, tiers);
        INFO("size " << size << " leverage " << leverage << " side " << side);
        REQUIRE(lp.has_value());
        CHECK_THAT(equity(p, *lp), dmtest::within_abs(tiers.maintenance_amount(size * *lp), 1e-7 * size * 40'000));
        const double bankrupt = *bankruptcy_price(p);
        if (side > 0) {
          CHECK(*lp >= bankrupt);
          CHECK(*lp <= 40'000);
        } else {
          CHECK(*lp <= bankrupt);
          CHECK(*lp >= 40'000);
        }
      }
    }
  }
  CHECK(checked >= 30);
}

TEST_CASE("Hyperliquid's liquidation price formula agrees with equity = MM", "[margin][account][hyperliquid]") {
  // Isolated long 2 BTC at 60,000 with 3,000 (40x), mark 60,000, l = 1.25%:
  // margin_available = 3,000 - 2 * 60,000 * 1.25% = 1,500; liq = 60,000 - 750 / 0.9875.
  const linear_position p{2, 60'000, 3'000};
  const double hl = hyperliquid_lp(60'000, 1, 1'500, 2, 0.0125);
  CHECK_THAT(hl, dmtest::within_rel(60'000 - 750 / 0.9875, 1e-15));
  CHECK_THAT(*liquidation_price(p, 0.0125), dmtest::within_rel(hl, 1e-14));
  // The short, at a mark of 59,000 (the formula holds from any mark).
  const linear_position s{-2, 60'000, 3'000};
  const double available = equity(s, 59'000) - 2 * 59'000 * 0.0125;
  CHECK_THAT(*liquidation_price(s, 0.0125),
             dmtest::within_rel(hyperliquid_lp(59'000, -1, available, 2, 0.0125), 1e-14));
}

TEST_CASE("Health states: healthy, margin call, liquidation, backstop", "[margin][account]") {
  const account_health health;  // call below IM, backstop below 2/3 MM
  const margin_amounts req{1'000, 500};
  CHECK(health.classify(1'200, req) == account_state::healthy);
  CHECK(health.classify(1'000, req) == account_state::healthy);
  CHECK(health.classify(800, req) == account_state::margin_call);
  CHECK(health.classify(500, req) == account_state::margin_call);
  CHECK(health.classify(499, req) == account_state::liquidation);
  CHECK(health.classify(334, req) == account_state::liquidation);
  CHECK(health.classify(333, req) == account_state::backstop);  // 2/3 * 500 = 333.33
  CHECK(health.classify(-10, req) == account_state::backstop);
  CHECK(health.classify(std::numeric_limits<double>::quiet_NaN(), req) == account_state::margin_call);
  account_health_config multiple;
  multiple.call_rule = margin_call_rule::below_maintenance_multiple;
  multiple.call_multiple = 1.5;
  CHECK(account_health(multiple).classify(700, req) == account_state::margin_call);
  CHECK(account_health(multiple).classify(800, req) == account_state::healthy);
  CHECK(to_string(account_state::backstop) == "backstop");
  account_health_config bad;
  bad.backstop_fraction = 1.5;
  REQUIRE_THROWS_WITH(account_health(bad), "account_health: backstop_fraction must be in [0, 1], got 1.5");
  bad = {};
  bad.call_multiple = 0.5;
  REQUIRE_THROWS_WITH(account_health(bad), "account_health: call_multiple must be finite and >= 1, got 0.5");
}

TEST_CASE("Hyperliquid schedule: a 20% slice above 100k, then the rest within the cooldown", "[margin][account]") {
  isolated_account account({5, 40'000, 10'000});
  // t=0: equity 10,000 against MM 2,500: healthy.
  auto step = account.step(0, 40'000, hyperliquid_btc(5, 40'000));
  CHECK(step.state == account_state::healthy);
  CHECK(step.events.empty());
  // t=10 at 38,400: equity 10,000 - 8,000 = 2,000 < MM 2,400 (>= 2/3 MM = 1,600):
  // liquidation; notional 192,000 > 100,000 -> 20% slice, 1 BTC at 38,400, realising -1,600.
  step = account.step(10, 38'400, hyperliquid_btc(5, 38'400));
  CHECK(step.state == account_state::liquidation);
  CHECK_THAT(step.equity, dmtest::within_abs(2'000.0, 1e-9));
  REQUIRE(step.events.size() == 1);
  CHECK(step.events[0] == account_event{10, account_event_kind::partial_liquidation, 1.0, 38'400, 38'400});
  CHECK_THAT(account.position().quantity, dmtest::within_abs(4.0, 1e-15));
  CHECK_THAT(account.position().collateral, dmtest::within_abs(8'400.0, 1e-9));
  // t=20, same price: 4 BTC, MM 1,920 <= equity 2,000 < IM 3,840: margin call (entered from
  // liquidation, so no new call event).
  step = account.step(20, 38'400, hyperliquid_btc(4, 38'400));
  CHECK(step.state == account_state::margin_call);
  CHECK(step.events.empty());
  // t=25 at 38,300: equity 8,400 - 6,800 = 1,600 < MM 1,915: within the 30 s cooldown after
  // the slice, so the whole position goes; the trader keeps the 1,600.
  step = account.step(25, 38'300, hyperliquid_btc(4, 38'300));
  CHECK(step.state == account_state::liquidation);
  REQUIRE(step.events.size() == 1);
  CHECK(step.events[0] == account_event{25, account_event_kind::full_liquidation, 4.0, 38'300, 153'200});
  CHECK(account.position().quantity == 0.0);
  CHECK_THAT(account.position().collateral, dmtest::within_abs(1'600.0, 1e-9));
  step = account.step(30, 38'000, {0, 0});
  CHECK(step.state == account_state::healthy);
  CHECK(step.events.empty());
}

TEST_CASE("A slice after the cooldown, margin-call events, backstop and bad debt", "[margin][account]") {
  // Slices resume once the cooldown has passed.
  isolated_account big({10, 40'000, 12'000});
  // Equity 4,000 < MM 4,900 (>= 2/3 MM = 3,266.7): a 2 BTC slice, collateral 12,000 - 1,600.
  (void)big.step(0, 39'200, hyperliquid_btc(10, 39'200));
  CHECK(big.position().quantity == 8.0);
  CHECK_THAT(big.position().collateral, dmtest::within_abs(10'400.0, 1e-9));
  // 31 s later at 39,100: equity 10,400 - 7,200 = 3,200 < MM 3,910: another 20% slice.
  auto step = big.step(31, 39'100, hyperliquid_btc(8, 39'100));
  REQUIRE(step.events.size() == 1);
  CHECK(step.events[0].kind == account_event_kind::partial_liquidation);
  CHECK_THAT(step.events[0].quantity, dmtest::within_abs(1.6, 1e-12));

  // A margin call when equity falls below IM from healthy: top-up to IM.
  isolated_account call({1, 40'000, 2'000});
  const margin_amounts req{0.05 * 39'500, 0.025 * 39'500};
  step = call.step(0, 39'500, req);  // equity 1,500 < IM 1,975, >= MM 987.5
  CHECK(step.state == account_state::margin_call);
  REQUIRE(step.events.size() == 1);
  CHECK(step.events[0].kind == account_event_kind::margin_call);
  CHECK_THAT(step.events[0].amount, dmtest::within_abs(475.0, 1e-9));

  // A gap through 2/3 of maintenance: backstop; below zero also bad debt.
  isolated_account gap({-1, 40'000, 1'000});
  step = gap.step(0, 41'500, hyperliquid_btc(-1, 41'500));  // equity -500
  CHECK(step.state == account_state::backstop);
  REQUIRE(step.events.size() == 2);
  CHECK(step.events[0] == account_event{0, account_event_kind::backstop, 1.0, 41'500, -500});
  CHECK(step.events[1] == account_event{0, account_event_kind::bad_debt, 0.0, 41'500, 500});
  CHECK(gap.position().quantity == 0.0);
  CHECK(gap.position().collateral == 0.0);
}

TEST_CASE("The monitor rejects bad ticks unchanged and restores bit-identically", "[margin][account]") {
  isolated_account account({5, 40'000, 10'000});
  (void)account.step(0, 40'000, hyperliquid_btc(5, 40'000));
  const auto before = account.state();
  CHECK(account.step(5, std::numeric_limits<double>::quiet_NaN(), {0, 0}).result == status::non_finite_input);
  CHECK(account.step(5, -1.0, {0, 0}).result == status::invalid_argument);
  CHECK(account.step(5, 40'000, {-1, 0}).result == status::invalid_argument);
  CHECK(account.step(-5, 40'000, {0, 0}).result == status::invalid_argument);
  CHECK(account.state() == before);
  // Save mid-stream, run on, restore, run again: identical states and events.
  isolated_account copy = account;
  const std::vector<double> prices = {39'000, 38'400, 38'300, 38'350, 37'000};
  std::vector<account_event> first;
  std::vector<account_event> second;
  timestamp t = 10;
  for (double p : prices) {
    const auto s = account.step(t, p, hyperliquid_btc(account.position().quantity, p));
    first.insert(first.end(), s.events.begin(), s.events.end());
    t += 7;
  }
  const auto end_state = account.state();
  account.restore(before);
  CHECK(account.state() == copy.state());
  t = 10;
  for (double p : prices) {
    const auto s = account.step(t, p, hyperliquid_btc(account.position().quantity, p));
    second.insert(second.end(), s.events.begin(), s.events.end());
    t += 7;
  }
  CHECK(account.state() == end_state);
  CHECK(first == second);
  CHECK_FALSE(first.empty());
  REQUIRE_THROWS_WITH(isolated_account({1, -5, 0}), "isolated_account: entry_price must be finite and > 0, got -5");
  slice_schedule_config bad;
  bad.slice_fraction = 0.0;
  REQUIRE_THROWS_WITH(isolated_account({1, 5, 0}, {}, bad),
                      "isolated_account: slice_fraction must be in (0, 1], got 0");
}

TEST_CASE("Aave v3.3 close factor: 50%, 100% at HF <= 0.95 or below 2,000, dust rule", "[margin][account][aave]") {
  const aave_close_factor aave;
  aave_liquidation_request r;
  r.reserve_debt = 10'000;
  r.reserve_collateral = 10'300;
  r.total_debt = 10'000;
  r.health_factor = 0.98;
  r.debt_to_cover = std::numeric_limits<double>::infinity();
  r.liquidation_bonus = 0.05;
  // HF 0.98 > 0.95 and both legs >= 2,000: 50% of the total debt; 5,000 repaid, 5,250 seized.
  auto out = aave.liquidate(r);
  CHECK(out.outcome == aave_liquidation_outcome::executed);
  CHECK(out.max_liquidatable_debt == 5'000);
  CHECK(out.debt_repaid == 5'000);
  CHECK_THAT(out.collateral_seized, dmtest::within_rel(5'250.0, 1e-15));
  // HF exactly 0.95: 100%; the collateral caps the seizure at 10,300 = 10,300 / 1.05 of debt.
  r.health_factor = 0.95;
  out = aave.liquidate(r);
  CHECK(out.max_liquidatable_debt == 10'000);
  CHECK_THAT(out.debt_repaid, dmtest::within_rel(10'300 / 1.05, 1e-15));
  CHECK(out.collateral_seized == 10'300);
  // A reserve debt below 2,000 is fully closable at any HF < 1.
  r.health_factor = 0.99;
  r.reserve_debt = r.total_debt = 1'900;
  CHECK(aave.liquidate(r).max_liquidatable_debt == 1'900);
  // Collateral below 2,000 too.
  r.reserve_debt = r.total_debt = 10'000;
  r.reserve_collateral = 1'500;
  CHECK(aave.max_liquidatable_debt(r) == 10'000);
  // The 50% applies to the total debt: a 10,000 reserve of a 30,000 total may be repaid whole.
  r.reserve_collateral = 40'000;
  r.total_debt = 30'000;
  CHECK(aave.max_liquidatable_debt(r) == 10'000);
  // Dust: HF 0.9, repaying 9,500 of 10,000 leaves 500 < 1,000 of debt while collateral remains.
  r.total_debt = 10'000;
  r.reserve_collateral = 12'000;
  r.health_factor = 0.9;
  r.debt_to_cover = 9'500;
  CHECK(aave.liquidate(r).outcome == aave_liquidation_outcome::must_not_leave_dust);
  r.debt_to_cover = 9'000;  // leaves 1,000 of debt and 12,000 - 9,450 = 2,550 of collateral
  CHECK(aave.liquidate(r).outcome == aave_liquidation_outcome::executed);
  // Not liquidatable at HF >= 1; invalid input.
  r.health_factor = 1.0;
  CHECK(aave.liquidate(r).outcome == aave_liquidation_outcome::not_liquidatable);
  r.health_factor = 0.9;
  r.reserve_debt = 20'000;  // more than the total
  CHECK(aave.liquidate(r).outcome == aave_liquidation_outcome::invalid_input);
  // Protocol fee: 10% of the bonus part. 5,000 repaid: 5,250 gross, 250 bonus, 25 to the treasury.
  aave_close_factor_config fee;
  fee.protocol_fee = 0.1;
  aave_liquidation_request q;
  q.reserve_debt = q.total_debt = 10'000;
  q.reserve_collateral = 20'000;
  q.health_factor = 0.98;
  q.debt_to_cover = 5'000;
  q.liquidation_bonus = 0.05;
  out = aave_close_factor(fee).liquidate(q);
  CHECK_THAT(out.protocol_fee, dmtest::within_rel(25.0, 1e-12));
  CHECK_THAT(out.collateral_seized, dmtest::within_rel(5'225.0, 1e-14));
  aave_close_factor_config bad;
  bad.default_close_factor = 0.0;
  REQUIRE_THROWS_WITH(aave_close_factor(bad), "aave_close_factor: default_close_factor must be in (0, 1], got 0");
}
