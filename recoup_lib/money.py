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
    "parse_cents_scalar",
    "format_cents",
    "format_cents_arrow",
    "format_cents_scalar",
    "dollars",
    "div_half_up",
    "apply_rate",
    "allocate",
]

#: What the contract accepts as a money value: an optional sign, an optional
#: leading ``$`` (before or after the sign), digits with optional thousands
#: separators, and at most two decimals. ``-$1,234.5`` and ``125`` pass;
#: ``12.505`` and ``1,23`` do not.
MONEY_PATTERN = r"^\s*([-+]?)\$?([-+]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{0,2}))?\s*$"
_MONEY_NAMED = (
    r"^(?P<s1>[-+]?)\$?(?P<s2>[-+]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{0,2}))?$"
)


def _to_arrow_strings(values) -> pa.ChunkedArray | pa.Array:
    series = pd.Series(values, copy=False)
    if not isinstance(series.dtype, pd.StringDtype) or series.dtype.storage != "pyarrow":
        series = series.astype(pd.StringDtype("pyarrow"))
    arr = pa.array(series.array)
    return pc.cast(arr, pa.string())


#: Digits of the largest amount in cents the kit accepts ($999,999,999,999.99).
_MAX_DIGITS = 14


def _plain_cents(arr: pa.Array) -> np.ndarray | None:
    """Cents of an array whose every value is written ``125.00`` or ``-40.50``; None otherwise.

    The fast path of :func:`parse_cents` for what the kit itself writes: an
    optional leading minus, at least one digit, a point, exactly two digits.
    Checked with one anchored pattern; the point is then dropped and the
    digits cast as whole cents (an amount too large for int64 takes the
    general path, which says so).
    """
    if arr.type != pa.string():
        return None
    if not pc.all(pc.match_substring_regex(arr, r"^-?[0-9]+\.[0-9][0-9]$")).as_py():
        return None
    try:
        cents = pc.cast(pc.replace_substring(arr, ".", ""), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if isinstance(cents, pa.ChunkedArray):
        cents = cents.combine_chunks()
    values = cents.to_numpy(zero_copy_only=False)
    if len(values) and np.abs(values).max() >= 10**_MAX_DIGITS:
        return None
    return values


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
    arr = _to_arrow_strings(values)
    # Fast path: every value written like "125.00" or "-40.50" (what the kit itself writes): the
    # point three characters from the end and nothing but digits (and a leading minus) around it.
    if len(arr) and arr.null_count == 0:
        cents = _plain_cents(arr)
        if cents is not None:
            return (pd.Series(pd.array(cents, dtype="Int64"), index=index),
                    pd.Series(np.zeros(len(cents), dtype=bool), index=index))
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
    representable = pc.fill_null(pc.less_equal(pc.utf8_length(digits), _MAX_DIGITS), False)
    ok = pc.and_(ok, representable)
    digits = pc.if_else(ok, pc.if_else(pc.equal(digits, ""), "0", digits), pa.scalar(None, pa.string()))
    magnitude = pc.cast(digits, pa.int64())
    negative = pc.or_(pc.equal(s1, "-"), pc.equal(s2, "-"))
    cents = pc.if_else(pc.fill_null(negative, False), pc.negate(magnitude), magnitude)
    cents_series = pd.Series(pd.array(cents.to_pandas(), dtype="Int64"), index=index)
    invalid = pd.Series(
        np.asarray(pc.and_(pc.invert(ok), pc.invert(blank))), index=index, dtype=bool
    )
    return cents_series, invalid


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
    return _format_arrow(pa.array(np.arange(-_SMALL + 1, _SMALL, dtype=np.int64)))


def format_cents_arrow(cents) -> pa.Array:
    """Integer cents as an Arrow array of dollar text (``-4050`` -> ``"-40.50"``; null where missing)."""
    s = pd.Series(cents, copy=False)
    values = pa.array(s.astype("Int64").array if not pd.api.types.is_integer_dtype(s.dtype)
                      or s.isna().any() else s.to_numpy(dtype=np.int64), type=pa.int64(), from_pandas=True)
    if len(values) > 50_000:
        small = pc.fill_null(pc.less(pc.abs(values), _SMALL), False)
        if pc.all(small).as_py() and values.null_count == 0:
            return _small_amounts().take(pc.add(values, _SMALL - 1))
    return _format_arrow(values)


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
