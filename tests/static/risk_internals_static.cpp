// SPDX-License-Identifier: MIT
// Compile-time proofs for internals of dynmargin/risk/: the GPD series coefficients are the
// ones derived in evt.hpp (static_assert only; main is in core_static.cpp).
#include "dynmargin/risk/evt.hpp"

namespace {

using namespace dynmargin;

// h(a) = 1/2 - 2a/3 + 3a^2/4 - ..., h'(a) = -2/3 + 3a/2 - 12a^2/5 + ...
static_assert(detail::gpd_h_series[0] == 0.5);
static_assert(detail::gpd_h_series[1] == -2.0 / 3.0);
static_assert(detail::gpd_h_series[2] == 0.75);
static_assert(detail::gpd_h_prime_series[0] == -2.0 / 3.0);
static_assert(detail::gpd_h_prime_series[1] == 1.5);
static_assert(detail::gpd_h_prime_series[2] == -12.0 / 5.0);

}  // namespace
