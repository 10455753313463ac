// SPDX-License-Identifier: MIT
/// @file
/// @brief `backtest_path`: what a replay of a margin function over a price history recorded,
///        one entry per row. replay.hpp fills it: `replay_margin` (the backtest: the quotes and
///        the exceptions) and `replay_quotes` (the quotes of a signed notional).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/risk/concepts.hpp"

namespace dynmargin {

/// @brief The replayed path, one entry per input row. A column holds one entry per row, or
///        none where this replay or this function has nothing to say (see each group).
struct backtest_path {
  // ---- every replay ----
  std::vector<timestamp_us> times;  ///< time of each row (seconds inputs converted exactly)
  std::vector<double> prices;       ///< price offered at the row
  /// quoted initial rate (0 before the function is ready; `replay_margin` also leaves 0 until
  /// the first positive rate)
  std::vector<double> initial_rate;

  // ---- the backtest (`replay_margin`; empty after `replay_quotes`) ----
  std::vector<std::uint8_t> evaluated;  ///< 1 where the row is backtested (replay.hpp's file comment)
  std::vector<double> loss;             ///< loss over [t, t + h] as a fraction of notional (0 if not evaluated)
  std::vector<std::uint8_t> exception;  ///< 1 where loss > initial rate
  bool has_risk_model = false;          ///< the next three columns are filled
  std::vector<double> var_log;          ///< model VaR of the log loss over h (0 before ready)
  std::vector<double> es_log;           ///< model ES of the log loss over h
  std::vector<double> sigma_log;        ///< model volatility of the h-step log return
  std::int64_t horizon_steps = 1;       ///< h, in steps (1 after `replay_quotes`)
  position_side side = position_side::long_position;  ///< side of the quoted position (every replay)
  std::size_t rejected_updates = 0;  ///< rows whose update() returned an error: guard, errors (every replay)
  std::size_t warning_updates = 0;   ///< rows whose update() returned a warning (refit_failed): absorbed, reported
  std::size_t first_evaluated = 0;   ///< first evaluated row (rows() if none)
  std::size_t evaluated_count = 0;
  std::size_t exception_count = 0;

  // ---- every replay: what the function said at each row (empty when its update returns no
  //      status or its quote has no such member; dynmargin's margin_function has them all) ----
  std::vector<status> statuses;     ///< what update() returned
  std::vector<std::uint8_t> ready;  ///< 1 once the function quotes
  std::vector<std::uint8_t> price_suspect;
  std::vector<double> raw_rate, maintenance_rate, initial_amount, maintenance_amount;
  std::vector<int> binding_index;                        ///< -1 = risk
  std::vector<std::string> effect_names;                 ///< breakdown names, in order
  std::vector<std::vector<double>> effect_initial_rate;  ///< [effect][row]: initial rate after it (0 if not ready)

  [[nodiscard]] std::size_t rows() const noexcept { return times.size(); }
  [[deprecated("use rows()")]] [[nodiscard]] std::size_t size() const noexcept { return rows(); }
};

/// @brief The path of the deprecated `margin_function::replay`, now `replay_quotes`'s.
using margin_path [[deprecated("use dynmargin::backtest_path (dynmargin/backtest/replay.hpp)")]] = backtest_path;

}  // namespace dynmargin
