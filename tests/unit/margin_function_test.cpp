// SPDX-License-Identifier: MIT
// margin_function: the risk-based rate against closed forms on the R EWMA reference, warm-up,
// bad input, the breakdown, state and replay on real BTC data.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dynmargin/backtest/replay.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/maintenance.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/speed_limit.hpp"
#include "dynmargin/margin/tiers.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

// BTC-USD daily closes (the series of tests/data/returns_btc_usd_daily.csv) on a daily grid.
struct price_history {
  std::vector<timestamp> times;
  std::vector<double> prices;
};

price_history btc_daily() {
  price_history h;
  h.prices = dmtest::read_csv(dmtest::market_path("btc_usd_daily.csv")).numbers("Close");
  for (std::size_t i = 0; i < h.prices.size(); ++i) h.times.push_back(1410912000 + static_cast<timestamp>(i) * 86400);
  return h;
}

// BTC/USD hourly (Bitstamp) rebuilt from the reference percent log returns, starting at 100.
price_history btc_hourly() {
  const auto r = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
  price_history h;
  double p = 100.0;
  h.prices.push_back(p);
  h.times.push_back(1526364000);
  for (std::size_t i = 0; i < r.size(); ++i) {
    p *= std::exp(r[i] / 100.0);
    h.prices.push_back(p);
    h.times.push_back(1526364000 + static_cast<timestamp>(i + 1) * 3600);
  }
  return h;
}

parametric_risk normal_es(double p, std::int64_t h) {
  parametric_risk_config c;
  c.confidence = confidence_level(p);
  c.horizon_steps = horizon(h);
  return parametric_risk(c);
}

}  // namespace

TEST_CASE("loss_to_rate converts a log loss to a fraction of notional per side", "[margin][function]") {
  // Closed forms: a 10% log loss is a 1 - e^-0.1 fall for a long, an e^0.1 - 1 rise for a short.
  CHECK_THAT(loss_to_rate(0.1, position_side::long_position), dmtest::within_rel(1.0 - std::exp(-0.1), 1e-15));
  CHECK_THAT(loss_to_rate(0.1, position_side::short_position), dmtest::within_rel(std::exp(0.1) - 1.0, 1e-15));
  CHECK(loss_to_rate(-0.2, position_side::long_position) == 0.0);
  CHECK(loss_to_rate(-0.2, position_side::short_position) == 0.0);
  // A long can never lose more than its notional.
  CHECK(loss_to_rate(50.0, position_side::long_position) <= 1.0);
}

TEST_CASE("raw rate on BTC daily equals the closed-form normal ES on the R EWMA variance", "[margin][function]") {
  // Reference: tests/data/ewma094_btc_daily.csv (R, RiskMetrics 0.94, percent returns);
  // ES factor phi(z)/(1-p) at 99% = 2.665214 (REFERENCE.md closed forms, 7 digits), horizon 2
  // days: L = 2.665214 * sqrt(2 * sigma2 / 1e4) in fractions. Short side exp(L) - 1 binds.
  // Tolerance 1e-6 relative: the 7-digit ES constant (error <= 2e-7 relative).
  const auto h = btc_daily();
  const auto sigma2 = dmtest::read_csv(dmtest::reference_path("ewma094_btc_daily.csv")).numbers("sigma2");
  REQUIRE(sigma2.size() + 1 == h.prices.size());
  margin_function fn(ewma_volatility(0.94), normal_es(0.99, 2));
  double worst = 0.0;
  double worst_long = 0.0;
  for (std::size_t i = 0; i < h.prices.size(); ++i) {
    REQUIRE(fn.update(h.times[i], h.prices[i]) == status::ok);
    if (i < 76) {  // the EWMA's burn-in: 76 returns (0.94^75 <= 1% < 0.94^74)
      CHECK_FALSE(fn.ready());
      continue;
    }
    if (i + 1 >= h.prices.size()) break;
    const double loss = 2.665214 * std::sqrt(2.0 * sigma2[i] / 1e4);  // forecast after i returns
    const auto q = fn.quote(1.0);
    REQUIRE(q.ready);
    worst = std::max(worst, std::abs(q.raw_rate / std::expm1(loss) - 1.0));
    worst_long = std::max(worst_long, std::abs(q.raw_rate_long / -std::expm1(-loss) - 1.0));
    CHECK(q.side_raw_rate == q.raw_rate_long);
  }
  CHECK(worst < 1e-6);
  CHECK(worst_long < 1e-6);
}

TEST_CASE("VaR statistic and maintenance fraction", "[margin][function]") {
  // Closed form: z(0.99) = 2.326347874 (REFERENCE.md), one-day horizon, EWMA given variance
  // 0.0004 (2% daily vol) and a zero return, so variance = 0.94 * 0.0004 after it.
  margin_function_config config;
  config.statistic = risk_statistic::value_at_risk;
  config.maintenance_fraction = 0.6;  // dYdX Large-Cap MMF/IMF = 3%/5%
  margin_function fn(config,
                     ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::given, 0, 0.0004, 0}),
                     normal_es(0.99, 1));
  REQUIRE(fn.update(0, 100.0) == status::ok);
  REQUIRE(fn.update(86400, 100.0) == status::ok);
  const double loss = 2.326347874 * std::sqrt(0.94 * 0.0004);
  const auto q = fn.quote(-2.0);                                       // a short of 2 units: notional 200
  CHECK_THAT(q.raw_rate, dmtest::within_rel(std::expm1(loss), 1e-9));  // 10 digits of z
  CHECK(q.side_raw_rate == q.raw_rate_short);
  CHECK_THAT(q.initial_rate, dmtest::within_rel(std::expm1(loss), 1e-9));
  CHECK_THAT(q.maintenance_rate, dmtest::within_rel(0.6 * std::expm1(loss), 1e-9));
  CHECK_THAT(q.initial_amount, dmtest::within_rel(200.0 * std::expm1(loss), 1e-9));
  CHECK(q.notional == 200.0);
  CHECK(q.binding == "risk");
  CHECK(q.binding_index == -1);
}

TEST_CASE("warm-up: no quote before the volatility model is ready, never NaN", "[margin][function]") {
  margin_function fn(ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::warmup_window, 3, 0.0, 0}),
                     normal_es(0.99, 1), floor_policy(0.01));
  auto q = fn.quote(1.0);
  CHECK_FALSE(q.ready);
  CHECK(q.result == status::not_enough_data);
  CHECK(q.initial_rate == 0.0);
  const double prices[] = {100.0, 101.0, 99.0, 100.5, 102.0};
  for (int i = 0; i < 3; ++i) {
    REQUIRE(fn.update(i * 60, prices[i]) == status::ok);
    q = fn.quote(1.0);
    CHECK_FALSE(q.ready);  // 0, 1, 2 returns: the warm-up window needs 3
    CHECK_FALSE(std::isnan(q.initial_rate));
  }
  REQUIRE(fn.update(180, prices[3]) == status::ok);
  q = fn.quote(1.0);
  CHECK(q.ready);
  CHECK(fn.steps() == 1);  // the policies ran once, on the first ready update

  // A given initial variance with min_returns = 0 quotes from the first price.
  margin_function_config config;
  config.min_returns = 0;
  margin_function given(config,
                        ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::given, 0, 1e-4, 0}),
                        normal_es(0.99, 1));
  REQUIRE(given.update(0, 50.0) == status::ok);
  CHECK(given.quote(1.0).ready);
  CHECK_THAT(given.quote(1.0).raw_rate, dmtest::within_rel(std::expm1(2.665214 * 0.01), 1e-6));
}

TEST_CASE("a long is never asked for more than its notional; a short is not capped", "[margin][function]") {
  // sigma = 50% per step (variance 0.25), normal ES 99%: L = 2.665214 * 0.5 log loss.
  // Short side exp(L) - 1 = 2.79 (the instrument rate, the larger side), long side
  // 1 - exp(-L) = 0.736: without the cap a long would be asked for 279% of its notional.
  margin_function_config config;
  config.min_returns = 0;
  margin_function fn(config, ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::given, 0, 0.25, 0}),
                     normal_es(0.99, 1));
  REQUIRE(fn.update(0, 100.0) == status::ok);
  const double loss = 2.665214 * 0.5;
  const auto short_quote = fn.quote(-2.0);
  CHECK_THAT(short_quote.initial_rate, dmtest::within_rel(std::expm1(loss), 1e-6));
  CHECK_THAT(short_quote.initial_amount, dmtest::within_rel(200.0 * std::expm1(loss), 1e-6));
  CHECK(short_quote.binding == "risk");
  const auto long_quote = fn.quote(2.0);
  CHECK_THAT(long_quote.raw_rate, dmtest::within_rel(std::expm1(loss), 1e-6));
  CHECK_THAT(long_quote.side_raw_rate, dmtest::within_rel(-std::expm1(-loss), 1e-6));
  CHECK(long_quote.initial_rate == 1.0);
  CHECK(long_quote.maintenance_rate == 0.5);  // scaled with initial: maintenance_fraction 0.5 kept
  CHECK(long_quote.initial_amount == 200.0);
  CHECK(long_quote.binding == long_notional_cap_name);
  // In calm markets the cap does not bind and longs get the instrument rate exactly.
  margin_function calm(config,
                       ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::given, 0, 1e-4, 0}),
                       normal_es(0.99, 1));
  REQUIRE(calm.update(0, 100.0) == status::ok);
  CHECK(calm.quote(1.0).initial_rate == calm.quote(-1.0).initial_rate);
  CHECK(calm.quote(1.0).binding == "risk");
}

TEST_CASE("prices out of time order are rejected without any state change", "[margin][function]") {
  const auto h = btc_daily();
  margin_function fn(ewma_volatility(0.94), normal_es(0.99, 2), apc_buffer_policy(0.25), speed_limit_policy(0.5, 5));
  for (std::size_t i = 0; i < 100; ++i) REQUIRE(fn.update(h.times[i], h.prices[i]) == status::ok);
  const auto before = fn.state();
  CHECK(fn.update(h.times[99], 12345.0) == status::invalid_argument);  // same time
  CHECK(fn.update(h.times[50], 12345.0) == status::invalid_argument);  // earlier
  CHECK(fn.state() == before);

  // The replay path throws naming the row.
  margin_function replayer(ewma_volatility(0.94), normal_es(0.99, 2));
  std::vector<timestamp> times{0, 60, 120, 90, 200};
  std::vector<double> prices{1.0, 1.1, 1.2, 1.3, 1.4};
  REQUIRE_THROWS_WITH(replay_quotes(replayer, times, prices),
                      "margin_function: time at row 3 must be later than the previous row's 120, got 90");
  REQUIRE_THROWS_WITH(replay_quotes(replayer, std::vector<timestamp>{1, 2}, prices),
                      dmtest::contains("times must have one entry per price (5 prices), got 2"));
}

TEST_CASE("NaN, zero and negative prices take the guard's path: rates kept, quote flagged", "[margin][function]") {
  const auto h = btc_daily();
  margin_function fn(ewma_volatility(0.94), normal_es(0.99, 2), floor_policy(0.02));
  for (std::size_t i = 0; i < 30; ++i) REQUIRE(fn.update(h.times[i], h.prices[i]) == status::ok);
  CHECK_FALSE(fn.ready());  // still in the EWMA burn-in (76 returns)
  for (std::size_t i = 30; i < 100; ++i) REQUIRE(fn.update(h.times[i], h.prices[i]) == status::ok);
  REQUIRE(fn.ready());
  const auto good = fn.quote(1.0);
  CHECK(fn.update(h.times[100], std::numeric_limits<double>::quiet_NaN()) == status::non_finite_input);
  auto q = fn.quote(1.0);
  CHECK(q.price_suspect);
  CHECK(q.initial_rate == good.initial_rate);
  CHECK(q.initial_amount == good.initial_amount);  // NaN is no price: the notional keeps the last good one
  CHECK(fn.update(h.times[101], 0.0) == status::invalid_argument);
  CHECK(fn.update(h.times[102], -5.0) == status::invalid_argument);
  CHECK(fn.update(h.times[103], std::numeric_limits<double>::infinity()) == status::non_finite_input);
  q = fn.quote(1.0);
  CHECK(q.price_suspect);
  CHECK(q.initial_rate == good.initial_rate);
  CHECK(fn.volatility().observations() == 99);  // no bad price reached the model
  // The next good price clears the flag; its return runs from the last accepted price.
  REQUIRE(fn.update(h.times[104], h.prices[104]) == status::ok);
  CHECK_FALSE(fn.quote(1.0).price_suspect);
  CHECK(fn.volatility().observations() == 100);
  // A quantity that is not a number gives a flagged quote, not a NaN amount.
  q = fn.quote(std::numeric_limits<double>::quiet_NaN());
  CHECK(q.result == status::non_finite_input);
  CHECK(q.initial_amount == 0.0);
}

TEST_CASE("breakdown lists each policy's effect in order and names the binding one", "[margin][function]") {
  // Binance BTCUSDT tier 1: 125x (IMR 0.8%), MMR 0.4%: with a calm variance the leverage
  // floor binds; the maintenance policy then halves it.
  margin_function_config config;
  config.min_returns = 0;
  margin_function fn(config, ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::given, 0, 1e-8, 0}),
                     normal_es(0.99, 1), max_leverage_policy(125.0), maintenance_fraction_policy(0.5),
                     apc_buffer_policy(0.25));
  REQUIRE(fn.update(0, 30000.0) == status::ok);
  const auto q = fn.quote(2.0);
  REQUIRE(q.effect_count == 3);
  CHECK(q.breakdown[0].name == "max_leverage");
  CHECK(q.breakdown[1].name == "maintenance_fraction");
  CHECK(q.breakdown[2].name == "apc_buffer");
  CHECK(q.breakdown[0].initial_before == q.raw_rate);
  CHECK_THAT(q.breakdown[0].initial_after, dmtest::within_rel(0.008, 1e-15));
  CHECK(q.breakdown[0].binding);
  CHECK_FALSE(q.breakdown[1].binding);  // maintenance only
  CHECK_THAT(q.breakdown[1].maintenance_after, dmtest::within_rel(0.004, 1e-15));
  CHECK(q.breakdown[2].binding);  // the buffer starts full: 1.25 * 0.8% = 1%
  CHECK_THAT(q.initial_rate, dmtest::within_rel(0.01, 1e-14));
  CHECK_THAT(q.maintenance_rate, dmtest::within_rel(0.005, 1e-14));
  CHECK(q.binding == "apc_buffer");
  CHECK(q.binding_index == 2);
  CHECK_THAT(q.initial_amount, dmtest::within_rel(0.01 * 60000.0, 1e-14));
  CHECK(fn.effect_names() == std::vector<std::string_view>{"max_leverage", "maintenance_fraction", "apc_buffer"});
}

TEST_CASE("position policies run at quote time after the rate policies", "[margin][function]") {
  // Deribit BTC futures (Jan 2022): IM = 2% + 0.005% * size(BTC), MM = 1% + 0.005% * size.
  // With a 2% floor in the rate stage and 100 BTC: IM 2.5%, MM 1.5% of notional.
  margin_function_config config;
  config.min_returns = 0;
  deribit_size_addon_policy_config addon;
  margin_function fn(config, ewma_volatility(ewma_volatility_config{decay_factor(0.94), ewma_start::given, 0, 1e-8, 0}),
                     normal_es(0.99, 1), deribit_size_addon_policy(addon), floor_policy(0.02));
  REQUIRE(fn.update(0, 40000.0) == status::ok);
  const auto q = fn.quote(100.0);
  REQUIRE(q.effect_count == 2);
  CHECK(q.breakdown[0].name == "floor");  // rate stage first, whatever the declaration order
  CHECK(q.breakdown[0].stage == policy_stage::rate);
  CHECK(q.breakdown[1].name == "deribit_size_addon");
  CHECK(q.breakdown[1].stage == policy_stage::position);
  CHECK_THAT(q.initial_rate, dmtest::within_rel(0.025, 1e-12));
  CHECK_THAT(q.maintenance_rate, dmtest::within_rel(0.015, 1e-12));
  CHECK_THAT(q.initial_amount, dmtest::within_rel(0.025 * 4'000'000.0, 1e-12));
}

TEST_CASE("state restores bit-identically mid-stream on BTC hourly with a full chain", "[margin][function]") {
  const auto h = btc_hourly();
  auto make = [] {
    margin_function_config config;
    config.stressed_lookback = 24 * 30;
    return margin_function(config, ewma_volatility(0.94), normal_es(0.99, 24), stressed_weight_policy(0.25, 24 * 250),
                           lookback_floor_policy(24 * 365), apc_buffer_policy(0.25), speed_limit_policy(0.5, 24),
                           release_limit_policy(0.2, 24), hysteresis_policy(0.01), floor_policy(0.02),
                           maintenance_fraction_policy(0.5));
  };
  auto original = make();
  const std::size_t cut = 20000;
  for (std::size_t i = 0; i < cut; ++i) REQUIRE(original.update(h.times[i], h.prices[i]) == status::ok);
  const auto saved = original.state();
  auto restored = make();
  restored.restore(saved);
  CHECK(restored.state() == saved);
  for (std::size_t i = cut; i < h.prices.size(); ++i) {
    REQUIRE(original.update(h.times[i], h.prices[i]) == status::ok);
    REQUIRE(restored.update(h.times[i], h.prices[i]) == status::ok);
    const auto a = original.quote(1.0);
    const auto b = restored.quote(1.0);
    REQUIRE(a.initial_rate == b.initial_rate);  // bit-identical
    REQUIRE(a.maintenance_rate == b.maintenance_rate);
  }
  CHECK(original.state() == restored.state());
}

TEST_CASE("replay gives the same path as the streaming loop", "[margin][function]") {
  const auto h = btc_daily();
  auto make = [] {
    return margin_function(ewma_volatility(0.94), normal_es(0.99, 2), apc_buffer_policy(0.25), floor_policy(0.03));
  };
  auto streaming = make();
  auto replaying = make();
  const auto path = replay_quotes(replaying, h.times, h.prices, 1000.0);
  REQUIRE(path.rows() == h.prices.size());
  REQUIRE(path.effect_names.size() == 2);
  for (std::size_t i = 0; i < h.prices.size(); ++i) {
    REQUIRE(streaming.update(h.times[i], h.prices[i]) == path.statuses[i]);
    const auto q = streaming.quote_notional(1000.0);
    REQUIRE(path.initial_rate[i] == q.initial_rate);
    REQUIRE(path.initial_amount[i] == q.initial_amount);
    REQUIRE(path.effect_initial_rate[0][i] == q.breakdown[0].initial_after);
    // notional = (1000 / price) * price: exact to a few ulps.
    if (q.ready) REQUIRE_THAT(path.initial_amount[i], dmtest::within_rel(q.initial_rate * 1000.0, 1e-14));
  }
  CHECK(path.ready[0] == 0);
  CHECK(path.ready[75] == 0);  // the EWMA burn-in: 76 returns
  CHECK(path.ready[76] == 1);
}

TEST_CASE("a failed EVT refit never desynchronises the volatility model (BTC hourly, window 500)",
          "[margin][function][evt]") {
  // Every accepted price's return must reach the EWMA exactly once, also on the updates where
  // the EVT refit fails: the function's EWMA must equal, bit for bit, an EWMA fed every log
  // return of the series by a plain loop.
  const auto h = btc_hourly();
  evt_risk_config ec;
  ec.confidence = confidence_level(0.99);
  ec.window = 500;
  margin_function fn(ewma_volatility(0.94), evt_risk(ec));
  ewma_volatility reference(0.94);
  std::size_t warnings = 0;
  std::size_t errors = 0;
  std::size_t fitted_warnings = 0;  // warnings once the tails had been fitted
  std::size_t ready_after_warning = 0;
  for (std::size_t i = 0; i < h.prices.size(); ++i) {
    const status s = fn.update(h.times[i], h.prices[i]);
    if (i > 0) REQUIRE(reference.update(std::log(h.prices[i] / h.prices[i - 1])) == status::ok);
    if (is_warning(s)) {
      ++warnings;
      if (fn.risk().ready()) {
        ++fitted_warnings;
        if (fn.quote(1.0).ready && std::isfinite(fn.raw_rate()) && fn.raw_rate() > 0.0) ++ready_after_warning;
      }
    }
    if (is_error(s)) ++errors;
  }
  const auto returns = static_cast<std::int64_t>(h.prices.size() - 1);
  CHECK(errors == 0);
  // The series has failed refits (xi >= 1 or no convergence); otherwise this test tests nothing.
  CHECK(warnings > 0);
  CHECK(fn.risk().failed_refits() == static_cast<std::int64_t>(warnings));
  CHECK(fitted_warnings > 0);
  CHECK(ready_after_warning == fitted_warnings);  // with kept tails the quote stays ready and finite
  CHECK(fn.volatility().observations() == returns);
  CHECK(fn.volatility().state() == reference.state());
  CHECK(fn.state().core.returns == returns);
  UNSCOPED_INFO("refit failures: " << warnings << " of " << returns << " updates");
  CHECK(fn.quote(1.0).ready);
}
