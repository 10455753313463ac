// SPDX-License-Identifier: MIT
/// @file
/// @brief Monte Carlo VaR and ES: correlated normal or Student t scenarios of several assets
///        through a Cholesky factor, a seeded stream that reproduces on every platform, the
///        scenario P&L vector of a portfolio, its VaR/ES and the Euler allocation of ES.
///
/// Scenarios (Glasserman 2003, "Monte Carlo Methods in Financial Engineering", ch. 2.3 and
/// 9.1; McNeil, Frey & Embrechts 2005, ch. 3.2): with S = L L^T the covariance of one step's
/// returns (Eigen's LLT) and z a vector of independent standard normals,
///  - normal:    x = mu + L z;
///  - Student t: x = mu + sqrt((nu - 2)/W) L z, W ~ chi-square(nu) shared by all assets of a
///    scenario, nu > 2: the multivariate t with nu degrees of freedom *scaled so that its
///    covariance is S* (its dispersion matrix is S (nu-2)/nu). Every margin is a unit-variance
///    Student t, and extremes of the assets come together (tail dependence).
/// Scenarios are generated in blocks of rows: a block of standard normals Z (rows x d, one
/// scenario per row, drawn row by row) times L^T is one GEMM, so the scenario matrix X is the
/// same for any number of threads. The draws come from `dynmargin::random_stream` (our own polar
/// normal and Marsaglia-Tsang gamma on std::mt19937_64), so a seed gives the same scenarios
/// with libstdc++, libc++ and MSVC.
///
/// Portfolio: positions w (the P&L of a scenario is w . x, in the units of w times the
/// returns), P&L vector X w, loss = -P&L. With N scenarios and confidence p, the tail holds
/// the k = ceil(N (1 - p)) worst scenarios (a relative guard of 1e-9 absorbs the rounding of
/// 1 - p, so N = 100,000 at 99% gives k = 1,000):
///   VaR = the k-th largest loss (the empirical quantile of type 1, inverse CDF),
///   ES  = the mean of the k largest losses (which is the exact tail mean of the scenario
///         distribution when N (1 - p) is an integer, and is subadditive for any N),
///   component ES_i = mean over those k scenarios of -w_i x_i (Euler allocation,
///         Tasche 1999): the components sum to ES.
/// Ties are broken by scenario index, so the tail set is unique.
///
/// `monte_carlo_risk` is the one-asset form for a variance forecast: a `distribution_risk_measure`
/// (from_variance) and a `streaming_risk_measure`. It simulates once, at construction, N
/// standardised h-step scenarios (the sum of h independent unit-variance normal or t steps,
/// divided by sqrt(h)) and keeps their VaR and ES for both tails; a forecast variance v then
/// costs one square root: {VaR, ES} = sqrt(v) * {VaR_1, ES_1}.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "dynmargin/core/distributions.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/random.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/risk/concepts.hpp"
#include "dynmargin/volatility/concepts.hpp"

namespace dynmargin {

/// @brief Joint distribution of the simulated returns: a `distribution_shape`
///        (dynmargin/core/distributions.hpp): `normal` is the multivariate normal with the given
///        covariance, `student_t` the multivariate Student t with nu degrees of freedom scaled to
///        the given covariance.
/// @deprecated Use `dynmargin::distribution_shape`.
using monte_carlo_distribution [[deprecated("use dynmargin::distribution_shape")]] = distribution_shape;

/// @brief Configuration of a Monte Carlo simulation.
struct monte_carlo_simulator_config {
  std::int64_t scenarios = 100'000;  ///< N >= 1
  std::uint64_t seed = 20240521;     ///< seed of the stream
  distribution_shape distribution = distribution_shape::normal;
  double degrees_of_freedom = 5.0;  ///< student_t only: nu > 2
  std::int64_t block_rows = 4096;   ///< rows per GEMM block (>= 1)
};

/// @brief A portfolio's Monte Carlo risk: the summary, the tail, and the scenario P&L.
struct monte_carlo_result {
  risk_estimate risk{};                      ///< VaR and ES of the loss -P&L
  std::int64_t tail_count = 0;               ///< k = ceil(N (1 - p)) scenarios in the tail
  Eigen::VectorXd pnl;                       ///< P&L of every scenario (gain positive), length N
  std::vector<std::int64_t> tail_scenarios;  ///< indices of the k worst scenarios, worst first
  Eigen::VectorXd component_es;              ///< Euler allocation of ES per asset (empty if not asked)
};

namespace detail {

inline void check_monte_carlo_config(const monte_carlo_simulator_config& config, std::string_view component) {
  if (config.scenarios < 1) throw_invalid_argument(component, "scenarios", "must be at least 1", config.scenarios);
  if (config.block_rows < 1) throw_invalid_argument(component, "block_rows", "must be at least 1", config.block_rows);
  if (config.distribution == distribution_shape::student_t &&
      !(config.degrees_of_freedom > 2.0 && std::isfinite(config.degrees_of_freedom))) {
    throw_invalid_argument(component, "degrees_of_freedom", "must be finite and > 2 (finite variance)",
                           config.degrees_of_freedom);
  }
}

/// k = ceil(N (1 - p)), with a relative guard of 1e-9 against the rounding of 1 - p; 0 when the
/// tail is thinner than one scenario (N (1 - p) < 1).
[[nodiscard]] inline std::int64_t scenario_tail_count(std::int64_t scenarios, double p) noexcept {
  const double x = static_cast<double>(scenarios) * (1.0 - p);
  const double guarded = x * (1.0 - 1e-9);
  if (guarded < 1.0 - 1e-9) return 0;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(guarded)));
}

/// Selects the k largest losses (ties by index) into the front of `order`, worst first.
/// Requires 1 <= k <= losses.size(); `order` is resized to losses.size().
inline void select_worst(std::span<const double> losses, std::int64_t k, std::vector<std::int64_t>& order) {
  order.resize(losses.size());
  std::iota(order.begin(), order.end(), std::int64_t{0});
  const auto worse = [losses](std::int64_t a, std::int64_t b) {
    const double la = losses[static_cast<std::size_t>(a)];
    const double lb = losses[static_cast<std::size_t>(b)];
    return la > lb || (la == lb && a < b);
  };
  const auto kth = order.begin() + static_cast<std::ptrdiff_t>(k);
  if (kth != order.end()) std::nth_element(order.begin(), kth - 1, order.end(), worse);
  std::sort(order.begin(), kth, worse);
}

[[nodiscard]] inline Eigen::MatrixXd cholesky_factor(const Eigen::MatrixXd& covariance, std::string_view component) {
  if (covariance.rows() != covariance.cols() || covariance.rows() == 0) {
    throw_invalid_argument(component, "covariance columns",
                           "must equal its rows (" + std::to_string(covariance.rows()) +
                               ") in a non-empty square matrix",
                           covariance.cols());
  }
  if (!covariance.allFinite())
    throw_invalid_argument(component, "covariance", "must be finite", "a NaN or infinite entry");
  const double scale = covariance.cwiseAbs().maxCoeff();
  const double asymmetry = (covariance - covariance.transpose()).cwiseAbs().maxCoeff();
  if (asymmetry > 1e-12 * scale) {
    throw_invalid_argument(component, "covariance", "must be symmetric (largest |S - S^T| entry)", asymmetry);
  }
  const Eigen::LLT<Eigen::MatrixXd> llt(covariance);
  if (llt.info() != Eigen::Success) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(covariance, Eigen::EigenvaluesOnly);
    throw_invalid_argument(component, "covariance", "must be positive definite (Cholesky failed; smallest eigenvalue)",
                           eigen.eigenvalues().minCoeff());
  }
  return llt.matrixL();
}

}  // namespace detail

/// @brief VaR, ES and the worst scenarios of a sample of P&L (loss = -P&L), with the
///        conventions of the file comment.
/// @param worst if not null, receives the indices of the k worst scenarios, worst first.
/// @throws dynmargin::invalid_argument for a NaN P&L (naming its index) or fewer than
///         1/(1 - p) scenarios (the tail would hold no scenario).
[[nodiscard]] inline risk_estimate scenario_var_es(std::span<const double> pnl, confidence_level p,
                                                   std::vector<std::int64_t>* worst = nullptr) {
  const auto n = static_cast<std::int64_t>(pnl.size());
  const std::int64_t k = detail::scenario_tail_count(n, p.value());
  if (k == 0) {
    throw_invalid_argument("monte_carlo", "scenarios",
                           "must number at least 1/(1 - p) = " + detail::format_value(1.0 / p.tail()) +
                               " for a tail at p = " + detail::format_value(p.value()),
                           n);
  }
  std::vector<double> losses(pnl.size());
  for (std::size_t i = 0; i < pnl.size(); ++i) {
    if (!std::isfinite(pnl[i]))
      throw_invalid_argument("monte_carlo", "P&L of scenario " + std::to_string(i), "must be finite", pnl[i]);
    losses[i] = -pnl[i];
  }
  std::vector<std::int64_t> local;
  std::vector<std::int64_t>& order = worst != nullptr ? *worst : local;
  detail::select_worst(losses, k, order);
  double sum = 0.0;
  for (std::int64_t i = 0; i < k; ++i) sum += losses[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
  const double var = losses[static_cast<std::size_t>(order[static_cast<std::size_t>(k - 1)])];
  order.resize(static_cast<std::size_t>(k));
  return {var, sum / static_cast<double>(k)};
}

/// @brief Risk of a portfolio over given scenarios: P&L = scenarios * positions, VaR/ES, the
///        worst scenarios and (if `with_components`) the Euler allocation of ES per asset.
/// @param scenarios N x d returns, one scenario per row (e.g. `monte_carlo_simulator::simulate()`).
/// @param positions d positions: the P&L of a unit return of each asset.
/// @throws dynmargin::invalid_argument on a size mismatch, a non-finite position or too few scenarios.
[[nodiscard]] inline monte_carlo_result portfolio_risk(const Eigen::MatrixXd& scenarios,
                                                       const Eigen::VectorXd& positions, confidence_level p,
                                                       bool with_components = true) {
  if (positions.size() != scenarios.cols()) {
    throw_invalid_argument("monte_carlo", "positions",
                           "must have one entry per asset (" + std::to_string(scenarios.cols()) + ")",
                           positions.size());
  }
  if (!positions.allFinite())
    throw_invalid_argument("monte_carlo", "positions", "must be finite", "a NaN or infinite entry");
  monte_carlo_result out;
  out.pnl.noalias() = scenarios * positions;
  out.risk = scenario_var_es(std::span<const double>(out.pnl.data(), static_cast<std::size_t>(out.pnl.size())), p,
                             &out.tail_scenarios);
  out.tail_count = static_cast<std::int64_t>(out.tail_scenarios.size());
  if (with_components) {
    out.component_es = Eigen::VectorXd::Zero(scenarios.cols());
    for (const std::int64_t i : out.tail_scenarios)
      out.component_es -= scenarios.row(static_cast<Eigen::Index>(i)).transpose();
    out.component_es = out.component_es.cwiseProduct(positions) / static_cast<double>(out.tail_count);
  }
  return out;
}

/// @brief Correlated scenario generator: covariance (and optional mean) of one step's returns,
///        normal or Student t, seeded (see the file comment).
class monte_carlo_simulator {
 public:
  using config_type = monte_carlo_simulator_config;  ///< what the constructor takes
  /// @throws dynmargin::invalid_argument naming the covariance when it is not square, finite,
  ///         symmetric and positive definite (with its smallest eigenvalue), or a bad config.
  explicit monte_carlo_simulator(const Eigen::MatrixXd& covariance, const monte_carlo_simulator_config& config = {})
      : monte_carlo_simulator(covariance, Eigen::VectorXd::Zero(covariance.rows()), config) {}

  /// @brief With a mean return per asset (added to every scenario).
  monte_carlo_simulator(const Eigen::MatrixXd& covariance, const Eigen::VectorXd& mean,
                        const monte_carlo_simulator_config& config = {})
      : config_(config), lower_(detail::cholesky_factor(covariance, "monte_carlo")), mean_(mean) {
    detail::check_monte_carlo_config(config, "monte_carlo");
    if (mean.size() != covariance.rows()) {
      throw_invalid_argument("monte_carlo", "mean",
                             "must have one entry per asset (" + std::to_string(covariance.rows()) + ")", mean.size());
    }
    if (!mean.allFinite()) throw_invalid_argument("monte_carlo", "mean", "must be finite", "a NaN or infinite entry");
  }

  /// @brief N x d scenario returns, one scenario per row. Each call restarts the stream from
  ///        the seed, so calls return identical matrices.
  [[nodiscard]] Eigen::MatrixXd simulate() const {
    const Eigen::Index d = lower_.rows();
    const auto n = static_cast<Eigen::Index>(config_.scenarios);
    const auto block = static_cast<Eigen::Index>(std::min(config_.block_rows, config_.scenarios));
    Eigen::MatrixXd out(n, d);
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> z(block, d);
    const Eigen::MatrixXd upper = lower_.transpose();
    random_stream rng(config_.seed);
    const bool student = config_.distribution == distribution_shape::student_t;
    const double nu = config_.degrees_of_freedom;
    for (Eigen::Index start = 0; start < n; start += block) {
      const Eigen::Index rows = std::min(block, n - start);
      for (Eigen::Index i = 0; i < rows; ++i) {
        for (Eigen::Index j = 0; j < d; ++j) z(i, j) = rng.normal();
        if (student) z.row(i) *= std::sqrt((nu - 2.0) / rng.chi_square(nu));
      }
      out.middleRows(start, rows).noalias() = z.topRows(rows) * upper;
    }
    if (!mean_.isZero(0.0)) out.rowwise() += mean_.transpose();
    return out;
  }

  /// @brief Simulates and evaluates one portfolio (see `portfolio_risk`).
  [[nodiscard]] monte_carlo_result portfolio(const Eigen::VectorXd& positions, confidence_level p,
                                             bool with_components = true) const {
    return portfolio_risk(simulate(), positions, p, with_components);
  }

  /// @brief The lower Cholesky factor L of the covariance.
  [[nodiscard]] const Eigen::MatrixXd& cholesky_factor() const noexcept { return lower_; }
  [[nodiscard]] Eigen::Index assets() const noexcept { return lower_.rows(); }
  [[nodiscard]] const monte_carlo_simulator_config& config() const noexcept { return config_; }

 private:
  monte_carlo_simulator_config config_;
  Eigen::MatrixXd lower_;
  Eigen::VectorXd mean_;
};

/// @brief Configuration of the one-asset `monte_carlo_risk`.
struct monte_carlo_risk_config {
  confidence_level confidence{0.99};          ///< p in (0, 1), with scenarios >= 1/(1 - p)
  monte_carlo_simulator_config simulation{};  ///< scenarios, seed, normal or t
  dynmargin::horizon horizon{1};              ///< steps summed per scenario (and passed to vol.variance(h))
};

/// @brief One-asset Monte Carlo VaR/ES for a variance forecast: a `distribution_risk_measure`
///        and a stateless `streaming_risk_measure` (see the file comment).
class monte_carlo_risk {
 public:
  using model_concept = risk_measure_tag;
  using config_type = monte_carlo_risk_config;  ///< what the constructor takes

  /// @brief Stateless: the simulated scenarios are configuration, fixed at construction.
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming fewer scenarios than 1/(1 - p) or degrees of
  ///         freedom <= 2.
  explicit monte_carlo_risk(const monte_carlo_risk_config& config = {}) : config_(config) {
    detail::check_monte_carlo_config(config.simulation, "monte_carlo_risk");
    const confidence_level p = config.confidence;
    const std::int64_t h = config.horizon.steps();
    const auto n = static_cast<std::size_t>(config.simulation.scenarios);
    scenarios_.resize(n);
    random_stream rng(config.simulation.seed);
    const bool student = config.simulation.distribution == distribution_shape::student_t;
    const double nu = config.simulation.degrees_of_freedom;
    const double root_h = std::sqrt(static_cast<double>(h));
    for (double& s : scenarios_) {
      double sum = 0.0;
      for (std::int64_t step = 0; step < h; ++step) {
        const double z = rng.normal();
        sum += student ? z * std::sqrt((nu - 2.0) / rng.chi_square(nu)) : z;
      }
      s = sum / root_h;
    }
    // Long: P&L = +s; short: P&L = -s.
    unit_long_ = scenario_var_es(scenarios_, p);
    std::vector<double> negated(n);
    std::transform(scenarios_.begin(), scenarios_.end(), negated.begin(), [](double x) { return -x; });
    unit_short_ = scenario_var_es(negated, p);
  }

  /// @brief Convenience: confidence p, default simulation (100,000 normal scenarios), one step.
  explicit monte_carlo_risk(confidence_level p) : monte_carlo_risk(monte_carlo_risk_config{p, {}, horizon(1)}) {}

  /// @brief {VaR, ES} of a long position whose horizon P&L has variance v (finite, >= 0).
  [[nodiscard]] risk_estimate from_variance(double variance) const noexcept {
    return from_variance(variance, position_side::long_position);
  }
  /// @brief As above for either side.
  [[nodiscard]] risk_estimate from_variance(double variance, position_side side) const noexcept {
    const double sigma = std::sqrt(variance);
    const risk_estimate& unit = side == position_side::long_position ? unit_long_ : unit_short_;
    return {sigma * unit.var, sigma * unit.es};
  }

  /// @brief Nothing to learn from returns; rejects a non-finite r for uniformity.
  template <volatility_model Vol>
  status observe(double r, const Vol& /*vol*/) noexcept {
    return std::isfinite(r) ? status::ok : status::non_finite_input;
  }
  /// @brief from_variance(vol.variance(horizon), side).
  template <volatility_model Vol>
  [[nodiscard]] risk_estimate estimate(const Vol& vol, position_side side) const noexcept {
    return from_variance(static_cast<double>(vol.variance(config_.horizon.steps())), side);
  }
  [[nodiscard]] std::int64_t horizon_steps() const noexcept { return config_.horizon.steps(); }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type& /*saved*/) noexcept {}

  /// @brief The N standardised h-step scenarios (unit variance in expectation), in draw order.
  [[nodiscard]] std::span<const double> unit_scenarios() const noexcept { return scenarios_; }
  [[nodiscard]] const monte_carlo_risk_config& config() const noexcept { return config_; }

 private:
  monte_carlo_risk_config config_;
  std::vector<double> scenarios_;
  risk_estimate unit_long_{};
  risk_estimate unit_short_{};
};

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using monte_carlo_config [[deprecated("use monte_carlo_simulator_config")]] = monte_carlo_simulator_config;
// End of deprecated spellings.

}  // namespace dynmargin
