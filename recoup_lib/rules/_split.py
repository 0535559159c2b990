"""The split stage of the audit in patient partitions: input files streamed in pieces onto disk.

What :mod:`recoup_lib.rules._partition` needs to put a folder on disk, piece
by piece, before its partitions are parsed and audited (and
:mod:`recoup_lib.rules._spark` the hash, the tally of a file read and the empty table):

- :func:`stable_hash`, the hash that sends a claim to its bucket and a line
  to its patient's partition, the same in every process;
- ``_Shelf``, Arrow IPC stream files written a piece at a time, one per
  (table, bucket or partition), and read back whole;
- ``_stream``, a file fed in pieces (Arrow's streaming reader, or the exact
  reader when the file has a malformed row, a blank line or a line break in
  a value), rows blank in every cell skipped and counted;
- ``_FileTally``, one file's problems, rows set aside and counts gathered
  piece by piece into what the in-memory reader reports;
- :func:`empty_text`, a file's header with no rows, what the parser makes
  a typed empty table of.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..blankrows import blank_texts, without_blank_rows
from ..csvread import (
    arrow_options,
    broken_frame,
    broken_problems,
    broken_set_aside,
    has_quote,
    needs_exact_reader,
    python_csv_chunks,
    read_header,
    reads_blank_line,
    spanning_columns,
    with_broken_rows,
)
from ..schema import SPECS, ParsedTable
from ._aside import kept_aside
from ._runs import IPC_OPTIONS

__all__ = ["stable_hash", "empty_text"]

#: Bytes of a file read at a time when it is streamed in pieces.
_PIECE_BYTES = 8 << 20
#: Bytes of a file Arrow reads at a time (it reads up to 32 such blocks ahead).
_READ_BYTES = 1 << 20


def empty_text(header: list[str]) -> pd.DataFrame:
    """A file's columns with no rows, as the text a piece is read in: what
    :func:`~recoup_lib.schema.parse_table` makes the typed empty table of, for a partition that no row of
    the file falls in, and for the templates the audit of a partition starts from."""
    return pd.DataFrame({h: pd.Series([], dtype=pd.StringDtype("pyarrow")) for h in header})


# --------------------------------------------------------------------------- hashing


def stable_hash(values) -> np.ndarray:
    """A 64-bit hash of each text value, the same on every machine and in every process.

    Mixes the value's length and up to its first and last 32 bytes (equal
    texts always hash alike, which is all the partitioning needs); read
    straight from the Arrow buffers, a few vector operations per byte position.
    """
    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(
        pd.Series(values).astype(pd.StringDtype("pyarrow")).array)
    arr = pc.cast(arr, pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], type=pa.large_string())
    arr = pc.fill_null(arr, "")
    n = len(arr)
    if not n:
        return np.zeros(0, dtype=np.uint64)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + n + 1]
    data = arr.buffers()[2]
    buf = np.frombuffer(data, dtype=np.uint8) if data is not None and data.size else np.zeros(1, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    lengths = ends - starts
    mixed = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    span = int(min(lengths.max(), 32))
    with np.errstate(over="ignore"):
        for k in range(span):
            for where in (starts + k, ends - 1 - k):
                present = lengths > k
                byte = buf[np.where(present, where, 0)].astype(np.uint64)
                mixed = np.where(present, (mixed ^ byte) * np.uint64(0x100000001B3), mixed)
        mixed ^= mixed >> np.uint64(31)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(29)
    return mixed


def _bucket(values, count: int) -> np.ndarray:
    stripped = pc.utf8_trim_whitespace(pa.array(pd.Series(values).astype(pd.StringDtype("pyarrow")).array))
    return (stable_hash(stripped) % np.uint64(count)).astype(np.int64)


# --------------------------------------------------------------------------- disk


class _Shelf:
    """Arrow IPC stream files written piece by piece: one open writer per (table, shelf number).

    A stream file keeps nothing in memory per piece written: a Parquet writer keeps every row
    group's metadata until closed, which over (pieces x partitions) row groups came to hundreds of
    megabytes on ten million lines (measured: 880 bytes a column of a row group, never returned).
    """

    def __init__(self, root: Path):
        self.root = root
        self.writers: dict[tuple[str, int], pa.ipc.RecordBatchStreamWriter] = {}

    def path(self, table: str, number: int) -> Path:
        return self.root / table / f"{number:05d}.arrows"

    def put(self, table: str, frame: pd.DataFrame, numbers: np.ndarray) -> None:
        if not len(frame):
            return
        order = np.argsort(numbers, kind="stable")
        numbers = numbers[order]
        arrow = pa.Table.from_pandas(frame.iloc[order], preserve_index=False)
        cuts = np.flatnonzero(np.r_[True, numbers[1:] != numbers[:-1], True])
        for start, stop in zip(cuts[:-1], cuts[1:]):
            number = int(numbers[start])
            writer = self.writers.get((table, number))
            if writer is None:
                self.path(table, number).parent.mkdir(parents=True, exist_ok=True)
                writer = pa.ipc.new_stream(str(self.path(table, number)), arrow.schema, options=IPC_OPTIONS)
                self.writers[(table, number)] = writer
            writer.write_table(arrow.slice(start, stop - start))

    def close(self, table: str | None = None) -> None:
        for key in [k for k in self.writers if table is None or k[0] == table]:
            self.writers.pop(key).close()

    def abandon(self) -> None:
        """Close every writer, whatever fails (the audit raised: its files are about to be removed)."""
        for writer in self.writers.values():
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - a writer the error left unusable; its file goes anyway
                pass
        self.writers.clear()

    def drop(self, table: str) -> None:
        self.close(table)
        shutil.rmtree(self.root / table, ignore_errors=True)

    def take(self, table: str, number: int, text: bool = False) -> pd.DataFrame | None:
        path = self.path(table, number)
        if not path.is_file():
            return None
        with pa.ipc.open_stream(str(path)) as reader:
            arrow = reader.read_all()
        if text:
            return arrow.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
        return arrow.to_pandas()


# --------------------------------------------------------------------------- stage 1


class _NeedsExactReader(Exception):
    """The file has a malformed row, a blank line or a line break inside a value."""


def _arrow_pieces(path: Path, header: list[str]):
    """The file as text in pieces (Arrow's streaming reader): (piece, its rows' numbers in the file).

    Arrow reads up to 32 blocks ahead of the rows taken from it, whatever their size: blocks of
    :data:`_READ_BYTES` keep that to 32 MB (blocks of a whole piece held 256 MB), and
    :data:`_PIECE_BYTES` of them make a piece. A block holding a row blank in every column (Arrow's
    reading of a blank line) sends the file to the exact reader, which skips blank lines, as the
    in-memory reader does.
    """
    counted = len(header) < 2
    quoted = has_quote(path)
    read, parse, convert = arrow_options(header, {h: pa.string() for h in header}, _READ_BYTES, quoted=quoted)
    reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    seen = 0
    held: list[pa.RecordBatch] = []

    def piece():
        frame = pa.Table.from_batches(held, schema=reader.schema).to_pandas(
            types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
        held.clear()
        return frame, np.arange(seen, seen + len(frame), dtype=np.int64) + 2

    for batch in reader:
        if reads_blank_line(batch, counted):
            raise _NeedsExactReader
        held.append(batch)
        if len(held) * _READ_BYTES >= _PIECE_BYTES:
            frame, rows = piece()
            yield frame, rows
            seen += len(frame)
    if held:
        frame, rows = piece()
        yield frame, rows
        seen += len(frame)
    if needs_exact_reader(path, seen, counted, quoted):
        raise _NeedsExactReader


def _stream(path: Path, name: str, consume, restart, malformed) -> int:
    """Feed ``consume(raw, row_numbers)`` the file's pieces, and ``malformed(rows)`` each piece's
    malformed rows (the exact reader's ``(row, text, expected, got)``); return how many rows blank in
    every cell were skipped (:func:`~recoup_lib.blankrows.without_blank_rows`, as the in-memory
    reader of an audit folder skips them).

    The fast reader is tried first; if the file needs the exact one, what was
    consumed is undone by ``restart()`` and the file is read again exactly.
    """
    header = read_header(path, SPECS[name], name)
    blank = 0

    def consume_kept(raw, rows):
        nonlocal blank
        raw, rows, _, skipped = without_blank_rows(raw, rows)
        blank += skipped
        consume(raw, rows)

    try:
        for raw, rows in _arrow_pieces(path, header):
            consume_kept(raw, rows)
        return blank
    except (_NeedsExactReader, pa.ArrowInvalid):
        restart()
        blank = 0
    rows_per_piece = max(10_000, _PIECE_BYTES // 100)
    for raw, rows, bad in python_csv_chunks(path, header, rows_per_piece, spanning_columns(header, SPECS[name])):
        blank_bad = blank_texts([b[1] for b in bad])
        malformed([b for b, is_blank in zip(bad, blank_bad) if not is_blank])
        blank += int(blank_bad.sum())
        consume_kept(raw, rows)
    return blank


class _FileTally:
    """Problems, rows set aside and counts of one file, gathered piece by piece: in memory, or, given
    ``aside`` (:class:`~recoup_lib.rules._aside.SetAside`), written to disk a piece at a time."""

    def __init__(self, name: str, aside=None):
        self.name = name
        self.aside = aside
        self.problems: list = []
        self.rejected: list[pd.DataFrame] = []
        self.broken: list = []
        self.rows_read = 0
        self.rows_used = 0
        self.blank_rows = 0

    def add(self, parsed: ParsedTable) -> None:
        if self.aside is not None:
            self.aside.add_problems(self.name, "problems", parsed.problems)
            self.aside.add_rows(self.name, "rows", parsed.rejected)
        else:
            self.problems.extend(parsed.problems)
            if len(parsed.rejected):
                self.rejected.append(parsed.rejected)
        self.rows_read += parsed.rows_read
        self.rows_used += parsed.rows_used

    def add_broken(self, broken: list) -> None:
        """Malformed rows of a piece (see :func:`~recoup_lib.csvread.broken_frame`), in file order."""
        if self.aside is None:
            self.broken.extend(broken)
        elif broken:
            frame = broken_frame(broken, self.name)
            self.aside.add_problems(self.name, "problems", broken_problems(frame, self.name))
            self.aside.add_rows(self.name, "broken rows", broken_set_aside(frame))
            self.rows_read += len(broken)

    def parsed(self, broken: list = ()) -> ParsedTable:
        """One :class:`ParsedTable` as the in-memory reader would give it (without its data; written to
        disk, its problems and rows set aside are :meth:`set_aside`'s)."""
        if self.aside is not None:
            return ParsedTable(data=pd.DataFrame(), rows_read=self.rows_read, blank_rows=self.blank_rows)
        rejected = (pd.concat(self.rejected, ignore_index=True).sort_values("_row", kind="stable")
                    .reset_index(drop=True) if self.rejected else pd.DataFrame())
        parsed = ParsedTable(data=pd.DataFrame(), problems=sorted(self.problems, key=lambda p: p.row),
                             rejected=rejected, rows_read=self.rows_read, blank_rows=self.blank_rows)
        return with_broken_rows(parsed, broken_frame(self.broken + list(broken), self.name), self.name)

    def set_aside(self, parsed: ParsedTable) -> tuple:
        """The problems of :meth:`parsed`'s ``parsed`` (a list, or the runs written to disk) and its rows
        set aside (a list of DataFrames or runs), as :func:`~recoup_lib.rules._partition._inputs_from`
        puts them together."""
        if self.aside is None:
            return kept_aside(parsed)
        rows = [(self.aside, what) for what in ("rows", "broken rows") if self.aside.count(self.name, what)]
        return (self.aside, self.name, "problems"), rows
