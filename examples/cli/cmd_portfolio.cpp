// SPDX-License-Identifier: MIT
// `dynmargin portfolio --positions POSITIONS.csv --instruments INSTRUMENTS.csv [--chain OPTIONS.csv]
//                      [--prices DIR_OR_LIST] --config FILE.json [--attribution] [--threads N]
//                      [--output FILE]`:
// the margin of many accounts of perpetuals, futures and options against one scenario engine
// (Paradex or SPAN grid, filtered historical simulation, Monte Carlo), as CSV, one row per account:
//   account,initial,maintenance,binding_scenario,worst_loss,scenario_margin,minimum_delta,positions
// or with --attribution one row per position:
//   account,instrument,quantity,component,incremental,standalone
// The files are read here (portfolio_csv.hpp); the run is the library's
// dynmargin/runtime/portfolio_run.hpp. Schema and columns: docs/cli.md, "dynmargin portfolio".
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_common.hpp"
#include "dynmargin/runtime/portfolio_run.hpp"
#include "portfolio_csv.hpp"
#include "registry.hpp"

namespace dynmargin_cli {
namespace {

struct portfolio_options {
  std::string positions;
  std::string instruments;
  std::string chain;
  std::string prices;
  std::string config;
  bool attribution = false;
  unsigned threads = 1;
  std::string output;
};

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The price file of each underlying: "U=FILE,U=FILE" or a directory holding lower(U)_*.csv.
std::vector<std::pair<std::string, std::string>> price_files(const std::string& spec,
                                                             const std::vector<std::string>& underlyings) {
  std::vector<std::pair<std::string, std::string>> files;
  if (spec.find('=') != std::string::npos) {
    std::vector<std::pair<std::string, std::string>> listed;
    std::stringstream items(spec);
    std::string item;
    while (std::getline(items, item, ',')) {
      const auto eq = item.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
        throw dynmargin::invalid_argument("portfolio: the --prices entry \"" + dynmargin::printable_text(item) +
                                          "\" is not UNDERLYING=FILE (e.g. BTC=btc_usd_daily.csv)");
      listed.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    for (const auto& u : underlyings) {
      const auto at = std::find_if(listed.begin(), listed.end(), [&](const auto& p) { return p.first == u; });
      if (at == listed.end())
        throw dynmargin::invalid_argument("portfolio: the --prices list names no file for the underlying \"" + u +
                                          "\", got \"" + dynmargin::printable_text(spec) + "\"");
      files.emplace_back(u, at->second);
    }
    return files;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(spec, ec))
    throw dynmargin::invalid_argument(
        "portfolio: the --prices value must be a directory or UNDERLYING=FILE,..., got \"" +
        dynmargin::printable_text(spec) + "\"");
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(spec, ec))
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const auto& u : underlyings) {
    const std::string prefix = lower(u) + "_";
    std::vector<std::string> matches;
    for (const auto& name : names)
      if (name.rfind(prefix, 0) == 0) matches.push_back(name);
    if (matches.size() != 1) {
      std::string list;
      for (const auto& m : matches) list += (list.empty() ? "" : ", ") + m;
      throw dynmargin::invalid_argument(
          "portfolio: the --prices directory \"" + dynmargin::printable_text(spec) + "\" must hold one file named " +
          prefix + "* for the underlying \"" + u + "\", got " +
          (matches.empty() ? std::string("none") : std::to_string(matches.size()) + " (" + list + ")") +
          "; name the files with UNDERLYING=FILE,...");
    }
    files.emplace_back(u, (std::filesystem::path(spec) / matches.front()).string());
  }
  return files;
}

// CSV text of a name: quoted when it holds a comma, a quote or a line break.
std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void run_portfolio_files(const portfolio_options& options) {
  const dynmargin::portfolio_config config = dynmargin::load_portfolio_config(options.config);
  const dynmargin::instrument_table instruments = portfolio_csv::read_instruments(options.instruments);
  const dynmargin::instrument_table chain = options.chain.empty() ? dynmargin::instrument_table{}
                                                                  : portfolio_csv::read_chain(options.chain);
  const dynmargin::position_table positions = portfolio_csv::read_positions(options.positions);
  const dynmargin::portfolio_book book = dynmargin::build_portfolio_book(instruments, chain, positions,
                                                                         config.valuation_time);

  const bool needs_history = config.engine == dynmargin::portfolio_engine::filtered_historical ||
                             config.engine == dynmargin::portfolio_engine::monte_carlo;
  std::optional<dynmargin::price_history> history;
  std::vector<dynmargin::underlying_prices> series;
  if (needs_history && !options.prices.empty()) {
    input_order order;
    for (const auto& [u, path] : price_files(options.prices, book.underlyings)) {
      auto read = read_prices("portfolio", path, {}, order);
      if (read.times.empty())
        throw dynmargin::invalid_argument("portfolio: the price file \"" + dynmargin::printable_text(path) +
                                          "\" of \"" + u +
                                          "\" has no time column: prices cannot be aligned across underlyings");
      series.push_back({u, std::move(read.times), std::move(read.prices), path});
    }
    history = dynmargin::common_log_returns(series);
  } else if (!needs_history && !options.prices.empty()) {
    std::cerr << "portfolio: note: the " << dynmargin::to_string(config.engine)
              << " engine does not read price histories; --prices ignored\n";
  }

  dynmargin::portfolio_run_settings settings;
  settings.threads = options.threads;
  settings.attribution = options.attribution;
  const dynmargin::portfolio_result result = dynmargin::run_portfolio(book, config, history ? &*history : nullptr,
                                                                      settings, series);
  for (const auto& u : result.underlyings) {
    std::cerr << "portfolio: " << u.underlying << ": margin function rate " << format_double(u.initial_rate) << " (raw "
              << format_double(u.raw_rate) << ", binding " << u.binding_policy << "), maintenance "
              << format_double(u.maintenance_rate) << ", scale " << format_double(u.scale)
              << (u.price_suspect ? ", last price held by the guard" : "") << "\n";
  }
  const bool dynamic = config.margin_function.has_value();

  std::string out;
  if (options.attribution) {
    out = "account,instrument,quantity,component,incremental,standalone\n";
    for (const auto& r : result.attribution) {
      out += csv_cell(r.account) + "," + csv_cell(r.instrument) + "," + format_double(r.quantity) + "," +
             format_double(r.component) + "," + format_double(r.incremental) + "," + format_double(r.standalone) + "\n";
    }
  } else {
    out = "account,initial,maintenance,binding_scenario,worst_loss,scenario_margin,minimum_delta,positions";
    out += dynamic ? ",binding_underlying,binding_policy\n" : "\n";
    for (const auto& r : result.accounts) {
      out += csv_cell(r.account) + "," + format_double(r.initial) + "," + format_double(r.maintenance) + "," +
             csv_cell(r.binding_scenario) + "," + format_double(r.worst_loss) + "," + format_double(r.scenario_margin) +
             "," + format_double(r.minimum_delta) + "," + std::to_string(r.positions);
      if (dynamic) out += "," + csv_cell(r.binding_underlying) + "," + csv_cell(r.binding_policy);
      out += "\n";
    }
  }
  if (options.output.empty()) {
    std::cout << out;
    return;
  }
  std::ofstream file(options.output, std::ios::binary);
  file << out;
  file.close();
  if (!file)
    throw dynmargin::invalid_argument("portfolio: cannot write the output to \"" +
                                      dynmargin::printable_text(options.output) + "\": " + std::strerror(errno));
}

// Every message starts with "portfolio: ", as the other subcommands' do.
void run_portfolio_command(const portfolio_options& options) {
  try {
    run_portfolio_files(options);
  } catch (const dynmargin::invalid_argument& e) {
    const std::string_view text = e.what();
    if (text.rfind("portfolio", 0) == 0) throw;
    throw dynmargin::invalid_argument("portfolio: " + std::string(text));
  }
}

void add_portfolio_command(CLI::App& app) {
  auto options = std::make_shared<portfolio_options>();
  auto* sub = app.add_subcommand(
      "portfolio",
      "Portfolio margin of many accounts of perpetuals, futures and options under one scenario engine\n"
      "(Paradex or SPAN grid, filtered historical simulation, Monte Carlo); CSV, one row per account\n"
      "(or per position with --attribution)");
  sub->add_option("--positions", options->positions, "CSV account,instrument,quantity (signed contracts)")->required();
  sub->add_option("--instruments", options->instruments,
                  "CSV instrument,underlying,kind,contract_size,price[,option_type,strike,expiry,volatility][,spot]")
      ->required();
  sub->add_option("--chain", options->chain, "Deribit book-summary CSV: each row a coin-settled option");
  sub->add_option("--prices", options->prices,
                  "price histories for filtered_historical and monte_carlo: a directory holding one file\n"
                  "named <underlying in lower case>_* per underlying, or BTC=FILE,ETH=FILE,...");
  sub->add_option("--config", options->config, "JSON config: valuation_time, engine, measure, ... (docs/cli.md)")
      ->required();
  sub->add_flag("--attribution", options->attribution,
                "one row per position: its Euler part of the scenario margin, incremental and standalone margin");
  sub->add_option("--threads", options->threads,
                  "threads for the accounts (0: every core); results do not depend on it")
      ->capture_default_str();
  sub->add_option("--output", options->output, "write the CSV to this file instead of standard output");
  sub->callback([options] { run_portfolio_command(*options); });
}

}  // namespace

const registration portfolio_registration{80, "portfolio", &add_portfolio_command};

}  // namespace dynmargin_cli
