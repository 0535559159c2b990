"""``make handouts``: one printable HTML page per lesson, executed (its charts in it), without code.

One lesson is converted here through the Makefile's own rule (into a
temporary folder, with this test's interpreter); a dry run checks that the
target makes a page for every lesson.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: A lesson with charts (the Medicare calendar, the causes) that runs in a few seconds.
SAMPLE = ROOT / "notebooks" / "00_what_is_recoupment.ipynb"

pytestmark = [pytest.mark.skipif(shutil.which("make") is None, reason="needs make"), pytest.mark.slow]


def _make(*args: str) -> subprocess.CompletedProcess:
    # The test's own interpreter and tools; STAMP= leaves the install step out.
    return subprocess.run(["make", "--no-print-directory", *args, f"BIN={Path(sys.executable).parent}",
                           "STAMP="], cwd=ROOT, capture_output=True, text=True, timeout=900)


def _visible(page: str) -> str:
    body = page.split("<body", 1)[1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_the_target_makes_one_page_per_lesson(tmp_path):
    done = _make("-n", "handouts", f"HANDOUTS_DIR={tmp_path}")
    assert done.returncode == 0, done.stderr
    commands = [line for line in done.stdout.splitlines()
                if "nbconvert" in line or line.strip().endswith(".ipynb")]
    converted = re.findall(r"notebooks/(\d\d_[a-z0-9_]+)\.ipynb", "\n".join(commands))
    assert converted == [p.stem for p in LESSONS]
    assert "--no-input" in done.stdout and "--execute" in done.stdout and str(tmp_path) in done.stdout


def test_a_handout_has_the_lessons_text_and_charts_and_no_code(tmp_path):
    done = _make(f"{tmp_path}/{SAMPLE.stem}.html", f"HANDOUTS_DIR={tmp_path}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p.name for p in tmp_path.iterdir()] == [f"{SAMPLE.stem}.html"]
    page = (tmp_path / f"{SAMPLE.stem}.html").read_text(encoding="utf-8")
    text = " ".join(_visible(page).split())

    book = nbformat.read(SAMPLE, as_version=4)
    title = book.cells[0].source.splitlines()[0].lstrip("# ").strip()
    assert title in text
    charts = re.findall(r"<img[^>]+src=\"data:image/png;base64,[A-Za-z0-9+/=]{1000,}", page)
    assert len(charts) >= 2, "the lesson's charts are missing: was it executed?"

    code = [line.strip() for c in book.cells if c.cell_type == "code" for line in c.source.splitlines()
            if len(line.strip()) >= 15 and not line.strip().startswith("#")]
    assert code
    shown = [line for line in code if " ".join(line.split()) in text]
    assert not shown, f"code in the handout: {shown[:5]}"
    body = page.split("<body", 1)[1]
    code_markup = r'class="[^"]*\b(jp-InputArea-editor|jp-InputPrompt|jp-OutputPrompt|hl-ipython3)\b'
    assert not re.search(code_markup, body), "code cell markup in the handout"
