// SPDX-License-Identifier: MIT
// Internals of the top-level dynmargin/detail/, against independent references:
//  - fast_expm1 (the margin hot path's expm1) against the 64-bit-mantissa expm1l (x87 long
//    double), in ulps;
//  - the ring buffer the rolling volatility windows rest on.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "catch.hpp"
#include "dynmargin/detail/fast_expm1.hpp"
#include "dynmargin/detail/ring_buffer.hpp"

using namespace dynmargin;

namespace {

// Distance from the exact value in units in the last place of the double nearest to it.
double ulps(double got, long double exact) {
  const double nearest = static_cast<double>(exact);
  const double ulp = std::nextafter(std::abs(nearest), std::numeric_limits<double>::infinity()) - std::abs(nearest);
  return static_cast<double>(std::abs(static_cast<long double>(got) - exact) / static_cast<long double>(ulp));
}

}  // namespace

TEST_CASE("fast_expm1 is within 0.85 ulp of expm1l on the fast range", "[margin][hot_path]") {
  // The reference needs more precision than double: x87 long double (64-bit mantissa) on
  // x86-64 Linux, quad on AArch64 Linux. Where long double is double (MSVC) the bound is checked
  // against std::expm1 instead, one ulp wider.
  constexpr bool extended = std::numeric_limits<long double>::digits > 53;
  std::mt19937_64 engine(20261125);
  std::uniform_real_distribution<double> uniform(-0.35, 0.35);
  double worst = 0.0;
  for (int i = 0; i < 2'000'000; ++i) {
    // Half uniform over the range, half spread over binades down to 2^-40 (tiny losses).
    const double x = i % 2 == 0 ? uniform(engine) : std::ldexp(uniform(engine), -(i % 41));
    const long double exact = extended ? expm1l(static_cast<long double>(x)) : static_cast<long double>(std::expm1(x));
    worst = std::max(worst, ulps(detail::fast_expm1(x), exact));
  }
  CHECK(worst <= (extended ? 0.85 : 1.85));
  // Edges and special values take the library path or keep their sign.
  CHECK(detail::fast_expm1(0.35) == detail::fast_expm1(0.35));
  CHECK(detail::fast_expm1(0.36) == std::expm1(0.36));
  CHECK(detail::fast_expm1(-3.0) == std::expm1(-3.0));
  CHECK(detail::fast_expm1(800.0) == std::numeric_limits<double>::infinity());
  CHECK(detail::fast_expm1(-std::numeric_limits<double>::infinity()) == -1.0);
  CHECK(std::isnan(detail::fast_expm1(std::numeric_limits<double>::quiet_NaN())));
  CHECK(detail::fast_expm1(0.0) == 0.0);
  CHECK_FALSE(std::signbit(detail::fast_expm1(0.0)));
  CHECK(std::signbit(detail::fast_expm1(-0.0)));
  CHECK(detail::fast_expm1(1e-300) == 1e-300);
  CHECK(detail::fast_expm1(std::numeric_limits<double>::denorm_min()) == std::numeric_limits<double>::denorm_min());
}

TEST_CASE("ring buffer: push, pop at both ends, eviction and equality", "[volatility][rolling][ring_buffer]") {
  detail::ring_buffer<int> ring(3);
  CHECK(ring.capacity() == 3);
  CHECK(ring.empty());
  CHECK(ring.push_back(1));
  CHECK(ring.push_back(2));
  CHECK(ring.push_back(3));
  CHECK(ring.full());
  CHECK_FALSE(ring.push_back(4));  // full: refused, unchanged
  CHECK((ring.front() == 1 && ring.back() == 3 && ring[1] == 2));
  int evicted = 0;
  CHECK(ring.push_back_evict(4, evicted));
  CHECK(evicted == 1);
  CHECK((ring[0] == 2 && ring[1] == 3 && ring[2] == 4));
  ring.pop_back();
  ring.pop_front();
  CHECK((ring.size() == 1 && ring.front() == 3 && ring.back() == 3));
  CHECK(ring.push_back(5));
  CHECK(ring.push_back(6));  // wraps around the storage
  CHECK((ring[0] == 3 && ring[1] == 5 && ring[2] == 6));

  // Equality is by logical contents, whatever the physical layout.
  detail::ring_buffer<int> other(3);
  (void)other.push_back(3);
  (void)other.push_back(5);
  (void)other.push_back(6);
  CHECK(ring == other);
  other.pop_back();
  CHECK_FALSE(ring == other);
  CHECK_FALSE(detail::ring_buffer<int>(4) == detail::ring_buffer<int>(3));
  ring.clear();
  CHECK(ring.empty());
  CHECK(ring.capacity() == 3);
}
