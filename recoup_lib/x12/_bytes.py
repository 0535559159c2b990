"""A few bytes at many positions of a buffer, read as one integer each (one gather, not a loop).

The readers ask the same small question of millions of positions: the
segment id at each segment's start, the eight digits of each date, whether
the bytes before a segment are blanks. Reading four or eight bytes as one
little-endian word answers it with one gather.
"""

from __future__ import annotations

import numpy as np

__all__ = ["words_at"]


def words_at(buf: np.ndarray, pos: np.ndarray, width: int) -> np.ndarray:
    """``buf[p:p + width]`` for each position ``p``, as one little-endian ``uint32`` (width 4) or
    ``uint64`` (width 8); bytes outside ``buf`` (before its start or past its end) read as 0.

    Examples
    --------
    >>> [hex(w) for w in words_at(np.frombuffer(b"ISA*", dtype=np.uint8), np.array([0, 2, -1]), 4)]
    ['0x2a415349', '0x2a41', '0x41534900']
    """
    kind = np.dtype(f"<u{width}")
    size = len(buf)
    pos = np.asarray(pos)
    inside = (pos >= 0) & (pos <= size - width)
    if size < width:
        out = np.zeros(len(pos), dtype=kind)
    else:
        view = np.ndarray((size - width + 1,), dtype=kind, buffer=np.ascontiguousarray(buf), strides=(1,))
        if inside.all():
            return view[pos]
        out = np.zeros(len(pos), dtype=kind)
        out[inside] = view[pos[inside]]
    for i in np.flatnonzero(~inside):
        at = int(pos[i])
        got = np.zeros(width, dtype=np.uint8)
        lo, hi = max(at, 0), min(at + width, size)
        if lo < hi:
            got[lo - at: hi - at] = buf[lo:hi]
        out[i] = got.view(kind)[0]
    return out
