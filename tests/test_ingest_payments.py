"""``recoup import`` of payment reports as billing offices send them: posting reports and ERA viewer
exports that do not number the lines, reports of one row per claim, and the reason codes they carry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
from ingest_helpers import import_files, write_lines

from recoup_lib.cli import main
from recoup_lib.report import denial_rate, line_status

#: A charge detail export: C2 bills 20610 on both knees and two units of 97110 on two lines (GP).
CLAIMS = ["Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Mod 1,Mod 2,Units,Billed Amt",
          "C1,1,P1,MCR01,1234567893,01/31/2025,2/3/25,99213,25,,1,$100.00",
          "C1,2,P1,MCR01,1234567893,01/31/2025,2/3/25,36415,,,1,$15.00",
          "C2,1,P2,MCR01,1234567893,02/03/2025,2/4/25,20610,RT,,1,$200.00",
          "C2,2,P2,MCR01,1234567893,02/03/2025,2/4/25,20610,LT,59,1,$200.00",
          "C2,3,P2,MCR01,1234567893,02/03/2025,2/4/25,97110,GP,,1,$40.00",
          "C2,4,P2,MCR01,1234567893,02/03/2025,2/4/25,97110,GP,,1,$40.00",
          "C3,1,P3,MCR01,1234567893,02/05/2025,2/6/25,99214,,,1,$150.00"]


#: The charge export with C4, whose only line bills 99214.
WITH_C4 = CLAIMS + ["C4,1,P4,MCR01,1234567893,03/03/2025,3/4/25,99214,,,1,$150.00"]


def write_claims(path: Path, rows: list[str] = CLAIMS) -> Path:
    return write_lines(path, rows, encoding="cp1252", line_end="\r\n")


def _import_report(tmp_path: Path, report: str, name: str = "p.csv", claims: list[str] = CLAIMS, **options):
    """Import a charge export (``claims``) and a payment report given as its text (``tmp_path / name``)."""
    (tmp_path / name).write_text(report, encoding="utf-8")
    return import_files(write_claims(tmp_path / "c.csv", claims), payments=tmp_path / name, **options)


def _posting_report(path: Path) -> Path:
    """An ERA posting report as a practice-management system saves it to Excel: a title, one row per
    claim line paid (claim, date of service, CPT and modifiers, no line number), dates as dates,
    amounts as numbers, the CARC of the line's adjustment, and a subtotal."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "ERA Posting"
    ws.append(["ERA Import Posting Report - Sunrise Clinic"])
    ws.append(["Post Date", "Check Date", "Chk Nbr", "Clm Nbr", "Svc Date", "CPT4", "Mod", "Mod 2", "Bill Amt",
               "Allwd Amt", "Pd Amt", "Reason Cd"])
    check, posted = dt.datetime(2025, 2, 20), dt.datetime(2025, 2, 24)
    c1, c2, c3 = dt.datetime(2025, 1, 31), dt.datetime(2025, 2, 3), dt.datetime(2025, 2, 5)
    for row in [
        ("EFT1", "C1", c1, "99213", "25", None, 100, 80, 64, "CO-45"),      # line 1
        ("EFT1", "C1", c1, "36415", None, None, 15, 10, 8, "CO-45"),        # line 2
        ("EFT2", "C1", c1, "99213", "25", None, 100, -80, -64, "CO-129"),   # line 1 reversed
        ("EFT1", "C2", c2, "20610", "RT", None, 200, 150, 120, "CO-45"),    # line 1
        ("EFT1", "C2", c2, "20610", "59", "LT", 200, 0, 0, "CO-97"),        # line 2, modifiers in another order
        ("EFT1", "C2", c2, "97110", "GP", None, 40, 30, 24, "CO-45"),       # lines 3 and 4 both fit
        ("EFT1", "C2", c2, "99215", None, None, 150, 110, 88, "CO-45"),     # no line of C2 bills 99215
        ("EFT1", "C3", c3, "99214", None, None, 150, 110, 88, "CO-45"),     # line 1
        ("EFT1", "C9", c3, "99214", None, None, 150, 110, 88, "CO-45"),     # a claim not imported
    ]:
        ws.append([posted, check, *row])
    ws.append(["Subtotal", None, None, None, None, None, None, None, 1105, 520, 316])
    book.save(path)
    return path


def test_a_posting_report_without_line_numbers_puts_each_payment_on_its_claim_line(tmp_path, capsys):
    """The report had to name a line column (--column line_no=...), and then failed anyway: without
    one each payment is put on the line of its claim with its CPT code, modifiers and date of
    service; one that fits no line, or two, is set aside saying which, and the summary counts both."""
    result = import_files(write_claims(tmp_path / "charges.csv"), payments=_posting_report(tmp_path / "era.xlsx"))
    pay = result.tables["payments.csv"]
    assert list(zip(pay["claim_id"], pay["line_no"], pay["paid_cents"])) == [
        ("C1", 1, 6400), ("C1", 2, 800), ("C1", 1, -6400), ("C2", 1, 12000), ("C2", 2, 0), ("C3", 1, 8800)]
    assert pay["matched_by"].tolist()[:2] == ["procedure code, modifiers and service date",
                                              "procedure code and service date"]
    assert {"CPT4", "Mod", "Mod 2", "Svc Date"} <= set(pay.columns)        # kept as read
    assert "procedure_code" not in pay.columns and "service_date" not in pay.columns
    report = result.sources[1]
    assert (report.rows_read, report.rows_used, report.rows_set_aside) == (11, 6, 5)
    reasons = report.aside.set_index("_row")["_reason"]
    assert reasons[8] == ("no line number, and several lines of its claim have its procedure code, modifiers and "
                          "service date (2 lines; the report has 1 payment(s) for them, not one payment per line): "
                          "which one each paid cannot be told")
    assert reasons[9] == "no line number, and no line of its claim has its procedure code and service date"
    assert reasons[11] == "no line number, and no usable line of its claim among the claims imported"
    assert report.aside.set_index("_row").loc[8, "CPT4"] == "97110"          # the row as the report held it
    assert ("no line number column: 6 payment(s) put on the one line of their claim with their procedure code, "
            "modifiers and service date (those the row gives); 3 set aside: 1 whose claim is not among the claims "
            "imported, 1 that no line of its claim fits, 1 that several lines of its claim fit") in report.notes
    assert main(["import", "--infer-missing", "--claims", str(tmp_path / "charges.csv"),
                 "--payments", str(tmp_path / "era.xlsx"), "--out", str(tmp_path / "out")]) == 0
    assert "3 set aside: 1 whose claim is not among the claims imported" in capsys.readouterr().out
    rejected = pd.read_csv(tmp_path / "out" / "import_rejected.csv", dtype=str)
    assert rejected.loc[rejected["row"] == "11", "reason"].tolist() == [reasons[11]]
    counts = pd.read_csv(tmp_path / "out" / "import_counts.csv")
    assert (counts["rows_read"] == counts["rows_used"] + counts["rows_set_aside"]).all()
    assert len(pd.read_csv(tmp_path / "out" / "payments.csv")) == 6


def test_two_lines_of_one_code_are_told_apart_by_the_modifiers_a_row_gives_or_does_not(tmp_path):
    """A row without modifiers, in a report that has them, is the line billed without any; a row without
    a code is no such row (it may pay the whole claim)."""
    claims = CLAIMS[:1] + ["C4,1,P4,MCR01,1234567893,03/03/2025,3/4/25,20610,,,1,$200.00",
                           "C4,2,P4,MCR01,1234567893,03/03/2025,3/4/25,20610,59,,1,$200.00"]
    result = _import_report(tmp_path, "Claim #,CPT,Modifier,DOS,Check #,Check Date,Paid Amt\n"
                                      "C4,20610-59,,03/03/2025,EFT9,03/20/2025,40.00\n"
                                      "C4,20610,,03/03/2025,EFT9,03/20/2025,90.00\n"
                                      "C4,,,03/03/2025,EFT9,03/20/2025,130.00\n", claims=claims)
    pay = result.tables["payments.csv"]
    assert pay["line_no"].tolist() == [2, 1]
    assert result.sources[1].aside["_reason"].str.startswith("no line number or procedure code").tolist() == [True]
    assert pay["matched_by"].tolist() == ["procedure code, modifiers and service date",
                                          "procedure code and service date (no modifiers)"]


def test_a_report_of_one_payment_per_claim_pays_a_claim_of_one_line_and_says_why_not_another(tmp_path):
    """A claim payment summary has no CPT code: as an 835 claim payment without service lines, the
    payment goes on its claim's only line; a claim of several lines cannot say which it paid."""
    result = _import_report(tmp_path, "Claim #,Patient Account,Check #,Check Date,Paid Amt\n"
                                      "C3,P3,EFT1,02/20/2025,$88.00\n"
                                      "C1,P1,EFT1,02/20/2025,$72.00\n")
    pay = result.tables["payments.csv"]
    assert list(zip(pay["claim_id"], pay["line_no"], pay["matched_by"])) == [("C3", 1, "the claim's only line")]
    [reason] = result.sources[1].aside["_reason"].tolist()
    assert reason.startswith("no line number or procedure code, and its claim has several lines: which one it paid "
                             "cannot be told (a payment for the whole claim;")
    assert result.sources[1].notes[-1] == ("no line number column: 1 payment(s) put on their claim's only line (no "
                                           "procedure code given); 1 set aside: 1 paying a claim of several "
                                           "lines as a whole")
    assert pay["Patient Account"].tolist() == ["P3"]       # beside Claim #, the patient's account stays one


def test_an_era_viewers_patient_account_number_is_the_claim_number(tmp_path):
    """An ERA viewer heads the 835's CLP01 (the claim number the practice sent) 'Patient Account
    Number': in a payment file with no other claim header it is the claim_id, and a note says so."""
    result = _import_report(
        tmp_path,
        "Patient Name,Patient Account Number,Payer Claim Control Number,Service Date,Procedure Code,Modifier 1,"
        "Billed Amount,Allowed Amount,Paid Amount,Adj Reason,Check/EFT Number,Check/EFT Date\n"
        '"PENA, JOSE",C1,2025031100123,01/31/2025,99213,25,100.00,80.00,64.00,CO-45,EFT1,02/20/2025\n'
        '"PENA, JOSE",C1,2025031100123,01/31/2025,36415,,15.00,10.00,8.00,CO-45,EFT1,02/20/2025\n', name="era.csv")
    pay = result.tables["payments.csv"]
    assert result.sources[1].columns["claim_id"] == "Patient Account Number"
    assert list(zip(pay["claim_id"], pay["line_no"])) == [("C1", 1), ("C1", 2)]
    assert any(n.startswith("'Patient Account Number' (claim_id): read as the claim number") for n in
               result.sources[1].notes)


def test_a_co_45_on_a_paid_line_of_a_posting_report_is_no_denial(tmp_path):
    """The report's CARC column is read as denial_code, and CO-45 (the contractual write-off, on
    every line paid) made every line 'denied': only the line paid nothing with CO-97 is a denial,
    and a reversal's CO-129 is none."""
    result = import_files(write_claims(tmp_path / "c.csv"), payments=_posting_report(tmp_path / "era.xlsx"))
    lines, pay = result.tables["claim_lines.csv"], result.tables["payments.csv"]
    assert pay["denial_code"].tolist().count("CO-45") == 4
    status = line_status(lines, pay).set_index(["claim_id", "line_no"])
    assert status.index[status["denied"]].tolist() == [("C2", 2)]
    assert status.loc[("C2", 2), "denial_codes"] == "CO-97" and status.loc[("C1", 1), "denial_codes"] == ""
    rate = denial_rate(lines, pay).set_index("metric").loc["denial_rate_lines"]
    assert (rate["numerator"], rate["denominator"]) == (1, 7)


def test_a_posting_report_past_a_cover_page_is_found_without_line_numbers(tmp_path):
    """A report opening on a cover page is read from its one other sheet holding a table of payments;
    a posting report's table has no line number, and is still that table."""
    book = openpyxl.load_workbook(_posting_report(tmp_path / "era.xlsx"))
    cover = book.create_sheet("Cover", 0)
    cover.append(["ERA Import Posting Report"])
    cover.append(["Run date", dt.datetime(2025, 3, 1)])
    book.active = 0
    book.save(tmp_path / "era.xlsx")
    result = import_files(write_claims(tmp_path / "charges.csv"), payments=tmp_path / "era.xlsx")
    pay = result.tables["payments.csv"]
    assert list(zip(pay["claim_id"], pay["line_no"])) == [("C1", 1), ("C1", 2), ("C1", 1), ("C2", 1), ("C2", 2),
                                                         ("C3", 1)]
    assert any("sheet 'ERA Posting' read" in note for note in result.sources[1].notes)


def _unnumbered(path: Path, rows: list[str]) -> Path:
    return write_lines(path, ["Claim #,CPT,Modifier,DOS,Check #,Check Date,Paid Amt", *rows])


def test_lines_alike_paid_one_row_each_are_paid_in_order_reversals_too(tmp_path, capsys):
    """C2 bills 97110 GP on lines 3 and 4: a remittance pays each with a row of its own, which no CPT
    code, modifier or date tells apart. Both rows were set aside ("several lines fit"); with as many
    payment rows as lines, they are put in the claim's order, and so is a reversal of each."""
    rows = ["C2,97110,GP,02/03/2025,EFT1,02/20/2025,24.00",
            "C2,97110,GP,02/03/2025,EFT1,02/20/2025,20.00",
            "C2,20610,RT,02/03/2025,EFT1,02/20/2025,120.00",
            "C2,97110,GP,02/03/2025,EFT2,03/20/2025,-24.00",
            "C2,97110,GP,02/03/2025,EFT2,03/20/2025,-20.00"]
    result = import_files(write_claims(tmp_path / "c.csv"), payments=_unnumbered(tmp_path / "p.csv", rows))
    pay = result.tables["payments.csv"]
    assert list(zip(pay["line_no"], pay["paid_cents"])) == [(3, 2400), (4, 2000), (1, 12000), (3, -2400), (4, -2000)]
    assert pay["matched_by"].tolist()[:3] == [
        "procedure code, modifiers and service date, in order among lines alike",
        "procedure code, modifiers and service date, in order among lines alike",
        "procedure code, modifiers and service date"]
    assert result.sources[1].rows_set_aside == 0
    assert result.sources[1].notes[-1] == (
        "no line number column: 1 payment(s) put on the one line of their claim with their procedure code, "
        "modifiers and service date (those the row gives); 4 put in order on lines alike (a claim billing one "
        "code, modifiers and date on several lines, with one payment row per line, one reversal row per line, or "
        "one of each: the first payment, and the first reversal, on the lowest line number)")
    assert main(["import", "--infer-missing", "--claims", str(tmp_path / "c.csv"),
                 "--payments", str(tmp_path / "p.csv"), "--out", str(tmp_path / "out")]) == 0
    assert "4 put in order on lines alike" in capsys.readouterr().out
    written = pd.read_csv(tmp_path / "out" / "payments.csv", dtype=str)
    assert written["line_no"].tolist() == ["3", "4", "1", "3", "4"]


def test_lines_alike_only_reversed_in_a_report_are_reversed_in_order(tmp_path):
    """A month's report holding only take-backs of C2's 97110 GP lines 3 and 4 (paid in an earlier report):
    one reversal row per line alike, and no payment of them, was set aside ("not one payment per line");
    they are put in the claim's order as payments alike are, the summary not calling them payment rows.
    Three reversals for the two lines are not."""
    rows = ["C2,97110,GP,02/03/2025,EFT2,03/20/2025,-24.00", "C2,97110,GP,02/03/2025,EFT2,03/20/2025,-20.00"]
    result = import_files(write_claims(tmp_path / "c.csv"), payments=_unnumbered(tmp_path / "p.csv", rows))
    pay = result.tables["payments.csv"]
    assert list(zip(pay["line_no"], pay["paid_cents"])) == [(3, -2400), (4, -2000)]
    assert set(pay["matched_by"]) == {"procedure code, modifiers and service date, in order among lines alike"}
    assert result.sources[1].rows_set_aside == 0
    assert result.sources[1].notes[-1] == (
        "no line number column: 2 put in order on lines alike (a claim billing one code, modifiers and date on "
        "several lines, with one payment row per line, one reversal row per line, or one of each: the first "
        "payment, and the first reversal, on the lowest line number)")
    result = import_files(write_claims(tmp_path / "c.csv"),
                          payments=_unnumbered(tmp_path / "three.csv", rows + rows[:1]))
    assert "payments.csv" not in result.tables or not len(result.tables["payments.csv"])
    assert set(result.sources[1].aside["_reason"]) == {
        "no line number, and several lines of its claim have its procedure code, modifiers and service date (2 "
        "lines; the report has 3 reversal(s) for them and no payment, not one reversal per line): which one each "
        "paid cannot be told"}


def test_lines_alike_are_not_paid_in_order_when_the_rows_are_not_one_per_line(tmp_path):
    """Three payments for two lines alike, two payments with one reversal, or rows fitting the lines
    in two ways (one without its date): which row paid which line cannot be told, so none is put."""
    lines = [("C5", 1, "03/03/2025", "97140"), ("C5", 2, "03/03/2025", "97140"),
             ("C6", 1, "03/03/2025", "97112"), ("C6", 2, "03/03/2025", "97112"),
             ("C7", 1, "03/03/2025", "97110"), ("C7", 2, "03/03/2025", "97110"), ("C7", 3, "03/04/2025", "97110")]
    claims = CLAIMS[:1] + [f"{claim},{n},P5,MCR01,1234567893,{dos},3/4/25,{code},GP,,1,$40.00"
                           for claim, n, dos, code in lines]
    rows = ["C5,97140,GP,03/03/2025,EFT1,03/20/2025,30.00", "C5,97140,GP,03/03/2025,EFT1,03/20/2025,30.00",
            "C5,97140,GP,03/03/2025,EFT2,04/20/2025,30.00",
            "C6,97112,GP,03/03/2025,EFT1,03/20/2025,30.00", "C6,97112,GP,03/03/2025,EFT1,03/20/2025,25.00",
            "C6,97112,GP,03/03/2025,EFT2,04/20/2025,-30.00",
            "C7,97110,GP,03/03/2025,EFT1,03/20/2025,24.00", "C7,97110,GP,03/03/2025,EFT1,03/20/2025,24.00",
            "C7,97110,GP,,EFT1,03/20/2025,24.00"]
    result = import_files(write_claims(tmp_path / "c.csv", claims), payments=_unnumbered(tmp_path / "p.csv", rows))
    assert "payments.csv" not in result.tables or not len(result.tables["payments.csv"])
    report = result.sources[1]
    assert (report.rows_read, report.rows_set_aside) == (9, 9)
    reasons = report.aside.set_index("_row")["_reason"]
    several = "no line number, and several lines of its claim have its procedure code, modifiers and service date"
    assert reasons[2] == reasons[4] == (several + " (2 lines; the report has 3 payment(s) for them, not one payment "
                                        "per line): which one each paid cannot be told")
    assert reasons[7] == (several + " (2 lines; the report has 2 payment(s) and 1 reversal(s) for them, not one "
                          "payment per line and one reversal per line taking it back): which one each paid cannot be "
                          "told")
    assert reasons[8] == several + ": which one it paid cannot be told"
    assert reasons[10].startswith("no line number, and several lines of its claim have its procedure code and "
                                  "modifiers: which one it paid")


def test_lines_of_one_code_told_apart_only_by_what_the_report_omits_are_not_paid_in_order(tmp_path):
    """C2 bills 20610 RT and 20610 LT 59; a report without a modifier column (or a row leaving its
    blank line number's modifiers out) paying both was put on lines 1 and 2 in the report's order,
    "in order among lines alike", though the lines are not alike: the row order chose which knee was
    paid. So were two dates of one code in a report without dates. Both are set aside, saying why."""
    claims = CLAIMS + ["C4,1,P4,MCR01,1234567893,03/03/2025,3/10/25,97110,GP,,1,$40.00",
                       "C4,2,P4,MCR01,1234567893,03/07/2025,3/10/25,97110,GP,,1,$40.00"]
    write_claims(tmp_path / "c.csv", claims)
    reports = {"no_modifiers": "Claim #,CPT,DOS,Check #,Check Date,Paid Amt\n"
                               "C2,20610,02/03/2025,EFT1,02/20/2025,120.00\nC2,20610,02/03/2025,EFT1,02/20/2025,0.00\n",
               "no_dates": "Claim #,CPT,Check #,Check Date,Paid Amt\nC4,97110,EFT1,03/20/2025,24.00\n"
                           "C4,97110,EFT1,03/20/2025,24.00\n",
               "blank_numbers": "Claim #,Line #,CPT,Check #,Check Date,Paid Amt\nC2,,20610,EFT1,02/20/2025,120.00\n"
                                "C2,,20610,EFT1,02/20/2025,0.00\n"}
    for name, text in reports.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
        result = import_files(tmp_path / "c.csv", payments=tmp_path / f"{name}.csv")
        assert "payments.csv" not in result.tables or not len(result.tables["payments.csv"]), name
        report = result.sources[1]
        assert (report.rows_read, report.rows_set_aside) == (2, 2), name
        given = "procedure code and service date" if name == "no_modifiers" else "procedure code"
        differ = "service dates" if name == "no_dates" else "modifiers"
        assert set(report.aside["_reason"]) == {
            f"no line number, and several lines of its claim have its {given} (2 lines, not alike: their {differ} "
            "differ, which the report does not give): which one each paid cannot be told"}, name


def test_rows_with_a_blank_line_number_are_placed_by_their_cpt_code(tmp_path):
    """A report numbering most lines left some cells blank, and those rows were set aside ("may not be
    blank"): they are put on their line by CPT code, modifiers and date as a report without line
    numbers is, the numbered rows kept as they are; matched_by and a note say which was which."""
    result = _import_report(tmp_path, "Claim #,Line #,CPT,Modifier,DOS,Check #,Check Date,Paid Amt\n"
                                      "C1,1,99213,25,01/31/2025,EFT1,02/20/2025,64.00\n"
                                      "C1,,36415,,01/31/2025,EFT1,02/20/2025,8.00\n"
                                      "C2,1,20610,RT,02/03/2025,EFT1,02/20/2025,120.00\n"
                                      "C2,,20610,LT 59,02/03/2025,EFT1,02/20/2025,60.00\n"
                                      "C2,,99215,,02/03/2025,EFT1,02/20/2025,88.00\n"
                                      "C3,1,99999,,12/31/2024,EFT1,02/20/2025,88.00\n")
    pay = result.tables["payments.csv"]
    assert list(zip(pay["claim_id"], pay["line_no"], pay["paid_cents"])) == [
        ("C1", 1, 6400), ("C1", 2, 800), ("C2", 1, 12000), ("C2", 2, 6000), ("C3", 1, 8800)]
    assert pay["matched_by"].tolist() == ["line number", "procedure code and service date", "line number",
                                          "procedure code, modifiers and service date", "line number"]
    assert pay["CPT"].tolist()[-1] == "99999"                      # a numbered row's other columns: as they were
    report = result.sources[1]
    assert (report.rows_read, report.rows_used, report.rows_set_aside) == (6, 5, 1)
    assert report.aside["_reason"].tolist() == [
        "no line number, and no line of its claim has its procedure code and service date"]
    assert report.aside["CPT"].tolist() == ["99215"]
    assert report.notes[-1] == ("3 row(s) with a blank line number: 2 payment(s) put on the one line of their claim "
                                "with their procedure code, modifiers and service date (those the row gives); 1 set "
                                "aside: 1 that no line of its claim fits")


def test_a_column_of_group_and_reason_codes_is_the_denial_code_and_remarks_are_not(tmp_path):
    """NextGen's ERA posting report has "CAGC/CARC" (group and reason, CO-45) beside "Reason Cd";
    other reports head it "Adj Group/Reason" or "Group/Reason". Those are the denial code, taken before
    a column of the reason alone; a remark code (RARC: N362) is none."""
    for header in ("CAGC/CARC", "Adj Group/Reason", "Group/Reason"):
        result = _import_report(
            tmp_path,
            f"Clm Nbr,CPT4,Svc Date,Chk Nbr,Check Date,Allwd Amt,Pd Amt,Reason Cd,{header},Remark Codes,RARC\n"
            "C1,99213,01/31/2025,EFT1,02/20/2025,80.00,64.00,45,CO-45,N130,N130\n"
            "C1,36415,01/31/2025,EFT1,02/20/2025,0.00,0.00,97,CO-97,M15,M15\n")
        assert result.sources[1].columns["denial_code"] == header
        pay = result.tables["payments.csv"]
        assert pay["denial_code"].tolist() == ["CO-45", "CO-97"]
        assert {"Remark Codes", "RARC", "Reason Cd"} <= set(pay.columns)     # kept as read, no field of theirs
        status = line_status(result.tables["claim_lines.csv"], pay).set_index(["claim_id", "line_no"])
        assert status.loc[("C1", 2), "denial_codes"] == "CO-97" and not status.loc[("C1", 1), "denied"]


def test_a_downcoded_payment_goes_on_its_claims_only_line_saying_the_code_differs(tmp_path):
    """An ERA viewer shows the code the payer adjudicated: C3 billed 99214 on its one line and was paid as
    99213; that payment was set aside ("no line of its claim has its procedure code"). A claim of one line
    takes it, ``matched_by`` saying what differs; a claim of several lines still sets such a row aside."""
    result = _import_report(tmp_path, "Claim #,CPT,DOS,Check #,Check Date,Paid Amt\n"
                                      "C3,99213,02/05/2025,EFT1,02/20/2025,70.00\n"
                                      "C3,99214,02/06/2025,EFT1,02/20/2025,5.00\n"
                                      "C1,99215,01/31/2025,EFT1,02/20/2025,88.00\n")
    pay = result.tables["payments.csv"]
    assert list(zip(pay["claim_id"], pay["line_no"], pay["matched_by"])) == [
        ("C3", 1, "the claim's only line (procedure code differs: 99213 paid, 99214 billed)"),
        ("C3", 1, "the claim's only line (service date differs: 2025-02-06 paid, 2025-02-05 billed)")]
    assert result.sources[1].aside["_reason"].tolist() == [
        "no line number, and no line of its claim has its procedure code and service date"]
    assert result.sources[1].notes[-1] == (
        "no line number column: 2 put on their claim's only line though its procedure code, modifiers or service "
        "date differ (a payer's adjudicated code: a downcode); 1 set aside: 1 that no line of its claim fits")


def test_a_row_of_another_code_is_no_downcode_of_a_line_another_row_pays_with_its_own_code(tmp_path):
    """C3's only line is 99214, paid by a 99214 row: a 36415 row of C3 is no payer's changed code of that
    line (it was put on it as a downcode, paying the line twice); it is set aside naming the row that
    pays the line. A claim whose line no row pays exactly still takes its lone changed code."""
    result = _import_report(tmp_path, "Claim #,CPT,DOS,Check #,Check Date,Paid Amt\n"
                                      "C3,36415,02/05/2025,EFT1,02/20/2025,8.00\n"
                                      "C3,99214,02/05/2025,EFT1,02/20/2025,90.00\n"
                                      "C4,99213,03/03/2025,EFT1,03/20/2025,70.00\n", claims=WITH_C4)
    pay = result.tables["payments.csv"]
    assert list(zip(pay["claim_id"], pay["line_no"], pay["matched_by"])) == [
        ("C3", 1, "procedure code and service date"),
        ("C4", 1, "the claim's only line (procedure code differs: 99213 paid, 99214 billed)")]
    aside = result.sources[1].aside
    assert aside["_reason"].tolist() == [
        "no line number, and no line of its claim has its procedure code and service date (procedure code "
        "differs: 36415 paid, 99214 billed): its only line is paid by row 3, which fits it"]
    assert aside["_row"].tolist() == [2]
    assert result.sources[1].notes[-1].endswith("1 set aside: 1 that no line of its claim fits")


def test_a_changed_code_after_the_billed_code_is_reversed_still_pays_the_only_line(tmp_path):
    """A payer re-adjudicating C4's 99214 as 99213 pays 99214, reverses it and pays 99213: the 99214 rows
    net to nothing, so the 99213 row is the changed code of the claim's only line, not set aside."""
    result = _import_report(tmp_path, "Claim #,CPT,DOS,Check #,Check Date,Paid Amt\n"
                                      "C4,99214,03/03/2025,EFT1,03/20/2025,90.00\n"
                                      "C4,99214,03/03/2025,EFT2,04/20/2025,-90.00\n"
                                      "C4,99213,03/03/2025,EFT2,04/20/2025,70.00\n", claims=WITH_C4)
    pay = result.tables["payments.csv"]
    assert list(zip(pay["line_no"], pay["paid_cents"], pay["matched_by"])) == [
        (1, 9000, "procedure code and service date"), (1, -9000, "procedure code and service date"),
        (1, 7000, "the claim's only line (procedure code differs: 99213 paid, 99214 billed)")]
    assert not len(result.sources[1].aside)


def test_a_numbered_row_paying_a_claims_only_line_makes_a_blank_numbered_row_of_another_code_no_downcode(tmp_path):
    """C4's only line is 99214, paid by a row numbering it: a 36415 row of C4 whose line number is blank was
    put on that line as a downcode, paying it twice; it is set aside naming the numbered row. Numbered
    rows that net to nothing (99214 paid, then reversed) leave the line to a blank row's changed code."""
    header = "Claim #,Line #,CPT,DOS,Check #,Check Date,Paid Amt\n"
    result = _import_report(tmp_path, header + "C4,1,99214,03/03/2025,EFT1,03/20/2025,90.00\n"
                                               "C4,,36415,03/03/2025,EFT1,03/20/2025,8.00\n", claims=WITH_C4)
    pay = result.tables["payments.csv"]
    assert list(zip(pay["line_no"], pay["paid_cents"], pay["matched_by"])) == [(1, 9000, "line number")]
    assert result.sources[1].aside["_reason"].tolist() == [
        "no line number, and no line of its claim has its procedure code and service date (procedure code "
        "differs: 36415 paid, 99214 billed): its only line is paid by row 2, which pays it by its line number"]
    result = _import_report(tmp_path, header + "C4,1,99214,03/03/2025,EFT1,03/20/2025,90.00\n"
                                               "C4,1,99214,03/03/2025,EFT2,04/20/2025,-90.00\n"
                                               "C4,,99213,03/03/2025,EFT2,04/20/2025,70.00\n", "redone.csv",
                            claims=WITH_C4)
    pay = result.tables["payments.csv"]
    assert list(zip(pay["line_no"], pay["paid_cents"], pay["matched_by"])) == [
        (1, 9000, "line number"), (1, -9000, "line number"),
        (1, 7000, "the claim's only line (procedure code differs: 99213 paid, 99214 billed)")]
    assert not len(result.sources[1].aside)


def test_the_note_counts_each_reason_for_setting_aside_and_no_zero_placed(tmp_path):
    """Every row set aside was counted as "no line of their claim fits, or several do", a claim not
    imported or a date that could not be read too; and a report none of whose rows was placed said
    "0 payment(s) put on ...". Each reason is counted on its own, and a count of none is left out."""
    result = _import_report(tmp_path, "Claim #,Line #,CPT,DOS,Check #,Check Date,Paid Amt\n"
                                      "C1,1,99213,01/31/2025,EFT1,02/20/2025,64.00\n"
                                      "C9,,99213,01/31/2025,EFT1,02/20/2025,8.00\n"
                                      "C1,,36415,31/31/2025,EFT1,02/20/2025,8.00\n"
                                      "C2,,97110,02/03/2025,EFT1,02/20/2025,24.00\n")
    report = result.sources[1]
    assert report.notes[-1] == ("3 row(s) with a blank line number: 3 set aside: 1 whose claim is not among the "
                                "claims imported, 1 that several lines of its claim fit, 1 with a value that could "
                                "not be read")
    unread = [p for p in result.problems if p.file == "p.csv" and p.row == 4]
    assert [(p.column, p.value) for p in unread] == [("DOS", "31/31/2025")]
    assert "column 'DOS' (service_date)" in report.aside.set_index("_row").loc[4, "_reason"]


def test_a_column_the_user_gave_finds_the_line_of_a_row_whose_number_is_blank(tmp_path):
    """In a report with line numbers, the procedure code settled with --column was dropped from the mapping,
    so a row whose line number is blank was placed by the headers recognised alone: with none, set aside as
    a payment per claim. The field the user settled is kept for those rows."""
    result = _import_report(tmp_path, "Claim #,Line #,Billing Item,Check #,Check Date,Paid Amt\n"
                                      "C1,1,99213,EFT1,02/20/2025,64.00\n"
                                      "C1,,36415,EFT1,02/20/2025,8.00\n", columns={"procedure_code": "Billing Item"})
    pay = result.tables["payments.csv"]
    assert list(zip(pay["line_no"], pay["matched_by"])) == [(1, "line number"), (2, "procedure code")]
    assert result.sources[1].columns["procedure_code"] == "Billing Item"


def test_a_field_the_mapping_leaves_out_does_not_find_the_line_of_a_row_whose_number_is_blank(tmp_path):
    """The rows whose line number is blank were mapped a second time, from the headers alone: a mapping
    leaving a payment file's service_date out (null) had its DOS read for them all the same, and a row no
    line of that date fits was set aside. They are read with the file's own mapping."""
    report = ("Claim #,Line #,CPT,DOS,Check #,Check Date,Paid Amt\n"
              "C1,1,99213,01/31/2025,EFT1,02/20/2025,64.00\n"
              "C1,,36415,01/01/2025,EFT1,02/20/2025,8.00\n")
    read = _import_report(tmp_path, report)
    assert read.sources[1].aside["_reason"].tolist() == [
        "no line number, and no line of its claim has its procedure code and service date"]
    left_out = _import_report(tmp_path, report, mapping={"columns": {"payments": {"service_date": None}}})
    pay = left_out.tables["payments.csv"]
    assert list(zip(pay["line_no"], pay["matched_by"])) == [(1, "line number"), (2, "procedure code")]


def test_every_row_of_a_numbered_report_says_it_was_placed_by_its_line_number(tmp_path):
    """``matched_by`` says how each payment was placed; a report numbering every line had none, and beside a
    report without line numbers its rows were blank there."""
    (tmp_path / "numbered.csv").write_text("Claim #,Line #,Check #,Check Date,Paid Amt\n"
                                           "C1,1,EFT1,02/20/2025,64.00\n", encoding="utf-8")
    (tmp_path / "unnumbered.csv").write_text("Claim #,CPT,Check #,Check Date,Paid Amt\n"
                                             "C1,36415,EFT1,02/20/2025,8.00\n", encoding="utf-8")
    alone = import_files(write_claims(tmp_path / "c.csv"), payments=tmp_path / "numbered.csv")
    assert alone.tables["payments.csv"]["matched_by"].tolist() == ["line number"]
    both = import_files(tmp_path / "c.csv", payments=[tmp_path / "numbered.csv", tmp_path / "unnumbered.csv"])
    assert both.tables["payments.csv"]["matched_by"].tolist() == ["line number", "procedure code"]
