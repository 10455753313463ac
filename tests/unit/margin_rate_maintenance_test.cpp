// SPDX-License-Identifier: MIT
// Maintenance margin after every rate policy: maintenance = fraction * initial, with the
// function's maintenance_fraction or the one a maintenance policy set, for every rate policy
// type, at zero, tiny and huge raw rates, in a static chain and in a run-time chain; and the
// long notional cap keeps the ratio.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "catch.hpp"
#include "degenerate_start_support.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/maintenance.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/margin/schedule.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

constexpr double function_fraction = 0.3;  // not the 0.5 default, so a default cannot pass for it

// Prices whose raw rates are exactly 0 (flat: the EWMA variance is 0), then tiny (relative moves
// of 1e-9), then huge (a move of e^4 with a 10-step horizon: a raw rate of several thousand),
// then ordinary (2% moves).
std::vector<double> zero_tiny_huge_prices() {
  std::vector<double> p(12, 100.0);
  for (int i = 0; i < 12; ++i) p.push_back(100.0 * (1.0 + (i % 2 == 0 ? 1e-9 : -1e-9)));
  p.push_back(100.0 * std::exp(4.0));
  for (int i = 0; i < 30; ++i) p.push_back(p.back() * (i % 3 == 0 ? 0.98 : 1.02));
  return p;
}

margin_function_config config() {
  margin_function_config c = dmtest::unguarded_config();
  c.maintenance_fraction = function_fraction;
  return c;
}

parametric_risk es_10_steps() {
  parametric_risk_config c;
  c.horizon_steps = horizon(10);
  return parametric_risk(c);
}

// The fraction in force after an effect of this name, given the one before it.
double fraction_after(std::string_view name, double before) {
  if (name == "maintenance_fraction") return 0.6;
  if (name == "initial_from_maintenance") return 1.0 / 1.1;
  return before;
}

// |maintenance - f * initial| within 4 ulps of f * initial; exactly 0 when initial is 0.
bool keeps_fraction(double initial, double maintenance, double f) {
  if (initial == 0.0) return maintenance == 0.0;
  return std::abs(maintenance - f * initial) <= 4.0 * std::numeric_limits<double>::epsilon() * f * initial;
}

struct raw_classes {
  std::size_t zero = 0, tiny = 0, huge = 0, checked = 0, bad = 0;
  std::string first_bad;
};

// Runs `fn` over the prices; at every ready step checks every rate effect of a short and a
// long quote, and the quotes' own rates.
template <class Fn>
void check_function(Fn& fn, raw_classes& seen) {
  const auto prices = zero_tiny_huge_prices();
  for (std::size_t i = 0; i < prices.size(); ++i) {
    REQUIRE(fn.update(static_cast<timestamp>(i) * 86400, prices[i]) == status::ok);
    if (!fn.ready()) continue;
    const double raw = fn.raw_rate();
    if (raw == 0.0) ++seen.zero;
    if (raw > 0.0 && raw < 1e-6) ++seen.tiny;
    if (raw > 100.0) ++seen.huge;
    for (const double quantity : {-1.0, 1.0}) {
      const auto q = fn.quote(quantity);
      double f = function_fraction;
      auto check = [&](double initial, double maintenance, const std::string& where) {
        ++seen.checked;
        if (keeps_fraction(initial, maintenance, f)) return;
        if (seen.bad++ == 0) {
          seen.first_bad = where + " at step " + std::to_string(i) + ": initial " + std::to_string(initial) +
                           ", maintenance " + std::to_string(maintenance) + ", fraction " + std::to_string(f);
        }
      };
      for (const auto& e : q.effects()) {
        f = fraction_after(e.name, f);
        check(e.initial_after, e.maintenance_after, std::string(e.name));
      }
      check(q.initial_rate, q.maintenance_rate, quantity > 0.0 ? "long quote" : "short quote");
    }
  }
}

std::vector<dynamic_policy_chain::rate_variant> one_of_each_type() {
  return {floor_policy(0.01),
          max_leverage_policy(50.0),
          cap_policy(0.5),
          scale_policy(parameter_schedule{{0, 1.0}, {40 * 86400, 1.2}}),
          maintenance_fraction_policy(0.6),
          initial_from_maintenance_policy(1.1),
          apc_buffer_policy(0.25),
          stressed_weight_policy(0.25, 5),
          lookback_floor_policy(5),
          peak_ratchet_policy(5),
          speed_limit_policy(0.5, 3),
          release_limit_policy(0.2, 3),
          hysteresis_policy(0.05)};
}

}  // namespace

TEST_CASE("maintenance is the fraction in force times initial after every rate policy, at any raw rate",
          "[margin][policy][maintenance]") {
  // Every policy type alone before a floor (which raises a zero rate), after a maintenance
  // policy and before a leverage floor, and after CME's initial-from-maintenance and before a
  // release limit (a memory policy raising from 0).
  const auto policies = one_of_each_type();
  REQUIRE(policies.size() == std::variant_size_v<dynamic_policy_chain::rate_variant>);
  for (const auto& p : policies) {
    const std::vector<std::vector<dynamic_policy_chain::rate_variant>> chains{
        {p, floor_policy(0.01)},
        {maintenance_fraction_policy(0.6), p, max_leverage_policy(40.0)},
        {initial_from_maintenance_policy(1.1), p, release_limit_policy(0.1, 2), floor_policy(0.02)}};
    for (const auto& members : chains) {
      raw_classes seen;
      margin_function fn(config(), dmtest::one_return_ewma(), es_10_steps(), dynamic_policy_chain(members));
      check_function(fn, seen);
      INFO("policy " << std::visit([](const auto& x) { return std::string(x.name()); }, p));
      INFO(seen.first_bad);
      CHECK(seen.bad == 0);
      CHECK(seen.zero >= 10);  // the test reaches each kind of raw rate
      CHECK(seen.tiny >= 10);
      CHECK(seen.huge >= 1);
      CHECK(seen.checked > 100);
    }
  }
}

TEST_CASE("maintenance keeps its fraction through a static chain at zero raw rates", "[margin][policy][maintenance]") {
  // The compile-time chain carries the fraction itself (no run-time chain in between).
  raw_classes seen;
  margin_function fn(config(), dmtest::one_return_ewma(), es_10_steps(), release_limit_policy(0.2, 3),
                     maintenance_fraction_policy(0.6), floor_policy(0.01), speed_limit_policy(0.5, 3),
                     initial_from_maintenance_policy(1.1), max_leverage_policy(20.0), apc_buffer_policy(0.25));
  check_function(fn, seen);
  INFO(seen.first_bad);
  CHECK(seen.bad == 0);
  CHECK(seen.zero >= 10);
  CHECK(seen.huge >= 1);
}

TEST_CASE("a floor over a zero raw rate leaves room before liquidation", "[margin][policy][maintenance]") {
  // Flat prices: raw 0. Hyperliquid-style 40x cap (IM 2.5%) with the default fraction 0.5:
  // maintenance 1.25%, not 2.5% (which would liquidate a 40x position as it opens).
  margin_function fn(dmtest::unguarded_config(), dmtest::one_return_ewma(), es_10_steps(), max_leverage_policy(40.0));
  REQUIRE(fn.update(0, 100.0) == status::ok);
  REQUIRE(fn.update(86400, 100.0) == status::ok);
  REQUIRE(fn.raw_rate() == 0.0);
  const auto q = fn.quote(1.0);
  CHECK(q.initial_rate == 0.025);
  CHECK(q.maintenance_rate == 0.0125);
  CHECK(q.maintenance_rate < q.initial_rate);
}
