# SPDX-License-Identifier: MIT
# The command line's contract on inputs a new user tries in the first minutes (issue 13 §2):
#  - a window longer than the data is an error naming --window, at once (memory follows the
#    data: 2e9 once took 24 GB);
#  - output that cannot be written (/dev/full) exits non-zero, for every subcommand;
#  - a confidence below 0.5 is refused naming --confidence; a negative --seed or --paths is
#    refused naming the flag (they wrapped or fell back to the default);
#  - `dynmargin help` lists the subcommands; an unknown subcommand exits 2 with the list;
#  - the older command-line enum spellings read as the JSON's (tail-mean = tail_mean).
#  - one order policy everywhere: rows out of time order and repeated times are errors naming
#    the 1-based input line, --sort / --dedupe relax them and say what they did;
#  - every CSV output carries time (ISO 8601 UTC) and row (the input line);
#  - bytes of a binary file are escaped in messages; progress only on a terminal.
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

# 13. One order policy in every subcommand that reads data: rows in no time order and repeated
#     times are errors naming the input line (1-based, as an editor shows it) and the flag that
#     relaxes them; --sort and --dedupe say on standard error what they did; a file wholly
#     newest first is read in reverse and gives the same numbers as the same file oldest first.
file(STRINGS "${btc}" lines)
list(GET lines 0 header)
list(SUBLIST lines 1 300 body)
# Swap the rows on lines 11 and 12: line 12 then holds a time earlier than line 11's.
list(GET body 9 row_a)
list(GET body 10 row_b)
set(swapped "${body}")
list(REMOVE_AT swapped 9 10)
list(INSERT swapped 9 "${row_b}" "${row_a}")
string(REPLACE ";" "\n" swapped_text "${swapped}")
file(WRITE "${WORK_DIR}/unsorted.csv" "${header}\n${swapped_text}\n")
# Repeat line 21 with a close 50% higher (becomes line 22).
list(GET body 19 row_c)
string(REPLACE "," ";" cells "${row_c}")
list(GET cells 4 close)
string(REGEX REPLACE "\\..*" "" whole "${close}")
math(EXPR half_more "${whole} * 3 / 2")  # about 50% above the close
list(REMOVE_AT cells 4)
list(INSERT cells 4 "${half_more}")
string(REPLACE ";" "," row_dup "${cells}")
set(duplicated "${body}")
list(INSERT duplicated 20 "${row_dup}")
string(REPLACE ";" "\n" duplicated_text "${duplicated}")
file(WRITE "${WORK_DIR}/duplicated.csv" "${header}\n${duplicated_text}\n")
string(REPLACE ";" "\n" body_text "${body}")
file(WRITE "${WORK_DIR}/oldest_first.csv" "${header}\n${body_text}\n")
set(reversed "${body}")
list(REVERSE reversed)
string(REPLACE ";" "\n" reversed_text "${reversed}")
file(WRITE "${WORK_DIR}/newest_first.csv" "${header}\n${reversed_text}\n")

set(ccp "${EXAMPLES_DIR}/configs/ccp_apc.json")
foreach(command "vol;--model;ewma" "var;--method;parametric" "fit" "margin;--config;${ccp}"
                "backtest;--config;${ccp}")
  list(GET command 0 name)
  expect_failure("${name} unsorted" ARGS ${command} --input "${WORK_DIR}/unsorted.csv"
    EXPECT "line 12 has the time 2014-09-26T00:00:00Z, earlier than 2014-09-27T00:00:00Z on line 11" "--sort")
  if(NOT last_rc EQUAL 1)
    message(FATAL_ERROR "${name}: rows out of order are a data error (exit 1), got ${last_rc}")
  endif()
  expect_failure("${name} duplicated" ARGS ${command} --input "${WORK_DIR}/duplicated.csv"
    EXPECT "line 22 repeats the time 2014-10-06T00:00:00Z of line 21 (close 495 here, 330.07901 there)" "--dedupe")
  execute_process(COMMAND "${DYNMARGIN}" ${command} --input "${WORK_DIR}/unsorted.csv" --sort
                  RESULT_VARIABLE rc OUTPUT_VARIABLE sorted_out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT err MATCHES "${name}: --sort: 300 rows of .*unsorted.csv were in no time order \\(first at line 12\\); sorted oldest first")
    message(FATAL_ERROR "${name} --sort: exit ${rc}, standard error '${err}'")
  endif()
  execute_process(COMMAND "${DYNMARGIN}" ${command} --input "${WORK_DIR}/duplicated.csv" --dedupe
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT err MATCHES "${name}: --dedupe: dropped 1 rows of .*duplicated.csv .* differed by up to 4[0-9]")
    message(FATAL_ERROR "${name} --dedupe: exit ${rc}, standard error '${err}'")
  endif()
  execute_process(COMMAND "${DYNMARGIN}" ${command} --input "${WORK_DIR}/oldest_first.csv"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE oldest_out ERROR_VARIABLE err)
  execute_process(COMMAND "${DYNMARGIN}" ${command} --input "${WORK_DIR}/newest_first.csv"
                  RESULT_VARIABLE rc_new OUTPUT_VARIABLE newest_out ERROR_VARIABLE err_new)
  if(NOT rc EQUAL 0 OR NOT rc_new EQUAL 0)
    message(FATAL_ERROR "${name}: oldest-first exit ${rc} (${err}), newest-first exit ${rc_new} (${err_new})")
  endif()
  # The numbers agree; only the row column (the input line) differs, and sorting the swapped
  # file gives the oldest-first numbers.
  foreach(variant oldest newest sorted)
    string(REGEX REPLACE ",[0-9]*\n" "\n" ${variant}_numbers "${${variant}_out}")
    string(REGEX REPLACE "\"path\": \"[^\"]*\"|\"input\": \"[^\"]*\"" "" ${variant}_numbers "${${variant}_numbers}")
  endforeach()
  if(NOT name STREQUAL "fit" AND NOT name STREQUAL "backtest" AND NOT oldest_numbers STREQUAL newest_numbers)
    message(FATAL_ERROR "${name}: a newest-first file gives other numbers than the same file oldest first")
  endif()
  if(NOT name STREQUAL "fit" AND NOT name STREQUAL "backtest" AND NOT oldest_numbers STREQUAL sorted_numbers)
    message(FATAL_ERROR "${name}: --sort on the swapped file gives other numbers than the file in order")
  endif()
endforeach()
# load reports and never refuses: it says where the order breaks.
execute_process(COMMAND "${DYNMARGIN}" load --input "${WORK_DIR}/unsorted.csv" OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\"first_unsorted_line\": 12")
  message(FATAL_ERROR "load on an unsorted file: exit ${rc}, report ${out}")
endif()

# 14. time and row in every CSV output, one meaning everywhere: the ISO 8601 UTC time and the
#     1-based input line of the row the output row is about (for a return: its later price).
execute_process(COMMAND "${DYNMARGIN}" vol --model ewma --input "${WORK_DIR}/oldest_first.csv" OUTPUT_VARIABLE out)
string(REGEX MATCH "^t,sigma,time,row\n1410998400,[0-9.e+-]+,2014-09-18T00:00:00Z,3\n" first "${out}")
if(first STREQUAL "")
  message(FATAL_ERROR "vol: the first rows do not carry time and row of the first return (line 3): ${out}")
endif()
execute_process(COMMAND "${DYNMARGIN}" vol --model ewma --input "${WORK_DIR}/newest_first.csv" OUTPUT_VARIABLE out)
string(REGEX MATCH "^t,sigma,time,row\n1410998400,[0-9.e+-]+,2014-09-18T00:00:00Z,300\n" first "${out}")
if(first STREQUAL "")
  message(FATAL_ERROR "vol: in a newest-first file the first return's row is line 300: ${out}")
endif()
execute_process(COMMAND "${DYNMARGIN}" var --method historical --window 250 --input "${WORK_DIR}/oldest_first.csv"
                OUTPUT_VARIABLE out)
string(REGEX MATCH "\n250,[0-9.e+-]+,[0-9.e+-]+,2015-05-26T00:00:00Z,253\n" row250 "${out}")
string(REGEX MATCH "\n299,[0-9.e+-]+,[0-9.e+-]+,,\n$" last "${out}")
if(row250 STREQUAL "" OR last STREQUAL "")
  message(FATAL_ERROR "var: row t = 250 must be the return on line 253 (its later price), the last (after the data) empty: ${out}")
endif()
execute_process(COMMAND "${DYNMARGIN}" margin --config "${ccp}" --input "${WORK_DIR}/oldest_first.csv"
                OUTPUT_VARIABLE out)
if(NOT out MATCHES ",stale,time,row\n1410912000,457.334015,[^\n]*,2014-09-17T00:00:00Z,2\n")
  message(FATAL_ERROR "margin: the first row must carry the first price's time and line 2")
endif()

# 15. Bytes from a binary file are escaped in messages, never echoed raw to the terminal.
string(ASCII 1 2 27 127 200 255 raw)
file(WRITE "${WORK_DIR}/garbage.csv" "time,r\n2024-01-01,${raw}\n")
expect_failure("garbage bytes" ARGS var --method parametric --input "${WORK_DIR}/garbage.csv" --column r
  EXPECT "\\x01\\x02\\x1b\\x7f")
execute_process(COMMAND "${DYNMARGIN}" var --method parametric --input "${WORK_DIR}/garbage.csv" --column r
                ERROR_VARIABLE err)
string(REGEX MATCH "[^\n -~]" unprintable "${err}")
if(NOT unprintable STREQUAL "")
  message(FATAL_ERROR "a binary cell reached standard error unescaped: ${err}")
endif()

# 16. Progress: on standard error when it is a terminal, never when it is not.
execute_process(COMMAND "${DYNMARGIN}" backtest --config "${ccp}" --input "${btc}" OUTPUT_QUIET ERROR_VARIABLE err)
if(err MATCHES "% \\(")
  message(FATAL_ERROR "backtest printed progress to standard error that is not a terminal: ${err}")
endif()
find_program(SCRIPT_TOOL script)
if(SCRIPT_TOOL)
  # script(1) runs the tool on a pseudo-terminal: standard error is then a terminal.
  execute_process(COMMAND "${SCRIPT_TOOL}" -qec "\"${DYNMARGIN}\" backtest --config \"${ccp}\" --input \"${btc}\" > /dev/null"
                          /dev/null
                  OUTPUT_VARIABLE tty_out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT tty_out MATCHES "backtest: [^\n]*ccp_apc.json: 100% \\(2723 of 2723 rows\\)")
    message(FATAL_ERROR "backtest on a terminal shows no progress (exit ${rc}): ${tty_out}")
  endif()
endif()
