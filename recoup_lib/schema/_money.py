"""The money columns of a file's contract, read as cents, every amount held to what the kit can add up.

:func:`~recoup_lib.schema.parse_table` reads a money column with these: written plainly
(``125.00``, ``-40.50``) its cents come straight from the reader's Arrow text
(:func:`_plain_money`); otherwise from trimmed text, a negative Excel saved in parentheses
and one with its minus sign after it included (:func:`_money_cents`). An amount of a
trillion dollars or more is set aside (:func:`_too_large`, :func:`_written_cents`), and so is
one that would take the file's total past :data:`~recoup_lib.money.MAX_TOTAL_CENTS`
(:func:`_beyond_total`, :func:`_checked_cents`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..amounts import ACCOUNTING_ZERO, common_amounts
from ..arrowtext import one_array
from ..money import MAX_CENTS, MAX_TOTAL_CENTS, MONEY_PATTERN, parse_cents_arrays, plain_cents
from ._columns import Column

_TOO_LARGE = "an amount under a trillion dollars (at most 999999999999.99)"
_BEYOND_TOTAL = (f"amounts that add up, over the file, to less than ${MAX_TOTAL_CENTS // 100:,} "
                 "(the most the kit can total)")


def _plain_money(values: pd.Series, col: Column, record, bad: np.ndarray):
    """A money column whose every value is blank or written ``125.00`` or ``-40.50``, as cents read straight
    from the Arrow text the reader made (see :func:`recoup_lib.money.plain_cents`); None for any other
    column, which :func:`~recoup_lib.schema._parse._parse_column` then trims, checks and parses.

    Such a column has nothing to trim and no invalid value, so what is left to report is what
    :func:`_parse_column` reports for it: blanks where the column needs a value, and a total too large.
    """
    arrow = getattr(values.array, "_pa_array", None)
    if col.kind != "money" or arrow is None:
        return None
    plain = plain_cents(arrow)
    if plain is None:
        return None
    cents, blank = plain
    if not col.nullable:
        record(blank, "a value (this column may not be blank)")
    record(_beyond_total(cents, bad), _BEYOND_TOTAL)
    return pd.arrays.IntegerArray(cents, blank)


def _money_cents(text: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`recoup_lib.money.parse_cents_arrays` of trimmed text, an accounting negative included.

    Excel's Currency and Accounting formats save a negative in parentheses (``($172.92)``,
    ``(1,234.50)``): such a value is read as ``recoup import`` reads it
    (:func:`recoup_lib.amounts.common_amounts`), so a file saved from Excel loses no row to it; so is
    a negative with its minus sign after it (``5.00-``, ``$1,234.50-``), as accounting and mainframe
    reports write one.

    The amount before a minus sign after it is one of :func:`~recoup_lib.amounts.common_amounts`'s
    forms with no sign of its own: ``-5.00-`` and ``(5.00)-`` are two signs, and stay refused. A ``CR``
    after an amount is not read: whether a credit is a negative depends on whose books it is in (on a
    patient account a payment, and an overpayment's credit balance, are credits).
    The Accounting format's zero (``-``, ``$ -``: :data:`~recoup_lib.amounts.ACCOUNTING_ZERO`) is read
    as 0, as ``recoup import`` reads it.
    """
    cents, missing, invalid = parse_cents_arrays(text)
    if not invalid.any():
        return cents, missing, invalid
    idx = np.flatnonzero(invalid)
    as_written = written = one_array(text.take(idx))
    after = np.asarray(pc.fill_null(pc.ends_with(written, "-"), False))
    if after.any():
        written = one_array(pc.if_else(pa.array(after), pc.utf8_slice_codeunits(written, 0, -1), written))
    common, read, in_parentheses = common_amounts(written)
    signed = np.asarray(pc.fill_null(pc.starts_with(written, "-"), False))
    accepted = common & (in_parentheses ^ after) & ~signed
    found = idx[accepted]
    cents[found] = np.where(after, -read, read)[accepted]
    missing[found] = False
    invalid[found] = False
    zero = idx[~accepted & np.asarray(pc.fill_null(pc.match_substring_regex(as_written, ACCOUNTING_ZERO), False))]
    missing[zero] = False
    invalid[zero] = False
    return cents, missing, invalid


def _checked_cents(cents: np.ndarray, missing: np.ndarray, bad: np.ndarray, record):
    """Amounts read (0 where ``missing``) held to the file's total (``bad``: rows already set aside)."""
    record(_beyond_total(cents, bad), _BEYOND_TOTAL)
    return pd.arrays.IntegerArray(cents, missing)


#: A negative written in parentheses (``($5.00)``, ``$ (5.00)``) or with its minus sign after it
#: (``5.00-``), as :func:`_money_cents` reads them (no space inside the parentheses, as
#: :func:`~recoup_lib.amounts.common_amounts` reads them): the amount is the group ``amount``.
_NEGATIVE_WRITTEN = re.compile(r"\s*(?:\$\s*)?\((?:\$\s*)?(?P<amount>[^$\s](?:[^$]*[^$\s])?)\)\s*|(?P<before>.*\S)-\s*")


def _written_cents(text: str) -> int:
    """The size in cents of well-written money text, however large (capped just past :data:`MAX_CENTS`), a
    negative written in parentheses or with its minus after it (:data:`_NEGATIVE_WRITTEN`) included, so
    that it is refused as too large as the plain form is; 0 for other text."""
    text = str(text)
    negative = _NEGATIVE_WRITTEN.fullmatch(text)
    if negative is not None:
        text = negative.group("amount") if negative.group("amount") is not None else negative.group("before")
    match = re.match(MONEY_PATTERN, text)
    if match is None or (match.group(1) and match.group(2)) or (negative and (match.group(1) or match.group(2))):
        return 0
    whole, frac = match.group(3).replace(",", ""), (match.group(4) or "").ljust(2, "0")
    return min(int(whole) * 100 + int(frac), MAX_CENTS + 1)


def _too_large(cents: np.ndarray) -> np.ndarray:
    """Amounts of a trillion dollars or more, either way (docs/contract.md, "Errors")."""
    return (cents > MAX_CENTS) | (cents < -MAX_CENTS)


def _beyond_total(cents: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Rows whose amount would take the file's running total of amounts (in absolute value) past
    :data:`~recoup_lib.money.MAX_TOTAL_CENTS`: set aside, so every sum of the column stays exact.

    ``cents`` holds 0 where there is no amount. A file whose largest amount times its number of
    rows stays well under the limit (every real file) is answered without a running total.
    """
    if not len(cents) or max(abs(int(cents.max())), abs(int(cents.min()))) * len(cents) < MAX_TOTAL_CENTS // 2:
        return np.zeros(len(cents), dtype=bool)
    magnitude = np.abs(cents.astype(np.float64))
    magnitude[bad] = 0.0
    if magnitude.sum() < MAX_TOTAL_CENTS * 0.999:
        return np.zeros(len(magnitude), dtype=bool)
    beyond = np.cumsum(magnitude) >= MAX_TOTAL_CENTS * 0.999
    return beyond & (magnitude > 0)
