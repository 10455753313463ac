#include "dynmargin/risk/measure.hpp"
