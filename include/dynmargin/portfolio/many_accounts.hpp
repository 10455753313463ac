// SPDX-License-Identifier: MIT
/// @file
/// @brief The margin of many accounts in one call: the P&L of every account in every scenario
///        as matrix products, then each account's tail selection, spread over threads with
///        results bit-identical for any thread count.
///
/// With positions Q (accounts x instruments) and the scenario P&L matrix P (scenarios x
/// instruments, portfolio/revaluation.hpp), the losses of a block of accounts are
/// L = -P Q_block^T (scenarios x accounts: each account's losses contiguous). Accounts are cut
/// into blocks of a fixed size (`block_accounts`); the last block is padded with zero rows, so
/// every product has the same shape, Eigen chooses the same kernel blocking and summation order
/// for it, and an account's result does not depend on which block or thread computed it.
/// Threads take blocks in turn; each owns its scratch (the padded block, its losses and the
/// tail order), allocated once per call.
///
/// Memory: the matrix P holds 8 x instruments bytes per scenario; each thread holds
/// 8 x block x (instruments + 2 scenarios) + 8 x scenarios bytes; the result is 40 bytes per
/// account. Nothing proportional to accounts x scenarios is ever stored.
///
/// After a trade, `account_losses` re-margins one account without touching the others: its
/// loss vector moves by -quantity x the instrument's P&L column (scenarios flops), then its
/// tail is selected again.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>
#include <limits>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <Eigen/Core>

#include "dynmargin/core/error.hpp"
#include "dynmargin/portfolio/scenario_margin.hpp"

namespace dynmargin {

/// @brief Settings of `margin_accounts`.
struct many_accounts_settings {
  scenario_margin_rule rule;
  unsigned threads = 1;               ///< 0: std::thread::hardware_concurrency()
  Eigen::Index block_accounts = 256;  ///< accounts per matrix product (fixed: see the file comment)
  /// The group of each instrument (e.g. its underlying's index): each account's margin is then
  /// the sum of its groups' margins, as `portfolio_margin_by_group` computes it (a grid over
  /// several underlyings needs this: see scenario_margin.hpp). Empty: one joint margin.
  std::vector<std::size_t> groups;
};

/// @brief Checks a positions matrix: finite entries, no account without a position.
/// @param names account names for messages (empty: accounts are named by row number)
/// @throws dynmargin::invalid_argument naming the account, the instrument column and the value.
inline void check_positions_matrix(const Eigen::MatrixXd& positions, std::span<const std::string> names = {}) {
  const auto account = [&](Eigen::Index row) {
    return names.size() > static_cast<std::size_t>(row) ? "account " + names[static_cast<std::size_t>(row)]
                                                        : "account row " + std::to_string(row);
  };
  for (Eigen::Index a = 0; a < positions.rows(); ++a) {
    bool any = false;
    for (Eigen::Index i = 0; i < positions.cols(); ++i) {
      const double q = positions(a, i);
      if (!std::isfinite(q))
        throw_invalid_argument(account(a), "position in instrument " + std::to_string(i), "must be finite", q);
      any = any || q != 0.0;
    }
    if (!any) throw_invalid_argument(account(a), "positions", "must hold at least one non-zero position", "none");
  }
}

/// @brief The margin of every account (rows of `positions`) against the scenario P&L matrix.
/// @param weights per scenario (grids; ignored by VaR and ES but must then be empty or sized)
/// @throws dynmargin::invalid_argument on mismatched sizes or what `check_positions_matrix`
///         refuses; a worker's exception is rethrown after every thread has joined.
[[nodiscard]] inline std::vector<scenario_margin_result> margin_accounts(const Eigen::MatrixXd& positions,
                                                                         const Eigen::MatrixXd& pnl,
                                                                         const Eigen::VectorXd& weights,
                                                                         const many_accounts_settings& settings = {}) {
  if (positions.cols() != pnl.cols())
    throw_invalid_argument("margin_accounts", "positions columns",
                           "must equal the scenario P&L matrix's instruments (" + std::to_string(pnl.cols()) + ")",
                           positions.cols());
  if (settings.block_accounts < 1)
    throw_invalid_argument("margin_accounts", "block_accounts", "must be at least 1", settings.block_accounts);
  const auto scenarios = static_cast<std::size_t>(pnl.rows());
  check_scenario_margin_rule(settings.rule, scenarios,
                             settings.rule.measure == scenario_measure::weighted_worst
                                 ? weights.size()
                                 : static_cast<Eigen::Index>(scenarios));
  check_positions_matrix(positions);
  const Eigen::Index accounts = positions.rows();
  std::vector<scenario_margin_result> results(static_cast<std::size_t>(accounts));
  if (accounts == 0) return results;
  const Eigen::Index block = settings.block_accounts;
  const Eigen::Index blocks = (accounts + block - 1) / block;
  unsigned threads = settings.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : settings.threads;
  threads = static_cast<unsigned>(std::min<Eigen::Index>(threads, blocks));
  const Eigen::VectorXd unit_weights = settings.rule.measure == scenario_measure::weighted_worst
                                           ? weights
                                           : Eigen::VectorXd::Ones(pnl.rows());

  // The instruments of each group (one group of all of them for a joint margin), and the
  // group's columns of the P&L matrix.
  std::vector<std::vector<Eigen::Index>> members;
  if (settings.groups.empty()) {
    members.emplace_back(static_cast<std::size_t>(pnl.cols()));
    for (Eigen::Index i = 0; i < pnl.cols(); ++i) members[0][static_cast<std::size_t>(i)] = i;
  } else {
    const std::size_t groups = *std::max_element(settings.groups.begin(), settings.groups.end()) + 1;
    detail::check_groups(settings.groups, pnl.cols(), groups);
    members.resize(groups);
    for (Eigen::Index i = 0; i < pnl.cols(); ++i) members[settings.groups[static_cast<std::size_t>(i)]].push_back(i);
  }
  std::vector<Eigen::MatrixXd> group_pnl;
  for (const auto& columns : members) {
    Eigen::MatrixXd columns_pnl(pnl.rows(), static_cast<Eigen::Index>(columns.size()));
    for (std::size_t k = 0; k < columns.size(); ++k)
      columns_pnl.col(static_cast<Eigen::Index>(k)) = pnl.col(columns[k]);
    group_pnl.push_back(std::move(columns_pnl));
  }

  const auto work = [&](unsigned worker) {
    Eigen::MatrixXd block_positions(pnl.cols(), block);  // a group's instruments x accounts, padded
    Eigen::MatrixXd losses(pnl.rows(), block);
    std::vector<std::size_t> order(scenarios);
    std::vector<double> largest(static_cast<std::size_t>(block));  // each account's largest group margin so far
    for (Eigen::Index b = worker; b < blocks; b += threads) {
      const Eigen::Index first = b * block;
      const Eigen::Index count = std::min(block, accounts - first);
      std::fill(largest.begin(), largest.end(), -std::numeric_limits<double>::infinity());
      for (std::size_t g = 0; g < members.size(); ++g) {
        const auto width = static_cast<Eigen::Index>(members[g].size());
        if (width == 0) continue;
        auto group_positions = block_positions.topRows(width);
        group_positions.setZero();
        for (Eigen::Index k = 0; k < width; ++k)
          group_positions.row(k).head(
              count) = positions.col(members[g][static_cast<std::size_t>(k)]).segment(first, count).transpose();
        losses.noalias() = -group_pnl[g] * group_positions;
        for (Eigen::Index j = 0; j < count; ++j) {
          const scenario_margin_result part = margin_of_losses(std::span<const double>(losses.col(j).data(), scenarios),
                                                               unit_weights, settings.rule, order);
          scenario_margin_result& result = results[static_cast<std::size_t>(first + j)];
          // The sum of the groups' margins (in group order); the binding scenario is the
          // largest group's.
          const double sum = (g == 0 ? 0.0 : result.margin) + part.margin;
          if (part.margin > largest[static_cast<std::size_t>(j)]) {
            largest[static_cast<std::size_t>(j)] = part.margin;
            result = part;
            result.binding_group = g;
          }
          result.margin = sum;
        }
      }
    }
  };
  if (threads == 1) {
    work(0);
    return results;
  }
  std::vector<std::exception_ptr> errors(threads);
  {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        try {
          work(t);
        } catch (...) {
          errors[t] = std::current_exception();
        }
      });
    for (auto& thread : pool) thread.join();
  }
  for (const auto& error : errors)
    if (error) std::rethrow_exception(error);
  return results;
}

/// @brief One account's scenario losses, kept so that a trade re-margins it in O(scenarios).
class account_losses {
 public:
  /// @brief The losses of `positions` against `pnl` (one matrix-vector product).
  /// @throws dynmargin::invalid_argument on mismatched sizes or a non-finite position.
  account_losses(const Eigen::MatrixXd& pnl, const Eigen::VectorXd& positions)
      : pnl_(&pnl), positions_(positions), order_(static_cast<std::size_t>(pnl.rows())) {
    if (positions.size() != pnl.cols())
      throw_invalid_argument("account_losses", "positions",
                             "must hold one per instrument (" + std::to_string(pnl.cols()) + ")", positions.size());
    for (Eigen::Index i = 0; i < positions.size(); ++i)
      if (!std::isfinite(positions(i)))
        throw_invalid_argument("account_losses", "position " + std::to_string(i), "must be finite", positions(i));
    loss_ = -(pnl * positions);
  }

  /// @brief Adds `quantity` contracts of instrument `index` (negative: sells). Returns
  ///        `status::invalid_argument` and changes nothing for an index out of range or a
  ///        non-finite quantity. No allocation.
  status trade(Eigen::Index index, double quantity) noexcept {
    if (index < 0 || index >= positions_.size() || !std::isfinite(quantity)) return status::invalid_argument;
    positions_(index) += quantity;
    loss_.noalias() -= quantity * pnl_->col(index);
    return status::ok;
  }

  /// @brief The margin under a rule (the rule checked by the caller). No allocation.
  [[nodiscard]] scenario_margin_result margin(const Eigen::VectorXd& weights,
                                              const scenario_margin_rule& rule) noexcept {
    return margin_of_losses(std::span<const double>(loss_.data(), order_.size()), weights, rule, order_);
  }

  /// @brief Recomputes the losses from the positions: a trade's update adds in a different
  ///        order than a fresh product, so the two agree to rounding, not bit for bit.
  void recompute() { loss_.noalias() = -(*pnl_ * positions_); }

  [[nodiscard]] const Eigen::VectorXd& losses() const noexcept { return loss_; }
  [[nodiscard]] const Eigen::VectorXd& positions() const noexcept { return positions_; }

 private:
  const Eigen::MatrixXd* pnl_;
  Eigen::VectorXd positions_;
  Eigen::VectorXd loss_;
  std::vector<std::size_t> order_;
};

}  // namespace dynmargin
