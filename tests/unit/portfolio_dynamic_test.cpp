// SPDX-License-Identifier: MIT
// The dynamic portfolio margin: each underlying's margin function (volatility state, APC
// buffer, floor, speed limit, price guard) sets the level of the joint filtered historical
// scenarios of BTC/ETH/SOL. Closed forms for the calibration; on the real history, a lone
// perpetual is charged exactly its function's rate at every refresh, the policies that bind
// on the function bind on the portfolio, and bad input is named.
#include <dynmargin/margin/apc.hpp>
#include <dynmargin/margin/floors.hpp>
#include <dynmargin/margin/margin_function.hpp>
#include <dynmargin/margin/speed_limit.hpp>
#include <dynmargin/portfolio/dynamic_margin.hpp>
#include <dynmargin/portfolio/joint_scenarios.hpp>
#include <dynmargin/risk/parametric.hpp>
#include <dynmargin/volatility/ewma.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "common_history.hpp"
#include "test_data.hpp"

namespace dm = dynmargin;

namespace {

dm::parametric_risk daily_normal_es() {
  dm::parametric_risk_config c;
  c.confidence = dm::confidence_level(0.99);
  c.horizon_steps = dm::horizon(2);
  return dm::parametric_risk(c);
}

// The venue's per-underlying function: EWMA 0.94, 2-day 99% normal ES, a 25% APC buffer, a
// floor and a speed limit of +50% per 5 days.
auto make_underlying_function(double floor) {
  return dm::margin_function(dm::ewma_volatility(0.94), daily_normal_es(), dm::apc_buffer_policy(0.25),
                             dm::floor_policy(floor), dm::speed_limit_policy(0.5, 5));
}
using underlying_function = decltype(make_underlying_function(0.0));

// BTC, ETH and SOL prices from the joint history (each starts at 100), one a day.
struct joint_prices {
  std::vector<dm::timestamp_us> times;
  Eigen::MatrixXd prices;  // (returns + 1) x 3
};

joint_prices prices_of(const Eigen::MatrixXd& returns) {
  joint_prices p;
  p.prices.resize(returns.rows() + 1, 3);
  p.prices.row(0).setConstant(100.0);
  for (Eigen::Index t = 0; t < returns.rows(); ++t)
    p.prices.row(t + 1) = p.prices.row(t).array() * returns.row(t).array().exp();
  for (Eigen::Index t = 0; t <= returns.rows(); ++t)
    p.times.push_back(dm::timestamp_us{std::chrono::seconds(1'600'000'000 + 86'400 * t)});
  return p;
}

std::vector<dm::instrument> perpetuals_and_a_call(dm::timestamp_us expiry) {
  std::vector<dm::instrument> out;
  out.push_back({"BTC-PERP", 0, dm::instrument_kind::linear_future, 1.0, dm::option_type::call, 0.0, std::nullopt});
  out.push_back({"ETH-PERP", 1, dm::instrument_kind::linear_future, 1.0, dm::option_type::call, 0.0, std::nullopt});
  out.push_back({"SOL-PERP", 2, dm::instrument_kind::linear_future, 1.0, dm::option_type::call, 0.0, std::nullopt});
  out.push_back({"BTC-CALL", 0, dm::instrument_kind::option, 1.0, dm::option_type::call, 0.0, expiry});
  return out;
}

// The marks at row t: each perpetual at its price; the call on BTC's price at 60% volatility.
std::vector<dm::instrument_state> marks_at(const joint_prices& p, Eigen::Index t) {
  return {{p.prices(t, 0), 0.0}, {p.prices(t, 1), 0.0}, {p.prices(t, 2), 0.0}, {p.prices(t, 0), 0.6}};
}

Eigen::VectorXd one_position(Eigen::Index instrument, double quantity) {
  Eigen::VectorXd q = Eigen::VectorXd::Zero(4);
  q(instrument) = quantity;
  return q;
}

struct dynamic_setup {
  dmtest::common_history history = dmtest::load_common_history();
  joint_prices prices = prices_of(history.returns);
  dm::standardised_scenarios scenarios = dm::filtered_historical_residuals(history.returns, {}, history.dates);
};

dm::dynamic_portfolio_margin<underlying_function> make_portfolio(const dynamic_setup& setup, double floor,
                                                                 dm::dynamic_portfolio_settings settings = {}) {
  std::vector<underlying_function> functions;
  for (int u = 0; u < 3; ++u) functions.push_back(make_underlying_function(floor));
  // The call: struck at BTC's last price, expiring 30 days after the last row.
  auto instruments = perpetuals_and_a_call(setup.prices.times.back() + std::chrono::hours(24 * 30));
  instruments[3].strike = setup.prices.prices(setup.prices.prices.rows() - 1, 0);
  return {{"BTC", "ETH", "SOL"}, std::move(functions), std::move(instruments), setup.scenarios, settings};
}

void feed_days(dm::dynamic_portfolio_margin<underlying_function>& portfolio, const joint_prices& p, Eigen::Index from,
               Eigen::Index to) {
  for (Eigen::Index t = from; t < to; ++t)
    for (std::size_t u = 0; u < 3; ++u)
      REQUIRE(portfolio.update(u, p.times[static_cast<std::size_t>(t)], p.prices(t, static_cast<Eigen::Index>(u))) ==
              dm::status::ok);
}

}  // namespace

TEST_CASE("calibrate_scenario_scale: closed forms for the worst scenario and the expected shortfall",
          "[portfolio][dynamic]") {
  const dm::scenario_margin_rule worst{dm::scenario_measure::weighted_worst, 0.99};
  Eigen::VectorXd z(3);
  z << -2.0, 1.5, 0.3;
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(3);
  // Long: 1 - e^{-2k} = 10% at k = -ln(0.9) / 2; short: e^{1.5k} - 1 = 10% at k = ln(1.1) / 1.5,
  // larger; the side that charges more reaches 10% first.
  CHECK_THAT(dm::calibrate_scenario_scale(z, ones, worst, 0.10, "X"), dmtest::within_rel(-std::log(0.9) / 2.0, 1e-12));
  // A short loss is unbounded, a long one below 100%: a 150% rate comes from the short side.
  CHECK_THAT(dm::calibrate_scenario_scale(z, ones, worst, 1.5, "X"), dmtest::within_rel(std::log(2.5) / 1.5, 1e-12));
  // Weights scale each scenario's loss: at weight 0.5 on the down move, the short side binds.
  Eigen::VectorXd half = ones;
  half(0) = 0.5;
  const double k = dm::calibrate_scenario_scale(z, half, worst, 0.10, "X");
  CHECK_THAT(k, dmtest::within_rel(std::log(1.1) / 1.5, 1e-12));
  // ES over 4 of 400 scenarios: z = -1, -2, -3, -4 in the tail: the mean of 1 - e^{k z} is 5%.
  Eigen::VectorXd tail = Eigen::VectorXd::Zero(400);
  tail.head(4) << -1.0, -2.0, -3.0, -4.0;
  const dm::scenario_margin_rule es{dm::scenario_measure::expected_shortfall, 0.99};
  const double k_es = dm::calibrate_scenario_scale(tail, Eigen::VectorXd::Ones(400), es, 0.05, "X");
  double mean = 0.0;
  for (const double x : {-1.0, -2.0, -3.0, -4.0}) mean += -std::expm1(k_es * x) / 4.0;
  CHECK_THAT(mean, dmtest::within_rel(0.05, 1e-12));
  CHECK(dm::calibrate_scenario_scale(tail, Eigen::VectorXd::Ones(400), es, 0.0, "X") == 0.0);

  // No scenario moves up, so nothing can charge a short more than a long's 100%.
  REQUIRE_THROWS_WITH(dm::calibrate_scenario_scale(-tail.cwiseAbs(), Eigen::VectorXd::Ones(400), es, 1.5, "SOL"),
                      dmtest::contains(
                          "initial rate of SOL is more than any scaling of its scenarios can charge, got 1.5"));
  REQUIRE_THROWS_WITH(dm::calibrate_scenario_scale(Eigen::VectorXd::Zero(5), Eigen::VectorXd::Ones(5), worst, 0.1,
                                                   "ETH"),
                      dmtest::contains("scenarios of ETH must move the underlying"));
  REQUIRE_THROWS_WITH(dm::calibrate_scenario_scale(z, ones, worst, std::numeric_limits<double>::quiet_NaN(), "BTC"),
                      dmtest::contains("initial rate of BTC must be finite and >= 0"));
}

TEST_CASE("a lone perpetual is charged exactly its margin function's rate, at every refresh", "[portfolio][dynamic]") {
  const dynamic_setup setup;
  auto portfolio = make_portfolio(setup, 0.10);
  const joint_prices& p = setup.prices;
  const Eigen::Index rows = p.prices.rows();
  feed_days(portfolio, p, 0, 100);
  REQUIRE(portfolio.ready());
  int floor_bound = 0;
  int risk_bound = 0;
  int speed_limited = 0;
  int moves = 0;
  double previous_btc = 0.0;
  for (Eigen::Index t = 100; t < rows; t += 10) {
    feed_days(portfolio, p, t, std::min<Eigen::Index>(t + 10, rows));
    const Eigen::Index now = std::min<Eigen::Index>(t + 9, rows - 1);
    auto marks = marks_at(p, now);
    portfolio.refresh(p.times[static_cast<std::size_t>(now)], marks);
    for (Eigen::Index u = 0; u < 3; ++u) {
      const auto& f = portfolio.function(static_cast<std::size_t>(u));
      const double price = p.prices(now, u);
      const auto long_quote = portfolio.quote(one_position(u, 2.0));
      const auto short_quote = portfolio.quote(one_position(u, -2.0));
      INFO("row " << now << ", underlying " << u);
      // The side that charges more is charged the function's rate; maintenance keeps its ratio.
      CHECK_THAT(std::max(long_quote.initial, short_quote.initial) / (2.0 * price),
                 dmtest::within_rel(f.rates().initial, 1e-11));
      CHECK_THAT(long_quote.maintenance / long_quote.initial,
                 dmtest::within_rel(f.rates().maintenance / f.rates().initial, 1e-12));
      CHECK(long_quote.binding_underlying == portfolio.underlyings()[static_cast<std::size_t>(u)]);
      CHECK(long_quote.binding_policy == f.quote(1.0).binding);
      if (f.quote(1.0).binding == "floor") {
        ++floor_bound;
        CHECK_THAT(std::max(long_quote.initial, short_quote.initial) / (2.0 * price), dmtest::within_rel(0.10, 1e-11));
      } else if (f.quote(1.0).binding == "speed_limit") {
        ++speed_limited;
      } else {
        ++risk_bound;
      }
    }
    const double btc = portfolio.quote(one_position(0, 1.0)).initial / p.prices(now, 0);
    if (btc != previous_btc) ++moves;  // the margin moves with the market
    previous_btc = btc;
  }
  CHECK(moves > 40);  // of 60 refreshes
  // Over 690 days each regime occurs: the floor binds in calm spells, the buffered risk or the
  // speed limit after shocks.
  CHECK(floor_bound > 0);
  CHECK(risk_bound + speed_limited > 0);
}

TEST_CASE("the joint scenarios net a hedged book, by underlying they do not; options are revalued",
          "[portfolio][dynamic]") {
  const dynamic_setup setup;
  const joint_prices& p = setup.prices;
  const Eigen::Index now = p.prices.rows() - 1;
  auto joint = make_portfolio(setup, 0.02);
  dm::dynamic_portfolio_settings by_underlying;
  by_underlying.by_underlying = true;
  auto separate = make_portfolio(setup, 0.02, by_underlying);
  feed_days(joint, p, 0, now + 1);
  feed_days(separate, p, 0, now + 1);
  const auto marks = marks_at(p, now);
  joint.refresh(p.times.back(), marks);
  separate.refresh(p.times.back(), marks);

  Eigen::VectorXd hedge = Eigen::VectorXd::Zero(4);
  hedge(0) = 1.0;                                   // long 1 BTC
  hedge(1) = -p.prices(now, 0) / p.prices(now, 1);  // short the same notional of ETH
  const double btc_alone = joint.quote(one_position(0, 1.0)).initial;
  const double eth_alone = joint.quote(one_position(1, hedge(1))).initial;
  const auto netted = joint.quote(hedge);
  const auto summed = separate.quote(hedge);
  CHECK(netted.initial < 0.8 * (btc_alone + eth_alone));  // BTC and ETH move together
  CHECK_THAT(summed.initial, dmtest::within_rel(btc_alone + eth_alone, 1e-12));
  CHECK((summed.binding_underlying == "BTC" || summed.binding_underlying == "ETH"));

  // The same book as a cross-margin account: BTC bought at 90% of its price, ETH sold at its
  // price; 50,000 USDT at a 95% liquidation threshold; a 100/50 USD add-on on the BTC position.
  const double btc_price = p.prices(now, 0);
  const dm::cross_account account("A", {{0, 1.0, 0.9 * btc_price}, {1, hedge(1), p.prices(now, 1)}},
                                  {{"USDT", 50'000.0, {0.95, 0.95, 0.0}}});
  const std::vector<double> usdt{1.0};
  const std::vector<dm::margin_amounts> add_ons{{100.0, 50.0}, {0.0, 0.0}};
  const auto quoted = joint.quote_account(account, marks, usdt, p.times.back(), add_ons);
  CHECK_THAT(quoted.account.initial_margin, dmtest::within_rel(netted.initial + 100.0, 1e-12));
  CHECK_THAT(quoted.account.maintenance_margin, dmtest::within_rel(netted.maintenance + 50.0, 1e-12));
  CHECK_THAT(quoted.account.equity, dmtest::within_rel(0.95 * 50'000.0 + 0.1 * btc_price, 1e-12));
  CHECK(quoted.account.binding_scenario_name ==
        std::string(netted.binding_underlying) + ": " + std::string(netted.binding_scenario));
  CHECK(quoted.portfolio.binding_policy == netted.binding_policy);

  // A long call loses at most its premium and is charged less than the perpetual; with the same
  // marks, a higher rate of BTC's function (a higher floor) charges a short call more.
  const auto call_marks = marks_at(p, now);
  Eigen::VectorXd short_call = one_position(3, -1.0);
  std::vector<dm::instrument_state> states = call_marks;
  auto with_floor = [&](double floor) {
    auto portfolio = make_portfolio(setup, floor);
    feed_days(portfolio, p, 0, now + 1);
    portfolio.refresh(p.times.back(), states);
    return portfolio.quote(short_call).initial;
  };
  const double low = with_floor(0.02);
  const double high = with_floor(0.30);
  CHECK(high > low);
  CHECK(joint.quote(one_position(3, 1.0)).initial < btc_alone);
  CHECK(joint.quote(one_position(3, 1.0)).initial > 0.0);
}

TEST_CASE("the price guard's verdict reaches the account; bad input is named", "[portfolio][dynamic]") {
  const dynamic_setup setup;
  const joint_prices& p = setup.prices;
  auto portfolio = make_portfolio(setup, 0.05);

  // Before the functions are past their warm-up there is no rate: refresh says which.
  feed_days(portfolio, p, 0, 20);
  REQUIRE_FALSE(portfolio.ready());
  REQUIRE_THROWS_WITH(portfolio.refresh(p.times[19], marks_at(p, 19)),
                      dmtest::contains("margin function of BTC is in its warm-up"));
  REQUIRE_THROWS_WITH(portfolio.quote(one_position(0, 1.0)),
                      dmtest::contains("refresh must run before the first quote"));

  feed_days(portfolio, p, 20, 200);
  // A BTC print ten times the last price is held by BTC's guard (a log jump above 2).
  CHECK(portfolio.update(0, p.times[200], 10.0 * p.prices(199, 0)) == dm::status::suspect_input);
  portfolio.refresh(p.times[200], marks_at(p, 199));
  CHECK(portfolio.quote(one_position(0, 1.0)).price_suspect);
  CHECK_FALSE(portfolio.quote(one_position(1, 1.0)).price_suspect);
  CHECK(portfolio.reports()[0].price_suspect);

  CHECK(portfolio.update(3, p.times[201], 1.0) == dm::status::invalid_argument);  // no fourth underlying
  REQUIRE_THROWS_WITH(portfolio.quote(Eigen::VectorXd::Zero(4)),
                      dmtest::contains("positions must hold at least one non-zero position"));
  REQUIRE_THROWS_WITH(portfolio.quote(one_position(2, std::numeric_limits<double>::quiet_NaN())),
                      dmtest::contains("position in SOL-PERP must be finite"));
  REQUIRE_THROWS_WITH(portfolio.quote(Eigen::VectorXd::Ones(3)),
                      dmtest::contains("positions must hold one per instrument (4)"));
  auto expired = marks_at(p, 199);
  REQUIRE_THROWS_WITH(portfolio.refresh(p.times.back() + std::chrono::hours(24 * 31), expired),
                      dmtest::contains("BTC-CALL"));
  auto no_vol = marks_at(p, 199);
  no_vol[3].volatility = 0.0;
  REQUIRE_THROWS_WITH(portfolio.refresh(p.times[200], no_vol),
                      dmtest::contains("volatility of an option must be finite and > 0"));

  std::vector<underlying_function> two;
  two.push_back(make_underlying_function(0.05));
  two.push_back(make_underlying_function(0.05));
  REQUIRE_THROWS_WITH((dm::dynamic_portfolio_margin<underlying_function>(
                          {"BTC", "ETH", "SOL"}, two, perpetuals_and_a_call(p.times.back()), setup.scenarios)),
                      dmtest::contains("functions must hold one margin function per underlying (3), got 2"));
  auto bad = perpetuals_and_a_call(p.times.back());
  bad[2].underlying = 5;
  std::vector<underlying_function> three = two;
  three.push_back(make_underlying_function(0.05));
  REQUIRE_THROWS_WITH((dm::dynamic_portfolio_margin<underlying_function>({"BTC", "ETH", "SOL"}, three, bad,
                                                                         setup.scenarios)),
                      dmtest::contains("SOL-PERP: underlying must index one of the 3 underlyings, got 5"));
}
