// SPDX-License-Identifier: MIT
// Internals of dynmargin/core/random.hpp: the engine of the public random_stream against the
// value the C++ standard fixes, and the libm-free portable_log / portable_exp its draws rest
// on against libm (the samplers' moments are tested through the public API in risk_mc_test.cpp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "catch.hpp"
#include "dynmargin/core/random.hpp"

using namespace dynmargin;

TEST_CASE("The engine is the standard's mt19937_64 and our log/exp match libm", "[risk][mc][random]") {
  // [rand.predef]: the 10000th consecutive invocation of a default-constructed mt19937_64
  // produces 9981545732273789042; random_stream's default seed is the same 5489.
  random_stream rng;
  std::uint64_t value = 0;
  for (int i = 0; i < 10000; ++i) value = rng.next_bits();
  CHECK(value == 9981545732273789042ULL);
  // portable_log / portable_exp within 2 ulp of glibc (which is accurate to < 1 ulp): |rel| < 4.5e-16.
  double worst_log = 0.0;
  double worst_exp = 0.0;
  random_stream draw(1);
  for (int i = 0; i < 200000; ++i) {
    const double x = std::ldexp(draw.uniform() + 0.5, static_cast<int>(draw.next_bits() % 1200) - 600);
    worst_log = std::max(worst_log, std::abs(detail::portable_log(x) - std::log(x)) / std::abs(std::log(x)));
    const double y = (draw.uniform() - 0.5) * 1400.0;
    worst_exp = std::max(worst_exp, std::abs(detail::portable_exp(y) - std::exp(y)) / std::exp(y));
  }
  for (const double x : {0.5, 0.999999, 1.0000001, 2.0, 3.0, 1e-300, 1e300}) {
    if (x == 1.0) continue;
    worst_log = std::max(worst_log, std::abs(detail::portable_log(x) - std::log(x)) / std::abs(std::log(x)));
  }
  CHECK(worst_log < 4.5e-16);
  CHECK(worst_exp < 4.5e-16);
  CHECK(detail::portable_log(1.0) == 0.0);
  CHECK(detail::portable_exp(0.0) == 1.0);
  CHECK(std::isnan(detail::portable_log(-1.0)));
  CHECK(detail::portable_exp(800.0) == std::numeric_limits<double>::infinity());
}
