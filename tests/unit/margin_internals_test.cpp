// SPDX-License-Identifier: MIT
// Internals of dynmargin/margin/ (margin/detail/rolling_window.hpp), against brute force:
//  - the rolling maximum (de-amortised van Herk / Gil-Werman blocks) against a brute-force
//    maximum over the window, for every window size that changes the block layout, on
//    random, monotone, constant and real (BTC hourly volatility) series;
//  - the rolling mean against a fresh extended-precision mean.
// The margin function's use of them is tested through the public API in margin_hot_path_test.cpp.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/detail/rolling_window.hpp"
#include "test_data.hpp"

using namespace dynmargin;

TEST_CASE("rolling maximum equals the brute-force maximum over its window", "[margin][hot_path]") {
  const auto returns = dmtest::reference_returns_as_fractions("returns_btc_usd_1h.csv");
  // Real volatility: an EWMA(0.94) of BTC hourly, smooth and with long rising and falling runs.
  std::vector<double> sigma;
  double variance = returns[0] * returns[0];
  for (double r : returns) {
    variance = 0.94 * variance + 0.06 * r * r;
    sigma.push_back(std::sqrt(variance));
  }
  std::mt19937_64 engine(7);
  std::normal_distribution<double> normal;
  const std::size_t n = 6000;
  auto series = [&](int kind) {
    std::vector<double> x(n);
    for (std::size_t t = 0; t < n; ++t) {
      const double ts = static_cast<double>(t);
      switch (kind) {
        case 0: x[t] = normal(engine); break;
        case 1: x[t] = -ts; break;                  // falling: every value stays in the window
        case 2: x[t] = ts; break;                   // rising: the newest is always the maximum
        case 3: x[t] = 1.0; break;                  // ties
        case 4: x[t] = std::sin(ts * 0.01); break;  // long runs both ways
        default: x[t] = sigma[t * 5]; break;        // BTC hourly volatility, every 5th hour
      }
    }
    return x;
  };
  std::size_t mismatches = 0;
  // Windows 0 (whole history) and 1 have no blocks; 2 and 3 one-value blocks; odd and even
  // windows give the two layouts (W = 2B and W = 2B + 1); 250 and 2001 span many blocks.
  for (std::size_t window : {0u, 1u, 2u, 3u, 4u, 5u, 8u, 9u, 24u, 250u, 2001u}) {
    for (int kind = 0; kind < 6; ++kind) {
      const auto x = series(kind);
      detail::rolling_maximum maximum(window);
      CHECK(maximum.value() == 0.0);
      for (std::size_t t = 0; t < x.size(); ++t) {
        maximum.push(x[t]);
        const std::size_t first = window == 0 || t + 1 <= window ? 0 : t + 1 - window;
        const double expected = *std::max_element(x.begin() + static_cast<std::ptrdiff_t>(first),
                                                  x.begin() + static_cast<std::ptrdiff_t>(t + 1));
        if (maximum.value() != expected) ++mismatches;
      }
      CHECK(maximum.pushes() == static_cast<std::int64_t>(x.size()));
    }
  }
  CHECK(mismatches == 0);

  // A copy taken mid-stream continues exactly like the original (state is a value).
  detail::rolling_maximum original(250);
  for (std::size_t t = 0; t < 1000; ++t) original.push(sigma[t]);
  detail::rolling_maximum copy = original;
  CHECK(copy == original);
  for (std::size_t t = 1000; t < 3000; ++t) {
    original.push(sigma[t]);
    copy.push(sigma[t]);
    REQUIRE(copy.value() == original.value());
  }
}

TEST_CASE("rolling mean equals a fresh extended-precision mean to 1e-15", "[margin][hot_path]") {
  const auto returns = dmtest::reference_returns_as_fractions("returns_btc_usd_1h.csv");
  for (std::size_t window : {0u, 1u, 7u, 24u}) {
    detail::rolling_mean mean(window);
    double worst = 0.0;
    for (std::size_t t = 0; t < 5000; ++t) {
      const double square = returns[t] * returns[t];
      mean.push(square);
      const std::size_t first = window == 0 || t + 1 <= window ? 0 : t + 1 - window;
      long double sum = 0.0L;  // a fresh sum in extended precision where long double has it
      for (std::size_t k = first; k <= t; ++k) sum += static_cast<long double>(returns[k] * returns[k]);
      const double expected = static_cast<double>(sum / static_cast<long double>(t + 1 - first));
      // A flat hour (return 0) with window 1 gives a mean of 0: compare absolutely there.
      worst = std::max(worst, std::abs(mean.value() - expected) / (expected > 0.0 ? expected : 1.0));
    }
    CAPTURE(window);
    INFO("worst " << worst);
    // 1e-15 is 4.5 ulp; where long double is double the reference itself is off by ~n ulp.
    CHECK(worst <= (std::numeric_limits<long double>::digits > 53 ? 1e-15 : 1e-12));
  }
}

TEST_CASE("ring replaces its newest value in place, across the wrap", "[margin][hot_path]") {
  // Capacity 3: push 1..5 replacing each newest value by 10x; a brute-force vector of the
  // last three gives ago(0..2) after every step.
  detail::margin_ring ring(3);
  ring.replace_newest(7.0);  // empty: nothing to replace
  CHECK(ring.size() == 0);
  std::vector<double> all;
  for (int i = 1; i <= 5; ++i) {
    ring.push(static_cast<double>(i));
    ring.replace_newest(10.0 * i);
    all.push_back(10.0 * i);
    for (std::size_t k = 0; k < ring.size(); ++k) CHECK(ring.ago(k) == all[all.size() - 1 - k]);
  }
  CHECK(ring.full());
  CHECK(ring.ago(2) == 30.0);
}
