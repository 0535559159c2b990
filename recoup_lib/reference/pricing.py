"""What a payer's fee schedule allows for a code on a date.

Used by the audit rules (``overpaid_rate``, ``upcoding``) and by the
generator, which prices its claims with the same schedule it writes out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["fee_per_unit"]


def fee_per_unit(fee_schedule: pd.DataFrame | None, payer_id, procedure_code, service_date) -> pd.Series:
    """Allowed amount per unit, in cents, for each (payer, code, date).

    Parameters
    ----------
    fee_schedule : pandas.DataFrame or None
        Columns payer_id, procedure_code, allowed_cents, effective_date,
        end_date (NaT = open-ended). Both dates are inclusive.
    payer_id, procedure_code, service_date : array-like of equal length
        The services to price.

    Returns
    -------
    pandas.Series of Int64
        Cents per unit, ``<NA>`` where no row of the schedule covers that
        payer, code and date. Where rows overlap, the one with the latest
        effective_date on or before the service date wins. The index is
        ``0..n-1`` in the order of the inputs.

    Examples
    --------
    >>> fs = pd.DataFrame({"payer_id": ["A", "A"], "procedure_code": ["99213"] * 2,
    ...     "allowed_cents": [9000, 9200],
    ...     "effective_date": pd.to_datetime(["2024-01-01", "2025-01-01"]),
    ...     "end_date": pd.to_datetime(["2024-12-31", None])})
    >>> fee_per_unit(fs, ["A", "A", "B"], ["99213"] * 3,
    ...              pd.to_datetime(["2024-12-31", "2025-01-01", "2025-01-01"])).tolist()
    [9000, 9200, <NA>]
    """
    query = pd.DataFrame({
        "payer_id": pd.Series(np.asarray(payer_id, dtype=object), dtype="str"),
        "procedure_code": pd.Series(np.asarray(procedure_code, dtype=object), dtype="str"),
        "service_date": pd.to_datetime(pd.Series(np.asarray(service_date))).astype("datetime64[us]"),
    })
    n = len(query)
    result = pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    if fee_schedule is None or not len(fee_schedule) or not n:
        return result
    query["_pos"] = np.arange(n)
    known = query["service_date"].notna()
    q = query.loc[known].sort_values("service_date", kind="stable")
    fs = fee_schedule[["payer_id", "procedure_code", "allowed_cents", "effective_date", "end_date"]]
    fs = fs.astype({"effective_date": "datetime64[us]", "end_date": "datetime64[us]"})
    fs = fs.sort_values("effective_date", kind="stable")
    matched = pd.merge_asof(
        q, fs, left_on="service_date", right_on="effective_date",
        by=["payer_id", "procedure_code"], direction="backward",
    )
    ok = matched["allowed_cents"].notna() & (
        matched["end_date"].isna() | (matched["end_date"] >= matched["service_date"])
    )
    values = matched["allowed_cents"].where(ok)
    result.iloc[matched["_pos"].to_numpy()] = values.astype("Int64").to_numpy()
    return result
