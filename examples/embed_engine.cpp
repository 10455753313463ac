// SPDX-License-Identifier: MIT
// Embedding the margin function in an engine loop: one update per price, one quote per check.
#include <cstdio>

#include "dynmargin/io/io.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"

int main() {
  using namespace dynmargin;
  const auto table = io::read_price_csv(DYNMARGIN_EXAMPLE_DATA_DIR "/btc_usd_1h.csv");  // oldest first
  parametric_risk_config es{};                                                          // normal ES at 99%
  es.horizon_steps = horizon(24);  // margin period of risk: one day of hourly bars
  margin_function margin(ewma_volatility(0.94), parametric_risk(es), apc_buffer_policy(0.25), floor_policy(0.02));
  for (const auto& bar : table.bars) {
    if (is_error(margin.update(bar.time, bar.close))) continue;  // suspect price: margin kept, quote flagged
    const margin_quote q = margin.quote_notional(1'000'000.0);   // a $1M long
    if (q.ready && bar.time % (30 * 86400) == 0)
      std::printf("%lld  price %9.2f  IM %6.2f%%  MM %6.2f%%  IM $%9.0f  binding %.*s\n",
                  static_cast<long long>(bar.time), bar.close, 100 * q.initial_rate, 100 * q.maintenance_rate,
                  q.initial_amount, static_cast<int>(q.binding.size()), q.binding.data());
  }
}
