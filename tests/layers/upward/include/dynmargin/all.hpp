#include "dynmargin/core/types.hpp"
#include "dynmargin/volatility/model.hpp"
