// SPDX-License-Identifier: MIT
// Policies with memory cannot lock in a bad value (speed_limit.hpp, apc.hpp):
//  - property: each policy that remembers earlier margins or rates (speed and release limits,
//    hysteresis, the APC buffer, the lookback floor, a scheduled floor), alone and before a 1%
//    floor, on BTC daily prices whose first return is zero, tiny or huge (so the first value
//    the policy sees is a raw rate of 0, ~1e-9 or ~3000): no margin leaves the documented
//    band around the risk-based rate on any step;
//  - the limits' history is the published margin (after a later floor), by brute force, in a
//    compile-time and a run-time chain, and survives a save and restore mid-window;
//  - degenerate histories (0, NaN, infinity) never cap or hold margin.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "degenerate_start_support.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/margin/schedule.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

enum class first_return { zero, tiny, huge };

// BTC-USD daily closes with one price put in front, so that the first return is 0, 1e-9 or
// ln 20 (EWMA(0.94) starts at the first squared return: the first raw rate is 0, ~1e-9 or
// ~3000); the rest follows the BTC daily returns.
std::vector<double> prices(first_return kind) {
  const auto close = dmtest::read_csv(dmtest::market_path("btc_usd_daily.csv")).numbers("Close");
  const double jump = kind == first_return::zero ? 1.0 : kind == first_return::tiny ? 1.0 + 1e-9 : 20.0;
  std::vector<double> p{close[0] / jump};
  for (double c : close) p.push_back(c);
  return p;
}

parametric_risk normal_es_1d() { return parametric_risk(parametric_risk_config{}); }

// Runs `fn` over the prices: raw and published initial rates of the ready steps.
template <class Fn>
void run(Fn& fn, const std::vector<double>& p, std::vector<double>& raw, std::vector<double>& published) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    REQUIRE(fn.update(static_cast<timestamp>(i) * 86400, p[i]) == status::ok);
    if (!fn.ready()) continue;
    raw.push_back(fn.raw_rate());
    published.push_back(fn.rates().initial);
  }
}

constexpr double eps = 1e-14;  // a pow and two products: a few ulps
constexpr std::size_t n = 5;   // every window below

// The documented band [low, high] of the published rate at step t, before a floor f (0: none).
struct band {
  double low;
  double high;
};
using band_rule = band (*)(const std::vector<double>& raw, std::size_t t);

// speed_limit(0.5, 5), W = 10: never more than 10 windows of increase behind the rate.
band speed_band(const std::vector<double>& r, std::size_t t) { return {r[t] / std::pow(1.5, 10.0), r[t]}; }
// release_limit(0.2, 5), W = 10: never more than 10 windows of decrease above the rate.
band release_band(const std::vector<double>& r, std::size_t t) { return {r[t], r[t] / std::pow(0.8, 10.0)}; }
band hysteresis_band(const std::vector<double>& r, std::size_t t) { return {r[t] / 1.05, r[t] / 0.95}; }
band apc_band(const std::vector<double>& r, std::size_t t) { return {r[t], 1.25 * r[t]}; }
band lookback_band(const std::vector<double>& r, std::size_t t) {  // peak_ratchet(5): the maximum
  return {r[t], *std::max_element(r.begin() + static_cast<std::ptrdiff_t>(t >= n - 1 ? t - (n - 1) : 0),
                                  r.begin() + static_cast<std::ptrdiff_t>(t) + 1)};
}
band scheduled_floor_band(const std::vector<double>& r, std::size_t t) { return {r[t], std::max(r[t], 0.02)}; }

struct memory_case {
  std::string name;
  dynamic_policy_chain::rate_variant policy;
  band_rule rule;
};

std::vector<memory_case> memory_policies() {
  // The scheduled floor ramps 0 -> 2% over the first 100 days (the prices are at t = i days).
  const parameter_schedule ramp{{0, 0.0}, {100 * 86400, 0.02}};
  return {{"speed_limit", speed_limit_policy(0.5, 5), speed_band},
          {"release_limit", release_limit_policy(0.2, 5), release_band},
          {"hysteresis", hysteresis_policy(0.05), hysteresis_band},
          {"apc_buffer", apc_buffer_policy(0.25), apc_band},
          {"peak_ratchet", peak_ratchet_policy(5), lookback_band},
          {"scheduled floor", floor_policy(ramp), scheduled_floor_band}};
}

}  // namespace

TEST_CASE("no memory policy keeps margin outside its documented band after a zero, tiny or huge first value",
          "[margin][policy][memory]") {
  for (const first_return kind : {first_return::zero, first_return::tiny, first_return::huge}) {
    const auto p = prices(kind);
    for (const auto& c : memory_policies()) {
      for (const double floor : {0.0, 0.01}) {
        std::vector<dynamic_policy_chain::rate_variant> members{c.policy};
        if (floor > 0.0) members.emplace_back(floor_policy(floor));
        margin_function fn(dmtest::unguarded_config(), dmtest::one_return_ewma(), normal_es_1d(),
                           dynamic_policy_chain(members));
        std::vector<double> raw, published;
        run(fn, p, raw, published);
        REQUIRE(raw.size() > 2500);
        // The first raw rate is the degenerate one asked for.
        if (kind == first_return::zero) REQUIRE(raw[0] == 0.0);
        if (kind == first_return::tiny) REQUIRE((raw[0] > 0.0 && raw[0] < 1e-8));
        if (kind == first_return::huge) REQUIRE(raw[0] > 1000.0);
        std::size_t outside = 0, below_raw = 0;
        std::string first;
        for (std::size_t t = 0; t < raw.size(); ++t) {
          const band b = c.rule(raw, t);
          const double low = std::max(b.low, floor) * (1.0 - eps);
          const double high = std::max(b.high, floor) * (1.0 + eps);
          if (published[t] < raw[t]) ++below_raw;
          if (!(published[t] >= low && published[t] <= high)) {
            if (outside++ == 0) {
              first = "step " + std::to_string(t) + ": " + std::to_string(published[t]) + " outside [" +
                      std::to_string(low) + ", " + std::to_string(high) + "], raw " + std::to_string(raw[t]);
            }
          }
        }
        INFO(c.name << ", first return " << static_cast<int>(kind) << ", floor " << floor << ": " << first);
        CHECK(outside == 0);
        // Only the limits that hold margin back may leave it below the risk-based rate.
        if (c.name != "speed_limit" && c.name != "hysteresis") CHECK(below_raw == 0);
      }
    }
  }
}

TEST_CASE("the speed limit's history is the published margin: the zero-first-return trap is gone",
          "[margin][policy][memory]") {
  // The case: speed_limit(0.5, 5) then a 1% floor on daily prices whose first return
  // is 0. The first output was 0 and, with the limit remembering its own output, every 5th
  // margin stayed at min(R, 1.5 * 0) = 0, lifted only to the floor. Brute force of the rule
  // of speed_limit.hpp with P the published (floored) rate:
  // M_t = min(R_t, 1.5 max(P_{t-5}, R_t / 1.5^11)), P_t = max(M_t, 1%). Exact.
  const auto p = prices(first_return::zero);
  margin_function fixed(dmtest::one_return_ewma(), normal_es_1d(), speed_limit_policy(0.5, 5), floor_policy(0.01));
  dynamic_policy_chain chain;
  chain.add(speed_limit_policy(0.5, 5)).add(floor_policy(0.01));
  margin_function dynamic(dmtest::one_return_ewma(), normal_es_1d(), chain);
  std::vector<double> raw, published, raw_dynamic, published_dynamic;
  run(fixed, p, raw, published);
  run(dynamic, p, raw_dynamic, published_dynamic);
  REQUIRE(published_dynamic == published);
  std::vector<double> expected(raw.size());
  std::size_t mismatches = 0, at_floor_below_raw = 0;
  for (std::size_t t = 0; t < raw.size(); ++t) {
    double m = raw[t];
    if (t >= 5) m = std::min(raw[t], 1.5 * std::max(expected[t - 5], std::pow(1.5, -11.0) * raw[t]));
    expected[t] = std::max(m, 0.01);
    if (published[t] != expected[t]) ++mismatches;
    if (t >= 5 && published[t] == 0.01 && raw[t] > 0.015) ++at_floor_below_raw;
  }
  CHECK(mismatches == 0);
  CHECK(at_floor_below_raw == 0);  // was every 5th step of the file
}

TEST_CASE("a limit's history is the published margin, not its output, and survives restore mid-window",
          "[margin][policy][memory]") {
  // release_limit(0.2, 5) before a 5% cap, then speed_limit(0.3, 3): the cap lowers what is
  // charged, so the release floor starts from the published (capped) rate. Brute force of the
  // rules of speed_limit.hpp (W = 10), exact.
  const auto p = prices(first_return::huge);
  auto make = [] {
    dynamic_policy_chain chain;
    chain.add(release_limit_policy(0.2, 5)).add(cap_policy(0.05)).add(speed_limit_policy(0.3, 3));
    return margin_function(dmtest::unguarded_config(), dmtest::one_return_ewma(), normal_es_1d(), chain);
  };
  auto fn = make();
  std::vector<double> raw, published;
  run(fn, p, raw, published);
  std::vector<double> released(raw.size()), expected(raw.size());
  std::size_t mismatches = 0, capped = 0;
  for (std::size_t t = 0; t < raw.size(); ++t) {
    double m = raw[t];
    if (t >= 5) m = std::max(raw[t], 0.8 * std::min(expected[t - 5], std::pow(0.8, -11.0) * raw[t]));
    released[t] = m;
    if (m > 0.05) ++capped;
    m = std::min(m, 0.05);
    if (t >= 3) m = std::min(m, 1.3 * std::max(expected[t - 3], std::pow(1.3, -11.0) * m));
    expected[t] = m;
    if (published[t] != expected[t]) ++mismatches;
  }
  CHECK(mismatches == 0);
  CHECK(capped > 100);  // the cap binds: published and output differ

  // Save after 1002 prices (inside a window of both limits), restore into a fresh function,
  // continue: bit-identical rates and states.
  auto original = make();
  for (std::size_t i = 0; i < 1002; ++i)
    REQUIRE(original.update(static_cast<timestamp>(i) * 86400, p[i]) == status::ok);
  auto restored = make();
  restored.restore(original.state());
  for (std::size_t i = 1002; i < p.size(); ++i) {
    const auto t = static_cast<timestamp>(i) * 86400;
    REQUIRE(original.update(t, p[i]) == restored.update(t, p[i]));
    REQUIRE(original.rates() == restored.rates());
  }
  CHECK(original.state() == restored.state());
}

TEST_CASE("degenerate histories never cap or hold margin", "[margin][policy][memory]") {
  market_context context;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  SECTION("speed limit: a published 0, NaN or infinity is no cap; a tiny one caps at most W windows behind") {
    for (const double bad : {0.0, nan, inf}) {
      speed_limit_policy speed(0.5, 2);
      for (int i = 0; i < 2; ++i) {
        (void)speed.update(context, {0.0, 0.0});
        speed.observe_published({bad, bad});
      }
      CHECK(speed.update(context, {0.04, 0.02}) == margin_rates{0.04, 0.02});
    }
    // A received 0 published as 1% (a floor after it): the base is 1%, the cap 1.5%.
    speed_limit_policy speed(0.5, 1);
    (void)speed.update(context, {0.0, 0.0});
    speed.observe_published({0.01, 0.005});
    const auto capped = speed.update(context, {0.04, 0.02});
    CHECK_THAT(capped.initial, dmtest::within_rel(0.015, 1e-15));
    CHECK_THAT(capped.maintenance, dmtest::within_rel(0.0075, 1e-15));
    // A tiny published rate: the cap is 4% / 1.5^10, not 1.5e-12 (W = 10).
    speed.observe_published({1e-12, 5e-13});
    CHECK_THAT(speed.update(context, {0.04, 0.02}).initial, dmtest::within_rel(0.04 / std::pow(1.5, 10.0), 1e-14));
  }
  SECTION("release limit: a published NaN or infinity is no floor; a huge one floors at most W windows above") {
    for (const double bad : {0.0, nan, inf}) {
      release_limit_policy release(0.5, 1);
      (void)release.update(context, {0.04, 0.02});
      release.observe_published({bad, bad});
      CHECK(release.update(context, {0.01, 0.005}) == margin_rates{0.01, 0.005});
    }
    release_limit_policy release(0.5, 1);
    (void)release.update(context, {0.04, 0.02});
    release.observe_published({1e6, 5e5});
    CHECK_THAT(release.update(context, {0.01, 0.005}).initial, dmtest::within_rel(0.01 / std::pow(0.5, 10.0), 1e-14));
  }
  SECTION("hysteresis holds no 0, NaN or infinity") {
    for (const double bad : {0.0, nan, inf}) {
      hysteresis_policy h(0.5);
      (void)h.update(context, {bad, bad});
      CHECK(h.update(context, {0.03, 0.015}) == margin_rates{0.03, 0.015});
    }
  }
  SECTION("APC buffer restarts after a margin that is not finite") {
    apc_buffer_policy apc(apc_buffer_policy_config{0.25, 0.5});
    (void)apc.update(context, {inf, inf});
    const auto out = apc.update(context, {0.04, 0.02});
    CHECK_THAT(out.initial, dmtest::within_rel(0.05, 1e-15));  // a full buffer on 4%
    CHECK_THAT(out.maintenance, dmtest::within_rel(0.025, 1e-15));
  }
}
