"""Rows blank in every cell: an empty line as Arrow reads it, and a row of commas as Excel saves an empty row.

The readers (:mod:`recoup_lib.csvread`) keep such rows, so that a row of blank cells the kit wrote
reads back; the commands that skip them and count them ("2 blank row(s) skipped") take them out with
:func:`without_blank_rows`, and the fast readers find an empty line with :func:`blank_row_mask`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .arrowtext import array_parts

__all__ = ["blank_row_mask", "blank_texts", "blank_rows", "without_blank_rows"]


def blank_row_mask(table: pa.Table, spaces: bool = False) -> np.ndarray:
    """Which rows are blank in every column: Arrow's reading of an empty line, or (``spaces``, where a
    cell of spaces alone counts as blank) a row of commas and spaces as Excel saves an empty row.

    Text columns never hold nulls here and typed ones hold a null only for a blank cell; the
    first column settles almost every file alone.
    """
    blank = None
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            if spaces and blank is None and _starts_visible(column):
                return np.zeros(table.num_rows, dtype=bool)
            empty = pc.equal(pc.binary_length(pc.utf8_trim_whitespace(column) if spaces else column), 0)
        else:
            empty = pc.is_null(column)
        blank = empty if blank is None else pc.and_(blank, empty)
        if not pc.any(blank).as_py():
            return np.zeros(table.num_rows, dtype=bool)
    return np.zeros(table.num_rows, dtype=bool) if blank is None else np.asarray(blank, dtype=bool)


def _starts_visible(column) -> bool:
    """Whether every value of Arrow text starts with a printable ASCII character other than a space (no
    null, no empty value): none is blank, spaces counted or not (Unicode's whitespace is not ASCII).

    One byte per value is looked at, where trimming the whole column made a copy of its text (25 ms
    for the claim ids of a million-line file).
    """
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    for chunk in chunks:
        if not len(chunk):
            continue
        if chunk.null_count or chunk.buffers()[2] is None:
            return False
        offsets, data = array_parts(chunk)
        if (offsets[1:] == offsets[:-1]).any():
            return False
        first = data[offsets[:-1]]
        if first.min() < 0x21 or first.max() > 0x7E:
            return False
    return True


def blank_texts(texts, delimiter: str = ",") -> np.ndarray:
    """Which rows' texts hold nothing but ``delimiter`` and spaces (a missing text: no).

    A malformed row's text (``_text`` of :func:`~recoup_lib.csvread.broken_frame`) so written is an
    empty row Excel saved with fewer commas than the header has, blank as a row of commas is; a
    reference file's line so written (``delimiter`` its own, a tab or a comma) is a row blank in
    every cell.
    """
    values = pa.array(texts, type=pa.large_string(), from_pandas=True)
    blank = pc.equal(pc.utf8_trim_whitespace(pc.replace_substring(values, delimiter, "")), "")
    return np.asarray(pc.fill_null(blank, False), dtype=bool)


def blank_rows(raw: pd.DataFrame) -> np.ndarray:
    """Which rows of ``raw`` (a file's rows as read, text or typed) are blank in every cell, spaces
    counting as blank (:func:`blank_row_mask`). The first column is looked at alone first: with no
    blank cell there, no row is blank, and the other columns are not converted."""
    if not len(raw) or not len(raw.columns):
        return np.zeros(len(raw), dtype=bool)
    if not blank_row_mask(pa.Table.from_pandas(raw.iloc[:, :1], preserve_index=False), spaces=True).any():
        return np.zeros(len(raw), dtype=bool)
    return blank_row_mask(pa.Table.from_pandas(raw, preserve_index=False), spaces=True)


def without_blank_rows(raw: pd.DataFrame, row_numbers: np.ndarray, broken: pd.DataFrame | None = None):
    """:func:`~recoup_lib.csvread.read_csv_text`'s results without the rows blank in every cell (spaces count as blank:
    ``,,,`` or ``, ,,``, an empty row as Excel saves it), a malformed row of commas alone included
    (:func:`blank_texts`; ``broken`` None: no malformed rows looked at); and how many were taken out.

    For the commands that skip such rows and count them ("2 blank row(s) skipped"): the readers
    themselves keep them, so that a row of blank cells written by the kit reads back.
    """
    blank = blank_rows(raw)
    blank_broken = blank_texts(broken["_text"]) if broken is not None and len(broken) else np.zeros(0, dtype=bool)
    if blank.any():
        raw, row_numbers = raw.loc[~blank].reset_index(drop=True), row_numbers[~blank]
    if blank_broken.any():
        broken = broken.loc[~blank_broken]
    return raw, row_numbers, broken, int(blank.sum() + blank_broken.sum())
