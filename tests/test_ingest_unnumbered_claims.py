"""``recoup import`` of a claims export that numbers no lines, or gives no billed date.

Most charge exports have neither a line number column nor, some, a billed date: the import numbers
each claim's lines 1, 2, 3, ... in the order the export lists them (files in the order given, then
their rows) and takes the service date as the submitted date, saying so. Payments with line numbers
refer to that numbering, an 835 finds its lines by control number or position, and the audit runs
on the folder written.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from ingest_helpers import import_files, write_lines

from recoup_lib.cli import main
from recoup_lib.errors import InputError
from recoup_lib.ingest import import_files as _import_files
from recoup_lib.remit import read_835
from recoup_lib.rules import audit_folder

HEADER = "Claim #,Patient Acct,Ins Code,Rendering NPI,DOS,CPT,Mod,Units,Charges"
#: A charge export listing C1's lines apart and its 81002 last; C2's second row holds no amount; C4
#: bills C1's 99213 again for the same patient, payer, provider and day.
CHARGES = ["Charge Detail Report",
           HEADER,
           "C1,P1,MCR01,1234567893,01/31/2025,99213,25,1,$120.00",
           "C2,P2,MCR01,1234567893,02/03/2025,99214,,1,$180.00",
           "C1,P1,MCR01,1234567893,01/31/2025,36415,,1,$15.00",
           "C2,P2,MCR01,1234567893,02/03/2025,97110,GP,2,forty",
           "C3,P3,MCR01,1234567893,02/05/2025,99213,,1,$110.00",
           "C2,P2,MCR01,1234567893,02/03/2025,81002,,1,$20.00",
           "C1,P1,MCR01,1234567893,01/31/2025,81002,,1,$20.00",
           "C4,P1,MCR01,1234567893,01/31/2025,99213,25,1,$120.00",
           "TOTAL,,,,,,,,$585.00"]
PAYMENTS = ["Claim #,Line #,Check #,Check Date,Paid Amt",
            "C1,1,EFT1,02/20/2025,80.00",
            "C1,3,EFT1,02/20/2025,8.00",
            "C2,3,EFT1,02/20/2025,9.00",
            "C4,1,EFT2,03/03/2025,80.00"]


def _lines(result) -> list[tuple]:
    lines = result.tables["claim_lines.csv"]
    return list(zip(lines["claim_id"], lines["line_no"], lines["procedure_code"]))


def test_each_claims_lines_are_numbered_in_the_order_listed_apart_or_not(tmp_path):
    """A claim's lines apart in the export are numbered in file order; a row set aside for its value
    keeps its place (C2's 81002 is line 3, as listed), a title or total row takes none; the service
    date stands for the billed one, and the summary says both."""
    result = import_files(write_lines(tmp_path / "charges.csv", CHARGES))
    assert _lines(result) == [("C1", 1, "99213"), ("C2", 1, "99214"), ("C1", 2, "36415"), ("C3", 1, "99213"),
                              ("C2", 3, "81002"), ("C1", 3, "81002"), ("C4", 1, "99213")]
    lines = result.tables["claim_lines.csv"]
    assert lines["submitted_date"].tolist() == lines["service_date"].tolist()
    source = result.sources[0]
    assert (source.rows_read, source.rows_used, source.rows_set_aside) == (10, 7, 3)
    assert "line_no" not in source.columns and "submitted_date" not in source.columns
    summary = result.summary()
    assert "line_no: no column; each claim's lines numbered in the order the export lists them" in summary
    assert "submitted_date: no column; each line's service date taken as its submitted date" in summary
    assert "column 'Charges' (charge): expected" in summary and "submitted_date" not in str(source.aside["_reason"])


def test_a_column_named_for_line_no_still_settles_it(tmp_path):
    """``--column line_no=HEADER`` reads the numbers the export has under another name, in place of the order."""
    rows = [CHARGES[1] + ",Seq No"] + [row + f",{9 - i}" for i, row in enumerate(CHARGES[2:-1])]
    result = import_files(write_lines(tmp_path / "charges.csv", rows), columns={"line_no": "Seq No"})
    assert result.tables["claim_lines.csv"]["line_no"].tolist() == [9, 8, 7, 5, 4, 3, 2]
    assert not any(n.startswith("line_no:") for n in result.sources[0].notes)


def test_payments_refer_to_the_numbers_and_the_audit_runs_on_the_folder(tmp_path, capsys):
    """Payments numbered by line go on the lines so numbered; the audit reads the folder written, and the
    duplicate of C1's 99213 on C4 (same day, no billed date to tell them apart) is C4's, the later claim."""
    charges = write_lines(tmp_path / "charges.csv", CHARGES)
    payments = write_lines(tmp_path / "payments.csv", PAYMENTS)
    assert main(["import", "--infer-missing", "--claims", str(charges), "--payments", str(payments),
                 "--out", str(tmp_path / "f")]) == 0
    assert "line_no: no column" in capsys.readouterr().out
    written = pd.read_csv(tmp_path / "f" / "claim_lines.csv", dtype=str)
    assert written[["claim_id", "line_no"]].values.tolist()[:3] == [["C1", "1"], ["C2", "1"], ["C1", "2"]]
    assert (written["submitted_date"] == written["service_date"]).all()
    audit = audit_folder(tmp_path / "f")
    paid = audit.lines.set_index(["claim_id", "line_no"])["paid_cents"]
    assert paid[("C1", 3)] == 800 and paid[("C2", 3)] == 900 and paid[("C1", 2)] == 0
    duplicate = audit.findings.loc[audit.findings["error_type"] == "duplicate_claim"]
    assert duplicate[["claim_id", "line_no"]].values.tolist() == [["C4", 1]]
    assert "as claim C1 line 1" in duplicate["evidence"].iloc[0]


def test_a_claims_lines_in_a_later_file_follow_its_numbers_in_the_earlier_ones(tmp_path):
    """Two exports: a claim's lines in the second follow its highest number in the first; a line of the
    second alike in every column to one of its claim in the first (exports of overlapping periods) is
    set aside as come again, counted in its file, and takes no number."""
    first = write_lines(tmp_path / "january.csv", [HEADER] + CHARGES[2:5])
    second = write_lines(tmp_path / "february.csv", [HEADER, CHARGES[3], CHARGES[8],
                                                     "C2,P2,MCR01,1234567893,02/03/2025,97110,GP,2,$80.00",
                                                     CHARGES[4], CHARGES[6]])
    result = import_files([first, second])
    assert _lines(result) == [("C1", 1, "99213"), ("C2", 1, "99214"), ("C1", 2, "36415"),
                              ("C1", 3, "81002"), ("C2", 2, "97110"), ("C3", 1, "99213")]
    later = result.sources[1]
    assert (later.rows_read, later.rows_used, later.rows_set_aside) == (5, 3, 2)
    assert later.aside["_row"].tolist() == [2, 5]
    assert set(later.aside["_reason"]) == {"the same line of this claim (every column alike) came earlier from "
                                           "another file"}
    assert "2 line(s) of claims an earlier file lists too, numbered after that file's lines of them" in later.notes


def test_a_later_file_that_repeats_a_line_twice_listed_keeps_the_one_more(tmp_path):
    """Lines alike within one claim (97110 on two lines) are two lines: a later file listing them three
    times has two of them set aside as come again, and the third numbered after the claim's others."""
    line = "C9,P9,MCR01,1234567893,02/03/2025,97110,GP,1,$40.00"
    first = write_lines(tmp_path / "a.csv", [HEADER, line, line])
    second = write_lines(tmp_path / "b.csv", [HEADER, line, line, line])
    result = import_files([first, second])
    assert [n for _, n, _ in _lines(result)] == [1, 2, 3]
    assert result.sources[1].rows_set_aside == 2


def test_a_charges_sheet_without_line_numbers_is_found_past_a_cover_page(tmp_path):
    """A workbook opening on a cover page is read from the one other sheet holding what the import needs:
    a charges sheet that numbers no lines and gives no billed date is such a sheet."""
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["Charge Detail Report"])
    book.active.append(["Run 02/28/2025"])
    sheet = book.create_sheet("Charges")
    for row in [HEADER] + CHARGES[2:5]:
        sheet.append(row.split(","))
    book.save(tmp_path / "charges.xlsx")
    result = import_files(tmp_path / "charges.xlsx")
    assert _lines(result) == [("C1", 1, "99213"), ("C2", 1, "99214"), ("C1", 2, "36415")]
    assert any("sheet 'Charges' read" in note for note in result.sources[0].notes)


def _unnumbered_copy(claim_lines: Path, out: Path, seed: int) -> Path:
    """The practice's claim lines as a charge export: no line number or billed date, the claims' rows
    shuffled among each other, each claim's own lines still in their order."""
    lines = pd.read_csv(claim_lines, dtype=str, keep_default_na=False)
    shuffled = lines.iloc[np.random.default_rng(seed).permutation(len(lines))]
    nth = shuffled.groupby("claim_id", sort=False).cumcount().to_numpy()
    by_claim = lines.set_index(["claim_id", lines.groupby("claim_id").cumcount()])
    export = by_claim.loc[list(zip(shuffled["claim_id"], nth))].reset_index(level=0)
    export.drop(columns=["line_no", "submitted_date"]).to_csv(out, index=False)
    return out


@pytest.mark.parametrize("control", ["position", "control number"])
def test_835_payments_find_the_lines_numbered_in_order(tmp_path, control):
    """A generated practice's 835s pay its claims; given as a charge export without line numbers (the
    claims' rows interleaved), the claims are numbered in order and every 835 payment goes on the line
    it pays in the practice, by the SVC's position in its claim or by a control number that is the
    line number (REF*6R*2)."""
    from recoup_lib.synthetic import generate_practice, write_practice

    folder = write_practice(generate_practice(lines=300, seed=5), tmp_path / "p")
    remits = folder / "remits"
    if control == "control number":
        remits = tmp_path / "remits"
        shutil.copytree(folder / "remits", remits)
        for path in remits.iterdir():
            path.write_text(re.sub(r"REF\*6R\*[^*~]*-(\d+)~", r"REF*6R*\1~", path.read_text()))
    charges = _unnumbered_copy(folder / "claim_lines.csv", tmp_path / "charges.csv", seed=3)
    result = import_files(charges, payments=remits)
    truth = pd.read_csv(folder / "claim_lines.csv", dtype=str)
    lines = result.tables["claim_lines.csv"]
    assert sorted(zip(lines["claim_id"], lines["line_no"].astype(str), lines["procedure_code"])) == \
        sorted(zip(truth["claim_id"], truth["line_no"], truth["procedure_code"]))
    pay = result.tables["payments.csv"]
    assert set(pay["matched_by"]) == {control} and sum(s.rows_set_aside for s in result.sources) == 0
    assert len(pay) == len(read_835(remits).service_lines)
    # The practice's 837 sent each line's number in its control number (C0000007-2, or 2).
    billed = pay["line_control"].str.extract(r"(\d+)$")[0].astype(int)
    assert (pay["line_no"] == billed).all()


def test_without_infer_missing_an_export_lacking_line_numbers_stops_as_the_contract_says(tmp_path, capsys):
    """A required field without a header stops the import (exit 1) naming the candidates: line numbers
    and billed dates too, unless the user lets the import stand in for them; the message says how."""
    charges = write_lines(tmp_path / "charges.csv", CHARGES)
    with pytest.raises(InputError, match=r"no header for required field 'line_no' .*--infer-missing to number each "
                                         r"claim's lines in the order the export lists them"):
        _import_files(charges)
    assert main(["import", "--claims", str(charges), "--out", str(tmp_path / "out")]) == 1
    assert "--infer-missing" in capsys.readouterr().err
    assert not (tmp_path / "out" / "claim_lines.csv").exists()
    payments = tmp_path / "pay.csv"
    payments.write_text("Claim #,CPT,DOS,Check #,Check Date,Paid Amt\nC1,99213,01/05/2025,EFT1,02/01/2025,90.00\n",
                        encoding="utf-8")
    numbered = tmp_path / "numbered.csv"
    numbered.write_text("Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,DOS,Bill Date,CPT,Units,Billed Amt\n"
                        "C1,1,P1,MCR01,1234567893,01/05/2025,01/07/2025,99213,1,$100.00\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"pay.csv: no header for required field 'line_no' .*--infer-missing to put "
                                         r"each payment on the line of its claim"):
        _import_files(numbered, payments=payments)
