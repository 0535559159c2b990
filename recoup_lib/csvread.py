"""Reading one CSV file of the contract: the header, the rows as text or typed, the malformed rows.

:func:`read_table` reads and parses one file against its contract
(:mod:`recoup_lib.schema`): Arrow's multi-threaded reader where the file
allows it, else the exact Python reader, which locates every malformed row.
:func:`read_csv_text` gives the rows as text, for checks that quote values
as written. :mod:`recoup_lib.folder` reads a whole audit folder with these.
A path that is no regular file, or a file that is not CSV text (a workbook,
UTF-16 text), is refused saying what it is (:mod:`recoup_lib.filekind`); the
exact reader cuts a quote that runs away after its line
(:mod:`recoup_lib.csvrecords`).
"""

from __future__ import annotations

import csv
import mmap
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .blankrows import (  # noqa: F401 - imported from here before blankrows held them
    blank_row_mask,
    blank_rows,
    blank_texts,
    without_blank_rows,
)
from .csvrecords import (  # noqa: F401 - imported from here before csvrecords held them
    CLOSING_QUOTE,
    END_OF_FILE,
    last_line_leaves_quote_open,
    open_quote_field,
    quoted_records,
    rows_taken_in,
)
from .csvrecords import runaway_column
from .errors import WHOLE_ROW, InputError, Problem
from .filekind import not_a_file, not_a_file_message, not_csv_text
from .formulas import GUARD, unguard_formulas, unguard_text
from .schema import (
    CONTROL_CHARACTERS, FIRST_DATE, LAST_DATE, MAX_WHOLE_NUMBER, SPECS, FileSpec, ParsedTable, parse_table,
)

__all__ = [
    "RESERVED_PREFIX",
    "blank_row_mask",
    "blank_rows",
    "blank_texts",
    "without_blank_rows",
    "not_a_file",
    "not_csv_text",
    "read_csv_text",
    "read_header",
    "canonical_header",
    "read_table",
    "python_csv_chunks",
    "needs_exact_reader",
    "has_quote",
    "reads_blank_line",
    "open_quote_field",
    "quoted_records",
    "rows_taken_in",
    "spanning_columns",
    "END_OF_FILE",
    "last_line_leaves_quote_open",
    "WHOLE_ROW",
    "broken_frame",
    "broken_problems",
    "broken_set_aside",
    "with_broken_rows",
]

#: In memory, a column name starting with ``_`` is the kit's own (``_row``, ``_reason``, ...). A
#: file's header starting with ``_`` (e.g. the ``_file``, ``_row`` and ``_reason`` of a
#: ``rejected_rows/`` file fed back after fixing it) gets one more ``_`` in front, so it never
#: meets the kit's names.
RESERVED_PREFIX = "_"

def _string_frame(table: pa.Table, guarded: bool = True) -> pd.DataFrame:
    """Text columns as pyarrow-backed strings (formula guards taken off, see
    :func:`recoup_lib.formulas.unguard_formulas`; ``guarded=False`` says the file holds no ``'``, so
    there is none to take off); typed ones as ``datetime64[us]``, and ``int64`` (``Int64`` where a
    value is missing)."""
    # Dates, and whole numbers without a blank, are joined from their chunks by NumPy: one array
    # made, where pandas' conversion of a million-row column made two and took five times as long.
    typed = {}
    for i, f in enumerate(table.schema):
        if f.type == pa.date32():
            typed[f.name] = table.column(i).to_numpy().astype("datetime64[us]")
        elif f.type == pa.int64() and not table.column(i).null_count:
            typed[f.name] = table.column(i).to_numpy()
        elif guarded and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type)):
            table = table.set_column(i, f.name, unguard_formulas(table[f.name]))
    mapped = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow"),
              pa.int64(): pd.Int64Dtype()}
    # One block per column: a column Arrow can hand over without a copy (text) is not then copied
    # into a block shared with the others.
    rest = table.select([name for name in table.column_names if name not in typed])
    frame = rest.to_pandas(types_mapper=mapped.get, split_blocks=True)
    if not typed:
        return frame
    return pd.DataFrame({name: typed[name] if name in typed else frame[name].array for name in table.column_names},
                        index=pd.RangeIndex(table.num_rows), copy=False)


def _python_csv(path: Path, label: str, header: list[str], spans=None):
    """Slow, exact reader used only when the fast one found malformed rows.

    Returns the well-formed records, their spreadsheet row numbers, and the
    malformed ones (wrong number of fields, bytes that are not UTF-8, a stray
    quote: see :func:`python_csv_chunks`).
    """
    return next(python_csv_chunks(path, header, spans=spans))


def spanning_columns(header: list[str], spec: FileSpec | None) -> set[str]:
    """Columns whose values may hold a line break: free text, and the columns the contract does not
    list (passed through untouched, such as a Notes column ``recoup import`` kept). Ids, codes,
    dates and amounts never hold one."""
    kinds = {c.name: c.kind for c in spec.columns} if spec is not None else {}
    return {h for h in header if kinds.get(h, "text") == "text"}


def _lines_as_records(handle, header: list[str], spans: set[str]):
    """``(row, fields, problem, text)`` for each record of an open CSV file after its header.

    ``problem`` is None, or ``(field, expected, got)`` for a stray quote. A quoted value may hold
    a line break only in a column of ``spans`` (see :func:`spanning_columns`); see
    :func:`~recoup_lib.csvrecords.quoted_records` for how a quote that runs away is cut. ``row`` counts records, the
    header being row 1 (a spreadsheet shows a value holding a line break in one row).
    """
    source = iter(handle)
    next(csv.reader(source), None)  # the header, on as many lines as it takes

    def may_span(at: int) -> bool:
        return at < len(header) and header[at] in spans

    for number, (fields, line, _, runaway) in enumerate(quoted_records(source, len(header), may_span), start=2):
        if runaway is None:
            yield number, fields, None, line
        else:
            at = runaway[0]
            yield number, fields, (at, CLOSING_QUOTE[may_span(at)], '"' + fields[at]), line


def python_csv_chunks(path: Path, header: list[str], chunk_rows: int | None = None, spans=None):
    """:func:`_python_csv` in pieces of at most ``chunk_rows`` well-formed records (None: one piece).

    Yields ``(frame, row_numbers, broken)`` like :func:`_python_csv`, the broken rows met
    since the previous piece included; at least one piece, even for a file with no rows.
    A broken row is ``(row, text, expected, got)``, with the column as a fifth item when one
    value is to blame (a stray quote, see :func:`_lines_as_records`). ``spans``: the columns whose
    values may hold a line break (default: every column; see :func:`spanning_columns`).
    """
    spans = set(header) if spans is None else spans
    good, good_rows, broken = [], [], []

    def piece():
        frame = pd.DataFrame(good, columns=header, dtype="str") if good else pd.DataFrame(
            {h: pd.Series([], dtype="str") for h in header})
        frame = _string_frame(pa.Table.from_pandas(frame.astype(pd.StringDtype("pyarrow")), preserve_index=False))
        return frame, np.asarray(good_rows, dtype=np.int64), list(broken)

    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        for record_no, record, problem, line in _lines_as_records(handle, header, spans):
            text = ",".join(record)
            if not record or (len(record) == 1 and record[0] == "" and len(header) > 1 and problem is None):
                continue  # a blank line
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                broken.append((record_no, text.encode("utf-8", "replace").decode(),
                               "UTF-8 text (save the file as UTF-8)", "bytes that are not UTF-8"))
                continue
            if problem is not None:
                at, expected, got = problem
                broken.append((record_no, line.rstrip("\r\n"), expected, got, runaway_column(header, at)))
                continue
            if len(record) != len(header):
                broken.append((record_no, text, f"{len(header)} fields, as in the header",
                               f"{len(record)} fields"))
                continue
            good.append(record)
            good_rows.append(record_no)
            if chunk_rows is not None and len(good) >= chunk_rows:
                yield piece()
                good, good_rows, broken = [], [], []
    yield piece()


def read_csv_text(path: str | Path, spec: FileSpec | None = None, label: str | None = None,
                  utf8_checked: bool = False):
    """Read a CSV as text, checking its header against a contract.

    Parameters
    ----------
    path : path-like
    spec : FileSpec, optional
        When given, required columns must be present (matched ignoring case
        and surrounding spaces, then renamed to the contract's spelling).
    label : str, optional
        Name used in messages (default: the file name).
    utf8_checked : bool, optional
        The caller has checked that the file's bytes are UTF-8 (see
        :func:`~recoup_lib.filekind.text_encoding`), so Arrow does not check each value again.

    Returns
    -------
    raw : pandas.DataFrame
        Every well-formed row, all columns as text.
    row_numbers : numpy.ndarray
        Spreadsheet row number of each row of ``raw`` (header = row 1).
    broken : pandas.DataFrame
        Malformed rows (``_file``, ``_row``, ``_text``, ``_expected``, ``_got``,
        ``_column``, ``_reason``): a row with another number of fields than the
        header, bytes that are not UTF-8, or a quote left open at the end of its
        line (no value of a contract file holds a line break: each line is a row,
        the lines after such a quote are read as rows of their own).

    Raises
    ------
    InputError
        The file is missing, empty, or lacks a required column.
    """
    return _read_csv(path, spec, label, typed=False, utf8_checked=utf8_checked)


#: Arrow types the fast reader converts to while reading (in its threads), by column kind.
_ARROW_KINDS = {"date": pa.date32(), "int": pa.int64()}
#: Text is read as Arrow ``large_string``, the storage of pandas' Arrow-backed strings, so it is
#: handed to pandas without converting every column's offsets.
_TEXT = pa.large_string()
_NO_BROKEN = ("_file", "_row", "_text", "_expected", "_got", "_column", "_reason")


def read_header(path: Path, spec: FileSpec | None, label: str) -> list[str]:
    """The file's header in the contract's spelling (see :func:`read_csv_text` for the errors)."""
    refused = not_a_file_message(path, label, "expected a CSV file", path.parent)
    if refused:
        raise InputError(refused)
    header, record = _file_header(path, label)
    return canonical_header(header, spec, label, record)


def _read_csv(path, spec: FileSpec | None, label: str | None, typed: bool, utf8_checked: bool = False):
    """:func:`read_csv_text`; with ``typed``, date and whole-number columns come back typed.

    A typed column is only returned when every value of it converted and none breaks its
    contract (blank where not allowed, below the minimum): then :func:`parse_table` has
    nothing to report about it. Otherwise the file is read again as text, so each problem
    can quote the value as written.
    """
    path = Path(path)
    label = label or path.name
    header = read_header(path, spec, label)
    types = {h: _TEXT for h in header}
    if typed and spec is not None:
        for col in spec.columns:
            if col.name in types and col.kind in _ARROW_KINDS:
                types[col.name] = _ARROW_KINDS[col.kind]
    try:
        table = _fast_read(path, header, types, utf8_checked)
        if table is not None and typed and not _typed_columns_clean(table, spec):
            raise pa.ArrowInvalid("a typed column needs its values as written")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        table = _converted_as_text(path, header, utf8_checked) if any(t != _TEXT for t in types.values()) else None
    if table is not None:
        raw = _string_frame(table, guarded=_holds(path, GUARD.encode()))
        rows = np.arange(len(raw), dtype=np.int64) + 2
        return raw, rows, pd.DataFrame(columns=list(_NO_BROKEN))
    raw, rows, broken = _python_csv(path, label, header, spanning_columns(header, spec))
    return raw, rows, broken_frame(broken, label)


def broken_frame(broken: list, label: str) -> pd.DataFrame:
    """Malformed rows (``_row, _text, _expected, _got`` tuples, and the column to blame as a fifth
    item where one is, else :data:`WHOLE_ROW`) as the table :func:`read_csv_text` returns."""
    broken = [b if len(b) == 5 else (*b, WHOLE_ROW) for b in broken]
    frame = pd.DataFrame(broken, columns=["_row", "_text", "_expected", "_got", "_column"])
    frame.insert(0, "_file", label)
    frame["_reason"] = [f"whole row: expected {e}; got {g}" if c == WHOLE_ROW
                        else f"column '{c}': expected {e}; got {g!r}"
                        for c, e, g in zip(frame["_column"], frame["_expected"], frame["_got"])]
    return frame


def _fast_read(path: Path, header: list[str], types: dict, utf8_checked: bool = False) -> pa.Table | None:
    """The file through Arrow's multi-threaded reader; None when only the exact reader can say
    what each row is (a malformed row, a blank line, a line break inside a quoted value, a quote
    left open on the last line, or a value that does not convert to its column's type: that one
    raises ``ArrowInvalid``).

    With two or more columns, Arrow reads a blank line as a row blank in every column, where the
    exact reader skips it (counting it only in row numbers): a table holding such a row goes to the
    exact reader. A file without a single quote character cannot hold a line break inside a
    value. Only one-column files and files with quotes need their line breaks counted.
    """
    if not _header_on_one_line(path):
        return None  # a header spanning lines: only the exact reader knows where the data starts
    counted = len(header) < 2
    quoted = has_quote(path)
    read, parse, convert = arrow_options(header, types, quoted=quoted, check_utf8=not utf8_checked)
    try:
        table = pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        if is_malformed_row(exc):
            return None
        raise
    if needs_exact_reader(path, table.num_rows, counted, quoted) or reads_blank_line(table, counted):
        return None
    return table


def reads_blank_line(rows, one_column: bool) -> bool:
    """Whether Arrow's ``rows`` (a table or a batch) hold a blank line of the file, which the exact
    reader skips: with two or more columns Arrow reads one as a row blank in every column. A
    one-column file's blank lines are found by counting its line breaks (:func:`needs_exact_reader`).
    """
    return not one_column and bool(blank_row_mask(rows).any())


def is_malformed_row(exc: pa.ArrowInvalid) -> bool:
    """Whether Arrow stopped at a row with another number of fields than the header (its parse
    error), rather than at a value its column's type refuses."""
    return str(exc).startswith("CSV parse error")


def arrow_options(header: list[str], types: dict, block_size: int | None = None, quoted: bool = True,
                  check_utf8: bool = True):
    """Arrow's read, parse and convert options for a contract file.

    A malformed row (another number of fields than the header) stops Arrow with ``ArrowInvalid``
    (:func:`is_malformed_row`), and the caller hands the file to the exact reader. No
    ``invalid_row_handler``: Arrow gives a handler the row as UTF-8 text, and a row holding
    Windows-1252 bytes (``Peña``) made it print a traceback as it failed to decode it.

    ``quoted=False`` says the file holds no quote character (see :func:`has_quote`), so no value can
    hold a line break: Arrow then cuts the file into blocks at any line break instead of tracking
    quotes through it (about a quarter less work for a million-line file; the same table).

    Blank cells stay ``""`` (never null); a blank line is skipped only in a one-column file, where
    Arrow cannot tell it from a malformed row. In a typed column only a blank cell is missing: Arrow's
    own null spellings (``NA``, ``NULL``, ``N/A``, ``nan``...) are values like any other, so a
    ``termination_date`` of ``NA`` is refused as the text parser refuses it, never read as "no date".
    ``check_utf8=False``: the bytes are known to be UTF-8 (Arrow would check each value again).
    """
    read = pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=True,
                             **({"block_size": block_size} if block_size else {}))
    parse = pacsv.ParseOptions(newlines_in_values=quoted,
                               ignore_empty_lines=len(header) < 2)
    convert = pacsv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=False,
                                   quoted_strings_can_be_null=False, check_utf8=check_utf8)
    return read, parse, convert


def _header_on_one_line(path: Path) -> bool:
    """Whether the header ends at the first line break (no quoted line break or carriage return in a name)."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 20)
    end = head.find(b"\n")
    line = head if end < 0 else head[:end]
    line = line[:-1] if line.endswith(b"\r") else line
    return b"\r" not in line and line.count(b'"') % 2 == 0


def _converted_as_text(path: Path, header: list[str], utf8_checked: bool = False) -> pa.Table | None:
    try:
        return _fast_read(path, header, {h: _TEXT for h in header}, utf8_checked)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _typed_columns_clean(table: pa.Table, spec: FileSpec) -> bool:
    """Whether every typed column holds only values its contract accepts."""
    for col in spec.columns:
        if col.name not in table.column_names or table.schema.field(col.name).type == _TEXT:
            continue
        values = table[col.name]
        if not col.nullable and values.null_count:
            return False
        if len(values) == values.null_count:
            continue
        low, high = pc.min(values).as_py(), pc.max(values).as_py()
        if col.kind == "int" and ((col.minimum is not None and low < col.minimum) or high > MAX_WHOLE_NUMBER):
            return False
        if col.kind == "date" and (low < FIRST_DATE.astype(object) or high > LAST_DATE.astype(object)):
            return False
    return True


def has_quote(path: Path) -> bool:
    """Whether the file holds a quote character: without one no value can span lines or hide a comma."""
    return _holds(path, b'"')


def _holds(path: Path, byte: bytes) -> bool:
    """Whether the file holds ``byte`` anywhere (its bytes searched :data:`_SCAN_BYTES` at a time)."""
    return any(window.find(byte) >= 0 for window in _scanned(path))


#: Bytes of a file mapped at a time when it is searched or its line breaks counted (a multiple of
#: every system's mapping granularity). A whole file mapped counts among the process's resident
#: memory while it is looked at (865 MB for a ten-million-line claim_lines.csv), which a memory
#: budget (``--max-memory``) does not allow; one window at a time, it counts 16 MB.
_SCAN_BYTES = 16 << 20


def _scanned(path: Path):
    """The file's bytes, one read-only map of at most :data:`_SCAN_BYTES` at a time (each unmapped
    when the next is given: nothing made of one may outlive it)."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        for offset in range(0, size, _SCAN_BYTES):
            with mmap.mmap(handle.fileno(), min(_SCAN_BYTES, size - offset), access=mmap.ACCESS_READ,
                           offset=offset) as window:
                yield window


def needs_exact_reader(path: Path, rows: int, one_column: bool, quoted: bool) -> bool:
    """Whether the fast reader's ``rows`` rows may not be the file's rows as the exact reader reads
    them, so that only the exact one can say what each row is (see :func:`_fast_read`).

    A quoted file or a one-column file may hold blank lines or line breaks inside values (its
    line breaks do not number its rows); a quoted file may leave a quote open on its last line,
    which Arrow closes at the end of the file without a word (every other line holds one value's
    line break and fails the count). Each is one look at the file's bytes.
    """
    if not (one_column or quoted):
        return False
    if _has_blank_lines(path, rows):
        return True
    if quoted and path.stat().st_size:
        with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return last_line_leaves_quote_open(data)
    return False


def _has_blank_lines(path: Path, rows: int) -> bool:
    """Whether the file may hold an empty line before its end (the fast reader skips those, which
    would shift the row numbers in messages; the exact reader counts them).

    A file whose line breaks (trailing ones aside) number exactly its data rows has neither
    blank lines nor line breaks inside quoted values; anything else goes to the exact reader.
    """
    size = path.stat().st_size
    if size == 0:
        return False
    breaks = sum(int(np.count_nonzero(np.frombuffer(window, dtype=np.uint8) == 10)) for window in _scanned(path))
    with open(path, "rb") as handle:
        return breaks - _trailing_line_feeds(handle, size) != rows


def _trailing_line_feeds(handle, size: int) -> int:
    """How many line feeds the run of line breaks (``\\r`` and ``\\n``) ending the file holds."""
    feeds, end = 0, size
    while end:
        start = max(0, end - 65536)
        handle.seek(start)
        block = handle.read(end - start)
        kept = block.rstrip(b"\r\n")
        feeds += block.count(b"\n", len(kept))
        if kept:
            break
        end = start
    return feeds


def _shown_header(header: list[str]) -> str:
    """The header as a message quotes it: at most 300 characters, and a note when it is not text
    (bytes that are neither UTF-8 characters nor printable: a binary file under a .csv name)."""
    has = ", ".join(header)
    unreadable = sum(1 for ch in has if ch == "\ufffd" or (ch < " " and ch not in "\t"))
    shown = "".join("?" if ch == "\ufffd" or ch < " " else ch for ch in has)
    shown = shown if len(shown) <= 300 else shown[:300] + " ..."
    if unreadable * 10 > len(has):
        return f"{shown}; most of it is not text: is the file a CSV file?"
    return shown


#: Control characters (a NUL, a bell, a line break inside a quoted name): no column's name holds one, and
#: carried into a written header they make a file another program misreads.
_CONTROL = re.compile(CONTROL_CHARACTERS)


def _file_header(path: Path, label: str) -> tuple[list[str], list[str]]:
    """The first record of the file: its names unguarded and stripped of control characters and
    surrounding spaces, blank ones named ``unnamed_N``, and names starting with ``_`` given one more
    (see :data:`RESERVED_PREFIX`); and the record as the file has it, for messages to quote."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise InputError(f"{label}: the file is empty (expected a header row)")
    kind = not_csv_text(head)
    if kind:
        raise InputError(f"{label}: {kind}, not CSV text; expected a CSV file in UTF-8 with a header row. Save it "
                         "from the spreadsheet as \"CSV UTF-8\" (an office's claims and payments can also go "
                         "through `recoup import`, which reads workbooks and UTF-16 text)")
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        try:
            record = next(csv.reader(handle), [])
        except csv.Error as exc:
            raise InputError(f"{label}, row 1 (the header): not readable as CSV ({exc})") from None
    header = []
    for i, name in enumerate(record):
        name = _CONTROL.sub("", unguard_text(name)).strip() or f"unnamed_{i + 1}"
        header.append(RESERVED_PREFIX + name if name.startswith(RESERVED_PREFIX) else name)
    return header, record


def canonical_header(header: list[str], spec: FileSpec | None, label: str,
                      record: list[str] | None = None) -> list[str]:
    """``header`` with the contract's names in their own case; raises on a name twice or a required
    column missing (quoting ``record``, the header as the file has it, when given: a binary file's
    says so)."""
    wanted = {c.name.lower(): c.name for c in spec.columns} if spec is not None else {}
    renamed = [wanted.get(h.lower(), h) for h in header]
    seen: set[str] = set()
    for i, h in enumerate(renamed):
        if h in seen:
            raise InputError(f"{label}: column '{h}' appears twice in the header")
        seen.add(h)
    if spec is None:
        return renamed
    missing = [c.name for c in spec.columns if c.required and c.name not in seen]
    if missing:
        quoted = ", ".join(f"'{m}'" for m in missing)
        given = header if record is None else record
        raise InputError(
            f"{label}: missing required column{'s' if len(missing) > 1 else ''} {quoted} "
            f"(the header has: {_shown_header(given)}){_other_separator(given, missing)}"
        )
    return renamed


def _other_separator(record: list[str], missing: list[str]) -> str:
    """What to do when the header is one field that another separator splits into the missing columns:
    a spreadsheet set for a European locale saves "CSV" with semicolons; "Text" is tab-separated."""
    if len(record) != 1:
        return ""
    for separator, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
        names = {part.strip().lower() for part in record[0].split(separator)}
        if len(names) > 1 and all(m.lower() in names for m in missing):
            return f"; its columns are separated by {name}, not commas: save it again as comma-separated CSV"
    return ""


def read_table(path: str | Path, name: str | None = None, spec: FileSpec | None = None,
               skip_blank_rows: bool = False) -> ParsedTable:
    """Read and parse one file against its contract.

    ``spec`` gives the contract directly; else ``name`` (default: the file's
    own name, e.g. ``claim_lines.csv``) selects one of :data:`SPECS`. A file
    with no contract (``patients.csv``, ``providers.csv`` of a generated
    practice) is read as text, every column kept. Malformed rows are added to
    the set-aside rows. With ``skip_blank_rows`` (the audit folder's files), a
    row blank in every cell is skipped (:func:`without_blank_rows`) and counted in
    ``blank_rows``, not set aside as a row of blank values.
    """
    path = Path(path)
    spec = spec or SPECS.get(name or path.name) or FileSpec(name or path.name, ())
    label = path.name

    def parsed_from(raw, rows, broken):
        blank = 0
        if skip_blank_rows:
            raw, rows, broken, blank = without_blank_rows(raw, rows, broken)
        parsed = parse_table(raw, spec, label=label, row_numbers=rows)
        parsed.blank_rows = blank
        return parsed, broken, raw

    parsed, broken, raw = parsed_from(*_read_csv(path, spec, label, typed=True))
    if len(parsed.rejected) and any(not isinstance(t, pd.StringDtype) for t in raw.dtypes):
        # Rows set aside are kept exactly as written, so a file with any takes the text path.
        parsed, broken, raw = parsed_from(*read_csv_text(path, spec, label))
    return with_broken_rows(parsed, broken, label)


def broken_problems(broken: pd.DataFrame, label: str, value: str = "_got") -> list[Problem]:
    """Malformed rows (see :func:`broken_frame`) as problems, the value shown taken from column ``value``."""
    return [Problem(label, int(r), column, str(v), expected)
            for r, v, expected, column in zip(broken["_row"], broken[value], broken["_expected"], broken["_column"])]


def broken_set_aside(broken: pd.DataFrame) -> pd.DataFrame:
    """Malformed rows (see :func:`broken_frame`) as rows set aside: ``_file``, ``_row``, ``_reason``, ``_raw_text``."""
    extra = broken[["_file", "_row", "_reason", "_text"]].rename(columns={"_text": "_raw_text"})
    return extra.astype({"_row": "int64"})


def with_broken_rows(parsed: ParsedTable, broken: pd.DataFrame, label: str) -> ParsedTable:
    """Add malformed rows (see :func:`broken_frame`) to a parsed file's problems and rows set aside."""
    if len(broken):
        extra = broken_set_aside(broken)
        if len(parsed.rejected):
            parsed.rejected = pd.concat([parsed.rejected, extra], ignore_index=True).astype({"_row": "int64"})
        else:
            parsed.rejected = extra.reset_index(drop=True)
        parsed.problems = sorted(parsed.problems + broken_problems(broken, label), key=lambda p: p.row)
        parsed.rows_read += len(broken)
    return parsed
