// SPDX-License-Identifier: MIT
// core/: the error policy's messages, the strong types' checks, returns from prices.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/returns.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/version.hpp"

using namespace dynmargin;

TEST_CASE("version header matches the CMake project version", "[core]") {
  const std::string from_macros = std::to_string(DYNMARGIN_VERSION_MAJOR) + "." +
                                  std::to_string(DYNMARGIN_VERSION_MINOR) + "." +
                                  std::to_string(DYNMARGIN_VERSION_PATCH);
  CHECK(from_macros == DYNMARGIN_PROJECT_VERSION);
  CHECK(std::string(version_string) == DYNMARGIN_PROJECT_VERSION);
}

TEST_CASE("errors derive from the standard exceptions and name component, parameter and value", "[core]") {
  REQUIRE_THROWS_AS(confidence_level(1.2), std::invalid_argument);
  REQUIRE_THROWS_WITH(confidence_level(1.2), "confidence_level: p must be in (0, 1), got 1.2");
  REQUIRE_THROWS_WITH(confidence_level(0.0), "confidence_level: p must be in (0, 1), got 0");
  REQUIRE_THROWS_WITH(confidence_level(std::nan("")), dmtest::contains("got nan"));
  REQUIRE_THROWS_WITH(horizon(0), "horizon: steps must be at least 1, got 0");
  REQUIRE_THROWS_WITH(rate(-0.01), "rate: value must be finite and >= 0, got -0.01");
  REQUIRE_THROWS_AS(rate(std::numeric_limits<double>::infinity()), invalid_argument);
  REQUIRE_THROWS_WITH(decay_factor(1.0), "decay_factor: lambda must be in (0, 1), got 1");
  REQUIRE_THROWS_AS(throw_domain_error("x", "y", "must be z", 2), std::domain_error);
  REQUIRE_THROWS_AS(throw_evaluation_error("garch", "did not converge"), std::runtime_error);
  REQUIRE_THROWS_WITH(throw_evaluation_error("garch", "did not converge"), "garch: did not converge");
}

TEST_CASE("non-throwing statuses map to the matching exception", "[core]") {
  REQUIRE_NOTHROW(throw_if_error(status::ok, "c", "w"));
  REQUIRE_THROWS_AS(throw_if_error(status::non_finite_input, "ewma", "return at index 3"), std::invalid_argument);
  REQUIRE_THROWS_WITH(throw_if_error(status::non_finite_input, "ewma", "return at index 3"),
                      "ewma: return at index 3 failed with status non_finite_input");
  REQUIRE_THROWS_AS(throw_if_error(status::domain_error, "c", "w"), std::domain_error);
  REQUIRE_THROWS_AS(throw_if_error(status::no_convergence, "c", "w"), std::runtime_error);
  CHECK(to_string(status::suspect_input) == "suspect_input");
}

TEST_CASE("refit_failed is the one warning: not an error, never thrown", "[core]") {
  CHECK(to_string(status::refit_failed) == "refit_failed");
  CHECK(is_warning(status::refit_failed));
  CHECK_FALSE(is_error(status::refit_failed));
  REQUIRE_NOTHROW(throw_if_error(status::refit_failed, "evt_risk", "return at index 3"));
  CHECK_FALSE(is_warning(status::ok));
  CHECK_FALSE(is_error(status::ok));
  for (const status s : {status::non_finite_input, status::invalid_argument, status::not_enough_data,
                         status::domain_error, status::no_convergence, status::suspect_input}) {
    CHECK(is_error(s));
    CHECK_FALSE(is_warning(s));
  }
}

TEST_CASE("strong types keep their values", "[core]") {
  CHECK(confidence_level(0.975).value() == 0.975);
  CHECK_THAT(confidence_level(0.975).tail(), dmtest::within_abs(0.025, 1e-15));
  CHECK(rate::from_percent(12.5).value() == 0.125);
  CHECK(rate(0.2).percent() == 20.0);
  CHECK(horizon(24).steps() == 24);
  CHECK(confidence_level(0.95) < confidence_level(0.99));
}

TEST_CASE("log and simple returns in fractions and percent", "[core]") {
  const std::vector<double> prices{100.0, 110.0, 99.0};
  const auto log_pct = returns_from_prices(prices);
  REQUIRE(log_pct.size() == 2);
  CHECK_THAT(log_pct[0], dmtest::within_rel(100.0 * std::log(1.1), 1e-15));
  CHECK_THAT(log_pct[1], dmtest::within_rel(100.0 * std::log(0.9), 1e-15));
  const auto simple_frac = returns_from_prices(prices, return_kind::simple, return_units::fraction);
  CHECK_THAT(simple_frac[0], dmtest::within_rel(0.1, 1e-14));
  CHECK_THAT(simple_frac[1], dmtest::within_rel(-0.1, 1e-14));
  CHECK(returns_from_prices(std::vector<double>{}).empty());
  CHECK(returns_from_prices(std::vector<double>{5.0}).empty());
}

TEST_CASE("returns keep the time between irregularly spaced prices", "[core]") {
  const std::vector<timestamp> times{0, 3600, 7200, 25200};  // a 5-hour gap at the end
  const std::vector<double> prices{100.0, 101.0, 100.0, 102.0};
  const auto series = returns_from_prices(times, prices, return_kind::log, return_units::fraction);
  REQUIRE(series.size() == 3);
  CHECK(series.points[0].time == 3600);
  CHECK(series.points[0].elapsed_seconds == 3600.0);
  CHECK(series.points[2].elapsed_seconds == 18000.0);
  CHECK_THAT(series.points[2].value, dmtest::within_rel(std::log(1.02), 1e-15));
  // Scaled to one hour, the 5-hour return carries one hour's worth of variance.
  const double hourly = normalise_to_step(series.points[2].value, series.points[2].elapsed_seconds, 3600.0);
  CHECK_THAT(hourly * hourly * 5.0, dmtest::within_rel(series.points[2].value * series.points[2].value, 1e-14));
  CHECK(series.values().size() == 3);
}

TEST_CASE("bad prices and times are errors that name the row", "[core]") {
  const std::vector<double> with_zero{100.0, 0.0, 101.0};
  REQUIRE_THROWS_WITH(returns_from_prices(with_zero),
                      "returns_from_prices: price at row 1 must be finite and positive, got 0");
  const std::vector<double> with_nan{100.0, 101.0, std::nan("")};
  REQUIRE_THROWS_WITH(returns_from_prices(with_nan), dmtest::contains("price at row 2"));
  const std::vector<double> negative{-1.0, 101.0};
  REQUIRE_THROWS_WITH(returns_from_prices(negative), dmtest::contains("price at row 0"));
  const std::vector<timestamp> times{0, 10, 10};
  const std::vector<double> prices{1.0, 2.0, 3.0};
  REQUIRE_THROWS_WITH(returns_from_prices(times, prices), dmtest::contains("time at row 2 must be later"));
  const std::vector<timestamp> short_times{0, 10};
  REQUIRE_THROWS_AS(returns_from_prices(short_times, prices), std::invalid_argument);
}
