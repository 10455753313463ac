// SPDX-License-Identifier: MIT
// io/: broken input is rejected with a message naming the file, line, column and the
// offending text (exact messages), and tolerated irregularities (BOM, CRLF, quotes, preamble,
// no final newline, null rows, unsorted rows) are read correctly and reported.
#include <cstdint>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dynmargin/io/io.hpp"
#include "test_data.hpp"

namespace io = dynmargin::io;

namespace {
std::string broken(const std::string& name) { return dmtest::reference_path("broken/" + name); }
const std::string yahoo_header = "Date,Open,High,Low,Close,Adj Close,Volume\n";
}  // namespace

TEST_CASE("a missing, empty or header-only file is an invalid_argument naming the file", "[io]") {
  REQUIRE_THROWS_AS(io::read_price_csv("/nonexistent/prices.csv"), dynmargin::invalid_argument);
  REQUIRE_THROWS_AS(io::read_price_csv("/nonexistent/prices.csv"), std::invalid_argument);
  REQUIRE_THROWS_WITH(io::read_price_csv("/nonexistent/prices.csv"),
                      "read_price_csv: \"/nonexistent/prices.csv\" cannot be opened: no such file");
  REQUIRE_THROWS_WITH(io::read_column_csv("/nonexistent/r.csv", "r"),
                      "read_column_csv: \"/nonexistent/r.csv\" cannot be opened: no such file");
  REQUIRE_THROWS_WITH(io::read_price_csv(dmtest::reference_path("broken")),
                      "read_price_csv: \"" + dmtest::reference_path("broken") +
                          "\" cannot be opened: it is a directory");
  const std::string empty = broken("io_empty.csv");
  REQUIRE_THROWS_WITH(io::read_price_csv(empty),
                      "read_price_csv: \"" + empty +
                          "\" is empty: it must have a header line and at least one data row");
  REQUIRE_THROWS_WITH(io::read_price_csv_text("\n\r\n  \n"),
                      "read_price_csv: \"<text>\" is empty: it must have a header line and at least one data row");
  const std::string header_only = broken("io_header_only.csv");
  REQUIRE_THROWS_WITH(io::read_price_csv(header_only),
                      "read_price_csv: \"" + header_only + "\" has a header but no data rows");
  REQUIRE_THROWS_WITH(io::read_column_csv(header_only, "Close"),
                      "read_column_csv: \"" + header_only + "\" has a header but no data rows");
}

TEST_CASE("a missing column names the column and lists the ones available", "[io]") {
  const std::string path = broken("io_missing_close.csv");
  REQUIRE_THROWS_WITH(
      io::read_price_csv(path),
      "read_price_csv: \"" + path +
          "\" has no column \"close\" (columns: unix, date, symbol, open, high, low, Volume BTC, Volume USD)");
  REQUIRE_THROWS_WITH(io::read_column_csv(dmtest::reference_path("returns_btc_usd_daily.csv"), "returns"),
                      "read_column_csv: \"" + dmtest::reference_path("returns_btc_usd_daily.csv") +
                          "\" has no column \"returns\" (columns: i, date, r)");
  REQUIRE_THROWS_WITH(io::read_column_csv_text("a,b\n1,2\n", ""),
                      "read_column_csv: \"<text>\" needs a column name (columns: a, b)");
  // Two columns that differ only in case are ambiguous for a case-insensitive match.
  REQUIRE_THROWS_WITH(io::read_column_csv_text("Close,close\n1,2\n", "CLOSE"),
                      "read_column_csv: \"<text>\" has no column \"CLOSE\" (columns: Close, close)");
  CHECK(io::read_column_csv_text("Close,close\n1,2\n", "close").values == std::vector<double>{2.0});
}

TEST_CASE("text where a number should be names file, line, column and text", "[io]") {
  const std::string path = broken("io_text_in_close.csv");
  REQUIRE_THROWS_WITH(io::read_price_csv(path),
                      "read_price_csv: \"" + path + "\" line 3 column \"Close\" must be a number, got \"n/a?\"");
  REQUIRE_THROWS_WITH(io::read_price_csv_text(yahoo_header + "2020-01-01,1,2,0.5,1.5x,1.5,10\n"),
                      "read_price_csv: \"<text>\" line 2 column \"Close\" must be a number, got \"1.5x\"");
  REQUIRE_THROWS_WITH(io::read_price_csv_text(yahoo_header + "2020-01-01,1,2,0.5,,1.5,10\n"),
                      "read_price_csv: \"<text>\" line 2 column \"Close\" must be a number, got \"\"");
  REQUIRE_THROWS_WITH(io::read_price_csv_text(yahoo_header + "2020-01-01,1,2,0.5,1.5,1.5,ten\n"),
                      "read_price_csv: \"<text>\" line 2 column \"Volume\" must be a number, got \"ten\"");
  REQUIRE_THROWS_WITH(io::read_column_csv_text("date,r\n2020-01-01,0.5\n2020-01-02,abc\n", "r"),
                      "read_column_csv: \"<text>\" line 3 column \"r\" must be a number, got \"abc\"");
  // One null price among numbers is an error, not a null row.
  REQUIRE_THROWS_WITH(io::read_price_csv_text(yahoo_header + "2020-01-01,1,2,null,1.5,1.5,10\n"),
                      "read_price_csv: \"<text>\" line 2 column \"Low\" must be a number, got \"null\"");
}

TEST_CASE("a row with the wrong number of cells is rejected", "[io]") {
  const std::string path = broken("io_wrong_cell_count.csv");
  REQUIRE_THROWS_WITH(io::read_price_csv(path),
                      "read_price_csv: \"" + path + "\" line 3 must have 7 cells like the header, got 6");
  REQUIRE_THROWS_WITH(io::read_column_csv_text("date,r\n2020-01-01,0.5,7\n", "r"),
                      "read_column_csv: \"<text>\" line 2 must have 2 cells like the header, got 3");
}

TEST_CASE("non-positive and non-finite prices are rejected; volumes must be >= 0", "[io]") {
  const std::string path = broken("io_zero_price.csv");
  REQUIRE_THROWS_WITH(io::read_price_csv(path),
                      "read_price_csv: \"" + path + "\" line 3 column \"Low\" must be a finite price > 0, got \"0\"");
  REQUIRE_THROWS_WITH(io::read_price_csv_text(yahoo_header + "2020-01-01,-1,2,0.5,1.5,1.5,10\n"),
                      "read_price_csv: \"<text>\" line 2 column \"Open\" must be a finite price > 0, got \"-1\"");
  REQUIRE_THROWS_WITH(io::read_price_csv_text(yahoo_header + "2020-01-01,1,inf,0.5,1.5,1.5,10\n"),
                      "read_price_csv: \"<text>\" line 2 column \"High\" must be a finite price > 0, got \"inf\"");
  REQUIRE_THROWS_WITH(io::read_price_csv_text(yahoo_header + "2020-01-01,1,2,0.5,NaN,1.5,10\n"),
                      "read_price_csv: \"<text>\" line 2 column \"Close\" must be a finite price > 0, got \"NaN\"");
  REQUIRE_THROWS_WITH(io::read_price_csv_text(yahoo_header + "2020-01-01,1,2,0.5,1.5,1.5,-3\n"),
                      "read_price_csv: \"<text>\" line 2 column \"Volume\" must be a finite volume >= 0, got \"-3\"");
  REQUIRE_THROWS_WITH(io::read_column_csv_text("r\n1e999\n", "r"),
                      "read_column_csv: \"<text>\" line 2 column \"r\" must be a number, got \"1e999\"");
  REQUIRE_THROWS_WITH(io::read_column_csv_text("r\nnan\n", "r"),
                      "read_column_csv: \"<text>\" line 2 column \"r\" must be a finite number, got \"nan\"");
  // Returns may be zero or negative.
  CHECK(io::read_column_csv_text("r\n0\n-2.5\n", "r").values == std::vector<double>{0.0, -2.5});
}

TEST_CASE("an unreadable or impossible time is rejected", "[io]") {
  REQUIRE_THROWS_WITH(
      io::read_price_csv_text(yahoo_header + "2020-02-30,1,2,0.5,1.5,1.5,10\n"),
      "read_price_csv: \"<text>\" line 2 column \"Date\" must be a date (YYYY-MM-DD[ HH:MM:SS[.ffffff]]) or "
      "epoch seconds or milliseconds, got \"2020-02-30\"");
  REQUIRE_THROWS_WITH(
      io::read_column_csv_text("time,r\nyesterday,1\n", "r"),
      "read_column_csv: \"<text>\" line 2 column \"time\" must be a date (YYYY-MM-DD[ HH:MM:SS[.ffffff]]) or "
      "epoch seconds or milliseconds, got \"yesterday\"");
  REQUIRE_THROWS_WITH(io::read_column_csv_text("date,r\n2020-01-01 13-PM,1\n", "r"),
                      dmtest::contains("got \"2020-01-01 13-PM\""));
  REQUIRE_THROWS_WITH(io::parse_time("2021-13-01"),
                      "parse_time: text must be a date (YYYY-MM-DD[ HH:MM:SS]) or epoch seconds or milliseconds, "
                      "got \"2021-13-01\"");
}

TEST_CASE("BOM, CRLF, quoted cells, a preamble and no final newline are read", "[io]") {
  const auto table = io::read_price_csv(broken("io_bom_crlf_quoted.csv"));
  const auto& r = table.report;
  CHECK(r.format == io::file_format::cryptodatadownload);
  CHECK(r.preamble_lines == 1);
  CHECK(r.columns.front() == "unix");
  CHECK(r.rows_read == 3);
  CHECK(r.file_order == "newest_first");
  REQUIRE(table.bars.size() == 3);
  CHECK(table.bars[0] == io::price_bar{1577836800, 7160.69, 7177.0, 7150.0, 7176.47, 49.7});
  CHECK(table.bars[1] == io::price_bar{1577840400, 7176.47, 7230.0, 7175.71, 7176.47, 84.2});
  CHECK(table.bars[2] == io::price_bar{1577844000, 7176.47, 7190.0, 7170.15, 7182.84, 25.48});
  CHECK(r.step_seconds == 3600);
  CHECK(r.gaps == 0);
}

TEST_CASE("Yahoo null rows are skipped and counted, never silently", "[io]") {
  const auto table = io::read_price_csv_text(yahoo_header +
                                             "2020-04-15,1.0,1.2,0.9,1.1,1.1,10\n"
                                             "2020-04-16,1.1,1.3,1.0,1.2,1.2,10\n"
                                             "2020-04-17,null,null,null,null,null,null\n"
                                             "2020-04-18,1.2,1.4,1.1,1.3,1.3,12\n");
  CHECK(table.report.rows_read == 4);
  CHECK(table.report.rows_kept == 3);
  CHECK(table.report.null_rows_skipped == 1);
  CHECK(table.report.gaps == 1);
  CHECK(table.report.missing_steps == 1);
  CHECK(table.report.anomalies ==
        std::vector<std::string>{"1 gaps with 1 missing steps of 86400 s; largest 2020-04-16T00:00:00Z -> "
                                 "2020-04-18T00:00:00Z (1 missing)",
                                 "1 rows of null values skipped"});
}

TEST_CASE("a file of null rows only is an error, not an empty table", "[io]") {
  REQUIRE_THROWS_WITH(io::read_price_csv_text(yahoo_header + "2020-04-17,null,null,null,null,null,null\n"),
                      "read_price_csv: \"<text>\" has no row with values: all 1 data rows are null");
}

TEST_CASE("unsorted rows are sorted; equal times keep the millisecond row, else the first", "[io]") {
  const std::string header = "unix,date,symbol,open,high,low,close,Volume BTC,Volume USDT,tradecount\n";
  // Old-format row first in the file, new-format (milliseconds) copy after it: the copy wins.
  const auto table = io::read_price_csv_text(header +
                                             "1577840400.0,2020-01-01 01-AM,BTC/USDT,10,11,9,10.5,1,10.5,NULL\n"
                                             "1577836800000,2020-01-01 00:00:00,BTC/USDT,10,11,9,10,1,10,5\n"
                                             "1577840400000,2020-01-01 01:00:00,BTC/USDT,10,11,9,10.6,1,10.6,7\n");
  CHECK(table.report.format == io::file_format::binance_cryptodatadownload_mixed);
  CHECK(table.report.file_order == "unsorted");
  CHECK(table.report.reordered);
  CHECK(table.report.duplicates_resolved == 1);
  REQUIRE(table.bars.size() == 2);
  CHECK(table.bars[1].close == 10.6);
  CHECK(table.report.date_text_mismatches == 0);  // 01-AM is 01:00
  // Same rank: the first row in the file is kept.
  const auto plain = io::read_column_csv_text("t,x\n5,1\n5,2\n3,0\n4,7\n", "x");
  CHECK(plain.times == std::vector<dynmargin::timestamp>{3, 4, 5});
  CHECK(plain.values == std::vector<double>{0.0, 7.0, 1.0});
  CHECK(plain.report.duplicates_resolved == 1);
  CHECK(plain.report.anomalies.front() == "rows are not in time order; sorted oldest first");
}

TEST_CASE("a generic OHLC file without volume reads with zero volume, noted", "[io]") {
  const auto table = io::read_price_csv_text("time,open,high,low,close\n2020-01-01T00:00:00Z,1,1.2,0.9,1.1\n");
  CHECK(table.report.format == io::file_format::ohlc);
  CHECK(table.bars.front() == io::price_bar{1577836800, 1.0, 1.2, 0.9, 1.1, 0.0});
  CHECK(table.report.anomalies == std::vector<std::string>{"no volume column: volumes set to 0"});
}

TEST_CASE("mutated Binance rows either load with consistent reports or throw invalid_argument", "[io]") {
  // The first 40 lines of the messy file, then 3000 random single-character edits drawn from
  // the characters that matter to the parser. Run under AddressSanitizer/UBSan in CI.
  std::ifstream in(dmtest::market_path("btc_usdt_binance_1h.csv"));
  std::string original;
  std::string line;
  for (int i = 0; i < 40 && std::getline(in, line); ++i) original += line + "\n";
  REQUIRE(original.size() > 1000);
  std::mt19937_64 generator(20240601);
  const std::string alphabet = ",\"\r\n0123456789.-+eE:APMTZ x";
  std::uniform_int_distribution<std::size_t> position(0, original.size() - 1);
  std::uniform_int_distribution<std::size_t> character(0, alphabet.size() - 1);
  std::size_t loaded = 0;
  std::size_t rejected = 0;
  std::size_t inconsistent = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text = original;
    const int edits = 1 + trial % 3;
    for (int e = 0; e < edits; ++e) text[position(generator)] = alphabet[character(generator)];
    try {
      const auto table = io::read_price_csv_text(text);
      const auto& r = table.report;
      bool ok = r.rows_read == r.rows_kept + r.duplicates_resolved + r.null_rows_skipped &&
                table.bars.size() == r.rows_kept;
      for (std::size_t i = 1; i < table.bars.size(); ++i) ok = ok && table.bars[i].time > table.bars[i - 1].time;
      for (const auto& bar : table.bars) ok = ok && bar.low > 0.0 && bar.close > 0.0 && bar.volume >= 0.0;
      if (!ok) ++inconsistent;
      ++loaded;
    } catch (const dynmargin::invalid_argument&) {
      ++rejected;
    }
  }
  CHECK(inconsistent == 0);
  CHECK(loaded + rejected == 3000);
  CHECK(loaded > 0);
  CHECK(rejected > 0);
}
