"""``recoup appeal``: exit statuses, one-line messages, the files written."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from recoup_lib.cli import main
from recoup_lib.folder import read_table
from recoup_lib.money import parse_cents_scalar

FOLDER = Path(__file__).parent / "data" / "appeals" / "folder"
CONTRACT_COLUMNS = ["notice_id", "recommendation", "agreed_amount", "disputed_amount", "reasons", "appeal_level",
                    "file_by", "stop_offset_by", "offset_starts"]


@pytest.fixture
def stub_audit(monkeypatch):
    """A stand-in audit engine returning the folder's stub_findings.csv (hand-made findings).

    The appeals package is imported first (it imports the real rules), so a
    test run on its own gets the stand-in only where the audit is run.
    """
    importlib.import_module("recoup_lib.appeals")
    module = types.ModuleType("recoup_lib.rules")

    def run_audit(inputs):
        findings = read_table(Path(inputs.folder) / "stub_findings.csv", "findings.csv").data
        return types.SimpleNamespace(findings=findings.drop(columns=["_row"]),
                                     switched_off=pd.DataFrame(columns=["error_type", "rule_id", "missing", "message"]))

    module.run_audit = run_audit
    monkeypatch.setitem(sys.modules, "recoup_lib.rules", module)


def _appeal(folder, tmp_path, capsys, as_of: str) -> tuple[Path, str, pd.DataFrame]:
    """Run ``recoup appeal`` (exit 0 expected); the output folder, what it printed, decisions.csv as text."""
    out = tmp_path / "out"
    assert main(["appeal", str(folder), "--as-of", as_of, "--out", str(out)]) == 0
    report = capsys.readouterr().out
    return out, report, pd.read_csv(out / "decisions.csv", dtype="str", keep_default_na=False)


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_cli_missing_notices_exits_1_with_one_line(tmp_path, capsys):
    folder = tmp_path / "f"
    shutil.copytree(FOLDER, folder)
    (folder / "notices.csv").unlink()
    assert main(["appeal", str(folder), "--as-of", "2025-01-15", "--out", str(tmp_path / "out")]) == 1
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("recoup appeal: notices.csv: required file not found in")
    assert not (tmp_path / "out").exists()


def test_cli_missing_payers_exits_1(tmp_path, capsys):
    folder = tmp_path / "f"
    shutil.copytree(FOLDER, folder)
    (folder / "payers.csv").unlink()
    assert main(["appeal", str(folder), "--as-of", "2025-01-15", "--out", str(tmp_path / "out")]) == 1
    assert "payers.csv: required file not found" in _one_line(capsys.readouterr().err)


def test_cli_notices_missing_column_exits_1_naming_it(tmp_path, capsys):
    folder = tmp_path / "f"
    shutil.copytree(FOLDER, folder)
    notices = (folder / "notices.csv").read_text(encoding="utf-8").replace("error_type,", "stated,", 1)
    (folder / "notices.csv").write_text(notices, encoding="utf-8")
    assert main(["appeal", str(folder), "--as-of", "2025-01-15", "--out", str(tmp_path / "out")]) == 1
    assert "notices.csv: missing required column 'error_type'" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("as_of", ["2025-13-01", "15/01/2025", "2025-1-5", "yesterday", "2025-02-29"])
def test_cli_bad_as_of_exits_2_with_one_line(tmp_path, capsys, as_of):
    assert main(["appeal", str(FOLDER), "--as-of", as_of, "--out", str(tmp_path / "out")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line == f"recoup appeal: --as-of: expected a real date written YYYY-MM-DD; got {as_of!r}"


def test_cli_missing_out_is_a_usage_error_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["appeal", str(FOLDER), "--as-of", "2025-01-15"])
    assert stop.value.code == 2
    assert "--out" in capsys.readouterr().err


def test_cli_bad_profiles_copy_exits_1_naming_file_row_column(tmp_path, capsys, stub_audit):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "medicare_aic.csv").write_text(
        "year,alj_hearing,judicial_review,source,status\n2026,lots,1960,x,confirmed\n", encoding="utf-8")
    code = main(["appeal", str(FOLDER), "--as-of", "2025-01-15", "--out", str(tmp_path / "out"),
                 "--profiles", str(rules)])
    assert code == 1
    assert "medicare_aic.csv, row 2, column 'alj_hearing': expected an amount in dollars" in \
        _one_line(capsys.readouterr().err)


def test_cli_with_stub_audit_writes_decisions_worklist_letters(tmp_path, capsys, stub_audit):
    out, report, decisions = _appeal(FOLDER, tmp_path, capsys, "2025-06-20")
    assert "6 notice(s) decided: 4 appeal, 1 partial, 1 accept" in report
    assert "notices.csv: 8 read = 6 used + 2 set aside" in report

    assert list(decisions.columns[:len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    by_id = decisions.set_index("notice_id")
    assert by_id.loc["N01", ["recommendation", "agreed_amount", "disputed_amount"]].tolist() == \
        ["accept", "100.00", "0.00"]
    assert by_id.loc["N03", ["recommendation", "agreed_amount", "disputed_amount"]].tolist() == \
        ["partial", "100.00", "150.00"]
    assert by_id.loc["N02", ["file_by", "stop_offset_by", "offset_starts"]].tolist() == \
        ["2024-07-03", "2024-03-29", "2024-04-09"]
    # California: 30 working days to contest, counted from the (Saturday) notice date; day 1 is Monday.
    assert by_id.loc["N04", ["stop_offset_by", "offset_starts"]].tolist() == ["2025-04-11", "2025-04-14"]
    assert by_id.loc["N05", "recommendation"] == "appeal"
    assert "State WY is not in RecoupKit's commercial table" in by_id.loc["N05", "reasons"]

    rejected = pd.read_csv(out / "rejected.csv", dtype="str", keep_default_na=False)
    assert rejected[["file", "row", "column"]].values.tolist() == [
        ["notices.csv", "8", "payer_id"], ["notices.csv", "9", "notice_date"]]

    worklist = pd.read_csv(out / "worklist.csv", dtype="str", keep_default_na=False)
    assert sorted(worklist["notice_id"]) == sorted(decisions["notice_id"])
    assert worklist["notice_id"].iloc[0] == "N05"  # the only deadline still ahead on 2025-06-20

    letters = sorted(p.name for p in (out / "letters").iterdir())
    appealed = decisions.loc[decisions["recommendation"] != "accept", "notice_id"]
    assert letters == sorted([f"letter_{n}.{ext}" for n in appealed for ext in ("html", "md")])
    assert (out / "appeal_path.csv").is_file()


def test_cli_profiles_in_the_appeal_folder_replace_shipped(tmp_path, capsys, stub_audit):
    folder = tmp_path / "f"
    shutil.copytree(FOLDER, folder)
    (folder / "appeal_levels.csv").write_text(
        (Path(__file__).parents[1] / "recoup_lib" / "appeals" / "data" / "appeal_levels.csv")
        .read_text(encoding="utf-8").replace("commercial,,1,Appeal to the payer under the provider contract,"
                                             "the payer's provider dispute unit,30,",
                                             "commercial,,1,Appeal to the payer under the provider contract,"
                                             "the payer's provider dispute unit,60,"),
        encoding="utf-8")
    _, report, decisions = _appeal(folder, tmp_path, capsys, "2025-06-20")
    assert "rule tables from" in report
    assert decisions.set_index("notice_id").loc["N05", "file_by"] == "2025-08-14"  # 2025-06-15 + 60 days


def test_cli_end_to_end_with_the_real_audit(tmp_path, capsys):
    _, _, decisions = _appeal(FOLDER, tmp_path, capsys, "2025-06-20")
    assert list(decisions.columns[:len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert len(decisions) == 6
    assert set(decisions["recommendation"]) <= {"appeal", "accept", "partial"}
    for row in decisions.itertuples():
        assert parse_cents_scalar(row.agreed_amount) + parse_cents_scalar(row.disputed_amount) == \
            parse_cents_scalar(row.amount)
    by_id = decisions.set_index("notice_id")
    assert by_id.loc["N02", ["file_by", "stop_offset_by", "offset_starts"]].tolist() == \
        ["2024-07-03", "2024-03-29", "2024-04-09"]
    assert by_id.loc["N02", "recommendation"] == "appeal"  # the note is present and signed


def test_cli_notice_of_an_error_the_audit_could_not_check_says_so_not_that_it_found_nothing(tmp_path, capsys):
    # The folder has no coverage.csv: the coverage_lapsed rule is switched off, so the audit's silence on
    # N05 is no answer to the payer, and neither the reasons nor the letter may claim a review found nothing.
    out, report, decisions = _appeal(FOLDER, tmp_path, capsys, "2025-06-20")
    n05 = decisions.set_index("notice_id").loc["N05"]
    assert n05["recommendation"] == "appeal"
    assert "Our audit could not check coverage_lapsed on this line (rule coverage_lapsed switched off: " \
        "no coverage.csv" in n05["reasons"]  # N05 is late: its timing comes first
    assert "Our audit does not find coverage_lapsed" not in n05["reasons"]
    letter = (out / "letters" / "letter_N05.md").read_text(encoding="utf-8")
    assert "The recovery is untimely" in letter
    assert "does not support the stated reason" not in letter
    assert "1 notice(s) not checked by the audit (rule coverage_lapsed switched off" in report
    n01 = decisions.set_index("notice_id").loc["N01"]
    assert "could not check" not in n01["reasons"]

    folder = tmp_path / "no_documentation"
    shutil.copytree(FOLDER, folder)
    (folder / "documentation.csv").unlink()
    out, report, decisions = _appeal(folder, tmp_path / "second", capsys, "2025-06-20")
    n02 = decisions.set_index("notice_id").loc["N02"]
    assert n02["recommendation"] == "appeal"
    assert n02["reasons"].startswith("Our audit could not check missing_signature on claim C002 line 1 (rule "
                                     "missing_signature switched off: no documentation.csv")
    letter = (out / "letters" / "letter_N02.md").read_text(encoding="utf-8")
    assert "does not support the stated reason" not in letter
    assert "RecoupKit's audit could not check it" in letter


def test_cli_xlsx_writes_a_workbook_without_formulas(tmp_path, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "out"
    assert main(["appeal", str(FOLDER), "--as-of", "2025-01-15", "--out", str(out), "--xlsx"]) == 0
    book = load_workbook(out / "appeal.xlsx")
    assert "decisions" in [ws.title.lower() for ws in book.worksheets]
    assert all(cell.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for cell in row)


def test_cli_notices_after_as_of_are_set_aside_with_that_reason(tmp_path, capsys, stub_audit):
    out, report, decisions = _appeal(FOLDER, tmp_path, capsys, "2025-01-15")
    assert "as of 2025-01-15; 4 notice(s) decided" in report
    assert "notices.csv: 8 read = 4 used + 4 set aside" in report
    assert sorted(decisions["notice_id"]) == ["N01", "N02", "N03", "N06"]
    rejected = pd.read_csv(out / "rejected.csv", dtype="str", keep_default_na=False)
    later = rejected.loc[rejected["value"].isin(["2025-03-01", "2025-06-15"])]
    assert later["row"].tolist() == ["5", "6"] and (later["column"] == "notice_date").all()
    assert later["reason"].str.startswith("expected a date on or before the as-of date 2025-01-15").all()


def test_cli_without_as_of_uses_the_folders_own_date_and_says_so(tmp_path, capsys, stub_audit):
    for run in ("a", "b"):
        assert main(["appeal", str(FOLDER), "--out", str(tmp_path / run)]) == 0
        assert ("as of 2025-06-15 (the folder's own date: its latest payment, remittance or notice date)"
                in capsys.readouterr().out)
    assert (tmp_path / "a" / "worklist.csv").read_bytes() == (tmp_path / "b" / "worklist.csv").read_bytes()


def _folder_with(tmp_path, **cells) -> Path:
    """A copy of the test folder whose notices.csv has ``cells`` ({"N01": {"amount": "0.00"}, ...}) changed."""
    folder = tmp_path / "f"
    shutil.copytree(FOLDER, folder)
    notices = pd.read_csv(folder / "notices.csv", dtype="str", keep_default_na=False)
    for notice_id, values in cells.items():
        for column, value in values.items():
            notices.loc[notices["notice_id"] == notice_id, column] = value
    notices.to_csv(folder / "notices.csv", index=False)
    return folder


def test_cli_every_notice_set_aside_exits_1_writing_only_the_rows_set_aside(tmp_path, capsys, stub_audit):
    folder = _folder_with(tmp_path, **{f"N0{i}": {"amount": "0.00"} for i in range(1, 9)})
    out = tmp_path / "out"
    assert main(["appeal", str(folder), "--as-of", "2025-06-15", "--out", str(out)]) == 1
    said = capsys.readouterr()
    assert "notices.csv: 8 read = 0 used + 8 set aside" in said.out
    line = _one_line(said.err)
    assert line.startswith("recoup appeal: notices.csv: all 8 notice(s) were set aside, so none could be decided. "
                           "No decisions were written;")
    assert str(out / "rejected.csv") in line and str(out / "run.json") in line
    assert sorted(p.name for p in out.iterdir()) == [".recoup-manifest.json", "rejected.csv", "rejected_rows",
                                                     "run.json"]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "no decisions produced" and run["reason"].startswith("notices.csv: all 8 notice(s)")
    counts = {f["file"]: f for f in run["files"]}
    assert (counts["notices.csv"]["rows_read"], counts["notices.csv"]["rows_set_aside"]) == (8, 8)
    rows = pd.read_csv(out / "rejected_rows" / "notices.csv", dtype="str", keep_default_na=False)
    assert rows["_row"].tolist() == [str(r) for r in range(2, 10)]
    assert rows.loc[0, "_reason"] == "column 'amount': expected an amount greater than 0; got '0.00'"
    rejected = pd.read_csv(out / "rejected.csv", dtype="str", keep_default_na=False)
    assert rejected.loc[rejected["row"] == "3", "message"].tolist() == [
        "notices.csv, row 3, column 'amount': expected an amount greater than 0; got '0.00'."]
    assert rejected.loc[rejected["row"] == "9", "column"].tolist() == ["notice_date"]


def test_cli_header_only_notices_exits_1_with_a_status_file_and_no_decisions(tmp_path, capsys, stub_audit):
    folder = tmp_path / "f"
    shutil.copytree(FOLDER, folder)
    header = (folder / "notices.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / "notices.csv").write_text(header + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["appeal", str(folder), "--out", str(out)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("recoup appeal: notices.csv: no notice to decide (the file holds a header and no rows).")
    assert not (out / "decisions.csv").exists() and not (out / "rejected_rows" / "notices.csv").exists()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "no decisions produced"
    assert {f["file"]: f["rows_read"] for f in run["files"]}["notices.csv"] == 0


def test_cli_as_of_before_every_notice_is_a_usage_error_naming_the_earliest(tmp_path, capsys, stub_audit):
    out = tmp_path / "out"
    assert main(["appeal", str(FOLDER), "--as-of", "1900-01-01", "--out", str(out)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("recoup appeal: --as-of 1900-01-01 is before every notice that could be decided (the "
                           "earliest in notices.csv is dated 2024-02-29)")
    assert not out.exists()


def test_cli_notice_dated_before_the_payment_it_takes_back_is_set_aside(tmp_path, capsys, stub_audit):
    folder = _folder_with(tmp_path, N01={"notice_date": "2024-08-01"},  # C001 first paid 2024-08-20
                          N04={"original_payment_date": "2025-04-01"},  # after its own notice date
                          N03={"notice_date": "2024-09-15", "original_payment_date": "2024-09-01"})
    out, report, decisions = _appeal(folder, tmp_path, capsys, "2025-06-15")
    assert "notices.csv: 8 read = 4 used + 4 set aside" in report
    assert sorted(decisions["notice_id"]) == ["N02", "N03", "N05", "N06"]  # N03's own date wins over payments
    rejected = pd.read_csv(out / "rejected.csv", dtype="str", keep_default_na=False).set_index("row")
    assert rejected.loc["2", "message"] == (
        "notices.csv, row 2, column 'notice_date': expected a date on or after the line's first payment in "
        "payments.csv, 2024-08-20 (a notice cannot take back money before it was paid); got '2024-08-01'.")
    assert rejected.loc["5", "column"] == "notice_date,original_payment_date"
    assert rejected.loc["5", "value"] == "2025-03-01|2025-04-01"
    assert rejected.loc["5", "reason"].startswith("expected a notice_date on or after the original_payment_date")


def test_cli_ends_with_the_next_command_on_the_users_paths(tmp_path, capsys, stub_audit):
    """Only recoup import printed a "next:" step; a person following the pipeline from the output was
    left to guess that the report comes after the appeals, and with which as-of."""
    _, report, _ = _appeal(FOLDER, tmp_path, capsys, "2025-06-20")
    assert report.rstrip().splitlines()[-1] == f"next: recoup report {FOLDER} --as-of 2025-06-20 --out REPORT"
