"""Helpers rules use to report what they flag."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import format_cents

__all__ = ["hits", "usd", "date_text", "NO_HITS"]

NO_HITS = pd.DataFrame({"line": pd.Series([], dtype="int64"),
                        "at_risk_cents": pd.Series([], dtype="int64"),
                        "evidence": pd.Series([], dtype="str")})


def hits(lines_index, at_risk_cents, evidence) -> pd.DataFrame:
    """Package flagged lines as a rule's result.

    Parameters
    ----------
    lines_index : array-like of int
        Positions in ``ctx.lines`` of the flagged lines.
    at_risk_cents : array-like of int
        Money at risk on each flagged line, in cents.
    evidence : array-like of str or str
        A sentence a person can read, per line.
    """
    idx = np.asarray(lines_index, dtype=np.int64)
    risk = np.asarray(at_risk_cents, dtype=np.int64)
    if isinstance(evidence, str):
        evidence = [evidence] * len(idx)
    return pd.DataFrame({"line": idx, "at_risk_cents": risk,
                         "evidence": pd.Series(np.asarray(evidence, dtype=object), dtype="str")})


def usd(cents) -> pd.Series:
    """Vectorised ``$92.00`` text for evidence sentences."""
    text = format_cents(pd.Series(np.asarray(cents, dtype=np.int64)))
    negative = text.str.startswith("-")
    return ("$" + text).where(~negative, "-$" + text.str.slice(1))


def date_text(dates) -> pd.Series:
    return pd.Series(pd.to_datetime(pd.Series(np.asarray(dates)))).dt.strftime("%Y-%m-%d").astype("str")
