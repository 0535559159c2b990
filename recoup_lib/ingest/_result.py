"""The result of an import: tables, per-file reports, the mapping, and the audit folder it writes.

:class:`ImportResult` is what :func:`recoup_lib.ingest.import_files` returns:
``summary()`` says per file how it was read and rows read = used + set aside
(+ blank rows skipped; with an example of each reason), ``alarms()`` finds a required file with
all or most rows set aside, and ``write(out)`` writes the audit folder whole
or not at all, never over files the kit did not write (the kit's one
mechanism for this, :mod:`recoup_lib.outputs`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import __version__
from ..errors import WHOLE_ROW, InputError, Problem
from ..filekind import ENCODING_NAMES
from ..folder import set_aside_alarm, write_csv
from ..outputs import writes_folder
from ..results import StepResult
from ..wording import rows_counted
from ._fields import TARGET_FILES

__all__ = ["ImportResult", "SourceReport", "mapping_document", "MANIFEST_KEY"]

MANIFEST_KEY = "written_by"
#: Reasons for rows that are not data at all (title, total, footer, repeated header, heading).
_STRUCTURAL = re.compile(r"title row|a total row|text below the data|the header repeated|not a data row|"
                         r"page header or footer")
_WRITER = "recoup import"


@dataclass
class SourceReport:
    """What happened to one input file: its rows read are the rows used, the rows set aside and the
    rows blank in every cell skipped (``blank_rows``), as every command counts them
    (:func:`~recoup_lib.wording.rows_counted`)."""

    label: str
    kind: str
    format: str
    rows_read: int = 0
    rows_used: int = 0
    rows_set_aside: int = 0
    blank_rows: int = 0
    info: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    aside: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)

    def set_aside_later(self, rows: pd.DataFrame, found: list[Problem], problems: list) -> None:
        """Rows set aside after the contract check (``rows``: ``_row``, ``_reason``, cells) counted in this
        file's report, among its rows in row order, and their problems added to ``problems``."""
        self.aside = pd.concat([self.aside, rows], ignore_index=True).sort_values("_row", kind="stable",
                                                                                 ignore_index=True)
        self.rows_used -= len(rows)
        self.rows_set_aside += len(rows)
        problems += found


class ImportResult(StepResult):
    """What :func:`import_files` made: the audit folder's tables, the mapping, what was set aside.

    Attributes
    ----------
    tables : dict of str to pandas.DataFrame
        ``claim_lines.csv``, ``payments.csv`` and, when given,
        ``coverage.csv`` and ``documentation.csv``, typed as the audit reads
        them (money in ``_cents``), with ``_row`` and ``_file`` saying where
        each row came from.
    sources : list of SourceReport
        Per input file: format, encoding, header row, mapping, rows read,
        used and set aside, and the set-aside rows as read (``aside``).
    problems : list of Problem
        Every value or row set aside, located by file, row and column.
    messages : list of str
        Warnings about whole files (a sheet, an encoding, an 835 envelope).
    """

    written_by = _WRITER

    def __init__(self, tables, sources, problems, messages, inputs):
        self.tables = tables
        self.sources = sources
        self.problems = problems
        self.messages = messages
        self.inputs = inputs

    @property
    def counts(self) -> pd.DataFrame:
        """Per input file: kind, target file, format, rows read, used, set aside, blank rows skipped."""
        return pd.DataFrame([{"file": s.label, "kind": s.kind, "target": TARGET_FILES[s.kind],
                              "format": s.format, "rows_read": s.rows_read, "rows_used": s.rows_used,
                              "rows_set_aside": s.rows_set_aside, "blank_rows_skipped": s.blank_rows}
                             for s in self.sources])

    @property
    def rejected(self) -> pd.DataFrame:
        """Every row set aside: file, row, reason, and its cells joined with `` | ``; file by file in the
        order the import read them (claims, coverage, documentation, payments, each kind's files as given),
        a file's rows in the order of the export a user reads beside it."""
        frames = []
        for s in self.sources:
            if not len(s.aside):
                continue
            cells = s.aside.drop(columns=["_row", "_reason"], errors="ignore")
            text = cells.fillna("").astype(str).apply(
                lambda r: " | ".join(v for v in r if v), axis=1) if len(cells.columns) else ""
            frames.append(pd.DataFrame({"file": s.label, "target": TARGET_FILES[s.kind],
                                        "row": s.aside["_row"].to_numpy(), "reason": s.aside["_reason"].to_numpy(),
                                        "row_as_read": text}))
        if not frames:
            return pd.DataFrame(columns=["file", "target", "row", "reason", "row_as_read"])
        return pd.concat(frames, ignore_index=True)

    def mapping(self) -> dict:
        """The mapping used, as mapping.json holds it (give it back with ``mapping=``/``--map``)."""
        columns: dict = {}
        files = []
        for s in self.sources:
            files.append({"file": s.label, "kind": s.kind, "format": s.format,
                          **{k: v for k, v in s.info.items() if v is not None},
                          "columns": s.columns})
            if s.columns and s.kind not in columns:
                columns[s.kind] = s.columns
        document = mapping_document(columns)
        fill_down = [f for s in self.sources for f in s.info.get("fill_down", ())]
        if fill_down:
            document["fill_down"] = list(dict.fromkeys(fill_down))
        document["files"] = files
        return document

    def alarms(self) -> tuple[list[str], list[str]]:
        """(errors, warnings): required files with no row at all, or with every row, or more than
        half, set aside.

        Claims with no data row (a header alone, only title and total rows, an 837 without a service
        line), or payments given with none, leave nothing to audit: an error, like every row set
        aside, so that an empty folder never passes for a practice with nothing to find.
        """
        errors, warnings = [], []
        for kind in ("claims", "payments"):
            group = [s for s in self.sources if s.kind == kind]
            if not group:
                continue
            labels = {s.label for s in group}
            # Title, total and footer rows are not data: they neither raise nor soothe the alarm.
            structural = sum(int(s.aside["_reason"].astype(str).str.match(_STRUCTURAL.pattern).sum())
                             for s in group if len(s.aside))
            read = sum(s.rows_read - s.blank_rows for s in group) - structural
            used = sum(s.rows_used for s in group)
            problems = [p for p in self.problems if p.file in labels and not _is_structural(p)]
            name = _files_named(sorted(labels), kind)
            if read <= 0 and used == 0:
                errors.append(_nothing_to_import(name, kind, group, structural))
                continue
            error, warning = set_aside_alarm(name, read, used, problems, fix=None,
                                             x12=all(s.info.get("segment_numbers") for s in group))
            if error:
                errors.append(error)
            if warning:
                warnings.append(warning)
        return errors, warnings

    def summary(self) -> str:
        """Per file, in plain words: how it was read, rows read = used + set aside, and why."""
        lines = []
        for s in self.sources:
            how = [s.format]
            if s.info.get("encoding"):
                how.append(ENCODING_NAMES.get(s.info["encoding"], s.info["encoding"]))
            if s.info.get("sheet"):
                how.append(f"sheet {s.info['sheet']!r}")
            if s.info.get("header_row") and s.info["header_row"] != 1:
                how.append(f"header on row {s.info['header_row']}")
            lines.append(f"{s.label} ({s.kind}: {', '.join(how)}): "
                         + rows_counted(s.rows_read, s.rows_used, s.rows_set_aside, s.blank_rows))
            if len(s.aside):
                by_reason = s.aside.groupby(_reason_kind(s.aside["_reason"]), sort=False)
                for reason, group in by_reason:
                    first = group.iloc[0]
                    got = re.findall(r"got ('.*?')(?=;|$)", str(first["_reason"]))
                    where = f"{'segment' if s.info.get('segment_numbers') else 'row'} {int(first['_row'])}"
                    if got:
                        example = f"{where} had {', '.join(got)}"
                    else:
                        cells = [str(v) for k, v in first.items() if k not in ("_row", "_reason")
                                 and pd.notna(v) and str(v) != ""]
                        example = f"{where}: {' | '.join(cells)[:80]!r}"
                    lines.append(f"  {len(group):,} set aside: {reason}; e.g. {example}")
            for note in s.notes:
                lines.append(f"  {note}")
        for message in self.messages[:10]:
            lines.append(message)
        if len(self.messages) > 10:
            lines.append(f"... and {len(self.messages) - 10} more messages")
        return "\n".join(lines)

    @property
    def input_paths(self) -> list[Path]:
        """The files read: :meth:`write` never writes into, over or around them."""
        return [Path(p) for p in self.inputs]

    @writes_folder
    def write(self, out) -> list[Path]:
        """Write the audit folder whole or not at all, never over files the kit did not write
        (see :mod:`recoup_lib.outputs`).

        Raises
        ------
        InputError
            Every row of the claims (or payments) was set aside: nothing is written.
        recoup_lib.errors.UsageError
            ``out`` is, holds or lies in an input, or holds files the kit did not write.
        """
        errors, _ = self.alarms()
        if errors:
            raise InputError(errors[0])
        out = Path(out)
        written = []
        for name, table in self.tables.items():
            write_csv(table.drop(columns=["_file"], errors="ignore"), out / name)
            written.append(name)
        return self._write_accounts(out, written)

    @writes_folder
    def write_set_aside(self, out) -> list[Path]:
        """Write what an import that produced no usable claims still owes its user: the rows set
        aside with their reasons, the counts, the summary and ``mapping.json`` (to correct and give
        back with ``--map``), and no contract table, so the folder is never mistaken for an audit
        folder. Same safety as :meth:`write`."""
        return self._write_accounts(Path(out), [])

    def _write_accounts(self, out: Path, written: list[str]) -> list[Path]:
        write_csv(self.rejected, out / "import_rejected.csv", text=True)
        write_csv(self.counts, out / "import_counts.csv")
        written += ["import_rejected.csv", "import_counts.csv"]
        for s in self.sources:
            if len(s.aside):
                base = _safe_name(s.label)
                name = f"import_rejected_rows/{base if base.endswith('.csv') else base + '.csv'}"
                write_csv(s.aside.astype(str).replace({"<NA>": "", "nan": ""}), out / name, text=True)
                written.append(name)
        (out / "summary.txt").write_text(self.summary() + "\n", encoding="utf-8")
        written.append("summary.txt")
        mapping = self.mapping()
        mapping["files_written"] = sorted(written + ["mapping.json"])
        (out / "mapping.json").write_text(json.dumps(mapping, indent=2) + "\n", encoding="utf-8")
        written.append("mapping.json")
        return [out / name for name in sorted(written)]


def _is_structural(problem: Problem) -> bool:
    """Whether a problem is a row that is not data (a title, total or footer row, a repeated header:
    :data:`_STRUCTURAL`), rather than a data row set aside whole (a wrong count of fields, say)."""
    return problem.column == WHOLE_ROW and _STRUCTURAL.match(problem.expected) is not None


def _files_named(labels: list[str], kind: str) -> str:
    """The files of one kind, for a message: up to three by name (``a.csv + b.csv``), more by count
    with the first and the last (a folder of 69 835s would otherwise fill the screen).

    >>> _files_named(["a.csv", "b.csv"], "claims")
    'a.csv + b.csv'
    >>> _files_named([f"{m:02d}.835" for m in range(1, 13)], "payments")
    'the 12 payments files (01.835 ... 12.835)'
    """
    if len(labels) <= 3:
        return " + ".join(labels)
    return f"the {len(labels)} {kind} files ({labels[0]} ... {labels[-1]})"


def _nothing_to_import(name: str, kind: str, group: list[SourceReport], structural: int) -> str:
    """Why files of one required kind gave no row at all, in the terms of their format."""
    formats = {s.format for s in group}
    if formats <= {"837"}:
        held = "no claim service line (CLM with SV1 or SV2)"
    elif formats <= {"835"}:
        held = "no claim payment (CLP)"
    elif structural:
        held = "only title, total or other rows that are not data"
    else:
        held = "no data row below the header"
    what = "claim lines" if kind == "claims" else "payments"
    holder = "each file" if len(group) > 1 else "the folder" if name.endswith("/") else "the file"
    return (f"{name}: no {what} to import: {holder} holds "
            f"{held}, so no audit folder can be made.")


def _reason_kind(reasons: pd.Series) -> pd.Series:
    """Group set-aside reasons by what went wrong, not by the value found."""
    return reasons.astype(str).str.replace(r"; got '.*?'(?=;|$)", "", regex=True)


def _safe_name(label: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in label)


def mapping_document(columns_by_kind: dict[str, dict]) -> dict:
    """A mapping.json document (what ``--map`` reads) from field -> header mappings per kind."""
    return {MANIFEST_KEY: _WRITER, "kit_version": __version__, "columns": columns_by_kind, "files": []}
