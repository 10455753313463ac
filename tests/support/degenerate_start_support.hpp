// SPDX-License-Identifier: MIT
// The set-up of the tests that feed a margin function a degenerate start on purpose (a zero,
// tiny or huge first rate, or a jump of ln 20): they test the rate stage, so the EWMA quotes
// after one return and the price guard is off. Shared by margin_rate_maintenance_test.cpp and
// margin_rate_memory_test.cpp.
#pragma once

#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/price_guard.hpp"
#include "dynmargin/volatility/ewma.hpp"

namespace dmtest {

// Ready after one return (burn_in = 1, the start before the automatic burn-in), so that the
// degenerate first rate, which the burn-in keeps out of quotes, reaches the policies.
inline dynmargin::ewma_volatility one_return_ewma() {
  dynmargin::ewma_volatility_config c;
  c.lambda = dynmargin::decay_factor(0.94);
  c.burn_in = 1;
  return dynmargin::ewma_volatility(c);
}

// A margin function config with every price check off (the default guard would hold the jumps).
inline dynmargin::margin_function_config unguarded_config() {
  dynmargin::margin_function_config c;
  c.guard = dynmargin::price_guard_config::none();
  return c;
}

}  // namespace dmtest
