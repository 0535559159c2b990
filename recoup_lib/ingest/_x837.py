"""Read X12 837 claim files (5010 837P and 837I; 4010 too) into claim lines.

:func:`read_837` takes files and folders of them, walked as ``recoup remit`` walks a folder of 835s
(:func:`~recoup_lib.x12.expand`: the same files read, the same skipped, for the same reasons).
How it is read: the tokenizer the 835 reader uses too (:mod:`recoup_lib.x12`) cuts
the bytes into segments with the separators of each ISA (:mod:`._x12cut`);
the pieces that share separators are read together, a few files' worth at a
time, on threads (:class:`_Plan`), each into claim lines by
:mod:`._x837_lines` (which segment gives each field: its docstring lists
them); the lines are put back in the order the files were given
(:func:`_assemble`). A file saved as UTF-16 is read as the 835 reader reads
it (transcoded once, with a warning). A file that is not X12 (named by its
first bytes, or as X12 in lower case, in the 835 reader's words:
:func:`~recoup_lib.x12.x12_bytes`), cannot be read, or is no
regular file is named in the problems, never opened or passed over.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..filekind import not_a_file
from ..schema import SPECS
from ..x12 import expand, x12_bytes
from ._x12cut import cut_file
from ._x12spans import Segments
from ._x837_frequency import CLAIM_COLUMNS, corrected_claims
from ._x837_lines import LINE_COLUMNS, X12_ELEMENTS, read_segments
from ._x837_values import X12_DATE_RANGE

__all__ = ["read_837", "Claims837", "LINE_COLUMNS", "X12_ELEMENTS", "CLAIM_LINES_837"]

#: How an 837 writes the dates of claim lines, said in the messages about them instead of the CSVs' YYYY-MM-DD.
X12_DATES = {"service_date": f"CCYYMMDD (DTP02 D8) or CCYYMMDD-CCYYMMDD (RD8: the first is read, the second not "
                             f"before it), {X12_DATE_RANGE}",
             "submitted_date": f"CCYYMMDD, {X12_DATE_RANGE}"}


#: claim_lines.csv's contract with the 837's own wording for its dates (:data:`X12_DATES`): the same check,
#: what the claim lines read from 837 files are parsed against.
CLAIM_LINES_837 = replace(SPECS["claim_lines.csv"], columns=tuple(
    replace(c, written=X12_DATES[c.name]) if c.name in X12_DATES else c for c in SPECS["claim_lines.csv"].columns))


@dataclass
class Claims837:
    """Claim lines read from 837 files.

    Attributes
    ----------
    lines : dict of str to pyarrow.Array
        :data:`LINE_COLUMNS` as text, plus ``_file`` (the file's label) and
        ``_row`` (the LX segment's 1-based position in its file).
    set_aside : list of (file, segment, reason, text)
        Service lines that could not be read as claim lines, in file order (the files as given,
        then their segments).
    problems : list of (file, segment, message)
        File-level problems (not an 837, unreadable), warnings, and what the walk of a folder
        skipped (hidden entries, documents, links back up, files given twice) with its reason.
    files : list of str
        The labels of the files read (the name, or the path when two files share a name).
    """

    lines: dict[str, pa.Array]
    set_aside: list[tuple[str, int, str, str]] = field(default_factory=list)
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lines["claim_id"])


#: How a file found in a folder of 837s and not read is introduced in the problems (one named is set aside).
_SKIPPED_IN_FOLDER = "skipped (in a folder of 837s)"


def read_837(paths) -> Claims837:
    """Read 837 files (or folders of them) into claim lines; never raises for bad content.

    Parameters
    ----------
    paths : path-like or sequence of path-like
        Files, or folders (read recursively, links to folders followed; hidden files and folders,
        and documents such as ``.pdf`` or ``.csv``, are skipped and named in the problems). A file
        given twice, or found twice, is read once.

    Returns
    -------
    Claims837

    Notes
    -----
    Files are cut a few at a time, in order, and each group of them (a :class:`_Plan` unit) is
    read as soon as it is complete, while the next files are cut: only the files being cut
    or waiting to be read are held in memory, not every file of a large batch at once.
    """
    walked = expand(paths, kind="837")
    files, labels, in_folder = walked.files, walked.labels, walked.in_folder
    problems: list[tuple[str, int, str]] = []
    plan = _Plan()
    reads: list[tuple[tuple[int, int], object]] = []
    workers = _workers()
    with ThreadPoolExecutor(workers) as pool:
        each = pool.map if workers > 1 else map

        def start(units: list) -> None:
            for key, unit in units:
                work = (lambda unit=unit: read_segments(Segments(unit), labels))
                reads.append((key, pool.submit(work) if workers > 1 else _Done(work())))

        cuts = _in_order(pool, _cut, files, 2 * workers) if workers > 1 else map(_cut, files)
        for f, (label, (unreadable, cut)) in enumerate(zip(labels, cuts)):
            if unreadable:
                where = _SKIPPED_IN_FOLDER if f in in_folder else "file set aside"
                problems.append((label, 0, f"{where}: {unreadable}"))
                continue
            found, raw_problems, notes, delimiters = cut
            for rp in raw_problems:
                problems.append((label, rp.segment, f"{rp.segment_id or 'segment'} {rp.element}: expected "
                                 f"{rp.expected}; got {rp.value!r} (the rest of the file is set aside)"))
            for number, expected, found_text in notes:
                found_what = f"; found {found_text}" if found_text else ""
                problems.append((label, number, f"warning: expected {expected}{found_what} (read)"))
            for piece, marks in zip(found, delimiters):
                start(plan.add(f, piece, marks))
        start(plan.finish())
        # Results in the order of the units of each set of separators (as they were always gathered).
        parts, set_aside, warnings = [], [], []
        for _, work in sorted(reads, key=lambda keyed: keyed[0]):
            got, aside, warns = work.result()
            parts.append(got)
            set_aside.extend(aside)
            warnings.extend(warns)
        reads.clear()
        lines = _assemble(parts, labels, each)
    # Warnings in the order of the chunks the files fall in (see _Plan).
    problems += [entry for _, entry in sorted(warnings, key=lambda keyed: keyed[0])]
    rank = {label: i for i, label in enumerate(labels)}
    lines, replaced, notes = corrected_claims(lines, rank)
    problems += notes
    problems += [(label, 0, f"{_SKIPPED_IN_FOLDER if inside else 'skipped'}: {reason}")
                 for label, _, reason, inside in walked.skipped]
    # Lines set aside in file order (a file's, then their segments'), those a correction replaced among them.
    set_aside = sorted(set_aside + replaced, key=lambda entry: (rank[entry[0]], entry[1]))
    return Claims837(lines, set_aside, problems, labels)


class _Done:
    """A result already computed, answering ``result()`` as a future does (reading on one thread)."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def _in_order(pool: ThreadPoolExecutor, fn, items: list, ahead: int):
    """``fn(item)`` for each item, in order, run in ``pool`` at most ``ahead`` items ahead of the caller."""
    pending: deque = deque()
    rest = iter(items)
    for item in islice(rest, ahead):
        pending.append(pool.submit(fn, item))
    while pending:
        done = pending.popleft().result()
        for item in islice(rest, 1):
            pending.append(pool.submit(fn, item))
        yield done


def _workers() -> int:
    """Threads for reading: one per core this process may use (numpy and Arrow release the GIL), at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def _cut(path: Path) -> tuple[str, tuple | None]:
    """(why the file is not read or "", its pieces as :func:`._x12cut.cut_file` gives them or None
    when it is not read). A path that is not a regular file is never opened: reading a pipe waits
    for a writer for ever, and a device never ends. What the file is, and its text (UTF-16
    transcoded, with a warning), are asked once, before anything cuts it, as ``recoup remit`` asks
    (:func:`~recoup_lib.x12.x12_bytes`): a file that is no X12, or X12 in lower case, is
    said to be that, in the words ``recoup remit`` uses."""
    what = not_a_file(path)
    if what is not None:
        return what, None
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})", None
    data, why, transcoded = x12_bytes(data, "837")
    if why:
        return why, None
    found, problems, notes, delimiters = cut_file(data, keep_breaks=True)
    return "", (found, problems, ([transcoded] if transcoded else []) + notes, delimiters)


#: Bytes of files per batch; the batches fix the order in which lines set aside and warnings are reported.
BATCH_BYTES = 1 << 23


class _Plan:
    """Which pieces are read together, decided piece by piece as the files are cut, in file order.

    A *unit* holds whole files of one set of separators, up to about ``size``
    bytes (the pieces of a file are never split between units). Warnings
    are reported *chunk* after chunk: files are taken in
    *batches* of whole files up to about :data:`BATCH_BYTES` bytes, and a chunk
    holds the pieces of one batch that share separators (in order of their
    first appearance in it), so each piece carries its chunk's number.
    Units are keyed by (their set of separators' order of first appearance,
    their place among that set's units).
    """

    def __init__(self, size: int = 1 << 22):
        self.size = size
        self.batch_total, self.batch_last, self.batch_open = 0, None, False
        self.chunk_base, self.batch_groups = 0, {}
        self.groups: dict = {}

    def add(self, f: int, piece, marks) -> list[tuple[tuple[int, int], list]]:
        """Take a piece of file ``f``; return the units it completes (at most one)."""
        size, separators = marks.size, piece.separators
        if self.batch_open and self.batch_total + size > BATCH_BYTES and f != self.batch_last:
            self.chunk_base += len(self.batch_groups)
            self.batch_groups, self.batch_total = {}, 0
        self.batch_open = True
        chunk = self.chunk_base + self.batch_groups.setdefault(separators, len(self.batch_groups))
        self.batch_total += size
        self.batch_last = f
        group = self.groups.setdefault(separators, [len(self.groups), 0, [], 0])
        done = []
        if group[2] and group[3] + size > self.size and f != group[2][-1][0]:
            done.append(((group[0], group[1]), group[2]))
            group[1], group[2], group[3] = group[1] + 1, [], 0
        group[2].append((f, piece, marks, chunk))
        group[3] += size
        return done

    def finish(self) -> list[tuple[tuple[int, int], list]]:
        """The units still open, one per set of separators."""
        done = [((g[0], g[1]), g[2]) for g in self.groups.values() if g[2]]
        self.groups = {}
        return done


def _assemble(parts: list[dict], labels: list[str], each=map) -> dict:
    """The lines of every batch, in file order (as the files were given) and segment order.

    ``each`` maps over the columns (a thread pool's ``map`` joins them in parallel). Each
    column of ``parts`` is dropped from them once joined, so the lines are not held twice.
    """
    if not parts:
        return {name: pa.array([], pa.string()) for name in LINE_COLUMNS + ["_file", "_row"]}  # no CLAIM_COLUMNS
    rows = np.concatenate([p.pop("_row") for p in parts])
    file_index = np.concatenate([p.pop("_file") for p in parts])
    position = {label: i for i, label in enumerate(labels)}
    rank = np.array([position[label] for label in labels], dtype=np.int64)
    key = rank[file_index] if len(file_index) else np.zeros(0, dtype=np.int64)
    in_order = len(key) < 2 or bool(np.all((key[1:] > key[:-1]) | ((key[1:] == key[:-1]) & (rows[1:] >= rows[:-1]))))
    order = None
    if not in_order:
        order = np.lexsort((rows, key))
        rows, file_index = rows[order], file_index[order]
        order = pa.array(order)

    def column(name: str) -> pa.Array:
        if name == "_file":
            if not len(file_index):
                return pa.array([], pa.string())
            names = pa.DictionaryArray.from_arrays(pa.array(file_index.astype(np.int32)), pa.array(labels, pa.string()))
            return names.cast(pa.string())
        joined = pa.concat_arrays([p.pop(name) for p in parts])
        return joined if order is None else joined.take(order)

    names = LINE_COLUMNS + ["_file"] + list(CLAIM_COLUMNS)
    lines = dict(zip(names, each(column, names)))
    lines["_row"] = rows
    return lines
