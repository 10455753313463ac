// SPDX-License-Identifier: MIT
// Joint scenarios: filtered historical simulation on BTC/ETH/SOL daily returns against an
// independent numpy computation (tests/data/make_fhs_reference.py), Monte Carlo against the
// covariance it draws from, and both through full revaluation into a margin.
#include <dynmargin/portfolio/joint_scenarios.hpp>
#include <dynmargin/portfolio/revaluation.hpp>
#include <dynmargin/portfolio/scenario_margin.hpp>

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "catch.hpp"
#include "common_history.hpp"
#include "test_data.hpp"

namespace dm = dynmargin;

namespace {

using dmtest::common_history;
using dmtest::load_common_history;

}  // namespace

TEST_CASE("filtered historical scenarios: BTC/ETH/SOL against numpy to 1e-13", "[portfolio][fhs]") {
  const common_history history = load_common_history();
  REQUIRE(history.returns.rows() == 690);
  const auto reference = dmtest::read_csv(dmtest::reference_path("fhs_btc_eth_sol_reference.csv"));
  const auto scenario = reference.numbers("scenario");
  const auto h = reference.numbers("h");
  const std::size_t date = reference.column("date");
  const char* coins[3] = {"btc", "eth", "sol"};
  const std::vector<double> moves[3] = {reference.numbers("btc"), reference.numbers("eth"), reference.numbers("sol")};
  std::map<int, dm::scenario_set> sets;
  for (const int steps : {1, 10}) {
    dm::filtered_historical_settings settings;
    settings.horizon_steps = steps;
    sets.emplace(steps, dm::filtered_historical_scenarios(history.returns, settings, history.dates));
  }
  REQUIRE(sets.at(1).size() == 660);  // 690 returns, 30 start the EWMAs
  int checked = 0;
  for (std::size_t row = 1; row < reference.rows.size(); ++row) {  // row 0: sigma_now
    const auto s = static_cast<Eigen::Index>(scenario[row]);
    const dm::scenario_set& set = sets.at(static_cast<int>(h[row]));
    CHECK(set.names[static_cast<std::size_t>(s)] == reference.rows[row][date]);
    for (Eigen::Index u = 0; u < 3; ++u) {
      INFO(coins[u] << " scenario " << s);
      CHECK_THAT(set.price_return(s, u), dmtest::within_abs(moves[u][row], 1e-13));
      const double iv = std::stod(reference.rows[row][reference.column(std::string("iv_") + coins[u])]);
      CHECK_THAT(set.volatility_shock(s, u), dmtest::within_abs(iv, 1e-13));
    }
    ++checked;
  }
  CHECK(checked == 2 * 18);
  // Rows are dates: the joint history keeps its correlation (BTC and ETH move together).
  const dm::scenario_set& daily = sets.at(1);
  const Eigen::MatrixXd centred = daily.price_return.rowwise() - daily.price_return.colwise().mean();
  const Eigen::MatrixXd cov = centred.transpose() * centred;
  CHECK(cov(0, 1) / std::sqrt(cov(0, 0) * cov(1, 1)) > 0.6);
}

TEST_CASE("filtered historical scenarios: bad input is named", "[portfolio][fhs]") {
  using dmtest::contains;
  Eigen::MatrixXd returns = Eigen::MatrixXd::Constant(40, 2, 0.01);
  returns(35, 1) = std::nan("");
  CHECK_THROWS_WITH(dm::filtered_historical_scenarios(returns),
                    contains("return at row 35, column 1 must be finite, got nan"));
  CHECK_THROWS_WITH(dm::filtered_historical_scenarios(Eigen::MatrixXd::Constant(30, 2, 0.01)),
                    contains("returns must have more rows than warmup (30), got 30"));
  CHECK_THROWS_WITH(dm::filtered_historical_scenarios(Eigen::MatrixXd::Zero(40, 1)),
                    contains("volatility before row 30, column 0 must be > 0"));
  dm::filtered_historical_settings bad;
  bad.lambda = 1.0;
  CHECK_THROWS_WITH(dm::filtered_historical_scenarios(Eigen::MatrixXd::Constant(40, 2, 0.01), bad),
                    contains("lambda must be in (0, 1), got 1"));
}

TEST_CASE("monte carlo scenarios: the draws' covariance is the covariance given", "[portfolio][mc]") {
  Eigen::MatrixXd covariance(3, 3);
  covariance << 0.0016, 0.0012, 0.0010,  //
      0.0012, 0.0025, 0.0011,            //
      0.0010, 0.0011, 0.0036;
  dm::monte_carlo_scenario_settings settings;
  settings.scenarios = 200'000;
  const dm::scenario_set set = dm::monte_carlo_scenarios(covariance, settings);
  const Eigen::MatrixXd logs = set.price_return.array().log1p().matrix();
  const Eigen::MatrixXd centred = logs.rowwise() - logs.colwise().mean();
  const Eigen::MatrixXd sample = centred.transpose() * centred / double(settings.scenarios - 1);
  // A sample covariance's standard error is sqrt((s_ii s_jj + s_ij^2) / N) <= sqrt(2/N) s_ii s_jj
  // relative, 0.32% here; 5 standard errors.
  for (Eigen::Index i = 0; i < 3; ++i)
    for (Eigen::Index j = 0; j < 3; ++j) {
      const double se = std::sqrt((covariance(i, i) * covariance(j, j) + covariance(i, j) * covariance(i, j)) /
                                  200'000.0);
      CHECK(std::abs(sample(i, j) - covariance(i, j)) < 5.0 * se);
    }
  // Reproducible: the same seed gives the same draws, bit for bit.
  dm::monte_carlo_scenario_settings small = settings;
  small.scenarios = 1'000;
  CHECK((dm::monte_carlo_scenarios(covariance, small).price_return.array() ==
         dm::monte_carlo_scenarios(covariance, small).price_return.array())
            .all());
  // h steps scale the variance by h.
  small.horizon_steps = 4;
  const auto four = dm::monte_carlo_scenarios(covariance, small);
  small.horizon_steps = 1;
  const auto one = dm::monte_carlo_scenarios(covariance, small);
  CHECK_THAT(std::log1p(four.price_return(7, 2)), dmtest::within_rel(2.0 * std::log1p(one.price_return(7, 2)), 1e-12));
}

TEST_CASE("monte carlo scenarios: a matrix that is not positive semidefinite is refused", "[portfolio][mc]") {
  using dmtest::contains;
  // Higham (2002)'s example: eigenvalues 1 - sqrt(2), 1, 1 + sqrt(2).
  Eigen::MatrixXd bad(3, 3);
  bad << 1, 1, 0, 1, 1, 1, 0, 1, 1;
  CHECK_THROWS_WITH(dm::monte_carlo_scenarios(bad), contains("smallest eigenvalue is, got -0.41421356"));
  bad(0, 2) = 0.5;
  CHECK_THROWS_WITH(dm::monte_carlo_scenarios(bad), contains("covariance(0, 2) must equal its transpose's 0, got 0.5"));
  // Positive semidefinite but singular: two perfectly correlated underlyings draw equal moves.
  Eigen::MatrixXd singular = Eigen::MatrixXd::Constant(2, 2, 0.0004);
  dm::monte_carlo_scenario_settings settings;
  settings.scenarios = 50;
  const auto set = dm::monte_carlo_scenarios(singular, settings);
  CHECK((set.price_return.col(0) - set.price_return.col(1)).cwiseAbs().maxCoeff() < 1e-15);
}

TEST_CASE("joint scenarios: revaluation of a BTC/ETH book with options, ES margin and attribution",
          "[portfolio][fhs]") {
  const common_history history = load_common_history();
  const dm::scenario_set set = dm::filtered_historical_scenarios(history.returns.leftCols(2), {}, history.dates);
  const dm::timestamp_us now{std::chrono::seconds(1'772'323'200)};
  dm::instrument btc_perp;
  btc_perp.name = "BTC-PERP";
  dm::instrument eth_call;
  eth_call.name = "ETH-27MAR26-2200-C";
  eth_call.underlying = 1;
  eth_call.kind = dm::instrument_kind::option;
  eth_call.strike = 2'200.0;
  eth_call.expiry = dm::timestamp_us{std::chrono::seconds(1'774'598'400)};
  const std::vector<dm::instrument> instruments{btc_perp, eth_call};
  const std::vector<dm::instrument_state> states{{70'000.0, 0.0}, {2'000.0, 0.7}};
  const Eigen::MatrixXd pnl = dm::scenario_pnl(instruments, states, now, set);
  for (Eigen::Index s = 0; s < pnl.rows(); s += 50)
    CHECK_THAT(pnl(s, 0), dmtest::within_rel(70'000.0 * set.price_return(s, 0), 1e-14));
  Eigen::VectorXd positions(2);
  positions << 1.0, -10.0;
  const auto a = dm::attribute_margin(pnl, positions, set.weight, {dm::scenario_measure::expected_shortfall, 0.99});
  CHECK(a.total.tail_scenarios == 7);  // ceil(660 x 1%)
  CHECK(std::abs(a.component.sum() - a.total.margin) <= 1e-10 * a.total.margin);
  CHECK(a.total.margin > 0.0);
}
