"""``recoup report``: exit statuses, the files written, links that resolve, optional inputs switched on and off."""

from __future__ import annotations

import csv
import re
import shutil
import sys
import types
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from recoup_lib.cli import main
from recoup_lib.report import build_report, metric_value, read_recoupments
from recoup_lib.synthetic.demo import demo_path

pytestmark = pytest.mark.slow  # its tests take 20 s or more together: conftest.py starts the file first

AS_OF = "2025-12-01"


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def _metrics(out: Path) -> dict[str, dict]:
    with open(out / "metrics.csv", encoding="utf-8", newline="") as handle:
        return {row["metric"]: row for row in csv.DictReader(handle)}


@pytest.fixture
def folder(tmp_path) -> Path:
    """The family-practice demo with notices (from its answer key), outcomes and recoupments added."""
    target = tmp_path / "practice"
    shutil.copytree(demo_path("family_practice"), target)
    labels = pd.read_csv(target / "labels.csv", dtype=str, keep_default_na=False)
    lines = pd.read_csv(target / "claim_lines.csv", dtype=str, keep_default_na=False)
    picked = labels.merge(lines[["claim_id", "line_no", "payer_id"]], on=["claim_id", "line_no"]).head(8)
    pd.DataFrame({
        "notice_id": [f"N{i}" for i in range(8)], "payer_id": picked["payer_id"], "claim_id": picked["claim_id"],
        "line_no": picked["line_no"], "notice_date": [f"2025-{3 + i:02d}-15" for i in range(8)],
        "amount": picked["at_risk"], "reason_code": "16", "error_type": picked["error_type"],
        "response_date": [f"2025-{3 + i:02d}-25" if i < 4 else "" for i in range(8)],
    }).to_csv(target / "notices.csv", index=False)
    pd.DataFrame({"notice_id": ["N0", "N1", "N2"], "level": ["Redetermination"] * 3,
                  "outcome": ["favorable", "unfavorable", "pending"]}).to_csv(target / "appeal_outcomes.csv",
                                                                              index=False)
    pd.DataFrame({"file": ["a.835", "b.835"], "trace_number": ["T1", "T2"],
                  "payment_date": ["2025-04-01", "2025-06-03"], "claim_id": [picked["claim_id"][0], ""],
                  "amount": ["40.40", "75.00"], "mechanism": ["reversal", "offset"], "reason_code": ["", "WO"],
                  "reference": ["", "ICN1"]}).to_csv(target / "recoupments.csv", index=False)
    return target


def test_cli_missing_folder_exits_1_with_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 1
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("recoup report: ") and "no such folder" in line
    assert not (tmp_path / "out").exists()


def test_cli_missing_claim_lines_exits_1_naming_the_file(tmp_path, capsys):
    target = tmp_path / "f"
    shutil.copytree(demo_path("family_practice"), target)
    (target / "claim_lines.csv").unlink()
    assert main(["report", str(target), "--out", str(tmp_path / "out")]) == 1
    assert "claim_lines.csv: required file not found" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("as_of", ["2025-13-01", "01/12/2025", "2025-2-1", "soon", "2025-02-29"])
def test_cli_bad_as_of_exits_2_with_one_line(tmp_path, capsys, as_of):
    assert main(["report", str(demo_path()), "--out", str(tmp_path / "out"), "--as-of", as_of]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line == f"recoup report: --as-of: expected a real date written YYYY-MM-DD; got {as_of!r}"
    assert not (tmp_path / "out").exists()


def test_cli_without_out_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["report", str(demo_path())])
    assert stop.value.code == 2


def test_cli_demo_writes_metrics_report_and_figures_whose_links_resolve(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", str(demo_path()), "--out", str(out), "--as-of", AS_OF]) == 0
    printed = capsys.readouterr().out
    assert "Clean claim rate:" in printed and "Recoupment rate: off" in printed
    with open(out / "metrics.csv", encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle))[:6] == ["metric", "value", "numerator", "denominator", "unit", "note"]
    page = (out / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page)
    assert len(links) >= 4
    for link in links:
        assert not Path(link).is_absolute() and (out / link).is_file() and (out / link).stat().st_size > 0
    assert str(tmp_path) not in page
    assert "| Clean claim rate |" in page
    assert not (out / "report.xlsx").exists()


def test_cli_xlsx_writes_the_report_workbook(tmp_path):
    out = tmp_path / "out"
    assert main(["report", str(demo_path()), "--out", str(out), "--as-of", AS_OF, "--xlsx"]) == 0
    wb = openpyxl.load_workbook(out / "report.xlsx")
    assert wb.sheetnames[:3] == ["Summary", "Metrics", "Trend"]
    metrics = {r[0]: r for r in wb["Metrics"].iter_rows(min_row=2, values_only=True)}
    rows = _metrics(out)
    assert metrics["clean_claim_rate"][2] == pytest.approx(float(rows["clean_claim_rate"]["value"]) / 100, abs=5e-5)
    assert round(metrics["money_at_risk"][2] * 100) == round(float(rows["money_at_risk"]["value"]) * 100)


def test_cli_with_notices_outcomes_and_recoupments_turns_their_metrics_on(folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", str(folder), "--out", str(out), "--as-of", AS_OF, "--xlsx"]) == 0
    rows = _metrics(out)
    assert rows["recoupment_dollars"]["value"] == "115.40"
    assert rows["recoupment_dollars"]["available"] == "true"
    assert rows["recoupment_dollars[offset]"]["value"] == "75.00"
    assert (rows["appeal_overturn_rate"]["numerator"], rows["appeal_overturn_rate"]["denominator"]) == ("1", "2")
    assert rows["days_notice_to_response"]["value"] == "10.00"
    assert rows["notices_received"]["value"] == "8"
    assert (out / "notice_aging.png").is_file() and (out / "recoupments_by_month.png").is_file()
    page = (out / "report.md").read_text(encoding="utf-8")
    assert "](notice_aging.png)" in page and "## Open recoupment notices" in page
    sheets = openpyxl.load_workbook(out / "report.xlsx").sheetnames
    assert {"Notice aging", "Worklist", "Decisions", "Recoupments"} <= set(sheets)


def test_broken_recoupments_csv_switches_the_metric_off_and_says_why(folder, tmp_path, capsys):
    frame = pd.read_csv(folder / "recoupments.csv", dtype=str).drop(columns=["amount"])
    frame.to_csv(folder / "recoupments.csv", index=False)
    out = tmp_path / "out"
    assert main(["report", str(folder), "--out", str(out), "--as-of", AS_OF]) == 0
    row = _metrics(out)["recoupment_rate"]
    assert row["available"] == "false" and "missing required column 'amount'" in row["note"]
    said = capsys.readouterr().out
    assert "recoupment metrics switched off" in said
    # The printed summary gives the reason right after "off"; it used to add "(switched off (see the end
    # of the page))", a page the terminal does not show.
    assert re.search(r"^  Recoupment rate: off -- .*missing required column 'amount'", said, re.MULTILINE), said
    assert "see the end of the page" not in said


def test_recoupments_csv_rows_with_a_bad_amount_are_set_aside_and_counted(folder, tmp_path):
    frame = pd.read_csv(folder / "recoupments.csv", dtype=str, keep_default_na=False)
    frame.loc[1, "amount"] = "-5.25"
    frame.to_csv(folder / "recoupments.csv", index=False)
    report = build_report(folder, AS_OF)
    assert metric_value(report.metrics, "recoupment_count") == 1
    assert any(m.startswith("recoupments.csv: 2 rows read = 1 used + 1 set aside (recoupments.csv, row 3, "
                            "column 'amount'") for m in report.messages)
    [problem] = [p for p in report.problems if p.file == "recoupments.csv"]
    # the amount as the file says it, in dollars, not the cents it was read into
    assert (problem.row, problem.column, problem.value) == (3, "amount", "-5.25")
    rejected = read_recoupments(folder / "recoupments.csv").rejected
    assert rejected[["_row", "amount"]].values.tolist() == [[3, "-5.25"]] and "amount_cents" not in rejected


def test_unknown_outcome_is_set_aside_not_fatal(folder):
    (folder / "appeal_outcomes.csv").write_text("notice_id,level,outcome\nN0,Redetermination,won\n"
                                               "N1,Redetermination,Fully favorable\n", encoding="utf-8")
    report = build_report(folder, AS_OF)
    row = report.metrics.set_index("metric").loc["appeal_overturn_rate"]
    assert (row["numerator"], row["denominator"]) == (1, 1)
    assert any("appeal_outcomes.csv: 2 rows read = 1 used + 1 set aside" in m for m in report.messages)


def test_appeal_outcomes_saved_from_excel_are_read_as_saved(folder):
    """appeal_outcomes.csv is kept by hand in a spreadsheet: saved from Excel as plain "CSV" (Windows-1252, a
    reviewer's accented name in a note, CRLF, rows of commas under the outcomes) every row was once set aside
    as bytes that are not UTF-8 and the blank rows counted as rows; the outcomes are now read as written,
    the blank rows skipped, and the report says how the file was read."""
    (folder / "appeal_outcomes.csv").write_bytes(
        "notice_id,level,outcome,note\r\nN0,Redetermination,favorable,Muñoz\r\n"
        "N1,Redetermination,unfavorable,Peña\r\n,,,\r\n,,,\r\n".encode("cp1252"))
    report = build_report(folder, AS_OF)
    row = report.metrics.set_index("metric").loc["appeal_overturn_rate"]
    assert (row["numerator"], row["denominator"]) == (1, 2)
    assert "appeal_outcomes.csv: read as Windows-1252; 2 blank row(s) skipped." in report.messages
    assert not [p for p in report.problems if p.file == "appeal_outcomes.csv"]


def test_notices_without_payers_switch_appeal_metrics_off(folder):
    (folder / "payers.csv").unlink()
    report = build_report(folder, AS_OF)
    row = report.metrics.set_index("metric").loc["notices_received"]
    assert not row["available"] and "payers.csv is not" in row["note"]
    assert report.appeals is None


@pytest.mark.parametrize("kind", ["folder", "link"])
def test_a_payers_csv_that_cannot_be_read_is_named_once_for_the_appeal_metrics_and_the_payer_names(folder, kind):
    """A folder (or a link to a file since moved) under payers.csv's name was named twice, once for the appeal
    metrics and once for the payer names: one line now says both. A providers.csv that cannot be read is
    still named on a line of its own."""
    for name in ("payers.csv", "providers.csv"):
        (folder / name).unlink(missing_ok=True)
        if kind == "folder":
            (folder / name).mkdir()
        else:
            (folder / name).symlink_to(folder.parent / "archive" / name)
    report = build_report(folder, AS_OF)
    payers = [m for m in report.messages if f"payers.csv in {folder}" in m]
    providers = [m for m in report.messages if f"providers.csv in {folder}" in m]
    assert len(payers) == 1 and len(providers) == 1, report.messages
    assert payers[0].startswith(f"appeal metrics switched off and payer names not shown: payers.csv in {folder}: ")
    assert providers[0].startswith(f"provider names not shown: providers.csv in {folder}: ")
    assert report.appeals is None and not report.names["payer"]


def test_the_report_says_when_no_notice_could_be_used_so_the_cli_warns_from_it(folder):
    assert not build_report(folder, AS_OF).notices_unused
    frame = pd.read_csv(folder / "notices.csv", dtype=str).assign(amount="n/a")
    frame.to_csv(folder / "notices.csv", index=False)
    report = build_report(folder, AS_OF)
    assert report.notices_unused and report.appeals is not None
    said = report.notices_unused.said("notices.csv", "rejected.csv")
    assert said.startswith("no notice of notices.csv could be used (") and said.endswith(": see rejected.csv)")
    assert said in report.metrics.set_index("metric").loc["notices_received", "note"]
    assert report.notices_unused.said(folder / "notices.csv", "out/rejected.csv") == said.replace(
        "notices.csv", str(folder / "notices.csv"), 1).replace("see rejected.csv", "see out/rejected.csv")


def test_notices_missing_a_column_switch_appeal_metrics_off_not_the_report(folder):
    frame = pd.read_csv(folder / "notices.csv", dtype=str).drop(columns=["error_type"])
    frame.to_csv(folder / "notices.csv", index=False)
    report = build_report(folder, AS_OF)
    row = report.metrics.set_index("metric").loc["notices_received"]
    assert not row["available"] and "missing required column 'error_type'" in row["note"]
    assert report.metrics.set_index("metric").loc["clean_claim_rate", "available"]


@pytest.fixture
def remits_folder(folder):
    (folder / "recoupments.csv").unlink()
    (folder / "remits").mkdir()
    (folder / "remits" / "one.835").write_text("ST*835*0001~SE*2*0001~", encoding="utf-8")
    (folder / "remits" / "notes.txt").write_text("not a remittance", encoding="utf-8")
    return folder


def test_remits_are_read_through_recoup_lib_remit_when_present(remits_folder, monkeypatch):
    seen = []

    def read_835(paths):
        seen.extend(Path(p).name for p in paths)
        recoupments = pd.DataFrame({
            "file": ["one.835"], "trace_number": ["T9"], "payment_date": pd.to_datetime(["2025-05-05"]),
            "claim_id": ["C1"], "amount_cents": [12345], "mechanism": ["offset"], "reason_code": ["WO"],
            "reference": ["ICN"], "match": ["claim"]})
        transactions = pd.DataFrame({"balanced": [True, False]})
        return types.SimpleNamespace(recoupments=recoupments, transactions=transactions,
                                     problems=pd.DataFrame({"message": ["x"]}), loaded=True)

    module = types.ModuleType("recoup_lib.remit")
    module.read_835 = read_835
    monkeypatch.setitem(sys.modules, "recoup_lib.remit", module)
    report = build_report(remits_folder, AS_OF)
    assert seen == ["one.835"]
    assert metric_value(report.metrics, "recoupment_dollars") == 12345
    assert report.recoupment_source == "remits/ (1 file)"
    assert any("1 unbalanced transaction" in m for m in report.messages)
    assert "match" in report.recoupments.columns


def test_report_md_escapes_names_from_the_inputs(tmp_path):
    target = tmp_path / "f"
    shutil.copytree(demo_path("family_practice"), target)
    providers = pd.read_csv(target / "providers.csv", dtype=str)
    providers["name"] = "<script>alert(1)</script> [x](http://e.vil) | pipe"
    providers.to_csv(target / "providers.csv", index=False)
    out = tmp_path / "out"
    assert main(["report", str(target), "--out", str(out), "--as-of", AS_OF]) == 0
    page = (out / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in page and "](http://e.vil)" not in page
    assert "&lt;script&gt;" in page


def test_cli_out_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("x", encoding="utf-8")
    assert main(["report", str(demo_path()), "--out", str(target), "--as-of", AS_OF]) == 2
    err = _one_line(capsys.readouterr().err)
    assert f"--out {target}: a file is in the way" in err


def test_an_as_of_before_the_first_date_of_service_is_a_usage_error(tmp_path, capsys):
    folder = demo_path("family_practice")
    out = tmp_path / "out"
    assert main(["report", str(folder), "--as-of", "1900-01-01", "--out", str(out)]) == 2
    said = capsys.readouterr().err
    assert "--as-of 1900-01-01 is before the folder's first date of service" in said
    assert not out.exists()


def _generated_with_remits(tmp_path) -> Path:
    out = tmp_path / "practice"
    assert main(["generate", "--lines", "400", "--seed", "5", "--out", str(out)]) == 0
    return out


def test_835s_saved_as_txt_or_without_a_suffix_count_as_recoup_remit_reads_them(tmp_path, capsys):
    """A payer portal saves ERAs as .txt or with no suffix; recoup remit reads them by their content,
    and the report read only .835/.edi/.x12, so its money taken back came out smaller."""
    folder = _generated_with_remits(tmp_path)
    named = build_report(folder)
    files = [f for f in sorted((folder / "remits").rglob("*.835")) if b"PLB" in f.read_bytes()]  # take-backs
    assert len(files) >= 2
    files[0].rename(files[0].with_suffix(".txt"))
    files[1].rename(files[1].with_suffix(""))
    (folder / "remits" / "claims.txt").write_text("ISA*00*~GS*HC~ST*837*0001~SE*2*0001~", encoding="utf-8")
    renamed = build_report(folder)
    assert metric_value(renamed.metrics, "recoupment_dollars") == metric_value(named.metrics, "recoupment_dollars")
    assert renamed.recoupment_source == named.recoupment_source


def test_remits_with_nothing_usable_switch_the_money_taken_back_off_not_to_zero(tmp_path, capsys):
    folder = _generated_with_remits(tmp_path)
    shutil.rmtree(folder / "remits")
    (folder / "remits").mkdir()
    (folder / "remits" / "era.835").write_text("ISA*00*broken~", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["report", str(folder), "--out", str(out)]) == 0
    row = _metrics(out)["recoupment_dollars"]
    assert row["available"] == "false" and "no transaction of remits/ (1 file) could be used" in row["note"]
    assert "Money taken back: off" in capsys.readouterr().out


def test_835s_of_other_claims_are_left_out_of_the_recoupment_rate_and_said(tmp_path, capsys):
    """A folder whose remits/ pay another practice's claims showed a recoupment rate of 1204.75%, with no
    warning: money taken back on other claims was divided by this folder's payments."""
    folder = _generated_with_remits(tmp_path)
    own = build_report(folder)
    assert metric_value(own.metrics, "recoupment_rate") > 0
    assert not [m for m in own.messages if "does not hold" in m]
    for path in (folder / "remits").rglob("*.835"):
        path.write_bytes(path.read_bytes().replace(b"CLP*C", b"CLP*X"))
    out = tmp_path / "out"
    assert main(["report", str(folder), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    rows = _metrics(out)
    assert rows["recoupment_dollars"]["numerator"] == f"{metric_value(own.metrics, 'recoupment_dollars') / 100:.2f}"
    rate = rows["recoupment_rate"]
    assert float(rate["numerator"]) == 0 and "on claims not in claim_lines.csv" in rate["note"]
    claims = own.remit.payments["claim_id"].nunique()
    warning = f"mostly pay claims this folder does not hold: 0 of {claims} claims match"
    assert warning in printed
    assert warning in (out / "report.md").read_text(encoding="utf-8")
