// SPDX-License-Identifier: MIT
// The run-time engine through the library API (include/dynmargin/runtime/, target
// dynmargin::runtime): the shipped configs load and quote, a program's own policies register
// from this file and load from JSON, the config's policy order is kept or refused, enum
// aliases read as their canonical names, JSON errors name the file and never echo raw bytes,
// and docs/margin.md's list of kinds is the registry's.
// GCC 12 reports a false -Wmaybe-uninitialized when it inlines the move of any_risk (a
// std::variant whose alternatives hold vectors); the pragma must precede every include.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "dynmargin/backtest/replay.hpp"
#include "dynmargin/io/io.hpp"
#include "dynmargin/runtime/config_reader.hpp"

namespace {

namespace fs = std::filesystem;

// ---- a program's own policies, registered as a user would (no library edit) ----------------

/// Adds a flat surcharge to both rates: a venue's event add-on.
struct flat_surcharge_policy {
  using model_concept = dynmargin::rate_policy_tag;
  static constexpr std::string_view kind = "test_flat_surcharge";
  struct state_type {
    long updates = 0;
    friend bool operator==(const state_type&, const state_type&) = default;
  };
  double add = 0.0;
  long updates = 0;
  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  dynmargin::margin_rates update(const dynmargin::market_context&, dynmargin::margin_rates rates) noexcept {
    ++updates;
    rates.initial += add;
    rates.maintenance += add;
    return rates;
  }
  [[nodiscard]] state_type state() const { return {updates}; }
  void restore(const state_type& s) { updates = s.updates; }
};

/// A minimum initial amount per position, whatever its size.
struct minimum_amount_policy {
  using model_concept = dynmargin::position_policy_tag;
  static constexpr std::string_view kind = "test_minimum_amount";
  double minimum = 0.0;
  [[nodiscard]] std::string_view name() const noexcept { return kind; }
  [[nodiscard]] dynmargin::margin_amounts apply(const dynmargin::position_context&,
                                                dynmargin::margin_amounts amounts) const noexcept {
    amounts.initial = std::max(amounts.initial, minimum);
    return amounts;
  }
};

const bool surcharge_registered = dynmargin::register_policy<flat_surcharge_policy>(
    {"add"}, "test: a flat add-on to both rates", [](const dynmargin::config_fields& f) {
      flat_surcharge_policy p;
      p.add = f.number("add");
      if (!(p.add >= 0.0)) dynmargin::config_error(f.name_of("add") + " must be >= 0");
      return p;
    });
const bool minimum_registered = dynmargin::register_policy<minimum_amount_policy>(
    {"minimum"}, "test: a minimum initial amount", [](const dynmargin::config_fields& f) {
      minimum_amount_policy p;
      p.minimum = f.number("minimum");
      return p;
    });

// ---- helpers --------------------------------------------------------------------------------

struct price_data {
  std::vector<dynmargin::timestamp_us> times;
  std::vector<double> prices;
};

const price_data& btc_daily() {
  static const price_data data = [] {
    auto table = dynmargin::io::read_price_csv(std::string(DYNMARGIN_EXAMPLE_DATA_DIR) + "/btc_usd_daily.csv");
    return price_data{table.times_us(), table.closes()};
  }();
  return data;
}

/// Every quote of the engine over BTC daily (the config's bars, when it has one).
std::vector<dynmargin::margin_quote> run(dynmargin::margin_engine& engine, double notional = 1.0) {
  price_data data = btc_daily();
  if (engine.bar) {
    auto bars = dynmargin::sample_into_bars(data.times, data.prices, *engine.bar, "test");
    data.times = std::move(bars.times);
    data.prices = std::move(bars.prices);
  }
  std::vector<dynmargin::margin_quote> quotes;
  dynmargin::replay_each(
      engine.function, std::span<const dynmargin::timestamp_us>(data.times), std::span<const double>(data.prices),
      notional, [&](std::size_t, dynmargin::status, const dynmargin::margin_quote& q) { quotes.push_back(q); });
  return quotes;
}

nlohmann::json base_config() {
  return nlohmann::json::parse(R"({
    "volatility": {"model": "ewma", "lambda": 0.94},
    "risk": {"method": "parametric", "confidence": 0.99},
    "policies": [{"type": "floor", "rate": 0.02}]
  })");
}

std::string error_of(const nlohmann::json& config) {
  try {
    (void)dynmargin::build_margin_engine(config);
  } catch (const dynmargin::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

fs::path write_file(const std::string& name, const std::string& text) {
  const fs::path path = fs::temp_directory_path() / ("dynmargin_runtime_test_" + name);
  std::ofstream out(path, std::ios::binary);
  out << text;
  return path;
}

std::string load_error(const fs::path& path) {
  try {
    (void)dynmargin::load_margin_engine(path.string());
  } catch (const dynmargin::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

bool printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u <= 0x7e;
  });
}

}  // namespace

TEST_CASE("every shipped config loads through the library API and quotes BTC daily", "[runtime]") {
  std::vector<fs::path> configs;
  for (const auto& entry : fs::directory_iterator(DYNMARGIN_EXAMPLE_CONFIG_DIR))
    if (entry.path().extension() == ".json") configs.push_back(entry.path());
  std::sort(configs.begin(), configs.end());
  REQUIRE(configs.size() >= 4);
  for (const auto& path : configs) {
    CAPTURE(path.filename().string());
    auto engine = dynmargin::load_margin_engine(path.string());
    std::ifstream in(path);
    const auto json = nlohmann::json::parse(in);
    // The config's policies, in its order, are the chain's.
    REQUIRE(engine.policy_types.size() == json.at("policies").size());
    for (std::size_t i = 0; i < engine.policy_types.size(); ++i)
      CHECK(engine.policy_types[i] == json.at("policies")[i].at("type").get<std::string>());
    const auto quotes = run(engine);
    REQUIRE_FALSE(quotes.empty());
    const auto ready = std::count_if(quotes.begin(), quotes.end(), [](const auto& q) { return q.ready; });
    CHECK(ready > static_cast<std::ptrdiff_t>(quotes.size() / 2));
    const auto& last = quotes.back();
    REQUIRE(last.ready);
    CHECK(std::isfinite(last.initial_rate));
    CHECK(last.initial_rate > 0.0);
    CHECK(last.maintenance_rate <= last.initial_rate);
    REQUIRE(last.effects().size() == engine.policy_types.size());
    for (std::size_t i = 0; i < engine.policy_types.size(); ++i)
      CHECK(last.effects()[i].name == engine.policy_types[i]);
  }
}

TEST_CASE("a program's own rate policy loads from JSON and runs in the config's order", "[runtime]") {
  REQUIRE(surcharge_registered);
  auto plain_config = base_config();
  auto with_config = base_config();
  with_config["policies"].push_back({{"type", "test_flat_surcharge"}, {"add", 0.005}});
  auto plain = dynmargin::build_margin_engine(plain_config);
  auto with = dynmargin::build_margin_engine(with_config);
  REQUIRE(with.policy_types == std::vector<std::string>{"floor", "test_flat_surcharge"});
  const auto a = run(plain);
  const auto b = run(with);
  REQUIRE(a.size() == b.size());
  std::size_t compared = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].ready == b[i].ready);
    if (!a[i].ready) continue;
    // After the floor (the surcharge runs second): exactly the floored rate plus the add-on.
    REQUIRE(b[i].initial_rate == a[i].initial_rate + 0.005);
    REQUIRE(b[i].breakdown[1].name == "test_flat_surcharge");
    REQUIRE(with.binding(b[i]) == "1_test_flat_surcharge");
    ++compared;
  }
  CHECK(compared > 2000);

  // Its state travels with the function's and is restored exactly.
  auto engine = dynmargin::build_margin_engine(with_config);
  const auto& data = btc_daily();
  for (std::size_t i = 0; i < 100; ++i) (void)engine.function.update(data.times[i], data.prices[i]);
  const auto saved = engine.function.state();
  for (std::size_t i = 100; i < 200; ++i) (void)engine.function.update(data.times[i], data.prices[i]);
  const double after_200 = engine.function.quote_notional(1.0).initial_rate;
  engine.function.restore(saved);
  CHECK(engine.function.state() == saved);
  for (std::size_t i = 100; i < 200; ++i) (void)engine.function.update(data.times[i], data.prices[i]);
  CHECK(engine.function.quote_notional(1.0).initial_rate == after_200);
}

TEST_CASE("a program's own position policy loads from JSON", "[runtime]") {
  REQUIRE(minimum_registered);
  auto config = base_config();
  config["policies"].push_back({{"type", "test_minimum_amount"}, {"minimum", 50.0}});
  auto engine = dynmargin::build_margin_engine(config);
  const auto quotes = run(engine, 100.0);
  REQUIRE(quotes.back().ready);
  // 100 of notional at a few percent is far below 50: the minimum binds.
  CHECK(quotes.back().initial_amount == 50.0);
  CHECK(engine.binding(quotes.back()) == "1_test_minimum_amount");
}

TEST_CASE("registered kinds refuse unknown fields and a second registration", "[runtime]") {
  auto config = base_config();
  config["policies"].push_back({{"type", "test_flat_surcharge"}, {"ad", 0.005}});
  CHECK_THAT(error_of(config), dmtest::contains("policies[1] has an unknown field \"ad\""));
  config["policies"][1] = {{"type", "test_flat_surcharge"}, {"add", -1.0}};
  CHECK_THAT(error_of(config), dmtest::contains("policies[1].add must be >= 0"));
  CHECK_THROWS_WITH(dynmargin::register_policy<flat_surcharge_policy>(
                        {}, "", [](const dynmargin::config_fields&) { return flat_surcharge_policy{}; }),
                    dmtest::contains("test_flat_surcharge"));
  config["policies"][1] = {{"type", "test_flat_surcharg"}};
  CHECK_THAT(error_of(config), dmtest::contains("policies[1].type must be one of floor, cap,"));
  CHECK_THAT(error_of(config), dmtest::contains("test_flat_surcharge"));
}

TEST_CASE("the config's policy order is kept, and an order no function can run is refused", "[runtime]") {
  auto config = base_config();
  config["policies"] = nlohmann::json::parse(R"([
    {"type": "floor", "rate": 0.02},
    {"type": "liquidity", "half_spread": 0.001},
    {"type": "cap", "rate": 0.5}
  ])");
  CHECK_THAT(error_of(config), dmtest::contains("policies[2] (cap) is a rate policy listed after the position policy "
                                                "policies[1] (liquidity)"));
  config["policies"].erase(2);
  auto engine = dynmargin::build_margin_engine(config);
  CHECK(engine.policy_types == std::vector<std::string>{"floor", "liquidity"});
  const auto quotes = run(engine);
  CHECK(quotes.back().breakdown[0].name == "floor");
  CHECK(quotes.back().breakdown[1].name == "liquidity");
}

TEST_CASE("enum values read in their one spelling and their older aliases", "[runtime]") {
  auto canonical = base_config();
  canonical["risk"] = {{"method", "historical"}, {"window", 250}, {"es", "acerbi_tasche"}, {"quantile", "type1"}};
  auto alias = canonical;
  alias["risk"]["es"] = "acerbi-tasche";
  auto a = dynmargin::build_margin_engine(canonical);
  auto b = dynmargin::build_margin_engine(alias);
  const auto qa = run(a);
  const auto qb = run(b);
  REQUIRE(qa.size() == qb.size());
  for (std::size_t i = 0; i < qa.size(); ++i) REQUIRE(qa[i].initial_rate == qb[i].initial_rate);
  auto wrong = canonical;
  wrong["risk"]["es"] = "tail mean";
  CHECK_THAT(error_of(wrong), dmtest::contains("risk.es must be one of tail_mean, acerbi_tasche, got \"tail mean\""));
  CHECK(dynmargin::parse_enum<dynmargin::es_method>("tail-mean", "var", "--es") == dynmargin::es_method::tail_mean);
  CHECK(dynmargin::enum_name(dynmargin::distribution_shape::student_t) == "student_t");
  CHECK(dynmargin::parse_enum<dynmargin::distribution_shape>("t", "fit", "--dist") ==
        dynmargin::distribution_shape::student_t);
  CHECK_THROWS_WITH(dynmargin::parse_enum<dynmargin::quantile_method>("type4", "var", "--quantile"),
                    dmtest::contains("var: --quantile must be one of type1, type7, got \"type4\""));
}

TEST_CASE("JSON errors name the file and never echo raw bytes", "[runtime]") {
  // A number beyond double's range: nlohmann's out_of_range.406, now with the file's name.
  const fs::path huge = write_file("huge.json", R"({"volatility": {"model": "ewma", "lambda": 1e999}})");
  const std::string huge_error = load_error(huge);
  CHECK_THAT(huge_error, dmtest::contains(huge.string()));
  CHECK_THAT(huge_error, dmtest::contains("is not valid JSON"));
  // An integer beyond 63 bits is refused, not wrapped.
  auto config = base_config();
  config["risk"] = nlohmann::json::parse(R"({"method": "historical", "window": 18446744073709551615})");
  CHECK_THAT(error_of(config), dmtest::contains("risk.window must be an integer below 2^63"));
  // Garbage: the message is printable ASCII whatever the bytes.
  const fs::path garbage = write_file("garbage.json", std::string("\x01\xff\xfe{\"a\x1b[31m\": \x90\x80}"));
  const std::string garbage_error = load_error(garbage);
  CHECK_THAT(garbage_error, dmtest::contains(garbage.string()));
  CHECK(printable_ascii(garbage_error));
  // A field value with control characters and invalid UTF-8 is escaped in the message.
  auto bad_type = base_config();
  bad_type["policies"][0]["type"] = std::string("fl\x1b[31moor");
  CHECK(printable_ascii(error_of(bad_type)));
  const fs::path missing = fs::temp_directory_path() / "dynmargin_runtime_test_missing.json";
  fs::remove(missing);
  CHECK_THAT(load_error(missing), dmtest::contains("cannot open \"" + missing.string() + "\""));
}

TEST_CASE("docs/margin.md lists exactly the registry's kinds", "[runtime]") {
  std::ifstream in(std::string(DYNMARGIN_SOURCE_DIR) + "/docs/margin.md");
  REQUIRE(in);
  const std::string docs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string begin = "<!-- kinds:begin (generated: dynmargin kinds) -->\n";
  const std::string end = "<!-- kinds:end -->";
  const auto b = docs.find(begin);
  const auto e = docs.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  const std::string listed = docs.substr(b + begin.size(), e - b - begin.size());
  // The registry as the library ships it: without the kinds this test file registered.
  std::istringstream lines(dynmargin::config_kinds_markdown());
  std::string expected;
  for (std::string line; std::getline(lines, line);)
    if (line.find("`test_") == std::string::npos) expected += line + "\n";
  CHECK(listed == expected);
}

TEST_CASE("run-time models refuse another model's state and keep their own", "[runtime]") {
  dynmargin::any_volatility ewma{dynmargin::ewma_volatility(dynmargin::ewma_volatility_config{})};
  dynmargin::rolling_volatility_config rc;
  rc.window = 5;
  dynmargin::any_volatility rolling{dynmargin::rolling_volatility(rc)};
  for (double r : {0.01, -0.02, 0.015}) {
    (void)ewma.update(r);
    (void)rolling.update(r);
  }
  const auto before = ewma.state();
  CHECK_THROWS_WITH(ewma.restore(rolling.state()), dmtest::contains("another volatility model"));
  CHECK(ewma.state() == before);
  flat_surcharge_policy p;
  dynmargin::any_rate_policy wrapped(p);
  const dynmargin::any_rate_policy copy = wrapped;
  CHECK(copy.name() == "test_flat_surcharge");
  CHECK(copy.state() == wrapped.state());
  dynmargin::any_rate_policy other(dynmargin::floor_policy(dynmargin::parameter_schedule(0.01)));
  CHECK_THROWS_WITH(wrapped.restore(other.state()), dmtest::contains("any_rate_policy: state"));
  CHECK(wrapped.get_if<flat_surcharge_policy>() != nullptr);
  CHECK(wrapped.get_if<dynmargin::floor_policy>() == nullptr);
}
