"""Reading a CSV file as a person saves it: in whatever Western encoding, with blank rows.

A file saved from Excel or a practice-management system is often Windows-1252
(``Muñoz``), and a row Excel saved empty is a row of commas (``,,,``).
:func:`read_as_saved` reads such a file as :func:`recoup_lib.csvread.read_csv_text`
reads a UTF-8 one: its bytes decoded as ``recoup import`` decodes them
(:func:`recoup_lib.filekind.decode_bytes`), its blank rows skipped and counted,
and says how it read it (:class:`FileReading`) for the command's summary.
"""

from __future__ import annotations

import mmap
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .blankrows import without_blank_rows
from .csvread import read_csv_text, with_broken_rows
from .errors import InputError
from .filekind import (ENCODING_NAMES, decode_bytes, not_a_file, not_csv_text, present, text_encoding,
                       with_workbook_hint)
from .schema import FileSpec, ParsedTable, parse_table
from .wording import blank_rows_skipped

__all__ = ["FileReading", "read_as_saved", "parse_as_saved", "read_saved_table"]


@dataclass(frozen=True)
class FileReading:
    """How a file was read, for the command's summary.

    Attributes
    ----------
    label : str
        The file's name.
    encoding : str
        The encoding its text was read in (``utf-8`` unless charset detection chose another).
    blank_rows : int
        Rows blank in every cell (``,,,`` where Excel saved an empty row), skipped: neither used
        nor set aside, but among the rows read (:func:`~recoup_lib.wording.rows_counted`).
    rows_in_file : int
        Every row under the header, malformed and blank ones included: what the commands' counts
        call rows read, counted where the rows were read (:func:`read_as_saved`).
    """

    label: str
    encoding: str = "utf-8"
    blank_rows: int = 0
    rows_in_file: int = 0

    def note(self) -> str | None:
        """``frame.csv: read as Windows-1252; 1 blank row skipped``; None for a file read as UTF-8
        as written, without blank rows."""
        said = []
        if self.encoding not in ("utf-8", "utf-8-sig"):
            said.append(f"read as {ENCODING_NAMES.get(self.encoding, self.encoding)}")
        if self.blank_rows:
            said.append(blank_rows_skipped(self.blank_rows))
        return f"{self.label}: {'; '.join(said)}" if said else None

    def sentences(self) -> list[str]:
        """The note as the sentence a command prints (``frame.csv: read as Windows-1252.``); none for
        a file with nothing to note."""
        note = self.note()
        return [f"{note}."] if note else []


def _encoding(path: Path) -> str | None:
    """The encoding the file's text is in (:func:`~recoup_lib.filekind.text_encoding`, which checks
    every byte of a UTF-8 file); None, the bytes not looked at, for what
    :func:`~recoup_lib.csvread.read_csv_text` refuses and names (no regular file, an empty file, a
    workbook saved as ``.csv``). Looked at through a memory map, so a UTF-8 file is read into memory
    only by the reader."""
    if not_a_file(path) is not None or not path.stat().st_size:
        return None
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if not_csv_text(data[:65536]) not in (None, "UTF-16 text"):
            return None
        return text_encoding(data)


def _read_text(path: Path, spec: FileSpec, label: str):
    """:func:`~recoup_lib.csvread.read_csv_text` of a file in whatever encoding it was saved in.

    A file that is not UTF-8 (after a byte-order mark or not) is decoded
    (:func:`~recoup_lib.filekind.decode_bytes`) into a UTF-8 copy in a temporary folder, which is
    read under the file's own name. A workbook saved as ``.csv`` is left to the reader, which names
    it. Returns the reader's three results and the encoding used.

    UTF-8 is checked once: the file's bytes by :func:`~recoup_lib.filekind.text_encoding`, a decoded
    copy's as its codec wrote them; the reader is told so and does not check them again.
    """
    encoding = _encoding(path)
    if encoding is None:
        return (*read_csv_text(path, spec, label), "utf-8")
    if encoding in ("utf-8", "utf-8-sig"):
        return (*read_csv_text(path, spec, label, utf8_checked=True), encoding)
    text, encoding = decode_bytes(path.read_bytes(), label, encoding)
    with tempfile.TemporaryDirectory(prefix="recoup-") as folder:
        copy = Path(folder) / path.name
        copy.write_bytes(text)
        del text
        return (*read_csv_text(copy, spec, label, utf8_checked=True), encoding)


def read_as_saved(path: Path, spec: FileSpec, label: str):
    """:func:`~recoup_lib.csvread.read_csv_text` of a file as a person saved it.

    Returns
    -------
    raw, row_numbers, broken
        As :func:`~recoup_lib.csvread.read_csv_text` gives them, without the rows blank in every
        cell (a malformed row of commas alone, ``,`` under a three-column header, included).
    reading : FileReading
        The encoding used, how many blank rows were skipped and how many rows the file holds under
        its header.
    """
    raw, rows, broken, encoding = _read_text(path, spec, label)
    raw, rows, broken, blank = without_blank_rows(raw, rows, broken)
    return raw, rows, broken, FileReading(label, encoding, blank, len(raw) + len(broken) + blank)


def parse_as_saved(path: Path, spec: FileSpec, label: str) -> tuple[ParsedTable, FileReading]:
    """A file as a person saved it (:func:`read_as_saved`), parsed against its contract, its malformed
    rows among the rows set aside: what a command reads when it takes back a file of the kit's that a
    person opened and saved in a spreadsheet (``findings.csv``, ``decisions.csv``)."""
    raw, rows, broken, reading = read_as_saved(path, spec, label)
    return with_broken_rows(parse_table(raw, spec, label=label, row_numbers=rows), broken, label), reading


def read_saved_table(path, spec: FileSpec) -> pd.DataFrame:
    """A kit file a person may have opened and saved again (:func:`parse_as_saved`), typed, for a command
    that needs every row: ``attrs["file"]`` is its name, ``attrs["reading"]`` how it was read.

    Raises
    ------
    InputError
        The file is missing or has a row that cannot be read (the first three named by row and column).
    """
    path = Path(path)
    if not present(path):
        raise InputError(with_workbook_hint(f"{path}: no such file (expected {spec.name})", path))
    parsed, reading = parse_as_saved(path, spec, path.name)
    if parsed.problems:
        shown = "; ".join(p.message for p in parsed.problems[:3])
        more = f"; ... and {len(parsed.problems) - 3} more" if len(parsed.problems) > 3 else ""
        raise InputError(f"{len(parsed.problems)} problem(s) in {path}: {shown}{more}")
    parsed.data.attrs.update(file=path.name, reading=reading)
    return parsed.data
