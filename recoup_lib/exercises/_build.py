"""Trainee copies from master notebooks: solutions out, outputs stripped, same bytes every time.

Masters live in ``exercises/masters/exNN_name.ipynb``. In a master's code
cells, the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` are
the solution: the trainee copy gets one placeholder line instead, at the same
indentation, ``answer = None  # your answer`` unless the BEGIN line says
otherwise after a ``|`` (``### BEGIN SOLUTION | return None  # your code``).
Cells tagged ``solution`` (worked answers, the master's final asserts) are
left out of the trainee copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, UsageError
from ..outputs import check_file, output_file, written_unchanged

if TYPE_CHECKING:
    import nbformat

__all__ = ["BEGIN", "END", "DEFAULT_PLACEHOLDER", "SOLUTION_TAG", "EXERCISES_ENV", "strip_solutions",
           "trainee_notebook", "build_all", "edited_copies", "StaleCopies", "solution_text", "exercises_folder"]

#: Environment variable naming the exercises folder (the one holding ``masters/``).
EXERCISES_ENV = "RECOUP_EXERCISES"

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
DEFAULT_PLACEHOLDER = "answer = None  # your answer"
SOLUTION_TAG = "solution"
#: The step recorded as writing the trainee copies (only it replaces them).
_WRITTEN_BY = "recoup exercises build"
_BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?:\s*\|\s*(?P<placeholder>.*\S))?\s*$")
_END = re.compile(r"^[ \t]*### END SOLUTION\s*$")


def _kit_exercises() -> Path:
    """``exercises/`` beside this package in its repository (present in a clone, not in a wheel)."""
    return Path(__file__).resolve().parents[2] / "exercises"


def exercises_folder(folder: str | os.PathLike | None = None) -> Path:
    """The exercises folder (the one holding ``masters/``), wherever the command is run from.

    Parameters
    ----------
    folder : path-like, optional
        Used as given when given, else ``$RECOUP_EXERCISES`` when set.
        Otherwise the first that holds ``masters/``: the ``exercises/``
        folder of the repository this package was installed from (``make
        install`` installs it in place), then ``exercises/`` in the working
        folder.

    Raises
    ------
    UsageError
        No folder given and neither place holds ``masters/``; the message
        lists where it looked and how to say where the folder is.
    """
    if folder is not None:
        return Path(folder)
    if os.environ.get(EXERCISES_ENV):
        return Path(os.environ[EXERCISES_ENV])
    candidates = [_kit_exercises(), Path.cwd() / "exercises"]
    for candidate in candidates:
        if (candidate / "masters").is_dir():
            return candidate
    looked = ", ".join(str(c) for c in dict.fromkeys(candidates))
    raise UsageError(f"no exercises folder found (looked for masters/ in {looked}); "
                     f"pass --folder PATH (the folder holding masters/) or set ${EXERCISES_ENV}")


def strip_solutions(source: str, where: str = "cell") -> str:
    """Replace every solution region of one cell's source with its placeholder.

    Raises
    ------
    InputError
        A BEGIN without END, an END without BEGIN, or nested regions.
    """
    out: list[str] = []
    inside = False
    for n, line in enumerate(source.split("\n"), start=1):
        begin = _BEGIN.match(line)
        if begin:
            if inside:
                raise InputError(f"{where}, line {n}: '{BEGIN}' inside another solution region")
            inside = True
            out.append(begin.group("indent") + (begin.group("placeholder") or DEFAULT_PLACEHOLDER))
        elif _END.match(line):
            if not inside:
                raise InputError(f"{where}, line {n}: '{END}' without '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise InputError(f"{where}: '{BEGIN}' without '{END}'")
    return "\n".join(out)


def solution_text(master: nbformat.NotebookNode) -> list[str]:
    """The lines a trainee must never see: inside solution regions and in ``solution`` cells."""
    hidden = []
    for cell in master.cells:
        lines = cell.source.split("\n")
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            hidden += lines
            continue
        inside = False
        for line in lines:
            if _BEGIN.match(line):
                inside = True
            elif _END.match(line):
                inside = False
            elif inside:
                hidden.append(line)
    return [h.strip() for h in hidden if h.strip()]


def trainee_notebook(master: nbformat.NotebookNode, name: str = "master") -> nbformat.NotebookNode:
    """The trainee copy of a master notebook (a new object; the master is not changed)."""
    import nbformat  # imported when needed: it costs a trainee's kernel about a second to import

    book = nbformat.v4.new_notebook()
    book.metadata = {k: v for k, v in master.metadata.items() if k in ("kernelspec", "language_info")}
    book.metadata["recoupkit"] = {"generated_from": f"masters/{name}",
                                  "note": "generated by `recoup exercises build`; edit the master"}
    positions = []
    for i, cell in enumerate(master.cells):
        tags = cell.metadata.get("tags", [])
        if SOLUTION_TAG in tags:
            continue
        meta = {k: v for k, v in cell.metadata.items() if k == "tags"}
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(strip_solutions(cell.source, f"{name}, cell {i}"),
                                            metadata=meta)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(cell.source, metadata=meta)
        else:
            new = nbformat.v4.new_raw_cell(cell.source, metadata=meta)
        new["id"] = cell.get("id")
        book.cells.append(new)
        positions.append(i)
    _give_cell_ids(book.cells, positions)
    book.metadata["recoupkit"]["cells_sha256"] = _cells_digest(book.cells)
    book.nbformat, book.nbformat_minor = 4, max(5, master.get("nbformat_minor", 5))
    return book


def _cells_digest(cells) -> str:
    """A checksum of what a trainee can edit in a notebook: each cell's type and source.

    Recorded in the copy as built, it tells a copy someone edited (a cell added,
    an answer written) from an untouched one; outputs, execution counts and the
    metadata Jupyter adds on saving are left out, as running a notebook is not
    editing it.
    """
    def text(source) -> str:
        return "".join(source) if isinstance(source, list) else str(source)

    summary = [[cell.get("cell_type"), text(cell.get("source", ""))] for cell in cells if isinstance(cell, dict)]
    return hashlib.sha256(json.dumps(summary, ensure_ascii=False).encode("utf-8")).hexdigest()


def _text(book: nbformat.NotebookNode) -> str:
    import nbformat

    text = nbformat.writes(book, version=4)
    return text if text.endswith("\n") else text + "\n"


class StaleCopies(list):
    """The trainee copies missing or different from a fresh build (what ``build_all(check=True)``
    returns), with :attr:`edited`: those of them someone edited since they were built (as
    :func:`edited_copies` tells them), found from the same build."""

    def __init__(self, stale=(), edited=()):
        super().__init__(stale)
        self.edited: list[Path] = list(edited)


def build_all(folder: str | Path | None = None, out: str | Path | None = None,
              check: bool = False, force: bool = False) -> list[Path]:
    """Write the trainee copy of every master in ``folder/masters`` to ``out`` (default ``folder``).

    Parameters
    ----------
    folder : path-like, optional
        The exercises folder (holding ``masters/``); default: the one
        :func:`exercises_folder` finds.
    out : path-like, optional
        Where trainee copies go; default ``folder``.
    check : bool, default False
        Write nothing; return the copies that are missing or differ from a
        fresh build (drift), edited ones too: a :class:`StaleCopies`, whose
        ``edited`` lists those (what ``recoup exercises build --check``
        reports).
    force : bool, default False
        Replace trainee copies someone edited since they were built (their
        edits are lost). A file this command did not build is never replaced.

    Returns
    -------
    list of pathlib.Path
        The files written (or, with ``check``, the stale ones, as a
        :class:`StaleCopies`).

    Raises
    ------
    InputError
        No masters found, or a malformed solution region.
    UsageError
        A copy to replace was edited since it was built (without ``force``),
        or is a file this command did not build; nothing is written.
    """
    folder = exercises_folder(folder)
    touched = _fresh_copies(folder, out)
    if check:
        return StaleCopies(touched, _edited(touched))
    edited = [] if force else _edited(touched)
    if edited:
        raise UsageError(_edited_message(edited, folder))
    for target in touched:  # the edited copies are refused above: what is left is the kit's own, or a stranger's
        check_file(target, inputs=[folder / "masters"], written_by=_WRITTEN_BY, option="--out", owned=_built_copy)
    for target, (text, _) in touched.items():
        with output_file(target, inputs=[folder / "masters"], written_by=_WRITTEN_BY, owned=_built_copy) as temporary:
            temporary.write_text(text, encoding="utf-8", newline="\n")
    return list(touched)


def _fresh_copies(folder: Path, out: str | Path | None) -> dict[Path, tuple[str, str]]:
    """The trainee copies a build would write (missing or different): target -> (text, cells checksum)."""
    masters = sorted((folder / "masters").glob("ex*.ipynb"))
    if not masters:
        raise InputError(f"{folder / 'masters'}: no master notebooks (expected exNN_name.ipynb)")
    out = Path(out) if out is not None else folder
    touched = {}
    for path in masters:
        master = _read_master(path)
        try:
            book = trainee_notebook(master, path.name)
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            raise InputError(f"{path}: not a notebook of the expected shape ({type(exc).__name__}: {exc})") from None
        text = _text(book)
        if _current(out / path.name) != text:
            touched[out / path.name] = (text, book.metadata["recoupkit"]["cells_sha256"])
    return touched


def _read_master(path: Path) -> nbformat.NotebookNode:
    import nbformat

    try:
        book = json.loads(path.read_bytes())
        _number_cells_without_id(book)
        return nbformat.reads(json.dumps(book), as_version=4)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, AttributeError, TypeError,
            nbformat.reader.NotJSONError) as exc:
        raise InputError(f"{path}: not a readable Jupyter notebook ({type(exc).__name__}: {exc})") from None


def _number_cells_without_id(book) -> None:
    """Give each cell of a format 4.5+ notebook that lacks an ``id`` one made from its position.

    Notebooks written by hand or by older tools often have no cell ids. nbformat would add random
    ones (and warn), so the same master would give a different trainee copy at every build.
    """
    if not isinstance(book, dict) or book.get("nbformat") != 4 or not isinstance(book.get("cells"), list):
        return
    minor = book.get("nbformat_minor")
    if isinstance(minor, int) and minor >= 5:
        cells = [cell for cell in book["cells"] if isinstance(cell, dict)]
        _give_cell_ids(cells, [n for n, cell in enumerate(book["cells"]) if isinstance(cell, dict)])


def _give_cell_ids(cells, positions) -> None:
    """Give every cell without an id, or with one an earlier cell holds, the id ``cell-N`` (N its position).

    Ids made from positions (skipping those already taken) keep a notebook's bytes the same at every
    build, where nbformat would make random ones.
    """
    taken = {cell.get("id") for cell in cells}
    seen: set[str] = set()
    for position, cell in zip(positions, cells):
        held = cell.get("id")
        if isinstance(held, str) and held and held not in seen:
            seen.add(held)
            continue
        made, extra = f"cell-{position}", 0
        while made in taken:
            extra += 1
            made = f"cell-{position}-{extra}"
        cell["id"] = made
        taken.add(made)
        seen.add(made)


def _current(target: Path) -> str | None:
    try:
        return target.read_text(encoding="utf-8") if target.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def _built_mark(target: Path) -> tuple[dict, list] | None:
    """The ``recoupkit`` metadata and the cells of ``target`` when it is a trainee copy this command
    wrote (its metadata names its master), else None."""
    try:
        book = json.loads(target.read_text(encoding="utf-8"))
        mark = book["metadata"]["recoupkit"]
        made, cells = mark["generated_from"], book["cells"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    return (mark, cells) if made == f"masters/{target.name}" and isinstance(cells, list) else None


def _built_copy(target: Path) -> bool:
    """Whether ``target`` is a trainee copy this command wrote, edited since or not."""
    return _built_mark(target) is not None


def _edited_copy(target: Path, fresh: str) -> bool:
    """Whether ``target`` is a trainee copy this command wrote whose cells are neither as built nor
    those of the fresh build (checksum ``fresh``): replacing it would lose what a trainee wrote."""
    found = _built_mark(target)
    if found is None:
        return False
    mark, cells = found
    return _cells_digest(cells) not in {mark.get("cells_sha256"), fresh} - {None}


def _edited(touched: dict[Path, tuple[str, str]]) -> list[Path]:
    return [target for target, (_, digest) in touched.items()
            if target.is_file() and _edited_copy(target, digest) and not written_unchanged(target)]


def edited_copies(folder: str | Path | None = None, out: str | Path | None = None) -> list[Path]:
    """The trainee copies a build would replace that someone edited since ``recoup exercises build``
    wrote them (``folder`` and ``out`` as in :func:`build_all`).

    A copy is edited when its cells (types and sources; not outputs) differ
    both from the checksum recorded in it when built and from a fresh build.
    A copy built by an earlier version of the kit records no checksum: with
    cells other than a fresh build's, it counts as edited (unless the file
    system still holds the kit's mark of it, unchanged), as the kit cannot
    tell. Files the command did not build are not listed: they are refused
    as any file the kit did not write.
    """
    return build_all(folder, out, check=True).edited


def _edited_message(edited: list[Path], folder: Path) -> str:
    names = ", ".join(str(p) for p in edited)
    return (f"{names}: edited since `recoup exercises build` wrote {'it' if len(edited) == 1 else 'them'} "
            "(cells added or changed, or built by an earlier version of the kit that cannot tell); the build "
            "never writes over a trainee's edits, so nothing was written. To keep the edits, rename or move "
            "the notebook and build again; to replace it with a fresh copy from "
            f"{folder / 'masters'} (the edits are lost), run `recoup exercises build --force`")
