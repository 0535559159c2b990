"""What an 837's envelopes say about a file cut short: warnings, and the service line it ends inside.

A download interrupted, a transfer cut or a file split by size ends
anywhere. Cut between two segments, it still reads as good X12: only its
envelopes tell that claims are missing (a transaction without its SE, an SE01
that does not count the segments sent, an interchange without its IEA), so
the reader warns about each, naming the file and the ST or ISA segment
(:func:`envelope_warnings`). A transaction whose group or interchange closes
before its SE (``ST ... GE SE``, or no SE at all) and an SE that closes no
transaction are warned about as the 835 reader warns (the transaction is read
up to the GE; the SE is ignored). Cut inside a segment, its last segment has no
terminator and its last element may be cut (units ``12`` read as ``1``, the
pointers ``1:2`` as ``1:``, an NPI short of digits): the service line holding
that segment is set aside (:func:`lines_cut_short`).
"""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from ..remit._segments import segment_code
from ._x12spans import Segments

__all__ = ["envelope_warnings", "lines_cut_short", "NO_SE", "SE_AFTER_ENVELOPE", "STRAY_SE", "SE_COUNT", "NO_IEA",
           "CUT_SHORT"]

NO_SE = ("{count} transaction(s) (ST) with no SE before the next ST or the end of the file, this one first: "
         "cut short? Claims after the last one read in them would be missing")
SE_AFTER_ENVELOPE = ("{count} transaction(s) (ST) with no SE closing them before the GS, GE or IEA that follows, "
                     "this one first: each is read up to there (the claims found are read)")
STRAY_SE = "{count} SE segment(s) closing no open transaction (no ST before them), this one first: ignored"
SE_COUNT = ("{count} transaction(s) whose SE01 does not count their segments from ST to SE, this one first: "
            "segments may have been lost or added on the way (the claims found are read)")
CUT_SHORT = ("the file ends inside this service line (segment {segment} has no terminator after it: the file "
             "was cut short), so its last values may be cut")
NO_IEA = ("{count} interchange(s) (ISA) with no IEA after them, this one first: the file may have been cut "
          "short, and transactions after the last one read would be missing")
_TRAILERS = np.array([segment_code(name) for name in ("SE", "GE", "IEA")], dtype=np.uint32)
#: The envelope segments that end a transaction left open: its group's or interchange's.
_CLOSING_ENVELOPE = ("GS", "GE", "IEA")


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


def envelope_warnings(segs: Segments, warn) -> None:
    """Warn about transactions without SE or miscounted by SE01, and interchanges without IEA.

    ``warn(rows, text)`` reports ``text`` once per file, at the first of ``rows`` in it, with
    ``{count}`` the file's number of such rows. A transaction ends at its SE, else at the next ST
    or the end of its interchange; SE01 counts the segments from ST to SE, both included. As the
    835 reader (:func:`recoup_lib.remit._envelope.walk_envelope`) reads them, a GS, GE or IEA
    before the SE ends the transaction there (an SE after it closes nothing), and an SE that
    closes no transaction is ignored: both are warned about.
    """
    st, every_se = segs.where("ST"), segs.where("SE")
    se = np.zeros(0, dtype=np.int64)
    if len(st):
        limit = np.minimum(np.append(st[1:], len(segs)), _piece_ends(segs, st))
        se = _closing(st, every_se, limit)
        envelope = _closing(st, np.sort(np.concatenate([segs.where(n) for n in _CLOSING_ENVELOPE])), limit)
        before = (envelope >= 0) & ((se < 0) | (envelope < se))
        if before.any():
            warn(st[before], SE_AFTER_ENVELOPE)
        se = np.where(before, -1, se)
        if ((se < 0) & ~before).any():
            warn(st[(se < 0) & ~before], NO_SE)
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
    follows its transaction's SE: those hold no claim's value. ``owner(rows, 2)`` gives the
    service line owning each segment (-1: none), ``owner.txn(rows)`` its transaction (ST index).
    """
    cut = segs.unterminated
    if not len(cut):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cut = cut[~np.isin(segs.codes[cut], _TRAILERS)]
    st, se = segs.where("ST"), segs.where("SE")
    txn = owner.txn(cut)
    st_at = np.where(txn >= 0, st[np.maximum(txn, 0)] if len(st) else 0, -1)
    k = np.searchsorted(se, cut) - 1
    se_before = np.where(k >= 0, se[np.maximum(k, 0)] if len(se) else -1, -1)
    cut = cut[se_before < st_at]
    line = owner(cut, 2)
    kept = line >= 0
    return line[kept], np.asarray(segs.numbers[cut[kept]], dtype=np.int64)
