#include "dynmargin/core/types.hpp"
