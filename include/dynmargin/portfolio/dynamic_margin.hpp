// SPDX-License-Identifier: MIT
/// @file
/// @brief A portfolio margin that moves with the market under each underlying's own margin
///        function: its volatility state, anti-procyclicality tools, speed limit and price guard.
///
/// The joint scenario engines (portfolio/joint_scenarios.hpp) price a book against one fixed
/// set of moves. A venue also runs, per underlying, a margin function
/// (margin/margin_function.hpp) whose rate follows the market and which its policies hold
/// back or push up: an APC buffer or floor, a speed limit, a price guard. This class ties the
/// two together. The joint scenarios give the shape: tails, co-movements, options revalued in
/// full. Each underlying's margin function gives the level.
///
/// Calibration. Scenario s moves underlying u by the log return k_u z(s, u), z the
/// standardised scenarios (a devolatilised joint history or unit-variance draws). k_u is set
/// so that the scenario margin of one unit of notional in u alone, on the side it charges more,
/// equals the initial rate of u's margin function:
///     max( M(1 - exp(k z_u)), M(exp(k z_u) - 1) ) = initial rate of u,
/// M the rule's measure (expected shortfall, VaR or weighted worst) over the scenarios. So a
/// lone linear position is charged what its own margin function charges, with every policy
/// that binds on that function. A book adds netting across instruments and underlyings (the
/// joint rows) and the full revaluation of options. When the function's floor, buffer or speed
/// limit moves its rate, the portfolio margin moves with it.
/// k_u is found by bisection on log k to 1e-13 relative: the rate grows with k.
///
/// Maintenance: each underlying's maintenance / initial ratio from its function. Margined
/// jointly, the account's maintenance is its initial margin times the largest ratio among the
/// underlyings it holds (for one underlying, exactly the function's ratio). Margined by
/// underlying, each group keeps its own ratio.
///
/// Implied volatility moves in each scenario as in filtered historical simulation: the
/// reaction of an EWMA (`iv_lambda`) to the standardised move z, times `iv_sensitivity`.
///
/// Cost: `update` is the margin function's update (noexcept, allocation-free). `refresh`
/// recalibrates every k_u and revalues every instrument in every scenario (N x instruments
/// prices, Black-76 for options). It allocates and is meant for each margin cycle, not each
/// tick. Calibration selects each side's tail once (for VaR and ES the tail does not depend on
/// k), then bisects over the tail alone: 8 us for 1,000 scenarios; a whole refresh of 3
/// underlyings x 1,000 scenarios x 50 instruments takes about 1 ms (benchmarks/README.md).
/// `quote` is one matrix-vector product and a tail selection.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/margin_function.hpp"
#include "dynmargin/portfolio/account.hpp"
#include "dynmargin/portfolio/instrument.hpp"
#include "dynmargin/portfolio/joint_scenarios.hpp"
#include "dynmargin/portfolio/revaluation.hpp"
#include "dynmargin/portfolio/scenario_margin.hpp"
#include "dynmargin/portfolio/scenarios.hpp"

namespace dynmargin {

/// @brief What `dynamic_portfolio_margin` needs of a per-underlying margin function: every
///        `margin_function<...>` is one.
template <class F>
concept underlying_margin_source = requires(F f, const F cf, timestamp_us t, double x) {
  { f.update(t, x) } -> std::same_as<status>;
  { cf.ready() } -> std::convertible_to<bool>;
  { cf.rates() } -> std::same_as<margin_rates>;
  { cf.raw_rate() } -> std::convertible_to<double>;
  { cf.price_suspect() } -> std::convertible_to<bool>;
  { cf.steps() } -> std::convertible_to<std::int64_t>;
  { cf.quote(x) } -> std::same_as<margin_quote>;
};

/// @brief Settings of `dynamic_portfolio_margin`.
struct dynamic_portfolio_settings {
  /// The measure over the scenarios; the default is a 99% expected shortfall.
  scenario_margin_rule rule{scenario_measure::expected_shortfall, 0.99};
  /// false: the book is margined jointly over the scenarios (netting across underlyings);
  /// true: each underlying in its own worst scenarios and the margins added up.
  bool by_underlying = false;
  double iv_lambda = 0.94;      ///< the EWMA whose reaction to a move z moves implied volatility
  double iv_sensitivity = 1.0;  ///< 0: implied volatilities do not move
};

/// @brief The margin function of one underlying, as the portfolio used it at the last refresh.
struct underlying_margin_report {
  std::string_view underlying;  ///< its name
  double initial_rate = 0.0;    ///< the function's initial rate (after its policies)
  double maintenance_rate = 0.0;
  double raw_rate = 0.0;  ///< the function's risk-based rate before its policies
  double scale = 0.0;     ///< k: the log move of a one-sigma scenario row
  bool price_suspect = false;
  /// The function's quote of one unit, with its policy breakdown: `quote.binding` names the
  /// policy that sets the rate ("risk" when none does).
  margin_quote quote{};
};

/// @brief An account's dynamic portfolio margin, and why. The names are views into the
///        portfolio's storage and the policies' names: valid while the portfolio lives.
struct dynamic_portfolio_quote {
  double initial = 0.0;
  double maintenance = 0.0;
  scenario_margin_result scenario;      ///< binding scenario and its loss (by underlying: the largest group's)
  std::string_view binding_scenario;    ///< its name
  std::string_view binding_underlying;  ///< by underlying: the group that binds; jointly: the
                                        ///< underlying whose positions lose most in the binding scenario
  std::string_view binding_policy;      ///< that underlying's binding policy ("risk": none binds)
  bool price_suspect = false;           ///< a held underlying's last price was rejected by its guard
  std::vector<underlying_margin_report> underlyings;  ///< every underlying, in order
};

/// @brief A cross-margin account quoted with the dynamic margin: the account's side (equity,
///        collateral after haircuts, add-ons, margin ratio) and the portfolio's (scenario,
///        underlying and policy that bind, each function's breakdown).
struct dynamic_account_quote {
  account_quote account;              ///< initial = dynamic initial + add-ons; maintenance likewise
  dynamic_portfolio_quote portfolio;  ///< empty `underlyings` when the net positions are all 0
};

/// @brief The scale k with max(M(1 - e^{k z}), M(e^{k z} - 1)) = `rate` (see the file comment).
/// @param z one underlying's standardised moves, one per scenario
/// @throws dynmargin::invalid_argument naming `underlying` and the rate: a rate that is not
///         finite and >= 0, or one the scenarios cannot reach (no scenario moves u in the
///         direction that could lose that much).
[[nodiscard]] inline double calibrate_scenario_scale(const Eigen::Ref<const Eigen::VectorXd>& z,
                                                     const Eigen::VectorXd& weight, const scenario_margin_rule& rule,
                                                     double rate, std::string_view underlying) {
  constexpr std::string_view component = "dynamic portfolio margin";
  if (!(std::isfinite(rate) && rate >= 0.0))
    throw_invalid_argument(component, "initial rate of " + std::string(underlying), "must be finite and >= 0", rate);
  const auto n = static_cast<std::size_t>(z.size());
  check_scenario_margin_rule(rule, n, weight.size());
  if (rate == 0.0) return 0.0;
  std::vector<double> loss(n);
  std::vector<std::size_t> order(n);
  // VaR and ES: for k > 0 a side's loss is monotone in z (long: 1 - e^{k z} falls as z rises;
  // short: e^{k z} - 1 rises), so its tail is the same scenarios, in the same order, whatever k:
  // they are selected once, on -z and on z, and each trial k sums the tail alone (the same
  // sum, in the same order, as margin_of_losses over all N). The weighted worst weighs each
  // loss, so its order may change with k: it is evaluated over all N.
  const bool tail_only = rule.measure != scenario_measure::weighted_worst;
  const std::size_t tail = tail_only ? tail_count(n, rule.confidence) : n;
  std::array<std::vector<std::size_t>, 2> tails;  // long, short
  if (tail_only) {
    for (std::size_t side = 0; side < 2; ++side) {
      const double sign = side == 0 ? -1.0 : 1.0;
      for (std::size_t s = 0; s < n; ++s) loss[s] = sign * z(static_cast<Eigen::Index>(s));
      std::iota(order.begin(), order.end(), std::size_t{0});
      detail::largest_losses(loss, tail, order);
      tails[side].assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(tail));
    }
  }
  const auto charged = [&](double k) {
    double worst = 0.0;
    for (std::size_t side = 0; side < 2; ++side) {
      const double sign = side == 0 ? -1.0 : 1.0;  // long: 1 - e^{k z}; short: e^{k z} - 1
      const auto loss_at = [&](std::size_t s) { return sign * std::expm1(k * z(static_cast<Eigen::Index>(s))); };
      double margin = 0.0;
      if (rule.measure == scenario_measure::value_at_risk) {
        margin = std::max(loss_at(tails[side][tail - 1]), 0.0);
      } else if (rule.measure == scenario_measure::expected_shortfall) {
        double sum = 0.0;
        for (const std::size_t s : tails[side]) sum += loss_at(s);
        margin = std::max(sum / static_cast<double>(tail), 0.0);
      } else {
        for (std::size_t s = 0; s < n; ++s) loss[s] = loss_at(s);
        margin = margin_of_losses(loss, weight, rule, order).margin;
      }
      worst = std::max(worst, margin);
    }
    return worst;
  };
  const double largest = z.cwiseAbs().maxCoeff();
  if (!(largest > 0.0))
    throw_invalid_argument(component, "scenarios of " + std::string(underlying),
                           "must move the underlying (every standardised move is 0) to charge a rate of", rate);
  // The linear approximation (rate ~ k M(z)) starts the bracket; k z stays below 700 (exp).
  const double k_max = 700.0 / largest;
  double high = std::min(rate / std::max(charged(1.0 / largest) * largest, 1e-300), k_max);
  double low = 0.0;
  while (charged(high) < rate) {
    low = high;
    if (high >= k_max)
      throw_invalid_argument(component, "initial rate of " + std::string(underlying),
                             "is more than any scaling of its scenarios can charge", rate);
    high = std::min(2.0 * high, k_max);
  }
  for (int i = 0; i < 200 && high - low > 1e-13 * high; ++i) {
    const double middle = low > 0.0 ? std::sqrt(low * high) : 0.5 * high;
    (charged(middle) < rate ? low : high) = middle;
  }
  return high;
}

/// @brief A portfolio margin fed by one margin function per underlying (see the file comment).
/// @tparam MarginFunction a `margin_function<...>` (the same type for every underlying; the
///         run-time engine's type when they differ)
template <underlying_margin_source MarginFunction>
class dynamic_portfolio_margin {
 public:
  /// @param underlyings their names, in the order of the scenarios' columns and of
  ///        `instrument::underlying`
  /// @param functions one margin function per underlying
  /// @param instruments the contracts an account may hold (columns of the P&L matrix)
  /// @param scenarios standardised joint scenarios, one column per underlying
  /// @throws dynmargin::invalid_argument naming the parameter: counts that differ, an
  ///         instrument on an underlying out of range, a non-finite standardised move, a
  ///         weight outside [0, 1], settings out of range.
  dynamic_portfolio_margin(std::vector<std::string> underlyings, std::vector<MarginFunction> functions,
                           std::vector<instrument> instruments, standardised_scenarios scenarios,
                           const dynamic_portfolio_settings& settings = {})
      : names_(std::move(underlyings)),
        functions_(std::move(functions)),
        instruments_(std::move(instruments)),
        standardised_(std::move(scenarios)),
        settings_(settings) {
    constexpr std::string_view component = "dynamic portfolio margin";
    const auto count = static_cast<Eigen::Index>(names_.size());
    if (names_.empty()) throw_invalid_argument(component, "underlyings", "must name at least one", 0);
    if (functions_.size() != names_.size())
      throw_invalid_argument(component, "functions",
                             "must hold one margin function per underlying (" + std::to_string(names_.size()) + ")",
                             functions_.size());
    if (standardised_.z.cols() != count)
      throw_invalid_argument(component, "scenario columns",
                             "must equal the number of underlyings (" + std::to_string(names_.size()) + ")",
                             standardised_.z.cols());
    if (standardised_.names.empty() ||
        static_cast<Eigen::Index>(standardised_.names.size()) != standardised_.z.rows() ||
        standardised_.weight.size() != standardised_.z.rows())
      throw_invalid_argument(component, "scenarios", "must hold names, rows and weights of one (non-zero) count",
                             std::to_string(standardised_.names.size()) + "/" + std::to_string(standardised_.z.rows()) +
                                 "/" + std::to_string(standardised_.weight.size()));
    for (Eigen::Index s = 0; s < standardised_.z.rows(); ++s) {
      const std::string& name = standardised_.names[static_cast<std::size_t>(s)];
      if (!(standardised_.weight(s) >= 0.0 && standardised_.weight(s) <= 1.0))
        throw_invalid_argument(component, "weight of scenario \"" + name + "\"", "must be in [0, 1]",
                               standardised_.weight(s));
      for (Eigen::Index u = 0; u < count; ++u)
        if (!std::isfinite(standardised_.z(s, u)))
          throw_invalid_argument(component,
                                 "standardised move of " + names_[static_cast<std::size_t>(u)] + " in scenario \"" +
                                     name + "\"",
                                 "must be finite", standardised_.z(s, u));
    }
    check_scenario_margin_rule(settings_.rule, standardised_.names.size(), standardised_.weight.size());
    const decay_factor lambda(settings_.iv_lambda, component, "iv_lambda");
    if (!(std::isfinite(settings_.iv_sensitivity) && settings_.iv_sensitivity >= 0.0))
      throw_invalid_argument(component, "iv_sensitivity", "must be finite and >= 0", settings_.iv_sensitivity);
    for (const instrument& terms : instruments_)
      if (terms.underlying >= names_.size())
        throw_invalid_argument(terms.name, "underlying",
                               "must index one of the " + std::to_string(names_.size()) + " underlyings",
                               terms.underlying);
    group_of_.reserve(instruments_.size());
    for (const instrument& terms : instruments_) group_of_.push_back(terms.underlying);
    // The implied-volatility shocks depend on z alone, so they are set once.
    scenarios_.names = standardised_.names;
    scenarios_.weight = standardised_.weight;
    scenarios_.rule = {volatility_shock_rule::mode::relative, 0.0, 0.0, 30.0, 30.0, 1.0};
    scenarios_.volatility_shock = standardised_.z.unaryExpr(
        [&](double z) { return detail::ewma_volatility_reaction(z, lambda.value(), settings_.iv_sensitivity); });
    scenarios_.price_return = Eigen::MatrixXd::Zero(standardised_.z.rows(), count);
    reports_.resize(names_.size());
    for (std::size_t u = 0; u < names_.size(); ++u) reports_[u].underlying = names_[u];
  }

  /// @brief One price of underlying `u` for its margin function (guard, volatility, policies).
  ///        noexcept, no allocation; invalid_argument for an index out of range.
  status update(std::size_t u, timestamp_us time, double price) noexcept {
    if (u >= functions_.size()) return status::invalid_argument;
    return functions_[u].update(time, price);
  }

  /// @brief Every underlying's margin function is past its warm-up.
  [[nodiscard]] bool ready() const noexcept {
    return std::all_of(functions_.begin(), functions_.end(), [](const MarginFunction& f) { return f.ready(); });
  }

  /// @brief Recalibrates each underlying's scale to its function's rate now and revalues every
  ///        instrument in every scenario at the caller's marks.
  /// @param states one mark (forward, implied volatility) per instrument
  /// @throws dynmargin::invalid_argument naming the underlying or the instrument: a function
  ///         still in its warm-up (with its steps), a rate the scenarios cannot reach, and what
  ///         `scenario_pnl` refuses (an expired option, a volatility <= 0, ...).
  void refresh(timestamp_us now, std::span<const instrument_state> states) {
    for (std::size_t u = 0; u < functions_.size(); ++u) {
      const MarginFunction& f = functions_[u];
      if (!f.ready())
        throw_invalid_argument("dynamic portfolio margin", "margin function of " + names_[u],
                               "is in its warm-up (no rate yet) after steps", f.steps());
      const margin_rates rates = f.rates();
      const auto column = static_cast<Eigen::Index>(u);
      const double k = calibrate_scenario_scale(standardised_.z.col(column), standardised_.weight, settings_.rule,
                                                rates.initial, names_[u]);
      scenarios_.price_return.col(
          column) = (k * standardised_.z.col(column)).unaryExpr([](double x) { return std::expm1(x); });
      underlying_margin_report& report = reports_[u];
      report.initial_rate = rates.initial;
      report.maintenance_rate = rates.maintenance;
      report.raw_rate = f.raw_rate();
      report.scale = k;
      report.price_suspect = f.price_suspect();
      report.quote = f.quote(1.0);
    }
    pnl_ = scenario_pnl(instruments_, states, now, scenarios_);
    refreshed_ = true;
  }

  /// @brief The margin of one account's positions (contracts per instrument).
  /// @throws dynmargin::invalid_argument naming the parameter or the instrument: no refresh
  ///         yet, a count that differs from the instruments', a non-finite position, an account
  ///         with no position at all.
  [[nodiscard]] dynamic_portfolio_quote quote(const Eigen::VectorXd& positions) const {
    constexpr std::string_view component = "dynamic portfolio margin";
    if (!refreshed_) throw_invalid_argument(component, "refresh", "must run before the first quote", "never");
    if (positions.size() != static_cast<Eigen::Index>(instruments_.size()))
      throw_invalid_argument(component, "positions",
                             "must hold one per instrument (" + std::to_string(instruments_.size()) + ")",
                             positions.size());
    for (Eigen::Index i = 0; i < positions.size(); ++i)
      if (!std::isfinite(positions(i)))
        throw_invalid_argument(component, "position in " + instruments_[static_cast<std::size_t>(i)].name,
                               "must be finite", positions(i));
    if (positions.isZero(0.0))
      throw_invalid_argument(component, "positions", "must hold at least one non-zero position", 0);

    dynamic_portfolio_quote q;
    q.underlyings = reports_;
    std::vector<bool> held(names_.size(), false);
    for (Eigen::Index i = 0; i < positions.size(); ++i)
      if (positions(i) != 0.0) held[group_of_[static_cast<std::size_t>(i)]] = true;
    const auto ratio = [&](std::size_t u) {
      const underlying_margin_report& r = reports_[u];
      return r.initial_rate > 0.0 ? r.maintenance_rate / r.initial_rate : 1.0;
    };
    std::size_t binding = 0;
    if (settings_.by_underlying) {
      const grouped_scenario_margin grouped = portfolio_margin_by_group(pnl_, positions, scenarios_.weight,
                                                                        settings_.rule, group_of_, names_.size());
      q.scenario = grouped.total;
      q.initial = grouped.total.margin;
      for (std::size_t u = 0; u < names_.size(); ++u) q.maintenance += grouped.groups[u].margin * ratio(u);
      binding = grouped.binding_group;
    } else {
      q.scenario = portfolio_margin(pnl_, positions, scenarios_.weight, settings_.rule);
      q.initial = q.scenario.margin;
      double largest_ratio = 0.0;
      for (std::size_t u = 0; u < names_.size(); ++u)
        if (held[u]) largest_ratio = std::max(largest_ratio, ratio(u));
      q.maintenance = q.initial * largest_ratio;
      // The underlying whose positions lose most in the binding scenario.
      std::vector<double> loss(names_.size(), 0.0);
      const auto row = static_cast<Eigen::Index>(q.scenario.binding_scenario);
      for (Eigen::Index i = 0; i < positions.size(); ++i)
        loss[group_of_[static_cast<std::size_t>(i)]] -= pnl_(row, i) * positions(i);
      binding = static_cast<std::size_t>(std::max_element(loss.begin(), loss.end()) - loss.begin());
    }
    q.binding_scenario = scenarios_.names[q.scenario.binding_scenario];
    q.binding_underlying = names_[binding];
    q.binding_policy = reports_[binding].quote.binding;
    for (std::size_t u = 0; u < names_.size(); ++u)
      q.price_suspect = q.price_suspect || (held[u] && reports_[u].price_suspect);
    return q;
  }

  /// @brief A cross-margin account (portfolio/account.hpp) with the dynamic margin as its
  ///        scenario margin: its net positions are quoted with `quote`, the maintenance keeps
  ///        the dynamic maintenance / initial ratio, and the per-position add-ons (tiers,
  ///        liquidity, open interest) come on top. Net positions that are all 0 (offsetting
  ///        trades) have no scenario margin.
  /// @param states the marks of every instrument (the unrealised P&L)
  /// @param collateral_prices USD per unit, one per collateral asset
  /// @param add_ons one per position, or empty
  /// @throws as `quote` and account.hpp's `quote_account`, naming the account.
  [[nodiscard]] dynamic_account_quote quote_account(const cross_account& account,
                                                    std::span<const instrument_state> states,
                                                    std::span<const double> collateral_prices, timestamp_us now,
                                                    std::span<const margin_amounts> add_ons = {}) const {
    const account_market market{instruments_, states, collateral_prices, now};
    const Eigen::VectorXd net = net_positions(account, instruments_.size());
    dynamic_account_quote out;
    scenario_margin_result margin;
    std::string binding_name;
    double fraction = 0.0;
    if (!net.isZero(0.0)) {
      out.portfolio = quote(net);
      margin = out.portfolio.scenario;
      margin.margin = out.portfolio.initial;
      binding_name.append(out.portfolio.binding_underlying).append(": ").append(out.portfolio.binding_scenario);
      fraction = out.portfolio.initial > 0.0 ? out.portfolio.maintenance / out.portfolio.initial : 0.0;
    }
    out.account = dynmargin::quote_account(account, market, margin, binding_name, add_ons, std::min(fraction, 1.0));
    return out;
  }

  [[nodiscard]] MarginFunction& function(std::size_t u) { return functions_.at(u); }
  [[nodiscard]] const MarginFunction& function(std::size_t u) const { return functions_.at(u); }
  [[nodiscard]] std::span<const std::string> underlyings() const noexcept { return names_; }
  [[nodiscard]] std::span<const instrument> instruments() const noexcept { return instruments_; }
  /// @brief The scenarios at the last refresh (moves scaled to each function's rate).
  [[nodiscard]] const scenario_set& scenarios() const noexcept { return scenarios_; }
  /// @brief The P&L of one contract of each instrument in each scenario at the last refresh.
  [[nodiscard]] const Eigen::MatrixXd& pnl() const noexcept { return pnl_; }
  [[nodiscard]] std::span<const underlying_margin_report> reports() const noexcept { return reports_; }
  [[nodiscard]] const dynamic_portfolio_settings& settings() const noexcept { return settings_; }

 private:
  std::vector<std::string> names_;
  std::vector<MarginFunction> functions_;
  std::vector<instrument> instruments_;
  std::vector<std::size_t> group_of_;
  standardised_scenarios standardised_;
  dynamic_portfolio_settings settings_;
  scenario_set scenarios_;
  Eigen::MatrixXd pnl_;
  std::vector<underlying_margin_report> reports_;
  bool refreshed_ = false;
};

}  // namespace dynmargin
