// SPDX-License-Identifier: MIT
// examples/cli/cli_common.hpp: the input rules every subcommand shares. Returns from a price
// file must equal the reference returns (R/numpy, tests/data/returns_*.csv) to 1e-12 relative.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "../../examples/cli/cli_common.hpp"
#include "catch.hpp"
#include "test_data.hpp"

namespace {

std::size_t count_mismatches(const std::vector<double>& actual, const std::vector<double>& expected) {
  std::size_t mismatches = actual.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < actual.size() && i < expected.size(); ++i) {
    const double error = std::fabs(actual[i] - expected[i]);
    if (error > 1e-12 * std::fabs(expected[i]) && error > 1e-14) ++mismatches;  // 1e-12 relative
  }
  return mismatches;
}

}  // namespace

TEST_CASE("read_input: a price file without a column gives percent log returns of the closes", "[io][cli]") {
  const auto reference = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
  const auto series = dynmargin_cli::read_input("test", dmtest::market_path("btc_usd_1h.csv"), "", false, false, {});
  CHECK(series.from_prices);
  CHECK(series.column == "close");
  CHECK(series.prices.size() == 37387);
  CHECK(series.price_times.size() == 37387);
  CHECK(series.values.size() == 37386);
  CHECK(series.times.size() == 37386);
  CHECK(series.times.front() == dynmargin::io::parse_time_us("2018-05-15 07:00:00"));  // time of the later price
  CHECK(count_mismatches(series.values, reference) == 0);
  CHECK(series.report.rows_read == 37387);
}

TEST_CASE("read_input: a named price column and a named returns column", "[io][cli]") {
  const auto reference = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  const auto from_prices = dynmargin_cli::read_input("test", dmtest::market_path("btc_usd_daily.csv"), "Close", true,
                                                     false, {});
  CHECK(from_prices.from_prices);
  CHECK(count_mismatches(from_prices.values, reference) == 0);
  const auto as_returns = dynmargin_cli::read_input("test", dmtest::reference_path("returns_btc_usd_daily.csv"), "r",
                                                    false, false, {});
  CHECK_FALSE(as_returns.from_prices);
  CHECK(as_returns.values == reference);
  CHECK(as_returns.times == from_prices.times);
  CHECK(as_returns.prices.empty());
  // No column and not a price file: the column r is used.
  const auto default_r = dynmargin_cli::read_input("test", dmtest::reference_path("returns_btc_usd_daily.csv"), "",
                                                   false, false, {});
  CHECK(default_r.column == "r");
  CHECK(default_r.values == reference);
  // A column without times: returns computed without times.
  const auto iv = dynmargin_cli::read_input("test", dmtest::market_path("deribit_btc_options_sample.csv"), "mark_iv",
                                            true, false, {});
  CHECK(iv.times.empty());
  CHECK(iv.values.size() == 165);
  CHECK_THAT(iv.values.front(), dmtest::within_rel(100.0 * std::log(iv.prices[1] / iv.prices[0]), 1e-15));
}

TEST_CASE("read_input: a plain file without r needs a column; errors name the columns", "[io][cli]") {
  const std::string path = dmtest::market_path("deribit_btc_options_sample.csv");
  REQUIRE_THROWS_AS(dynmargin_cli::read_input("test", path, "", false, false, {}), std::invalid_argument);
  REQUIRE_THROWS_WITH(dynmargin_cli::read_input("test", path, "", false, false, {}),
                      dmtest::contains("is not a price file (Yahoo, CryptoDataDownload, Binance) and has no column "
                                       "\"r\"; name the column with --column (columns: instrument_name, currency,"));
  REQUIRE_THROWS_WITH(dynmargin_cli::read_input("test", path, "iv", false, false, {}),
                      dmtest::contains("has no column \"iv\""));
  // Prices must be positive: delta has negative values.
  REQUIRE_THROWS_WITH(dynmargin_cli::read_input("test", path, "delta", true, false, {}),
                      dmtest::contains("must be finite and positive"));
}

TEST_CASE("read_prices: closes by default, a named column otherwise", "[io][cli]") {
  const auto daily = dynmargin_cli::read_prices("test", dmtest::market_path("btc_usd_daily.csv"), "", {});
  CHECK(daily.prices.size() == 2723);
  CHECK(daily.prices.front() == 457.334015);
  CHECK(daily.times.front() == dynmargin::io::parse_time_us("2014-09-17"));
  CHECK(daily.column == "close");
  const auto opens = dynmargin_cli::read_prices("test", dmtest::market_path("btc_usd_daily.csv"), "Open", {});
  CHECK(opens.prices.front() == 465.864014);
  REQUIRE_THROWS_WITH(dynmargin_cli::read_prices("test", dmtest::reference_path("returns_btc_usd_daily.csv"), "", {}),
                      dmtest::contains("is not a price file and has no close or price column"));
}

TEST_CASE("format_double writes the shortest text that reads back exactly", "[io][cli]") {
  CHECK(dynmargin_cli::format_double(0.1) == "0.1");
  CHECK(dynmargin_cli::format_double(-7.4643352423910656) == "-7.464335242391066");
  CHECK(std::stod(dynmargin_cli::format_double(1.0 / 3.0)) == 1.0 / 3.0);
  CHECK(dynmargin_cli::format_double(20970.0) == "20970");
}

TEST_CASE("read_input: every value carries its 1-based input line (a return: its later price)", "[io][cli]") {
  const auto series = dynmargin_cli::read_input("test", dmtest::market_path("btc_usd_daily.csv"), "", false, false, {});
  REQUIRE(series.price_lines.size() == series.prices.size());
  REQUIRE(series.lines.size() == series.values.size());
  CHECK(series.price_lines.front() == 2);  // line 1 is the header
  CHECK(series.lines.front() == 3);
  CHECK(series.lines.back() == series.prices.size() + 1);
  // A newest-first export is read in reverse: the oldest price is on the file's last line.
  const auto hourly = dynmargin_cli::read_prices("test", dmtest::market_path("btc_usd_1h.csv"), "", {});
  REQUIRE(hourly.lines.size() == hourly.prices.size());
  CHECK(hourly.lines.front() > hourly.lines.back());
  CHECK(hourly.lines.back() == 3);  // a preamble line, the header, then the newest row
}

TEST_CASE("read_csv_config: unsorted rows are refused or sorted, duplicates refused or resolved", "[io][cli]") {
  const std::string text = "t,r\n0,1\n120,2\n60,3\n180,4\n";
  dynmargin::io::read_csv_config strict;
  strict.unsorted = dynmargin::io::unsorted_rule::reject;
  REQUIRE_THROWS_WITH(dynmargin::io::read_column_csv_text(text, "r", strict),
                      dmtest::contains("line 4 has the time 1970-01-01T00:01:00Z, earlier than "
                                       "1970-01-01T00:02:00Z on line 3"));
  const auto sorted = dynmargin::io::read_column_csv_text(text, "r");  // the library's default sorts
  CHECK(sorted.values == std::vector<double>{1.0, 3.0, 2.0, 4.0});
  CHECK(sorted.lines == std::vector<std::size_t>{2, 4, 3, 5});
  CHECK(sorted.report.first_unsorted_line == 4);
  // A file wholly newest first is read in reverse under both rules.
  const auto reversed = dynmargin::io::read_column_csv_text("t,r\n180,4\n120,3\n60,2\n0,1\n", "r", strict);
  CHECK(reversed.values == std::vector<double>{1.0, 2.0, 3.0, 4.0});
  CHECK(reversed.lines == std::vector<std::size_t>{5, 4, 3, 2});
  dynmargin::io::read_csv_config no_duplicates;
  no_duplicates.duplicates = dynmargin::io::duplicate_rule::reject;
  const std::string repeated = "t,r\n0,1\n60,2\n60,3\n";
  REQUIRE_THROWS_WITH(dynmargin::io::read_column_csv_text(repeated, "r", no_duplicates),
                      dmtest::contains(
                          "line 4 repeats the time 1970-01-01T00:01:00Z of line 3 (value 3 here, 2 there)"));
  const auto kept = dynmargin::io::read_column_csv_text(repeated, "r");
  CHECK(kept.values == std::vector<double>{1.0, 2.0});
  CHECK(kept.report.duplicates_resolved == 1);
  CHECK(kept.report.duplicate_max_difference == Approx(0.5));
}

TEST_CASE("csv_writer::utc writes what io::format_utc writes", "[io][cli]") {
  std::vector<dynmargin::timestamp_us> times;
  for (const std::int64_t seconds :
       {std::int64_t{0}, std::int64_t{-1}, std::int64_t{-86'400}, std::int64_t{59}, std::int64_t{86'399},
        std::int64_t{86'400}, std::int64_t{1'709'251'200}, std::int64_t{1'709'254'861}, std::int64_t{253'402'300'799},
        std::int64_t{253'402'300'800}, std::int64_t{-62'167'219'200}, std::int64_t{-62'167'219'201}}) {
    times.push_back(dynmargin::to_timestamp_us(seconds));
  }
  times.push_back(dynmargin::timestamp_us{std::chrono::microseconds{1'709'254'861'250'000}});  // a fraction
  times.push_back(dynmargin::timestamp_us{std::chrono::microseconds{-1}});
  for (std::int64_t hour = 0; hour < 50; ++hour)
    times.push_back(dynmargin::to_timestamp_us(1'709'251'200 + hour * 3600));
  std::ostringstream captured;
  std::streambuf* const saved = std::cout.rdbuf(captured.rdbuf());
  {
    dynmargin_cli::csv_writer writer;
    for (const auto t : times) writer.utc(t).put('\n');
    writer.flush();
  }
  std::cout.rdbuf(saved);
  std::string expected;
  for (const auto t : times) expected += dynmargin::io::format_utc(t) + "\n";
  CHECK(captured.str() == expected);
}
