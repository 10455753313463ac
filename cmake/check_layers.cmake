# SPDX-License-Identifier: MIT
# The include-layer check: every #include in include/dynmargin/ must follow the layer table
# of docs/architecture.md. Run it as a script (ctest runs it as
# "static: include layers follow docs/architecture.md"):
#
#   cmake -P cmake/check_layers.cmake
#   cmake -DTABLE=<file.md> -DINCLUDE_DIR=<dir holding dynmargin/> -P cmake/check_layers.cmake
#
# The table is the markdown table whose header row is `| folder | holds | may include |`.
# Each row names a folder under include/dynmargin/ (`core/`, ...; `./` for the files at the
# top) and, comma separated, what its headers may include: other folders (`core/`) and the
# libraries `std`, `Boost` (<boost/...>), `Eigen` (<Eigen/...>) and `nlohmann_json`
# (<nlohmann/...>, the optional dependency of runtime/ only); any other <...> header counts as
# `std`. The rules:
#  - a folder may include its own headers;
#  - a folder's detail/ subfolder belongs to the folder: it may include what the folder may;
#  - an area's detail/ is private to the area: `risk/detail/` may be included from risk/
#    only (the top-level detail/ is a folder of its own, included by the folders that list it);
#  - every header under a detail/ folder says so with
#    `// IWYU pragma: private, include "dynmargin/<public header>"`, naming an existing
#    header outside any detail/ folder (a header of the top-level detail/ that users never
#    need, such as a macro pair, may carry the bare `// IWYU pragma: private`).
# Every violation is listed as file:line with the crossing; then the script fails.
cmake_minimum_required(VERSION 3.23)

get_filename_component(_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
if(NOT DEFINED TABLE)
  set(TABLE "${_root}/docs/architecture.md")
endif()
if(NOT DEFINED INCLUDE_DIR)
  set(INCLUDE_DIR "${_root}/include")
endif()
get_filename_component(TABLE "${TABLE}" ABSOLUTE)
get_filename_component(INCLUDE_DIR "${INCLUDE_DIR}" ABSOLUTE)
if(NOT EXISTS "${TABLE}")
  message(FATAL_ERROR "check_layers: no layer table: ${TABLE} does not exist")
endif()
if(NOT IS_DIRECTORY "${INCLUDE_DIR}/dynmargin")
  message(FATAL_ERROR "check_layers: ${INCLUDE_DIR}/dynmargin is not a directory")
endif()

# Splits text into a CMake list of its lines. `;`, `[` and `]` would split or group list
# elements, so they are replaced first (the checks never need them).
function(_split_lines text out)
  string(REPLACE ";" "<semicolon>" text "${text}")
  string(REPLACE "[" "<open>" text "${text}")
  string(REPLACE "]" "<close>" text "${text}")
  string(REPLACE "\r" "" text "${text}")
  string(REPLACE "\n" ";" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# --- the layer table --------------------------------------------------------------------------
file(READ "${TABLE}" _table_text)
_split_lines("${_table_text}" _table_lines)
set(_folders "")
set(_in_table FALSE)
foreach(_line IN LISTS _table_lines)
  if(NOT _in_table)
    if(_line MATCHES "^\\|[ \t]*folder[ \t]*\\|[ \t]*holds[ \t]*\\|[ \t]*may include[ \t]*\\|[ \t]*$")
      set(_in_table TRUE)
    endif()
    continue()
  endif()
  if(NOT _line MATCHES "^\\|")
    break()  # the first line after the table
  endif()
  if(_line MATCHES "^\\|[ \t:-]*\\|[ \t:-]*\\|[ \t:-]*\\|[ \t]*$")
    continue()  # the separator row
  endif()
  if(NOT _line MATCHES "^\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|[ \t]*$")
    message(FATAL_ERROR "check_layers: ${TABLE}: a row of the layer table does not have three cells: ${_line}")
  endif()
  set(_folder_cell "${CMAKE_MATCH_1}")
  set(_allowed_cell "${CMAKE_MATCH_3}")
  string(REPLACE "`" "" _folder "${_folder_cell}")
  string(STRIP "${_folder}" _folder)
  if(NOT _folder MATCHES "^(\\./|[a-z_]+/)$")
    message(FATAL_ERROR "check_layers: ${TABLE}: folder `${_folder}` must be written `name/` (or `./` for the top)")
  endif()
  string(REPLACE "`" "" _allowed "${_allowed_cell}")
  string(REPLACE "," ";" _allowed "${_allowed}")
  set(_entries "")
  foreach(_entry IN LISTS _allowed)
    string(STRIP "${_entry}" _entry)
    if(_entry STREQUAL "")
      continue()
    endif()
    if(NOT _entry MATCHES "^(std|Boost|Eigen|nlohmann_json|\\./|[a-z_]+/)$")
      message(FATAL_ERROR "check_layers: ${TABLE}: `${_folder}` may include `${_entry}`: "
                          "entries are folders written `name/`, or std, Boost, Eigen, nlohmann_json")
    endif()
    list(APPEND _entries "${_entry}")
  endforeach()
  list(APPEND _folders "${_folder}")
  set("_may_include_${_folder}" "${_entries}")
endforeach()
if(NOT _folders)
  message(FATAL_ERROR "check_layers: ${TABLE} has no table with the header row `| folder | holds | may include |`")
endif()

# --- every header -----------------------------------------------------------------------------
file(GLOB_RECURSE _headers RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/dynmargin/*.hpp" "${INCLUDE_DIR}/dynmargin/*.h")
list(SORT _headers)
file(RELATIVE_PATH _table_shown "${_root}" "${TABLE}")
set(_violations "")
set(_include_count 0)

# The folder a path under dynmargin/ belongs to: `core/` for core/x.hpp and core/detail/x.hpp,
# `detail/` for detail/x.hpp, `./` for x.hpp. `area_detail` is set to the area when the path is
# in an area's detail/ subfolder.
function(_folder_of path out_folder out_area_detail)
  set(area_detail "")
  if(path MATCHES "^([^/]+)/detail/")
    set(folder "${CMAKE_MATCH_1}/")
    set(area_detail "${CMAKE_MATCH_1}/")
  elseif(path MATCHES "^([^/]+)/")
    set(folder "${CMAKE_MATCH_1}/")
  else()
    set(folder "./")
  endif()
  set(${out_folder} "${folder}" PARENT_SCOPE)
  set(${out_area_detail} "${area_detail}" PARENT_SCOPE)
endfunction()

# Records a violation unless the current folder (_from) may include `dependency` (a folder or
# std/Boost/Eigen); `shown` is the include as written. A macro: it appends to _violations.
macro(_require_allowed dependency shown)
  list(FIND _allowed "${dependency}" _ok)
  if(_ok EQUAL -1)
    string(REPLACE ";" ", " _listed "${_allowed}")
    string(CONCAT _message "${_shown}:${_number}: ${_from} includes ${dependency} (${shown}), "
      "which ${_table_shown} does not allow (${_from} may include: ${_listed})")
    list(APPEND _violations "${_message}")
  endif()
endmacro()

foreach(_header IN LISTS _headers)
  file(RELATIVE_PATH _shown "${_root}" "${INCLUDE_DIR}/${_header}")
  string(REGEX REPLACE "^dynmargin/" "" _path "${_header}")
  _folder_of("${_path}" _from _from_area_detail)
  list(FIND _folders "${_from}" _known)
  if(_known EQUAL -1)
    list(APPEND _violations "${_shown}: folder ${_from} is not in the layer table of ${_table_shown}")
    continue()
  endif()
  set(_allowed "${_may_include_${_from}}")
  file(READ "${INCLUDE_DIR}/${_header}" _text)
  _split_lines("${_text}" _lines)
  set(_number 0)
  set(_private_pragma FALSE)
  foreach(_line IN LISTS _lines)
    math(EXPR _number "${_number} + 1")
    if(_line MATCHES "^[ \t]*//[ \t]*IWYU pragma: private, include \"dynmargin/([^\"]+)\"")
      set(_private_pragma TRUE)
      set(_public "${CMAKE_MATCH_1}")
      if(_public MATCHES "^detail/" OR _public MATCHES "/detail/")
        list(APPEND _violations "${_shown}:${_number}: the IWYU pragma names dynmargin/${_public}, itself internal")
      elseif(NOT EXISTS "${INCLUDE_DIR}/dynmargin/${_public}")
        list(APPEND _violations "${_shown}:${_number}: the IWYU pragma names dynmargin/${_public}, which does not exist")
      endif()
      continue()
    endif()
    # A helper of the top-level detail/ that no user ever needs (a macro pair, say) has no
    # public header to point at; the bare pragma is enough there.
    if(_path MATCHES "^detail/" AND _line MATCHES "^[ \t]*//[ \t]*IWYU pragma: private[ \t]*$")
      set(_private_pragma TRUE)
      continue()
    endif()
    if(_line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"dynmargin/([^\"]+)\"")
      math(EXPR _include_count "${_include_count} + 1")
      set(_target "${CMAKE_MATCH_1}")
      _folder_of("${_target}" _to _to_area_detail)
      if(_to_area_detail AND NOT _to_area_detail STREQUAL _from)
        string(CONCAT _message "${_shown}:${_number}: ${_from} includes ${_to_area_detail}detail/ "
          "(\"dynmargin/${_target}\"), the internals of ${_to_area_detail}: include its public headers")
        list(APPEND _violations "${_message}")
        continue()
      endif()
      if(_to STREQUAL _from)
        continue()
      endif()
      _require_allowed("${_to}" "\"dynmargin/${_target}\"")
      continue()
    endif()
    if(_line MATCHES "^[ \t]*#[ \t]*include[ \t]*<([^>]+)>")
      math(EXPR _include_count "${_include_count} + 1")
      set(_target "${CMAKE_MATCH_1}")
      if(_target MATCHES "^boost/")
        set(_library "Boost")
      elseif(_target MATCHES "^(unsupported/)?Eigen/")
        set(_library "Eigen")
      elseif(_target MATCHES "^nlohmann/")
        set(_library "nlohmann_json")
      else()
        set(_library "std")
      endif()
      _require_allowed("${_library}" "<${_target}>")
    endif()
  endforeach()
  if((_path MATCHES "^detail/" OR _path MATCHES "/detail/") AND NOT _private_pragma)
    string(CONCAT _message "${_shown}: an internal header without "
      "`// IWYU pragma: private, include \"dynmargin/<public header>\"`")
    list(APPEND _violations "${_message}")
  endif()
endforeach()

list(LENGTH _headers _header_count)
if(_violations)
  list(LENGTH _violations _violation_count)
  string(REPLACE ";" "\n  " _report "${_violations}")
  string(REPLACE "<semicolon>" ";" _report "${_report}")
  string(REPLACE "<open>" "[" _report "${_report}")
  string(REPLACE "<close>" "]" _report "${_report}")
  message(FATAL_ERROR "check_layers: ${_violation_count} violation(s) of the layer table of ${_table_shown}:\n"
                      "  ${_report}\n")
endif()
message(STATUS "check_layers: ${_include_count} includes in ${_header_count} headers follow ${_table_shown}")
