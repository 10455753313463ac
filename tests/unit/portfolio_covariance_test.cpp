// SPDX-License-Identifier: MIT
// RiskMetrics EWMA covariance (portfolio/covariance.hpp), the positive-semidefinite check and the
// nearest correlation matrix (portfolio/nearest_correlation.hpp), against closed forms, Higham's
// published example and tests/data/portfolio_covariance_reference.csv, written by
// tests/data/make_portfolio_covariance_reference.py (numpy/scipy; the nearest correlation matrix
// there comes from the dual problem, not from alternating projections).

// That ewma_covariance::update does not allocate is checked in margin_allocation_test.cpp, whose
// counting operator new serves the whole test program.

#include <dynmargin/core/duration.hpp>
#include <dynmargin/portfolio/covariance.hpp>
#include <dynmargin/portfolio/nearest_correlation.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "test_data.hpp"

namespace dm = dynmargin;

// The exception's type and its message (Catch2's CHECK_THROWS_MATCHES wants an exception matcher).
#define DMTEST_CHECK_THROWS_TYPE_WITH(expression, type, matcher) \
  do {                                                           \
    CHECK_THROWS_AS(expression, type);                           \
    CHECK_THROWS_WITH(expression, matcher);                      \
  } while (false)

namespace {

// name -> value rows of the reference CSV.
const std::map<std::string, double>& reference() {
  static const std::map<std::string, double> rows = [] {
    std::map<std::string, double> out;
    std::ifstream in(dmtest::reference_path("portfolio_covariance_reference.csv"));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      const auto comma = line.find(',');
      out[line.substr(0, comma)] = std::stod(line.substr(comma + 1));
    }
    return out;
  }();
  return rows;
}

double ref_value(const std::string& name) {
  const auto it = reference().find(name);
  if (it == reference().end()) FAIL("missing reference row " << name);
  return it->second;
}

Eigen::MatrixXd ref_matrix(const std::string& prefix) {
  Eigen::MatrixXd m(3, 3);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m(i, j) = ref_value(prefix + std::to_string(i) + std::to_string(j));
  return m;
}

// date -> return of one of the tests/data/returns_<asset>_usd_daily.csv files (columns i,date,r).
std::map<std::string, double> read_returns(const std::string& asset) {
  std::map<std::string, double> out;
  std::ifstream in(dmtest::reference_path("returns_" + asset + "_usd_daily.csv"));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string index, date, value;
    std::getline(fields, index, ',');
    std::getline(fields, date, ',');
    std::getline(fields, value, ',');
    out[date] = std::stod(value);
  }
  return out;
}

// BTC, ETH, SOL returns on their common dates, in date order (ISO dates sort as text).
std::vector<std::array<double, 3>> aligned_returns() {
  const auto btc = read_returns("btc");
  const auto eth = read_returns("eth");
  const auto sol = read_returns("sol");
  std::vector<std::array<double, 3>> rows;
  for (const auto& [date, r] : btc) {
    const auto e = eth.find(date);
    const auto s = sol.find(date);
    if (e != eth.end() && s != sol.end()) rows.push_back({r, e->second, s->second});
  }
  return rows;
}

// |actual - expected| <= tol * sqrt(expected_ii expected_jj) for every entry: relative to the
// scale of the entry (a covariance near 0 has no meaningful relative error of its own).
void check_covariance(const Eigen::MatrixXd& actual, const Eigen::MatrixXd& expected, double tol,
                      const std::string& label) {
  for (Eigen::Index i = 0; i < expected.rows(); ++i) {
    for (Eigen::Index j = 0; j < expected.cols(); ++j) {
      const double scale = std::sqrt(expected(i, i) * expected(j, j));
      INFO(label << " entry (" << i << ", " << j << "): " << actual(i, j) << " vs " << expected(i, j));
      CHECK(std::abs(actual(i, j) - expected(i, j)) <= tol * scale);
    }
  }
}

bool bit_identical(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(double)) == 0;
}

Eigen::MatrixXd higham_a() {
  Eigen::MatrixXd a(3, 3);
  a << 1, 1, 0, 1, 1, 1, 0, 1, 1;
  return a;
}

}  // namespace

// --------------------------------------------------------------------------------------------
// EWMA covariance
// --------------------------------------------------------------------------------------------

TEST_CASE("ewma covariance: two updates by hand", "[portfolio][covariance]") {
  // lambda 0.9, r1 = (1, 2), r2 = (3, -1): S1 = r1 r1^T = [[1, 2], [2, 4]],
  // S2 = 0.9 S1 + 0.1 r2 r2^T = [[1.8, 1.5], [1.5, 3.7]].
  dm::ewma_covariance cov(2, 0.9);
  CHECK(cov.observations() == 0);
  CHECK(cov.covariance().isZero(0.0));
  const std::array<double, 2> r1{1.0, 2.0};
  const std::array<double, 2> r2{3.0, -1.0};
  REQUIRE(cov.update(r1) == dm::status::ok);
  CHECK(cov.covariance()(0, 0) == 1.0);
  CHECK(cov.covariance()(0, 1) == 2.0);
  CHECK(cov.covariance()(1, 1) == 4.0);
  REQUIRE(cov.update(r2) == dm::status::ok);
  CHECK(cov.observations() == 2);
  const Eigen::MatrixXd& s = cov.covariance();
  CHECK(std::abs(s(0, 0) - 1.8) <= 1e-15);
  CHECK(std::abs(s(0, 1) - 1.5) <= 1e-15);
  CHECK(std::abs(s(1, 1) - 3.7) <= 1e-15);
  CHECK(s(1, 0) == s(0, 1));  // symmetric bit for bit
  const Eigen::MatrixXd c = cov.correlation();
  CHECK(c(0, 0) == 1.0);
  CHECK(std::abs(c(0, 1) - 1.5 / std::sqrt(1.8 * 3.7)) <= 1e-15);
  const Eigen::VectorXd vol = cov.volatilities();
  CHECK(std::abs(vol(0) - std::sqrt(1.8)) <= 1e-15);
  CHECK(std::abs(vol(1) - std::sqrt(3.7)) <= 1e-15);
  // Flat forecasts: 10 steps = 10 x Sigma.
  CHECK(std::abs(cov.covariance(10)(0, 1) - 15.0) <= 1e-14);
}

TEST_CASE("ewma covariance: BTC/ETH/SOL daily, lambda 0.94, matches numpy", "[portfolio][covariance]") {
  const auto rows = aligned_returns();
  REQUIRE(rows.size() == 690);  // 691 common price dates (reference row T)
  REQUIRE(static_cast<double>(rows.size()) == ref_value("T"));

  SECTION("first outer product (the default start)") {
    dm::ewma_covariance cov(3, 0.94);
    const std::vector<std::size_t> checkpoints{1, 2, 10, 30, 100, 345, 690};
    for (std::size_t t = 0; t < rows.size(); ++t) {
      REQUIRE(cov.update(rows[t]) == dm::status::ok);
      const std::size_t k = t + 1;
      if (std::find(checkpoints.begin(), checkpoints.end(), k) != checkpoints.end()) {
        // numpy, same recursion: 1e-12 relative (rounding of 690 steps is ~1e-15).
        check_covariance(cov.covariance(), ref_matrix("first_" + std::to_string(k) + "_"), 1e-12,
                         "after " + std::to_string(k));
      }
      // Automatic burn-in: 1 + ceil(ln 0.01 / ln 0.94) = 1 + ceil(74.43) = 76 returns.
      CHECK(cov.ready() == (k >= 76));
    }
    CHECK(cov.observations() == 690);
    CHECK(bit_identical(cov.covariance(), cov.covariance().transpose()));
    const Eigen::MatrixXd corr = cov.correlation();
    const Eigen::VectorXd vol = cov.volatilities();
    for (int i = 0; i < 3; ++i) {
      CHECK(std::abs(vol(i) - ref_value("first_vol_" + std::to_string(i))) <=
            1e-12 * ref_value("first_vol_" + std::to_string(i)));
      CHECK(corr(i, i) == 1.0);
      for (int j = 0; j < 3; ++j) {
        const std::string name = "first_corr_" + std::to_string(i) + std::to_string(j);
        CHECK(std::abs(corr(i, j) - ref_value(name)) <= 1e-12);
      }
    }
    // A sanity anchor that does not come from the reference file: crypto majors move together.
    CHECK(corr(0, 1) > 0.8);
  }

  SECTION("warm-up window of 30 returns (zero-mean sample covariance), then the recursion") {
    dm::ewma_covariance_config config;
    config.start = dm::ewma_covariance_start::warmup_window;
    config.warmup = 30;
    dm::ewma_covariance cov(3, config);
    for (std::size_t t = 0; t < rows.size(); ++t) {
      REQUIRE(cov.update(rows[t]) == dm::status::ok);
      const std::size_t k = t + 1;
      if (k == 10 || k == 30 || k == 31 || k == 690)
        check_covariance(cov.covariance(), ref_matrix("warmup_" + std::to_string(k) + "_"), 1e-12,
                         "warm-up, after " + std::to_string(k));
      CHECK(cov.ready() == (k >= 30));
    }
  }

  SECTION("given seed: the sample covariance of the first 30 returns, then all 690") {
    dm::ewma_covariance_config config;
    config.start = dm::ewma_covariance_start::given;
    config.initial_covariance = ref_matrix("given_seed_");
    dm::ewma_covariance cov(3, config);
    CHECK(cov.ready());
    check_covariance(cov.covariance(), ref_matrix("given_seed_"), 1e-15, "seed");
    for (std::size_t t = 0; t < rows.size(); ++t) {
      REQUIRE(cov.update(rows[t]) == dm::status::ok);
      if (t == 0) check_covariance(cov.covariance(), ref_matrix("given_1_"), 1e-12, "given, after 1");
    }
    check_covariance(cov.covariance(), ref_matrix("given_690_"), 1e-12, "given, after 690");
  }
}

TEST_CASE("ewma covariance: a bad return is refused and leaves the state unchanged bit for bit",
          "[portfolio][covariance]") {
  dm::ewma_covariance cov(3, 0.94);
  REQUIRE(cov.update(std::array<double, 3>{1.0, -2.0, 0.5}) == dm::status::ok);
  REQUIRE(cov.update(std::array<double, 3>{-0.3, 0.7, 2.5}) == dm::status::ok);
  const Eigen::MatrixXd before = cov.covariance();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();

  CHECK(cov.update(std::array<double, 2>{1.0, 2.0}) == dm::status::invalid_argument);
  CHECK(cov.update(std::array<double, 4>{1.0, 2.0, 3.0, 4.0}) == dm::status::invalid_argument);
  CHECK(cov.update(std::array<double, 3>{1.0, nan, 3.0}) == dm::status::non_finite_input);
  CHECK(cov.update(std::array<double, 3>{1.0, 2.0, inf}) == dm::status::non_finite_input);
  CHECK(cov.update(std::array<double, 3>{1e200, 2.0, 3.0}) == dm::status::domain_error);
  CHECK(bit_identical(cov.covariance(), before));
  CHECK(cov.observations() == 2);

  DMTEST_CHECK_THROWS_TYPE_WITH(cov.update_or_throw(std::array<double, 3>{1.0, nan, 3.0}), dm::invalid_argument,
                                dmtest::contains("ewma_covariance: returns[1] must be finite, got nan"));
  DMTEST_CHECK_THROWS_TYPE_WITH(cov.update_or_throw(std::array<double, 2>{1.0, 2.0}), dm::invalid_argument,
                                dmtest::contains(
                                    "ewma_covariance: returns must hold one return per instrument (3), got 2"));
  CHECK(bit_identical(cov.covariance(), before));
  cov.update_or_throw(std::array<double, 3>{0.1, 0.2, 0.3});
  CHECK(cov.observations() == 3);
  CHECK(std::abs(cov.covariance()(0, 2) - (0.94 * before(0, 2) + 0.06 * 0.1 * 0.3)) <= 1e-15);
}

TEST_CASE("ewma covariance: construction is validated and names the parameter", "[portfolio][covariance]") {
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::ewma_covariance(3, 1.2), dm::invalid_argument,
                                dmtest::contains("ewma_covariance: lambda must be in (0, 1), got 1.2"));
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::ewma_covariance(0, 0.94), dm::invalid_argument,
                                dmtest::contains("ewma_covariance: instruments must be at least 1, got 0"));
  dm::ewma_covariance_config warm;
  warm.start = dm::ewma_covariance_start::warmup_window;
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::ewma_covariance(2, warm), dm::invalid_argument,
                                dmtest::contains("ewma_covariance: warmup must be at least 1 return, got 0"));

  dm::ewma_covariance_config given;
  given.start = dm::ewma_covariance_start::given;
  given.initial_covariance = Eigen::MatrixXd::Identity(2, 2);
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::ewma_covariance(3, given), dm::invalid_argument,
                                dmtest::contains("ewma_covariance: initial_covariance must be 3 x 3, got 2 x 2"));
  given.initial_covariance = higham_a();  // not PSD: smallest eigenvalue 1 - sqrt(2)
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::ewma_covariance(3, given), dm::invalid_argument,
                                dmtest::contains("initial_covariance must be positive semidefinite") &&
                                    dmtest::contains("smallest eigenvalue -0.41421356") &&
                                    dmtest::contains("nearest_correlation"));
  given.initial_covariance = Eigen::MatrixXd::Identity(3, 3);
  given.initial_covariance(2, 2) = 0.0;
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::ewma_covariance(3, given), dm::invalid_argument,
                                dmtest::contains("initial_covariance(2, 2) must be > 0 (a variance), got 0"));

  // A half-life in time: weights halve every 10 days on daily bars, lambda = 0.5^(1/10).
  dm::ewma_covariance_config half_life;
  half_life.lambda = dm::decay_from_half_life(std::chrono::hours{240}, std::chrono::hours{24});
  const dm::ewma_covariance cov(2, half_life);
  CHECK(std::abs(cov.config().lambda.value() - std::pow(0.5, 0.1)) <= 1e-15);

  // No correlation before a variance exists (never a silent NaN).
  DMTEST_CHECK_THROWS_TYPE_WITH(cov.correlation(), dm::domain_error,
                                dmtest::contains("ewma_covariance: variance of instrument 0 must be finite and > 0"));
}

// --------------------------------------------------------------------------------------------
// Positive semidefinite check
// --------------------------------------------------------------------------------------------

TEST_CASE("check_positive_semidefinite: closed form for Higham's matrix", "[portfolio][covariance]") {
  // The EWMA correlation of BTC/ETH/SOL is a correlation matrix: PSD.
  const auto good = dm::check_positive_semidefinite(ref_matrix("first_corr_"));
  CHECK(good.is_psd);
  CHECK(good.smallest_eigenvalue > 0.0);
  CHECK(good.negative_eigenvalues == 0);
  dm::require_positive_semidefinite(ref_matrix("first_corr_"), "test", "correlation");  // no throw

  // A = [[1,1,0],[1,1,1],[0,1,1]] has eigenvalues 1 - sqrt(2), 1, 1 + sqrt(2); the eigenvector of
  // 1 - sqrt(2) is (1, -sqrt(2), 1) / 2, largest in the middle instrument.
  const auto bad = dm::check_positive_semidefinite(higham_a());
  CHECK_FALSE(bad.is_psd);
  CHECK(std::abs(bad.smallest_eigenvalue - (1.0 - std::sqrt(2.0))) <= 1e-12);
  CHECK(std::abs(bad.largest_abs_eigenvalue - (1.0 + std::sqrt(2.0))) <= 1e-12);
  CHECK(bad.negative_eigenvalues == 1);
  CHECK(bad.dominant_instrument == 1);
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::require_positive_semidefinite(higham_a(), "stress", "correlation"),
                                dm::invalid_argument,
                                dmtest::contains("stress: correlation must be positive semidefinite") &&
                                    dmtest::contains("nearest_correlation") &&
                                    dmtest::contains("got smallest eigenvalue -0.41421356237309") &&
                                    dmtest::contains("1 negative of 3, mostly instrument 1"));

  // Tolerance is relative to the largest eigenvalue: -1e-13 of a unit matrix passes at 1e-12.
  Eigen::MatrixXd nearly = Eigen::MatrixXd::Identity(2, 2);
  nearly(1, 1) = -1e-13;
  CHECK(dm::check_positive_semidefinite(nearly).is_psd);
  CHECK_FALSE(dm::check_positive_semidefinite(nearly, 0.0).is_psd);
}

TEST_CASE("check_positive_semidefinite: square, finite, symmetric, naming the entry", "[portfolio][covariance]") {
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::check_positive_semidefinite(Eigen::MatrixXd::Zero(2, 3)), dm::invalid_argument,
                                dmtest::contains("matrix must be a non-empty square matrix, got 2 x 3"));
  Eigen::MatrixXd m = higham_a();
  m(1, 0) = std::numeric_limits<double>::quiet_NaN();
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::check_positive_semidefinite(m), dm::invalid_argument,
                                dmtest::contains("matrix(1, 0) must be finite, got nan"));
  m = higham_a();
  m(2, 0) = 0.25;
  DMTEST_CHECK_THROWS_TYPE_WITH(
      dm::check_positive_semidefinite(m), dm::invalid_argument,
      dmtest::contains("matrix(2, 0) must equal matrix(0, 2) = 0 (the matrix must be symmetric), got 0.25"));
}

// --------------------------------------------------------------------------------------------
// Nearest correlation matrix
// --------------------------------------------------------------------------------------------

TEST_CASE("nearest correlation: Higham's 3x3 example", "[portfolio][nearest_correlation]") {
  const dm::nearest_correlation_result result = dm::nearest_correlation(higham_a());
  const Eigen::MatrixXd& x = result.matrix;
  CHECK(result.iterations > 0);
  CHECK(bit_identical(x, x.transpose()));
  for (int i = 0; i < 3; ++i) CHECK(x(i, i) == 1.0);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(x, Eigen::EigenvaluesOnly);
  CHECK(eig.eigenvalues()(0) >= -1e-14);  // PSD up to rounding
  dm::require_positive_semidefinite(x, "test", "nearest correlation");

  // Higham (2002), pp. 334-335, to the 4 decimals printed: 0.7607 and 0.1573.
  CHECK(std::abs(x(0, 1) - 0.7607) <= 1e-4);
  CHECK(std::abs(x(1, 2) - 0.7607) <= 1e-4);
  CHECK(std::abs(x(0, 2) - 0.1573) <= 1e-4);
  // scipy, through the dual problem (not alternating projections): 1e-9 (the default tolerance
  // 1e-10 is a relative change; the result is far closer than that here).
  const Eigen::MatrixXd expected = ref_matrix("ncm_higham_x_");
  CHECK((x - expected).cwiseAbs().maxCoeff() <= 1e-9);
  CHECK(std::abs(result.distance - ref_value("ncm_higham_distance")) <= 1e-9);
}

TEST_CASE("nearest correlation: an eigenvalue floor makes the result positive definite",
          "[portfolio][nearest_correlation]") {
  dm::nearest_correlation_settings settings;
  settings.eigenvalue_floor = 0.1;
  settings.tolerance = 1e-12;
  const auto result = dm::nearest_correlation(higham_a(), settings);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(result.matrix, Eigen::EigenvaluesOnly);
  CHECK(eig.eigenvalues()(0) >= 0.1 * (1.0 - 1e-9));
  for (int i = 0; i < 3; ++i) CHECK(result.matrix(i, i) == 1.0);
  // scipy dual problem with B = A - 0.1 I (tests/data/make_portfolio_covariance_reference.py): 1e-9.
  CHECK((result.matrix - ref_matrix("ncm_higham_floor_x_")).cwiseAbs().maxCoeff() <= 1e-9);
  CHECK(std::abs(result.distance - ref_value("ncm_higham_floor_distance")) <= 1e-9);
}

TEST_CASE("nearest correlation: a stressed crypto correlation matrix", "[portfolio][nearest_correlation]") {
  // The EWMA correlation of BTC/ETH/SOL with corr(ETH, SOL) overridden to -0.5: indefinite.
  const Eigen::MatrixXd a = ref_matrix("ncm_stressed_a_");
  const auto before = dm::check_positive_semidefinite(a);
  CHECK_FALSE(before.is_psd);
  CHECK(std::abs(before.smallest_eigenvalue - ref_value("ncm_stressed_min_eig_a")) <= 1e-12);
  const auto result = dm::nearest_correlation(a);
  CHECK((result.matrix - ref_matrix("ncm_stressed_x_")).cwiseAbs().maxCoeff() <= 1e-9);
  CHECK(std::abs(result.distance - ref_value("ncm_stressed_distance")) <= 1e-9);
  CHECK(dm::check_positive_semidefinite(result.matrix).is_psd);
}

TEST_CASE("nearest correlation: a correlation matrix is returned unchanged", "[portfolio][nearest_correlation]") {
  Eigen::MatrixXd c = ref_matrix("first_corr_");
  c.diagonal().setOnes();  // the reference prints 1 +- 2e-16
  const auto result = dm::nearest_correlation(c);
  CHECK(result.iterations == 0);
  CHECK((result.matrix - c).cwiseAbs().maxCoeff() <= 1e-12);
  CHECK(result.distance <= 1e-12);
  const auto identity = dm::nearest_correlation(Eigen::MatrixXd::Identity(4, 4));
  CHECK(identity.matrix == Eigen::MatrixXd::Identity(4, 4));
}

TEST_CASE("nearest correlation: bad input and no convergence name the problem", "[portfolio][nearest_correlation]") {
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::nearest_correlation(Eigen::MatrixXd::Ones(2, 3)), dm::invalid_argument,
                                dmtest::contains(
                                    "nearest_correlation: a must be a non-empty square matrix, got 2 x 3"));
  Eigen::MatrixXd m = higham_a();
  m(1, 2) = std::numeric_limits<double>::quiet_NaN();
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::nearest_correlation(m), dm::invalid_argument,
                                dmtest::contains("nearest_correlation: a(1, 2) must be finite, got nan"));
  m = higham_a();
  m(0, 1) = 0.9;
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::nearest_correlation(m), dm::invalid_argument,
                                dmtest::contains("nearest_correlation: a(1, 0) must equal a(0, 1) = 0.9"));
  dm::nearest_correlation_settings settings;
  settings.eigenvalue_floor = 1.0;
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::nearest_correlation(higham_a(), settings), dm::invalid_argument,
                                dmtest::contains("nearest_correlation: eigenvalue_floor must be in [0, 1), got 1"));
  settings = {};
  settings.max_iterations = 2;
  DMTEST_CHECK_THROWS_TYPE_WITH(dm::nearest_correlation(higham_a(), settings), dm::evaluation_error,
                                dmtest::contains("nearest_correlation: no convergence after 2 iterations"));
}
