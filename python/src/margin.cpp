// SPDX-License-Identifier: MIT
// Margin functions built from a JSON config (the CLI's, docs/margin.md) and backtests of them:
// the library's run-time engine (dynmargin/runtime/), driven by the same runners as
// `dynmargin margin` (run_margin) and `dynmargin backtest` (run_backtests), so the numbers are
// the tool's. The Python layer (dynmargin/margin.py) turns configs (dicts or files) into JSON
// text and times into epoch microseconds.
//
// GCC 12 reports a false -Wmaybe-uninitialized when it inlines the move of a std::variant
// whose alternatives hold vectors (any_risk); the pragma must precede every include.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common.hpp"
#include "dynmargin/core/spacing.hpp"
#include "dynmargin/runtime/backtest_run.hpp"
#include "dynmargin/runtime/config_reader.hpp"
#include "dynmargin/runtime/margin_run.hpp"

namespace dynmargin_python {
namespace {

/// Epoch microseconds, int64, C order: the Python layer converts datetime64 and seconds.
using time_array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

std::span<const dynmargin::timestamp_us> times_of(const time_array& array, const char* name) {
  if (array.ndim() != 1) {
    dynmargin::throw_invalid_argument("dynmargin", name, "must be one-dimensional",
                                      std::to_string(array.ndim()) + " dimensions");
  }
  static_assert(sizeof(dynmargin::timestamp_us) == sizeof(std::int64_t));
  // timestamp_us is a std::chrono::time_point over int64 microseconds: the same bytes.
  return {reinterpret_cast<const dynmargin::timestamp_us*>(array.data()), static_cast<std::size_t>(array.shape(0))};
}

/// The times of a price history: the caller's (checked to be one per price), or, without
/// them, row i at i seconds as the command-line tool numbers a file without a time column
/// (then owned here; `view` points at the caller's array or at `owned`).
struct history_times {
  std::vector<dynmargin::timestamp_us> owned;
  std::span<const dynmargin::timestamp_us> view;
};

history_times times_of_history(const std::optional<time_array>& times_array, std::size_t rows,
                               std::string_view component) {
  history_times out;
  if (times_array) {
    out.view = times_of(*times_array, "times");
    if (out.view.size() != rows) {
      dynmargin::throw_invalid_argument(component, "times",
                                        "must have one time per price (" + std::to_string(rows) + ")", out.view.size());
    }
    return out;
  }
  out.owned.resize(rows);
  for (std::size_t i = 0; i < rows; ++i)
    out.owned[i] = dynmargin::to_timestamp_us(static_cast<dynmargin::timestamp>(i));
  out.view = out.owned;
  return out;
}

dynmargin::margin_engine build_engine(const std::string& config_text, const std::string& source) {
  const nlohmann::json config = dynmargin::parse_config_json(config_text, source);
  try {
    return dynmargin::build_margin_engine(config);
  } catch (const dynmargin::invalid_argument& e) {
    throw dynmargin::invalid_argument(std::string(e.what()) + " (in " + source + ")");
  }
}

/// A margin function from a config, for streaming use (update / quote) and whole-history runs.
class margin_engine_binding {
 public:
  margin_engine_binding(std::string config_text, std::string source)
      : config_text_(std::move(config_text)),
        source_(std::move(source)),
        engine_(build_engine(config_text_, source_)) {}

  [[nodiscard]] std::vector<std::string> policy_columns() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < engine_.policy_types.size(); ++i) out.push_back(engine_.column(i));
    return out;
  }
  [[nodiscard]] std::optional<std::int64_t> bar_microseconds() const {
    return engine_.bar ? std::optional<std::int64_t>(engine_.bar->count()) : std::nullopt;
  }
  [[nodiscard]] std::int64_t max_staleness_seconds() const { return engine_.function.config().guard.max_staleness; }

  /// Feeds one price; returns the status name ("ok", "suspect_input", "refit_failed"). A time
  /// not after the last one, or another error, raises and leaves the state as it was.
  std::string update(std::int64_t time_us, double price) {
    const dynmargin::timestamp_us time{std::chrono::microseconds{time_us}};
    const dynmargin::status s = engine_.function.update(time, price);
    if (s == dynmargin::status::invalid_argument) {
      std::string message = "MarginFunction.update: time must be later than the last price's";
      if (const auto last = engine_.function.last_time()) message += " " + dynmargin::format_epoch_seconds(*last);
      throw dynmargin::invalid_argument(message + " s, got " + dynmargin::format_epoch_seconds(time) + " s");
    }
    if (dynmargin::is_error(s) && s != dynmargin::status::suspect_input && s != dynmargin::status::non_finite_input) {
      dynmargin::throw_if_error(s, "MarginFunction.update", "price");
    }
    return std::string(dynmargin::to_string(s));
  }

  void set_open_interest(double notional) {
    if (engine_.function.set_open_interest(notional) != dynmargin::status::ok) {
      dynmargin::throw_invalid_argument("MarginFunction.set_open_interest", "open_interest", "must be finite and >= 0",
                                        notional);
    }
  }

  /// The quote of a position of `position` notional, at `now_us` when given (price age, stale).
  [[nodiscard]] py::dict quote(std::optional<std::int64_t> now_us, double position) const {
    const auto& f = engine_.function;
    // Notional -> quantity at the last price (the conservative one when it is suspect), as
    // `dynmargin margin --position` quotes.
    const dynmargin::margin_quote at_last = f.quote_notional(position);
    const dynmargin::margin_quote q = now_us ? f.quote(dynmargin::timestamp_us{std::chrono::microseconds{*now_us}},
                                                       at_last.quantity)
                                             : at_last;
    py::dict out;
    out["ready"] = q.ready;
    out["status"] = std::string(dynmargin::to_string(q.result));
    out["time_us"] = dynmargin::epoch_microseconds(q.time);
    out["price"] = q.price;
    out["notional"] = q.notional;
    out["raw_rate"] = q.ready ? q.raw_rate : not_a_number;
    out["initial_rate"] = q.ready ? q.initial_rate : not_a_number;
    out["maintenance_rate"] = q.ready ? q.maintenance_rate : not_a_number;
    out["initial_amount"] = q.ready ? q.initial_amount : not_a_number;
    out["maintenance_amount"] = q.ready ? q.maintenance_amount : not_a_number;
    out["binding"] = q.ready ? engine_.binding(q) : std::string("warmup");
    py::dict after;
    for (std::size_t i = 0; i < engine_.policy_types.size(); ++i) {
      after[py::str(engine_.column(i))] = q.ready ? engine_.initial_after(q, i) : not_a_number;
    }
    out["policies"] = after;
    out["price_suspect"] = f.price_suspect();
    out["apc_buffer"] = q.ready && q.apc.present ? q.apc.buffer : not_a_number;
    out["apc_stress"] = q.ready && q.apc.present ? q.apc.stress : not_a_number;
    out["price_age"] = now_us ? q.price_age : not_a_number;
    out["stale"] = q.stale;
    return out;
  }

  /// Runs a fresh function of the same config over a history (the streaming state is left
  /// alone) and returns every column of `dynmargin margin`.
  [[nodiscard]] py::dict run(const std::optional<time_array>& times_array, const float_array& prices_array,
                             double position, const std::optional<float_array>& open_interest_array) const {
    const auto prices = values_of(prices_array, "prices");
    const history_times history = times_of_history(times_array, prices.size(), "MarginFunction.run");
    std::span<const dynmargin::timestamp_us> times = history.view;
    std::span<const double> open_interest;
    if (open_interest_array) open_interest = values_of(*open_interest_array, "open_interest");

    dynmargin::margin_engine engine = build_engine(config_text_, source_);
    dynmargin::bar_series bars;
    std::vector<std::int64_t> rows;  // the input index of each output row (a bar's last price)
    if (engine.bar) {
      if (!open_interest.empty()) {
        throw dynmargin::invalid_argument(
            "MarginFunction.run: open_interest with a config \"bar\" is not supported (bar " +
            dynmargin::format_duration(*engine.bar) + ")");
      }
      {
        py::gil_scoped_release unlocked;
        bars = dynmargin::sample_into_bars(times, prices, *engine.bar, "MarginFunction.run");
      }
      times = bars.times;
      for (const std::size_t i : bars.last_index) rows.push_back(static_cast<std::int64_t>(i));
    }
    const std::span<const double> run_prices = engine.bar ? std::span<const double>(bars.prices) : prices;
    const std::size_t n = run_prices.size();
    const std::size_t policies = engine.policy_types.size();

    auto column = [n] { return nan_array(n); };
    float_array raw = column(), initial = column(), maintenance = column(), initial_amount = column(),
                maintenance_amount = column(), apc_buffer = column(), apc_stress = column();
    std::vector<float_array> after;
    for (std::size_t i = 0; i < policies; ++i) after.push_back(column());
    py::array_t<std::int32_t> binding(static_cast<py::ssize_t>(n));
    py::array_t<bool> suspect(static_cast<py::ssize_t>(n));
    py::array_t<bool> stale(static_cast<py::ssize_t>(n));
    std::vector<std::span<double>> after_out;
    for (auto& a : after) after_out.push_back(writable(a));
    const auto raw_out = writable(raw), initial_out = writable(initial), maintenance_out = writable(maintenance),
               initial_amount_out = writable(initial_amount), maintenance_amount_out = writable(maintenance_amount),
               apc_buffer_out = writable(apc_buffer), apc_stress_out = writable(apc_stress);
    std::int32_t* const binding_out = binding.mutable_data();
    bool* const suspect_out = suspect.mutable_data();
    bool* const stale_out = stale.mutable_data();

    dynmargin::margin_run_labels labels;
    labels.component = "MarginFunction.run";
    labels.row = [](std::size_t i) { return element_name("times", i); };
    labels.open_interest = "open_interest";
    dynmargin::margin_run_report report;
    {
      py::gil_scoped_release unlocked;
      report = dynmargin::run_margin(
          engine.function, times, run_prices, position, open_interest,
          [&](const dynmargin::margin_run_row& r) {
            const dynmargin::margin_quote& q = *r.quote;
            const std::size_t i = r.row;
            suspect_out[i] = r.price_suspect;
            stale_out[i] = r.stale;
            if (!q.ready) {
              binding_out[i] = -2;  // warm-up
              return;
            }
            raw_out[i] = q.raw_rate;
            initial_out[i] = q.initial_rate;
            maintenance_out[i] = q.maintenance_rate;
            initial_amount_out[i] = q.initial_amount;
            maintenance_amount_out[i] = q.maintenance_amount;
            // -1: the risk measure binds; k: config policy k; policies: the long cap.
            binding_out[i] = q.binding_index < 0 ? -1
                             : static_cast<std::size_t>(q.binding_index) < policies
                                 ? static_cast<std::int32_t>(q.binding_index)
                                 : static_cast<std::int32_t>(policies);
            for (std::size_t k = 0; k < policies; ++k) after_out[k][i] = engine.initial_after(q, k);
            if (q.apc.present) {
              apc_buffer_out[i] = q.apc.buffer;
              apc_stress_out[i] = q.apc.stress;
            }
          },
          labels);
    }
    dynmargin::require_margin(report, "MarginFunction.run");
    std::vector<std::string> binding_names{"risk"};
    for (std::size_t k = 0; k < policies; ++k) binding_names.push_back(engine.column(k));
    binding_names.emplace_back(dynmargin::long_notional_cap_name);
    py::dict out;
    out["times_us"] = py::array_t<std::int64_t>(static_cast<py::ssize_t>(n),
                                                reinterpret_cast<const std::int64_t*>(times.data()));
    out["price"] = py::array_t<double>(static_cast<py::ssize_t>(n), run_prices.data());
    out["raw_rate"] = raw;
    out["initial_rate"] = initial;
    out["maintenance_rate"] = maintenance;
    out["initial_amount"] = initial_amount;
    out["maintenance_amount"] = maintenance_amount;
    out["binding_code"] = binding;
    out["binding_names"] = binding_names;
    py::list policy_columns;
    for (std::size_t k = 0; k < policies; ++k) policy_columns.append(py::make_tuple(engine.column(k), after[k]));
    out["policies"] = policy_columns;
    out["price_suspect"] = suspect;
    out["apc_buffer"] = apc_buffer;
    out["apc_stress"] = apc_stress;
    out["stale"] = stale;
    if (rows.empty()) {
      out["rows"] = py::none();
    } else {
      out["rows"] = py::array_t<std::int64_t>(static_cast<py::ssize_t>(n), rows.data());
    }
    out["stale_rows"] = report.stale_rows;
    out["warnings"] = report.warnings;
    out["first_warning"] = report.first_warning;
    return out;
  }

 private:
  std::string config_text_;
  std::string source_;
  dynmargin::margin_engine engine_;
};

/// `dynmargin backtest` over arrays: configs as (name, JSON text); returns the JSON it prints
/// (the Python layer parses it into a dict), and the warnings it would print on standard error
/// (an irregular feed, a span counted over gaps; the bars sampled are in the report).
py::tuple backtest(const std::vector<std::pair<std::string, std::string>>& configs,
                   const std::optional<time_array>& times_array, const float_array& prices_array, double coverage,
                   const std::string& horizon, const std::string& side, const std::string& warmup,
                   std::int64_t steps_per_day, std::size_t simulations, std::uint64_t seed) {
  const auto prices = values_of(prices_array, "prices");
  std::vector<dynmargin::backtest_run_config> sources;
  for (const auto& [name, text] : configs)
    sources.push_back({name, dynmargin::parse_config_json(text, "\"" + name + "\"")});
  const history_times history = times_of_history(times_array, prices.size(), "backtest");
  const std::span<const dynmargin::timestamp_us> times = history.view;
  if (steps_per_day < 0) dynmargin::throw_invalid_argument("backtest", "steps_per_day", "must be >= 0", steps_per_day);
  const dynmargin::backtest_run_settings settings{.coverage = coverage,
                                                  .horizon = horizon,
                                                  .side = side,
                                                  .warmup = warmup,
                                                  .steps_per_day = steps_per_day,
                                                  .simulations = simulations,
                                                  .seed = seed};
  std::vector<std::string> notes;
  dynmargin::backtest_run_labels labels;
  labels.note = [&notes](const std::string& text, bool warning) {
    if (warning) notes.push_back(text);
  };
  std::string json;
  {
    py::gil_scoped_release unlocked;
    dynmargin::series_spacing spacing = dynmargin::measure_spacing(times);
    spacing.has_times = times_array.has_value();
    if (!times_array) spacing.step_microseconds = 0;
    const auto results = dynmargin::run_backtests(sources, times, prices, spacing, settings, labels);
    json = dynmargin::backtest_output(results).dump();
  }
  return py::make_tuple(json, notes);
}

}  // namespace

void bind_margin(py::module_& module) {
  using namespace pybind11::literals;
  py::class_<margin_engine_binding>(module, "MarginEngine")
      .def(py::init<std::string, std::string>(), "config_text"_a, "source"_a)
      .def_property_readonly("policy_columns", &margin_engine_binding::policy_columns)
      .def_property_readonly("bar_microseconds", &margin_engine_binding::bar_microseconds)
      .def_property_readonly("max_staleness_seconds", &margin_engine_binding::max_staleness_seconds)
      .def("update", &margin_engine_binding::update, "time_us"_a, "price"_a)
      .def("set_open_interest", &margin_engine_binding::set_open_interest, "notional"_a)
      .def("quote", &margin_engine_binding::quote, "now_us"_a, "position"_a)
      .def("run", &margin_engine_binding::run, "times_us"_a, "prices"_a, "position"_a, "open_interest"_a);
  module.def("backtest", &backtest, "configs"_a, "times_us"_a, "prices"_a, "coverage"_a, "horizon"_a, "side"_a,
             "warmup"_a, "steps_per_day"_a, "simulations"_a, "seed"_a,
             "`dynmargin backtest` over arrays: (JSON text, notes).");
}

}  // namespace dynmargin_python
