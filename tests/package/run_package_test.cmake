# SPDX-License-Identifier: MIT
# Script mode (cmake -P): installs dynmargin into a temporary prefix, then builds and runs
#  1. a consumer that uses find_package(dynmargin CONFIG REQUIRED),
#  2. a consumer compiled with the flags pkg-config gives for the installed dynmargin.pc,
#     after moving the prefix to prove the .pc file is relocatable,
#  3. a consumer that uses add_subdirectory() on the source tree.
foreach(var SOURCE_DIR WORK_DIR CXX_COMPILER GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_package_test.cmake: ${var} must be set")
  endif()
endforeach()

cmake_minimum_required(VERSION 3.23)
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
set(common -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release)

# Install the package (no tests, examples or benchmarks: a packager's build).
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" ${common}
    -DDYNMARGIN_BUILD_TESTS=OFF -DDYNMARGIN_BUILD_EXAMPLES=OFF -DDYNMARGIN_BUILD_BENCHMARKS=OFF
    -DCMAKE_INSTALL_PREFIX=${prefix})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run(${CMAKE_COMMAND} --install "${WORK_DIR}/build")
foreach(f include/dynmargin/dynmargin.hpp include/dynmargin/version.hpp
          share/cmake/dynmargin/dynmargin-config.cmake share/cmake/dynmargin/dynmargin-config-version.cmake
          share/pkgconfig/dynmargin.pc)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install is missing ${f}")
  endif()
endforeach()

# 1. find_package consumer.
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/package/find_package_consumer" -B "${WORK_DIR}/fp" ${common}
    -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/fp")
run("${WORK_DIR}/fp/consumer")
message(STATUS "find_package consumer: ${last_output}")

# 2. pkg-config consumer, after moving the prefix elsewhere.
find_program(PKG_CONFIG_EXECUTABLE NAMES pkg-config pkgconf REQUIRED)
set(moved "${WORK_DIR}/moved-prefix")
file(RENAME "${prefix}" "${moved}")
set(ENV{PKG_CONFIG_PATH} "${moved}/share/pkgconfig")
run(${PKG_CONFIG_EXECUTABLE} --modversion dynmargin)
string(STRIP "${last_output}" pc_version)
run(${PKG_CONFIG_EXECUTABLE} --cflags dynmargin)
string(STRIP "${last_output}" pc_cflags)
separate_arguments(pc_cflag_list UNIX_COMMAND "${pc_cflags}")
set(pc_include_dir "")
foreach(flag IN LISTS pc_cflag_list)
  if(flag MATCHES "^-I(.*)$")
    set(dir "${CMAKE_MATCH_1}")
    if(EXISTS "${dir}/dynmargin/version.hpp")
      file(REAL_PATH "${dir}" pc_include_dir)
    endif()
  endif()
endforeach()
file(REAL_PATH "${moved}/include" moved_include)
if(NOT pc_include_dir STREQUAL moved_include)
  message(FATAL_ERROR "dynmargin.pc is not relocatable: cflags '${pc_cflags}' do not point into the moved prefix")
endif()
run(${CXX_COMPILER} ${pc_cflag_list} "${SOURCE_DIR}/tests/package/consumer_main.cpp" -o "${WORK_DIR}/pc-consumer")
run("${WORK_DIR}/pc-consumer")
message(STATUS "pkg-config consumer (dynmargin ${pc_version}): ${last_output}")

# 3. add_subdirectory consumer.
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/package/subdirectory_consumer" -B "${WORK_DIR}/sub" ${common}
    -DDYNMARGIN_SOURCE_DIR=${SOURCE_DIR})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/sub")
run("${WORK_DIR}/sub/consumer")
message(STATUS "add_subdirectory consumer: ${last_output}")
