// SPDX-License-Identifier: MIT
/// @file
/// @brief BTC, ETH and SOL daily log returns (fractions) on the dates all three have, oldest
///        first, from tests/data/returns_{btc,eth,sol}_usd_daily.csv: the joint history of the
///        portfolio tests.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "test_data.hpp"

namespace dmtest {

struct common_history {
  Eigen::MatrixXd returns;         ///< dates x {BTC, ETH, SOL}
  std::vector<std::string> dates;  ///< the date of each row
};

inline common_history load_common_history() {
  std::vector<std::map<std::string, double>> series;
  for (const char* coin : {"btc", "eth", "sol"}) {
    const auto table = read_csv(reference_path(std::string("returns_") + coin + "_usd_daily.csv"));
    const std::size_t date = table.column("date");
    const auto r = table.numbers("r");
    std::map<std::string, double> by_date;
    for (std::size_t i = 0; i < r.size(); ++i) by_date[table.rows[i][date]] = r[i] / 100.0;
    series.push_back(std::move(by_date));
  }
  common_history h;
  for (const auto& entry : series[0])
    if (series[1].count(entry.first) != 0 && series[2].count(entry.first) != 0) h.dates.push_back(entry.first);
  h.returns.resize(static_cast<Eigen::Index>(h.dates.size()), 3);
  for (std::size_t t = 0; t < h.dates.size(); ++t)
    for (std::size_t u = 0; u < 3; ++u)
      h.returns(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(u)) = series[u].at(h.dates[t]);
  return h;
}

}  // namespace dmtest
