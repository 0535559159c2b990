"""X12 tokenising without a Python object per segment.

A file's bytes are cut into interchanges (ISA...IEA, or a bare ST...SE run),
each with the separators its own ISA header declares (:func:`split_interchanges`,
in :mod:`._interchanges`, which also reads the layouts payers really send).
The interchanges of all files that share separators are joined into one byte
buffer (:func:`combine`): numpy finds the terminators and element separators
once, a segment is a (start, end) pair of offsets, its id a small integer
code, and elements are gathered column by column into Arrow string arrays
(:class:`Elements`) for the few segment types a reader needs. Amounts, dates
and qualifiers are converted from the bytes, vectorised.

Separators (X12 5010 ISA): element separator = the character after ``ISA``;
repetition separator = ISA11 (5010 only; 4010 has the standards id ``U``
there); component separator = ISA16; segment terminator = the character after
ISA16. Line breaks around the terminator are allowed and ignored; a line break
may itself be the terminator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._bytes import words_at
from ._interchanges import DEFAULT_SEPARATORS, Piece, RawProblem, Separators, split_interchanges

__all__ = [
    "empty_strings",
    "Separators",
    "DEFAULT_SEPARATORS",
    "Chunk",
    "Piece",
    "combine",
    "RawProblem",
    "split_interchanges",
    "segment_code",
    "segment_codes",
    "code_name",
    "Elements",
    "Splitter",
    "split_values",
    "parse_amounts",
    "parse_quantities",
    "AMOUNT_EXPECTED",
    "QUANTITY_EXPECTED",
    "OUTSIDE_ANY_TRANSACTION",
]

#: Where a segment after a transaction's end (its SE, or the GE that ended it) and before the next ST lies;
#: set aside by both X12 readers (the 837 reader sets aside the service lines there, in these words).
OUTSIDE_ANY_TRANSACTION = "outside any ST...SE transaction"


@dataclass
class Chunk:
    """Segments of any number of files that share one set of separators.

    Attributes
    ----------
    buf : numpy.ndarray of uint8
        The files' bytes, back to back.
    starts, ends : numpy.ndarray
        Segment *i* is ``buf[starts[i]:ends[i]]`` (no terminator, no line break).
    codes : numpy.ndarray of uint32
        :func:`segment_code` of each segment id.
    numbers : numpy.ndarray of int64
        1-based position of each segment in its file.
    files : numpy.ndarray of int64
        Index of each segment's file (as the caller numbered them).
    separators : Separators
    splitter : Splitter
        Element separator positions, for :class:`Elements`.
    unterminated : numpy.ndarray of int64
        Positions of the segments a file ends inside (no terminator after them: ``Piece.unterminated``).
    """

    buf: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    codes: np.ndarray
    numbers: np.ndarray
    files: np.ndarray
    separators: Separators
    splitter: "Splitter"
    unterminated: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.starts)

    def text(self, i: int) -> str:
        """The text of segment ``i``."""
        return bytes(self.buf[self.starts[i]: self.ends[i]]).decode("utf-8", "replace")


def combine(pieces: list[tuple[int, Piece]]) -> list[Chunk]:
    """Join the pieces of many files into one chunk per set of separators.

    Parameters
    ----------
    pieces : list of (file index, Piece)

    Returns
    -------
    list of Chunk
        In order of first appearance of each set of separators.
    """
    groups: dict[Separators, list[tuple[int, Piece]]] = {}
    for item in pieces:
        groups.setdefault(item[1].separators, []).append(item)
    chunks = []
    for seps, items in groups.items():
        sizes = np.array([len(p.data) for _, p in items], dtype=np.int64)
        base = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        buf = np.concatenate([p.data for _, p in items])
        kind = np.int32 if len(buf) < 2**31 else np.int64
        starts = np.concatenate([p.starts + b for (_, p), b in zip(items, base)]).astype(kind)
        ends = np.concatenate([p.ends + b for (_, p), b in zip(items, base)]).astype(kind)
        numbers = np.concatenate([p.first_number + np.arange(len(p), dtype=np.int64)
                                  for _, p in items])
        files = np.concatenate([np.full(len(p), f, dtype=np.int64) for f, p in items])
        codes = segment_codes(buf, starts, ends, ord(seps.element))
        splitter = Splitter(buf, starts, ends, seps.element)
        first = np.concatenate([[0], np.cumsum([len(p) for _, p in items])[:-1]]).astype(np.int64)
        cut = np.array([at + len(p) - 1 for (_, p), at in zip(items, first) if p.unterminated and len(p)],
                       dtype=np.int64)
        chunks.append(Chunk(buf, starts, ends, codes, numbers, files, seps, splitter, cut))
    return chunks


def segment_code(name: str) -> int:
    """Integer code of a segment id (``"CLP"`` -> ``0x434C50``; 2-letter ids end in 0)."""
    b = name.encode("ascii")[:3].ljust(3, b"\0")
    return (b[0] << 16) | (b[1] << 8) | b[2]


def code_name(code: int) -> str:
    """Inverse of :func:`segment_code`; ``""`` for the code of an id of four or more bytes."""
    if code == 0xFFFFFF:
        return ""
    b = bytes([(code >> 16) & 255, (code >> 8) & 255, code & 255]).rstrip(b"\0")
    return b.decode("latin-1")


def segment_codes(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, sep: int) -> np.ndarray:
    """:func:`segment_code` of each segment's id (the bytes before its first separator;
    ``0xFFFFFF`` when that is longer than three), read four bytes at a time.

    Shared by the 835 reader and the 837 reader.
    """
    n = len(starts)
    if n == 0:
        return np.zeros(0, dtype=np.uint32)
    size = ends - starts
    word = words_at(buf, starts, 4)
    b1, b2, b3 = (word >> 8) & 0xFF, (word >> 16) & 0xFF, word >> 24
    three_bytes = ((word & 0xFF) << 16) | (b1 << 8) | b2
    one = (size == 1) | ((size > 1) & (b1 == sep))
    two = ~one & ((size == 2) | ((size > 2) & (b2 == sep)))
    three = ~one & ~two & ((size == 3) | ((size > 3) & (b3 == sep)))
    code = np.where(three, three_bytes, np.uint32(0xFFFFFF))
    code = np.where(two, three_bytes & 0xFFFF00, code)
    return np.where(one, three_bytes & 0xFF0000, code).astype(np.uint32)


def _gather(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """A string array whose values are ``buf[starts[i]:starts[i] + lengths[i]]``."""
    n = len(starts)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    if total:
        small = len(buf) < 2**31 and total < 2**31
        kind = np.int32 if small else np.int64
        shift = (starts - offsets[:-1]).astype(kind)
        index = np.repeat(shift, lengths.astype(kind))
        index += np.arange(total, dtype=kind)
        data = buf[index]
    else:
        data = np.zeros(0, dtype=np.uint8)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


class Splitter:
    """Where the separators are in a run of values, found once with numpy.

    ``values [starts[i], ends[i])`` of ``buf`` are split on ``separator``;
    :meth:`element` then gathers element *j* of any rows straight from the
    bytes, without a Python object per value.
    """

    def __init__(self, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, separator: str):
        kind = np.int32 if len(buf) < 2**31 else np.int64
        self.buf = buf
        self.starts = starts.astype(kind, copy=False)
        self.ends = ends.astype(kind, copy=False)
        self.sep = np.flatnonzero(buf == ord(separator)).astype(kind, copy=False)
        self.first = np.searchsorted(self.sep, self.starts).astype(kind, copy=False)
        self.count = (self._stops() - self.first).astype(kind, copy=False)

    def _stops(self) -> np.ndarray:
        """Index of the first separator at or after each value's end.

        Values laid end to end in order (segments, a string array's values) have nothing
        but terminators between them: a value's stop is the next value's first separator.
        Where that is not so, the separators are searched for again.
        """
        starts, ends, first, sep = self.starts, self.ends, self.first, self.sep
        n = len(starts)
        if n < 2:
            return np.searchsorted(sep, ends)
        stop = np.empty(n, dtype=np.int64)
        stop[:-1] = first[1:]
        stop[-1] = np.searchsorted(sep, ends[-1])
        count = stop - first
        inside = count > 0
        if ((ends[:-1] <= starts[1:]).all() and (count >= 0).all()
                and (sep[stop[inside] - 1] < ends[inside]).all()):
            return stop
        return np.searchsorted(sep, ends)

    @classmethod
    def of_array(cls, values: pa.Array, separator: str) -> "Splitter":
        """A splitter over the values of a string array."""
        values = values.cast(pa.large_string())
        offsets = np.frombuffer(values.buffers()[1], dtype=np.int64)[
            values.offset: values.offset + len(values) + 1]
        data = values.buffers()[2]
        buf = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
        return cls(buf, offsets[:-1], offsets[1:], separator)

    def rows(self, rows: np.ndarray | None = None) -> tuple:
        """(starts, ends, first separator, separator count) of some rows."""
        if rows is None:
            return self.starts, self.ends, self.first, self.count
        return self.starts[rows], self.ends[rows], self.first[rows], self.count[rows]

    def element(self, j: int, rows: np.ndarray | None = None, rest: bool = False,
                located: tuple | None = None) -> pa.Array:
        """Element ``j`` (0 = first) of ``rows`` (default all); ``""`` where absent.

        With ``rest=True`` the element runs to the end of the value (separators
        included), like a split with at most ``j`` splits.
        """
        begin, lengths = self.span(j, rows, rest, located)
        if not lengths.any():
            return empty_strings(len(lengths))
        return _gather(self.buf, begin, lengths)

    def span(self, j: int, rows: np.ndarray | None = None, rest: bool = False,
             located: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Start offset in ``buf`` and length (0 where absent) of element ``j``."""
        starts, ends, first, count = located or self.rows(rows)
        sep = self.sep
        n = len(starts)
        present = count >= j
        if not present.any():
            return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        if not len(sep):
            return starts.astype(np.int64), np.where(present, ends - starts, 0).astype(np.int64)
        if j == 0:
            begin = starts.astype(np.int64)
        else:
            begin = sep[np.where(present, first + (j - 1), 0)].astype(np.int64) + 1
        if rest:
            stop = ends
        else:
            more = count > j
            stop = np.where(more, sep[np.where(more, first + j, 0)], ends)
        lengths = (stop - begin).astype(np.int64)
        if not present.all():
            lengths[~present] = 0
            begin[~present] = 0
        return begin, lengths


def empty_strings(n: int) -> pa.Array:
    """``n`` empty strings (Arrow ``large_string``), made without a Python string each."""
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(np.zeros(n + 1, dtype=np.int64)),
                                            pa.py_buffer(b""))


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


class Elements:
    """Elements of some segments of a chunk: ``elements[j]`` is element *j* (0 = the id)."""

    def __init__(self, splitter: Splitter, rows: np.ndarray):
        self.splitter = splitter
        self.rows = np.asarray(rows, dtype=np.int64)
        self.size = len(self.rows)
        self.located = splitter.rows(self.rows)
        self.count = self.located[3]
        self._cache: dict[int, pa.Array] = {}

    def __getitem__(self, j: int) -> pa.Array:
        if j not in self._cache:
            self._cache[j] = self.splitter.element(j, located=self.located)
        return self._cache[j]

    def code(self, j: int) -> np.ndarray:
        """Element ``j`` packed like :func:`segment_code` (values of 1-3 characters).

        Longer values get ``0xFFFFFF``; an absent or empty one 0. Comparing
        codes avoids building strings for qualifiers such as DTM01 or REF01.
        """
        begin, lengths = self.splitter.span(j, located=self.located)
        buf = self.splitter.buf
        if not len(buf) or not lengths.any():
            return np.zeros(len(begin), dtype=np.uint32)
        # The first bytes of every value in one gather; bytes past a value's end count as 0.
        word = words_at(buf, begin, 4)
        out = np.where(lengths > 0, (word & 0xFF) << np.uint32(16), 0).astype(np.uint32)
        out |= np.where(lengths > 1, word & 0xFF00, 0).astype(np.uint32)
        out |= np.where(lengths > 2, (word >> np.uint32(16)) & 0xFF, 0).astype(np.uint32)
        out[lengths > 3] = 0xFFFFFF
        return out

    def date(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Element ``j`` as a CCYYMMDD date, read straight from the bytes.

        Returns
        -------
        dates : numpy.ndarray of datetime64[us]
            ``NaT`` where blank or invalid.
        blank, invalid : numpy.ndarray of bool
        """
        begin, lengths = self.splitter.span(j, located=self.located)
        n = len(begin)
        blank = lengths == 0
        shaped = lengths == 8
        year, month, day = (np.zeros(n, dtype=np.int64) for _ in range(3))
        if shaped.any():
            # The eight bytes of every value eight bytes long in one gather of 64-bit words.
            every = bool(shaped.all())
            rows = None if every else np.flatnonzero(shaped)
            at = begin if every else begin[rows]
            digits = words_at(self.splitter.buf, at, 8).view(np.uint8).reshape(-1, 8) - np.uint8(48)
            digit = (digits <= 9).all(axis=1)
            d = digits.astype(np.int64)
            found = (d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3],
                     d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7])
            if every:
                (year, month, day), shaped = found, digit
            else:
                for whole, part in zip((year, month, day), found):
                    whole[rows] = part
                shaped[rows] = digit
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
        limit = month_days[np.clip(month, 0, 12)] + ((month == 2) & leap)
        ok = shaped & (month >= 1) & (month <= 12) & (day >= 1) & (day <= limit) & (year > 0)
        days = _days_from_civil(np.where(ok, year, 1970), np.where(ok, month, 1),
                                np.where(ok, day, 1))
        dates = (days * 86_400_000_000).astype("datetime64[us]")
        dates[~ok] = np.datetime64("NaT", "us")
        return dates, blank, ~blank & ~ok

    @classmethod
    def of(cls, chunk: "Chunk", index: np.ndarray) -> "Elements":
        return cls(chunk.splitter, index)


def split_values(values: pa.Array, separator: str, parts: int) -> list[pa.Array]:
    """Split each value on ``separator`` into ``parts`` columns; the last keeps the rest."""
    splitter = Splitter.of_array(values, separator)
    return [splitter.element(j, rest=(j == parts - 1)) for j in range(parts)]


AMOUNT_EXPECTED = ("an amount in dollars with at most two decimals, written like 150000, "
                   "-1.27 or .5")
_AMOUNT_RE = r"^-?(\d{1,16}(\.\d*)?|\.\d+)$"
_TOO_PRECISE_RE = r"\.\d{2}\d*[1-9]"


def parse_amounts(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X12 decimal text to integer cents, exactly.

    Parameters
    ----------
    values : pyarrow string array
        X12 ``R`` values: optional minus, digits, optional decimal point
        (``150000``, ``-1.27``, ``.5``).

    Returns
    -------
    cents : numpy.ndarray of int64
        0 where blank or invalid.
    blank : numpy.ndarray of bool
    invalid : numpy.ndarray of bool
        Present but not an amount, or with a non-zero digit after the cents
        (``12.505``). Zeros past the cents (``12.500``) are exact and accepted.

    Examples
    --------
    >>> cents, blank, bad = parse_amounts(pa.array(["-1.27", ".5", "150000", "12.505", ""]))
    >>> cents.tolist(), bad.tolist()
    ([-127, 50, 15000000, 0, 0], [False, False, False, True, False])
    """
    n = len(values)
    if n == 0:
        empty = np.zeros(0, dtype=bool)
        return np.zeros(0, dtype=np.int64), empty, empty
    blank = np.asarray(pc.equal(values, ""))
    if blank.all():
        return np.zeros(n, dtype=np.int64), blank, np.zeros(n, dtype=bool)
    text = pc.if_else(pa.array(blank), pa.scalar("0", values.type), values) if blank.any() \
        else values
    cents = None
    if not _has_exponent(values):
        try:
            cents = _decimal_cents(pc.cast(text, pa.decimal128(18, 2)))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            cents = None
    if cents is not None:
        return cents, blank, np.zeros(n, dtype=bool)
    shaped = np.asarray(pc.match_substring_regex(values, _AMOUNT_RE))
    precise = ~np.asarray(pc.match_substring_regex(values, _TOO_PRECISE_RE))
    good = shaped & precise
    invalid = ~blank & ~good
    text = pc.if_else(pa.array(good), values, pa.scalar("0", values.type))
    text = pc.replace_substring_regex(text, r"(\.\d{2})0+$", r"\1")
    cents = _decimal_cents(pc.cast(text, pa.decimal128(18, 2)))
    return cents, blank, invalid


QUANTITY_EXPECTED = "a quantity, written like 1, 2.5 or 1.125"
_QUANTITY_RE = r"^-?(\d{1,15}(\.\d{0,15})?|\.\d{1,15})$"


def parse_quantities(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X12 ``R`` quantities (units of service, SVC05) to numbers, any number of decimals.

    Units are not money: ``1.125`` hours of a timed service is a quantity and
    is read as it is written.

    Returns
    -------
    values : numpy.ndarray of float64
        0 where blank or invalid.
    blank, invalid : numpy.ndarray of bool

    Examples
    --------
    >>> q, blank, bad = parse_quantities(pa.array(["1.125", "", "2", "x1"]))
    >>> q.tolist(), blank.tolist(), bad.tolist()
    ([1.125, 0.0, 2.0, 0.0], [False, True, False, False], [False, False, False, True])
    """
    n = len(values)
    if n == 0:
        empty = np.zeros(0, dtype=bool)
        return np.zeros(0, dtype=np.float64), empty, empty
    blank = np.asarray(pc.equal(values, ""))
    if _plain_decimals(values):
        # Digits, points and minus signs only: cast at once, checking the shape only on failure.
        text = pc.if_else(pa.array(blank), pa.scalar("0", values.type), values) if blank.any() \
            else values
        try:
            return (np.asarray(pc.cast(text, pa.float64()), dtype=np.float64), blank,
                    np.zeros(n, dtype=bool))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    values = pc.utf8_trim_whitespace(values)
    blank = np.asarray(pc.equal(values, ""))
    good = np.asarray(pc.match_substring_regex(values, _QUANTITY_RE))
    invalid = ~blank & ~good
    text = pc.if_else(pa.array(good), values, pa.scalar("0", values.type))
    text = pc.replace_substring_regex(text, r"^(-?)\.", r"\10.")  # RE2: group 1, then "0."
    text = pc.replace_substring_regex(text, r"\.$", "")
    return np.asarray(pc.cast(text, pa.float64()), dtype=np.float64), blank, invalid


def _has_exponent(values: pa.Array) -> bool:
    """True when some value holds ``e``, ``E`` or ``+`` (the decimal cast would read ``1e2``)."""
    data = _value_bytes(values)
    if data is None:
        return bool(pc.any(pc.match_substring_regex(values, r"[eE+]")).as_py())
    return bool(((data == 101) | (data == 69) | (data == 43)).any())


#: Bytes of plain decimal text (digits, point, minus).
_DECIMAL_BYTES = np.zeros(256, dtype=bool)
_DECIMAL_BYTES[list(b"0123456789.-")] = True


def _plain_decimals(values: pa.Array) -> bool:
    """True when the values hold nothing but digits, points and minus signs (as the regex
    ``[^0-9.\\-]`` finds nothing; a byte of a non-ASCII character is none of these)."""
    data = _value_bytes(values)
    if data is None:
        return not pc.any(pc.match_substring_regex(values, r"[^0-9.\-]")).as_py()
    return bool(_DECIMAL_BYTES[data].all())


def _value_bytes(values: pa.Array) -> np.ndarray | None:
    """The bytes of a string array's values, back to back (``None`` when not at hand)."""
    if values.type not in (pa.string(), pa.large_string()) or values.buffers()[2] is None:
        return None
    kind = np.int64 if values.type == pa.large_string() else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=kind)
    return np.frombuffer(values.buffers()[2], dtype=np.uint8)[
        offsets[values.offset]: offsets[values.offset + len(values)]]


def _decimal_cents(decimals: pa.Array) -> np.ndarray:
    """The unscaled value of a decimal128(18, 2) array: cents."""
    raw = np.frombuffer(decimals.buffers()[1], dtype=np.int64)
    return raw[2 * decimals.offset: 2 * (decimals.offset + len(decimals)): 2].copy()
