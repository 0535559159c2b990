"""Notes of a documentation export without line numbers put on the claim lines they document.

A visit-note or chart-completion report lists notes per visit: claim or
encounter number, date of service, maybe the CPT code, whether a note is on
file and signed; it numbers no lines. Read with ``--infer-missing``
(:data:`._unnumbered.UNNUMBERED_NOTES`), each note is put on lines of the
claims imported (:func:`place_notes`):

- a note giving a CPT code goes on the line of its claim with that code (and
  the modifiers and date of service it gives), found as a payment's line is
  (:func:`._line_match.find_lines`); when several lines have them alike (97110
  billed on lines 3 and 4, two units as two lines), it documents the service
  on each: it goes on every one of them (:func:`._line_match.find_note_lines`),
  but not on lines differing in the modifiers or date it does not give (99213
  billed on two days, a note without a date: one visit's note would document
  the other's line), where it is set aside as such a payment is;
- a note giving another code than its claim's only line bills is set aside
  (a payer's downcode pays that line; a note of 99213 does not document
  99214), unless the export maps a documented_code column: then it goes on
  the line as a payment does, its documented code saying what it supports,
  unless another note of the export documents that line with its own code
  or its line number (the note is set aside naming that row);
- a note without one (the export has no CPT column, or the row's is blank)
  documents its visit: it applies to every line of its claim, of its date of
  service when it gives one;
- a note that fits no line is set aside with the reason, counted in its
  file's report.

An export with a line number column, some of its cells blank, keeps its
numbered rows as they are and places the others the same way with
``--infer-missing`` (a numbered note documenting its line as a note
fitting it does); without it, sets them aside with a reason naming the
option (:func:`place_blank_notes`).

documentation.csv holds one row per line, so two notes landing on one line
(a signed and an unsigned note of one visit) make one row: the line is
documented when any of its notes is present, signed when any present note is
signed, unsigned when none is and one says it is not (blank when none says),
and its documented code is that of the note deciding those (the first
present note signed, else the first present one marked unsigned, whose flag
the line takes, else the first present one, else the first of the others in
that order). A note in the summary counts each.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..errors import WHOLE_ROW
from ._build import Built
from ._fields import LINE_FINDERS
from ._line_match import NO_CLAIM, ONLY_LINE, aside_counted, find_note_lines, rows_looked_for
from ._placing import as_read, blank_numbers, by_line_number, set_aside_unplaced
from ._result import SourceReport

__all__ = ["place_notes", "place_blank_notes", "notes_placing_note", "VISIT", "VISIT_ON_DATE", "NEEDS_INFER"]

#: How a note without a CPT code is placed: on every line of its claim (of its date of service).
VISIT = "every line of its claim (a visit note)"
VISIT_ON_DATE = "every line of its claim on its date of service (a visit note)"
#: Why a note without a CPT code is set aside when its claim has lines, none of its date of service.
NO_LINE_ON_DATE = "no line number, and no line of its claim has its service date"
#: Why a row of a numbered export whose line number is blank is set aside without ``--infer-missing``.
NEEDS_INFER = ("no line number: give --infer-missing to put the note on the line of its claim with its CPT code "
               "and service date (or on every line of its visit, without a CPT code)")
#: What becomes of those rows, in the summary.
_SET_ASIDE_WITHOUT_INFER = "set aside (give --infer-missing to put each on the lines it documents)"


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


def _placed(notes: pd.DataFrame, lines: pd.DataFrame | None, documented_code: bool,
            numbered: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Each note put on the lines it documents (see the module doc).

    Parameters
    ----------
    notes : pandas.DataFrame
        ``_row``, claim_id, the note's fields and, when the export has them, procedure_code, modifiers,
        service_date (as :data:`._unnumbered.UNNUMBERED_NOTES` reads them).
    lines : pandas.DataFrame or None
        The claim lines imported.
    documented_code : bool
        Whether the export maps a documented_code column: only then is a note no line fits put on its
        claim's only line, as a payment of a changed code is (the column says what the note supports);
        otherwise it is set aside, saying what differs.
    numbered : pandas.DataFrame, optional
        ``_row``, claim_id, line_no of the export's numbered notes (:func:`place_blank_notes`): a note no
        line fits is not put on a claim's only line one of them documents, but set aside naming it.

    Returns
    -------
    placed : pandas.DataFrame
        One row per note and line documented (two notes may be on one line), in the notes' order, with
        ``line_no`` after claim_id and ``matched_by`` saying how; the fields that found it dropped.
    aside : pandas.DataFrame
        ``_row``, claim_id, ``_reason`` of the notes no line fits, in their order.
    told : list of str
        The summary's words on the notes placed, each way.
    """
    coded = (notes["procedure_code"].fillna("").astype(str).ne("").to_numpy(dtype=bool)
             if "procedure_code" in notes.columns else np.zeros(len(notes), dtype=bool))
    with_code, without = notes.loc[coded], notes.loc[~coded]
    line_no, matched_by, code_reason, alike = find_note_lines(with_code, lines, downcode=documented_code,
                                                              documented_elsewhere=numbered)
    on_lines_alike = np.zeros(len(with_code), dtype=bool)
    on_lines_alike[alike["_pos"].to_numpy(dtype=np.int64)] = True
    code_placed = ~np.asarray(pd.isna(line_no)) & ~on_lines_alike
    code_aside = np.asarray(pd.isna(line_no)) & ~on_lines_alike
    visit_lines, visit_reason = _whole_visits(without, lines)

    by_code = _code_as_documented(with_code.loc[code_placed].assign(
        line_no=np.asarray(line_no[code_placed], dtype=np.int64), matched_by=matched_by[code_placed]),
        lines)
    by_alike = with_code.iloc[alike["_pos"].to_numpy(dtype=np.int64)].assign(
        line_no=alike["_line"].to_numpy(dtype=np.int64), matched_by=alike["_how"].to_numpy(dtype=object))
    by_visit = without.iloc[visit_lines["_pos"].to_numpy(dtype=np.int64)].assign(
        line_no=visit_lines["_line"].to_numpy(dtype=np.int64), matched_by=visit_lines["_how"].to_numpy(dtype=object))
    placed = pd.concat([by_code, by_alike, by_visit]).sort_index(kind="stable").reset_index(drop=True)
    placed = placed.drop(columns=[f for f in LINE_FINDERS["documentation"] if f in placed.columns])
    placed.insert(placed.columns.get_loc("claim_id") + 1, "line_no", placed.pop("line_no"))
    placed["matched_by"] = pd.array(placed["matched_by"].astype(str), dtype=pd.StringDtype("pyarrow"))

    aside = pd.concat([with_code.loc[code_aside, ["_row", "claim_id"]].assign(
                           _reason=code_reason[code_aside]),
                       without.loc[visit_reason != "", ["_row", "claim_id"]].assign(
                           _reason=visit_reason[visit_reason != ""])]).sort_index(kind="stable")
    told = _placements_told(matched_by[code_placed], int(on_lines_alike.sum()), _lines_of(by_alike),
                            int((visit_reason == "").sum()), _lines_of(by_visit))
    return placed, aside, told


def _code_as_documented(by_code: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Notes put on their claim's only line though they give another procedure code than it bills (an
    export mapping documented_code: :func:`_placed`), with their own code as the code documented where
    their documented_code cell is blank: blank means "same as billed", which such a note does not say."""
    if "documented_code" not in by_code.columns or not len(by_code):
        return by_code
    billed = by_code[["claim_id", "line_no"]].astype({"claim_id": str}).merge(
        lines[["claim_id", "line_no", "procedure_code"]].astype({"claim_id": str, "line_no": "int64"}),
        on=["claim_id", "line_no"], how="left")["procedure_code"].fillna("").astype(str).to_numpy(dtype=object)
    own = by_code["procedure_code"].fillna("").astype(str).to_numpy(dtype=object)
    blank = by_code["documented_code"].fillna("").astype(str).str.strip().eq("").to_numpy(dtype=bool)
    other = blank & (own != billed)
    if not other.any():
        return by_code
    documented = by_code["documented_code"].astype(object).to_numpy(copy=True)
    documented[other] = own[other]
    return by_code.assign(documented_code=pd.array(documented, dtype=by_code["documented_code"].dtype))


def _lines_of(placed: pd.DataFrame) -> int:
    """How many lines ``placed`` (claim_id, line_no) puts notes on."""
    return len(placed[["claim_id", "line_no"]].drop_duplicates())


def _placements_told(by_code: np.ndarray, alike: int, alike_lines: int, visits: int, visit_lines: int) -> list[str]:
    """The summary's words on the notes put on a line by their CPT code each way, on every line alike, and
    applied to the lines of their visit."""
    how = pd.Series(by_code, dtype="object")
    differing = int(how.str.startswith(ONLY_LINE + " (").sum())
    by_values = len(how) - differing
    told = [f"{by_values:,} note(s) put on the one line of their claim with their procedure code (and the "
            "modifiers and service date the row gives)"] if by_values else []
    if differing:
        told.append(f"{differing:,} put on their claim's only line though its procedure code, modifiers or service "
                    "date differ")
    if alike:
        told.append(f"{alike:,} note(s) put on every line of their claim with their procedure code ({alike_lines:,} "
                    "line(s): a code billed on several lines alike, each documented by the note)")
    if visits:
        told.append(f"{visits:,} note(s) applied to {visit_lines:,} line(s) of their claims (a note without a CPT "
                    "code covers its visit: every line of its claim, of its date of service when it gives one)")
    return told


def _placed_note(rows: str, told: list[str], reasons: np.ndarray, several: int) -> str:
    """The summary's note on the notes of ``rows`` (:func:`._line_match.rows_looked_for`): those placed each
    way (``told``), those set aside for each reason, and the lines documented by several notes."""
    told = told + aside_counted(reasons)
    if several:
        told.append(f"{several:,} line(s) documented by more than one note, written as one row each: the note "
                    "present if any is, signed if any present note is (unsigned if one says so and none is "
                    "signed), the documented code of the note deciding")
    return f"{rows}: " + ("; ".join(told) or "none")


def place_notes(data: pd.DataFrame, built: Built, report: SourceReport, lines: pd.DataFrame | None,
                problems: list) -> pd.DataFrame:
    """A documentation export without line numbers: each note put on the lines it documents (see the
    module doc), with ``line_no`` and ``matched_by`` saying how; the notes no line fits set aside
    with their reason and their cells as read; one row per line; a note counts each."""
    placed, aside, told = _placed(data, lines, "documented_code" in built.header_of)
    placed, several = _one_row_per_line(placed)
    reasons = aside["_reason"].to_numpy(dtype=object)
    set_aside_unplaced(report, as_read(built, aside[["_row"]]), np.full(len(aside), WHOLE_ROW),
                       aside["claim_id"], reasons, problems)
    report.notes.append(_placed_note(rows_looked_for(), told, reasons, several))
    return placed.reset_index(drop=True)


def place_blank_notes(data: pd.DataFrame, built: Built, report: SourceReport, lines: pd.DataFrame | None,
                      problems: list, infer_missing: bool) -> pd.DataFrame:
    """A documentation export with a line number column, some of its cells blank: the numbered rows kept as
    they are; with ``infer_missing`` each other note put on the lines it documents as a note of an export
    without line numbers is (its CPT code, modifiers and service date read from its cells as the export
    held them), ``matched_by`` saying how each row's line was had (``line number`` for the numbered), one
    row per line; without it, those notes set aside, the reason naming ``--infer-missing``. A note counts
    them."""
    blanks = blank_numbers(data, built, report,
                           [c for c in data.columns if c != "line_no"] if infer_missing else None)
    if blanks is None:
        data["line_no"] = np.asarray(data["line_no"], dtype=np.int64)
        return data
    blank, cells, rows = blanks.blank, blanks.cells, blanks.rows
    numbered = data.loc[~blank].assign(line_no=np.asarray(data.loc[~blank, "line_no"], dtype=np.int64))
    if not infer_missing:
        set_aside_unplaced(report, cells, np.full(len(cells), built.header_of.get("line_no", "line_no")),
                           np.full(len(cells), ""), np.full(len(cells), NEEDS_INFER, dtype=object), problems)
        report.notes.append(f"{rows}: {_SET_ASIDE_WITHOUT_INFER}")
        return numbered.reset_index(drop=True)
    placed, aside, told = _placed(blanks.found, lines, "documented_code" in built.header_of,
                                  numbered[["_row", "claim_id", "line_no"]])
    combined = pd.concat([numbered.assign(matched_by=by_line_number(len(numbered))),
                          placed[[c for c in numbered.columns if c in placed.columns] + ["matched_by"]]])
    combined = combined.sort_values("_row", kind="stable").reset_index(drop=True)
    combined, several = _one_row_per_line(combined)
    unread = blanks.at < 0
    aside_cells = pd.concat([as_read(built, aside[["_row"]]), cells.loc[unread]], ignore_index=True)
    column = np.concatenate([np.full(len(aside), WHOLE_ROW, dtype=object), blanks.column[unread]])
    value = np.concatenate([aside["claim_id"].astype(str).to_numpy(dtype=object), blanks.value[unread]])
    reasons = np.concatenate([aside["_reason"].to_numpy(dtype=object), blanks.reason[unread]])
    order = np.argsort(aside_cells["_row"].to_numpy(), kind="stable")
    set_aside_unplaced(report, aside_cells.iloc[order], column[order], value[order], reasons[order], problems)
    report.notes.append(_placed_note(rows, told, reasons, several))
    return combined.reset_index(drop=True)


def notes_placing_note(rows: str, infer_missing: bool) -> str:
    """The note on the notes of ``rows`` (:func:`._line_match.rows_looked_for`) to be placed without a line
    number, before the claims are at hand (the mapping widget's preview of a documentation export): what
    the import does with them given ``--infer-missing`` (``infer_missing``), or that it sets them aside."""
    if not infer_missing:
        return f"{rows}: {_SET_ASIDE_WITHOUT_INFER}"
    return (f"{rows}: the import puts each note on the line of its claim with its CPT code (and the modifiers "
            "and service date it gives; on every line that has them alike), or, without a CPT code, on every "
            "line of its visit (of its date of service when it gives one), among the claims imported, and sets "
            "aside one that fits no line")
