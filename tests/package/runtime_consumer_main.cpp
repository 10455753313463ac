// SPDX-License-Identifier: MIT
// A downstream program of the installed run-time engine (find_package(dynmargin COMPONENTS
// runtime), target dynmargin::runtime): a margin function from a JSON config, fed prices.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <cmath>
#include <cstdio>

#include <dynmargin/runtime/config_reader.hpp>

int main() {
  const auto config = nlohmann::json::parse(R"({
    "volatility": {"model": "ewma", "lambda": 0.94},
    "risk": {"method": "parametric", "confidence": 0.99},
    "policies": [{"type": "floor", "rate": 0.05}]
  })");
  auto engine = dynmargin::build_margin_engine(config);
  double price = 100.0;
  for (int t = 1; t <= 200; ++t) {  // beyond the EWMA burn-in (75 returns at 0.94)
    price *= (t % 2 == 0) ? 1.01 : 0.99;
    if (engine.function.update(dynmargin::timestamp{86400 * t}, price) != dynmargin::status::ok) return 1;
  }
  const auto q = engine.function.quote_notional(1.0);
  // Daily moves of 1%: the 99% ES is about 2.7%, below the 5% floor, which binds.
  if (!q.ready || q.initial_rate != 0.05 || engine.binding(q) != "0_floor") {
    std::printf("runtime consumer: expected the 5%% floor to bind, got %.17g (%s)\n", q.initial_rate,
                engine.binding(q).c_str());
    return 1;
  }
  std::printf("runtime consumer: dynmargin::runtime works, initial rate %.4g bound by %s\n", q.initial_rate,
              engine.binding(q).c_str());
  return 0;
}
