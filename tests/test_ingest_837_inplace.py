"""The 837 reader's cut in place (line breaks kept between segments) gives the segments of the usual cut.

``cut_file(data, keep_breaks=True)`` leaves a plain file's bytes where they
lie when its line breaks all follow a terminator; every other file is cut as
``cut_file(data)`` cuts it. Either way each segment, its element separators
and the piece's size (its length without line breaks, which sizes the
reader's batches) must be those of the usual cut, on public samples,
generated files and copies mangled as offices mangle them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recoup_lib.ingest import read_837
from recoup_lib.ingest._x12cut import cut_file
from recoup_lib.ingest._x12spans import Parts, Segments
from recoup_lib.synthetic import CLAIMS837_FOLDER, generate_practice, write_practice
from recoup_lib.x12 import split_interchanges

DATA = Path(__file__).parent / "data" / "837"
SAMPLES = sorted(p for p in DATA.iterdir() if p.suffix not in (".md", ".csv"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    """Three of a generated practice's 837s (seed 9: other claims than the usual cut's tests)."""
    practice = generate_practice(lines=300, seed=9)
    folder = write_practice(practice, tmp_path_factory.mktemp("inplace"))
    return sorted(folder.joinpath(CLAIMS837_FOLDER).glob("*.837"))[:3]


def _split(data: bytes) -> tuple[bytes, bytes, bytes, list[bytes]]:
    """Separators as the ISA declares them (a header not of the fixed width too) and the segments."""
    start = data.index(b"ISA")
    seps = split_interchanges(data)[0][0].separators
    sep, component, term = (c.encode() for c in (seps.element, seps.component, seps.segment))
    body = data[start:].replace(b"\r", b"").replace(b"\n", b"")
    return sep, component, term, [s for s in body.split(term) if s]


def mangled(data: bytes) -> dict[str, bytes]:
    """Copies with breaks, blanks and controls where offices and tools put them (a file sent without its
    ISA envelope, starting at its GS, only as it is)."""
    if b"ISA" not in data:
        return {"as is": data}
    sep, _, term, segments = _split(data)
    no_breaks = term.join(segments) + term
    short = [s.split(sep)[0] if i % 4 == 2 and not s.startswith((b"ISA", b"IEA")) else s
             for i, s in enumerate(segments)]
    return {
        "as is": data,
        "no line breaks": no_breaks,
        "LF after each segment": term.join(segments).replace(term, term + b"\n") + term + b"\n",
        "CRLF after each segment": no_breaks.replace(term, term + b"\r\n"),
        "CR after each segment": no_breaks.replace(term, term + b"\r"),
        "two blank lines between segments": no_breaks.replace(term, term + b"\n\n"),
        "three line breaks between segments": no_breaks.replace(term, term + b"\r\n\n"),
        "wrapped at 80": b"\n".join(no_breaks[i:i + 80] for i in range(0, len(no_breaks), 80)),
        "a break inside one segment": no_breaks.replace(b"CLM" + sep, b"CLM" + sep + b"\n", 1),
        "a tab inside one segment": no_breaks.replace(b"N3" + sep, b"N3" + sep + b"\t", 1),
        "a NUL inside one segment": no_breaks.replace(b"N3" + sep, b"N3" + sep + b"\x00", 1),
        "blank lines at the start and end": b"\r\n \n" + no_breaks.replace(term, term + b"\n") + b"\n\n \t",
        "empty segments": no_breaks.replace(term, term + b"\n" + term, 5),
        "repeated segments": term.join(s for seg in segments for s in (seg, seg)[: 1 + (seg[:2] == b"LX")]) + term,
        "elements missing": term.join(short).replace(term, term + b"\n") + term,
        "no ST": term.join(s for s in segments if not s.startswith((b"ST" + sep, b"SE" + sep))) + term,
        "no IEA": term.join(segments[:-1]).replace(term, term + b"\n") + term + b"\n",
        "IEA as a segment before the end": no_breaks.replace(term + b"GS", term + b"IEA" + sep + b"1" + term + b"GS"),
        "IEA after a break and blanks": no_breaks.replace(term + b"IEA", term + b"\n \tIEA"),
        "text after IEA": no_breaks + b"\nEnd of batch\n",
        "terminator after IEA": no_breaks + term + b"\n",
        "indented segment": no_breaks.replace(term + b"N3", term + b"\n  N3", 1),
        "blank before a terminator": no_breaks.replace(term, b" " + term, 3),
        "two interchanges": no_breaks + b"\n" + no_breaks,
        "no final terminator": no_breaks.rstrip(term),
        "truncated": data[: len(data) // 2],
    }


def assert_same_segments(data: bytes, where: str) -> None:
    want_pieces, want_problems, want_notes, want_marks = cut_file(data)
    pieces, problems, notes, marks = cut_file(data, keep_breaks=True)
    assert (problems, notes) == (want_problems, want_notes), where
    assert len(pieces) == len(want_pieces), where
    for got, want, got_marks, expected in zip(pieces, want_pieces, marks, want_marks):
        assert got.separators == want.separators and got.first_number == want.first_number, where
        assert got_marks.size == expected.size == len(want.data), where
        assert [bytes(got.data[s:e]) for s, e in zip(got.starts, got.ends)] == \
            [bytes(want.data[s:e]) for s, e in zip(want.starts, want.ends)], where
        assert np.array_equal(got_marks.first, expected.first), where
        assert np.array_equal(got_marks.count, expected.count), where
        if got_marks.closed:
            assert np.array_equal(got_marks.marks[got_marks.first + got_marks.count], got.ends), where
        own = np.repeat(np.arange(len(got)), got_marks.count)
        at = np.concatenate([np.arange(f, f + c) for f, c in zip(got_marks.first, got_marks.count)] or [[]])
        at = at.astype(np.int64)
        assert np.array_equal(got_marks.marks[at] - got.starts[own], expected.marks[at] - want.starts[own]), where


def test_cut_in_place_gives_the_segments_of_the_usual_cut(generated):
    for path in SAMPLES + generated:
        for name, data in mangled(path.read_bytes()).items():
            assert_same_segments(data, f"{path.name}: {name}")


def test_files_broken_only_after_terminators_are_cut_in_place(generated):
    kinds = mangled(generated[0].read_bytes())
    for name in ("LF after each segment", "CRLF after each segment", "CR after each segment",
                 "two blank lines between segments", "blank lines at the start and end", "no IEA",
                 "elements missing"):
        pieces, _, _, marks = cut_file(kinds[name], keep_breaks=True)
        assert len(pieces) == 1 and len(pieces[0].data) > marks[0].size, name
    for name in ("no line breaks", "wrapped at 80", "a break inside one segment", "three line breaks between segments"):
        pieces, _, _, marks = cut_file(kinds[name], keep_breaks=True)
        assert len(pieces) == 1 and len(pieces[0].data) == marks[0].size, name


def test_the_reader_reads_mangled_copies_as_it_reads_them_without_line_breaks(generated, tmp_path):
    """Claim lines do not depend on where a file's line breaks are."""
    source = generated[0].read_bytes()
    kinds = mangled(source)
    plain = tmp_path / "plain.837"
    plain.write_bytes(kinds["no line breaks"])
    want = read_837(plain)
    assert len(want) > 0
    for name in ("LF after each segment", "CRLF after each segment", "CR after each segment",
                 "two blank lines between segments", "blank lines at the start and end"):
        path = tmp_path / f"{name}.837"
        path.write_bytes(kinds[name])
        got = read_837(path)
        for column in want.lines:
            if column != "_file":
                assert got.lines[column].equals(want.lines[column]) if hasattr(got.lines[column], "equals") \
                    else np.array_equal(got.lines[column], want.lines[column]), (name, column)
        assert [entry[1:] for entry in got.problems] == [entry[1:] for entry in want.problems], name


def test_delimiters_found_block_by_block_are_those_of_the_whole_file(generated, monkeypatch):
    """The cut scans a file in blocks; blocks of a few bytes (every delimiter near a boundary) change nothing."""
    from recoup_lib.ingest import _x12cut

    cases = [(path, name, data) for path in SAMPLES[:4] + generated[:1]
             for name, data in mangled(path.read_bytes()).items()
             if name in ("as is", "CRLF after each segment", "wrapped at 80", "no IEA")]
    whole = [cut_file(data, keep_breaks=True) for _, _, data in cases]
    monkeypatch.setattr(_x12cut, "_BLOCK", 7)
    for (path, name, data), (want_pieces, _, _, want_marks) in zip(cases, whole):
        pieces, _, _, marks = cut_file(data, keep_breaks=True)
        for got, want, got_marks, expected in zip(pieces, want_pieces, marks, want_marks):
            assert np.array_equal(got.starts, want.starts) and np.array_equal(got.ends, want.ends), (path.name, name)
            assert np.array_equal(got_marks.marks, expected.marks), (path.name, name)
            assert np.array_equal(got_marks.first, expected.first), (path.name, name)
            assert got_marks.size == expected.size, (path.name, name)


def test_elements_present_in_every_segment_are_found_as_the_general_way_finds_them(generated):
    """Element j of segments that all hold it is read straight from the marks; the general way agrees."""
    items = []
    for f, path in enumerate(SAMPLES + generated):
        for name, data in mangled(path.read_bytes()).items():
            if name in ("as is", "CRLF after each segment", "elements missing", "blank before a terminator"):
                pieces, _, _, marks = cut_file(data, keep_breaks=True)
                items += [(f, piece, mark) for piece, mark in zip(pieces, marks)]
    by_separators: dict = {}
    for f, piece, mark in items:
        by_separators.setdefault((piece.separators, mark.closed), []).append((f, piece, mark, 0))
    for group in by_separators.values():
        segments = Segments(group)
        for kind in ("ISA", "NM1", "CLM", "SV1", "SV2", "HI", "DTP", "REF", "HL", "LX"):
            rows = segments.where(kind)
            if not len(rows):
                continue
            quick, general = segments.fields(rows), segments.fields(rows)
            general._fewest = 0
            assert quick.closed == all(m.closed for _, _, m, _ in group)
            for j in range(14):
                for got, want in zip(quick.span(j), general.span(j)):
                    assert np.array_equal(got, want), (kind, j)
            parts, parts_general = Parts(quick[1], ":"), Parts(quick[1], ":")
            parts_general._fewest = 0
            for j in range(5):
                for got, want in zip(parts.span(j), parts_general.span(j)):
                    assert np.array_equal(got, want), (kind, "composite", j)
