"""What a trainer meets in the room: dates typed as people write them, the exercise commands from any
folder, answers kept out of git, and links between lessons and exercises that lead somewhere."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup_lib.cli import main
from recoup_lib.errors import UsageError
from recoup_lib.exercises import exercises_folder, get_exercise, run_checks, start
from recoup_lib.exercises import _build
from recoup_lib.exercises._registry import Question, _date, _date_parts

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
MASTERS = sorted((EXERCISES / "masters").glob("ex*.ipynb"))
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


# --- dates as trainees type them ---------------------------------------------------------------

@pytest.fixture
def ex00(tmp_path):
    return start("ex00_recoupment_or_denial", trainee="Ana", answers=tmp_path)


def _offset_day(session) -> pd.Timestamp:
    return pd.Timestamp(session.exercise.questions["q8"].expected(session.materials))


@pytest.mark.parametrize("form", ["%B %d", "%b %d", "%m/%d", "%d %B", "%B %dth"])
def test_a_date_without_its_year_is_read_in_the_letters_year(ex00, form):
    day = _offset_day(ex00)
    typed = day.strftime(form).replace(" 0", " ").lstrip("0")
    feedback = ex00.check("q8", typed)
    assert feedback.passed, str(feedback)
    assert f"read as {day:%Y-%m-%d}" in feedback.message and "letter's date" in feedback.message


def test_a_wrong_day_without_its_year_is_wrong_for_the_day_not_for_year_1(ex00):
    day = _offset_day(ex00) + pd.Timedelta(days=1)
    feedback = ex00.check("q8", f"{day:%B} {day.day}")
    assert feedback.status == "failed"
    assert f"read as {day:%Y-%m-%d}" in feedback.message and "0001" not in str(feedback)


def test_a_date_without_its_year_grades_as_the_feedback_read_it(ex00):
    from recoup_lib.exercises import grade_records

    day = _offset_day(ex00)
    ex00.check("q8", f"{day:%B} {day.day}")
    scores = grade_records([ex00.record]).set_index("question")
    assert scores.loc["q8", "score"] == 1


def test_a_date_without_its_year_and_no_context_is_asked_for_again():
    question = Question("q1", "When?", "a rule of some length for the test " * 2, "lesson 00", "date",
                        lambda m: "2025-09-13")
    status, hints = run_checks(question, "September 13", {}, hidden=True)
    assert status == "unreadable" and "has no year" in hints[0] and "2025-09-13" in hints[0]
    assert run_checks(question, "September 13, 2025", {}, hidden=True) == ("passed", [])


@pytest.mark.parametrize("text", ["Feb 30", "13/45", "2025-02-29", "next tuesday", "Smarch 3", "13"])
def test_what_is_not_a_date_is_unreadable(text):
    assert _date(text) is None


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_usual_way_of_writing_a_date_reads_as_that_date(day):
    forms = [day.isoformat(), f"{day.month}/{day.day}/{day.year}", f"{day:%m/%d/%y}", f"{day:%Y%m%d}",
             f"{day:%B} {day.day}, {day.year}", f"{day:%b}. {day.day} {day.year}",
             f"{day:%A}, {day:%B} {day.day}, {day.year}", f"{day.day} {day:%B} {day.year}",
             f"{pd.Timestamp(day)}"]
    for text in forms:
        assert _date(text) == pd.Timestamp(day), text
    assert _date_parts(f"{day:%B} {day.day}") == (None, day.month, day.day)


@pytest.mark.parametrize(("text", "day"), [("2025-03", "2025-03-01"), ("March 2025", "2025-03-01"),
                                         ("2025-09-13T00:00:00", "2025-09-13")])
def test_other_spellings_with_a_year_read_as_before(text, day):
    assert _date(text) == pd.Timestamp(day)


def test_year_from_is_for_date_questions_only():
    exercise = get_exercise("ex00_recoupment_or_denial")
    with pytest.raises(ValueError, match="date questions only"):
        exercise.question("q99", prompt="p", rule="r", source="s", kind="money",
                          year_from=("x", lambda m: "2025-01-01"))


# --- the exercise commands from any folder -------------------------------------------------------

def test_build_check_works_from_any_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECOUP_EXERCISES", raising=False)
    assert exercises_folder() == EXERCISES
    assert main(["exercises", "build", "--check"]) == 0
    assert str(EXERCISES) in capsys.readouterr().out
    assert not any(tmp_path.iterdir())


def _answer_file(folder: Path, trainee: str = "Ana") -> Path:
    exercise = get_exercise("ex00_recoupment_or_denial")
    record = {"exercise": exercise.name, "trainee": trainee, "params": exercise.params(),
              "answers": {"q5": {"answer": "eligibility", "public_passed": True, "attempts": 1}}}
    path = folder / "answers" / trainee / f"{exercise.name}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def test_grade_without_paths_grades_the_exercises_answers_folder(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "course"
    shutil.copytree(EXERCISES / "masters", folder / "masters")
    _answer_file(folder)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECOUP_ANSWERS", raising=False)
    assert main(["exercises", "grade", "--folder", str(folder), "--out", "scores.csv"]) == 0
    out = capsys.readouterr().out
    assert f"grading the answers in {folder / 'answers'}" in out and "Ana" in out
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert scores.loc[scores["question"] == "q5", "score"].tolist() == [1]


def test_grade_without_answers_says_where_it_looked(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("RECOUP_ANSWERS", raising=False)
    (tmp_path / "masters").mkdir()
    assert main(["exercises", "grade", "--folder", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"no answers to grade in {tmp_path / 'answers'}" in err and "Traceback" not in err


def test_no_exercises_folder_anywhere_is_a_clear_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_build, "_kit_exercises", lambda: tmp_path / "kit" / "exercises")
    monkeypatch.delenv("RECOUP_EXERCISES", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=r"no exercises folder found .*pass --folder PATH"):
        exercises_folder()
    assert main(["exercises", "build"]) == 2
    assert "RECOUP_EXERCISES" in capsys.readouterr().err
    (tmp_path / "exercises" / "masters").mkdir(parents=True)
    assert exercises_folder() == tmp_path / "exercises"


def test_recoup_exercises_names_the_folder_it_was_told(tmp_path, monkeypatch):
    monkeypatch.setenv("RECOUP_EXERCISES", str(tmp_path))
    assert exercises_folder() == tmp_path
    assert exercises_folder(tmp_path / "other") == tmp_path / "other"


# --- answers stay out of git ----------------------------------------------------------------------

def _git_ignored(relative: str) -> bool:
    done = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", "--no-index", relative],
                          capture_output=True)
    if done.returncode not in (0, 1):
        pytest.skip(f"not a git checkout ({done.stderr.decode().strip()})")
    return done.returncode == 0


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("path", ["exercises/answers/Ana/ex00_recoupment_or_denial.json",
                                  "exercises/masters/answers/your-name/ex08_practice_desk.json",
                                  "answers/Ana/ex01_spot_the_cause.json",
                                  "handouts/00_what_is_recoupment.html"])
def test_trainees_answers_and_handouts_are_ignored_by_git(path):
    assert _git_ignored(path)
    assert not _git_ignored("exercises/ex00_recoupment_or_denial.ipynb")


# --- links that lead somewhere --------------------------------------------------------------------

def _text(path: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)


@pytest.mark.parametrize("path", LESSONS + MASTERS, ids=lambda p: p.name)
def test_notebooks_named_in_a_lesson_or_exercise_exist(path):
    text = _text(path)
    missing = [n for n in re.findall(r"\b(\d\d_[a-z0-9_]+)\.ipynb", text)
               if not (ROOT / "notebooks" / f"{n}.ipynb").is_file()]
    missing += [n for n in re.findall(r"\b(ex\d\d_[a-z0-9_]+)(?:\.ipynb)?\b", text)
                if not (EXERCISES / f"{n}.ipynb").is_file()]
    assert not missing, f"{path.name} names notebooks that do not exist: {missing}"


@pytest.mark.parametrize("path", MASTERS, ids=lambda p: p.name)
def test_an_exercises_next_step_comes_after_it(path):
    found = re.search(r"\*\*Next:\*\*\s*`?(?:notebooks/)?(?:lesson\s+)?(ex)?(\d\d)", _text(path))
    if found is None:
        pytest.skip("no Next: line")
    assert int(found.group(2)) > int(path.name[2:4]), f"{path.name}: Next points back to {found.group(0)}"


@pytest.mark.parametrize("path", LESSONS + MASTERS, ids=lambda p: p.name)
def test_lessons_and_exercises_use_public_modules_and_files_users_receive(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    private = re.findall(r"(?:from|import)\s+(recoup_lib(?:\.\w+)*\._\w+)", code)
    assert not private, f"{path.name} imports private modules: {private}"
    assert not re.search(r"""["'](?:\.\./)*tests/""", code), f"{path.name} reads the kit's test data"


# --- a trainee's edits survive a build; one bad or repeated answer file does not spoil a class ----

def _master_folder(tmp_path: Path, answer: str = "3") -> Path:
    master = nbformat.v4.new_notebook()
    master.cells = [nbformat.v4.new_markdown_cell("# T"),
                    nbformat.v4.new_code_cell(f"### BEGIN SOLUTION\nanswer = {answer}\n### END SOLUTION\nanswer")]
    (tmp_path / "masters").mkdir(exist_ok=True)
    nbformat.write(master, tmp_path / "masters" / "ex01_t.ipynb")
    return tmp_path


def _edit(path: Path) -> bytes:
    book = json.loads(path.read_text(encoding="utf-8"))
    book["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["MY WORK: two hours of notes"]})
    path.write_text(json.dumps(book, indent=1), encoding="utf-8")
    return path.read_bytes()


def test_build_refuses_to_write_over_a_trainees_edited_notebook(tmp_path, capsys):
    folder = _master_folder(tmp_path)
    assert main(["exercises", "build", "--folder", str(folder)]) == 0
    edited = _edit(folder / "ex01_t.ipynb")
    _master_folder(tmp_path, answer="4")  # the trainer changes the master: a build would replace the copy
    capsys.readouterr()
    assert main(["exercises", "build", "--folder", str(folder), "--check"]) == 1
    err = capsys.readouterr().err
    assert "edited since they were built: ex01_t.ipynb" in err and "--force" in err
    assert "out of date" not in err
    assert main(["exercises", "build", "--folder", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "ex01_t.ipynb: edited since `recoup exercises build` wrote it" in err
    assert "rename or move" in err and "--force" in err
    assert (folder / "ex01_t.ipynb").read_bytes() == edited
    assert main(["exercises", "build", "--folder", str(folder), "--force"]) == 0
    assert "MY WORK" not in (folder / "ex01_t.ipynb").read_text(encoding="utf-8")


def test_build_check_builds_each_master_once_and_reads_each_copy_once(tmp_path, monkeypatch, capsys):
    folder = _master_folder(tmp_path)
    assert main(["exercises", "build", "--folder", str(folder)]) == 0
    _edit(folder / "ex01_t.ipynb")
    _master_folder(tmp_path, answer="4")
    built, read = [], []
    build, mark = _build.trainee_notebook, _build._built_mark
    monkeypatch.setattr(_build, "trainee_notebook", lambda master, name: built.append(name) or build(master, name))
    monkeypatch.setattr(_build, "_built_mark", lambda target: read.append(target.name) or mark(target))
    capsys.readouterr()
    assert main(["exercises", "build", "--folder", str(folder), "--check"]) == 1
    assert "edited since they were built: ex01_t.ipynb" in capsys.readouterr().err
    assert built == ["ex01_t.ipynb"] and read == ["ex01_t.ipynb"]


def test_build_check_returns_the_stale_copies_with_the_edited_ones_among_them(tmp_path):
    from recoup_lib import exercises

    folder = _master_folder(tmp_path)
    assert exercises.build_all(folder, check=True) == [folder / "ex01_t.ipynb"]
    exercises.build_all(folder)
    assert exercises.build_all(folder, check=True) == [] and exercises.build_all(folder, check=True).edited == []
    _edit(folder / "ex01_t.ipynb")
    _master_folder(tmp_path, answer="4")
    stale = exercises.build_all(folder, check=True)
    assert stale == stale.edited == exercises.edited_copies(folder) == [folder / "ex01_t.ipynb"]
    assert "stale_copies" not in exercises.__all__


def test_build_still_replaces_an_untouched_or_merely_run_copy(tmp_path, capsys):
    folder = _master_folder(tmp_path)
    assert main(["exercises", "build", "--folder", str(folder)]) == 0
    book = json.loads((folder / "ex01_t.ipynb").read_text(encoding="utf-8"))
    book["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["None\n"]}]
    book["cells"][1]["execution_count"] = 1
    (folder / "ex01_t.ipynb").write_text(json.dumps(book), encoding="utf-8")  # run and saved: not edited
    _master_folder(tmp_path, answer="4")
    capsys.readouterr()
    assert main(["exercises", "build", "--folder", str(folder), "--check"]) == 1
    assert "out of date: ex01_t.ipynb" in capsys.readouterr().err
    assert main(["exercises", "build", "--folder", str(folder)]) == 0
    assert main(["exercises", "build", "--folder", str(folder), "--check"]) == 0


def test_build_force_never_replaces_a_notebook_it_did_not_build(tmp_path, capsys):
    folder = _master_folder(tmp_path)
    (folder / "ex01_t.ipynb").write_text('{"cells": [], "metadata": {}}', encoding="utf-8")
    assert main(["exercises", "build", "--folder", str(folder), "--force"]) == 2
    assert "ex01_t.ipynb" in capsys.readouterr().err
    assert (folder / "ex01_t.ipynb").read_text(encoding="utf-8") == '{"cells": [], "metadata": {}}'


def _record(folder: Path, name: str, trainee="Ana", answer="eligibility", **extra) -> Path:
    exercise = get_exercise("ex00_recoupment_or_denial")
    record = {"exercise": exercise.name, "trainee": trainee, "params": exercise.params(),
              "answers": {"q5": {"answer": answer, "public_passed": True, "attempts": 1}}, **extra}
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps(record), encoding="utf-8")
    return folder / name


@pytest.mark.parametrize("profile", ["nope_profile", "/etc/passwd", "../demo/family_practice"])
def test_an_unknown_profile_sets_one_file_aside_and_the_class_is_graded(tmp_path, capsys, profile):
    answers = tmp_path / "answers"
    _record(answers, "ana.json")
    bad = _record(answers, "bo.json", trainee="Bo")
    record = json.loads(bad.read_text(encoding="utf-8"))
    record["params"]["PROFILE"] = profile
    bad.write_text(json.dumps(record), encoding="utf-8")
    assert main(["exercises", "grade", str(answers), "--out", str(tmp_path / "s.csv")]) == 0
    out = capsys.readouterr().out
    assert "answer files: 2 read = 1 used + 1 set aside" in out
    assert f"{bad}, field 'params'" in out and f"unknown profile {profile!r}; known profiles: " in out
    assert "family_practice" in out and "make demo" not in out
    scores = pd.read_csv(tmp_path / "s.csv")
    assert set(scores["trainee"]) == {"Ana"}


def test_answer_files_are_counted_in_the_words_of_every_command(tmp_path, capsys):
    """The grade said "1001 read = 1 used + 1000 set aside" in words of its own, without the thousands
    commas every other command's count has (recoup_lib.wording.rows_counted)."""
    answers = tmp_path / "answers"
    _record(answers, "ana.json")
    for number in range(1000):
        (answers / f"broken{number:04}.json").write_text("{", encoding="utf-8")
    assert main(["exercises", "grade", str(answers)]) == 0
    assert "answer files: 1,001 read = 1 used + 1,000 set aside (not graded):" in capsys.readouterr().out


def test_two_answer_files_of_a_trainee_grade_the_one_saved_last(tmp_path, capsys):
    answers = tmp_path / "answers"
    newer = _record(answers, "a_newer.json", saved="2025-03-02T09:00:00Z")
    older = _record(answers, "b_older.json", answer="wrong", saved="2025-03-01T09:00:00+00:00")
    questions = len(get_exercise("ex00_recoupment_or_denial").questions)
    assert main(["exercises", "grade", str(answers), "--out", str(tmp_path / "s.csv")]) == 0
    out = capsys.readouterr().out
    assert "answer files: 2 read = 1 used + 1 set aside" in out
    assert f"{older}: another answer file of 'Ana' for ex00_recoupment_or_denial" in out
    assert f"only one is graded: {newer} (saved later)" in out
    assert f"/ {questions:<3}" in out
    scores = pd.read_csv(tmp_path / "s.csv")
    assert len(scores) == questions and scores["question"].is_unique
    assert scores.set_index("question").loc["q5", "score"] == 1


def test_answer_files_without_a_save_time_grade_the_last_by_name(tmp_path, capsys):
    answers = tmp_path / "answers"
    first = _record(answers, "1.json")
    last = _record(answers, "2.json", answer="wrong")
    assert main(["exercises", "grade", str(answers)]) == 0
    out = capsys.readouterr().out
    assert f"{first}: another answer file" in out and f"{last} (the last by file name)" in out


def test_check_records_when_the_answers_were_saved(ex00):
    ex00.check("q5", "eligibility")
    saved = json.loads(ex00.path.read_text(encoding="utf-8"))["saved"]
    assert dt.datetime.fromisoformat(saved).tzinfo is not None


@pytest.mark.parametrize("trainee", ["a\nb", "tab\there", "ok\u2028line", "bell\x07"])
def test_a_trainee_name_on_two_lines_or_with_control_characters_is_set_aside(tmp_path, capsys, trainee):
    answers = tmp_path / "answers"
    _record(answers, "ana.json")
    bad = _record(answers, "x.json", trainee=trainee)
    assert main(["exercises", "grade", str(answers)]) == 0
    out = capsys.readouterr().out
    assert "2 read = 1 used + 1 set aside" in out and f"{bad}, field 'trainee'" in out


def test_an_answer_file_saved_with_a_byte_order_mark_is_read(tmp_path, capsys):
    answers = tmp_path / "answers"
    path = _record(answers, "ana.json")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert main(["exercises", "grade", str(answers)]) == 0
    out = capsys.readouterr().out
    assert "set aside" not in out and "Ana" in out
