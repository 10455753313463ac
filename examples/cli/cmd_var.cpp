// SPDX-License-Identifier: MIT
// `dynmargin var --method historical|parametric|fhs|evt|montecarlo --confidence P ...`:
// rolling VaR and ES forecasts as CSV `t,var,es,time,row`. Row t is the forecast for return t
// (0-based index into the input returns; time and row are that return's ISO 8601 UTC time and
// input line, both empty for the last row) from returns 0..t-1 only: the measure observes r_{t-1} with
// the volatility model as it stood before r_{t-1}, then the model absorbs it. The last row,
// t = number of returns, is the forecast for the next, unseen return. Window methods
// (historical, fhs, evt) print once the window is full (fhs and evt: of residuals, which
// start once the volatility model is warm, dynmargin::volatility_warm: EWMA after its burn-in
// of 76 returns at lambda 0.94, GARCH at once), so row t uses exactly the returns t-N..t-1;
// parametric and montecarlo print once the volatility model is warm.
// Values are in the units of the input returns (percent log returns for price files).
// A failed EVT refit (no convergence, xi >= 1) is a warning, not an error: the previous tails
// stay in use, the return still reaches the volatility model, and the count of such updates
// is reported on standard error after the CSV; the run goes to the end of the input.
// GARCH/GJR (--vol garch|gjr) are estimated on past returns only, as rugarch's ugarchroll
// with an expanding window: first on returns 0..S-1 (--fit-start S, default 500), then again
// on returns 0..t-1 every --refit returns (default 100); rows start at t = S and row t uses a
// fit of returns before t, filtered up to t-1. The measure sees returns from S on. A refit
// that fails keeps the previous fit (counted on standard error). --in-sample restores the
// single fit on the whole input (look-ahead: for exploration, not for backtests). Fits impose
// stationarity (alpha + gamma/2 + beta < 1), since the horizon's variance forecast of a
// persistence >= 1 grows without bound; --nonstationary lifts the constraint.
// In-sample choices, stated: with --vol ewma or --in-sample, an omitted --nu (Student t) or
// --skew/--kurt (Cornish-Fisher) is estimated on the whole input's standardised residuals;
// with a rolling GARCH they must be given (an estimate on the whole input would look ahead).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_common.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/risk/evt.hpp"
#include "dynmargin/risk/filtered_historical.hpp"
#include "dynmargin/risk/historical.hpp"
#include "dynmargin/risk/monte_carlo.hpp"
#include "dynmargin/risk/parametric.hpp"
#include "dynmargin/runtime/enum_names.hpp"
#include "dynmargin/runtime/rolling_risk.hpp"
#include "dynmargin/volatility/ewma.hpp"
#include "dynmargin/volatility/garch.hpp"
#include "dynmargin/volatility/garch_fit.hpp"
#include "registry.hpp"

namespace dynmargin_cli {
namespace {

struct var_options {
  std::string method;
  double confidence = 0.99;
  std::int64_t window = 500;
  std::string quantile = "type7";
  std::string es = "tail_mean";
  std::string dist = "normal";
  std::optional<double> nu;
  std::optional<double> skew;
  std::optional<double> kurt;
  std::int64_t horizon = 1;
  std::string horizon_rule;
  std::string vol = "ewma";
  double lambda = 0.94;
  std::string side = "long";
  double floor = 0.0;
  double cap = std::numeric_limits<double>::infinity();
  double age_decay = 1.0;
  std::int64_t paths = 0;
  std::uint64_t seed = 20240501;
  std::optional<std::int64_t> refit;  // evt: tails every N returns (1); garch: parameters every N (100)
  std::int64_t fit_start = 500;
  bool in_sample = false;
  bool nonstationary = false;
  std::string input;
  std::string column;
  bool prices = false;
  bool as_returns = false;
  input_order order;
  // The texts typed for the flags that take rows or a span of time (cli_common.hpp's
  // rows_from_flag); resolved into window, horizon, refit and fit_start once the input's
  // spacing is known.
  std::string window_text = "500";
  std::string horizon_text = "1";
  std::optional<std::string> refit_text;
  std::string fit_start_text = "500";
};

// Checks an option by constructing the library's strong type from it (the type owns the
// range) and reports a value out of range as "var: <option> <requirement>, got <value>".
template <class Strong, class T>
void check_option(const char* option, const char* requirement, T value) {
  try {
    static_cast<void>(Strong{value});
  } catch (const dynmargin::invalid_argument&) {
    dynmargin::throw_invalid_argument("var", option, requirement, value);
  }
}

// The flag a setting of dynmargin::rolling_risk_settings is typed as ("fit_start" ->
// "--fit-start"), and a return named by the input line of its later price.
dynmargin::rolling_risk_labels command_line_labels(const input_series& series) {
  dynmargin::rolling_risk_labels labels;
  labels.parameter = [](std::string_view name) {
    std::string flag = "--";
    for (const char c : name) flag += c == '_' ? '-' : c;
    return flag;
  };
  labels.return_at = [&series](std::size_t i) { return "the return on line " + line_text(series.lines, i); };
  return labels;
}

void run_var(var_options o) {
  // Validate the common parameters before reading data, so errors name them first.
  // A margin is a loss quantile: below 0.5 it would be a gain (a negative VaR printed as if
  // it were a margin), so the flag is refused, as a value of 99 meant as a percent is.
  if (!(o.confidence >= 0.5 && o.confidence < 1.0)) {
    dynmargin::throw_invalid_argument("var", "--confidence", "must be in [0.5, 1) (0.99 for 99%)", o.confidence);
  }
  if (o.side != "long" && o.side != "short")
    dynmargin::throw_invalid_argument("var", "--side", "must be long or short", o.side);
  const auto series = read_input("var", o.input, o.column, o.prices, o.as_returns, o.order);
  // Rows or spans of time: a span counts returns of the input's usual spacing.
  o.window = rows_from_flag("var", "--window", o.window_text, series.report);
  o.horizon = rows_from_flag("var", "--horizon", o.horizon_text, series.report);
  check_option<dynmargin::horizon>("horizon_steps", "must be at least 1", o.horizon);
  if (o.refit_text) o.refit = rows_from_flag("var", "--refit", *o.refit_text, series.report);
  o.fit_start = rows_from_flag("var", "--fit-start", o.fit_start_text, series.report);
  const auto& returns = series.values;
  if ((o.method == "historical" || o.method == "fhs" || o.method == "evt") &&
      o.window > static_cast<std::int64_t>(returns.size())) {
    // (the runner refuses it too; here the message quotes the flag as typed, e.g. 30d)
    dynmargin::throw_invalid_argument("var", "--window",
                                      "is longer than the data (" + std::to_string(returns.size()) +
                                          " returns), so no estimate can be made; give at most that",
                                      o.window_text);
  }

  dynmargin::rolling_risk_settings settings{.method = o.method,
                                            .confidence = o.confidence,
                                            .window = o.window,
                                            .quantile = o.quantile,
                                            .es = o.es,
                                            .dist = o.dist,
                                            .nu = o.nu,
                                            .skew = o.skew,
                                            .kurt = o.kurt,
                                            .horizon = o.horizon,
                                            .horizon_rule = std::nullopt,
                                            .vol = o.vol,
                                            .lambda = o.lambda,
                                            .side = o.side,
                                            .floor = o.floor,
                                            .cap = o.cap,
                                            .age_decay = o.age_decay,
                                            .paths = o.paths,
                                            .seed = o.seed,
                                            .refit = o.refit,
                                            .fit_start = o.fit_start,
                                            .in_sample = o.in_sample,
                                            .nonstationary = o.nonstationary};
  if (!o.horizon_rule.empty()) settings.horizon_rule = o.horizon_rule;

  csv_writer out;
  out.text("t,var,es,time,row\n");
  csv_writer::column_memo var_text;
  csv_writer::column_memo es_text;
  const auto report = dynmargin::run_rolling_risk(
      returns, settings,
      [&](std::size_t t, double var, double es) {
        // time and row: the return the forecast is for (empty for the one after the data)
        out.integer(t).put(',').number(var, var_text).put(',').number(es, es_text).put(',');
        if (t < series.times.size()) out.utc(series.times[t]);
        out.put(',');
        if (t < series.lines.size()) out.integer(series.lines[t]);
        out.put('\n');
      },
      command_line_labels(series));
  out.flush();
  if (report.refit_warnings > 0) {
    std::cerr << "var: warning: " << report.refit_warnings << " of " << returns.size()
              << " updates returned refit_failed (first at the return on line "
              << line_text(series.lines, report.first_refit_warning)
              << "); the previous tails were kept and every return reached the volatility model\n";
  }
  if (report.garch_fits > 0 && !o.in_sample) {
    std::cerr << "var: " << o.vol << " fitted " << report.garch_fits
              << " times on past returns only (first on returns 0.." << report.first_row - 1 << ", then every "
              << report.garch_refit_interval << " returns)";
    if (report.garch_failed_refits > 0) {
      std::cerr << "; " << report.garch_failed_refits << " refits failed (first before the return on line "
                << line_text(series.lines, report.first_failed_refit) << "), previous kept";
    }
    std::cerr << '\n';
  }
}

// A flag the chosen method or model does not read is refused, naming it and what it applies
// to: silently ignoring `--nu 5` with historical would let a user believe it was used.
void refuse_flags_that_do_not_apply(const CLI::App& sub, const var_options& o) {
  struct rule {
    const char* flag;
    std::vector<std::string> methods;  // empty: any method
    std::vector<std::string> vols;     // empty: any volatility model
  };
  const std::vector<rule> rules = {
      {"--window", {"historical", "fhs", "evt"}, {}},
      {"--quantile", {"historical", "fhs"}, {}},
      {"--es", {"historical", "fhs"}, {}},
      {"--dist", {"parametric", "montecarlo"}, {}},
      {"--nu", {"parametric", "montecarlo"}, {}},
      {"--skew", {"parametric"}, {}},
      {"--kurt", {"parametric"}, {}},
      {"--horizon-rule", {"parametric", "historical", "fhs"}, {}},
      {"--floor", {"fhs"}, {}},
      {"--cap", {"fhs"}, {}},
      {"--age-decay", {"historical"}, {}},
      {"--paths", {"historical", "fhs", "montecarlo"}, {}},
      {"--seed", {"historical", "fhs", "montecarlo"}, {}},
      {"--lambda", {}, {"ewma"}},
      {"--fit-start", {}, {"garch", "gjr"}},
      {"--nonstationary", {}, {"garch", "gjr"}},
      {"--in-sample", {}, {"garch", "gjr"}},
  };
  auto listed = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  for (const auto& r : rules) {
    if (sub.count(r.flag) == 0) continue;
    const bool method_ok = r.methods.empty() ||
                           std::find(r.methods.begin(), r.methods.end(), o.method) != r.methods.end();
    const bool vol_ok = r.vols.empty() || std::find(r.vols.begin(), r.vols.end(), o.vol) != r.vols.end();
    if (!method_ok) {
      dynmargin::throw_invalid_argument("var", r.flag, "applies to --method " + listed(r.methods) + " only",
                                        "--method " + o.method);
    }
    if (!vol_ok) {
      dynmargin::throw_invalid_argument("var", r.flag, "applies to --vol " + listed(r.vols) + " only",
                                        "--vol " + o.vol);
    }
  }
  // --refit: the EVT tails, or a GARCH re-estimation.
  if (sub.count("--refit") > 0 && o.method != "evt" && o.vol != "garch" && o.vol != "gjr") {
    dynmargin::throw_invalid_argument("var", "--refit", "applies to --method evt or --vol garch/gjr only",
                                      "--method " + o.method + " --vol " + o.vol);
  }
}

void add_var_command(CLI::App& app) {
  auto options = std::make_shared<var_options>();
  auto* sub = app.add_subcommand(
      "var",
      "Rolling VaR and ES forecasts as CSV t,var,es,time,row (row t uses returns before t only; t is the 0-based "
      "index of the forecast return, time and row its ISO 8601 UTC time and input line, empty for the forecast after "
      "the data; values in the units of the returns).");
  sub->add_option("--method", options->method, "historical, parametric, fhs, evt or montecarlo")->required();
  sub->add_option("--confidence", options->confidence, "confidence level p in [0.5, 1), 0.99 for 99%")
      ->capture_default_str();
  sub->add_option("--window", options->window_text,
                  "window of returns (historical, fhs, evt): a count, or a span of time such as 30d (rows of the "
                  "input's spacing)")
      ->capture_default_str();
  sub->add_option("--quantile", options->quantile, "type1 (inverse CDF) or type7 (R default)")->capture_default_str();
  sub->add_option(
         "--es", options->es,
         "tail_mean (mean at or below the type-1 quantile) or acerbi_tasche (older spellings tail-mean, acerbi-tasche)")
      ->capture_default_str();
  sub->add_option("--dist", options->dist,
                  "parametric: normal, student_t (or t) or cornish_fisher; montecarlo: normal or student_t")
      ->capture_default_str();
  sub->add_option("--nu", options->nu, "Student t degrees of freedom (> 2); default: fitted in-sample");
  sub->add_option("--skew", options->skew, "Cornish-Fisher skewness of the returns; default: in-sample");
  sub->add_option("--kurt", options->kurt, "Cornish-Fisher excess kurtosis; default: in-sample");
  sub->add_option("--horizon", options->horizon_text, "horizon: steps of the data, or a span of time such as 24h")
      ->capture_default_str();
  sub->add_option("--horizon-rule", options->horizon_rule,
                  "model (vol.variance(h)), sqrt, overlapping (h-step sums) or bootstrap; default model for "
                  "parametric, overlapping for historical and fhs");
  sub->add_option("--vol", options->vol,
                  "volatility model: ewma, garch or gjr (GARCH re-estimated on past returns, see --refit)")
      ->capture_default_str();
  sub->add_option("--lambda", options->lambda, "EWMA decay factor")->capture_default_str();
  sub->add_option("--side", options->side, "long or short")->capture_default_str();
  sub->add_option("--floor", options->floor, "fhs: floor of sigma_now / sigma_t");
  sub->add_option("--cap", options->cap, "fhs: cap of sigma_now / sigma_t");
  sub->add_option("--age-decay", options->age_decay, "historical: BRW age-weight lambda in (0, 1] (needs type1)");
  sub->add_option("--paths", options->paths, "bootstrap paths or Monte Carlo scenarios (> 0; default: the method's)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--seed", options->seed, "seed of the bootstrap or Monte Carlo (>= 0)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--refit", options->refit_text,
                  "evt: refit the tails every this many returns (default 1); garch/gjr: re-estimate on past "
                  "returns every this many returns (default 100); or a span of time such as 7d");
  sub->add_option("--fit-start", options->fit_start_text,
                  "garch/gjr: returns before the first fit (rows start there), or a span of time such as 365d")
      ->capture_default_str();
  sub->add_flag("--nonstationary", options->nonstationary,
                "garch/gjr: fit without the stationarity constraint (default: alpha + gamma/2 + beta < 1)");
  sub->add_flag("--in-sample", options->in_sample,
                "garch/gjr: fit once on the whole input (looks ahead: not for backtests)");
  sub->add_option("--input", options->input, "CSV of prices or returns")->transform(input_path, "", "")->required();
  sub->add_option("--column", options->column, "column to read (returns unless --prices)");
  sub->add_flag("--prices", options->prices, "the column holds prices: use percent log returns");
  sub->add_flag("--as-returns", options->as_returns,
                "the --column holds returns even though it looks like prices (all positive, level >> changes)");
  options->order.add_flags(sub);
  sub->callback([sub, options] {
    refuse_flags_that_do_not_apply(*sub, *options);
    run_var(*options);
  });
}

}  // namespace

const registration var_registration{40, "var", &add_var_command};

}  // namespace dynmargin_cli
