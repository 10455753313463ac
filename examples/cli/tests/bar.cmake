# SPDX-License-Identifier: MIT
# Margin in time (`"bar"` in a margin config): a minute feed and an hourly feed of the same
# prices give identical rows once sampled into 1-hour bars; durations ("24h") are counted in
# bars and refused when they need a bar the config lacks or are not a whole number of bars; a
# config that counts updates warns on an irregular feed.
cmake_minimum_required(VERSION 3.23)
file(MAKE_DIRECTORY "${WORK_DIR}")

function(expect_error label config input expected)
  execute_process(COMMAND "${DYNMARGIN}" margin --config "${config}" --input "${input}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    message(FATAL_ERROR "bar ${label}: exit code 0, expected an error")
  endif()
  string(FIND "${err}" "${expected}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "bar ${label}: error '${err}' does not contain '${expected}'")
  endif()
endfunction()

# Three days of minute prices (a deterministic saw-tooth with a drift) and the hourly subset.
set(minute "t,price\n")
set(hourly "t,price\n")
foreach(i RANGE 0 4319)
  math(EXPR t "1700002800 + ${i} * 60")
  math(EXPR cents "100000 + (${i} * 37) % 1013 + ${i} / 3")
  math(EXPR whole "${cents} / 100")
  math(EXPR frac "${cents} % 100")
  if(frac LESS 10)
    set(frac "0${frac}")
  endif()
  string(APPEND minute "${t},${whole}.${frac}\n")
  math(EXPR on_hour "${i} % 60")
  if(on_hour EQUAL 0)
    string(APPEND hourly "${t},${whole}.${frac}\n")
  endif()
endforeach()
file(WRITE "${WORK_DIR}/minute.csv" "${minute}")
file(WRITE "${WORK_DIR}/hourly.csv" "${hourly}")
file(WRITE "${WORK_DIR}/bar.json" [=[
{"bar": "1h",
 "volatility": {"model": "ewma", "half_life": "12h", "burn_in": "2h"},
 "risk": {"method": "parametric", "confidence": 0.99, "horizon": "6h"},
 "policies": [{"type": "speed_limit", "max_increase": 0.5, "window": "3h"}]}
]=])

foreach(feed minute hourly)
  execute_process(COMMAND "${DYNMARGIN}" margin --config "${WORK_DIR}/bar.json" --input "${WORK_DIR}/${feed}.csv"
                  OUTPUT_FILE "${WORK_DIR}/${feed}.out" ERROR_VARIABLE err_${feed} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "bar: margin on the ${feed} feed failed (${rc}): ${err_${feed}}")
  endif()
  file(STRINGS "${WORK_DIR}/${feed}.out" rows_${feed})
endforeach()
# 4,320 minute prices fall into the 73 bars ending on the hours 0..72 (the first bar holds one
# price; the file's end completes the last); the 72 hourly prices into the first 72 of them.
foreach(check "minute;4320 prices sampled into 73 bars of 1h" "hourly;72 prices sampled into 72 bars of 1h")
  list(GET check 0 feed)
  list(GET check 1 expected)
  string(FIND "${err_${feed}}" "${expected}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "bar: ${feed} feed: standard error '${err_${feed}}' does not say '${expected}'")
  endif()
endforeach()
list(LENGTH rows_minute n_minute)
list(LENGTH rows_hourly n_hourly)
if(NOT n_minute EQUAL 74 OR NOT n_hourly EQUAL 73)
  message(FATAL_ERROR "bar: ${n_minute} minute rows and ${n_hourly} hourly rows, expected 74 and 73 (with headers)")
endif()
set(quoted 0)
math(EXPR last "${n_hourly} - 1")
foreach(i RANGE 0 ${last})
  list(GET rows_minute ${i} a)
  list(GET rows_hourly ${i} b)
  # the last column, row, is the input line of the bar's last price: it differs by feed
  string(REGEX REPLACE ",[0-9]*$" "" a "${a}")
  string(REGEX REPLACE ",[0-9]*$" "" b "${b}")
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "bar: row ${i} differs between the minute and hourly feeds:\n  ${a}\n  ${b}")
  endif()
  if(NOT a MATCHES "warmup" AND i GREATER 0)
    math(EXPR quoted "${quoted} + 1")
  endif()
endforeach()
# The bar is the unit: a 2-hour burn-in is 2 bars, so quotes start at the third bar.
if(NOT quoted EQUAL 70)
  message(FATAL_ERROR "bar: ${quoted} quoted rows of 72, expected 70 (a burn-in of 2 bars)")
endif()
list(GET rows_minute 2 second_bar)
if(NOT second_bar MATCHES "^1700006400,")
  message(FATAL_ERROR "bar: the second bar's row is '${second_bar}', expected it at its end 1700006400")
endif()

# --- durations that cannot be counted -------------------------------------------------------
file(WRITE "${WORK_DIR}/no_bar.json"
  [=[{"volatility": {"model": "ewma"}, "risk": {"method": "parametric", "horizon": "24h"}}]=])
expect_error("duration without a bar" "${WORK_DIR}/no_bar.json" "${WORK_DIR}/hourly.csv"
  "risk.horizon is a duration, which needs config.bar")
file(WRITE "${WORK_DIR}/not_whole.json"
  [=[{"bar": "1h", "volatility": {"model": "ewma"}, "risk": {"method": "parametric", "horizon": "90m"}}]=])
expect_error("90m over 1h bars" "${WORK_DIR}/not_whole.json" "${WORK_DIR}/hourly.csv"
  "risk.horizon must be a whole number of bars of 1h, got 90m")
file(WRITE "${WORK_DIR}/bad_unit.json"
  [=[{"bar": "1h", "volatility": {"model": "ewma"}, "risk": {"method": "parametric"},
      "policies": [{"type": "speed_limit", "max_increase": 0.5, "window": "5 days"}]}]=])
expect_error("unknown unit" "${WORK_DIR}/bad_unit.json" "${WORK_DIR}/hourly.csv"
  "policies[0].window must be a number with a unit")
file(WRITE "${WORK_DIR}/bad_bar.json"
  [=[{"bar": "1500ms", "volatility": {"model": "ewma"}, "risk": {"method": "parametric"}}]=])
expect_error("sub-second bar" "${WORK_DIR}/bad_bar.json" "${WORK_DIR}/hourly.csv"
  "config.bar must be a whole number of seconds, got \"1500ms\"")
file(WRITE "${WORK_DIR}/both.json"
  [=[{"bar": "1h", "volatility": {"model": "ewma", "lambda": 0.94, "half_life": "1d"}, "risk": {"method": "parametric"}}]=])
expect_error("lambda and half_life" "${WORK_DIR}/both.json" "${WORK_DIR}/hourly.csv" "give lambda or half_life, not both")

# --- a config that counts updates on an irregular feed says so -------------------------------
file(WRITE "${WORK_DIR}/steps.json"
  [=[{"volatility": {"model": "ewma", "burn_in": 1}, "risk": {"method": "parametric", "horizon": 6}}]=])
set(irregular "t,price\n")
foreach(i RANGE 0 199)
  math(EXPR t "1700002800 + ${i} * 60 + (${i} % 7) * 5")
  math(EXPR p "1000 + (${i} * 17) % 29")
  string(APPEND irregular "${t},${p}\n")
endforeach()
file(WRITE "${WORK_DIR}/irregular.csv" "${irregular}")
foreach(case "irregular;1" "hourly;0")
  list(GET case 0 feed)
  list(GET case 1 warns)
  execute_process(COMMAND "${DYNMARGIN}" margin --config "${WORK_DIR}/steps.json" --input "${WORK_DIR}/${feed}.csv"
                  OUTPUT_QUIET ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "bar: step-count config on the ${feed} feed failed (${rc}): ${err}")
  endif()
  string(FIND "${err}" "the config counts updates (it has no \"bar\") and the feed is irregular" found)
  if(warns AND found EQUAL -1)
    message(FATAL_ERROR "bar: no irregular-feed warning on the irregular feed: '${err}'")
  endif()
  if(NOT warns AND NOT found EQUAL -1)
    message(FATAL_ERROR "bar: an irregular-feed warning on the regular hourly feed: '${err}'")
  endif()
endforeach()

# --- backtest scores a config with a bar on its bars ------------------------------------------
execute_process(COMMAND "${DYNMARGIN}" backtest --config "${WORK_DIR}/bar.json" --input "${WORK_DIR}/minute.csv"
                OUTPUT_VARIABLE report ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "bar: backtest failed (${rc}): ${err}")
endif()
string(JSON bar GET "${report}" bar)
string(JSON bars GET "${report}" bars)
string(JSON per_day GET "${report}" steps_per_day)
if(NOT bar STREQUAL "1h" OR NOT bars EQUAL 73 OR NOT per_day EQUAL 24)
  message(FATAL_ERROR "bar: backtest reports bar '${bar}', bars ${bars}, steps_per_day ${per_day}; expected 1h, 73, 24")
endif()
