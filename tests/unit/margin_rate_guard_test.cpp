// SPDX-License-Identifier: MIT
// Price guard: Binance's 5%-from-median index rule, dYdX's minimum of 3 sources, a 60-second
// staleness limit (Jupiter Lend), and the real bad print of the Binance hourly file.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/price_guard.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "error_message.hpp"
#include "test_data.hpp"
#include "time_points.hpp"

using namespace dynmargin;

TEST_CASE("index from several sources: a source more than 5% from the median gets no weight", "[margin][guard]") {
  // Binance: weight 0 beyond 5% of the median. Median of {99, 100, 101, 120} = 100.5;
  // 120 is 19.4% away, the mean of the others is exactly 100.
  price_guard guard(price_guard_config{0, 0.05, 1, 0.0});
  const std::vector<double> sources{100.0, 101.0, 99.0, 120.0};
  const auto index = guard.combine(sources);
  CHECK(index.verdict == price_verdict::accepted);
  CHECK(index.median == 100.5);
  CHECK(index.kept == 3);
  CHECK(index.price == 100.0);
  // dYdX asks for 3 exchanges: two good sources out of three is too few.
  price_guard three(price_guard_config{0, 0.05, 3, 0.0});
  const auto two = three.combine(std::vector<double>{100.0, 101.0, 130.0});
  CHECK(two.kept == 2);
  CHECK(two.verdict == price_verdict::too_few_sources);
  // Non-finite sources are dropped before the median.
  const auto with_nan = guard.combine(std::vector<double>{std::nan(""), 100.0, 102.0});
  CHECK(with_nan.offered == 2);
  CHECK(with_nan.price == 101.0);
  REQUIRE_THROWS_WITH(price_guard(price_guard_config{0, -0.1, 1, 0.0}),
                      "price_guard: max_deviation must be finite and >= 0, got -0.1");
  REQUIRE_THROWS_WITH(price_guard(price_guard_config{-5, 0.0, 1, 0.0}),
                      "price_guard: max_age must be >= 0 seconds, got -5");
}

namespace {
// These tests are about the guard, not the warm-up: an EWMA ready after its first return.
ewma_volatility ready_after_one_return() {
  return ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::first_squared_return, 0, 0.0, 1});
}
}  // namespace

TEST_CASE("the margin function flags too few sources, stale and deviating prices", "[margin][guard]") {
  margin_function_config config;
  config.guard = price_guard_config{60, 0.05, 3, 0.0};  // 60 s (Jupiter Lend), 5% (Binance), 3 (dYdX)
  margin_function fn(config, ready_after_one_return(), parametric_risk(), floor_policy(0.01));
  REQUIRE(fn.update(0, std::vector<double>{100.0, 100.2, 99.9}) == status::ok);
  REQUIRE(fn.update(60, std::vector<double>{101.0, 101.1, 100.8, 140.0}) == status::ok);
  const auto good = fn.quote(1.0);
  REQUIRE(good.ready);
  CHECK(fn.update(120, std::vector<double>{102.0, 150.0, 60.0}) == status::suspect_input);
  auto q = fn.quote(1.0);
  CHECK(q.price_suspect);
  CHECK(q.initial_rate == good.initial_rate);
  // A single price counts as one source: too few for this configuration.
  CHECK(fn.update(180, 101.0) == status::suspect_input);
  CHECK(fn.volatility().observations() == 1);  // only the first accepted return reached the model

  margin_function_config one;
  one.guard = price_guard_config{60, 0.05, 1, 0.0};
  margin_function single(one, ready_after_one_return(), parametric_risk());
  REQUIRE(single.update(0, 100.0) == status::ok);
  CHECK(single.update(price_observation{dmtest::at_s(60), 101.0, dmtest::at_s(0),
                                        std::numeric_limits<double>::quiet_NaN()}) == status::ok);  // 60 s: fresh
  CHECK(single.update(price_observation{dmtest::at_s(120), 101.0, dmtest::at_s(59),
                                        std::numeric_limits<double>::quiet_NaN()}) == status::suspect_input);
  CHECK(single.update(price_observation{dmtest::at_s(180), 110.0, dmtest::at_s(180), 100.0}) ==
        status::suspect_input);  // 10% from the reference
  CHECK(single.update(price_observation{dmtest::at_s(240), 103.0, dmtest::at_s(240), 100.0}) == status::ok);  // 3%
}

TEST_CASE("a single bad print never reaches the model; a confirmed jump does", "[margin][guard]") {
  // The oldest bar of examples/data/btc_usdt_binance_1h.csv (2017-08-17 04:00) opens at
  // 16199.91 against a close of 4308.83: a bad print of ln(3.76) = 1.32 in log terms.
  const auto table = dmtest::read_csv(dmtest::market_path("btc_usdt_binance_1h.csv"));
  const auto opens = table.numbers("open");
  const auto closes = table.numbers("close");
  const double bad = opens.back();
  const double close = closes.back();
  REQUIRE(bad == 16199.91);
  REQUIRE(close == 4308.83);

  margin_function_config config;
  config.guard.max_jump = 0.2;  // moves above ~22% need a second print
  margin_function fn(config, ready_after_one_return(), parametric_risk());
  REQUIRE(fn.update(0, 4300.0) == status::ok);
  REQUIRE(fn.update(3600, close) == status::ok);
  const auto before = fn.quote(1.0);
  CHECK(fn.update(7200, bad) == status::suspect_input);
  const auto flagged = fn.quote(1.0);
  CHECK(flagged.price_suspect);
  CHECK(flagged.initial_rate == before.initial_rate);
  CHECK(flagged.price == close);
  CHECK(flagged.notional == bad);                 // sized at the more conservative (higher) price
  CHECK(fn.update(10800, 4310.0) == status::ok);  // back near the last good price
  CHECK(fn.volatility().observations() == 2);     // the bad print never entered
  CHECK_FALSE(fn.quote(1.0).price_suspect);

  // A genuine jump: 4310 -> 5500 is held, a second print at 5510 confirms it, and the whole
  // move ln(5510 / 4310) enters the model as one return.
  CHECK(fn.update(14400, 5500.0) == status::suspect_input);
  const double variance_before = fn.volatility().variance();
  CHECK(fn.update(18000, 5510.0) == status::ok);
  const double r = std::log(5510.0 / 4310.0);
  CHECK_THAT(fn.volatility().variance(), dmtest::within_rel(0.94 * variance_before + 0.06 * r * r, 1e-14));
}

TEST_CASE("the index is the median of the kept sources: one wild source cannot drag it", "[margin][guard]") {
  // Filter off (max_deviation 0): every source is kept. The median of {100, 100.2, 1000} is
  // 100.2 by definition (middle of three sorted values); the mean would be 400.0667.
  price_guard unfiltered(price_guard_config{0, 0.0, 1, 0.0});
  const auto three = unfiltered.combine(std::vector<double>{1000.0, 100.0, 100.2});
  CHECK(three.kept == 3);
  CHECK(three.price == 100.2);
  // Filter on at 5%: {99, 100, 101, 104, 120} has median 101; 120 is 18.8% away and dropped;
  // the kept {99, 100, 101, 104} have median (100 + 101) / 2 = 100.5 (mean 101 would differ).
  price_guard filtered(price_guard_config{0, 0.05, 1, 0.0});
  const auto five = filtered.combine(std::vector<double>{120.0, 104.0, 99.0, 101.0, 100.0});
  CHECK(five.median == 101.0);
  CHECK(five.kept == 4);
  CHECK(five.price == 100.5);
}

TEST_CASE("a held jump is confirmed only by a print at a later time", "[margin][guard]") {
  // ln(150 / 100) = 0.405 > 0.2: held. A second print of the same time (the same feed
  // repeating a bad value) must not confirm it; the same value one second later does.
  price_guard_config config{0, 0.0, 1, 0.2};
  config.confirm_after = duration{0};  // any later print (the default waits 60 s: next test case)
  price_guard guard(config);
  CHECK(guard.check(price_observation{dmtest::at_s(10), 150.0}, 100.0) == price_verdict::unconfirmed_jump);
  CHECK(guard.check(price_observation{dmtest::at_s(10), 150.0}, 100.0) == price_verdict::unconfirmed_jump);
  CHECK(guard.state().pending_time == dmtest::at_s(10));
  CHECK(guard.check(price_observation{dmtest::at_s(11), 150.0}, 100.0) == price_verdict::accepted);
  CHECK_FALSE(guard.state().pending);
  // An earlier time never confirms either (a late, out-of-order print).
  CHECK(guard.check(price_observation{dmtest::at_s(20), 150.0}, 100.0) == price_verdict::unconfirmed_jump);
  CHECK(guard.check(price_observation{dmtest::at_s(19), 151.0}, 100.0) == price_verdict::unconfirmed_jump);
}

TEST_CASE("a held jump is confirmed only once its level has persisted for confirm_after", "[margin][guard]") {
  // A tick feed repeating a bad print within a second must not vouch for it: with
  // confirm_after = 60 s, prints at the held level 1 s and 59 s later do not confirm, one
  // 60 s after the first held print does; a print off the held level starts the wait again.
  using namespace std::chrono_literals;
  price_guard_config config{0, 0.0, 1, 0.2};
  CHECK(config.confirm_after == 60s);  // the default
  price_guard guard(config);
  CHECK(guard.check(price_observation{dmtest::at_s(10), 150.0}, 100.0) == price_verdict::unconfirmed_jump);
  CHECK(guard.check(price_observation{dmtest::at_s(11), 150.0}, 100.0) == price_verdict::unconfirmed_jump);
  CHECK(guard.check(price_observation{dmtest::at_s(69), 151.0}, 100.0) == price_verdict::unconfirmed_jump);
  CHECK(guard.state().pending_time == dmtest::at_s(10));  // the wait counts from the first held print
  CHECK(guard.check(price_observation{dmtest::at_s(70), 150.5}, 100.0) == price_verdict::accepted);
  CHECK_FALSE(guard.state().pending);
  // a level change restarts the wait
  CHECK(guard.check(price_observation{dmtest::at_s(100), 150.0}, 100.0) == price_verdict::unconfirmed_jump);
  CHECK(guard.check(price_observation{dmtest::at_s(120), 300.0}, 100.0) == price_verdict::unconfirmed_jump);
  CHECK(guard.check(price_observation{dmtest::at_s(170), 300.0}, 100.0) == price_verdict::unconfirmed_jump);
  CHECK(guard.check(price_observation{dmtest::at_s(180), 300.0}, 100.0) == price_verdict::accepted);
  // in microseconds: 0.5 s is not 1 s
  config.confirm_after = 1s;
  price_guard fast(config);
  CHECK(fast.check(price_observation{dmtest::at_us(1'000'000), 150.0}, 100.0) == price_verdict::unconfirmed_jump);
  CHECK(fast.check(price_observation{dmtest::at_us(1'500'000), 150.0}, 100.0) == price_verdict::unconfirmed_jump);
  CHECK(fast.check(price_observation{dmtest::at_us(2'000'000), 150.0}, 100.0) == price_verdict::accepted);
  config.confirm_after = -1s;
  CHECK(dmtest::message_of([&] { price_guard bad(config); }) ==
        "price_guard: confirm_after must be a duration in [0, 2^62 microseconds], got -1s");
}

namespace {
// Initial rates of a default-guarded margin function (EWMA 0.94, normal VaR 99%, 1% floor)
// over `prices` at times `times`; the rate of a row in the warm-up is NaN.
struct guarded_run {
  std::vector<double> rates;
  std::vector<bool> suspect;
};
guarded_run run_guarded(const std::vector<double>& prices, const std::vector<std::int64_t>& times,
                        const price_guard_config& guard) {
  margin_function_config config;
  config.guard = guard;
  margin_function fn(config, ready_after_one_return(), parametric_risk(), floor_policy(0.01));
  guarded_run run;
  for (std::size_t i = 0; i < prices.size(); ++i) {
    (void)fn.update(times[i], prices[i]);
    const auto q = fn.quote(1.0);
    run.rates.push_back(q.ready ? q.initial_rate : std::numeric_limits<double>::quiet_NaN());
    run.suspect.push_back(q.price_suspect);
  }
  return run;
}

double largest_step(const std::vector<double>& rates) {
  double m = 0.0;
  for (std::size_t i = 1; i < rates.size(); ++i) {
    if (std::isfinite(rates[i]) && std::isfinite(rates[i - 1])) m = std::max(m, std::abs(rates[i] - rates[i - 1]));
  }
  return m;
}
}  // namespace

TEST_CASE("one bad print injected into each shipped price file moves no margin and is flagged", "[margin][guard]") {
  // Each shipped price file (examples/data, closes in file order, one step of 1000 s) gets one
  // extra print between rows k and k + 1: 1e308, 1e-308, 0, or -99% of row k (the price then
  // reverts, row k + 1 being the file's own next price). With the default guard every injected
  // print is flagged and no row's initial rate differs from the clean run's by more than the
  // clean file's largest one-step move; with the guard off (none()) the -99% print
  // moves the rate by more than that, so the check can fail. Positions: 5 per file, evenly
  // spread after the first 100 rows (a subsample: 7 files x 4 prints x 5 positions).
  const std::vector<std::pair<std::string, std::string>> files{
      {"btc_usd_daily.csv", "Close"},      {"eth_usd_daily.csv", "Close"},  {"sol_usd_daily.csv", "Close"},
      {"ada_usd_daily.csv", "Close"},      {"doge_usd_daily.csv", "Close"}, {"xrp_usd_daily.csv", "Close"},
      {"btc_usdt_binance_1h.csv", "close"}};
  const std::vector<double> bad_prints{1e308, 1e-308, 0.0, -0.99};  // -0.99: a -99% move from row k
  for (const auto& [file, column] : files) {
    std::vector<double> clean;
    for (double p : dmtest::read_csv(dmtest::market_path(file)).numbers(column)) {
      if (std::isfinite(p) && p > 0.0) clean.push_back(p);  // the files' own gaps ("null") are not the subject
    }
    REQUIRE(clean.size() > 200);
    std::vector<std::int64_t> clean_times(clean.size());
    for (std::size_t i = 0; i < clean.size(); ++i) clean_times[i] = static_cast<std::int64_t>(i) * 1000;
    const auto reference = run_guarded(clean, clean_times, price_guard_config{});
    const double allowed = largest_step(reference.rates);
    REQUIRE(allowed > 0.0);
    for (std::size_t j = 0; j < 5; ++j) {
      const std::size_t k = 100 + j * (clean.size() - 102) / 5;
      for (double bad : bad_prints) {
        std::vector<double> prices(clean.begin(), clean.begin() + static_cast<std::ptrdiff_t>(k) + 1);
        std::vector<std::int64_t> times(clean_times.begin(), clean_times.begin() + static_cast<std::ptrdiff_t>(k) + 1);
        prices.push_back(bad == -0.99 ? 0.01 * clean[k] : bad);
        times.push_back(clean_times[k] + 500);
        prices.insert(prices.end(), clean.begin() + static_cast<std::ptrdiff_t>(k) + 1, clean.end());
        times.insert(times.end(), clean_times.begin() + static_cast<std::ptrdiff_t>(k) + 1, clean_times.end());
        const auto injected = run_guarded(prices, times, price_guard_config{});
        INFO(file << " row " << k << " print " << bad);
        CHECK(injected.suspect[k + 1]);
        // Row i of the clean run is row i (i <= k) or i + 1 (i > k) of the injected run; the
        // injected row itself is compared with row k, the last accepted price.
        const auto distance = [&](const guarded_run& run) {
          double worst = 0.0;
          for (std::size_t i = 0; i < run.rates.size(); ++i) {
            const double a = run.rates[i];
            const double b = reference.rates[i <= k ? i : i - 1];
            if (std::isfinite(a) != std::isfinite(b)) worst = std::numeric_limits<double>::infinity();
            if (std::isfinite(a) && std::isfinite(b)) worst = std::max(worst, std::abs(a - b));
          }
          return worst;
        };
        CHECK(distance(injected) <= allowed);
        CHECK(largest_step(injected.rates) <= allowed);
        if (bad == -0.99 && j == 0) {
          const auto unguarded = run_guarded(prices, times, price_guard_config::none());
          CHECK(distance(unguarded) > allowed);  // without the guard the print does move margin
        }
      }
    }
  }
}

TEST_CASE("quoting with the current time flags a feed older than max_staleness", "[margin][guard]") {
  // Prices at t = 0, 60, 120; max_staleness 600 s. At now = 720 the last price (t = 120) is
  // 600 s old: not stale (the limit is "more than"); at 721 it is stale. quote(quantity) knows
  // no "now" and never flags; with max_staleness 0 (the default) nothing is flagged.
  margin_function_config config;
  config.guard.max_staleness = 600;
  margin_function fn(config, ready_after_one_return(), parametric_risk());
  for (int i = 0; i < 3; ++i) REQUIRE(fn.update(60 * i, 100.0 + i) == status::ok);
  const margin_quote fresh = fn.quote(720, 1.0);
  CHECK(fresh.price_age == 600);
  CHECK_FALSE(fresh.stale);
  const margin_quote old = fn.quote(721, 1.0);
  CHECK(old.price_age == 601);
  CHECK(old.stale);
  CHECK(old.initial_rate == fresh.initial_rate);  // flagged, the margin itself unchanged
  CHECK_FALSE(fn.quote(1.0).stale);
  margin_function unset(margin_function_config{}, ready_after_one_return(), parametric_risk());
  for (int i = 0; i < 3; ++i) REQUIRE(unset.update(60 * i, 100.0 + i) == status::ok);
  CHECK_FALSE(unset.quote(1'000'000, 1.0).stale);
  CHECK(unset.quote(1'000'000, 1.0).price_age == 1'000'000 - 120);
  price_guard_config bad;
  bad.max_staleness = -1;
  REQUIRE_THROWS_WITH(price_guard(bad), "price_guard: max_staleness must be >= 0 seconds, got -1");
}

TEST_CASE("a held jump is confirmed at once by two distinct sources that agree", "[margin][guard]") {
  // Multi-source updates, max_jump 0.2, 5% filter. Last accepted 100.
  //  - {150, 151, 100.5}: median 150, kept {150, 151} (100.5 is 33% away): two sources agree
  //    on the new level, index 150.5, accepted at once;
  //  - one source at 150 (with {150}): a single source never confirms itself: held;
  //  - the filter off (max_deviation 0): nothing says the sources agree: held.
  margin_function_config config;
  config.guard = price_guard_config{0, 0.05, 1, 0.2, 0};
  margin_function fn(config, ready_after_one_return(), parametric_risk());
  REQUIRE(fn.update(0, std::vector<double>{100.0, 100.1}) == status::ok);
  REQUIRE(fn.update(60, std::vector<double>{100.0, 99.9}) == status::ok);
  (void)fn.update(120, std::vector<double>{150.0, 151.0, 100.5});
  CHECK_FALSE(fn.price_suspect());
  CHECK(fn.quote(1.0).price == 150.5);

  margin_function single(config, ready_after_one_return(), parametric_risk());
  REQUIRE(single.update(0, std::vector<double>{100.0}) == status::ok);
  REQUIRE(single.update(60, std::vector<double>{100.0}) == status::ok);
  (void)single.update(120, std::vector<double>{150.0});
  CHECK(single.price_suspect());
  CHECK(single.quote(1.0).price == 100.0);

  config.guard.max_deviation = 0.0;
  margin_function unfiltered(config, ready_after_one_return(), parametric_risk());
  REQUIRE(unfiltered.update(0, std::vector<double>{100.0, 100.1}) == status::ok);
  REQUIRE(unfiltered.update(60, std::vector<double>{100.0, 99.9}) == status::ok);
  (void)unfiltered.update(120, std::vector<double>{150.0, 151.0});
  CHECK(unfiltered.price_suspect());
}
