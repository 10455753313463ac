// SPDX-License-Identifier: MIT
/// @file
/// @brief dynmargin's version, for compile-time checks and for `dynmargin --version`.
#pragma once

#define DYNMARGIN_VERSION_MAJOR 0
#define DYNMARGIN_VERSION_MINOR 1
#define DYNMARGIN_VERSION_PATCH 0
/// Single number for comparisons: MAJOR * 10000 + MINOR * 100 + PATCH.
#define DYNMARGIN_VERSION (DYNMARGIN_VERSION_MAJOR * 10000 + DYNMARGIN_VERSION_MINOR * 100 + DYNMARGIN_VERSION_PATCH)

namespace dynmargin {
/// @brief The version as text, "MAJOR.MINOR.PATCH".
inline constexpr const char* version_string = "0.1.0";
}  // namespace dynmargin
