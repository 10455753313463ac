// SPDX-License-Identifier: MIT
/// @file
/// @brief Shared machinery of dynmargin's opt-in concepts, and the list of them.
///
/// dynmargin's concepts carry meaning that a structural check cannot see: a type with an
/// `update` member is not thereby a volatility model. A type opts in by naming a tag as its
/// `model_concept` member type (the stdexec `sender_concept` idiom); a foreign type is adapted
/// by specialising the concept's `enable_...` variable template instead.
///
/// The concepts, by layer:
///  - `volatility_model` (dynmargin/volatility/concepts.hpp)
///  - `risk_measure`, `streaming_risk_measure` (dynmargin/risk/concepts.hpp)
///  - `margin_policy` (dynmargin/margin/concepts.hpp)
#pragma once

#include <concepts>
#include <type_traits>

namespace dynmargin::detail {

/// True when `T::model_concept` exists and derives from `Tag`. A function, not a bare
/// `&&` in a variable template, so that a missing member is a clean `false`.
template <class T, class Tag>
[[nodiscard]] consteval bool declares_model_concept() noexcept {
  if constexpr (requires { typename T::model_concept; }) {
    return std::derived_from<typename T::model_concept, Tag>;
  } else {
    return false;
  }
}

}  // namespace dynmargin::detail
