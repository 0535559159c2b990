"""What an 837's envelopes say: where each transaction ends, warnings, and the service line a file ends inside.

A transaction runs from its ST to its SE (:func:`transactions`). Its group's
or interchange's closing (a GS, GE, ISA or IEA), or the next ST, before its
SE ends it there, and the SE after it closes nothing; with neither, it ends
with its file. These are envelope defects: the transaction is read up to
where it ends, with a warning, as the 835 reader's envelope walk
(:func:`recoup_lib.remit.read_835`) reads it. Segments after a
transaction's end and before the next ST lie outside any transaction: as the
835 reader sets them aside, the service lines among them are set aside with
that reason (:mod:`._x837_lines`).

A download interrupted, a transfer cut or a file split by size ends
anywhere. Cut between two segments, it still reads as good X12: only its
envelopes tell that claims are missing (a transaction the file ends in
without its SE, an SE01 that does not count the segments sent, an
interchange without its IEA), so the reader warns about each, naming the
file and the ST or ISA segment (:func:`envelope_warnings`), and keeps the
claims read. Cut inside a segment, its last segment has no terminator and
its last element may be cut (units ``12`` read as ``1``, the pointers ``1:2``
as ``1:``, an NPI short of digits): the service line holding that segment is
set aside (:func:`lines_cut_short`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow.compute as pc

from ..x12 import segment_code
from ._x12spans import Segments

__all__ = ["Transactions", "transactions", "envelope_warnings", "lines_cut_short", "NO_SE", "SE_AFTER_ENVELOPE",
           "STRAY_SE", "SE_COUNT", "NO_IEA", "CUT_SHORT"]

NO_SE = ("{count} transaction(s) (ST) with no SE before the end of the file, this one first: cut short? Claims "
         "after the last one read in them would be missing (the claims found are read)")
SE_AFTER_ENVELOPE = ("{count} transaction(s) (ST) with no SE closing them before the ST, GS, GE, ISA or IEA that "
                     "follows, this one first: each is read up to there (the claims found are read)")
STRAY_SE = ("{count} SE segment(s) closing no open transaction (no ST before them, or the ST, GS, GE, ISA or "
            "IEA before them had already ended it), this one first: ignored")
SE_COUNT = ("{count} transaction(s) whose SE01 does not count their segments from ST to SE, this one first: "
            "segments may have been lost or added on the way (the claims found are read)")
CUT_SHORT = ("the file ends inside this service line (segment {segment} has no terminator after it: the file "
             "was cut short), so its last values may be cut")
NO_IEA = ("{count} interchange(s) (ISA) with no IEA after them, this one first: the file may have been cut "
          "short, and transactions after the last one read would be missing")
_TRAILERS = np.array([segment_code(name) for name in ("SE", "GE", "IEA")], dtype=np.uint32)
#: The envelope segments that end a transaction left open: its group's or interchange's, or the next's.
_CLOSING_ENVELOPE = ("ISA", "GS", "GE", "IEA")


@dataclass
class Transactions:
    """Where each transaction (ST) of a run of segments ends, and how.

    Attributes
    ----------
    st : numpy.ndarray
        Positions of the ST segments, in order.
    se : numpy.ndarray
        Each one's SE (-1: none closes it).
    end : numpy.ndarray
        Each one's last segment: its SE; else the segment before the ST, GS, GE, ISA or IEA
        that ends it; else its piece's (its file's interchange's) last.
    early : numpy.ndarray of bool
        Ended by an ST, GS, GE, ISA or IEA before any SE.
    cut : numpy.ndarray of bool
        Ended by its file: no SE, and nothing else closes it (the file was cut short?).
    """

    st: np.ndarray
    se: np.ndarray
    end: np.ndarray
    early: np.ndarray
    cut: np.ndarray

    def outside(self, n: int) -> np.ndarray:
        """The positions, among ``n`` segments, after a transaction's end and before the next ST."""
        start = self.end + 1
        stop = np.append(self.st[1:], n)
        length = np.maximum(stop - start, 0)
        total = int(length.sum())
        if not total:
            return np.zeros(0, dtype=np.int64)
        before = np.cumsum(length) - length
        return np.repeat(start - before, length) + np.arange(total, dtype=np.int64)


def _piece_ends(segs: Segments, rows: np.ndarray) -> np.ndarray:
    """For each segment position, where its piece (its file's interchange) ends."""
    bounds = segs.files.bounds
    ends = np.append(bounds[1:], len(segs))
    return ends[np.searchsorted(bounds, rows, side="right") - 1]


def _closing(opening: np.ndarray, closing: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """For each opening segment, the first closing segment after it and before ``limit`` (-1: none)."""
    k = np.searchsorted(closing, opening)
    found = np.where(k < len(closing), closing[np.minimum(k, max(len(closing) - 1, 0))], -1) \
        if len(closing) else np.full(len(opening), -1, dtype=np.int64)
    return np.where((found >= 0) & (found < limit), found, -1)


def transactions(segs: Segments) -> Transactions:
    """Where each transaction of ``segs`` ends: at its SE, else at what closes it first (the next ST,
    or its group's or interchange's closing: a GS, GE, ISA or IEA), else with its piece."""
    st = segs.where("ST")
    piece_end = _piece_ends(segs, st) if len(st) else np.zeros(0, dtype=np.int64)
    following = np.append(st[1:], len(segs))
    limit = np.minimum(following, piece_end)
    se = _closing(st, segs.where("SE"), limit)
    closers = np.sort(np.concatenate([segs.where(n) for n in _CLOSING_ENVELOPE]))
    envelope = _closing(st, closers, limit)
    early = (envelope >= 0) & ((se < 0) | (envelope < se))
    se = np.where(early, -1, se)
    by_next = (se < 0) & ~early & (following < piece_end)
    end = np.where(se >= 0, se, np.where(early, envelope, limit) - 1)
    return Transactions(st, se, end, early | by_next, (se < 0) & ~early & ~by_next)


def envelope_warnings(segs: Segments, spans: Transactions, warn) -> None:
    """Warn about transactions without SE or miscounted by SE01, stray SEs, and interchanges without IEA.

    ``spans``: :func:`transactions` of ``segs``. ``warn(rows, text)`` reports ``text`` once per file,
    at the first of ``rows`` in it, with ``{count}`` the file's number of such rows. SE01 counts
    the segments from ST to SE, both included. As the 835 reader's envelope walk
    (:func:`recoup_lib.remit.read_835`) reads them, a transaction ended before its
    SE is read up to there, one its file ends in is read with a warning that claims may be missing,
    and an SE that closes no transaction is ignored: each is warned about.
    """
    st, se = spans.st, spans.se
    if spans.early.any():
        warn(st[spans.early], SE_AFTER_ENVELOPE)
    if spans.cut.any():
        warn(st[spans.cut], NO_SE)
    closed = se >= 0
    if closed.any():
        said = segs.fields(se[closed])[1]
        digits = pc.match_substring_regex(said, r"^[0-9]{1,9}$").to_numpy(zero_copy_only=False)
        counted = np.zeros(len(said), dtype=np.int64)
        if digits.any():
            counted[digits] = pc.cast(said.filter(digits), "int64").to_numpy()
        found = se[closed] - st[closed] + 1
        wrong = ~digits | (counted != found)
        if wrong.any():
            warn(st[closed][wrong], SE_COUNT)
    every_se = segs.where("SE")
    stray = every_se[~np.isin(every_se, se)]
    if len(stray):
        warn(stray, STRAY_SE)
    isa = segs.where("ISA")
    if len(isa):
        iea = _closing(isa, segs.where("IEA"), _piece_ends(segs, isa))
        if (iea < 0).any():
            warn(isa[iea < 0], NO_IEA)


def lines_cut_short(segs: Segments, owner) -> tuple[np.ndarray, np.ndarray]:
    """The service lines a file ends inside, and the segment (its number in the file) cut in each.

    A piece's last segment without a terminator was cut, unless it is a trailer (SE, GE, IEA) or
    lies outside any transaction (after its SE): those hold no claim's value. ``owner(rows, 2)``
    gives the service line owning each segment (-1: none), ``owner.txn(rows)`` its transaction
    (-1 outside any: :meth:`Transactions.outside`).
    """
    cut = segs.unterminated
    if not len(cut):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cut = cut[~np.isin(segs.codes[cut], _TRAILERS)]
    cut = cut[owner.txn(cut) >= 0]
    line = owner(cut, 2)
    kept = line >= 0
    return line[kept], np.asarray(segs.numbers[cut[kept]], dtype=np.int64)
