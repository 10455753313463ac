// An internal header that forgot to say so.
#include <cmath>
