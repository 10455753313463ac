// SPDX-License-Identifier: MIT
// Conan test_package: the packaged headers compile, link and compute a known value.
#include <cstdio>

#include <dynmargin/dynmargin.hpp>

int main() {
  dynmargin::ewma_volatility model(0.94);
  (void)model.update(0.02);
  (void)model.update(-0.01);
  // 0.94 * 0.02^2 + 0.06 * 0.01^2 = 3.82e-4
  const double v = model.variance();
  const bool ok = v > 3.8199e-4 && v < 3.8201e-4;
  std::printf("dynmargin %s test_package: EWMA variance %.6g (%s)\n", dynmargin::version_string, v,
              ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
