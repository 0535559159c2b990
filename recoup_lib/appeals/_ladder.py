"""The whole appeal path of each notice, projected level by level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._dates import aic_threshold, level_deadlines, to_days
from ._merits import win_probability
from ._profiles import Profiles, load_profiles, profile_for, rule_keys

__all__ = ["PATH_COLUMNS", "appeal_path"]

PATH_COLUMNS = [
    "notice_id", "level", "name", "decided_by", "projected_filed_on", "stop_offset_by", "file_by",
    "projected_decision_by", "aic", "aic_threshold_cents", "aic_year", "aic_met", "p_win",
    "status", "source", "note",
]


def _aic_columns(filed: np.ndarray, disputed: np.ndarray, which: str, profiles: Profiles) -> tuple:
    """The AIC threshold (Int64), the year whose figure it is (Int64), whether the disputed amount meets it
    (boolean) and the note, for requests filed on ``filed`` (datetime64[D]); NA and "" where the level
    needs no amount (``which`` blank), the date is unknown or no year at or before it is listed.
    """
    size = len(filed)
    cents, used = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
    found = np.zeros(size, dtype=bool)
    notes = np.full(size, "", dtype=object)
    if which:
        known = ~np.isnat(filed)
        years = filed.astype("datetime64[Y]").astype(np.int64) + 1970
        for year in np.unique(years[known]):
            at = known & (years == year)
            threshold, year_used, note = aic_threshold(int(year), which, profiles)
            notes[at] = note
            if threshold is not None:
                cents[at], used[at], found[at] = threshold, year_used, True
    return (pd.arrays.IntegerArray(cents, ~found), pd.arrays.IntegerArray(used, ~found),
            pd.arrays.BooleanArray(disputed >= cents, ~found), notes.tolist())


def appeal_path(decisions: pd.DataFrame, profiles: Profiles | None = None) -> pd.DataFrame:
    """Every appeal level a notice could climb, with projected dates and the AIC test.

    Parameters
    ----------
    decisions : pandas.DataFrame
        Columns notice_id, payer_type, state (or the rules_payer_type and
        rules_state :func:`decide` adds), notice_date and
        disputed_amount_cents (as :func:`decide` returns them).
    profiles : Profiles, optional

    Returns
    -------
    pandas.DataFrame
        One row per notice and level: notice_id, level, name, decided_by,
        projected_filed_on, stop_offset_by, file_by, projected_decision_by,
        aic (which threshold: alj_hearing, judicial_review or blank),
        aic_threshold_cents (Int64), aic_year (Int64), aic_met (boolean; NA
        where the level needs no amount), p_win, status, source, note.

    Notes
    -----
    A projection, not a prediction: each level is assumed filed on the last
    day that keeps the offset stopped (else on its last filing day) and
    decided at the end of its normal decision time (docs/sources.md §2). Each later
    deadline runs from that projected decision date plus the presumed
    receipt days. The AIC is taken for the year the level is projected to be
    filed (thresholds are set per calendar year of filing). A level without
    a decision time ends the projection: later dates are blank.
    """
    profiles = profiles or load_profiles()
    parts = []
    if not len(decisions):
        return pd.DataFrame(columns=PATH_COLUMNS)
    types, states = rule_keys(decisions)
    keys = pd.Series(types + "|" + states, index=decisions.index)
    for key, idx in decisions.groupby(keys.to_numpy()).groups.items():
        payer_type, state = key.split("|", 1)
        profile = profile_for(profiles, payer_type, state)
        rows = decisions.loc[idx]
        receipt_rule = profile.rule("receipt_days")
        receipt_days = receipt_rule.number if receipt_rule is not None else 0
        prior = to_days(rows["notice_date"])
        disputed = rows["disputed_amount_cents"].to_numpy(dtype=np.int64)
        for _, level in profile.levels.iterrows():
            # Level 1 runs from the notice itself; its receipt offset is in the level row.
            file_by, stop = level_deadlines(prior, level, receipt_days)
            filed = np.where(np.isnat(stop), file_by, stop)
            if pd.notna(level["decision_days"]):
                decided = filed + np.timedelta64(int(level["decision_days"]), "D")
            else:
                decided = np.full(filed.shape, np.datetime64("NaT"), dtype="datetime64[D]")
            threshold, year_used, met, notes = _aic_columns(filed, disputed, level["aic"], profiles)
            chance = win_probability(payer_type, int(level["level"]), (), profiles)
            parts.append(pd.DataFrame({
                "notice_id": rows["notice_id"].to_numpy(),
                "level": int(level["level"]),
                "name": level["name"],
                "decided_by": level["decided_by"],
                "projected_filed_on": filed.astype("datetime64[us]"),
                "stop_offset_by": stop.astype("datetime64[us]"),
                "file_by": file_by.astype("datetime64[us]"),
                "projected_decision_by": decided.astype("datetime64[us]"),
                "aic": level["aic"],
                "aic_threshold_cents": threshold,
                "aic_year": year_used,
                "aic_met": met,
                "p_win": chance.p_win if chance else "",
                "status": level["status"],
                "source": level["source"],
                "note": notes,
            }))
            prior = decided
    path = pd.concat(parts, ignore_index=True)
    order = pd.Series(range(len(decisions)), index=decisions["notice_id"].to_numpy())
    path["_order"] = path["notice_id"].map(order)
    path = path.sort_values(["_order", "level"], kind="stable").drop(columns="_order")
    for col in ("name", "decided_by", "aic", "p_win", "status", "source", "note"):
        path[col] = path[col].astype("str")
    return path.reset_index(drop=True)[PATH_COLUMNS]
