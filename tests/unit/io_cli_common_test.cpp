// SPDX-License-Identifier: MIT
// examples/cli/cli_common.hpp: the input rules every subcommand shares. Returns from a price
// file must equal the reference returns (R/numpy, tests/data/returns_*.csv) to 1e-12 relative.
#include <cmath>
#include <cstddef>
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
  const auto series = dynmargin_cli::read_input(dmtest::market_path("btc_usd_1h.csv"), "", false);
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
  const auto from_prices = dynmargin_cli::read_input(dmtest::market_path("btc_usd_daily.csv"), "Close", true);
  CHECK(from_prices.from_prices);
  CHECK(count_mismatches(from_prices.values, reference) == 0);
  const auto as_returns = dynmargin_cli::read_input(dmtest::reference_path("returns_btc_usd_daily.csv"), "r", false);
  CHECK_FALSE(as_returns.from_prices);
  CHECK(as_returns.values == reference);
  CHECK(as_returns.times == from_prices.times);
  CHECK(as_returns.prices.empty());
  // No column and not a price file: the column r is used.
  const auto default_r = dynmargin_cli::read_input(dmtest::reference_path("returns_btc_usd_daily.csv"), "", false);
  CHECK(default_r.column == "r");
  CHECK(default_r.values == reference);
  // A column without times: returns computed without times.
  const auto iv = dynmargin_cli::read_input(dmtest::market_path("deribit_btc_options_sample.csv"), "mark_iv", true);
  CHECK(iv.times.empty());
  CHECK(iv.values.size() == 165);
  CHECK_THAT(iv.values.front(), dmtest::within_rel(100.0 * std::log(iv.prices[1] / iv.prices[0]), 1e-15));
}

TEST_CASE("read_input: a plain file without r needs a column; errors name the columns", "[io][cli]") {
  const std::string path = dmtest::market_path("deribit_btc_options_sample.csv");
  REQUIRE_THROWS_AS(dynmargin_cli::read_input(path, "", false), std::invalid_argument);
  REQUIRE_THROWS_WITH(dynmargin_cli::read_input(path, "", false),
                      dmtest::contains("is not a price file (Yahoo, CryptoDataDownload, Binance) and has no column "
                                       "\"r\"; name the column with --column (columns: instrument_name, currency,"));
  REQUIRE_THROWS_WITH(dynmargin_cli::read_input(path, "iv", false), dmtest::contains("has no column \"iv\""));
  // Prices must be positive: delta has negative values.
  REQUIRE_THROWS_WITH(dynmargin_cli::read_input(path, "delta", true), dmtest::contains("must be finite and positive"));
}

TEST_CASE("read_prices: closes by default, a named column otherwise", "[io][cli]") {
  const auto daily = dynmargin_cli::read_prices(dmtest::market_path("btc_usd_daily.csv"));
  CHECK(daily.prices.size() == 2723);
  CHECK(daily.prices.front() == 457.334015);
  CHECK(daily.times.front() == dynmargin::io::parse_time_us("2014-09-17"));
  CHECK(daily.column == "close");
  const auto opens = dynmargin_cli::read_prices(dmtest::market_path("btc_usd_daily.csv"), "Open");
  CHECK(opens.prices.front() == 465.864014);
  REQUIRE_THROWS_WITH(dynmargin_cli::read_prices(dmtest::reference_path("returns_btc_usd_daily.csv")),
                      dmtest::contains("is not a price file and has no close or price column"));
}

TEST_CASE("format_double writes the shortest text that reads back exactly", "[io][cli]") {
  CHECK(dynmargin_cli::format_double(0.1) == "0.1");
  CHECK(dynmargin_cli::format_double(-7.4643352423910656) == "-7.464335242391066");
  CHECK(std::stod(dynmargin_cli::format_double(1.0 / 3.0)) == 1.0 / 3.0);
  CHECK(dynmargin_cli::format_double(20970.0) == "20970");
}
