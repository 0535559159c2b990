"""Reading and writing the audit folder of ``docs/contract.md`` (I/O at the edge).

:func:`read_audit_folder` is the single door through which users' files enter
the kit. It checks that required files and columns exist (stopping the run
with one clear line if not), parses every file with its contract
(:func:`~recoup_lib.csvread.read_table`), falls back to the shipped reference
tables where the folder has none, and sets aside unusable rows with their
reasons so that ``rows read = rows used + rows set aside`` holds for every
file.

:func:`write_csv` (from :mod:`recoup_lib.csvout`) and :func:`read_table` /
:func:`read_csv_text` (from :mod:`recoup_lib.csvread`) are re-exported here:
one import for lessons and notebooks that read and write contract files.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from . import reference
from .csvout import csv_bytes, to_text_frame, to_text_table, write_csv
from .csvread import read_csv_text, read_table
from .errors import WHOLE_LINE, WHOLE_PAYMENT, WHOLE_ROW, InputError, InvalidParameterError, NothingUsableError, Problem
from .filekind import present, workbook_hint
from .schema import SPECS, ZEROS_DROPPED, ClaimKeys, claim_keys, leading_zero_twins, line_key, value_codes
from .wording import no_usable_row, rows_counted

__all__ = [
    "AuditInputs",
    "read_csv_text",
    "read_table",
    "read_audit_folder",
    "write_csv",
    "csv_bytes",
    "to_text_frame",
    "to_text_table",
    "INPUT_FILES",
    "REFERENCE_FILES",
    "LINE_KEY",
    "COUNT_COLUMNS",
    "file_counts",
    "counts_said",
    "counts_worth_saying",
    "set_aside_alarm",
    "required_file_alarms",
    "optional_file_warnings",
    "existing_folder",
    "files_present",
    "why_absent",
    "required_file_missing",
    "workbook_in_place_of",
]

#: Files of the audit folder, in reading order.
INPUT_FILES = ("claim_lines.csv", "payments.csv", "coverage.csv", "documentation.csv")
#: Reference files: the folder's copy wins, else the shipped default is used.
REFERENCE_FILES = ("fee_schedule.csv", "ncci_ptp.csv", "mue.csv", "payer_policies.csv")
#: What an audit counts of each file it read (:attr:`AuditInputs.counts`, run.json's ``files``).
COUNT_COLUMNS = ["file", "rows_read", "rows_used", "rows_set_aside", "blank_rows_skipped"]


@dataclass
class AuditInputs:
    """Everything an audit reads, typed and checked.

    Attributes
    ----------
    claim_lines, payments : pandas.DataFrame
        Usable rows of the two required files. Payments whose line is not a
        usable claim line are set aside (reason given).
    coverage, documentation : pandas.DataFrame or None
        ``None`` when the folder has no such file (their rules switch off).
    fee_schedule, ncci_ptp, mue, payer_policies : pandas.DataFrame or None
        From the folder if present, else the shipped default.
    sources : dict
        For each file: ``"folder"``, ``"shipped default"`` or ``"absent"``.
    counts : pandas.DataFrame
        Per file (:data:`COUNT_COLUMNS`): rows_read = rows_used + rows_set_aside +
        blank_rows_skipped (rows blank in every cell, ``,,,`` as Excel saves an empty row), and source.
    problems : list of Problem
    rejected : pandas.DataFrame
        One row per problem: file, row, column, value, reason.
    rejected_rows : dict of str to pandas.DataFrame
        The set-aside rows of each file as read, with ``_row`` and ``_reason``.
    errors, warnings : list of str
        A required file with every row set aside (the audit stops: see
        :meth:`require_usable`), or more than half (the audit warns).
    claim_keys : ClaimKeys or None
        The claim ids of ``claim_lines`` as ranked integers and the position of each payment's
        claim among them (:class:`~recoup_lib.schema.ClaimKeys`), made to find the payments
        without a claim line; None where the claim ids do not pack. The first audit of these
        inputs (:func:`~recoup_lib.rules.run_audit`) takes them over, and sets this to None.
    """

    claim_lines: pd.DataFrame
    payments: pd.DataFrame
    coverage: pd.DataFrame | None = None
    documentation: pd.DataFrame | None = None
    fee_schedule: pd.DataFrame | None = None
    ncci_ptp: pd.DataFrame | None = None
    mue: pd.DataFrame | None = None
    payer_policies: pd.DataFrame | None = None
    sources: dict[str, str] = field(default_factory=dict)
    counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[Problem] = field(default_factory=list)
    rejected_rows: dict[str, pd.DataFrame] = field(default_factory=dict)
    folder: Path | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    claim_keys: ClaimKeys | None = None

    @property
    def rejected(self) -> pd.DataFrame:
        """One row per problem (file, row, column, value, reason, message)."""
        return problems_frame(self.problems)

    def table(self, name: str) -> pd.DataFrame | None:
        return getattr(self, name.removesuffix(".csv"))

    def require_usable(self) -> "AuditInputs":
        """Return self, or raise :class:`~recoup_lib.errors.NothingUsableError` (carrying these
        inputs, so the rows set aside can still be written) when every row of a required file
        was set aside.

        ``errors`` and ``warnings`` (more than half set aside) come from
        :func:`set_aside_alarm`; the audit calls this before it runs.
        """
        if self.errors:
            raise NothingUsableError(self.errors[0], set_aside=self)
        return self


def existing_folder(folder, expected: str = "an audit folder with claim_lines.csv") -> Path:
    """``folder`` as a path, or an :class:`~recoup_lib.errors.InputError` saying what is wrong with it.

    A command given one file of a folder (``recoup audit practice/claim_lines.csv``)
    is told to give the folder that holds it, not that the folder does not exist.
    """
    folder = Path(folder)
    if folder.is_dir():
        return folder
    if folder.exists():
        raise InputError(f"{folder}: a file, not a folder (expected {expected}); give the folder that holds "
                         f"it: {folder.parent}")
    raise InputError(f"{folder}: no such folder (expected {expected})")


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table: file, row, column, value, reason, message."""
    return pd.DataFrame(
        {
            "file": [p.file for p in problems],
            "row": [p.row for p in problems],
            "column": [p.column for p in problems],
            "value": [p.value for p in problems],
            "reason": [p.expected if p.row == 0 else f"expected {p.expected}" for p in problems],
            "message": [p.message for p in problems],
        },
        columns=["file", "row", "column", "value", "reason", "message"],
    )


def worker_count(workers: int | None = None) -> int:
    """How many workers to use: ``None`` or 0 means every core of this machine."""
    if workers is None or workers == 0:
        return os.cpu_count() or 1
    if workers < 0:
        raise InvalidParameterError(f"workers must be a whole number >= 0; got {workers}")
    return int(workers)


def files_present(folder: Path, names) -> list[str]:
    """Those of ``names`` that ``folder`` holds, as a file or as anything else under that name.

    A folder named ``coverage.csv`` (an export unzipped under the file's name),
    or a link to a file since moved, counts as present, so reading it stops the
    run saying what it is (:func:`~recoup_lib.filekind.not_a_file`), rather than
    calling a required file "not found" or passing an optional one over as
    absent and switching its rules off in silence.
    """
    return [name for name in names if present(folder / name)]


def parsed_or_default(folder: Path, name: str, parsed_files: dict, use_defaults: bool):
    """``(parsed, source)`` of one file of the folder: the folder's own (already parsed, in
    ``parsed_files``), else the shipped default, else ``(None, "absent")``.

    Raises
    ------
    InputError
        A required file is missing.
    """
    if name in parsed_files:
        return parsed_files[name], "folder"
    if SPECS[name].required:
        raise InputError(required_file_missing(folder, name))
    if use_defaults and name in REFERENCE_FILES and reference.has_default(name):
        return reference.load_default_parsed(name), "shipped default"
    return None, "absent"


def required_file_missing(folder: Path, name: str) -> str:
    """The message of a required file the folder does not hold, naming a workbook saved in its place."""
    workbook = workbook_in_place_of(folder, name)
    return f"{name}: required file not found in {folder}" + (f"; {workbook}" if workbook else "")


def workbook_in_place_of(folder, name: str) -> str:
    """What to do when ``folder`` holds a workbook under ``name``'s stem (``documentation.xlsx``) and no
    ``name`` (``documentation.csv``): the audit reads only the CSV, and said no more than that the
    CSV was missing (:func:`recoup_lib.filekind.workbook_hint`). "" when there is no such
    workbook, or ``folder`` is no local folder (Spark's).
    """
    return workbook_hint(folder / name, "the audit") if isinstance(folder, Path) else ""


def why_absent(name: str) -> str:
    """Why an audit has no ``name`` (``fee_schedule.csv``), for the message of a rule switched off:
    a reference table the kit ships is missing only when the shipped defaults were left out
    (``--no-defaults``); the other optional files have no default."""
    if name in REFERENCE_FILES and reference.has_default(name):
        return f"no {name} in the folder, and the shipped default is not used (--no-defaults)"
    return f"no {name} in the folder and no shipped default"


def read_audit_folder(folder: str | Path, use_defaults: bool = True, workers: int | None = None) -> AuditInputs:
    """Read an audit folder as ``docs/contract.md`` describes it.

    Parameters
    ----------
    folder : path-like
        Holds ``claim_lines.csv`` and ``payments.csv`` (required) and any of
        the optional files.
    use_defaults : bool, default True
        Use the shipped reference table where the folder has none.
    workers : int, optional
        Files read side by side (default: every core).

    Returns
    -------
    AuditInputs

    Raises
    ------
    InputError
        The folder, a required file, or a required column is missing.
    """
    folder = existing_folder(folder)
    tables: dict[str, pd.DataFrame | None] = {}
    sources: dict[str, str] = {}
    counts = []
    problems: list[Problem] = []
    rejected_rows: dict[str, pd.DataFrame] = {}
    present = files_present(folder, INPUT_FILES + REFERENCE_FILES)
    # Arrow reads and converts outside the interpreter lock, so files read side by side use
    # every core; a file's error is still raised in reading order. Which payments have a claim
    # line is found here while the files after the two required ones are still being read.
    orphan = keys = None
    with ThreadPoolExecutor(max_workers=max(1, min(len(present), worker_count(workers)))) as pool:
        reading = {name: pool.submit(read_table, folder / name, name, skip_blank_rows=True) for name in present}
        parsed_files = {}
        try:
            for name in present:
                parsed_files[name] = reading[name].result()
                if name == "payments.csv" and "claim_lines.csv" in parsed_files:
                    found, keys = lines_found(parsed_files["claim_lines.csv"].data, parsed_files[name].data)
                    orphan = ~found
        except BaseException:
            for future in reading.values():
                future.cancel()
            raise
    for name in INPUT_FILES + REFERENCE_FILES:
        parsed, sources[name] = parsed_or_default(folder, name, parsed_files, use_defaults)
        if parsed is None:
            tables[name] = None
            continue
        tables[name] = parsed.data
        problems.extend(parsed.problems)
        if len(parsed.rejected):
            rejected_rows[name] = parsed.rejected
        counts.append(file_counts(name, parsed, parsed.rows_used))

    # Payments must belong to a usable claim line; others are set aside, not dropped.
    lines = tables["claim_lines.csv"]
    payments = tables["payments.csv"]
    if orphan is None:
        found, keys = lines_found(lines, payments)
        orphan = ~found
    if orphan.any():
        kept, new_problems, extra = set_aside_orphans(payments, orphan)
        if keys is not None and keys.paid is not None:
            keys = keys.with_payments(kept["claim_id"], keys.paid[~orphan])
        problems.extend(new_problems)
        rejected_rows["payments.csv"] = pd.concat(
            [rejected_rows.get("payments.csv", pd.DataFrame()), extra], ignore_index=True)
        tables["payments.csv"] = kept
        counts = [
            (n, r, u - int(orphan.sum()), s + int(orphan.sum()), b) if n == "payments.csv" else (n, r, u, s, b)
            for n, r, u, s, b in counts
        ]
    counts_frame = pd.DataFrame(counts, columns=COUNT_COLUMNS)
    counts_frame["source"] = counts_frame["file"].map(sources)
    errors, warnings = required_file_alarms(counts_frame, problems, folder, lines["claim_id"])
    return AuditInputs(
        claim_lines=tables["claim_lines.csv"],
        payments=tables["payments.csv"],
        coverage=tables["coverage.csv"],
        documentation=tables["documentation.csv"],
        fee_schedule=tables["fee_schedule.csv"],
        ncci_ptp=tables["ncci_ptp.csv"],
        mue=tables["mue.csv"],
        payer_policies=tables["payer_policies.csv"],
        sources=sources,
        counts=counts_frame,
        problems=problems,
        rejected_rows=rejected_rows,
        folder=folder,
        errors=errors,
        warnings=warnings,
        claim_keys=keys,
    )


def file_counts(name: str, parsed, used: int) -> tuple:
    """One row of :data:`COUNT_COLUMNS` for a file read into ``parsed`` (a
    :class:`~recoup_lib.schema.ParsedTable`), ``used`` of its rows used: its rows read count the
    blank rows skipped too, so that every row of the file is counted somewhere."""
    return (name, parsed.rows_in_file, used, parsed.rows_read - used, parsed.blank_rows)


def counts_said(row, read: str = "rows read") -> str:
    """``claim_lines.csv: 5 rows read = 1 used + 1 set aside + 3 blank row(s) skipped``: a row of
    :attr:`AuditInputs.counts` as the audit's summary and messages say it (the blank rows only when
    there are some, worded as every command that skips them words it); ``read``: the words before
    the ``=`` (``recoup appeal`` says ``5 read``)."""
    counted = rows_counted(row.rows_read, row.rows_used, row.rows_set_aside, row.blank_rows_skipped, read)
    return f"{row.file}: {counted}"


def counts_worth_saying(counts: pd.DataFrame) -> list[str]:
    """The rows of ``counts`` (:data:`COUNT_COLUMNS`) of the files with rows set aside or blank rows
    skipped, said (:func:`counts_said`), for a command's messages (the report's)."""
    return [counts_said(row) + (" (see rejected.csv)" if row.rows_set_aside else "")
            for row in counts.itertuples(index=False)
            if row.rows_set_aside or row.blank_rows_skipped]


def required_file_alarms(counts: pd.DataFrame, problems: list[Problem], folder: Path | None = None,
                         claim_ids=None) -> tuple[list[str], list[str]]:
    """(errors, warnings) of an audit folder's two required files (see :func:`set_aside_alarm`; ``claim_ids``:
    claim_lines.csv's, when read), and the warnings of its optional ones (:func:`optional_file_warnings`;
    ``folder``: where they were looked for).

    ``counts`` is :attr:`AuditInputs.counts`. Either file with no rows at all
    is an error too: with no claim lines there is nothing to audit, and with
    no payments no line was paid, so nothing could be taken back; "0
    findings" would read as a clean practice, when the likelier story is an
    export that lost its rows.
    """
    errors, warnings = [], []
    empty = {"claim_lines.csv": "no claim lines (the file has {rows}), so no findings can be produced.",
             "payments.csv": "no payments (the file has {rows}): no line was paid, so nothing "
                             "could be taken back and no findings can be produced; export the payments (or "
                             "remittances) of the same claims."}
    for row in counts.loc[counts["file"].isin(list(empty))].itertuples():
        if row.rows_used + row.rows_set_aside == 0:
            errors.append(f"{row.file}: {empty[row.file].format(rows=_no_usable_row(row))}")
            continue
        error, warning = set_aside_alarm(row.file, row.rows_used + row.rows_set_aside, row.rows_used,
                                         (p for p in problems if p.file == row.file), claim_ids=claim_ids)
        errors += [error] if error else []
        warnings += [warning] if warning else []
    return errors, warnings + optional_file_warnings(counts, folder)


def _no_usable_row(row) -> str:
    """:func:`~recoup_lib.wording.no_usable_row` of a file with no row used; ``row``: its row of
    :attr:`AuditInputs.counts` (:data:`COUNT_COLUMNS`), whose rows read count the blank rows too."""
    return no_usable_row(row.rows_used + row.rows_set_aside, row.blank_rows_skipped)


#: The rule each optional input file feeds that flags a paid line the file holds no row for.
_FLAGS_A_LINE_WITHOUT_A_ROW = {"coverage.csv": "coverage_lapsed", "documentation.csv": "missing_documentation"}
#: The rule each reference table feeds, which finds nothing with no row of it.
_FINDS_NOTHING_WITHOUT_A_ROW = {"fee_schedule.csv": "overpaid_rate", "ncci_ptp.csv": "unbundling",
                                "mue.csv": "units_over_mue", "payer_policies.csv": "policy_change"}


def optional_file_warnings(counts: pd.DataFrame, folder: Path | None = None) -> list[str]:
    """Warnings for coverage.csv or documentation.csv with no usable row, or more than half set aside,
    for a reference table of the folder with no usable row, and for an optional file ``folder`` holds
    only as a workbook (:func:`workbook_in_place_of`).

    Absent, such a file switches its rule off; present, its rule flags every paid line it holds no
    row for. A file that lost its rows (an export of a header alone, dates the reader refused) would
    flag the whole practice, findings that come from the file and not from the claims. A reference
    table that lost its rows replaces the shipped one with nothing: its rule runs and finds nothing,
    which would read as a clean practice.
    """
    warnings = [f"WARNING: {workbook}." for workbook in (workbook_in_place_of(folder, name)
                                                          for name in INPUT_FILES + REFERENCE_FILES) if workbook]
    for row in counts.loc[counts["file"].isin(list(_FLAGS_A_LINE_WITHOUT_A_ROW))].itertuples():
        rule, aside = _FLAGS_A_LINE_WITHOUT_A_ROW[row.file], row.rows_set_aside
        held = row.rows_used + aside
        if row.rows_used == 0:
            warnings.append(f"WARNING: {row.file}: no usable row ({_no_usable_row(row)}), so {rule} flags every "
                            f"paid line: correct the file, or remove it to switch {rule} off.")
        elif aside * 2 > held:
            warnings.append(f"WARNING: {row.file}: {aside:,} of {held:,} rows ({aside / held:.0%}) "
                            f"were set aside, so {rule} flags the paid lines they would have covered: correct "
                            "them (see rejected.csv) before acting on its findings.")
    tables = counts["file"].isin(list(_FINDS_NOTHING_WITHOUT_A_ROW)) & (counts["rows_used"] == 0)
    if "source" in counts:
        tables &= counts["source"] == "folder"
    for row in counts.loc[tables].itertuples():
        rule = _FINDS_NOTHING_WITHOUT_A_ROW[row.file]
        warnings.append(f"WARNING: {row.file}: no usable row ({_no_usable_row(row)}), so {rule} finds nothing: "
                        "correct the file, or remove it to use the shipped table.")
    return warnings


#: The column a problem names when a row's claim line is missing from the claim lines: the link, not a value.
LINE_KEY = "claim_id,line_no"


def set_aside_alarm(name: str, rows_read: int, rows_used: int, problems,
                    fix: str | None = "recoup import --claims FILE --payments FILE --out FOLDER", x12: bool = False,
                    claim_ids=None):
    """(error, warning) for a required file that lost all, or more than half, of its rows.

    A run that silently sets aside every claim line ("0 findings; $0.00 at
    risk") reads as a clean practice; the contract makes it exit 1 instead.
    The message names the column and the reason that failed most often together and
    quotes the values that failed it (e.g. dates like '01/31/2025'), never those a
    column's other reason set aside, and suggests ``fix``
    (``recoup import``, which reads US dates, $ amounts, Excel files and
    other headers). ``fix=None`` is for ``recoup import`` itself: the advice
    is then to check the column mapping and the rows set aside, or, for X12
    files (``x12``: 837s and 835s, which have no mapping), their values. ``claim_ids``:
    claim_lines.csv's, to say when payments that found no claim line name their claims with other
    leading zeros (:func:`_lost_zeros_hint`). ``problems``: the file's :class:`Problem` s, looked at
    once (an iterator will do), and only when an alarm is due.
    """
    set_aside = rows_read - rows_used
    if rows_read <= 0 or set_aside * 2 <= rows_read:
        return None, None
    whole = (WHOLE_ROW, WHOLE_LINE, WHOLE_PAYMENT)
    # One pass over the problems (read from disk, a batch at a time, after an audit within a memory
    # budget): whole-row reasons counted, located (column, reason) pairs counted with the first three
    # values of each, and the line keys only where the hint on lost zeros may want them.
    reasons: dict[str, int] = {}
    reason_counts: dict[tuple[str, str], int] = {}
    first_values: dict[tuple[str, str], dict] = {}
    line_keys: list[str] = []
    hint = fix is not None and rows_used == 0 and claim_ids is not None
    for p in problems:
        if p.row <= 0:
            continue
        if p.column in whole:
            reasons[p.expected] = reasons.get(p.expected, 0) + 1
            continue
        reason_counts[p.column, p.expected] = reason_counts.get((p.column, p.expected), 0) + 1
        values = first_values.setdefault((p.column, p.expected), {})
        if p.value and len(values) < 3:
            values[p.value] = None
        if hint and p.column == LINE_KEY:
            line_keys.append(p.value)
    located = bool(reason_counts)
    what = ""
    if not located and reasons:
        reason = max(reasons, key=reasons.get)
        what = f"; most often ({reasons[reason]:,} rows): {reason}"
    if located:
        column, expected = max(reason_counts, key=reason_counts.get)
        shown = ", ".join(repr(v) for v in first_values[column, expected])
        named = f"element {column}" if x12 else f"column '{column}'"
        what = (f"; most often {named} ({reason_counts[column, expected]:,} rows), which expected "
                f"{expected}" + (f" but held values like {shown}" if shown else ""))
    if located and column == LINE_KEY:
        advice = ("No audit folder was written. Those rows pay claim lines that are not among the claims given: "
                  "give the claims they pay too (their 837s, or the export that holds them)."
                  if fix is None else "Add the claim lines they pay to claim_lines.csv."
                  + (_lost_zeros_hint(line_keys, claim_ids) if hint else ""))
        rest = ("see import_rejected.csv" if fix is None else "see rejected.csv") + " for each row's claim and line."
    elif fix is None and not located:
        advice, rest = "No audit folder was written.", "see import_rejected.csv for each row's reason."
    elif fix is None and x12:
        advice, rest = ("No audit folder was written. Those values are in the X12 files themselves: ask their "
                        "sender (the billing system or clearinghouse) for corrected files."), \
            "see import_rejected.csv for each line's segment and reason."
    elif fix is None:
        advice, rest = ("No audit folder was written. If that column is not the one meant, name the right one "
                        "with --column FIELD=HEADER; otherwise correct those values in the export."), \
            "see import_rejected.csv, and name the right column with --column FIELD=HEADER if needed."
    else:
        advice = f"If this file is an export from a billing system, convert it first with `{fix}`."
        rest = f"see rejected.csv, or convert the export with `{fix}`."
    if rows_used == 0:
        return f"{name}: all {rows_read:,} rows were set aside, so no findings can be produced{what}. {advice}", None
    return None, (f"WARNING: {name}: {set_aside:,} of {rows_read:,} rows ({set_aside / rows_read:.0%}) were set "
                  f"aside{what}. Findings cover only the rest; {rest}")


def _lost_zeros_hint(line_keys: list[str], claim_ids) -> str:
    """What to do when payments that found no claim line (``line_keys``, ``claim|line``) name claims that
    claim_lines.csv (``claim_ids``) writes with other leading zeros: a spreadsheet that saved one file stored
    its claim ids as numbers and dropped the zeros (``00123`` became ``123``), so no payment meets its line.
    Said only when the ids match once the zeros are taken off (:func:`~recoup_lib.schema.leading_zero_twins`);
    the payments are set aside all the same, never matched to the claim that now bears the shortened number."""
    paid = pa.array([key.split("|", 1)[0] for key in line_keys], pa.string())
    for padded_in, others, saved in ((paid, claim_ids, "claim_lines.csv"), (claim_ids, paid, "payments.csv")):
        twins, pair = leading_zero_twins(padded_in, others)
        if twins:
            return (f" If {saved} was saved from a spreadsheet, its claim ids lost their leading zeros "
                    f"({pair[0]!r} became {pair[1]!r}; {ZEROS_DROPPED}): format the claim_id column as Text "
                    "before saving, or take the file again from where it came.")
    return ""


def set_aside_orphans(payments: pd.DataFrame, orphan: np.ndarray):
    """Split off payments whose line is not a usable claim line.

    Returns the payments kept, one :class:`Problem` per payment set aside, and those rows as
    text with ``_file``, ``_row`` and ``_reason`` in front (for ``rejected_rows``).
    """
    orphans = payments.loc[orphan]
    problems = [
        Problem("payments.csv", int(r), LINE_KEY, f"{c}|{ln}",
                "a claim line present (and usable) in claim_lines.csv")
        for r, c, ln in zip(orphans["_row"], orphans["claim_id"], orphans["line_no"])
    ]
    extra = to_text_frame(orphans.drop(columns=["_row"]))
    extra.insert(0, "_reason", "no usable claim line with this claim_id and line_no")
    extra.insert(0, "_row", orphans["_row"].to_numpy())
    extra.insert(0, "_file", "payments.csv")
    return payments.loc[~orphan].reset_index(drop=True), problems, extra


def _claim_codes(known: pd.Series, wanted: pd.Series) -> tuple[np.ndarray, np.ndarray, int, ClaimKeys | None]:
    """Codes of the claim ids of ``known`` and of ``wanted`` (equal where the ids are equal; -1 for an id of
    ``wanted`` not in ``known``), how many codes ``known`` has, and the :class:`~recoup_lib.schema.ClaimKeys`
    of ``known`` holding ``wanted``'s claims (None where the ids do not pack).

    Claim ids of one short width are numbered as integers (see
    :func:`recoup_lib.schema.packed_ids`); others are numbered as text.
    """
    keys = claim_keys(known)
    found = None if keys is None else keys.positions(wanted)
    if found is not None:
        return keys.ranks, found, len(keys.distinct), keys.with_payments(wanted, found)
    codes, distinct = value_codes(pd.concat([known, wanted], ignore_index=True))
    return codes[:len(known)], codes[len(known):], distinct, keys


def line_exists(lines: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """For each row of ``rows``, whether ``lines`` has its (claim_id, line_no) (see :func:`lines_found`)."""
    return lines_found(lines, rows)[0]


def lines_found(lines: pd.DataFrame, rows: pd.DataFrame) -> tuple[np.ndarray, ClaimKeys | None]:
    """For each row of ``rows``, whether ``lines`` has its (claim_id, line_no); and the claim keys made for it
    (:class:`~recoup_lib.schema.ClaimKeys` of ``lines`` holding the claims of ``rows``), or None.

    Claim ids are numbered once over both tables and joined with the line number into one
    integer, so the lookup is a hash of integers (or, when those integers are dense, a table of
    flags indexed by them), not a merge of text.
    """
    if not len(rows):
        return np.zeros(0, dtype=bool), None
    known_claims, wanted_claims, claims, keys = _claim_codes(lines["claim_id"], rows["claim_id"])
    distinct = claims + 1  # code -1, a claim not among the lines, is the first of the keys
    known_no = lines["line_no"].to_numpy(dtype=np.int64)
    wanted_no = rows["line_no"].to_numpy(dtype=np.int64)
    low = int(min(wanted_no.min(), known_no.min(initial=wanted_no.min())))
    high = int(max(wanted_no.max(), known_no.max(initial=wanted_no.max())))
    width = high - low + 1
    if width * distinct >= 2**62:
        key = lines[["claim_id", "line_no"]].assign(_known=True)
        return rows.merge(key, on=["claim_id", "line_no"], how="left")["_known"].notna().to_numpy(), keys
    known, wanted = (line_key(claims, line_no, width, first=1, low=low) for claims, line_no in
                     ((known_claims, known_no), (wanted_claims, wanted_no)))
    if width * distinct <= max(1 << 20, 32 * (len(known) + len(wanted))):
        # Keys this dense are looked up in a table of flags, one byte per possible key.
        seen = np.zeros(width * distinct, dtype=bool)
        seen[known] = True
        return seen[wanted], keys
    return pd.Series(wanted).isin(known).to_numpy(), keys
