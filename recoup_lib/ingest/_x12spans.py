"""X12 segments as byte spans: how the 837 reader reaches its elements quickly.

Files are cut into interchanges and segments by :mod:`._x12cut` (the 835
tokenizer's cut, with the position of every delimiter). Here the
interchanges of a batch of files that share separators lie end to end in
one byte buffer (:class:`Segments`). An element is a *span*, a pair of byte
offsets into that buffer: element *j* of a segment lies between its
*j*-th delimiter and the next, so it is found by indexing, not searching.
Spans are chosen and defaulted as integers, and text is made only for the
values kept (:func:`span_text`): the buffer is seen as an Arrow string array
whose values are the spans and the gaps between them, and Arrow copies out
every other value, so no index array with one entry per byte is ever built.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..x12 import Piece, segment_code
from ._x12cut import Delimiters

__all__ = ["Segments", "Fields", "Parts", "span_text", "span_codes", "running", "first_owned"]


def _shifted(arrays: list[np.ndarray], shifts, dtype, tail: int | None = None) -> np.ndarray:
    """``arrays[k] + shifts[k]`` end to end in one new array of ``dtype`` (then ``tail``, if given)."""
    sizes = [len(a) for a in arrays]
    out = np.empty(sum(sizes) + (tail is not None), dtype=dtype)
    at = 0
    for a, shift, size in zip(arrays, shifts, sizes):
        np.add(a, np.int64(shift), out=out[at: at + size], casting="unsafe")
        at += size
    if tail is not None:
        out[-1] = tail
    return out


def _stack(items: list[tuple[int, Piece, Delimiters, int]]):
    """One buffer for the pieces, their offsets shifted into it (32-bit where the buffer allows)."""
    datas = [p.data for _, p, _, _ in items]
    buf = datas[0] if len(datas) == 1 else np.concatenate(datas)
    width = np.int32 if len(buf) < 2**31 else np.int64
    if len(items) == 1:
        _, piece, delimiters, _ = items[0]
        own = (piece.starts, piece.ends, delimiters.ended, delimiters.first, delimiters.count)
        if all(a is not None and a.dtype == width for a in own) and own[2][-1] == len(buf):
            return buf, *own
    marks = _shifted([d.marks for _, _, d, _ in items], _bases(datas), width, tail=len(buf))
    base = _bases(datas)
    mark_base = _bases([d.marks for _, _, d, _ in items])
    starts = _shifted([p.starts for _, p, _, _ in items], base, width)
    ends = _shifted([p.ends for _, p, _, _ in items], base, width)
    first = _shifted([d.first for _, _, d, _ in items], mark_base, width)
    count = _shifted([d.count for _, _, d, _ in items], [0] * len(items), width)
    return buf, starts, ends, marks, first, count


def _bases(arrays: list) -> list[int]:
    """Where each array starts when they are laid end to end."""
    return [0, *np.cumsum([len(a) for a in arrays])[:-1].tolist()]


class _PerPiece:
    """A value per segment that is constant over each piece (``at[i]``), or its number within
    the file (``first_number`` of its piece onwards), found from the piece boundaries on demand."""

    def __init__(self, sizes: np.ndarray, values: np.ndarray, numbered: bool = False):
        self.bounds = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.values, self.numbered = values, numbered

    def __getitem__(self, rows):
        piece = np.searchsorted(self.bounds, rows, side="right") - 1
        if self.numbered:
            return self.values[piece] + (rows - self.bounds[piece])
        return self.values[piece]


def running(positions: np.ndarray, n: int) -> np.ndarray:
    """For each of ``n`` segments, the index into ``positions`` of the last one at or before it (-1: none)."""
    width = np.int32 if n < 2**31 else np.int64
    mark = np.full(n, -1, dtype=width)
    mark[positions] = np.arange(len(positions), dtype=width)
    return np.maximum.accumulate(mark, out=mark)


def first_owned(owner: np.ndarray, n: int, mask: np.ndarray | None = None) -> np.ndarray:
    """For each of ``n`` owners, the index of its first owned item (-1 if none)."""
    out = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(owner >= 0) if mask is None else np.flatnonzero((owner >= 0) & mask)
    if not len(idx):
        return out
    own = owner[idx]
    if len(own) == 1 or bool(np.all(own[1:] >= own[:-1])):
        new = np.concatenate([[True], own[1:] != own[:-1]])
        out[own[new]] = idx[new]
    else:
        firsts, where = np.unique(own, return_index=True)
        out[firsts] = idx[where]
    return out


def _offsets_type(size: int):
    return (pa.large_string(), np.int64) if size >= 2**31 else (pa.string(), np.int32)


def _interleave(begin: np.ndarray, end: np.ndarray, dtype=np.int64) -> np.ndarray:
    offsets = np.empty(2 * len(begin), dtype=dtype)
    offsets[0::2] = begin
    offsets[1::2] = end
    return offsets


def _follow(begin: np.ndarray, end: np.ndarray) -> bool:
    """Whether each span starts at or after the end of the one before."""
    if len(begin) <= 1:
        return True
    offsets = _interleave(begin, end)
    return bool(np.all(offsets[1:] >= offsets[:-1]))


def span_text(buffer: pa.Buffer, begin: np.ndarray, end: np.ndarray,
              valid: np.ndarray | None = None) -> pa.Array:
    """A string array whose value *i* is ``buffer[begin[i]:end[i]]`` (null where not ``valid``).

    When the spans follow one another (each starts at or after the end of
    the one before), the buffer is read as an Arrow array alternating spans
    and gaps, and Arrow copies out the spans; otherwise the bytes are
    gathered with numpy.
    """
    n = len(begin)
    if n == 0:
        return pa.array([], pa.string())
    if valid is None and bool(np.all(end == begin)):
        return pa.nulls(n, pa.string()).fill_null("")
    whole = _alternating(buffer, begin, end, valid)
    if whole is None:
        return _gathered(buffer, np.asarray(begin, dtype=np.int64), np.asarray(end, dtype=np.int64), valid)
    got = whole.take(pa.array(np.arange(0, 2 * n - 1, 2, dtype=_offsets_type(buffer.size)[1])))
    return got if got.type == pa.string() else got.cast(pa.string())


def _alternating(buffer: pa.Buffer, begin: np.ndarray, end: np.ndarray, valid=None) -> pa.Array | None:
    """The buffer as an Arrow string array whose value 2i is span i and value 2i + 1 the gap after it
    (no copy), or None when the spans do not follow one another."""
    n = len(begin)
    kind, width = _offsets_type(buffer.size)
    offsets = _interleave(begin, end, width)
    if n > 1 and not bool(np.all(offsets[1:] >= offsets[:-1])):
        return None
    bitmap = None
    if valid is not None and not valid.all():
        alternate = np.zeros(2 * n - 1, dtype=bool)
        alternate[0::2] = valid
        alternate[1::2] = True
        bitmap = pa.py_buffer(np.packbits(alternate, bitorder="little"))
    return pa.Array.from_buffers(kind, 2 * n - 1, [bitmap, pa.py_buffer(offsets), buffer])


def _gathered(buffer: pa.Buffer, begin: np.ndarray, end: np.ndarray, valid) -> pa.Array:
    data = np.frombuffer(buffer, dtype=np.uint8)
    lengths = end - begin
    offsets = np.zeros(len(begin) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    index = np.repeat(begin - offsets[:-1], lengths) + np.arange(int(offsets[-1]), dtype=np.int64)
    bitmap = None if valid is None or valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    got = pa.Array.from_buffers(pa.large_string(), len(begin),
                                [bitmap, pa.py_buffer(offsets), pa.py_buffer(data[index])])
    return got.cast(pa.string())


_KEEP_BYTES = np.array([0, 0xFF0000, 0xFFFF00, 0xFFFFFF], dtype=np.uint32)


def span_codes(buf: np.ndarray, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Values of 1-3 bytes packed like :func:`segment_code`; longer ones ``0xFFFFFF``, empty ones 0.

    The first three bytes of each value are gathered one at a time (a byte gather is several
    times quicker than one of unaligned words); those past the value's length (or past the
    buffer, where the gather repeats its last byte) are masked off.
    """
    length = end - begin
    if not len(buf):
        return np.zeros(len(begin), dtype=np.uint32)
    at = begin.astype(np.intp)
    code = np.take(buf, at, mode="clip").astype(np.uint32)
    for _ in range(2):
        at += 1
        code <<= np.uint32(8)
        code |= np.take(buf, at, mode="clip")
    code &= _KEEP_BYTES[np.minimum(length, 3)]
    return np.where(length > 3, np.uint32(0xFFFFFF), code)


class _Split:
    """Values ``buf[starts[i]:ends[i]]`` cut on one separator byte.

    ``marks`` holds the separator positions (sorted) and ends with a sentinel
    at or after every value's end; ``first`` is the index in ``marks`` of each
    value's first separator and ``count`` how many it has. The mark after a
    value's last separator is therefore at or after its end, which is how an
    element's span is found without asking whether the element is there.
    """

    def __init__(self, buf: np.ndarray, buffer: pa.Buffer, starts: np.ndarray, ends: np.ndarray,
                 marks: np.ndarray, first: np.ndarray | None = None, count: np.ndarray | None = None,
                 closed: bool = False):
        self.buf, self.buffer = buf, buffer
        self._starts, self.ends, self.marks = starts, ends, marks
        if first is None:
            first = np.searchsorted(marks[:-1], starts)
            count = np.searchsorted(marks[:-1], ends) - first
        self.first, self.count = first, count
        self.closed = closed
        self._fewest: int | None = None
        self._text: dict[int, pa.Array] = {}
        self._spans: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def starts(self) -> np.ndarray:
        return self._starts

    def __len__(self) -> int:
        return len(self.ends)

    def span(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Start and end offsets of piece ``j`` (0 = first); an empty span where absent."""
        if j not in self._spans:
            self._spans[j] = self._span(j)
        return self._spans[j]

    def _span(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Element ``j`` lies between separator ``j - 1`` and the next mark (a separator, or one at or
        after the value's end); an absent element is the empty span at the value's end.

        The marks are gathered with ``np.take``: with 32-bit positions it is about a third quicker
        than indexing, which first widens them."""
        marks, first, count = self.marks, self.first, self.count
        if self._fewest is None:
            self._fewest = int(count.min()) if len(count) else 0
        if 0 < j <= self._fewest:
            # Every value holds element j: it runs from separator j - 1 to the next mark, which is
            # the value's end itself when ``closed`` (each value's last mark is its terminator).
            end = np.take(marks, first + j)
            if not self.closed:
                np.minimum(end, self.ends, out=end)
            begin = np.take(marks, first + (j - 1))
            begin += 1
            return begin, end
        end = np.minimum(np.take(marks, first + np.minimum(count, j)), self.ends)
        if j == 0:
            return self.starts, end
        return np.minimum(np.take(marks, first + np.minimum(count, j - 1)), end - 1) + 1, end

    def __getitem__(self, j: int) -> pa.Array:
        if j not in self._text:
            self._text[j] = span_text(self.buffer, *self.span(j))
        return self._text[j]

    def code(self, j: int) -> np.ndarray:
        return span_codes(self.buf, *self.span(j))

    def empty(self, j: int) -> np.ndarray:
        begin, end = self.span(j)
        return end == begin


class Fields(_Split):
    """Elements of some segments (rows, in file order): ``fields[j]`` is element *j* as text."""

    def __init__(self, segments: "Segments", rows: np.ndarray):
        # The segments' starts, not the segments: Segments caches its Fields, and a reference
        # back would make a cycle that keeps every batch's arrays until the garbage collector runs.
        self.rows, self._all_starts = rows, segments.starts
        super().__init__(segments.buf, segments.buffer, None, segments.ends[rows],
                         segments.marks, segments.first[rows], segments.count[rows], segments.closed)

    @property
    def starts(self) -> np.ndarray:
        """Where each segment starts (only element 0, the segment id, needs it)."""
        if self._starts is None:
            self._starts = self._all_starts[self.rows]
        return self._starts

    def text_at(self, j: int, index: np.ndarray) -> pa.Array:
        """Element ``j`` of row ``index[i]`` for each i (``""`` where index < 0)."""
        index = np.asarray(index, dtype=np.int64)
        if not len(self):
            return pa.array([""] * len(index), pa.string())
        if len(index) == len(self) and (not len(index) or (index[0] == 0 and bool(np.all(np.diff(index) == 1)))):
            return self[j]
        begin, end = self.span(j)
        ok = index >= 0
        at = np.where(ok, index, 0)
        b, e = begin[at], end[at]
        if not ok.all():
            filled = np.maximum.accumulate(np.where(ok, e, 0))
            b, e = np.where(ok, b, filled), np.where(ok, e, filled)
        if _follow(b, e):
            return span_text(self.buffer, b, e)
        whole = None if j in self._text else _alternating(self.buffer, begin, end)
        if whole is not None:
            # Rows asked for out of order or more than once: one take from every row's span.
            got = whole.take(pa.array(np.multiply(at, 2, dtype=_offsets_type(self.buffer.size)[1])))
            got = got if got.type == pa.string() else got.cast(pa.string())
        else:
            got = self[j].take(pa.array(at))
        return got if ok.all() else pc.if_else(pa.array(ok), got, pa.scalar("", pa.string()))


class Parts(_Split):
    """The pieces of each value of a string array cut on one character (``HC:99213:25``)."""

    def __init__(self, values: pa.Array, separator: str):
        values = pc.cast(values, pa.string()) if values.type != pa.string() else values
        n = len(values)
        offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[values.offset: values.offset + n + 1]
        data = values.buffers()[2]
        if data is None:
            data = pa.py_buffer(b"")
        buf = np.frombuffer(data, dtype=np.uint8)
        marks = np.append(np.flatnonzero(buf == ord(separator)), len(buf))
        super().__init__(buf, data, offsets[:-1].astype(np.int64), offsets[1:].astype(np.int64), marks)

    def text_or_null(self, j: int) -> pa.Array:
        """Piece ``j``, null where it is absent or empty."""
        begin, end = self.span(j)
        return span_text(self.buffer, begin, end, valid=end > begin)


class Segments:
    """Segments of the interchanges of some files that share separators, in one byte buffer.

    Attributes
    ----------
    buf : numpy.ndarray of uint8
    starts, ends : numpy.ndarray of int32 (int64 for a buffer of 2 GiB or more)
        Segment *i* is ``buf[starts[i]:ends[i]]`` (no terminator).
    marks, first, count : numpy.ndarray
        Positions of all separators and terminators, then the buffer's length
        (a sentinel); per segment, the index in ``marks`` of its first
        separator and how many it has.
    closed : bool
        Whether every segment ends at its terminator's mark (``marks[first + count] == ends``).
    codes : numpy.ndarray of uint32
        :func:`~recoup_lib.x12.segment_code` of each segment id (the bytes before
        its first separator; an id of four or more bytes is ``0xFFFFFF``, an empty one 0).
    numbers : indexable by segment positions, giving int64
        1-based position of each segment in its file.
    files, chunks : indexable by segment positions, giving int64
        Index of each segment's file, and a number the caller gave its piece
        (found from the piece boundaries for the segments asked about).
    separators : Separators
    unterminated : numpy.ndarray of int64
        Positions of the segments that end a piece without a terminator after them (a file
        cut inside its last segment), as the tokenizer found them (``Piece.unterminated``).
    """

    def __init__(self, items: list[tuple[int, Piece, Delimiters, int]]):
        """``items``: (file index, piece, its delimiters, a number for the piece), all with one set of separators."""
        self.separators = items[0][1].separators
        self.buf, self.starts, self.ends, self.marks, self.first, self.count = _stack(items)
        self.closed = all(d.closed for _, _, d, _ in items)
        sizes = np.array([len(p) for _, p, _, _ in items], dtype=np.int64)
        self.numbers = _PerPiece(sizes, np.array([p.first_number for _, p, _, _ in items], dtype=np.int64), True)
        self.files = _PerPiece(sizes, np.array([f for f, _, _, _ in items], dtype=np.int64))
        self.chunks = _PerPiece(sizes, np.array([k for _, _, _, k in items], dtype=np.int64))
        cut = [int(bound) + len(p) - 1 for (_, p, _, _), bound in zip(items, self.numbers.bounds) if p.unterminated]
        self.unterminated = np.array(cut, dtype=np.int64)
        self.buffer = pa.py_buffer(self.buf)
        id_ends = self.marks[self.first]
        if not self.closed:
            np.minimum(id_ends, self.ends, out=id_ends)
        self.codes = span_codes(self.buf, self.starts, id_ends)
        self._where: dict[str, np.ndarray] = {}
        self._fields: dict[str, Fields] = {}

    def __len__(self) -> int:
        return len(self.starts)

    def where(self, name: str) -> np.ndarray:
        """Positions of the segments with id ``name``, in order."""
        if name not in self._where:
            self._where[name] = np.flatnonzero(self.codes == segment_code(name))
        return self._where[name]

    def fields(self, rows: np.ndarray) -> Fields:
        """The elements of some segments (``rows`` in file order)."""
        return Fields(self, np.asarray(rows, dtype=np.int64))

    def of(self, name: str) -> Fields:
        """The elements of every segment with id ``name`` (made once)."""
        if name not in self._fields:
            self._fields[name] = self.fields(self.where(name))
        return self._fields[name]

    def text(self, i: int) -> str:
        """The text of segment ``i``."""
        return bytes(self.buf[self.starts[i]: self.ends[i]]).decode("utf-8", "replace")
