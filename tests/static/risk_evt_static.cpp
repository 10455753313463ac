// SPDX-License-Identifier: MIT
// Compile-time proofs for the EVT and Monte Carlo risk measures and the reproducible random
// stream: the measures model the risk concepts they claim (and not the others) and their
// states are regular values. The GPD series coefficients are in risk_internals_static.cpp.
#include <concepts>
#include <span>

#include "dynmargin/core/random.hpp"
#include "dynmargin/risk/concepts.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/monte_carlo.hpp"
#include "dynmargin/volatility/ewma.hpp"

namespace {

using namespace dynmargin;

// EVT: a sample measure (unconditional POT) and a streaming measure beside a volatility model
// (conditional McNeil-Frey); it has no closed form from a variance.
static_assert(sample_risk_measure<evt_risk>);
static_assert(risk_measure<evt_risk>);
static_assert(!distribution_risk_measure<evt_risk>);
static_assert(streaming_risk_measure<evt_risk, ewma_volatility>);
static_assert(std::regular<evt_risk::state_type>);

// Monte Carlo (one asset): from a variance, and streaming; it does not take a sample.
static_assert(distribution_risk_measure<monte_carlo_risk>);
static_assert(!sample_risk_measure<monte_carlo_risk>);
static_assert(streaming_risk_measure<monte_carlo_risk, ewma_volatility>);
static_assert(std::regular<monte_carlo_risk::state_type>);

// The random stream is a regular value: copies fork identical streams.
static_assert(std::regular<random_stream::state_type>);
static_assert(std::copyable<random_stream>);
static_assert(std::equality_comparable<random_stream>);

// A look-alike with the right members but no opt-in tag is not a risk measure.
struct evt_look_alike {
  [[nodiscard]] risk_estimate from_sample(std::span<const double>) const { return {}; }
  [[nodiscard]] risk_estimate from_variance(double) const noexcept { return {}; }
};
static_assert(!sample_risk_measure<evt_look_alike>);
static_assert(!distribution_risk_measure<evt_look_alike>);

// A tagged type whose from_variance may throw is not a distribution measure (noexcept required).
struct throwing_variance {
  using model_concept = risk_measure_tag;
  [[nodiscard]] risk_estimate from_variance(double) const { return {}; }
};
static_assert(!distribution_risk_measure<throwing_variance>);

}  // namespace
