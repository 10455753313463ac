// SPDX-License-Identifier: MIT
// margin_function: update and quote allocate nothing after construction. This file replaces
// the global operator new of the test program with a counting one (malloc underneath), so it
// holds nothing else.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#include "catch.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/margin/tiers.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

// Allocation counting: the replaceable global operator new counts while `counting` is set.
namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

// Every non-aligned form is replaced, all on malloc/free, so that allocations and
// deallocations always pair (AddressSanitizer checks alloc-dealloc matching). The aligned
// forms are left to the runtime: they pair among themselves.
namespace {
void* counted_allocation(std::size_t size) noexcept {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
}  // namespace

void* operator new(std::size_t size) {
  if (void* p = counted_allocation(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = counted_allocation(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_allocation(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_allocation(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

TEST_CASE("update and quote do not allocate after construction", "[margin][function]") {
  // BTC/USD hourly prices rebuilt from the reference returns.
  const auto r = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
  std::vector<double> prices{100.0};
  for (double x : r) prices.push_back(prices.back() * std::exp(x / 100.0));
  parametric_risk_config risk;
  risk.horizon_steps = horizon(24);
  margin_function fn(ewma_volatility(0.94), parametric_risk(risk), stressed_weight_policy(0.25, 1000),
                     lookback_floor_policy(5000), apc_buffer_policy(0.25), speed_limit_policy(0.5, 24),
                     release_limit_policy(0.2, 24), floor_policy(0.02),
                     deribit_size_addon_policy(deribit_size_addon_policy_config{}));
  allocations = 0;
  counting = true;
  double total = 0.0;
  for (std::size_t i = 0; i < 10000; ++i) {
    (void)fn.update(static_cast<timestamp>(i) * 3600, prices[i]);
    total += fn.quote(1.0).initial_amount;
  }
  counting = false;
  CHECK(allocations.load() == 0);
  CHECK(total > 0.0);
}

TEST_CASE("the dynamic chain does not allocate either", "[margin][function]") {
  const auto r = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
  std::vector<double> prices{100.0};
  for (double x : r) prices.push_back(prices.back() * std::exp(x / 100.0));
  dynamic_policy_chain chain;
  chain.add(stressed_weight_policy(0.25, 1000)).add(apc_buffer_policy(0.25)).add(speed_limit_policy(0.5, 24));
  chain.add(floor_policy(0.02))
      .add(size_tiers_policy(std::vector<tier_bracket>{{50000.0, 125.0, 0.004}, {1e300, 100.0, 0.005}}));
  margin_function fn(ewma_volatility(0.94), parametric_risk(), std::move(chain));
  allocations = 0;
  counting = true;
  double total = 0.0;
  for (std::size_t i = 0; i < 10000; ++i) {
    (void)fn.update(static_cast<timestamp>(i) * 3600, prices[i]);
    total += fn.quote_notional(60000.0).initial_amount;
  }
  counting = false;
  CHECK(allocations.load() == 0);
  CHECK(total > 0.0);
}
