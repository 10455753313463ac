// SPDX-License-Identifier: MIT
// `dynmargin load --input FILE [--column NAME]`: reads a price CSV (or one column of any CSV)
// with dynmargin::io and prints its load report as JSON: the format recognised, rows read and
// kept, duplicates resolved, the time step, gaps, and every anomaly found.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "dynmargin/io/io.hpp"
#include "registry.hpp"

namespace dynmargin_cli {
namespace {

using nlohmann::ordered_json;

ordered_json time_json(bool has_time, dynmargin::timestamp t) {
  return has_time ? ordered_json(dynmargin::io::format_utc(t)) : ordered_json(nullptr);
}

ordered_json report_json(const dynmargin::io::load_report& report) {
  ordered_json out;
  out["path"] = report.path;
  out["format"] = std::string(dynmargin::io::to_string(report.format));
  out["columns"] = report.columns;
  out["time_column"] = report.time_column;
  if (!report.value_column.empty()) out["value_column"] = report.value_column;
  out["preamble_lines"] = report.preamble_lines;
  out["rows_read"] = report.rows_read;
  out["rows_kept"] = report.rows_kept;
  out["duplicates_resolved"] = report.duplicates_resolved;
  out["null_rows_skipped"] = report.null_rows_skipped;
  out["file_order"] = report.file_order;
  out["reordered"] = report.reordered;
  out["first_unsorted_line"] = report.first_unsorted_line > 0 ? ordered_json(report.first_unsorted_line)
                                                              : ordered_json(nullptr);
  out["duplicate_max_difference"] = report.duplicate_max_difference;
  out["step_seconds"] = report.step_seconds;
  out["step_microseconds"] = report.step_microseconds;
  out["gaps"] = report.gaps;
  out["missing_steps"] = report.missing_steps;
  out["irregular_spacings"] = report.irregular_spacings;
  ordered_json gaps = ordered_json::array();
  for (const auto& gap : report.gap_list) {
    gaps.push_back(ordered_json{{"from", dynmargin::io::format_utc(gap.from)},
                                {"to", dynmargin::io::format_utc(gap.to)},
                                {"missing_steps", gap.missing_steps}});
  }
  out["gap_list"] = gaps;
  out["first_time"] = time_json(report.has_times, report.first_time);
  out["first_time_epoch"] = report.has_times ? ordered_json(report.first_time) : ordered_json(nullptr);
  out["last_time"] = time_json(report.has_times, report.last_time);
  out["last_time_epoch"] = report.has_times ? ordered_json(report.last_time) : ordered_json(nullptr);
  out["time_units"] = ordered_json{{"seconds", report.seconds_rows},
                                   {"milliseconds", report.milliseconds_rows},
                                   {"date_text", report.text_time_rows}};
  out["date_text_mismatches"] = report.date_text_mismatches;
  out["zero_volume_flat_bars"] = report.zero_volume_flat_bars;
  out["ohlc_inconsistent_bars"] = report.ohlc_inconsistent_bars;
  out["volume_swapped_bars"] = report.volume_swapped_bars;
  ordered_json spans = ordered_json::array();
  for (const auto& span : report.volume_swapped_spans) {
    spans.push_back(ordered_json{{"from", dynmargin::io::format_utc(span.from)},
                                 {"to", dynmargin::io::format_utc(span.to)},
                                 {"bars", span.bars}});
  }
  out["volume_swapped_spans"] = spans;
  ordered_json suspects = ordered_json::array();
  for (const auto t : report.suspect_bars) suspects.push_back(dynmargin::io::format_utc(t));
  out["suspect_bars"] = suspects;
  out["last_bar_possibly_incomplete"] = report.last_bar_possibly_incomplete;
  out["anomalies"] = report.anomalies;
  return out;
}

void add_load_command(CLI::App& app) {
  struct load_options {
    std::string input;
    std::string column;
  };
  auto options = std::make_shared<load_options>();
  auto* sub = app.add_subcommand("load", "Read a price CSV and print its load report as JSON");
  sub->footer(
      "Recognises Yahoo daily downloads, CryptoDataDownload hourly exports (Bitstamp, and the\n"
      "Binance file with two mixed export formats) and any CSV with open/high/low/close columns;\n"
      "with --column, reads that one numeric column of any CSV. Rows are put oldest first,\n"
      "duplicated times resolved, and gaps, flat zero-volume bars, bad prints, swapped volume\n"
      "columns and date/unix disagreements counted. load reports and never refuses: it sorts and\n"
      "de-duplicates as --sort --dedupe would in the other subcommands, which refuse rows in no\n"
      "time order and repeated times by default (first_unsorted_line says where the order breaks).");
  sub->add_option("--input,-i", options->input, "CSV file to read")->transform(input_path, "", "")->required();
  sub->add_option("--column,-c", options->column,
                  "read this numeric column instead of OHLC bars (exact name, or a unique\n"
                  "case-insensitive match); without it a non-price file uses its column r");
  sub->callback([options] {
    ordered_json json;
    if (!options->column.empty()) {
      json = report_json(dynmargin::io::read_column_csv(options->input, options->column).report);
    } else {
      const auto layout = dynmargin::io::inspect_csv(options->input);
      if (dynmargin::io::is_price_format(layout.format)) {
        json = report_json(dynmargin::io::read_price_csv(options->input).report);
      } else {
        json = report_json(read_input("load", options->input, "", false, false, input_order{true, true, false}).report);
      }
    }
    std::cout << json.dump(2) << '\n';
  });
}

}  // namespace

const registration load_registration{10, "load", &add_load_command};

}  // namespace dynmargin_cli
