"""Small vectorised builders the simulation shares: dates and weekdays, text ids, typed columns.

Every function works on whole numpy arrays at once (a million lines are
built in seconds); dates are ``datetime64[D]`` in and ``datetime64[us]``
in the tables.
"""

from __future__ import annotations

import math
import re
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["DAY", "month_end", "weekday", "next_weekday", "pay_weekday", "text_ids", "text_id_array",
           "stable_argsort"]

#: One calendar day, to add to ``datetime64[D]`` values.
DAY = np.timedelta64(1, "D")


def text_ids(prefix: str, numbers, width: int) -> np.ndarray:
    """``text_ids("C", [1, 42], 7)`` -> ``["C0000001", "C0000042"]`` (object array)."""
    return text_id_array(prefix, numbers, width).to_numpy(zero_copy_only=False).astype(object)


def text_id_array(prefix: str, numbers, width: int) -> pa.Array:
    """Like :func:`text_ids`, as an Arrow string array (what the writer wants).

    Numbers from 0 to ``10**width - 1`` with an ASCII prefix make ids of one
    length: their bytes are written digit by digit into one buffer
    (:func:`_fixed_width_ids`, 11 ms instead of 27 for a block's 258,000
    payment ids); others are formatted and padded by Arrow.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    if len(numbers) and prefix.isascii() and width <= 18 and int(numbers.min()) >= 0 \
            and int(numbers.max()) < 10**width and len(numbers) * (len(prefix) + width) < 2**31:
        return _fixed_width_ids(prefix, numbers, width)
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _fixed_width_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` and each number's last ``width`` digits (zero-padded), as one Arrow buffer of equal rows."""
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    row = len(head) + width
    chars = np.empty((len(numbers), row), dtype=np.uint8)
    chars[:, :len(head)] = head
    rest = numbers.copy()
    for column in range(row - 1, len(head) - 1, -1):
        chars[:, column] = rest % 10 + ord("0")
        rest //= 10
    offsets = np.arange(0, (len(numbers) + 1) * row, row, dtype=np.int32)
    return pa.StringArray.from_buffers(len(numbers), pa.py_buffer(offsets), pa.py_buffer(chars))


def month_end(days: np.ndarray) -> np.ndarray:
    """Last day of each date's month."""
    d = np.asarray(days, dtype="datetime64[D]")
    return (d.astype("datetime64[M]") + 1).astype("datetime64[D]") - DAY


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6."""
    return (np.asarray(days, dtype="datetime64[D]").astype(np.int64) + 3) % 7


def next_weekday(days: np.ndarray, target: np.ndarray | int) -> np.ndarray:
    """The first date on or after ``days`` falling on weekday ``target``."""
    d = np.asarray(days, dtype="datetime64[D]")
    return d + ((np.asarray(target) - weekday(d)) % 7) * DAY


def pay_weekday(payer_list, payer_ids) -> np.ndarray:
    """Each payer pays once a week on its own weekday (its position in payers.csv, modulo 5)."""
    days = pd.Series(np.arange(len(payer_list)) % 5, index=list(payer_list))
    return days.reindex(np.asarray(payer_ids, dtype=object)).to_numpy(dtype=np.int64)


def _dates(days) -> np.ndarray:
    """Days as the tables' ``datetime64[us]``."""
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[us]")


def _category(values, categories) -> pd.Categorical:
    """A categorical built from codes (fast); values outside ``categories`` raise."""
    index = pd.Index(list(categories), dtype=object)
    codes = index.get_indexer(np.asarray(values, dtype=object))
    if (codes < 0).any():
        unknown = sorted(set(np.asarray(values, dtype=object)[codes < 0]))[:5]
        raise ValueError(f"values outside the known categories: {unknown}")
    return pd.Categorical.from_codes(codes, categories=index)


def _arrow_series(array) -> pd.Series:
    """An Arrow string array as an Arrow-backed text column."""
    return pd.Series(pd.array(array, dtype=pd.StringDtype("pyarrow")))


def _coded_text(texts, codes) -> pd.Series:
    """The text column ``texts[codes]`` (pandas' ``str`` dtype, Arrow-backed; a negative code is missing).

    Each text becomes Arrow text once and is looked up by code, so no Python
    string is made per row, nor converted again when written (a block's
    250,000 denial codes or documented codes: 9 ms each, written from Python
    strings). Columns the injectors then add rows to keep the ``str`` dtype
    pandas gives their text.
    """
    codes = np.asarray(codes, dtype=np.int64)
    missing = codes < 0
    taken = pa.array(np.asarray(texts, dtype=object), type=pa.string()).take(
        pa.array(codes, mask=missing if missing.any() else None))
    return pd.Series(taken, dtype="str")


def _same_text(n: int, text: str) -> np.ndarray:
    """``n`` times the one string ``text``, as an object array.

    ``np.full(n, text, dtype=object)`` makes a new string for every element
    (0.03 s for 250,000); this shares one, which also hashes and compares
    once when the column is grouped or factorized.
    """
    out = np.empty(n, dtype=object)
    out.fill(text)
    return out


def _obj(values, index=None) -> pd.Series:
    """Text kept as plain Python objects (no Arrow conversion): fast to build and to read back."""
    return pd.Series(np.asarray(values, dtype=object), index=index, dtype=object)


def _norm(values) -> np.ndarray:
    """Weights scaled to sum to 1."""
    v = np.asarray(values, dtype=float)
    return v / v.sum()


def _is(column: pd.Series, test) -> np.ndarray:
    """``test(text)`` for each value of a text column, evaluated once per distinct value (missing: False)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, categories = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, categories = pd.factorize(np.asarray(column, dtype=object))
    hits = np.array([bool(test(c)) for c in categories] + [False], dtype=bool)
    return hits[codes]


def _contains(column: pd.Series, pattern: str) -> np.ndarray:
    """``column.astype(object).str.contains(pattern).to_numpy(dtype=bool)``, the regular expression
    searched once per category of a categorical column of text with no missing value (a block's
    modifiers: a dozen categories for thousands of lines); any other column goes that general way."""
    if isinstance(column.dtype, pd.CategoricalDtype) and not (column.cat.codes.to_numpy() < 0).any() \
            and all(isinstance(c, str) for c in column.cat.categories):
        regex = re.compile(pattern)
        return _is(column, lambda text: regex.search(text) is not None)
    return column.astype(object).str.contains(pattern).to_numpy(dtype=bool)


def lexsort_order(keys) -> np.ndarray:
    """``np.lexsort(keys)`` (the last key sorts first), by one stable sort of a combined key where it fits.

    Each key (integers, or dates as their integer ticks) less its smallest
    value is a digit of one number, when the keys' spans multiply to under
    2**62; if they do not, each is first divided by the greatest common
    divisor of its values (dates at midnight count in days, not
    microseconds), which keeps the order and the ties. That number is
    sorted once (:func:`stable_argsort`; a block's 120,000 visits by
    submission, service, patient and visit: 8 ms instead of 20); any other
    keys go to ``np.lexsort``.
    """
    keys = [np.asarray(k) for k in keys]
    if not keys or not len(keys[0]):
        return np.lexsort(keys)
    digits = []
    for key in keys:
        if key.dtype.kind in "mM":
            key = key.view(np.int64)
        if key.dtype.kind not in "iu" or (key.dtype.kind == "u" and int(key.max()) >= 2**63):
            return np.lexsort(keys)
        key = key.astype(np.int64, copy=False)
        low = int(key.min())
        if int(key.max()) - low >= 2**62:
            return np.lexsort(keys)
        digits.append(key - low)
    spans = [int(d.max()) + 1 for d in digits]
    if math.prod(spans) >= 2**62:
        steps = [int(np.gcd.reduce(d)) or 1 for d in digits]
        digits = [d // step if step > 1 else d for d, step in zip(digits, steps)]
        spans = [(span - 1) // step + 1 for span, step in zip(spans, steps)]
        if math.prod(spans) >= 2**62:
            return np.lexsort(keys)
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for digit, span in zip(reversed(digits), reversed(spans)):
        combined = combined * span + digit
    return stable_argsort(combined)


def stable_argsort(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")`` of non-negative integers, by stable sorts of 16 bits at a time.

    numpy sorts 16-bit integers stably by radix and anything wider by merging
    (timsort); sorting the lowest 16 bits first, then each next 16 bits in
    that order, gives the same positions (a block's 250,000 lines by a 30-bit
    key: 3 ms instead of 18). Negative keys, and keys of 16 bits or fewer, go
    to ``np.argsort`` itself.
    """
    key = np.asarray(key)
    if key.dtype.kind not in "iu" or key.dtype.itemsize <= 2 or not key.dtype.isnative or not len(key) \
            or int(key.min()) < 0:
        return np.argsort(key, kind="stable")
    # Each key's 16-bit digits, lowest first, read in place (no shifted copies of the keys).
    digits = np.ascontiguousarray(key).view(np.uint16).reshape(len(key), -1)
    if sys.byteorder == "big":
        digits = digits[:, ::-1]
    order = np.argsort(digits[:, 0], kind="stable")
    for place in range(1, (int(key.max()).bit_length() + 15) // 16):
        order = order[np.argsort(digits[order, place], kind="stable")]
    return order


def _mapped(values, mapping: dict) -> np.ndarray:
    """The values of ``pd.Series(values).map(mapping)``, each distinct value looked up once (a missing
    value, or one absent from ``mapping``: NaN): int64 when every one is found and a whole number (as
    ``map`` gives), float64 for numbers with a NaN, else objects."""
    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    found = [mapping.get(v, np.nan) for v in distinct] + [np.nan]

    def numbers(kinds) -> bool:
        return all(isinstance(v, kinds) and not isinstance(v, bool) for v in mapping.values())

    if numbers((int, np.integer)) and (codes >= 0).all() and all(v in mapping for v in distinct):
        return np.asarray(found[:-1], dtype=np.int64)[codes]
    if numbers((int, float, np.integer, np.floating)):
        return np.asarray(found, dtype=np.float64)[codes]
    return np.asarray(found, dtype=object)[codes]


def _text_values(column: pd.Series, rows=None) -> np.ndarray:
    """``np.asarray(column, dtype=object)[rows]`` (all rows when None); a categorical column's values
    looked up by code for those rows only, instead of a Python object made for every row first (the
    payer of a block's 10,000 notices: 0.2 ms instead of 10). Missing values are NaN, as there."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        values = np.asarray(column, dtype=object)
        return values if rows is None else values[rows]
    codes = column.cat.codes.to_numpy()
    if rows is not None:
        codes = codes[rows]
    values = np.asarray(column.cat.categories, dtype=object)[codes]
    missing = codes < 0
    if missing.any():
        values[missing] = np.nan
    return values
