// IWYU pragma: private, include "dynmargin/all.hpp"
#include <cmath>
#include <boost/math/special_functions/gamma.hpp>
