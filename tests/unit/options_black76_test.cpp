// SPDX-License-Identifier: MIT
// Black-76 prices and Greeks, the implied-volatility solver and coin-settled options, against
// a published value (Haug), put-call parity, finite differences of the price, and round trips.
#include <dynmargin/options/black76.hpp>
#include <dynmargin/options/implied_volatility.hpp>
#include <dynmargin/options/inverse_option.hpp>

#include <array>
#include <cmath>
#include <string>

#include "catch.hpp"
#include "error_message.hpp"

namespace dm = dynmargin;

namespace {

dm::black76_inputs inputs(dm::option_type type, double forward, double strike, double vol, double years,
                          double rate = 0.0) {
  return {type, forward, strike, vol, years, rate};
}

// Central difference of the price in one input.
template <class Bump>
double central_difference(dm::black76_inputs in, double step, Bump bump) {
  dm::black76_inputs up = in;
  dm::black76_inputs down = in;
  bump(up, step);
  bump(down, -step);
  return (dm::black76_price(up) - dm::black76_price(down)) / (2.0 * step);
}

}  // namespace

TEST_CASE("black76: Haug's published example, F = K = 19, T = 0.75, r = 10%, sigma = 28%", "[options]") {
  // E. G. Haug, The Complete Guide to Option Pricing Formulas, 2nd ed. (2007), section 1.1.5:
  // call = put = 1.7011 (4 decimals printed).
  for (const auto type : {dm::option_type::call, dm::option_type::put}) {
    const double price = dm::black76_price(inputs(type, 19.0, 19.0, 0.28, 0.75, 0.10));
    CHECK(std::abs(price - 1.7011) < 0.5e-4);
  }
}

TEST_CASE("black76: put-call parity C - P = e^{-rT} (F - K) to 1e-12", "[options]") {
  for (const double strike : {40'000.0, 60'000.0, 66'000.0, 90'000.0}) {
    for (const double vol : {0.2, 0.6, 1.5}) {
      const auto call = dm::black76(inputs(dm::option_type::call, 66'342.3, strike, vol, 0.3, 0.05));
      const auto put = dm::black76(inputs(dm::option_type::put, 66'342.3, strike, vol, 0.3, 0.05));
      const double discount = std::exp(-0.05 * 0.3);
      CHECK(std::abs((call.price - put.price) - discount * (66'342.3 - strike)) < 1e-12 * 66'342.3);
      CHECK(std::abs((call.delta - put.delta) - discount) < 1e-12);
      CHECK_THAT(call.gamma, dmtest::within_rel(put.gamma, 1e-12));
      CHECK_THAT(call.vega, dmtest::within_rel(put.vega, 1e-12));
    }
  }
}

TEST_CASE("black76: Greeks equal central differences of the price", "[options]") {
  // Step sizes balance truncation (h^2) and rounding (eps/h); the tolerance 1e-6 relative
  // is two orders above what both leave.
  for (const auto type : {dm::option_type::call, dm::option_type::put}) {
    for (const double strike : {55'000.0, 66'000.0, 80'000.0}) {
      const auto in = inputs(type, 66'342.3, strike, 0.63, 0.1, 0.03);
      const auto g = dm::black76(in);
      const double delta = central_difference(in, 1e-2, [](auto& x, double h) { x.forward += h; });
      const double vega = central_difference(in, 1e-6, [](auto& x, double h) { x.volatility += h; });
      const double d_dtime = central_difference(in, 1e-7, [](auto& x, double h) { x.time_to_expiry += h; });
      const double h = 1.0;
      auto up = in;
      auto down = in;
      up.forward += h;
      down.forward -= h;
      const double gamma = (dm::black76_price(up) - 2.0 * g.price + dm::black76_price(down)) / (h * h);
      CHECK_THAT(g.delta, dmtest::within_rel(delta, 1e-6));
      CHECK_THAT(g.vega, dmtest::within_rel(vega, 1e-6));
      CHECK_THAT(g.theta, dmtest::within_rel(-d_dtime, 1e-6));  // theta: calendar time passing shortens T
      CHECK_THAT(g.gamma, dmtest::within_rel(gamma, 1e-5));
      CHECK(g.vega_per_point() == g.vega / 100.0);
      CHECK(g.theta_per_day() == g.theta / 365.0);
      CHECK(g.theta_per_day(dm::year_basis::trading_252) == g.theta / 252.0);
    }
  }
}

TEST_CASE("black76: bad inputs name the parameter and the value", "[options]") {
  using dmtest::contains;
  CHECK_THROWS_MATCHES(dm::black76(inputs(dm::option_type::call, 66'000.0, 60'000.0, 0.0, 0.1), "BTC-13MAR26-60000-C"),
                       dm::invalid_argument,
                       Catch::Matchers::Message("BTC-13MAR26-60000-C: volatility must be finite and > 0, got 0"));
  CHECK_THROWS_WITH(dm::black76(inputs(dm::option_type::call, 66'000.0, 60'000.0, -0.5, 0.1)),
                    contains("volatility must be finite and > 0, got -0.5"));
  CHECK_THROWS_WITH(dm::black76(inputs(dm::option_type::put, -1.0, 60'000.0, 0.5, 0.1)),
                    contains("forward must be finite and > 0, got -1"));
  CHECK_THROWS_WITH(dm::black76(inputs(dm::option_type::put, 66'000.0, std::nan(""), 0.5, 0.1)),
                    contains("strike must be finite and > 0, got nan"));
  CHECK_THROWS_WITH(dm::black76(inputs(dm::option_type::put, 66'000.0, 60'000.0, 0.5, 0.0)),
                    contains("time_to_expiry must be finite and > 0 (the option has expired), got 0"));
  const dm::timestamp_us now{std::chrono::seconds(1'772'372'940)};
  const dm::timestamp_us expiry{std::chrono::seconds(1'772'352'000)};
  CHECK_THROWS_MATCHES(
      dm::years_to_expiry(now, expiry, dm::year_basis::calendar_365, "BTC-01MAR26-60000-C"), dm::invalid_argument,
      Catch::Matchers::Message("BTC-01MAR26-60000-C: expiry must be after the valuation time 1772372940 "
                               "(the option has expired), got 1772352000"));
  CHECK_THAT(dm::years_to_expiry(expiry, now), dmtest::within_rel(20'940.0 / (365.0 * 86'400.0), 1e-15));
}

TEST_CASE("implied volatility: round trip over strikes, vols, maturities to 1e-9", "[options]") {
  int checked = 0;
  for (const auto type : {dm::option_type::call, dm::option_type::put}) {
    for (const double moneyness : {0.5, 0.8, 0.95, 1.0, 1.05, 1.25, 2.0}) {
      for (const double vol : {0.05, 0.3, 0.8, 2.5}) {
        for (const double years : {1.0 / 365.0, 0.1, 1.0, 3.0}) {
          const auto in = inputs(type, 66'000.0, 66'000.0 * moneyness, vol, years, 0.02);
          const double price = dm::black76_price(in);
          const auto [lower, upper] = dm::black76_price_bounds(type, in.forward, in.strike, years, 0.02);
          // A price within rounding of a bound carries no volatility information left.
          if (price - lower < 1e-9 * in.forward || upper - price < 1e-9 * in.forward) continue;
          const double solved = dm::black76_implied_volatility({type, price, in.forward, in.strike, years, 0.02});
          // A price carries about 1e-14 F of rounding; divided by vega it bounds what the
          // volatility can recover.
          const double vol_tolerance = 1e-10 + 1e-14 * in.forward / dm::black76(in).vega;
          CHECK(std::abs(solved - vol) < vol_tolerance);
          CHECK(std::abs(dm::black76_price(inputs(type, in.forward, in.strike, solved, years, 0.02)) - price) <
                1e-9 * price + 1e-12);
          ++checked;
        }
      }
    }
  }
  CHECK(checked > 150);
}

TEST_CASE("implied volatility: a price outside its no-arbitrage bounds names both bounds", "[options]") {
  using dmtest::contains;
  // Call on F = 100, K = 90, r = 0: bounds (10, 100).
  CHECK_THROWS_MATCHES(dm::black76_implied_volatility({dm::option_type::call, 9.5, 100.0, 90.0, 0.5, 0.0}, {}, "C90"),
                       dm::invalid_argument,
                       Catch::Matchers::Message("C90: price of a call must lie strictly inside its no-arbitrage bounds "
                                                "(10, 100): no volatility fits it, got 9.5"));
  CHECK_THROWS_WITH(dm::black76_implied_volatility({dm::option_type::call, 100.0, 100.0, 90.0, 0.5, 0.0}),
                    contains("(10, 100): no volatility fits it, got 100"));
  CHECK_THROWS_WITH(dm::black76_implied_volatility({dm::option_type::put, 0.0, 100.0, 90.0, 0.5, 0.0}),
                    contains("price of a put must lie strictly inside its no-arbitrage bounds (0, 90)"));
  CHECK_THROWS_WITH(dm::black76_implied_volatility({dm::option_type::put, std::nan(""), 100.0, 90.0, 0.5, 0.0}),
                    contains("got nan"));
  // Inside the bounds but needing more than the bracket's 2000% volatility.
  CHECK_THROWS_AS(dm::black76_implied_volatility({dm::option_type::call, 99.0, 100.0, 90.0, 0.001, 0.0}),
                  dm::evaluation_error);
  const auto status_path = dm::try_black76_implied_volatility({dm::option_type::call, 9.5, 100.0, 90.0, 0.5, 0.0});
  CHECK(status_path.outcome == dm::status::invalid_argument);
  CHECK(status_path.lower_bound == 10.0);
  CHECK(status_path.upper_bound == 100.0);
}

TEST_CASE("inverse option: coin price and coin delta", "[options]") {
  const auto in = inputs(dm::option_type::call, 66'342.3, 61'000.0, 0.6329, 0.0322);
  const auto g = dm::inverse_black76(in);
  CHECK_THAT(g.price_coin * in.forward, dmtest::within_rel(g.usd.price, 1e-15));
  // Coin delta = F d(V/F)/dF, by central difference of the coin price.
  const double h = 1e-2;
  auto up = in;
  auto down = in;
  up.forward += h;
  down.forward -= h;
  const double coin_slope = (dm::inverse_black76(up).price_coin - dm::inverse_black76(down).price_coin) / (2.0 * h);
  CHECK_THAT(g.delta_coin, dmtest::within_rel(in.forward * coin_slope, 1e-6));
  CHECK_THAT(dm::inverse_implied_volatility(dm::option_type::call, g.price_coin, in.forward, in.strike,
                                            in.time_to_expiry),
             dmtest::within_rel(0.6329, 1e-10));
  CHECK_THROWS_WITH(dm::inverse_implied_volatility(dm::option_type::call, -0.01, in.forward, in.strike, 0.03),
                    dmtest::contains("price_coin must be finite and > 0, got -0.01"));
}
