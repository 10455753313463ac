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
/// Optional members, read through the helpers below:
///  - `m.ready()`: the forecast is past its burn-in (a validator may use it); without it a
///    model counts as warm once it has a positive, finite forecast (`volatility_warm`);
///  - `m.mean()`: the model's conditional mean of the next return (GARCH's mu); without it the
///    mean is 0 (`volatility_mean`).
#pragma once

#include <cmath>
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
      { const_model.state() } -> std::same_as<typename std::remove_cvref_t<T>::state_type>;
      { model.restore(saved) } -> std::same_as<void>;
    };
// clang-format on

/// @brief True once the model's forecast can standardise a return: a positive, finite
///        variance and, when the model has `ready()`, its burn-in is over. Filtered historical
///        simulation and conditional EVT keep residuals only from then on.
template <volatility_model Vol>
[[nodiscard]] bool volatility_warm(const Vol& vol) noexcept {
  const auto variance = static_cast<double>(vol.variance());
  if (!(variance > 0.0 && std::isfinite(variance))) return false;
  if constexpr (requires {
                  { vol.ready() } -> std::convertible_to<bool>;
                }) {
    return static_cast<bool>(vol.ready());
  } else {
    return true;
  }
}

/// @brief The model's conditional mean of the next return: `vol.mean()` when it has one, else 0.
template <volatility_model Vol>
[[nodiscard]] double volatility_mean(const Vol& vol) noexcept {
  if constexpr (requires {
                  { vol.mean() } -> std::convertible_to<double>;
                }) {
    return static_cast<double>(vol.mean());
  } else {
    return 0.0;
  }
}

}  // namespace dynmargin
