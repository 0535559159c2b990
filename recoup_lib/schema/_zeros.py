"""Ids of digits that lost their leading zeros in a spreadsheet (``00123`` saved as ``123``).

Excel stores an id of digits as a number unless its column is formatted as
Text, and saves it without its zeros. An id then no longer meets itself: the
import finds both forms in one column, the audit a payment whose claim is in
claim_lines.csv under the short number. Both decide it here, and say it in
:data:`ZEROS_DROPPED`'s words.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import may_start_with, one_array

__all__ = ["ZEROS_DROPPED", "leading_zero_twins"]

#: Why one id is written with and without its leading zeros, as messages say it.
ZEROS_DROPPED = "Excel drops the zeros of ids it stores as numbers"


def leading_zero_twins(padded_in, others=None) -> tuple[int, tuple[str, str] | None]:
    """Ids of digits of ``padded_in`` written with leading zeros whose number ``others`` writes otherwise:
    how many such numbers, and one pair as written (``('00123', '123')``).

    Parameters
    ----------
    padded_in : pyarrow.Array or pandas.Series of str
        The ids looked at; only their distinct ids of digits with a leading zero are hashed, so a
        million ids take milliseconds.
    others : pyarrow.Array or pandas.Series of str, optional
        Where the other form is looked for: the same number written without zeros. Without it,
        ``padded_in`` itself, where the number written with other zeros (``0123`` and ``00123``)
        counts too.
    """
    values = _text(padded_in)
    if not may_start_with(values, ("0",)):     # most id columns: a look at each first byte says no
        return 0, None
    digits = _digits(values)
    zeroed = pc.and_(digits, pc.starts_with(values, "0"))
    if not pc.any(zeroed).as_py():
        return 0, None
    padded = pc.unique(values.filter(zeroed))
    bare = pc.utf8_ltrim(padded, "0")
    if others is None:
        plain = pc.unique(values.filter(pc.and_(digits, pc.invert(zeroed))))
    else:
        among = _text(others)
        plain = pc.unique(among.filter(pc.and_(_digits(among), pc.invert(pc.starts_with(among, "0")))))
    twin = pc.is_in(bare, value_set=plain)
    if others is None:
        counted = pc.value_counts(bare)
        repeated = counted.field("values").filter(pc.greater(counted.field("counts"), 1))
        twin = pc.or_(twin, pc.is_in(bare, value_set=repeated))
    twin = twin.to_numpy(zero_copy_only=False)
    if not twin.any():
        return 0, None
    key = bare[int(np.flatnonzero(twin)[0])].as_py()
    pair = [p for p, b in zip(padded.to_pylist(), bare.to_pylist()) if b == key][:2]
    return len(set(bare.filter(pa.array(twin)).to_pylist())), (pair[0], pair[1] if len(pair) == 2 else key)


def _digits(values: pa.Array) -> pa.Array:
    """Which ids are digits alone."""
    return pc.fill_null(pc.utf8_is_decimal(values), False)


def _text(values) -> pa.Array:
    """Ids as one Arrow text array, missing ones empty."""
    return pc.fill_null(one_array(values), "")
