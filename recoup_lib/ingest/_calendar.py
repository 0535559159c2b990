"""Dates as offices write them, read into days: the usual shapes from their bytes, the calendar in integers.

:func:`read_dates` (:func:`to_dates` for the contract's text) reads
``01/31/2025``, ``1/31/25``, ``01-31-2025``, ``20250131``, ``2025-01-31``,
``31-Jan-2025``, ``Jan 31, 2025``, ``Jan 31, 25``, Excel serial numbers (``45688``; counted
from the workbook's own day zero when it uses the 1904 date system; a fraction, the time of day of
a date and time saved as a number, ``45688.5625``, is dropped as a written time is) and a
trailing time of day, with its zone (``2025-01-31T00:00:00Z``, the date as
written), a day's name before any of these (``Fri 01/31/2025``, ``Friday,
January 31, 2025``: it must be the date's day) -> ``2025-01-31``; US order
(month first) always; a two-digit year is 2000-2068 or 1969-1999 (as POSIX
``%y``); 1900-2100 only. Like the other readers of :mod:`._values`, it takes
a column of text and says which values could not be read, so that their
rows are set aside.

:func:`plain_dates` reads ``M/D/YY``, ``MM/DD/YYYY``, ``YYYY-MM-DD`` and
``YYYYMMDD`` (any of ``-/.`` between the parts) position by position, so
:func:`read_dates` runs its patterns only on the other shapes;
:func:`days_in_month` and :func:`days_since_1970` check and count the dates
read without numpy's datetime conversions.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import array_parts
from ._distinct import distinct_values
from ._values import _EMPTY, text

__all__ = ["EXCEL_DAY_ZERO", "to_dates", "date_text", "read_dates", "plain_dates", "days_in_month", "days_since_1970"]

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
#: Excel's day zero (its 1900 system counts the fictitious 1900-02-29; serials from 61 on are
#: right with this epoch, and the kit accepts 1900-03-01 onwards from serials).
EXCEL_DAY_ZERO = "1899-12-30"
_EXCEL_EPOCH = np.datetime64(EXCEL_DAY_ZERO, "D")
#: The first and last days a serial number may be read as.
_SERIAL_DAYS = (np.datetime64("1900-03-01", "D"), np.datetime64("2100-12-31", "D"))
_TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?(?:\s*(?:[Zz]|[+-]\d{2}:?\d{2}))?)?"


def _century(year: np.ndarray) -> np.ndarray:
    """Two-digit years in their century: 2000-2068 or 1969-1999 (as POSIX ``%y``). Only a year written
    with two digits is one: ``0025`` written in full is the year 25, refused, not 2025 guessed."""
    return np.where(year <= 68, 2000 + year, 1900 + year)


def _ints(struct, name: str) -> np.ndarray:
    field = pc.struct_field(struct, name)
    field = pc.if_else(pc.equal(pc.fill_null(field, ""), ""), pa.scalar("0"), pc.fill_null(field, "0"))
    return pc.cast(field, pa.int64()).to_numpy(zero_copy_only=False)


def to_dates(values) -> tuple[pa.Array, np.ndarray]:
    """Dates as offices write them -> ``YYYY-MM-DD`` text; (text, bad mask)."""
    arr, days, ok, blank, _ = read_dates(values)
    return date_text(arr, days, ok), ~ok & ~blank


def date_text(arr: pa.Array, days: np.ndarray, ok: np.ndarray) -> pa.Array:
    """The text :func:`to_dates` gives: ``YYYY-MM-DD`` where a date was read, the value as it is elsewhere."""
    out = pc.cast(pa.array(days, type=pa.date32()), pa.string())
    return pc.if_else(pa.array(ok), out, arr)


def read_dates(values, epoch: str | None = None) -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Dates as offices write them, read (see the module doc for the shapes understood).

    ``epoch``: the day zero of the workbook the values come from, when it is not Excel's usual
    1899-12-30: a workbook saved in the 1904 date system (Mac Excel) counts its serial numbers
    from ``"1904-01-01"``, and read with the usual day zero they would fall 4 years and a day early.

    Returns
    -------
    text : pyarrow.Array
        The values as trimmed text.
    days : numpy.ndarray of datetime64[D]
        The date read (meaningless where not ``ok``).
    ok, blank, serial : numpy.ndarray of bool
        Where a date was read; where the value is blank; where the date was read from a serial
        number (the values ``epoch`` bears on).
    """
    arr = text(values)
    each = distinct_values(arr)
    if each is not None:
        values, index = each
        _, days, ok, blank, from_serial = read_dates(values, epoch)
        return arr, days[index], ok[index], blank[index], from_serial[index]
    n = len(arr)
    serial = np.full(n, -1, dtype=np.int64)
    blank = np.asarray(pc.equal(arr, ""))
    year, month, day, shaped = plain_dates(arr, ~blank)
    todo = ~blank & ~shaped
    weekday = np.full(n, -1, dtype=np.int8)
    patterns = [
        (rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){_TIME}$", None),
        (rf"^(?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}})[-/.](?P<y>\d{{4}}|\d{{2}}){_TIME}$", None),
        (r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$", None),
        (rf"^(?P<d>\d{{1,2}})[- ](?P<mon>[A-Za-z]{{3}})[a-z]*\.?[- ](?P<y>\d{{4}}|\d{{2}}){_TIME}$", "mon"),
        (rf"^(?P<mon>[A-Za-z]{{3}})[a-z]*\.? (?P<d>\d{{1,2}}),? (?P<y>\d{{4}}|\d{{2}}){_TIME}$", "mon"),
    ]
    if todo.any():
        rest = np.flatnonzero(todo)
        left = arr.take(pa.array(rest))
        left, named_day = _weekday_taken_off(left)
        if named_day is not None:
            weekday[rest] = named_day
        sample = left[:2000]
        hits = [int(pc.sum(pc.match_substring_regex(sample, p)).as_py() or 0) for p, _ in patterns]
        patterns = [patterns[i] for i in np.argsort(hits, kind="stable")[::-1]]
        open_ = np.ones(len(rest), dtype=bool)
        for pattern, month_name in patterns:
            if not open_.any():
                break
            parts = pc.extract_regex(pc.if_else(pa.array(open_), left, _EMPTY), pattern)
            hit = np.asarray(pc.is_valid(parts)) & open_
            if not hit.any():
                continue
            parts = parts.filter(pa.array(hit))
            if month_name:
                names = pc.utf8_lower(pc.struct_field(parts, "mon")).to_pylist()
                m = np.array([_MONTHS.get(x, 0) for x in names], dtype=np.int64)
            else:
                m = _ints(parts, "m")
            at = rest[hit]
            written = _ints(parts, "y")
            short = np.asarray(pc.utf8_length(pc.struct_field(parts, "y"))) == 2
            year[at], month[at], day[at] = np.where(short, _century(written), written), m, _ints(parts, "d")
            shaped[at] = True
            open_ &= ~hit
        if open_.any():
            parts = pc.extract_regex(pc.if_else(pa.array(open_), left, _EMPTY), r"^(?P<n>\d{1,5})(?:\.\d+)?$")
            hit = np.asarray(pc.is_valid(parts)) & open_
            if hit.any():
                serial[rest[hit]] = _ints(parts.filter(pa.array(hit)), "n")
    ok = shaped & (month >= 1) & (month <= 12) & (day >= 1) & (year >= 1900) & (year <= 2100)
    ok &= day <= days_in_month(year, np.where(ok, month, 1))
    days = np.where(ok, days_since_1970(year, month, day), 0).astype("datetime64[D]")
    named = weekday >= 0
    if named.any():
        ok[named] &= (days[named].astype(np.int64) + 3) % 7 == weekday[named]
    zero = _EXCEL_EPOCH if epoch is None else np.datetime64(epoch, "D")
    first, last = ((day - zero).astype(np.int64) for day in _SERIAL_DAYS)
    from_serial = (serial >= max(first, 1)) & (serial <= last)
    days[from_serial] = zero + serial[from_serial]
    ok |= from_serial
    return arr, days, ok, blank, from_serial


#: A day's name written before a date (``Fri 01/03/2025``, ``Friday, January 3, 2025``).
_WEEKDAY = (r"(?i)^(?P<w>mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday|s|r|rs)?\.?,?\s+"
            r"(?P<rest>\S.*)$")
_WEEKDAYS = {name: i for i, name in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])}


def _weekday_taken_off(values: pa.Array) -> tuple[pa.Array, np.ndarray | None]:
    """Dates with a day's name before them -> (the dates without it, each value's weekday with
    Monday 0, or -1 where none was written); ``(values, None)`` when no value starts with one.

    The name is checked against the date read (:func:`read_dates`): a day that does not match
    says the date was not read as its writer meant it (a day-first date, a typing slip).
    """
    parts = pc.extract_regex(values, _WEEKDAY)
    named = np.asarray(pc.is_valid(parts))
    if not named.any():
        return values, None
    weekday = np.full(len(values), -1, dtype=np.int8)
    names = pc.utf8_lower(pc.struct_field(parts.filter(pa.array(named)), "w")).to_pylist()
    weekday[named] = [_WEEKDAYS[name] for name in names]
    rest = pc.struct_field(parts, "rest")
    return pc.if_else(pa.array(named), rest, values), weekday


#: Shapes of the dates most exports hold, read straight from the bytes (:func:`_plain_dates`):
#: (length, positions of the two separators or None, (start, width) of year, month and day).
_PLAIN_SHAPES = [(2 + m + d + y, (m, m + 1 + d), ((m + d + 2, y), (0, m), (m + 1, d)))
                 for m in (1, 2) for d in (1, 2) for y in (2, 4)]
_PLAIN_SHAPES += [(6 + m + d, (4, 5 + m), ((0, 4), (5, m), (6 + m, d))) for m in (1, 2) for d in (1, 2)]
_PLAIN_SHAPES += [(8, None, ((0, 4), (4, 2), (6, 2)))]


def plain_dates(arr: pa.Array, todo: np.ndarray):
    """Year, month and day of the values written ``M/D/YY``, ``MM/DD/YYYY``, ``YYYY-MM-DD`` or
    ``YYYYMMDD`` (any of ``-/.`` between the parts), read from the bytes; (y, m, d, hit), a
    two-digit year put in its century (:func:`_century`).

    These are exactly the values the first three patterns of :func:`read_dates` take without a
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
            if parts[0][1] == 2:
                numbers[0] = _century(numbers[0])
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
