// SPDX-License-Identifier: MIT
/// @file
/// @brief Coverage backtests of a sequence of exceptions (a loss larger than the margin or
///        VaR set before it): Kupiec's proportion of failures, Christoffersen's independence
///        and conditional coverage, the Basel traffic light, and the Christoffersen-Pelletier
///        duration test.
///
/// Sources:
///  - Kupiec, P. (1995), "Techniques for verifying the accuracy of risk measurement models",
///    Journal of Derivatives 3(2): LR_pof = -2 ln[(1-p)^(T-x) p^x] + 2 ln[(1-x/T)^(T-x) (x/T)^x],
///    chi-square with 1 degree of freedom.
///  - Christoffersen, P. (1998), "Evaluating interval forecasts", International Economic
///    Review 39(4): a first-order Markov chain of exceptions with transition counts n_ij
///    (state i today, j tomorrow); LR_ind (1 dof) and LR_cc = LR_pof + LR_ind (2 dof).
///    LR_pof inside LR_cc is Kupiec's statistic on all T observations, LR_ind uses the T-1
///    transitions (as MATLAB's varbacktest `cc`).
///  - Basel Committee on Banking Supervision (1996), "Supervisory framework for the use of
///    'backtesting' in conjunction with the internal models approach to market risk capital
///    requirements": the number of exceptions x among T observations is green while the
///    cumulative binomial probability P(X <= x) is below 95%, yellow from 95% and red from
///    99.99% (250 days at 99%: green 0-4, yellow 5-9, red 10 or more). The same convention as
///    MATLAB's `tl` (1043 observations, 57 failures at 95%: green, 0.77913).
///  - Christoffersen, P. and D. Pelletier (2004), "Backtesting value-at-risk: a
///    duration-based approach", Journal of Financial Econometrics 2(1): the durations between
///    exceptions are exponential (memoryless) under the null; the alternative is a Weibull
///    hazard. The first and last durations are censored when the sequence does not start or
///    end with an exception. This implementation uses the asymptotic chi-square(1) p-value of
///    the likelihood ratio of Weibull against exponential (the paper also simulates small-sample
///    p-values); the Weibull shape is profiled and found with Boost.Math's TOMS 748 root finder.
///
/// All likelihoods are sums of `n * log(...)` with `0 * log 0 = 0` (dynmargin/backtest/detail/
/// likelihood_ratio.hpp), so zero exceptions, all exceptions and empty transition cells are
/// finite. No function returns NaN.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <ranges>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/math/tools/roots.hpp>

#include "dynmargin/backtest/detail/likelihood_ratio.hpp"
#include "dynmargin/core/error.hpp"
#include "dynmargin/core/math_policy.hpp"
#include "dynmargin/core/types.hpp"

namespace dynmargin {

/// @brief A range of exception indicators (bool, or integers 0/1), oldest first.
template <class R>
concept exception_sequence = std::ranges::forward_range<R> && std::convertible_to < std::ranges::range_reference_t<R>,
bool > ;

// ---------------------------------------------------------------------------------------------
// Kupiec proportion of failures
// ---------------------------------------------------------------------------------------------

/// @brief Kupiec's proportion-of-failures test.
struct kupiec_result {
  std::size_t observations = 0;  ///< T
  std::size_t exceptions = 0;    ///< x
  double expected_rate = 0.0;    ///< p = 1 - coverage
  double observed_rate = 0.0;    ///< x / T
  double lr = 0.0;               ///< LR_pof >= 0
  double p_value = 1.0;          ///< P(chi-square(1) > LR_pof)
  friend bool operator==(const kupiec_result&, const kupiec_result&) = default;
};

namespace detail {
inline void check_counts(std::string_view component, std::size_t observations, std::size_t exceptions) {
  if (observations == 0) throw_invalid_argument(component, "observations", "must be at least 1", observations);
  if (exceptions > observations) {
    throw_invalid_argument(component, "exceptions",
                           "must not exceed the observations (" + std::to_string(observations) + ")", exceptions);
  }
}

/// Kupiec's log-likelihood ratio, in log space.
[[nodiscard]] inline double kupiec_lr(std::size_t observations, std::size_t exceptions, double p) noexcept {
  const double t = static_cast<double>(observations);
  const double x = static_cast<double>(exceptions);
  const double null_loglik = (t - x) * std::log1p(-p) + (x == 0.0 ? 0.0 : x * std::log(p));
  const double alt_loglik = xlog_ratio(t - x, t - x, t) + xlog_ratio(x, x, t);
  return non_negative(-2.0 * (null_loglik - alt_loglik));
}
}  // namespace detail

/// @brief Kupiec (1995) proportion-of-failures test.
/// @param observations T >= 1; @param exceptions x in [0, T];
/// @param coverage the level the margin or VaR was set for (0.99 expects 1% exceptions).
/// @throws dynmargin::invalid_argument when T = 0 or x > T.
[[nodiscard]] inline kupiec_result kupiec_test(std::size_t observations, std::size_t exceptions,
                                               confidence_level coverage) {
  detail::check_counts("kupiec_test", observations, exceptions);
  kupiec_result out;
  out.observations = observations;
  out.exceptions = exceptions;
  out.expected_rate = coverage.tail();
  out.observed_rate = static_cast<double>(exceptions) / static_cast<double>(observations);
  out.lr = detail::kupiec_lr(observations, exceptions, coverage.tail());
  out.p_value = detail::chi_squared_upper_tail(out.lr, 1.0, "kupiec_test");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Christoffersen independence and conditional coverage
// ---------------------------------------------------------------------------------------------

/// @brief Transition counts of the exception indicator: n_ij = number of days with state i
///        followed by a day with state j (0 = no exception, 1 = exception).
struct transition_counts {
  std::size_t n00 = 0;
  std::size_t n01 = 0;
  std::size_t n10 = 0;
  std::size_t n11 = 0;
  [[nodiscard]] std::size_t transitions() const noexcept { return n00 + n01 + n10 + n11; }
  friend bool operator==(const transition_counts&, const transition_counts&) = default;
};

/// @brief Counts the transitions of an exception sequence (T - 1 of them).
template <exception_sequence R>
[[nodiscard]] transition_counts count_transitions(const R& hits) {
  transition_counts counts;
  bool first = true;
  bool previous = false;
  for (auto&& value : hits) {
    const bool current = static_cast<bool>(value);
    if (!first) {
      if (!previous) {
        ++(current ? counts.n01 : counts.n00);
      } else {
        ++(current ? counts.n11 : counts.n10);
      }
    }
    previous = current;
    first = false;
  }
  return counts;
}

/// @brief Christoffersen's (1998) independence and conditional coverage tests.
struct christoffersen_result {
  transition_counts counts{};
  double pi0 = 0.0;  ///< n01 / (n00 + n01): P(exception | none the step before)
  double pi1 =
      0.0;  ///< n11 / (n10 + n11): P(exception | exception the step before), 0 if no exception before the last step
  double pi = 0.0;      ///< (n01 + n11) / (T - 1)
  double lr_pof = 0.0;  ///< Kupiec's LR on all T observations
  double lr_ind = 0.0;  ///< independence LR, chi-square(1)
  double p_ind = 1.0;
  double lr_cc = 0.0;  ///< lr_pof + lr_ind, chi-square(2)
  double p_cc = 1.0;
  friend bool operator==(const christoffersen_result&, const christoffersen_result&) = default;
};

namespace detail {
[[nodiscard]] inline double christoffersen_lr_ind(const transition_counts& c) noexcept {
  const double n00 = static_cast<double>(c.n00), n01 = static_cast<double>(c.n01);
  const double n10 = static_cast<double>(c.n10), n11 = static_cast<double>(c.n11);
  const double n = n00 + n01 + n10 + n11;
  if (n == 0.0) return 0.0;
  // Restricted: one exception probability pi for both states.
  const double restricted = xlog_ratio(n00 + n10, n00 + n10, n) + xlog_ratio(n01 + n11, n01 + n11, n);
  // Unrestricted: pi0 after a calm step, pi1 after an exception.
  const double unrestricted = xlog_ratio(n00, n00, n00 + n01) + xlog_ratio(n01, n01, n00 + n01) +
                              xlog_ratio(n10, n10, n10 + n11) + xlog_ratio(n11, n11, n10 + n11);
  return non_negative(-2.0 * (restricted - unrestricted));
}
}  // namespace detail

/// @brief Christoffersen tests from transition counts.
/// @param observations T (= transitions + 1); @param exceptions total exceptions among the T.
/// @throws dynmargin::invalid_argument when the counts are inconsistent with T and x.
[[nodiscard]] inline christoffersen_result christoffersen_test(const transition_counts& counts,
                                                               std::size_t observations, std::size_t exceptions,
                                                               confidence_level coverage) {
  detail::check_counts("christoffersen_test", observations, exceptions);
  if (counts.transitions() + 1 != observations) {
    throw_invalid_argument("christoffersen_test", "transition counts",
                           "must add up to observations - 1 = " + std::to_string(observations - 1),
                           counts.transitions());
  }
  const std::size_t inner = counts.n01 + counts.n11;  // exceptions at steps 2..T
  if (inner > exceptions || exceptions > inner + 1) {
    throw_invalid_argument("christoffersen_test", "exceptions",
                           "must equal n01 + n11 (" + std::to_string(inner) + ") or one more", exceptions);
  }
  christoffersen_result out;
  out.counts = counts;
  const auto ratio = [](std::size_t a, std::size_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
  };
  out.pi0 = ratio(counts.n01, counts.n00 + counts.n01);
  out.pi1 = ratio(counts.n11, counts.n10 + counts.n11);
  out.pi = ratio(counts.n01 + counts.n11, counts.transitions());
  out.lr_pof = detail::kupiec_lr(observations, exceptions, coverage.tail());
  out.lr_ind = detail::christoffersen_lr_ind(counts);
  out.p_ind = detail::chi_squared_upper_tail(out.lr_ind, 1.0, "christoffersen_test");
  out.lr_cc = out.lr_pof + out.lr_ind;
  out.p_cc = detail::chi_squared_upper_tail(out.lr_cc, 2.0, "christoffersen_test");
  return out;
}

/// @brief Christoffersen tests of an exception sequence (oldest first, at least 1 element).
/// @throws dynmargin::invalid_argument on an empty sequence.
template <exception_sequence R>
[[nodiscard]] christoffersen_result christoffersen_test(const R& hits, confidence_level coverage) {
  std::size_t observations = 0;
  std::size_t exceptions = 0;
  for (auto&& value : hits) {
    ++observations;
    exceptions += static_cast<bool>(value) ? 1U : 0U;
  }
  return christoffersen_test(count_transitions(hits), observations, exceptions, coverage);
}

// ---------------------------------------------------------------------------------------------
// Basel traffic light
// ---------------------------------------------------------------------------------------------

/// @brief Basel traffic-light zones.
enum class traffic_light_zone : std::uint8_t { green, yellow, red };

/// @brief "green", "yellow" or "red".
[[nodiscard]] constexpr std::string_view to_string(traffic_light_zone zone) noexcept {
  switch (zone) {
    case traffic_light_zone::green: return "green";
    case traffic_light_zone::yellow: return "yellow";
    case traffic_light_zone::red: return "red";
  }
  return "unknown";
}

/// @brief Where the zones start, as cumulative binomial probabilities (Basel 1996).
struct traffic_light_edges {
  double yellow = 0.95;  ///< yellow when P(X <= x) >= this
  double red = 0.9999;   ///< red when P(X <= x) >= this
};

/// @brief The traffic light of x exceptions among T observations.
struct traffic_light_result {
  traffic_light_zone zone = traffic_light_zone::green;
  std::size_t observations = 0;
  std::size_t exceptions = 0;
  double cumulative_probability = 0.0;  ///< P(X <= x), X ~ Binomial(T, 1 - coverage)
  double type1_error = 1.0;             ///< P(X >= x): probability of rejecting a correct model at x
  std::size_t yellow_from = 0;          ///< smallest x in the yellow zone
  std::size_t red_from = 0;             ///< smallest x in the red zone (T + 1 if none)
  friend bool operator==(const traffic_light_result&, const traffic_light_result&) = default;
};

/// @brief Basel traffic light for any T and coverage.
/// @param edges cumulative probabilities where yellow and red start, 0 < yellow < red < 1.
/// @throws dynmargin::invalid_argument on T = 0, x > T or bad edges.
[[nodiscard]] inline traffic_light_result traffic_light(std::size_t observations, std::size_t exceptions,
                                                        confidence_level coverage, traffic_light_edges edges = {}) {
  detail::check_counts("traffic_light", observations, exceptions);
  if (!(edges.yellow > 0.0 && edges.yellow < edges.red && edges.red < 1.0)) {
    throw_invalid_argument("traffic_light", "edges.yellow", "must be in (0, edges.red) with edges.red < 1",
                           edges.yellow);
  }
  const double p = coverage.tail();
  traffic_light_result out;
  out.observations = observations;
  out.exceptions = exceptions;
  out.cumulative_probability = detail::binomial_cdf(exceptions, observations, p, "traffic_light");
  out.type1_error = exceptions == 0 ? 1.0
                                    : 1.0 - detail::binomial_cdf(exceptions - 1, observations, p, "traffic_light");
  // Zone edges: search upwards from the mode, where the cumulative probability is near 1/2.
  std::size_t x = static_cast<std::size_t>(std::floor(static_cast<double>(observations) * p));
  while (x > 0 && detail::binomial_cdf(x, observations, p, "traffic_light") >= edges.yellow) --x;
  while (x <= observations && detail::binomial_cdf(x, observations, p, "traffic_light") < edges.yellow) ++x;
  out.yellow_from = x;
  while (x <= observations && detail::binomial_cdf(x, observations, p, "traffic_light") < edges.red) ++x;
  out.red_from = x;
  out.zone = exceptions >= out.red_from      ? traffic_light_zone::red
             : exceptions >= out.yellow_from ? traffic_light_zone::yellow
                                             : traffic_light_zone::green;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Christoffersen-Pelletier duration test
// ---------------------------------------------------------------------------------------------

/// @brief One duration between exceptions, in steps, and whether it is censored.
struct exception_duration {
  double length = 0.0;
  bool censored = false;
  friend bool operator==(const exception_duration&, const exception_duration&) = default;
};

/// @brief Durations of an exception sequence as Christoffersen and Pelletier (2004) define
///        them: the steps from one exception to the next; when the sequence does not start
///        with an exception, the first duration counts the steps up to the first exception and
///        is censored; when it does not end with one, the last counts the steps after the last
///        exception and is censored. Empty when there is no exception.
template <exception_sequence R>
[[nodiscard]] std::vector<exception_duration> exception_durations(const R& hits) {
  std::vector<exception_duration> out;
  std::size_t t = 0;
  std::size_t last_hit = 0;
  bool seen_hit = false;
  bool last_value = false;
  for (auto&& value : hits) {
    ++t;
    last_value = static_cast<bool>(value);
    if (!last_value) continue;
    if (seen_hit) {
      out.push_back({static_cast<double>(t - last_hit), false});
    } else if (t > 1) {
      out.push_back({static_cast<double>(t), true});
    }
    seen_hit = true;
    last_hit = t;
  }
  if (seen_hit && !last_value) out.push_back({static_cast<double>(t - last_hit), true});
  return out;
}

/// @brief Weibull-against-exponential duration test of independence.
struct duration_test_result {
  std::size_t durations = 0;  ///< number of durations (censored included)
  std::size_t uncensored = 0;
  bool testable = false;        ///< at least one uncensored and two durations; otherwise lr = 0, p = 1
  double mean_duration = 0.0;   ///< mean of the durations (1 / coverage tail under the null)
  double weibull_shape = 1.0;   ///< b: < 1 clustered exceptions (decreasing hazard), 1 memoryless
  double weibull_rate = 0.0;    ///< a, the Weibull rate at the maximum
  bool shape_at_bound = false;  ///< b hit the search interval [shape_lower, shape_upper]
  double lr = 0.0;              ///< 2 (lnL_weibull - lnL_exponential), chi-square(1)
  double p_value = 1.0;
  friend bool operator==(const duration_test_result&, const duration_test_result&) = default;
};

/// Search interval of the Weibull shape.
inline constexpr double duration_shape_lower = 1e-3;
inline constexpr double duration_shape_upper = 50.0;

namespace detail {
/// Profile log-likelihood of the Weibull shape b, with the rate maximised out:
/// l(b) = n_u ln n_u - n_u ln sum_all D^b + n_u ln b + (b - 1) sum_unc ln D - n_u,
/// and its derivative; sums of D^b in log-sum-exp form (D up to 1e5, b up to 50).
struct weibull_profile {
  const std::vector<exception_duration>* durations = nullptr;
  double uncensored = 0.0;
  double sum_log_uncensored = 0.0;
  double max_log = 0.0;

  /// ln sum D^b and the D^b-weighted mean of ln D.
  void sums(double b, double& log_sum, double& weighted_log_mean) const noexcept {
    double s = 0.0, sl = 0.0;
    for (const auto& d : *durations) {
      const double ld = std::log(d.length);
      const double w = std::exp(b * (ld - max_log));
      s += w;
      sl += w * ld;
    }
    log_sum = b * max_log + std::log(s);
    weighted_log_mean = sl / s;
  }
  [[nodiscard]] double loglik(double b) const noexcept {
    double log_sum = 0.0, mean = 0.0;
    sums(b, log_sum, mean);
    return uncensored * std::log(uncensored) - uncensored * log_sum + uncensored * std::log(b) +
           (b - 1.0) * sum_log_uncensored - uncensored;
  }
  [[nodiscard]] double score(double b) const noexcept {
    double log_sum = 0.0, mean = 0.0;
    sums(b, log_sum, mean);
    return uncensored / b + sum_log_uncensored - uncensored * mean;
  }
};
}  // namespace detail

/// @brief Christoffersen-Pelletier (2004) duration test from the durations.
/// @throws dynmargin::invalid_argument on a duration that is not finite and >= 1.
[[nodiscard]] inline duration_test_result duration_test(const std::vector<exception_duration>& durations) {
  duration_test_result out;
  out.durations = durations.size();
  detail::weibull_profile profile;
  profile.durations = &durations;
  double total = 0.0;
  for (std::size_t i = 0; i < durations.size(); ++i) {
    const double d = durations[i].length;
    if (!(std::isfinite(d) && d >= 1.0)) {
      throw_invalid_argument("duration_test", "duration " + std::to_string(i), "must be finite and >= 1", d);
    }
    total += d;
    profile.max_log = std::max(profile.max_log, std::log(d));
    if (!durations[i].censored) {
      ++out.uncensored;
      profile.sum_log_uncensored += std::log(d);
    }
  }
  if (!durations.empty()) out.mean_duration = total / static_cast<double>(durations.size());
  out.testable = out.uncensored >= 1 && durations.size() >= 2;
  if (!out.testable) return out;
  profile.uncensored = static_cast<double>(out.uncensored);

  // The score n_u/b + sum ln D - n_u E_b[ln D] decreases in b (E_b is a tilted mean whose
  // derivative is a variance), so the maximum is its unique root or a bound of the interval.
  double shape = 1.0;
  if (profile.score(duration_shape_upper) >= 0.0) {
    shape = duration_shape_upper;
    out.shape_at_bound = true;
  } else if (profile.score(duration_shape_lower) <= 0.0) {
    shape = duration_shape_lower;
    out.shape_at_bound = true;
  } else {
    std::uintmax_t iterations = 200;
    const auto root = boost::math::tools::toms748_solve([&](double b) { return profile.score(b); },
                                                        duration_shape_lower, duration_shape_upper,
                                                        boost::math::tools::eps_tolerance<double>(50), iterations,
                                                        math_policy());
    shape = 0.5 * (root.first + root.second);
    if (iterations >= 200)
      throw_evaluation_error("duration_test", "the Weibull shape did not converge in 200 iterations");
  }
  out.weibull_shape = shape;
  double log_sum = 0.0, mean = 0.0;
  profile.sums(shape, log_sum, mean);
  out.weibull_rate = std::exp((std::log(profile.uncensored) - log_sum) / shape);
  out.lr = detail::non_negative(2.0 * (profile.loglik(shape) - profile.loglik(1.0)));
  out.p_value = detail::chi_squared_upper_tail(out.lr, 1.0, "duration_test");
  return out;
}

/// @brief Christoffersen-Pelletier (2004) duration test of an exception sequence.
template <exception_sequence R>
[[nodiscard]] duration_test_result duration_test(const R& hits) {
  return duration_test(exception_durations(hits));
}

// ---------------------------------------------------------------------------------------------
// All coverage statistics of one sequence
// ---------------------------------------------------------------------------------------------

/// @brief Every coverage statistic of one exception sequence.
struct coverage_report {
  kupiec_result kupiec{};
  christoffersen_result christoffersen{};
  traffic_light_result traffic_light{};
  duration_test_result duration{};
};

/// @brief Kupiec, Christoffersen, traffic light and duration tests of one exception sequence.
/// @throws dynmargin::invalid_argument on an empty sequence.
template <exception_sequence R>
[[nodiscard]] coverage_report coverage_tests(const R& hits, confidence_level coverage, traffic_light_edges edges = {}) {
  coverage_report out;
  std::size_t observations = 0;
  std::size_t exceptions = 0;
  for (auto&& value : hits) {
    ++observations;
    exceptions += static_cast<bool>(value) ? 1U : 0U;
  }
  out.kupiec = kupiec_test(observations, exceptions, coverage);
  out.christoffersen = christoffersen_test(count_transitions(hits), observations, exceptions, coverage);
  out.traffic_light = traffic_light(observations, exceptions, coverage, edges);
  out.duration = duration_test(hits);
  return out;
}

}  // namespace dynmargin
