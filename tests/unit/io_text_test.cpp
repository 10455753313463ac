// SPDX-License-Identifier: MIT
// io/ text layer: dates and epoch times against known epoch values (computed independently
// with Python's calendar.timegm) and the 12-hour clock of CryptoDataDownload's old export.
// The record splitter and the number parser are tested in io_internals_test.cpp.
#include <cstddef>
#include <limits>

#include "catch.hpp"
#include "dynmargin/io/io.hpp"

namespace io = dynmargin::io;
using dynmargin::timestamp;

TEST_CASE("dates and epoch times parse to UTC epoch seconds", "[io]") {
  // calendar.timegm values: 2000-03-01 951868800, 2024-02-29 1709164800,
  // 2017-08-17 04:00 1502942400, 2026-03-13 08:00 1773388800.
  CHECK(io::parse_time("1970-01-01") == 0);
  CHECK(io::parse_time("2000-03-01") == 951868800);
  CHECK(io::parse_time("2024-02-29") == 1709164800);
  CHECK(io::parse_time("2017-08-17 04:00:00") == 1502942400);
  CHECK(io::parse_time("2017-08-17T04:00:00Z") == 1502942400);
  CHECK(io::parse_time("2017-08-17 04:00") == 1502942400);
  CHECK(io::parse_time("2017-08-17 04:00:00.750") == 1502942400);
  CHECK(io::parse_time("2026-03-13 08:00:00+00:00") == 1773388800);
  CHECK(io::parse_time("2026-03-13 13:30:00+05:30") == 1773388800);
  CHECK(io::parse_time("2026-03-13 03:00:00-0500") == 1773388800);
  CHECK(io::parse_time("2026-03-13 08:00:00 UTC") == 1773388800);
  // CryptoDataDownload's old export: 12-hour clock, 12-AM is midnight and 12-PM noon.
  CHECK(io::parse_time("2017-08-17 04-AM") == 1502942400);
  CHECK(io::parse_time("2017-08-17 12-AM") == 1502942400 - 4 * 3600);
  CHECK(io::parse_time("2017-08-17 12-PM") == 1502942400 + 8 * 3600);
  CHECK(io::parse_time("2017-08-17 11-PM") == 1502942400 + 19 * 3600);
  CHECK(io::parse_time("2017-08-17 04:00:00 PM") == 1502942400 + 12 * 3600);
  // Epoch seconds, float seconds and milliseconds (decided by magnitude).
  CHECK(io::parse_time("1502942400") == 1502942400);
  CHECK(io::parse_time("1502942400.0") == 1502942400);
  CHECK(io::parse_time("1623283200000") == 1623283200);
  // Impossible dates.
  for (const char* bad :
       {"2023-02-29", "2020-00-10", "2020-01-32", "2020-01-01 24:00:00", "2020-01-01 00-AM", "2020-01-01 10:61",
        "2020-01-01X", "2020/01-01", "", "1e20", "-9223372036854775808", "99999999999999999"}) {
    INFO(bad);
    CHECK_THROWS_AS(io::parse_time(bad), dynmargin::invalid_argument);
  }
}

TEST_CASE("format_utc writes ISO 8601 UTC and inverts parse_time", "[io]") {
  CHECK(io::format_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(io::format_utc(-1) == "1969-12-31T23:59:59Z");
  CHECK(io::format_utc(951868800) == "2000-03-01T00:00:00Z");
  CHECK(io::format_utc(1709164800 + 3723) == "2024-02-29T01:02:03Z");
  CHECK(io::format_utc(std::numeric_limits<timestamp>::min()) == "-9223372036854775808");
  // Every day from 1900 to 2100 round-trips through text (days_from_civil / civil_from_days).
  std::size_t failures = 0;
  for (timestamp t = io::parse_time("1900-01-01"); t <= io::parse_time("2100-12-31"); t += 86400 + 3661) {
    if (io::parse_time(io::format_utc(t)) != t) ++failures;
  }
  CHECK(failures == 0);
}
