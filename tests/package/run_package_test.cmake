# SPDX-License-Identifier: MIT
# Script mode (cmake -P): installs dynmargin into a temporary prefix, then builds and runs
#  1. a consumer that uses find_package(dynmargin MAJOR.MINOR CONFIG REQUIRED), after checking
#     which version requests the installed version file accepts (before 1.0 only the same
#     minor version: a request for 0.1 must not take 0.2) and that a consumer asking for
#     another minor version fails to configure,
#  2. a consumer compiled with the flags pkg-config gives for the installed dynmargin.pc plus
#     its own -std=c++20 (the .pc file does not impose a standard), after moving the prefix to
#     prove the .pc file is relocatable,
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

# 1. find_package consumer. First the version file, evaluated as find_package() does for a
# plain (non-range) request.
set(version_file "${prefix}/share/cmake/dynmargin/dynmargin-config-version.cmake")
function(version_accepts request out)
  string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _ "${request}")
  set(PACKAGE_FIND_VERSION "${request}")
  set(PACKAGE_FIND_VERSION_MAJOR "${CMAKE_MATCH_1}")
  set(PACKAGE_FIND_VERSION_MINOR "${CMAKE_MATCH_2}")
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
  include("${version_file}")
  set(${out} ${PACKAGE_VERSION_COMPATIBLE} PARENT_SCOPE)
  set(installed_version "${PACKAGE_VERSION}" PARENT_SCOPE)
endfunction()
version_accepts(0.0 ignored)  # any request: this reads the installed PACKAGE_VERSION
if(NOT installed_version MATCHES "^([0-9]+)\\.([0-9]+)\\.")
  message(FATAL_ERROR "${version_file} sets PACKAGE_VERSION '${installed_version}'")
endif()
set(major ${CMAKE_MATCH_1})
set(minor ${CMAKE_MATCH_2})
math(EXPR next_minor "${minor} + 1")
set(accepted "${major}.${minor}" "${major}.${minor}.0" "${installed_version}")
set(refused "${major}.${next_minor}" "${installed_version}.1")
if(major EQUAL 0)
  # The fault SameMajorVersion had at 0.x: 0.<minor> satisfied a request for an older 0.y.
  if(minor GREATER 0)
    math(EXPR previous_minor "${minor} - 1")
    list(APPEND refused "0.${previous_minor}")
  endif()
  list(APPEND refused "1.0")
else()
  math(EXPR next_major "${major} + 1")
  list(APPEND accepted "${major}.0")
  list(APPEND refused "${next_major}.0")
endif()
foreach(request IN LISTS accepted refused)
  version_accepts(${request} ok)
  if(request IN_LIST accepted AND NOT ok)
    message(FATAL_ERROR "dynmargin ${installed_version} refuses find_package(dynmargin ${request})")
  elseif(request IN_LIST refused AND ok)
    message(FATAL_ERROR "dynmargin ${installed_version} accepts find_package(dynmargin ${request})")
  endif()
endforeach()
list(REMOVE_DUPLICATES accepted)
list(JOIN accepted ", " accepted_text)
list(JOIN refused ", " refused_text)
message(STATUS "version file: ${installed_version} accepts ${accepted_text}; refuses ${refused_text}")

# A real consumer asking for the next minor version must fail to configure.
execute_process(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/package/find_package_consumer"
    -B "${WORK_DIR}/fp-wrong-version" ${common} -DCMAKE_PREFIX_PATH=${prefix}
    -DDYNMARGIN_REQUESTED_VERSION=${major}.${next_minor}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "compatible with requested version")
  message(FATAL_ERROR "find_package(dynmargin ${major}.${next_minor}) did not fail against ${installed_version}:\n${out}\n${err}")
endif()

run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/package/find_package_consumer" -B "${WORK_DIR}/fp" ${common}
    -DCMAKE_PREFIX_PATH=${prefix} -DDYNMARGIN_REQUESTED_VERSION=${major}.${minor})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/fp")
run("${WORK_DIR}/fp/consumer")
message(STATUS "find_package consumer: ${last_output}")
run("${WORK_DIR}/fp/runtime_consumer")
message(STATUS "find_package runtime consumer: ${last_output}")
foreach(f include/dynmargin/runtime/config_reader.hpp share/cmake/dynmargin/dynmargin-runtime-targets.cmake)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install is missing ${f}")
  endif()
endforeach()

# 2. pkg-config consumer, after moving the prefix elsewhere.
find_program(PKG_CONFIG_EXECUTABLE NAMES pkg-config pkgconf REQUIRED)
set(moved "${WORK_DIR}/moved-prefix")
file(RENAME "${prefix}" "${moved}")
set(ENV{PKG_CONFIG_PATH} "${moved}/share/pkgconfig")
run(${PKG_CONFIG_EXECUTABLE} --modversion dynmargin)
string(STRIP "${last_output}" pc_version)
run(${PKG_CONFIG_EXECUTABLE} --cflags dynmargin)
string(STRIP "${last_output}" pc_cflags)
if(pc_cflags MATCHES "-std=")
  message(FATAL_ERROR "dynmargin.pc imposes a language standard on consumers: '${pc_cflags}'")
endif()
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
# The consumer chooses its standard (the .pc Description says C++20 or later).
run(${CXX_COMPILER} -std=c++20 ${pc_cflag_list} "${SOURCE_DIR}/tests/package/consumer_main.cpp" -o "${WORK_DIR}/pc-consumer")
run("${WORK_DIR}/pc-consumer")
message(STATUS "pkg-config consumer (dynmargin ${pc_version}): ${last_output}")

# 3. add_subdirectory consumer.
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/package/subdirectory_consumer" -B "${WORK_DIR}/sub" ${common}
    -DDYNMARGIN_SOURCE_DIR=${SOURCE_DIR})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/sub")
run("${WORK_DIR}/sub/consumer")
message(STATUS "add_subdirectory consumer: ${last_output}")
