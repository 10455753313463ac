// SPDX-License-Identifier: MIT
/// @file
/// @brief A seeded random stream whose uniform, normal, gamma, chi-square and Student t draws
///        are the same with every standard library.
///
/// Why not `std::normal_distribution`: the C++ standard fixes the output of the engines
/// (`std::mt19937_64` must give 9981545732273789042 as its 10000th value) but not the
/// algorithms of the distributions, and libstdc++, libc++ and MSVC use different ones, so a
/// seeded Monte Carlo VaR would differ between a Linux and a macOS build. Here only the
/// engine comes from the standard library; every transformation is ours:
///  - uniform on the open interval (0, 1): the top 53 bits of one 64-bit draw, plus half an
///    ulp, so neither 0 nor 1 can occur;
///  - standard normal: Marsaglia's polar method (Marsaglia & Bray 1964), which needs only a
///    logarithm and a square root; pairs are produced and the second value is kept;
///  - gamma(shape, 1): Marsaglia & Tsang (2000), "A simple method for generating gamma
///    variables", ACM TOMS 26(3); for shape < 1 the boost `Gamma(a) = Gamma(a+1) U^(1/a)`;
///  - chi-square(nu) = 2 Gamma(nu/2); Student t(nu) = Z / sqrt(chi2(nu)/nu).
/// The logarithm and exponential are evaluated by `portable_log` / `portable_exp` below, from
/// additions, multiplications and divisions only (no libm), so the draws depend on IEEE-754
/// arithmetic alone. One caveat stays with the compiler: contracting `a*b + c` into a fused
/// multiply-add (GCC's default when the target has FMA, e.g. `-march=native` or AArch64)
/// changes last bits; builds with the same contraction setting give bit-identical streams.
///
/// The stream is a regular value: copy it to fork an identical stream, compare states with ==.
/// Reusable wherever the library needs reproducible simulation (Monte Carlo VaR, simulated
/// p-values of backtests, bootstrap), and by callers who want draws that reproduce across
/// platforms: `dynmargin::random_stream` is public; `portable_log` / `portable_exp` are its
/// internals (namespace `detail`).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>

namespace dynmargin::detail {

/// @brief ln(2) split into a head with trailing zero bits (so k * head is exact for |k| < 2^11)
///        and the remaining tail (Cody & Waite range reduction).
inline constexpr double ln2_head = 6.93147180369123816490e-01;
inline constexpr double ln2_tail = 1.90821492927058770002e-10;

/// @brief Natural logarithm from IEEE arithmetic only, so every platform gets the same bits.
///
/// x = m 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.172,
/// by its odd series to s^25 (truncation below 1e-19 relative); ln x = e ln 2 + ln m. Accurate to
/// about 2 ulp (checked against std::log in the tests). Non-positive or non-finite x follow
/// std::log's conventions (NaN, -inf, +inf).
[[nodiscard]] inline double portable_log(double x) noexcept {
  if (!(x > 0.0)) return x == 0.0 ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  if (x == std::numeric_limits<double>::infinity()) return x;
  // x = m 2^exponent with m in [1, 2), read from the bits (exact; std::frexp is a libm call).
  int exponent = 0;
  if (x < std::numeric_limits<double>::min()) {  // subnormal: scale into the normal range first
    x *= 18014398509481984.0;                    // 2^54, exact
    exponent = -54;
  }
  const auto bits = std::bit_cast<std::uint64_t>(x);
  exponent += static_cast<int>((bits >> 52) & 0x7ffu) - 1023;
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  if (m >= 1.41421356237309504880) {
    m *= 0.5;  // exact
    exponent += 1;
  }
  const double s = (m - 1.0) / (m + 1.0);  // m - 1 is exact (Sterbenz)
  const double s2 = s * s;
  // 2 atanh(s) = 2 s (1 + s^2/3 + s^4/5 + ... + s^24/25), as two interleaved Horner chains in
  // s^4 (even and odd powers of s^2) to halve the dependency chain.
  const double s4 = s2 * s2;
  const double even =
      ((((((1.0 / 25.0) * s4 + 1.0 / 21.0) * s4 + 1.0 / 17.0) * s4 + 1.0 / 13.0) * s4 + 1.0 / 9.0) * s4 + 1.0 / 5.0) *
          s4 +
      1.0;
  const double odd = (((((1.0 / 23.0) * s4 + 1.0 / 19.0) * s4 + 1.0 / 15.0) * s4 + 1.0 / 11.0) * s4 + 1.0 / 7.0) * s4 +
                     1.0 / 3.0;
  const double series = even + s2 * odd;
  const double log_m = 2.0 * s * series;
  const double e = static_cast<double>(exponent);
  return e * ln2_head + (log_m + e * ln2_tail);
}

/// @brief Exponential from IEEE arithmetic only (see `portable_log`).
///
/// x = k ln 2 + r with |r| <= ln(2)/2 (Cody-Waite), exp(r) by its Taylor series to r^17
/// (truncation below 1e-19 relative), then scaled by 2^k with std::ldexp (exact). Overflows
/// to +inf above 709.78 and underflows to 0 below -745.2, as std::exp.
[[nodiscard]] inline double portable_exp(double x) noexcept {
  if (x != x) return x;
  if (x > 709.782712893384) return std::numeric_limits<double>::infinity();
  if (x < -745.2) return 0.0;
  const double k = std::floor(x * 1.44269504088896340736 + 0.5);
  const double r = (x - k * ln2_head) - k * ln2_tail;
  double series = 1.0;
  for (int n = 17; n >= 1; --n) series = 1.0 + series * r / static_cast<double>(n);
  return std::ldexp(series, static_cast<int>(k));
}

}  // namespace dynmargin::detail

namespace dynmargin {

/// @brief A reproducible stream of random draws: one seed gives the same uniform, normal,
///        gamma, chi-square and Student t draws with every standard library (libstdc++,
///        libc++, MSVC), because only the engine comes from the standard library.
///
/// The one caveat is the compiler's contraction of `a*b + c` into a fused multiply-add: builds
/// with the same contraction setting give bit-identical streams (see the file comment for the
/// algorithms).
///
/// Not thread-safe (it is a value with state); give each thread its own stream, seeded
/// distinctly, and combine results in a fixed order.
class random_stream {
 public:
  using engine_type = std::mt19937_64;

  /// @brief The whole state: the engine and the cached second normal of a polar pair.
  struct state_type {
    engine_type engine{};
    double spare_normal = 0.0;
    bool has_spare = false;
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @brief Seeds the Mersenne Twister with `seed` (std::mt19937_64's one-integer seeding,
  ///        fixed by the standard).
  explicit random_stream(std::uint64_t seed = 5489u) noexcept { state_.engine.seed(seed); }

  /// @brief The next raw 64-bit output of the engine.
  [[nodiscard]] std::uint64_t next_bits() noexcept { return state_.engine(); }

  /// @brief Uniform on the open interval (0, 1), with 53 random bits.
  [[nodiscard]] double uniform() noexcept {
    constexpr double two_to_minus_53 = 1.0 / 9007199254740992.0;
    return (static_cast<double>(state_.engine() >> 11) + 0.5) * two_to_minus_53;
  }

  /// @brief Standard normal draw (Marsaglia polar method).
  [[nodiscard]] double normal() noexcept {
    if (state_.has_spare) {
      state_.has_spare = false;
      return state_.spare_normal;
    }
    double u = 0.0;
    double v = 0.0;
    double s = 0.0;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double factor = std::sqrt(-2.0 * detail::portable_log(s) / s);  // sqrt is correctly rounded by IEEE
    state_.spare_normal = v * factor;
    state_.has_spare = true;
    return u * factor;
  }

  /// @brief Fills `out` with standard normal draws, in order.
  void fill_normal(std::span<double> out) noexcept {
    for (double& x : out) x = normal();
  }

  /// @brief Gamma(shape, scale 1) draw, shape > 0 (Marsaglia-Tsang). Returns NaN for a
  ///        shape that is not positive and finite (callers validate first).
  [[nodiscard]] double gamma(double shape) noexcept {
    if (!(shape > 0.0 && shape < std::numeric_limits<double>::infinity()))
      return std::numeric_limits<double>::quiet_NaN();
    if (shape < 1.0) {
      // Gamma(a) = Gamma(a + 1) * U^(1/a) (Marsaglia & Tsang 2000, section 6).
      const double g = gamma(shape + 1.0);
      return g * detail::portable_exp(detail::portable_log(uniform()) / shape);
    }
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x = 0.0;
      double v = 0.0;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = uniform();
      const double x2 = x * x;
      if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
      if (detail::portable_log(u) < 0.5 * x2 + d * (1.0 - v + detail::portable_log(v))) return d * v;
    }
  }

  /// @brief Chi-square draw with `degrees_of_freedom` > 0: 2 Gamma(nu/2).
  [[nodiscard]] double chi_square(double degrees_of_freedom) noexcept { return 2.0 * gamma(0.5 * degrees_of_freedom); }

  /// @brief Student t draw (variance nu/(nu-2), not rescaled): Z / sqrt(chi2(nu)/nu).
  [[nodiscard]] double student_t(double degrees_of_freedom) noexcept {
    const double z = normal();
    return z / std::sqrt(chi_square(degrees_of_freedom) / degrees_of_freedom);
  }

  [[nodiscard]] const state_type& state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }
  friend bool operator==(const random_stream&, const random_stream&) = default;

 private:
  state_type state_{};
};

}  // namespace dynmargin
