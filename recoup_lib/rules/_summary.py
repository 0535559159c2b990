"""The summaries: each line's findings capped at what was paid on it, and the totals by one dimension.

:func:`capped_findings` gives every finding its ``at_risk_capped_cents`` (a
line's findings, in the contract's order of error types, never count for
more than was paid on it); :func:`summarise` totals them by category,
error_type, payer, provider, month or code (summary.csv, summary.md and
:meth:`AuditResult.totals <recoup_lib.rules.AuditResult.totals>`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InvalidParameterError
from ._vocabulary import CATEGORIES, ERROR_TYPES

__all__ = ["capped_findings", "summarise"]


def capped_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Add ``at_risk_capped_cents``: each line's findings capped together at what was paid.

    A line's findings are counted in the order of the contract's table
    (overpayment first, policy change last); each takes what is left of the
    line's paid amount, so one line never counts for more than it was paid.
    """
    return _capped_with_line_keys(findings)[0]


def _capped_with_line_keys(findings: pd.DataFrame) -> tuple[pd.DataFrame, tuple | None]:
    """:func:`capped_findings`, and the order it found (:func:`_sorted_line_keys`; None when it
    sorted the frame instead), which the summaries of the same rows use again."""
    f = findings.copy()
    if not len(f):
        f["at_risk_capped_cents"] = pd.Series([], dtype="int64")
        return f, None
    lines = _sorted_line_keys(f)
    if lines is not None:
        by_line, key = lines
        risk = f["at_risk_cents"].clip(lower=0).to_numpy(dtype=np.int64)[by_line]
        total = np.cumsum(risk)
        starts = np.r_[True, key[1:] != key[:-1]]
        # What the line's earlier findings took: the running total less its value where the line starts.
        before = total - risk - np.maximum.accumulate(np.where(starts, total - risk, 0))
        room = np.maximum(f["paid_cents"].to_numpy(dtype=np.int64)[by_line] - before, 0)
        capped = np.empty(len(f), dtype=np.int64)
        capped[by_line] = np.minimum(risk, room)
        f["at_risk_capped_cents"] = capped
        return f, lines
    order = {e: i for i, e in enumerate(ERROR_TYPES)}
    f["_o"] = f["error_type"].map(order).fillna(len(order)).astype(int)
    f = f.sort_values(["claim_id", "line_no", "_o"], kind="stable")
    f["_risk"] = f["at_risk_cents"].clip(lower=0).astype("int64")
    risk = f["_risk"].to_numpy(dtype=np.int64)
    before = f.groupby(["claim_id", "line_no"], sort=False)["_risk"].cumsum().to_numpy(dtype=np.int64) - risk
    paid = f["paid_cents"].to_numpy(dtype=np.int64)
    room = np.maximum(paid - before, 0)
    f["at_risk_capped_cents"] = np.minimum(risk, room)
    return f.sort_index().drop(columns=["_o", "_risk"]), None


def _sorted_line_keys(findings: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """The order of findings by claim_id (as its text sorts), line_no and the contract's order of error
    types (stable), and one integer per (claim_id, line_no) in that order; None for a table this does not
    fit (text not Arrow-backed or missing, line numbers not whole, an index out of order), which
    :func:`capped_findings` then sorts as a frame.

    Claim ids are ranked by Arrow (their distinct values sorted once), so no text is sorted row by row.
    """
    claim, line_no = findings["claim_id"], findings["line_no"]
    if not (isinstance(claim.dtype, pd.StringDtype) and claim.dtype.storage == "pyarrow"
            and isinstance(findings["error_type"].dtype, pd.StringDtype) and claim.notna().all()
            and pd.api.types.is_integer_dtype(line_no.dtype) and line_no.notna().all()
            and findings.index.is_monotonic_increasing and findings.index.is_unique):
        return None
    encoded = pc.dictionary_encode(pa.chunked_array(pa.array(claim.array)).combine_chunks())
    ranks = np.empty(len(encoded.dictionary), dtype=np.int64)
    ranks[pc.sort_indices(encoded.dictionary).to_numpy()] = np.arange(len(ranks))
    claim_rank = ranks[encoded.indices.to_numpy(zero_copy_only=False)]
    error_rank = pc.fill_null(pc.index_in(pa.array(findings["error_type"].array), pa.array(list(ERROR_TYPES))),
                              len(ERROR_TYPES)).to_numpy(zero_copy_only=False)
    line_no = line_no.to_numpy(dtype=np.int64)
    by_line = np.lexsort((error_rank, line_no, claim_rank))
    line_no, claim_rank = line_no[by_line], claim_rank[by_line]
    key = np.r_[0, np.cumsum((line_no[1:] != line_no[:-1]) | (claim_rank[1:] != claim_rank[:-1]))]
    return by_line, key


_DIMENSIONS = {
    "category": "category",
    "error_type": "error_type",
    "payer": "payer_id",
    "provider": "rendering_npi",
    "month": "_month",
    "code": "procedure_code",
}


def summarise(findings: pd.DataFrame, by: str = "category", capped: pd.DataFrame | None = None) -> pd.DataFrame:
    """Total findings by one dimension, each line capped at what was paid.

    Parameters
    ----------
    findings : pandas.DataFrame
        As in :attr:`AuditResult.findings`.
    by : {"category", "error_type", "payer", "provider", "month", "code"}

    Returns
    -------
    pandas.DataFrame
        Columns: the dimension, lines (distinct lines flagged), findings,
        at_risk_cents (sum of raw amounts), at_risk_capped_cents; sorted by
        capped dollars, largest first (categories keep the contract order).
    """
    if by not in _DIMENSIONS:
        raise InvalidParameterError(f"by must be one of {', '.join(_DIMENSIONS)}; got {by!r}")
    return _totals(_with_summary_keys(capped if capped is not None else capped_findings(findings)), by)


def _with_summary_keys(capped: pd.DataFrame, lines: tuple | None = None) -> pd.DataFrame:
    """Capped findings with what :func:`_totals` groups on: ``_month`` (``YYYY-MM``) and ``_linekey``
    (one integer per claim line), computed once for every dimension.

    ``lines``: :func:`_sorted_line_keys` of these rows when already found (by :func:`capped_findings`).
    """
    f = capped.copy()
    # Each distinct month written once, then taken for every finding.
    months, month = np.unique(f["service_date"].to_numpy().astype("datetime64[M]"), return_inverse=True)
    f["_month"] = pd.Series(pd.array(pa.array(np.datetime_as_string(months, unit="M"), pa.large_string())
                                     .take(month), dtype="str"), index=f.index)
    if lines is None:
        lines = _sorted_line_keys(f) if len(f) else None
    if lines is None:
        f["_linekey"] = f.groupby(["claim_id", "line_no"], sort=False, dropna=False).ngroup()
    else:
        key = np.empty(len(f), dtype=np.int64)
        key[lines[0]] = lines[1]
        f["_linekey"] = key
    return f


def _totals(f: pd.DataFrame, by: str) -> pd.DataFrame:
    """:func:`summarise` of findings already given :func:`_with_summary_keys`."""
    return ordered_totals(grouped_totals(f, by), by)


def grouped_totals(f: pd.DataFrame, by: str, first: bool = False) -> pd.DataFrame:
    """Each group's lines (distinct lines flagged), findings, at_risk_cents and at_risk_capped_cents,
    groups first seen first (a missing value in none), indexed by the group; ``first``: with ``_first``,
    the position of each group's first finding in ``f``.

    The groups are those of ``groupby(column, sort=False)``, counted and summed over their integer
    codes: the column is hashed once, where a groupby hashed it again for each of its four aggregates.
    Totals of findings split by claim line (every finding of a line in one part) add up part by part.
    """
    codes, groups = pd.factorize(f[_DIMENSIONS[by]])
    grouped = codes >= 0
    where = np.flatnonzero(grouped)
    codes, count = codes[grouped], len(groups)

    def summed(name: str) -> np.ndarray:
        total = np.zeros(count, dtype=np.int64)
        np.add.at(total, codes, f[name].to_numpy(dtype=np.int64)[grouped])
        return total

    line = f["_linekey"].to_numpy(dtype=np.int64)[grouped]
    span = int(line.max()) + 1 if len(line) else 1
    out = pd.DataFrame({
        "lines": np.bincount(pd.unique(codes * span + line) // span, minlength=count),
        "findings": np.bincount(codes, minlength=count),
        "at_risk_cents": summed("at_risk_cents"),
        "at_risk_capped_cents": summed("at_risk_capped_cents"),
    }, index=pd.Index(groups, name=by))
    if first:
        out["_first"] = where[np.unique(codes, return_index=True)[1]]
    return out


def ordered_totals(out: pd.DataFrame, by: str) -> pd.DataFrame:
    """:func:`grouped_totals` (groups first seen first) in :func:`summarise`'s order, as a table."""
    if by == "category":
        out = out.reindex(list(CATEGORIES)).fillna(0).astype("int64")
    elif by == "error_type":
        known = [e for e in ERROR_TYPES] + [e for e in out.index if e not in ERROR_TYPES]
        out = out.reindex(known).fillna(0).astype("int64")
    elif by == "month":
        out = out.sort_index()
    else:
        out = out.sort_values(["at_risk_capped_cents", "lines"], ascending=False, kind="stable")
    return out.reset_index()
