# SPDX-License-Identifier: MIT
# Install rules: headers, the CMake package (config + version file) and a relocatable
# pkg-config file. Header-only, so everything lands in arch-independent locations.
include(CMakePackageConfigHelpers)

set(DYNMARGIN_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/dynmargin"
  CACHE STRING "Where dynmargin-config.cmake is installed, relative to the prefix")
set(DYNMARGIN_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig"
  CACHE STRING "Where dynmargin.pc is installed, relative to the prefix")

install(TARGETS dynmargin
  EXPORT dynmargin-targets
  FILE_SET HEADERS DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

install(EXPORT dynmargin-targets
  NAMESPACE dynmargin::
  FILE dynmargin-targets.cmake
  DESTINATION "${DYNMARGIN_INSTALL_CMAKEDIR}")

# The run-time engine in an export set of its own: the package loads it only when
# nlohmann_json is found (dynmargin-config.cmake), so a consumer of the core never needs it.
if(TARGET dynmargin_runtime)
  install(TARGETS dynmargin_runtime
    EXPORT dynmargin-runtime-targets
    FILE_SET HEADERS DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(EXPORT dynmargin-runtime-targets
    NAMESPACE dynmargin::
    FILE dynmargin-runtime-targets.cmake
    DESTINATION "${DYNMARGIN_INSTALL_CMAKEDIR}")
endif()

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/dynmargin-config.cmake.in"
  "${PROJECT_BINARY_DIR}/dynmargin-config.cmake"
  INSTALL_DESTINATION "${DYNMARGIN_INSTALL_CMAKEDIR}")

# Before 1.0 every minor release may break the API, so a request for 0.1 accepts 0.1.x only
# (SameMajorVersion would let 0.9 satisfy it); from 1.0 on, the same major version.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(dynmargin_version_compatibility SameMinorVersion)
else()
  set(dynmargin_version_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/dynmargin-config-version.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY ${dynmargin_version_compatibility}
  ARCH_INDEPENDENT)

install(FILES
  "${PROJECT_BINARY_DIR}/dynmargin-config.cmake"
  "${PROJECT_BINARY_DIR}/dynmargin-config-version.cmake"
  DESTINATION "${DYNMARGIN_INSTALL_CMAKEDIR}")

# pkg-config: the prefix is derived from the .pc file's own location so that the installed
# tree can be moved (relocatable). DATADIR/pkgconfig is two levels below the prefix.
# Cflags carry the include directory only: the language standard is the consumer's choice
# (pkg-config cannot express "at least C++20", and a forced -std=c++20 would override a
# consumer's -std=c++23); the Description says C++20 is needed.
file(RELATIVE_PATH dynmargin_pc_to_prefix
  "/prefix/${DYNMARGIN_INSTALL_PKGCONFIGDIR}" "/prefix")
string(REGEX REPLACE "/$" "" dynmargin_pc_to_prefix "${dynmargin_pc_to_prefix}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/dynmargin.pc.in"
  "${PROJECT_BINARY_DIR}/dynmargin.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/dynmargin.pc"
  DESTINATION "${DYNMARGIN_INSTALL_PKGCONFIGDIR}")

install(FILES "${PROJECT_SOURCE_DIR}/LICENSE"
  DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/dynmargin")
