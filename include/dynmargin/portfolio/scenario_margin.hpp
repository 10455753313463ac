// SPDX-License-Identifier: MIT
/// @file
/// @brief A portfolio's margin from its scenario P&L vector, the scenario that binds, and the
///        Euler attribution of the margin to positions (parts add up to the total).
///
/// Every engine (grids, filtered historical simulation, Monte Carlo) produces a P&L per
/// scenario, p = P q for the scenario P&L matrix P (portfolio/revaluation.hpp) and positions q.
/// The loss is L_s = -p_s. Three ways to turn it into a margin, all floored at 0:
///  - `weighted_worst` (grids: SPAN, Paradex): max_s w_s L_s; the binding scenario is the
///    argmax (the first one on ties);
///  - `value_at_risk`: the k-th largest loss, k = ceil(N (1 - confidence)) (at 99% of 1,000
///    scenarios, the 10th worst): the scenarios are equally likely;
///  - `expected_shortfall`: the mean of the k largest losses (LCH: 6 of 2,500 at 99.76%).
///
/// Euler allocation: each of these is positively homogeneous in q and, away from ties, equal to
/// a fixed combination of scenario losses, so its gradient splits it exactly:
///   weighted_worst: c_i = -w_b q_i P_bi;  VaR: c_i = -q_i P_si at the VaR scenario s;
///   ES: c_i = -(1/k) sum over the k tail scenarios of q_i P_si;
/// sum_i c_i equals the margin up to rounding (Tasche 2008, "Capital allocation to business
/// units and sub-portfolios: the Euler principle"). Incremental margin: the total minus the
/// margin without the position; netting benefit: the sum of standalone margins minus the total.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "dynmargin/core/error.hpp"

namespace dynmargin {

/// @brief How a scenario P&L vector becomes a margin.
enum class scenario_measure : std::uint8_t { weighted_worst, value_at_risk, expected_shortfall };

/// @brief "weighted_worst", "value_at_risk" or "expected_shortfall".
[[nodiscard]] constexpr std::string_view to_string(scenario_measure m) noexcept {
  switch (m) {
    case scenario_measure::weighted_worst: return "weighted_worst";
    case scenario_measure::value_at_risk: return "value_at_risk";
    case scenario_measure::expected_shortfall: return "expected_shortfall";
  }
  return "unknown";
}

/// @brief The measure and, for VaR and ES, the confidence.
struct scenario_margin_rule {
  scenario_measure measure = scenario_measure::weighted_worst;
  double confidence = 0.99;  ///< VaR and ES only
};

/// @brief Number of tail scenarios of N at a confidence: k = ceil(N (1 - confidence)), at least 1.
[[nodiscard]] inline std::size_t tail_count(std::size_t scenarios, double confidence) noexcept {
  // The 1e-9 absorbs 1 - 0.99 = 0.010000000000000009, which would give 11 of 1,000.
  const double k = std::ceil(static_cast<double>(scenarios) * (1.0 - confidence) - 1e-9);
  return std::clamp<std::size_t>(static_cast<std::size_t>(std::max(k, 1.0)), 1, scenarios);
}

/// @brief A margin and where it comes from.
struct scenario_margin_result {
  double margin = 0.0;               ///< >= 0
  std::size_t binding_scenario = 0;  ///< the weighted worst, or the VaR scenario (for ES: the worst)
  double worst_loss = 0.0;           ///< the unweighted loss of the binding scenario
  std::size_t tail_scenarios = 1;    ///< k of VaR and ES; 1 for a grid
  std::size_t binding_group = 0;     ///< grouped margins: the group whose margin is largest (else 0)
};

/// @brief Checks a rule against N scenarios and weights.
/// @throws dynmargin::invalid_argument naming the parameter and the value.
inline void check_scenario_margin_rule(const scenario_margin_rule& rule, std::size_t scenarios, Eigen::Index weights) {
  if (scenarios == 0) throw_invalid_argument("scenario margin", "scenarios", "must be at least 1", 0);
  if (rule.measure == scenario_measure::weighted_worst) {
    if (weights != static_cast<Eigen::Index>(scenarios))
      throw_invalid_argument("scenario margin", "weights",
                             "must hold one weight per scenario (" + std::to_string(scenarios) + ")", weights);
  } else if (!(rule.confidence > 0.0 && rule.confidence < 1.0)) {
    throw_invalid_argument("scenario margin", "confidence", "must be in (0, 1)", rule.confidence);
  }
}

namespace detail {

// The indices of the k largest losses, largest first (ties: lower index first), in `order`,
// which holds 0..N-1 on entry. Deterministic: the order depends on the values only.
inline void largest_losses(std::span<const double> loss, std::size_t k, std::span<std::size_t> order) noexcept {
  const auto larger = [&](std::size_t a, std::size_t b) { return loss[a] > loss[b] || (loss[a] == loss[b] && a < b); };
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), larger);
}

}  // namespace detail

/// @brief The margin of a loss vector, with a caller's scratch (no allocation): `order` must
///        hold N entries. The hot path of many accounts.
/// @pre the rule passed `check_scenario_margin_rule`; losses are finite.
[[nodiscard]] inline scenario_margin_result margin_of_losses(std::span<const double> loss,
                                                             const Eigen::Ref<const Eigen::VectorXd>& weight,
                                                             const scenario_margin_rule& rule,
                                                             std::span<std::size_t> order) noexcept {
  scenario_margin_result r;
  const std::size_t n = loss.size();
  if (rule.measure == scenario_measure::weighted_worst) {
    double best = -std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < n; ++s) {
      const double weighted = weight(static_cast<Eigen::Index>(s)) * loss[s];
      if (weighted > best) {
        best = weighted;
        r.binding_scenario = s;
      }
    }
    r.worst_loss = loss[r.binding_scenario];
    r.margin = std::max(best, 0.0);
    return r;
  }
  const std::size_t k = tail_count(n, rule.confidence);
  std::iota(order.begin(), order.end(), std::size_t{0});
  detail::largest_losses(loss, k, order);
  r.tail_scenarios = k;
  if (rule.measure == scenario_measure::value_at_risk) {
    r.binding_scenario = order[k - 1];
    r.worst_loss = loss[r.binding_scenario];
    r.margin = std::max(r.worst_loss, 0.0);
    return r;
  }
  double sum = 0.0;
  for (std::size_t j = 0; j < k; ++j) sum += loss[order[j]];  // largest first: a fixed order
  r.binding_scenario = order[0];
  r.worst_loss = loss[order[0]];
  r.margin = std::max(sum / static_cast<double>(k), 0.0);
  return r;
}

/// @brief The margin of positions q against the scenario P&L matrix (scenarios x instruments).
/// @throws dynmargin::invalid_argument on mismatched sizes, a bad rule, or a non-finite position.
[[nodiscard]] inline scenario_margin_result portfolio_margin(const Eigen::MatrixXd& pnl,
                                                             const Eigen::VectorXd& positions,
                                                             const Eigen::VectorXd& weights,
                                                             const scenario_margin_rule& rule) {
  if (positions.size() != pnl.cols())
    throw_invalid_argument("portfolio margin", "positions",
                           "must hold one per instrument (" + std::to_string(pnl.cols()) + ")", positions.size());
  for (Eigen::Index i = 0; i < positions.size(); ++i)
    if (!std::isfinite(positions(i)))
      throw_invalid_argument("portfolio margin", "position " + std::to_string(i), "must be finite", positions(i));
  const auto n = static_cast<std::size_t>(pnl.rows());
  check_scenario_margin_rule(rule, n, weights.size());
  const Eigen::VectorXd loss = -(pnl * positions);
  std::vector<std::size_t> order(n);
  return margin_of_losses(std::span<const double>(loss.data(), n), weights, rule, order);
}

/// @brief Per position: its Euler component, incremental and standalone margins.
struct margin_attribution {
  scenario_margin_result total;
  Eigen::VectorXd component;     ///< Euler parts; they add up to total.margin
  Eigen::VectorXd incremental;   ///< total minus the margin without the position
  Eigen::VectorXd standalone;    ///< the position's margin alone
  double netting_benefit = 0.0;  ///< sum of standalone minus total (>= 0 for a subadditive measure)
};

/// @brief Euler attribution of the margin of q (see the file comment for the formulas).
/// @throws as `portfolio_margin`.
[[nodiscard]] inline margin_attribution attribute_margin(const Eigen::MatrixXd& pnl, const Eigen::VectorXd& positions,
                                                         const Eigen::VectorXd& weights,
                                                         const scenario_margin_rule& rule) {
  margin_attribution a;
  a.total = portfolio_margin(pnl, positions, weights, rule);
  const Eigen::Index m = positions.size();
  a.component = Eigen::VectorXd::Zero(m);
  a.incremental.resize(m);
  a.standalone.resize(m);
  if (a.total.margin > 0.0) {
    if (rule.measure == scenario_measure::weighted_worst) {
      const auto b = static_cast<Eigen::Index>(a.total.binding_scenario);
      a.component = -weights(b) * pnl.row(b).transpose().cwiseProduct(positions);
    } else if (rule.measure == scenario_measure::value_at_risk) {
      const auto b = static_cast<Eigen::Index>(a.total.binding_scenario);
      a.component = -pnl.row(b).transpose().cwiseProduct(positions);
    } else {
      const Eigen::VectorXd loss = -(pnl * positions);
      std::vector<std::size_t> order(static_cast<std::size_t>(pnl.rows()));
      std::iota(order.begin(), order.end(), std::size_t{0});
      detail::largest_losses(std::span<const double>(loss.data(), order.size()), a.total.tail_scenarios, order);
      for (std::size_t j = 0; j < a.total.tail_scenarios; ++j)
        a.component -= pnl.row(static_cast<Eigen::Index>(order[j])).transpose().cwiseProduct(positions);
      a.component /= static_cast<double>(a.total.tail_scenarios);
    }
  }
  for (Eigen::Index i = 0; i < m; ++i) {
    Eigen::VectorXd without = positions;
    without(i) = 0.0;
    a.incremental(i) = a.total.margin - portfolio_margin(pnl, without, weights, rule).margin;
    Eigen::VectorXd alone = Eigen::VectorXd::Zero(m);
    alone(i) = positions(i);
    a.standalone(i) = portfolio_margin(pnl, alone, weights, rule).margin;
  }
  a.netting_benefit = a.standalone.sum() - a.total.margin;
  return a;
}

/// @brief Paradex's minimum delta charge: (net_rate |net delta| + hedged_rate hedged delta) x spot,
///        with net = sum q_i delta_i, gross = sum |q_i delta_i|, hedged = (gross - |net|) / 2.
[[nodiscard]] inline double minimum_delta_charge(const Eigen::VectorXd& positions, const Eigen::VectorXd& deltas,
                                                 double spot, double net_rate = 0.02, double hedged_rate = 0.01) {
  if (positions.size() != deltas.size())
    throw_invalid_argument("minimum delta charge", "deltas", "must hold one per position", deltas.size());
  const Eigen::VectorXd exposure = positions.cwiseProduct(deltas);
  const double net = exposure.sum();
  const double gross = exposure.cwiseAbs().sum();
  const double hedged = 0.5 * (gross - std::abs(net));
  return (net_rate * std::abs(net) + hedged_rate * hedged) * spot;
}

/// @brief A margin summed over groups of instruments, and each group's own.
struct grouped_scenario_margin {
  scenario_margin_result total;                ///< margin = the groups' sum; binding = the largest group's
  std::vector<scenario_margin_result> groups;  ///< one per group (a group without positions: 0)
  std::size_t binding_group = 0;               ///< the group with the largest margin
};

namespace detail {

inline void check_groups(std::span<const std::size_t> group_of, Eigen::Index instruments, std::size_t groups) {
  if (group_of.size() != static_cast<std::size_t>(instruments))
    throw_invalid_argument("grouped margin", "groups",
                           "must name one group per instrument (" + std::to_string(instruments) + ")", group_of.size());
  for (std::size_t i = 0; i < group_of.size(); ++i)
    if (group_of[i] >= groups)
      throw_invalid_argument("grouped margin", "group of instrument " + std::to_string(i),
                             "must be below the number of groups (" + std::to_string(groups) + ")", group_of[i]);
}

// The positions of one group, zero elsewhere.
[[nodiscard]] inline Eigen::VectorXd group_positions(const Eigen::VectorXd& positions,
                                                     std::span<const std::size_t> group_of, std::size_t group) {
  Eigen::VectorXd out = Eigen::VectorXd::Zero(positions.size());
  for (Eigen::Index i = 0; i < positions.size(); ++i)
    if (group_of[static_cast<std::size_t>(i)] == group) out(i) = positions(i);
  return out;
}

}  // namespace detail

/// @brief The margin of q as the sum of each group's own margin: one group per underlying
///        gives every underlying its own worst scenario, with no offset between underlyings
///        (SPAN without inter-commodity credits). A grid moves every underlying by the same row,
///        so its joint margin would net a long BTC against a short ETH position in every row; by
///        underlying, the hedge is charged as the two risks it is.
/// @param group_of the group of each instrument (e.g. its underlying), each below `groups`
/// @throws as `portfolio_margin`, and on a group index out of range.
[[nodiscard]] inline grouped_scenario_margin portfolio_margin_by_group(
    const Eigen::MatrixXd& pnl, const Eigen::VectorXd& positions, const Eigen::VectorXd& weights,
    const scenario_margin_rule& rule, std::span<const std::size_t> group_of, std::size_t groups) {
  detail::check_groups(group_of, pnl.cols(), groups);
  grouped_scenario_margin out;
  double total = 0.0;
  for (std::size_t g = 0; g < groups; ++g) {
    out.groups.push_back(portfolio_margin(pnl, detail::group_positions(positions, group_of, g), weights, rule));
    total += out.groups.back().margin;
    if (out.groups.back().margin > out.groups[out.binding_group].margin) out.binding_group = g;
  }
  if (groups == 0) {
    out.total = portfolio_margin(pnl, positions, weights, rule);
    out.total.margin = 0.0;
    return out;
  }
  out.total = out.groups[out.binding_group];
  out.total.margin = total;
  out.total.binding_group = out.binding_group;
  return out;
}

/// @brief Euler attribution of the grouped margin: each position's part in its own group's
///        margin (the parts add up to the total); incremental and standalone as in
///        `attribute_margin`, against the grouped margin.
/// @throws as `portfolio_margin_by_group`.
[[nodiscard]] inline margin_attribution attribute_margin_by_group(
    const Eigen::MatrixXd& pnl, const Eigen::VectorXd& positions, const Eigen::VectorXd& weights,
    const scenario_margin_rule& rule, std::span<const std::size_t> group_of, std::size_t groups) {
  margin_attribution a;
  a.total = portfolio_margin_by_group(pnl, positions, weights, rule, group_of, groups).total;
  const Eigen::Index m = positions.size();
  a.component = Eigen::VectorXd::Zero(m);
  for (std::size_t g = 0; g < groups; ++g) {
    const Eigen::VectorXd own = detail::group_positions(positions, group_of, g);
    if (own.isZero(0.0)) continue;
    a.component += attribute_margin(pnl, own, weights, rule).component;
  }
  a.incremental.resize(m);
  a.standalone.resize(m);
  for (Eigen::Index i = 0; i < m; ++i) {
    Eigen::VectorXd without = positions;
    without(i) = 0.0;
    a.incremental(i) = a.total.margin -
                       portfolio_margin_by_group(pnl, without, weights, rule, group_of, groups).total.margin;
    Eigen::VectorXd alone = Eigen::VectorXd::Zero(m);
    alone(i) = positions(i);
    a.standalone(i) = portfolio_margin(pnl, alone, weights, rule).margin;
  }
  a.netting_benefit = a.standalone.sum() - a.total.margin;
  return a;
}

}  // namespace dynmargin
