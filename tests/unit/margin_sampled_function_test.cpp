// SPDX-License-Identifier: MIT
// Margin in time: a margin function fed through the tick-to-bar sampler gives the same
// initial margin whatever the feed's frequency (issue 12, "time, not steps").
//
// The path is simulated at one-minute resolution from a GARCH(1,1) with persistence 0.9999 per
// minute (a variance half-life of about 4.8 days), so volatility clusters over days. One
// configuration stated in time (1-hour bars, a 24-hour margin period of risk, an EWMA
// half-life of 2 days) is fed every minute, every 5 minutes, every hour and at irregular
// times; initial margins at each bar end after warm-up are compared with the minute feed's.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <vector>

#include "dynmargin/core/bar_sampler.hpp"
#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/random.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/sampled_margin_function.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "time_points.hpp"

using namespace dynmargin;
using namespace std::chrono_literals;

namespace {

constexpr timestamp minute = 60;
constexpr timestamp start_time = 1'700'002'800;  // 2023-11-14 23:00 UTC, on the hour

// Minute prices of a GARCH(1,1) path: 60% annual volatility on average.
std::vector<double> minute_prices(std::size_t minutes, std::uint64_t seed) {
  const double long_run = 0.36 / (365.0 * 1440.0);
  const double alpha = 0.02, beta = 0.9799, omega = long_run * (1.0 - alpha - beta);
  random_stream rng(seed);
  std::vector<double> prices{30000.0};
  double variance = long_run;
  for (std::size_t i = 1; i < minutes; ++i) {
    const double r = std::sqrt(variance) * rng.normal();
    prices.push_back(prices.back() * std::exp(r));
    variance = omega + alpha * r * r + beta * variance;
  }
  return prices;
}

auto configured_function() {
  ewma_volatility_config vol;
  vol.lambda = decay_from_half_life(48h, 1h);
  parametric_risk_config risk;
  risk.confidence = confidence_level(0.99);
  risk.horizon_steps = horizon(bars_in(24h, 1h));
  return margin_function(ewma_volatility(vol), parametric_risk(risk));
}

// Initial rate at each completed bar, keyed by the bar's end, for the prices the feed keeps.
template <class Keep>
std::map<timestamp, double> sampled_margins(const std::vector<double>& prices, Keep keep) {
  sampled_margin_function fn(bar_sampler(1h, 0), configured_function());
  std::map<timestamp, double> out;
  timestamp last_bar = 0;
  for (std::size_t i = 0; i < prices.size(); ++i) {
    if (!keep(i)) continue;
    REQUIRE(fn.update(start_time + static_cast<timestamp>(i) * minute, prices[i]) == status::ok);
    const auto bar_time_us = fn.function().last_time();
    if (bar_time_us && floor_seconds(*bar_time_us) != last_bar) {
      const timestamp bar_time = floor_seconds(*bar_time_us);
      last_bar = bar_time;
      const margin_quote q = fn.quote(1.0);
      if (q.ready) out[bar_time] = q.initial_rate;
    }
  }
  return out;
}

double median_ratio(const std::map<timestamp, double>& a, const std::map<timestamp, double>& reference,
                    timestamp after) {
  std::vector<double> ratios;
  for (const auto& [t, m] : a)
    if (t > after)
      if (const auto it = reference.find(t); it != reference.end()) ratios.push_back(m / it->second);
  REQUIRE(ratios.size() > 1000);
  std::nth_element(ratios.begin(), ratios.begin() + static_cast<std::ptrdiff_t>(ratios.size() / 2), ratios.end());
  return ratios[ratios.size() / 2];
}

}  // namespace

TEST_CASE("one time-stated config gives the same margin fed every minute, 5 minutes, hour or irregularly",
          "[margin][time][bar_sampler]") {
  const auto prices = minute_prices(90 * 1440, 20261205);
  const timestamp warm = start_time + 10 * 86400;

  const auto every_minute = sampled_margins(prices, [](std::size_t) { return true; });
  const auto every_5 = sampled_margins(prices, [](std::size_t i) { return i % 5 == 0; });
  const auto every_hour = sampled_margins(prices, [](std::size_t i) { return i % 60 == 0; });
  random_stream pick(7);
  std::vector<bool> irregular(prices.size());
  for (std::size_t i = 0; i < prices.size(); ++i) irregular[i] = pick.uniform() < 0.2;
  const auto every_irregular = sampled_margins(prices, [&](std::size_t i) { return bool(irregular[i]); });

  // 2,160 bars less the EWMA's automatic burn-in (320 bars at a 48-bar half-life).
  REQUIRE(every_minute.size() > 1800);
  const double r5 = median_ratio(every_5, every_minute, warm);
  const double r60 = median_ratio(every_hour, every_minute, warm);
  const double rirr = median_ratio(every_irregular, every_minute, warm);
  INFO("median ratios: 5m " << r5 << ", 1h " << r60 << ", irregular " << rirr);
  CHECK(std::abs(r5 - 1.0) <= 0.05);
  CHECK(std::abs(r60 - 1.0) <= 0.05);
  CHECK(std::abs(rirr - 1.0) <= 0.05);

  // The same function without the sampler counts minutes: its 24-step horizon is 24 minutes and
  // its EWMA decays 60 times faster, so its margin is a fraction of the hourly one. The test
  // above would catch a sampler that passed every price through.
  auto unsampled = configured_function();
  std::map<timestamp, double> per_minute;
  for (std::size_t i = 0; i < prices.size(); ++i) {
    const timestamp t = start_time + static_cast<timestamp>(i) * minute;
    const status s = unsampled.update(t, prices[i]);
    INFO("minute " << i);
    REQUIRE(s == status::ok);
    if (t % 3600 == 0) {
      const margin_quote q = unsampled.quote(1.0);
      if (q.ready) per_minute[t] = q.initial_rate;
    }
  }
  const double r_unsampled = median_ratio(per_minute, every_minute, warm);
  INFO("unsampled minute feed over sampled: " << r_unsampled);
  CHECK(r_unsampled < 0.5);
}

TEST_CASE("a sampled margin function refuses an earlier time and passes the function's status through",
          "[margin][time][bar_sampler]") {
  sampled_margin_function fn(bar_sampler(1h, 0), configured_function());
  CHECK(fn.update(7200, 100.0) == status::ok);
  CHECK(fn.update(7100, 100.0) == status::invalid_argument);
  CHECK(fn.sampler().open_bar().close == 100.0);
  // A non-finite last price of a bar reaches the function, which refuses it (no silent drop).
  CHECK(fn.update(7300, std::nan("")) == status::ok);
  CHECK(fn.advance(10'800) == status::ok);  // the bar ending 10,800 is still open at 10,800
  CHECK(fn.advance(10'801) == status::non_finite_input);
  CHECK_FALSE((fn.function().last_time().has_value() && *fn.function().last_time() == dmtest::at_s(10'800)));
}
