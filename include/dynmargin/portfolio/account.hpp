// SPDX-License-Identifier: MIT
/// @file
/// @brief Accounts of many positions and many collateral assets: the cross-margin quote
///        (collateral after haircuts, unrealised P&L, equity, initial and maintenance margin
///        from the portfolio engine plus per-position add-ons, margin ratio, free collateral),
///        the same positions margined one by one (isolated mode) beside it, and Binance's
///        USDⓈ-M cross-margin liquidation price of one position given the rest of the account.
///
/// **Collateral.** Each asset holds `amount` units valued at the caller's price; its value after
/// the haircut is amount x price x LT, with LT the liquidation threshold of
/// margin/collateral.hpp's `collateral_parameters` (LT = 1 - haircut in that header's
/// risk-based construction; the sum is `collateral_account::liquidation_value`).
///
/// **Unrealised P&L** of a position of q contracts, in USD, at the instrument's mark (its
/// `instrument_state::forward`):
///  - linear future: q x size x (mark - entry);
///  - inverse future (face `size` USD): q x size x (1/entry - 1/mark) coins, worth
///    q x size x (mark/entry - 1) USD at the mark;
///  - option (USD-settled): q x size x (V - entry), entry the premium paid per unit of the
///    underlying in USD;
///  - inverse option (coin-settled): q x size x (V/F - entry) coins, entry the coin premium per
///    unit, worth q x size x (V - entry x F) USD.
/// V is the Black-76 value on the instrument's state (forward, implied volatility, time to
/// expiry from `now`, r = 0): the same base value portfolio/revaluation.hpp revalues from, so
/// the quote and the scenario P&L matrix agree.
///
/// **Margin** (this library's combination, in the manner of Paradex and Hyperliquid portfolio
/// margin, where maintenance is a fixed fraction, 0.5, of the initial requirement):
///   initial     = scenario margin + sum of the add-ons' initial parts,
///   maintenance = maintenance_fraction x scenario margin + sum of the add-ons' maintenance parts,
///   equity = collateral after haircuts + unrealised P&L,
///   margin ratio = maintenance / equity (+infinity when equity <= 0), free = equity - initial.
/// The scenario margin is `portfolio_margin` of the account's net position per instrument
/// (portfolio/scenario_margin.hpp), or a `scenario_margin_result` the caller computed. The
/// add-ons (size tiers, liquidity, open interest: margin/tiers.hpp and its neighbours) come
/// from the caller as one `margin_amounts` per position.
///
/// **Isolated mode**: each position's own scenario margin and add-on against the collateral
/// allocated to it; the isolated scenario margins add up to at least the cross one for a
/// sub-additive measure, and the difference is the netting benefit.
///
/// **Binance cross-margin liquidation price** (Binance FAQ, "How to Calculate Liquidation
/// Price of USDⓈ-M Futures Contracts", 2020-08-14, cross margin mode):
///
///   LP = (WB - TMM1 + UPNL1 + cumB + cumL + cumS - Side_B x Pos_B x EP_B - Pos_L x EP_L + Pos_S x EP_S)
///        / (Pos_B x MMR_B + Pos_L x MMR_L + Pos_S x MMR_S - Side_B x Pos_B - Pos_L + Pos_S)
///
/// with WB the cross wallet balance, TMM1 and UPNL1 the maintenance margin and unrealised P&L
/// of every other contract (held fixed), cum the maintenance amount of the position's bracket
/// ("Maintenance Margin = Notional x MMR - cum"), B the one-way position, L and S the hedge-mode
/// legs. With signed quantities q (side x size) every leg contributes cum - q EP above and
/// |q| MMR - q below, which is the form used here. It is the root of
/// WB + UPNL1 + sum q (P - EP) = TMM1 + sum (|q| P MMR - cum): equity equals the total
/// maintenance margin. In isolated mode (TMM1 = UPNL1 = 0) it is margin/account.hpp's
/// `liquidation_price`. With a bracket table the bracket at the liquidation price is used
/// ("substitute ... the maintenance margin rate and the maintenance amount of the position
/// level [at the liquidation price]"), solved bracket by bracket as in margin/account.hpp.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "dynmargin/core/error.hpp"
#include "dynmargin/core/types.hpp"
#include "dynmargin/margin/collateral.hpp"
#include "dynmargin/margin/concepts.hpp"
#include "dynmargin/margin/tiers.hpp"
#include "dynmargin/options/black76.hpp"
#include "dynmargin/portfolio/instrument.hpp"
#include "dynmargin/portfolio/scenario_margin.hpp"
#include "dynmargin/portfolio/scenarios.hpp"

namespace dynmargin {

/// @brief One position of an account.
struct account_position {
  std::size_t instrument = 0;  ///< index into the market's instruments
  double quantity = 0.0;       ///< signed number of contracts (+ long, - short), finite
  /// Entry price (> 0): the average entry of a future; the premium paid per unit of the
  /// underlying of an option (USD; coins for an inverse option). See the file comment.
  double entry_price = 0.0;
  friend bool operator==(const account_position&, const account_position&) = default;
};

/// @brief One collateral asset of an account.
struct collateral_asset {
  std::string name;     ///< e.g. "USDT", "BTC"
  double amount = 0.0;  ///< units held, finite and >= 0
  /// LTV, LT and bonus of margin/collateral.hpp; the value after the haircut is
  /// amount x price x LT. Default: no haircut (LT = LTV = 1).
  collateral_parameters parameters{1.0, 1.0, 0.0};
};

/// @brief The market an account is quoted in (views: the caller keeps the data alive).
struct account_market {
  std::span<const instrument> instruments;
  std::span<const instrument_state> states;   ///< one per instrument
  std::span<const double> collateral_prices;  ///< USD per unit, one per collateral asset
  timestamp_us now{};                         ///< valuation time (options' time to expiry)
};

/// @brief Settings of a quote.
struct account_settings {
  scenario_margin_rule rule{};        ///< how the scenario P&L vector becomes a margin
  double maintenance_fraction = 0.5;  ///< maintenance = this x scenario margin + add-ons (in [0, 1])
};

/// @brief A cross-margin account: positions in several instruments and collateral in several
///        assets, one wallet for all of them.
class cross_account {
 public:
  /// @throws dynmargin::invalid_argument naming the account, the position or asset and the
  ///         value: no position, a non-finite quantity, an entry price that is not finite and
  ///         positive, a negative or non-finite amount, collateral parameters
  ///         margin/collateral.hpp's `validate` refuses.
  cross_account(std::string name, std::vector<account_position> positions, std::vector<collateral_asset> collateral)
      : name_(std::move(name)), positions_(std::move(positions)), collateral_(std::move(collateral)) {
    const std::string component = "account " + name_;
    if (positions_.empty()) throw_invalid_argument(component, "positions", "must hold at least one position", "none");
    for (std::size_t p = 0; p < positions_.size(); ++p) {
      const account_position& position = positions_[p];
      const std::string where = "position " + std::to_string(p) + " (instrument " +
                                std::to_string(position.instrument) + ")";
      if (!std::isfinite(position.quantity))
        throw_invalid_argument(component, where + " quantity", "must be finite", position.quantity);
      if (!(std::isfinite(position.entry_price) && position.entry_price > 0.0))
        throw_invalid_argument(component, where + " entry_price", "must be finite and > 0", position.entry_price);
    }
    for (std::size_t c = 0; c < collateral_.size(); ++c) {
      const collateral_asset& asset = collateral_[c];
      const std::string where = "collateral " + (asset.name.empty() ? std::to_string(c) : asset.name);
      if (!(std::isfinite(asset.amount) && asset.amount >= 0.0))
        throw_invalid_argument(component, where + " amount", "must be finite and >= 0", asset.amount);
      std::string named = component;
      named.append(" ").append(where);
      validate(asset.parameters, named);
    }
  }

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::span<const account_position> positions() const noexcept { return positions_; }
  [[nodiscard]] std::span<const collateral_asset> collateral() const noexcept { return collateral_; }

 private:
  std::string name_;
  std::vector<account_position> positions_;
  std::vector<collateral_asset> collateral_;
};

/// @brief The state of an account: its equity against its margin, and where the margin comes from.
struct account_quote {
  double collateral_value = 0.0;          ///< sum amount x price, before haircuts
  double collateral_after_haircut = 0.0;  ///< sum amount x price x LT
  std::vector<double> position_pnl;       ///< unrealised P&L per position, USD
  double unrealised_pnl = 0.0;            ///< their sum
  double equity = 0.0;                    ///< collateral after haircut + unrealised P&L
  double scenario_margin = 0.0;           ///< the portfolio engine's margin (>= 0)
  double add_on_initial = 0.0;            ///< sum of the add-ons' initial parts
  double add_on_maintenance = 0.0;        ///< sum of the add-ons' maintenance parts
  double initial_margin = 0.0;            ///< scenario margin + add_on_initial
  double maintenance_margin = 0.0;        ///< maintenance_fraction x scenario margin + add_on_maintenance
  double margin_ratio = 0.0;              ///< maintenance / equity; +infinity when equity <= 0
  double free_collateral = 0.0;           ///< equity - initial (negative: below initial)
  std::size_t binding_scenario = 0;       ///< index of the scenario that binds
  std::string binding_scenario_name;      ///< its name ("" when the caller gave none)
  double worst_loss = 0.0;                ///< the binding scenario's unweighted loss
  std::vector<margin_amounts> add_ons;    ///< the add-ons as given, one per position (zeros if none)
};

/// @brief One position margined on its own, against the collateral allocated to it.
struct isolated_position_quote {
  std::size_t position = 0;           ///< index in the account's positions
  double allocated_collateral = 0.0;  ///< USD after haircut
  double unrealised_pnl = 0.0;
  double equity = 0.0;  ///< allocated collateral + unrealised P&L
  double scenario_margin = 0.0;
  double initial_margin = 0.0;
  double maintenance_margin = 0.0;
  double margin_ratio = 0.0;  ///< +infinity when equity <= 0
  double free_collateral = 0.0;
  std::size_t binding_scenario = 0;
  std::string binding_scenario_name;
};

/// @brief The same account in cross and in isolated mode.
struct cross_isolated_comparison {
  account_quote cross;
  std::vector<isolated_position_quote> isolated;  ///< one per position, in order
  double isolated_scenario_margin = 0.0;          ///< sum of the isolated scenario margins
  double isolated_initial_margin = 0.0;           ///< sum of the isolated initial margins
  double isolated_maintenance_margin = 0.0;       ///< sum of the isolated maintenance margins
  /// isolated_scenario_margin - cross.scenario_margin (>= 0 for a sub-additive measure such as
  /// a grid's weighted worst loss or expected shortfall).
  double netting_benefit = 0.0;
};

namespace detail {

[[nodiscard]] inline std::string account_component(const cross_account& account) { return "account " + account.name(); }

[[nodiscard]] inline double ratio_of(double maintenance, double equity) noexcept {
  return equity > 0.0 ? maintenance / equity : std::numeric_limits<double>::infinity();
}

// Checks the market against the account: one state per instrument, one price per asset, every
// position's instrument present and valid at `now`.
inline void check_account_market(const cross_account& account, const account_market& market) {
  const std::string component = account_component(account);
  if (market.states.size() != market.instruments.size())
    throw_invalid_argument(component, "states",
                           "must hold one state per instrument (" + std::to_string(market.instruments.size()) + ")",
                           market.states.size());
  if (market.collateral_prices.size() != account.collateral().size())
    throw_invalid_argument(component, "collateral_prices",
                           "must hold one price per collateral asset (" + std::to_string(account.collateral().size()) +
                               ")",
                           market.collateral_prices.size());
  for (std::size_t c = 0; c < market.collateral_prices.size(); ++c) {
    const double price = market.collateral_prices[c];
    if (!(std::isfinite(price) && price > 0.0))
      throw_invalid_argument(component, "price of collateral " + account.collateral()[c].name, "must be finite and > 0",
                             price);
  }
  for (std::size_t p = 0; p < account.positions().size(); ++p) {
    const std::size_t i = account.positions()[p].instrument;
    if (i >= market.instruments.size())
      throw_invalid_argument(
          component, "position " + std::to_string(p) + " instrument",
          "must index one of the market's " + std::to_string(market.instruments.size()) + " instruments", i);
  }
}

}  // namespace detail

/// @brief Collateral value before (first) and after (second) haircuts, USD.
/// @throws dynmargin::invalid_argument when the prices do not match the assets or a price is
///         not finite and positive (naming the account and the asset).
[[nodiscard]] inline std::pair<double, double> collateral_values(const cross_account& account,
                                                                 std::span<const double> prices) {
  if (prices.size() != account.collateral().size())
    throw_invalid_argument(detail::account_component(account), "collateral_prices",
                           "must hold one price per collateral asset (" + std::to_string(account.collateral().size()) +
                               ")",
                           prices.size());
  std::vector<collateral_holding> holdings;
  holdings.reserve(prices.size());
  for (std::size_t c = 0; c < prices.size(); ++c) {
    const collateral_asset& asset = account.collateral()[c];
    if (!(std::isfinite(prices[c]) && prices[c] > 0.0))
      throw_invalid_argument(detail::account_component(account), "price of collateral " + asset.name,
                             "must be finite and > 0", prices[c]);
    holdings.push_back({asset.amount * prices[c], asset.parameters});
  }
  const collateral_account valued(std::move(holdings));
  return {valued.total_value(), valued.liquidation_value()};
}

/// @brief Unrealised P&L of every position at the market's marks, USD (see the file comment).
/// @throws dynmargin::invalid_argument naming the account or instrument and the value: a
///         position's instrument out of range, what `check_instrument` refuses.
[[nodiscard]] inline std::vector<double> unrealised_pnl(const cross_account& account, const account_market& market) {
  detail::check_account_market(account, market);
  std::vector<double> out;
  out.reserve(account.positions().size());
  for (const account_position& position : account.positions()) {
    const instrument& terms = market.instruments[position.instrument];
    const instrument_state& state = market.states[position.instrument];
    const double years = check_instrument(terms, state, market.now);
    const double scale = position.quantity * terms.contract_size;
    const double mark = state.forward;
    const double entry = position.entry_price;
    double pnl = 0.0;
    switch (terms.kind) {
      case instrument_kind::linear_future: pnl = scale * (mark - entry); break;
      case instrument_kind::inverse_future: pnl = scale * (mark / entry - 1.0); break;
      case instrument_kind::option:
      case instrument_kind::inverse_option: {
        const double value = black76_price_unchecked({terms.type, mark, terms.strike, state.volatility, years, 0.0});
        pnl = terms.kind == instrument_kind::option ? scale * (value - entry) : scale * (value - entry * mark);
        break;
      }
    }
    out.push_back(pnl);
  }
  return out;
}

/// @brief The account's net position per instrument (positions in one instrument added up).
/// @throws dynmargin::invalid_argument when a position's instrument is not below `instruments`.
[[nodiscard]] inline Eigen::VectorXd net_positions(const cross_account& account, std::size_t instruments) {
  Eigen::VectorXd q = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(instruments));
  for (std::size_t p = 0; p < account.positions().size(); ++p) {
    const account_position& position = account.positions()[p];
    if (position.instrument >= instruments)
      throw_invalid_argument(detail::account_component(account), "position " + std::to_string(p) + " instrument",
                             "must index one of the " + std::to_string(instruments) + " instruments",
                             position.instrument);
    q(static_cast<Eigen::Index>(position.instrument)) += position.quantity;
  }
  return q;
}

namespace detail {

inline void check_add_ons(const cross_account& account, std::span<const margin_amounts> add_ons) {
  const std::string component = account_component(account);
  if (!add_ons.empty() && add_ons.size() != account.positions().size())
    throw_invalid_argument(
        component, "add_ons",
        "must be empty or hold one per position (" + std::to_string(account.positions().size()) + ")", add_ons.size());
  for (std::size_t p = 0; p < add_ons.size(); ++p) {
    const std::string where = "add-on of position " + std::to_string(p);
    if (!(std::isfinite(add_ons[p].initial) && add_ons[p].initial >= 0.0))
      throw_invalid_argument(component, where + " initial", "must be finite and >= 0", add_ons[p].initial);
    if (!(std::isfinite(add_ons[p].maintenance) && add_ons[p].maintenance >= 0.0))
      throw_invalid_argument(component, where + " maintenance", "must be finite and >= 0", add_ons[p].maintenance);
  }
}

inline void check_maintenance_fraction(const cross_account& account, double fraction) {
  if (!(fraction >= 0.0 && fraction <= 1.0))
    throw_invalid_argument(account_component(account), "maintenance_fraction", "must be in [0, 1]", fraction);
}

inline void check_pnl_matrix(const cross_account& account, const account_market& market, const Eigen::MatrixXd& pnl,
                             const scenario_set& scenarios) {
  const std::string component = account_component(account);
  if (pnl.cols() != static_cast<Eigen::Index>(market.instruments.size()))
    throw_invalid_argument(component, "scenario P&L columns",
                           "must equal the market's instruments (" + std::to_string(market.instruments.size()) + ")",
                           pnl.cols());
  if (pnl.rows() != static_cast<Eigen::Index>(scenarios.size()))
    throw_invalid_argument(component, "scenario P&L rows",
                           "must equal the scenarios (" + std::to_string(scenarios.size()) + ")", pnl.rows());
}

}  // namespace detail

/// @brief The cross-margin quote of an account from a scenario margin the caller computed.
/// @param margin the portfolio engine's result for the account's net positions
/// @param binding_name the name of `margin.binding_scenario` (may be empty)
/// @param add_ons one per position (initial and maintenance parts, USD, >= 0), or empty
/// @param maintenance_fraction in [0, 1] (Paradex, Hyperliquid: 0.5)
/// @throws dynmargin::invalid_argument naming the account and the value: a bad market (see
///         `unrealised_pnl`, `collateral_values`), add-ons of the wrong count or negative, a
///         negative or non-finite margin, a fraction outside [0, 1].
[[nodiscard]] inline account_quote quote_account(const cross_account& account, const account_market& market,
                                                 const scenario_margin_result& margin, std::string_view binding_name,
                                                 std::span<const margin_amounts> add_ons,
                                                 double maintenance_fraction = 0.5) {
  detail::check_maintenance_fraction(account, maintenance_fraction);
  detail::check_add_ons(account, add_ons);
  if (!(std::isfinite(margin.margin) && margin.margin >= 0.0))
    throw_invalid_argument(detail::account_component(account), "scenario margin", "must be finite and >= 0",
                           margin.margin);
  account_quote q;
  q.position_pnl = unrealised_pnl(account, market);
  const auto [value, after_haircut] = collateral_values(account, market.collateral_prices);
  q.collateral_value = value;
  q.collateral_after_haircut = after_haircut;
  for (const double pnl : q.position_pnl) q.unrealised_pnl += pnl;
  q.equity = q.collateral_after_haircut + q.unrealised_pnl;
  q.add_ons.assign(account.positions().size(), margin_amounts{});
  for (std::size_t p = 0; p < add_ons.size(); ++p) {
    q.add_ons[p] = add_ons[p];
    q.add_on_initial += add_ons[p].initial;
    q.add_on_maintenance += add_ons[p].maintenance;
  }
  q.scenario_margin = margin.margin;
  q.initial_margin = margin.margin + q.add_on_initial;
  q.maintenance_margin = maintenance_fraction * margin.margin + q.add_on_maintenance;
  q.margin_ratio = detail::ratio_of(q.maintenance_margin, q.equity);
  q.free_collateral = q.equity - q.initial_margin;
  q.binding_scenario = margin.binding_scenario;
  q.binding_scenario_name = std::string(binding_name);
  q.worst_loss = margin.worst_loss;
  return q;
}

/// @brief The cross-margin quote of an account: its net positions margined against the
///        scenario P&L matrix (`scenario_pnl` of the market's instruments) under the rule.
/// @param pnl scenarios x instruments, USD per contract held long
/// @param scenarios the scenario set the matrix was computed from (weights and names)
/// @throws as the other overload; and on a matrix whose shape does not match the market and
///         the scenarios, or a rule `check_scenario_margin_rule` refuses.
[[nodiscard]] inline account_quote quote_account(const cross_account& account, const account_market& market,
                                                 const Eigen::MatrixXd& pnl, const scenario_set& scenarios,
                                                 std::span<const margin_amounts> add_ons = {},
                                                 const account_settings& settings = {}) {
  detail::check_account_market(account, market);
  detail::check_pnl_matrix(account, market, pnl, scenarios);
  const Eigen::VectorXd q = net_positions(account, market.instruments.size());
  const scenario_margin_result margin = portfolio_margin(pnl, q, scenarios.weight, settings.rule);
  return quote_account(account, market, margin, scenarios.names[margin.binding_scenario], add_ons,
                       settings.maintenance_fraction);
}

/// @brief The account in cross mode and every position in isolated mode, side by side.
/// @param allocation collateral after haircut allocated to each position in isolated mode
///        (USD, >= 0, adding up to at most the account's); empty: the account's collateral
///        after haircut split pro rata to the isolated initial margins (equally if they are
///        all zero)
/// @throws as `quote_account`; and on an allocation of the wrong count, negative, or adding
///         up to more than the collateral after haircut.
[[nodiscard]] inline cross_isolated_comparison compare_cross_isolated(
    const cross_account& account, const account_market& market, const Eigen::MatrixXd& pnl,
    const scenario_set& scenarios, std::span<const margin_amounts> add_ons = {},
    std::span<const double> allocation = {}, const account_settings& settings = {}) {
  cross_isolated_comparison out;
  out.cross = quote_account(account, market, pnl, scenarios, add_ons, settings);
  const std::string component = detail::account_component(account);
  const std::size_t n = account.positions().size();
  if (!allocation.empty() && allocation.size() != n)
    throw_invalid_argument(component, "allocation",
                           "must be empty or hold one amount per position (" + std::to_string(n) + ")",
                           allocation.size());
  out.isolated.resize(n);
  for (std::size_t p = 0; p < n; ++p) {
    const account_position& position = account.positions()[p];
    Eigen::VectorXd alone = Eigen::VectorXd::Zero(pnl.cols());
    alone(static_cast<Eigen::Index>(position.instrument)) = position.quantity;
    const scenario_margin_result margin = portfolio_margin(pnl, alone, scenarios.weight, settings.rule);
    isolated_position_quote& iq = out.isolated[p];
    iq.position = p;
    iq.unrealised_pnl = out.cross.position_pnl[p];
    iq.scenario_margin = margin.margin;
    iq.initial_margin = margin.margin + out.cross.add_ons[p].initial;
    iq.maintenance_margin = settings.maintenance_fraction * margin.margin + out.cross.add_ons[p].maintenance;
    iq.binding_scenario = margin.binding_scenario;
    iq.binding_scenario_name = scenarios.names[margin.binding_scenario];
    out.isolated_scenario_margin += iq.scenario_margin;
    out.isolated_initial_margin += iq.initial_margin;
    out.isolated_maintenance_margin += iq.maintenance_margin;
  }
  const double available = out.cross.collateral_after_haircut;
  double allocated = 0.0;
  for (std::size_t p = 0; p < n; ++p) {
    double amount = 0.0;
    if (!allocation.empty()) {
      amount = allocation[p];
      if (!(std::isfinite(amount) && amount >= 0.0))
        throw_invalid_argument(component, "allocation to position " + std::to_string(p), "must be finite and >= 0",
                               amount);
    } else if (out.isolated_initial_margin > 0.0) {
      amount = available * out.isolated[p].initial_margin / out.isolated_initial_margin;
    } else {
      amount = available / static_cast<double>(n);
    }
    allocated += amount;
    isolated_position_quote& iq = out.isolated[p];
    iq.allocated_collateral = amount;
    iq.equity = amount + iq.unrealised_pnl;
    iq.margin_ratio = detail::ratio_of(iq.maintenance_margin, iq.equity);
    iq.free_collateral = iq.equity - iq.initial_margin;
  }
  // A relative slack absorbs the rounding of a pro-rata split that adds up to the whole.
  if (allocated > available * (1.0 + 1e-12))
    throw_invalid_argument(
        component, "allocation",
        "must add up to at most the collateral after haircut (" + detail::format_value(available) + ")", allocated);
  out.netting_benefit = out.isolated_scenario_margin - out.cross.scenario_margin;
  return out;
}

// ---------------------------------------------------------------------------------------
// Binance USDⓈ-M cross-margin liquidation price
// ---------------------------------------------------------------------------------------

/// @brief One leg of the position whose liquidation price is sought: the one-way (BOTH)
///        position, or the LONG or SHORT leg in hedge mode.
struct binance_position_leg {
  double quantity = 0.0;            ///< signed size in units of the underlying (side x size)
  double entry_price = 0.0;         ///< EP
  double maintenance_rate = 0.0;    ///< MMR of the leg's bracket
  double maintenance_amount = 0.0;  ///< cum of the leg's bracket (Binance "maintenance amount")
};

/// @brief Binance's cross-margin liquidation price (see the file comment) for fixed brackets:
///        (WB - TMM1 + UPNL1 + sum(cum - q EP)) / sum(|q| MMR - q). Empty when no positive,
///        finite price exists or an input is not finite.
/// @param wallet_balance WB, the cross wallet balance (USD)
/// @param other_maintenance TMM1, maintenance margin of every other contract
/// @param other_unrealised_pnl UPNL1, unrealised P&L of every other contract
[[nodiscard]] inline std::optional<double> binance_cross_liquidation_price(
    double wallet_balance, double other_maintenance, double other_unrealised_pnl,
    std::span<const binance_position_leg> legs) noexcept {
  if (!std::isfinite(wallet_balance) || !std::isfinite(other_maintenance) || !std::isfinite(other_unrealised_pnl))
    return std::nullopt;
  double numerator = wallet_balance - other_maintenance + other_unrealised_pnl;
  double denominator = 0.0;
  for (const binance_position_leg& leg : legs) {
    if (!std::isfinite(leg.quantity) || !std::isfinite(leg.entry_price) || !std::isfinite(leg.maintenance_rate) ||
        !std::isfinite(leg.maintenance_amount))
      return std::nullopt;
    numerator += leg.maintenance_amount - leg.quantity * leg.entry_price;
    denominator += std::fabs(leg.quantity) * leg.maintenance_rate - leg.quantity;
  }
  if (denominator == 0.0) return std::nullopt;
  const double price = numerator / denominator;
  if (!(price > 0.0) || !std::isfinite(price)) return std::nullopt;
  return price;
}

/// @brief Binance's cross-margin liquidation price of a one-way position with a bracket table:
///        the bracket is the one the notional |q| LP falls in. Empty when no positive price
///        exists (for instance a long whose wallet covers the whole notional).
/// @param quantity signed size in units of the underlying
[[nodiscard]] inline std::optional<double> binance_cross_liquidation_price(double wallet_balance,
                                                                           double other_maintenance,
                                                                           double other_unrealised_pnl, double quantity,
                                                                           double entry_price,
                                                                           const size_tiers_policy& tiers) noexcept {
  if (quantity == 0.0 || !std::isfinite(quantity)) return std::nullopt;
  const double size = std::fabs(quantity);
  constexpr double slack = 1e-12;  // a root exactly on a boundary belongs to both brackets
  for (const tier_row& row : tiers.rows()) {
    const binance_position_leg leg{quantity, entry_price, row.maintenance_rate, row.maintenance_deduction};
    const std::optional<double> price = binance_cross_liquidation_price(wallet_balance, other_maintenance,
                                                                        other_unrealised_pnl,
                                                                        std::span<const binance_position_leg>(&leg, 1));
    if (!price) continue;
    const double notional = size * *price;
    const bool above_floor = notional >= row.notional_floor * (1.0 - slack);
    const bool below_cap = &row == &tiers.rows().back() || notional <= row.notional_cap * (1.0 + slack);
    if (above_floor && below_cap) return price;
  }
  return std::nullopt;
}

/// @brief The Binance cross-margin liquidation price of one position of an account of linear
///        futures: WB is the collateral after haircut, UPNL1 the other positions' unrealised
///        P&L at their marks, TMM1 the sum of their bracket maintenance
///        (`tiers[j].maintenance_amount(notional_j)`), and the position's own bracket is
///        chosen at the liquidation price. Empty when no positive price exists.
/// @param position index in the account's positions
/// @param tiers one bracket table per position
/// @throws dynmargin::invalid_argument naming the account, the instrument and the value: a
///         position index out of range, tiers of the wrong count, a position that is not a
///         linear future, another position in the same instrument, a bad market.
[[nodiscard]] inline std::optional<double> binance_cross_liquidation_price(const cross_account& account,
                                                                           const account_market& market,
                                                                           std::size_t position,
                                                                           std::span<const size_tiers_policy> tiers) {
  const std::string component = detail::account_component(account);
  const std::size_t n = account.positions().size();
  if (position >= n)
    throw_invalid_argument(component, "position", "must index one of the " + std::to_string(n) + " positions",
                           position);
  if (tiers.size() != n)
    throw_invalid_argument(component, "tiers", "must hold one bracket table per position (" + std::to_string(n) + ")",
                           tiers.size());
  const std::vector<double> pnl = unrealised_pnl(account, market);  // checks the market
  const double wallet = collateral_values(account, market.collateral_prices).second;
  const account_position& own = account.positions()[position];
  double other_maintenance = 0.0;
  double other_pnl = 0.0;
  for (std::size_t p = 0; p < n; ++p) {
    const account_position& other = account.positions()[p];
    const instrument& terms = market.instruments[other.instrument];
    if (terms.kind != instrument_kind::linear_future)
      throw_invalid_argument(terms.name, "kind", "must be linear_future for Binance's USD-M liquidation price",
                             to_string(terms.kind));
    if (p == position) continue;
    if (other.instrument == own.instrument)
      throw_invalid_argument(component, "position " + std::to_string(p),
                             "must not share instrument " + terms.name + " with the position sought (one-way mode)",
                             other.quantity);
    const double notional = std::fabs(other.quantity) * terms.contract_size * market.states[other.instrument].forward;
    other_maintenance += tiers[p].maintenance_amount(notional);
    other_pnl += pnl[p];
  }
  const double quantity = own.quantity * market.instruments[own.instrument].contract_size;
  return binance_cross_liquidation_price(wallet, other_maintenance, other_pnl, quantity, own.entry_price,
                                         tiers[position]);
}

}  // namespace dynmargin
