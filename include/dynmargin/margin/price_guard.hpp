// SPDX-License-Identifier: MIT
/// @file
/// @brief Price guard: the checks a price passes before the margin function turns it into a
///        return (stale, outlying, too few sources, unconfirmed jump, not a price at all).
///
/// Oracles and index prices fail in known ways: a stale feed
/// (Chainlink heartbeats, Pyth publish times; Jupiter Lend rejects prices older than 60 s for
/// user operations), one exchange printing far from the others (Binance's index gives weight 0
/// to a source more than 5% from the median of its sources; dYdX needs at least 3 exchanges),
/// and a single bad print (the Binance BTCUSDT hourly file opens at 16,199.91 against a close
/// of 4,308.83). The guard's verdict on a price:
///  - not finite, or not positive: rejected;
///  - stale: `observed_at` more than `max_age` seconds before the update time;
///  - deviates: more than `max_deviation` (a fraction) from a given reference price;
///  - several sources: the index is the median of the sources within `max_deviation` of
///    their median (a median, not a mean, so that one wild source cannot drag the index when
///    the filter is off: {100, 100.2, 1000} gives 100.2, where a mean gave 400.07); fewer
///    than `min_sources` such sources is "too few sources";
///  - unconfirmed jump: a log move larger than `max_jump` from the last accepted price is
///    held as suspect until a second print within `max_jump` of it, at a later time (at least
///    `confirm_after` after the first held print), confirms it, or until at least two distinct sources of one
///    multi-source update agree on it (within `max_deviation` of their median); the confirmed move is then accepted
///    whole. A second print with the same time (the same feed repeating itself) never
///    confirms: two bad prints of one update must not vouch for each other. A single bad print therefore never reaches
///    the volatility model and never moves margin by itself.
/// What the margin function does with a suspect price is in margin_function.hpp: it keeps
/// the last accepted price and rates, flags the quote, and sizes the notional with the more
/// conservative of the two prices. Any check whose parameter is 0 is off.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "dynmargin/core/duration.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief Most sources one multi-source update may combine (the guard keeps them on the stack).
inline constexpr std::size_t max_price_sources = 16;

/// @brief "No time given" for `price_observation::observed_at`.
inline constexpr timestamp_us no_observation_time = timestamp_us::min();

/// @brief Default `price_guard_config::max_deviation`: Binance's 5% from the median.
inline constexpr double default_max_deviation = 0.05;

/// @brief Default `price_guard_config::max_jump`: a log move of 2, i.e. to more than
///        e^2 = 7.39 times or less than e^-2 = 13.5% of the last accepted price. The largest
///        one-bar log move of the price files shipped in examples/data is 1.516 (DOGE-USD daily,
///        January 2021; ADA 0.862, XRP 0.607, the Binance hourly closes 0.201), so no genuine
///        move of that data is held, while a 1e308, 1e-308 or -99% print (log moves of about
///        709, 709 and 4.6) always is.
inline constexpr double default_max_jump = 2.0;

/// @brief Default `price_guard_config::confirm_after`: 60 s (see there).
inline constexpr duration default_confirm_after{60'000'000};

/// @brief Configuration of the price guard (each check is off when its parameter is 0).
///        The defaults guard: a margin function given no guard gets a 5% deviation filter
///        and the jump check at a log move of 2, because with no guard one bad print pinned the rate at
///        its cap for the rest of a file. `price_guard_config::none()` is the spelled-out
///        opt-out.
struct price_guard_config {
  std::int64_t max_age = 0;                      ///< seconds a price may be older than the update time
  double max_deviation = default_max_deviation;  ///< fraction from the reference or the sources' median
  std::size_t min_sources = 1;                   ///< sources needed within max_deviation of the median (dYdX: 3)
  double max_jump = default_max_jump;            ///< log move from the last accepted price that needs confirmation
  /// Seconds since the last accepted price beyond which `margin_function::quote(now, ...)`
  /// flags the quote `stale` (a feed that stopped). 0 (the default) is off: the right age
  /// depends on the feed (seconds for a tick feed, a day and more for daily closes), so it is
  /// set, never guessed.
  std::int64_t max_staleness = 0;
  /// How long a held jump's new level must persist before a later print confirms it: a print
  /// within `max_jump` of the held one confirms only when it comes at least this long after
  /// the first held print. The default, 60 s, is one bar of the shortest bars in use (1m):
  /// on minute, hourly and daily data the next print confirms as before, while on a tick feed
  /// a bad source repeating itself within the minute cannot vouch for its own print. 0: the
  /// next later print confirms.
  duration confirm_after{default_confirm_after};

  /// @brief Every check off (the behaviour before the guard was on by default).
  [[nodiscard]] static constexpr price_guard_config none() noexcept {
    return price_guard_config{0, 0.0, 1, 0.0, 0, duration{0}};
  }
};

/// @brief One price offered to the margin function.
struct price_observation {
  timestamp_us time{};  ///< time of the update (`to_timestamp_us(seconds)` from epoch seconds)
  double price = std::numeric_limits<double>::quiet_NaN();
  timestamp_us observed_at = no_observation_time;               ///< when the source observed the price (staleness)
  double reference = std::numeric_limits<double>::quiet_NaN();  ///< optional reference price
};

/// @brief The guard's verdict on a price.
enum class price_verdict : std::uint8_t {
  accepted,
  not_finite,        ///< NaN or infinite price
  not_positive,      ///< zero or negative price
  stale,             ///< older than max_age
  deviates,          ///< too far from the reference
  too_few_sources,   ///< fewer than min_sources within max_deviation of the median
  unconfirmed_jump,  ///< a jump larger than max_jump awaiting confirmation
};

[[nodiscard]] constexpr std::string_view to_string(price_verdict v) noexcept {
  switch (v) {
    case price_verdict::accepted: return "accepted";
    case price_verdict::not_finite: return "not_finite";
    case price_verdict::not_positive: return "not_positive";
    case price_verdict::stale: return "stale";
    case price_verdict::deviates: return "deviates";
    case price_verdict::too_few_sources: return "too_few_sources";
    case price_verdict::unconfirmed_jump: return "unconfirmed_jump";
  }
  return "unknown";
}

/// @brief The status an update returns for a verdict.
[[nodiscard]] constexpr status to_status(price_verdict v) noexcept {
  switch (v) {
    case price_verdict::accepted: return status::ok;
    case price_verdict::not_finite: return status::non_finite_input;
    case price_verdict::not_positive: return status::invalid_argument;
    default: return status::suspect_input;
  }
}

/// @brief An index price combined from several sources.
struct price_index {
  double price = std::numeric_limits<double>::quiet_NaN();  ///< median of the kept sources
  double median = std::numeric_limits<double>::quiet_NaN();
  std::size_t kept = 0;     ///< sources within max_deviation of the median
  std::size_t offered = 0;  ///< finite, positive sources offered
  price_verdict verdict = price_verdict::too_few_sources;
};

/// @brief The price guard (see the file comment). Its state is the pending jump.
class price_guard {
 public:
  using config_type = price_guard_config;  ///< what the constructor takes
  struct state_type {
    bool pending = false;  ///< a jump awaits confirmation
    double pending_price = 0.0;
    timestamp_us pending_time{};  ///< time of the held print; only a later print confirms it
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming max_age, max_deviation, min_sources, max_jump or
  ///         max_staleness.
  explicit price_guard(const price_guard_config& config = {}) : config_(config) {
    // Ages are compared in microseconds between times within max_abs_time_us of the epoch,
    // so a limit beyond that span (146,000 years) could only overflow.
    const std::string too_long = "must be at most " + std::to_string(max_abs_time_seconds) +
                                 " seconds (2^62 microseconds)";
    if (config.max_age < 0) throw_invalid_argument("price_guard", "max_age", "must be >= 0 seconds", config.max_age);
    if (config.max_age > max_abs_time_seconds)
      throw_invalid_argument("price_guard", "max_age", too_long, config.max_age);
    if (config.max_staleness < 0) {
      throw_invalid_argument("price_guard", "max_staleness", "must be >= 0 seconds", config.max_staleness);
    }
    if (config.max_staleness > max_abs_time_seconds)
      throw_invalid_argument("price_guard", "max_staleness", too_long, config.max_staleness);
    if (config.confirm_after.count() < 0 || config.confirm_after.count() > max_abs_time_us) {
      throw_invalid_argument("price_guard", "confirm_after", "must be a duration in [0, 2^62 microseconds]",
                             format_duration(config.confirm_after));
    }
    if (!(std::isfinite(config.max_deviation) && config.max_deviation >= 0.0)) {
      throw_invalid_argument("price_guard", "max_deviation", "must be finite and >= 0", config.max_deviation);
    }
    if (config.min_sources < 1 || config.min_sources > max_price_sources) {
      throw_invalid_argument("price_guard", "min_sources", "must be in [1, " + std::to_string(max_price_sources) + "]",
                             config.min_sources);
    }
    if (!(std::isfinite(config.max_jump) && config.max_jump >= 0.0)) {
      throw_invalid_argument("price_guard", "max_jump", "must be finite and >= 0", config.max_jump);
    }
    jump_up_ = std::exp(config.max_jump);
    jump_down_ = std::exp(-config.max_jump);
  }

  /// @brief Combines several sources into an index (median filter, then the median of the
  ///        kept sources). No allocation.
  ///        More than `max_price_sources` sources: the verdict is too_few_sources with
  ///        `offered` = the count, so the caller sees why.
  [[nodiscard]] price_index combine(std::span<const double> sources) const noexcept {
    price_index index;
    if (sources.size() > max_price_sources) {
      index.offered = sources.size();
      return index;
    }
    std::array<double, max_price_sources> values{};
    std::size_t n = 0;
    for (double s : sources) {
      if (std::isfinite(s) && s > 0.0) values[n++] = s;
    }
    index.offered = n;
    if (n == 0) {
      index.verdict = sources.empty() ? price_verdict::too_few_sources : price_verdict::not_finite;
      return index;
    }
    // Insertion sort: at most max_price_sources values, so no allocation and no std::sort call.
    for (std::size_t i = 1; i < n; ++i) {
      const double v = values[i];
      std::size_t j = i;
      for (; j > 0 && values[j - 1] > v; --j) values[j] = values[j - 1];
      values[j] = v;
    }
    index.median = n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
    // The kept sources are a contiguous run of the sorted values (the filter is a band around
    // the median), so their median is the middle of that run.
    std::size_t first = n;
    for (std::size_t i = 0; i < n; ++i) {
      if (config_.max_deviation > 0.0 && std::abs(values[i] / index.median - 1.0) > config_.max_deviation) continue;
      if (first == n) first = i;
      ++index.kept;
    }
    const std::size_t k = index.kept;
    index.price = k == 0       ? index.median
                  : k % 2 == 1 ? values[first + k / 2]
                               : 0.5 * (values[first + k / 2 - 1] + values[first + k / 2]);
    index.verdict = index.kept >= config_.min_sources ? price_verdict::accepted : price_verdict::too_few_sources;
    return index;
  }

  /// @brief Checks one price against the last accepted price (NaN when there is none).
  ///        Updates the pending-jump state; `sources` is how many sources made the price.
  [[nodiscard]] price_verdict check(const price_observation& observation, double last_accepted,
                                    std::size_t sources = 1) noexcept {
    const double p = observation.price;
    if (!std::isfinite(p)) return price_verdict::not_finite;
    if (!(p > 0.0)) return price_verdict::not_positive;
    if (sources < config_.min_sources) return price_verdict::too_few_sources;
    if (config_.max_age > 0 && observation.observed_at != no_observation_time) {
      // an observation time outside the representable span has no meaningful age: stale
      if (!within_time_span(observation.observed_at) || !within_time_span(observation.time) ||
          observation.time - observation.observed_at > std::chrono::seconds{config_.max_age})
        return price_verdict::stale;
    }
    const double ref = observation.reference;
    if (config_.max_deviation > 0.0 && std::isfinite(ref) && ref > 0.0 &&
        std::abs(p / ref - 1.0) > config_.max_deviation) {
      return price_verdict::deviates;
    }
    // |ln(p / last)| > max_jump compared as a ratio against exp(+-max_jump), computed once in
    // the constructor: the check is on by default, and a log per tick is most of its cost.
    if (config_.max_jump > 0.0 && std::isfinite(last_accepted) && last_accepted > 0.0 &&
        outside_jump_band(p / last_accepted)) {
      if (state_.pending && observation.time > state_.pending_time && !outside_jump_band(p / state_.pending_price)) {
        if (observation.time - state_.pending_time >= config_.confirm_after) {
          state_ = state_type{};
          return price_verdict::accepted;  // confirmed by a later print
        }
        return price_verdict::unconfirmed_jump;  // the level holds, not yet for confirm_after
      }
      // Confirmed at once by independent sources: at least two distinct sources of this update
      // agree on the new level (within max_deviation of their median). One source never
      // confirms itself, and without the deviation filter nothing says the sources agree.
      if (sources >= 2 && config_.max_deviation > 0.0) {
        state_ = state_type{};
        return price_verdict::accepted;
      }
      state_ = state_type{true, p, observation.time};
      return price_verdict::unconfirmed_jump;
    }
    state_ = state_type{};
    return price_verdict::accepted;
  }

  [[nodiscard]] const price_guard_config& config() const noexcept { return config_; }
  [[nodiscard]] state_type state() const noexcept { return state_; }
  void restore(const state_type& saved) noexcept { state_ = saved; }

 private:
  [[nodiscard]] bool outside_jump_band(double ratio) const noexcept { return ratio > jump_up_ || ratio < jump_down_; }

  price_guard_config config_;
  double jump_up_ = 1.0;    ///< exp(max_jump)
  double jump_down_ = 1.0;  ///< exp(-max_jump)
  state_type state_{};
};

}  // namespace dynmargin
