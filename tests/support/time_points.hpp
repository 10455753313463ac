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

}  // namespace dmtest
