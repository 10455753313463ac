// SPDX-License-Identifier: MIT
// The extension module dynmargin._core. Library exceptions derive from the standard ones and
// reach Python through pybind11's standard translation with their own message:
// dynmargin::invalid_argument and dynmargin::domain_error as ValueError,
// dynmargin::evaluation_error (no convergence, a failed evaluation) as RuntimeError.
#include <algorithm>
#include <cstddef>
#include <string>

#include "common.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/version.hpp"

namespace dynmargin_python {

std::span<const double> values_of(const float_array& array, const char* name) {
  if (array.ndim() != 1) {
    dynmargin::throw_invalid_argument("dynmargin", name, "must be one-dimensional",
                                      std::to_string(array.ndim()) + " dimensions");
  }
  return {array.data(), static_cast<std::size_t>(array.shape(0))};
}

float_array nan_array(std::size_t size) {
  float_array out(static_cast<py::ssize_t>(size));
  const auto target = writable(out);
  py::gil_scoped_release unlocked;
  std::fill(target.begin(), target.end(), not_a_number);
  return out;
}

}  // namespace dynmargin_python

PYBIND11_MODULE(_core, module) {
  module.doc() = "dynmargin's C++ kernels; use the package dynmargin, which converts arrays and pandas objects";
  module.attr("__version__") = std::to_string(DYNMARGIN_VERSION_MAJOR) + "." + std::to_string(DYNMARGIN_VERSION_MINOR) +
                               "." + std::to_string(DYNMARGIN_VERSION_PATCH);
  dynmargin_python::bind_volatility(module);
  dynmargin_python::bind_garch(module);
  dynmargin_python::bind_risk(module);
  dynmargin_python::bind_margin(module);
  dynmargin_python::bind_portfolio(module);
}
