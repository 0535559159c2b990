"""Scoring findings against an answer key: how good is a check?

Every generated practice comes with ``labels.csv``, the findings the
contract's rules must produce. Comparing any set of findings (the built-in
rules, a trainee's picks, a new check an auditor wrote) with it gives
precision, recall, and dollars found against dollars at risk.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..schema import SPECS, checked_frame
from ._vocabulary import ERROR_TYPES

__all__ = ["score", "SCORE_WRITTEN_BY"]

#: The step recorded as writing a score table (``recoup score --out``): only it replaces one.
SCORE_WRITTEN_BY = "recoup score"

_KEY = ["claim_id", "line_no", "error_type"]
#: What :func:`score` reads of findings and of labels: findings.csv's columns that labels.csv shares (a repeated
#: line is counted once, not refused, so the key is not enforced).
_SCORED = replace(SPECS["findings.csv"].needing(_KEY + ["at_risk_cents"]), key=())


def score(findings: pd.DataFrame, labels: pd.DataFrame, *, check: bool = True) -> pd.DataFrame:
    """Precision, recall and dollars per error type, plus an ``all`` row.

    Parameters
    ----------
    findings, labels : pandas.DataFrame
        Columns claim_id, line_no, error_type, at_risk_cents (or at_risk in
        dollars), checked as :func:`recoup_lib.schema.checked_frame` checks
        a table; a line flagged twice for one error type counts once.
    check : bool, default True
        False for tables the kit itself typed (``recoup score`` reads both
        files with :func:`recoup_lib.schema.parse_table`), which are not
        checked again.

    Returns
    -------
    pandas.DataFrame
        One row per error type seen in either table (contract order first),
        then ``all``: labelled, flagged, true_positives, false_positives,
        false_negatives, precision, recall (``NaN`` where undefined),
        at_risk_cents (labelled dollars), found_cents (labelled dollars on
        lines correctly flagged), flagged_cents (dollars the findings
        claimed), exact_amounts (true positives whose amount matches to the
        cent).

    Examples
    --------
    >>> key = pd.DataFrame({"claim_id": ["C1"], "line_no": [1], "error_type": ["upcoding"],
    ...                     "at_risk_cents": [3900]})
    >>> first = score(key, key).iloc[0]
    >>> first["error_type"], float(first["precision"]), float(first["recall"]), int(first["found_cents"])
    ('upcoding', 1.0, 1.0, 3900)
    """
    if check:
        findings, labels = checked_frame(findings, _SCORED, "findings"), checked_frame(labels, _SCORED, "labels")
    f = findings[_KEY + ["at_risk_cents"]].drop_duplicates(_KEY)
    l = labels[_KEY + ["at_risk_cents"]].drop_duplicates(_KEY)
    both = f.merge(l, on=_KEY, how="outer", suffixes=("_found", "_label"), indicator=True)
    seen = set(both["error_type"])
    types = [e for e in ERROR_TYPES if e in seen]
    types += sorted(seen - set(types))
    # Summed per type in one pass: a loop over the types cost a scan of every row per type (seconds for
    # findings of a thousand made-up types).
    tp = (both["_merge"] == "both").to_numpy()
    label, found = both["at_risk_cents_label"], both["at_risk_cents_found"]
    parts = pd.DataFrame({"tp": tp, "fp": (both["_merge"] == "left_only").to_numpy(),
                          "fn": (both["_merge"] == "right_only").to_numpy(),
                          "at_risk": label.fillna(0).to_numpy(), "found": label.where(tp, 0).to_numpy(),
                          "flagged": found.fillna(0).to_numpy(), "exact": tp & (found == label).to_numpy()})
    totals = parts.groupby(both["error_type"].to_numpy(), sort=False).sum().reindex(types)
    totals.loc["all"] = parts.sum()
    rows = []
    for name, row in zip(totals.index, totals.itertuples(index=False)):
        tp, fp, fn = int(row.tp), int(row.fp), int(row.fn)
        rows.append({
            "error_type": name,
            "labelled": tp + fn,
            "flagged": tp + fp,
            "true_positives": tp,
            "false_positives": fp,
            "false_negatives": fn,
            "precision": tp / (tp + fp) if tp + fp else np.nan,
            "recall": tp / (tp + fn) if tp + fn else np.nan,
            "at_risk_cents": int(row.at_risk),
            "found_cents": int(row.found),
            "flagged_cents": int(row.flagged),
            "exact_amounts": int(row.exact),
        })
    return pd.DataFrame(rows)
