// SPDX-License-Identifier: MIT
// Open-interest scaling (dYdX v4) against the documented Small-Cap example, and liquidity
// add-ons (half-spread, depth curve, order-book walk) against hand-computed ladders, used on
// their own and fed by an engine through a margin function.
#include <cmath>
#include <limits>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/liquidity.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/open_interest.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"

using namespace dynmargin;

namespace {
position_context position(double quantity, double price) {
  position_context c;
  c.price = price;
  c.quantity = quantity;
  c.notional = std::fabs(quantity) * price;
  return c;
}
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST_CASE("dYdX Small-Cap: IMF 10%, caps 20M-50M, 35M of open interest gives 55%", "[margin][oi]") {
  // dYdX v4 liquidity_tier.go GetInitialMarginQuoteQuantums.
  open_interest_scaling_policy oi;  // defaults are the Small-Cap tier, f = 0.5
  // (35M - 20M) / (50M - 20M) = 0.5; 0.1 + 0.5 * 0.9 = 0.55 (hand computation, exact in binary
  // to within one rounding).
  CHECK_THAT(oi.effective_initial_fraction(35'000'000), dmtest::within_abs(0.55, 1e-15));
  CHECK(oi.effective_initial_fraction(20'000'000) == 0.1);
  CHECK(oi.effective_initial_fraction(5'000'000) == 0.1);
  CHECK(oi.effective_initial_fraction(0) == 0.1);
  CHECK(oi.effective_initial_fraction(50'000'000) == 1.0);
  CHECK(oi.effective_initial_fraction(80'000'000) == 1.0);
  CHECK_THAT(oi.maintenance_fraction(), dmtest::within_abs(0.05, 1e-17));
  // Continuous and monotone in open interest.
  double previous = oi.effective_initial_fraction(0);
  for (double x = 0; x <= 60e6; x += 10'000) {
    const double f = oi.effective_initial_fraction(x);
    CHECK(f >= previous);
    CHECK(f - previous <= 0.9 * 10'000 / 30e6 + 1e-12);  // slope (1 - IMF) / (U - L)
    previous = f;
  }
  // As a policy: 1M notional with 35M of open interest: IM 550,000, MM 50,000 (not scaled).
  REQUIRE(oi.set_open_interest(35'000'000) == status::ok);
  const margin_amounts out = oi.apply(position(20, 50'000), {30'000, 15'000});
  CHECK_THAT(out.initial, dmtest::within_rel(550'000.0, 1e-15));
  CHECK_THAT(out.maintenance, dmtest::within_rel(50'000.0, 1e-15));
  // Bad open interest is refused and the last value kept.
  CHECK(oi.set_open_interest(not_a_number) == status::non_finite_input);
  CHECK(oi.set_open_interest(-1) == status::invalid_argument);
  CHECK(oi.open_interest() == 35'000'000);
  CHECK(oi.name() == "oi_scaling");
}

TEST_CASE("OI scaling of the incoming amount agrees with a configured base of the same fraction", "[margin][oi]") {
  open_interest_scaling_policy_config config;
  config.base = oi_base::incoming;
  open_interest_scaling_policy incoming(config);
  REQUIRE(incoming.set_open_interest(35'000'000) == status::ok);
  // Incoming IM 10% of 1M: 100,000 + 0.5 * 900,000 = 550,000, maintenance untouched.
  const margin_amounts out = incoming.apply(position(-20, 50'000), {100'000, 40'000});
  CHECK_THAT(out.initial, dmtest::within_rel(550'000.0, 1e-15));
  CHECK(out.maintenance == 40'000);
  REQUIRE(incoming.set_open_interest(10'000'000) == status::ok);
  CHECK(incoming.apply(position(-20, 50'000), {100'000, 40'000}) == margin_amounts{100'000, 40'000});
  // Equal caps (dYdX allows lower == upper): a step to 100% at the cap.
  config.lower_cap = config.upper_cap = 30'000'000;
  config.base = oi_base::configured;
  const open_interest_scaling_policy step(config);
  CHECK(step.effective_initial_fraction(29'999'999) == 0.1);
  CHECK(step.effective_initial_fraction(30'000'000) == 1.0);
}

TEST_CASE("OI scaling rejects bad parameters naming field and value", "[margin][oi]") {
  open_interest_scaling_policy_config bad;
  bad.lower_cap = 60'000'000;
  REQUIRE_THROWS_WITH(open_interest_scaling_policy(bad),
                      "oi_scaling: lower_cap must not exceed upper_cap (5e+07), got 6e+07");
  bad = {};
  bad.initial_fraction = 0.0;
  REQUIRE_THROWS_WITH(open_interest_scaling_policy(bad), "oi_scaling: initial_fraction must be in (0, 1], got 0");
  bad = {};
  bad.maintenance_fraction = 1.5;
  REQUIRE_THROWS_WITH(open_interest_scaling_policy(bad), "oi_scaling: maintenance_fraction must be in [0, 1], got 1.5");
  bad = {};
  bad.upper_cap = -1;
  REQUIRE_THROWS_WITH(open_interest_scaling_policy(bad), "oi_scaling: upper_cap must be finite and > 0, got -1");
}

TEST_CASE("Half-spread and depth-curve add-ons", "[margin][liquidity]") {
  const half_spread_addon_policy spread(0.0005);
  // 40 BTC at 50,000 = 2M notional: 0.05% = 1,000 added to both amounts.
  const margin_amounts out = spread.apply(position(40, 50'000), {100'000, 50'000});
  CHECK_THAT(out.initial, dmtest::within_rel(101'000.0, 1e-15));
  CHECK_THAT(out.maintenance, dmtest::within_rel(51'000.0, 1e-15));
  half_spread_addon_policy_config half{0.0005, 0.5};
  CHECK_THAT(half_spread_addon_policy(half).apply(position(40, 50'000), {0, 0}).maintenance,
             dmtest::within_rel(500.0, 1e-15));
  REQUIRE_THROWS_WITH(half_spread_addon_policy(-0.001), "liquidity: half_spread must be in [0, 1], got -0.001");

  depth_curve_addon_policy_config config;
  config.half_spread = 0.0002;
  config.coefficient = 0.01;
  config.exponent = 0.5;
  config.depth = 100;  // BTC
  const depth_curve_addon_policy curve(config);
  // 25 BTC at 40,000: rate 0.0002 + 0.01 * sqrt(25/100) = 0.0052; on 1M, 5,200.
  CHECK_THAT(curve.cost_rate(25), dmtest::within_rel(0.0052, 1e-14));
  CHECK_THAT(curve.apply(position(-25, 40'000), {0, 0}).initial, dmtest::within_rel(5'200.0, 1e-14));
  config.exponent = 3.0;
  REQUIRE_THROWS_WITH(depth_curve_addon_policy(config), "depth_curve: exponent must be in (0, 2], got 3");
}

TEST_CASE("Order-book walk against mid on a hand-computed ladder", "[margin][liquidity][book]") {
  const std::vector<book_level> bids = {{99.9, 10}, {99.8, 20}, {99.5, 50}};
  const std::vector<book_level> asks = {{100.1, 5}, {100.3, 15}, {101.0, 100}};
  const order_book_addon_policy book(order_book_addon_policy_config{}, bids, asks);
  CHECK(book.mid(0.0) == 100.0);
  // Long 25 sells 10 @ 99.9 and 15 @ 99.8: 10 * 0.1 + 15 * 0.2 = 4.0.
  const close_out_cost long_cost = book.close_out(25, 100.0);
  CHECK_THAT(long_cost.cost, dmtest::within_abs(4.0, 1e-12));
  CHECK(long_cost.complete);
  CHECK(long_cost.filled == 25);
  // Short 30 buys 5 @ 100.1, 15 @ 100.3, 10 @ 101.0: 0.5 + 4.5 + 10 = 15.0.
  CHECK_THAT(book.close_out(-30, 100.0).cost, dmtest::within_abs(15.0, 1e-12));
  // Long 100 exhausts the bids (80): 1 + 4 + 25 = 30, the other 20 at the thin-book rate
  // (100% of mid = 100 each): 2,000. Total 2,030, incomplete.
  const close_out_cost thin = book.close_out(100, 100.0);
  CHECK_THAT(thin.cost, dmtest::within_abs(2'030.0, 1e-10));
  CHECK(thin.unfilled == 20);
  CHECK_FALSE(thin.complete);
  // With thin_book_rate 0 the rest is charged at the worst level's distance (0.5): 30 + 10.
  order_book_addon_policy_config lenient;
  lenient.thin_book_rate = 0.0;
  CHECK_THAT(order_book_addon_policy(lenient, bids, asks).close_out(100, 100.0).cost, dmtest::within_abs(40.0, 1e-10));
  // As a policy the cost is added to both amounts.
  const margin_amounts out = book.apply(position(25, 100.0), {250, 125});
  CHECK_THAT(out.initial, dmtest::within_abs(254.0, 1e-12));
  CHECK_THAT(out.maintenance, dmtest::within_abs(129.0, 1e-12));
  CHECK(book.name() == "order_book");
}

TEST_CASE("A one-level book at mid +/- h reproduces the half-spread add-on", "[margin][liquidity][book]") {
  const std::vector<book_level> bids = {{99.95, 1e6}};
  const std::vector<book_level> asks = {{100.05, 1e6}};
  const order_book_addon_policy book(order_book_addon_policy_config{}, bids, asks);
  const half_spread_addon_policy spread(0.0005);  // 0.05 / 100
  for (double q : {-50.0, -1.0, 3.0, 50.0}) {
    const auto c = position(q, 100.0);
    CHECK_THAT(book.apply(c, {0, 0}).initial, dmtest::within_rel(spread.apply(c, {0, 0}).initial, 1e-12));
  }
}

TEST_CASE("Order-book updates are validated and keep the old snapshot on error", "[margin][liquidity][book]") {
  order_book_addon_policy_config config;
  config.max_levels = 3;
  order_book_addon_policy book(config);
  // No book yet: the whole position is unfilled and charged at thin_book_rate * price.
  CHECK_THAT(book.apply(position(2, 100.0), {0, 0}).initial, dmtest::within_abs(200.0, 1e-12));
  const std::vector<book_level> bids = {{99.9, 10}};
  const std::vector<book_level> asks = {{100.1, 10}};
  REQUIRE(book.update_book(bids, asks) == status::ok);
  const std::vector<book_level> crossed = {{100.2, 10}};
  CHECK(book.update_book(crossed, asks) == status::invalid_argument);
  const std::vector<book_level> unsorted = {{99.9, 10}, {99.95, 1}};
  CHECK(book.update_book(unsorted, asks) == status::invalid_argument);
  const std::vector<book_level> nan_size = {{99.9, not_a_number}};
  CHECK(book.update_book(nan_size, asks) == status::non_finite_input);
  const std::vector<book_level> too_many = {{99.9, 1}, {99.8, 1}, {99.7, 1}, {99.6, 1}};
  CHECK(book.update_book(too_many, asks) == status::invalid_argument);
  REQUIRE(book.bids().size() == 1);
  CHECK(book.bids()[0] == book_level{99.9, 10});
  // A copy keeps the snapshot and accepts updates of up to max_levels.
  order_book_addon_policy copy = book;
  CHECK(copy.bids()[0] == book_level{99.9, 10});
  const std::vector<book_level> three = {{99.9, 1}, {99.8, 1}, {99.7, 1}};
  CHECK(copy.update_book(three, asks) == status::ok);
  CHECK(book.bids().size() == 1);
  // Constructor messages name the side, level and field.
  const std::vector<book_level> rising = {{99.9, 10}, {100.0, 5}};
  REQUIRE_THROWS_WITH(order_book_addon_policy(order_book_addon_policy_config{}, rising, asks),
                      "order_book: bids[1].price must be below bids[0].price (99.9), got 100");
  const std::vector<book_level> zero = {{100.1, 0}};
  REQUIRE_THROWS_WITH(order_book_addon_policy(order_book_addon_policy_config{}, bids, zero),
                      "order_book: asks[0].size must be finite and > 0, got 0");
  REQUIRE_THROWS_WITH(order_book_addon_policy(order_book_addon_policy_config{}, crossed, asks),
                      "order_book: bids[0].price must be below asks[0].price (100.1), got 100.2");
}

TEST_CASE("An engine feeds open interest and the order book through the margin function", "[margin][oi][book]") {
  // A quiet market (EWMA with a given variance, no returns yet): the risk-based rate is small,
  // so the dYdX Small-Cap scaling and the book add-on are what the quote shows.
  ewma_volatility_config vol;
  vol.lambda = decay_factor(0.94);
  vol.start = ewma_start::given;
  vol.initial_variance = 1e-6;
  margin_function_config config;
  config.min_returns = 0;
  margin_function fn(config, ewma_volatility(vol), parametric_risk(), floor_policy(0.01),
                     open_interest_scaling_policy(), order_book_addon_policy());
  REQUIRE(fn.update(0, 100.0) == status::ok);
  REQUIRE(fn.ready());

  // No open interest set: the policy's own value (0) applies, so the base IMF of 10% binds.
  CHECK_FALSE(fn.open_interest().has_value());
  const double empty_book_addon = 1.0;  // no book: the unfilled position is charged in full
  auto q = fn.quote(-10.0);
  CHECK_THAT(q.breakdown[1].initial_after, dmtest::within_rel(0.10, 1e-15));
  CHECK_THAT(q.initial_rate, dmtest::within_rel(0.10 + empty_book_addon, 1e-15));

  // 35M of open notional: (35 - 20) / (50 - 20) = 0.5 of the way from 10% to 100%: 55%.
  REQUIRE(fn.set_open_interest(35'000'000) == status::ok);
  CHECK(fn.open_interest() == 35'000'000.0);
  q = fn.quote(-10.0);
  CHECK_THAT(q.breakdown[1].initial_after, dmtest::within_abs(0.55, 1e-15));
  CHECK(q.breakdown[1].binding);

  // The book, fed through policy<2>(): bids 99.9 x 4 and 99.5 x 10, asks 100.1 x 4 and
  // 100.5 x 10 (mid 100). Closing a short of 10 buys 4 at 0.1 and 6 at 0.5 above mid:
  // 0.4 + 3.0 = 3.4 on a notional of 1,000, an add-on of 0.34%. (A short, because a long's
  // requirement is capped at its notional, which the empty-book charge would reach.)
  const std::vector<book_level> bids{{99.9, 4.0}, {99.5, 10.0}};
  const std::vector<book_level> asks{{100.1, 4.0}, {100.5, 10.0}};
  REQUIRE(fn.policy<2>().update_book(bids, asks) == status::ok);
  q = fn.quote(-10.0);
  CHECK_THAT(q.initial_amount, dmtest::within_rel(550.0 + 3.4, 1e-12));
  CHECK_THAT(q.breakdown[2].initial_after - q.breakdown[2].initial_before, dmtest::within_rel(0.0034, 1e-12));

  // The open interest is part of the saved state; the book is market input, not state.
  const auto saved = fn.state();
  REQUIRE(fn.set_open_interest(50'000'000) == status::ok);
  CHECK_THAT(fn.quote(-10.0).breakdown[1].initial_after, dmtest::within_abs(1.0, 1e-15));
  fn.restore(saved);
  CHECK(fn.open_interest() == 35'000'000.0);
  CHECK_THAT(fn.quote(-10.0).breakdown[1].initial_after, dmtest::within_abs(0.55, 1e-15));

  // Bad open interest changes nothing.
  CHECK(fn.set_open_interest(not_a_number) == status::non_finite_input);
  CHECK(fn.set_open_interest(-1.0) == status::invalid_argument);
  CHECK(fn.open_interest() == 35'000'000.0);
}
