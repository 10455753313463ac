// SPDX-License-Identifier: MIT
/// @file
/// @brief Procyclicality and cost of a margin path: n-step percentage changes of margin with
///        their maximum and rolling 95% expected shortfall against ICE-style amber and red
///        thresholds, the peak-to-trough ratio, the mean margin rate (the cost of collateral)
///        and the largest one-step margin call as a share of the position.
///
/// Sources:
///  - ICE Clear Europe's initial-margin procyclicality monitoring: the 95% expected shortfall of the 5-day percentage
///  changes of initial margin over
///    250 days is amber above 50% and red above 100%; of the 30-day changes, amber above 125%
///    and red above 250%. 1-day changes are reported without thresholds.
///  - Murphy, D., M. Vasios and N. Vause (2014), "An investigation into the procyclicality of
///    risk-based initial margin models", Bank of England Financial Stability Paper 29: the
///    peak-to-trough ratio and the largest n-day increase of margin; the mean margin as the
///    cost of an anti-procyclicality tool.
///  - BCBS-CPMI-IOSCO (2022), "Review of margining practices": the same measures for CCPs.
///
/// Conventions (stated because the sources leave them open):
///  - the n-step change at t is m_t / m_{t-n} - 1, for t = n .. N-1, on margin *amounts*; pass
///    rates with a notional of 1 for a position of constant notional, or rate * price with the
///    price as notional for a position of constant quantity;
///  - a window holds W consecutive changes; the rolling ES is evaluated on the windows ending
///    every `stride` changes from the first full one (every window with stride 1: N - n - W + 1
///    of them) and on the last one, or on one window of all changes when there are fewer than W;
///  - ES at level c of a window of W values is the Acerbi-Tasche mean of its W(1 - c) largest
///    values, fractional count included: with k = W(1 - c), ES = (sum of the floor(k) largest
///    + (k - floor(k)) * the next) / k (W = 250, c = 0.95: the 12 largest and half the 13th,
///    over 12.5);
///  - a window is amber when its ES exceeds the amber threshold and red when it exceeds the
///    red one; the zone of the path is that of its worst window;
///  - peak-to-trough is max(m) / min(m) over the whole path; the largest call is
///    max_t (m_t - m_{t-1}) / notional_t, 0 when margin never rises.
/// The rolling ES keeps only the top of each window sorted (see `detail::rolling_upper_es`),
/// so an hourly path of 37,386 steps with a 6,000-step window costs well under a millisecond
/// per horizon.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief Procyclicality alarm zones (ICE's amber and red).
enum class procyclicality_zone : std::uint8_t { green, amber, red };

/// @brief "green", "amber" or "red".
[[nodiscard]] constexpr std::string_view to_string(procyclicality_zone zone) noexcept {
  switch (zone) {
    case procyclicality_zone::green: return "green";
    case procyclicality_zone::amber: return "amber";
    case procyclicality_zone::red: return "red";
  }
  return "unknown";
}

/// @brief One horizon of margin changes and its alarm thresholds (fractions: 0.5 = 50%;
///        0 = no threshold).
struct change_horizon {
  std::int64_t steps = 1;  ///< n, in steps of the data
  double amber = 0.0;
  double red = 0.0;
};

/// @brief Configuration of `procyclicality_metrics`.
struct procyclicality_metrics_config {
  /// n-step changes to measure (default: 1, 5 and 30 days with ICE's 5- and 30-day thresholds).
  std::vector<change_horizon> horizons{{1, 0.0, 0.0}, {5, 0.50, 1.00}, {30, 1.25, 2.50}};
  std::int64_t window = 250;        ///< W: changes per rolling window
  confidence_level es_level{0.95};  ///< c of the rolling expected shortfall
  std::int64_t stride = 1;          ///< windows evaluated every `stride` steps (and the last one)

  /// @brief ICE's daily settings expressed in steps of data with `steps_per_day` steps a day
  ///        (1 for daily bars, 24 for hourly): 1, 5 and 30 days, a 250-day window, and a
  ///        window evaluated once a day (ICE computes margin daily; the changes and their
  ///        maximum are still taken at every step).
  [[nodiscard]] static procyclicality_metrics_config ice(std::int64_t steps_per_day = 1) {
    if (steps_per_day < 1)
      throw_invalid_argument("procyclicality_config", "steps_per_day", "must be at least 1", steps_per_day);
    procyclicality_metrics_config config;
    for (auto& h : config.horizons) h.steps *= steps_per_day;
    config.window = 250 * steps_per_day;
    config.stride = steps_per_day;
    return config;
  }
};

/// @brief Statistics of one horizon's n-step changes.
struct change_statistics {
  std::int64_t steps = 0;
  std::size_t changes = 0;             ///< N - n
  double max_change = 0.0;             ///< largest n-step change (0.5 = +50%); 0 when none
  std::size_t max_change_index = 0;    ///< t of the largest change
  std::size_t windows = 0;             ///< rolling windows evaluated
  double max_rolling_es = 0.0;         ///< worst window's ES
  std::size_t max_rolling_es_end = 0;  ///< t of the last change in the worst window
  double last_rolling_es = 0.0;        ///< ES of the latest window
  double amber = 0.0;                  ///< thresholds used (0: none)
  double red = 0.0;
  std::size_t windows_amber = 0;  ///< windows with amber < ES <= red (or > amber when no red)
  std::size_t windows_red = 0;    ///< windows with ES > red
  procyclicality_zone zone = procyclicality_zone::green;
  friend bool operator==(const change_statistics&, const change_statistics&) = default;
};

/// @brief Procyclicality and cost of one margin path.
struct procyclicality_result {
  std::size_t observations = 0;
  std::vector<change_statistics> horizons;
  double peak = 0.0;  ///< max margin
  std::size_t peak_index = 0;
  double trough = 0.0;  ///< min margin
  std::size_t trough_index = 0;
  double peak_to_trough = 1.0;  ///< peak / trough
  double mean_rate = 0.0;       ///< mean of margin / notional
  double largest_call = 0.0;    ///< max_t (m_t - m_{t-1}) / notional_t, >= 0
  std::size_t largest_call_index = 0;
  procyclicality_zone zone = procyclicality_zone::green;  ///< worst zone of all horizons
  friend bool operator==(const procyclicality_result&, const procyclicality_result&) = default;
};

namespace detail {

/// Rolling upper-tail expected shortfall of a window of W consecutive values, evaluated on
/// the windows ending at W-1, W-1+stride, ... and on the last one.
///
/// Only the largest values of a window matter, so the window keeps a sorted buffer of its
/// distinct values at or above a threshold tau with their counts (a flat margin repeats one
/// value thousands of times), about 1.5 times the floor(k) + 1 values the ES needs, and
/// ignores the rest: a value entering or leaving below tau costs one comparison, one above
/// tau a binary search and a short move. When the buffer runs short, tau is reset from the whole
/// window (nth_element); when it grows to twice its target, tau is raised. Each ES is
/// summed afresh from the buffer, so rounding never accumulates across windows.
class rolling_upper_es {
 public:
  /// Calls `visit(end_index, es)` for each evaluated window, oldest first.
  template <class Visit>
  void scan(std::span<const double> values, std::size_t window, double level, std::size_t stride, Visit&& visit) {
    const std::size_t n = values.size();
    if (n == 0) return;
    const std::size_t w = std::min(window, n);
    const double k = static_cast<double>(w) * (1.0 - level);
    const double whole = std::floor(k);
    const std::size_t kept = static_cast<std::size_t>(whole);  // floor(k) < w since level > 0
    need_ = kept + 1;
    target_ = std::min(w, need_ + std::max<std::size_t>(need_ / 2, 32));
    rebuild(values.subspan(0, w));
    for (std::size_t i = w - 1; i < n; ++i) {
      if (i >= w) {
        if (values[i - w] >= tau_) erase(values[i - w]);
        if (values[i] >= tau_) insert(values[i]);
        if (total_ < need_) {
          rebuild(values.subspan(i + 1 - w, w));
        } else if (total_ > 2 * target_) {
          trim();
        }
      }
      if ((i + 1 - w) % stride != 0 && i + 1 != n) continue;
      // The floor(k) largest, then the next one weighted by the fractional part of k.
      double sum = 0.0;
      std::size_t remaining = kept;
      double next = 0.0;
      for (auto it = buffer_.rbegin(); it != buffer_.rend(); ++it) {
        const std::size_t take = std::min(remaining, it->count);
        for (std::size_t j = 0; j < take; ++j) sum += it->value;  // one addition per value, as a plain sum
        remaining -= take;
        if (take < it->count) {
          next = it->value;
          break;
        }
      }
      visit(i, (sum + (k - whole) * next) / k);
    }
  }

 private:
  struct entry {  // a value and how many times the window holds it (trivially copyable: moves are memmove)
    double value;
    std::size_t count;
  };
  static bool value_less(const entry& e, double v) noexcept { return e.value < v; }

  void insert(double v) {
    const auto it = std::lower_bound(buffer_.begin(), buffer_.end(), v, value_less);
    if (it != buffer_.end() && it->value == v) {
      ++it->count;
    } else {
      buffer_.insert(it, entry{v, 1});
    }
    ++total_;
  }
  void erase(double v) noexcept {
    const auto it = std::lower_bound(buffer_.begin(), buffer_.end(), v, value_less);  // present: v >= tau
    if (--it->count == 0) buffer_.erase(it);
    --total_;
  }
  /// Raises tau to the value holding the target-th largest and drops the values below it.
  void trim() {
    std::size_t count = 0;
    auto it = buffer_.end();
    while (it != buffer_.begin() && count < target_) {
      --it;
      count += it->count;
    }
    tau_ = it->value;
    buffer_.erase(buffer_.begin(), it);
    total_ = count;
  }
  void rebuild(std::span<const double> window) {
    scratch_.assign(window.begin(), window.end());
    const auto nth = scratch_.begin() + static_cast<std::ptrdiff_t>(target_ - 1);
    std::nth_element(scratch_.begin(), nth, scratch_.end(), std::greater<>());
    tau_ = *nth;
    scratch_.erase(std::remove_if(scratch_.begin(), scratch_.end(), [this](double v) { return v < tau_; }),
                   scratch_.end());
    std::sort(scratch_.begin(), scratch_.end());
    buffer_.clear();
    for (double v : scratch_) {
      if (!buffer_.empty() && buffer_.back().value == v) {
        ++buffer_.back().count;
      } else {
        buffer_.push_back(entry{v, 1});
      }
    }
    total_ = scratch_.size();
  }
  std::vector<entry> buffer_;  ///< distinct window values >= tau_, ascending, with their counts
  std::vector<double> scratch_;
  double tau_ = 0.0;
  std::size_t total_ = 0;  ///< window values >= tau_
  std::size_t need_ = 1;
  std::size_t target_ = 1;
};

inline void check_procyclicality_config(const procyclicality_metrics_config& config) {
  constexpr std::string_view component = "procyclicality_metrics";
  if (config.window < 1) throw_invalid_argument(component, "window", "must be at least 1", config.window);
  if (config.stride < 1) throw_invalid_argument(component, "stride", "must be at least 1", config.stride);
  for (const auto& h : config.horizons) {
    if (h.steps < 1) throw_invalid_argument(component, "horizon steps", "must be at least 1", h.steps);
    if (!(std::isfinite(h.amber) && h.amber >= 0.0)) {
      throw_invalid_argument(component, "amber threshold", "must be finite and >= 0", h.amber);
    }
    if (!(std::isfinite(h.red) && h.red >= 0.0 && (h.red == 0.0 || h.red >= h.amber))) {
      throw_invalid_argument(component, "red threshold", "must be finite, >= 0 and >= the amber threshold", h.red);
    }
  }
}

[[nodiscard]] inline procyclicality_zone zone_of(double es, double amber, double red) noexcept {
  if (red > 0.0 && es > red) return procyclicality_zone::red;
  if (amber > 0.0 && es > amber) return procyclicality_zone::amber;
  return procyclicality_zone::green;
}

}  // namespace detail

/// @brief Procyclicality and cost measures of a margin path.
/// @param margin margin amounts m_t, oldest first (finite, > 0);
/// @param notional the position's notional at each t (finite, > 0); all 1 for rates.
/// @throws dynmargin::invalid_argument on empty or mismatched input, a non-positive margin
///         or notional, or a bad configuration.
[[nodiscard]] inline procyclicality_result procyclicality_metrics(std::span<const double> margin,
                                                                  std::span<const double> notional,
                                                                  const procyclicality_metrics_config& config = {}) {
  constexpr std::string_view component = "procyclicality_metrics";
  detail::check_procyclicality_config(config);
  if (margin.empty()) throw_invalid_argument(component, "margin", "must not be empty", margin.size());
  if (notional.size() != margin.size()) {
    throw_invalid_argument(component, "notional",
                           "must have one entry per margin (" + std::to_string(margin.size()) + ")", notional.size());
  }
  for (std::size_t t = 0; t < margin.size(); ++t) {
    if (!(std::isfinite(margin[t]) && margin[t] > 0.0)) {
      throw_invalid_argument(component, "margin at " + std::to_string(t), "must be finite and > 0", margin[t]);
    }
    if (!(std::isfinite(notional[t]) && notional[t] > 0.0)) {
      throw_invalid_argument(component, "notional at " + std::to_string(t), "must be finite and > 0", notional[t]);
    }
  }

  const std::size_t n = margin.size();
  procyclicality_result out;
  out.observations = n;
  out.peak = out.trough = margin[0];
  double rate_sum = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    if (margin[t] > out.peak) {
      out.peak = margin[t];
      out.peak_index = t;
    }
    if (margin[t] < out.trough) {
      out.trough = margin[t];
      out.trough_index = t;
    }
    rate_sum += margin[t] / notional[t];
    if (t > 0) {
      const double call = (margin[t] - margin[t - 1]) / notional[t];
      if (call > out.largest_call) {
        out.largest_call = call;
        out.largest_call_index = t;
      }
    }
  }
  out.peak_to_trough = out.peak / out.trough;
  out.mean_rate = rate_sum / static_cast<double>(n);

  std::vector<double> changes;
  detail::rolling_upper_es rolling;
  const std::size_t window = static_cast<std::size_t>(config.window);
  const std::size_t stride = static_cast<std::size_t>(config.stride);
  for (const auto& h : config.horizons) {
    change_statistics stats;
    stats.steps = h.steps;
    stats.amber = h.amber;
    stats.red = h.red;
    const std::size_t lag = static_cast<std::size_t>(h.steps);
    if (lag < n) {
      changes.resize(n - lag);
      for (std::size_t t = lag; t < n; ++t) changes[t - lag] = margin[t] / margin[t - lag] - 1.0;
      stats.changes = changes.size();
      const auto best = std::max_element(changes.begin(), changes.end());
      stats.max_change = *best;
      stats.max_change_index = static_cast<std::size_t>(best - changes.begin()) + lag;

      bool first = true;
      rolling.scan(changes, window, config.es_level.value(), stride, [&](std::size_t end, double es) {
        ++stats.windows;
        if (first || es > stats.max_rolling_es) {
          stats.max_rolling_es = es;
          stats.max_rolling_es_end = end + lag;
          first = false;
        }
        stats.last_rolling_es = es;
        const auto zone = detail::zone_of(es, h.amber, h.red);
        if (zone == procyclicality_zone::red) ++stats.windows_red;
        if (zone == procyclicality_zone::amber) ++stats.windows_amber;
      });
      stats.zone = detail::zone_of(stats.max_rolling_es, h.amber, h.red);
    }
    out.zone = std::max(out.zone, stats.zone);
    out.horizons.push_back(stats);
  }
  return out;
}

/// @brief Procyclicality of a path of margin rates for a position of constant notional.
[[nodiscard]] inline procyclicality_result procyclicality_metrics(std::span<const double> rates,
                                                                  const procyclicality_metrics_config& config = {}) {
  const std::vector<double> ones(rates.size(), 1.0);
  return procyclicality_metrics(rates, ones, config);
}

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using procyclicality_config [[deprecated("use procyclicality_metrics_config")]] = procyclicality_metrics_config;
// End of deprecated spellings.

}  // namespace dynmargin
