// SPDX-License-Identifier: MIT
/// @file
/// @brief Umbrella header of `dynmargin/io/`: the CSV readers for crypto price data (Yahoo
///        daily, CryptoDataDownload hourly exports of Bitstamp and Binance, plain CSVs with a
///        named numeric column) and their load report.
///
/// The readers are kept out of `dynmargin/dynmargin.hpp` because they pull in `<filesystem>`
/// and `<fstream>`, which the numerical layers do not need.
#pragma once

#include "dynmargin/io/csv_reader.hpp"  // IWYU pragma: export
#include "dynmargin/io/csv_types.hpp"   // IWYU pragma: export
