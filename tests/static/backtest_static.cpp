// SPDX-License-Identifier: MIT
// Compile-time proofs for backtest/: which ranges count as exception sequences, and the
// zone names are constant expressions (they label JSON output).
#include <array>
#include <cstdint>
#include <list>
#include <string>
#include <vector>

#include "dynmargin/backtest/coverage.hpp"
#include "dynmargin/backtest/procyclicality.hpp"
#include "dynmargin/backtest/replay.hpp"
#include "dynmargin/margin/floors.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"

namespace {

using namespace dynmargin;

// Exception indicators: bool, vector<bool>'s proxy references, 0/1 integers, any forward range.
static_assert(exception_sequence<std::vector<bool>>);
static_assert(exception_sequence<std::vector<std::uint8_t>>);
static_assert(exception_sequence<std::array<int, 4>>);
static_assert(exception_sequence<std::list<bool>>);
// Not indicators: strings of a range, a single bool, a range of strings.
static_assert(!exception_sequence<bool>);
static_assert(!exception_sequence<std::vector<std::string>>);
static_assert(!exception_sequence<int*>);

static_assert(to_string(traffic_light_zone::green) == "green");
static_assert(to_string(traffic_light_zone::red) == "red");
static_assert(to_string(procyclicality_zone::amber) == "amber");

// Results are regular values (compared in tests, stored in reports).
static_assert(std::regular<kupiec_result>);
static_assert(std::regular<christoffersen_result>);
static_assert(std::regular<traffic_light_result>);
static_assert(std::regular<duration_test_result>);
static_assert(std::regular<procyclicality_result>);

// The replay drives dynmargin's margin_function and sees its risk model (for the ES tests).
using ewma_margin = margin_function<ewma_volatility, parametric_risk, floor_policy>;
static_assert(replayable_margin_function<ewma_margin>);
static_assert(exposes_risk_model<ewma_margin>);

// A minimal engine adapter: update and a quote with ready and initial_rate.
struct adapter {
  struct quote_type {
    bool ready = false;
    double initial_rate = 0.0;
  };
  void update(timestamp, double) {}
  [[nodiscard]] quote_type quote(double) const { return {}; }
};
static_assert(replayable_margin_function<adapter>);
static_assert(!exposes_risk_model<adapter>);

// Not replayable: no quote; a quote without a readiness flag; no update.
struct no_quote {
  void update(timestamp, double) {}
};
struct no_ready {
  struct quote_type {
    double initial_rate = 0.0;
  };
  void update(timestamp, double) {}
  [[nodiscard]] quote_type quote(double) const { return {}; }
};
struct no_update {
  [[nodiscard]] adapter::quote_type quote(double) const { return {}; }
};
static_assert(!replayable_margin_function<no_quote>);
static_assert(!replayable_margin_function<no_ready>);
static_assert(!replayable_margin_function<no_update>);

}  // namespace
