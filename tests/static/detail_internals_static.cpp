// SPDX-License-Identifier: MIT
// Compile-time proofs for the top-level dynmargin/detail/ helpers: the ring buffer under the
// rolling volatility windows is a regular value (static_assert only; main is in core_static.cpp).
#include <concepts>

#include "dynmargin/detail/ring_buffer.hpp"

namespace {

static_assert(std::regular<dynmargin::detail::ring_buffer<double>>);

}  // namespace
