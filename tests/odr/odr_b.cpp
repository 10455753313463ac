// SPDX-License-Identifier: MIT
// Second translation unit; see odr_a.cpp.
#include "dynmargin/dynmargin.hpp"
#include "dynmargin/io/io.hpp"

double odr_b_forecast() {
  dynmargin::ewma_volatility model(0.94);
  (void)model.update(1.0);
  (void)model.update(-2.0);
  return model.variance();
}
