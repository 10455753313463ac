// SPDX-License-Identifier: MIT
// Internals of dynmargin/volatility/: the GARCH log-likelihood of
// volatility/detail/garch_likelihood.hpp, whose analytic gradients and per-observation scores
// the fits rest on, against central finite differences (the fits themselves are tested through
// the public API in vol_garch_fit_test.cpp).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dynmargin/volatility/detail/garch_fit_steps.hpp"
#include "dynmargin/volatility/detail/garch_likelihood.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"
#include "test_data.hpp"

using namespace dynmargin;

namespace {

std::vector<double> returns_of(const std::string& dataset) {
  return dmtest::read_csv(dmtest::reference_path("returns_" + dataset + ".csv")).numbers("r");
}

}  // namespace

TEST_CASE("Analytic gradients equal central finite differences", "[volatility][garch][fit]") {
  const auto returns = returns_of("sol_usd_daily");
  // Away from the optimum so that every component is sizeable. Central differences with step
  // 1e-5 * max(|theta|, 0.1): truncation ~1e-10 relative, rounding ~1e-16 |L| / step ~ 1e-7;
  // tolerance 1e-6 of max(|g|, 1).
  const detail::garch_vector theta{0.05, 3.0, 0.15, 0.06, 0.75, 4.2};
  for (bool asymmetric : {false, true}) {
    for (auto innovation : {distribution_shape::normal, distribution_shape::student_t}) {
      for (auto start :
           {garch_start::fgarch, garch_start::rugarch, garch_start::backcast, garch_start::unconditional}) {
        INFO("asymmetric " << asymmetric << " t " << (innovation == distribution_shape::student_t) << " start "
                           << to_string(start));
        detail::garch_likelihood likelihood(returns, asymmetric, innovation, start);
        detail::garch_vector point = theta;
        if (!asymmetric) point[detail::garch_gamma] = 0.0;
        detail::garch_vector gradient{};
        const double value = likelihood.value_and_gradient(point, gradient);
        CHECK(value == likelihood.value(point));
        for (std::size_t j = 0; j < 6; ++j) {
          if ((j == detail::garch_gamma && !asymmetric) ||
              (j == detail::garch_nu && innovation == distribution_shape::normal)) {
            CHECK(gradient[j] == 0.0);
            continue;
          }
          const double step = 1e-5 * std::max(std::abs(point[j]), 0.1);
          detail::garch_vector up = point;
          detail::garch_vector down = point;
          up[j] += step;
          down[j] -= step;
          const double numeric = (likelihood.value(up) - likelihood.value(down)) / (2.0 * step);
          INFO("component " << j << " analytic " << gradient[j] << " numeric " << numeric);
          CHECK(std::abs(gradient[j] - numeric) <= 1e-6 * std::max(std::abs(gradient[j]), 1.0));
        }
        // The per-observation scores (forward mode) add up to the same gradient.
        detail::garch_matrix outer;
        detail::garch_vector score_sum{};
        likelihood.score_outer_product(point, outer, score_sum);
        for (std::size_t j = 0; j < 6; ++j)
          CHECK(std::abs(score_sum[j] - gradient[j]) <= 1e-9 * std::max(std::abs(gradient[j]), 1.0));
      }
    }
  }
}

TEST_CASE("Near a bound: 1e-3 of the bound's magnitude plus 1e-8 of the box", "[volatility][garch][fit]") {
  CHECK(detail::garch_near_bound(2.0104, 2.01, 97.99));  // the nu = 2.0104 against 2.01
  CHECK_FALSE(detail::garch_near_bound(2.02, 2.01, 97.99));
  CHECK(detail::garch_near_bound(99.95, 100.0, 97.99));
  CHECK(detail::garch_near_bound(1.5e-8, 1e-8, 1.0));
  CHECK_FALSE(detail::garch_near_bound(1e-6, 1e-8, 1.0));
}

TEST_CASE("Observations left out of the likelihood keep their place in the recursion", "[volatility][garch][fit]") {
  // Every 10th BTC daily return set to 0 and left out: the log-likelihood is the sum of the
  // other terms, -(log(2 pi) + log h_t + z_t^2 / h_t) / 2 for the normal and the unit-variance
  // t's for the Student t, with h_t from the whole series (1e-12 relative); the analytic
  // gradient still equals central differences (as the full likelihood's above).
  auto stale = dmtest::read_csv(dmtest::reference_path("returns_btc_usd_daily.csv")).numbers("r");
  std::vector<std::size_t> excluded;
  for (std::size_t t = 0; t < stale.size(); ++t) {
    if (t % 10 == 0) stale[t] = 0.0;
    if (stale[t] == 0.0) excluded.push_back(t);
  }
  const garch_parameters p{0.1, 0.5, 0.1, 0.05, 0.85, 4.0};
  const auto h = garch_conditional_variances(stale, p);
  for (bool student : {false, true}) {
    INFO("student " << student);
    double expected = 0.0;
    for (std::size_t t = 0; t < stale.size(); ++t) {
      if (stale[t] == 0.0) continue;
      const double z = stale[t] - p.mu;
      if (student) {
        const double nu = p.nu;
        expected += std::lgamma(0.5 * (nu + 1.0)) - std::lgamma(0.5 * nu) -
                    0.5 * std::log(std::numbers::pi * (nu - 2.0)) - 0.5 * std::log(h[t]) -
                    0.5 * (nu + 1.0) * std::log1p(z * z / ((nu - 2.0) * h[t]));
      } else {
        expected -= 0.5 * (std::log(2.0 * std::numbers::pi) + std::log(h[t]) + z * z / h[t]);
      }
    }
    detail::garch_likelihood likelihood(stale, true,
                                        student ? distribution_shape::student_t : distribution_shape::normal,
                                        garch_start::fgarch);
    likelihood.exclude_from_likelihood(excluded);
    CHECK(likelihood.likelihood_size() == stale.size() - excluded.size());
    const auto theta = detail::to_vector(p);
    CHECK_THAT(likelihood.value(theta), dmtest::within_rel(expected, 1e-12));
    detail::garch_vector gradient{};
    (void)likelihood.value_and_gradient(theta, gradient);
    detail::garch_matrix outer;
    detail::garch_vector score_sum{};
    likelihood.score_outer_product(theta, outer, score_sum);
    for (std::size_t j = 0; j < detail::garch_full_size; ++j) {
      if (j == detail::garch_nu && !student) continue;
      const double step = 1e-5 * std::max(std::abs(theta[j]), 0.1);
      auto up = theta;
      auto down = theta;
      up[j] += step;
      down[j] -= step;
      const double numeric = (likelihood.value(up) - likelihood.value(down)) / (2.0 * step);
      INFO("parameter " << j << " analytic " << gradient[j] << " numeric " << numeric);
      CHECK(std::abs(gradient[j] - numeric) <= 1e-6 * std::max(std::abs(gradient[j]), 1.0));
      // The per-observation scores of the kept observations add up to the same gradient.
      CHECK(std::abs(score_sum[j] - gradient[j]) <= 1e-9 * std::max(std::abs(gradient[j]), 1.0));
    }
  }
}
