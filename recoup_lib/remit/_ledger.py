"""What the notices still leave open, and the money in and out by period and by cause."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..notices import checked_notices
from ..schema import CLOSED_STATUSES, Column, FileSpec, as_of_day, checked_frame
from ._deposits import explain_deposits
from ._items import STR

__all__ = ["AGING_BUCKETS", "LEDGER_COLUMNS", "CASH_FLOW_COLUMNS", "open_ledger", "cash_flow",
           "recoupments_by_cause"]

#: Aging buckets of :func:`open_ledger` (days since the notice date, inclusive bounds).
AGING_BUCKETS = (("0-30", 30), ("31-60", 60), ("61-90", 90), ("91-120", 120), (">120", None))

LEDGER_COLUMNS = [
    "notice_id", "payer_id", "claim_id", "line_no", "notice_date", "error_type", "amount_cents",
    "taken_cents", "open_cents", "takes", "first_take_date", "last_take_date", "days_open",
    "aging", "status",
]

#: The columns :func:`open_ledger` reads from the links handed over (the links table has the
#: columns of :data:`recoup_lib.remit.reconcile.LINK_COLUMNS`; the others pass). notice_id is blank where a
#: take-back has no notice. Columns, not a file's contract: the kit never reads recoupment_links.csv.
_LINKS_READ = (
    Column("payment_date", "date", nullable=True),
    Column("net_taken", "money"),
    Column("notice_id", "code", nullable=True),
)


def _bucket(days: pd.Series) -> np.ndarray:
    conds, names = [], []
    low = -1
    for name, high in AGING_BUCKETS:
        names.append(name)
        conds.append((days > low) & (days <= high) if high is not None else days > low)
        low = high if high is not None else low
    return np.select(conds, names, "")


def open_ledger(links: pd.DataFrame, notices: pd.DataFrame, as_of, *, check: bool = True) -> pd.DataFrame:
    """Per notice: how much the payer has taken so far, what is still open, and for how long.

    Parameters
    ----------
    links : pandas.DataFrame
        From :func:`link_recoupments` made with ``notices`` (or
        ``recoupment_links.csv`` read back): notice_id (blank where a
        take-back has no notice), payment_date and ``net_taken_cents``
        (whole cents, or dollars under ``net_taken``), checked by the
        rules of the kit's files.
    notices : pandas.DataFrame
        The parsed ``notices.csv`` (notice_id, notice_date, amount_cents;
        payer_id, claim_id, line_no, error_type shown when given; checked as
        the file's, :func:`recoup_lib.notices.checked_notices`; optionally
        status: a value in
        :data:`recoup_lib.schema.CLOSED_STATUSES` means the office has
        settled the notice, so nothing of it is open, as the appeal worklist
        reads it).
    as_of : date-like
        The day the ledger is read; takes paid after it and notices dated
        after it are left out.
    check : bool, default True
        False for tables the kit typed (notices.csv as read, decisions,
        :func:`link_recoupments`' links), which are not checked again.

    Returns
    -------
    pandas.DataFrame
        :data:`LEDGER_COLUMNS`, one row per notice dated on or before
        ``as_of``: notice_id, payer_id, claim_id, line_no, notice_date,
        error_type, amount_cents, ``taken_cents`` (net taken by the linked
        recoupments paid by ``as_of``), ``open_cents`` (amount - taken, at
        least 0), ``takes`` (count), first_take_date, last_take_date,
        ``days_open`` (from the notice date to ``as_of`` while open, to the
        last take once closed), ``aging`` (a bucket of :data:`AGING_BUCKETS`
        while open, ``closed`` once nothing is open) and ``status``
        (``open``: nothing taken; ``partly taken``; ``closed``; ``over
        taken``: more taken than the notice asked).

    Raises
    ------
    InputError
        ``links`` or ``notices`` lacks a column it reads or holds a value
        its file does not allow (the message names the table, the index
        label and the column).
    InvalidParameterError
        ``as_of`` names no day.

    Notes
    -----
    Aging buckets of 30 days follow the Medicare timeline (docs/sources.md §1.1:
    interest from day 31, offset from day 41) and the usual A/R aging
    report.

    Examples
    --------
    >>> import pandas as pd
    >>> notices = pd.DataFrame({"notice_id": ["N1"], "payer_id": ["P"], "claim_id": ["C1"],
    ...     "line_no": [1], "notice_date": pd.to_datetime(["2025-01-02"]),
    ...     "amount_cents": [10000], "error_type": ["duplicate_claim"]})
    >>> links = pd.DataFrame({"notice_id": ["N1"], "net_taken_cents": [4000],
    ...     "payment_date": pd.to_datetime(["2025-02-14"])})
    >>> row = open_ledger(links, notices, "2025-03-03").iloc[0]
    >>> int(row.open_cents), int(row.days_open), row.aging, row.status
    (6000, 60, '31-60', 'partly taken')
    """
    as_of = as_of_day(as_of).as_unit("us")
    if check:
        notices = checked_notices(notices, needing=("notice_id", "notice_date", "amount_cents"))
        links = checked_frame(links, FileSpec("links", _LINKS_READ), "links")
    nt = notices.loc[notices["notice_date"] <= as_of].reset_index(drop=True)
    lk = links.loc[(links["notice_id"] != "") & (links["payment_date"] <= as_of)]
    g = lk.groupby("notice_id")
    taken = g["net_taken_cents"].sum()
    out = pd.DataFrame({c: nt[c] if c in nt else "" for c in
                        ("notice_id", "payer_id", "claim_id", "line_no", "notice_date",
                         "error_type", "amount_cents")})
    key = out["notice_id"]
    out["taken_cents"] = key.map(taken).fillna(0).astype("int64")
    out["open_cents"] = (out["amount_cents"] - out["taken_cents"]).clip(lower=0).astype("int64")
    if "status" in nt.columns:
        settled = nt["status"].astype("str").str.strip().str.lower().isin(CLOSED_STATUSES).to_numpy()
        out.loc[settled, "open_cents"] = 0
    out["takes"] = key.map(g.size()).fillna(0).astype("int64")
    for col, how in (("first_take_date", "min"), ("last_take_date", "max")):
        dates = g["payment_date"].agg(how).astype("datetime64[us]").reindex(key.to_numpy())
        out[col] = pd.Series(dates.to_numpy(), index=out.index, dtype="datetime64[us]")
    closed = out["open_cents"] == 0
    end = out["last_take_date"].where(closed, as_of).fillna(as_of)
    out["days_open"] = (end - out["notice_date"]).dt.days.astype("int64")
    out["aging"] = np.where(closed, "closed", _bucket(out["days_open"]))
    out["status"] = np.select(
        [out["taken_cents"] > out["amount_cents"], closed, out["taken_cents"] > 0],
        ["over taken", "closed", "partly taken"], "open")
    for col in ("notice_id", "payer_id", "claim_id", "error_type", "aging", "status"):
        out[col] = out[col].astype(STR)
    return out[LEDGER_COLUMNS]


CASH_FLOW_COLUMNS = [
    "period", "deposits", "paid_cents", "reversed_cents", "offset_cents", "deferred_cents",
    "interest_cents", "other_cents", "unexplained_cents", "net_deposits_cents",
]


def cash_flow(remit, links: pd.DataFrame | None = None, freq: str = "ME",
              deposits: pd.DataFrame | None = None) -> pd.DataFrame:
    """Money in and out by period: paid, reversed, offset, deferred, net deposits.

    Parameters
    ----------
    remit : Remit
    links : pandas.DataFrame, optional
        Passed to :func:`explain_deposits`.
    freq : str, default "ME"
        A pandas frequency (``"ME"`` month end, ``"W"``, ``"QE"``).
    deposits : pandas.DataFrame, optional
        A ready :func:`explain_deposits` table (saves recomputing it).

    Returns
    -------
    pandas.DataFrame
        :data:`CASH_FLOW_COLUMNS`, one row per period from the first to the
        last payment date (empty periods included, with zeros): ``period``
        (the period's end), deposits (count), ``paid_cents`` (claim
        payments and corrections), ``reversed_cents``, ``offset_cents``
        (offsets and deferrals taken), ``deferred_cents``,
        ``interest_cents``, ``other_cents`` (balance forward less other
        provider adjustments), unexplained_cents and
        ``net_deposits_cents`` (the BPR02 amounts), so that net = paid -
        reversed - offset + deferred + interest + other + unexplained.
        Deposits without a payment date (neither BPR16 nor DTM*405) are
        summed in a last row whose period is blank, so that the rows add up
        to every deposit.

    Examples
    --------
    >>> from recoup_lib.remit import read_835
    >>> cf = cash_flow(read_835(["tests/data/835/domain-5.5.835"]))
    >>> cf[["paid_cents", "reversed_cents", "offset_cents", "net_deposits_cents"]].values.tolist()
    [[51000, 15000, 7500, 28735]]
    """
    d = deposits if deposits is not None else explain_deposits(remit, links)
    frame = pd.DataFrame({
        "payment_date": d["payment_date"], "deposits": 1,
        "paid_cents": d["paid_for_claims_cents"] + d["corrections_cents"],
        "reversed_cents": d["reversals_cents"],
        "offset_cents": d["offsets_cents"] + d["deferrals_taken_cents"],
        "deferred_cents": d["deferred_cents"], "interest_cents": d["interest_cents"],
        "other_cents": d["balance_forward_cents"] - d["other_plb_cents"],
        "unexplained_cents": d["unexplained_cents"], "net_deposits_cents": d["bpr_amount_cents"]})
    undated = frame["payment_date"].isna()
    out = frame.loc[~undated].groupby(pd.Grouper(key="payment_date", freq=freq)).sum().reset_index()
    if undated.any():
        out = pd.concat([out, frame.loc[undated].sum(numeric_only=True).to_frame().T],
                        ignore_index=True)
    out = out.rename(columns={"payment_date": "period"})
    for col in CASH_FLOW_COLUMNS[1:]:
        out[col] = out[col].astype("int64")
    out["period"] = out["period"].astype("datetime64[us]")
    return out[CASH_FLOW_COLUMNS]


def recoupments_by_cause(links: pd.DataFrame, freq: str = "ME") -> pd.DataFrame:
    """Money taken back by period and cause (the notice's error type, else the mechanism).

    Parameters
    ----------
    links : pandas.DataFrame
        From :func:`link_recoupments`.
    freq : str, default "ME"

    Returns
    -------
    pandas.DataFrame
        One row per (period, cause) with money taken: period, ``cause``
        (the linked notice's error_type, or ``"no notice: reversal"`` /
        ``"no notice: offset"``), ``category`` (the contract's cause of the
        error type, or ``unknown``), ``taken_cents`` (net) and ``takes``.

    Examples
    --------
    >>> import pandas as pd
    >>> links = pd.DataFrame({"payment_date": pd.to_datetime(["2025-01-10", "2025-01-20"]),
    ...     "net_taken_cents": [100, 250], "error_type": ["duplicate_claim", ""],
    ...     "kind": ["offset", "reversal"]})
    >>> recoupments_by_cause(links)[["cause", "taken_cents"]].values.tolist()
    [['duplicate_claim', 100], ['no notice: reversal', 250]]
    """
    from ..rules import ERROR_TYPES

    kind = links["kind"].where(links["kind"] == "reversal", "offset")
    cause = links["error_type"].where(links["error_type"] != "", "no notice: " + kind)
    frame = pd.DataFrame({"payment_date": links["payment_date"], "cause": cause.astype(STR),
                          "taken_cents": links["net_taken_cents"].astype("int64"), "takes": 1})
    out = (frame.groupby([pd.Grouper(key="payment_date", freq=freq), "cause"])
           .sum().reset_index().rename(columns={"payment_date": "period"}))
    out = out.loc[out["takes"] > 0]
    out["category"] = out["cause"].map(ERROR_TYPES).fillna("unknown").astype(STR)
    out["period"] = out["period"].astype("datetime64[us]")
    for col in ("taken_cents", "takes"):
        out[col] = out[col].astype("int64")
    return out[["period", "cause", "category", "taken_cents", "takes"]].reset_index(drop=True)
