"""The audit context: claim lines with what was paid, and the tables rules read.

Rules receive one :class:`AuditContext`. Its ``lines`` table has one row per
usable claim line, in the order read, with these derived columns added to the
contract's claim-line columns:

========================  ======================================================
``paid_cents``            sum of ``paid`` over the line's payments (reversals
                          included); 0 when the line has no payment
``allowed_cents``         sum of ``allowed`` over the line's payments
``n_payments``            number of payment rows posted to the line
``modifier_key``          the set of modifiers, sorted and ``;``-joined
``has_repeat_modifier``   the line carries 76, 77 or 91
``has_bypass_modifier``   the line carries an NCCI-associated modifier (``BYPASS_MODIFIERS``)
``_claim`` ``_patient``   integer keys (claim_id in sorted order, patient,
``_payer`` ``_npi``       payer, rendering provider, procedure code, set of
``_code`` ``_mods``       modifiers) so rules group and join a million lines
                          on numbers instead of text
========================  ======================================================

:meth:`AuditContext.key` maps the same identifiers found in any other table
(coverage, fee schedule, NCCI pairs, MUEs, policies, notes) to these numbers,
so a value unknown to the claim lines maps to -1 and never matches.

Rules must not modify ``ctx.lines`` or any table (copy-on-write makes
accidental writes harmless, and a registry test checks it).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import one_array
from ..schema import ClaimKeys, claim_keys, line_key
from ._modifiers import _modifier_columns, has_any_modifier, modifier_key

__all__ = ["AuditContext", "build_context", "modifier_key", "has_any_modifier"]


#: Days are packed under a group number: year 1 to 9999 fits in 2**23 days around 1970.
_DAY_SPAN = 2**23
_DAY_ZERO = 2**22
_OPEN_END = _DAY_SPAN


def _pair_keys(payer: np.ndarray, code: np.ndarray, width: int) -> np.ndarray:
    """One integer per (payer, code) pair of integer keys (-1 where either is -1): ``payer``, a new array
    of the caller's, is worked in place."""
    unknown = (payer < 0) | (code < 0)
    payer *= width
    payer += code
    payer[unknown] = -1
    return payer


def _days(dates, missing: int = -1) -> np.ndarray:
    """Dates as whole days, shifted to be >= 0 (``missing`` where there is no date)."""
    values = np.asarray(dates).astype("datetime64[D]")  # a new array, worked in place
    missing_at = np.isnat(values)
    days = values.view(np.int64)
    days += _DAY_ZERO
    days[missing_at] = missing
    return days


#: The most (payer, code) pairs a fee schedule is looked up by in a direct table (else by binary search).
_FEE_TABLE_LIMIT = 1 << 22
#: The most rows of one (payer, code) pair scanned one by one (else found by binary search).
_FEE_ROWS_SCANNED = 8


def _latest_effective(index: dict, group: np.ndarray, known: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Row of the fee schedule (in ``index``'s order) of each pair's latest row effective on or before
    ``day`` (ties: the last in file order), -1 where none: the group's few rows scanned in date order."""
    found = np.full(len(group), -1, dtype=np.int64)
    group = np.where(known, group, -1)
    listed = group >= 0
    first = np.where(listed, index["first"][np.maximum(group, 0)], 0)
    count = np.where(listed, index["count"][np.maximum(group, 0)], 0)
    effective = index["packed"] % _DAY_SPAN
    for k in range(int(count.max()) if len(count) else 0):
        row = first + k
        found = np.where((k < count) & (effective[np.minimum(row, len(effective) - 1)] <= day), row, found)
    return found


#: The most (pair, day) cells of the table :func:`_days_table` makes (else rows are scanned per line).
_FEE_DAYS_LIMIT = 1 << 21
#: The most cells of that table per claim line looked up: a smaller audit scans the rows instead,
#: since making the table would cost more than the look-ups it saves.
_FEE_DAYS_PER_LINE = 2


def _days_table(packed: np.ndarray, groups: int, lines: int) -> dict:
    """The fee schedule's row in effect for each (payer, code) group on each day from its first effective
    date to its last, as :func:`_latest_effective` finds it (-1 before a group's first row), so a line's
    row is one look-up; ``{}`` when that table would exceed :data:`_FEE_DAYS_LIMIT` cells or
    :data:`_FEE_DAYS_PER_LINE` cells per line of the audit (``lines``).

    Column 0 stands for every day before the first date, the last column for every day from the last.
    """
    days = packed % _DAY_SPAN
    if not len(days):
        return {}
    low, high = int(days.min()), int(days.max())
    width = high - low + 2
    if groups * width > min(_FEE_DAYS_LIMIT, _FEE_DAYS_PER_LINE * lines):
        return {}
    cell = np.arange(groups * width, dtype=np.int64)
    group, day = cell // width, low - 1 + cell % width
    row = np.searchsorted(packed, group * _DAY_SPAN + day, side="right") - 1
    in_group = (row >= 0) & (packed[np.maximum(row, 0)] // _DAY_SPAN == group)
    return {"by_day": np.where(in_group, row, -1), "day_low": low, "day_width": width}


def _effective_on(index: dict, group: np.ndarray, known: np.ndarray, day: np.ndarray) -> np.ndarray:
    """:func:`_latest_effective` read from the table of :func:`_days_table`."""
    cell = np.clip(day - (index["day_low"] - 1), 0, index["day_width"] - 1)
    cell += np.maximum(group, 0) * index["day_width"]
    found = index["by_day"][cell]
    found[~known | (group < 0)] = -1
    return found


def _line_table(sorted_keys: np.ndarray, order: np.ndarray, size: int) -> np.ndarray | None:
    """The line at each possible (claim, line_no) key, -1 where none (the first line of a repeated key).

    A direct lookup instead of a binary search, built when it is at most a few
    times the size of the lines (claims have few lines); None otherwise.
    """
    if not len(order) or size > 8 * len(order):
        return None
    first = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]] & (sorted_keys >= 0) & (sorted_keys < size)
    table = np.full(size, -1, dtype=np.int32 if len(order) < 2**31 else np.int64)
    table[sorted_keys[first]] = order[first]
    return table


@dataclass
class AuditContext:
    """Everything a rule may read. Build it with :func:`build_context`."""

    lines: pd.DataFrame
    payments: pd.DataFrame
    coverage: pd.DataFrame | None = None
    documentation: pd.DataFrame | None = None
    fee_schedule: pd.DataFrame | None = None
    ncci_ptp: pd.DataFrame | None = None
    mue: pd.DataFrame | None = None
    payer_policies: pd.DataFrame | None = None
    keys: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def has(self, name: str) -> bool:
        """Whether an optional input is present."""
        return getattr(self, name, None) is not None

    @property
    def paid(self) -> pd.Series:
        return self.lines["paid_cents"]

    @property
    def is_paid(self) -> pd.Series:
        """Lines with something paid (> 0): the only ones that can be recouped (found anew on each call,
        so a rule changing what it was given, or a change to ``lines``, never reaches the next rule)."""
        return self.lines["paid_cents"] > 0

    def key(self, kind: str, values) -> np.ndarray:
        """Integer key of identifiers of ``kind`` (claim, patient, payer, npi, code); -1 if unknown.

        A column of the context's own tables whose keys :func:`build_context` already found (the
        documentation's claims, the coverage's patients and payers) is not looked up again: the same
        keys are copied out.
        """
        for column, found in self.keys.get("known", {}).get(kind, ()):
            if getattr(values, "array", None) is column:
                return found.copy()
        if kind == "claim":
            return _claim_positions(values, self.keys)
        return _positions(values, self.keys[kind])

    def patient_payer(self, patient, payer) -> np.ndarray:
        """One integer per (patient, payer) pair of integer keys, to join on one column; -1 if either is -1."""
        patient = np.asarray(patient, dtype=np.int64)
        payer = np.asarray(payer, dtype=np.int64)
        return np.where((patient >= 0) & (payer >= 0), patient * max(len(self.keys["payer"]), 1) + payer, -1)

    def line_positions(self, claim_id, line_no) -> np.ndarray:
        """Position in ``lines`` of each (claim_id, line_no); -1 where there is no such line."""
        return self.find_lines(self.key("claim", claim_id), line_no)

    def find_lines(self, claim, line_no) -> np.ndarray:
        """:meth:`line_positions` of claims given by their integer key (``_claim``)."""
        width = self.keys["line_width"]
        claim, line_no = np.asarray(claim), np.asarray(line_no, dtype=np.int64)
        # One new array, worked in place: the key of each wanted line (-1 where it cannot be one),
        # then the line found for it.
        wanted = line_key(claim, line_no, width)
        wanted[(claim < 0) | (line_no < 0) | (line_no >= width)] = -1
        order = self.keys["line_order"]
        sorted_keys = self.keys.get("line_sorted")
        if sorted_keys is None:
            sorted_keys = self.keys["line_sorted"] = self.keys["line_keys"][order]
            self.keys["line_table"] = _line_table(sorted_keys, order, len(self.keys["claim"]) * width)
        table = self.keys.get("line_table")
        if table is not None:
            unknown = wanted < 0
            np.copyto(wanted, table.take(wanted, mode="clip"))
            wanted[unknown] = -1
            return wanted
        if not len(sorted_keys):
            return np.full(len(wanted), -1, dtype=np.int64)
        at = np.clip(np.searchsorted(sorted_keys, wanted), 0, len(sorted_keys) - 1)
        found = (wanted >= 0) & (sorted_keys[at] == wanted)
        return np.where(found, order[at], -1)

    @cached_property
    def _fee_index(self) -> dict | None:
        """The fee schedule sorted for lookups: one integer per (payer, code, effective date)."""
        fs = self.fee_schedule
        if fs is None or not len(fs):
            return None
        payer = self.key("payer", fs["payer_id"])
        code = self.key("code", fs["procedure_code"])
        keep = (payer >= 0) & (code >= 0)
        if not keep.any():
            return None
        width = max(len(self.keys["code"]), 1)
        pair = payer[keep] * width + code[keep]
        groups, group_of = np.unique(pair, return_inverse=True)
        packed = group_of.astype(np.int64) * _DAY_SPAN + _days(fs["effective_date"])[keep]
        order = np.argsort(packed, kind="stable")
        index = {"width": width, "groups": groups, "packed": packed[order],
                 "end": _days(fs["end_date"], missing=_OPEN_END)[keep][order],
                 "allowed": fs["allowed_cents"].to_numpy(dtype=np.int64)[keep][order]}
        pairs = max(len(self.keys["payer"]), 1) * width
        if pairs <= _FEE_TABLE_LIMIT:
            # Every (payer, code) pair's group in a table, and each group's first row and row count.
            index["group_of_pair"] = np.full(pairs, -1, dtype=np.int64)
            index["group_of_pair"][groups] = np.arange(len(groups))
            index["first"] = np.searchsorted(index["packed"] // _DAY_SPAN, np.arange(len(groups)))
            index["count"] = np.diff(np.r_[index["first"], len(order)])
            index.update(_days_table(index["packed"], len(groups), len(self.lines)))
        return index

    def fee_cents(self, procedure_code=None, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Fee per unit (int64 cents) and whether there is one, for lines by payer and date.

        The NumPy form of :meth:`fee`: ``(fee, has_fee)``, both aligned with ``rows``
        (default: every line); ``fee`` is 0 where ``has_fee`` is False.
        """
        rows = np.arange(len(self.lines)) if rows is None else np.asarray(rows, dtype=np.int64)
        index = self._fee_index
        if index is None or not len(rows):
            return np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=bool)
        pair = _pair_keys(self.lines["_payer"].to_numpy()[rows],
                          self.lines["_code"].to_numpy()[rows] if procedure_code is None
                          else self.key("code", procedure_code), index["width"])
        day = _days(self.lines["service_date"].to_numpy()[rows])
        if "by_day" in index:
            found = _effective_on(index, index["group_of_pair"][np.maximum(pair, 0)], pair >= 0, day)
        elif "group_of_pair" in index and index["count"].max() <= _FEE_ROWS_SCANNED:
            found = _latest_effective(index, index["group_of_pair"][np.maximum(pair, 0)], pair >= 0, day)
        else:
            groups = index["groups"]
            at = np.minimum(np.searchsorted(groups, pair), len(groups) - 1)
            # The latest row of the pair effective on or before the date (ties: the last in file order).
            found = np.searchsorted(index["packed"], at * _DAY_SPAN + day, side="right") - 1
            safe = np.maximum(found, 0)
            found = np.where((groups[at] == pair) & (found >= 0) & (index["packed"][safe] // _DAY_SPAN == at),
                             found, -1)
        # The arrays made here are worked in place: a million-line lookup makes no more than it returns.
        has = found >= 0
        safe = np.maximum(found, 0, out=found)
        has &= index["end"][safe] >= day
        fee = index["allowed"][safe]
        fee[~has] = 0
        return fee, has

    def fee(self, procedure_code=None, rows: np.ndarray | None = None) -> pd.Series:
        """Fee per unit (cents, Int64) for lines, by their payer and service date.

        ``procedure_code`` prices another code than the billed one (the
        documented code, for upcoding); ``rows`` limits the lookup to some
        positions of ``lines``. The result is aligned with those rows. Dates
        are inclusive; where rows of the schedule overlap, the latest
        effective date on or before the service date wins.
        """
        index = self.lines.index if rows is None else self.lines.index[np.asarray(rows, dtype=np.int64)]
        fee, has = self.fee_cents(procedure_code, rows)
        values = pd.array(fee, dtype="Int64")
        values[~has] = pd.NA
        return pd.Series(values, index=index)

    @cached_property
    def duplicate_payment_excess(self) -> pd.Series:
        """Cents paid more than once on each line (the duplicate_payment at_risk).

        For each amount X > 0, the payments of +X that outnumber those of -X
        by two or more are duplicates: X x (surplus - 1). A reversed payment
        does not count. Zero where nothing is duplicated; aligned with lines.
        """
        excess = pd.Series(np.zeros(len(self.lines), dtype=np.int64), index=self.lines.index)
        pay = self.payments
        if pay is None or not len(pay):
            return excess
        amounts = pay["paid_cents"].to_numpy(dtype=np.int64)
        line = pay["_line"].to_numpy()
        candidate = amounts != 0
        # A surplus of two needs two payments: lines with fewer are left out before grouping.
        candidate &= np.bincount(line[candidate], minlength=len(self.lines))[line] >= 2
        frame = pd.DataFrame({
            "_line": line[candidate],
            "x": np.abs(amounts[candidate]),
            "sign": np.sign(amounts[candidate]),
        })
        counts = frame.groupby(["_line", "x"], sort=False)["sign"].sum()
        surplus = counts[counts >= 2]
        if not len(surplus):
            return excess
        per_line = (surplus.index.get_level_values("x").to_numpy() * (surplus.to_numpy() - 1))
        totals = pd.Series(per_line, index=surplus.index.get_level_values("_line")).groupby(level=0).sum()
        excess.iloc[totals.index.to_numpy()] = totals.to_numpy()
        return excess

    @cached_property
    def documentation_by_line(self) -> pd.DataFrame | None:
        """documentation.csv aligned with lines (NA where the line has no row).

        Columns: note_present, signed (boolean, NA without a row),
        documented_code (blank without one), ``_has_row`` and ``_doc_code``
        (the documented code's integer key, as ``_code``; -1 where blank or
        there is no row).
        """
        if self.documentation is None:
            return None
        doc = self.documentation
        pos = self.line_positions(doc["claim_id"], doc["line_no"])
        found = pos >= 0
        row = np.full(len(self.lines), -1, dtype=np.int64)
        row[pos[found]] = np.flatnonzero(found)
        if np.count_nonzero(row >= 0) < np.count_nonzero(found):
            # A line has two rows: the first wins, as the reader keeps the first of a repeated key.
            first = found & ~pd.Series(pos).duplicated().to_numpy()
            row[:] = -1
            row[pos[first]] = np.flatnonzero(first)
        has_row = row >= 0
        keys = self.keys.get("documented_code")
        shared = keys is not None
        if not shared:
            keys = np.where(doc["documented_code"].fillna("").eq("").to_numpy(), -1,
                            self.key("code", doc["documented_code"]))
        doc_code = np.where(has_row, keys[np.maximum(row, 0)], -1) if len(doc) else row
        if shared:
            # build_context put every documented code in the index of codes: each line's text is taken
            # from those few values, and "" after them (a blank code or a line without a row).
            index = self.keys["code"]
            code = pa.concat_arrays([index, pa.array([""], index.type)]).take(
                np.where(doc_code < 0, len(index), doc_code))
        else:
            code = pc.fill_null(_text(doc["documented_code"]).take(pa.array(row, mask=~has_row)), "")
        return pd.DataFrame({"note_present": doc["note_present"].array.take(row, allow_fill=True),
                             "signed": doc["signed"].array.take(row, allow_fill=True),
                             "documented_code": pd.array(code, dtype="str"),
                             "_has_row": has_row,
                             "_doc_code": doc_code}, index=self.lines.index)


def _text(values) -> pa.Array:
    """Identifiers as an Arrow string array (zero-copy for the kit's own text columns)."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values
    else:
        series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
        if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
            arr = pa.array(series.array)
        else:
            arr = pa.array(series.astype("str").to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    return pc.cast(one_array(arr), pa.string())


#: The text columns of the lines that rules and findings take rows of (the identifiers). The others
#: (modifiers, diagnosis codes, place of service) are only read whole, so joining them would copy them
#: for nothing; a rule that takes rows of one still gets them, joined by that take.
_TAKEN_FROM_LINES = ("claim_id", "patient_id", "payer_id", "rendering_npi", "procedure_code")


def _one_chunk(frame: pd.DataFrame, names, pool: ThreadPoolExecutor | None = None) -> pd.DataFrame:
    """``frame`` with each Arrow-backed column of ``names`` in one contiguous chunk.

    Taking rows from a chunked Arrow column first joins its chunks, so every
    ``iloc`` of a rule would copy whole text columns; joining them once here
    makes those takes cost what they select. Arrow joins them without holding
    the interpreter lock, so with a ``pool`` the columns are joined side by side.
    """
    joining = {}
    for name in frame.columns.intersection(names, sort=False):
        chunked = getattr(frame[name].array, "_pa_array", None)
        if isinstance(chunked, pa.ChunkedArray) and chunked.num_chunks > 1:
            joining[name] = pool.submit(chunked.combine_chunks) if pool is not None else chunked.combine_chunks()
    combined = {name: pd.array(pa.chunked_array([job.result() if pool is not None else job]),
                               dtype=frame[name].dtype) for name, job in joining.items()}
    return frame.assign(**combined) if combined else frame


def _positions(values, value_set: pa.Array) -> np.ndarray:
    """Position of each value in ``value_set``; -1 where it is not there."""
    found = pc.index_in(_text(values), value_set=value_set)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _index_of(*columns) -> pa.Array:
    """Union of identifiers appearing in several columns (first seen first)."""
    parts = [_text(c) for c in columns if c is not None]
    if not parts:
        return pa.array([], type=pa.string())
    return pa.chunked_array(parts).unique() if len(parts) > 1 else parts[0].unique()


def _encode(first, *others) -> tuple[np.ndarray, pa.Array, list]:
    """Integer codes of ``first``, the index they point into (see :func:`_index_of`), and the codes of
    each of ``others`` (None for an absent column, or for all of them when one holds a null).

    The same as ``_positions(c, _index_of(first, *others))`` for ``first`` and each of ``others``,
    hashing every column once: the index is read off one dictionary encoding of all of them
    (first seen first, as :func:`_index_of` orders it).
    """
    encoded = pc.dictionary_encode(_text(first))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    parts = [None if c is None else _text(c) for c in others]
    present = [p for p in parts if p is not None]
    if not present or any(p.null_count for p in present):
        # A null is a value of the index (as :func:`_index_of` makes it) but not of a dictionary.
        return codes, _index_of(encoded.dictionary, *present), [None] * len(parts)
    together = pc.dictionary_encode(pa.chunked_array([encoded.dictionary, *present], type=pa.string()))
    if not together.num_chunks:
        return codes, pa.array([], type=pa.string()), [None if p is None else np.zeros(0, np.int64) for p in parts]
    index = together.chunks[-1].dictionary
    every = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in together.chunks])
    found = iter(np.split(every.astype(np.int64), np.cumsum([len(encoded.dictionary)] + [len(p) for p in present])))
    next(found)
    return codes, index, [None if p is None else next(found) for p in parts]


def _decode(encoded: pa.DictionaryArray, keys_of_dictionary: np.ndarray) -> np.ndarray:
    """The key of each value of ``encoded``, given the keys of its dictionary (-1 where null)."""
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(indices >= 0, keys_of_dictionary[np.maximum(indices, 0)] if len(keys_of_dictionary)
                    else -1, -1)


def _claim_keys(claim_id: pd.Series, handed: ClaimKeys | None = None) -> tuple[pa.Array, np.ndarray,
                                                                             ClaimKeys | None]:
    """The distinct claim ids in sorted order, each line's position among them, and (for claim ids of one
    short width) their :class:`~recoup_lib.schema.ClaimKeys` (``handed``, made already, else made here), so
    other tables' claim ids are found by a search of integers."""
    packed = handed if handed is not None else claim_keys(claim_id)
    if packed is not None:
        return _text(claim_id).take(pa.array(packed.heads)), packed.ranks, packed
    encoded = pc.dictionary_encode(_text(claim_id))
    rank = pc.sort_indices(encoded.dictionary)
    position = np.empty(len(rank), dtype=np.int64)
    position[rank.to_numpy()] = np.arange(len(rank))
    codes = position[encoded.indices.to_numpy(zero_copy_only=False)] if len(claim_id) else np.zeros(0, np.int64)
    return encoded.dictionary.take(rank), codes, None


def _claim_positions(values, keys: dict, copy: bool = True) -> np.ndarray:
    """:meth:`AuditContext.key` of claim ids: by integers where both sides pack (see :func:`_claim_keys`);
    positions the keys hold already are copied unless ``copy`` is False."""
    packed = keys.get("claim_packed")
    found = None if packed is None else packed.positions(values)
    if found is None:
        return _positions(values, keys["claim"])
    return found.copy() if copy and found is packed.paid else found


def _code_keys(procedure_code: pd.Series, documented_code, *others) -> tuple[np.ndarray, pa.Array, np.ndarray | None]:
    """:func:`_encode` of the billed codes, and the key of each documentation row's code (-1 if blank)."""
    if documented_code is None:
        return *_encode(procedure_code, *others)[:2], None
    documented = pc.dictionary_encode(_text(documented_code))
    codes, index, _ = _encode(procedure_code, others[0], documented.dictionary, *others[1:])
    dictionary_keys = np.where(pc.equal(documented.dictionary, "").to_numpy(zero_copy_only=False), -1,
                               _positions(documented.dictionary, index))
    return codes, index, _decode(documented, dictionary_keys)


def _with_columns(frame: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """``frame`` with ``columns`` added after its own (by name, in order), none of them copied.

    Setting a million-row column one at a time copies each array (copy-on-write guards
    the caller's); thirteen such copies were a fifth of building the context.
    """
    columns = {name: values.array if isinstance(values, pd.Series) else values for name, values in columns.items()}
    present = [name for name in columns if name in frame.columns]
    if present:  # a column of the input by that name is replaced where it stands, as setting it does
        frame = frame.assign(**{name: columns.pop(name) for name in present})
    added = pd.DataFrame(columns, index=frame.index, copy=False)
    return pd.concat([frame, added], axis=1)


def build_context(claim_lines: pd.DataFrame, payments: pd.DataFrame, workers: int = 1,
                  claim_keys: ClaimKeys | None = None, **tables) -> AuditContext:
    """Join payments to lines and derive the columns and keys rules share.

    Parameters
    ----------
    claim_lines, payments : pandas.DataFrame
        Typed contract tables (see :mod:`recoup_lib.schema`).
    workers : int, default 1
        Threads hashing identifier columns side by side (the context is the same).
    claim_keys : ClaimKeys, optional
        The claim keys :func:`~recoup_lib.folder.read_audit_folder` made of these claim lines and
        payments (:attr:`~recoup_lib.folder.AuditInputs.claim_keys`), taken over instead of made
        again; keys of other columns than these tables' are not used.
    **tables
        coverage, documentation, fee_schedule, ncci_ptp, mue, payer_policies
        (``None`` where absent).
    """
    # Copy-on-write: new columns go on this frame only; the caller's table is never changed. The payments'
    # text is left in its chunks: a rule takes rows of it once at most (duplicate_payment's listing).
    with ThreadPoolExecutor(max_workers=max(1, min(workers, 4))) as pool:
        lines = _one_chunk(claim_lines.reset_index(drop=True), _TAKEN_FROM_LINES, pool)
    pay = payments.reset_index(drop=True)
    n = len(lines)
    line_no = lines["line_no"].to_numpy(dtype=np.int64)
    width = int(line_no.max()) + 2 if n else 2

    def col(table, name):
        t = tables.get(table)
        return None if t is None else t[name]

    # Arrow hashes without holding the GIL, so the identifier columns are hashed side by side while
    # this thread canonicalises modifiers. Each column of the lines is hashed once: its distinct
    # values, first seen first, open the index of that kind, and values only other tables use follow.
    with ThreadPoolExecutor(max_workers=max(1, min(workers, 4))) as pool:
        handed = claim_keys if claim_keys is not None and claim_keys.made_from(claim_lines["claim_id"]) else None
        claims_job = pool.submit(_claim_keys, lines["claim_id"], handed)
        codes_job = pool.submit(_code_keys, lines["procedure_code"], col("documentation", "documented_code"),
                                col("fee_schedule", "procedure_code"), col("ncci_ptp", "column_1"),
                                col("ncci_ptp", "column_2"), col("mue", "procedure_code"),
                                col("payer_policies", "procedure_code"))
        payer_job = pool.submit(_encode, lines["payer_id"], col("fee_schedule", "payer_id"),
                                col("coverage", "payer_id"), col("payer_policies", "payer_id"))
        patient_job = pool.submit(_encode, lines["patient_id"], col("coverage", "patient_id"))
        npi_job = pool.submit(_encode, lines["rendering_npi"])
        claims, claim_codes, claims_packed = claims_job.result()
        claim_lookup = {"claim": claims, "claim_packed": claims_packed}
        paid_claims_job = pool.submit(_claim_positions, payments["claim_id"], claim_lookup, False)
        noted_claims_job = (None if col("documentation", "claim_id") is None
                            else pool.submit(_claim_positions, col("documentation", "claim_id"), claim_lookup))
        modifiers = _modifier_columns(lines["modifiers"])
        (code_of, codes_index, documented_keys), (payer_of, payer_index, payer_others) = (codes_job.result(),
                                                                                            payer_job.result())
        (patient_of, patient_index, (coverage_patient,)), (npi_of, npis, _) = patient_job.result(), npi_job.result()
        paid_claims = paid_claims_job.result()
        noted_claims = None if noted_claims_job is None else noted_claims_job.result()
    line_keys = line_key(claim_codes, line_no, width)
    keys = {**claim_lookup, "code": codes_index, "payer": payer_index, "patient": patient_index,
            "npi": npis, "line_width": width, "line_keys": line_keys,
            "line_order": np.argsort(line_keys, kind="stable")}
    if documented_keys is not None:
        keys["documented_code"] = documented_keys
    # Codes already found for other tables' columns, which :meth:`AuditContext.key` hands out again.
    known = {("claim", "documentation", "claim_id"): noted_claims,
             ("patient", "coverage", "patient_id"): coverage_patient,
             **{("payer", table, "payer_id"): found
                for table, found in zip(("fee_schedule", "coverage", "payer_policies"), payer_others)}}
    keys["known"] = {kind: [(col(table, name).array, found)
                            for (k, table, name), found in known.items() if k == kind and found is not None]
                     for kind in ("claim", "patient", "payer")}
    derived = {"_claim": claim_codes, "_code": code_of, "_payer": payer_of, "_patient": patient_of,
               "_npi": npi_of, **modifiers}

    ctx = AuditContext(lines=lines, payments=payments, keys=keys, **tables)
    pos = ctx.find_lines(paid_claims, pay["line_no"]) if len(pay) else np.zeros(0, dtype=np.int64)
    if (pos < 0).any():
        pay = pay.loc[pos >= 0].reset_index(drop=True)
        pos = pos[pos >= 0]
    pay["_line"] = pos
    paid = np.zeros(n, dtype=np.int64)
    np.add.at(paid, pos, pay["paid_cents"].to_numpy(dtype=np.int64))
    allowed = np.zeros(n, dtype=np.int64)
    np.add.at(allowed, pos, pay["allowed_cents"].fillna(0).to_numpy(dtype=np.int64))
    derived.update(paid_cents=paid, allowed_cents=allowed,
                   n_payments=np.bincount(pos, minlength=n).astype(np.int64, copy=False))
    ctx.lines = _with_columns(lines, derived)
    ctx.payments = pay
    return ctx
