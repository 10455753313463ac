// SPDX-License-Identifier: MIT
/// @file
/// @brief A margin function fed through a tick-to-bar sampler, so that its windows, lookbacks
///        and margin period of risk are spans of time and the feed's frequency does not change
///        the margin.
///
/// A `margin_function` counts updates: with a 24-step horizon, hourly prices give a 24-hour
/// margin period of risk and minute prices a 24-minute one (on one simulated path, 10.3%
/// against 1.3% initial margin). Wrapping it here makes every count a count of bars of a fixed
/// length: state durations in time and convert them once with `bars_in` and
/// `decay_from_half_life` (core/duration.hpp) for the chosen bar.
///
/// The wrapped function sees one update per completed bar, at the bar's end, with the last
/// price of the bar (see core/bar_sampler.hpp for the conventions). Between bar ends, quotes
/// come from the last completed bar: the margin moves once per bar. Call `advance(now)` on a
/// clock tick to complete a bar whose end has passed without a later price.
#pragma once

#include <concepts>
#include <utility>

#include "dynmargin/core/bar_sampler.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief What a function must offer to be sampled: `update(time, price)` returning a status.
template <class Function>
concept price_updatable = requires(Function& f, timestamp_us t, double p) {
  { f.update(t, p) } -> std::same_as<status>;
};

/// @brief `Function` (typically a `margin_function`) fed one price per bar. `update` and
///        `advance` are noexcept and allocation-free when the function's `update` is.
template <price_updatable Function>
class sampled_margin_function {
 public:
  sampled_margin_function(bar_sampler sampler, Function function) : sampler_(sampler), function_(std::move(function)) {}

  /// @brief One price at `time`. Returns the function's status when this price completed a
  ///        bar (the function then absorbed that bar), `ok` when the price only joined the open
  ///        bar, and `invalid_argument` with no change for a time before the last one.
  status update(timestamp_us time, double price) noexcept { return absorb(sampler_.push(time, price)); }
  /// @brief `update` with `time` in epoch seconds.
  status update(timestamp time, double price) noexcept { return absorb(sampler_.push(time, price)); }

  /// @brief Completes the open bar once `now` is past its end and passes it to the function.
  status advance(timestamp_us now) noexcept { return absorb(sampler_.advance(now)); }
  /// @brief `advance` with `now` in epoch seconds.
  status advance(timestamp now) noexcept { return absorb(sampler_.advance(now)); }

  /// @brief The wrapped function, for quotes, breakdowns and state.
  [[nodiscard]] const Function& function() const noexcept { return function_; }
  [[nodiscard]] Function& function() noexcept { return function_; }
  [[nodiscard]] const bar_sampler& sampler() const noexcept { return sampler_; }

  /// @brief Forwards to the function's `quote`: the margin of the last completed bar.
  template <class... Args>
  [[nodiscard]] decltype(auto) quote(Args&&... args) const {
    return function_.quote(std::forward<Args>(args)...);
  }

 private:
  status absorb(const bar_sample& sample) noexcept {
    if (sample.outcome != status::ok) return sample.outcome;
    return sample.completed ? function_.update(sample.bar.time, sample.bar.close) : status::ok;
  }

  bar_sampler sampler_;
  Function function_;
};

}  // namespace dynmargin
