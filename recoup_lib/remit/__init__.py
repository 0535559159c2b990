"""X12 835 remittances: read them into tables, reconcile them, write them from models or tables.

Reading: :func:`read_835` -> :class:`Remit` (transactions, payments, service
lines, CAS adjustments, PLB provider adjustments, recoupments, problems).
Money taken back is one figure everywhere: :func:`taken_back` (the sum of the
recoupments' net amounts, each dollar once).
Reconciling: :func:`reconcile` -> :class:`Reconciliation` (every deposit
explained, every take-back linked to its payment and notice, the open
ledger); its parts are in :mod:`recoup_lib.remit.reconcile`.
Writing: build :class:`Interchange` / :class:`Remittance` /
:class:`ClaimPayment` models (with :func:`reverse` and the PLB helpers for the
recoupment patterns of docs/sources.md §5.2-5.5) and call :func:`write_835`, or hand
tidy DataFrames to :func:`write_835_from_tables`.
"""

# The parts module is loaded first: binding the function ``reconcile`` below then
# wins, and a later ``from recoup_lib.remit.reconcile import ...`` does not rebind it.
from . import reconcile as _reconcile_parts  # noqa: F401
from ._as_of import FOLDER_AS_OF, folder_as_of, remittance_dates
from ._batch import read_835
from ._columns import COLUMNS
from ._files import REMIT_SUFFIXES, remits_in
from ._problems import SegmentProblem
from ._reconciliation import Reconciliation, reconcile
from ._recoupments import RECOUPMENT_REASONS, RECOUPMENT_ROW_CHECKS, paid_after, taken_back, usable_recoupments
from ._result import Remit
from ._refunds import plb_refund_pair
from ._writer import (
    RemitWriteError,
    UnbalancedRemittance,
    WriteOptions,
    amount_text,
    format_835,
    tables_from_models,
    write_835,
    write_835_from_tables,
)
from ..x12 import Separators
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

__all__ = [
    "Adjustment", "ServiceLine", "ClaimPayment", "ProviderAdjustment", "Remittance",
    "Interchange", "GROUP_CODES", "reverse", "plb_offset", "plb_deferral", "plb_interest",
    "plb_forward_balance", "with_forward_balance", "plb_refund_pair",
    "read_835", "Remit", "SegmentProblem", "COLUMNS", "RECOUPMENT_REASONS",
    "reconcile", "Reconciliation", "taken_back", "paid_after", "REMIT_SUFFIXES", "remits_in",
    "RECOUPMENT_ROW_CHECKS", "usable_recoupments", "FOLDER_AS_OF", "folder_as_of", "remittance_dates",
    "write_835", "format_835", "write_835_from_tables", "tables_from_models", "WriteOptions",
    "Separators", "RemitWriteError", "UnbalancedRemittance", "amount_text",
]
