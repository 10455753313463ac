# SPDX-License-Identifier: MIT
# `dynmargin var` contract: historical type 7, window 500, on BTC hourly reproduces rows of
# tests/data/rolling_hs_var_btc1h.csv (R) to 1e-10; parametric normal rows are positive; a
# confidence of 1.5 exits non-zero naming confidence.
# Row mapping: the reference's column t and ours are both the 0-based index of the forecast
# return; both use returns t-500 .. t-1.
set(REFERENCE_DIR "${EXAMPLES_DIR}/../tests/data")
set(RETURNS "${REFERENCE_DIR}/returns_btc_usd_1h.csv")
file(MAKE_DIRECTORY "${WORK_DIR}")

execute_process(COMMAND "${DYNMARGIN}" var --method historical --confidence 0.99 --window 500 --quantile type7
                        --input "${RETURNS}" --column r
                OUTPUT_FILE "${WORK_DIR}/historical.csv" ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "var historical failed (${rc}): ${err}")
endif()
file(STRINGS "${WORK_DIR}/historical.csv" ours)
file(STRINGS "${REFERENCE_DIR}/rolling_hs_var_btc1h.csv" reference)
list(GET ours 0 header)
if(NOT header STREQUAL "t,var,es,time,row")
  message(FATAL_ERROR "var: header is '${header}', expected 't,var,es,time,row'")
endif()
list(LENGTH ours n_ours)
# 36,886 reference rows (t = 500 .. 37385) plus the forecast for the next, unseen return.
if(NOT n_ours EQUAL 36888)
  message(FATAL_ERROR "var historical: ${n_ours} lines, expected 36888 (header + 36887 rows)")
endif()

# |a - b| <= tol for decimal strings, via math(EXPR) on integers scaled by 1e12 is not
# possible for doubles; compare the leading 11 significant digits instead (1e-10 absolute for
# values in [1, 10), which all these are).
function(check_close label a b)
  string(REGEX MATCH "^[0-9]+\\.[0-9]+" a_num "${a}")
  string(REGEX MATCH "^[0-9]+\\.[0-9]+" b_num "${b}")
  string(SUBSTRING "${a_num}" 0 12 a_lead)
  string(SUBSTRING "${b_num}" 0 12 b_lead)
  if(NOT a_lead STREQUAL b_lead)
    message(FATAL_ERROR "var ${label}: ${a} differs from the reference ${b} beyond 1e-10")
  endif()
endfunction()

foreach(row 1 2 1000 20000 36886)
  list(GET reference ${row} ref_line)
  list(GET ours ${row} our_line)
  string(REPLACE "," ";" ref_cells "${ref_line}")
  string(REPLACE "," ";" our_cells "${our_line}")
  list(GET ref_cells 0 ref_t)
  list(GET our_cells 0 our_t)
  if(NOT ref_t STREQUAL our_t)
    message(FATAL_ERROR "var historical: row ${row} has t=${our_t}, reference t=${ref_t}")
  endif()
  list(GET ref_cells 1 ref_var7)
  list(GET ref_cells 3 ref_es)
  list(GET our_cells 1 our_var)
  list(GET our_cells 2 our_es)
  check_close("var at t=${ref_t}" "${our_var}" "${ref_var7}")
  check_close("es at t=${ref_t}" "${our_es}" "${ref_es}")
endforeach()

execute_process(COMMAND "${DYNMARGIN}" var --method historical --confidence 0.99 --window 500 --quantile type1
                        --input "${RETURNS}" --column r
                OUTPUT_VARIABLE type1_out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "var historical type1 failed (${rc}): ${err}")
endif()
string(REGEX MATCH "\n500,([^,]+)," _ "${type1_out}")
list(GET reference 1 ref_line)
string(REPLACE "," ";" ref_cells "${ref_line}")
list(GET ref_cells 2 ref_var1)
check_close("type1 var at t=500" "${CMAKE_MATCH_1}" "${ref_var1}")

# Parametric normal with EWMA: every VaR and ES positive, ES above VaR.
execute_process(COMMAND "${DYNMARGIN}" var --method parametric --dist normal --confidence 0.99
                        --input "${RETURNS}" --column r --vol ewma --lambda 0.94
                OUTPUT_FILE "${WORK_DIR}/parametric.csv" ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "var parametric failed (${rc}): ${err}")
endif()
file(STRINGS "${WORK_DIR}/parametric.csv" lines LIMIT_COUNT 200)
list(REMOVE_AT lines 0)
foreach(line IN LISTS lines)
  if(NOT line MATCHES "^[0-9]+,[0-9][0-9.e+-]*,[0-9][0-9.e+-]*,[0-9T:Z.-]*,[0-9]*$")
    message(FATAL_ERROR "var parametric: row '${line}' is not t,positive,positive")
  endif()
endforeach()

# Bad confidence: non-zero exit, message names confidence.
execute_process(COMMAND "${DYNMARGIN}" var --method historical --confidence 1.5 --input "${RETURNS}" --column r
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(rc EQUAL 0)
  message(FATAL_ERROR "var with --confidence 1.5 exited 0")
endif()
if(NOT err MATCHES "confidence")
  message(FATAL_ERROR "var with --confidence 1.5: error does not name confidence: ${err}")
endif()

# A window too short for the tail names the number of returns needed.
execute_process(COMMAND "${DYNMARGIN}" var --method historical --confidence 0.99 --window 50 --input "${RETURNS}" --column r
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(rc EQUAL 0 OR NOT err MATCHES "window must hold at least 100 returns")
  message(FATAL_ERROR "var with --window 50 at 99%: expected an error naming 100 returns, got (${rc}) ${err}")
endif()
