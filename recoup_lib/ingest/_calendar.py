"""US dates of the usual shapes read straight from their bytes, and the Gregorian calendar in integers.

:func:`plain_dates` reads ``M/D/YY``, ``MM/DD/YYYY``, ``YYYY-MM-DD`` and
``YYYYMMDD`` (any of ``-/.`` between the parts) position by position, so
:func:`recoup_lib.ingest._values.read_dates` runs its patterns only on the
other shapes; :func:`days_in_month` and :func:`days_since_1970` check and
count the dates read without numpy's datetime conversions.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..arrowtext import array_parts

__all__ = ["plain_dates", "days_in_month", "days_since_1970"]


#: Shapes of the dates most exports hold, read straight from the bytes (:func:`_plain_dates`):
#: (length, positions of the two separators or None, (start, width) of year, month and day).
_PLAIN_SHAPES = [(2 + m + d + y, (m, m + 1 + d), ((m + d + 2, y), (0, m), (m + 1, d)))
                 for m in (1, 2) for d in (1, 2) for y in (2, 4)]
_PLAIN_SHAPES += [(6 + m + d, (4, 5 + m), ((0, 4), (5, m), (6 + m, d))) for m in (1, 2) for d in (1, 2)]
_PLAIN_SHAPES += [(8, None, ((0, 4), (4, 2), (6, 2)))]


def plain_dates(arr: pa.Array, todo: np.ndarray):
    """Year, month and day of the values written ``M/D/YY``, ``MM/DD/YYYY``, ``YYYY-MM-DD`` or
    ``YYYYMMDD`` (any of ``-/.`` between the parts), read from the bytes; (y, m, d, hit).

    These are exactly the values the first three patterns of :func:`recoup_lib.ingest._values.to_dates` take without a
    time of day, read the same way, so the patterns are only run on what is left.
    """
    n = len(arr)
    hit = np.zeros(n, dtype=bool)
    year = np.zeros(n, dtype=np.int64)
    month = np.zeros(n, dtype=np.int64)
    day = np.zeros(n, dtype=np.int64)
    if arr.buffers()[2] is None or not n:
        return year, month, day, hit
    offsets, raw = array_parts(arr)
    offsets = offsets.astype(np.int64)
    length = np.diff(offsets)
    rows = np.flatnonzero(todo & (length >= 6) & (length <= 10))
    if not len(rows):
        return year, month, day, hit
    windows = None
    size = length[rows]
    for total in sorted({shape[0] for shape in _PLAIN_SHAPES}):
        at = rows[size == total]
        if not len(at):
            continue
        if len(at) == n:
            # Every value has this length, one after another: the bytes are the rows of a matrix.
            window = raw[offsets[0]:offsets[-1]].reshape(n, total).T
        else:
            if windows is None:
                windows = np.lib.stride_tricks.sliding_window_view(np.concatenate([raw, np.zeros(10, np.uint8)]), 10)
            window = np.ascontiguousarray(windows[offsets[at], :total].T)   # one row per position
        value = window - np.uint8(48)
        digit = value < 10
        sep = (window == 45) | (window == 47) | (window == 46)
        for _, seps, parts in (shape for shape in _PLAIN_SHAPES if shape[0] == total):
            ok = digit[0].copy()
            for i in range(1, total):
                ok &= sep[i] if seps is not None and i in seps else digit[i]
            if not ok.any():
                continue
            got = value if ok.all() else value[:, ok]
            numbers = []
            for start, width in parts:
                number = got[start].astype(np.int32)
                for k in range(start + 1, start + width):
                    number = number * 10 + got[k]
                numbers.append(number)
            where = at[ok]
            year[where], month[where], day[where] = numbers
            hit[where] = True
    return year, month, day, hit


_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Days in each (year, month) of the Gregorian calendar (``month`` 1-12)."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return _MONTH_DAYS[month] + (leap & (month == 2))


def days_since_1970(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days from 1970-01-01 to each Gregorian date, in integer arithmetic (H. Hinnant's
    ``days_from_civil``, https://howardhinnant.github.io/date_algorithms.html); what numpy's
    ``datetime64[D]`` gives for the same date, without its conversions."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
