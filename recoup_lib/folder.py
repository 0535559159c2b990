"""Reading and writing the audit folder of ``docs/contract.md`` (I/O at the edge).

:func:`read_audit_folder` is the single door through which users' files enter
the kit. It checks that required files and columns exist (stopping the run
with one clear line if not), parses every file with its contract
(:mod:`recoup_lib.schema`), falls back to the shipped reference tables where
the folder has none, and sets aside unusable rows with their reasons so that
``rows read = rows used + rows set aside`` holds for every file.

:func:`write_csv` (from :mod:`recoup_lib.csvout`, re-exported here) writes
any in-memory table back to contract text.
"""

from __future__ import annotations

import csv
import mmap
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import reference
from .errors import InputError, InvalidParameterError, NothingUsableError, Problem
from .csvout import csv_bytes, to_text_frame, to_text_table, write_csv
from .outputs import unguard_formulas, unguard_text
from .schema import FIRST_DATE, LAST_DATE, MAX_WHOLE_NUMBER, SPECS, FileSpec, ParsedTable, parse_table, value_codes

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
    "set_aside_alarm",
    "required_file_alarms",
]

#: Files of the audit folder, in reading order.
INPUT_FILES = ("claim_lines.csv", "payments.csv", "coverage.csv", "documentation.csv")
#: Reference files: the folder's copy wins, else the shipped default is used.
REFERENCE_FILES = ("fee_schedule.csv", "ncci_ptp.csv", "mue.csv", "payer_policies.csv")


#: Python's csv module refuses fields over 131,072 characters by default; a long note beside a
#: malformed row must not stop the exact reader.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

#: In memory, a column name starting with ``_`` is the kit's own (``_row``, ``_reason``, ...). A
#: file's header starting with ``_`` (e.g. the ``_file``, ``_row`` and ``_reason`` of a
#: ``rejected_rows/`` file fed back after fixing it) gets one more ``_`` in front, so it never
#: meets the kit's names.
RESERVED_PREFIX = "_"


def _string_frame(table: pa.Table) -> pd.DataFrame:
    """Text columns as pyarrow-backed strings (formula guards taken off, see
    :func:`recoup_lib.outputs.unguard_formulas`); typed ones as ``datetime64[us]`` and ``Int64``."""
    for i, f in enumerate(table.schema):
        if f.type == pa.date32():
            table = table.set_column(i, f.name, pc.cast(table[f.name], pa.timestamp("us")))
        elif pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            table = table.set_column(i, f.name, unguard_formulas(table[f.name]))
    mapped = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow"),
              pa.int64(): pd.Int64Dtype()}
    return table.to_pandas(types_mapper=mapped.get)


def _python_csv(path: Path, label: str, header: list[str]):
    """Slow, exact reader used only when the fast one found malformed rows.

    Returns the well-formed records, their spreadsheet row numbers, and the
    malformed ones (wrong number of fields, or bytes that are not UTF-8).
    """
    return next(python_csv_chunks(path, header))


def python_csv_chunks(path: Path, header: list[str], chunk_rows: int | None = None):
    """:func:`_python_csv` in pieces of at most ``chunk_rows`` well-formed records (None: one piece).

    Yields ``(frame, row_numbers, broken)`` like :func:`_python_csv`, the broken rows met
    since the previous piece included; at least one piece, even for a file with no rows.
    """
    good, good_rows, broken = [], [], []

    def piece():
        frame = pd.DataFrame(good, columns=header, dtype="str") if good else pd.DataFrame(
            {h: pd.Series([], dtype="str") for h in header})
        frame = _string_frame(pa.Table.from_pandas(frame.astype(pd.StringDtype("pyarrow")), preserve_index=False))
        return frame, np.asarray(good_rows, dtype=np.int64), list(broken)

    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        for record_no, record in enumerate(reader, start=2):
            text = ",".join(record)
            if not record or (len(record) == 1 and record[0] == "" and len(header) > 1):
                continue  # a blank line
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                broken.append((record_no, text.encode("utf-8", "replace").decode(),
                               "UTF-8 text (save the file as UTF-8)", "bytes that are not UTF-8"))
                continue
            if len(record) != len(header):
                broken.append((record_no, text, f"{len(header)} fields, as in the header",
                               f"{len(record)} fields"))
                continue
            good.append(record)
            good_rows.append(record_no)
            if chunk_rows is not None and len(good) >= chunk_rows:
                yield piece()
                good, good_rows, broken = [], [], []
    yield piece()


def read_csv_text(path: str | Path, spec: FileSpec | None = None, label: str | None = None):
    """Read a CSV as text, checking its header against a contract.

    Parameters
    ----------
    path : path-like
    spec : FileSpec, optional
        When given, required columns must be present (matched ignoring case
        and surrounding spaces, then renamed to the contract's spelling).
    label : str, optional
        Name used in messages (default: the file name).

    Returns
    -------
    raw : pandas.DataFrame
        Every well-formed row, all columns as text.
    row_numbers : numpy.ndarray
        Spreadsheet row number of each row of ``raw`` (header = row 1).
    broken : pandas.DataFrame
        Malformed rows (``_file``, ``_row``, ``_text``, ``_expected``, ``_got``,
        ``_reason``).

    Raises
    ------
    InputError
        The file is missing, empty, or lacks a required column.
    """
    return _read_csv(path, spec, label, typed=False)


#: Arrow types the fast reader converts to while reading (in its threads), by column kind.
_ARROW_KINDS = {"date": pa.date32(), "int": pa.int64()}
_NO_BROKEN = ("_file", "_row", "_text", "_expected", "_got", "_reason")


def read_header(path: Path, spec: FileSpec | None, label: str) -> list[str]:
    """The file's header in the contract's spelling (see :func:`read_csv_text` for the errors)."""
    if not path.is_file():
        raise InputError(f"{label}: file not found in {path.parent}")
    return _canonical_header(_file_header(path, label), spec, label)


def _read_csv(path, spec: FileSpec | None, label: str | None, typed: bool):
    """:func:`read_csv_text`; with ``typed``, date and whole-number columns come back typed.

    A typed column is only returned when every value of it converted and none breaks its
    contract (blank where not allowed, below the minimum): then :func:`parse_table` has
    nothing to report about it. Otherwise the file is read again as text, so each problem
    can quote the value as written.
    """
    path = Path(path)
    label = label or path.name
    header = read_header(path, spec, label)
    types = {h: pa.string() for h in header}
    if typed and spec is not None:
        for col in spec.columns:
            if col.name in types and col.kind in _ARROW_KINDS:
                types[col.name] = _ARROW_KINDS[col.kind]
    try:
        table = _fast_read(path, header, types)
        if table is not None and typed and not _typed_columns_clean(table, spec):
            raise pa.ArrowInvalid("a typed column needs its values as written")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        table = _converted_as_text(path, header) if any(t != pa.string() for t in types.values()) else None
    if table is not None:
        raw = _string_frame(table)
        rows = np.arange(len(raw), dtype=np.int64) + 2
        return raw, rows, pd.DataFrame(columns=list(_NO_BROKEN))
    raw, rows, broken = _python_csv(path, label, header)
    return raw, rows, broken_frame(broken, label)


def broken_frame(broken: list, label: str) -> pd.DataFrame:
    """Malformed rows (``_row, _text, _expected, _got`` tuples) as the table :func:`read_csv_text` returns."""
    frame = pd.DataFrame(broken, columns=["_row", "_text", "_expected", "_got"])
    frame.insert(0, "_file", label)
    frame["_reason"] = "whole row: expected " + frame["_expected"] + "; got " + frame["_got"]
    return frame


def _fast_read(path: Path, header: list[str], types: dict) -> pa.Table | None:
    """The file through Arrow's multi-threaded reader; None when only the exact reader can say
    what each row is (a malformed row, a blank line, a line break inside a quoted value, or a
    value that does not convert to its column's type: that one raises ``ArrowInvalid``).

    With two or more columns, a blank line reads as a one-field row, which Arrow reports as
    malformed; a file without a single quote character cannot hold a line break inside a
    value. Only one-column files and files with quotes need their line breaks counted.
    """
    if not _header_on_one_line(path):
        return None  # a header spanning lines: only the exact reader knows where the data starts
    invalid: list = []

    def handler(row):
        invalid.append(row)
        return "skip"

    counted = len(header) < 2
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=True),
        parse_options=pacsv.ParseOptions(invalid_row_handler=handler, newlines_in_values=True,
                                         ignore_empty_lines=counted),
        convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    if invalid:
        return None
    if (counted or _has_quote(path)) and _has_blank_lines(path, table.num_rows):
        return None
    return table


def _header_on_one_line(path: Path) -> bool:
    """Whether the header ends at the first line break (no quoted line break or carriage return in a name)."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    end = head.find(b"\n")
    line = head if end < 0 else head[:end]
    line = line[:-1] if line.endswith(b"\r") else line
    return b"\r" not in line and line.count(b'"') % 2 == 0


def _converted_as_text(path: Path, header: list[str]) -> pa.Table | None:
    try:
        return _fast_read(path, header, {h: pa.string() for h in header})
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _typed_columns_clean(table: pa.Table, spec: FileSpec) -> bool:
    """Whether every typed column holds only values its contract accepts."""
    for col in spec.columns:
        if col.name not in table.column_names or table.schema.field(col.name).type == pa.string():
            continue
        values = table[col.name]
        if not col.nullable and values.null_count:
            return False
        if len(values) == values.null_count:
            continue
        low, high = pc.min(values).as_py(), pc.max(values).as_py()
        if col.kind == "int" and ((col.minimum is not None and low < col.minimum) or high > MAX_WHOLE_NUMBER):
            return False
        if col.kind == "date" and (low < FIRST_DATE.astype(object) or high > LAST_DATE.astype(object)):
            return False
    return True


def _has_quote(path: Path) -> bool:
    if path.stat().st_size == 0:
        return False
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b'"') >= 0


def _has_blank_lines(path: Path, rows: int) -> bool:
    """Whether the file may hold an empty line before its end (the fast reader skips those, which
    would shift the row numbers in messages; the exact reader counts them).

    A file whose line breaks (trailing ones aside) number exactly its data rows has neither
    blank lines nor line breaks inside quoted values; anything else goes to the exact reader.
    """
    if path.stat().st_size == 0:
        return False
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        end = len(data)
        while end and data[end - 1] in b"\r\n":
            end -= 1
        body = np.frombuffer(data, dtype=np.uint8, count=end)
        breaks = int(np.count_nonzero(body == 10))
        del body
        return breaks != rows


def _file_header(path: Path, label: str) -> list[str]:
    """The first record of the file: names stripped and unguarded, blank ones named ``unnamed_N``,
    and names starting with ``_`` given one more (see :data:`RESERVED_PREFIX`)."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise InputError(f"{label}: the file is empty (expected a header row)")
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        try:
            record = next(csv.reader(handle), [])
        except csv.Error as exc:
            raise InputError(f"{label}, row 1 (the header): not readable as CSV ({exc})") from None
    header = []
    for i, name in enumerate(record):
        name = unguard_text(name).strip() or f"unnamed_{i + 1}"
        header.append(RESERVED_PREFIX + name if name.startswith(RESERVED_PREFIX) else name)
    return header


def _canonical_header(header: list[str], spec: FileSpec | None, label: str) -> list[str]:
    wanted = {c.name.lower(): c.name for c in spec.columns} if spec is not None else {}
    renamed = [wanted.get(h.lower(), h) for h in header]
    seen: set[str] = set()
    for i, h in enumerate(renamed):
        if h in seen:
            raise InputError(f"{label}: column '{h}' appears twice in the header")
        seen.add(h)
    if spec is None:
        return renamed
    missing = [c.name for c in spec.columns if c.required and c.name not in seen]
    if missing:
        quoted = ", ".join(f"'{m}'" for m in missing)
        has = ", ".join(header)
        has = has if len(has) <= 300 else has[:300] + " ..."
        raise InputError(
            f"{label}: missing required column{'s' if len(missing) > 1 else ''} {quoted} "
            f"(the header has: {has})"
        )
    return renamed


def read_table(path: str | Path, name: str | None = None, spec: FileSpec | None = None) -> ParsedTable:
    """Read and parse one file against its contract.

    ``spec`` gives the contract directly; else ``name`` (default: the file's
    own name, e.g. ``claim_lines.csv``) selects one of :data:`SPECS`. A file
    with no contract (``patients.csv``, ``providers.csv`` of a generated
    practice) is read as text, every column kept. Malformed rows are added to
    the set-aside rows.
    """
    path = Path(path)
    spec = spec or SPECS.get(name or path.name) or FileSpec(name or path.name, ())
    label = path.name
    raw, rows, broken = _read_csv(path, spec, label, typed=True)
    parsed = parse_table(raw, spec, label=label, row_numbers=rows)
    if len(parsed.rejected) and any(not isinstance(t, pd.StringDtype) for t in raw.dtypes):
        # Rows set aside are kept exactly as written, so a file with any takes the text path.
        raw, rows, broken = read_csv_text(path, spec, label)
        parsed = parse_table(raw, spec, label=label, row_numbers=rows)
    return with_broken_rows(parsed, broken, label)


def with_broken_rows(parsed: ParsedTable, broken: pd.DataFrame, label: str) -> ParsedTable:
    """Add malformed rows (see :func:`broken_frame`) to a parsed file's problems and rows set aside."""
    if len(broken):
        extra = broken[["_file", "_row", "_reason", "_text"]].rename(columns={"_text": "_raw_text"})
        parsed.rejected = pd.concat([parsed.rejected, extra], ignore_index=True)
        parsed.problems = sorted(parsed.problems + [
            Problem(label, int(r), "(whole row)", got, expected)
            for r, got, expected in zip(broken["_row"], broken["_got"], broken["_expected"])
        ], key=lambda p: p.row)
        parsed.rows_read += len(broken)
    return parsed


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
        Per file: rows_read, rows_used, rows_set_aside.
    problems : list of Problem
    rejected : pandas.DataFrame
        One row per problem: file, row, column, value, reason.
    rejected_rows : dict of str to pandas.DataFrame
        The set-aside rows of each file as read, with ``_row`` and ``_reason``.
    errors, warnings : list of str
        A required file with every row set aside (the audit stops: see
        :meth:`require_usable`), or more than half (the audit warns).
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
        raise InputError(f"{name}: required file not found in {folder}")
    if use_defaults and name in REFERENCE_FILES and reference.has_default(name):
        return reference.load_default_parsed(name), "shipped default"
    return None, "absent"


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
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder (expected an audit folder with claim_lines.csv)")
    tables: dict[str, pd.DataFrame | None] = {}
    sources: dict[str, str] = {}
    counts = []
    problems: list[Problem] = []
    rejected_rows: dict[str, pd.DataFrame] = {}
    present = [name for name in INPUT_FILES + REFERENCE_FILES if (folder / name).is_file()]
    # Arrow reads and converts outside the interpreter lock, so files read side by side use
    # every core; a file's error is still raised in reading order.
    with ThreadPoolExecutor(max_workers=max(1, min(len(present), worker_count(workers)))) as pool:
        reading = {name: pool.submit(read_table, folder / name, name) for name in present}
        parsed_files = {}
        try:
            for name in present:
                parsed_files[name] = reading[name].result()
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
        counts.append((name, parsed.rows_read, parsed.rows_used, parsed.rows_set_aside))

    # Payments must belong to a usable claim line; others are set aside, not dropped.
    lines = tables["claim_lines.csv"]
    payments = tables["payments.csv"]
    orphan = ~line_exists(lines, payments)
    if orphan.any():
        kept, new_problems, extra = set_aside_orphans(payments, orphan)
        problems.extend(new_problems)
        rejected_rows["payments.csv"] = pd.concat(
            [rejected_rows.get("payments.csv", pd.DataFrame()), extra], ignore_index=True)
        tables["payments.csv"] = kept
        counts = [
            (n, r, u - int(orphan.sum()), s + int(orphan.sum())) if n == "payments.csv" else (n, r, u, s)
            for n, r, u, s in counts
        ]
    counts_frame = pd.DataFrame(counts, columns=["file", "rows_read", "rows_used", "rows_set_aside"])
    counts_frame["source"] = counts_frame["file"].map(sources)
    errors, warnings = required_file_alarms(counts_frame, problems)
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
    )


def required_file_alarms(counts: pd.DataFrame, problems: list[Problem]) -> tuple[list[str], list[str]]:
    """(errors, warnings) of an audit folder's two required files (see :func:`set_aside_alarm`).

    ``counts`` is :attr:`AuditInputs.counts`. A claim_lines.csv with no rows at
    all is an error too: there is nothing to audit, and "0 findings" would
    read as a clean practice.
    """
    errors, warnings = [], []
    for row in counts.loc[counts["file"].isin(["claim_lines.csv", "payments.csv"])].itertuples():
        if row.file == "claim_lines.csv" and row.rows_read == 0:
            errors.append("claim_lines.csv: no claim lines (the file has a header and no rows), so no findings "
                          "can be produced")
            continue
        error, warning = set_aside_alarm(row.file, row.rows_read, row.rows_used,
                                         [p for p in problems if p.file == row.file])
        errors += [error] if error else []
        warnings += [warning] if warning else []
    return errors, warnings


def set_aside_alarm(name: str, rows_read: int, rows_used: int, problems: list[Problem],
                    fix: str | None = "recoup import --claims FILE --payments FILE --out FOLDER"):
    """(error, warning) for a required file that lost all, or more than half, of its rows.

    A run that silently sets aside every claim line ("0 findings; $0.00 at
    risk") reads as a clean practice; the contract makes it exit 1 instead.
    The message names the column that failed most often and quotes the values
    it held (e.g. dates like '01/31/2025'), and suggests ``fix``
    (``recoup import``, which reads US dates, $ amounts, Excel files and
    other headers). ``fix=None`` is for ``recoup import`` itself: the advice
    is then to check the column mapping and the rows set aside.
    """
    set_aside = rows_read - rows_used
    if rows_read <= 0 or set_aside * 2 <= rows_read:
        return None, None
    located = [p for p in problems if p.row > 0 and p.column != "(whole row)"] or \
        [p for p in problems if p.row > 0]
    what = ""
    if located:
        column_counts: dict[str, int] = {}
        for p in located:
            column_counts[p.column] = column_counts.get(p.column, 0) + 1
        column = max(column_counts, key=column_counts.get)
        values = list(dict.fromkeys(p.value for p in located if p.column == column and p.value))[:3]
        expected = next(p.expected for p in located if p.column == column)
        shown = ", ".join(repr(v) for v in values)
        what = (f"; most often column '{column}' ({column_counts[column]:,} rows), which expected "
                f"{expected}" + (f" but held values like {shown}" if shown else ""))
    if fix is None:
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


def set_aside_orphans(payments: pd.DataFrame, orphan: np.ndarray):
    """Split off payments whose line is not a usable claim line.

    Returns the payments kept, one :class:`Problem` per payment set aside, and those rows as
    text with ``_file``, ``_row`` and ``_reason`` in front (for ``rejected_rows``).
    """
    orphans = payments.loc[orphan]
    problems = [
        Problem("payments.csv", int(r), "claim_id,line_no", f"{c}|{ln}",
                "a claim line present (and usable) in claim_lines.csv")
        for r, c, ln in zip(orphans["_row"], orphans["claim_id"], orphans["line_no"])
    ]
    extra = to_text_frame(orphans.drop(columns=["_row"]))
    extra.insert(0, "_reason", "no usable claim line with this claim_id and line_no")
    extra.insert(0, "_row", orphans["_row"].to_numpy())
    extra.insert(0, "_file", "payments.csv")
    return payments.loc[~orphan].reset_index(drop=True), problems, extra


def line_exists(lines: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """For each row of ``rows``, whether ``lines`` has its (claim_id, line_no).

    Claim ids are numbered once over both tables and joined with the line number into one
    integer, so the lookup is a hash of integers, not a merge of text.
    """
    if not len(rows):
        return np.zeros(0, dtype=bool)
    claims = pd.concat([lines["claim_id"], rows["claim_id"]], ignore_index=True)
    codes, distinct = value_codes(claims)
    line_no = np.concatenate([lines["line_no"].to_numpy(dtype=np.int64),
                              rows["line_no"].to_numpy(dtype=np.int64)])
    low, high = (int(line_no.min()), int(line_no.max())) if len(line_no) else (0, 0)
    width = high - low + 1
    if width * distinct >= 2**62:
        key = lines[["claim_id", "line_no"]].assign(_known=True)
        return rows.merge(key, on=["claim_id", "line_no"], how="left")["_known"].notna().to_numpy()
    combined = codes * width + (line_no - low)
    return pd.Series(combined[len(lines):]).isin(combined[:len(lines)]).to_numpy()
