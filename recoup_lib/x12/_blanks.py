"""Spaces and tabs around segments (indentation), skipped eight bytes at a time.

Offices indent segments by loop and pad them; the blanks are not data. A
segment's first and last byte say whether it has any; only those segments are
scanned, one 64-bit word (eight bytes) per step, so the cost follows the
indented segments, not the size of the file.
"""

from __future__ import annotations

import numpy as np

from ._bytes import words_at

__all__ = ["strip_blanks"]

_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)
_HIGH = np.uint64(0x8080808080808080)
_SPACES = np.uint64(0x2020202020202020)
_TABS = np.uint64(0x0909090909090909)
_ONE = np.uint64(1)


def strip_blanks(raw: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> int:
    """Move ``starts``/``ends`` past leading and trailing spaces and tabs; count the indented.

    Parameters
    ----------
    raw : numpy.ndarray of uint8
    starts, ends : numpy.ndarray of int64
        Segment *i* is ``raw[starts[i]:ends[i]]``; both are changed in place.

    Returns
    -------
    int
        Segments that had blanks before them and are not only blanks.
    """
    if not len(starts):
        return 0
    size = len(raw)
    first = np.minimum(starts, size - 1)
    last = np.maximum(ends - 1, 0)
    lead = starts < ends
    trail = lead.copy()
    lead &= (raw[first] == 32) | (raw[first] == 9)
    trail &= (raw[last] == 32) | (raw[last] == 9)
    if not lead.any() and not trail.any():
        return 0
    indented = np.flatnonzero(lead)
    starts[indented] = _skip_forward(raw, starts[indented], ends[indented])
    padded = np.flatnonzero(trail)
    ends[padded] = _skip_back(raw, ends[padded], starts[padded])
    # A segment that is only blanks (a blank line between segments) is not one.
    return int((starts[indented] < ends[indented]).sum())


def _leading_blanks(words: np.ndarray) -> np.ndarray:
    """How many of each word's bytes, from its first, are spaces or tabs (0 to 8)."""
    def zero_bytes(v):
        # Exact per byte (no carry between bytes): bit 7 set where the byte is 0.
        return ~(((v & _LOW7) + _LOW7) | v | _LOW7)
    other = ~(zero_bytes(words ^ _SPACES) | zero_bytes(words ^ _TABS)) & _HIGH
    # The bytes before the first other one: the bits below its lowest set bit.
    below = (other & (~other + _ONE)) - _ONE
    return np.bitwise_count(below & _HIGH).astype(np.int64)


def _skip_forward(raw: np.ndarray, pos: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Each position moved past the blanks at it (not past ``limit``); ``pos`` is reused."""
    skip = _leading_blanks(words_at(raw, pos, 8))
    pos += skip
    active = np.flatnonzero((skip == 8) & (pos < limit))
    while len(active):
        at = pos[active]
        skip = _leading_blanks(words_at(raw, at, 8))
        pos[active] = at + skip
        active = active[(skip == 8) & (pos[active] < limit[active])]
    return np.minimum(pos, limit, out=pos)


def _skip_back(raw: np.ndarray, pos: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Each end moved back over the blanks before it (not before ``limit``); ``pos`` is
    reused."""
    active = np.arange(len(pos))
    while len(active):
        at = pos[active]
        # Byte-swapped, the word's last byte comes first.
        skip = _leading_blanks(words_at(raw, at - 8, 8).byteswap())
        pos[active] = at - skip
        active = active[(skip == 8) & (pos[active] > limit[active])]
    return np.maximum(pos, limit, out=pos)
