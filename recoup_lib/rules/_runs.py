"""The findings of an audit in patient partitions, kept on disk: sorted runs merged a batch at a time.

Each partition's findings (capped, as findings_detail.csv holds them) are
written to a file of their own, already in the in-memory audit's order
(claim_id, line_no, then the rules' order). :meth:`FindingRuns.batches` merges
the files in that order a bounded batch at a time (a k-way merge: every file is
read a few rows at a time), so findings.csv and findings_detail.csv are written
without every finding in memory. The summaries are totals, added up partition
by partition (every finding of a claim line lies in one partition); each
group's place among groups first seen first is that of its first finding in the
merged order.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._summary import (_DIMENSIONS, _capped_with_line_keys, _with_summary_keys, check_dimension, grouped_totals,
                       ordered_totals)

__all__ = ["FindingRuns", "IPC_OPTIONS", "batch_rows", "write_run", "run_path", "merged"]

#: Findings in memory while the runs are merged, over all runs together.
MERGED_ROWS = 25_000
#: Rows held of each run at least (many runs: a few rows of each would make many small rounds).
_LEAST_RUN_ROWS = 64
#: How every file the audit keeps on disk while it runs is written (runs, set-aside runs, partitions).
IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4")


def batch_rows(runs: int) -> int:
    """Rows of each of ``runs`` sorted runs held at once while they are merged: about
    :data:`MERGED_ROWS` together, at least ``_LEAST_RUN_ROWS`` of each."""
    return max(_LEAST_RUN_ROWS, MERGED_ROWS // max(runs, 1))


_SORT_KEY = [("claim_id", "ascending"), ("line_no", "ascending"), ("_order", "ascending")]
_FIRST = ["_first_claim", "_first_line", "_first_order"]


def run_path(folder, number: int) -> Path:
    """The file of partition ``number``'s run in the runs' folder."""
    return Path(folder) / f"{number:05d}.arrows"


def write_run(findings: pd.DataFrame, path: Path, order: dict, batch_rows: int) -> dict:
    """Write one partition's findings (in the in-memory audit's order), capped, to ``path`` in batches of
    ``batch_rows``; return what the merged summaries need of them (see :meth:`FindingRuns.add`)."""
    capped, line_keys = _capped_with_line_keys(findings)
    capped["_order"] = capped["error_type"].map(order).astype("int64")
    keyed = _with_summary_keys(capped, line_keys)
    first_keys = keyed[["claim_id", "line_no", "_order"]].set_axis(_FIRST, axis=1)
    totals = {}
    for by in _DIMENSIONS:
        grouped = grouped_totals(keyed, by, first=True)
        firsts = first_keys.iloc[grouped.pop("_first").to_numpy()].set_axis(grouped.index)
        totals[by] = pd.concat([grouped, firsts], axis=1).reset_index()
    table = pa.Table.from_pandas(capped, preserve_index=False)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema, options=IPC_OPTIONS) as writer:
        writer.write_table(table, max_chunksize=max(1, batch_rows))
    flagged = int(keyed["_linekey"].max()) + 1 if len(keyed) else 0
    return {"totals": totals, "findings": len(capped), "lines_flagged": flagged,
            "at_risk_capped_cents": int(capped["at_risk_capped_cents"].sum())}


class FindingRuns:
    """The sorted runs of an audit's partitions in a temporary folder (removed with this object).

    Parameters
    ----------
    count : int
        How many runs (one per partition, numbered from 0).
    scratch : path-like, optional
        Where the temporary folder goes (default: the system's).
    """

    def __init__(self, count: int, scratch=None):
        self.folder = Path(tempfile.mkdtemp(prefix="recoup-findings-", dir=scratch))
        self._removal = weakref.finalize(self, shutil.rmtree, str(self.folder), True)
        self.count = count
        self.batch_rows = batch_rows(count)
        self.findings = self.lines_flagged = self.at_risk_capped_cents = 0
        self._parts: dict[str, list[pd.DataFrame]] = {by: [] for by in _DIMENSIONS}

    def add(self, written: dict) -> None:
        """Count a run :func:`write_run` wrote."""
        self.findings += written["findings"]
        self.lines_flagged += written["lines_flagged"]
        self.at_risk_capped_cents += written["at_risk_capped_cents"]
        for by, frame in written["totals"].items():
            self._parts[by].append(frame)

    def totals(self, by: str) -> pd.DataFrame:
        """:func:`recoup_lib.rules.summarise` of every finding, from the partitions' totals."""
        check_dimension(by)
        parts = pd.concat(self._parts[by], ignore_index=True)
        parts = parts.sort_values(_FIRST, kind="stable")
        grouped = parts.groupby(by, sort=False)[["lines", "findings", "at_risk_cents", "at_risk_capped_cents"]]
        return ordered_totals(grouped.sum().astype("int64"), by)

    def batches(self):
        """The findings, capped, in the in-memory audit's order: DataFrames of a bounded number of rows
        (at least one, empty when there is no finding), merged from the runs."""
        files = [pa.OSFile(str(run_path(self.folder, n)), "rb") for n in range(self.count)]
        try:
            yield from merged([pa.ipc.open_stream(file) for file in files], self.batch_rows)
        finally:
            for file in files:
                file.close()

    def frame(self) -> pd.DataFrame:
        """Every finding at once (capped), in the in-memory audit's order."""
        return pd.concat(list(self.batches()), ignore_index=True).drop(columns=["_order"])

    def remove(self) -> None:
        self._removal()


def merged(readers: list, batch_rows: int, sort_key: list = _SORT_KEY):
    """The rows of sorted runs (``readers``: Arrow IPC stream readers) in ``sort_key``'s order, as
    DataFrames of a bounded number of rows, ``batch_rows`` or more rows held of each run.

    Each round every run not finished holds at least ``batch_rows`` rows; the smallest of their last
    keys bounds what is certain to come before anything not yet read, and every held row up to it
    is given, sorted (a stable sort: rows of equal keys keep their run's order, and a run's order).
    At least one DataFrame is given, empty when there is no row.
    """
    held: list[pa.Table | None] = [None] * len(readers)
    finished = [False] * len(readers)
    given = False
    while True:
        for n, reader in enumerate(readers):
            while not finished[n] and (held[n] is None or held[n].num_rows < batch_rows):
                try:
                    batch = pa.Table.from_batches([reader.read_next_batch()])
                except StopIteration:
                    finished[n] = True
                    break
                held[n] = batch if held[n] is None else pa.concat_tables([held[n], batch])
        live = [n for n in range(len(readers)) if held[n] is not None and held[n].num_rows]
        if not live:
            break
        bounds = [_last_key(held[n], sort_key) for n in live if not finished[n]]
        bound = min(bounds) if bounds else None
        taken = []
        for n in live:
            upto = held[n].num_rows if bound is None else _rows_up_to(held[n], bound, sort_key)
            taken.append(held[n].slice(0, upto))
            held[n] = held[n].slice(upto)
        merged_rows = pa.concat_tables(taken).combine_chunks()
        given = True
        yield merged_rows.take(pc.sort_indices(merged_rows, sort_keys=sort_key)).to_pandas()
    if not given:
        yield readers[0].schema.empty_table().to_pandas()


def _last_key(table: pa.Table, sort_key: list) -> tuple:
    last = table.slice(table.num_rows - 1, 1)
    return tuple(last.column(name)[0].as_py() for name, _ in sort_key)


def _rows_up_to(table: pa.Table, bound: tuple, sort_key: list) -> int:
    """How many of a sorted run's first rows sort at or before ``bound``."""
    before = None
    for (name, _), value in reversed(list(zip(sort_key, bound))):
        column = table.column(name)
        before = (pc.less_equal(column, value) if before is None
                  else pc.or_(pc.less(column, value), pc.and_(pc.equal(column, value), before)))
    return int(np.count_nonzero(before.to_numpy(zero_copy_only=False)))
