"""Read CMS's quarterly NCCI PTP and MUE files as users download them.

CMS publishes the Medicare NCCI procedure-to-procedure (PTP) edits and the
medically unlikely edits (MUE) every quarter. This module turns those files,
untouched, into the kit's contract tables ``ncci_ptp.csv`` and ``mue.csv``
(``docs/contract.md``): :func:`read_ptp` and :func:`read_mue` return typed
DataFrames plus every problem found, and the rows set aside.

The layouts read (evidence in ``data/README.md``, section "CMS NCCI
files"):

PTP (``ccipra-v322r0-f1.txt`` practitioner, ``ccioph-...`` outpatient
hospital; the practitioner table may come in parts f1..f4)
    Tab-delimited text: a few preamble lines (the AMA CPT copyright line, a
    title such as "Column1/Column2 Edits"), then the header, either on one
    line (``Column 1 | Column 2 | *=in existence prior to 1996 | Effective
    Date | Deletion Date *=no data | Modifier 0=not allowed 1=allowed
    9=not applicable | PTP Edit Rationale``) or split over several lines
    (``*=in existence`` / ``prior to 1996``, ``Modifier`` / ``0=not
    allowed`` / ``1=allowed`` / ``9=not applicable``); data rows with dates
    as ``YYYYMMDD`` and ``*`` for "no deletion date". The ``.xlsx`` version
    has the same rows and header block on one sheet.
MUE (``MCR_MUE_PractitionerServices_Eff_04-01-2024.csv`` and the
outpatient hospital and DME supplier tables)
    Comma-separated text opening with quoted copyright/disclaimer cells
    (which may span several lines), then the header ``HCPCS/CPT Code |
    Practitioner Services MUE Values | MUE Adjudication Indicator | MUE
    Rationale`` (the first header cell may hold a line break), then one row
    per code; the indicator cell is text that starts with the MAI digit:
    ``1 Line Edit``, ``2 Date of Service Edit: Policy``, ``3 Date of Service
    Edit: Clinical``. The ``.xlsx`` version has the same columns.
Either kind may arrive inside a ``.zip`` (also a zip of zips). When a zip
holds the same table twice (``.txt`` and ``.xlsx`` of one part), the text
version is read and the other is listed as skipped; so are members that are
not tables (PDF, Word) and change reports (a name containing "change").

The header is found by its column names, never by counting lines, so a
longer or shorter preamble does not matter. A row whose values cannot be
used is set aside with a reason naming the file, row and column; the totals
always satisfy rows read = rows used + rows set aside.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError, Problem

__all__ = [
    "CmsImport",
    "PTP_COLUMNS",
    "MUE_COLUMNS",
    "read_ptp",
    "read_mue",
    "parse_mai",
    "describe_source",
]

#: Contract columns of ``ncci_ptp.csv`` and ``mue.csv``, in order.
PTP_COLUMNS = ("column_1", "column_2", "effective_date", "deletion_date", "modifier_indicator")
MUE_COLUMNS = ("procedure_code", "mue_value", "mai")

#: How far down a file the header row is looked for.
HEADER_SEARCH_ROWS = 200
#: How many lines under the first header line may continue it (split header cells).
HEADER_CONTINUATION_ROWS = 5

_TEXT_EXTENSIONS = (".txt", ".tsv", ".csv")
_TABLE_EXTENSIONS = _TEXT_EXTENSIONS + (".xlsx", ".xlsm")
# Within a zip, when one table comes in several formats, read the first of these.
_PREFERENCE = {".txt": 0, ".tsv": 1, ".csv": 2, ".xlsx": 3, ".xlsm": 4}
_CODE = re.compile(r"^[A-Z0-9]{5}$")


@dataclass
class CmsImport:
    """The result of reading one or several CMS files of one kind.

    Attributes
    ----------
    kind : str
        ``"ptp"`` or ``"mue"``.
    data : pandas.DataFrame
        Usable rows in the contract's shape. PTP: ``column_1``,
        ``column_2`` (str), ``effective_date``, ``deletion_date``
        (``datetime64[us]``, NaT where CMS writes ``*``),
        ``modifier_indicator`` (``"0"``, ``"1"`` or ``"9"``), then
        ``prior_1996`` (bool), ``rationale``, ``source_file`` and ``_row``.
        MUE: ``procedure_code``, ``mue_value`` (int64), ``mai`` (``"1"``,
        ``"2"`` or ``"3"``), then ``mai_text``, ``rationale``, ``setting``,
        ``source_file`` and ``_row``.
    problems : list of Problem
        Every bad value, with file, row and column.
    rejected : pandas.DataFrame
        Rows set aside: ``_file``, ``_row``, ``_reason`` and the raw text of
        the contract columns.
    sources : pandas.DataFrame
        One row per table read: ``file``, ``description``, ``rows_read``,
        ``rows_used``, ``rows_set_aside``, ``text_lines_skipped``.
    skipped : list of str
        Archive members or sheets not read, each with the reason.
    """

    kind: str
    data: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return int(self.sources["rows_read"].sum()) if len(self.sources) else 0

    @property
    def rows_used(self) -> int:
        return len(self.data)

    @property
    def rows_set_aside(self) -> int:
        return len(self.rejected)

    def contract_frame(self, extra: bool = False) -> pd.DataFrame:
        """The data with the contract columns only (plus CMS's own when ``extra``)."""
        columns = list(PTP_COLUMNS if self.kind == "ptp" else MUE_COLUMNS)
        if extra:
            columns += [c for c in self.data.columns if c not in columns and not c.startswith("_")]
        return self.data[columns]


# --------------------------------------------------------------------------- reading files

@dataclass
class _Table:
    """The rows of one table (a text file, or one sheet of a workbook).

    ``rows`` holds lists of cells (for a large plain text file, only the
    first lines, enough to find the header); ``lines`` then holds every
    physical line, split column-wise in one vectorised pass by
    :func:`_extract`.
    """

    label: str
    name: str
    rows: list
    row_numbers: list
    typed: bool = False           # cells may be numbers/dates (from a workbook)
    lines: list | None = None     # all physical lines, when no CSV quoting is in play
    delimiter: str = "\t"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # CMS files carry a cp1252 registered-trademark sign in the CPT notice.
        return data.decode("cp1252", errors="replace")


def _text_tables(label: str, name: str, data: bytes, header_test) -> list[_Table]:
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
            table = _Table(label, name, head, list(range(1, len(head) + 1)),
                           lines=lines, delimiter=delimiter)
        else:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            rows, numbers = [], []
            for record in reader:
                rows.append(record)
                numbers.append(reader.line_num)
            table = _Table(label, name, rows, numbers, delimiter=delimiter)
        if header_test(table.rows) is not None:
            return [table]
        fallback = fallback or table
    return [fallback]


def _xlsx_tables(label: str, name: str, data: bytes) -> list[_Table]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a broken file
        raise InputError(f"{label}: cannot be opened as an Excel workbook ({exc})") from exc
    tables = []
    try:
        for sheet in book.worksheets:
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            tables.append(_Table(f"{label}[{sheet.title}]", name, rows,
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


def _collect(paths, header_test) -> tuple[list[_Table], list[str]]:
    """Read every path into tables; return them and the list of skipped parts."""
    tables: list[_Table] = []
    skipped: list[str] = []
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise InputError("no file given (expected one or more CMS NCCI files)")
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: file not found")
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


def _file_tables(label, name, data, header_test, skipped) -> list[_Table]:
    if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        sheets = _xlsx_tables(label, name, data)
    else:
        sheets = _text_tables(label, name, data, header_test)
    usable = [t for t in sheets if header_test(t.rows) is not None]
    if usable and len(sheets) > 1:
        skipped.extend(f"{t.label}: no header row, not read" for t in sheets if t not in usable)
    return usable


def _zip_tables(label, data, header_test, skipped) -> list[_Table]:
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


# --------------------------------------------------------------------------- cells and headers

def _cell(value) -> str:
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


def _code_cell(value) -> str:
    """A code cell; a workbook number lost its leading zeros, so pad it to 5."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _cell(value).zfill(5)
    return _cell(value).upper()


def _display(value) -> str:
    """Header text as a person reads it: single spaces, line breaks removed."""
    return re.sub(r"\s+", " ", _cell(value)).strip()


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
class _Header:
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
        return text or _REQUIRED_LABEL.get(key, key)


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


def _ptp_header(rows: list) -> _Header | None:
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [_norm(c) for c in row]
        if "column 1" not in names or "column 2" not in names:
            continue
        c1, c2 = names.index("column 1"), names.index("column 2")
        labels = [_display(c) for c in row]
        extra = 0
        # Header cells may continue on the next lines ("Effective" / "Date").
        for nxt in rows[i + 1: i + 1 + HEADER_CONTINUATION_ROWS]:
            cells = [_display(c) for c in nxt]
            if not any(cells):
                extra += 1
                continue
            if (len(cells) > c1 and cells[c1]) or (len(cells) > c2 and cells[c2]):
                break
            width = max(len(labels), len(cells))
            labels += [""] * (width - len(labels))
            cells += [""] * (width - len(cells))
            labels = [f"{a} {b}".strip() for a, b in zip(labels, cells)]
            extra += 1
        return _Header(i, labels, _ptp_columns([_norm(x) for x in labels]), extra)
    return None


_ptp_header.describes = "with 'Column 1' and 'Column 2'"


def _mue_columns(names: list[str]) -> dict[str, int | None]:
    return {
        "procedure_code": _find(names, lambda n: n.startswith(("hcpcs", "cpt", "procedure code"))),
        "mue_value": _find(names, lambda n: "mue value" in n or n == "mue"),
        "mai": _find(names, lambda n: "adjudication indicator" in n or n == "mai"),
        "rationale": _find(names, lambda n: "rationale" in n),
    }


def _mue_header(rows: list) -> _Header | None:
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _mue_columns([_norm(c) for c in row])
        if all(columns[k] is not None for k in ("procedure_code", "mue_value", "mai")):
            return _Header(i, [_display(c) for c in row], columns)
    return None


_mue_header.describes = "with 'HCPCS/CPT Code', '... MUE Values' and 'MUE Adjudication Indicator'"


# --------------------------------------------------------------------------- parsing rows

_REQUIRED_LABEL = {
    "column_1": "Column 1",
    "column_2": "Column 2",
    "effective_date": "Effective Date",
    "deletion_date": "Deletion Date",
    "modifier_indicator": "Modifier",
    "procedure_code": "HCPCS/CPT Code",
    "mue_value": "MUE Values",
    "mai": "MUE Adjudication Indicator",
}


def _split_columns(lines: list[str], delimiter: str, index: dict[str, int | None]) -> pd.DataFrame:
    """Cut plain lines into the wanted columns in one vectorised pass (pyarrow)."""
    split = pc.split_pattern(pc.utf8_rtrim(pa.array(lines, type=pa.large_string()), characters="\r"),
                             delimiter)
    lengths = pc.list_value_length(split).to_numpy(zero_copy_only=False)
    offsets = split.offsets.to_numpy()
    starts = offsets[:-1] - offsets[0]
    cells = pc.list_flatten(split)
    out = {}
    for key, i in index.items():
        if i is None:
            out[key] = pd.Series([""] * len(lines), dtype="str")
            continue
        present = lengths > i
        taken = pc.take(cells, pa.array(np.where(present, starts + i, 0))) if len(cells) else (
            pa.array([""] * len(lines), type=pa.large_string()))
        column = pc.if_else(pa.array(present), taken, pa.scalar("", type=pa.large_string()))
        out[key] = pd.Series(pd.array(column, dtype="str"))
    return pd.DataFrame(out)


def _extract(table: _Table, header: _Header, wanted: tuple[str, ...], codes: tuple[str, ...]):
    """The wanted columns of the data rows as text, without blank and note lines.

    Returns
    -------
    raw : pandas.DataFrame
        One ``str`` column per wanted key (stripped; codes upper-cased).
    numbers : numpy.ndarray
        File row number of each row of ``raw``.
    text_lines : int
        Lines under the table holding only a sentence (a note), skipped.
    """
    start = header.row + 1 + header.extra_rows
    if table.lines is not None:
        raw = _split_columns(table.lines[start:], table.delimiter,
                             {k: header.columns.get(k) for k in wanted})
        numbers = np.arange(start + 1, len(table.lines) + 1, dtype=np.int64)
    else:
        rows = table.rows[start:]
        columns = {}
        for key in wanted:
            i = header.columns.get(key)
            if i is None:
                columns[key] = [""] * len(rows)
            elif table.typed:
                convert = _code_cell if key in codes else _cell
                columns[key] = [convert(r[i]) if i < len(r) else "" for r in rows]
            else:
                columns[key] = [r[i] if i < len(r) else "" for r in rows]
        raw = pd.DataFrame(columns, dtype="str")
        numbers = np.asarray(table.row_numbers[start:], dtype=np.int64)
    for key in wanted:
        raw[key] = raw[key].str.strip()
        if key in codes:
            raw[key] = raw[key].str.upper()
    required = [k for k in wanted if k in _REQUIRED_LABEL]
    empty = raw[required].eq("")
    blank = empty.all(axis=1).to_numpy()
    others_blank = empty[required[1:]].all(axis=1).to_numpy()
    sentence = raw[codes[0]].str.contains(" ", regex=False).to_numpy(dtype=bool)
    note = ~blank & others_blank & sentence
    keep = ~blank & ~note
    return raw.loc[keep].reset_index(drop=True), numbers[keep], int(note.sum())


def _parse_yyyymmdd(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Dates written ``YYYYMMDD`` (or ``YYYY-MM-DD``) -> datetime64, and a validity mask."""
    compact = text.str.fullmatch(r"\d{8}").fillna(False).to_numpy(dtype=bool)
    dashed = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
    unified = text.where(~dashed, text.str.replace("-", "", regex=False))
    dates = pd.to_datetime(unified.where(compact | dashed, None), format="%Y%m%d", errors="coerce")
    ok = (compact | dashed) & dates.notna().to_numpy()
    return dates.where(ok).astype("datetime64[us]"), ok


_MAI_TEXT = (("line edit", "1"), ("policy", "2"), ("clinical", "3"))


def parse_mai(text: str) -> str | None:
    """The MUE adjudication indicator in an MAI cell, or None if it cannot be read.

    Parameters
    ----------
    text : str
        The cell as CMS writes it (``"1 Line Edit"``, ``"2 Date of Service
        Edit: Policy"``, ``"3 Date of Service Edit: Clinical"``), a bare
        digit, or the words without the digit.

    Returns
    -------
    str or None
        ``"1"``, ``"2"`` or ``"3"``; None when the cell is blank, holds
        another digit, or its digit and words disagree.

    Notes
    -----
    docs/sources.md §7.2: MAI 1 is a per-line edit; 2 a per-day edit based on
    policy (not overridable); 3 a per-day edit based on clinical data.

    Examples
    --------
    >>> parse_mai("3 Date of Service Edit: Clinical"), parse_mai("Line Edit"), parse_mai("4")
    ('3', '1', None)
    """
    raw = re.sub(r"\s+", " ", str(text or "")).strip().lower()
    if not raw:
        return None
    match = re.match(r"^([0-9])(?:\.0)?(?=\D|$)", raw)
    digit = match.group(1) if match else None
    words = [code for phrase, code in _MAI_TEXT if phrase in raw]
    if digit is not None:
        if digit not in ("1", "2", "3") or (words and words[0] != digit):
            return None
        return digit
    return words[0] if len(words) == 1 else None


class _Checker:
    """Collects the problems of one table, column by column (vectorised)."""

    def __init__(self, label: str, numbers: np.ndarray, header: _Header, n: int):
        self.label = label
        self.numbers = numbers
        self.header = header
        self.bad = np.zeros(n, dtype=bool)
        self.frames: list[pd.DataFrame] = []

    def record(self, mask: np.ndarray, key: str, values: pd.Series, expected: str) -> None:
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        self.frames.append(pd.DataFrame({
            "pos": idx, "column": self.header.label(key),
            "value": values.to_numpy()[idx], "expected": expected}))
        self.bad |= mask

    def codes(self, raw: pd.DataFrame, key: str) -> None:
        values = raw[key]
        blank = (values == "").to_numpy()
        self.record(blank, key, values, "a value (this column may not be blank)")
        ok = values.str.fullmatch(_CODE.pattern).fillna(False).to_numpy(dtype=bool)
        self.record(~ok & ~blank, key, values, "a 5-character HCPCS/CPT code")

    def problems(self) -> tuple[list[Problem], pd.Series]:
        if not self.frames:
            return [], pd.Series(dtype="str")
        pf = pd.concat(self.frames, ignore_index=True).sort_values("pos", kind="stable")
        problems = [Problem(self.label, int(self.numbers[p]), c, str(v), e)
                    for p, c, v, e in zip(pf["pos"], pf["column"], pf["value"], pf["expected"])]
        reasons = (pf.assign(msg=[f"column '{p.column}': expected {p.expected}; got {p.value!r}"
                                  for p in problems])
                   .groupby("pos")["msg"].agg("; ".join))
        return problems, reasons


@dataclass
class _Part:
    """What one table contributed."""

    data: pd.DataFrame
    problems: list[Problem]
    rejected: pd.DataFrame
    counts: tuple


def _ptp_table(table: _Table, header: _Header) -> _Part:
    missing = [_REQUIRED_LABEL[k] for k in PTP_COLUMNS if header.columns[k] is None]
    if missing:
        raise InputError(
            f"{table.label}, row {table.row_numbers[header.row]}: the header has no "
            f"{' or '.join(repr(m) for m in missing)} column (it has: "
            f"{', '.join(x for x in header.labels if x)})")
    wanted = PTP_COLUMNS + ("prior_1996", "rationale")
    raw, numbers, text_lines = _extract(table, header, wanted, ("column_1", "column_2"))
    check = _Checker(table.label, numbers, header, len(raw))
    check.codes(raw, "column_1")
    check.codes(raw, "column_2")
    effective, ok = _parse_yyyymmdd(raw["effective_date"])
    check.record(~ok, "effective_date", raw["effective_date"], "a date written YYYYMMDD")
    no_deletion = raw["deletion_date"].isin(["*", ""]).to_numpy()
    deletion, ok = _parse_yyyymmdd(raw["deletion_date"])
    check.record(~ok & ~no_deletion, "deletion_date", raw["deletion_date"],
                 "a date written YYYYMMDD, or * for no deletion date")
    indicator = raw["modifier_indicator"].str.replace(r"\.0$", "", regex=True)
    check.record(~indicator.isin(["0", "1", "9"]).to_numpy(), "modifier_indicator",
                 raw["modifier_indicator"], "0, 1 or 9")
    data = pd.DataFrame({
        "column_1": raw["column_1"],
        "column_2": raw["column_2"],
        "effective_date": effective,
        "deletion_date": deletion.where(~no_deletion),
        "modifier_indicator": indicator,
        "prior_1996": (raw["prior_1996"] == "*").to_numpy(),
        "rationale": raw["rationale"],
    })
    return _finish(table, raw, data, numbers, check, text_lines, PTP_COLUMNS)


def _mue_table(table: _Table, header: _Header) -> _Part:
    wanted = MUE_COLUMNS + ("rationale",)
    raw, numbers, text_lines = _extract(table, header, wanted, ("procedure_code",))
    check = _Checker(table.label, numbers, header, len(raw))
    check.codes(raw, "procedure_code")
    value_text = raw["mue_value"].str.replace(r"\.0$", "", regex=True)
    ok = value_text.str.fullmatch(r"\d{1,9}").fillna(False).to_numpy(dtype=bool)
    check.record(~ok, "mue_value", raw["mue_value"], "a whole number >= 0")
    mai = raw["mai"].map(parse_mai)
    check.record(mai.isna().to_numpy(), "mai", raw["mai"],
                 "1, 2 or 3 (as in '1 Line Edit', '2 Date of Service Edit: Policy' or "
                 "'3 Date of Service Edit: Clinical')")
    setting = re.sub(r"\s*MUE Values?\s*$", "", header.label("mue_value"), flags=re.I).strip()
    data = pd.DataFrame({
        "procedure_code": raw["procedure_code"],
        "mue_value": pd.to_numeric(value_text.where(ok, "0")).astype("int64"),
        "mai": mai.fillna("").astype("str"),
        "mai_text": raw["mai"],
        "rationale": raw["rationale"],
        "setting": setting or "unknown",
    })
    return _finish(table, raw, data, numbers, check, text_lines, MUE_COLUMNS)


def _finish(table, raw, data, numbers, check, text_lines, contract) -> _Part:
    problems, reasons = check.problems()
    bad = check.bad
    data = data.loc[~bad].reset_index(drop=True)
    data["source_file"] = table.label
    data["_row"] = numbers[~bad]
    idx = np.flatnonzero(bad)
    rejected = raw.iloc[idx][list(contract)].reset_index(drop=True)
    rejected.insert(0, "_reason", reasons.reindex(idx).to_numpy() if len(idx) else [])
    rejected.insert(0, "_row", numbers[idx])
    rejected.insert(0, "_file", table.label)
    counts = (table.label, describe_source(table.name), len(raw), int((~bad).sum()),
              int(bad.sum()), text_lines)
    return _Part(data, problems, rejected, counts)


def _combine(kind: str, parts: list[_Part], skipped: list[str], key: tuple[str, ...],
             repeat_reason) -> CmsImport:
    """Concatenate the tables; set aside rows that repeat the key of an earlier row."""
    problems = [p for part in parts for p in part.problems]
    rejected = [part.rejected for part in parts]
    sources = pd.DataFrame([part.counts for part in parts], columns=[
        "file", "description", "rows_read", "rows_used", "rows_set_aside", "text_lines_skipped"])
    data = pd.concat([part.data for part in parts], ignore_index=True)
    groups = data.groupby(list(key), sort=False, dropna=False).ngroup().to_numpy()
    first_of_group = pd.Series(np.arange(len(data))).groupby(groups).transform("first").to_numpy()
    repeated = first_of_group != np.arange(len(data))
    if repeated.any():
        dup = data.loc[repeated]
        origin = data.iloc[first_of_group[repeated]]
        reasons = [repeat_reason(f, r) for f, r in zip(origin["source_file"], origin["_row"])]
        text = _contract_text(dup, kind)
        problems += [Problem(f, int(r), "(whole row)", "|".join(v), reason)
                     for f, r, v, reason in zip(dup["source_file"], dup["_row"],
                                                text[list(key)].itertuples(index=False), reasons)]
        text.insert(0, "_reason", [f"whole row: expected {r}" for r in reasons])
        text.insert(0, "_row", dup["_row"].to_numpy())
        text.insert(0, "_file", dup["source_file"].to_numpy())
        rejected.append(text)
        moved = dup.groupby("source_file").size()
        shift = sources["file"].map(moved).fillna(0).astype("int64")
        sources["rows_used"] -= shift
        sources["rows_set_aside"] += shift
        data = data.loc[~repeated].reset_index(drop=True)
        problems.sort(key=lambda p: (p.file, p.row))
    return CmsImport(kind=kind, data=data, problems=problems,
                     rejected=pd.concat(rejected, ignore_index=True), sources=sources,
                     skipped=skipped)


def _contract_text(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Contract columns as CMS-style text (dates ``YYYYMMDD``, ``*`` for none)."""
    out = {}
    for name in (PTP_COLUMNS if kind == "ptp" else MUE_COLUMNS):
        s = frame[name]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[name] = s.dt.strftime("%Y%m%d").fillna("*").astype("str")
        else:
            out[name] = s.astype("str")
    return pd.DataFrame(out).reset_index(drop=True)


# --------------------------------------------------------------------------- public readers

def read_ptp(paths) -> CmsImport:
    """Read CMS NCCI PTP edit files (.txt, .xlsx, .csv or .zip) into ``ncci_ptp`` rows.

    Several files (e.g. the four parts f1..f4 of the practitioner table)
    are concatenated in the order given.

    Parameters
    ----------
    paths : path-like or list of path-like
        Files as downloaded from CMS.

    Returns
    -------
    CmsImport
        ``data`` holds ``column_1``, ``column_2``, ``effective_date``,
        ``deletion_date`` (NaT where CMS writes ``*``),
        ``modifier_indicator`` (``"0"``/``"1"``/``"9"``), ``prior_1996``,
        ``rationale``, ``source_file`` and ``_row``.

    Raises
    ------
    InputError
        A file is missing, of an unsupported type, has no PTP header, or
        its header lacks a required column.

    Notes
    -----
    docs/sources.md §7.1: column 1 is the payable code, column 2 the code not
    paid with it; modifier indicator 0 = no modifier bypasses the edit,
    1 = an NCCI-associated modifier may bypass it, 9 = not applicable. An
    exact repeat of an edit already read (e.g. the same part given twice)
    is set aside, so nothing is counted twice.

    Examples
    --------
    >>> result = read_ptp(["ccipra-v322r0-f1.txt", "ccipra-v322r0-f2.txt"])  # doctest: +SKIP
    >>> result.data[["column_1", "column_2", "modifier_indicator"]].head(2)  # doctest: +SKIP
    """
    tables, skipped = _collect(paths, _ptp_header)
    parts = [_ptp_table(t, _ptp_header(t.rows)) for t in tables]
    return _combine("ptp", parts, skipped, PTP_COLUMNS,
                    lambda f, r: f"an edit not already read (the same edit is in {f}, row {r})")


def read_mue(paths) -> CmsImport:
    """Read CMS MUE tables (.csv, .xlsx, .txt or .zip) into ``mue`` rows.

    Parameters
    ----------
    paths : path-like or list of path-like
        Files as downloaded from CMS, usually one setting's table
        (practitioner, outpatient hospital or DME supplier).

    Returns
    -------
    CmsImport
        ``data`` holds ``procedure_code``, ``mue_value`` (int64), ``mai``
        (``"1"``/``"2"``/``"3"`` read from the indicator text), ``mai_text``,
        ``rationale``, ``setting``, ``source_file`` and ``_row``.

    Raises
    ------
    InputError
        A file is missing, of an unsupported type, or has no MUE header.

    Notes
    -----
    docs/sources.md §7.2. ``mue.csv`` has one row per code (its key), so a code met
    again (for instance in a second setting's table) is set aside with a
    reason naming the first file and row: import one setting at a time.

    Examples
    --------
    >>> read_mue("MCR_MUE_PractitionerServices_Eff_04-01-2024.csv").data.head(2)  # doctest: +SKIP
    """
    tables, skipped = _collect(paths, _mue_header)
    parts = [_mue_table(t, _mue_header(t.rows)) for t in tables]

    def reason(f, r):
        return (f"a code with one MUE only (the code already has an MUE from {f}, row {r}; "
                "import one setting's table at a time)")

    return _combine("mue", parts, skipped, ("procedure_code",), reason)


_PTP_NAME = re.compile(r"cci(pra|oph|dme)?-?v(\d+)r(\d+)(?:-f(\d+))?", re.IGNORECASE)
_MUE_NAME = re.compile(r"MUE_?([A-Za-z]+?)(?:Services?)?_Eff_(\d{2})-(\d{2})-(\d{4})", re.IGNORECASE)
_SETTINGS = {"pra": "practitioner", "oph": "outpatient hospital", "dme": "DME supplier"}


def describe_source(name: str) -> str:
    """What a CMS file name says about its table (setting, version, part), or ``""``.

    Examples
    --------
    >>> describe_source("ccipra-v322r0-f1.txt")
    'PTP practitioner, version 32.2 revision 0, part 1'
    >>> describe_source("MCR_MUE_PractitionerServices_Eff_04-01-2024.csv")
    'MUE Practitioner, effective 2024-04-01'
    """
    base = Path(str(name).split(":")[-1]).name
    match = _PTP_NAME.search(base)
    if match:
        setting = _SETTINGS.get((match.group(1) or "").lower(), "unknown setting")
        version = match.group(2)
        version = f"{version[:-1]}.{version[-1]}" if len(version) > 1 else version
        text = f"PTP {setting}, version {version} revision {match.group(3)}"
        return text + (f", part {match.group(4)}" if match.group(4) else "")
    match = _MUE_NAME.search(base)
    if match:
        setting = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", match.group(1))
        return f"MUE {setting}, effective {match.group(4)}-{match.group(2)}-{match.group(3)}"
    return ""
