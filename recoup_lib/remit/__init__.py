"""X12 835 remittances: read them into tables, write them from models or tables.

Reading: :func:`read_835` -> :class:`Remit` (transactions, payments, service
lines, CAS adjustments, PLB provider adjustments, recoupments, problems).
Writing: build :class:`Interchange` / :class:`Remittance` /
:class:`ClaimPayment` models (with :func:`reverse` and the PLB helpers for the
recoupment patterns of docs/sources.md §5.2-5.5) and call :func:`write_835`, or hand
tidy DataFrames to :func:`write_835_from_tables`.
"""

from ._refunds import plb_refund_pair
from ._segments import Separators
from .model import (
    GROUP_CODES,
    Adjustment,
    ClaimPayment,
    Interchange,
    ProviderAdjustment,
    Remittance,
    ServiceLine,
    plb_deferral,
    plb_forward_balance,
    plb_interest,
    plb_offset,
    reverse,
    with_forward_balance,
)
from .reader import COLUMNS, RECOUPMENT_REASONS, Remit, SegmentProblem, read_835
from .writer import (
    RemitWriteError,
    UnbalancedRemittance,
    WriteOptions,
    amount_text,
    format_835,
    tables_from_models,
    write_835,
    write_835_from_tables,
)

__all__ = [
    "Adjustment", "ServiceLine", "ClaimPayment", "ProviderAdjustment", "Remittance",
    "Interchange", "GROUP_CODES", "reverse", "plb_offset", "plb_deferral", "plb_interest",
    "plb_forward_balance", "with_forward_balance", "plb_refund_pair",
    "read_835", "Remit", "SegmentProblem", "COLUMNS", "RECOUPMENT_REASONS",
    "write_835", "format_835", "write_835_from_tables", "tables_from_models", "WriteOptions",
    "Separators", "RemitWriteError", "UnbalancedRemittance", "amount_text",
]
