// SPDX-License-Identifier: MIT
/// @file
/// @brief The margin function: a volatility model, a risk measure and an ordered chain of
///        margin policies, composed into the object an exchange engine calls on every tick.
///
/// `margin_function<Vol, Risk, Policies...>`:
///  - `update(time, price)` (noexcept, allocation-free after construction) passes the price
///    through the price guard (price_guard.hpp), takes the log return from the last accepted
///    price, in fractions, calls `risk.observe(r, vol)` and then `vol.update(r)` (the order
///    `streaming_risk_measure` asks for; every accepted return reaches the volatility model
///    once, also when the measure's refit fails, which `update` reports as the warning
///    `status::refit_failed`), computes the raw risk-based rate and runs the rate
///    policies in order. Prices must come in strictly increasing time: a time not later than
///    the last accepted one returns `status::invalid_argument` and changes nothing.
///  - `quote(quantity)` runs the position policies in order and returns a `margin_quote`:
///    raw, initial and maintenance rates, amounts, the binding policy and a fixed-size
///    breakdown of every policy's effect (rate policies in order, then position policies).
///  - `state()` / `restore()`: the whole per-instrument state as one regular value; a
///    restored function continues bit-identically.
///  - A whole history: `replay_quotes(function, times, prices, notional)` and
///    `replay_each(...)` in backtest/replay.hpp (the members `replay` and `replay_each` are
///    deprecated forwards to them, for one release).
///  - Market inputs of position policies: `set_open_interest` (the market's open notional,
///    saved with the state, seen as `position_context::open_interest`) and `policy<I>()`, the
///    mutable policy I of the chain, e.g. to refresh an `order_book_addon_policy`'s snapshot.
///
/// **Risk-based initial rate** (policy 1). The risk measure works on log returns in
/// fractions, at its configured confidence over its horizon (the margin period of risk, in
/// steps of the data: `parametric_risk_config::horizon_steps`). A log-return loss L becomes a
/// fraction of notional: long 1 - exp(-L), short exp(L) - 1 (a loss L of the short side is a
/// price rise of exp(L) - 1); negative results are 0. The statistic is the expected
/// shortfall (default) or the VaR. The **instrument-level raw rate is the larger of the two
/// sides** (venues publish one rate per instrument for longs and shorts; for a symmetric
/// measure the short side, exp(L) - 1, is the larger). Rate policies run on it; the quote
/// also reports the rate of the position's own side (`side_raw_rate`).
///
/// **Raw maintenance.** Before the policies the maintenance rate is
/// `maintenance_fraction * raw` (default 0.5, Binance and Hyperliquid); policies move it
/// with the initial rate (breakdown.hpp) or set it (maintenance.hpp). After every rate policy
/// maintenance = fraction * initial, with the fraction in force there (`maintenance_fraction`,
/// or the one a maintenance policy set), also when the raw rate is 0: the policies see that
/// fraction as `market_context::maintenance_fraction`. The long notional cap scales
/// maintenance with initial.
///
/// **Warm-up.** The function quotes once it holds an accepted price, the volatility model is
/// ready and the risk measure is ready. Readiness is each model's own, documented with it
/// (docs/conventions.md, "Warm-up and readiness"): EWMA after its burn-in (first squared
/// return: 76 returns at lambda 0.94, the start value then weighs <= 1%), after its warm-up
/// window, or at once with a given variance; rolling after a full window; GARCH at once (its
/// start variance comes from the fit); filtered historical simulation once its window of
/// residuals is full (residuals start after the model's burn-in), EVT once both tails are
/// fitted; historical once the tail has its minimum sample. A model without `ready()` counts
/// as ready after its first return. `min_returns` (default 1; 0 lets a model with a given
/// variance quote from the first price) is an extra floor on the returns seen. Before that
/// `quote()` returns `ready = false`, `result = status::not_enough_data` and zeros, never NaN;
/// rate policies see no warm-up steps.
///
/// **Suspect prices.** A price the guard rejects (NaN, not positive, stale, outlying, an
/// unconfirmed jump) never reaches the models: rates and the last accepted price are kept,
/// `update` returns the guard's status (`non_finite_input`, `invalid_argument` or
/// `suspect_input`), and quotes are flagged `price_suspect` until a price is accepted. The
/// notional is then sized at the higher of the accepted price and the suspect one (when the
/// latter is a positive number): the more conservative margin. A flagged quote is a signal
/// not to liquidate on that print.
///
/// **Memory.** After all rate policies ran on an update the function tells each policy that
/// remembers margins (`published_margin_observer`: the speed and release limits, a chain
/// holding one) the rates it publishes, so that their history is the margin actually charged,
/// never their own intermediate output and never a warm-up value (the policies run only once
/// the function is ready).
///
/// **Stressed volatility.** The function keeps the highest one-step volatility forecast over
/// `stressed_lookback` updates (0: the whole history) and passes it to the policies as
/// `market_context::stressed_volatility` (used by `stressed_weight_policy` with lookback 0).
///
/// References: EMIR RTS 153/2013 Arts. 24-28 (confidence, MPOR, APC).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/detail/fast_expm1.hpp"
#include "dynmargin/margin/breakdown.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/detail/rolling_window.hpp"
#include "dynmargin/margin/price_guard.hpp"
#include "dynmargin/risk/concepts.hpp"
#include "dynmargin/volatility/concepts.hpp"

namespace dynmargin {

/// @brief Which statistic of the risk measure sets the raw rate.
enum class risk_statistic : std::uint8_t { expected_shortfall, value_at_risk };

/// @brief A log-return loss L as a fraction of notional: long 1 - exp(-L), short exp(L) - 1,
///        floored at 0.
[[nodiscard]] inline double loss_to_rate(double log_loss, position_side side) noexcept {
  const double r = side == position_side::long_position ? -detail::fast_expm1(-log_loss) : detail::fast_expm1(log_loss);
  return r > 0.0 ? r : 0.0;
}

/// @brief Configuration of `margin_function` (see the file comment).
struct margin_function_config {
  risk_statistic statistic = risk_statistic::expected_shortfall;
  double maintenance_fraction = 0.5;   ///< raw maintenance = fraction * raw initial, in (0, 1]
  std::int64_t min_returns = 1;        ///< extra floor on the returns seen before the first quote, >= 0
  std::int64_t stressed_lookback = 0;  ///< updates in the stressed-volatility window; 0 = all
  price_guard_config guard{};          ///< the price guard (on by default; price_guard_config::none() turns it off)
};

/// @brief `margin_quote::binding` when a long position's requirement was capped at its
///        notional (a long cannot lose more than it is worth).
inline constexpr std::string_view long_notional_cap_name = "long_notional_cap";

/// @brief A quote: what margin a position needs now, and why.
struct margin_quote {
  status result = status::not_enough_data;  ///< ok, not_enough_data (warm-up) or non_finite_input (quantity)
  bool ready = false;                       ///< false during warm-up: every number below is 0
  timestamp_us time{};                      ///< time of the last accepted price
  double price = 0.0;                       ///< last accepted price
  double quantity = 0.0;                    ///< signed size, units of the underlying
  double notional = 0.0;                    ///< |quantity| * price (the conservative price if suspect)
  double raw_rate = 0.0;                    ///< instrument-level risk-based rate: max of the sides
  double raw_rate_long = 0.0;
  double raw_rate_short = 0.0;
  double side_raw_rate = 0.0;  ///< risk-based rate of the position's side
  double initial_rate = 0.0;   ///< initial_amount / notional after position policies (else the instrument rate)
  double maintenance_rate = 0.0;
  double initial_amount = 0.0;
  double maintenance_amount = 0.0;
  std::string_view binding = "risk";  ///< name of the last policy that changed the initial requirement
  int binding_index = -1;             ///< its index in the breakdown, -1 for "risk", effect_count for the long cap
  bool price_suspect = false;         ///< the last price offered was rejected by the guard
  /// Quoted with the current time (`quote(now, quantity)`): seconds (to the microsecond) since
  /// the last accepted price, and whether that exceeds `price_guard_config::max_staleness` (a
  /// stopped feed). 0 and false from `quote(quantity)`, which knows no "now".
  double price_age = 0.0;
  bool stale = false;
  /// The anti-procyclicality buffer in force at the last update (apc.hpp): `present` when the
  /// function has an `apc_buffer_policy`, `buffer` the margin it returned over the requirement
  /// it received, minus 1, and `stress` its stress indicator. All 0 without such a policy.
  apc_buffer_report apc{};
  std::size_t effect_count = 0;
  std::array<policy_effect, max_policy_effects> breakdown{};

  /// @brief The policy effects in execution order.
  [[nodiscard]] std::span<const policy_effect> effects() const noexcept { return {breakdown.data(), effect_count}; }
};

namespace detail {

struct no_policy_state {
  friend bool operator==(const no_policy_state&, const no_policy_state&) = default;
};
template <class P>
struct policy_state_of {
  using type = no_policy_state;
};
template <class P>
requires rate_policy<P>
struct policy_state_of<P> {
  using type = typename P::state_type;
};
template <class P>
using policy_state_t = typename policy_state_of<P>::type;

/// Defined in backtest/replay.hpp: carries the deprecated members `replay` and `replay_each`
/// to the free functions there (margin/ does not include backtest/).
template <class F>
struct replay_bridge;

}  // namespace detail

/// @brief Volatility model + risk measure + policies (see the file comment).
template <volatility_model Vol, class Risk, class... Policies>
requires streaming_risk_measure<Risk, Vol> &&(margin_policy<Policies>&&...) class margin_function {
 public:
  using config_type = margin_function_config;  ///< what the constructor takes
  using volatility_type = Vol;
  using risk_type = Risk;
  using policies_type = std::tuple<Policies...>;

  /// @brief The function's own mutable state (beside the models' and the policies').
  struct core_state {
    bool started = false;      ///< an accepted price exists
    bool ready = false;        ///< rates are computed (warm-up over)
    timestamp_us last_time{};  ///< time of the last accepted price
    double last_price = 0.0;
    std::int64_t returns = 0;  ///< returns fed to the models
    std::int64_t step = 0;     ///< updates on which the rate policies ran
    double loss_long = 0.0;    ///< risk measure's log loss of a long (the statistic used)
    double loss_short = 0.0;
    double raw = 0.0;                                            ///< instrument-level raw rate
    margin_rates rates{};                                        ///< after the rate policies
    std::array<margin_rates, max_policy_effects> stage_rates{};  ///< after each rate policy
    bool suspect = false;
    double suspect_price = 0.0;        ///< last rejected positive price (0 if none)
    std::int64_t rejected = 0;         ///< prices the guard rejected so far
    detail::rolling_maximum stressed;  ///< highest sigma over stressed_lookback (0: all)
    bool has_open_interest = false;    ///< set_open_interest was called
    double open_interest = 0.0;        ///< the market's open notional, quote currency
    typename price_guard::state_type guard{};
    friend bool operator==(const core_state&, const core_state&) = default;
  };

  /// @brief The whole per-instrument state, a regular value.
  struct state_type {
    typename Vol::state_type volatility{};
    typename Risk::state_type risk{};
    std::tuple<detail::policy_state_t<Policies>...> policies{};
    core_state core{};
    friend bool operator==(const state_type&, const state_type&) = default;
  };

  /// @throws dynmargin::invalid_argument naming maintenance_fraction, min_returns,
  ///         stressed_lookback, a guard parameter, or the number of policy effects (at most
  ///         `max_policy_effects`).
  margin_function(const margin_function_config& config, Vol vol, Risk risk, Policies... policies)
      : config_(config),
        guard_(config.guard),
        vol_(std::move(vol)),
        risk_(std::move(risk)),
        policies_(std::move(policies)...) {
    if (!(config.maintenance_fraction > 0.0 && config.maintenance_fraction <= 1.0)) {
      throw_invalid_argument("margin_function", "maintenance_fraction", "must be in (0, 1]",
                             config.maintenance_fraction);
    }
    if (config.min_returns < 0)
      throw_invalid_argument("margin_function", "min_returns", "must be >= 0", config.min_returns);
    if (config.stressed_lookback < 0 || config.stressed_lookback > 100'000'000) {
      throw_invalid_argument("margin_function", "stressed_lookback", "must be in [0, 1e8] steps",
                             config.stressed_lookback);
    }
    core_.stressed = detail::rolling_maximum(static_cast<std::size_t>(config.stressed_lookback));
    rate_effects_ = std::apply(
        [](const auto&... p) { return (std::size_t{0} + ... + stage_effects<policy_stage::rate>(p).size()); },
        policies_);
    position_effects_ = std::apply(
        [](const auto&... p) { return (std::size_t{0} + ... + stage_effects<policy_stage::position>(p).size()); },
        policies_);
    if (rate_effects_ + position_effects_ > max_policy_effects) {
      throw_invalid_argument("margin_function", "policies",
                             "must hold at most " + std::to_string(max_policy_effects) + " policies in all",
                             rate_effects_ + position_effects_);
    }
  }
  /// @brief Default configuration.
  margin_function(Vol vol, Risk risk, Policies... policies)
      : margin_function(margin_function_config{}, std::move(vol), std::move(risk), std::move(policies)...) {}

  /// @brief One price at `time`. O(1) plus the policies' cost; noexcept, no allocation.
  /// @return ok; the warning refit_failed when the risk measure's due refit failed (the price
  ///         and its return were absorbed by both models, rates recomputed with the previous
  ///         tails); suspect_input, non_finite_input or invalid_argument from the guard (rates
  ///         kept, quotes flagged); invalid_argument with no change for a time out of order;
  ///         domain_error if the risk measure gave a non-finite loss (rates kept).
  ///         Times are microseconds: several prices within one second are accepted in order.
  status update(timestamp_us time, double price) noexcept { return update(price_observation{time, price}); }
  /// @brief One price at `time` in epoch seconds (the same as `update(to_timestamp_us(time), price)`).
  status update(timestamp time, double price) noexcept {
    timestamp_us t{};
    if (!try_to_timestamp_us(time, t)) return status::invalid_argument;
    return update(price_observation{t, price});
  }

  /// @brief One price with its observation time and an optional reference (see price_guard.hpp).
  status update(const price_observation& observation) noexcept {
    if (!within_time_span(observation.time)) return status::invalid_argument;
    if (core_.started && observation.time <= core_.last_time) return status::invalid_argument;
    const price_verdict verdict = guard_.check(observation, core_.started ? core_.last_price : nan_, 1);
    return accept(observation, verdict);
  }

  /// @brief Several sources' prices at `time`, combined into an index by the guard (median
  ///        filter at `max_deviation`, then the median of the kept; at least `min_sources`).
  status update(timestamp_us time, std::span<const double> sources) noexcept {
    if (!within_time_span(time)) return status::invalid_argument;
    if (core_.started && time <= core_.last_time) return status::invalid_argument;
    const price_index index = guard_.combine(sources);
    const price_observation observation{time, index.verdict == price_verdict::accepted ? index.price : index.median,
                                        no_observation_time, nan_};
    if (index.verdict != price_verdict::accepted) return accept(observation, index.verdict);
    const price_verdict verdict = guard_.check(observation, core_.started ? core_.last_price : nan_, index.kept);
    return accept(observation, verdict);
  }

  /// @brief Several sources' prices at `time` in epoch seconds.
  status update(timestamp time, std::span<const double> sources) noexcept {
    timestamp_us t{};
    if (!try_to_timestamp_us(time, t)) return status::invalid_argument;
    return update(t, sources);
  }

  /// @brief Sets the market's open notional (open interest * oracle price, quote currency),
  ///        which position policies read as `position_context::open_interest` (dYdX-style
  ///        scaling, open_interest.hpp). Part of the saved state.
  /// @return `status::non_finite_input` or `status::invalid_argument` (negative), state unchanged.
  status set_open_interest(double open_notional) noexcept {
    if (!std::isfinite(open_notional)) return status::non_finite_input;
    if (open_notional < 0.0) return status::invalid_argument;
    core_.has_open_interest = true;
    core_.open_interest = open_notional;
    return status::ok;
  }
  /// @brief The open notional last set, if any.
  [[nodiscard]] std::optional<double> open_interest() const noexcept {
    return core_.has_open_interest ? std::optional<double>(core_.open_interest) : std::nullopt;
  }
  /// @brief Time of the last accepted price, if any (a later update must come after it).
  [[nodiscard]] std::optional<timestamp_us> last_time() const noexcept {
    return core_.started ? std::optional<timestamp_us>(core_.last_time) : std::nullopt;
  }

  /// @brief Margin for a signed position of `quantity` units. noexcept, no allocation.
  [[nodiscard]] margin_quote quote(double quantity) const noexcept {
    margin_quote q;
    q.quantity = quantity;
    if (!core_.ready) return q;
    if (!std::isfinite(quantity)) {
      q.result = status::non_finite_input;
      return q;
    }
    q.ready = true;
    q.result = status::ok;
    q.time = core_.last_time;
    q.price = core_.last_price;
    q.price_suspect = core_.suspect;
    const double sized_price = core_.suspect && core_.suspect_price > core_.last_price ? core_.suspect_price
                                                                                       : core_.last_price;
    q.notional = std::abs(quantity) * sized_price;
    q.raw_rate = core_.raw;
    q.raw_rate_long = loss_to_rate(core_.loss_long, position_side::long_position);
    q.raw_rate_short = loss_to_rate(core_.loss_short, position_side::short_position);
    q.side_raw_rate = quantity < 0.0 ? q.raw_rate_short : q.raw_rate_long;
    std::apply([&](const auto&... p) { ((q.apc = apc_buffer_report_after(p, q.apc)), ...); }, policies_);

    // Rate stage: effects recorded at the last update.
    q.effect_count = rate_effects_ + position_effects_;
    margin_rates before{core_.raw, config_.maintenance_fraction * core_.raw};
    std::size_t k = 0;
    std::apply(
        [&](const auto&... p) {
          for_each_effect_name<policy_stage::rate>([&](std::string_view name) { record_rate(q, k++, name, before); },
                                                   p...);
        },
        policies_);

    // Position stage, on amounts.
    const margin_rates rates = core_.rates;
    margin_amounts amounts{rates.initial * q.notional, rates.maintenance * q.notional};
    const margin_amounts base_amounts = amounts;
    const position_context context{core_.last_time, sized_price, quantity,
                                   q.notional,      rates,       core_.has_open_interest ? core_.open_interest : nan_};
    auto record = [&](std::string_view name, margin_amounts before_policy, margin_amounts after_policy) {
      record_position(q, k++, name, before_policy, after_policy);
    };
    std::apply(
        [&](const auto&... p) {
          ((amounts = stage_effects<policy_stage::position>(p).apply(context, amounts, record)), ...);
        },
        policies_);

    // A long position can lose at most its notional, so no requirement above 100% of it is
    // ever needed: the instrument rate is the larger side's (a short's exp(L) - 1 exceeds 1
    // after a crash), and without this cap a long would be asked for more than it can lose.
    // Maintenance is scaled with it, so the maintenance / initial ratio is kept (a maintenance
    // equal to the capped initial would put the unleveraged long at its liquidation threshold).
    bool long_capped = false;
    if (quantity >= 0.0 && q.notional > 0.0 && amounts.initial > q.notional) {
      amounts.maintenance *= q.notional / amounts.initial;
      amounts.initial = q.notional;
      long_capped = true;
    }
    q.initial_amount = amounts.initial;
    q.maintenance_amount = amounts.maintenance;
    // Rates: the instrument rates exactly unless a position policy or the cap changed the amounts.
    if (q.notional > 0.0 && !(amounts == base_amounts)) {
      q.initial_rate = amounts.initial / q.notional;
      q.maintenance_rate = amounts.maintenance / q.notional;
    } else {
      q.initial_rate = rates.initial;
      q.maintenance_rate = rates.maintenance;
    }
    for (std::size_t i = 0; i < q.effect_count; ++i) {
      if (q.breakdown[i].binding) {
        q.binding = q.breakdown[i].name;
        q.binding_index = static_cast<int>(i);
      }
    }
    if (long_capped) {
      q.binding = long_notional_cap_name;
      q.binding_index = static_cast<int>(q.effect_count);  // after every policy in the breakdown
    }
    return q;
  }

  /// @brief `quote(quantity)` at the current time `now`: also says how old the last accepted
  ///        price is and flags the quote `stale` when that exceeds
  ///        `price_guard_config::max_staleness` (when set). noexcept, no allocation. A `now`
  ///        outside the representable span (`within_time_span`) counts as stale.
  [[nodiscard]] margin_quote quote(timestamp_us now, double quantity) const noexcept {
    margin_quote q = quote(quantity);
    if (!core_.started) return q;
    if (!within_time_span(now)) {
      q.price_age = std::numeric_limits<double>::infinity();
      q.stale = true;
      return q;
    }
    q.price_age = seconds_between(core_.last_time, now);
    q.stale = config_.guard.max_staleness > 0 &&
              now - core_.last_time > std::chrono::seconds{config_.guard.max_staleness};
    return q;
  }
  /// @brief `quote(now, quantity)` with `now` in epoch seconds.
  [[nodiscard]] margin_quote quote(timestamp now, double quantity) const noexcept {
    timestamp_us t{};
    if (!try_to_timestamp_us(now, t)) t = timestamp_us::max();  // out of span: reported stale
    return quote(t, quantity);
  }

  /// @brief `quote` for a signed notional (quantity = notional / price).
  [[nodiscard]] margin_quote quote_notional(double signed_notional) const noexcept {
    if (!core_.ready || !(core_.last_price > 0.0)) return quote(0.0);
    const double sized_price = core_.suspect && core_.suspect_price > core_.last_price ? core_.suspect_price
                                                                                       : core_.last_price;
    return quote(signed_notional / sized_price);
  }

  /// @brief Deprecated: `dynmargin::replay_each(function, times, prices, notional, visitor)`
  ///        (dynmargin/backtest/replay.hpp, which must be included to call this).
  template <class Visitor>
  [[deprecated("use dynmargin::replay_each(function, ...) from dynmargin/backtest/replay.hpp")]] void replay_each(
      std::span<const timestamp> times, std::span<const double> prices, double notional, Visitor&& visitor) {
    detail::replay_bridge<margin_function>::each(*this, times, prices, notional, std::forward<Visitor>(visitor));
  }
  /// @brief Deprecated: `dynmargin::replay_quotes(function, times, prices, notional)`, which
  ///        returns a `backtest_path` (dynmargin/backtest/replay.hpp, which must be included).
  template <class Function = margin_function>
  [[deprecated("use dynmargin::replay_quotes(function, ...) from dynmargin/backtest/replay.hpp")]] [[nodiscard]] auto
  replay(std::span<const timestamp> times, std::span<const double> prices, double notional = 1.0) {
    return detail::replay_bridge<Function>::path(*this, times, prices, notional);
  }

  /// @brief Names of the breakdown entries, in order (rate policies, then position policies).
  [[nodiscard]] std::vector<std::string_view> effect_names() const {
    std::vector<std::string_view> names;
    names.reserve(effect_count());
    auto add = [&](std::string_view name) { names.push_back(name); };
    std::apply([&](const auto&... p) { for_each_effect_name<policy_stage::rate>(add, p...); }, policies_);
    std::apply([&](const auto&... p) { for_each_effect_name<policy_stage::position>(add, p...); }, policies_);
    return names;
  }

  /// @brief The whole state (copies the policies' windows: allocates).
  [[nodiscard]] state_type state() const {
    return state_type{
        vol_.state(), risk_.state(),
        std::apply([](const auto&... p) { return std::tuple<detail::policy_state_t<Policies>...>{state_of(p)...}; },
                   policies_),
        core_with_guard()};
  }
  /// @brief Restores a state saved from a function with the same configuration.
  /// @throws dynmargin::invalid_argument naming the part whose configuration differs (a window,
  ///         a lookback, a policy type); the function is then as it was before the call.
  void restore(const state_type& saved) {
    const state_type before = state();
    try {
      restore_parts(saved);
    } catch (...) {
      restore_parts(before);  // the function's own state: cannot be refused
      throw;
    }
  }

  [[nodiscard]] bool ready() const noexcept { return core_.ready; }
  [[nodiscard]] margin_rates rates() const noexcept { return core_.rates; }
  [[nodiscard]] double raw_rate() const noexcept { return core_.raw; }
  [[nodiscard]] bool price_suspect() const noexcept { return core_.suspect; }
  [[nodiscard]] std::int64_t steps() const noexcept { return core_.step; }
  [[nodiscard]] std::size_t effect_count() const noexcept { return rate_effects_ + position_effects_; }
  [[nodiscard]] const Vol& volatility() const noexcept { return vol_; }
  [[nodiscard]] const Risk& risk() const noexcept { return risk_; }
  [[nodiscard]] const policies_type& policies() const noexcept { return policies_; }
  /// @brief Policy `I` of the chain (in constructor order), mutable: the route by which an
  ///        engine feeds a position policy its market inputs between quotes, e.g.
  ///        `fn.policy<2>().update_book(bids, asks)` for an `order_book_addon_policy`. Changing a
  ///        rate policy's parameters mid-stream is the caller's decision; its state stays in
  ///        `state()`.
  template <std::size_t I>
  [[nodiscard]] auto& policy() noexcept {
    return std::get<I>(policies_);
  }
  template <std::size_t I>
  [[nodiscard]] const auto& policy() const noexcept {
    return std::get<I>(policies_);
  }
  [[nodiscard]] const margin_function_config& config() const noexcept { return config_; }

 private:
  static constexpr double nan_ = std::numeric_limits<double>::quiet_NaN();

  template <class P>
  static detail::policy_state_t<P> state_of(const P& p) {
    if constexpr (rate_policy<P>) return p.state();
    else return {};
  }
  void restore_parts(const state_type& saved) {
    vol_.restore(saved.volatility);
    risk_.restore(saved.risk);
    restore_policies(saved.policies, std::index_sequence_for<Policies...>{});
    core_ = saved.core;
    guard_.restore(saved.core.guard);
  }
  template <std::size_t... I>
  void restore_policies(const std::tuple<detail::policy_state_t<Policies>...>& saved, std::index_sequence<I...>) {
    auto one = [](auto& p, const auto& s) {
      if constexpr (rate_policy<std::remove_cvref_t<decltype(p)>>) p.restore(s);
      else (void)s;
    };
    (one(std::get<I>(policies_), std::get<I>(saved)), ...);
  }
  [[nodiscard]] core_state core_with_guard() const {
    core_state c = core_;
    c.guard = guard_.state();
    return c;
  }

  [[nodiscard]] bool volatility_ready() const noexcept {
    if constexpr (requires(const Vol& v) {
                    { v.ready() } -> std::convertible_to<bool>;
                  }) {
      return vol_.ready() && vol_.observations() >= config_.min_returns;
    } else {
      return vol_.observations() >= std::max<std::int64_t>(config_.min_returns, 1);
    }
  }

  [[nodiscard]] bool risk_ready() const noexcept {
    if constexpr (requires(const Risk& m) {
                    { m.ready() } -> std::convertible_to<bool>;
                  }) {
      return risk_.ready();
    } else {
      return true;
    }
  }

  status accept(const price_observation& observation, price_verdict verdict) noexcept {
    if (verdict != price_verdict::accepted) {
      core_.suspect = true;
      ++core_.rejected;
      if (std::isfinite(observation.price) && observation.price > 0.0) core_.suspect_price = observation.price;
      return to_status(verdict);
    }
    const double price = observation.price;
    status warning = status::ok;
    if (core_.started) {
      const double r = std::log(price / core_.last_price);
      // Every return reaches the volatility model exactly once, whatever the measure made of
      // it: not_enough_data (the measure skipped a return it cannot use yet, e.g. before the
      // model is warm) and the warning refit_failed (residual kept, previous tails in use) are
      // not errors. An error from observe (a non-finite r) leaves both models unchanged.
      const status observed = risk_.observe(r, vol_);
      if (observed != status::not_enough_data && is_error(observed)) return observed;
      if (is_warning(observed)) warning = observed;
      const status s = vol_.update(r);
      if (s != status::ok) return s;
      ++core_.returns;
    }
    core_.started = true;
    core_.last_time = observation.time;
    core_.last_price = price;
    core_.suspect = false;
    core_.suspect_price = 0.0;
    if (!volatility_ready() || !risk_ready()) return warning;
    const status s = recompute(observation.time, price);
    return s == status::ok ? warning : s;
  }

  status recompute(timestamp_us time, double price) noexcept {
    const risk_estimate long_estimate = risk_.estimate(vol_, position_side::long_position);
    const risk_estimate short_estimate = risk_.estimate(vol_, position_side::short_position);
    const bool es = config_.statistic == risk_statistic::expected_shortfall;
    const double loss_long = es ? long_estimate.es : long_estimate.var;
    const double loss_short = es ? short_estimate.es : short_estimate.var;
    // exp(x) - 1 >= exp(y) - 1 >= 1 - exp(-y) for x >= y: when the short loss is the larger,
    // the short rate is the instrument rate and the long one is left to quote time.
    const double raw_short = loss_to_rate(loss_short, position_side::short_position);
    double raw = raw_short;
    double raw_log_loss = loss_short > 0.0 ? loss_short : 0.0;  // ln(1 + raw_short)
    if (!(loss_short >= loss_long)) {
      const double raw_long = loss_to_rate(loss_long, position_side::long_position);
      if (raw_long > raw_short) {
        raw = raw_long;
        raw_log_loss = std::log1p(raw_long);
      }
    }
    const double sigma = std::sqrt(static_cast<double>(vol_.variance()));
    if (!std::isfinite(raw) || !std::isfinite(sigma)) return status::domain_error;
    core_.stressed.push(sigma);
    market_context context{time,  price,        core_.step + 1,
                           raw,   sigma,        core_.stressed.value(),
                           false, raw_log_loss, config_.maintenance_fraction};
    margin_rates rates{raw, config_.maintenance_fraction * raw};
    std::size_t k = 0;
    auto run = [&](auto& p) {
      const auto effects = stage_effects<policy_stage::rate>(p);
      rates = effects.update(context, rates, core_.stage_rates.data() + k);
      k += effects.size();
      context.maintenance_fraction = maintenance_fraction_after(p, context.maintenance_fraction);
    };
    std::apply([&](auto&... p) { (run(p), ...); }, policies_);
    // The policies that remember margins remember this one, the published (speed_limit.hpp).
    std::apply([&](auto&... p) { (observe_published(p, rates), ...); }, policies_);
    core_.step += 1;
    core_.loss_long = loss_long;
    core_.loss_short = loss_short;
    core_.raw = raw;
    core_.rates = rates;
    core_.ready = true;
    return status::ok;
  }

  void record_rate(margin_quote& q, std::size_t k, std::string_view name, margin_rates& before) const noexcept {
    const margin_rates after = core_.stage_rates[k];
    q.breakdown[k] = policy_effect{name,
                                   k,
                                   policy_stage::rate,
                                   before.initial,
                                   after.initial,
                                   before.maintenance,
                                   after.maintenance,
                                   after.initial != before.initial};
    before = after;
  }
  static void record_position(margin_quote& q, std::size_t k, std::string_view name, margin_amounts before,
                              margin_amounts after) noexcept {
    const double n = q.notional;
    auto as_rate = [n](double amount) { return n > 0.0 ? amount / n : 0.0; };
    q.breakdown[k] = policy_effect{name,
                                   k,
                                   policy_stage::position,
                                   as_rate(before.initial),
                                   as_rate(after.initial),
                                   as_rate(before.maintenance),
                                   as_rate(after.maintenance),
                                   after.initial != before.initial};
  }

  margin_function_config config_;
  price_guard guard_;
  Vol vol_;
  Risk risk_;
  policies_type policies_;
  core_state core_{};
  std::size_t rate_effects_ = 0;
  std::size_t position_effects_ = 0;
};

}  // namespace dynmargin
