# SPDX-License-Identifier: MIT
# `dynmargin var --vol garch|gjr` uses past returns only: row t is identical whether or not the
# input goes on after t (the parameters are re-estimated on returns before the row, every
# --refit returns, from --fit-start on, as rugarch's ugarchroll); --in-sample (one fit on the
# whole input) does look ahead and so differs; bad --fit-start / --refit and an omitted --nu
# with --dist t are refused naming the flag.
cmake_minimum_required(VERSION 3.23)
set(RETURNS "${EXAMPLES_DIR}/../tests/data/returns_btc_usd_daily.csv")
file(MAKE_DIRECTORY "${WORK_DIR}")

# The first 1,600 returns of BTC daily (of 2,722).
file(STRINGS "${RETURNS}" lines)
list(SUBLIST lines 0 1601 head)
list(JOIN head "\n" text)
file(WRITE "${WORK_DIR}/head.csv" "${text}\n")

function(run_var out input)
  execute_process(COMMAND "${DYNMARGIN}" var --input "${input}" --column r ${ARGN}
                  OUTPUT_FILE "${out}" ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "var ${ARGN} failed (${rc}): ${err}")
  endif()
  set(stderr_text "${err}" PARENT_SCOPE)
endfunction()

foreach(model garch gjr)
  foreach(method "parametric" "fhs;--window;250")
    list(GET method 0 name)
    run_var("${WORK_DIR}/${model}_${name}_all.csv" "${RETURNS}" --method ${method} --vol ${model} --refit 50)
    set(all_stderr "${stderr_text}")
    run_var("${WORK_DIR}/${model}_${name}_head.csv" "${WORK_DIR}/head.csv" --method ${method} --vol ${model} --refit 50)
    file(STRINGS "${WORK_DIR}/${model}_${name}_all.csv" all)
    file(STRINGS "${WORK_DIR}/${model}_${name}_head.csv" cut)
    list(LENGTH cut n_cut)
    list(GET cut 1 first_row)
    # parametric: rows from the first fit at 500; fhs: once 250 residuals are held.
    if(name STREQUAL "parametric" AND NOT first_row MATCHES "^500,")
      message(FATAL_ERROR "var ${model} ${name}: the first row is '${first_row}', expected t = 500 (--fit-start)")
    endif()
    # Every row of the shortened run (t up to 1,600, the last the forecast of return 1,600) is
    # the same in the full run: nothing after t was used.
    math(EXPR last "${n_cut} - 1")
    foreach(i RANGE 0 ${last})
      list(GET cut ${i} a)
      list(GET all ${i} b)
      # t,var,es only: the cut run's last row is after its data, so its time and row are empty
      string(REGEX REPLACE ",[^,]*,[0-9]*$" "" a "${a}")
      string(REGEX REPLACE ",[^,]*,[0-9]*$" "" b "${b}")
      if(NOT a STREQUAL b)
        message(FATAL_ERROR "var ${model} ${name}: row ${i} depends on later data:\n  ${a} (input cut at 1,600)\n  ${b} (whole input)")
      endif()
    endforeach()
    # 2,722 returns: fits at 500, 550, ..., 2,700 (45 fits).
    string(FIND "${all_stderr}" "${model} fitted 45 times on past returns only" found)
    if(found EQUAL -1)
      message(FATAL_ERROR "var ${model} ${name}: standard error '${all_stderr}' does not report 45 fits")
    endif()
  endforeach()
endforeach()

# One fit on the whole input looks ahead, so its rows before the cut differ.
run_var("${WORK_DIR}/in_sample.csv" "${RETURNS}" --method parametric --vol garch --in-sample)
file(STRINGS "${WORK_DIR}/in_sample.csv" in_sample)
file(STRINGS "${WORK_DIR}/garch_parametric_all.csv" rolling)
list(GET rolling 100 rolling_row)
string(REGEX MATCH "^[0-9]+" t "${rolling_row}")
set(matched "")
foreach(row IN LISTS in_sample)
  if(row MATCHES "^${t},")
    set(matched "${row}")
    break()
  endif()
endforeach()
if(matched STREQUAL "" OR matched STREQUAL rolling_row)
  message(FATAL_ERROR "var garch --in-sample: row ${t} is '${matched}', expected a row differing from the rolling '${rolling_row}'")
endif()

function(expect_error label expected)
  execute_process(COMMAND "${DYNMARGIN}" var --input "${RETURNS}" --column r ${ARGN}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    message(FATAL_ERROR "var ${label}: exit code 0, expected an error")
  endif()
  string(FIND "${err}" "${expected}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "var ${label}: error '${err}' does not contain '${expected}'")
  endif()
endfunction()
expect_error("fit start 0" "var: --fit-start must be in [1, 2722]" --method parametric --vol garch --fit-start 0)
expect_error("fit start beyond the data" "var: --fit-start must be in [1, 2722]" --method parametric --vol garch
             --fit-start 3000)
expect_error("refit 0" "var: --refit must be at least 1, got 0" --method parametric --vol garch --refit 0)
expect_error("t without nu" "var: --nu must be given with a rolling GARCH and Student t" --method parametric --vol garch
             --dist t)
# The canonical spelling student_t needs --nu too (a check on the alias t alone let it estimate
# nu on the whole input, a look-ahead).
expect_error("student_t without nu" "var: --nu must be given with a rolling GARCH and Student t" --method parametric
             --vol garch --dist student_t)
