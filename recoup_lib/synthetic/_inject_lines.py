"""Errors of one claim or visit: duplicates, missing notes, unbundling, units, upcoding, overpayments.

Each injector picks lines no other injector has used, edits the claim, its
payments and its notes the way the error happens in real offices, and
records the lines it flags with their at-risk amounts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import div_half_up
from ..rules import BYPASS_MODIFIERS, EM_FAMILIES
from ._inject_state import InjectionState, all_policies, member
from ._random import stream
from ._values import DAY, _contains, _dates, _is, next_weekday

__all__ = ["resubmission_text", "inject_duplicate_claim", "inject_documentation_errors", "inject_unbundling",
           "inject_units_over_mue", "inject_upcoding", "inject_overpaid_rate", "inject_duplicate_payment"]

_BYPASS = r"(?:^|;)(?:" + "|".join(sorted(BYPASS_MODIFIERS)) + r")(?:;|$)"


def _mue_safe_to_double(s: InjectionState) -> np.ndarray:
    """Lines whose code's per-day MUE still holds when the line is billed twice."""
    code = s.code_index()
    limit = np.nan_to_num(s.mue_limit[code], nan=0)
    units = s.lines["units"].to_numpy()
    return (s.mue_missing | s.mue_per_line)[code] | (2 * units <= limit)


def inject_duplicate_claim(s: InjectionState, k: int, budget: int) -> None:
    rng = stream(s.p.seed, "inject-duplicate_claim")
    if budget <= 0:
        return
    lines = s.lines
    paid = s.paid()
    claim = lines["claim"].to_numpy()
    ok_line = ~s.used & (s.payment_count() <= 1) & _mue_safe_to_double(s)
    # Claims (in number order) whose lines are all fit to copy and one of them paid.
    size = np.bincount(claim)
    unfit = np.bincount(claim, weights=~ok_line, minlength=len(size))
    paid_lines = np.bincount(claim, weights=paid > 0, minlength=len(size))
    first_line = np.full(len(size), len(claim), dtype=np.int64)
    np.minimum.at(first_line, claim, np.arange(len(claim)))
    eligible = np.flatnonzero((size > 0) & (unfit == 0) & (paid_lines > 0))
    eligible = eligible[rng.permutation(len(eligible))]
    sizes = size[eligible]
    # Whole claims while they fit the budget, then part of one more claim to use it exactly.
    take = np.flatnonzero(np.cumsum(sizes) <= budget)
    counts = sizes[take].copy()
    left = budget - int(counts.sum())
    if left > 0 and len(take) < len(eligible):
        take = np.append(take, len(take))
        counts = np.append(counts, min(left, int(sizes[len(take) - 1])))
    if not len(take):
        return
    starts = first_line[eligible[take]]
    total = int(counts.sum())
    src = np.repeat(starts, counts) + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
    new_numbers = np.repeat(s.new_claims(len(take)), counts)
    delay = np.repeat(rng.integers(3, 46, len(take)), counts)
    caught = np.repeat(rng.random(len(take)) < 0.15, counts)
    pay_lag = np.repeat(rng.integers(14, 30, len(take)), counts)
    dup = lines.iloc[src].copy()
    dup["claim"] = new_numbers
    dup["submitted_date"] = dup["submitted_date"] + pd.to_timedelta(delay, unit="D")
    rows = s.append_lines(dup)
    s.used[src] = True
    # Payments: the copy is paid the same as the original line, unless the payer caught it.
    original = s.payment_of(src)
    pay_date = next_weekday(dup["submitted_date"].to_numpy().astype("datetime64[D]") + pay_lag * DAY,
                            s.pay_day(dup["payer_id"]))
    posted = pay_date <= s.p.export_date
    amounts = {c: np.where(caught, 0, original[c].to_numpy(dtype=np.int64)) for c in
               ("allowed_cents", "paid_cents", "deductible_cents", "coinsurance_cents", "copay_cents")}
    pay = pd.DataFrame({
        "claim": dup["claim"].to_numpy(), "line_no": dup["line_no"].to_numpy(),
        "payment_date": _dates(pay_date), **amounts,
        "denial_code": np.where(caught, "OA-18", original["denial_code"].fillna("").to_numpy(dtype=object)),
        "_line": rows, "_kind": "original"})
    s.append_payments(pay.loc[posted])
    # There was no second visit, so some copies have no note of their own: those lines also lack
    # documentation (a line with two findings).
    no_note = np.repeat(rng.random(len(take)) < 0.3, counts)
    docs = s.doc.set_index("_line").reindex(src)
    has_doc = docs["note_present"].notna().to_numpy() & ~no_note
    copy_doc = docs.loc[has_doc].reset_index(drop=True).assign(claim=new_numbers[has_doc], _line=rows[has_doc])
    s.doc = pd.concat([s.doc, copy_doc], ignore_index=True)
    # A copied line carrying 76, 77 or 91 reads as a deliberate repeat: the contract does not
    # call it a duplicate (it is still paid twice, which is why such modifiers are audited).
    repeat = _contains(dup["modifiers"], r"(?:^|;)(?:76|77|91)(?:;|$)")
    flagged = posted & ~caught & (amounts["paid_cents"] > 0) & (paid[src] > 0) & ~repeat
    s.record(rows[flagged], "duplicate_claim", amounts["paid_cents"][flagged],
             resubmission_text(s.p, claim[src][flagged], delay[flagged], new_numbers[flagged]),
             copied_from=claim[src][flagged], delay=delay[flagged])
    undocumented = posted & (amounts["paid_cents"] > 0) & no_note
    s.record(rows[undocumented], "missing_documentation", amounts["paid_cents"][undocumented],
             "resubmitted claim with no note of its own")


def resubmission_text(practice, copied_from: np.ndarray, delay: np.ndarray, claims: np.ndarray) -> np.ndarray:
    """How a resubmitted claim was planted, with the practice's claim ids (labels.csv's injected_as)."""
    return ("claim " + practice.claim_ids(copied_from) + " resubmitted " + np.asarray(delay).astype(str).astype(object)
            + " days later as " + practice.claim_ids(claims) + " and paid again")


def inject_documentation_errors(s: InjectionState, k: int, error_type: str) -> None:
    rng = stream(s.p.seed, f"inject-{error_type}")
    if k <= 0:
        return
    lines = s.lines
    paid = s.paid()
    # Visits (in encounter order) with no used line and some paid line.
    visit, visits = s.visits()
    used_lines = np.bincount(visit, weights=s.used, minlength=len(visits))
    paid_lines = np.bincount(visit, weights=paid > 0, minlength=len(visits)).astype(np.int64)
    pool = np.flatnonzero((used_lines == 0) & (paid_lines > 0))
    pool = pool[rng.permutation(len(pool))]
    cum = np.cumsum(paid_lines[pool])
    picked = np.zeros(len(visits), dtype=bool)
    picked[pool[: int(np.searchsorted(cum, k)) + 1]] = True
    chosen = visits[pool[: int(np.searchsorted(cum, k)) + 1]]
    rows = np.flatnonzero(picked[visit])
    s.used[rows] = True
    if error_type == "missing_signature":
        mask = member(s.doc["_line"], rows)
        s.doc.loc[mask, "note_present"] = True
        s.doc.loc[mask, "signed"] = False
        how = np.full(len(rows), "the visit note was never signed", dtype=object)
    else:
        drop_visit = pd.Series(rng.random(len(chosen)) < 0.6, index=chosen)
        gone = drop_visit.reindex(lines["encounter"].to_numpy()[rows]).to_numpy(dtype=bool)
        s.doc = s.doc.loc[~member(s.doc["_line"], rows[gone])]
        mask = member(s.doc["_line"], rows[~gone])
        s.doc.loc[mask, "note_present"] = False
        s.doc.loc[mask, "signed"] = pd.NA
        s.doc.loc[mask, "documented_code"] = ""
        how = np.where(gone, "no note on file for the visit", "the note is marked absent").astype(object)
    keep = paid[rows] > 0
    s.record(rows[keep], error_type, paid[rows][keep], how[keep])


def inject_unbundling(s: InjectionState, k: int) -> None:
    rng = stream(s.p.seed, "inject-unbundling")
    if k <= 0:
        return
    lines = s.lines
    paid = s.paid()
    ptp = s.p.refs.ncci_ptp
    ptp = ptp.loc[ptp["modifier_indicator"].isin(["0", "1"])]
    code_names = lines["procedure_code"].cat.categories
    code = s.code_index()
    column_1 = set(ptp["column_1"])
    col1_rows = np.flatnonzero(~s.used & (paid > 0) & _is(lines["procedure_code"], lambda c: c in column_1)
                               & (s.payment_count() == 1))
    sel = lines.iloc[col1_rows]
    cand = pd.DataFrame({"col1_line": col1_rows, "encounter": sel["encounter"].to_numpy(),
                         "procedure_code": code_names.to_numpy(dtype=object)[code[col1_rows]],
                         "service_date": sel["service_date"].to_numpy(),
                         "payer_id": sel["payer_id"].astype(object).to_numpy(),
                         "bypass": _contains(sel["modifiers"], _BYPASS)})
    cand = cand.merge(ptp, left_on="procedure_code", right_on="column_1")
    date = cand["service_date"]
    active = (cand["effective_date"] <= date) & (cand["deletion_date"].isna() | (cand["deletion_date"] > date))
    # The new line is flagged through its own column-1 line: indicator 0, or 1 without a bypass there.
    flagged = (cand["modifier_indicator"] == "0") | ~cand["bypass"]
    cand = cand.loc[active & flagged]
    limit = pd.Series(s.mue_limit, index=s.codes.index).reindex(cand["column_2"]).to_numpy(dtype=float)
    cand = cand.loc[np.isnan(limit) | (limit >= 1)]
    visits = cand["encounter"].unique()
    in_visits = lines["encounter"].isin(visits).to_numpy()
    present = pd.DataFrame({"encounter": lines["encounter"].to_numpy()[in_visits],
                            "_code": code[in_visits].astype(np.int64)}).drop_duplicates().assign(_present=True)
    # Not a code the visit already has.
    cand = cand.assign(_code=code_names.get_indexer(cand["column_2"].to_numpy(dtype=object)).astype(np.int64))
    cand = cand.merge(present, on=["encounter", "_code"], how="left")
    cand = cand.loc[cand["_present"].isna()].drop(columns=["_code", "_present"]).reset_index(drop=True)
    # Harmless: the new code is not column 1 of a pair whose column 2 the visit already has.
    as_col1 = pd.DataFrame({"column_2": ptp["column_1"].to_numpy(dtype=object),
                            "_code": code_names.get_indexer(ptp["column_2"].to_numpy(dtype=object)).astype(np.int64)})
    risky = cand[["encounter", "column_2"]].reset_index(names="_c").merge(as_col1, on="column_2").merge(
        present, on=["encounter", "_code"])
    cand = cand.drop(index=risky["_c"].unique())
    # Not a code/payer/date a payer policy excludes.
    policies = all_policies(s)
    if len(policies) and len(cand):
        hit = cand.reset_index(names="_c").merge(policies, left_on=["payer_id", "column_2"],
                                                 right_on=["payer_id", "procedure_code"], suffixes=("", "_pol"))
        cand = cand.drop(index=hit.loc[hit["effective_date_pol"] <= hit["service_date"], "_c"].unique())
    cand = cand.iloc[rng.permutation(len(cand))].drop_duplicates("encounter").head(k)
    if not len(cand):
        return
    src = cand["col1_line"].to_numpy()
    new = lines.iloc[src].copy()
    new["procedure_code"] = cand["column_2"].to_numpy()
    new["modifiers"] = ""
    new["units"] = 1
    new["kind"] = s.codes["kind"].reindex(cand["column_2"]).to_numpy()
    new["charge_cents"] = s.charge.reindex(cand["column_2"]).to_numpy(dtype=np.int64)
    separate = rng.random(len(cand)) < 0.2
    new["line_no"] = _next_line_numbers(lines, new["claim"].to_numpy())
    if separate.any():
        new.loc[separate, "claim"] = s.new_claims(int(separate.sum()))
        new.loc[separate, "line_no"] = 1
        new.loc[separate, "submitted_date"] = new.loc[separate, "submitted_date"] + pd.to_timedelta(
            rng.integers(1, 8, int(separate.sum())), unit="D")
    rows = s.append_lines(new)
    s.used[src] = True
    fee = s.fee(rows)
    bp = s.coins_bp.reindex(new["payer_id"].astype(object)).to_numpy()
    coins = div_half_up(fee * bp, np.full(len(rows), 10000, dtype=np.int64))
    paid_new = fee - coins
    pay_date = s.payment_of(src)["payment_date"].to_numpy().astype("datetime64[D]")
    pay_date = np.where(separate, next_weekday(pay_date + 7 * DAY, s.pay_day(new["payer_id"])), pay_date)
    posted = pay_date <= s.p.export_date
    s.append_payments(s.new_payments(new, rows, pay_date, fee, paid_new, coins).loc[posted])
    s.add_notes(new, rows)
    flagged = posted & (paid_new > 0)
    how = np.where(separate, "component code billed on a separate claim beside ",
                   "component code billed beside ").astype(object)
    how = how + cand["column_1"].to_numpy(dtype=object) + " (NCCI indicator " + cand[
        "modifier_indicator"].to_numpy(dtype=object) + ")"
    s.record(rows[flagged], "unbundling", paid_new[flagged], how[flagged])


def _next_line_numbers(lines: pd.DataFrame, claims: np.ndarray) -> np.ndarray:
    """Line numbers for lines added to existing claims: after the claim's last line, in order."""
    last = np.zeros(int(lines["claim"].max()) + 1, dtype=np.int64)
    np.maximum.at(last, lines["claim"].to_numpy(), lines["line_no"].to_numpy(dtype=np.int64))
    rank = pd.Series(claims).groupby(claims).cumcount().to_numpy()
    return last[claims] + 1 + rank


def _reprice(s: InjectionState, rows: np.ndarray, new_allowed: np.ndarray):
    """Paid after the allowed amount changes, keeping the line's patient share rule."""
    old = s.payment_of(rows)
    old_allowed = old["allowed_cents"].to_numpy(dtype=np.int64)
    old_coins = old["coinsurance_cents"].to_numpy(dtype=np.int64)
    delta = new_allowed - old_allowed
    bp = s.coins_bp.reindex(s.lines["payer_id"].iloc[rows].astype(object)).to_numpy()
    bp = np.where((old_coins == 0) & (old_allowed > 0), 0, bp)
    extra_coins = div_half_up(delta * bp, np.full(len(rows), 10000, dtype=np.int64))
    new_paid = old["paid_cents"].to_numpy(dtype=np.int64) + delta - extra_coins
    s.set_payment(rows, allowed_cents=new_allowed, paid_cents=new_paid, coinsurance_cents=old_coins + extra_coins)
    return new_paid, old_allowed


def inject_units_over_mue(s: InjectionState, k: int, split_budget: int) -> None:
    rng = stream(s.p.seed, "inject-units_over_mue")
    if k <= 0:
        return
    lines = s.lines
    code = s.code_index()
    mai = s.mue_mai[code]
    limit = s.mue_limit[code]
    units = lines["units"].to_numpy(dtype=np.int64)
    ok = s.simple_paid() & ~s.mue_missing[code] & (np.nan_to_num(limit, nan=0) >= 1)
    # One line of that code per visit, so the day's total is this line's units.
    visit_code = pd.factorize(lines["encounter"].to_numpy().astype(np.int64) * (int(code.max()) + 1) + code)[0]
    ok &= np.bincount(visit_code)[visit_code] == 1
    pool = np.flatnonzero(ok)
    pool = pool[rng.permutation(len(pool))]
    split_pool = pool[mai[pool] != "1"][:split_budget]
    single_pool = np.setdiff1d(pool, split_pool, assume_unique=True)
    single_pool = single_pool[rng.permutation(len(single_pool))][: max(k - 2 * len(split_pool), 0)]
    drug = _is(lines["kind"], lambda k: k == "drug")
    lab = _is(lines["kind"], lambda k: k == "lab")
    # Too many units on one line.
    if len(single_pool):
        r = single_pool
        lim = limit[r].astype(np.int64)
        tenfold = drug[r] & (units[r] * 10 > lim) & (rng.random(len(r)) < 0.6)
        new_units = np.maximum(np.where(tenfold, units[r] * 10, lim + rng.integers(1, 3, len(r))), lim + 1)
        fee = s.fee(r)
        new_paid, _ = _reprice(s, r, fee * new_units)
        s.lines.loc[r, "units"] = new_units
        s.lines.loc[r, "charge_cents"] = s.charge.to_numpy()[code[r]] * new_units
        excess = new_units - lim
        how = np.where(tenfold, "milligrams billed as units", "more units than the MUE allows").astype(object)
        how = how + np.where(mai[r] == "1", " on one line", " for the day").astype(object)
        keep = new_paid > 0
        s.record(r[keep], "units_over_mue", div_half_up(new_paid[keep] * excess[keep], new_units[keep]), how[keep])
        s.used[r] = True
    # A second line with 76 or 91 that pushes the day over the limit.
    if len(split_pool):
        r = split_pool
        lim = limit[r].astype(np.int64)
        extra_units = np.maximum(lim + 1 - units[r], 1)
        new = lines.iloc[r].copy()
        repeat = np.where(lab[r], "91", "76").astype(object)
        old_mods = new["modifiers"].astype(object).to_numpy()
        new["modifiers"] = np.where(old_mods == "", repeat, old_mods + ";" + repeat)
        new["units"] = extra_units
        new["charge_cents"] = s.charge.to_numpy()[code[r]] * extra_units
        new["line_no"] = _next_line_numbers(lines, new["claim"].to_numpy())
        rows = s.append_lines(new)
        fee = s.fee(rows)
        base = s.payment_of(r)
        bp = s.coins_bp.reindex(new["payer_id"].astype(object)).to_numpy()
        bp = np.where(base["coinsurance_cents"].to_numpy(dtype=np.int64) == 0, 0, bp)
        allowed = fee * extra_units
        coins = div_half_up(allowed * bp, np.full(len(rows), 10000, dtype=np.int64))
        paid_new = allowed - coins
        s.append_payments(s.new_payments(new, rows, base["payment_date"].to_numpy(), allowed, paid_new, coins))
        s.add_notes(new, rows)
        s.used[r] = True
        total = units[r] + extra_units
        excess = total - lim
        paid_old = s.paid()[r]
        keep = (paid_old > 0) & (paid_new > 0)
        how = "a second line with " + repeat + " took the day over the MUE"
        s.record(r[keep], "units_over_mue", div_half_up(paid_old[keep] * excess[keep], total[keep]), how[keep])
        s.record(rows[keep], "units_over_mue", div_half_up(paid_new[keep] * excess[keep], total[keep]), how[keep])


def inject_upcoding(s: InjectionState, k: int) -> None:
    rng = stream(s.p.seed, "inject-upcoding")
    if k <= 0:
        return
    lines = s.lines
    ladder = {c: (fam, i) for fam, codes in EM_FAMILIES.items() for i, c in enumerate(codes)}
    tops = {fam: len(codes) - 1 for fam, codes in EM_FAMILIES.items()}
    can_rise = {c for c, (fam, i) in ladder.items() if i < tops[fam]}
    doc = s.doc
    plain = np.zeros(len(lines), dtype=bool)
    good = (doc["note_present"].eq(True) & doc["signed"].eq(True)).to_numpy(dtype=bool)
    plain[doc["_line"].to_numpy()[good]] = True
    pool = np.flatnonzero(s.simple_paid() & _is(lines["procedure_code"], lambda c: c in can_rise) & plain)
    r = pool[rng.permutation(len(pool))][:k]
    if not len(r):
        return
    code = np.full(len(lines), None, dtype=object)
    code[r] = lines["procedure_code"].cat.categories.to_numpy(dtype=object)[s.code_index(r)]
    step = np.where(rng.random(len(r)) < 0.7, 1, 2)
    fam = [ladder[c][0] for c in code[r]]
    level = np.array([ladder[c][1] for c in code[r]])
    new_level = np.minimum(level + step, [tops[f] for f in fam])
    new_code = np.array([EM_FAMILIES[f][lv] for f, lv in zip(fam, new_level)], dtype=object)
    fee_new = s.fee(r, new_code)
    units = lines["units"].to_numpy(dtype=np.int64)[r]
    new_paid, old_allowed = _reprice(s, r, fee_new * units)
    s.lines.loc[r, "procedure_code"] = new_code
    s.lines.loc[r, "charge_cents"] = s.charge.reindex(new_code).to_numpy(dtype=np.int64) * units
    doc_rows = member(s.doc["_line"], r)
    original = pd.Series(code[r], index=r)
    s.doc.loc[doc_rows, "documented_code"] = original.reindex(s.doc.loc[doc_rows, "_line"]).to_numpy()
    s.used[r] = True
    keep = new_paid > 0
    s.record(r[keep], "upcoding", np.maximum(new_paid - old_allowed, 0)[keep],
             (code[r] + " documented but billed as " + new_code)[keep])


def inject_overpaid_rate(s: InjectionState, k: int) -> None:
    rng = stream(s.p.seed, "inject-overpaid_rate")
    pool = np.flatnonzero(s.simple_paid())
    r = pool[rng.permutation(len(pool))][:k]
    if not len(r):
        return
    allowed = s.payment_of(r)["allowed_cents"].to_numpy(dtype=np.int64)
    charge = s.lines["charge_cents"].to_numpy(dtype=np.int64)[r]
    billed = (rng.random(len(r)) < 0.35) & (charge > allowed)
    extra = np.maximum(div_half_up(allowed * rng.integers(8, 61, len(r)), np.full(len(r), 100, dtype=np.int64)), 1)
    new_paid = np.where(billed, charge, allowed + extra)
    s.set_payment(r, paid_cents=new_paid, allowed_cents=new_paid, deductible_cents=0, coinsurance_cents=0,
                  copay_cents=0)
    s.used[r] = True
    s.record(r, "overpaid_rate", new_paid - allowed,
             np.where(billed, "paid the billed charge instead of the fee schedule",
                      "paid above the contracted rate with no patient share taken").astype(object))


def inject_duplicate_payment(s: InjectionState, k: int) -> None:
    rng = stream(s.p.seed, "inject-duplicate_payment")
    pool = np.flatnonzero(s.simple_paid())
    r = pool[rng.permutation(len(pool))][:k]
    if not len(r):
        return
    base = s.payment_of(r).reset_index(names="_line")
    variant = rng.choice(3, size=len(r), p=[0.7, 0.15, 0.15])
    first_date = base["payment_date"].to_numpy().astype("datetime64[D]")
    pay_day = s.pay_day(s.lines["payer_id"].to_numpy()[r])
    d1 = next_weekday(first_date + rng.integers(7, 36, len(r)) * DAY, pay_day)
    d2 = next_weekday(d1 + 7 * DAY, pay_day)
    late = d2 > s.p.export_date
    d1 = np.where(late, first_date, d1)
    d2 = np.where(late, first_date, d2)
    extra = [base.assign(payment_date=_dates(d1), _kind="duplicate")]
    extra.append(base.loc[variant == 1].assign(payment_date=_dates(d2[variant == 1]), _kind="duplicate"))
    rev = base.loc[variant == 2]
    negated = {c: -rev[c] for c in ["allowed_cents", "paid_cents", "deductible_cents", "coinsurance_cents",
                                   "copay_cents"]}
    extra.append(rev.assign(payment_date=_dates(d1[variant == 2]), _kind="reversal", **negated))
    extra.append(rev.assign(payment_date=_dates(d2[variant == 2]), _kind="duplicate"))
    s.append_payments(pd.concat(extra, ignore_index=True))
    s.used[r] = True
    x = base["paid_cents"].to_numpy(dtype=np.int64)
    s.record(r, "duplicate_payment", np.where(variant == 1, 2 * x, x),
             np.select([variant == 0, variant == 1],
                       ["the same payment sent twice", "the same payment sent three times"],
                       "payment reversed then sent twice").astype(object))
