"""The exact reader of a CSV export: Python's csv module, and quotes that run away.

An export may hold a value with line breaks in it (a Notes column), so a
record may span lines. A quote that is never closed, or that is closed only
after taking in lines that look like rows of their own, is a mistake in the
file, not a value: the row where it opens is set aside, naming the column,
and the lines after it are read again as rows, so none is lost in one cell
or taken for a footer.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa

from ..csvread import END_OF_FILE, WHOLE_ROW, open_quote_field, rows_taken_in

__all__ = ["csv_body_exact"]


def csv_body_exact(data: bytes, header_line: int, headers: list[str], delimiter: str):
    """The rows below the header line by line: exact row numbers, short rows padded, long rows and
    runaway quotes set aside.

    Returns
    -------
    columns : dict of str to pyarrow.Array
    rows : numpy.ndarray
        Spreadsheet row number of each row (the first line a record takes).
    set_aside : list of (row, reason, text) or (row, reason, text, column)

    Raises
    ------
    csv.Error
        Text the csv module cannot read.
    """
    width = len(headers)
    lines = list(io.StringIO(data.decode("utf-8"), newline=""))
    records, rows, extra = [], [], []
    first: int | None = header_line
    while first is not None:
        resume, first = first, None
        for line, last, record in _records(lines, resume, delimiter):
            if last > line:
                runaway = _runaway(lines, line, last, headers, delimiter)
                if runaway:
                    extra.append(runaway)
                    first = line
                    break
            if not record or not any(c.strip() for c in record):
                continue
            if len(record) > width:
                if any(c.strip() for c in record[width:]):
                    extra.append((line, f"{len(record)} fields where the header has {width}",
                                  delimiter.join(record)))
                    continue
                record = record[:width]
            elif len(record) < width:
                record = record + [""] * (width - len(record))
            records.append(record)
            rows.append(line)
    columns = {h: pa.array([r[j] for r in records], pa.string()) for j, h in enumerate(headers)}
    return columns, np.asarray(rows, dtype=np.int64), extra


def _records(lines: list[str], skip: int, delimiter: str):
    """``(first line, last line, record)`` of each record after the first ``skip`` lines (lines
    counted from 1; the last line is ``len(lines) + 1`` for a record still open at the end)."""
    taken = skip

    def feed():
        nonlocal taken
        while taken < len(lines):
            taken += 1
            yield lines[taken - 1]
        taken += 1
        yield END_OF_FILE

    start = skip
    for record in csv.reader(feed(), delimiter=delimiter):
        if start == len(lines):
            return
        yield start + 1, taken, record
        start = taken


def _runaway(lines: list[str], line: int, last: int, headers: list[str], delimiter: str):
    """The set-aside entry of a record from ``line`` to ``last`` whose quote runs away, else None.

    It runs away when it is never closed, or when a line it takes in (after the first) looks like a
    row of the file (:func:`~recoup_lib.csvread.rows_taken_in`).
    """
    text = lines[line - 1].rstrip("\r\n")
    try:
        index = open_quote_field(text, delimiter)[1]
    except csv.Error:
        index = None
    column = WHOLE_ROW if index is None else headers[index] if index < len(headers) else f"field {index + 1}"
    if last > len(lines):
        after = len(lines) - line
        return (line, f"a quote opened in column '{column}' and never closed (the {after:,} line(s) after it "
                      "would be one value)", text, column)
    rowlike = rows_taken_in(lines[line:last], len(headers), delimiter)
    if not rowlike:
        return None
    return (line, f"a quote opened in column '{column}' that takes in {rowlike:,} line(s) looking like rows "
                  f"of their own (closed only on row {last})", text, column)
