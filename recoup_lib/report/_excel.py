"""Excel workbooks of the audit, the appeal decisions and the dashboard (openpyxl, I/O at the edge).

Every sheet is written the same way: a bold header row that stays frozen,
an autofilter over the table, column widths from the content, and typed
cells -- money as numbers in dollars with a currency format (integer cents
become an exact decimal, ``-4050`` -> ``-40.50``), dates as real Excel
dates, counts as integers, percents as fractions with a percent format.

Formula injection. A claim id, a payer name or a note from a user's file
may begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, the
characters OWASP lists as making a spreadsheet treat a cell as a formula
(ASVS 1.2.10; CWE-1236). Every text cell is written with the string type, never
the formula type, and those cells also get Excel's "quote prefix" flag --
the workbook form of OWASP's leading single quote -- so Excel shows the
characters exactly and does not evaluate them even when the cell is
edited. The text itself is kept unchanged (except that XML turns a
carriage return into a line feed when the file is read). Only text is guarded: a
negative amount is a number and stays one. Characters XML cannot hold
(control characters other than tab, line feed and carriage return) are
replaced with U+FFFD, and text longer than Excel's 32,767-character cell
limit is cut, ending with "...".
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..folder import problems_frame
from ..outputs import output_file
from ..rules import CATEGORY_LABELS, FINDING_COLUMNS
from ._metrics import off_reasons

__all__ = [
    "MONEY_FORMAT",
    "DATE_FORMAT",
    "MONTH_FORMAT",
    "PERCENT_FORMAT",
    "FORMULA_TRIGGERS",
    "MAX_ROWS",
    "Money",
    "Percent",
    "safe_text",
    "write_tables_workbook",
    "write_audit_workbook",
    "write_appeal_workbook",
    "write_report_workbook",
]

MONEY_FORMAT = '"$"#,##0.00;[Red]-"$"#,##0.00'
DATE_FORMAT = "yyyy-mm-dd"
MONTH_FORMAT = "yyyy-mm"
PERCENT_FORMAT = "0.00%"
#: First characters that make a spreadsheet read text as a formula (OWASP CSV injection; ASVS 1.2.10).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
#: Data rows a sheet can hold under its header (Excel's limit is 1,048,576 rows).
MAX_ROWS = 1_048_575
_MAX_TEXT = 32_767


@functools.cache
def _xl() -> SimpleNamespace:
    """The parts of openpyxl the workbooks use, imported with the first workbook or cell.

    Importing the report (every lesson and command does) then does not
    import openpyxl, which costs more than the rest of the report's imports.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    return SimpleNamespace(Workbook=Workbook, WriteOnlyCell=WriteOnlyCell, ERROR_CODES=ERROR_CODES,
                           ILLEGAL_CHARACTERS_RE=ILLEGAL_CHARACTERS_RE, Cell=Cell, bold=Font(bold=True),
                           get_column_letter=get_column_letter)


@dataclass(frozen=True)
class Money:
    """Integer cents to be written as a money cell (summary sheets)."""

    cents: int


@dataclass(frozen=True)
class Percent:
    """A percent (e.g. ``91.5``) to be written as a percent cell."""

    value: float


def safe_text(value) -> tuple[str, bool]:
    """Text ready for a cell, and whether it must be guarded against formula evaluation.

    Parameters
    ----------
    value : object
        Anything; it is turned into ``str``.

    Returns
    -------
    text : str
        The value as text; characters XML cannot hold become U+FFFD, and
        text beyond Excel's 32,767-character limit is cut.
    guarded : bool
        True when the text starts with a formula trigger
        (:data:`FORMULA_TRIGGERS`) or reads as an Excel error code such as
        ``#N/A``: the cell must be forced to string type.

    Examples
    --------
    >>> safe_text('=HYPERLINK("http://x","y")')
    ('=HYPERLINK("http://x","y")', True)
    >>> safe_text("C0001")
    ('C0001', False)
    """
    text = str(value)
    guarded = text.startswith(FORMULA_TRIGGERS)
    xl = _xl()
    text = xl.ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > _MAX_TEXT:
        text = text[: _MAX_TEXT - 3] + "..."
    return text, guarded or text in xl.ERROR_CODES


def _text_cell(ws, value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text, guarded = safe_text(value)
    if not guarded:
        return text
    cell = _xl().WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _formatted(ws, value, number_format: str):
    cell = _xl().WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


def _money_cells(ws, cents: pd.Series) -> list:
    values = cents.astype("Int64")
    return [None if v is pd.NA else _formatted(ws, Decimal(int(v)).scaleb(-2), MONEY_FORMAT) for v in values]


def _date_cells(ws, dates: pd.Series, number_format: str = DATE_FORMAT) -> list:
    stamps = pd.to_datetime(dates)
    has_time = bool((stamps.dropna() != stamps.dropna().dt.normalize()).any())
    fmt = "yyyy-mm-dd hh:mm" if has_time else number_format
    out = []
    for stamp in stamps:
        if pd.isna(stamp):
            out.append(None)
        else:
            out.append(_formatted(ws, stamp.to_pydatetime() if has_time else stamp.date(), fmt))
    return out


def _plain(values: pd.Series, kind) -> list:
    out = []
    for v in values.to_numpy(dtype=object):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
        else:
            out.append(kind(v))
    return out


def _column_cells(ws, name: str, series: pd.Series, percent: bool, month: bool) -> tuple[str, list, int]:
    """(header, cells, width hint) of one column, typed by name and dtype."""
    dtype = series.dtype
    if name.endswith("_cents"):
        return name[: -len("_cents")], _money_cells(ws, series), 14
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return name, _date_cells(ws, series, MONTH_FORMAT if month else DATE_FORMAT), 12
    if pd.api.types.is_bool_dtype(dtype):
        return name, _plain(series, bool), 8
    if pd.api.types.is_integer_dtype(dtype):
        return name, _plain(series, int), 10
    if pd.api.types.is_float_dtype(dtype):
        if percent:
            return name, [None if v is None else _formatted(ws, v / 100.0, PERCENT_FORMAT)
                          for v in _plain(series, float)], 10
        return name, _plain(series, float), 10
    values = series.to_numpy(dtype=object)
    cells = [_text_cell(ws, v) for v in values]
    sample = [len(str(v)) for v in values[:500] if v is not None and not (isinstance(v, float) and np.isnan(v))]
    return name, cells, max(sample, default=8)


class _Book:
    """A write-only workbook whose sheets are tables (or a summary of items and tables)."""

    def __init__(self) -> None:
        self.wb = _xl().Workbook(write_only=True)
        self.notes: list[str] = []

    def _sheet(self, title: str, widths: Sequence[int], freeze: bool):
        ws = self.wb.create_sheet(title[:31])
        self._layout(ws, widths, freeze)
        return ws

    @staticmethod
    def _layout(ws, widths: Sequence[int], freeze: bool) -> None:
        """Widths and frozen header: must be set before the first row is written."""
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[_xl().get_column_letter(i)].width = float(min(max(width, 8), 60) + 2)
        if freeze:
            ws.freeze_panes = "A2"

    def _header(self, ws, names: Sequence[str]) -> list:
        xl, cells = _xl(), []
        for name in names:
            cell = _text_cell(ws, name)
            if not isinstance(cell, xl.Cell):
                cell = xl.WriteOnlyCell(ws, value=cell)
            cell.font = xl.bold
            cells.append(cell)
        return cells

    def table(self, title: str, frame: pd.DataFrame, percent: Sequence[str] = (),
              month: Sequence[str] = ()) -> None:
        """One sheet holding ``frame``: frozen header, autofilter, typed cells."""
        frame = frame[[c for c in frame.columns if not str(c).startswith("_")]]
        if len(frame) > MAX_ROWS:
            self.notes.append(f"sheet {title}: only the first {MAX_ROWS:,} of {len(frame):,} rows fit in Excel")
            frame = frame.iloc[:MAX_ROWS]
        ws = self.wb.create_sheet(title[:31])
        columns = [_column_cells(ws, str(c), frame[c], str(c) in percent, str(c) in month)
                   for c in frame.columns]
        headers = [h for h, _, _ in columns]
        self._layout(ws, [max(len(h), w) for h, _, w in columns], freeze=True)
        ws.auto_filter.ref = f"A1:{_xl().get_column_letter(max(len(headers), 1))}{len(frame) + 1}"
        ws.append(self._header(ws, headers))
        for row in zip(*(cells for _, cells, _ in columns)):
            ws.append(list(row))

    def summary(self, title: str, items: Sequence[tuple[str, object]],
                tables: Sequence[tuple[str, pd.DataFrame]] = ()) -> None:
        """A sheet of labelled values, then small tables, each under a bold title."""
        ws = self._sheet(title, [44, 18, 14, 14, 14, 14], freeze=False)
        for label, value in items:
            ws.append([self._header(ws, [label])[0], self._value(ws, value)])
        for heading, frame in tables:
            ws.append([])
            ws.append(self._header(ws, [heading]))
            ws.append(self._header(ws, [c[:-6] if c.endswith("_cents") else c for c in frame.columns]))
            cells = [_column_cells(ws, str(c), frame[c], False, False)[1] for c in frame.columns]
            for row in zip(*cells):
                ws.append(list(row))

    @staticmethod
    def _value(ws, value):
        if isinstance(value, Money):
            return _formatted(ws, Decimal(int(value.cents)).scaleb(-2), MONEY_FORMAT)
        if isinstance(value, Percent):
            return None if pd.isna(value.value) else _formatted(ws, float(value.value) / 100.0, PERCENT_FORMAT)
        if isinstance(value, (dt.date, pd.Timestamp)):
            return _formatted(ws, pd.Timestamp(value).date(), DATE_FORMAT)
        if isinstance(value, (bool, int, float, np.integer, np.floating)):
            return value.item() if isinstance(value, np.generic) else value
        return _text_cell(ws, value)

    def save(self, path: str | Path) -> Path:
        """Save whole (see :func:`recoup_lib.outputs.output_file`); never over a file the kit did not write."""
        path = Path(path)
        with output_file(path) as temporary:
            temporary.parent.mkdir(parents=True, exist_ok=True)
            self.wb.save(temporary)
        return path


def write_tables_workbook(sheets: Mapping[str, pd.DataFrame], path: str | Path,
                          percent: Sequence[str] = ()) -> Path:
    """Write any DataFrames as a workbook, one sheet each, typed and guarded as this module says.

    Parameters
    ----------
    sheets : mapping of sheet title to DataFrame
        Titles are cut to Excel's 31 characters. Columns ending ``_cents``
        become money in dollars under the name without the suffix; columns
        starting with ``_`` are left out.
    path : path-like
    percent : sequence of str
        Float columns holding percents (0-100) to write as percent cells.

    Returns
    -------
    pathlib.Path
    """
    book = _Book()
    for title, frame in sheets.items():
        book.table(title, frame, percent=percent)
    return book.save(path)


def _month_frame(summary: pd.DataFrame) -> pd.DataFrame:
    out = summary.copy()
    out["month"] = pd.to_datetime(out["month"].astype("str") + "-01", errors="coerce").astype("datetime64[us]")
    return out


def _by(result, by: str) -> pd.DataFrame:
    """The audit's totals by ``by`` (:meth:`~recoup_lib.rules.AuditResult.totals`, of the capped findings it
    keeps), the categories with their labels."""
    out = result.totals(by)
    if by == "category":
        out.insert(1, "label", out["category"].map(CATEGORY_LABELS).astype("str"))
    return out


def write_audit_workbook(result, path: str | Path) -> Path:
    """The audit as a workbook: summary, findings, totals by cause, payer, provider, month, code.

    Parameters
    ----------
    result : recoup_lib.rules.AuditResult
    path : path-like
        Where to write the ``.xlsx`` file (folders are created).

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Sheets: Summary (counts, money at risk capped per line, rules switched
    off, rows read / used / set aside, and the total by category), Findings
    (one row per line and error type, with the capped amount), By error
    type, By payer, By provider, By month, By code, and Rejected rows when
    any input row was set aside. Text from the input files is guarded
    against formula injection (module docstring).

    Examples
    --------
    >>> from recoup_lib.rules import audit_folder  # doctest: +SKIP
    >>> write_audit_workbook(audit_folder("synthetic/demo/family_practice"), "out/audit.xlsx")  # doctest: +SKIP
    """
    findings = result.findings
    lines = result.lines
    book = _Book()
    items = [
        ("RecoupKit audit", "findings capped per line at what was paid"),
        ("Claims audited", int(lines["claim_id"].nunique())),
        ("Lines audited", result.lines_audited),
        ("Lines with something paid", result.lines_paid),
        ("Findings", int(len(findings))),
        ("Lines flagged", result.lines_flagged),
        ("Money at risk (capped)", Money(result.total_at_risk_cents)),
    ]
    items += [("Note", message) for message in result.messages]
    if len(findings) > MAX_ROWS:
        items.append(("Note", f"the Findings sheet holds the first {MAX_ROWS:,} of {len(findings):,} findings; "
                              "findings.csv has them all"))
    tables = [("At risk by category", _by(result, "category"))]
    if result.inputs is not None and len(result.inputs.counts):
        tables.append(("Files read", result.inputs.counts))
    book.summary("Summary", items, tables)
    detail = result.capped
    order = FINDING_COLUMNS[:6] + ["at_risk_capped_cents"] + FINDING_COLUMNS[6:]
    detail = detail[order + [c for c in detail.columns if c not in order]]
    book.table("Findings", detail)
    book.table("By error type", _by(result, "error_type"))
    book.table("By payer", _by(result, "payer"))
    book.table("By provider", _by(result, "provider"))
    book.table("By month", _month_frame(_by(result, "month")), month=("month",))
    book.table("By code", _by(result, "code"))
    problems = result.inputs.problems if result.inputs is not None else []
    if problems:
        book.table("Rejected rows", problems_frame(problems))
    return book.save(path)


def _appeal_parts(source, second, path):
    if hasattr(source, "decisions"):
        return source.decisions, source.worklist, getattr(source, "path", None), second
    if isinstance(second, pd.DataFrame) or second is None:
        if path is None:
            raise TypeError("write_appeal_workbook(decisions, worklist, path): the path is missing")
        return source, second, None, path
    return source, None, None, second


def write_appeal_workbook(source, path_or_worklist=None, path: str | Path | None = None) -> Path:
    """The appeal decisions as a workbook: summary, decisions, worklist, appeal path.

    Three ways to call it::

        write_appeal_workbook(result, "out/appeal.xlsx")             # an AppealResult
        write_appeal_workbook(decisions, worklist, "out/appeal.xlsx")  # DataFrames
        write_appeal_workbook(decisions, "out/appeal.xlsx")            # decisions only

    Parameters
    ----------
    source : AppealResult or pandas.DataFrame
        :func:`recoup_lib.appeals.run_appeals` output, or the decisions
        (:func:`recoup_lib.appeals.decide`).
    path_or_worklist : path-like or pandas.DataFrame
        The path (first and third forms) or the worklist
        (:func:`recoup_lib.appeals.worklist`).
    path : path-like, optional
        The path, in the second form.

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Sheets: Summary (notices and money by recommendation), Decisions (the
    contract's columns first), Worklist, Appeal path (from a result).
    Notice ids, payer names and reasons are guarded against formula
    injection (module docstring).
    """
    decisions, worklist, ladder, path = _appeal_parts(source, path_or_worklist, path)
    book = _Book()
    rec = decisions.groupby("recommendation", sort=False)
    counts = pd.DataFrame({
        "notices": rec.size(),
        "amount_cents": rec["amount_cents"].sum() if "amount_cents" in decisions else 0,
        "agreed_amount_cents": rec["agreed_amount_cents"].sum(),
        "disputed_amount_cents": rec["disputed_amount_cents"].sum(),
    }).reindex(["appeal", "partial", "accept"]).dropna(how="all").fillna(0).astype("int64").reset_index()
    items = [("RecoupKit appeal decisions", "one row per recoupment notice"),
             ("Notices decided", int(len(decisions))),
             ("Money agreed", Money(int(decisions["agreed_amount_cents"].astype("int64").sum()))),
             ("Money disputed", Money(int(decisions["disputed_amount_cents"].astype("int64").sum())))]
    if worklist is not None:
        items.append(("Open notices on the worklist", int(len(worklist))))
    book.summary("Summary", items, [("By recommendation", counts)])
    book.table("Decisions", decisions)
    if worklist is not None:
        book.table("Worklist", worklist)
    if ladder is not None and len(ladder):
        book.table("Appeal path", ladder)
    return book.save(path)


def _metrics_sheet(book: _Book, metrics: pd.DataFrame) -> None:
    """Metrics with each value typed by its unit: money, percent, days or count."""
    headers = ["metric", "label", "value", "numerator", "denominator", "unit", "basis", "source", "available",
               "note"]
    ws = book.wb.create_sheet("Metrics")
    book._layout(ws, [34, 40, 14, 16, 16, 9, 10, 28, 9, 60], freeze=True)
    ws.auto_filter.ref = f"A1:J{len(metrics) + 1}"
    ws.append(book._header(ws, headers))
    for m in metrics.itertuples(index=False):
        money = m.basis == "cents"

        def part(v, money=money):
            if pd.isna(v):
                return None
            return _formatted(ws, Decimal(int(v)).scaleb(-2), MONEY_FORMAT) if money else int(v)

        if not m.available:
            value = None
        elif m.unit == "dollars":
            value = part(m.numerator)
        elif m.unit == "count":
            value = None if pd.isna(m.numerator) else int(m.numerator)
        elif m.unit == "percent":
            value = None if pd.isna(m.value) else _formatted(ws, float(m.value) / 100.0, PERCENT_FORMAT)
        else:
            value = None if pd.isna(m.value) else _formatted(ws, float(m.value), "0.0")
        ws.append([_text_cell(ws, m.metric), _text_cell(ws, m.label), value, part(m.numerator),
                   part(m.denominator), m.unit, m.basis, _text_cell(ws, m.source), bool(m.available),
                   _text_cell(ws, m.note)])


def write_report_workbook(report, path: str | Path) -> Path:
    """The dashboard as a workbook: metrics, trend, money at risk, notices, recoupments, findings.

    Parameters
    ----------
    report : recoup_lib.report.Report
    path : path-like

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Sheets: Summary, Metrics (each value typed by its unit, switched-off
    metrics with their reason), Trend (by month), At risk by cause, By
    category, Top providers, Top codes, By payer, then when available
    Notice aging, Worklist, Decisions, Recoupments, and finally Findings.
    Text from the inputs is guarded against formula injection.
    """
    audit = report.audit
    book = _Book()
    available = report.metrics.loc[report.metrics["available"]]
    items = [("RecoupKit prevention dashboard", report.title or ""), ("As of", report.as_of)]
    for m in available.itertuples(index=False):
        if m.metric in ("clean_claim_rate", "denial_rate_claims", "recoupment_rate", "exposure_rate",
                        "appeal_overturn_rate"):
            items.append((m.label, Percent(m.value)))
        elif m.metric in ("money_at_risk", "recoupment_dollars", "disputed_dollars"):
            items.append((m.label, Money(int(m.numerator))))
    items += [("Switched off", f"{labels}: {note}") for labels, note in off_reasons(report.metrics)]
    items += [("Note", message) for message in report.messages]
    book.summary("Summary", items)
    _metrics_sheet(book, report.metrics)
    book.table("Trend", report.trend, percent=("denial_rate_lines",), month=("month",))
    book.table("At risk by cause", _by(audit, "error_type"))
    book.table("By category", _by(audit, "category"))
    providers = _by(audit, "provider")
    names = report.names.get("provider") or {}
    providers.insert(1, "name", providers["provider"].map(names).fillna("").astype("str"))
    book.table("Top providers", providers)
    book.table("Top codes", _by(audit, "code"))
    book.table("By payer", _by(audit, "payer"))
    if report.aging is not None:
        book.table("Notice aging", report.aging)
    if report.appeals is not None:
        book.table("Worklist", report.worklist)
        book.table("Decisions", report.appeals.decisions)
    if report.recoupments is not None:
        book.table("Recoupments", report.recoupments)
    book.table("Findings", audit.capped)
    return book.save(path)
