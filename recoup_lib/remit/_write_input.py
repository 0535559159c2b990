"""The writer's input: tables checked, defaulted, ordered, linked by row numbers, and balanced.

:func:`prepare` checks the five tables :func:`~recoup_lib.remit.write_835_from_tables`
takes (required columns, integer cents, blank values, claims and lines that
exist), fills neutral defaults and links every row to its transaction, claim
and line. :func:`check_separators` refuses text that holds an X12 separator;
:func:`check_balance` refuses what does not balance (docs/sources.md §5.4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import RecoupError
from ..money import format_cents_scalar
from ..x12 import Separators
from ._x12text import LS, arrow_text, as_text

__all__ = ["RemitWriteError", "UnbalancedRemittance", "Tables", "prepare", "check_separators",
           "check_balance", "check_remarks", "REMARK_REQUIRED", "GROUPS_ALLOWED"]


class RemitWriteError(RecoupError):
    """The tables or models cannot be written as a valid 835 (the message says why)."""


class UnbalancedRemittance(RemitWriteError):
    """A line, a claim or a payment does not balance (docs/sources.md §5.4); nothing was written."""



_TRANSACTION_DEFAULTS = {
    "file": "remit.835", "payment_method": "CHK", "transaction_control": "",
    "sender_id": "", "receiver_id": "", "interchange_time": "1200", "usage": "P",
    "payer_address": "PO BOX 1", "payer_city": "ANYTOWN", "payer_state": "MD",
    "payer_zip": "21244", "payer_contact": "PROVIDER SERVICES", "payer_phone": "8005550100",
}
_PAYMENT_DEFAULTS = {
    "patient_responsibility_cents": 0, "filing_indicator": "MB", "facility_code": "",
    "frequency_code": "", "patient_last_name": "PATIENT", "patient_first_name": "",
    "member_id": "", "claim_remark_codes": "", "covered_days": "",
}
_LINE_DEFAULTS = {"procedure_qualifier": "HC", "modifiers": "", "revenue_code": "",
                  "units": 1.0, "line_control": "", "remark_codes": ""}

#: CARCs whose X12 usage note asks for at least one remark code (RARC) that is not an
#: alert (X12 CARC list; docs/sources.md §6.2).
REMARK_REQUIRED = frozenset({"16", "96", "129", "234", "252"})
#: CARCs whose X12 usage note names their group codes: 18 (exact duplicate) goes under OA,
#: or CO where state workers' compensation rules ask for it.
GROUPS_ALLOWED = {"18": ("OA", "CO")}
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
        values = frame[col]
        if (text := arrow_text(values)) is not None:
            bad = pc.or_kleene(pc.is_null(text), pc.equal(pc.utf8_trim_whitespace(text), ""))
            bad = bad.to_numpy(zero_copy_only=False)
        else:
            text = values.astype("str").fillna("")
            bad = (text.str.strip() == "").to_numpy() | values.isna().to_numpy()
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
            frame[col] = _text_or_default(frame[col], value)
    return frame


def _text_or_default(values: pd.Series, default: str) -> pd.Series:
    """A column as text, its missing and empty cells set to ``default``.

    Done on the column's Arrow buffer, and only where a cell needs it: the
    writer runs on tables of a few rows many times over (tests, lessons),
    where each pandas step costs more than the data.
    """
    arrow = arrow_text(values)
    text = values if arrow is not None else values.astype("str")
    arrow = arrow if arrow is not None else pa.array(text.array)
    filled = pc.fill_null(arrow, "")
    blank = pc.equal(filled, "")
    if default != "" and pc.any(blank).as_py():
        filled = pc.if_else(blank, default, filled)
    elif not arrow.null_count:
        return text
    return pd.Series(pd.array(filled, dtype="str"), index=text.index, name=text.name)


#: Above this many rows (claims and the rows linked to them), :func:`_claim_keys` links them
#: with a merge, faster than a dict on large tables.
_DICT_LINK_MAX = 20_000


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
    if len(frame) + len(claims) > _DICT_LINK_MAX:
        left = frame[key_cols].astype("str").reset_index(drop=True)
        right = claims[key_cols].astype("str").assign(_row=np.arange(len(claims)))
        rows = left.merge(right, on=key_cols, how="left")["_row"].fillna(-1).to_numpy(np.int64)
    else:
        # The same link (keys compared as text, a missing key equal to another missing one, as
        # in the merge) through a dict: on the few rows of a small remittance, the merge's own
        # set-up cost more than the rest of the writer.
        row_of: dict[tuple, int] = {}
        for row, key in enumerate(zip(*_key_lists(claims, key_cols))):
            row_of.setdefault(key, row)
        rows = np.fromiter((row_of.get(key, -1) for key in zip(*_key_lists(frame, key_cols))),
                           dtype=np.int64, count=len(frame))
    if (rows < 0).any():
        i = int(np.flatnonzero(rows < 0)[0])
        raise RemitWriteError(f"{name}, row {i + 1}: no claim payment with " + ", ".join(
            f"{k} {frame[k].astype('str').iloc[i]!r}" for k in key_cols))
    return rows


def _key_lists(frame: pd.DataFrame, key_cols: list[str]) -> list[list]:
    """Each key column as a list of text, ``None`` where a value is missing."""
    lists = []
    for k in key_cols:
        text = frame[k].astype("str")
        values = text.tolist()
        lists.append([None if v != v else v for v in values] if text.hasnans else values)
    return lists



@dataclass
class Tables:
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


def prepare(transactions, payments, service_lines, adjustments,
             provider_adjustments) -> Tables:
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
    return Tables(tr, file_names, f_tx, pay, pay_tx, pay["claim_seq"].to_numpy(np.int64),
                   lines, line_claim, l_seq, adj, adj_claim, adj_l, adj_line_row, plb, plb_tx,
                   fp)


def check_separators(seps: Separators, tr, pay, lines, adj, plb) -> None:
    chars = np.frombuffer((seps.characters() + "\r\n").encode(), dtype=np.uint8)
    checks = [
        ("transactions", tr, ["trace_number", "payer", "payer_id", "payee_name", "payee_id",
                              "payer_address", "payer_city", "payer_state", "payer_zip",
                              "payer_contact", "payer_phone", "transaction_control",
                              "sender_id", "receiver_id"]),
        ("payments", pay, ["claim_id", "status_code", "payer_claim_control", "filing_indicator",
                           "facility_code", "frequency_code", "patient_last_name",
                           "patient_first_name", "member_id", "claim_remark_codes",
                           "covered_days"]),
        ("service_lines", lines, ["procedure_qualifier", "procedure_code", "modifiers",
                                  "revenue_code", "line_control", "remark_codes",
                                  "submitted_procedure_qualifier", "submitted_procedure_code",
                                  "submitted_modifiers"]),
        ("adjustments", adj, ["group_code", "reason_code", "quantity"]),
        ("provider_adjustments", plb, ["provider_id", "reason_code", "reference"]),
    ]
    for name, frame, columns in checks:
        for col in columns:
            if col not in frame.columns or not len(frame):
                continue
            values = as_text(frame[col])
            if col in ("modifiers", "submitted_modifiers", "claim_remark_codes", "remark_codes"):
                values = pc.replace_substring(values, ";", "")
            values = values.cast(LS)
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


def _alerts() -> frozenset:
    """RARCs known to be alerts (they inform; they do not say why a claim was adjusted)."""
    from ..reference import load

    rarc = load("rarc")
    return frozenset(rarc.loc[rarc["meaning"].str.startswith("Alert"), "code"].astype(str))


def check_remarks(pay: pd.DataFrame, lines: pd.DataFrame, line_claim: np.ndarray,
                  adj: pd.DataFrame, adj_claim: np.ndarray, adj_line_row: np.ndarray) -> None:
    """Refuse what X12 does not allow: a CARC that needs a remark code sent without one,
    or a CARC under a group code its usage note rules out (docs/sources.md §6.1-6.3)."""
    if not len(adj):
        return
    reason = adj["reason_code"].astype("str").str.strip().to_numpy(dtype=object)
    group = adj["group_code"].astype("str").str.strip().to_numpy(dtype=object)
    for code, allowed in GROUPS_ALLOWED.items():
        bad = (reason == code) & ~np.isin(group, allowed)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise RemitWriteError(
                f"adjustments, row {i + 1}: CARC {code} goes under group "
                f"{' or '.join(allowed)} (X12's usage note), not {group[i]} (claim "
                f"{pay['claim_id'].iloc[adj_claim[i]]!r})")
    need = np.isin(reason, sorted(REMARK_REQUIRED))
    if not need.any():
        return
    alerts = _alerts()

    def useful(values: pd.Series) -> np.ndarray:
        codes, distinct = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
        ok = np.array([any(c.strip() and c.strip() not in alerts for c in str(v).split(";"))
                       for v in distinct], dtype=bool)
        return ok[codes]

    claim_ok = useful(pay["claim_remark_codes"])
    line_ok = useful(lines["remark_codes"]) if len(lines) else np.zeros(0, bool)
    at_line = adj_line_row >= 0
    ok = claim_ok[adj_claim].copy()
    if at_line.any():
        ok[at_line] |= line_ok[adj_line_row[at_line]]
    missing = need & ~ok
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        where = (f"service line {int(lines['line_seq'].iloc[adj_line_row[i]])} of claim"
                 if at_line[i] else "claim")
        raise RemitWriteError(
            f"adjustments, row {i + 1}: CARC {reason[i]} on {where} "
            f"{pay['claim_id'].iloc[adj_claim[i]]!r} needs at least one remark code (RARC) "
            "that is not an alert, as X12's usage note says: give the line's remark_codes "
            "(LQ) or the claim's claim_remark_codes (MOA/MIA)")


def check_balance(tr, pay, pay_tx, lines, line_claim, adj, adj_claim, adj_line_row, plb,
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
