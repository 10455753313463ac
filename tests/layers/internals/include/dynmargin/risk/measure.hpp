#include "dynmargin/volatility/detail/window.hpp"
#include "dynmargin/volatility/model.hpp"
