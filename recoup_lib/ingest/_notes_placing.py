"""Notes of a documentation export without line numbers put on the claim lines they document.

A visit-note or chart-completion report lists notes per visit: claim or
encounter number, date of service, maybe the CPT code, whether a note is on
file and signed; it numbers no lines. Read with ``--infer-missing``
(:data:`._line_match.UNNUMBERED_NOTES`), each note is put on lines of the
claims imported (:func:`place_notes`):

- a note giving a CPT code goes on the line of its claim with that code (and
  the modifiers and date of service it gives), found as a payment's line is
  (:func:`._line_match.find_lines`);
- a note without one (the export has no CPT column, or the row's is blank)
  documents its visit: it applies to every line of its claim, of its date of
  service when it gives one;
- a note that fits no line, or several lines otherwise than as a visit, is
  set aside with the reason, counted in its file's report.

documentation.csv holds one row per line, so two notes landing on one line
(a signed and an unsigned note of one visit) make one row: the line is
documented when any of its notes is present, signed when any present note is
signed, unsigned when none is and one says it is not (blank when none says),
and its documented code is that of the note deciding (the first signed
present note, else the first present one). A note in the summary counts each.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..errors import WHOLE_ROW
from ._build import Built
from ._fields import LINE_FINDERS
from ._line_match import IN_ORDER, NO_CLAIM, ONLY_LINE, aside_counted, find_lines
from ._placing import _set_aside_unplaced, as_read
from ._result import SourceReport

__all__ = ["place_notes", "VISIT", "VISIT_ON_DATE"]

#: How a note without a CPT code is placed: on every line of its claim (of its date of service).
VISIT = "every line of its claim (a visit note)"
VISIT_ON_DATE = "every line of its claim on its date of service (a visit note)"
#: Why a note without a CPT code is set aside when its claim has lines, none of its date of service.
NO_LINE_ON_DATE = "no line number, and no line of its claim has its service date"
#: The words of :func:`._line_match.find_lines`, said of payments, as said of notes.
_SAID_OF_NOTES = ((r"which one (each|it) paid", r"which one \1 documents"),
                  (r"the report has ([\d,]+) payment\(s\) for them, not one payment per line",
                   r"the export has \1 note(s) for them, not one note per line"),
                  (r"(\S+) paid, (\S+) billed", r"\1 in the note, \2 billed"),
                  (r"is paid by row", r"is documented by row"))


def _of_notes(words: np.ndarray) -> np.ndarray:
    """Reasons or ``matched_by`` of :func:`._line_match.find_lines` worded for notes, not payments."""
    said = pd.Series(words, dtype="object")
    for pattern, replacement in _SAID_OF_NOTES:
        said = said.str.replace(pattern, replacement, regex=True)
    return said.to_numpy(dtype=object)


def _whole_visits(notes: pd.DataFrame, lines: pd.DataFrame | None) -> tuple[pd.DataFrame, np.ndarray]:
    """Notes without a CPT code on every line of their claim (of their date of service, when given).

    Returns
    -------
    placed : pandas.DataFrame
        ``_pos`` (the note's position in ``notes``), ``_line`` and ``_how``: one row per line documented.
    reason : numpy.ndarray of str
        Per note, why no line was found (``""`` where one was).
    """
    n = len(notes)
    if lines is None or not len(lines) or not n:
        return pd.DataFrame({"_pos": [], "_line": [], "_how": []}), np.full(n, NO_CLAIM, dtype=object)
    pairs = pd.DataFrame({"_pos": np.arange(n), "claim_id": notes["claim_id"].astype(str).to_numpy()}).merge(
        pd.DataFrame({"claim_id": lines["claim_id"].astype(str).to_numpy(),
                      "_line": np.asarray(lines["line_no"], dtype=np.int64),
                      "_dos": np.asarray(lines["service_date"], dtype="datetime64[D]")}),
        on="claim_id", how="inner", sort=False)
    pos = pairs["_pos"].to_numpy()
    dos = (np.asarray(notes["service_date"], dtype="datetime64[D]") if "service_date" in notes.columns
           else np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"))
    dated = ~np.isnat(dos)
    fits = ~dated[pos] | (dos[pos] == pairs["_dos"].to_numpy())
    placed = pairs.loc[fits, ["_pos", "_line"]].assign(_how=np.where(dated[pos[fits]], VISIT_ON_DATE, VISIT))
    of_claim = np.bincount(pos, minlength=n)
    fitting = np.bincount(pos[fits], minlength=n)
    reason = np.select([of_claim == 0, fitting == 0], [NO_CLAIM, NO_LINE_ON_DATE], "").astype(object)
    return placed, reason


def _one_row_per_line(placed: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Notes on the same line made one row (see the module doc); (the rows, how many lines had several)."""
    key = ["claim_id", "line_no"]
    several = int(placed.duplicated(key, keep=False).groupby([placed[k] for k in key]).any().sum())
    if not several:
        return placed, 0
    present = placed["note_present"].eq(True).fillna(False).to_numpy(dtype=bool)
    signed = placed["signed"]
    rank = np.where(present, 0, 3) + np.select(
        [signed.eq(True).fillna(False).to_numpy(dtype=bool), signed.eq(False).fillna(False).to_numpy(dtype=bool)],
        [0, 1], 2)
    order = np.argsort(rank, kind="stable")
    deciding = placed.iloc[order].drop_duplicates(key, keep="first")
    return placed.loc[np.sort(deciding.index.to_numpy())], several


def _placed_note(by_code: np.ndarray, visits: int, visit_lines: int, reasons: np.ndarray, several: int) -> str:
    """The summary's note: notes put on a line by their CPT code each way, visit notes applied to the
    lines of their visit, notes set aside for each reason, and lines documented by several notes."""
    how = pd.Series(by_code, dtype="object")
    in_order = int(how.str.endswith(IN_ORDER).sum())
    differing = int(how.str.startswith(ONLY_LINE + " (").sum())
    by_values = len(how) - in_order - differing
    told = [f"{by_values:,} note(s) put on the one line of their claim with their procedure code (and the "
            "modifiers and service date the row gives)"] if by_values else []
    if in_order:
        told.append(f"{in_order:,} put in order on lines alike (one note per line: the first on the lowest line "
                    "number)")
    if differing:
        told.append(f"{differing:,} put on their claim's only line though its procedure code, modifiers or service "
                    "date differ")
    if visits:
        told.append(f"{visits:,} note(s) applied to {visit_lines:,} line(s) of their claims (a note without a CPT "
                    "code covers its visit: every line of its claim, of its date of service when it gives one)")
    told += aside_counted(reasons)
    if several:
        told.append(f"{several:,} line(s) documented by more than one note, written as one row each: the note "
                    "present if any is, signed if any present note is (unsigned if one says so and none is "
                    "signed), the documented code of the note deciding")
    return "no line number column: " + ("; ".join(told) or "none")


def place_notes(data: pd.DataFrame, built: Built, report: SourceReport, lines: pd.DataFrame | None,
                problems: list) -> pd.DataFrame:
    """A documentation export without line numbers: each note put on the lines it documents (see the
    module doc), with ``line_no`` and ``matched_by`` saying how; the notes no line fits set aside
    with their reason and their cells as read; one row per line; a note counts each."""
    coded = (data["procedure_code"].fillna("").astype(str).ne("").to_numpy(dtype=bool)
             if "procedure_code" in data.columns else np.zeros(len(data), dtype=bool))
    with_code, without = data.loc[coded], data.loc[~coded]
    line_no, matched_by, code_reason = find_lines(with_code, lines)
    code_placed = ~np.asarray(pd.isna(line_no))
    visit_lines, visit_reason = _whole_visits(without, lines)

    by_code = with_code.loc[code_placed].assign(line_no=np.asarray(line_no[code_placed], dtype=np.int64),
                                               matched_by=_of_notes(matched_by[code_placed]))
    by_visit = without.iloc[visit_lines["_pos"].to_numpy(dtype=np.int64)].assign(
        line_no=visit_lines["_line"].to_numpy(dtype=np.int64), matched_by=visit_lines["_how"].to_numpy(dtype=object))
    placed = pd.concat([by_code, by_visit]).sort_index(kind="stable").reset_index(drop=True)
    placed = placed.drop(columns=[f for f in LINE_FINDERS["documentation"] if f in placed.columns])
    placed.insert(placed.columns.get_loc("claim_id") + 1, "line_no", placed.pop("line_no"))
    placed["matched_by"] = pd.array(placed["matched_by"].astype(str), dtype=pd.StringDtype("pyarrow"))
    placed, several = _one_row_per_line(placed)

    aside = pd.concat([with_code.loc[~code_placed, ["_row", "claim_id"]].assign(
                           _reason=_of_notes(code_reason[~code_placed])),
                       without.loc[visit_reason != "", ["_row", "claim_id"]].assign(
                           _reason=visit_reason[visit_reason != ""])]).sort_index(kind="stable")
    reasons = aside["_reason"].to_numpy(dtype=object)
    _set_aside_unplaced(report, as_read(built, aside[["_row"]]), np.full(len(aside), WHOLE_ROW),
                        aside["claim_id"], reasons, problems)
    report.notes.append(_placed_note(matched_by[code_placed], int((visit_reason == "").sum()),
                                     len(by_visit[["claim_id", "line_no"]].drop_duplicates()), reasons, several))
    return placed.reset_index(drop=True)
