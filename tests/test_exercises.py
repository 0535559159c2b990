"""Exercises: questions, instant feedback, recorded answers, grading, trainee copies."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup_lib.cli import main
from recoup_lib.errors import InputError, UsageError
from recoup_lib.exercises import (
    SCORE_COLUMNS,
    all_exercises,
    build_all,
    get_exercise,
    grade_paths,
    grade_records,
    normalise,
    run_checks,
    solution_text,
    start,
    strip_solutions,
    trainee_notebook,
)
from recoup_lib.exercises._registry import KINDS, _cents
from recoup_lib.money import dollars

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "exercises"
MASTERS = sorted((FOLDER / "masters").glob("ex*.ipynb"))
LESSON_MAP = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")


def _expected_answers(exercise, params=None):
    m = exercise.materials(params)
    out = {}
    for qid, q in exercise.questions.items():
        value = q.expected(m)
        if q.kind == "money":
            value = dollars(int(value))
        elif q.kind == "date":
            value = f"{pd.Timestamp(value):%Y-%m-%d}"
        elif q.kind == "keys":
            value = sorted(value)
        out[qid] = normalise(value)
    return out


# --- solution markers --------------------------------------------------------------------------

def test_strip_solutions_default_placeholder_replaces_the_region():
    source = 'x = 1\n### BEGIN SOLUTION\nanswer = "denial"\n### END SOLUTION\nex.check("q1", answer)'
    assert strip_solutions(source) == 'x = 1\nanswer = None  # your answer\nex.check("q1", answer)'


def test_strip_solutions_custom_placeholder_keeps_indentation():
    source = "def rule(ctx):\n    ### BEGIN SOLUTION | return None  # your code\n    return 1\n    ### END SOLUTION"
    assert strip_solutions(source) == "def rule(ctx):\n    return None  # your code"


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1", "without '### END SOLUTION'"),
    ("x = 1\n### END SOLUTION", "line 2: '### END SOLUTION' without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "line 2: .* inside another"),
])
def test_strip_solutions_unbalanced_markers_raise_naming_the_line(source, message):
    with pytest.raises(InputError, match=message):
        strip_solutions(source, "ex99.ipynb, cell 3")


def test_trainee_notebook_drops_solution_cells_and_outputs():
    master = nbformat.v4.new_notebook()
    master.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)"}}
    code = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nanswer = 3\n### END SOLUTION\nanswer")
    code.outputs = [nbformat.v4.new_output("stream", text="3")]
    code.execution_count = 4
    secret = nbformat.v4.new_markdown_cell("the answer is 3", metadata={"tags": ["solution"]})
    master.cells = [nbformat.v4.new_markdown_cell("# T"), code, secret]
    book = trainee_notebook(master, "ex99_x.ipynb")
    assert [c.cell_type for c in book.cells] == ["markdown", "code"]
    assert book.cells[1].source == "answer = None  # your answer\nanswer"
    assert book.cells[1].outputs == [] and book.cells[1].execution_count is None
    assert book.metadata["recoupkit"]["generated_from"] == "masters/ex99_x.ipynb"
    assert master.cells[1].outputs  # the master is not changed


# --- the committed notebooks -----------------------------------------------------------------

def test_every_exercise_named_in_the_lesson_map_has_a_master():
    named = set(re.findall(r"exercises/(ex\d\d_\w+)", LESSON_MAP))
    assert named <= {p.stem for p in MASTERS}


def test_every_master_has_a_registered_exercise_and_a_trainee_copy():
    registered = set(all_exercises())
    for path in MASTERS:
        assert path.stem in registered, f"{path.name}: no exercise registered under that name"
        assert (FOLDER / path.name).is_file(), f"{path.name}: no trainee copy; run recoup exercises build"


def test_committed_trainee_copies_equal_a_fresh_build():
    stale = build_all(FOLDER, check=True)
    assert stale == [], f"trainee copies differ from their masters: {[p.name for p in stale]}; " \
                        "run `recoup exercises build`"


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.name)
def test_trainee_copy_leaks_no_solution_text(master):
    book = nbformat.read(master, as_version=4)
    copy = (FOLDER / master.name).read_text(encoding="utf-8")
    trainee_text = "\n".join(c.source for c in nbformat.reads(copy, as_version=4).cells)
    secret = solution_text(book)
    assert secret, f"{master.name}: a master without solutions"
    leaked = [line for line in secret if len(line) > 3 and line in trainee_text.split("\n")
              or len(line) > 12 and line in trainee_text]
    assert not leaked, f"{master.name}: solution lines in the trainee copy: {leaked}"
    assert "BEGIN SOLUTION" not in copy and "END SOLUTION" not in copy


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.name)
def test_trainee_copy_asks_every_question_unanswered(master):
    exercise = get_exercise(master.stem)
    cells = [c for c in nbformat.read(FOLDER / master.name, as_version=4).cells if c.cell_type == "code"]
    asked = re.findall(r'check\("(q\d+)"', "\n".join(c.source for c in cells))
    assert sorted(set(asked)) == sorted(exercise.questions), "every question is asked once"
    assert all("# your" in c.source for c in cells if 'check("q' in c.source)


def test_build_writes_the_same_bytes_twice(tmp_path):
    first = build_all(FOLDER, tmp_path / "a")
    second = build_all(FOLDER, tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second] == [p.name for p in MASTERS]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second))


@pytest.mark.parametrize("minor", [4, 5])
def test_a_master_without_cell_ids_builds_the_same_bytes_every_time_without_a_warning(tmp_path, minor):
    """A master written by hand or by an older tool has no cell ids: nbformat would invent random ones."""
    import warnings

    master = {"cells": [{"cell_type": "markdown", "source": "# Spot the cause", "metadata": {}},
                        {"cell_type": "code", "id": "cell-2", "source": "y = 2", "metadata": {},
                         "outputs": [], "execution_count": None},
                        {"cell_type": "code", "source": "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n",
                         "metadata": {}, "outputs": [], "execution_count": None}],
              "metadata": {}, "nbformat": 4, "nbformat_minor": minor}
    (tmp_path / "masters").mkdir()
    (tmp_path / "masters" / "ex01_by_hand.ipynb").write_text(json.dumps(master), encoding="utf-8")
    built = []
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            [copy] = build_all(tmp_path, tmp_path / f"out{len(built)}")
        built.append(copy.read_bytes())
    assert built[0] == built[1]
    ids = [cell["id"] for cell in json.loads(built[0])["cells"]]
    assert ids[0] == "cell-0" and ids[1] == "cell-2" and len(set(ids)) == 3


def test_build_check_reports_a_stale_copy(tmp_path, capsys):
    (tmp_path / "masters").mkdir()
    master = MASTERS[0]
    (tmp_path / "masters" / master.name).write_bytes(master.read_bytes())
    assert main(["exercises", "build", "--folder", str(tmp_path), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["exercises", "build", "--folder", str(tmp_path)]) == 0
    assert main(["exercises", "build", "--folder", str(tmp_path), "--check"]) == 0


def test_build_without_masters_fails_with_a_message(tmp_path, capsys):
    assert main(["exercises", "build", "--folder", str(tmp_path)]) == 1
    assert "no master notebooks" in capsys.readouterr().err


# --- questions: the key's own answers pass everything -----------------------------------------

@pytest.mark.parametrize("name", sorted(all_exercises()))
def test_every_question_explains_its_rule_and_cites_a_source(name):
    exercise = get_exercise(name)
    assert 5 <= len(exercise.questions) <= 10
    for q in exercise.questions.values():
        assert q.prompt and len(q.rule) > 40, f"{name} {q.qid}: explain the rule"
        assert re.search(r"docs/sources\.md|lesson \d\d|https?://", q.source), \
            f"{name} {q.qid}: cite docs/sources.md or a lesson"


@pytest.mark.parametrize("name", sorted(all_exercises()))
def test_expected_answers_pass_public_and_hidden_checks(name):
    exercise = get_exercise(name)
    m = exercise.materials()
    for qid, answer in _expected_answers(exercise).items():
        status, hints = run_checks(exercise.questions[qid], answer, m, hidden=True)
        assert status == "passed", f"{name} {qid}: {hints}"


# --- a session: instant feedback and the answer file ---------------------------------------------

@pytest.fixture
def session(tmp_path):
    return start("ex00_recoupment_or_denial", trainee="Ana Lima", answers=tmp_path)


def test_check_unanswered_says_not_answered_and_writes_nothing(session):
    feedback = session.check("q1", None)
    assert feedback.status == "not answered" and "not answered yet" in str(feedback)
    assert session.check("q2", ...).status == "not answered"
    assert not session.path.exists()


def test_check_right_answer_says_public_checks_passed_never_all_passed(session):
    answer = _expected_answers(session.exercise)["q1"]
    feedback = session.check("q1", answer)
    text = feedback._repr_markdown_()
    assert feedback.passed and "public checks passed" in text and "all passed" not in text.lower()
    assert session.exercise.questions["q1"].rule in text


def test_check_wrong_answer_explains_without_giving_the_answer(session):
    expected = _expected_answers(session.exercise)
    wrong = next(c for c in ("recoupment", "denial", "neither") if c != expected["q1"])
    feedback = session.check("q1", wrong)
    assert feedback.status == "failed"
    hints = " ".join(feedback.hints)
    assert expected["q1"] not in hints
    money = session.check("q4", "0.01")
    assert money.status == "failed" and expected["q4"].lstrip("$") not in str(money)


def test_check_unreadable_answer_names_the_form_expected(session):
    feedback = session.check("q7", "next tuesday")
    assert feedback.status == "unreadable" and "YYYY-MM-DD" in " ".join(feedback.hints)
    assert session.check("q1", "maybe").hints[0].startswith("expected one of recoupment, denial, neither")


def test_check_records_answers_and_attempts_in_the_trainee_file(session):
    session.check("q5", "overpayment")
    session.check("q5", "eligibility")
    record = json.loads(session.path.read_text(encoding="utf-8"))
    assert session.path.parent.name == "Ana_Lima"
    assert record["exercise"] == "ex00_recoupment_or_denial" and record["trainee"] == "Ana Lima"
    assert record["answers"]["q5"] == {"answer": "eligibility", "public_passed": True, "attempts": 2}
    assert record["params"]["SEED"] == 0


def test_start_again_resumes_the_answers_with_the_same_parameters(session, tmp_path):
    session.check("q5", "eligibility")
    again = start("ex00_recoupment_or_denial", trainee="Ana Lima", answers=tmp_path)
    assert again.summary().set_index("question").loc["q5", "attempts"] == 1
    other_seed = start("ex00_recoupment_or_denial", trainee="Ana Lima", answers=tmp_path, SEED=5)
    assert other_seed.summary()["attempts"].sum() == 0


def test_start_refuses_an_answer_file_that_is_not_utf8_json_naming_it(session, tmp_path):
    """An answer file edited by hand and saved in Windows-1252 ended start() in a UnicodeDecodeError
    traceback in the notebook: it is refused, named, as grading refuses it."""
    session.check("q5", "eligibility")
    session.path.write_bytes(session.path.read_bytes().replace(b"eligibility", b"elegibilit\xe9"))
    with pytest.raises(InputError, match=rf"{re.escape(str(session.path))}: expected an answer file"):
        start("ex00_recoupment_or_denial", trainee="Ana Lima", answers=tmp_path)


@pytest.mark.parametrize("text", ["[1, 2]", '"answers"', "null"])
def test_start_refuses_an_answer_file_of_json_that_is_not_an_object_naming_it(session, tmp_path, text):
    """A list in the answer file ended start() in an AttributeError at ``old.get``; it is refused,
    named, in the words grading uses for it."""
    session.check("q5", "eligibility")
    session.path.write_text(text, encoding="utf-8")
    said = rf"{re.escape(str(session.path))}, field '\(whole file\)': expected an answer record"
    with pytest.raises(InputError, match=said):
        start("ex00_recoupment_or_denial", trainee="Ana Lima", answers=tmp_path)
    with pytest.raises(InputError, match=said):
        grade_paths([session.path])


@pytest.mark.parametrize("answers, field_name", [("[1, 2]", "answers"), ('"q5"', "answers"),
                                                  ('{"q5": ["eligibility"]}', "answers.q5")])
def test_start_refuses_answers_that_are_not_an_object_naming_the_file_and_field(session, tmp_path, answers,
                                                                                 field_name):
    """An answer file whose ``answers`` (or one question's entry) was edited into a list or a string was
    resumed by start(), and the next check() or summary() ended in an AttributeError: it is refused,
    naming the file and the field, in the words grading uses for it."""
    session.check("q5", "eligibility")
    record = json.loads(session.path.read_text(encoding="utf-8"))
    record["answers"] = json.loads(answers)
    session.path.write_text(json.dumps(record), encoding="utf-8")
    said = rf"{re.escape(str(session.path))}, field '{re.escape(field_name)}': expected a JSON object"
    with pytest.raises(InputError, match=said):
        start("ex00_recoupment_or_denial", trainee="Ana Lima", answers=tmp_path)
    with pytest.raises(InputError, match=said):
        grade_paths([session.path])


def test_unknown_names_raise_with_the_closest_match(session):
    with pytest.raises(UsageError, match="did you mean 'ex00_recoupment_or_denial'"):
        start("ex00_recoupment_or_denail", trainee="x")
    with pytest.raises(UsageError, match="no question 'q99'"):
        session.check("q99", 1)
    with pytest.raises(UsageError, match="unknown parameter.*SEEDS"):
        start("ex00_recoupment_or_denial", trainee="x", SEEDS=1)
    with pytest.raises(UsageError, match="trainee"):
        start("ex00_recoupment_or_denial", trainee="  ")


def test_other_seeds_show_other_lines():
    exercise = get_exercise("ex00_recoupment_or_denial")
    claims = {tuple(sorted(h["claim_id"].iloc[0] for h in exercise.materials({"SEED": s})["lines"].values()))
              for s in range(4)}
    assert len(claims) > 1


def test_ex00_calls_a_line_denied_as_the_report_does():
    """ex00 called any line paid nothing with a reason code a denial, where the report (and lesson 00)
    does not: a deductible's PR-1 on an allowed line, or CO-45 on 0 paid, is no denial; 0 allowed is
    one without a code."""
    from recoup_lib.exercises.content.ex00_recoupment_or_denial import kind_of_line
    from recoup_lib.report import line_status

    def history(allowed, paid, code):
        return pd.DataFrame({"claim_id": "C1", "line_no": 1, "allowed_cents": pd.array(allowed, dtype="Int64"),
                             "paid_cents": paid, "denial_code": code})

    cases = [history([8000], [0], ["PR-1"]), history([8000], [0], ["CO-45"]), history([0], [0], [""]),
             history([0], [0], ["CO-16"]), history([8000, 8000], [6400, -6400], ["CO-45", "CO-129"])]
    assert [kind_of_line(h) for h in cases] == ["neither", "neither", "denial", "denial", "recoupment"]
    lines = pd.DataFrame({"claim_id": ["C1"], "line_no": [1]})
    assert [bool(line_status(lines, h)["denied"].iloc[0]) for h in cases[:4]] == [False, False, True, True]


def test_ex06_answers_agree_with_the_dashboard_metrics():
    exercise = get_exercise("ex06_prevention_dashboard")
    m = exercise.materials()
    metrics = m["report"].metrics.set_index("metric")["value"]
    q = exercise.questions
    assert abs(100 * q["q1"].expected(m) - metrics["clean_claim_rate"]) < 1e-9
    assert abs(100 * q["q2"].expected(m) - metrics["denial_rate_lines"]) < 1e-9
    assert q["q3"].expected(m) == m["report"].metrics.set_index("metric").loc["recoupment_dollars", "numerator"]
    trend = m["report"].trend
    assert q["q6"].expected(m) == int(trend.loc[trend["month"] == m["month"], "at_risk_capped_cents"].iloc[0])


def test_ex06_month_answers_add_up_to_the_money_at_risk_and_seeds_pick_other_months():
    exercise = get_exercise("ex06_prevention_dashboard")
    q6 = exercise.questions["q6"]
    m = exercise.materials()
    months = m["report"].trend.loc[m["report"].trend["lines"] > 0, "month"]
    assert sum(q6.expected({**m, "month": month}) for month in months) == m["report"].audit.total_at_risk_cents
    assert len({exercise.materials({"SEED": seed})["month"] for seed in range(6)}) > 1


def test_ex06_every_cause_has_one_prevention_step_among_the_choices():
    from recoup_lib.exercises.content.ex06_prevention_dashboard import PREVENTION_STEPS, STEP_CHOICES
    from recoup_lib.rules import CATEGORY_LABELS

    assert set(PREVENTION_STEPS) == set(CATEGORY_LABELS)
    assert len(set(PREVENTION_STEPS.values())) == len(PREVENTION_STEPS)
    assert set(PREVENTION_STEPS.values()) < set(STEP_CHOICES)
    assert get_exercise("ex06_prevention_dashboard").questions["q8"].choices == STEP_CHOICES


# --- grading -----------------------------------------------------------------------------------

def test_grade_money_close_passes_public_but_not_hidden(session):
    expected = _cents(_expected_answers(session.exercise)["q4"])
    off = session.exercise.questions["q4"]
    m = session.materials
    close = dollars(expected + max(1, expected // 300))
    status, _ = run_checks(off, close, m, hidden=False)
    if status != "passed":
        pytest.skip("this amount is too small for a public tolerance")
    session.check("q4", close)
    row = grade_records([session.record]).set_index("question").loc["q4"]
    assert row["public_passed"] and not row["hidden_passed"] and row["score"] == 0
    assert row["hint"] == "not exact to the cent"


def test_keys_with_the_right_count_but_wrong_lines_pass_public_and_fail_hidden():
    exercise = get_exercise("ex07_write_a_check")
    m = exercise.materials()
    right = sorted(exercise.questions["q1"].expected(m))
    wrong = right[:-1] + ["C9999999/1"]
    q1 = exercise.questions["q1"]
    assert run_checks(q1, wrong, m, hidden=False) == ("passed", [])
    assert run_checks(q1, wrong, m, hidden=True) == ("failed", ["the set is not exactly the right one"])
    status, hints = run_checks(q1, right[:-1], m, hidden=False)
    assert status == "failed" and hints[0].startswith(f"you named {len(right) - 1}")


def test_number_answers_accept_shares_and_percentages_within_the_public_tolerance():
    exercise = get_exercise("ex07_write_a_check")
    m = exercise.materials()
    q4 = exercise.questions["q4"]
    share = float(q4.expected(m))
    assert run_checks(q4, f"{share * 100:.1f}%", m, hidden=False)[0] == "passed"
    assert run_checks(q4, round(share, 3), m, hidden=True)[0] == "passed"
    assert run_checks(q4, share + 0.003, m, hidden=False)[0] == "passed"
    assert run_checks(q4, share + 0.003, m, hidden=True) == ("failed", ["not precise to 3 decimals"])
    assert run_checks(q4, share + 0.05, m, hidden=False)[0] == "failed"


def test_grade_scores_every_question_answered_or_not(session):
    answers = _expected_answers(session.exercise)
    session.check("q1", answers["q1"])
    session.check("q2", "zzz")
    table = grade_records([session.record])
    assert list(table.columns) == SCORE_COLUMNS
    assert list(table["question"]) == list(session.exercise.questions)
    by_q = table.set_index("question")
    assert by_q.loc["q1", "score"] == 1 and by_q.loc["q2", "score"] == 0
    assert not by_q.loc["q3", "answered"] and by_q.loc["q3", "hint"] == "not answered"
    assert table["score"].sum() == 1


def test_grade_cli_writes_scores_per_trainee_to_csv(tmp_path, capsys):
    for trainee, right in (("ana", True), ("ben", False)):
        s = start("ex00_recoupment_or_denial", trainee=trainee, answers=tmp_path / "answers")
        answers = _expected_answers(s.exercise)
        for qid, answer in answers.items():
            s.check(qid, answer if right else "1999-01-01" if qid in ("q7", "q8") else answer)
    out = tmp_path / "scores.csv"
    assert main(["exercises", "grade", str(tmp_path / "answers"), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == SCORE_COLUMNS
    totals = {t: sum(int(r["score"]) for r in rows if r["trainee"] == t) for t in ("ana", "ben")}
    n = len(get_exercise("ex00_recoupment_or_denial").questions)
    assert totals == {"ana": n, "ben": n - 2}
    assert "ana" in capsys.readouterr().out


def test_grade_a_trainee_notebook_finds_its_answers_by_the_trainee_parameter(tmp_path):
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell('TRAINEE = "Ana Lima"\nSEED = 0')]
    notebook = tmp_path / "ex00_recoupment_or_denial.ipynb"
    nbformat.write(book, notebook)
    with pytest.raises(InputError, match="no answers at .*Ana_Lima"):
        grade_paths([notebook])
    s = start("ex00_recoupment_or_denial", trainee="Ana Lima", answers=tmp_path / "answers")
    s.check("q5", "eligibility")
    table = grade_paths([notebook])
    assert set(table["trainee"]) == {"Ana Lima"} and table["score"].sum() == 1
    book.cells = [nbformat.v4.new_code_cell("SEED = 0")]
    nbformat.write(book, notebook)
    with pytest.raises(InputError, match="no TRAINEE"):
        grade_paths([notebook])


def test_grade_paths_bad_files_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        grade_paths([tmp_path / "missing.json"])
    (tmp_path / "moved.json").symlink_to(tmp_path / "gone.json")
    said = f"moved.json: a link to {tmp_path / 'gone.json'}, which does not exist"
    with pytest.raises(InputError, match=re.escape(said)):
        grade_paths([tmp_path / "moved.json"])
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="bad.json: expected an answer file"):
        grade_paths([bad])
    bad.write_text('{"x": 1}', encoding="utf-8")
    with pytest.raises(InputError, match="'exercise', 'trainee' and 'answers'"):
        grade_paths([tmp_path])


# --- answers as values -------------------------------------------------------------------------

def test_normalise_makes_plain_json_values():
    value = normalise({"a": np.int64(3), "b": {"C2", "C1"}, "d": pd.Timestamp("2025-01-02"),
                       "e": pd.Series([1, 2])})
    assert value == {"a": 3, "b": ["C1", "C2"], "d": "2025-01-02", "e": [1, 2]}
    assert json.loads(json.dumps(value)) == value


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_money_answers_read_back_every_amount_as_written(cents):
    assert _cents(dollars(cents)) == cents
    assert _cents(f"{cents / 100:.2f}") == cents
    assert KINDS["money"].read(str(cents // 100)) == cents // 100 * 100


def test_ex09s_private_folder_goes_when_the_kernel_ends():
    """The exercise writes its messy export to a private temporary folder the trainee opens while
    the kernel runs; an interpreter that ends normally (a kernel shut down or restarted) removes it."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("from recoup_lib.exercises.content.ex09_your_own_data import build\n"
            "folder = build(5)['folder']\n"
            "assert (folder / 'charges.csv').is_file()\n"
            "print(folder)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    folder = Path(done.stdout.strip())
    assert folder.name.startswith("ex09-5-") and not folder.exists()


def test_ex09s_variants_follow_the_header_names_of_the_export_generator(monkeypatch):
    """The typed, renamed and grouped copies find their columns by the generator's own header names,
    so the exercise keeps working if the export's "charge detail" family is renamed."""
    from recoup_lib.exercises.content import ex09_your_own_data as ex09
    from recoup_lib.synthetic._export import HEADER_STYLES

    style = HEADER_STYLES["charge_detail"]
    monkeypatch.setitem(style, "claim_id", "Claim No")
    monkeypatch.setitem(style, "service_date", "Date of Service")
    materials = {"folder": Path(ex09._folder.__wrapped__(31)), "seed": 31}
    header = (materials["folder"] / "charges_svc.csv").read_bytes().decode("cp1252").splitlines()[4].split(",")
    assert "Claim No" in header and "Seen On" in header and "Date of Service" not in header
    assert len(ex09._typed_keys(materials)) == 3
    assert ex09._grouped_lines_used(materials) == ex09.LINES


def test_ex09_renames_the_date_of_service_to_a_header_the_kit_does_not_know():
    """Question 6 asks for --column because the kit does not know the header; the day the header
    list learns it (as it learned 'Svc Dt'), the exercise must pick another."""
    from recoup_lib.ingest._fields import propose

    assert "service_date" not in propose("claims", ["Claim #", "Seen On", "Date Billed"]).columns
