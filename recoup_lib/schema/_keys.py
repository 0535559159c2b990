"""Short identifiers of one width as integers: claim ids joined across files without hashing text.

Exports write identifiers such as claim ids at one width (``C0000001``,
``2025001234``). Identifiers of one byte width up to eight are the same
as 8-byte big-endian integers of their bytes: equal exactly when the text is
equal, and ordered as the text is ordered byte by byte (Arrow's and Python's
order for text). Finding each payment's or note's claim among a million claim
lines is then a sort-free search of integers instead of a hash of text.
Anything else (mixed widths, longer identifiers, missing values) returns None,
and callers hash the text as before. A claim's integer code and a line number
join into one integer per claim line (:func:`line_key`) the same way.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["ClaimKeys", "claim_keys", "line_key", "packed_ids", "packed_positions", "packed_ranks", "PACKED_WIDTH"]

#: The widest identifier (in bytes) that fits one integer.
PACKED_WIDTH = 8


def _chunks(values) -> list[pa.Array] | None:
    """Arrow text chunks of ``values`` (a Series or array backed by Arrow text, or Arrow text), or None."""
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = getattr(values.array if isinstance(values, pd.Series) else values, "_pa_array", None)
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    if not isinstance(values, pa.ChunkedArray) or not (pa.types.is_string(values.type)
                                                       or pa.types.is_large_string(values.type)):
        return None
    return [chunk for chunk in values.chunks if len(chunk)]


def packed_ids(values, width: int | None = None) -> tuple[np.ndarray, int] | None:
    """Each identifier as a ``uint64`` (its bytes, big-endian), and their common width in bytes.

    Parameters
    ----------
    values : pandas.Series or pyarrow.Array or pyarrow.ChunkedArray
        Arrow-backed text (as the kit reads every text column).
    width : int, optional
        The width the identifiers must have (that of the table they are looked up in).

    Returns
    -------
    (numpy.ndarray, int) or None
        None when a value is missing, when the values are not all of one width
        (or not of ``width``), or when that width is 0 or over :data:`PACKED_WIDTH`.
    """
    chunks = _chunks(values)
    if chunks is None:
        return None
    if not chunks:
        return np.zeros(0, dtype=np.uint64), width or 0
    # Each identifier's bytes written straight into its 8-byte slot (the rest left zero), then, on a
    # little-endian machine, every slot byte-swapped in place: one array made, where a copy per chunk
    # and their join made three.
    packed = np.zeros(sum(len(chunk) for chunk in chunks), dtype=np.uint64)
    slots = packed.view(np.uint8).reshape(len(packed), PACKED_WIDTH)
    start = 0
    for chunk in chunks:
        if chunk.null_count:
            return None
        wide = pa.types.is_large_string(chunk.type)
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64 if wide else np.int32, count=len(chunk) + 1,
                                offset=chunk.offset * (8 if wide else 4))
        first = int(offsets[1] - offsets[0])
        width = first if width is None else width
        if not 0 < width <= PACKED_WIDTH or (np.diff(offsets) != width).any():
            return None
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8, count=int(offsets[-1]))[int(offsets[0]):]
        slots[start:start + len(chunk), :width] = data.reshape(len(chunk), width)
        start += len(chunk)
    return (packed.byteswap(inplace=True) if sys.byteorder == "little" else packed), width


def packed_ranks(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of ``ids`` (from :func:`packed_ids`) sorted, each value's rank among them, and the
    position of each distinct value's first occurrence. Ids already in order (a sorted export) take one pass."""
    order = None if (ids[1:] >= ids[:-1]).all() else np.argsort(ids, kind="stable")
    ordered = ids if order is None else ids[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]] if len(ids) else np.zeros(0, dtype=bool)
    ranks = np.cumsum(first) - 1
    if order is None:
        return ordered[first], ranks, np.flatnonzero(first)
    codes = np.empty(len(ids), dtype=np.int64)
    codes[order] = ranks
    return ordered[first], codes, order[first]


def packed_positions(values, sorted_ids: np.ndarray, width: int) -> np.ndarray | None:
    """Position of each identifier of ``values`` in ``sorted_ids`` (:func:`packed_ids` of one width, sorted
    and distinct); -1 where it is not there; None where ``values`` cannot be packed at ``width``."""
    packed = packed_ids(values, width)
    if packed is None:
        return None
    ids = packed[0]
    if not len(sorted_ids) or not len(ids):
        return np.full(len(ids), -1, dtype=np.int64)
    # A file's rows of one claim come together (its lines, notes, payments): each run of one identifier
    # is searched for once, and its position repeated over the run.
    heads = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    runs = None
    if len(heads) * 4 < len(ids) * 3:
        runs = np.diff(heads, prepend=0, append=len(ids))
        ids = ids[np.r_[0, heads]]
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    at[sorted_ids[at] != ids] = -1
    return at if runs is None else np.repeat(at, runs)


def _arrow_source(values) -> pa.ChunkedArray | None:
    """The Arrow data behind a column (a new object whenever a value of it is set), to tell it apart."""
    return getattr(values.array if isinstance(values, pd.Series) else values, "_pa_array", None)


@dataclass(frozen=True)
class ClaimKeys:
    """The claim lines' claim ids as ranked integers (:func:`claim_keys`), and the payments' claims among them.

    The audit folder's reader makes them to find payments without a claim line
    (:func:`recoup_lib.folder.read_audit_folder`); the audit's context takes
    them over instead of packing, ranking and searching the same claim ids again.

    Attributes
    ----------
    lines : pyarrow.ChunkedArray
        The claim_id column they were made from: they hold for that very column only (a value set
        in it, or another table's column, has other Arrow data and is keyed afresh).
    distinct : numpy.ndarray
        The distinct claim ids, packed (:func:`packed_ids`) and sorted.
    width : int
        Their width in bytes.
    ranks, heads : numpy.ndarray
        Each line's claim's position in ``distinct``, and each distinct claim's first line
        (:func:`packed_ranks`).
    payments : pyarrow.ChunkedArray, optional
        The payments' claim_id column that ``paid`` was found for.
    paid : numpy.ndarray, optional
        Position of each payment's claim in ``distinct``, -1 where it is not there.
    """

    lines: pa.ChunkedArray
    distinct: np.ndarray
    width: int
    ranks: np.ndarray
    heads: np.ndarray
    payments: pa.ChunkedArray | None = None
    paid: np.ndarray | None = None

    def made_from(self, claim_id) -> bool:
        """Whether these keys were made from this very ``claim_id`` column."""
        source = _arrow_source(claim_id)
        return source is not None and source is self.lines

    def positions(self, claim_id) -> np.ndarray | None:
        """:func:`packed_positions` of ``claim_id`` among the claims (``paid`` for the payments' own column)."""
        if self.payments is not None and _arrow_source(claim_id) is self.payments:
            return self.paid
        return packed_positions(claim_id, self.distinct, self.width)

    def with_payments(self, claim_id, paid: np.ndarray) -> "ClaimKeys":
        """These keys, with ``paid`` the :meth:`positions` of the payments' ``claim_id`` column."""
        return replace(self, payments=_arrow_source(claim_id), paid=paid)


def claim_keys(claim_id) -> ClaimKeys | None:
    """:class:`ClaimKeys` of a claim_id column, or None when its ids do not pack (see :func:`packed_ids`)."""
    packed = packed_ids(claim_id)
    if packed is None or not len(packed[0]):
        return None
    distinct, ranks, heads = packed_ranks(packed[0])
    return ClaimKeys(_arrow_source(claim_id), distinct, packed[1], ranks, heads)


def line_key(claims, line_no: np.ndarray, width: int, *, first: int = 0, low: int = 0) -> np.ndarray:
    """One integer per claim line, ``(claims + first) * width + (line_no - low)``, worked out in one new array.

    ``claims`` are integer codes of the claims and ``width`` is more than ``line_no - low`` of any line,
    so two lines share a key exactly when they share claim and line number: a join or lookup of claim
    lines is then one of integers, not a merge of text. ``first`` (1) keeps the code -1 of a claim not
    found at keys of 0 or more.
    """
    key = np.array(claims, dtype=np.int64)
    key += first
    key *= width
    key += line_no
    key -= low
    return key
