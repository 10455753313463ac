// SPDX-License-Identifier: MIT
// What every binding source shares: the array type the module takes and returns, and helpers
// that keep the loops over data free of Python objects, so that they run without the GIL.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "dynmargin/core/error.hpp"

namespace dynmargin_python {

namespace py = pybind11;

/// A one-dimensional float64 array in C order. The Python layer (dynmargin/_arrays.py) has
/// already converted other dtypes and strides, naming the argument when it refuses one; an
/// array of this layout arrives here without a copy.
using float_array = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// The values of a one-dimensional array; `name` is the Python argument, for the message.
/// @throws dynmargin::invalid_argument (ValueError) for another number of dimensions.
std::span<const double> values_of(const float_array& array, const char* name);

/// A new float64 array of `size` NaN (NaN marks a row without a forecast).
float_array nan_array(std::size_t size);

/// Writable view of an array made by `nan_array`.
inline std::span<double> writable(float_array& array) {
  return {array.mutable_data(), static_cast<std::size_t>(array.size())};
}

inline constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

/// "returns[17]": names one element in messages, as the Python user indexes it.
inline std::string element_name(const char* name, std::size_t index) {
  return std::string(name) + "[" + std::to_string(index) + "]";
}

/// Throws the library's exception for an error status of the update with element `index` of
/// argument `name`; the message is only built then, not on every element of a loop.
inline void throw_if_update_failed(dynmargin::status outcome, std::string_view component, const char* name,
                                   std::size_t index) {
  if (dynmargin::is_error(outcome)) dynmargin::throw_if_error(outcome, component, element_name(name, index));
}

void bind_volatility(py::module_& module);
void bind_garch(py::module_& module);
void bind_risk(py::module_& module);
void bind_margin(py::module_& module);
void bind_portfolio(py::module_& module);

}  // namespace dynmargin_python
