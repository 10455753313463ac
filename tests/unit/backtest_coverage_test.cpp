// SPDX-License-Identifier: MIT
// Coverage backtests (dynmargin/backtest/coverage.hpp) against published tables and closed
// forms evaluated independently in plain python3 (the snippets are pasted beside each value).
#include <cmath>
#include <cstdint>
#include <vector>

#include "catch.hpp"
#include "dynmargin/backtest/coverage.hpp"

using namespace dynmargin;

namespace {
const confidence_level p99(0.99);
}  // namespace

// Reference values: the closed form, python3 3.11 floats, p-value of chi-square(1) as erfc,
// cross-checked with mpmath.gammainc(0.5, lr/2, inf, regularized=True):
//   from math import log, erfc, sqrt
//   def kupiec(T,x,p):
//       null=(T-x)*log(1-p)+(x*log(p) if x else 0)
//       alt=((T-x)*log((T-x)/T) if T-x else 0)+(x*log(x/T) if x else 0)
//       return -2*(null-alt)
//   for x in (0,5,10): lr=kupiec(250,x,0.01); print(x, lr, erfc(sqrt(lr/2)))
//   0 5.025167926750726 0.02498150305344971
//   5 1.956809788230622 0.16185491719604272
//   10 12.955491062356018 0.0003189845082133835
TEST_CASE("Kupiec POF for 250 days at 99% with 0, 5 and 10 exceptions", "[backtest][kupiec]") {
  struct row {
    std::size_t x;
    double lr;
    double p;
  };
  const row rows[] = {{0, 5.025167926750726, 0.02498150305344971},
                      {5, 1.956809788230622, 0.16185491719604272},
                      {10, 12.955491062356018, 0.0003189845082133835}};
  for (const auto& r : rows) {
    const auto k = kupiec_test(250, r.x, p99);
    INFO("exceptions " << r.x);
    CHECK(k.observations == 250);
    CHECK(k.exceptions == r.x);
    CHECK(k.expected_rate == p99.tail());
    CHECK_THAT(k.lr, dmtest::within_rel(r.lr, 1e-12));      // log-space sum vs the same closed form
    CHECK_THAT(k.p_value, dmtest::within_rel(r.p, 1e-10));  // Boost chi-square vs erfc
  }
  // The 95% critical value 3.841 (chi-square(1)): 0 and 10 exceptions reject, 5 does not.
  CHECK(kupiec_test(250, 0, p99).lr > 3.841);
  CHECK(kupiec_test(250, 5, p99).lr < 3.841);
}

TEST_CASE("Kupiec POF at the edges stays finite", "[backtest][kupiec]") {
  // x = T: LR = -2 T ln p (the alternative likelihood is 1).
  const auto all = kupiec_test(10, 10, p99);
  CHECK_THAT(all.lr, dmtest::within_rel(-20.0 * std::log(0.01), 1e-13));
  CHECK(all.p_value >= 0.0);
  CHECK(all.p_value < 1e-10);
  // x / T = p exactly: LR = 0, p-value 1.
  const auto exact = kupiec_test(100, 1, p99);
  CHECK_THAT(exact.lr, dmtest::within_abs(0.0, 1e-12));
  CHECK_THAT(exact.p_value, dmtest::within_abs(1.0, 1e-6));
  // One observation, no exception: LR = -2 ln(0.99).
  CHECK_THAT(kupiec_test(1, 0, p99).lr, dmtest::within_rel(-2.0 * std::log(0.99), 1e-13));
  REQUIRE_THROWS_WITH(kupiec_test(0, 0, p99), "kupiec_test: observations must be at least 1, got 0");
  REQUIRE_THROWS_WITH(kupiec_test(5, 6, p99), "kupiec_test: exceptions must not exceed the observations (5), got 6");
}

// Hand-checked sequence of 20 days at 90% coverage (p = 0.1):
//   0 0 1 1 0 0 0 1 0 0 0 0 1 1 1 0 0 0 0 0   (x = 6)
// transitions: 0->0 at 1-2, 5-6, 6-7, 9-10, 10-11, 11-12, 16-17, 17-18, 18-19, 19-20: n00 = 10;
//              0->1 at 2-3, 7-8, 12-13: n01 = 3; 1->1 at 3-4, 13-14, 14-15: n11 = 3;
//              1->0 at 4-5, 8-9, 15-16: n10 = 3.   pi0 = 3/13, pi1 = 3/6, pi = 6/19.
// python3:
//   def xl(k,r): return k*log(r) if k else 0
//   lrind=-2*(xl(13,13/19)+xl(6,6/19)-xl(10,10/13)-xl(3,3/13)-xl(3,.5)-xl(3,.5))
//   lrpof=kupiec(20,6,0.1)   -> 6.14654347215194
//   lrind 1.3358104147583951, p_ind = erfc(sqrt(lrind/2)) = 0.2477741635278944
//   lrcc = 7.482353886910335, p_cc = exp(-lrcc/2) (chi-square(2)) = 0.023726162340681853
TEST_CASE("Christoffersen statistics of a hand-checked sequence", "[backtest][christoffersen]") {
  const std::vector<int> hits{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0};
  const confidence_level p90(0.9);
  const auto c = christoffersen_test(hits, p90);
  CHECK(c.counts == transition_counts{10, 3, 3, 3});
  CHECK_THAT(c.pi0, dmtest::within_rel(3.0 / 13.0, 1e-15));
  CHECK_THAT(c.pi1, dmtest::within_rel(0.5, 1e-15));
  CHECK_THAT(c.pi, dmtest::within_rel(6.0 / 19.0, 1e-15));
  CHECK_THAT(c.lr_pof, dmtest::within_rel(6.14654347215194, 1e-12));
  CHECK_THAT(c.lr_ind, dmtest::within_rel(1.3358104147583951, 1e-12));
  CHECK_THAT(c.p_ind, dmtest::within_rel(0.2477741635278944, 1e-10));
  CHECK_THAT(c.lr_cc, dmtest::within_rel(7.482353886910335, 1e-12));
  CHECK_THAT(c.p_cc, dmtest::within_rel(0.023726162340681853, 1e-10));
  // The same from the counts, and from a vector<bool>.
  CHECK(christoffersen_test(transition_counts{10, 3, 3, 3}, 20, 6, p90) == c);
  const std::vector<bool> as_bool(hits.begin(), hits.end());
  CHECK(christoffersen_test(as_bool, p90) == c);
}

TEST_CASE("Christoffersen with zero exceptions and empty cells is finite", "[backtest][christoffersen]") {
  // No exception in 250 days: LR_ind = 0, LR_cc = LR_pof = 5.025167926750726 (Kupiec above),
  // p_cc = exp(-5.025167926750726 / 2) = 0.08105851616218125 (python3: math.exp).
  const std::vector<std::uint8_t> none(250, 0);
  const auto c = christoffersen_test(none, p99);
  CHECK(c.counts == transition_counts{249, 0, 0, 0});
  CHECK(c.lr_ind == 0.0);
  CHECK(c.p_ind == 1.0);
  CHECK_THAT(c.lr_cc, dmtest::within_rel(5.025167926750726, 1e-12));
  CHECK_THAT(c.p_cc, dmtest::within_rel(0.08105851616218125, 1e-10));
  // Only the last day is an exception: n10 = n11 = 0 (pi1 undefined, its terms are 0 log 0).
  std::vector<std::uint8_t> last(50, 0);
  last.back() = 1;
  const auto l = christoffersen_test(last, p99);
  CHECK(l.counts == transition_counts{48, 1, 0, 0});
  CHECK(l.pi1 == 0.0);
  CHECK(std::isfinite(l.lr_ind));
  CHECK_THAT(l.lr_ind, dmtest::within_abs(0.0, 1e-12));  // one state only: pi0 = pi
  // Every day an exception: only n11.
  const std::vector<std::uint8_t> all(30, 1);
  const auto a = christoffersen_test(all, p99);
  CHECK(a.counts == transition_counts{0, 0, 0, 29});
  CHECK(std::isfinite(a.lr_cc));
  CHECK_THAT(a.lr_cc, dmtest::within_rel(-60.0 * std::log(0.01), 1e-13));
  // One observation: no transitions.
  const auto one = christoffersen_test(std::vector<int>{1}, p99);
  CHECK(one.counts == transition_counts{});
  CHECK(one.lr_ind == 0.0);
  REQUIRE_THROWS_WITH(christoffersen_test(std::vector<int>{}, p99),
                      dmtest::contains("observations must be at least 1"));
  REQUIRE_THROWS_WITH(christoffersen_test(transition_counts{10, 3, 3, 3}, 21, 6, p99),
                      dmtest::contains("transition counts must add up to observations - 1 = 20, got 19"));
}

// Basel Committee (1996), table of 250 observations at 99%: cumulative probabilities (%)
// 0: 8.11, 1: 28.58, 2: 54.32, 3: 75.81, 4: 89.22, 5: 95.88, 6: 98.63, 7: 99.60, 8: 99.89,
// 9: 99.97, 10: 99.99; green 0-4, yellow 5-9, red 10 or more.
TEST_CASE("Basel traffic light reproduces the 1996 table", "[backtest][traffic_light]") {
  const double table[] = {8.11, 28.58, 54.32, 75.81, 89.22, 95.88, 98.63, 99.60, 99.89, 99.97, 99.99};
  for (std::size_t x = 0; x <= 10; ++x) {
    const auto tl = traffic_light(250, x, p99);
    INFO("exceptions " << x);
    CHECK_THAT(100.0 * tl.cumulative_probability, dmtest::within_abs(table[x], 0.005));  // the table rounds to 0.01%
    CHECK(tl.yellow_from == 5);
    CHECK(tl.red_from == 10);
    const auto want = x <= 4   ? traffic_light_zone::green
                      : x <= 9 ? traffic_light_zone::yellow
                               : traffic_light_zone::red;
    CHECK(tl.zone == want);
  }
  CHECK(traffic_light(250, 25, p99).zone == traffic_light_zone::red);
  CHECK(to_string(traffic_light_zone::yellow) == "yellow");
}

// MATLAB Risk Management Toolbox, varbacktest/tl documentation example: 1043 observations,
// 57 failures at 95%: TL green, Probability 0.77913, TypeI 0.26396. Exact binomial sums in
// python3 (math.comb): P(X <= 57) = 0.779127243332779, P(X >= 57) = 0.26395846600567263.
TEST_CASE("Traffic light reproduces MATLAB's tl example", "[backtest][traffic_light]") {
  const auto tl = traffic_light(1043, 57, confidence_level(0.95));
  CHECK(tl.zone == traffic_light_zone::green);
  CHECK_THAT(tl.cumulative_probability, dmtest::within_rel(0.779127243332779, 1e-10));
  CHECK_THAT(tl.type1_error, dmtest::within_rel(0.26395846600567263, 1e-10));
  CHECK_THAT(tl.cumulative_probability, dmtest::within_abs(0.77913, 5e-6));  // MATLAB prints 5 digits
  CHECK_THAT(tl.type1_error, dmtest::within_abs(0.26396, 5e-6));
}

// Zone edges for other sizes, by exact sums in python3 (smallest x with P(X <= x) >= 0.95 and
// >= 0.9999): (750, 0.5%) -> 7, 13 (also the published KPI example of cfrm17.github.io);
// (500, 1%) -> 9, 15; (1000, 1%) -> 15, 24.
TEST_CASE("Traffic light zone edges for any size and coverage", "[backtest][traffic_light]") {
  const auto a = traffic_light(750, 0, confidence_level(0.995));
  CHECK(a.yellow_from == 7);
  CHECK(a.red_from == 13);
  const auto b = traffic_light(500, 9, p99);
  CHECK(b.yellow_from == 9);
  CHECK(b.red_from == 15);
  CHECK(b.zone == traffic_light_zone::yellow);
  const auto c = traffic_light(1000, 23, p99);
  CHECK(c.yellow_from == 15);
  CHECK(c.red_from == 24);
  CHECK(c.zone == traffic_light_zone::yellow);
  // Hourly sizes work too: 37,386 observations at 99% (mean 373.86).
  const auto h = traffic_light(37386, 374, p99);
  CHECK(h.zone == traffic_light_zone::green);
  CHECK(h.yellow_from > 374);
  CHECK(h.red_from > h.yellow_from);
  REQUIRE_THROWS_WITH(traffic_light(10, 1, p99, traffic_light_edges{0.99, 0.95}),
                      dmtest::contains("traffic_light: edges.yellow must be in (0, edges.red)"));
}

// Durations of hits at t = 5, 6, 7, 30, 31, 55 among T = 60: 5 (censored: the sequence starts
// calm), 1, 1, 23, 1, 24, then 5 (censored: it ends calm).
// Reference: the censored Weibull likelihood maximised over (a, b) directly with mpmath
// (30 digits, nested golden-section searches, no profiling):
//   ll(a,b) = sum_censored -(a d)^b + sum_uncensored [b ln a + ln b + (b-1) ln d - (a d)^b]
//   b 0.778086551565388 a 0.0873583300054068 lr 0.570066086001701 p 0.450232656762693
TEST_CASE("Christoffersen-Pelletier duration test against a direct maximisation", "[backtest][duration]") {
  std::vector<int> hits(60, 0);
  for (int t : {5, 6, 7, 30, 31, 55}) hits[static_cast<std::size_t>(t - 1)] = 1;
  const auto durations = exception_durations(hits);
  const std::vector<exception_duration> want{{5, true},  {1, false},  {1, false}, {23, false},
                                             {1, false}, {24, false}, {5, true}};
  CHECK(durations == want);
  const auto d = duration_test(hits);
  CHECK(d.testable);
  CHECK(d.durations == 7);
  CHECK(d.uncensored == 5);
  CHECK_FALSE(d.shape_at_bound);
  CHECK_THAT(d.weibull_shape, dmtest::within_rel(0.778086551565388, 1e-8));  // golden search resolves ~1e-10
  CHECK_THAT(d.weibull_rate, dmtest::within_rel(0.0873583300054068, 1e-7));
  CHECK_THAT(d.lr, dmtest::within_rel(0.570066086001701, 1e-8));
  CHECK_THAT(d.p_value, dmtest::within_rel(0.450232656762693, 1e-8));
}

TEST_CASE("Duration test: clustered, regular and degenerate sequences", "[backtest][duration]") {
  // Exceptions in bursts have a decreasing hazard: b < 1 and a small p-value.
  std::vector<int> clustered(1000, 0);
  for (int start : {100, 400, 700, 950})
    for (int k = 0; k < 5; ++k) clustered[static_cast<std::size_t>(start + k)] = 1;
  const auto c = duration_test(clustered);
  CHECK(c.testable);
  CHECK(c.weibull_shape < 0.6);
  CHECK(c.p_value < 0.01);
  // Evenly spaced exceptions are more regular than memoryless: b > 1.
  std::vector<int> regular(1000, 0);
  for (std::size_t t = 49; t < 1000; t += 100 + (t % 7)) regular[t] = 1;
  const auto r = duration_test(regular);
  CHECK(r.weibull_shape > 2.0);
  // Starting and ending with an exception: no censored duration.
  const auto e = exception_durations(std::vector<int>{1, 0, 0, 1, 0, 1});
  CHECK(e == std::vector<exception_duration>{{3, false}, {2, false}});
  // No exception: nothing to test, p = 1 and no NaN.
  const auto z = duration_test(std::vector<int>(250, 0));
  CHECK_FALSE(z.testable);
  CHECK(z.durations == 0);
  CHECK(z.lr == 0.0);
  CHECK(z.p_value == 1.0);
  // Identical uncensored durations: the shape runs to its bound, flagged, finite.
  const auto b = duration_test(std::vector<int>{1, 0, 1, 0, 1, 0, 1});
  CHECK(b.shape_at_bound);
  CHECK(b.weibull_shape == duration_shape_upper);
  CHECK(std::isfinite(b.lr));
}

TEST_CASE("All coverage statistics of one sequence agree with the single tests", "[backtest][coverage]") {
  std::vector<int> hits(250, 0);
  for (int t : {10, 11, 80, 150, 151, 152, 240}) hits[static_cast<std::size_t>(t)] = 1;
  const auto report = coverage_tests(hits, p99);
  CHECK(report.kupiec == kupiec_test(250, 7, p99));
  CHECK(report.christoffersen == christoffersen_test(hits, p99));
  CHECK(report.traffic_light == traffic_light(250, 7, p99));
  CHECK(report.traffic_light.zone == traffic_light_zone::yellow);
  CHECK(report.duration == duration_test(hits));
}
