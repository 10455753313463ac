// SPDX-License-Identifier: MIT
// Subcommands register themselves: each cmd_<name>.cpp defines a static `registration`
// whose constructor records how to add the subcommand to the application. main.cpp adds
// them in their declared order, so adding a subcommand never edits main.cpp. Each entry carries
// its name so that a run adds only the subcommand it names: building every subcommand's options
// costs more than some whole runs (benchmarks/README.md, "Whole process").
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace dynmargin_cli {

struct command_entry {
  int order;                           // position in `dynmargin --help`
  std::string_view name;               // the subcommand's name, as `add` names it
  std::function<void(CLI::App&)> add;  // adds the subcommand and its callback
};

/// The registered subcommands (a function-local static: safe across translation units).
inline std::vector<command_entry>& command_registry() {
  static std::vector<command_entry> entries;
  return entries;
}

/// Define one at namespace scope in each cmd_<name>.cpp:
///   const dynmargin_cli::registration fit_registration{30, "fit", &add_fit_command};
struct registration {
  registration(int order, std::string_view name, std::function<void(CLI::App&)> add) {
    command_registry().push_back(command_entry{order, name, std::move(add)});
  }
};

}  // namespace dynmargin_cli
