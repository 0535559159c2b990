"""A spreadsheet's total row, told by its label (``Total``, ``Grand total:``, ``Sub-total``).

A sum a person put under the rows of an export or a sampling file is no claim line,
payment or unit: ``recoup import`` and the sampling files set it aside by its label
(:func:`total_rows`), looked for in its key column or, where the key is blank, in the
row's first filled cell (:func:`first_filled_cells`).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrowtext import array_parts

__all__ = ["TOTAL_PATTERN", "total_rows", "first_filled_cells"]

#: A total row's label: TOTAL, Totals:, Grand Total, Sub-total, Report total, Page total ... (a
#: spreadsheet's sum under the rows, which ``recoup import`` and the sampling files set aside).
TOTAL_PATTERN = r"(?i)^\s*(?:grand|sub|report|page|batch|claim|provider|payer|final|file)?[\s-]*totals?\b"

#: Values holding ``total`` beyond which :func:`total_rows` tries its pattern on the whole column.
_TOTAL_CANDIDATES = 10_000


def total_rows(first: pa.Array, whole_cell: bool | np.ndarray = False) -> np.ndarray:
    """Which values (text, no nulls) are a total row's label (:data:`TOTAL_PATTERN`); with ``whole_cell``,
    only those that are the label and nothing more (``Total``, ``Grand total:``, not ``Total knee
    arthroplasty``: a unit's text beside its blank id may begin with the word). ``whole_cell`` may be a
    mask: the values that must be the whole label (those read beside a blank id, :func:`first_filled_cells`),
    the others only begin with it (an id cell's ``Total claims: 12``).

    Every label the pattern matches holds ``total`` (its letters match no other character, in any
    case), so the pattern is tried only on the values whose bytes hold it, found by ``bytes.find``
    on the column lowered as ASCII (on every value when there are many).
    """
    offsets, raw = array_parts(first)
    data = raw[offsets[0]:offsets[-1]].tobytes().lower() if len(first) else b""
    found, at = [], data.find(b"total")
    while at >= 0:
        if len(found) == _TOTAL_CANDIDATES:
            return _total_labels(first, np.broadcast_to(whole_cell, len(first)))
        found.append(at)
        at = data.find(b"total", at + 1)
    total = np.zeros(len(first), dtype=bool)
    if found:
        rows = np.unique(np.searchsorted(offsets, np.asarray(found) + offsets[0], side="right") - 1)
        total[rows] = _total_labels(first.take(pa.array(rows)), np.broadcast_to(whole_cell, len(first))[rows])
    return total


def _total_labels(values: pa.Array, whole_cell: np.ndarray) -> np.ndarray:
    """:func:`total_rows`' pattern tried on each of ``values``: the whole value where ``whole_cell``."""
    begins = np.asarray(pc.match_substring_regex(values, TOTAL_PATTERN))
    if not whole_cell.any():
        return begins
    return begins & (~whole_cell | np.asarray(pc.match_substring_regex(values, TOTAL_PATTERN + r"\W*$")))


def first_filled_cells(cells: dict[str, pa.Array], headers: list[str], key_header: str,
                       keyed: np.ndarray) -> pa.Array:
    """Each row's label, for :func:`total_rows`: its key where ``keyed`` (the key filled, or the row
    empty), else the first filled cell of the row in ``headers`` order, looked for only in those few
    rows. A spreadsheet's total row may hold its label in another column than the key's.

    ``cells``: text without nulls, by header (every one of ``headers``).
    """
    key = cells[key_header]
    keyless = np.flatnonzero(~keyed)
    if not len(keyless):
        return key
    take = pa.array(keyless)
    found = pa.array([""] * len(keyless), pa.string())
    for h in reversed(headers):
        values = cells[h].take(take)
        found = pc.if_else(pc.not_equal(values, ""), values, found)
    return pc.replace_with_mask(key, pa.array(~keyed), found)
