// SPDX-License-Identifier: MIT
/// @file
/// @brief The one Boost.Math policy of dynmargin, and the one place where a Boost.Math error
///        becomes a dynmargin exception.
///
/// Policy: every error (domain, pole, overflow, evaluation) throws; `promote_float<false>` and
/// `promote_double<false>` keep the arithmetic in the argument's type (no silent promotion of
/// double to long double, so results agree across platforms where long double differs). Every
/// Boost.Math distribution, special function and root finder in the library is instantiated
/// with `math_policy`.
///
/// Errors: callers validate their arguments first, so that users see dynmargin's own messages
/// (`dynmargin::invalid_argument` naming the parameter). What Boost.Math can still reject is
/// passed through `detail::boost_call`, which rethrows it as `dynmargin::domain_error`.
#pragma once

#include <exception>
#include <string_view>
#include <type_traits>

#include <boost/math/policies/policy.hpp>

#include "dynmargin/core/error.hpp"

namespace dynmargin {

/// @brief The Boost.Math policy of dynmargin: errors throw, floats and doubles stay themselves.
using math_policy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::throw_on_error>,
    boost::math::policies::pole_error<boost::math::policies::throw_on_error>,
    boost::math::policies::overflow_error<boost::math::policies::throw_on_error>,
    boost::math::policies::evaluation_error<boost::math::policies::throw_on_error>,
    boost::math::policies::promote_float<false>, boost::math::policies::promote_double<false>>;

namespace detail {

/// Runs a Boost.Math evaluation and rethrows its errors as `dynmargin::domain_error` with the
/// message "<component>: <what> could not be evaluated by Boost.Math, got <Boost's message>".
template <class F>
[[nodiscard]] std::invoke_result_t<F&> boost_call(std::string_view component, std::string_view what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    throw_domain_error(component, what, "could not be evaluated by Boost.Math", std::string_view(e.what()));
  }
}

}  // namespace detail
}  // namespace dynmargin
