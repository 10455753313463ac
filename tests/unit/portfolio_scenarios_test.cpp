// SPDX-License-Identifier: MIT
// Scenario grids, full revaluation, the margin of a P&L vector with its Euler attribution, and
// many accounts at once: closed forms, additivity, and bit-identical results for any thread count.
#include <dynmargin/portfolio/instrument.hpp>
#include <dynmargin/portfolio/many_accounts.hpp>
#include <dynmargin/portfolio/revaluation.hpp>
#include <dynmargin/portfolio/scenario_margin.hpp>
#include <dynmargin/portfolio/scenarios.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "catch.hpp"
#include "time_points.hpp"

namespace dm = dynmargin;

namespace {

using dmtest::march27;
using dmtest::valuation;

// Uniform in [0, 1) from the engine's bits: the same on every standard library.
double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

dm::instrument option(std::string name, dm::option_type type, double strike, dm::timestamp_us expiry,
                      std::size_t underlying = 0, dm::instrument_kind kind = dm::instrument_kind::option) {
  dm::instrument terms;
  terms.name = std::move(name);
  terms.underlying = underlying;
  terms.kind = kind;
  terms.type = type;
  terms.strike = strike;
  terms.expiry = expiry;
  return terms;
}

dm::instrument future(std::string name, std::size_t underlying = 0,
                      dm::instrument_kind kind = dm::instrument_kind::linear_future, double size = 1.0) {
  dm::instrument terms;
  terms.name = std::move(name);
  terms.underlying = underlying;
  terms.kind = kind;
  terms.contract_size = size;
  return terms;
}

}  // namespace

TEST_CASE("span grid: 16 scenarios in SPAN's order; a long future binds at the down extreme", "[portfolio]") {
  const dm::scenario_set grid = dm::span_grid(1, {0.15, 0.04, 3.0, 0.35, 0.0});
  REQUIRE(grid.size() == 16);
  // SPAN: 1-2 unchanged, 3-6 +-1/3, 7-10 +-2/3, 11-14 +-3/3 (vol up, vol down), 15-16 extremes.
  const double expected_return[16] = {0,    0,    0.05, 0.05, -0.05, -0.05, 0.1,  0.1,
                                      -0.1, -0.1, 0.15, 0.15, -0.15, -0.15, 0.45, -0.45};
  for (Eigen::Index s = 0; s < 16; ++s) {
    CHECK(std::abs(grid.price_return(s, 0) - expected_return[s]) < 1e-15);
    CHECK(grid.weight(s) == (s < 14 ? 1.0 : 0.35));
    CHECK(std::abs(grid.volatility_shock(s, 0)) == (s < 14 ? 0.04 : 0.0));
  }
  const std::vector<dm::instrument> instruments{future("BTC-PERPETUAL")};
  const std::vector<dm::instrument_state> states{{70'000.0, 0.0}};
  const Eigen::MatrixXd pnl = dm::scenario_pnl(instruments, states, valuation, grid);
  for (Eigen::Index s = 0; s < 16; ++s) CHECK_THAT(pnl(s, 0), dmtest::within_abs(70'000.0 * expected_return[s], 1e-9));
  const auto result = dm::portfolio_margin(pnl, Eigen::VectorXd::Constant(1, 2.0), grid.weight, {});
  // max(0.15 F, 0.35 x 0.45 F) = 0.1575 F per contract, down extreme (scenario 16).
  CHECK(result.binding_scenario == 15);
  CHECK_THAT(result.margin, dmtest::within_rel(2.0 * 0.35 * 0.45 * 70'000.0, 1e-14));
  CHECK_THAT(result.worst_loss, dmtest::within_rel(2.0 * 0.45 * 70'000.0, 1e-14));
  CHECK(grid.names[15] == "price -45% vol 0%");
}

TEST_CASE("revaluation: closed forms of each instrument kind", "[portfolio]") {
  dm::scenario_set set = dm::uniform_grid({{0.10, 0.0, 1.0}, {-0.25, 0.5, 1.0}}, 1, {});
  const std::vector<dm::instrument> instruments{
      future("BTCUSDT"), future("BTCUSD-inverse", 0, dm::instrument_kind::inverse_future, 100.0),
      option("C", dm::option_type::call, 70'000.0, march27),
      option("C-inverse", dm::option_type::call, 70'000.0, march27, 0, dm::instrument_kind::inverse_option)};
  const std::vector<dm::instrument_state> states{{70'000.0, 0.0}, {70'000.0, 0.0}, {70'100.0, 0.5}, {70'100.0, 0.5}};
  const Eigen::MatrixXd pnl = dm::scenario_pnl(instruments, states, valuation, set);
  const double years = dm::seconds_between(valuation, march27) / (365.0 * 86'400.0);
  const auto price = [&](double forward, double vol) {
    return dm::black76_price({dm::option_type::call, forward, 70'000.0, vol, years, 0.0});
  };
  CHECK_THAT(pnl(0, 0), dmtest::within_rel(7'000.0, 1e-14));
  CHECK_THAT(pnl(0, 1), dmtest::within_rel(10.0, 1e-14));  // 100 USD face x 10%
  CHECK_THAT(pnl(1, 1), dmtest::within_rel(-25.0, 1e-14));
  CHECK_THAT(pnl(1, 2), dmtest::within_rel(price(70'100.0 * 0.75, 0.75) - price(70'100.0, 0.5), 1e-12));
  // Coin-settled: V'/F' - V/F coins, worth V' - V F'/F USD.
  CHECK_THAT(pnl(1, 3), dmtest::within_rel(price(70'100.0 * 0.75, 0.75) - price(70'100.0, 0.5) * 0.75, 1e-12));
}

TEST_CASE("revaluation: bad instruments are named with the value", "[portfolio]") {
  using dmtest::contains;
  const dm::scenario_set set = dm::span_grid(1);
  const auto fails = [&](dm::instrument terms, dm::instrument_state state) {
    const std::vector<dm::instrument> instruments{std::move(terms)};
    const std::vector<dm::instrument_state> states{state};
    return dm::scenario_pnl(instruments, states, valuation, set);
  };
  CHECK_THROWS_WITH(fails(option("BTC-27MAR26-70000-C", dm::option_type::call, 70'000.0, march27), {70'000.0, 0.0}),
                    contains("BTC-27MAR26-70000-C: volatility of an option must be finite and > 0, got 0"));
  CHECK_THROWS_WITH(fails(option("BTC-27MAR26-70000-P", dm::option_type::put, 70'000.0, march27), {70'000.0, -0.2}),
                    contains("BTC-27MAR26-70000-P: volatility of an option must be finite and > 0, got -0.2"));
  CHECK_THROWS_WITH(fails(option("BTC-28FEB26-70000-C", dm::option_type::call, 70'000.0,
                                 dm::timestamp_us{std::chrono::seconds(1'772'265'600)}),
                          {70'000.0, 0.5}),
                    contains("BTC-28FEB26-70000-C: expiry must be after the valuation time 1772323200"));
  CHECK_THROWS_WITH(fails(future("ETH-PERPETUAL"), {0.0, 0.0}),
                    contains("ETH-PERPETUAL: price must be finite and > 0, got 0"));
  CHECK_THROWS_WITH(fails(future("SOL-PERPETUAL", 2), {100.0, 0.0}),
                    contains("SOL-PERPETUAL: underlying must index one of the scenarios' 1 underlyings, got 2"));
  dm::instrument no_expiry = option("BTC-C", dm::option_type::call, 70'000.0, march27);
  no_expiry.expiry.reset();
  CHECK_THROWS_WITH(fails(no_expiry, {70'000.0, 0.5}), contains("BTC-C: expiry is required for an option"));
  // A shock that takes the volatility to zero or below.
  const dm::scenario_set crush = dm::uniform_grid({{0.0, -0.6, 1.0}}, 1, {dm::volatility_shock_rule::mode::absolute});
  const std::vector<dm::instrument> one{option("BTC-27MAR26-70000-C", dm::option_type::call, 70'000.0, march27)};
  const std::vector<dm::instrument_state> state{{70'000.0, 0.5}};
  CHECK_THROWS_WITH(dm::scenario_pnl(one, state, valuation, crush),
                    contains("BTC-27MAR26-70000-C: volatility in scenario \"price 0% vol -60%\" must stay > 0"));
}

TEST_CASE("attribution: Euler components add up to the margin to 1e-10 for every measure", "[portfolio]") {
  std::mt19937_64 rng(20261206);
  const Eigen::Index scenarios = 500;
  const Eigen::Index instruments = 12;
  Eigen::MatrixXd pnl(scenarios, instruments);
  for (Eigen::Index s = 0; s < scenarios; ++s)
    for (Eigen::Index i = 0; i < instruments; ++i) pnl(s, i) = 1'000.0 * (uniform(rng) - 0.5) * (1.0 + double(i));
  Eigen::VectorXd positions(instruments);
  for (Eigen::Index i = 0; i < instruments; ++i) positions(i) = std::round(20.0 * (uniform(rng) - 0.4));
  Eigen::VectorXd weights(scenarios);
  for (Eigen::Index s = 0; s < scenarios; ++s) weights(s) = s % 10 == 0 ? 0.35 : 1.0;
  for (const auto measure : {dm::scenario_measure::weighted_worst, dm::scenario_measure::value_at_risk,
                             dm::scenario_measure::expected_shortfall}) {
    INFO(dm::to_string(measure));
    const dm::scenario_margin_rule rule{measure, 0.99};
    const auto a = dm::attribute_margin(pnl, positions, weights, rule);
    REQUIRE(a.total.margin > 0.0);
    CHECK(std::abs(a.component.sum() - a.total.margin) <= 1e-10 * a.total.margin);
    // The margin is the loss of one scenario (or the mean of k), recomputed independently.
    const Eigen::VectorXd loss = -(pnl * positions);
    std::vector<double> sorted(loss.data(), loss.data() + scenarios);
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    if (measure == dm::scenario_measure::value_at_risk) {
      CHECK(a.total.tail_scenarios == 5);  // ceil(500 x 0.01)
      CHECK(a.total.margin == sorted[4]);
    } else if (measure == dm::scenario_measure::expected_shortfall) {
      CHECK_THAT(a.total.margin,
                 dmtest::within_rel((sorted[0] + sorted[1] + sorted[2] + sorted[3] + sorted[4]) / 5.0, 1e-14));
      CHECK(a.netting_benefit >= -1e-9);  // ES is subadditive
    } else {
      CHECK_THAT(a.total.margin, dmtest::within_rel((weights.array() * loss.array()).maxCoeff(), 1e-15));
      CHECK(a.netting_benefit >= -1e-9);  // so is a maximum
    }
    for (Eigen::Index i = 0; i < instruments; ++i) {
      Eigen::VectorXd without = positions;
      without(i) = 0.0;
      CHECK(a.incremental(i) == a.total.margin - dm::portfolio_margin(pnl, without, weights, rule).margin);
    }
  }
  CHECK(dm::tail_count(1'000, 0.99) == 10);
  CHECK(dm::tail_count(2'500, 0.9976) == 6);
}

TEST_CASE("many accounts: bit-identical for 1, 2, 3 and 8 threads and between runs", "[portfolio]") {
  std::mt19937_64 rng(42);
  const Eigen::Index scenarios = 300;
  const Eigen::Index instruments = 20;
  const Eigen::Index accounts = 1'000;  // 4 blocks of 256, the last one padded
  Eigen::MatrixXd pnl(scenarios, instruments);
  for (Eigen::Index s = 0; s < scenarios; ++s)
    for (Eigen::Index i = 0; i < instruments; ++i) pnl(s, i) = 500.0 * (uniform(rng) - 0.5);
  Eigen::MatrixXd positions(accounts, instruments);
  for (Eigen::Index a = 0; a < accounts; ++a)
    for (Eigen::Index i = 0; i < instruments; ++i)
      positions(a, i) = uniform(rng) < 0.3 ? std::round(10.0 * (uniform(rng) - 0.5)) : 0.0;
  for (Eigen::Index a = 0; a < accounts; ++a) positions(a, a % instruments) += 1.0;  // none empty
  const Eigen::VectorXd weights = Eigen::VectorXd::Ones(scenarios);
  for (const auto measure : {dm::scenario_measure::weighted_worst, dm::scenario_measure::expected_shortfall}) {
    dm::many_accounts_settings settings;
    settings.rule = {measure, 0.99};
    settings.threads = 1;
    const auto reference = dm::margin_accounts(positions, pnl, weights, settings);
    for (const unsigned threads : {1u, 2u, 3u, 8u}) {
      settings.threads = threads;
      const auto again = dm::margin_accounts(positions, pnl, weights, settings);
      bool identical = true;
      for (std::size_t a = 0; a < reference.size(); ++a)
        identical = identical && again[a].margin == reference[a].margin &&
                    again[a].binding_scenario == reference[a].binding_scenario;
      CHECK(identical);
    }
    // Each account's margin equals its own portfolio margin (a matrix-vector product: same
    // terms, possibly another order of addition).
    for (Eigen::Index a = 0; a < accounts; a += 97) {
      const auto single = dm::portfolio_margin(pnl, positions.row(a).transpose(), weights, settings.rule);
      CHECK_THAT(reference[static_cast<std::size_t>(a)].margin, dmtest::within_rel(single.margin, 1e-12));
    }
  }
}

TEST_CASE("many accounts: a NaN position or an empty account is named", "[portfolio]") {
  using dmtest::contains;
  Eigen::MatrixXd pnl = Eigen::MatrixXd::Ones(4, 3);
  Eigen::MatrixXd positions = Eigen::MatrixXd::Ones(5, 3);
  positions(3, 2) = std::nan("");
  CHECK_THROWS_WITH(dm::margin_accounts(positions, pnl, Eigen::VectorXd::Ones(4)),
                    contains("account row 3: position in instrument 2 must be finite, got nan"));
  positions(3, 2) = 1.0;
  positions.row(4).setZero();
  CHECK_THROWS_WITH(dm::margin_accounts(positions, pnl, Eigen::VectorXd::Ones(4)),
                    contains("account row 4: positions must hold at least one non-zero position"));
  const std::vector<std::string> names{"a", "b", "c", "d", "alice"};
  CHECK_THROWS_WITH(dm::check_positions_matrix(positions, names), contains("account alice: positions"));
  CHECK_THROWS_WITH(dm::margin_accounts(positions.leftCols(2), pnl, Eigen::VectorXd::Ones(4)),
                    contains("positions columns must equal the scenario P&L matrix's instruments (3), got 2"));
}

TEST_CASE("account_losses: a trade re-margins one account", "[portfolio]") {
  std::mt19937_64 rng(7);
  Eigen::MatrixXd pnl(200, 6);
  for (Eigen::Index s = 0; s < 200; ++s)
    for (Eigen::Index i = 0; i < 6; ++i) pnl(s, i) = 100.0 * (uniform(rng) - 0.5);
  Eigen::VectorXd positions(6);
  positions << 1, -2, 0, 3, 0, 1;
  dm::account_losses account(pnl, positions);
  const Eigen::VectorXd weights = Eigen::VectorXd::Ones(200);
  const dm::scenario_margin_rule rule{dm::scenario_measure::expected_shortfall, 0.975};
  CHECK(account.trade(2, 4.0) == dm::status::ok);
  positions(2) += 4.0;
  const auto fresh = dm::portfolio_margin(pnl, positions, weights, rule);
  CHECK_THAT(account.margin(weights, rule).margin, dmtest::within_rel(fresh.margin, 1e-12));
  const Eigen::VectorXd before = account.losses();
  CHECK(account.trade(6, 1.0) == dm::status::invalid_argument);
  CHECK(account.trade(1, std::nan("")) == dm::status::invalid_argument);
  CHECK((account.losses().array() == before.array()).all());
}

TEST_CASE("minimum delta charge: Paradex's worked example", "[portfolio]") {
  // docs.paradex.trade, Portfolio Margin: long 1 perp (delta 1), short 5 calls of delta 0.3,
  // spot 70,000: net -0.5, gross 2.5, hedged 1.0; (2% x 0.5 + 1% x 1.0) x 70,000 = 1,400.
  Eigen::VectorXd positions(2);
  positions << 1.0, -5.0;
  Eigen::VectorXd deltas(2);
  deltas << 1.0, 0.3;
  CHECK_THAT(dm::minimum_delta_charge(positions, deltas, 70'000.0), dmtest::within_rel(1'400.0, 1e-14));
}

TEST_CASE("span: the short option minimum counts net short option contracts", "[portfolio]") {
  const std::vector<dm::instrument> instruments{future("BTC-PERP"),
                                                option("P", dm::option_type::put, 60'000.0, march27),
                                                option("C", dm::option_type::call, 80'000.0, march27)};
  Eigen::VectorXd positions(3);
  positions << -5.0, -3.0, 2.0;  // the short future and the long call do not count
  CHECK(dm::short_option_minimum_charge(instruments, positions, 150.0) == 450.0);
  positions(2) = -1.5;
  CHECK(dm::short_option_minimum_charge(instruments, positions, 150.0) == 675.0);
  CHECK_THROWS_WITH(dm::short_option_minimum_charge(instruments, positions, -1.0),
                    dmtest::contains("per_contract must be finite and >= 0, got -1"));
}

TEST_CASE("grouped margin: a grid over two underlyings charges a cross-asset hedge as two risks", "[portfolio]") {
  // Long 10 BTC perpetuals, short 330 ETH perpetuals: the grid moves both underlyings by the same
  // row, so jointly the hedge nets in every row; by underlying each is charged on its own.
  const dm::scenario_set grid = dm::paradex_grid(2);
  const std::vector<dm::instrument> instruments{future("BTC-PERP", 0), future("ETH-PERP", 1)};
  const std::vector<dm::instrument_state> states{{66'750.0, 0.0}, {2'000.0, 0.0}};
  const Eigen::MatrixXd pnl = dm::scenario_pnl(instruments, states, valuation, grid);
  Eigen::VectorXd positions(2);
  positions << 10.0, -330.0;
  const std::vector<std::size_t> underlying{0, 1};
  const auto joint = dm::portfolio_margin(pnl, positions, grid.weight, {});
  const auto grouped = dm::portfolio_margin_by_group(pnl, positions, grid.weight, {}, underlying, 2);
  // Alone: a long BTC perpetual's worst weighted loss is the -16% row (0.16 > 0.66 x 0.24);
  // a short ETH perpetual's is +100% at 16% (0.16 x 1.00 = 0.16 ties +16% at full weight: the
  // first row, +16%, binds).
  const double btc = 10.0 * 66'750.0 * 0.16;
  const double eth = 330.0 * 2'000.0 * 0.16;
  CHECK(joint.margin < 0.01 * (btc + eth));
  CHECK_THAT(grouped.total.margin, dmtest::within_rel(btc + eth, 1e-12));
  CHECK_THAT(grouped.groups[0].margin, dmtest::within_rel(btc, 1e-12));
  CHECK_THAT(grouped.groups[1].margin, dmtest::within_rel(eth, 1e-12));
  CHECK(grouped.binding_group == 0);  // 106,800 > 105,600
  CHECK(grouped.total.binding_group == 0);
  CHECK(grid.names[grouped.total.binding_scenario] == "price -16% vol +40%");
  const auto parts = dm::attribute_margin_by_group(pnl, positions, grid.weight, {}, underlying, 2);
  CHECK(std::abs(parts.component.sum() - grouped.total.margin) <= 1e-10 * grouped.total.margin);
  CHECK(std::abs(parts.netting_benefit) <= 1e-9 * grouped.total.margin);  // no offset between groups
  CHECK_THROWS_WITH(dm::portfolio_margin_by_group(pnl, positions, grid.weight, {}, std::vector<std::size_t>{0, 2}, 2),
                    dmtest::contains("group of instrument 1 must be below the number of groups (2), got 2"));
}

TEST_CASE("many accounts by group: each account's grouped margin, bit-identical for any thread count", "[portfolio]") {
  std::mt19937_64 rng(99);
  const Eigen::Index scenarios = 120;
  const Eigen::Index instruments = 9;
  Eigen::MatrixXd pnl(scenarios, instruments);
  for (Eigen::Index s = 0; s < scenarios; ++s)
    for (Eigen::Index i = 0; i < instruments; ++i) pnl(s, i) = 300.0 * (uniform(rng) - 0.5);
  Eigen::MatrixXd positions(600, instruments);
  for (Eigen::Index a = 0; a < positions.rows(); ++a)
    for (Eigen::Index i = 0; i < instruments; ++i)
      positions(a, i) = uniform(rng) < 0.4 ? std::round(8.0 * (uniform(rng) - 0.5)) : 0.0;
  for (Eigen::Index a = 0; a < positions.rows(); ++a) positions(a, a % instruments) += 1.0;
  Eigen::VectorXd weights(scenarios);
  for (Eigen::Index s = 0; s < scenarios; ++s) weights(s) = s % 5 == 0 ? 0.5 : 1.0;
  dm::many_accounts_settings settings;
  settings.groups = {0, 0, 1, 1, 1, 2, 2, 0, 1};
  settings.threads = 1;
  const auto one = dm::margin_accounts(positions, pnl, weights, settings);
  settings.threads = 3;
  const auto three = dm::margin_accounts(positions, pnl, weights, settings);
  bool identical = true;
  for (std::size_t a = 0; a < one.size(); ++a)
    identical = identical && one[a].margin == three[a].margin && one[a].binding_group == three[a].binding_group &&
                one[a].binding_scenario == three[a].binding_scenario;
  CHECK(identical);
  for (Eigen::Index a = 0; a < positions.rows(); a += 41) {
    const auto single = dm::portfolio_margin_by_group(pnl, positions.row(a).transpose(), weights, {}, settings.groups,
                                                      3);
    const auto& many = one[static_cast<std::size_t>(a)];
    CHECK_THAT(many.margin, dmtest::within_rel(single.total.margin, 1e-12));
    CHECK(many.binding_group == single.binding_group);
    CHECK(many.binding_scenario == single.total.binding_scenario);
  }
}
