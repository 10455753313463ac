#include "dynmargin/volatility/model.hpp"
#include "dynmargin/volatility/detail/window.hpp"
