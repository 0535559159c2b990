"""Workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) read as exports: one sheet's cells as text.

python-calamine reads the sheet (openpyxl when it cannot), each given the
file's content, not its name: by name, calamine cannot open a file whose name
is not UTF-8 (one saved on a Latin-1 system) and openpyxl refuses one ending
``.csv``, as a workbook saved as ``cl\\xe9ims.csv`` is. A range of merged
cells gives its value to each of its cells, and formula cells saved without
their value are named, so the summary of an import says why they read blank.
The header is found and the rows kept as :mod:`._tables` does for a CSV.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import itertools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa

from ..errors import InputError
from ..filekind import shown
from ._calendar import EXCEL_DAY_ZERO
from ._disguised import spreadsheet_xml_rows, web_page_rows
from ._header_rows import Header, above_header, find_header_rows, preview_rows
from ._tables import RawExport, _unique

__all__ = ["read_workbook"]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.10f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _column_letters(column: int) -> str:
    """A spreadsheet's name for a column numbered from 0: 0 -> ``A``, 27 -> ``AB``."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _fill_merged(grid: list[list], merged) -> list[str]:
    """Give every cell of each merged range the value of its first cell; the ranges filled, as ``A5:A9``.

    Billing reports merge a claim's number or a patient's name down the rows
    of its lines; a spreadsheet keeps the value in the range's first cell and
    leaves the others blank. Read as they are, those rows would lack their
    claim; the merge says the value belongs to every cell of the range.
    """
    filled = []
    for (top, left), (bottom, right) in sorted(merged or ()):
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        for r in range(top, min(bottom, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                if (r, c) != (top, left) and row[c] in ("", None):
                    row[c] = value
        filled.append(f"{_column_letters(left)}{top + 1}:{_column_letters(right)}{bottom + 1}")
    return filled


#: Sheets larger than this (uncompressed) are not searched for formulas without a saved value.
_FORMULA_SCAN_BYTES = 64 << 20
_XML_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_SAVED_VALUE = re.compile(rb'<v>[^<]|<is>', re.S)


def _attributes(tag_pattern: bytes, xml: bytes) -> list[dict]:
    """The attributes of every tag ``tag_pattern`` matches in ``xml``, one dict per tag."""
    return [dict(_XML_ATTRIBUTE.findall(tag)) for tag in re.findall(tag_pattern, xml)]


def _workbook_part(path: Path) -> bytes | None:
    """The workbook part (``xl/workbook.xml``) of an .xlsx or .xlsm, read once for the sheets' names
    and the date system; None when the file holds none (.ods, .xls, .xlsb) or cannot be read."""
    try:
        with zipfile.ZipFile(path) as book:
            return book.read("xl/workbook.xml")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _formulas_without_values(path: Path, sheet: str, workbook_part: bytes | None) -> list[str]:
    """Cells of an .xlsx sheet holding a formula and no saved value, as ``C7`` (reading the file's XML;
    ``workbook_part``: its ``xl/workbook.xml``, see :func:`_workbook_part`).

    A workbook written by a program that does not calculate (a script, some exports) keeps formulas
    without their results; every reader then sees those cells blank. Saying which cells they are
    turns a puzzling "expected a value" into something a user can fix (open and save the workbook
    in a spreadsheet program). Sheets over :data:`_FORMULA_SCAN_BYTES` are not searched.
    """
    if workbook_part is None:
        return []
    try:
        with zipfile.ZipFile(path) as book:
            sheets = {html.unescape(a.get(b"name", b"").decode("utf-8")): a.get(b"r:id", b"")
                      for a in _attributes(rb"<sheet\b[^>]*>", workbook_part)}
            targets = {a.get(b"Id"): a.get(b"Target")
                       for a in _attributes(rb"<Relationship\b[^>]*>", book.read("xl/_rels/workbook.xml.rels"))}
            target = (targets.get(sheets.get(sheet)) or b"").decode("utf-8")
            if not target:
                return []
            member = target.lstrip("/") if target.startswith("/") else "xl/" + target
            if book.getinfo(member).file_size > _FORMULA_SCAN_BYTES:
                return []
            xml = book.read(member)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, UnicodeDecodeError):
        return []
    if b"<f" not in xml:
        return []
    found = []
    for attributes, body in _CELL.findall(xml):
        if body and b"<f" in body and not _SAVED_VALUE.search(body):
            found.append(dict(_XML_ATTRIBUTE.findall(attributes)).get(b"r", b"?").decode("ascii", "replace"))
    return found


#: A workbook part saying its serial numbers count from 1904 (Mac Excel's date system) ...
_DATE1904 = re.compile(rb'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"')
#: ... and the day zero an OpenDocument spreadsheet names (LibreOffice's "null date").
_NULL_DATE = re.compile(rb'<table:null-date\b[^>]*\btable:date-value="(\d{4}-\d{2}-\d{2})')


def _day_zero(path: Path, workbook_part: bytes | None) -> str | None:
    """The day a workbook counts its date serial numbers from when it is not Excel's usual
    1899-12-30: ``"1904-01-01"`` for an .xlsx or .xlsm saved in the 1904 date system (``date1904``
    in its workbook part: Mac Excel's, kept by the workbooks it made), an .ods's own null date;
    None for the usual one, and for a workbook it cannot tell from (.xls, .xlsb).

    A reader turns the cells formatted as dates with it; a date written as a number formatted
    General stays a number, and read with the usual day zero it would fall 4 years and a day early.
    ``workbook_part``: the file's ``xl/workbook.xml`` (see :func:`_workbook_part`).
    """
    if workbook_part is not None:
        return "1904-01-01" if _DATE1904.search(workbook_part) else None
    try:
        with zipfile.ZipFile(path) as book:
            names = set(book.namelist())
            if "content.xml" in names and "xl/workbook.xml" not in names:
                with book.open("content.xml") as content:
                    found = _NULL_DATE.search(content.read(1 << 20))
                zero = found.group(1).decode("ascii") if found else EXCEL_DAY_ZERO
                return None if zero == EXCEL_DAY_ZERO else zero
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    return None


def _first_shown_sheet(names: list[str], showing: list[bool], filled) -> str:
    """The sheet an export is read from when none is named: the first one a spreadsheet shows that
    holds a cell (``filled(name)``), else the first one shown, else the first.

    A billing office's workbook may open on a hidden lookup sheet or an empty ``Sheet1`` left
    before the report; the user sees, and means, the report.
    """
    visible = [n for n, s in zip(names, showing) if s] or names[:1]
    return next((n for n in visible if filled(n)), visible[0])


@dataclass
class _Book:
    """A workbook opened once: the names of its sheets and of those a spreadsheet shows, the sheet read
    when none is named (:func:`_first_shown_sheet`), and ``rows(name, limit)``: the cells of a sheet's
    first ``limit`` rows (all of them when None), merged ranges filled (see :func:`_fill_merged`), and
    the ranges filled."""

    names: list[str]
    visible: list[str]
    first: str
    rows: Callable[[str, int | None], tuple[list[list], list[str]]]


def _sheet_named(path: Path, sheet: str | None, names: list[str]) -> None:
    if sheet is not None and sheet not in names:
        raise InputError(f"{shown(path.name)}: no sheet named {sheet!r} (sheets: {', '.join(names)})")


def _calamine_book(path: Path, sheet: str | None) -> _Book:
    """The workbook as python-calamine reads it; a sheet it fails on is read by openpyxl."""
    import python_calamine

    with open(path, "rb") as handle:
        book = python_calamine.CalamineWorkbook.from_filelike(handle)
    names = list(book.sheet_names)
    _sheet_named(path, sheet, names)
    showing = [str(m.visible).endswith(".Visible") and str(m.typ).endswith(".WorkSheet")
               for m in book.sheets_metadata]
    load = functools.lru_cache(maxsize=1)(book.get_sheet_by_name)   # each sheet parsed once, read in turn
    first = sheet if sheet is not None else _first_shown_sheet(names, showing, lambda n: load(n).height > 0)
    fallback = functools.cache(lambda: _openpyxl_book(path, None))

    def rows(name: str, limit: int | None) -> tuple[list[list], list[str]]:
        try:
            found = load(name)
            grid = found.to_python(skip_empty_area=False, nrows=limit)
        except Exception:  # noqa: BLE001 - openpyxl reads it (the whole workbook, if the first: _open_book)
            if name == first:
                raise
            return fallback().rows(name, limit)
        return grid, _fill_merged(grid, getattr(found, "merged_cell_ranges", None))

    return _Book(names, [n for n, s in zip(names, showing) if s], first, rows)


def _openpyxl_book(path: Path, sheet: str | None) -> _Book:
    """The workbook as openpyxl reads it (merged ranges not filled: read-only mode does not list them)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"{shown(path.name)}: not a readable workbook ({type(exc).__name__}: {exc})") from None
    names = book.sheetnames
    _sheet_named(path, sheet, names)
    visible = [n for n in names if book[n].sheet_state == "visible"]
    first = sheet if sheet is not None else _first_shown_sheet(
        names, [n in visible for n in names], lambda n: next(book[n].iter_rows(values_only=True), None) is not None)

    def rows(name: str, limit: int | None) -> tuple[list[list], list[str]]:
        return [list(r) for r in itertools.islice(book[name].iter_rows(min_row=1, values_only=True), limit)], []

    return _Book(names, visible, first, rows)


def _open_book(path: Path, sheet: str | None, kind: str) -> tuple[_Book, list[list], list[str]]:
    """The workbook opened, and the whole of the sheet it is read from (``sheet``, else ``first``) with
    the merged ranges filled. ``kind``: what the file holds (:func:`._disguised.content_kind`): a web
    page's table or an Excel 2003 XML sheet is read as a sheet (a zip that is no workbook never comes
    here: :func:`._disguised.content_kind` names it)."""
    if kind in ("html", "spreadsheetml"):
        read = web_page_rows if kind == "html" else spreadsheet_xml_rows
        grid, first, names = read(path, sheet)

        def rows(name: str, limit: int | None) -> tuple[list[list], list[str]]:
            return (grid if name == first else read(path, name)[0])[:limit], []

        return _Book(names, names, first, rows), grid, []
    try:
        book = _calamine_book(path, sheet)
        return book, *book.rows(book.first, None)
    except InputError:
        raise
    except Exception:  # noqa: BLE001 - any calamine failure: try openpyxl before giving up
        pass
    book = _openpyxl_book(path, sheet)
    return book, *book.rows(book.first, None)


#: Rows of a sheet first read to look for its header in; more when blank rows leave fewer than
#: :func:`._header_rows.preview_rows` looks at.
_FIRST_ROWS = 256


def _first_rows(book: _Book, name: str) -> list[list[str]]:
    """The first rows of sheet ``name`` as text, as many as :func:`._header_rows.preview_rows` looks at
    (read from the sheet alone, not the whole of it)."""
    limit = _FIRST_ROWS
    while True:
        grid = book.rows(name, limit)[0]
        preview = list(preview_rows([_cell_text(v) for v in row] for row in grid))
        if len(preview) < len(grid) or len(grid) < limit:
            return preview
        limit *= 8


@dataclass
class _Sheet:
    """A sheet as read to find its header: its name, cells, merged ranges filled, first rows and header."""

    name: str
    grid: list[list]
    merged: list[str]
    preview: list[list[str]]
    header: Header


def _read_sheet(name: str, grid: list[list], merged: list[str], score) -> _Sheet:
    """Sheet ``name`` (its cells ``grid``, ``merged`` the ranges filled) with its header found."""
    preview = list(preview_rows([_cell_text(v) for v in row] for row in grid))
    return _Sheet(name, grid, merged, preview, find_header_rows(preview, score))


def _past_a_cover_page(path: Path, book: _Book, cover: _Sheet, score) -> tuple[_Sheet, str]:
    """The sheet to read in place of a cover page (a first sheet with a title and a run date, no row
    naming two fields): the one other shown sheet whose header names every field the import needs
    (``score.usable``, found in its first rows: :func:`_first_rows`), and the note saying so; the
    cover page itself (and no note) when none does.

    Raises
    ------
    InputError
        Several sheets do: which one is meant cannot be told; the message names them and how to
        name one.
    """
    found, names = None, []
    for name in book.visible:
        if name == cover.name:
            continue
        if score.usable(find_header_rows(_first_rows(book, name), score).cells):
            found = found or _read_sheet(name, *book.rows(name, None), score)   # the others' names only
            names.append(name)
    if found is None:
        return cover, ""
    if len(names) > 1:
        raise InputError(f"{shown(path.name)}: sheet {cover.name!r} holds no table (a cover page?), and sheets "
                         f"{', '.join(map(repr, names))} each hold one with every required field: name the one "
                         f"to read as {shown(path.name)}#SHEET (e.g. {shown(path.name)}#{names[0]})")
    return found, (f"sheet {cover.name!r} holds no table (a cover page?): sheet {found.name!r} read, the one "
                   "other sheet holding a table with every required field")


def read_workbook(path: Path, sheet: str | None, score, kind: str = "workbook") -> RawExport:
    """A workbook's sheet as an export: ``sheet``, else the first shown one holding cells (see
    :func:`_first_shown_sheet`), or past it when it is a cover page (see :func:`_past_a_cover_page`);
    merged ranges filled (see :func:`_fill_merged`), formula cells without a saved value noted (see
    :func:`_formulas_without_values`), a header split over two rows joined (see
    :func:`._header_rows.find_header_rows`)."""
    book, grid, merged = _open_book(path, sheet, kind)
    read, names = _read_sheet(book.first, grid, merged, score), book.names
    label = f"{shown(path.name)}#{read.name}" if sheet is not None else shown(path.name)
    if not any(any(c.strip() for c in row) for row in read.preview):
        others = [n for n in names if n != read.name]
        raise InputError(f"{label}: sheet {read.name!r} is empty (expected a header row and data)"
                         + (f"; the workbook's other sheets: {', '.join(map(repr, others))} "
                            f"(name one as {shown(path.name)}#SHEET)" if others else ""))
    sheet_note = ""
    if sheet is None and score(read.header.cells) < 2 and hasattr(score, "complete"):
        read, sheet_note = _past_a_cover_page(path, book, read, score)
    chosen, grid, header, preview = read.name, read.grid, read.header, read.preview
    workbook_part = _workbook_part(path) if kind == "workbook" else None
    unsaved = _formulas_without_values(path, chosen, workbook_part) if kind == "workbook" else []
    last = max((j for j, c in enumerate(header.cells) if c.strip()), default=0)
    headers = _unique([h.strip() for h in header.cells[:last + 1]])
    width = len(headers)
    set_aside = [(i + 1, above_header(r), " | ".join(c for c in r if c.strip()))
                 for i, r in enumerate(preview[:header.first]) if any(c.strip() for c in r)]
    start = header.last + 1
    body = grid[start:]
    keep, rows = [], []
    for i, row in enumerate(body):
        cells = [_cell_text(v) for v in row[:width]]
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        spill = [_cell_text(v) for v in row[width:]]
        if any(c.strip() for c in spill):
            set_aside.append((start + 1 + i, f"values beyond the last headed column ({width})",
                              " | ".join(c for c in cells + spill if c.strip())))
            continue
        if not any(c.strip() for c in cells):
            continue
        keep.append(cells)
        rows.append(start + 1 + i)
    columns = {h: pa.array([r[j] for r in keep], pa.string()) for j, h in enumerate(headers)}
    info = {"encoding": None, "delimiter": None, "sheet": chosen, "header_row": header.first + 1,
            "merged": read.merged, "formulas_without_values": unsaved,
            "other_sheets": [n for n in names if n != chosen], "sheet_note": sheet_note,
            "header_note": header.note(lambda i: i + 1),
            "date_epoch": _day_zero(path, workbook_part) if kind == "workbook" else None}
    return RawExport(label, headers, columns, np.asarray(rows, dtype=np.int64), set_aside, info)
