"""A table handed over in memory (a notebook's DataFrame), checked and typed as a file would be.

The kit's functions over DataFrames expect the in-memory contract (money in
``*_cents`` columns of whole cents, dates as dates). A person prototyping in
pandas hands over what they have: dollars as floats or as ``"$1,204.10"``,
nullable or Arrow-backed dtypes, dates as text, ``datetime.date`` objects,
Arrow ``date32`` or time-zone-aware timestamps, column names with stray spaces.
:func:`checked_frame` hands such a table to :func:`~recoup_lib.schema.parse_table`:
a column already in its in-memory type (integer cents and whole numbers,
``datetime64`` dates without a zone) as it is, any other written out as the
text of a file, so every column obeys the same rules as in a CSV, and a value
that cannot be used is refused by name (table, index label, column, what was
expected) instead of failing deep inside pandas or being rounded silently.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..errors import InputError
from ..money import format_cents, whole_floats
from ._columns import Column, FileSpec
from ._parse import parse_table

__all__ = ["checked_frame", "index_place", "WHOLE_CENTS"]

#: What a ``*_cents`` column holds; a float is taken only where it is a whole number of cents.
WHOLE_CENTS = "whole cents (an integer number of cents)"
#: How many problems the message lists before counting the rest.
_SHOWN = 5
#: Text that no money parser reads, standing in for a value of a ``*_cents`` column that is not whole cents.
_NOT_CENTS = "?"


def checked_frame(frame: pd.DataFrame, spec: FileSpec, label: str) -> pd.DataFrame:
    """A caller's table checked against ``spec`` and typed as :func:`parse_table` types a file.

    Parameters
    ----------
    frame : pandas.DataFrame
        The caller's table. A column may be given under its in-memory name
        (``paid_cents``: whole cents, as integers or as floats with whole
        values) or under its file name (``paid``: dollars, as text such as
        ``"$1,204.10"`` or as numbers read as Python prints them, so ``12.5``
        is 1250 cents and ``0.1 + 0.2``, printed ``0.30000000000000004``, is
        refused). Dates may be ``datetime64`` (a time zone's own calendar
        date is kept), ``datetime.date`` or ``Timestamp`` objects, Arrow
        ``date32`` or ``YYYY-MM-DD`` text. Spaces around a column's name are
        ignored; other columns pass through.
    spec : FileSpec
        The contract the table follows.
    label : str
        The table's name in messages (``"claim_lines"``).

    Returns
    -------
    pandas.DataFrame
        The typed table (money in ``*_cents`` int64 columns, dates as
        ``datetime64``), on a fresh index.

    Raises
    ------
    InputError
        The table is not a DataFrame, lacks a required column, or holds
        values the contract does not allow; the message names the table,
        the index label and the column of each bad value and says what was
        expected.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{label}: expected a pandas DataFrame; got {type(frame).__name__}")
    frame = _stripped_names(frame, spec)
    raw, given = {}, {}
    for col in spec.columns:
        source = col.memory_name if col.memory_name in frame.columns else col.name
        if source in frame.columns:
            given[col.name] = source
            raw[col.name] = _given(frame[source], col, in_cents=source != col.name)
    missing = [f"'{col.memory_name}' (whole cents) or '{col.name}' (dollars)" if col.kind == "money"
               else f"'{col.name}'" for col in spec.columns if col.required and col.name not in given]
    if missing:
        raise InputError(f"{label}: no column {', '.join(missing)} (columns: {', '.join(map(str, frame.columns))})")
    parsed = parse_table(pd.DataFrame(raw, index=range(len(frame)), copy=False), spec, label,
                         row_numbers=np.arange(len(frame)), check_typed=True)
    if parsed.problems:
        raise InputError(_problems_message(parsed.problems, frame, given, spec, label))
    typed = parsed.data.drop(columns="_row")
    extras = {name: frame[name].array for name in frame.columns
              if name not in given.values() and name not in typed.columns}
    return typed.assign(**extras) if extras else typed


def _stripped_names(frame: pd.DataFrame, spec: FileSpec) -> pd.DataFrame:
    """``frame`` with spaces around a contract column's name removed, where no column already has that name."""
    known = {name for col in spec.columns for name in (col.name, col.memory_name)}
    renames = {name: name.strip() for name in frame.columns
               if isinstance(name, str) and name != name.strip() and name.strip() in known
               and name.strip() not in frame.columns}
    return frame.rename(columns=renames) if renames else frame


def _given(values: pd.Series, col: Column, in_cents: bool):
    """A column as :func:`parse_table` takes it: its values where they are of the in-memory type (checked
    there by the rules their text would be), else the text of a file."""
    signed = pd.api.types.is_signed_integer_dtype(values.dtype) and not isinstance(values.dtype, pd.StringDtype)
    if ((col.kind == "date" and isinstance(values.dtype, np.dtype) and values.dtype.kind == "M")
            or (signed and (col.kind == "int" or (col.kind == "money" and in_cents)))):
        return values.array
    return _file_text(values, col, in_cents)


def _file_text(values: pd.Series, col: Column, in_cents: bool):
    """A column as a file would hold it: text for :func:`parse_table`, ``""`` where blank."""
    if in_cents:
        values = pd.Series(_cents_text(values), copy=False)
    elif col.kind == "date" and pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = values.dt.strftime("%Y-%m-%d")
    elif col.kind == "date" and values.dtype == object:
        values = values.map(lambda v: v.isoformat()[:10] if isinstance(v, dt.date) else v)
    return values.astype("str").fillna("").array


def _cents_text(values: pd.Series):
    """A ``*_cents`` column as dollars text; :data:`_NOT_CENTS` where a value is not whole cents."""
    if pd.api.types.is_integer_dtype(values.dtype) and not isinstance(values.dtype, pd.StringDtype):
        return format_cents(values.astype("Int64")).array
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.astype("float64").to_numpy(na_value=np.nan)
        blank = np.isnan(numbers)
        whole = whole_floats(numbers)
        cents = pd.array(np.where(whole, numbers, 0).astype(np.int64), dtype="Int64")
        cents[~whole] = pd.NA
        text = format_cents(pd.Series(cents)).to_numpy(dtype=object)
        text[~whole & ~blank] = _NOT_CENTS
        text[blank] = None
        return text
    return np.where(values.isna().to_numpy(), None, _NOT_CENTS)


def _problems_message(problems, frame: pd.DataFrame, given: dict, spec: FileSpec, label: str) -> str:
    """The first problems of a table handed over, each by index label and the caller's column name."""
    money_in_cents = {col.name for col in spec.columns
                      if col.kind == "money" and given.get(col.name) == col.memory_name != col.name}
    lines = []
    for problem in problems[:_SHOWN]:
        where = index_place(frame.index, problem.row)
        if problem.column not in given:  # a repeated key: the problem names several columns
            lines.append(f"  {where}, columns {problem.column}: expected {problem.expected}; got {problem.value!r}")
            continue
        source = given[problem.column]
        value = frame[source].iloc[problem.row]
        expected = problem.expected
        if problem.column in money_in_cents and problem.value == _NOT_CENTS:
            expected = f"{WHOLE_CENTS}; dollars go in column '{problem.column}'"
        shown = "blank" if pd.isna(value) or not str(value).strip() else _shown(value)
        lines.append(f"  {where}, column '{source}': expected {expected}; got {shown}")
    more = f"\n  ... and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
    return f"{label}: {len(problems)} value(s) the kit cannot use:\n" + "\n".join(lines) + more


def index_place(index: pd.Index, position: int) -> str:
    """Where a row of a table handed over is, as messages say it: ``index label 7``, with its position when
    that differs from the label (``index label 'a' (position 0)``)."""
    label = _shown(index[position])
    return f"index label {label}" + ("" if label == str(position) else f" (position {position})")


def _shown(value) -> str:
    """A value as a message quotes it: NumPy's scalars as the Python values they hold."""
    return repr(value.item() if isinstance(value, np.generic) else value)
