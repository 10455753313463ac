// SPDX-License-Identifier: MIT
// Compile-time proofs for internals of dynmargin/margin/: the combine rules of the position
// policies are constexpr (static_assert only; main is in core_static.cpp).
#include "dynmargin/margin/position_common.hpp"

namespace {

using namespace dynmargin;

static_assert(detail::combine_amounts(combine_rule::floor, {1.0, 2.0}, {3.0, 1.0}) == margin_amounts{3.0, 2.0});
static_assert(detail::combine_amounts(combine_rule::add, {1.0, 2.0}, {3.0, 1.0}) == margin_amounts{4.0, 3.0});

}  // namespace
