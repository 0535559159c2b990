"""Reading a practice-management export (CSV or workbook) into columns of text.

An export is rarely a clean table: a report title and a date range above the
header, a blank line, then the data, then a TOTAL row and "End of report".
:func:`read_export` finds the header row (the row that names the most
contract fields; two rows read as one when the header is printed over two:
:func:`._header_rows.find_header_rows`), sets aside the rows above it as
title rows, and returns every row below it as text, each with the row
number a spreadsheet shows.
Which of those rows are totals, footers or repeated headers is decided later,
once the mapping says which column holds what (:mod:`._run`).

CSV files: UTF-8 (with or without BOM) is recognised exactly; anything else
is handed to charset-normalizer, asked to choose among the encodings Western
billing software writes (Windows-1252 first), and decoded in full, so no row
is ever lost to an encoding. The separator (comma, tab, semicolon, pipe) is
the one that splits the first lines most consistently. Workbooks (``.xlsx``,
``.xlsm``, ``.xls``, ``.ods``) are read by :mod:`._workbook`: the first sheet
shown that holds cells (past a cover page, the one sheet holding the table), or
the one named after ``#`` (``payments.xlsx#June``); Excel dates become
``YYYY-MM-DD``, whole numbers lose their ``.0``.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import InputError
from ..arrowtext import one_array, string_parts
from ..csvread import RESERVED_PREFIX
from ..csvrecords import last_line_leaves_quote_open
from ..filekind import (  # noqa: F401 - decode_bytes imported from here before filekind held it
    OFFICE_LOCK_FILE, WORKBOOK_SUFFIXES, decode_as, decode_bytes, not_a_file_message, office_lock_file, shown,
    single_byte_encoding, text_encoding,
)
from ..formulas import GUARD, unguard_formulas, unguard_text, unwrap_text_formulas
from ._exact import csv_body_exact
from ._header_rows import _PREVIEW_ROWS, above_header, find_header_rows, preview_rows

__all__ = ["RawExport", "read_export", "split_sheet", "WORKBOOK_SUFFIXES", "decode_bytes"]

#: Bytes of a CSV file (from its first line that is not blank) its delimiter and header are found in.
_HEAD_BYTES = 262144
#: A byte that is not blank (ASCII whitespace).
_CONTENT_BYTE = re.compile(rb"[^ \t\r\n\x0b\x0c]")
#: Bytes of CSV each of Arrow's reading threads parses at a time.
_BLOCK_SIZE = 1 << 24


@dataclass
class RawExport:
    """One export as read: every row below the header, as text.

    Attributes
    ----------
    label : str
        File name (``book.xlsx#Sheet`` for a named sheet), used in messages.
    headers : list of str
        Column names, made unique (a repeated ``Amount`` becomes ``Amount (2)``).
    columns : dict of str to pyarrow.Array
        The text of each column (blank cells ``""``).
    rows : numpy.ndarray
        Spreadsheet row number of each row (the first line of the file is row 1).
    set_aside : list of (row, reason, text) or (row, reason, text, column)
        Rows already set aside: title rows above the header, malformed rows (with the column
        to blame where one is: the one where a runaway quote opens).
    info : dict
        encoding, delimiter, sheet, header_row.
    """

    label: str
    headers: list[str]
    columns: dict[str, pa.Array]
    rows: np.ndarray
    set_aside: list[tuple[int, str, str]] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)


def split_sheet(spec: str | Path) -> tuple[Path, str | None]:
    """``"pay.xlsx#June"`` -> (``pay.xlsx``, ``"June"``); a real file named with ``#`` wins."""
    text = str(spec)
    path = Path(text)
    if path.exists() or "#" not in text:
        return path, None
    base, _, sheet = text.rpartition("#")
    return Path(base), sheet or None


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = unguard_text(str(h).strip()) or f"column {i + 1}"
        h = RESERVED_PREFIX + h if h.startswith(RESERVED_PREFIX) else h
        if h in seen:
            seen[h] += 1
            h = f"{h} ({seen[h]})"
        else:
            seen[h] = 1
        out.append(h)
    return out


def _sniff_delimiter(head: str) -> str:
    lines = list(itertools.islice((ln for ln in head.splitlines() if ln.strip()), _PREVIEW_ROWS))
    best, best_score = ",", -1
    for delim in (",", "\t", ";", "|"):
        counts = [ln.count(delim) for ln in lines]
        if not counts or max(counts) == 0:
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) * (mode > 0) * 1000 + mode
        if score > best_score:
            best, best_score = delim, score
    return best


def check_readable(path: Path, folder_ok: bool = True) -> None:
    """Refuse, before anything opens it, a path that is missing or is not a file (nor a folder where
    ``folder_ok``): opening a pipe would wait for a writer for ever, and a device never ends. A link
    whose target is gone is named as the 835 and 837 readers name it (:func:`recoup_lib.filekind.not_a_file`
    gives the words): "file not found" would name the link, not what is missing.

    Raises
    ------
    InputError
        Naming the path and what it is.
    """
    if folder_ok and path.is_dir():
        return
    refused = not_a_file_message(path, shown(path), "give the export file itself")
    if refused:
        raise InputError(refused)


def read_export(spec: str | Path, score) -> RawExport:
    """Read a CSV export or a workbook sheet as text below its header row.

    Parameters
    ----------
    spec : path-like
        A ``.csv``/``.txt`` file, or a workbook (``book.xlsx`` or ``book.xlsx#Sheet``).
    score : callable
        ``score(cells) -> int``: how many contract fields a row's cells name
        (from :mod:`._fields`); the best-scoring early row is the header.

    Raises
    ------
    InputError
        The file is missing, empty, an Office lock file, or the sheet does not exist.
    """
    path, sheet = split_sheet(spec)
    check_readable(path, folder_ok=False)
    if office_lock_file(path):
        raise InputError(f"{shown(path.name)}: {OFFICE_LOCK_FILE}, not the export; give the document itself")
    from ._disguised import WHAT_IT_HOLDS, content_kind  # both build on this module's decoding and header finding
    from ._workbook import read_workbook

    kind, what = content_kind(path)
    name = shown(path.name)
    if kind == "empty":
        raise InputError(f"{name}: the file is empty (expected a header row and data)")
    if kind == "zip":
        raise InputError(f"{name}: not a workbook but {what}")
    if kind == "binary":
        raise InputError(f"{name}: not a CSV export nor a workbook (it holds binary data: "
                         f"{what or 'a PDF, an image or a damaged file?'}); give the export itself")
    raw = _read_csv(path, score) if kind == "text" else read_workbook(path, sheet, score, kind)
    named_as = "workbook" if path.suffix.lower() in WORKBOOK_SUFFIXES else "text"
    if kind != named_as:
        raw.info["holds"] = (f"{name} holds {WHAT_IT_HOLDS[kind]}, not "
                             f"{'an Excel workbook' if named_as == 'workbook' else 'CSV text'}: read as such")
    return raw


def _read_csv(path: Path, score) -> RawExport:
    data = path.read_bytes()
    encoding = text_encoding(data)
    single = single_byte_encoding(encoding)
    if single is not None:
        data = data.removeprefix(codecs.BOM_UTF8)
        try:
            return _read_csv_data(path, data, single, score, transcode=True)
        except (_Irregular, UnicodeDecodeError):
            return _read_csv_data(path, *decode_as(data, single), score)
    return _read_csv_data(path, *decode_bytes(data, shown(path.name), encoding), score)


class _Irregular(Exception):
    """A file read in its own single-byte encoding needs the exact reader: it is decoded whole first."""


@functools.lru_cache(maxsize=None)
def _high_bytes_utf8(encoding: str) -> tuple[np.ndarray, np.ndarray]:
    """Bytes 0x80-0xff of a single-byte encoding as UTF-8: each one's bytes (padded to 3) and how many
    (0 for a byte the encoding leaves undefined)."""
    table = np.zeros((128, 3), dtype=np.uint8)
    width = np.zeros(128, dtype=np.int64)
    for byte in range(128, 256):
        try:
            utf8 = bytes([byte]).decode(encoding).encode("utf-8")
        except UnicodeDecodeError:
            continue
        table[byte - 128, :len(utf8)] = list(utf8)
        width[byte - 128] = len(utf8)
    return table, width


def _transcoded(values: pa.Array, encoding: str) -> pa.Array:
    """Cells of a single-byte encoding (Arrow binary, no nulls) as UTF-8 text, exactly what decoding
    them and encoding them again gives: each byte above 0x7f widened to its UTF-8 bytes in one numpy
    insertion, the offsets moved by the bytes inserted before them.

    Raises
    ------
    UnicodeDecodeError
        A byte the encoding leaves undefined (the file is then decoded whole, as before).
    """
    data = values.buffers()[2]
    if data is None or values.null_count:
        return values.cast(pa.string())
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[values.offset: values.offset + len(values) + 1]
    start = int(offsets[0])
    raw = np.frombuffer(data, dtype=np.uint8)[start:int(offsets[-1])]
    if not len(raw) or raw.max() < 0x80:
        return values.view(pa.string())
    offsets = offsets.astype(np.int64) - start
    high = np.flatnonzero(raw >= 0x80)
    table, width = _high_bytes_utf8(encoding)
    code = raw[high] - np.uint8(128)
    wide = width[code]
    if not wide.all():
        raise UnicodeDecodeError(encoding, b"", 0, 1, "a byte this encoding does not define")
    second, third = wide >= 2, wide >= 3
    where = np.concatenate([high[second], high[third]]) + 1
    order = np.argsort(where, kind="stable")
    inserted = np.concatenate([table[code[second], 1], table[code[third], 2]])[order]
    out = np.insert(raw, where[order], inserted)
    added = np.concatenate([[0], np.cumsum(wide - 1)])
    out[high + added[:-1]] = table[code, 0]       # each high byte, moved by the bytes inserted before it
    moved = offsets + added[np.searchsorted(high, offsets)]
    if moved[-1] >= 2**31:
        raise _Irregular
    return pa.Array.from_buffers(pa.string(), len(values), [None, pa.py_buffer(moved.astype(np.int32)),
                                                            pa.py_buffer(out)])


def _read_csv_data(path: Path, data: bytes, encoding: str, score, transcode: bool = False) -> RawExport:
    """:func:`_read_csv` on the file's bytes: UTF-8, or (``transcode``) in single-byte ``encoding``.

    The file holds content (:func:`._disguised.content_kind` said it is not empty); the blank lines
    before it, and those between its first rows, are passed over in looking for the header.
    """
    label = shown(path.name)
    blank_lines, start = _blank_lines_before(data)
    head = data[start:start + _HEAD_BYTES]
    if transcode:
        head = head.decode(encoding).encode("utf-8")[:_HEAD_BYTES]
    head = head.decode("utf-8", errors="replace")
    delimiter = _sniff_delimiter(head)
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    preview, line_of = [], []
    try:
        for record in preview_rows(reader):
            preview.append(record)
            line_of.append(blank_lines + reader.line_num)
    except csv.Error as exc:
        raise InputError(f"{label}, row {blank_lines + reader.line_num}: not readable as CSV ({exc})") from None
    header = find_header_rows(preview, score)
    header_line = line_of[header.last]
    headers = _unique([h.strip() for h in header.cells])
    set_aside = [(line_of[i - 1] + 1 if i else blank_lines + 1, above_header(r),
                  " | ".join(c.strip() for c in r if c.strip()))
                 for i, r in enumerate(preview[:header.first]) if any(c.strip() for c in r)]
    info = {"encoding": encoding, "delimiter": delimiter, "sheet": None, "header_row": line_of[header.first],
            "header_note": header.note(lambda i: line_of[i])}
    columns, rows, extra = _csv_body(data, header_line, headers, delimiter, label, encoding if transcode else None)
    return RawExport(label, headers, columns, rows, set_aside + extra, info)


def _blank_lines_before(data: bytes) -> tuple[int, int]:
    """(how many lines, where the first line that is not blank starts) at the start of ``data``:
    CR LF, LF and CR each end a line, as they do for the csv module."""
    content = _CONTENT_BYTE.search(data)
    if content is None:
        return 0, 0
    start = max(data.rfind(b"\n", 0, content.start()), data.rfind(b"\r", 0, content.start())) + 1
    blank = data[:start]
    return blank.count(b"\n") + blank.count(b"\r") - blank.count(b"\r\n"), start


def _csv_body(data: bytes, header_line: int, headers: list[str], delimiter: str, label: str,
              transcode: str | None = None):
    """The rows below the header: Arrow's reader when the file is regular, else an exact one
    (:func:`~._exact.csv_body_exact`, which also sets aside a quote that runs away; Arrow would take
    the lines after it as one value, or close a quote left open on the last line without a word).

    ``data``: UTF-8 as :func:`~recoup_lib.filekind.decode_bytes` and
    :func:`~recoup_lib.filekind.decode_as` return it, valid, so Arrow does not check each cell again;
    or, with ``transcode``, in that single-byte encoding: its cells are read as bytes and decoded
    (see :func:`_transcoded`); a file that needs the exact reader raises :class:`_Irregular`.
    """
    end = len(data)
    while end and data[end - 1] in (10, 13):
        end -= 1
    breaks = _count_byte(data, 10, end)
    kind = pa.binary() if transcode else pa.string()
    read = functools.partial(_arrow_rows, data, header_line, headers, delimiter, kind, check_utf8=False)
    table = None
    if not _has_lone_carriage_return(data, end):
        table = read(newlines_in_values=False)
    if table is not None and (breaks != header_line - 1 + table.num_rows or _holds_line_break(table)):
        table = None
    if table is None and not transcode:     # a file in a single-byte encoding is decoded whole first
        table = read(newlines_in_values=True)
    if table is not None and breaks == header_line - 1 + table.num_rows and \
            not last_line_leaves_quote_open(data, delimiter):
        rows = np.arange(table.num_rows, dtype=np.int64) + header_line + 1
        guarded, formulas = GUARD.encode() in data, b"=" in data
        columns = {h: one_array(table.column(h)) for h in headers}
        if transcode:
            columns = {h: _transcoded(values, transcode) for h, values in columns.items()}
        return {h: _as_shown(values, guarded, formulas) for h, values in columns.items()}, rows, []
    if transcode:
        raise _Irregular
    try:
        columns, rows, extra = csv_body_exact(data, header_line, headers, delimiter)
    except csv.Error as exc:
        raise InputError(f"{label}: not readable as CSV ({exc})") from None
    return {h: _as_shown(values, True, True) for h, values in columns.items()}, rows, extra


def _arrow_rows(data: bytes, header_line: int, headers: list[str], delimiter: str, kind: pa.DataType,
                newlines_in_values: bool, check_utf8: bool = True) -> pa.Table | None:
    """The rows below the header as Arrow reads them, every column of type ``kind``; None when a row
    has another number of fields than the header or the file is not readable so.

    No ``invalid_row_handler``: Arrow then stops at the first such row, which is all this needs to
    know; a handler is given the row as UTF-8 text, and a row of a Windows-1252 export (``Peña``)
    made Arrow print a traceback as it failed to decode it.

    ``newlines_in_values=False`` spares Arrow a lexing pass over each block to find where its rows
    end; a value holding a line break is then read right within a block but may be cut where a block
    ends, so the caller checks that no value holds one (:func:`_holds_line_break`) and reads the
    file again with ``True`` when one does. ``check_utf8=False``: the bytes are known to be UTF-8.
    """
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=headers, skip_rows=header_line,
                                           use_threads=True, block_size=_BLOCK_SIZE),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines_in_values),
            convert_options=pacsv.ConvertOptions(column_types={h: kind for h in headers},
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False, check_utf8=check_utf8))
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    return table


def _holds_line_break(table: pa.Table) -> bool:
    """Whether any value of the table holds a line feed or a carriage return (a byte under 14 is
    looked for first: most columns hold none, and then neither)."""
    for column in table.columns:
        for offsets, raw in string_parts(column):
            raw = raw[offsets[0]:offsets[-1]]
            if len(raw) and raw.min() < 14 and ((raw == 10).any() or (raw == 13).any()):
                return True
    return False


def _has_lone_carriage_return(data: bytes, end: int) -> bool:
    """Whether ``data[:end]`` holds a carriage return not followed by a line feed.

    Read without looking for line breaks inside quoted values, Arrow may end a block at such a
    carriage return even inside a quoted value, and the values either side of it come out cut
    and joined wrongly while the count of rows still agrees with the file's line feeds; so a file
    holding one is read with the lexing pass. Most files hold no carriage return, or only before
    a line feed (one look at each, found by numpy a few megabytes at a time).
    """
    raw = np.frombuffer(data, dtype=np.uint8, count=end)
    step = 1 << 22
    for start in range(0, end, step):
        at = np.flatnonzero(raw[start:start + step] == 13) + start + 1
        if len(at) and (at[-1] >= end or (raw[at[at < end]] != 10).any()):
            return True
    return False


def _count_byte(data: bytes, byte: int, end: int) -> int:
    """``data.count(bytes([byte]), 0, end)``, counted by numpy a few megabytes at a time (several
    times faster than Python's byte-by-byte count, with no temporary the size of the file)."""
    raw = np.frombuffer(data, dtype=np.uint8, count=end)
    step = 1 << 22
    return sum(int(np.count_nonzero(raw[i:i + step] == byte)) for i in range(0, end, step))


def _as_shown(values: pa.Array, guarded: bool, formulas: bool) -> pa.Array:
    """Cells as a spreadsheet shows them: a guarded formula unguarded
    (:func:`~recoup_lib.formulas.unguard_formulas`, asked only of a column holding a quote mark;
    ``guarded``: whether the file holds any), and text written as a formula (``="0001"``) unwrapped
    (:func:`~recoup_lib.formulas.unwrap_text_formulas`; ``formulas``: whether the file holds an ``=``,
    one look at its bytes where each column's first bytes took several)."""
    data = values.buffers()[2]
    if guarded and data is not None and (np.frombuffer(data, dtype=np.uint8) == ord(GUARD)).any():
        values = unguard_formulas(values)
    return unwrap_text_formulas(values) if formulas else values
