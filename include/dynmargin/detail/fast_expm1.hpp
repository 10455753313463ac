// SPDX-License-Identifier: MIT
/// @file
/// @brief exp(x) - 1 with a short dependency chain, for the margin hot path (internal).
///
/// Why: every price update turns a log loss L into a rate of notional, exp(L) - 1, once for
/// the raw rate and once more in each policy that rescales a loss (stressed weighting). glibc's
/// `expm1` (fdlibm's algorithm: a rational approximation with a division) has about 40 cycles
/// of latency, and on the margin path that latency sits on the critical chain of every tick.
///
/// How: on |x| <= 0.35 (rates from -30% to +42%, where margin rates live) the Taylor series
/// expm1(x) = x + x^2/2 + x^3 s(x), s(x) = sum_{k>=3} x^(k-3) / k!, cut after x^13 (the first
/// term left out is below 0.07 ulp of the result), with s evaluated by Estrin's scheme (a chain
/// 4 multiply-adds deep instead of Horner's 10). The correction x (x/2 + x^2 s) is at most a
/// fifth of the result, so the only rounding of the result's size is the last addition.
/// Plain multiplies and adds: no dependence on hardware FMA (a software std::fma would be
/// slower than std::expm1), and contracting them into FMAs (-ffp-contract) only tightens the
/// bound. Outside that range, for NaN and for infinities, `std::expm1` is called.
///
/// Accuracy: at most 0.83 ulp from the exact value over 2e7 points of the fast range without
/// FMA contraction, 0.71 ulp with it (measured against the 64-bit-mantissa `expm1l`; glibc's
/// own `expm1` measured 0.84 ulp on the same points). tests/unit/detail_internals_test.cpp
/// checks 0.85 ulp.
// IWYU pragma: private, include "dynmargin/margin/margin_function.hpp"
#pragma once

#include <cmath>

namespace dynmargin::detail {

/// @brief exp(x) - 1, within 0.85 ulp on the fast range, std::expm1 elsewhere (see the file comment).
[[nodiscard]] inline double fast_expm1(double x) noexcept {
  // The negated comparison sends NaN to the library call too.
  if (!(std::abs(x) <= 0.35)) return std::expm1(x);
  constexpr double c3 = 1.0 / 6.0;
  constexpr double c4 = 1.0 / 24.0;
  constexpr double c5 = 1.0 / 120.0;
  constexpr double c6 = 1.0 / 720.0;
  constexpr double c7 = 1.0 / 5040.0;
  constexpr double c8 = 1.0 / 40320.0;
  constexpr double c9 = 1.0 / 362880.0;
  constexpr double c10 = 1.0 / 3628800.0;
  constexpr double c11 = 1.0 / 39916800.0;
  constexpr double c12 = 1.0 / 479001600.0;
  constexpr double c13 = 1.0 / 6227020800.0;
  const double x2 = x * x;
  const double x4 = x2 * x2;
  const double x8 = x4 * x4;
  const double s34 = c3 + c4 * x;
  const double s56 = c5 + c6 * x;
  const double s78 = c7 + c8 * x;
  const double s910 = c9 + c10 * x;
  const double s1112 = c11 + c12 * x;
  const double s = (s34 + x2 * s56) + x4 * (s78 + x2 * s910) + x8 * (s1112 + x2 * c13);
  // x * (x/2 + x^2 s) rather than x^2/2 + x^3 s: the same accuracy, and -0 stays -0.
  return x + x * (0.5 * x + x2 * s);
}

}  // namespace dynmargin::detail
