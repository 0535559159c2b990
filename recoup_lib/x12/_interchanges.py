"""Cut a file into X12 interchanges, reading the separators as payers really write them.

:func:`split_interchanges` finds each interchange (ISA...IEA, or a bare
ST...SE run), reads its separators from the ISA header and locates its
segments (:class:`Piece`). It reads, and says so in a note:

- text or blank lines before the ISA (an e-mail header, a report title);
- an ISA that is not fixed width, or is split over lines;
- a missing ISA16 (the component separator is then taken from the data, or
  ``:``);
- line breaks before or after the segment terminator (``\\n~SEG``), and
  segments indented with spaces or tabs;
- separators that are not ASCII (``§``, ``¦``, a Latin-1 byte): they are read
  as characters and mapped to control bytes the file does not use, so the
  rest of the reader works on single bytes;
- UTF-16 and Latin-1 text.

Separators (X12 5010 ISA): element separator = the character after ``ISA``;
repetition separator = ISA11 (5010 only; 4010 has the standards id ``U``
there); component separator = ISA16; segment terminator = the character
after ISA16 (a line break when nothing else follows it).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import numpy as np

from ..filekind import utf16_codec
from ._blanks import strip_blanks

__all__ = ["Separators", "DEFAULT_SEPARATORS", "Piece", "RawProblem", "split_interchanges", "from_utf16",
           "UTF16_NOTE", "NO_X12_START"]

_WHITESPACE = b" \t\r\n\x00\x1a"
#: The information separators (file, group, record, unit): Python counts them as blanks, but X12 lets
#: them serve as separators, and some networks send them so.
_INFORMATION_SEPARATORS = "\x1c\x1d\x1e\x1f"
_LINE_BREAKS = b"\r\n"
#: Bytes that stand in for separators that are not single ASCII characters.
_STAND_INS = [bytes([b]) for b in (0x1D, 0x1F, 0x1E, 0x1C, *range(1, 9), *range(14, 28))]


@dataclass(frozen=True)
class Separators:
    """The four X12 delimiters of an interchange."""

    element: str = "*"
    component: str = ":"
    segment: str = "~"
    repetition: str | None = "^"

    def characters(self) -> str:
        return self.element + self.component + self.segment + (self.repetition or "")


#: What a file in which no interchange starts was expected to hold (nothing X12 found in its first megabyte:
#: no ISA header that can be read, no ST at the start of a line).
NO_X12_START = "an ISA interchange header (or ST for a bare transaction)"

#: What a bare ST...SE transaction (no ISA header) is read with.
DEFAULT_SEPARATORS = Separators("*", ":", "~", None)


@dataclass(frozen=True)
class RawProblem:
    """A problem found while cutting a file into segments.

    ``scope`` is ``file`` (nothing of the file can be read) or ``rest`` (the
    interchanges before it are read; what follows is not).
    """

    segment: int
    segment_id: str
    element: str
    value: str
    expected: str
    scope: str = "file"


@dataclass
class Piece:
    """The segments of one interchange of one file, located in its bytes.

    ``data`` is the interchange's bytes without line breaks (terminators
    kept); segment *i* is ``data[starts[i]:ends[i]]``; ``first_number`` is the
    1-based position in the file of the first segment; ``unterminated``: the
    last segment has no terminator after it (the file ends inside it).
    """

    data: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    separators: Separators
    first_number: int
    unterminated: bool = False

    def __len__(self) -> int:
        return len(self.starts)


# ----------------------------------------------------------------------------
# Characters
# ----------------------------------------------------------------------------

def _char_at(data: bytes, pos: int) -> bytes:
    """The UTF-8 character starting at ``pos`` (1 to 4 bytes; ``b""`` at the end)."""
    if pos >= len(data):
        return b""
    lead = data[pos]
    size = 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
    return data[pos: pos + size]


def _shown(char: bytes) -> str:
    """A separator as a person reads it in a message (``'*'``, ``'§' (U+00A7)``)."""
    text = char.decode("utf-8", "replace")
    if len(text) == 1 and (not text.isascii() or not text.isprintable()):
        return f"{text!r} (U+{ord(text):04X})"
    return repr(text)


def _plain(char: bytes) -> bool:
    """True for a character that may serve as a separator: no letter, digit or blank (the control
    characters 0x1C-0x1F may)."""
    text = char.decode("utf-8", "replace")
    return bool(text) and not text.isalnum() and (not text.isspace() or text in _INFORMATION_SEPARATORS)


#: The note of a file read as UTF-16 (a Windows editor's "Unicode"), as ``(segment, expected, found)``.
UTF16_NOTE = (0, "UTF-8 text (the file was read as UTF-16)", "UTF-16 text")


def from_utf16(data: bytes) -> tuple[bytes, tuple | None]:
    """A file saved as UTF-16 (with or without a byte-order mark: :func:`~recoup_lib.filekind.utf16_codec`)
    as UTF-8 bytes, with :data:`UTF16_NOTE`; any other file as it is, with None.

    Both X12 readers ask it once per file, before anything looks for X12 in it, so that what looks
    (:func:`~._files.looks_like_x12`, the 835 reader's look for other transaction sets) and what cuts see the same
    text, and the file is transcoded once.

    >>> from_utf16("ST*835*1~".encode("utf-16-le"))
    (b'ST*835*1~', (0, 'UTF-8 text (the file was read as UTF-16)', 'UTF-16 text'))
    """
    codec = utf16_codec(data)
    if codec is None:
        return data, None
    # A file cut short (or ending in a stray byte) has an odd length: the half character left is
    # dropped, so the text before it is read, cut short as any file is, rather than the whole file
    # handed on as bytes that no X12 reader can cut.
    return data[:len(data) - len(data) % 2].decode(codec, errors="replace").encode("utf-8"), UTF16_NOTE


def _decode(data: bytes) -> tuple[bytes, tuple | None]:
    """Return UTF-8 bytes without a UTF-8 byte-order mark (before Latin-1 text too: it is no text before the
    ISA); UTF-16 and Latin-1 input are converted, with a note."""
    data, note = from_utf16(data)
    if note:
        return data.removeprefix(codecs.BOM_UTF8), note
    if data.isascii():
        return data, None
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        data.decode("utf-8")
        return body, None
    except UnicodeDecodeError as exc:
        return body.decode("latin-1").encode("utf-8"), (
            0, "UTF-8 text (the file was read as Latin-1)",
            f"bytes that are not UTF-8, the first at byte {exc.start}")


def _skip_space(data: bytes, pos: int) -> int:
    n = len(data)
    while pos < n and data[pos] in _WHITESPACE:
        pos += 1
    return pos


def _skip_breaks(data: bytes, pos: int) -> int:
    n = len(data)
    while pos < n and data[pos] in b" \t\r\n":
        pos += 1
    return pos


# ----------------------------------------------------------------------------
# The ISA header
# ----------------------------------------------------------------------------

@dataclass
class _Header:
    separators: tuple[bytes, bytes, bytes, bytes | None]   # element, component, terminator, rep
    elements: list[str]
    end: int                 # first byte after the ISA segment (terminator included)
    data: bytes              # the file's bytes (line breaks inside the header removed)
    notes: list[str]


def _isa_ok(elements: list[str]) -> bool:
    """Do ISA12 (version) and ISA13 (control number) look like an ISA header's?"""
    if len(elements) < 16:
        return False
    version, control = elements[12].strip(), elements[13].strip()
    return version.isdigit() and len(version) == 5 and control.isdigit()


def _read_isa(data: bytes, pos: int, number: int) -> tuple[_Header | None, RawProblem | None]:
    """Separators and elements of the ISA header starting at ``pos``."""
    sep = _char_at(data, pos + 3)
    if not sep or not _plain(sep):
        got = data[pos: pos + 20].decode("utf-8", "replace")
        return None, RawProblem(number, "ISA", "ISA01", got,
                                "an element separator right after 'ISA' (e.g. ISA*00*...)")
    notes: list[str] = []
    window = data[pos: pos + 600]
    marks = [m.start() for m in re.finditer(re.escape(sep), window)]
    if len(marks) >= 16:
        head = window[:marks[15]]
        if any(b in head for b in (b"\r", b"\n")):
            joined = head.replace(b"\r", b"").replace(b"\n", b"")
            elements = joined.decode("utf-8", "replace").split(sep.decode("utf-8", "replace"))
            if _isa_ok(elements):
                data = data[:pos] + joined + data[pos + marks[15]:]
                window = data[pos: pos + 600]
                marks = [m.start() for m in re.finditer(re.escape(sep), window)]
                notes.append("an ISA header on one line (its line breaks were ignored)")
    if len(marks) < 15:
        return None, _short_isa(window, sep, number, len(marks))
    head = window[:marks[14]]
    elements = head.decode("utf-8", "replace").split(sep.decode("utf-8", "replace"))
    after15 = window[marks[14] + len(sep):]
    isa15 = _char_at(after15, 0)
    rest = after15[len(isa15):]
    nxt = _char_at(rest, 0)
    if nxt and nxt != sep and (_plain(nxt) or nxt in (b"\r", b"\n")):
        # ISA15 is followed by the terminator: ISA16 (the component separator) is missing.
        component, after16 = b"", marks[14] + len(sep) + len(isa15)
        elements.append(isa15.decode("utf-8", "replace"))
        notes.append("ISA16, the component separator (it is missing)")
    elif len(marks) >= 16 and marks[15] == marks[14] + len(sep) + len(isa15):
        elements.append(isa15.decode("utf-8", "replace"))
        component = _char_at(window, marks[15] + len(sep))
        after16 = marks[15] + len(sep) + len(component)
        if component in (b"\r", b"\n") or not component:
            component, after16 = b"", marks[15] + len(sep)
            notes.append("ISA16, the component separator (it is blank)")
        elif not _plain(component) or component == sep:
            return None, _short_isa(window, sep, number, len(marks))
    else:
        return None, _short_isa(window, sep, number, len(marks))
    term, end = _terminator(window, after16, sep, component)
    if term is None:
        return None, RawProblem(number, "ISA", "ISA16", window[:after16 + 8].decode(
            "utf-8", "replace"), "the segment terminator right after ISA16 (e.g. ...*P*:~)")
    if term not in (b"\n", b"\r") and window[after16: after16 + 1] in (b"\r", b"\n"):
        notes.append(f"the segment terminator {_shown(term)} right after each segment "
                     "(line breaks come before it)")
    elements.append(component.decode("utf-8", "replace"))
    fixed = len(window[:after16].replace(b"\r", b"").replace(b"\n", b"")) == 105
    if component and len(sep) == 1 and len(component) == 1 and not fixed:
        notes.append("an ISA header of the fixed 106 characters (ISA06/ISA08 not padded to "
                     "15 characters?); read by its separators")
    version = elements[12].strip() if len(elements) > 12 else ""
    rep = elements[11] if len(elements) > 11 else ""
    repetition = rep.encode() if (len(rep) == 1 and not rep.isalnum() and version >= "00402") \
        else None
    header = _Header((sep, component, term, repetition), elements, pos + end, data, notes)
    return header, None


def _short_isa(window: bytes, sep: bytes, number: int, count: int) -> RawProblem:
    first = window.split(b"\n")[0][:120].decode("utf-8", "replace")
    return RawProblem(
        number, "ISA", "ISA16", first,
        f"16 ISA elements (ISA01..ISA16), then the component separator and the segment "
        f"terminator; the header has {min(count, 16)} element(s) or ends too early")


def _terminator(window: bytes, at: int, sep: bytes, component: bytes):
    """The segment terminator after ISA16 at ``at``, and the offset after it (or None)."""
    char = _char_at(window, at)
    if char in (b"\r", b"\n"):
        after = _skip_breaks(window, at)
        nxt = _char_at(window, after)
        if nxt and _plain(nxt) and nxt not in (sep, component):
            return nxt, after + len(nxt)
        if char == b"\r" and window[at + 1: at + 2] != b"\n":
            return b"\r", at + 1
        return b"\n", at + (2 if window[at: at + 2] == b"\r\n" else 1)
    if not char or not _plain(char) or char in (sep, component):
        return None, at
    return char, at + len(char)


def _find_component(data: bytes, sep: bytes, term: bytes) -> bytes:
    """The component separator an interchange without ISA16 uses in SVC01 (default ``:``).

    Line breaks that are not the terminator are left out first: a file wrapped at a fixed width
    may break the line inside the SVC looked at.
    """
    head = data[:200000]
    if term not in _LINE_BREAKS:
        head = head.translate(None, _LINE_BREAKS)
    found = re.search(rb"SVC" + re.escape(sep) + rb"[A-Z]{2}([^A-Za-z0-9\s])", head)
    if found and found.group(1) not in (sep, term):
        return found.group(1)
    return b":"


# ----------------------------------------------------------------------------
# Interchanges
# ----------------------------------------------------------------------------

def _find_start(data: bytes, pos: int) -> tuple[int, str]:
    """Where the X12 data starts: an ISA header, else a bare ``ST*835``; -1 when neither."""
    for match in re.finditer(rb"ISA", data[:1_000_000]):
        start = match.start()
        if start < pos:
            continue
        if _read_isa(data, start, 1)[0] is not None:
            return start, "ISA"
    bare = re.search(rb"(?:^|[\r\n~])[ \t]*(ST[^A-Za-z0-9\s]{1,4}\d{3})", data[:1_000_000])
    if bare:
        return bare.start(1), "ST"
    return -1, ""


def _bare_separators(data: bytes, pos: int) -> tuple[bytes, bytes, bytes]:
    """Separators of a bare ST...SE run: element after ST, terminator after ST02."""
    sep = _char_at(data, pos + 2)
    if not sep or not _plain(sep):
        sep = b"*"
    head = re.match(rb"ST" + re.escape(sep) + rb"[0-9]{3}" + re.escape(sep) + rb"[^\r\n]*?",
                    data[pos: pos + 200])
    at = pos + (head.end() if head else 2)
    while at < len(data) and (data[at: at + 1].isalnum() or data[at: at + 1] == b" "
                               or data.startswith(sep, at)):
        at += len(sep) if data.startswith(sep, at) else 1
    term, _ = _terminator(data[:at + 600], at, sep, b"")
    if term is None:
        term = b"~" if b"~" in data[pos: pos + 100000] else b"\n"
    return sep, _find_component(data[pos:], sep, term), term


def split_interchanges(data: bytes) -> tuple[list[Piece], list[RawProblem], list[tuple]]:
    """Cut a file into pieces of segments, one per interchange.

    Parameters
    ----------
    data : bytes
        The whole file. Its callers (the 835 and 837 readers) have first asked
        :func:`~._files.format_of` whether it is another format
        (a zip, a PDF, a web page), once per file: here it would be no X12 at all.

    Returns
    -------
    pieces : list of Piece
    problems : list of RawProblem
        What could not be read: nothing X12 in the file, a broken ISA header
        (scope ``file``), or a broken interchange after readable ones
        (scope ``rest``).
    notes : list of (segment, expected, found)
        What was read although it is not as the guide writes it (Latin-1 or
        UTF-16 text, text before the ISA, an ISA split over lines or not
        fixed width, ISA16 missing, separators that are not ASCII, indented
        segments, no final terminator, text after the last IEA).
    """
    data, note = _decode(data)
    notes: list[tuple] = [note] if note else []
    pieces: list[Piece] = []
    problems: list[RawProblem] = []
    pos = _skip_space(data, 0)
    number = 1
    if pos >= len(data):
        problems.append(RawProblem(1, "", "", "", "an X12 835 file (it is empty)"))
        return pieces, problems, notes
    if not (data.startswith(b"ISA", pos) or re.match(rb"ST[^A-Za-z0-9\s]", data[pos: pos + 4])):
        start, _ = _find_start(data, pos)
        if start < 0:
            got = data[pos: pos + 40].split(b"\n")[0].decode("utf-8", "replace")
            ident = got[:3] if re.match(r"[A-Z0-9]{2,3}[^A-Za-z0-9]", got) else ""
            problems.append(RawProblem(1, ident, "", got, NO_X12_START))
            return pieces, problems, notes
        skipped = data[pos:start].decode("utf-8", "replace").strip()
        bare = re.match(r"GS[^A-Za-z0-9\s]", skipped) is not None
        notes.append((1, "the ISA header at the start of the file (" + (
            "the file starts at its GS: it was sent without its interchange envelope" if bare else
            "text before it was skipped") + ")", skipped[:60]))
        pos = start
    while pos < len(data):
        whole = None
        if data.startswith(b"ISA", pos):
            header, problem = _read_isa(data, pos, number)
            if problem:
                problem = problem if number == 1 else RawProblem(
                    problem.segment, problem.segment_id, problem.element, problem.value,
                    problem.expected, "rest")
                problems.append(problem)
                break
            data = header.data
            sep, component, term, repetition = header.separators
            notes.extend((number, text, "") for text in header.notes)
            if not component:
                component = _find_component(data[pos:], sep, term)
            whole = _last_interchange(data, pos, (sep, component, term, repetition), number)
            end = whole[2] if whole else _interchange_end(data, pos, sep, term)
        elif re.match(rb"ST[^A-Za-z0-9\s]", data[pos: pos + 4]) and number == 1:
            sep, component, term = _bare_separators(data, pos)
            repetition = None
            end = len(data)
        else:
            got = data[pos: pos + 40].split(b"\n")[0].decode("utf-8", "replace")
            notes.append((number, "another ISA interchange after IEA, or the end of the file "
                          "(the text after the last IEA was ignored)", got))
            break
        if whole:
            piece, piece_notes, _ = whole
        else:
            piece, piece_notes = _tokenise(data, pos, end, (sep, component, term, repetition), number)
        notes.extend(piece_notes)
        if piece.unterminated:
            notes.append((number + len(piece) - 1, f"the segment terminator {_term_text(term)} "
                          "after the last segment", "the end of the file"))
        pieces.append(piece)
        number += len(piece)
        pos = _skip_space(data, end)
    return pieces, problems, notes


def _term_text(term: bytes) -> str:
    """The terminator as written in a message."""
    return repr(term.decode("utf-8", "replace")) if term.isascii() else _shown(term)


def _interchange_end(data: bytes, pos: int, sep: bytes, term: bytes) -> int:
    """Offset just after the IEA segment that closes the interchange at ``pos`` (or the end)."""
    needle = b"IEA" + sep
    at = data.find(needle, pos)
    while at >= 0:
        if _closes(data, pos, at, term):
            stop = data.find(term, at + len(needle))
            return len(data) if stop < 0 else stop + len(term)
        at = data.find(needle, at + 1)
    return len(data)


def _closes(data: bytes, pos: int, at: int, term: bytes) -> bool:
    """Is the ``IEA`` at ``at`` a segment of the interchange at ``pos`` (a terminator, then
    at most a few blanks or line breaks, before it)?"""
    return data[max(pos, at - 16): at].rstrip(b"\r\n\t ").endswith(term)


def _last_interchange(data: bytes, pos: int, raw_seps: tuple, number: int):
    """The first interchange of a file that holds only it: what :func:`_tokenise` gives for
    it, and where it ends; ``None`` when the file may hold more (then it is cut as usual).

    Most files hold one interchange: tokenising the rest of the file at once finds its IEA
    among the segments, instead of searching the bytes for ``IEA`` first. The answer is
    the usual cut's exactly: the one segment that starts with ``IEA`` is the last, the
    byte search finds that same IEA, and only blanks and line breaks follow it.
    """
    sep, _, term, _ = raw_seps
    if number != 1 or term in (b"\r", b"\n") or any(
            s and (len(s) > 1 or s[0] > 0x7F) for s in raw_seps):
        return None
    piece, notes = _tokenise(data, pos, len(data), raw_seps, number)
    raw, starts, ends = piece.data, piece.starts, piece.ends
    if piece.unterminated or not len(starts):
        return None
    long = np.flatnonzero(ends - starts >= 4)
    at = starts[long]
    iea = long[(raw[at] == 73) & (raw[at + 1] == 69) & (raw[at + 2] == 65)
               & (raw[at + 3] == sep[0])]
    if len(iea) != 1 or iea[0] != len(starts) - 1:
        return None
    # No IEA that closes an interchange can come before this one: it would start a segment.
    at = data.rfind(b"IEA" + sep, pos)
    if at < 0 or not _closes(data, pos, at, term):
        return None
    stop = data.find(term, at + 4)
    end = len(data) if stop < 0 else stop + len(term)
    if data[end:].strip(b" \t\r\n"):
        return None
    after = np.flatnonzero(raw[starts[-1]:] == term[0])
    piece.data = raw[: starts[-1] + int(after[0]) + 1]
    return piece, notes, end


def _single_bytes(text: bytes, seps: tuple) -> tuple[bytes, tuple[bytes, ...], list[str]]:
    """Map separators that are not one ASCII byte to control bytes the text does not use."""
    wide = [s for s in seps if s and (len(s) > 1 or s[0] > 0x7F)]
    if not wide:
        return text, seps, []
    free = [b for b in _STAND_INS if b not in text]
    mapped, notes = [], []
    for s in seps:
        if s and (len(s) > 1 or s[0] > 0x7F) and free:
            stand_in = free.pop(0)
            text = text.replace(s, stand_in)
            notes.append(f"ASCII separators ({_shown(s)} was read as a separator)")
            mapped.append(stand_in)
        else:
            mapped.append(s)
    return text, tuple(mapped), notes


def _tokenise(data: bytes, begin: int, end: int, raw_seps: tuple, first_number: int):
    """Locate the segments of ``data[begin:end]``; line breaks are not data and are dropped.

    Dropping every line break (unless one is the terminator) also reads files
    wrapped at a fixed width, where breaks fall inside segments. Spaces and
    tabs before and after a segment (indentation) are not data either.
    """
    text, (sep, comp, term, rep), notes = _single_bytes(data[begin:end], raw_seps)
    seps = Separators(sep.decode(), comp.decode(), term.decode(),
                      rep.decode() if rep else None)
    code = ord(seps.segment)
    breaks = bytes(b for b in _LINE_BREAKS if b != code and bytes([b]) in text)
    if breaks:
        text = text.translate(None, breaks)
    if code in (10, 13):
        text, joined = _join_broken_lines(text, term, sep)
        if joined:
            notes.append(f"one segment per line ({joined} line(s) that do not start with a "
                         "segment id were read as the rest of the line before)")
    raw = np.frombuffer(text, dtype=np.uint8)
    stops = np.flatnonzero(raw == code)
    tail = text[stops[-1] + 1:] if len(stops) else text
    unterminated = bool(tail.strip(_WHITESPACE))
    starts = np.concatenate([[0], stops + 1]).astype(np.int64)
    ends = np.concatenate([stops, [len(raw)]]).astype(np.int64)
    indented = strip_blanks(raw, starts, ends)
    keep = ends > starts
    if not unterminated:
        keep[-1] = False
    piece = Piece(raw, starts[keep], ends[keep], seps, first_number, unterminated)
    found = [(first_number, text_, "") for text_ in notes]
    if indented:
        found.append((first_number, "segments that start at the margin (spaces or tabs before "
                      f"{indented} segment(s) were ignored)", ""))
    return piece, found


def _join_broken_lines(text: bytes, term: bytes, sep: bytes) -> tuple[bytes, int]:
    """With line breaks as terminators, a line that does not start with a segment id (a
    capital letter, one or two capitals or digits, the element separator) continues the one
    before."""
    pattern = re.compile(re.escape(term) + rb"(?![ \t]*[A-Z][A-Z0-9]{1,2}(?:" + re.escape(sep)
                         + rb"|" + re.escape(term) + rb"|$))(?=[^\r\n])")
    joined = len(pattern.findall(text))
    return (pattern.sub(b"", text), joined) if joined else (text, 0)
