"""Audit in bounded memory: the folder split into patient partitions on disk, audited one by one.

Every contract rule compares a line only with lines of the same patient (plus
the reference tables), so an audit of each patient's lines, put together,
finds exactly what an audit of everything at once finds. This module does
that within a memory budget (``recoup audit FOLDER --max-memory 1GB``):

1. **Split.** Each input file is streamed in pieces. claim_lines.csv,
   payments.csv and documentation.csv are written *as text* to claim buckets
   (a hash of the claim_id), so every row of a claim, its payments and its
   notes land in the same bucket; coverage.csv, which has no key, is parsed
   piece by piece and written to the partition of its patient. The hash, the
   files on disk and the reading in pieces are in :mod:`recoup_lib.rules._split`.
2. **Parse.** Each claim bucket is parsed whole, exactly as the in-memory
   reader parses a file: a repeated (claim_id, line_no) and a payment whose
   line is not usable are found inside the bucket. The usable rows go to the
   partition of their line's patient (a hash of the patient_id).
3. **Audit.** Each patient partition (Arrow IPC, restored in file order) is
   audited with :func:`recoup_lib.rules.audit_tables`, one at a time or a few
   side by side; each partition's findings are written to disk, sorted as the
   in-memory audit sorts them, with their totals for the summaries
   (:mod:`recoup_lib.rules._runs`), and are merged in that order a batch at a
   time when written. Problems and rows set aside, written to disk a bucket
   (or a piece) at a time, are merged back into file order the same way
   (:mod:`recoup_lib.rules._aside`).

The result is the in-memory audit's, byte for byte, in its written files
(tested). What differs is what stays in memory: the counts and the
summaries' totals, not the lines, the findings or what was set aside, so
:attr:`PartitionedAuditResult.lines` is not kept, and ``findings`` and the
inputs' problems and rows set aside are read from disk when asked for.
:func:`plan_partitions` sizes the partitions from measured figures.
"""

from __future__ import annotations

import ctypes
import errno
import gc
import math
import os
import pickle
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError, InvalidParameterError, RecoupError
from ..csvread import read_header, read_table
from ..folder import (
    COUNT_COLUMNS,
    INPUT_FILES,
    REFERENCE_FILES,
    AuditInputs,
    existing_folder,
    files_present,
    line_exists,
    file_counts,
    parsed_or_default,
    required_file_missing,
    set_aside_orphans,
    worker_count,
)
from ..schema import SPECS, ParsedTable, parse_table
from ..wording import parse_size, size_text
from ._engine import AuditResult, audit_tables
from ._registry import RuleRegistry, default_registry
from ._aside import Problems, RowsSetAside, SetAside, kept_aside
from ._runs import FindingRuns, run_path, write_run
from ._split import _FileTally, _Shelf, _bucket, _stream, empty_text

__all__ = ["audit_folder_partitioned", "PartitionedAuditResult", "plan_partitions", "checked_budget"]

#: Memory model: see :func:`plan_partitions` for what each figure is and how it was measured.
_SPLIT_BYTES = 350 * 10**6
_PARENT_BYTES = 200 * 10**6
_WORKER_BYTES = 60 * 10**6
_BYTES_PER_INPUT_BYTE = 8
_SMALLEST_PART = 4 * 10**6
#: Workers are dropped before a partition gets smaller than this (unless the folder is that small).
_SENSIBLE_PART = 16 * 10**6
#: Files the split keeps open per partition: a writer for each input file's bucket.
_FILES_PER_PARTITION = 4
#: Files kept free of the open-file limit: Python's and Arrow's own, the input read, the workers' pipes.
_SPARE_FILES = 64
_FILES_PER_WORKER = 4


def least_memory() -> int:
    """The smallest budget an audit in partitions works within (whatever the folder's size)."""
    return max(_SPLIT_BYTES, _PARENT_BYTES + _WORKER_BYTES + _SMALLEST_PART * _BYTES_PER_INPUT_BYTE)


def checked_budget(max_memory, name: str = "max_memory") -> int:
    """``max_memory`` in bytes (:func:`~recoup_lib.wording.parse_size`), refused when under :func:`least_memory`.

    ``name`` is what the messages call the budget (the command line's ``--max-memory``); the value is
    shown as given, so a budget just under the least is not rounded up to it.

    Raises
    ------
    InvalidParameterError
        Not a size, or one too small for the audit's own memory and one small partition.
    """
    budget = parse_size(max_memory, name)
    least = least_memory()
    if budget < least:
        given = str(max_memory).strip() if isinstance(max_memory, str) else f"{budget:,} bytes"
        raise InvalidParameterError(
            f"{name} {given} is too small to audit in partitions: the audit's own memory (Python, pandas "
            f"and Arrow loaded, the files read in pieces) and one small partition take {size_text(least)}; "
            f"give at least {size_text(least)}")
    return budget


def open_file_limit() -> int | None:
    """How many files this process may have open (its soft ``RLIMIT_NOFILE``; None where unknown)."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to plan for
        return None
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return None if soft == resource.RLIM_INFINITY else int(soft)


def files_open(count: int, side_by_side: int) -> int:
    """About how many files an audit in ``count`` partitions, ``side_by_side`` at a time, keeps open at once."""
    return count * _FILES_PER_PARTITION + _SPARE_FILES + side_by_side * _FILES_PER_WORKER


def plan_partitions(input_bytes: int, max_memory: int, workers: int,
                    open_files: int | None = None) -> tuple[int, int]:
    """How many patient partitions, and how many audited side by side, fit ``max_memory`` and the
    open-file limit (``open_files``; default :func:`open_file_limit`).

    The model, from resident memory measured on generated practices of three and ten million
    lines (``bench/audit_partitioned.py``; each figure in a fresh process):

    - the process alone peaks at about 320 MB (:data:`_SPLIT_BYTES`: 350 MB) while it splits the
      files: 140 MB of Python, pandas and Arrow, and a file read 8 MB at a time; its findings are
      written in batches of about 90 MB (:data:`~recoup_lib.rules._runs.MERGED_ROWS` findings);
    - it holds about 180 MB (:data:`_PARENT_BYTES`: 200 MB) while partitions are audited, the
      memory the split freed given back first;
    - auditing a partition of ``P`` bytes of CSV input, in this process or in a worker forked from
      it, takes 42 MB + 5.8 ``P`` more (measured on partitions of 8 to 66 MB: 90 to 424 MB), and
      parsing a claim bucket of that size before it 5.8 ``P`` over 200 MB: each partition is given
      :data:`_WORKER_BYTES` (60 MB) + :data:`_BYTES_PER_INPUT_BYTE` (8) bytes per byte of input.

    The budget is shared among the workers, so many workers make small partitions, and the split
    keeps a file open per input file and partition (:func:`files_open`). Workers are dropped (down
    to one, audited in this process) before a partition gets smaller than :data:`_SENSIBLE_PART`
    (unless the folder shared among them is smaller still) and while the partitions would open
    more files than the limit allows.

    Raises
    ------
    InvalidParameterError
        The budget cannot hold the process itself and one small partition, or the folder needs
        more partitions within it than the open-file limit allows.
    """
    checked_budget(max_memory)
    limit = open_file_limit() if open_files is None else open_files
    count = 1
    for side_by_side in range(max(1, workers), 0, -1):
        part_bytes = ((max_memory - _PARENT_BYTES) / side_by_side - _WORKER_BYTES) / _BYTES_PER_INPUT_BYTE
        count = max(1, math.ceil(input_bytes / part_bytes))
        small = part_bytes < min(_SENSIBLE_PART, input_bytes / side_by_side) and side_by_side > 1
        if part_bytes >= _SMALLEST_PART and not small and (limit is None or files_open(count, side_by_side) <= limit):
            return count, side_by_side
    raise InvalidParameterError(
        f"a memory budget of {size_text(max_memory)} needs {count:,} patient partitions for the folder's "
        f"{size_text(input_bytes)} of input, and the split keeps about {files_open(count, 1):,} files open "
        f"for them: over this process's limit of {limit:,} open files; raise the limit (ulimit -n "
        f"{files_open(count, 1)}) or give the audit more memory (fewer, larger partitions)")


class PartitionedAuditResult(AuditResult):
    """An :class:`AuditResult` whose lines stayed on disk, partition by partition.

    The rules run and the counts are all here, and what was set aside
    (``inputs.problems`` and ``inputs.rejected_rows`` read it from disk when
    asked: :mod:`~recoup_lib.rules._aside`); ``lines`` and ``context`` are not
    kept (holding them is what the memory budget avoids). Audit without
    ``max_memory`` to explore lines in memory.

    Given ``runs`` (:class:`~recoup_lib.rules._runs.FindingRuns`), the findings
    stay on disk too: :meth:`write`, :meth:`summary` and :meth:`totals` work
    from the runs and their totals, and ``findings`` is read into memory only
    when asked for.
    """

    def __init__(self, *, findings=None, rules_run, switched_off, inputs, lines_audited: int,
                 lines_paid: int, how: str, runs: FindingRuns | None = None):
        self.runs = runs
        super().__init__(findings=findings, context=None, rules_run=rules_run,
                         switched_off=switched_off, inputs=inputs)
        self._counts = (int(lines_audited), int(lines_paid))
        self.how = how

    @property
    def findings(self) -> pd.DataFrame:
        if self.__dict__.get("_findings") is None and self.runs is not None:
            self.__dict__["_findings"] = self.runs.frame().drop(columns=["at_risk_capped_cents"])
        return self.__dict__.get("_findings")

    @findings.setter
    def findings(self, value: pd.DataFrame | None) -> None:
        self.__dict__["_findings"] = value
        if value is not None:
            self.runs = None

    def _spilled(self) -> FindingRuns | None:
        return self.runs

    @property
    def finding_count(self) -> int:
        return self.runs.findings if self.runs is not None else super().finding_count

    @property
    def lines_flagged(self) -> int:
        return self.runs.lines_flagged if self.runs is not None else super().lines_flagged

    @property
    def total_at_risk_cents(self) -> int:
        return self.runs.at_risk_capped_cents if self.runs is not None else super().total_at_risk_cents

    def totals(self, by: str = "category") -> pd.DataFrame:
        return self.runs.totals(by) if self.runs is not None else super().totals(by)

    @property
    def lines(self) -> pd.DataFrame:
        raise InvalidParameterError(f"this audit ran {self.how}: its lines were not kept in memory; "
                                    "audit without max_memory (and with engine='pandas') to explore them")

    @property
    def lines_audited(self) -> int:
        return self._counts[0]

    @property
    def lines_paid(self) -> int:
        return self._counts[1]

    def explain(self, claim_id: str) -> str:
        raise InvalidParameterError(f"this audit ran {self.how}: its lines were not kept in memory, so "
                                    "claims cannot be explained from it; audit without max_memory to do so")


# --------------------------------------------------------------------------- stage 3 (in a worker)


#: The job forked workers share (set just before they start; nothing of it is pickled, so
#: rules written in a notebook or inside a function run there too).
_FORKED_JOB: tuple | None = None


def _audit_forked(number: int) -> dict:
    return _audit_partition(number, *_FORKED_JOB)


def _audit_partitions(job: tuple, count: int, side_by_side: int) -> list[dict]:
    """Audit partitions ``0 .. count - 1``: in this process, or ``side_by_side`` at a time.

    Workers are forked where the system can: one starts at once, sees rules
    defined anywhere (a notebook, a function), and never re-runs the caller's
    script, which a spawned worker does without a ``__main__`` guard; Arrow
    resets its thread pools in a forked child.
    """
    global _FORKED_JOB
    _give_back_freed_memory()
    if side_by_side < 2 or count < 2:
        return [_audit_partition(number, *job) for number in range(count)]
    workers = min(side_by_side, count)
    if "fork" in get_all_start_methods():
        _FORKED_JOB = job
        gc.freeze()
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
                return list(pool.map(_audit_forked, range(count)))
        finally:
            _FORKED_JOB = None
            gc.unfreeze()
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(_audit_partition, range(count), *[[value] * count for value in job]))


def _give_back_freed_memory() -> None:
    """Hand the memory the split freed back to the system before the partitions are audited.

    The C allocator keeps what the split's pieces freed (over a hundred megabytes, measured on
    three million lines) as part of this process's resident memory, and forked workers would
    start sharing it: trimmed, it is neither counted against the budget nor copied.
    """
    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator gives memory back by itself, or keeps it
        pass


def _audit_partition(number: int, root: str, templates: dict, references: dict, rules, extra_rules, only,
                     runs: str, order: dict, batch_rows: int):
    """Audit one patient partition; write its findings, sorted, to the run file ``number`` in the
    folder ``runs`` (:func:`~recoup_lib.rules._runs.write_run`); return the counts the summaries need."""
    shelf = _Shelf(Path(root))
    tables = {}
    for table, template in templates.items():
        frame = shelf.take(table, number)
        frame = template if frame is None else frame
        tables[table] = frame.sort_values("_row", kind="stable").reset_index(drop=True)
    result = audit_tables(
        tables["claim_lines"], tables["payments"], coverage=tables.get("coverage"),
        documentation=tables.get("documentation"), rules=rules, extra_rules=extra_rules, only=only,
        check=False, **references)
    lines = result.lines
    written = write_run(result.findings.assign(_line=-1), run_path(runs, number), order, batch_rows)
    return {"run": written, "rules_run": [r.error_type for r in result.rules_run],
            "switched_off": result.switched_off, "lines": len(lines),
            "paid": int((lines["paid_cents"] > 0).sum())}


# --------------------------------------------------------------------------- the audit


def _refuse_whole_table_rules(registry: RuleRegistry, extra_rules, only, how: str) -> None:
    chosen = registry.copy()
    for rule in extra_rules:
        chosen.add(rule)
    if only is not None:
        chosen = chosen.select(only)
    whole = [r for r in chosen if not r.patient_local]
    if whole:
        names = ", ".join(f"{r.error_type} ({r.rule_id})" for r in whole)
        raise InvalidParameterError(
            f"rule(s) {names} may compare lines of different patients, so they cannot run {how}; "
            "audit in memory (no max_memory, engine='pandas'), or declare "
            "custom_rule(..., patient_local=True) if the rule only compares lines of one patient")


def audit_folder_partitioned(folder, max_memory, *, workers: int | None = None,
                             rules: RuleRegistry | None = None, extra_rules=(), only=None,
                             use_defaults: bool = True, scratch: str | os.PathLike | None = None,
                             partitions: int | None = None) -> PartitionedAuditResult:
    """Audit a folder within ``max_memory`` (see the module docstring for how).

    Parameters
    ----------
    folder : path-like
    max_memory : int or str
        Budget for this process and its workers together (``"1GB"``).
    workers : int, optional
        Partitions audited side by side (default: every core, fewer if the
        budget is tight).
    rules, extra_rules, only, use_defaults
        As for :func:`recoup_lib.rules.audit_folder`. Every rule must be
        patient-local (see :class:`~recoup_lib.rules.Rule`).
    scratch : path-like, optional
        Where the partitions are written (default: the system's temporary
        folder); removed at the end.
    partitions : int, optional
        How many patient partitions (default: as many as the budget needs;
        see :func:`plan_partitions`).

    Returns
    -------
    PartitionedAuditResult
    """
    folder = existing_folder(folder)
    budget = checked_budget(max_memory)
    registry = rules if rules is not None else default_registry()
    _refuse_whole_table_rules(registry, extra_rules, only, "on patient partitions")
    present = files_present(folder, INPUT_FILES)
    for name in INPUT_FILES:
        if SPECS[name].required and name not in present:
            raise InputError(required_file_missing(folder, name))
        if name in present:
            read_header(folder / name, SPECS[name], name)
    input_bytes = sum((folder / name).stat().st_size for name in present)
    count, side_by_side = plan_partitions(input_bytes, budget, worker_count(workers))
    if partitions is not None:
        if int(partitions) < 1:
            raise InvalidParameterError(f"partitions must be a whole number >= 1; got {partitions}")
        count = int(partitions)
    if "fork" not in get_all_start_methods():
        try:
            pickle.dumps((registry, tuple(extra_rules)))
        except Exception:  # noqa: BLE001 - a rule defined in a notebook cannot go to a spawned process
            side_by_side = 1

    # Everything written to disk goes at once if the audit raises (the partitions with their
    # folder; the runs and what was set aside, which a result would have read from, too).
    aside, tmp, shelf, runs = SetAside(count, scratch), None, None, None
    try:
        tmp = tempfile.mkdtemp(prefix="recoup-partitions-", dir=scratch)
        shelf = _Shelf(Path(tmp))
        tallies = {name: _FileTally(name, aside) for name in present}
        # What a partition holds when none of a file's rows fall in it: the file's columns, typed.
        templates = {name.removesuffix(".csv"): _empty_parsed(folder / name, name).data for name in present}

        # 1. split: by claim as text; coverage parsed, by patient.
        for name in present:
            table = name.removesuffix(".csv")
            if name == "coverage.csv":
                def consume(raw, rows):
                    parsed = parse_table(raw, SPECS["coverage.csv"], label="coverage.csv", row_numbers=rows)
                    tallies["coverage.csv"].add(parsed)
                    shelf.put("coverage", parsed.data, _bucket(parsed.data["patient_id"], count))
            else:
                def consume(raw, rows, table=table):
                    shelf.put("text_" + table, raw.assign(_row=rows), _bucket(raw["claim_id"], count))

            def restart(name=name, table=table):
                tallies[name] = _FileTally(name, aside)
                aside.drop(name)
                shelf.drop("coverage" if name == "coverage.csv" else "text_" + table)

            def malformed(rows, name=name):
                tallies[name].add_broken(rows)
            tallies[name].blank_rows = _stream(folder / name, name, consume, restart, malformed)
        shelf.close()
        tallies = {name: tallies[name] for name in present}

        # 2. parse claim bucket by bucket; usable rows go to their patient's partition.
        for bucket in range(count):
            parsed = {}
            for name in present:
                if name == "coverage.csv":
                    continue
                table = name.removesuffix(".csv")
                raw = shelf.take("text_" + table, bucket, text=True)
                if raw is None:
                    raw, rows = _empty_text(folder / name, name), np.zeros(0, dtype=np.int64)
                else:
                    raw = raw.sort_values("_row", kind="stable").reset_index(drop=True)
                    rows = raw.pop("_row").to_numpy(dtype=np.int64)
                parsed[table] = parse_table(raw, SPECS[name], label=name, row_numbers=rows)
                tallies[name].add(parsed[table])
            lines = parsed["claim_lines"].data
            part = _bucket(lines["patient_id"], count)
            shelf.put("claim_lines", lines, part)
            where = lines[["claim_id", "line_no"]].assign(_part=part)
            payments = parsed["payments"].data
            orphan = ~line_exists(lines, payments)
            if orphan.any():
                payments, problems, extra = set_aside_orphans(payments, orphan)
                aside.add_problems("payments.csv", "orphan problems", problems)
                aside.add_rows("payments.csv", "orphan rows", extra)
                tallies["payments.csv"].rows_used -= int(orphan.sum())
            shelf.put("payments", payments, _partition_of(payments, where))
            if "documentation" in parsed:
                notes = parsed["documentation"].data
                number = _partition_of(notes, where)
                keep = number >= 0
                shelf.put("documentation", notes.loc[keep], number[keep])
        shelf.close()
        for table in ("claim_lines", "payments", "documentation"):
            shutil.rmtree(Path(tmp) / ("text_" + table), ignore_errors=True)

        orphans = aside.count("payments.csv", "orphan rows")
        inputs = _inputs(folder, present, tallies, (aside, "payments.csv", "orphan problems") if orphans else [],
                         [(aside, "orphan rows")] if orphans else [], use_defaults)
        references = {name.removesuffix(".csv"): inputs.table(name) for name in REFERENCE_FILES}

        # 3. audit partition by partition; each one's findings go to a sorted run on disk.
        runs = FindingRuns(count, scratch)
        job = (tmp, templates, references, rules, tuple(extra_rules), only, str(runs.folder),
               rule_order(registry, extra_rules, only), runs.batch_rows)
        parts = _audit_partitions(job, count, side_by_side)
        _give_back_freed_memory()
        for part in parts:
            runs.add(part["run"])
        by_type = {r.error_type: r for r in list(registry) + list(extra_rules)}
        return PartitionedAuditResult(
            runs=runs, rules_run=[by_type[e] for e in parts[0]["rules_run"]],
            switched_off=parts[0]["switched_off"], inputs=inputs,
            lines_audited=sum(p["lines"] for p in parts), lines_paid=sum(p["paid"] for p in parts),
            how=f"in {count} patient partitions within {budget / 10**9:.2f} GB")
    except BaseException as exc:
        if shelf is not None:
            shelf.abandon()  # its open files first: removing a folder opens files too
        for kept in (runs, aside):
            if kept is not None:
                kept.remove()
        if isinstance(exc, OSError) and exc.errno == errno.EMFILE:
            raise too_many_open_files(count, side_by_side) from None
        raise
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def too_many_open_files(count: int, side_by_side: int) -> RecoupError:
    """The error of an audit in partitions that ran out of open files (what was written is removed)."""
    limit = open_file_limit()
    needs = files_open(count, side_by_side)
    return RecoupError(
        f"too many open files: the audit in {count:,} patient partitions keeps about {needs:,} files open "
        f"at once, and this process may open {limit if limit is None else f'{limit:,}'} (ulimit -n); nothing "
        f"was written. Raise the limit (ulimit -n {max(needs * 2, 1024)}) and run again, or give the audit "
        "more memory (fewer, larger partitions)")


def _empty_text(path: Path, name: str) -> pd.DataFrame:
    return empty_text(read_header(path, SPECS[name], name))


def _empty_parsed(path: Path, name: str) -> ParsedTable:
    return parse_table(_empty_text(path, name), SPECS[name], label=name)


def _partition_of(rows: pd.DataFrame, where: pd.DataFrame) -> np.ndarray:
    """Partition of each row's claim line (-1 where the line is not there)."""
    joined = rows[["claim_id", "line_no"]].merge(where, on=["claim_id", "line_no"], how="left")
    return joined["_part"].fillna(-1).to_numpy(dtype=np.int64)


def rule_order(registry: RuleRegistry, extra_rules=(), only=None) -> dict[str, int]:
    """Each error type's rank in the in-memory audit's order of a line's findings (as the engine ranks
    the rules)."""
    from ._vocabulary import ERROR_TYPES

    chosen = registry.copy()
    for rule in extra_rules:
        chosen.add(rule)
    if only is not None:
        chosen = chosen.select(only)
    return {e: i for i, e in enumerate(list(ERROR_TYPES) + [r.error_type for r in chosen])}


def merge_findings(frames: list[pd.DataFrame], registry: RuleRegistry, extra_rules=(), only=None) -> pd.DataFrame:
    """Findings of several partitions in the in-memory audit's order (claim, line, then the
    rules' order as the engine ranks them)."""
    order = rule_order(registry, extra_rules, only)
    frames = [f for f in frames if len(f)] or frames[:1]
    findings = pd.concat(frames, ignore_index=True)
    findings["_order"] = findings["error_type"].map(order)
    findings = findings.sort_values(["claim_id", "line_no", "_order"], kind="stable")
    return findings.drop(columns=["_order"]).reset_index(drop=True)


def _inputs(folder: Path, present, tallies, orphan_problems, orphan_rows, use_defaults) -> AuditInputs:
    """What the in-memory reader would report: counts, problems and rows set aside, in its order."""

    def read_reference(name: str):
        return read_table(folder / name, name, skip_blank_rows=True) if files_present(folder, [name]) else None

    return _inputs_from(folder, present, tallies, {}, orphan_problems, orphan_rows, use_defaults, read_reference)


def _inputs_from(folder, present, tallies, broken, orphan_problems, orphan_rows, use_defaults,
                 read_reference) -> AuditInputs:
    """:func:`_inputs`, reading the folder's reference files with ``read_reference(name)``.

    ``broken``: each file's malformed rows not yet in its tally; ``orphan_problems`` and
    ``orphan_rows``: the payments set aside for want of their line, a list of problems and
    DataFrames, or their runs on disk (:mod:`~recoup_lib.rules._aside`). Problems and rows set aside
    written to disk stay there: :class:`~recoup_lib.rules._aside.Problems` and
    :class:`~recoup_lib.rules._aside.RowsSetAside` read them when asked.
    """
    sources, counts, problem_parts, row_parts, tables = {}, [], [], {}, {}
    parsed_files = {name: parsed for name in REFERENCE_FILES if (parsed := read_reference(name)) is not None}
    parsed_files.update({name: tallies[name].parsed(broken.get(name, ())) for name in present})
    for name in INPUT_FILES + REFERENCE_FILES:
        parsed, sources[name] = parsed_or_default(folder, name, parsed_files, use_defaults)
        if parsed is None:
            tables[name] = None
            continue
        tables[name] = parsed.data if name in REFERENCE_FILES else None
        problems, rows = tallies[name].set_aside(parsed) if name in tallies else kept_aside(parsed)
        problem_parts.append(problems)
        if rows:
            row_parts[name] = rows
        counts.append(file_counts(name, parsed, tallies[name].rows_used if name in tallies else parsed.rows_used))
    if orphan_rows and isinstance(orphan_problems, list):
        problem_parts.append(sorted(orphan_problems, key=lambda p: p.row))
        row_parts.setdefault("payments.csv", []).append(
            pd.concat(orphan_rows, ignore_index=True).sort_values("_row", kind="stable"))
    elif orphan_rows:
        problem_parts.append(orphan_problems)
        row_parts.setdefault("payments.csv", []).extend(orphan_rows)
    if any(not isinstance(part, list) for part in problem_parts):
        problems, rejected_rows = Problems(problem_parts), RowsSetAside(row_parts)
    else:
        problems = [problem for part in problem_parts for problem in part]
        rejected_rows = {name: rows[0] if len(rows) == 1 else pd.concat(rows, ignore_index=True)
                         for name, rows in row_parts.items()}
    counts_frame = pd.DataFrame(counts, columns=COUNT_COLUMNS)
    counts_frame["source"] = counts_frame["file"].map(sources)
    return AuditInputs(
        claim_lines=None, payments=None, coverage=None, documentation=None,
        fee_schedule=tables["fee_schedule.csv"], ncci_ptp=tables["ncci_ptp.csv"], mue=tables["mue.csv"],
        payer_policies=tables["payer_policies.csv"], sources=sources, counts=counts_frame,
        problems=problems, rejected_rows=rejected_rows, folder=Path(folder) if isinstance(folder, str)
        and "://" not in folder and not folder.startswith("dbfs:") else folder)
