"""Money metrics: what the payers took back, what the office posted as reversals, what is at risk.

Money stays integer cents: each money metric carries its amount in
``numerator`` (cents).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import dollars
from ..remit import taken_back
from ..rules import CATEGORIES, CATEGORY_LABELS, capped_findings
from ._metrics import clean_text, metric_frame, metric_row, require_columns, switched_off

__all__ = ["recoupment_rate", "payment_reversals", "money_at_risk", "other_claims_warning"]


def _in_period(dates: pd.Series, start, end) -> np.ndarray:
    keep = np.ones(len(dates), dtype=bool)
    values = pd.to_datetime(dates)
    if start is not None:
        keep &= (values >= pd.Timestamp(start)).fillna(False).to_numpy(dtype=bool)
    if end is not None:
        keep &= (values <= pd.Timestamp(end)).fillna(False).to_numpy(dtype=bool)
    return keep


_RECOUPMENT_METRICS = [("recoupment_dollars", "Money taken back", "dollars"),
                       ("recoupment_gross_dollars", "Money taken back, gross", "dollars"),
                       ("recoupment_count", "Recoupments", "count"),
                       ("recoupment_rate", "Recoupment rate", "percent")]


def _on_other_claims(recoupments: pd.DataFrame, claims) -> np.ndarray:
    """Which take-backs name a claim that is not one of ``claims`` (a take-back naming no claim is not)."""
    if claims is None or "claim_id" not in recoupments.columns:
        return np.zeros(len(recoupments), dtype=bool)
    named = clean_text(recoupments["claim_id"])
    own = set(clean_text(pd.Series(list(claims), dtype="str")))
    return ((named != "") & ~named.isin(own)).to_numpy(dtype=bool)


def recoupment_rate(recoupments: pd.DataFrame | None, payments: pd.DataFrame, start=None, end=None,
                    source: str = "recoupments", reason: str | None = None, claims=None,
                    on_other_claims=None) -> pd.DataFrame:
    """Money taken back, and its share of the money paid in the period.

    Parameters
    ----------
    recoupments : pandas.DataFrame or None
        The contract's recoupments columns (file, trace_number,
        payment_date, claim_id, amount_cents, mechanism, reason_code,
        reference, net_amount_cents): from ``recoup remit`` /
        :func:`recoup_lib.remit.read_835` or a recoupments.csv (without
        net_amount_cents, the amount counts as net). ``None`` switches the
        metrics off.
    payments : pandas.DataFrame
        payment_date, paid_cents (payments.csv).
    start, end : date-like, optional
        Count only recoupments and payments dated in [start, end].
    source : str
        Where the recoupments came from (said in the rows).
    reason : str, optional
        Why there are none, when ``recoupments`` is None.
    claims : iterable of str, optional
        The folder's claim ids (claim_lines.csv). Given, the rate counts
        only the take-backs on these claims (and those naming no claim):
        its denominator is these claims' payments.
    on_other_claims : numpy.ndarray of bool, optional
        Which rows of ``recoupments`` name a claim not in ``claims``, already
        worked out (as :func:`other_claims_warning` takes it), so it is not
        worked out again.

    Returns
    -------
    pandas.DataFrame
        recoupment_dollars (money taken back: :func:`recoup_lib.remit.taken_back`,
        the net amounts, each dollar once), recoupment_gross_dollars (the
        take-backs' gross amounts, labelled as such), recoupment_count,
        recoupment_rate (taken back on the folder's claims / gross paid,
        percent), then
        ``recoupment_dollars[<mechanism>]`` (net) for each mechanism
        present (reversal, offset).

    Notes
    -----
    Kit-defined (docs/sources.md §9.1; no public benchmark): money taken
    back -- reversals net of the corrected payment paired with them, plus
    PLB WO/FB recoveries, less what was deferred (docs/sources.md §5.2-5.3;
    docs/contract.md, "Remittances": one figure everywhere) -- over the
    dollars paid in the period. The denominator is the gross of the
    positive payments, because reversals appear as negative payments and
    are the numerator's own money.

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"payment_date": pd.to_datetime(["2025-03-14"]), "amount_cents": [6000],
    ...                     "mechanism": ["reversal"]})
    >>> pay = pd.DataFrame({"payment_date": pd.to_datetime(["2025-03-01", "2025-03-14"]),
    ...                     "paid_cents": [15000, -6000]})
    >>> from recoup_lib.report import metric_value
    >>> metric_value(recoupment_rate(rec, pay), "recoupment_rate")
    40.0
    >>> corrected = rec.assign(net_amount_cents=[1000])  # the correction paid 5,000 cents back
    >>> metric_value(recoupment_rate(corrected, pay), "recoupment_dollars")  # cents
    1000
    """
    if recoupments is None:
        return switched_off(_RECOUPMENT_METRICS, reason or "No remittance data: add a remits/ folder of "
                            ".835 files or a recoupments.csv. The audit's exposure is shown instead.",
                            source)
    require_columns(recoupments, ["payment_date", "amount_cents"], "recoupments")
    require_columns(payments, ["payment_date", "paid_cents"], "payments")
    in_period = _in_period(recoupments["payment_date"], start, end)
    rec = recoupments.loc[in_period]
    pay = payments.loc[_in_period(payments["payment_date"], start, end), "paid_cents"].astype("int64")
    gross_paid = int(pay[pay > 0].sum())
    net_given = "net_amount_cents" in rec.columns
    net = rec["net_amount_cents"].astype("int64") if net_given else rec["amount_cents"].astype("int64")
    total = taken_back(rec) if net_given else int(net.sum())
    other = (_on_other_claims(rec, claims) if on_other_claims is None
             else np.asarray(on_other_claims, dtype=bool)[in_period])
    own_total = total - int(net[other].sum())
    gross = int(rec["amount_cents"].astype("int64").sum())
    dates = pd.to_datetime(rec["payment_date"])
    span = (f" Dated {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}." if len(rec) and dates.notna().any()
            else "")
    how = ("each dollar once: reversals net of the corrected payment paired with them, offsets less what was "
           "deferred" if net_given and recoupments.attrs.get("net_given", True)
           else "no net amounts were given, so each take-back counts in full")
    rows = [
        metric_row("recoupment_dollars", "Money taken back", "dollars", numerator=total, basis="cents",
                   source=source, note=f"Money taken back ({how}): reversals and PLB WO/FB offsets." + span),
        metric_row("recoupment_gross_dollars", "Money taken back, gross", "dollars", numerator=gross,
                   basis="cents", source=source,
                   note="Gross: every take-back in full, before the corrected payments paired with reversals and "
                   "before deferrals; not the money lost."),
        metric_row("recoupment_count", "Recoupments", "count", numerator=len(rec), basis="recoupments",
                   source=source, note="Rows of the recoupments table."),
        metric_row("recoupment_rate", "Recoupment rate", "percent", numerator=own_total, denominator=gross_paid,
                   basis="cents", source=f"{source}; payments.csv",
                   note="Money taken back / gross money paid (positive payments in payments.csv) in the period; "
                  "kit-defined, no public benchmark." + (
                      f" Counts only the take-backs on the folder's claims: {int(other.sum())} take-back(s) on "
                      f"claims not in claim_lines.csv ({dollars(int(net[other].sum()))} net) left out."
                      if other.any() else "")),
    ]
    if "mechanism" in rec.columns:
        mech = clean_text(rec["mechanism"]).replace("", "unspecified")
        for name, cents in net.groupby(mech.to_numpy(), sort=True).sum().items():
            rows.append(metric_row(f"recoupment_dollars[{name}]", f"Money taken back by {name}", "dollars",
                                   numerator=int(cents), basis="cents", source=source,
                                   note=f"Recoupments with mechanism {name}, net."))
    return metric_frame(rows)


def other_claims_warning(recoupments: pd.DataFrame | None, remit, claims, where: str = "remits/",
                         on_other_claims=None) -> str:
    """The warning that the remittances mostly concern claims the folder does not hold; blank when they do not.

    Parameters
    ----------
    recoupments : pandas.DataFrame or None
        The take-backs (claim_id, net_amount_cents or amount_cents).
    remit : recoup_lib.remit.Remit or None
        The 835s read: their claim payments (CLP) are matched too.
    claims : iterable of str
        The folder's claim ids.
    where : str
        Where the remittances came from, named in the warning.
    on_other_claims : numpy.ndarray of bool, optional
        As :func:`recoupment_rate` takes it.

    Returns
    -------
    str
        Said when most of the 835s' claims, or most of the money taken back
        on a named claim, is on claims not in ``claims``: a folder's own
        payments compared with money taken back on other claims would make
        the recoupment rate meaningless (:func:`recoupment_rate` leaves those
        take-backs out).

    Examples
    --------
    >>> rec = pd.DataFrame({"claim_id": ["X1", "C1"], "net_amount_cents": [9000, 1000]})
    >>> other_claims_warning(rec, None, ["C1", "C2"])[:62]
    'the remittances in remits/ mostly take back money on claims th'
    """
    own = set(clean_text(pd.Series(list(claims), dtype="str")))
    paid = getattr(remit, "payments", None)
    if paid is not None and len(paid):
        named = pd.Series(clean_text(paid["claim_id"]).unique())
        named = named[named != ""]
        matched = int(named.isin(own).sum())
        if len(named) and 2 * matched < len(named):
            return (f"the 835s in {where} mostly pay claims this folder does not hold: {matched} of {len(named)} "
                    "claims match; the recoupment rate counts only the money taken back on this folder's claims, "
                    "and the money taken back counts every take-back in the 835s")
    if recoupments is None or not len(recoupments):
        return ""
    other = (_on_other_claims(recoupments, own) if on_other_claims is None
             else np.asarray(on_other_claims, dtype=bool))
    column = "net_amount_cents" if "net_amount_cents" in recoupments.columns else "amount_cents"
    cents = recoupments[column].astype("int64")
    named = clean_text(recoupments["claim_id"]) != "" if "claim_id" in recoupments.columns else other
    if not other.any() or 2 * int(cents[other].sum()) <= int(cents[named].sum()):
        return ""
    return (f"the remittances in {where} mostly take back money on claims this folder does not hold: "
            f"{dollars(int(cents[other].sum()))} of {dollars(int(cents[named].sum()))} taken back on claims it "
            "names; the recoupment rate counts only the money taken back on this folder's claims, and the money "
            "taken back counts every take-back")


def payment_reversals(payments: pd.DataFrame, source: str = "payments.csv") -> pd.DataFrame:
    """Reversals posted in payments.csv: the take-backs the practice system already shows.

    Parameters
    ----------
    payments : pandas.DataFrame
        paid_cents.

    Returns
    -------
    pandas.DataFrame
        reversals_posted_dollars (the negative payments, as a positive
        amount) and reversals_posted_rate (that / gross paid, percent).

    Notes
    -----
    Kit-defined. A negative payment is a reversal posted to the line; PLB
    offsets taken from other claims' payments do not appear in payments.csv,
    so this understates recoupments when no remittance data is given.
    """
    paid = payments["paid_cents"].astype("int64")
    taken = int(-paid[paid < 0].sum())
    gross = int(paid[paid > 0].sum())
    note = f"{int((paid < 0).sum())} negative payments in payments.csv; offsets on other claims are not seen here."
    return metric_frame([
        metric_row("reversals_posted_dollars", "Reversals posted, gross", "dollars", numerator=taken, basis="cents",
                   source=source, note=note + " Gross: a reversal counts in full, before the corrected payment "
                   "that usually follows it; money taken back is the recoupment metric."),
        metric_row("reversals_posted_rate", "Reversals posted (gross) / money paid", "percent", numerator=taken,
                   denominator=gross, basis="cents", source=source,
                   note="Gross reversals posted / gross money paid."),
    ])


def money_at_risk(findings: pd.DataFrame | None, lines: pd.DataFrame, source: str = "audit findings",
                  reason: str | None = None) -> pd.DataFrame:
    """Money at risk of recoupment, in total, as a share of paid, and by cause.

    Parameters
    ----------
    findings : pandas.DataFrame or None
        The audit's findings (claim_id, line_no, error_type, category,
        at_risk_cents, paid_cents).
    lines : pandas.DataFrame
        The audited lines with paid_cents (``AuditResult.lines``).

    Returns
    -------
    pandas.DataFrame
        money_at_risk (dollars), exposure_rate (percent of the net money
        paid on lines with something paid), then
        ``money_at_risk[<category>]`` for the five categories.

    Notes
    -----
    Kit-defined. Each line counts at most what was paid on it (the
    contract's cap, :func:`recoup_lib.rules.capped_findings`). Without
    remittance data this "exposure" stands in for the recoupment rate: it is
    what a payer could take back, not what it took.
    """
    names = [("money_at_risk", "Money at risk", "dollars"), ("exposure_rate", "Exposure rate", "percent")]
    names += [(f"money_at_risk[{c}]", f"At risk: {CATEGORY_LABELS[c]}", "dollars") for c in CATEGORIES]
    if findings is None:
        return switched_off(names, reason or "No audit findings.", source)
    capped = capped_findings(findings)
    total = int(capped["at_risk_capped_cents"].sum())
    paid = lines["paid_cents"].astype("int64")
    rows = [
        metric_row("money_at_risk", "Money at risk", "dollars", numerator=total, basis="cents", source=source,
                   note="Audit at-risk, each line capped at what was paid on it."),
        metric_row("exposure_rate", "Exposure rate", "percent", numerator=total,
                   denominator=int(paid[paid > 0].sum()), basis="cents", source=f"{source}; payments.csv",
                   note="Money at risk / net money paid on the lines with something paid; what a payer could "
                  "take back, not what it took."),
    ]
    by = capped.groupby("category")["at_risk_capped_cents"].sum()
    for category in CATEGORIES:
        rows.append(metric_row(f"money_at_risk[{category}]", f"At risk: {CATEGORY_LABELS[category]}", "dollars",
                               numerator=int(by.get(category, 0)), basis="cents", source=source,
                               note=f"Category {category}, capped per line."))
    return metric_frame(rows)
