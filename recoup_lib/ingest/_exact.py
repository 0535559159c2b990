"""The exact reader of a CSV export: Python's csv module, and quotes that run away.

An export may hold a value with line breaks in it (a Notes column), so a
record may span lines. A quote that is never closed, or that is closed only
after taking in lines that look like rows of their own, is a mistake in the
file, not a value: the row where it opens is set aside, naming the column,
and the lines after it are read again as rows, so none is lost in one cell
or taken for a footer.
"""

from __future__ import annotations

import io
import itertools

import numpy as np
import pyarrow as pa

from ..csvrecords import quoted_records, runaway_column

__all__ = ["csv_body_exact"]


def csv_body_exact(data: bytes, header_line: int, headers: list[str], delimiter: str):
    """The rows below the header line by line: exact row numbers, short rows padded, long rows and
    runaway quotes set aside (:func:`~recoup_lib.csvrecords.quoted_records`; a value of any column
    may hold a line break). A row of commas (``,,,``, an empty row as Excel saves it, maybe shorter
    than the header) is kept, padded, as Arrow's reader keeps it: the import counts it among the
    blank rows ignored (:func:`~._build.build_export`).

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
    lines = itertools.islice(io.StringIO(data.decode("utf-8"), newline=""), header_line, None)
    records, rows, extra = [], [], []
    line = header_line + 1
    for record, text, taken, runaway in quoted_records(lines, width, lambda at: True, delimiter):
        first, line = line, line + (taken if runaway is None else 1)
        if runaway is not None:
            extra.append(_runaway(first, taken, runaway, text, headers))
            continue
        if not record:
            continue  # an empty line, which Arrow's reader passes over too
        if len(record) > width:
            if any(c.strip() for c in record[width:]):
                extra.append((first, f"{len(record)} fields where the header has {width}", delimiter.join(record)))
                continue
            record = record[:width]
        elif len(record) < width:
            record = record + [""] * (width - len(record))
        records.append(record)
        rows.append(first)
    columns = {h: pa.array([r[j] for r in records], pa.string()) for j, h in enumerate(headers)}
    return columns, np.asarray(rows, dtype=np.int64), extra


def _runaway(line: int, taken: int, runaway: tuple[int, int | None], text: str, headers: list[str]):
    """The set-aside entry of the record on line ``line`` whose quote runs away (``taken`` lines
    and ``runaway`` as :func:`~recoup_lib.csvrecords.quoted_records` gives them): never closed, or
    taking in lines that look like rows of the file."""
    index, rowlike = runaway
    column = runaway_column(headers, index)
    text = text.rstrip("\r\n")
    if rowlike is None:
        return (line, f"a quote opened in column '{column}' and never closed (the {taken - 1:,} line(s) after it "
                      "would be one value)", text, column)
    return (line, f"a quote opened in column '{column}' that takes in {rowlike:,} line(s) looking like rows "
                  f"of their own (closed only on row {line + taken - 1})", text, column)
