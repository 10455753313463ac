// SPDX-License-Identifier: MIT
// dynmargin: try volatility models, risk measures and margin policies on a CSV without
// writing C++. Each subcommand prints JSON or CSV on standard output; errors go to standard
// error with exit code 1 (2 for a command line CLI11 rejects).
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include <algorithm>

#include "dynmargin/version.hpp"
#include "registry.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "dynmargin: dynamic margin for crypto derivatives.\n"
      "Load price data, fit volatility models, compute VaR/ES and margin, and backtest margin\n"
      "policies on a CSV. Run `dynmargin <subcommand> --help` for each subcommand's options.",
      "dynmargin"};
  app.set_version_flag("--version", dynmargin::version_string);
  app.require_subcommand(1);

  auto entries = dynmargin_cli::command_registry();
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& entry : entries) entry.add(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "dynmargin: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
