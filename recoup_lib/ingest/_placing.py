"""Payments put on the claim lines they paid when their report does not number them.

A payment report without a line number column has every payment placed by
:func:`._line_match.find_lines` (:func:`place_unnumbered`); one with such a
column but some cells blank keeps its numbered rows as they are and places
the others the same way (:func:`place_blank_numbers`). A payment that fits
no line is set aside with its reason and its cells as read, counted in its
file's report (:meth:`._result.SourceReport.set_aside_later`); a note says
how many were placed each way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import WHOLE_ROW, Problem
from ..schema import FileSpec, parse_table
from ._build import Built, build_export, rename_reason
from ._fields import LINE_FINDERS, Proposal, headers_of
from ._line_match import find_lines, placed_note, rows_looked_for
from ._result import SourceReport
from ._tables import RawExport
from ._unnumbered import UNNUMBERED

__all__ = ["as_read", "set_aside_unplaced", "BlankNumbers", "blank_numbers", "place_unnumbered",
           "place_blank_numbers", "by_line_number"]


def by_line_number(n: int) -> pd.arrays.ArrowStringArray:
    """A ``matched_by`` column of ``n`` rows each saying ``line number``, made by Arrow (a numpy array of the
    text first takes 44 bytes a row, which pandas then converts one by one)."""
    return pd.array(pa.repeat(pa.scalar("line number", pa.large_string()), n), dtype=pd.StringDtype("pyarrow"))


def as_read(built: Built, rejected: pd.DataFrame) -> pd.DataFrame:
    """``_row`` and the cells, as the export held them, of the rows the contract check set aside
    (in ``rejected``'s order): what a user finds in the file, not the text the import made of it."""
    rows = rejected["_row"].to_numpy()
    cells = built.cells_as_read(np.searchsorted(built.rows, rows))  # an export's rows are numbered in order
    cells.insert(0, "_row", rows)
    return cells


def set_aside_unplaced(report: SourceReport, cells: pd.DataFrame, columns, values, reasons: np.ndarray,
                       problems: list) -> None:
    """Payments no line was found for (``cells``: ``_row`` and their cells as read) set aside with ``reasons``,
    each problem naming its column and value (the whole row and its claim, when no line fits it)."""
    if not len(cells):
        return
    cells = cells.reset_index(drop=True)
    cells.insert(1, "_reason", reasons)
    report.set_aside_later(cells, [Problem(report.label, int(r), column, str(value), why) for r, column, value, why
                                   in zip(cells["_row"], columns, values, reasons)], problems)


def place_unnumbered(data: pd.DataFrame, built: Built, report: SourceReport, lines: pd.DataFrame | None,
                     problems: list) -> pd.DataFrame:
    """A payment report without line numbers: each payment put on the claim line it paid (its
    ``line_no``, and ``matched_by`` saying how: :func:`._line_match.find_lines`), the others set aside
    with their reason and their cells as read; a note counts both."""
    line_no, matched_by, reason = find_lines(data, lines)
    placed = ~np.asarray(pd.isna(line_no))
    aside = ~placed
    set_aside_unplaced(report, as_read(built, data.loc[aside, ["_row"]]), np.full(int(aside.sum()), WHOLE_ROW),
                       data.loc[aside, "claim_id"], reason[aside], problems)
    kept = data.loc[placed].drop(columns=[f for f in LINE_FINDERS["payments"] if f in data.columns])
    kept.insert(kept.columns.get_loc("claim_id") + 1, "line_no", np.asarray(line_no[placed], dtype=np.int64))
    kept["matched_by"] = pd.array(matched_by[placed].astype(str), dtype=pd.StringDtype("pyarrow"))
    report.notes.append(placed_note(matched_by, reason[aside]))
    return kept.reset_index(drop=True)


#: What finds the line of a row whose line number is blank, in a payment report or documentation export
#: with line numbers (:func:`_finders_read`): its claim (as the row was read, a claim number filled down
#: too) and its procedure code, modifiers and service date, read as a report without line numbers reads them.
_FINDERS = FileSpec(UNNUMBERED.name, tuple(UNNUMBERED.column(name) for name in ("claim_id", *LINE_FINDERS["payments"])),
                    description="the values that find the claim line of a payment or a note")
_CLAIM_READ = "_claim_id as read"


def _finders_read(rows: pd.DataFrame, cells: pd.DataFrame, mapped: dict,
                  report: SourceReport) -> tuple[pd.DataFrame, dict]:
    """The procedure code, modifiers and service date of payments (or notes) whose line number is blank.

    Parameters
    ----------
    rows : pandas.DataFrame
        ``_row``, claim_id and the other fields of the rows (paid_cents of payments, a note's fields), as read.
    cells : pandas.DataFrame
        ``_row`` and their cells as the export held them, in the same order.
    mapped : dict
        The headers of the fields that find a line, as their file's mapping found them for a report
        without line numbers (``Built.finders``).
    report : SourceReport
        Their file's.

    Returns
    -------
    found : pandas.DataFrame
        ``_row``, claim_id, the fields found and the other fields of ``rows``, of the rows whose values could
        be read.
    unread : dict
        Row number -> the first value of it that could not be read: (its header, the value as read,
        why: ``column 'DOS' (service_date): ...``).

    Notes
    -----
    The file's mapping and its reading are reused: only the columns of these fields are read here,
    from the rows' cells as the export held them, with the claim number the file's reading gave
    (filled down too).
    """
    finders = {f: mapped[f] for f in LINE_FINDERS["payments"] if f in mapped}
    headers = list(dict.fromkeys(h for value in finders.values() for h in headers_of(value)))
    texts = {h: pa.array(cells[h].astype(object).fillna("").tolist(), pa.string()) for h in headers}
    texts[_CLAIM_READ] = pa.array(rows["claim_id"].astype(str).tolist(), pa.string())
    raw = RawExport(report.label, [*headers, _CLAIM_READ], texts, rows["_row"].to_numpy(dtype=np.int64), [],
                    dict(report.info))
    built = build_export(raw, _FINDERS, Proposal("payments", raw.headers, {"claim_id": _CLAIM_READ, **finders}, {}, {}))
    parsed = parse_table(built.frame, _FINDERS, label=report.label, row_numbers=built.rows)
    first_bad: dict[int, tuple[str, str]] = {}
    for problem in (*built.problems, *parsed.problems):
        first_bad.setdefault(int(problem.row), (built.header_of.get(problem.column, problem.column), problem.value))
    reasons = list(zip(built.aside["_row"].tolist(), built.aside["_reason"].tolist()))
    if len(parsed.rejected):
        reasons += [(int(r), rename_reason(why, built.header_of))
                    for r, why in zip(parsed.rejected["_row"], parsed.rejected["_reason"])]
    unread = {r: (*first_bad.get(r, (WHOLE_ROW, "")), why) for r, why in reasons}
    others = rows.drop(columns=[c for c in ("claim_id", *LINE_FINDERS["payments"]) if c in rows.columns])
    found = parsed.data[["_row", "claim_id", *finders]].merge(others, on="_row", how="left")
    return found, unread


@dataclass(frozen=True)
class BlankNumbers:
    """The rows of a payment report or documentation export with a line number column whose line number is
    blank, as :func:`blank_numbers` reads them to be placed without it.

    Attributes
    ----------
    blank : numpy.ndarray of bool
        Per row of the data, whether its line number is blank.
    cells : pandas.DataFrame
        ``_row`` and the cells of those rows as the export held them, in the data's order.
    rows : str
        Those rows in words, for the summary (:func:`._line_match.rows_looked_for`).
    found : pandas.DataFrame or None
        ``_row``, claim_id, the fields that find a line and the other fields asked for, of the rows whose
        values could be read (:func:`_finders_read`); None when they were not read.
    at : numpy.ndarray of int or None
        Per row of ``cells``, its position in ``found``; -1 where its values could not be read.
    column, value, reason : numpy.ndarray of str or None
        Per row of ``cells`` whose values could not be read, the header of the first such value, the value
        as read and why the row is set aside (``no line number, and column 'DOS' (service_date): ...``);
        WHOLE_ROW, ``""`` and ``""`` for the rows read.
    """

    blank: np.ndarray
    cells: pd.DataFrame
    rows: str
    found: pd.DataFrame | None = None
    at: np.ndarray | None = None
    column: np.ndarray | None = None
    value: np.ndarray | None = None
    reason: np.ndarray | None = None


def blank_numbers(data: pd.DataFrame, built: Built, report: SourceReport,
                  fields: list[str] | None) -> BlankNumbers | None:
    """The rows of ``data`` (a payment report or documentation export with a line number column) whose line
    number is blank, with their cells as read and, given ``fields`` (the columns of ``data`` to keep with
    them), the values that find their line read from those cells as a report without line numbers reads
    them, and why a row whose values could not be read is set aside; None when no line number is blank.

    Shared by :func:`place_blank_numbers` and :func:`._notes_placing.place_blank_notes`; ``fields`` None
    leaves the values unread (notes set aside for want of ``--infer-missing``)."""
    blank = np.asarray(data["line_no"].isna())
    if not blank.any():
        return None
    cells = as_read(built, data.loc[blank, ["_row"]])
    rows = rows_looked_for(int(blank.sum()))
    if fields is None:
        return BlankNumbers(blank, cells, rows)
    found, unread = _finders_read(data.loc[blank, fields], cells, built.finders, report)
    position = {int(r): i for i, r in enumerate(found["_row"])}
    cell_rows = cells["_row"].astype(int).tolist()
    said = [(WHOLE_ROW, "", "") if r in position else (*unread[r][:2], "no line number, and " + unread[r][2])
            for r in cell_rows]
    column, value, reason = (np.array([each[i] for each in said], dtype=object) for i in range(3))
    at = np.array([position.get(r, -1) for r in cell_rows], dtype=np.int64)
    return BlankNumbers(blank, cells, rows, found, at, column, value, reason)


def place_blank_numbers(data: pd.DataFrame, built: Built, report: SourceReport, lines: pd.DataFrame | None,
                        problems: list) -> pd.DataFrame:
    """A payment report with a line number column, some of its cells blank: the rows numbered kept as
    they are, each other one put on the line it paid as a row of a report without line numbers is
    (:func:`place_unnumbered`; its procedure code, modifiers and service date read from its cells
    as the export held them), or set aside with the reason; ``matched_by`` says how each row's line
    was had (``line number`` for the numbered), and a note counts them."""
    blanks = blank_numbers(data, built, report, ["_row", "claim_id", "paid_cents"])
    if blanks is None:
        data["line_no"] = np.asarray(data["line_no"], dtype=np.int64)   # as a report numbering every line gives them
        data["matched_by"] = by_line_number(len(data))
        return data
    blank = blanks.blank
    numbered = data.loc[~blank, ["_row", "claim_id", "line_no", "paid_cents"]]
    line_no, matched_by, reason = find_lines(blanks.found, lines, paid_elsewhere=numbered)
    at = blanks.at.tolist()
    line_found = pd.array([line_no[i] if i >= 0 else pd.NA for i in at], dtype="Int64")
    how = np.array([matched_by[i] if i >= 0 else "" for i in at], dtype=object)
    why = np.array([reason[i] if i >= 0 else unread for i, unread in zip(at, blanks.reason)], dtype=object)
    column = blanks.column
    value = np.where(column == WHOLE_ROW, data.loc[blank, "claim_id"].astype(str).to_numpy(dtype=object),
                     blanks.value)
    aside = np.asarray(line_found.isna())
    set_aside_unplaced(report, blanks.cells.loc[aside], column[aside], value[aside], why[aside], problems)
    out = data.copy()
    out.loc[blank, "line_no"] = line_found
    by = np.full(len(data), "line number", dtype=object)
    by[blank] = how
    out["matched_by"] = pd.array(by.astype(str), dtype=pd.StringDtype("pyarrow"))
    unplaced = np.zeros(len(data), dtype=bool)
    unplaced[np.flatnonzero(blank)[aside]] = True
    out = out.loc[~unplaced]
    out["line_no"] = out["line_no"].astype("int64")
    report.notes.append(placed_note(how, why[aside], blanks.rows))
    return out.reset_index(drop=True)
