"""Finding CMS's NCCI tables in what users download: files, zips, workbooks, and the header row.

:func:`find_tables` opens each path (text, ``.xlsx``, or a zip of them, nested
zips too) into :class:`Table` objects, skipping archive members that are not
tables, change reports and the second format of a table already read (each
skip listed with its reason). :func:`ptp_header` and :func:`mue_header` find
the header row by its column names, never by counting lines, so a longer or
shorter preamble does not matter; header cells split over several lines are
joined. :mod:`recoup_lib.reference.cms` then reads the rows under it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..errors import InputError
from ..filekind import not_a_file_message, text_encoding

__all__ = ["HEADER_SEARCH_ROWS", "HEADER_CONTINUATION_ROWS", "REQUIRED_LABEL", "Table", "Header",
           "find_tables", "ptp_header", "mue_header", "cell_text", "code_cell_text"]

#: How far down a file the header row is looked for.
HEADER_SEARCH_ROWS = 200
#: How many lines under the first header line may continue it (split header cells).
HEADER_CONTINUATION_ROWS = 5

_TEXT_EXTENSIONS = (".txt", ".tsv", ".csv")
_TABLE_EXTENSIONS = _TEXT_EXTENSIONS + (".xlsx", ".xlsm")
# Within a zip, when one table comes in several formats, read the first of these.
_PREFERENCE = {".txt": 0, ".tsv": 1, ".csv": 2, ".xlsx": 3, ".xlsm": 4}

#: The header text named in messages for each contract column (when the file's own is unknown).
REQUIRED_LABEL = {
    "column_1": "Column 1",
    "column_2": "Column 2",
    "effective_date": "Effective Date",
    "deletion_date": "Deletion Date",
    "modifier_indicator": "Modifier",
    "procedure_code": "HCPCS/CPT Code",
    "mue_value": "MUE Values",
    "mai": "MUE Adjudication Indicator",
}


@dataclass
class Table:
    """The rows of one table (a text file, or one sheet of a workbook).

    ``rows`` holds lists of cells (for a large plain text file, only the
    first lines, enough to find the header); ``lines`` then holds every
    physical line, split column-wise in one vectorised pass by
    ``_extract`` of :mod:`recoup_lib.reference.cms`.
    """

    label: str
    name: str
    rows: list
    row_numbers: list
    typed: bool = False           # cells may be numbers/dates (from a workbook)
    lines: list | None = None     # all physical lines, when no CSV quoting is in play
    delimiter: str = "\t"


def _decode(data: bytes) -> str:
    """A text table's characters, in the encoding :func:`~recoup_lib.filekind.text_encoding` finds:
    UTF-8, Excel's "Unicode Text" (UTF-16) of a table re-saved, or a Western one (CMS files carry a
    cp1252 registered-trademark sign in the CPT notice), a UTF-8 byte-order mark left out."""
    return data.removeprefix(codecs.BOM_UTF8).decode(text_encoding(data), errors="replace")


def _text_tables(label: str, name: str, data: bytes, header_test) -> list[Table]:
    """Split a text file into cells, trying tab then comma (or the reverse).

    Without any double quote in the file, lines are split on the delimiter
    directly (fast, and a row number is a line number); otherwise the CSV
    rules apply, so quoted cells may hold delimiters and line breaks.
    """
    text = _decode(data)
    candidates = ["\t", ","] if "\t" in text[:200_000] else [",", "\t"]
    head_size = HEADER_SEARCH_ROWS + HEADER_CONTINUATION_ROWS + 1
    fallback = None
    for delimiter in candidates:
        if '"' not in text:
            lines = text.split("\n")
            head = [ln.rstrip("\r").split(delimiter) for ln in lines[:head_size]]
            table = Table(label, name, head, list(range(1, len(head) + 1)),
                          lines=lines, delimiter=delimiter)
        else:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            rows, numbers = [], []
            for record in reader:
                rows.append(record)
                numbers.append(reader.line_num)
            table = Table(label, name, rows, numbers, delimiter=delimiter)
        if header_test(table.rows) is not None:
            return [table]
        fallback = fallback or table
    return [fallback]


def _xlsx_tables(label: str, name: str, data: bytes) -> list[Table]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a broken file
        raise InputError(f"{label}: cannot be opened as an Excel workbook ({exc})") from exc
    tables = []
    try:
        for sheet in book.worksheets:
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            tables.append(Table(f"{label}[{sheet.title}]", name, rows,
                                list(range(1, len(rows) + 1)), typed=True))
    finally:
        book.close()
    return tables


def _members(label: str, data: bytes, depth: int = 0):
    """Yield ``(label, name, bytes)`` of the table files in a zip (nested zips too)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InputError(f"{label}: not a readable zip archive ({exc})") from exc
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or "__MACOSX" in name or Path(name).name.startswith("."):
                continue
            inner = f"{label}:{name}"
            suffix = Path(name).suffix.lower()
            if suffix == ".zip" and depth < 2:
                yield from _members(inner, archive.read(info), depth + 1)
            else:
                yield inner, Path(name).name, archive.read(info) if suffix in _TABLE_EXTENSIONS else b""


def find_tables(paths, header_test) -> tuple[list[Table], list[str]]:
    """Read every path into tables; return them and the list of skipped parts."""
    tables: list[Table] = []
    skipped: list[str] = []
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise InputError("no file given (expected one or more CMS NCCI files)")
    for path in paths:
        path = Path(path)
        refused = not_a_file_message(path, str(path), "expected a CMS file (.txt, .csv, .xlsx or .zip as downloaded)")
        if refused:
            raise InputError(refused)
        suffix = path.suffix.lower()
        data = path.read_bytes()
        if suffix == ".zip":
            found = _zip_tables(path.name, data, header_test, skipped)
            if not found:
                raise InputError(
                    f"{path.name}: no table with the expected header inside the zip "
                    f"(looked at .txt, .csv and .xlsx members)")
            tables.extend(found)
        elif suffix in _TABLE_EXTENSIONS:
            found = _file_tables(path.name, path.name, data, header_test, skipped)
            if not found:
                raise InputError(_no_header_message(path.name, header_test))
            tables.extend(found)
        else:
            raise InputError(
                f"{path.name}: unsupported file type '{suffix or '(none)'}' "
                "(expected .txt, .csv, .xlsx or .zip as downloaded from CMS)")
    return tables, skipped


def _file_tables(label, name, data, header_test, skipped) -> list[Table]:
    if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        sheets = _xlsx_tables(label, name, data)
    else:
        sheets = _text_tables(label, name, data, header_test)
    usable = [t for t in sheets if header_test(t.rows) is not None]
    if usable and len(sheets) > 1:
        skipped.extend(f"{t.label}: no header row, not read" for t in sheets if t not in usable)
    return usable


def _zip_tables(label, data, header_test, skipped) -> list[Table]:
    members = list(_members(label, data))
    by_stem: dict[str, list] = {}
    for inner, name, content in members:
        suffix = Path(name).suffix.lower()
        if suffix not in _TABLE_EXTENSIONS:
            skipped.append(f"{inner}: not a table file, not read")
            continue
        if "change" in name.lower():
            skipped.append(f"{inner}: a change report, not the full table; not read")
            continue
        by_stem.setdefault(Path(name).stem.lower(), []).append((inner, name, content))
    tables = []
    for group in by_stem.values():
        group.sort(key=lambda m: _PREFERENCE[Path(m[1]).suffix.lower()])
        chosen = None
        for inner, name, content in group:
            if chosen is not None:
                skipped.append(f"{inner}: same table as {chosen}, not read twice")
                continue
            found = _file_tables(inner, name, content, header_test, skipped)
            if found:
                tables.extend(found)
                chosen = inner
            else:
                skipped.append(f"{inner}: no header row {header_test.describes}; not read")
    return tables


def _no_header_message(label: str, header_test) -> str:
    return (f"{label}: no header row {header_test.describes} in the first "
            f"{HEADER_SEARCH_ROWS} rows; is this the right kind of CMS file?")



def cell_text(value) -> str:
    """Any cell (text, or a workbook number/date) as stripped text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y%m%d")
    return str(value).strip()


def code_cell_text(value) -> str:
    """A code cell; a workbook number lost its leading zeros, so pad it to 5."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return cell_text(value).zfill(5)
    return cell_text(value).upper()


def _display(value) -> str:
    """Header text as a person reads it: single spaces, line breaks removed."""
    return re.sub(r"\s+", " ", cell_text(value)).strip()


def _norm(value) -> str:
    """Header text for matching: lower case, single spaces, ``column1`` -> ``column 1``."""
    text = _display(value).replace("_", " ").lower()
    return re.sub(r"\bcolumn ?([12])\b", r"column \1", text)


def _find(names: list[str], test) -> int | None:
    for i, n in enumerate(names):
        if n and test(n):
            return i
    return None


@dataclass
class Header:
    """Where the header is, its cells, and which column holds what."""

    row: int                       # index of the first header row in the table's rows
    labels: list[str]              # header cells as written (split cells joined)
    columns: dict[str, int | None]
    extra_rows: int = 0            # header continuation lines under the first one

    @property
    def names(self) -> list[str]:
        return [_norm(x) for x in self.labels]

    def label(self, key: str) -> str:
        i = self.columns.get(key)
        text = self.labels[i] if i is not None and i < len(self.labels) else ""
        return text or REQUIRED_LABEL.get(key, key)


def _ptp_columns(names: list[str]) -> dict[str, int | None]:
    return {
        "column_1": _find(names, lambda n: n == "column 1"),
        "column_2": _find(names, lambda n: n == "column 2"),
        "prior_1996": _find(names, lambda n: "1996" in n or "existence" in n),
        "effective_date": _find(names, lambda n: n.startswith("effective")),
        "deletion_date": _find(names, lambda n: n.startswith("deletion")),
        "modifier_indicator": _find(names, lambda n: n.startswith("modifier")),
        "rationale": _find(names, lambda n: "rationale" in n),
    }


def ptp_header(rows: list) -> Header | None:
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [_norm(c) for c in row]
        if "column 1" not in names or "column 2" not in names:
            continue
        c1, c2 = names.index("column 1"), names.index("column 2")
        labels = [_display(c) for c in row]
        extra = blank = 0
        # Header cells may continue on the next lines ("Effective" / "Date"); a blank line is part of the
        # header only with a continuation under it, else a blank row above the data, counted as one.
        for nxt in rows[i + 1: i + 1 + HEADER_CONTINUATION_ROWS]:
            cells = [_display(c) for c in nxt]
            if not any(cells):
                blank += 1
                continue
            if (len(cells) > c1 and cells[c1]) or (len(cells) > c2 and cells[c2]):
                break
            width = max(len(labels), len(cells))
            labels += [""] * (width - len(labels))
            cells += [""] * (width - len(cells))
            labels = [f"{a} {b}".strip() for a, b in zip(labels, cells)]
            extra, blank = extra + blank + 1, 0
        return Header(i, labels, _ptp_columns([_norm(x) for x in labels]), extra)
    return None


ptp_header.describes = "with 'Column 1' and 'Column 2'"


def _mue_columns(names: list[str]) -> dict[str, int | None]:
    return {
        "procedure_code": _find(names, lambda n: n.startswith(("hcpcs", "cpt", "procedure code"))),
        "mue_value": _find(names, lambda n: "mue value" in n or n == "mue"),
        "mai": _find(names, lambda n: "adjudication indicator" in n or n == "mai"),
        "rationale": _find(names, lambda n: "rationale" in n),
    }


def mue_header(rows: list) -> Header | None:
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _mue_columns([_norm(c) for c in row])
        if all(columns[k] is not None for k in ("procedure_code", "mue_value", "mai")):
            return Header(i, [_display(c) for c in row], columns)
    return None


mue_header.describes = "with 'HCPCS/CPT Code', '... MUE Values' and 'MUE Adjudication Indicator'"
