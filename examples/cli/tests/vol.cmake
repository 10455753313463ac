# SPDX-License-Identifier: MIT
# Contract of `dynmargin vol`: CSV `t,sigma`, one row per forecast, values equal to
# independent references (the R EWMA file, python3 range estimates, fGarch's sigma2_T,
# closed forms), and bad input exits non-zero with a message naming the parameter.
# Run with: cmake -DDYNMARGIN=<exe> -DDATA_DIR=<examples/data> -DWORK_DIR=<dir> -P vol.cmake
cmake_minimum_required(VERSION 3.19)

foreach(var DYNMARGIN DATA_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "vol.cmake: pass -D${var}=...")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK_DIR}")
set(btc_daily "${DATA_DIR}/btc_usd_daily.csv")

# Runs `dynmargin vol ARGS...`, requires exit code 0, and returns the output lines in
# <prefix>_lines (header first) and their count in <prefix>_count.
function(run_vol prefix)
  execute_process(COMMAND "${DYNMARGIN}" vol ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "vol: exit code ${rc} for 'vol ${ARGN}': ${err}")
  endif()
  string(STRIP "${out}" out)
  string(REPLACE "\n" ";" lines "${out}")
  list(LENGTH lines count)
  list(GET lines 0 header)
  if(NOT header STREQUAL "t,sigma,time,row")
    message(FATAL_ERROR "vol: header is '${header}', expected 't,sigma,time,row' for 'vol ${ARGN}'")
  endif()
  set(${prefix}_lines "${lines}" PARENT_SCOPE)
  set(${prefix}_count "${count}" PARENT_SCOPE)
endfunction()

# A decimal without exponent as an integer in units of 1e-12 (CMake arithmetic is 64-bit
# integer only; sigmas here are below 1e6, so this fits and keeps 12 decimals).
function(scaled_decimal text out)
  if(NOT text MATCHES "^([0-9]+)(\\.([0-9]*))?$")
    message(FATAL_ERROR "vol: '${text}' is not a plain positive decimal")
  endif()
  set(integer "${CMAKE_MATCH_1}")
  string(SUBSTRING "${CMAKE_MATCH_3}000000000000" 0 12 fraction)
  string(REGEX REPLACE "^0+([0-9])" "\\1" integer "${integer}")
  string(REGEX REPLACE "^0+([0-9])" "\\1" fraction "${fraction}")
  math(EXPR value "${integer} * 1000000000000 + ${fraction}")
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# Requires |actual - expected| <= expected / divisor (relative tolerance 1 / divisor).
function(expect_close actual expected divisor what)
  scaled_decimal("${actual}" a)
  scaled_decimal("${expected}" b)
  math(EXPR difference "${a} - ${b}")
  if(difference LESS 0)
    math(EXPR difference "0 - ${difference}")
  endif()
  math(EXPR allowed "${b} / ${divisor}")
  if(difference GREATER allowed)
    message(FATAL_ERROR "vol: ${what} is ${actual}, expected ${expected} within 1/${divisor} relative")
  endif()
endfunction()

# Row `index` (1 = first data row) as t and sigma.
function(get_row lines index t_out sigma_out)
  list(GET lines ${index} row)
  string(REPLACE "," ";" cells "${row}")
  list(GET cells 0 t)
  list(GET cells 1 sigma)
  set(${t_out} "${t}" PARENT_SCOPE)
  set(${sigma_out} "${sigma}" PARENT_SCOPE)
endfunction()

function(expect_equal actual expected what)
  if(NOT "${actual}" STREQUAL "${expected}")
    message(FATAL_ERROR "vol: ${what} is '${actual}', expected '${expected}'")
  endif()
endfunction()

# Runs `dynmargin vol ARGS...`, requires a non-zero exit and `needle` in standard error.
function(expect_failure needle)
  execute_process(COMMAND "${DYNMARGIN}" vol ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "vol: 'vol ${ARGN}' should fail but exited 0")
  endif()
  string(FIND "${err}" "${needle}" position)
  if(position EQUAL -1)
    message(FATAL_ERROR "vol: the error of 'vol ${ARGN}' does not name '${needle}':\n${err}")
  endif()
endfunction()

# 1. EWMA 0.94 on BTC daily: 2722 returns, one row each; sigma^2 equals the R reference
#    tests/data/ewma094_btc_daily.csv (sigma2_1 = r_1^2, then the recursion) to 1e-10
#    relative, i.e. sigma to 5e-11 (divisor 2e10). Expected sigmas are sqrt of the file's
#    sigma2 at rows t = 1, 2, 100, 1000, 2722:
#    python3 -c "import csv,math; b=list(csv.DictReader(open('tests/data/ewma094_btc_daily.csv')));
#      [print(t, repr(math.sqrt(float(b[t-1]['sigma2'])))) for t in (1,2,100,1000,2722)]"
run_vol(ewma --model ewma --lambda 0.94 --input "${btc_daily}")
expect_equal("${ewma_count}" 2723 "line count of ewma (header + 2722 returns)")
get_row("${ewma_lines}" 1 t sigma)
expect_equal("${t}" 1410998400 "t of the first return (2014-09-18, epoch seconds)")
expect_close("${sigma}" 7.464335242391066 20000000000 "ewma sigma at t=1")
get_row("${ewma_lines}" 2 t sigma)
expect_close("${sigma}" 7.4643352423910665 20000000000 "ewma sigma at t=2")
get_row("${ewma_lines}" 100 t sigma)
expect_close("${sigma}" 2.7293674172362614 20000000000 "ewma sigma at t=100")
get_row("${ewma_lines}" 1000 t sigma)
expect_close("${sigma}" 4.861454939909096 20000000000 "ewma sigma at t=1000")
get_row("${ewma_lines}" 2722 t sigma)
expect_equal("${t}" 1646092800 "t of the last return (2022-03-01)")
expect_close("${sigma}" 4.571154208022427 20000000000 "ewma sigma at t=2722")

# 2. Range estimators on the first bars of BTC daily, window 5, against python3
#    (tests/unit/vol_range_test.cpp has the one-liner): Parkinson over bars 1..5 is
#    0.002289482204798702 (fractions), Yang-Zhang over bars 2..6 with bar 1's close is
#    0.0020717394427262393; sigma in percent = 100 sqrt(.). Tolerance 1e-10 relative.
run_vol(parkinson --model parkinson --window 5 --input "${btc_daily}")
expect_equal("${parkinson_count}" 2719 "line count of parkinson --window 5 (header + 2723 - 5 bars)")
get_row("${parkinson_lines}" 1 t sigma)
expect_equal("${t}" 1411344000 "t of the first Parkinson forecast (bar 6, 2014-09-22)")
expect_close("${sigma}" 4.784853398797817 10000000000 "parkinson sigma of bar 6")
run_vol(yz --model yang-zhang --window 5 --input "${btc_daily}")
expect_equal("${yz_count}" 2718 "line count of yang-zhang --window 5 (one bar more for the previous close)")
get_row("${yz_lines}" 1 t sigma)
expect_equal("${t}" 1411430400 "t of the first Yang-Zhang forecast (bar 7, 2014-09-23)")
expect_close("${sigma}" 4.551636455964206 10000000000 "yang-zhang sigma of bar 7")
run_vol(gk --model garman-klass --lambda 0.94 --input "${btc_daily}")
expect_equal("${gk_count}" 2723 "line count of EWMA-weighted garman-klass (a forecast from bar 2 on)")

# 3. A returns column without times: t is the row number. Rolling window 2, mean of
#    squares, on 1, 2, 3, 4, 5: sqrt(2.5), sqrt(6.5), sqrt(12.5) for t = 3, 4, 5.
file(WRITE "${WORK_DIR}/returns.csv" "r\n1\n2\n3\n4\n5\n")
run_vol(rolling --model rolling --window 2 --input "${WORK_DIR}/returns.csv")
expect_equal("${rolling_count}" 4 "line count of rolling --window 2 on 5 returns")
get_row("${rolling_lines}" 1 t sigma)
expect_equal("${t}" 3 "t of the first rolling forecast (row number)")
expect_close("${sigma}" 1.5811388300841898 1000000000000 "rolling sigma at t=3, sqrt(2.5)")
get_row("${rolling_lines}" 3 t sigma)
expect_close("${sigma}" 3.5355339059327378 1000000000000 "rolling sigma at t=5, sqrt(12.5)")
# --mean sample: variance of (1, 2) is 0.5, of (4, 5) is 0.5.
run_vol(sample --model rolling --window 2 --mean sample --input "${WORK_DIR}/returns.csv")
get_row("${sample_lines}" 3 t sigma)
expect_close("${sigma}" 0.7071067811865476 1000000000000 "rolling --mean sample sigma at t=5, sqrt(0.5)")

# 4. GARCH(1,1) normal, fitted on BTC daily: the last row is h_T, which fGarch reports as
#    sigma2_T = 33.317842598498757 (tests/data/garch11_fgarch_crypto.csv). Parameters agree
#    with fGarch to about 1e-3 relative, h_T to 1e-4 (sigma to 5e-5: divisor 20000).
run_vol(garch --model garch --input "${btc_daily}")
expect_equal("${garch_count}" 2723 "line count of garch (every return)")
get_row("${garch_lines}" 2722 t sigma)
expect_close("${sigma}" 5.772160999010575 20000 "garch sigma at t=2722, sqrt(fGarch sigma2_T)")

# 5. Bad input: each exits non-zero naming the problem.
expect_failure("window must be at least 2, got 1" --model rolling --window 1 --input "${btc_daily}")
expect_failure("lambda must be in (0, 1), got 1.5" --model ewma --lambda 1.5 --input "${btc_daily}")
expect_failure("parkinson: lambda must be in (0, 1), got 1.5" --model parkinson --lambda 1.5 --input "${btc_daily}")
expect_failure("yang_zhang: window must be at least 2, got 1" --model yang-zhang --window 1 --input "${btc_daily}")
expect_failure("--window applies to rolling and the range estimators" --model ewma --window 30 --input "${btc_daily}")
expect_failure("needs OHLC bars" --model parkinson --input "${WORK_DIR}/returns.csv")
expect_failure("at least 30 observations" --model garch --input "${WORK_DIR}/returns.csv")
file(WRITE "${WORK_DIR}/bad_bar.csv"
  "time,open,high,low,close\n1600000000,100,110,90,105\n1600003600,105,100,108,104\n1600007200,104,106,101,102\n")
expect_failure("high must be >= low (108), got 100" --model garman-klass --window 2 --input "${WORK_DIR}/bad_bar.csv")
file(WRITE "${WORK_DIR}/nan.csv" "r\n1\nnan\n2\n")
expect_failure("must be a finite number" --model ewma --input "${WORK_DIR}/nan.csv")
