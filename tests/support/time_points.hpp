// SPDX-License-Identifier: MIT
/// @file
/// @brief Short spellings of time points for the tests: `at_s(60)` is 60 s after the epoch and
///        `at_us(1'500'000)` 1.5 s, both as `dynmargin::timestamp_us`.
#pragma once

#include <chrono>
#include <cstdint>

#include "dynmargin/core/types.hpp"

namespace dmtest {

[[nodiscard]] inline dynmargin::timestamp_us at_s(dynmargin::timestamp seconds) {
  return dynmargin::to_timestamp_us(seconds);
}
[[nodiscard]] inline dynmargin::timestamp_us at_us(std::int64_t microseconds) {
  return dynmargin::timestamp_us{std::chrono::microseconds{microseconds}};
}

/// The portfolio tests' valuation time, 2026-03-01T00:00:00Z, and the expiry of Deribit's
/// 27MAR26 contracts, 2026-03-27T08:00:00Z.
inline const dynmargin::timestamp_us valuation{std::chrono::seconds(1'772'323'200)};
inline const dynmargin::timestamp_us march27{std::chrono::seconds(1'774'598'400)};

}  // namespace dmtest
