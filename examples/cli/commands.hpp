// SPDX-License-Identifier: MIT
// The subcommands of the dynmargin tool; each lives in its own cmd_<name>.cpp and registers
// itself on the application. Shared helpers for reading input live in cli_common.hpp.
#pragma once

#include <CLI/CLI.hpp>

namespace dynmargin_cli {

void add_load_command(CLI::App& app);

}  // namespace dynmargin_cli
