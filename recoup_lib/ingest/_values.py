"""Values as billing offices write them, turned into the contract's text.

Every function takes a column of text (an Arrow string array, as read) and
returns the contract's spelling of each value plus a mask of the values that
could not be understood (those rows are set aside with the reason
:data:`EXPECTED` gives). Blank stays blank. All work is vectorised with Arrow
compute kernels and numpy, so a million values take a fraction of a second.

- dates: ``01/31/2025``, ``Jan 31, 2025``, Excel serial numbers, ... ->
  ``2025-01-31``, read by :mod:`._calendar` (every shape it understands is
  listed there).
- money: ``$1,234.50``, ``(12.00)``, ``($3.84)``, ``-12.00``, ``12.00-``,
  ``12.00 CR`` -> ``1234.50``, ``-12.00``, ...; Excel's Accounting style as a
  CSV holds it (``$ (12.00)``, and ``$ -`` or ``-`` for zero); at most two
  decimals; under a trillion dollars.
- flags: Y/N, yes/no, true/false, T/F, 1/0, X (checked) -> ``true``/``false``.
- whole numbers: ``1``, ``1.0``, ``1.00`` -> ``1``.
- lists: several columns, or one column separated by commas, spaces, ``/``,
  ``|`` or ``;`` -> ``25;59``.
- ids and codes: a leading ``'`` (text in a spreadsheet) dropped; procedure,
  modifier and diagnosis codes in capitals; an ICD-10-CM code written without
  its point (``E119``) -> ``E11.9``, as the 837 import writes it (:mod:`._diagnoses`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import array_parts, byte_range, one_array
from ..money import format_cents_arrow
from ..schema import WHOLE_ID, excel_scientific as scientific_in_text
from ..x12 import parse_amounts
from ..amounts import ACCOUNTING_ZERO, common_amounts
from ._distinct import by_distinct_value, distinct_values

__all__ = ["text", "value_bytes", "ascii_only", "no_value", "NO_VALUE", "to_money", "read_money", "money_text", "Money",
           "as_code", "whole_code", "excel_scientific", "to_flags", "to_whole", "to_place_of_service", "join_lists",
           "split_code_modifiers", "five_digit_codes", "EXPECTED"]

EXPECTED = {
    "date": "a date such as 01/31/2025, 1/31/25, 20250131 or 2025-01-31 (month first; a day's name "
            "before it must be the date's own), "
            "between 1900 and 2100",
    "money": "an amount such as 1234.50, $1,234.50, (12.00) or -12.00, with at most two decimals and under a "
             "trillion dollars",
    "bool": "a yes/no flag (Y, N, yes, no, true, false, 1, 0)",
    "int": "a whole number such as 1 or 2",
    "id": WHOLE_ID,
}

_EMPTY = pa.scalar("", pa.string())


#: Arrays :func:`text` returned, by id: given back to it (each reader calls it on a column the
#: caller already cleaned), they are returned as they are.
_CLEAN: "weakref.WeakValueDictionary[int, pa.Array]" = weakref.WeakValueDictionary()


def text(values) -> pa.Array:
    """Any column as trimmed Arrow text (nulls -> ``""``; non-breaking spaces trimmed too)."""
    if _CLEAN.get(id(values)) is values:
        return values
    arr = one_array(values)
    if arr.type != pa.string():
        arr = pc.cast(arr, pa.string())
    arr = pc.fill_null(arr, "")
    lo, hi = byte_range(arr)
    if lo < 0x21 or hi > 0x7E:      # else visible ASCII: no space, nor any byte beyond ASCII, to look at value by value
        if hi >= 0x80 and _NBSP in value_bytes(arr):
            arr = pc.replace_substring(arr, "\u00a0", " ")
        if not _edges_plain(arr):
            arr = pc.utf8_trim_whitespace(arr)
    _CLEAN[id(arr)] = arr
    return arr


#: U+00A0 in UTF-8; in valid UTF-8 these two bytes are that character and nothing else.
_NBSP = "\u00a0".encode()
#: First bytes of the UTF-8 characters beyond ASCII that Arrow's whitespace trim removes
#: (U+0085, U+00A0: C2; U+1680: E1; U+2000-U+205F: E2; U+3000: E3).
_WIDE_SPACE_LEADS = np.array([0xC2, 0xE1, 0xE2, 0xE3], dtype=np.uint8)


def value_bytes(arr: pa.Array) -> bytes:
    """The bytes of a text array's values, all in one (a copy)."""
    data = arr.buffers()[2]
    if not len(arr) or data is None:
        return b""
    offsets, _ = array_parts(arr)
    return data.slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()


def ascii_only(arr: pa.Array) -> bool:
    """Whether every value is ASCII: no byte of the values at 0x80 or above (read in place)."""
    return byte_range(arr)[1] < 0x80


def _edges_plain(arr: pa.Array) -> bool:
    """Whether trimming whitespace would change nothing: every value is empty or starts and ends
    with a visible character. An edge beyond ASCII is visible unless its character begins with a
    byte some Unicode space begins with (:data:`_WIDE_SPACE_LEADS`): names ending in ``é`` need no trim."""
    offsets, raw = array_parts(arr)
    if not len(raw):
        return True
    filled = offsets[1:] > offsets[:-1]
    ends = offsets[1:]
    first, last = raw.take(offsets[:-1], mode="clip"), raw.take(ends - 1, mode="clip")
    for byte in (first, last):
        if (((byte <= 32) | (byte == 127)) & filled).any():
            return False
    wide_first, wide_last = (first >= 128) & filled, (last >= 128) & filled
    if wide_first.any() and np.isin(first[wide_first], _WIDE_SPACE_LEADS).any():
        return False
    if wide_last.any():
        ends = ends[wide_last]
        two, three = raw.take(ends - 2, mode="clip"), raw.take(ends - 3, mode="clip")
        if (two == _WIDE_SPACE_LEADS[0]).any() or np.isin(three, _WIDE_SPACE_LEADS[1:]).any():
            return False
    return True


#: What exports write in a cell that has no value (compared in lower case). A dash is Excel's
#: Accounting zero in a money column, so money columns leave the dashes out.
NO_VALUE = ("n/a", "na", "#n/a", "null", "(null)", "none", "(none)", "nan", "(blank)", "-", "--")
_NO_VALUE_MONEY = tuple(word for word in NO_VALUE if "-" not in word)
_LONGEST_NO_VALUE = max(len(word) for word in NO_VALUE)
#: The first bytes of those words, in either case: only values starting so are compared.
_STARTS_NO_VALUE = np.zeros(256, dtype=bool)
_STARTS_NO_VALUE[[ord(c) for word in NO_VALUE for c in {word[0], word[0].upper()}]] = True


def no_value(values, money: bool = False) -> np.ndarray:
    """Where a cell holds only a word for "no value" (``N/A``, ``NULL``, ``None``, ``#N/A``, ...),
    in any case: an optional column's export writes these for blank.

    ``money``: the column holds amounts, where ``-`` means zero (:func:`read_money`).
    """
    arr = text(values)
    found = np.zeros(len(arr), dtype=bool)
    present = _bytes_present(arr)
    if not (present[ord("n")] or present[ord("N")] or (not money and present[ord("-")])):
        return found
    offsets, raw = array_parts(arr)
    lengths = np.diff(offsets)
    short = (lengths <= _LONGEST_NO_VALUE) & (lengths > 0)
    if short.any():
        short[short] = _STARTS_NO_VALUE[raw[offsets[:-1][short]]]
    if short.any():
        words = _NO_VALUE_MONEY if money else NO_VALUE
        found[short] = np.asarray(pc.is_in(pc.utf8_lower(arr.filter(pa.array(short))),
                                           value_set=pa.array(words, pa.string())))
    return found


class _Census:
    """Which byte values occur in a string array's data: each byte asked about is looked for once
    (``bytes.find``, a memchr over the data), not a histogram of every byte."""

    def __init__(self, data: bytes):
        self.data = data
        self._seen: dict[int, bool] = {}

    def __getitem__(self, byte: int) -> bool:
        if byte not in self._seen:
            self._seen[byte] = self.data.find(bytes((byte,))) >= 0
        return self._seen[byte]

    def holds(self, needle: bytes) -> bool:
        return needle in self.data


def _bytes_present(arr: pa.Array) -> _Census:
    """Which byte values occur anywhere in a string array (its data buffer, copied once)."""
    arr = one_array(arr)
    data = arr.buffers()[2]
    if data is None or not len(arr):
        return _Census(b"")
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32 if arr.type == pa.string() else np.int64)
    start, stop = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    return _Census(data.slice(start, stop - start).to_pybytes())


def _has(arr: pa.Array, needle: str, ignore_case: bool = False, present: _Census | None = None) -> bool:
    """Whether any value holds ``needle``; the byte census rules most needles out without a scan."""
    present = _bytes_present(arr) if present is None else present
    for ch in needle.encode():
        options = {ch, ord(chr(ch).upper()), ord(chr(ch).lower())} if ignore_case else {ch}
        if not any(present[o] for o in options):
            return False
    if len(needle) == 1 and not ignore_case:
        return True
    return bool(pc.any(pc.match_substring(arr, needle, ignore_case=ignore_case)).as_py())


def _strip_mark(s: pa.Array, hit, left: int, right: int, trim: bool = False) -> pa.Array:
    """Remove ``left`` characters at the start and ``right`` at the end where ``hit`` (then the
    blanks this uncovers, with ``trim``); only those values are rewritten."""
    mask = np.asarray(hit)
    if not mask.any():
        return s
    offsets, _ = array_parts(s)
    whole = bool((mask | (offsets[1:] == offsets[:-1])).all())    # a blank value stays blank
    part = s if whole else s.filter(pa.array(mask))
    cut = pc.utf8_slice_codeunits(part, left, -right if right else None)
    if trim:
        cut = pc.utf8_trim_whitespace(cut)
    return cut if whole else pc.replace_with_mask(s, pa.array(mask), cut)


def _drop_dollar(s: pa.Array) -> pa.Array:
    """Remove a ``$`` before the amount (after its sign, blanks around it allowed)."""
    first = pc.starts_with(s, "$")
    raw = np.frombuffer(_bytes_present(s).data + b"0", dtype=np.uint8)
    after = raw[np.flatnonzero(raw[:-1] == ord("$")) + 1]
    if len(after) == pc.sum(first).as_py() and not np.isin(after, list(b" \t\n\r\f")).any():
        return _strip_mark(s, first, 1, 0)      # every $ opens its value: no pattern needed
    return pc.replace_substring_regex(s, r"^([-+]?)\s*\$\s*", r"\1")


@dataclass
class Money:
    """A column of money as :func:`read_money` read it.

    Attributes
    ----------
    text : pyarrow.Array
        The values as trimmed text.
    stripped : pyarrow.Array
        The amounts with their marks (``$``, ``(``, ``CR``, ...) taken off (the values of a common
        form read from their bytes: as written).
    plain : numpy.ndarray of bool
        Where ``stripped`` is already written as the contract writes amounts (never for values of a
        common form: their text is written from their cents).
    negative : numpy.ndarray of bool
        Where a mark said the amount is negative.
    cents : numpy.ndarray of int64
        The amount in cents, sign included (0 where blank or bad).
    blank, bad : numpy.ndarray of bool
        Where the value is blank; where it is not an amount.
    each : (Money, numpy.ndarray) or None
        When the column was read on its distinct values (:mod:`._distinct`): their
        ``Money`` and each row's index into them (``stripped``, ``plain`` and ``negative`` are then
        None: :func:`money_text`, which alone reads them, takes them from there).
    """

    text: pa.Array
    stripped: pa.Array | None
    plain: np.ndarray | None
    negative: np.ndarray | None
    cents: np.ndarray
    blank: np.ndarray
    bad: np.ndarray
    each: tuple | None = None


def read_money(values) -> Money:
    """Money as offices write it, read into cents.

    The common forms (``131.00``, ``$1,234.50``, ``($3.84)``, ``-12.00``) are read
    straight from the bytes (:func:`recoup_lib.amounts.common_amounts`); the other values
    mark by mark, looking only for the marks they really hold, and then as
    X12-style decimal text, exactly (:func:`recoup_lib.x12.parse_amounts`).
    Values of a common form are marked ``plain=False``: :func:`money_text` writes
    them from their cents.
    """
    arr = text(values)
    each = distinct_values(arr)
    if each is not None:
        values, index = each
        read = read_money(values)
        return Money(arr, None, None, None, read.cents[index], read.blank[index], read.bad[index], (read, index))
    common, cents, in_parentheses = common_amounts(arr)
    if not common.any():
        return _read_money_marks(arr)
    n = len(arr)
    blank = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    plain = np.zeros(n, dtype=bool)
    stripped = arr
    if not common.all():
        rest = ~common
        other = _read_money_marks(arr.filter(pa.array(rest)))
        cents[rest], in_parentheses[rest] = other.cents, other.negative
        blank[rest], bad[rest], plain[rest] = other.blank, other.bad, other.plain
        stripped = pc.replace_with_mask(arr, pa.array(rest), other.stripped)
    return Money(arr, stripped, plain, in_parentheses, cents, blank, bad)


def _read_money_marks(arr: pa.Array) -> Money:
    """:func:`read_money` of any value: each mark a column holds taken off in turn."""
    s = arr
    n = len(s)
    negative = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    present = _bytes_present(s)
    if _has(s, "usd", ignore_case=True, present=present):
        s = pc.utf8_trim_whitespace(pc.replace_substring_regex(s, r"(?i)usd", ""))
    if _has(s, "-", present=present):
        s = pc.replace_substring_regex(s, ACCOUNTING_ZERO, "0.00")
    if _has(s, "$", present=present) and _has(s, "(", present=present):
        s = pc.replace_substring_regex(s, r"^\$\s*\(", "(")          # its negative: $ (12.00)
    if _has(s, "(", present=present):
        hit = pc.and_(pc.starts_with(s, "("), pc.ends_with(s, ")"))
        negative |= np.asarray(hit)
        s = _strip_mark(s, hit, 1, 1, trim=True)
    if _has(s, "cr", ignore_case=True, present=present):
        hit = pc.ends_with(pc.utf8_upper(s), "CR")
        negative |= np.asarray(hit)
        s = _strip_mark(s, hit, 0, 2, trim=True)
    if _has(s, "-", present=present):
        hit = pc.and_(pc.ends_with(s, "-"), pc.greater(pc.utf8_length(s), 1))
        negative |= np.asarray(hit)
        s = _strip_mark(s, hit, 0, 1)
    if _has(s, "$", present=present):
        s = _drop_dollar(s)
    if _has(s, ",", present=present):
        commas = np.asarray(pc.match_substring(s, ","))
        bad |= commas & ~np.asarray(pc.match_substring_regex(s, r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$"))
        s = pc.replace_substring(s, ",", "")
    if _has(s, "+", present=present):
        s = pc.replace_substring_regex(s, r"^\+", "")
    if _has(s, " ", present=present):
        bad |= np.asarray(pc.match_substring(s, " "))
    s = pc.cast(s, pa.string())
    plain, cents = _plain_money(s)
    blank = np.zeros(n, dtype=bool)
    if not plain.all():
        rest = pa.array(~plain)
        cents[~plain], blank[~plain], invalid = parse_amounts(s.filter(rest))
        bad[~plain] |= invalid
        bad |= negative & np.asarray(pc.starts_with(s, "-"))        # two minus signs: (-5), -5-
        bad |= np.abs(cents) >= 10**14                               # a trillion dollars or more
        marks_only = blank & np.asarray(pc.not_equal(arr, ""))       # '$', '()': a mark and no amount
        bad |= marks_only
        blank &= ~marks_only
        bad &= ~blank
    cents = np.where(negative, -cents, cents)
    cents[bad] = 0
    return Money(arr, s, plain, negative, cents, blank, bad)


def money_text(money: Money) -> pa.Array:
    """The contract's spelling of each amount :func:`read_money` read; bad values as written."""
    if money.each is not None:
        read, index = money.each
        return money_text(read).take(pa.array(index))
    s, plain, bad = money.stripped, money.plain, money.bad
    good = ~bad & ~money.blank
    # Plain amounts are already written as the contract writes them (a minus sign aside).
    out = s
    signed = plain & money.negative & good & np.asarray(pc.not_equal(s, "0.00"))
    if signed.any():
        out = pc.replace_with_mask(out, pa.array(signed),
                                   pc.utf8_replace_slice(s.filter(pa.array(signed)), 0, 0, "-"))
    other = ~plain & good
    if other.any():
        out = pc.replace_with_mask(out, pa.array(other), pc.cast(format_cents_arrow(money.cents[other]),
                                                                   pa.string()))
    if bad.any():
        out = pc.if_else(pa.array(bad), money.text, out)
    return out


def to_money(values) -> tuple[pa.Array, np.ndarray]:
    """Money as offices write it -> dollars with two decimals; (text, bad mask)."""
    money = read_money(values)
    return money_text(money), money.bad


def _plain_money(s: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Which amounts are written as the contract writes them: 1-12 digits (a leading zero only in
    ``0.xx``), a point and two digits; what reading and writing them again would give back.
    Returns (plain, cents): the cents of those amounts, 0 elsewhere."""
    offsets, raw = array_parts(s)
    size = np.diff(offsets)
    plain = (size >= 4) & (size <= 15)
    cents = np.zeros(len(size), dtype=np.int64)
    if not plain.any():
        return plain, cents
    odd = np.concatenate([[0], np.cumsum((raw - np.uint8(48)) > 9, dtype=np.int64)])
    start, end = offsets[:-1], offsets[1:]
    at = np.where(plain, end - 3, 0)
    lead = np.where(plain, start, 0)
    plain &= (odd[end] - odd[start] == 1) & (raw[at] == 46)
    plain &= (raw[lead] != 48) | (size == 4)
    if plain.all():
        cents = pc.cast(pc.replace_substring(s, ".", ""), pa.int64()).to_numpy()
    elif plain.any():
        cents[plain] = pc.cast(pc.replace_substring(s.filter(pa.array(plain)), ".", ""), pa.int64()).to_numpy()
    return plain, cents


def as_code(values, upper: bool = False, listed: bool = False) -> pa.Array:
    """Ids and codes as they are meant: without the ``'`` written before them to keep them text in a
    spreadsheet (``'0001U``), and with ``upper`` in capitals (``g0439`` -> ``G0439``: procedure,
    modifier and diagnosis codes are capitals, and the audit's tables compare them as written).
    ``listed``: ``;``-joined codes (:func:`join_lists`), each of which may carry its own mark.

    >>> as_code(["'e11.9;'i10", "'0001U"], upper=True, listed=True).to_pylist()
    ['E11.9;I10', '0001U']
    """
    arr = text(values)
    present = _bytes_present(arr)
    if present[ord("'")]:
        arr = pc.replace_substring_regex(arr, r"(^|;)'" if listed else r"^'", r"\1" if listed else "")
    if upper and any(present[letter] for letter in range(ord("a"), ord("z") + 1)):
        arr = pc.utf8_upper(arr)
    return arr


def whole_code(values) -> pa.Array:
    """Ids and codes a data tool wrote as decimal numbers, read whole: ``99213.0`` -> ``99213``,
    ``1001.00`` -> ``1001``.

    A column of numbers with a blank cell becomes decimals in pandas and in many database exports,
    and is saved so: claim 1001 is ``1001.0`` on one row and ``1001`` in the payments, two claims;
    ``97140.0`` matches no fee schedule, edit or MUE. An id, a procedure code or a modifier never
    ends in a point and zeros (a diagnosis code may: ICD-9 ``250.00``, so lists are not given here).
    """
    arr = text(values)
    if not _has(arr, "."):
        return arr
    return pc.replace_substring_regex(arr, r"^(\d+)\.0+$", r"\1")


def excel_scientific(values) -> np.ndarray:
    """Which ids or codes are a long number as Excel writes it in scientific notation (``2.02501E+14``).

    Excel shows a number of 12 digits or more so, and saves it so in a CSV: the claim number
    ``202501030001234`` becomes ``2.02501E+14``, the same text as its neighbours'. Taken as an
    id, such claims would merge into one; the digits cannot be recovered, so the row is set aside.
    """
    return scientific_in_text(text(values))


def to_flags(values) -> tuple[pa.Array, np.ndarray]:
    """Yes/no flags -> ``true``/``false``; (text, bad mask)."""
    arr = text(values)
    each = distinct_values(arr)
    if each is not None:
        values, index = each
        out, bad = to_flags(values)
        return out.take(pa.array(index)), bad[index]
    low = pc.utf8_lower(arr)
    yes = np.asarray(pc.is_in(low, pa.array(["y", "yes", "true", "t", "1", "x", "1.0", "checked"])))
    no = np.asarray(pc.is_in(low, pa.array(["n", "no", "false", "f", "0", "0.0", "unchecked"])))
    blank = np.asarray(pc.equal(arr, ""))
    out = pc.if_else(pa.array(yes), pa.scalar("true"), pc.if_else(pa.array(no), pa.scalar("false"), arr))
    return out, ~(yes | no | blank)


def to_whole(values) -> tuple[pa.Array, np.ndarray]:
    """``1.00`` -> ``1``; other text is kept for the contract check to judge; (text, bad mask)."""
    arr = text(values)
    offsets, raw = array_parts(arr)
    size = np.diff(offsets)
    blank = size == 0
    if len(arr) and not (raw[offsets[0]:offsets[-1]] - np.uint8(48) > 9).any():
        first = raw[offsets[:-1][~blank]]
        if not ((first == 48) & (size[~blank] > 1)).any():      # digits only, no leading zero
            return arr, ~blank & (size > 15)
    present = _bytes_present(arr)
    if present[ord(".")] or present[ord("+")] or present[ord("0")]:
        arr = pc.replace_substring_regex(arr, r"^\+?0*(\d+)(?:\.0*)?$", r"\1")
    blank = np.asarray(pc.equal(arr, ""))
    ok = np.asarray(pc.match_substring_regex(arr, r"^\d{1,15}$"))
    return arr, ~ok & ~blank


def to_place_of_service(values) -> pa.Array:
    """Place of service codes are two digits: ``2`` (Excel dropped the zero) -> ``02``. A code a data
    tool wrote as a decimal (``2.0``) is read whole before (:func:`whole_code`, as every code is)."""
    arr = text(values)
    offsets, _ = array_parts(arr)
    if not (np.diff(offsets) == 1).any():
        return arr      # no single character: nothing the pattern would change
    return pc.replace_substring_regex(arr, r"^(\d)$", r"0\1")


def _semicolons(arr: pa.Array) -> pa.Array:
    """One column of lists: separators (blanks, ``,;/|``) become one ``;``, none at either end."""
    arr = pc.replace_substring_regex(arr, r"[\s,;/|]+", ";")
    return pc.replace_substring_regex(arr, r"^;|;$", "")


def join_lists(columns: list) -> pa.Array:
    """Several columns (or one with separators) -> ``;``-joined codes, blanks dropped."""
    parts = []
    for col in columns:
        arr = text(col)
        present = _bytes_present(arr)
        if any(present[ord(ch)] for ch in (" ", ",", ";", "/", "|", "\t")):
            arr = by_distinct_value(arr, _semicolons)
        parts.append(arr)
    if len(parts) == 1:
        return parts[0]
    joined = pc.binary_join_element_wise(*parts, ";")
    while _has(joined, ";;"):
        joined = pc.replace_substring(joined, ";;", ";")
    return pc.utf8_trim(joined, ";")


def split_code_modifiers(codes) -> tuple[pa.Array, pa.Array]:
    """``99213-25`` or ``20610/RT/59`` (modifiers written after the code) -> (code, ``25``)."""
    arr = text(codes)
    present = _bytes_present(arr)
    if not any(present[ord(ch)] for ch in ("-", "/", ":")):
        return arr, pa.repeat(_EMPTY, len(arr))
    pattern = r"^(?P<code>[A-Za-z0-9]{5})(?P<mods>(?:\s*[-/:]\s*[A-Za-z0-9]{2})+)$"
    parts = pc.extract_regex(arr, pattern)
    hit = pc.is_valid(parts)
    code = pc.if_else(hit, pc.struct_field(parts, "code"), arr)
    mods = pc.if_else(hit, pc.struct_field(parts, "mods"), _EMPTY)
    mods = pc.replace_substring_regex(pc.fill_null(mods, ""), r"^[\s\-/:]+", "")
    mods = pc.replace_substring_regex(mods, r"[\s\-/:]+", ";")
    return code, mods


def five_digit_codes(codes) -> tuple[pa.Array, int]:
    """Procedure codes of digits alone shorter than five, with the zeros Excel dropped put back:
    ``840`` -> ``00840``; (codes, how many were so read).

    A CPT or HCPCS code is five characters; Excel stores a column of codes typed in as numbers, so
    the anesthesia codes 00100-01999 lose their leading zeros, as a place of service ``02`` does.
    """
    arr = text(codes)
    short = pc.and_(pc.less(pc.utf8_length(arr), 5), pc.utf8_is_decimal(arr))
    count = int(pc.sum(short).as_py() or 0)
    if not count:
        return arr, 0
    return pc.if_else(short, pc.utf8_lpad(arr, 5, "0"), arr), count
