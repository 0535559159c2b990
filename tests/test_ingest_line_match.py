"""The lines payments and notes without a line number are found on, and the words their reasons use."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recoup_lib.ingest import import_files
from recoup_lib.ingest._line_match import find_lines, find_note_lines


def _lines(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["claim_id", "line_no", "procedure_code", "modifiers", "service_date"]).astype(
        {"service_date": "datetime64[s]"})


def _rows(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["claim_id", "procedure_code", "service_date"]).astype(
        {"service_date": "datetime64[s]"})


def test_find_note_lines_speaks_of_notes_where_find_lines_speaks_of_payments():
    lines = _lines(("C1", 1, "99214", "", "2024-01-02"),
                   ("C2", 1, "97110", "GP", "2024-01-03"), ("C2", 2, "97110", "59", "2024-01-03"))
    rows = _rows(("C1", "99213", "2024-01-02"), ("C2", "97110", "2024-01-03"))
    paid = find_lines(rows.assign(paid_cents=np.int64(100)), lines)
    noted = find_note_lines(rows, lines, downcode=True)
    assert paid[1][0] == "the claim's only line (procedure code differs: 99213 paid, 99214 billed)"
    assert noted[1][0] == "the claim's only line (procedure code differs: 99213 in the note, 99214 billed)"
    several = "no line number, and several lines of its claim have its procedure code and service date (2 lines, "
    assert paid[2][1] == several + ("not alike: their modifiers differ, which the report does not give): which one "
                                    "each paid cannot be told")
    assert noted[2][1] == several + ("not alike: their modifiers differ, which the note does not give): which one "
                                     "each documents cannot be told")
    set_aside = find_note_lines(rows, lines, downcode=False)[2][0]
    assert set_aside == ("no line number, and no line of its claim has its procedure code and service date "
                         "(procedure code differs: 99213 in the note, 99214 billed)")


def test_a_blank_numbered_payment_and_note_whose_date_cannot_be_read_are_set_aside_alike(tmp_path):
    """A row whose line number is blank and whose service date cannot be read is set aside the same way in a
    payment report and a documentation export (read with --infer-missing): its problem names the column and
    the value as the file held them, its reason says it has no line number, and the rows placed stay."""
    claims = tmp_path / "claims.csv"
    claims.write_text("Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Units,Billed Amt\n"
                      "C1,1,P1,MCR01,1234567893,01/31/2025,2/3/25,99213,1,$100.00\n"
                      "C1,2,P1,MCR01,1234567893,01/31/2025,2/3/25,36415,1,$15.00\n", encoding="utf-8")
    payments = tmp_path / "pay.csv"
    payments.write_text("Claim #,Line #,CPT,DOS,Check #,Check Date,Paid Amt\n"
                        "C1,1,99213,01/31/2025,EFT1,02/20/2025,64.00\n"
                        "C1,,36415,31/31/2025,EFT1,02/20/2025,8.00\n", encoding="utf-8")
    notes = tmp_path / "notes.csv"
    notes.write_text("Encounter #,Line #,DOS,CPT,Note Present,Signed\n"
                     "C1,1,01/31/2025,99213,Y,Y\n"
                     "C1,,31/31/2025,36415,Y,Y\n", encoding="utf-8")
    result = import_files(claims, payments=payments, documentation=notes, infer_missing=True)
    for label, table in (("pay.csv", "payments.csv"), ("notes.csv", "documentation.csv")):
        report = next(s for s in result.sources if s.label == label)
        assert (report.rows_read, report.rows_used, report.rows_set_aside) == (2, 1, 1), label
        assert result.tables[table]["line_no"].tolist() == [1], label
        assert [(p.row, p.column, p.value) for p in result.problems if p.file == label] == [
            (3, "DOS", "31/31/2025")], label
        reason = report.aside.set_index("_row").loc[3, "_reason"]
        assert reason.startswith("no line number, and column 'DOS' (service_date)"), (label, reason)
        assert report.notes[-1].startswith("1 row(s) with a blank line number: ") and report.notes[-1].endswith(
            "1 set aside: 1 with a value that could not be read"), (label, report.notes[-1])
