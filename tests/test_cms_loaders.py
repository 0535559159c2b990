"""Loaders for CMS's quarterly NCCI PTP and MUE files (recoup_lib.reference.cms).

Fixtures in tests/data/cms imitate the published layouts with invented
codes (see tests/data/cms/README.md); the .xlsx and .zip forms are built
here with openpyxl and zipfile. Nothing is downloaded.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoup_lib.cli import main
from recoup_lib.errors import InputError
from recoup_lib.folder import read_table, write_csv
from recoup_lib.reference import cms

DATA = Path(__file__).parent / "data" / "cms"
PTP_F1 = DATA / "ccipra-v990r0-f1.txt"
PTP_F2 = DATA / "ccipra-v990r0-f2.txt"
MUE_CSV = DATA / "MCR_MUE_PractitionerServices_Eff_01-01-2099.csv"

ONE_LINE_HEADER = ("Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\t"
                   "Deletion Date *=no data\tModifier 0=not allowed 1=allowed 9=not applicable\t"
                   "PTP Edit Rationale")


def _by_pair(frame: pd.DataFrame) -> dict:
    return {(r.column_1, r.column_2): r for r in frame.itertuples(index=False)}


def _ptp_workbook(path: Path, rows) -> Path:
    """A workbook shaped like CMS's PTP .xlsx: preamble, header split over four rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "PTP"
    sheet.append(["CPT only copyright 2099 American Medical Association (fixture wording)."])
    sheet.append(["Column1/Column2 Edits"])
    sheet.append(["Column 1", "Column 2", "*=in existence", "Effective", "Deletion", "Modifier",
                  "PTP Edit Rationale"])
    sheet.append([None, None, "prior to 1996", "Date", "Date", "0=not allowed", None])
    sheet.append([None, None, None, None, "*=no data", "1=allowed", None])
    sheet.append([None, None, None, None, None, "9=not applicable", None])
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


# --------------------------------------------------------------------------- PTP text files

def test_read_ptp_txt_with_split_header_reads_pairs_dates_and_indicators():
    result = cms.read_ptp(PTP_F1)
    pairs = _by_pair(result.data)
    assert list(result.data.columns[:5]) == list(cms.PTP_COLUMNS)
    assert set(pairs) == {("10001", "10002"), ("10001", "10003"), ("20001", "00100"),
                          ("20002", "20003"), ("G0001", "G0002")}
    first = pairs[("10001", "10002")]
    assert first.effective_date == pd.Timestamp("1996-01-01")
    assert pd.isna(first.deletion_date)
    assert first.modifier_indicator == "0" and first.prior_1996
    deleted = pairs[("20001", "00100")]
    assert deleted.deletion_date == pd.Timestamp("2021-12-31") and not deleted.prior_1996
    assert pairs[("20002", "20003")].modifier_indicator == "9"
    assert pairs[("10001", "10003")].rationale == "Mutually exclusive procedures"


def test_read_ptp_types_follow_the_contract():
    data = cms.read_ptp(PTP_F1).data
    assert pd.api.types.is_string_dtype(data["column_1"])
    assert pd.api.types.is_string_dtype(data["modifier_indicator"])
    assert str(data["effective_date"].dtype) == "datetime64[us]"
    assert str(data["deletion_date"].dtype) == "datetime64[us]"


def test_read_ptp_bad_rows_are_set_aside_with_file_row_and_column():
    result = cms.read_ptp(PTP_F1)
    messages = [p.message for p in result.problems]
    assert messages == [
        "ccipra-v990r0-f1.txt, row 11, column 'Effective Date': expected a date written "
        "YYYYMMDD; got '2015013'.",
        "ccipra-v990r0-f1.txt, row 12, column 'Modifier 0=not allowed 1=allowed 9=not "
        "applicable': expected 0, 1 or 9; got '7'.",
    ]
    assert result.rejected["_row"].tolist() == [11, 12]
    assert result.rejected.loc[1, "modifier_indicator"] == "7"
    assert result.rejected["_reason"].str.startswith("column '").all()


def test_read_ptp_counts_add_up_and_note_lines_are_not_rows():
    result = cms.read_ptp(PTP_F1)
    source = result.sources.iloc[0]
    assert (source.rows_read, source.rows_used, source.rows_set_aside) == (7, 5, 2)
    assert source.text_lines_skipped == 1
    assert result.rows_read == result.rows_used + result.rows_set_aside


def test_read_ptp_row_numbers_are_file_lines():
    data = cms.read_ptp(PTP_F1).data
    lines = PTP_F1.read_bytes().decode("cp1252").split("\r\n")
    for c1, c2, number in zip(data["column_1"], data["column_2"], data["_row"]):
        assert lines[number - 1].startswith(f"{c1}\t{c2}\t")


def test_read_ptp_one_line_header_and_an_edit_repeated_across_parts_is_read_once():
    result = cms.read_ptp([PTP_F1, PTP_F2])
    assert len(result.data) == 7
    assert result.sources["file"].tolist() == [PTP_F1.name, PTP_F2.name]
    repeat = [p for p in result.problems if p.file == PTP_F2.name]
    assert len(repeat) == 1 and repeat[0].row == 5
    assert re.search(r"the same edit is in ccipra-v990r0-f1\.txt, row 7", repeat[0].message)
    assert result.sources.set_index("file").loc[PTP_F2.name, "rows_set_aside"] == 1
    assert result.rows_read == result.rows_used + result.rows_set_aside


def _ptp_file(path: Path, *rows: str) -> Path:
    """A one-line-header PTP text file with the given tab-separated data rows (row 2 on)."""
    path.write_text("\n".join([ONE_LINE_HEADER, *(r + "\tx" for r in rows)]) + "\n", encoding="utf-8")
    return path


def test_read_ptp_sets_aside_dates_outside_1900_2100_early_deletions_and_self_pairs(tmp_path):
    path = _ptp_file(tmp_path / "ptp.txt",
                     "10001\t10002\t\t20200101\t*\t0",
                     "10001\t10003\t\t20200101\t20190101\t1",
                     "10001\t10001\t\t20200101\t*\t0",
                     "10001\t10007\t\t18991231\t*\t0",
                     "10001\t10008\t\t20200101\t21010101\t0",
                     "10001\t10009\t\t21001231\t21001231\t9")
    result = cms.read_ptp(path)
    assert [p.message for p in result.problems] == [
        "ptp.txt, row 3, column 'Deletion Date *=no data': expected a deletion date on or after the "
        "effective date 20200101 (an edit cannot end before it starts); got '20190101'.",
        "ptp.txt, row 4, column 'Column 2': expected a code other than column 1's (an edit pairs two "
        "different codes); got '10001'.",
        "ptp.txt, row 5, column 'Effective Date': expected a date between 1900-01-01 and 2100-12-31; "
        "got '18991231'.",
        "ptp.txt, row 6, column 'Deletion Date *=no data': expected a date between 1900-01-01 and "
        "2100-12-31; got '21010101'.",
    ]
    assert result.data["_row"].tolist() == [2, 7]
    assert result.rejected["_row"].tolist() == [3, 4, 5, 6]
    assert result.rejected["effective_date"].tolist()[2] == "18991231"
    assert (result.rows_read, result.rows_used, result.rows_set_aside) == (6, 2, 4)


def test_read_ptp_rows_that_disagree_about_one_edit_are_all_set_aside(tmp_path):
    path = _ptp_file(tmp_path / "ptp.txt",
                     "10001\t10004\t\t20200101\t*\t1",
                     "10001\t10004\t\t20200101\t*\t0",
                     "10001\t10005\t\t20000101\t20100101\t0",
                     "10001\t10005\t\t20100101\t*\t1",
                     "10001\t10006\t\t20000101\t20100101\t1",
                     "10001\t10006\t\t20000101\t*\t1",
                     "10001\t10004\t\t20200101\t*\t1")
    result = cms.read_ptp(path)
    assert result.data[["column_1", "column_2", "modifier_indicator"]].values.tolist() == [
        ["10001", "10005", "0"], ["10001", "10005", "1"]]
    by_row = {p.row: p for p in result.problems}
    assert sorted(by_row) == [2, 3, 6, 7, 8]
    assert by_row[2].message == (
        "ptp.txt, row 2, column 'Modifier 0=not allowed 1=allowed 9=not applicable': expected one row "
        "for the edit 10001/10004 on any day (the edit is also in ptp.txt, row 3: effective 20200101, "
        "deletion *, modifier indicator 0; which is right cannot be told, so each such row is set "
        "aside); got '1'.")
    assert "the edit is also in ptp.txt, row 2:" in by_row[3].message
    assert by_row[6].column == "Deletion Date *=no data" and by_row[6].value == "20100101"
    assert "row 7: effective 20000101, deletion *, modifier indicator 1" in by_row[6].message
    assert by_row[8].column == "(whole row)" and "the same edit is in ptp.txt, row 2" in by_row[8].message
    assert result.rejected["_row"].tolist() == [2, 3, 6, 7, 8]
    assert (result.rows_read, result.rows_used, result.rows_set_aside) == (7, 2, 5)
    assert result.sources.iloc[0][["rows_used", "rows_set_aside"]].tolist() == [2, 5]


def test_read_ptp_quoted_csv_gives_the_same_rows_as_the_tab_file(tmp_path):
    text = PTP_F2.read_text(encoding="utf-8").replace("\t", ",")
    text = text.replace("Mutually exclusive procedures", '"Mutually exclusive, by definition"')
    path = tmp_path / "ptp_saved_from_excel.csv"
    path.write_text(text, encoding="utf-8")
    from_csv = cms.read_ptp(path).data
    from_tab = cms.read_ptp(PTP_F2).data
    columns = list(cms.PTP_COLUMNS)
    pd.testing.assert_frame_equal(from_csv[columns], from_tab[columns])
    assert from_csv["rationale"].iloc[-1] == "Mutually exclusive, by definition"


def test_read_ptp_contract_file_round_trips_through_the_audit_reader(tmp_path):
    result = cms.read_ptp([PTP_F1, PTP_F2])
    out = write_csv(result.contract_frame(), tmp_path / "ncci_ptp.csv")
    parsed = read_table(out)
    assert parsed.problems == []
    columns = list(cms.PTP_COLUMNS)
    pd.testing.assert_frame_equal(parsed.data[columns], result.data[columns])
    assert "00100" in out.read_text()


def test_read_ptp_accepts_its_own_contract_output(tmp_path):
    result = cms.read_ptp(PTP_F1)
    out = write_csv(result.contract_frame(), tmp_path / "ncci_ptp.csv")
    again = cms.read_ptp(out).data
    columns = list(cms.PTP_COLUMNS)
    pd.testing.assert_frame_equal(again[columns], result.data[columns])


# --------------------------------------------------------------------------- PTP workbooks, zips

def test_read_ptp_xlsx_with_number_cells_pads_codes_and_reads_dates(tmp_path):
    book = _ptp_workbook(tmp_path / "ccipra-v990r0-f3.xlsx", [
        (10001, 100, "*", 19960101, "*", 0, "Standards of medical / surgical practice"),
        ("G0001", "G0002", None, 20200101, 20211231, 9, "Deleted edit"),
        ("30001", "30002", None, "2020-13-01", "*", 1, "bad date"),
    ])
    result = cms.read_ptp(book)
    pairs = _by_pair(result.data)
    assert set(pairs) == {("10001", "00100"), ("G0001", "G0002")}
    assert pairs[("10001", "00100")].modifier_indicator == "0"
    assert pairs[("G0001", "G0002")].deletion_date == pd.Timestamp("2021-12-31")
    assert [p.message for p in result.problems] == [
        "ccipra-v990r0-f3.xlsx[PTP], row 9, column 'Effective Date': expected a date written "
        "YYYYMMDD; got '2020-13-01'."]


def test_read_ptp_zip_reads_the_text_copy_once_and_lists_skipped_members(tmp_path):
    book = _ptp_workbook(tmp_path / "book.xlsx", [(99999, 99998, None, 20200101, "*", 0, "x")])
    archive = _zip(tmp_path / "ccipra-v990r0.zip", {
        "ccipra-v990r0-f1.txt": PTP_F1.read_bytes(),
        "ccipra-v990r0-f1.xlsx": book.read_bytes(),
        "ccipra-v990r0-f2.txt": PTP_F2.read_bytes(),
        "Disclaimer.pdf": b"%PDF-1.4",
    })
    result = cms.read_ptp(archive)
    assert result.sources["file"].tolist() == [
        "ccipra-v990r0.zip:ccipra-v990r0-f1.txt", "ccipra-v990r0.zip:ccipra-v990r0-f2.txt"]
    assert ("99999", "99998") not in _by_pair(result.data)
    assert len(result.data) == 7
    assert any("ccipra-v990r0-f1.xlsx: same table as" in s for s in result.skipped)
    assert any("Disclaimer.pdf: not a table file" in s for s in result.skipped)
    assert result.problems[0].file == "ccipra-v990r0.zip:ccipra-v990r0-f1.txt"


def test_read_ptp_zip_of_part_zips_reads_every_part(tmp_path):
    inner1 = _zip(tmp_path / "f1.zip", {"ccipra-v990r0-f1.txt": PTP_F1.read_bytes()})
    inner2 = _zip(tmp_path / "f2.zip", {"ccipra-v990r0-f2.txt": PTP_F2.read_bytes()})
    outer = _zip(tmp_path / "all.zip", {"f1.zip": inner1.read_bytes(), "f2.zip": inner2.read_bytes()})
    result = cms.read_ptp(outer)
    assert len(result.sources) == 2 and len(result.data) == 7


def test_read_ptp_zip_skips_change_reports(tmp_path):
    archive = _zip(tmp_path / "q.zip", {
        "ccipra-v990r0-f2.txt": PTP_F2.read_bytes(),
        "PTP_Changes_v990r0.txt": PTP_F1.read_bytes(),
    })
    result = cms.read_ptp(archive)
    assert len(result.sources) == 1
    assert any("a change report" in s for s in result.skipped)


# --------------------------------------------------------------------------- PTP errors

def test_read_ptp_file_without_ptp_header_raises_naming_the_file(tmp_path):
    with pytest.raises(InputError, match=r"MCR_MUE_.*\.csv: no header row with 'Column 1' and "
                                          r"'Column 2' in the first 200 rows"):
        cms.read_ptp(MUE_CSV)


def test_read_ptp_header_without_modifier_column_raises(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_text("Column 1\tColumn 2\tEffective Date\tDeletion Date\n10001\t10002\t20200101\t*\n")
    with pytest.raises(InputError, match=r"cut\.txt, row 1: the header has no 'Modifier' column"):
        cms.read_ptp(path)


def test_read_ptp_missing_file_and_unknown_type_raise(tmp_path):
    with pytest.raises(InputError, match=r"nothere\.txt: file not found"):
        cms.read_ptp(tmp_path / "nothere.txt")
    odd = tmp_path / "edits.pdf"
    odd.write_bytes(b"%PDF")
    with pytest.raises(InputError, match=r"edits\.pdf: unsupported file type '\.pdf'"):
        cms.read_ptp(odd)


def test_read_ptp_zip_without_any_table_raises(tmp_path):
    archive = _zip(tmp_path / "empty.zip", {"notes.txt": b"nothing to see"})
    with pytest.raises(InputError, match=r"empty\.zip: no table with the expected header"):
        cms.read_ptp(archive)


# --------------------------------------------------------------------------- MUE

def test_read_mue_csv_with_quoted_preamble_reads_values_and_mai_digits():
    result = cms.read_mue(MUE_CSV)
    data = result.data.set_index("procedure_code")
    assert data.index.tolist() == ["10001", "00100", "J0001", "G0002"]
    assert data["mue_value"].tolist() == [1, 1, 20, 4]
    assert str(result.data["mue_value"].dtype) == "int64"
    assert data["mai"].tolist() == ["2", "3", "1", "3"]
    assert data.loc["J0001", "mai_text"] == "1 Line Edit"
    assert set(data["setting"]) == {"Practitioner Services"}
    assert result.data["_row"].tolist() == [6, 7, 8, 9]


def test_read_mue_bad_value_and_bad_indicator_are_set_aside():
    result = cms.read_mue(MUE_CSV)
    assert [(p.row, p.column, p.value) for p in result.problems] == [
        (10, "Practitioner Services MUE Values", "two"),
        (11, "MUE Adjudication Indicator", "4 Date of Service Edit"),
    ]
    assert result.rows_read == 6 == result.rows_used + result.rows_set_aside


def test_read_mue_xlsx_with_number_cells(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["CPT codes and descriptions only are copyright (fixture wording)"])
    sheet.append(["HCPCS/CPT Code", "Outpatient Hospital Services MUE Values",
                  "MUE Adjudication Indicator", "MUE Rationale"])
    sheet.append([100, 2, "3 Date of Service Edit: Clinical", "Clinical: Data"])
    sheet.append(["J0001", 10.0, 1, "Prescribing Information"])
    sheet.append(["J0002", 1, "Date of Service Edit: Policy", "CMS Policy"])
    path = tmp_path / "MCR_MUE_OutpatientHospitalServices_Eff_01-01-2099.xlsx"
    book.save(path)
    result = cms.read_mue(path)
    assert result.data[["procedure_code", "mue_value", "mai"]].values.tolist() == [
        ["00100", 2, "3"], ["J0001", 10, "1"], ["J0002", 1, "2"]]
    assert set(result.data["setting"]) == {"Outpatient Hospital Services"}
    assert result.problems == []


def test_read_mue_same_code_twice_keeps_the_first_and_says_why():
    result = cms.read_mue([MUE_CSV, MUE_CSV])
    assert len(result.data) == 4
    repeats = [p for p in result.problems if p.column == "(whole row)"]
    assert len(repeats) == 4
    assert "import one setting's table at a time" in repeats[0].message
    assert result.rows_read == 12 == result.rows_used + result.rows_set_aside


def test_read_mue_rows_of_one_code_with_different_values_are_all_set_aside(tmp_path):
    path = tmp_path / "mue.csv"
    path.write_text("HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
                    "10001,1,2 Date of Service Edit: Policy,x\n"
                    "10002,3,1 Line Edit,x\n"
                    "10001,5,2 Date of Service Edit: Policy,x\n"
                    "10003,2,1 Line Edit,x\n"
                    "10003,2,3 Date of Service Edit: Clinical,x\n"
                    "10002,3,1 Line Edit,x\n", encoding="utf-8")
    result = cms.read_mue(path)
    assert result.data["procedure_code"].tolist() == ["10002"]
    assert [(p.row, p.column, p.value) for p in result.problems] == [
        (2, "Practitioner Services MUE Values", "1"), (4, "Practitioner Services MUE Values", "5"),
        (5, "MUE Adjudication Indicator", "1"), (6, "MUE Adjudication Indicator", "3"),
        (7, "(whole row)", "10002|3|1")]
    assert result.problems[0].message == (
        "mue.csv, row 2, column 'Practitioner Services MUE Values': expected one MUE for the code 10001 "
        "(the code is also in mue.csv, row 4 with MUE 5 and MAI 2; which is right cannot be told, so each "
        "such row is set aside: import one setting's table at a time); got '1'.")
    assert result.rejected["_row"].tolist() == [2, 4, 5, 6, 7]
    assert (result.rows_read, result.rows_used, result.rows_set_aside) == (6, 1, 5)


def test_read_mue_round_trips_through_the_audit_reader(tmp_path):
    result = cms.read_mue(MUE_CSV)
    parsed = read_table(write_csv(result.contract_frame(), tmp_path / "mue.csv"))
    assert parsed.problems == []
    assert parsed.data["procedure_code"].tolist() == ["10001", "00100", "J0001", "G0002"]
    assert parsed.data["mai"].tolist() == ["2", "3", "1", "3"]


@pytest.mark.parametrize("text, expected", [
    ("1 Line Edit", "1"),
    ("2 Date of Service Edit: Policy", "2"),
    ("3 Date of Service Edit: Clinical", "3"),
    ("3", "3"),
    ("2.0", "2"),
    (" 3  Date of Service\nEdit: Clinical ", "3"),
    ("Date of Service Edit: Clinical", "3"),
    ("Line Edit", "1"),
    ("1 Date of Service Edit: Policy", None),
    ("4 Date of Service Edit", None),
    ("", None),
    ("Date of Service Edit", None),
])
def test_parse_mai_reads_the_leading_digit_or_the_words(text, expected):
    assert cms.parse_mai(text) == expected


@pytest.mark.parametrize("name, expected", [
    ("ccipra-v322r0-f1.txt", "PTP practitioner, version 32.2 revision 0, part 1"),
    ("archive.zip:ccioph-v321r1-f2.TXT", "PTP outpatient hospital, version 32.1 revision 1, part 2"),
    ("MCR_MUE_DMESupplierServices_Eff_07-01-2024.xlsx", "MUE DMESupplier, effective 2024-07-01"),
    ("my_edits.csv", ""),
])
def test_describe_source_reads_cms_file_names(name, expected):
    assert cms.describe_source(name) == expected


# --------------------------------------------------------------------------- invariant

_code = st.from_regex(r"[0-9]{4}[0-9A-Z]", fullmatch=True)
_row = st.tuples(
    st.one_of(_code, st.sampled_from(["", "12", "ABCDEFG"])),
    _code,
    st.sampled_from(["", "*"]),
    st.one_of(st.dates().map(lambda d: d.strftime("%Y%m%d")), st.sampled_from(["2020", "x", ""])),
    st.one_of(st.just("*"), st.dates().map(lambda d: d.strftime("%Y%m%d")), st.just("20201340")),
    st.sampled_from(["0", "1", "9", "7", ""]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, min_size=1, max_size=25))
def test_read_ptp_every_row_is_either_used_or_set_aside(tmp_path, rows):
    path = tmp_path / "random.txt"
    body = "\n".join("\t".join(r) + "\tsome rationale" for r in rows)
    path.write_text(f"copyright line\n{ONE_LINE_HEADER}\n{body}\n", encoding="utf-8")
    result = cms.read_ptp(path)
    assert result.rows_read == len(rows)
    assert result.rows_read == result.rows_used + result.rows_set_aside
    assert set(result.data["modifier_indicator"]) <= {"0", "1", "9"}
    assert result.data["column_1"].str.fullmatch(r"[0-9A-Z]{5}").all()
    assert set(result.rejected["_row"]) | set(result.data["_row"]) == set(range(3, 3 + len(rows)))


# --------------------------------------------------------------------------- command line

def test_cli_import_ptp_writes_contract_file_rejected_rows_and_summary(tmp_path, capsys):
    out = tmp_path / "ncci_ptp.csv"
    status = main(["reference", "import-ptp", str(PTP_F1), str(PTP_F2), "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 0
    assert "ccipra-v990r0-f1.txt (PTP practitioner, version 99.0 revision 0, part 1): " \
           "8 rows read = 5 used + 2 set aside + 1 blank row(s) skipped, 1 note line(s) skipped" in printed
    assert "ccipra-v990r0-f2.txt" in printed
    assert "7 edits (11 rows read = 7 used + 3 set aside + 1 blank row(s) skipped)" in printed
    assert out.read_text().splitlines()[0] == ",".join(cms.PTP_COLUMNS)
    rejected = pd.read_csv(tmp_path / "ncci_ptp_rejected.csv", dtype=str)
    assert rejected[["file", "row"]].values.tolist() == [
        ["ccipra-v990r0-f1.txt", "11"], ["ccipra-v990r0-f1.txt", "12"], ["ccipra-v990r0-f2.txt", "5"]]


def test_cli_import_mue_into_a_folder_writes_mue_csv(tmp_path, capsys):
    status = main(["reference", "import-mue", str(MUE_CSV), "--out", str(tmp_path),
                   "--keep-cms-columns"])
    assert status == 0
    written = pd.read_csv(tmp_path / "mue.csv", dtype=str, keep_default_na=False)
    assert list(written.columns[:3]) == list(cms.MUE_COLUMNS)
    assert "rationale" in written.columns
    assert written["procedure_code"].tolist()[1] == "00100"
    assert "4 codes (6 rows read = 4 used + 2 set aside)" in capsys.readouterr().out


def test_cli_import_of_the_wrong_kind_of_file_exits_1_with_one_line(tmp_path, capsys):
    status = main(["reference", "import-mue", str(PTP_F1), "--out", str(tmp_path / "mue.csv")])
    err = capsys.readouterr().err
    assert status == 1
    assert err.count("\n") == 1 and "no header row with 'HCPCS/CPT Code'" in err
    assert not (tmp_path / "mue.csv").exists()


def test_cli_import_with_no_usable_rows_exits_1_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "bad.txt"
    path.write_text(f"{ONE_LINE_HEADER}\n1\t2\t\t2020\t*\t5\tx\n")
    status = main(["reference", "import-ptp", str(path), "--out", str(tmp_path / "o.csv")])
    assert status == 1
    assert "bad.txt: no usable row (its 1 row set aside; first: bad.txt, row 2" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_cli_import_ptp_sets_aside_impossible_edits_and_writes_only_the_rest(tmp_path, capsys):
    path = _ptp_file(tmp_path / "ptp.txt",
                     "10001\t10002\t\t01/01/2020\t*\t0",
                     "10001\t10003\t\t20200101\t20190101\t1",
                     "10001\t10004\t\t20200101\t*\t1",
                     "10001\t10004\t\t20200101\t*\t0",
                     "10001\t10001\t\t20200101\t*\t0",
                     "10001\t10006\t\t21000101\t*\t0",
                     "10001\t10007\t\t18991231\t*\t0")
    out = tmp_path / "ncci_ptp.csv"
    status = main(["reference", "import-ptp", str(path), "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 0
    assert "1 edits (7 rows read = 1 used + 6 set aside)" in printed
    assert "ptp.txt, row 8, column 'Effective Date': expected a date between 1900-01-01 and 2100-12-31; " \
           "got '18991231'." in printed
    assert out.read_text().splitlines() == [",".join(cms.PTP_COLUMNS), "10001,10006,2100-01-01,,0"]
    rejected = pd.read_csv(tmp_path / "ncci_ptp_rejected.csv", dtype=str, keep_default_na=False)
    assert rejected["row"].tolist() == ["2", "3", "4", "5", "6", "8"]
    assert rejected["reason"].str.startswith("column '").all()
    assert read_table(out).problems == []


def test_cli_import_where_every_row_is_set_aside_exits_1_and_writes_only_the_reasons(tmp_path, capsys):
    path = _ptp_file(tmp_path / "ptp.txt",
                     "10001\t10004\t\t20200101\t*\t1",
                     "10001\t10004\t\t20200101\t*\t0",
                     "10001\t10007\t\t18991231\t*\t0")
    out = tmp_path / "ncci_ptp.csv"
    status = main(["reference", "import-ptp", str(path), "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 1
    assert "ptp.txt: no usable row (all 3 rows set aside; first: ptp.txt, row 2, column 'Modifier" \
        in captured.err
    assert "ncci_ptp.csv not written" in captured.err
    assert not out.exists()
    rejected = pd.read_csv(tmp_path / "ncci_ptp_rejected.csv", dtype=str)
    assert rejected["row"].tolist() == ["2", "3", "4"]
    assert "ptp.txt, row 4, column 'Effective Date'" in captured.out


def test_cli_import_of_a_header_without_rows_exits_1_and_writes_nothing(tmp_path, capsys):
    path = _ptp_file(tmp_path / "ptp.txt")
    status = main(["reference", "import-ptp", str(path), "--out", str(tmp_path / "o.csv")])
    assert status == 1
    assert "ptp.txt: no usable row (a header and no rows); o.csv not written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [path]


def test_cli_import_of_blank_rows_alone_says_so_as_the_other_readers_do_and_writes_nothing(tmp_path, capsys):
    """A table of a header and blank rows only was "no rows under the header", where the audit's readers
    say a file with no usable row holds "a header and no rows but 2 blank one(s)"."""
    path = _ptp_file(tmp_path / "ptp.txt")
    path.write_text(path.read_text(encoding="utf-8") + "\t\t\t\t\t\t\n\n", encoding="utf-8")
    status = main(["reference", "import-ptp", str(path), "--out", str(tmp_path / "o.csv")])
    captured = capsys.readouterr()
    assert status == 1
    assert "ptp.txt: no usable row (a header and no rows but 2 blank one(s)); o.csv not written" in captured.err
    assert "0 rows read" not in captured.out and "2 rows read = 0 used + 0 set aside + 2 blank row(s)" in captured.out
    assert list(tmp_path.iterdir()) == [path]


def test_cli_reference_without_action_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["reference"])
    assert stop.value.code == 2
    assert "usage error" in capsys.readouterr().err


def test_cli_explain_prints_each_table_a_code_belongs_to(capsys):
    assert main(["reference", "explain", "CO-45", "N362", "1", "ZZZ9"]) == 0
    printed = capsys.readouterr().out
    assert "CO-45 [CARC]:" in printed and "CO [CAS group]: Contractual obligation" in printed
    assert "N362 [RARC]:" in printed
    assert "1 [CARC]:" in printed and "1 [Claim status (CLP02)]: Processed as primary" in printed
    assert "ZZZ9: not in the kit's code tables" in printed


def test_cli_list_names_the_shipped_code_tables(capsys):
    assert main(["reference", "list"]) == 0
    printed = capsys.readouterr().out.split()
    assert {"carc.csv", "rarc.csv", "place_of_service.csv", "em_levels.csv"} <= set(printed)



def test_cli_import_counts_and_says_the_blank_rows_it_skips(tmp_path, capsys):
    """Blank lines and rows of tabs or commas (an empty row Excel saved) were skipped in silence, where every
    other command counts them; a row with only its rationale filled was skipped too, neither used nor set
    aside."""
    ptp = _ptp_file(tmp_path / "ccipra-v990r0-f1.txt", "10001\t10003\t\t20100401\t*\t1")
    ptp.write_text(ptp.read_text(encoding="utf-8") + "\n\t\t\t\t\t\t\n  \n\t\t\t\t\t\trationale only\n"
                   + "20001\t00100\t\t20200101\t*\t1\tx\n", encoding="utf-8")
    assert main(["reference", "import-ptp", str(ptp), "--out", str(tmp_path / "ncci_ptp.csv")]) == 0
    printed = capsys.readouterr().out
    assert f"{ptp.name} (PTP practitioner, version 99.0 revision 0, part 1): 6 rows read = 2 used + 1 set aside " \
           "+ 3 blank row(s) skipped" in printed
    assert "2 edits (6 rows read = 2 used + 1 set aside + 3 blank row(s) skipped)" in printed
    result = cms.read_ptp(ptp)
    source = result.sources.iloc[0]
    assert (source.rows_read, source.blank_rows_skipped, source.rows_in_file) == (3, 3, 6)
    assert (result.rows_read, result.blank_rows, result.rows_in_file) == (3, 3, 6)
    mue = tmp_path / "MCR_MUE_PractitionerServices_Eff_01-01-2099.csv"
    lines = MUE_CSV.read_text(encoding="utf-8").splitlines()
    mue.write_text("\n".join([*lines[:-2], ",,,", "", '"","","",""', *lines[-2:]]) + "\n", encoding="utf-8")
    assert main(["reference", "import-mue", str(mue), "--out", str(tmp_path / "mue.csv")]) == 0
    assert "9 rows read = 4 used + 2 set aside + 3 blank row(s) skipped" in capsys.readouterr().out
