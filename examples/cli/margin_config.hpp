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

#include "dynmargin/runtime/config_reader.hpp"
#include "dynmargin/runtime/engine.hpp"

namespace dynmargin_cli {

using dynmargin::bar_series;
using dynmargin::build_margin_engine;
using dynmargin::irregular_feed_warning;
using dynmargin::load_margin_engine;
using dynmargin::margin_engine;
using dynmargin::sample_into_bars;

}  // namespace dynmargin_cli
