// SPDX-License-Identifier: MIT
// io::parse_time_us (issue 12 section 1): fractional seconds in ISO-8601 times and in epoch
// numbers are kept exactly to the microsecond. References are unit arithmetic by hand:
// 2024-01-01T00:00:00Z is 1704067200 s.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "dynmargin/io/csv_reader.hpp"
#include "error_message.hpp"

using namespace dynmargin;

namespace {

std::int64_t us(std::string_view text) { return io::parse_time_us(text).time_since_epoch().count(); }

constexpr std::int64_t jan_2024_us = 1'704'067'200'000'000;

}  // namespace

TEST_CASE("parse_time_us: ISO-8601 fractions are exact microseconds", "[io][time]") {
  CHECK(us("2024-01-01T00:00:00Z") == jan_2024_us);
  CHECK(us("2024-01-01T00:00:00.250Z") == jan_2024_us + 250'000);
  CHECK(us("2024-01-01 00:00:00.250000") == jan_2024_us + 250'000);
  CHECK(us("2024-01-01 00:00:00.000001") == jan_2024_us + 1);
  CHECK(us("2024-01-01T00:00:00.1234560Z") == jan_2024_us + 123'456);
  CHECK(us("2024-01-01T01:00:00.5+01:00") == jan_2024_us + 500'000);
  CHECK(us("1969-12-31T23:59:59.75Z") == -250'000);
  // the seconds parser is unchanged: it still truncates the fraction
  CHECK(io::parse_time("2024-01-01T00:00:00.750Z") == 1'704'067'200);
}

TEST_CASE("parse_time_us: epoch numbers with a fraction are exact", "[io][time]") {
  CHECK(us("1704067200") == jan_2024_us);
  CHECK(us("1704067200.25") == jan_2024_us + 250'000);
  CHECK(us("1704067200.000001") == jan_2024_us + 1);
  CHECK(us("1704067200250") == jan_2024_us + 250'000);    // epoch milliseconds
  CHECK(us("1704067200250.5") == jan_2024_us + 250'500);  // a fraction of a millisecond
  CHECK(us("-1.5") == -1'500'000);
  CHECK(us("1.7040672e9") == jan_2024_us);
  CHECK(us("1704067200.") == jan_2024_us);  // as parse_time reads it: a whole second
}

TEST_CASE("parse_time_us: prints within one second keep their order", "[io][time]") {
  CHECK(io::parse_time_us("2024-01-01T00:00:00.100Z") < io::parse_time_us("2024-01-01T00:00:00.250Z"));
  CHECK(io::parse_time_us("1704067200.1") < io::parse_time_us("1704067200.25"));
}

TEST_CASE("parse_time_us: inexact or malformed text is refused with the value", "[io][time]") {
  CHECK(dmtest::message_of([] {
          (void)io::parse_time_us("2024-01-01T00:00:00.0000001Z");
        }).find("parse_time_us: text must be a date") == 0);
  CHECK(dmtest::message_of([] { (void)io::parse_time_us("1704067200.0000001"); }).find("\"1704067200.0000001\"") !=
        std::string::npos);
  CHECK(dmtest::message_of([] { (void)io::parse_time_us("yesterday"); }) ==
        "parse_time_us: text must be a date (YYYY-MM-DD[ HH:MM:SS[.ffffff]]) or epoch seconds or milliseconds, "
        "exact to the microsecond, got \"yesterday\"");
}
