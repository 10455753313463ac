// SPDX-License-Identifier: MIT
/// @file
/// @brief Joint scenarios across underlyings: filtered historical simulation from a common
///        history, and Monte Carlo from a covariance matrix. Both return a `scenario_set`, so
///        options are fully revalued in every scenario (portfolio/revaluation.hpp) and the
///        margin, binding scenario and attribution come from portfolio/scenario_margin.hpp.
///
/// Filtered historical simulation (Barone-Adesi, Giannopoulos and Vosper 1999; LCH PAIRS,
/// ICE IRM 2): every underlying's log returns r_tu are devolatilised by its own EWMA volatility
/// (RiskMetrics, lambda per underlying), z_tu = r_tu / sigma_tu with sigma_tu the forecast made
/// before r_tu, and revolatilised to today's forecast: scenario t moves underlying u by
/// z_tu sigma_now,u sqrt(h) in log terms. The rows are dates of one common history, so the
/// correlations between underlyings are the history's own, with no model of them.
///
/// Monte Carlo: N draws of x ~ Normal(0, h Sigma) (Sigma per step, of log returns), through the
/// symmetric square root of Sigma's eigen-decomposition, so a positive-semidefinite but singular
/// covariance works; one that is not positive semidefinite is refused with its smallest
/// eigenvalue named.
///
/// Implied volatility in these scenarios: an underlying's implied volatility moves with its own
/// conditional volatility, as an EWMA would after the scenario's move: a standardised move z
/// takes the EWMA volatility from sigma to sigma sqrt(lambda + (1 - lambda) z^2), so the
/// relative volatility shock is `iv_sensitivity` x (sqrt(lambda + (1 - lambda) z^2) - 1): a
/// large move in either direction raises volatility, a quiet one lowers it slightly. Set
/// `iv_sensitivity` to 0 to keep implied volatilities fixed.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/random.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/portfolio/scenarios.hpp"
#include "dynmargin/volatility/ewma.hpp"

namespace dynmargin {

/// @brief Settings of `filtered_historical_scenarios`.
struct filtered_historical_settings {
  double lambda = 0.94;            ///< EWMA decay of every underlying (LCH: 0.97)
  std::int64_t warmup = 30;        ///< returns that start each EWMA (their mean square); no scenario from them
  std::int64_t horizon_steps = 1;  ///< h: scenarios are h-step moves (square-root-of-time)
  double iv_sensitivity = 1.0;     ///< 0: implied volatilities do not move
};

namespace detail {

// The relative implied-volatility shock of a standardised move z (see the file comment).
[[nodiscard]] inline double ewma_volatility_reaction(double z, double lambda, double sensitivity) noexcept {
  return sensitivity * (std::sqrt(lambda + (1.0 - lambda) * z * z) - 1.0);
}

}  // namespace detail

/// @brief Scenarios in units of each underlying's volatility: row s moves underlying u by
///        z(s, u) standard deviations (a devolatilised history, or unit-variance draws). A
///        scale per underlying turns them into moves (`dynamic_portfolio_margin`).
struct standardised_scenarios {
  std::vector<std::string> names;  ///< one per scenario
  Eigen::MatrixXd z;               ///< scenarios x underlyings
  Eigen::VectorXd weight;          ///< per scenario, in [0, 1] (1: full)
  /// Each underlying's volatility after the last row, per step (the EWMA's forecast for
  /// `filtered_historical_residuals`; empty when the scenarios come without one).
  Eigen::VectorXd volatility_now;

  [[nodiscard]] std::size_t size() const noexcept { return names.size(); }
  [[nodiscard]] Eigen::Index underlyings() const noexcept { return z.cols(); }
};

/// @brief The devolatilised history of filtered historical simulation: z_tu = r_tu / sigma_tu,
///        sigma_tu the EWMA forecast made before r_tu, one row per date after the warm-up.
/// @param returns rows = dates (oldest first), columns = underlyings; log returns as fractions
/// @param row_names a name per row (dates), used for the scenarios' names; empty: "row i"
/// @throws dynmargin::invalid_argument naming the row, the column and the value: a non-finite
///         return, too few rows for the warm-up, settings out of range, a zero volatility.
[[nodiscard]] inline standardised_scenarios filtered_historical_residuals(
    const Eigen::MatrixXd& returns, const filtered_historical_settings& settings = {},
    const std::vector<std::string>& row_names = {}) {
  constexpr std::string_view component = "filtered historical scenarios";
  const decay_factor lambda(settings.lambda, component, "lambda");
  if (settings.warmup < 1) throw_invalid_argument(component, "warmup", "must be at least 1 return", settings.warmup);
  if (settings.horizon_steps < 1)
    throw_invalid_argument(component, "horizon_steps", "must be at least 1", settings.horizon_steps);
  if (!(std::isfinite(settings.iv_sensitivity) && settings.iv_sensitivity >= 0.0))
    throw_invalid_argument(component, "iv_sensitivity", "must be finite and >= 0", settings.iv_sensitivity);
  if (returns.cols() < 1) throw_invalid_argument(component, "returns", "must have at least one column", 0);
  if (returns.rows() <= settings.warmup)
    throw_invalid_argument(component, "returns",
                           "must have more rows than warmup (" + std::to_string(settings.warmup) + ")", returns.rows());
  if (!row_names.empty() && row_names.size() != static_cast<std::size_t>(returns.rows()))
    throw_invalid_argument(component, "row_names", "must name every row (" + std::to_string(returns.rows()) + ")",
                           row_names.size());
  const Eigen::Index dates = returns.rows();
  const Eigen::Index underlyings = returns.cols();
  const auto warmup = static_cast<Eigen::Index>(settings.warmup);
  const Eigen::Index count = dates - warmup;
  standardised_scenarios out;
  out.z.resize(count, underlyings);
  out.volatility_now.resize(underlyings);
  out.weight = Eigen::VectorXd::Ones(count);
  for (Eigen::Index u = 0; u < underlyings; ++u) {
    ewma_volatility model({lambda, ewma_start::warmup_window, settings.warmup, 0.0, 0});
    for (Eigen::Index t = 0; t < dates; ++t) {
      const double r = returns(t, u);
      if (!std::isfinite(r))
        throw_invalid_argument(component, "return at row " + std::to_string(t) + ", column " + std::to_string(u),
                               "must be finite", r);
      if (t >= warmup) {
        const double sigma = model.volatility();
        if (!(sigma > 0.0))
          throw_invalid_argument(component,
                                 "volatility before row " + std::to_string(t) + ", column " + std::to_string(u),
                                 "must be > 0 (returns of zero throughout the warm-up)", sigma);
        out.z(t - warmup, u) = r / sigma;
      }
      (void)model.update(r);
    }
    out.volatility_now(u) = model.volatility();
  }
  for (Eigen::Index s = 0; s < count; ++s)
    out.names.push_back(row_names.empty() ? "row " + std::to_string(s + warmup)
                                          : row_names[static_cast<std::size_t>(s + warmup)]);
  return out;
}

/// @brief Filtered historical scenarios from a common history of log returns: the residuals
///        of `filtered_historical_residuals` revolatilised to each underlying's forecast now.
/// @throws as `filtered_historical_residuals`.
[[nodiscard]] inline scenario_set filtered_historical_scenarios(const Eigen::MatrixXd& returns,
                                                                const filtered_historical_settings& settings = {},
                                                                const std::vector<std::string>& row_names = {}) {
  standardised_scenarios residuals = filtered_historical_residuals(returns, settings, row_names);
  const Eigen::Index count = residuals.z.rows();
  const Eigen::Index underlyings = residuals.z.cols();
  scenario_set set;
  set.price_return.resize(count, underlyings);
  set.volatility_shock.resize(count, underlyings);
  set.weight = Eigen::VectorXd::Ones(count);
  set.rule = {volatility_shock_rule::mode::relative, 0.0, 0.0, 30.0, 30.0, 1.0};
  const double root_horizon = std::sqrt(static_cast<double>(settings.horizon_steps));
  for (Eigen::Index s = 0; s < count; ++s) {
    for (Eigen::Index u = 0; u < underlyings; ++u) {
      const double z = residuals.z(s, u);
      set.price_return(s, u) = std::expm1(z * residuals.volatility_now(u) * root_horizon);
      set.volatility_shock(s, u) = detail::ewma_volatility_reaction(z, settings.lambda, settings.iv_sensitivity);
    }
  }
  set.names = std::move(residuals.names);
  check_scenario_set(set, "filtered historical scenarios");
  return set;
}

/// @brief Settings of `monte_carlo_scenarios`.
struct monte_carlo_scenario_settings {
  std::int64_t scenarios = 10'000;
  std::int64_t horizon_steps = 1;  ///< draws of h Sigma
  std::uint64_t seed = 20261206;   ///< the same draws on every platform (core/random.hpp)
  double iv_lambda = 0.94;         ///< the EWMA whose reaction moves implied volatility
  double iv_sensitivity = 1.0;     ///< 0: implied volatilities do not move
  double psd_tolerance = 1e-12;    ///< eigenvalues above -tolerance x the largest count as 0
};

/// @brief Monte Carlo scenarios of log returns drawn from Normal(0, h Sigma).
/// @param covariance per-step covariance of the underlyings' log returns (fractions)
/// @throws dynmargin::invalid_argument naming the entry or the smallest eigenvalue: a matrix
///         that is not square, finite and symmetric, or not positive semidefinite (use
///         portfolio/nearest_correlation.hpp's nearest correlation matrix for a correlation
///         matrix estimated piecewise).
[[nodiscard]] inline scenario_set monte_carlo_scenarios(const Eigen::MatrixXd& covariance,
                                                        const monte_carlo_scenario_settings& settings = {}) {
  constexpr std::string_view component = "monte carlo scenarios";
  if (settings.scenarios < 1) throw_invalid_argument(component, "scenarios", "must be at least 1", settings.scenarios);
  if (settings.horizon_steps < 1)
    throw_invalid_argument(component, "horizon_steps", "must be at least 1", settings.horizon_steps);
  const decay_factor iv_lambda(settings.iv_lambda, component, "iv_lambda");
  if (!(std::isfinite(settings.iv_sensitivity) && settings.iv_sensitivity >= 0.0))
    throw_invalid_argument(component, "iv_sensitivity", "must be finite and >= 0", settings.iv_sensitivity);
  const Eigen::Index n = covariance.rows();
  if (n < 1 || covariance.cols() != n)
    throw_invalid_argument(component, "covariance", "must be square and non-empty",
                           std::to_string(covariance.rows()) + "x" + std::to_string(covariance.cols()));
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) {
      const double c = covariance(i, j);
      const std::string entry = "covariance(" + std::to_string(i) + ", " + std::to_string(j) + ")";
      if (!std::isfinite(c)) throw_invalid_argument(component, entry, "must be finite", c);
      if (c != covariance(j, i))
        throw_invalid_argument(component, entry, "must equal its transpose's " + detail::format_value(covariance(j, i)),
                               c);
    }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(covariance);
  const Eigen::VectorXd& values = eigen.eigenvalues();  // ascending
  const double largest = std::max(values(n - 1), 0.0);
  if (values(0) < -settings.psd_tolerance * largest || !(largest > 0.0))
    throw_invalid_argument(component, "covariance",
                           "must be positive semidefinite with a positive variance (nearest_correlation gives the "
                           "nearest correlation matrix); its smallest eigenvalue is",
                           values(0));
  const Eigen::VectorXd roots = values.cwiseMax(0.0).cwiseSqrt();
  const Eigen::MatrixXd root = eigen.eigenvectors() * roots.asDiagonal() * eigen.eigenvectors().transpose();
  const double root_horizon = std::sqrt(static_cast<double>(settings.horizon_steps));
  const auto count = static_cast<Eigen::Index>(settings.scenarios);
  scenario_set set;
  set.price_return.resize(count, n);
  set.volatility_shock.resize(count, n);
  set.weight = Eigen::VectorXd::Ones(count);
  set.rule = {volatility_shock_rule::mode::relative, 0.0, 0.0, 30.0, 30.0, 1.0};
  random_stream draws(settings.seed);
  Eigen::VectorXd normal(n);
  for (Eigen::Index s = 0; s < count; ++s) {
    for (Eigen::Index u = 0; u < n; ++u) normal(u) = draws.normal();
    const Eigen::VectorXd step = root * normal;  // one step's log returns
    for (Eigen::Index u = 0; u < n; ++u) {
      const double sd = std::sqrt(covariance(u, u));
      const double z = sd > 0.0 ? step(u) / sd : 0.0;
      set.price_return(s, u) = std::expm1(step(u) * root_horizon);
      set.volatility_shock(s, u) = detail::ewma_volatility_reaction(z, iv_lambda.value(), settings.iv_sensitivity);
    }
    set.names.push_back("draw " + std::to_string(s));
  }
  check_scenario_set(set, component);
  return set;
}

}  // namespace dynmargin
