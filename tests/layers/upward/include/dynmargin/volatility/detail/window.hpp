// IWYU pragma: private, include "dynmargin/volatility/model.hpp"
#include <vector>

#include "dynmargin/core/types.hpp"
