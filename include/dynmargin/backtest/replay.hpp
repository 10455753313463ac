// SPDX-License-Identifier: MIT
/// @file
/// @brief Replays a margin function over a price history and backtests the path: exceptions
///        over the margin period of risk, every coverage test, the expected-shortfall tests,
///        procyclicality and cost; and a side-by-side report of several policies with the
///        frontier each one sits on.
///
/// **Replay.** The one replay of a margin function over a history: it checks the rows (equal
/// sizes, strictly increasing times, naming the row at fault), then feeds every row to
/// `function.update(time, price)` and quotes a position after it. Any type with those two
/// members whose quote has `ready` and `initial_rate` works (dynmargin's `margin_function`,
/// or an adapter around a venue's engine). The replay is a plain loop over the rows with no
/// threads, clocks or unseeded randomness, so the path is bit-identical on every run; the
/// seeded p-values below are too. Three entry points, one `backtest_path`:
///  - `replay_margin(function, times, prices, config)`, the backtest: prices must be finite
///    and positive; it quotes a position of `config.notional` on `config.side` (quantity =
///    +-notional / price) and marks the exceptions below.
///  - `replay_quotes(function, times, prices, notional)`: the quotes of a signed notional
///    (`quote_notional(notional)`, else `quote(notional / price)`) on every row, what the
///    margin function said and why (rates, amounts, binding policy, each policy's effect);
///    prices the guard rejects take the guard's path (margin_function.hpp), and the first time
///    must be later than the function's last accepted one.
///  - `replay_each(function, times, prices, notional, visitor)`: the same rows, calling
///    `visitor(row, status, quote)` instead of recording them.
/// The last two name `margin_function` in their errors (they replace its members `replay` and
/// `replay_each`, kept deprecated for one release).
///
/// **Exceptions.** Row t is *evaluated* when the quote is ready with a positive rate, t is at
/// least `config.warmup`, and t + h is in the history (h = the horizon in steps). Its loss is
/// the loss over the margin period of risk from t to t + h as a fraction of the notional at t:
/// long `1 - P_{t+h} / P_t`, short `P_{t+h} / P_t - 1`. An exception is a loss larger than the
/// initial rate set at t (after t's price was seen). The horizon defaults to the function's
/// risk horizon (`risk().horizon_steps()`) when it has one, else 1 step; hours or days are
/// whatever the rows are.
///
/// **Overlap.** With h > 1 the losses of consecutive rows share h - 1 returns, so exceptions
/// cluster by construction and the i.i.d. assumption of Kupiec, Christoffersen, the duration
/// test and the traffic light fails. `observations` and `exceptions` count every evaluated row
/// (so that they match the path file), but **the tests run on the non-overlapping subsample**
/// t0, t0 + h, t0 + 2h, ... from the first evaluated row t0 (`test_observations`,
/// `test_exceptions`). With h = 1 the two coincide.
///
/// **Expected-shortfall tests** run when the function exposes its risk model
/// (`risk()` and `volatility()` forming a `streaming_risk_measure`): at each row the model's
/// VaR and ES of the log-return loss over h (`risk().estimate(volatility(), side)`) and the
/// horizon volatility sqrt(volatility().variance(h)) are recorded; on the non-overlapping
/// subsample the log losses are tested with Acerbi-Szekely's Z2 (null shape
/// `config.es_null`) and McNeil-Frey's residuals. They test the risk model (before policies);
/// the coverage tests test the margin (after policies).
///
/// **Procyclicality** (procyclicality.hpp) is measured on the evaluated initial rates (a
/// position of constant notional) and, when `constant_quantity_metrics`, on the amounts
/// rate * price of a constant quantity (the notional moves with the price).
///
/// **Frontier.** `policy_frontier` puts several reports side by side and marks each policy
/// that no other beats on all of exception rate, peak-to-trough ratio, largest 5-day increase
/// and mean rate (Pareto efficiency): the coverage-versus-procyclicality-versus-cost trade-off
/// of Murphy, Vasios and Vause (2014) read for every policy at once.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "dynmargin/backtest/coverage.hpp"
#include "dynmargin/backtest/detail/replay_rows.hpp"
#include "dynmargin/backtest/es_backtest.hpp"
#include "dynmargin/backtest/path.hpp"
#include "dynmargin/backtest/procyclicality.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/risk/concepts.hpp"

namespace dynmargin {

/// @brief What the replay needs from a margin function: `update(time, price)` and a quote
///        with `ready` and `initial_rate` (a fraction of notional) for a signed quantity.
// clang-format off
template <class F>
concept replayable_margin_function = requires(F& function, const F& const_function, timestamp time, double value) {
  function.update(time, value);
  { const_function.quote(value).initial_rate } -> std::convertible_to<double>;
  { const_function.quote(value).ready } -> std::convertible_to<bool>;
};
// clang-format on

/// @brief A margin function that exposes its volatility model and streaming risk measure.
// clang-format off
template <class F>
concept exposes_risk_model = requires(const F& function) {
  function.risk();
  function.volatility();
  requires streaming_risk_measure<std::remove_cvref_t<decltype(function.risk())>,
                                  std::remove_cvref_t<decltype(function.volatility())>>;
};
// clang-format on

/// @brief Configuration of a backtest.
struct backtest_config {
  confidence_level coverage{0.99};  ///< the coverage the margin is tested for (1% exceptions at 0.99)
  std::int64_t horizon_steps = 0;   ///< h: margin period of risk in steps; 0 = the risk model's, else 1
  position_side side = position_side::long_position;
  double notional = 1.0;                           ///< notional of the quoted position (> 0)
  std::size_t warmup = 0;                          ///< rows not evaluated at the start, beyond the function's warm-up
  std::int64_t steps_per_day = 1;                  ///< 24 for hourly rows: sets the procyclicality horizons
  bool default_procyclicality = true;              ///< use procyclicality_metrics_config::ice(steps_per_day)
  procyclicality_metrics_config procyclicality{};  ///< used when default_procyclicality is false
  bool constant_quantity_metrics =
      false;  ///< also measure amounts of a constant quantity (doubles the procyclicality cost)
  traffic_light_edges edges{};
  bool es_tests = true;               ///< run the ES tests when the risk model is exposed
  predictive_distribution es_null{};  ///< shape of the Z2 null simulation
  std::size_t es_simulations = 1000;
  std::size_t es_resamples = 1000;
  std::uint64_t seed = 20140101;  ///< seed of the Z2 simulation and the bootstrap
  /// Called as `progress(rows_done, rows)` about every 1% of the replay and once at its end
  /// (a command-line tool shows it on a terminal); empty: not called.
  std::function<void(std::size_t, std::size_t)> progress;
};

namespace detail {
template <class F>
[[nodiscard]] std::int64_t default_horizon(const F& function) {
  if constexpr (exposes_risk_model<F>) {
    return static_cast<std::int64_t>(function.risk().horizon_steps());
  } else {
    return 1;
  }
}

inline void check_backtest_config(const backtest_config& config) {
  constexpr std::string_view component = "backtest";
  if (config.horizon_steps < 0)
    throw_invalid_argument(component, "horizon_steps", "must be >= 0 (0: the model's)", config.horizon_steps);
  if (!(std::isfinite(config.notional) && config.notional > 0.0)) {
    throw_invalid_argument(component, "notional", "must be finite and > 0", config.notional);
  }
  if (config.steps_per_day < 1)
    throw_invalid_argument(component, "steps_per_day", "must be at least 1", config.steps_per_day);
  if (config.es_simulations == 0)
    throw_invalid_argument(component, "es_simulations", "must be at least 1", config.es_simulations);
  if (config.es_resamples == 0)
    throw_invalid_argument(component, "es_resamples", "must be at least 1", config.es_resamples);
}

/// Loss over [t, t + h] as a fraction of the notional at t.
[[nodiscard]] inline double horizon_loss(double start, double end, position_side side) noexcept {
  return side == position_side::long_position ? 1.0 - end / start : end / start - 1.0;
}
}  // namespace detail

namespace detail {
template <class F, replay_time Time, class Visitor>
void replay_each_impl(F& function, std::span<const Time> times, std::span<const double> prices, double notional,
                      Visitor& visitor) {
  check_quote_replay(function, times, prices, notional);
  replay_rows(
      function, times, prices, [&](std::size_t i) { return quote_notional_at(function, notional, prices[i]); },
      visitor);
}

template <class F, replay_time Time>
[[nodiscard]] backtest_path replay_quotes_impl(F& function, std::span<const Time> times, std::span<const double> prices,
                                               double notional) {
  check_quote_replay(function, times, prices, notional);
  backtest_path path = start_path(function, times, prices);
  path.side = notional < 0.0 ? position_side::short_position : position_side::long_position;
  replay_rows(
      function, times, prices, [&](std::size_t i) { return quote_notional_at(function, notional, prices[i]); },
      [&](std::size_t i, const auto& s, const auto& q) {
        record_quote(path, i, s, q);
        path.initial_rate[i] = static_cast<double>(q.initial_rate);
      });
  return path;
}

template <class F, replay_time Time>
[[nodiscard]] backtest_path replay_margin_impl(F& function, std::span<const Time> times, std::span<const double> prices,
                                               const backtest_config& config) {
  constexpr std::string_view component = "replay_margin";
  check_backtest_config(config);
  check_replay_sizes(component, times, prices);
  check_replay_rows(component, times, prices, true, std::nullopt);
  const std::size_t n = prices.size();
  backtest_path path = start_path(function, times, prices);
  path.side = config.side;
  path.horizon_steps = config.horizon_steps > 0 ? config.horizon_steps : default_horizon(function);
  path.has_risk_model = exposes_risk_model<F>;
  path.evaluated.assign(n, 0);
  path.loss.assign(n, 0.0);
  path.exception.assign(n, 0);
  if (path.has_risk_model) {
    path.var_log.assign(n, 0.0);
    path.es_log.assign(n, 0.0);
    path.sigma_log.assign(n, 0.0);
  }
  const double sign = config.side == position_side::long_position ? 1.0 : -1.0;
  const std::size_t h = static_cast<std::size_t>(path.horizon_steps);
  bool rated = false;  // a positive rate has been quoted
  auto quote_at = [&](std::size_t i) { return function.quote(sign * config.notional / prices[i]); };
  const std::size_t progress_step = std::max<std::size_t>(1, n / 100);
  replay_rows(function, times, prices, quote_at, [&](std::size_t i, const auto& s, const auto& q) {
    record_quote(path, i, s, q);
    if (config.progress && i % progress_step == 0 && i > 0) config.progress(i, n);
    if (!static_cast<bool>(q.ready)) return;
    const double rate = static_cast<double>(q.initial_rate);
    if (!rated && !(rate > 0.0)) return;  // zero rates at the very start (e.g. a first return of 0)
    if (!(std::isfinite(rate) && rate > 0.0)) {
      throw_invalid_argument(component, "initial rate at row " + std::to_string(i),
                             "must stay finite and > 0 once quoted (add a floor policy)", rate);
    }
    rated = true;
    path.initial_rate[i] = rate;
    if constexpr (exposes_risk_model<F>) {
      const auto estimate = function.risk().estimate(function.volatility(), config.side);
      path.var_log[i] = estimate.var;
      path.es_log[i] = estimate.es;
      path.sigma_log[i] = std::sqrt(static_cast<double>(function.volatility().variance(path.horizon_steps)));
    }
    if (i < config.warmup || i + h >= n) return;
    path.evaluated[i] = 1;
    if (path.first_evaluated == n) path.first_evaluated = i;
    ++path.evaluated_count;
    path.loss[i] = horizon_loss(prices[i], prices[i + h], config.side);
    if (path.loss[i] > rate) {
      path.exception[i] = 1;
      ++path.exception_count;
    }
  });
  if (config.progress) config.progress(n, n);
  return path;
}

}  // namespace detail

/// @brief Runs a history through `function`, calling `visitor(row, status, quote)` per row
///        with what `update` returned and the quote of `notional` (see the file comment).
/// @param notional signed notional quoted (negative: short).
/// @throws dynmargin::invalid_argument, before any update, when the sizes differ, the notional
///         is not finite, or naming the row whose time is not later than the previous row's
///         (for row 0: the function's last accepted time, when it has `last_time()`).
template <replayable_margin_function F, class Visitor>
void replay_each(F& function, std::span<const timestamp> times, std::span<const double> prices, double notional,
                 Visitor&& visitor) {
  detail::replay_each_impl(function, times, prices, notional, visitor);
}
/// @brief `replay_each` over microsecond times (several prices within one second).
template <replayable_margin_function F, class Visitor>
void replay_each(F& function, std::span<const timestamp_us> times, std::span<const double> prices, double notional,
                 Visitor&& visitor) {
  detail::replay_each_impl(function, times, prices, notional, visitor);
}

/// @brief Runs a history through `function` and returns the path of the quotes of `notional`:
///        rates, amounts, binding policy and each policy's effect per row (see the file comment).
/// @param notional signed notional the amounts are for (default 1: amounts = rates).
/// @throws dynmargin::invalid_argument as `replay_each`.
template <replayable_margin_function F>
[[nodiscard]] backtest_path replay_quotes(F& function, std::span<const timestamp> times, std::span<const double> prices,
                                          double notional = 1.0) {
  return detail::replay_quotes_impl(function, times, prices, notional);
}
/// @brief `replay_quotes` over microsecond times (several prices within one second).
template <replayable_margin_function F>
[[nodiscard]] backtest_path replay_quotes(F& function, std::span<const timestamp_us> times,
                                          std::span<const double> prices, double notional = 1.0) {
  return detail::replay_quotes_impl(function, times, prices, notional);
}

/// @brief Replays `function` over the history and marks exceptions (see the file comment).
/// @param function advanced through every row (pass a copy to keep the original).
/// @throws dynmargin::invalid_argument when the sizes differ, a price is not finite and
///         positive, a time does not increase (naming the row), on a bad configuration, or
///         when an evaluated rate is not finite and positive.
template <replayable_margin_function F>
[[nodiscard]] backtest_path replay_margin(F& function, std::span<const timestamp> times, std::span<const double> prices,
                                          const backtest_config& config = {}) {
  return detail::replay_margin_impl(function, times, prices, config);
}
/// @brief `replay_margin` over microsecond times (several prices within one second).
template <replayable_margin_function F>
[[nodiscard]] backtest_path replay_margin(F& function, std::span<const timestamp_us> times,
                                          std::span<const double> prices, const backtest_config& config = {}) {
  return detail::replay_margin_impl(function, times, prices, config);
}

namespace detail {
/// Carries `margin_function`'s deprecated members `replay` and `replay_each` to the free
/// functions above for one release (margin/ does not include backtest/; declared in
/// margin_function.hpp).
template <class F>
struct replay_bridge {
  [[nodiscard]] static backtest_path path(F& function, std::span<const timestamp> times, std::span<const double> prices,
                                          double notional) {
    return replay_quotes(function, times, prices, notional);
  }
  template <class Visitor>
  static void each(F& function, std::span<const timestamp> times, std::span<const double> prices, double notional,
                   Visitor&& visitor) {
    replay_each(function, times, prices, notional, std::forward<Visitor>(visitor));
  }
};
}  // namespace detail

/// @brief Every statistic of one backtest.
struct backtest_report {
  std::size_t rows = 0;          ///< input rows
  std::size_t observations = 0;  ///< evaluated rows (overlapping MPORs when h > 1)
  std::size_t exceptions = 0;    ///< exceptions among them
  double exception_rate = 0.0;
  double expected_rate = 0.0;  ///< 1 - coverage
  std::int64_t horizon_steps = 1;
  position_side side = position_side::long_position;
  std::size_t first_evaluated = 0;
  std::size_t last_evaluated = 0;
  std::size_t rejected_updates = 0;
  std::size_t warning_updates = 0;    ///< updates that returned a warning (refit_failed), not rejected
  double max_loss = 0.0;              ///< largest MPOR loss among evaluated rows
  double max_shortfall = 0.0;         ///< largest loss - rate among exceptions (0 if none)
  std::size_t test_observations = 0;  ///< non-overlapping subsample size
  std::size_t test_exceptions = 0;
  coverage_report tests{};    ///< Kupiec, Christoffersen, traffic light, duration (subsample)
  bool es_available = false;  ///< ES tests ran
  acerbi_szekely_result acerbi_szekely{};
  mcneil_frey_result mcneil_frey{};
  procyclicality_result procyclicality{};  ///< on rates (constant notional)
  bool has_constant_quantity = false;
  procyclicality_result procyclicality_constant_quantity{};  ///< on rate * price
  double mean_rate = 0.0;                                    ///< mean evaluated initial rate (cost of collateral)
};

/// @brief All statistics of a replayed path.
/// @throws dynmargin::invalid_argument when no row is evaluated or on a bad configuration.
[[nodiscard]] inline backtest_report backtest_statistics(const backtest_path& path,
                                                         const backtest_config& config = {}) {
  constexpr std::string_view component = "backtest";
  detail::check_backtest_config(config);
  if (path.evaluated_count == 0) {
    throw_invalid_argument(component, "evaluated rows",
                           "must be at least 1 (rows: " + std::to_string(path.rows()) + ", horizon " +
                               std::to_string(path.horizon_steps) + ", warm-up " + std::to_string(config.warmup) + ")",
                           path.evaluated_count);
  }
  backtest_report out;
  out.rows = path.rows();
  out.observations = path.evaluated_count;
  out.exceptions = path.exception_count;
  out.exception_rate = static_cast<double>(out.exceptions) / static_cast<double>(out.observations);
  out.expected_rate = config.coverage.tail();
  out.horizon_steps = path.horizon_steps;
  out.side = path.side;
  out.first_evaluated = path.first_evaluated;
  out.rejected_updates = path.rejected_updates;
  out.warning_updates = path.warning_updates;

  std::vector<double> rates, amounts, prices;
  rates.reserve(path.evaluated_count);
  std::vector<std::uint8_t> hits;
  std::vector<double> losses_log, var, es, sigma;
  const std::size_t h = static_cast<std::size_t>(path.horizon_steps);
  std::size_t next_test = path.first_evaluated;
  for (std::size_t i = path.first_evaluated; i < path.rows(); ++i) {
    if (!path.evaluated[i]) continue;
    out.last_evaluated = i;
    rates.push_back(path.initial_rate[i]);
    if (config.constant_quantity_metrics) {
      amounts.push_back(path.initial_rate[i] * path.prices[i]);
      prices.push_back(path.prices[i]);
    }
    out.max_loss = std::max(out.max_loss, path.loss[i]);
    if (path.exception[i]) out.max_shortfall = std::max(out.max_shortfall, path.loss[i] - path.initial_rate[i]);
    if (i < next_test) continue;  // every h-th row from the first evaluated one (skipping gaps)
    next_test = i + h;
    hits.push_back(path.exception[i]);
    if (path.has_risk_model) {
      const double growth = std::log(path.prices[i + h] / path.prices[i]);
      losses_log.push_back(path.side == position_side::long_position ? -growth : growth);
      var.push_back(path.var_log[i]);
      es.push_back(path.es_log[i]);
      sigma.push_back(path.sigma_log[i]);
    }
  }
  out.test_observations = hits.size();
  for (auto hit : hits) out.test_exceptions += hit;
  out.tests = coverage_tests(hits, config.coverage, config.edges);

  const bool positive_forecasts =
      std::all_of(var.begin(), var.end(), [](double v) { return std::isfinite(v) && v > 0.0; }) &&
      std::all_of(es.begin(), es.end(), [](double v) { return std::isfinite(v) && v > 0.0; }) &&
      std::all_of(sigma.begin(), sigma.end(), [](double v) { return std::isfinite(v) && v > 0.0; });
  if (config.es_tests && path.has_risk_model && !losses_log.empty() && positive_forecasts) {
    out.es_available = true;
    out.acerbi_szekely = acerbi_szekely_test(losses_log, var, es, config.es_null, config.coverage,
                                             config.es_simulations, config.seed);
    out.mcneil_frey = mcneil_frey_test(losses_log, var, es, sigma, config.es_resamples, config.seed);
  }

  const procyclicality_metrics_config pro = config.default_procyclicality
                                                ? procyclicality_metrics_config::ice(config.steps_per_day)
                                                : config.procyclicality;
  out.procyclicality = procyclicality_metrics(rates, pro);
  out.mean_rate = out.procyclicality.mean_rate;
  if (config.constant_quantity_metrics) {
    out.has_constant_quantity = true;
    out.procyclicality_constant_quantity = procyclicality_metrics(amounts, prices, pro);
  }
  return out;
}

/// @brief Replays `function` (a copy) over the history and computes every statistic.
/// @param path_out when not null, receives the replayed path.
/// @throws as `replay_margin` and `backtest_statistics`.
template <replayable_margin_function F>
[[nodiscard]] backtest_report backtest(F function, std::span<const timestamp> times, std::span<const double> prices,
                                       const backtest_config& config = {}, backtest_path* path_out = nullptr) {
  backtest_path path = replay_margin(function, times, prices, config);
  backtest_report report = backtest_statistics(path, config);
  if (path_out != nullptr) *path_out = std::move(path);
  return report;
}
/// @brief `backtest` over microsecond times (several prices within one second).
template <replayable_margin_function F>
[[nodiscard]] backtest_report backtest(F function, std::span<const timestamp_us> times, std::span<const double> prices,
                                       const backtest_config& config = {}, backtest_path* path_out = nullptr) {
  backtest_path path = replay_margin(function, times, prices, config);
  backtest_report report = backtest_statistics(path, config);
  if (path_out != nullptr) *path_out = std::move(path);
  return report;
}

// ---------------------------------------------------------------------------------------------
// Several policies side by side
// ---------------------------------------------------------------------------------------------

/// @brief One policy's report, named.
struct named_backtest_report {
  std::string name;
  backtest_report report;
};

/// @brief Where a policy sits among the others.
struct frontier_point {
  std::string name;
  double exception_rate = 0.0;
  double kupiec_p_value = 1.0;
  double christoffersen_p_value = 1.0;  ///< conditional coverage p_cc
  traffic_light_zone traffic_light = traffic_light_zone::green;
  double mean_rate = 0.0;
  double peak_to_trough = 1.0;
  double largest_increase = 0.0;    ///< largest n-step increase at `increase_steps` (5 days)
  std::int64_t increase_steps = 0;  ///< the n used (0 when the report has no such horizon)
  bool on_frontier = true;          ///< no other policy is at least as good on all four criteria and better on one
  std::vector<std::string> dominated_by;
};

/// @brief The frontier of several policies on the same history. Criteria, all "lower is
///        better": exception rate, peak-to-trough ratio, largest `increase_steps` increase,
///        mean rate.
/// @param increase_steps n of the increase criterion (5 days = 5 * steps per day).
[[nodiscard]] inline std::vector<frontier_point> policy_frontier(std::span<const named_backtest_report> reports,
                                                                 std::int64_t increase_steps = 5) {
  std::vector<frontier_point> points;
  points.reserve(reports.size());
  for (const auto& entry : reports) {
    const auto& r = entry.report;
    frontier_point p;
    p.name = entry.name;
    p.exception_rate = r.exception_rate;
    p.kupiec_p_value = r.tests.kupiec.p_value;
    p.christoffersen_p_value = r.tests.christoffersen.p_cc;
    p.traffic_light = r.tests.traffic_light.zone;
    p.mean_rate = r.mean_rate;
    p.peak_to_trough = r.procyclicality.peak_to_trough;
    for (const auto& h : r.procyclicality.horizons) {
      if (h.steps == increase_steps) {
        p.largest_increase = std::max(0.0, h.max_change);
        p.increase_steps = h.steps;
      }
    }
    points.push_back(std::move(p));
  }
  for (auto& p : points) {
    for (const auto& q : points) {
      if (&p == &q) continue;
      const bool no_worse = q.exception_rate <= p.exception_rate && q.peak_to_trough <= p.peak_to_trough &&
                            q.largest_increase <= p.largest_increase && q.mean_rate <= p.mean_rate;
      const bool better = q.exception_rate < p.exception_rate || q.peak_to_trough < p.peak_to_trough ||
                          q.largest_increase < p.largest_increase || q.mean_rate < p.mean_rate;
      if (no_worse && better) {
        p.on_frontier = false;
        p.dominated_by.push_back(q.name);
      }
    }
  }
  return points;
}

}  // namespace dynmargin
