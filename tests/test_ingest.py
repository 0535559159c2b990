"""``recoup import`` and ``import_files``: exports as billing offices write them -> an audit folder."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from ingest_helpers import write_lines

from recoup_lib.cli import main
from recoup_lib.errors import InputError, UsageError
from recoup_lib.ingest import import_files

HEADER = ("Claim #,Line #,Patient Acct,Patient Name,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Mod 1,Mod 2,"
          "Units,Billed Amt,Dx 1,Dx 2,POS")
ROWS = [
    'C1,1,P1,"Peña, José",MCR01,1234567893,01/31/2025,2/3/25,99213,25,,1,"$1,190.00",E11.9,,11',
    'C1,2,P1,"Peña, José",MCR01,1234567893,01/31/2025,2/3/25,36415,,,1.00,$15.00,E11.9,I10,11',
    'C2,1,P2,"Müller, Zoë",CMX-GA,1234567893,02/01/2025,2/4/25,99214,,,1,$120,I10,,2',
]
PAYMENTS = ["Claim #,Line #,Check/EFT #,Payment Date,Allowed Amt,Paid Amt",
            "C1,1,EFT1,02/20/2025,$80.00,$64.00", "C1,1,EFT2,03/01/2025,,($64.00)",
            "C1,2,EFT1,02/20/2025,$10.00,$8.00", "C2,1,EFT1,02/20/2025,$90.00,$72.00"]


def write_claims(path: Path, rows=ROWS, encoding="cp1252", title=True, total=True, line_end="\r\n",
                 header=HEADER) -> Path:
    lines = (["Sunrise Clinic - Charge Detail", "Dates of service 01/01/2025 - 12/31/2025", ""] if title else [])
    lines += [header] + list(rows)
    if total:
        lines += ["TOTAL,,,,,,,,,,,3,\"$1,325.00\",,,", "End of report"]
    return write_lines(path, lines, encoding, line_end)


def test_windows_1252_export_with_title_and_total_rows_loses_no_row(tmp_path):
    claims = write_claims(tmp_path / "charges.csv")
    result = import_files(claims, payments=write_lines(tmp_path / "pay.csv", PAYMENTS))
    lines = result.tables["claim_lines.csv"]
    assert lines["Patient Name"].tolist() == ["Peña, José", "Peña, José", "Müller, Zoë"]
    assert lines["service_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-31", "2025-01-31", "2025-02-01"]
    assert lines["charge_cents"].tolist() == [119000, 1500, 12000]
    assert lines["modifiers"].tolist() == ["25", "", ""]
    assert lines["diagnosis_codes"].tolist() == ["E11.9", "E11.9;I10", "I10"]
    assert lines["place_of_service"].tolist() == ["11", "11", "02"]
    source = result.sources[0]
    assert source.info["encoding"] == "cp1252" and source.info["header_row"] == 4
    assert (source.rows_read, source.rows_used, source.rows_set_aside) == (7, 3, 4)
    reasons = source.aside.set_index("_row")["_reason"]
    assert reasons[1] == reasons[2] == "title row above the header"
    assert reasons[8] == "a total row, not a claim line"
    assert reasons[9] == "text below the data (a footer or total row)"
    paid = result.tables["payments.csv"]["paid_cents"].tolist()
    assert paid == [6400, -6400, 800, 7200]


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_utf8_with_or_without_bom(tmp_path, encoding, bom):
    path = write_claims(tmp_path / "c.csv", encoding=encoding, title=False, total=False, line_end="\n")
    path.write_bytes(bom + path.read_bytes())
    result = import_files(path)
    assert result.tables["claim_lines.csv"]["Patient Name"].iloc[2] == "Müller, Zoë"
    assert result.tables["claim_lines.csv"]["claim_id"].iloc[0] == "C1"


def test_tab_separated_export(tmp_path):
    rows = [r.replace('"Peña, José"', "Peña José").replace('"Müller, Zoë"', "Zoë").replace('"$1,190.00"', "1190")
            for r in ROWS]
    path = tmp_path / "c.txt"
    path.write_text("\n".join([HEADER.replace(",", "\t")] + [r.replace(",", "\t") for r in rows]) + "\n",
                    encoding="utf-8")
    result = import_files(path)
    assert result.tables["claim_lines.csv"]["charge_cents"].tolist() == [119000, 1500, 12000]


@pytest.mark.parametrize("irregular", [False, True])
def test_text_an_export_writes_as_an_excel_formula_reads_as_its_text(tmp_path, irregular):
    rows = [r.replace("C1,", '"=""C1""",', 1).replace("99213", '"=""0001U"""').replace(",11", ',"=""11"""')
            for r in ROWS] + (["C9,1,too,few"] if irregular else [])
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, encoding="utf-8", title=False, total=False))
    lines = result.tables["claim_lines.csv"]
    assert lines["claim_id"].tolist() == ["C1", "C1", "C2"]
    assert lines["procedure_code"].tolist() == ["0001U", "36415", "99214"]
    assert lines["place_of_service"].tolist() == ["11", "11", "02"]


def test_codes_are_read_as_payers_write_them_without_a_spreadsheet_text_mark(tmp_path):
    """A leading ' (typed, or written by an export, to keep a value text in a spreadsheet) is not part
    of an id or code, and procedure, modifier and diagnosis codes are capitals: read as written,
    '99213 or g0439 would match no fee schedule, edit or MUE, and the audit would say nothing."""
    rows = [ROWS[0].replace("C1,", "'C1,", 1).replace("99213,25", "'99213,rt"),
            ROWS[1].replace("36415", "g0439").replace("E11.9,I10", "'e11.9,'i10"), ROWS[2]]
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, title=False, total=False),
                          payments=write_lines(tmp_path / "pay.csv", PAYMENTS))
    lines = result.tables["claim_lines.csv"]
    assert lines["claim_id"].tolist() == ["C1", "C1", "C2"]
    assert lines["procedure_code"].tolist() == ["99213", "G0439", "99214"]
    assert lines["modifiers"].tolist() == ["RT", "", ""]
    assert lines["diagnosis_codes"].tolist() == ["E11.9", "E11.9;I10", "I10"]
    assert lines["Patient Name"].tolist()[2] == "Müller, Zoë"
    assert result.sources[1].rows_set_aside == 0


def test_ten_digit_rendering_npis_failing_the_check_digit_are_noted_apart_and_kept(tmp_path):
    """An NPI's tenth digit is a Luhn check digit (prefix 80840); a typo in one gave no word. The NPI
    header is taken over the 'Provider' names beside it, the values are kept, and the mistyped ones
    are counted in their own note."""
    header = "Claim #,Line #,Patient Acct,Ins Code,Provider,Rendering NPI,DOS,Date Billed,CPT,Units,Billed Amt"
    rows = ['C1,1,P1,MCR01,"WELBY, MARCUS",1234567893,01/31/2025,2/3/25,99213,1,$90.00',
            'C1,2,P1,MCR01,"WELBY, MARCUS",1234567890,01/31/2025,2/3/25,36415,1,$15.00']
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, header=header, title=False, total=False))
    source = result.sources[0]
    assert source.columns["rendering_npi"] == "Rendering NPI"
    assert result.tables["claim_lines.csv"]["rendering_npi"].tolist() == ["1234567893", "1234567890"]
    assert [n for n in source.notes if n.startswith("rendering_npi:")] == [
        "rendering_npi: 1 value of 'Rendering NPI' has 10 digits but fails the NPI check digit (Luhn, prefix "
        "80840): e.g. '1234567890'; it is kept as the provider's identity; check it against the NPI "
        "registry (NPPES)"]


def test_a_tie_for_rendering_npi_goes_to_the_header_whose_values_are_npis(tmp_path):
    """An export whose only provider headers are 'Provider' (names) and 'Provider ID' (NPIs) stopped as
    ambiguous: both names fit rendering_npi equally. The values break the tie, and the notes say so;
    two headers of NPIs still stop the import."""
    header = "Claim #,Line #,Patient Acct,Ins Code,Provider,Provider ID,DOS,Date Billed,CPT,Units,Billed Amt"
    rows = ['C1,1,P1,MCR01,"WELBY, MARCUS",1234567893,01/31/2025,2/3/25,99213,1,$90.00',
            'C1,2,P1,MCR01,"WELBY, MARCUS",1234567893,01/31/2025,2/3/25,36415,1,$15.00']
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, header=header, title=False, total=False))
    source = result.sources[0]
    assert source.columns["rendering_npi"] == "Provider ID"
    assert result.tables["claim_lines.csv"]["rendering_npi"].tolist() == ["1234567893"] * 2
    note = "rendering_npi: 'Provider ID' chosen over 'Provider': its values are NPIs"
    assert note in source.notes and note in result.summary()
    both = [r.replace('"WELBY, MARCUS"', "1234567893") for r in rows]
    with pytest.raises(InputError, match="field 'rendering_npi' matches 'Provider' and 'Provider ID'"):
        import_files(write_claims(tmp_path / "both.csv", rows=both, header=header, title=False, total=False))


def test_ids_and_codes_a_data_tool_wrote_as_decimal_numbers_are_read_whole(tmp_path):
    """A number column with a blank cell goes through pandas or a database export as decimals: claim
    1001 is written 1001.0, CPT 99213 99213.0, modifier 59 59.0. Kept so, claim 1001.0 and the payment
    of claim 1001 were two claims, and 97140.0 matched no fee schedule, edit or MUE. A diagnosis code
    keeps its own decimals (ICD-9 250.00)."""
    header = "Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Mod 1,Units,Billed Amt,Dx 1,POS"
    rows = ["1001.0,1.0,123.0,MCR01,1234567893.0,01/31/2025,2/3/25,97140.0,59.0,1.0,50.0,M54.50,11.0",
            "1001,2,123,MCR01,1234567893,01/31/2025,2/3/25,97110,,2,40,250.00,2.0"]
    payments = ["Claim #,Line #,Check #,Payment Date,Paid Amt", "1001,1,12345.00,02/20/2025,40.00"]
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, header=header, title=False, total=False),
                          payments=write_lines(tmp_path / "p.csv", payments))
    lines = result.tables["claim_lines.csv"]
    got = lines[["claim_id", "patient_id", "rendering_npi", "procedure_code", "modifiers", "place_of_service"]]
    assert got.values.tolist() == [["1001", "123", "1234567893", "97140", "59", "11"],
                                   ["1001", "123", "1234567893", "97110", "", "02"]]
    assert lines["diagnosis_codes"].tolist() == ["M54.50", "250.00"]
    assert result.tables["payments.csv"]["payment_id"].tolist() == ["12345"]
    assert result.sources[1].rows_used == 1


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_windows_1252_row_with_a_stray_comma_is_set_aside_without_a_traceback(tmp_path, capsys):
    """A name written Peña, José without quotes makes one row a field too long. Arrow handed that
    row, as UTF-8 text, to a handler; decoding Windows-1252 failed inside Arrow, which printed a
    traceback under the import's summary."""
    rows = [ROWS[0], ROWS[1].replace('"Peña, José"', "Peña, José"), ROWS[2]]
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, title=False, total=False))
    source = result.sources[0]
    assert (source.rows_used, source.rows_set_aside) == (2, 1)
    assert "17 fields where the header has 16" in source.aside["_reason"].iloc[0]
    assert capsys.readouterr().err == ""


def test_an_optional_cell_saying_n_a_or_null_is_blank_and_counted_in_a_note(tmp_path):
    """Practice-management exports write N/A, NULL or None where an optional value is missing. Read
    as written, N/A was a bad amount (the payment set aside) and the modifiers N and A; a required
    cell saying N/A is still set aside, naming what it held."""
    rows = [ROWS[0].replace("99213,25,", "99213,N/A,").replace("E11.9,,11", "E11.9,NULL,n/a"),
            ROWS[1], ROWS[2].replace("99214,,", "99214,none,")]
    payments = PAYMENTS[:1] + ["C1,1,EFT1,02/20/2025,N/A,$64.00", "C1,1,EFT2,03/01/2025,#N/A,($64.00)",
                               "C1,2,EFT1,02/20/2025,-,$8.00", "C2,1,EFT1,02/20/2025,$90.00,N/A"]
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, title=False, total=False),
                          payments=write_lines(tmp_path / "pay.csv", payments))
    lines = result.tables["claim_lines.csv"]
    assert lines["modifiers"].tolist() == ["", "", ""]
    assert lines["diagnosis_codes"].tolist() == ["E11.9", "E11.9;I10", "I10"]
    assert lines["place_of_service"].tolist() == ["", "11", "02"]
    paid = result.tables["payments.csv"]
    assert paid["allowed_cents"].isna().tolist() == [True, True, False]
    assert paid["allowed_cents"].iloc[2] == 0
    assert paid["paid_cents"].tolist() == [6400, -6400, 800]
    claims_source, pay_source = result.sources
    assert (pay_source.rows_used, pay_source.rows_set_aside) == (3, 1)
    assert "column 'Paid Amt' (paid)" in pay_source.aside["_reason"].iloc[0]
    assert "'N/A'" in pay_source.aside["_reason"].iloc[0]
    assert pay_source.notes == ["'Allowed Amt' (allowed): 2 cell(s) holding '#N/A', 'N/A' read as blank (no value)"]
    assert any(note.startswith("'Mod 1' (modifiers): 2 cell(s)") for note in claims_source.notes)
    assert "read as blank" in result.summary()


def test_a_date_with_its_days_name_is_read_and_a_day_that_is_not_the_dates_is_set_aside(tmp_path):
    rows = [ROWS[0].replace("01/31/2025", "Fri 01/31/2025"),
            ROWS[1].replace("01/31/2025", '"Friday, January 31, 2025"'),
            ROWS[2].replace("02/01/2025", "Mon 02/01/2025")]
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, title=False, total=False))
    lines = result.tables["claim_lines.csv"]
    assert lines["service_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-31", "2025-01-31"]
    reason = result.sources[0].aside["_reason"].iloc[0]
    assert "column 'DOS' (service_date)" in reason and "'Mon 02/01/2025'" in reason and "day's name" in reason


def test_a_long_number_excel_wrote_in_scientific_notation_is_set_aside_not_taken_for_an_id(tmp_path):
    """Claim numbers 202501310000001 and ...02 both read 2.02501E+14 once Excel saved the file:
    as ids they would merge into one claim; the rows are set aside naming the column and the fix."""
    rows = [r.replace("C1,", "2.02501E+14,", 1).replace("C2,", "2.02501E+14,", 1) for r in ROWS]
    rows += ['C3,1,P3,X,MCR01,1.23457E+11,01/31/2025,2/4/25,99213,,,1,$1.00,I10,,11',
             ROWS[0].replace("C1,1,", "'2.02501E+14,9,", 1)]
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, title=False, total=False))
    assert result.tables["claim_lines.csv"].empty
    reasons = result.sources[0].aside.set_index("_row")["_reason"]
    assert "column 'Claim #' (claim_id): expected an id or code with all its digits" in reasons[2]
    assert "scientific notation" in reasons[4] and "got '2.02501E+14'" in reasons[4]
    assert "column 'Rendering NPI' (rendering_npi)" in reasons[5] and "got '1.23457E+11'" in reasons[5]
    assert "scientific notation" in reasons[6] and "got \"'2.02501E+14\"" in reasons[6]


def test_bad_values_are_set_aside_naming_row_header_and_value(tmp_path):
    rows = ROWS + ['C3,1,P3,X,MCR01,1234567893,31/01/2025,2/4/25,99213,,,1,$1.999,I10,,11']
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, title=False, total=False))
    aside = result.sources[0].aside
    assert aside["_row"].tolist() == [5]
    assert "column 'DOS' (service_date)" in aside["_reason"].iloc[0] and "'31/01/2025'" in aside["_reason"].iloc[0]
    assert "column 'Billed Amt' (charge)" in aside["_reason"].iloc[0] and "'$1.999'" in aside["_reason"].iloc[0]
    assert "row 5 had '31/01/2025'" in result.summary()


def test_a_posting_report_with_check_deposit_and_post_dates_imports_without_naming_a_column(tmp_path):
    """NextGen-style abbreviations and three dates: the payer's check date is the payment date."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["ERA Import Posting Report"])
    ws.append(["Post Date", "Deposit Date", "Check Date", "Chk Nbr", "Clm Nbr", "Line #", "Svc Date", "CPT4",
               "Bill Amt", "Allwd Amt", "Pd Amt", "CoIns Amt", "Reason Cd", "Remark Codes"])
    ws.append([dt.datetime(2025, 2, 24), dt.datetime(2025, 2, 21), dt.datetime(2025, 2, 20), "EFT1", "C1", 1,
               dt.datetime(2025, 1, 31), "99213", 1190, 80, 64, 16, "CO-45", "N130"])
    ws.append([dt.datetime(2025, 3, 3), dt.datetime(2025, 3, 2), dt.datetime(2025, 3, 1), "5521", "C2", 1,
               dt.datetime(2025, 2, 1), "99214", 120, 90, 72, 18, None, None])
    ws.append(["Subtotal", None, None, None, None, None, None, None, 1310, 170, 136])
    book.save(tmp_path / "era.xlsx")
    result = import_files(write_claims(tmp_path / "c.csv"), payments=tmp_path / "era.xlsx")
    pay = result.tables["payments.csv"]
    assert pay["payment_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-20", "2025-03-01"]
    assert pay["payment_id"].tolist() == ["EFT1", "5521"] and pay["paid_cents"].tolist() == [6400, 7200]
    assert pay["allowed_cents"].tolist() == [8000, 9000] and pay["denial_code"].tolist()[0] == "CO-45"
    assert {"Post Date", "Deposit Date", "Remark Codes"} <= set(pay.columns)


def test_workbook_first_sheet_or_named_sheet_with_excel_dates_and_numbers(tmp_path):
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Summary"
    first.append(["nothing here"])
    ws = book.create_sheet("Payments")
    ws.append(["Payment Detail"])
    ws.append([])
    ws.append(["Claim #", "Line #", "Check #", "Payment Date", "Allowed Amt", "Paid Amt"])
    ws.append(["C1", 1, "EFT1", dt.datetime(2025, 2, 20), 80, 64.0])
    ws.append(["C1", 1, "EFT2", 45717, None, "($64.00)"])           # a serial date, a text negative
    ws.append(["C1", 2, 1234, "02/20/2025", 10.5, 8.25])
    ws.append(["C2", 1, "EFT1", dt.date(2025, 2, 20), 90, -0.1])
    ws.append(["TOTAL", None, None, None, 180.5, 8.15])
    book.save(tmp_path / "pay.xlsx")
    claims = write_claims(tmp_path / "c.csv")
    result = import_files(claims, payments=f"{tmp_path / 'pay.xlsx'}#Payments")
    pay = result.tables["payments.csv"]
    assert pay["payment_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-20", "2025-03-01", "2025-02-20",
                                                                     "2025-02-20"]
    assert pay["paid_cents"].tolist() == [6400, -6400, 825, -10]
    assert pay["allowed_cents"].tolist()[2] == 1050 and pay["payment_id"].tolist()[2] == "1234"
    report = result.sources[1]
    assert report.label == "pay.xlsx#Payments" and report.info["header_row"] == 3
    assert set(report.aside["_reason"]) == {"title row above the header", "a total row, not a payment"}
    with pytest.raises(InputError, match="no sheet named 'June' \\(sheets: Summary, Payments\\)"):
        import_files(claims, payments=f"{tmp_path / 'pay.xlsx'}#June")


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_without_a_sheet_named_the_first_shown_sheet_holding_cells_is_read(tmp_path, monkeypatch, reader):
    """A workbook may open on a hidden lookup sheet or an empty Sheet1 before the report: the report,
    which is what a spreadsheet shows first, is read; a sheet without the fields names the others."""
    if reader == "openpyxl":
        monkeypatch.setitem(sys.modules, "python_calamine", None)     # the reader used when calamine fails
    book = openpyxl.Workbook()
    lookup = book.active
    lookup.title = "Lookup"
    lookup.append(["code", "description"])
    lookup.sheet_state = "hidden"
    book.create_sheet("Sheet1")
    ws = book.create_sheet("Payments")
    for row in PAYMENTS:
        ws.append(row.replace("($64.00)", "-64").split(","))
    book.save(tmp_path / "pay.xlsx")
    claims = write_claims(tmp_path / "c.csv")
    result = import_files(claims, payments=tmp_path / "pay.xlsx")
    assert result.sources[1].info["sheet"] == "Payments"
    assert result.tables["payments.csv"]["paid_cents"].tolist() == [6400, -6400, 800, 7200]
    book.move_sheet("Payments", offset=-2)
    book["Payments"].sheet_state = "hidden"
    book.save(tmp_path / "pay.xlsx")
    with pytest.raises(InputError, match="sheet 'Sheet1' is empty .*other sheets: 'Payments', 'Lookup' "
                                         r"\(name one as pay.xlsx#SHEET\)"):
        import_files(claims, payments=tmp_path / "pay.xlsx")
    book["Sheet1"].append(["Summary", "Total"])
    book.save(tmp_path / "pay.xlsx")
    with pytest.raises(InputError, match="no header for required field 'paid'.*This is sheet 'Sheet1'; "
                                         "the workbook's other sheets: 'Payments', 'Lookup'"):
        import_files(claims, payments=tmp_path / "pay.xlsx")


def _watched_calamine(monkeypatch) -> dict[str, list]:
    """python-calamine noting each workbook opened (``opened``: the file's name), sheet loaded
    (``loaded``) and sheet's rows turned into Python lists (``converted``: the sheet's name and the
    rows asked for, None for all)."""
    import python_calamine

    seen: dict[str, list] = {"opened": [], "loaded": [], "converted": []}
    original = python_calamine.CalamineWorkbook

    class Watched:
        def __init__(self, wrapped):
            self.wrapped = wrapped

        def __getattr__(self, name):
            return getattr(self.wrapped, name)

        def get_sheet_by_name(self, name):
            seen["loaded"].append(name)
            return Watched(self.wrapped.get_sheet_by_name(name))

        def to_python(self, skip_empty_area=True, nrows=None):
            seen["converted"].append((self.wrapped.name, nrows))
            return self.wrapped.to_python(skip_empty_area=skip_empty_area, nrows=nrows)

    class Workbook:
        @staticmethod
        def from_filelike(handle):
            seen["opened"].append(handle.name)
            return Watched(original.from_filelike(handle))

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Workbook, raising=True)
    return seen


def test_the_sheet_read_when_none_is_named_is_loaded_once(tmp_path, monkeypatch):
    """Finding the first shown sheet that holds cells loads it; reading its cells uses that load."""
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    ws = book.create_sheet("Payments")
    for row in PAYMENTS:
        ws.append(row.split(","))
    book.save(tmp_path / "pay.xlsx")
    claims = write_claims(tmp_path / "c.csv")
    seen = _watched_calamine(monkeypatch)
    result = import_files(claims, payments=tmp_path / "pay.xlsx")
    assert result.sources[1].info["sheet"] == "Payments" and len(result.tables["payments.csv"]) == 4
    assert seen["loaded"] == ["Sheet1", "Payments"]


def _cells(rows=ROWS, header=HEADER) -> list[list[str]]:
    import csv

    return list(csv.reader([header] + list(rows)))


def _web_page(rows: list[list[str]]) -> str:
    """A PM system's "Export to Excel": a page with a title table, then the report, its first claim
    number spanning the rows of the claim's two lines, an entity and a line break in cells."""
    cells = [["<td>" + c.replace("&", "&amp;") + "</td>" for c in row] for row in rows]
    cells[1][0] = '<td rowspan="2">C1</td>'
    del cells[2][0]
    cells[1][3] = "<td>Peña,<br>José</td>"
    body = "".join("<tr>" + "".join(row) + "</tr>\n" for row in cells)
    return ("<html><head><meta charset='utf-8'></head><body><table><tr><td>Charge Detail</td></tr></table>"
            f"<table border=1>{body}</table></body></html>")


def _spreadsheet_xml(rows: list[list[str]]) -> str:
    def cell(value: str) -> str:
        kind = "Number" if value.replace(".", "", 1).isdigit() else "String"
        return f'<Cell><Data ss:Type="{kind}">{value}</Data></Cell>'
    body = "".join("<Row>" + "".join(cell(c) for c in row) + "</Row>" for row in rows)
    return ('<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
            f'<Worksheet ss:Name="Notes"/><Worksheet ss:Name="Charges"><Table>{body}</Table></Worksheet></Workbook>')


@pytest.mark.parametrize("holds", ["html", "spreadsheetml", "tab text", "workbook named csv"])
def test_an_excel_export_that_is_no_workbook_or_a_workbook_named_csv_is_read_as_what_it_holds(tmp_path, holds):
    rows = _cells()
    if holds == "html":
        path, said = tmp_path / "charges.xls", "a web page (an HTML table)"
        path.write_text(_web_page(rows), encoding="utf-8")
    elif holds == "spreadsheetml":
        path, said = tmp_path / "charges.xls", "an Excel 2003 XML spreadsheet"
        path.write_text(_spreadsheet_xml(rows), encoding="utf-8")
    elif holds == "tab text":
        path, said = tmp_path / "charges.xls", "text (CSV)"
        path.write_text("\n".join("\t".join(row) for row in rows), encoding="utf-8")
    else:
        path, said = tmp_path / "charges.csv", "an Excel workbook, not CSV text"
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    result = import_files(path)
    lines = result.tables["claim_lines.csv"]
    assert lines["claim_id"].tolist() == ["C1", "C1", "C2"]
    assert lines["charge_cents"].tolist() == [119000, 1500, 12000]
    assert lines["service_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-31", "2025-01-31", "2025-02-01"]
    assert lines["Patient Name"].tolist()[1:] == ["Peña, José", "Müller, Zoë"]
    assert result.sources[0].rows_read == 3
    assert f"charges.{path.suffix[1:]} holds {said}" in result.summary()


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_a_workbook_saved_under_a_csv_name_that_is_not_utf8_is_read(tmp_path, monkeypatch, reader):
    """``cl\\xe9ims.csv`` made on a Latin-1 system: python-calamine could not open that name, and openpyxl
    refuses a .csv one, so the workbook was "not a readable workbook". Each reads the file's content."""
    if reader == "openpyxl":
        monkeypatch.setitem(sys.modules, "python_calamine", None)
    path = tmp_path / os.fsdecode(b"cl\xe9ims.csv")
    book = openpyxl.Workbook()
    for row in _cells():
        book.active.append(row)
    book.save(path)
    result = import_files(path)
    assert result.tables["claim_lines.csv"]["claim_id"].tolist() == ["C1", "C1", "C2"]
    assert "cl\\xe9ims.csv holds an Excel workbook, not CSV text" in result.summary()


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"), (b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n", "binary data: a PDF document"),
    (b"\x00\x01\x02\x03" * 64, "binary data: a PDF, an image or a damaged file"),
    (b"<html><body><p>Please sign in</p></body></html>", "a web page \\(HTML\\) with no table"),
])
def test_a_file_that_holds_no_export_is_refused_saying_what_it_holds(tmp_path, content, message):
    for name in ("charges.csv", "charges.xlsx"):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(InputError, match=f"{name}: .*{message}"):
            import_files(tmp_path / name)


def test_what_a_file_holds_comes_with_the_name_its_signature_gives_it(tmp_path):
    """The first bytes are read once: the kind they show and, for a signature, what it names (the
    message refusing a PDF says so without opening the file again). A zip that is no workbook (a
    .docx, a .pptx, an archive of exports) is told apart from a workbook here, named as what it is."""
    from recoup_lib.ingest._disguised import content_kind

    def zipped(*names: str) -> bytes:
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w") as archive:
            for name in names:
                archive.writestr(name, "<x/>")
        return packed.getvalue()

    given = {"a.pdf": b"%PDF-1.4\n1 0 obj", "b.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
             "c.bin": b"\x00\x01\x02\x03" * 64, "d.csv": b"claim_id,line_no\nC1,1\n", "e.csv": b" \r\n",
             "f.xlsx": zipped("[Content_Types].xml", "xl/workbook.xml"),
             "g.xlsx": zipped("[Content_Types].xml", "word/document.xml"),
             "h.csv": zipped("[Content_Types].xml", "ppt/presentation.xml"), "i.zip": zipped("a.csv", "b.csv"),
             "j.zip": zipped(*(f"m{n:04d}.csv" for n in range(1004)))}
    for name, content in given.items():
        (tmp_path / name).write_bytes(content)
    assert {name: content_kind(tmp_path / name) for name in given} == {
        "a.pdf": ("binary", "a PDF document"), "b.xls": ("workbook", "an Excel 97-2003 workbook (.xls)"),
        "c.bin": ("binary", ""), "d.csv": ("text", ""), "e.csv": ("empty", ""),
        "f.xlsx": ("workbook", "an Excel workbook (or another zip file)"),
        "g.xlsx": ("zip", "a Word document (.docx)"), "h.csv": ("zip", "a PowerPoint presentation (.pptx)"),
        "i.zip": ("zip", "a zip archive holding a.csv, b.csv (unzip it and give the files it holds, or their folder)"),
        "j.zip": ("zip", "a zip archive holding m0000.csv, m0001.csv, m0002.csv and 1,001 more (unzip it and give "
                         "the files it holds, or their folder)")}


@pytest.mark.parametrize("blank, separator, encoding", [("\n", ",", "utf-8"), ("\r\n", "\t", "cp1252"),
                                                       (" \r\n", ",", "utf-16-le"), ("\r", ",", "utf-8")])
@pytest.mark.parametrize("title", ["", "Charge Detail"])
def test_an_export_after_9_kb_of_blank_lines_is_read_and_blank_lines_alone_are_empty(tmp_path, blank, separator,
                                                                                       encoding, title):
    """An export is empty only when it holds nothing but blank lines: rows after 9 KB of them (more
    than the first bytes looked at, and more lines than the rows searched for the header), at the
    start or below a title, are read, with their row numbers counted from the file's first line."""
    lines = 9216 // len(blank)
    above = (title + blank if title else "") + blank * lines
    export = "\n".join(separator.join(cell.replace(",", "") for cell in row) for row in _cells()) + "\n"
    path = tmp_path / "charges.csv"
    path.write_bytes((above + export).encode(encoding))
    result = import_files(path)
    header = lines + 1 + bool(title)
    assert result.tables["claim_lines.csv"]["claim_id"].tolist() == ["C1", "C1", "C2"]
    assert result.tables["claim_lines.csv"]["_row"].tolist() == [header + 1, header + 2, header + 3]
    assert result.sources[0].info["header_row"] == header
    path.write_bytes((blank * lines).encode(encoding))
    with pytest.raises(InputError, match="charges.csv: the file is empty"):
        import_files(path)


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_a_sheet_whose_header_stands_below_100_blank_rows_is_read_not_called_empty(tmp_path, monkeypatch, reader):
    if reader == "openpyxl":
        monkeypatch.setitem(sys.modules, "python_calamine", None)
    book = openpyxl.Workbook()
    for r, row in enumerate(PAYMENTS):
        for c, value in enumerate(row.replace("($64.00)", "-64").split(",")):
            book.active.cell(row=101 + r, column=1 + c, value=value)
    book.save(tmp_path / "pay.xlsx")
    result = import_files(write_claims(tmp_path / "c.csv"), payments=tmp_path / "pay.xlsx")
    assert result.sources[1].info["header_row"] == 101
    assert result.tables["payments.csv"]["_row"].tolist() == [102, 103, 104, 105]


def test_a_claim_merged_down_the_rows_of_its_lines_gives_each_line_its_claim(tmp_path):
    """Billing reports merge a claim's number and patient down the rows of its lines; the value sits in
    the range's first cell only. Each line is read with it, and the summary names the ranges."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Charges"
    ws.append(["Charge Detail"])
    ws.merge_cells("A1:F1")
    ws.append(["Claim #", "Line #", "Patient Acct", "Ins Code", "Rendering NPI", "DOS", "Date Billed", "CPT",
               "Units", "Billed Amt"])
    day, billed = dt.date(2025, 1, 31), dt.date(2025, 2, 3)
    ws.append(["C1", 1, "P1", "MCR01", 1234567893, day, billed, "99213", 1, 120])
    ws.append([None, 2, None, "MCR01", 1234567893, day, billed, "36415", 1, 15])
    ws.append([None, 3, None, "MCR01", 1234567893, day, billed, "85025", 1, 30])
    ws.append(["C2", 1, "P2", "MCR01", 1234567893, dt.date(2025, 2, 1), billed, "99214", 1, 190])
    ws.merge_cells("A3:A5")
    ws.merge_cells("C3:C5")
    book.save(tmp_path / "charges.xlsx")
    result = import_files(tmp_path / "charges.xlsx", payments=write_lines(tmp_path / "p.csv", PAYMENTS))
    lines = result.tables["claim_lines.csv"]
    assert lines[["claim_id", "line_no", "patient_id"]].values.tolist() == [
        ["C1", 1, "P1"], ["C1", 2, "P1"], ["C1", 3, "P1"], ["C2", 1, "P2"]]
    assert "merged cells read as one value in each of their cells: A1:F1, A3:A5, C3:C5" in result.summary()
    assert result.sources[0].rows_set_aside == 1  # the title row, merged across the columns


def test_a_modifiers_header_merged_over_two_columns_reads_both_modifiers(tmp_path):
    """A report heads its two modifier columns with one ``Modifiers`` cell merged across them; the
    second column's modifier (a 59 that unbundles a pair) belongs to the line as much as the first."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Claim #", "Line #", "Patient Acct", "Ins Code", "Rendering NPI", "DOS", "Date Billed", "CPT",
               "Modifiers", None, "Units", "Billed Amt"])
    ws.merge_cells("I1:J1")
    day, billed = dt.date(2025, 1, 31), dt.date(2025, 2, 3)
    ws.append(["C1", 1, "P1", "MCR01", 1234567893, day, billed, "97140", "GP", "59", 1, 50])
    ws.append(["C1", 2, "P1", "MCR01", 1234567893, day, billed, "97110", None, "GP", 1, 40])
    book.save(tmp_path / "charges.xlsx")
    lines = import_files(tmp_path / "charges.xlsx").tables["claim_lines.csv"]
    assert lines["modifiers"].tolist() == ["GP;59", "GP"]
    assert "Modifiers (2)" not in lines.columns


def test_anesthesia_codes_excel_stored_as_numbers_get_their_leading_zeros_back(tmp_path):
    """Excel stores a CPT column typed in as numbers: anesthesia codes 00840 and 01992 become 840 and
    1992. A procedure code is five characters, so fewer digits can only be zeros dropped; read as
    840, the line matched no fee schedule, edit or MUE. The summary counts the codes so read."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Claim #", "Line #", "Patient Acct", "Ins Code", "Rendering NPI", "DOS", "Date Billed", "CPT",
               "Units", "Billed Amt"])
    day, billed = dt.date(2025, 1, 31), dt.date(2025, 2, 3)
    for line, code in enumerate([840, 1992, 99213, "0001U"], start=1):
        ws.append(["C1", line, "P1", "MCR01", 1234567893, day, billed, code, 1, 100])
    book.save(tmp_path / "charges.xlsx")
    result = import_files(tmp_path / "charges.xlsx")
    assert result.tables["claim_lines.csv"]["procedure_code"].tolist() == ["00840", "01992", "99213", "0001U"]
    assert "'CPT' (procedure_code): 2 code(s) of fewer than five digits read with the zeros" in result.summary()


def _charges_with_a_formula(path: Path, saved_value: bool) -> Path:
    """A workbook whose charge is a formula, as a script writes it (no saved value), or as a spreadsheet
    program saves it (the formula and its value)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Claim #", "Line #", "Patient Acct", "Ins Code", "Rendering NPI", "DOS", "Date Billed", "CPT",
               "Units", "Billed Amt"])
    ws.append(["C1", 1, "P1", "MCR01", 1234567893, dt.date(2025, 1, 31), dt.date(2025, 2, 3), "99213", 1, 120])
    ws.append(["C1", 2, "P1", "MCR01", 1234567893, dt.date(2025, 1, 31), dt.date(2025, 2, 3), "36415", 3,
               "=I3*5"])
    book.save(path)
    if saved_value:
        with zipfile.ZipFile(path) as source:
            members = {name: source.read(name) for name in source.namelist()}
        sheet = "xl/worksheets/sheet1.xml"
        members[sheet] = members[sheet].replace(b"<f>I3*5</f><v></v>", b"<f>I3*5</f><v>15</v>").replace(
            b"<f>I3*5</f><v />", b"<f>I3*5</f><v>15</v>")
        assert b"<v>15</v>" in members[sheet]
        with zipfile.ZipFile(path, "w") as target:
            for name, data in members.items():
                target.writestr(name, data)
    return path


@pytest.mark.parametrize("saved_value", [False, True])
def test_a_formula_without_a_saved_value_is_named_in_the_summary(tmp_path, saved_value):
    """A workbook written by a script keeps formulas without their results: every reader sees a blank.
    The summary names those cells and says how to fix the workbook; a saved value is read as usual."""
    path = _charges_with_a_formula(tmp_path / "charges.xlsx", saved_value)
    result = import_files(path, payments=write_lines(tmp_path / "p.csv", PAYMENTS))
    said = result.summary()
    assert ("1 formula cell(s) with no saved value, read as blank (J3)" in said) is not saved_value
    lines = result.tables["claim_lines.csv"]
    assert lines["charge_cents"].tolist() == ([12000, 1500] if saved_value else [12000])


def test_column_option_settles_overrides_and_leaves_out(tmp_path):
    header = HEADER.replace("DOS", "Seen On").replace("Claim #", "Claim #,Claim ID")
    rows = [r.replace("C1,", "C1,X1,", 1).replace("C2,", "C2,X2,", 1) for r in ROWS]
    path = write_claims(tmp_path / "c.csv", rows=rows, header=header, title=False, total=False)
    with pytest.raises(InputError, match="'claim_id' matches 'Claim #' and 'Claim ID'"):
        import_files(path, columns={"service_date": "Seen On"})
    result = import_files(path, columns={"service_date": "Seen On", "claim_id": "Claim ID",
                                         "diagnosis_codes": None})
    lines = result.tables["claim_lines.csv"]
    assert lines["claim_id"].tolist() == ["X1", "X1", "X2"]
    assert lines["diagnosis_codes"].tolist() == ["", "", ""] and "Dx 1" in lines.columns
    with pytest.raises(UsageError, match="no file has a header 'Nope'"):
        import_files(path, columns={"service_date": "Nope"})
    with pytest.raises(UsageError, match="unknown field 'service_dat'"):
        import_files(path, columns={"service_dat": "Seen On"})


def test_mapping_json_is_written_and_accepted_back(tmp_path):
    header = HEADER.replace("DOS", "Seen On")
    path = write_claims(tmp_path / "c.csv", header=header)
    first = import_files(path, columns={"service_date": "Seen On"})
    first.write(tmp_path / "out")
    mapping = json.loads((tmp_path / "out" / "mapping.json").read_text())
    assert mapping["columns"]["claims"]["service_date"] == "Seen On"
    assert mapping["columns"]["claims"]["modifiers"] == ["Mod 1", "Mod 2"]
    again = import_files(path, mapping=tmp_path / "out" / "mapping.json")
    pd.testing.assert_frame_equal(again.tables["claim_lines.csv"], first.tables["claim_lines.csv"])
    other = write_claims(tmp_path / "d.csv", header=header.replace("Seen On", "Date"))
    with pytest.raises(InputError, match="maps 'service_date' to 'Seen On', which this file does not have"):
        import_files(other, mapping=mapping)


def test_a_mapping_giving_one_header_to_two_fields_is_a_usage_error(tmp_path, capsys):
    """As --column does, a mapping.json (the widget's, or edited by hand) giving one header to two fields of
    a file is refused before any file is read (exit 2), naming the mapping file, both entries and the
    header; it was read, the patient's account number taken for the claim's too."""
    path = write_claims(tmp_path / "c.csv")
    first = import_files(path)
    first.write(tmp_path / "out")
    mapping = json.loads((tmp_path / "out" / "mapping.json").read_text())
    mapping["columns"]["claims"]["claim_id"] = "patient acct"
    (tmp_path / "edited.json").write_text(json.dumps(mapping))
    assert main(["import", "--claims", str(path), "--map", str(tmp_path / "edited.json"),
                 "--out", str(tmp_path / "o")]) == 2
    assert ("edited.json: columns.claims.claim_id and columns.claims.patient_id: two fields of claims files under "
            "one header 'Patient Acct'; a column holds one field") in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    per_file = {"files": [{"kind": "claims", "file": "c.csv", "columns": {"claim_id": "Claim #", "line_no": "Line #",
                                                                        "modifiers": ["Mod 1", "Claim #"]}}]}
    with pytest.raises(UsageError, match=r"the mapping: files\[0\]\.columns\.claim_id and files\[0\]\.columns\."
                                         "modifiers: two fields of claims files under one header 'Claim #'"):
        import_files(path, mapping=per_file)
    # One header for fields of two kinds of file stays allowed, as with --column.
    assert import_files(path, mapping={"columns": {"claims": {"charge": "Billed Amt"},
                                                   "payments": {"paid": "Billed Amt"}}}).tables



def test_a_field_settled_to_find_payment_lines_yields_a_payment_reports_header_to_another_field(tmp_path):
    """``service_date``, ``procedure_code`` and ``modifiers`` are payment fields too (they find the line of
    a payment without a line number): --column service_date=Date, given for the claims export, or a mapping
    giving it to a payment report, took the report's Date from its payment date (the import stopped, and
    --column payment_date=Date beside it was refused). Another field keeps its header; the clash between two
    claims fields is still refused."""
    claims = tmp_path / "c.csv"
    claims.write_text("Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,Date,Charge Date,CPT,Units,Billed Amt\n"
                      "C1,1,P1,MCR01,1234567893,01/31/2025,2/3/25,99213,1,$100.00\n", encoding="utf-8")
    payments = tmp_path / "p.csv"
    payments.write_text("Claim ID,Line,Check #,Date,Paid\nC1,1,EFT1,02/20/2025,64.00\n", encoding="utf-8")
    by_map = {"mapping": {"columns": {"claims": {"service_date": "Date"}, "payments": {"service_date": "Date"}}}}
    for settled, said in (({"columns": {"service_date": "Date"}}, "--column"),
                          ({"columns": {"service_date": "Date", "payment_date": "Date"}}, "--column"),
                          (by_map, "--map")):
        result = import_files(claims, payments=payments, infer_missing=True, **settled)
        assert result.tables["payments.csv"]["payment_date"].tolist() == [pd.Timestamp("2025-02-20")], settled
        assert "service_date" not in result.sources[1].columns
        # The setting dropped for the payment file is said, not left to be believed read.
        note = f"{said} service_date=Date was not used for p.csv: its 'Date' is its payment_date"
        assert note in result.sources[1].notes and f"  {note}" in result.summary().splitlines()
        assert not [n for n in result.sources[0].notes if "was not used" in n]
    with pytest.raises(UsageError, match="--column service_date=Date and --column procedure_code=Date: two fields "
                                         "of claims files under one header 'Date'"):
        import_files(claims, payments=payments, columns={"service_date": "Date", "procedure_code": "Date"},
                     infer_missing=True)


GROUPED = ["Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Units,Billed Amt",
           "C1,1,P1,MCR01,1234567893,01/31/2025,2/3/25,99213,1,$100.00",
           ",2,,,,,,36415,1,$15.00",
           ",,,,,,,Claim Total:,2,$115.00",
           "",
           "C2,1,P2,CMX-GA,1234567893,02/01/2025,2/4/25,99214,1,$120",
           ",2,,,,,,36415,1,$15.00",
           ",3,,,,,,81002,1,$9.00",
           "TOTAL,,,,,,,,5,$259.00"]
GROUP_FIELDS = ["claim_id", "patient_id", "payer_id", "rendering_npi", "service_date", "submitted_date"]


def test_a_grouped_report_is_read_with_fill_down_and_the_summary_says_when_to_use_it(tmp_path, capsys):
    """A report printing the claim's fields on its first line only: without --fill-down its other lines
    are set aside and the summary names the option; with it every line is kept, the subtotal rows are
    still set aside as totals (never filled), and mapping.json keeps the list for --map."""
    path = write_lines(tmp_path / "grouped.csv", GROUPED)
    plain = import_files(path)
    assert plain.sources[0].rows_used == 2
    hint = [n for n in plain.sources[0].notes if "--fill-down" in n]
    assert hint and hint[0].endswith(" ".join(f"--fill-down {f}" for f in GROUP_FIELDS))
    assert "blank on 3 line row(s)" in hint[0]
    result = import_files(path, fill_down=GROUP_FIELDS)
    lines = result.tables["claim_lines.csv"]
    assert lines["claim_id"].tolist() == ["C1", "C1", "C2", "C2", "C2"]
    assert lines["payer_id"].tolist() == ["MCR01", "MCR01", "CMX-GA", "CMX-GA", "CMX-GA"]
    assert lines["service_date"].dt.strftime("%Y-%m-%d").tolist()[-1] == "2025-02-01"
    source = result.sources[0]
    assert (source.rows_read, source.rows_used, source.rows_set_aside) == (7, 5, 2)
    assert set(source.aside["_reason"]) == {"a total row, not a claim line"}
    assert "'Claim #' (claim_id): 3 blank cell(s) filled from the row above (fill-down)" in source.notes
    assert not [n for n in source.notes if "--fill-down" in n]
    assert main(["import", "--claims", str(path), "--out", str(tmp_path / "out")] +
                [arg for f in GROUP_FIELDS for arg in ("--fill-down", f)]) == 0
    mapping = json.loads((tmp_path / "out" / "mapping.json").read_text())
    assert mapping["fill_down"] == GROUP_FIELDS
    again = import_files(path, mapping=tmp_path / "out" / "mapping.json")
    pd.testing.assert_frame_equal(again.tables["claim_lines.csv"], lines)
    capsys.readouterr()
    assert main(["import", "--claims", str(path), "--fill-down", "claim", "--out", str(tmp_path / "o2")]) == 2
    assert "--fill-down claim: unknown field" in capsys.readouterr().err
    # A line's own value is never copied from the line above.
    assert main(["import", "--claims", str(path), "--fill-down", "units", "--out", str(tmp_path / "o4")]) == 2
    assert "--fill-down units: unknown field, or not one a grouped report prints" in capsys.readouterr().err
    mapping["fill_down"] = "claim_id"
    (tmp_path / "bad.json").write_text(json.dumps(mapping))
    assert main(["import", "--claims", str(path), "--map", str(tmp_path / "bad.json"),
                 "--out", str(tmp_path / "o3")]) == 1
    assert "bad.json: fill_down: expected a list of field names" in capsys.readouterr().err


@pytest.mark.parametrize("claim", ["C1", ""])
def test_fill_down_fills_every_line_that_is_no_total_row_whatever_its_first_cell_says(tmp_path, claim):
    """Which rows are totals is decided once, by the row's claim number (else its first filled cell),
    both for what fill-down fills and for what is set aside: a line of claim C1 whose description
    reads 'Total knee arthroplasty' was taken for a subtotal and left unfilled (then set aside as
    'not a data row'), although it is no total row. Beside a blank claim number only a cell that is a
    total label and nothing more makes a total row, as sampling decides it (totalrows.total_rows,
    whole_cell): the line was set aside as a total row instead of filled down."""
    path = write_lines(tmp_path / "grouped.csv", [
        "Description,Claim #,Line #,Patient Acct,Ins Code,Rendering NPI,DOS,Date Billed,CPT,Units,Billed Amt",
        "Office visit,C1,1,P1,MCR01,1234567893,01/31/2025,2/3/25,99213,1,$100.00",
        f"Total knee arthroplasty,{claim},2,,,,,,27447,1,$1500.00",
        ",,,,,,,,Claim Total:,2,$1600.00"])
    result = import_files(path, fill_down=GROUP_FIELDS)
    lines = result.tables["claim_lines.csv"]
    assert lines["procedure_code"].tolist() == ["99213", "27447"]
    assert lines["patient_id"].tolist() == ["P1", "P1"] and lines["payer_id"].tolist() == ["MCR01", "MCR01"]
    assert result.sources[0].aside["_reason"].tolist() == ["a total row, not a claim line"]


def test_write_makes_the_folder_the_audit_reads_and_counts_every_row(tmp_path):
    from recoup_lib.folder import read_audit_folder

    result = import_files(write_claims(tmp_path / "c.csv"), payments=write_lines(tmp_path / "p.csv", PAYMENTS))
    paths = result.write(tmp_path / "out")
    names = {p.name for p in paths}
    assert {"claim_lines.csv", "payments.csv", "mapping.json", "import_rejected.csv", "import_counts.csv"} <= names
    inputs = read_audit_folder(tmp_path / "out")
    assert len(inputs.claim_lines) == 3 and len(inputs.payments) == 4 and not inputs.problems
    counts = pd.read_csv(tmp_path / "out" / "import_counts.csv")
    assert (counts["rows_read"] == counts["rows_used"] + counts["rows_set_aside"]).all()
    rejected = pd.read_csv(tmp_path / "out" / "import_rejected.csv")
    assert len(rejected) == counts["rows_set_aside"].sum()


def test_import_rejected_csv_is_in_row_order_per_file(tmp_path):
    """Rows set aside after the contract check (a payment of a claim not imported) were appended after
    the check's own rows, so import_rejected.csv was not in the order of the export read beside it."""
    payments = PAYMENTS + ["C9,1,EFT3,03/02/2025,$10.00,$8.00", "C2,1,EFT3,13/45/2025,$10.00,$8.00",
                           "C9,2,EFT3,03/02/2025,$10.00,$8.00"]
    payments[1] = payments[1].replace("C1,", "C8,")
    result = import_files(write_claims(tmp_path / "z.csv", title=False),
                          payments=write_lines(tmp_path / "p.csv", payments))
    result.write(tmp_path / "out")
    rejected = pd.read_csv(tmp_path / "out" / "import_rejected.csv", dtype={"row": int})
    assert rejected["file"].tolist() == ["z.csv"] * 2 + ["p.csv"] * 4
    assert rejected["row"].tolist() == [5, 6, 2, 6, 7, 8]
    assert "13/45/2025" in rejected["row_as_read"][4] and "C9" in rejected["row_as_read"][3]
    aside = pd.read_csv(tmp_path / "out" / "import_rejected_rows" / "p.csv", dtype={"_row": int})
    assert aside["_row"].tolist() == [2, 6, 7, 8]


def test_output_safety_rerun_foreign_files_and_input_folder(tmp_path):
    claims = write_claims(tmp_path / "c.csv")
    result = import_files(claims, payments=write_lines(tmp_path / "p.csv", PAYMENTS))
    result.write(tmp_path / "out")
    import_files(claims).write(tmp_path / "out")                     # a rerun replaces its own files
    assert not (tmp_path / "out" / "payments.csv").exists()          # ... and leaves nothing stale
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="did not write.*notes.txt"):
        result.write(tmp_path / "out")
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"
    with pytest.raises(UsageError, match="holds the input"):
        result.write(tmp_path)


def test_cli_exit_codes_and_messages(tmp_path, capsys):
    claims = write_claims(tmp_path / "c.csv")
    assert main(["import", "--claims", str(claims), "--payments", str(write_lines(tmp_path / "p.csv", PAYMENTS)),
                 "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "c.csv (claims: CSV, Windows-1252, header on row 4): 7 rows read = 3 used + 4 set aside" in out
    assert out.rstrip().endswith(f"next: recoup audit {tmp_path / 'out'} --out AUDIT")
    # Without --payments the folder has no payments.csv, which the audit requires: the next step said
    # "recoup audit" alone, which then stopped with exit 1.
    assert main(["import", "--claims", str(claims), "--out", str(tmp_path / "claims_only")]) == 0
    assert "next: add payments.csv to it (or import again with --payments), then recoup audit" in \
        capsys.readouterr().out
    assert main(["import", "--claims", str(claims), "--column", "nope=X", "--out", str(tmp_path / "o2")]) == 2
    assert main(["import", "--claims", str(claims), "--column", "service_date", "--out", str(tmp_path / "o2")]) == 2
    capsys.readouterr()
    assert main(["import", "--claims", str(claims), "--column", "service_date=DOS", "--column",
                 "service_date=Date Billed", "--out", str(tmp_path / "o2")]) == 2
    assert "--column service_date= is given twice ('DOS' and 'Date Billed')" in capsys.readouterr().err
    # Two fields of claims read from one column: the patient's account number taken for the claim's too.
    assert main(["import", "--claims", str(claims), "--column", "claim_id=Patient Acct", "--column",
                 "patient_id=patient acct", "--out", str(tmp_path / "o2")]) == 2
    assert "--column claim_id=Patient Acct and --column patient_id=patient acct: two fields of claims files " \
           "under one header 'patient acct'" in capsys.readouterr().err
    assert not (tmp_path / "o2").exists()
    # One header may hold fields of two kinds of file: the charge in the claims, the payment in the payments.
    amounts = [write_claims(tmp_path / "ca.csv", header=HEADER.replace("Billed Amt", "Amount")),
               write_lines(tmp_path / "pa.csv", [PAYMENTS[0].replace("Paid Amt", "Amount"), *PAYMENTS[1:]])]
    assert main(["import", "--claims", str(amounts[0]), "--payments", str(amounts[1]), "--column",
                 "charge=Amount", "--column", "paid=Amount", "--out", str(tmp_path / "o3")]) == 0
    assert main(["import", "--claims", str(tmp_path / "p.csv"), "--out", str(tmp_path / "o2")]) == 1
    err = capsys.readouterr().err
    assert "no header for required field 'patient_id'" in err and "Headers seen: 'Claim #'" in err
    assert main(["import", "--claims", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o2")]) == 1


def test_the_alarm_over_many_payment_files_names_them_by_count_not_one_by_one(tmp_path, capsys):
    """A folder of 835s (69 in a year of five payers) was named file by file, joined with ' + ', in
    one line longer than a screen; more than three files are now counted, the first and last named."""
    claims = write_claims(tmp_path / "c.csv")
    folder = tmp_path / "payments"
    folder.mkdir()
    args = []
    for month in range(1, 6):
        unmatched = [PAYMENTS[0]] + [row.replace("C1,", f"X{month},").replace("C2,", f"Y{month},")
                                     for row in PAYMENTS[1:]]
        args += ["--payments", str(write_lines(folder / f"pay_2025-{month:02d}.csv", unmatched))]
    assert main(["import", "--claims", str(claims), *args, "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "the 5 payments files (pay_2025-01.csv ... pay_2025-05.csv)" in err
    assert "pay_2025-02.csv" not in err


def test_import_exits_1_when_every_row_is_set_aside_and_warns_above_half(tmp_path, capsys):
    bad = [r.replace("01/31/2025", "31/01/2025").replace("02/01/2025", "13/02/2025") for r in ROWS]
    path = write_claims(tmp_path / "c.csv", rows=bad)
    assert main(["import", "--claims", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "all 3 rows were set aside" in err and "'31/01/2025'" in err and "'DOS'" in err
    assert "import_rejected.csv" in err and "No audit folder was written" in err
    out = tmp_path / "out"
    assert not (out / "claim_lines.csv").exists() and not (out / "payments.csv").exists()
    aside = pd.read_csv(out / "import_rejected.csv", dtype=str)
    dated = aside.loc[aside["reason"].str.contains("column 'DOS'")]
    assert dated["row"].tolist() == ["5", "6", "7"] and dated["reason"].str.contains("'31/01/2025'|'13/02/2025'").all()
    assert json.loads((out / "mapping.json").read_text())["columns"]["claims"]["service_date"] == "DOS"
    unpaid = [PAYMENTS[0]] + [",".join(row.split(",")[:-1] + [""]) for row in PAYMENTS[1:]]
    assert main(["import", "--claims", str(write_claims(tmp_path / "c2.csv")), "--payments",
                 str(write_lines(tmp_path / "p.csv", unpaid)), "--out", str(tmp_path / "out2")]) == 1
    assert "most often column 'Paid Amt' (4 rows), which expected a value" in capsys.readouterr().err
    # Set aside by the contract check after the values were read, a row still shows the file's cells.
    aside = pd.read_csv(tmp_path / "out2" / "import_rejected.csv", dtype=str)
    assert aside.loc[aside["file"] == "p.csv", "row_as_read"].tolist()[:2] == [
        "C1 | 1 | EFT1 | 02/20/2025 | $80.00", "C1 | 1 | EFT2 | 03/01/2025"]
    half = [ROWS[0], bad[1], bad[2]]
    assert main(["import", "--claims", str(write_claims(tmp_path / "h.csv", rows=half)),
                 "--out", str(tmp_path / "out")]) == 0
    assert "WARNING: h.csv: 2 of 3 rows (67%) were set aside" in capsys.readouterr().err


def test_the_alarm_names_a_whole_row_reason_but_not_title_and_total_rows(tmp_path):
    """Rows set aside as a whole for a CSV-level cause (a wrong count of fields) are what went wrong:
    the alarm names that reason; the title, total and footer rows around them are not data and are
    neither counted nor named."""
    spilled = [row + ",extra" for row in ROWS[1:]]
    result = import_files(write_claims(tmp_path / "c.csv", rows=[ROWS[0], *spilled]))
    errors, warnings = result.alarms()
    assert errors == [] and len(warnings) == 1
    assert warnings[0].startswith("WARNING: c.csv: 2 of 3 rows (67%) were set aside; most often (2 rows): "
                                  "17 fields where the header has 16. ")


def test_audit_of_us_dates_exits_1_naming_the_problem_and_the_fix(tmp_path, capsys):
    from recoup_lib.synthetic.demo import demo_path

    folder = tmp_path / "f"
    folder.mkdir()
    for name in ("claim_lines.csv", "payments.csv"):
        frame = pd.read_csv(demo_path() / name, dtype=str, keep_default_na=False)
        for col in ("service_date", "submitted_date"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col]).dt.strftime("%m/%d/%Y")
        frame.to_csv(folder / name, index=False)
    assert main(["audit", str(folder), "--out", str(tmp_path / "a")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "claim_lines.csv: all 3,000 rows were set aside" in err
    assert "column 'service_date'" in err and "'01/01/2025'" in err and "recoup import" in err
    assert "rejected.csv" in err and "no findings were written" in err
    written = sorted(p.relative_to(tmp_path / "a").as_posix() for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert [w for w in written if not w.startswith(".")] == ["rejected.csv", "rejected_rows/claim_lines.csv",
                                                            "rejected_rows/payments.csv", "run.json"]
    aside = pd.read_csv(tmp_path / "a" / "rejected_rows" / "claim_lines.csv", dtype=str, keep_default_na=False)
    assert len(aside) == 3000 and aside["service_date"].iloc[0] == "01/01/2025"
    run = json.loads((tmp_path / "a" / "run.json").read_text())
    assert run["status"] == "no findings produced" and run["files"][0]["rows_set_aside"] == 3000
    payments = pd.read_csv(demo_path() / "payments.csv", dtype=str, keep_default_na=False)
    payments.loc[: len(payments) * 2 // 3, "payment_date"] = "Feb 2025"
    payments.to_csv(folder / "payments.csv", index=False)
    (folder / "claim_lines.csv").write_bytes((demo_path() / "claim_lines.csv").read_bytes())
    assert main(["audit", str(folder), "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "WARNING: payments.csv:" in err and "'Feb 2025'" in err


def test_837_claims_with_835_payments_matched_by_control_number(tmp_path):
    from recoup_lib.remit import read_835
    from recoup_lib.synthetic import generate_practice, write_practice

    folder = write_practice(generate_practice(lines=300, seed=5), tmp_path / "p")
    result = import_files(folder / "claims837", payments=folder / "remits")
    pay = result.tables["payments.csv"]
    remit = read_835(folder / "remits")
    matched = sum(s.rows_used for s in result.sources if s.kind == "payments")
    assert matched == len(remit.service_lines) == len(pay)
    assert int(pay["paid_cents"].sum()) == int(remit.service_lines["paid_cents"].sum())
    lines = pd.read_csv(folder / "claim_lines.csv", dtype=str)
    key = set(zip(lines["claim_id"], lines["line_no"].astype(int)))
    assert set(zip(pay["claim_id"], pay["line_no"])) <= key


def test_the_import_names_every_file_it_wrote(tmp_path, capsys):
    """The closing line counted five files and named three (mapping.json, import_rejected.csv and the
    tables): it now names each file written, as the folder holds them."""
    from recoup_lib.cli import main

    messy = Path(__file__).resolve().parents[1] / "synthetic" / "messy_export"
    assert main(["import", "--claims", str(messy / "charges.csv"), "--payments", str(messy / "payments.xlsx"),
                 "--out", str(tmp_path / "out")]) == 0
    line = [l for l in capsys.readouterr().out.splitlines() if l.startswith("wrote ")][-1]
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")
                     if p.is_file() and not p.name.startswith("."))
    assert line.startswith(f"wrote {len(written)} files to ")
    assert line.split(" (", 1)[1].split("); next")[0].split(", ") == written


DATA = Path(__file__).resolve().parent / "data"


def test_835_payments_of_claims_not_imported_are_set_aside_and_counted_in_their_own_file(tmp_path):
    """Of two 835s, one pays the X12 example claim imported from its 837, the other claims never
    imported. The second file's payments were counted as used, written nowhere and listed
    nowhere (the check against the claims knew only the last 835's report): each file now counts
    its own, and import_rejected.csv lists them with their reason."""
    public = DATA / "835" / "public"
    result = import_files(DATA / "837" / "demo.example1.837",
                          payments=[public / "gunajii-sample_835.edi", public / "badx12-X221-era-sample.edi"])
    counts = {s.label: (s.rows_read, s.rows_used, s.rows_set_aside) for s in result.sources if s.kind == "payments"}
    assert counts == {"gunajii-sample_835.edi": (1, 1, 0), "badx12-X221-era-sample.edi": (5, 0, 5)}
    assert result.tables["payments.csv"]["claim_id"].tolist() == ["26463774"]
    out = result.write(tmp_path / "out")
    alone = import_files(DATA / "837" / "demo.example1.837", payments=public / "badx12-X221-era-sample.edi")
    [error] = alone.alarms()[0]
    assert "which expected a claim line among the claims imported but held values like '7722337|1'" in error
    assert "give the claims they pay too" in error and "corrected files" not in error
    rejected = pd.read_csv(tmp_path / "out" / "import_rejected.csv", dtype=str)
    assert rejected["file"].tolist() == ["badx12-X221-era-sample.edi"] * 5
    assert set(rejected["reason"]) == {"no usable claim line with this claim_id and line_no among the claims imported"}
    assert out


def test_835_claim_payments_without_service_lines_say_whether_their_claim_was_imported():
    """A CLP without SVC of a claim never imported was set aside as 'for a claim with several lines
    (or none imported)', leaving the reader to guess which; each reason now says the one that holds."""
    claims = pd.DataFrame({"claim_id": ["PCN-A100", "PCN-A100"], "line_no": [1, 2]})
    from recoup_lib.ingest._remit_payments import payments_from_835
    aside = payments_from_835([DATA / "835" / "domain-5.5.835"], claims)[3]
    reasons = {text.split("*")[1]: reason for _, _, reason, text in aside}
    assert reasons["PCN-A100"] == ("a claim payment (CLP) without service lines, for a claim with several lines: "
                                   "which line it paid cannot be told")
    assert set(reasons) - {"PCN-A100"}
    for claim_id in set(reasons) - {"PCN-A100"}:
        assert reasons[claim_id] == "a claim payment (CLP) without service lines, for a claim not among the claims " \
            "imported"


def test_an_835_control_number_that_cannot_be_a_line_number_leaves_the_line_to_its_position(tmp_path):
    """REF*6R holds the 837's line control number. Some senders number it 1, 2, 3 (the line
    number); others send an id of their own (800941258001): read as a line number, it set the
    payment aside as a line_no over 999,999,999. A control number of more than six digits (LX01
    has at most six), or one naming no line of its claim among those imported, gives way to the
    SVC's position in its claim."""
    from recoup_lib.ingest._remit_payments import payments_from_835

    uhc = DATA / "835" / "public" / "edi835parser-united_healthcare_legacy_sample.txt"
    frame, *_ = payments_from_835([uhc], None)
    assert frame["line_control"].str.len().min() > 6
    assert set(frame["matched_by"]) == {"position"} and set(frame["line_no"]) <= {"1", "2", "3", "4", "5"}
    numbered = DATA / "835" / "public" / "edi835parser-blue_cross_nc_sample.txt"  # REF*6R*0001, 0002, 0003
    assert payments_from_835([numbered], None)[0]["line_no"].tolist() == ["1", "2", "3"]
    claims = pd.DataFrame({"claim_id": ["200200964A52"] * 2, "line_no": ["1", "5"]})
    frame = payments_from_835([numbered], claims)[0]
    # The payer paid lines 1 and 2 under other codes than the 59410 billed (SVC06): matched_by says so.
    assert frame["matched_by"].tolist() == [
        "control number (the payer changed the code billed: 59430 paid, 59410 billed)",
        "position (the payer changed the code billed: 59440 paid, 59410 billed)", "position"]


_DOWNCODED_SVCS = ("SVC*HC:99214*100*60**1*HC:99215", "DTM*472*20250131", "CAS*CO*45*40")
_AS_BILLED_SVCS = ("SVC*HC:36415*15*12", "DTM*472*20250131", "CAS*CO*45*3")


def _downcoded_835(path: Path, svcs=_DOWNCODED_SVCS + _AS_BILLED_SVCS) -> Path:
    """An 835 paying claim C9: its first SVC paid as 99214 the 99215 billed (SVC06), its second 36415
    as billed (``svcs``: the SVCs in the order sent); no REF*6R, so each line is found by its position."""
    segments = [
        "ISA*00*          *00*          *ZZ*PAYER          *ZZ*CLINIC         *250301*1200*^*00501*000000001*0*P*:",
        "GS*HP*PAYER*CLINIC*20250301*1200*1*X*005010X221A1", "ST*835*0001",
        "BPR*I*72*C*ACH*CCP*01*999999999*DA*123456*1234567890**01*999999999*DA*654321*20250301",
        "TRN*1*EFT9*1234567890", "N1*PR*PAYER ONE", "N1*PE*CLINIC*XX*1234567893", "LX*1",
        "CLP*C9*1*115*72**MC*ICN9", "NM1*QC*1*DOE*JANE", *svcs,
        f"SE*{9 + len(svcs)}*0001", "GE*1*1", "IEA*1*000000001"]
    path.write_text("~\n".join(segments) + "~\n")
    return path


def test_an_835_line_paid_under_another_code_than_billed_is_placed_and_says_the_payer_changed_it(tmp_path):
    """A payer that paid the 99215 billed as 99214 sends SVC*HC:99214*...*HC:99215: SVC06 holds the
    code billed. The reader dropped it, so nothing said the line was paid under another code than
    billed; the payment lands on the line billed 99215 and matched_by names both codes."""
    rows = ['C9,1,P9,"Doe, Jane",MCR01,1234567893,01/31/2025,2/3/25,99215,,,1,$100.00,E11.9,,11',
            'C9,2,P9,"Doe, Jane",MCR01,1234567893,01/31/2025,2/3/25,36415,,,1,$15.00,E11.9,,11']
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, total=False),
                          payments=_downcoded_835(tmp_path / "era.835"))
    pay = result.tables["payments.csv"]
    lines = result.tables["claim_lines.csv"].set_index("line_no")["procedure_code"]
    assert [lines[n] for n in pay["line_no"]] == ["99215", "36415"]
    assert pay["paid_cents"].tolist() == [6000, 1200]
    assert pay["matched_by"].tolist() == [
        "position (the payer changed the code billed: 99214 paid, 99215 billed)", "position"]
    assert not [p for p in result.problems if p.file == "era.835"]


def test_an_835_payment_placed_by_position_on_a_line_billing_another_code_says_so(tmp_path):
    """A payer that lists a claim's lines in another order than billed puts each payment, placed by
    its position, on a line billing another code, and nothing said so. The placement stays (the
    contract's rule), but matched_by names the code there, the code paid for (SVC06 when sent) and
    the one other line billing it; the summary counts them."""
    rows = ['C9,1,P9,"Doe, Jane",MCR01,1234567893,01/31/2025,2/3/25,99215,,,1,$100.00,E11.9,,11',
            'C9,2,P9,"Doe, Jane",MCR01,1234567893,01/31/2025,2/3/25,36415,,,1,$15.00,E11.9,,11']
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, total=False),
                          payments=_downcoded_835(tmp_path / "era.835", _AS_BILLED_SVCS + _DOWNCODED_SVCS))
    pay = result.tables["payments.csv"]
    assert pay["line_no"].tolist() == [1, 2] and pay["paid_cents"].tolist() == [1200, 6000]
    assert pay["matched_by"].tolist() == [
        "position (the line there bills 99215; the payment is for 36415; line 2 bills 36415)",
        "position (the payer changed the code billed: 99214 paid, 99215 billed; the line there bills 36415; "
        "the payment is for 99215; line 1 bills 99215)"]
    assert ("2 835 payment(s) placed by position or by a control number read as a line number on a line billing "
            "another code than the one paid for (a payer listing the claim's lines in another order, or leaving one "
            "out): check them in payments.csv's matched_by") in result.summary()
    # A claim billing the code on two other lines: which one the payment was for is not named.
    rows.append('C9,3,P9,"Doe, Jane",MCR01,1234567893,01/31/2025,2/3/25,36415,,,1,$15.00,E11.9,,11')
    result = import_files(write_claims(tmp_path / "c3.csv", rows=rows, total=False),
                          payments=_downcoded_835(tmp_path / "era3.835", _AS_BILLED_SVCS))
    assert result.tables["payments.csv"]["matched_by"].tolist() == [
        "position (the line there bills 99215; the payment is for 36415)"]


def test_an_835_line_billed_as_a_revenue_code_in_svc06_is_not_compared_with_the_procedure_billed(tmp_path):
    """SVC06 ``NU:0450`` says the line was billed under revenue code 0450, no procedure code: the claim
    line's CPT (99215) is no other code than it, and matched_by said "the payment is for 0450"."""
    rows = ['C9,1,P9,"Doe, Jane",MCR01,1234567893,01/31/2025,2/3/25,99215,,,1,$100.00,E11.9,,11',
            'C9,2,P9,"Doe, Jane",MCR01,1234567893,01/31/2025,2/3/25,36415,,,1,$15.00,E11.9,,11']
    svcs = ("SVC*HC:99214*100*60***NU:0450", "DTM*472*20250131", "CAS*CO*45*40") + _AS_BILLED_SVCS
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows, total=False),
                          payments=_downcoded_835(tmp_path / "era.835", svcs))
    assert not result.tables["payments.csv"]["matched_by"].str.contains("the line there bills").any()


def test_a_payments_total_row_is_named_as_no_payment():
    """The total row under a payments report was set aside as 'not a claim line'."""
    messy = Path(__file__).resolve().parents[1] / "synthetic" / "messy_export"
    result = import_files(messy / "charges.csv", payments=messy / "payments.xlsx")
    reasons = {s.label: s.aside["_reason"].tolist() for s in result.sources}
    assert "a total row, not a payment" in reasons["payments.xlsx"]
    assert "a total row, not a claim line" in reasons["charges.csv"]


def test_ids_written_with_and_without_their_leading_zeros_are_named_in_a_note(tmp_path):
    """Excel stores an id typed as a number without its leading zeros: '00123' on one row and '123'
    on another are read as two patients, as written, and a note says so; ids of letters, and ids
    of digits that never lose a zero, give no note."""
    rows = [r.replace(",P1,", ",00123,").replace(",P2,", ",123,") for r in ROWS]
    result = import_files(write_claims(tmp_path / "c.csv", rows=rows))
    assert result.tables["claim_lines.csv"]["patient_id"].tolist() == ["00123", "00123", "123"]
    [note] = [n for n in result.sources[0].notes if "leading zeros" in n]
    assert "1 id(s) written both with and without leading zeros ('00123' and '123')" in note
    assert "'Patient Acct' (patient_id)" in note
    plain = import_files(write_claims(tmp_path / "d.csv", rows=[r.replace(",P1,", ",00123,").replace(",P2,", ",00124,")
                                                                for r in ROWS]))
    assert not [n for n in plain.sources[0].notes if "leading zeros" in n]


def _charges_sheet(ws, serial_billed: bool = False) -> None:
    """A charge detail as a billing system writes it into a sheet: dates of service as date cells, the
    billing date as a number formatted General when ``serial_billed`` (a date pasted as a value)."""
    ws.append(["Claim #", "Line #", "Patient Acct", "Ins Code", "Rendering NPI", "DOS", "Date Billed", "CPT",
               "Units", "Billed Amt"])
    billed = 44229 if serial_billed else dt.date(2025, 2, 3)
    ws.append(["C1", 1, "P1", "MCR01", 1234567893, dt.date(2025, 1, 31), billed, "99213", 1, 120])
    ws.append(["C2", 1, "P2", "MCR01", 1234567893, dt.date(2025, 2, 1), billed, "99214", 1, 190])


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_a_workbook_in_the_1904_date_system_reads_its_serial_numbers_from_1904(tmp_path, monkeypatch, reader):
    """A workbook saved in Mac Excel's 1904 date system counts its serial numbers from 1904-01-01: the
    date cells were read right, but a date written as a General number (44229: 2025-02-03 there,
    2021-02-02 in the 1900 system) was read with the 1900 system's day zero, 4 years and a day early."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    if reader == "openpyxl":
        monkeypatch.setitem(sys.modules, "python_calamine", None)
    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    _charges_sheet(book.active, serial_billed=True)
    book.save(tmp_path / "mac.xlsx")
    result = import_files(tmp_path / "mac.xlsx")
    lines = result.tables["claim_lines.csv"]
    assert lines["service_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-31", "2025-02-01"]
    assert lines["submitted_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-03"] * 2
    assert ("counts its dates from 1904-01-01, not 1899-12-30 (as Mac Excel's 1904 date system does): 2 date(s) "
            "written as serial numbers, in 'Date Billed' (submitted_date), are read so") in result.summary()
    # Every date a date cell: the day zero changed none of them, and a note would send the user looking.
    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    _charges_sheet(book.active)
    book.save(tmp_path / "mac_dates.xlsx")
    result = import_files(tmp_path / "mac_dates.xlsx")
    assert result.tables["claim_lines.csv"]["submitted_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-03"] * 2
    assert "1904" not in result.summary()
    book = openpyxl.Workbook()
    _charges_sheet(book.active, serial_billed=True)
    book.epoch = openpyxl.utils.datetime.CALENDAR_WINDOWS_1900
    book.save(tmp_path / "pc.xlsx")
    result = import_files(tmp_path / "pc.xlsx")
    assert result.tables["claim_lines.csv"]["submitted_date"].dt.strftime("%Y-%m-%d").tolist() == ["2021-02-02"] * 2
    assert "1904" not in result.summary()


def test_an_ods_whose_null_date_is_1904_reads_its_serial_numbers_from_it(tmp_path):
    """LibreOffice keeps the day its serial numbers count from (its "null date") in the document; one
    set to 1904-01-01 (to match a Mac workbook) counts as Mac Excel's 1904 system does."""
    header = ["Claim #", "Line #", "Patient Acct", "Ins Code", "Rendering NPI", "DOS", "Date Billed", "CPT",
              "Units", "Billed Amt"]
    line = ["C1", "1", "P1", "MCR01", "1234567893", "01/31/2025", 44229, "99213", "1", "120"]

    def cell(value):
        if isinstance(value, int):
            kind = f'office:value-type="float" office:value="{value}"'
        else:
            kind = 'office:value-type="string"'
        return f"<table:table-cell {kind}><text:p>{value}</text:p></table:table-cell>"

    def ods(null_date: str) -> bytes:
        path = tmp_path / f"{null_date}.ods"
        rows = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
                       for row in (header, line))
        content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                   'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                   'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
                   '<office:body><office:spreadsheet><table:calculation-settings>'
                   f'<table:null-date table:date-value="{null_date}"/></table:calculation-settings>'
                   f'<table:table table:name="Charges">{rows}</table:table></office:spreadsheet></office:body>'
                   '</office:document-content>')
        manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                    '<manifest:file-entry manifest:full-path="/" '
                    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                    '</manifest:manifest>')
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
            archive.writestr("content.xml", content)
            archive.writestr("META-INF/manifest.xml", manifest)
        return path

    for null_date, billed in [("1904-01-01", "2025-02-03"), ("1899-12-30", "2021-02-02")]:
        lines = import_files(ods(null_date)).tables["claim_lines.csv"]
        assert lines["submitted_date"].dt.strftime("%Y-%m-%d").tolist() == [billed]


def test_import_help_says_which_sheet_of_a_workbook_is_read_as_the_guide_does(capsys):
    """`recoup import -h` named FILE.xlsx#Sheet but not the cover page passed over, which the guide describes."""
    with pytest.raises(SystemExit):
        main(["import", "-h"])
    shown = " ".join(capsys.readouterr().out.split())
    assert ("a workbook opening on a cover page is read from the one other sheet holding the table, "
            "FILE.xlsx#Sheet reads the sheet named") in shown
    guide = " ".join((Path(__file__).resolve().parents[1] / "docs" / "import-workflow.md").read_text().split())
    assert "A workbook that opens on a cover page" in guide and "give the one to read as `FILE.xlsx#Sheet`" in guide


def test_a_workbook_opening_on_a_cover_page_is_read_from_its_one_sheet_holding_the_table(tmp_path, capsys):
    """Many reports open on a cover page (the report's name, the run date, no table). The one sheet
    whose header names every required field is read, and a note says so; a payments sheet beside it
    does not hold the claims' fields. With two such sheets the import stops, saying how to name one."""
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Cover"
    cover.append(["Charge Detail Report"])
    cover.append(["Run date", dt.date(2025, 3, 1)])
    cover.append(["Sunrise Clinic"])
    _charges_sheet(book.create_sheet("Charges"))
    payments = book.create_sheet("Payments")
    for row in PAYMENTS:
        payments.append(row.split(","))
    book.save(tmp_path / "report.xlsx")
    result = import_files(tmp_path / "report.xlsx")
    assert result.tables["claim_lines.csv"]["claim_id"].tolist() == ["C1", "C2"]
    source = result.sources[0]
    assert source.info["sheet"] == "Charges" and source.rows_set_aside == 0
    assert ("sheet 'Cover' holds no table (a cover page?): sheet 'Charges' read, the one other sheet holding a "
            "table with every required field") in source.notes
    _charges_sheet(book.create_sheet("Charges 2024"))
    book.save(tmp_path / "report.xlsx")
    with pytest.raises(InputError, match="sheet 'Cover' holds no table .*sheets 'Charges', 'Charges 2024' each "
                                         r"hold one .*name the one to read as report.xlsx#SHEET"):
        import_files(tmp_path / "report.xlsx")
    assert main(["import", "--claims", str(tmp_path / "report.xlsx"), "--out", str(tmp_path / "out")]) == 1
    assert "report.xlsx#SHEET" in capsys.readouterr().err
    named = import_files(f"{tmp_path / 'report.xlsx'}#Charges 2024")
    assert named.sources[0].info["sheet"] == "Charges 2024" and len(named.tables["claim_lines.csv"]) == 2


def test_the_sheets_past_a_cover_page_are_searched_in_their_first_rows(tmp_path, monkeypatch):
    """Looking past a cover page opens the workbook once and reads of each other sheet the first rows
    its header is looked for in; only the sheet then read is read whole. A header below more blank
    rows than are read first is found all the same, by either reader."""
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["Charge Detail Report"])
    payments = book.create_sheet("Payments")
    for row in PAYMENTS + ["C9,1,EFT9,02/20/2025,1.00,1.00"] * 3000:
        payments.append(row.split(","))
    charges = book.create_sheet("Charges")
    _charges_sheet(charges)
    charges.insert_rows(1, 700)
    book.save(tmp_path / "report.xlsx")
    seen = _watched_calamine(monkeypatch)
    result = import_files(tmp_path / "report.xlsx")
    assert result.sources[0].info["sheet"] == "Charges" and result.sources[0].info["header_row"] == 701
    assert result.tables["claim_lines.csv"]["claim_id"].tolist() == ["C1", "C2"]
    assert len(seen["opened"]) == 1
    assert [name for name, nrows in seen["converted"] if nrows is None] == ["Cover", "Charges"]
    assert all(nrows < 1000 for name, nrows in seen["converted"] if name == "Payments")
    monkeypatch.setitem(sys.modules, "python_calamine", None)
    result = import_files(tmp_path / "report.xlsx")
    assert result.sources[0].info["sheet"] == "Charges" and result.sources[0].info["header_row"] == 701
    assert result.tables["claim_lines.csv"]["claim_id"].tolist() == ["C1", "C2"]


def test_a_header_split_over_two_rows_is_joined_and_noted(tmp_path):
    """Reports print long headers over two rows (``Date of`` above ``Service``, ``Paid`` above
    ``Amount``): neither row names every required field, the two joined do. The title rows above
    stay title rows, and the rows are counted as before (the header's rows are no data)."""
    claims = write_claims(tmp_path / "c.csv", header="Claim #,Line #,Patient,Patient,Ins,Rendering,Date of,Date,CPT,"
                          "Mod 1,Mod 2,Units,Billed,Dx 1,Dx 2,POS\n,,Acct,Name,Code,NPI,Service,Billed,,,,,Amt,,,")
    payments = write_lines(tmp_path / "p.csv", ["Payment Detail", "Claim #,Line #,Check/EFT #,Payment,Allowed,Paid",
                                                ",,,Date,Amount,Amount"] + PAYMENTS[1:])
    result = import_files(claims, payments=payments)
    lines = result.tables["claim_lines.csv"]
    assert lines["service_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-31", "2025-01-31", "2025-02-01"]
    assert lines["submitted_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-02-03", "2025-02-03", "2025-02-04"]
    assert lines["Patient Name"].tolist()[2] == "Müller, Zoë"
    assert result.tables["payments.csv"]["paid_cents"].tolist() == [6400, -6400, 800, 7200]
    claims_source, pay_source = result.sources
    assert claims_source.columns["service_date"] == "Date of Service"
    assert claims_source.columns["charge"] == "Billed Amt"
    assert (claims_source.rows_read, claims_source.rows_used, claims_source.rows_set_aside) == (7, 3, 4)
    assert claims_source.aside["_row"].tolist() == [1, 2, 9, 10]
    assert result.tables["claim_lines.csv"]["_row"].tolist() == [6, 7, 8]
    assert any(n.startswith("header split over two rows (4 and 5) read as one: 'Claim #', 'Line #', 'Patient Acct'")
               for n in claims_source.notes)
    assert pay_source.columns["paid"] == "Paid Amount" and pay_source.columns["payment_date"] == "Payment Date"
    assert pay_source.aside["_reason"].tolist() == ["title row above the header"]


def test_a_header_split_under_a_merged_group_row_is_joined_in_a_workbook(tmp_path):
    """A workbook groups its columns under merged cells (``Claim`` over ``#`` and ``Line``, ``Service``
    over ``Date`` and ``CPT``, ``Amounts`` over ``Units`` and ``Charge``): a cell that names a field
    with its group's name above it is read so (``Service Date``), else alone (``CPT``)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Charge Detail"])
    ws.append(["Claim", None, "Patient", "Payer", "Provider", "Service", None, "Billed", "Amounts", None])
    ws.append(["#", "Line", "Acct", "Code", "NPI", "Date", "CPT", "Date", "Units", "Charge"])
    ws.merge_cells("A2:B2")
    ws.merge_cells("F2:G2")
    ws.merge_cells("I2:J2")
    ws.append(["C1", 1, "P1", "MCR01", 1234567893, dt.date(2025, 1, 31), "99213", dt.date(2025, 2, 3), 1, 120])
    book.save(tmp_path / "charges.xlsx")
    result = import_files(tmp_path / "charges.xlsx")
    source = result.sources[0]
    assert source.columns["claim_id"] == "Claim #" and source.columns["line_no"] == "Claim Line"
    assert source.columns["service_date"] == "Service Date" and source.columns["procedure_code"] == "CPT"
    assert source.columns["units"] == "Units" and source.columns["charge"] == "Charge"
    assert result.tables["claim_lines.csv"]["charge_cents"].tolist() == [12000]
    assert result.tables["claim_lines.csv"]["_row"].tolist() == [4]
    assert source.aside["_reason"].tolist() == ["title row above the header"]
    assert any(n.startswith("header split over two rows (2 and 3)") for n in source.notes)


def test_a_title_merged_across_a_header_short_of_a_field_is_no_half_of_the_header(tmp_path):
    """A report's title merged across its columns is in each of their cells: over a header cell left
    blank, a title ``Charges`` would have named the missing charge column. A header is split over
    two rows only when the upper one holds several values."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Charges"])
    ws.merge_cells("A1:J1")
    ws.append(["Claim #", "Line #", "Patient Acct", "Ins Code", "Rendering NPI", "DOS", "Date Billed", "CPT",
               "Units", None])
    ws.append(["C1", 1, "P1", "MCR01", 1234567893, dt.date(2025, 1, 31), dt.date(2025, 2, 3), "99213", 1, 120])
    book.save(tmp_path / "charges.xlsx")
    with pytest.raises(InputError, match="no header for required field 'charge'"):
        import_files(tmp_path / "charges.xlsx")


def test_page_headers_and_footers_of_a_report_printed_to_csv_have_their_own_reason(tmp_path):
    """A report printed to a file repeats its page's number at each page's top or foot. Those rows were
    'not a data row' (a heading or a note), or a title row above the header; they are a page header
    or footer, and still counted."""
    path = write_lines(tmp_path / "c.csv", [
        "Sunrise Clinic - Charge Detail", "Page 1 of 2", HEADER, ROWS[0], "Page 1 of 2,,,,,,,,,,,,,,,",
        "Sunrise Clinic - Charge Detail,,,,,,,,,,,,,,,", "Pg. 2/2,,,,,,,,,,,,,,,", HEADER, ROWS[1], ROWS[2],
        ",,,Printed 02/05/2025 Page 2 of 2,,,,,,,,,,,,"])
    source = import_files(path).sources[0]
    reasons = source.aside.set_index("_row")["_reason"].to_dict()
    page = "page header or footer (a report printed page by page)"
    assert reasons == {1: "title row above the header", 2: page, 5: page, 7: page, 11: page,
                       6: "not a data row: most required columns are blank (a heading or a note)",
                       8: "the header repeated (a page break in the report)"}
    assert (source.rows_read, source.rows_used, source.rows_set_aside) == (10, 3, 7)
