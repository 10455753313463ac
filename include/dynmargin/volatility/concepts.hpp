// SPDX-License-Identifier: MIT
/// @file
/// @brief The `volatility_model` concept: a streaming one-step variance forecaster.
///
/// A model opts in by declaring `using model_concept = dynmargin::volatility_model_tag;`
/// (or, for a foreign type, by specialising `enable_volatility_model`). Having an `update`
/// member is not enough: the concept carries meaning (a forecast of the next return's
/// variance), which a structural match cannot check.
///
/// Requirements, for a model `m` and a return `r`:
///  - `m.update(r)`: O(1), `noexcept`, no allocation; returns `dynmargin::status` and leaves
///    the model unchanged when `r` is not finite;
///  - `m.variance()`: the one-step-ahead forecast of the next return's variance, in squared
///    units of the returns fed in;
///  - `m.variance(h)`: the variance of the sum of the next h returns (h >= 1);
///  - `m.state()` / `m.restore(s)`: the whole mutable state as a regular value; a model that
///    restores a saved state continues bit-identically.
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>

#include "dynmargin/core/concepts.hpp"
#include "dynmargin/core/error.hpp"

namespace dynmargin {

/// @brief Tag a type names as `model_concept` to opt in to `volatility_model`.
struct volatility_model_tag {};

/// @brief Opt-in switch; specialise to `true` to adapt a foreign type.
template <class T>
inline constexpr bool enable_volatility_model = detail::declares_model_concept<T, volatility_model_tag>();

/// @brief A streaming volatility model (see the file comment for the semantics).
// clang-format off
template <class T>
concept volatility_model =
    enable_volatility_model<std::remove_cvref_t<T>> &&
    std::copyable<std::remove_cvref_t<T>> &&
    requires(std::remove_cvref_t<T>& model, const std::remove_cvref_t<T>& const_model, double r,
             std::int64_t steps, const typename std::remove_cvref_t<T>::state_type& saved) {
      typename std::remove_cvref_t<T>::state_type;
      requires std::regular<typename std::remove_cvref_t<T>::state_type>;
      { model.update(r) } noexcept -> std::same_as<status>;
      { const_model.variance() } noexcept -> std::convertible_to<double>;
      { const_model.variance(steps) } noexcept -> std::convertible_to<double>;
      { const_model.observations() } noexcept -> std::convertible_to<std::int64_t>;
      { const_model.state() } noexcept -> std::same_as<typename std::remove_cvref_t<T>::state_type>;
      { model.restore(saved) } -> std::same_as<void>;
    };
// clang-format on

}  // namespace dynmargin
