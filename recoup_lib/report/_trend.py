"""Money over time: the dashboard's month-by-month trend, and a payer's cash by week.

Both tables keep money in integer cents and list every period from the
first to the last, empty ones included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..rules import capped_findings
from ._claim_metrics import line_status

__all__ = ["trend_by_month", "weekly_cash"]


def _month(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period("M").dt.to_timestamp().astype("datetime64[us]")


def trend_by_month(lines: pd.DataFrame, payments: pd.DataFrame, findings: pd.DataFrame | None = None,
                   recoupments: pd.DataFrame | None = None, notices: pd.DataFrame | None = None,
                   status: pd.DataFrame | None = None) -> pd.DataFrame:
    """Month by month: volume, denials, money at risk, money taken back, notices.

    Parameters
    ----------
    lines : pandas.DataFrame
        claim_id, line_no, service_date, optionally charge_cents.
    payments : pandas.DataFrame
        claim_id, line_no, payment_date, paid_cents, allowed_cents,
        optionally denial_code.
    findings, recoupments, notices : pandas.DataFrame, optional
        Their columns appear only when given.
    status : pandas.DataFrame, optional
        ``line_status(lines, payments)`` already computed, so it is not
        computed again (it is not changed).

    Returns
    -------
    pandas.DataFrame
        month (first day of the month), claims, lines, charges_cents,
        denied_lines, denial_rate_lines (percent, two decimals) -- by service month;
        paid_cents (gross positive payments, by payment month);
        at_risk_capped_cents (by service month); recouped_cents (money taken
        back, net as :func:`recoup_lib.remit.taken_back` counts it, by the
        recoupment's payment month); notices and notice_cents (by notice
        month). Every month from the first to the last is there; months
        with nothing are 0 (and their denial rate empty).
    """
    if status is None:
        status = line_status(lines, payments)
    status = status.assign(month=_month(status["service_date"]))
    by_line = status.groupby("month")
    out = pd.DataFrame({"claims": by_line["claim_id"].nunique(), "lines": by_line.size(),
                        "denied_lines": by_line["denied"].sum()})
    if "charge_cents" in status.columns:
        out["charges_cents"] = by_line["charge_cents"].sum()
    paid = payments["paid_cents"].astype("int64")
    positive = payments.loc[paid > 0]
    out = out.join(positive.assign(month=_month(positive["payment_date"]))
                   .groupby("month")["paid_cents"].sum().rename("paid_cents"), how="outer")
    if findings is not None:
        capped = capped_findings(findings)
        out = out.join(capped.assign(month=_month(capped["service_date"]))
                       .groupby("month")["at_risk_capped_cents"].sum(), how="outer")
    if recoupments is not None:
        money = "net_amount_cents" if "net_amount_cents" in recoupments.columns else "amount_cents"
        out = out.join(recoupments.assign(month=_month(recoupments["payment_date"]))
                       .groupby("month")[money].sum().rename("recouped_cents"), how="outer")
    if notices is not None:
        n = notices.assign(month=_month(notices["notice_date"])).groupby("month")
        out = out.join(pd.DataFrame({"notices": n.size(), "notice_cents": n["amount_cents"].sum()}), how="outer")
    out = out.loc[out.index.notna()].sort_index()
    if len(out):
        out = out.reindex(pd.date_range(out.index.min(), out.index.max(), freq="MS").astype("datetime64[us]"))
    out = out.fillna(0).astype("int64")
    out.index.name = "month"
    out = out.reset_index()
    share = 100.0 * out["denied_lines"] / out["lines"].where(out["lines"] > 0, 1)
    rate = pd.array(np.where(out["lines"] > 0, share.round(2), np.nan), dtype="Float64")
    out.insert(out.columns.get_loc("denied_lines") + 1, "denial_rate_lines", rate)
    order = ["month", "claims", "lines", "charges_cents", "denied_lines", "denial_rate_lines", "paid_cents",
             "at_risk_capped_cents", "recouped_cents", "notices", "notice_cents"]
    return out[[c for c in order if c in out.columns]]


def weekly_cash(payments: pd.DataFrame, offset_cents: int, offset_starts,
                week: str = "W-FRI") -> pd.DataFrame:
    """A payer's payments by week, with an overpayment offset out of them.

    Parameters
    ----------
    payments : pandas.DataFrame
        Columns ``payment_date`` (datetime) and ``paid_cents`` (int): what
        the payer's claim payments add up to, reversals included.
    offset_cents : int
        The overpayment the payer recovers by offset (>= 0).
    offset_starts : date-like
        First day the payer may offset. From then on, each day's payment
        (when positive) is kept back until the overpayment is recovered.
    week : str, default "W-FRI"
        pandas weekly frequency; weeks end on Friday.

    Returns
    -------
    pandas.DataFrame
        One row per week from the first to the last payment: ``week_ending``,
        ``paid_cents`` (what the week's claims paid), ``offset_cents`` (kept
        back), ``deposited_cents`` (what reached the bank), ``still_owed_cents``
        (the overpayment left at the end of the week).

    Raises
    ------
    InvalidParameterError
        ``offset_cents`` is negative (a ``ValueError``).

    Notes
    -----
    Recoupment by offset takes the money from payments for *other* claims,
    which is why a deposit can drop with nothing wrong on that week's claims
    (docs/sources.md §1.1 day 41; the 835 shows it as a PLB ``WO`` adjustment,
    docs/sources.md §5.3).

    Examples
    --------
    >>> pay = pd.DataFrame({"payment_date": pd.to_datetime(["2025-01-06", "2025-01-13"]),
    ...                     "paid_cents": [10000, 10000]})
    >>> weekly_cash(pay, 2500, "2025-01-10")["deposited_cents"].tolist()
    [10000, 7500]
    """
    if offset_cents < 0:
        raise InvalidParameterError(f"offset_cents must be 0 or more; got {offset_cents}")
    daily = (payments.groupby(pd.to_datetime(payments["payment_date"]))["paid_cents"].sum()
             .astype("int64").sort_index())
    start = pd.Timestamp(offset_starts)
    available = np.where(daily.index >= start, np.clip(daily.to_numpy(), 0, None), 0)
    taken_so_far = np.minimum(np.cumsum(available), int(offset_cents))
    taken = np.diff(taken_so_far, prepend=0).astype("int64")
    frame = pd.DataFrame({"paid_cents": daily.to_numpy(), "offset_cents": taken}, index=daily.index)
    weekly = frame.resample(week).sum().astype("int64")
    weekly["deposited_cents"] = weekly["paid_cents"] - weekly["offset_cents"]
    weekly["still_owed_cents"] = int(offset_cents) - weekly["offset_cents"].cumsum()
    weekly.index.name = "week_ending"
    return weekly.reset_index()
