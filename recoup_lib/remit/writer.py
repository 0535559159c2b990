"""Write X12 835 5010 (005010X221A1) remittances that balance, from tables or models.

One path does the work: :func:`write_835_from_tables` turns tidy DataFrames
(the same columns :func:`~recoup_lib.remit.read_835` returns) into 835 text,
column by column with Arrow (a million service lines in about ten seconds). The
model objects of :mod:`.model` are converted to those tables first
(:func:`tables_from_models`), so :func:`format_835` and :func:`write_835`
produce exactly the same bytes as the table path.

What the writer guarantees
--------------------------
- Envelopes ISA/GS/ST...SE/GE/IEA with correct counts (SE01, GE01, IEA01)
  and matching control numbers; the segments the 5010 guide requires (N3/N4
  and PER*BL for the payer, NM1*QC for each claim) with neutral defaults.
- Balance (docs/sources.md §5.4), checked before anything is written: every service
  line (SVC02 - line CAS = SVC03), every claim (CLP03 - claim CAS - line CAS
  = CLP04), and BPR02 = sum CLP04 - sum PLB computed, never taken from input.
  A payment below zero is refused: carry the shortfall forward with a
  negative FB (:func:`~recoup_lib.remit.with_forward_balance`).
- Deterministic bytes: no clock, no randomness; fixed element layout.

Amounts are written in the shortest exact form (``600``, ``287.35``,
``-2.35``, ``150.5``), dates as CCYYMMDD.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import RecoupError
from ..money import format_cents_scalar
from ._segments import Separators
from .model import Interchange, Remittance

__all__ = [
    "RemitWriteError",
    "UnbalancedRemittance",
    "WriteOptions",
    "tables_from_models",
    "write_835_from_tables",
    "format_835",
    "write_835",
    "amount_text",
]

_LS = pa.large_string()
_VERSION = "005010X221A1"
_BIG = np.int64(2**62)


class RemitWriteError(RecoupError):
    """The tables or models cannot be written as a valid 835 (the message says why)."""


class UnbalancedRemittance(RemitWriteError):
    """A line, a claim or a payment does not balance (docs/sources.md §5.4); nothing was written."""


@dataclass(frozen=True)
class WriteOptions:
    """Layout of the written file.

    Parameters
    ----------
    separators : Separators, default ``*``, ``:``, ``~`` and ``^``
        Element, component, segment terminator and repetition separator
        (ISA11); four different characters.
    newline : bool, default True
        Put a line break after each segment terminator (ignored when the
        terminator is itself a line break).
    """

    separators: Separators = Separators("*", ":", "~", "^")
    newline: bool = True

    def __post_init__(self) -> None:
        s = self.separators
        chars = [s.element, s.component, s.segment, s.repetition or ""]
        if any(len(c) != 1 for c in chars) or len(set(chars)) != 4:
            raise RemitWriteError(
                f"separators must be four different single characters; got element "
                f"{s.element!r}, component {s.component!r}, segment {s.segment!r}, "
                f"repetition {s.repetition!r}")
        if any(c.isalnum() or c == " " for c in chars):
            raise RemitWriteError("separators may not be letters, digits or spaces")

    @property
    def end(self) -> str:
        term = self.separators.segment
        return term + ("\n" if self.newline and term not in "\r\n" else "")


# ----------------------------------------------------------------------------
# Vectorised text helpers
# ----------------------------------------------------------------------------

_FRACTIONS = pa.array(["" if k == 0 else ("." + f"{k:02d}").rstrip("0") for k in range(100)],
                      _LS)


def amount_text(cents) -> pa.Array:
    """Integer cents to X12 decimal text (``60000`` -> ``600``; ``-235`` -> ``-2.35``).

    Examples
    --------
    >>> amount_text(np.array([60000, -235, 15050, 5])).to_pylist()
    ['600', '-2.35', '150.5', '0.05']
    """
    cents = np.asarray(cents, dtype=np.int64)
    magnitude = np.abs(cents)
    whole = pc.cast(pa.array(magnitude // 100), _LS)
    frac = _FRACTIONS.take(pa.array(magnitude % 100))
    sign = pc.if_else(pa.array(cents < 0), pa.scalar("-", _LS), pa.scalar("", _LS))
    return _join(sign, whole, frac)


def _date_text(values) -> pa.Array:
    """Dates as CCYYMMDD text (``""`` for NaT), built as fixed-width bytes."""
    days = np.asarray(values, dtype="datetime64[D]")
    missing = np.isnat(days)
    d = np.where(missing, 0, days.astype(np.int64))
    # Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    z = d + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    digits = np.stack([year // 1000 % 10, year // 100 % 10, year // 10 % 10, year % 10,
                       month // 10, month % 10, day // 10, day % 10], axis=1)
    width = np.where(missing, 0, 8)
    data = (digits[~missing] + 48).astype(np.uint8).ravel()
    offsets = np.zeros(len(d) + 1, dtype=np.int64)
    np.cumsum(width, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(d), pa.py_buffer(offsets), pa.py_buffer(data))


def _text(values) -> pa.Array:
    """Any column or array as one contiguous large_string Arrow array, nulls as ``""``."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values
    else:
        series = pd.Series(values)
        if not pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
            series = series.astype("str")
        arr = pa.array(series.fillna("").astype("str").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.fill_null(pc.cast(arr, _LS), "")


def _join(*parts) -> pa.Array:
    """Concatenate strings and string arrays element-wise."""
    arrays = [p if isinstance(p, pa.Array) else pa.scalar(p, _LS) for p in parts]
    return pc.binary_join_element_wise(*arrays, pa.scalar("", _LS))


def _elements(sep: str, *parts) -> pa.Array:
    """Join element values with the element separator and drop trailing empty ones."""
    pieces = []
    for i, p in enumerate(parts):
        if i:
            pieces.append(sep)
        pieces.append(p)
    return pc.utf8_rtrim(_join(*pieces), characters=sep)


# ----------------------------------------------------------------------------
# Models -> tables
# ----------------------------------------------------------------------------

def tables_from_models(interchanges: Interchange | Sequence[Interchange],
                       files: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """Flatten interchanges into the tables :func:`write_835_from_tables` takes.

    Parameters
    ----------
    interchanges : Interchange or sequence of Interchange
        One file each.
    files : sequence of str, optional
        File names (default ``remit-<ISA13>.835``).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``transactions``, ``payments``, ``service_lines``, ``adjustments``,
        ``provider_adjustments``, with the reader's column names.
    """
    if isinstance(interchanges, Interchange):
        interchanges = [interchanges]
    files = list(files) if files is not None else [
        f"remit-{ic.control_number:09d}.835" for ic in interchanges]
    t, p, s, a, b = [], [], [], [], []
    for file, ic in zip(files, interchanges):
        for r in ic.remittances:
            t.append({
                "file": file, "trace_number": r.trace_number, "payment_date": r.payment_date,
                "payer": r.payer_name, "payer_id": r.payer_id, "payee_name": r.payee_name,
                "payee_id": r.payee_npi, "payment_method": r.payment_method,
                "transaction_control": r.control_number or "", "sender_id": ic.sender_id,
                "receiver_id": ic.receiver_id, "interchange_control": ic.control_number,
                "interchange_date": ic.date, "interchange_time": ic.time, "usage": ic.usage,
            })
            for c_seq, c in enumerate(r.claims, start=1):
                p.append({
                    "trace_number": r.trace_number, "claim_seq": c_seq, "claim_id": c.claim_id,
                    "status_code": c.status_code, "charge_cents": c.charge_cents,
                    "paid_cents": c.paid_cents,
                    "patient_responsibility_cents": c.patient_responsibility_cents,
                    "payer_claim_control": c.payer_claim_control,
                    "filing_indicator": c.filing_indicator, "facility_code": c.facility_code,
                    "frequency_code": c.frequency_code,
                    "patient_last_name": c.patient_last_name,
                    "patient_first_name": c.patient_first_name, "member_id": c.member_id,
                })
                for adj in c.adjustments:
                    a.append((r.trace_number, c_seq, pd.NA, adj.group, adj.reason,
                              adj.amount_cents, adj.quantity))
                for l_seq, line in enumerate(c.lines, start=1):
                    s.append({
                        "trace_number": r.trace_number, "claim_seq": c_seq, "line_seq": l_seq,
                        "procedure_qualifier": line.qualifier,
                        "procedure_code": line.procedure_code,
                        "modifiers": ";".join(line.modifiers),
                        "revenue_code": line.revenue_code, "units": float(line.units),
                        "charge_cents": line.charge_cents, "paid_cents": line.paid_cents,
                        "allowed_cents": line.allowed_cents, "service_date": line.service_date,
                        "line_control": line.line_control,
                    })
                    for adj in line.adjustments:
                        a.append((r.trace_number, c_seq, l_seq, adj.group, adj.reason,
                                  adj.amount_cents, adj.quantity))
            for plb in r.provider_adjustments:
                b.append({
                    "trace_number": r.trace_number, "provider_id": plb.provider_id,
                    "fiscal_period_date": plb.fiscal_period_date,
                    "reason_code": plb.reason_code, "reference": plb.reference,
                    "amount_cents": plb.amount_cents,
                })
    lines = pd.DataFrame(s, columns=[
        "trace_number", "claim_seq", "line_seq", "procedure_qualifier", "procedure_code",
        "modifiers", "revenue_code", "units", "charge_cents", "paid_cents", "allowed_cents",
        "service_date", "line_control"])
    lines["allowed_cents"] = pd.array(lines["allowed_cents"].tolist(), dtype="Int64")
    lines["service_date"] = pd.to_datetime(lines["service_date"]).astype("datetime64[us]")
    adjustments = pd.DataFrame(a, columns=["trace_number", "claim_seq", "line_seq", "group_code",
                                           "reason_code", "amount_cents", "quantity"])
    adjustments["line_seq"] = pd.array(adjustments["line_seq"].tolist(), dtype="Int64")
    transactions = pd.DataFrame(t)
    for col in ("payment_date", "interchange_date"):
        if col in transactions:
            transactions[col] = pd.to_datetime(transactions[col]).astype("datetime64[us]")
    plb = pd.DataFrame(b, columns=["trace_number", "provider_id", "fiscal_period_date",
                                   "reason_code", "reference", "amount_cents"])
    plb["fiscal_period_date"] = pd.to_datetime(plb["fiscal_period_date"]).astype(
        "datetime64[us]")
    payments = pd.DataFrame(p, columns=[
        "trace_number", "claim_seq", "claim_id", "status_code", "charge_cents", "paid_cents",
        "patient_responsibility_cents", "payer_claim_control", "filing_indicator",
        "facility_code", "frequency_code", "patient_last_name", "patient_first_name",
        "member_id"])
    for frame in (lines, adjustments, plb, payments):
        for col in frame.columns:
            if col.endswith("_cents") and frame[col].dtype != "Int64":
                frame[col] = frame[col].astype("int64")
    return {"transactions": transactions, "payments": payments, "service_lines": lines,
            "adjustments": adjustments, "provider_adjustments": plb}


# ----------------------------------------------------------------------------
# Tables -> text
# ----------------------------------------------------------------------------

_TRANSACTION_DEFAULTS = {
    "file": "remit.835", "payment_method": "CHK", "transaction_control": "",
    "sender_id": "", "receiver_id": "", "interchange_time": "1200", "usage": "P",
    "payer_address": "PO BOX 1", "payer_city": "ANYTOWN", "payer_state": "MD",
    "payer_zip": "21244", "payer_contact": "PROVIDER SERVICES", "payer_phone": "8005550100",
}
_PAYMENT_DEFAULTS = {
    "patient_responsibility_cents": 0, "filing_indicator": "MB", "facility_code": "",
    "frequency_code": "", "patient_last_name": "PATIENT", "patient_first_name": "",
    "member_id": "",
}
_LINE_DEFAULTS = {"procedure_qualifier": "HC", "modifiers": "", "revenue_code": "",
                  "units": 1.0, "line_control": ""}
_REQUIRED = {
    "transactions": ("trace_number", "payment_date", "payer", "payer_id", "payee_name",
                     "payee_id"),
    "payments": ("trace_number", "claim_id", "status_code", "charge_cents", "paid_cents",
                 "payer_claim_control"),
    "service_lines": ("trace_number", "procedure_code", "charge_cents", "paid_cents"),
    "adjustments": ("trace_number", "group_code", "reason_code", "amount_cents"),
    "provider_adjustments": ("trace_number", "reason_code", "amount_cents"),
}


def _require(frame: pd.DataFrame, name: str) -> None:
    missing = [c for c in _REQUIRED[name] if c not in frame.columns]
    if missing:
        raise RemitWriteError(f"{name}: missing column(s) {', '.join(missing)} "
                              f"(the table has: {', '.join(map(str, frame.columns))})")
    for col in frame.columns:
        if str(col).endswith("_cents") and len(frame):
            values = frame[col]
            if not pd.api.types.is_integer_dtype(values.dtype):
                raise RemitWriteError(f"{name}, column '{col}': expected integer cents; got "
                                      f"dtype {values.dtype}")


def _blank_required(frame: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    for col in columns:
        text = frame[col].astype("str").fillna("")
        bad = (text.str.strip() == "").to_numpy() | frame[col].isna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise RemitWriteError(f"{name}, row {i + 1}, column '{col}': expected a value; "
                                  "it is blank")


def _with_defaults(frame: pd.DataFrame, defaults: dict) -> pd.DataFrame:
    frame = frame.copy()
    for col, value in defaults.items():
        if col not in frame.columns:
            frame[col] = value
        elif not str(col).endswith("_cents") and col != "units":
            frame[col] = frame[col].astype("str").fillna("")
            frame.loc[frame[col] == "", col] = value
    return frame


def _claim_keys(frame: pd.DataFrame, claims: pd.DataFrame, name: str) -> np.ndarray:
    """Row index into ``claims`` of each row of ``frame`` (by trace_number and claim_seq)."""
    if "claim_seq" in frame.columns:
        key_cols = ["trace_number", "claim_seq"]
    elif "claim_id" in frame.columns:
        key_cols = ["trace_number", "claim_id"]
        dup = claims.duplicated(key_cols)
        if dup.any():
            raise RemitWriteError(f"{name}: rows are linked to claims by claim_id, but claim "
                                  f"{claims.loc[dup, 'claim_id'].iloc[0]!r} appears twice in one "
                                  "transaction; add claim_seq to link them")
    else:
        raise RemitWriteError(f"{name}: expected column claim_seq (or claim_id) linking each "
                              "row to its claim payment")
    left = frame[key_cols].astype("str").reset_index(drop=True)
    right = claims[key_cols].astype("str").assign(_row=np.arange(len(claims)))
    joined = left.merge(right, on=key_cols, how="left")
    if joined["_row"].isna().any():
        i = int(np.flatnonzero(joined["_row"].isna().to_numpy())[0])
        raise RemitWriteError(f"{name}, row {i + 1}: no claim payment with "
                              + ", ".join(f"{k} {left.iloc[i][k]!r}" for k in key_cols))
    return joined["_row"].to_numpy(dtype=np.int64)


class _Pieces:
    """Text pieces with sort keys; joined in key order they make the files."""

    def __init__(self):
        self.keys: list[list[np.ndarray]] = []
        self.texts: list[pa.Array] = []
        self.ends: list[np.ndarray] = []

    def add(self, text: pa.Array, file, tx, sec, c, l, kind, sub=0, ends=True) -> None:
        n = len(text)
        if n == 0:
            return

        def full(v):
            return np.broadcast_to(np.asarray(v, dtype=np.int64), (n,))

        self.keys.append([full(file), full(tx), full(sec), full(c), full(l), full(kind),
                          full(sub)])
        self.texts.append(text)
        self.ends.append(np.broadcast_to(np.asarray(ends, dtype=bool), (n,)))

    def assemble(self) -> tuple[pa.Array, np.ndarray]:
        keys = [np.concatenate([k[i] for k in self.keys]) for i in range(7)]
        order = np.lexsort(tuple(reversed(keys)))
        text = pa.concat_arrays([t.cast(_LS) for t in self.texts]).take(pa.array(order))
        return text, keys[0][order]


def write_835_from_tables(transactions: pd.DataFrame, payments: pd.DataFrame,
                          service_lines: pd.DataFrame | None = None,
                          adjustments: pd.DataFrame | None = None,
                          provider_adjustments: pd.DataFrame | None = None,
                          out_dir: str | Path | None = None,
                          options: WriteOptions | None = None) -> dict[str, bytes]:
    """Write 835 files from tidy tables.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per remittance. Required: trace_number (unique), payment_date,
        payer, payer_id (TRN03), payee_name, payee_id (NPI). Optional: file
        (output file name; one interchange per file), payment_method (CHK,
        ACH, NON), transaction_control (ST02), sender_id, receiver_id,
        interchange_control, interchange_date, interchange_time, usage,
        payer_address, payer_city, payer_state, payer_zip, payer_contact,
        payer_phone.
    payments : pandas.DataFrame
        One row per claim payment. Required: trace_number, claim_id,
        status_code, charge_cents, paid_cents, payer_claim_control. Optional:
        claim_seq (order within the transaction; default row order),
        patient_responsibility_cents, filing_indicator, facility_code,
        frequency_code, patient_last_name, patient_first_name, member_id.
    service_lines : pandas.DataFrame, optional
        trace_number, claim_seq (or claim_id), procedure_code, charge_cents,
        paid_cents; optional line_seq, procedure_qualifier, modifiers
        (``;``-separated), units, service_date, line_control (REF*6R),
        allowed_cents, revenue_code.
    adjustments : pandas.DataFrame, optional
        trace_number, claim_seq (or claim_id), line_seq (blank for a
        claim-level CAS), group_code, reason_code, amount_cents, quantity.
    provider_adjustments : pandas.DataFrame, optional
        trace_number, reason_code, amount_cents; optional reference,
        provider_id (default payee_id), fiscal_period_date (default December
        31 of the payment year).
    out_dir : path-like, optional
        When given, each file is written there.
    options : WriteOptions, optional

    Returns
    -------
    dict of str to bytes
        File name -> content, in order of first appearance.

    Raises
    ------
    RemitWriteError
        A required column or value is missing, a value contains a separator,
        a row refers to a claim that does not exist, a trace number repeats.
    UnbalancedRemittance
        A line or claim does not balance, or a payment would be negative.

    Notes
    -----
    Balancing rules: docs/sources.md §5.4 (X12 RFI #2601). BPR02 is computed as
    sum CLP04 - sum PLB. The 5010 guide requires N3/N4 and PER*BL in the payer
    loop and NM1*QC in each claim; neutral defaults fill what the tables do
    not give.

    Examples
    --------
    >>> t = pd.DataFrame({"trace_number": ["T1"], "payment_date": [pd.Timestamp("2025-03-14")],
    ...                   "payer": ["PAYER"], "payer_id": ["1999999999"],
    ...                   "payee_name": ["CLINIC"], "payee_id": ["1999999984"]})
    >>> p = pd.DataFrame({"trace_number": ["T1"], "claim_id": ["A"], "status_code": ["1"],
    ...                   "charge_cents": [10000], "paid_cents": [10000],
    ...                   "payer_claim_control": ["ICN1"]})
    >>> text = write_835_from_tables(t, p)["remit.835"].decode()
    >>> "BPR*I*100*C*CHK************20250314~" in text
    True
    """
    options = options or WriteOptions()
    t = _prepare(transactions, payments, service_lines, adjustments, provider_adjustments)
    _check_separators(options.separators, t.tr, t.pay, t.lines, t.adj, t.plb)
    _check_balance(t.tr, t.pay, t.pay_tx, t.lines, t.line_claim, t.adj, t.adj_claim,
                   t.adj_line_row, t.plb, t.plb_tx)
    pieces = _Pieces()
    _header_pieces(pieces, t, options)
    _claim_pieces(pieces, t, options)
    if len(t.lines):
        _line_pieces(pieces, t, options)
    if len(t.adj):
        _cas_pieces(pieces, t.adj, t.adj_claim, t.adj_l, t.pay_tx, t.f_tx, t.c_seq,
                    options.separators.element, options.end)
    if len(t.plb):
        _plb_pieces(pieces, t.plb, t.plb_tx, t.fiscal_dates, t.f_tx,
                    options.separators.element, options.separators.component, options.end)
    _trailer_pieces(pieces, t, options)
    _envelope_pieces(pieces, t.tr, t.file_names, t.f_tx, options)
    text, files_sorted = pieces.assemble()
    return _split_files(text, files_sorted, t.file_names, out_dir)


@dataclass
class _Tables:
    """The writer's input, checked, defaulted, ordered and linked by row numbers."""

    tr: pd.DataFrame
    file_names: list[str]
    f_tx: np.ndarray          # file of each transaction
    pay: pd.DataFrame
    pay_tx: np.ndarray        # transaction of each claim payment
    c_seq: np.ndarray
    lines: pd.DataFrame
    line_claim: np.ndarray    # claim payment row of each service line
    l_seq: np.ndarray
    adj: pd.DataFrame
    adj_claim: np.ndarray
    adj_l: np.ndarray         # line_seq of a line-level CAS, 0 for claim level
    adj_line_row: np.ndarray  # service line row of a line-level CAS, -1 for claim level
    plb: pd.DataFrame
    plb_tx: np.ndarray
    fiscal_dates: np.ndarray
    controls: pa.Array | None = None  # ST02 of each transaction, set by the header


def _prepare(transactions, payments, service_lines, adjustments,
             provider_adjustments) -> _Tables:
    empty = pd.DataFrame
    service_lines = service_lines if service_lines is not None else empty(
        columns=["trace_number", "claim_seq", "procedure_code", "charge_cents", "paid_cents"])
    adjustments = adjustments if adjustments is not None else empty(
        columns=["trace_number", "claim_seq", "line_seq", "group_code", "reason_code",
                 "amount_cents"])
    provider_adjustments = provider_adjustments if provider_adjustments is not None else empty(
        columns=["trace_number", "reason_code", "amount_cents"])
    for frame, name in ((transactions, "transactions"), (payments, "payments"),
                        (service_lines, "service_lines"), (adjustments, "adjustments"),
                        (provider_adjustments, "provider_adjustments")):
        _require(frame, name)
    if not len(transactions):
        raise RemitWriteError("transactions: expected at least one remittance")
    tr = _with_defaults(transactions.reset_index(drop=True), _TRANSACTION_DEFAULTS)
    _blank_required(tr, "transactions", _REQUIRED["transactions"])
    tr["trace_number"] = tr["trace_number"].astype("str")
    dup = tr["trace_number"].duplicated()
    if dup.any():
        raise RemitWriteError(f"transactions: trace number {tr.loc[dup, 'trace_number'].iloc[0]!r}"
                              " appears twice; each remittance needs its own TRN02")
    tx_of = pd.Series(np.arange(len(tr)), index=tr["trace_number"].to_numpy())
    file_names = list(dict.fromkeys(tr["file"].astype("str")))
    f_tx = tr["file"].astype("str").map({f: i for i, f in enumerate(file_names)}).to_numpy()

    def tx_index(frame: pd.DataFrame, name: str) -> np.ndarray:
        idx = tx_of.reindex(frame["trace_number"].astype("str").to_numpy()).to_numpy()
        if len(idx) and pd.isna(idx).any():
            i = int(np.flatnonzero(pd.isna(idx))[0])
            raise RemitWriteError(f"{name}, row {i + 1}: trace number "
                                  f"{frame['trace_number'].iloc[i]!r} is not in transactions")
        return idx.astype(np.int64)

    pay = _with_defaults(payments.reset_index(drop=True), _PAYMENT_DEFAULTS)
    _blank_required(pay, "payments", ("claim_id", "status_code", "payer_claim_control"))
    pay["trace_number"] = pay["trace_number"].astype("str")
    pay_tx = tx_index(pay, "payments")
    if "claim_seq" not in pay.columns:
        pay["claim_seq"] = pay.groupby(pay_tx, sort=False).cumcount().to_numpy() + 1
    pay_order = np.lexsort((pay["claim_seq"].to_numpy(), pay_tx))
    pay = pay.iloc[pay_order].reset_index(drop=True)
    pay_tx = pay_tx[pay_order]
    if pay.duplicated(["trace_number", "claim_seq"]).any():
        raise RemitWriteError("payments: claim_seq repeats within a transaction")

    lines = _with_defaults(service_lines.reset_index(drop=True), _LINE_DEFAULTS)
    line_claim = _claim_keys(lines, pay, "service_lines") if len(lines) else np.zeros(0, np.int64)
    if "line_seq" not in lines.columns:
        lines["line_seq"] = lines.groupby(line_claim, sort=False).cumcount().to_numpy() + 1
    l_order = np.lexsort((lines["line_seq"].to_numpy(dtype=np.int64), line_claim))
    lines = lines.iloc[l_order].reset_index(drop=True)
    line_claim = line_claim[l_order]
    l_seq = lines["line_seq"].to_numpy(dtype=np.int64)
    if len(lines) and pd.DataFrame({"c": line_claim, "l": l_seq}).duplicated().any():
        raise RemitWriteError("service_lines: line_seq repeats within a claim")

    adj = adjustments.reset_index(drop=True).copy()
    adj_claim = _claim_keys(adj, pay, "adjustments") if len(adj) else np.zeros(0, np.int64)
    if "line_seq" not in adj.columns:
        adj["line_seq"] = pd.array([pd.NA] * len(adj), dtype="Int64")
    adj_line_seq = pd.array(adj["line_seq"], dtype="Int64")
    at_line = ~np.asarray(adj_line_seq.isna())
    adj_l = np.where(at_line, adj_line_seq.fillna(0).to_numpy(dtype=np.int64), 0)
    adj_line_row = np.full(len(adj), -1, dtype=np.int64)
    if at_line.any():
        key = pd.Series(np.arange(len(lines)), index=pd.MultiIndex.from_arrays(
            [line_claim, l_seq]))
        found = key.reindex(pd.MultiIndex.from_arrays([adj_claim[at_line], adj_l[at_line]]))
        if found.isna().any():
            i = int(np.flatnonzero(at_line)[np.flatnonzero(found.isna().to_numpy())[0]])
            raise RemitWriteError(f"adjustments, row {i + 1}: no service line {adj_l[i]} in "
                                  f"claim payment {pay['claim_id'].iloc[adj_claim[i]]!r}")
        adj_line_row[at_line] = found.to_numpy(dtype=np.int64)
    if "quantity" not in adj.columns:
        adj["quantity"] = ""

    plb = provider_adjustments.reset_index(drop=True).copy()
    plb_tx = tx_index(plb, "provider_adjustments")
    for col in ("reference", "provider_id"):
        if col not in plb.columns:
            plb[col] = ""
    plb["provider_id"] = plb["provider_id"].astype("str").fillna("")
    blank_provider = (plb["provider_id"] == "").to_numpy()
    plb.loc[blank_provider, "provider_id"] = tr["payee_id"].astype("str").to_numpy()[
        plb_tx[blank_provider]]
    year_end = pd.to_datetime(tr["payment_date"]).dt.year.astype("str") + "-12-31"
    default_fp = pd.to_datetime(year_end).to_numpy(dtype="datetime64[us]")
    if "fiscal_period_date" not in plb.columns:
        plb["fiscal_period_date"] = pd.NaT
    fp = pd.to_datetime(plb["fiscal_period_date"]).to_numpy(dtype="datetime64[us]")
    fp = np.where(np.isnat(fp), default_fp[plb_tx] if len(plb_tx) else fp, fp)
    return _Tables(tr, file_names, f_tx, pay, pay_tx, pay["claim_seq"].to_numpy(np.int64),
                   lines, line_claim, l_seq, adj, adj_claim, adj_l, adj_line_row, plb, plb_tx,
                   fp)


def _header_pieces(pieces: _Pieces, t: _Tables, options: WriteOptions) -> None:
    """ST, BPR (amount computed), TRN, DTM*405, payer and payee loops, LX."""
    E, end = options.separators.element, options.end
    tr, f_tx = t.tr, t.f_tx
    T = len(tr)
    paid_per_tx = np.zeros(T, np.int64)
    np.add.at(paid_per_tx, t.pay_tx, t.pay["paid_cents"].to_numpy(dtype=np.int64))
    plb_per_tx = np.zeros(T, np.int64)
    np.add.at(plb_per_tx, t.plb_tx, t.plb["amount_cents"].to_numpy(dtype=np.int64))
    bpr_amount = paid_per_tx - plb_per_tx
    controls = tr["transaction_control"].astype("str").to_numpy(dtype=object)
    rank_in_file = pd.Series(f_tx).groupby(f_tx).cumcount().to_numpy() + 1
    controls = np.where(controls == "", np.char.zfill(rank_in_file.astype(str), 4), controls)
    t.controls = _text(controls)
    pay_date = _date_text(pd.to_datetime(tr["payment_date"]).to_numpy())
    tx_ids = np.arange(T)
    pieces.add(_join("ST", E, "835", E, t.controls, end), f_tx, tx_ids, 0, 0, 0, 0)
    method = _text(tr["payment_method"].str.upper())
    zero = pa.array(bpr_amount == 0)
    method = pc.if_else(zero, pa.scalar("NON", _LS), method)
    handling = pc.if_else(zero, pa.scalar("H", _LS), pc.if_else(
        pc.equal(method, "ACH"), pa.scalar("C", _LS), pa.scalar("I", _LS)))
    payer_id = _text(tr["payer_id"])
    bank = pc.if_else(pc.equal(method, "ACH"), _join(
        "CCP", E, "01", E, "999999992", E, "DA", E, "123456", E, payer_id, E, E, "01", E,
        "999988880", E, "DA", E, "98765"), pa.scalar(E * 10, _LS))
    pieces.add(_join("BPR", E, handling, E, amount_text(bpr_amount), E, "C", E, method, E, bank,
                     E, pay_date, end), f_tx, tx_ids, 0, 0, 0, 1)
    pieces.add(_join("TRN", E, "1", E, _text(tr["trace_number"]), E, payer_id, end),
               f_tx, tx_ids, 0, 0, 0, 2)
    pieces.add(_join("DTM", E, "405", E, pay_date, end), f_tx, tx_ids, 0, 0, 0, 3)
    pieces.add(_join("N1", E, "PR", E, _text(tr["payer"]), end), f_tx, tx_ids, 0, 0, 0, 4)
    pieces.add(_join("N3", E, _text(tr["payer_address"]), end), f_tx, tx_ids, 0, 0, 0, 5)
    pieces.add(_join("N4", E, _text(tr["payer_city"]), E, _text(tr["payer_state"]), E,
                     _text(tr["payer_zip"]), end), f_tx, tx_ids, 0, 0, 0, 6)
    pieces.add(_join("PER", E, "BL", E, _text(tr["payer_contact"]), E, "TE", E,
                     _text(tr["payer_phone"]), end), f_tx, tx_ids, 0, 0, 0, 7)
    pieces.add(_join("N1", E, "PE", E, _text(tr["payee_name"]), E, "XX", E,
                     _text(tr["payee_id"]), end), f_tx, tx_ids, 0, 0, 0, 8)
    lx = np.flatnonzero(np.bincount(t.pay_tx, minlength=T) > 0)
    pieces.add(pa.array([f"LX{E}1{end}"] * len(lx), _LS), f_tx[lx], lx, 0, 0, 0, 9)


def _claim_pieces(pieces: _Pieces, t: _Tables, options: WriteOptions) -> None:
    """CLP and NM1*QC of each claim payment (claim-level CAS come from _cas_pieces)."""
    E, end = options.separators.element, options.end
    pay = t.pay
    pf = t.f_tx[t.pay_tx]
    resp = pay["patient_responsibility_cents"].to_numpy(dtype=np.int64)
    resp_text = pc.if_else(pa.array(resp == 0), pa.scalar("", _LS), amount_text(resp))
    clp = _elements(E, "CLP", _text(pay["claim_id"]), _text(pay["status_code"]),
                    amount_text(pay["charge_cents"]), amount_text(pay["paid_cents"]), resp_text,
                    _text(pay["filing_indicator"]), _text(pay["payer_claim_control"]),
                    _text(pay["facility_code"]), _text(pay["frequency_code"]))
    pieces.add(_join(clp, end), pf, t.pay_tx, 1, t.c_seq, 0, 0)
    member = _text(pay["member_id"])
    nm1 = _elements(E, "NM1", "QC", "1", _text(pay["patient_last_name"]),
                    _text(pay["patient_first_name"]), "", "", "",
                    pc.if_else(pc.equal(member, ""), pa.scalar("", _LS), pa.scalar("MI", _LS)),
                    member)
    pieces.add(_join(nm1, end), pf, t.pay_tx, 1, t.c_seq, 0, 2)


def _line_pieces(pieces: _Pieces, t: _Tables, options: WriteOptions) -> None:
    """SVC, DTM*472, REF*6R and AMT*B6 of each service line (line CAS from _cas_pieces)."""
    E, comp, end = options.separators.element, options.separators.component, options.end
    lines, l_seq = t.lines, t.l_seq
    lt = t.pay_tx[t.line_claim]
    lf, lc = t.f_tx[lt], t.c_seq[t.line_claim]
    mods = pc.utf8_trim(pc.replace_substring_regex(_text(lines["modifiers"]), r"\s+", ""), ";")
    mods = pc.replace_substring(mods, ";", comp)
    composite = _join(_text(lines["procedure_qualifier"]), comp, _text(lines["procedure_code"]),
                      pc.if_else(pc.equal(mods, ""), pa.scalar("", _LS), _join(comp, mods)))
    units = lines["units"].astype("float64").fillna(1.0).to_numpy()
    units_text = pc.if_else(pa.array(units == 1.0), pa.scalar("", _LS), _units_text(units))
    svc = _elements(E, "SVC", composite, amount_text(lines["charge_cents"]),
                    amount_text(lines["paid_cents"]), _text(lines["revenue_code"]), units_text)
    pieces.add(_join(svc, end), lf, lt, 1, lc, l_seq, 0)
    if "service_date" in lines.columns:
        dates = pd.to_datetime(lines["service_date"]).to_numpy(dtype="datetime64[us]")
        has = ~np.isnat(dates)
        pieces.add(_join("DTM", E, "472", E, _date_text(dates[has]), end), lf[has], lt[has],
                   1, lc[has], l_seq[has], 1)
    ctl_text = lines["line_control"].astype("str").fillna("").to_numpy(dtype=object)
    has = ctl_text != ""
    pieces.add(_join("REF", E, "6R", E, _text(ctl_text[has]), end), lf[has], lt[has], 1,
               lc[has], l_seq[has], 3)
    if "allowed_cents" in lines.columns:
        allowed = pd.array(lines["allowed_cents"], dtype="Int64")
        has = ~np.asarray(allowed.isna())
        pieces.add(_join("AMT", E, "B6", E, amount_text(allowed[has].to_numpy(np.int64)), end),
                   lf[has], lt[has], 1, lc[has], l_seq[has], 4)


def _trailer_pieces(pieces: _Pieces, t: _Tables, options: WriteOptions) -> None:
    """SE with the number of segments from ST to SE."""
    E, end = options.separators.element, options.end
    T = len(t.tr)
    seg_count = np.zeros(T, dtype=np.int64)
    for keys, ends in zip(pieces.keys, pieces.ends):
        np.add.at(seg_count, keys[1][ends], 1)
    pieces.add(_join("SE", E, pc.cast(pa.array(seg_count + 1), _LS), E, t.controls, end),
               t.f_tx, np.arange(T), 3, 0, 0, 0)


def _units_text(units: np.ndarray) -> pa.Array:
    whole = units == np.round(units)
    as_int = pc.cast(pa.array(np.round(units).astype(np.int64)), _LS)
    as_float = pa.array([repr(float(u)) for u in units], _LS) if (~whole).any() else as_int
    return pc.if_else(pa.array(whole), as_int, as_float)


def _cas_pieces(pieces, adj, adj_claim, adj_l, pay_tx, f_tx, c_seq, E, end) -> None:
    """CAS segments: one per (claim or line, group), at most six reasons each."""
    order = np.lexsort((np.arange(len(adj)), adj_l, adj_claim))
    a = adj.iloc[order].reset_index(drop=True)
    claim, line = adj_claim[order], adj_l[order]
    group = a["group_code"].astype("str").to_numpy(dtype=object)
    owner = pd.DataFrame({"c": claim, "l": line, "g": group})
    block = owner.groupby(["c", "l", "g"], sort=False).ngroup().to_numpy()
    rank = owner.groupby(block, sort=False).cumcount().to_numpy()
    size = np.bincount(block)[block]
    seg = rank // 6
    order2 = np.lexsort((rank, seg, block))
    a, claim, line, block, rank, size, seg, group = (
        a.iloc[order2].reset_index(drop=True), claim[order2], line[order2], block[order2],
        rank[order2], size[order2], seg[order2], group[order2])
    first = rank % 6 == 0
    last = (rank % 6 == 5) | (rank == size - 1)
    qty = _text(a["quantity"])
    triple = _join(_text(a["reason_code"]), E, amount_text(a["amount_cents"]))
    with_qty = _join(triple, E, qty)
    body = pc.if_else(pa.array(last), pc.if_else(pc.equal(qty, ""), triple, with_qty), with_qty)
    head = pc.if_else(pa.array(first), _join("CAS", E, _text(group), E), pa.scalar(E, _LS))
    text = _join(head, body, pc.if_else(pa.array(last), pa.scalar(end, _LS),
                                        pa.scalar("", _LS)))
    tx = pay_tx[claim]
    pieces.add(text, f_tx[tx], tx, 1, c_seq[claim], line, np.where(line > 0, 2, 1),
               np.arange(len(a)), last)


def _plb_pieces(pieces, plb, plb_tx, fp, f_tx, E, comp, end) -> None:
    """PLB segments: one per (provider, fiscal date), at most six pairs each."""
    provider = plb["provider_id"].astype("str").to_numpy(dtype=object)
    date_text = _date_text(fp)
    frame = pd.DataFrame({"t": plb_tx, "p": provider, "d": date_text.to_pylist()})
    block = frame.groupby(["t", "p", "d"], sort=False).ngroup().to_numpy()
    rank = frame.groupby(block, sort=False).cumcount().to_numpy()
    size = np.bincount(block)[block]
    order = np.lexsort((rank, rank // 6, block))
    p = plb.iloc[order].reset_index(drop=True)
    block, rank, size, tx = block[order], rank[order], size[order], plb_tx[order]
    first = rank % 6 == 0
    last = (rank % 6 == 5) | (rank == size - 1)
    ref = _text(p["reference"])
    reason = pc.if_else(pc.equal(ref, ""), _text(p["reason_code"]),
                        _join(_text(p["reason_code"]), comp, ref))
    pair = _join(reason, E, amount_text(p["amount_cents"]))
    head = pc.if_else(pa.array(first), _join("PLB", E, _text(provider[order]), E,
                                             date_text.take(pa.array(order)), E),
                      pa.scalar(E, _LS))
    text = _join(head, pair, pc.if_else(pa.array(last), pa.scalar(end, _LS), pa.scalar("", _LS)))
    pieces.add(text, f_tx[tx], tx, 2, 0, 0, 0, np.arange(len(p)), last)


def _envelope_pieces(pieces, tr, file_names, f_tx, options: WriteOptions) -> None:
    """ISA, GS before each file's transactions; GE, IEA after (one interchange per file)."""
    seps, end, E = options.separators, options.end, options.separators.element
    _, first = np.unique(f_tx, return_index=True)
    counts = np.bincount(f_tx, minlength=len(file_names))
    head = tr.iloc[first]

    def column(name, default):
        if name not in head.columns:
            return [default] * len(head)
        return [default if v is None or pd.isna(v) or str(v).strip() == "" else v
                for v in head[name].tolist()]

    senders = [str(s or p) for s, p in zip(column("sender_id", ""), head["payer_id"].tolist())]
    receivers = [str(r or p) for r, p in zip(column("receiver_id", ""),
                                             head["payee_id"].tolist())]
    controls = [int(c) if c != "" else f + 1
                for f, c in enumerate(column("interchange_control", ""))]
    dates = [pd.Timestamp(d if d != "" else p) for d, p in
             zip(column("interchange_date", ""), head["payment_date"].tolist())]
    times = [str(t) for t in column("interchange_time", "1200")]
    usages = [str(u) for u in column("usage", "P")]
    isa, gs, ge, iea = [], [], [], []
    for f in range(len(file_names)):
        sender, receiver, control = senders[f], receivers[f], controls[f]
        date, time = dates[f], times[f]
        isa.append(E.join([
            "ISA", "00", " " * 10, "00", " " * 10, "ZZ", f"{sender[:15]:<15}", "ZZ",
            f"{receiver[:15]:<15}", date.strftime("%y%m%d"), time, seps.repetition, "00501",
            f"{control:09d}", "0", usages[f], seps.component]) + end)
        gs.append(E.join(["GS", "HP", sender, receiver, date.strftime("%Y%m%d"), time,
                          str(control), "X", _VERSION]) + end)
        ge.append(E.join(["GE", str(int(counts[f])), str(control)]) + end)
        iea.append(E.join(["IEA", "1", f"{control:09d}"]) + end)
    files = np.arange(len(file_names))
    for kind, texts, tx in ((0, isa, -1), (1, gs, -1), (0, ge, _BIG), (1, iea, _BIG)):
        pieces.add(pa.array(texts, _LS), files, tx, 0, 0, 0, kind)


def _split_files(text: pa.Array, files_sorted: np.ndarray, file_names: list[str],
                 out_dir) -> dict[str, bytes]:
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset: text.offset
                                                                 + len(text) + 1]
    data = text.buffers()[2]
    bounds = np.searchsorted(files_sorted, np.arange(len(file_names) + 1), side="left")
    out: dict[str, bytes] = {}
    for f, name in enumerate(file_names):
        a, b = offsets[bounds[f]], offsets[bounds[f + 1]]
        out[name] = data[a:b].to_pybytes()
    if out_dir is not None:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in out.items():
            (folder / name).write_bytes(content)
    return out


# ----------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------

def _check_separators(seps: Separators, tr, pay, lines, adj, plb) -> None:
    chars = np.frombuffer((seps.characters() + "\r\n").encode(), dtype=np.uint8)
    checks = [
        ("transactions", tr, ["trace_number", "payer", "payer_id", "payee_name", "payee_id",
                              "payer_address", "payer_city", "payer_state", "payer_zip",
                              "payer_contact", "payer_phone", "transaction_control",
                              "sender_id", "receiver_id"]),
        ("payments", pay, ["claim_id", "status_code", "payer_claim_control", "filing_indicator",
                           "facility_code", "frequency_code", "patient_last_name",
                           "patient_first_name", "member_id"]),
        ("service_lines", lines, ["procedure_qualifier", "procedure_code", "modifiers",
                                  "revenue_code", "line_control"]),
        ("adjustments", adj, ["group_code", "reason_code", "quantity"]),
        ("provider_adjustments", plb, ["provider_id", "reason_code", "reference"]),
    ]
    for name, frame, columns in checks:
        for col in columns:
            if col not in frame.columns or not len(frame):
                continue
            values = _text(frame[col])
            if col == "modifiers":
                values = pc.replace_substring(values, ";", "")
            values = values.cast(_LS)
            data = values.buffers()[2]
            if data is None:
                continue
            offsets = np.frombuffer(values.buffers()[1], dtype=np.int64)[
                values.offset: values.offset + len(values) + 1]
            raw = np.frombuffer(data, dtype=np.uint8)[offsets[0]: offsets[-1]]
            hits = np.flatnonzero(np.isin(raw, chars))
            if len(hits):
                i = int(np.searchsorted(offsets, hits[0] + offsets[0], side="right") - 1)
                raise RemitWriteError(
                    f"{name}, row {i + 1}, column '{col}': expected text without the X12 "
                    f"separators {seps.characters()!r} or line breaks; got "
                    f"{values[i].as_py()!r}")


def _check_balance(tr, pay, pay_tx, lines, line_claim, adj, adj_claim, adj_line_row, plb,
                   plb_tx) -> None:
    """Refuse to write what does not balance (docs/sources.md §5.4)."""
    amounts = adj["amount_cents"].to_numpy(dtype=np.int64) if len(adj) else np.zeros(0, np.int64)
    line_adj = np.zeros(len(lines), np.int64)
    at_line = adj_line_row >= 0
    np.add.at(line_adj, adj_line_row[at_line], amounts[at_line])
    if len(lines):
        charge = lines["charge_cents"].to_numpy(dtype=np.int64)
        paid = lines["paid_cents"].to_numpy(dtype=np.int64)
        bad = charge - line_adj != paid
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            c = int(line_claim[i])
            raise UnbalancedRemittance(
                f"service line {int(lines['line_seq'].iloc[i])} of claim "
                f"{pay['claim_id'].iloc[c]!r} (trace {pay['trace_number'].iloc[c]}) does not "
                f"balance: charge {format_cents_scalar(charge[i])} - adjustments "
                f"{format_cents_scalar(line_adj[i])} = {format_cents_scalar(charge[i] - line_adj[i])}"
                f", but paid is {format_cents_scalar(paid[i])} (SVC02 - CAS = SVC03); "
                f"{int(bad.sum())} line(s) in all")
    claim_adj = np.zeros(len(pay), np.int64)
    np.add.at(claim_adj, adj_claim, amounts)
    charge = pay["charge_cents"].to_numpy(dtype=np.int64)
    paid = pay["paid_cents"].to_numpy(dtype=np.int64)
    bad = charge - claim_adj != paid
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise UnbalancedRemittance(
            f"claim payment {pay['claim_id'].iloc[i]!r} (trace {pay['trace_number'].iloc[i]}) "
            f"does not balance: charge {format_cents_scalar(charge[i])} - claim and line "
            f"adjustments {format_cents_scalar(claim_adj[i])} = "
            f"{format_cents_scalar(charge[i] - claim_adj[i])}, but paid is "
            f"{format_cents_scalar(paid[i])} (CLP03 - CAS = CLP04); {int(bad.sum())} claim(s) "
            "in all")
    T = len(tr)
    total = np.zeros(T, np.int64)
    np.add.at(total, pay_tx, paid)
    plb_amount = plb["amount_cents"].to_numpy(dtype=np.int64) if len(plb) else np.zeros(0, np.int64)
    np.subtract.at(total, plb_tx, plb_amount)
    negative = total < 0
    if negative.any():
        i = int(np.flatnonzero(negative)[0])
        raise UnbalancedRemittance(
            f"remittance {tr['trace_number'].iloc[i]!r} would pay {format_cents_scalar(total[i])}"
            ": a payment (BPR02) cannot be negative; carry the shortfall forward with a "
            "negative FB provider adjustment (see with_forward_balance)")


# ----------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------

def format_835(interchange: Interchange, options: WriteOptions | None = None) -> str:
    """The 835 text of one interchange (same bytes as :func:`write_835` writes).

    Examples
    --------
    >>> from recoup_lib.remit.model import ClaimPayment
    >>> r = Remittance("T1", dt.date(2025, 3, 14), "PAYER", "1999999999", "CLINIC",
    ...                "1999999984", claims=(ClaimPayment("A", "1", 10000, 10000, "ICN1"),))
    >>> text = format_835(Interchange("SENDER", "RECEIVER", 1, dt.date(2025, 3, 14), (r,)))
    >>> text.splitlines()[3]
    'BPR*I*100*C*CHK************20250314~'
    """
    tables = tables_from_models([interchange], ["remit.835"])
    return write_835_from_tables(**tables, options=options)["remit.835"].decode("utf-8")


def write_835(path: str | Path, interchange: Interchange,
              options: WriteOptions | None = None) -> Path:
    """Write one interchange to ``path``; returns the path. See :func:`format_835`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(format_835(interchange, options), encoding="utf-8", newline="")
    return path
