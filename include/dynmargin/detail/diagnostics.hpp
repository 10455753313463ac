// SPDX-License-Identifier: MIT
/// @file
/// @brief The one place that silences a compiler warning the library cannot fix in its own
///        code, as a begin/end pair of macros around the code concerned.
///
/// `DYNMARGIN_SUPPRESS_GCC_105593_BEGIN` / `DYNMARGIN_SUPPRESS_GCC_105593_END`: GCC 12 reports
/// false `-Wmaybe-uninitialized` inside Eigen's AVX-512 code under `-march=native` (GCC PR
/// 105593). A header that pulls in Eigen's dense code puts BEGIN after its `#pragma once`,
/// before its first `#include`, and END at its very end, so the warning is silenced for the
/// code it includes and defines and restored for the includer's own code. Other compilers
/// (clang defines `__GNUC__` too) see empty macros.
// IWYU pragma: private
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#define DYNMARGIN_SUPPRESS_GCC_105593_BEGIN \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
#define DYNMARGIN_SUPPRESS_GCC_105593_END _Pragma("GCC diagnostic pop")
#else
#define DYNMARGIN_SUPPRESS_GCC_105593_BEGIN
#define DYNMARGIN_SUPPRESS_GCC_105593_END
#endif
