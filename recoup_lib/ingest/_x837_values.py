"""837 values in the contract's spelling: dates, charges, units, modifiers and diagnoses.

Each function takes Arrow text cut from the segments (:mod:`._x12spans`)
and returns the contract's text. The common shapes (``20250131``, ``190`` or
``12.5``, ``1``) are read straight from the bytes with numpy; anything else
goes through the general rule (Arrow kernels, or
:func:`recoup_lib.x12.parse_amounts` for amounts), row for row
the same result.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import array_parts
from ..money import format_cents_arrow
from ..schema import FIRST_DATE, LAST_DATE
from ..x12 import parse_amounts, segment_code
from ._calendar import days_in_month
from ._diagnoses import first_of_its_code, insert_icd_dot
from ._values import as_code
from ._x12spans import Parts, span_text

__all__ = ["mend", "to_iso", "X12_DATE_RANGE", "charges", "whole_units", "service_fields", "diagnoses",
           "line_diagnoses", "name_ids"]

_DX_POINTED = ("ABK", "ABF", "BK", "BF")
_ICD9 = ("BK", "BF")
#: The days the kit represents (:data:`~recoup_lib.schema.FIRST_DATE` to ``LAST_DATE``) as CCYYMMDD numbers.
_FIRST_DAY, _LAST_DAY = (int(str(day).replace("-", "")) for day in (FIRST_DATE, LAST_DATE))
#: Those days as an 837 writes them, for the messages about its dates.
X12_DATE_RANGE = f"from {_FIRST_DAY} to {_LAST_DAY}"


def _blank(n: int) -> pa.Array:
    return pa.nulls(n, pa.string()).fill_null("")


def _layout(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of a string array, as numpy, the offsets widened to int64 for arithmetic."""
    offsets, data = array_parts(values)
    return offsets.astype(np.int64), data


def _bytes_at(buf: np.ndarray, positions: np.ndarray) -> np.ndarray:
    if not len(buf):
        return np.zeros(len(positions), dtype=np.int64)
    return buf[np.clip(positions, 0, len(buf) - 1)].astype(np.int64)


def _eight_bytes(buf: np.ndarray, begin: np.ndarray) -> np.ndarray:
    """The eight bytes from each position (zeros past the end), as rows of a (n, 8) array, in one gather."""
    padded = np.concatenate([buf, np.zeros(8, dtype=np.uint8)])
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    return words[begin].view(np.uint8).reshape(len(begin), 8)


def mend(values: pa.Array, files: np.ndarray, alt: dict[int, str], comp: str) -> pa.Array:
    """Composites of files that use another component separator, rewritten with ISA16's."""
    values = pc.cast(values, pa.string())
    for f, ch in alt.items():
        mask = pa.array(files == f)
        values = pc.if_else(mask, pc.replace_substring(values, ch, comp), values)
    return values


def to_iso(values: pa.Array) -> pa.Array:
    """``20250131`` (or the start of ``20250131-20250205``) -> ``2025-01-31``; other text as is, and so are
    eight digits that are no real date (``20251307``) or one the kit does not represent (``00000101``,
    :data:`X12_DATE_RANGE`), a range whose end is either (``20250105-20250231``), and one that ends before
    it starts (``20250110-20250105``): the contract check refuses them quoting what the file holds."""
    text = pc.cast(values, pa.string())
    n = len(text)
    offsets, buf = _layout(text)
    lengths = np.diff(offsets)
    shaped = (lengths == 8) | (lengths == 17)
    if not n or not shaped.any():
        return text
    begin = offsets[:-1]
    first8 = _eight_bytes(buf, begin)
    shaped &= ((first8 >= 48) & (first8 <= 57)).all(axis=1)
    long = lengths == 17
    if (shaped & long).any():
        shaped &= ~long | (_bytes_at(buf, begin + 8) == 45)
        for k in range(9, 17):
            d = _bytes_at(buf, begin + k) - 48
            shaped &= ~long | ((d >= 0) & (d <= 9))
    if not shaped.any():
        return text
    shaped &= _real_dates(first8 - 48)
    ranges = np.flatnonzero(shaped & long)
    if len(ranges):
        start, end = first8[ranges] - 48, _eight_bytes(buf, begin[ranges] + 9) - 48
        shaped[ranges] = _real_dates(end) & (_day_numbers(end) >= _day_numbers(start))
    out = np.full((n, 10), 45, dtype=np.uint8)
    out[:, [0, 1, 2, 3, 5, 6, 8, 9]] = np.where(shaped[:, None], first8, 48)
    iso = pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(np.arange(0, 10 * n + 1, 10, dtype=np.int32)),
                                                 pa.py_buffer(out)])
    return iso if shaped.all() else pc.if_else(pa.array(shaped), iso, text)


def _real_dates(digits: np.ndarray) -> np.ndarray:
    """Which rows of ``digits`` (n, 8; uint8), CCYYMMDD, are a day of the calendar the kit represents
    (``20250231`` is not, nor ``00000101``: :data:`X12_DATE_RANGE`); rows of other bytes than digits give
    nonsense, for the caller to leave out."""
    number = _day_numbers(digits)
    year, month, day = number // 10000, number // 100 % 100, number % 100
    real = (month >= 1) & (month <= 12) & (day >= 1) & (number >= _FIRST_DAY) & (number <= _LAST_DAY)
    real &= day <= days_in_month(year, np.where(real, month, 1))
    return real


def _day_numbers(digits: np.ndarray) -> np.ndarray:
    """Each row of ``digits`` (n, 8), CCYYMMDD, as the number it writes (``20250131``), which orders the days."""
    return digits.astype(np.int64) @ (10 ** np.arange(7, -1, -1, dtype=np.int64))


def _plain_shape(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Which amounts are written plainly (``190``, ``12.5``, ``0.75``: 1-12 digits without a
    leading zero, at most one point and 1-2 decimals), and their number of decimals."""
    offsets, buf = _layout(values)
    lengths = np.diff(offsets)
    ends = offsets[1:]
    plain = (lengths >= 1) & (lengths <= 15)
    dots = np.zeros(len(values), dtype=np.int64)
    dot_back = np.zeros(len(values), dtype=np.int64)
    for back in range(1, int(lengths.max(initial=0)) + 1):
        present = plain & (lengths >= back)
        if not present.any():
            break
        char = _bytes_at(buf, ends - back)
        dot = char == 46
        plain &= ~present | dot | ((char >= 48) & (char <= 57))
        dot_back = np.where(present & dot, back, dot_back)
        dots += present & dot
    decimals = np.where(dots > 0, dot_back - 1, 0)
    whole = np.where(dots > 0, lengths - dot_back, lengths)
    plain &= (dots <= 1) & ((dots == 0) | ((decimals >= 1) & (decimals <= 2))) & (whole >= 1) & (whole <= 12)
    plain &= ~((_bytes_at(buf, offsets[:-1]) == 48) & (lengths >= 2) & (_bytes_at(buf, offsets[:-1] + 1) != 46))
    return plain, np.where(plain, decimals, 0)


_DECIMALS_MISSING = pa.array([".00", "0", ""])


def charges(text: pa.Array) -> pa.Array:
    """X12 amounts -> dollars with two decimals; blank or unreadable text kept as it is.

    A plain amount gets its missing decimals appended (``190`` -> ``190.00``); any other
    is read by :func:`~recoup_lib.x12.parse_amounts` (all of them together, as
    it judges a whole column) and written by :func:`~recoup_lib.money.format_cents_arrow`.
    """
    text = pc.cast(text, pa.string())
    plain, decimals = _plain_shape(text)
    out = pc.binary_join_element_wise(text, _DECIMALS_MISSING.take(pa.array(decimals)), "")
    other = ~plain
    if not other.any():
        return out
    rest = text.filter(pa.array(other))
    cents, blank, invalid = parse_amounts(rest)
    fixed = pc.cast(format_cents_arrow(cents), pa.string())
    bad = blank | invalid
    if bad.any():
        fixed = pc.if_else(pa.array(bad), rest, fixed)
    return pc.replace_with_mask(out, pa.array(other), fixed)


def whole_units(units: pa.Array) -> pa.Array:
    """``001`` or ``1.0`` -> ``1``; other text as is."""
    offsets, buf = _layout(units)
    lengths = np.diff(offsets)
    padded = (lengths >= 2) & (_bytes_at(buf, offsets[:-1]) == 48)
    if not padded.any() and not (buf == 46).any():
        return units
    return pc.replace_substring_regex(units, r"^0*(\d+)(?:\.0*)?$", r"\1")


def _no_blank_modifier(parts: Parts, sep: int) -> bool:
    """Whether no value has more than six pieces and none has a blank piece after its second
    (no two separators side by side, none ending a value)."""
    if not bool((parts.count <= 5).all()):
        return False
    seps = parts.marks[:-1]
    if bool((np.diff(seps) == 1).any()):
        return False
    filled = parts.ends > parts.starts
    return not bool((parts.buf[np.maximum(parts.ends - 1, 0)][filled] == sep).any())


def _modifiers(parts: Parts) -> pa.Array:
    """Pieces 2-5 of each procedure composite (SV101-3..6), ``;``-joined, blanks dropped."""
    n = len(parts)
    has = parts.count >= 2
    if not has.any():
        return _blank(n)
    if (parts.buf == ord(";")).any():
        joined = pc.binary_join_element_wise(*[parts[j] for j in range(2, 6)], ";")
        return pc.replace_substring_regex(pc.replace_substring_regex(joined, r";{2,}", ";"), r"^;|;$", "")
    sep = int(parts.buf[parts.marks[0]])
    if _no_blank_modifier(parts, sep):
        # Every value has at most pieces 0-5, none of 2-5 blank: its modifiers are the text after
        # its second separator, the separators written as ";".
        begin = np.where(has, parts.span(2)[0], parts.ends)
        text = span_text(parts.buffer, begin, parts.ends)
        offsets, data = array_parts(text)
        data = data.copy()
        data[data == sep] = ord(";")
        return pa.Array.from_buffers(pa.string(), n, [None, text.buffers()[1], pa.py_buffer(data)], offset=text.offset)
    # The present pieces of each value, in order, as lists of spans (they follow one another in
    # the buffer), joined with ";".
    spans = [parts.span(j) for j in range(2, 6)]
    begins = np.stack([b for b, _ in spans], axis=1)
    ends = np.stack([e for _, e in spans], axis=1)
    present = ends > begins
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(present.sum(axis=1), out=offsets[1:])
    pieces = span_text(parts.buffer, begins[present], ends[present])
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), pieces), ";")


def service_fields(segs, sv1_of: np.ndarray, sv2_of: np.ndarray, prof: np.ndarray, comp: str,
                   alt: dict[int, str], files: np.ndarray) -> dict:
    """Procedure, modifiers, units and their basis (SV103/SV204: UN units, MJ minutes), charge, place
    of service and pointers of each line.

    Codes are read in capitals (``hc:g0439:rt`` gives ``G0439``, ``RT``), as the audit's tables
    write them. ``sv1_of``/``sv2_of``: each line's SV1 or SV2 row (837P lines take SV1,
    the others SV2).
    """
    n = len(prof)
    any_prof, any_inst = bool(prof.any()), bool((~prof).any())
    professional, institutional = segs.of("SV1"), segs.of("SV2")
    on_sv1, on_sv2 = np.where(prof, sv1_of, -1), np.where(prof, -1, sv2_of)

    def pick(j1: int | None, j2: int | None) -> pa.Array:
        a = professional.text_at(j1, on_sv1) if j1 is not None and any_prof else None
        b = institutional.text_at(j2, on_sv2) if j2 is not None and any_inst else None
        if a is None or b is None:
            return a if a is not None else (b if b is not None else _blank(n))
        return pc.if_else(pa.array(prof), a, b)

    parts = Parts(mend(pick(1, 2), files, alt, comp), comp)
    pos_given = any_prof and bool((~professional.empty(5)[np.maximum(on_sv1, 0)] & prof).any())
    return {"code": as_code(parts[1], upper=True), "modifiers": as_code(_modifiers(parts), upper=True),
            "charge": charges(pick(2, 3)),
            "units": whole_units(pick(4, 5)), "pos": pick(5, None) if pos_given else _blank(n),
            "pointers": mend(pick(7, None), files, alt, comp), "revenue": pick(None, 1),
            "basis": pc.utf8_upper(pick(3, 4))}


def name_ids(names) -> tuple[pa.Array | None, np.ndarray]:
    """Each NM1's id, and which NM1s hold filled elements past NM109 (``names``: their Fields).

    The 837 guides leave NM110-NM112 unused, so an element filled past NM109 means the
    segment holds one separator too many: a name written with the element separator in it
    (``NM1*IL*1*O*BRIEN*JANE****MI*P000061``) pushes the qualifier into NM109 and the id
    after it. The id is then the last filled element. Returns ``(None, none shifted)`` when
    no NM1 is so (the ids are NM109: ``names[9]``).
    """
    count = names.count
    shifted = np.zeros(len(count), dtype=bool)
    if not len(count) or int(count.max()) < 10:
        return None, shifted
    last = np.zeros(len(count), dtype=np.int64)
    for j in range(10, int(count.max()) + 1):
        last = np.where((count >= j) & ~names.empty(j), j, last)
    shifted = last >= 10
    ids = names[9]
    for j in np.unique(last[shifted]):
        ids = pc.if_else(pa.array(last == j), names[int(j)], ids)
    return ids, shifted


_POINTED_CODES = np.array([segment_code(q) for q in _DX_POINTED], dtype=np.uint32)


def _upper_codes(codes: np.ndarray) -> np.ndarray:
    """Codes of up to three bytes (:func:`recoup_lib.x12.segment_code`) with their
    lower-case letters as capitals: a qualifier written ``abk`` is ``ABK``."""
    codes = codes.astype(np.int64)
    for shift in (16, 8, 0):
        byte = (codes >> shift) & 0xFF
        codes = codes - np.where((byte >= 0x61) & (byte <= 0x7A), 0x20 << shift, 0)
    return codes


def _qualifiers(parts: Parts) -> tuple[np.ndarray, np.ndarray]:
    """Whether each composite's qualifier (piece 0) is one of :data:`_DX_POINTED`, and one of
    :data:`_ICD9`, read from its bytes (a code of its 1-3 bytes and its length)."""
    begin, end = parts.span(0)
    code, length = _upper_codes(parts.code(0)), end - begin
    lengths = np.array([len(q) for q in _DX_POINTED])
    pointed = np.zeros(len(parts), dtype=bool)
    icd9 = np.zeros(len(parts), dtype=bool)
    for q, qcode, qlength in zip(_DX_POINTED, _POINTED_CODES, lengths):
        match = (code == qcode) & (length == qlength)
        pointed |= match
        if q in _ICD9:
            icd9 |= match
    return pointed, icd9


def diagnoses(segs, owner, n_claims: int, comp: str, alt) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Each claim's diagnosis codes in order: (codes with their dot, start per claim, count per claim)."""
    hi = segs.where("HI")
    hi_clm = owner(hi, 1)
    owned = hi_clm >= 0
    el = segs.of("HI") if owned.all() else segs.fields(hi[owned])
    hi, hi_clm = hi[owned], hi_clm[owned]
    claims, order, codes, icd9 = [], [], [], []
    width = int(el.count.max()) if len(hi) else 0
    quals = pa.array(_DX_POINTED)
    for j in range(1, min(width, 12) + 1):
        # Element j exists only where a segment has j separators; elsewhere nothing is a diagnosis.
        rows = np.flatnonzero(el.count >= j)
        files = segs.files[hi[rows]]
        value = mend(el.text_at(j, rows), files, alt, comp)
        parts = Parts(value, comp)
        pointed, icd9_of = _qualifiers(parts)
        code_begin, code_end = parts.span(1)
        # A qualifier alone, its code in the next element (``HI*BK*8901``: ``*`` written for ``:``).
        alone = pointed & (parts.count == 0)
        if alone.any():
            after = mend(el.text_at(j + 1, rows), files, alt, comp)
            alone &= ~np.asarray(pc.match_substring(after, comp)) \
                & np.asarray(pc.match_substring_regex(after, r"^[A-Z0-9]{3,7}$")) \
                & ~np.asarray(pc.is_in(after, quals))
        if alone.any():
            code = pc.if_else(pa.array(alone), after, parts[1])
            dx = pointed & np.asarray(pc.not_equal(code, ""))
            code = code.filter(pa.array(dx))
        else:
            dx = pointed & (code_end > code_begin)
            code = span_text(parts.buffer, code_begin[dx], code_end[dx])
        if not dx.any():
            continue
        claims.append(hi_clm[rows][dx])
        order.append(hi[rows][dx] * 16 + j)
        codes.append(code)
        icd9.append(icd9_of[dx])
    if not claims:
        return pa.array([], pa.string()), np.zeros(n_claims, np.int64), np.zeros(n_claims, np.int64)
    claims_a, order_a = np.concatenate(claims), np.concatenate(order)
    sort = np.lexsort((order_a, claims_a))
    codes_a, icd9_a = pa.concat_arrays(codes), np.concatenate(icd9)
    if not bool(np.all(sort == np.arange(len(sort)))):
        codes_a, icd9_a = codes_a.take(pa.array(sort)), icd9_a[sort]
    codes_a = _with_dots(as_code(codes_a, upper=True), icd9_a)
    count = np.bincount(claims_a[sort], minlength=n_claims)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    return codes_a, start, count


def _with_dots(codes: pa.Array, icd9: np.ndarray) -> pa.Array:
    """:func:`~recoup_lib.ingest._diagnoses.insert_icd_dot` for diagnoses read from 837s, done on the bytes.

    The codes of an 837 are ASCII and written without a dot: each code longer than its
    width (3; 4 for an ICD-9 E code) gets a dot after that many bytes, by writing the bytes
    once around the dots. Any other array (a dot or a byte beyond ASCII anywhere, nulls)
    goes to ``insert_icd_dot``.
    """
    offsets, data = array_parts(codes)
    if codes.null_count or not len(codes):
        return insert_icd_dot(codes, icd9)
    data = data[offsets[0]:offsets[-1]]
    if len(data) + len(codes) >= 2**31 or (data >= 128).any() or (data == ord(".")).any():
        return insert_icd_dot(codes, icd9)
    begin = offsets[:-1].astype(np.int64) - offsets[0]
    lengths = np.diff(offsets)
    width = np.full(len(codes), 3, dtype=np.int64)
    if icd9.any():
        width[icd9 & (_bytes_at(data, begin) == ord("E")) & (lengths > 0)] = 4
    dotted = lengths > width
    if not dotted.any():
        return codes
    added = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(dotted, out=added[1:])
    new_offsets = begin + added[:-1]
    dots = (new_offsets + width)[dotted]
    out = np.empty(len(data) + int(added[-1]), dtype=np.uint8)
    kept = np.ones(len(out), dtype=bool)
    kept[dots] = False
    out[kept] = data
    out[dots] = ord(".")
    ends = np.append(new_offsets, len(out)).astype(np.int32)
    return pa.Array.from_buffers(pa.string(), len(codes), [None, pa.py_buffer(ends), pa.py_buffer(out)])


def _pointer_numbers(split: Parts, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Pointer ``k`` of each line as a number (``1``, ``01``, ``1.00`` -> 1; 0 when not a number), and
    whether the line writes one (a ``0`` or an ``A`` is written, and names no diagnosis)."""
    if not (split.count >= k).any():
        return np.zeros(len(split), dtype=np.int64), np.zeros(len(split), dtype=bool)
    begin, end = split.span(k)
    length = end - begin
    first, second = _bytes_at(split.buf, begin) - 48, _bytes_at(split.buf, begin + 1) - 48
    one = (length == 1) & (first >= 0) & (first <= 9)
    two = (length == 2) & (first >= 0) & (first <= 9) & (second >= 0) & (second <= 9)
    num = np.where(one, first, np.where(two, first * 10 + second, 0))
    other = (length > 0) & ~one & ~two
    if other.any():
        ptr = pc.replace_substring_regex(split[k].filter(pa.array(other)), r"^(\d+)\.0*$", r"\1")
        got = pc.cast(pc.if_else(pc.utf8_is_digit(ptr), ptr, pa.scalar("0")), pa.int64()).fill_null(0)
        num[other] = np.asarray(got)
    return num, length > 0


def line_diagnoses(pointers: pa.Array, prof: np.ndarray, line_claim: np.ndarray, dx,
                   comp: str) -> tuple[pa.Array, np.ndarray]:
    """Codes each line points to (837P), or all its claim's codes (837I), ``;``-joined; and which
    837P lines write a pointer (SV107) that names none of the diagnoses their claim lists (past
    their end, ``0``, or not a number: those pointers are left out)."""
    codes, start, count = dx
    n = len(line_claim)
    split = Parts(pointers, comp)
    cnt, base = count[line_claim], start[line_claim]
    index, dangling = [], np.zeros(n, dtype=bool)
    for k in range(4):
        num, written = _pointer_numbers(split, k)
        ok = prof & (num >= 1) & (num <= cnt)
        dangling |= prof & written & ~ok
        index.append(np.where(ok, base + num - 1, -1))
    if not len(codes):
        return _blank(n), dangling
    return _joined_codes(codes, index, prof, line_claim, count, cnt, base), dangling


def _once_per_line(codes: pa.Array, index: list, count: np.ndarray) -> list:
    """``index`` (for each of a line's codes, its position or -1) with every code after the line's first
    of the same text set to -1: a claim's HI can list a code twice (``HI*ABK:S0100*ABF:S0100``) and
    a line can point to one twice (``1:1``). The positions, and so what each pointer names, are kept
    as the claim sent them."""
    first = first_of_its_code(codes, count)
    if first is None:
        # Positions are then distinct codes: only a line's pointers (the first four) can repeat one.
        same_code = index[:4]
    else:
        same_code = [np.where(idx >= 0, first[np.maximum(idx, 0)], -1) for idx in index]
    kept = list(index)
    for k in range(1, len(same_code)):
        repeat = np.zeros(len(same_code[k]), dtype=bool)
        for earlier in same_code[:k]:
            repeat |= same_code[k] == earlier
        kept[k] = np.where(repeat & (same_code[k] >= 0), -1, index[k])
    return kept


def _joined_codes(codes: pa.Array, index: list, prof: np.ndarray, line_claim: np.ndarray, count: np.ndarray,
                  cnt: np.ndarray, base: np.ndarray) -> pa.Array:
    """Each line's codes, ``;``-joined: an 837P line's as ``index`` gives them (for each pointer, the
    code's position or -1), an 837I line's all of its claim's (``base``: its first, ``cnt``: how many)."""
    n = len(line_claim)
    # 837I: every code of the claim (up to 24), in order.
    inst = ~prof
    if inst.any():
        for k in range(int(count[line_claim[inst]].max())):
            idx = np.where(inst & (cnt > k), base + k, -1)
            if k < 4:
                index[k] = np.where(inst, idx, index[k])
            else:
                index.append(idx)
    index = _once_per_line(codes, index, count)
    _, data = _layout(codes)
    if (data == ord(";")).any():
        pieces = [pc.if_else(pa.array(idx >= 0), codes.take(pa.array(np.maximum(idx, 0))), "") for idx in index]
        joined = pc.replace_substring_regex(pc.binary_join_element_wise(*pieces, ";"), r";{2,}", ";")
        return pc.replace_substring_regex(joined, r"^;|;$", "")
    index = [idx for idx in index if (idx >= 0).any()] or index[:1]
    if len(index) == 1:
        return pc.fill_null(codes.take(pa.array(index[0], mask=index[0] < 0)), "")
    # Each line's codes in pointer order, taken at once as lists, joined with ";".
    matrix = np.stack(index, axis=1)
    present = matrix >= 0
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(present.sum(axis=1), out=offsets[1:])
    lists = pa.ListArray.from_arrays(pa.array(offsets), codes.take(pa.array(matrix[present])))
    return pc.binary_join(lists, ";")
