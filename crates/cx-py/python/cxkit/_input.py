"""Turning the inputs people have into the contiguous 1-D numpy arrays the core borrows.

numpy arrays of a supported dtype pass through untouched (no copy). pandas and polars Series are unwrapped to
their numpy data (no copy where the dtype allows); nullable dtypes (``Int64`` with ``pd.NA``, polars nulls)
become float64 with NaN, which the core counts as missing. Lists go through ``numpy.asarray``.
"""

from __future__ import annotations

import datetime
import re

from typing import Any, Optional, Tuple

import numpy as np

from cxkit.errors import InvalidInputError

_SCORE_DTYPES = frozenset(
    np.dtype(t) for t in (np.float64, np.float32, np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32,
                          np.uint16, np.uint8)
)


def _invalid(message: str, kind: str = "InvalidInput", index: Optional[int] = None) -> InvalidInputError:
    error = InvalidInputError(message)
    error.kind = kind
    error.index = index
    return error


def _module_of(x: Any) -> str:
    return type(x).__module__.split(".", 1)[0]


def _unwrap(x: Any, missing_as_nan: bool = True) -> Any:
    """pandas / polars containers → numpy; nullable data → float64 with NaN."""
    module = _module_of(x)
    if module == "pandas":
        dtype = getattr(x, "dtype", None)
        if dtype is not None and not isinstance(dtype, np.dtype):
            # An extension dtype (Int64, boolean, Float64, category, ...): NA becomes NaN.
            import pandas as pd

            if isinstance(dtype, pd.CategoricalDtype):
                return np.asarray(x, dtype=object)
            if missing_as_nan and (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
                return x.to_numpy(dtype=np.float64, na_value=np.nan)
            return x.to_numpy()
        return x.to_numpy()
    if module == "polars":
        if missing_as_nan and x.null_count() > 0 and x.dtype.is_numeric():
            import polars as pl

            return x.cast(pl.Float64).fill_null(float("nan")).to_numpy()
        return x.to_numpy()
    return x


def _require_1d(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.ndim != 1:
        raise _invalid(f"{name} must be one-dimensional, got an array of shape {arr.shape}")
    return arr


def _one_dimensional(arr: np.ndarray, name: str) -> np.ndarray:
    _require_1d(arr, name)
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return np.ascontiguousarray(arr)


def _first_bad(values: np.ndarray, convert: Any) -> Tuple[int, Any]:
    for i, v in enumerate(values):
        try:
            convert(v)
        except (TypeError, ValueError):
            return i, v
    return -1, None


def _object_to_float(arr: np.ndarray, name: str) -> np.ndarray:
    def convert(v: Any) -> float:
        # Text is never a number here, even "7": nothing is silently coerced.
        if isinstance(v, (str, bytes)):
            raise TypeError(v)
        return float("nan") if v is None else float(v)

    try:
        return np.array([convert(v) for v in arr], dtype=np.float64)
    except (TypeError, ValueError):
        i, v = _first_bad(arr, convert)
        raise _invalid(f"{name} holds a non-numeric value {v!r} at index {i}", "NonNumeric", i) from None


def _numeric_or_object(x: Any, name: str) -> np.ndarray:
    """``np.asarray``, except that a list mixing numbers and text stays as objects (numpy would turn 10 into
    "10"), so the error can name the first element that is not a number."""
    x = _unwrap(x)
    arr = np.asarray(x)
    if arr.dtype.kind in "US" and not isinstance(x, np.ndarray):
        arr = np.array(x, dtype=object)
    return _require_1d(arr, name)


def as_scores(x: Any, name: str = "scores") -> np.ndarray:
    """A 1-D contiguous numpy array of a dtype the core reads directly; NaN marks missing."""
    arr = _numeric_or_object(x, name)
    if arr.dtype == np.bool_:
        arr = arr.view(np.uint8)
    elif arr.dtype.kind in "OUS":
        arr = _object_to_float(arr.astype(object), name)
    elif arr.dtype.kind == "f" and arr.dtype not in _SCORE_DTYPES:
        arr = arr.astype(np.float64)
    elif arr.dtype.kind not in "iuf":
        raise _invalid(f"{name} must hold numbers, got dtype {arr.dtype}")
    return _one_dimensional(arr, name)


def as_float64(x: Any, name: str) -> np.ndarray:
    """A 1-D contiguous float64 array (weights, p-values); None becomes NaN, which the core rejects by index."""
    arr = _numeric_or_object(x, name)
    if arr.dtype.kind in "OUS":
        arr = _object_to_float(arr.astype(object), name)
    elif arr.dtype.kind not in "iufb":
        raise _invalid(f"{name} must hold numbers, got dtype {arr.dtype}")
    return _one_dimensional(arr.astype(np.float64, copy=False), name)


def as_int64(x: Any, name: str) -> np.ndarray:
    """A 1-D contiguous int64 array (group codes)."""
    arr = np.asarray(_unwrap(x, missing_as_nan=False))
    if arr.dtype.kind not in "iub":
        raise _invalid(f"{name} must hold integers, got dtype {arr.dtype}")
    if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
        i = int(np.argmax(arr > np.iinfo(np.int64).max))
        raise _invalid(f"{name} value {arr[i]} at index {i} does not fit in int64", "OutOfRange", i)
    return _one_dimensional(arr.astype(np.int64, copy=False), name)


def as_uint32(x: Any, name: str) -> np.ndarray:
    """A 1-D contiguous uint32 array (event codes)."""
    arr = as_int64(x, name)
    outside = (arr < 0) | (arr > np.iinfo(np.uint32).max)
    if outside.any():
        i = int(np.argmax(outside))
        raise _invalid(f"{name} value {arr[i]} at index {i} is not a code in 0..2**32", "OutOfRange", i)
    return arr.astype(np.uint32)


def _local_date(v: Any) -> Any:
    """One element on its own local calendar: an aware ``datetime`` (or pandas ``Timestamp``) loses its offset and
    keeps its wall time; an ISO date-time string keeps the date it writes (with or without an offset); anything
    else is left to numpy."""
    if isinstance(v, datetime.datetime) and v.tzinfo is not None:
        return v.replace(tzinfo=None)
    if isinstance(v, str):
        m = _ISO_DATE_TIME.match(v)
        if m:
            return m.group(1)
    return v


# A date followed by a time: its calendar date is the one written, whatever offset follows.
_ISO_DATE_TIME = re.compile(r"\s*([+-]?\d{4,}-\d{2}-\d{2})[T ]")


def as_days(x: Any, name: str = "dates") -> np.ndarray:
    """Dates as int64 days since 1970-01-01 (NaT stays as numpy's NaT value, which the core reports by index).

    Accepts numpy ``datetime64`` of any unit (times are floored to their day), ``datetime.date`` or
    ``datetime.datetime`` objects, pandas timestamps and ISO date or date-time strings.

    Time zones: a timezone-aware instant counts on **its own local calendar**, the date a person there saw and
    the one pandas shows: ``2025-01-31 23:30-05:00`` is January 31 (it is February 1 in UTC). The rule is the
    same for every form: a pandas Series or index with a time zone, a list of aware ``datetime`` objects or
    pandas ``Timestamp`` objects, and ISO strings with an offset (``Z``, ``+09:00``, ``-0500``); instants with mixed
    offsets each keep their own. Naive values (``datetime64``, naive ``datetime``, strings without an offset)
    are taken as written. Convert beforehand (``series.dt.tz_convert("UTC")``) to count on another calendar.
    """
    if _module_of(x) == "pandas":
        import pandas as pd

        if isinstance(getattr(x, "dtype", None), pd.DatetimeTZDtype):
            x = x.dt.tz_localize(None) if isinstance(x, pd.Series) else x.tz_localize(None)
    arr = _require_1d(np.asarray(_unwrap(x, missing_as_nan=False)), name)
    if arr.size == 0:  # an empty list arrives as float64; no dates is no dates
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind in "iuf":
        raise _invalid(
            f"{name} must be dates (datetime64, datetime.date, pandas timestamps), got numbers of dtype {arr.dtype}"
        )
    if arr.dtype.kind in "OUS":
        # numpy would read an aware instant or an offset in a string in UTC; each keeps its local date instead.
        arr = np.array([_local_date(v) for v in arr.astype(object)], dtype=object)
    if arr.dtype.kind != "M":
        try:
            arr = arr.astype("datetime64[D]")
        except (TypeError, ValueError):
            i, v = _first_bad(arr, lambda v: np.datetime64(v, "D"))
            raise _invalid(f"{name} holds a value that is not a date, {v!r}, at index {i}", "InvalidDate", i) from None
    return _one_dimensional(arr.astype("datetime64[D]", copy=False).view(np.int64), name)


def factorize(keys: Any, name: str = "by") -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Group keys → (int64 codes, labels). Integer keys are their own codes (labels None); other keys are coded
    in sorted order. A missing key is an error naming its index: a response with no group is not dropped
    silently."""
    if _module_of(keys) == "pandas":
        import pandas as pd

        if isinstance(getattr(keys, "dtype", None), pd.CategoricalDtype):
            codes = np.asarray(keys.cat.codes if isinstance(keys, pd.Series) else keys.codes, dtype=np.int64)
            _check_no_missing(codes < 0, name)
            return codes, np.asarray(keys.cat.categories if isinstance(keys, pd.Series) else keys.categories)
    arr = _require_1d(np.asarray(_unwrap(keys, missing_as_nan=False)), name)
    if arr.dtype.kind in "iu":
        return as_int64(arr, name), None
    if arr.dtype == np.bool_:
        return arr.astype(np.int64), np.array([False, True])
    try:
        import pandas as pd
    except ImportError:
        pd = None
    if pd is not None:
        codes, labels = pd.factorize(arr, sort=True, use_na_sentinel=True)
        _check_no_missing(codes < 0, name)
        return codes.astype(np.int64, copy=False), np.asarray(labels)
    _check_no_missing(np.array([v is None or (isinstance(v, float) and v != v) for v in arr], dtype=bool), name)
    labels, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.int64), labels


def _check_no_missing(missing: np.ndarray, name: str) -> None:
    if missing.any():
        i = int(np.argmax(missing))
        raise _invalid(f"missing group key (None/NaN) at index {i} in {name}", "MissingValue", i)
