"""Incorrect-billing rules: the code, the combination of codes, or the units were wrong.

Category "incorrect_billing" (docs/contract.md). What the office does next:
correct the code and resubmit, or refund.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import prorate, times_units
from ._hits import NO_HITS, among, date_text, hits, usd
from ._registry import register
from ._vocabulary import EM_FAMILIES

_FAMILY_OF = {code: family for family, codes in EM_FAMILIES.items() for code in codes}


def em_family(codes: pd.Series) -> pd.Series:
    """``new`` for 9920x, ``established`` for 9921x office visits, else blank.

    Any five-character code starting 9920 or 9921 belongs to the family, so a
    deleted code such as 99201 is still compared within its family.
    """
    s = codes.fillna("").astype("str")
    out = pd.Series("", index=s.index, dtype="str")
    is_code = s.str.fullmatch(r"992[01]\d").fillna(False).astype(bool)
    out[is_code & s.str.startswith("9920")] = "new"
    out[is_code & s.str.startswith("9921")] = "established"
    return out


@register("upcoding", "BIL-UPCODE", needs=("documentation",),
          summary="an office visit billed at a higher level than the note supports")
def upcoding(ctx) -> pd.DataFrame:
    """Flag an E/M visit billed above the level its documentation supports.

    The note's ``documented_code`` must differ from the billed code, belong to
    the same office E/M family (99202-99205 new patient, 99211-99215
    established) and be the lower level. At risk: what was paid less what the
    fee schedule allows for the documented code (times units), never below
    zero; all that was paid when the documented code has no fee on that date.

    Notes
    -----
    Since 2021 the office-visit level follows medical decision making or total
    time (docs/sources.md §10.1); payers downcode with CARC 150 ("information does
    not support this level of service").
    """
    doc = ctx.documentation_by_line
    lines = ctx.lines
    # The family of each known code, as a number (-1: not an office visit), looked up by key.
    family = em_family(pd.Series(ctx.keys["code"].to_pylist(), dtype=object)).to_numpy(dtype=object)
    family = np.where(family != "", pd.factorize(family)[0], -1)
    billed, documented = lines["_code"].to_numpy(), doc["_doc_code"].to_numpy()
    fam_billed, fam_doc = (np.where(key >= 0, family[np.maximum(key, 0)], -1) for key in (billed, documented))
    mask = ctx.is_paid.to_numpy() & (documented != billed) & (fam_billed >= 0) & (fam_billed == fam_doc)
    rows = np.flatnonzero(mask)
    documented = doc["documented_code"].iloc[rows]
    rows = rows[documented.to_numpy(dtype=object) < lines["procedure_code"].iloc[rows].to_numpy(dtype=object)]
    if not len(rows):
        return NO_HITS
    documented = doc["documented_code"].iloc[rows]
    sel = lines[["procedure_code", "units", "paid_cents"]].iloc[rows]
    fee_doc = ctx.fee(procedure_code=documented, rows=rows)
    supported = pd.Series(times_units(fee_doc, sel["units"]), index=sel.index, dtype="Int64")
    paid = sel["paid_cents"]
    at_risk = (paid - supported).clip(lower=0).fillna(paid).astype("int64")
    fee_billed = pd.Series(times_units(ctx.fee(rows=rows), sel["units"]), index=sel.index, dtype="Int64")
    has_fee = fee_doc.notna().to_numpy()
    evidence = (
        sel["procedure_code"].to_numpy() + " billed, note supports " + documented.to_numpy()
        + np.where(
            has_fee,
            "; fee difference " + usd((fee_billed - supported).fillna(0).astype("int64")).to_numpy()
            + "; paid " + usd(paid).to_numpy() + ", supported " + usd(supported.fillna(0).astype("int64")).to_numpy(),
            "; the documented code has no fee on that date, so all that was paid is at risk",
        )
    )
    return hits(sel.index, at_risk, evidence)


@register("unbundling", "BIL-NCCI-PTP", needs=("ncci_ptp",),
          summary="a component code paid beside its comprehensive code the same day (NCCI PTP)")
def unbundling(ctx) -> pd.DataFrame:
    """Flag a column-2 code paid beside its column-1 code for the same patient, provider and day.

    An NCCI procedure-to-procedure pair is active on the date of service when
    its effective date is on or before it and it has no deletion date or one
    after it. The other line must be paid too; it may sit on another claim.
    Modifier indicator 0: no modifier allows the pair. Indicator 1: the pair
    is allowed when either line carries an NCCI-associated modifier
    (:data:`BYPASS_MODIFIERS`: 59, X{EPSU}, the anatomic ones such as RT/LT,
    24, 25, 27, 57, 58, 78, 79, 91). Indicator 9:
    the edit does not apply. What was paid on the column-2 line is at risk.

    Notes
    -----
    docs/sources.md §7.1 (NCCI PTP file fields and bypass modifiers). Payers use CARC
    236 or 97 with RARC M80/M15 for these.
    """
    ptp = ctx.ncci_ptp
    lines = ctx.lines
    if ptp is None or not len(ptp):
        return NO_HITS
    ptp = ptp.loc[ptp["modifier_indicator"].isin(["0", "1"])]
    ptp = ptp.assign(_c1=ctx.key("code", ptp["column_1"]), _c2=ctx.key("code", ptp["column_2"]))
    key = ["_patient", "_npi", "service_date"]
    paid = ctx.is_paid.to_numpy()
    code = lines["_code"].to_numpy()
    # Only the few columns the pairing needs are taken, from the lines that can pair.
    needed = lines[key + ["_code", "has_bypass_modifier", "claim_id", "line_no"]]
    col2 = needed.iloc[np.flatnonzero(paid & among(code, ptp["_c2"]))]
    col1 = needed.iloc[np.flatnonzero(paid & among(code, ptp["_c1"]))]
    if not len(col2) or not len(col1):
        return NO_HITS
    left = col2[key + ["_code", "has_bypass_modifier"]].assign(_line=col2.index)
    right = col1[key + ["_code", "has_bypass_modifier", "claim_id", "line_no"]].assign(_other=col1.index)
    pairs = left.merge(right, on=key, suffixes=("", "_1"))
    pairs = pairs.loc[pairs["_line"] != pairs["_other"]]
    pairs = pairs.merge(ptp, left_on=["_code_1", "_code"], right_on=["_c1", "_c2"])
    date = pairs["service_date"]
    active = (pairs["effective_date"] <= date) & (pairs["deletion_date"].isna() | (pairs["deletion_date"] > date))
    bypassed = pairs["has_bypass_modifier"] | pairs["has_bypass_modifier_1"]
    applies = active & ((pairs["modifier_indicator"] == "0") | ((pairs["modifier_indicator"] == "1") & ~bypassed))
    pairs = pairs.loc[applies].sort_values(["_line", "modifier_indicator", "_other"], kind="stable")
    pairs = pairs.drop_duplicates("_line")
    if not len(pairs):
        return NO_HITS
    sel = lines.loc[pairs["_line"].to_numpy(), ["procedure_code", "paid_cents"]]
    evidence = (
        sel["procedure_code"].to_numpy() + " paid beside " + pairs["column_1"].to_numpy()
        + " (claim " + pairs["claim_id"].to_numpy() + " line " + pairs["line_no"].astype("str").to_numpy()
        + ") on " + date_text(pairs["service_date"]).to_numpy()
        + "; NCCI pair " + pairs["column_1"].to_numpy() + "/" + pairs["column_2"].to_numpy()
        + " modifier indicator " + pairs["modifier_indicator"].to_numpy()
        + np.where(pairs["modifier_indicator"].to_numpy() == "0",
                   " (no modifier can bypass it)",
                   " and neither line carries an NCCI-associated modifier "
                   "(59, X{EPSU}, anatomic, global surgery, 27, 91)")
        + "; paid " + usd(sel["paid_cents"]).to_numpy() + " on the component code"
    )
    return hits(sel.index, sel["paid_cents"], evidence)


def _same_day_totals(paid: pd.DataFrame, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each line's day: the units, and the number of lines, of its patient, provider, date and code.

    The four keys (whole numbers, the date as a day) are packed into one integer where their spans
    multiply under 2**62, so one column is hashed where a groupby hashed four and combined them.
    """
    keys = [paid[name].to_numpy() for name in ("_patient", "_npi", "_code")]
    days = paid["service_date"].to_numpy()
    keys.append(days.astype("datetime64[D]").view(np.int64) if not np.isnat(days).any() else None)
    packed, size = np.zeros(len(paid), dtype=np.int64), 1
    for key in keys:
        low, high = (int(key.min()), int(key.max())) if key is not None and len(key) else (0, 0)
        if key is None or size * (high - low + 1) >= 2**62:
            same_day = paid.groupby(["_patient", "_npi", "service_date", "_code"], sort=False)["units"]
            return (same_day.transform("sum").to_numpy(dtype=np.int64),
                    same_day.transform("size").to_numpy(dtype=np.int64))
        packed *= high - low + 1
        packed += key
        packed -= low
        size *= high - low + 1
    group = pd.factorize(packed)[0]
    totals = np.zeros(int(group.max(initial=-1)) + 1, dtype=np.int64)
    np.add.at(totals, group, units)
    return totals[group], np.bincount(group, minlength=len(totals))[group].astype(np.int64)


@register("units_over_mue", "BIL-MUE", needs=("mue",),
          summary="more units than the medically unlikely edit allows (per line or per day)")
def units_over_mue(ctx) -> pd.DataFrame:
    """Flag lines whose units exceed the code's MUE.

    MAI 1 is a line edit: each line's units are compared with the MUE value,
    and ``paid x excess / units`` is at risk. MAI 2 (policy) and 3 (clinical)
    are date-of-service edits: the units of all paid lines of that code for
    the same patient, rendering provider and day are summed; when the sum is
    over, every one of those lines is flagged with ``paid x excess / day's
    units`` at risk. Amounts are rounded half-up to the cent.

    Notes
    -----
    docs/sources.md §7.2 (MUE values and adjudication indicators). Payers deny with
    CARC 151 or 96 and RARC N362.
    """
    mue = ctx.mue
    if mue is None or not len(mue):
        return NO_HITS
    lines = ctx.lines
    table = mue.assign(_code=ctx.key("code", mue["procedure_code"])).drop_duplicates("procedure_code")
    table = table.loc[table["_code"] >= 0].set_index("_code")
    candidates = np.flatnonzero(ctx.is_paid.to_numpy() & among(lines["_code"], table.index))
    paid = lines[["_patient", "_npi", "service_date", "_code", "units", "paid_cents"]].iloc[candidates]
    if not len(paid):
        return NO_HITS
    limit = table["mue_value"].reindex(paid["_code"]).to_numpy(dtype=np.int64)
    mai = table["mai"].reindex(paid["_code"]).to_numpy()
    units = paid["units"].to_numpy(dtype=np.int64)
    day_units, day_lines = _same_day_totals(paid, units)
    per_line = mai == "1"
    compared = np.where(per_line, units, day_units)
    over = compared > limit
    if not over.any():
        return NO_HITS
    excess = compared - limit
    at_risk = prorate(paid["paid_cents"].to_numpy(dtype=np.int64)[over], excess[over], compared[over])
    sel = paid.loc[over]
    codes = lines["procedure_code"].iloc[candidates[over]].to_numpy()
    mai_text = np.select([mai[over] == "1", mai[over] == "2"],
                         ["MAI 1, per line", "MAI 2, per day, policy"], "MAI 3, per day, clinical")
    evidence = np.where(
        per_line[over],
        sel["units"].astype("str").to_numpy() + " units of " + codes
        + " on this line; MUE " + limit[over].astype(str) + " (" + mai_text + "); "
        + excess[over].astype(str) + " over",
        day_units[over].astype(str) + " units of " + codes + " on "
        + date_text(sel["service_date"]).to_numpy() + " across " + day_lines[over].astype(str)
        + " paid line(s); MUE " + limit[over].astype(str) + " (" + mai_text + "); "
        + excess[over].astype(str) + " over, shared in proportion to units",
    )
    evidence = evidence + "; paid " + usd(sel["paid_cents"]).to_numpy()
    return hits(sel.index, at_risk, evidence)
