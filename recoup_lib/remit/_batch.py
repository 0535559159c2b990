"""Read a batch of 835 files into one :class:`~._result.Remit`.

:func:`read_835` reads any number of files (5010 ``005010X221A1``; 4010
``004010X091A1`` too) and returns a :class:`~._result.Remit`: one DataFrame
per level of the 835 (transactions, claim payments, service lines, CAS
adjustments, PLB provider adjustments), the recoupments found in them, and
every problem met.

How a file is read
------------------
Separators come from each ISA header (:mod:`recoup_lib.x12`); a bare ST...SE run
without one is read with ``*``, ``~`` (or line breaks when the file has no
``~``) and ``:``. The work is columnar: segments are located in the bytes as
read, elements are gathered a column at a time into Arrow arrays, and loops are
resolved with numpy (each CAS belongs to the last CLP or SVC before it), so a
few million segments take seconds.

What is set aside
-----------------
A transaction whose money cannot be read (a non-numeric or over-precise BPR,
CLP or PLB amount, no BPR, a file that ends inside one of its segments) is
set aside; a file whose ISA header cannot be read, or that holds no
transaction, is set aside whole; a segment between SE and the next ST is set
aside on its own. Each problem names the file, the segment's 1-based position
in the file, the element and what was expected. Envelope bookkeeping (SE01,
GE01/IEA01 counts, control numbers, an SE missing before the next ST, GS, GE,
ISA or IEA, or before the end of a file cut short between two segments),
segments out of place, line and adjustment amounts that cannot be read (read
as 0, so they cannot balance) and unreadable dates are warnings; the data is
kept. The rest of the batch always loads.

Balancing (docs/sources.md §5.4) is checked, never assumed: a transaction is balanced
when BPR02 = sum of CLP04 - sum of PLB amounts; claims and service lines carry
their own ``balanced`` flags. Unbalanced data is kept and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..filekind import shown
from ..x12 import (NO_X12_START, NOT_X12, TRANSACTION_NAMES, code_name, combine, expand, link_to_nothing,
                   split_interchanges, x12_bytes)
from ._columns import COLUMNS, typed
from ._levels import read_chunk
from ._problems import ACTION, SegmentProblem
from ._recoupments import recoupments, without_original_warnings
from ._result import Remit
from ._files import other_transaction_kinds
from ._repeats import find_repeats

__all__ = ["read_835"]

_TABLES = ("transactions", "payments", "service_lines", "adjustments", "provider_adjustments")
#: How a file skipped is introduced in ``expected``; its reason follows, in the words the 837 reader
#: gives for what it skips (:func:`~recoup_lib.x12.x12_bytes`, :func:`~recoup_lib.x12.expand`).
_SKIPPED = "an 835 file to read; this is "


def _concat(values: list):
    """One column from its chunks; text stays in its chunks (a pandas string column holds
    them as they are), numbers are joined into one array."""
    if isinstance(values[0], pa.Array):
        return pa.chunked_array([v if v.type == pa.large_string() else v.cast(pa.large_string())
                                 for v in values], pa.large_string())
    if isinstance(values[0], list):
        return pa.array([x for v in values for x in v], pa.large_string())
    return np.concatenate([np.asarray(v) for v in values])


def read_835(paths) -> Remit:
    """Read X12 835 remittance files into tables.

    Parameters
    ----------
    paths : path-like or sequence of path-like
        Files, or folders (read recursively, links to folders followed;
        hidden files and folders, and documents such as ``.pdf`` or ``.csv``,
        are skipped and listed). A file given twice, or found twice, is read
        once.

    Returns
    -------
    Remit
        Tables ``transactions``, ``payments``, ``service_lines``,
        ``adjustments``, ``provider_adjustments``, ``recoupments``,
        ``problems`` and ``files`` (see :class:`Remit`). The ``file`` column
        holds the file name, or the path as given when two files share a name.
        A transaction sent twice (same ISA sender, TRN02 trace number and
        amount, in any file) is counted once: the copy in the file whose
        full path sorts first is kept, whatever order the files were given
        in, and the other is reported (saying so when their contents
        differ).

    Notes
    -----
    Set-aside rules and balancing are described in the module docstring.
    Never raises for bad content; a file that cannot be opened is a problem
    of that file like any other.

    Examples
    --------
    >>> remit = read_835(["medicare-part-a.835"])  # doctest: +SKIP
    >>> remit.transactions[["trace_number", "bpr_amount_cents", "balanced"]]  # doctest: +SKIP
    """
    found = expand(paths)
    files, labels = found.files, found.labels
    state = _Files(files)
    parts, txn_file, bad_txn = _parse(_load(files, labels, found.in_folder, state), labels,
                                      state)
    problems, file_bad, segments, skipped = (state.problems, state.file_bad, state.segments,
                                             state.skipped)
    has_txn = np.bincount(txn_file, minlength=len(files)) > 0
    for f in np.flatnonzero(~has_txn & ~file_bad & ~skipped):
        file_bad[f] = True
        problems.append(SegmentProblem(labels[f], 0, "", "", "",
                                       "at least one ST...SE transaction", "error",
                                       ACTION["file"]))
    if file_bad.any():
        bad_txn.update(np.flatnonzero(file_bad[txn_file]).tolist())
        bad_labels = {labels[f] for f in np.flatnonzero(file_bad)}
        problems = [p if p.severity == "warning" or p.file not in bad_labels else SegmentProblem(
            p.file, p.segment, p.segment_id, p.element, p.value, p.expected, p.severity,
            ACTION["file"], p.trace_number) for p in problems]
    repeated = find_repeats(parts, txn_file, bad_txn, labels, problems, found.path_rank())
    for label, path, reason, _ in found.skipped:
        problems.append(SegmentProblem(label, 0, "", "", "", _SKIPPED + reason, "warning", "skipped"))
    _in_file_order(problems, labels)
    by_file = np.argsort(txn_file, kind="stable")
    bounds = np.searchsorted(txn_file[by_file], np.arange(len(files) + 1))
    file_rows = [(label, shown(path), int(segments[f]), by_file[bounds[f]: bounds[f + 1]],
                  bool(skipped[f])) for f, (path, label) in enumerate(zip(files, labels))]
    read = set(labels)
    file_rows += [(label, path, 0, np.zeros(0, np.int64), True)
                  for label, path, _, _ in found.skipped if label not in read]
    return _assemble(parts, labels, txn_file, bad_txn, repeated, problems, file_rows)


def _in_file_order(problems: list[SegmentProblem], labels: list[str]) -> None:
    """Sort ``problems`` in place by file (in the order read), then segment."""
    order = {label: i for i, label in enumerate(labels)}
    problems.sort(key=lambda p: (order.get(p.file, len(order)), p.segment))


@dataclass
class _Files:
    """What reading the files found, file by file (filled while the batch is read)."""

    problems: list
    file_bad: np.ndarray
    segments: np.ndarray
    skipped: np.ndarray

    def __init__(self, files: list[Path]):
        self.problems = []
        self.file_bad = np.zeros(len(files), dtype=bool)
        self.segments = np.zeros(len(files), dtype=np.int64)
        self.skipped = np.zeros(len(files), dtype=bool)


def _load(files: list[Path], labels: list[str], in_folder: set[int], state: _Files):
    """Read and cut every file, one at a time, yielding its pieces; problems go to ``state``.

    A file found in a folder that does not hold X12 (a README, a spreadsheet)
    is skipped with a warning; a file named explicitly is always read, and set
    aside when its first bytes name another format or it is X12 in lower case
    (:func:`~recoup_lib.x12.x12_bytes`, asked once per file, which also transcodes
    UTF-16 text), or when the tokenizer finds no X12 in a file that did not look
    like X12 (a CSV, a letter: said to be no X12, in the words a folder's walk
    uses, with its first line). Each file is cut on its own: whatever it holds,
    the other files are read.
    """
    problems = state.problems
    for f, (path, label) in enumerate(zip(files, labels)):
        try:
            data = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror
            if isinstance(exc, FileNotFoundError):
                reason = link_to_nothing(path) if path.is_symlink() else "file not found"
            problems.append(SegmentProblem(label, 0, "", "", shown(path),
                                           f"a readable file ({reason})", "error",
                                           ACTION["file"]))
            state.file_bad[f] = True
            continue
        data, why, transcoded = x12_bytes(data)
        if why and f in in_folder:
            state.skipped[f] = True
            problems.append(SegmentProblem(label, 0, "", "", "", _SKIPPED + why, "warning", "skipped"))
            continue
        if why and why != NOT_X12:
            state.file_bad[f] = True
            problems.append(SegmentProblem(label, 1, "", "", "", f"an X12 835 file; this is {why}", "error",
                                           ACTION["file"]))
            continue
        kinds = other_transaction_kinds(data) if f in in_folder else []
        if kinds:
            state.skipped[f] = True
            named = ", ".join(TRANSACTION_NAMES.get(k, f"{k} transactions") for k in kinds)
            hint = " (`recoup import` reads 837 claims)" if "837" in kinds else ""
            problems.append(SegmentProblem(label, 0, "", "", "", f"{_SKIPPED}X12 holding "
                                           f"{named}, not remittances{hint}", "warning", "skipped"))
            continue
        try:
            found, raw_problems, notes = split_interchanges(data)
        except Exception as exc:  # one file never stops the batch
            state.file_bad[f] = True
            problems.append(_failure(label, exc))
            continue
        del data
        for rp in raw_problems:
            state.file_bad[f] |= rp.scope == "file"
            if why == NOT_X12 and rp.expected == NO_X12_START:   # a CSV, a letter: no X12, as a folder's walk says
                rp = replace(rp, segment_id="", expected=f"an X12 835 file; this is {NOT_X12}")
            problems.append(SegmentProblem(label, rp.segment, rp.segment_id, rp.element,
                                           rp.value, rp.expected, "error", ACTION[rp.scope]))
        for number, expected, found_text in ([transcoded] if transcoded else []) + notes:
            problems.append(SegmentProblem(label, number, "", "", found_text, expected,
                                           "warning", "kept"))
        state.segments[f] = sum(len(piece) for piece in found)
        for piece in found:
            yield f, piece


def _failure(label: str, exc: Exception) -> SegmentProblem:
    """The problem recorded for a file the reader could not get through."""
    return SegmentProblem(label, 0, "", "", f"{type(exc).__name__}: {exc}"[:200],
                          "a file the reader can get through (this one stopped it; please "
                          "report it with the file)", "error", ACTION["file"])


def _segment_id(chunk, pos: int) -> str:
    """The id of segment ``pos`` as written, for messages (never a packed placeholder)."""
    name = code_name(int(chunk.codes[pos]))
    if name and name.isascii() and name.isalnum():
        return name
    text = chunk.text(pos).split(chunk.separators.element)[0][:12]
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _parse(pieces, labels: list[str], state: _Files):
    """Read the pieces about :data:`CHUNK_BYTES` at a time; gather the columns.

    The files' bytes are dropped once their chunk is read, so memory follows
    the tables, not the files. Should the reader fail on a chunk, it reads its
    files one by one, and a file it still cannot get through is set aside with
    the error: the rest loads.
    """
    found = _parse_pieces([], labels)
    for batch in _batches(pieces):
        try:
            one = _parse_pieces(batch, labels)
        except Exception:
            one = _parse_pieces([], labels)
            for f in sorted({f for f, _ in batch}):
                try:
                    one = _merge(one, _parse_pieces([(g, p) for g, p in batch if g == f], labels))
                except Exception as exc:
                    state.file_bad[f] = True
                    state.problems.append(_failure(labels[f], exc))
        found = _merge(found, one)
    parts, txn_file, bad_txn, new_problems, bad_files = found
    state.problems.extend(new_problems)
    state.file_bad[list(bad_files)] = True
    return parts, txn_file, bad_txn


def _parse_pieces(pieces, labels: list[str]):
    parts: dict[str, dict[str, list]] = {t: {} for t in _TABLES}
    txn_file: list[np.ndarray] = []
    bad_txn: set[int] = set()
    problems: list[SegmentProblem] = []
    bad_files: set[int] = set()
    base = {"tx": 0, "claim": 0, "line": 0}
    for chunk in combine(pieces):
        reader = read_chunk(chunk)
        tx0 = base["tx"]
        traces = reader.out["transactions"]["trace_number"].to_pylist()
        where = reader.txn_of(np.array([p[0] for p in reader.problems], dtype=np.int64))
        for (pos, element, value, expected, scope), local in zip(reader.problems,
                                                                  where.tolist()):
            f = int(chunk.files[pos])
            if scope == "transaction":
                if local < 0:
                    scope = "segment"
                else:
                    bad_txn.add(tx0 + local)
            if scope == "file":
                bad_files.add(f)
            problems.append(SegmentProblem(
                labels[f], int(chunk.numbers[pos]), _segment_id(chunk, pos), element,
                value, expected, "warning" if scope == "warning" else "error", ACTION[scope],
                traces[local] if local >= 0 else ""))
        bad_txn.update((tx0 + np.flatnonzero(~reader.txn_ok)).tolist())
        for table in _TABLES:
            cols = reader.out[table]
            for name, values in cols.items():
                if name == "_tx":
                    values = values + tx0
                elif name == "_claim":
                    values = values + base["claim"]
                elif name == "_line":
                    values = np.where(values >= 0, values + base["line"], -1)
                elif name == "segment":
                    values = chunk.numbers[values]
                parts[table].setdefault(name, []).append(values)
            parts[table].setdefault("_file", []).append(chunk.files[cols["segment"]])
        txn_file.append(chunk.files[reader.txn_start])
        base["tx"] += reader.T
        base["claim"] += len(reader.out["payments"]["segment"])
        base["line"] += len(reader.out["service_lines"]["segment"])
    txn_file_arr = np.concatenate(txn_file) if txn_file else np.zeros(0, dtype=np.int64)
    return parts, txn_file_arr.astype(np.int64), bad_txn, problems, bad_files


#: Bytes of X12 read at once: large enough to amortise the per-chunk work, small enough
#: for the lookups (separator positions, segment starts) to stay in the processor's caches.
CHUNK_BYTES = 4_000_000


def _batches(pieces):
    """The pieces in lists of about :data:`CHUNK_BYTES` (whole files or interchanges)."""
    batch, size = [], 0
    for item in pieces:
        batch.append(item)
        size += len(item[1].data)
        if size >= CHUNK_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _merge(a, b):
    """Join the results of two :func:`_parse_pieces` runs (``b``'s indices shifted)."""
    parts_a, file_a, bad_a, problems_a, files_a = a
    parts_b, file_b, bad_b, problems_b, files_b = b
    shift = {"tx": len(file_a)}
    for key, table in (("claim", "payments"), ("line", "service_lines")):
        shift[key] = sum(len(v) for v in parts_a[table].get("segment", []))
    for table in _TABLES:
        for name, chunks in parts_b[table].items():
            if name == "_tx":
                chunks = [v + shift["tx"] for v in chunks]
            elif name == "_claim":
                chunks = [v + shift["claim"] for v in chunks]
            elif name == "_line":
                chunks = [np.where(v >= 0, v + shift["line"], -1) for v in chunks]
            parts_a[table].setdefault(name, []).extend(chunks)
    bad = bad_a | {t + shift["tx"] for t in bad_b}
    return (parts_a, np.concatenate([file_a, file_b]), bad, problems_a + problems_b,
            files_a | files_b)


def _spread(values: pa.Array, index: np.ndarray) -> pa.Array:
    """``values.take(index)`` for an index made of long runs (a file's or transaction's rows).

    Each run's text is repeated at once instead of being copied value by value; an index
    of many short runs is taken as usual.
    """
    index = np.asarray(index, dtype=np.int64)
    n = len(index)
    cut = np.flatnonzero(index[1:] != index[:-1]) + 1 if n else np.zeros(0, np.int64)
    if n == 0 or len(cut) > max(64, n // 64) or values.null_count:
        return values.take(pa.array(index))
    first = np.concatenate([[0], cut])
    count = np.diff(np.append(first, n))
    texts = [values[int(i)].as_py().encode() for i in index[first]]
    sizes = np.array([len(t) for t in texts], dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.repeat(sizes, count), out=offsets[1:])
    data = b"".join(t * int(k) for t, k in zip(texts, count))
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def _assemble(parts, labels, txn_file, bad_txn, repeated, problems, file_rows) -> Remit:
    T = len(txn_file)
    keep_tx = np.ones(T, dtype=bool)
    if bad_txn:
        keep_tx[sorted(bad_txn)] = False
    repeat_tx = np.zeros(T, dtype=bool)
    repeat_tx[sorted(repeated)] = True
    keep_tx &= ~repeat_tx
    names = pa.array(list(labels) + [""], pa.large_string())
    # Each column's chunks are dropped as soon as they are joined: the memory they free
    # holds the next columns.
    cols = {t: {k: _concat(parts[t].pop(k)) for k in list(parts[t])} for t in _TABLES}
    if cols["transactions"]:
        cols["transactions"]["_tx"] = np.arange(T)
        cols["transactions"]["_file"] = np.asarray(txn_file, dtype=np.int64)
        traces = cols["transactions"]["trace_number"].combine_chunks()
        pay_dates = cols["transactions"]["payment_date"]
    else:
        traces, pay_dates = pa.array([], pa.large_string()), np.zeros(0, "datetime64[us]")

    def kept(table: str) -> dict:
        c = cols[table]
        if not c:
            return {"_tx": np.zeros(0, np.int64), "_file": np.zeros(0, np.int64)}
        keep = keep_tx[c["_tx"]]
        if keep.all():
            out = dict(c)
        else:
            out = {name: values.filter(pa.array(keep))
                   if isinstance(values, (pa.Array, pa.ChunkedArray))
                   else np.asarray(values)[keep] for name, values in c.items()}
        out["file"] = _spread(names, out["_file"])
        out["trace_number"] = _spread(traces, out["_tx"])
        return out

    tr, pay, lines = kept("transactions"), kept("payments"), kept("service_lines")
    adj, plb = kept("adjustments"), kept("provider_adjustments")
    if cols["payments"]:
        claim_tx = cols["payments"]["_tx"]
        seq_all = np.arange(len(claim_tx)) - np.searchsorted(claim_tx, claim_tx, side="left") + 1
        # One array to take from: taking from many chunks costs more than joining them.
        ids_all = cols["payments"]["claim_id"].combine_chunks()
        pay["claim_seq"] = seq_all[keep_tx[claim_tx]]
        pay["payment_date"] = pay_dates[pay["_tx"]]
        for d in (lines, adj):
            d["claim_seq"] = seq_all[d["_claim"]]
            d["claim_id"] = ids_all.take(pa.array(d["_claim"]))
        at_line = adj["_line"] >= 0
        line_seq_all = cols["service_lines"]["line_seq"]
        seq = line_seq_all[np.maximum(adj["_line"], 0)] if len(line_seq_all) else np.zeros(
            len(at_line), np.int64)
        # Nullable integers from the values and the mask at once (no copy, no assignment).
        adj["line_seq"] = pd.arrays.IntegerArray(np.asarray(seq, dtype=np.int64), ~at_line)
        adj["level"] = pc.if_else(pa.array(at_line), pa.scalar("line", pa.large_string()),
                                  pa.scalar("claim", pa.large_string()))
        for name in ("allowed_cents", "line_no"):
            present = np.asarray(lines[f"_{name.removesuffix('_cents')}_present"], dtype=bool)
            lines[name] = pd.arrays.IntegerArray(np.asarray(lines[name], dtype=np.int64), ~present)
    frames = {name: typed(d, name, len(d.get("_tx", [])), owned=True) for name, d in (
        ("transactions", tr), ("payments", pay), ("service_lines", lines),
        ("adjustments", adj), ("provider_adjustments", plb))}
    frames["provider_adjustments"], frames["recoupments"] = recoupments(
        frames["transactions"], frames["payments"], frames["provider_adjustments"])
    unanswered = without_original_warnings(frames["provider_adjustments"])
    if unanswered:
        problems = problems + unanswered
        _in_file_order(problems, labels)
    t = frames["transactions"]
    rec = frames["recoupments"]
    totals = rec.groupby("_tx")["amount_cents"].sum()
    t["recouped_cents"] = t["_tx"].map(totals).fillna(0).astype("int64")
    for name in list(frames):
        frame = frames[name]
        if len(frame) > 1 and "_file" in frame:
            # Files with different separators are read in separate batches; restore file order.
            key = frame["_file"].to_numpy(np.int64) * 2**40 + frame["segment"].to_numpy(np.int64)
            if (np.diff(key) < 0).any():
                frame = frame.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)
        frames[name] = frame.drop(columns=["_tx", "_file"], errors="ignore")
    frames["problems"] = _problem_frame(problems)
    frames["files"] = _file_frame(file_rows, keep_tx, repeat_tx, problems)
    return Remit(**frames)


def _problem_frame(problems: list[SegmentProblem]) -> pd.DataFrame:
    data = {name: [getattr(p, name) for p in problems] for name, _ in COLUMNS["problems"]}
    data["segment"] = np.array(data["segment"], dtype=np.int64)
    return typed(data, "problems", len(problems))


def _file_frame(file_rows, keep_tx, repeat_tx, problems) -> pd.DataFrame:
    errors: dict[str, int] = {}
    warnings: dict[str, int] = {}
    for p in problems:
        bucket = warnings if p.severity == "warning" else errors
        bucket[p.file] = bucket.get(p.file, 0) + 1
    rows = []
    for label, path, segments, idx, skipped in file_rows:
        read = len(idx)
        used = int(keep_tx[idx].sum())
        repeats = int(repeat_tx[idx].sum())
        aside = read - used - repeats
        status = "skipped" if skipped else (
            "repeat" if read and repeats == read else
            "set aside" if used == 0 else ("partly set aside" if aside else "read"))
        rows.append((label, path, status, segments, read, used, aside, repeats,
                     errors.get(label, 0), warnings.get(label, 0)))
    data = {name: [r[i] for r in rows] for i, (name, _) in enumerate(COLUMNS["files"])}
    return typed(data, "files", len(rows))

