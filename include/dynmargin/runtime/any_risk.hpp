// SPDX-License-Identifier: MIT
/// @file
/// @brief `any_risk`: a risk measure chosen at run time (parametric, historical, filtered
///        historical, EVT) over any volatility model.
///
/// A `std::variant` of the library's streaming measures behind the `streaming_risk_measure`
/// concept; `observe` and `estimate` are one `std::visit` each, noexcept and allocation-free.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "dynmargin/core/error.hpp"
#include "dynmargin/risk/concepts.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/filtered_historical.hpp"
#include "dynmargin/risk/historical.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/runtime/any_volatility.hpp"

namespace dynmargin {

// As any_volatility: the variant is never valueless, so std::visit cannot throw here.
// NOLINTBEGIN(bugprone-exception-escape)
/// @brief A risk measure chosen at run time (parametric, historical, filtered historical, EVT);
///        a `streaming_risk_measure` over any volatility model.
class any_risk {
 public:
  using model_concept = risk_measure_tag;
  using measure_variant = std::variant<parametric_risk, historical_risk, filtered_historical_risk, evt_risk>;
  using state_type = std::variant<parametric_risk::state_type, historical_risk::state_type,
                                  filtered_historical_risk::state_type, evt_risk::state_type>;

  template <class Measure>
  explicit any_risk(Measure measure) : measure_(std::move(measure)) {}

  template <volatility_model Vol>
  status observe(double r, const Vol& vol) noexcept {
    return std::visit([&](auto& m) { return m.observe(r, vol); }, measure_);
  }
  template <volatility_model Vol>
  [[nodiscard]] risk_estimate estimate(const Vol& vol, position_side side) const noexcept {
    return std::visit([&](const auto& m) { return m.estimate(vol, side); }, measure_);
  }
  /// Batch form for the sample methods (the concept's shape); parametric has no sample form.
  [[nodiscard]] risk_estimate from_sample(std::span<const double> sample) const {
    return std::visit(
        [&](const auto& m) -> risk_estimate {
          if constexpr (requires { m.from_sample(sample); }) {
            return m.from_sample(sample);
          } else {
            throw invalid_argument("any_risk: the parametric risk measure has no sample form");
          }
        },
        measure_);
  }
  [[nodiscard]] std::int64_t horizon_steps() const noexcept {
    return std::visit([](const auto& m) { return static_cast<std::int64_t>(m.horizon_steps()); }, measure_);
  }
  [[nodiscard]] bool ready() const noexcept {
    return std::visit(
        [](const auto& m) {
          if constexpr (requires { m.ready(); }) return m.ready();
          else return true;
        },
        measure_);
  }
  [[nodiscard]] state_type state() const { return detail::variant_state_of<state_type>(measure_); }
  void restore(const state_type& saved) {
    detail::restore_variant_alternative(measure_, saved, "any_risk: the saved state is of another risk measure");
  }

 private:
  measure_variant measure_;
};
// NOLINTEND(bugprone-exception-escape)

static_assert(std::is_nothrow_move_constructible_v<parametric_risk> &&
                  std::is_nothrow_move_constructible_v<historical_risk> &&
                  std::is_nothrow_move_constructible_v<filtered_historical_risk> &&
                  std::is_nothrow_move_constructible_v<evt_risk>,
              "any_risk's noexcept members rely on alternatives that never leave the variant valueless");

}  // namespace dynmargin
