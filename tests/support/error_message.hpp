// SPDX-License-Identifier: MIT
// The message of the dynmargin::invalid_argument a call throws, for tests that compare the
// whole text of an error; "no error" when it throws none.
#pragma once

#include <string>

#include "dynmargin/core/error.hpp"

namespace dmtest {

inline std::string message_of(auto&& f) {
  try {
    f();
  } catch (const dynmargin::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace dmtest
