# SPDX-License-Identifier: MIT
# Contract of `dynmargin fit`: JSON with the documented keys, the log-likelihood of fGarch's
# GARCH(1,1) fit of BTC daily (tests/data/garch11_fgarch_crypto.csv) to 1e-6 relative, GJR and
# t keys, and non-zero exits for a bad model or a missing file.
# Run with: cmake -DDYNMARGIN=<exe> -DEXAMPLES_DIR=<examples> -DWORK_DIR=<dir> -P fit.cmake
cmake_minimum_required(VERSION 3.21)

foreach(var DYNMARGIN EXAMPLES_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "fit.cmake: pass -D${var}=...")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK_DIR}")
set(returns_file "${EXAMPLES_DIR}/../tests/data/returns_btc_usd_daily.csv")

function(run_fit prefix)
  execute_process(COMMAND "${DYNMARGIN}" fit ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "fit: exit code ${rc} for 'fit ${ARGN}': ${err}")
  endif()
  set(${prefix} "${out}" PARENT_SCOPE)
endfunction()

function(require_keys json what)
  foreach(key ${ARGN})
    string(JSON value ERROR_VARIABLE missing GET "${json}" ${key})
    if(missing)
      message(FATAL_ERROR "fit: ${what} has no key '${key}': ${json}")
    endif()
  endforeach()
endfunction()

# GARCH(1,1), normal, fGarch's start rule.
run_fit(garch --model garch --dist normal --input "${returns_file}" --column r)
require_keys("${garch}" "garch output" model dist n params loglik converged iterations std_errors robust_std_errors)
# Wall-clock seconds only with --timing, so that identical runs print identical output.
string(JSON seconds ERROR_VARIABLE no_seconds GET "${garch}" seconds)
if(NOT no_seconds)
  message(FATAL_ERROR "fit: prints \"seconds\" without --timing: ${garch}")
endif()
run_fit(garch_again --model garch --dist normal --input "${returns_file}" --column r)
if(NOT garch STREQUAL garch_again)
  message(FATAL_ERROR "fit: two identical runs differ:\n${garch}\n${garch_again}")
endif()
run_fit(timed --model garch --dist normal --input "${returns_file}" --column r --timing)
require_keys("${timed}" "fit --timing output" seconds)
foreach(section params std_errors robust_std_errors)
  string(JSON object GET "${garch}" ${section})
  require_keys("${object}" "garch ${section}" mu omega alpha beta)
  string(JSON gamma ERROR_VARIABLE no_gamma GET "${object}" gamma)
  if(NOT no_gamma)
    message(FATAL_ERROR "fit: garch ${section} must not have gamma")
  endif()
endforeach()
string(JSON model GET "${garch}" model)
string(JSON n GET "${garch}" n)
string(JSON converged GET "${garch}" converged)
if(NOT model STREQUAL "garch" OR NOT n EQUAL 2722 OR NOT converged)
  message(FATAL_ERROR "fit: model '${model}', n ${n}, converged ${converged}; expected garch, 2722, true")
endif()

# loglik vs fGarch's -7362.8384912833435 to 1e-6 relative (7.4e-3 absolute). CMake has no
# floats: compare in units of 1e-6 as integers.
string(JSON loglik GET "${garch}" loglik)
if(NOT loglik MATCHES "^-([0-9]+)\\.([0-9]+)")
  message(FATAL_ERROR "fit: loglik '${loglik}' is not a negative decimal")
endif()
set(whole "${CMAKE_MATCH_1}")
string(SUBSTRING "${CMAKE_MATCH_2}000000" 0 6 micro)
string(REGEX REPLACE "^0+([0-9])" "\\1" micro "${micro}")
math(EXPR actual "${whole} * 1000000 + ${micro}")
set(expected 7362838491)  # 7362.838491 (fGarch, truncated to 1e-6)
math(EXPR difference "${actual} - ${expected}")
if(difference LESS 0)
  math(EXPR difference "0 - ${difference}")
endif()
if(difference GREATER 7363)
  message(FATAL_ERROR "fit: loglik ${loglik} differs from fGarch's -7362.8384912833435 by more than 1e-6 relative")
endif()

# GJR with t innovations: gamma and nu appear in every parameter object.
run_fit(gjr --model gjr --dist t --input "${returns_file}" --column r --init backcast)
foreach(section params std_errors robust_std_errors)
  string(JSON object GET "${gjr}" ${section})
  require_keys("${object}" "gjr ${section}" mu omega alpha gamma beta nu)
endforeach()

# Stationarity (issue 12 §8): "stationary" (kept for scripts) and "stationarity_constraint"
# are the constraint, "fitted_stationary" the fitted model's own; BTC daily t without the
# constraint is fGarch's persistence 1.078: not stationary, said on standard error.
function(fit_with_stderr prefix err_prefix)
  execute_process(COMMAND "${DYNMARGIN}" fit ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "fit: exit code ${rc} for 'fit ${ARGN}': ${err}")
  endif()
  set(${prefix} "${out}" PARENT_SCOPE)
  set(${err_prefix} "${err}" PARENT_SCOPE)
endfunction()
fit_with_stderr(free free_err --model garch --dist t --input "${returns_file}" --column r)
require_keys("${free}" "t output" stationary stationarity_constraint fitted_stationary parameters_at_bound std_errors_null_reason)
string(JSON constraint GET "${free}" stationarity_constraint)
string(JSON fitted GET "${free}" fitted_stationary)
string(JSON persistence GET "${free}" persistence)
if(constraint OR fitted OR NOT persistence GREATER 1.0)
  message(FATAL_ERROR "fit: BTC daily t: stationarity_constraint ${constraint}, fitted_stationary ${fitted}, persistence ${persistence}; expected false, false, > 1")
endif()
if(NOT free_err MATCHES "the fitted model is not stationary")
  message(FATAL_ERROR "fit: no warning for a non-stationary fit on standard error: '${free_err}'")
endif()
fit_with_stderr(held held_err --model garch --dist t --input "${returns_file}" --column r --stationary)
string(JSON constraint GET "${held}" stationarity_constraint)
string(JSON fitted GET "${held}" fitted_stationary)
if(NOT constraint OR NOT fitted OR held_err MATCHES "not stationary")
  message(FATAL_ERROR "fit: --stationary: stationarity_constraint ${constraint}, fitted_stationary ${fitted}, stderr '${held_err}'")
endif()

# A parameter at a bound has a null standard error and a reason: a t fit of GARCH returns
# simulated with normal innovations (tests/data/garch_normal_seeded.csv) takes nu to its upper
# bound, rugarch's 100.
file(COPY_FILE "${EXAMPLES_DIR}/../tests/data/garch_normal_seeded.csv" "${WORK_DIR}/thin.csv")
fit_with_stderr(thin thin_err --model garch --dist t --input "${WORK_DIR}/thin.csv" --column r)
string(JSON bound_count LENGTH "${thin}" parameters_at_bound)
string(JSON nu_se TYPE "${thin}" std_errors nu)
string(JSON nu_reason ERROR_VARIABLE no_reason GET "${thin}" std_errors_null_reason nu)
string(JSON nu GET "${thin}" params nu)
string(JSON beta_se TYPE "${thin}" std_errors beta)
if(NOT bound_count EQUAL 1 OR NOT nu_se STREQUAL "NULL" OR no_reason OR NOT nu_reason MATCHES "nu at its upper bound"
   OR nu LESS 99.9 OR NOT beta_se STREQUAL "NUMBER" OR NOT thin_err MATCHES "at a bound")
  message(FATAL_ERROR "fit: thin-tailed data: parameters_at_bound ${bound_count}, std_errors.nu type ${nu_se}, reason '${nu_reason}': ${thin}")
endif()

# Bad input exits non-zero.
execute_process(COMMAND "${DYNMARGIN}" fit --model egarch --input "${returns_file}" --column r
  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(rc EQUAL 0)
  message(FATAL_ERROR "fit: --model egarch must exit non-zero")
endif()
execute_process(COMMAND "${DYNMARGIN}" fit --input "${WORK_DIR}/no_such_file.csv"
  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "fit: a missing input file must exit non-zero")
endif()
