"""Vectorised X12 text: amounts, dates and elements built a column at a time with Arrow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import one_array

__all__ = ["LS", "amount_text", "date_text", "as_text", "arrow_text", "join_text", "segment_text",
           "units_text"]

#: The Arrow type of every text column built here.
LS = pa.large_string()

_FRACTIONS = pa.array(["" if k == 0 else ("." + f"{k:02d}").rstrip("0") for k in range(100)],
                      LS)


def amount_text(cents) -> pa.Array:
    """Integer cents to X12 decimal text (``60000`` -> ``600``; ``-235`` -> ``-2.35``).

    Examples
    --------
    >>> amount_text(np.array([60000, -235, 15050, 5])).to_pylist()
    ['600', '-2.35', '150.5', '0.05']
    """
    cents = np.asarray(cents, dtype=np.int64)
    magnitude = np.abs(cents)
    whole = pc.cast(pa.array(magnitude // 100), LS)
    frac = _FRACTIONS.take(pa.array(magnitude % 100))
    sign = pc.if_else(pa.array(cents < 0), pa.scalar("-", LS), pa.scalar("", LS))
    return join_text(sign, whole, frac)


def date_text(values) -> pa.Array:
    """Dates as CCYYMMDD text (``""`` for NaT), built as fixed-width bytes."""
    days = np.asarray(values, dtype="datetime64[D]")
    missing = np.isnat(days)
    d = np.where(missing, 0, days.astype(np.int64))
    # Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    z = d + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    digits = np.stack([year // 1000 % 10, year // 100 % 10, year // 10 % 10, year % 10,
                       month // 10, month % 10, day // 10, day % 10], axis=1)
    width = np.where(missing, 0, 8)
    data = (digits[~missing] + 48).astype(np.uint8).ravel()
    offsets = np.zeros(len(d) + 1, dtype=np.int64)
    np.cumsum(width, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(d), pa.py_buffer(offsets), pa.py_buffer(data))


def as_text(values) -> pa.Array:
    """Any column or array as one contiguous large_string Arrow array, nulls as ``""``."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values
    elif (arr := arrow_text(values)) is not None:
        pass
    else:
        series = pd.Series(values)
        if not pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
            series = series.astype("str")
        arr = pa.array(series.fillna("").astype("str").array)
    return pc.fill_null(pc.cast(one_array(arr), LS), "")


def arrow_text(values) -> pa.Array | None:
    """The Arrow array under a pandas ``str`` column (missing values as nulls), else ``None``.

    The writer's steps then work on the column's own buffer, without a pandas
    call: on the few rows of a small remittance each pandas call costs more
    than the data.
    """
    if isinstance(values, pd.Series) and values.dtype == "str" and isinstance(
            values.array, pd.arrays.ArrowStringArray):
        return pa.array(values.array)
    return None


def join_text(*parts) -> pa.Array:
    """Concatenate strings and string arrays element-wise."""
    arrays = [p if isinstance(p, pa.Array) else pa.scalar(p, LS) for p in parts]
    return pc.binary_join_element_wise(*arrays, pa.scalar("", LS))


def segment_text(sep: str, *parts) -> pa.Array:
    """Join element values with the element separator and drop trailing empty ones."""
    pieces = []
    for i, p in enumerate(parts):
        if i:
            pieces.append(sep)
        pieces.append(p)
    return pc.utf8_rtrim(join_text(*pieces), characters=sep)


def units_text(units: np.ndarray) -> pa.Array:
    whole = units == np.round(units)
    as_int = pc.cast(pa.array(np.round(units).astype(np.int64)), LS)
    as_float = pa.array([repr(float(u)) for u in units], LS) if (~whole).any() else as_int
    return pc.if_else(pa.array(whole), as_int, as_float)

