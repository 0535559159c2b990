"""Exercises with instant feedback: questions, trainee sessions, trainee copies, grading.

===========================  ================================================================
:func:`start`                open a trainee's session on an exercise (``ex = start(...)``)
:func:`check`                check an answer in the last session opened: ``check("q3", answer)``
:class:`Session`             ``ex.check``, ``ex.materials`` (the seeded tables asked about)
:data:`EXERCISES`            the registry: name -> :class:`Exercise` (questions, defaults)
:func:`build_all`            trainee copies from ``exercises/masters/*.ipynb``
:func:`exercises_folder`     the repository's ``exercises/``, found from any working folder
:func:`grade_paths`          public + hidden checks on recorded answers -> score table
===========================  ================================================================

Where do I add ... a question? In the exercise's module under
``recoup_lib/exercises/content/``, with ``@EX.question(...)`` on a function
that computes the expected answer from the materials. An exercise? A new
module there (registered on import), a master notebook in
``exercises/masters/``, then ``recoup exercises build``.
"""

from ._build import (BEGIN, END, EXERCISES_ENV, SOLUTION_TAG, build_all, edited_copies,
                     exercises_folder, solution_text, strip_solutions, trainee_notebook)
from ._grade import GRADE_WRITTEN_BY, SCORE_COLUMNS, grade_paths, grade_records, read_answer_files
from ._registry import EXERCISES, KINDS, Check, Exercise, Question, get_exercise, normalise, register
from ._session import ANSWERS_ENV, Feedback, Session, answers_folder, check, run_checks, start

__all__ = [
    "ANSWERS_ENV", "BEGIN", "END", "EXERCISES", "EXERCISES_ENV", "GRADE_WRITTEN_BY", "KINDS", "SCORE_COLUMNS",
    "SOLUTION_TAG",
    "Check", "Exercise", "Feedback", "Question", "Session",
    "answers_folder", "build_all", "check", "edited_copies", "exercises_folder", "get_exercise", "grade_paths",
    "grade_records",
    "normalise", "read_answer_files", "register", "run_checks", "solution_text", "start",
    "strip_solutions", "trainee_notebook", "all_exercises",
]


def all_exercises() -> dict:
    """Every registered exercise, by name (imports the content modules)."""
    from . import content  # noqa: F401 - registers on import

    return dict(sorted(EXERCISES.items()))
