// SPDX-License-Identifier: MIT
// Rate policies: venue numbers (Binance, Hyperliquid, dYdX, CME, Deribit), the
// EMIR APC rules (hand sequences and invariants on BTC hourly), speed limits against a
// brute-force recursion, hysteresis and announced schedules.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/maintenance.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/schedule.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"
#include "time_points.hpp"

using namespace dynmargin;

namespace {

market_context at(timestamp t, double raw = 0.0, double vol = 0.0) {
  market_context c;
  c.time = dmtest::at_s(t);
  c.raw_rate = raw;
  c.volatility = vol;
  c.stressed_volatility = vol;
  return c;
}

parametric_risk normal_es(std::int64_t h) {
  parametric_risk_config c;
  c.horizon_steps = horizon(h);
  return parametric_risk(c);
}

// Runs a function over BTC hourly, collecting the instrument-level raw and initial rates of
// the ready steps (the rates the policies produce; a long quote would cap them at 100%).
template <class Fn>
void run_hourly(Fn& fn, std::vector<double>& raw, std::vector<double>& initial, std::vector<double>* sigma = nullptr) {
  const auto prices = dmtest::btc_hourly_prices();
  for (std::size_t i = 0; i < prices.size(); ++i) {
    REQUIRE(fn.update(static_cast<timestamp>(i) * 3600, prices[i]) == status::ok);
    if (!fn.ready()) continue;
    raw.push_back(fn.raw_rate());
    initial.push_back(fn.rates().initial);
    if (sigma != nullptr) sigma->push_back(std::sqrt(fn.volatility().variance()));
  }
}

}  // namespace

TEST_CASE("maintenance from initial reproduces venue rates", "[margin][policy][maintenance]") {
  // Binance BTCUSDT bracket 1: IMR 0.8% (125x), MMR 0.4%; Hyperliquid BTC 40x: IMR 2.5%,
  // MMR 1.25%; dYdX v4 Large-Cap: IMF 5%, MMF 3% (f = 0.6). Exact up to one rounding.
  maintenance_fraction_policy half(0.5);
  CHECK_THAT(half.update(at(0), {0.008, 0.0}).maintenance, dmtest::within_rel(0.004, 1e-15));
  CHECK_THAT(half.update(at(0), {0.025, 0.0}).maintenance, dmtest::within_rel(0.0125, 1e-15));
  CHECK(half.update(at(0), {0.025, 0.0}).initial == 0.025);
  maintenance_fraction_policy dydx(0.6);
  CHECK_THAT(dydx.update(at(0), {0.05, 0.0}).maintenance, dmtest::within_rel(0.03, 1e-15));
  // CME heightened-risk profile: IM = 110% of the maintenance (risk-based) requirement.
  initial_from_maintenance_policy cme;
  const auto r = cme.update(at(0), {0.10, 0.05});
  CHECK(r.maintenance == 0.10);
  CHECK_THAT(r.initial, dmtest::within_rel(0.11, 1e-15));
  REQUIRE_THROWS_WITH(maintenance_fraction_policy(1.5), "maintenance_fraction: fraction must be in (0, 1], got 1.5");
  REQUIRE_THROWS_WITH(initial_from_maintenance_policy(0.9),
                      "initial_from_maintenance: ratio must be finite and >= 1, got 0.9");
}

TEST_CASE("floors, maximum leverage and caps", "[margin][policy][floors]") {
  // Binance 125x -> IMR 0.8%; Hyperliquid 40x -> 2.5%; Binance new accounts 20x -> 5%.
  CHECK_THAT(max_leverage_policy(125.0).update(at(0), {0.001, 0.0005}).initial, dmtest::within_rel(0.008, 1e-15));
  CHECK_THAT(max_leverage_policy(40.0).update(at(0), {0.001, 0.0005}).initial, dmtest::within_rel(0.025, 1e-15));
  const auto twenty = max_leverage_policy(20.0).update(at(0), {0.001, 0.0005});
  CHECK_THAT(twenty.initial, dmtest::within_rel(0.05, 1e-15));
  CHECK_THAT(twenty.maintenance, dmtest::within_rel(0.025, 1e-15));  // ratio kept
  CHECK(max_leverage_policy(20.0).update(at(0), {0.07, 0.035}) == margin_rates{0.07, 0.035});
  // Deribit BTC futures base IM 2%, MM 1%.
  const auto deribit = floor_policy(0.02).update(at(0), {0.004, 0.002});
  CHECK(deribit.initial == 0.02);
  CHECK_THAT(deribit.maintenance, dmtest::within_rel(0.01, 1e-15));
  // With no incoming initial rate the rates carry no ratio: the context's fraction applies
  // (0.5 by default, 0.6 here as after a dYdX maintenance policy), never maintenance = initial.
  CHECK(floor_policy(0.02).update(at(0), {0.0, 0.0}) == margin_rates{0.02, 0.01});
  market_context dydx_context = at(0);
  dydx_context.maintenance_fraction = 0.6;
  CHECK_THAT(floor_policy(0.05).update(dydx_context, {0.0, 0.0}).maintenance, dmtest::within_rel(0.03, 1e-15));
  CHECK(cap_policy(0.5).update(at(0), {0.8, 0.4}) == margin_rates{0.5, 0.25});
  REQUIRE_THROWS_WITH(floor_policy(-0.01), "floor: rate must be >= 0, got -0.01");
  REQUIRE_THROWS_WITH(max_leverage_policy(0.5), "max_leverage: leverage must be finite and >= 1, got 0.5");
  REQUIRE_THROWS_WITH(cap_policy(0.0), "cap: rate must be > 0, got 0");
}

TEST_CASE("announced parameter changes ramp in linearly", "[margin][policy][schedule]") {
  // "From 2% at t = 1000 to 3% at t = 2000": closed-form linear interpolation.
  const parameter_schedule ramp{{1000, 0.02}, {2000, 0.03}};
  CHECK(ramp.value_at(0) == 0.02);
  CHECK(ramp.value_at(1000) == 0.02);
  CHECK_THAT(ramp.value_at(1500), dmtest::within_rel(0.025, 1e-15));
  CHECK_THAT(ramp.value_at(1750), dmtest::within_rel(0.0275, 1e-15));
  CHECK(ramp.value_at(5000) == 0.03);
  floor_policy floor(ramp);
  CHECK_THAT(floor.update(at(1250), {0.01, 0.005}).initial, dmtest::within_rel(0.0225, 1e-15));
  scale_policy scale(parameter_schedule{{0, 1.0}, {7 * 86400, 1.2}});  // +20% over a week
  CHECK_THAT(scale.update(at(7 * 86400 / 2), {0.05, 0.025}).initial, dmtest::within_rel(0.055, 1e-15));
  REQUIRE_THROWS_WITH((parameter_schedule{{10, 0.02}, {10, 0.03}}),
                      "parameter_schedule: time of knot 1 must be later than the previous knot's 10, got 10");
  REQUIRE_THROWS_WITH(parameter_schedule(std::vector<schedule_knot>{}),
                      "parameter_schedule: knots must hold at least one knot, got 0");
  REQUIRE_THROWS_WITH(floor_policy(parameter_schedule{{0, 0.01}, {10, -0.02}}), "floor: rate must be >= 0, got -0.02");
}

TEST_CASE("APC buffer invariant raw <= margin <= 1.25 raw on every BTC hourly step", "[margin][policy][apc]") {
  margin_function fn(ewma_volatility(0.94), normal_es(24), apc_buffer_policy(0.25));
  std::vector<double> raw, initial;
  run_hourly(fn, raw, initial);
  REQUIRE(raw.size() > 37000);
  std::size_t violations = 0, consumed = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (!(raw[i] <= initial[i] && initial[i] <= 1.25 * raw[i])) ++violations;
    if (initial[i] < 1.25 * raw[i]) ++consumed;
  }
  CHECK(violations == 0);
  CHECK(consumed > 1000);  // the buffer is actually used on this history
}

TEST_CASE("stressed-observation weighting (hand sequence)", "[margin][policy][apc]") {
  // ICE IRM 1 / EMIR (b): sigma = 0.25 sigma_stress + 0.75 sigma_now, sigma_stress the
  // highest sigma over the last 3 steps here. Rates rescale the loss ln(1 + R).
  stressed_weight_policy policy(0.25, 3);
  const double vols[] = {0.01, 0.03, 0.02, 0.015, 0.012};
  const double rate = 0.05;
  double out[5];
  for (int i = 0; i < 5; ++i) out[i] = policy.update(at(i, rate, vols[i]), {rate, rate / 2}).initial;
  auto expect = [&](double stress, double now) {
    return std::expm1(std::log1p(rate) * (0.25 * stress + 0.75 * now) / now);
  };
  CHECK_THAT(out[0], dmtest::within_rel(rate, 1e-15));                 // stress = now
  CHECK_THAT(out[3], dmtest::within_rel(expect(0.03, 0.015), 1e-14));  // window {0.03, 0.02, 0.015}
  CHECK_THAT(out[4], dmtest::within_rel(expect(0.02, 0.012), 1e-14));  // 0.03 has left the window
  REQUIRE_THROWS_WITH(stressed_weight_policy(1.5, 10), "stressed_weight: weight must be in [0, 1], got 1.5");
  REQUIRE_THROWS_WITH(stressed_weight_policy(0.25, -1), "stressed_weight: lookback must be in [0, 1e8] steps, got -1");
}

TEST_CASE("stressed weighting equals parametric ES at the weighted sigma on BTC hourly", "[margin][policy][apc]") {
  // For parametric normal ES the loss is 2.665214 * sqrt(h) * sigma, so rescaling the loss is
  // computing the ES with sigma_w = 0.25 max(sigma over 500 steps) + 0.75 sigma_now (computed
  // here by brute force). Tolerance 1e-6: the 7-digit ES factor of REFERENCE.md.
  margin_function fn(ewma_volatility(0.94), normal_es(1), stressed_weight_policy(0.25, 500));
  std::vector<double> raw, initial, sigma;
  run_hourly(fn, raw, initial, &sigma);
  double worst = 0.0;
  for (std::size_t i = 0; i < sigma.size(); ++i) {
    const std::size_t from = i >= 499 ? i - 499 : 0;
    const double stress = *std::max_element(sigma.begin() + static_cast<std::ptrdiff_t>(from),
                                            sigma.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    const double weighted = 0.25 * stress + 0.75 * sigma[i];
    worst = std::max(worst, std::abs(initial[i] / std::expm1(2.665214 * weighted) - 1.0));
  }
  CHECK(worst < 1e-6);
}

TEST_CASE("peak ratchet (highest raw rate) and the long-run volatility floor", "[margin][policy][apc]") {
  SECTION("peak ratchet: maximum over the last 200 steps, by brute force, exact") {
    margin_function fn(ewma_volatility(0.94), normal_es(24), peak_ratchet_policy(200));
    std::vector<double> raw, initial;
    run_hourly(fn, raw, initial);
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const std::size_t from = i >= 199 ? i - 199 : 0;
      const double highest = *std::max_element(raw.begin() + static_cast<std::ptrdiff_t>(from),
                                               raw.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      if (initial[i] != highest) ++mismatches;
    }
    CHECK(mismatches == 0);
  }
  SECTION("peak ratchet, whole history: never below any earlier raw rate") {
    margin_function fn(ewma_volatility(0.94), normal_es(24), lookback_floor_policy(0, lookback_floor_rule::maximum));
    std::vector<double> raw, initial;
    run_hourly(fn, raw, initial);
    double running = 0.0;
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      running = std::max(running, raw[i]);
      if (initial[i] != running) ++mismatches;
    }
    CHECK(mismatches == 0);
  }
  SECTION("long-run volatility over 1000 steps (EMIR wording)") {
    // Floor = parametric ES at sigma_lr = sqrt(mean sigma^2 over the window); 1e-9 relative
    // (the running sum against a fresh sum over 1000 terms).
    margin_function fn(ewma_volatility(0.94), normal_es(1),
                       lookback_floor_policy(1000, lookback_floor_rule::long_run_volatility));
    std::vector<double> raw, initial, sigma;
    run_hourly(fn, raw, initial, &sigma);
    double worst = 0.0;
    for (std::size_t i = 0; i < sigma.size(); i += 7) {
      const std::size_t from = i >= 999 ? i - 999 : 0;
      double sum = 0.0;
      for (std::size_t j = from; j <= i; ++j) sum += sigma[j] * sigma[j];
      const double floor = std::expm1(std::log1p(raw[i]) * std::sqrt(sum / static_cast<double>(i - from + 1)) /
                                      sigma[i]);
      worst = std::max(worst, std::abs(initial[i] / std::max(raw[i], floor) - 1.0));
    }
    CHECK(worst < 1e-9);
  }
}

TEST_CASE("speed and release limits follow their recursion on BTC hourly", "[margin][policy][speed]") {
  // Alone in the function the published rate is the limit's output. Rules of speed_limit.hpp
  // with W = 10 (the default), brute force below, exact (the same operations in the same order).
  SECTION("rise at most 10% over 24 hours") {
    margin_function fn(ewma_volatility(0.94), normal_es(24), speed_limit_policy(0.10, 24));
    std::vector<double> raw, initial;
    run_hourly(fn, raw, initial);
    std::vector<double> expected(raw.size());
    std::size_t mismatches = 0, bound = 0, too_fast = 0, outside = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      expected[i] = raw[i];
      if (i >= 24) {
        const double lowest = std::pow(1.10, -11.0) * raw[i];
        const double base = std::max(expected[i - 24], lowest);
        expected[i] = std::min(raw[i], (1.0 + 0.10) * base);
      }
      if (initial[i] != expected[i]) ++mismatches;
      if (initial[i] < raw[i]) ++bound;
      // At most 10% above the rate 24 hours ago, unless that was more than W = 10 windows of
      // increase behind the current rate; and never more than that behind.
      if (i >= 24 && initial[i] > 1.10 * initial[i - 24] * (1 + 1e-15) &&
          initial[i] > raw[i] * std::pow(1.10, -10.0) * (1 + 1e-14))
        ++too_fast;
      if (initial[i] < raw[i] * std::pow(1.10, -10.0) * (1 - 1e-14) || initial[i] > raw[i]) ++outside;
    }
    CHECK(mismatches == 0);
    CHECK(too_fast == 0);
    CHECK(outside == 0);
    CHECK(bound > 100);
  }
  SECTION("fall at most 5% over 24 hours") {
    margin_function fn(ewma_volatility(0.94), normal_es(24), release_limit_policy(0.05, 24));
    std::vector<double> raw, initial;
    run_hourly(fn, raw, initial);
    std::vector<double> expected(raw.size());
    std::size_t mismatches = 0, bound = 0, outside = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      expected[i] = raw[i];
      if (i >= 24) {
        const double highest = std::pow(0.95, -11.0) * raw[i];
        expected[i] = std::max(raw[i], (1.0 - 0.05) * std::min(expected[i - 24], highest));
      }
      if (initial[i] != expected[i]) ++mismatches;
      if (initial[i] > raw[i]) ++bound;
      if (initial[i] < raw[i] || initial[i] > raw[i] * std::pow(0.95, -10.0) * (1 + 1e-14)) ++outside;
    }
    CHECK(mismatches == 0);
    CHECK(outside == 0);
    CHECK(bound > 100);
  }
  REQUIRE_THROWS_WITH(speed_limit_policy(-0.1, 5), "speed_limit: max_increase must be finite and >= 0, got -0.1");
  REQUIRE_THROWS_WITH(speed_limit_policy(0.1, 0), "speed_limit: window must be in [1, 1e8] steps, got 0");
  REQUIRE_THROWS_WITH(release_limit_policy(1.5, 5), "release_limit: max_decrease must be in [0, 1], got 1.5");
  REQUIRE_THROWS_WITH(speed_limit_policy(0.5, 5, 0),
                      "speed_limit: max_windows_behind must be in [1, 1000] windows, got 0");
  REQUIRE_THROWS_WITH(release_limit_policy(0.2, 5, 1001),
                      "release_limit: max_windows_behind must be in [1, 1000] windows, got 1001");
}

TEST_CASE("hysteresis ignores moves inside the band", "[margin][policy][speed]") {
  // Band 5%: 1.00 held; 1.04 and 0.96 ignored; 1.06 passes; 1.02 is within 5% of 1.06 (held).
  hysteresis_policy h(0.05);
  const double in[] = {1.00, 1.04, 0.96, 1.06, 1.02, 0.99};
  const double out[] = {1.00, 1.00, 1.00, 1.06, 1.06, 0.99};
  for (int i = 0; i < 6; ++i) CHECK(h.update(at(i), {in[i], in[i] / 2}).initial == out[i]);
  REQUIRE_THROWS_WITH(hysteresis_policy(-1.0), "hysteresis: band must be in [0, 1), got -1");
  REQUIRE_THROWS_WITH(hysteresis_policy(1.0), "hysteresis: band must be in [0, 1), got 1");
}
