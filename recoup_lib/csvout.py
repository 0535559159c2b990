"""Tables written as contract CSV: the one writer every command uses.

:func:`write_csv` turns an in-memory table into contract text (``_cents``
columns become dollars with two decimals under their contract name, dates
``YYYY-MM-DD``, booleans ``true``/``false``, missing values blank), guards
text a spreadsheet would run as a formula (:func:`recoup_lib.formulas.guard_formulas`;
the readers of :mod:`recoup_lib.folder` take the guard off again), quotes only
what needs quoting (RFC 4180, the bytes of Python's ``csv`` module), and
writes through :mod:`recoup_lib.outputs` so a file appears whole.
:func:`csv_bytes` gives the same bytes without writing, for writers that
append a table in pieces.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .money import format_cents_arrow
from .arrowtext import array_parts, one_array
from .formulas import guard_formulas, guard_text
from .outputs import output_file, staged

__all__ = ["write_csv", "write_csvs", "write_csv_and_front", "csv_bytes", "csv_bytes_and_front",
           "to_text_table", "to_text_frame"]


def _arrow_text(s: pd.Series, guard: bool = False) -> pa.Array:
    """One in-memory column as Arrow text in contract form (null = blank).

    ``guard``: with :func:`recoup_lib.formulas.guard_formulas` applied. A
    categorical column's categories are guarded before they are looked up:
    the same text, with a few categories looked at instead of every value
    (a block's 250,000 claim lines hold seven such columns).
    """
    dtype = s.dtype
    if guard and not isinstance(dtype, pd.CategoricalDtype):
        return guard_formulas(_arrow_text(s))
    if isinstance(dtype, pd.CategoricalDtype):
        categories = pa.array(np.asarray(dtype.categories, dtype=object).astype(str), type=pa.string())
        if guard:
            categories = guard_formulas(categories)
        codes = s.cat.codes.to_numpy()
        missing = codes < 0
        return categories.take(pa.array(codes, mask=missing if missing.any() else None))
    if pd.api.types.is_datetime64_any_dtype(dtype):
        days = s.to_numpy(dtype="datetime64[us]").astype("datetime64[D]")
        looked_up = _spanned_text(days.view(np.int64), np.isnat(days), _date_text)
        if looked_up is not None:
            return looked_up
        return pc.cast(pa.array(days, type=pa.date32(), from_pandas=True), pa.string())
    if pd.api.types.is_bool_dtype(dtype):
        values = pa.array(s.astype("boolean").array, type=pa.bool_(), from_pandas=True) if str(dtype) == "boolean" \
            else pa.array(s.to_numpy(dtype=bool))
        return pc.if_else(values, "true", "false")
    if pd.api.types.is_integer_dtype(dtype):
        if isinstance(dtype, np.dtype) and dtype.kind == "i":
            looked_up = _spanned_text(s.to_numpy(dtype=np.int64), None, _integer_text)
            if looked_up is not None:
                return looked_up
        return pc.cast(pa.array(s.array if str(dtype) == "Int64" else s.to_numpy(), from_pandas=True), pa.string())
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pc.cast(pa.array(s.array), pa.string())
    try:
        return pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(s.astype("str").to_numpy(dtype=object), type=pa.string(), from_pandas=True)


#: Rows from which a column of dates or whole numbers spanning few values is formatted by lookup.
_LOOKUP_ROWS = 10_000


def _spanned_text(numbers: np.ndarray, missing: np.ndarray | None, to_text) -> pa.Array | None:
    """Text of many whole numbers (days, counts) spanning few values: each value of the span formatted
    once by ``to_text(low, high)``, then looked up (null where ``missing``); None for a short column or
    a wide span.

    A block's 250,000 service dates span a year: 6 ms instead of 19 (Arrow formats every date
    again); its line numbers 2 ms instead of 6. The text is the general path's by construction.
    """
    if len(numbers) < _LOOKUP_ROWS:
        return None
    present = numbers if missing is None else numbers[~missing]
    if not len(present):
        return None
    low, high = int(present.min()), int(present.max())
    if high - low >= len(numbers) // 4:
        return None
    positions = numbers - low
    if missing is not None and missing.any():
        return to_text(low, high).take(pa.array(np.where(missing, 0, positions), mask=missing))
    return to_text(low, high).take(pa.array(positions))


def _date_text(low: int, high: int) -> pa.Array:
    """``YYYY-MM-DD`` of the days ``low`` to ``high`` (days since 1970-01-01), as Arrow writes dates."""
    days = np.arange(low, high + 1, dtype=np.int64).astype("datetime64[D]")
    return pc.cast(pa.array(days, type=pa.date32()), pa.string())


def _integer_text(low: int, high: int) -> pa.Array:
    """The whole numbers ``low`` to ``high``, as Arrow writes them."""
    return pc.cast(pa.array(np.arange(low, high + 1, dtype=np.int64)), pa.string())


def _formatted(s: pd.Series) -> bool:
    """Whether the column's contract text is made by the kit from numbers, dates or booleans.

    Such text (``-40.50``, ``-3``, ``2025-03-14``, ``true``) never needs a formula guard.
    """
    dtype = s.dtype
    return (not isinstance(dtype, pd.CategoricalDtype)
            and (pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
                 or pd.api.types.is_integer_dtype(dtype)))


def _text_columns(df: pd.DataFrame, drop_private: bool,
                  guard: bool = False) -> tuple[list[str], list[pa.Array], list[bool]]:
    """Names, contract text and whether each is :func:`_formatted` (``_cents`` columns are); ``guard``:
    the text of the columns not formatted guarded against formulas (see :func:`_arrow_text`)."""
    names, arrays, formatted = [], [], []
    for name in df.columns:
        if drop_private and str(name).startswith("_"):
            continue
        s = df[name]
        if str(name).endswith("_cents"):
            names.append(str(name)[: -len("_cents")])
            arrays.append(format_cents_arrow(s))
            formatted.append(True)
        else:
            names.append(str(name))
            formatted.append(_formatted(s))
            arrays.append(_arrow_text(s, guard=guard and not formatted[-1]))
    return names, arrays, formatted


def to_text_table(df: pd.DataFrame, drop_private: bool = True) -> pa.Table:
    """An in-memory table as an Arrow table of contract text.

    ``x_cents`` -> ``x`` in dollars; dates -> ``YYYY-MM-DD``; booleans ->
    ``true``/``false``; missing -> null (written blank). Columns starting with
    ``_`` are dropped unless ``drop_private`` is False.
    """
    names, arrays, _ = _text_columns(df, drop_private)
    return pa.table(arrays, names=names) if names else pa.table({})


def to_text_frame(df: pd.DataFrame, drop_private: bool = True) -> pd.DataFrame:
    """Like :func:`to_text_table`, as a pandas DataFrame of text (blank for missing)."""
    table = to_text_table(df, drop_private)
    out = {name: pd.Series(pd.array(pc.fill_null(table[name], ""), dtype=pd.StringDtype("pyarrow")),
                           index=df.index) for name in table.column_names}
    return pd.DataFrame(out, index=df.index)


def write_csv(df, path: str | Path, text: bool = False) -> Path:
    """Write a table as contract CSV (UTF-8, header, comma separated, ``\\n`` line ends).

    Text a spreadsheet would run as a formula is guarded with a leading
    ``'`` (:func:`recoup_lib.formulas.guard_formulas`; the readers of this
    module take it off again, so the file reads back as the same values).
    Written inside a result folder being written (see
    :func:`recoup_lib.outputs.output_folder`) the file goes straight in;
    anywhere else it is written whole beside ``path`` and renamed over it,
    and an existing file the kit did not write is refused.

    Parameters
    ----------
    df : pandas.DataFrame or iterable of DataFrames
        In-memory table (converted with :func:`to_text_table`) or, with
        ``text=True``, a table that is already all text; or the table's
        rows in order as several DataFrames (at least one, all with its
        columns), written one after the other: the same bytes.
    path : path-like

    Raises
    ------
    UsageError
        ``path`` holds a file the kit did not write, or cannot be written.
    """
    path = Path(path)
    with _target(path) as target:
        _write_csv(df, target, text)
    return path


def write_csvs(tables: dict) -> dict[str, Path]:
    """Write several tables side by side, as :func:`write_csv` writes each: ``{path: frame}`` in,
    ``{path: written path}`` out.

    Turning a large table into CSV text is Arrow's work, done outside Python's
    global lock, so two tables take little longer than the larger one (an
    audit's findings.csv and findings_detail.csv, 36 MB for 1,000,000 lines:
    0.29-0.40 s against 0.51-0.65 s one after the other). An error writing
    any of them is raised once every table is done.
    """
    with ThreadPoolExecutor(max_workers=max(1, min(len(tables), 2))) as pool:
        jobs = {path: pool.submit(write_csv, frame, path) for path, frame in tables.items()}
        return {path: job.result() for path, job in jobs.items()}


#: Rows turned into text and written at a time: a million-row table is written without its whole
#: text (several copies of it, while values are quoted) in memory at once; the bytes are the same.
CHUNK_ROWS = 100_000


def _write_csv(df, path: Path, text: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pieces = [df] if isinstance(df, pd.DataFrame) else df
    headed = False
    with open(path, "wb") as handle:
        for piece in pieces:
            for start in range(0, max(len(piece), 1), CHUNK_ROWS):
                header, body = csv_bytes(piece.iloc[start:start + CHUNK_ROWS], text)
                if not headed:
                    handle.write(header)
                    headed = True
                handle.write(body)


def csv_bytes(df: pd.DataFrame, text: bool = False) -> tuple[bytes, bytes]:
    """The header line and the rows of :func:`write_csv`'s file, as bytes."""
    if not len(df.columns):
        return b"\n", b""
    table, formatted = _contract_text(df, text)
    header = _header(table.column_names)
    needs = [_needing_quotes(table.column(i), table.num_columns, done) for i, done in enumerate(formatted)]
    if any(n is not None for n in needs):
        return header, _quoted_minimal(table, needs)
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return header, buffer.getvalue()


def _contract_text(df: pd.DataFrame, text: bool) -> tuple[pa.Table, list[bool]]:
    """The table as the text :func:`write_csv` writes (guarded, blank for missing, header names
    guarded), and which columns are :func:`_formatted`."""
    if text:
        names = [str(c) for c in df.columns]
        arrays, formatted = [_arrow_text(df[c], guard=True) for c in df.columns], [False] * len(names)
    else:
        names, arrays, formatted = _text_columns(df, drop_private=True, guard=True)
    table = pa.table([pc.fill_null(a, "") for a in arrays], names=[guard_text(name) for name in names])
    return table, formatted


def _header(names: list[str]) -> bytes:
    return _quoted_minimal(pa.table([pa.array([n], pa.string()) for n in names],
                                    names=[f"c{i}" for i in range(len(names))]))


def csv_bytes_and_front(df: pd.DataFrame, front: int) -> tuple[tuple[bytes, bytes], tuple[bytes, bytes]]:
    """:func:`csv_bytes` of ``df`` and of its first ``front`` columns (at least two), each column
    turned into text once: the rows of the front's file are the start of each row of the whole's."""
    (front_header, front_rows), (header, rows) = _csv_views_and_front(df, front)
    return (front_header, bytes(front_rows)), (header, bytes(rows))


def _csv_views_and_front(df: pd.DataFrame, front: int) -> tuple[tuple[bytes, memoryview], tuple[bytes, memoryview]]:
    """:func:`csv_bytes_and_front` with each file's rows as a view of Arrow's buffer (not copied).

    Each file's rows are joined straight from the columns' fields, the line break carried by the
    last field (:func:`_rows`), so no row is copied again to end it or to hand it over.
    """
    table, formatted = _contract_text(df, False)
    if not 2 <= front <= table.num_columns:
        raise ValueError(f"front must be 2 to {table.num_columns} columns; got {front}")
    fields = _fields(table, [_needing_quotes(table.column(i), table.num_columns, done)
                             for i, done in enumerate(formatted)])
    front_rows = _rows_view(_rows(fields[:front])) if table.num_rows else memoryview(b"")
    rows = (_rows_view(_rows(fields)) if table.num_rows and table.num_columns > front else front_rows)
    return ((_header(table.column_names[:front]), front_rows), (_header(table.column_names), rows))


def write_csv_and_front(df, path: str | Path, front: int, front_path: str | Path) -> tuple[Path, Path]:
    """Write ``df`` to ``path`` and its first ``front`` columns to ``front_path``, as :func:`write_csv`
    writes each, turning the shared columns into text once (:func:`csv_bytes_and_front`).

    An audit's findings.csv is the first eight columns of findings_detail.csv: most of the
    text of both (the evidence sentences) is made once instead of twice. ``df`` may also be
    an iterable of DataFrames (at least one), the table's rows in order, written one after
    the other (the same bytes as their concatenation).
    """
    path, front_path = Path(path), Path(front_path)
    pieces = [df] if isinstance(df, pd.DataFrame) else df
    with _target(path) as whole_file, _target(front_path) as front_file:
        for target in (whole_file, front_file):
            target.parent.mkdir(parents=True, exist_ok=True)
        with open(whole_file, "wb") as whole, open(front_file, "wb") as start:
            headed = False
            for piece in pieces:
                for first in range(0, max(len(piece), 1), CHUNK_ROWS):
                    (front_header, front_body), (header, body) = _csv_views_and_front(
                        piece.iloc[first:first + CHUNK_ROWS], front)
                    if not headed:
                        whole.write(header)
                        start.write(front_header)
                        headed = True
                    whole.write(body)
                    start.write(front_body)
    return path, front_path


@contextmanager
def _target(path: Path):
    """Where :func:`write_csv` writes ``path``: in place inside a folder being written, else beside it."""
    if staged(path):
        yield path
        return
    with output_file(path) as temporary:
        yield Path(temporary)


#: Bytes that make a value need quotes in CSV (RFC 4180); all below ``-``, as are few bytes of text.
_QUOTED_BYTES = np.frombuffer(b'",\r\n', dtype=np.uint8)
_IS_QUOTED_BYTE = np.zeros(256, dtype=bool)
_IS_QUOTED_BYTE[_QUOTED_BYTES] = True


def _needing_quotes(column, num_columns: int, formatted: bool = False):
    """Which values of a text column need quotes (a comma, a quote mark or a line break; in a
    one-column table an empty value too, or the row reads as a blank line); None when none does.

    The column's bytes are looked at once (:func:`recoup_lib.arrowtext.array_parts`): the values
    holding one of those bytes are found from where the bytes are (:func:`_holding_quoted_bytes`),
    not by searching value by value. A ``formatted`` column (numbers, dates, booleans: see
    :func:`_formatted`) holds none of them.
    """
    if num_columns == 1 and len(column) and pc.any(pc.equal(column, "")).as_py():
        return pc.or_(pc.match_substring_regex(column, '[",\r\n]'), pc.equal(column, ""))
    if formatted:
        return None
    if column.null_count:
        need = pc.match_substring_regex(column, '[",\r\n]')
        return need if pc.any(need).as_py() else None
    need = _holding_quoted_bytes(column)
    return pa.array(need) if need.any() else None


def _holding_quoted_bytes(column) -> np.ndarray:
    """Which values of Arrow text (no nulls) hold any of :data:`_QUOTED_BYTES`: the bytes' positions
    (one pass over the data, then a look at the few low bytes) mapped to their values by the offsets."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    masks = [np.zeros(0, dtype=bool)]
    for chunk in chunks:
        mask = np.zeros(len(chunk), dtype=bool)
        if len(chunk) and chunk.buffers()[2] is not None:
            offsets, data = array_parts(chunk)
            start = int(offsets[0])
            text = data[start:int(offsets[-1])]
            low = np.flatnonzero(text <= _QUOTED_BYTES.max())
            held = low[_IS_QUOTED_BYTE[text[low]]] + start
            mask[np.searchsorted(offsets, held, side="right") - 1] = True
        masks.append(mask)
    return np.concatenate(masks)


def _quoted_minimal(table: pa.Table, needs: list | None = None) -> bytes:
    """CSV body quoting just the values that hold commas, quotes or line breaks (RFC 4180).

    The same bytes as Python's ``csv.writer`` with ``QUOTE_MINIMAL`` and ``\\n`` line ends
    (a lone empty value in a one-column row is written ``""``), built column-wise with Arrow.
    ``needs``: for each column, which values need quotes (None: none), as :func:`_needing_quotes`
    says; worked out here when not given.
    """
    if not table.num_rows:
        return b""
    if needs is None:
        needs = [_needing_quotes(pc.cast(table[name], pa.large_string()), table.num_columns)
                 for name in table.column_names]
    return bytes(_rows_view(_rows(_fields(table, needs))))


def _fields(table: pa.Table, needs: list) -> list:
    """Each column as CSV fields: large text, quoted (quotes doubled) where ``needs`` says."""
    fields = []
    for name, need in zip(table.column_names, needs):
        column = pc.cast(table[name], pa.large_string())
        if need is None:
            fields.append(column)
            continue
        mark = pa.scalar('"', pa.large_string())
        quoted = pc.binary_join_element_wise(mark, pc.replace_substring(column, '"', '""'), mark,
                                             pa.scalar("", pa.large_string()))
        fields.append(pc.if_else(need, quoted, column))
    return fields


def _join(fields: list):
    """Fields joined into rows, comma separated (without line ends)."""
    return (pc.binary_join_element_wise(*fields, pa.scalar(",", pa.large_string())) if len(fields) > 1
            else fields[0])


def _rows(fields: list):
    """Fields joined into rows, each ended by ``\n``: the line break is added to the last field,
    which is shorter than the rows it ends."""
    empty = pa.scalar("", pa.large_string())
    return _join([*fields[:-1], pc.binary_join_element_wise(fields[-1], pa.scalar("\n", pa.large_string()), empty)])


def _rows_view(rows) -> memoryview:
    """Rows (see :func:`_rows`) as one view of their bytes in Arrow's buffer, not copied."""
    rows = one_array(rows)
    if not len(rows) or rows.buffers()[2] is None:
        return memoryview(b"")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset:rows.offset + len(rows) + 1]
    return memoryview(rows.buffers()[2])[int(offsets[0]):int(offsets[-1])]

