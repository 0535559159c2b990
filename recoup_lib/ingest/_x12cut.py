"""Cutting X12 files into segments, with the position of every delimiter.

:func:`cut_file` returns what :func:`recoup_lib.remit._segments.split_interchanges`
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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..remit._segments import Piece, split_interchanges

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
    """

    marks: np.ndarray
    first: np.ndarray
    count: np.ndarray


def delimiters_of(piece: Piece) -> Delimiters:
    """The delimiters of a piece cut by ``split_interchanges``."""
    raw = piece.data
    mask = raw == ord(piece.separators.element)
    mask |= raw == ord(piece.separators.segment)
    marks = np.flatnonzero(mask)
    first = np.searchsorted(marks, piece.starts)
    return Delimiters(marks, first, np.searchsorted(marks, piece.ends) - first)


def cut_file(data: bytes) -> tuple[list[Piece], list, list, list[Delimiters]]:
    """``split_interchanges(data)`` and the delimiters of each piece.

    Returns
    -------
    pieces, problems, notes
        As :func:`recoup_lib.remit._segments.split_interchanges` returns them.
    delimiters : list of Delimiters
        One per piece.
    """
    one = _one_interchange(data)
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


def _one_interchange(data: bytes) -> tuple[Piece, Delimiters] | None:
    """The single interchange of a plain file, cut in one pass; None for any other file."""
    if not data.isascii():
        return None
    pos = len(data) - len(data.lstrip(_WHITESPACE))
    if not data.startswith(b"ISA", pos):
        return None
    header_end = _header_end(data, pos)
    if header_end is None or b"\r" in data[pos:header_end] or b"\n" in data[pos:header_end]:
        return None
    header, problems, _ = split_interchanges(data[pos:header_end])
    if problems or len(header) != 1:
        return None
    seps = header[0].separators
    if seps.segment in "\r\n" or seps.segment == seps.element:
        return None
    term, sep = seps.segment.encode(), seps.element.encode()
    end = _interchange_end(data, pos, term, sep)
    if data[end:].strip(_WHITESPACE):
        return None
    text = data[pos:end].translate(None, b"\r\n")
    raw = np.frombuffer(text, dtype=np.uint8)
    mask = raw == sep[0]
    mask |= raw == term[0]
    marks = np.flatnonzero(mask)
    closing = np.flatnonzero(raw[marks] == term[0])
    stops = marks[closing]
    if not len(stops) or text[int(stops[-1]) + 1:].strip(_WHITESPACE):
        return None
    # Offsets kept as 32-bit integers where the file allows: every file's arrays are held until
    # all files are cut, and they are several times the size of the file.
    small = np.int32 if len(raw) < 2**31 else np.int64
    # Segment i runs from the stop before it (or the start) to stop i; what follows the last stop
    # is blank (checked above) and is not a segment.
    n = len(stops)
    starts, first = np.zeros(n, dtype=small), np.zeros(n, dtype=small)
    np.add(stops[:-1], 1, out=starts[1:], casting="unsafe")
    np.add(closing[:-1], 1, out=first[1:], casting="unsafe")
    ends = stops.astype(small)
    count = np.subtract(closing, first, out=np.empty(n, dtype=small), casting="unsafe")
    keep = ends > starts
    if not keep.all():
        starts, ends, first, count = starts[keep], ends[keep], first[keep], count[keep]
    edge_bytes = (raw[starts], raw[ends - 1])
    if any(((b == 32) | (b == 9)).any() for b in edge_bytes):
        return None  # indented segments: split_interchanges strips the blanks and says so
    return Piece(raw, starts, ends, seps, 1), Delimiters(marks.astype(small), first, count)
