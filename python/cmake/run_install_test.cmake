# SPDX-License-Identifier: MIT
# ctest: installs the python component of BUILD_DIR into a fresh temporary prefix outside the
# build tree, then imports the installed package with PYTHON from a directory outside both trees
# (PYTHONPATH = <prefix>/INSTALL_DIR only) and checks that it is the installed copy that runs.
foreach(variable BUILD_DIR PYTHON INSTALL_DIR)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "run_install_test.cmake: -D${variable}=... is required")
  endif()
endforeach()

if(DEFINED ENV{TMPDIR} AND IS_DIRECTORY "$ENV{TMPDIR}")
  set(temporary_root "$ENV{TMPDIR}")
else()
  set(temporary_root "/tmp")
endif()
string(RANDOM LENGTH 12 suffix)
set(prefix "${temporary_root}/dynmargin-python-install-${suffix}")
file(REMOVE_RECURSE "${prefix}")
file(MAKE_DIRECTORY "${prefix}/elsewhere")

set(config_argument "")
if(DEFINED CONFIG AND NOT CONFIG STREQUAL "")
  set(config_argument --config "${CONFIG}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" --component python ${config_argument}
  RESULT_VARIABLE install_result)
if(NOT install_result EQUAL 0)
  file(REMOVE_RECURSE "${prefix}")
  message(FATAL_ERROR "cmake --install of the python component failed (${install_result})")
endif()

if(IS_ABSOLUTE "${INSTALL_DIR}")
  set(site "${INSTALL_DIR}")
else()
  set(site "${prefix}/${INSTALL_DIR}")
endif()
# The check: the package loads from the prefix, its kernel works, and nothing comes from the
# build tree or the source tree.
set(script [=[
import os, sys
import numpy as np
import dynmargin
site = os.path.realpath(sys.argv[1])
where = os.path.realpath(dynmargin.__file__)
kernel = os.path.realpath(dynmargin._core.__file__)
assert where.startswith(site + os.sep), f"dynmargin imported from {where}, not from {site}"
assert kernel.startswith(site + os.sep), f"dynmargin._core imported from {kernel}, not from {site}"
v = dynmargin.ewma_variance(np.array([1.0, 2.0, 3.0]), lam=0.5)
assert v.tolist() == [1.0, 1.0, 2.5], v
print("installed dynmargin", dynmargin.__version__, "imported from", where)
]=])
file(WRITE "${prefix}/elsewhere/check_import.py" "${script}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env --unset=PYTHONHOME "PYTHONPATH=${site}" PYTHONDONTWRITEBYTECODE=1
          "${PYTHON}" -s "${prefix}/elsewhere/check_import.py" "${site}"
  WORKING_DIRECTORY "${prefix}/elsewhere"
  RESULT_VARIABLE import_result)
file(REMOVE_RECURSE "${prefix}")
if(NOT import_result EQUAL 0)
  message(FATAL_ERROR "the installed package did not import from ${site} (${import_result})")
endif()
