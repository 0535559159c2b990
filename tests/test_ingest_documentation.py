"""``recoup import --documentation`` of visit-note and chart-completion reports, which number no lines.

Such an export lists notes per visit (encounter number, date of service, maybe the CPT code, signed or
not). With ``--infer-missing`` a note with a CPT code goes on its claim's line with that code, as a
payment does; one without covers every line of its visit; one fitting no line is set aside with its
reason; two notes on one line make one row. The audit then flags the right lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from ingest_helpers import import_files, write_lines

from recoup_lib.cli import main
from recoup_lib.errors import InputError
from recoup_lib.ingest import import_files as _import_files
from recoup_lib.rules import audit_folder

#: C3 is billed on two days (its second line the next day).
CLAIMS = ["Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Mod 1,Units,Billed Amt",
          "C1,1,P1,MCR01,1234567893,01/31/2025,2/3/25,99213,25,1,$100.00",
          "C1,2,P1,MCR01,1234567893,01/31/2025,2/3/25,36415,,1,$15.00",
          "C2,1,P2,MCR01,1234567893,02/03/2025,2/4/25,99214,,1,$150.00",
          "C2,2,P2,MCR01,1234567893,02/03/2025,2/4/25,97110,GP,1,$40.00",
          "C3,1,P3,MCR01,1234567893,02/05/2025,2/6/25,99213,,1,$100.00",
          "C3,2,P3,MCR01,1234567893,02/06/2025,2/7/25,99213,,1,$100.00"]
PAYMENTS = ["Claim #,Line #,Check #,Check Date,Paid Amt"] + [
    f"{claim},{line},EFT1,02/20/2025,50.00" for claim, line in
    (("C1", 1), ("C1", 2), ("C2", 1), ("C2", 2), ("C3", 1), ("C3", 2))]
#: A chart-completion report with the CPT code: C2's 99214 has a signed and an unsigned note; C9 is no
#: claim imported.
WITH_CPT = ["Encounter #,DOS,CPT,Signed",
            "C1,01/31/2025,99213,Y",
            "C1,01/31/2025,36415,N",
            "C2,02/03/2025,99214,N",
            "C2,02/03/2025,99214,Y",
            "C9,02/03/2025,99214,Y"]
#: A visit-note report: one note per visit, no CPT code; C2's has no date, C3's visit of 02/06 has an
#: unsigned and a signed note, and one on 03/01 matches no line of C3.
VISITS = ["Encounter #,Visit Date,Note Present,Signed",
          "C1,01/31/2025,Y,N",
          "C2,,Y,Y",
          "C3,02/06/2025,Y,N",
          "C3,02/06/2025,Y,Y",
          "C3,03/01/2025,Y,Y"]


def _import(tmp_path: Path, notes: list[str]):
    return import_files(write_lines(tmp_path / "claims.csv", CLAIMS),
                        payments=write_lines(tmp_path / "pay.csv", PAYMENTS),
                        documentation=write_lines(tmp_path / "notes.csv", notes))


def _documented(result) -> list[tuple]:
    doc = result.tables["documentation.csv"]
    return list(zip(doc["claim_id"], doc["line_no"], doc["note_present"], doc["signed"]))


def test_a_note_with_a_cpt_code_goes_on_its_claims_line_with_that_code(tmp_path):
    """Encounter #, DOS, CPT, Signed: each note on the line of its claim with its code and date, each row a
    note on file (no note-present column); the unsigned and the signed note of C2's 99214 make one row,
    signed; C9's note is set aside, counted and written."""
    result = _import(tmp_path, WITH_CPT)
    assert _documented(result) == [("C1", 1, True, True), ("C1", 2, True, False), ("C2", 1, True, True)]
    assert result.tables["documentation.csv"]["matched_by"].tolist() == ["procedure code and service date"] * 3
    report = next(s for s in result.sources if s.label == "notes.csv")
    assert (report.rows_read, report.rows_used, report.rows_set_aside) == (5, 4, 1)
    assert report.aside.set_index("_row").loc[6, "_reason"] == ("no line number, and no usable line of its claim "
                                                                "among the claims imported")
    assert "note_present: no column; each row the export lists taken as a note on file" in report.notes
    said = next(n for n in report.notes if n.startswith("no line number column"))
    assert said.startswith("no line number column: 4 note(s) put on the one line of their claim with their "
                           "procedure code")
    assert "1 set aside: 1 whose claim is not among the claims imported" in said
    assert "1 line(s) documented by more than one note, written as one row each" in said


def test_a_note_of_another_code_is_set_aside_when_a_note_documents_the_claims_only_line(tmp_path):
    """C4's only line is 99214, documented by a note giving 99214: a 36415 note of C4 is no changed code
    of that line (it was put on it, its unsigned note deciding nothing but counted on the line); it is
    set aside naming the note that documents the line."""
    claims = CLAIMS + ["C4,1,P4,MCR01,1234567893,03/03/2025,3/4/25,99214,,1,$150.00"]
    result = import_files(write_lines(tmp_path / "claims.csv", claims),
                          payments=write_lines(tmp_path / "pay.csv", PAYMENTS),
                          documentation=write_lines(tmp_path / "notes.csv", ["Encounter #,DOS,CPT,Signed",
                                                                             "C4,03/03/2025,36415,N",
                                                                             "C4,03/03/2025,99214,Y"]))
    assert _documented(result) == [("C4", 1, True, True)]
    report = next(s for s in result.sources if s.label == "notes.csv")
    assert (report.rows_read, report.rows_used, report.rows_set_aside) == (2, 1, 1)
    assert report.aside.set_index("_row").loc[2, "_reason"] == (
        "no line number, and no line of its claim has its procedure code and service date (procedure code "
        "differs: 36415 in the note, 99214 billed): its only line is documented by row 3, which fits it")



def test_a_note_of_another_code_than_a_claims_only_line_is_set_aside(tmp_path):
    """A note giving 99213 for C4, whose only line bills 99214, was put on that line as a payer's downcode is,
    documented_code blank ("as billed"): the note read as supporting 99214, and upcoding could not fire. It
    is set aside, saying what differs; an export mapping a documented_code column still puts it on the line
    (that column says what the note supports)."""
    claims = CLAIMS + ["C4,1,P4,MCR01,1234567893,03/03/2025,3/4/25,99214,,1,$150.00"]
    for header, row in (("Encounter #,DOS,CPT,Signed", "C4,03/03/2025,99213,Y"),
                        ("Encounter #,DOS,CPT,Signed,Documented Code", "C4,03/03/2025,99213,Y,99213")):
        result = import_files(write_lines(tmp_path / "claims.csv", claims),
                              payments=write_lines(tmp_path / "pay.csv", PAYMENTS),
                              documentation=write_lines(tmp_path / "notes.csv", [header, row]))
        report = next(s for s in result.sources if s.label == "notes.csv")
        if "Documented Code" not in header:
            assert (report.rows_read, report.rows_used, report.rows_set_aside) == (1, 0, 1)
            assert report.aside["_reason"].tolist() == [
                "no line number, and no line of its claim has its procedure code and service date (procedure code "
                "differs: 99213 in the note, 99214 billed)"]
            continue
        doc = result.tables["documentation.csv"]
        assert list(zip(doc["claim_id"], doc["line_no"], doc["documented_code"])) == [("C4", 1, "99213")]
        assert doc["matched_by"].tolist() == [
            "the claim's only line (procedure code differs: 99213 in the note, 99214 billed)"]


def test_a_note_of_another_code_with_its_documented_code_cell_blank_documents_its_own_code(tmp_path):
    """An export mapping documented_code, its cell blank for a note giving 99213 on C4's only line (99214):
    the note went on the line with documented_code blank, read as "same as billed" (99214), so upcoding
    could not fire. A blank cell there takes the note's own code; the audit then flags C4 as upcoded."""
    claims = CLAIMS + ["C4,1,P4,MCR01,1234567893,03/03/2025,3/4/25,99214,,1,$150.00"]
    result = import_files(write_lines(tmp_path / "claims.csv", claims),
                          payments=write_lines(tmp_path / "pay.csv", PAYMENTS + ["C4,1,EFT1,03/20/2025,90.00"]),
                          documentation=write_lines(tmp_path / "notes.csv", [
                              "Encounter #,DOS,CPT,Signed,Documented Code", "C4,03/03/2025,99213,Y,",
                              "C2,02/03/2025,99214,Y,"]))
    doc = result.tables["documentation.csv"].set_index("claim_id")
    assert doc.loc["C4", "documented_code"] == "99213"
    assert pd.isna(doc.loc["C2", "documented_code"]) or doc.loc["C2", "documented_code"] == ""
    result.write(tmp_path / "out")
    findings = audit_folder(tmp_path / "out").findings
    assert ("C4", 1) in set(zip(findings.loc[findings["error_type"] == "upcoding", "claim_id"],
                               findings.loc[findings["error_type"] == "upcoding", "line_no"]))


#: C5 bills 97110 GP and 97110 59 on one day.
UNLIKE = ["C5,1,P5,MCR01,1234567893,02/10/2025,2/11/25,97110,GP,1,$40.00",
          "C5,2,P5,MCR01,1234567893,02/10/2025,2/11/25,97110,59,1,$40.00"]


def test_a_note_fitting_lines_not_alike_is_set_aside_as_a_payment_is(tmp_path):
    """A note of 99213 for C3, billed on 02/05 and 02/06, with no date (a blank cell, or no date column),
    went on both lines, one visit's note documenting another day's line; so did a 97110 note of C5 in an
    export without a modifier column, documenting 97110 GP and 97110 59. Lines differing in what the note
    does not give are not alike: the note is set aside, with the reason a payment gets."""
    exports = {"blank_date": (["Encounter #,DOS,CPT,Signed", "C3,,99213,Y"], "procedure code", "service dates"),
               "no_date": (["Encounter #,CPT,Signed", "C3,99213,Y"], "procedure code", "service dates"),
               "no_modifiers": (["Encounter #,DOS,CPT,Signed", "C5,02/10/2025,97110,Y"],
                                "procedure code and service date", "modifiers")}
    for name, (notes, given, differ) in exports.items():
        result = import_files(write_lines(tmp_path / "claims.csv", CLAIMS + UNLIKE),
                              payments=write_lines(tmp_path / "pay.csv", PAYMENTS),
                              documentation=write_lines(tmp_path / f"{name}.csv", notes))
        assert not len(result.tables.get("documentation.csv", [])), name
        report = next(s for s in result.sources if s.label == f"{name}.csv")
        assert (report.rows_read, report.rows_set_aside) == (1, 1), name
        assert report.aside["_reason"].tolist() == [
            f"no line number, and several lines of its claim have its {given} (2 lines, not alike: their {differ} "
            "differ, which the note does not give): which one each documents cannot be told"], name

def test_a_note_marked_unsigned_decides_a_lines_documented_code_before_one_saying_nothing(tmp_path):
    """Two present notes of C1's 99213, the first with a blank Signed cell, the second marked unsigned: the
    line is unsigned, and its documented code is the unsigned note's, the note the flag comes from (as
    docs/import-workflow.md says), not the first present one's."""
    result = _import(tmp_path, ["Encounter #,DOS,CPT,Signed,Documented Code", "C1,01/31/2025,99213,,99214",
                                "C1,01/31/2025,99213,N,99212"])
    doc = result.tables["documentation.csv"]
    assert list(zip(doc["line_no"], doc["signed"], doc["documented_code"])) == [(1, False, "99212")]

def test_a_note_without_a_cpt_code_covers_every_line_of_its_visit(tmp_path):
    """No CPT column: a note applies to every line of its claim, of its date of service when it gives one
    (C3's note of 02/06 documents line 2, not line 1 of 02/05); one on a day its claim billed nothing is
    set aside; the summary says how many notes covered how many lines."""
    result = _import(tmp_path, VISITS)
    assert _documented(result) == [("C1", 1, True, False), ("C1", 2, True, False), ("C2", 1, True, True),
                                   ("C2", 2, True, True), ("C3", 2, True, True)]
    report = next(s for s in result.sources if s.label == "notes.csv")
    assert (report.rows_read, report.rows_used, report.rows_set_aside) == (5, 4, 1)
    assert report.aside.set_index("_row").loc[6, "_reason"] == ("no line number, and no line of its claim has its "
                                                                "service date")
    said = next(n for n in report.notes if n.startswith("no line number column"))
    assert "4 note(s) applied to 5 line(s) of their claims" in said


def test_the_audit_flags_missing_signature_on_the_lines_the_notes_land_on(tmp_path, capsys):
    """The command writes one documentation row per line and the audit reads it: the unsigned note of
    C1's 36415 is missing_signature, C2's 99214 (one note signed) is not, and the lines no note
    documents (C2's 97110, C3's) are missing_documentation."""
    write_lines(tmp_path / "claims.csv", CLAIMS)
    write_lines(tmp_path / "pay.csv", PAYMENTS)
    write_lines(tmp_path / "notes.csv", WITH_CPT)
    args = ["import", "--claims", str(tmp_path / "claims.csv"), "--payments", str(tmp_path / "pay.csv"),
            "--documentation", str(tmp_path / "notes.csv"), "--out", str(tmp_path / "f")]
    assert main(args + ["--infer-missing"]) == 0
    assert "4 note(s) put on the one line of their claim" in capsys.readouterr().out
    written = pd.read_csv(tmp_path / "f" / "documentation.csv", dtype=str)
    assert not written.duplicated(["claim_id", "line_no"]).any()
    rejected = pd.read_csv(tmp_path / "f" / "import_rejected.csv", dtype=str)
    assert rejected.loc[rejected["file"] == "notes.csv", "row"].tolist() == ["6"]
    found = audit_folder(tmp_path / "f").findings
    doc = found.loc[found["category"] == "documentation"].sort_values(["claim_id", "line_no"])
    assert list(zip(doc["claim_id"], doc["line_no"], doc["error_type"])) == [
        ("C1", 2, "missing_signature"), ("C2", 2, "missing_documentation"), ("C3", 1, "missing_documentation"),
        ("C3", 2, "missing_documentation")]


def test_without_infer_missing_a_documentation_export_without_line_numbers_stops_naming_it(tmp_path, capsys):
    notes = write_lines(tmp_path / "notes.csv", WITH_CPT)
    claims = write_lines(tmp_path / "claims.csv", CLAIMS)
    with pytest.raises(InputError, match=r"no header for required field 'line_no' .*--infer-missing to put each "
                                         r"note on the line of its claim"):
        _import_files(claims, documentation=notes)
    assert main(["import", "--claims", str(claims), "--documentation", str(notes), "--out", str(tmp_path / "o")]) == 1
    assert "--infer-missing" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


#: C4 bills 97110 GP on lines 3 and 4 (two units as two lines).
ALIKE = ["C4,1,P4,MCR01,1234567893,02/10/2025,2/11/25,99213,,1,$100.00",
         "C4,2,P4,MCR01,1234567893,02/10/2025,2/11/25,36415,,1,$15.00",
         "C4,3,P4,MCR01,1234567893,02/10/2025,2/11/25,97110,GP,1,$40.00",
         "C4,4,P4,MCR01,1234567893,02/10/2025,2/11/25,97110,GP,1,$40.00"]


def test_a_note_whose_code_is_billed_on_two_lines_documents_both(tmp_path, capsys):
    """One note for 97110, billed on C4's lines 3 and 4 alike, goes on both (not set aside as "several lines
    fit"), so the audit flags neither missing_documentation; C4's 36415, which no note documents, is."""
    write_lines(tmp_path / "claims.csv", CLAIMS + ALIKE)
    write_lines(tmp_path / "pay.csv", PAYMENTS + [f"C4,{line},EFT2,02/20/2025,30.00" for line in range(1, 5)])
    write_lines(tmp_path / "notes.csv",
                ["Encounter #,DOS,CPT,Signed", "C4,02/10/2025,99213,Y", "C4,02/10/2025,97110,Y"])
    assert main(["import", "--claims", str(tmp_path / "claims.csv"), "--payments", str(tmp_path / "pay.csv"),
                 "--documentation", str(tmp_path / "notes.csv"), "--infer-missing", "--out", str(tmp_path / "f")]) == 0
    assert ("1 note(s) put on every line of their claim with their procedure code (2 line(s)"
            in capsys.readouterr().out)
    written = pd.read_csv(tmp_path / "f" / "documentation.csv", dtype=str)
    assert list(zip(written["line_no"], written["matched_by"])) == [
        ("1", "procedure code and service date"), ("3", "procedure code and service date, on every line alike"),
        ("4", "procedure code and service date, on every line alike")]
    rejected = pd.read_csv(tmp_path / "f" / "import_rejected.csv", dtype=str)
    assert "notes.csv" not in rejected["file"].tolist()
    found = audit_folder(tmp_path / "f").findings
    missing = found.loc[(found["claim_id"] == "C4") & (found["error_type"] == "missing_documentation"), "line_no"]
    assert missing.tolist() == [2]


#: A numbered chart-completion report, four of its line numbers blank: two notes of C1's 36415 (unsigned,
#: signed), C2's 97110 and C9's (no claim imported); its last row repeats C2's line 1.
NUMBERED_BLANKS = ["Encounter #,Line #,DOS,CPT,Note Present,Signed",
                   "C1,1,01/31/2025,99213,Y,Y",
                   "C1,,01/31/2025,36415,Y,N",
                   "C1,,01/31/2025,36415,Y,Y",
                   "C2,1,02/03/2025,99214,Y,Y",
                   "C2,,02/03/2025,97110,Y,Y",
                   "C9,,02/03/2025,99214,Y,Y",
                   "C2,1,02/03/2025,99214,Y,N"]
REPEATED = "column 'claim_id,line_no': expected a key not used by an earlier row (claim_id, line_no); got 'C2|1'"


def test_blank_line_numbers_of_a_numbered_export_are_placed_with_infer_missing(tmp_path):
    """With --infer-missing the rows whose line number is blank are placed by their CPT code and date as
    the notes of an export without line numbers are (two blank rows of one claim repeat no key; both of
    C1's land on line 2, signed); the numbered ones keep theirs, a repeated one still set aside; C9's, no
    claim imported, is set aside and counted."""
    result = _import(tmp_path, NUMBERED_BLANKS)
    assert _documented(result) == [("C1", 1, True, True), ("C1", 2, True, True), ("C2", 1, True, True),
                                   ("C2", 2, True, True)]
    assert result.tables["documentation.csv"]["matched_by"].tolist() == [
        "line number", "procedure code and service date", "line number", "procedure code and service date"]
    report = next(s for s in result.sources if s.label == "notes.csv")
    assert (report.rows_read, report.rows_used, report.rows_set_aside) == (7, 5, 2)
    assert report.aside.set_index("_row")["_reason"].to_dict() == {
        7: "no line number, and no usable line of its claim among the claims imported", 8: REPEATED}
    said = next(n for n in report.notes if n.startswith("4 row(s) with a blank line number"))
    assert "3 note(s) put on the one line of their claim" in said and "1 set aside" in said
    assert "1 line(s) documented by more than one note" in said


def test_blank_line_numbers_of_a_numbered_export_are_set_aside_naming_infer_missing(tmp_path, capsys):
    """Without --infer-missing those rows are set aside (not stopped at), the reason naming the option and the
    column, counted in the file's report; the numbered rows are used."""
    claims = write_lines(tmp_path / "claims.csv", CLAIMS)
    notes = write_lines(tmp_path / "notes.csv", NUMBERED_BLANKS)
    result = _import_files(claims, documentation=notes)
    assert _documented(result) == [("C1", 1, True, True), ("C2", 1, True, True)]
    report = next(s for s in result.sources if s.label == "notes.csv")
    assert (report.rows_read, report.rows_used, report.rows_set_aside) == (7, 2, 5)
    reasons = report.aside.set_index("_row")["_reason"]
    assert sorted(reasons.index) == [3, 4, 6, 7, 8]
    assert reasons.loc[[3, 4, 6, 7]].str.startswith("no line number: give --infer-missing").all()
    assert reasons.loc[8] == REPEATED
    assert [(p.row, p.column) for p in result.problems if p.file == "notes.csv" and p.row != 8] == [
        (3, "Line #"), (4, "Line #"), (6, "Line #"), (7, "Line #")]
    assert main(["import", "--claims", str(claims), "--documentation", str(notes), "--out", str(tmp_path / "o")]) == 0
    rejected = pd.read_csv(tmp_path / "o" / "import_rejected.csv", dtype=str)
    assert sorted(rejected.loc[rejected["file"] == "notes.csv", "row"].astype(int)) == [3, 4, 6, 7, 8]


def _import_with_c4(tmp_path: Path, notes: list[str]):
    """:func:`_import` with a claim C4 of one line, 99214 on 03/03/2025."""
    claims = CLAIMS + ["C4,1,P4,MCR01,1234567893,03/03/2025,3/4/25,99214,,1,$150.00"]
    return import_files(write_lines(tmp_path / "claims.csv", claims),
                        payments=write_lines(tmp_path / "pay.csv", PAYMENTS),
                        documentation=write_lines(tmp_path / "notes.csv", notes))


def test_a_blank_numbered_note_of_another_code_is_set_aside_when_a_numbered_note_documents_the_only_line(tmp_path):
    """A numbered export mapping documented_code: C4's only line (99214) is documented by row 3, numbered; a
    36415 note of C4 with its line number blank went on that line as a changed code of it, the numbered note
    not looked at (the line then documented by two notes, the 36415 one counted on it). It is set aside naming
    the numbered row, as a payment is beside a numbered payment."""
    result = _import_with_c4(tmp_path, ["Encounter #,Line #,DOS,CPT,Note Present,Signed,Documented Code",
                                        "C1,1,01/31/2025,99213,Y,Y,99213",
                                        "C4,1,03/03/2025,99214,Y,Y,99214",
                                        "C4,,03/03/2025,36415,Y,N,"])
    assert _documented(result) == [("C1", 1, True, True), ("C4", 1, True, True)]
    assert result.tables["documentation.csv"]["matched_by"].tolist() == ["line number", "line number"]
    report = next(s for s in result.sources if s.label == "notes.csv")
    assert (report.rows_read, report.rows_used, report.rows_set_aside) == (3, 2, 1)
    assert report.aside.set_index("_row").loc[4, "_reason"] == (
        "no line number, and no line of its claim has its procedure code and service date (procedure code "
        "differs: 36415 in the note, 99214 billed): its only line is documented by row 3, which documents it by "
        "its line number")
    assert report.notes[-1] == "1 row(s) with a blank line number: 1 set aside: 1 that no line of its claim fits"


#: C4's numbered 99214 note and a 36415 note of C4 with its line number and documented code blank, in an
#: export with no note-present column (each row a note on file): the blank-numbered row last, or first.
_C4_NOTES = ["C1,1,01/31/2025,99213,Y,99213", "C4,1,03/03/2025,99214,Y,99214"]
_C4_BLANK = "C4,,03/03/2025,36415,N,"


@pytest.mark.parametrize("rows, blank_row, numbered_row", [
    (_C4_NOTES + [_C4_BLANK], 4, 3),
    ([_C4_BLANK] + _C4_NOTES, 2, 4),
])
def test_a_blank_numbered_note_of_an_export_without_a_note_present_column_is_placed_wherever_it_stands(
        tmp_path, rows, blank_row, numbered_row):
    """Its note_present stood in for and its line number placed, the blank-numbered row has one required cell
    filled of the two (claim, line number) counted: it was set aside as "text below the data" last and as "not a
    data row" first, and first, the notes kept after it were set aside as "got 'true'" for Signed and the stand-in
    note_present. It is placed as any blank-numbered note is (C4's only line, 99214, is documented by its numbered
    note: set aside naming it), the numbered notes used."""
    result = _import_with_c4(tmp_path, ["Encounter #,Line #,DOS,CPT,Signed,Documented Code", *rows])
    assert _documented(result) == [("C1", 1, True, True), ("C4", 1, True, True)]
    report = next(s for s in result.sources if s.label == "notes.csv")
    assert (report.rows_read, report.rows_used, report.rows_set_aside) == (3, 2, 1)
    assert report.aside.set_index("_row")["_reason"].to_dict() == {blank_row: (
        "no line number, and no line of its claim has its procedure code and service date (procedure code "
        f"differs: 36415 in the note, 99214 billed): its only line is documented by row {numbered_row}, which "
        "documents it by its line number")}
    assert not [p for p in result.problems if "got 'true'" in p.message or p.value == "true"]


def test_notes_after_a_row_set_aside_read_their_signed_and_note_present_cells(tmp_path):
    """A first note whose line number is no number is set aside; the notes after it were kept as one run of
    rows, their flags read as text starting past the first byte of its buffer (the first note's ``true``),
    which pyarrow's ascii_lower misreads: Note Present and Signed read as 'true' were refused as
    "got 'true'", every note set aside."""
    result = import_files(write_lines(tmp_path / "claims.csv", CLAIMS),
                          payments=write_lines(tmp_path / "pay.csv", PAYMENTS),
                          documentation=write_lines(tmp_path / "notes.csv", [
                              "Encounter #,Line #,DOS,CPT,Note Present,Signed",
                              "C1,one,01/31/2025,99213,Y,Y",
                              "C1,2,01/31/2025,36415,Y,Y",
                              "C2,1,02/03/2025,99214,Y,N"]))
    assert _documented(result) == [("C1", 2, True, True), ("C2", 1, True, False)]
    report = next(s for s in result.sources if s.label == "notes.csv")
    assert (report.rows_read, report.rows_used, report.rows_set_aside) == (3, 2, 1)
    assert report.aside.set_index("_row")["_reason"].to_dict() == {
        2: "column 'Line #' (line_no): expected a whole number such as 1 or 2; got 'one'"}
