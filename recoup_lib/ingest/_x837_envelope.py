"""What an 837's envelopes say about a file cut short.

A download interrupted, a transfer cut or a file split by size ends
anywhere. Cut between two segments, it still reads as good X12: only its
envelopes tell that claims are missing (a transaction without its SE, an SE01
that does not count the segments sent, an interchange without its IEA), so
the reader warns about each, naming the file and the ST or ISA segment
(:func:`envelope_warnings`).
"""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from ._x12spans import Segments

__all__ = ["envelope_warnings", "NO_SE", "SE_COUNT", "NO_IEA"]

NO_SE = ("{count} transaction(s) (ST) with no SE before the next ST or the end of the file, this one first: "
         "cut short? Claims after the last one read in them would be missing")
SE_COUNT = ("{count} transaction(s) whose SE01 does not count their segments from ST to SE, this one first: "
            "segments may have been lost or added on the way (the claims found are read)")
NO_IEA = ("{count} interchange(s) (ISA) with no IEA after them, this one first: the file may have been cut "
          "short, and transactions after the last one read would be missing")

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
    or the end of its interchange; SE01 counts the segments from ST to SE, both included.
    """
    st = segs.where("ST")
    if len(st):
        next_st = np.append(st[1:], len(segs))
        se = _closing(st, segs.where("SE"), np.minimum(next_st, _piece_ends(segs, st)))
        if (se < 0).any():
            warn(st[se < 0], NO_SE)
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
    isa = segs.where("ISA")
    if len(isa):
        iea = _closing(isa, segs.where("IEA"), _piece_ends(segs, isa))
        if (iea < 0).any():
            warn(isa[iea < 0], NO_IEA)
