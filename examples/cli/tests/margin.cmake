# SPDX-License-Identifier: MIT
# `dynmargin margin` contract: the CSV columns for a config, one value against a closed form,
# the invariant initial_rate >= floor on every row of BTC daily, the shipped example configs
# run, and bad configs or unordered prices exit 1 naming the field and the value.
cmake_minimum_required(VERSION 3.23)  # keeps empty CSV cells as list elements (CMP0007)
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run_margin out config input)
  execute_process(COMMAND "${DYNMARGIN}" margin --config "${config}" --input "${input}" ${ARGN}
                  OUTPUT_FILE "${out}" ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "margin --config ${config} failed (${rc}): ${err}")
  endif()
endfunction()

function(expect_error label config input expected)
  execute_process(COMMAND "${DYNMARGIN}" margin --config "${config}" --input "${input}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    message(FATAL_ERROR "margin ${label}: exit code 0, expected an error")
  endif()
  string(FIND "${err}" "${expected}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "margin ${label}: error '${err}' does not contain '${expected}'")
  endif()
endfunction()

# --- a value against a closed form ------------------------------------------------------
# Prices 100, 101, 102 at t = 0, 60, 120; EWMA 0.94 from the first squared return with a
# burn-in of 1 return (the default, 76, would leave three prices in the warm-up); normal
# VaR at 99%, horizon 1: after the first return r1 = ln(1.01) the rate is
# expm1(z r1) = 0.02341792361348511 (z = qnorm(0.99) = 2.3263478740408408). Compared on the
# leading 10 digits (the closed form is exact to the last ulp; 1e-10 relative).
file(WRITE "${WORK_DIR}/three.csv" "t,price\n0,100\n60,101\n120,102\n")
file(WRITE "${WORK_DIR}/var.json" [=[
{"volatility": {"model": "ewma", "lambda": 0.94, "burn_in": 1},
 "risk": {"method": "parametric", "confidence": 0.99, "horizon": 1, "statistic": "var"},
 "maintenance_fraction": 0.5,
 "policies": [{"type": "floor", "rate": 0.001}, {"type": "apc_buffer", "buffer": 0.25}]}
]=])
run_margin("${WORK_DIR}/three.out" "${WORK_DIR}/var.json" "${WORK_DIR}/three.csv" --position 2000)
file(STRINGS "${WORK_DIR}/three.out" lines)
list(GET lines 0 header)
set(expected_header "t,price,raw_rate,initial_rate,maintenance_rate,initial_amount,maintenance_amount,binding,0_floor,1_apc_buffer,price_suspect,apc_buffer,apc_stress,stale,time,row")
if(NOT header STREQUAL expected_header)
  message(FATAL_ERROR "margin: header is '${header}', expected '${expected_header}'")
endif()
list(GET lines 1 row0)
if(NOT row0 STREQUAL "0,100,,,,,,warmup,,,0,,,0,1970-01-01T00:00:00Z,2")
  message(FATAL_ERROR "margin: the first row (warm-up) is '${row0}'")
endif()
list(GET lines 2 row1)
string(REPLACE "," ";" cells "${row1}")
list(GET cells 2 raw)
list(GET cells 3 initial)
list(GET cells 5 amount)
list(GET cells 7 binding)
string(SUBSTRING "${raw}" 0 12 raw_lead)
if(NOT raw_lead STREQUAL "0.0234179236")
  message(FATAL_ERROR "margin: raw_rate ${raw}, expected 0.02341792361348511")
endif()
# The APC buffer starts full: initial = 1.25 * raw = 0.02927240451685639 (amount x 2000).
string(SUBSTRING "${initial}" 0 12 initial_lead)
if(NOT initial_lead STREQUAL "0.0292724045")
  message(FATAL_ERROR "margin: initial_rate ${initial}, expected 1.25 * raw = 0.0292724045...")
endif()
string(SUBSTRING "${amount}" 0 10 amount_lead)
if(NOT amount_lead STREQUAL "58.5448090")
  message(FATAL_ERROR "margin: initial_amount ${amount}, expected 2000 * 0.0292724045... = 58.5448090...")
endif()
if(NOT binding STREQUAL "1_apc_buffer")
  message(FATAL_ERROR "margin: binding '${binding}', expected 1_apc_buffer")
endif()

# --- invariants on BTC daily with the CCP config: initial >= floor (0.05), raw <= initial --
run_margin("${WORK_DIR}/ccp.out" "${EXAMPLES_DIR}/configs/ccp_apc.json" "${DATA_DIR}/btc_usd_daily.csv")
file(STRINGS "${WORK_DIR}/ccp.out" lines)
list(LENGTH lines n)
if(NOT n EQUAL 2724)
  message(FATAL_ERROR "margin ccp_apc: ${n} lines, expected 2724 (header + 2723 prices)")
endif()
list(GET lines 0 header)
if(NOT header STREQUAL "t,price,raw_rate,initial_rate,maintenance_rate,initial_amount,maintenance_amount,binding,0_stressed_weight,1_lookback_floor,2_apc_buffer,3_floor,price_suspect,apc_buffer,apc_stress,stale,time,row")
  message(FATAL_ERROR "margin ccp_apc: header '${header}'")
endif()
list(REMOVE_AT lines 0)
set(rows 0)
foreach(line IN LISTS lines)
  string(REPLACE "," ";" cells "${line}")
  list(GET cells 7 binding)
  if(binding STREQUAL "warmup")
    continue()
  endif()
  list(GET cells 2 raw)
  list(GET cells 3 initial)
  if(initial LESS 0.05)
    message(FATAL_ERROR "margin ccp_apc: initial_rate ${initial} below the 5% floor in '${line}'")
  endif()
  if(initial LESS raw)
    message(FATAL_ERROR "margin ccp_apc: initial_rate ${initial} below raw_rate ${raw} in '${line}'")
  endif()
  math(EXPR rows "${rows} + 1")
endforeach()
# EWMA 0.97 is ready after its burn-in of 153 returns (0.97^152 <= 1% < 0.97^151): prices
# 153 .. 2722 are quoted.
if(NOT rows EQUAL 2570)
  message(FATAL_ERROR "margin ccp_apc: ${rows} quoted rows, expected 2570 (2723 prices - 153 in the EWMA burn-in)")
endif()

# --- every shipped config runs on BTC hourly --------------------------------------------
foreach(config binance_tiers dydx_like deribit_like)
  run_margin("${WORK_DIR}/${config}.out" "${EXAMPLES_DIR}/configs/${config}.json" "${DATA_DIR}/btc_usd_1h.csv" --position 1000000)
  file(STRINGS "${WORK_DIR}/${config}.out" out_lines)
  list(LENGTH out_lines n)
  if(NOT n EQUAL 37388)
    message(FATAL_ERROR "margin ${config}: ${n} lines, expected 37388")
  endif()
endforeach()

# --- open interest per row (--open-interest-column) -------------------------------------
# dYdX Small-Cap scaling (IMF 10%, caps 20M-50M) over a small risk-based rate: the initial rate
# of a short is the scaled fraction, 10% at 10M, (35 - 20) / 30 = 0.5 of the way to 100% at
# 35M (55%), 100% at 60M.
file(WRITE "${WORK_DIR}/oi.csv" "t,price,open_notional\n0,100,10000000\n60,100.1,10000000\n120,100.2,35000000\n180,100.1,60000000\n240,100,60000000\n")
file(WRITE "${WORK_DIR}/oi.json" [=[
{"volatility": {"model": "ewma", "lambda": 0.94, "burn_in": 1},
 "risk": {"method": "parametric", "confidence": 0.99, "horizon": 1},
 "policies": [{"type": "oi_scaling", "initial_fraction": 0.1, "lower_cap": 20000000, "upper_cap": 50000000}]}
]=])
run_margin("${WORK_DIR}/oi.out" "${WORK_DIR}/oi.json" "${WORK_DIR}/oi.csv" --column price --position -1000
           --open-interest-column open_notional)
file(STRINGS "${WORK_DIR}/oi.out" oi_lines)
set(row 0)
foreach(expected "warmup" "0.1" "0.55" "1" "1")
  math(EXPR row "${row} + 1")
  list(GET oi_lines ${row} line)
  string(REPLACE "," ";" cells "${line}")
  if(expected STREQUAL "warmup")
    list(GET cells 7 got)
  else()
    list(GET cells 3 got)
    string(LENGTH "${expected}" n)
    string(SUBSTRING "${got}" 0 ${n} got)
  endif()
  if(NOT got STREQUAL expected)
    message(FATAL_ERROR "margin --open-interest-column: row ${row} is '${line}', expected initial rate ${expected}")
  endif()
endforeach()
file(WRITE "${WORK_DIR}/oi_bad.csv" "t,price,open_notional\n0,100,1\n60,101,-5\n")
execute_process(COMMAND "${DYNMARGIN}" margin --config "${WORK_DIR}/oi.json" --input "${WORK_DIR}/oi_bad.csv"
                        --column price --open-interest-column open_notional
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
string(FIND "${err}" "open_notional on line 3 must be finite and >= 0, got -5" found)
if(rc EQUAL 0 OR found EQUAL -1)
  message(FATAL_ERROR "margin --open-interest-column: a negative open interest gave exit ${rc}, '${err}'")
endif()

# --- bad input ------------------------------------------------------------------------
set(base [=["volatility": {"model": "ewma", "lambda": 0.94}, "risk": {"method": "parametric", "confidence": 0.99, "horizon": 2}]=])
file(WRITE "${WORK_DIR}/unknown.json" "{${base}, \"policies\": [{\"type\": \"flor\", \"rate\": 0.01}]}")
expect_error("unknown type" "${WORK_DIR}/unknown.json" "${WORK_DIR}/three.csv" "policies[0].type must be one of floor")
expect_error("unknown type value" "${WORK_DIR}/unknown.json" "${WORK_DIR}/three.csv" "got \"flor\"")
file(WRITE "${WORK_DIR}/negative.json" "{${base}, \"policies\": [{\"type\": \"floor\", \"rate\": -0.01}]}")
expect_error("negative rate" "${WORK_DIR}/negative.json" "${WORK_DIR}/three.csv" "policies[0] (floor): floor: rate must be >= 0, got -0.01")
file(WRITE "${WORK_DIR}/weight.json" "{${base}, \"policies\": [{\"type\": \"stressed_weight\", \"weight\": 1.5, \"lookback\": 10}]}")
expect_error("weight" "${WORK_DIR}/weight.json" "${WORK_DIR}/three.csv" "stressed_weight: weight must be in [0, 1], got 1.5")
file(WRITE "${WORK_DIR}/band.json" "{${base}, \"policies\": [{\"type\": \"hysteresis\", \"band\": 1}]}")
expect_error("hysteresis band" "${WORK_DIR}/band.json" "${WORK_DIR}/three.csv" "policies[0] (hysteresis): hysteresis: band must be in [0, 1), got 1")
file(WRITE "${WORK_DIR}/behind.json" "{${base}, \"policies\": [{\"type\": \"speed_limit\", \"max_increase\": 0.5, \"window\": 24, \"max_windows_behind\": 0}]}")
expect_error("windows behind" "${WORK_DIR}/behind.json" "${WORK_DIR}/three.csv" "policies[0] (speed_limit): speed_limit: max_windows_behind must be in [1, 1000] windows, got 0")
file(WRITE "${WORK_DIR}/missing.json" "{${base}, \"policies\": [{\"type\": \"speed_limit\", \"window\": 24}]}")
expect_error("missing field" "${WORK_DIR}/missing.json" "${WORK_DIR}/three.csv" "policies[0].max_increase is missing")
file(WRITE "${WORK_DIR}/brackets.json" "{${base}, \"policies\": [{\"type\": \"tiers\", \"brackets\": [{\"notional_cap\": 50000, \"max_leverage\": 125, \"maintenance_rate\": 0.004}, {\"notional_cap\": 40000, \"max_leverage\": 100, \"maintenance_rate\": 0.005}]}]}")
expect_error("brackets" "${WORK_DIR}/brackets.json" "${WORK_DIR}/three.csv" "policies[0] (tiers): tiers: brackets[1].notional_cap must be greater than")
file(WRITE "${WORK_DIR}/lambda.json" "{\"volatility\": {\"model\": \"ewma\", \"lambda\": 1.2}, \"risk\": {\"method\": \"parametric\"}}")
expect_error("lambda" "${WORK_DIR}/lambda.json" "${WORK_DIR}/three.csv" "volatility: ewma: lambda must be in (0, 1), got 1.2")
# A GARCH with persistence >= 1 (fGarch's BTC daily t fit: 0.1892 + 0.8887 = 1.078) is refused for margin
# unless "allow_nonstationary" says so (issue 12 §8).
set(explosive [=["volatility": {"model": "garch", "omega": 0.0941, "alpha": 0.1892, "beta": 0.8887, "units": "percent"}, "risk": {"method": "parametric"}]=])
file(WRITE "${WORK_DIR}/explosive.json" "{${explosive}}")
expect_error("non-stationary garch" "${WORK_DIR}/explosive.json" "${WORK_DIR}/three.csv" "persistence alpha + gamma/2 + beta must be < 1 for a margin model")
string(REPLACE "\"units\": \"percent\"" "\"units\": \"percent\", \"initial_variance\": 10, \"allow_nonstationary\": true" allowed "${explosive}")
file(WRITE "${WORK_DIR}/explosive_allowed.json" "{${allowed}}")
run_margin("${WORK_DIR}/explosive_allowed.out" "${WORK_DIR}/explosive_allowed.json" "${WORK_DIR}/three.csv")
file(WRITE "${WORK_DIR}/not_json.json" "{\"volatility\": ")
expect_error("json" "${WORK_DIR}/not_json.json" "${WORK_DIR}/three.csv" "is not valid JSON")
file(WRITE "${WORK_DIR}/unordered.csv" "t,price\n0,100\n120,101\n60,102\n180,103\n")
expect_error("unordered prices" "${WORK_DIR}/var.json" "${WORK_DIR}/unordered.csv" "line 4 has the time 1970-01-01T00:01:00Z, earlier than 1970-01-01T00:02:00Z on line 3")

# --- the price guard is on by default; "none" turns it off (issue 12 §5) ---------------
# A -99% print at t = 90 that reverts at t = 120: with no "price_guard" the row is flagged
# (price_suspect 1, the fourth column from the end); with "price_guard": "none" it is not.
file(WRITE "${WORK_DIR}/crash.csv" "t,price\n0,100\n30,100.5\n60,101\n90,1.01\n120,102\n")
# (burn_in 1: ready from the first return, since a run where no row is ready is an error)
set(ready_base [=["volatility": {"model": "ewma", "lambda": 0.94, "burn_in": 1}, "risk": {"method": "parametric", "confidence": 0.99, "horizon": 2}]=])
file(WRITE "${WORK_DIR}/guard_default.json" "{${ready_base}}")
file(WRITE "${WORK_DIR}/guard_none.json" "{${ready_base}, \"price_guard\": \"none\"}")
foreach(case IN ITEMS "default|1" "none|0")
  string(REPLACE "|" ";" case "${case}")
  list(GET case 0 name)
  list(GET case 1 expected)
  run_margin("${WORK_DIR}/guard_${name}.csv" "${WORK_DIR}/guard_${name}.json" "${WORK_DIR}/crash.csv")
  file(STRINGS "${WORK_DIR}/guard_${name}.csv" rows)
  list(GET rows 4 row)  # header, t = 0, 30, 60, then t = 90
  # price_suspect, then apc_buffer, apc_stress, stale, time and row
  string(REGEX MATCH "([^,]*),[^,]*,[^,]*,[^,]*,[^,]*,[^,]*$" flag "${row}")
  set(flag "${CMAKE_MATCH_1}")
  if(NOT flag STREQUAL expected)
    message(FATAL_ERROR "margin price_guard ${name}: the -99% print's row '${row}' has price_suspect '${flag}', expected ${expected}")
  endif()
endforeach()
file(WRITE "${WORK_DIR}/guard_off.json" "{${base}, \"price_guard\": \"off\"}")
expect_error("price_guard string" "${WORK_DIR}/guard_off.json" "${WORK_DIR}/three.csv" "config.price_guard must be an object or \"none\", got \"off\"")

# --- staleness (issue 12 §5): a feed that stops is flagged ------------------------------
# Prices every minute, then nothing for an hour. With "max_staleness": "10m" the row after the
# gap has stale = 1 (the last column) and the others 0; --now two hours after the last price
# says on standard error that the feed is stale; with no max_staleness nothing is flagged.
set(feed "t,price\n")
foreach(i RANGE 0 9)
  math(EXPR t "${i} * 60")
  math(EXPR p "100 + ${i}")
  string(APPEND feed "${t},${p}\n")
endforeach()
string(APPEND feed "4200,110\n4260,111\n")
file(WRITE "${WORK_DIR}/gap.csv" "${feed}")
file(WRITE "${WORK_DIR}/stale.json" "{${ready_base}, \"price_guard\": {\"max_staleness\": \"10m\"}}")
execute_process(COMMAND "${DYNMARGIN}" margin --config "${WORK_DIR}/stale.json" --input "${WORK_DIR}/gap.csv" --now 11460
                OUTPUT_FILE "${WORK_DIR}/stale.out" ERROR_VARIABLE stale_err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "margin staleness: exit ${rc}: ${stale_err}")
endif()
file(STRINGS "${WORK_DIR}/stale.out" rows)
list(REMOVE_AT rows 0)
set(flags "")
foreach(row IN LISTS rows)
  string(REGEX MATCH "([^,]*),[^,]*,[^,]*$" flag "${row}")  # stale, then time and row
  string(APPEND flags "${CMAKE_MATCH_1}")
endforeach()
if(NOT flags STREQUAL "000000000010")
  message(FATAL_ERROR "margin staleness: stale flags ${flags}, expected 000000000010 (the row after the hour's gap)")
endif()
if(NOT stale_err MATCHES "1 rows arrived after the feed had stopped for more than 600 s" OR
   NOT stale_err MATCHES "at --now 11460 the last accepted price is 7200 s old")
  message(FATAL_ERROR "margin staleness: standard error '${stale_err}'")
endif()
file(WRITE "${WORK_DIR}/no_stale.json" "{${ready_base}}")
execute_process(COMMAND "${DYNMARGIN}" margin --config "${WORK_DIR}/no_stale.json" --input "${WORK_DIR}/gap.csv" --now 11460
                OUTPUT_FILE "${WORK_DIR}/no_stale.out" ERROR_VARIABLE no_stale_err RESULT_VARIABLE rc)
file(STRINGS "${WORK_DIR}/no_stale.out" rows)
list(GET rows 11 row)
if(NOT rc EQUAL 0 OR NOT row MATCHES ",0,[^,]*,[0-9]+$" OR no_stale_err MATCHES "stale")
  message(FATAL_ERROR "margin staleness off: exit ${rc}, row '${row}', standard error '${no_stale_err}'")
endif()
