# SPDX-License-Identifier: MIT
# `dynmargin portfolio` contract: the header lines exactly, one row per account in order of first
# appearance, --attribution parts adding up to each account's scenario_margin (1e-9 relative),
# the Paradex short strangle, covered call and calendar spread of tests/data/paradex_grid_*.csv
# (scipy, tests/data/make_paradex_reference.py) reproduced to 1e-6 relative, results that do not
# depend on --threads or on the --prices spelling, and bad input exiting 1 with a message that
# names the file, row, column or key and the value.
cmake_minimum_required(VERSION 3.23)  # keeps empty CSV cells as list elements (CMP0007)
file(MAKE_DIRECTORY "${WORK_DIR}")
set(shipped "${EXAMPLES_DIR}/portfolio")
set(reference_dir "${EXAMPLES_DIR}/../tests/data")
set(prices "BTC=${DATA_DIR}/btc_usd_daily.csv,ETH=${DATA_DIR}/eth_usd_daily.csv,SOL=${DATA_DIR}/sol_usd_daily.csv")
set(account_header "account,initial,maintenance,binding_scenario,worst_loss,scenario_margin,minimum_delta,positions")
set(attribution_header "account,instrument,quantity,component,incremental,standalone")

function(run_portfolio out)
  execute_process(COMMAND "${DYNMARGIN}" portfolio ${ARGN}
                  OUTPUT_FILE "${out}" ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "portfolio ${ARGN} failed (${rc}): ${err}")
  endif()
endfunction()

# expect_error(label EXPECT text... ARGS arg...): exit code 1 and every text in the message.
function(expect_error label)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "EXPECT;ARGS")
  execute_process(COMMAND "${DYNMARGIN}" portfolio ${arg_ARGS}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "portfolio ${label}: exit code ${rc}, expected 1 (bad input); stderr: ${err}")
  endif()
  foreach(text IN LISTS arg_EXPECT)
    string(FIND "${err}" "${text}" found)
    if(found EQUAL -1)
      message(FATAL_ERROR "portfolio ${label}: error '${err}' does not contain '${text}'")
    endif()
  endforeach()
endfunction()

# A number as printed (shortest round trip: "-1234.5", "1.5e-05") as an integer in units of
# 1e-9, truncated. CMake arithmetic is 64-bit integer only; the values here are below 1e9.
function(scaled text out)
  if(NOT text MATCHES "^(-?)([0-9]+)(\\.([0-9]*))?([eE]([-+]?[0-9]+))?$")
    message(FATAL_ERROR "portfolio: '${text}' is not a number")
  endif()
  set(sign "${CMAKE_MATCH_1}")
  set(digits "${CMAKE_MATCH_2}${CMAKE_MATCH_4}")
  string(LENGTH "${CMAKE_MATCH_2}" point)
  set(exponent 0)
  if(NOT "${CMAKE_MATCH_6}" STREQUAL "")
    string(REGEX REPLACE "^\\+" "" exponent "${CMAKE_MATCH_6}")
  endif()
  math(EXPR keep "${point} + (${exponent}) + 9")
  if(keep LESS_EQUAL 0)
    set(${out} 0 PARENT_SCOPE)
    return()
  endif()
  string(APPEND digits "000000000000000000000000000000")
  string(SUBSTRING "${digits}" 0 ${keep} digits)
  string(REGEX REPLACE "^0+" "" digits "${digits}")
  if(digits STREQUAL "")
    set(digits 0)
  endif()
  string(LENGTH "${digits}" length)
  if(length GREATER 18)
    message(FATAL_ERROR "portfolio: '${text}' is too large for the integer comparison")
  endif()
  set(${out} "${sign}${digits}" PARENT_SCOPE)
endfunction()

# |actual - expected| <= |expected| / divisor + slack (units of 1e-9; slack covers truncation).
function(expect_close actual expected divisor slack what)
  scaled("${actual}" a)
  scaled("${expected}" b)
  math(EXPR difference "${a} - (${b})")
  if(difference LESS 0)
    math(EXPR difference "0 - (${difference})")
  endif()
  set(magnitude "${b}")
  if(magnitude LESS 0)
    math(EXPR magnitude "0 - (${magnitude})")
  endif()
  math(EXPR allowed "${magnitude} / ${divisor} + ${slack}")
  if(difference GREATER allowed)
    message(FATAL_ERROR "portfolio: ${what} is ${actual}, expected ${expected} within 1/${divisor} relative")
  endif()
endfunction()

# The data rows of an output file (the header checked against `header`).
function(read_rows file header out)
  file(STRINGS "${file}" lines)
  list(GET lines 0 first)
  if(NOT first STREQUAL header)
    message(FATAL_ERROR "portfolio: ${file}: header is '${first}', expected '${header}'")
  endif()
  list(REMOVE_AT lines 0)
  set(${out} "${lines}" PARENT_SCOPE)
endfunction()

# --- 1. the shipped example: header, one row per account in order, under each engine -------
set(accounts short_strangle covered_call calendar_spread hedged_perps naked_put multi_asset)
set(args_paradex --config "${shipped}/paradex.json")
set(args_span --config "${shipped}/span.json")
set(args_fhs --config "${shipped}/fhs.json" --prices "${prices}")
set(args_mc --config "${shipped}/monte_carlo.json" --prices "${prices}")
foreach(engine paradex span fhs mc)
  run_portfolio("${WORK_DIR}/${engine}.csv" --positions "${shipped}/positions.csv"
                --instruments "${shipped}/instruments.csv" --chain "${DATA_DIR}/deribit_btc_options_sample.csv"
                ${args_${engine}})
  read_rows("${WORK_DIR}/${engine}.csv" "${account_header}" rows)
  set(names "")
  foreach(row IN LISTS rows)
    string(REPLACE "," ";" cells "${row}")
    list(LENGTH cells n)
    if(NOT n EQUAL 8)
      message(FATAL_ERROR "portfolio ${engine}: row '${row}' has ${n} cells, expected 8")
    endif()
    list(GET cells 0 name)
    list(APPEND names "${name}")
    # initial = max(scenario_margin, minimum_delta) and maintenance = fraction x initial.
    list(GET cells 1 initial)
    list(GET cells 5 scenario_margin)
    list(GET cells 6 minimum_delta)
    scaled("${scenario_margin}" s)
    scaled("${minimum_delta}" d)
    if(s GREATER d)
      expect_close("${initial}" "${scenario_margin}" 1000000000 1 "${engine} ${name} initial (= scenario margin)")
    else()
      expect_close("${initial}" "${minimum_delta}" 1000000000 1 "${engine} ${name} initial (= minimum delta)")
    endif()
    if(NOT engine STREQUAL "paradex" AND NOT minimum_delta STREQUAL "0")
      message(FATAL_ERROR "portfolio ${engine}: minimum_delta is ${minimum_delta}, expected 0 (off by default)")
    endif()
  endforeach()
  if(NOT names STREQUAL accounts)
    message(FATAL_ERROR "portfolio ${engine}: accounts are '${names}', expected '${accounts}'")
  endif()
endforeach()
# FHS names its binding scenario by date (one of the history's days), Monte Carlo by draw.
file(STRINGS "${WORK_DIR}/fhs.csv" fhs_lines)
list(GET fhs_lines 1 fhs_first)
if(NOT fhs_first MATCHES "^short_strangle,[^,]+,[^,]+,20[12][0-9]-[01][0-9]-[0-3][0-9]T00:00:00Z,")
  message(FATAL_ERROR "portfolio fhs: binding scenario is not a date: '${fhs_first}'")
endif()

# --- 2. --threads and the --prices directory spelling change nothing ------------------------
run_portfolio("${WORK_DIR}/mc3.csv" --positions "${shipped}/positions.csv" --instruments "${shipped}/instruments.csv"
              --chain "${DATA_DIR}/deribit_btc_options_sample.csv" ${args_mc} --threads 3)
file(READ "${WORK_DIR}/mc.csv" one)
file(READ "${WORK_DIR}/mc3.csv" three)
if(NOT one STREQUAL three)
  message(FATAL_ERROR "portfolio monte_carlo: --threads 3 printed other numbers than --threads 1")
endif()
file(MAKE_DIRECTORY "${WORK_DIR}/prices")
file(COPY "${DATA_DIR}/btc_usd_daily.csv" "${DATA_DIR}/eth_usd_daily.csv" "${DATA_DIR}/sol_usd_daily.csv"
     DESTINATION "${WORK_DIR}/prices")
run_portfolio("${WORK_DIR}/fhs_dir.csv" --positions "${shipped}/positions.csv" --instruments "${shipped}/instruments.csv"
              --chain "${DATA_DIR}/deribit_btc_options_sample.csv" --config "${shipped}/fhs.json"
              --prices "${WORK_DIR}/prices" --output "${WORK_DIR}/fhs_dir_output.csv")
file(READ "${WORK_DIR}/fhs.csv" listed)
file(READ "${WORK_DIR}/fhs_dir_output.csv" directory)
if(NOT listed STREQUAL directory)
  message(FATAL_ERROR "portfolio fhs: --prices DIR (--output FILE) differs from --prices U=FILE,...")
endif()

# --- 3. --attribution: one row per position; the parts add up to scenario_margin -----------
foreach(engine paradex span fhs mc)
  run_portfolio("${WORK_DIR}/${engine}_parts.csv" --positions "${shipped}/positions.csv"
                --instruments "${shipped}/instruments.csv" --chain "${DATA_DIR}/deribit_btc_options_sample.csv"
                ${args_${engine}} --attribution)
  read_rows("${WORK_DIR}/${engine}_parts.csv" "${attribution_header}" parts)
  read_rows("${WORK_DIR}/${engine}.csv" "${account_header}" rows)
  list(LENGTH parts count)
  if(NOT count EQUAL 13)  # 14 position rows, two of which (hedged_perps, ETH-PERPETUAL) add up
    message(FATAL_ERROR "portfolio ${engine} --attribution: ${count} rows, expected 13 (one per net position)")
  endif()
  foreach(row IN LISTS rows)
    string(REPLACE "," ";" cells "${row}")
    list(GET cells 0 name)
    list(GET cells 5 scenario_margin)
    list(GET cells 7 positions)
    set(sum 0)
    set(seen 0)
    foreach(part IN LISTS parts)
      string(REPLACE "," ";" p "${part}")
      list(GET p 0 owner)
      if(owner STREQUAL name)
        list(GET p 3 component)
        scaled("${component}" c)
        math(EXPR sum "${sum} + (${c})")
        math(EXPR seen "${seen} + 1")
        if(name STREQUAL "hedged_perps")
          list(GET p 1 instrument)
          list(GET p 2 quantity)
          if(instrument STREQUAL "ETH-PERPETUAL" AND NOT quantity STREQUAL "-330")
            message(FATAL_ERROR "portfolio: hedged_perps ETH-PERPETUAL quantity ${quantity}, expected -250 - 80 = -330")
          endif()
        endif()
      endif()
    endforeach()
    if(NOT seen EQUAL positions)
      message(FATAL_ERROR "portfolio ${engine}: ${name} has ${seen} attribution rows, expected positions = ${positions}")
    endif()
    # 1e-9 relative, plus one unit of 1e-9 per truncated component.
    scaled("${scenario_margin}" m)
    math(EXPR difference "${sum} - (${m})")
    if(difference LESS 0)
      math(EXPR difference "0 - (${difference})")
    endif()
    math(EXPR allowed "${m} / 1000000000 + ${seen} + 1")
    if(difference GREATER allowed)
      message(FATAL_ERROR "portfolio ${engine}: ${name}'s components add up to ${sum}e-9, scenario_margin is "
                          "${scenario_margin} (allowed ${allowed}e-9)")
    endif()
  endforeach()
endforeach()

# Attribution rows of an account come in its order of first appearance in POSITIONS.csv.
file(STRINGS "${WORK_DIR}/paradex_parts.csv" parts_lines)
list(GET parts_lines 3 covered_first)
if(NOT covered_first MATCHES "^covered_call,BTC-PERPETUAL,2,")
  message(FATAL_ERROR "portfolio --attribution: covered_call's first row is '${covered_first}', expected its "
                      "first position BTC-PERPETUAL")
endif()

# --- 4. Paradex reference portfolios (tests/data/REFERENCE.md, "paradex_grid_*"): ------------
# valuation 2026-03-01T00:00:00Z, spot 70000, USD-settled options on forward = spot, contract
# size 1; short_strangle -1 put 60000 (IV 0.55) -1 call 80000 (IV 0.50), expiry 2026-03-27T08:00Z;
# covered_call +1 perpetual -1 call 75000 (IV 0.52); calendar_spread -1 call 70000 (IV 0.48)
# March, +1 call 70000 (IV 0.50) expiring 2026-04-24T08:00Z.
file(WRITE "${WORK_DIR}/paradex_instruments.csv"
"instrument,underlying,kind,contract_size,price,option_type,strike,expiry,volatility,spot
BTC-PERP,BTC,linear_future,1,70000,,,,,70000
P60000-MAR,BTC,option,1,70000,put,60000,2026-03-27T08:00:00Z,0.55,70000
C80000-MAR,BTC,option,1,70000,call,80000,2026-03-27T08:00:00Z,0.50,70000
C75000-MAR,BTC,option,1,70000,call,75000,2026-03-27T08:00:00Z,0.52,70000
C70000-MAR,BTC,option,1,70000,call,70000,2026-03-27T08:00:00Z,0.48,70000
C70000-APR,BTC,option,1,70000,call,70000,2026-04-24T08:00:00Z,0.50,70000
")
file(WRITE "${WORK_DIR}/paradex_positions.csv"
"account,instrument,quantity
short_strangle,P60000-MAR,-1
short_strangle,C80000-MAR,-1
covered_call,BTC-PERP,1
covered_call,C75000-MAR,-1
calendar_spread,C70000-MAR,-1
calendar_spread,C70000-APR,1
")
file(WRITE "${WORK_DIR}/paradex_reference.json" [=[
{"valuation_time": "2026-03-01T00:00:00Z", "engine": "paradex"}
]=])
run_portfolio("${WORK_DIR}/paradex_reference.csv" --positions "${WORK_DIR}/paradex_positions.csv"
              --instruments "${WORK_DIR}/paradex_instruments.csv" --config "${WORK_DIR}/paradex_reference.json")
read_rows("${WORK_DIR}/paradex_reference.csv" "${account_header}" rows)
file(STRINGS "${reference_dir}/paradex_grid_summary.csv" summary)
file(STRINGS "${reference_dir}/paradex_grid_reference.csv" grid)
# The reference numbers scenarios 1..24 in the grid's order; the tool names them.
set(scenario_name_15 "price -12% vol -22%")
set(scenario_name_17 "price -66% vol +40%")
set(scenario_name_24 "price +500% vol +40%")
list(LENGTH rows count)
if(NOT count EQUAL 3)
  message(FATAL_ERROR "portfolio paradex reference: ${count} rows, expected 3")
endif()
foreach(row IN LISTS rows)
  string(REPLACE "," ";" cells "${row}")
  list(GET cells 0 name)
  list(GET cells 1 initial)
  list(GET cells 2 maintenance)
  list(GET cells 3 binding)
  list(GET cells 4 worst_loss)
  list(GET cells 5 scenario_margin)
  list(GET cells 6 minimum_delta)
  list(GET cells 7 positions)
  set(found "")
  foreach(line IN LISTS summary)
    if(line MATCHES "^${name},")
      set(found "${line}")
    endif()
  endforeach()
  string(REPLACE "," ";" ref "${found}")
  list(GET ref 2 ref_scan)
  list(GET ref 3 ref_binding)
  list(GET ref 7 ref_min_delta)
  list(GET ref 8 ref_imr)
  list(GET ref 9 ref_mmr)
  expect_close("${scenario_margin}" "${ref_scan}" 1000000 1 "${name} scenario_margin (SCAN risk)")
  expect_close("${minimum_delta}" "${ref_min_delta}" 1000000 1 "${name} minimum_delta")
  expect_close("${initial}" "${ref_imr}" 1000000 1 "${name} initial (IMR)")
  expect_close("${maintenance}" "${ref_mmr}" 1000000 1 "${name} maintenance (MMR)")
  if(NOT binding STREQUAL "${scenario_name_${ref_binding}}")
    message(FATAL_ERROR "portfolio: ${name} binds in '${binding}', expected scenario ${ref_binding} "
                        "('${scenario_name_${ref_binding}}')")
  endif()
  # worst_loss: minus the reference P&L of the binding scenario (unweighted).
  set(ref_pnl "")
  foreach(line IN LISTS grid)
    if(line MATCHES "^${name},${ref_binding},")
      string(REPLACE "," ";" g "${line}")
      list(GET g 6 ref_pnl)
    endif()
  endforeach()
  string(REGEX REPLACE "^-" "" ref_loss "${ref_pnl}")
  expect_close("${worst_loss}" "${ref_loss}" 1000000 1 "${name} worst_loss (-pnl of scenario ${ref_binding})")
  if(NOT positions STREQUAL "2")
    message(FATAL_ERROR "portfolio: ${name} positions ${positions}, expected 2")
  endif()
endforeach()

# --- 5. errors: exit 1, naming the file, row, column or key and the value --------------------
set(good_instruments "${WORK_DIR}/paradex_instruments.csv")
set(good_config "${WORK_DIR}/paradex_reference.json")
function(write_positions name text)
  file(WRITE "${WORK_DIR}/${name}.csv" "account,instrument,quantity\n${text}")
endfunction()
write_positions(unknown "alice,BTC-PERP,1\nbob,BTC-NOPE,2\n")
expect_error("unknown instrument" ARGS --positions "${WORK_DIR}/unknown.csv" --instruments "${good_instruments}"
             --config "${good_config}"
             EXPECT "unknown.csv row 2 (line 3)" "account \"bob\"" "unknown instrument \"BTC-NOPE\"")
write_positions(nan "alice,BTC-PERP,1\nalice,C80000-MAR,nan\n")
expect_error("NaN quantity" ARGS --positions "${WORK_DIR}/nan.csv" --instruments "${good_instruments}"
             --config "${good_config}" EXPECT "nan.csv row 2 (line 3), column quantity" "got \"nan\"")
write_positions(text_quantity "alice,BTC-PERP,one\n")
expect_error("text quantity" ARGS --positions "${WORK_DIR}/text_quantity.csv" --instruments "${good_instruments}"
             --config "${good_config}" EXPECT "row 1 (line 2), column quantity: must be a number" "got \"one\"")
write_positions(flat "alice,BTC-PERP,1\nflat,C80000-MAR,2\nflat,C80000-MAR,-2\n")
expect_error("all-zero account" ARGS --positions "${WORK_DIR}/flat.csv" --instruments "${good_instruments}"
             --config "${good_config}" EXPECT "account \"flat\"" "net to zero" "flat.csv row 2 (line 3)")

write_positions(holds_bad "alice,BAD,1\n")
function(expect_instrument_error label row expected)
  file(WRITE "${WORK_DIR}/bad_instruments.csv"
       "instrument,underlying,kind,contract_size,price,option_type,strike,expiry,volatility\n${row}\n")
  expect_error("${label}" ARGS --positions "${WORK_DIR}/holds_bad.csv" --instruments "${WORK_DIR}/bad_instruments.csv"
               --config "${good_config}" EXPECT "bad_instruments.csv row 1 (line 2)" "\"BAD\"" ${expected})
endfunction()
expect_instrument_error("expired option" "BAD,BTC,option,1,70000,call,70000,2026-02-27T08:00:00Z,0.5"
                        "expiry 2026-02-27T08:00:00Z is not after the valuation time 2026-03-01T00:00:00Z")
expect_instrument_error("option without volatility" "BAD,BTC,option,1,70000,call,70000,2026-03-27T08:00:00Z,"
                        "volatility is required for an option, got none")
expect_instrument_error("zero price" "BAD,BTC,linear_future,1,0,,,,"
                        "price must be finite and > 0, got 0")
expect_instrument_error("volatility on a future" "BAD,BTC,linear_future,1,70000,,,,0.5"
                        "volatility must be empty for a linear_future, got 0.5")
file(WRITE "${WORK_DIR}/bad_kind.csv"
     "instrument,underlying,kind,contract_size,price\nBAD,BTC,swap,1,70000\n")
expect_error("unknown kind" ARGS --positions "${WORK_DIR}/holds_bad.csv" --instruments "${WORK_DIR}/bad_kind.csv"
             --config "${good_config}" EXPECT "bad_kind.csv row 1 (line 2), column kind" "got \"swap\"")

file(WRITE "${WORK_DIR}/unknown_key.json" [=[
{"valuation_time": "2026-03-01T00:00:00Z", "enigne": "span"}
]=])
expect_error("unknown config key" ARGS --positions "${WORK_DIR}/paradex_positions.csv"
             --instruments "${good_instruments}" --config "${WORK_DIR}/unknown_key.json"
             EXPECT "portfolio config" "unknown key \"enigne\"" "unknown_key.json")
file(WRITE "${WORK_DIR}/bad_value.json" [=[
{"valuation_time": "2026-03-01T00:00:00Z", "engine": "span", "span": {"price_scan_range": "wide"}}
]=])
expect_error("bad config value" ARGS --positions "${WORK_DIR}/paradex_positions.csv"
             --instruments "${good_instruments}" --config "${WORK_DIR}/bad_value.json"
             EXPECT "span.price_scan_range must be a number, got \"wide\"")
file(WRITE "${WORK_DIR}/fhs_no_prices.json" [=[
{"valuation_time": "2026-03-01T00:00:00Z", "engine": "filtered_historical"}
]=])
expect_error("filtered_historical without --prices" ARGS --positions "${WORK_DIR}/paradex_positions.csv"
             --instruments "${good_instruments}" --config "${WORK_DIR}/fhs_no_prices.json"
             EXPECT "filtered_historical needs price histories" "--prices")
# The chain and the instruments naming one instrument twice.
file(WRITE "${WORK_DIR}/twice.csv"
     "instrument,underlying,kind,contract_size,price\nBTC-13MAR26-61000-C,BTC,linear_future,1,70000\n")
expect_error("instrument in both files" ARGS --positions "${WORK_DIR}/paradex_positions.csv"
             --instruments "${WORK_DIR}/twice.csv" --chain "${DATA_DIR}/deribit_btc_options_sample.csv"
             --config "${good_config}" EXPECT "\"BTC-13MAR26-61000-C\" is listed twice" "twice.csv row 1 (line 2)"
             "deribit_btc_options_sample.csv row 1 (line 2)")

# --- 6. "margin_function": each underlying's margin function sets the scenarios' level -------
set(dynamic_header "${account_header},binding_underlying,binding_policy")
run_portfolio("${WORK_DIR}/dynamic.csv" --positions "${shipped}/positions.csv" --instruments "${shipped}/instruments.csv"
              --chain "${DATA_DIR}/deribit_btc_options_sample.csv" --config "${shipped}/fhs_dynamic.json"
              --prices "${prices}")
read_rows("${WORK_DIR}/dynamic.csv" "${dynamic_header}" rows)
set(names "")
foreach(row IN LISTS rows)
  string(REPLACE "," ";" cells "${row}")
  list(LENGTH cells n)
  if(NOT n EQUAL 10)
    message(FATAL_ERROR "portfolio margin_function: row '${row}' has ${n} cells, expected 10")
  endif()
  list(GET cells 0 name)
  list(APPEND names "${name}")
  list(GET cells 8 underlying)
  list(GET cells 9 policy)
  if(NOT underlying MATCHES "^(BTC|ETH|SOL)$" OR policy STREQUAL "")
    message(FATAL_ERROR "portfolio margin_function: row '${row}' names no binding underlying and policy")
  endif()
  # The maintenance is the function's 0.9 of the initial margin.
  list(GET cells 1 initial)
  list(GET cells 2 maintenance)
  scaled("${initial}" i)
  math(EXPR expected_maintenance "${i} * 9 / 10")
  scaled("${maintenance}" m)
  math(EXPR gap "${m} - ${expected_maintenance}")
  if(gap GREATER 2 OR gap LESS -2)
    message(FATAL_ERROR "portfolio margin_function: ${name} maintenance ${maintenance} is not 0.9 x ${initial}")
  endif()
endforeach()
if(NOT names STREQUAL accounts)
  message(FATAL_ERROR "portfolio margin_function: accounts are '${names}', expected '${accounts}'")
endif()

# A lone BTC perpetual of 1 USD of notional (1/66750 contracts at 66,750) is charged, on the
# side that charges more, the initial rate `dynmargin margin` gives with the same margin config
# on BTC's closes: the portfolio margin carries every policy of the function.
file(READ "${shipped}/fhs_dynamic.json" dynamic_json)
string(JSON margin_json GET "${dynamic_json}" margin_function)
file(WRITE "${WORK_DIR}/btc_function.json" "${margin_json}")
execute_process(COMMAND "${DYNMARGIN}" margin --config "${WORK_DIR}/btc_function.json"
                        --input "${DATA_DIR}/btc_usd_daily.csv"
                OUTPUT_FILE "${WORK_DIR}/btc_margin.csv" ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "portfolio margin_function: dynmargin margin failed (${rc}): ${err}")
endif()
file(STRINGS "${WORK_DIR}/btc_margin.csv" margin_lines)
list(GET margin_lines 0 margin_columns)
list(GET margin_lines -1 margin_last)
string(REPLACE "," ";" margin_columns "${margin_columns}")
string(REPLACE "," ";" margin_last "${margin_last}")
list(FIND margin_columns "initial_rate" rate_column)
list(GET margin_last ${rate_column} btc_rate)
file(WRITE "${WORK_DIR}/lone.csv"
     "account,instrument,quantity\nlong,BTC-PERPETUAL,1.49812734082397003745e-05\n"
     "short,BTC-PERPETUAL,-1.49812734082397003745e-05\n")
run_portfolio("${WORK_DIR}/lone_out.csv" --positions "${WORK_DIR}/lone.csv" --instruments "${shipped}/instruments.csv"
              --config "${shipped}/fhs_dynamic.json" --prices "BTC=${DATA_DIR}/btc_usd_daily.csv")
read_rows("${WORK_DIR}/lone_out.csv" "${dynamic_header}" rows)
set(larger 0)
set(larger_text "")
foreach(row IN LISTS rows)
  string(REPLACE "," ";" cells "${row}")
  list(GET cells 1 initial)
  scaled("${initial}" i)
  if(i GREATER larger)
    set(larger "${i}")
    set(larger_text "${initial}")
  endif()
endforeach()
expect_close("${larger_text}" "${btc_rate}" 10000000 2 "the lone BTC perpetual's initial margin per USD (margin's rate)")

# Errors: a grid cannot be scaled; a bad field of the function is named; the maintenance comes
# from the function, so a fraction beside it is refused.
file(WRITE "${WORK_DIR}/dynamic_span.json" [=[
{"valuation_time": "2026-03-01T00:00:00Z", "engine": "span",
 "margin_function": {"volatility": {"model": "ewma", "lambda": 0.94}, "risk": {"method": "parametric"}}}
]=])
expect_error("margin_function on a grid" ARGS --positions "${WORK_DIR}/paradex_positions.csv"
             --instruments "${good_instruments}" --config "${WORK_DIR}/dynamic_span.json"
             EXPECT "margin_function needs the filtered_historical or monte_carlo engine" "got engine span")
file(WRITE "${WORK_DIR}/dynamic_bad_lambda.json" [=[
{"valuation_time": "2026-03-01T00:00:00Z", "engine": "filtered_historical",
 "margin_function": {"volatility": {"model": "ewma", "lambda": 1.5}, "risk": {"method": "parametric"}}}
]=])
expect_error("margin_function with a bad field" ARGS --positions "${WORK_DIR}/paradex_positions.csv"
             --instruments "${good_instruments}" --config "${WORK_DIR}/dynamic_bad_lambda.json"
             EXPECT "portfolio config: margin_function: " "lambda" "1.5")
file(WRITE "${WORK_DIR}/dynamic_fraction.json" [=[
{"valuation_time": "2026-03-01T00:00:00Z", "engine": "filtered_historical", "maintenance_fraction": 0.5,
 "margin_function": {"volatility": {"model": "ewma", "lambda": 0.94}, "risk": {"method": "parametric"}}}
]=])
expect_error("margin_function with maintenance_fraction" ARGS --positions "${WORK_DIR}/paradex_positions.csv"
             --instruments "${good_instruments}" --config "${WORK_DIR}/dynamic_fraction.json"
             EXPECT "maintenance_fraction and margin_function exclude each other")
