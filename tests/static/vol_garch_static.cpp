// SPDX-License-Identifier: MIT
// Compile-time conformance of the GARCH models (static_assert only; main is in core_static.cpp).
#include <type_traits>

#include "dynmargin/volatility/concepts.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"

namespace garch_static_checks {

using namespace dynmargin;

static_assert(volatility_model<garch_volatility>);
static_assert(volatility_model<gjr_volatility>);
static_assert(volatility_model<const garch_volatility&>);
static_assert(std::is_nothrow_invocable_v<decltype(&garch_volatility::update), garch_volatility&, double>);
static_assert(std::regular<garch_volatility::state_type>);

// Negative: parameters, configurations and fit results are not models.
static_assert(!volatility_model<garch_parameters>);
static_assert(!volatility_model<garch_volatility_config>);
static_assert(!volatility_model<garch_fit_result>);

// A look-alike with the right members but no opt-in is not a model.
struct garch_lookalike {
  struct state_type {
    double variance = 0.0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  status update(double) noexcept { return status::ok; }
  [[nodiscard]] double variance() const noexcept { return 0.0; }
  [[nodiscard]] double variance(std::int64_t) const noexcept { return 0.0; }
  [[nodiscard]] std::int64_t observations() const noexcept { return 0; }
  [[nodiscard]] state_type state() const noexcept { return {}; }
  void restore(const state_type&) noexcept {}
};
static_assert(!volatility_model<garch_lookalike>);

// Persistence and names are usable at compile time.
static_assert(garch_persistence(garch_parameters{0.0, 1.0, 0.1, 0.1, 0.8, 0.0}) == 0.1 + 0.05 + 0.8);
static_assert(to_string(garch_start::backcast) == "backcast");
static_assert(to_string(distribution_shape::student_t) == "t");

}  // namespace garch_static_checks
