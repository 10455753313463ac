// SPDX-License-Identifier: MIT
// dynmargin: try volatility models, risk measures and margin policies on a CSV without
// writing C++. Each subcommand prints JSON or CSV on standard output; errors go to standard
// error with exit code 1 (data or computation) or 2 (usage; see exit_usage below).
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include <algorithm>

#include "dynmargin/runtime/enum_names.hpp"
#include "dynmargin/version.hpp"
#include "registry.hpp"

#if defined(__GLIBC__) && defined(__linux__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace {
// Exit codes (docs/cli.md): 0 success; 1 the data or a computation failed (a missing or
// malformed file, a bad config field, a fit that did not converge, no estimate, output that
// could not be written); 2 the command line is wrong (an unknown subcommand or flag, a flag's
// value out of range or not applicable: its message names the flag).
constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

// A run reads a file and computes over it once, touching a few megabytes of fresh memory. With
// glibc's defaults every large vector is its own mmap and each 4 KiB page of it faults on first
// touch; on virtual machines a fault costs 10-15 us, which made page faults most of a whole run
// of `dynmargin var` on 62,000 returns (benchmarks/README.md, "Whole process"). So the heap
// serves large blocks too and is grown once by a large pad that is advised for transparent huge
// pages: the kernel then maps it 2 MiB at a time. Untouched parts of the pad cost nothing, and
// where THP is off or refused the advice is ignored and only the fault count stays as before.
void prepare_heap() {
#if defined(__GLIBC__) && defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr int mebibyte = 1 << 20;
  constexpr std::uintptr_t huge_page = std::uintptr_t{2} << 20;
  if (mallopt(M_MMAP_THRESHOLD, 32 * mebibyte) == 0) return;  // 32 MiB: glibc's largest
  mallopt(M_TOP_PAD, 64 * mebibyte);
  mallopt(M_TRIM_THRESHOLD, 256 * mebibyte);              // the pad is kept when blocks are freed
  void* const block = std::malloc(std::size_t{1} << 20);  // grows the heap by the pad
  if (block == nullptr) return;
  const auto start = reinterpret_cast<std::uintptr_t>(block);
  const auto begin = (start + huge_page - 1) & ~(huge_page - 1);
  const auto end = reinterpret_cast<std::uintptr_t>(sbrk(0)) & ~(huge_page - 1);
  const bool advised = end > begin && madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) == 0;
  std::free(block);
  if (!advised) return;
  // Only whole aligned 2 MiB pages can be huge: a never-freed filler takes the heap up to the
  // first one, so the run's large vectors start there instead of in 4 KiB pages below it (its
  // own pages are never touched; chunks have a 16-byte header, so this request ends at `begin`).
  [[maybe_unused]] static void* volatile filler = nullptr;  // kept reachable (no leak), never elided
  if (begin - start > 64) filler = std::malloc(begin - start - 8);
#endif
}

// "var: --window must ...": an error that names a flag of the command line.
bool names_a_flag(const std::string& message) {
  const auto colon = message.find(": --");
  return colon != std::string::npos && colon > 0 && message.find(' ') > colon;
}
}  // namespace

int main(int argc, char** argv) {
  prepare_heap();
  CLI::App app{
      "dynmargin: dynamic margin for crypto derivatives.\n"
      "Load price data, fit volatility models, compute VaR/ES and margin, and backtest margin\n"
      "policies on a CSV. Run `dynmargin <subcommand> --help` for each subcommand's options.",
      "dynmargin"};
  app.set_version_flag("--version", dynmargin::version_string);
  app.require_subcommand(1);

  auto entries = dynmargin_cli::command_registry();
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  const std::string first = argc > 1 ? argv[1] : "";
  const auto named = std::find_if(entries.begin(), entries.end(),
                                  [&](const auto& entry) { return entry.name == first; });
  if (named != entries.end()) {
    // A run names its subcommand first: only that one is built (its options, validators and
    // help are all it needs), which keeps the start-up of a short run short.
    named->add(app);
  } else {
    // `dynmargin help`, `--help`, `--version`, no subcommand or an unknown one: the whole list.
    for (const auto& entry : entries) entry.add(app);
    if (first == "help") {
      std::cout << app.help();
      return exit_ok;
    }
    if (!first.empty() && first[0] != '-') {
      std::string names;
      for (const auto& entry : entries) names += (names.empty() ? "" : ", ") + std::string(entry.name);
      std::cerr << "dynmargin: unknown subcommand \"" << dynmargin::printable_text(first) << "\"; the subcommands are "
                << names << " (dynmargin help)\n";
      return exit_usage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse error is a usage error.
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "dynmargin: " << e.what() << '\n';
    return names_a_flag(e.what()) ? exit_usage : exit_failure;
  }
  // Output that could not be written (a full disk, a closed pipe) is an error, not a success.
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "dynmargin: cannot write the output to standard output: " << std::strerror(errno) << '\n';
    return exit_failure;
  }
  return exit_ok;
}
