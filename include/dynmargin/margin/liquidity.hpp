// SPDX-License-Identifier: MIT
/// @file
/// @brief Liquidity add-ons: the cost of closing a position, charged on top of the risk-based
///        margin. Three forms: a half-spread, a depth curve, and an order-book snapshot.
///
/// Sources: CME SPAN 2 "liquidity risk" and ICE "liquidity risk charge" (half the bid/ask
/// spread times the position, scaled up for size), Eurex Prisma and LCH liquidity add-ons
/// (Eurex Prisma and LCH SwapClear methodology documents): a position that must be closed out pays the spread and walks
/// the book, and that cost is lost to the defaulter's margin before the market risk is.
///
///  - `half_spread_addon_policy`: add-on = half_spread * notional (half_spread as a fraction of mid).
///  - `depth_curve_addon_policy`: add-on rate = half_spread + k * (size / depth)^alpha, a smooth
///    impact curve (alpha = 0.5 is the square-root law, alpha = 1 a linear book).
///  - `order_book_addon_policy`: the exact cost of walking a snapshot of the book against mid:
///    a long closes by selling into the bids, a short by buying the asks,
///    cost = sum_i q_i * |p_i - mid| over the levels consumed, mid = (best bid + best ask) / 2.
///    **Thin book**: the part of the position the book cannot absorb is charged
///    `max(worst level's distance from mid, thin_book_rate * mid)` per unit; the default
///    thin_book_rate = 1 charges the unfilled part at its whole notional (assumes it is lost),
///    the conservative choice. `close_out` reports `complete = false` so the caller can see
///    the book was too thin. With no book set, the whole position is unfilled and `mid` is
///    the context's price.
///
/// The add-on is charged to the initial margin and, times `maintenance_share` (default 1:
/// the close-out cost is paid at liquidation, when maintenance is what is left), to the
/// maintenance margin. The combine rule defaults to `add`.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/position_common.hpp"

namespace dynmargin {

// ---------------------------------------------------------------------------------------
// Half-spread
// ---------------------------------------------------------------------------------------

/// @brief Configuration of `half_spread_addon_policy`.
struct half_spread_addon_policy_config {
  double half_spread = 0.0;        ///< half the bid/ask spread as a fraction of mid, in [0, 1]
  double maintenance_share = 1.0;  ///< share charged to maintenance, in [0, 1]
  combine_rule combine = combine_rule::add;
};

/// @brief Half-spread times notional; a `position_policy`.
class half_spread_addon_policy {
 public:
  using model_concept = position_policy_tag;
  using config_type = half_spread_addon_policy_config;  ///< what the constructor takes

  /// @throws dynmargin::invalid_argument naming half_spread or maintenance_share when outside [0, 1].
  explicit half_spread_addon_policy(const half_spread_addon_policy_config& config) : config_(config) {
    detail::require_unit_interval("liquidity", "half_spread", config.half_spread);
    detail::require_unit_interval("liquidity", "maintenance_share", config.maintenance_share);
  }
  explicit half_spread_addon_policy(double half_spread)
      : half_spread_addon_policy(half_spread_addon_policy_config{half_spread}) {}

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "liquidity";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }

  [[nodiscard]] margin_amounts apply(const position_context& context, margin_amounts in) const noexcept {
    const double notional = context.notional;
    if (!(std::isfinite(notional) && notional >= 0.0)) return in;
    const double addon = notional * config_.half_spread;
    return detail::combine_amounts(config_.combine, in, {addon, addon * config_.maintenance_share});
  }

  [[nodiscard]] const half_spread_addon_policy_config& config() const noexcept { return config_; }

 private:
  half_spread_addon_policy_config config_;
};

// ---------------------------------------------------------------------------------------
// Depth curve
// ---------------------------------------------------------------------------------------

/// @brief Configuration of `depth_curve_addon_policy`: rate = half_spread + k * (size / depth)^alpha.
struct depth_curve_addon_policy_config {
  double half_spread = 0.0;  ///< spread part, in [0, 1]
  double coefficient = 0.0;  ///< k (>= 0): the impact rate when size = depth
  double exponent = 0.5;     ///< alpha, in (0, 2]
  double depth = 0.0;        ///< the depth scale (> 0) in the units of `measure`
  size_measure measure = size_measure::quantity;
  double maintenance_share = 1.0;
  rate max_rate{1.0};  ///< cap on the add-on rate, in (0, 1]
  combine_rule combine = combine_rule::add;
};

/// @brief Smooth depth-curve close-out cost; a `position_policy`.
class depth_curve_addon_policy {
 public:
  using model_concept = position_policy_tag;
  using config_type = depth_curve_addon_policy_config;  ///< what the constructor takes

  /// @throws dynmargin::invalid_argument naming the field and value when outside its range.
  explicit depth_curve_addon_policy(const depth_curve_addon_policy_config& config) : config_(config) {
    detail::require_unit_interval("depth_curve", "half_spread", config.half_spread);
    detail::require_finite_non_negative("depth_curve", "coefficient", config.coefficient);
    if (!(config.exponent > 0.0 && config.exponent <= 2.0)) {
      throw_invalid_argument("depth_curve", "exponent", "must be in (0, 2]", config.exponent);
    }
    detail::require_finite_positive("depth_curve", "depth", config.depth);
    detail::require_unit_interval("depth_curve", "maintenance_share", config.maintenance_share);
    if (!(config.max_rate.value() > 0.0 && config.max_rate.value() <= 1.0)) {
      throw_invalid_argument("depth_curve", "max_rate", "must be in (0, 1]", config.max_rate.value());
    }
  }

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "depth_curve";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }

  /// @brief The close-out cost as a rate of notional for a size.
  [[nodiscard]] double cost_rate(double size) const noexcept {
    return std::min(config_.half_spread + config_.coefficient * std::pow(size / config_.depth, config_.exponent),
                    config_.max_rate.value());
  }

  [[nodiscard]] margin_amounts apply(const position_context& context, margin_amounts in) const noexcept {
    const double size = detail::position_size(context, config_.measure);
    if (std::isnan(size) || !(std::isfinite(context.notional) && context.notional >= 0.0)) return in;
    const double addon = context.notional * cost_rate(size);
    return detail::combine_amounts(config_.combine, in, {addon, addon * config_.maintenance_share});
  }

  [[nodiscard]] const depth_curve_addon_policy_config& config() const noexcept { return config_; }

 private:
  depth_curve_addon_policy_config config_;
};

// ---------------------------------------------------------------------------------------
// Order-book snapshot
// ---------------------------------------------------------------------------------------

/// @brief One price level of a book side.
struct book_level {
  double price = 0.0;  ///< > 0
  double size = 0.0;   ///< > 0, in units of the underlying
  friend bool operator==(const book_level&, const book_level&) = default;
};

/// @brief The result of walking the book to close a position.
struct close_out_cost {
  double cost = 0.0;      ///< total cost against mid, quote currency, >= 0
  double filled = 0.0;    ///< quantity the book absorbed
  double unfilled = 0.0;  ///< quantity beyond the book (charged by the thin-book rule)
  double mid = 0.0;       ///< the mid price used
  bool complete = true;   ///< false when the book was too thin for the position
  friend bool operator==(const close_out_cost&, const close_out_cost&) = default;
};

/// @brief Configuration of `order_book_addon_policy`.
struct order_book_addon_policy_config {
  double thin_book_rate = 1.0;     ///< per-unit charge beyond the book as a fraction of mid, in [0, 1]
  double maintenance_share = 1.0;  ///< share charged to maintenance, in [0, 1]
  std::size_t max_levels = 256;    ///< capacity per side reserved at construction (>= 1)
  combine_rule combine = combine_rule::add;
};

/// @brief Close-out cost from an order-book snapshot; a `position_policy`.
///
/// The snapshot is market state that the engine refreshes with `update_book` (noexcept and
/// allocation-free: capacity for `max_levels` per side is reserved at construction).
class order_book_addon_policy {
 public:
  using model_concept = position_policy_tag;
  using config_type = order_book_addon_policy_config;  ///< what the constructor takes

  /// @throws dynmargin::invalid_argument naming the field and value when out of range.
  explicit order_book_addon_policy(const order_book_addon_policy_config& config = {}) : config_(config) {
    detail::require_unit_interval("order_book", "thin_book_rate", config.thin_book_rate);
    detail::require_unit_interval("order_book", "maintenance_share", config.maintenance_share);
    if (config.max_levels < 1)
      throw_invalid_argument("order_book", "max_levels", "must be at least 1", config.max_levels);
    bids_.reserve(config.max_levels);
    asks_.reserve(config.max_levels);
  }

  /// @brief Constructs with a first snapshot.
  /// @throws dynmargin::invalid_argument naming the side, level and field of a bad level.
  order_book_addon_policy(const order_book_addon_policy_config& config, std::span<const book_level> bids,
                          std::span<const book_level> asks)
      : order_book_addon_policy(config) {
    check_side(bids, true);
    check_side(asks, false);
    if (bids.size() > config_.max_levels || asks.size() > config_.max_levels) {
      throw_invalid_argument("order_book", "levels",
                             "must not exceed max_levels (" + detail::format_value(config_.max_levels) + ")",
                             std::max(bids.size(), asks.size()));
    }
    if (!bids.empty() && !asks.empty() && !(bids.front().price < asks.front().price)) {
      throw_invalid_argument("order_book", "bids[0].price",
                             "must be below asks[0].price (" + detail::format_value(asks.front().price) + ")",
                             bids.front().price);
    }
    bids_.assign(bids.begin(), bids.end());
    asks_.assign(asks.begin(), asks.end());
  }

  /// @brief Copies keep the reserved capacity, so that `update_book` on a copy stays
  ///        allocation-free.
  order_book_addon_policy(const order_book_addon_policy& other) : config_(other.config_) {
    bids_.reserve(config_.max_levels);
    asks_.reserve(config_.max_levels);
    bids_.assign(other.bids_.begin(), other.bids_.end());
    asks_.assign(other.asks_.begin(), other.asks_.end());
  }
  order_book_addon_policy& operator=(const order_book_addon_policy& other) {
    if (this != &other) {
      config_ = other.config_;
      bids_.reserve(config_.max_levels);
      asks_.reserve(config_.max_levels);
      bids_.assign(other.bids_.begin(), other.bids_.end());
      asks_.assign(other.asks_.begin(), other.asks_.end());
    }
    return *this;
  }
  order_book_addon_policy(order_book_addon_policy&&) noexcept = default;
  order_book_addon_policy& operator=(order_book_addon_policy&&) noexcept = default;
  ~order_book_addon_policy() = default;

  /// The policy's kind: its name in quotes and its "type" in a run-time config.

  static constexpr std::string_view kind = "order_book";

  [[nodiscard]] std::string_view name() const noexcept { return kind; }

  /// @brief Replaces the snapshot. Bids best first (strictly falling prices), asks best first
  ///        (strictly rising), positive finite prices and sizes, best bid below best ask.
  /// @return `status::non_finite_input` for a NaN or infinite field, `status::invalid_argument`
  ///         for any other violation or more than `max_levels` per side; the old snapshot is
  ///         kept on any error.
  status update_book(std::span<const book_level> bids, std::span<const book_level> asks) noexcept {
    if (bids.size() > config_.max_levels || asks.size() > config_.max_levels) return status::invalid_argument;
    if (const status s = side_status(bids, true); s != status::ok) return s;
    if (const status s = side_status(asks, false); s != status::ok) return s;
    if (!bids.empty() && !asks.empty() && !(bids.front().price < asks.front().price)) return status::invalid_argument;
    bids_.assign(bids.begin(), bids.end());  // within reserved capacity: no allocation
    asks_.assign(asks.begin(), asks.end());
    return status::ok;
  }

  [[nodiscard]] std::span<const book_level> bids() const noexcept { return bids_; }
  [[nodiscard]] std::span<const book_level> asks() const noexcept { return asks_; }

  /// @brief Mid price of the snapshot, or `fallback` when a side is empty.
  [[nodiscard]] double mid(double fallback) const noexcept {
    if (bids_.empty() || asks_.empty()) return fallback;
    return 0.5 * (bids_.front().price + asks_.front().price);
  }

  /// @brief Cost of closing a signed quantity against mid (long: sell into bids; short: buy asks).
  /// @param fallback_mid mid used when a side is empty (the context price at quote time).
  [[nodiscard]] close_out_cost close_out(double quantity, double fallback_mid) const noexcept {
    close_out_cost out;
    out.mid = mid(fallback_mid);
    double remaining = std::fabs(quantity);
    if (remaining == 0.0) return out;
    const bool sell = quantity > 0.0;
    const std::vector<book_level>& side = sell ? bids_ : asks_;
    double worst_distance = 0.0;
    if (!bids_.empty() && !asks_.empty()) {
      for (const book_level& level : side) {
        if (remaining <= 0.0) break;
        const double take = std::min(remaining, level.size);
        const double distance = sell ? out.mid - level.price : level.price - out.mid;
        out.cost += take * distance;
        out.filled += take;
        remaining -= take;
        worst_distance = distance;
      }
    }
    if (remaining > 0.0) {
      out.unfilled = remaining;
      out.complete = false;
      out.cost += remaining * std::max(worst_distance, config_.thin_book_rate * out.mid);
    }
    return out;
  }

  [[nodiscard]] margin_amounts apply(const position_context& context, margin_amounts in) const noexcept {
    if (!(std::isfinite(context.quantity) && std::isfinite(context.price) && context.price > 0.0)) return in;
    const double addon = close_out(context.quantity, context.price).cost;
    return detail::combine_amounts(config_.combine, in, {addon, addon * config_.maintenance_share});
  }

  [[nodiscard]] const order_book_addon_policy_config& config() const noexcept { return config_; }

 private:
  static status side_status(std::span<const book_level> side, bool falling) noexcept {
    for (std::size_t i = 0; i < side.size(); ++i) {
      const book_level& level = side[i];
      if (!std::isfinite(level.price) || !std::isfinite(level.size)) return status::non_finite_input;
      if (!(level.price > 0.0 && level.size > 0.0)) return status::invalid_argument;
      if (i > 0 && !(falling ? level.price < side[i - 1].price : level.price > side[i - 1].price)) {
        return status::invalid_argument;
      }
    }
    return status::ok;
  }

  static void check_side(std::span<const book_level> side, bool falling) {
    const std::string name = falling ? "bids" : "asks";
    for (std::size_t i = 0; i < side.size(); ++i) {
      const std::string at = name + "[" + std::to_string(i) + "]";
      if (!(std::isfinite(side[i].price) && side[i].price > 0.0)) {
        throw_invalid_argument("order_book", at + ".price", "must be finite and > 0", side[i].price);
      }
      if (!(std::isfinite(side[i].size) && side[i].size > 0.0)) {
        throw_invalid_argument("order_book", at + ".size", "must be finite and > 0", side[i].size);
      }
      if (i > 0 && !(falling ? side[i].price < side[i - 1].price : side[i].price > side[i - 1].price)) {
        throw_invalid_argument("order_book", at + ".price",
                               std::string(falling ? "must be below " : "must be above ") + name + "[" +
                                   std::to_string(i - 1) + "].price (" + detail::format_value(side[i - 1].price) + ")",
                               side[i].price);
      }
    }
  }

  order_book_addon_policy_config config_;
  std::vector<book_level> bids_;
  std::vector<book_level> asks_;
};

// Deprecated spellings of the 0.2 renames (names that agree), removed in 0.3.0.
using half_spread_addon [[deprecated("use half_spread_addon_policy")]] = half_spread_addon_policy;
using depth_curve_addon [[deprecated("use depth_curve_addon_policy")]] = depth_curve_addon_policy;
using order_book_addon [[deprecated("use order_book_addon_policy")]] = order_book_addon_policy;
using half_spread_config [[deprecated("use half_spread_addon_policy_config")]] = half_spread_addon_policy_config;
using depth_curve_config [[deprecated("use depth_curve_addon_policy_config")]] = depth_curve_addon_policy_config;
using order_book_config [[deprecated("use order_book_addon_policy_config")]] = order_book_addon_policy_config;
// End of deprecated spellings.

}  // namespace dynmargin
