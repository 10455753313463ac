// SPDX-License-Identifier: MIT
/// @file
/// @brief The run-time margin engine: one `margin_function` instantiation whose volatility
///        model, risk measure and policies are chosen at run time (from a config file, by the
///        command-line tool, by the Python module), and how its quotes map back to the config.
///
/// `runtime_margin_function` = `margin_function<any_volatility, any_risk, runtime_policy_chain>`.
/// The chain holds every policy of the library as a variant alternative (no indirection) and,
/// as one more alternative of each stage, `any_rate_policy` / `any_position_policy` for policy
/// types a program registers itself (runtime/config_reader.hpp). This header needs no JSON
/// library; building an engine from JSON is runtime/config_reader.hpp.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dynmargin/core/bar_sampler.hpp"
#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/policy_chain.hpp"
#include "dynmargin/runtime/any_policy.hpp"
#include "dynmargin/runtime/any_risk.hpp"
#include "dynmargin/runtime/any_volatility.hpp"

namespace dynmargin {

/// @brief `policy_list<Ps..., Extra>`.
template <class List, class Extra>
struct policy_list_append;
template <class... Ps, class Extra>
struct policy_list_append<policy_list<Ps...>, Extra> {
  using type = policy_list<Ps..., Extra>;
};

/// @brief The run-time chain: every library policy, plus a wrapper for a program's own types.
using runtime_policy_chain =
    basic_policy_chain<typename policy_list_append<rate_policies, any_rate_policy>::type,
                       typename policy_list_append<position_policies, any_position_policy>::type>;

/// @brief The margin function every run-time configuration instantiates.
using runtime_margin_function = margin_function<any_volatility, any_risk, runtime_policy_chain>;

/// @brief A margin function built from a configuration, with what maps its quotes back to it.
struct margin_engine {
  runtime_margin_function function;
  /// The config's "bar": prices are sampled into bars of this length before the function sees
  /// them (core/bar_sampler.hpp), and every count in the config is a count of bars. Empty: the
  /// function sees every price and counts updates.
  std::optional<duration> bar;
  /// The kind ("type") of config policy i, in the config's order, which is the chain's order
  /// and the order of a quote's breakdown.
  std::vector<std::string> policy_types;

  /// @brief Column name of config policy i: "<i>_<type>".
  [[nodiscard]] std::string column(std::size_t i) const { return std::to_string(i) + "_" + policy_types.at(i); }
  /// @brief "risk", or the column name of the policy a quote says binds.
  [[nodiscard]] std::string binding(const margin_quote& q) const {
    if (q.binding_index < 0) return "risk";
    const auto i = static_cast<std::size_t>(q.binding_index);
    return i < policy_types.size() ? column(i) : std::string(q.binding);
  }
  /// @brief The initial rate after config policy i in a ready quote.
  [[nodiscard]] double initial_after(const margin_quote& q, std::size_t i) const {
    return q.breakdown[i].initial_after;
  }
};

/// @brief A price history sampled into bars: the close and end time of every bar that has a price.
struct bar_series {
  std::vector<timestamp_us> times;
  std::vector<double> prices;
  std::vector<std::size_t> last_index;  ///< the index (into the input) of each bar's last price
};

/// @brief Samples `prices` at `times` into bars of `bar` (core/bar_sampler.hpp); the end of
///        the data completes the last bar.
/// @param component names the caller in errors.
/// @throws dynmargin::invalid_argument naming `component` and the 0-based index of a time
///         before the previous one.
[[nodiscard]] inline bar_series sample_into_bars(std::span<const timestamp_us> times, std::span<const double> prices,
                                                 duration bar, std::string_view component) {
  if (times.size() != prices.size()) {
    throw_invalid_argument(component, "times", "must have one time per price (" + std::to_string(prices.size()) + ")",
                           times.size());
  }
  bar_sampler sampler(bar);
  bar_series out;
  for (std::size_t i = 0; i < prices.size(); ++i) {
    const bar_sample s = sampler.push(times[i], prices[i]);
    if (s.outcome != status::ok) {
      throw_invalid_argument(component, "time at index " + std::to_string(i),
                             "must not be before the previous time " + format_epoch_seconds(times[i - 1]),
                             format_epoch_seconds(times[i]));
    }
    if (s.completed) {  // price i opened the next bar: the completed one ended with price i - 1
      out.times.push_back(s.bar.time);
      out.prices.push_back(s.bar.close);
      out.last_index.push_back(i - 1);
    }
  }
  if (sampler.has_open_bar()) {
    out.times.push_back(sampler.open_bar().time);
    out.prices.push_back(sampler.open_bar().close);
    out.last_index.push_back(prices.size() - 1);
  }
  return out;
}

/// @brief A warning for the user when a config that counts updates (no "bar") meets a feed
/// whose spacing is irregular (more than 1% of the steps differ from the most common one), so
/// that its windows and horizon are not the spans of time they look like; empty otherwise.
[[nodiscard]] inline std::string irregular_feed_warning(std::span<const timestamp_us> times,
                                                        const std::string& command) {
  if (times.size() < 3) return {};
  std::map<std::int64_t, std::size_t> counts;  // spacing in microseconds -> steps
  for (std::size_t i = 1; i < times.size(); ++i) ++counts[(times[i] - times[i - 1]).count()];
  auto seconds = [](std::int64_t us) { return format_epoch_seconds(timestamp_us{std::chrono::microseconds{us}}); };
  const auto modal = std::max_element(counts.begin(), counts.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; });
  const std::size_t steps = times.size() - 1;
  const std::size_t off = steps - modal->second;
  if (off * 100 <= steps) return {};
  return command +
         ": warning: the config counts updates (it has no \"bar\") and the feed is irregular: " + std::to_string(off) +
         " of " + std::to_string(steps) + " steps differ from the usual " + seconds(modal->first) + " s (from " +
         seconds(counts.begin()->first) + " to " + seconds(counts.rbegin()->first) +
         " s), so windows and the horizon are not fixed spans of time; set "
         "\"bar\" (e.g. \"1h\") to sample prices into bars";
}

}  // namespace dynmargin
