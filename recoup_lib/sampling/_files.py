"""Reading the files of ``recoup sample`` and ``recoup extrapolate`` (I/O at the edge).

Problems are collected for the whole file and reported together, each naming
the file, the row (spreadsheet numbering: header = row 1) and the column.
A sample, strata or frame file with any unusable row stops the run (exit 1):
an extrapolation from part of a sample, or a sample drawn from part of a
frame, is not the probability sample the design describes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import one_array
from ..errors import InputError, Problem
from ..csvread import broken_problems
from ..csvsaved import FileReading, read_as_saved
from ..money import format_cents_scalar
from ..schema import SAMPLE_SPEC, STRATA_SPEC, FileSpec, frame_spec, money_column, parse_table
from ..totalrows import first_filled_cells, total_rows
from ..wording import blank_rows_skipped
from ._common import case_variants

__all__ = ["SAMPLE_SPEC", "STRATA_SPEC", "FileReading", "SampleFile", "StrataSizes", "read_sample_file",
           "read_strata_file", "read_frame_file", "MAX_LISTED"]

#: How many problems a message lists before summarising the rest.
MAX_LISTED = 25

#: The kinds of column holding numbers: never a total row's label.
_NUMBER_KINDS = ("int", "money")


def _raise_problems(label: str, problems: list[Problem], rows_read: int, what: str) -> None:
    bad_rows = len({p.row for p in problems if p.row})
    listed = "\n".join(f"  {p.message}" for p in problems[:MAX_LISTED])
    more = len(problems) - MAX_LISTED
    if more > 0:
        listed += f"\n  ... and {more} more problem(s)"
    raise InputError(
        f"{label}: {len(problems)} problem(s) in {bad_rows} of {rows_read} row(s); {what}\n"
        f"{listed}")


def _cells(values: pd.Series) -> pa.Array:
    """A column's cells as trimmed Arrow text, a missing value ``""``: a cell of spaces is blank, as
    ``recoup import`` reads it."""
    return pc.utf8_trim_whitespace(pc.fill_null(one_array(values), ""))


def _total_rows(raw: pd.DataFrame, spec: FileSpec, id_column: str, label: str) -> list[Problem]:
    """A spreadsheet's total row under the units: its label ('Total', 'Grand total:') as its id, or, the id
    blank, as the whole of the first filled cell of its other text columns (the sum under the amounts), or
    as the whole of its first column's cell when that is not the id column (an Excel table's total row may
    count the ids: 'Total,3,30'). Read as one more unit, it would join the universe, or put the sum of the
    overpayments in the sample as one.

    ``raw``: the file's text, indexed by spreadsheet row."""
    ids = _cells(raw[id_column])
    keyed = np.asarray(pc.not_equal(ids, ""))
    total = total_rows(ids)
    problems = [Problem(label, int(row), id_column, str(value), _not_a_unit())
                for row, value in zip(raw.index[total], ids.filter(pa.array(total)).to_pylist())]
    if not keyed.all():
        problems += [Problem(label, int(row), id_column, value, _not_a_unit(column))
                     for row, column, value in _labels_beside_blank_ids(raw.iloc[np.flatnonzero(~keyed)], spec,
                                                                        id_column)]
    first = raw.columns[0]
    if first != id_column:
        firsts = _cells(raw[first])
        labelled = np.flatnonzero(keyed & ~total & total_rows(firsts, whole_cell=True))
        problems += [Problem(label, int(raw.index[i]), id_column, firsts[i].as_py(), _not_a_unit(first))
                     for i in labelled]
    return problems


def _not_a_unit(column: str | None = None) -> str:
    """What a total row's problem expects; ``column``: where its label is, when not in the id column."""
    where = f"in column {column!r}; " if column else ""
    return f"a unit's id, not a total row's label ({where}delete the total row: it is not a unit)"


def _labels_beside_blank_ids(rows: pd.DataFrame, spec: FileSpec, id_column: str) -> list[tuple[int, str, str]]:
    """The spreadsheet row, column and label of each of ``rows`` (rows of a blank id) whose first filled text
    cell is a total row's label and nothing more; only these rows' cells are read."""
    numbers = {col.name for col in spec.columns if col.kind in _NUMBER_KINDS}
    headers = [h for h in rows.columns if h == id_column or h not in numbers]
    cells = {h: _cells(rows[h]) for h in headers}
    labels = first_filled_cells(cells, headers, id_column, np.zeros(len(rows), dtype=bool))
    found = []
    for i in np.flatnonzero(total_rows(labels, whole_cell=True)):
        value = labels[i].as_py()
        found.append((rows.index[i], next(h for h in headers if cells[h][i].as_py() == value), value))
    return found


def _one_problem_per_total_row(problems: list[Problem], totals: list[Problem]) -> list[Problem]:
    """``problems`` with the row of each total row's problem in ``totals`` named by that problem alone (its
    blank id or amount says nothing more: the row is to be deleted)."""
    rows = {p.row for p in totals}
    return [p for p in problems if p.row not in rows] + totals


def _case_problems(data: pd.DataFrame, column: str, label: str) -> list[Problem]:
    """A stratum spelled two ways in ``column`` (``High``, ``high``): a problem at the first row of each
    later spelling, naming the first (strata are matched ignoring case, so they cannot be two strata)."""
    variants = case_variants(data[column])
    if not variants:
        return []
    rows = data.groupby(column, sort=False)["_row"].min()
    return [Problem(label, int(rows[other]), column, other,
                    f"the spelling of row {int(rows[first])}, {first!r} (strata are matched ignoring case, "
                    f"so {first!r} and {other!r} cannot be two strata)")
            for first, others in variants.items() for other in others]


def _below(raw: pd.DataFrame, data: pd.DataFrame, amount_column: str, lowest_cents: int,
           label: str) -> list[Problem]:
    """A unit whose amount is below the lowest edge of the dollar bands, which puts it in no band."""
    below = data.loc[data[money_column(amount_column)] < lowest_cents, "_row"]
    return [Problem(label, int(row), amount_column, str(raw.at[row, amount_column]),
                    f"an amount of at least {format_cents_scalar(lowest_cents)}, the lowest strata bound "
                    "(a unit below it is in no dollar band)")
            for row in below]


def _parse(path: Path, spec: FileSpec, label: str):
    """Read and type a file saved in any encoding, with blank rows
    (:func:`~recoup_lib.csvsaved.read_as_saved`); return its text (indexed by spreadsheet row), the
    parsed table, every problem, and how it was read (:class:`FileReading`: its ``rows_in_file`` the
    rows read, the blank rows skipped among them, as every command counts them:
    :func:`~recoup_lib.wording.rows_counted`)."""
    raw, rows, broken, reading = read_as_saved(path, spec, label)
    by_row = raw.set_axis(rows)
    text = _as_written_by_hand(raw, spec)
    parsed = parse_table(text, spec, label=label, row_numbers=rows)
    problems = list(parsed.problems) if text is raw else _quoting_the_file(parsed.problems, by_row, spec)
    return by_row, parsed, problems + broken_problems(broken, label), reading


def _quoting_the_file(problems: list[Problem], raw: pd.DataFrame, spec: FileSpec) -> list[Problem]:
    """``problems`` with each value of a column :func:`_as_written_by_hand` may rewrite (whole numbers)
    quoted as the file has it (``0,000``, not the ``0000`` parsed); ``raw``: the file's text, indexed by
    spreadsheet row."""
    rewritable = {col.name for col in spec.columns if col.kind == "int"}
    return [replace(p, value=str(raw.at[p.row, p.column])) if p.row and p.column in rewritable else p
            for p in problems]


#: A whole number with thousands separators (``1,000``), as ``--universe-size`` accepts it.
_GROUPED_WHOLE = r"^\s*\d{1,3}(?:,\d{3})+\s*$"


def _as_written_by_hand(raw: pd.DataFrame, spec: FileSpec) -> pd.DataFrame:
    """The text to parse, with a whole number's thousands separators dropped (``1,000`` -> ``1000``), as
    a person types it in a spreadsheet and ``--universe-size`` accepts it; the contract's parser reads
    only digits. ``raw`` itself is kept as written (a frame's columns are copied into sample.csv from
    it). A column without a ``,`` holds nothing to rewrite and is passed over.

    Amounts need no rewrite: the parser reads a person's forms (``$1,234.5``, ``(12.00)``,
    ``($1,234.56)``) as ``recoup import`` reads them (:func:`recoup_lib.amounts.common_amounts`)."""
    text = raw
    for col in spec.columns:
        if col.kind != "int" or col.name not in raw.columns:
            continue
        written_as = one_array(raw[col.name])
        if not pc.any(pc.match_substring(written_as, ",")).as_py():
            continue
        values = pc.utf8_trim_whitespace(written_as)
        read = pc.fill_null(pc.match_substring_regex(values, _GROUPED_WHOLE), False)
        if pc.any(read).as_py():
            text = text.copy() if text is raw else text
            text[col.name] = pd.Series(pc.if_else(read, pc.replace_substring(values, ",", ""), written_as),
                                       index=raw.index, dtype=raw[col.name].dtype)
    return text


@dataclass
class SampleFile:
    """A parsed sample file.

    Attributes
    ----------
    data : pandas.DataFrame
        Reviewed units: ``sample_id``, ``overpayment_cents`` (int64),
        ``stratum`` (str, ``""`` when the file has none), ``_row``, extra
        columns as text.
    has_stratum : bool
        Whether the file has a ``stratum`` column.
    rows_read : int
        Rows under the header: reviewed units, unused spares and blank rows skipped
        (``reading.blank_rows``).
    unused_spares : int
        Rows marked ``is_spare`` with a blank overpayment: spares that were
        never needed, which are not sample units.
    extra_spares : int
        Spares reviewed beyond the units taken out of the sample (see
        :func:`_extra_spares`): the caller warns, the units are still appraised.
    reading : FileReading, optional
        How the file was read (its encoding), for the summary.
    """

    data: pd.DataFrame
    has_stratum: bool
    rows_read: int
    unused_spares: int
    extra_spares: int = 0
    reading: FileReading | None = None


class StrataSizes(dict):
    """The universe size of each stratum (``{stratum: size}``, in file order), and how the strata file
    was read (``reading``, a :class:`FileReading`)."""

    def __init__(self, sizes, reading: FileReading | None = None):
        super().__init__(sizes)
        self.reading = reading


def read_sample_file(path: str | Path, stratified: bool = False) -> SampleFile:
    """Read SAMPLE.csv of ``recoup extrapolate``.

    Parameters
    ----------
    path : path-like
        CSV with ``sample_id``, ``overpayment`` (dollars, 0 for a clean unit)
        and optionally ``stratum`` and ``is_spare`` (as ``recoup sample``
        writes them); other columns are ignored.
    stratified : bool, default False
        The sample will be appraised by stratum: the ``stratum`` column must
        exist and hold a value on every reviewed row.

    Returns
    -------
    SampleFile

    Raises
    ------
    InputError
        The file or a required column is missing, or any row is unusable
        (bad or blank overpayment, blank or repeated sample_id, a total
        row, blank stratum when ``stratified``). All problems are listed.

    Notes
    -----
    Every unit drawn must be reviewed: a unit whose records cannot be found
    is normally scored as an overpayment, not dropped (docs/sources.md §4.2), so a
    partial sample is refused rather than extrapolated. Spares that were not
    used (``is_spare`` true, overpayment blank) are the one exception.
    """
    path = Path(path)
    label = path.name
    raw, parsed, problems, reading = _parse(path, SAMPLE_SPEC, label)
    rows_read = reading.rows_in_file
    data = parsed.data
    has_stratum = "stratum" in raw.columns
    if stratified and not has_stratum:
        raise InputError(f"{label}: no 'stratum' column, which a stratified appraisal "
                         "(--strata) needs")
    totals = _total_rows(raw, SAMPLE_SPEC, "sample_id", label)
    spare = data["is_spare"].fillna(False).to_numpy(dtype=bool)
    blank = data["overpayment_cents"].isna().to_numpy()
    unused = spare & blank
    for r in data.loc[blank & ~spare, "_row"]:
        problems.append(Problem(label, int(r), "overpayment", "",
                                "the reviewed overpayment of this unit (0 for a clean unit; "
                                "a unit without records is usually an overpayment)"))
    if stratified:
        for r in data.loc[(data["stratum"] == "") & ~unused, "_row"]:
            problems.append(Problem(label, int(r), "stratum", "", "the unit's stratum"))
    problems = _one_problem_per_total_row(problems, totals)
    if problems:
        problems.sort(key=lambda p: p.row)
        _raise_problems(label, problems, rows_read,
                        "an extrapolation from part of a sample is not valid, so nothing was "
                        "estimated. Fix these rows (every sampled unit needs its reviewed "
                        "overpayment):")
    if not len(data) or unused.all():
        blank = f": {blank_rows_skipped(reading.blank_rows)}" if reading.blank_rows else ""
        raise InputError(f"{label}: no reviewed units (the file has {rows_read} row(s){blank})")
    used = data.loc[~unused].reset_index(drop=True)
    used["overpayment_cents"] = used["overpayment_cents"].astype("int64")
    return SampleFile(data=used, has_stratum=has_stratum, rows_read=rows_read,
                      unused_spares=int(unused.sum()), extra_spares=_extra_spares(data, spare, unused),
                      reading=reading)


def _extra_spares(data: pd.DataFrame, spare: np.ndarray, unused: np.ndarray) -> int:
    """Spares reviewed beyond the sample units taken out, by stratum, where the file says how many units
    the design drew (``recoup sample`` numbers them 1 to n in ``selection_order`` and the spares on from
    n + 1); 0 when it does not say.

    A spare replaces a unit that cannot be reviewed, whose row is then deleted: a spare reviewed while
    every unit is still there makes the sample larger than designed (RAT-STATS and the OIG expect the
    spare to take the unit's place, not to join it).
    """
    if "selection_order" not in data.columns:
        return 0
    order = pd.to_numeric(data["selection_order"], errors="coerce")
    stratum = data["stratum"] if "stratum" in data.columns else pd.Series("", index=data.index)
    extra = 0
    for _, rows in pd.DataFrame({"order": order, "stratum": stratum, "spare": spare,
                                 "used": ~unused}).groupby("stratum", sort=False):
        spares = rows.loc[rows["spare"], "order"]
        if spares.isna().any() or rows["order"].isna().any() or not len(spares):
            continue
        designed = int(spares.min()) - 1
        taken_out = designed - int((~rows["spare"]).sum())
        extra += max(0, int((rows["spare"] & rows["used"]).sum()) - max(taken_out, 0))
    return extra


def read_strata_file(path: str | Path) -> StrataSizes:
    """Read STRATA.csv (``stratum``, ``universe_size``) into a dict.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    StrataSizes
        Universe size of each stratum, in file order (a dict), and how the file was read.

    Raises
    ------
    InputError
        Missing file or column, blank or repeated stratum (also one spelled
        as another but for case or surrounding spaces: strata are matched to
        the sample's ignoring them), universe size not a whole number >= 1.
        All problems are listed.
    """
    path = Path(path)
    label = path.name
    _, parsed, problems, reading = _parse(path, STRATA_SPEC, label)
    problems += _case_problems(parsed.data, "stratum", label)
    if problems:
        _raise_problems(label, sorted(problems, key=lambda p: p.row), reading.rows_in_file,
                        "every stratum needs its universe size:")
    if not len(parsed.data):
        raise InputError(f"{label}: no strata (expected one row per stratum with its "
                         "universe_size)")
    return StrataSizes({str(s): int(u) for s, u in zip(parsed.data["stratum"], parsed.data["universe_size"])},
                       reading)


def read_frame_file(path: str | Path, id_column: str, *, stratify_by: str | None = None,
                    amount_column: str | None = None,
                    lowest_amount_cents: int | None = None) -> pd.DataFrame:
    """Read a sample frame: one row per unit of the universe.

    Parameters
    ----------
    path : path-like
    id_column : str
        Required, non-blank and unique. Each column is named as the header names it, ignoring case and
        spaces around the name; the frame's column is named as given, trimmed (`` Claim # `` is ``Claim #``).
    stratify_by : str, optional
        Required and non-blank on every row, each stratum spelled one way
        (not ``High`` on one row and ``high`` on another).
    amount_column : str, optional
        Required; dollars with at most two decimals on every row (for dollar
        bands). Parsed into ``<amount_column>_cents`` (the name gains no
        second suffix if it already ends in ``_cents``).
    lowest_amount_cents : int, optional
        The smallest amount allowed (the lowest edge of the dollar bands):
        a unit below it is in no band, a problem of its row.

    Returns
    -------
    pandas.DataFrame
        The frame in file order, every column as text, plus
        ``<amount_column>_cents`` when asked. No private columns.
        ``attrs["reading"]`` says how the file was read (:class:`FileReading`).

    Raises
    ------
    InputError
        Missing file or column; any blank/repeated id, total row, blank
        stratum, stratum spelled two ways, bad amount or amount below
        ``lowest_amount_cents`` (all listed, each at its row of the file): a
        frame with unusable rows is not the universe.
    """
    path = Path(path)
    label = path.name
    id_column, stratify_by, amount_column = (None if name is None else name.strip()
                                             for name in (id_column, stratify_by, amount_column))
    spec = frame_spec(label, id_column, stratify_by, amount_column)
    raw, parsed, problems, reading = _parse(path, spec, label)
    if stratify_by:
        problems += _case_problems(parsed.data, stratify_by, label)
    if amount_column and lowest_amount_cents is not None:
        problems += _below(raw, parsed.data, amount_column, lowest_amount_cents, label)
    problems = _one_problem_per_total_row(problems, _total_rows(raw, spec, id_column, label))
    if problems:
        _raise_problems(label, sorted(problems, key=lambda p: p.row), reading.rows_in_file,
                        "a frame with unusable rows is not the whole universe, so no sample "
                        "was drawn:")
    if not len(raw):
        raise InputError(f"{label}: the frame has no units (only a header)")
    frame = raw.reset_index(drop=True).copy()
    for name in frame.columns:
        frame[name] = frame[name].astype("str")
    frame[id_column] = frame[id_column].str.strip()
    if stratify_by:
        frame[stratify_by] = frame[stratify_by].str.strip()
    if amount_column:
        cents = money_column(amount_column)
        frame[cents] = parsed.data[cents].to_numpy(dtype=np.int64)
    frame.attrs["reading"] = reading
    return frame
