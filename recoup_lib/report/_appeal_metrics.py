"""Notice and appeal metrics: notices received and disputed, overturn rates, response days, aging.

Outcomes come from appeal_outcomes.csv or an ``outcome`` column of
notices.csv (:data:`OUTCOMES`); open notices are those whose optional
``status`` is not closed (:data:`recoup_lib.schema.CLOSED_STATUSES`, as the
appeal worklist reads it).
"""

from __future__ import annotations

import pandas as pd

from ..notices import checked_notices
from ..remit.reconcile import AGING_BUCKETS as LEDGER_BUCKETS
from ..schema import CLOSED_STATUSES, as_of_day
from ._metrics import clean_text, metric_frame, metric_row, require_columns, switched_off

__all__ = [
    "OUTCOMES",
    "WON_OUTCOMES",
    "DECIDED_OUTCOMES",
    "RESPONSE_DATE_COLUMNS",
    "NOTICE_AGE_BUCKETS",
    "appeal_overturn_rate",
    "notice_amounts",
    "notice_response_days",
    "notice_aging",
    "open_notices",
]

#: Appeal outcomes the kit reads (appeal_outcomes.csv ``outcome``, or a notices.csv ``outcome`` column).
OUTCOMES = ("favorable", "partially_favorable", "unfavorable", "dismissed", "withdrawn", "pending")
#: Outcomes that count as an overturn: the appellant won fully or in part.
WON_OUTCOMES = ("favorable", "partially_favorable")
#: Outcomes that count as decided (withdrawn and pending appeals are not).
DECIDED_OUTCOMES = ("favorable", "partially_favorable", "unfavorable", "dismissed")
#: Columns of notices.csv (passed through to the decisions) read as the date the office responded.
RESPONSE_DATE_COLUMNS = ("response_date", "filed_date", "appeal_filed_date")
#: Age buckets of open recoupment notices: (label, first day, last day) of the days since the
#: notice date (last day None: no upper end) -- the buckets of ``recoup reconcile``'s open ledger
#: (:data:`recoup_lib.remit.reconcile.AGING_BUCKETS`), so the two views age notices alike.
NOTICE_AGE_BUCKETS = tuple((label, 0 if i == 0 else LEDGER_BUCKETS[i - 1][1] + 1, high)
                           for i, (label, high) in enumerate(LEDGER_BUCKETS))
#: The former name of :data:`NOTICE_AGE_BUCKETS`, kept so that existing imports work.
AGING_BUCKETS = NOTICE_AGE_BUCKETS


def appeal_overturn_rate(outcomes: pd.DataFrame | None, source: str = "appeal outcomes",
                         reason: str | None = None) -> pd.DataFrame:
    """Appeal overturn rate: appeals won fully or partly / appeals decided, overall and per level.

    Parameters
    ----------
    outcomes : pandas.DataFrame or None
        notice_id, level (e.g. Redetermination), outcome (one of
        :data:`OUTCOMES`; blank is pending).

    Returns
    -------
    pandas.DataFrame
        appeal_overturn_rate (all levels) and
        ``appeal_overturn_rate[<level>]`` per level, in order of first
        appearance; percent, numerator won, denominator decided.

    Notes
    -----
    docs/sources.md §9.1-9.2: decided fully or partly in the appellant's favour /
    decided, per level (public Medicare figures: about 11% at
    redetermination for RAC appeals in 2012, 18-56% at ALJ depending on the
    year). Decided means favorable, partially favorable, unfavorable or
    dismissed; withdrawn and pending appeals are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"notice_id": ["N1", "N2", "N3"], "level": ["Redetermination"] * 3,
    ...                   "outcome": ["favorable", "unfavorable", "pending"]})
    >>> appeal_overturn_rate(o)["value"].tolist()
    [50.0, 50.0]
    """
    label = "Appeal overturn rate"
    if outcomes is None:
        return switched_off([("appeal_overturn_rate", label, "percent")], reason or (
            "No appeal outcomes: add appeal_outcomes.csv (notice_id, level, outcome) or an outcome column "
            "to notices.csv."), source)
    require_columns(outcomes, ["level", "outcome"], "outcomes")
    outcome = clean_text(outcomes["outcome"]).str.lower().replace("", "pending")
    level = clean_text(outcomes["level"])
    decided = outcome.isin(DECIDED_OUTCOMES).to_numpy()
    won = outcome.isin(WON_OUTCOMES).to_numpy()
    pending = int((~decided).sum())
    rows = [metric_row("appeal_overturn_rate", label, "percent", numerator=int(won.sum()),
                       denominator=int(decided.sum()), basis="appeals", source=source,
                       note=f"Won fully or partly / decided, all levels; {pending} pending or withdrawn left out.")]
    for name in pd.unique(level):
        at = (level == name).to_numpy()
        rows.append(metric_row(f"appeal_overturn_rate[{name}]", f"{label}: {name}", "percent",
                               numerator=int((won & at).sum()), denominator=int((decided & at).sum()),
                               basis="appeals", source=source,
                               note=f"Level {name}: won fully or partly / decided."))
    return metric_frame(rows)


def notice_amounts(decisions: pd.DataFrame | None, source: str = "notices.csv, decisions",
                   reason: str | None = None) -> pd.DataFrame:
    """What the payers' notices ask, and how much of it the audit agrees with.

    Parameters
    ----------
    decisions : pandas.DataFrame or None
        :func:`recoup_lib.appeals.decide` output (amount_cents,
        agreed_amount_cents, disputed_amount_cents, recommendation).

    Returns
    -------
    pandas.DataFrame
        notices_received (count), notice_dollars, agreed_dollars,
        disputed_dollars, appeal_recommended_rate (notices recommended
        ``appeal`` or ``partial`` / notices).
    """
    names = [("notices_received", "Recoupment notices", "count"),
             ("notice_dollars", "Money asked by notices", "dollars"),
             ("agreed_dollars", "Money the audit supports", "dollars"),
             ("disputed_dollars", "Money disputed", "dollars"),
             ("appeal_recommended_rate", "Notices to appeal (fully or partly)", "percent")]
    if decisions is None:
        return switched_off(names, reason or "No notices: add notices.csv and payers.csv to the folder.", source)
    amount = decisions["amount_cents"].astype("int64")
    appeal = decisions["recommendation"].isin(["appeal", "partial"])
    return metric_frame([
        metric_row("notices_received", "Recoupment notices", "count", numerator=len(decisions), basis="notices",
                   source=source, note="Usable rows of notices.csv."),
        metric_row("notice_dollars", "Money asked by notices", "dollars", numerator=int(amount.sum()),
                   basis="cents", source=source, note="Sum of the notices' amounts."),
        metric_row("agreed_dollars", "Money the audit supports", "dollars",
                   numerator=int(decisions["agreed_amount_cents"].astype("int64").sum()), basis="cents",
                   source=source, note="Agreed amounts of the decisions (accept and partial)."),
        metric_row("disputed_dollars", "Money disputed", "dollars",
                   numerator=int(decisions["disputed_amount_cents"].astype("int64").sum()), basis="cents",
                   source=source, note="Disputed amounts of the decisions (appeal and partial)."),
        metric_row("appeal_recommended_rate", "Notices to appeal (fully or partly)", "percent",
                   numerator=int(appeal.sum()), denominator=len(decisions), basis="notices", source=source,
                   note="Notices recommended appeal or partial / notices."),
    ])


def _response_dates(notices: pd.DataFrame, outcomes: pd.DataFrame | None) -> tuple[pd.Series | None, str, int]:
    """(response date per notice, where from, how many written dates could not be read)."""
    for column in RESPONSE_DATE_COLUMNS:
        if column not in notices.columns:
            continue
        values = notices[column]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            dates, unreadable = values, 0
        else:
            text = clean_text(values)
            dates = pd.to_datetime(text.where(text != "", None), format="%Y-%m-%d", errors="coerce")
            unreadable = int(((text != "") & dates.isna()).sum())
        if dates.notna().any():
            return dates, f"notices.csv {column}", unreadable
    if outcomes is not None and "filed_date" in outcomes.columns and "notice_id" in outcomes.columns:
        filed = outcomes.loc[outcomes["filed_date"].notna(), ["notice_id", "filed_date"]]
        if len(filed):
            first = filed.groupby("notice_id")["filed_date"].min()
            return pd.to_datetime(notices["notice_id"].map(first)), "appeal outcomes filed_date", 0
    return None, "", 0


def notice_response_days(notices: pd.DataFrame | None, outcomes: pd.DataFrame | None = None,
                         worklist: pd.DataFrame | None = None, source: str = "notices.csv",
                         reason: str | None = None) -> pd.DataFrame:
    """Days from a recoupment notice to the office's response (or, failing that, days left).

    Parameters
    ----------
    notices : pandas.DataFrame or None
        notice_id, notice_date, and optionally a response date column
        (:data:`RESPONSE_DATE_COLUMNS`); decisions carry these through.
    outcomes : pandas.DataFrame, optional
        notice_id, filed_date: the earliest filing per notice is its response.
    worklist : pandas.DataFrame, optional
        :func:`recoup_lib.appeals.worklist` output (days_left), used when no
        response date is known.

    Returns
    -------
    pandas.DataFrame
        With response dates: days_notice_to_response (mean; numerator total
        days, denominator notices answered) and
        days_notice_to_response_median. Without them, those two switched
        off, then worklist_days_left_median (open notices with a deadline
        ahead) and notices_past_deadline (count; denominator open notices).

    Notes
    -----
    Kit-defined. Calendar days from notice_date to the response date.
    Medicare stops the offset only for an appeal filed by day 30 and offsets
    from day 41 (docs/sources.md §1.1), so a mean above 30 days is a warning sign.
    """
    names = [("days_notice_to_response", "Days from notice to response (mean)", "days"),
             ("days_notice_to_response_median", "Days from notice to response (median)", "days")]
    if notices is None:
        return switched_off(names, reason or "No notices: add notices.csv and payers.csv to the folder.", source)
    dates, where, unreadable = _response_dates(notices, outcomes)
    if dates is not None:
        days = (dates - pd.to_datetime(notices["notice_date"])).dt.days
        answered = days.dropna().astype("int64")
        negative = int((answered < 0).sum())
        answered = answered[answered >= 0]
        why = [f"{negative} dated before the notice"] if negative else []
        why += [f"{unreadable} not a date written YYYY-MM-DD"] if unreadable else []
        note = (f"From {where}; {len(notices) - len(answered)} of {len(notices)} notices without a usable "
                "response date left out" + (f" (including {', '.join(why)})" if why else "") + ".")
        if not len(answered):
            return switched_off(names, "No notice has a usable response date. " + note, where)
        return metric_frame([
            metric_row(names[0][0], names[0][1], "days", value=float(answered.mean()),
                       numerator=int(answered.sum()), denominator=len(answered), basis="notices", source=where,
                       note=note),
            metric_row(names[1][0], names[1][1], "days", value=float(answered.median()), denominator=len(answered),
                       basis="notices", source=where, note=note),
        ])
    off = switched_off(names, "No response dates: add response_date to notices.csv or filed_date to "
                       "appeal_outcomes.csv. The worklist's days left are shown instead.", source)
    if worklist is None:
        return off
    left = worklist["days_left"].dropna().astype("int64")
    ahead = left[left >= 0]
    rows = [
        metric_row("worklist_days_left_median", "Days left to the next deadline (median, open notices)", "days",
                   value=float(ahead.median()) if len(ahead) else None, denominator=len(ahead), basis="notices",
                   source="worklist", note="Open notices whose next deadline is still ahead."),
        metric_row("notices_past_deadline", "Open notices past every deadline", "count",
                   numerator=int((left < 0).sum()), denominator=len(worklist), basis="notices", source="worklist",
                   note="Open notices whose last deadline has passed / open notices."),
    ]
    return pd.concat([off, metric_frame(rows)], ignore_index=True)


def _open(notices: pd.DataFrame) -> pd.DataFrame:
    if "status" not in notices.columns:
        return notices
    closed = clean_text(notices["status"]).str.lower().isin(CLOSED_STATUSES)
    return notices.loc[~closed.to_numpy()]


def notice_aging(notices: pd.DataFrame, as_of, *, check: bool = True) -> pd.DataFrame:
    """Open notices by age, in the buckets of ``recoup reconcile``'s open ledger.

    Parameters
    ----------
    notices : pandas.DataFrame
        Either an open ledger (:func:`recoup_lib.remit.reconcile.open_ledger`:
        notice_id, notice_date, open_cents), whose notices count while
        something is still open, for what is still open -- money already
        taken back is netted; or notices / decisions (notice_id,
        notice_date, amount_cents, optionally disputed_amount_cents and
        status: a value in :data:`recoup_lib.schema.CLOSED_STATUSES` closes
        a notice), each open for its whole amount. Checked as notices.csv's
        columns (:func:`recoup_lib.notices.checked_notices`), open_cents and
        disputed_amount_cents as whole cents.
    as_of : date-like
    check : bool, default True
        False for a ledger or decisions the kit made, not checked again.

    Returns
    -------
    pandas.DataFrame
        bucket, notices, amount_cents (what is still open; and
        disputed_cents when known); one row per bucket of
        :data:`NOTICE_AGE_BUCKETS`, empty buckets included.
        ``attrs["future"]`` counts notices dated after ``as_of`` (left out).

    Notes
    -----
    Age is ``as_of - notice_date`` in calendar days (0 on the notice date).
    Medicare milestones fall inside the first buckets: day 30 (stop the
    offset), day 41 (offset starts), day 125 (last day for redetermination).

    Examples
    --------
    >>> import pandas as pd
    >>> n = pd.DataFrame({"notice_id": ["a", "b"], "amount_cents": [100, 200],
    ...                   "notice_date": pd.to_datetime(["2025-01-01", "2025-03-01"])})
    >>> notice_aging(n, "2025-03-15")[["bucket", "notices"]].to_dict("list")
    {'bucket': ['0-30', '31-60', '61-90', '91-120', '>120'], 'notices': [1, 0, 1, 0, 0]}
    >>> ledger = n.assign(open_cents=[0, 50])  # the payer already took notice a in full
    >>> notice_aging(ledger, "2025-03-15")["amount_cents"].tolist()
    [50, 0, 0, 0, 0]
    """
    as_of = as_of_day(as_of)
    if check:
        notices = checked_notices(notices, needing=("notice_date",) + (
            () if "open_cents" in notices.columns else ("amount_cents",)), money=("open", "disputed_amount"))
    if "open_cents" in notices.columns:
        frame = notices.loc[notices["open_cents"].astype("int64").to_numpy() > 0]
        money = frame["open_cents"].astype("int64").to_numpy()
    else:
        frame = _open(notices)
        money = frame["amount_cents"].astype("int64").to_numpy()
    age = (as_of - pd.to_datetime(frame["notice_date"])).dt.days
    future = int((age < 0).sum())
    rows = []
    for label, low, high in NOTICE_AGE_BUCKETS:
        inside = (age >= low) & ((age <= high) if high is not None else True)
        inside = inside.fillna(False).to_numpy(dtype=bool)
        row = {"bucket": label, "notices": int(inside.sum()), "amount_cents": int(money[inside].sum())}
        if "disputed_amount_cents" in frame.columns:
            row["disputed_cents"] = int(frame["disputed_amount_cents"].astype("int64").to_numpy()[inside].sum())
        rows.append(row)
    out = pd.DataFrame(rows).astype({"bucket": "str"})
    out.attrs["future"] = future
    return out


def open_notices(ledger: pd.DataFrame | None, source: str = "notices and remittances",
                 reason: str | None = None) -> pd.DataFrame:
    """How many notices are still open after the money already taken back, and for how much.

    Parameters
    ----------
    ledger : pandas.DataFrame or None
        :func:`recoup_lib.remit.reconcile.open_ledger` (notice_id,
        amount_cents, taken_cents, open_cents, status): the same table
        ``recoup reconcile`` writes as open_ledger.csv.

    Returns
    -------
    pandas.DataFrame
        notices_open (count; denominator the notices), open_notice_dollars,
        notices_taken_in_full (count).
    """
    names = [("notices_open", "Notices still open", "count"),
             ("open_notice_dollars", "Money the open notices still ask", "dollars"),
             ("notices_taken_in_full", "Notices the payer has taken in full", "count")]
    if ledger is None:
        return switched_off(names, reason or "No notices: add notices.csv and payers.csv to the folder.", source)
    open_cents = ledger["open_cents"].astype("int64")
    return metric_frame([
        metric_row("notices_open", "Notices still open", "count", numerator=int((open_cents > 0).sum()),
                   denominator=len(ledger), basis="notices", source=source,
                   note="Notices with money still open after what the payer already took back (the open "
                   "ledger of recoup reconcile, as of the same day)."),
        metric_row("open_notice_dollars", "Money the open notices still ask", "dollars",
                   numerator=int(open_cents.sum()), basis="cents", source=source,
                   note="Amount asked less the money already taken back against each notice, at least 0."),
        metric_row("notices_taken_in_full", "Notices the payer has taken in full", "count",
                   numerator=int((open_cents == 0).sum()), denominator=len(ledger), basis="notices",
                   source=source, note="Nothing left open: the payer took the whole amount back."),
    ])
