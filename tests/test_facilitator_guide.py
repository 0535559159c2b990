"""docs/facilitator-guide.md: its agendas point only to files that exist, and its commands are real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "facilitator-guide.md"
TEXT = GUIDE.read_text(encoding="utf-8")
AGENDAS = TEXT.split("## Agendas", 1)[1].split("\n## ", 1)[0]

#: Lessons 09-13 and their exercises are written on other branches at the same time as this guide
#: (09 by the import work, 10-13 by the lessons work). Until they are merged their references are
#: skipped, by these exact names only; once merged the files exist and are checked like any other.
#: Delete this set after the merge.
PATH = re.compile(r"`((?:notebooks|exercises|apps|handouts|docs)/[^`\s]+)`")


def _referenced(text: str) -> list[str]:
    return sorted(set(PATH.findall(text)))


def _where(reference: str) -> Path:
    """The file a reference names; a handout is made by `make handouts` from its lesson."""
    if reference.startswith("handouts/"):
        return ROOT / "notebooks" / (Path(reference).stem + ".ipynb")
    return ROOT / reference


def test_the_guide_has_three_agendas_each_naming_files():
    for heading in ("### One hour", "### Half a day", "### Two days"):
        assert heading in AGENDAS, f"missing agenda {heading!r}"
        section = AGENDAS.split(heading, 1)[1].split("\n### ", 1)[0]
        assert _referenced(section), f"{heading}: names no lesson, exercise or desk"



@pytest.mark.parametrize("reference", _referenced(AGENDAS))
def test_every_file_an_agenda_points_to_exists(reference):
    path = _where(reference)
    assert path.is_file(), f"the agenda points to {reference}, which is not in the kit"


def test_the_agendas_use_every_lesson_and_exercise_of_the_kit():
    named = set(_referenced(AGENDAS))
    lessons = {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    exercises = {f"exercises/{p.name}" for p in (ROOT / "exercises").glob("ex[0-9][0-9]_*.ipynb")}
    assert lessons - named == set(), f"lessons no agenda uses: {sorted(lessons - named)}"
    assert exercises - named == set(), f"exercises no agenda uses: {sorted(exercises - named)}"


@pytest.mark.parametrize("reference", [r for r in _referenced(TEXT)
                                       if not re.search(r"NN|<|\.\.\.|/$", r)])
def test_every_file_the_guide_names_exists(reference):
    """Also outside the agendas (handouts stand for their lessons; patterns like exNN_topic are left out)."""
    path = _where(reference)
    assert path.exists(), reference


def test_the_make_targets_the_guide_names_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z0-9_-]*):", makefile, flags=re.M))
    named = set(re.findall(r"`make (?:-B )?([a-z]+)\b", TEXT))
    assert {"lab", "desk", "handouts", "test"} <= named
    assert named <= targets, f"the guide names make targets that do not exist: {sorted(named - targets)}"

