"""Grading: rerun every check, public and hidden, on the answers trainees recorded."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

import pandas as pd

from ..errors import InputError, RecoupError
from ..filekind import not_a_file, resolved
from ._registry import get_exercise, normalise
from ._session import answer_field_problem, read_answer_file, run_checks

__all__ = ["SCORE_COLUMNS", "GRADE_WRITTEN_BY", "grade_records", "grade_paths", "read_answer_files", "one_record_each"]

#: The step recorded as writing a score file (``recoup exercises grade --out``): only it replaces one.
GRADE_WRITTEN_BY = "recoup exercises grade"

#: Columns of the score table (one row per trainee, exercise and question).
SCORE_COLUMNS = ["trainee", "exercise", "question", "answered", "public_passed", "hidden_passed",
                 "score", "attempts", "hint"]


_TRAINEE = re.compile(r"""^TRAINEE\s*=\s*(["'])(?P<name>.*?)\1""", re.MULTILINE)


def notebook_answer_file(notebook: Path) -> Path:
    """The answer file a trainee's notebook wrote: ``answers/<TRAINEE>/<exercise>.json`` beside it.

    The trainee's name is read from the notebook's ``TRAINEE = "..."``
    parameter; the notebook is not run.

    Raises
    ------
    InputError
        No ``TRAINEE`` parameter, or no answer file (the notebook was not run,
        or $RECOUP_ANSWERS sent the answers elsewhere).
    """
    from ._session import trainee_folder_name

    try:
        book = json.loads(notebook.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{notebook}: expected a Jupyter notebook ({exc})") from exc
    sources = ["".join(c.get("source", "")) for c in book.get("cells", []) if c.get("cell_type") == "code"]
    found = next((m for m in map(_TRAINEE.search, sources) if m), None)
    if found is None:
        raise InputError(f"{notebook}: no TRAINEE = \"...\" parameter to find the trainee's answers by")
    path = notebook.parent / "answers" / trainee_folder_name(found.group("name")) / f"{notebook.stem}.json"
    if not path.is_file():
        raise InputError(f"{notebook}: no answers at {path} (run the notebook's check() cells first, "
                         "or grade the answers folder itself)")
    return path


def read_answer_files(paths, set_aside: list | None = None) -> list[dict]:
    """Answer records from JSON files, folders of them (searched recursively), or trainee notebooks.

    Parameters
    ----------
    paths : iterable of path-like
    set_aside : list, optional
        Given, a file that is not a valid answer record is not an error: its
        message (naming the file and field) is appended here and the file is
        skipped, so one broken file does not stop a class's grading.

    Raises
    ------
    InputError
        A path that does not exist, a notebook whose answers cannot be found,
        paths holding no answer file at all (a class graded on nothing is not
        graded), or (without ``set_aside``) a file that is not an answer record.

    Notes
    -----
    A file reached twice (named twice, or named and inside a folder given) is
    read once: it is one trainee's one record, not a second hand-in.
    """
    paths = [Path(p) for p in paths]
    files: list[Path] = []
    for p in paths:
        if p.suffix == ".ipynb" and p.is_file():
            files.append(notebook_answer_file(p))
        elif p.is_dir():
            files += sorted(f for f in p.rglob("*.json") if not f.name.startswith("."))
        elif p.is_file():
            files.append(p)
        else:
            what = not_a_file(p)
            raise InputError(f"{p}: " + ("no such file or folder" if what == "no such file" else what)
                             + " (expected answer files *.json or a folder of them)")
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(resolved(f), f)
    files = list(unique.values())
    if not files:
        raise InputError(f"{', '.join(map(str, paths))}: no answer file to grade (expected the *.json files "
                         "trainees' check() calls write, a folder of them, or trainee notebooks)")
    records = []
    for f in files:
        try:
            records.append(_answer_record(f))
        except InputError as exc:
            if set_aside is None:
                raise
            set_aside.append(str(exc))
    return records


def _saved(record: dict) -> dt.datetime:
    """When the record was last saved (its ``saved`` field, in UTC); the earliest time when it has none."""
    saved = record.get("saved")
    if saved is None:
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    when = dt.datetime.fromisoformat(saved)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def one_record_each(records: list[dict], set_aside: list | None = None) -> list[dict]:
    """One answer record per trainee and exercise: the one saved last.

    A trainer who collects a class's answers twice, or a trainee who hands in
    a copy, gives two files of the same trainee and exercise; adding them up
    would score an exercise out of twice its questions. The record graded is
    the newest by its ``saved`` time (written by ``check()``); among records
    without one, or saved at the same time, the last by file name. The others
    are set aside, each with a message naming the file graded instead.

    Raises
    ------
    InputError
        Without ``set_aside``, when a trainee and exercise have two records.
    """
    latest: dict[tuple[str, str], dict] = {}
    for record in records:
        key = (str(record["trainee"]).strip(), record["exercise"])
        held = latest.get(key)
        if held is None or (_saved(record), record.get("_source", "")) >= (_saved(held), held.get("_source", "")):
            latest[key] = record
    for record in records:
        kept = latest[(str(record["trainee"]).strip(), record["exercise"])]
        if record is not kept:
            why = "saved later" if _saved(kept) > _saved(record) else "the last by file name"
            message = (f"{record.get('_source', 'an answer record')}: another answer file of "
                       f"{str(record['trainee']).strip()!r} for {record['exercise']}; only one is graded: "
                       f"{kept.get('_source', 'another record')} ({why})")
            if set_aside is None:
                raise InputError(message)
            set_aside.append(message)
    return [record for record in records if latest[(str(record["trainee"]).strip(), record["exercise"])] is record]


def _answer_record(f: Path) -> dict:
    return checked_record(read_answer_file(f), f)


#: Longest trainee name, parameter text and answer text kept in a grade sheet.
_TEXT_LIMIT = 200
_ANSWER_LIMIT = 10_000


def checked_record(record, source) -> dict:
    """An answer record read by :func:`read_answer_file` (which refuses a file holding another JSON value
    than an object, and ``answers`` that are not an object of objects) checked field by field, as
    :meth:`Session.check` writes them.

    Every problem names the file and the field (``answers/ana/ex01.json, field
    'params.SEED': expected a whole number between 0 and ...``), so a trainer
    can fix or drop the file. Parameters must be the exercise's own, of the
    type of their default and of a sensible size, so a tampered file cannot
    make grading build a practice of a billion lines.

    Raises
    ------
    InputError
        A missing or malformed field, an unknown exercise, question or parameter.
    """
    def bad(field_name: str, expected: str, got) -> InputError:
        return answer_field_problem(source, field_name, expected, got)

    for key in ("exercise", "trainee", "answers"):
        if key not in record:
            raise InputError(f"{source}, field '{key}': missing (an answer file written by check() has "
                             "'exercise', 'trainee' and 'answers')")
    name = record["exercise"]
    if not isinstance(name, str):
        raise bad("exercise", "an exercise name such as 'ex01_spot_the_cause'", name)
    try:
        exercise = get_exercise(name)
    except RecoupError as exc:
        raise InputError(f"{source}, field 'exercise': {exc}") from None
    trainee = record["trainee"]
    if isinstance(trainee, bool) or not isinstance(trainee, (str, int)) or not str(trainee).strip() \
            or len(str(trainee)) > _TEXT_LIMIT \
            or any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in str(trainee)):
        raise bad("trainee", f"the trainee's name (text of at most {_TEXT_LIMIT} characters on one line, "
                  "without control characters)", trainee)
    saved = record.get("saved")
    if saved is not None:
        try:
            _saved(record)
        except (TypeError, ValueError):
            raise bad("saved", "the time the answers were saved, as ISO 8601 text (2025-03-01T14:05:00Z)",
                      saved) from None
    params = record.get("params") or {}
    if not isinstance(params, dict):
        raise bad("params", "the notebook's parameters as a JSON object", params)
    for key, value in params.items():
        if key not in exercise.defaults:
            raise bad(f"params.{key}", f"one of the parameters of {exercise.name} "
                      f"({', '.join(exercise.defaults)})", key)
        _check_param(exercise.defaults[key], value, f"params.{key}", bad)
    for qid, entry in record["answers"].items():
        if qid not in exercise.questions:
            raise bad(f"answers.{qid}", f"a question of {exercise.name} ({', '.join(exercise.questions)})", qid)
        attempts = entry.get("attempts", 0)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or not 0 <= attempts <= 10**6:
            raise bad(f"answers.{qid}.attempts", "a whole number of attempts, 0 or more", attempts)
        if len(json.dumps(entry.get("answer"), default=str)) > _ANSWER_LIMIT:
            raise bad(f"answers.{qid}.answer", f"an answer of at most {_ANSWER_LIMIT:,} characters as JSON",
                      "a longer one")
    return dict(record, _source=str(source))


def _check_param(default, value, field_name: str, bad) -> None:
    """A parameter must have its default's type and a sensible size."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad(field_name, "true or false", value)
    elif isinstance(default, int):
        limit = 2**32 - 1 if "SEED" in field_name else max(10 * default, 1000)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
            raise bad(field_name, f"a whole number between 0 and {limit:,}", value)
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise bad(field_name, "a number between 0 and 1", value)
    elif isinstance(default, str):
        if not isinstance(value, str) or not value.strip() or len(value) > _TEXT_LIMIT:
            raise bad(field_name, f"text of at most {_TEXT_LIMIT} characters", value)


def grade_records(records: list[dict], set_aside: list | None = None) -> pd.DataFrame:
    """Score answer records: every question of each record's exercise, answered or not.

    Parameters
    ----------
    records : list of dict
        As written by :meth:`Session.check`: exercise, trainee, params, answers
        (qid -> {answer, attempts}).
    set_aside : list, optional
        Given, a record whose parameters cannot build the exercise's materials
        (an unknown profile, ...) is skipped and its message (naming the file
        and field 'params') appended here; otherwise it raises. So is each
        record of a trainee and exercise but the one graded
        (:func:`one_record_each`, applied to the records left).

    Returns
    -------
    pandas.DataFrame
        :data:`SCORE_COLUMNS`: ``score`` is 1 when the public and the hidden
        checks pass, else 0; ``hint`` says what failed (never the answer).
        Sorted by trainee, exercise, question number.

    Notes
    -----
    The expected values are recomputed from the recorded parameters (seed,
    profile, ...), so a trainee who changed the seed is graded on the data
    they saw.
    """
    usable = []
    for record in records:
        exercise = get_exercise(record["exercise"])
        try:
            usable.append((record, exercise.materials(record.get("params") or {})))
        except (RecoupError, ValueError, TypeError, LookupError, OSError) as exc:
            problem = InputError(f"{record.get('_source', 'an answer record')}, field 'params': the exercise's "
                                 f"materials cannot be built from them ({exc})")
            if set_aside is None:
                raise problem from None
            set_aside.append(str(problem))
    kept = {id(record) for record in one_record_each([record for record, _ in usable], set_aside)}
    rows = []
    for record, materials in usable:
        if id(record) not in kept:
            continue
        exercise = get_exercise(record["exercise"])
        saved = record.get("answers", {})
        for n, (qid, question) in enumerate(exercise.questions.items()):
            entry = saved.get(qid, {})
            answer = normalise(entry.get("answer"))
            public, public_hints = run_checks(question, answer, materials, hidden=False)
            full, hints = run_checks(question, answer, materials, hidden=True)
            answered = public != "not answered"
            rows.append({
                "trainee": str(record["trainee"]), "exercise": exercise.name, "question": qid,
                "answered": answered, "public_passed": public == "passed",
                "hidden_passed": full == "passed", "score": int(full == "passed"),
                "attempts": int(entry.get("attempts", 0)),
                "hint": "; ".join(hints) if answered else "not answered",
                "_order": n,
            })
    table = pd.DataFrame(rows, columns=[*SCORE_COLUMNS, "_order"])
    table = table.sort_values(["trainee", "exercise", "_order"], kind="stable", ignore_index=True)
    return table.drop(columns="_order").astype({"score": "int64", "attempts": "int64"})


def grade_paths(paths, set_aside: list | None = None) -> pd.DataFrame:
    """:func:`grade_records` over the answer files found at ``paths`` (``set_aside``: see
    :func:`read_answer_files`)."""
    return grade_records(read_answer_files(paths, set_aside=set_aside), set_aside=set_aside)
