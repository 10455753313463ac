// SPDX-License-Identifier: MIT
// Microsecond time points (core/types.hpp, issue 12 section 1): conversions from seconds and
// from any std::chrono unit are exact, finer units that are not whole microseconds are
// refused, and prints within one second keep their order. References are unit arithmetic
// written out by hand (1704067200 s = 2024-01-01T00:00:00Z).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "dynmargin/core/types.hpp"
#include "error_message.hpp"

using namespace dynmargin;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t jan_2024 = 1'704'067'200;

}  // namespace

TEST_CASE("timestamp_us: seconds and chrono units convert exactly", "[core][time]") {
  CHECK(to_timestamp_us(timestamp{jan_2024}).time_since_epoch().count() == 1'704'067'200'000'000);
  CHECK(to_timestamp_us(timestamp{-1}).time_since_epoch().count() == -1'000'000);
  using std::chrono::sys_time;
  CHECK(to_timestamp_us(sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{jan_2024 * 1000 + 250}})
            .time_since_epoch()
            .count() == 1'704'067'200'250'000);
  CHECK(
      to_timestamp_us(sys_time<std::chrono::nanoseconds>{std::chrono::nanoseconds{jan_2024 * 1'000'000'000 + 100'000}})
          .time_since_epoch()
          .count() == 1'704'067'200'000'100);
  CHECK(to_timestamp_us(sys_time<std::chrono::hours>{std::chrono::hours{24}}).time_since_epoch().count() ==
        86'400'000'000);
  static_assert(to_timestamp_us(timestamp{2}).time_since_epoch().count() == 2'000'000);
}

TEST_CASE("timestamp_us: two prints within one second keep their order", "[core][time]") {
  const timestamp_us first = to_timestamp_us(timestamp{jan_2024}) + 100'000us;
  const timestamp_us second = to_timestamp_us(timestamp{jan_2024}) + 250'000us;
  CHECK(first < second);
  CHECK(floor_seconds(first) == jan_2024);
  CHECK(floor_seconds(second) == jan_2024);
  CHECK(floor_seconds(to_timestamp_us(timestamp{jan_2024}) - 1us) == jan_2024 - 1);
}

TEST_CASE("timestamp_us: inexact or overflowing conversions are refused", "[core][time]") {
  using std::chrono::sys_time;
  CHECK(dmtest::message_of([] {
          (void)to_timestamp_us(sys_time<std::chrono::nanoseconds>{std::chrono::nanoseconds{1'500}});
        }) == "timestamp: time must be a whole number of microseconds, got 1500");
  const std::int64_t too_late = std::numeric_limits<std::int64_t>::max() / 1'000'000 + 1;
  CHECK(dmtest::message_of([&] { (void)to_timestamp_us(timestamp{too_late}); }) ==
        "timestamp: seconds must fit in int64 microseconds, got " + std::to_string(too_late));
  CHECK(dmtest::message_of([&] {
          (void)to_timestamp_us(sys_time<std::chrono::seconds>{std::chrono::seconds{-too_late}});
        }) == "timestamp: time must fit in int64 microseconds, got " + std::to_string(-too_late));
}
