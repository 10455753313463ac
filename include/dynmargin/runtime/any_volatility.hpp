// SPDX-License-Identifier: MIT
/// @file
/// @brief `any_volatility`: a volatility model chosen at run time (EWMA, rolling, GARCH/GJR).
///
/// A `std::variant` of the library's streaming models behind the `volatility_model` concept, so
/// that one `margin_function` instantiation serves every configuration a file can describe.
/// The dispatch is one `std::visit` per call: `update` stays noexcept and allocation-free.
/// `state()`/`restore()` carry the state of the model it holds; restoring the state of another
/// model is refused and leaves the model as it was.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "dynmargin/core/error.hpp"
#include "dynmargin/volatility/concepts.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/rolling.hpp"

namespace dynmargin {

namespace detail {
/// @brief The state of the alternative `model` holds, as the matching alternative of `State`.
template <class State, class Variant>
[[nodiscard]] State variant_state_of(const Variant& model) {
  return std::visit([](const auto& m) { return State(m.state()); }, model);
}
/// @brief Restores the alternative `model` holds from `saved`, which must hold that alternative's state.
/// @throws invalid_argument naming `what` when it holds another one.
template <class Variant, class State>
void restore_variant_alternative(Variant& model, const State& saved, const char* what) {
  std::visit(
      [&](auto& m) {
        using S = typename std::remove_cvref_t<decltype(m)>::state_type;
        const S* s = std::get_if<S>(&saved);
        if (s == nullptr) throw invalid_argument(std::string(what));
        m.restore(*s);
      },
      model);
}
}  // namespace detail

// std::visit throws bad_variant_access only on a variant left valueless by a throwing move,
// which these alternatives cannot be (checked below): the noexcept members below cannot throw.
// NOLINTBEGIN(bugprone-exception-escape)
/// @brief A volatility model chosen at run time (EWMA, rolling, GARCH/GJR); a `volatility_model`.
class any_volatility {
 public:
  using model_concept = volatility_model_tag;
  using model_variant = std::variant<ewma_volatility, rolling_volatility, garch_volatility>;
  using state_type =
      std::variant<ewma_volatility::state_type, rolling_volatility::state_type, garch_volatility::state_type>;

  template <class Model>
  explicit any_volatility(Model model) : model_(std::move(model)) {}

  status update(double r) noexcept {
    return std::visit([r](auto& m) { return m.update(r); }, model_);
  }
  [[nodiscard]] double variance() const noexcept {
    return std::visit([](const auto& m) { return static_cast<double>(m.variance()); }, model_);
  }
  [[nodiscard]] double variance(std::int64_t steps) const noexcept {
    return std::visit([steps](const auto& m) { return static_cast<double>(m.variance(steps)); }, model_);
  }
  [[nodiscard]] std::int64_t observations() const noexcept {
    return std::visit([](const auto& m) { return static_cast<std::int64_t>(m.observations()); }, model_);
  }
  [[nodiscard]] bool ready() const noexcept {
    return std::visit([](const auto& m) { return m.ready(); }, model_);
  }
  /// The model's conditional mean (GARCH's mu, else 0), as volatility_mean reads it.
  [[nodiscard]] double mean() const noexcept {
    return std::visit([](const auto& m) { return volatility_mean(m); }, model_);
  }
  [[nodiscard]] state_type state() const { return detail::variant_state_of<state_type>(model_); }
  void restore(const state_type& saved) {
    detail::restore_variant_alternative(model_, saved,
                                        "any_volatility: the saved state is of another volatility model");
  }
  [[nodiscard]] const model_variant& model() const noexcept { return model_; }

 private:
  model_variant model_;
};
// NOLINTEND(bugprone-exception-escape)

static_assert(std::is_nothrow_move_constructible_v<ewma_volatility> &&
                  std::is_nothrow_move_constructible_v<rolling_volatility> &&
                  std::is_nothrow_move_constructible_v<garch_volatility>,
              "any_volatility's noexcept members rely on alternatives that never leave the variant valueless");

}  // namespace dynmargin
