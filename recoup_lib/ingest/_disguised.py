"""Exports named as one kind of file and holding another.

A practice-management system's "Export to Excel" often writes no workbook at
all but a web page holding an HTML table, an Excel 2003 XML spreadsheet, or
tab-separated text, under an ``.xls`` name: Excel opens each of them (with a
warning), so the office takes them for workbooks. And a workbook is
sometimes saved under a ``.csv`` name. :func:`content_kind` tells from a
file's first bytes what it holds, so that the import reads it as what it is;
:func:`web_page_rows` and :func:`spreadsheet_xml_rows` give the cells of the
first two as a workbook sheet's (a cell spanning rows or columns gives its
value to each cell it covers, as a merged range does in a workbook).
"""

from __future__ import annotations

import codecs
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from ..errors import InputError
from ..filekind import file_signature, shown, utf16_codec
from ._tables import decode_bytes

__all__ = ["content_kind", "web_page_rows", "spreadsheet_xml_rows", "WHAT_IT_HOLDS"]

_SPREADSHEET_XML = "urn:schemas-microsoft-com:office:spreadsheet"
_SS = "{" + _SPREADSHEET_XML + "}"
#: Bytes no text export holds (a NUL, other control characters than tab, line breaks and form feed) ...
_CONTROL_BYTES = [bytes([b]) for b in range(32) if b not in (9, 10, 12, 13)]
#: ... and the share of a file's first bytes above which they make it binary, not a damaged text.
_BINARY_SHARE = 0.05
#: Bytes that are no content: whitespace, NULs (blank UTF-16 text) and the bytes of byte-order marks.
_BLANK = b" \t\r\n\x0b\x0c\x00\xef\xbb\xbf\xfe\xff"
#: Bytes of a file's content :func:`content_kind` looks at.
_HEAD_BYTES = 8192
#: Spans are cut to what browsers allow (columns) and to the rows of the table (rows).
_MAX_COLSPAN = 1000

#: How the summary names what a file holds, by :func:`content_kind`.
WHAT_IT_HOLDS = {"workbook": "an Excel workbook", "html": "a web page (an HTML table)",
                 "spreadsheetml": "an Excel 2003 XML spreadsheet", "text": "text (CSV)"}


def content_kind(path: Path) -> tuple[str, str]:
    """What a file holds, from its first bytes, and what its byte signature names it (``""`` without
    one): ``"empty"``, ``"workbook"``, ``"zip"`` or ``"binary"`` (by the signatures of
    :data:`~recoup_lib.filekind.BYTE_SIGNATURES`, see :func:`~recoup_lib.filekind.file_signature`:
    a workbook; a zip that is none, a .docx or an archive; a PDF, an image), ``"spreadsheetml"``,
    ``"html"`` (a page holding a table), ``"binary"`` also for control bytes no text holds (a
    damaged file), or ``"text"`` (anything else). A file is empty only when it holds
    nothing but blank bytes (:data:`_BLANK`) to its end: an export may start with many blank lines.
    A signature is looked for after a UTF-8 byte-order mark too (a PDF an editor saved with one is
    still a PDF), as the X12 readers look for it (:func:`~recoup_lib.x12.format_of`)."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD_BYTES)
        content = head if head.strip(_BLANK) else _content_after_blank(handle)
    if not content:
        return "empty", ""
    signature = file_signature(head.removeprefix(codecs.BOM_UTF8), path)
    if signature is not None:
        return signature
    if utf16_codec(content) is None and sum(map(content.count, _CONTROL_BYTES)) > len(content) * _BINARY_SHARE:
        return "binary", ""
    lowered = content.replace(b"\x00", b"").decode("latin-1").lower()
    if _SPREADSHEET_XML in lowered:
        return "spreadsheetml", ""
    if lowered.lstrip("\ufeff\xef\xbb\xbf\xfe\xff \t\r\n").startswith("<") and (
            "<table" in lowered or "<html" in lowered):
        return "html", ""
    return "text", ""


def _content_after_blank(handle) -> bytes:
    """The first :data:`_HEAD_BYTES` of content of an open file whose first bytes were blank, read on
    from where it stands (``b""``: it holds nothing else to its end). An even number of blank bytes
    is passed over, so UTF-16 text keeps its pairs of bytes."""
    while chunk := handle.read(1 << 20):
        blank = len(chunk) - len(chunk.lstrip(_BLANK))
        if blank < len(chunk):
            content = chunk[blank - blank % 2:]
            return (content + handle.read(max(0, _HEAD_BYTES - len(content))))[:_HEAD_BYTES]
    return b""


def _spanned(rows: list[list[tuple]]) -> list[list]:
    """Rows of cells ``(column or None, value, colspan, rowspan)`` laid out on a grid: a cell fills
    the columns and rows it spans; ``column`` (from 0) places a cell further right."""
    grid: list[list] = []
    below: dict[tuple[int, int], object] = {}
    for r, cells in enumerate(rows):
        line: list = []

        def fill_from_above(upto: int) -> None:
            while len(line) < upto or (r, len(line)) in below:
                line.append(below.pop((r, len(line)), None))

        for column, value, colspan, rowspan in cells:
            fill_from_above(column or 0)
            colspan = max(1, min(colspan, _MAX_COLSPAN))
            rowspan = max(1, min(rowspan, len(rows) - r))
            for _ in range(colspan):
                for down in range(1, rowspan):
                    below[(r + down, len(line))] = value
                line.append(value)
        fill_from_above(max((c + 1 for (row, c) in below if row == r), default=0))
        grid.append(line)
    return grid


def _span(text: str | None) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        return 1


class _Tables(HTMLParser):
    """Every ``<table>`` of a page as rows of ``(None, text, colspan, rowspan)``; a table inside a
    cell is a table of its own."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple]]] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._open.append({"rows": [], "cell": None})
            return
        if not self._open:
            return
        table = self._open[-1]
        if tag == "tr":
            self._close_cell(table)
            table["rows"].append([])
        elif tag in ("td", "th"):
            self._close_cell(table)
            if not table["rows"]:
                table["rows"].append([])
            spans = dict(attrs)
            table["cell"] = ([], _span(spans.get("colspan")), _span(spans.get("rowspan")))
        elif tag in ("br", "p", "div") and table["cell"] is not None:
            table["cell"][0].append(" ")

    def handle_endtag(self, tag):
        if not self._open:
            return
        if tag in ("td", "th"):
            self._close_cell(self._open[-1])
        elif tag == "table":
            table = self._open.pop()
            self._close_cell(table)
            self.tables.append(table["rows"])

    def handle_data(self, data):
        if self._open and self._open[-1]["cell"] is not None:
            self._open[-1]["cell"][0].append(data)

    @staticmethod
    def _close_cell(table: dict) -> None:
        if table["cell"] is not None:
            pieces, colspan, rowspan = table["cell"]
            table["rows"][-1].append((None, " ".join("".join(pieces).split()), colspan, rowspan))
            table["cell"] = None


def web_page_rows(path: Path, sheet: str | None) -> tuple[list[list], str, list[str]]:
    """The cells of a web page's table ``sheet`` (``table 2``: its second table holding rows), else of
    its largest (the report; the others lay out its title and filters), the table's name and the
    names of all its tables.

    Raises
    ------
    InputError
        The page holds no table with rows (a sign-in page or an error page saved in its place), or
        none named ``sheet``.
    """
    name = shown(path.name)
    text = decode_bytes(path.read_bytes(), name)[0].decode("utf-8", errors="replace")
    parser = _Tables()
    parser.feed(text)
    parser.close()
    tables = [t for t in parser.tables if any(t)]
    if not tables:
        raise InputError(f"{name}: a web page (HTML) with no table, not an export: it may be a sign-in or "
                         "error page saved in the export's place; export the report again")
    names = [f"table {i + 1}" for i in range(len(tables))]
    if sheet is not None and sheet not in names:
        raise InputError(f"{name}: no table named {sheet!r} (tables: {', '.join(names)})")
    chosen = names.index(sheet) if sheet is not None else max(range(len(tables)), key=lambda i: len(tables[i]))
    return _spanned(tables[chosen]), names[chosen], names


def _xml_value(cell) -> object:
    data = cell.find(f"{_SS}Data")
    if data is None:
        return None
    value = "".join(data.itertext())
    kind = data.get(f"{_SS}Type")
    try:
        if kind == "Number":
            return float(value)
        if kind == "DateTime":
            return dt.datetime.fromisoformat(value[:19])
    except ValueError:
        pass
    return value


def spreadsheet_xml_rows(path: Path, sheet: str | None) -> tuple[list[list], str, list[str]]:
    """The cells of an Excel 2003 XML spreadsheet's worksheet (``sheet``, else the first holding
    rows), its name and the names of all its worksheets.

    Raises
    ------
    InputError
        The XML cannot be parsed, or no worksheet is named ``sheet``.
    """
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as exc:
        raise InputError(f"{shown(path.name)}: an Excel 2003 XML spreadsheet that cannot be read ({exc})") from None
    sheets = root.findall(f"{_SS}Worksheet")
    names = [ws.get(f"{_SS}Name") or f"Sheet{i + 1}" for i, ws in enumerate(sheets)]
    if sheet is not None and sheet not in names:
        raise InputError(f"{shown(path.name)}: no sheet named {sheet!r} (sheets: {', '.join(names)})")
    rows_of = [ws.findall(f"{_SS}Table/{_SS}Row") for ws in sheets]
    if sheet is not None:
        chosen = names.index(sheet)
    else:
        chosen = next((i for i, rows in enumerate(rows_of) if rows), 0)
    rows: list[list[tuple]] = []
    for row in rows_of[chosen] if sheets else []:
        while len(rows) < _span(row.get(f"{_SS}Index")) - 1:
            rows.append([])
        cells = []
        for cell in row.findall(f"{_SS}Cell"):
            index = cell.get(f"{_SS}Index")
            cells.append((_span(index) - 1 if index else None, _xml_value(cell),
                          _span(cell.get(f"{_SS}MergeAcross") or 0) + 1, _span(cell.get(f"{_SS}MergeDown") or 0) + 1))
        rows.append(cells)
    return _spanned(rows), names[chosen] if names else "Sheet1", names
