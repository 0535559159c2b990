"""Money taken back: reversals in the claim data and offsets in the PLB (docs/contract.md, "Remittances")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._columns import COLUMNS, typed

__all__ = ["RECOUPMENT_REASONS", "recoupments"]

#: PLB reason codes whose positive amount is an offset (docs/contract.md "Remittances").
RECOUPMENT_REASONS = ("WO", "FB")


class _ClaimIndex:
    """Resolve PLB references to the claims they concern.

    A reference is matched, in this order, against payer claim control
    numbers (CLP07), then patient control numbers (CLP01), seen anywhere in
    the batch: the whole reference, then each word of it (Medicare writes
    "ICN HIC"), then its start (a number of at least 8 characters followed
    directly by other text). Only the candidate strings of the references
    are looked up, so the cost follows the number of PLB references.
    """

    MIN_PREFIX = 8

    def __init__(self, payments: pd.DataFrame, references: list[str]):
        controls = payments["payer_claim_control"]
        ids = payments["claim_id"]
        self.control_lengths = sorted({int(n) for n in controls.str.len().unique()
                                       if n >= self.MIN_PREFIX}, reverse=True)
        self.id_lengths = sorted({int(n) for n in ids.str.len().unique()
                                  if n >= self.MIN_PREFIX}, reverse=True)
        wanted: set[str] = set()
        for ref in references:
            ref = ref.strip()
            wanted.update(ref.split())
            wanted.add(ref)
            wanted.update(ref[:n] for n in self.control_lengths + self.id_lengths if n < len(ref))
        wanted.discard("")
        value_set = pa.array(sorted(wanted), pa.large_string())

        def among(column: pd.Series) -> np.ndarray:
            values = pa.array(column.array).cast(pa.large_string())
            return np.asarray(pc.is_in(values, value_set=value_set))

        self.by_control: dict[str, set[str]] = {}
        self.controls_of: dict[str, set[str]] = {}
        hit = among(controls)
        for ctl, cid in zip(controls[hit].tolist(), ids[hit].tolist()):
            self.by_control.setdefault(ctl, set()).add(cid)
        hit = among(ids)
        for cid, ctl in zip(ids[hit].tolist(), controls[hit].tolist()):
            self.controls_of.setdefault(cid, set()).update([ctl] if ctl else [])

    def _by_control(self, key: str, how: str) -> tuple[str, str, str]:
        ids = self.by_control[key]
        return (next(iter(ids)), key, how) if len(ids) == 1 else ("", key, "ambiguous")

    def _by_claim(self, key: str, how: str) -> tuple[str, str, str]:
        controls = self.controls_of[key]
        return key, (next(iter(controls)) if len(controls) == 1 else ""), how

    def resolve(self, reference: str) -> tuple[str, str, str]:
        """``(claim_id, payer_claim_control, match)``; match is ``none`` when nothing fits."""
        ref = reference.strip()
        if not ref:
            return "", "", "none"
        words = [ref] + [w for w in ref.split() if w != ref]
        for w in words:
            if w in self.by_control:
                return self._by_control(w, "payer_claim_control")
        for w in words:
            if w in self.controls_of:
                return self._by_claim(w, "claim_id")
        for n in self.control_lengths:
            if len(ref) > n and ref[:n] in self.by_control:
                return self._by_control(ref[:n], "payer_claim_control prefix")
        for n in self.id_lengths:
            if len(ref) > n and ref[:n] in self.controls_of:
                return self._by_claim(ref[:n], "claim_id prefix")
        return "", "", "none"


def recoupments(transactions: pd.DataFrame, payments: pd.DataFrame,
                 plb: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Money taken back: reversals in claim data, offsets in PLB (docs/contract.md "Remittances").

    Returns the PLB table with ``claim_id``, ``payer_claim_control`` and
    ``match`` resolved, and the recoupments table.

    Notes
    -----
    - ``reversal``: a CLP with status 22, or any CLP with a negative paid
      amount; the amount is the paid amount negated (a reversal that takes
      nothing back, such as that of a denial, has no row). The claim is CLP01
      (X12 RFI #2150: a reversal carries the original patient control
      number); ``reason_code`` is the CLP02 status; ``reference`` is CLP07.
    - ``offset``: a PLB ``WO`` or ``FB`` with a positive amount; the claim is
      resolved from the reference (:class:`_ClaimIndex`). When it cannot be,
      a WO's ``payer_claim_control`` is still the reference's first word (the
      payer's control number by convention) and ``match`` is ``none``.
    - ``deferred_cents``: the part of a reversal that the same transaction
      hands back through a negative WO for the same claim: the payer reversed
      but chose not to take the money yet (X12 RFI #227, #578; docs/sources.md §5.5).
      The later positive WO is its own offset row.
    """
    refs = plb["reference"].tolist()
    unique_refs = list(dict.fromkeys(refs))
    index = _ClaimIndex(payments, unique_refs)
    resolved = {r: index.resolve(r) for r in unique_refs}
    plb = plb.copy()
    for i, name in enumerate(("claim_id", "payer_claim_control", "match")):
        plb[name] = pd.Series([resolved[r][i] for r in refs], dtype="str", index=plb.index)
    # Status 22 or not, only a negative paid amount takes money back.
    rev = payments.loc[payments["paid_cents"] < 0]
    reversals = pd.DataFrame({
        "_tx": rev["_tx"], "_file": rev["_file"], "file": rev["file"],
        "trace_number": rev["trace_number"],
        "claim_id": rev["claim_id"], "amount_cents": -rev["paid_cents"],
        "mechanism": "reversal", "reason_code": rev["status_code"],
        "reference": rev["payer_claim_control"], "payer_claim_control": rev["payer_claim_control"],
        "match": "clp01", "segment": rev["segment"],
    })
    off = plb.loc[plb["reason_code"].isin(RECOUPMENT_REASONS) & (plb["amount_cents"] > 0)]
    # An unresolved WO still names the payer's control number first, by convention.
    first_word = (off["reference"].str.strip().str.split().str[0].fillna("").astype("str") if len(off)
                  else pd.Series([], index=off.index, dtype="str"))
    control = off["payer_claim_control"].where(
        (off["payer_claim_control"] != "") | (off["reason_code"] != "WO"), first_word)
    offsets = pd.DataFrame({
        "_tx": off["_tx"], "_file": off["_file"], "file": off["file"],
        "trace_number": off["trace_number"],
        "claim_id": off["claim_id"], "amount_cents": off["amount_cents"],
        "mechanism": "offset", "reason_code": off["reason_code"], "reference": off["reference"],
        "payer_claim_control": control, "match": off["match"],
        "segment": off["segment"],
    })
    frames = [f for f in (reversals, offsets) if len(f)]
    rec = pd.concat(frames, ignore_index=True) if frames else reversals.iloc[0:0]
    rec = rec.sort_values(["_tx", "segment"], kind="stable").reset_index(drop=True)
    rec["deferred_cents"] = _deferred(rec, plb)
    info = transactions.set_index("_tx")
    rec["payer"] = info["payer"].reindex(rec["_tx"]).to_numpy()
    rec["payment_date"] = info["payment_date"].reindex(rec["_tx"]).to_numpy()
    data = {name: rec[name].to_numpy() for name, _ in COLUMNS["recoupments"]}
    data["_tx"] = rec["_tx"].to_numpy()
    data["_file"] = rec["_file"].to_numpy()
    return plb, typed(data, "recoupments", len(rec))


def _deferred(rec: pd.DataFrame, plb: pd.DataFrame) -> np.ndarray:
    """Cents of each reversal row whose recovery a negative WO defers (same transaction)."""
    deferred = np.zeros(len(rec), dtype=np.int64)
    negative = plb.loc[(plb["reason_code"] == "WO") & (plb["amount_cents"] < 0)]
    if not len(negative) or not len(rec):
        return deferred
    is_rev = (rec["mechanism"] == "reversal").to_numpy()
    tx, cid, ctl = rec["_tx"].to_numpy(), rec["claim_id"].to_numpy(), \
        rec["payer_claim_control"].to_numpy()
    amount = rec["amount_cents"].to_numpy()
    for t, d_cid, d_ctl, d_amount in zip(negative["_tx"], negative["claim_id"],
                                         negative["payer_claim_control"],
                                         negative["amount_cents"]):
        left = -int(d_amount)
        same = is_rev & (tx == t) & (((ctl == d_ctl) & (d_ctl != "")) |
                                     ((cid == d_cid) & (d_cid != "")))
        for i in np.flatnonzero(same):
            take = min(left, int(amount[i] - deferred[i]))
            deferred[i] += take
            left -= take
            if left == 0:
                break
    return deferred
