// IWYU pragma: private, include "dynmargin/all.hpp"
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
