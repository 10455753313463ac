// SPDX-License-Identifier: MIT
// One header for both Catch2 majors: vcpkg and Conan ship v3, Debian 12 ships 2.13 only.
// Tests include this and use only macros and matchers that exist in both.
#pragma once

#include <string>

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#define DYNMARGIN_CATCH2_MAJOR 3
#else
#include <catch2/catch.hpp>
#define DYNMARGIN_CATCH2_MAJOR 2
#endif

namespace dmtest {
/// Matcher for "the exception message contains `text`" in both Catch2 majors.
inline auto contains(const std::string& text) {
#if DYNMARGIN_CATCH2_MAJOR == 3
  return Catch::Matchers::ContainsSubstring(text);
#else
  return Catch::Matchers::Contains(text);
#endif
}
/// |actual - expected| <= tol * |expected|.
inline auto within_rel(double expected, double tol) { return Catch::Matchers::WithinRel(expected, tol); }
inline auto within_abs(double expected, double tol) { return Catch::Matchers::WithinAbs(expected, tol); }
}  // namespace dmtest
