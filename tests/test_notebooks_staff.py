"""Lessons for billing staff read without code: folded code, checks out of the way, honest times.

The staff lessons are the ones whose audience in notebooks/README.md names
billing staff, trainees or everyone. Their code cells are folded (JupyterLab
shows a folded cell as a grey bar with its first line), so that first line
must say in words what the cell does. The conventions below (``hide-input``
tag, ``# Check:`` cells, no ``to_text_frame`` tables, the time estimate) are
held by the lessons listed in ``WORDED``: the staff lessons, and lesson 13,
written for compliance staff and managers who do not code either. This file
reads the notebooks as JSON; nbval runs them.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSON_MAP = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
#: A row of the lesson map: | NN | [title](file) | for | ...
ROW = re.compile(r"^\| (\d\d) \| \[[^\]]+\]\(([^)]+\.ipynb)\) \| ([^|]+) \|", re.MULTILINE)
STAFF = sorted(ROOT / "notebooks" / f for _, f, audience in ROW.findall(LESSON_MAP)
               if re.search(r"billing staff|trainees|everyone", audience))
#: Lessons written for readers who do not code: every staff lesson, and lesson 13.
WORDED_NUMBERS = {"00", "01", "02", "04", "05", "06", "08", "10", "11", "12", "13"}
WORDED = sorted(ROOT / "notebooks" / f for number, f, _ in ROW.findall(LESSON_MAP) if number in WORDED_NUMBERS)
#: Lessons whose code is folded away.
FOLDED = sorted(set(STAFF) | set(WORDED))
#: Reading speed and time per table the estimates may not go below (the lessons count 120 and 1).
WORDS_PER_MINUTE, MINUTES_PER_OUTPUT = 150, 0.5
#: "**Time.** About 40 minutes" (or "**Time**: 30 minutes.") in a lesson's first cell.
TIME = re.compile(r"\*\*Time(?:\.\*\*|\*\*:) (?:About )?(\d+) minutes")


def _book(path):
    return nbformat.read(path, as_version=4)


def _code(book):
    return [c for c in book.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]


def _id(path: Path) -> str:
    return path.name


def test_the_staff_lessons_are_found_from_the_lesson_map():
    names = {p.name[:2] for p in STAFF}
    assert {"00", "01", "02", "04", "05", "06", "08"} <= names
    assert not {"03", "07"} & names, "lessons for auditors show their pandas"
    assert set(STAFF) <= set(WORDED), "a staff lesson is not held to the worded format"
    assert {p.name[:2] for p in WORDED} == WORDED_NUMBERS


@pytest.mark.parametrize("path", FOLDED, ids=_id)
def test_staff_lesson_code_is_folded_except_its_parameters(path):
    open_cells = [i for i, c in enumerate(_book(path).cells) if c.cell_type == "code"
                  and "parameters" not in c.metadata.get("tags", [])
                  and not c.metadata.get("jupyter", {}).get("source_hidden")]
    assert not open_cells, f"{path.name}: code cells {open_cells} are not folded (jupyter.source_hidden)"


@pytest.mark.parametrize("path", WORDED, ids=_id)
def test_a_folded_cell_says_in_words_what_it_does(path):
    for cell in _code(_book(path)):
        first = cell.source.split("\n", 1)[0]
        assert "hide-input" in cell.metadata.get("tags", []), f"{path.name}: {first!r} lacks the hide-input tag"
        assert re.fullmatch(r"# [A-Z].{10,}", first), f"{path.name}: first line {first!r} is not a sentence"


@pytest.mark.parametrize("path", WORDED, ids=_id)
def test_checks_are_marked_and_show_nothing(path):
    checks = [c for c in _code(_book(path)) if re.search(r"^\s*assert\b", c.source, re.MULTILINE)]
    assert checks, f"{path.name}: no checks"
    for cell in checks:
        first = cell.source.split("\n", 1)[0]
        assert first.startswith("# Check: "), f"{path.name}: a cell with assert starts {first!r}"
        tree = ast.parse(cell.source)
        assert not isinstance(tree.body[-1], ast.Expr), f"{path.name}: {first!r} ends with a value to show"
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not calls & {"print", "display"}, f"{path.name}: {first!r} shows something"
        assert "check" in cell.metadata.get("tags", [])


@pytest.mark.parametrize("path", WORDED, ids=_id)
def test_tables_are_shown_in_dollars_and_plain_words(path):
    raw = [c.source.split("\n", 1)[0] for c in _code(_book(path)) if "to_text_frame(" in c.source]
    assert not raw, f"{path.name}: to_text_frame keeps *_cents names; use report.plain_table in {raw}"


def _stated_minutes(book) -> int:
    found = TIME.search(book.cells[0].source)
    assert found, "the first cell states no 'Time. About N minutes'"
    return int(found.group(1))


@pytest.mark.parametrize("path", WORDED, ids=_id)
def test_the_time_estimate_covers_the_reading(path):
    book = _book(path)
    words = sum(len(re.findall(r"[A-Za-z0-9$%][\w$%.,'’-]*", c.source)) for c in book.cells
                if c.cell_type == "markdown")
    shown = [c for c in _code(book) if not c.source.startswith(("# Check", "# Setting up", "# Tidy"))]
    floor = math.ceil(words / WORDS_PER_MINUTE + MINUTES_PER_OUTPUT * len(shown))
    assert _stated_minutes(book) >= floor, f"{path.name}: {words} words and {len(shown)} outputs need {floor}+ min"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=_id)
def test_the_lesson_map_gives_each_lesson_its_stated_time(path):
    row = re.search(rf"^\| {path.name[:2]} \|.*$", LESSON_MAP, re.MULTILINE)
    assert row, f"{path.name} has no row in notebooks/README.md"
    book = _book(path)
    found = TIME.search(book.cells[0].source)
    if not found:
        pytest.skip(f"{path.name} states no time")
    assert f"| {found.group(1)} min |" in row.group(0), f"{path.name}: the lesson map's time differs from the lesson's"
