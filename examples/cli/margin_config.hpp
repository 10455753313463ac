// SPDX-License-Identifier: MIT
// The command-line tool's side of the run-time engine. The engine itself (any_volatility,
// any_risk, the run-time policy chain, the JSON reader and its registry of kinds) is the
// library's include/dynmargin/runtime/ (target dynmargin::runtime); this file only adds what
// is about the tool's output.
//
// GCC 12 may report a false -Wmaybe-uninitialized where it inlines the move of any_risk (a
// std::variant whose alternatives hold vectors); a translation unit that includes this header
// should disable that warning before its first include (see cmd_margin.cpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "dynmargin/core/types.hpp"
#include "dynmargin/runtime/config_reader.hpp"
#include "dynmargin/runtime/engine.hpp"

namespace dynmargin_cli {

using dynmargin::bar_series;
using dynmargin::build_margin_engine;
using dynmargin::load_margin_engine;
using dynmargin::margin_engine;
using dynmargin::sample_into_bars;

/// A warning for standard error when a config that counts updates (no "bar") meets a feed
/// whose spacing is irregular (more than 1% of the steps differ from the most common one), so
/// that its windows and horizon are not the spans of time they look like; empty otherwise.
inline std::string irregular_feed_warning(std::span<const dynmargin::timestamp_us> times, const std::string& command) {
  if (times.size() < 3) return {};
  std::map<std::int64_t, std::size_t> counts;  // spacing in microseconds -> steps
  for (std::size_t i = 1; i < times.size(); ++i) ++counts[(times[i] - times[i - 1]).count()];
  auto seconds = [](std::int64_t us) {
    return dynmargin::format_epoch_seconds(dynmargin::timestamp_us{std::chrono::microseconds{us}});
  };
  const auto modal = std::max_element(counts.begin(), counts.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; });
  const std::size_t steps = times.size() - 1;
  const std::size_t off = steps - modal->second;
  if (off * 100 <= steps) return {};
  return command +
         ": warning: the config counts updates (it has no \"bar\") and the feed is irregular: " + std::to_string(off) +
         " of " + std::to_string(steps) + " steps differ from the usual " + seconds(modal->first) + " s (from " +
         seconds(counts.begin()->first) + " to " + seconds(counts.rbegin()->first) +
         " s), so windows and the horizon are not fixed spans of time; set "
         "\"bar\" (e.g. \"1h\") to sample prices into bars\n";
}

}  // namespace dynmargin_cli
