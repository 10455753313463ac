// SPDX-License-Identifier: MIT
// Rolling historical VaR/ES against tests/data/rolling_hs_var_btc1h.csv (R 4.2.2: quantile
// types 7 and 1, ES = -mean(w[w <= -var_type1])), all 36,886 windows, and the rolling tail
// structure against a full sort on random data with ties.
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "catch.hpp"
#include "dynmargin/risk/rolling_quantile.hpp"
#include "test_data.hpp"

using namespace dynmargin;

TEST_CASE("rolling tail reproduces the R rolling HS reference on BTC hourly to 1e-12", "[risk][rolling]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
  const auto reference = dmtest::read_csv(dmtest::reference_path("rolling_hs_var_btc1h.csv"));
  const auto t = reference.numbers("t");
  const auto var7 = reference.numbers("var_type7");
  const auto var1 = reference.numbers("var_type1");
  const auto es = reference.numbers("es");
  REQUIRE(returns.size() == 37386);
  REQUIRE(t.size() == 36886);
  // Indexing, worked out from the file: its column t runs 500..37385 and is the 0-based index
  // of the forecast return; the window is returns[t-500 .. t-1] (0-based), i.e. REFERENCE.md's
  // r[t-500 .. t-1] read with 0-based t. So after pushing returns[0..t-1] the window is row t.
  rolling_lower_tail tail(500, 0.99);
  std::size_t row = 0;
  double worst = 0.0;
  for (std::size_t i = 0; i < returns.size(); ++i) {
    REQUIRE(tail.push(returns[i]) == status::ok);
    const std::size_t next = i + 1;  // the window now holds returns[next-500 .. next-1]
    if (row < t.size() && static_cast<std::size_t>(t[row]) == next) {
      REQUIRE(tail.full());
      const auto e7 = tail.estimate(quantile_method::type7, es_method::tail_mean);
      const auto e1 = tail.estimate(quantile_method::type1, es_method::tail_mean);
      worst = std::max({worst, std::abs(e7.var - var7[row]), std::abs(e1.var - var1[row]), std::abs(e1.es - es[row]),
                        std::abs(e7.es - es[row])});
      ++row;
    }
  }
  CHECK(row == t.size());
  CHECK(worst <= 1e-12);
}

TEST_CASE("rolling tail equals a full sort of each window (random data with ties)", "[risk][rolling]") {
  // Independent reference: sort each window and apply the definitions directly. Values are
  // rounded to a coarse grid so that ties at the quantile occur; exact equality expected
  // except for the summation order of ES (1e-12 absolute).
  std::mt19937_64 engine(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const auto& [window, confidence] :
       {std::pair<std::size_t, double>{120, 0.95}, {250, 0.99}, {97, 0.975}, {1000, 0.999}}) {
    rolling_lower_tail tail(window, confidence);
    std::vector<double> history;
    for (int i = 0; i < 3000; ++i) {
      const double x = std::round(normal(engine) * 8.0) / 8.0;
      history.push_back(x);
      REQUIRE(tail.push(x) == status::ok);
      const std::size_t n = std::min(history.size(), window);
      std::vector<double> w(history.end() - static_cast<std::ptrdiff_t>(n), history.end());
      std::sort(w.begin(), w.end());
      const double a = 1.0 - confidence;
      const auto k = static_cast<std::size_t>(std::max(1.0, std::ceil(static_cast<double>(n) * a - 1e-9)));
      double expected_es = 0.0;
      std::size_t count = 0;
      for (double v : w)
        if (v <= w[k - 1]) {
          expected_es += v;
          ++count;
        }
      expected_es = -expected_es / static_cast<double>(count);
      const double index = 1.0 + static_cast<double>(n - 1) * a;
      const auto lo = static_cast<std::size_t>(std::floor(index));
      const double h = index - std::floor(index);
      const double q7 = lo < n ? (1.0 - h) * w[lo - 1] + h * w[lo] : w[lo - 1];
      const auto e1 = tail.estimate(quantile_method::type1, es_method::tail_mean);
      const auto e7 = tail.estimate(quantile_method::type7, es_method::tail_mean);
      REQUIRE(e1.var == -w[k - 1]);
      REQUIRE_THAT(e7.var, dmtest::within_abs(-q7, 1e-12));
      REQUIRE_THAT(e1.es, dmtest::within_abs(expected_es, 1e-12));
      // Acerbi-Tasche: -(1/(n a)) (sum of floor(n a) smallest + fraction * next).
      const double na = static_cast<double>(n) * a;
      const auto whole = static_cast<std::size_t>(std::floor(na + 1e-9));
      double s = 0.0;
      for (std::size_t j = 0; j < whole; ++j) s += w[j];
      const double fraction = na - static_cast<double>(whole);
      if (fraction > 1e-9 && whole < n) s += fraction * w[whole];
      REQUIRE_THAT(tail.estimate(quantile_method::type1, es_method::acerbi_tasche).es,
                   dmtest::within_abs(-s / na, 1e-12));
    }
  }
}

TEST_CASE("rolling tail rejects bad input without changing", "[risk][rolling][errors]") {
  rolling_lower_tail tail(10, 0.9);
  REQUIRE(tail.push(1.0) == status::ok);
  CHECK(tail.push(std::nan("")) == status::non_finite_input);
  CHECK(tail.size() == 1);
  REQUIRE_THROWS_WITH(rolling_lower_tail(10, 1.5), "rolling_lower_tail: confidence must be in (0, 1), got 1.5");
  REQUIRE_THROWS_WITH(rolling_lower_tail(0, 0.9), dmtest::contains("window must be in"));
}
