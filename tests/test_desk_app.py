"""The practice desk app (apps/practice_desk.ipynb) and the make targets a trainer starts, without a browser.

nbval runs the app itself (``apps`` is a test path); ``tests/test_browser_make.py``
opens ``make lab`` and ``make desk`` in Chromium. This file checks the form
of the app and what ``make -n`` would run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "apps" / "practice_desk.ipynb"
BOOK = nbformat.read(APP, as_version=4)
CODE = [c for c in BOOK.cells if c.cell_type == "code"]

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def test_the_app_is_a_stripped_python3_notebook_opening_with_its_title():
    nbformat.validate(BOOK)
    assert BOOK.metadata["kernelspec"]["name"] == "python3"
    assert all(not c.outputs and c.execution_count is None for c in CODE), "strip the app's outputs"
    assert BOOK.cells[0].cell_type == "markdown" and BOOK.cells[0].source.startswith("# ")


def test_the_app_is_seeded_and_says_which_practice_it_generates():
    params = [c for c in CODE if "parameters" in c.metadata.get("tags", [])]
    assert params and re.search(r"^SEED = ", params[0].source, flags=re.M)
    assert re.search(r"^PROFILE = ", params[0].source, flags=re.M)
    first_random = next(i for i, c in enumerate(CODE) if re.search(r"\bgenerate(?:_practice)?\(", c.source))
    assert CODE.index(params[0]) < first_random


def test_the_app_uses_public_modules_only_and_no_machine_paths():
    source = "\n".join(c.source for c in CODE)
    assert not re.findall(r"(?:from|import)\s+recoup_lib(?:\.\w+)*\._\w+", source)
    assert not re.search(r"""["'](?:\.\./)*tests/|(?<![\w.~])/(tmp|home|root|work|Users)/""", source)


def test_the_app_shows_the_four_desks_in_one_widget_with_a_stable_class():
    source = "\n".join(c.source for c in CODE)
    for desk in ("claim_reviewer(", "appeal_desk(", "remittance_explainer(", "mapping_widget("):
        assert desk in source
    assert 'add_class("recoup-practice-desk")' in source
    assert CODE[-1].source.rstrip().endswith("desk"), "the app ends by showing the desk"


def test_nbval_runs_the_app():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "apps" in config["testpaths"]


@needs_make
def test_make_lab_prints_the_address_with_its_token_and_allows_root():
    done = subprocess.run(["make", "-n", "lab", "PORT=8899", "TOKEN=t0ken"], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    script = done.stdout
    assert 'token="t0ken"' in script and "http://127.0.0.1:8899/lab?token=$token" in script
    assert script.index("printf") < script.index("jupyter lab")
    assert "--allow-root" in script and '--IdentityProvider.token="$token"' in script
    assert "--ServerApp.port_retries=0" in script


@needs_make
def test_make_lab_makes_a_new_token_when_none_is_given():
    done = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True)
    assert 'token=""; [ -n "$token" ] || token=$(' in done.stdout and "secrets.token_hex" in done.stdout


@needs_make
def test_make_desk_serves_the_app_with_voila_without_code_or_tracebacks():
    done = subprocess.run(["make", "-n", "desk", "DESK_PORT=8877", "SEED=12"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    script = done.stdout
    assert "voila apps/practice_desk.ipynb" in script and "--port=8877" in script
    assert "--strip_sources=True" in script and "--show_tracebacks=False" in script
    assert '--token="$token"' in script and "http://127.0.0.1:8877/?token=$token" in script
    assert 'RECOUP_DESK_SEED="12"' in script


@needs_make
def test_make_desk_folder_passes_the_offices_folder_as_an_absolute_path(tmp_path):
    """``make desk FOLDER=office`` opens an office's own folder: Voila runs the app in apps/, so a path relative to
    where make was run is made absolute first, and a folder that does not exist, or a file given for it, stops make
    with exit 2 saying which."""
    office = tmp_path / "my office"
    office.mkdir()
    done = subprocess.run(["make", "-n", "desk", f"FOLDER={office}"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    script = done.stdout[done.stdout.index('folder="'):]
    assert 'RECOUP_DESK_FOLDER="$folder"' in script
    shell = script[:script.index("printf '\\n  RecoupKit")] + 'printf "%s" "$folder"'
    ran = subprocess.run(["sh", "-c", shell], cwd=tmp_path, capture_output=True, text=True)
    assert (ran.returncode, ran.stdout) == (0, str(office.resolve()))
    relative = shell.replace(f'folder="{office}"', 'folder="my office"')
    assert subprocess.run(["sh", "-c", relative], cwd=tmp_path, capture_output=True, text=True).stdout == str(
        office.resolve())
    gone = subprocess.run(["sh", "-c", shell.replace(str(office), str(tmp_path / "nowhere"))], cwd=tmp_path,
                          capture_output=True, text=True)
    assert gone.returncode == 2 and "no such folder" in gone.stderr
    (tmp_path / "claim_lines.csv").write_text("claim_id\n", encoding="utf-8")
    a_file = subprocess.run(["sh", "-c", shell.replace(str(office), str(tmp_path / "claim_lines.csv"))],
                            cwd=tmp_path, capture_output=True, text=True)
    assert a_file.returncode == 2 and "claim_lines.csv: a file, not a folder" in a_file.stderr
