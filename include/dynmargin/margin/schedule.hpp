// SPDX-License-Identifier: MIT
/// @file
/// @brief Pre-announced parameter changes that ramp in over a schedule instead of jumping,
///        and a policy that scales margin by a scheduled factor.
///
/// Venues re-parameterise margins by announcement (Deribit, BitMEX, OKX) or "at their
/// discretion" during stress (Binance, Bybit); a step change in a margin parameter is itself
/// procyclical (BCBS-CPMI-IOSCO, "Review of margining practices", 2022, asks for predictable
/// changes). A `parameter_schedule` holds announced knots (time, value) and interpolates
/// linearly between them: announcing "from 2% at t0 to 3% at t1" makes the parameter ramp
/// from 2% to 3% over [t0, t1]. Before the first knot the value is the first knot's; after
/// the last, the last knot's; a single knot is a constant. The floor and cap policies
/// (floors.hpp) take their rate as a schedule; `scale_policy` multiplies the margin by one.
#pragma once

#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/margin/breakdown.hpp"
#include "dynmargin/margin/concepts.hpp"

namespace dynmargin {

/// @brief One announced value of a parameter.
struct schedule_knot {
  timestamp time = 0;  ///< when the value is reached, epoch seconds
  double value = 0.0;
  friend bool operator==(const schedule_knot&, const schedule_knot&) = default;
};

/// @brief A parameter that follows announced knots, linearly interpolated (see the file comment).
class parameter_schedule {
 public:
  /// @brief A constant.
  parameter_schedule(double constant) : knots_{schedule_knot{0, constant}} {}  // NOLINT: implicit on purpose
  /// @param knots at least one, times strictly increasing, values finite.
  /// @throws dynmargin::invalid_argument naming the knot that breaks a rule.
  parameter_schedule(std::vector<schedule_knot> knots) : knots_(std::move(knots)) {  // NOLINT
    if (knots_.empty()) throw_invalid_argument("parameter_schedule", "knots", "must hold at least one knot", 0);
    for (std::size_t i = 0; i < knots_.size(); ++i) {
      if (!std::isfinite(knots_[i].value)) {
        throw_invalid_argument("parameter_schedule", "value of knot " + std::to_string(i), "must be finite",
                               knots_[i].value);
      }
      if (i > 0 && knots_[i].time <= knots_[i - 1].time) {
        throw_invalid_argument("parameter_schedule", "time of knot " + std::to_string(i),
                               "must be later than the previous knot's " + std::to_string(knots_[i - 1].time),
                               knots_[i].time);
      }
    }
  }
  parameter_schedule(std::initializer_list<schedule_knot> knots)
      : parameter_schedule(std::vector<schedule_knot>(knots)) {}

  /// @brief The value at `time`: linear between knots, flat outside them. O(log knots).
  [[nodiscard]] double value_at(timestamp time) const noexcept {
    timestamp_us t{};
    if (try_to_timestamp_us(time, t)) return value_at(t);
    return time < 0 ? knots_.front().value : knots_.back().value;  // beyond int64 microseconds: flat
  }
  /// @brief The value at a microsecond time (knots stay in epoch seconds). O(log knots).
  [[nodiscard]] double value_at(timestamp_us time) const noexcept {
    const timestamp whole = floor_seconds(time);
    const auto fraction = static_cast<double>((time - std::chrono::floor<std::chrono::seconds>(time)).count()) /
                          static_cast<double>(microseconds_per_second);
    if (whole < knots_.front().time || (whole == knots_.front().time && fraction == 0.0)) return knots_.front().value;
    if (whole >= knots_.back().time) return knots_.back().value;
    std::size_t lo = 0;
    std::size_t hi = knots_.size() - 1;  // knots_[lo].time <= whole < knots_[hi].time
    while (hi - lo > 1) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (knots_[mid].time <= whole) lo = mid;
      else hi = mid;
    }
    const schedule_knot& a = knots_[lo];
    const schedule_knot& b = knots_[hi];
    const double w = (static_cast<double>(whole - a.time) + fraction) / static_cast<double>(b.time - a.time);
    return a.value + w * (b.value - a.value);
  }
  /// @brief The smallest and largest values the schedule takes.
  [[nodiscard]] double minimum() const noexcept {
    double m = knots_.front().value;
    for (const auto& k : knots_) m = k.value < m ? k.value : m;
    return m;
  }
  [[nodiscard]] double maximum() const noexcept {
    double m = knots_.front().value;
    for (const auto& k : knots_) m = k.value > m ? k.value : m;
    return m;
  }
  [[nodiscard]] bool constant() const noexcept { return knots_.size() == 1; }
  [[nodiscard]] const std::vector<schedule_knot>& knots() const noexcept { return knots_; }
  friend bool operator==(const parameter_schedule&, const parameter_schedule&) = default;

 private:
  std::vector<schedule_knot> knots_;
};

/// @brief Multiplies the margin by a scheduled factor: a pre-announced increase of all
///        margins by 20% over a week is `scale_policy({{t0, 1.0}, {t0 + 7 days, 1.2}})`.
class scale_policy {
 public:
  using model_concept = rate_policy_tag;
  struct state_type {
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  /// @throws dynmargin::invalid_argument naming `factor` when a knot is not > 0.
  explicit scale_policy(parameter_schedule factor) : factor_(std::move(factor)) {
    if (!(factor_.minimum() > 0.0)) throw_invalid_argument("scale", "factor", "must be > 0", factor_.minimum());
  }
  /// The policy's kind: its name in quotes and its "type" in a run-time config.
  static constexpr std::string_view kind = "scale";
  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] margin_rates update(const market_context& context, margin_rates rates) noexcept {
    const double f = factor_.value_at(context.time);
    return margin_rates{f * rates.initial, f * rates.maintenance};
  }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type&) noexcept {}
  [[nodiscard]] const parameter_schedule& factor() const noexcept { return factor_; }

 private:
  parameter_schedule factor_;
};

}  // namespace dynmargin
