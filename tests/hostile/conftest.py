"""Fixtures of the hostile-input suite (see ``hostile_helpers.py``)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hostile_helpers import Harness

from recoup_lib.cli import main


@pytest.fixture(scope="session")
def practice_template(tmp_path_factory) -> Path:
    """A small generated practice, shared read-only by every case (each case works on a copy)."""
    root = tmp_path_factory.mktemp("hostile-template")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(["generate", "--lines", "60", "--seed", "3", "--out", str(root / "practice")]) == 0
    return root / "practice"


@pytest.fixture
def hostile(tmp_path, practice_template) -> Harness:
    return Harness(tmp_path, practice_template)
