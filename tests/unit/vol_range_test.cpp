// SPDX-License-Identifier: MIT
// Range estimators: per-bar terms and window estimates against values computed independently
// with python3 on BTC daily bars, the Brownian-motion property (each estimator recovers the
// true variance on simulated driftless paths), streaming rolling/EWMA weighting against
// direct formulas, and bad bars.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "catch.hpp"
#include "dynmargin/volatility/range.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

// The first six bars of examples/data/btc_usd_daily.csv (2014-09-17 .. 2014-09-22).
const std::vector<ohlc_bar>& btc_first_bars() {
  static const std::vector<ohlc_bar> bars{
      {465.864014, 468.174011, 452.421997, 457.334015}, {456.859985, 456.859985, 413.104004, 424.440002},
      {424.102997, 427.834991, 384.532013, 394.795990}, {394.673004, 423.295990, 389.882996, 408.903992},
      {408.084991, 412.425995, 393.181000, 398.821014}, {399.100006, 406.915985, 397.130005, 402.152008}};
  return bars;
}

std::vector<ohlc_bar> btc_daily_bars() {
  const auto table = dmtest::read_csv(dmtest::market_path("btc_usd_daily.csv"));
  const auto open = table.numbers("Open");
  const auto high = table.numbers("High");
  const auto low = table.numbers("Low");
  const auto close = table.numbers("Close");
  std::vector<ohlc_bar> bars;
  for (std::size_t i = 0; i < open.size(); ++i) bars.push_back({open[i], high[i], low[i], close[i]});
  return bars;
}

}  // namespace

// Reference values, computed independently with python3 (math.log) on the bars above:
// python3 -c "import csv,math; rows=list(csv.DictReader(open('examples/data/btc_usd_daily.csv')))[:6];
//   b=[(float(r['Open']),float(r['High']),float(r['Low']),float(r['Close'])) for r in rows];
//   P=[math.log(h/l)**2/(4*math.log(2)) for o,h,l,c in b];
//   GK=[0.5*math.log(h/l)**2-(2*math.log(2)-1)*math.log(c/o)**2 for o,h,l,c in b];
//   RS=[math.log(h/c)*math.log(h/o)+math.log(l/c)*math.log(l/o) for o,h,l,c in b];
//   [print([repr(v) for v in x], repr(sum(x[:5])/5)) for x in (P,GK,RS)];
//   oo=[math.log(b[i][0]/b[i-1][3]) for i in range(1,6)]; cc=[math.log(b[i][3]/b[i][0]) for i in range(1,6)];
//   n=5; mo=sum(oo)/n; mc=sum(cc)/n; k=0.34/(1.34+(n+1)/(n-1));
//   print(repr(sum((x-mo)**2 for x in oo)/(n-1)+k*sum((x-mc)**2 for x in cc)/(n-1)+(1-k)*sum(RS[1:6])/n))"
// Tolerance 1e-13 relative: a few ulps of libm's log on either side.
TEST_CASE("range estimators match python on BTC daily bars", "[volatility][range]") {
  const auto& bars = btc_first_bars();
  const double parkinson[] = {0.00042246751519760424, 0.0036557801470645623, 0.004107042515807949,
                              0.002438496917561776,   0.0008236239283616184, 0.00021372941504144938};
  const double garman_klass[] = {0.0004537441339445659, 0.0029750876150915827, 0.0037128107584485314,
                                 0.002895761947422979,  0.0009380971501128351, 0.0002738730024748076};
  const double rogers_satchell[] = {0.00043203860640268115, 0.0027254699896010507, 0.003284318231368923,
                                    0.003003527726515328,   0.0008848443482474872, 0.000290586585884232};
  for (std::size_t i = 0; i < bars.size(); ++i) {
    CHECK_THAT(parkinson_variance(bars[i]), dmtest::within_rel(parkinson[i], 1e-13));
    CHECK_THAT(garman_klass_variance(bars[i]), dmtest::within_rel(garman_klass[i], 1e-13));
    CHECK_THAT(rogers_satchell_variance(bars[i]), dmtest::within_rel(rogers_satchell[i], 1e-13));
  }
  const std::span<const ohlc_bar> first5(bars.data(), 5);
  CHECK_THAT(parkinson_estimate(first5), dmtest::within_rel(0.002289482204798702, 1e-13));
  CHECK_THAT(garman_klass_estimate(first5), dmtest::within_rel(0.002195100321004099, 1e-13));
  CHECK_THAT(rogers_satchell_estimate(first5), dmtest::within_rel(0.002066039780427094, 1e-13));
  // Yang-Zhang over bars 2..6 (n = 5), bar 1 supplying the previous close.
  CHECK_THAT(yang_zhang_estimate(bars), dmtest::within_rel(0.0020717394427262393, 1e-13));

  // The streaming rolling models (window 5, fractions) give the same window estimates.
  const range_volatility_config rolling5{range_weighting::rolling, 5, decay_factor(0.94), return_units::fraction};
  parkinson_volatility p(rolling5);
  garman_klass_volatility gk(rolling5);
  rogers_satchell_volatility rs(rolling5);
  yang_zhang_volatility yz(rolling5);
  for (std::size_t i = 0; i < 5; ++i) {
    REQUIRE(p.update(bars[i]) == status::ok);
    REQUIRE(gk.update(bars[i]) == status::ok);
    REQUIRE(rs.update(bars[i]) == status::ok);
  }
  for (const auto& bar : bars) REQUIRE(yz.update(bar) == status::ok);
  CHECK(p.ready());
  CHECK(yz.ready());
  CHECK_THAT(p.variance(), dmtest::within_rel(0.002289482204798702, 1e-13));
  CHECK_THAT(gk.variance(), dmtest::within_rel(0.002195100321004099, 1e-13));
  CHECK_THAT(rs.variance(), dmtest::within_rel(0.002066039780427094, 1e-13));
  CHECK_THAT(yz.variance(), dmtest::within_rel(0.0020717394427262393, 1e-13));
  // Percent units (the default) scale the variance by 100^2.
  parkinson_volatility percent(range_volatility_config{range_weighting::rolling, 5});
  for (std::size_t i = 0; i < 5; ++i) (void)percent.update(bars[i]);
  CHECK_THAT(percent.variance(), dmtest::within_rel(1e4 * 0.002289482204798702, 1e-13));
  CHECK_THAT(percent.variance(7), dmtest::within_rel(7e4 * 0.002289482204798702, 1e-13));
}

TEST_CASE("rolling range estimators equal the batch estimate of their window over BTC daily", "[volatility][range]") {
  const auto bars = btc_daily_bars();
  REQUIRE(bars.size() == 2723);
  const std::int64_t window = 30;
  const range_volatility_config config{range_weighting::rolling, window, decay_factor(0.94), return_units::fraction};
  parkinson_volatility p(config);
  garman_klass_volatility gk(config);
  rogers_satchell_volatility rs(config);
  yang_zhang_volatility yz(config);
  double worst = 0.0;
  const auto n = static_cast<std::size_t>(window);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    REQUIRE(p.update(bars[i]) == status::ok);
    REQUIRE(gk.update(bars[i]) == status::ok);
    REQUIRE(rs.update(bars[i]) == status::ok);
    REQUIRE(yz.update(bars[i]) == status::ok);
    if (i + 1 >= n) {
      const std::span<const ohlc_bar> last(bars.data() + i + 1 - n, n);
      worst = std::max(worst, std::abs(p.variance() / parkinson_estimate(last) - 1.0));
      worst = std::max(worst, std::abs(gk.variance() / garman_klass_estimate(last) - 1.0));
      worst = std::max(worst, std::abs(rs.variance() / rogers_satchell_estimate(last) - 1.0));
    }
    if (i >= n) {  // Yang-Zhang: n counted bars plus the one before for its close
      const std::span<const ohlc_bar> last(bars.data() + i - n, n + 1);
      worst = std::max(worst, std::abs(yz.variance() / yang_zhang_estimate(last) - 1.0));
    }
  }
  // 1e-12: the batch sums are plain double sums of 30 terms (~1e-15 each); the streaming
  // sums are compensated. The gap is rounding of the reference, not drift over 2,723 bars.
  CHECK(worst < 1e-12);
}

TEST_CASE("EWMA-weighted range estimators follow the recursion from the first bar", "[volatility][range]") {
  const auto& bars = btc_first_bars();
  const double lambda = 0.9;
  const range_volatility_config config{range_weighting::ewma, 30, decay_factor(lambda), return_units::fraction};
  garman_klass_volatility gk(config);
  yang_zhang_volatility yz(config);
  double expected = 0.0;
  double o2 = 0.0;
  double c2 = 0.0;
  double rsw = 0.0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    REQUIRE(gk.update(bars[i]) == status::ok);
    REQUIRE(yz.update(bars[i]) == status::ok);
    const double term = garman_klass_variance(bars[i]);
    expected = i == 0 ? term : lambda * expected + (1 - lambda) * term;
    CHECK_THAT(gk.variance(), dmtest::within_rel(expected, 1e-14));
    if (i >= 1) {
      const double o = std::log(bars[i].open / bars[i - 1].close);
      const double c = std::log(bars[i].close / bars[i].open);
      const double r = rogers_satchell_variance(bars[i]);
      o2 = i == 1 ? o * o : lambda * o2 + (1 - lambda) * o * o;
      c2 = i == 1 ? c * c : lambda * c2 + (1 - lambda) * c * c;
      rsw = i == 1 ? r : lambda * rsw + (1 - lambda) * r;
      // k at the effective sample size (1 + lambda) / (1 - lambda) = 19: 0.34 / (1.34 + 20/18).
      const double k = 0.34 / (1.34 + 20.0 / 18.0);
      CHECK_THAT(yz.variance(), dmtest::within_rel(o2 + k * c2 + (1 - k) * rsw, 1e-14));
    }
  }
  CHECK(gk.ready());
  CHECK(yz.ready());
}

// Driftless Brownian motion with variance sigma^2 = 1e-4 per bar, sampled at 10,000 steps per
// bar, 4,000 bars, seeded. Each estimator's mean over the bars must be within 5% of 1e-4.
// Tolerance: the discrete path misses part of the true range (Broadie-Glasserman-Kou: each
// extreme about 0.5826 sigma sqrt(dt), which biases the range estimators low by about 1.3%
// of the variance at 10,000 steps); the standard error of the mean over 4,000 bars is about
// 1% for Parkinson/Garman-Klass and 1.2% for Rogers-Satchell (efficiencies 5.2, 7.4, 6 against
// the squared return), so 5% is beyond 3 standard errors plus the bias.
TEST_CASE("range estimators recover the true variance of a driftless Brownian path",
          "[volatility][range][simulation]") {
  constexpr std::size_t bar_count = 4000;
  constexpr std::size_t steps = 10000;
  constexpr double sigma = 0.01;
  std::mt19937_64 rng(42);
  std::normal_distribution<double> normal(0.0, sigma / std::sqrt(static_cast<double>(steps)));
  std::vector<ohlc_bar> bars;
  bars.reserve(bar_count);
  double log_price = std::log(50000.0);
  for (std::size_t b = 0; b < bar_count; ++b) {
    const double open = log_price;
    double high = open;
    double low = open;
    for (std::size_t s = 0; s < steps; ++s) {
      log_price += normal(rng);
      high = std::max(high, log_price);
      low = std::min(low, log_price);
    }
    bars.push_back({std::exp(open), std::exp(high), std::exp(low), std::exp(log_price)});
  }
  // exp/log round trips can put open or close a hair outside [low, high]; clamp as a data
  // vendor would.
  for (auto& bar : bars) {
    bar.high = std::max({bar.high, bar.open, bar.close});
    bar.low = std::min({bar.low, bar.open, bar.close});
  }
  const double truth = sigma * sigma;
  const double p = parkinson_estimate(bars);
  const double gk = garman_klass_estimate(bars);
  const double rs = rogers_satchell_estimate(bars);
  const double yz = yang_zhang_estimate(bars, yang_zhang_overnight::none);
  const double yz_measured = yang_zhang_estimate(bars);  // open = previous close: o = 0 exactly
  double close_to_close = 0.0;
  for (const auto& bar : bars) close_to_close += std::pow(std::log(bar.close / bar.open), 2);
  close_to_close /= static_cast<double>(bars.size());
  INFO("parkinson " << p / truth << " garman_klass " << gk / truth << " rogers_satchell " << rs / truth
                    << " yang_zhang " << yz / truth << " close_to_close " << close_to_close / truth);
  CHECK_THAT(p, dmtest::within_rel(truth, 0.05));
  CHECK_THAT(gk, dmtest::within_rel(truth, 0.05));
  CHECK_THAT(rs, dmtest::within_rel(truth, 0.05));
  CHECK_THAT(yz, dmtest::within_rel(truth, 0.05));
  CHECK_THAT(yz_measured, dmtest::within_rel(yz, 1e-3));       // differs only by n and one bar
  CHECK_THAT(close_to_close, dmtest::within_rel(truth, 0.1));  // 2.2% standard error
}

TEST_CASE("Yang-Zhang on a 24/7 market: no overnight gap", "[volatility][range]") {
  // Bars whose open equals the previous close: the measured overnight variance is 0, and
  // the estimator is k V_c + (1 - k) V_rs whatever the overnight rule.
  const std::vector<ohlc_bar> bars{{100, 104, 99, 102}, {102, 103, 97, 98}, {98, 101, 96, 100}, {100, 106, 100, 105}};
  const range_volatility_config config{range_weighting::rolling, 3, decay_factor(0.94), return_units::fraction};
  yang_zhang_volatility measured(config);
  yang_zhang_volatility none(yang_zhang_volatility_config{config, yang_zhang_overnight::none});
  for (const auto& bar : bars) {
    REQUIRE(measured.update(bar) == status::ok);
    REQUIRE(none.update(bar) == status::ok);
  }
  // Direct formula over bars 2..4 with n = 3, k = 0.34 / (1.34 + 2).
  double mc = 0.0;
  double mrs = 0.0;
  for (std::size_t i = 1; i < 4; ++i) {
    mc += std::log(bars[i].close / bars[i].open) / 3.0;
    mrs += rogers_satchell_variance(bars[i]) / 3.0;
  }
  double vc = 0.0;
  for (std::size_t i = 1; i < 4; ++i) vc += std::pow(std::log(bars[i].close / bars[i].open) - mc, 2) / 2.0;
  const double k = 0.34 / 3.34;
  CHECK_THAT(measured.variance(), dmtest::within_rel(k * vc + (1 - k) * mrs, 1e-13));
  CHECK_THAT(none.variance(), dmtest::within_rel(k * vc + (1 - k) * mrs, 1e-13));
  CHECK(measured.observations() == 4);
  CHECK(none.observations() == 4);
}

TEST_CASE("range estimators reject bad bars and bad parameters", "[volatility][range]") {
  const ohlc_bar good{100, 110, 90, 105};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(bar_status(good) == status::ok);
  CHECK(bar_status({100, 90, 110, 100}) == status::invalid_argument);  // high < low
  CHECK(bar_status({0, 110, 90, 105}) == status::invalid_argument);    // open <= 0
  CHECK(bar_status({100, 110, -90, 105}) == status::invalid_argument);
  CHECK(bar_status({nan, 110, 90, 105}) == status::non_finite_input);
  CHECK(bar_status({100, std::numeric_limits<double>::infinity(), 90, 105}) == status::non_finite_input);
  CHECK(bar_status({120, 110, 90, 105}) == status::invalid_argument);  // open above high
  CHECK(bar_status({100, 110, 90, 80}) == status::invalid_argument);   // close below low

  REQUIRE_THROWS_WITH(check_bar({100, 90, 110, 100}, "parkinson", "bar 3"),
                      "parkinson: bar 3 high must be >= low (110), got 90");
  REQUIRE_THROWS_WITH(check_bar({100, 110, 90, 80}, "garman_klass"),
                      "garman_klass: bar close must be within [low, high] = [90, 110], got 80");
  REQUIRE_THROWS_WITH(check_bar({nan, 110, 90, 105}),
                      dmtest::contains("bar open must be finite and positive, got nan"));
  REQUIRE_THROWS_WITH(check_bar({100, 110, 0, 105}), dmtest::contains("bar low must be finite and positive, got 0"));

  REQUIRE_THROWS_WITH(parkinson_volatility(range_volatility_config{range_weighting::rolling, 1}),
                      "parkinson: window must be at least 2, got 1");
  // The configuration cannot hold a decay outside (0, 1): decay_factor rejects it.
  REQUIRE_THROWS_WITH(decay_factor(1.5), "decay_factor: lambda must be in (0, 1), got 1.5");
  REQUIRE_THROWS_WITH(decay_factor(0.0), "decay_factor: lambda must be in (0, 1), got 0");
  REQUIRE_THROWS_WITH(parkinson_estimate(std::span<const ohlc_bar>{}),
                      "parkinson: bars must hold at least 1 bar, got 0");
  const std::vector<ohlc_bar> two{good, good};
  REQUIRE_THROWS_WITH(yang_zhang_estimate(two), "yang_zhang: bars must hold at least 3 bars, got 2");
  const std::vector<ohlc_bar> with_bad{good, {100, 90, 110, 100}, good};
  REQUIRE_THROWS_WITH(rogers_satchell_estimate(with_bad),
                      dmtest::contains("rogers_satchell: bar 1 high must be >= low"));

  // The streaming models refuse a bad bar with a status and keep their state; the checked
  // path throws naming the field.
  rogers_satchell_volatility model(range_volatility_config{range_weighting::rolling, 3});
  REQUIRE(model.update(good) == status::ok);
  const auto before = model.state();
  CHECK(model.update({100, 90, 110, 100}) == status::invalid_argument);
  CHECK(model.update({nan, 110, 90, 105}) == status::non_finite_input);
  CHECK(model.state() == before);
  REQUIRE_THROWS_WITH(model.update_checked({100, 110, 90, 111}),
                      "rogers_satchell: bar 1 close must be within [low, high] = [90, 110], got 111");
  CHECK(model.state() == before);
  yang_zhang_volatility yz(range_volatility_config{range_weighting::rolling, 3});
  REQUIRE(yz.update(good) == status::ok);
  const auto yz_before = yz.state();
  CHECK(yz.update({100, 90, 110, 100}) == status::invalid_argument);
  CHECK(yz.state() == yz_before);
}

TEST_CASE("range estimators: flat bars, warm-up and state round trips", "[volatility][range]") {
  // A flat bar (O = H = L = C, as the zero-volume bars of the Bitstamp file) has variance 0.
  const ohlc_bar flat{100, 100, 100, 100};
  CHECK(parkinson_variance(flat) == 0.0);
  CHECK(garman_klass_variance(flat) == 0.0);
  CHECK(rogers_satchell_variance(flat) == 0.0);

  const auto bars = btc_daily_bars();
  parkinson_volatility original(range_volatility_config{range_weighting::rolling, 20});
  CHECK(original.variance() == 0.0);
  for (std::size_t i = 0; i < 19; ++i) (void)original.update(bars[i]);
  CHECK_FALSE(original.ready());
  for (std::size_t i = 19; i < 1000; ++i) (void)original.update(bars[i]);
  CHECK(original.ready());
  parkinson_volatility restored(range_volatility_config{range_weighting::rolling, 20});
  restored.restore(original.state());
  yang_zhang_volatility yz_original(range_volatility_config{range_weighting::rolling, 20});
  for (std::size_t i = 0; i < 1000; ++i) (void)yz_original.update(bars[i]);
  yang_zhang_volatility yz_restored(range_volatility_config{range_weighting::rolling, 20});
  yz_restored.restore(yz_original.state());
  for (std::size_t i = 1000; i < bars.size(); ++i) {
    (void)original.update(bars[i]);
    (void)restored.update(bars[i]);
    (void)yz_original.update(bars[i]);
    (void)yz_restored.update(bars[i]);
    REQUIRE(original.variance() == restored.variance());
    REQUIRE(yz_original.variance() == yz_restored.variance());
  }
  parkinson_volatility other(range_volatility_config{range_weighting::rolling, 21});
  REQUIRE_THROWS_WITH(other.restore(original.state()),
                      dmtest::contains("parkinson: state must come from a model with the same window"));
}
