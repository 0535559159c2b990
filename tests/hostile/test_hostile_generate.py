"""Hostile input for ``recoup generate``, and interrupting generate, audit and report at any moment."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from hostile_helpers import AS_OF, Harness

import recoup_lib.csvout
import recoup_lib.outputs
import recoup_lib.synthetic._write
from recoup_lib.outputs import MANIFEST

pytestmark = pytest.mark.slow  # its tests take 20 s or more together: conftest.py starts the file first

SMALL = ["--lines", "50", "--seed", "1", "--no-remits"]


def _tree(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generate_never_deletes_or_overwrites_a_users_files(hostile):
    hostile.write("existing/remits/BCBS_real_2024-05.835", "ISA*00*...~")
    hostile.write("existing/claim_lines.csv", "my,own\n1,2\n")
    run = hostile.run("generate", *SMALL, "--out", "existing", expect=2, names=["--out", "existing", "--force"])
    assert "BCBS_real_2024-05.835" in run.err or "claim_lines.csv" in run.err


def test_generate_force_replaces_a_practice_but_keeps_files_it_did_not_write(hostile):
    hostile.write("existing/remits/BCBS_real_2024-05.835", "ISA*00*...~")
    hostile.write("existing/notes.txt", "mine")
    hostile.run("generate", "--lines", "50", "--seed", "1", "--force", "--out", "existing", expect=0,
                out="existing")
    assert hostile.path("existing/remits/BCBS_real_2024-05.835").read_text() == "ISA*00*...~"
    assert hostile.path("existing/notes.txt").read_text() == "mine"
    assert json.loads(hostile.path("existing/practice.json").read_text())["seed"] == 1
    manifest = json.loads(hostile.path(f"existing/{MANIFEST}").read_text())
    assert "notes.txt" not in manifest["files"] and "claim_lines.csv" in manifest["files"]


def test_generate_force_stops_before_writing_over_a_users_file_of_the_same_name(hostile):
    hostile.write("existing/claim_lines.csv", "claim_id,line_no\nMINE,1\n")
    hostile.write("existing/notes.txt", "mine")
    run = hostile.run("generate", *SMALL, "--force", "--out", "existing", expect=2, out="existing",
                      names=["claim_lines.csv", "--force"])
    assert "nothing was changed" in run.err
    assert hostile.path("existing/claim_lines.csv").read_text() == "claim_id,line_no\nMINE,1\n"
    assert sorted(p.name for p in hostile.path("existing").iterdir()) == ["claim_lines.csv", "notes.txt"]


def test_generate_force_over_an_audits_folder_keeps_the_audits_files(hostile):
    """Without --force a practice is not written over an audit's results (it would delete them); with it,
    they stay, still recorded as the audit's."""
    practice = hostile.practice()
    hostile.run("audit", practice, "--out", "audit", expect=0, out="audit")
    audit = {p.name: p.read_bytes() for p in hostile.path("audit").iterdir() if p.name != MANIFEST}
    hostile.run("generate", *SMALL, "--out", "audit", expect=2, names=["`recoup audit`", "findings.csv", "--force"])
    hostile.run("generate", *SMALL, "--force", "--out", "audit", expect=0, out="audit")
    assert {name: hostile.path(f"audit/{name}").read_bytes() for name in audit} == audit
    manifest = json.loads(hostile.path(f"audit/{MANIFEST}").read_text())
    assert manifest["written_by"] == "recoup generate" and "claim_lines.csv" in manifest["files"]
    assert {rel for rel, entry in manifest["files"].items() if entry.get("written_by") == "recoup audit"} == set(audit)


def test_generate_over_its_own_practice_replaces_it_whole(hostile):
    hostile.run("generate", "--lines", "50", "--seed", "1", "--out", "p", expect=0, out="p")
    assert any(hostile.path("p/remits").iterdir())
    hostile.run("generate", *SMALL[:2], "--seed", "2", "--no-remits", "--out", "p", expect=0, out="p")
    assert not hostile.path("p/remits").exists()
    assert json.loads(hostile.path("p/practice.json").read_text())["seed"] == 2


def test_generate_refuses_a_practice_someone_edited_unless_forced(hostile):
    hostile.run("generate", *SMALL, "--out", "p", expect=0, out="p")
    with open(hostile.path("p/claim_lines.csv"), "a", encoding="utf-8") as handle:
        handle.write("edited\n")
    hostile.run("generate", *SMALL, "--out", "p", expect=2, names=["claim_lines.csv"])
    hostile.run("generate", *SMALL, "--force", "--out", "p", expect=0, out="p")


@pytest.mark.parametrize("argv", [
    ["--lines", "10"], ["--lines", "1000000000000"], ["--lines", "abc"], ["--error-rate", "5"],
    ["--error-rate", "nan"], ["--error-rate", "-inf"], ["--profile", "no_such_profile"],
    ["--start", "2025-13-01"], ["--start", "9999-12-31"], ["--start", "1000-01-01", "--end", "9999-12-31"],
    ["--start", "2025-06-01", "--end", "2025-01-01"], ["--seed", "-1"], ["--seed", "1e9"],
    ["--start", "1901-01-01", "--end", "2099-12-31"],
])
def test_bad_generate_options_are_usage_errors(hostile, argv):
    hostile.run("generate", "--lines", "50", *argv, "--out", "p", expect=2, out="p")
    assert not hostile.path("p").exists()


@pytest.mark.parametrize("option, value", [("--end", "today"), ("--start", "now"), ("--start", "20250601"),
                                           ("--end", "2025-06-01T00:00")])
def test_a_period_date_not_written_yyyy_mm_dd_is_a_usage_error(hostile, option, value):
    """numpy read ``today`` and ``now`` as the wall clock (a practice that changed with the day it was
    made) and ``20250601`` as the year 20,250,601."""
    hostile.run("generate", "--lines", "50", option, value, "--out", "p", expect=2, out="p",
                names=[f"{option[2:]} must be a real date written YYYY-MM-DD; got {value!r}"])
    assert not hostile.path("p").exists()


@pytest.mark.parametrize("start, end", [("2025-06-09", "2025-06-10"), ("2025-01-04", "2025-01-05")])
def test_a_period_too_short_for_the_lines_says_so(hostile, start, end):
    """Two weekdays (or a weekend, when a family practice sees nobody) hold too few visits for 200 lines:
    the run ended in numpy's "need at least one array to concatenate"."""
    hostile.run("generate", "--lines", "200", "--start", start, "--end", end, "--out", "p", expect=2, out="p",
                names=[f"too few visits fit between {start} and {end}", "give a longer period or fewer lines"])
    assert not hostile.path("p").exists()


@pytest.mark.parametrize("profile", [
    "{not json", "[]", '{"period": 5}', json.dumps({"period": {"start": "2025-01-01", "end": "2025-12-31"},
                                                    "providers": 3, "payer_mix": {"X": 1.0}, "em_levels": [],
                                                    "visit_types": "x", "error_mix": {}, "lines_per_patient": 2}),
])
def test_a_malformed_profile_file_is_a_usage_error_naming_it(hostile, profile):
    hostile.write("my_profile.json", profile)
    hostile.run("generate", "--lines", "50", "--profile", "my_profile.json", "--out", "p", expect=2,
                out="p", names=["my_profile"])


@pytest.mark.parametrize("where", ["a_file", "under_a_file", "holds_the_profile", "nul"])
def test_generate_out_that_cannot_be_written_is_exit_2(hostile, where):
    args = []
    out = "p"
    if where == "a_file":
        hostile.write("p", "x")
    elif where == "under_a_file":
        hostile.write("f", "x")
        out = "f/p"
    elif where == "holds_the_profile":
        hostile.write("p/my.json", "{}")
        args = ["--profile", "p/my.json"]
    elif where == "nul":
        out = "p\0x"
    hostile.run("generate", *SMALL, *args, "--out", out, expect=2, names=["--out"])


def _interrupt_write_after(monkeypatch, calls: int):
    """Make the n-th CSV made (or the swap into place, for a large n) raise KeyboardInterrupt.

    Every CSV the kit writes is made by ``csv_bytes``: by ``write_csv``, or
    block by block by the generator when it writes without the 835s.
    """
    count = {"n": 0}
    real = recoup_lib.csvout.csv_bytes

    def flaky(*args, **kwargs):
        count["n"] += 1
        if count["n"] == calls:
            raise KeyboardInterrupt
        return real(*args, **kwargs)
    monkeypatch.setattr(recoup_lib.csvout, "csv_bytes", flaky)
    monkeypatch.setattr(recoup_lib.synthetic._write, "csv_bytes", flaky)
    return count


def _interrupt_commit(monkeypatch):
    """Interrupt after every file is written, while the manifest is being made."""
    def flaky(path):
        raise KeyboardInterrupt
    monkeypatch.setattr(recoup_lib.outputs, "fingerprint", flaky)


def _interrupt_swap(monkeypatch):
    """Interrupt between moving the old result aside and moving the new one in."""
    real = recoup_lib.outputs.Path.rename
    state = {"n": 0}

    def flaky(self, target):
        state["n"] += 1
        if ".recoup-new-" in self.name:
            raise KeyboardInterrupt
        return real(self, target)
    monkeypatch.setattr(recoup_lib.outputs.Path, "rename", flaky)


def _first_argv(command: str, folder) -> list:
    return {"generate": ["generate", *SMALL, "--out", "out"],
            "audit": ["audit", folder, "--out", "out"],
            "report": ["report", folder, "--out", "out", "--as-of", AS_OF]}[command]


@pytest.fixture(scope="module")
def previous_result(tmp_path_factory, practice_template):
    """For a command, a case folder holding the practice and the command's first, uninterrupted
    result in ``out``: made once (a checked run) and copied into each case, as every interruption
    of that command starts from the same result."""
    made = {}

    def copy_into(command: str, hostile: Harness) -> Path:
        if command not in made:
            first = Harness(tmp_path_factory.mktemp(f"first-{command}"), practice_template)
            first.run(*_first_argv(command, first.practice()), expect=0, out="out")
            made[command] = first.root
        for name in ("practice", "out"):
            shutil.copytree(made[command] / name, hostile.path(name))
        return hostile.path("practice")
    return copy_into


@pytest.mark.parametrize("command", ["generate", "audit", "report"])
@pytest.mark.parametrize("when", [1, 2, "commit", "swap"])
def test_an_interrupted_run_leaves_the_previous_result_or_none(hostile, monkeypatch, previous_result,
                                                               command, when):
    folder = previous_result(command, hostile)
    second = {"generate": ["generate", "--lines", "60", "--seed", "9", "--no-remits", "--out", "out"],
              "audit": ["audit", folder, "--out", "out", "--only", "duplicate_claim"],
              "report": ["report", folder, "--out", "out", "--as-of", "2026-07-01"]}[command]
    before = _tree(hostile.path("out"))
    with monkeypatch.context() as patch:
        if when == "swap":
            _interrupt_swap(patch)
        elif when == "commit":
            _interrupt_commit(patch)
        else:
            _interrupt_write_after(patch, when)
        run = hostile.run(*second, expect={130}, out="out")
    assert "interrupted" in run.err
    assert _tree(hostile.path("out")) == before
    assert not [p.name for p in hostile.root.iterdir() if ".recoup-" in p.name]
    hostile.run(*second, expect=0, out="out")
    assert _tree(hostile.path("out")) != before


def test_an_interrupted_first_run_leaves_nothing(hostile, monkeypatch):
    with monkeypatch.context() as patch:
        _interrupt_write_after(patch, 2)
        hostile.run("generate", *SMALL, "--out", "out", expect={130}, out="out")
    assert not hostile.path("out").exists()
    assert list(hostile.root.iterdir()) == []
