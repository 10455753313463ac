// SPDX-License-Identifier: MIT
/// @file
/// @brief One spelling for every enum value a run-time configuration names, shared by the JSON
///        config reader and the command-line flags.
///
/// Each enum a config or a flag can name has one table: its canonical names (snake_case, the
/// spelling of the C++ enumerator) and, for a few values, one older alias that is still read
/// (the command line's `tail-mean` before 0.2, `t` for Student t). Reading goes through
/// `parse_enum<E>`, writing through `enum_name`, so a value is spelled the same in a config, on
/// the command line, in an error message and in the docs' tables.
///
///   const auto es = dynmargin::parse_enum<dynmargin::es_method>("tail-mean", "var", "--es");
///   dynmargin::enum_name(es);   // "tail_mean"
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "dynmargin/core/distributions.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/margin/apc.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/margin/open_interest.hpp"
#include "dynmargin/margin/position_common.hpp"
#include "dynmargin/margin/tiers.hpp"
#include "dynmargin/risk/horizon.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/risk/rolling_quantile.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/rolling.hpp"

namespace dynmargin {

/// @brief One value of an enum with its canonical name and an optional older alias.
template <class E>
struct enum_spelling {
  E value;
  std::string_view name;
  std::string_view alias = {};  ///< read but never written; empty for none
};

/// @brief The spellings of enum `E`: specialised for every enum a config can name, as
///        `static constexpr std::array<enum_spelling<E>, N> values`.
template <class E>
struct enum_names;

template <>
struct enum_names<distribution_shape> {
  static constexpr std::array<enum_spelling<distribution_shape>, 2> values{{
      {distribution_shape::normal, "normal"},
      {distribution_shape::student_t, "student_t", "t"},
  }};
};
template <>
struct enum_names<risk_distribution> {
  static constexpr std::array<enum_spelling<risk_distribution>, 3> values{{
      {risk_distribution::normal, "normal"},
      {risk_distribution::student_t, "student_t", "t"},
      {risk_distribution::cornish_fisher, "cornish_fisher", "cornish-fisher"},
  }};
};
template <>
struct enum_names<quantile_method> {
  static constexpr std::array<enum_spelling<quantile_method>, 2> values{{
      {quantile_method::type1, "type1"},
      {quantile_method::type7, "type7"},
  }};
};
template <>
struct enum_names<es_method> {
  static constexpr std::array<enum_spelling<es_method>, 2> values{{
      {es_method::tail_mean, "tail_mean", "tail-mean"},
      {es_method::acerbi_tasche, "acerbi_tasche", "acerbi-tasche"},
  }};
};
template <>
struct enum_names<risk_statistic> {
  static constexpr std::array<enum_spelling<risk_statistic>, 2> values{{
      {risk_statistic::expected_shortfall, "es"},
      {risk_statistic::value_at_risk, "var"},
  }};
};
template <>
struct enum_names<horizon_rule> {
  static constexpr std::array<enum_spelling<horizon_rule>, 4> values{{
      {horizon_rule::volatility_model, "volatility_model", "model"},
      {horizon_rule::square_root_of_time, "square_root_of_time", "sqrt"},
      {horizon_rule::overlapping_sums, "overlapping_sums", "overlapping"},
      {horizon_rule::bootstrap, "bootstrap"},
  }};
};
template <>
struct enum_names<ewma_start> {
  static constexpr std::array<enum_spelling<ewma_start>, 3> values{{
      {ewma_start::first_squared_return, "first_squared_return", "first"},
      {ewma_start::warmup_window, "warmup_window", "warmup"},
      {ewma_start::given, "given"},
  }};
};
template <>
struct enum_names<rolling_mean> {
  static constexpr std::array<enum_spelling<rolling_mean>, 2> values{{
      {rolling_mean::zero, "zero"},
      {rolling_mean::sample, "sample"},
  }};
};
template <>
struct enum_names<garch_start> {
  static constexpr std::array<enum_spelling<garch_start>, 4> values{{
      {garch_start::fgarch, "fgarch"},
      {garch_start::rugarch, "rugarch"},
      {garch_start::backcast, "backcast"},
      {garch_start::unconditional, "unconditional"},
  }};
};
template <>
struct enum_names<combine_rule> {
  static constexpr std::array<enum_spelling<combine_rule>, 2> values{{
      {combine_rule::floor, "floor"},
      {combine_rule::add, "add"},
  }};
};
template <>
struct enum_names<size_measure> {
  static constexpr std::array<enum_spelling<size_measure>, 2> values{{
      {size_measure::quantity, "quantity"},
      {size_measure::notional, "notional"},
  }};
};
template <>
struct enum_names<tier_initial_rule> {
  static constexpr std::array<enum_spelling<tier_initial_rule>, 2> values{{
      {tier_initial_rule::whole_position, "whole_position"},
      {tier_initial_rule::continuous, "continuous"},
  }};
};
template <>
struct enum_names<tier_boundary> {
  static constexpr std::array<enum_spelling<tier_boundary>, 2> values{{
      {tier_boundary::cap_inclusive, "cap_inclusive"},
      {tier_boundary::floor_inclusive, "floor_inclusive"},
  }};
};
template <>
struct enum_names<oi_base> {
  static constexpr std::array<enum_spelling<oi_base>, 2> values{{
      {oi_base::configured, "configured"},
      {oi_base::incoming, "incoming"},
  }};
};
template <>
struct enum_names<lookback_floor_rule> {
  static constexpr std::array<enum_spelling<lookback_floor_rule>, 2> values{{
      {lookback_floor_rule::long_run_volatility, "long_run_volatility"},
      {lookback_floor_rule::maximum, "maximum"},
  }};
};

/// @brief `text` with every byte that is not printable ASCII written as \xNN, for messages
///        that quote what a user gave (a garbage file must not reach the terminal raw).
[[nodiscard]] inline std::string printable_text(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u <= 0x7e) {
      out += c;
    } else {
      out += R"(\x)";
      out += hex[u >> 4];
      out += hex[u & 0x0f];
    }
  }
  return out;
}

/// @brief An enum a config can name (one with an `enum_names` table).
template <class E>
concept named_enum = requires {
  enum_names<E>::values;
};

/// @brief The canonical name of `value` ("" for a value without one, which no table has).
template <named_enum E>
[[nodiscard]] constexpr std::string_view enum_name(E value) noexcept {
  for (const auto& entry : enum_names<E>::values)
    if (entry.value == value) return entry.name;
  return {};
}

/// @brief The canonical names of `E`, comma separated, for help texts and errors.
template <named_enum E>
[[nodiscard]] std::string enum_name_list() {
  std::string out;
  for (const auto& entry : enum_names<E>::values) {
    if (!out.empty()) out += ", ";
    out += entry.name;
  }
  return out;
}

/// @brief The value `text` names (its canonical name or its alias), or nothing.
template <named_enum E>
[[nodiscard]] constexpr std::optional<E> find_enum(std::string_view text) noexcept {
  for (const auto& entry : enum_names<E>::values) {
    if (text == entry.name || (!entry.alias.empty() && text == entry.alias)) return entry.value;
  }
  return std::nullopt;
}

/// @brief The value `text` names: its canonical name or its alias.
/// @throws dynmargin::invalid_argument "<component>: <parameter> must be one of <names>, got
///         \"<text>\"" for any other text.
template <named_enum E>
[[nodiscard]] E parse_enum(std::string_view text, std::string_view component, std::string_view parameter) {
  if (const auto value = find_enum<E>(text)) return *value;
  throw_invalid_argument(component, parameter, "must be one of " + enum_name_list<E>(),
                         "\"" + printable_text(text) + "\"");
}

}  // namespace dynmargin
