// SPDX-License-Identifier: MIT
/// @file
/// @brief The usual spacing of a time series (its step), and the gaps and irregular spacings
///        around it: what turns a span of time ("5d") into a count of rows, and what says that
///        a window of rows covers more time than it seems.
///
/// The step is the most common spacing, to the microsecond (tick data has several rows within
/// one second). The CSV readers (io/) report it for a file; `measure_spacing` gives the same for
/// times a program already holds (the Python module's arrays).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief The most common of `steps` spacings, `spacing_at(i)` for i in [0, steps); 0 without
///        steps. Among equally common spacings the smallest wins.
///
/// A regular feed has one spacing in most of its steps: that majority is found in two passes
/// without memory (Boyer-Moore vote, then a count). Only a series without a majority spacing is
/// copied and sorted.
template <class SpacingAt>
[[nodiscard]] std::int64_t modal_spacing(std::size_t steps, SpacingAt&& spacing_at) {
  if (steps == 0) return 0;
  std::int64_t mode = spacing_at(std::size_t{0});
  std::size_t votes = 0;
  for (std::size_t i = 0; i < steps; ++i) {
    const std::int64_t spacing = spacing_at(i);
    if (votes == 0) mode = spacing;
    votes = spacing == mode ? votes + 1 : votes - 1;
  }
  std::size_t mode_count = 0;
  for (std::size_t i = 0; i < steps; ++i) mode_count += spacing_at(i) == mode ? 1U : 0U;
  if (2 * mode_count > steps) return mode;
  std::vector<std::int64_t> sorted(steps);
  for (std::size_t i = 0; i < steps; ++i) sorted[i] = spacing_at(i);
  std::sort(sorted.begin(), sorted.end());
  mode = sorted.front();
  std::size_t best_count = 0;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    if (j - i > best_count) {
      best_count = j - i;
      mode = sorted[i];
    }
    i = j;
  }
  return mode;
}

/// @brief The spacing of a series of times.
struct series_spacing {
  bool has_times = false;              ///< false: no times were given (rows are only counted)
  std::int64_t step_microseconds = 0;  ///< the most common spacing (0 with fewer than two times)
  std::size_t gaps = 0;                ///< spacings larger than the step
  std::int64_t missing_steps = 0;      ///< rows missing in all gaps together
  std::size_t irregular_spacings = 0;  ///< spacings that are not a multiple of the step
};

/// @brief The step, gaps and irregular spacings of `times` (oldest first). A spacing that is
///        zero or negative counts as irregular; such times are refused elsewhere anyway.
[[nodiscard]] inline series_spacing measure_spacing(std::span<const timestamp_us> times) {
  series_spacing out;
  out.has_times = !times.empty();
  if (times.size() < 2) return out;
  const auto spacing_at = [&](std::size_t i) { return (times[i + 1] - times[i]).count(); };
  const std::size_t steps = times.size() - 1;
  const std::int64_t mode = modal_spacing(steps, spacing_at);
  out.step_microseconds = mode;
  if (mode <= 0) return out;
  for (std::size_t i = 0; i < steps; ++i) {
    const std::int64_t spacing = spacing_at(i);
    if (spacing <= 0 || spacing % mode != 0) ++out.irregular_spacings;
    if (spacing > mode) {
      ++out.gaps;
      out.missing_steps += (spacing + mode - 1) / mode - 1;
    }
  }
  return out;
}

/// @brief A setting that takes a count of rows ("500") or a span of time ("30d", "24h",
///        "90s", "250ms"), as a count of rows.
///
/// A span becomes rows of the series' step (`spacing.step_microseconds`), or bars of `bar` when
/// the run samples its input into bars. Refused, naming `component`, `parameter` and the text:
/// anything else, a count below `minimum`, a span that is not a whole number of rows, and a
/// span over a series without times.
/// @param note set, when not null, to a sentence for the user when a span is counted over a
///        series with gaps or irregular spacings (its windows then cover more time than the
///        span); left alone otherwise.
[[nodiscard]] inline std::int64_t rows_of_count_or_span(std::string_view component, std::string_view parameter,
                                                        const std::string& text, const series_spacing& spacing,
                                                        std::int64_t minimum = 0,
                                                        std::optional<duration> bar = std::nullopt,
                                                        std::string* note = nullptr) {
  const std::string quoted = "\"" + text + "\"";
  std::int64_t count = 0;
  const char* const first = text.data();
  const char* const last = text.data() + text.size();
  if (const auto [ptr, ec] = std::from_chars(first, last, count); ec == std::errc{} && ptr == last) {
    if (count < minimum)
      throw_invalid_argument(component, parameter, "must be at least " + std::to_string(minimum), text);
    return count;
  }
  if (!looks_like_duration(text)) {
    throw_invalid_argument(component, parameter, R"(must be a count of rows or a span of time such as "30d" or "24h")",
                           quoted);
  }
  const duration span = parse_duration(text, component, parameter);
  std::int64_t step = 0;
  std::string step_name;
  if (bar) {
    step = bar->count();
    step_name = "bars of " + format_duration(*bar);
  } else {
    if (!spacing.has_times || spacing.step_microseconds <= 0) {
      throw_invalid_argument(component, parameter,
                             "is a span of time, but the input has no times to measure it with; give a count of rows",
                             quoted);
    }
    step = spacing.step_microseconds;
    step_name = "rows of the input's spacing of " + format_duration(duration{step});
  }
  if (span.count() % step != 0) {
    throw_invalid_argument(component, parameter, "must be a whole number of " + step_name, quoted);
  }
  const std::int64_t rows = span.count() / step;
  if (rows < minimum) {
    throw_invalid_argument(component, parameter,
                           "must be at least " + std::to_string(minimum) + " " + step_name + ", got " +
                               std::to_string(rows) + " from",
                           quoted);
  }
  if (note != nullptr && !bar && (spacing.gaps > 0 || spacing.irregular_spacings > 0)) {
    *note = std::string(component) + ": " + std::string(parameter) + " " + text + " counts " + std::to_string(rows) +
            " " + step_name + "; the input has " + std::to_string(spacing.gaps) + " gaps and " +
            std::to_string(spacing.irregular_spacings) +
            " irregular spacings, so a window across them covers more time";
  }
  return rows;
}

}  // namespace dynmargin
