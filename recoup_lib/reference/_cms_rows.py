"""Put the tables read from CMS files together: repeated and conflicting rows.

:mod:`recoup_lib.reference.cms` reads each table on its own; this module
concatenates them and sets aside what only shows across rows:

- an exact repeat of a row already read (the same part given twice): the
  first is kept, the repeat set aside naming it;
- rows that disagree about one edit or code (a user's damaged or
  hand-edited file, or two settings' MUE tables given together): all of
  them are set aside, each naming another, since nothing says which is
  right. For PTP these are rows of one column 1 / column 2 pair in effect
  on a common day with different modifier indicators, or with the same
  effective date and different deletion dates; for MUE, rows of one code
  with a different MUE value or MAI.

Totals stay exact: rows read = rows used + rows set aside, per file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import WHOLE_ROW, Problem
from ..schema import SPECS

__all__ = ["PTP_COLUMNS", "MUE_COLUMNS", "Part", "combine"]

PTP_COLUMNS = tuple(SPECS["ncci_ptp.csv"].column_names)
MUE_COLUMNS = tuple(SPECS["mue.csv"].column_names)


@dataclass
class Part:
    """What one table contributed: usable rows, problems, rows set aside, counts, column labels."""

    data: pd.DataFrame
    problems: list[Problem]
    rejected: pd.DataFrame
    counts: tuple
    labels: dict


def combine(kind: str, parts: list[Part]):
    """Concatenate the tables; set aside exact repeats and rows that conflict.

    Returns
    -------
    data, problems, rejected, sources
        Usable rows, every problem (sorted by file and row), the rows set
        aside (``_file``, ``_row``, ``_reason`` and the contract columns as
        text) and the per-table counts.
    """
    contract = PTP_COLUMNS if kind == "ptp" else MUE_COLUMNS
    problems = [p for part in parts for p in part.problems]
    rejected = [part.rejected for part in parts]
    sources = pd.DataFrame([part.counts for part in parts], columns=[
        "file", "description", "rows_read", "rows_used", "rows_set_aside", "text_lines_skipped",
        "blank_rows_skipped", "rows_in_file"])
    labels = {part.counts[0]: part.labels for part in parts}
    data = pd.concat([part.data for part in parts], ignore_index=True)

    groups = data.groupby(list(contract), sort=False, dropna=False).ngroup().to_numpy()
    first_of_group = pd.Series(np.arange(len(data))).groupby(groups).transform("first").to_numpy()
    repeated = first_of_group != np.arange(len(data))
    if repeated.any():
        origin = data.iloc[first_of_group[repeated]]
        expected = [_repeat_reason(kind, f, r) for f, r in zip(origin["source_file"], origin["_row"])]
        _move(data, repeated, [WHOLE_ROW] * int(repeated.sum()), "|", expected,
              kind, problems, rejected, sources)
        data = data.loc[~repeated].reset_index(drop=True)

    bad, partner = (_ptp_conflicts if kind == "ptp" else _mue_conflicts)(data)
    if bad.any():
        rows, other = data.loc[bad], data.iloc[partner[bad]]
        column = _conflict_column(kind, rows, other)
        shown = [labels[f].get(c, c) for f, c in zip(rows["source_file"], column)]
        expected = _conflict_reasons(kind, rows, other)
        _move(data, bad, shown, column, expected, kind, problems, rejected, sources)
        data = data.loc[~bad].reset_index(drop=True)
    problems.sort(key=lambda p: (p.file, p.row))
    rejected = pd.concat(rejected, ignore_index=True)
    order = {name: i for i, name in reversed(list(enumerate(sources["file"])))}
    rejected = (rejected.assign(_order=rejected["_file"].map(order))
                .sort_values(["_order", "_row"], kind="stable").drop(columns="_order").reset_index(drop=True))
    return data, problems, rejected, sources


def _move(data, mask, shown, column, expected, kind, problems, rejected, sources) -> None:
    """Record the rows of ``data`` under ``mask`` as set aside (problems, rejected rows, counts).

    ``column`` is ``"|"`` to show the whole row's contract values, or the
    contract column of each row whose value is shown.
    """
    rows = data.loc[mask]
    text = _contract_text(rows, kind)
    if isinstance(column, str):
        values = ["|".join(v) for v in text.itertuples(index=False)]
    else:
        values = [text.at[i, c] for i, c in enumerate(column)]
    found = [Problem(f, int(r), c, v, e)
             for f, r, c, v, e in zip(rows["source_file"], rows["_row"], shown, values, expected)]
    problems += found
    text.insert(0, "_reason", [f"whole row: expected {p.expected}" if p.column == WHOLE_ROW
                               else f"column '{p.column}': expected {p.expected}; got {p.value!r}"
                               for p in found])
    text.insert(0, "_row", rows["_row"].to_numpy())
    text.insert(0, "_file", rows["source_file"].to_numpy())
    rejected.append(text)
    moved = rows.groupby("source_file").size()
    shift = sources["file"].map(moved).fillna(0).astype("int64")
    sources["rows_used"] -= shift
    sources["rows_set_aside"] += shift


def _repeat_reason(kind: str, file: str, row: int) -> str:
    if kind == "ptp":
        return f"an edit not already read (the same edit is in {file}, row {row})"
    return (f"a code with one MUE only (the code already has this MUE from {file}, row {row}; "
            "import one setting's table at a time)")


def _pairs(data: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Every ordered pair of different rows sharing ``key`` (positions ``_a``, ``_b``)."""
    positions = pd.DataFrame({"_pos": np.arange(len(data))})
    for k in key:
        positions[k] = data[k].to_numpy()
    shared = positions.loc[positions.duplicated(key, keep=False)]
    pairs = shared.merge(shared, on=key, suffixes=("_a", "_b"))
    return pairs.loc[pairs["_pos_a"] != pairs["_pos_b"]].rename(columns={"_pos_a": "_a", "_pos_b": "_b"})


def _first_partner(n: int, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Rows in at least one pair, and for each the earliest row it conflicts with."""
    bad = np.zeros(n, dtype=bool)
    partner = np.zeros(n, dtype=np.int64)
    if len(pairs):
        first = pairs.groupby("_a")["_b"].min()
        bad[first.index.to_numpy()] = True
        partner[first.index.to_numpy()] = first.to_numpy()
    return bad, partner


def _ptp_conflicts(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    pairs = _pairs(data, ["column_1", "column_2"])
    a, b = pairs["_a"].to_numpy(), pairs["_b"].to_numpy()
    effective = data["effective_date"].to_numpy()
    deletion = data["deletion_date"].to_numpy()
    end_a, end_b = deletion[a], deletion[b]
    common_day = ((np.isnat(end_b) | (effective[a] < end_b))
                  & (np.isnat(end_a) | (effective[b] < end_a)))
    indicator = data["modifier_indicator"].to_numpy()
    conflict = ((common_day & (indicator[a] != indicator[b]))
                | (effective[a] == effective[b]))
    return _first_partner(len(data), pairs.loc[conflict])


def _mue_conflicts(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return _first_partner(len(data), _pairs(data, ["procedure_code"]))


def _conflict_column(kind: str, rows: pd.DataFrame, other: pd.DataFrame) -> list[str]:
    """The contract column whose value disagrees with the other row's."""
    if kind == "ptp":
        differs = rows["modifier_indicator"].to_numpy() != other["modifier_indicator"].to_numpy()
        return np.where(differs, "modifier_indicator", "deletion_date").tolist()
    differs = rows["mue_value"].to_numpy() != other["mue_value"].to_numpy()
    return np.where(differs, "mue_value", "mai").tolist()


def _conflict_reasons(kind: str, rows: pd.DataFrame, other: pd.DataFrame) -> list[str]:
    text = _contract_text(other, kind)
    where = [f"{f}, row {r}" for f, r in zip(other["source_file"], other["_row"])]
    if kind == "ptp":
        return [f"one row for the edit {c1}/{c2} on any day (the edit "
                f"is also in {w}: effective {e}, deletion {d}, modifier indicator {m}; which is right "
                "cannot be told, so each such row is set aside)"
                for c1, c2, e, d, m, w in zip(text["column_1"], text["column_2"], text["effective_date"],
                                              text["deletion_date"], text["modifier_indicator"], where)]
    return [f"one MUE for the code {c} (the code is also in {w} with MUE {v} and MAI {m}; which is right "
            "cannot be told, so each such row is set aside: import one setting's table at a time)"
            for c, v, m, w in zip(text["procedure_code"], text["mue_value"], text["mai"], where)]


def _contract_text(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Contract columns as CMS-style text (dates ``YYYYMMDD``, ``*`` for none)."""
    out = {}
    for name in (PTP_COLUMNS if kind == "ptp" else MUE_COLUMNS):
        s = frame[name]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[name] = s.dt.strftime("%Y%m%d").fillna("*").astype("str")
        else:
            out[name] = s.astype("str")
    return pd.DataFrame(out).reset_index(drop=True)
