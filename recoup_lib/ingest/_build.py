"""From an export's columns to the contract's columns, row by row, with reasons.

:func:`build_export` takes an export as read (:class:`._tables.RawExport`)
and the mapping chosen for it (:class:`._fields.Proposal`) and returns the
rows in contract form, ready for the contract check of
:func:`recoup_lib.schema.parse_table`, together with every row set aside and
why. Rows are judged before their values:

- a row with nothing in it is not a row (ignored, counted as blank);
- a row repeating the header (page breaks in a printed report) is set aside;
- a row whose first filled cell says TOTAL, SUBTOTAL or GRAND TOTAL and has
  no claim of its own is a total row;
- a row with most required columns blank is a heading or a note, and below
  the last data row, a footer; one holding a page's number (``Page 1 of 2``)
  is a page header or footer, wherever it stands.

Then each value is read (:mod:`._values`); a value that cannot be read sets
its row aside with the column's header, what was expected and what was found.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import equal_lowered
from ..errors import WHOLE_ROW, Problem
from ..money import MAX_TOTAL_CENTS
from ..schema import ZEROS_DROPPED, FileSpec, leading_zero_twins, npi_shapes
from ..totalrows import TOTAL_PATTERN, first_filled_cells, total_rows
from . import _values as V
from ._calendar import EXCEL_DAY_ZERO, date_text, read_dates
from ._claims_stand_ins import (LEFT_OUT, LINE_NO_NOTE, NOTE_PRESENT_NOTE, SUBMITTED_NOTE, left_out,
                                numbered_in_order)
from ._diagnoses import dotted_diagnoses, each_code_once
from ._distinct import by_distinct_value, distinct_values
from ._fields import GROUP_FIELDS, LINE_FINDERS, Proposal, headers_of, normalise_header
from ._header_rows import PAGE_MARK, PAGE_MARK_REASON
from ._tables import RawExport

__all__ = ["Built", "build_export", "required_fields", "equal_lowered", "total_rows", "TOTAL_PATTERN"]



#: Codes written in capitals (a procedure code ``g0439`` is G0439), whatever case an export has.
_CAPITAL_CODES = {"procedure_code", "modifiers", "diagnosis_codes", "documented_code"}
#: How each kind of contract column is read from an export, and what a reader is told it expects.
_CONVERT = {"bool": (V.to_flags, V.EXPECTED["bool"]), "int": (V.to_whole, V.EXPECTED["int"])}
#: Money is handed to the contract check as cents while the sum of its magnitudes stays this far
#: under what the check lets a file total (it then has nothing left to judge).
_TYPED_MONEY_TOTAL = MAX_TOTAL_CENTS * 0.99


def required_fields(spec: FileSpec, kind: str | None = None) -> list[str]:
    """Fields an export must supply: the contract's required columns that may not be blank, bar those
    an export of ``kind`` may leave out (a claims export's line numbers and submitted date, a
    documentation export's note_present: :mod:`._claims_stand_ins`)."""
    optional = set(LEFT_OUT.get(kind, ()))
    return [c.name for c in spec.columns if c.required and not c.nullable and c.name not in optional]


@dataclass
class Built:
    """One source in contract form.

    Attributes
    ----------
    frame : pandas.DataFrame
        Rows kept, contract columns as text (plus extra columns as read).
    rows : numpy.ndarray
        Spreadsheet row (or 837 segment) number of each kept row.
    aside : pandas.DataFrame
        Rows set aside: ``_row``, ``_reason`` and the row's cells as read
        (``_text`` for rows read as a whole line).
    problems : list of Problem
        One per bad value (and per row judged as a whole).
    header_of : dict
        field -> the header it came from (for messages).
    blank_rows : int
    typed : tuple of str
        Columns in ``frame`` already read: dates (``datetime64``, NaT where blank) and money
        (``Int64`` cents, missing where blank); the others are text.
    notes : list of str
        What was read in a way the user should know of (optional cells saying ``N/A`` read as blank).
    cells_as_read : callable, optional
        ``cells_as_read(positions)``: the cells of the kept rows at ``positions`` (in that order) as the
        export held them, for rows the contract check sets aside afterwards; None when the source
        has no cells (an 837).
    line_counts : pandas.Series, optional
        Per claim, how many lines a claims export without line numbers lists (its lines numbered in
        order: :mod:`._claims_stand_ins`); None when the source numbers them.
    finders : dict
        The headers of the fields that find a payment's line, as its mapping found them
        (:attr:`._fields.Proposal.finders`): a report with line numbers reads them for its rows
        whose number is blank (:mod:`._placing`).
    """

    frame: pd.DataFrame
    rows: np.ndarray
    aside: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    header_of: dict[str, str] = field(default_factory=dict)
    blank_rows: int = 0
    typed: tuple = ()
    notes: list[str] = field(default_factory=list)
    cells_as_read: Callable[[np.ndarray], pd.DataFrame] | None = None
    line_counts: pd.Series | None = None
    finders: dict = field(default_factory=dict)


def text_frame(columns: dict, mask: np.ndarray | None = None) -> pd.DataFrame:
    """Arrow text columns as a pandas frame of Arrow-backed strings (rows where ``mask``);
    numpy and pandas arrays (dates and cents already read) are taken as they are, not copied (the
    frame is made from all the columns at once, where inserting them one by one copied each)."""
    if not columns:
        return pd.DataFrame(index=pd.RangeIndex(0 if mask is None else int(mask.sum())))
    if mask is not None and mask.all():
        mask = None
    run = _one_run(mask)
    texts = {k: v for k, v in columns.items() if not isinstance(v, (np.ndarray, pd.api.extensions.ExtensionArray))}
    table = pa.table(texts)
    if run is not None:
        table = table.slice(run.start, run.stop - run.start)    # rows kept in one run: no copy
    elif mask is not None:
        table = table.filter(pa.array(mask))
    # Large strings are what pandas keeps, so it has nothing to convert.
    table = table.cast(pa.schema([(k, pa.large_string()) for k in table.column_names]))
    arrays = {k: pd.arrays.ArrowStringArray(table.column(k)) if k in texts else
              v if mask is None else v[run] if run is not None else v[mask] for k, v in columns.items()}
    return pd.DataFrame(arrays, copy=False)


def _one_run(mask: np.ndarray | None) -> slice | None:
    """The rows ``mask`` keeps as one slice when they follow each other (an export's data rows between
    its title and its TOTAL row); else None."""
    if mask is None:
        return None
    kept = np.flatnonzero(mask)
    if not len(kept) or kept[-1] - kept[0] + 1 != len(kept):
        return None
    return slice(int(kept[0]), int(kept[-1]) + 1)


def _cells_frame(raw: RawExport, mask: np.ndarray) -> pd.DataFrame:
    return text_frame({h: raw.columns[h] for h in raw.headers}, mask)


def _kept_total_below(money: V.Money, keep: np.ndarray) -> bool:
    """Whether the magnitudes of the kept amounts sum to under :data:`_TYPED_MONEY_TOTAL`. The
    largest magnitude (of the distinct values, when the column was read on them) times the rows
    kept answers first when it is under half of that; the sum is taken only when it is not."""
    cents = money.each[0].cents if money.each is not None else money.cents
    largest = float(np.abs(cents).max()) if len(cents) else 0.0
    if largest * float(np.count_nonzero(keep)) < _TYPED_MONEY_TOTAL / 2:
        return True
    return np.abs(money.cents[keep].astype(np.float64)).sum() < _TYPED_MONEY_TOTAL


#: Why a total row is set aside, by the kind of export it closes.
_TOTAL_REASON = {"claims": "a total row, not a claim line", "payments": "a total row, not a payment",
                 "coverage": "a total row, not a coverage span", "documentation": "a total row, not a line's note"}


def _page_marks(cells: dict[str, pa.Array], headers: list[str], rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` (rows that are no data row) hold a page's number in a cell
    (:data:`._header_rows.PAGE_MARK`)."""
    found = np.zeros(len(rows), dtype=bool)
    if not len(rows):
        return found
    taken = pa.array(rows)
    for h in headers:
        found |= np.asarray(pc.match_substring_regex(cells[h].take(taken), PAGE_MARK))
    return found


def build_export(raw: RawExport, spec: FileSpec, proposal: Proposal, fill_down=(),
                 checked_by: FileSpec | None = None) -> Built:
    """Turn an export's rows into contract rows; set aside what cannot be used (see module doc).

    ``fill_down``: fields a grouped report prints only on the first row of each group (a claim's
    number on its first line), filled into the rows below (:func:`_fill_down`). ``checked_by``: the
    contract the rows are checked against once built, when it lets a field of ``spec`` be blank (a
    line number, the row then placed by its claim and CPT code): a row is not judged a heading or a
    footer for such a cell blank (:func:`_data_like`).
    """
    n = len(raw)
    cells = {h: V.text(raw.columns[h]) for h in raw.headers}
    used = proposal.used_headers()
    filled = {h: np.asarray(pc.not_equal(cells[h], "")) for h in raw.headers}
    any_filled = np.zeros(n, dtype=bool)
    for h in raw.headers:
        any_filled |= filled[h]
    key_field = "claim_id" if "claim_id" in proposal.columns else "patient_id"
    key_header = headers_of(proposal.columns[key_field])[0] if key_field in proposal.columns else raw.headers[0]
    keyed = filled[key_header] | ~any_filled
    first = first_filled_cells(cells, raw.headers, key_header, keyed)
    total = total_rows(first, whole_cell=~keyed)
    notes: list[str] = []
    grouped = {f: headers_of(proposal.columns[f])[0] for f in fill_down if f in proposal.columns}
    others = np.zeros(n, dtype=bool)
    for h in used - set(grouped.values()):
        others |= filled[h]
    others &= ~total  # a total row is not a line to fill (and a line filled is no total row)
    for name, h in grouped.items():
        cells[h], count = _fill_down(cells[h], h, others)
        filled[h] = np.asarray(pc.not_equal(cells[h], ""))
        if count:
            notes.append(f"{_where(h, name)}: {count:,} blank cell(s) filled from the row above (fill-down)")
    required = required_fields(spec)
    datalike = _data_like(required, _blank_allowed(required, checked_by), proposal, filled, n)
    repeated = np.zeros(n, dtype=bool)
    if used:
        ordered = sorted(used)
        repeated = equal_lowered(cells[ordered[0]], ordered[0].strip().lower())
        for h in ordered[1:]:
            if not repeated.any():
                break
            repeated &= equal_lowered(cells[h], h.strip().lower())
    good_rows = np.flatnonzero(datalike & ~total & ~repeated & any_filled)
    last_data = int(good_rows[-1]) if len(good_rows) else -1
    below = np.arange(n) > last_data
    verdict = np.zeros(n, dtype=np.int8)
    verdict[~datalike & ~below] = 1
    verdict[~datalike & below] = 2
    verdict[total] = 3
    verdict[repeated] = 4
    verdict[~any_filled] = 0
    loose = np.flatnonzero((verdict == 1) | (verdict == 2))
    verdict[loose[_page_marks(cells, raw.headers, loose)]] = 5
    verdicts = ["", "not a data row: most required columns are blank (a heading or a note)",
                "text below the data (a footer or total row)",
                _TOTAL_REASON.get(proposal.kind, "a total row"),
                "the header repeated (a page break in the report)",
                PAGE_MARK_REASON]
    judged = verdict > 0
    judged_idx = np.flatnonzero(judged)
    first_of = first.take(pa.array(judged_idx)).to_pylist()
    problems = [Problem(raw.label, int(r), WHOLE_ROW, str(f)[:60], verdicts[verdict[i]])
                for i, r, f in zip(judged_idx, raw.rows[judged], first_of)]
    value_reasons: dict[int, str] = {}

    out: dict[str, pa.Array | np.ndarray] = {}
    dates: dict[str, tuple] = {}
    moneys: dict[str, V.Money] = {}
    header_of: dict[str, str] = {}
    alive = any_filled & ~judged
    notes += _fill_down_hints(proposal, required, filled, grouped, any_filled & ~total & ~repeated)
    extra_modifiers = None
    for column in spec.columns:
        name = column.name
        if name not in proposal.columns:
            continue
        headers = headers_of(proposal.columns[name])
        header_of[name] = " + ".join(headers)
        given = {h: _without_no_value(cells[h], h, column, notes) if column.nullable else cells[h]
                 for h in headers}
        if column.kind in ("id", "code") or name == "modifiers":
            given = {h: V.whole_code(c) for h, c in given.items()}
        if column.kind == "codes":
            out[name] = _code_lists([given[h] for h in headers], name)
            continue
        values = given[headers[0]]
        if column.kind in ("id", "code"):
            values = V.as_code(values, name in _CAPITAL_CODES)
            scientific = V.excel_scientific(values)
        bad = None
        if column.kind == "date":
            expected = V.EXPECTED["date"]
            dates[name] = read_dates(values, raw.info.get("date_epoch"))
            _, _, ok, blank, _ = dates[name]
            bad = ~ok & ~blank
        elif column.kind == "money":
            expected = V.EXPECTED["money"]
            moneys[name] = V.read_money(values)
            bad = moneys[name].bad
        elif column.kind in _CONVERT:
            convert, expected = _CONVERT[column.kind]
            values, bad = convert(values)
        elif name == "place_of_service":
            values = V.to_place_of_service(values)
        elif name == "procedure_code":
            values, extra_modifiers = V.split_code_modifiers(values)
            values, padded = V.five_digit_codes(values)
            if padded:
                notes.append(f"{_where(headers[0], name)}: {padded:,} code(s) of fewer than five digits read with "
                             "the zeros Excel dropped put back (840 -> 00840)")
        if column.kind in ("id", "code"):
            bad, expected = scientific, V.EXPECTED["id"]
        if column.kind == "id":
            twins, pair = leading_zero_twins(values)
            if twins:
                notes.append(f"{_where(headers[0], name)}: {twins:,} id(s) written both with and without leading "
                             f"zeros ({pair[0]!r} and {pair[1]!r}), read as different ones: {ZEROS_DROPPED}; "
                             "if they are the same, correct the export")
        if name == "rendering_npi":
            notes += _npi_notes(values, alive, headers[0])
        if bad is not None and (bad & alive).any():
            bad_idx = np.flatnonzero(bad & alive)
            found = cells[headers[0]].take(pa.array(bad_idx)).to_pylist()
            where = f"'{headers[0]}' ({name})" if headers[0] != name else f"'{name}'"
            problems += [Problem(raw.label, int(r), headers[0], str(v), expected)
                         for r, v in zip(raw.rows[bad_idx], found)]
            for i, v in zip(bad_idx.tolist(), found):
                text = f"column {where}: expected {expected}; got {v!r}"
                value_reasons[i] = value_reasons[i] + "; " + text if i in value_reasons else text
        out[name] = values
    notes += _day_zero_note(raw.info.get("date_epoch"), dates, header_of, alive)
    line_counts = None
    stand_ins = left_out(proposal.kind, proposal.columns)
    if "line_no" in stand_ins and "claim_id" in out:
        out["line_no"], line_counts = numbered_in_order(out["claim_id"], alive)
        notes.append(LINE_NO_NOTE)
    if "submitted_date" in stand_ins and "service_date" in dates:
        dates["submitted_date"] = dates["service_date"]
        header_of["submitted_date"] = header_of["service_date"]
        notes.append(SUBMITTED_NOTE)
    if "note_present" in stand_ins:
        out["note_present"] = pa.array(np.full(n, "true", dtype=object), pa.string())
        notes.append(NOTE_PRESENT_NOTE)
    if extra_modifiers is not None and pc.any(pc.not_equal(extra_modifiers, "")).as_py():
        base = out.get("modifiers", pa.array([""] * n, pa.string()))
        out["modifiers"] = V.join_lists([extra_modifiers, base])
    set_aside = judged.copy()
    set_aside[list(value_reasons)] = True
    keep = alive & ~set_aside
    keep_idx = np.flatnonzero(keep)
    typed = []
    for column in spec.columns:
        if column.name in dates:
            arr, days, ok, blank, _ = dates[column.name]
            if column.nullable or not (blank & keep).any():
                # Every kept date was read: the contract check takes them typed, as the folder reader gives them.
                out[column.name] = np.where(ok, days, np.datetime64("NaT")).astype("datetime64[us]")
                typed.append(column.name)
            else:
                out[column.name] = date_text(arr, days, ok)
        elif column.name in moneys:
            money = moneys[column.name]
            if (column.nullable or not (money.blank & keep).any()) and _kept_total_below(money, keep):
                # Kept amounts are all read: the contract check takes them as cents (blank: missing).
                out[column.name] = pd.array(money.cents, dtype="Int64")
                out[column.name][money.blank] = pd.NA
                typed.append(column.name)
            else:
                out[column.name] = V.money_text(money)
    # The columns that find a payment's line are kept as read too: the line found is all the folder keeps
    # of them, so their headers are free to keep beside them.
    finder_fields = LINE_FINDERS.get(proposal.kind, ())
    finders = {h for f in finder_fields if f in proposal.columns for h in headers_of(proposal.columns[f])}
    contract_lower = {c.name.lower() for c in spec.columns if c.name not in finder_fields}
    columns = dict(out)
    for h in raw.headers:
        if h in used and h not in finders:
            continue
        taken = h.lower() in contract_lower or h in out or h.startswith("_")
        label = f"{h.lstrip('_')} (export)" if taken else h
        columns[label] = cells[h]
    frame = text_frame(columns, keep)
    aside_idx = np.flatnonzero(set_aside)
    aside = _cells_frame(raw, set_aside)
    aside.insert(0, "_reason", [value_reasons[i] if i in value_reasons else verdicts[verdict[i]]
                                for i in aside_idx.tolist()])
    aside.insert(0, "_row", raw.rows[aside_idx])
    if raw.set_aside:
        early = pd.DataFrame([entry[:3] for entry in raw.set_aside], columns=["_row", "_reason", "_text"])
        problems = [Problem(raw.label, int(r), (*rest, WHOLE_ROW)[0], str(t)[:60], str(why))
                    for r, why, t, *rest in raw.set_aside] + problems
        aside = pd.concat([early, aside], ignore_index=True)
    aside = aside.sort_values("_row", kind="stable").reset_index(drop=True)
    problems.sort(key=lambda p: p.row)
    return Built(frame, raw.rows[keep_idx], aside, problems, header_of, int((~any_filled).sum()), tuple(typed),
                 notes, functools.partial(_kept_cells, raw, keep_idx), line_counts, dict(proposal.finders))


def _code_lists(columns: list[pa.Array], name: str) -> pa.Array:
    """A list field's column(s) as ``;``-joined codes (:func:`._values.join_lists`), without the marks
    that keep them text (:func:`._values.as_code`), diagnoses with their points and each code once.

    Each step reads a value alone, so a column that repeats itself goes through all of them on its
    distinct values, encoded once (each step encoding its own input again took three encodings).
    """
    def read(lists: pa.Array) -> pa.Array:
        codes = V.as_code(lists, name in _CAPITAL_CODES, listed=True)
        return each_code_once(dotted_diagnoses(codes)) if name == "diagnosis_codes" else codes

    if len(columns) == 1:
        return by_distinct_value(V.text(columns[0]), lambda values: read(V.join_lists([values])))
    return by_distinct_value(V.join_lists(columns), read)


def _blank_allowed(required: list[str], checked_by: FileSpec | None) -> set[str]:
    """Fields of ``required`` (the fields the export's contract requires, :func:`required_fields`)
    that the contract check ``checked_by`` lets be blank."""
    if checked_by is None:
        return set()
    return {c.name for c in checked_by.columns if c.nullable} & set(required)


def _data_like(required: list[str], blank_allowed: set[str], proposal: Proposal, filled: dict[str, np.ndarray],
               n: int) -> np.ndarray:
    """Which rows have most of the required fields the export maps filled: the rows that are data.

    A field a stand-in fills (a documentation export's note_present) has no header and is not counted;
    one of ``blank_allowed`` is counted on a row only where its cell is filled, so a note with its line
    number blank (placed afterwards) is judged by its other required cells, not taken for a heading
    or a footer.
    """
    count = np.zeros(n, dtype=np.int16)      # a few fields per row: narrow counts are added several times faster
    counted = np.zeros(n, dtype=np.int16)
    for name in required:
        if name not in proposal.columns:
            continue
        cells = filled[headers_of(proposal.columns[name])[0]]
        count += cells
        counted += cells if name in blank_allowed else 1
    return count * 2 > np.maximum(counted, 1)


def _kept_cells(raw: RawExport, keep_idx: np.ndarray, positions: np.ndarray) -> pd.DataFrame:
    """The cells, as the export held them, of the kept rows at ``positions``, in that order (see :class:`Built`)."""
    taken = pa.array(keep_idx[positions])
    return text_frame({h: raw.columns[h].take(taken) for h in raw.headers})


def _without_no_value(cells: pa.Array, header: str, column, notes: list[str]) -> pa.Array:
    """An optional column's cells with the words exports write for "no value" (``N/A``, ``NULL``,
    ``None``: :data:`._values.NO_VALUE`) made blank, as the contract writes a missing value; a note
    counts them. Left as they are, ``N/A`` would be set aside as a bad date or amount, or read as
    the modifiers ``N`` and ``A``."""
    missing = V.no_value(cells, money=column.kind == "money")
    if not missing.any():
        return cells
    words = sorted(set(cells.filter(pa.array(missing)).to_pylist()))
    notes.append(f"{_where(header, column.name)}: {int(missing.sum()):,} cell(s) holding "
                 f"{', '.join(map(repr, words[:4]))} read as blank (no value)")
    return pc.if_else(pa.array(missing), pa.scalar("", pa.string()), cells)


def _day_zero_note(epoch: str | None, dates: dict[str, tuple], header_of: dict[str, str],
                   rows: np.ndarray) -> list[str]:
    """The note saying a workbook's serial numbers were counted from its own day zero ``epoch`` (its
    reader's ``date_epoch``), given only when some date of ``rows`` was written as one: the day zero
    changes no other date, and a note about none would send a user looking for them."""
    counts = {name: int((read[4] & rows).sum()) for name, read in dates.items()} if epoch else {}
    columns = [_where(header_of[name], name) for name, count in counts.items() if count]
    if not columns:
        return []
    return [f"the workbook counts its dates from {epoch}, not {EXCEL_DAY_ZERO} (as Mac Excel's 1904 date system "
            f"does): {sum(counts.values()):,} date(s) written as serial numbers, in {', '.join(columns)}, "
            "are read so"]


def _npi_notes(values: pa.Array, alive: np.ndarray, header: str) -> list[str]:
    """What the import says of rendering_npi values that are no NPI: not ten digits (a provider's name,
    an office's own number), or ten digits failing the NPI's check digit. Both are kept: the audit
    uses the value as the provider's identity. A column that repeats itself (a few hundred providers on
    a million lines) is looked at on its distinct values (:mod:`._distinct`)."""
    each = distinct_values(values)
    if each is None:
        not_ten, bad_check = npi_shapes(values)
    else:
        distinct, index = each
        not_ten, bad_check = (shape[index] for shape in npi_shapes(distinct))
    notes = []
    for found, (one, many) in (
            (not_ten & alive, ("is no NPI (10 digits): e.g. {}; it is used as the provider's name-as-identifier",
                               "are not NPIs (10 digits): e.g. {}; they are used as the provider's "
                               "name-as-identifier")),
            (bad_check & alive, ("has 10 digits but fails the NPI check digit (Luhn, prefix 80840): e.g. {}; it is "
                                 "kept as the provider's identity; check it against the NPI registry (NPPES)",
                                 "have 10 digits but fail the NPI check digit (Luhn, prefix 80840): e.g. {}; they "
                                 "are kept as the provider's identity; check them against the NPI registry (NPPES)"))):
        count = int(found.sum())
        if count:
            first = values[int(np.flatnonzero(found)[0])].as_py()
            said = (one if count == 1 else many).format(repr(first))
            notes.append(f"rendering_npi: {count:,} value{'s' if count > 1 else ''} of '{header}' {said}")
    return notes


def _where(header: str, name: str) -> str:
    return f"'{header}' ({name})" if header != name else f"'{header}'"


def _fill_down(values: pa.Array, header: str, others: np.ndarray) -> tuple[pa.Array, int]:
    """A column with each blank cell of a row holding other values filled from the nearest row above
    that has one; (the column, how many cells were filled).

    A total label (``TOTAL``) or the header repeated is never copied down, and a row blank but for
    the filled columns (a spacer) stays blank.
    """
    blank = np.asarray(pc.equal(values, ""))
    source = ~blank & ~total_rows(values) & ~equal_lowered(values, header.strip().lower())
    rows = np.arange(len(values))
    above = np.maximum.accumulate(np.where(source, rows, -1))
    take = blank & others & (above >= 0)
    if not take.any():
        return values, 0
    rows[take] = above[take]
    return values.take(pa.array(rows)), int(take.sum())


def _fill_down_hints(proposal: Proposal, required: list[str], filled: dict[str, np.ndarray],
                     grouped: dict, rows: np.ndarray) -> list[str]:
    """A note naming the required group fields (:data:`GROUP_FIELDS`) blank on line rows (rows
    holding every other required value) right below a row that has them: the shape of a report
    printing them on a group's first row only, which ``--fill-down`` reads."""
    fields = {f: headers_of(proposal.columns[f])[0] for f in required if f in proposal.columns}
    group = {f: h for f, h in fields.items() if f in GROUP_FIELDS and f not in grouped}
    line_like = rows.copy()
    for f, h in fields.items():
        if f not in GROUP_FIELDS:
            line_like &= filled[h]
    blank_below = [f for f, h in group.items() if (line_like[1:] & ~filled[h][1:] & filled[h][:-1]).any()]
    if not blank_below:
        return []
    count = int((line_like & ~np.logical_and.reduce([filled[group[f]] for f in blank_below])).sum())
    return [f"{', '.join(_where(group[f], f) for f in blank_below)} blank on {count:,} line row(s), below rows "
            "that have them: if the report prints them only on the first row of each group, import again "
            "with " + " ".join(f"--fill-down {f}" for f in blank_below)]


def rename_reason(reason: str, header_of: dict[str, str], x12: bool = False) -> str:
    """``column 'units': ...`` (the contract's name) -> ``column 'Qty' (units): ...``; from an 837
    (``x12``, ``header_of`` giving the elements), ``element SV104/SV205 (units): ...``."""
    def swap(match: re.Match) -> str:
        name = match.group(1)
        header = header_of.get(name)
        if header and x12:
            return f"element {header} ({name})"
        return f"column '{header}' ({name})" if header and header != name else match.group(0)
    return re.sub(r"column '([a-z_]+)'", swap, reason)


def same_header(a: str, b: str) -> bool:
    return a == b or normalise_header(a) == normalise_header(b)
