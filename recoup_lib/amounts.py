"""The amounts most exports hold, read straight from their bytes.

Nearly every amount in a practice-management export is written one of a few
ways: ``131.00``, ``$131.00``, ``$1,234.50``, ``($3.84)`` (``($ 3.84)``, ``$ (3.84)``), ``-12.00``, ``1234``,
and with one decimal where a spreadsheet's column shows one (``($1,000.5)``).
:func:`common_amounts` recognises exactly those forms in one pass over a
column's bytes and reads them into cents (the digits gathered and handed to
Arrow's integer parser), so :func:`recoup_lib.ingest._values.read_money` runs
its general, mark-by-mark reading only on the few values left (anything else:
``12.``, ``5.00 CR``, ``USD 8``, ``-$5.00``, blanks, errors). The sampling files
read a reviewed overpayment in parentheses with it too (:mod:`recoup_lib.sampling`).

A value is read here only where the general reading gives the same cents for
it whatever else its column holds: its ``$`` (if any) opens the amount, so it
never changes how the general reading treats the ``$`` of other values.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrowtext import array_parts

__all__ = ["ACCOUNTING_ZERO", "common_amounts"]

#: Zero as Excel's Accounting format holds it when a sheet is saved as CSV (``-``, ``$ -``), in trimmed
#: text: read as 0.00 by ``recoup import`` and by the contract's parser alike.
ACCOUNTING_ZERO = r"^\$?\s*-$"

#: At most this many digits before the point: under a trillion dollars, whatever the digits.
_MAX_WHOLE_DIGITS = 12
_OPEN, _CLOSE, _MINUS, _DOLLAR, _COMMA, _POINT, _SPACE = (ord(c) for c in "()-$,. ")
#: What a number written with no, one or two decimals is multiplied by to give cents.
_CENTS_PER_UNIT = np.array([100, 10, 1], dtype=np.int64)


def common_amounts(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which values of a trimmed text column are written in a common form, and their cents.

    The forms: ``[(][$]W[.DD][)]`` with both parentheses or neither, the ``$`` of an amount in
    parentheses followed by a space or written before them as some exports write an accounting
    negative (``($ 12.00)``, ``$ (12.00)``, ``$(12.00)``), and
    ``[-]W[.DD]`` or ``$W[.DD]``, where ``W`` is 1-12 digits, or digits in
    groups of three separated by commas (``1,234,567``) with 1-3 in front,
    and ``.DD`` two decimals or one (``12.5``: a column formatted to one decimal).

    Parameters
    ----------
    arr : pyarrow.Array of string
        Trimmed text (as :func:`recoup_lib.ingest._values.text` gives it).

    Returns
    -------
    common : numpy.ndarray of bool
        Where the value has one of the forms.
    cents : numpy.ndarray of int64
        Its amount in cents, sign included (a minus sign or parentheses: negative); 0 elsewhere.
    in_parentheses : numpy.ndarray of bool
        Where parentheses said the amount is negative.
    """
    n = len(arr)
    common = np.zeros(n, dtype=bool)
    cents = np.zeros(n, dtype=np.int64)
    if arr.buffers()[2] is None or not n:
        return common, cents, common.copy()
    offsets, data = array_parts(arr)
    raw = data[offsets[0]:offsets[-1]]
    if not len(raw):
        return common, cents, common.copy()
    offsets = offsets - offsets[0]
    start, end = offsets[:-1], offsets[1:]

    def at(position: np.ndarray) -> np.ndarray:
        return raw.take(position, mode="clip")

    filled = end > start
    outside = filled & (at(start) == _DOLLAR)
    opening = start + outside + (outside & (at(start + 1) == _SPACE))
    paren = filled & (at(opening) == _OPEN) & (at(end - 1) == _CLOSE)
    outside &= paren
    first = np.where(paren, opening + 1, start)
    stop = end - paren
    minus = ~paren & (at(first) == _MINUS)
    first += minus
    dollar = ~outside & (at(first) == _DOLLAR)
    first += dollar
    first += paren & dollar & (at(first) == _SPACE)
    two_decimals = (stop - first >= 4) & (at(stop - 3) == _POINT)
    decimals = np.where(two_decimals, 2, (stop - first >= 3) & (at(stop - 2) == _POINT))
    whole_end = stop - decimals - (decimals > 0)
    whole = whole_end - first
    commas = np.zeros(n, dtype=np.int32)
    if (raw == _COMMA).any():
        for group in (1, 2, 3):
            more = (commas == group - 1) & (whole_end - 4 * group > first)
            more &= at(whole_end - 4 * group) == _COMMA
            if not more.any():
                break
            commas += more
    is_digit = (raw - np.uint8(48)) < 10
    counted = np.zeros(len(raw) + 1, dtype=np.int32)
    np.cumsum(is_digit, out=counted[1:])
    whole_digits = whole - commas
    common = counted[stop] - counted[np.minimum(first, len(raw))] == whole_digits + decimals
    common &= filled & (whole >= 1) & (whole_digits <= _MAX_WHOLE_DIGITS)
    common &= ~(minus & dollar)
    if commas.any():
        lead = whole - 4 * commas
        common &= (commas == 0) | ((lead >= 1) & (lead <= 3))
    if not common.any():
        return common, cents, paren & common
    # The digits of every value, one string per value (null where not common), parsed by Arrow.
    gathered = pa.Array.from_buffers(
        pa.string(), n, [pa.py_buffer(np.packbits(common, bitorder="little")),
                         pa.py_buffer(counted[offsets]), pa.py_buffer(np.compress(is_digit, raw))],
        null_count=int(n - common.sum()))
    cents = pc.fill_null(pc.cast(gathered, pa.int64()), 0).to_numpy().copy()
    cents *= _CENTS_PER_UNIT[decimals]
    negative = minus | paren
    cents[negative] = -cents[negative]
    cents[~common] = 0
    return common, cents, paren & common
