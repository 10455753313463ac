// IWYU pragma: private, include "dynmargin/volatility/model.hpp"
