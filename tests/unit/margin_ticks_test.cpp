// SPDX-License-Identifier: MIT
// Time to the microsecond (issue 12 §1): several prices within one second are accepted in
// order by the margin function, the bar sampler, the replays and the CSV reader; seconds and
// microseconds give bit-identical margins; times outside the representable span are refused,
// never wrapped.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dynmargin/backtest/replay.hpp"
#include "dynmargin/io/csv_reader.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/schedule.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "error_message.hpp"
#include "time_points.hpp"

using namespace dynmargin;
using dmtest::at_s;
using dmtest::at_us;

namespace {
auto tick_function() {
  margin_function_config config;
  config.min_returns = 2;
  parametric_risk_config risk;
  risk.horizon_steps = horizon{4};
  return margin_function(
      config, ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::first_squared_return, 0, 0.0, 1}),
      parametric_risk(risk), floor_policy(0.01));
}
// A deterministic wiggle around 100 with clustered amplitude.
double tick_price(std::size_t i) {
  const double amplitude = (i / 50) % 2 == 0 ? 0.002 : 0.01;
  return 100.0 * std::exp(amplitude * std::sin(static_cast<double>(i) * 1.7));
}
}  // namespace

TEST_CASE("ticks: several prices within one second in order, the same microsecond refused", "[margin][time]") {
  auto fn = tick_function();
  REQUIRE(fn.update(at_us(1'000'100), 100.0) == status::ok);
  REQUIRE(fn.update(at_us(1'000'200), 100.1) == status::ok);
  REQUIRE(fn.update(at_us(1'999'999), 100.2) == status::ok);
  CHECK(fn.update(at_us(1'999'999), 100.3) == status::invalid_argument);  // not later: no change
  CHECK(fn.update(at_us(1'500'000), 100.3) == status::invalid_argument);  // earlier
  CHECK(fn.update(timestamp{1}, 100.3) == status::invalid_argument);      // 1 s is before 1.999999 s
  REQUIRE(fn.last_time().has_value());
  CHECK(*fn.last_time() == at_us(1'999'999));
  CHECK(fn.volatility().observations() == 2);
  REQUIRE(fn.update(timestamp{2}, 100.3) == status::ok);  // seconds: 2 s = 2,000,000 us, later
  CHECK(*fn.last_time() == at_s(2));
  const margin_quote q = fn.quote(1.0);
  REQUIRE(q.ready);
  CHECK(q.time == at_s(2));
}

TEST_CASE("ticks: a path fed in seconds and in microseconds gives identical margins", "[margin][time]") {
  auto by_seconds = tick_function();
  auto by_micros = tick_function();
  for (std::size_t i = 0; i < 500; ++i) {
    const auto t = static_cast<timestamp>(1'767'225'600 + 60 * i);
    REQUIRE(by_seconds.update(t, tick_price(i)) == by_micros.update(to_timestamp_us(t), tick_price(i)));
    const margin_quote a = by_seconds.quote(1.0);
    const margin_quote b = by_micros.quote(1.0);
    REQUIRE(a.ready == b.ready);
    REQUIRE(a.initial_rate == b.initial_rate);
    REQUIRE(a.time == b.time);
  }
  // and the replays agree with the streaming calls, whatever the time type
  std::vector<timestamp> seconds;
  std::vector<timestamp_us> micros;
  std::vector<double> prices;
  for (std::size_t i = 0; i < 500; ++i) {
    seconds.push_back(static_cast<timestamp>(1'767'225'600 + 60 * i));
    micros.push_back(to_timestamp_us(seconds.back()));
    prices.push_back(tick_price(i));
  }
  auto f1 = tick_function();
  auto f2 = tick_function();
  const backtest_path p1 = replay_quotes(f1, seconds, prices);
  const backtest_path p2 = replay_quotes(f2, micros, prices);
  REQUIRE(p1.times == p2.times);
  REQUIRE(p1.initial_rate == p2.initial_rate);
  CHECK(p2.times[1] == at_s(1'767'225'660));
  CHECK(p1.initial_rate.back() == by_seconds.quote(1.0).initial_rate);
}

TEST_CASE("ticks: replays take sub-second times and name the row whose time does not increase", "[margin][time]") {
  std::vector<timestamp_us> times;
  std::vector<double> prices;
  for (std::size_t i = 0; i < 200; ++i) {
    times.push_back(at_us(1'767'225'600'000'000 + 250'000 * static_cast<std::int64_t>(i)));  // 4 a second
    prices.push_back(tick_price(i));
  }
  auto fn = tick_function();
  const backtest_path path = replay_quotes(fn, times, prices);
  CHECK(path.rejected_updates == 0);
  CHECK(path.times == times);
  CHECK(path.ready.back() == 1);
  times[7] = times[6];
  auto again = tick_function();
  CHECK(dmtest::message_of([&] { (void)replay_quotes(again, times, prices); }) ==
        "margin_function: time at row 7 must be later than the previous row's 1767225601.5, got 1767225601.5");
  // A backtest over ticks (horizon in ticks) runs and evaluates rows.
  times[7] = at_us(1'767'225'601'750'000);
  const backtest_report report = backtest(tick_function(), times, prices);
  CHECK(report.observations > 100);
}

TEST_CASE("ticks: quote(now) measures the age to the microsecond", "[margin][time]") {
  margin_function_config config;
  config.guard.max_staleness = 1;
  auto fn = margin_function(
      config, ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::first_squared_return, 0, 0.0, 1}),
      parametric_risk());
  REQUIRE(fn.update(at_us(0), 100.0) == status::ok);
  REQUIRE(fn.update(at_us(500'000), 100.5) == status::ok);
  const margin_quote half = fn.quote(at_us(1'000'000), 1.0);
  CHECK(half.price_age == 0.5);
  CHECK_FALSE(half.stale);
  CHECK_FALSE(fn.quote(at_us(1'500'000), 1.0).stale);  // exactly 1 s: not more than the limit
  const margin_quote late = fn.quote(at_us(1'500'001), 1.0);
  CHECK(late.stale);
  CHECK(late.price_age == Approx(1.000001).epsilon(1e-12));
  // a `now` outside the representable span cannot be measured: flagged stale, never wrapped
  const margin_quote far = fn.quote(timestamp{std::numeric_limits<timestamp>::max()}, 1.0);
  CHECK(far.stale);
  CHECK(std::isinf(far.price_age));
}

TEST_CASE("ticks: times outside 2^62 microseconds of the epoch are refused with no change", "[margin][time]") {
  auto fn = tick_function();
  CHECK(fn.update(timestamp{std::numeric_limits<timestamp>::max()}, 100.0) == status::invalid_argument);
  CHECK(fn.update(timestamp_us::max(), 100.0) == status::invalid_argument);
  CHECK(fn.update(timestamp_us::min(), 100.0) == status::invalid_argument);
  CHECK_FALSE(fn.last_time().has_value());
  CHECK(fn.update(at_s(-max_abs_time_seconds), 100.0) == status::ok);  // the edge itself is fine
  CHECK(format_epoch_seconds(at_us(-1)) == "-0.000001");
  CHECK(format_epoch_seconds(at_us(-1'500'000)) == "-1.5");
  CHECK(format_epoch_seconds(at_us(1'767'225'600'120'000)) == "1767225600.12");
  CHECK(format_epoch_seconds(at_s(1'767'225'600)) == "1767225600");
}

TEST_CASE("ticks: a schedule interpolates between knots to the microsecond", "[margin][time]") {
  const parameter_schedule ramp({schedule_knot{100, 1.0}, schedule_knot{102, 3.0}});
  CHECK(ramp.value_at(at_us(100'000'000)) == 1.0);
  CHECK(ramp.value_at(at_us(100'500'000)) == Approx(1.5).epsilon(1e-15));
  CHECK(ramp.value_at(at_us(101'250'000)) == Approx(2.25).epsilon(1e-15));
  CHECK(ramp.value_at(at_us(99'999'999)) == 1.0);
  CHECK(ramp.value_at(at_us(102'000'001)) == 3.0);
  CHECK(ramp.value_at(at_us(101'000'000)) == ramp.value_at(timestamp{101}));
}

TEST_CASE("ticks: the CSV reader keeps sub-second times, to the microsecond", "[io][time]") {
  const std::string text =
      "time,close\n"
      "2026-01-01T00:00:00.250Z,100\n"
      "2026-01-01T00:00:00Z,99\n"  // out of order: sorted before the 0.25 s print
      "2026-01-01T00:00:00.5Z,101\n"
      "1767225600.75,102\n"
      "2026-01-01 00:00:00.750001,103\n";
  const io::column_table table = io::read_column_csv_text(text, "close");
  REQUIRE(table.values.size() == 5);
  CHECK(table.report.duplicates_resolved == 0);
  CHECK(table.values == std::vector<double>{99, 100, 101, 102, 103});
  CHECK(table.times_us == std::vector<timestamp_us>{at_us(1'767'225'600'000'000), at_us(1'767'225'600'250'000),
                                                    at_us(1'767'225'600'500'000), at_us(1'767'225'600'750'000),
                                                    at_us(1'767'225'600'750'001)});
  CHECK(table.times == std::vector<timestamp>(5, 1'767'225'600));
  CHECK(table.report.step_microseconds == 250'000);
  CHECK(table.report.step_seconds == 0);
  // a nonzero digit finer than a microsecond would be rounded into another print: refused
  CHECK(dmtest::message_of([] {
          (void)io::read_column_csv_text("time,close\n1767225600.0000001,1\n", "close");
        }).find("finer than a microsecond") != std::string::npos);
  CHECK(io::format_utc(at_us(1'767'225'600'250'000)) == "2026-01-01T00:00:00.25Z");
  CHECK(io::format_utc(at_s(1'767'225'600)) == "2026-01-01T00:00:00Z");
}
