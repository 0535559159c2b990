"""The parser that enforces a file's contract: raw text in, typed columns and every problem out.

:func:`parse_table` checks each column of a :class:`~recoup_lib.schema.FileSpec` in one
vectorised pass (pyarrow), records *every* bad cell with its row and column, sets
aside the rows that cannot be used, and types the rest as the package docstring
describes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import Problem
from ..money import MAX_CENTS, MAX_TOTAL_CENTS, MONEY_PATTERN, parse_cents
from ._columns import BOOL_FALSE, BOOL_TRUE, Column, FileSpec

__all__ = ["ParsedTable", "parse_table", "value_codes", "FIRST_DATE", "LAST_DATE", "MAX_WHOLE_NUMBER"]

#: Dates the kit can represent (docs/contract.md, "Errors"): a date outside is set aside.
FIRST_DATE, LAST_DATE = np.datetime64("1900-01-01"), np.datetime64("2100-12-31")
#: The largest whole number (units, line numbers, sizes) the kit accepts: ten digits would make
#: money times units leave what int64 holds.
MAX_WHOLE_NUMBER = 999_999_999
_TOO_LARGE = "an amount under a trillion dollars (at most 999999999999.99)"
_DATE_RANGE = "a date between 1900-01-01 and 2100-12-31"


@dataclass
class ParsedTable:
    """The result of parsing one file.

    Attributes
    ----------
    data : pandas.DataFrame
        Usable rows, typed; column ``_row`` keeps each row's spreadsheet row
        number so later messages can point back into the file.
    problems : list of Problem
        Every problem found, in file order.
    rejected : pandas.DataFrame
        The unusable rows exactly as read (all text), with ``_row`` and
        ``_reason`` in front.
    rows_read : int
    """

    data: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    rows_read: int = 0

    @property
    def rows_used(self) -> int:
        return len(self.data)

    @property
    def rows_set_aside(self) -> int:
        return len(self.rejected)


def _strip(series: pd.Series) -> pd.Series:
    return series.astype("str").str.strip()


def _normalise_list(series: pd.Series) -> pd.Series:
    """``" 25; 59 ;"`` -> ``"25;59"`` (only rows that need it are rewritten)."""
    s = _strip(series)
    arr = _arrow_text(s)
    untidy = pc.or_(pc.or_(pc.match_substring(arr, " "), pc.match_substring(arr, ";;")),
                    pc.or_(pc.starts_with(arr, ";"), pc.ends_with(arr, ";")))
    for space in ("\t", "\n", "\r"):
        untidy = pc.or_(untidy, pc.match_substring(arr, space))
    untidy = pc.fill_null(untidy, False).to_numpy(zero_copy_only=False)
    if not untidy.any():
        return s
    fixed = s[untidy].str.replace(r"\s+", "", regex=True).str.replace(r";{2,}", ";", regex=True).str.strip(";")
    out = s.copy()
    out[untidy] = fixed
    return out


def parse_table(raw: pd.DataFrame, spec: FileSpec, label: str | None = None,
                row_numbers: np.ndarray | None = None) -> ParsedTable:
    """Validate and type a table of raw text against its contract.

    Parameters
    ----------
    raw : pandas.DataFrame
        All columns as text, exactly as read (blank cells as ``""``).
        Required columns must already be present (see
        :func:`recoup_lib.folder.read_csv_text`, which checks the header).
    spec : FileSpec
        The file's contract.
    label : str, optional
        File name used in messages (defaults to ``spec.name``).
    row_numbers : numpy.ndarray, optional
        Spreadsheet row number of each raw row; defaults to ``index + 2``.

    Returns
    -------
    ParsedTable
        Typed usable rows, all problems, and the rows set aside with reasons.

    Notes
    -----
    A row is set aside when any of its contract columns is invalid, or when it
    repeats the key of an earlier row (``spec.key``); the first occurrence is
    kept. Problems are reported for every bad cell, not only the first.
    """
    label = label or spec.name
    n = len(raw)
    rows = np.arange(n) + 2 if row_numbers is None else np.asarray(row_numbers)
    raw = raw.reset_index(drop=True)
    bad = np.zeros(n, dtype=bool)
    problem_frames: list[pd.DataFrame] = []
    out = pd.DataFrame(index=raw.index)

    def record(mask: np.ndarray, col: Column, expected: str) -> None:
        nonlocal bad
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        problem_frames.append(pd.DataFrame({
            "pos": idx, "column": col.name,
            "value": raw[col.name].to_numpy()[idx] if col.name in raw else "",
            "expected": expected,
        }))
        bad |= mask

    for col in spec.columns:
        if col.name not in raw.columns:
            # Optional contract column absent: fill with blanks of the right kind.
            if col.fill_missing:
                out[col.memory_name] = _blank_of(col, n)
            continue
        if _already_typed(raw[col.name], col):
            out[col.memory_name] = _typed_values(raw[col.name], col)
            continue
        text = _strip(raw[col.name])
        blank = (text == "").to_numpy()
        if not col.nullable:
            record(blank, col, "a value (this column may not be blank)")
        kind = col.kind
        if kind in ("id", "code", "text"):
            out[col.memory_name] = text
        elif kind == "codes":
            out[col.memory_name] = _normalise_list(raw[col.name])
        elif kind == "choice":
            lowered = text.str.lower()
            ok = lowered.isin([c.lower() for c in col.choices]).to_numpy() | blank
            record(~ok, col, col.expected)
            out[col.memory_name] = lowered
        elif kind == "bool":
            lowered = text.str.lower()
            is_true = lowered.isin(BOOL_TRUE).to_numpy()
            is_false = lowered.isin(BOOL_FALSE).to_numpy()
            record(~(is_true | is_false | blank), col, col.expected)
            values = pd.array(np.where(is_true, True, False), dtype="boolean")
            values[~(is_true | is_false)] = pd.NA
            out[col.memory_name] = values
        elif kind == "int":
            numbers, ok = _parse_ints(text)
            if col.minimum is not None:
                ok &= np.where(ok, numbers >= col.minimum, False)
            too_large = ok & (numbers > MAX_WHOLE_NUMBER)
            record(~ok & ~blank, col, col.expected)
            record(too_large, col, f"a whole number of at most {MAX_WHOLE_NUMBER:,}")
            ok &= ~too_large
            values = pd.array(numbers, dtype="Int64")
            values[~ok] = pd.NA
            out[col.memory_name] = values
        elif kind == "money":
            cents, invalid = parse_cents(text)
            invalid = invalid.to_numpy()
            if invalid.any():
                large = np.zeros(n, dtype=bool)
                idx = np.flatnonzero(invalid)
                large[idx] = [_too_large(t) for t in text.to_numpy()[idx]]
                record(invalid & ~large, col, col.expected)
                record(large, col, _TOO_LARGE)
            beyond = _beyond_total(cents, bad | invalid)
            record(beyond, col, "amounts that add up, over the file, to less than "
                   f"${MAX_TOTAL_CENTS // 100:,} (the most the kit can total)")
            out[col.memory_name] = cents.array
        elif kind == "date":
            dates, ok = _parse_dates(text)
            record(~ok & ~blank, col, col.expected)
            outside = ok & ((dates < FIRST_DATE) | (dates > LAST_DATE))
            record(outside, col, _DATE_RANGE)
            dates[outside] = np.datetime64("NaT")
            out[col.memory_name] = dates
    # Extra columns pass through untouched.
    known = set(spec.column_names)
    for name in raw.columns:
        if name not in known and name not in out.columns:
            out[name] = raw[name]

    # Repeated keys: first occurrence wins, later ones are set aside.
    if spec.key and all(k in raw.columns for k in spec.key):
        key_frame = out[[Column(k, "id").memory_name for k in spec.key]]
        dup = _repeated_keys(key_frame) & ~bad
        if dup.any():
            idx = np.flatnonzero(dup)
            problem_frames.append(pd.DataFrame({
                "pos": idx, "column": ",".join(spec.key),
                "value": ["|".join(map(str, row)) for row in key_frame.iloc[idx].itertuples(index=False)],
                "expected": "a key not used by an earlier row (" + ", ".join(spec.key) + ")",
            }))
            bad |= dup

    problems: list[Problem] = []
    rejected = raw.iloc[0:0].copy()
    if problem_frames:
        pf = pd.concat(problem_frames, ignore_index=True).sort_values(["pos"], kind="stable")
        problems = [
            Problem(label, int(rows[p]), c, str(v), e)
            for p, c, v, e in zip(pf["pos"], pf["column"], pf["value"], pf["expected"])
        ]
        reason_by_pos = (
            pf.assign(msg=[f"column '{c}': expected {e}; got {str(v)!r}" for c, v, e in
                           zip(pf["column"], pf["value"], pf["expected"])])
            .groupby("pos", sort=True)["msg"].agg("; ".join)
        )
        bad_idx = np.flatnonzero(bad)
        rejected = raw.iloc[bad_idx].copy()
        rejected.insert(0, "_reason", reason_by_pos.reindex(bad_idx).to_numpy())
        rejected.insert(0, "_row", rows[bad_idx])
        rejected.insert(0, "_file", label)
        rejected = rejected.reset_index(drop=True)
    # ``out`` is this function's own frame: with nothing set aside it is used as it is.
    data = out.loc[~bad] if bad.any() else out
    data.insert(0, "_row", rows[~bad])
    for col in spec.columns:
        if col.memory_name in data.columns:
            data[col.memory_name] = _tighten(data[col.memory_name], col)
    return ParsedTable(data=data.reset_index(drop=True), problems=problems,
                       rejected=rejected, rows_read=n)


def value_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """One integer per distinct value (a missing value is a value of its own), and how many.

    Text is dictionary-encoded by Arrow, which is faster than ``pandas.factorize`` on it.
    """
    if isinstance(values.dtype, pd.StringDtype):
        encoded = pc.dictionary_encode(_arrow_text(values), null_encoding="encode")
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), max(len(encoded.dictionary), 1)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes.astype(np.int64), max(len(uniques), 1)


def _repeated_keys(keys: pd.DataFrame) -> np.ndarray:
    """``keys.duplicated(keep="first")``, on one integer per row where the key's columns allow.

    Each column is factorized (a missing value is a value of its own), and the codes are
    combined into one int64 while their product fits; hashing one integer column is several
    times faster than hashing rows of text and numbers.
    """
    combined = np.zeros(len(keys), dtype=np.int64)
    size = 1
    for name in keys.columns:
        codes, width = value_codes(keys[name])
        if size * width >= 2**62:
            return keys.duplicated(keep="first").to_numpy()
        combined = combined * width + codes
        size *= width
    return pd.Series(combined).duplicated(keep="first").to_numpy()


def _already_typed(values: pd.Series, col: Column) -> bool:
    """Whether the reader already converted this column (see ``recoup_lib.folder``).

    It does so only for date and whole-number columns (and the import for money, as cents)
    whose every value is valid (blank only where allowed, at least the minimum, amounts that
    total under what a file may), so there is nothing left to check. Arrow text whose every
    value starts and ends with a visible ASCII character (blank only where allowed) is already
    what trimming would give.
    """
    if col.kind == "date":
        return pd.api.types.is_datetime64_any_dtype(values.dtype)
    if col.kind in ("int", "money"):
        return pd.api.types.is_integer_dtype(values.dtype) and not isinstance(values.dtype, pd.StringDtype)
    if col.kind not in ("id", "code", "text") or not isinstance(values.dtype, pd.StringDtype) \
            or values.dtype.storage != "pyarrow":
        return False
    for chunk in values.array.__arrow_array__().chunks:
        wide = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=wide)[chunk.offset: chunk.offset + len(chunk) + 1]
        filled = offsets[1:] > offsets[:-1]
        if not col.nullable and not filled.all():
            return False
        if chunk.buffers()[2] is None or not filled.any():
            continue
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
        edges = np.concatenate([data[offsets[:-1][filled]], data[offsets[1:][filled] - 1]])
        if ((edges - np.uint8(33)) > 93).any():     # a blank, a control or a non-ASCII byte
            return False
    return True


def _typed_values(values: pd.Series, col: Column):
    """A converted column in the in-memory form :func:`parse_table` gives it."""
    if col.kind == "date":
        return values.to_numpy(dtype="datetime64[us]")
    if col.kind in ("id", "code", "text"):
        return values.astype("str")
    return values.astype("Int64").array


def _arrow_text(text: pd.Series) -> pa.Array:
    return pc.cast(pa.array(text.astype(pd.StringDtype("pyarrow")).array), pa.string())


def _parse_ints(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Whole numbers (``"3"``, ``"+3"``, ``"3.0"``) -> (int64 values, valid mask); vectorised."""
    arr = _arrow_text(text)
    try:
        values = pc.cast(arr, pa.int64())
        ok = pc.is_valid(values).to_numpy(zero_copy_only=False)
        return pc.fill_null(values, 0).to_numpy(), ok
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    matched = pc.fill_null(pc.match_substring_regex(arr, r"^[+]?[0-9]{1,15}(\.0+)?$"), False)
    digits = pc.replace_substring_regex(pc.if_else(matched, arr, pa.scalar("0")), r"^[+]?([0-9]+)(\.0+)?$", r"\1")
    values = pc.cast(digits, pa.int64())
    return values.to_numpy(), matched.to_numpy(zero_copy_only=False)


def _parse_dates(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``YYYY-MM-DD`` -> (datetime64[us] with NaT, valid mask); real calendar dates only."""
    arr = _arrow_text(text)
    shaped = pc.fill_null(pc.equal(pc.utf8_length(arr), 10), False)
    parsed = pc.strptime(pc.if_else(shaped, arr, pa.scalar(None, pa.string())), format="%Y-%m-%d",
                         unit="s", error_is_null=True)
    # strptime rolls impossible dates over (2025-02-30 -> March 2): a real date reads back the same.
    same = pc.equal(pc.cast(pc.cast(parsed, pa.date32()), pa.string()), arr)
    ok = pc.fill_null(same, False).to_numpy(zero_copy_only=False)
    values = parsed.to_numpy(zero_copy_only=False).astype("datetime64[us]")
    values[~ok] = np.datetime64("NaT")
    return values, ok


def _too_large(text: str) -> bool:
    """Whether money text is well written but a trillion dollars or more."""
    match = re.match(MONEY_PATTERN, str(text))
    if match is None or (match.group(1) and match.group(2)):
        return False
    whole, frac = match.group(3).replace(",", ""), (match.group(4) or "").ljust(2, "0")
    return int(whole) * 100 + int(frac) > MAX_CENTS


def _beyond_total(cents: pd.Series, bad: np.ndarray) -> np.ndarray:
    """Rows whose amount would take the file's running total of amounts (in absolute value) past
    :data:`~recoup_lib.money.MAX_TOTAL_CENTS`: set aside, so every sum of the column stays exact."""
    magnitude = np.abs(np.asarray(cents.fillna(0), dtype=np.float64))
    magnitude[bad] = 0.0
    if magnitude.sum() < MAX_TOTAL_CENTS * 0.999:
        return np.zeros(len(magnitude), dtype=bool)
    beyond = np.cumsum(magnitude) >= MAX_TOTAL_CENTS * 0.999
    return beyond & (magnitude > 0)


def _blank_of(col: Column, n: int):
    if col.kind == "money" or col.kind == "int":
        return pd.array([pd.NA] * n, dtype="Int64")
    if col.kind == "date":
        return pd.Series([pd.NaT] * n, dtype="datetime64[us]")
    if col.kind == "bool":
        return pd.array([pd.NA] * n, dtype="boolean")
    return pd.Series([""] * n, dtype="str")


def _tighten(series: pd.Series, col: Column) -> pd.Series:
    """After bad rows are gone, non-blank integer columns become plain ``int64``."""
    if col.kind in ("money", "int") and not col.nullable and not series.isna().any():
        return series.astype("int64")
    if col.kind == "date":
        return series.astype("datetime64[us]")
    return series
