"""Payments from 835 remittances, as rows of payments.csv.

Each service line payment (SVC) becomes one payments.csv row: claim_id CLP01,
payment_id the check or EFT trace number (TRN02), payment_date the
remittance's payment date, allowed AMT*B6 (blank when the payer sent none),
paid SVC03 (negative on a reversal, CLP02 = 22). Which line it paid is found
as ``docs/contract.md`` says, in this order: the line whose control number
(REF*6R, which the 837 sent and the 835 echoes) matches, among the claim
lines imported; a control number that is itself a line number; the SVC's
position within its CLP. A claim payment without service lines is put on
the claim's only line, or set aside when the claim has several. When the
payer adjudicated another code than the one billed (SVC06 holds the code
billed, SVC01 the code paid), ``matched_by`` says so with both codes.

A payment placed by its position (or by a control number read as a line
number) stays there, as the contract says; but when the line there bills
another procedure code than the SVC's billed code (SVC06, else SVC01's),
``matched_by`` says so, naming the one other line of the claim billing that
code when there is one: a payer that lists a claim's lines in another order,
or leaves out a denied one, otherwise puts money on the wrong line in
silence. :func:`other_code_note` counts them for the import's summary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..remit import read_835
from ..rules import modifier_key
from ._line_match import ONLY_LINE

__all__ = ["payments_from_835", "other_code_note"]

#: What ``matched_by`` says of a payment placed on a line that bills another code (counted by
#: :func:`other_code_note`).
THERE_BILLS = "the line there bills "


def _code_changed(lines: pd.DataFrame) -> np.ndarray:
    """Per service line, what the payer changed of the code billed (SVC06) in the code it paid (SVC01),
    in words (``the payer changed the code billed: 99214 paid, 99215-25 billed``); ``""`` where the SVC
    has no SVC06 or repeats the code billed there."""
    def written(code: str, modifiers: str) -> str:
        return "-".join([code, *modifiers.split(";")]) if modifiers else code

    said = np.full(len(lines), "", dtype=object)
    sent = np.flatnonzero((lines["submitted_procedure_code"].astype(str) != "").to_numpy())
    if not len(sent):
        return said
    codes = lines[["procedure_code", "modifiers", "submitted_procedure_code", "submitted_modifiers"]].iloc[sent]
    codes = codes.astype(str)
    changed = ((codes["procedure_code"] != codes["submitted_procedure_code"])
               | (modifier_key(codes["modifiers"]) != modifier_key(codes["submitted_modifiers"]))).to_numpy()
    said[sent[changed]] = [f"the payer changed the code billed: {written(c, m)} paid, {written(b, bm)} billed"
                           for c, m, b, bm in codes.loc[changed].itertuples(index=False)]
    return said


def _line_keys(claim_lines: pd.DataFrame) -> pd.DataFrame:
    """The claim lines imported as ``claim_id`` (text) and ``line_no`` (``Int64``), the keys an 835
    payment is compared with."""
    return pd.DataFrame({"claim_id": claim_lines["claim_id"].astype(str).to_numpy(),
                         "line_no": pd.array(pd.to_numeric(claim_lines["line_no"], errors="coerce"), dtype="Int64")})


def _control_as_line_no(lines: pd.DataFrame, claim_ids: np.ndarray,
                        claim_lines: pd.DataFrame | None) -> pd.arrays.IntegerArray:
    """Each service line's control number read as a line number by the 835 reader (REF*6R of at most
    six digits), unless its claim (``claim_ids``: the lines' claim ids as text) was imported and has
    no line of that number; NA elsewhere (the SVC's position is then the better guess)."""
    control = pd.array(lines["line_no"], dtype="Int64")
    candidates = np.flatnonzero(pd.notna(control))
    if claim_lines is None or not len(claim_lines) or not len(candidates):
        return control
    known = _line_keys(claim_lines)
    wanted = pd.DataFrame({"claim_id": claim_ids[candidates], "line_no": control[candidates]})
    imported = wanted["claim_id"].isin(known["claim_id"]).to_numpy()
    named = wanted.merge(known.drop_duplicates().assign(_named=True), how="left", on=["claim_id", "line_no"],
                         sort=False)["_named"].notna().to_numpy()
    control[candidates[imported & ~named]] = pd.NA
    return control


def _other_code_there(lines: pd.DataFrame, claim_ids: np.ndarray, line_no: pd.arrays.IntegerArray,
                       placed: np.ndarray, claim_lines: pd.DataFrame | None) -> np.ndarray:
    """Per service line placed by position or a control number read as a line number (``placed``), what
    differs when the claim line there bills another procedure code than the SVC's billed code (SVC06,
    else SVC01's): ``the line there bills 99213; the payment is for 36415``, with ``; line 3 bills
    36415`` when exactly one other line of the claim bills it. ``""`` elsewhere, where the codes agree,
    where no claim line is there, and where the code billed is a revenue code (qualifier ``NU``)."""
    said = np.full(len(lines), "", dtype=object)
    if claim_lines is None or "procedure_code" not in claim_lines.columns or not placed.any():
        return said
    submitted = lines["submitted_procedure_code"].astype(str).to_numpy(dtype=object)
    billed = np.where(submitted != "", submitted, lines["procedure_code"].astype(str).to_numpy(dtype=object))
    qualifier = np.where(submitted != "", lines["submitted_procedure_qualifier"].astype(str).to_numpy(dtype=object),
                         lines["procedure_qualifier"].astype(str).to_numpy(dtype=object))
    looked = np.flatnonzero(placed & pd.notna(line_no) & (billed != "") & (qualifier != "NU"))
    known = _line_keys(claim_lines).assign(there=claim_lines["procedure_code"].astype(str).to_numpy(dtype=object)
                                           ).drop_duplicates(["claim_id", "line_no"])
    wanted = pd.DataFrame({"_i": looked, "claim_id": claim_ids[looked], "line_no": line_no[looked],
                           "billed": billed[looked]})
    there = wanted.merge(known, how="inner", on=["claim_id", "line_no"], sort=False)
    other = there.loc[there["there"] != there["billed"]]
    if not len(other):
        return said
    billing = other.merge(known.rename(columns={"line_no": "other_line", "there": "billed"}),
                          how="inner", on=["claim_id", "billed"], sort=False)
    billing = billing.loc[billing["other_line"] != billing["line_no"]]
    billing = billing.loc[billing["_i"].map(billing["_i"].value_counts()) == 1]
    line_of = dict(zip(billing["_i"], billing["other_line"]))
    said[other["_i"].to_numpy()] = [
        f"{THERE_BILLS}{code}; the payment is for {paid}"
        + (f"; line {line_of[i]} bills {paid}" if i in line_of else "")
        for i, code, paid in zip(other["_i"], other["there"], other["billed"])]
    return said


def other_code_note(matched_by: pd.Series) -> list[str]:
    """The summary's note on one 835 file's payments placed by position (or a control number read as a
    line number) on a line billing another code (``matched_by``: its payments' column); ``[]`` when none."""
    count = int(matched_by.astype(str).str.contains(THERE_BILLS, regex=False).sum())
    if not count:
        return []
    return [f"{count:,} 835 payment(s) placed by position or by a control number read as a line number on a line "
            "billing another code than the one paid for (a payer listing the claim's lines in another order, or "
            "leaving one out): check them in payments.csv's matched_by"]


def payments_from_835(paths, claim_lines: pd.DataFrame | None):
    """835 files -> (payments text frame, row numbers, labels, set-aside frame, messages).

    Parameters
    ----------
    paths : list of path-like
    claim_lines : pandas.DataFrame, optional
        The claim lines imported (``claim_id``, ``line_no``, ``procedure_code``, and
        ``line_control`` when they came from 837s), to resolve control numbers and to
        check the code billed on the line a payment is placed on by position.
    """
    remit = read_835(paths)
    lines = remit.service_lines
    pays = remit.payments
    messages = [str(m) for m in remit.problems["message"]]
    date_of = pays.set_index(["file", "trace_number", "claim_seq"])["payment_date"]
    key = pd.MultiIndex.from_arrays([lines["file"], lines["trace_number"], lines["claim_seq"]])
    claim_ids = lines["claim_id"].astype(str).to_numpy()
    control = _control_as_line_no(lines, claim_ids, claim_lines)
    line_no = control.copy()
    how = np.where(pd.notna(line_no), "control number", "position")
    if claim_lines is not None and "line_control" in claim_lines.columns and len(lines):
        controls = claim_lines.loc[claim_lines["line_control"].astype(str) != "",
                                   ["claim_id", "line_control", "line_no"]].drop_duplicates(
            ["claim_id", "line_control"])
        found = pd.DataFrame({"claim_id": claim_ids,
                              "line_control": lines["line_control"].astype(str).to_numpy()}).merge(
            controls.astype({"claim_id": str, "line_control": str}), how="left",
            on=["claim_id", "line_control"])["line_no"]
        matched = found.notna().to_numpy()
        line_no = pd.array(np.where(matched, found.astype("Int64").fillna(0).to_numpy(),
                                    line_no.fillna(0).to_numpy()), dtype="Int64")
        line_no[~matched & pd.isna(control)] = pd.NA
        how = np.where(matched, "837 control number", how)
    line_no = line_no.fillna(pd.array(lines["line_seq"], dtype="Int64")) if len(lines) else line_no
    changed = _code_changed(lines)
    elsewhere = _other_code_there(lines, claim_ids, line_no, np.isin(how, ["position", "control number"]),
                                  claim_lines)
    said = np.where((changed != "") & (elsewhere != ""), changed + "; " + elsewhere, changed + elsewhere)
    told = said != ""
    how = how.astype(object)
    how[told] = how[told] + " (" + said[told] + ")"
    frame = pd.DataFrame({
        "claim_id": claim_ids,
        "line_no": [str(x) for x in line_no],
        "payment_id": lines["trace_number"].astype(str).to_numpy(),
        "payment_date": pd.Series(date_of.reindex(key).to_numpy()).dt.strftime("%Y-%m-%d").fillna("").to_numpy(),
        "allowed": [("" if pd.isna(c) else f"{int(c) / 100:.2f}") for c in lines["allowed_cents"]],
        "paid": [f"{int(c) / 100:.2f}" for c in lines["paid_cents"]],
        "line_control": lines["line_control"].astype(str).to_numpy(),
        "matched_by": how,
    })
    rows = lines["segment"].to_numpy(dtype=np.int64)
    labels = lines["file"].astype(str).to_numpy()
    # Claim payments without service lines.
    bare = pays.loc[pays["service_lines"] == 0]
    aside = []
    extra_rows = []
    if len(bare):
        counts = (claim_lines.groupby("claim_id").size() if claim_lines is not None and len(claim_lines)
                  else pd.Series(dtype="int64"))
        for p in bare.itertuples():
            if p.paid_cents == 0:
                continue
            if counts.get(p.claim_id, 0) == 1:
                only = claim_lines.loc[claim_lines["claim_id"] == p.claim_id, "line_no"].iloc[0]
                extra_rows.append((p.file, int(p.segment), {
                    "claim_id": p.claim_id, "line_no": str(only), "payment_id": p.trace_number,
                    "payment_date": p.payment_date.strftime("%Y-%m-%d") if pd.notna(p.payment_date) else "",
                    "allowed": "", "paid": f"{p.paid_cents / 100:.2f}", "line_control": "",
                    "matched_by": ONLY_LINE}))
            else:
                why = ("for a claim with several lines: which line it paid cannot be told"
                       if counts.get(p.claim_id, 0) else "for a claim not among the claims imported")
                aside.append((p.file, int(p.segment), f"a claim payment (CLP) without service lines, {why}",
                              f"CLP*{p.claim_id}*{p.status_code}*... paid {p.paid_cents / 100:.2f}"))
    if extra_rows:
        frame = pd.concat([frame, pd.DataFrame([r[2] for r in extra_rows])], ignore_index=True)
        rows = np.concatenate([rows, [r[1] for r in extra_rows]])
        labels = np.concatenate([labels, [r[0] for r in extra_rows]])
    return frame.astype(pd.StringDtype("pyarrow")), rows, labels, aside, messages
