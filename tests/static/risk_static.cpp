// SPDX-License-Identifier: MIT
// Compile-time conformance of the risk measures (positive and negative checks).
#include "dynmargin/risk/filtered_historical.hpp"
#include "dynmargin/risk/historical.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/volatility/ewma.hpp"

namespace risk_static {
using namespace dynmargin;

// parametric_risk: a distribution measure and, beside any volatility model, a streaming one.
static_assert(distribution_risk_measure<parametric_risk>);
static_assert(!sample_risk_measure<parametric_risk>);
static_assert(risk_measure<parametric_risk>);
static_assert(streaming_risk_measure<parametric_risk, ewma_volatility>);
static_assert(std::regular<parametric_risk::state_type>);
// A volatility model is not a risk measure, and a risk measure is not a volatility model.
static_assert(!risk_measure<ewma_volatility>);
static_assert(!volatility_model<parametric_risk>);
static_assert(!streaming_risk_measure<parametric_risk, double>);

// Historical and filtered historical: sample measures and streaming beside any model.
static_assert(sample_risk_measure<historical_risk>);
static_assert(!distribution_risk_measure<historical_risk>);
static_assert(streaming_risk_measure<historical_risk, ewma_volatility>);
static_assert(sample_risk_measure<filtered_historical_risk>);
static_assert(streaming_risk_measure<filtered_historical_risk, ewma_volatility>);
static_assert(std::regular<historical_risk::state_type>);
static_assert(std::regular<filtered_historical_risk::state_type>);
static_assert(!streaming_risk_measure<filtered_historical_risk, historical_risk>);

// Structural look-alike without the opt-in tag is rejected.
struct look_alike {
  [[nodiscard]] risk_estimate from_variance(double) const noexcept { return {}; }
};
static_assert(!distribution_risk_measure<look_alike>);
}  // namespace risk_static
