"""The 837 reader's own cut (one pass over a plain file) gives what the 835 tokenizer gives.

``recoup_lib.ingest._x12cut.cut_file`` cuts a well-formed single-interchange
ASCII file itself and hands every other file to
``recoup_lib.x12.split_interchanges``; both ways must give the
same pieces, problems and notes, and the delimiters the reader indexes into
must be those of the pieces.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recoup_lib.ingest import read_837
from recoup_lib.ingest import _x837
from recoup_lib.ingest._x12cut import _one_interchange, cut_file, delimiters_of
from recoup_lib.x12 import split_interchanges
from recoup_lib.synthetic import CLAIMS837_FOLDER, generate_practice, write_practice

DATA = Path(__file__).parent / "data" / "837"
SAMPLES = sorted(p for p in DATA.iterdir() if p.suffix not in (".md", ".csv"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    folder = write_practice(generate_practice(lines=300, seed=5), tmp_path_factory.mktemp("cut"))
    return sorted((folder / CLAIMS837_FOLDER).glob("*.837"))


def variants(data: bytes) -> dict[str, bytes]:
    """A file as offices and tools mangle it: each either cut in one pass or handed on."""
    term = data[105:106]
    no_breaks = data.replace(b"\r", b"").replace(b"\n", b"")
    return {
        "as is": data,
        "no line breaks": no_breaks,
        "CRLF after each segment": no_breaks.replace(term, term + b"\r\n"),
        "wrapped at 80": b"\n".join(no_breaks[i:i + 80] for i in range(0, len(no_breaks), 80)),
        "leading blank lines": b"\n\n  " + data,
        "text after IEA": data + b"\nEnd of batch\n",
        "two interchanges": data + data,
        "no final terminator": no_breaks.rstrip(term),
        "a Latin-1 byte": data.replace(b"N3*", b"N3*\xd1", 1),
        "IEA written inside a name": data.replace(b"N3*", b"N3*IEA*", 1),
        "blanks before IEA": data.replace(term + b"\nIEA", term + b" \t\nIEA"),
        "truncated": data[: len(data) // 2],
    }


def assert_same_cut(data: bytes, where: str) -> None:
    pieces, problems, notes, delimiters = cut_file(data)
    want_pieces, want_problems, want_notes = split_interchanges(data)
    assert (problems, notes) == (want_problems, want_notes), where
    assert len(pieces) == len(want_pieces), where
    for got, want, marks in zip(pieces, want_pieces, delimiters):
        assert got.separators == want.separators and got.first_number == want.first_number, where
        assert bytes(got.data) == bytes(want.data), where
        assert np.array_equal(got.starts, want.starts) and np.array_equal(got.ends, want.ends), where
        # The tokenizer says whether the last segment has no terminator after it (the 837 reader's
        # "cut short"): only blanks, or nothing, follow it in the piece's bytes.
        left = want.data[int(want.ends[-1]):] if len(want) else want.data[:0]
        cut_short = len(want) > 0 and not (left == ord(want.separators.segment)).any()
        assert got.unterminated == want.unterminated == cut_short, where
        expected = delimiters_of(want)
        assert np.array_equal(marks.marks, expected.marks), where
        assert np.array_equal(marks.first, expected.first) and np.array_equal(marks.count, expected.count), where


def test_cut_matches_the_835_tokenizer_on_public_samples_generated_files_and_mangled_copies(generated):
    for path in SAMPLES + generated[:3]:
        for name, data in variants(path.read_bytes()).items():
            assert_same_cut(data, f"{path.name}: {name}")


def test_plain_generated_files_are_cut_in_one_pass_and_others_are_handed_on(generated):
    data = generated[0].read_bytes()
    kinds = variants(data)
    assert _one_interchange(data) is not None
    assert _one_interchange(kinds["CRLF after each segment"]) is not None
    for name in ("two interchanges", "text after IEA", "no final terminator", "a Latin-1 byte", "truncated"):
        assert _one_interchange(kinds[name]) is None, name


def test_lines_set_aside_come_in_file_order_and_warnings_chunk_after_chunk(tmp_path, monkeypatch):
    """Warnings are reported in chunks: the files of one batch that share separators, in order of
    appearance. Lines set aside come in file order whatever the chunks (they came chunk after chunk
    unless a replacement or void claim had them sorted)."""
    sources = [DATA / "demo.example9.837", DATA / "imsweb-x12_valid_different_separators.txt",
               DATA / "demo.example11.837", DATA / "imsweb-x12_valid_different_separators.txt",
               DATA / "demo.example1.837"]
    files = []
    for i, source in enumerate(sources):
        text = source.read_bytes()
        separator = text[3:4]
        text = text.replace(b"ST" + separator + b"837", b"ST" + separator + b"835", 1)  # every line set aside
        files.append(tmp_path / f"{i}_{source.name}")
        files[-1].write_bytes(text)
    sizes = [sum(len(piece.data) for piece in cut_file(f.read_bytes())[0]) for f in files]
    monkeypatch.setattr(_x837, "BATCH_BYTES", sizes[0] + sizes[1] + sizes[2])
    claims = read_837(files)
    # Batch 1 holds files 0-2, batch 2 files 3-4; files 1 and 3 have other separators than the rest.
    number = {f.name: i for i, f in enumerate(files)}
    reported = [(number[f], segment) for f, segment, _, _ in claims.set_aside]
    assert reported == sorted(reported) and list(dict.fromkeys(f for f, _ in reported)) == [0, 1, 2, 3, 4]
    warned = [(number[f], "composites" if "ISA16" in msg else "transaction") for f, _, msg in claims.problems
              if "ISA16" in msg or "transaction set aside" in msg]
    assert warned == [(0, "transaction"), (2, "transaction"), (0, "composites"), (2, "composites"),
                      (1, "transaction"), (3, "transaction"), (4, "transaction")]
