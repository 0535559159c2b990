"""Remittances over time: the payers' 835s for a generated practice, take-backs included.

Every payment row of ``payments.csv`` appears in the 835 of its payer and
payment date: one transaction (ST/SE) per payer and payment date, one file
per payer and month (``remits/<payer>_<YYYY-MM>.835``), one claim payment
(CLP) per claim, kind (original, duplicate, reversal, correction) and copy,
one service line (SVC) per payment row, with the allowed amount (AMT*B6),
patient responsibility (CAS PR 1/2/3), the contractual write-off (CAS CO 45)
and denials (CAS with the payment's CARC, its group as X12 expects: CARC 18
under OA; with the remark code payers send, which X12 requires for CARC 16 and
96; Medicare adds MOA MA01 to the claims it denies, reverses or corrects).
A reversal (CLP02 = 22) repeats the whole claim payment it reverses, every line
and every CAS negated, with its control number (CLP07), and the corrected claim
follows in the same remittance (docs/sources.md §5.2; :mod:`._remit_claims`).

Then the notices of :mod:`._payer` are collected, unless the office appealed
in time (which stays the offset for as long as the simulated remittances
run), from the notice's ``offset_starts`` (Medicare day 41, docs/sources.md §1.1;
state and default commercial rules, docs/sources.md §8) by one of three mechanisms
(``mechanism_mix`` in the profile):

``reversal``
    The claim payment is reversed and re-paid lower (the notice's line less
    the notice amount, with a CAS of the notice's CARC) in the first later
    remittance of the payer with room for it (docs/sources.md §5.2).
``offset``
    PLB ``WO`` amounts against later payments (docs/sources.md §5.3), spread over
    as many remittances as it takes when one payment is too small; the
    reference is the original CLP07 followed by the notice id.
``deferred``
    Reversal and correction in the first remittance on or after the notice
    date, with a negative ``WO`` for the same amount (the recovery is
    deferred), then positive ``WO`` amounts from ``offset_starts`` (X12 RFI
    #227 and #578; docs/sources.md §5.5).

Reversal and deferral need a claim paid once, by one claim payment, with a
single notice; any other notice is collected by offset. Each payer takes at
most ``offset_cap_share`` of a remittance's claim payments. A payment that
would go below zero (a reversal with nothing else paid that day) is carried
forward with a negative ``FB`` and taken back with a positive one in the
payer's next remittance (docs/sources.md §5.3). Every transaction balances
(docs/sources.md §5.4; the writer checks it). No clock is read: the interchange date
is the payment date.

Columns added to each notice (the take-back answer key): mechanism, status,
taken_cents (net money taken), taken_dates, taken_amounts and trace_numbers
(``;``-separated, one per remittance that took money: the reversal's net or
a WO), reversal_trace, reversed_cents (the reversal's paid amount, negated)
and repaid_cents (the correction's paid amount). Reading the 835s, per notice:
taken = reversal amount - its deferred part - the correction's paid + the WO
offsets whose reference ends with the notice id.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._identities import npi_numbers
from ._practice import Practice, _obj
from ._profile import payer_review
from ._remit_claims import KIND, line_cas, line_remarks, whole_claim_reversals, x12_group
from ._random import stream

__all__ = ["RemitPlan", "plan_remits", "remit_tables", "write_remits", "TAKE_COLUMNS"]

TAKE_COLUMNS = ["mechanism", "status", "taken_cents", "taken_dates", "taken_amounts", "trace_numbers",
                "reversal_trace", "reversed_cents", "repaid_cents"]

_KIND = KIND
_FILING = {"medicare": "MB", "medicaid": "MC", "commercial": "12"}  # CLP06; 12 = PPO


@dataclass
class RemitPlan:
    """The base remittances and every take-back, before any text is made."""

    tx: pd.DataFrame        # one row per transaction (payer, date, trace, file, capacity)
    clp: pd.DataFrame       # one row per claim payment of the base remittances
    svc: pd.DataFrame       # one row per service line (payment row)
    plb: pd.DataFrame       # FB carries and WO offsets/deferrals
    reversals: pd.DataFrame  # notice, original clp, target tx, deferred flag
    notices: pd.DataFrame   # the notices with TAKE_COLUMNS


def _runs_of(order: np.ndarray, *keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows taken in ``order`` (sorted by ``keys``): whether each starts a new key, and its run's start."""
    new = np.zeros(len(order), dtype=bool)
    new[:1] = True
    for key in keys:
        k = key[order]
        new[1:] |= k[1:] != k[:-1]
    start = np.flatnonzero(new)
    return new, start


def _group_numbers(*keys: np.ndarray) -> np.ndarray:
    """Each row's group number, groups numbered in sorted key order (``groupby(keys, sort=True).ngroup()``)."""
    order = np.lexsort(keys[::-1])
    new, _ = _runs_of(order, *keys)
    number = np.empty(len(order), dtype=np.int64)
    number[order] = np.cumsum(new) - 1
    return number


def _rank_in_group(*keys: np.ndarray) -> np.ndarray:
    """Each row's rank among the earlier rows of its group (``groupby(keys).cumcount()``)."""
    order = np.lexsort((np.arange(len(keys[0])),) + keys[::-1])
    new, start = _runs_of(order, *keys)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - np.repeat(start, np.diff(np.append(start, len(order))))
    return rank


def _base(practice: Practice):
    lines = practice.lines
    pay = practice.payments
    payers = practice.refs.payers.set_index("payer_id")
    at = pay["_line"].to_numpy(dtype=np.int64)
    payer_code = lines["payer_id"].cat.codes.to_numpy().astype(np.int64)[at]
    day = pay["payment_date"].to_numpy().astype("datetime64[D]")
    kind_of, kinds = pd.factorize(pay["_kind"].to_numpy(dtype=object))
    kind = np.array([_KIND[k] for k in kinds], dtype=np.int64)[kind_of]
    del kind_of
    claim = pay["claim"].to_numpy(dtype=np.int64)

    tx_of = _group_numbers(payer_code, day.astype(np.int64))
    first = np.unique(tx_of, return_index=True)[1]
    categories = lines["payer_id"].cat.categories
    tx_payer = np.asarray(categories, dtype=object)[payer_code[first]]
    del payer_code
    tx_day = day[first]
    del day
    ymd = pd.DatetimeIndex(tx_day.astype("datetime64[us]"))
    tx = pd.DataFrame({
        "payer_id": _obj(tx_payer),
        "payment_date": tx_day.astype("datetime64[us]"),
        "trace_number": _obj(tx_payer + "-" + ymd.strftime("%Y%m%d").to_numpy(dtype=object)),
        "file": _obj(tx_payer + "_" + ymd.strftime("%Y-%m").to_numpy(dtype=object) + ".835"),
        "payer_type": _obj(payers["payer_type"].reindex(tx_payer).to_numpy(dtype=object)),
        "payer": _obj(payers["name"].reindex(tx_payer).to_numpy(dtype=object)),
        "payer_state": _obj(payers["state"].reindex(tx_payer).to_numpy(dtype=object)),
    })

    # One claim payment per transaction, claim, kind and copy (the n-th payment of a line of that kind there).
    clp_of = _group_numbers(tx_of, claim, kind, _rank_in_group(tx_of, at, kind))
    line_no = pay["line_no"].to_numpy(dtype=np.int64)
    order = np.lexsort((line_no, clp_of))
    first_row = np.unique(clp_of, return_index=True)[1]
    sign = np.where(kind[order] == _KIND["reversal"], -1, 1)
    svc = pd.DataFrame({
        "clp": clp_of[order], "_line": at[order], "line_no": line_no[order],
        "charge_cents": sign * lines["charge_cents"].to_numpy(dtype=np.int64)[at[order]],
        **{c: pay[c].to_numpy(dtype=np.int64)[order] for c in
           ("paid_cents", "allowed_cents", "deductible_cents", "coinsurance_cents", "copay_cents")},
        "denial_code": _obj(pay["denial_code"].fillna("").to_numpy(dtype=object)[order]),
    })
    del sign, line_no, clp_of
    _, start = _runs_of(np.arange(len(svc)), svc["clp"].to_numpy())
    svc["line_seq"] = np.arange(len(svc)) - np.repeat(start, np.diff(np.append(start, len(svc)))) + 1

    def sums(column: str) -> np.ndarray:
        return np.add.reduceat(svc[column].to_numpy(), start) if len(start) else np.zeros(0, dtype=np.int64)

    clp = pd.DataFrame({
        "tx": tx_of[first_row], "claim": claim[first_row], "kind": kind[first_row],
        "charge_cents": sums("charge_cents"), "paid_cents": sums("paid_cents"),
        "patient_responsibility_cents": sums("deductible_cents") + sums("coinsurance_cents") + sums("copay_cents"),
        "patient": lines["patient"].to_numpy()[at[first_row]],
        "payer_id": _obj(tx_payer[tx_of[first_row]]),
    })
    del tx_of, claim, kind, at, order, first_row, start
    clp, svc, reverses = whole_claim_reversals(clp, svc)
    denied = (svc["denial_code"] != "").groupby(svc["clp"]).all().reindex(clp.index).fillna(False).to_numpy()
    status = np.where(clp["kind"] == _KIND["reversal"], 2, np.where(denied & (clp["paid_cents"] == 0), 1, 0))
    clp["status_code"] = _obj(np.array(["1", "4", "22"], dtype=object)[status])
    # Control numbers (CLP07): one per claim payment; a reversal repeats the one it reverses.
    number = np.arange(1, len(clp) + 1)
    tx_ymd = pd.DatetimeIndex(tx_day.astype("datetime64[us]")).strftime("%y%m%d").to_numpy(dtype=object)
    ctl = "ICN" + tx_ymd[clp["tx"].to_numpy()] + np.char.zfill(number.astype(str), 8).astype(object)
    is_rev = reverses >= 0
    ctl[is_rev] = ctl[reverses[is_rev]]
    clp["payer_claim_control"] = _obj(ctl)
    return tx, clp, svc


def _forward_balances(tx: pd.DataFrame, clp: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """FB carries for payments that would be negative; returns the PLB rows and what is left per tx."""
    paid = np.zeros(len(tx), dtype=np.int64)
    np.add.at(paid, clp["tx"].to_numpy(), clp["paid_cents"].to_numpy())
    left = paid.copy()
    rows = []
    payer = tx["payer_id"].to_numpy()
    carried = 0
    for t in range(len(tx)):
        if t and payer[t] != payer[t - 1]:
            carried = 0
        if carried and left[t] > 0:
            take = min(carried, int(left[t]))
            rows.append((t, "FB", "", take))
            left[t] -= take
            carried -= take
        if left[t] < 0:
            rows.append((t, "FB", "", int(left[t])))
            carried += int(-left[t])
            left[t] = 0
    plb = pd.DataFrame(rows, columns=["tx", "reason_code", "reference", "amount_cents"]).astype(
        {"tx": np.int64, "amount_cents": np.int64})
    return plb, left


def plan_remits(practice: Practice) -> RemitPlan:
    """Lay out the base remittances and schedule every notice's take-back (cheap; no 835 text).

    Parameters
    ----------
    practice : Practice
        With ``notices`` (from :func:`recoup_lib.synthetic._payer.simulate_notices`).

    Returns
    -------
    RemitPlan
        ``notices`` carries :data:`TAKE_COLUMNS`; see the module docstring.

    Examples
    --------
    >>> from recoup_lib.synthetic import generate_practice
    >>> plan = plan_remits(generate_practice(lines=2000, seed=3))
    >>> bool((plan.notices["taken_cents"] <= plan.notices["amount_cents"]).all())
    True
    """
    cfg = payer_review(practice.profile)
    rng = stream(practice.seed, "payer-remits")
    tx, clp, svc = _base(practice)
    fb, left = _forward_balances(tx, clp)
    share_bp = tx["payer_type"].map({k: int(round(v * 10000)) for k, v in cfg["offset_cap_share"].items()})
    capacity = left * share_bp.to_numpy(dtype=np.int64) // 10000

    notices = practice.notices.reset_index(drop=True).copy()
    m = len(notices)
    mix = cfg["mechanism_mix"]
    names = np.array(list(mix), dtype=object)
    weights = np.array([mix[k] for k in names], dtype=float)
    mechanism = names[rng.choice(len(names), size=m, p=weights / weights.sum())] if m else np.zeros(0, dtype=object)

    # Which notices can be collected by reversal: their claim was paid once, by one claim payment.
    pay = practice.payments
    other_kind = (pay["_kind"].to_numpy(dtype=object) != "original")
    claims = pay["claim"].to_numpy()
    mixed = pd.Series(other_kind).groupby(claims).any()
    dates = pd.Series(pay["payment_date"].to_numpy()).groupby(claims).nunique()
    simple = mixed.index[~mixed.to_numpy() & (dates.reindex(mixed.index).to_numpy() == 1)]
    single_notice = notices.groupby("claim")["notice_id"].transform("size").to_numpy() == 1
    original_clp = clp.loc[clp["kind"] == _KIND["original"]].reset_index().drop_duplicates("claim").set_index("claim")
    can_reverse = (notices["claim"].isin(simple).to_numpy() & single_notice
                   & notices["claim"].isin(original_clp.index).to_numpy())
    mechanism = np.where(can_reverse, mechanism, "offset")

    payer_tx = {p: np.flatnonzero(tx["payer_id"].to_numpy() == p) for p in pd.unique(tx["payer_id"])}
    tx_day = tx["payment_date"].to_numpy().astype("datetime64[D]")
    trace = tx["trace_number"].to_numpy(dtype=object)
    ctl_of_claim = clp.drop_duplicates("claim").set_index("claim")["payer_claim_control"]
    # Order: by the first day each notice needs a remittance, then notice id.
    starts = notices["offset_starts"].to_numpy().astype("datetime64[D]")
    ndate = notices["notice_date"].to_numpy().astype("datetime64[D]")
    first_need = np.where(mechanism == "deferred", ndate, starts)
    order = np.lexsort((notices["notice_id"].to_numpy(dtype=object).astype(str), first_need))

    status = np.empty(m, dtype=object)
    taken = np.zeros(m, dtype=np.int64)
    taken_dates = np.full(m, "", dtype=object)
    taken_amounts = np.full(m, "", dtype=object)
    traces = np.full(m, "", dtype=object)
    rev_trace = np.full(m, "", dtype=object)
    plb_rows, rev_rows = [], []
    amount = notices["amount_cents"].to_numpy(dtype=np.int64)
    appealed = notices["appealed"].to_numpy(dtype=bool)
    payer_of = notices["payer_id"].to_numpy(dtype=object)
    claim_of = notices["claim"].to_numpy(dtype=np.int64)
    notice_ids = notices["notice_id"].to_numpy(dtype=object)

    def offsets(i: int, start) -> list[tuple[int, int]]:
        rows = payer_tx.get(payer_of[i], np.zeros(0, dtype=np.int64))
        k = int(np.searchsorted(tx_day[rows], start))
        remaining, out = int(amount[i]), []
        while remaining and k < len(rows):
            t = rows[k]
            take = min(remaining, int(capacity[t]))
            if take > 0:
                capacity[t] -= take
                remaining -= take
                out.append((int(t), take))
            k += 1
        return out

    for i in order:
        mech = mechanism[i]
        rows = payer_tx.get(payer_of[i], np.zeros(0, dtype=np.int64))
        reference = f"{ctl_of_claim.get(claim_of[i], 'NOTICE')} {notice_ids[i]}"
        got: list[tuple[int, int]] = []
        if mech == "deferred":
            k = int(np.searchsorted(tx_day[rows], ndate[i]))
            if k < len(rows):
                t = int(rows[k])
                rev_rows.append((i, t, True))
                rev_trace[i] = trace[t]
                plb_rows.append((t, "WO", reference, -int(amount[i])))
            else:
                mech = "offset"
        if mech == "reversal" and not appealed[i]:
            k = int(np.searchsorted(tx_day[rows], starts[i]))
            while k < len(rows) and capacity[rows[k]] < amount[i]:
                k += 1
            if k < len(rows):
                t = int(rows[k])
                capacity[t] -= amount[i]
                rev_rows.append((i, t, False))
                rev_trace[i] = trace[t]
                got = [(t, int(amount[i]))]
            else:
                mech = "offset"
        if mech in ("offset", "deferred") and not appealed[i]:
            got = offsets(i, starts[i])
            plb_rows += [(t, "WO", reference, a) for t, a in got]
        mechanism[i] = mech
        taken[i] = sum(a for _, a in got)
        taken_dates[i] = ";".join(str(tx_day[t]) for t, _ in got)
        taken_amounts[i] = ";".join(f"{a // 100}.{a % 100:02d}" for _, a in got)
        traces[i] = ";".join(trace[t] for t, _ in got)
        if appealed[i]:
            status[i] = "stayed: appealed in time"
        elif taken[i] == amount[i]:
            status[i] = "taken"
        elif taken[i]:
            status[i] = "partly taken: the remittances end"
        else:
            status[i] = "not taken: the remittances end"

    plb = pd.concat([fb, pd.DataFrame(plb_rows, columns=["tx", "reason_code", "reference", "amount_cents"])],
                    ignore_index=True).astype({"tx": np.int64, "amount_cents": np.int64})
    reversals = pd.DataFrame(rev_rows, columns=["notice", "tx", "deferred"]).astype(
        {"notice": np.int64, "tx": np.int64, "deferred": bool})
    reversals["clp"] = original_clp["index"].reindex(claim_of[reversals["notice"].to_numpy()]).to_numpy(
        dtype=np.int64) if len(reversals) else np.zeros(0, dtype=np.int64)
    orig_paid = clp["paid_cents"].to_numpy()[reversals["clp"].to_numpy()]
    reversed_cents = np.zeros(m, dtype=np.int64)
    repaid_cents = np.zeros(m, dtype=np.int64)
    reversed_cents[reversals["notice"].to_numpy()] = orig_paid
    repaid_cents[reversals["notice"].to_numpy()] = orig_paid - amount[reversals["notice"].to_numpy()]
    notices["mechanism"] = _obj(mechanism)
    notices["status"] = _obj(status)
    notices["taken_cents"] = taken
    notices["taken_dates"] = _obj(taken_dates)
    notices["taken_amounts"] = _obj(taken_amounts)
    notices["trace_numbers"] = _obj(traces)
    notices["reversal_trace"] = _obj(rev_trace)
    notices["reversed_cents"] = reversed_cents
    notices["repaid_cents"] = repaid_cents
    return RemitPlan(tx=tx, clp=clp, svc=svc, plb=plb, reversals=reversals, notices=notices)



def payer_identifier(payer_id: str) -> str:
    """TRN03: "1" and nine digits derived from the payer id (the guide wants 10 characters)."""
    return "1" + f"{zlib.crc32(str(payer_id).encode('utf-8')) % 10**9:09d}"


def _people(practice: Practice) -> tuple[pd.DataFrame, pd.Series]:
    """The patients by number, and each patient's member id with each payer (NM1*QC)."""
    patients = practice.patients.set_index("patient")
    member = practice.spans.drop_duplicates(["patient", "payer_id"]).assign(
        payer_id=lambda s: s["payer_id"].astype(object)).set_index(["patient", "payer_id"])["member_id"]
    return patients, member


def remit_tables(practice: Practice, plan: RemitPlan, tx_ids=None, people=None) -> dict:
    """The writer's tables (:func:`recoup_lib.remit.write_835_from_tables`) for a plan.

    ``tx_ids`` (positions in ``plan.tx``, ascending; default all) keeps only
    those transactions: each one's rows are those the whole plan gives it, in
    the same order, so files written from consecutive slices of transactions
    are those written from the whole plan at once. ``people`` is
    :func:`_people` of the practice, when the caller already has it.
    """
    cfg = payer_review(practice.profile)
    every = tx_ids is None
    tx_ids = np.arange(len(plan.tx)) if every else np.asarray(tx_ids, dtype=np.int64)
    kept_tx = np.zeros(len(plan.tx), dtype=bool)
    kept_tx[tx_ids] = True
    clp_tx = plan.clp["tx"].to_numpy()
    kept_clp = kept_tx[clp_tx]
    clp = plan.clp.copy() if every else plan.clp.loc[kept_clp]
    svc = plan.svc.copy() if every else plan.svc.loc[kept_clp[plan.svc["clp"].to_numpy()]]
    tx = plan.tx
    lines = practice.lines
    notices = plan.notices
    carc = cfg["carc"]
    extra_cas = pd.DataFrame({"clp": [], "line_seq": [], "group_code": [], "reason_code": [], "amount_cents": []})
    r = plan.reversals
    j = np.flatnonzero(kept_tx[r["tx"].to_numpy()])
    r = r.iloc[j].reset_index(drop=True)
    if len(r):
        # Ids follow the whole plan's (claim payments, then a reversal and a correction per reversal row).
        n_clp = len(plan.clp)
        rev_id, cor_id = n_clp + 2 * j, n_clp + 2 * j + 1
        j = np.arange(len(r))
        amount = notices["amount_cents"].to_numpy(dtype=np.int64)[r["notice"].to_numpy()]
        base = plan.clp.loc[r["clp"].to_numpy()].reset_index(drop=True)
        rev = base.assign(tx=r["tx"].to_numpy(), kind=_KIND["reversal"], status_code="22",
                          charge_cents=-base["charge_cents"], paid_cents=-base["paid_cents"],
                          patient_responsibility_cents=-base["patient_responsibility_cents"])
        cor = base.assign(tx=r["tx"].to_numpy(), kind=_KIND["correction"], status_code="1",
                          paid_cents=base["paid_cents"] - amount,
                          payer_claim_control=base["payer_claim_control"] + "A")
        clp = pd.concat([clp, rev.set_axis(rev_id), cor.set_axis(cor_id)])
        # Each reversed claim payment has one notice, so the claim payment maps to one new pair.
        pair = pd.DataFrame({"clp": r["clp"].to_numpy(), "_j": j})
        reversed_svc = plan.svc if every else plan.svc.loc[np.isin(plan.svc["clp"].to_numpy(), pair["clp"].to_numpy())]
        rows = reversed_svc.merge(pair, on="clp")
        jj = rows["_j"].to_numpy()
        money = ["charge_cents", "paid_cents", "allowed_cents", "deductible_cents", "coinsurance_cents",
                 "copay_cents"]
        rev_svc = rows.assign(clp=rev_id[jj], **{c: -rows[c] for c in money})
        hit = rows["line_no"].to_numpy() == notices["line_no"].to_numpy(dtype=np.int64)[r["notice"].to_numpy()][jj]
        cor_svc = rows.assign(clp=cor_id[jj], paid_cents=rows["paid_cents"] - np.where(hit, amount[jj], 0))
        svc = pd.concat([svc, rev_svc.drop(columns="_j"), cor_svc.drop(columns="_j")], ignore_index=True)
        hit_rows = rows.loc[hit]
        etype = notices["error_type"].to_numpy(dtype=object)[r["notice"].to_numpy()][hit_rows["_j"].to_numpy()]
        reasons = [str(carc[e]) for e in etype]
        extra_cas = pd.DataFrame({"clp": cor_id[hit_rows["_j"].to_numpy()],
                                  "line_seq": hit_rows["line_seq"].to_numpy(),
                                  "group_code": _obj(x12_group(reasons, ["CO"] * len(reasons))),
                                  "reason_code": _obj(reasons),
                                  "amount_cents": amount[hit_rows["_j"].to_numpy()]})
    clp["clp"] = clp.index.to_numpy()
    clp = clp.reset_index(drop=True)
    clp = clp.iloc[np.lexsort((clp["kind"].to_numpy(), clp["claim"].to_numpy(), clp["tx"].to_numpy()))]
    clp = clp.reset_index(drop=True)
    clp["claim_seq"] = clp.groupby("tx", sort=False).cumcount().to_numpy() + 1
    seq_of = pd.Series(clp["claim_seq"].to_numpy(), index=clp["clp"].to_numpy())
    trace = tx["trace_number"].to_numpy(dtype=object)

    # Service lines; the correction's extra CAS keeps its line balanced.
    svc["_extra"] = 0
    svc_key = pd.Series(np.arange(len(svc)), index=pd.MultiIndex.from_arrays(
        [svc["clp"].to_numpy(), svc["line_seq"].to_numpy()]))
    cas_extra = extra_cas.astype({"clp": np.int64, "line_seq": np.int64, "amount_cents": np.int64})
    extra_rows = np.zeros(0, dtype=np.int64)
    if len(cas_extra):
        extra_rows = svc_key.reindex(pd.MultiIndex.from_frame(cas_extra[["clp", "line_seq"]])).to_numpy(dtype=np.int64)
        svc.loc[extra_rows, "_extra"] = cas_extra["amount_cents"].to_numpy()
    lines_tx = clp.set_index("clp")["tx"].reindex(svc["clp"].to_numpy()).to_numpy()
    at = svc["_line"].to_numpy()
    balanced_paid = svc["paid_cents"] + svc["_extra"]
    cas = line_cas(svc.assign(paid_cents=balanced_paid))
    cas_rows = cas["row"].to_numpy()
    adjustments = pd.concat([
        pd.DataFrame({"trace_number": trace[lines_tx[cas_rows]],
                      "claim_seq": seq_of.reindex(svc["clp"].to_numpy()[cas_rows]).to_numpy(),
                      "line_seq": svc["line_seq"].to_numpy()[cas_rows], "group_code": cas["group_code"].to_numpy(),
                      "reason_code": cas["reason_code"].to_numpy(), "amount_cents": cas["amount_cents"].to_numpy()}),
        pd.DataFrame({"trace_number": trace[clp.set_index("clp")["tx"].reindex(cas_extra["clp"]).to_numpy()],
                      "claim_seq": seq_of.reindex(cas_extra["clp"]).to_numpy(),
                      "line_seq": cas_extra["line_seq"].to_numpy(), "group_code": cas_extra["group_code"].to_numpy(),
                      "reason_code": cas_extra["reason_code"].to_numpy(),
                      "amount_cents": cas_extra["amount_cents"].to_numpy()}),
    ], ignore_index=True).astype({"claim_seq": np.int64, "line_seq": np.int64, "amount_cents": np.int64})

    service_lines = pd.DataFrame({
        "trace_number": trace[lines_tx],
        "claim_seq": seq_of.reindex(svc["clp"].to_numpy()).to_numpy(dtype=np.int64),
        "line_seq": svc["line_seq"].to_numpy(dtype=np.int64),
        "procedure_code": np.asarray(lines["procedure_code"], dtype=object)[at],
        "modifiers": lines["modifiers"].to_numpy(dtype=object)[at],
        "units": lines["units"].to_numpy(dtype=np.float64)[at],
        "charge_cents": svc["charge_cents"].to_numpy(dtype=np.int64),
        "paid_cents": svc["paid_cents"].to_numpy(dtype=np.int64),
        "allowed_cents": svc["allowed_cents"].to_numpy(dtype=np.int64),
        "service_date": lines["service_date"].to_numpy()[at],
        "line_control": (np.asarray(practice.claim_id_column(lines["claim"].to_numpy()[at]), dtype=object) + "-"
                         + lines["line_no"].to_numpy()[at].astype(str).astype(object)),
        "remark_codes": line_remarks(adjustments["reason_code"], np.concatenate([cas_rows, extra_rows]), len(svc)),
    })

    patients, member = people or _people(practice)
    ptype = tx["payer_type"].to_numpy(dtype=object)[clp["tx"].to_numpy()]
    payments = pd.DataFrame({
        "trace_number": trace[clp["tx"].to_numpy()],
        "claim_seq": clp["claim_seq"].to_numpy(dtype=np.int64),
        "claim_id": np.asarray(practice.claim_id_column(clp["claim"].to_numpy()), dtype=object),
        "status_code": clp["status_code"].to_numpy(dtype=object),
        "charge_cents": clp["charge_cents"].to_numpy(dtype=np.int64),
        "paid_cents": clp["paid_cents"].to_numpy(dtype=np.int64),
        "patient_responsibility_cents": clp["patient_responsibility_cents"].to_numpy(dtype=np.int64),
        "payer_claim_control": clp["payer_claim_control"].to_numpy(dtype=object),
        "filing_indicator": pd.Series(ptype).map(_FILING).to_numpy(dtype=object),
        "facility_code": "11", "frequency_code": "1",
        "patient_last_name": patients["last_name"].reindex(clp["patient"].to_numpy()).str.upper().to_numpy(
            dtype=object),
        "patient_first_name": patients["first_name"].reindex(clp["patient"].to_numpy()).str.upper().to_numpy(
            dtype=object),
        "member_id": member.reindex(pd.MultiIndex.from_arrays([clp["patient"].to_numpy(),
                                                               clp["payer_id"].to_numpy(dtype=object)]))
        .fillna("").to_numpy(dtype=object),
        # Medicare tells the provider about its appeal rights (MOA, RARC MA01) on the claims it
        # denies, reverses or corrects.
        "claim_remark_codes": _obj(np.where((ptype == "medicare") & (
            np.isin(clp["status_code"].to_numpy(dtype=object), ["4", "22"])
            | (clp["kind"].to_numpy() == _KIND["correction"])), "MA01", "")),
    })
    plb = plan.plb if every else plan.plb.loc[kept_tx[plan.plb["tx"].to_numpy()]]
    provider_adjustments = pd.DataFrame({
        "trace_number": trace[plb["tx"].to_numpy()],
        "reason_code": plb["reason_code"].to_numpy(dtype=object),
        "reference": plb["reference"].to_numpy(dtype=object),
        "amount_cents": plb["amount_cents"].to_numpy(dtype=np.int64),
    })
    payee_npi = npi_numbers(stream(practice.seed, "payee"), 1)[0]
    payee_name = practice.profile.name.replace("_", " ").upper()
    interchange = pd.Series(tx["file"]).factorize()[0][tx_ids] + 1
    tx = tx.iloc[tx_ids]
    transactions = pd.DataFrame({
        "trace_number": trace[tx_ids], "payment_date": tx["payment_date"].to_numpy(),
        "payer": tx["payer"].str.upper().to_numpy(dtype=object),
        "payer_id": _obj([payer_identifier(p) for p in tx["payer_id"].to_numpy(dtype=object)]),
        "payee_name": payee_name, "payee_id": payee_npi, "file": tx["file"].to_numpy(dtype=object),
        "payer_state": tx["payer_state"].to_numpy(dtype=object),
        "sender_id": tx["payer_id"].to_numpy(dtype=object), "receiver_id": payee_npi,
        "interchange_control": interchange,
    })
    return {"transactions": transactions, "payments": payments, "service_lines": service_lines,
            "adjustments": adjustments, "provider_adjustments": provider_adjustments}


def write_remits(practice: Practice, plan: RemitPlan, folder, group_lines: int = 100_000) -> list[str]:
    """Write the plan's 835 files into ``folder``, a few files at a time (to bound memory).

    Consecutive files are made together until they hold about
    ``group_lines`` claim payments and service lines; interchange control
    numbers are numbered over all files, so the bytes are those of a single
    call of :func:`recoup_lib.remit.write_835_from_tables`. Returns the file
    names written.
    """
    from ..remit import write_835_from_tables

    tx = plan.tx
    file_of_tx = pd.Series(tx["file"]).factorize()[0]
    rows = np.bincount(plan.clp["tx"].to_numpy(), minlength=len(tx)).astype(np.int64)
    rows += np.bincount(plan.clp["tx"].to_numpy()[plan.svc["clp"].to_numpy()], minlength=len(tx))
    per_file = np.bincount(file_of_tx, weights=rows, minlength=file_of_tx.max() + 1 if len(tx) else 0)
    people = _people(practice)
    written: list[str] = []
    for files in _runs(per_file, group_lines):
        tx_ids = np.flatnonzero(np.isin(file_of_tx, files))
        written += list(write_835_from_tables(**remit_tables(practice, plan, tx_ids, people), out_dir=folder))
    return written


def _runs(weights: np.ndarray, limit: int) -> list[np.ndarray]:
    """Consecutive positions of ``weights`` in runs of at most ``limit`` in all (or one position each)."""
    runs, start, total = [], 0, 0
    for i, w in enumerate(weights.tolist()):
        if total and total + w > limit:
            runs.append(np.arange(start, i))
            start, total = i, 0
        total += w
    if start < len(weights):
        runs.append(np.arange(start, len(weights)))
    return runs
