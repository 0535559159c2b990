"""Grading: rerun every check, public and hidden, on the answers trainees recorded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ._registry import get_exercise, normalise
from ._session import run_checks

__all__ = ["SCORE_COLUMNS", "grade_records", "grade_paths", "read_answer_files"]

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
    from ._session import _safe_name

    try:
        book = json.loads(notebook.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{notebook}: expected a Jupyter notebook ({exc})") from exc
    sources = ["".join(c.get("source", "")) for c in book.get("cells", []) if c.get("cell_type") == "code"]
    found = next((m for m in map(_TRAINEE.search, sources) if m), None)
    if found is None:
        raise InputError(f"{notebook}: no TRAINEE = \"...\" parameter to find the trainee's answers by")
    path = notebook.parent / "answers" / _safe_name(found.group("name")) / f"{notebook.stem}.json"
    if not path.is_file():
        raise InputError(f"{notebook}: no answers at {path} (run the notebook's check() cells first, "
                         "or grade the answers folder itself)")
    return path


def read_answer_files(paths) -> list[dict]:
    """Answer records from JSON files, folders of them (searched recursively), or trainee notebooks.

    Raises
    ------
    InputError
        A path that does not exist, a file that is not an answer record, a
        notebook whose answers cannot be found.
    """
    files: list[Path] = []
    for p in map(Path, paths):
        if p.suffix == ".ipynb" and p.is_file():
            files.append(notebook_answer_file(p))
        elif p.is_dir():
            files += sorted(f for f in p.rglob("*.json") if not f.name.startswith("."))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or folder (expected answer files *.json or a folder of them)")
    records = []
    for f in files:
        try:
            record = json.loads(f.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{f}: expected an answer file written by check(); not JSON ({exc})") from exc
        if not isinstance(record, dict) or not {"exercise", "trainee", "answers"} <= set(record):
            raise InputError(f"{f}: expected an answer file with 'exercise', 'trainee' and 'answers'")
        records.append(record)
    return records


def grade_records(records: list[dict]) -> pd.DataFrame:
    """Score answer records: every question of each record's exercise, answered or not.

    Parameters
    ----------
    records : list of dict
        As written by :meth:`Session.check`: exercise, trainee, params, answers
        (qid -> {answer, attempts}).

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
    rows = []
    for record in records:
        exercise = get_exercise(record["exercise"])
        materials = exercise.materials(record.get("params") or {})
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


def grade_paths(paths) -> pd.DataFrame:
    """:func:`grade_records` over the answer files found at ``paths``."""
    return grade_records(read_answer_files(paths))
