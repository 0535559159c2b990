"""Finding the header of an export among its first rows: the row naming the most contract fields
(:func:`find_header`), or two rows read as one when the header is printed over two
(:func:`find_header_rows`); the rows above it are title rows or page headers (:func:`above_header`).

Shared by the CSV reader (:mod:`._tables`) and the workbook reader (:mod:`._workbook`): ``score``
counts the contract fields a row of cells names (and, with ``score.complete``, says whether they
are every required one).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

__all__ = ["preview_rows", "find_header", "find_header_rows", "Header", "above_header", "PAGE_MARK",
           "PAGE_MARK_REASON"]

#: Rows, not blank, of an export's start its header is looked for in.
_PREVIEW_ROWS = 60


def preview_rows(records):
    """The first records of an export, up to the :data:`_PREVIEW_ROWS`-th that is not blank: the rows
    its header is looked for in (blank lines and rows are passed over without being counted, so
    however many of them stand above the header, it is found)."""
    filled = 0
    for record in records:
        yield record
        filled += any(str(c).strip() for c in record)
        if filled >= _PREVIEW_ROWS:
            return


def find_header(preview: list[list[str]], score) -> int:
    """Index of the header row: the first row naming the most fields (at least two)."""
    scores = [score(row) for row in preview]
    top = max(scores, default=0)
    if top >= 2:
        return scores.index(top)
    for i, row in enumerate(preview):
        if any(str(c).strip() for c in row):
            return i
    return 0


#: Why a row holding a page's number (``Page 1 of 2``) is set aside, wherever it stands.
PAGE_MARK_REASON = "page header or footer (a report printed page by page)"
#: A page's number as a report printed to a file writes it at each page's top or foot: a cell
#: ``Page 2``, ``Page: 2 of 5``, ``Pg. 2/5``, or ``Page 2 of 5`` within a longer text
#: (``Printed 02/03/2025 Page 2 of 5``). Read by Python's ``re`` and by Arrow's RE2 alike.
PAGE_MARK = (r"(?i)^(?:page|pg\.?)\s*[:#]?\s*\d+(?:\s*(?:of|/)\s*\d+)?$"
             r"|\bpage\s*[:#]?\s*\d+\s+of\s+\d+\b")


def above_header(cells: list[str]) -> str:
    """Why a row above the header is set aside: a page header (:data:`PAGE_MARK`), else a title row."""
    if any(re.search(PAGE_MARK, str(c).strip()) for c in cells):
        return PAGE_MARK_REASON
    return "title row above the header"


@dataclass
class Header:
    """The header of an export: its row (or the two rows of a header split over two) and its cells.

    Attributes
    ----------
    first, last : int
        Indexes of its first and last rows in the preview (equal for a header on one row): the rows
        above ``first`` are title rows, the data starts below ``last``.
    cells : list of str
        The header's cells (for a split header, each column's two cells joined: :func:`_joined_header`).
    """

    first: int
    last: int
    cells: list[str]

    def note(self, row_of) -> str | None:
        """What the summary says of a split header (``row_of(i)``: the number of preview row ``i``)."""
        if self.first == self.last:
            return None
        named = [repr(c) for c in self.cells if c.strip()]
        return (f"header split over two rows ({row_of(self.first)} and {row_of(self.last)}) read as one: "
                + ", ".join(named[:12]) + (" ..." if len(named) > 12 else ""))


def find_header_rows(preview: list[list[str]], score) -> Header:
    """The header of an export: the row :func:`find_header` finds, or that row and the one next to it
    when the header is split over two (``Date of`` above ``Service``, ``Paid`` above ``Amount``, a
    group's name merged over the columns below it).

    Two rows are one header when neither names every required field and the two joined do
    (``score.complete(cells)``, when ``score`` has it), and the upper row holds more than one
    distinct value: a title row above a header leaves the header as it is, for the header alone
    names every field, or the two joined name no more than the header does, or the title is one
    value (merged across the columns, its value is in each of them).
    """
    index = find_header(preview, score)
    cells = [str(c) for c in preview[index]] if preview else []
    complete = getattr(score, "complete", None)
    if complete is None or complete(cells):
        return Header(index, index, cells)
    for top in (index, index - 1):
        if top < 0 or top + 1 >= len(preview):
            continue
        upper, lower = ([str(c) for c in row] for row in preview[top:top + 2])
        if len({c.strip() for c in upper} - {""}) < 2 or not any(c.strip() for c in lower) \
                or complete(upper) or complete(lower):
            continue
        joined = _joined_header(upper, lower, score)
        if complete(joined) and score(joined) > max(score(upper), score(lower)):
            return Header(top, top + 1, joined)
    return Header(index, index, cells)


def _joined_header(upper: list[str], lower: list[str], score) -> list[str]:
    """Each column's two header cells as one: ``Date of`` and ``Service`` -> ``Date of Service``; the
    lower cell alone where it names a field and the two together do not (a group's name above it:
    ``Amounts`` over ``Charge``); the cell that is filled where the other is blank."""
    out = []
    for above, below in itertools.zip_longest(upper, lower, fillvalue=""):
        above, below = above.strip(), below.strip()
        both = f"{above} {below}".strip()
        if above and below and not score([both]) and score([below]):
            both = below
        out.append(both)
    return out
