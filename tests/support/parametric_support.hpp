// SPDX-License-Identifier: MIT
// A parametric risk measure built from its shape and moments in one call, shared by the tests
// of the public measure (risk_parametric_test.cpp) and of its internals (risk_internals_test.cpp).
#pragma once

#include "dynmargin/risk/parametric.hpp"

namespace dmtest {

inline dynmargin::parametric_risk make_parametric(dynmargin::risk_distribution d, double p, double nu = 4.0,
                                                  double s = 0.0, double k = 0.0) {
  dynmargin::parametric_risk_config c;
  c.distribution = d;
  c.confidence = dynmargin::confidence_level(p);
  c.nu = nu;
  c.skewness = s;
  c.excess_kurtosis = k;
  return dynmargin::parametric_risk(c);
}

}  // namespace dmtest
