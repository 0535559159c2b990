"""Cutting X12 files into segments, with the position of every delimiter.

:func:`cut_file` returns what :func:`recoup_lib.x12.split_interchanges`
returns for a file (its pieces, problems and notes) and, for each piece, the
positions of its element separators and segment terminators
(:class:`Delimiters`), from which every element of every segment is found
without searching.

A file holding one well-formed interchange in ASCII (what a clearinghouse
sends) is cut here in one numpy pass over its bytes: the ISA header is read
by ``split_interchanges`` itself (given only the header), the interchange ends
where ``split_interchanges`` ends it, and the segments are the same. Any
other file (Latin-1 text, several interchanges, text after the IEA, a bare
ST, no final terminator, a line break as terminator, segments indented or
followed by spaces or tabs) is cut by
``split_interchanges`` and its delimiters found afterwards; the tests compare
both ways on every sample.

The reader asks for ``keep_breaks``: a plain file whose line breaks all
follow a terminator (``~`` then CR LF, as most are written) is then cut where
it lies, without a copy that drops the breaks; its segments start after them.
The delimiters are found a block of bytes at a time, so no mask as long as
the file and no 64-bit array as long as its delimiters is made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..x12 import Piece, split_interchanges, words_at

__all__ = ["Delimiters", "cut_file", "delimiters_of"]

#: What ``split_interchanges`` skips between interchanges.
_WHITESPACE = b" \t\r\n\x00\x1a"
#: What may stand between a terminator and the IEA that closes an interchange.
_BEFORE_IEA = b"\r\n\t "


@dataclass
class Delimiters:
    """Where the separators and terminators of one piece are.

    Attributes
    ----------
    marks : numpy.ndarray
        Sorted positions in ``piece.data`` of every element separator and
        segment terminator.
    first : numpy.ndarray
        Per segment, the index in ``marks`` of the first mark at or after its start.
    count : numpy.ndarray
        Per segment, how many element separators it holds.
    size : int
        Length of the piece without line breaks (``len(piece.data)`` as
        ``split_interchanges`` gives it), which sizes the reader's batches.
    closed : bool
        Whether each segment ends at a mark, its terminator (``marks[first + count]``
        is its end); not said of pieces whose segments were stripped of blanks.
    ended : numpy.ndarray or None
        ``marks`` followed by the piece's length (the sentinel the reader puts
        after them), where the cut made them so; ``marks`` is then a view of it.
    """

    marks: np.ndarray
    first: np.ndarray
    count: np.ndarray
    size: int
    closed: bool = False
    ended: np.ndarray | None = None


def delimiters_of(piece: Piece) -> Delimiters:
    """The delimiters of a piece cut by ``split_interchanges``."""
    raw = piece.data
    mask = raw == ord(piece.separators.element)
    mask |= raw == ord(piece.separators.segment)
    marks = np.flatnonzero(mask)
    first = np.searchsorted(marks, piece.starts)
    return Delimiters(marks, first, np.searchsorted(marks, piece.ends) - first, len(raw))


def cut_file(data: bytes, keep_breaks: bool = False) -> tuple[list[Piece], list, list, list[Delimiters]]:
    """``split_interchanges(data)`` and the delimiters of each piece.

    With ``keep_breaks``, a plain file's piece may keep the line breaks that
    follow its terminators (see :func:`_one_interchange`): the same segments,
    without copying the file to drop them.

    Returns
    -------
    pieces, problems, notes
        As :func:`recoup_lib.x12.split_interchanges` returns them.
    delimiters : list of Delimiters
        One per piece.
    """
    one = _one_interchange(data, keep_breaks)
    if one is not None:
        return [one[0]], [], [], [one[1]]
    pieces, problems, notes = split_interchanges(data)
    return pieces, problems, notes, [delimiters_of(p) for p in pieces]


def _header_end(data: bytes, pos: int) -> int | None:
    """Offset just past the byte after ISA16 (the terminator), or None if the header is not there."""
    sep = data[pos + 3: pos + 4]
    if not sep or sep.isalnum() or sep in b" \r\n":
        return None
    window = data[pos: pos + 400]
    at = -1
    for _ in range(16):
        at = window.find(sep, at + 1)
        if at < 0:
            return None
    return pos + at + 3


def _interchange_end(data: bytes, pos: int, term: bytes, sep: bytes) -> int:
    """Where ``split_interchanges`` ends the interchange starting at ``pos``: after the terminator
    that follows the first IEA written right after a terminator (blanks between allowed)."""
    key = b"IEA" + sep
    found = data.find(key, pos)
    while found >= 0:
        k = found - 1
        while k >= pos and data[k] in _BEFORE_IEA and data[k] != term[0]:
            k -= 1
        if k >= pos and data[k] == term[0]:
            stop = data.find(term, found + len(key))
            return len(data) if stop < 0 else stop + 1
        found = data.find(key, found + 1)
    return len(data)


def _leading_blanks(data: bytes) -> int:
    """How many blank bytes (:data:`_WHITESPACE`) the file starts with (without copying it)."""
    head = data[:4096].lstrip(_WHITESPACE)
    if head or len(data) <= 4096:
        return min(len(data), 4096) - len(head)
    return len(data) - len(data.lstrip(_WHITESPACE))


def _one_interchange(data: bytes, keep_breaks: bool = False) -> tuple[Piece, Delimiters] | None:
    """The single interchange of a plain file, cut in one pass; None for any other file.

    With ``keep_breaks``, a file whose line breaks all follow a segment terminator
    is cut where it lies (:func:`_in_place`): the piece's data then keeps those
    breaks between segments, and the segments and their elements are the same.
    """
    if not data.isascii():
        return None
    pos = _leading_blanks(data)
    if not data.startswith(b"ISA", pos):
        return None
    header_end = _header_end(data, pos)
    if header_end is None or b"\r" in data[pos:header_end] or b"\n" in data[pos:header_end]:
        return None
    # A header with a note (an ISA not of the fixed width) goes the general way, which says so.
    header, problems, notes = split_interchanges(data[pos:header_end])
    if problems or notes or len(header) != 1:
        return None
    seps = header[0].separators
    if seps.segment in "\r\n" or seps.segment == seps.element:
        return None
    term, sep = seps.segment.encode(), seps.element.encode()
    if keep_breaks:
        got = _in_place(data, pos, seps)
        if got is not _ELSEWHERE:
            return got
    end = _interchange_end(data, pos, term, sep)
    if data[end:].strip(_WHITESPACE):
        return None
    text = data[pos:end].translate(None, b"\r\n")
    raw = np.frombuffer(text, dtype=np.uint8)
    marks, closing, stops, _ = _marks(raw, sep[0], term[0])
    if not len(stops) or text[int(stops[-1]) + 1:].strip(_WHITESPACE):
        return None
    small = _width(raw)
    # Segment i runs from the stop before it (or the start) to stop i; what follows the last stop
    # is blank (checked above) and is not a segment.
    starts = np.zeros(len(stops), dtype=small)
    np.add(stops[:-1], 1, out=starts[1:], casting="unsafe")
    return _segments(raw, marks, closing, stops, starts, seps, len(raw))


#: What :func:`_in_place` returns for a file with line breaks inside segments (cut once translated).
_ELSEWHERE = object()


def _in_place(data: bytes, pos: int, seps):
    """The single interchange of ``data[pos:]`` cut without removing its line breaks.

    Every CR or LF must stand right after a terminator (one or two of them) or
    after the last one; otherwise :data:`_ELSEWHERE`. The checks on the IEA
    are those of :func:`_interchange_end` read from the segments: the first IEA
    (a segment starting ``IEA`` and the element separator) must be the last segment.
    """
    term, sep = ord(seps.segment), ord(seps.element)
    raw = np.frombuffer(data, dtype=np.uint8)[pos:]
    marks, closing, stops, low = _marks(raw, sep, term)
    if not len(stops):
        return None
    last = int(stops[-1]) + 1
    tail = data[pos + last:]
    if tail.strip(_WHITESPACE):
        return None
    # Bytes below 14 (tab, CR, LF and other controls) that are not breaks after a terminator send
    # the file to the translating cut, which is the reference.
    low -= sum(1 for b in tail if b < 14)
    starts = np.zeros(len(stops), dtype=_width(raw))
    np.add(stops[:-1], 1, out=starts[1:], casting="unsafe")
    skipped = 0
    for _ in range(2 if low else 0):
        at = raw[starts]
        blank = (at == 10) | (at == 13)
        skipped += int(np.count_nonzero(blank))
        starts += blank
    if skipped != low:
        return _ELSEWHERE
    key = int.from_bytes(b"IEA" + bytes([sep]), "little")
    # Segments starting with I (few), then those of them starting IEA and the separator.
    maybe = np.flatnonzero(np.take(raw, starts, mode="clip") == ord("I"))
    iea = maybe[words_at(raw, starts[maybe], 4) == key]
    if len(iea) and iea[0] != len(stops) - 1:
        return None
    size = last - skipped
    if not len(iea):
        size += len(tail) - tail.count(b"\n") - tail.count(b"\r")
    return _segments(raw[:last], marks, closing, stops, starts, seps, size)


def _width(raw: np.ndarray):
    # Offsets kept as 32-bit integers where the file allows: every file's arrays are held until
    # all files are cut, and they are several times the size of the file.
    return np.int32 if len(raw) < 2**31 else np.int64


#: Bytes scanned at a time for delimiters: the masks stay small, and no 64-bit array as long as
#: the file's delimiters is made (numpy's positions are 64-bit; the reader keeps 32).
_BLOCK = 1 << 18


def _marks(raw: np.ndarray, sep: int, term: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Positions of every separator and terminator, which of them are terminators, theirs, and how
    many bytes below 14 (tab, CR, LF and other controls) ``raw`` holds."""
    width = _width(raw)
    marks, closing = [], []
    found = low = 0
    block = min(_BLOCK, len(raw))
    either, ends = np.empty(block, dtype=bool), np.empty(block, dtype=bool)
    for at in range(0, len(raw), _BLOCK):
        part = raw[at: at + _BLOCK]
        is_mark, is_end = either[: len(part)], ends[: len(part)]
        np.equal(part, sep, out=is_mark)
        np.equal(part, term, out=is_end)
        is_mark |= is_end
        where = np.flatnonzero(is_mark)
        marks.append(np.add(where, at, dtype=width, casting="unsafe"))
        closing.append(np.add(np.flatnonzero(is_end[where]), found, dtype=width, casting="unsafe"))
        found += len(where)
        np.less(part, 14, out=is_end)
        low += int(np.count_nonzero(is_end))
    if not marks:
        return np.zeros(0, dtype=width), np.zeros(0, dtype=width), np.zeros(0, dtype=width), 0
    # One slot more, for the sentinel the reader puts after a piece's marks (see Delimiters.ended).
    all_marks = np.concatenate(marks, out=np.empty(found + 1, dtype=width)[:-1])
    all_closing = np.concatenate(closing) if len(closing) > 1 else closing[0]
    return all_marks, all_closing, all_marks[all_closing], low


def _segments(raw, marks, closing, stops, starts, seps, size: int) -> tuple[Piece, Delimiters] | None:
    """The piece whose segment i runs from ``starts[i]`` to ``stops[i]`` (empty ones dropped), or
    None where a segment starts or ends with a blank (``split_interchanges`` strips and reports them)."""
    small = starts.dtype
    n = len(stops)
    first = np.zeros(n, dtype=small)
    np.add(closing[:-1], 1, out=first[1:], casting="unsafe")
    ends = stops.astype(small)
    count = np.subtract(closing, first, out=np.empty(n, dtype=small), casting="unsafe")
    keep = ends > starts
    if not keep.all():
        starts, ends, first, count = starts[keep], ends[keep], first[keep], count[keep]
    edge_bytes = (raw[starts], raw[ends - 1])
    if any(((b == 32) | (b == 9)).any() for b in edge_bytes):
        return None  # indented segments: split_interchanges strips the blanks and says so
    ended = marks.base if marks.base is not None and len(marks.base) == len(marks) + 1 else None
    if ended is not None:
        ended[-1] = len(raw)
    return Piece(raw, starts, ends, seps, 1), Delimiters(marks, first, count, size, closed=True, ended=ended)
