// SPDX-License-Identifier: MIT
/// @file
/// @brief Stressed volatility: the highest variance forecast an inner model produced over a
///        lookback, for anti-procyclical margin.
///
/// EMIR (Regulation (EU) No 648/2012, Commission Delegated Regulation (EU) No 153/2013,
/// Article 28(1)(b)) lets a CCP limit procyclicality by giving at least 25% weight to
/// stressed observations in the lookback; ICE Clear Europe's IRM 1 implements it as
/// sigma = 0.25 sigma_stress + 0.75 sigma_now with sigma_stress the maximum of the rolling
/// 250-day volatility over a long lookback. `stressed_volatility<Inner>` supplies
/// sigma_stress for any inner model: after each update it records the inner forecast and
/// keeps the maximum over the last `lookback` updates (the blend itself belongs to the margin
/// layer).
///
/// The rolling maximum uses a monotonic deque (candidates with decreasing variance; each
/// forecast is pushed and popped at most once), so an update is O(1) amortised and stored in
/// a ring buffer of `lookback` entries allocated at construction: no allocation afterwards.
/// Forecasts made while the inner model is not `ready()` (its warm-up) are not candidates.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "dynmargin/core/error.hpp"
#include "dynmargin/detail/ring_buffer.hpp"
#include "dynmargin/volatility/concepts.hpp"

namespace dynmargin {

/// @brief Rolling maximum of an inner model's variance forecast over the last `lookback`
///        updates. A `volatility_model` when `Inner` is one; it also wraps the range
///        estimators (fed bars) since `update` forwards any input the inner model takes.
template <class Inner>
class stressed_volatility {
 public:
  using model_concept = volatility_model_tag;
  using inner_type = Inner;

  /// @brief One candidate of the monotonic deque: the update count and the forecast then.
  struct candidate {
    std::int64_t step = 0;
    double variance = 0.0;
    friend bool operator==(const candidate&, const candidate&) = default;
  };

  /// @brief The whole mutable state (inner state and deque), a regular value.
  struct state_type {
    typename Inner::state_type inner{};
    detail::ring_buffer<candidate> maxima;
    std::int64_t steps = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @param inner the model whose forecasts are tracked (moved in).
  /// @param lookback number of updates the maximum runs over, >= 1 (e.g. 250 daily updates,
  ///        or several years for EMIR's stressed period).
  /// @throws dynmargin::invalid_argument naming `lookback` when it is below 1.
  stressed_volatility(Inner inner, std::int64_t lookback) : inner_(std::move(inner)), lookback_(lookback) {
    if (lookback < 1) throw_invalid_argument("stressed", "lookback", "must be at least 1", lookback);
    maxima_ = detail::ring_buffer<candidate>(static_cast<std::size_t>(lookback));
  }

  /// @brief Updates the inner model and the running maximum. O(1) amortised, no allocation.
  /// @return the inner model's status; nothing changes unless it is `ok`.
  // clang-format off
  template <class Input>
    requires requires(Inner& model, const Input& x) {
      { model.update(x) } noexcept -> std::same_as<status>;
    }
  // clang-format on
  status update(const Input& x) noexcept {
    const status s = inner_.update(x);
    if (s != status::ok) return s;
    ++steps_;
    while (!maxima_.empty() && maxima_.front().step <= steps_ - lookback_) maxima_.pop_front();
    if (inner_ready()) {
      const double v = inner_.variance();
      while (!maxima_.empty() && maxima_.back().variance <= v) maxima_.pop_back();
      (void)maxima_.push_back(candidate{steps_, v});  // room: entries are within the last lookback - 1 steps
    }
    return status::ok;
  }

  /// @brief The stressed variance: the maximum inner forecast over the last `lookback`
  ///        updates (the inner model's current forecast until it is ready).
  [[nodiscard]] double variance() const noexcept {
    return maxima_.empty() ? inner_.variance() : maxima_.front().variance;
  }
  /// @brief steps * variance(): the stressed level is held flat over the horizon.
  [[nodiscard]] double variance(std::int64_t steps) const noexcept { return static_cast<double>(steps) * variance(); }
  [[nodiscard]] double volatility() const noexcept { return std::sqrt(variance()); }
  /// @brief The inner model's current one-step forecast (sigma_now of the APC blend).
  [[nodiscard]] double current_variance() const noexcept { return inner_.variance(); }
  /// @brief Updates since the stressed maximum was recorded (0 when it is the current forecast).
  [[nodiscard]] std::int64_t stressed_age() const noexcept {
    return maxima_.empty() ? 0 : steps_ - maxima_.front().step;
  }
  [[nodiscard]] std::int64_t observations() const noexcept { return inner_.observations(); }
  [[nodiscard]] bool ready() const noexcept { return inner_ready(); }
  [[nodiscard]] std::int64_t lookback() const noexcept { return lookback_; }
  [[nodiscard]] const Inner& inner() const noexcept { return inner_; }

  /// @brief The state (copies the window: allocates).
  [[nodiscard]] state_type state() const { return state_type{inner_.state(), maxima_, steps_}; }
  /// @throws dynmargin::invalid_argument when the state comes from a different lookback
  ///         (and whatever the inner model's restore throws).
  void restore(const state_type& saved) {
    if (saved.maxima.capacity() != maxima_.capacity()) {
      throw_invalid_argument("stressed", "state", "must come from a model with the same lookback",
                             saved.maxima.capacity());
    }
    inner_.restore(saved.inner);
    maxima_ = saved.maxima;
    steps_ = saved.steps;
  }

 private:
  [[nodiscard]] bool inner_ready() const noexcept {
    if constexpr (requires(const Inner& model) {
                    { model.ready() } -> std::convertible_to<bool>;
                  }) {
      return inner_.ready();
    } else {
      return inner_.observations() >= 1;
    }
  }

  Inner inner_;
  std::int64_t lookback_;
  detail::ring_buffer<candidate> maxima_;
  std::int64_t steps_ = 0;
};

}  // namespace dynmargin
