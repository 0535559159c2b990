"""Column order and dtype of every table of a :class:`~recoup_lib.remit.Remit`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["COLUMNS", "typed", "STR", "DATE", "INT", "BOOL", "NAT"]

STR, DATE, INT, BOOL = "str", "datetime64[us]", "int64", "bool"
NAT = np.datetime64("NaT", "us")
#: For each dtype numpy converts to exactly as pandas does, the kinds of numpy array it takes (others,
#: such as floats with NaN to integers, which pandas refuses, go through pandas).
_NUMPY_SOURCES = {INT: "biu", BOOL: "b", DATE: "M", "float64": "biuf"}

#: Column order and dtype of every table of a :class:`~recoup_lib.remit.Remit`.
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "transactions": [
        ("file", STR), ("trace_number", STR), ("payer", STR), ("payment_date", DATE),
        ("bpr_amount_cents", INT), ("claim_paid_total_cents", INT),
        ("provider_adjustment_total_cents", INT), ("balanced", BOOL),
        ("difference_cents", INT), ("recouped_cents", INT), ("payer_id", STR),
        ("payee_name", STR), ("payee_id", STR), ("payment_method", STR),
        ("handling_code", STR), ("credit_debit", STR), ("production_date", DATE),
        ("claims", INT), ("service_lines", INT), ("unbalanced_claims", INT),
        ("unbalanced_lines", INT), ("version", STR), ("sender_id", STR),
        ("receiver_id", STR), ("interchange_control", STR), ("group_control", STR),
        ("transaction_control", STR), ("segment", INT)],
    "payments": [
        ("file", STR), ("trace_number", STR), ("claim_id", STR), ("status_code", STR),
        ("charge_cents", INT), ("paid_cents", INT), ("patient_responsibility_cents", INT),
        ("payer_claim_control", STR), ("claim_seq", INT), ("payment_date", DATE),
        ("filing_indicator", STR), ("facility_code", STR), ("frequency_code", STR),
        ("patient_last_name", STR), ("patient_first_name", STR), ("member_id", STR),
        ("statement_from", DATE), ("statement_to", DATE), ("original_reference", STR),
        ("claim_remark_codes", STR), ("covered_days", STR),
        ("claim_adjustment_total_cents", INT), ("line_adjustment_total_cents", INT),
        ("service_lines", INT), ("unbalanced_lines", INT), ("balanced", BOOL),
        ("segment", INT)],
    "service_lines": [
        ("file", STR), ("trace_number", STR), ("claim_id", STR), ("claim_seq", INT),
        ("line_seq", INT), ("line_control", STR), ("line_no", "Int64"),
        ("procedure_qualifier", STR),
        ("procedure_code", STR), ("modifiers", STR), ("revenue_code", STR),
        ("units", "float64"), ("charge_cents", INT), ("paid_cents", INT),
        ("allowed_cents", "Int64"), ("adjustment_total_cents", INT), ("balanced", BOOL),
        ("remark_codes", STR),
        ("service_date", DATE), ("service_end_date", DATE), ("segment", INT),
        ("submitted_procedure_qualifier", STR), ("submitted_procedure_code", STR),
        ("submitted_modifiers", STR)],
    "adjustments": [
        ("file", STR), ("trace_number", STR), ("claim_id", STR), ("claim_seq", INT),
        ("line_seq", "Int64"), ("level", STR), ("group_code", STR), ("reason_code", STR),
        ("amount_cents", INT), ("quantity", STR), ("segment", INT)],
    "provider_adjustments": [
        ("file", STR), ("trace_number", STR), ("reason_code", STR), ("reference", STR),
        ("amount_cents", INT), ("provider_id", STR), ("fiscal_period_date", DATE),
        ("claim_id", STR), ("payer_claim_control", STR), ("match", STR), ("without_original_cents", INT),
        ("segment", INT)],
    "recoupments": [
        ("file", STR), ("trace_number", STR), ("payment_date", DATE), ("claim_id", STR),
        ("amount_cents", INT), ("mechanism", STR), ("reason_code", STR), ("reference", STR),
        ("net_amount_cents", INT), ("payer_claim_control", STR),
        ("match", STR), ("deferred_cents", INT), ("correction_cents", INT),
        ("forwarded_cents", INT), ("payer", STR), ("segment", INT)],
    "problems": [
        ("file", STR), ("segment", INT), ("segment_id", STR), ("element", STR),
        ("value", STR), ("expected", STR), ("severity", STR), ("action", STR),
        ("trace_number", STR), ("message", STR)],
    "files": [
        ("file", STR), ("path", STR), ("status", STR), ("segments", INT),
        ("transactions", INT), ("transactions_used", INT), ("transactions_set_aside", INT),
        ("transactions_repeated", INT),
        ("errors", INT), ("warnings", INT)],
}


def typed(frame: dict, table: str, n: int, owned: bool = False) -> pd.DataFrame:
    """A DataFrame with the columns of ``COLUMNS[table]`` in order, plus ``_tx`` if given.

    With ``owned=True`` the caller hands over numpy arrays that nothing else holds (fresh
    from the reader): the frame keeps them instead of copying each one.
    """
    out = {}
    for name, dtype in COLUMNS[table]:
        values = frame.get(name)
        if values is None:
            if dtype == STR:
                values = np.full(n, "", dtype=object)
            elif dtype == DATE:
                values = np.full(n, NAT)
            elif dtype == BOOL:
                values = np.zeros(n, dtype=bool)
            else:
                values = np.zeros(n, dtype=np.int64)
        out[name] = _column(values, dtype, owned)
    private = [name for name in ("_tx", "_file") if name in frame]
    for name in private:
        out[name] = np.array(frame[name], dtype=np.int64, copy=not owned)
    # The columns are fresh arrays: the frame takes them as they are (no copy into blocks).
    return pd.DataFrame(out, columns=[c for c, _ in COLUMNS[table]] + private, copy=False)


def _column(values, dtype: str, owned: bool):
    """One column of :func:`typed` as an array of ``dtype``.

    Arrays are converted as arrays, not through a Series each: a remittance's
    tables have about 150 columns, and most files hold a few claims, so the
    Series' own cost was most of reading one.
    """
    if isinstance(values, pa.Array) or dtype == STR:
        return pd.array(values, dtype="str")
    if isinstance(values, pd.api.extensions.ExtensionArray):
        return pd.array(values, dtype=dtype, copy=not owned)
    values = np.asarray(values)
    if values.dtype.kind in _NUMPY_SOURCES.get(dtype, ""):
        return values.astype(dtype, copy=not owned)
    return pd.Series(values, copy=not owned).astype(dtype).array
