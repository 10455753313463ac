// SPDX-License-Identifier: MIT
// Collateral valuation: VaR haircuts against the closed form with R's qnorm, Aave's health
// factor and borrow limit (Aave help example and hand calculations), Compound III's factors
// with the cUSDCv3 WETH launch parameters, and the configuration rules of both protocols.
#include <cmath>
#include <limits>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/collateral.hpp"

using namespace dynmargin;

TEST_CASE("VaR haircut: 1 - exp(-z_p sigma sqrt(h))", "[margin][collateral]") {
  // z_0.99 = 2.3263478740408408 (R: qnorm(0.99)); z_0.995 = 2.5758293035489 (qnorm(0.995)).
  CHECK_THAT(quantile(standardized_distribution{}, 0.99), dmtest::within_rel(2.3263478740408408, 1e-14));
  CHECK_THAT(quantile(standardized_distribution{}, 0.995), dmtest::within_rel(2.5758293035489, 1e-13));
  // sigma 5% a day, one day, 99%: VaR 0.11631739370204204, haircut 0.1098073630822856.
  CHECK_THAT(var_haircut(0.05, horizon(1), confidence_level(0.99)), dmtest::within_rel(0.1098073630822856, 1e-13));
  // Four days doubles the log VaR: 1 - exp(-0.232634787...) = 1 - 0.7924429308225137.
  CHECK_THAT(var_haircut(0.05, horizon(4), confidence_level(0.99)),
             dmtest::within_rel(1.0 - 0.7924429308225137, 1e-13));
  REQUIRE_THROWS_WITH(var_haircut(-0.05, horizon(1), confidence_level(0.99)),
                      "collateral: volatility must be finite and > 0, got -0.05");
}

TEST_CASE("Risk-based LT and LTV from the haircut over two horizons", "[margin][collateral]") {
  const collateral_parameters p = risk_based_parameters(0.05, horizon(1), horizon(4), confidence_level(0.99), 0.05);
  CHECK_THAT(p.liquidation_threshold, dmtest::within_rel(0.8901926369177144, 1e-13));
  CHECK_THAT(p.loan_to_value, dmtest::within_rel(0.7924429308225137, 1e-13));
  CHECK(p.liquidation_bonus == 0.05);
  // A debt at HF = 1 is covered with probability 99% if liquidated within the day: the
  // collateral's 1% quantile after one day equals the weighted value (the definition, checked
  // through the inverse: LT = exp(-z sigma)).
  CHECK_THAT(-std::log(p.liquidation_threshold) / 0.05, dmtest::within_rel(2.3263478740408408, 1e-12));
  REQUIRE_THROWS_WITH(risk_based_parameters(0.05, horizon(4), horizon(1), confidence_level(0.99), 0.05),
                      "collateral: borrow_horizon must be at least the liquidation horizon (4 steps), got 1");
  // A very volatile asset with a large bonus breaks LT * (1 + bonus) <= 1.
  REQUIRE_THROWS_WITH(risk_based_parameters(0.001, horizon(1), horizon(1), confidence_level(0.99), 0.10),
                      dmtest::contains("liquidation_bonus must satisfy liquidation_threshold * (1 + bonus) <= 1"));
}

TEST_CASE("Aave health factor and borrow limit", "[margin][collateral][aave]") {
  // aave.com/help "Liquidations": "if you supply $10,000 in ETH with an 80% liquidation
  // threshold and borrow $6,000 in GHO, your health factor would be 1.333."
  collateral_account help({{10'000, {0.75, 0.80, 0.05}}}, 6'000);
  CHECK_THAT(help.health_factor(), dmtest::within_rel(4.0 / 3.0, 1e-15));
  CHECK_THAT(help.borrow_limit(), dmtest::within_rel(7'500.0, 1e-15));
  CHECK_FALSE(help.liquidatable());

  // Two assets (hand calculation): ETH 10,000 at LTV 80.5% / LT 83%, WBTC 5,000 at 73% / 78%.
  // Liquidation value 8,300 + 3,900 = 12,200; borrow limit 8,050 + 3,650 = 11,700.
  collateral_account account({{10'000, {0.805, 0.83, 0.05}}, {5'000, {0.73, 0.78, 0.05}}}, 10'000);
  CHECK_THAT(account.total_value(), dmtest::within_rel(15'000.0, 1e-15));
  CHECK_THAT(account.liquidation_value(), dmtest::within_rel(12'200.0, 1e-15));
  CHECK_THAT(account.borrow_limit(), dmtest::within_rel(11'700.0, 1e-15));
  CHECK_THAT(account.health_factor(), dmtest::within_rel(1.22, 1e-15));
  CHECK_THAT(account.available_to_borrow(), dmtest::within_abs(1'700.0, 1e-9));
  // ETH falls 30%: 7,000 * 0.83 + 3,900 = 9,710; HF 0.971, liquidatable.
  REQUIRE(account.set_value(0, 7'000) == status::ok);
  CHECK_THAT(account.health_factor(), dmtest::within_rel(0.971, 1e-14));
  CHECK(account.liquidatable());
  // Bad updates are refused and change nothing.
  CHECK(account.set_value(0, std::numeric_limits<double>::quiet_NaN()) == status::non_finite_input);
  CHECK(account.set_value(0, -1) == status::invalid_argument);
  CHECK(account.set_value(7, 1) == status::invalid_argument);
  CHECK(account.set_debt(-5) == status::invalid_argument);
  CHECK(account.holdings()[0].value == 7'000);
  CHECK(account.debt() == 10'000);
  REQUIRE(account.set_debt(0) == status::ok);
  CHECK(account.health_factor() == std::numeric_limits<double>::infinity());
}

TEST_CASE("Aave configuration rules name the holding, field and value", "[margin][collateral][aave]") {
  REQUIRE_THROWS_WITH(collateral_account({{10'000, {0.80, 0.83, 0.05}}, {5'000, {0.80, 0.78, 0.05}}}, 0.0),
                      "collateral: holdings[1].loan_to_value must be in [0, liquidation_threshold] ([0, 0.78]), "
                      "got 0.8");
  REQUIRE_THROWS_WITH(collateral_account({{10'000, {0.90, 0.97, 0.05}}}, 0.0),
                      "collateral: holdings[0].liquidation_bonus must satisfy liquidation_threshold * (1 + bonus) <= 1 "
                      "(threshold 0.97), got 0.05");
  REQUIRE_THROWS_WITH(collateral_account({{-1, {0.5, 0.6, 0.05}}}, 0.0),
                      "collateral: holdings[0].value must be finite and >= 0, got -1");
  REQUIRE_THROWS_WITH(collateral_account({{1, {0.5, 1.2, 0.0}}}, 0.0),
                      "collateral: holdings[0].liquidation_threshold must be in (0, 1], got 1.2");
  // Aave's own limit: LT 95% with a 5% bonus is exactly at LT * 1.05 = 0.9975 <= 1, allowed.
  CHECK_NOTHROW(collateral_account({{1, {0.93, 0.95, 0.05}}}, 0.0));
}

TEST_CASE("Compound III WETH: borrowCF 0.82, liquidateCF 0.90, liquidationFactor 0.95, storefront 0.5",
          "[margin][collateral][compound]") {
  // Compound III cUSDCv3 launch parameters; 10 WETH at 2,000 = 20,000 of collateral.
  const compound_collateral_factors weth{0.82, 0.90, 0.95};
  REQUIRE_NOTHROW(validate(weth));
  const std::vector<compound_holding> holdings = {{20'000, weth}};
  CHECK_THAT(compound_borrow_capacity(holdings), dmtest::within_rel(16'400.0, 1e-15));
  CHECK_THAT(compound_liquidation_capacity(holdings), dmtest::within_rel(18'000.0, 1e-15));
  CHECK_THAT(compound_absorbed_value(holdings), dmtest::within_rel(19'000.0, 1e-15));
  // Storefront discount 0.5 * (1 - 0.95) = 2.5%: 2,000 -> 1,950.
  CHECK_THAT(compound_storefront_price(2'000, 0.95, 0.5), dmtest::within_rel(1'950.0, 1e-15));
  // For comparison, Aave with LT = liquidateCF and LTV = borrowCF gives the same thresholds:
  // HF = 1 exactly at the debt where Comet becomes liquidatable.
  collateral_account aave({{20'000, {0.82, 0.90, 0.05}}}, 18'000);
  CHECK_THAT(aave.health_factor(), dmtest::within_rel(1.0, 1e-15));
  CHECK_THAT(aave.borrow_limit(), dmtest::within_rel(compound_borrow_capacity(holdings), 1e-15));
  REQUIRE_THROWS_WITH(
      validate(compound_collateral_factors{0.90, 0.90, 0.95}),
      "compound: borrow_collateral_factor must be in (0, liquidate_collateral_factor) ((0, 0.9)), got 0.9");
  REQUIRE_THROWS_WITH(validate(compound_collateral_factors{0.5, 0.9, 0.0}),
                      "compound: liquidation_factor must be in (0, 1], got 0");
  REQUIRE_THROWS_WITH(compound_storefront_price(2'000, 0.95, 1.5),
                      "compound: storefront_price_factor must be in [0, 1], got 1.5");
}
