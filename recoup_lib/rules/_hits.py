"""Helpers rules use to report what they flag."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..money import format_cents_arrow

__all__ = ["hits", "usd", "date_text", "join_by_group", "among", "NO_HITS"]

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
    """Vectorised ``$92.00`` text for evidence sentences (``-$5.00`` below zero)."""
    values = np.asarray(cents, dtype=np.int64)
    sign = pc.if_else(pa.array(values < 0), "-$", "$")
    text = pc.binary_join_element_wise(sign, format_cents_arrow(np.abs(values)), "")
    return pd.Series(pd.array(text, dtype=pd.StringDtype("pyarrow")))


def date_text(dates) -> pd.Series:
    """``YYYY-MM-DD`` text of dates, for evidence sentences (missing where a date is).

    Dates of years 1000 to 9999 (every date the kit reads) are written by Arrow, a quarter of the
    time pandas' ``strftime`` takes; anything else goes through ``strftime``.
    """
    values = np.asarray(dates)
    if values.dtype.kind == "M" and len(values):
        days = values.astype("datetime64[D]")
        if not np.isnat(days).any() and days.min() >= _FIRST_DAY and days.max() <= _LAST_DAY:
            return pd.Series(pd.array(pc.cast(pa.array(days, pa.date32()), pa.string()), dtype="str"))
    return pd.Series(pd.to_datetime(pd.Series(values))).dt.strftime("%Y-%m-%d").astype("str")


#: The days :func:`date_text` writes with Arrow: four-digit years, as ``strftime`` writes them too.
_FIRST_DAY, _LAST_DAY = np.datetime64("1000-01-01", "D"), np.datetime64("9999-12-31", "D")


def join_by_group(groups, texts, sep: str = ", ") -> pd.Series:
    """Join texts that share a group into one string per group, in their order.

    The vectorised form of ``Series(texts, index=groups).groupby(level=0).agg(sep.join)``
    (which calls Python once per group and dominates a rule's time at a
    million lines).

    Parameters
    ----------
    groups : array-like of int
        Group of each text.
    texts : array-like of str
        Texts, kept in their given order within a group.
    sep : str, default ", "

    Returns
    -------
    pandas.Series
        One joined string per group (``str`` dtype), indexed by the sorted
        distinct groups.

    Examples
    --------
    >>> join_by_group([2, 1, 2], ["a", "b", "c"]).to_dict()
    {1: 'b', 2: 'a, c'}
    """
    keys = np.asarray(groups)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    values = pa.array(np.asarray(texts, dtype=object)[order], type=pa.string())
    if not len(keys):
        return pd.Series([], dtype="str", index=pd.Index(keys))
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    offsets = pa.array(np.r_[starts, len(keys)].astype(np.int32))
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, values), sep)
    return pd.Series(joined.to_numpy(zero_copy_only=False), index=pd.Index(keys[starts]), dtype="str")


def among(keys, wanted) -> np.ndarray:
    """Which integer keys (``_code``, ``_payer``... of the audit context; -1: unknown) are among ``wanted``.

    ``np.isin`` for the context's keys, which are small whole numbers: a table of flags indexed by key,
    one look per line instead of one comparison per wanted value (a million lines against the NCCI
    table's codes).
    """
    keys, wanted = np.asarray(keys, dtype=np.int64), np.asarray(wanted, dtype=np.int64)
    wanted = wanted[wanted >= 0]
    if not len(keys) or not len(wanted) or keys.max(initial=0) > 8 * len(keys) + wanted.max():
        return np.isin(keys, wanted)
    flags = np.zeros(max(int(keys.max()), int(wanted.max())) + 1, dtype=bool)
    flags[wanted] = True
    return np.where(keys >= 0, flags[np.maximum(keys, 0)], False)
