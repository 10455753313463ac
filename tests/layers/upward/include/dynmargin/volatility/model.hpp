#include "dynmargin/core/types.hpp"
#include "dynmargin/volatility/detail/window.hpp"
