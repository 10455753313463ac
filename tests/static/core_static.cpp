// SPDX-License-Identifier: MIT
// Compile-time proofs for core/: strong types validate in constant expressions, and the
// opt-in concepts accept models that declare their tag and reject look-alikes that do not.
#include <cstdint>
#include <type_traits>

#include "dynmargin/core/types.hpp"
#include "dynmargin/risk/concepts.hpp"
#include "dynmargin/volatility/concepts.hpp"
#include "dynmargin/volatility/ewma.hpp"

namespace core_static_checks {

using namespace dynmargin;

// Strong types are literal types whose checks run at compile time.
constexpr confidence_level p99(0.99);
static_assert(p99.value() == 0.99);
static_assert(p99.tail() > 0.0099 && p99.tail() < 0.0101);
static_assert(horizon(2).steps() == 2);
static_assert(rate::from_percent(5.0).value() == 0.05);
static_assert(seconds_per_year() == 365.0 * 86400.0);
static_assert(seconds_per_year(year_basis::trading_252) == 252.0 * 86400.0);

// A bad constant is not a constant expression (the constructor would throw). The value is
// produced by a function object because clang 14 has no floating-point template parameters.
// clang-format off
template <class MakeValue>
concept constant_evaluable = requires { typename std::bool_constant<(MakeValue{}(), true)>; };
// clang-format on
struct good_confidence {
  constexpr double operator()() const { return confidence_level(0.5).value(); }
};
struct one_confidence {
  constexpr double operator()() const { return confidence_level(1.0).value(); }
};
struct zero_confidence {
  constexpr double operator()() const { return confidence_level(0.0).value(); }
};
struct percent_confidence {
  constexpr double operator()() const { return confidence_level(99.0).value(); }
};
struct zero_horizon {
  constexpr std::int64_t operator()() const { return horizon(0).steps(); }
};
struct negative_rate {
  constexpr double operator()() const { return rate(-0.01).value(); }
};
static_assert(constant_evaluable<good_confidence>);
static_assert(!constant_evaluable<one_confidence>);
static_assert(!constant_evaluable<zero_confidence>);
static_assert(!constant_evaluable<percent_confidence>);
static_assert(!constant_evaluable<zero_horizon>);
static_assert(!constant_evaluable<negative_rate>);

// The EWMA model is a volatility_model.
static_assert(volatility_model<ewma_volatility>);
static_assert(volatility_model<const ewma_volatility&>);

// A structural look-alike without the opt-in tag is rejected.
struct look_alike {
  struct state_type {
    double v = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  status update(double) noexcept { return status::ok; }
  double variance() const noexcept { return 0; }
  double variance(std::int64_t) const noexcept { return 0; }
  std::int64_t observations() const noexcept { return 0; }
  state_type state() const noexcept { return {}; }
  void restore(const state_type&) {}
};
static_assert(!volatility_model<look_alike>);

// The same type opted in through the tag is accepted ...
struct opted_in : look_alike {
  using model_concept = volatility_model_tag;
};
static_assert(volatility_model<opted_in>);

// ... but not when update may throw (the hot path must be noexcept).
struct throwing_update : opted_in {
  status update(double) { return status::ok; }
};
static_assert(!volatility_model<throwing_update>);

// A volatility model is not a risk measure.
static_assert(!risk_measure<ewma_volatility>);

}  // namespace core_static_checks

int main() { return 0; }
