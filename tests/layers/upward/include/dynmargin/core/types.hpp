#include <cstdint>

#include <boost/math/tools/config.hpp>

#include "dynmargin/detail/helper.hpp"
#include "dynmargin/volatility/model.hpp"
