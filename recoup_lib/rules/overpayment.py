"""Overpayment rules: the payer paid twice, or paid more than its fee schedule.

Category "overpayment" (docs/contract.md). What the office does next: refund, or
accept the payer's offset against future payments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import times_units
from ._hits import NO_HITS, among, date_text, hits, join_by_group, usd
from ._registry import register

#: What makes two lines "the same service" (integer keys of the audit context).
DUPLICATE_KEY = ["_patient", "_payer", "_npi", "service_date", "_code", "_mods"]


#: The most buckets of the first, coarse look of :func:`_may_repeat` (a count per bucket: 32 MB). It takes
#: the power of two of at least two per row below that: 857,000 rows of a million-line practice counted
#: in a 16 MB table took 46 ms, in a 32 MB one, whose counts are looked up farther apart, 57.
_BUCKETS = 1 << 22


def _may_repeat(lines: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` share a hash of :data:`DUPLICATE_KEY` with another of them.

    Equal services have equal hashes, so this keeps every duplicate (and, rarely, a
    collision, which the exact comparison then drops): the full sort runs on a few lines
    instead of all of them. Rows alone in their bucket of the hash's low bits (most of them)
    are left out first by counting, so only the rest are hashed into a table.
    """
    mixed = np.zeros(len(rows), dtype=np.uint64)
    shifted = np.empty_like(mixed)
    for name in DUPLICATE_KEY:
        # A date is hashed as it is held: equal dates, and only they, compare equal afterwards too.
        values = lines[name].to_numpy()[rows]
        # Mixed in place: the same hash as ``(mixed ^ values) * K`` then ``mixed ^= mixed >> 29``.
        mixed ^= values.view(np.uint64)
        mixed *= np.uint64(0x9E3779B97F4A7C15)
        mixed ^= np.right_shift(mixed, np.uint64(29), out=shifted)
    buckets = min(_BUCKETS, 1 << (2 * len(rows) - 1).bit_length())
    bucket = np.bitwise_and(mixed, np.uint64(buckets - 1), out=shifted).view(np.intp)
    shared = np.bincount(bucket, minlength=buckets)[bucket] > 1
    out = np.zeros(len(rows), dtype=bool)
    out[shared] = pd.Series(mixed[shared]).duplicated(keep=False).to_numpy()
    return out


@register("duplicate_claim", "OVP-DUP-CLAIM",
          summary="the same service billed and paid twice on separate lines")
def duplicate_claim(ctx) -> pd.DataFrame:
    """Flag the later of two paid lines for the same service.

    Two lines are the same service when patient, payer, rendering provider,
    date of service, procedure code and the *set* of modifiers all match.
    Lines are ordered by submitted_date, then claim_id, then line_no; every
    paid line after the first paid one of its group is a duplicate, and what
    was paid on it is at risk. A line carrying modifier 76, 77 or 91 is a
    deliberate repeat (repeat procedure, repeat lab test), not a duplicate.

    Notes
    -----
    Payers deny exact duplicates up front with CARC 18 and recover the ones
    they paid with B13 or M86 (docs/sources.md §6.2, 6.3); a denied duplicate was
    never paid, so it is not at risk.
    """
    lines = ctx.lines
    rows = np.flatnonzero((ctx.is_paid & ~lines["has_repeat_modifier"]).to_numpy())
    rows = rows[_may_repeat(lines, rows)]
    if not len(rows):
        return NO_HITS
    col = {name: lines[name].to_numpy()[rows] for name in DUPLICATE_KEY + ["submitted_date", "_claim", "line_no"]}
    # Sort by the service, then by submission order; a row repeating the service of the row
    # before it is a later copy, and the first row of its run is the original.
    order = np.lexsort([col["line_no"], col["_claim"], col["submitted_date"]]
                       + [col[name] for name in reversed(DUPLICATE_KEY)])
    same = np.ones(len(order) - 1, dtype=bool) if len(order) > 1 else np.zeros(0, dtype=bool)
    for name in DUPLICATE_KEY:
        values = col[name][order]
        same &= values[1:] == values[:-1]
    is_later = np.r_[False, same]
    if not is_later.any():
        return NO_HITS
    run_start = np.maximum.accumulate(np.where(~is_later, np.arange(len(order)), 0))
    later = lines[["procedure_code", "submitted_date", "paid_cents"]].iloc[rows[order[is_later]]]
    original = lines[["claim_id", "line_no", "submitted_date", "paid_cents"]].iloc[rows[order[run_start[is_later]]]]
    evidence = (
        "same patient, payer, provider, date, code " + later["procedure_code"].to_numpy()
        + " and modifiers as claim " + original["claim_id"].to_numpy()
        + " line " + original["line_no"].astype("str").to_numpy()
        + " (submitted " + date_text(original["submitted_date"]).to_numpy()
        + ", paid " + usd(original["paid_cents"]).to_numpy()
        + "); this copy was submitted " + date_text(later["submitted_date"]).to_numpy()
        + " and paid " + usd(later["paid_cents"]).to_numpy()
    )
    return hits(later.index, later["paid_cents"], evidence)


@register("duplicate_payment", "OVP-DUP-PAYMENT",
          summary="one line paid the same amount more than once")
def duplicate_payment(ctx) -> pd.DataFrame:
    """Flag a line whose payments of the same amount outnumber its reversals by two or more.

    For each amount X > 0 posted to the line, count the payments of +X and
    of -X. A reversal cancels one payment, so a surplus of two or more means
    the payer sent X too many times: X x (surplus - 1) is at risk, summed
    over the amounts where this happens.
    """
    excess = ctx.duplicate_payment_excess
    flagged = excess[(excess > 0) & ctx.is_paid]
    if not len(flagged):
        return NO_HITS
    pay = ctx.payments
    pay = pay.loc[among(pay["_line"], flagged.index) & (pay["paid_cents"] != 0).to_numpy(),
                  ["_line", "payment_date", "payment_id", "paid_cents"]]
    pay = pay.sort_values(["_line", "payment_date", "payment_id"], kind="stable")
    listing = join_by_group(pay["_line"].to_numpy(), usd(pay["paid_cents"]).to_numpy())
    lines = ctx.lines.loc[flagged.index, ["paid_cents"]]
    evidence = (
        "payments posted: " + listing.reindex(flagged.index).to_numpy()
        + "; " + usd(flagged).to_numpy() + " paid more than once (reversals netted); line paid "
        + usd(lines["paid_cents"]).to_numpy() + " in all"
    )
    return hits(flagged.index, flagged, evidence)


@register("overpaid_rate", "OVP-RATE", needs=("fee_schedule",),
          summary="paid more than the fee schedule allows for the code, units and date")
def overpaid_rate(ctx) -> pd.DataFrame:
    """Flag a line paid more than the payer's fee schedule allows.

    The allowed amount is the schedule's fee per unit for the line's payer,
    code and date of service, times the units. Money already counted as a
    duplicate payment is left out first, so one mistake is not counted twice.
    A code the schedule does not price on that date is not checked.
    """
    paid_rows = np.flatnonzero(ctx.is_paid.to_numpy())
    if not len(paid_rows):
        return NO_HITS
    lines = ctx.lines
    fee, has_fee = ctx.fee_cents(rows=paid_rows)
    allowed = times_units(fee, lines["units"].to_numpy(dtype=np.int64)[paid_rows])
    duplicated = ctx.duplicate_payment_excess.to_numpy()[paid_rows]
    net_paid = lines["paid_cents"].to_numpy()[paid_rows] - duplicated
    over = net_paid - allowed
    flag = has_fee & (over > 0)
    if not flag.any():
        return NO_HITS
    rows = paid_rows[flag]
    sel = lines[["units", "procedure_code", "payer_id", "service_date"]].iloc[rows]
    diff = over[flag]
    evidence = (
        "paid " + usd(net_paid[flag]).to_numpy()
        + np.where(duplicated[flag] > 0, " (after removing the duplicate payment)", "")
        + " for " + sel["units"].astype("str").to_numpy() + " x " + sel["procedure_code"].to_numpy()
        + "; the " + sel["payer_id"].to_numpy() + " fee schedule allows "
        + usd(fee[flag]).to_numpy() + " per unit on "
        + date_text(sel["service_date"]).to_numpy() + " = " + usd(allowed[flag]).to_numpy()
        + "; overpaid by " + usd(diff).to_numpy()
    )
    return hits(sel.index, diff, evidence)
