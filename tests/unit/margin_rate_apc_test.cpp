// SPDX-License-Identifier: MIT
// EMIR Art. 28(1) anti-procyclicality tools as apc.hpp reads the regulation (issue 12 §2):
//  (a) the buffer is full (>= 25%) whenever the stress indicator is below its threshold and
//      drawn down linearly above it: hand sequences, and a brute-force recomputation of the
//      indicator and the buffer on BTC and ETH daily with the policies of the shipped CCP
//      config (examples/configs/ccp_apc.json; the CLI test "cli: apc" runs that file itself);
//  (b) the stressed volatility is the highest rolling-window volatility of the whole history
//      and never rolls off;
//  (c) the default floor is margin from the long-run volatility; the peak ratchet keeps its
//      own name.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

market_context with_volatility(double vol) {
  market_context c;
  c.volatility = vol;
  c.stressed_volatility = vol;
  return c;
}

// The policies of examples/configs/ccp_apc.json, one bar a day (keep the two in step).
auto ccp_function() {
  ewma_volatility_config vol;
  vol.lambda = decay_factor(0.97);
  parametric_risk_config risk;
  risk.distribution = risk_distribution::student_t;
  risk.nu = 4.0;
  risk.confidence = confidence_level(0.99);
  risk.horizon_steps = horizon(2);
  margin_function_config config;
  config.maintenance_fraction = 0.9;
  apc_buffer_policy_config buffer;
  buffer.buffer = 0.25;
  buffer.lookback = 250;
  buffer.stress_threshold = 1.25;
  buffer.release_threshold = 2.0;
  return margin_function(config, ewma_volatility(vol), parametric_risk(risk),
                         stressed_weight_policy(stressed_weight_policy_config{0.25, 250, 0}),
                         lookback_floor_policy(3650), apc_buffer_policy(buffer), floor_policy(0.05));
}

}  // namespace

TEST_CASE("APC buffer: full in calm, drawn down linearly with stress (hand sequence)", "[margin][policy][apc]") {
  // b = 0.25, lookback 3, s_lo = 1.25, s_hi = 2; s = R / mean(R over the last 3, R included).
  //  R = 1, 1, 1: s = 1, buffer 0.25, M = 1.25;
  //  R = 2: mean 4/3, s = 1.5, buffer 0.25 (2 - 1.5) / 0.75 = 1/6, M = 2 (1 + 1/6) = 7/3;
  //  R = 2: mean 5/3, s = 1.2 < 1.25: full again, M = 2.5;
  //  R = 1: mean 5/3, s = 0.6: M = 1.25.
  apc_buffer_policy_config c;
  c.lookback = 3;
  apc_buffer_policy apc(c);
  const double inputs[] = {1.0, 1.0, 1.0, 2.0, 2.0, 1.0};
  const double expected[] = {1.25, 1.25, 1.25, 7.0 / 3.0, 2.5, 1.25};
  const double stress[] = {1.0, 1.0, 1.0, 1.5, 1.2, 0.6};
  for (int i = 0; i < 6; ++i) {
    const auto out = apc.update(market_context{}, {inputs[i], inputs[i] / 2.0});
    CHECK_THAT(out.initial, dmtest::within_rel(expected[i], 1e-15));
    CHECK_THAT(out.maintenance, dmtest::within_rel(expected[i] / 2.0, 1e-15));
    CHECK_THAT(apc.stress_indicator(), dmtest::within_rel(stress[i], 1e-15));
    CHECK_THAT(apc.buffer_in_force(), dmtest::within_rel(expected[i] / inputs[i] - 1.0, 1e-14));
  }
}

TEST_CASE("APC buffer: released at once, rebuilt at most rebuild x b per update while stressed",
          "[margin][policy][apc]") {
  // lookback 5, rebuild 0.2 (0.05 of buffer per update):
  //  R = 1 four times: full, M = 1.25;
  //  R = 4: mean 1.6, s = 2.5 >= s_hi: empty, M = 4;
  //  R = 3: mean 2, s = 1.5: target 1/6 but at most 0 + 0.05: M = 3.15;
  //  R = 2.2: mean 2.24, s = 0.982 < 1.25: full at once, M = 2.75.
  apc_buffer_policy_config c;
  c.lookback = 5;
  c.rebuild = 0.2;
  apc_buffer_policy apc(c);
  const double inputs[] = {1.0, 1.0, 1.0, 1.0, 4.0, 3.0, 2.2};
  const double expected[] = {1.25, 1.25, 1.25, 1.25, 4.0, 3.15, 2.75};
  for (int i = 0; i < 7; ++i) {
    CHECK_THAT(apc.update(market_context{}, {inputs[i], inputs[i]}).initial, dmtest::within_rel(expected[i], 1e-15));
  }
  CHECK_THAT(apc.stress_indicator(), dmtest::within_rel(2.2 / 2.24, 1e-15));
}

TEST_CASE("APC buffer: bad parameters are refused by name", "[margin][policy][apc]") {
  apc_buffer_policy_config c;
  c.stress_threshold = 0.0;
  REQUIRE_THROWS_WITH(apc_buffer_policy(c), "apc_buffer: stress_threshold must be finite and > 0, got 0");
  c = apc_buffer_policy_config{};
  c.release_threshold = 1.25;
  REQUIRE_THROWS_WITH(apc_buffer_policy(c),
                      "apc_buffer: release_threshold must be finite and above stress_threshold, "
                      "got 1.25");
  c = apc_buffer_policy_config{};
  c.lookback = -2;
  REQUIRE_THROWS_WITH(apc_buffer_policy(c), "apc_buffer: lookback must be in [0, 1e8] steps, got -2");
  REQUIRE_THROWS_WITH(apc_buffer_policy(apc_buffer_policy_config{0.25, 0.0}),
                      "apc_buffer: rebuild must be in (0, 1], got 0");
}

TEST_CASE("APC buffer >= 25% whenever stress is below its threshold: BTC and ETH daily, CCP config",
          "[margin][policy][apc]") {
  // The indicator and the buffer are recomputed here from the requirement the buffer received
  // (the breakdown's initial_before of the apc_buffer stage) by brute force: the mean over the
  // last 250 ready updates, then 0.25 clamp((2 - s) / 0.75, 0, 1). Tolerance 1e-12 relative
  // (a compensated running sum against a fresh one over 250 terms).
  for (const std::string file : {"btc_usd_daily.csv", "eth_usd_daily.csv"}) {
    INFO(file);
    const auto prices = dmtest::read_csv(dmtest::market_path(file)).numbers("Close");
    auto fn = ccp_function();
    std::vector<double> requirements;
    std::size_t calm = 0, stressed = 0, drawn = 0, mismatches = 0, calm_below = 0;
    for (std::size_t i = 0; i < prices.size(); ++i) {
      REQUIRE(fn.update(static_cast<timestamp>(i) * 86'400, prices[i]) == status::ok);
      if (!fn.ready()) continue;
      const margin_quote q = fn.quote(1.0);
      REQUIRE(q.apc.present);
      REQUIRE(q.breakdown[2].name == "apc_buffer");
      const double requirement = q.breakdown[2].initial_before;
      requirements.push_back(requirement);
      const std::size_t n = std::min<std::size_t>(requirements.size(), 250);
      double sum = 0.0;
      for (std::size_t k = requirements.size() - n; k < requirements.size(); ++k) sum += requirements[k];
      const double s = requirement / (sum / static_cast<double>(n));
      const double buffer = 0.25 * std::clamp((2.0 - s) / 0.75, 0.0, 1.0);
      const double applied = q.breakdown[2].initial_after / requirement - 1.0;
      if (std::abs(q.apc.stress / s - 1.0) > 1e-12 || std::abs(q.apc.buffer - buffer) > 1e-12 ||
          std::abs(applied - buffer) > 1e-12)
        ++mismatches;
      if (s < 1.25) {
        ++calm;
        if (applied < 0.25 - 1e-12) ++calm_below;
      } else {
        ++stressed;
        if (applied < 0.25 - 1e-12) ++drawn;
      }
    }
    CHECK(mismatches == 0);
    CHECK(calm_below == 0);  // the regulation's 25% in calm markets
    CHECK(calm > 1500);
    CHECK(stressed > 50);  // the data has stressed periods, and the buffer is used in them
    CHECK(drawn == stressed);
  }
}

TEST_CASE("stressed volatility: the highest rolling-window volatility of the whole history", "[margin][policy][apc]") {
  SECTION("window 3, whole history: a stressed period never rolls off (hand sequence)") {
    // sigma_now 0.01, 0.04, 0.01, then 0.01 for 10,000 updates. Rolling-window volatility
    // from update 3: sqrt((1e-4 + 16e-4 + 1e-4) / 3) = sqrt(6e-4), then sqrt(6e-4) again at
    // update 4 ({0.04, 0.01, 0.01}), then 0.01. sigma_stress stays sqrt(6e-4) to the end.
    stressed_weight_policy policy(stressed_weight_policy_config{0.25, 3, 0});
    const double rate = 0.05;
    std::vector<double> vols{0.01, 0.04, 0.01};
    vols.resize(10'003, 0.01);
    double out = 0.0;
    for (double v : vols) out = policy.update(with_volatility(v), {rate, rate}).initial;
    const double stress = std::sqrt(6e-4);
    CHECK_THAT(policy.stressed_volatility(), dmtest::within_rel(stress, 1e-15));
    CHECK_THAT(out, dmtest::within_rel(std::expm1(std::log1p(rate) * (0.25 * stress + 0.75 * 0.01) / 0.01), 1e-14));
  }
  SECTION("BTC hourly, window 720, whole history, by brute force") {
    const auto r = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
    margin_function fn(ewma_volatility(0.94), parametric_risk(parametric_risk_config{}),
                       stressed_weight_policy(stressed_weight_policy_config{0.25, 720, 0}));
    double price = 100.0;
    std::vector<double> sigma;
    double highest = 0.0, worst = 0.0;
    for (std::size_t i = 0; i <= r.size(); ++i) {
      if (i > 0) price *= std::exp(r[i - 1] / 100.0);
      REQUIRE(fn.update(static_cast<timestamp>(i) * 3600, price) == status::ok);
      if (!fn.ready()) continue;
      sigma.push_back(std::sqrt(fn.volatility().variance()));
      if (sigma.size() < 720) continue;
      double sum = 0.0;
      for (std::size_t k = sigma.size() - 720; k < sigma.size(); ++k) sum += sigma[k] * sigma[k];
      highest = std::max(highest, std::sqrt(sum / 720.0));
      const double now = sigma.back();
      const double expected = std::expm1(std::log1p(fn.raw_rate()) * (0.25 * std::max(highest, now) + 0.75 * now) /
                                         now);
      worst = std::max(worst, std::abs(fn.rates().initial / expected - 1.0));
    }
    CHECK(sigma.size() > 37'000);
    CHECK(worst < 1e-9);
  }
  REQUIRE_THROWS_WITH(stressed_weight_policy(stressed_weight_policy_config{0.25, 0, 0}),
                      "stressed_weight: window must be in [1, 1e8] steps, got 0");
  REQUIRE_THROWS_WITH(stressed_weight_policy(stressed_weight_policy_config{0.25, 250, 100}),
                      "stressed_weight: lookback must be 0 (all) or at least the window, got 100");
}

TEST_CASE("lookback floor defaults to the long-run volatility; the peak ratchet has its own name",
          "[margin][policy][apc]") {
  CHECK(lookback_floor_policy(3650).rule() == lookback_floor_rule::long_run_volatility);
  // The long-run floor: parametric ES at sqrt(mean sigma^2 over the lookback) (the same
  // rescaling as (b)), never below the rate it receives.
  lookback_floor_policy floor(3);
  market_context c = with_volatility(0.01);
  c.raw_rate = 0.02;
  (void)floor.update(c, {0.02, 0.01});
  c.volatility = 0.03;
  (void)floor.update(c, {0.02, 0.01});
  c.volatility = 0.005;
  const double expected = std::expm1(std::log1p(0.02) * std::sqrt((1e-4 + 9e-4 + 0.25e-4) / 3.0) / 0.005);
  CHECK_THAT(floor.update(c, {0.02, 0.01}).initial, dmtest::within_rel(expected, 1e-14));
  // The ratchet: the highest raw rate over its lookback, as lookback_floor_rule::maximum.
  peak_ratchet_policy ratchet(2);
  lookback_floor_policy old_maximum(2, lookback_floor_rule::maximum);
  CHECK(ratchet.name() == "peak_ratchet");
  const double raws[] = {0.03, 0.01, 0.02, 0.015};
  const double highest[] = {0.03, 0.03, 0.02, 0.02};
  for (int i = 0; i < 4; ++i) {
    market_context m;
    m.raw_rate = raws[i];
    CHECK(ratchet.update(m, {raws[i], raws[i]}).initial == highest[i]);
    CHECK(old_maximum.update(m, {raws[i], raws[i]}).initial == highest[i]);
  }
  market_context m;
  m.raw_rate = 0.01;
  CHECK(ratchet.update(m, {0.01, 0.01}).initial == 0.015);  // {0.015, 0.01}: 0.02 has left
  REQUIRE_THROWS_WITH(peak_ratchet_policy(-1), "peak_ratchet: lookback must be in [0, 1e8] steps, got -1");
}
