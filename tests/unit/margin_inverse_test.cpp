// SPDX-License-Identifier: MIT
// Inverse (coin-margined) contracts: equity against BitMEX's PnL formula, notional and
// maintenance against Binance's COIN-M FAQ, the liquidation price against a Binance COIN-M
// example (forum figures and the calculator's), bracket substitution at the liquidation price,
// and the identities equity(LP) = MM(LP), equity(BP) = 0, monotonicity and the empty cases.
#include <cmath>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/account.hpp"  // the linear overloads must coexist with the inverse ones
#include "dynmargin/margin/inverse.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_value = std::numeric_limits<double>::infinity();

// Binance COIN-M BTCUSD perpetual brackets (coin notional, BTC), FAQ "Leverage and Margin in
// Coin-Margined Futures Contracts" (binance.com/en-NG/support/faq/be2c7d9d95b04a7e8044ed02dd7dfe5c,
// 2021): max position 5 / 10 / 20 / 50 / 100 / 200 / 400 BTC at 125x / 100x / 50x / 20x / 10x /
// 5x / 4x. The page's excerpt shows only the initial rates; the maintenance rates are half of
// them (0.4% ... 12.5%), as on USDⓈ-M. The FAQ "How to Calculate Liquidation Price of COIN-M
// Futures Contracts" (binance.com/en/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46) pins them:
// "if the BTCUSD contract position is 300 BTC, the Maintenance Margin Rate would be 12.5%" and
// "the Maintenance Amount would be 11.605 BTC", which the derived deduction must reproduce.
size_tiers_policy binance_btcusd_perpetual() {
  return size_tiers_policy(std::vector<tier_bracket>{{5, 125, 0.004},
                                                     {10, 100, 0.005},
                                                     {20, 50, 0.01},
                                                     {50, 20, 0.025},
                                                     {100, 10, 0.05},
                                                     {200, 5, 0.10},
                                                     {400, 4, 0.125}});
}

// Binance's COIN-M isolated one-way formula (TMM = 0, UPNL = 0) with S = |contracts| * CM:
//   LP = (S * MMR + side * S) / (WB + cum + side * S / EP).
double binance_coinm_lp(double wb, double cum, int side, double size, double ep, double mmr) {
  const double s = side;
  return (size * mmr + s * size) / (wb + cum + s * size / ep);
}

}  // namespace

static_assert(noexcept(equity(std::declval<const inverse_position&>(), 1.0)));
static_assert(noexcept(bankruptcy_price(std::declval<const inverse_position&>())));
static_assert(noexcept(liquidation_price(std::declval<const inverse_position&>(), 0.005)));
static_assert(noexcept(liquidation_price(std::declval<const inverse_position&>(),
                                         std::declval<const size_tiers_policy&>())));
// 10,000 USD long from 8,000 to 10,000: 10,000 * 2,000 / (8,000 * 10,000) = 0.25 BTC, exactly.
static_assert(equity(inverse_position{10'000, 1, 8'000, 0.5}, 10'000) == 0.75);

TEST_CASE("Inverse equity follows BitMEX's PnL formula", "[margin][inverse][bitmex]") {
  // BitMEX XBTUSD guide (bitmex.com/app/inversePerpetualsGuide): multiplier 1 USD,
  // PnL = contracts * multiplier * (1/entry - 1/exit), in XBT. Long 10,000 at 8,000 closed at
  // 10,000: 10,000 * (1/8,000 - 1/10,000) = 1.25 - 1 = 0.25 XBT; the short loses the same.
  const inverse_position long_position{10'000, 1, 8'000, 0.1};
  const inverse_position short_position{-10'000, 1, 8'000, 0.1};
  CHECK_THAT(equity(long_position, 10'000), dmtest::within_rel(0.35, 1e-15));
  CHECK_THAT(equity(short_position, 10'000), dmtest::within_rel(-0.15, 1e-15));
  // Down to 5,000: the long loses 10,000 * (1/5,000 - 1/8,000) = 0.75 XBT, more than the 0.25
  // it makes on the same 2,000 move up: PnL in the coin is convex in 1/P.
  CHECK_THAT(equity(long_position, 5'000), dmtest::within_rel(0.1 - 0.75, 1e-15));
  CHECK(equity(long_position, 8'000) == 0.1);
  // Face value scales the exposure: 1,000 Deribit contracts (10 USD) = 10,000 BitMEX contracts.
  CHECK(equity(inverse_position{1'000, 10, 8'000, 0.1}, 10'000) == equity(long_position, 10'000));
}

TEST_CASE("Coin notional and maintenance follow Binance's COIN-M FAQ", "[margin][inverse][binance]") {
  // FAQ example: 100 BTCUSD contracts (100 USD each) at a mark of 25,000:
  // notional 100 * 100 / 25,000 = 0.4 BTC, level 1, MM = 0.4 * 0.4% - 0 = 0.0016 BTC.
  const inverse_position p{-100, 100, 30'000, 0.01};
  CHECK(quote_notional(p) == 10'000.0);
  CHECK_THAT(coin_notional(p, 25'000), dmtest::within_rel(0.4, 1e-15));
  const size_tiers_policy tiers = binance_btcusd_perpetual();
  CHECK_THAT(tiers.maintenance_amount(coin_notional(p, 25'000)), dmtest::within_rel(0.0016, 1e-14));
  // FAQ: 300 BTC is in the 12.5% level with a maintenance amount of 11.605 BTC.
  const tier_row& row = tiers.row(tiers.bracket_index(300));
  CHECK(row.maintenance_rate == 0.125);
  CHECK_THAT(row.maintenance_deduction, dmtest::within_rel(11.605, 1e-14));
}

TEST_CASE("Bankruptcy price of inverse positions", "[margin][inverse]") {
  // Deribit face value 10 USD: 1,000 contracts = 10,000 USD at 50,000, i.e. 0.2 BTC.
  // 10x long (C = 0.02): 10,000 / (0.02 + 0.2) = 45,454.54...; 10x short: 10,000 / 0.18.
  CHECK_THAT(*bankruptcy_price({1'000, 10, 50'000, 0.02}), dmtest::within_rel(10'000.0 / 0.22, 1e-15));
  CHECK_THAT(*bankruptcy_price({-1'000, 10, 50'000, 0.02}), dmtest::within_rel(10'000.0 / 0.18, 1e-15));
  // A 1x long goes bankrupt at half its entry (its coin collateral halves in USD as its USD
  // exposure doubles in coin); a 1x short never does (its equity is S / P > 0).
  CHECK(*bankruptcy_price({1'000, 10, 50'000, 0.2}) == 25'000.0);
  CHECK_FALSE(bankruptcy_price({-1'000, 10, 50'000, 0.2}).has_value());
  CHECK_FALSE(bankruptcy_price({-1'000, 10, 50'000, 0.3}).has_value());
  // Just under 1x the short still has one, far away: 10,000 / (0.2 - 0.19).
  CHECK_THAT(*bankruptcy_price({-1'000, 10, 50'000, 0.19}), dmtest::within_rel(1'000'000.0, 1e-12));
  // A long with no collateral is bankrupt at its entry.
  CHECK_THAT(*bankruptcy_price({1'000, 10, 50'000, 0.0}), dmtest::within_rel(50'000.0, 1e-15));

  // equity(BP) = 0, to 1e-12 of the position's coin value at entry, across sizes, face values,
  // leverages and both sides.
  int checked = 0;
  for (double face : {1.0, 10.0, 100.0}) {
    for (double contracts = 3.0; contracts <= 3e6; contracts *= 7.0) {
      for (double leverage : {1.2, 2.0, 5.0, 25.0, 125.0}) {
        for (int side : {1, -1}) {
          const double entry = 43'210.5;
          const inverse_position p{side * contracts, face, entry, contracts * face / entry / leverage};
          const auto bp = bankruptcy_price(p);
          INFO("face " << face << " contracts " << contracts << " leverage " << leverage << " side " << side);
          REQUIRE(bp.has_value());
          CHECK_THAT(equity(p, *bp), dmtest::within_abs(0.0, 1e-12 * coin_notional(p, entry)));
          CHECK((side > 0 ? *bp < entry : *bp > entry));
          ++checked;
        }
      }
    }
  }
  CHECK(checked == 3 * 8 * 5 * 2);
}

TEST_CASE("Binance COIN-M liquidation price: a published example", "[margin][inverse][binance]") {
  // dev.binance.vision/t/coin-margined-futures-liquidation-price-calculation-help-cm-variable/6292:
  // wallet balance 101 BTC, long 100,000 BTCUSD contracts (CM 100 USD, 10,000,000 USD) at
  // 45,000. The poster's code, with MMR 12.5% and cum 11.81 BTC (the FAQ's older figure for
  // 300 BTC), gives 33,578.859744834; Binance's calculator shows 33,599.40.
  const inverse_position p{100'000, 100, 45'000, 101};
  const double size = 10'000'000;
  // The poster's figure is the COIN-M formula: 1.125e7 / (101 + 11.81 + 222.2...).
  CHECK_THAT(binance_coinm_lp(101, 11.81, 1, size, 45'000, 0.125), dmtest::within_rel(33'578.859744834, 1e-13));
  CHECK_THAT(*liquidation_price(p, 0.125, 11.81), dmtest::within_rel(33'578.859744834, 1e-13));
  // The calculator uses the current table (cum 11.605 at 12.5%): 1.125e7 / 334.8272... =
  // 33,599.4186, shown as 33,599.40 (a 0.1 USD display step); the old cum misses by 20.5 USD.
  const size_tiers_policy tiers = binance_btcusd_perpetual();
  const double lp = *liquidation_price(p, tiers);
  CHECK_THAT(lp, dmtest::within_abs(33'599.40, 0.05));
  CHECK_THAT(lp, dmtest::within_rel(binance_coinm_lp(101, 11.605, 1, size, 45'000, 0.125), 1e-14));
  // The notional at the liquidation price, 297.6 BTC, is in the 200-400 BTC level.
  CHECK(tiers.bracket_index(coin_notional(p, lp)) == 6);
}

TEST_CASE("Tiered inverse liquidation price substitutes the bracket at the liquidation price",
          "[margin][inverse][binance]") {
  const size_tiers_policy tiers = binance_btcusd_perpetual();
  // Long 9,000 contracts (900,000 USD) at 50,000 with 3.6 BTC (5x): 18 BTC at entry, level 3
  // (1%, cum 0.055). Solved there the price is 41,976.45, where the notional is 21.44 BTC:
  // level 4 (2.5%, cum 0.355) applies, LP = 922,500 / (3.6 + 0.355 + 18) = 42,017.76...
  const inverse_position long_position{9'000, 100, 50'000, 3.6};
  CHECK(tiers.bracket_index(coin_notional(long_position, 50'000)) == 2);
  const double wrong_long = binance_coinm_lp(3.6, 0.055, 1, 900'000, 50'000, 0.01);
  CHECK(900'000 / wrong_long > 20);
  CHECK_THAT(*liquidation_price(long_position, tiers), dmtest::within_rel(922'500.0 / 21.955, 1e-14));
  // Short 22,000 contracts (2,200,000 USD) at 100,000 with 4.4 BTC (5x): 22 BTC at entry,
  // level 4. Solved there the price is 124,383.88 (17.69 BTC): level 3 applies,
  // LP = 2,200,000 * 0.99 / (22 - 4.4 - 0.055) = 2,178,000 / 17.545 = 124,137.93...
  const inverse_position short_position{-22'000, 100, 100'000, 4.4};
  CHECK(tiers.bracket_index(coin_notional(short_position, 100'000)) == 3);
  const double wrong_short = binance_coinm_lp(4.4, 0.355, -1, 2'200'000, 100'000, 0.025);
  CHECK(2'200'000 / wrong_short < 20);
  CHECK_THAT(*liquidation_price(short_position, tiers), dmtest::within_rel(2'178'000.0 / 17.545, 1e-14));
  // A short at 1x has no liquidation price, tiered or flat; a long at 1x does.
  CHECK_FALSE(liquidation_price(inverse_position{-22'000, 100, 100'000, 22}, tiers).has_value());
  CHECK_FALSE(liquidation_price(inverse_position{-22'000, 100, 100'000, 22}, 0.005).has_value());
  CHECK(liquidation_price(inverse_position{22'000, 100, 100'000, 22}, tiers).has_value());
}

TEST_CASE("Inverse liquidation price solves equity = maintenance", "[margin][inverse]") {
  const size_tiers_policy tiers = binance_btcusd_perpetual();
  int checked = 0;
  for (double face : {1.0, 10.0, 100.0}) {
    for (double usd = 2'000; usd <= 4e7; usd *= 3.1) {
      for (double leverage : {1.5, 3.0, 10.0, 50.0, 100.0}) {
        const double entry = 38'765.25;
        const double coin = usd / entry;
        if (leverage > tiers.row(tiers.bracket_index(coin)).max_leverage) continue;
        for (int side : {1, -1}) {
          const inverse_position p{side * usd / face, face, entry, coin / leverage};
          INFO("face " << face << " usd " << usd << " leverage " << leverage << " side " << side);
          // Flat rate with a deduction: equity(LP) = m S / LP - D to 1e-12.
          const double m = 0.005;
          const double d = 0.0001 * coin;
          const auto flat = liquidation_price(p, m, d);
          REQUIRE(flat.has_value());
          CHECK_THAT(equity(p, *flat), dmtest::within_rel(m * usd / *flat - d, 1e-12));
          // Tiered: equity(LP) = MM(S / LP) to 1e-12, and LP between bankruptcy and entry.
          const auto lp = liquidation_price(p, tiers);
          REQUIRE(lp.has_value());
          CHECK_THAT(equity(p, *lp), dmtest::within_rel(tiers.maintenance_amount(coin_notional(p, *lp)), 1e-12));
          const double bankrupt = *bankruptcy_price(p);
          if (side > 0) {
            CHECK(*lp > bankrupt);
            CHECK(*lp < entry);
          } else {
            CHECK(*lp < bankrupt);
            CHECK(*lp > entry);
          }
          ++checked;
        }
      }
    }
  }
  CHECK(checked >= 100);
}

TEST_CASE("Inverse liquidation price moves the right way", "[margin][inverse]") {
  // Long 50,000 USD (5,000 Deribit contracts) at 40,000: more collateral moves the
  // liquidation price down, a higher maintenance rate moves it up; the short mirrors it.
  const size_tiers_policy tiers = binance_btcusd_perpetual();
  double previous_long = inf_value;
  double previous_short = 0.0;
  double previous_tiered = inf_value;
  for (double collateral = 0.02; collateral <= 1.2; collateral += 0.05) {
    const double long_lp = *liquidation_price(inverse_position{5'000, 10, 40'000, collateral}, 0.005);
    const double tiered = *liquidation_price(inverse_position{5'000, 10, 40'000, collateral}, tiers);
    CHECK(long_lp < previous_long);
    CHECK(tiered < previous_tiered);
    previous_long = long_lp;
    previous_tiered = tiered;
    // The short stays below 1x (1.25 BTC), where it would have no liquidation price.
    const double short_lp = *liquidation_price(inverse_position{-5'000, 10, 40'000, collateral}, 0.005);
    CHECK(short_lp > previous_short);
    previous_short = short_lp;
  }
  const inverse_position p{5'000, 10, 40'000, 0.25};
  CHECK(*liquidation_price(p, 0.01) > *liquidation_price(p, 0.005));
  CHECK(*liquidation_price(p, 0.005) > *bankruptcy_price(p));
  // A long collateralised at 2x the coin value still liquidates: S (1 + m) / (3 S / E).
  CHECK_THAT(*liquidation_price(inverse_position{5'000, 10, 40'000, 2.5}, 0.005),
             dmtest::within_rel(40'000 * 1.005 / 3, 1e-15));
}

TEST_CASE("Inverse prices are empty for unusable input", "[margin][inverse]") {
  const size_tiers_policy tiers = binance_btcusd_perpetual();
  const std::vector<inverse_position> bad{
      {0, 10, 40'000, 0.1},          {-0.0, 10, 40'000, 0.1},   {nan_value, 10, 40'000, 0.1},
      {inf_value, 10, 40'000, 0.1},  {100, 0, 40'000, 0.1},     {100, -10, 40'000, 0.1},
      {100, nan_value, 40'000, 0.1}, {100, 10, 0, 0.1},         {100, 10, -40'000, 0.1},
      {100, 10, nan_value, 0.1},     {100, 10, inf_value, 0.1}, {100, 10, 40'000, nan_value},
      {100, 10, 40'000, -inf_value}, {100, -10, 40'000, 0.001}};  // without the face-value check this reads as a 25x
                                                                  // short with prices
  for (const inverse_position& p : bad) {
    INFO("contracts " << p.contracts << " value " << p.contract_value << " entry " << p.entry_price << " collateral "
                      << p.collateral);
    CHECK_FALSE(bankruptcy_price(p).has_value());
    CHECK_FALSE(liquidation_price(p, 0.005).has_value());
    CHECK_FALSE(liquidation_price(p, tiers).has_value());
  }
  const inverse_position good{100, 10, 40'000, 0.01};
  REQUIRE(liquidation_price(good, 0.005).has_value());
  CHECK_FALSE(liquidation_price(good, nan_value).has_value());
  CHECK_FALSE(liquidation_price(good, inf_value).has_value());
  CHECK_FALSE(liquidation_price(good, 0.005, nan_value).has_value());
  // A short whose collateral plus maintenance amount covers its coin value: no price.
  CHECK_FALSE(liquidation_price(inverse_position{-100, 10, 40'000, 0.02}, 0.005, 0.01).has_value());
  CHECK(liquidation_price(inverse_position{-100, 10, 40'000, 0.02}, 0.005, 0.0).has_value());
  // A long whose negative collateral wipes out its coin value: no price.
  CHECK_FALSE(bankruptcy_price(inverse_position{100, 10, 40'000, -0.025}).has_value());
}
