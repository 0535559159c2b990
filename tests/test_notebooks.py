"""House rules for every notebook under notebooks/ and exercises/ (nbval runs them; this checks their form).

Each rule is a separate test so a failure names the rule and the notebook.
Running the cells is nbval's job (``make test`` collects the notebooks
themselves); this file reads them as JSON and never executes them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("notebooks", "exercises")


def _notebooks() -> list[Path]:
    found = []
    for folder in FOLDERS:
        base = ROOT / folder
        if base.is_dir():
            found += [p for p in sorted(base.rglob("*.ipynb"))
                      if ".ipynb_checkpoints" not in p.parts]
    return found


NOTEBOOKS = _notebooks()
LESSONS = [p for p in NOTEBOOKS if p.parent == ROOT / "notebooks"]


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=_id)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=nbformat.NO_CONVERT)


def _code(book):
    return [c for c in book.cells if c.cell_type == "code"]


#: Where code generates or samples random data (then a SEED parameter is required).
RANDOM_CALLS = re.compile(r"\b(generate_practice|generate|select_sample|repeated_appraisals|"
                          r"default_rng|stratum_rng)\s*\(|\bnp\.random\.")
#: Paths of one machine: absolute POSIX folders, ``~/``, Windows drives.
ABSOLUTE_PATH = re.compile(r"(?<![\w.~])/(tmp|home|root|Users|work|var|usr|opt|mnt|private|etc)/"
                           r"|(?<![\w.])~/|\b[A-Za-z]:\\{1,2}(?=\w)")
TITLE = re.compile(r"^# \S", re.MULTILINE)
GOALS = re.compile(r"goals?\b[^\n]*\n(\s*\n)*\s*([-*]|\d+\.)\s+\S", re.IGNORECASE)


def test_notebooks_are_found():
    names = {p.name for p in LESSONS}
    assert {"00_what_is_recoupment.ipynb", "01_synthetic_practice.ipynb", "02_self_audit.ipynb",
            "03_sampling_and_extrapolation.ipynb", "07_prototyping_checks.ipynb"} <= names


def test_notebook_is_valid_nbformat_4(notebook):
    path, book = notebook
    assert book.nbformat == 4, f"{_id(path)}: nbformat {book.nbformat}, expected 4"
    nbformat.validate(book)


def test_notebook_kernel_is_python3(notebook):
    path, book = notebook
    spec = book.metadata.get("kernelspec", {})
    assert spec.get("name") == "python3", f"{_id(path)}: kernelspec {spec.get('name')!r}, expected 'python3'"
    assert spec.get("display_name") == "Python 3 (ipykernel)"


def test_notebook_outputs_are_stripped(notebook):
    path, book = notebook
    dirty = [i for i, c in enumerate(book.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{_id(path)}: cells {dirty} have outputs or an execution count; strip them"


def test_notebook_opens_with_title_and_goals(notebook):
    path, book = notebook
    first = book.cells[0]
    assert first.cell_type == "markdown", f"{_id(path)}: the first cell must be markdown"
    assert TITLE.search(first.source), f"{_id(path)}: the first cell needs a '# Title' line"
    assert GOALS.search(first.source), f"{_id(path)}: the first cell needs a 'Goals' list"


def test_notebook_asserts_something(notebook):
    path, book = notebook
    assert any(re.search(r"^\s*assert\b", c.source, re.MULTILINE) for c in _code(book)), \
        f"{_id(path)}: no code cell checks anything with assert"


def test_notebook_tells_denials_by_the_reports_rule(notebook):
    """Lesson 06 and the ex06 master worked out which payments are denials by hand, each with a rule
    `recoup report` no longer counts by (any code, routine CO-45 too): a mask of denied rows built from
    paid_cents or denial_code calls recoup_lib.report.denials, as lessons 00-01 and ex00 do."""
    path, book = notebook
    by_hand = []
    for cell in _code(book):
        source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and "denied" in t.id
                                                        for t in node.targets)):
                continue
            text = ast.get_source_segment(source, node.value)
            calls = {n.func.id for n in ast.walk(node.value)
                     if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            if re.search(r"\b(paid_cents|denial_code)\b", text) and "denials" not in calls:
                by_hand.append(source.splitlines()[node.lineno - 1].strip())
    assert not by_hand, f"{_id(path)}: denied rows worked out by hand, not with denials(): {by_hand}"


def test_notebook_has_no_absolute_paths(notebook):
    path, book = notebook
    hits = [(i, m.group(0)) for i, c in enumerate(book.cells) for m in ABSOLUTE_PATH.finditer(c.source)]
    assert not hits, f"{_id(path)}: machine paths in cells {hits}"


def test_notebook_that_draws_random_data_has_a_seed_parameter(notebook):
    path, book = notebook
    code = _code(book)
    uses = [i for i, c in enumerate(code) if RANDOM_CALLS.search(c.source)]
    if not uses:
        pytest.skip("generates and samples nothing")
    params = [i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])
              and re.search(r"^SEED\s*=", c.source, re.MULTILINE)]
    assert params, f"{_id(path)}: generates or samples data but has no 'parameters' cell with SEED = ..."
    assert params[0] < uses[0], f"{_id(path)}: the SEED parameter must come before the first random call"


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_lesson_is_numbered_and_listed_in_the_lesson_map(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), f"{path.name}: expected NN_topic.ipynb"
    assert f"({path.name})" in (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8"), \
        f"{path.name} is not linked from notebooks/README.md"


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_lesson_ends_with_recap_and_exercise(path):
    last = nbformat.read(path, as_version=4).cells[-1]
    assert last.cell_type == "markdown" and "Recap" in last.source, f"{path.name}: end with a Recap"
    named = re.findall(r"exercises/(ex\d\d_\w+)", last.source)
    assert named, f"{path.name}: point to its exercise"
    missing = [n for n in named if not (ROOT / "exercises" / f"{n}.ipynb").is_file()]
    assert not missing, f"{path.name}: points to exercises that do not exist: {missing}"
