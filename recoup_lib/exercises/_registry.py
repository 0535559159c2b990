"""Questions and exercises: what is asked, which rule it drills, how an answer is checked.

A question never stores its answer. It holds an ``expected`` function that
computes the answer from the exercise's seeded data (or the generator's
answer key) when a check runs, a ``kind`` that says how an answer is read
and compared (a choice, money, a date, a whole number, a set of claims), and
optional extra checks. Public checks run in the trainee's notebook on every
``check()``; hidden checks run only when the trainer grades.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import functools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..errors import UsageError
from ..money import dollars

__all__ = ["Check", "Question", "Exercise", "EXERCISES", "register", "get_exercise", "normalise",
           "is_unanswered", "KINDS"]

#: A check: (answer, materials, expected) -> None when it passes, else a hint in plain words.
CheckFunction = Callable[[Any, dict, Any], "str | None"]


@dataclass(frozen=True)
class Check:
    """One named check on an answer; ``run`` returns None (passed) or a hint."""

    name: str
    run: CheckFunction


def is_unanswered(answer) -> bool:
    """True for the placeholders a trainee copy starts with: None, ``...`` or blank text."""
    return answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip())


def normalise(answer):
    """An answer as plain JSON values (what is stored, and what the checks see).

    Sets become sorted lists, numpy and pandas scalars become Python ones,
    dates ISO text, DataFrames lists of records, Series lists. Checking the
    normalised value means the trainer's grade sees exactly what the instant
    feedback saw.
    """
    if answer is None or answer is Ellipsis:
        return None
    if isinstance(answer, (bool, np.bool_)):
        return bool(answer)
    if isinstance(answer, (int, np.integer)):
        return int(answer)
    if isinstance(answer, (float, np.floating)):
        return float(answer)
    if isinstance(answer, Decimal):
        return str(answer)
    if isinstance(answer, str):
        return answer
    if isinstance(answer, (pd.Timestamp, dt.datetime)):
        return answer.strftime("%Y-%m-%d")
    if isinstance(answer, dt.date):
        return answer.isoformat()
    if isinstance(answer, pd.DataFrame):
        return [normalise(r) for r in answer.to_dict(orient="records")]
    if isinstance(answer, pd.Series):
        return [normalise(v) for v in answer.tolist()]
    if isinstance(answer, dict):
        return {str(k): normalise(v) for k, v in answer.items()}
    if isinstance(answer, (set, frozenset)):
        items = [normalise(v) for v in answer]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(answer, (list, tuple, np.ndarray)):
        return [normalise(v) for v in answer]
    if answer is pd.NA or answer is pd.NaT:
        return None
    return str(answer)


# --- reading answers --------------------------------------------------------------------------

def _text(answer) -> str:
    return " ".join(str(answer).strip().lower().replace("-", " ").replace("_", " ").split())


def _cents(answer) -> int | None:
    """Dollars as typed ("$1,204.10", "1204.1", 1204.1, 1204) -> cents; None if unreadable."""
    if isinstance(answer, bool):
        return None
    text = str(answer).strip().replace("$", "").replace(",", "").replace(" ", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return int((value * 100).quantize(Decimal("1"), rounding="ROUND_HALF_UP"))


_MONTHS = {name.lower(): n for n in range(1, 13)
           for name in (calendar.month_name[n], calendar.month_abbr[n])}
_MONTHS["sept"] = 9
_MONTH = r"(?P<month_name>[A-Za-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4}|\d{2})"
#: Dates as trainees write them: ISO, US numeric, YYYYMMDD, and with the month's name; a year is optional
#: in the US and month-name forms ("9/13", "September 13"), and then :meth:`Question.in_context` supplies it.
_DATE_FORMS = [re.compile(f"^{form}$", re.IGNORECASE) for form in (
    r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?:[ T]0{1,2}:00(?::00(?:\.0+)?)?)?",
    r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})",
    rf"(?P<month>\d{{1,2}})[/-]{_DAY}(?:[/-]{_YEAR})?",
    rf"{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?",
    rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?",
)]
_FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)


def _date_parts(answer) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of a date as a trainee writes it; None when it is not a date.

    Two-digit years are 20YY. A day that does not exist in its month (in any
    year, for a date without one) is not a date.
    """
    text = _WEEKDAY.sub("", " ".join(str(answer).strip().split()))
    for form in _DATE_FORMS:
        found = form.match(text)
        if not found:
            continue
        parts = found.groupdict()
        month = (_MONTHS.get(parts["month_name"].lower()) if parts.get("month_name")
                 else int(parts["month"]))
        year = None if parts.get("year") is None else int(parts["year"])
        if year is not None and year < 100:
            year += 2000
        if month is None or not 1 <= month <= 12:
            return None
        try:
            dt.date(2000 if year is None else year, month, int(parts["day"]))  # 2000: February 29 exists
        except ValueError:
            return None
        return year, month, int(parts["day"])
    if _FOUR_DIGIT_YEAR.search(text):  # other spellings with a year: "2025-03" (a month), "March 2025", ISO times
        try:
            value = pd.Timestamp(text)
        except (ValueError, TypeError, OverflowError):
            return None
        return None if value is pd.NaT else (value.year, value.month, value.day)
    return None


def _date(answer) -> pd.Timestamp | None:
    """A date with its year -> Timestamp; None for anything else (a date without a year included)."""
    parts = _date_parts(answer)
    if parts is None or parts[0] is None:
        return None
    return pd.Timestamp(*parts)


def _first_on_or_after(month: int, day: int, start) -> pd.Timestamp:
    """The first ``month``/``day`` on or after ``start`` (February 29 waits for a leap year)."""
    start = pd.Timestamp(start).normalize()
    for year in range(start.year, start.year + 9):
        try:
            candidate = pd.Timestamp(year, month, day)
        except ValueError:
            continue
        if candidate >= start:
            return candidate
    raise AssertionError("unreachable: every month and day comes round within 8 years")


def _whole(answer) -> int | None:
    if isinstance(answer, bool):
        return None
    try:
        value = Decimal(str(answer).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return int(value) if value.is_finite() and value == value.to_integral_value() else None


def _keys(answer) -> set[str] | None:
    """Claim keys as text: "C0001" or "C0001/2" (claim/line), from a list of strings or pairs."""
    if isinstance(answer, str):
        answer = [a for a in answer.replace(";", ",").split(",") if a.strip()]
    if not isinstance(answer, list):
        return None
    out = set()
    for item in answer:
        if isinstance(item, dict) and "claim_id" in item:
            item = [item["claim_id"], item["line_no"]] if "line_no" in item else item["claim_id"]
        if isinstance(item, list) and len(item) == 2:
            item = f"{item[0]}/{_whole(item[1])}"
        out.add(str(item).strip())
    return out


# --- kinds: how an answer is read, described and compared ---------------------------------------

@dataclass(frozen=True)
class Kind:
    """How answers of one kind are read (``read``), shown (``show``) and compared (``public`` / ``hidden``)."""

    name: str
    form: str
    read: Callable[[Any], Any]
    public: CheckFunction
    hidden: CheckFunction | None = None


def _choice_public(answer, m, expected):
    return None if _text(answer) == _text(expected) else "that is not the answer; read the rule again"


def _money_public(answer, m, expected):
    got = _cents(answer)
    tolerance = abs(int(expected)) // 200
    if abs(got - int(expected)) > tolerance:
        return "the amount is not right: recompute it from the table"
    return None


def _money_hidden(answer, m, expected):
    return None if _cents(answer) == int(expected) else "not exact to the cent"


def _date_public(answer, m, expected):
    got = _date(answer)
    want = pd.Timestamp(expected).normalize()
    if got == want:
        return None
    return "the date is not right: count the days again from the date the rule starts from"


def _whole_public(answer, m, expected):
    return None if _whole(answer) == int(expected) else "the number is not right"


def _number(answer) -> float | None:
    if isinstance(answer, bool):
        return None
    text = str(answer).strip().replace(",", "")
    share = text.endswith("%")
    try:
        value = float(Decimal(text.rstrip("%")))
    except InvalidOperation:
        return None
    return value / 100 if share else value


def _number_public(answer, m, expected):
    return None if abs(_number(answer) - float(expected)) <= 0.005 else "the number is not right"


def _number_hidden(answer, m, expected):
    return None if abs(_number(answer) - float(expected)) <= 0.0005 else "not precise to 3 decimals"


def _keys_public(answer, m, expected):
    got, want = _keys(answer), set(expected)
    if len(got) != len(want):
        return f"you named {len(got)}; the data has a different number"
    return None


def _keys_hidden(answer, m, expected):
    return None if _keys(answer) == set(expected) else "the set is not exactly the right one"


KINDS: dict[str, Kind] = {
    "choice": Kind("choice", "one of the words offered", lambda a: _text(a) or None, _choice_public),
    "money": Kind("money", "an amount in dollars, like 1204.10 or \"$1,204.10\"", _cents,
                  _money_public, _money_hidden),
    "date": Kind("date", "a date written YYYY-MM-DD", _date, _date_public),
    "whole": Kind("whole", "a whole number", _whole, _whole_public),
    "number": Kind("number", "a number, like 0.42 or \"42%\"", _number, _number_public, _number_hidden),
    "keys": Kind("keys", "a list of claim ids (or \"claim/line\" keys)", _keys, _keys_public,
                 _keys_hidden),
}


@dataclass(frozen=True)
class Question:
    """One question of an exercise.

    Attributes
    ----------
    qid : str
        ``q1``, ``q2``, ...
    prompt : str
        What is asked, in plain words.
    rule : str
        The billing rule the question drills, explained (shown with every feedback).
    source : str
        Where the rule comes from (a docs/sources.md section, a lesson section).
    kind : str
        A key of :data:`KINDS`.
    expected : callable
        ``expected(materials)`` computes the right answer when a check runs.
    choices : tuple of str
        For ``choice`` questions: the words accepted.
    public_checks, hidden_checks : tuple of Check
        Extra checks beyond those of the kind.
    year_from : (str, callable), optional
        For ``date`` questions: ``(what, start(materials))``. A date written
        without its year ("September 13", "9/13") is read as the first such
        day on or after ``start``, which ``what`` names in the feedback (a
        deadline is counted from a letter's date, so it falls after it).
        Without it, such an answer is asked again with its year.
    """

    qid: str
    prompt: str
    rule: str
    source: str
    kind: str
    expected: Callable[[dict], Any]
    choices: tuple[str, ...] = ()
    public_checks: tuple[Check, ...] = ()
    hidden_checks: tuple[Check, ...] = ()
    year_from: tuple[str, Callable[[dict], Any]] | None = None

    def form_problem(self, answer, materials: dict | None = None) -> str | None:
        """Why the answer cannot be read (None when it can)."""
        kind = KINDS[self.kind]
        if self.kind == "date":
            parts = _date_parts(answer)
            if parts is not None and parts[0] is None and (self.year_from is None or materials is None):
                return f"expected a date with its year, like 2025-09-13: {answer!r} has no year"
            if parts is not None:
                return None
        if kind.read(answer) is None:
            return f"expected {kind.form}; got {answer!r}"
        if self.choices and _text(answer) not in {_text(c) for c in self.choices}:
            return f"expected one of {', '.join(self.choices)}; got {answer!r}"
        return None

    def in_context(self, answer, materials: dict) -> tuple[Any, str]:
        """The answer as the checks compare it, and a note on how it was read ("" when as written).

        Only a date without its year changes: it becomes the ISO date
        :attr:`year_from` gives it.
        """
        parts = _date_parts(answer) if self.kind == "date" and self.year_from else None
        if parts is None or parts[0] is not None:
            return answer, ""
        what, start = self.year_from
        start = pd.Timestamp(start(materials))
        day = _first_on_or_after(parts[1], parts[2], start)
        return (f"{day:%Y-%m-%d}",
                f"You wrote no year, so {answer!r} is read as {day:%Y-%m-%d}: the first "
                f"{day:%B} {day.day} on or after {what} ({start:%Y-%m-%d}).")

    def checks(self, hidden: bool) -> list[Check]:
        kind = KINDS[self.kind]
        out = [Check("answer is right", kind.public), *self.public_checks]
        if hidden:
            if kind.hidden is not None:
                out.append(Check("exact", kind.hidden))
            out += list(self.hidden_checks)
        return out


@dataclass
class Exercise:
    """An exercise: its questions and the seeded materials they are asked about.

    ``materials(params)`` builds a dict of tables from the parameters of the
    notebook (``PROFILE``, ``SEED``, ...); it is cached per parameter set, so a
    notebook and the grader build exactly the same materials.
    """

    name: str
    title: str
    build: Callable[..., dict]
    defaults: dict
    questions: dict[str, Question] = field(default_factory=dict)

    def question(self, qid: str, *, prompt: str, rule: str, source: str, kind: str,
                 choices: tuple[str, ...] = (), public: tuple[Check, ...] = (),
                 hidden: tuple[Check, ...] = (), year_from: tuple[str, Callable[[dict], Any]] | None = None):
        """Decorator: register ``expected(materials)`` as question ``qid``."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        if year_from is not None and kind != "date":
            raise ValueError(f"{self.name} {qid}: year_from applies to date questions only")

        def wrap(expected):
            if qid in self.questions:
                raise ValueError(f"{self.name}: question {qid!r} registered twice "
                                 f"({self.questions[qid].expected.__name__} and {expected.__name__})")
            self.questions[qid] = Question(qid, prompt, rule, source, kind, expected, tuple(choices),
                                           tuple(public), tuple(hidden), year_from)
            return expected
        return wrap

    def params(self, given: dict | None = None) -> dict:
        """The defaults updated with ``given``; unknown names raise UsageError."""
        given = dict(given or {})
        unknown = set(given) - set(self.defaults)
        if unknown:
            raise UsageError(f"{self.name}: unknown parameter(s) {', '.join(sorted(unknown))}; "
                             f"expected {', '.join(self.defaults)}")
        return {**self.defaults, **{k: normalise(v) for k, v in given.items()}}

    def materials(self, params: dict | None = None) -> dict:
        full = self.params(params)
        return _cached_materials(self.name, json.dumps(full, sort_keys=True))

    def get(self, qid: str) -> Question:
        if qid not in self.questions:
            close = difflib.get_close_matches(qid, list(self.questions), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"{self.name} has no question {qid!r}{hint} "
                             f"(questions: {', '.join(self.questions)})")
        return self.questions[qid]


EXERCISES: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to :data:`EXERCISES`; a second one of the same name raises."""
    if exercise.name in EXERCISES:
        raise ValueError(f"exercise {exercise.name!r} registered twice")
    EXERCISES[exercise.name] = exercise
    return exercise


def get_exercise(name: str) -> Exercise:
    """The registered exercise ``name``; an unknown name suggests the closest one."""
    from . import content  # noqa: F401 - registers the exercises

    if name not in EXERCISES:
        close = difflib.get_close_matches(name, list(EXERCISES), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UsageError(f"no exercise {name!r}{hint} (known: {', '.join(sorted(EXERCISES))})")
    return EXERCISES[name]


@functools.lru_cache(maxsize=16)
def _cached_materials(name: str, params_json: str) -> dict:
    exercise = EXERCISES[name]
    return exercise.build(**json.loads(params_json))


def describe(expected, kind: str) -> str:
    """An expected value in words (used by tests and the trainer's key, never in feedback)."""
    if kind == "money":
        return dollars(int(expected))
    if kind == "date":
        return f"{pd.Timestamp(expected):%Y-%m-%d}"
    return str(expected)
