"""The hostile-input harness: every command run in-process on broken, extreme and malicious input.

Each case copies a small generated practice into its own folder, may break
it, runs ``recoup_lib.cli.main(argv)`` and checks what ``docs/contract.md``
promises ("Errors" and "Output safety"), whatever the input:

- no traceback and no "unexpected error" (a crash the command line masked);
- the contract's exit status (0 ok, 1 results could not be produced, 2 usage);
- a failure's message names the file (and, for a bad value, its row and column);
- every "rows read = used + set aside" the command prints adds up;
- no input file changed, nothing written outside ``--out``;
- no CSV cell the command wrote starts a formula (``=``, ``+``, ``-``, ``@``,
  tab, carriage return, unless it is a number).

The ``hostile`` fixture (``conftest.py``) gives each test a :class:`Harness`.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from recoup_lib.cli import main
from recoup_lib.outputs import MANIFEST

AS_OF = "2026-06-01"
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
# "12 rows read = 10 used + 2 set aside", "12 read = 10 used + 2 set aside", "rows read 12 = used 10 + set aside 2",
# "15 rows read = 10 used + 2 set aside + 3 blank row(s) skipped"
_COUNTS = (re.compile(r"(\d[\d,]*) (?:rows )?read = (\d[\d,]*) used \+ (\d[\d,]*) set aside"
                      r"(?: \+ (\d[\d,]*) blank row\(s\) skipped)?"),
           re.compile(r"rows read (\d[\d,]*) = used (\d[\d,]*) \+ set aside (\d[\d,]*)()"))


def _snapshot(root: Path) -> dict[str, str]:
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            files.setdefault(path.relative_to(root).as_posix() + "/", "dir")
    return files


@dataclass
class Run:
    """What one command run gave: exit status, standard output and error."""

    argv: list[str]
    code: int
    out: str
    err: str


def csv_cells(path: Path):
    """Every cell of a CSV the kit wrote (header included), as read by Python's csv module."""
    with open(path, encoding="utf-8", newline="") as handle:
        yield from (cell for row in csv.reader(handle) for cell in row)


def formula_cells(folder: Path) -> list[str]:
    """Cells that a spreadsheet would run as a formula, in every CSV under ``folder``."""
    found = []
    csv_files = [folder] if folder.is_file() else sorted(folder.rglob("*.csv"))
    for path in csv_files:
        if path.suffix != ".csv":
            continue
        for cell in csv_cells(path):
            if _FORMULA.match(cell) and not _NUMBER.match(cell):
                found.append(f"{path.name}: {cell[:40]!r}")
    return found


class Harness:
    """One case's working folder, the practice to break, and the checked run."""

    def __init__(self, root: Path, template: Path):
        self.root = root
        self.template = template
        self.runs = 0

    def practice(self, name: str = "practice") -> Path:
        """A fresh copy of the small generated practice (with notices, payers and remits/)."""
        target = self.root / name
        shutil.copytree(self.template, target)
        (target / MANIFEST).unlink(missing_ok=True)
        return target

    def path(self, name: str) -> Path:
        return self.root / name

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", newline="")
        return path

    def run(self, *argv, expect, out: str | Path | None = None, names=(), changes: tuple[str, ...] = ()) -> Run:
        """Run ``recoup ARGV`` in-process and check the contract's promises.

        Parameters
        ----------
        expect : int or set of int
            The exit status the contract gives.
        out : path, optional
            Where the command may write (a folder, or one file); nothing else may change.
        names : iterable of str
            Text a failing run's message must hold (the file, the row, the column).
        changes : tuple of str
            Paths (relative to the case folder) the command is allowed to write besides ``out``.
        """
        argv = [str(a) for a in argv]
        before = _snapshot(self.root)
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
                contextlib.chdir(self.root):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
        self.runs += 1
        run = Run(argv, code, stdout.getvalue(), stderr.getvalue())
        if os.environ.get("RECOUP_HOSTILE_TALLY"):  # one line per run: command, exit status
            with open(os.environ["RECOUP_HOSTILE_TALLY"], "a", encoding="utf-8") as tally:
                tally.write(f"{' '.join(argv[:2] if argv[0] in ('exercises', 'reference') else argv[:1])}\t{code}\n")
        after = _snapshot(self.root)
        shown = f"recoup {' '.join(argv)} -> {code}\nstdout: {run.out[-1500:]}\nstderr: {run.err[-1500:]}"
        assert "unexpected error" not in run.err and "Traceback" not in run.err, shown
        allowed = {expect} if isinstance(expect, int) else set(expect)
        assert code in allowed, shown
        if code != 0:
            assert run.err.strip(), f"a failing run says nothing: {shown}"
            for name in names:
                assert str(name) in run.err, f"the message does not name {name!r}: {shown}"
        for line in (run.out + run.err).splitlines():
            for pattern in _COUNTS:
                for read, used, aside, blank in pattern.findall(line):
                    n = [int(x.replace(",", "") or 0) for x in (read, used, aside, blank)]
                    assert n[0] == n[1] + n[2] + n[3], f"rows read != used + set aside (+ blank) in {line!r}: {shown}"
        out_rel = None
        if out is not None:
            out_path = Path(out) if Path(out).is_absolute() else self.root / out
            try:
                out_rel = out_path.resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                out_rel = None

        def inside(rel: str) -> bool:
            rel = rel.rstrip("/")
            if any(rel == c or rel.startswith(c.rstrip("/") + "/") for c in changes):
                return True
            return out_rel is not None and (rel == out_rel or rel.startswith(out_rel + "/"))

        changed = sorted(k for k in set(before) | set(after)
                         if before.get(k) != after.get(k) and not inside(k))
        assert not changed, f"changed outside --out: {changed[:10]}\n{shown}"
        if out_rel is not None and (self.root / out_rel).exists():
            assert not formula_cells(self.root / out_rel), f"formula cells: {formula_cells(self.root / out_rel)[:5]}"
        return run


def rewrite_csv(path: Path, change) -> None:
    """Read a CSV as lists, let ``change(rows)`` edit them (header is rows[0]), write it back."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    change(rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell (``row`` 1 = the first data row) of a CSV."""
    def change(rows):
        rows[row][rows[0].index(column)] = value
    rewrite_csv(path, change)


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))

