# SPDX-License-Identifier: MIT
# EVT runs to the end of every shipped price file (issue "Right or refused", point 7): a failed
# refit (no convergence, xi >= 1) is a warning that keeps the previous tails, never an error
# that stops the run or drops a return.
#  - `var --method evt` (window 500) exits 0 and its last row is t = the number of returns,
#    the same last row as `var --method parametric` on the same file (which prints every row);
#  - `margin` with an EVT config (window 500) exits 0, prints one row per price and quotes
#    on the last row;
#  - on BTC hourly, where refits fail from return index 1118 on, both report the warning on
#    standard error, so the failing path is exercised.
file(MAKE_DIRECTORY "${WORK_DIR}")
file(GLOB price_files "${DATA_DIR}/*.csv")
list(FILTER price_files EXCLUDE REGEX "deribit_btc_options")  # an option chain, not a price history
list(LENGTH price_files n_files)
if(n_files LESS 8)
  message(FATAL_ERROR "evt: expected the 8 shipped price files in ${DATA_DIR}, found ${n_files}")
endif()
file(WRITE "${WORK_DIR}/evt.json"
     "{\"volatility\": {\"model\": \"ewma\", \"lambda\": 0.94},\n"
     " \"risk\": {\"method\": \"evt\", \"confidence\": 0.99, \"window\": 500}}\n")

foreach(file IN LISTS price_files)
  get_filename_component(name "${file}" NAME_WE)
  execute_process(COMMAND "${DYNMARGIN}" var --method parametric --dedupe --input "${file}"
                  OUTPUT_FILE "${WORK_DIR}/${name}-parametric.csv" ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "evt: var parametric on ${name} failed (${rc}): ${err}")
  endif()
  file(STRINGS "${WORK_DIR}/${name}-parametric.csv" lines)
  list(GET lines -1 last)
  string(REGEX MATCH "^[0-9]+" returns "${last}")

  execute_process(COMMAND "${DYNMARGIN}" var --method evt --confidence 0.99 --window 500 --dedupe --input "${file}"
                  OUTPUT_FILE "${WORK_DIR}/${name}-evt.csv" ERROR_VARIABLE var_err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "evt: var --method evt stopped on ${name} (${rc}): ${var_err}")
  endif()
  file(STRINGS "${WORK_DIR}/${name}-evt.csv" lines)
  list(GET lines -1 last)
  if(NOT last MATCHES "^${returns},[0-9][0-9.e+-]*,[0-9][0-9.e+-]*,,$")
    message(FATAL_ERROR "evt: var --method evt on ${name} ends with '${last}', expected row t=${returns}")
  endif()

  execute_process(COMMAND "${DYNMARGIN}" margin --config "${WORK_DIR}/evt.json" --dedupe --input "${file}"
                  OUTPUT_FILE "${WORK_DIR}/${name}-margin.csv" ERROR_VARIABLE margin_err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "evt: margin with an EVT config stopped on ${name} (${rc}): ${margin_err}")
  endif()
  file(STRINGS "${WORK_DIR}/${name}-margin.csv" lines)
  list(LENGTH lines n_lines)
  math(EXPR expected "${returns} + 2")  # header + one row per price
  if(NOT n_lines EQUAL expected)
    message(FATAL_ERROR "evt: margin on ${name} printed ${n_lines} lines, expected ${expected}")
  endif()
  list(GET lines -1 last)
  if(last MATCHES ",warmup," OR NOT last MATCHES "^[0-9]+,[0-9.e+-]+,[0-9]")
    message(FATAL_ERROR "evt: margin on ${name} does not quote on the last row: '${last}'")
  endif()

  if(name STREQUAL "btc_usd_1h")
    # return index 1118 (oldest first) is line 36270 of the newest-first file: 2 header lines,
    # then 37,387 prices newest first, so price k (oldest first) is on line 37389 - k
    if(NOT var_err MATCHES "var: warning: [1-9][0-9]* of ${returns} updates returned refit_failed \\(first at the return on line 36270\\)")
      message(FATAL_ERROR "evt: var on BTC hourly should report failed refits from line 36270, got: ${var_err}")
    endif()
    if(NOT margin_err MATCHES "margin: warning: [1-9][0-9]* of [0-9]+ updates returned refit_failed")
      message(FATAL_ERROR "evt: margin on BTC hourly should report failed refits, got: ${margin_err}")
    endif()
  endif()
endforeach()
