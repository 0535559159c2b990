"""Problems and rows set aside of an audit in patient partitions, kept on disk until they are written.

A file split into claim buckets (claim_lines.csv, payments.csv, documentation.csv) or parsed a piece
at a time (coverage.csv) gives its problems and its rows set aside a bucket or a piece at a time:
each bucket's in row order, but interleaved with the other buckets'. Each such run is written to a
temporary folder (Arrow IPC), and the runs are merged back into the file's row order a batch at a
time (:func:`~recoup_lib.rules._runs.merged`) when they are read: rejected.csv and rejected_rows/
are written without every problem in memory, in the in-memory audit's order, byte for byte.

:class:`SetAside` holds the runs; :class:`Problems` (a sequence of
:class:`~recoup_lib.errors.Problem`) and :class:`RowsSetAside` (a mapping of file name to rows) are
what :class:`~recoup_lib.folder.AuditInputs` holds of them: read from disk when iterated, sliced or
asked for, never kept.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..errors import Problem
from ..folder import problems_frame
from ._runs import IPC_OPTIONS, batch_rows, merged

__all__ = ["SetAside", "Problems", "RowsSetAside", "kept_aside", "problem_frames", "row_batches"]



class SetAside:
    """Sorted runs of problems and rows set aside, by key (a file's name and what they are), in a
    temporary folder removed with this object (and with everything that reads from it), or by
    :meth:`remove`.

    Parameters
    ----------
    runs : int
        About how many runs a key gets (the claim buckets): each run's batches are sized so that
        a batch of each is about :data:`~recoup_lib.rules._runs.MERGED_ROWS` rows together
        (:func:`~recoup_lib.rules._runs.batch_rows`, as the findings' runs are merged).
    scratch : path-like, optional
        Where the temporary folder goes (default: the system's).
    """

    def __init__(self, runs: int, scratch=None):
        self.folder = Path(tempfile.mkdtemp(prefix="recoup-set-aside-", dir=scratch))
        self._removal = weakref.finalize(self, shutil.rmtree, str(self.folder), True)
        self.batch_rows = batch_rows(runs)
        self._runs: dict[tuple[str, str], list[Path]] = {}
        self._rows: dict[tuple[str, str], int] = {}
        self._numbers = itertools.count()

    def add_problems(self, name: str, what: str, problems: list[Problem]) -> None:
        """A run of ``problems`` (one file's, in row order) under ``(name, what)``."""
        if problems:
            self._write(name, what, pa.table({
                "row": pa.array([p.row for p in problems], pa.int64()),
                "column": pa.array([p.column for p in problems], pa.string()),
                "value": pa.array([p.value for p in problems], pa.string()),
                "expected": pa.array([p.expected for p in problems], pa.string())}))

    def add_rows(self, name: str, what: str, rows: pd.DataFrame) -> None:
        """A run of ``rows`` (set aside as read, text, with ``_row``; in row order) under ``(name, what)``."""
        if len(rows):
            text = {c: pd.StringDtype("pyarrow") for c in rows.columns if c != "_row"}
            self._write(name, what, pa.Table.from_pandas(rows.astype(text), preserve_index=False))

    def _write(self, name: str, what: str, table: pa.Table) -> None:
        runs = self._runs.setdefault((name, what), [])
        path = self.folder / f"{next(self._numbers):06d}.arrows"
        with pa.ipc.new_stream(str(path), table.schema, options=IPC_OPTIONS) as writer:
            writer.write_table(table, max_chunksize=self.batch_rows)
        runs.append(path)
        self._rows[name, what] = self._rows.get((name, what), 0) + table.num_rows

    def drop(self, name: str) -> None:
        """Forget every run of ``name`` (its file is read again from the start)."""
        for key in [k for k in self._runs if k[0] == name]:
            for path in self._runs.pop(key):
                path.unlink(missing_ok=True)
            self._rows.pop(key, None)

    def count(self, name: str, what: str) -> int:
        return self._rows.get((name, what), 0)

    def remove(self) -> None:
        """Remove the folder now (the audit raised), not when this object is collected."""
        self._removal()

    def columns(self, name: str, what: str) -> list[str]:
        """The columns of the runs of ``(name, what)`` (as their first run has them)."""
        paths = self._runs.get((name, what), [])
        if not paths:
            return []
        with pa.ipc.open_stream(str(paths[0])) as reader:
            return reader.schema.names

    def batches(self, name: str, what: str, key: str):
        """The runs of ``(name, what)`` merged in the order of their column ``key``: DataFrames of a
        bounded number of rows (none when there is no run)."""
        paths = self._runs.get((name, what), [])
        if not paths:
            return
        files = [pa.OSFile(str(path), "rb") for path in paths]
        try:
            yield from merged([pa.ipc.open_stream(file) for file in files], self.batch_rows,
                              [(key, "ascending")])
        finally:
            for file in files:
                file.close()

    def problems(self, name: str, what: str = "problems"):
        """The problems of ``(name, what)`` in row order, as lists of :class:`Problem`."""
        for batch in self.batches(name, what, "row"):
            yield [Problem(name, int(r), c, v, e) for r, c, v, e in
                   zip(batch["row"], batch["column"], batch["value"], batch["expected"])]


class Problems(Sequence):
    """Problems in the in-memory audit's order, from parts: lists of :class:`Problem` (in memory) and
    ``(set_aside, name, what)`` (runs on disk, read when the problems are).

    What a list is to its readers (``len``, iteration, slices, ``problems[0]``), without the problems
    in memory: :func:`problem_frames` gives rejected.csv's rows a batch at a time.
    """

    def __init__(self, parts: list):
        self._parts = [part for part in parts if _size(part)]

    def batches(self):
        """The problems as lists, in order (each part's in batches)."""
        for part in self._parts:
            if isinstance(part, list):
                yield part
            else:
                yield from part[0].problems(*part[1:])

    def __len__(self) -> int:
        return sum(_size(part) for part in self._parts)

    def __iter__(self):
        for batch in self.batches():
            yield from batch

    def __getitem__(self, index):
        if isinstance(index, slice) and (index.start or 0) >= 0 and (index.stop or 0) >= 0 and (index.step or 1) > 0:
            return list(itertools.islice(self, index.start, index.stop, index.step))
        if isinstance(index, int) and index >= 0:
            for problem in itertools.islice(self, index, None):
                return problem
            raise IndexError("problem index out of range")
        return list(self)[index]

    def __repr__(self) -> str:
        return f"<{len(self):,} problems, read from disk when asked>"


def _size(part) -> int:
    """How many problems a part of :class:`Problems` holds."""
    return len(part) if isinstance(part, list) else part[0].count(*part[1:])


class RowsSetAside(Mapping):
    """The rows set aside of each file (``name -> DataFrame``), from parts: DataFrames (in memory) and
    ``(set_aside, what)`` (the runs of ``(name, what)`` on disk). A file's rows are read whole when asked
    for; :func:`row_batches` gives them a batch at a time."""

    def __init__(self, parts: dict[str, list]):
        self._parts = parts

    def batches(self, name: str):
        """The rows of ``name`` in order, every batch with the columns of all of them (as
        ``pandas.concat`` of the whole would give them)."""
        parts = self._parts[name]
        columns = list(dict.fromkeys(c for part in parts for c in _columns(part, name)))
        for part in parts:
            pieces = [part] if isinstance(part, pd.DataFrame) else part[0].batches(name, part[1], "_row")
            for piece in pieces:
                yield piece.reindex(columns=columns)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return pd.concat(list(self.batches(name)), ignore_index=True)

    def __iter__(self):
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)


def _columns(part, name: str) -> list[str]:
    if isinstance(part, pd.DataFrame):
        return list(part.columns)
    return part[0].columns(name, part[1])


def kept_aside(parsed) -> tuple[list, list]:
    """The problems and rows set aside (a list of one DataFrame, or none) of a file read in memory
    (a :class:`~recoup_lib.schema.ParsedTable`), as parts of :class:`Problems` and :class:`RowsSetAside`."""
    return parsed.problems, [parsed.rejected] if len(parsed.rejected) else []


def problem_frames(problems):
    """rejected.csv's rows (:func:`~recoup_lib.folder.problems_frame`) of ``problems`` (a list or
    :class:`Problems`), a batch at a time: at least one frame."""
    if not isinstance(problems, Problems):
        yield problems_frame(problems)
        return
    given = False
    for batch in problems.batches():
        given = True
        yield problems_frame(batch)
    if not given:
        yield problems_frame([])


def row_batches(rejected_rows: Mapping, name: str):
    """The rows set aside of file ``name`` (``rejected_rows``: a dict or :class:`RowsSetAside`)."""
    if isinstance(rejected_rows, RowsSetAside):
        yield from rejected_rows.batches(name)
    else:
        yield rejected_rows[name]
