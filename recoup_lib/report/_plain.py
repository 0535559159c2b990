"""Tables for people: money in dollars, dates as dates, column names in plain words."""

from __future__ import annotations

import pandas as pd

from ..money import dollars

__all__ = ["PLAIN_NAMES", "plain_table"]

#: The kit's column names in the words a billing office uses (``plain_table``'s default labels).
PLAIN_NAMES = {
    "claim_id": "Claim", "line_no": "Line", "patient_id": "Patient", "payer_id": "Payer",
    "payer_type": "Payer type", "rendering_npi": "Clinician (NPI)", "procedure_code": "Code",
    "modifiers": "Modifiers", "units": "Units", "service_date": "Service date", "dos": "Service date",
    "payment_date": "Paid on", "notice_date": "Notice date", "charge_cents": "Billed",
    "billed_cents": "Billed", "allowed_cents": "Allowed", "paid_cents": "Paid",
    "deductible_cents": "Deductible", "coinsurance_cents": "Coinsurance", "copay_cents": "Copay",
    "denial_code": "Reason code (CARC)", "at_risk_cents": "At risk", "amount_cents": "Amount",
    "error_type": "Error", "category": "Cause", "next_action": "Next step", "evidence": "Evidence",
    "trace_number": "Deposit", "reason_code": "Reason code",
}


def _label(name: str) -> str:
    if name in PLAIN_NAMES:
        return PLAIN_NAMES[name]
    text = str(name)
    if text.endswith("_cents"):
        text = text[: -len("_cents")]
    text = text.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def plain_table(frame, columns=None, words=("error_type", "errors", "effect", "category",
                                           "patient_may_be_billed", "payer_type", "plan_type",
                                           "funding", "recommendation", "kind", "cause",
                                           "measure")) -> pd.DataFrame:
    """A copy of ``frame`` for reading: dollars, ``YYYY-MM-DD`` dates, yes/no, plain column names.

    Parameters
    ----------
    frame : pandas.DataFrame or pandas.Series
        A series is shown as a table of one column (its index as the first
        column when it has a name).
    columns : dict or list, optional
        A dict ``{column: "Plain name"}`` picks, orders and renames the
        columns; a list picks and orders them (names made plain: the words
        of :data:`PLAIN_NAMES`, else ``x_cents`` -> ``X``); default: every
        column not starting with ``_``.
    words : iterable of str
        Columns whose values are the kit's codes (``missing_documentation``,
        ``a;b``): shown as words (``missing documentation``, ``a, b``).

    Returns
    -------
    pandas.DataFrame
        Text only: ``x_cents`` as ``$1,234.50`` (blank when missing), dates as
        ``2025-03-04``, booleans as ``yes``/``no`` (blank when missing); the index is reset and
        starts at 1, like a printed list.

    Examples
    --------
    >>> df = pd.DataFrame({"claim_id": ["C1"], "paid_cents": [123450], "late": [True],
    ...                    "errors": ["upcoding;missing_signature"]})
    >>> plain_table(df).to_dict("records")
    [{'Claim': 'C1', 'Paid': '$1,234.50', 'Late': 'yes', 'Errors': 'upcoding, missing signature'}]
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame().reset_index() if frame.index.name else frame.to_frame()
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
            values = ["" if pd.isna(v) else "yes" if bool(v) else "no" for v in s]
        else:
            values = ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in s]
            if column in words:
                values = [v.replace("_", " ").replace(";", ", ") for v in values]
        out[label] = values
    table = pd.DataFrame(out)
    table.index = range(1, len(table) + 1)
    return table
