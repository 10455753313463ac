# SPDX-License-Identifier: MIT
"""Conversion of inputs to the arrays the C++ kernels take, and of results back.

Inputs: one-dimensional NumPy arrays, sequences of numbers, or pandas Series (when pandas is
installed). A C-contiguous float64 array reaches the kernel without a copy; other real dtypes
(float32, integers) and strided views are converted; anything else is refused with an error
that names the argument. A Series in gives a Series out with the same index.
"""

import numpy as np

try:  # pandas is optional: without it, Series are simply never seen
    import pandas as _pd
except ImportError:  # pragma: no cover - exercised only where pandas is missing
    _pd = None

_ACCEPTED_KINDS = "fiu"  # float, signed and unsigned integer


def pandas_available():
    return _pd is not None


def is_series(value):
    return _pd is not None and isinstance(value, _pd.Series)


def is_frame(value):
    return _pd is not None and isinstance(value, _pd.DataFrame)


def as_float_array(value, name):
    """(array, index): `value` as a C-contiguous 1-D float64 array, and its pandas index or None."""
    index = None
    if is_frame(value):
        raise TypeError(f"{name}: expected a one-dimensional array or a pandas Series, got a DataFrame "
                        f"with columns {list(value.columns)}; pass one column, e.g. frame['{value.columns[0]}']")
    if is_series(value):
        index = value.index
        if isinstance(value.dtype, np.dtype) and value.dtype.kind in _ACCEPTED_KINDS:
            # a NumPy dtype: the Series' own array, without a copy when it is float64
            value = value.to_numpy()
        elif _pd.api.types.is_numeric_dtype(value.dtype) and not _pd.api.types.is_bool_dtype(value.dtype):
            # nullable dtypes (Float64, Int64): their missing values become NaN
            value = value.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            raise TypeError(f"{name}: expected numbers, got a Series of dtype {value.dtype}")
    array = value if isinstance(value, np.ndarray) else np.asarray(value)
    if array.dtype.kind not in _ACCEPTED_KINDS:
        raise TypeError(f"{name}: expected real numbers (float64, or a float or integer dtype to convert), "
                        f"got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a one-dimensional array, got shape {array.shape}")
    # no copy when the array is already float64 and contiguous
    return np.ascontiguousarray(array, dtype=np.float64), index


def shares_memory(value, name):
    """True when `value` reaches the kernel without a copy (for tests and the curious)."""
    array, _ = as_float_array(value, name)
    source = value.to_numpy() if is_series(value) else value
    return isinstance(source, np.ndarray) and np.shares_memory(array, source)


def wrap(values, index, name=None):
    """`values` as a Series on `index` when the input was a Series, else the array itself."""
    if index is None:
        return values
    return _pd.Series(values, index=index, name=name)
