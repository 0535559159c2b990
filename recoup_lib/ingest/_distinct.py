"""Reading each distinct value of a column once.

An export's dates, amounts and flags repeat: 300,000 payment dates hold a few
hundred days, 300,000 amounts a few thousand figures. Reading a value is a
function of that value alone, so a column that repeats itself is read on its
distinct values (Arrow's hash-based dictionary encoding) and each row takes
the result of its own value.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["distinct_values", "by_distinct_value"]

#: Columns shorter than this are read directly (encoding them would cost more than it saves).
_MIN_ROWS = 20_000
#: Rows looked at first to judge whether a column repeats itself.
_SAMPLE = 10_000
#: A column is read on its distinct values when it holds at most one per this many rows.
_REPEATS = 4


def distinct_values(arr: pa.Array) -> tuple[pa.Array, np.ndarray] | None:
    """The distinct values of a long text column and, per row, the index of its own value; None when
    the column is short or repeats itself too little for that to pay (a sample says, then the whole)."""
    n = len(arr)
    if n < _MIN_ROWS or len(pc.dictionary_encode(arr.slice(0, _SAMPLE)).dictionary) * _REPEATS > _SAMPLE:
        return None
    encoded = pc.dictionary_encode(arr)
    if len(encoded.dictionary) * _REPEATS > n:
        return None
    return encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False)


def by_distinct_value(arr: pa.Array, rewrite) -> pa.Array:
    """``rewrite(arr)`` of a text function of each value alone, worked out once per distinct value
    where the column repeats itself (:func:`distinct_values`)."""
    each = distinct_values(arr)
    if each is None:
        return rewrite(arr)
    values, index = each
    return rewrite(values).take(pa.array(index))
