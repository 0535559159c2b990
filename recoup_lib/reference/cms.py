"""Read CMS's quarterly NCCI PTP and MUE files as users download them.

CMS publishes the Medicare NCCI procedure-to-procedure (PTP) edits and the
medically unlikely edits (MUE) every quarter. This module turns those files,
untouched, into the kit's contract tables ``ncci_ptp.csv`` and ``mue.csv``
(``docs/contract.md``): :func:`read_ptp` and :func:`read_mue` return typed
DataFrames plus every problem found, and the rows set aside.

The layouts read (evidence in ``data/README.md``, section "CMS NCCI
files"):

PTP (``ccipra-v322r0-f1.txt`` practitioner, ``ccioph-...`` outpatient
hospital; the practitioner table may come in parts f1..f4)
    Tab-delimited text: a few preamble lines (the AMA CPT copyright line, a
    title such as "Column1/Column2 Edits"), then the header, either on one
    line (``Column 1 | Column 2 | *=in existence prior to 1996 | Effective
    Date | Deletion Date *=no data | Modifier 0=not allowed 1=allowed
    9=not applicable | PTP Edit Rationale``) or split over several lines
    (``*=in existence`` / ``prior to 1996``, ``Modifier`` / ``0=not
    allowed`` / ``1=allowed`` / ``9=not applicable``); data rows with dates
    as ``YYYYMMDD`` and ``*`` for "no deletion date". The ``.xlsx`` version
    has the same rows and header block on one sheet.
MUE (``MCR_MUE_PractitionerServices_Eff_04-01-2024.csv`` and the
outpatient hospital and DME supplier tables)
    Comma-separated text opening with quoted copyright/disclaimer cells
    (which may span several lines), then the header ``HCPCS/CPT Code |
    Practitioner Services MUE Values | MUE Adjudication Indicator | MUE
    Rationale`` (the first header cell may hold a line break), then one row
    per code; the indicator cell is text that starts with the MAI digit:
    ``1 Line Edit``, ``2 Date of Service Edit: Policy``, ``3 Date of Service
    Edit: Clinical``. The ``.xlsx`` version has the same columns.
Either kind may arrive inside a ``.zip`` (also a zip of zips). When a zip
holds the same table twice (``.txt`` and ``.xlsx`` of one part), the text
version is read and the other is listed as skipped; so are members that are
not tables (PDF, Word) and change reports (a name containing "change").

The header is found by its column names, never by counting lines, so a
longer or shorter preamble does not matter (finding the tables and their
header is :mod:`recoup_lib.reference._cms_layout`'s part; reading the rows
under it is this module's). A row whose values cannot be
used is set aside with a reason naming the file, row and column; rows that
repeat or contradict one another are handled by
:mod:`recoup_lib.reference._cms_rows`. The totals always satisfy rows read =
rows used + rows set aside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..blankrows import blank_texts
from ..errors import InputError, Problem
from ..schema import DATE_RANGE, FIRST_DATE, LAST_DATE
from ._cms_layout import REQUIRED_LABEL, Header, Table, cell_text, code_cell_text, find_tables, mue_header, ptp_header
from ._cms_rows import MUE_COLUMNS, PTP_COLUMNS, Part, combine

__all__ = [
    "CmsImport",
    "PTP_COLUMNS",
    "MUE_COLUMNS",
    "read_ptp",
    "read_mue",
    "parse_mai",
    "describe_source",
    "WRITTEN_BY",
]

#: The step recorded as writing each kind's contract CSV and its ``_rejected.csv`` (``recoup reference
#: import-ptp`` / ``import-mue``): only that step replaces them.
WRITTEN_BY = {"ptp": "recoup reference import-ptp", "mue": "recoup reference import-mue"}

_CODE = re.compile(r"^[A-Z0-9]{5}$")


@dataclass
class CmsImport:
    """The result of reading one or several CMS files of one kind.

    Attributes
    ----------
    kind : str
        ``"ptp"`` or ``"mue"``.
    data : pandas.DataFrame
        Usable rows in the contract's shape. PTP: ``column_1``,
        ``column_2`` (str), ``effective_date``, ``deletion_date``
        (``datetime64[us]``, NaT where CMS writes ``*``),
        ``modifier_indicator`` (``"0"``, ``"1"`` or ``"9"``), then
        ``prior_1996`` (bool), ``rationale``, ``source_file`` and ``_row``.
        MUE: ``procedure_code``, ``mue_value`` (int64), ``mai`` (``"1"``,
        ``"2"`` or ``"3"``), then ``mai_text``, ``rationale``, ``setting``,
        ``source_file`` and ``_row``.
    problems : list of Problem
        Every bad value, with file, row and column.
    rejected : pandas.DataFrame
        Rows set aside: ``_file``, ``_row``, ``_reason`` and the raw text of
        the contract columns.
    sources : pandas.DataFrame
        One row per table read: ``file``, ``description``, ``rows_read`` (rows used and set aside),
        ``rows_used``, ``rows_set_aside``, ``text_lines_skipped``, ``blank_rows_skipped`` (rows blank
        in every cell: neither used nor set aside) and ``rows_in_file`` (rows read and blank rows
        skipped: what the commands' counts call rows read, :func:`recoup_lib.wording.rows_counted`).
    skipped : list of str
        Archive members or sheets not read, each with the reason.
    """

    kind: str
    data: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return self._total("rows_read")

    @property
    def blank_rows(self) -> int:
        """Rows blank in every cell, skipped in every table: neither used nor set aside."""
        return self._total("blank_rows_skipped")

    @property
    def rows_in_file(self) -> int:
        """Rows read and blank rows skipped, over every table: every row a spreadsheet shows under the
        headers, what the commands' counts call rows read (:func:`recoup_lib.wording.rows_counted`)."""
        return self._total("rows_in_file")

    def _total(self, column: str) -> int:
        return int(self.sources[column].sum()) if len(self.sources) else 0

    @property
    def rows_used(self) -> int:
        return len(self.data)

    @property
    def rows_set_aside(self) -> int:
        return len(self.rejected)

    def contract_frame(self, extra: bool = False) -> pd.DataFrame:
        """The data with the contract columns only (plus CMS's own when ``extra``)."""
        columns = list(PTP_COLUMNS if self.kind == "ptp" else MUE_COLUMNS)
        if extra:
            columns += [c for c in self.data.columns if c not in columns and not c.startswith("_")]
        return self.data[columns]


# --------------------------------------------------------------------------- parsing rows



def _split_columns(lines: list[str], delimiter: str, index: dict[str, int | None]) -> pd.DataFrame:
    """Cut plain lines into the wanted columns in one vectorised pass (pyarrow)."""
    split = pc.split_pattern(pc.utf8_rtrim(pa.array(lines, type=pa.large_string()), characters="\r"),
                             delimiter)
    lengths = pc.list_value_length(split).to_numpy(zero_copy_only=False)
    offsets = split.offsets.to_numpy()
    starts = offsets[:-1] - offsets[0]
    cells = pc.list_flatten(split)
    out = {}
    for key, i in index.items():
        if i is None:
            out[key] = pd.Series([""] * len(lines), dtype="str")
            continue
        present = lengths > i
        taken = pc.take(cells, pa.array(np.where(present, starts + i, 0))) if len(cells) else (
            pa.array([""] * len(lines), type=pa.large_string()))
        column = pc.if_else(pa.array(present), taken, pa.scalar("", type=pa.large_string()))
        out[key] = pd.Series(pd.array(column, dtype="str"))
    return pd.DataFrame(out)


def _extract(table: Table, header: Header, wanted: tuple[str, ...], codes: tuple[str, ...]):
    """The wanted columns of the data rows as text, without blank and note lines.

    Returns
    -------
    raw : pandas.DataFrame
        One ``str`` column per wanted key (stripped; codes upper-cased).
    numbers : numpy.ndarray
        File row number of each row of ``raw``.
    text_lines : int
        Lines under the table holding only a sentence (a note), skipped.
    blank_rows : int
        Rows blank in every cell (a blank line, a row of commas or tabs), skipped and counted as the
        other commands count them (:func:`recoup_lib.csvsaved.blank_rows_skipped`); the end of the
        file's last line is none. A row with a cell filled but its required ones blank is no blank row:
        it is set aside as any row with blank required cells.
    """
    start = header.row + 1 + header.extra_rows
    if table.lines is not None:
        lines = table.lines[start:]
        raw = _split_columns(lines, table.delimiter, {k: header.columns.get(k) for k in wanted})
        numbers = np.arange(start + 1, len(table.lines) + 1, dtype=np.int64)
        every_cell_blank = blank_texts(lines, delimiter=table.delimiter)
        counted = every_cell_blank.copy()
        if lines and lines[-1] == "":
            counted[-1] = False  # what follows the last line's end: no row
    else:
        rows = table.rows[start:]
        columns = {}
        for key in wanted:
            i = header.columns.get(key)
            if i is None:
                columns[key] = [""] * len(rows)
            elif table.typed:
                convert = code_cell_text if key in codes else cell_text
                columns[key] = [convert(r[i]) if i < len(r) else "" for r in rows]
            else:
                columns[key] = [r[i] if i < len(r) else "" for r in rows]
        raw = pd.DataFrame(columns, dtype="str")
        numbers = np.asarray(table.row_numbers[start:], dtype=np.int64)
        every_cell_blank = np.asarray([all(cell is None or not str(cell).strip() for cell in r) for r in rows],
                                      dtype=bool)
        counted = every_cell_blank
    for key in wanted:
        raw[key] = raw[key].str.strip()
        if key in codes:
            raw[key] = raw[key].str.upper()
    required = [k for k in wanted if k in REQUIRED_LABEL]
    empty = raw[required].eq("")
    blank = empty.all(axis=1).to_numpy()
    others_blank = empty[required[1:]].all(axis=1).to_numpy()
    sentence = raw[codes[0]].str.contains(" ", regex=False).to_numpy(dtype=bool)
    note = ~blank & others_blank & sentence
    keep = ~every_cell_blank & ~note
    return raw.loc[keep].reset_index(drop=True), numbers[keep], int(note.sum()), int(counted.sum())


def _parse_yyyymmdd(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Dates written ``YYYYMMDD`` (or ``YYYY-MM-DD``) -> datetime64, and a validity mask."""
    compact = text.str.fullmatch(r"\d{8}").fillna(False).to_numpy(dtype=bool)
    dashed = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
    unified = text.where(~dashed, text.str.replace("-", "", regex=False))
    dates = pd.to_datetime(unified.where(compact | dashed, None), format="%Y%m%d", errors="coerce")
    ok = (compact | dashed) & dates.notna().to_numpy()
    return dates.where(ok).astype("datetime64[us]"), ok


_MAI_TEXT = (("line edit", "1"), ("policy", "2"), ("clinical", "3"))


def parse_mai(text: str) -> str | None:
    """The MUE adjudication indicator in an MAI cell, or None if it cannot be read.

    Parameters
    ----------
    text : str
        The cell as CMS writes it (``"1 Line Edit"``, ``"2 Date of Service
        Edit: Policy"``, ``"3 Date of Service Edit: Clinical"``), a bare
        digit, or the words without the digit.

    Returns
    -------
    str or None
        ``"1"``, ``"2"`` or ``"3"``; None when the cell is blank, holds
        another digit, or its digit and words disagree.

    Notes
    -----
    docs/sources.md §7.2: MAI 1 is a per-line edit; 2 a per-day edit based on
    policy (not overridable); 3 a per-day edit based on clinical data.

    Examples
    --------
    >>> parse_mai("3 Date of Service Edit: Clinical"), parse_mai("Line Edit"), parse_mai("4")
    ('3', '1', None)
    """
    raw = re.sub(r"\s+", " ", str(text or "")).strip().lower()
    if not raw:
        return None
    match = re.match(r"^([0-9])(?:\.0)?(?=\D|$)", raw)
    digit = match.group(1) if match else None
    words = [code for phrase, code in _MAI_TEXT if phrase in raw]
    if digit is not None:
        if digit not in ("1", "2", "3") or (words and words[0] != digit):
            return None
        return digit
    return words[0] if len(words) == 1 else None


class _Checker:
    """Collects the problems of one table, column by column (vectorised)."""

    def __init__(self, label: str, numbers: np.ndarray, header: Header, n: int):
        self.label = label
        self.numbers = numbers
        self.header = header
        self.bad = np.zeros(n, dtype=bool)
        self.frames: list[pd.DataFrame] = []

    def record(self, mask: np.ndarray, key: str, values: pd.Series, expected) -> None:
        """Mark the rows under ``mask`` bad in column ``key``; ``expected`` is one text or one per row."""
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        if not isinstance(expected, str):
            expected = np.asarray(expected, dtype=object)[idx]
        self.frames.append(pd.DataFrame({
            "pos": idx, "column": self.header.label(key),
            "value": values.to_numpy()[idx], "expected": expected}))
        self.bad |= mask

    def codes(self, raw: pd.DataFrame, key: str) -> None:
        values = raw[key]
        blank = (values == "").to_numpy()
        self.record(blank, key, values, "a value (this column may not be blank)")
        ok = values.str.fullmatch(_CODE.pattern).fillna(False).to_numpy(dtype=bool)
        self.record(~ok & ~blank, key, values, "a 5-character HCPCS/CPT code")

    def problems(self) -> tuple[list[Problem], pd.Series]:
        if not self.frames:
            return [], pd.Series(dtype="str")
        pf = pd.concat(self.frames, ignore_index=True).sort_values("pos", kind="stable")
        problems = [Problem(self.label, int(self.numbers[p]), c, str(v), e)
                    for p, c, v, e in zip(pf["pos"], pf["column"], pf["value"], pf["expected"])]
        reasons = (pf.assign(msg=[f"column '{p.column}': expected {p.expected}; got {p.value!r}"
                                  for p in problems])
                   .groupby("pos")["msg"].agg("; ".join))
        return problems, reasons


def _ptp_table(table: Table, header: Header) -> Part:
    missing = [REQUIRED_LABEL[k] for k in PTP_COLUMNS if header.columns[k] is None]
    if missing:
        raise InputError(
            f"{table.label}, row {table.row_numbers[header.row]}: the header has no "
            f"{' or '.join(repr(m) for m in missing)} column (it has: "
            f"{', '.join(x for x in header.labels if x)})")
    wanted = PTP_COLUMNS + ("prior_1996", "rationale")
    raw, numbers, text_lines, blank_rows = _extract(table, header, wanted, ("column_1", "column_2"))
    check = _Checker(table.label, numbers, header, len(raw))
    check.codes(raw, "column_1")
    check.codes(raw, "column_2")
    check.record(raw["column_1"].eq(raw["column_2"]).to_numpy() & ~check.bad, "column_2", raw["column_2"],
                 "a code other than column 1's (an edit pairs two different codes)")
    effective, effective_ok = _ptp_date(check, raw, "effective_date", "a date written YYYYMMDD")
    no_deletion = raw["deletion_date"].isin(["*", ""]).to_numpy()
    deletion, deletion_ok = _ptp_date(check, raw, "deletion_date",
                                      "a date written YYYYMMDD, or * for no deletion date", no_deletion)
    early = effective_ok & deletion_ok & (deletion < effective).to_numpy()
    check.record(early, "deletion_date", raw["deletion_date"],
                 "a deletion date on or after the effective date " + raw["effective_date"]
                 + " (an edit cannot end before it starts)")
    indicator = raw["modifier_indicator"].str.replace(r"\.0$", "", regex=True)
    check.record(~indicator.isin(["0", "1", "9"]).to_numpy(), "modifier_indicator",
                 raw["modifier_indicator"], "0, 1 or 9")
    data = pd.DataFrame({
        "column_1": raw["column_1"],
        "column_2": raw["column_2"],
        "effective_date": effective,
        "deletion_date": deletion.where(~no_deletion),
        "modifier_indicator": indicator,
        "prior_1996": (raw["prior_1996"] == "*").to_numpy(),
        "rationale": raw["rationale"],
    })
    return _finish(table, raw, data, numbers, check, (text_lines, blank_rows), PTP_COLUMNS)


def _ptp_date(check: _Checker, raw: pd.DataFrame, key: str, shape: str,
              none: np.ndarray | None = None) -> tuple[pd.Series, np.ndarray]:
    """Read one PTP date column, recording dates of another shape or outside 1900-2100.

    ``none`` marks cells meaning "no date" (``*`` or blank), which are not
    problems. Returns the dates and where they are usable.
    """
    none = np.zeros(len(raw), dtype=bool) if none is None else none
    dates, ok = _parse_yyyymmdd(raw[key])
    check.record(~ok & ~none, key, raw[key], shape)
    within = ((dates >= FIRST_DATE) & (dates <= LAST_DATE)).to_numpy()
    check.record(ok & ~within, key, raw[key], DATE_RANGE)
    return dates, ok & within


def _mue_table(table: Table, header: Header) -> Part:
    wanted = MUE_COLUMNS + ("rationale",)
    raw, numbers, text_lines, blank_rows = _extract(table, header, wanted, ("procedure_code",))
    check = _Checker(table.label, numbers, header, len(raw))
    check.codes(raw, "procedure_code")
    value_text = raw["mue_value"].str.replace(r"\.0$", "", regex=True)
    ok = value_text.str.fullmatch(r"\d{1,9}").fillna(False).to_numpy(dtype=bool)
    check.record(~ok, "mue_value", raw["mue_value"], "a whole number >= 0")
    mai = raw["mai"].map(parse_mai)
    check.record(mai.isna().to_numpy(), "mai", raw["mai"],
                 "1, 2 or 3 (as in '1 Line Edit', '2 Date of Service Edit: Policy' or "
                 "'3 Date of Service Edit: Clinical')")
    setting = re.sub(r"\s*MUE Values?\s*$", "", header.label("mue_value"), flags=re.I).strip()
    data = pd.DataFrame({
        "procedure_code": raw["procedure_code"],
        "mue_value": pd.to_numeric(value_text.where(ok, "0")).astype("int64"),
        "mai": mai.fillna("").astype("str"),
        "mai_text": raw["mai"],
        "rationale": raw["rationale"],
        "setting": setting or "unknown",
    })
    return _finish(table, raw, data, numbers, check, (text_lines, blank_rows), MUE_COLUMNS)


def _finish(table, raw, data, numbers, check, skipped: tuple[int, int], contract) -> Part:
    """The table's :class:`Part`: its usable rows, problems, rows set aside and counts (``skipped``:
    the note lines and blank rows :func:`_extract` skipped, the blank rows among the rows in the file)."""
    problems, reasons = check.problems()
    bad = check.bad
    data = data.loc[~bad].reset_index(drop=True)
    data["source_file"] = table.label
    data["_row"] = numbers[~bad]
    idx = np.flatnonzero(bad)
    rejected = raw.iloc[idx][list(contract)].reset_index(drop=True)
    rejected.insert(0, "_reason", reasons.reindex(idx).to_numpy() if len(idx) else [])
    rejected.insert(0, "_row", numbers[idx])
    rejected.insert(0, "_file", table.label)
    text_lines, blank_rows = skipped
    counts = (table.label, describe_source(table.name), len(raw), int((~bad).sum()),
              int(bad.sum()), text_lines, blank_rows, len(raw) + blank_rows)
    labels = {key: check.header.label(key) for key in contract}
    return Part(data, problems, rejected, counts, labels)


# --------------------------------------------------------------------------- public readers

def read_ptp(paths) -> CmsImport:
    """Read CMS NCCI PTP edit files (.txt, .xlsx, .csv or .zip) into ``ncci_ptp`` rows.

    Several files (e.g. the four parts f1..f4 of the practitioner table)
    are concatenated in the order given.

    Parameters
    ----------
    paths : path-like or list of path-like
        Files as downloaded from CMS.

    Returns
    -------
    CmsImport
        ``data`` holds ``column_1``, ``column_2``, ``effective_date``,
        ``deletion_date`` (NaT where CMS writes ``*``),
        ``modifier_indicator`` (``"0"``/``"1"``/``"9"``), ``prior_1996``,
        ``rationale``, ``source_file`` and ``_row``.

    Raises
    ------
    InputError
        A file is missing, of an unsupported type, has no PTP header, or
        its header lacks a required column.

    Notes
    -----
    docs/sources.md §7.1: column 1 is the payable code, column 2 the code not
    paid with it; modifier indicator 0 = no modifier bypasses the edit,
    1 = an NCCI-associated modifier may bypass it, 9 = not applicable; ``*``
    for the deletion date means none. CMS's files never hold the rows a
    damaged or hand-edited file may, and these are set aside naming the
    file, row and column: a date outside 1900-2100 (the kit's dates), a
    deletion date before the effective date, a code paired with itself,
    and rows of one pair that disagree (in effect on a common day with
    different modifier indicators, or the same effective date with
    different deletion dates; every such row). An exact repeat of an edit
    already read (e.g. the same part given twice) is set aside, so nothing
    is counted twice.

    Examples
    --------
    >>> result = read_ptp(["ccipra-v322r0-f1.txt", "ccipra-v322r0-f2.txt"])  # doctest: +SKIP
    >>> result.data[["column_1", "column_2", "modifier_indicator"]].head(2)  # doctest: +SKIP
    """
    tables, skipped = find_tables(paths, ptp_header)
    parts = [_ptp_table(t, ptp_header(t.rows)) for t in tables]
    return _assemble("ptp", parts, skipped)


def read_mue(paths) -> CmsImport:
    """Read CMS MUE tables (.csv, .xlsx, .txt or .zip) into ``mue`` rows.

    Parameters
    ----------
    paths : path-like or list of path-like
        Files as downloaded from CMS, usually one setting's table
        (practitioner, outpatient hospital or DME supplier).

    Returns
    -------
    CmsImport
        ``data`` holds ``procedure_code``, ``mue_value`` (int64), ``mai``
        (``"1"``/``"2"``/``"3"`` read from the indicator text), ``mai_text``,
        ``rationale``, ``setting``, ``source_file`` and ``_row``.

    Raises
    ------
    InputError
        A file is missing, of an unsupported type, or has no MUE header.

    Notes
    -----
    docs/sources.md §7.2. ``mue.csv`` has one row per code (its key). An exact
    repeat of a code's row is set aside naming the first file and row; rows
    of one code with different MUE values or MAIs (a damaged file, or two
    settings' tables given together) are all set aside, each naming
    another, since which is right cannot be told: import one setting at a
    time. The tables carry no dates (the quarter is in the file name).

    Examples
    --------
    >>> read_mue("MCR_MUE_PractitionerServices_Eff_04-01-2024.csv").data.head(2)  # doctest: +SKIP
    """
    tables, skipped = find_tables(paths, mue_header)
    parts = [_mue_table(t, mue_header(t.rows)) for t in tables]
    return _assemble("mue", parts, skipped)


def _assemble(kind: str, parts: list[Part], skipped: list[str]) -> CmsImport:
    data, problems, rejected, sources = combine(kind, parts)
    return CmsImport(kind=kind, data=data, problems=problems, rejected=rejected, sources=sources,
                     skipped=skipped)


_PTP_NAME = re.compile(r"cci(pra|oph|dme)?-?v(\d+)r(\d+)(?:-f(\d+))?", re.IGNORECASE)
_MUE_NAME = re.compile(r"MUE_?([A-Za-z]+?)(?:Services?)?_Eff_(\d{2})-(\d{2})-(\d{4})", re.IGNORECASE)
_SETTINGS = {"pra": "practitioner", "oph": "outpatient hospital", "dme": "DME supplier"}


def describe_source(name: str) -> str:
    """What a CMS file name says about its table (setting, version, part), or ``""``.

    Examples
    --------
    >>> describe_source("ccipra-v322r0-f1.txt")
    'PTP practitioner, version 32.2 revision 0, part 1'
    >>> describe_source("MCR_MUE_PractitionerServices_Eff_04-01-2024.csv")
    'MUE Practitioner, effective 2024-04-01'
    """
    base = Path(str(name).split(":")[-1]).name
    match = _PTP_NAME.search(base)
    if match:
        setting = _SETTINGS.get((match.group(1) or "").lower(), "unknown setting")
        version = match.group(2)
        version = f"{version[:-1]}.{version[-1]}" if len(version) > 1 else version
        text = f"PTP {setting}, version {version} revision {match.group(3)}"
        return text + (f", part {match.group(4)}" if match.group(4) else "")
    match = _MUE_NAME.search(base)
    if match:
        setting = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", match.group(1))
        return f"MUE {setting}, effective {match.group(4)}-{match.group(2)}-{match.group(3)}"
    return ""
