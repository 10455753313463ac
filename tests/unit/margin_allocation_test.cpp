// SPDX-License-Identifier: MIT
// Hot paths allocate nothing after construction: margin_function's update and quote, the EWMA
// covariance's and the DCC correlation's updates, and one account re-margined after a trade. This file replaces the
// global operator new of the test program with a counting one (malloc underneath), so it holds only these allocation
// checks.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <array>
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
#include "dynmargin/portfolio/covariance.hpp"
#include "dynmargin/portfolio/dcc.hpp"
#include "dynmargin/portfolio/many_accounts.hpp"
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

TEST_CASE("ewma covariance and DCC updates and a trade's re-margin do not allocate", "[portfolio][allocation]") {
  ewma_covariance cov(3, 0.94);
  const std::array<double, 3> r{1.0, -2.0, 0.5};
  const std::array<double, 2> wrong{1.0, 2.0};
  Eigen::MatrixXd pnl(200, 4);
  for (Eigen::Index s = 0; s < 200; ++s)
    for (Eigen::Index i = 0; i < 4; ++i) pnl(s, i) = std::sin(double(s * 4 + i));
  Eigen::VectorXd positions(4);
  positions << 1.0, -2.0, 0.0, 3.0;
  account_losses account(pnl, positions);
  Eigen::MatrixXd qbar(2, 2);
  qbar << 1.0, 0.4, 0.4, 1.0;
  dcc_correlation correlation(0.05, 0.9, qbar);
  const std::array<double, 2> z{0.3, -1.2};
  const Eigen::VectorXd weights = Eigen::VectorXd::Ones(200);
  const scenario_margin_rule rule{scenario_measure::expected_shortfall, 0.99};
  allocations = 0;
  counting = true;
  const status first = cov.update(r);
  const status second = cov.update(r);
  const status refused = cov.update(wrong);
  const status traded = account.trade(2, 5.0);
  const status correlated = correlation.update(z);
  const double margin = account.margin(weights, rule).margin;
  counting = false;
  CHECK(allocations.load() == 0);
  CHECK(first == status::ok);
  CHECK(second == status::ok);
  CHECK(refused == status::invalid_argument);
  CHECK(traded == status::ok);
  CHECK(correlated == status::ok);
  CHECK(margin > 0.0);
}
