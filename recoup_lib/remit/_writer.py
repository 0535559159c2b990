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
- X12's code rules: a CARC whose usage note asks for a remark code (16, 96,
  129, 234, 252) is sent with at least one RARC that is not an alert (LQ*HE
  on the line, or MOA/MIA on the claim); CARC 18 goes under group OA (CO
  only where workers' compensation rules ask for it). Remark codes are
  written where payers send them: LQ*HE per line, MOA (outpatient) or MIA
  (inpatient, with covered days) per claim.
- Deterministic bytes: no clock, no randomness; fixed element layout.

Amounts are written in the shortest exact form (``600``, ``287.35``,
``-2.35``, ``150.5``), dates as CCYYMMDD.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .model import Interchange
from ._write_input import RemitWriteError, UnbalancedRemittance, check_balance, \
    check_remarks, check_separators, prepare
from ._write_segments import (Pieces, WriteOptions, cas_pieces, claim_pieces, envelope_pieces,
                              header_pieces, line_pieces, plb_pieces, split_files,
                              trailer_pieces)
from ._x12text import amount_text

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
                    "claim_remark_codes": ";".join(c.remark_codes),
                    "covered_days": str(c.covered_days),
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
                        "remark_codes": ";".join(line.remark_codes),
                        "submitted_procedure_qualifier": line.submitted_procedure_qualifier,
                        "submitted_procedure_code": line.submitted_procedure_code,
                        "submitted_modifiers": ";".join(line.submitted_modifiers),
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
        "service_date", "line_control", "remark_codes", "submitted_procedure_qualifier",
        "submitted_procedure_code", "submitted_modifiers"])
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
        "member_id", "claim_remark_codes", "covered_days"])
    for frame in (lines, adjustments, plb, payments):
        for col in frame.columns:
            if col.endswith("_cents") and frame[col].dtype != "Int64":
                frame[col] = frame[col].astype("int64")
    return {"transactions": transactions, "payments": payments, "service_lines": lines,
            "adjustments": adjustments, "provider_adjustments": plb}



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
        frequency_code, patient_last_name, patient_first_name, member_id,
        claim_remark_codes (``;``-separated RARCs, written in MOA, or in MIA
        when covered_days is given).
    service_lines : pandas.DataFrame, optional
        trace_number, claim_seq (or claim_id), procedure_code, charge_cents,
        paid_cents; optional remark_codes (``;``-separated RARCs, one LQ*HE
        each), line_seq, procedure_qualifier, modifiers
        (``;``-separated), units, service_date, line_control (REF*6R),
        allowed_cents, revenue_code, submitted_procedure_qualifier,
        submitted_procedure_code and submitted_modifiers (SVC06, the code
        billed when the payer adjudicated another; a blank or missing
        submitted_procedure_qualifier is written as procedure_qualifier).
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
        a row refers to a claim that does not exist, a trace number repeats,
        a CARC that X12 wants with a remark code (16, 96, 129, 234, 252) has
        none, or CARC 18 is under a group other than OA (or CO).
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
    t = prepare(transactions, payments, service_lines, adjustments, provider_adjustments)
    check_separators(options.separators, t.tr, t.pay, t.lines, t.adj, t.plb)
    check_remarks(t.pay, t.lines, t.line_claim, t.adj, t.adj_claim, t.adj_line_row)
    check_balance(t.tr, t.pay, t.pay_tx, t.lines, t.line_claim, t.adj, t.adj_claim,
                   t.adj_line_row, t.plb, t.plb_tx)
    pieces = Pieces()
    header_pieces(pieces, t, options)
    claim_pieces(pieces, t, options)
    if len(t.lines):
        line_pieces(pieces, t, options)
    if len(t.adj):
        cas_pieces(pieces, t.adj, t.adj_claim, t.adj_l, t.pay_tx, t.f_tx, t.c_seq,
                    options.separators.element, options.end)
    if len(t.plb):
        plb_pieces(pieces, t.plb, t.plb_tx, t.fiscal_dates, t.f_tx,
                    options.separators.element, options.separators.component, options.end)
    trailer_pieces(pieces, t, options)
    envelope_pieces(pieces, t.tr, t.file_names, t.f_tx, options)
    text, files_sorted = pieces.assemble()
    return split_files(text, files_sorted, t.file_names, out_dir)


def format_835(interchange: Interchange, options: WriteOptions | None = None) -> str:
    """The 835 text of one interchange (same bytes as :func:`write_835` writes).

    Examples
    --------
    >>> import datetime as dt
    >>> from recoup_lib.remit import ClaimPayment, Remittance
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
