// SPDX-License-Identifier: MIT
/// @file
/// @brief The one error policy of dynmargin.
///
/// Every check in the library goes through this header so that errors look the same
/// everywhere and can be caught by their standard base class:
///  - a bad argument (a parameter outside its domain, malformed input data) throws
///    `dynmargin::invalid_argument`, derived from `std::invalid_argument`;
///  - a numerical problem (a distribution evaluated outside its support, an overflow)
///    throws `dynmargin::domain_error`, derived from `std::domain_error`;
///  - an iterative method that fails (no convergence, a singular Hessian) throws
///    `dynmargin::evaluation_error`, derived from `std::runtime_error`.
///
/// Messages always name the component, the parameter and the offending value, for example
/// `ewma: lambda must be in (0, 1), got 1.2`.
///
/// Hot loops use the non-throwing path instead: functions that are `noexcept` return a
/// `dynmargin::status` (in the style of Eigen's `info()`), and leave their state untouched
/// when the status is an error. One status is a warning, not an error: `refit_failed` says
/// that the input was absorbed (the state moved on, as after `ok`) but a model refit that was
/// due failed and the previous fit stays in use (`is_warning`, `is_error`).
#pragma once

#include <array>
#include <charconv>
#include <concepts>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace dynmargin {

/// @brief Outcome of a non-throwing operation: `ok`, the warning `refit_failed` (the input took
///        effect, a due refit failed and the previous fit is kept), or an error (state unchanged).
enum class status : std::uint8_t {
  ok = 0,
  non_finite_input,  ///< NaN or infinity where a finite number was required
  invalid_argument,  ///< an argument outside its documented domain
  not_enough_data,   ///< fewer observations than the method needs
  domain_error,      ///< a numerical result outside the function's domain
  no_convergence,    ///< an iterative method stopped without meeting its tolerance
  suspect_input,     ///< input accepted but flagged (stale or outlying prices)
  refit_failed,      ///< warning: input absorbed, but a due refit failed; the previous fit is kept
};

/// @brief True for a warning: the operation took effect, with something to report.
[[nodiscard]] constexpr bool is_warning(status s) noexcept { return s == status::refit_failed; }
/// @brief True for an error: neither `ok` nor a warning.
[[nodiscard]] constexpr bool is_error(status s) noexcept { return s != status::ok && !is_warning(s); }

/// @brief Short, stable name of a status, for logs and JSON output.
[[nodiscard]] constexpr std::string_view to_string(status s) noexcept {
  switch (s) {
    case status::ok: return "ok";
    case status::non_finite_input: return "non_finite_input";
    case status::invalid_argument: return "invalid_argument";
    case status::not_enough_data: return "not_enough_data";
    case status::domain_error: return "domain_error";
    case status::no_convergence: return "no_convergence";
    case status::suspect_input: return "suspect_input";
    case status::refit_failed: return "refit_failed";
  }
  return "unknown";
}

/// @brief Bad argument: a parameter outside its domain or malformed input.
class invalid_argument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// @brief Numerical domain problem (outside a distribution's support, overflow).
class domain_error : public std::domain_error {
 public:
  using std::domain_error::domain_error;
};

/// @brief An iterative evaluation failed (no convergence, singular matrix).
class evaluation_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

/// Shortest round-trip text of a value; integers print without a decimal point.
template <class T>
[[nodiscard]] std::string format_value(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_arithmetic_v<T>) {
    std::array<char, 64> buffer{};
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    if (ec != std::errc{}) return "?";
    return std::string(buffer.data(), end);
  } else {
    return std::string(std::string_view(value));
  }
}

[[nodiscard]] inline std::string make_message(std::string_view component, std::string_view parameter,
                                              std::string_view requirement, std::string_view got) {
  std::string message;
  message.reserve(component.size() + parameter.size() + requirement.size() + got.size() + 16);
  message.append(component).append(": ").append(parameter).append(" ");
  message.append(requirement).append(", got ").append(got);
  return message;
}

}  // namespace detail

/// @brief Throws `dynmargin::invalid_argument` with the message
///        "<component>: <parameter> <requirement>, got <value>".
/// @param requirement reads after the parameter name, e.g. "must be in (0, 1)".
template <class T>
[[noreturn]] void throw_invalid_argument(std::string_view component, std::string_view parameter,
                                         std::string_view requirement, const T& value) {
  throw invalid_argument(detail::make_message(component, parameter, requirement, detail::format_value(value)));
}

/// @brief Throws `dynmargin::domain_error` with the same message layout.
template <class T>
[[noreturn]] void throw_domain_error(std::string_view component, std::string_view parameter,
                                     std::string_view requirement, const T& value) {
  throw domain_error(detail::make_message(component, parameter, requirement, detail::format_value(value)));
}

/// @brief Throws `dynmargin::evaluation_error` with "<component>: <what>".
[[noreturn]] inline void throw_evaluation_error(std::string_view component, std::string_view what) {
  std::string message(component);
  message.append(": ").append(what);
  throw evaluation_error(message);
}

/// @brief Turns an error status of a non-throwing call into the matching exception; `ok` and
///        warnings (`refit_failed`) return normally.
/// @param what names the value or step that failed, e.g. "return at index 17".
inline void throw_if_error(status s, std::string_view component, std::string_view what) {
  if (!is_error(s)) return;
  std::string message(component);
  message.append(": ").append(what).append(" failed with status ").append(to_string(s));
  switch (s) {
    case status::non_finite_input:
    case status::invalid_argument:
    case status::not_enough_data: throw invalid_argument(message);
    case status::domain_error: throw domain_error(message);
    default: throw evaluation_error(message);
  }
}

}  // namespace dynmargin
