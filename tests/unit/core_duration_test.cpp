// SPDX-License-Identifier: MIT
// Durations in time (core/duration.hpp) and the tick-to-bar sampler (core/bar_sampler.hpp).
// References are closed forms: unit arithmetic, 0.5^(b/h) for a half-life, and bar ends on a
// grid written out by hand.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "dynmargin/core/bar_sampler.hpp"
#include "dynmargin/core/duration.hpp"
#include "error_message.hpp"
#include "time_points.hpp"

using namespace dynmargin;
using dmtest::at_s;
using namespace std::chrono_literals;

TEST_CASE("duration strings: every unit, decimals, and the 365-day year", "[core][duration]") {
  CHECK(parse_duration("90s") == 90s);
  CHECK(parse_duration("15m") == 15min);
  CHECK(parse_duration("15min") == 15min);
  CHECK(parse_duration("24h") == 24h);
  CHECK(parse_duration("2d") == 48h);
  CHECK(parse_duration("1w") == 168h);
  CHECK(parse_duration("10y") == 3650 * 24h);
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("7us") == 7us);
  CHECK(parse_duration("1.5h") == 90min);
  CHECK(parse_duration("0.25s") == 250ms);
  CHECK(parse_duration(".5m") == 30s);
  CHECK(looks_like_duration("24h"));
  CHECK(looks_like_duration("1.5d"));
  CHECK_FALSE(looks_like_duration("24"));
  CHECK_FALSE(looks_like_duration(""));
  CHECK(format_duration(parse_duration("90m")) == "90m");
  CHECK(format_duration(parse_duration("48h")) == "2d");
  CHECK(format_duration(parse_duration("10y")) == "10y");
  CHECK(format_duration(parse_duration("1.5s")) == "1500ms");
}

TEST_CASE("duration strings that are not durations are refused, naming the setting and the text", "[core][duration]") {
  CHECK(dmtest::message_of([] { (void)parse_duration("24", "speed_limit", "window"); }) ==
        "speed_limit: window must be a number with a unit (us, ms, s, m, h, d, w, y), e.g. \"24h\", got \"24\"");
  CHECK(dmtest::message_of([] {
          (void)parse_duration("1mo", "apc", "lookback");
        }).starts_with("apc: lookback must be a number"));
  CHECK(dmtest::message_of([] { (void)parse_duration("h"); }).find("got \"h\"") != std::string::npos);
  CHECK(dmtest::message_of([] { (void)parse_duration("-5h"); }).find("got \"-5h\"") != std::string::npos);
  CHECK(dmtest::message_of([] { (void)parse_duration("1.2.3h"); }).find("must be a number") != std::string::npos);
  CHECK(dmtest::message_of([] { (void)parse_duration("0h", "ewma", "half_life"); }) ==
        "ewma: half_life must be a positive duration, got \"0h\"");
  CHECK(dmtest::message_of([] { (void)parse_duration("0.5us"); }).find("whole number of microseconds") !=
        std::string::npos);
  CHECK(dmtest::message_of([] { (void)parse_duration("300000y"); }).find("too long") != std::string::npos);
  CHECK(dmtest::message_of([] { (void)parse_duration("99999999999999999999s"); }).find("too long") !=
        std::string::npos);
}

TEST_CASE("bars_in counts whole bars and refuses a span that is not a multiple", "[core][duration]") {
  CHECK(bars_in(24h, 1h) == 24);
  CHECK(bars_in(24h, 5min) == 288);
  CHECK(bars_in(parse_duration("10y"), 24h) == 3650);
  CHECK(dmtest::message_of([] { (void)bars_in(90min, 1h, "risk", "horizon"); }) ==
        "risk: horizon must be a whole number of bars of 1h, got 90m");
  CHECK(dmtest::message_of([] { (void)bars_in(0h, 1h, "risk", "horizon"); }) ==
        "risk: horizon must be a positive duration, got 0s");
  CHECK(dmtest::message_of([] { (void)bars_in(1h, 0s, "risk", "horizon"); }) ==
        "risk: bar must be a positive duration, got 0s");
}

TEST_CASE("an EWMA half-life in time gives the same weights on every bar length", "[core][duration]") {
  // Closed form: lambda = 0.5^(bar / half-life); the RiskMetrics daily 0.94 has a half-life
  // of ln 2 / -ln 0.94 = 11.2023 days.
  CHECK(decay_from_half_life(72h, 1h).value() == Approx(std::pow(0.5, 1.0 / 72.0)).epsilon(1e-15));
  CHECK(decay_from_half_life(72h, 1min).value() == Approx(std::pow(0.5, 1.0 / 4320.0)).epsilon(1e-15));
  // A weight after 3 days is one half at every bar length.
  const double hourly = std::pow(decay_from_half_life(72h, 1h).value(), 72.0);
  const double minutely = std::pow(decay_from_half_life(72h, 1min).value(), 4320.0);
  CHECK(hourly == Approx(0.5).epsilon(1e-12));
  CHECK(minutely == Approx(0.5).epsilon(1e-12));
  const auto riskmetrics = half_life_of(decay_factor(0.94), 24h);
  CHECK(static_cast<double>(riskmetrics.count()) / 86400e6 == Approx(std::log(2.0) / -std::log(0.94)).epsilon(1e-9));
  CHECK(dmtest::message_of([] { (void)decay_from_half_life(0h, 1h); }) ==
        "ewma: half_life must be a positive duration, got 0s");
}

TEST_CASE("bar sampler: right-closed hourly bars, the last price of each, at the bar's end", "[core][bar_sampler]") {
  constexpr timestamp h = 3600;
  bar_sampler s(1h);
  CHECK(s.bar_end(at_s(0)) == at_s(0));
  CHECK(s.bar_end(at_s(1)) == at_s(h));
  CHECK(s.bar_end(at_s(h)) == at_s(h));
  CHECK(s.bar_end(at_s(h + 1)) == at_s(2 * h));
  CHECK(s.bar_end(at_s(-1)) == at_s(0));
  CHECK(s.bar_end(at_s(-h - 1)) == at_s(-h));

  // Prices at 00:30, 01:00 (bar ending 01:00), 01:00 again (same second: accepted in order).
  CHECK_FALSE(s.push(h / 2, 100.0).completed);
  CHECK_FALSE(s.push(h, 101.0).completed);
  CHECK_FALSE(s.push(h, 102.0).completed);
  CHECK(s.open_bar().price_count == 3);
  // 01:00:01 opens the bar ending 02:00 and completes the one ending 01:00 with close 102.
  const bar_sample first = s.push(h + 1, 103.0);
  REQUIRE(first.completed);
  CHECK(first.bar.time == at_s(h));
  CHECK(first.bar.close == 102.0);
  CHECK(first.bar.price_count == 3);
  // A time before the last is refused and changes nothing.
  CHECK(s.push(h, 99.0).outcome == status::invalid_argument);
  CHECK(s.open_bar().close == 103.0);
  // A gap of several bars completes only the open bar; empty bars are not invented.
  const bar_sample after_gap = s.push(5 * h, 104.0);
  REQUIRE(after_gap.completed);
  CHECK(after_gap.bar.time == at_s(2 * h));
  CHECK(after_gap.bar.close == 103.0);
  // advance: not before the bar's end, then once past it.
  CHECK_FALSE(s.advance(5 * h).completed);
  const bar_sample closed = s.advance(5 * h + 1);
  REQUIRE(closed.completed);
  CHECK(closed.bar.time == at_s(5 * h));
  CHECK(closed.bar.close == 104.0);
  CHECK_FALSE(s.has_open_bar());
  CHECK_FALSE(s.advance(9 * h).completed);
  CHECK(s.advance(h).outcome == status::invalid_argument);

  CHECK(dmtest::message_of([] { bar_sampler bad(1500ns); }) ==
        "bar_sampler: bar_length must be a positive whole number of microseconds, got 1500ns");
  CHECK(dmtest::message_of([] { bar_sampler bad(0s); }).find("bar_length") != std::string::npos);
}

TEST_CASE("bar sampler: bars shorter than a second, several prices within one second", "[core][bar_sampler]") {
  using dmtest::at_us;
  bar_sampler s(250ms);
  // Three prints inside the first quarter second after 00:00:01, one at 1.25 s exactly (still
  // that bar: right-closed), then 1.25 s + 1 us opens the next bar.
  CHECK_FALSE(s.push(at_us(1'000'001), 100.0).completed);
  CHECK_FALSE(s.push(at_us(1'100'000), 101.0).completed);
  CHECK_FALSE(s.push(at_us(1'100'000), 101.5).completed);  // same microsecond: in order
  CHECK_FALSE(s.push(at_us(1'250'000), 102.0).completed);
  const bar_sample next = s.push(at_us(1'250'001), 103.0);
  REQUIRE(next.completed);
  CHECK(next.bar.time == at_us(1'250'000));
  CHECK(next.bar.close == 102.0);
  CHECK(next.bar.price_count == 4);
  CHECK(s.push(at_us(1'250'000), 99.0).outcome == status::invalid_argument);
  // Seconds and microseconds agree: 2 s is 2,000,000 us.
  const bar_sample whole = s.push(timestamp{2}, 104.0);
  REQUIRE(whole.completed);
  CHECK(whole.bar.time == at_us(1'500'000));
  CHECK(s.open_bar().time == at_s(2));
  CHECK(s.bar_length() == 250ms);
  CHECK(s.bar_length_seconds() == 0.25);
  // Times outside the representable span are refused, not wrapped.
  CHECK(s.push(timestamp{std::numeric_limits<timestamp>::max() / 2}, 1.0).outcome == status::invalid_argument);
}

TEST_CASE("bar sampler: minute and hourly feeds of one path give identical hourly bars", "[core][bar_sampler]") {
  bar_sampler by_minute(1h, 0);
  bar_sampler by_hour(1h, 0);
  std::vector<sampled_bar> minute_bars, hour_bars;
  for (timestamp t = 0; t <= 48 * 3600; t += 60) {
    const double price = 100.0 + static_cast<double>(t % 7919) * 1e-3;
    if (const auto b = by_minute.push(t, price); b.completed) minute_bars.push_back(b.bar);
    if (t % 3600 == 0)
      if (const auto b = by_hour.push(t, price); b.completed) hour_bars.push_back(b.bar);
  }
  REQUIRE(minute_bars.size() == 48);
  REQUIRE(hour_bars.size() == 48);
  for (std::size_t i = 0; i < 48; ++i) {
    CHECK(minute_bars[i].time == hour_bars[i].time);
    CHECK(minute_bars[i].close == hour_bars[i].close);
    CHECK(minute_bars[i].price_count == (i == 0 ? 1 : 60));
  }
}

TEST_CASE("format_duration writes what parse_duration reads back", "[core][duration]") {
  for (const char* text : {"1y", "3w", "5d", "23h", "59m", "61s", "999ms", "7us", "10y", "1500ms"}) {
    CHECK(format_duration(parse_duration(text)) == std::string(text));
    CHECK(parse_duration(format_duration(parse_duration(text))) == parse_duration(text));
  }
  CHECK(format_duration(duration{0}) == "0s");
}
