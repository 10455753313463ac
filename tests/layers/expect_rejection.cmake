# SPDX-License-Identifier: MIT
# Runs cmake/check_layers.cmake on one fixture tree and passes when the check fails with
# exactly one violation whose text matches EXPECT: the proof that the layer check can fail.
#   cmake -DCASE=<tree beside this file> -DEXPECT=<regular expression> -P expect_rejection.cmake
foreach(variable CASE EXPECT)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "expect_rejection: -D${variable}=... is required")
  endif()
endforeach()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -DTABLE=${CMAKE_CURRENT_LIST_DIR}/architecture.md
    -DINCLUDE_DIR=${CMAKE_CURRENT_LIST_DIR}/${CASE}/include
    -P "${CMAKE_CURRENT_LIST_DIR}/../../cmake/check_layers.cmake"
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
if(result EQUAL 0)
  message(FATAL_ERROR "the layer check accepted the crossing in tests/layers/${CASE}:\n${output}")
endif()
if(NOT output MATCHES "check_layers: 1 violation")
  message(FATAL_ERROR "the layer check should report exactly one violation in tests/layers/${CASE}:\n${output}")
endif()
if(NOT output MATCHES "${EXPECT}")
  message(FATAL_ERROR "the layer check's message does not match \"${EXPECT}\":\n${output}")
endif()
message(STATUS "rejected as expected:\n${output}")
