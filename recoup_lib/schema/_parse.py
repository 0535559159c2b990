"""The parser that enforces a file's contract: raw text in, typed columns and every problem out.

:func:`parse_table` checks each column of a :class:`~recoup_lib.schema.FileSpec` in one
vectorised pass (pyarrow), records *every* bad cell with its row and column, sets
aside the rows that cannot be used, and types the rest as the package docstring
describes. A money column is read as cents, and its amounts held to what the kit can
total, by :mod:`recoup_lib.schema._money`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import equal_lowered, offsets_from_zero, one_array, string_parts, visible_ascii
from ..errors import WHOLE_ROW, Problem
from ._columns import BOOL_FALSE, BOOL_TRUE, Column, FileSpec
from ._keys import packed_ids
from ._money import _TOO_LARGE, _checked_cents, _money_cents, _plain_money, _too_large, _written_cents

__all__ = ["ParsedTable", "parse_table", "value_codes", "FIRST_DATE", "LAST_DATE", "DATE_RANGE", "MAX_WHOLE_NUMBER",
           "CONTROL_CHARACTERS", "EXCEL_SCIENTIFIC", "WHOLE_ID", "excel_scientific"]

#: Control characters (bytes 0-31 and 127: a NUL, a bell, a line break), as a regular expression Python
#: and Arrow both read: no id or column name holds one, and a written file carrying one is misread.
CONTROL_CHARACTERS = "[\\x00-\\x1f\\x7f]"

#: A long number as Excel shows it in scientific notation and saves it so in a CSV (``2.02501E+14``), as a
#: regular expression Python and Arrow both read: an id or code written so has lost its last digits.
EXCEL_SCIENTIFIC = r"^[0-9](?:\.[0-9]+)?[Ee]\+[0-9]{2}$"
#: What an id or code in :data:`EXCEL_SCIENTIFIC` should have been, and what to do, as messages say it.
WHOLE_ID = ("an id or code with all its digits (this is a long number as Excel shows it in scientific notation, "
            "its last digits lost: export the file again without opening it in Excel, or format the column as "
            "Text before saving)")

#: A date as a spreadsheet saves a column it shows in its own date format (``3/7/2025``, ``07/03/2025``,
#: ``7.3.25``; with a time when the cell held one: ``3/7/2025 0:00``, ``3/7/2025 12:00:00 AM``): whether its
#: first number is the month or the day depends on the computer that saved it.
SPREADSHEET_DATE = (r"^[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:[0-9]{2}|[0-9]{4})"
                    r"(?: [0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?: ?[AaPp][Mm])?)?$")
_SPREADSHEET_DATE_ADVICE = ("(a spreadsheet saved this date in its own format, month or day first as the computer that "
                            "saved it was set: format the column as yyyy-mm-dd before saving, or take the file again "
                            "from the command that wrote it)")

#: Dates the kit can represent (docs/contract.md, "Errors"): a date outside is set aside.
FIRST_DATE, LAST_DATE = np.datetime64("1900-01-01"), np.datetime64("2100-12-31")
#: What a date must be, as messages say it.
DATE_RANGE = f"a date between {FIRST_DATE} and {LAST_DATE}"
#: The largest whole number (units, line numbers, sizes) the kit accepts: ten digits would make
#: money times units leave what int64 holds.
MAX_WHOLE_NUMBER = 999_999_999


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
        Rows used and set aside.
    blank_rows : int
        Rows blank in every cell (``,,,`` where Excel saved an empty row) that the command's reader
        skipped before parsing (:func:`recoup_lib.blankrows.without_blank_rows`): neither used nor
        set aside, so not among ``rows_read``.
    """

    data: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    rows_read: int = 0
    blank_rows: int = 0

    @property
    def rows_used(self) -> int:
        return len(self.data)

    @property
    def rows_set_aside(self) -> int:
        return len(self.rejected)

    @property
    def rows_in_file(self) -> int:
        """Rows read and blank rows skipped: every row a spreadsheet shows under the header, what the
        commands' counts call rows read (:func:`recoup_lib.wording.rows_counted`)."""
        return self.rows_read + self.blank_rows


def strip_text(series: pd.Series) -> pd.Series:
    """A column as the in-memory text of an identifier: ``str`` values, surrounding spaces removed.

    What :func:`parse_table` keeps for a code or id column, for readers (the Spark engine) that
    key rows before the parser has typed them.
    """
    return series.astype("str").str.strip()


#: The dtype ``astype("str")`` gives: text columns in memory have it.
TEXT_DTYPE = pd.Series([], dtype="str").dtype


def _text_array(series: pd.Series) -> pa.ChunkedArray:
    """A column as Arrow text, exactly as ``series.astype("str")`` reads it (missing values null).

    A column already held as Arrow text (``str`` or ``string[pyarrow]``: the same values and nulls)
    is taken as it is: ``astype`` would copy it first.
    """
    values = series.array
    arr = pa.array(values if isinstance(values, pd.arrays.ArrowStringArray) else series.astype("str").array)
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _as_text(arr: pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """Arrow text as the in-memory text column (what ``strip_text`` gives), without copying."""
    return pd.arrays.ArrowStringArray(arr if arr.type == pa.large_string() else pc.cast(arr, pa.large_string()),
                                      dtype=TEXT_DTYPE)


def _visible(data: np.ndarray) -> bool:
    """Whether every byte is printable ASCII other than a space (``!`` to ``~``): two reductions, no new array."""
    return not len(data) or (data.min() >= 0x21 and data.max() <= 0x7E)


def _control_characters(arr: pa.ChunkedArray) -> np.ndarray:
    """Which values hold a control character (bytes 0-31 or 127); two reductions of the bytes when none
    does and the text is ASCII (the usual id)."""
    for offsets, data in string_parts(arr):
        used = data[offsets[0]:offsets[-1]]
        if len(used) and (used.min() < 0x20 or (used.max() >= 0x7F and (used == 0x7F).any())):
            return _mask(pc.match_substring_regex(arr, CONTROL_CHARACTERS))
    return np.zeros(len(arr), dtype=bool)


def excel_scientific(arr) -> np.ndarray:
    """Which values of Arrow text (an Array or a ChunkedArray) are an id Excel saved in scientific notation
    (:data:`EXCEL_SCIENTIFIC`): such ids merge into one another (``202501030001234`` and ``202501030001235``
    are both ``2.02501E+14``), so each is set aside rather than matched to another's claim. The text is
    searched only when a ``+`` is among its bytes."""
    for offsets, data in string_parts(arr):
        if b"+" in data[offsets[0]:offsets[-1]].tobytes():
            return _mask(pc.match_substring_regex(arr, EXCEL_SCIENTIFIC))
    return np.zeros(len(arr), dtype=bool)


def _canonical_spelling(arr: pa.ChunkedArray, spellings: tuple[str, ...]) -> pa.ChunkedArray:
    """Values that are one of ``spellings`` in other case or with spaces or hyphens for underscores,
    written as the vocabulary writes them; the rest unchanged."""
    vocabulary = pa.array(spellings, arr.type)
    if pc.all(pc.or_(pc.is_in(arr, value_set=vocabulary), pc.equal(arr, ""))).as_py() is not False:
        return arr
    folded = pc.replace_substring_regex(pc.utf8_lower(arr), "[ \\-]+", "_")
    return pc.if_else(pc.is_in(folded, value_set=vocabulary), folded, arr)


def _trimmed(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """``str.strip()`` of every value (Arrow's Unicode whitespace trim), skipped where nothing can need it:
    every value starts and ends with a visible ASCII character (whitespace, Unicode's too, cannot)."""
    for offsets, data in string_parts(arr):
        if _visible(data[offsets[0]:offsets[-1]]):
            continue  # no byte of any value is a space or beyond ASCII
        filled = offsets[1:] > offsets[:-1]
        if not _visible(data[offsets[:-1][filled]]) or not _visible(data[offsets[1:][filled] - 1]):
            return pc.utf8_trim_whitespace(arr)
    return arr


def _blanks(arr: pa.ChunkedArray) -> np.ndarray:
    """Which values are ``""`` (never a null): read from the value offsets, without comparing text."""
    if arr.null_count or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return _mask(pc.equal(arr, ""))
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    parts = [np.diff(np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset:chunk.offset + len(chunk) + 1]) == 0
             for chunk in arr.chunks if len(chunk)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _mask(arr) -> np.ndarray:
    """A boolean Arrow result as a numpy mask, null read as False."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _untidy_separators(offsets: np.ndarray, data: np.ndarray) -> bool:
    """Whether a value of one chunk (see :func:`~recoup_lib.arrowtext.string_parts`) may start or end with
    ``;`` or hold ``;;``: looks at its bytes, no new text. A ``;;`` across two values says yes too, rightly:
    the first of them ends with ``;``."""
    semicolon = data[offsets[0]:offsets[-1]] == ord(";")
    if not semicolon.any():
        return False
    filled = offsets[1:] > offsets[:-1]
    return bool((semicolon[1:] & semicolon[:-1]).any() or (data[offsets[:-1][filled]] == ord(";")).any()
                or (data[offsets[1:][filled] - 1] == ord(";")).any())


def _normalised_list(arr: pa.ChunkedArray):
    """Trimmed Arrow text of lists, ``" 25; 59 ;"`` -> ``"25;59"``, as the in-memory text column (only
    rows that need it are rewritten). Text of visible ASCII whose bytes show no stray ``;`` is tidy
    already: it is taken as it is, without searching each value."""
    plain = visible_ascii(arr)
    if plain and not any(_untidy_separators(*parts) for parts in string_parts(arr)):
        return _as_text(arr)
    untidy = pc.or_(pc.match_substring(arr, ";;"), pc.or_(pc.starts_with(arr, ";"), pc.ends_with(arr, ";")))
    if not plain:
        untidy = pc.or_(untidy, pc.match_substring(arr, " "))
        for space in ("\t", "\n", "\r"):
            untidy = pc.or_(untidy, pc.match_substring(arr, space))
    untidy = _mask(untidy)
    s = _as_text(arr)
    if not untidy.any():
        return s
    s = pd.Series(s)
    fixed = s[untidy].str.replace(r"\s+", "", regex=True).str.replace(r";{2,}", ";", regex=True).str.strip(";")
    out = s.copy()
    out[untidy] = fixed
    return out.array


def parse_table(raw: pd.DataFrame, spec: FileSpec, label: str | None = None,
                row_numbers: np.ndarray | None = None, check_typed: bool = False) -> ParsedTable:
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
    check_typed : bool, default False
        Whether a column already in its in-memory type (``datetime64``
        dates, integer whole numbers and cents) is checked by the rules its
        text would be (blanks, minimum, ranges, totals) rather than taken as
        the reader's own, which typed only what was valid. A table handed
        over in memory (:func:`~recoup_lib.schema.checked_frame`) is checked.

    Returns
    -------
    ParsedTable
        Typed usable rows, all problems, and the rows set aside with reasons.

    Notes
    -----
    A row is set aside when any of its contract columns is invalid, or when it
    repeats the key of an earlier row (``spec.key``); the first occurrence is
    kept. A key with a blank in a number or date key column that lets one
    through is read as missing and repeats none; a blank in a text key column
    is a value like any other and repeats. Problems are reported for every bad
    cell, not only the first.
    Columns are checked and typed in Arrow and the frame is built once at the end,
    so a clean million-row file is not copied column by column.
    """
    label = label or spec.name
    n = len(raw)
    rows = np.arange(n) + 2 if row_numbers is None else np.asarray(row_numbers)
    raw = raw.reset_index(drop=True)
    bad = np.zeros(n, dtype=bool)
    problem_frames: list[pd.DataFrame] = []
    out: dict = {}

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
            out[col.memory_name] = (_checked_typed(raw[col.name], col, lambda mask, expected, col=col:
                                                   record(mask, col, expected), bad) if check_typed
                                    else _typed_values(raw[col.name], col))
            continue
        plain = _plain_money(raw[col.name], col, lambda mask, expected, col=col: record(mask, col, expected), bad)
        if plain is not None:
            out[col.memory_name] = plain
            continue
        out[col.memory_name] = _parse_column(_trimmed(_text_array(raw[col.name])), col, n,
                                             lambda mask, expected, col=col: record(mask, col, expected), bad)
    # Extra columns pass through untouched.
    known = set(spec.column_names)
    for name in raw.columns:
        if name not in known and name not in out:
            out[name] = raw[name].array

    headers = _repeated_header(raw, spec, bad)
    if headers.any():
        idx = np.flatnonzero(headers)
        names = [name for name in spec.column_names if name in raw.columns]
        problem_frames = [frame[~headers[frame["pos"].to_numpy()]] for frame in problem_frames]
        problem_frames.append(pd.DataFrame({
            "pos": idx, "column": WHOLE_ROW, "value": raw[names].iloc[idx].agg(",".join, axis=1).str[:80],
            "expected": REPEATED_HEADER}))
        bad |= headers

    # Repeated keys: first occurrence wins, later ones are set aside. A key with a missing value (a blank
    # in a number or date key column that lets one through) is not yet one: documentation rows whose line
    # is still to be found. A blank text key is kept as "" and repeats.
    if spec.key and all(k in raw.columns for k in spec.key):
        key_columns = [Column(k, "id").memory_name for k in spec.key]
        if not _strictly_increasing([out[k] for k in key_columns]):
            key_frame = pd.DataFrame({k: out[k] for k in key_columns})
            dup = _repeated_keys(key_frame) & ~bad
            if dup.any():
                dup[dup] = key_frame.loc[dup].notna().all(axis=1).to_numpy()
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
    kinds = {col.memory_name: col for col in spec.columns}
    keep = ~bad if bad.any() else None
    columns = {"_row": rows if keep is None else rows[keep]}
    for name, values in out.items():
        values = values if keep is None else values[keep]
        columns[name] = _tighten(values, kinds[name]) if name in kinds else values
    return ParsedTable(data=pd.DataFrame(columns, copy=False), problems=problems, rejected=rejected, rows_read=n)


#: Why a row holding the file's header again is set aside, once for the row rather than cell by cell.
REPEATED_HEADER = ("a data row, not a repeated header row (the header again, as where two exports are pasted "
                   "one below the other)")


def _repeated_header(raw: pd.DataFrame, spec: FileSpec, bad: np.ndarray) -> np.ndarray:
    """Which rows hold the header again: every contract column present reads its own name (in any case,
    spaces around it allowed), as the import finds a header repeated by a page break.

    Where a number, amount or date column is present, its own name is no valid value, so only the rows
    already set aside (``bad``) are looked at: a clean file costs nothing. A column already in its
    in-memory type (a table handed over typed) holds no header: none is.
    """
    columns = [col for col in spec.columns if col.name in raw.columns]
    if not columns or any(_already_typed(raw[col.name], col) for col in columns):
        return np.zeros(len(raw), dtype=bool)
    looked_at = (np.flatnonzero(bad) if any(col.kind in _REFUSE_THEIR_NAME for col in columns)
                 else np.arange(len(raw)))
    repeated = np.ones(len(looked_at), dtype=bool)
    for col in columns:
        if not repeated.any():
            break
        values = raw[col.name].iloc[looked_at]
        repeated &= equal_lowered(one_array(_trimmed(_text_array(values))), col.name.lower())
    headers = np.zeros(len(raw), dtype=bool)
    headers[looked_at[repeated]] = True
    return headers


#: Kinds of column whose own name is never a valid value (``line_no``, ``paid``, ``service_date``).
_REFUSE_THEIR_NAME = ("int", "money", "date")


def _parse_column(text: pa.ChunkedArray, col: Column, n: int, record, bad: np.ndarray):
    """One contract column, trimmed, checked and typed: its in-memory values (an array of ``n``).

    ``record(mask, expected)`` is told every bad cell; ``bad`` (rows already set aside by
    earlier columns) only matters for a money column's running total.
    """
    blank = _blanks(text)
    _record_blanks(blank, col, record)
    kind = col.kind
    if kind in ("id", "code"):
        record(_control_characters(text), "an id or code without control characters (a line break, tab or NUL "
               "byte inside it: the cell ran into another, or the file is damaged)")
        record(excel_scientific(text), WHOLE_ID)
    if col.spellings:
        text = _canonical_spelling(text, col.spellings)
    if kind in ("id", "code", "text"):
        return _as_text(text)
    if kind == "codes":
        return _normalised_list(text)
    if kind in ("choice", "bool"):
        lowered = pc.ascii_lower(offsets_from_zero(text)) if visible_ascii(text) else pc.utf8_lower(text)
        if kind == "choice":
            ok = _mask(pc.is_in(lowered, value_set=pa.array([c.lower() for c in col.choices], lowered.type))) | blank
            record(~ok, col.expected)
            return _as_text(lowered)
        is_true = _mask(pc.is_in(lowered, value_set=pa.array(sorted(BOOL_TRUE), lowered.type)))
        is_false = _mask(pc.is_in(lowered, value_set=pa.array(sorted(BOOL_FALSE), lowered.type)))
        record(~(is_true | is_false | blank), col.expected)
        return pd.arrays.BooleanArray(is_true, ~(is_true | is_false))
    if kind == "int":
        return _checked_ints(*parse_ints(text), blank, col, record)
    if kind == "money":
        cents, missing, invalid = _money_cents(text)
        if invalid.any():
            written = np.zeros(n, dtype=np.int64)
            idx = np.flatnonzero(invalid)
            written[idx] = [_written_cents(t) for t in text.take(idx).to_pylist()]
            large = _too_large(written)
            record(invalid & ~large, col.expected)
            record(large, _TOO_LARGE)
        return _checked_cents(cents, missing, bad | invalid, record)
    return _checked_dates(*_parse_dates(text), blank, col, record, text)


def _record_blanks(blank: np.ndarray, col: Column, record) -> None:
    if not col.nullable:
        record(blank, "a value (this column may not be blank)")


def _checked_ints(numbers: np.ndarray, ok: np.ndarray, blank: np.ndarray, col: Column, record):
    """Whole numbers read (``ok``: a number was read) held to the column's minimum and to
    :data:`MAX_WHOLE_NUMBER`: its in-memory values."""
    if col.minimum is not None:
        ok &= np.where(ok, numbers >= col.minimum, False)
    too_large = ok & (numbers > MAX_WHOLE_NUMBER)
    record(~ok & ~blank, col.expected)
    record(too_large, f"a whole number of at most {MAX_WHOLE_NUMBER:,}")
    ok &= ~too_large
    return pd.arrays.IntegerArray(numbers, ~ok)


def _checked_dates(dates: np.ndarray, ok: np.ndarray, blank: np.ndarray, col: Column, record,
                   text: pa.ChunkedArray | None = None) -> np.ndarray:
    """Dates read (``ok``: a real date was read) held to the range the kit represents. A date of ``text``
    that a spreadsheet rewrote in its own format (:data:`SPREADSHEET_DATE`) is set aside saying so and
    what to do: which of its numbers is the month the file cannot tell, so it is never guessed."""
    unread = ~ok & ~blank
    rewritten = (unread & _mask(pc.match_substring_regex(text, SPREADSHEET_DATE)) if text is not None and unread.any()
                 else np.zeros(len(unread), dtype=bool))
    record(unread & ~rewritten, col.expected)
    record(rewritten, f"{col.expected} {_SPREADSHEET_DATE_ADVICE}")
    outside = ok & ((dates < FIRST_DATE) | (dates > LAST_DATE))
    record(outside, DATE_RANGE)
    dates[outside] = np.datetime64("NaT")
    return dates


def _checked_typed(values: pd.Series, col: Column, record, bad: np.ndarray):
    """A column already in its in-memory type, held to the rules its text would be held to.

    A date keeps its calendar day (a time of day is dropped, as the day written in a file would be);
    a blank is ``NaT`` or a missing number.
    """
    blank = pd.isna(values).to_numpy()
    _record_blanks(blank, col, record)
    if col.kind == "date":
        days = values.to_numpy(dtype="datetime64[D]").astype("datetime64[us]")
        return _checked_dates(days, ~blank, blank, col, record)
    numbers = values.to_numpy(dtype=np.int64, na_value=0)
    if col.kind == "int":
        return _checked_ints(numbers, ~blank, blank, col, record)
    large = _too_large(numbers)
    record(large, _TOO_LARGE)
    return _checked_cents(numbers, blank, bad | large, record)


def value_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """One integer per distinct value (a missing value is a value of its own), and how many.

    Text is dictionary-encoded by Arrow, which is faster than ``pandas.factorize`` on it.
    """
    if isinstance(values.dtype, pd.StringDtype):
        encoded = one_array(pc.dictionary_encode(_arrow_text(values), null_encoding="encode"))
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
    total under what a file may), so there is nothing left to check.
    """
    if col.kind == "date":
        return pd.api.types.is_datetime64_any_dtype(values.dtype)
    if col.kind in ("int", "money"):
        return pd.api.types.is_integer_dtype(values.dtype) and not isinstance(values.dtype, pd.StringDtype)
    return False


def _typed_values(values: pd.Series, col: Column):
    """A converted column in the in-memory form :func:`parse_table` gives it."""
    if col.kind == "date":
        return values.to_numpy(dtype="datetime64[us]")
    if not col.nullable and values.dtype == np.int64:
        return values.to_numpy()  # a required column the reader typed has no blank: as it is
    return values.astype("Int64").array


def _arrow_text(text) -> pa.Array:
    """Text (a Series, or Arrow text already) as Arrow ``string``."""
    if not isinstance(text, (pa.Array, pa.ChunkedArray)):
        text = pa.array(text.astype(pd.StringDtype("pyarrow")).array)
    return pc.cast(text, pa.string())


def parse_ints(text) -> tuple[np.ndarray, np.ndarray]:
    """Whole numbers (``"3"``, ``"+3"``, ``"3.0"``) -> (int64 values, valid mask); vectorised.

    A column of digits alone (the usual one) is read by Arrow's cast straight from the text it is
    given, wide (``large_string``, as pandas keeps it) or not, with no copy made narrow first.
    """
    arr = text if isinstance(text, (pa.Array, pa.ChunkedArray)) else _arrow_text(text)
    try:
        values = pc.cast(arr, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        arr = _arrow_text(arr)
    else:
        if not values.null_count:
            return values.to_numpy(), np.ones(len(values), dtype=bool)
        return pc.fill_null(values, 0).to_numpy(), pc.is_valid(values).to_numpy(zero_copy_only=False)
    matched = pc.fill_null(pc.match_substring_regex(arr, r"^[+]?[0-9]{1,15}(\.0+)?$"), False)
    digits = pc.replace_substring_regex(pc.if_else(matched, arr, pa.scalar("0")), r"^[+]?([0-9]+)(\.0+)?$", r"\1")
    values = pc.cast(digits, pa.int64())
    return values.to_numpy(), matched.to_numpy(zero_copy_only=False)


def _parse_dates(text) -> tuple[np.ndarray, np.ndarray]:
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


def _blank_of(col: Column, n: int):
    if col.kind == "money" or col.kind == "int":
        return pd.array([pd.NA] * n, dtype="Int64")
    if col.kind == "date":
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    if col.kind == "bool":
        return pd.array([pd.NA] * n, dtype="boolean")
    return pd.Series([""] * n, dtype="str").array


def _tighten(values, col: Column):
    """After bad rows are gone, non-blank integer columns become plain ``int64``."""
    if col.kind in ("money", "int") and not col.nullable:
        if isinstance(values, np.ndarray):
            return values
        if not values.isna().any():
            return values.to_numpy(dtype=np.int64)
    if col.kind == "date":
        return values.astype("datetime64[us]", copy=False)
    return values


def _strictly_increasing(columns: list) -> bool:
    """Whether the rows come in strictly increasing order of these key columns, compared in turn.

    A sorted export (as most are) then holds no key twice, which two comparisons of each row with
    the next show, without hashing every key. Text compares byte by byte (identifiers of one short
    width as integers, see :func:`~recoup_lib.schema.packed_ids`); a missing value, or a
    column neither text nor whole numbers, answers False (the caller then hashes the keys).
    """
    n = len(columns[0]) if columns else 0
    if n < 2:
        return True
    tied = np.ones(n - 1, dtype=bool)
    for values in columns:
        packed = packed_ids(values) if isinstance(values.dtype, pd.StringDtype) else None
        if packed is not None:
            ids = packed[0]
            less, equal = ids[:-1] < ids[1:], ids[:-1] == ids[1:]
        elif isinstance(values.dtype, pd.StringDtype):
            arr = one_array(pa.array(values))
            if arr.null_count:
                return False
            before, after = arr.slice(0, n - 1), arr.slice(1)
            less, equal = _mask(pc.less(before, after)), _mask(pc.equal(before, after))
        elif pd.api.types.is_integer_dtype(values.dtype) and not pd.isna(values).any():
            numbers = np.asarray(values, dtype=np.int64)
            less, equal = numbers[:-1] < numbers[1:], numbers[:-1] == numbers[1:]
        else:
            return False
        if (tied & ~less & ~equal).any():
            return False
        tied &= equal
    return not tied.any()
