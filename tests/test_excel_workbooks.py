"""Excel workbooks: formula injection guarded, money and dates typed, frozen headers and filters.

The hostile folder puts formula-looking text where users' files can put it
(claim ids, payer ids and names, notice ids, a custom rule's evidence, a
rejected value), then every workbook is read back with openpyxl and its
sheet XML is searched for formulas.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from recoup_lib.appeals import read_appeal_folder, run_appeals
from recoup_lib.report import (
    DATE_FORMAT, MONEY_FORMAT, PERCENT_FORMAT, build_report, safe_text, write_appeal_workbook,
    write_audit_workbook, write_report_workbook, write_tables_workbook,
)
from recoup_lib.rules import audit_folder, custom_rule, run_audit

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "#N/A"]
EVIL_NAME = '=HYPERLINK("http://evil","click")'
HEADER = ("claim_id,line_no,patient_id,payer_id,rendering_npi,service_date,submitted_date,procedure_code,"
          "modifiers,units,charge,diagnosis_codes,place_of_service")


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@pytest.fixture
def hostile_folder(tmp_path) -> Path:
    folder = tmp_path / "hostile"
    folder.mkdir()
    lines, payments = [HEADER], ["claim_id,line_no,payment_id,payment_date,allowed,paid"]
    for i, claim in enumerate(HOSTILE):
        lines.append(f"{_csv_field(claim)},1,P{i},{_csv_field('+1+1')},1234567893,2025-01-{10 + i},"
                     f"2025-01-{11 + i},99213,,1,120.00,I10,11")
        payments.append(f"{_csv_field(claim)},1,PAY{i},2025-02-01,90.00,90.00")
    payments.append(f"{_csv_field(HOSTILE[1])},1,REV1,2025-03-01,-90.00,-90.00")
    payments.append(f"{_csv_field(HOSTILE[1])},1,PAY9,2025-03-01,90.00,75.25")
    lines.append("GOOD1,1,P9,X,1234567893,2025-01-20,2025-01-21,99213,,=1+1,120.00,I10,11")
    (folder / "claim_lines.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "payments.csv").write_text("\n".join(payments) + "\n", encoding="utf-8")
    (folder / "payers.csv").write_text(
        "payer_id,name,payer_type,state\n"
        f"{_csv_field('+1+1')},{_csv_field(EVIL_NAME)},commercial,GA\n",
        encoding="utf-8")
    (folder / "notices.csv").write_text(
        "notice_id,payer_id,claim_id,line_no,notice_date,amount,reason_code,error_type\n"
        f"{_csv_field('@SUM(A1)')},{_csv_field('+1+1')},{_csv_field(HOSTILE[0])},1,2025-06-01,40.00,-2+3,"
        "missing_documentation\n", encoding="utf-8")
    return folder


@custom_rule("hostile_note", category="documentation")
def hostile_note(ctx):
    """Flags every paid line with formula-looking evidence."""
    paid = ctx.lines.index[ctx.lines["paid_cents"] > 0]
    evidence = [HOSTILE[i % len(HOSTILE)] for i in range(len(paid))]
    return pd.DataFrame({"line": paid, "at_risk_cents": 1000, "evidence": evidence})


def _cells(path: Path):
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws.title, cell


def _assert_no_formulas(path: Path) -> None:
    for title, cell in _cells(path):
        assert cell.data_type != "f", f"{title}!{cell.coordinate} is a formula: {cell.value!r}"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def _texts(path: Path) -> dict[str, list]:
    out: dict[str, list] = {}
    for title, cell in _cells(path):
        if isinstance(cell.value, str):
            out.setdefault(cell.value, []).append((title, cell))
    return out


def _assert_hostile_kept_as_guarded_text(path: Path, expected) -> None:
    """Each value is found as guarded text (a carriage return reads back as a line feed: XML line ends)."""
    texts = _texts(path)
    for value in (v.replace("\r", "\n") for v in expected):
        assert value in texts, f"{value!r} not found as text"
        for title, cell in texts[value]:
            assert cell.data_type == "s", (title, cell.coordinate)
            if value.startswith(("=", "+", "-", "@", "\t", "\n")):
                assert cell.quotePrefix, (title, cell.coordinate, value)


def test_safe_text_guards_the_owasp_triggers_and_error_codes():
    for value in HOSTILE + ["\0x"]:
        assert safe_text(value)[1], value
    for value in ["C001", " =1", "a=b", "", "99213"]:
        assert not safe_text(value)[1], value
    assert safe_text("a\x01b") == ("a\ufffdb", False)
    assert len(safe_text("x" * 40000)[0]) == 32767


def test_audit_workbook_with_hostile_input_has_no_formula_and_keeps_the_text(hostile_folder, tmp_path):
    result = audit_folder(hostile_folder, extra_rules=[hostile_note])
    assert len(result.findings) >= len(HOSTILE)
    path = write_audit_workbook(result, tmp_path / "audit.xlsx")
    _assert_no_formulas(path)
    _assert_hostile_kept_as_guarded_text(path, HOSTILE + ["=1+1"])
    wb = openpyxl.load_workbook(path)
    assert {"Summary", "Findings", "By payer", "By provider", "By month", "Rejected rows"} <= set(wb.sheetnames)
    rejected = wb["Rejected rows"]
    header = [c.value for c in rejected[1]]
    assert rejected.cell(2, header.index("value") + 1).value == "=1+1"


def test_audit_workbook_negative_money_stays_a_number(hostile_folder, tmp_path):
    result = audit_folder(hostile_folder, extra_rules=[hostile_note])
    detail = result.findings.copy()
    detail.loc[0, "at_risk_cents"] = -4050
    result.findings = detail
    ws = openpyxl.load_workbook(write_audit_workbook(result, tmp_path / "a.xlsx"))["Findings"]
    header = [c.value for c in ws[1]]
    cell = ws.cell(2, header.index("at_risk") + 1)
    assert cell.data_type == "n" and cell.value == -40.5 and cell.number_format == MONEY_FORMAT


def test_appeal_workbook_with_hostile_payer_and_notice_has_no_formula(hostile_folder, tmp_path):
    inputs = read_appeal_folder(hostile_folder)
    result = run_appeals(inputs, run_audit(inputs.audit).findings, "2025-06-15")
    assert result.decisions["payer_name"].iloc[0].startswith("=HYPERLINK")
    for form, path in [
        (lambda p: write_appeal_workbook(result, p), tmp_path / "one.xlsx"),
        (lambda p: write_appeal_workbook(result.decisions, result.worklist, p), tmp_path / "two.xlsx"),
        (lambda p: write_appeal_workbook(result.decisions, p), tmp_path / "three.xlsx"),
    ]:
        written = form(path)
        assert written == path
        _assert_no_formulas(path)
        _assert_hostile_kept_as_guarded_text(path, [EVIL_NAME, "@SUM(A1)", HOSTILE[0]])
    names = openpyxl.load_workbook(tmp_path / "two.xlsx").sheetnames
    assert names[:3] == ["Summary", "Decisions", "Worklist"]
    assert "Worklist" not in openpyxl.load_workbook(tmp_path / "three.xlsx").sheetnames
    assert "Appeal path" in openpyxl.load_workbook(tmp_path / "one.xlsx").sheetnames


def test_report_workbook_with_hostile_input_has_no_formula(hostile_folder, tmp_path):
    report = build_report(hostile_folder, "2025-06-15")
    path = write_report_workbook(report, tmp_path / "report.xlsx")
    _assert_no_formulas(path)
    _assert_hostile_kept_as_guarded_text(path, ["+1+1", "@SUM(A1)", HOSTILE[0]])


def test_tables_workbook_guards_hostile_headers_too(tmp_path):
    frame = pd.DataFrame({"=cmd|' /C calc'!A0": ["ok"], "amount_cents": [-1]})
    path = write_tables_workbook({"T": frame}, tmp_path / "t.xlsx")
    _assert_no_formulas(path)
    ws = openpyxl.load_workbook(path)["T"]
    assert ws["A1"].value == "=cmd|' /C calc'!A0" and ws["A1"].quotePrefix
    assert ws["B1"].value == "amount" and ws["B2"].value == -0.01


def test_round_trip_money_dates_percent_and_layout(tmp_path):
    frame = pd.DataFrame({
        "claim_id": ["C1", "C2", "C3"],
        "paid_cents": pd.array([123456, -4050, None], dtype="Int64"),
        "service_date": pd.to_datetime(["2025-01-31", None, "2024-02-29"]),
        "units": [1, 2, 3],
        "rate": pd.array([12.5, None, 100.0], dtype="Float64"),
        "flag": [True, False, True],
        "_private": [1, 2, 3],
    })
    path = write_tables_workbook({"Data": frame}, tmp_path / "r.xlsx", percent=("rate",))
    ws = openpyxl.load_workbook(path)["Data"]
    assert [c.value for c in ws[1]] == ["claim_id", "paid", "service_date", "units", "rate", "flag"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:F4"
    money = [ws.cell(r, 2) for r in (2, 3, 4)]
    assert [round(c.value * 100) if c.value is not None else None for c in money] == [123456, -4050, None]
    assert all(c.data_type == "n" and c.number_format == MONEY_FORMAT for c in money[:2])
    day = ws.cell(2, 3)
    assert day.is_date and day.value == dt.datetime(2025, 1, 31) and day.number_format == DATE_FORMAT
    assert ws.cell(3, 3).value is None and ws.cell(4, 3).value == dt.datetime(2024, 2, 29)
    assert ws.cell(2, 4).value == 1 and ws.cell(2, 4).data_type == "n"
    assert ws.cell(2, 5).value == pytest.approx(0.125) and ws.cell(2, 5).number_format == PERCENT_FORMAT
    assert ws.cell(2, 6).value is True
    assert ws.column_dimensions["A"].width >= 10


def test_audit_workbook_of_a_demo_matches_the_audit(tmp_path):
    from recoup_lib.synthetic.demo import demo_path

    result = audit_folder(demo_path("hospital_outpatient"))
    wb = openpyxl.load_workbook(write_audit_workbook(result, tmp_path / "demo.xlsx"))
    ws = wb["Findings"]
    header = [c.value for c in ws[1]]
    assert header[:8] == ["claim_id", "line_no", "error_type", "category", "rule_id", "at_risk",
                          "at_risk_capped", "action"]
    assert ws.max_row == len(result.findings) + 1
    capped = sum(round(r[header.index("at_risk_capped")] * 100) for r in ws.iter_rows(min_row=2, values_only=True))
    assert capped == result.total_at_risk_cents
    dates = [r[header.index("service_date")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(d, dt.datetime) for d in dates)
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert round(summary["Money at risk (capped)"] * 100) == result.total_at_risk_cents
    assert summary["Lines audited"] == len(result.lines)
    month = wb["By month"]
    assert month.cell(2, 1).is_date


def test_recoup_audit_xlsx_writes_the_audit_workbook(tmp_path):
    from recoup_lib.cli import main
    from recoup_lib.synthetic.demo import demo_path

    out = tmp_path / "out"
    assert main(["audit", str(demo_path("family_practice")), "--out", str(out), "--xlsx"]) == 0
    wb = openpyxl.load_workbook(out / "audit.xlsx")
    assert wb.sheetnames[:2] == ["Summary", "Findings"]
    with open(out / "findings.csv", encoding="utf-8") as handle:
        assert wb["Findings"].max_row == sum(1 for _ in handle)


def test_appeal_workbook_with_two_frames_and_no_path_says_what_is_missing(tmp_path):
    frame = pd.DataFrame({"recommendation": [], "agreed_amount_cents": [], "disputed_amount_cents": []})
    with pytest.raises(TypeError, match=r"write_appeal_workbook\(decisions, worklist, path\): the path is missing"):
        write_appeal_workbook(frame, frame)


def test_importing_the_report_leaves_openpyxl_and_matplotlib_until_a_workbook_or_figure_is_made():
    """Every lesson and command imports the report; the two heavy libraries wait for their first use."""
    import subprocess
    import sys

    probe = ("import sys, recoup_lib.report as r; "
             "before = {m for m in ('openpyxl', 'matplotlib') if m in sys.modules}; "
             "r.safe_text('=1'); print(sorted(before), 'openpyxl' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert shown == ["[]", "True"]
