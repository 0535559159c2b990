"""The worklist: open notices ordered by the next deadline that matters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import CLOSED_STATUSES
from ._dates import day_of, to_days
from ._interest import interest_table
from ._profiles import Profiles, load_profiles

__all__ = ["WORKLIST_COLUMNS", "CLOSED_STATUSES", "worklist"]

WORKLIST_COLUMNS = [
    "notice_id", "next_deadline", "days_left", "next_action", "recommendation", "payer_name", "payer_type",
    "claim_id", "line_no", "amount_cents", "agreed_amount_cents", "disputed_amount_cents",
    "stop_offset_by", "file_by", "offset_starts", "interest_periods", "interest_accrued_cents",
    "next_interest_on", "next_interest_cents", "interest_rate_percent", "interest_rate_status",
    "interest_note", "expected_value_cents", "appeal_level",
]

# (decision column, what to do by then), in the order they fall due.
_STEPS = {
    "appeal": [("stop_offset_by", "file the appeal to stop the offset"),
               ("file_by", "last day to file the appeal")],
    "partial": [("stop_offset_by", "file the appeal (disputed part) to stop the offset"),
                ("pay_without_interest_by", "pay the agreed part without interest"),
                ("file_by", "last day to file the appeal (disputed part)")],
    "accept": [("pay_without_interest_by", "pay in full without interest"),
               ("offset_starts", "offset starts if not paid")],
}


def worklist(decisions: pd.DataFrame, as_of, profiles: Profiles | None = None) -> pd.DataFrame:
    """Open notices, most urgent first, with the cost of waiting.

    Parameters
    ----------
    decisions : pandas.DataFrame
        As returned by :func:`decide`. An optional ``status`` column (passed
        through from notices.csv) with a value in :data:`CLOSED_STATUSES`
        removes a notice from the list.
    as_of : date-like
        The day the list is made for.
    profiles : Profiles, optional

    Returns
    -------
    pandas.DataFrame
        Columns :data:`WORKLIST_COLUMNS`. ``next_deadline`` is the earliest
        step of the recommendation still ahead on ``as_of`` (appeal: stop
        offset, then file; partial: stop offset, pay the agreed part without
        interest, file; accept: pay without interest, offset); when every
        step has passed it is the last one and ``days_left`` is negative.
        Rows with a deadline ahead come first, soonest first (then the larger
        disputed amount); rows with every deadline passed follow, the most
        recently missed first. Interest columns: what accrues by ``as_of`` if
        nothing is paid or taken, the date and cost of the next 30-day step
        (blank for payers without an interest rule, e.g. commercial).

    Notes
    -----
    Medicare interest: 42 CFR 405.378, per started 30-day period from day 31,
    at the rate in force on the notice date (docs/sources.md §1.2). A rate that is a
    placeholder or not confirmed is named in ``interest_note``.
    """
    profiles = profiles or load_profiles()
    frame = decisions
    if "status" in frame.columns:
        closed = frame["status"].astype("str").str.strip().str.lower().isin(CLOSED_STATUSES)
        frame = frame.loc[~closed.to_numpy()]
    frame = frame.reset_index(drop=True)
    today = day_of(as_of)
    n = len(frame)
    deadline = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    action = np.full(n, "", dtype=object)
    ahead = np.zeros(n, dtype=bool)
    for rec, steps in _STEPS.items():
        rows = np.flatnonzero(frame["recommendation"].to_numpy() == rec) if n else np.array([], dtype=int)
        if not len(rows):
            continue
        candidates = [(to_days(frame[col].iloc[rows]), label) for col, label in steps]
        for j, i in enumerate(rows):
            known = [(d[j], label) for d, label in candidates if not np.isnat(d[j])]
            if not known:
                action[i] = "no deadline known"
                continue
            upcoming = sorted(((d, label) for d, label in known if d >= today), key=lambda step: step[0])
            if upcoming:
                deadline[i], action[i] = upcoming[0]
                ahead[i] = True
            else:
                last = max(reversed(known), key=lambda step: step[0])
                deadline[i], action[i] = last[0], f"passed: {last[1]}"
    days_left = pd.array([pd.NA] * n, dtype="Int64")
    has = ~np.isnat(deadline)
    days_left[has] = (deadline[has] - today).astype("int64")
    out = frame.copy()
    out["next_deadline"] = deadline.astype("datetime64[us]")
    out["days_left"] = days_left
    out["next_action"] = pd.array(action.astype(str), dtype="str")
    interest = interest_table(frame, today, profiles)
    for col in interest.columns:
        out[col] = interest[col]
    out["_ahead"] = ahead
    out["_passed_days"] = np.where(has, (today - deadline).astype("int64"), np.iinfo(np.int64).max)
    out["_order_day"] = np.where(ahead, (deadline - today).astype("int64"), out["_passed_days"])
    out = out.sort_values(["_ahead", "_order_day", "disputed_amount_cents", "notice_id"],
                          ascending=[False, True, False, True], kind="stable")
    return out[WORKLIST_COLUMNS].reset_index(drop=True)
