// SPDX-License-Identifier: MIT
// dynmargin::run_rolling_risk (runtime/rolling_risk.hpp), the loop behind `dynmargin var` and
// the Python module's rolling_risk: its rows against R's rolling historical VaR/ES
// (tests/data/rolling_hs_var_btc1h.csv), its indexing (row t uses returns before t, row n is
// the forecast after the data), and its refusals naming the caller's labels.
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "dynmargin/runtime/rolling_risk.hpp"
#include "test_data.hpp"

namespace {

struct forecast_row {
  std::size_t t;
  double var;
  double es;
};

std::vector<forecast_row> run(const std::vector<double>& returns, const dynmargin::rolling_risk_settings& settings,
                              dynmargin::rolling_risk_report* report = nullptr,
                              const dynmargin::rolling_risk_labels& labels = {}) {
  std::vector<forecast_row> rows;
  const auto done = dynmargin::run_rolling_risk(
      returns, settings,
      [&](std::size_t t, double var, double es) {
        rows.push_back({t, var, es});
      },
      labels);
  if (report != nullptr) *report = done;
  return rows;
}

dynmargin::rolling_risk_labels flag_labels() {
  dynmargin::rolling_risk_labels labels;
  labels.parameter = [](std::string_view name) { return "--" + std::string(name); };
  labels.return_at = [](std::size_t i) { return "the return on line " + std::to_string(i + 2); };
  return labels;
}

}  // namespace

TEST_CASE("run_rolling_risk: historical rows equal R's rolling HS VaR and ES on BTC hourly to 1e-12",
          "[runtime][risk]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_1h.csv")).numbers("r");
  const auto reference = dmtest::read_csv(dmtest::reference_path("rolling_hs_var_btc1h.csv"));
  const auto t = reference.numbers("t");
  const auto var1 = reference.numbers("var_type1");
  const auto es = reference.numbers("es");
  dynmargin::rolling_risk_settings settings;
  settings.method = "historical";
  settings.window = 500;
  settings.quantile = "type1";
  dynmargin::rolling_risk_report report;
  const auto rows = run(returns, settings, &report);
  // Row t (0-based return index) uses returns[t-500 .. t-1]: t = 500 .. n, the last one the
  // forecast after the data, which the reference does not have.
  REQUIRE(rows.size() == t.size() + 1);
  CHECK(report.rows == rows.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    REQUIRE(rows[i].t == static_cast<std::size_t>(t[i]));
    worst = std::max({worst, std::abs(rows[i].var - var1[i]), std::abs(rows[i].es - es[i])});
  }
  CHECK(worst <= 1e-12);
  CHECK(rows.back().t == returns.size());
}

TEST_CASE("run_rolling_risk: refusals name the setting as the caller spells it", "[runtime][risk]") {
  const std::vector<double> returns(60, 0.5);
  dynmargin::rolling_risk_settings settings;
  settings.window = 61;
  CHECK_THROWS_WITH(run(returns, settings, nullptr, flag_labels()),
                    dmtest::contains("--window is longer than the data (60 returns)"));
  settings.window = 20;
  settings.confidence = 0.01;
  CHECK_THROWS_WITH(run(returns, settings, nullptr, flag_labels()),
                    dmtest::contains("--confidence must be in [0.5, 1)"));
  settings.confidence = 0.99;
  settings.method = "bootstrap";
  CHECK_THROWS_WITH(run(returns, settings), dmtest::contains("method must be historical, parametric, fhs, evt"));
  std::vector<double> with_nan = returns;
  with_nan[7] = std::nan("");
  settings.method = "historical";
  CHECK_THROWS_WITH(run(with_nan, settings, nullptr, flag_labels()),
                    dmtest::contains("the return on line 9 must be finite"));
}

TEST_CASE("run_rolling_risk: a rolling GARCH refuses to estimate nu or moments on the whole input", "[runtime][risk]") {
  const auto returns = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  dynmargin::rolling_risk_settings settings;
  settings.method = "parametric";
  settings.vol = "garch";
  for (const char* spelling : {"student_t", "t"}) {
    settings.dist = spelling;
    CHECK_THROWS_WITH(run(returns, settings, nullptr, flag_labels()),
                      dmtest::contains("--nu must be given with a rolling GARCH and Student t"));
  }
  for (const char* spelling : {"cornish_fisher", "cornish-fisher"}) {
    settings.dist = spelling;
    CHECK_THROWS_WITH(run(returns, settings, nullptr, flag_labels()), dmtest::contains("--skew/--kurt must be given"));
  }
}

TEST_CASE("run_rolling_risk: a run without a forecast is an error naming what to shorten", "[runtime][risk]") {
  // Three returns fill neither an EVT window of 3 (the tails need a threshold sample) nor the
  // EWMA's warm-up: no row at all is an error, never an empty success.
  const std::vector<double> returns{0.4, -0.2, 0.1};
  dynmargin::rolling_risk_settings settings;
  for (const char* method : {"parametric", "evt"}) {
    settings.method = method;
    settings.window = 3;
    CHECK_THROWS_WITH(run(returns, settings, nullptr, flag_labels()),
                      dmtest::contains("no estimate: the 3 returns") && dmtest::contains("--window or --fit_start"));
  }
}
