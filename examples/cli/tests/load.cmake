# SPDX-License-Identifier: MIT
# Contract of `dynmargin load`: the JSON load report of the messy Binance file matches
# examples/data/SOURCES.md, and a missing file or column exits with 1 and a clear message.
# Run with: cmake -DDYNMARGIN=<exe> -DDATA_DIR=<examples/data> -DWORK_DIR=<dir> -P load.cmake
cmake_minimum_required(VERSION 3.19)  # string(JSON)

foreach(var DYNMARGIN DATA_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "load.cmake: pass -D${var}=...")
  endif()
endforeach()

function(expect_json json key expected)
  string(JSON actual ERROR_VARIABLE error GET "${json}" ${key})
  if(error)
    message(FATAL_ERROR "load: JSON has no ${key}: ${error}")
  endif()
  if(NOT "${actual}" STREQUAL "${expected}")
    message(FATAL_ERROR "load: ${key} is '${actual}', expected '${expected}'")
  endif()
endfunction()

function(expect_contains text needle what)
  string(FIND "${text}" "${needle}" position)
  if(position EQUAL -1)
    message(FATAL_ERROR "load: ${what} does not contain '${needle}':\n${text}")
  endif()
endfunction()

# 1. The Binance file: every count SOURCES.md lists.
set(binance "${DATA_DIR}/btc_usdt_binance_1h.csv")
execute_process(COMMAND "${DYNMARGIN}" load --input "${binance}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "load: exit code ${rc} on the Binance file: ${err}")
endif()
expect_json("${out}" path "${binance}")
expect_json("${out}" format "binance_cryptodatadownload_mixed")
expect_json("${out}" rows_read 36062)
expect_json("${out}" rows_kept 33413)
expect_json("${out}" duplicates_resolved 2649)
expect_json("${out}" null_rows_skipped 0)
expect_json("${out}" file_order "newest_first")
expect_json("${out}" reordered ON)
expect_json("${out}" step_seconds 3600)
expect_json("${out}" gaps 8)
expect_json("${out}" missing_steps 16)
expect_json("${out}" first_time "2017-08-17T04:00:00Z")
expect_json("${out}" first_time_epoch 1502942400)
expect_json("${out}" last_time "2021-06-10T00:00:00Z")
expect_json("${out}" last_time_epoch 1623283200)
expect_json("${out}" "time_units;seconds" 28584)
expect_json("${out}" "time_units;milliseconds" 7478)
expect_json("${out}" date_text_mismatches 91)
expect_json("${out}" zero_volume_flat_bars 117)
expect_json("${out}" ohlc_inconsistent_bars 0)
expect_json("${out}" volume_swapped_bars 0)
expect_json("${out}" "suspect_bars;0" "2017-08-17T04:00:00Z")
expect_json("${out}" last_bar_possibly_incomplete ON)
expect_json("${out}" "gap_list;0;from" "2017-09-22T19:00:00Z")
expect_json("${out}" "gap_list;0;to" "2017-09-23T00:00:00Z")
expect_json("${out}" "gap_list;0;missing_steps" 4)
string(JSON gap_count LENGTH "${out}" gap_list)
string(JSON anomaly_count LENGTH "${out}" anomalies)
if(NOT gap_count EQUAL 8 OR NOT anomaly_count EQUAL 8)
  message(FATAL_ERROR "load: expected 8 gaps listed and 8 anomalies, got ${gap_count} and ${anomaly_count}")
endif()
# Pretty-printed with a 2-space indent.
expect_contains("${out}" "{\n  \"path\": " "the JSON")

# 2. The Bitstamp file: preamble, reversed, swapped volume columns.
execute_process(COMMAND "${DYNMARGIN}" load --input "${DATA_DIR}/btc_usd_1h.csv"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "load: exit code ${rc} on btc_usd_1h.csv: ${err}")
endif()
expect_json("${out}" format "cryptodatadownload")
expect_json("${out}" preamble_lines 1)
expect_json("${out}" rows_kept 37387)
expect_json("${out}" gaps 0)
expect_json("${out}" zero_volume_flat_bars 6)
expect_json("${out}" volume_swapped_bars 20143)

# 3. One column of a plain CSV.
execute_process(COMMAND "${DYNMARGIN}" load --input "${DATA_DIR}/deribit_btc_options_sample.csv" --column mark_iv
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "load: exit code ${rc} on the Deribit file: ${err}")
endif()
expect_json("${out}" format "plain")
expect_json("${out}" value_column "mark_iv")
expect_json("${out}" rows_kept 166)
string(JSON time_type TYPE "${out}" first_time)
if(NOT time_type STREQUAL "NULL")
  message(FATAL_ERROR "load: first_time of a file without a time column should be null, is ${time_type}")
endif()

# 4. Errors: exit code 1 and a message naming the problem on standard error.
execute_process(COMMAND "${DYNMARGIN}" load --input "${DATA_DIR}/no_such_file.csv"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "load: a missing file should exit with 1, got ${rc}")
endif()
expect_contains("${err}" "dynmargin: inspect_csv: \"${DATA_DIR}/no_such_file.csv\" cannot be opened: no such file"
  "the missing-file error")

execute_process(COMMAND "${DYNMARGIN}" load --input "${DATA_DIR}/btc_usd_daily.csv" --column Price
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "load: a missing column should exit with 1, got ${rc}")
endif()
expect_contains("${err}"
  "dynmargin: read_column_csv: \"${DATA_DIR}/btc_usd_daily.csv\" has no column \"Price\" (columns: Date, Open, High, Low, Close, Adj Close, Volume)"
  "the missing-column error")

execute_process(COMMAND "${DYNMARGIN}" load
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "load: --input is required")
endif()

# 5. --help explains the subcommand.
execute_process(COMMAND "${DYNMARGIN}" load --help
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "load --help: exit code ${rc}")
endif()
expect_contains("${out}" "print its load report as JSON" "load --help")
expect_contains("${out}" "--input" "load --help")
expect_contains("${out}" "--column" "load --help")
