// SPDX-License-Identifier: MIT
// First of two translation units that include everything: a non-inline definition in a
// header would make the link fail with a duplicate symbol.
#include "dynmargin/dynmargin.hpp"
#include "dynmargin/io/io.hpp"

double odr_a_forecast() {
  dynmargin::ewma_volatility model(0.94);
  (void)model.update(1.0);
  (void)model.update(-2.0);
  return model.variance();
}
