"""A trainee's session: instant feedback on each answer, recorded for the trainer.

``start(name, trainee=...)`` opens a session; ``check(qid, answer)`` reads the
answer, runs the question's public checks against the value computed from the
data at that moment, prints feedback that explains the billing rule, and
writes the answer to ``<answers>/<trainee>/<exercise>.json``. Grading
(:func:`recoup_lib.exercises.grade`) reruns the public checks and adds the
hidden ones on those files.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError, UsageError
from ._registry import Exercise, Question, get_exercise, is_unanswered, normalise

__all__ = ["Feedback", "Session", "start", "check", "answers_folder", "ANSWERS_ENV", "run_checks",
           "answer_field_problem", "read_answer_file"]

#: Environment variable naming the folder answers are written to (default ``answers``).
ANSWERS_ENV = "RECOUP_ANSWERS"

_CURRENT: list["Session"] = []


def answers_folder(folder: str | os.PathLike | None = None) -> Path:
    """Where answers go: ``folder``, else $RECOUP_ANSWERS, else ``answers`` in the working folder."""
    return Path(folder or os.environ.get(ANSWERS_ENV) or "answers")


#: What an answer file holds, as a message says it expected.
_ANSWER_RECORD = "an answer record (a JSON object with exercise, trainee and answers)"


def answer_field_problem(source, field_name: str, expected: str, got) -> InputError:
    """The refusal of one field of an answer file (``'(whole file)'`` for the file as a whole), in the
    words of every such refusal: the file, the field, what was expected and what it held (its repr,
    cut at 80 characters)."""
    shown = repr(got)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return InputError(f"{source}, field '{field_name}': expected {expected}; got {shown}")


def read_answer_file(path: Path) -> dict:
    """A trainee's answer file as the JSON object :meth:`Session.check` writes.

    The one reader of answer files, for :func:`start` resuming a session and for grading, so a file
    edited by hand is refused in the same words by both.

    Raises
    ------
    InputError
        The file cannot be read, is not UTF-8 JSON (saved in another encoding, cut short), holds
        another JSON value than an object (a list), or its ``answers`` (or one question's entry in
        them) is not an object; the message names the file and the field.
    """
    try:
        record = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: expected an answer file written by check(); not JSON ({exc})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not isinstance(record, dict):
        raise answer_field_problem(path, "(whole file)", _ANSWER_RECORD, type(record).__name__)
    answers = record.get("answers", {})
    if not isinstance(answers, dict):
        raise answer_field_problem(path, "answers", "a JSON object of question -> {answer, attempts}", answers)
    for qid, entry in answers.items():
        if not isinstance(entry, dict):
            raise answer_field_problem(path, f"answers.{qid}", "a JSON object with 'answer' and 'attempts'", entry)
    return record


def trainee_folder_name(trainee: str) -> str:
    """The folder a trainee's answers are kept in: the name with anything but letters, digits,
    ``.``, ``_`` and ``-`` made ``_`` (so a name cannot reach outside the answers folder).

    Shared by :func:`start`/``check`` and by grading, which finds a notebook's answers by its
    ``TRAINEE`` parameter. Raises :class:`UsageError` for a name left empty.
    """
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", str(trainee).strip()).strip("._")
    if not name:
        raise UsageError("trainee: expected a name (letters, digits, '.', '_' or '-'); got "
                         f"{trainee!r}")
    return name


@dataclass(frozen=True)
class Feedback:
    """What ``check`` says about one answer (shown as Markdown in a notebook)."""

    qid: str
    status: str            # "not answered", "unreadable", "passed", "failed"
    message: str
    rule: str
    source: str
    hints: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def _lines(self) -> list[str]:
        head = {"not answered": f"**{self.qid}: not answered yet.**",
                "unreadable": f"**{self.qid}: I could not read this answer.**",
                "passed": f"**{self.qid}: public checks passed.**",
                "failed": f"**{self.qid}: not yet.**"}[self.status]
        out = [f"{head} {self.message}".rstrip()]
        out += [f"- {h}" for h in self.hints]
        out.append(f"*The rule:* {self.rule} *({self.source})*")
        return out

    def _repr_markdown_(self) -> str:
        return "\n\n".join(self._lines())

    def __str__(self) -> str:
        return "\n".join(line.replace("**", "").replace("*", "") for line in self._lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = {"passed": "#1b7f3b", "failed": "#a33", "unreadable": "#a33"}.get(self.status, "#555")
        items = "".join(f"<li>{html.escape(h)}</li>" for h in self.hints)
        return (f'<div style="border-left:4px solid {colour};padding-left:8px">'
                f"<p><b>{html.escape(self._lines()[0].replace('**', ''))}</b></p>"
                + (f"<ul>{items}</ul>" if items else "")
                + f"<p><i>The rule:</i> {html.escape(self.rule)} <i>({html.escape(self.source)})</i></p></div>")


def run_checks(question: Question, answer, materials: dict, hidden: bool) -> tuple[str, list[str]]:
    """Run a question's checks on a normalised answer -> (status, hints).

    status is ``not answered``, ``unreadable``, ``passed`` or ``failed``. The
    expected value is computed here, from the materials, each time.
    """
    if is_unanswered(answer):
        return "not answered", []
    problem = question.form_problem(answer, materials)
    if problem:
        return "unreadable", [problem]
    answer, _ = question.in_context(answer, materials)
    expected = question.expected(materials)
    hints = []
    for c in question.checks(hidden):
        result = c.run(answer, materials, expected)
        if result:
            hints.append(result)
            break
    return ("failed" if hints else "passed"), hints


@dataclass
class Session:
    """One trainee working through one exercise.

    Attributes
    ----------
    exercise : Exercise
    trainee : str
    params : dict
        The notebook's parameters (PROFILE, SEED, ...), stored with the answers
        so grading rebuilds the same materials.
    path : pathlib.Path
        The trainee's answer file.
    """

    exercise: Exercise
    trainee: str
    params: dict
    path: Path
    record: dict = field(default_factory=dict)

    @property
    def materials(self) -> dict:
        """The seeded tables and cases this exercise asks about."""
        return self.exercise.materials(self.params)

    def __getitem__(self, key):
        return self.materials[key]

    def prompt(self, qid: str) -> str:
        return self.exercise.get(qid).prompt

    def check(self, qid: str, answer=None) -> Feedback:
        """Check ``answer`` to question ``qid``: public checks, feedback, and record it.

        An unanswered question (None, ``...``, blank) says "not answered yet"
        and raises nothing, so a trainee copy runs top to bottom.
        """
        question = self.exercise.get(qid)
        value = normalise(answer)
        status, hints = run_checks(question, value, self.materials, hidden=False)
        message = {
            "not answered": "Replace `None` with your answer, then run the cell again.",
            "unreadable": "",
            "passed": "Hidden checks run when your trainer grades the exercise.",
            "failed": "",
        }[status]
        if status in ("passed", "failed"):
            message = " ".join(filter(None, [question.in_context(value, self.materials)[1], message]))
        if status != "not answered":
            self._record(qid, value, status == "passed")
        return Feedback(qid, status, message, question.rule, question.source, tuple(hints))

    def summary(self) -> pd.DataFrame:
        """One row per question: answered, public_passed, attempts."""
        saved = self.record.get("answers", {})
        return pd.DataFrame([{"question": q, "answered": q in saved,
                              "public_passed": bool(saved.get(q, {}).get("public_passed", False)),
                              "attempts": int(saved.get(q, {}).get("attempts", 0))}
                             for q in self.exercise.questions])

    def _record(self, qid: str, value, public_passed: bool) -> None:
        answers = self.record.setdefault("answers", {})
        previous = answers.get(qid, {})
        answers[qid] = {"answer": value, "public_passed": public_passed,
                        "attempts": int(previous.get("attempts", 0)) + 1}
        self.record["answers"] = dict(sorted(answers.items(), key=lambda kv: _qkey(kv[0])))
        self.record["saved"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        _write_json(self.path, self.record)


def _qkey(qid: str):
    digits = re.sub(r"\D", "", qid)
    return (int(digits) if digits else 0, qid)


def _write_json(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, indent=1, sort_keys=False, ensure_ascii=False) + "\n"
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def start(name: str, trainee: str, answers: str | os.PathLike | None = None, **params) -> Session:
    """Open (or resume) a trainee's session on exercise ``name``.

    Parameters
    ----------
    name : str
        An exercise name, e.g. ``"ex00_recoupment_or_denial"``.
    trainee : str
        The trainee's name; it names the answer file's folder.
    answers : path-like, optional
        Folder of answer files (default: $RECOUP_ANSWERS, else ``answers``).
    **params
        The notebook's parameters (``PROFILE``, ``SEED``, ...); defaults are
        the exercise's own.

    Returns
    -------
    Session
        Also the target of the module-level :func:`check`.

    Raises
    ------
    UsageError
        Unknown exercise or parameter, empty trainee name.
    InputError
        The trainee's answer file cannot be read or is not a JSON object (edited by hand, or saved
        in another encoding): :func:`read_answer_file`.

    Examples
    --------
    >>> ex = start("ex00_recoupment_or_denial", trainee="demo", answers=tmp)  # doctest: +SKIP
    >>> ex.check("q1", None)                                                # doctest: +SKIP
    q1: not answered yet. ...
    """
    exercise = get_exercise(name)
    full = exercise.params(params)
    path = answers_folder(answers) / trainee_folder_name(trainee) / f"{exercise.name}.json"
    record = {"exercise": exercise.name, "trainee": str(trainee), "params": full, "answers": {}}
    if path.exists():
        old = read_answer_file(path)
        if old.get("params") == full:
            record["answers"] = old.get("answers", {})
    session = Session(exercise, str(trainee), full, path, record)
    _CURRENT[:] = [session]
    return session


def check(qid: str, answer=None) -> Feedback:
    """Check an answer in the session opened last by :func:`start`."""
    if not _CURRENT:
        raise UsageError("no exercise started: run `ex = start(...)` first")
    return _CURRENT[0].check(qid, answer)
