"""Load CMS's quarterly Medicare interest-rate notices into the kit's rate table.

The Treasury certifies the rate each quarter and CMS announces every change
in a Financial Management transmittal ("Notice of New Interest Rate for
Medicare Overpayments and Underpayments"), which also reprints the rate
history as a table of periods and rates (42 CFR 405.378; docs/sources.md
§1.2; https://www.cms.gov/medicare/regulations-guidance/transmittals). The
kit ships only the periods its research saw, plus placeholder rows for 2025
and 2026; interest on a notice dated in a placeholder period is not computed
until the real rates are loaded with these functions.

A user's file of rate notices is a CSV with either

- ``effective_date`` and ``rate_percent`` (and optionally ``end_date``,
  ``source``, ``source_url``, ``note``): one row per notice, or
- the two columns of the transmittal's rate table, ``Period`` (``February 7,
  2001 - April 25, 2001``) and ``Interest Rate`` (``14.125%``), copied into a
  spreadsheet and saved as CSV.

Headers are matched with case and punctuation ignored. Dates may be
``YYYY-MM-DD``, ``MM/DD/YYYY`` or ``Month D, YYYY``. A blank end date means
"until the next notice" (the last one: still in force).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from io import StringIO
from pathlib import Path

import pandas as pd

from ..csvrecords import CLOSING_QUOTE, quoted_records, runaway_column
from ..errors import WHOLE_ROW, InputError, Problem
from ..filekind import decode_bytes, not_a_file_message
from ..wording import no_usable_row
from ._profiles import Profiles, _check_rates, _decimal_between, _filled_end_dates

__all__ = ["RateNotices", "read_rate_notices", "merge_rate_notices", "with_rate_notices", "RATE_COLUMNS",
           "RATES_WRITTEN_BY"]

#: The step recorded as writing the merged rate table (``recoup reference import-interest-rates``): only it
#: replaces it.
RATES_WRITTEN_BY = "recoup reference import-interest-rates"

#: Columns of ``medicare_interest_rates.csv`` (docs/contract.md, "Appeal rule tables").
RATE_COLUMNS = ["effective_date", "end_date", "rate_percent", "source", "source_url", "status", "note"]
_TRANSMITTALS = "https://www.cms.gov/medicare/regulations-guidance/transmittals"
_HEADERS = {
    "effective_date": ("effectivedate", "effective", "startdate", "start", "from", "datefrom"),
    "end_date": ("enddate", "end", "to", "through", "dateto", "until"),
    "rate_percent": ("ratepercent", "rate", "interestrate", "ratepct", "percent"),
    "period": ("period", "periods"),
    "source": ("source", "transmittal", "notice", "changerequest", "cr"),
    "source_url": ("sourceurl", "url", "link", "address"),
    "note": ("note", "notes", "comment"),
}
_DATE_IN_TEXT = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}")


@dataclass(frozen=True)
class RateNotices:
    """A file of rate notices, read.

    Attributes
    ----------
    rates : pandas.DataFrame
        Usable rows in ``medicare_interest_rates.csv``'s shape
        (:data:`RATE_COLUMNS`; dates as datetime64, end_date NaT when open),
        status ``confirmed`` (the user's file cites CMS's notices).
    problems : list of Problem
        Every row set aside, with file, row, column, value and what was expected.
    rows_read : int
        Rows used and set aside.
    blank_rows : int
        Rows under the header blank in every cell (a blank line, the commas Excel writes for an empty
        row), skipped: neither used nor set aside, so not among ``rows_read``.
    """

    rates: pd.DataFrame
    problems: list
    rows_read: int
    blank_rows: int = 0

    @property
    def rows_used(self) -> int:
        return len(self.rates)

    @property
    def rows_set_aside(self) -> int:
        return len({p.row for p in self.problems})

    @property
    def rows_in_file(self) -> int:
        """Rows read and blank rows skipped: every row a spreadsheet shows under the header, what the
        commands' counts call rows read (:func:`recoup_lib.wording.rows_counted`)."""
        return self.rows_read + self.blank_rows


def _key(header: str) -> str:
    return re.sub(r"[^a-z]", "", str(header).lower())


def _parse_day(text: str):
    text = str(text).strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b. %d, %Y"):
        try:
            day = pd.to_datetime(text, format=fmt)
        except (ValueError, TypeError):
            continue
        if 1900 <= day.year <= 2100:
            return day
    return pd.NaT


def _read_text(path: Path, label: str) -> tuple[list[str], list[tuple[int, list[str]]], list[Problem], int]:
    """The file's header (the first row that is not blank), its rows as ``(row, cells)`` numbered as a
    spreadsheet shows them, the rows set aside (for holding more cells than the header, or a
    quote that runs away) and how many rows under the header were blank in every cell.

    Records are read by the kit's exact CSV reader (:func:`~recoup_lib.csvrecords.quoted_records`):
    any value may hold a line break, and a quote that runs away (never closed, or taking in lines that
    look like rows) is cut after its first line, the lines after it read as the rows they are.

    The bytes are decoded as ``recoup import`` decodes them
    (:func:`~recoup_lib.filekind.decode_bytes`: UTF-8, UTF-16, Windows-1252..., after a byte-order
    mark or not). Rows blank in every cell (a blank line, or the commas Excel writes for an empty
    row) are skipped and counted, as every command counts them, but keep their place in that
    numbering, so a problem names the row the user sees. A row shorter than the header is blank in
    its last columns; one with more cells than the header (a comma too many, or a value holding a
    comma without quotes) cannot say which cell is whose, so it is set aside, unless its extra cells
    are blank.
    """
    lines = StringIO(decode_bytes(path.read_bytes(), label)[0].decode("utf-8"), newline="").readlines()
    header, row, start = None, 0, 0
    for fields, _, taken, runaway in quoted_records(lines, 0, lambda at: True):
        row, start = row + 1, start + (1 if runaway else taken)
        if any(cell.strip() for cell in fields):
            header = fields
            break
    if header is None:
        raise InputError(f"{label}: cannot be read as a CSV of rate notices (no header row)")
    rows, set_aside, blank = [], [], 0
    for number, (cells, _, _, runaway) in enumerate(quoted_records(lines[start:], len(header), lambda at: True),
                                                    start=row + 1):
        if runaway is not None:
            at = runaway[0]
            set_aside.append(Problem(label, number, runaway_column(header, at), '"' + cells[at], CLOSING_QUOTE[True]))
        elif len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            set_aside.append(Problem(label, number, WHOLE_ROW, ",".join(cells),
                                     f"at most {len(header)} cells, as the header has (this row has {len(cells)}: a "
                                     "comma too many, or a value holding a comma without quotes)"))
        elif any(cell.strip() for cell in cells):
            rows.append((number, cells))
        else:
            blank += 1
    return header, rows, set_aside, blank


def read_rate_notices(path: str | Path) -> RateNotices:
    """Read a user's CSV of CMS's quarterly interest-rate notices.

    Parameters
    ----------
    path : path-like
        The CSV (see the module notes for the two layouts accepted).

    Returns
    -------
    RateNotices
        The usable rows as rate-table rows, every row set aside with its
        reason (rows read = rows used + rows set aside), and the blank rows skipped.

    Raises
    ------
    InputError
        The file cannot be read, has neither layout's columns, or has no
        usable row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "rates.csv"
    >>> _ = f.write_text('Period,Interest Rate\\n"July 20, 2015 - October 19, 2015",9.75%\\n', encoding="utf-8")
    >>> r = read_rate_notices(f).rates.iloc[0]
    >>> f"{r['effective_date']:%Y-%m-%d} {r['end_date']:%Y-%m-%d} {r['rate_percent']}"
    '2015-07-20 2015-10-19 9.75'
    """
    path = Path(path)
    label = path.name
    refused = not_a_file_message(path, label, "expected a CSV of rate notices")
    if refused:
        raise InputError(refused)
    try:
        header, records, set_aside, blank_rows = _read_text(path, label)
    except (OSError, csv.Error) as exc:
        raise InputError(f"{label}: cannot be read as a CSV of rate notices ({exc})") from None
    positions = {}
    for at, column in enumerate(header):
        for field, keys in _HEADERS.items():
            if _key(column) in keys and field not in positions:
                positions[field] = at
    names = {field: header[at] for field, at in positions.items()}
    has_dates = "effective_date" in names or "period" in names
    if not has_dates or "rate_percent" not in names:
        raise InputError(f"{label}: expected columns effective_date and rate_percent (or CMS's table columns "
                         f"Period and Interest Rate); got {', '.join(map(repr, header)) or 'no header'}")
    problems: list[Problem] = list(set_aside)
    rows_read = len(records) + len(set_aside)
    rows = []
    for row, cells in records:
        get = {field: cells[at].strip() if at < len(cells) else "" for field, at in positions.items()}
        if "effective_date" in names:
            start_text, end_text = get["effective_date"], get.get("end_date", "")
            start_col, end_col = names["effective_date"], names.get("end_date", "end_date")
        else:
            found = _DATE_IN_TEXT.findall(get["period"])
            start_text = found[0] if found else get["period"]
            end_text = found[1] if len(found) > 1 else ""
            start_col = end_col = names["period"]
        start, end = _parse_day(start_text), _parse_day(end_text)
        rate = get["rate_percent"].rstrip("%").strip()
        bad = []
        if start is None or pd.isna(start):
            bad.append((start_col, start_text, "a date (YYYY-MM-DD, MM/DD/YYYY or Month D, YYYY)"))
        if end is not None and pd.isna(end):
            bad.append((end_col, end_text, "a date (YYYY-MM-DD, MM/DD/YYYY or Month D, YYYY), or blank"))
        if not _decimal_between(rate, 0, 100):
            bad.append((names["rate_percent"], get["rate_percent"], "a percentage between 0 and 100, e.g. 10.375"))
        if not bad and end is not None and end < start:
            bad.append((end_col, end_text, "a date on or after the effective date"))
        problems += [Problem(label, row, column, value, expected) for column, value, expected in bad]
        if bad:
            continue
        rows.append({"effective_date": start, "end_date": end if end is not None else pd.NaT,
                     "rate_percent": rate,
                     "source": get.get("source") or f"CMS rate notice ({label})",
                     "source_url": get.get("source_url") or _TRANSMITTALS, "status": "confirmed",
                     "note": get.get("note", ""), "_row": row})
    if not rows:
        first = f" First problem: {problems[0].message}" if problems else ""
        raise InputError(f"{label}: no usable rate notice ({no_usable_row(rows_read, blank_rows)}).{first}")
    rates = pd.DataFrame(rows)
    rates["effective_date"] = pd.to_datetime(rates["effective_date"]).astype("datetime64[us]")
    rates["end_date"] = pd.to_datetime(rates["end_date"]).astype("datetime64[us]")
    overlaps = list(_check_rates(rates))
    if overlaps:
        row, column, value, expected = overlaps[0]
        raise InputError(Problem(label, int(row), column, str(value), expected).message)
    rates["end_date"] = _filled_end_dates(rates)
    rates = rates.sort_values("effective_date", kind="stable").drop(columns="_row").reset_index(drop=True)
    problems.sort(key=lambda problem: problem.row)
    return RateNotices(rates[RATE_COLUMNS], problems, rows_read, blank_rows)


def merge_rate_notices(table: pd.DataFrame, notices: RateNotices | pd.DataFrame) -> pd.DataFrame:
    """The rate table with the loaded notices in place of every row they cover.

    Parameters
    ----------
    table : pandas.DataFrame
        A rate table (``Profiles.interest_rates``).
    notices : RateNotices or pandas.DataFrame
        What :func:`read_rate_notices` returned (or its ``rates``).

    Returns
    -------
    pandas.DataFrame
        :data:`RATE_COLUMNS`, sorted by effective_date. A row of ``table``
        that overlaps the span the notices cover (from the first notice's
        effective date to the last one's end, or on, when the last is still
        in force) is dropped -- the placeholder rows among them -- so no date
        has two rates.

    Examples
    --------
    >>> from recoup_lib.appeals import load_profiles
    >>> loaded = pd.DataFrame({"effective_date": pd.to_datetime(["2025-01-01"]), "end_date": [pd.NaT],
    ...     "rate_percent": ["9.50"], "source": ["test"], "source_url": [""], "status": ["confirmed"], "note": [""]})
    >>> merged = merge_rate_notices(load_profiles().interest_rates, loaded)
    >>> merged.loc[merged["effective_date"] >= "2025-01-01", "rate_percent"].tolist()
    ['9.50']
    """
    loaded = notices.rates if isinstance(notices, RateNotices) else notices
    loaded = loaded[RATE_COLUMNS].copy()
    first = loaded["effective_date"].min()
    last_end = loaded["end_date"].max() if loaded["end_date"].notna().all() else pd.Timestamp.max
    ends = table["end_date"].fillna(pd.Timestamp.max)
    keep = (ends < first) | (table["effective_date"] > last_end)
    out = pd.concat([table.loc[keep, RATE_COLUMNS], loaded], ignore_index=True)
    out["effective_date"] = out["effective_date"].astype("datetime64[us]")
    out["end_date"] = out["end_date"].astype("datetime64[us]")
    for col in ("rate_percent", "source", "source_url", "status", "note"):
        out[col] = out[col].fillna("").astype("str")
    return out.sort_values("effective_date", kind="stable").reset_index(drop=True)


def with_rate_notices(profiles: Profiles, notices: RateNotices | pd.DataFrame) -> Profiles:
    """The same profiles, with their interest-rate table merged with loaded notices.

    >>> from recoup_lib.appeals import load_profiles, rate_on
    >>> loaded = pd.DataFrame({"effective_date": pd.to_datetime(["2025-01-01"]), "end_date": [pd.NaT],
    ...     "rate_percent": ["9.50"], "source": ["test"], "source_url": [""], "status": ["confirmed"], "note": [""]})
    >>> rate_on("2026-02-01", with_rate_notices(load_profiles(), loaded)).rate_percent
    '9.50'
    """
    merged = merge_rate_notices(profiles.interest_rates, notices)
    sources = {**profiles.sources, "medicare_interest_rates.csv": "shipped, with loaded CMS rate notices"}
    return replace(profiles, interest_rates=merged, sources=sources, _memo={})

