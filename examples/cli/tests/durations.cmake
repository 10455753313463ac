# SPDX-License-Identifier: MIT
# Flags that take a count of rows also take a span of time (issue 12 §1): a span is the same
# number of rows of the input's usual spacing, so "--window 30d" on hourly data is
# "--window 720" and "--horizon 2d" on daily data is "--horizon 2", byte for byte; a half-life
# of 72h on daily data is one of 3 rows; a span that is not a whole number of rows, or a span on
# an input without times, is refused naming the flag; with a config "bar" a backtest's span
# counts bars of it.
cmake_minimum_required(VERSION 3.23)
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run_ok name)
  execute_process(COMMAND "${DYNMARGIN}" ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "durations ${name}: failed (${rc}): ${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

function(same name)
  cmake_parse_arguments(arg "" "" "A;B" ${ARGN})
  run_ok("${name} (a)" ${arg_A})
  set(a "${out}")
  run_ok("${name} (b)" ${arg_B})
  if(NOT a STREQUAL out)
    message(FATAL_ERROR "durations ${name}: the span and the count give different output")
  endif()
  string(LENGTH "${a}" length)
  if(length LESS 200)
    message(FATAL_ERROR "durations ${name}: output too short to compare: '${a}'")
  endif()
endfunction()

function(refused name pattern)
  execute_process(COMMAND "${DYNMARGIN}" ${ARGN} OUTPUT_QUIET ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(rc EQUAL 0 OR NOT err MATCHES "${pattern}")
    message(FATAL_ERROR "durations ${name}: expected an error matching '${pattern}', got (${rc}) ${err}")
  endif()
endfunction()

set(DAILY "${DATA_DIR}/btc_usd_daily.csv")
set(HOURLY "${DATA_DIR}/btc_usd_1h.csv")

same(var_window_hourly A var --method historical --window 30d --input "${HOURLY}"
                       B var --method historical --window 720 --input "${HOURLY}")
same(var_horizon_daily A var --method parametric --horizon 10d --input "${DAILY}"
                       B var --method parametric --horizon 10 --input "${DAILY}")
same(var_garch_refit A var --method parametric --vol garch --fit-start 3y --refit 1y --input "${DAILY}"
                     B var --method parametric --vol garch --fit-start 1095 --refit 365 --input "${DAILY}")
same(vol_window A vol --model rolling --window 4w --input "${DAILY}"
                B vol --model rolling --window 28 --input "${DAILY}")
same(vol_half_life A vol --model ewma --half-life 72h --input "${DAILY}"
                   B vol --model ewma --half-life 3 --input "${DAILY}")
same(vol_warmup A vol --model ewma --start warmup --warmup 30d --input "${DAILY}"
                B vol --model ewma --start warmup --warmup 30 --input "${DAILY}")
same(backtest_horizon A backtest --config "${EXAMPLES_DIR}/configs/binance_tiers.json" --input "${HOURLY}"
                                 --horizon 1d --warmup 30d
                      B backtest --config "${EXAMPLES_DIR}/configs/binance_tiers.json" --input "${HOURLY}"
                                 --horizon 24 --warmup 720)
# ccp_apc.json samples daily bars: a span counts bars of 1d, whatever the input's spacing
same(backtest_bar A backtest --config "${EXAMPLES_DIR}/configs/ccp_apc.json" --input "${HOURLY}" --horizon 48h
                  B backtest --config "${EXAMPLES_DIR}/configs/ccp_apc.json" --input "${HOURLY}" --horizon 2)

# a half-life of 11.2 days is not a whole number of days, and needs not be: it differs from 11
run_ok(half_life_fraction vol --model ewma --half-life 11.2d --input "${DAILY}")
set(fraction "${out}")
run_ok(half_life_11 vol --model ewma --half-life 11d --input "${DAILY}")
if(fraction STREQUAL out)
  message(FATAL_ERROR "durations: --half-life 11.2d and 11d give the same output")
endif()

refused(not_whole "--window.*whole number of rows of the input's spacing of 1d" var --method historical --window 36h
        --input "${DAILY}")
refused(bad_text "--window.*number with a unit" var --method historical --window 30days --input "${DAILY}")
refused(negative "--warmup.*at least 0" backtest --config "${EXAMPLES_DIR}/configs/ccp_apc.json" --input "${DAILY}"
        --warmup -1)
file(WRITE "${WORK_DIR}/no_times.csv" "r\n0.1\n-0.2\n0.3\n0.1\n-0.1\n0.2\n")
refused(no_times "--window.*no times" vol --model rolling --window 2d --input "${WORK_DIR}/no_times.csv")
