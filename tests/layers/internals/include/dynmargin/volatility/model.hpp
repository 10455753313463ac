#include "dynmargin/volatility/detail/window.hpp"
