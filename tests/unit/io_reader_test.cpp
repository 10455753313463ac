// SPDX-License-Identifier: MIT
// io/: every shipped market file loads with a report that matches examples/data/SOURCES.md
// exactly (row counts, ranges, duplicates, gaps, units, flat bars, swapped volumes, bad prints),
// spot values match the files, and returns from the closes equal the reference returns
// (tests/data/returns_*.csv, computed independently with R/numpy) to 1e-12 relative.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dynmargin/io/io.hpp"
#include "test_data.hpp"

using dynmargin::timestamp;
namespace io = dynmargin::io;

namespace {

const io::price_table& load(const std::string& name) {
  static std::map<std::string, io::price_table> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, io::read_price_csv(dmtest::market_path(name))).first;
  return it->second;
}

timestamp at(const std::string& text) { return io::parse_time(text); }

const io::price_bar& bar_at(const io::price_table& table, const std::string& time) {
  const timestamp t = at(time);
  const auto it = std::lower_bound(table.bars.begin(), table.bars.end(), t,
                                   [](const io::price_bar& bar, timestamp value) { return bar.time < value; });
  REQUIRE(it != table.bars.end());
  REQUIRE(it->time == t);
  return *it;
}

bool strictly_increasing(const std::vector<io::price_bar>& bars) {
  for (std::size_t i = 1; i < bars.size(); ++i)
    if (bars[i].time <= bars[i - 1].time) return false;
  return true;
}

// Simple close-to-close move of the day that ends at `date`, as SOURCES.md states it (%).
double close_move_percent(const io::price_table& table, const std::string& date) {
  const auto& bar = bar_at(table, date);
  const auto index = static_cast<std::size_t>(&bar - table.bars.data());
  REQUIRE(index > 0);
  return 100.0 * (bar.close / table.bars[index - 1].close - 1.0);
}

// Lowest low and highest high of the hourly bars of one UTC day.
std::pair<double, double> day_range(const io::price_table& table, const std::string& date) {
  const timestamp start = at(date);
  double low = std::numeric_limits<double>::infinity();
  double high = 0.0;
  for (const auto& bar : table.bars) {
    if (bar.time < start || bar.time >= start + dynmargin::seconds_per_day) continue;
    low = std::min(low, bar.low);
    high = std::max(high, bar.high);
  }
  return {low, high};
}

void check_common_invariants(const io::price_table& table) {
  const auto& r = table.report;
  CHECK(r.rows_read == r.rows_kept + r.duplicates_resolved + r.null_rows_skipped);
  CHECK(table.bars.size() == r.rows_kept);
  CHECK(strictly_increasing(table.bars));
  CHECK(r.has_times);
  CHECK(r.first_time == table.bars.front().time);
  CHECK(r.last_time == table.bars.back().time);
}

}  // namespace

TEST_CASE("btc_usd_daily.csv: Yahoo daily, 2723 rows, no anomalies", "[io]") {
  const auto& table = load("btc_usd_daily.csv");
  const auto& r = table.report;
  check_common_invariants(table);
  CHECK(r.format == io::file_format::yahoo_daily);
  CHECK(io::to_string(r.format) == "yahoo_daily");
  CHECK(r.rows_read == 2723);
  CHECK(r.rows_kept == 2723);
  CHECK(r.duplicates_resolved == 0);
  CHECK(r.file_order == "oldest_first");
  CHECK_FALSE(r.reordered);
  CHECK(r.time_column == "Date");
  CHECK(r.text_time_rows == 2723);
  CHECK(r.step_seconds == 86400);
  CHECK(r.gaps == 0);  // "no missing days"
  CHECK(r.zero_volume_flat_bars == 0);
  CHECK(r.ohlc_inconsistent_bars == 0);  // "OHLC is consistent"
  CHECK(r.suspect_bars.empty());
  CHECK(r.anomalies.empty());
  CHECK(io::format_utc(r.first_time) == "2014-09-17T00:00:00Z");
  CHECK(io::format_utc(r.last_time) == "2022-03-01T00:00:00Z");
  // First and last rows, as written in the file (the last line has no final newline).
  CHECK(table.bars.front() == io::price_bar{1410912000, 465.864014, 468.174011, 452.421997, 457.334015, 21056800.0});
  CHECK(table.bars.back() ==
        io::price_bar{1646092800, 43194.503906, 44793.601563, 42952.585938, 44354.636719, 32479047645.0});
  // "Only one daily close move is larger than 30%: 2020-03-12, -37.2%" (rounded to 0.1 point).
  CHECK_THAT(close_move_percent(table, "2020-03-12"), dmtest::within_abs(-37.2, 0.05));
  std::size_t large_moves = 0;
  for (std::size_t i = 1; i < table.bars.size(); ++i)
    if (std::fabs(table.bars[i].close / table.bars[i - 1].close - 1.0) > 0.30) ++large_moves;
  CHECK(large_moves == 1);
}

TEST_CASE("eth, sol, xrp, ada and doge daily files: rows, ranges and the large moves SOURCES.md lists", "[io]") {
  struct expected_file {
    const char* name;
    std::size_t rows;
    const char* first;
  };
  for (const auto& file :
       {expected_file{"eth_usd_daily.csv", 2063, "2017-11-09"}, expected_file{"sol_usd_daily.csv", 1180, "2020-04-10"},
        expected_file{"xrp_usd_daily.csv", 2063, "2017-11-09"}, expected_file{"ada_usd_daily.csv", 2063, "2017-11-09"},
        expected_file{"doge_usd_daily.csv", 2063, "2017-11-09"}}) {
    INFO(file.name);
    const auto& table = load(file.name);
    const auto& r = table.report;
    check_common_invariants(table);
    CHECK(r.format == io::file_format::yahoo_daily);
    CHECK(r.rows_read == file.rows);
    CHECK(r.rows_kept == file.rows);
    CHECK(r.first_time == at(file.first));
    CHECK(r.last_time == at("2023-07-03"));
    CHECK(r.step_seconds == 86400);
    CHECK(r.gaps == 0);
    CHECK(r.zero_volume_flat_bars == 0);  // "no zero volume"
    CHECK(r.ohlc_inconsistent_bars == 0);
    // Real daily wicks (DOGE 2021-01-28 high 1.65x its close) must not be taken for bad prints.
    CHECK(r.suspect_bars.empty());
    CHECK(r.anomalies.empty());
  }
  // Large close moves, SOURCES.md section 2 (rounded to 0.1 point there).
  CHECK_THAT(close_move_percent(load("eth_usd_daily.csv"), "2020-03-12"), dmtest::within_abs(-42.3, 0.05));
  CHECK_THAT(close_move_percent(load("sol_usd_daily.csv"), "2021-05-19"), dmtest::within_abs(-37.2, 0.05));
  CHECK_THAT(close_move_percent(load("sol_usd_daily.csv"), "2022-11-09"), dmtest::within_abs(-42.3, 0.05));
  CHECK_THAT(close_move_percent(load("xrp_usd_daily.csv"), "2020-03-12"), dmtest::within_abs(-32.9, 0.05));
  CHECK_THAT(close_move_percent(load("xrp_usd_daily.csv"), "2020-12-23"), dmtest::within_abs(-42.3, 0.05));
  CHECK_THAT(close_move_percent(load("ada_usd_daily.csv"), "2020-03-12"), dmtest::within_abs(-39.6, 0.05));
  // SOURCES.md gives DOGE's move to the whole percent.
  CHECK_THAT(close_move_percent(load("doge_usd_daily.csv"), "2021-01-28"), dmtest::within_abs(355.0, 1.0));
}

TEST_CASE("daily files overlap on the dates SOURCES.md states", "[io]") {
  auto dates = [](const std::string& name) {
    std::set<timestamp> out;
    for (const auto& bar : load(name).bars) out.insert(bar.time);
    return out;
  };
  const auto btc = dates("btc_usd_daily.csv");
  const auto eth = dates("eth_usd_daily.csv");
  const auto sol = dates("sol_usd_daily.csv");
  std::vector<timestamp> btc_eth;
  std::set_intersection(btc.begin(), btc.end(), eth.begin(), eth.end(), std::back_inserter(btc_eth));
  CHECK(btc_eth.size() == 1574);
  CHECK(btc_eth.front() == at("2017-11-09"));
  CHECK(btc_eth.back() == at("2022-03-01"));
  std::vector<timestamp> all_three;
  std::set_intersection(btc_eth.begin(), btc_eth.end(), sol.begin(), sol.end(), std::back_inserter(all_three));
  CHECK(all_three.size() == 691);
  CHECK(all_three.front() == at("2020-04-10"));
  CHECK(dates("xrp_usd_daily.csv") == eth);
  CHECK(dates("ada_usd_daily.csv") == eth);
  CHECK(dates("doge_usd_daily.csv") == eth);
}

TEST_CASE("btc_usd_1h.csv: Bitstamp hourly, preamble, newest first, swapped volume columns", "[io]") {
  const auto& table = load("btc_usd_1h.csv");
  const auto& r = table.report;
  check_common_invariants(table);
  CHECK(r.format == io::file_format::cryptodatadownload);
  CHECK(r.preamble_lines == 1);
  CHECK(r.rows_read == 37387);
  CHECK(r.rows_kept == 37387);
  CHECK(r.duplicates_resolved == 0);
  CHECK(r.file_order == "newest_first");
  CHECK(r.reordered);
  CHECK(r.time_column == "unix");
  CHECK(r.seconds_rows == 37387);
  CHECK(r.milliseconds_rows == 0);
  CHECK(r.date_text_mismatches == 0);  // "the two agree on every row"
  CHECK(r.step_seconds == 3600);
  CHECK(r.gaps == 0);
  CHECK(r.missing_steps == 0);
  CHECK(r.ohlc_inconsistent_bars == 0);
  CHECK(r.suspect_bars.empty());
  CHECK(r.first_time == at("2018-05-15 06:00:00"));
  CHECK(r.last_time == at("2022-08-20 00:00:00"));
  // 6 flat-filled zero-volume bars at the listed hours.
  CHECK(r.zero_volume_flat_bars == 6);
  std::vector<timestamp> flat;
  for (const auto& bar : table.bars)
    if (bar.volume == 0.0 && bar.open == bar.close && bar.high == bar.low && bar.open == bar.high)
      flat.push_back(bar.time);
  CHECK(flat == std::vector<timestamp>{at("2020-04-25 20:00"), at("2020-04-25 21:00"), at("2020-04-25 22:00"),
                                       at("2020-04-25 23:00"), at("2022-01-05 09:00"), at("2022-07-13 11:00")});
  // "Volume BTC" holds USD in two ranges of 7003 and 13140 bars; swapped back by default.
  CHECK(r.volume_swapped_bars == 20143);
  REQUIRE(r.volume_swapped_spans.size() == 2);
  CHECK(r.volume_swapped_spans[0] == io::time_span{at("2018-05-15 06:00"), at("2019-03-03 00:00"), 7003});
  CHECK(r.volume_swapped_spans[1] == io::time_span{at("2019-04-13 17:00"), at("2020-10-12 08:00"), 13140});
  // Oldest row: 1526364000,...,8733.86,8796.68,8707.28,8740.99,4906603.14,559.93 (swapped).
  CHECK(table.bars.front() == io::price_bar{1526364000, 8733.86, 8796.68, 8707.28, 8740.99, 559.93});
  // Newest row: 1660953600,...,20840.00,20973.00,20811.00,20963.00,244.35412623,5122395.548159489.
  CHECK(table.bars.back() == io::price_bar{1660953600, 20840.0, 20973.0, 20811.0, 20963.0, 244.35412623});
  // Crash windows, SOURCES.md section 3.
  CHECK(day_range(table, "2020-03-12") == std::pair<double, double>{4776.59, 7969.90});
  CHECK(day_range(table, "2020-03-13").first == 3850.00);
  CHECK(day_range(table, "2021-05-19") == std::pair<double, double>{30066.00, 43601.63});
  // Leaving the columns as written keeps the USD amount in `volume` for the oldest bar.
  io::read_csv_config keep;
  keep.fix_swapped_volume = false;
  const auto raw = io::read_price_csv(dmtest::market_path("btc_usd_1h.csv"), keep);
  CHECK(raw.bars.front().volume == 4906603.14);
  CHECK(raw.report.volume_swapped_bars == 20143);
}

TEST_CASE("btc_usdt_binance_1h.csv: mixed exports, duplicates, gaps, shifted dates and a bad print", "[io]") {
  const auto& table = load("btc_usdt_binance_1h.csv");
  const auto& r = table.report;
  check_common_invariants(table);
  CHECK(r.format == io::file_format::binance_cryptodatadownload_mixed);
  CHECK(io::to_string(r.format) == "binance_cryptodatadownload_mixed");
  CHECK(r.preamble_lines == 0);
  CHECK(r.rows_read == 36062);
  CHECK(r.rows_kept == 33413);
  CHECK(r.duplicates_resolved == 2649);
  CHECK(r.milliseconds_rows == 7478);
  CHECK(r.seconds_rows == 28584);
  CHECK(r.date_text_mismatches == 91);
  CHECK(r.file_order == "newest_first");
  CHECK(r.reordered);
  CHECK(r.step_seconds == 3600);
  CHECK(r.gaps == 8);
  CHECK(r.missing_steps == 16);
  CHECK(r.irregular_spacings == 0);
  CHECK(r.zero_volume_flat_bars == 117);
  CHECK(r.ohlc_inconsistent_bars == 0);
  CHECK(r.volume_swapped_bars == 0);
  CHECK(r.first_time == at("2017-08-17 04:00"));
  CHECK(r.last_time == at("2021-06-10 00:00"));
  // The largest gaps SOURCES.md names, each as (from, to, missing hours).
  const auto has_gap = [&](const char* from, const char* to, std::int64_t missing) {
    return std::find(r.gap_list.begin(), r.gap_list.end(), io::time_gap{at(from), at(to), missing}) != r.gap_list.end();
  };
  CHECK(r.gap_list.size() == 8);
  CHECK(has_gap("2017-09-22 19:00", "2017-09-23 00:00", 4));
  CHECK(has_gap("2020-12-21 14:00", "2020-12-21 18:00", 3));
  CHECK(has_gap("2021-04-25 04:00", "2021-04-25 08:00", 3));
  CHECK(has_gap("2021-04-20 01:00", "2021-04-20 04:00", 2));
  // The oldest bar is the bad print open = high = 16199.91 against low 4261.32, close 4308.83.
  CHECK(table.bars.front() == io::price_bar{at("2017-08-17 04:00"), 16199.91, 16199.91, 4261.32, 4308.83, 44.51});
  CHECK(r.suspect_bars == std::vector<timestamp>{at("2017-08-17 04:00")});
  // The newest bar's volume (798 BTC against about 4700) marks it as incomplete.
  CHECK(r.last_bar_possibly_incomplete);
  CHECK(table.bars.back().volume == 798.276499);
  // Duplicates keep the millisecond (newer export) row: its close 18212.00 for 2020-11-20 07:00,
  // not the old-format partial bar's 18143.03; and its open 11783.31 (not 11783.3) for 2020-08-01 23:00.
  CHECK(bar_at(table, "2020-11-20 07:00").close == 18212.0);
  CHECK(bar_at(table, "2020-11-20 07:00").volume == 6097.86638);
  CHECK(bar_at(table, "2020-08-01 23:00").open == 11783.31);
  // unix is trusted over the shifted text: the row dated "2017-09-22 08-PM" has unix
  // 1506124800 = 2017-09-23 00:00 UTC and close 3599.72.
  CHECK(bar_at(table, "2017-09-23 00:00").close == 3599.72);
  // Crash windows, SOURCES.md section 4.
  CHECK(day_range(table, "2020-03-12").first == 4410.00);
  CHECK(day_range(table, "2020-03-13").first == 3782.13);
  CHECK(day_range(table, "2021-05-19") == std::pair<double, double>{30000.00, 43584.90});
  // The anomaly lines name what was found.
  REQUIRE(r.anomalies.size() == 8);
  CHECK(r.anomalies[2] ==
        "2649 duplicated times between 2020-08-01T23:00:00Z and 2020-11-20T07:00:00Z resolved by keeping the "
        "millisecond-unix (newer export) row, else the first in the file; the copies' closes differ by up to 0.38%");
  CHECK(r.anomalies[3] ==
        "91 rows whose date text disagrees with unix (2017-09-23T00:00:00Z .. 2017-09-26T18:00:00Z, text -4 h from "
        "unix); unix trusted");
}

TEST_CASE("duplicates can be rejected instead of resolved", "[io]") {
  io::read_csv_config strict;
  strict.duplicates = io::duplicate_rule::reject;
  // Lines 10127 and 10128 of the file are the two copies of 2020-08-01 23:00, the oldest duplicate.
  REQUIRE_THROWS_WITH(io::read_price_csv(dmtest::market_path("btc_usdt_binance_1h.csv"), strict),
                      dmtest::contains("line 10128 repeats the time 2020-08-01T23:00:00Z of line 10127 (close 11801.17 "
                                       "here, 11801.17 there); duplicated times are rejected by the read options"));
}

TEST_CASE("read_column_csv on price files matches read_price_csv", "[io]") {
  const auto closes = io::read_column_csv(dmtest::market_path("btc_usdt_binance_1h.csv"), "close");
  const auto& prices = load("btc_usdt_binance_1h.csv");
  CHECK(closes.report.value_column == "close");
  CHECK(closes.report.rows_kept == 33413);
  CHECK(closes.report.duplicates_resolved == 2649);
  CHECK(closes.times == prices.times());
  CHECK(closes.values == prices.closes());
  // A case-insensitive unique match: "close" finds Yahoo's "Close" (not "Adj Close").
  const auto yahoo = io::read_column_csv(dmtest::market_path("btc_usd_daily.csv"), "close");
  CHECK(yahoo.report.value_column == "Close");
  CHECK(yahoo.values == load("btc_usd_daily.csv").closes());
}

TEST_CASE("deribit_btc_options_sample.csv: plain CSV read column by column", "[io]") {
  const std::string path = dmtest::market_path("deribit_btc_options_sample.csv");
  const auto layout = io::inspect_csv(path);
  CHECK(layout.format == io::file_format::plain);
  CHECK(layout.columns.size() == 25);
  const auto mark_iv = io::read_column_csv(path, "mark_iv");
  CHECK(mark_iv.report.format == io::file_format::plain);
  CHECK(mark_iv.report.rows_read == 166);
  CHECK(mark_iv.values.size() == 166);
  CHECK(mark_iv.times.empty());  // no time column: file order kept
  CHECK(mark_iv.report.file_order == "none");
  CHECK_FALSE(mark_iv.report.has_times);
  CHECK(mark_iv.values.front() == 63.29);  // BTC-13MAR26-61000-C
  const auto bid_iv = io::read_column_csv(path, "bid_iv").values;
  const auto ask_iv = io::read_column_csv(path, "ask_iv").values;
  std::size_t outside = 0;
  std::size_t zero_bid = 0;
  for (std::size_t i = 0; i < mark_iv.values.size(); ++i) {
    if (mark_iv.values[i] < bid_iv[i] || mark_iv.values[i] > ask_iv[i]) ++outside;
    if (bid_iv[i] == 0.0) ++zero_bid;
  }
  CHECK(outside == 7);   // "7 rows have mark_iv outside [bid_iv, ask_iv]"
  CHECK(zero_bid == 1);  // "1 row has bid_iv = 0.0"
  const auto count_zero = [&](const char* column) {
    const auto values = io::read_column_csv(path, column).values;
    return static_cast<std::size_t>(std::count(values.begin(), values.end(), 0.0));
  };
  CHECK(count_zero("volume") == 46);
  CHECK(count_zero("open_interest") == 10);
  const auto spot = io::read_column_csv(path, "spot_ref").values;
  CHECK(std::all_of(spot.begin(), spot.end(), [](double s) { return s == 66742.5678; }));
  // Expiries in epoch ms: 13MAR26 .. 25DEC26 at 08:00 UTC, as the `expiration` text says.
  const auto expiries = io::read_column_csv(path, "expiration_timestamp").values;
  CHECK(*std::min_element(expiries.begin(), expiries.end()) ==
        1000.0 * static_cast<double>(at("2026-03-13 08:00:00+00:00")));
  CHECK(*std::max_element(expiries.begin(), expiries.end()) ==
        1000.0 * static_cast<double>(at("2026-12-25 08:00:00+00:00")));
}

TEST_CASE("percent log returns of the closes equal the reference returns to 1e-12 relative", "[io]") {
  struct pair_of_files {
    const char* prices;
    const char* returns;
  };
  for (const auto& files : {pair_of_files{"btc_usd_daily.csv", "returns_btc_usd_daily.csv"},
                            pair_of_files{"eth_usd_daily.csv", "returns_eth_usd_daily.csv"},
                            pair_of_files{"sol_usd_daily.csv", "returns_sol_usd_daily.csv"},
                            pair_of_files{"btc_usd_1h.csv", "returns_btc_usd_1h.csv"}}) {
    INFO(files.prices);
    const auto& table = load(files.prices);
    const auto reference = io::read_column_csv(dmtest::reference_path(files.returns), "r");
    REQUIRE(reference.values.size() + 1 == table.bars.size());
    REQUIRE(reference.times.size() == reference.values.size());
    std::size_t time_mismatches = 0;
    std::size_t value_mismatches = 0;
    double worst = 0.0;
    for (std::size_t i = 0; i < reference.values.size(); ++i) {
      const double r = 100.0 * std::log(table.bars[i + 1].close / table.bars[i].close);
      const double expected = reference.values[i];
      const double error = std::fabs(r - expected);
      // relative 1e-12, or 1e-14 absolute for returns of exactly zero
      if (error > 1e-12 * std::fabs(expected) && error > 1e-14) ++value_mismatches;
      if (expected != 0.0) worst = std::max(worst, error / std::fabs(expected));
      if (reference.times[i] != table.bars[i + 1].time) ++time_mismatches;
    }
    INFO("worst relative error " << worst);
    CHECK(value_mismatches == 0);
    CHECK(time_mismatches == 0);
  }
}

TEST_CASE("the step is the most common spacing, with or without a majority", "[io]") {
  // A majority spacing (60 s in 4 of 6 steps; one 300 s gap and one irregular 90 s step).
  const auto majority = io::read_column_csv_text(
      "t,x\n1700000000,1\n1700000060,2\n1700000120,3\n1700000420,4\n1700000480,5\n1700000570,6\n1700000630,7\n", "x");
  CHECK(majority.report.step_seconds == 60);
  CHECK(majority.report.gaps == 2);
  CHECK(majority.report.missing_steps == 4 + 1);
  CHECK(majority.report.irregular_spacings == 1);
  // No majority: 30, 30, 120, 120, 60, 60 s. The smallest of the most common wins (a vote
  // alone would end on 60).
  const auto plural = io::read_column_csv_text(
      "t,x\n1700000000,1\n1700000030,2\n1700000060,3\n1700000180,4\n1700000300,5\n1700000360,6\n1700000420,7\n", "x");
  CHECK(plural.report.step_seconds == 30);
  CHECK(plural.report.gaps == 4);
  // Two steps of 120 s and one of 60 s: the majority is the larger one.
  const auto larger = io::read_column_csv_text("t,x\n1700000000,1\n1700000120,2\n1700000240,3\n1700000300,4\n", "x");
  CHECK(larger.report.step_seconds == 120);
  CHECK(larger.report.gaps == 0);
}
