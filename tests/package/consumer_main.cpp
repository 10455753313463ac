// SPDX-License-Identifier: MIT
// A downstream program: uses the installed (or add_subdirectory'd) package like a user would.
#include <cstdio>

#include <dynmargin/dynmargin.hpp>
#include <dynmargin/version.hpp>

static_assert(DYNMARGIN_VERSION_MAJOR >= 0);

int main() {
  dynmargin::ewma_volatility model(0.94);
  const double returns[] = {0.01, -0.03, 0.02};
  for (double r : returns) {
    if (model.update(r) != dynmargin::status::ok) return 1;
  }
  // 0.94 * (0.94 * 1e-4 + 0.06 * 9e-4) + 0.06 * 4e-4 = 1.6312e-4
  const double expected = 0.94 * (0.94 * 1e-4 + 0.06 * 9e-4) + 0.06 * 4e-4;
  const double got = model.variance();
  if (got < expected * (1 - 1e-12) || got > expected * (1 + 1e-12)) {
    std::printf("consumer: wrong variance %.17g, expected %.17g\n", got, expected);
    return 1;
  }
  std::printf("consumer: dynmargin %s works, EWMA variance %.6g\n", dynmargin::version_string, got);
  return 0;
}
