// SPDX-License-Identifier: MIT
// `dynmargin kinds`: every volatility model, risk measure and policy a JSON config can name,
// with its fields, as the markdown table docs/margin.md carries (the same registry builds
// both, and a test checks that the docs match).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <iostream>

#include <CLI/CLI.hpp>

#include "dynmargin/runtime/config_reader.hpp"
#include "registry.hpp"

namespace dynmargin_cli {
namespace {

void add_kinds_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "kinds", "List what a JSON config can name: volatility models, risk methods and policies, with their fields");
  sub->callback([] { std::cout << dynmargin::config_kinds_markdown(); });
}

}  // namespace

const registration kinds_registration{70, "kinds", &add_kinds_command};

}  // namespace dynmargin_cli
