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


def _aic_columns(filed: np.ndarray, which: str, profiles: Profiles) -> tuple:
    """The AIC threshold in cents, the year whose figure it is, whether a threshold was found, and the
    note, for requests filed on ``filed`` (datetime64[D]); not found (and note "") where the level needs
    no amount (``which`` blank), the date is unknown or no year at or before it is listed.
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
    return cents, used, found, notes


def _repeated(value, n: int) -> np.ndarray:
    return np.full(n, value, dtype=object)


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
    if not len(decisions):
        return pd.DataFrame(columns=PATH_COLUMNS)
    types, states = rule_keys(decisions)
    keys = pd.Series(types + "|" + states, index=decisions.index)
    all_days = to_days(decisions["notice_date"])
    pieces = []  # one per (payer type, state) group and level: equal-length arrays by column
    for key, positions in keys.groupby(keys.to_numpy()).indices.items():
        payer_type, state = key.split("|", 1)
        profile = profile_for(profiles, payer_type, state)
        receipt_rule = profile.rule("receipt_days")
        receipt_days = receipt_rule.number if receipt_rule is not None else 0
        prior = all_days[positions]
        for _, level in profile.levels.iterrows():
            # Level 1 runs from the notice itself; its receipt offset is in the level row.
            file_by, stop = level_deadlines(prior, level, receipt_days)
            filed = np.where(np.isnat(stop), file_by, stop)
            if pd.notna(level["decision_days"]):
                decided = filed + np.timedelta64(int(level["decision_days"]), "D")
            else:
                decided = np.full(filed.shape, np.datetime64("NaT"), dtype="datetime64[D]")
            threshold, year_used, found, notes = _aic_columns(filed, level["aic"], profiles)
            chance = win_probability(payer_type, int(level["level"]), (), profiles)
            n = len(positions)
            pieces.append({
                "_position": positions, "level": np.full(n, int(level["level"]), dtype=np.int64),
                "name": _repeated(level["name"], n), "decided_by": _repeated(level["decided_by"], n),
                "projected_filed_on": filed, "stop_offset_by": stop, "file_by": file_by,
                "projected_decision_by": decided, "aic": _repeated(level["aic"], n),
                "aic_threshold_cents": threshold, "aic_year": year_used, "_found": found,
                "p_win": _repeated(chance.p_win if chance else "", n), "status": _repeated(level["status"], n),
                "source": _repeated(level["source"], n), "note": notes,
            })
            prior = decided
    # Notice by notice (in the order given), level by level.
    columns = {name: np.concatenate([piece[name] for piece in pieces]) for name in pieces[0]}
    order = np.lexsort((columns["level"], columns["_position"]))
    columns = {name: values[order] for name, values in columns.items()}
    position, missing = columns.pop("_position"), ~columns.pop("_found")
    for name in ("projected_filed_on", "stop_offset_by", "file_by", "projected_decision_by"):
        columns[name] = columns[name].astype("datetime64[us]")
    disputed = decisions["disputed_amount_cents"].to_numpy(dtype=np.int64)[position]
    columns["aic_met"] = pd.arrays.BooleanArray(disputed >= columns["aic_threshold_cents"], missing)
    columns["aic_threshold_cents"] = pd.arrays.IntegerArray(columns["aic_threshold_cents"], missing)
    columns["aic_year"] = pd.arrays.IntegerArray(columns["aic_year"], missing)
    columns["notice_id"] = decisions["notice_id"].to_numpy()[position]
    path = pd.DataFrame({name: columns[name] for name in PATH_COLUMNS})
    for col in ("name", "decided_by", "aic", "p_win", "status", "source", "note"):
        path[col] = path[col].astype("str")
    return path
