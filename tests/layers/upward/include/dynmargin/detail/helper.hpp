// IWYU pragma: private, include "dynmargin/all.hpp"
#include <vector>
