// SPDX-License-Identifier: MIT
/// @file
/// @brief How a risk measure reaches a horizon of h steps, made explicit everywhere.
///
/// A one-step risk measure says nothing about the margin period of risk (2 days at LCH and
/// Eurex, 1 hour on a crypto venue). Every risk measure of dynmargin carries a horizon in
/// steps of the data and one of these rules for reaching it:
///  - `volatility_model`: the variance of the h-step sum from the volatility model,
///    `vol.variance(h)`, which carries its term structure (GARCH mean reversion; EWMA is flat,
///    so it equals square-root-of-time there);
///  - `square_root_of_time`: the one-step measure times sqrt(h) (Basel's 10-day scaling;
///    exact only for i.i.d. normal returns);
///  - `overlapping_sums`: the empirical distribution of the overlapping h-step sums
///    r_t + ... + r_{t+h-1} of the historical (or filtered) returns, as CCPs' multi-day FHS
///    (Barone-Adesi, Giannopoulos and Vosper 1999; LCH SwapClear's PAIRS methodology);
///  - `bootstrap`: sums of h returns drawn with replacement by a seeded std::mt19937_64, so a
///    run reproduces (Barone-Adesi, Bourgoin and Giannopoulos 1998).
/// With h = 1 all rules give the one-step measure.
#pragma once

#include <cstdint>
#include <string_view>

#include "dynmargin/core/error.hpp"

namespace dynmargin {

/// @brief How a risk measure scales to its horizon of h steps (see the file comment).
enum class horizon_rule : std::uint8_t { volatility_model, square_root_of_time, overlapping_sums, bootstrap };

/// @brief Stable name of a horizon rule, for logs and the command line.
[[nodiscard]] constexpr std::string_view to_string(horizon_rule rule) noexcept {
  switch (rule) {
    case horizon_rule::volatility_model: return "volatility_model";
    case horizon_rule::square_root_of_time: return "square_root_of_time";
    case horizon_rule::overlapping_sums: return "overlapping_sums";
    case horizon_rule::bootstrap: return "bootstrap";
  }
  return "unknown";
}

namespace detail {
/// Checks a horizon in steps (>= 1), naming the component.
inline void check_horizon_steps(std::string_view component, std::int64_t steps) {
  if (steps < 1) throw_invalid_argument(component, "horizon_steps", "must be at least 1", steps);
}
/// Checks a confidence level in (0, 1), naming the component.
inline void check_confidence(std::string_view component, double confidence) {
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw_invalid_argument(component, "confidence", "must be in (0, 1)", confidence);
  }
}
}  // namespace detail

}  // namespace dynmargin
