"""The 837 reader plans its work piece by piece as files are cut; the plan is the one made from all pieces.

``recoup_lib.ingest._x837._Plan`` groups pieces into units (read together) and
numbers their chunks (the order of warnings) while the
files are still being cut, so that a large batch is never held in memory at
once. Here it is compared with the plan written the plain way, from the list
of every piece, and the reader's results with those of reading on one thread
in one unit.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from recoup_lib.ingest import _x837, read_837

DATA = Path(__file__).parent / "data" / "837"


def plan_from_all(pieces: list, unit_size: int, batch_size: int) -> tuple[list, dict]:
    """Units (in the order their results are gathered) and each piece's chunk, from every piece at once."""
    batches, current, total, last = [], [], 0, None
    for f, piece, marks in pieces:
        if current and total + marks.size > batch_size and f != last:
            batches.append(current)
            current, total = [], 0
        current.append((f, piece, marks))
        total += marks.size
        last = f
    if current:
        batches.append(current)
    chunk_of, chunks = {}, 0
    for batch in batches:
        groups: dict = {}
        for item in batch:
            groups.setdefault(item[1].separators, []).append(item)
        for items in groups.values():
            for item in items:
                chunk_of[id(item[1])] = chunks
            chunks += 1
    by_separators: dict = {}
    for f, piece, marks in pieces:
        by_separators.setdefault(piece.separators, []).append((f, piece, marks, chunk_of[id(piece)]))
    units = []
    for items in by_separators.values():
        current, total = [], 0
        for item in items:
            if current and total + item[2].size > unit_size and item[0] != current[-1][0]:
                units.append(current)
                current, total = [], 0
            current.append(item)
            total += item[2].size
        units.append(current)
    return units, chunk_of


def plan_piece_by_piece(pieces: list, unit_size: int) -> list:
    plan = _x837._Plan(unit_size)
    keyed = []
    for f, piece, marks in pieces:
        keyed += plan.add(f, piece, marks)
    keyed += plan.finish()
    return [unit for _, unit in sorted(keyed, key=lambda k: k[0])]


pieces_strategy = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(1, 9)),
                           min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(spec=pieces_strategy, unit_size=st.integers(1, 20), batch_size=st.integers(1, 30))
def test_units_and_chunks_planned_piece_by_piece_are_those_planned_from_all_pieces(spec, unit_size, batch_size):
    """Files (one or more pieces each, in order) with one of three sets of separators and any sizes."""
    pieces, f = [], 0
    for new_file, separators, size in spec:
        f += bool(new_file) and bool(pieces)
        pieces.append((f, SimpleNamespace(separators=separators), SimpleNamespace(size=size)))
    saved = _x837.BATCH_BYTES
    _x837.BATCH_BYTES = batch_size
    try:
        got = plan_piece_by_piece(pieces, unit_size)
    finally:
        _x837.BATCH_BYTES = saved
    want, chunk_of = plan_from_all(pieces, unit_size, batch_size)
    as_ids = [[(f, id(piece), marks.size, chunk) for f, piece, marks, chunk in unit] for unit in got]
    assert as_ids == [[(f, id(piece), marks.size, chunk) for f, piece, marks, chunk in unit] for unit in want]
    assert all(chunk == chunk_of[id(piece)] for unit in got for _, piece, _, chunk in unit)


def _mixed_files(tmp_path: Path) -> list[Path]:
    """Samples with two sets of separators, some transactions not 837s (their lines set aside), repeated."""
    sources = [DATA / "demo.example9.837", DATA / "imsweb-x12_valid_different_separators.txt",
               DATA / "demo.example11.837", DATA / "two-claims-single-provider.837i",
               DATA / "imsweb-x12_valid_different_separators.txt", DATA / "demo.example1.837",
               DATA / "imsweb-x12_valid.txt"]
    files = []
    for i, source in enumerate(sources * 2):
        text = source.read_bytes()
        if i % 3 == 1:
            separator = text[3:4]
            text = text.replace(b"ST" + separator + b"837", b"ST" + separator + b"835", 1)
        files.append(tmp_path / f"{i:02d}_{source.name}")
        files[-1].write_bytes(text)
    return files


def _as_plain(claims) -> tuple:
    return ({k: (v.to_pylist() if hasattr(v, "to_pylist") else list(v)) for k, v in claims.lines.items()},
            claims.set_aside, claims.problems, claims.files)


def test_reading_while_cutting_gives_what_one_thread_gives_in_one_unit(tmp_path, monkeypatch):
    files = _mixed_files(tmp_path)
    monkeypatch.setattr(_x837, "_workers", lambda: 1)
    monkeypatch.setattr(_x837._Plan.__init__, "__defaults__", (1 << 40,))
    monkeypatch.setattr(_x837, "BATCH_BYTES", 1 << 40)
    whole = _as_plain(read_837(files))
    monkeypatch.undo()
    for workers in (1, 2, 4):
        monkeypatch.setattr(_x837, "_workers", lambda workers=workers: workers)
        monkeypatch.setattr(_x837._Plan.__init__, "__defaults__", (3000,))
        got = _as_plain(read_837(files))
        # Lines and file-level problems do not depend on how the work is split; the order of lines set
        # aside and warnings follows the batches (one batch here), which are left as they are.
        assert got[0] == whole[0] and got[3] == whole[3], workers
        assert got[1] == whole[1] and got[2] == whole[2], workers
