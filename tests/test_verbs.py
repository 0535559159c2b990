"""One call per pipeline step, each returning a StepResult: write(out) lists the files, summary() the words.

Also: a bad argument to a library function raises InvalidParameterError (a
ValueError), and the command line turns one that came from an option into
exit status 2 with the same message.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from recoup_lib.appeals import appeal_folder, load_profiles
from recoup_lib.cli import main
from recoup_lib.errors import InvalidParameterError, UsageError
from recoup_lib.outputs import MANIFEST
from recoup_lib.report import build_report
from recoup_lib.results import StepResult
from recoup_lib.rules import audit_folder
from recoup_lib.sampling import appraise_variable, select_sample
from recoup_lib.synthetic import generate_practice
from recoup_lib.synthetic.demo import demo_path

DEMO = demo_path("family_practice")
APPEALS = Path(__file__).parent / "data" / "appeals" / "folder"


def _written_inside(paths, out: Path) -> None:
    assert paths and all(isinstance(p, Path) for p in paths)
    assert all(p.is_file() and out in p.parents for p in paths), paths
    assert len(set(paths)) == len(paths)


@pytest.fixture(scope="module")
def practice():
    return generate_practice(lines=400, seed=12)


@pytest.fixture(scope="module")
def audit():
    return audit_folder(DEMO)


def test_generate_practice_result_writes_the_folder_and_lists_every_file(practice, tmp_path):
    assert isinstance(practice, StepResult)
    paths = practice.write(tmp_path / "p", remits=False)
    _written_inside(paths, tmp_path / "p")
    assert {p.name for p in paths} >= {"claim_lines.csv", "labels.csv", "notices.csv", "practice.json"}
    # Beside the files listed, the folder holds the kit's manifest of what it wrote (output safety).
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == sorted([p.name for p in paths] + [MANIFEST])


def test_generate_practice_summary_counts_lines_labels_and_notices(practice):
    text = practice.summary()
    assert text.startswith(f"{practice.profile.title}: 400 claim lines, seed 12, ")
    assert f"({len(practice.labels):,} labels)" in text.splitlines()[0]
    assert f"payer review: {len(practice.notices):,} notices" in text


@pytest.mark.parametrize("kwargs, message", [
    ({"lines": 10}, "at least 50 lines"),
    ({"profile": "nope"}, "unknown profile 'nope'"),
    ({"start": "2025-13-01"}, "start must be a real date written YYYY-MM-DD; got .2025-13-01."),
    ({"start": "2025-05-01", "end": "2025-01-01"}, "ends .* before it starts"),
    ({"lines": 60, "error_rate": 0.9}, "error rate must be between 0 and 0.5"),
])
def test_generate_practice_bad_argument_is_an_invalid_parameter_and_a_value_error(kwargs, message):
    with pytest.raises(InvalidParameterError, match=message) as caught:
        generate_practice(**{"lines": 100, **kwargs})
    assert isinstance(caught.value, ValueError)


def test_audit_result_write_lists_findings_and_summaries(audit, tmp_path):
    paths = audit.write(tmp_path / "a")
    _written_inside(paths, tmp_path / "a")
    assert [p.name for p in paths][:3] == ["findings.csv", "findings_detail.csv", "summary.csv"]
    assert (tmp_path / "a" / "run.json") in paths


def test_audit_result_summary_reads_as_the_command_prints_it(audit, capsys, tmp_path):
    text = audit.summary()
    assert "claim_lines.csv: 3,000 rows read = 3,000 used + 0 set aside (folder)" in text
    assert f"{len(audit.findings)} findings on " in text and "at risk (each line capped at what was paid)" in text
    assert main(["audit", str(DEMO), "--out", str(tmp_path / "a")]) == 0
    # A line names every file written (it named findings.csv alone, hiding the summary, the rows set
    # aside and run.json the contract lists); the last one the next command, on the user's own paths
    # (only recoup import said one): scoring against the answer key the folder holds, or the report.
    assert capsys.readouterr().out == text + (
        f"\nwrote 6 files to {tmp_path / 'a'} (findings.csv, findings_detail.csv, summary.csv, summary.md, "
        f"rejected.csv, run.json)\nnext: recoup score {tmp_path / 'a' / 'findings.csv'} {DEMO / 'labels.csv'}, "
        f"or recoup report {DEMO} --out REPORT\n")


def test_audit_result_summary_with_a_dimension_is_the_totals_table(audit):
    assert audit.summary("payer").equals(audit.totals("payer"))
    assert int(audit.totals("category")["at_risk_capped_cents"].sum()) == audit.total_at_risk_cents


def test_audit_totals_unknown_dimension_is_an_invalid_parameter(audit):
    with pytest.raises(InvalidParameterError, match="by must be one of"):
        audit.totals("colour")


def test_select_sample_result_writes_sample_design_and_strata(tmp_path):
    frame = pd.DataFrame({"claim_id": [f"C{i:03d}" for i in range(60)], "paid": range(60)})
    selection = select_sample(frame, "claim_id", 10, seed=4, spares=2)
    assert isinstance(selection, StepResult)
    paths = selection.write(tmp_path / "s", frame_file="frame.csv")
    _written_inside(paths, tmp_path / "s")
    assert [p.name for p in paths] == ["sample.csv", "sample_design.json", "strata.csv"]
    design = json.loads((tmp_path / "s" / "sample_design.json").read_text())
    assert design == dict(selection.design, frame_file="frame.csv")
    written = pd.read_csv(tmp_path / "s" / "sample.csv", dtype=str)
    assert written["sample_id"].tolist() == selection.sample["sample_id"].tolist()
    assert selection.summary() == "10 unit(s) and 2 spare(s) drawn from 60 with seed 4 " \
                                  "(simple random sampling without replacement)."


def test_select_sample_bad_size_is_an_invalid_parameter_not_a_usage_error():
    frame = pd.DataFrame({"claim_id": ["A", "B"]})
    with pytest.raises(InvalidParameterError, match="larger than the frame") as caught:
        select_sample(frame, "claim_id", 5, seed=1)
    assert not isinstance(caught.value, UsageError)


def test_appraise_variable_result_writes_the_json_extrapolate_prints(tmp_path):
    sample = pd.DataFrame({"overpayment_cents": [0, 4520, 0, 11200, 0, 3875]})
    appraisal = appraise_variable(sample, universe_size=600)
    paths = appraisal.write(tmp_path / "x")
    _written_inside(paths, tmp_path / "x")
    assert json.loads(paths[0].read_text()) == json.loads(json.dumps(appraisal.to_dict()))
    limits = pd.read_csv(paths[1])
    assert limits["confidence"].tolist() == [0.8, 0.9, 0.95]
    assert appraisal.summary() == appraisal.report() and "point estimate" in appraisal.summary()


def test_appeal_folder_decides_every_notice_with_the_folders_audit():
    result = appeal_folder(APPEALS, "2025-06-20")
    assert isinstance(result, StepResult)
    assert len(result.decisions) == 6 and result.as_of.isoformat() == "2025-06-20"
    assert result.audit.findings is not None and result.inputs.notices["notice_id"].tolist() == \
        result.decisions["notice_id"].tolist()
    text = result.summary()
    assert text.startswith("as of 2025-06-20; 6 notice(s) decided: ")
    assert "  notices.csv: 8 read = 6 used + 2 set aside" in text
    earlier = appeal_folder(APPEALS, "2025-01-15")  # two notices had not arrived yet: set aside, not decided
    assert len(earlier.decisions) == 4 and "  notices.csv: 8 read = 4 used + 4 set aside" in earlier.summary()


def test_appeal_folder_without_as_of_counts_from_the_folders_latest_date():
    result = appeal_folder(APPEALS)
    latest = max(result.inputs.notices["notice_date"].max(), result.inputs.audit.payments["payment_date"].max())
    assert result.as_of == latest.date()
    assert result.decisions.equals(appeal_folder(APPEALS, latest).decisions)


def test_appeal_folder_result_writes_tables_then_letters(tmp_path):
    result = appeal_folder(APPEALS, "2025-01-15")
    paths = result.write(tmp_path / "o")
    _written_inside(paths, tmp_path / "o")
    assert [p.name for p in paths[:4]] == ["decisions.csv", "worklist.csv", "appeal_path.csv", "rejected.csv"]
    assert len(paths) == 4 + 2 * len(result.letters)


def test_appeal_folder_profiles_folder_that_does_not_exist_is_an_invalid_parameter(tmp_path):
    with pytest.raises(InvalidParameterError, match="profiles: no such folder"):
        appeal_folder(APPEALS, "2025-01-15", profiles=tmp_path / "missing")


def test_appeal_folder_uses_the_rule_tables_given():
    shipped = load_profiles()
    assert appeal_folder(APPEALS, "2025-01-15", profiles=shipped).profiles is shipped


def test_build_report_result_writes_the_dashboard_and_summarises_it(tmp_path):
    report = build_report(DEMO, "2026-03-01")
    assert isinstance(report, StepResult)
    paths = report.write(tmp_path / "r")
    _written_inside(paths, tmp_path / "r")
    assert {"metrics.csv", "trend.csv", "report.md"} <= {p.name for p in paths}
    lines = report.summary().splitlines()
    assert lines[0].startswith("as of 2026-03-01; 3,000 lines on ")
    assert any(line.startswith("  Clean claim rate: ") for line in lines)


def test_report_over_a_folder_with_notices_uses_the_appeal_step(tmp_path):
    folder = tmp_path / "f"
    shutil.copytree(APPEALS, folder)
    report = build_report(folder, "2025-01-15")
    direct = appeal_folder(folder, "2025-01-15")
    assert report.decisions["recommendation"].tolist() == direct.decisions["recommendation"].tolist()
    assert report.audit is report.appeals.audit


def test_cli_turns_an_invalid_parameter_from_an_option_into_exit_2(tmp_path, capsys):
    assert main(["generate", "--lines", "100", "--profile", "nope", "--out", str(tmp_path / "g")]) == 2
    assert capsys.readouterr().err.startswith("recoup generate: unknown profile 'nope'; known profiles: ")
    assert not (tmp_path / "g").exists()


def test_cli_score_reads_capitalised_error_types_and_warns_of_unknown_ones(tmp_path, capsys):
    labels = "claim_id,line_no,error_type,at_risk\nC1,1,upcoding,10.00\nC1,2,unbundling,5.00\n"
    findings = "claim_id,line_no,error_type,at_risk\nC1,1,UPCODING,10.00\nC1,2,made_up,5.00\n"
    (tmp_path / "labels.csv").write_text(labels, encoding="utf-8")
    (tmp_path / "findings.csv").write_text(findings, encoding="utf-8")
    assert main(["score", str(tmp_path / "findings.csv"), str(tmp_path / "labels.csv")]) == 0
    said = capsys.readouterr()
    assert "error types outside the contract's ten, scored as types of their own: 'made_up' (1 rows)" in said.err
    upcoding = next(line for line in said.out.splitlines() if line.startswith("upcoding"))
    assert upcoding.split()[1:5] == ["1", "1", "1.000", "1.000"]


def test_cli_score_checks_the_files_it_read_once(tmp_path, capsys, monkeypatch):
    from recoup_lib.rules import _scoring
    checked = []
    monkeypatch.setattr(_scoring, "checked_frame", lambda *a: checked.append(a[2]))
    (tmp_path / "labels.csv").write_text("claim_id,line_no,error_type,at_risk\nC1,1,upcoding,10.00\n", encoding="utf-8")
    assert main(["score", str(tmp_path / "labels.csv"), str(tmp_path / "labels.csv")]) == 0
    assert checked == []


def test_cli_score_lists_five_unknown_error_types_and_counts_the_others_as_every_list_does(tmp_path, capsys):
    """The warning counted the unknown types it did not list in its own words ("and 1000 more"); it
    uses :func:`recoup_lib.wording.listed`, as every list cut short does."""
    (tmp_path / "labels.csv").write_text("claim_id,line_no,error_type,at_risk\nC1,1,upcoding,10.00\n",
                                         encoding="utf-8")
    (tmp_path / "findings.csv").write_text("claim_id,line_no,error_type,at_risk\n" + "".join(
        f"C1,{n + 1},made_up_{n:04d},1.00\n" for n in range(1005)), encoding="utf-8")
    assert main(["score", str(tmp_path / "findings.csv"), str(tmp_path / "labels.csv")]) == 0
    assert "'made_up_0004' (1 rows) and 1,000 more" in capsys.readouterr().err


def test_cli_score_out_writes_dollars_without_a_column_twice(tmp_path, capsys, audit):
    audit.write(tmp_path / "a")
    assert main(["score", str(tmp_path / "a" / "findings.csv"), str(DEMO / "labels.csv"),
                 "--out", str(tmp_path / "score.csv")]) == 0
    table = pd.read_csv(tmp_path / "score.csv")
    assert list(table.columns[-4:]) == ["at_risk", "found", "flagged_at_risk", "exact_amounts"]
    assert table.set_index("error_type").loc["all", "recall"] == 1.0


def test_a_command_piped_into_a_reader_that_leaves_early_finishes_its_work(tmp_path):
    """``recoup generate ... | true``: the reader is gone before the first line is written; the command
    still writes its results and exits 0, with no "Broken pipe" message."""
    out = tmp_path / "p"
    command = (f"{sys.executable} -m recoup_lib generate --lines 300 --seed 2 --no-remits --out {out} "
               "| true; echo \"status ${PIPESTATUS[0]}\"")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "status 0", done
    assert "Broken pipe" not in done.stderr and "cannot be read" not in done.stderr, done.stderr
    assert (out / "claim_lines.csv").is_file() and (out / "practice.json").is_file()


@pytest.mark.parametrize("path", ["practice/remits", "my practice/remits", "Q1(2025)/out", "O'Brien", "a&b",
                                  "$HOME-x", 'say "a"', "tick`date`", "x;y|z>w", "~/not home", "*.835", "#1",
                                  "{a,b}", "new\nline", "my files\\", "a b\\\\c", 'a b\\"c', "a b\\$c", ""])
def test_a_path_in_a_next_line_reads_back_as_itself_in_bash(path):
    """The next: lines quoted only a path with a space: ``Q1(2025)``, ``O'Brien``, ``a&b`` and ``$HOME-x``
    came out bare and broke the shell or read as something else. Whatever the path, bash reads it back."""
    from recoup_lib.cli import shown_path

    shown = shown_path(path)
    printed = subprocess.run(["bash", "-c", f"printf %s {shown}"], capture_output=True, text=True)
    assert (printed.returncode, printed.stdout) == (0, path), shown


def test_a_windows_path_is_shown_as_cmd_reads_it():
    """Windows' cmd takes no backslash escapes: a Windows path is bare, or in double quotes as it is."""
    from recoup_lib.cli import shown_path

    assert shown_path("C:\\Users\\me\\audit") == "C:\\Users\\me\\audit"
    assert shown_path("\\\\server\\billing\\remits") == "\\\\server\\billing\\remits"
    assert shown_path("C:\\My Files\\Q1 (2025)") == '"C:\\My Files\\Q1 (2025)"'
