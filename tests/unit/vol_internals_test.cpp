// SPDX-License-Identifier: MIT
// Internals of dynmargin/volatility/: the GARCH log-likelihood of
// volatility/detail/garch_likelihood.hpp, whose analytic gradients and per-observation scores
// the fits rest on, against central finite differences (the fits themselves are tested through
// the public API in vol_garch_fit_test.cpp).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "catch.hpp"
#include "dynmargin/volatility/detail/garch_likelihood.hpp"
#include "dynmargin/volatility/garch.hpp"
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
