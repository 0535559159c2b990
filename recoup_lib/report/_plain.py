"""Tables for people: money in dollars, dates as dates, column names in plain words."""

from __future__ import annotations

import pandas as pd

from ..money import dollars

__all__ = ["plain_table"]


def _label(name: str) -> str:
    text = str(name)
    if text.endswith("_cents"):
        text = text[: -len("_cents")]
    text = text.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def plain_table(frame: pd.DataFrame, columns=None, words=("error_type", "errors", "effect",
                                                          "patient_may_be_billed", "payer_type",
                                                          "plan_type", "funding")) -> pd.DataFrame:
    """A copy of ``frame`` for reading: dollars, ``YYYY-MM-DD`` dates, yes/no, plain column names.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : dict or list, optional
        A dict ``{column: "Plain name"}`` picks, orders and renames the
        columns; a list picks and orders them (names made plain); default:
        every column not starting with ``_``.
    words : iterable of str
        Columns whose values are the kit's codes (``missing_documentation``,
        ``a;b``): shown as words (``missing documentation``, ``a, b``).

    Returns
    -------
    pandas.DataFrame
        Text only: ``x_cents`` as ``$1,234.50`` (blank when missing), dates as
        ``2025-03-04``, booleans as ``yes``/``no``; the index is reset and
        starts at 1, like a printed list.

    Examples
    --------
    >>> df = pd.DataFrame({"claim_id": ["C1"], "paid_cents": [123450], "late": [True],
    ...                    "errors": ["upcoding;missing_signature"]})
    >>> plain_table(df).to_dict("records")
    [{'Claim id': 'C1', 'Paid': '$1,234.50', 'Late': 'yes', 'Errors': 'upcoding, missing signature'}]
    """
    if columns is None:
        columns = [c for c in frame.columns if not str(c).startswith("_")]
    names = columns if isinstance(columns, dict) else {c: _label(c) for c in columns}
    out = {}
    for column, label in names.items():
        s = frame[column]
        if str(column).endswith("_cents"):
            values = [("" if pd.isna(v) else dollars(int(v))) for v in s]
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            values = [("" if pd.isna(v) else f"{v:%Y-%m-%d}") for v in s]
        elif pd.api.types.is_bool_dtype(s.dtype):
            values = ["yes" if bool(v) else "no" for v in s]
        else:
            values = ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in s]
            if column in words:
                values = [v.replace("_", " ").replace(";", ", ") for v in values]
        out[label] = values
    table = pd.DataFrame(out)
    table.index = range(1, len(table) + 1)
    return table
