# SPDX-License-Identifier: MIT
# The command line's contract on inputs a new user tries in the first minutes (issue 13 §2):
#  - a window longer than the data is an error naming --window, at once (memory follows the
#    data: 2e9 once took 24 GB);
#  - output that cannot be written (/dev/full) exits non-zero, for every subcommand;
#  - a confidence below 0.5 is refused naming --confidence; a negative --seed or --paths is
#    refused naming the flag (they wrapped or fell back to the default);
#  - `dynmargin help` lists the subcommands; an unknown subcommand exits 2 with the list;
#  - the older command-line enum spellings read as the JSON's (tail-mean = tail_mean).
cmake_minimum_required(VERSION 3.21)
foreach(var DYNMARGIN DATA_DIR EXAMPLES_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "contract.cmake: pass -D${var}=...")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK_DIR}")
set(btc "${DATA_DIR}/btc_usd_daily.csv")
set(returns "${EXAMPLES_DIR}/../tests/data/returns_btc_usd_daily.csv")

# Runs the tool; fails unless it exits non-zero with every one of `EXPECT` in standard error.
function(expect_failure label)
  cmake_parse_arguments(arg "" "" "ARGS;EXPECT" ${ARGN})
  execute_process(COMMAND "${DYNMARGIN}" ${arg_ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 30)
  if(rc EQUAL 0 OR NOT rc MATCHES "^[0-9]+$")
    message(FATAL_ERROR "${label}: expected a non-zero exit, got '${rc}'\nstdout: ${out}\nstderr: ${err}")
  endif()
  foreach(text IN LISTS arg_EXPECT)
    string(FIND "${err}" "${text}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${label}: standard error lacks '${text}': ${err}")
    endif()
  endforeach()
  set(last_rc ${rc} PARENT_SCOPE)
  set(last_out "${out}" PARENT_SCOPE)
endfunction()

# 1. A window longer than the data: an error at once, naming the flag and the data's length.
foreach(method historical fhs evt)
  expect_failure("var ${method} window 2e9"
    ARGS var --method ${method} --window 2000000000 --input "${btc}"
    EXPECT "--window" "longer than the data" "2722 returns")
endforeach()

# 2. A write error is an error: standard output on /dev/full.
if(EXISTS /dev/full)
  foreach(command "vol;--model;ewma;--input;${btc}"
                  "var;--method;historical;--window;250;--input;${btc}"
                  "fit;--input;${returns};--column;r"
                  "load;--input;${btc}"
                  "margin;--config;${EXAMPLES_DIR}/configs/ccp_apc.json;--input;${btc}"
                  "kinds")
    list(GET command 0 name)
    execute_process(COMMAND "${DYNMARGIN}" ${command} OUTPUT_FILE /dev/full RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(rc EQUAL 0)
      message(FATAL_ERROR "${name} > /dev/full exited 0: a write error must fail")
    endif()
    string(FIND "${err}" "cannot write" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${name} > /dev/full: standard error does not say the output could not be written: ${err}")
    endif()
  endforeach()
endif()

# 3. Confidence below 0.5, negative seeds and path counts.
expect_failure("var confidence 0.01" ARGS var --method parametric --confidence 0.01 --input "${btc}"
  EXPECT "--confidence must be in" "0.5, 1) (0.99 for 99%), got 0.01")
expect_failure("var confidence 99" ARGS var --method parametric --confidence 99 --input "${btc}"
  EXPECT "--confidence must be in" "got 99")
expect_failure("var seed -1" ARGS var --method montecarlo --seed -1 --input "${btc}" EXPECT "--seed")
expect_failure("var paths -5" ARGS var --method montecarlo --paths -5 --input "${btc}" EXPECT "--paths")
execute_process(COMMAND "${DYNMARGIN}" var --method parametric --confidence 0.5 --input "${btc}"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "var --confidence 0.5 is the lowest accepted level, refused: ${err}")
endif()

# 4. help and unknown subcommands.
execute_process(COMMAND "${DYNMARGIN}" help RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dynmargin help exited ${rc}")
endif()
foreach(name load fit vol var margin backtest kinds)
  string(FIND "${out}" "${name}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "dynmargin help does not list ${name}: ${out}")
  endif()
endforeach()
expect_failure("unknown subcommand" ARGS frobnicate --input x
  EXPECT "unknown subcommand \"frobnicate\"" "load, fit, vol, var, margin, backtest, kinds")
if(NOT last_rc EQUAL 2)
  message(FATAL_ERROR "an unknown subcommand is a usage error (exit 2), got ${last_rc}")
endif()

# 5. One spelling per enum value, the older command-line one accepted.
foreach(spelling tail_mean tail-mean)
  execute_process(COMMAND "${DYNMARGIN}" var --method historical --window 250 --es ${spelling} --input "${btc}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE es_${spelling} ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "var --es ${spelling} failed: ${err}")
  endif()
endforeach()
if(NOT es_tail_mean STREQUAL es_tail-mean)
  message(FATAL_ERROR "var --es tail_mean and tail-mean differ")
endif()
expect_failure("var --es typo" ARGS var --method historical --es tail --input "${btc}"
  EXPECT "--es must be one of tail_mean, acerbi_tasche")

# 6. A price column read as returns (sigma 40,611 once) is refused naming --prices; with
#    --prices it is read as prices, and --as-returns overrides the check. --prices without
#    --column reads the close/price column of a plain file as prices.
expect_failure("vol on Close without --prices" ARGS vol --model ewma --input "${btc}" --column Close
  EXPECT "looks like prices" "--prices")
execute_process(COMMAND "${DYNMARGIN}" vol --model ewma --input "${btc}" --column Close --prices
                RESULT_VARIABLE rc OUTPUT_VARIABLE with_prices ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "vol --column Close --prices failed: ${err}")
endif()
execute_process(COMMAND "${DYNMARGIN}" vol --model ewma --input "${btc}" RESULT_VARIABLE rc OUTPUT_VARIABLE default_run)
if(NOT with_prices STREQUAL default_run)
  message(FATAL_ERROR "vol --column Close --prices differs from the price file's default reading")
endif()
execute_process(COMMAND "${DYNMARGIN}" vol --model ewma --input "${btc}" --column Close --as-returns
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "vol --column Close --as-returns is the documented override, refused: ${err}")
endif()
# A plain two-column file of prices.
file(STRINGS "${btc}" lines)
list(SUBLIST lines 1 400 body)
set(plain "time,price\n")
foreach(line IN LISTS body)
  string(REPLACE "," ";" cells "${line}")
  list(GET cells 0 date)
  list(GET cells 4 close)
  string(APPEND plain "${date},${close}\n")
endforeach()
file(WRITE "${WORK_DIR}/plain_prices.csv" "${plain}")
execute_process(COMMAND "${DYNMARGIN}" vol --model ewma --input "${WORK_DIR}/plain_prices.csv" --prices
                RESULT_VARIABLE rc OUTPUT_VARIABLE plain_out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "vol --prices on a plain time,price file failed: ${err}")
endif()
execute_process(COMMAND "${DYNMARGIN}" vol --model ewma --input "${WORK_DIR}/plain_prices.csv" --column price
                        --prices RESULT_VARIABLE rc OUTPUT_VARIABLE plain_column_out)
if(NOT plain_out STREQUAL plain_column_out)
  message(FATAL_ERROR "vol --prices without --column does not read the price column as --column price --prices does")
endif()

# 7. backtest: two configs with one file name write two path files, never one over the other.
file(MAKE_DIRECTORY "${WORK_DIR}/a" "${WORK_DIR}/b")
file(WRITE "${WORK_DIR}/a/x.json"
  "{\"volatility\": {\"model\": \"ewma\"}, \"risk\": {\"method\": \"parametric\"}, \"policies\": [{\"type\": \"floor\", \"rate\": 0.02}]}")
file(WRITE "${WORK_DIR}/b/x.json"
  "{\"volatility\": {\"model\": \"ewma\"}, \"risk\": {\"method\": \"parametric\"}, \"policies\": [{\"type\": \"floor\", \"rate\": 0.30}]}")
file(REMOVE "${WORK_DIR}/paths_x_1.csv" "${WORK_DIR}/paths_x_2.csv" "${WORK_DIR}/paths_x.csv")
execute_process(COMMAND "${DYNMARGIN}" backtest --config "${WORK_DIR}/a/x.json" --config "${WORK_DIR}/b/x.json"
                        --input "${btc}" --paths "${WORK_DIR}/paths.csv"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "backtest with two configs named x.json failed: ${err}")
endif()
if(NOT EXISTS "${WORK_DIR}/paths_x_1.csv" OR NOT EXISTS "${WORK_DIR}/paths_x_2.csv")
  message(FATAL_ERROR "backtest: two configs named x.json must write paths_x_1.csv and paths_x_2.csv: ${err}")
endif()
file(READ "${WORK_DIR}/paths_x_1.csv" first_paths)
file(READ "${WORK_DIR}/paths_x_2.csv" second_paths)
if(first_paths STREQUAL second_paths)
  message(FATAL_ERROR "backtest: the two path files are identical; one config's path overwrote the other's")
endif()
string(FIND "${err}" "share the name \"x\"" at)
if(at EQUAL -1)
  message(FATAL_ERROR "backtest: shared config names are not said on standard error: ${err}")
endif()

# 8. --input - reads standard input (every subcommand that reads --input); a semicolon-separated
#    file gets a hint about the separator.
execute_process(COMMAND "${DYNMARGIN}" vol --model ewma --input - INPUT_FILE "${btc}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE from_stdin ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "vol --input - failed: ${err}")
endif()
if(NOT from_stdin STREQUAL default_run)
  message(FATAL_ERROR "vol --input - (standard input) differs from --input FILE")
endif()
foreach(command "load" "var;--method;historical;--window;250" "fit" "margin;--config;${EXAMPLES_DIR}/configs/ccp_apc.json"
                "backtest;--config;${EXAMPLES_DIR}/configs/ccp_apc.json")
  execute_process(COMMAND "${DYNMARGIN}" ${command} --input - INPUT_FILE "${btc}"
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${command} --input - failed: ${err}")
  endif()
endforeach()
file(WRITE "${WORK_DIR}/semicolons.csv" "time;r\n2024-01-01;0.5\n2024-01-02;-0.3\n")
expect_failure("semicolon file" ARGS vol --model ewma --input "${WORK_DIR}/semicolons.csv"
  EXPECT "semicolon-separated")

# 9. Runs that produce no estimate exit non-zero with the reason (they printed a header and
#    exited 0): a warm-up longer than the data in vol, var and margin.
file(STRINGS "${btc}" lines)
list(SUBLIST lines 0 21 head_lines)
list(JOIN head_lines "\n" short_text)
file(WRITE "${WORK_DIR}/short.csv" "${short_text}\n")
expect_failure("vol rolling window > data" ARGS vol --model rolling --window 50 --input "${WORK_DIR}/short.csv"
  EXPECT "vol: no forecast")
expect_failure("var parametric garch fit-start > data" ARGS var --method parametric --vol garch --fit-start 500
  --input "${WORK_DIR}/short.csv" EXPECT "--fit-start must be in")
file(WRITE "${WORK_DIR}/long_window.json"
  "{\"volatility\": {\"model\": \"ewma\"}, \"risk\": {\"method\": \"historical\", \"window\": 500}}")
expect_failure("margin warm-up > data" ARGS margin --config "${WORK_DIR}/long_window.json" --input "${WORK_DIR}/short.csv"
  EXPECT "no margin: all 20 rows are in warm-up")

# 10. Flags the chosen method does not read are refused, naming the flag (var ignored them).
expect_failure("var --nu with historical" ARGS var --method historical --nu 5 --input "${btc}"
  EXPECT "var: --nu applies to --method parametric, montecarlo only" "got --method historical")
expect_failure("var --window with parametric" ARGS var --method parametric --window 100 --input "${btc}"
  EXPECT "--window applies to --method historical, fhs, evt only")
expect_failure("var --lambda with garch" ARGS var --method parametric --vol garch --lambda 0.9 --input "${btc}"
  EXPECT "--lambda applies to --vol ewma only")

# 11. JSON numbers out of range name the file (nlohmann's out_of_range.406 had none), in
#     margin and backtest alike.
file(WRITE "${WORK_DIR}/huge.json" "{\"volatility\": {\"model\": \"ewma\", \"lambda\": 1e999}}")
foreach(command margin backtest)
  expect_failure("${command} JSON out of range" ARGS ${command} --config "${WORK_DIR}/huge.json" --input "${btc}"
    EXPECT "huge.json" "is not valid JSON")
endforeach()

# 12. One exit-code table: 0 ok, 1 data or computation error, 2 usage error.
expect_failure("unknown flag" ARGS var --method historical --bogus 1 --input "${btc}" EXPECT "--bogus")
if(NOT last_rc EQUAL 2)
  message(FATAL_ERROR "an unknown flag is a usage error (exit 2), got ${last_rc}")
endif()
expect_failure("flag out of range" ARGS var --method parametric --confidence 99 --input "${btc}" EXPECT "--confidence")
if(NOT last_rc EQUAL 2)
  message(FATAL_ERROR "a flag out of range is a usage error (exit 2), got ${last_rc}")
endif()
expect_failure("backtest --coverage 99" ARGS backtest --config "${EXAMPLES_DIR}/configs/ccp_apc.json" --input "${btc}"
  --coverage 99 EXPECT "backtest: --coverage is the VaR coverage level")
if(NOT last_rc EQUAL 2)
  message(FATAL_ERROR "backtest --coverage 99 is a usage error (exit 2), got ${last_rc}")
endif()
expect_failure("missing file" ARGS vol --model ewma --input "${WORK_DIR}/no_such_file.csv" EXPECT "no_such_file")
if(NOT last_rc EQUAL 1)
  message(FATAL_ERROR "a missing input file is a data error (exit 1), got ${last_rc}")
endif()
