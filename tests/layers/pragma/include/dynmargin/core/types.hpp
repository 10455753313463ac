#include "dynmargin/detail/helper.hpp"
