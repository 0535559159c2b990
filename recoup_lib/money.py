"""Money as integer cents: parsing, formatting, exact proration.

Every amount the kit holds in memory is an ``int64`` number of cents in a
column whose name ends in ``_cents``. Floats never carry money: a float cannot
represent most cent values exactly, and sums of them drift. Text is converted
to cents at the edge (:func:`parse_cents`) and back to text at the other edge
(:func:`format_cents`); proration uses :func:`div_half_up`, the one rounding
rule of the contract (half-up, i.e. ties away from zero, to the cent), and
splitting an amount uses :func:`allocate`, whose parts always add up exactly.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "MONEY_PATTERN",
    "parse_cents",
    "parse_cents_arrays",
    "plain_cents",
    "parse_cents_scalar",
    "format_cents",
    "format_cents_arrow",
    "format_cents_scalar",
    "dollars",
    "div_half_up",
    "apply_rate",
    "allocate",
    "MAX_CENTS",
    "MAX_TOTAL_CENTS",
    "prorate",
    "times_units",
    "whole_floats",
]

#: What the contract accepts as a money value: an optional sign, an optional
#: leading ``$`` (before or after the sign), digits with optional thousands
#: separators, and at most two decimals. ``-$1,234.5`` and ``125`` pass;
#: ``12.505`` and ``1,23`` do not.
MONEY_PATTERN = r"^\s*([-+]?)\$?([-+]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{0,2}))?\s*$"
#: Amounts must stay under a trillion dollars (docs/contract.md, "Errors"): the largest amount in
#: cents the kit accepts has this many digits ($999,999,999,999.99).
MAX_DIGITS = 14
#: The largest amount in cents the kit accepts.
MAX_CENTS = 10**MAX_DIGITS - 1
#: The largest total in cents a file's amounts may add up to: half of what int64 holds, so any
#: sum, and any difference of two such sums, stays exact.
MAX_TOTAL_CENTS = 2**62 - 1
#: Where a product of a rate and a count of units saturates (see :func:`times_units`).
_SATURATED = 2**61
_MONEY_NAMED = (
    r"^(?P<s1>[-+]?)\$?(?P<s2>[-+]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{0,2}))?$"
)


def _to_arrow_strings(values) -> pa.ChunkedArray | pa.Array:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return pc.cast(values, pa.string())
    series = pd.Series(values, copy=False)
    if not isinstance(series.dtype, pd.StringDtype) or series.dtype.storage != "pyarrow":
        series = series.astype(pd.StringDtype("pyarrow"))
    arr = pa.array(series.array)
    return pc.cast(arr, pa.string())


#: ``_DIGIT_MASKS[k]``: the last ``k`` bytes of a little-endian 8-byte window (the window's own
#: characters, counted from its end), all eight for ``k >= 8``.
_DIGIT_MASKS = np.array([0] + [((1 << (8 * k)) - 1) << (8 * (8 - k)) for k in range(1, 8)] + [2**64 - 1],
                        dtype=np.uint64)
_ZEROS = np.uint64(0x3030303030303030)
#: The last eight characters of a plain amount, ``DDDDD.CC``, exclusive-or this: digits become 0 to 9
#: and the point 0 (byte 5 of the little-endian window is the third character from the end).
_LAST_EIGHT = np.uint64(0x3030_2E30_3030_3030)
#: Added to a window of such bytes, sets a byte's high bit where it is over 9 (over 0 for the point's),
#: or has it set already once or'ed with the window; a carry into the next byte only ever adds alarms.
_OVER_DIGIT = np.uint64(0x7676_7676_7676_7676)
_OVER_POINT = np.uint64(0x7676_7F76_7676_7676)
_HIGH_BITS = np.uint64(0x8080_8080_8080_8080)
_PLAIN_LONGEST = 16  # "-999999999999.99": the longest plain amount under MAX_CENTS


def _digit_values(window: np.ndarray, pattern: np.uint64, over: np.uint64, mask: np.ndarray) -> np.ndarray | None:
    """The bytes of ``window`` under ``mask`` (the others 0) less ``pattern``'s, worked in place;
    None where one of them is not a digit (the point, for :data:`_LAST_EIGHT`)."""
    window ^= pattern
    window &= mask
    alarm = window + over
    alarm |= window
    alarm &= _HIGH_BITS
    return None if alarm.any() else window


def _eight_digits(values: np.ndarray) -> np.ndarray:
    """The number written by eight digit values (0 to 9, one a byte, most significant first in a
    little-endian ``uint64``: SWAR), worked in place."""
    values *= np.uint64(2561)
    values >>= np.uint64(8)
    values &= np.uint64(0x00FF00FF00FF00FF)
    values *= np.uint64(6553601)
    values >>= np.uint64(16)
    values &= np.uint64(0x0000FFFF0000FFFF)
    values *= np.uint64(42949672960001)
    values >>= np.uint64(32)
    return values


def _plain_chunk(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`plain_cents` of one Arrow ``string`` or ``large_string`` array, read from its buffers."""
    n = len(chunk)
    if chunk.null_count:
        return None
    wide = pa.types.is_large_string(chunk.type)
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64 if wide else np.int32, count=n + 1,
                            offset=chunk.offset * (8 if wide else 4))
    starts, ends = offsets[:-1], offsets[1:]
    lengths = ends - starts
    blank = lengths == 0
    if not n or blank.any():
        if blank.all():
            return np.zeros(n, dtype=np.int64), blank
        filled = np.flatnonzero(~blank)
        starts, ends, lengths = starts[filled], ends[filled], lengths[filled]
    else:
        filled = None
    if lengths.max() > _PLAIN_LONGEST:
        return None
    # Sixteen bytes in front, so a window reaching back past the first value stays inside the copy;
    # ``windows[e]`` is the eight bytes that end where a value ending at ``e`` of the data ends (taken with
    # ``take``, which reads these overlapping words in half the time indexing does).
    size = int(offsets[-1])
    text = np.zeros(_PLAIN_LONGEST + size + 8, dtype=np.uint8)
    text[_PLAIN_LONGEST:_PLAIN_LONGEST + size] = np.frombuffer(chunk.buffers()[2], dtype=np.uint8, count=size)
    windows = np.ndarray(shape=(size + 9,), dtype="<u8", buffer=text, offset=_PLAIN_LONGEST - 8, strides=(1,))
    minus = text[_PLAIN_LONGEST:].take(starts) == ord("-")
    digits = lengths - minus  # characters after any minus: the digits and the point
    if digits.min() < 4:
        return None
    # The last eight characters (five digits, the point, the cents), then the eight digits before them.
    number = _digit_values(windows.take(ends), _LAST_EIGHT, _OVER_POINT, _DIGIT_MASKS.take(digits, mode="clip"))
    if number is None:
        return None
    number = _eight_digits(number)
    # The point read as a 0: the digits before it stand for thousands of cents, not hundreds.
    number = number.view(np.int64)
    number -= number // 1000 * 900
    if digits.max() > 8:
        more = _digit_values(windows.take(ends - 8), _ZEROS, _OVER_DIGIT, _DIGIT_MASKS.take(digits - 8, mode="clip"))
        if more is None:
            return None
        number += _eight_digits(more).view(np.int64) * 10**7
        if number.max() > MAX_CENTS:
            return None
    np.negative(number, out=number, where=minus)
    if filled is None:
        return number, blank
    cents = np.zeros(n, dtype=np.int64)
    cents[filled] = number
    return cents, blank


def plain_cents(arr) -> tuple[np.ndarray, np.ndarray] | None:
    """``(cents, blank)`` of text whose every value is blank or written ``125.00`` or ``-40.50``; None otherwise.

    The fast path of :func:`parse_cents` for what the kit itself writes (and
    most exports): an optional leading minus, at least one digit, a point,
    exactly two digits (``^-?[0-9]+\\.[0-9][0-9]$``), read straight from the
    Arrow buffers (``string`` or ``large_string``, chunked or not) without
    building new text: each value's last eight characters and the eight
    before them, taken as little-endian 8-byte words, turned into digit
    values (the bytes not of that value 0), checked to be digits with the
    point three bytes from the end, and made a number a word at a time, the
    point read as a 0.
    Anything else (a ``$``, a space, a plus, one decimal, an amount of
    :data:`MAX_CENTS` or more) takes the general path, which says what is
    wrong. Blank cells are 0 here and marked in ``blank``.
    """
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    parts = []
    for chunk in chunks:
        part = _plain_chunk(chunk)
        if part is None:
            return None
        parts.append(part)
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def parse_cents(values) -> tuple[pd.Series, pd.Series]:
    """Parse money text to integer cents, vectorised.

    Parameters
    ----------
    values : sequence of str
        Money as written in a CSV: ``"125.00"``, ``"125"``, ``"-40.5"``,
        ``"$1,204.10"``. Blank strings and missing values are "no value".

    Returns
    -------
    cents : pandas.Series of Int64
        The amount in cents; ``<NA>`` where the text was blank or invalid.
    invalid : pandas.Series of bool
        True where the text was present but is not a valid amount (more than
        two decimals, letters, misplaced separators, two signs, a trillion
        dollars or more).

    Examples
    --------
    >>> cents, bad = parse_cents(["$1,204.10", "-40.5", "12.505", ""])
    >>> cents.tolist(), bad.tolist()
    ([120410, -4050, <NA>, <NA>], [False, False, True, False])
    """
    index = values.index if isinstance(values, pd.Series) else None
    cents, missing, invalid = parse_cents_arrays(values)
    return (pd.Series(pd.arrays.IntegerArray(cents, missing), index=index),
            pd.Series(invalid, index=index, dtype=bool))


def parse_cents_arrays(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`parse_cents` as three numpy arrays: ``(cents, missing, invalid)``.

    ``cents`` is ``int64`` with 0 where there is no amount (``missing``: the text was blank,
    missing or invalid); ``invalid`` is as for :func:`parse_cents`. ``values`` may also be Arrow
    text. The parser's form: no pandas array is built only to be taken apart again.
    """
    # Fast path: every value blank or written like "125.00" or "-40.50" (what the kit itself writes).
    if isinstance(values, (pa.Array, pa.ChunkedArray)) and len(values):
        plain = plain_cents(values)
        if plain is not None:
            return plain[0], plain[1], np.zeros(len(plain[0]), dtype=bool)
    arr = _to_arrow_strings(values)
    if len(arr) and not isinstance(values, (pa.Array, pa.ChunkedArray)):
        plain = plain_cents(arr)
        if plain is not None:
            return plain[0], plain[1], np.zeros(len(plain[0]), dtype=bool)
    stripped = pc.utf8_trim_whitespace(arr)
    blank = pc.fill_null(pc.equal(stripped, ""), True)
    parts = pc.extract_regex(stripped, _MONEY_NAMED)
    matched = pc.is_valid(parts)
    s1 = pc.struct_field(parts, "s1")
    s2 = pc.struct_field(parts, "s2")
    two_signs = pc.and_(pc.not_equal(s1, ""), pc.not_equal(s2, ""))
    ok = pc.and_kleene(matched, pc.invert(pc.fill_null(two_signs, False)))
    ok = pc.fill_null(ok, False)
    whole = pc.replace_substring(pc.struct_field(parts, "whole"), ",", "")
    frac = pc.utf8_rpad(pc.struct_field(parts, "frac"), 2, "0")
    digits = pc.utf8_ltrim(pc.binary_join_element_wise(whole, frac, ""), "0")
    # A trillion dollars or more is not an amount a claim carries (docs/contract.md, "Errors").
    representable = pc.fill_null(pc.less_equal(pc.utf8_length(digits), MAX_DIGITS), False)
    ok = pc.and_(ok, representable)
    digits = pc.if_else(ok, pc.if_else(pc.equal(digits, ""), "0", digits), pa.scalar(None, pa.string()))
    magnitude = pc.cast(digits, pa.int64())
    negative = pc.or_(pc.equal(s1, "-"), pc.equal(s2, "-"))
    cents = pc.if_else(pc.fill_null(negative, False), pc.negate(magnitude), magnitude)
    missing = np.asarray(pc.is_null(cents).to_numpy(zero_copy_only=False), dtype=bool)
    invalid = np.asarray(pc.and_(pc.invert(ok), pc.invert(blank)).to_numpy(zero_copy_only=False), dtype=bool)
    return np.array(pc.fill_null(cents, 0).to_numpy(zero_copy_only=False), dtype=np.int64), missing, invalid


def parse_cents_scalar(text: str) -> int:
    """Parse one money string to cents; raise ``ValueError`` if it is not one.

    >>> parse_cents_scalar("$1,204.10")
    120410
    """
    cents, invalid = parse_cents([text])
    if invalid.iloc[0] or pd.isna(cents.iloc[0]):
        raise ValueError(f"expected an amount in dollars with at most two decimals; got {text!r}")
    return int(cents.iloc[0])


_SMALL = 100_000  # amounts under $1,000 either way come from a ready-made table


@functools.lru_cache(maxsize=1)
def _small_amounts() -> pa.Array:
    """The text of every amount under $1,000 either way, from ``-999.99`` to ``999.99`` in order.

    Made from the thousand dollar texts and the hundred cent texts, each amount joined from its
    two parts, the negative ones from the positive ones (what :func:`_format_arrow` writes for
    them: 9 ms once per process instead of 27).
    """
    magnitude = np.arange(_SMALL)
    dollars = pa.array([str(d) for d in range(_SMALL // 100)], type=pa.string())
    cents = pa.array([f"{c:02d}" for c in range(100)], type=pa.string())
    positive = pc.binary_join_element_wise(dollars.take(magnitude // 100), cents.take(magnitude % 100), ".")
    negative = pc.binary_join_element_wise("-", positive.take(np.arange(_SMALL - 1, 0, -1)), "")
    return pa.concat_arrays([negative, positive])


def format_cents_arrow(cents) -> pa.Array:
    """Integer cents as an Arrow array of dollar text (``-4050`` -> ``"-40.50"``; null where missing)."""
    s = pd.Series(cents, copy=False)
    values = pa.array(s.astype("Int64").array if not pd.api.types.is_integer_dtype(s.dtype)
                      or s.isna().any() else s.to_numpy(dtype=np.int64), type=pa.int64(), from_pandas=True)
    if len(values) > _LOOKUP_FROM:
        return _format_mostly_small(values)
    return _format_arrow(values)


#: More amounts than this are formatted by :func:`_format_mostly_small`: its table is made once per
#: process (10 ms), then a look-up costs a tenth of formatting (an audit's rules word about 80,000 amounts
#: in pieces of a few thousand, and its findings.csv makes the table anyway).
_LOOKUP_FROM = 2_000


def _format_mostly_small(values: pa.Array) -> pa.Array:
    """:func:`_format_arrow` of many amounts: those under $1,000 either way looked up, the rest formatted.

    The few larger ones (a block's charges reach exactly $1,000.00 on a
    dozen lines of 250,000) are formatted on their own and looked up after
    the ready-made ones, so they no longer send the whole column to the
    general path (5 ms instead of 35). Missing amounts, or more than a tenth
    of large ones: the general path.
    """
    if values.null_count:
        return _format_arrow(values)
    cents = values.to_numpy()
    large = np.flatnonzero((cents >= _SMALL) | (cents <= -_SMALL))
    if len(large) * 10 > len(cents):
        return _format_arrow(values)
    table = _small_amounts()
    positions = cents + (_SMALL - 1)
    if len(large):
        positions[large] = len(table) + np.arange(len(large))
        table = pa.concat_arrays([table, _format_arrow(pa.array(cents[large]))])
    return table.take(pa.array(positions))


def _format_arrow(values: pa.Array) -> pa.Array:
    magnitude = pc.abs(values)
    whole = pc.cast(pc.divide(magnitude, 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pc.subtract(magnitude, pc.multiply(pc.divide(magnitude, 100), 100)), pa.string()),
                        2, "0")
    if not pc.any(pc.less(values, 0)).as_py():
        return pc.binary_join_element_wise(whole, frac, ".")
    sign = pc.if_else(pc.less(values, 0), "-", "")
    return pc.binary_join_element_wise(sign, whole, ".", frac, "")


def format_cents(cents) -> pd.Series:
    """Format integer cents as dollar text with two decimals (``-4050`` -> ``"-40.50"``).

    Missing values become empty strings. Vectorised (Arrow kernels); no float
    is involved.
    """
    index = cents.index if isinstance(cents, pd.Series) else None
    text = pc.fill_null(format_cents_arrow(cents), "")
    return pd.Series(pd.array(text, dtype=pd.StringDtype("pyarrow")), index=index)


def format_cents_scalar(cents: int) -> str:
    """``123456`` -> ``"1234.56"``."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(int(cents)) // 100}.{abs(int(cents)) % 100:02d}"


def dollars(cents: int) -> str:
    """Human-readable dollars for messages and evidence: ``92000`` -> ``"$920.00"``.

    >>> dollars(-123456)
    '-$1,234.56'
    """
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(int(cents)) // 100:,}.{abs(int(cents)) % 100:02d}"


def whole_floats(numbers: np.ndarray) -> np.ndarray:
    """True where a float64 is a whole number int64 holds exactly: finite, under 2**53 in size, equal to its rounding.

    Where a float is taken for cents or counts (a notebook's ``12.0``), only
    such values are: anything else would be cut or rounded in silence.

    >>> whole_floats(np.array([3.0, 2.5, np.nan, np.inf, 2.0**53])).tolist()
    [True, False, False, False, False]
    """
    whole = np.isfinite(numbers) & (np.abs(numbers) < 2**53)
    whole[whole] = numbers[whole] == np.round(numbers[whole])
    return whole


def div_half_up(numerator, denominator):
    """Integer division rounded half-up (ties away from zero), vectorised.

    The contract's only rounding rule. Works on Python ints, numpy arrays and
    pandas integer Series; ``denominator`` must be non-zero.

    >>> div_half_up(5, 2), div_half_up(-5, 2), div_half_up(4, 3)
    (3, -3, 1)
    """
    num = np.asarray(numerator, dtype=np.int64)
    den = np.asarray(denominator, dtype=np.int64)
    sign = np.sign(num) * np.sign(den)
    q = (2 * np.abs(num) + np.abs(den)) // (2 * np.abs(den))
    out = sign * q
    if isinstance(numerator, pd.Series):
        return pd.Series(out, index=numerator.index, dtype="int64")
    if isinstance(denominator, pd.Series):
        return pd.Series(out, index=denominator.index, dtype="int64")
    if np.ndim(out) == 0:
        return int(out)
    return out


def apply_rate(cents: int, rate: Decimal | str | float, periods: int = 1) -> int:
    """Apply a percentage rate to an amount with ``Decimal``, rounding half-up to the cent.

    ``rate`` is a fraction (``"0.105"`` for 10.5%). Used for interest, where a
    rate multiplies money; the result is exact cents.

    >>> apply_rate(1_000_000, "0.105") // 1  # 10.5% of $10,000
    105000
    """
    try:
        r = Decimal(str(rate))
    except InvalidOperation as exc:  # pragma: no cover - defensive
        raise ValueError(f"not a rate: {rate!r}") from exc
    value = (Decimal(int(cents)) * r * periods).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(value)


def allocate(total_cents: int, weights) -> np.ndarray:
    """Split an amount into parts proportional to ``weights`` that sum exactly.

    Largest-remainder method: each part gets its floor share, and the cents
    left over go one each to the largest remainders (earliest first on ties).

    >>> allocate(100, [1, 1, 1]).tolist()
    [34, 33, 33]
    """
    w = np.asarray(weights, dtype=np.int64)
    if w.size == 0:
        return np.zeros(0, dtype=np.int64)
    if (w < 0).any() or w.sum() == 0:
        raise ValueError("weights must be non-negative and not all zero")
    total = int(total_cents)
    sign = -1 if total < 0 else 1
    total = abs(total)
    wsum = int(w.sum())
    base = (w * total) // wsum
    remainder = (w * total) % wsum
    left = total - int(base.sum())
    order = np.argsort(-remainder, kind="stable")
    base[order[:left]] += 1
    return sign * base


def times_units(cents, units) -> np.ndarray:
    """``cents x units`` as int64, saturating at the largest total the kit holds instead of wrapping.

    A rate per unit times a count of units is compared with what was paid;
    a product too large for int64 (a hostile file's trillion-dollar fee times
    a million units) would otherwise wrap around to a negative amount. Here it
    stays the largest representable amount with its sign, which compares
    correctly with any amount paid, and the difference of two such products
    still fits. Missing values stay missing (returns a pandas ``Int64`` array
    when either input has them).

    >>> times_units([12_50, 99_999_999_999_999], [3, 10**6]).tolist()
    [3750, 2305843009213693952]
    """
    if all(isinstance(v, np.ndarray) and v.dtype.kind == "i" for v in (cents, units)):
        # Whole numbers in NumPy arrays (the audit's rules pass these): nothing can be missing.
        x, y, missing = cents.astype(np.int64, copy=False), units.astype(np.int64, copy=False), None
    else:
        a = pd.array(cents, dtype="Int64")
        b = pd.array(units, dtype="Int64")
        missing = np.asarray(a.isna() | b.isna())
        x = np.asarray(a.fillna(0), dtype=np.int64)
        y = np.asarray(b.fillna(0), dtype=np.int64)
    with np.errstate(over="ignore"):
        product = x * y
    big = np.abs(np.multiply(x, y, dtype=np.float64)) >= 2.0**60
    if big.any():
        exact = [int(p) * int(q) for p, q in zip(x[big], y[big])]
        product[big] = [max(-_SATURATED, min(_SATURATED, v)) for v in exact]
    if missing is not None and missing.any():
        out = pd.array(product, dtype="Int64")
        out[missing] = pd.NA
        return out
    return product


def prorate(cents, part, whole) -> np.ndarray:
    """``cents x part / whole`` rounded half-up to the cent, exactly, without int64 overflow.

    The share of an amount for ``part`` of ``whole`` units (``part <= whole``
    keeps the result within ``cents``). The product is formed in Python
    integers for the rows where int64 could overflow, so a hostile file's
    large amounts and unit counts give the exact share, never a wrapped one.

    >>> prorate([10_000, 99_999_999_999_999], [1, 999_999], [3, 1_000_000]).tolist()
    [3333, 99999899999999]
    """
    a = np.asarray(cents, dtype=np.int64)
    p = np.asarray(part, dtype=np.int64)
    w = np.asarray(whole, dtype=np.int64)
    big = (np.abs(a).astype(np.float64) * np.abs(p).astype(np.float64)) >= 2.0**62
    if not big.any():
        return np.asarray(div_half_up(a * p, w), dtype=np.int64)
    out = np.zeros(len(a), dtype=np.int64)
    small = ~big
    if small.any():
        out[small] = div_half_up(a[small] * p[small], w[small])
    for i in np.flatnonzero(big):
        num, den = int(a[i]) * int(p[i]), int(w[i])
        sign = -1 if (num < 0) != (den < 0) else 1
        out[i] = sign * ((2 * abs(num) + abs(den)) // (2 * abs(den)))
    return out
